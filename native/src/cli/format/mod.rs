//! Output toolkit shared by every `rill` command, modelled on what the `nats` CLI prints:
//! box-drawn tables ([`table`]), aligned "Label: value" blocks ([`fields`]), binary sizes and
//! counts ([`units`]), Go-style durations ([`duration`]), timestamps in local time ([`time`],
//! [`zone`]), colours only on a terminal ([`color`]), a progress bar only on a terminal
//! ([`progress`]) and `--json` output ([`json`]).
//!
//! Contract: nothing here decides *what* to print, only how; every function returns a
//! `String` (or writes to a given writer) so it can be unit-tested without a terminal.

pub mod color;
pub mod duration;
pub mod fields;
pub mod json;
pub mod progress;
pub mod table;
pub mod time;
pub mod units;
pub mod zone;

pub use color::Style;
pub use duration::{format_duration, parse_duration};
pub use fields::Fields;
pub use table::Table;
pub use units::{format_count, format_size, format_size_or_unlimited, or_unlimited};
pub use zone::Zone;
