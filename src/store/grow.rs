//! Growing the memory map (the policy is described in `grow.md`, part of the `store` docs).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::error::{Error, ErrorKind, Result};
use super::inner::EnvInner;

/// Grow the map (by doubling) once its used part reaches this fraction: 3/4.
const GROW_NUM: usize = 3;
const GROW_DEN: usize = 4;

/// Called by `begin_write` before it counts itself live: grows the map if auto_grow asks for it
/// and nothing of this process is live. Failing to grow is not an error here: the write may
/// still fit, and if not it reports `MapFull`.
pub(crate) fn before_write(env: &Arc<EnvInner>) {
    if !env.opts.auto_grow {
        return;
    }
    let Ok((used, size)) = env.map_usage() else {
        return;
    };
    let asked = env.grow_next.load(Ordering::Acquire);
    if !asked && used.saturating_mul(GROW_DEN) < size.saturating_mul(GROW_NUM) {
        return;
    }
    let bigger = size.saturating_mul(2);
    if env
        .exclusive("growing the map", || env.set_map_size_exclusive(bigger))
        .is_ok()
    {
        env.grow_next.store(false, Ordering::Release);
    }
}

/// Adopts the map size another process recorded in the file (after `MDB_MAP_RESIZED`).
pub(crate) fn adopt_file_size(env: &Arc<EnvInner>) -> Result<()> {
    env.exclusive("adopting the larger map size another process set", || {
        env.set_map_size_exclusive(0)
    })
    .map_err(|e| {
        if e.kind() == ErrorKind::Busy {
            Error::new(
                ErrorKind::Busy,
                format!(
                    "another process grew the map of {} beyond this process's map, and this \
                     process still has live transactions: end them, then begin again",
                    env.path.display()
                ),
            )
        } else {
            e
        }
    })
}
