//! The timers of one route connection as a sans-IO state machine: the handshake deadline, the
//! PING schedule and stale detection. The runtime sleeps until [`RouteKeepalive::poll_timeout`],
//! then calls [`RouteKeepalive::handle_timeout`] and acts on the [`KeepaliveAction`]; it reports
//! the handshake's end and every `PONG`.

use core::time::Duration;

use crate::time::Instant;

/// Settings of the route timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepaliveConfig {
    /// Time for the INFO exchange to complete.
    pub handshake_timeout: Duration,
    /// Delay of the first PING.
    pub first_ping_delay: Duration,
    /// Interval between PINGs.
    pub ping_interval: Duration,
    /// Unanswered PINGs after which the route is stale.
    pub pings_out_max: u32,
}

/// What the runtime must do when the deadline passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepaliveAction {
    /// Nothing yet (woken early).
    Nothing,
    /// Send `PING`.
    SendPing,
    /// Close: the peer has not answered `pings_out_max` PINGs.
    Stale,
    /// Close: the INFO exchange did not complete in time.
    HandshakeTimedOut,
}

/// Handshake and keep-alive timers of one route. See the module docs.
#[derive(Debug, Clone)]
pub struct RouteKeepalive {
    config: KeepaliveConfig,
    handshake_deadline: Option<Instant>,
    next_ping: Instant,
    pings_out: u32,
}

impl RouteKeepalive {
    /// Timers of a route opened at `now`.
    pub fn new(config: KeepaliveConfig, now: Instant) -> Self {
        RouteKeepalive {
            handshake_deadline: Some(now.plus(config.handshake_timeout)),
            next_ping: now.plus(config.first_ping_delay),
            pings_out: 0,
            config,
        }
    }

    /// The INFO exchange completed: no handshake deadline any more.
    pub fn handshake_done(&mut self) {
        self.handshake_deadline = None;
    }

    /// A `PONG` arrived: the peer is alive.
    pub fn handle_pong(&mut self) {
        self.pings_out = 0;
    }

    /// PINGs sent and not answered yet.
    pub fn pings_out(&self) -> u32 {
        self.pings_out
    }

    /// When to call [`RouteKeepalive::handle_timeout`] next.
    pub fn poll_timeout(&self) -> Instant {
        match self.handshake_deadline {
            Some(h) if h < self.next_ping => h,
            _ => self.next_ping,
        }
    }

    /// Advances the timers to `now`.
    pub fn handle_timeout(&mut self, now: Instant) -> KeepaliveAction {
        if self.handshake_deadline.is_some_and(|h| now >= h) {
            return KeepaliveAction::HandshakeTimedOut;
        }
        if now < self.next_ping {
            return KeepaliveAction::Nothing;
        }
        if self.pings_out >= self.config.pings_out_max.max(1) {
            return KeepaliveAction::Stale;
        }
        self.pings_out += 1;
        self.next_ping = now.plus(self.config.ping_interval);
        KeepaliveAction::SendPing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    const MS: u64 = 1_000_000;

    fn config() -> KeepaliveConfig {
        KeepaliveConfig {
            handshake_timeout: Duration::from_millis(500),
            first_ping_delay: Duration::from_millis(100),
            ping_interval: Duration::from_millis(1000),
            pings_out_max: 2,
        }
    }

    /// Runs the timers to `until` the way a runtime does, answering PINGs when `answer` says.
    fn run(
        k: &mut RouteKeepalive,
        until: u64,
        mut answer: impl FnMut(u64) -> bool,
    ) -> Vec<(u64, KeepaliveAction)> {
        let mut out = Vec::new();
        loop {
            let at = k.poll_timeout().0;
            if at > until {
                return out;
            }
            let action = k.handle_timeout(Instant(at));
            out.push((at / MS, action));
            match action {
                KeepaliveAction::SendPing if answer(at) => k.handle_pong(),
                KeepaliveAction::Stale | KeepaliveAction::HandshakeTimedOut => return out,
                _ => {}
            }
        }
    }

    #[test]
    fn a_route_without_info_times_out_after_its_first_pings() {
        let mut k = RouteKeepalive::new(config(), Instant(0));
        let got = run(&mut k, 10_000 * MS, |_| true);
        assert_eq!(
            got,
            [
                (100, KeepaliveAction::SendPing),
                (500, KeepaliveAction::HandshakeTimedOut)
            ]
        );
    }

    #[test]
    fn an_answering_peer_is_pinged_forever() {
        let mut k = RouteKeepalive::new(config(), Instant(0));
        k.handshake_done();
        let got = run(&mut k, 3_500 * MS, |_| true);
        assert_eq!(got.len(), 4);
        assert!(got.iter().all(|(_, a)| *a == KeepaliveAction::SendPing));
        assert_eq!(got.last().map(|g| g.0), Some(3_100));
    }

    #[test]
    fn a_silent_peer_is_stale_after_pings_out_max_unanswered_pings() {
        let mut k = RouteKeepalive::new(config(), Instant(0));
        k.handshake_done();
        let got = run(&mut k, 60_000 * MS, |at| at < 1_500 * MS);
        assert_eq!(
            got,
            [
                (100, KeepaliveAction::SendPing),
                (1_100, KeepaliveAction::SendPing),
                (2_100, KeepaliveAction::SendPing),
                (3_100, KeepaliveAction::SendPing),
                (4_100, KeepaliveAction::Stale)
            ]
        );
    }

    #[test]
    fn waking_early_does_nothing() {
        let mut k = RouteKeepalive::new(config(), Instant(0));
        assert_eq!(k.handle_timeout(Instant(50 * MS)), KeepaliveAction::Nothing);
        assert_eq!(k.pings_out(), 0);
    }
}
