//! Serving data at rest as data in transit: a table of LMDB records answers WAMP calls, and its
//! changes go out as WAMP events — the records travel as they are stored, with no application
//! code, no decode and no re-encode in the path.
//!
//! ```no_run
//! use zerowamp::client::{Client, ClientOptions};
//! use zerowamp::serve::{publish_changes, serve_table, ServeOptions};
//! use zerowamp::store::{Env, EnvOptions};
//!
//! let env = Env::open("/var/lib/app/db".as_ref(), &EnvOptions::default())?;
//! let users = env.open_table("users", &env.table_options("users")?)?;
//! let client = Client::connect("rs://127.0.0.1:8081", "realm1", ClientOptions::default())?;
//! // key -> record
//! let _get = serve_table(&client, &env, &users, "com.example.users.get", ServeOptions::default())?;
//! // [from, to] -> one progressive result per record, then [count]
//! let range = ServeOptions { range: true, ..ServeOptions::default() };
//! let _range = serve_table(&client, &env, &users, "com.example.users.range", range)?;
//! // every committed put and delete -> an event
//! let _feed = publish_changes(&env, &users, &client, "com.example.users.changed")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Keys from WAMP values
//!
//! A call names its key as a WAMP value, read by the table's key codec:
//!
//! | codec       | WAMP value                                                           |
//! |-------------|----------------------------------------------------------------------|
//! | `u64`       | a non-negative integer, or 8 bytes (big-endian, the key as stored)   |
//! | `uuid`      | 16 bytes, or the canonical string `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` |
//! | `str`       | a string                                                             |
//! | `bytes`     | bytes (JSON: the WAMP convention, a string of NUL + base64)          |
//! | composite   | a list with one value per element, each by these rules               |
//!
//! A range bound of a composite key may be a shorter list (its first elements). Anything else
//! is answered with `wamp.error.invalid_argument`, saying what the key must be.
//!
//! # What the records cost
//!
//! Each answer is the record pinned in a read snapshot ([`Snapshot`](crate::client::Snapshot)):
//! the serializer writes the envelope only (MessagePack, CBOR), and RawSocket writes envelope
//! and record with one `writev` — no copy of the record in user space
//! ([`Client::stats`](crate::client::Client::stats) counts). WebSocket copies it once (client
//! frames are masked); JSON (base64) and FlatBuffers copy it into the message.

mod error;
mod feed;
mod key;
mod options;
mod table;

pub use error::Error;
pub use feed::{publish_changes, ChangeFeed};
pub use options::{ServeOptions, DEFAULT_MAX_RANGE};
pub use table::{serve_table, INVALID_ARGUMENT, NOT_FOUND};
