"""JetStream stream features beyond limits, through nats-py: config defaults, mirrors, sources,
subject transforms, republish, per-message TTL, first_seq, errors for unknown streams."""

import datetime

import pytest
from nats.js.api import (
    DiscardPolicy,
    RePublish,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamSource,
    SubjectTransform,
)
from nats.js.errors import NoStreamResponseError

from conftest import ctx, eventually, messages_is, refused, state

pytestmark = pytest.mark.asyncio


async def test_config_defaults_round_trip(js_server, connect):
    nc, js = await ctx(js_server, connect)
    info = await js.add_stream(StreamConfig(name="S", subjects=["s"], metadata={"team": "a"}))
    c = info.config
    assert (c.max_msgs, c.max_bytes, c.max_msg_size, c.max_consumers, c.max_msgs_per_subject) == (-1,) * 5
    assert (c.max_age, c.duplicate_window, c.num_replicas) == (0, 120, 1)
    assert (c.retention, c.discard, c.storage) == (RetentionPolicy.LIMITS, DiscardPolicy.OLD, StorageType.FILE)
    assert not (c.sealed or c.deny_delete or c.deny_purge or c.allow_rollup_hdrs)
    assert c.metadata["team"] == "a"
    assert info.state.messages == 0 and info.state.first_seq == 0 and info.state.last_seq == 0
    assert isinstance(info.created, datetime.datetime)
    # Adding the identical config again is idempotent.
    assert (await js.add_stream(StreamConfig(name="S", subjects=["s"], metadata={"team": "a"}))).config.name == "S"


async def test_no_stream_and_unknown_stream(js_server, connect):
    nc, js = await ctx(js_server, connect)
    with pytest.raises(NoStreamResponseError):
        await js.publish("no.stream.here", b"x", timeout=2)
    await refused(js.stream_info("NOPE"), 10059)
    await refused(js.delete_stream("NOPE"), 10059)


async def test_mirror_copies_origin(js_server, connect):
    nc, js = await ctx(
        js_server,
        connect,
        StreamConfig(name="A", subjects=["a.*"]),
        StreamConfig(name="MIR", mirror=StreamSource(name="A")),
    )
    for subj in ["a.keep", "a.drop", "a.keep"]:
        await js.publish(subj, subj.encode())
    await eventually(messages_is(js, "MIR", 3))
    assert [(await js.get_msg("MIR", s)).subject for s in (1, 2, 3)] == ["a.keep", "a.drop", "a.keep"]
    mir = await js.stream_info("MIR")
    assert mir.config.mirror.name == "A" and mir.mirror.name == "A" and mir.mirror.lag == 0


async def test_sources_aggregate_with_filter(js_server, connect):
    sources = [StreamSource(name="A", filter_subject="a.keep"), StreamSource(name="B")]
    nc, js = await ctx(
        js_server,
        connect,
        StreamConfig(name="A", subjects=["a.*"]),
        StreamConfig(name="B", subjects=["b.*"]),
        StreamConfig(name="AGG", sources=sources),
    )
    for subj in ["a.keep", "a.drop", "b.x", "a.keep"]:
        await js.publish(subj, subj.encode())
    await eventually(messages_is(js, "AGG", 3))
    agg = await js.stream_info("AGG", subjects_filter=">")
    assert agg.state.subjects == {"a.keep": 2, "b.x": 1}
    assert sorted(src.name for src in agg.sources) == ["A", "B"]


async def test_subject_transform_rewrites_stored_subject(js_server, connect):
    transform = SubjectTransform(src="in.*", dest="stored.{{wildcard(1)}}")
    nc, js = await ctx(js_server, connect, StreamConfig(name="S", subjects=["in.*"], subject_transform=transform))
    assert (await js.stream_info("S")).config.subject_transform.dest == "stored.{{wildcard(1)}}"
    assert (await js.publish("in.x", b"payload")).seq == 1
    m = await js.get_msg("S", 1)
    assert (m.subject, m.data) == ("stored.x", b"payload")
    assert (await js.get_last_msg("S", "stored.x")).seq == 1


async def test_republish_copies_stored_messages(js_server, connect):
    republish = RePublish(src="in.*", dest="out.{{wildcard(1)}}")
    nc, js = await ctx(js_server, connect, StreamConfig(name="S", subjects=["in.*"], republish=republish))
    out = await nc.subscribe("out.>")
    await js.publish("in.x", b"one")
    await js.publish("in.y", b"two")
    await js.publish("in.x", b"three")
    reps = [await out.next_msg(timeout=5) for _ in range(3)]
    assert [(r.subject, r.data) for r in reps] == [("out.x", b"one"), ("out.y", b"two"), ("out.x", b"three")]
    h = reps[2].headers
    assert (h["Nats-Stream"], h["Nats-Subject"], h["Nats-Sequence"]) == ("S", "in.x", "3")
    assert h["Nats-Last-Sequence"] == "1"  # previous message on the same subject


async def test_per_message_ttl_and_first_seq(js_server, connect):
    nc, js = await ctx(
        js_server,
        connect,
        StreamConfig(name="T", subjects=["t"], allow_msg_ttl=True),
        StreamConfig(name="N", subjects=["n"]),
        StreamConfig(name="F", subjects=["f"], first_seq=100),
    )
    assert (await js.publish("f", b"x")).seq == 100
    await js.publish("t", b"short", msg_ttl=1)
    await js.publish("t", b"keep")
    await refused(js.publish("n", b"x", msg_ttl=1), 10166)  # TTL header without allow_msg_ttl

    async def expired():
        st = await state(js, "T")
        return (st.messages, st.first_seq) == (1, 2)

    await eventually(expired, timeout=6)
    assert (await js.get_msg("T", 2)).data == b"keep"


async def test_stored_bytes_accounting_per_storage_type(js_server, connect):
    # Stream/account "bytes" use nats-server's per-message sizes; max_bytes limits and account
    # usage follow them. File: 22 + subject + payload + 8 (+ 4 + headers when there are headers).
    # Memory: subject + headers + payload + 16.
    nc, js = await ctx(
        js_server,
        connect,
        StreamConfig(name="F", subjects=["f.a"], storage=StorageType.FILE),
        StreamConfig(name="M", subjects=["m.a"], storage=StorageType.MEMORY),
    )
    hdr_len = len(b"NATS/1.0\r\nK: v\r\n\r\n")
    for name, subj in (("F", "f.a"), ("M", "m.a")):
        await js.publish(subj, b"xyz")
        await js.publish(subj, b"xyz", headers={"K": "v"})
    plain_f, hdr_f = 22 + 3 + 3 + 8, 22 + 3 + 3 + 8 + 4 + hdr_len
    plain_m, hdr_m = 3 + 3 + 16, 3 + hdr_len + 3 + 16
    assert (await state(js, "F")).bytes == plain_f + hdr_f
    assert (await state(js, "M")).bytes == plain_m + hdr_m
    info = await js.account_info()
    assert (info.storage, info.memory) == (plain_f + hdr_f, plain_m + hdr_m)
    # A memory stream's max_bytes admits as many messages as that accounting allows.
    await js.add_stream(StreamConfig(name="L", subjects=["l"], storage=StorageType.MEMORY, max_bytes=100))
    for _ in range(10):
        await js.publish("l", b"z")
    assert (await state(js, "L")).messages == 100 // (1 + 1 + 16)
