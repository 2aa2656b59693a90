//! Routing one published message to the subscriptions interested in it.
//!
//! Each reader task keeps a small [`RouteCache`] of index results keyed by subject and
//! stamped with the index generation, so the steady-state publish path takes no lock on the
//! shared index. Frames are appended to receivers' outbound buffers and the receivers are
//! flushed once per read batch through the [`FlushList`].
//!
//! In a cluster, remote interest sits in the same index with a route as its target: a client's
//! publish goes to each interested route once (`RMSG`, naming the queue groups a member there
//! was picked for; queue members are picked cluster-wide, as nats-server does). A message that arrived
//! over a route ([`deliver_routed`]) reaches local subscribers only.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use hashbrown::HashMap;
use rill_core::proto::headers::no_responders_block;
use rill_core::proto::route::RoutedMsg;
use rill_core::proto::{write_msg, Publish};
use rill_core::subject;
use rill_core::sublist::SubResult;

use super::client::{lock, Client, FlushList, Refused, SubRef, SubTarget, Subscription};
use super::ids::FastRng;
use super::state::Shared;
use crate::cluster::route::RouteFanout;
use crate::cluster::Route;

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
        // Routes are sent to once per message by the caller, never here.
        SubTarget::Route(_) => return false,
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
    // A message delivered to an inbox under another subject (JetStream) crosses a route
    // addressed to the inbox, its subject in a header (`cluster/inbox.rs`); queue members
    // behind routes are not picked for it.
    let remote_ok = to == &msg.subject;
    let mut fanout = RouteFanout::default();
    let mut inbox_fanout = RouteFanout::default();
    let mut delivered = 0;
    for SubRef(sub) in &result.psubs {
        if let SubTarget::Route(r) = &sub.target {
            if remote_ok {
                fanout.add(r, None);
            } else {
                inbox_fanout.add(r, None);
            }
            continue;
        }
        if !echo && sub.target.client().is_some_and(|c| Arc::ptr_eq(c, from)) {
            continue;
        }
        if deliver_one(shared, sub, msg, flush) {
            delivered += 1;
        }
    }
    for group in &result.qsubs {
        let pick = Pick {
            from,
            echo,
            remote_ok,
        };
        match deliver_to_group(shared, cache, &pick, &group.members, msg, flush) {
            Picked::Local => delivered += 1,
            Picked::Remote(r) => fanout.add(&r, Some(&group.name)),
            Picked::Nobody => {}
        }
    }
    delivered += fanout.send(msg, flush);
    if !inbox_fanout.is_empty() {
        delivered += inbox_fanout.send(&crate::cluster::inbox::to_inbox(msg, to), flush);
    }
    count_out(shared, delivered, msg);
    if delivered == 0 && no_responders {
        if let Some(reply) = &msg.reply {
            send_no_responders(from, &msg.subject, reply, flush);
        }
    }
    delivered
}

/// Adds `delivered` copies of `msg` to the server's outbound counters.
fn count_out(shared: &Shared, delivered: usize, msg: &Publish) {
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
    }
}

/// Delivers a message that arrived over a route: to every local plain subscriber, and to one
/// local member of each queue group the sender named. Never to another route (full mesh).
pub fn deliver_routed(
    shared: &Shared,
    cache: &mut RouteCache,
    msg: &RoutedMsg,
    flush: &mut FlushList,
) -> usize {
    // A delivery to an inbox shows the message's own subject (`cluster/inbox.rs`).
    let (shown, headers) = match crate::cluster::inbox::from_inbox(msg.headers.as_ref()) {
        Some((subject, headers)) => (subject, headers),
        None => (msg.subject.clone(), msg.headers.clone()),
    };
    let publish = Publish {
        subject: shown,
        reply: msg.reply.clone(),
        headers,
        payload: msg.payload.clone(),
    };
    let result = cache.lookup(shared, &msg.subject);
    let mut delivered = 0;
    for SubRef(sub) in &result.psubs {
        if sub.target.route().is_none() && deliver_one(shared, sub, &publish, flush) {
            delivered += 1;
        }
    }
    let pick = Pick {
        from: &shared.system_client,
        echo: true,
        remote_ok: false,
    };
    for group in result.qsubs.iter().filter(|g| msg.queues.contains(&g.name)) {
        if let Picked::Local =
            deliver_to_group(shared, cache, &pick, &group.members, &publish, flush)
        {
            delivered += 1;
        }
    }
    count_out(shared, delivered, &publish);
    delivered
}

/// Who publishes, for choosing a queue member.
struct Pick<'a> {
    from: &'a Arc<Client>,
    echo: bool,
    /// Members behind routes may be chosen.
    remote_ok: bool,
}

/// The outcome of choosing a queue group member.
enum Picked {
    /// A local member got it.
    Local,
    /// No local member took it; this route has members.
    Remote(Arc<Route>),
    /// Nobody.
    Nobody,
}

/// A queue member's share of a group: 1 for a local member, the `RS+` weight (members behind
/// it) for a route.
fn member_weight(sub: &Subscription) -> u64 {
    match sub.target {
        SubTarget::Route(_) => u64::from(sub.weight.load(Ordering::Relaxed).max(1)),
        _ => 1,
    }
}

/// Delivers to one member of a queue group. Every member cluster-wide is equally likely (a
/// route counts as many members as its `RS+` weight), as nats-server 2.15 distributes; if the
/// chosen local member cannot take the message, the others are tried, local ones first.
fn deliver_to_group(
    shared: &Shared,
    cache: &mut RouteCache,
    pick: &Pick<'_>,
    members: &[SubRef],
    msg: &Publish,
    flush: &mut FlushList,
) -> Picked {
    let len = members.len();
    if len == 0 {
        return Picked::Nobody;
    }
    if pick.remote_ok && members.iter().any(|m| m.0.target.route().is_some()) {
        let total: u64 = members.iter().map(|m| member_weight(&m.0)).sum();
        let mut r = cache.rng.next_u64() % total.max(1);
        for SubRef(sub) in members {
            let w = member_weight(sub);
            if r >= w {
                r -= w;
                continue;
            }
            if let SubTarget::Route(route) = &sub.target {
                return Picked::Remote(route.clone());
            }
            let own = !pick.echo
                && sub
                    .target
                    .client()
                    .is_some_and(|c| Arc::ptr_eq(c, pick.from));
            if !own && deliver_one(shared, sub, msg, flush) {
                return Picked::Local;
            }
            break;
        }
    }
    let start = (cache.rng.next_u64() % len as u64) as usize;
    let mut remote: Option<&Arc<Route>> = None;
    let mut remote_weight = 0u64;
    for i in 0..len {
        let SubRef(sub) = &members[(start + i) % len];
        if let SubTarget::Route(r) = &sub.target {
            if pick.remote_ok {
                // Weighted reservoir sampling: one pass, each route in proportion to its weight.
                let w = u64::from(sub.weight.load(Ordering::Relaxed).max(1));
                remote_weight += w;
                if cache.rng.next_u64() % remote_weight < w {
                    remote = Some(r);
                }
            }
            continue;
        }
        if !pick.echo
            && sub
                .target
                .client()
                .is_some_and(|c| Arc::ptr_eq(c, pick.from))
        {
            continue;
        }
        if deliver_one(shared, sub, msg, flush) {
            return Picked::Local;
        }
    }
    remote.map_or(Picked::Nobody, |r| Picked::Remote(r.clone()))
}

/// Tells a requester nobody listens: `HMSG <reply> <sid> ... NATS/1.0 503` on its own
/// subscription matching the reply subject.
/// A publish nobody may receive: the no-responders status when the publisher asked for it.
pub fn no_interest(from: &Arc<Client>, no_responders: bool, msg: &Publish, flush: &mut FlushList) {
    if let Some(reply) = msg.reply.as_ref().filter(|_| no_responders) {
        send_no_responders(from, &msg.subject, reply, flush);
    }
}

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
