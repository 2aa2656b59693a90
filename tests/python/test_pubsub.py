"""Core pub/sub through nats-py: delivery, wildcards, auto-unsubscribe, drain."""

import asyncio

import pytest
from nats.errors import TimeoutError as NatsTimeoutError

from conftest import sync, sync_no_echo

pytestmark = pytest.mark.asyncio


async def collect(sub, count, timeout=5.0):
    return [await sub.next_msg(timeout=timeout) for _ in range(count)]


async def assert_quiet(sub, timeout=0.2):
    with pytest.raises(NatsTimeoutError):
        msg = await sub.next_msg(timeout=timeout)
        pytest.fail(f"unexpected message {msg.subject} {msg.data!r}")


async def test_published_message_reaches_subscriber(server, connect):
    sub_nc = await connect(server)
    pub_nc = await connect(server)
    sub = await sub_nc.subscribe("greet.joe")
    await sync(sub_nc)

    await pub_nc.publish("greet.joe", b"hello")
    await sync(pub_nc)

    msg = await sub.next_msg(timeout=5)
    assert msg.subject == "greet.joe"
    assert msg.data == b"hello"
    assert msg.reply == ""
    await assert_quiet(sub)


async def test_messages_arrive_in_order_with_binary_payloads(server, connect):
    nc = await connect(server)
    sub = await nc.subscribe("seq")
    payloads = [b"", bytes(range(256)), b"\r\nPUB x 1\r\n"] + [str(i).encode() for i in range(500)]
    for payload in payloads:
        await nc.publish("seq", payload)
    await sync(nc)
    got = await collect(sub, len(payloads))
    assert [m.data for m in got] == payloads


async def test_callback_subscription_receives_messages(server, connect):
    nc = await connect(server)
    done = asyncio.get_running_loop().create_future()
    seen = []

    async def handler(msg):
        seen.append(msg.data)
        if len(seen) == 3 and not done.done():
            done.set_result(None)

    await nc.subscribe("cb", cb=handler)
    for i in range(3):
        await nc.publish("cb", str(i).encode())
    await asyncio.wait_for(done, 5)
    assert seen == [b"0", b"1", b"2"]


@pytest.mark.parametrize(
    "filter_subject, expected",
    [
        ("orders.*.created", ["orders.1.created", "orders.abc.created"]),
        ("orders.>", ["orders.1.created", "orders.1.2.created", "orders.abc.created", "orders.1.deleted"]),
        ("*.1.>", ["orders.1.created", "orders.1.2.created", "orders.1.deleted"]),
        (">", ["orders", "orders.1.created", "orders.1.2.created", "orders.abc.created", "orders.1.deleted"]),
    ],
)
async def test_wildcards_match_tokens(server, connect, filter_subject, expected):
    subjects = ["orders", "orders.1.created", "orders.1.2.created", "orders.abc.created", "orders.1.deleted"]
    nc = await connect(server)
    sub = await nc.subscribe(filter_subject)
    await sync(nc)
    pub = await connect(server)
    for subject in subjects:
        await pub.publish(subject, subject.encode())
    await sync(pub)  # every publish is routed...
    await sync(nc)  # ...and has reached nc, ahead of this sync's own echo
    got = [await sub.next_msg(timeout=1) for _ in range(sub.pending_msgs)]
    # A `>` filter also sees the sync round trips on _INBOX subjects.
    got = [m for m in got if not m.subject.startswith("_INBOX.")]
    assert [m.subject for m in got] == expected
    assert all(m.data == m.subject.encode() for m in got)


async def test_auto_unsubscribe_stops_after_max_messages(server, connect):
    nc = await connect(server)
    pub = await connect(server)
    sub = await nc.subscribe("limited")
    await sub.unsubscribe(limit=3)
    await sync(nc)
    base = nc.stats["in_msgs"]
    for i in range(6):
        await pub.publish("limited", str(i).encode())
    await sync(pub)
    got = await collect(sub, 3)
    assert [m.data for m in got] == [b"0", b"1", b"2"]
    # Anything the server wrongly sent after the 3rd arrives before this sync's own echo.
    await sync(nc)
    assert nc.stats["in_msgs"] - base == 3 + 1, "server delivered more than max_msgs"


async def test_unsubscribe_stops_delivery(server, connect):
    nc = await connect(server)
    sub = await nc.subscribe("gone")
    other = await nc.subscribe("gone")
    await nc.publish("gone", b"1")
    assert (await sub.next_msg(timeout=5)).data == b"1"
    assert (await other.next_msg(timeout=5)).data == b"1"
    await sub.unsubscribe()
    await nc.publish("gone", b"2")
    assert (await other.next_msg(timeout=5)).data == b"2"


async def test_no_echo_suppresses_own_messages(server, connect):
    quiet = await connect(server, no_echo=True)
    other = await connect(server)
    own = await quiet.subscribe("echo")
    theirs = await other.subscribe("echo")
    await sync_no_echo(quiet)
    await sync(other)
    await quiet.publish("echo", b"from-quiet")
    await sync_no_echo(quiet)
    assert (await theirs.next_msg(timeout=5)).data == b"from-quiet"
    await other.publish("echo", b"from-other")
    await sync(other)
    assert (await own.next_msg(timeout=5)).data == b"from-other"
    await assert_quiet(own)


async def test_drain_delivers_pending_messages_then_closes(server, connect):
    nc = await connect(server)
    pub = await connect(server)
    seen = []

    async def slow_handler(msg):
        await asyncio.sleep(0.001)
        seen.append(int(msg.data))

    await nc.subscribe("drain.me", cb=slow_handler)
    await sync(nc)
    for i in range(200):
        await pub.publish("drain.me", str(i).encode())
    await sync(pub)
    await asyncio.wait_for(nc.drain(), 10)
    assert nc.is_closed
    assert seen == list(range(200))
    # The publisher's connection is unaffected.
    await sync(pub)
