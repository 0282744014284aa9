//! How a table is served.

use crate::client::RegisterOptions;

/// The most records one range call returns when [`ServeOptions::max_range`] is 0.
pub const DEFAULT_MAX_RANGE: u32 = 1000;

/// Options of [`serve_table`](super::serve_table).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServeOptions {
    /// How the procedure is registered (match policy, shared registration, ...).
    pub register: RegisterOptions,
    /// Serve ranges (`[from, to]` → one progressive result per record) instead of single keys.
    pub range: bool,
    /// The most records one range call returns, whatever `limit` it asks for; 0:
    /// [`DEFAULT_MAX_RANGE`].
    pub max_range: u32,
}

impl ServeOptions {
    /// The range cap in effect.
    pub(crate) fn range_cap(&self) -> usize {
        match self.max_range {
            0 => DEFAULT_MAX_RANGE as usize,
            n => n as usize,
        }
    }
}
