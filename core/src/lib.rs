//! Rill core.
