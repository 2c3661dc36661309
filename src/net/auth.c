/* Pre-shared key: key files, the handshake, session keys. All crypto is libsodium's. */
#include "intercom/net/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "intercom/net/proto.h"

/* crypto_kdf contexts are 8 bytes; subkey ids keep the two uses of the PSK apart. */
#define KDF_CONTEXT "icom-psk"
#define SUBKEY_MAC 1
#define SUBKEY_SESSION 2

/*
 * Each proof names its role, so a console's proof can never be replayed as a speaker's.
 * "v2": the transcript now carries the ephemeral public keys (forward secrecy).
 */
static const char label_console[] = "intercom v2 console proof";
static const char label_speaker[] = "intercom v2 speaker proof";
static const char label_to_speaker[] = "intercom v2 console->speaker";
static const char label_to_console[] = "intercom v2 speaker->console";

_Static_assert(AUTH_EPK_BYTES == crypto_kx_PUBLICKEYBYTES, "epk size");
_Static_assert(AUTH_ESK_BYTES == crypto_kx_SECRETKEYBYTES, "esk size");
_Static_assert(AUTH_SESSION_KEY_BYTES == crypto_kx_SESSIONKEYBYTES, "kx session key size");
_Static_assert(AUTH_MAC_BYTES == crypto_auth_hmacsha512256_BYTES, "MAC size");
_Static_assert(AUTH_HELLO_PAYLOAD == AUTH_NONCE_BYTES + AUTH_EPK_BYTES, "AUTH_HELLO layout");
_Static_assert(AUTH_PROOF_PAYLOAD == AUTH_NONCE_BYTES + AUTH_EPK_BYTES + AUTH_MAC_BYTES,
               "AUTH_PROOF layout");
_Static_assert(AUTH_DONE_PAYLOAD == AUTH_MAC_BYTES, "AUTH_DONE layout");
_Static_assert(AUTH_FRAME_MAX == PROTO_HEADER_SIZE + AUTH_PROOF_PAYLOAD, "largest frame is AUTH_PROOF");
_Static_assert(AUTH_PROOF_PAYLOAD <= PROTO_MAX_CONTROL_PAYLOAD, "handshake frames are control frames");

int auth_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int auth_key_generate(const char *path, char *err, size_t errlen)
{
	uint8_t key[AUTH_KEY_BYTES];
	char hex[AUTH_KEY_BYTES * 2 + 1];
	randombytes_buf(key, sizeof key);
	sodium_bin2hex(hex, sizeof hex, key, sizeof key);
	sodium_memzero(key, sizeof key);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create key file %s: %s%s", path, strerror(errno),
		         errno == EEXIST ? " (remove it first, or choose another name)" : "");
		sodium_memzero(hex, sizeof hex);
		return -1;
	}
	hex[AUTH_KEY_BYTES * 2] = '\n';
	ssize_t n = write(fd, hex, sizeof hex);
	sodium_memzero(hex, sizeof hex);
	if (n != (ssize_t)sizeof hex || fsync(fd) < 0) {
		snprintf(err, errlen, "cannot write key file %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

int auth_key_load(const char *path, struct auth_key *key, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open key file %s: %s (make one with intercom-console --gen-key)",
		         path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "key file %s is not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "key file %s is open to group or others (mode %03o): run chmod 600 %s",
		         path, (unsigned)(st.st_mode & 0777), path);
		close(fd);
		return -1;
	}
	char text[256];
	ssize_t n = read(fd, text, sizeof text - 1);
	close(fd);
	size_t bin_len = 0;
	const char *end = NULL;
	int rc = -1;
	if (n > 0) {
		text[n] = '\0';
		rc = sodium_hex2bin(key->bytes, sizeof key->bytes, text, (size_t)n, " \t\r\n", &bin_len, &end);
	}
	/* Only whitespace may follow the key: a second key or a comment means a mistake. */
	bool trailing = rc != 0 || end != text + n;
	sodium_memzero(text, sizeof text);
	if (trailing || bin_len != AUTH_KEY_BYTES) {
		snprintf(err, errlen, "key file %s does not hold a key (%d hex digits expected; make one with "
		         "intercom-console --gen-key)", path, AUTH_KEY_BYTES * 2);
		sodium_memzero(key->bytes, sizeof key->bytes);
		return -1;
	}
	return 0;
}

void auth_session_init(struct auth_session *s, enum auth_role role, const struct auth_key *key)
{
	memset(s, 0, sizeof *s);
	s->role = role;
	crypto_kdf_derive_from_key(s->mac_key, sizeof s->mac_key, SUBKEY_MAC, KDF_CONTEXT, key->bytes);
	crypto_kdf_derive_from_key(s->session_key, sizeof s->session_key, SUBKEY_SESSION, KDF_CONTEXT,
	                           key->bytes);
}

void auth_session_wipe(struct auth_session *s)
{
	sodium_memzero(s, sizeof *s);
}

/* MAC over a label and the transcript: both nonces, then both ephemeral public keys, speaker's first. */
static void proof(const struct auth_session *s, const char *label, uint8_t mac[AUTH_MAC_BYTES])
{
	crypto_auth_hmacsha512256_state st;
	crypto_auth_hmacsha512256_init(&st, s->mac_key, sizeof s->mac_key);
	crypto_auth_hmacsha512256_update(&st, (const uint8_t *)label, strlen(label));
	crypto_auth_hmacsha512256_update(&st, s->nonce_speaker, AUTH_NONCE_BYTES);
	crypto_auth_hmacsha512256_update(&st, s->nonce_console, AUTH_NONCE_BYTES);
	crypto_auth_hmacsha512256_update(&st, s->epk_speaker, AUTH_EPK_BYTES);
	crypto_auth_hmacsha512256_update(&st, s->epk_console, AUTH_EPK_BYTES);
	crypto_auth_hmacsha512256_final(&st, mac);
	/* The keyed state holds K_mac (as the HMAC pads). */
	sodium_memzero(&st, sizeof st);
}

/* BLAKE2b keyed with K_sess over the direction's label, both nonces and that direction's kx key. */
static void session_key_for(const struct auth_session *s, const char *label,
                            const uint8_t kx_key[AUTH_SESSION_KEY_BYTES],
                            uint8_t out[AUTH_SESSION_KEY_BYTES])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, s->session_key, sizeof s->session_key, AUTH_SESSION_KEY_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
	crypto_generichash_update(&st, s->nonce_speaker, AUTH_NONCE_BYTES);
	crypto_generichash_update(&st, s->nonce_console, AUTH_NONCE_BYTES);
	crypto_generichash_update(&st, kx_key, AUTH_SESSION_KEY_BYTES);
	crypto_generichash_final(&st, out, AUTH_SESSION_KEY_BYTES);
	/* The keyed hash's state holds K_sess and the kx key. */
	sodium_memzero(&st, sizeof st);
}

/*
 * The X25519 exchange: the speaker is crypto_kx's client, the console its server.
 * Fills kx_rx/kx_tx and wipes our ephemeral secret, which has no further use.
 * -1 when the peer's public key is unusable (all-zero or low-order: the shared
 * point would be the identity).
 */
static int exchange(struct auth_session *s)
{
	int rc;
	if (s->role == AUTH_SPEAKER)
		rc = crypto_kx_client_session_keys(s->kx_rx, s->kx_tx, s->epk_speaker, s->eph_secret,
		                                   s->epk_console);
	else
		rc = crypto_kx_server_session_keys(s->kx_rx, s->kx_tx, s->epk_console, s->eph_secret,
		                                   s->epk_speaker);
	sodium_memzero(s->eph_secret, sizeof s->eph_secret);
	if (rc != 0) {
		sodium_memzero(s->kx_rx, sizeof s->kx_rx);
		sodium_memzero(s->kx_tx, sizeof s->kx_tx);
		return -1;
	}
	s->exchanged = true;
	return 0;
}

/* Mixes K_sess with the kx keys into the session keys, then wipes everything that led there. */
static void derive_keys(struct auth_session *s)
{
	bool console = s->role == AUTH_CONSOLE;
	session_key_for(s, console ? label_to_speaker : label_to_console, s->kx_tx, s->tx_key);
	session_key_for(s, console ? label_to_console : label_to_speaker, s->kx_rx, s->rx_key);
	sodium_memzero(s->kx_rx, sizeof s->kx_rx);
	sodium_memzero(s->kx_tx, sizeof s->kx_tx);
	/* The long-term subkeys are not needed for the rest of the connection. */
	sodium_memzero(s->mac_key, sizeof s->mac_key);
	sodium_memzero(s->session_key, sizeof s->session_key);
	s->exchanged = false;
	s->done = true;
}

/* Header plus up to three parts, or 0 when it does not fit. */
static size_t write_frame(uint8_t *out, size_t cap, enum proto_type type, const uint8_t *a,
                          size_t alen, const uint8_t *b, size_t blen, const uint8_t *c, size_t clen)
{
	if (cap < PROTO_HEADER_SIZE + alen + blen + clen)
		return 0;
	proto_header_encode(out, type, (uint32_t)(alen + blen + clen));
	uint8_t *at = out + PROTO_HEADER_SIZE;
	memcpy(at, a, alen);
	if (blen)
		memcpy(at + alen, b, blen);
	if (clen)
		memcpy(at + alen + blen, c, clen);
	return PROTO_HEADER_SIZE + alen + blen + clen;
}

size_t auth_speaker_hello(struct auth_session *s, uint8_t *out, size_t cap)
{
	if (s->role != AUTH_SPEAKER || cap < PROTO_HEADER_SIZE + AUTH_HELLO_PAYLOAD)
		return 0;
	randombytes_buf(s->nonce_speaker, AUTH_NONCE_BYTES);
	crypto_kx_keypair(s->epk_speaker, s->eph_secret);
	return write_frame(out, cap, PROTO_AUTH_HELLO, s->nonce_speaker, AUTH_NONCE_BYTES,
	                   s->epk_speaker, AUTH_EPK_BYTES, NULL, 0);
}

size_t auth_console_proof(struct auth_session *s, const uint8_t *payload, size_t len,
                          uint8_t *out, size_t cap)
{
	if (s->role != AUTH_CONSOLE || len != AUTH_HELLO_PAYLOAD ||
	    cap < PROTO_HEADER_SIZE + AUTH_PROOF_PAYLOAD)
		return 0;
	memcpy(s->nonce_speaker, payload, AUTH_NONCE_BYTES);
	memcpy(s->epk_speaker, payload + AUTH_NONCE_BYTES, AUTH_EPK_BYTES);
	randombytes_buf(s->nonce_console, AUTH_NONCE_BYTES);
	crypto_kx_keypair(s->epk_console, s->eph_secret);
	/* The exchange right away: a bad key is refused before we prove anything, and our
	 * ephemeral secret is gone before the speaker answers. */
	if (exchange(s) < 0)
		return 0;
	uint8_t mac[AUTH_MAC_BYTES];
	proof(s, label_console, mac);
	return write_frame(out, cap, PROTO_AUTH_PROOF, s->nonce_console, AUTH_NONCE_BYTES,
	                   s->epk_console, AUTH_EPK_BYTES, mac, sizeof mac);
}

size_t auth_speaker_done(struct auth_session *s, const uint8_t *payload, size_t len,
                         uint8_t *out, size_t cap)
{
	if (s->role != AUTH_SPEAKER || s->done || len != AUTH_PROOF_PAYLOAD ||
	    cap < PROTO_HEADER_SIZE + AUTH_DONE_PAYLOAD)
		return 0;
	/* No AUTH_HELLO sent, or its secret already spent on a refused key. */
	if (sodium_is_zero(s->eph_secret, sizeof s->eph_secret))
		return 0;
	memcpy(s->nonce_console, payload, AUTH_NONCE_BYTES);
	memcpy(s->epk_console, payload + AUTH_NONCE_BYTES, AUTH_EPK_BYTES);
	uint8_t want[AUTH_MAC_BYTES];
	proof(s, label_console, want);
	if (sodium_memcmp(want, payload + AUTH_NONCE_BYTES + AUTH_EPK_BYTES, AUTH_MAC_BYTES) != 0)
		return 0;
	/* The console proved the key over our nonce and both public keys; now its key must work. */
	if (exchange(s) < 0)
		return 0;
	uint8_t mac[AUTH_MAC_BYTES];
	proof(s, label_speaker, mac);
	size_t n = write_frame(out, cap, PROTO_AUTH_DONE, mac, sizeof mac, NULL, 0, NULL, 0);
	derive_keys(s);
	return n;
}

int auth_console_finish(struct auth_session *s, const uint8_t *payload, size_t len)
{
	if (s->role != AUTH_CONSOLE || s->done || len != AUTH_DONE_PAYLOAD)
		return -1;
	/* No AUTH_PROOF sent (or the speaker's key refused): nothing to finish. */
	if (!s->exchanged)
		return -1;
	uint8_t want[AUTH_MAC_BYTES];
	proof(s, label_speaker, want);
	if (sodium_memcmp(want, payload, AUTH_MAC_BYTES) != 0)
		return -1;
	derive_keys(s);
	return 0;
}
