/*
 * Long-term identities: each console and each speaker has an X25519 key pair,
 * made on first run and kept in its state directory
 * ($XDG_STATE_HOME/intercom, else ~/.local/state/intercom), mode 0600; the
 * Noise handshake (noise.h) proves it to the other side. Owns the key file
 * (made, read, refused when group or others may read it), the fingerprint
 * people compare (BLAKE2b-128 of the public key, 32 hex digits in groups of
 * four) and its short form on screens ("ab12cd34").
 *
 * identity_fingerprint, identity_short and identity_parse_fingerprint are
 * pure; the rest read and write files.
 */
#ifndef INTERCOM_IDENTITY_H
#define INTERCOM_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDENTITY_KEY_BYTES 32
#define IDENTITY_FP_BYTES 16   /* 128 bits: no second key can be made to match */
/* "ab12 cd34 ... " : 8 groups of 4 hex digits, 7 spaces, the NUL. */
#define IDENTITY_FP_TEXT (IDENTITY_FP_BYTES * 2 + IDENTITY_FP_BYTES / 2)
#define IDENTITY_SHORT_TEXT 9  /* "ab12cd34" and the NUL */

struct identity {
	uint8_t pk[IDENTITY_KEY_BYTES];
	uint8_t sk[IDENTITY_KEY_BYTES];
};

/* The fingerprint of a public key, "ab12 cd34 ef56 ...". */
void identity_fingerprint(const uint8_t pk[IDENTITY_KEY_BYTES], char out[IDENTITY_FP_TEXT]);
/* Its first 8 hex digits, for a list on a screen. */
void identity_short(const uint8_t pk[IDENTITY_KEY_BYTES], char out[IDENTITY_SHORT_TEXT]);
/*
 * A fingerprint as typed: 32 hex digits, with spaces, ':' or '-' between
 * them anywhere. 0, or -1 if it is not one.
 */
int identity_parse_fingerprint(const char *text, uint8_t fp[IDENTITY_FP_BYTES]);
/* Whether pk's fingerprint is fp. */
bool identity_matches(const uint8_t pk[IDENTITY_KEY_BYTES], const uint8_t fp[IDENTITY_FP_BYTES]);
/* Parses 64 hex digits into a key. 0 or -1. */
int identity_parse_key(const char *hex, size_t len, uint8_t key[IDENTITY_KEY_BYTES]);

/* The state directory, intercom's own ($XDG_STATE_HOME/intercom or ~/.local/state/intercom); "" if neither is set. */
void identity_state_dir(char *out, size_t outlen);
/*
 * Loads the key pair in path, or makes one there (and its directory, mode
 * 0700) if there is no file; *created says which. A file that group or
 * others may read, that is not a regular file, or that holds no key is
 * refused (err: the cause and the fix). 0 or -1.
 */
int identity_load_or_create(const char *path, struct identity *id, bool *created, char *err,
                            size_t errlen);
/* Wipes the secret half. */
void identity_wipe(struct identity *id);

#endif
