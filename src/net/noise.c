/* The Noise XX / XXpsk3 handshake over libsodium's X25519, ChaChaPoly and BLAKE2b (noise.h). */
#include "intercom/net/noise.h"

#include <sodium.h>
#include <string.h>

#define BLOCKLEN 128 /* BLAKE2b's block: HMAC pads its key to this */

_Static_assert(NOISE_DHLEN == crypto_scalarmult_BYTES, "X25519 size");
_Static_assert(NOISE_KEYLEN == crypto_aead_chacha20poly1305_ietf_KEYBYTES, "ChaChaPoly key size");
_Static_assert(NOISE_TAGLEN == crypto_aead_chacha20poly1305_ietf_ABYTES, "ChaChaPoly tag size");
_Static_assert(NOISE_HASHLEN <= crypto_generichash_BYTES_MAX, "BLAKE2b-512");

/* HMAC-BLAKE2b (RFC 2104 over BLAKE2b-512, as Noise's HMAC-HASH), over up to two parts. */
static void hmac(const uint8_t key[NOISE_HASHLEN], const uint8_t *a, size_t alen, const uint8_t *b,
                 size_t blen, uint8_t out[NOISE_HASHLEN])
{
	uint8_t pad[BLOCKLEN], inner[NOISE_HASHLEN];
	crypto_generichash_state st;
	memset(pad, 0x36, sizeof pad);
	for (size_t i = 0; i < NOISE_HASHLEN; i++)
		pad[i] ^= key[i];
	crypto_generichash_init(&st, NULL, 0, NOISE_HASHLEN);
	crypto_generichash_update(&st, pad, sizeof pad);
	crypto_generichash_update(&st, a, alen);
	if (blen)
		crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, inner, sizeof inner);
	memset(pad, 0x5c, sizeof pad);
	for (size_t i = 0; i < NOISE_HASHLEN; i++)
		pad[i] ^= key[i];
	crypto_generichash_init(&st, NULL, 0, NOISE_HASHLEN);
	crypto_generichash_update(&st, pad, sizeof pad);
	crypto_generichash_update(&st, inner, sizeof inner);
	crypto_generichash_final(&st, out, NOISE_HASHLEN);
	sodium_memzero(pad, sizeof pad);
	sodium_memzero(inner, sizeof inner);
	sodium_memzero(&st, sizeof st);
}

/* HKDF(chaining_key, ikm) into two or three outputs (o3 may be NULL). */
static void hkdf(const uint8_t ck[NOISE_HASHLEN], const uint8_t *ikm, size_t ikm_len,
                 uint8_t o1[NOISE_HASHLEN], uint8_t o2[NOISE_HASHLEN], uint8_t *o3)
{
	uint8_t temp[NOISE_HASHLEN];
	uint8_t one = 1, two = 2, three = 3;
	/* An empty ikm still goes through HMAC: a zero-length message. */
	hmac(ck, ikm ? ikm : &one, ikm ? ikm_len : 0, NULL, 0, temp);
	hmac(temp, &one, 1, NULL, 0, o1);
	hmac(temp, o1, NOISE_HASHLEN, &two, 1, o2);
	if (o3)
		hmac(temp, o2, NOISE_HASHLEN, &three, 1, o3);
	sodium_memzero(temp, sizeof temp);
}

static void mix_hash(struct noise_hs *hs, const uint8_t *data, size_t len)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, NOISE_HASHLEN);
	crypto_generichash_update(&st, hs->h, sizeof hs->h);
	crypto_generichash_update(&st, data, len);
	crypto_generichash_final(&st, hs->h, sizeof hs->h);
}

/* A new cipher key from the chaining key and ikm (HASHLEN 64: its first 32 bytes). */
static void mix_key(struct noise_hs *hs, const uint8_t *ikm, size_t len)
{
	uint8_t ck[NOISE_HASHLEN], k[NOISE_HASHLEN];
	hkdf(hs->ck, ikm, len, ck, k, NULL);
	memcpy(hs->ck, ck, sizeof ck);
	memcpy(hs->k, k, NOISE_KEYLEN);
	hs->has_k = true;
	hs->n = 0;
	sodium_memzero(ck, sizeof ck);
	sodium_memzero(k, sizeof k);
}

static void mix_key_and_hash(struct noise_hs *hs, const uint8_t *ikm, size_t len)
{
	uint8_t ck[NOISE_HASHLEN], th[NOISE_HASHLEN], k[NOISE_HASHLEN];
	hkdf(hs->ck, ikm, len, ck, th, k);
	memcpy(hs->ck, ck, sizeof ck);
	mix_hash(hs, th, sizeof th);
	memcpy(hs->k, k, NOISE_KEYLEN);
	hs->has_k = true;
	hs->n = 0;
	sodium_memzero(ck, sizeof ck);
	sodium_memzero(th, sizeof th);
	sodium_memzero(k, sizeof k);
}

/* ChaChaPoly's 96-bit nonce: 32 bits of zeros, then n little-endian. */
static void nonce_of(uint64_t n, uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES])
{
	memset(nonce, 0, 4);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(n >> (8 * i));
}

/* EncryptAndHash into out (plain copy without a key). Returns the bytes written. */
static size_t encrypt_and_hash(struct noise_hs *hs, const uint8_t *pt, size_t len, uint8_t *out)
{
	size_t outlen = len;
	if (hs->has_k) {
		uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
		unsigned long long clen;
		nonce_of(hs->n++, nonce);
		crypto_aead_chacha20poly1305_ietf_encrypt(out, &clen, pt, len, hs->h, sizeof hs->h, NULL,
		                                          nonce, hs->k);
		outlen = (size_t)clen;
	} else if (len) {
		memmove(out, pt, len);
	}
	mix_hash(hs, out, outlen);
	return outlen;
}

/* DecryptAndHash of len bytes into out. -1 if the tag is wrong. */
static int decrypt_and_hash(struct noise_hs *hs, const uint8_t *ct, size_t len, uint8_t *out,
                            size_t *outlen)
{
	uint8_t h[NOISE_HASHLEN];
	memcpy(h, hs->h, sizeof h);
	mix_hash(hs, ct, len); /* h over the ciphertext, whatever out overwrites */
	if (!hs->has_k) {
		if (len)
			memmove(out, ct, len);
		*outlen = len;
		return 0;
	}
	uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
	unsigned long long plen;
	nonce_of(hs->n, nonce);
	if (len < NOISE_TAGLEN ||
	    crypto_aead_chacha20poly1305_ietf_decrypt(out, &plen, NULL, ct, len, h, sizeof h, nonce,
	                                              hs->k) != 0)
		return -1;
	hs->n++;
	*outlen = (size_t)plen;
	return 0;
}

/* MixKey(DH(sk, pk)); -1 when the result is all zeros (a low-order point). */
static int mix_dh(struct noise_hs *hs, const uint8_t sk[NOISE_DHLEN], const uint8_t pk[NOISE_DHLEN])
{
	uint8_t shared[NOISE_DHLEN];
	int rc = crypto_scalarmult(shared, sk, pk);
	if (rc == 0)
		mix_key(hs, shared, sizeof shared);
	sodium_memzero(shared, sizeof shared);
	return rc == 0 ? 0 : -1;
}

int noise_init(struct noise_hs *hs, enum noise_role role, const uint8_t *prologue, size_t plen,
               const uint8_t s_sk[NOISE_DHLEN], const uint8_t *psk)
{
	memset(hs, 0, sizeof *hs);
	if (sodium_init() < 0)
		return -1;
	hs->role = role;
	hs->psk_mode = psk != NULL;
	if (psk)
		memcpy(hs->psk, psk, NOISE_PSKLEN);
	/* InitializeSymmetric: a name of at most HASHLEN bytes is h, zero-padded. */
	const char *name = psk ? NOISE_NAME_XXPSK3 : NOISE_NAME_XX;
	memcpy(hs->h, name, strlen(name));
	memcpy(hs->ck, hs->h, sizeof hs->ck);
	mix_hash(hs, prologue, plen);
	memcpy(hs->s_sk, s_sk, NOISE_DHLEN);
	crypto_scalarmult_base(hs->s_pk, hs->s_sk);
	return 0;
}

void noise_set_ephemeral(struct noise_hs *hs, const uint8_t e_sk[NOISE_DHLEN])
{
	memcpy(hs->e_sk, e_sk, NOISE_DHLEN);
	crypto_scalarmult_base(hs->e_pk, hs->e_sk);
	hs->e_fixed = true;
}

bool noise_our_turn(const struct noise_hs *hs)
{
	/* Messages 0 and 2 are the initiator's, 1 the responder's. */
	return !hs->failed && hs->msg < 3 && ((hs->msg % 2 == 0) == (hs->role == NOISE_INITIATOR));
}

bool noise_done(const struct noise_hs *hs)
{
	return !hs->failed && hs->msg == 3;
}

const uint8_t *noise_remote_static(const struct noise_hs *hs)
{
	return hs->has_rs ? hs->rs : NULL;
}

/* The e token, sending. */
static size_t write_e(struct noise_hs *hs, uint8_t *out)
{
	if (!hs->e_fixed)
		crypto_box_keypair(hs->e_pk, hs->e_sk); /* an X25519 pair: sk random, pk = sk * base */
	memcpy(out, hs->e_pk, NOISE_DHLEN);
	mix_hash(hs, hs->e_pk, NOISE_DHLEN);
	if (hs->psk_mode)
		mix_key(hs, hs->e_pk, NOISE_DHLEN);
	return NOISE_DHLEN;
}

/* The e token, receiving. */
static void read_e(struct noise_hs *hs, const uint8_t *in)
{
	memcpy(hs->re, in, NOISE_DHLEN);
	mix_hash(hs, hs->re, NOISE_DHLEN);
	if (hs->psk_mode)
		mix_key(hs, hs->re, NOISE_DHLEN);
}

/* What message msg carries beyond its tokens: its length with a payload of plen. */
static size_t message_len(const struct noise_hs *hs, unsigned msg, size_t plen)
{
	/* After message 0 every later message has a key; in psk mode message 0 has one too. */
	bool keyed_payload = msg > 0 || hs->psk_mode;
	size_t tag = keyed_payload ? NOISE_TAGLEN : 0;
	switch (msg) {
	case 0: return NOISE_DHLEN + plen + tag;
	case 1: return NOISE_DHLEN + NOISE_DHLEN + NOISE_TAGLEN + plen + tag;
	default: return NOISE_DHLEN + NOISE_TAGLEN + plen + tag;
	}
}

size_t noise_write(struct noise_hs *hs, const uint8_t *payload, size_t plen, uint8_t *out,
                   size_t cap)
{
	if (!noise_our_turn(hs) || cap < message_len(hs, hs->msg, plen))
		return 0;
	bool initiator = hs->role == NOISE_INITIATOR;
	size_t at = 0;
	int rc = 0;
	switch (hs->msg) {
	case 0: /* -> e */
		at += write_e(hs, out);
		break;
	case 1: /* <- e, ee, s, es */
		at += write_e(hs, out);
		rc |= mix_dh(hs, hs->e_sk, hs->re);
		at += encrypt_and_hash(hs, hs->s_pk, NOISE_DHLEN, out + at);
		rc |= mix_dh(hs, hs->s_sk, hs->re);
		break;
	default: /* -> s, se [, psk] */
		at += encrypt_and_hash(hs, hs->s_pk, NOISE_DHLEN, out + at);
		rc |= mix_dh(hs, hs->s_sk, hs->re);
		if (hs->psk_mode)
			mix_key_and_hash(hs, hs->psk, NOISE_PSKLEN);
		break;
	}
	(void)initiator;
	if (rc != 0) {
		hs->failed = true;
		return 0;
	}
	at += encrypt_and_hash(hs, payload, plen, out + at);
	hs->msg++;
	return at;
}

long noise_read(struct noise_hs *hs, const uint8_t *msg, size_t len, uint8_t *payload, size_t cap)
{
	if (hs->failed || hs->msg >= 3 || noise_our_turn(hs))
		return -1;
	size_t fixed = message_len(hs, hs->msg, 0);
	if (len < fixed || len - fixed > cap) {
		hs->failed = true;
		return -1;
	}
	size_t at = 0, n;
	int rc = 0;
	switch (hs->msg) {
	case 0: /* -> e */
		read_e(hs, msg);
		at = NOISE_DHLEN;
		break;
	case 1: /* <- e, ee, s, es: we are the initiator */
		read_e(hs, msg);
		at = NOISE_DHLEN;
		rc |= mix_dh(hs, hs->e_sk, hs->re);
		if (rc == 0)
			rc |= decrypt_and_hash(hs, msg + at, NOISE_DHLEN + NOISE_TAGLEN, hs->rs, &n);
		at += NOISE_DHLEN + NOISE_TAGLEN;
		if (rc == 0)
			rc |= mix_dh(hs, hs->e_sk, hs->rs);
		hs->has_rs = rc == 0;
		break;
	default: /* -> s, se [, psk]: we are the responder */
		rc |= decrypt_and_hash(hs, msg, NOISE_DHLEN + NOISE_TAGLEN, hs->rs, &n);
		at = NOISE_DHLEN + NOISE_TAGLEN;
		if (rc == 0)
			rc |= mix_dh(hs, hs->e_sk, hs->rs);
		if (rc == 0 && hs->psk_mode)
			mix_key_and_hash(hs, hs->psk, NOISE_PSKLEN);
		hs->has_rs = rc == 0;
		break;
	}
	size_t plen = 0;
	if (rc == 0)
		rc = decrypt_and_hash(hs, msg + at, len - at, payload, &plen);
	if (rc != 0) {
		hs->failed = true;
		hs->has_rs = false;
		return -1;
	}
	hs->msg++;
	return (long)plen;
}

int noise_split(struct noise_hs *hs, uint8_t tx[NOISE_KEYLEN], uint8_t rx[NOISE_KEYLEN],
                uint8_t hash[NOISE_HASHLEN])
{
	if (!noise_done(hs))
		return -1;
	uint8_t k1[NOISE_HASHLEN], k2[NOISE_HASHLEN];
	hkdf(hs->ck, NULL, 0, k1, k2, NULL);
	bool initiator = hs->role == NOISE_INITIATOR;
	memcpy(tx, initiator ? k1 : k2, NOISE_KEYLEN);
	memcpy(rx, initiator ? k2 : k1, NOISE_KEYLEN);
	if (hash)
		memcpy(hash, hs->h, NOISE_HASHLEN);
	sodium_memzero(k1, sizeof k1);
	sodium_memzero(k2, sizeof k2);
	/* Only the peer's static key stays: the caller may still ask who it was. */
	uint8_t rs[NOISE_DHLEN];
	memcpy(rs, hs->rs, sizeof rs);
	noise_wipe(hs);
	memcpy(hs->rs, rs, sizeof rs);
	hs->has_rs = true;
	hs->msg = 3;
	return 0;
}

void noise_wipe(struct noise_hs *hs)
{
	sodium_memzero(hs, sizeof *hs);
}
