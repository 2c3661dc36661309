#!/usr/bin/env python3
"""An old-style (Python intercom) peer for the whole-program tests, written from
issue 8's description of the original wire format: a bare RIFF/WAVE file on a
TCP connection, ended by closing it. No framing, no status, no heartbeat.

  legacy_peer.py client HOST PORT OUTFILE
        connect, read 16 bytes at a time until the server closes, write what
        came to OUTFILE (the original client then played it as a WAV)
  legacy_peer.py stalled-client HOST PORT SECONDS
        connect and never read (a hung old client), for SECONDS
  legacy_peer.py server PORT WAVFILE [--truncate] [--count N]
        accept one client, send WAVFILE with a single send() call (as the
        original did, so a large file may be cut short), close; then the next
        client, N times (default 1). --truncate sends the first half only.
  legacy_peer.py wav IN OUT
        rewrite the WAV file IN with Python's wave module, as the original
        server wrote its recordings
"""
import socket
import sys
import time
import wave


def client(host, port, outfile):
    s = socket.create_connection((host, port))
    data = bytearray()  # bytes += would copy the whole page at every 16 bytes
    while True:
        chunk = s.recv(16)
        if not chunk:
            break
        data += chunk
    s.close()
    with open(outfile, "wb") as f:
        f.write(data)
    print("received %d bytes" % len(data), flush=True)


def stalled_client(host, port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A small receive window, so the console's writes block soon.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((host, port))
    print("connected", flush=True)
    time.sleep(seconds)
    s.close()


def server(port, wavfile, truncate, count):
    with open(wavfile, "rb") as f:
        data = f.read()
    if truncate:
        data = data[: len(data) // 2]
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    ls.settimeout(30)
    print("listening", flush=True)
    for _ in range(count):
        s, _ = ls.accept()
        sent = s.send(data)
        print("sent %d of %d bytes" % (sent, len(data)), flush=True)
        s.close()
    ls.close()


def rewrite(src, dst):
    with wave.open(src, "rb") as r:
        params = r.getparams()
        frames = r.readframes(r.getnframes())
    with wave.open(dst, "wb") as w:
        w.setnchannels(params.nchannels)
        w.setsampwidth(params.sampwidth)
        w.setframerate(params.framerate)
        w.writeframes(frames)


def main(argv):
    if len(argv) >= 5 and argv[1] == "client":
        client(argv[2], int(argv[3]), argv[4])
    elif len(argv) >= 5 and argv[1] == "stalled-client":
        stalled_client(argv[2], int(argv[3]), float(argv[4]))
    elif len(argv) >= 4 and argv[1] == "server":
        rest = argv[4:]
        count = 1
        if "--count" in rest:
            count = int(rest[rest.index("--count") + 1])
        server(int(argv[2]), argv[3], "--truncate" in rest, count)
    elif len(argv) == 4 and argv[1] == "wav":
        rewrite(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
