#!/usr/bin/env python3
"""Run the same `rill bench` load against rill-server and nats-server, alternately, and print
median ratios.

For every scenario and round, each server in turn (the order flips every round, so slow drift
of the machine hits both alike) is started on 127.0.0.1 with a random port (`-a 127.0.0.1
-p -1`), left idle for IDLE_SECS and its VmRSS read; then `rill bench ... --json` runs against
it while the server's CPU time (utime+stime from /proc/<pid>/stat) is read before and after;
then the server is stopped. Figures per scenario are medians over the rounds; the ratio is the
median of the per-round rill/nats ratios.

Usage:  scripts/bench-compare.py [options]      (scripts/bench-compare.sh is the same)
Environment knobs (options override them):
  MSGS=2000000      messages per publish scenario
  REQ_MSGS=50000    requests in the request/reply scenario
  JS_MSGS=100000    messages per JetStream scenario (file storage, one replica, window 256)
  ROUNDS=3          rounds per scenario (each round runs both servers)
  SCENARIOS=...     comma-separated subset of: pub128,pubsub128,req128,pub1k,
                    jspub128,jsconsume128,jspub128lazy (default: the four core ones; JS=1 adds
                    the JetStream ones)
  IDLE_SECS=1       idle time before reading the idle RSS
  RILL_SERVER_BIN   server in the "rill" slot (default target/release/rill-server)
  NATS_SERVER_BIN   server in the "nats" slot (default nats-server on PATH, pyenv shim resolved)
  RILL_BENCH_CMD    bench command (default "target/release/rill bench")
  NO_BUILD=1        skip `cargo build --release -p rill --bins`
  OUT=FILE          also write every raw round as JSON to FILE
  PIN=1             pin the server to CPU 0 and the bench client to CPU 1 (each then sees one
                    core: less variance, but a different question than "whole machine")
Sanity check of the method itself: RILL_SERVER_BIN=nats-server (nats-server in both slots).

JetStream scenarios start each server with JetStream on and a fresh store directory.
`jspub128` and `jsconsume128` compare equal durability: Rill's default (an ack means fsynced,
group commit) against nats-server with `sync_interval: always`. `jspub128lazy` compares Rill's
default against nats-server's own default (ack once written, fsync every 2 minutes).
"""

import argparse
import json
import os
import re
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LISTEN_RE = re.compile(r"Listening for client connections on (\S+):(\d+)")
CLK_TCK = os.sysconf("SC_CLK_TCK")

# name -> (bench arguments with {msgs}/{req_msgs}/{js_msgs} placeholders, headline side, what
# one "op" is, JetStream durability of the nats slot: None (no JetStream), "always", "default")
SCENARIOS = {
    "pub128": ("bench.pub --pub 1 --msgs {msgs} --size 128", "pub", "msg published", None),
    "pubsub128": ("bench.pubsub --pub 1 --sub 1 --msgs {msgs} --size 128", "sub",
                  "msg published", None),
    "req128": ("bench.req --request --pub 1 --sub 1 --msgs {req_msgs} --size 128", "pub",
               "request", None),
    "pub1k": ("bench.pub1k --pub 1 --msgs {msgs} --size 1KB", "pub", "msg published", None),
    "jspub128": ("bench.js --js --pub 1 --msgs {js_msgs} --size 128 --window 256", "pub",
                 "msg stored", "always"),
    "jsconsume128": ("bench.js --js --pub 1 --sub 1 --msgs {js_msgs} --size 128 --window 256 "
                     "--batch 256", "sub", "msg stored and consumed", "always"),
    "jspub128lazy": ("bench.js --js --pub 1 --msgs {js_msgs} --size 128 --window 256", "pub",
                     "msg stored", "default"),
}
CORE_SCENARIOS = ["pub128", "pubsub128", "req128", "pub1k"]
JS_SCENARIOS = ["jspub128", "jsconsume128", "jspub128lazy"]


def jetstream_args(slot, durability, store):
    """Extra server arguments for a JetStream scenario in `slot`, storing under `store`."""
    if durability is None:
        return []
    if slot == "nats" and durability == "always":
        conf = Path(store) / "js.conf"
        conf.write_text(f'jetstream {{\n  store_dir: "{store}"\n  sync_interval: always\n}}\n')
        return ["-c", str(conf)]
    return ["-js", "-sd", store]

LIVE = []  # every child process still running, for the cleanup handlers


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def stop(proc, grace=5.0):
    """Stops one child: SIGTERM, then SIGKILL after `grace` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc in LIVE:
        LIVE.remove(proc)


def stop_all(*_):
    for proc in list(LIVE):
        stop(proc, grace=2.0)


def on_signal(signum, _frame):
    stop_all()
    sys.exit(128 + signum)


def pin_to(cpus):
    """A preexec_fn restricting the child to `cpus`, or None."""
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def resolve_server(path):
    """Finds the real binary behind a name, seeing through pyenv shims, so the PID we measure
    is the server's own."""
    found = shutil.which(path) or path
    if "/.pyenv/shims/" in found and shutil.which("pyenv"):
        real = subprocess.run(["pyenv", "which", Path(found).name], capture_output=True, text=True)
        if real.returncode == 0 and real.stdout.strip():
            return real.stdout.strip()
    return found


def proc_cpu_secs(pid):
    """utime + stime of the whole process (all threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat(5)


def proc_status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


class Server:
    """One server process started on a random loopback port."""

    def __init__(self, binary, cpus=None, startup_secs=15.0, extra=()):
        self.binary = binary
        self.lines = []
        self.proc = subprocess.Popen(
            [binary, *extra, "-a", "127.0.0.1", "-p", "-1"],
            preexec_fn=pin_to(cpus),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        LIVE.append(self.proc)
        self.port = None
        ready = threading.Event()

        def drain():  # keeps reading so a chatty server never blocks on a full pipe
            for line in self.proc.stderr:
                self.lines.append(line.rstrip())
                m = LISTEN_RE.search(line)
                if m and self.port is None:
                    self.port = int(m.group(2))
                    ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        if not ready.wait(startup_secs) or self.port is None:
            tail = "\n".join(self.lines[-10:])
            stop(self.proc)
            raise RuntimeError(f"{binary} did not report its client port:\n{tail}")

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        stop(self.proc)


def run_bench(bench_cmd, args, port, timeout, cpus=None):
    cmd = bench_cmd + args + ["--server", f"nats://127.0.0.1:{port}", "--json", "--no-progress"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = dict(os.environ, RUST_BACKTRACE="0")  # one-line errors in the table's FAILED notes
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, preexec_fn=pin_to(cpus))
    LIVE.append(proc)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(proc)
        raise RuntimeError(f"bench timed out after {timeout}s: {shlex.join(cmd)}")
    LIVE.remove(proc)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"bench failed ({proc.returncode}): {err.strip()[-500:]}")
    client_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if not out.strip():
        raise RuntimeError(f"bench printed no JSON (is `{shlex.join(bench_cmd)}` the bench?)")
    return json.loads(out), client_cpu


def one_round(slot, binary, scenario, cfg):
    args_tmpl, side, _op, durability = SCENARIOS[scenario]
    args = shlex.split(args_tmpl.format(msgs=cfg.msgs, req_msgs=cfg.req_msgs,
                                        js_msgs=cfg.js_msgs))
    store = tempfile.mkdtemp(prefix="bench-js-") if durability else None
    try:
        server = Server(binary, cpus={0} if cfg.pin else None,
                        extra=jetstream_args(slot, durability, store))
    except RuntimeError:
        if store:
            shutil.rmtree(store, ignore_errors=True)
        raise
    try:
        time.sleep(cfg.idle_secs)
        idle_rss_kib = proc_status_kib(server.pid, "VmRSS")
        load = load_average()
        cpu_before = proc_cpu_secs(server.pid)
        result, client_cpu = run_bench(cfg.bench_cmd, args, server.port, cfg.bench_timeout,
                                       cpus={1} if cfg.pin else None)
        cpu_after = proc_cpu_secs(server.pid)
        peak_rss_kib = proc_status_kib(server.pid, "VmHWM")
    finally:
        server.stop()
        if store:
            shutil.rmtree(store, ignore_errors=True)
    ops = result["pub"]["msgs"]
    return {
        "slot": slot,
        "scenario": scenario,
        "server_version": result.get("server_version"),
        "msgs_per_s": result[side]["msgs_per_s"],
        "pub_msgs_per_s": result["pub"]["msgs_per_s"],
        "sub_msgs_per_s": (result.get("sub") or {}).get("msgs_per_s"),
        "server_cpu_s": cpu_after - cpu_before,
        "server_cpu_ns_per_op": (cpu_after - cpu_before) * 1e9 / ops,
        "client_cpu_ns_per_op": client_cpu * 1e9 / ops,
        "idle_rss_kib": idle_rss_kib,
        "peak_rss_kib": peak_rss_kib,
        "latency_us": result.get("latency_us"),
        "load_avg_1m": load,
    }


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(rounds, scenario):
    """Medians per slot and the median of the per-round rill/nats ratios."""
    by_round = {}
    for r in rounds:
        if r["scenario"] == scenario and "error" not in r:
            by_round.setdefault(r["round"], {})[r["slot"]] = r

    def slot_median(slot, key):
        return median([pair[slot][key] for pair in by_round.values() if slot in pair])

    def ratios(key):
        return [p["rill"][key] / p["nats"][key] for p in by_round.values()
                if "rill" in p and "nats" in p and p["nats"][key]]

    row = {"scenario": scenario, "op": SCENARIOS[scenario][2], "side": SCENARIOS[scenario][1]}
    for key in ("msgs_per_s", "server_cpu_ns_per_op", "client_cpu_ns_per_op", "idle_rss_kib",
                "peak_rss_kib"):
        row[f"rill_{key}"] = slot_median("rill", key)
        row[f"nats_{key}"] = slot_median("nats", key)
        rs = ratios(key)
        row[f"ratio_{key}"] = median(rs)
        row[f"ratio_{key}_range"] = (min(rs), max(rs)) if rs else None
    row["failed"] = sum(1 for r in rounds if r["scenario"] == scenario and "error" in r)
    return row


def fmt(value, spec=",.0f"):
    return "-" if value is None else format(value, spec)


def fmt_ratio(row, key):
    value, span = row[f"ratio_{key}"], row[f"ratio_{key}_range"]
    if value is None:
        return "-"
    return f"{value:.2f} ({span[0]:.2f}-{span[1]:.2f})"


def print_table(rows, cfg):
    print()
    print(f"rill = {cfg.rill_server}   nats = {cfg.nats_server}")
    print(f"MSGS={cfg.msgs:,} REQ_MSGS={cfg.req_msgs:,} JS_MSGS={cfg.js_msgs:,} "
          f"ROUNDS={cfg.rounds} PIN={int(cfg.pin)}; "
          "medians over rounds, ratio = median of per-round rill/nats (min-max)")
    head = ("scenario", "rate side", "rill msgs/s", "nats msgs/s", "ratio (higher=better)",
            "srv CPU ns/op rill", "nats", "ratio (lower=better)",
            "client CPU ns/op rill", "nats", "idle RSS KiB rill", "nats", "peak RSS KiB rill", "nats")
    table = [head]
    for row in rows:
        table.append((
            row["scenario"] + (f" [{row['failed']} failed]" if row["failed"] else ""),
            row["side"],
            fmt(row["rill_msgs_per_s"]), fmt(row["nats_msgs_per_s"]),
            fmt_ratio(row, "msgs_per_s"),
            fmt(row["rill_server_cpu_ns_per_op"]), fmt(row["nats_server_cpu_ns_per_op"]),
            fmt_ratio(row, "server_cpu_ns_per_op"),
            fmt(row["rill_client_cpu_ns_per_op"]), fmt(row["nats_client_cpu_ns_per_op"]),
            fmt(row["rill_idle_rss_kib"]), fmt(row["nats_idle_rss_kib"]),
            fmt(row["rill_peak_rss_kib"]), fmt(row["nats_peak_rss_kib"]),
        ))
    widths = [max(len(str(line[i])) for line in table) for i in range(len(head))]
    for n, line in enumerate(table):
        print(" | ".join(str(c).rjust(w) if i > 1 else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(line, widths))))
        if n == 0:
            print("-+-".join("-" * w for w in widths))
    print("ops: 'msg published' for publish scenarios; one request+reply for req128; JetStream: "
          "nats slot with sync_interval: always (js*128) or its default (jspub128lazy)")


def parse_args():
    env = os.environ.get
    target = Path(env("CARGO_TARGET_DIR", ROOT / "target"))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--msgs", type=int, default=int(env("MSGS", "2000000")))
    p.add_argument("--req-msgs", type=int, default=int(env("REQ_MSGS", "50000")))
    p.add_argument("--js-msgs", type=int, default=int(env("JS_MSGS", "100000")))
    p.add_argument("--rounds", type=int, default=int(env("ROUNDS", "3")))
    default_scenarios = CORE_SCENARIOS + (JS_SCENARIOS if env("JS", "") not in ("", "0") else [])
    p.add_argument("--scenarios", default=env("SCENARIOS", ",".join(default_scenarios)))
    p.add_argument("--idle-secs", type=float, default=float(env("IDLE_SECS", "1")))
    p.add_argument("--rill-server", "--rill-bin",
                   default=env("RILL_SERVER_BIN", str(target / "release" / "rill-server")))
    p.add_argument("--nats-server", default=env("NATS_SERVER_BIN", "nats-server"))
    p.add_argument("--bench-cmd", default=env("RILL_BENCH_CMD",
                                              f"{shlex.quote(str(target / 'release' / 'rill'))} bench"))
    p.add_argument("--no-build", action="store_true", default=env("NO_BUILD", "") not in ("", "0"))
    p.add_argument("--bench-timeout", type=float, default=300.0)
    p.add_argument("--out", default=env("OUT"))
    p.add_argument("--pin", action="store_true", default=env("PIN", "") not in ("", "0"))
    cfg = p.parse_args()
    cfg.scenarios = [s.strip() for s in cfg.scenarios.split(",") if s.strip()]
    unknown = [s for s in cfg.scenarios if s not in SCENARIOS]
    if unknown:
        p.error(f"unknown scenarios {unknown}; known: {', '.join(SCENARIOS)}")
    cfg.bench_cmd = shlex.split(cfg.bench_cmd)
    return cfg


def main():
    cfg = parse_args()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    if not cfg.no_build:
        log("building: cargo build --release -p rill --bins")
        subprocess.run(["cargo", "build", "--release", "-p", "rill", "--bins"], cwd=ROOT, check=True)
    cfg.rill_server = resolve_server(cfg.rill_server)
    cfg.nats_server = resolve_server(cfg.nats_server)
    servers = {"rill": cfg.rill_server, "nats": cfg.nats_server}
    log(f"rill slot: {cfg.rill_server}\nnats slot: {cfg.nats_server}\n"
        f"bench: {shlex.join(cfg.bench_cmd)}\ncpus: {os.cpu_count()}, pinned: {cfg.pin}")
    if load_average() > 0.5:
        log(f"warning: load average {load_average():.2f} before starting: other work on this "
            "machine will add noise (alternation keeps the ratios fair, not the absolute rates)")
    rounds = []
    try:
        for scenario in cfg.scenarios:
            for rnd in range(cfg.rounds):
                order = ["rill", "nats"] if rnd % 2 == 0 else ["nats", "rill"]
                for slot in order:
                    try:
                        r = one_round(slot, servers[slot], scenario, cfg)
                        log(f"{scenario} round {rnd + 1} {slot}: {r['msgs_per_s']:,.0f} msgs/s, "
                            f"server {r['server_cpu_ns_per_op']:,.0f} ns/op, "
                            f"client {r['client_cpu_ns_per_op']:,.0f} ns/op, "
                            f"idle RSS {r['idle_rss_kib']:,} KiB")
                    except (RuntimeError, OSError, ValueError, KeyError) as e:
                        r = {"slot": slot, "scenario": scenario, "error": str(e)}
                        log(f"{scenario} round {rnd + 1} {slot}: FAILED: {e}")
                    r["round"] = rnd
                    rounds.append(r)
    finally:
        stop_all()
    rows = [summarize(rounds, s) for s in cfg.scenarios]
    print_table(rows, cfg)
    if cfg.out:
        with open(cfg.out, "w") as f:
            json.dump({"config": {k: v for k, v in vars(cfg).items()}, "rounds": rounds,
                       "summary": rows}, f, indent=2, default=str)
    return 1 if any("error" in r for r in rounds) else 0


if __name__ == "__main__":
    sys.exit(main())
