#!/usr/bin/env python3
"""A terminal for tests, written from the kitty keyboard protocol's description
(https://sw.kovidgoyal.net/kitty/keyboard-protocol/), not from our C code.

Runs CMD on a pseudo-terminal of COLS x ROWS and answers the probe a program
sends to find the protocol, as the terminal named by --answer would:

  kitty  CSI ? u  -> CSI ? 0 u  (the flags in force: none yet), and DA1 (CSI c)
                     -> CSI ? 62 ; 22 c, in the order asked
  da1    only DA1 is answered: a terminal without the protocol (tmux, xterm, ...)
  none   nothing is answered

Everything the program writes is appended to OUT as it comes (raw bytes), so a
test can wait for a sequence (grep -aF). Lines written to the fifo CONTROL are
orders:

  send TEXT     TEXT, with Python escapes (\\x1b[32u), typed at the program
  quit          stop reading orders (the program is left to end by itself)

When the program ends its exit status goes to STATUS ("exit=N", or
"signal=N") and this script exits 0.

usage: kitty_term.py --answer kitty|da1|none --out OUT --control CONTROL
                     --status STATUS [--cols 100] [--rows 30] -- CMD...
"""
import argparse
import fcntl
import os
import select
import struct
import subprocess
import sys
import termios

PROBE_FLAGS = b"\x1b[?u"
PROBE_DA1 = b"\x1b[c"
REPLY_FLAGS = b"\x1b[?0u"
REPLY_DA1 = b"\x1b[?62;22c"


def answers(pending, answer):
    """The replies owed for the queries in pending, in order; and what to keep for a split query."""
    out = b""
    while True:
        f = pending.find(PROBE_FLAGS)
        d = pending.find(PROBE_DA1)
        hits = [(i, q) for i, q in ((f, PROBE_FLAGS), (d, PROBE_DA1)) if i >= 0]
        if not hits:
            break
        i, q = min(hits)
        if q == PROBE_FLAGS and answer == "kitty":
            out += REPLY_FLAGS
        elif q == PROBE_DA1 and answer in ("kitty", "da1"):
            out += REPLY_DA1
        pending = pending[i + len(q):]
    # A query may be cut across two reads: keep the tail that could begin one.
    return out, pending[-4:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--answer", choices=["kitty", "da1", "none"], required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--control", required=True)
    ap.add_argument("--status", required=True)
    ap.add_argument("--cols", type=int, default=100)
    ap.add_argument("--rows", type=int, default=30)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", a.rows, a.cols, 0, 0))
    env = dict(os.environ, TERM=os.environ.get("KITTY_TERM_TERM", "xterm-256color"))

    def child_setup():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=subprocess.DEVNULL,
                            env=env, preexec_fn=child_setup, close_fds=True)
    os.close(slave)
    # O_RDWR: the fifo never reads as ended while nobody has it open for writing.
    ctl = os.open(a.control, os.O_RDWR | os.O_NONBLOCK)
    out = open(a.out, "ab", buffering=0)
    pending = b""
    ctl_buf = b""
    reading_orders = True
    while True:
        fds = [master] + ([ctl] if reading_orders else [])
        r, _, _ = select.select(fds, [], [], 0.2)
        if master in r:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                break
            out.write(data)
            reply, pending = answers(pending + data, a.answer)
            if reply:
                os.write(master, reply)
        if ctl in r:
            ctl_buf += os.read(ctl, 4096)
            while b"\n" in ctl_buf:
                line, ctl_buf = ctl_buf.split(b"\n", 1)
                order, _, arg = line.decode().partition(" ")
                if order == "send":
                    os.write(master, arg.encode("latin-1").decode("unicode_escape").encode("latin-1"))
                elif order == "quit":
                    reading_orders = False
        if proc.poll() is not None:
            # Drain what is left, then stop.
            try:
                while select.select([master], [], [], 0.1)[0]:
                    data = os.read(master, 65536)
                    if not data:
                        break
                    out.write(data)
            except OSError:
                pass
            break
    rc = proc.wait()
    with open(a.status, "w") as f:
        f.write("exit=%d\n" % rc if rc >= 0 else "signal=%d\n" % -rc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
