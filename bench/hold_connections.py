#!/usr/bin/env python3
"""Opens COUNT keep-alive connections to the server, sends one GET /healthz on each and reads the
answer, keeps them all open, then reports the server's resident memory (VmRSS of PID) while it
holds them. Standard library only.

    hold_connections.py --port PORT --pid PID [--count 1000] [--host 127.0.0.1]

Prints: HOLD open=N answered=N still_open=N rss_kib=K
"""

import argparse
import resource
import selectors
import socket
import sys
import time


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def read_answer(sock: socket.socket, deadline: float) -> bool:
    """Reads one HTTP response (headers and a Content-Length body); True when it is a 200."""
    data = b""
    while b"\r\n\r\n" not in data:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(4096)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(4096)
        if not chunk:
            return False
        body += chunk
    return head.startswith(b"HTTP/1.1 200")


def still_open(socks: list) -> int:
    """Connections the server has not closed: no EOF and no error waiting on them."""
    selector = selectors.DefaultSelector()
    for s in socks:
        selector.register(s, selectors.EVENT_READ)
    closed = len(selector.select(timeout=0.2))
    selector.close()
    return len(socks) - closed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.count + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))

    deadline = time.monotonic() + args.timeout
    request = (f"GET /healthz HTTP/1.1\r\nHost: {args.host}:{args.port}\r\n"
               "Connection: keep-alive\r\n\r\n").encode()
    socks = []
    answered = 0
    try:
        for _ in range(args.count):
            sock = socket.create_connection((args.host, args.port), timeout=5)
            socks.append(sock)
            sock.sendall(request)
        for sock in socks:
            if time.monotonic() > deadline:
                break
            try:
                answered += read_answer(sock, deadline)
            except OSError:
                pass
        time.sleep(1.0)  # let the server settle with every connection idle
        rss = rss_kib(args.pid)
        print(f"HOLD open={len(socks)} answered={answered} still_open={still_open(socks)} "
              f"rss_kib={rss}", flush=True)
    finally:
        for sock in socks:
            sock.close()
    return 0 if answered == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
