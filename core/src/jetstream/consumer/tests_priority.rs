//! Priority group and reset scenarios.
