/*
 * Every link's handshake, in our framing, and the pre-shared key file.
 * Owns the three handshake frames (NOISE_1, NOISE_2, NOISE_3: the messages
 * of Noise XX, or XXpsk3 with a pre-shared key; noise.h runs them), the
 * prologue that binds them to this protocol, telling a speaker with a key
 * from one without (by the length of its first message, before anything is
 * decrypted), and the key file (made, read, refused when group or others
 * may use it). docs/SECURITY.md has the design and what it does not protect
 * against.
 *
 *   speaker -> console  NOISE_1  e                         32 bytes (48 with a key)
 *   console -> speaker  NOISE_2  e, ee, s, es              96 bytes
 *   speaker -> console  NOISE_3  s, se (, psk)             64 bytes
 *
 * Every payload inside is empty: HELLO and WELCOME follow, sealed with the
 * keys of Split (seal.h). The speaker checks the console's static key (its
 * pin, trust.h) after NOISE_2 and before it reveals its own in NOISE_3; the
 * console learns the speaker's from NOISE_3 and admits it or not at HELLO.
 * Pure besides the key file: no sockets.
 */
#ifndef INTERCOM_AUTH_H
#define INTERCOM_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/net/identity.h"
#include "intercom/net/noise.h"

#define AUTH_KEY_BYTES 32
#define AUTH_SESSION_KEY_BYTES NOISE_KEYLEN
/* Payload sizes; the frames are a 12-byte header plus these. */
#define AUTH_NOISE_1_PAYLOAD NOISE_DHLEN                                       /* 32 */
#define AUTH_NOISE_1_PSK_PAYLOAD (NOISE_DHLEN + NOISE_TAGLEN)                  /* 48 */
#define AUTH_NOISE_2_PAYLOAD (2 * NOISE_DHLEN + 2 * NOISE_TAGLEN)              /* 96 */
#define AUTH_NOISE_3_PAYLOAD (NOISE_DHLEN + 2 * NOISE_TAGLEN)                  /* 64 */
/* Largest handshake frame: NOISE_2 with its header (checked against proto.h in auth.c). */
#define AUTH_FRAME_MAX (12 + AUTH_NOISE_2_PAYLOAD)
/* Bound into the handshake's hash: a peer of another protocol cannot finish it. */
#define AUTH_PROLOGUE "intercom protocol 2"

struct auth_key {
	uint8_t bytes[AUTH_KEY_BYTES];
};

enum auth_role { AUTH_CONSOLE, AUTH_SPEAKER };

/* What the console makes of a speaker's NOISE_1. */
enum auth_reply {
	AUTH_REPLY_OK,            /* answered with NOISE_2 */
	AUTH_REPLY_PEER_KEYED,    /* the speaker has a pre-shared key, this console none */
	AUTH_REPLY_PEER_UNKEYED,  /* this console has a key, the speaker none */
	AUTH_REPLY_BAD,           /* malformed, or a refused (low-order) key */
};

struct auth_session {
	enum auth_role role;
	bool keyed;                            /* a pre-shared key is mixed in (XXpsk3) */
	struct noise_hs noise;
	uint8_t peer[IDENTITY_KEY_BYTES];      /* the other side's static key, once known */
	bool peer_known;
	uint8_t tx_key[AUTH_SESSION_KEY_BYTES]; /* valid once done (seal.h) */
	uint8_t rx_key[AUTH_SESSION_KEY_BYTES];
	bool done;
};

/* Initialises libsodium; 0 or -1. */
int auth_init(void);

/* Writes a new random key to path as hex, mode 0600, refusing to overwrite. 0 or -1. */
int auth_key_generate(const char *path, char *err, size_t errlen);
/* Reads a key file; refuses one readable by group or others. 0 or -1. */
int auth_key_load(const char *path, struct auth_key *key, char *err, size_t errlen);

/* A handshake as this side, with its identity and the pre-shared key (NULL: none). */
void auth_session_init(struct auth_session *s, enum auth_role role, const struct identity *id,
                       const struct auth_key *psk);
/* Wipes every secret of the session. */
void auth_session_wipe(struct auth_session *s);

/* Speaker: the first frame, NOISE_1. Its size (0 if cap is too small). */
size_t auth_speaker_hello(struct auth_session *s, uint8_t *out, size_t cap);
/* Console: answers NOISE_1's payload with NOISE_2 in out (*outlen its size). */
enum auth_reply auth_console_reply(struct auth_session *s, const uint8_t *payload, size_t len,
                                   uint8_t *out, size_t cap, size_t *outlen);
/*
 * Speaker: reads NOISE_2. 0, and s->peer is the console's static key (check
 * its pin before going on); -1 if it fails (tampered, not this protocol, a
 * refused key).
 */
int auth_speaker_check(struct auth_session *s, const uint8_t *payload, size_t len);
/* Speaker: NOISE_3 into out, and the session keys. Its size, or 0. */
size_t auth_speaker_done(struct auth_session *s, uint8_t *out, size_t cap);
/* Console: reads NOISE_3 (the speaker's key, and the pre-shared key proven), and the session keys. 0 or -1. */
int auth_console_finish(struct auth_session *s, const uint8_t *payload, size_t len);

#endif
