/*
 * The Noise handshake state machine (noiseprotocol.org, revision 34), for the
 * one pattern intercom uses: Noise_XX_25519_ChaChaPoly_BLAKE2b, and
 * Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b when a pre-shared key is configured.
 * Owns the symmetric state (ck, h, k, n: MixHash, MixKey, MixKeyAndHash,
 * EncryptAndHash, DecryptAndHash, Split) and the handshake state (s, e, rs,
 * re), token by token:
 *
 *   XX:      -> e
 *            <- e, ee, s, es
 *            -> s, se
 *   XXpsk3:  the same, with psk after se (and each e token also MixKey(e))
 *
 * The primitives are libsodium's (X25519 crypto_scalarmult, ChaCha20-Poly1305
 * IETF AEAD, BLAKE2b crypto_generichash; HMAC-BLAKE2b and HKDF composed from
 * it as the spec defines them); nothing here is a hand-written primitive.
 * Pure: no I/O, no clock; randomness only for the ephemeral key (which a test
 * may fix with noise_set_ephemeral). Checked against the cacophony vectors
 * (tests/unit/test_noise.c).
 *
 * A DH whose result is all zeros (a low-order or all-zero public key) fails
 * the handshake. Every failure leaves the state unusable: the caller drops
 * the connection and wipes it.
 */
#ifndef INTERCOM_NOISE_H
#define INTERCOM_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOISE_DHLEN 32
#define NOISE_HASHLEN 64
#define NOISE_KEYLEN 32
#define NOISE_TAGLEN 16
#define NOISE_PSKLEN 32
/* Largest handshake message the XX pattern makes, with a payload of n bytes. */
#define NOISE_MSG_MAX(n) (2 * NOISE_DHLEN + 2 * NOISE_TAGLEN + (n))

enum noise_role { NOISE_INITIATOR, NOISE_RESPONDER };

struct noise_hs {
	enum noise_role role;
	bool psk_mode;                 /* XXpsk3 */
	uint8_t psk[NOISE_PSKLEN];
	/* symmetric state */
	uint8_t ck[NOISE_HASHLEN];
	uint8_t h[NOISE_HASHLEN];
	uint8_t k[NOISE_KEYLEN];
	bool has_k;
	uint64_t n;
	/* handshake state */
	uint8_t s_pk[NOISE_DHLEN], s_sk[NOISE_DHLEN];
	uint8_t e_pk[NOISE_DHLEN], e_sk[NOISE_DHLEN];
	bool e_fixed;                  /* noise_set_ephemeral: a test's fixed e */
	uint8_t rs[NOISE_DHLEN], re[NOISE_DHLEN];
	bool has_rs;
	unsigned msg;                  /* messages done: 0..3 */
	bool failed;
};

/*
 * Starts a handshake. s_sk: our static X25519 secret key (its public key is
 * derived). psk: 32 bytes, or NULL for plain XX. The prologue is hashed in:
 * both sides must give the same bytes. 0, or -1 if libsodium is unusable.
 */
int noise_init(struct noise_hs *hs, enum noise_role role, const uint8_t *prologue, size_t plen,
               const uint8_t s_sk[NOISE_DHLEN], const uint8_t *psk);
/* For known-answer tests: our ephemeral secret key instead of a random one. */
void noise_set_ephemeral(struct noise_hs *hs, const uint8_t e_sk[NOISE_DHLEN]);
/* Whose turn it is: true if our next step is noise_write. */
bool noise_our_turn(const struct noise_hs *hs);
/* Writes the next message with payload into out. Its size, or 0 (not our turn, cap too small, failure). */
size_t noise_write(struct noise_hs *hs, const uint8_t *payload, size_t plen, uint8_t *out,
                   size_t cap);
/*
 * Reads the peer's next message; its payload goes to payload (cap bytes).
 * Returns the payload's length, or -1 (not its turn, wrong length, a
 * failed decryption: tampered, another key, another pattern; a refused key).
 */
long noise_read(struct noise_hs *hs, const uint8_t *msg, size_t len, uint8_t *payload, size_t cap);
/* All three messages done. */
bool noise_done(const struct noise_hs *hs);
/* The peer's static public key, once its s token was read (NULL before). */
const uint8_t *noise_remote_static(const struct noise_hs *hs);
/*
 * Split: the two transport keys (initiator to responder, and back) as ours
 * to send and to receive, and the handshake hash (may be NULL). 0, or -1 if
 * the handshake is not done. Wipes every secret of the handshake.
 */
int noise_split(struct noise_hs *hs, uint8_t tx[NOISE_KEYLEN], uint8_t rx[NOISE_KEYLEN],
                uint8_t hash[NOISE_HASHLEN]);
/* Wipes the whole state. */
void noise_wipe(struct noise_hs *hs);

/* The protocol names, as hashed into h. */
#define NOISE_NAME_XX "Noise_XX_25519_ChaChaPoly_BLAKE2b"
#define NOISE_NAME_XXPSK3 "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b"

#endif
