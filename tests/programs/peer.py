#!/usr/bin/env python3
"""A misbehaving peer for the whole-program tests, written from docs/PROTOCOL.md.

  peer.py probe HOST PORT KIND      connect to a console and misbehave; print what happened
                                    ("trickle": HELLO, then a byte every 3 s and never a
                                    whole frame; prints "closed" and the seconds it lasted)
  peer.py rogue-console PORT KIND   accept one speaker, welcome it, send it a bad PAGE,
                                    print every STATUS it sends back (KIND,no-handshake:
                                    without the handshake)
  peer.py record-proxy PORT TARGET_PORT FILE
                                    relay one connection to TARGET_PORT, keeping what the
                                    console sent in FILE
  peer.py replay PORT FILE          accept one connection and play FILE back to it
  peer.py stall-console PORT KIND   accept one speaker and, instead of a handshake, send
                                    KIND: "big-page" (the header of a 60 MiB PAGE, then
                                    bytes of it) or "trickle" (a byte every 2 s); print
                                    each frame type the speaker sends, then "closed" and
                                    the seconds the speaker took to close
  peer.py trickle-console PORT      accept one speaker, welcome it, then send the header
                                    of a 64 MiB PAGE (id 4242) and a byte of it every 3 s,
                                    answering PINGs; print "page header sent", each STATUS,
                                    then "closed" and the seconds since the header (or
                                    "still open" after 40 s)
  peer.py slow-proxy PORT TARGET_PORT BYTES_PER_S
                                    relay one connection, the console's side at most
                                    BYTES_PER_S (a slow link, to watch a page arrive)
  peer.py slowloris PORT N SECONDS  hold N connections to a console that never say hello,
                                    for SECONDS or until SIGTERM: each one the console
                                    closes is re-opened at once, each of ours replaced
                                    after 9 s (before the hello deadline); print how many
                                    were opened and closed
  peer.py reset-flood PORT SECONDS MODE [SOURCE]
                                    connect to a console on 127.0.0.1 from SOURCE
                                    (127.0.0.1 unless given) and reset each connection
                                    at once (SO_LINGER 0), as fast as it can, for
                                    SECONDS: MODE "bare" sends nothing, "hello" runs the
                                    handshake and says HELLO first, "mixed" alternates
                                    them, "keyed" alternates nothing, a HELLO and a
                                    NOISE_1 of random bytes (a peer without the key);
                                    print how many
  peer.py hello PORT NAME [ZONE [SOURCE]]
                                    say HELLO as NAME (ZONE: "" unless given) from SOURCE
                                    (127.0.0.1 unless given) and print "welcome",
                                    "bye REASON" or "closed" (10 s at most: "silent")
"""
import os
import select
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import noise_peer  # noqa: E402  every link of ours runs its handshake first

MAGIC = b"ICOM"
VERSION = 2
HELLO, WELCOME, PAGE, STATUS, PING, PONG, BYE = range(1, 8)
NOISE_1 = 16
STATES = {1: "receiving", 2: "received", 3: "playing", 4: "played", 5: "failed", 6: "muted", 7: "interrupted"}


def frame(ftype, payload, version=VERSION, length=None):
    n = len(payload) if length is None else length
    return MAGIC + struct.pack(">BBHI", version, ftype, 0, n) + payload


def text(s):
    b = s.encode()
    return struct.pack(">H", len(b)) + b


def pong(ping_payload):
    """The answer to a PING: its timestamp, then when it came and when the answer left (µs)."""
    now = int(time.monotonic() * 1e6)
    return frame(PONG, ping_payload[:8] + struct.pack(">QQ", now, now))


def hello(name="probe", zone=""):
    return frame(HELLO, struct.pack(">BI", VERSION, 0) + text(name) + text(zone))


def accept_one(port):
    """Listens on 127.0.0.1:port and returns the first connection (20 s at most)."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    ls.settimeout(20)
    conn, _ = ls.accept()
    ls.close()
    return conn


def read_until_closed(sock, seconds):
    """Reads until the peer closes; returns (closed, bytes read)."""
    sock.settimeout(seconds)
    got = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return True, got
            got += chunk
    except socket.timeout:
        return False, got
    except ConnectionResetError:
        return True, got


def probe(host, port, kind):
    s = socket.create_connection((host, port))
    # Kinds that break the protocol after it starts run the handshake first, as a speaker
    # does; the others misbehave from the first byte.
    if kind not in ("garbage", "oversize", "truncated", "version"):
        s = noise_peer.client(s)
    if kind == "garbage":
        s.sendall(b"GET / HTTP/1.0\r\n\r\n" + bytes(range(256)))
    elif kind == "oversize":
        s.sendall(frame(HELLO, b"", length=0x7FFFFFFF))
    elif kind == "oversize-page":
        s.sendall(hello() + frame(PAGE, b"", length=0x7FFFFFFF))
    elif kind == "truncated":
        s.sendall(frame(HELLO, b"\x01\x00", length=100))
        s.shutdown(socket.SHUT_WR)
    elif kind == "version":
        s.sendall(frame(HELLO, struct.pack(">BI", 99, 0) + text("future") + text(""), version=99))
    elif kind == "bad-name":
        s.sendall(frame(HELLO, struct.pack(">BI", VERSION, 0) + text("evil\x1b[2J") + text("")))
    elif kind == "no-read":
        # Introduces itself, then only talks: a PING a second (so the heartbeat
        # sees it alive), never reading. Prints "dropped" once the console gives up on it.
        s.sendall(hello("no-read"))
        print("joined", flush=True)
        for _ in range(120):
            time.sleep(1)
            try:
                s.sendall(frame(PING, struct.pack(">Q", 1)))
            except OSError:
                print("dropped", flush=True)
                return
        print("still open", flush=True)
        return
    elif kind == "trickle":
        # Introduces itself, then keeps bytes coming, a byte every 3 s, without
        # ever finishing a frame: no sign of life for the console. Reads what the
        # console sends, to see it close.
        s.sendall(hello("trickler"))
        start = time.time()
        closed = trickle(s, frame(PING, struct.pack(">Q", 1)), 1, 3.0, 40, lambda ftype, payload: None)
        print("closed %.1f" % (time.time() - start) if closed else "still open", flush=True)
        return
    elif kind == "unknown-type":
        # A later version's message is skipped; the connection stays up and answers PING.
        s.sendall(hello() + frame(99, b"future stuff") + frame(PING, struct.pack(">Q", 42)))
        s.settimeout(5)
        data = b""
        while PONG not in [data[i + 5] for i in range(0, len(data) - 11) if data[i:i + 4] == MAGIC]:
            chunk = s.recv(65536)
            if not chunk:
                print("closed")
                return
            data += chunk
        print("pong")
        return
    else:
        sys.exit("unknown probe kind " + kind)
    closed, _ = read_until_closed(s, 10)
    print("closed" if closed else "still open")


def bad_wav(kind):
    """A page payload whose WAV is wrong in the way KIND says."""
    samples = struct.pack("<4800h", *([1000, -1000] * 2400))
    fmt = struct.pack("<HHIIHH", 1, 1, 48000, 96000, 2, 16)
    whole = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt \
        + b"data" + struct.pack("<I", len(samples)) + samples
    if kind == "truncated":
        return whole[:len(whole) // 2]
    if kind == "aiff":
        return b"FORM" + struct.pack(">I", 4) + b"AIFF"
    if kind == "adpcm":
        fmt11 = struct.pack("<HHIIHH", 0x11, 1, 48000, 24000, 256, 4)
        return whole[:20] + fmt11 + whole[36:]
    sys.exit("unknown page kind " + kind)


def rogue_console(port, kind):
    """KIND: the bad page (see bad_wav); "NAME,wait-close" also waits for the speaker to hang up;
    "NAME,no-handshake" answers NOISE_1 with WELCOME (a console that proves no key)."""
    kind, _, kind_then = kind.partition(",")
    s = accept_one(port)
    s.settimeout(10)
    buf = b""

    def next_frame():
        nonlocal buf
        while True:
            if len(buf) >= 12:
                (n,) = struct.unpack(">I", buf[8:12])
                if len(buf) >= 12 + n:
                    ftype, payload = buf[5], buf[12:12 + n]
                    buf = buf[12 + n:]
                    return ftype, payload
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return None, None
            buf += chunk

    if kind_then != "no-handshake":
        s = noise_peer.server(s)  # a console of ours in all but its pages
    ftype, _ = next_frame()
    assert ftype in (HELLO, NOISE_1), ftype  # without the handshake: WELCOME to NOISE_1
    s.sendall(frame(WELCOME, struct.pack(">BIII", VERSION, 0, 1, 1000) + text("rogue")))
    wav = bad_wav(kind)
    s.sendall(frame(PAGE, struct.pack(">IQQ", 7, int(time.time() * 1000), 0) + wav))
    deadline = time.time() + 10
    while time.time() < deadline:
        ftype, payload = next_frame()
        if ftype is None:
            print("closed")
            return
        if ftype == PING:
            s.sendall(pong(payload))
        if ftype == STATUS:
            page_id, state, done, total = struct.unpack(">IBQQ", payload[:21])
            (rlen,) = struct.unpack(">H", payload[21:23])
            reason = payload[23:23 + rlen].decode()
            print("status page %d %s %s" % (page_id, STATES.get(state, state), reason), flush=True)
            if state == 4 or (state == 5 and kind_then != "wait-close"):
                return


def record_proxy(port, target_port, path):
    down = accept_one(port)
    up = socket.create_connection(("127.0.0.1", target_port))
    with open(path, "wb") as rec:
        while True:
            ready, _, _ = select.select([down, up], [], [], 30)
            if not ready:
                return
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                (up if s is down else down).sendall(data)
                if s is up:
                    rec.write(data)
                    rec.flush()


def slow_proxy(port, target_port, rate):
    down = accept_one(port)
    up = socket.create_connection(("127.0.0.1", target_port))
    chunk = max(rate // 20, 1)
    while True:
        ready, _, _ = select.select([down, up], [], [], 60)
        if not ready:
            return
        for s in ready:
            data = s.recv(chunk if s is up else 65536)
            if not data:
                return
            (up if s is down else down).sendall(data)
            if s is up:
                time.sleep(len(data) / rate)


def replay(port, path):
    s = accept_one(port)
    s.settimeout(2)
    try:
        s.recv(65536)  # the speaker's AUTH_HELLO, with a nonce the recording never saw
    except socket.timeout:
        pass
    with open(path, "rb") as rec:
        try:
            s.sendall(rec.read())
        except OSError:
            pass
    closed, _ = read_until_closed(s, 10)
    print("closed" if closed else "still open")


def trickle(s, data, step, gap, seconds, on_frame):
    """Sends data, step bytes every gap seconds (gap 0: as fast as it goes), and reads
    the peer's frames meanwhile, each handed to on_frame(type, payload), until the peer
    closes or `seconds` pass. Returns whether it closed."""
    start = time.time()
    sent = 0
    next_send = start
    buf = b""
    s.setblocking(False)
    while time.time() - start < seconds:
        if sent < len(data) and time.time() >= next_send:
            try:
                sent += s.send(data[sent:sent + step])
                next_send = time.time() + gap
            except BlockingIOError:
                pass
            except OSError:
                return True
        wait = max(0.0, next_send - time.time()) if sent < len(data) else 1.0
        r, _, _ = select.select([s], [], [], min(wait, 1.0) if gap else 0.2)
        if not r:
            continue
        try:
            chunk = s.recv(65536)
        except OSError:
            chunk = b""
        if not chunk:
            return True
        buf += chunk
        while len(buf) >= 12 and len(buf) >= 12 + struct.unpack(">I", buf[8:12])[0]:
            n = struct.unpack(">I", buf[8:12])[0]
            on_frame(buf[5], buf[12:12 + n])
            buf = buf[12 + n:]
    return False


def stall_console(port, kind):
    s = accept_one(port)
    start = time.time()
    if kind == "big-page":
        body = struct.pack(">IQQ", 4242, int(time.time() * 1000), 0) + b"RIFF" + b"\0" * 65536
        data = frame(PAGE, b"", length=60 << 20) + body
    elif kind == "trickle":
        data = frame(PAGE, b"", length=1 << 20) + b"\0" * 64
    else:
        sys.exit("unknown stall kind " + kind)
    # trickle: a byte every 2 s, so the 12-byte header alone would take 24 s.
    step = len(data) if kind == "big-page" else 1
    gap = 2.0 if kind == "trickle" else 0.0
    trickle(s, data, step, gap, 30, lambda ftype, payload: print("frame %d" % ftype, flush=True))
    print("closed %.1f" % (time.time() - start), flush=True)


def trickle_console(port):
    """A console that welcomes a speaker, then trickles a page claimed to be 64 MiB."""
    s = noise_peer.server(accept_one(port))
    buf = b""
    while HELLO not in [buf[i + 5] for i in range(0, len(buf) - 11) if buf[i:i + 4] == MAGIC]:
        chunk = s.recv(65536)
        if not chunk:
            print("closed before HELLO", flush=True)
            return
        buf += chunk
    s.sendall(frame(WELCOME, struct.pack(">BIII", VERSION, 0, 1, 1000) + text("trickler")))
    time.sleep(0.5)
    body = struct.pack(">IQQ", 4242, int(time.time() * 1000), 0) + b"RIFF"
    s.sendall(frame(PAGE, body, length=64 << 20))
    start = time.time()
    print("page header sent", flush=True)

    def on_frame(ftype, payload):
        if ftype == PING:
            s.sendall(pong(payload))
        elif ftype == STATUS:
            page_id, state = struct.unpack(">IB", payload[:5])
            (rlen,) = struct.unpack(">H", payload[21:23])
            print("status page %d %s %s" % (page_id, STATES.get(state, state),
                                            payload[23:23 + rlen].decode()), flush=True)

    closed = trickle(s, b"\0" * 20, 1, 3.0, 40, on_frame)
    print("closed %.1f" % (time.time() - start) if closed else "still open", flush=True)


def slowloris(port, count, seconds):
    # Opened and renewed staggered, one at a time: a steady stream, never one burst.
    lifetime = 9.0
    start = time.time()
    socks = {}  # socket -> when it was opened
    opened = closed_by_console = renewed = failed = 0
    most_open = 0
    stopped = []
    signal.signal(signal.SIGTERM, lambda *_: stopped.append(True))
    while time.time() - start < seconds and not stopped:
        now = time.time()
        # The first COUNT spread over a second, so their renewals are spread too.
        wanted = min(count, int(count * (now - start)) + 1)
        while len(socks) < wanted:
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=1)
            except OSError:
                failed += 1  # a console restarting: try again shortly
                time.sleep(0.05)
                break
            socks[s] = time.time()
            opened += 1
        most_open = max(most_open, len(socks))
        ready, _, _ = select.select(list(socks), [], [], 0.05)
        for s in ready:
            try:
                gone = s.recv(4096) == b""
            except OSError:
                gone = True
            if gone:
                closed_by_console += 1
                del socks[s]
                s.close()
        for s, opened_at in list(socks.items()):
            if time.time() - opened_at >= lifetime:
                renewed += 1
                del socks[s]
                s.close()
    print("opened %d closed by console %d renewed %d failed %d most open %d"
          % (opened, closed_by_console, renewed, failed, most_open), flush=True)


def reset_flood(port, seconds, mode, source):
    kinds = {"bare": ["bare"], "hello": ["hello"], "mixed": ["bare", "hello"],
             "keyed": ["bare", "hello", "auth"]}[mode]
    linger = struct.pack("ii", 1, 0)  # close() then sends RST: no TIME_WAIT, no FIN
    counts = {k: 0 for k in kinds}
    failed = 0
    start = time.time()
    i = 0
    while time.time() - start < seconds:
        kind = kinds[i % len(kinds)]
        i += 1
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            # A SYN the full backlog dropped is sent again only after 1 s: move on instead.
            s.settimeout(0.1)
            s.bind((source, 0))
            s.connect(("127.0.0.1", port))
            if kind == "hello":
                # Joins (the handshake, HELLO, its WELCOME read), then the reset: a speaker
                # that leaves at once.
                s.settimeout(2)
                ss = noise_peer.client(s)
                ss.sendall(hello("flood"))
                ss.recv(65536)
            elif kind == "auth":
                s.sendall(frame(NOISE_1, os.urandom(48)))
            counts[kind] += 1
        except OSError:
            failed += 1  # the backlog is full, or the console closed it first
        finally:
            s.close()
    print(" ".join("%s %d" % kv for kv in counts.items()) + " failed %d" % failed, flush=True)


def hello_as(port, name, zone, source):
    s = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
    s.settimeout(10)
    try:
        s = noise_peer.client(s)
    except noise_peer.Refused as bye:
        print("bye %s" % bye, flush=True)
        return
    except (ConnectionError, OSError):
        print("closed", flush=True)
        return
    s.sendall(hello(name, zone))
    buf = b""
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            print("silent", flush=True)
            return
        except OSError:
            chunk = b""
        if not chunk:
            print("closed", flush=True)
            return
        buf += chunk
        while len(buf) >= 12 and len(buf) >= 12 + struct.unpack(">I", buf[8:12])[0]:
            n = struct.unpack(">I", buf[8:12])[0]
            ftype, payload = buf[5], buf[12:12 + n]
            buf = buf[12 + n:]
            if ftype == WELCOME:
                print("welcome", flush=True)
                return
            if ftype == BYE:
                (rlen,) = struct.unpack(">H", payload[:2])
                print("bye " + payload[2:2 + rlen].decode(errors="replace"), flush=True)
                return


if __name__ == "__main__":
    if sys.argv[1] == "probe":
        probe(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "rogue-console":
        rogue_console(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "record-proxy":
        record_proxy(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "slow-proxy":
        slow_proxy(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "stall-console":
        stall_console(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "trickle-console":
        trickle_console(int(sys.argv[2]))
    elif sys.argv[1] == "replay":
        replay(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "slowloris":
        slowloris(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    elif sys.argv[1] == "reset-flood":
        reset_flood(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4],
                    sys.argv[5] if len(sys.argv) > 5 else "127.0.0.1")
    elif sys.argv[1] == "hello":
        hello_as(int(sys.argv[2]), sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "",
                 sys.argv[5] if len(sys.argv) > 5 else "127.0.0.1")
    else:
        sys.exit(__doc__)
