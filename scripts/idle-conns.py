#!/usr/bin/env python3
"""Memory of a server holding many idle client connections, for Rill and nats-server.

Starts each server on a random loopback port, opens N connections that send CONNECT and
PING (and then sit idle), and prints the server's RSS before and after, per connection.

    scripts/idle-conns.py [--conns 1000] [--rill target/release/rill-server] [--nats nats-server]
"""
import argparse, os, re, resource, shutil, socket, subprocess, sys, time

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def start(cmd):
    p = subprocess.Popen(cmd + ["-a", "127.0.0.1", "-p", "-1"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    deadline = time.time() + 15
    port = None
    while time.time() < deadline:
        line = p.stderr.readline()
        m = re.search(r"Listening for client connections on [^:]+:(\d+)", line)
        if m:
            port = int(m.group(1))
        if "Server is ready" in line and port:
            return p, port
    p.kill()
    sys.exit(f"{cmd[0]} did not start")

def measure(cmd, n):
    p, port = start(cmd)
    try:
        time.sleep(1)
        before = rss_kib(p.pid)
        socks = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.recv(4096)  # INFO
            s.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n')
            socks.append(s)
        for s in socks:
            buf = b""
            while b"PONG" not in buf:
                buf += s.recv(4096)
        time.sleep(1)
        after = rss_kib(p.pid)
        for s in socks:
            s.close()
        return before, after
    finally:
        p.terminate()
        p.wait(timeout=10)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--conns", type=int, default=1000)
    ap.add_argument("--rill", default="target/release/rill-server")
    ap.add_argument("--nats", default=shutil.which("nats-server") or "nats-server")
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, a.conns * 2 + 100)), hard))
    print(f"{'server':<12} {'idle RSS KiB':>13} {'RSS with ' + str(a.conns) + ' conns':>20} {'KiB/conn':>9}")
    for name, cmd in (("rill", [a.rill]), ("nats-server", [a.nats])):
        before, after = measure(cmd, a.conns)
        print(f"{name:<12} {before:>13,} {after:>20,} {(after - before) / a.conns:>9.1f}")

if __name__ == "__main__":
    main()
