//! `rill bench` (placeholder, being written).
