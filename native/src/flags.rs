//! rill-server command-line flags (placeholder, being written).
