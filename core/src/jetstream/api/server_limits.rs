//! Server-wide consumer limits (`jetstream { limits { ... } }` in the config file), as
//! nats-server applies them when a consumer is created: a pull consumer without `max_batch`
//! inherits `max_request_batch`, an acked consumer without `max_ack_pending` gets the default
//! lowered to the limit, and larger explicit values are refused.

use super::catalogue::ErrorId;
use super::consumer::ConsumerConfig;
use super::consumer_check::MAX_ACK_PENDING_DEFAULT;
use super::error::ApiError;
use alloc::string::ToString;

/// Limits every consumer of the server is held to; 0 (or less) means no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerLimits {
    /// Largest pull request batch (`max_request_batch`); pull consumers without `max_batch`
    /// inherit it.
    pub max_request_batch: i64,
    /// Largest `max_ack_pending` (`max_ack_pending`); also caps the default of 1000.
    pub max_ack_pending: i64,
}

impl ServerLimits {
    /// The `max_ack_pending` given to an acked consumer that sets none.
    pub fn default_max_ack_pending(&self) -> i64 {
        if self.max_ack_pending > 0 && self.max_ack_pending < MAX_ACK_PENDING_DEFAULT {
            self.max_ack_pending
        } else {
            MAX_ACK_PENDING_DEFAULT
        }
    }
}

impl ConsumerConfig {
    /// Fills `max_batch` of a pull consumer from the server's `max_request_batch`, or refuses
    /// the silent fixup with 10157 when `pedantic`.
    pub(super) fn inherit_server_limits(
        &mut self,
        limits: &ServerLimits,
        pedantic: bool,
    ) -> Result<(), ApiError> {
        if self.is_pull() && self.max_batch == 0 && limits.max_request_batch > 0 {
            if pedantic {
                return Err(ApiError::pedantic(
                    "max_request_batch must be set if it's JetStream limits are set",
                ));
            }
            self.max_batch = limits.max_request_batch;
        }
        Ok(())
    }

    /// Refuses a pull `max_batch` above `max_request_batch` (10125) and a `max_ack_pending`
    /// above the server's (10121).
    pub(super) fn check_server_limits(&self, limits: &ServerLimits) -> Result<(), ApiError> {
        if self.is_pull()
            && limits.max_request_batch > 0
            && self.max_batch > limits.max_request_batch
        {
            let limit = limits.max_request_batch.to_string();
            return Err(ApiError::with_args(
                ErrorId::ConsumerMaxRequestBatchExceeded,
                &[("limit", &limit)],
            ));
        }
        if limits.max_ack_pending > 0 && self.max_ack_pending > limits.max_ack_pending {
            let limit = limits.max_ack_pending.to_string();
            return Err(ApiError::with_args(
                ErrorId::ConsumerMaxPendingAckExcess,
                &[("limit", &limit)],
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::api::StreamConfig;

    fn stream() -> StreamConfig {
        let json = r#"{"name":"S","subjects":["s"]}"#;
        let cfg: StreamConfig = serde_json::from_str(json).unwrap();
        cfg.normalize(false).unwrap()
    }

    fn pull(json: &str) -> ConsumerConfig {
        serde_json::from_str(json).unwrap()
    }

    const LIMITS: ServerLimits = ServerLimits {
        max_request_batch: 100,
        max_ack_pending: 500,
    };

    #[test]
    fn pull_consumer_inherits_max_request_batch() {
        let c = pull(r#"{"durable_name":"d","ack_policy":"explicit"}"#);
        let c = c.normalize_limited(&stream(), false, &LIMITS).unwrap();
        assert_eq!(c.max_batch, 100);
        assert_eq!(c.max_ack_pending, 500);
    }

    #[test]
    fn push_consumer_keeps_no_batch() {
        let c = pull(r#"{"durable_name":"d","deliver_subject":"out","ack_policy":"explicit"}"#);
        let c = c.normalize_limited(&stream(), false, &LIMITS).unwrap();
        assert_eq!(c.max_batch, 0);
    }

    #[test]
    fn smaller_explicit_values_are_kept() {
        let c = pull(r#"{"durable_name":"d","max_batch":7,"max_ack_pending":9}"#);
        let c = c.normalize_limited(&stream(), false, &LIMITS).unwrap();
        assert_eq!((c.max_batch, c.max_ack_pending), (7, 9));
    }

    #[test]
    fn larger_explicit_values_are_refused() {
        let c = pull(r#"{"durable_name":"d","max_batch":101}"#);
        let err = c.normalize_limited(&stream(), false, &LIMITS).unwrap_err();
        assert_eq!(err.err_code, 10125);
        let want = "consumer max request batch exceeds server limit of 100";
        assert_eq!(err.description, want);
        let c = pull(r#"{"durable_name":"d","ack_policy":"all","max_ack_pending":501}"#);
        let err = c.normalize_limited(&stream(), false, &LIMITS).unwrap_err();
        assert_eq!(err.err_code, 10121);
    }

    #[test]
    fn pedantic_refuses_the_inherited_batch() {
        let c = pull(r#"{"durable_name":"d"}"#);
        let err = c.normalize_limited(&stream(), true, &LIMITS).unwrap_err();
        assert_eq!(err.err_code, 10157);
    }

    #[test]
    fn no_limits_change_nothing() {
        let c = pull(r#"{"durable_name":"d","ack_policy":"explicit","max_batch":100000}"#);
        let limits = ServerLimits::default();
        let c = c.normalize_limited(&stream(), false, &limits).unwrap();
        assert_eq!((c.max_batch, c.max_ack_pending), (100000, 1000));
    }
}
