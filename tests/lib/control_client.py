#!/usr/bin/env python3
"""Misbehaving clients of the console's control socket (docs/PROTOCOL.md,
"The control socket"), for tests/programs/test_ctl.sh:

  control_client.py SOCKET silent      connects, says nothing, waits for the console's word
  control_client.py SOCKET mega N      sends N MB of random bytes, the first a NUL
  control_client.py SOCKET megaline N  sends N MB of one line of text without a newline
  control_client.py SOCKET megalines N sends N MB of text lines, never reading an answer

Prints the elapsed seconds and the first line the console sent back
("refused 1 | why"), or "closed" if it sent nothing.
"""
import os
import socket
import sys
import time

path, mode = sys.argv[1], sys.argv[2]
mb = int(sys.argv[3]) if len(sys.argv) > 3 else 0
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
start = time.time()
try:
    if mode == "mega":
        # Led by a NUL: random bytes alone begin with a printable line now and then
        # ("Q\n", one run in a few hundred), which is a command, not garbage.
        s.sendall(b"\0" + os.urandom((mb << 20) - 1))
    elif mode == "megaline":
        s.sendall(b"x" * (mb << 20))
    elif mode == "megalines":
        s.settimeout(30)
        s.sendall(b"list\n" * ((mb << 20) // 5))
except OSError:
    pass  # the console closed on it: its reason is still there to read
s.settimeout(30)
data = b""
try:
    while b"\n" not in data.split(b"\n", 1)[-1] and len(data) < 4096:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except OSError:
    pass
lines = data.decode(errors="replace").split("\n")
print("%.1f %s" % (time.time() - start, " | ".join(lines[:2]) if data else "closed"))
