//! `rill-core`: the sans-IO heart of Rill.
//!
//! Contract: this crate is a pure function of its inputs. Bytes, commands and the current
//! [`time::Instant`] go in; frames, events and the next deadline come out. It never reads a
//! clock, draws OS randomness, spawns, blocks, or touches a socket or a file, so the same code
//! runs in the tokio server (`native/`), in the browser (`wasm/`) and under the simulator.
//!
//! It is `no_std` + `alloc`; the `std` feature only turns on `std` support in dependencies.
//!
//! Map:
//! - [`proto`]: the NATS client protocol codec (streaming decoders, encoders, headers,
//!   INFO/CONNECT JSON).
//! - [`subject`]: subject and queue-name validation and wildcard matching.
//! - [`sublist`]: the interest index (a token trie with a result cache).
//! - [`conn`]: the server side of one client connection as a state machine.
//! - [`error`]: protocol errors carrying the exact texts nats-server sends.
//! - [`transform`]: subject mapping transforms (`{{wildcard(1)}}`, `$1`, `>`).

#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod conn;
pub mod error;
pub mod jetstream;
pub mod proto;
pub mod route_keepalive;
pub mod route_rules;
pub mod subject;
pub mod sublist;
pub mod time;
pub mod transform;

pub use error::ProtoError;
pub use time::Instant;
