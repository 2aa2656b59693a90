"""Key/Value and Object Store through nats-py's own APIs (built on streams, direct get,
rollups, expected-last-subject-sequence and ordered push consumers)."""

import base64
import hashlib
import os

import pytest
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import ObjectMeta, StorageType
from nats.js.errors import (
    BucketNotFoundError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NoKeysError,
    NotFoundError,
    ObjectNotFoundError,
)
from nats.js.kv import KV_DEL, KV_PURGE

from conftest import eventually

pytestmark = pytest.mark.asyncio


async def kv_ctx(js_server, connect, **cfg):
    nc = await connect(js_server)
    js = nc.jetstream()
    cfg.setdefault("bucket", "B")
    kv = await js.create_key_value(**cfg)
    return nc, js, kv


# ---------------------------------------------------------------- key/value


async def test_bucket_create_status_and_backing_stream(js_server, connect):
    nc, js, kv = await kv_ctx(js_server, connect, bucket="CFG", history=5, description="cfg")
    st = await kv.status()
    assert st.bucket == "CFG" and st.history == 5 and st.values == 0
    info = await js.stream_info("KV_CFG")
    assert info.config.subjects == ["$KV.CFG.>"]
    assert info.config.max_msgs_per_subject == 5 and info.config.allow_rollup_hdrs
    assert info.config.deny_delete and info.config.description == "cfg"
    # Bind to the existing bucket; a missing one is an error.
    again = await js.key_value("CFG")
    await kv.put("k", b"v")
    assert (await again.get("k")).value == b"v"
    assert (await kv.status()).values == 1
    with pytest.raises(BucketNotFoundError):
        await js.key_value("NOPE")
    assert await js.delete_key_value("CFG")
    with pytest.raises(BucketNotFoundError):
        await js.key_value("CFG")


async def test_put_get_update_with_revision(js_server, connect):
    nc, js, kv = await kv_ctx(js_server, connect, history=10)
    r1 = await kv.put("color", b"red")
    r2 = await kv.put("size", b"L")
    e = await kv.get("color")
    assert (e.key, e.value, e.revision, e.bucket) == ("color", b"red", r1, "B")
    assert (r1, r2) == (1, 2)
    r3 = await kv.update("color", b"blue", last=r1)
    assert r3 == 3
    with pytest.raises(KeyWrongLastSequenceError):
        await kv.update("color", b"green", last=r1)  # stale revision
    with pytest.raises(KeyWrongLastSequenceError):
        await kv.update("color", b"green", last=r2)  # another key's revision
    assert (await kv.get("color")).value == b"blue"
    assert (await kv.get("color", revision=r1)).value == b"red"
    with pytest.raises(KeyNotFoundError):
        await kv.get("color", revision=r2)  # revision of another key
    with pytest.raises(KeyNotFoundError):
        await kv.get("missing")


async def test_create_only_if_absent(js_server, connect):
    nc, js, kv = await kv_ctx(js_server, connect, history=5)
    r1 = await kv.create("k", b"first")
    with pytest.raises(KeyWrongLastSequenceError):
        await kv.create("k", b"second")
    assert (await kv.get("k")).value == b"first"
    await kv.delete("k")
    r3 = await kv.create("k", b"again")  # a deleted key can be created again
    assert r3 > r1 and (await kv.get("k")).value == b"again"


async def test_delete_and_purge_markers(js_server, connect):
    nc, js, kv = await kv_ctx(js_server, connect, history=10)
    for v in [b"1", b"2", b"3"]:
        await kv.put("k", v)
    await kv.put("other", b"o")
    await kv.delete("k")
    with pytest.raises(KeyNotFoundError) as e:
        await kv.get("k")
    assert e.value.op == KV_DEL
    hist = await kv.history("k")
    assert [h.value for h in hist[:3]] == [b"1", b"2", b"3"]
    assert hist[-1].operation == KV_DEL and len(hist) == 4

    await kv.purge("k")
    with pytest.raises(KeyNotFoundError) as e:
        await kv.get("k")
    assert e.value.op == KV_PURGE
    hist = await kv.history("k")
    assert len(hist) == 1 and hist[0].operation == KV_PURGE  # purge rolled up the key
    assert (await kv.get("other")).value == b"o"
    # Conditional delete with a stale revision is refused.
    r = await kv.put("c", b"x")
    await kv.put("c", b"y")
    with pytest.raises(Exception):
        await kv.delete("c", last=r)
    assert (await kv.get("c")).value == b"y"


async def test_history_is_bounded(js_server, connect):
    nc, js, kv = await kv_ctx(js_server, connect, history=3)
    for i in range(6):
        await kv.put("k", str(i).encode())
    hist = await kv.history("k")
    assert [h.value for h in hist] == [b"3", b"4", b"5"]
    assert [h.revision for h in hist] == [4, 5, 6]
    with pytest.raises(NoKeysError):
        await kv.history("never")


async def test_keys(js_server, connect):
    nc, js, kv = await kv_ctx(js_server, connect, history=5)
    with pytest.raises(NoKeysError):
        await kv.keys()
    for k in ["a", "b.c", "d_e", "a"]:
        await kv.put(k, b"v")
    await kv.put("gone", b"v")
    await kv.delete("gone")
    assert sorted(await kv.keys()) == ["a", "b.c", "d_e"]


async def test_watch_updates_in_order(js_server, connect):
    nc, js, kv = await kv_ctx(js_server, connect, history=5)
    await kv.put("a", b"old-a")
    await kv.put("a", b"a0")
    await kv.put("b", b"b0")
    w = await kv.watchall()
    initial = []
    while True:
        e = await w.updates(timeout=5)
        if e is None:
            break
        initial.append((e.key, e.value))
    assert initial == [("a", b"a0"), ("b", b"b0")]  # latest values only
    await kv.put("b", b"b1")
    await kv.put("a", b"a1")
    await kv.delete("b")
    seen = [await w.updates(timeout=5) for _ in range(3)]
    assert [(e.key, e.value, e.operation) for e in seen] == [
        ("b", b"b1", None),
        ("a", b"a1", None),
        ("b", b"", KV_DEL),
    ]
    assert [e.revision for e in seen] == [4, 5, 6]
    with pytest.raises(NatsTimeoutError):
        await w.updates(timeout=0.5)
    await w.stop()

    hw = await kv.watch("a", include_history=True)
    vals = []
    while True:
        e = await hw.updates(timeout=5)
        if e is None:
            break
        vals.append(e.value)
    assert vals == [b"old-a", b"a0", b"a1"]
    await hw.stop()


async def test_watch_empty_bucket_signals_none_then_updates(js_server, connect):
    nc, js, kv = await kv_ctx(js_server, connect)
    w = await kv.watch("x.*")
    assert await w.updates(timeout=5) is None
    await kv.put("y.1", b"no")
    await kv.put("x.1", b"yes")
    e = await w.updates(timeout=5)
    assert (e.key, e.value, e.revision) == ("x.1", b"yes", 2)
    await w.stop()


async def test_ttl_bucket_expires_values(js_server, connect):
    nc, js, kv = await kv_ctx(js_server, connect, bucket="T", ttl=0.8)
    st = await kv.status()
    assert st.ttl == pytest.approx(0.8)
    await kv.put("k", b"v")
    assert (await kv.get("k")).value == b"v"

    async def expired():
        try:
            await kv.get("k")
            return False
        except KeyNotFoundError:
            return True

    await eventually(expired, timeout=6)
    assert (await kv.status()).values == 0


async def test_per_key_ttl_and_filtered_watch(js_server, connect):
    nc, js, kv = await kv_ctx(js_server, connect, history=3)
    assert (await js.stream_info("KV_B")).config.allow_msg_ttl is True  # nats-py asks for it
    await kv.create("short", b"v", msg_ttl=1)
    await kv.put("long", b"v")
    await kv.put("long", b"v2")
    await kv.delete("long")
    await kv.put("other", b"o")
    w = await kv.watchall(meta_only=True, ignore_deletes=True)
    seen = []
    while (e := await w.updates(timeout=5)) is not None:
        seen.append((e.key, e.value))
    assert sorted(seen) == [("other", b""), ("short", b"")]  # meta_only: no values
    await w.stop()
    assert sorted(await kv.keys(filters=["sho"])) == ["short"]

    async def expired():
        try:
            await kv.get("short")
            return False
        except KeyNotFoundError:
            return True

    await eventually(expired, timeout=6)
    assert (await kv.get("other")).value == b"o"


# ---------------------------------------------------------------- object store


async def test_object_put_get_multi_megabyte_with_checksum(js_server, connect):
    nc = await connect(js_server)
    js = nc.jetstream()
    obs = await js.create_object_store("FILES", storage=StorageType.FILE)
    data = os.urandom(3 * 1024 * 1024 + 12345)
    info = await obs.put("dir/blob.bin", data, meta=ObjectMeta(description="random"))
    expected_digest = "SHA-256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()
    assert info.size == len(data) and info.digest == expected_digest
    assert info.chunks == -(-len(data) // (128 * 1024))
    got = await obs.get("dir/blob.bin")  # nats-py verifies the digest while reading
    assert got.data == data
    assert got.info.size == len(data) and got.info.digest == expected_digest
    assert got.info.description == "random" and got.info.bucket == "FILES"
    st = await obs.status()
    assert st.bucket == "FILES" and st.size >= len(data)


async def test_object_list_info_replace_and_delete(js_server, connect):
    nc = await connect(js_server)
    js = nc.jetstream()
    obs = await js.create_object_store("OBJ")
    await obs.put("a.txt", b"alpha")
    await obs.put("b.txt", b"beta" * 100_000)
    await obs.put("empty", b"")
    infos = await obs.list()
    assert sorted(i.name for i in infos) == ["a.txt", "b.txt", "empty"]
    info = await obs.get_info("b.txt")
    assert info.size == 400_000 and info.chunks == 4 and not info.deleted
    assert (await obs.get("empty")).info.size == 0

    # Replacing an object purges its old chunks.
    before = (await js.stream_info("OBJ_OBJ")).state.messages
    await obs.put("b.txt", b"small")
    assert (await obs.get("b.txt")).data == b"small"
    after = (await js.stream_info("OBJ_OBJ")).state.messages
    assert after == before - 4 + 1

    await obs.delete("a.txt")
    with pytest.raises(ObjectNotFoundError):
        await obs.get_info("a.txt")
    with pytest.raises(NotFoundError):
        await obs.get("a.txt")
    deleted = await obs.get_info("a.txt", show_deleted=True)
    assert deleted.deleted is True
    assert sorted(i.name for i in await obs.list(ignore_deletes=True)) == ["b.txt", "empty"]
    with pytest.raises(ObjectNotFoundError):
        await obs.get_info("never")
    assert await js.delete_object_store("OBJ")
    with pytest.raises(NotFoundError):
        await js.object_store("OBJ")


async def test_object_meta_update_watch_and_seal(js_server, connect):
    nc = await connect(js_server)
    js = nc.jetstream()
    obs = await js.create_object_store("W", description="watched")
    assert (await obs.status()).description == "watched"
    w = await obs.watch()
    assert await w.updates(timeout=5) is None  # empty store
    await obs.put("doc", b"v1")
    e = await w.updates(timeout=5)
    assert (e.name, e.size, bool(e.deleted)) == ("doc", 2, False)
    await obs.update_meta("doc", ObjectMeta(name="doc", description="described"))
    assert (await obs.get_info("doc")).description == "described"
    assert (await obs.get("doc")).data == b"v1"
    e = await w.updates(timeout=5)
    assert (e.name, e.description) == ("doc", "described")
    await w.stop()
    await obs.seal()
    assert (await obs.status()).sealed is True
    with pytest.raises(Exception):
        await obs.put("new", b"x")
    assert sorted(i.name for i in await obs.list()) == ["doc"]
