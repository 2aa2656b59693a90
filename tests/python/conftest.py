"""Fixtures for the nats-py client-compatibility suite.

The server under test is ``$RILL_SERVER_BIN`` (a whitespace-split command, e.g. ``nats-server``)
or ``<repo>/target/debug/rill-server``. Each test starts its own server with
``-a 127.0.0.1 -p -1`` (random port) plus test-specific args or a config file written to a
fresh temp dir, and waits for the ``Listening for client connections on <host>:<port>`` and
``Server is ready`` lines on stderr, exactly like nats-py's own test harness does.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 5.0
LISTEN_RE = re.compile(r"Listening for client connections on (\S+):(\d+)")
READY_RE = re.compile(r"Server is ready")

# bcrypt hashes shared with the Rust suite (tests/tests/auth.rs).
HASH_2A = "$2a$06$U6dh/hxxWAeFphM4/0Tr3ept5VCAPTcgoeEjYhnK8QEaKrCu7mFw."  # "bcrypt-pass-2a"
HASH_2B = "$2b$04$EHMwdatocfXNb9pRBvoPXOcBplcrJKe9TsFEiIemdPOU5lfzoDlIG"  # "bcrypt-pass-2b"


def server_command() -> list[str]:
    env = os.environ.get("RILL_SERVER_BIN")
    if env:
        return shlex.split(env)
    binary = REPO / "target" / "debug" / "rill-server"
    if not binary.exists():
        pytest.fail(
            f"{binary} not found: build it with `cargo build -p rill --bins`, "
            "or set RILL_SERVER_BIN (e.g. RILL_SERVER_BIN=nats-server)"
        )
    return [str(binary)]


class Server:
    """A running server process; ``stop()`` sends SIGTERM, then SIGKILL."""

    def __init__(self, args: list[str] | None = None, config: str | None = None):
        self.dir = tempfile.TemporaryDirectory(prefix="rill-pytests-")
        cmd = server_command() + ["-a", "127.0.0.1", "-p", "-1"]
        if config is not None:
            conf = Path(self.dir.name) / "server.conf"
            conf.write_text(config)
            cmd += ["-c", str(conf)]
        cmd += list(args or [])
        self.cmd = cmd
        self.log: list[str] = []
        self.port = 0
        self._ready = threading.Event()
        self.proc = subprocess.Popen(
            cmd,
            cwd=self.dir.name,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        threading.Thread(target=self._drain, daemon=True).start()
        if not self._ready.wait(START_TIMEOUT_S) or not self.port:
            self.stop()
            pytest.fail(f"server {cmd} not ready in {START_TIMEOUT_S}s; log:\n{self.log_text()}")

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace")
            self.log.append(line)
            m = LISTEN_RE.search(line)
            if m:
                self.port = int(m.group(2))
            if READY_RE.search(line) and self.port:
                self._ready.set()
        self._ready.set()  # EOF: let the starter fail fast

    def log_text(self) -> str:
        return "".join(self.log)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.dir.cleanup()


@pytest.fixture
def start_server():
    """Factory: ``start_server(args=[...], config="...")``; every server is stopped afterwards."""
    servers: list[Server] = []

    def start(args: list[str] | None = None, config: str | None = None) -> Server:
        server = Server(args, config)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def server(start_server) -> Server:
    """A server with default options."""
    return start_server()


@pytest.fixture
async def connect():
    """Factory for nats-py connections (no reconnects, 5 s connect timeout), closed afterwards."""
    import nats

    clients = []

    async def make(server: Server, **kwargs):
        kwargs.setdefault("allow_reconnect", False)
        kwargs.setdefault("connect_timeout", 5)
        nc = await nats.connect(kwargs.pop("servers", server.url), **kwargs)
        clients.append(nc)
        return nc

    yield make
    for nc in clients:
        if not nc.is_closed:
            try:
                await asyncio.wait_for(nc.close(), 5)
            except Exception:  # noqa: BLE001 - best-effort cleanup
                pass


async def sync(nc) -> None:
    """Round-trip barrier: when it returns, the server has processed everything `nc` sent.

    ``nc.flush()`` is not enough with nats-py 2.16: it writes PING straight to the transport
    while earlier SUB/PUB commands may still sit in the pending buffer, so the PONG can come back
    before the server has seen them. This publishes to a fresh inbox the client subscribed to
    and waits for the echo (so it needs echo; see ``sync_no_echo``).
    """
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    await nc.publish(inbox, b"")
    await sub.next_msg(timeout=5)
    await sub.unsubscribe()


async def sync_no_echo(nc) -> None:
    """``sync`` for a ``no_echo`` client: the server answers a request nobody listens to with
    no-responders, after everything sent before it."""
    from nats.errors import NoRespondersError

    try:
        await nc.request("_SYNC." + nc.new_inbox(), b"", timeout=5)
    except NoRespondersError:
        return
    raise AssertionError("expected a no-responders reply as a sync barrier")


# ---- JetStream helpers shared by the test_js_*.py files.


@pytest.fixture
def js_server(start_server, tmp_path) -> Server:
    """A server with JetStream enabled, storing in the test's temp dir."""
    return start_server(args=["-js", "-sd", str(tmp_path)])


async def eventually(check, timeout: float = 5.0, interval: float = 0.05):
    """Poll ``await check()`` until it returns something truthy (returned), or fail after ``timeout``."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value {value!r})")
        await asyncio.sleep(interval)


async def js_api(nc, subject: str, body=None) -> dict:
    """A raw JetStream API request, only where nats-py has no API; returns the JSON reply."""
    import json

    msg = await nc.request(subject, b"" if body is None else json.dumps(body).encode(), timeout=5)
    return json.loads(msg.data)


async def refused(awaitable, err_code: int):
    """Await a nats-py JetStream call that must fail with API error ``err_code``; return the error."""
    from nats.js.errors import APIError

    with pytest.raises(APIError) as e:
        await awaitable
    assert e.value.err_code == err_code, f"expected err_code {err_code}, got {e.value!r}"
    return e.value


# Stream helpers shared by the JetStream test files.
async def ctx(js_server, connect, *configs):
    nc = await connect(js_server)
    js = nc.jetstream()
    for cfg in configs:
        await js.add_stream(cfg)
    return nc, js


async def state(js, name):
    return (await js.stream_info(name)).state


def messages_is(js, name, n):
    async def check():
        return (await state(js, name)).messages == n

    return check
