"""max_payload through nats-py."""

import pytest
from nats.errors import MaxPayloadError

pytestmark = pytest.mark.asyncio


async def test_max_payload_is_advertised_and_enforced(start_server, connect):
    server = start_server(config="max_payload: 1KB\n")
    nc = await connect(server)
    assert nc.max_payload == 1024
    sub = await nc.subscribe("big")
    with pytest.raises(MaxPayloadError):
        await nc.publish("big", b"x" * 2048)
    await nc.publish("big", b"y" * 1024)
    msg = await sub.next_msg(timeout=5)
    assert len(msg.data) == 1024
    assert nc.is_connected
