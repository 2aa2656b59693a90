"""JetStream streams through nats-py: StreamConfig limits and flags enforced, publish
expectations, purge/get/delete, update, listing, account usage.

Error codes are nats-server's ``err_code`` values; clients key behaviour off them (nats-py's KV
maps 10071 to KeyWrongLastSequenceError, for instance).
"""

import asyncio

import pytest
from nats.js.api import (
    ConsumerConfig,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from conftest import ctx, eventually, js_api, messages_is, refused, state

pytestmark = pytest.mark.asyncio


async def test_max_msgs_discard_old_drops_oldest(js_server, connect):
    nc, js = await ctx(js_server, connect, StreamConfig(name="S", subjects=["s"], max_msgs=3))
    for i in range(5):
        await js.publish("s", f"m{i}".encode())
    st = await state(js, "S")
    assert (st.messages, st.first_seq, st.last_seq) == (3, 3, 5)
    assert (await js.get_msg("S", 3)).data == b"m2"
    with pytest.raises(NotFoundError):
        await js.get_msg("S", 2)


async def test_max_msgs_discard_new_refuses(js_server, connect):
    cfg = StreamConfig(name="S", subjects=["s"], max_msgs=2, discard=DiscardPolicy.NEW)
    nc, js = await ctx(js_server, connect, cfg)
    await js.publish("s", b"1")
    await js.publish("s", b"2")
    e = await refused(js.publish("s", b"3"), 10077)
    assert "maximum messages exceeded" in e.description
    st = await state(js, "S")
    assert (st.messages, st.first_seq, st.last_seq) == (2, 1, 2)


async def test_max_bytes_discard_old_and_new(js_server, connect):
    nc, js = await ctx(
        js_server,
        connect,
        StreamConfig(name="OLD", subjects=["old"], max_bytes=400),
        StreamConfig(name="NEW", subjects=["new"], max_bytes=400, discard=DiscardPolicy.NEW),
    )
    for _ in range(10):
        await js.publish("old", b"x" * 100)
    st = await state(js, "OLD")
    assert 0 < st.messages < 10 and st.bytes <= 400 and st.last_seq == 10
    stored = 0
    while stored < 10:
        try:
            await js.publish("new", b"x" * 100)
        except Exception as err:
            assert err.err_code == 10077 and "maximum bytes exceeded" in err.description
            break
        stored += 1
    st = await state(js, "NEW")
    assert st.messages == stored and 0 < stored < 10 and st.bytes <= 400


async def test_max_age_expires_messages(js_server, connect):
    nc, js = await ctx(js_server, connect, StreamConfig(name="S", subjects=["s"], max_age=0.5))
    assert (await js.stream_info("S")).config.max_age == pytest.approx(0.5)
    for i in range(3):
        await js.publish("s", b"x")
    assert (await state(js, "S")).messages == 3

    async def gone():
        st = await state(js, "S")
        return (st.messages, st.first_seq, st.last_seq) == (0, 4, 3)

    await eventually(gone, timeout=6)


async def test_max_msg_size_refuses_large(js_server, connect):
    nc, js = await ctx(js_server, connect, StreamConfig(name="S", subjects=["s"], max_msg_size=10))
    await js.publish("s", b"x" * 10)
    await refused(js.publish("s", b"x" * 11), 10054)
    assert (await state(js, "S")).messages == 1


async def test_max_msgs_per_subject_keeps_latest(js_server, connect):
    nc, js = await ctx(js_server, connect, StreamConfig(name="S", subjects=["s.*"], max_msgs_per_subject=2))
    for i in range(4):
        await js.publish("s.a", f"a{i}".encode())
    await js.publish("s.b", b"b0")
    info = await js.stream_info("S", subjects_filter=">")
    assert info.state.messages == 3 and info.state.subjects == {"s.a": 2, "s.b": 1}
    assert (await js.get_last_msg("S", "s.a")).data == b"a3"
    assert (await js.get_msg("S", 3)).data == b"a2"
    with pytest.raises(NotFoundError):
        await js.get_msg("S", 2)


async def test_discard_new_per_subject(js_server, connect):
    cfg = StreamConfig(
        name="S",
        subjects=["s.*"],
        max_msgs_per_subject=1,
        discard=DiscardPolicy.NEW,
        discard_new_per_subject=True,
    )
    nc, js = await ctx(js_server, connect, cfg)
    assert (await js.stream_info("S")).config.discard_new_per_subject is True
    await js.publish("s.a", b"1")
    e = await refused(js.publish("s.a", b"2"), 10077)
    assert "per subject" in e.description
    await js.publish("s.b", b"3")
    assert (await state(js, "S")).messages == 2
    assert (await js.get_last_msg("S", "s.a")).data == b"1"


async def test_max_consumers_refuses_extra(js_server, connect):
    nc, js = await ctx(js_server, connect, StreamConfig(name="S", subjects=["s"], max_consumers=1))
    await js.add_consumer("S", ConsumerConfig(durable_name="one"))
    await refused(js.add_consumer("S", ConsumerConfig(durable_name="two")), 10026)
    await js.add_consumer("S", ConsumerConfig(durable_name="one"))  # same config again: idempotent
    assert (await state(js, "S")).consumer_count == 1


async def test_duplicate_window_dedups_then_expires(js_server, connect):
    nc, js = await ctx(js_server, connect, StreamConfig(name="S", subjects=["s"], duplicate_window=0.5))
    assert (await js.stream_info("S")).config.duplicate_window == pytest.approx(0.5)
    a = await js.publish("s", b"1", headers={"Nats-Msg-Id": "id-1"})
    b = await js.publish("s", b"2", headers={"Nats-Msg-Id": "id-1"})
    c = await js.publish("s", b"3", headers={"Nats-Msg-Id": "id-2"})
    assert (a.seq, bool(a.duplicate), b.seq, b.duplicate, c.seq, bool(c.duplicate)) == (1, False, 1, True, 2, False)
    await asyncio.sleep(1.5)
    d = await js.publish("s", b"4", headers={"Nats-Msg-Id": "id-1"})
    assert d.seq == 3 and not d.duplicate
    assert (await state(js, "S")).messages == 3


async def test_rollup_subject_and_all(js_server, connect):
    nc, js = await ctx(js_server, connect, StreamConfig(name="S", subjects=["s.*"], allow_rollup_hdrs=True))
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
    nc, js = await ctx(js_server, connect, StreamConfig(name="S", subjects=["s"]))
    await js.publish("s", b"1")
    await refused(js.publish("s", b"2", headers={"Nats-Rollup": "sub"}), 10111)
    assert (await state(js, "S")).messages == 1


async def test_deny_delete_and_deny_purge(js_server, connect):
    cfg = StreamConfig(name="S", subjects=["s"], deny_delete=True, deny_purge=True)
    nc, js = await ctx(js_server, connect, cfg)
    for _ in range(3):
        await js.publish("s", b"x")
    await refused(js.delete_msg("S", 2), 10057)
    await refused(js.purge_stream("S"), 10110)
    assert (await state(js, "S")).messages == 3


async def test_sealed_stream_refuses_writes_deletes_and_unseal(js_server, connect):
    cfg = StreamConfig(name="S", subjects=["s"])
    nc, js = await ctx(js_server, connect, cfg)
    await js.publish("s", b"1")
    await js.publish("s", b"2")
    c = (await js.update_stream(cfg.evolve(sealed=True))).config
    assert c.sealed and c.deny_delete and c.deny_purge
    await refused(js.publish("s", b"3"), 10109)
    await refused(js.delete_msg("S", 1), 10109)
    await refused(js.purge_stream("S"), 10109)
    await refused(js.update_stream(cfg.evolve(sealed=False)), 10052)
    st = await state(js, "S")
    assert (st.messages, st.last_seq) == (2, 2)


async def test_allow_direct_get_by_seq_and_last_by_subject(js_server, connect):
    nc, js = await ctx(js_server, connect, StreamConfig(name="S", subjects=["s.*"], allow_direct=True))
    assert (await js.stream_info("S")).config.allow_direct is True
    await js.publish("s.a", b"a1", headers={"X-Test": "one"})
    await js.publish("s.b", b"b1")
    await js.publish("s.a", b"a2")
    m = await js.get_msg("S", seq=1, direct=True)
    assert (m.seq, m.subject, m.data) == (1, "s.a", b"a1")
    assert m.headers["X-Test"] == "one" and m.headers["Nats-Stream"] == "S" and m.time
    last = await js.get_msg("S", subject="s.a", direct=True)
    assert (last.seq, last.subject, last.data) == (3, "s.a", b"a2")
    nxt = await js.get_msg("S", seq=2, subject="s.a", next=True, direct=True)
    assert (nxt.seq, nxt.data) == (3, b"a2")
    with pytest.raises(NotFoundError):
        await js.get_msg("S", seq=99, direct=True)
    with pytest.raises(NotFoundError):
        await js.get_msg("S", subject="s.zzz", direct=True)


async def test_workqueue_ack_removes_and_overlap_refused(js_server, connect):
    cfg = StreamConfig(name="WQ", subjects=["wq.>"], retention=RetentionPolicy.WORK_QUEUE)
    nc, js = await ctx(js_server, connect, cfg)
    for i in range(3):
        await js.publish("wq.a", f"{i}".encode())
    sub = await js.pull_subscribe("wq.a", durable="w1", stream="WQ")
    await refused(js.add_consumer("WQ", ConsumerConfig(durable_name="w2", filter_subject="wq.>")), 10100)
    await js.add_consumer("WQ", ConsumerConfig(durable_name="w3", filter_subject="wq.b"))  # disjoint: fine
    msgs = await sub.fetch(2, timeout=5)
    assert [m.data for m in msgs] == [b"0", b"1"]
    await msgs[0].ack_sync()
    await eventually(messages_is(js, "WQ", 2))
    assert (await state(js, "WQ")).first_seq == 2
    await msgs[1].ack_sync()
    await eventually(messages_is(js, "WQ", 1))


async def test_interest_retention_removed_after_all_consumers_ack(js_server, connect):
    cfg = StreamConfig(name="I", subjects=["i"], retention=RetentionPolicy.INTEREST)
    nc, js = await ctx(js_server, connect, cfg)
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
    await eventually(messages_is(js, "I", 1))
    await mb[1].ack_sync()
    await eventually(messages_is(js, "I", 0))
    assert (await state(js, "I")).last_seq == 2


async def test_expected_stream_and_last_sequence_headers(js_server, connect):
    nc, js = await ctx(js_server, connect, StreamConfig(name="S", subjects=["s.*"]))
    assert (await js.publish("s.a", b"1", stream="S")).seq == 1
    await refused(js.publish("s.a", b"x", stream="OTHER"), 10060)
    await js.publish("s.b", b"2", headers={"Nats-Expected-Last-Sequence": "1"})
    e = await refused(js.publish("s.b", b"x", headers={"Nats-Expected-Last-Sequence": "1"}), 10071)
    assert "wrong last sequence: 2" in e.description
    # Last sequence for subject s.a is 1 (s.b's 2 does not count).
    await js.publish("s.a", b"3", headers={"Nats-Expected-Last-Subject-Sequence": "1"})
    e = await refused(js.publish("s.a", b"x", headers={"Nats-Expected-Last-Subject-Sequence": "1"}), 10071)
    assert "wrong last sequence: 3" in e.description
    # 0 means "no message on that subject yet".
    await js.publish("s.c", b"4", headers={"Nats-Expected-Last-Subject-Sequence": "0"})
    await refused(js.publish("s.c", b"x", headers={"Nats-Expected-Last-Subject-Sequence": "0"}), 10071)
    assert (await state(js, "S")).last_seq == 4


async def test_expected_last_msg_id_header(js_server, connect):
    nc, js = await ctx(js_server, connect, StreamConfig(name="S", subjects=["s"]))
    await js.publish("s", b"1", headers={"Nats-Msg-Id": "a"})
    await js.publish("s", b"2", headers={"Nats-Msg-Id": "b", "Nats-Expected-Last-Msg-Id": "a"})
    hdrs = {"Nats-Msg-Id": "c", "Nats-Expected-Last-Msg-Id": "a"}
    e = await refused(js.publish("s", b"3", headers=hdrs), 10070)
    assert "wrong last msg ID: b" in e.description
    assert (await state(js, "S")).messages == 2


async def test_purge_variants(js_server, connect):
    nc, js = await ctx(js_server, connect, StreamConfig(name="S", subjects=["s.*"]))
    for i in range(10):
        await js.publish("s.a" if i % 2 == 0 else "s.b", f"{i}".encode())  # a: 1,3,5,7,9  b: 2,4,..,10
    assert await js.purge_stream("S", subject="s.b")
    info = await js.stream_info("S", subjects_filter=">")
    assert info.state.subjects == {"s.a": 5} and info.state.last_seq == 10
    assert await js.purge_stream("S", subject="s.a", keep=2)
    st = await state(js, "S")
    assert (st.messages, st.first_seq) == (2, 7)
    assert (await js.get_msg("S", 7)).data == b"6"
    for i in range(4):
        await js.publish("s.c", b"c")  # seqs 11..14
    assert await js.purge_stream("S", seq=12)  # everything below 12
    st = await state(js, "S")
    assert (st.messages, st.first_seq, st.last_seq) == (3, 12, 14)
    assert await js.purge_stream("S", keep=1)
    st = await state(js, "S")
    assert (st.messages, st.first_seq) == (1, 14)
    assert await js.purge_stream("S")
    st = await state(js, "S")
    assert (st.messages, st.bytes, st.first_seq, st.last_seq) == (0, 0, 15, 14)
    assert (await js.publish("s.a", b"after")).seq == 15


async def test_msg_get_by_seq_last_by_subject_and_delete(js_server, connect):
    nc, js = await ctx(js_server, connect, StreamConfig(name="S", subjects=["s.*"]))
    await js.publish("s.a", b"a1", headers={"X-K": "v"})
    await js.publish("s.b", b"b1")
    await js.publish("s.a", b"a2")
    m = await js.get_msg("S", 1)
    assert (m.seq, m.subject, m.data, m.headers["X-K"]) == (1, "s.a", b"a1", "v")
    last = await js.get_last_msg("S", "s.a")
    assert (last.seq, last.data) == (3, b"a2")
    nxt = await js.get_msg("S", seq=2, subject="s.a", next=True)
    assert (nxt.seq, nxt.data) == (3, b"a2")
    await refused(js.get_msg("S", 10), 10037)
    await refused(js.get_last_msg("S", "s.none"), 10037)
    assert await js.delete_msg("S", 2)
    with pytest.raises(NotFoundError):
        await js.get_msg("S", 2)
    st = await state(js, "S")
    assert (st.messages, st.first_seq, st.last_seq, st.num_deleted) == (2, 1, 3, 1)
    await refused(js.delete_msg("S", 2), 10043)  # already deleted
    with pytest.raises(NotFoundError):
        await js.get_last_msg("S", "s.b")


async def test_last_by_subject_with_wildcard(js_server, connect):
    # nats-py's object store list/watch relies on this: get_last_msg(stream, "$O.<bucket>.M.>").
    nc, js = await ctx(js_server, connect, StreamConfig(name="S", subjects=["s.>"], allow_direct=True))
    for subj in ["s.m.a", "s.m.b", "s.c.x"]:
        await js.publish(subj, subj.encode())
    assert (await js.get_last_msg("S", "s.m.*")).subject == "s.m.b"
    assert (await js.get_last_msg("S", "s.>")).seq == 3
    assert (await js.get_msg("S", subject="s.m.>", direct=True)).seq == 2


async def test_stream_update_allowed_and_refused(js_server, connect):
    cfg = StreamConfig(name="S", subjects=["s.a"], storage=StorageType.FILE)
    nc, js = await ctx(js_server, connect, cfg)
    for _ in range(5):
        await js.publish("s.a", b"x")
    info = await js.update_stream(cfg.evolve(subjects=["s.a", "s.b"], max_msgs=2, description="d"))
    assert (info.config.subjects, info.config.max_msgs, info.config.description) == (["s.a", "s.b"], 2, "d")
    assert info.state.messages == 2  # the new limit applies to stored messages too
    assert (await js.publish("s.b", b"y")).stream == "S"
    await refused(js.update_stream(cfg.evolve(subjects=["s.a", "s.b"], storage=StorageType.MEMORY)), 10052)
    assert (await js.stream_info("S")).config.storage == StorageType.FILE
    await refused(js.update_stream(StreamConfig(name="MISSING", subjects=["m"])), 10059)
    await refused(js.add_stream(StreamConfig(name="T", subjects=["s.*"])), 10065)  # overlapping subjects
    await refused(js.add_stream(StreamConfig(name="S", subjects=["other"])), 10058)  # name in use


async def test_stream_names_and_list_with_subject_filter(js_server, connect):
    nc, js = await ctx(
        js_server,
        connect,
        StreamConfig(name="ORDERS", subjects=["orders.>"]),
        StreamConfig(name="USERS", subjects=["users.*"]),
        StreamConfig(name="LOGS", subjects=["logs"]),
    )
    assert await js.find_stream_name_by_subject("orders.eu.1") == "ORDERS"
    assert await js.find_stream_name_by_subject("users.x") == "USERS"
    with pytest.raises(NotFoundError):
        await js.find_stream_name_by_subject("nothing.here")
    assert sorted(i.config.name for i in await js.streams_info()) == ["LOGS", "ORDERS", "USERS"]
    # nats-py has no names/list API taking a subject filter: ask the API directly.
    names = await js_api(nc, "$JS.API.STREAM.NAMES", {"subject": "users.*"})
    assert (names["streams"], names["total"]) == (["USERS"], 1)
    names = await js_api(nc, "$JS.API.STREAM.NAMES", {})
    assert sorted(names["streams"]) == ["LOGS", "ORDERS", "USERS"] and names["total"] == 3
    listed = await js_api(nc, "$JS.API.STREAM.LIST", {"subject": "logs"})
    assert [s["config"]["name"] for s in listed["streams"]] == ["LOGS"] and listed["total"] == 1


async def test_account_info_usage(js_server, connect):
    nc, js = await ctx(js_server, connect)
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
    assert after.storage == (await state(js, "F")).bytes >= 5000
    assert after.memory == (await state(js, "M")).bytes >= 5000
    assert after.api.total > before.api.total
    await js.delete_stream("M")
    final = await js.account_info()
    assert (final.streams, final.memory) == (1, 0)
