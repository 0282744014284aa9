//! The session's life cycle.

use std::fmt;

/// Where a session is in its life cycle.
///
/// ```text
/// Closed ──connect──▶ Establishing ──CHALLENGE──▶ Challenged ──(CHALLENGE again)─┐
///   ▲                     │  ▲                        │  ▲─────────────────────────┘
///   │                     │  └───────WELCOME──────────┤
///   │                     └──WELCOME──▶ Established ◀─┘
///   │                                    │      │
///   │◀──────── GOODBYE from router ──────┘      └──leave──▶ Closing ──GOODBYE──▶ Closed
///   │◀──────── ABORT (either side), protocol violation, transport lost: from any state
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum State {
    /// No session: before `connect`, and after the session ended.
    #[default]
    Closed,
    /// HELLO sent; waiting for WELCOME, CHALLENGE or ABORT.
    Establishing,
    /// AUTHENTICATE sent; waiting for WELCOME, ABORT or another CHALLENGE.
    Challenged,
    /// WELCOME received: the session is open.
    Established,
    /// GOODBYE sent; waiting for the router's GOODBYE. Other messages are ignored.
    Closing,
}

impl State {
    /// The state's name in lower case, as used in error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Closed => "closed",
            State::Establishing => "establishing",
            State::Challenged => "challenged",
            State::Established => "established",
            State::Closing => "closing",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
