//! Consumer administration beyond create/info/delete: `CONSUMER.UNPIN` (priority groups)
//! and `CONSUMER.RESET` (ADR-60), and the priority group advisories.

use bytes::Bytes;
use rill_core::jetstream::api::{
    decode_optional_request, ApiError, ConsumerResetRequest, ConsumerResetResponse,
    ConsumerUnpinRequest, ErrorId, RetentionPolicy, Timestamp,
};
use rill_core::jetstream::consumer::{ResetError, UnpinError};
use rill_core::jetstream::meta::MetaStore;
use rill_core::jetstream::store::{MsgStore, UnixNanos};
use rill_core::proto::Publish;
use tracing::{error, info};

use super::service::Service;

/// The (empty) `CONSUMER.UNPIN` response: only its type.
#[derive(serde::Serialize)]
pub(super) struct UnpinResponse {}

/// What happened to a pin (for [`Service::group_advisory`]).
pub(super) enum PinChange<'a> {
    /// Pinned with this id.
    Pinned(&'a str),
    /// Released, for this reason (`timeout`, `admin`).
    Unpinned(&'a str),
}

/// The pinned / unpinned advisory body, fields in nats-server's order.
#[derive(serde::Serialize)]
struct GroupAdvisory<'a> {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    timestamp: Timestamp,
    account: &'a str,
    stream: &'a str,
    consumer: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    domain: &'a str,
    group: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pinned_id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    reason: &'a str,
}

/// A 22-character advisory id (nats-server uses NUIDs).
pub(super) fn advisory_id() -> String {
    crate::server::ids::random_token::<22>(
        b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    )
}

impl Service {
    /// `CONSUMER.UNPIN.<stream>.<consumer>` with `{"group": ...}`: the pinned client of the
    /// group is released; the next pull without a pin id gets a new one.
    pub(super) fn consumer_unpin(
        &mut self,
        now: UnixNanos,
        stream: &str,
        name: &str,
        body: &[u8],
    ) -> Result<UnpinResponse, ApiError> {
        let req = ConsumerUnpinRequest::parse(body)?;
        let (consumer, store) = self.consumer_mut(stream, name)?;
        let effects = consumer
            .unpin(now, &req.group, store)
            .map_err(|e| match e {
                UnpinError::UnknownGroup => ApiError::new(ErrorId::ConsumerInvalidPriorityGroup),
            })?;
        self.apply_effects(now, stream, name, effects);
        info!(stream, consumer = name, group = %req.group, "consumer unpinned");
        Ok(UnpinResponse {})
    }

    /// `CONSUMER.RESET.<stream>.<consumer>` with an optional `{"seq": n}`: the consumer
    /// restarts at stream sequence `n` (0 or none: just above its ack floor). The new
    /// position is persisted before the reply.
    pub(super) fn consumer_reset(
        &mut self,
        now: UnixNanos,
        stream: &str,
        name: &str,
        body: &[u8],
    ) -> Result<ConsumerResetResponse, ApiError> {
        let req: ConsumerResetRequest = decode_optional_request(body)?;
        let (consumer, store) = self.consumer_mut(stream, name)?;
        let (reset_seq, effects) = consumer
            .reset(now, req.seq, store)
            .map_err(|e: ResetError| ApiError::with_err(ErrorId::ConsumerInvalidReset, e))?;
        self.apply_effects(now, stream, name, effects);
        self.drop_uninteresting_below(now, stream, reset_seq);
        self.persist_consumer(stream, name);
        if let Err(e) = self.meta.flush() {
            error!(stream, consumer = name, "cannot flush consumer state: {e}");
        }
        info!(stream, consumer = name, reset_seq, "consumer reset");
        let entry = self
            .streams
            .get(stream)
            .ok_or_else(ApiError::stream_not_found)?;
        let c = entry
            .consumers
            .get(name)
            .ok_or_else(ApiError::consumer_not_found)?;
        Ok(ConsumerResetResponse {
            info: c.consumer.info(now, entry.stream.store()),
            reset_seq,
        })
    }

    /// After a reset of one of its consumers, an interest stream drops the messages below
    /// `start` that no consumer needs any more (nats-server `checkStateForInterestStream`).
    fn drop_uninteresting_below(&mut self, now: UnixNanos, stream: &str, start: u64) {
        let Some(entry) = self.streams.get(stream) else {
            return;
        };
        if entry.stream.config().retention != RetentionPolicy::Interest {
            return;
        }
        let store = entry.stream.store();
        let mut below = Vec::new();
        let mut seq = store.state().first_seq;
        while seq < start {
            match store.next_matching(seq, None) {
                Ok(Some(msg)) if msg.seq < start => {
                    below.push(msg.seq);
                    seq = msg.seq + 1;
                }
                _ => break,
            }
        }
        for seq in below {
            self.retire(now, stream, seq);
        }
    }

    /// After subscriptions changed: pull consumers forget the waiting requests nobody
    /// listens to any more (a pinned client that went away must not keep its pin fed).
    pub(super) fn drop_abandoned_pulls(&mut self) {
        let genid = self
            .shared
            .sublist_genid
            .load(std::sync::atomic::Ordering::Acquire);
        if genid == self.pull_interest_genid {
            return;
        }
        self.pull_interest_genid = genid;
        let publisher = &mut self.publisher;
        // Replicated streams learn of abandoned requests from their log.
        for entry in self.streams.values_mut().filter(|e| e.replica.is_none()) {
            for c in entry.consumers.values_mut() {
                if c.consumer.config().is_pull() {
                    c.consumer.drop_waiting_without_interest(|reply| {
                        publisher.has_interest(&Bytes::copy_from_slice(reply))
                    });
                }
            }
        }
    }

    /// `$JS.EVENT.ADVISORY.CONSUMER.PINNED|UNPINNED.<stream>.<consumer>` for `group`:
    /// `pinned_id` on a pin, `reason` on an unpin.
    pub(super) fn group_advisory(
        &mut self,
        now: UnixNanos,
        stream: &str,
        consumer: &str,
        group: &str,
        change: PinChange<'_>,
    ) {
        let (kind, pinned_id, reason) = match change {
            PinChange::Pinned(id) => ("PINNED", id, ""),
            PinChange::Unpinned(reason) => ("UNPINNED", "", reason),
        };
        let advisory = GroupAdvisory {
            kind: format!(
                "io.nats.jetstream.advisory.v1.consumer_group_{}",
                kind.to_ascii_lowercase()
            ),
            id: advisory_id(),
            timestamp: Timestamp(now),
            account: "$G",
            stream,
            consumer,
            domain: &self.cfg.domain,
            group,
            pinned_id,
            reason,
        };
        let subject = format!("$JS.EVENT.ADVISORY.CONSUMER.{kind}.{stream}.{consumer}");
        let out = Publish {
            subject: Bytes::from(subject),
            reply: None,
            headers: None,
            payload: Bytes::from(serde_json::to_vec(&advisory).unwrap_or_default()),
        };
        self.publisher.publish(&out);
    }
}
