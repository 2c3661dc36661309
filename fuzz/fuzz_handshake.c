/*
 * libFuzzer target: the handshake every link runs (auth.h over noise.h),
 * the first bytes a console or a speaker takes from anyone on the network.
 * Keys are fixed (static and ephemeral), so every input replays the same.
 *
 * Input: byte 0 picks the case (bit 0: a pre-shared key on both sides; bits
 * 1-2: which), the rest is the fuzzer's bytes.
 *   case 0: the console reads the rest as NOISE_1 then (if it answered) the
 *           same bytes again as NOISE_3 — a peer that is no speaker;
 *   case 1: the speaker, having sent NOISE_1, reads the rest as NOISE_2 — a
 *           peer that is no console;
 *   case 2, 3: a genuine speaker and console, with the rest XORed into
 *           message 1, 2 or 3 (byte 1 says which, the rest is the mask).
 *
 * Invariants (any failure aborts):
 *  - no step reads or writes out of bounds (ASan), every answer is one the
 *    header lists, every frame written fits its buffer and has its type;
 *  - a forged NOISE_2 or NOISE_3 never completes a handshake (cases 0, 1);
 *  - the handshake completes, with the same keys on both sides and each side
 *    holding the other's static key, if and only if no byte of any message
 *    was changed (cases 2, 3): a man on the wire can change nothing.
 */
#include "intercom/net/auth.h"
#include "intercom/net/noise.h"
#include "intercom/net/proto.h"

#include "fuzz_common.h"

#include <sodium.h>
#include <stdbool.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fixed(uint8_t *out, uint8_t seed)
{
	for (int i = 0; i < 32; i++)
		out[i] = (uint8_t)(seed * 31 + i * 7 + 1);
}

/* A session with fixed keys: the static from seed, the ephemeral from seed + 1. */
static void session(struct auth_session *s, enum auth_role role, uint8_t seed, const struct auth_key *psk)
{
	struct identity id;
	fixed(id.sk, seed);
	crypto_scalarmult_base(id.pk, id.sk);
	auth_session_init(s, role, &id, psk);
	uint8_t e[32];
	fixed(e, (uint8_t)(seed + 1));
	noise_set_ephemeral(&s->noise, e);
}

/* A frame written by the handshake: its header says its type and the rest of its bytes. */
static void check_frame(const uint8_t *frame, size_t n, uint8_t type)
{
	struct proto_header h;
	FUZZ_CHECK(n >= PROTO_HEADER_SIZE && n <= AUTH_FRAME_MAX);
	FUZZ_CHECK(proto_header_decode(frame, &h) == PROTO_OK);
	FUZZ_CHECK(h.type == type && h.length == n - PROTO_HEADER_SIZE);
}

static void forged(const uint8_t *data, size_t size, const struct auth_key *psk, bool console)
{
	uint8_t out[AUTH_FRAME_MAX];
	size_t n;
	struct auth_session s;
	if (console) {
		session(&s, AUTH_CONSOLE, 10, psk);
		enum auth_reply r = auth_console_reply(&s, data, size, out, sizeof out, &n);
		FUZZ_CHECK(r == AUTH_REPLY_OK || r == AUTH_REPLY_PEER_KEYED || r == AUTH_REPLY_PEER_UNKEYED ||
		           r == AUTH_REPLY_BAD);
		FUZZ_CHECK((r == AUTH_REPLY_OK) == (n > 0));
		if (r == AUTH_REPLY_OK) {
			check_frame(out, n, PROTO_NOISE_2);
			FUZZ_CHECK(auth_console_finish(&s, data, size) == -1 && !s.done);
		}
	} else {
		session(&s, AUTH_SPEAKER, 20, psk);
		n = auth_speaker_hello(&s, out, sizeof out);
		check_frame(out, n, PROTO_NOISE_1);
		FUZZ_CHECK(auth_speaker_check(&s, data, size) == -1);
		FUZZ_CHECK(auth_speaker_done(&s, out, sizeof out) == 0 && !s.done);
	}
	auth_session_wipe(&s);
}

/* A genuine handshake with mask XORed into message `which` (0..2). */
static void tampered(const uint8_t *mask, size_t mlen, unsigned which, const struct auth_key *psk)
{
	struct auth_session spk, con;
	session(&spk, AUTH_SPEAKER, 20, psk);
	session(&con, AUTH_CONSOLE, 10, psk);
	uint8_t m[3][AUTH_FRAME_MAX];
	size_t len[3];
	bool changed = false;
	bool ok = true;
	for (unsigned k = 0; k < 3 && ok; k++) {
		if (k == 0)
			len[k] = auth_speaker_hello(&spk, m[k], sizeof m[k]);
		else if (k == 1)
			ok = auth_console_reply(&con, m[0] + PROTO_HEADER_SIZE, len[0] - PROTO_HEADER_SIZE, m[k],
			                        sizeof m[k], &len[k]) == AUTH_REPLY_OK;
		else
			ok = auth_speaker_check(&spk, m[1] + PROTO_HEADER_SIZE, len[1] - PROTO_HEADER_SIZE) == 0 &&
			     (len[k] = auth_speaker_done(&spk, m[k], sizeof m[k])) > 0;
		if (!ok)
			break;
		check_frame(m[k], len[k], (uint8_t)(PROTO_NOISE_1 + k));
		if (k == which)
			for (size_t i = 0; i < mlen && PROTO_HEADER_SIZE + i < len[k]; i++) {
				m[k][PROTO_HEADER_SIZE + i] ^= mask[i];
				changed |= mask[i] != 0;
			}
	}
	if (ok)
		ok = auth_console_finish(&con, m[2] + PROTO_HEADER_SIZE, len[2] - PROTO_HEADER_SIZE) == 0;
	FUZZ_CHECK(ok == !changed);
	if (ok) {
		FUZZ_CHECK(spk.done && con.done);
		FUZZ_CHECK(memcmp(spk.tx_key, con.rx_key, sizeof spk.tx_key) == 0);
		FUZZ_CHECK(memcmp(spk.rx_key, con.tx_key, sizeof spk.rx_key) == 0);
		uint8_t sk[32], pk[32];
		fixed(sk, 10);
		crypto_scalarmult_base(pk, sk);
		FUZZ_CHECK(memcmp(spk.peer, pk, 32) == 0);
		fixed(sk, 20);
		crypto_scalarmult_base(pk, sk);
		FUZZ_CHECK(memcmp(con.peer, pk, 32) == 0);
	}
	auth_session_wipe(&spk);
	auth_session_wipe(&con);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	static bool ready;
	if (!ready) {
		FUZZ_CHECK(auth_init() == 0);
		ready = true;
	}
	struct auth_key key;
	fixed(key.bytes, 99);
	const struct auth_key *psk = data[0] & 1 ? &key : NULL;
	unsigned which = (data[0] >> 1) & 3;
	data++, size--;
	if (which == 0)
		forged(data, size, psk, true);
	else if (which == 1)
		forged(data, size, psk, false);
	else if (size >= 1)
		tampered(data + 1, size - 1, data[0] % 3, psk);
	return 0;
}
