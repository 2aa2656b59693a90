"""JetStream through nats-py: streams, publish acks, pull consumers, Key/Value, Object Store."""

import pytest
from nats.js.api import ConsumerConfig, AckPolicy, StreamConfig
from nats.js.errors import NotFoundError

pytestmark = pytest.mark.asyncio


@pytest.fixture
def js_server(start_server, tmp_path):
    return start_server(args=["-js", "-sd", str(tmp_path)])


async def test_stream_publish_and_info(js_server, connect):
    nc = await connect(js_server)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="ORDERS", subjects=["orders.>"]))
    for i in range(5):
        ack = await js.publish(f"orders.{i % 2}", f"m{i}".encode())
        assert ack.stream == "ORDERS" and ack.seq == i + 1
    info = await js.stream_info("ORDERS")
    assert info.state.messages == 5 and info.state.last_seq == 5
    msg = await js.get_msg("ORDERS", 3)
    assert msg.data == b"m2"
    await js.delete_stream("ORDERS")
    with pytest.raises(NotFoundError):
        await js.stream_info("ORDERS")


async def test_duplicate_message_ids_are_stored_once(js_server, connect):
    nc = await connect(js_server)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="D", subjects=["d"]))
    a = await js.publish("d", b"x", headers={"Nats-Msg-Id": "one"})
    b = await js.publish("d", b"x", headers={"Nats-Msg-Id": "one"})
    assert a.seq == b.seq == 1 and b.duplicate
    assert (await js.stream_info("D")).state.messages == 1


async def test_pull_consumer_fetch_and_ack(js_server, connect):
    nc = await connect(js_server)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="P", subjects=["p.>"]))
    for i in range(10):
        await js.publish("p.x", str(i).encode())
    sub = await js.pull_subscribe("p.>", durable="worker", stream="P")
    got = []
    for _ in range(2):
        for m in await sub.fetch(5, timeout=5):
            got.append(int(m.data))
            await m.ack_sync()
    assert got == list(range(10))
    info = await js.consumer_info("P", "worker")
    assert info.num_pending == 0 and info.num_ack_pending == 0
    assert info.ack_floor.stream_seq == 10


async def test_key_value_put_get_update_history(js_server, connect):
    nc = await connect(js_server)
    js = nc.jetstream()
    kv = await js.create_key_value(bucket="CFG", history=5)
    r1 = await kv.put("color", b"red")
    assert (await kv.get("color")).value == b"red"
    r2 = await kv.update("color", b"blue", last=r1)
    assert r2 > r1
    history = await kv.history("color")
    assert [e.value for e in history] == [b"red", b"blue"]
    await kv.delete("color")
    with pytest.raises(Exception):
        await kv.get("color")


async def test_object_store_put_and_get_a_large_object(js_server, connect):
    nc = await connect(js_server)
    js = nc.jetstream()
    obs = await js.create_object_store("FILES")
    data = bytes(range(256)) * 12_000  # about 3 MB, many chunks
    await obs.put("blob.bin", data)
    got = await obs.get("blob.bin")
    assert got.data == data
    assert got.info.size == len(data)
