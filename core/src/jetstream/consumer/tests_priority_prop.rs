//! Property: for a `pinned_client` consumer under random pulls from several clients (with
//! and without the pin they last saw), appends, time passing, unpins and clients going
//! away, every delivery carries the pin current at that moment, every pin serves one
//! client only, no message is delivered twice, and once a client pulls after an unpin
//! everything gets delivered.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use proptest::prelude::*;

use super::tests::*;
use super::*;
use crate::jetstream::api::{PriorityPolicy, PullRequest};

const CLIENTS: u8 = 3;

#[derive(Debug, Clone)]
enum Op {
    Append,
    Pull {
        client: u8,
        batch: i64,
        expires_ms: Option<i64>,
        with_pin: bool,
    },
    Advance(i64),
    Unpin,
    Leave(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Append),
        3 => (0..CLIENTS, 1i64..4, proptest::option::of(100i64..2_000), any::<bool>()).prop_map(
            |(client, batch, expires_ms, with_pin)| Op::Pull { client, batch, expires_ms, with_pin }
        ),
        2 => (1i64..4_000).prop_map(Op::Advance),
        1 => Just(Op::Unpin),
        1 => (0..CLIENTS).prop_map(Op::Leave),
    ]
}

/// What the test knows: each client's last seen pin, who holds which pin, what was sent.
#[derive(Default)]
struct Model {
    known_pin: BTreeMap<u8, String>,
    owner: BTreeMap<String, u8>,
    current: Option<String>,
    delivered: BTreeSet<u64>,
    requests: u64,
}

fn client_of(reply: &[u8]) -> u8 {
    reply[1] - b'0'
}

fn pin_header(msg: &crate::jetstream::store::StoredMsg) -> Option<String> {
    let block = msg.headers.as_deref()?;
    let text = String::from_utf8_lossy(block);
    text.lines()
        .rev()
        .find_map(|l| l.strip_prefix("Nats-Pin-Id: "))
        .map(String::from)
}

impl Model {
    fn check(&mut self, effects: &[Effect]) -> Result<(), TestCaseError> {
        for e in effects {
            match e {
                Effect::Pinned { pin_id, .. } => {
                    prop_assert!(self.current.is_none(), "pinned while pinned");
                    self.current = Some(pin_id.clone());
                }
                Effect::Unpinned { .. } => self.current = None,
                Effect::Deliver { to, msg, .. } => {
                    let pin = pin_header(msg);
                    prop_assert!(
                        pin.is_some() && pin == self.current,
                        "{pin:?} vs {:?}",
                        self.current
                    );
                    let pin = pin.unwrap_or_default();
                    let client = client_of(to);
                    let owner = *self.owner.entry(pin.clone()).or_insert(client);
                    prop_assert_eq!(owner, client, "pin {} serves two clients", pin);
                    self.known_pin.insert(client, pin);
                    prop_assert!(
                        self.delivered.insert(msg.seq),
                        "{} delivered twice",
                        msg.seq
                    );
                }
                Effect::Status { to, code: 423, .. } => {
                    self.known_pin.remove(&client_of(to));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut h = Harness::new(config(|c| {
        c.ack_policy = AckPolicy::None;
        c.priority_policy = PriorityPolicy::PinnedClient;
        c.priority_groups = vec![String::from("A")];
        c.priority_timeout = 3 * SEC;
    }));
    let mut m = Model::default();
    let mut appended = 0u64;
    for op in ops {
        let out = match op {
            Op::Append => {
                appended += 1;
                h.publish("s.a")
            }
            Op::Pull {
                client,
                batch,
                expires_ms,
                with_pin,
            } => {
                m.requests += 1;
                let id = m
                    .known_pin
                    .get(client)
                    .filter(|_| *with_pin)
                    .cloned()
                    .unwrap_or_default();
                let req = PullRequest {
                    batch: *batch,
                    expires: expires_ms.map_or(0, |ms| ms * 1_000_000),
                    group: String::from("A"),
                    id,
                    ..PullRequest::default()
                };
                h.pull(&format!("c{client}.{}", m.requests), req)
            }
            Op::Advance(ms) => h.advance(ms * 1_000_000),
            Op::Unpin => h.c.unpin(h.now, "A", &h.store).unwrap(),
            Op::Leave(client) => {
                h.c.drop_waiting_without_interest(|r| client_of(r) != *client);
                m.known_pin.remove(client);
                Vec::new()
            }
        };
        m.check(&out)?;
        prop_assert_eq!(h.c.pin_id().map(String::from), m.current.clone());
        prop_assert!(h.c.info(h.now, &h.store).num_waiting <= 512);
    }
    // Liveness: every client leaves, a new one pulls after an unpin and gets the rest.
    h.c.drop_waiting_without_interest(|_| false);
    let out = h.c.unpin(h.now, "A", &h.store).unwrap();
    m.check(&out)?;
    let req = PullRequest {
        batch: 10_000,
        group: String::from("A"),
        ..PullRequest::default()
    };
    let out = h.pull("c9.last", req);
    m.check(&out)?;
    prop_assert_eq!(m.delivered.len() as u64, appended);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn pins_serve_one_client_and_every_message_once(ops in proptest::collection::vec(op(), 1..60)) {
        run(&ops)?;
    }
}
