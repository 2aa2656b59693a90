//! Consumer config defaults and validation, following nats-server's
//! `setConsumerConfigDefaults`, `checkConsumerCfg`, the workqueue rules of `addConsumer` and
//! `checkNewConsumerConfig` (what an update may change). The stream's `consumer_limits` apply
//! here; the server's `jetstream.limits` through [`ServerLimits`]. Account-wide limits are not
//! modelled.

use super::catalogue::ErrorId;
use super::consumer::{AckPolicy, ConsumerConfig, DeliverPolicy, PriorityPolicy};
use super::error::ApiError;
use super::server_limits::ServerLimits;
use super::stream::{RetentionPolicy, StreamConfig};
use super::stream_check::{DESCRIPTION_LEN_MAX, METADATA_LEN_MAX};
use super::time::{format_go_duration, Nanos, NANOS_PER_SEC};
use super::{is_valid_name, NAME_LEN_MAX};
use alloc::format;
use alloc::string::ToString;

/// Default `ack_wait` for explicit and all ack policies: 30 s.
pub const ACK_WAIT_DEFAULT: Nanos = 30 * NANOS_PER_SEC;
/// Default `max_ack_pending` when acks are required.
pub const MAX_ACK_PENDING_DEFAULT: i64 = 1000;
/// Default `max_waiting` of pull consumers.
pub const MAX_WAITING_DEFAULT: i64 = 512;
/// `inactive_threshold` given to ephemerals that set none: 5 s.
pub const INACTIVE_THRESHOLD_DEFAULT: Nanos = 5 * NANOS_PER_SEC;
/// Default `priority_timeout` for the pinned-client policy: 2 min.
pub const PRIORITY_TIMEOUT_DEFAULT: Nanos = 120 * NANOS_PER_SEC;
/// Smallest push `idle_heartbeat`: 100 ms.
pub const HEARTBEAT_MIN: Nanos = NANOS_PER_SEC / 10;
/// Heartbeat of flow-control-acked (sourcing) consumers: 1 s.
const SOURCE_HEARTBEAT: Nanos = NANOS_PER_SEC;

/// Clamps a negative value to `to`, or refuses it in pedantic mode with `msg`.
fn fix_negative(
    value: &mut i64,
    below: i64,
    to: i64,
    msg: &str,
    pedantic: bool,
) -> Result<(), ApiError> {
    if *value < below {
        if pedantic {
            return Err(ApiError::pedantic(msg));
        }
        *value = to;
    }
    Ok(())
}

impl ConsumerConfig {
    /// Applies nats-server's defaults and checks this config against its `stream`
    /// (non-pedantic). Ephemerals without an `inactive_threshold` get 5 s.
    pub fn normalize(self, stream: &StreamConfig) -> Result<ConsumerConfig, ApiError> {
        self.normalize_with(stream, false)
    }

    /// [`ConsumerConfig::normalize`], refusing silent fixups with 10157 when `pedantic`.
    pub fn normalize_with(
        self,
        stream: &StreamConfig,
        pedantic: bool,
    ) -> Result<ConsumerConfig, ApiError> {
        self.normalize_limited(stream, pedantic, &ServerLimits::default())
    }

    /// [`ConsumerConfig::normalize_with`] on a server with consumer `limits`.
    pub fn normalize_limited(
        mut self,
        stream: &StreamConfig,
        pedantic: bool,
        limits: &ServerLimits,
    ) -> Result<ConsumerConfig, ApiError> {
        self.set_defaults(stream, pedantic, limits)?;
        self.check(stream, limits)?;
        if !self.is_durable() && self.inactive_threshold <= 0 {
            self.inactive_threshold = INACTIVE_THRESHOLD_DEFAULT;
        }
        Ok(self)
    }

    fn set_defaults(
        &mut self,
        stream: &StreamConfig,
        pedantic: bool,
        server: &ServerLimits,
    ) -> Result<(), ApiError> {
        if self.max_deliver == 0 || self.max_deliver < -1 {
            if pedantic && self.max_deliver < -1 {
                return Err(ApiError::pedantic("max_deliver must be set to -1"));
            }
            self.max_deliver = -1;
        }
        fix_negative(
            &mut self.max_waiting,
            0,
            0,
            "max_waiting must not be negative",
            pedantic,
        )?;
        fix_negative(
            &mut self.max_ack_pending,
            -1,
            -1,
            "max_ack_pending must be set to -1",
            pedantic,
        )?;
        fix_negative(
            &mut self.max_batch,
            0,
            0,
            "max_batch must not be negative",
            pedantic,
        )?;
        fix_negative(
            &mut self.max_expires,
            0,
            0,
            "max_expires must not be negative",
            pedantic,
        )?;
        fix_negative(
            &mut self.max_bytes,
            0,
            0,
            "max_bytes must not be negative",
            pedantic,
        )?;
        fix_negative(
            &mut self.idle_heartbeat,
            0,
            0,
            "idle_heartbeat must not be negative",
            pedantic,
        )?;
        let msg = "inactive_threshold must not be negative";
        fix_negative(&mut self.inactive_threshold, 0, 0, msg, pedantic)?;
        let msg = "priority_timeout must not be negative";
        fix_negative(&mut self.priority_timeout, 0, 0, msg, pedantic)?;
        if self.is_pull() && self.max_waiting == 0 {
            self.max_waiting = MAX_WAITING_DEFAULT;
        }
        if self.ack_wait == 0 && matches!(self.ack_policy, AckPolicy::Explicit | AckPolicy::All) {
            self.ack_wait = ACK_WAIT_DEFAULT;
        }
        if let Some(first) = self.backoff.first() {
            if pedantic && self.ack_wait != *first {
                return Err(ApiError::pedantic(
                    "first backoff value has to equal batch AckWait",
                ));
            }
            self.ack_wait = *first;
        }
        let limits = stream.consumer_limits;
        if self.max_ack_pending == 0 {
            if pedantic && limits.max_ack_pending > 0 {
                let msg = "max_ack_pending must be set if it's configured in stream limits";
                return Err(ApiError::pedantic(msg));
            }
            self.max_ack_pending = limits.max_ack_pending;
        }
        if self.inactive_threshold == 0 {
            if pedantic && limits.inactive_threshold > 0 {
                let msg = "inactive_threshold must be set if it's configured in stream limits";
                return Err(ApiError::pedantic(msg));
            }
            self.inactive_threshold = limits.inactive_threshold;
        }
        if self.max_ack_pending == 0 && self.ack_policy != AckPolicy::None {
            self.max_ack_pending = server.default_max_ack_pending();
        }
        self.inherit_server_limits(server, pedantic)?;
        if self.priority_policy == PriorityPolicy::PinnedClient && self.priority_timeout == 0 {
            self.priority_timeout = PRIORITY_TIMEOUT_DEFAULT;
        }
        if self.ack_policy == AckPolicy::FlowControl && !pedantic {
            (self.flow_control, self.idle_heartbeat) = (true, SOURCE_HEARTBEAT);
        }
        Ok(())
    }

    fn check(&self, stream: &StreamConfig, server: &ServerLimits) -> Result<(), ApiError> {
        let bad = ApiError::invalid_config;
        if !self.name.is_empty() && !is_valid_name(&self.name) {
            return Err(bad(
                "consumer name can not contain '.', '*', '>', '\\', '/'",
            ));
        }
        if !self.durable_name.is_empty() && !is_valid_name(&self.durable_name) {
            return Err(bad(
                "consumer durable name can not contain '.', '*', '>', '\\', '/'",
            ));
        }
        if self.num_replicas > 0 && self.num_replicas > stream.num_replicas {
            return Err(ErrorId::ConsumerReplicasExceedsStream.into());
        }
        if self.num_replicas < 0 {
            return Err(ErrorId::ReplicasCountCannotBeNegative.into());
        }
        if stream.retention != RetentionPolicy::Limits
            && self.num_replicas != 0
            && self.num_replicas != stream.num_replicas
        {
            return Err(ErrorId::ConsumerReplicasShouldMatchStream.into());
        }
        if self.backoff.iter().any(|b| *b < 0) {
            return Err(ErrorId::ConsumerBackOffNegative.into());
        }
        if self.ack_wait < 0 {
            return Err(ErrorId::ConsumerAckWaitNegative.into());
        }
        self.check_flow_control_ack()?;
        let backoffs = self.backoff.len() as i64;
        if backoffs > 0 && self.max_deliver != -1 && backoffs > self.max_deliver {
            return Err(ErrorId::ConsumerMaxDeliverBackoff.into());
        }
        if self.description.len() > DESCRIPTION_LEN_MAX {
            let max = DESCRIPTION_LEN_MAX.to_string();
            return Err(ApiError::with_args(
                ErrorId::ConsumerDescriptionTooLong,
                &[("max", &max)],
            ));
        }
        self.check_delivery_mode(stream)?;
        self.check_server_limits(server)?;
        self.check_stream_limits(stream)?;
        if self.direct {
            if self.is_pull() {
                return Err(ErrorId::ConsumerDirectRequiresPush.into());
            }
            if self.is_durable() {
                return Err(ErrorId::ConsumerDirectRequiresEphemeral.into());
            }
        }
        self.check_filters()?;
        self.check_start()?;
        self.check_sampling()?;
        if self.flow_control && self.idle_heartbeat == 0 {
            return Err(ErrorId::ConsumerWithFlowControlNeedsHeartbeats.into());
        }
        if self.is_durable() && !self.name.is_empty() && self.name != self.durable_name {
            return Err(ErrorId::ConsumerCreateDurableAndNameMismatch.into());
        }
        let metadata_len: usize = self.metadata.iter().map(|(k, v)| k.len() + v.len()).sum();
        if metadata_len > METADATA_LEN_MAX {
            let limit = format!("{}KB", METADATA_LEN_MAX / 1024);
            return Err(ApiError::with_args(
                ErrorId::ConsumerMetadataLength,
                &[("limit", &limit)],
            ));
        }
        self.check_priority()
    }

    fn check_flow_control_ack(&self) -> Result<(), ApiError> {
        if self.ack_policy != AckPolicy::FlowControl {
            return Ok(());
        }
        if self.is_pull() {
            return Err(ErrorId::ConsumerAckFCRequiresPush.into());
        }
        if !self.flow_control {
            return Err(ErrorId::ConsumerAckFCRequiresFC.into());
        }
        if self.idle_heartbeat != SOURCE_HEARTBEAT {
            return Err(ApiError::invalid_config(
                "flow control ack policy heartbeat needs to be 1s",
            ));
        }
        if self.max_ack_pending <= 0 {
            return Err(ErrorId::ConsumerAckFCRequiresMaxAckPending.into());
        }
        if self.ack_wait != 0 || !self.backoff.is_empty() {
            return Err(ErrorId::ConsumerAckFCRequiresNoAckWait.into());
        }
        if self.max_deliver > 0 {
            return Err(ErrorId::ConsumerAckFCRequiresNoMaxDeliver.into());
        }
        Ok(())
    }

    fn check_stream_limits(&self, stream: &StreamConfig) -> Result<(), ApiError> {
        let limits = stream.consumer_limits;
        if limits.max_ack_pending > 0 && self.max_ack_pending > limits.max_ack_pending {
            let limit = limits.max_ack_pending.to_string();
            return Err(ApiError::with_args(
                ErrorId::ConsumerMaxPendingAckExcess,
                &[("limit", &limit)],
            ));
        }
        if limits.inactive_threshold > 0 && self.inactive_threshold > limits.inactive_threshold {
            let limit = format_go_duration(limits.inactive_threshold);
            return Err(ApiError::with_args(
                ErrorId::ConsumerInactiveThresholdExcess,
                &[("limit", &limit)],
            ));
        }
        Ok(())
    }

    fn check_start(&self) -> Result<(), ApiError> {
        let seq_set = self.opt_start_seq > 0;
        let time_set = self.opt_start_time.is_some();
        let policy = |dp: &str, what: &str, set: bool| {
            let text = if set {
                let head = format!("consumer delivery policy is deliver {dp}");
                format!("{head}, but optional start {what} is also set")
            } else {
                format!("consumer delivery policy is deliver {dp}, but optional {what} is not set")
            };
            Err(ApiError::with_err(ErrorId::ConsumerInvalidPolicy, text))
        };
        let (name, no_filter) = match self.deliver_policy {
            DeliverPolicy::All => ("all", false),
            DeliverPolicy::Last => ("last", false),
            DeliverPolicy::New => ("new", false),
            DeliverPolicy::LastPerSubject => ("last per subject", self.filters().is_empty()),
            DeliverPolicy::ByStartSequence if !seq_set => {
                return policy("by start sequence", "start sequence", false);
            }
            DeliverPolicy::ByStartSequence if time_set => {
                return policy("by start sequence", "time", true)
            }
            DeliverPolicy::ByStartTime if !time_set => {
                return policy("by start time", "start time", false)
            }
            DeliverPolicy::ByStartTime if seq_set => {
                return policy("by start time", "start sequence", true);
            }
            DeliverPolicy::ByStartSequence | DeliverPolicy::ByStartTime => return Ok(()),
        };
        if seq_set {
            return policy(name, "sequence", true);
        }
        if time_set {
            return policy(name, "time", true);
        }
        if no_filter {
            return policy(name, "filter subject", false);
        }
        Ok(())
    }

    fn check_sampling(&self) -> Result<(), ApiError> {
        if self.sample_freq.is_empty() {
            return Ok(());
        }
        let text = self
            .sample_freq
            .strip_suffix('%')
            .unwrap_or(&self.sample_freq);
        let err = match text.parse::<i64>() {
            Ok(v) if v >= 0 => return Ok(()),
            Ok(_) => "<nil>".to_string(),
            Err(_) => format!("strconv.Atoi: parsing {text:?}: invalid syntax"),
        };
        Err(ApiError::with_err(ErrorId::ConsumerInvalidSampling, err))
    }

    fn check_priority(&self) -> Result<(), ApiError> {
        if self.priority_policy == PriorityPolicy::None {
            if !self.priority_groups.is_empty() {
                return Err(ErrorId::ConsumerPriorityGroupWithPolicyNone.into());
            }
            if self.priority_timeout > 0 {
                return Err(ErrorId::ConsumerPinnedTTLWithoutPriorityPolicyNone.into());
            }
            return Ok(());
        }
        if !self.is_pull() {
            return Err(ErrorId::ConsumerPushWithPriorityGroup.into());
        }
        if self.priority_groups.is_empty() {
            return Err(ErrorId::ConsumerPriorityPolicyWithoutGroup.into());
        }
        for group in &self.priority_groups {
            if group.is_empty() {
                return Err(ErrorId::ConsumerEmptyGroupName.into());
            }
            if !super::consumer_admin::is_valid_group_name(group) {
                return Err(ErrorId::ConsumerInvalidGroupName.into());
            }
        }
        Ok(())
    }

    /// A name of at most 255 bytes, else 10102.
    pub(super) fn check_name_len(name: &str) -> Result<(), ApiError> {
        if name.len() > NAME_LEN_MAX {
            let max = NAME_LEN_MAX.to_string();
            return Err(ApiError::with_args(
                ErrorId::ConsumerNameTooLong,
                &[("max", &max)],
            ));
        }
        Ok(())
    }
}
