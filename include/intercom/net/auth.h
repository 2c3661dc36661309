/*
 * Pre-shared key authentication with forward secrecy (libsodium; no hand-written
 * crypto). Owns the key file, the three-message handshake that proves both sides
 * know the key, and the derivation of one session key per direction.
 * docs/SECURITY.md has the design and what it does not protect against.
 *
 * Each side makes a fresh X25519 key pair per connection (crypto_kx_keypair);
 * T = Ns | Nc | Es | Ec is the transcript, K_mac and K_sess are KDF subkeys of the PSK.
 *
 *   speaker -> console  AUTH_HELLO  Ns (32 random bytes), Es (32)              64 bytes
 *   console -> speaker  AUTH_PROOF  Nc, Ec, HMAC(K_mac, "console" label | T)   96 bytes
 *   speaker -> console  AUTH_DONE   HMAC(K_mac, "speaker" label | T)           32 bytes
 *
 * Session keys: crypto_kx (speaker = client, console = server) gives one key per
 * direction from the ephemeral exchange; each is mixed with the PSK as
 * BLAKE2b(key = K_sess, direction label | Ns | Nc | kx key). A recording is thus safe
 * even if the PSK is stolen later: the ephemeral secrets are wiped once used. An
 * all-zero or low-order public key is refused.
 */
#ifndef INTERCOM_AUTH_H
#define INTERCOM_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUTH_KEY_BYTES 32
#define AUTH_NONCE_BYTES 32
#define AUTH_MAC_BYTES 32
#define AUTH_SESSION_KEY_BYTES 32
#define AUTH_EPK_BYTES 32 /* X25519 public key */
#define AUTH_ESK_BYTES 32 /* X25519 secret key */
/* Payload sizes; the frames are a 12-byte header plus these. */
#define AUTH_HELLO_PAYLOAD (AUTH_NONCE_BYTES + AUTH_EPK_BYTES)                  /* 64 */
#define AUTH_PROOF_PAYLOAD (AUTH_NONCE_BYTES + AUTH_EPK_BYTES + AUTH_MAC_BYTES) /* 96 */
#define AUTH_DONE_PAYLOAD AUTH_MAC_BYTES                                        /* 32 */
/* Largest handshake frame: AUTH_PROOF with its header (checked against proto.h in auth.c). */
#define AUTH_FRAME_MAX (12 + AUTH_PROOF_PAYLOAD)

struct auth_key {
	uint8_t bytes[AUTH_KEY_BYTES];
};

enum auth_role { AUTH_CONSOLE, AUTH_SPEAKER };

struct auth_session {
	enum auth_role role;
	uint8_t mac_key[AUTH_KEY_BYTES];      /* KDF subkey: proofs only */
	uint8_t session_key[AUTH_KEY_BYTES];  /* KDF subkey: session keys only */
	uint8_t nonce_speaker[AUTH_NONCE_BYTES];
	uint8_t nonce_console[AUTH_NONCE_BYTES];
	uint8_t epk_speaker[AUTH_EPK_BYTES];  /* the speaker's ephemeral public key */
	uint8_t epk_console[AUTH_EPK_BYTES];  /* the console's */
	uint8_t eph_secret[AUTH_ESK_BYTES];   /* our ephemeral secret; wiped once exchanged */
	uint8_t kx_rx[AUTH_SESSION_KEY_BYTES]; /* crypto_kx's keys, until mixed into rx_key/tx_key */
	uint8_t kx_tx[AUTH_SESSION_KEY_BYTES];
	bool exchanged;                       /* kx_rx/kx_tx are set */
	uint8_t tx_key[AUTH_SESSION_KEY_BYTES]; /* valid once done */
	uint8_t rx_key[AUTH_SESSION_KEY_BYTES];
	bool done;
};

/* Initialises libsodium; 0 or -1. */
int auth_init(void);

/* Writes a new random key to path as hex, mode 0600, refusing to overwrite. 0 or -1. */
int auth_key_generate(const char *path, char *err, size_t errlen);
/* Reads a key file; refuses one readable by group or others. 0 or -1. */
int auth_key_load(const char *path, struct auth_key *key, char *err, size_t errlen);

void auth_session_init(struct auth_session *s, enum auth_role role, const struct auth_key *key);
/* Wipes every secret of the session. */
void auth_session_wipe(struct auth_session *s);

/* Speaker: the first frame. Returns its size (0 if cap is too small). */
size_t auth_speaker_hello(struct auth_session *s, uint8_t *out, size_t cap);
/* Console: answers AUTH_HELLO's payload with AUTH_PROOF. 0 on a malformed payload or a
 * refused (all-zero, low-order) public key, or if cap is too small. */
size_t auth_console_proof(struct auth_session *s, const uint8_t *payload, size_t len,
                          uint8_t *out, size_t cap);
/* Speaker: checks AUTH_PROOF, answers AUTH_DONE and derives the keys. 0 if the proof is
 * wrong, the console's public key refused, or cap too small. */
size_t auth_speaker_done(struct auth_session *s, const uint8_t *payload, size_t len,
                         uint8_t *out, size_t cap);
/* Console: checks AUTH_DONE and derives the keys. 0 or -1. */
int auth_console_finish(struct auth_session *s, const uint8_t *payload, size_t len);

#endif
