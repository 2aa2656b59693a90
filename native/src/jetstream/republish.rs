//! Publishing what streams queued for republish (`republish` in the stream config, and the
//! subject delete markers it copies too). The core decides what to publish; this sends it
//! through the internal publisher once the batch is durable, before the acknowledgements,
//! so the copies reach subscribers and other streams' captures like any publish.

use rill_core::proto::Publish;

use super::service::Service;

impl Service {
    /// Publishes every stream's queued republish copies, in store order.
    pub(super) fn publish_republished(&mut self) {
        for entry in self.streams.values_mut() {
            let copies = entry.stream.take_republished();
            // A replica that does not lead applied the same publishes: the leader republishes.
            if entry.replica.as_ref().is_some_and(|r| !r.leader) {
                continue;
            }
            for copy in copies {
                let msg = Publish {
                    subject: copy.subject,
                    reply: None,
                    headers: Some(copy.headers),
                    payload: copy.payload,
                };
                self.publisher.publish(&msg);
            }
        }
    }
}
