#!/usr/bin/env python3
"""Clustered JetStream benchmark: a 3-node rill-server cluster against a 3-node nats-server
cluster, alternately, in one run.

Scenarios:
  r3pub128  an R3 file stream; `rill bench --js --pub 1 --size 128 --window 256` connected to
            one node (TARGET=nonleader or leader: the stream leader, found from stream info)
            publishes JS_MSGS messages asynchronously, 256 acks outstanding, every ack awaited.
            Three slots per round: rill (its default: fsync before every ack), nats-always
            (`jetstream { sync_interval: always }`, the same durability) and nats (nats-server's
            default: fsync every 2 minutes). The order rotates every round.
  failover  an R3 file stream; a client on a node that is not the stream leader publishes one
            message at a time (ack timeout ACK_TIMEOUT_MS, retried at once); after WARMUP_SECS
            the stream leader gets SIGKILL. Failover time = from the kill to the first ack of a
            publish sent after the kill. Slots: rill and nats (each at its default durability).

Every node listens on 127.0.0.1 on client and cluster ports chosen at run time, stores under a
fresh temporary directory, and is stopped (SIGTERM, then SIGKILL) at the end of its round; a
handler stops every child on exit, Ctrl-C and SIGTERM.

Usage:  scripts/bench-cluster.py            (after cargo build --release -p rill --bins)
Environment knobs:
  SCENARIOS=r3pub128,failover   ROUNDS=5 (throughput)   FAILOVER_ROUNDS=5
  JS_MSGS=50000   TARGET=nonleader|leader|both   WINDOW=256
  ACK_TIMEOUT_MS=100   WARMUP_SECS=1
  RILL_SERVER_BIN, NATS_SERVER_BIN, RILL_BENCH_CMD, OUT=file.json (raw rounds),
  LOG_DIR=dir (keep every node's log of the failover rounds)
"""

import asyncio
import importlib.util
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nats
import nats.errors
from nats.js.api import StorageType, StreamConfig

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_compare", ROOT / "scripts" / "bench-compare.py")
bc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bc)

STREAM = "benchr3"
CREATE_INFO_TIMEOUTS = []  # stream info requests that timed out after the create (retried)
SUBJECT = "bench.r3"


def free_port():
    """A port the kernel just handed out on 127.0.0.1 (released at once for the server)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    """One cluster node; `lines` keeps its log, `port` its client port."""

    def __init__(self, binary, name, port, cluster_port, routes, store, durability):
        self.name, self.port = name, port
        self.lines = []
        args = [binary, "-a", "127.0.0.1", "-p", str(port), "--server_name", name,
                "--cluster_name", "BENCH", "--cluster", f"nats://127.0.0.1:{cluster_port}",
                "--routes", ",".join(routes)]
        if durability == "always":
            conf = Path(store) / f"{name}.conf"
            conf.write_text(f'jetstream {{\n  store_dir: "{store}/{name}"\n'
                            "  sync_interval: always\n}\n")
            args += ["-c", str(conf)]
        else:
            args += ["-js", "-sd", f"{store}/{name}"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, errors="replace")
        bc.LIVE.append(self.proc)
        self.ready = threading.Event()

        def drain():
            for line in self.proc.stderr:
                self.lines.append(line.rstrip())
                if bc.LISTEN_RE.search(line):
                    self.ready.set()
            self.ready.set()

        threading.Thread(target=drain, daemon=True).start()

    @property
    def url(self):
        return f"nats://127.0.0.1:{self.port}"


class Cluster:
    """Three nodes of one server binary, routed to each other."""

    def __init__(self, binary, durability):
        self.store = tempfile.mkdtemp(prefix="bench-cluster-")
        cports = [free_port() for _ in range(3)]
        routes = [f"nats://127.0.0.1:{p}" for p in cports]
        self.nodes = [Node(binary, f"n{i + 1}", free_port(), cports[i], routes, self.store,
                           durability) for i in range(3)]
        for n in self.nodes:
            if not n.ready.wait(15) or n.proc.poll() is not None:
                tail = "\n".join(n.lines[-10:])
                self.stop()
                raise RuntimeError(f"{binary} node {n.name} did not start:\n{tail}")

    def node(self, name):
        return next(n for n in self.nodes if n.name == name)

    def cpu_secs(self):
        return sum(bc.proc_cpu_secs(n.proc.pid) for n in self.nodes if n.proc.poll() is None)

    def stop(self, label=None):
        for n in self.nodes:
            bc.stop(n.proc)
        logs = os.environ.get("LOG_DIR")
        if logs and label:
            Path(logs).mkdir(parents=True, exist_ok=True)
            for n in self.nodes:
                Path(logs, f"{label}-{n.name}.log").write_text("\n".join(n.lines) + "\n")
        shutil.rmtree(self.store, ignore_errors=True)


async def create_stream(url, deadline_secs=30.0):
    """Creates the R3 file stream through a client on `url` (retrying while the cluster elects
    its meta leader) and returns the stream leader's server name."""
    nc = await nats.connect(url, connect_timeout=2, allow_reconnect=False)
    try:
        js = nc.jetstream(timeout=2)
        end = time.monotonic() + deadline_secs
        cfg = StreamConfig(name=STREAM, subjects=[SUBJECT], storage=StorageType.FILE,
                           num_replicas=3)
        while True:
            try:
                await js.add_stream(cfg)
                break
            except Exception as e:  # meta leader not elected yet, timeouts
                if time.monotonic() > end:
                    raise RuntimeError(f"creating the R3 stream: {e!r}")
                await asyncio.sleep(0.25)
        while True:
            try:
                info = await js.stream_info(STREAM)
            except nats.errors.TimeoutError:
                # Counted: a server slow to answer right after creating is worth knowing.
                CREATE_INFO_TIMEOUTS.append(url)
                if time.monotonic() > end:
                    raise RuntimeError("stream info: no answer")
                continue
            leader = info.cluster.leader if info.cluster else None
            replicas = (info.cluster.replicas or []) if info.cluster else []
            if leader and len(replicas) == 2 and all(r.current for r in replicas):
                return leader
            if time.monotonic() > end:
                raise RuntimeError(f"no stream leader with current replicas: {info.cluster}")
            await asyncio.sleep(0.1)
    finally:
        await nc.close()


def pick_target(cluster, leader, target):
    if target == "leader":
        return cluster.node(leader)
    return next(n for n in cluster.nodes if n.name != leader)


def r3pub_round(slot, binary, durability, target, cfg):
    cluster = Cluster(binary, durability)
    try:
        leader = asyncio.run(create_stream(cluster.nodes[0].url))
        node = pick_target(cluster, leader, target)
        args = shlex.split(f"{SUBJECT} --js --pub 1 --msgs {cfg['js_msgs']} --size 128 "
                           f"--window {cfg['window']} --replicas 3 --keep-stream "
                           f"--stream {STREAM}")
        load = bc.load_average()
        cpu_before = cluster.cpu_secs()
        result, client_cpu = bc.run_bench(cfg["bench_cmd"], args, node.port, 600)
        cpu_after = cluster.cpu_secs()
        ops = result["pub"]["msgs"]
        return {"slot": slot, "scenario": f"r3pub128-{target}", "leader": leader,
                "client_on": node.name, "server_version": result.get("server_version"),
                "msgs_per_s": result["pub"]["msgs_per_s"],
                "cluster_cpu_ns_per_op": (cpu_after - cpu_before) * 1e9 / ops,
                "client_cpu_ns_per_op": client_cpu * 1e9 / ops, "load_avg_1m": load}
    finally:
        cluster.stop()


async def failover_measure(cluster, leader, cfg):
    node = pick_target(cluster, leader, "nonleader")
    nc = await nats.connect(node.url, connect_timeout=2, allow_reconnect=False)
    js = nc.jetstream(timeout=cfg["ack_timeout_ms"] / 1000)
    killed_at = None
    acks = errors = 0
    start = time.monotonic()
    try:
        while True:
            now = time.monotonic()
            if killed_at is None and now - start >= cfg["warmup_secs"]:
                os.kill(cluster.node(leader).proc.pid, signal.SIGKILL)
                killed_at = time.monotonic()
                acks_before = acks
            sent = time.monotonic()
            try:
                await js.publish(SUBJECT, b"x" * 128)
            except Exception:  # timeout, no responders, leader gone: retry at once
                errors += 1
                if time.monotonic() - sent < 0.005:
                    await asyncio.sleep(0.005)  # an instant error: do not spin
                if killed_at and time.monotonic() - killed_at > 60:
                    raise RuntimeError("no acknowledgement within 60 s of the kill")
                continue
            acks += 1
            if killed_at is not None and sent >= killed_at:
                return {"failover_ms": (time.monotonic() - killed_at) * 1000,
                        "acks_before_kill": acks_before, "errors": errors,
                        "client_on": node.name}
    finally:
        await nc.close()


def failover_round(slot, binary, cfg):
    cluster = Cluster(binary, "default")
    try:
        leader = asyncio.run(create_stream(cluster.nodes[0].url))
        r = asyncio.run(failover_measure(cluster, leader, cfg))
        r.update(slot=slot, scenario="failover", leader=leader)
        return r
    finally:
        cluster.stop(label=f"failover-{slot}-{time.strftime('%H%M%S')}")


def summarize(rounds, scenario, key):
    rows = {}
    for r in rounds:
        if r["scenario"] == scenario and "error" not in r:
            rows.setdefault(r["slot"], []).append(r[key])
    return {slot: (bc.median(v), min(v), max(v), len(v)) for slot, v in rows.items()}


def ratios(rounds, scenario, key, other):
    """Per-round rill/`other` ratios of `key`."""
    by_round = {}
    for r in rounds:
        if r["scenario"] == scenario and "error" not in r:
            by_round.setdefault(r["round"], {})[r["slot"]] = r[key]
    return [p["rill"] / p[other] for p in by_round.values() if "rill" in p and p.get(other)]


def main():
    env = os.environ.get
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, bc.on_signal)
    target_dir = Path(env("CARGO_TARGET_DIR", ROOT / "target"))
    rill = bc.resolve_server(env("RILL_SERVER_BIN", str(target_dir / "release" / "rill-server")))
    natsb = bc.resolve_server(env("NATS_SERVER_BIN", "nats-server"))
    cfg = {
        "js_msgs": int(env("JS_MSGS", "50000")), "window": int(env("WINDOW", "256")),
        "rounds": int(env("ROUNDS", "5")), "failover_rounds": int(env("FAILOVER_ROUNDS", "5")),
        "ack_timeout_ms": float(env("ACK_TIMEOUT_MS", "100")),
        "warmup_secs": float(env("WARMUP_SECS", "1")),
        "bench_cmd": shlex.split(env("RILL_BENCH_CMD",
                                     f"{shlex.quote(str(target_dir / 'release' / 'rill'))} bench")),
    }
    scenarios = [s.strip() for s in env("SCENARIOS", "r3pub128,failover").split(",") if s.strip()]
    target = env("TARGET", "nonleader")
    targets = ["nonleader", "leader"] if target == "both" else [target]
    bc.log(f"rill: {rill}\nnats: {natsb}\nconfig: {cfg}, targets {targets}")
    pub_slots = {"rill": (rill, "default"), "nats-always": (natsb, "always"),
                 "nats": (natsb, "default")}
    rounds = []

    def attempt(label, fn):
        try:
            r = fn()
        except (RuntimeError, OSError, ValueError, KeyError) as e:
            r = {"error": str(e)}
            bc.log(f"{label}: FAILED: {e}")
        return r

    try:
        for tgt in (targets if "r3pub128" in scenarios else []):
            for rnd in range(cfg["rounds"]):
                order = list(pub_slots)
                order = order[rnd % 3:] + order[:rnd % 3]
                for slot in order:
                    binary, dur = pub_slots[slot]
                    r = attempt(f"r3pub128-{tgt} round {rnd + 1} {slot}",
                                lambda: r3pub_round(slot, binary, dur, tgt, cfg))
                    r.setdefault("slot", slot)
                    r.setdefault("scenario", f"r3pub128-{tgt}")
                    r["round"] = rnd
                    if "error" not in r:
                        bc.log(f"r3pub128-{tgt} round {rnd + 1} {slot}: {r['msgs_per_s']:,.0f} "
                               f"msgs/s (client on {r['client_on']}, leader {r['leader']}), "
                               f"cluster CPU {r['cluster_cpu_ns_per_op']:,.0f} ns/op")
                    rounds.append(r)
        if "failover" in scenarios:
            for rnd in range(cfg["failover_rounds"]):
                order = ["rill", "nats"] if rnd % 2 == 0 else ["nats", "rill"]
                for slot in order:
                    binary = rill if slot == "rill" else natsb
                    r = attempt(f"failover round {rnd + 1} {slot}",
                                lambda: failover_round(slot, binary, cfg))
                    r.setdefault("slot", slot)
                    r.setdefault("scenario", "failover")
                    r["round"] = rnd
                    if "error" not in r:
                        bc.log(f"failover round {rnd + 1} {slot}: {r['failover_ms']:,.0f} ms "
                               f"(leader {r['leader']} killed, client on {r['client_on']}, "
                               f"{r['errors']} failed attempts)")
                    rounds.append(r)
    finally:
        bc.stop_all()

    print()
    print("median (min-max, n) over rounds")
    for tgt in targets:
        sc = f"r3pub128-{tgt}"
        rates = summarize(rounds, sc, "msgs_per_s")
        cpu = summarize(rounds, sc, "cluster_cpu_ns_per_op")
        for slot in pub_slots:
            if slot in rates:
                m, lo, hi, n = rates[slot]
                print(f"{sc:22} {slot:12} {m:>10,.0f} msgs/s ({lo:,.0f}-{hi:,.0f}, n={n})  "
                      f"cluster CPU {cpu[slot][0]:,.0f} ns/op")
        for other in ("nats-always", "nats"):
            rs = ratios(rounds, sc, "msgs_per_s", other)
            if rs:
                print(f"{sc:22} rill/{other:12} {bc.median(rs):.2f} ({min(rs):.2f}-{max(rs):.2f})"
                      " median of per-round ratios")
    fo = summarize(rounds, "failover", "failover_ms")
    for slot, (m, lo, hi, n) in fo.items():
        print(f"{'failover':22} {slot:12} {m:>10,.0f} ms     ({lo:,.0f}-{hi:,.0f}, n={n})")
    if CREATE_INFO_TIMEOUTS:
        print(f"stream info timed out (and was retried) {len(CREATE_INFO_TIMEOUTS)} times "
              "after a create")
    if env("OUT"):
        with open(env("OUT"), "w") as f:
            json.dump({"config": cfg, "rill": rill, "nats": natsb, "rounds": rounds,
                       "stream_info_timeouts": CREATE_INFO_TIMEOUTS}, f,
                      indent=2, default=str)
    return 1 if any("error" in r for r in rounds) else 0


if __name__ == "__main__":
    sys.exit(main())
