#!/usr/bin/env python3
"""Raw TCP transfer through a network rig: the rig's proof (tests/lib/netns.sh).

  netxfer.py recv HOST PORT FLOWS    accept FLOWS connections, read each to EOF;
                                     prints "ready" once listening, then
                                     "xfer BYTES SECONDS MBITPS" (first accept to
                                     the last EOF) and exits
  netxfer.py send HOST PORT FLOWS BYTES   FLOWS connections at once, BYTES each

No audio, no protocol: what the link itself gives one or many TCP flows. Every
loop is bounded: the receiver gives up after --timeout seconds (60).
"""
import argparse
import selectors
import socket
import sys
import time


def recv(a):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((a.host, a.port))
    srv.listen(max(a.flows, 16))
    srv.setblocking(False)
    print("ready", flush=True)
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ, None)
    total = accepted = done = 0
    first = last = None
    deadline = time.monotonic() + a.timeout
    while done < a.flows:
        left = deadline - time.monotonic()
        if left <= 0:
            sys.exit("netxfer.py recv: %d of %d flows done after %g s" % (done, a.flows, a.timeout))
        for key, _ in sel.select(min(left, 1.0)):
            if key.data is None:
                c, _ = srv.accept()
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ, "c")
                accepted += 1
                if first is None:
                    first = time.monotonic()
                continue
            data = key.fileobj.recv(1 << 20)
            if data:
                total += len(data)
                continue
            sel.unregister(key.fileobj)
            key.fileobj.close()
            done += 1
            last = time.monotonic()
    secs = last - first
    print("xfer %d %.6f %.3f" % (total, secs, total * 8 / secs / 1e6), flush=True)


def send(a):
    chunk = b"\x55" * (1 << 16)
    socks = []
    for _ in range(a.flows):
        s = socket.create_connection((a.host, a.port), timeout=a.timeout)
        socks.append(s)
    sel = selectors.DefaultSelector()
    left = {}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_WRITE)
        left[s] = a.bytes
    deadline = time.monotonic() + a.timeout
    while left:
        if time.monotonic() > deadline:
            sys.exit("netxfer.py send: not sent after %g s" % a.timeout)
        for key, _ in sel.select(1.0):
            s = key.fileobj
            try:
                n = s.send(chunk[: min(len(chunk), left[s])])
            except BlockingIOError:
                continue
            left[s] -= n
            if left[s] == 0:
                sel.unregister(s)
                s.shutdown(socket.SHUT_WR)
                del left[s]
    for s in socks:
        s.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--timeout", type=float, default=60.0)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("recv")
    s = sub.add_parser("send")
    for q in (r, s):
        q.add_argument("host")
        q.add_argument("port", type=int)
        q.add_argument("flows", type=int)
    s.add_argument("bytes", type=int)
    a = p.parse_args()
    {"recv": recv, "send": send}[a.cmd](a)


if __name__ == "__main__":
    main()
