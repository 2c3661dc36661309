/*
 * Unit tests of the Noise handshake (noise): the cacophony known-answer
 * vectors for Noise_XX_25519_ChaChaPoly_BLAKE2b and
 * Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b (handshake messages, handshake hash
 * and the transport keys of Split), then a two-party round trip with random
 * keys, tampering, replay, a wrong pre-shared key, a mismatched pattern and
 * refused public keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "intercom/net/noise.h"

/* One vector of the cacophony suite (github.com/haskell-cryptography/cacophony, vectors/cacophony.txt). */
struct vector {
	const char *prologue, *init_static, *init_ephemeral, *resp_static, *resp_ephemeral;
	const char *hash, *psk;
	struct {
		const char *payload, *ciphertext;
	} msgs[6];
};

static const struct vector xx = {
	.prologue = "4a6f686e2047616c74",
	.init_static = "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1",
	.init_ephemeral = "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a",
	.resp_static = "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893",
	.resp_ephemeral = "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b",
	.hash = "8cf47d7b3cb5804c0109d48e8bcdbee2cbb65687d8ea2c92994ca361fb86151ad93627b98936cbb32de56e8abb21def3925011ac3e35db9cbeea73ab9a4392c2",
	.msgs = {
		{ "4c756477696720766f6e204d69736573", "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573" },
		{ "4d757272617920526f746862617264", "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f1448088430505b6745ce64a5f33f0e8e3b83f11ce8802bca507f4f2d8b564dbe277e1966116e132faa2dfd70b8b077b9f94b913df5056ae1319469b824a98d54bbaa82c325595587064f978c4b6d104f7596e6f" },
		{ "462e20412e20486179656b", "99579e1c1ee15e422a57ddd6b16d37087b17558e8369c18991b4b2ca3a824abf904cdcf5458b5431a75af034ca9e9b982de039eaaf156775e2d580cd4e5ebae89c3f8cb2594b556d8a8169" },
		{ "4361726c204d656e676572", "fc56eea290b3f3a21aac0c70cd5787b5ee99be37d2f4d751329b55" },
		{ "4a65616e2d426170746973746520536179", "bb31c9da10d5639a4cdb88a12f5c61de41bbc7df09bf75d94f8184fe4157f5c68f" },
		{ "457567656e2042f6686d20766f6e2042617765726b", "f6199cadb152fb27f82be0a0891ec76a33598ae92a46cab2fb5a8ed5bf48b7f267f8370af7" },
	},
};

static const struct vector xxpsk3 = {
	.prologue = "4a6f686e2047616c74",
	.init_static = "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1",
	.init_ephemeral = "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a",
	.resp_static = "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893",
	.resp_ephemeral = "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b",
	.hash = "46b5997dfa51492ae9be5b611748455e83aebdbc2ea3c47d264ec6dd408cc076e962ff056890c60398fe3e7a430bbe057f34383a84df9ff99391266dcfd638b0",
	.psk = "54686973206973206d7920417573747269616e20706572737065637469766521",
	.msgs = {
		{ "4c756477696720766f6e204d69736573", "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79440aa831d1e3bbd16bd7ffda87e9f7b6eeca2510006499a573ac27af3392ed1b69" },
		{ "4d757272617920526f746862617264", "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381a78489d56c9e2ac962826f25684980b25244dbfd505b7d903a94d4f4fd84004a1c7fbe94d686bc4c1f67259364f6f2a41cb40bf5198b9b3975be2cdd49d3e065a554e12c477d82029fabc6555bc1" },
		{ "462e20412e20486179656b", "291dfeff6eff386e29adb0bdbd5a1ae9e09de4449c8695d109adcb63e80e489555792a3e9150eff75d6d45571f824ed231173cb66e31e7da914241f86d0cbb678335ffe768a7445d2f5bc1" },
		{ "4361726c204d656e676572", "6579dd60eb5e6a8b29dd60004289f5d3c2f69fcdbf683a869f59a8" },
		{ "4a65616e2d426170746973746520536179", "24715fd39c3c7606e81b26e69e47b54d043d9d87c512f9417bae51ab48ebb17722" },
		{ "457567656e2042f6686d20766f6e2042617765726b", "e49194a013d873712318643acbf0e3851086326bb168c500a766439ff543a7a1e2deb3215c" },
	},
};

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t len = 0;
	assert_int_equal(sodium_hex2bin(out, cap, hex, strlen(hex), NULL, &len, NULL), 0);
	return len;
}

/* A transport message as Noise's CipherState makes it: ChaChaPoly, nonce n, no associated data. */
static size_t transport_seal(const uint8_t key[NOISE_KEYLEN], uint64_t n, const uint8_t *pt,
                             size_t len, uint8_t *out)
{
	uint8_t nonce[12] = { 0 };
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(n >> (8 * i));
	unsigned long long clen;
	crypto_aead_chacha20poly1305_ietf_encrypt(out, &clen, pt, len, NULL, 0, NULL, nonce, key);
	return (size_t)clen;
}

static void run_vector(const struct vector *v)
{
	uint8_t prologue[64], is[32], ie[32], rs[32], re[32], psk[32], hash[64];
	size_t plen = unhex(v->prologue, prologue, sizeof prologue);
	unhex(v->init_static, is, sizeof is);
	unhex(v->init_ephemeral, ie, sizeof ie);
	unhex(v->resp_static, rs, sizeof rs);
	unhex(v->resp_ephemeral, re, sizeof re);
	unhex(v->hash, hash, sizeof hash);
	if (v->psk)
		unhex(v->psk, psk, sizeof psk);
	struct noise_hs i, r;
	assert_int_equal(noise_init(&i, NOISE_INITIATOR, prologue, plen, is, v->psk ? psk : NULL), 0);
	assert_int_equal(noise_init(&r, NOISE_RESPONDER, prologue, plen, rs, v->psk ? psk : NULL), 0);
	noise_set_ephemeral(&i, ie);
	noise_set_ephemeral(&r, re);
	for (int m = 0; m < 3; m++) {
		struct noise_hs *w = m % 2 == 0 ? &i : &r, *rd = m % 2 == 0 ? &r : &i;
		uint8_t payload[64], want[256], out[256], got[64];
		size_t len = unhex(v->msgs[m].payload, payload, sizeof payload);
		size_t want_len = unhex(v->msgs[m].ciphertext, want, sizeof want);
		size_t n = noise_write(w, payload, len, out, sizeof out);
		assert_int_equal(n, want_len);
		assert_memory_equal(out, want, n);
		assert_int_equal(noise_read(rd, out, n, got, sizeof got), (long)len);
		assert_memory_equal(got, payload, len);
	}
	assert_true(noise_done(&i));
	assert_true(noise_done(&r));
	assert_memory_equal(noise_remote_static(&i), r.s_pk, 32);
	assert_memory_equal(noise_remote_static(&r), i.s_pk, 32);
	uint8_t itx[32], irx[32], rtx[32], rrx[32], ih[64], rh[64];
	assert_int_equal(noise_split(&i, itx, irx, ih), 0);
	assert_int_equal(noise_split(&r, rtx, rrx, rh), 0);
	assert_memory_equal(ih, hash, 64);
	assert_memory_equal(rh, hash, 64);
	assert_memory_equal(itx, rrx, 32);
	assert_memory_equal(irx, rtx, 32);
	/* Transport messages alternate on from the responder: 3 (r, n 0), 4 (i, n 0), 5 (r, n 1). */
	uint64_t nonce_i = 0, nonce_r = 0;
	for (int m = 3; m < 6; m++) {
		uint8_t payload[64], want[128], out[128];
		size_t len = unhex(v->msgs[m].payload, payload, sizeof payload);
		size_t want_len = unhex(v->msgs[m].ciphertext, want, sizeof want);
		bool from_r = m % 2 == 1;
		size_t n = transport_seal(from_r ? rtx : itx, from_r ? nonce_r++ : nonce_i++, payload, len, out);
		assert_int_equal(n, want_len);
		assert_memory_equal(out, want, n);
	}
}

static void test_vector_xx(void **state)
{
	(void)state;
	run_vector(&xx);
}

static void test_vector_xxpsk3(void **state)
{
	(void)state;
	run_vector(&xxpsk3);
}

/* ---- two parties with random keys ---- */

static const uint8_t prologue[] = "intercom test";

struct pair {
	struct noise_hs i, r;
	uint8_t is[32], rs[32];
	uint8_t m[3][128];
	size_t len[3];
};

static void pair_init(struct pair *p, const uint8_t *ipsk, const uint8_t *rpsk)
{
	randombytes_buf(p->is, sizeof p->is);
	randombytes_buf(p->rs, sizeof p->rs);
	assert_int_equal(noise_init(&p->i, NOISE_INITIATOR, prologue, sizeof prologue, p->is, ipsk), 0);
	assert_int_equal(noise_init(&p->r, NOISE_RESPONDER, prologue, sizeof prologue, p->rs, rpsk), 0);
}

/* Runs message m from its writer to its reader; returns the reader's result. */
static long pair_step(struct pair *p, int m)
{
	struct noise_hs *w = m % 2 == 0 ? &p->i : &p->r, *rd = m % 2 == 0 ? &p->r : &p->i;
	uint8_t got[16];
	p->len[m] = noise_write(w, NULL, 0, p->m[m], sizeof p->m[m]);
	assert_true(p->len[m] > 0);
	return noise_read(rd, p->m[m], p->len[m], got, sizeof got);
}

static void test_round_trip(void **state)
{
	(void)state;
	for (int psk_mode = 0; psk_mode < 2; psk_mode++) {
		uint8_t psk[32];
		randombytes_buf(psk, sizeof psk);
		struct pair p;
		pair_init(&p, psk_mode ? psk : NULL, psk_mode ? psk : NULL);
		assert_true(noise_our_turn(&p.i));
		assert_false(noise_our_turn(&p.r));
		for (int m = 0; m < 3; m++)
			assert_int_equal(pair_step(&p, m), 0);
		/* The sizes docs/PROTOCOL.md gives: 32 (48 with a key), 96, 64. */
		assert_int_equal(p.len[0], psk_mode ? 48 : 32);
		assert_int_equal(p.len[1], 96);
		assert_int_equal(p.len[2], 64);
		uint8_t itx[32], irx[32], rtx[32], rrx[32];
		assert_int_equal(noise_split(&p.i, itx, irx, NULL), 0);
		assert_int_equal(noise_split(&p.r, rtx, rrx, NULL), 0);
		assert_memory_equal(itx, rrx, 32);
		assert_memory_equal(irx, rtx, 32);
		assert_memory_not_equal(itx, irx, 32);
	}
}

/* Every byte of every message, flipped, fails the handshake at that message. */
static void test_tamper(void **state)
{
	(void)state;
	for (int psk_mode = 0; psk_mode < 2; psk_mode++) {
		uint8_t psk[32] = { 7 };
		for (int m = 0; m < 3; m++) {
			for (size_t at = 0;; at++) {
				struct pair p;
				pair_init(&p, psk_mode ? psk : NULL, psk_mode ? psk : NULL);
				for (int k = 0; k < m; k++)
					assert_int_equal(pair_step(&p, k), 0);
				struct noise_hs *w = m % 2 == 0 ? &p.i : &p.r, *rd = m % 2 == 0 ? &p.r : &p.i;
				uint8_t msg[128], got[16];
				size_t n = noise_write(w, NULL, 0, msg, sizeof msg);
				if (at >= n)
					break;
				msg[at] ^= 0x01;
				long rc = noise_read(rd, msg, n, got, sizeof got);
				if (m == 0 && !psk_mode) {
					/* Message 1 of plain XX is e alone, in clear: a changed e is caught one
					 * message later, by whoever uses it next. */
					if (rc == 0)
						assert_true(pair_step(&p, 1) < 0 || pair_step(&p, 2) < 0);
				} else {
					assert_int_equal(rc, -1);
				}
				assert_false(noise_done(rd));
			}
		}
	}
}

/* A message recorded from one session fails in another (each side's e is new). */
static void test_replay(void **state)
{
	(void)state;
	struct pair a, b;
	pair_init(&a, NULL, NULL);
	for (int m = 0; m < 3; m++)
		assert_int_equal(pair_step(&a, m), 0);
	/* A recorded console (messages 2) to a new speaker with the same static key. */
	struct noise_hs i;
	uint8_t msg[128], got[16];
	assert_int_equal(noise_init(&i, NOISE_INITIATOR, prologue, sizeof prologue, a.is, NULL), 0);
	assert_true(noise_write(&i, NULL, 0, msg, sizeof msg) > 0);
	assert_int_equal(noise_read(&i, a.m[1], a.len[1], got, sizeof got), -1);
	/* A recorded speaker (messages 1 and 3) to a new console. */
	pair_init(&b, NULL, NULL);
	struct noise_hs r;
	assert_int_equal(noise_init(&r, NOISE_RESPONDER, prologue, sizeof prologue, b.rs, NULL), 0);
	assert_int_equal(noise_read(&r, a.m[0], a.len[0], got, sizeof got), 0);
	assert_true(noise_write(&r, NULL, 0, msg, sizeof msg) > 0);
	assert_int_equal(noise_read(&r, a.m[2], a.len[2], got, sizeof got), -1);
	assert_false(noise_done(&r));
}

/* A wrong pre-shared key fails at the console's reading of message 3; no pattern mixes with the other. */
static void test_wrong_psk_and_pattern(void **state)
{
	(void)state;
	uint8_t k1[32] = { 1 }, k2[32] = { 2 };
	struct pair p;
	pair_init(&p, k1, k2);
	assert_int_equal(pair_step(&p, 0), 0);
	assert_int_equal(pair_step(&p, 1), 0);
	assert_int_equal(pair_step(&p, 2), -1);
	assert_false(noise_done(&p.r));
	/* A keyed speaker's first message is 48 bytes: to a console without a key, e and a
	 * payload that is not empty, which the protocol (handshake.c) refuses. */
	pair_init(&p, k1, NULL);
	assert_int_equal(pair_step(&p, 0), 16);
	pair_init(&p, NULL, k1);
	assert_int_equal(pair_step(&p, 0), -1);
}

/* An all-zero or low-order public key makes a DH of zeros: refused. */
static void test_refused_keys(void **state)
{
	(void)state;
	static const uint8_t low_order[32] = { 0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae,
	                                       0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
	                                       0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd,
	                                       0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00 };
	uint8_t zero[32] = { 0 };
	const uint8_t *bad[] = { zero, low_order };
	for (size_t b = 0; b < 2; b++) {
		struct pair p;
		pair_init(&p, NULL, NULL);
		uint8_t got[16], out[128];
		assert_int_equal(noise_read(&p.r, bad[b], 32, got, sizeof got), 0);
		assert_int_equal(noise_write(&p.r, NULL, 0, out, sizeof out), 0);
		assert_false(noise_our_turn(&p.r));
	}
}

/* Out of turn, short, or with a payload larger than the room: refused without a crash. */
static void test_misuse(void **state)
{
	(void)state;
	struct pair p;
	pair_init(&p, NULL, NULL);
	uint8_t out[128], got[4];
	assert_int_equal(noise_write(&p.r, NULL, 0, out, sizeof out), 0);
	assert_int_equal(noise_read(&p.i, out, 32, got, sizeof got), -1);
	size_t n = noise_write(&p.i, (const uint8_t *)"12345678", 8, out, sizeof out);
	assert_int_equal(n, 40);
	assert_int_equal(noise_read(&p.r, out, n, got, sizeof got), -1); /* 8 > 4 */
	pair_init(&p, NULL, NULL);
	assert_int_equal(noise_write(&p.i, NULL, 0, out, 31), 0);
	n = noise_write(&p.i, NULL, 0, out, sizeof out);
	assert_int_equal(noise_read(&p.r, out, 31, got, sizeof got), -1);
	assert_int_equal(noise_split(&p.r, out, out + 32, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_xx),
		cmocka_unit_test(test_vector_xxpsk3),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_wrong_psk_and_pattern),
		cmocka_unit_test(test_refused_keys),
		cmocka_unit_test(test_misuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
