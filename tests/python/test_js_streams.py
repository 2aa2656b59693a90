"""JetStream streams through nats-py: every StreamConfig limit and flag enforced, publish
expectations, purge/get/delete, update, listing and account usage.

Error codes are the nats-server ones (``err_code`` in the API error JSON); nats-py and other
clients key behaviour off them (e.g. KV maps 10071 to KeyWrongLastSequenceError).
"""

import asyncio
import json
import time

import pytest
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import APIError, BadRequestError, NotFoundError

pytestmark = pytest.mark.asyncio


@pytest.fixture
def js_server(start_server, tmp_path):
    return start_server(args=["-js", "-sd", str(tmp_path)])


async def eventually(check, timeout=5.0, interval=0.05):
    """Poll ``await check()`` until it returns truthy; return that value or fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value {value!r})")
        await asyncio.sleep(interval)


async def api(nc, subject, body=None):
    """A raw JetStream API request (only where nats-py has no API); returns the JSON reply."""
    payload = b"" if body is None else json.dumps(body).encode()
    msg = await nc.request(subject, payload, timeout=5)
    return json.loads(msg.data)


async def js_ctx(js_server, connect):
    nc = await connect(js_server)
    return nc, nc.jetstream()


async def state(js, name):
    return (await js.stream_info(name)).state


# ---------------------------------------------------------------- limits


async def test_max_msgs_discard_old_drops_oldest(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="S", subjects=["s"], max_msgs=3))
    for i in range(5):
        await js.publish("s", f"m{i}".encode())
    st = await state(js, "S")
    assert (st.messages, st.first_seq, st.last_seq) == (3, 3, 5)
    assert (await js.get_msg("S", 3)).data == b"m2"
    with pytest.raises(NotFoundError):
        await js.get_msg("S", 2)


async def test_max_msgs_discard_new_refuses(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="S", subjects=["s"], max_msgs=2, discard=DiscardPolicy.NEW))
    await js.publish("s", b"1")
    await js.publish("s", b"2")
    with pytest.raises(APIError) as e:
        await js.publish("s", b"3")
    assert e.value.err_code == 10077 and "maximum messages exceeded" in e.value.description
    st = await state(js, "S")
    assert (st.messages, st.first_seq, st.last_seq) == (2, 1, 2)


async def test_max_bytes_discard_old_and_new(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="OLD", subjects=["old"], max_bytes=400))
    for _ in range(10):
        await js.publish("old", b"x" * 100)
    st = await state(js, "OLD")
    assert 0 < st.messages < 10 and st.bytes <= 400 and st.last_seq == 10

    await js.add_stream(
        StreamConfig(name="NEW", subjects=["new"], max_bytes=400, discard=DiscardPolicy.NEW)
    )
    stored = 0
    with pytest.raises(APIError) as e:
        for _ in range(10):
            await js.publish("new", b"x" * 100)
            stored += 1
    assert e.value.err_code == 10077 and "maximum bytes exceeded" in e.value.description
    st = await state(js, "NEW")
    assert st.messages == stored and 0 < stored < 10 and st.bytes <= 400


async def test_max_age_expires_messages(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="S", subjects=["s"], max_age=0.5))
    info = await js.stream_info("S")
    assert info.config.max_age == pytest.approx(0.5)
    for i in range(3):
        await js.publish("s", b"x")
    assert (await state(js, "S")).messages == 3

    async def gone():
        st = await state(js, "S")
        return st.messages == 0 and st.last_seq == 3 and st.first_seq == 4

    await eventually(gone, timeout=6)


async def test_max_msg_size_refuses_large(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="S", subjects=["s"], max_msg_size=10))
    await js.publish("s", b"x" * 10)
    with pytest.raises(APIError) as e:
        await js.publish("s", b"x" * 11)
    assert e.value.err_code == 10054
    assert (await state(js, "S")).messages == 1


async def test_max_msgs_per_subject_keeps_latest(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="S", subjects=["s.*"], max_msgs_per_subject=2))
    for i in range(4):
        await js.publish("s.a", f"a{i}".encode())
    await js.publish("s.b", b"b0")
    info = await js.stream_info("S", subjects_filter=">")
    assert info.state.messages == 3
    assert info.state.subjects == {"s.a": 2, "s.b": 1}
    assert (await js.get_last_msg("S", "s.a")).data == b"a3"
    assert (await js.get_msg("S", 3)).data == b"a2"
    with pytest.raises(NotFoundError):
        await js.get_msg("S", 2)


async def test_discard_new_per_subject(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(
        StreamConfig(
            name="S",
            subjects=["s.*"],
            max_msgs_per_subject=1,
            discard=DiscardPolicy.NEW,
            discard_new_per_subject=True,
        )
    )
    assert (await js.stream_info("S")).config.discard_new_per_subject is True
    await js.publish("s.a", b"1")
    with pytest.raises(APIError) as e:
        await js.publish("s.a", b"2")
    assert e.value.err_code == 10077 and "per subject" in e.value.description
    await js.publish("s.b", b"3")
    assert (await state(js, "S")).messages == 2
    assert (await js.get_last_msg("S", "s.a")).data == b"1"


async def test_max_consumers_refuses_extra(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="S", subjects=["s"], max_consumers=1))
    await js.add_consumer("S", ConsumerConfig(durable_name="one", ack_policy=AckPolicy.EXPLICIT))
    with pytest.raises(APIError) as e:
        await js.add_consumer("S", ConsumerConfig(durable_name="two", ack_policy=AckPolicy.EXPLICIT))
    assert e.value.err_code == 10026
    # Re-adding the same durable with the same config is idempotent, not a new consumer.
    await js.add_consumer("S", ConsumerConfig(durable_name="one", ack_policy=AckPolicy.EXPLICIT))
    assert (await state(js, "S")).consumer_count == 1


async def test_duplicate_window_dedups_then_expires(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="S", subjects=["s"], duplicate_window=0.5))
    assert (await js.stream_info("S")).config.duplicate_window == pytest.approx(0.5)
    a = await js.publish("s", b"1", headers={"Nats-Msg-Id": "id-1"})
    b = await js.publish("s", b"2", headers={"Nats-Msg-Id": "id-1"})
    c = await js.publish("s", b"3", headers={"Nats-Msg-Id": "id-2"})
    assert (a.seq, a.duplicate) == (1, None) or (a.seq, a.duplicate) == (1, False)
    assert b.seq == 1 and b.duplicate is True
    assert c.seq == 2 and not c.duplicate
    await asyncio.sleep(1.5)
    d = await js.publish("s", b"4", headers={"Nats-Msg-Id": "id-1"})
    assert d.seq == 3 and not d.duplicate
    assert (await state(js, "S")).messages == 3


# ---------------------------------------------------------------- rollup, deny, sealed


async def test_rollup_subject_and_all(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="S", subjects=["s.*"], allow_rollup_hdrs=True))
    for i in range(3):
        await js.publish("s.a", f"a{i}".encode())
    for i in range(2):
        await js.publish("s.b", f"b{i}".encode())
    await js.publish("s.a", b"a-roll", headers={"Nats-Rollup": "sub"})
    info = await js.stream_info("S", subjects_filter=">")
    assert info.state.subjects == {"s.a": 1, "s.b": 2} and info.state.messages == 3
    assert (await js.get_last_msg("S", "s.a")).data == b"a-roll"
    await js.publish("s.b", b"all", headers={"Nats-Rollup": "all"})
    st = await state(js, "S")
    assert (st.messages, st.first_seq, st.last_seq) == (1, 7, 7)


async def test_rollup_refused_without_allow_rollup(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="S", subjects=["s"]))
    await js.publish("s", b"1")
    with pytest.raises(APIError) as e:
        await js.publish("s", b"2", headers={"Nats-Rollup": "sub"})
    assert e.value.err_code == 10111
    assert (await state(js, "S")).messages == 1


async def test_deny_delete_and_deny_purge(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="S", subjects=["s"], deny_delete=True, deny_purge=True))
    for _ in range(3):
        await js.publish("s", b"x")
    with pytest.raises(APIError) as e:
        await js.delete_msg("S", 2)
    assert e.value.err_code == 10057
    with pytest.raises(APIError) as e:
        await js.purge_stream("S")
    assert e.value.err_code == 10110
    assert (await state(js, "S")).messages == 3


async def test_sealed_stream_refuses_writes_deletes_and_unseal(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    cfg = StreamConfig(name="S", subjects=["s"])
    await js.add_stream(cfg)
    await js.publish("s", b"1")
    await js.publish("s", b"2")
    info = await js.update_stream(cfg.evolve(sealed=True))
    assert info.config.sealed is True
    assert info.config.deny_delete is True and info.config.deny_purge is True
    with pytest.raises(APIError) as e:
        await js.publish("s", b"3")
    assert e.value.err_code == 10109
    with pytest.raises(APIError) as e:
        await js.delete_msg("S", 1)
    assert e.value.err_code == 10109
    with pytest.raises(APIError) as e:
        await js.purge_stream("S")
    assert e.value.err_code == 10109
    with pytest.raises(APIError) as e:
        await js.update_stream(cfg.evolve(sealed=False))
    assert e.value.err_code == 10052
    st = await state(js, "S")
    assert (st.messages, st.last_seq) == (2, 2)


# ---------------------------------------------------------------- direct get, retention


async def test_allow_direct_get_by_seq_and_last_by_subject(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="S", subjects=["s.*"], allow_direct=True))
    assert (await js.stream_info("S")).config.allow_direct is True
    await js.publish("s.a", b"a1", headers={"X-Test": "one"})
    await js.publish("s.b", b"b1")
    await js.publish("s.a", b"a2")
    m = await js.get_msg("S", seq=1, direct=True)
    assert (m.seq, m.subject, m.data) == (1, "s.a", b"a1")
    assert m.headers["X-Test"] == "one" and m.headers["Nats-Stream"] == "S"
    last = await js.get_msg("S", subject="s.a", direct=True)
    assert (last.seq, last.subject, last.data) == (3, "s.a", b"a2")
    with pytest.raises(NotFoundError):
        await js.get_msg("S", seq=99, direct=True)
    with pytest.raises(NotFoundError):
        await js.get_msg("S", subject="s.zzz", direct=True)


async def test_workqueue_ack_removes_and_overlap_refused(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="WQ", subjects=["wq.>"], retention=RetentionPolicy.WORK_QUEUE))
    for i in range(3):
        await js.publish("wq.a", f"{i}".encode())
    sub = await js.pull_subscribe("wq.a", durable="w1", stream="WQ")
    with pytest.raises(BadRequestError) as e:
        await js.add_consumer("WQ", ConsumerConfig(durable_name="w2", filter_subject="wq.>"))
    assert e.value.err_code == 10100
    # A non-overlapping filter is fine.
    await js.add_consumer("WQ", ConsumerConfig(durable_name="w3", filter_subject="wq.b"))
    msgs = await sub.fetch(2, timeout=5)
    assert [m.data for m in msgs] == [b"0", b"1"]
    await msgs[0].ack_sync()

    async def one_acked():
        st = await state(js, "WQ")
        return st.messages == 2 and st.first_seq == 2

    await eventually(one_acked)
    await msgs[1].ack_sync()
    await eventually(lambda: _messages_is(js, "WQ", 1))


async def _messages_is(js, name, n):
    return (await state(js, name)).messages == n


async def test_interest_retention_removed_after_all_consumers_ack(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="I", subjects=["i"], retention=RetentionPolicy.INTEREST))
    sa = await js.pull_subscribe("i", durable="A", stream="I")
    sb = await js.pull_subscribe("i", durable="B", stream="I")
    await js.publish("i", b"x")
    await js.publish("i", b"y")
    assert (await state(js, "I")).messages == 2
    for m in await sa.fetch(2, timeout=5):
        await m.ack_sync()
    await asyncio.sleep(0.2)
    assert (await state(js, "I")).messages == 2  # B has not acked yet
    mb = await sb.fetch(2, timeout=5)
    await mb[0].ack_sync()
    await eventually(lambda: _messages_is(js, "I", 1))
    await mb[1].ack_sync()
    await eventually(lambda: _messages_is(js, "I", 0))
    assert (await state(js, "I")).last_seq == 2


# ---------------------------------------------------------------- publish expectations


async def test_expected_stream_and_last_sequence_headers(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="S", subjects=["s.*"]))
    ack = await js.publish("s.a", b"1", stream="S")
    assert ack.seq == 1
    with pytest.raises(APIError) as e:
        await js.publish("s.a", b"x", stream="OTHER")
    assert e.value.err_code == 10060

    await js.publish("s.b", b"2", headers={"Nats-Expected-Last-Sequence": "1"})
    with pytest.raises(APIError) as e:
        await js.publish("s.b", b"x", headers={"Nats-Expected-Last-Sequence": "1"})
    assert e.value.err_code == 10071 and "wrong last sequence: 2" in e.value.description

    # Last sequence for subject s.a is 1 (s.b's 2 does not count).
    await js.publish("s.a", b"3", headers={"Nats-Expected-Last-Subject-Sequence": "1"})
    with pytest.raises(APIError) as e:
        await js.publish("s.a", b"x", headers={"Nats-Expected-Last-Subject-Sequence": "1"})
    assert e.value.err_code == 10071 and "wrong last sequence: 3" in e.value.description
    # 0 means "no message on that subject yet".
    await js.publish("s.c", b"4", headers={"Nats-Expected-Last-Subject-Sequence": "0"})
    with pytest.raises(APIError):
        await js.publish("s.c", b"x", headers={"Nats-Expected-Last-Subject-Sequence": "0"})
    assert (await state(js, "S")).last_seq == 4


async def test_expected_last_msg_id_header(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="S", subjects=["s"]))
    await js.publish("s", b"1", headers={"Nats-Msg-Id": "a"})
    await js.publish("s", b"2", headers={"Nats-Msg-Id": "b", "Nats-Expected-Last-Msg-Id": "a"})
    with pytest.raises(APIError) as e:
        await js.publish("s", b"3", headers={"Nats-Msg-Id": "c", "Nats-Expected-Last-Msg-Id": "a"})
    assert e.value.err_code == 10070 and "wrong last msg ID: b" in e.value.description
    assert (await state(js, "S")).messages == 2


# ---------------------------------------------------------------- purge, get, delete


async def test_purge_variants(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="S", subjects=["s.*"]))
    for i in range(10):
        await js.publish("s.a" if i % 2 == 0 else "s.b", f"{i}".encode())  # a: 1,3,5,7,9  b: 2,4,6,8,10
    assert await js.purge_stream("S", subject="s.b")
    info = await js.stream_info("S", subjects_filter=">")
    assert info.state.subjects == {"s.a": 5} and info.state.last_seq == 10

    assert await js.purge_stream("S", subject="s.a", keep=2)
    st = await state(js, "S")
    assert (st.messages, st.first_seq) == (2, 7)
    assert (await js.get_msg("S", 7)).data == b"6"

    for i in range(4):
        await js.publish("s.c", b"c")  # seqs 11..14
    assert await js.purge_stream("S", seq=12)  # removes everything below 12
    st = await state(js, "S")
    assert (st.messages, st.first_seq, st.last_seq) == (3, 12, 14)

    assert await js.purge_stream("S", keep=1)
    st = await state(js, "S")
    assert (st.messages, st.first_seq) == (1, 14)

    assert await js.purge_stream("S")
    st = await state(js, "S")
    assert (st.messages, st.bytes, st.first_seq, st.last_seq) == (0, 0, 15, 14)
    ack = await js.publish("s.a", b"after")
    assert ack.seq == 15


async def test_msg_get_by_seq_last_by_subject_and_delete(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="S", subjects=["s.*"]))
    await js.publish("s.a", b"a1", headers={"X-K": "v"})
    await js.publish("s.b", b"b1")
    await js.publish("s.a", b"a2")
    m = await js.get_msg("S", 1)
    assert (m.seq, m.subject, m.data) == (1, "s.a", b"a1") and m.headers["X-K"] == "v"
    last = await js.get_last_msg("S", "s.a")
    assert (last.seq, last.data) == (3, b"a2")
    with pytest.raises(NotFoundError) as e:
        await js.get_msg("S", 10)
    assert e.value.err_code == 10037
    with pytest.raises(NotFoundError):
        await js.get_last_msg("S", "s.none")

    assert await js.delete_msg("S", 2)
    with pytest.raises(NotFoundError):
        await js.get_msg("S", 2)
    st = await state(js, "S")
    assert (st.messages, st.first_seq, st.last_seq, st.num_deleted) == (2, 1, 3, 1)
    with pytest.raises(APIError):
        await js.delete_msg("S", 2)
    with pytest.raises(NotFoundError):
        await js.get_last_msg("S", "s.b")


# ---------------------------------------------------------------- update, listing, account


async def test_stream_update_allowed_and_refused(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    cfg = StreamConfig(name="S", subjects=["s.a"], storage=StorageType.FILE)
    await js.add_stream(cfg)
    for _ in range(5):
        await js.publish("s.a", b"x")
    info = await js.update_stream(cfg.evolve(subjects=["s.a", "s.b"], max_msgs=2, description="d"))
    assert info.config.subjects == ["s.a", "s.b"] and info.config.max_msgs == 2
    assert info.config.description == "d"
    assert info.state.messages == 2  # the new limit applies to stored messages too
    assert (await js.publish("s.b", b"y")).stream == "S"

    with pytest.raises(APIError) as e:
        await js.update_stream(cfg.evolve(subjects=["s.a", "s.b"], storage=StorageType.MEMORY))
    assert e.value.err_code == 10052
    assert (await js.stream_info("S")).config.storage == StorageType.FILE

    with pytest.raises(NotFoundError) as e:
        await js.update_stream(StreamConfig(name="MISSING", subjects=["m"]))
    assert e.value.err_code == 10059

    # Creating a different stream whose subjects overlap is refused.
    with pytest.raises(APIError) as e:
        await js.add_stream(StreamConfig(name="T", subjects=["s.*"]))
    assert e.value.err_code == 10065
    # Creating the same name with a different config is refused too.
    with pytest.raises(APIError) as e:
        await js.add_stream(StreamConfig(name="S", subjects=["other"]))
    assert e.value.err_code == 10058


async def test_stream_names_and_list_with_subject_filter(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    await js.add_stream(StreamConfig(name="ORDERS", subjects=["orders.>"]))
    await js.add_stream(StreamConfig(name="USERS", subjects=["users.*"]))
    await js.add_stream(StreamConfig(name="LOGS", subjects=["logs"]))
    assert await js.find_stream_name_by_subject("orders.eu.1") == "ORDERS"
    assert await js.find_stream_name_by_subject("users.x") == "USERS"
    with pytest.raises(NotFoundError):
        await js.find_stream_name_by_subject("nothing.here")
    infos = await js.streams_info()
    assert sorted(i.config.name for i in infos) == ["LOGS", "ORDERS", "USERS"]

    names = await api(nc, "$JS.API.STREAM.NAMES", {"subject": "users.*"})
    assert names["streams"] == ["USERS"] and names["total"] == 1
    names = await api(nc, "$JS.API.STREAM.NAMES", {})
    assert sorted(names["streams"]) == ["LOGS", "ORDERS", "USERS"] and names["total"] == 3
    listed = await api(nc, "$JS.API.STREAM.LIST", {"subject": "logs"})
    assert [s["config"]["name"] for s in listed["streams"]] == ["LOGS"]
    assert listed["total"] == 1


async def test_account_info_usage(js_server, connect):
    nc, js = await js_ctx(js_server, connect)
    before = await js.account_info()
    assert (before.streams, before.consumers, before.storage, before.memory) == (0, 0, 0, 0)
    await js.add_stream(StreamConfig(name="F", subjects=["f"], storage=StorageType.FILE))
    await js.add_stream(StreamConfig(name="M", subjects=["m"], storage=StorageType.MEMORY))
    await js.add_consumer("F", ConsumerConfig(durable_name="c"))
    for _ in range(5):
        await js.publish("f", b"x" * 1000)
        await js.publish("m", b"y" * 1000)
    after = await js.account_info()
    assert (after.streams, after.consumers) == (2, 1)
    assert after.storage >= 5000 and after.memory >= 5000
    assert after.storage == (await state(js, "F")).bytes
    assert after.memory == (await state(js, "M")).bytes
    assert after.api.total > before.api.total
    await js.delete_stream("M")
    final = await js.account_info()
    assert final.streams == 1 and final.memory == 0


async def test_publish_without_stream_gets_no_responders(js_server, connect):
    from nats.js.errors import NoStreamResponseError

    nc, js = await js_ctx(js_server, connect)
    with pytest.raises(NoStreamResponseError):
        await js.publish("no.stream.here", b"x", timeout=2)
    with pytest.raises(NotFoundError) as e:
        await js.stream_info("NOPE")
    assert e.value.err_code == 10059
