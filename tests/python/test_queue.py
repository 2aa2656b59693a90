"""Queue groups through nats-py."""

import asyncio
import collections

import pytest

from conftest import sync

pytestmark = pytest.mark.asyncio


async def test_queue_group_spreads_messages_and_delivers_each_once(server, connect):
    members = [await connect(server) for _ in range(3)]
    received = collections.defaultdict(list)

    def handler_for(index):
        async def handler(msg):
            received[index].append(int(msg.data))

        return handler

    for index, nc in enumerate(members):
        await nc.subscribe("work", queue="workers", cb=handler_for(index))
        await sync(nc)
    plain = await connect(server)
    plain_sub = await plain.subscribe("work")
    await sync(plain)

    pub = await connect(server)
    count = 300
    for i in range(count):
        await pub.publish("work", str(i).encode())
    await sync(pub)

    # Every message reaches the plain subscriber; wait for it, then for the group to catch up.
    for _ in range(count):
        await plain_sub.next_msg(timeout=5)
    for nc in members:
        await sync(nc)
    for _ in range(100):
        if sum(len(v) for v in received.values()) >= count:
            break
        await asyncio.sleep(0.02)

    delivered = sorted(i for v in received.values() for i in v)
    assert delivered == list(range(count)), "each message exactly once to the group"
    counts = [len(received[i]) for i in range(3)]
    assert all(c >= 30 for c in counts), f"load not spread: {counts}"
