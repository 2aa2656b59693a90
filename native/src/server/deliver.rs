//! Routing one published message to the subscriptions interested in it.
//!
//! Each reader task keeps a small [`RouteCache`] of index results keyed by subject and
//! stamped with the index generation, so the steady-state publish path takes no lock on the
//! shared index. Frames are appended to receivers' outbound buffers and the receivers are
//! flushed once per read batch through the [`FlushList`].

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use hashbrown::HashMap;
use rill_core::proto::headers::no_responders_block;
use rill_core::proto::{write_msg, Publish};
use rill_core::subject;
use rill_core::sublist::SubResult;

use super::client::{lock, Client, FlushList, Refused, SubRef, SubTarget, Subscription};
use super::ids::FastRng;
use super::state::Shared;

/// Most subjects a reader task caches results for before starting over.
const ROUTE_CACHE_ENTRIES_MAX: usize = 512;

/// Per-reader cache of index results.
#[derive(Debug, Default)]
pub struct RouteCache {
    genid: u64,
    results: HashMap<Bytes, Arc<SubResult<SubRef>>>,
    rng: FastRng,
}

impl RouteCache {
    fn lookup(&mut self, shared: &Shared, subject: &Bytes) -> Arc<SubResult<SubRef>> {
        let genid = shared.sublist_genid.load(Ordering::Acquire);
        if genid != self.genid {
            self.results.clear();
            self.genid = genid;
        }
        if let Some(r) = self.results.get(subject) {
            return r.clone();
        }
        let r = lock(&shared.sublist).matches(subject);
        if self.results.len() >= ROUTE_CACHE_ENTRIES_MAX {
            self.results.clear();
        }
        self.results.insert(subject.clone(), r.clone());
        r
    }
}

/// Writes one message to one subscription. Returns whether it was delivered.
fn deliver_one(
    shared: &Shared,
    sub: &Arc<Subscription>,
    msg: &Publish,
    flush: &mut FlushList,
) -> bool {
    let max = sub.max.load(Ordering::Acquire);
    let n = sub.delivered.fetch_add(1, Ordering::AcqRel) + 1;
    if max > 0 && n > max {
        return false;
    }
    let client = match &sub.target {
        SubTarget::Client(c) => c,
        SubTarget::Internal(sink) => {
            let ok = sink.deliver(msg);
            if ok && max > 0 && n == max {
                shared.remove_subscription(sub);
            }
            return ok;
        }
    };
    let with_headers = client.headers.load(Ordering::Relaxed);
    let headers = if with_headers {
        msg.headers.as_deref()
    } else {
        None
    };
    let size = msg.subject.len()
        + sub.sid.len()
        + msg.payload.len()
        + 64
        + headers.map_or(0, <[u8]>::len)
        + msg.reply.as_ref().map_or(0, Bytes::len);
    let queued = client.enqueue(size, |buf| {
        write_msg(
            buf,
            &msg.subject,
            &sub.sid,
            msg.reply.as_deref(),
            headers,
            &msg.payload,
        )
    });
    if let Err(refused) = queued {
        if refused == Refused::BecameSlowConsumer {
            shared.stats.slow_consumers.fetch_add(1, Ordering::Relaxed);
        }
        return false;
    }
    let bytes = msg.payload.len() as u64 + headers.map_or(0, |h| h.len() as u64);
    client.stats.out_msgs.fetch_add(1, Ordering::Relaxed);
    client.stats.out_bytes.fetch_add(bytes, Ordering::Relaxed);
    flush.add(client);
    if max > 0 && n == max {
        // Auto-unsubscribe reached: drop it from the index and from its owner.
        shared.remove_subscription(sub);
        lock(&client.subs).remove(&sub.sid);
    }
    true
}

/// Routes `msg` from `from`. Returns the number of deliveries.
pub fn route(
    shared: &Shared,
    cache: &mut RouteCache,
    from: &Arc<Client>,
    no_responders: bool,
    msg: &Publish,
    flush: &mut FlushList,
) -> usize {
    route_to(shared, cache, from, no_responders, &msg.subject, msg, flush)
}

/// Routes `msg` to the subscribers of `to` while frames show `msg.subject` (how JetStream
/// delivers a stored message to a consumer's inbox under its original subject).
pub fn route_to(
    shared: &Shared,
    cache: &mut RouteCache,
    from: &Arc<Client>,
    no_responders: bool,
    to: &Bytes,
    msg: &Publish,
    flush: &mut FlushList,
) -> usize {
    let result = cache.lookup(shared, to);
    let echo = from.echo.load(Ordering::Relaxed);
    let mut delivered = 0;
    for SubRef(sub) in &result.psubs {
        if !echo && sub.target.client().is_some_and(|c| Arc::ptr_eq(c, from)) {
            continue;
        }
        if deliver_one(shared, sub, msg, flush) {
            delivered += 1;
        }
    }
    for group in &result.qsubs {
        delivered += usize::from(deliver_to_group(
            shared,
            cache,
            from,
            echo,
            &group.members,
            msg,
            flush,
        ));
    }
    if delivered > 0 {
        let bytes = msg.payload.len() as u64 + msg.headers.as_ref().map_or(0, |h| h.len() as u64);
        shared
            .stats
            .out_msgs
            .fetch_add(delivered as u64, Ordering::Relaxed);
        shared
            .stats
            .out_bytes
            .fetch_add(bytes * delivered as u64, Ordering::Relaxed);
    } else if no_responders {
        if let Some(reply) = &msg.reply {
            send_no_responders(from, &msg.subject, reply, flush);
        }
    }
    delivered
}

/// Delivers to one member of a queue group, trying others if the chosen one is gone.
fn deliver_to_group(
    shared: &Shared,
    cache: &mut RouteCache,
    from: &Arc<Client>,
    echo: bool,
    members: &[SubRef],
    msg: &Publish,
    flush: &mut FlushList,
) -> bool {
    let len = members.len();
    if len == 0 {
        return false;
    }
    let start = (cache.rng.next_u64() % len as u64) as usize;
    for i in 0..len {
        let SubRef(sub) = &members[(start + i) % len];
        if !echo && sub.target.client().is_some_and(|c| Arc::ptr_eq(c, from)) {
            continue;
        }
        if deliver_one(shared, sub, msg, flush) {
            return true;
        }
    }
    false
}

/// Tells a requester nobody listens: `HMSG <reply> <sid> ... NATS/1.0 503` on its own
/// subscription matching the reply subject.
fn send_no_responders(from: &Arc<Client>, subject: &[u8], reply: &Bytes, flush: &mut FlushList) {
    let sid = {
        let subs = lock(&from.subs);
        subs.values()
            .find(|s| subject::matches(&s.subject, reply))
            .map(|s| s.sid.clone())
    };
    let Some(sid) = sid else {
        return;
    };
    let block = no_responders_block(subject);
    let queued = from.enqueue(reply.len() + block.len() + 64, |buf| {
        write_msg(buf, reply, &sid, None, Some(&block), &[])
    });
    if queued.is_ok() {
        flush.add(from);
    }
}
