"""Message headers through nats-py."""

import pytest

pytestmark = pytest.mark.asyncio


async def test_headers_round_trip(server, connect):
    nc = await connect(server)
    sub = await nc.subscribe("hdr")
    headers = {"X-Single": "one", "Content-Type": "text/plain; charset=utf-8", "Trace-Id": "abc123"}
    await nc.publish("hdr", b"body", headers=headers)
    await nc.publish("hdr", b"", headers={"Only": "header"})
    msg = await sub.next_msg(timeout=5)
    assert msg.data == b"body"
    assert msg.headers == headers
    empty = await sub.next_msg(timeout=5)
    assert empty.data == b""
    assert empty.headers == {"Only": "header"}


async def test_server_advertises_header_support(server, connect):
    nc = await connect(server)
    assert nc._server_info.get("headers") is True
