"""JetStream push consumers through nats-py: deliver_subject, deliver_group (queue), flow control
and idle heartbeats, replay original, ordered consumers.

Timing assertions are deliberately loose (no tight windows); the waits are generous.
"""

import asyncio
import time

import pytest
from nats.js.api import AckPolicy, ConsumerConfig, ReplayPolicy, StreamConfig

from conftest import eventually

pytestmark = pytest.mark.asyncio


async def setup(js_server, connect, n=0):
    nc = await connect(js_server)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="S", subjects=["s.>"]))
    for i in range(n):
        await js.publish("s.x", str(i).encode())
    return nc, js


async def drain_push(sub, n, timeout=5.0):
    return [await sub.next_msg(timeout=timeout) for _ in range(n)]


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
    # Flow-control requests: status 100 with a $JS.FC reply, answered here by hand.
    payload = b"z" * 64 * 1024
    for i in range(64):
        await js.publish("s.x", payload)
    data = fc = 0
    while data < 64:
        m = await raw.next_msg(timeout=5)
        if m.headers and m.headers.get("Status") == "100":
            if "FlowControl Request" in m.headers.get("Description", ""):
                assert m.reply.startswith("$JS.FC.")
                fc += 1
                await nc.publish(m.reply, b"")
        else:
            assert m.data == payload
            data += 1
    assert fc >= 1
    await raw.unsubscribe()

    # nats-py answers flow-control requests itself; a few MB must arrive completely.
    sub = await js.subscribe("s.>", durable="fc", stream="S", flow_control=True, idle_heartbeat=0.5)
    for i in range(16):
        await js.publish("s.x", payload)
    got = await drain_push(sub, 80, timeout=10)
    assert all(m.data == payload for m in got)
    assert [m.metadata.sequence.stream for m in got] == list(range(1, 81))


async def test_ordered_consumer_delivers_in_order(js_server, connect):
    nc, js = await setup(js_server, connect, n=50)
    sub = await js.subscribe("s.>", stream="S", ordered_consumer=True, idle_heartbeat=0.5)
    got = await drain_push(sub, 50)
    assert [int(m.data) for m in got] == list(range(50))
    info = await sub.consumer_info()
    assert info.config.ack_policy == AckPolicy.NONE and info.config.flow_control is True
    assert info.config.mem_storage is True and info.config.durable_name is None
    await js.publish("s.x", b"50")
    assert (await sub.next_msg(timeout=5)).data == b"50"
