//! Interest across routes: local subscriptions counted and announced (`RS+`/`RS-`), and
//! remote announcements kept in the interest index as route subscriptions.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use rill_core::proto::route::{write_rs_minus, write_rs_plus, RouteSub, RouteUnsub};
use tracing::{debug, warn};

use super::route::{RemoteKey, Route, GLOBAL_ACCOUNT};
use super::{Cluster, ROUTE_REMOTE_SUBS_MAX};
use crate::server::client::{lock, SubTarget, Subscription};
use crate::server::state::Shared;

/// Local subscriptions that propagate, counted per subject and queue group.
#[derive(Debug, Default)]
pub struct LocalInterest {
    counts: HashMap<RemoteKey, u32>,
}

impl LocalInterest {
    /// Every announced interest as `RS+` frames (sent to a route when it registers).
    pub(crate) fn write_all(&self, buf: &mut BytesMut) {
        for ((subject, queue), n) in &self.counts {
            write_rs_plus(
                buf,
                GLOBAL_ACCOUNT,
                subject,
                queue.as_deref().map(|q| (q, *n)),
            );
        }
    }

    /// Number of distinct subjects and queue groups announced.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// Nothing announced.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
}

impl Cluster {
    /// A local subscription that propagates was added: the first one for its subject (and each
    /// change of a queue group's weight) is announced to every route.
    pub fn local_interest_added(&self, subject: &Bytes, queue: Option<&Bytes>) {
        let mut interest = lock(&self.interest);
        let n = interest
            .counts
            .entry((subject.clone(), queue.cloned()))
            .or_default();
        *n += 1;
        if queue.is_none() && *n > 1 {
            return;
        }
        let weight = *n;
        self.broadcast(|buf| {
            write_rs_plus(
                buf,
                GLOBAL_ACCOUNT,
                subject,
                queue.map(|q| (&q[..], weight)),
            )
        });
    }

    /// A local subscription that propagates was removed: the last one withdraws the interest.
    pub fn local_interest_removed(&self, subject: &Bytes, queue: Option<&Bytes>) {
        let mut interest = lock(&self.interest);
        let key = (subject.clone(), queue.cloned());
        let Some(n) = interest.counts.get_mut(&key) else {
            return;
        };
        *n -= 1;
        let left = *n;
        if left == 0 {
            interest.counts.remove(&key);
            self.broadcast(|buf| {
                write_rs_minus(buf, GLOBAL_ACCOUNT, subject, queue.map(|q| &q[..]))
            });
        } else if let Some(q) = queue {
            self.broadcast(|buf| write_rs_plus(buf, GLOBAL_ACCOUNT, subject, Some((&q[..], left))));
        }
    }

    /// Queues the same control frames on every registered route. Called with the interest lock
    /// held, so announcements keep their order relative to a route's initial interest dump.
    fn broadcast(&self, write: impl Fn(&mut BytesMut)) {
        let table = lock(&self.table);
        for route in table.routes.values() {
            route.send_control(&write);
        }
    }
}

/// `RS+` from a route: adds (or re-weighs) a route subscription in the interest index.
pub(crate) fn remote_sub(
    shared: &Shared,
    route: &Arc<Route>,
    sub: RouteSub,
) -> Result<(), &'static str> {
    let (queue, weight) = match sub.queue {
        Some((q, w)) => (Some(q), w.max(1)),
        None => (None, 1),
    };
    let key = (sub.subject.clone(), queue.clone());
    let mut subs = lock(&route.remote_subs);
    if let Some(existing) = subs.get(&key) {
        // A queue weight update: one index entry per route and group, re-weighed.
        existing
            .weight
            .store(weight, std::sync::atomic::Ordering::Relaxed);
        return Ok(());
    }
    if subs.len() >= ROUTE_REMOTE_SUBS_MAX {
        warn!(
            rid = route.rid,
            "route exceeded {ROUTE_REMOTE_SUBS_MAX} remote subscriptions"
        );
        return Err("maximum subscriptions exceeded");
    }
    let s = Arc::new(Subscription {
        target: SubTarget::Route(route.clone()),
        sid: Bytes::new(),
        subject: sub.subject,
        queue,
        max: Default::default(),
        delivered: Default::default(),
        propagate: false,
        weight: weight.into(),
    });
    if shared.add_subscription(&s).is_err() {
        debug!(rid = route.rid, "invalid remote subscription subject");
        return Err("Invalid Subscription");
    }
    subs.insert(key, s);
    Ok(())
}

/// `RS-` from a route: removes the route subscription.
pub(crate) fn remote_unsub(shared: &Shared, route: &Route, unsub: RouteUnsub) {
    let key = (unsub.subject, unsub.queue);
    let removed = lock(&route.remote_subs).remove(&key);
    if let Some(s) = removed {
        shared.remove_subscription(&s);
    }
}

/// Drops every remote subscription of a route (it closed or was replaced).
pub(crate) fn remove_all_remote(shared: &Shared, route: &Route) {
    let subs: Vec<Arc<Subscription>> = lock(&route.remote_subs).drain().map(|(_, s)| s).collect();
    if subs.is_empty() {
        return;
    }
    let mut sl = lock(&shared.sublist);
    for s in &subs {
        sl.remove(
            &s.subject,
            s.queue.as_deref(),
            &crate::server::client::SubRef(s.clone()),
        );
    }
    shared
        .sublist_genid
        .store(sl.genid(), std::sync::atomic::Ordering::Release);
}
