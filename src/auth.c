/* Pre-shared key: key files, the handshake, session keys. All crypto is libsodium's. */
#include "intercom/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "intercom/proto.h"

/* crypto_kdf contexts are 8 bytes; subkey ids keep the two uses of the PSK apart. */
#define KDF_CONTEXT "icom-psk"
#define SUBKEY_MAC 1
#define SUBKEY_SESSION 2

/* Each proof names its role, so a console's proof can never be replayed as a speaker's. */
static const char label_console[] = "intercom v1 console proof";
static const char label_speaker[] = "intercom v1 speaker proof";
static const char label_to_speaker[] = "intercom v1 console->speaker";
static const char label_to_console[] = "intercom v1 speaker->console";

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

/* MAC over a label and both nonces, speaker's first. */
static void proof(const struct auth_session *s, const char *label, uint8_t mac[AUTH_MAC_BYTES])
{
	crypto_auth_hmacsha512256_state st;
	crypto_auth_hmacsha512256_init(&st, s->mac_key, sizeof s->mac_key);
	crypto_auth_hmacsha512256_update(&st, (const uint8_t *)label, strlen(label));
	crypto_auth_hmacsha512256_update(&st, s->nonce_speaker, AUTH_NONCE_BYTES);
	crypto_auth_hmacsha512256_update(&st, s->nonce_console, AUTH_NONCE_BYTES);
	crypto_auth_hmacsha512256_final(&st, mac);
	sodium_memzero(&st, sizeof st);
}

static void session_key_for(const struct auth_session *s, const char *label,
                            uint8_t out[AUTH_SESSION_KEY_BYTES])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, s->session_key, sizeof s->session_key, AUTH_SESSION_KEY_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
	crypto_generichash_update(&st, s->nonce_speaker, AUTH_NONCE_BYTES);
	crypto_generichash_update(&st, s->nonce_console, AUTH_NONCE_BYTES);
	crypto_generichash_final(&st, out, AUTH_SESSION_KEY_BYTES);
	/* The keyed hash's state holds K_sess. */
	sodium_memzero(&st, sizeof st);
}

static void derive_keys(struct auth_session *s)
{
	bool console = s->role == AUTH_CONSOLE;
	session_key_for(s, console ? label_to_speaker : label_to_console, s->tx_key);
	session_key_for(s, console ? label_to_console : label_to_speaker, s->rx_key);
	/* The long-term subkeys are not needed for the rest of the connection. */
	sodium_memzero(s->mac_key, sizeof s->mac_key);
	sodium_memzero(s->session_key, sizeof s->session_key);
	s->done = true;
}

/* Header plus parts, or 0 when it does not fit. */
static size_t write_frame(uint8_t *out, size_t cap, enum proto_type type, const uint8_t *a,
                          size_t alen, const uint8_t *b, size_t blen)
{
	if (cap < PROTO_HEADER_SIZE + alen + blen)
		return 0;
	proto_header_encode(out, type, (uint32_t)(alen + blen));
	memcpy(out + PROTO_HEADER_SIZE, a, alen);
	if (blen)
		memcpy(out + PROTO_HEADER_SIZE + alen, b, blen);
	return PROTO_HEADER_SIZE + alen + blen;
}

size_t auth_speaker_hello(struct auth_session *s, uint8_t *out, size_t cap)
{
	randombytes_buf(s->nonce_speaker, AUTH_NONCE_BYTES);
	return write_frame(out, cap, PROTO_AUTH_HELLO, s->nonce_speaker, AUTH_NONCE_BYTES, NULL, 0);
}

size_t auth_console_proof(struct auth_session *s, const uint8_t *payload, size_t len,
                          uint8_t *out, size_t cap)
{
	if (s->role != AUTH_CONSOLE || len != AUTH_NONCE_BYTES)
		return 0;
	memcpy(s->nonce_speaker, payload, AUTH_NONCE_BYTES);
	randombytes_buf(s->nonce_console, AUTH_NONCE_BYTES);
	uint8_t mac[AUTH_MAC_BYTES];
	proof(s, label_console, mac);
	return write_frame(out, cap, PROTO_AUTH_PROOF, s->nonce_console, AUTH_NONCE_BYTES, mac,
	                   sizeof mac);
}

size_t auth_speaker_done(struct auth_session *s, const uint8_t *payload, size_t len,
                         uint8_t *out, size_t cap)
{
	if (s->role != AUTH_SPEAKER || len != AUTH_NONCE_BYTES + AUTH_MAC_BYTES)
		return 0;
	memcpy(s->nonce_console, payload, AUTH_NONCE_BYTES);
	uint8_t want[AUTH_MAC_BYTES];
	proof(s, label_console, want);
	if (sodium_memcmp(want, payload + AUTH_NONCE_BYTES, AUTH_MAC_BYTES) != 0)
		return 0;
	uint8_t mac[AUTH_MAC_BYTES];
	proof(s, label_speaker, mac);
	size_t n = write_frame(out, cap, PROTO_AUTH_DONE, mac, sizeof mac, NULL, 0);
	if (n)
		derive_keys(s);
	return n;
}

int auth_console_finish(struct auth_session *s, const uint8_t *payload, size_t len)
{
	if (s->role != AUTH_CONSOLE || len != AUTH_MAC_BYTES)
		return -1;
	uint8_t want[AUTH_MAC_BYTES];
	proof(s, label_speaker, want);
	if (sodium_memcmp(want, payload, AUTH_MAC_BYTES) != 0)
		return -1;
	derive_keys(s);
	return 0;
}
