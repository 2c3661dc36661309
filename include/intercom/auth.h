/*
 * Pre-shared key authentication (libsodium; no hand-written crypto). Owns the
 * key file, the three-message handshake that proves both sides know the key,
 * and the derivation of one session key per direction. docs/SECURITY.md has
 * the design and what it does not protect against.
 *
 *   speaker -> console  AUTH_HELLO  nonce_s (32 random bytes)
 *   console -> speaker  AUTH_PROOF  nonce_c, MAC(k_auth, "console" | nonce_s | nonce_c)
 *   speaker -> console  AUTH_DONE   MAC(k_auth, "speaker" | nonce_s | nonce_c)
 *
 * Session keys: BLAKE2b keyed with k_session, over the direction's label and
 * both nonces, so every connection gets fresh keys even with a fixed PSK.
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
/* Largest handshake frame: header + nonce + MAC. */
#define AUTH_FRAME_MAX 96

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
	uint8_t tx_key[AUTH_SESSION_KEY_BYTES];
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
/* Console: answers AUTH_HELLO's payload with AUTH_PROOF. 0 on a malformed payload. */
size_t auth_console_proof(struct auth_session *s, const uint8_t *payload, size_t len,
                          uint8_t *out, size_t cap);
/* Speaker: checks AUTH_PROOF, answers AUTH_DONE and derives the keys. 0 if the proof is wrong. */
size_t auth_speaker_done(struct auth_session *s, const uint8_t *payload, size_t len,
                         uint8_t *out, size_t cap);
/* Console: checks AUTH_DONE and derives the keys. 0 or -1. */
int auth_console_finish(struct auth_session *s, const uint8_t *payload, size_t len);

#endif
