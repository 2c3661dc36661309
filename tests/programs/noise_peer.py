"""The handshake every intercom link runs, and its sealed records, for the test peers.

Written from docs/PROTOCOL.md and docs/SECURITY.md, independently of the C code:
Noise_XX_25519_ChaChaPoly_BLAKE2b (Noise_XXpsk3_... with a pre-shared key), prologue
"intercom protocol 2", frames NOISE_1/2/3 (types 16-18), then every byte of each
direction in SEALED frames (type 19) of libsodium secretstream records keyed by the
handshake's Split. X25519, ChaChaPoly and secretstream come from libsodium through
ctypes; BLAKE2b and HMAC from Python's hashlib.

  client(sock, psk=None) -> SealedSocket     the speaker's side (initiator)
  server(sock, psk=None) -> SealedSocket     the console's side (responder)
"""
import ctypes
import ctypes.util
import hashlib
import hmac
import os
import socket
import struct

_lib = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
if _lib.sodium_init() < 0:
    raise RuntimeError("libsodium unusable")

MAGIC = b"ICOM"
VERSION = 2
NOISE_1, NOISE_2, NOISE_3, SEALED = 16, 17, 18, 19
PROLOGUE = b"intercom protocol 2"
RECORD_MAX = 16384
SS_HEADER = 24
SS_ABYTES = 17
_STATE = _lib.crypto_secretstream_xchacha20poly1305_statebytes()


def _frame(ftype, payload):
    return MAGIC + struct.pack(">BBHI", VERSION, ftype, 0, len(payload)) + payload


def _recv_exact(sock, n):
    got = b""
    while len(got) < n:
        chunk = sock.recv(n - len(got))
        if not chunk:
            raise ConnectionError("closed")
        got += chunk
    return got


def read_frame(sock):
    """One frame off a plain socket: (type, payload)."""
    head = _recv_exact(sock, 12)
    if head[:4] != MAGIC:
        raise ConnectionError("not our protocol")
    _, ftype, _, length = struct.unpack(">BBHI", head[4:])
    return ftype, _recv_exact(sock, length)


def keypair(secret=None):
    sk = secret if secret is not None else os.urandom(32)
    pk = ctypes.create_string_buffer(32)
    _lib.crypto_scalarmult_base(pk, sk)
    return sk, pk.raw


def _dh(sk, pk):
    out = ctypes.create_string_buffer(32)
    if _lib.crypto_scalarmult(out, sk, pk) != 0:
        raise ValueError("refused public key")
    return out.raw


def _hash(data):
    return hashlib.blake2b(data, digest_size=64).digest()


def _hkdf(ck, ikm, n):
    temp = hmac.new(ck, ikm, hashlib.blake2b).digest()
    outs, prev = [], b""
    for i in range(1, n + 1):
        prev = hmac.new(temp, prev + bytes([i]), hashlib.blake2b).digest()
        outs.append(prev)
    return outs


class _Handshake:
    def __init__(self, initiator, static_sk, psk):
        self.initiator = initiator
        self.psk = psk
        name = b"Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b" if psk else b"Noise_XX_25519_ChaChaPoly_BLAKE2b"
        self.h = name.ljust(64, b"\0")
        self.ck = self.h
        self.k = None
        self.n = 0
        self.mix_hash(PROLOGUE)
        self.s, self.s_pub = keypair(static_sk)
        self.e = self.e_pub = self.re = self.rs = None

    def mix_hash(self, data):
        self.h = _hash(self.h + data)

    def mix_key(self, ikm):
        self.ck, k = _hkdf(self.ck, ikm, 2)
        self.k, self.n = k[:32], 0

    def mix_key_and_hash(self, ikm):
        self.ck, th, k = _hkdf(self.ck, ikm, 3)
        self.mix_hash(th)
        self.k, self.n = k[:32], 0

    def _nonce(self):
        return b"\0" * 4 + struct.pack("<Q", self.n)

    def encrypt_and_hash(self, pt):
        if self.k is None:
            self.mix_hash(pt)
            return pt
        ct = ctypes.create_string_buffer(len(pt) + 16)
        clen = ctypes.c_ulonglong()
        _lib.crypto_aead_chacha20poly1305_ietf_encrypt(ct, ctypes.byref(clen), pt, ctypes.c_ulonglong(len(pt)),
                                                       self.h, ctypes.c_ulonglong(64), None, self._nonce(), self.k)
        self.n += 1
        self.mix_hash(ct.raw)
        return ct.raw

    def decrypt_and_hash(self, ct):
        if self.k is None:
            self.mix_hash(ct)
            return ct
        pt = ctypes.create_string_buffer(max(len(ct) - 16, 1))
        plen = ctypes.c_ulonglong()
        if len(ct) < 16 or _lib.crypto_aead_chacha20poly1305_ietf_decrypt(
                pt, ctypes.byref(plen), None, ct, ctypes.c_ulonglong(len(ct)), self.h, ctypes.c_ulonglong(64),
                self._nonce(), self.k) != 0:
            raise ValueError("decryption failed")
        self.n += 1
        self.mix_hash(ct)
        return pt.raw[:plen.value]

    def write_e(self):
        self.e, self.e_pub = keypair()
        self.mix_hash(self.e_pub)
        if self.psk:
            self.mix_key(self.e_pub)
        return self.e_pub

    def read_e(self, data):
        self.re = data[:32]
        self.mix_hash(self.re)
        if self.psk:
            self.mix_key(self.re)
        return data[32:]

    def split(self):
        k1, k2 = _hkdf(self.ck, b"", 2)
        k1, k2 = k1[:32], k2[:32]
        return (k1, k2) if self.initiator else (k2, k1)


class Refused(ConnectionError):
    """The other side said BYE during the handshake (its reason is the message)."""


def _expect(sock, want):
    ftype, payload = read_frame(sock)
    if ftype == 7:  # BYE
        (rlen,) = struct.unpack(">H", payload[:2])
        raise Refused(payload[2:2 + rlen].decode(errors="replace"))
    if ftype != want:
        raise ConnectionError("expected frame type %d, got %d" % (want, ftype))
    return payload


class SealedSocket:
    """A socket whose bytes travel in SEALED records: sendall/recv see the plain frame stream."""

    def __init__(self, sock, tx_key, rx_key, peer_static):
        self.sock = sock
        self.peer_static = peer_static
        self._tx = ctypes.create_string_buffer(_STATE)
        self._rx = ctypes.create_string_buffer(_STATE)
        self._tx_key, self._rx_key = tx_key, rx_key
        self._tx_started = self._rx_started = False
        self._plain = b""
        self._raw = b""
        self._eof = False

    def sendall(self, data):
        for at in range(0, len(data), RECORD_MAX):
            self.sock.sendall(self.seal(data[at:at + RECORD_MAX]))

    def send(self, data):
        """Seals and sends all of data (a record may not leave half-way): its length."""
        self.sendall(data)
        return len(data)

    def seal(self, chunk):
        """One SEALED frame holding chunk."""
        head = b""
        if not self._tx_started:
            h = ctypes.create_string_buffer(SS_HEADER)
            _lib.crypto_secretstream_xchacha20poly1305_init_push(self._tx, h, self._tx_key)
            head, self._tx_started = h.raw, True
        ct = ctypes.create_string_buffer(len(chunk) + SS_ABYTES)
        clen = ctypes.c_ulonglong()
        _lib.crypto_secretstream_xchacha20poly1305_push(self._tx, ct, ctypes.byref(clen), chunk,
                                                        ctypes.c_ulonglong(len(chunk)), None,
                                                        ctypes.c_ulonglong(0), ctypes.c_ubyte(0))
        return _frame(SEALED, head + ct.raw)

    def _open(self, payload):
        if not self._rx_started:
            if _lib.crypto_secretstream_xchacha20poly1305_init_pull(self._rx, payload[:SS_HEADER], self._rx_key) != 0:
                raise ConnectionError("bad stream header")
            payload, self._rx_started = payload[SS_HEADER:], True
        pt = ctypes.create_string_buffer(max(len(payload) - SS_ABYTES, 1))
        plen = ctypes.c_ulonglong()
        tag = ctypes.c_ubyte()
        if _lib.crypto_secretstream_xchacha20poly1305_pull(self._rx, pt, ctypes.byref(plen), ctypes.byref(tag),
                                                           payload, ctypes.c_ulonglong(len(payload)), None,
                                                           ctypes.c_ulonglong(0)) != 0:
            raise ConnectionError("a record failed authentication")
        return pt.raw[:plen.value]

    def _pump(self):
        """Reads what the socket has (raising as its recv does) and opens every whole record."""
        chunk = self.sock.recv(65536)
        if not chunk:
            self._eof = True
            return
        self._raw += chunk
        while len(self._raw) >= 12:
            (length,) = struct.unpack(">I", self._raw[8:12])
            if len(self._raw) < 12 + length:
                break
            ftype, payload = self._raw[5], self._raw[12:12 + length]
            self._raw = self._raw[12 + length:]
            if ftype != SEALED:
                raise ConnectionError("a frame of type %d on a sealed link" % ftype)
            self._plain += self._open(payload)

    def recv(self, n):
        """Up to n plain bytes; b"" when the peer closed (between records)."""
        while not self._plain:
            if self._eof:
                return b""
            self._pump()
        out, self._plain = self._plain[:n], self._plain[n:]
        return out

    def pending(self):
        return len(self._plain)

    def __getattr__(self, name):
        return getattr(self.sock, name)


def _nodelay(sock):
    """As our programs do: NOISE_3 and the first record leave at once, not after an ACK."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass


def client(sock, psk=None, static_sk=None):
    """The speaker's side: NOISE_1, NOISE_2 read, NOISE_3; returns the sealed socket."""
    _nodelay(sock)
    hs = _Handshake(True, static_sk, psk)
    msg = hs.write_e()
    msg += hs.encrypt_and_hash(b"")
    sock.sendall(_frame(NOISE_1, msg))
    payload = _expect(sock, NOISE_2)
    rest = hs.read_e(payload)
    hs.mix_key(_dh(hs.e, hs.re))
    hs.rs = hs.decrypt_and_hash(rest[:48])
    hs.mix_key(_dh(hs.e, hs.rs))
    hs.decrypt_and_hash(rest[48:])
    msg = hs.encrypt_and_hash(hs.s_pub)
    hs.mix_key(_dh(hs.s, hs.re))
    if psk:
        hs.mix_key_and_hash(psk)
    msg += hs.encrypt_and_hash(b"")
    sock.sendall(_frame(NOISE_3, msg))
    tx, rx = hs.split()
    return SealedSocket(sock, tx, rx, hs.rs)


def server(sock, psk=None, static_sk=None):
    """The console's side: NOISE_1 read, NOISE_2, NOISE_3 read; returns the sealed socket."""
    _nodelay(sock)
    hs = _Handshake(False, static_sk, psk)
    payload = _expect(sock, NOISE_1)
    rest = hs.read_e(payload)
    hs.decrypt_and_hash(rest)
    msg = hs.write_e()
    hs.mix_key(_dh(hs.e, hs.re))
    msg += hs.encrypt_and_hash(hs.s_pub)
    hs.mix_key(_dh(hs.s, hs.re))
    msg += hs.encrypt_and_hash(b"")
    sock.sendall(_frame(NOISE_2, msg))
    payload = _expect(sock, NOISE_3)
    hs.rs = hs.decrypt_and_hash(payload[:48])
    hs.mix_key(_dh(hs.e, hs.rs))
    if psk:
        hs.mix_key_and_hash(psk)
    hs.decrypt_and_hash(payload[48:])
    tx, rx = hs.split()
    return SealedSocket(sock, tx, rx, hs.rs)
