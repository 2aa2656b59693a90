"""Authentication through nats-py: token, user/password, users list with bcrypt."""

import time

import pytest
from conftest import HASH_2A, HASH_2B

pytestmark = pytest.mark.asyncio

USERS_CONFIG = f"""authorization {{
  users = [
    {{ user: plain, password: "plain-pass" }}
    {{ user: hashed_a, password: "{HASH_2A}" }}
    {{ user: hashed_b, password: "{HASH_2B}" }}
  ]
}}
"""


async def assert_works(nc):
    sub = await nc.subscribe("auth.ok")
    await nc.publish("auth.ok", b"x")
    assert (await sub.next_msg(timeout=5)).data == b"x"


async def assert_rejected(connect, server, **kwargs):
    started = time.monotonic()
    with pytest.raises(Exception) as info:
        await connect(server, **kwargs)
    assert "Authorization Violation" in str(info.value), repr(info.value)
    assert time.monotonic() - started < 3


async def test_token_auth(start_server, connect):
    server = start_server(args=["--auth", "s3cr3t"])
    await assert_works(await connect(server, token="s3cr3t"))
    await assert_rejected(connect, server, token="wrong")
    await assert_rejected(connect, server)


async def test_user_password_auth(start_server, connect):
    server = start_server(args=["--user", "alice", "--pass", "wonderland"])
    await assert_works(await connect(server, user="alice", password="wonderland"))
    await assert_rejected(connect, server, user="alice", password="nope")
    await assert_rejected(connect, server, user="bob", password="wonderland")
    await assert_rejected(connect, server)


async def test_user_password_in_url(start_server, connect):
    server = start_server(args=["--user", "alice", "--pass", "wonderland"])
    good = f"nats://alice:wonderland@127.0.0.1:{server.port}"
    await assert_works(await connect(server, servers=good))
    bad = f"nats://alice:nope@127.0.0.1:{server.port}"
    await assert_rejected(connect, server, servers=bad)


@pytest.mark.parametrize(
    "user, password",
    [("plain", "plain-pass"), ("hashed_a", "bcrypt-pass-2a"), ("hashed_b", "bcrypt-pass-2b")],
)
async def test_users_list_accepts_plain_and_bcrypt(start_server, connect, user, password):
    server = start_server(config=USERS_CONFIG)
    await assert_works(await connect(server, user=user, password=password))


@pytest.mark.parametrize(
    "user, password",
    [("plain", "wrong"), ("hashed_a", "bcrypt-pass-2b"), ("hashed_a", HASH_2A), ("nobody", "plain-pass")],
)
async def test_users_list_rejects_bad_credentials(start_server, connect, user, password):
    server = start_server(config=USERS_CONFIG)
    await assert_rejected(connect, server, user=user, password=password)
