//! Priority groups and consumer reset through async-nats.
