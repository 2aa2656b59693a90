//! Consumer rules beyond one config's defaults: push/pull mode, subject filters, the create
//! request against its subject, workqueue exclusivity and what an update may change.

use super::catalogue::ErrorId;
use super::consumer::{AckPolicy, ConsumerConfig, CreateConsumerRequest, DeliverPolicy};
use super::error::ApiError;
use super::stream::{RetentionPolicy, StreamConfig};
use crate::subject::{has_wildcard, is_subset, is_valid_subject};
use alloc::string::String;

/// nats-server's `ErrBadSubject` text, used for invalid filters (10052).
const BAD_SUBJECT: &str = "invalid subject";

/// How a consumer create request was addressed (see `ApiRequest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateSubject<'a> {
    /// `CONSUMER.CREATE.<stream>` (legacy ephemeral).
    LegacyEphemeral,
    /// `CONSUMER.CREATE.<stream>.<consumer>[.<filter>]`.
    Named {
        /// The consumer token.
        consumer: &'a str,
        /// The trailing filter tokens, if any.
        filter: Option<&'a str>,
    },
    /// `CONSUMER.DURABLE.CREATE.<stream>.<durable>` (legacy durable).
    LegacyDurable {
        /// The durable token.
        durable: &'a str,
    },
}

impl CreateConsumerRequest {
    /// The checks of nats-server's create handler between parsing and creating: stream name
    /// (10056), path separators (10127), durable rules (10017/10018/10020), filter in the
    /// subject (10131/10137), name length (10102). A named subject sets `config.name`.
    pub fn check_subject(&mut self, stream: &str, how: CreateSubject<'_>) -> Result<(), ApiError> {
        if self.stream_name != stream {
            return Err(ErrorId::StreamMismatch.into());
        }
        let cfg = &mut self.config;
        let mut filter = None;
        match how {
            CreateSubject::LegacyEphemeral => {
                if cfg.is_durable() {
                    return Err(ErrorId::ConsumerEphemeralWithDurableName.into());
                }
            }
            CreateSubject::LegacyDurable { durable } => {
                check_path_separators(durable)?;
                if !cfg.is_durable() {
                    return Err(ErrorId::ConsumerDurableNameNotSet.into());
                }
                if cfg.durable_name != durable {
                    return Err(ErrorId::ConsumerDurableNameNotMatchSubject.into());
                }
            }
            CreateSubject::Named {
                consumer,
                filter: f,
            } => {
                check_path_separators(consumer)?;
                if cfg.is_durable() && cfg.durable_name != consumer {
                    return Err(ErrorId::ConsumerDurableNameNotMatchSubject.into());
                }
                cfg.name = String::from(consumer);
                filter = f;
            }
        }
        if let Some(filter) = filter {
            if !cfg.filter_subjects.is_empty() {
                return Err(ErrorId::ConsumerMultipleFiltersNotAllowed.into());
            }
            if cfg.filter_subject != filter {
                return Err(ErrorId::ConsumerCreateFilterSubjectMismatch.into());
            }
        }
        ConsumerConfig::check_name_len(&cfg.name)?;
        ConsumerConfig::check_name_len(&cfg.durable_name)
    }
}

fn check_path_separators(name: &str) -> Result<(), ApiError> {
    if name.contains(['\\', '/']) {
        return Err(ErrorId::ConsumerNameContainsPathSeparators.into());
    }
    Ok(())
}

impl ConsumerConfig {
    pub(super) fn check_delivery_mode(&self, stream: &StreamConfig) -> Result<(), ApiError> {
        if !self.is_pull() {
            let deliver = self.deliver_subject.as_bytes();
            if has_wildcard(deliver) {
                return Err(ErrorId::ConsumerDeliverToWildcards.into());
            }
            if !is_valid_subject(deliver) {
                return Err(ErrorId::ConsumerInvalidDeliverSubject.into());
            }
            if stream
                .subjects
                .iter()
                .any(|s| is_subset(deliver, s.as_bytes()))
            {
                return Err(ErrorId::ConsumerDeliverCycle.into());
            }
            if self.max_waiting != 0 {
                return Err(ErrorId::ConsumerPushMaxWaiting.into());
            }
            if self.max_ack_pending > 0 && self.ack_policy == AckPolicy::None {
                return Err(ErrorId::ConsumerMaxPendingAckPolicyRequired.into());
            }
            if self.idle_heartbeat > 0 && self.idle_heartbeat < super::consumer_check::HEARTBEAT_MIN
            {
                return Err(ErrorId::ConsumerSmallHeartbeat.into());
            }
            return Ok(());
        }
        let refused = [
            (
                self.ack_policy == AckPolicy::None
                    && stream.retention == RetentionPolicy::WorkQueue,
                ErrorId::ConsumerPullRequiresAck,
            ),
            (self.rate_limit_bps > 0, ErrorId::ConsumerPullWithRateLimit),
            (self.max_waiting < 0, ErrorId::ConsumerMaxWaitingNegative),
            (self.idle_heartbeat > 0, ErrorId::ConsumerHBRequiresPush),
            (self.flow_control, ErrorId::ConsumerFCRequiresPush),
            (self.max_batch < 0, ErrorId::ConsumerMaxRequestBatchNegative),
            (
                self.max_expires != 0 && self.max_expires < 1_000_000,
                ErrorId::ConsumerMaxRequestExpiresTooSmall,
            ),
        ];
        match refused.iter().find(|(bad, _)| *bad) {
            Some((_, id)) => Err((*id).into()),
            None => Ok(()),
        }
    }

    pub(super) fn check_filters(&self) -> Result<(), ApiError> {
        if !self.filter_subject.is_empty() && !self.filter_subjects.is_empty() {
            return Err(ErrorId::ConsumerDuplicateFilterSubjects.into());
        }
        if !self.filter_subject.is_empty() && !is_valid_subject(self.filter_subject.as_bytes()) {
            return Err(ApiError::invalid_config(BAD_SUBJECT));
        }
        if self.filter_subjects.iter().any(String::is_empty) {
            return Err(ErrorId::ConsumerEmptyFilter.into());
        }
        let filters = self.filters();
        for (i, a) in filters.iter().enumerate() {
            if !is_valid_subject(a.as_bytes()) {
                return Err(ApiError::invalid_config(BAD_SUBJECT));
            }
            let overlapping =
                |(j, b): (usize, &&str)| i != j && is_subset(a.as_bytes(), b.as_bytes());
            if filters.iter().enumerate().any(overlapping) {
                return Err(ErrorId::ConsumerOverlappingSubjectFilters.into());
            }
        }
        Ok(())
    }

    /// Workqueue streams allow one consumer per message: explicit ack (10098), deliver all
    /// (10101), and filters that no other consumer's filters contain or are contained in
    /// (10099 unfiltered beside others, 10100 not unique). `others` are the stream's other
    /// consumers as `(name, config)`; one named `name` (this consumer, on update) is skipped.
    pub fn check_workqueue<'a>(
        &self,
        name: &str,
        stream: &StreamConfig,
        others: impl IntoIterator<Item = (&'a str, &'a ConsumerConfig)>,
    ) -> Result<(), ApiError> {
        if stream.retention != RetentionPolicy::WorkQueue {
            return Ok(());
        }
        if self.ack_policy != AckPolicy::Explicit {
            return Err(ErrorId::ConsumerWQRequiresExplicitAck.into());
        }
        let mine = self.filters();
        let mut others = others.into_iter().filter(|(n, _)| *n != name).peekable();
        if others.peek().is_some() && mine.is_empty() {
            return Err(ErrorId::ConsumerWQMultipleUnfiltered.into());
        }
        for (_, other) in others {
            let theirs = other.filters();
            let clash = theirs.is_empty()
                || mine.iter().any(|a| {
                    theirs.iter().any(|b| {
                        is_subset(a.as_bytes(), b.as_bytes())
                            || is_subset(b.as_bytes(), a.as_bytes())
                    })
                });
            if clash {
                return Err(ErrorId::ConsumerWQConsumerNotUnique.into());
            }
        }
        if self.deliver_policy != DeliverPolicy::All {
            return Err(ErrorId::ConsumerWQConsumerNotDeliverAll.into());
        }
        Ok(())
    }

    /// What a consumer update may change (nats-server `checkNewConsumerConfig`); refusals
    /// are 10012 with the server's text. Both configs normalized. Whether a push consumer's
    /// old deliver subject is still bound (10013) is for the caller to check.
    pub fn update_check(old: &ConsumerConfig, new: &ConsumerConfig) -> Result<(), ApiError> {
        if old == new {
            return Ok(());
        }
        let fixed = [
            (
                old.deliver_policy != new.deliver_policy,
                "deliver policy can not be updated",
            ),
            (
                old.mem_storage != new.mem_storage,
                "storage type can not be updated",
            ),
            (old.direct != new.direct, "direct can not be updated"),
            (
                old.opt_start_seq != new.opt_start_seq,
                "start sequence can not be updated",
            ),
            (
                old.opt_start_time != new.opt_start_time,
                "start time can not be updated",
            ),
            (
                old.ack_policy != new.ack_policy,
                "ack policy can not be updated",
            ),
            (
                old.replay_policy != new.replay_policy,
                "replay policy can not be updated",
            ),
            (
                old.idle_heartbeat != new.idle_heartbeat,
                "heart beats can not be updated",
            ),
            (
                old.flow_control != new.flow_control,
                "flow control can not be updated",
            ),
            (
                old.is_pull() && !new.is_pull(),
                "can not update pull consumer to push based",
            ),
            (
                !old.is_pull() && new.is_pull(),
                "can not update push consumer to pull based",
            ),
            (
                old.max_waiting != new.max_waiting,
                "max waiting can not be updated",
            ),
        ];
        if let Some((_, msg)) = fixed.iter().find(|(changed, _)| *changed) {
            return Err(ApiError::consumer_create(msg));
        }
        let backoffs = new.backoff.len() as i64;
        if backoffs > 0 && new.max_deliver != -1 && backoffs > new.max_deliver {
            return Err(ErrorId::ConsumerMaxDeliverBackoff.into());
        }
        Ok(())
    }
}
