"""Request/reply and no responders through nats-py."""

import asyncio
import time

import pytest
from nats.errors import NoRespondersError, TimeoutError as NatsTimeoutError

from conftest import sync

pytestmark = pytest.mark.asyncio


async def test_request_receives_reply(server, connect):
    responder = await connect(server)

    async def echo(msg):
        await msg.respond(b"echo:" + msg.data)

    await responder.subscribe("svc.echo", cb=echo)
    await sync(responder)
    nc = await connect(server)
    reply = await nc.request("svc.echo", b"hi", timeout=5)
    assert reply.data == b"echo:hi"


async def test_concurrent_requests_get_matching_replies(server, connect):
    responder = await connect(server)

    async def double(msg):
        await msg.respond(str(int(msg.data) * 2).encode())

    await responder.subscribe("svc.double", cb=double)
    await sync(responder)
    nc = await connect(server)
    replies = await asyncio.gather(*(nc.request("svc.double", str(i).encode(), timeout=5) for i in range(50)))
    assert [int(r.data) for r in replies] == [i * 2 for i in range(50)]


async def test_request_without_responders_raises_no_responders_quickly(server, connect):
    nc = await connect(server)
    started = time.monotonic()
    with pytest.raises(NoRespondersError):
        await nc.request("nobody.home", b"x", timeout=10)
    assert time.monotonic() - started < 2


async def test_request_to_silent_subscriber_times_out(server, connect):
    listener = await connect(server)
    await listener.subscribe("svc.silent")
    await sync(listener)
    nc = await connect(server)
    with pytest.raises(NatsTimeoutError):
        await nc.request("svc.silent", b"x", timeout=0.3)
