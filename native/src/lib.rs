//! Rill native runtime.
