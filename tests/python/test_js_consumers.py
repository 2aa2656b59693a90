"""JetStream consumers through nats-py: pull and push delivery, ack policies and ack kinds,
redelivery limits, filters, deliver policies, flow control/heartbeats, consumer info fields.

Timing assertions are deliberately loose (no tight windows); the waits are generous.
"""

import asyncio
import datetime
import json
import time

import pytest
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    ReplayPolicy,
    RetentionPolicy,
    StreamConfig,
)
from nats.js.errors import NotFoundError

pytestmark = pytest.mark.asyncio


@pytest.fixture
def js_server(start_server, tmp_path):
    return start_server(args=["-js", "-sd", str(tmp_path)])


async def eventually(check, timeout=5.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value {value!r})")
        await asyncio.sleep(interval)


async def setup(js_server, connect, n=0, subjects=("s.>",), name="S", **stream_kw):
    nc = await connect(js_server)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name=name, subjects=list(subjects), **stream_kw))
    for i in range(n):
        await js.publish("s.x", str(i).encode())
    return nc, js


async def drain_push(sub, n, timeout=5.0):
    got = []
    for _ in range(n):
        got.append(await sub.next_msg(timeout=timeout))
    return got


# ---------------------------------------------------------------- pull basics and acks


async def test_pull_fetch_batch_and_timeout(js_server, connect):
    nc, js = await setup(js_server, connect, n=7)
    sub = await js.pull_subscribe("s.>", durable="d", stream="S")
    first = await sub.fetch(4, timeout=5)
    assert [m.data for m in first] == [b"0", b"1", b"2", b"3"]
    assert [m.metadata.sequence.stream for m in first] == [1, 2, 3, 4]
    assert [m.metadata.sequence.consumer for m in first] == [1, 2, 3, 4]
    assert first[0].metadata.num_pending == 6 and first[-1].metadata.num_pending == 3
    rest = await sub.fetch(10, timeout=2)  # only 3 left: returns them without waiting for 10
    assert [m.data for m in rest] == [b"4", b"5", b"6"]
    for m in first + rest:
        await m.ack()
    t0 = time.monotonic()
    with pytest.raises(NatsTimeoutError):
        await sub.fetch(1, timeout=1)
    with pytest.raises(NatsTimeoutError):
        await sub.fetch(5, timeout=1)
    assert time.monotonic() - t0 < 8
    # A message published while a fetch is waiting is delivered to it.
    task = asyncio.create_task(sub.fetch(1, timeout=5))
    await asyncio.sleep(0.3)
    await js.publish("s.x", b"late")
    assert [m.data for m in await task] == [b"late"]


async def test_pull_no_wait_gets_404_status(js_server, connect):
    # nats-py has no public no_wait fetch: issue the pull request by hand.
    nc, js = await setup(js_server, connect, n=2)
    await js.add_consumer("S", ConsumerConfig(durable_name="d", ack_policy=AckPolicy.NONE))
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    await nc.publish(
        "$JS.API.CONSUMER.MSG.NEXT.S.d", json.dumps({"batch": 5, "no_wait": True}).encode(), reply=inbox
    )
    got = [await sub.next_msg(timeout=5) for _ in range(3)]
    assert [m.data for m in got[:2]] == [b"0", b"1"]
    assert got[2].data == b"" and got[2].headers and got[2].headers.get("Status") == "404"
    await nc.publish("$JS.API.CONSUMER.MSG.NEXT.S.d", json.dumps({"batch": 1, "no_wait": True}).encode(), reply=inbox)
    empty = await sub.next_msg(timeout=5)
    assert empty.headers.get("Status") == "404"


async def test_ack_all_acks_everything_below(js_server, connect):
    nc, js = await setup(js_server, connect, n=5)
    sub = await js.pull_subscribe("s.>", durable="d", stream="S", config=ConsumerConfig(ack_policy=AckPolicy.ALL))
    msgs = await sub.fetch(5, timeout=5)
    assert len(msgs) == 5
    await msgs[2].ack_sync()
    info = await js.consumer_info("S", "d")
    assert info.config.ack_policy == AckPolicy.ALL
    assert info.ack_floor.stream_seq == 3 and info.num_ack_pending == 2
    await msgs[4].ack_sync()
    info = await js.consumer_info("S", "d")
    assert info.ack_floor.stream_seq == 5 and info.num_ack_pending == 0


async def test_ack_none_needs_no_ack(js_server, connect):
    nc, js = await setup(js_server, connect, n=3)
    sub = await js.pull_subscribe("s.>", durable="d", stream="S", config=ConsumerConfig(ack_policy=AckPolicy.NONE))
    msgs = await sub.fetch(3, timeout=5)
    assert [m.data for m in msgs] == [b"0", b"1", b"2"]
    info = await js.consumer_info("S", "d")
    assert info.num_ack_pending == 0 and info.delivered.stream_seq == 3
    assert info.ack_floor.stream_seq == 3 and info.num_pending == 0


async def test_nak_with_delay_redelivers_later(js_server, connect):
    nc, js = await setup(js_server, connect, n=1)
    sub = await js.pull_subscribe("s.>", durable="d", stream="S")
    m = (await sub.fetch(1, timeout=5))[0]
    await m.nak(delay=2)
    with pytest.raises(NatsTimeoutError):
        await sub.fetch(1, timeout=0.5)  # not immediately
    again = (await sub.fetch(1, timeout=6))[0]
    assert again.data == b"0" and again.metadata.num_delivered == 2
    await again.ack_sync()
    # A plain nak redelivers right away.
    await js.publish("s.x", b"1")
    m = (await sub.fetch(1, timeout=5))[0]
    await m.nak()
    again = (await sub.fetch(1, timeout=5))[0]
    assert again.data == b"1" and again.metadata.num_delivered == 2
    await again.ack_sync()
    info = await js.consumer_info("S", "d")
    assert info.num_redelivered == 0 and info.num_ack_pending == 0


async def test_in_progress_extends_ack_wait(js_server, connect):
    nc, js = await setup(js_server, connect, n=1)
    sub = await js.pull_subscribe("s.>", durable="d", stream="S", config=ConsumerConfig(ack_wait=1))
    m = (await sub.fetch(1, timeout=5))[0]
    for _ in range(5):  # 2.5 s of work, well past ack_wait
        await asyncio.sleep(0.5)
        await m.in_progress()
    with pytest.raises(NatsTimeoutError):
        await sub.fetch(1, timeout=0.3)
    await m.ack_sync()
    info = await js.consumer_info("S", "d")
    assert info.num_redelivered == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq == 1


async def test_term_stops_redelivery(js_server, connect):
    nc, js = await setup(js_server, connect, n=2)
    sub = await js.pull_subscribe("s.>", durable="d", stream="S", config=ConsumerConfig(ack_wait=0.5))
    m0, m1 = await sub.fetch(2, timeout=5)
    await m0.term()
    await m1.ack_sync()
    await asyncio.sleep(1.2)
    with pytest.raises(NatsTimeoutError):
        await sub.fetch(1, timeout=0.5)
    info = await js.consumer_info("S", "d")
    assert info.num_ack_pending == 0 and info.ack_floor.stream_seq == 2


async def test_ack_wait_redelivery_and_counts(js_server, connect):
    nc, js = await setup(js_server, connect, n=1)
    sub = await js.pull_subscribe("s.>", durable="d", stream="S", config=ConsumerConfig(ack_wait=0.5))
    m = (await sub.fetch(1, timeout=5))[0]
    assert m.metadata.num_delivered == 1
    again = (await sub.fetch(1, timeout=5))[0]
    assert again.data == b"0" and again.metadata.num_delivered == 2
    assert again.metadata.sequence.stream == 1 and again.metadata.sequence.consumer == 2
    info = await js.consumer_info("S", "d")
    assert info.num_redelivered == 1 and info.num_ack_pending == 1
    await again.ack_sync()
    info = await js.consumer_info("S", "d")
    assert info.num_redelivered == 0 and info.num_ack_pending == 0 and info.ack_floor.stream_seq == 1


async def test_max_deliver_caps_redeliveries(js_server, connect):
    nc, js = await setup(js_server, connect, n=1)
    sub = await js.pull_subscribe(
        "s.>", durable="d", stream="S", config=ConsumerConfig(ack_wait=0.3, max_deliver=2)
    )
    counts = [m.metadata.num_delivered for m in await sub.fetch(1, timeout=5)]
    counts += [m.metadata.num_delivered for m in await sub.fetch(1, timeout=5)]
    assert counts == [1, 2]
    with pytest.raises(NatsTimeoutError):
        await sub.fetch(1, timeout=1.5)
    info = await js.consumer_info("S", "d")
    assert info.config.max_deliver == 2 and info.delivered.stream_seq == 1


async def test_max_ack_pending_stalls_until_acks(js_server, connect):
    nc, js = await setup(js_server, connect, n=5)
    sub = await js.pull_subscribe("s.>", durable="d", stream="S", config=ConsumerConfig(max_ack_pending=2))
    first = await sub.fetch(5, timeout=1)
    assert [m.data for m in first] == [b"0", b"1"]
    with pytest.raises(NatsTimeoutError):
        await sub.fetch(1, timeout=0.5)
    info = await js.consumer_info("S", "d")
    assert info.num_ack_pending == 2 and info.num_pending == 3
    await first[0].ack_sync()
    nxt = await sub.fetch(5, timeout=1)
    assert [m.data for m in nxt] == [b"2"]
    for m in [first[1]] + nxt:
        await m.ack_sync()
    rest = await sub.fetch(5, timeout=1)
    assert [m.data for m in rest] == [b"3", b"4"]


async def test_backoff_redelivery_schedule(js_server, connect):
    nc, js = await setup(js_server, connect, n=1)
    cfg = ConsumerConfig(backoff=[0.3, 0.6], max_deliver=3, ack_wait=5)
    sub = await js.pull_subscribe("s.>", durable="d", stream="S", config=cfg)
    info = await js.consumer_info("S", "d")
    assert info.config.backoff == [pytest.approx(0.3), pytest.approx(0.6)]
    t0 = time.monotonic()
    deliveries = []
    for _ in range(3):
        m = (await sub.fetch(1, timeout=5))[0]
        deliveries.append((m.metadata.num_delivered, time.monotonic() - t0))
    assert [d for d, _ in deliveries] == [1, 2, 3]
    # Redelivered well before the 5 s ack_wait: backoff overrides it.
    assert deliveries[-1][1] < 4.5
    with pytest.raises(NatsTimeoutError):
        await sub.fetch(1, timeout=1)
    # backoff longer than max_deliver allows is refused.
    with pytest.raises(Exception):
        await js.add_consumer("S", ConsumerConfig(durable_name="bad", backoff=[1, 2, 3], max_deliver=2))


# ---------------------------------------------------------------- filters and deliver policies


async def test_filter_subject_and_filter_subjects(js_server, connect):
    nc, js = await setup(js_server, connect)
    for subj in ["s.a", "s.b", "s.c", "s.a", "s.c"]:
        await js.publish(subj, subj.encode())
    one = await js.pull_subscribe("s.a", durable="one", stream="S")
    assert [m.metadata.sequence.stream for m in await one.fetch(5, timeout=2)] == [1, 4]
    await js.add_consumer("S", ConsumerConfig(durable_name="two", filter_subjects=["s.b", "s.c"]))
    two = await js.pull_subscribe_bind("two", stream="S")
    assert [m.subject for m in await two.fetch(5, timeout=2)] == ["s.b", "s.c", "s.c"]
    info = await js.consumer_info("S", "two")
    assert info.config.filter_subjects == ["s.b", "s.c"] and info.num_pending == 0


async def test_deliver_policies(js_server, connect):
    nc, js = await setup(js_server, connect)
    for subj in ["s.a", "s.b", "s.a", "s.b", "s.c"]:
        await js.publish(subj, subj.encode())
    await asyncio.sleep(0.3)
    mid = datetime.datetime.now(datetime.timezone.utc)
    await asyncio.sleep(0.3)
    await js.publish("s.a", b"after-mid")  # seq 6

    async def seqs(cfg, name):
        await js.add_consumer("S", cfg.evolve(durable_name=name, ack_policy=AckPolicy.NONE))
        sub = await js.pull_subscribe_bind(name, stream="S")
        try:
            return [m.metadata.sequence.stream for m in await sub.fetch(10, timeout=1)]
        except NatsTimeoutError:
            return []

    assert await seqs(ConsumerConfig(deliver_policy=DeliverPolicy.ALL), "all") == [1, 2, 3, 4, 5, 6]
    assert await seqs(ConsumerConfig(deliver_policy=DeliverPolicy.LAST), "last") == [6]
    assert await seqs(ConsumerConfig(deliver_policy=DeliverPolicy.NEW), "new") == []
    assert (
        await seqs(ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=4), "byseq")
        == [4, 5, 6]
    )
    assert (
        await seqs(ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_TIME, opt_start_time=mid), "bytime")
        == [6]
    )
    assert await seqs(ConsumerConfig(deliver_policy=DeliverPolicy.LAST_PER_SUBJECT, filter_subject="s.*"), "lps") == [4, 5, 6]
    # A "new" consumer sees what is published after it was created.
    await js.publish("s.b", b"x")
    sub = await js.pull_subscribe_bind("new", stream="S")
    assert [m.metadata.sequence.stream for m in await sub.fetch(5, timeout=2)] == [7]


async def test_headers_only(js_server, connect):
    nc, js = await setup(js_server, connect)
    await js.publish("s.x", b"0123456789", headers={"X-A": "1"})
    sub = await js.pull_subscribe(
        "s.>", durable="d", stream="S", config=ConsumerConfig(headers_only=True, ack_policy=AckPolicy.NONE)
    )
    m = (await sub.fetch(1, timeout=5))[0]
    assert m.data == b""
    assert m.headers["X-A"] == "1" and m.headers["Nats-Msg-Size"] == "10"


async def test_replay_original_spacing(js_server, connect):
    nc, js = await setup(js_server, connect)
    for i in range(3):
        await js.publish("s.x", str(i).encode())
        if i < 2:
            await asyncio.sleep(0.5)
    sub = await js.subscribe("s.>", stream="S", config=ConsumerConfig(replay_policy=ReplayPolicy.ORIGINAL))
    t0 = time.monotonic()
    got = await drain_push(sub, 3)
    elapsed = time.monotonic() - t0
    assert [m.data for m in got] == [b"0", b"1", b"2"]
    assert elapsed >= 0.6  # published 1 s apart end to end; instant replay would be ~0
    info = await sub.consumer_info()
    assert info.config.replay_policy == ReplayPolicy.ORIGINAL


# ---------------------------------------------------------------- push consumers


async def test_push_consumer_deliver_subject(js_server, connect):
    nc, js = await setup(js_server, connect, n=3)
    sub = await js.subscribe("s.>", durable="push", stream="S", manual_ack=True)
    got = await drain_push(sub, 3)
    assert [m.data for m in got] == [b"0", b"1", b"2"]
    for m in got:
        await m.ack_sync()
    info = await js.consumer_info("S", "push")
    assert info.config.deliver_subject and info.push_bound
    assert info.num_ack_pending == 0 and info.ack_floor.stream_seq == 3
    # A plain NATS subscription on an explicit deliver subject receives the messages too.
    await js.add_consumer(
        "S", ConsumerConfig(durable_name="raw", deliver_subject="my.deliver", ack_policy=AckPolicy.NONE)
    )
    raw = await nc.subscribe("my.deliver")
    assert [m.data for m in await drain_push(raw, 3)] == [b"0", b"1", b"2"]
    await js.publish("s.x", b"3")
    assert (await raw.next_msg(timeout=5)).data == b"3"


async def test_push_deliver_group_splits_messages(js_server, connect):
    nc, js = await setup(js_server, connect)
    got = {"a": [], "b": []}

    def cb_for(name):
        async def cb(msg):
            got[name].append(int(msg.data))
            await msg.ack()

        return cb

    await js.subscribe("s.>", queue="grp", durable="grp", stream="S", cb=cb_for("a"))
    await js.subscribe("s.>", queue="grp", durable="grp", stream="S", cb=cb_for("b"))
    info = await js.consumer_info("S", "grp")
    assert info.config.deliver_group == "grp"
    for i in range(40):
        await js.publish("s.x", str(i).encode())

    async def all_in():
        return len(got["a"]) + len(got["b"]) >= 40

    await eventually(all_in)
    await asyncio.sleep(0.2)
    assert sorted(got["a"] + got["b"]) == list(range(40))
    assert not set(got["a"]) & set(got["b"])
    assert got["a"] and got["b"]  # both members received some


async def test_flow_control_and_idle_heartbeat(js_server, connect):
    nc, js = await setup(js_server, connect)
    # Raw view: heartbeats are status 100 messages on the deliver subject.
    await js.add_consumer(
        "S",
        ConsumerConfig(durable_name="hb", deliver_subject="hb.inbox", idle_heartbeat=0.5, flow_control=True),
    )
    raw = await nc.subscribe("hb.inbox")
    hb = await raw.next_msg(timeout=5)
    assert hb.headers and hb.headers.get("Status") == "100" and hb.data == b""
    assert "Idle Heartbeat" in hb.headers.get("Description", "")
    info = await js.consumer_info("S", "hb")
    assert info.config.flow_control is True and info.config.idle_heartbeat == pytest.approx(0.5)
    await raw.unsubscribe()

    # nats-py answers flow-control requests itself; a few MB must arrive completely.
    sub = await js.subscribe("s.>", durable="fc", stream="S", flow_control=True, idle_heartbeat=0.5)
    payload = b"z" * 64 * 1024
    for i in range(48):
        await js.publish("s.x", payload)
    got = await drain_push(sub, 48, timeout=10)
    assert all(m.data == payload for m in got)
    assert [m.metadata.sequence.stream for m in got] == list(range(1, 49))


async def test_ephemeral_inactive_threshold_disappears(js_server, connect):
    nc, js = await setup(js_server, connect, n=1)
    info = await js.add_consumer("S", ConsumerConfig(inactive_threshold=0.5, ack_policy=AckPolicy.NONE))
    name = info.name
    assert name and info.config.durable_name is None
    assert info.config.inactive_threshold == pytest.approx(0.5)
    assert (await js.consumer_info("S", name)).name == name

    async def gone():
        try:
            await js.consumer_info("S", name)
            return False
        except NotFoundError as e:
            return e.err_code == 10014

    await eventually(gone, timeout=8, interval=0.25)
    assert (await js.stream_info("S")).state.consumer_count == 0


async def test_two_workers_on_one_durable_get_disjoint_sets(js_server, connect):
    nc, js = await setup(js_server, connect)
    nc2 = await connect(js_server)
    js2 = nc2.jetstream()
    for i in range(60):
        await js.publish("s.x", str(i).encode())
    w1 = await js.pull_subscribe("s.>", durable="work", stream="S")
    w2 = await js2.pull_subscribe("s.>", durable="work", stream="S")

    async def worker(sub, out):
        while True:
            try:
                msgs = await sub.fetch(7, timeout=1)
            except NatsTimeoutError:
                return
            for m in msgs:
                out.append(int(m.data))
                await m.ack()

    a, b = [], []
    await asyncio.gather(worker(w1, a), worker(w2, b))
    assert sorted(a + b) == list(range(60))
    assert not set(a) & set(b)
    info = await js.consumer_info("S", "work")
    assert info.num_pending == 0 and info.delivered.stream_seq == 60


async def test_consumer_info_fields(js_server, connect):
    nc, js = await setup(js_server, connect, n=6)
    sub = await js.pull_subscribe("s.>", durable="d", stream="S", config=ConsumerConfig(ack_wait=0.5))
    info = await js.consumer_info("S", "d")
    assert (info.name, info.stream_name) == ("d", "S")
    assert info.num_pending == 6 and info.num_ack_pending == 0 and info.num_redelivered == 0
    assert info.delivered.stream_seq == 0 and info.ack_floor.stream_seq == 0
    msgs = await sub.fetch(4, timeout=5)
    await msgs[0].ack_sync()
    await msgs[1].ack_sync()
    info = await js.consumer_info("S", "d")
    assert (info.delivered.stream_seq, info.delivered.consumer_seq) == (4, 4)
    assert (info.ack_floor.stream_seq, info.ack_floor.consumer_seq) == (2, 2)
    assert info.num_pending == 2 and info.num_ack_pending == 2
    fresh = await sub.fetch(2, timeout=5)
    assert [m.metadata.sequence.stream for m in fresh] == [5, 6]
    for m in fresh:
        await m.ack_sync()
    info = await js.consumer_info("S", "d")
    assert info.num_pending == 0 and info.num_ack_pending == 2 and info.ack_floor.stream_seq == 2
    redelivered = await sub.fetch(2, timeout=5)  # seqs 3, 4 again after ack_wait
    assert sorted(m.metadata.sequence.stream for m in redelivered) == [3, 4]
    info = await js.consumer_info("S", "d")
    assert info.num_redelivered == 2 and info.delivered.consumer_seq == 8
    assert info.delivered.stream_seq == 6
    for m in redelivered:
        await m.ack_sync()
    # A lingering pull request shows up as num_waiting.
    waiter = await js.pull_subscribe("s.>", durable="w", stream="S", config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW))
    task = asyncio.create_task(waiter.fetch(1, timeout=3))

    async def waiting():
        return (await js.consumer_info("S", "w")).num_waiting == 1

    await eventually(waiting, timeout=2.5)
    await js.publish("s.x", b"wake")
    assert [m.data for m in await task] == [b"wake"]
    assert (await js.consumer_info("S", "w")).num_waiting == 0


async def test_consumer_list_and_delete(js_server, connect):
    nc, js = await setup(js_server, connect)
    await js.add_consumer("S", ConsumerConfig(durable_name="a"))
    await js.add_consumer("S", ConsumerConfig(durable_name="b"))
    infos = await js.consumers_info("S")
    assert sorted(i.name for i in infos) == ["a", "b"]
    assert await js.delete_consumer("S", "a")
    with pytest.raises(NotFoundError) as e:
        await js.consumer_info("S", "a")
    assert e.value.err_code == 10014
    with pytest.raises(NotFoundError):
        await js.delete_consumer("S", "a")
    assert [i.name for i in await js.consumers_info("S")] == ["b"]
    assert (await js.stream_info("S")).state.consumer_count == 1


async def test_durable_survives_reconnect(js_server, connect):
    nc, js = await setup(js_server, connect, n=6)
    sub = await js.pull_subscribe("s.>", durable="keep", stream="S")
    for m in await sub.fetch(3, timeout=5):
        await m.ack_sync()
    await nc.close()

    nc2 = await connect(js_server)
    js2 = nc2.jetstream()
    info = await js2.consumer_info("S", "keep")
    assert info.ack_floor.stream_seq == 3 and info.num_pending == 3
    sub2 = await js2.pull_subscribe("s.>", durable="keep", stream="S")
    rest = await sub2.fetch(10, timeout=2)
    assert [m.data for m in rest] == [b"3", b"4", b"5"]
    assert rest[0].metadata.sequence.consumer == 4
