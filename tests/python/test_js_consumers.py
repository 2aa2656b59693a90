"""JetStream consumers through nats-py: pull delivery, ack policies and ack kinds, redelivery
limits, filters, deliver policies, ephemeral/durable lifecycle, consumer info fields.
(Push consumers are in test_js_push_consumers.py.)

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
    StreamConfig,
)
from nats.js.errors import APIError, NotFoundError

from conftest import eventually

pytestmark = pytest.mark.asyncio


async def nothing(sub, timeout=0.5):
    """Assert a fetch gets no message within ``timeout``."""
    with pytest.raises(NatsTimeoutError):
        await sub.fetch(1, timeout=timeout)


async def setup(js_server, connect, n=0):
    nc = await connect(js_server)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="S", subjects=["s.>"]))
    for i in range(n):
        await js.publish("s.x", str(i).encode())
    return nc, js


async def pull(js, durable="d", **cfg):
    """A pull subscription on a durable of stream S with the given ConsumerConfig fields."""
    return await js.pull_subscribe("s.>", durable=durable, stream="S", config=ConsumerConfig(**cfg))


async def one(sub, timeout=5):
    return (await sub.fetch(1, timeout=timeout))[0]


async def test_pull_fetch_batch_and_timeout(js_server, connect):
    nc, js = await setup(js_server, connect, n=7)
    sub = await pull(js)
    first = await sub.fetch(4, timeout=5)
    assert [m.data for m in first] == [b"0", b"1", b"2", b"3"]
    assert [m.metadata.sequence.stream for m in first] == [1, 2, 3, 4]
    assert [m.metadata.sequence.consumer for m in first] == [1, 2, 3, 4]
    assert first[0].metadata.num_pending == 6 and first[-1].metadata.num_pending == 3
    rest = await sub.fetch(10, timeout=2)  # only 3 left: returns them without waiting for 10
    assert [m.data for m in rest] == [b"4", b"5", b"6"]
    for m in first + rest:
        await m.ack()
    await nothing(sub, 1)
    with pytest.raises(NatsTimeoutError):
        await sub.fetch(5, timeout=1)
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
    await nc.publish("$JS.API.CONSUMER.MSG.NEXT.S.d", json.dumps({"batch": 5, "no_wait": True}).encode(), inbox)
    got = [await sub.next_msg(timeout=5) for _ in range(3)]
    assert [m.data for m in got[:2]] == [b"0", b"1"]
    assert got[2].data == b"" and got[2].headers and got[2].headers.get("Status") == "404"
    await nc.publish("$JS.API.CONSUMER.MSG.NEXT.S.d", json.dumps({"batch": 1, "no_wait": True}).encode(), inbox)
    empty = await sub.next_msg(timeout=5)
    assert empty.headers.get("Status") == "404"


async def test_ack_all_acks_everything_below(js_server, connect):
    nc, js = await setup(js_server, connect, n=5)
    sub = await pull(js, ack_policy=AckPolicy.ALL)
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
    sub = await pull(js, ack_policy=AckPolicy.NONE)
    msgs = await sub.fetch(3, timeout=5)
    assert [m.data for m in msgs] == [b"0", b"1", b"2"]
    info = await js.consumer_info("S", "d")
    assert info.num_ack_pending == 0 and info.delivered.stream_seq == 3
    assert info.ack_floor.stream_seq == 3 and info.num_pending == 0


async def test_nak_with_delay_redelivers_later(js_server, connect):
    nc, js = await setup(js_server, connect, n=1)
    sub = await pull(js)
    m = await one(sub)
    await m.nak(delay=2)
    await nothing(sub, 0.5)  # not immediately
    again = await one(sub, 6)
    assert again.data == b"0" and again.metadata.num_delivered == 2
    await again.ack_sync()
    # A plain nak redelivers right away.
    await js.publish("s.x", b"1")
    m = await one(sub)
    await m.nak()
    again = await one(sub)
    assert again.data == b"1" and again.metadata.num_delivered == 2
    await again.ack_sync()
    info = await js.consumer_info("S", "d")
    assert info.num_redelivered == 0 and info.num_ack_pending == 0


async def test_in_progress_extends_ack_wait(js_server, connect):
    nc, js = await setup(js_server, connect, n=1)
    sub = await pull(js, ack_wait=1)
    m = await one(sub)
    for _ in range(5):  # 2.5 s of work, well past ack_wait
        await asyncio.sleep(0.5)
        await m.in_progress()
    await nothing(sub, 0.3)
    await m.ack_sync()
    info = await js.consumer_info("S", "d")
    assert info.num_redelivered == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq == 1


async def test_term_stops_redelivery(js_server, connect):
    nc, js = await setup(js_server, connect, n=2)
    sub = await pull(js, ack_wait=0.5)
    m0, m1 = await sub.fetch(2, timeout=5)
    await m0.term()
    await m1.ack_sync()
    await asyncio.sleep(1.2)
    await nothing(sub, 0.5)
    info = await js.consumer_info("S", "d")
    assert info.num_ack_pending == 0 and info.ack_floor.stream_seq == 2


async def test_ack_wait_redelivery_and_counts(js_server, connect):
    nc, js = await setup(js_server, connect, n=1)
    sub = await pull(js, ack_wait=0.5)
    m = await one(sub)
    assert m.metadata.num_delivered == 1
    again = await one(sub)
    assert again.data == b"0" and again.metadata.num_delivered == 2
    assert again.metadata.sequence.stream == 1 and again.metadata.sequence.consumer == 2
    info = await js.consumer_info("S", "d")
    assert info.num_redelivered == 1 and info.num_ack_pending == 1
    await again.ack_sync()
    info = await js.consumer_info("S", "d")
    assert info.num_redelivered == 0 and info.num_ack_pending == 0 and info.ack_floor.stream_seq == 1


async def test_max_deliver_caps_redeliveries(js_server, connect):
    nc, js = await setup(js_server, connect, n=1)
    sub = await pull(js, ack_wait=0.3, max_deliver=2)
    counts = [m.metadata.num_delivered for m in await sub.fetch(1, timeout=5)]
    counts += [m.metadata.num_delivered for m in await sub.fetch(1, timeout=5)]
    assert counts == [1, 2]
    await nothing(sub, 1.5)
    info = await js.consumer_info("S", "d")
    assert info.config.max_deliver == 2 and info.delivered.stream_seq == 1


async def test_max_ack_pending_stalls_until_acks(js_server, connect):
    nc, js = await setup(js_server, connect, n=5)
    sub = await pull(js, max_ack_pending=2)
    first = await sub.fetch(5, timeout=1)
    assert [m.data for m in first] == [b"0", b"1"]
    await nothing(sub, 0.5)
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
        m = await one(sub)
        deliveries.append((m.metadata.num_delivered, time.monotonic() - t0))
    assert [d for d, _ in deliveries] == [1, 2, 3]
    # Redelivered well before the 5 s ack_wait: backoff overrides it.
    assert deliveries[-1][1] < 4.5
    await nothing(sub, 1)
    # backoff longer than max_deliver allows is refused.
    with pytest.raises(Exception):
        await js.add_consumer("S", ConsumerConfig(durable_name="bad", backoff=[1, 2, 3], max_deliver=2))


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
    sub = await pull(js, headers_only=True, ack_policy=AckPolicy.NONE)
    m = await one(sub)
    assert m.data == b""
    assert m.headers["X-A"] == "1" and m.headers["Nats-Msg-Size"] == "10"


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
    w1 = await pull(js, "work")
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
    sub = await pull(js, ack_wait=0.5)
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
    waiter = await pull(js, "w", deliver_policy=DeliverPolicy.NEW)
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
    sub = await pull(js, "keep")
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


async def test_consumer_update_and_pause(js_server, connect):
    nc, js = await setup(js_server, connect, n=2)
    await js.add_consumer("S", ConsumerConfig(durable_name="d", ack_wait=30))
    info = await js.add_consumer("S", ConsumerConfig(durable_name="d", ack_wait=10, description="x", max_deliver=5))
    assert (info.config.ack_wait, info.config.description, info.config.max_deliver) == (10, "x", 5)
    with pytest.raises(APIError):  # deliver policy cannot change
        await js.add_consumer("S", ConsumerConfig(durable_name="d", deliver_policy=DeliverPolicy.NEW))
    until = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=30)).isoformat()
    assert (await js.pause_consumer("S", "d", until)).paused is True
    assert (await js.consumer_info("S", "d")).paused is True
    sub = await js.pull_subscribe_bind("d", stream="S")
    await nothing(sub, 0.7)  # paused: nothing delivered
    assert (await js.resume_consumer("S", "d")).paused is False
    assert [m.data for m in await sub.fetch(2, timeout=5)] == [b"0", b"1"]
