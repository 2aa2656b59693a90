//! nats.conf parser (placeholder, being written).
