//! Consumer metrics: sampled acks (`sample_freq`) published as nats-server does, on
//! `$JS.EVENT.METRIC.CONSUMER.ACK.<stream>.<consumer>`.

use bytes::Bytes;
use rill_core::jetstream::api::Timestamp;
use rill_core::jetstream::store::UnixNanos;
use rill_core::proto::Publish;
use serde::Serialize;

use super::priority_api::advisory_id;
use super::service::Service;

/// Subject prefix of sampled-ack metrics.
pub const ACK_METRIC_PREFIX: &str = "$JS.EVENT.METRIC.CONSUMER.ACK";

/// One sampled ack, in nats-server's `io.nats.jetstream.metric.v1.consumer_ack` layout.
#[derive(Debug, Serialize)]
struct AckMetric<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    timestamp: Timestamp,
    stream: &'a str,
    consumer: &'a str,
    consumer_seq: u64,
    stream_seq: u64,
    ack_time: i64,
    deliveries: u64,
    #[serde(skip_serializing_if = "str::is_empty")]
    domain: &'a str,
}

/// What a sampled ack reports.
#[derive(Debug, Clone, Copy)]
pub(super) struct SampledAck {
    pub stream_seq: u64,
    pub consumer_seq: u64,
    pub deliveries: u64,
    pub ack_time: i64,
}

impl Service {
    /// Publishes one sampled-ack metric.
    pub(super) fn ack_metric(
        &mut self,
        now: UnixNanos,
        stream: &str,
        consumer: &str,
        ack: SampledAck,
    ) {
        let metric = AckMetric {
            kind: "io.nats.jetstream.metric.v1.consumer_ack",
            id: advisory_id(),
            timestamp: Timestamp(now),
            stream,
            consumer,
            consumer_seq: ack.consumer_seq,
            stream_seq: ack.stream_seq,
            ack_time: ack.ack_time,
            deliveries: ack.deliveries,
            domain: &self.cfg.domain,
        };
        let out = Publish {
            subject: Bytes::from(format!("{ACK_METRIC_PREFIX}.{stream}.{consumer}")),
            reply: None,
            headers: None,
            payload: Bytes::from(serde_json::to_vec(&metric).unwrap_or_default()),
        };
        self.publisher.publish(&out);
    }
}
