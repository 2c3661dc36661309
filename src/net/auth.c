/* The handshake in our frames, and the pre-shared key file (auth.h). */
#include "intercom/net/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "intercom/net/proto.h"

_Static_assert(AUTH_KEY_BYTES == NOISE_PSKLEN, "a pre-shared key is Noise's psk");
_Static_assert(AUTH_FRAME_MAX == PROTO_HEADER_SIZE + AUTH_NOISE_2_PAYLOAD, "largest frame is NOISE_2");
_Static_assert(AUTH_NOISE_2_PAYLOAD <= PROTO_MAX_CONTROL_PAYLOAD, "handshake frames are control frames");

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

void auth_session_init(struct auth_session *s, enum auth_role role, const struct identity *id,
                       const struct auth_key *psk)
{
	memset(s, 0, sizeof *s);
	s->role = role;
	s->keyed = psk != NULL;
	noise_init(&s->noise, role == AUTH_SPEAKER ? NOISE_INITIATOR : NOISE_RESPONDER,
	           (const uint8_t *)AUTH_PROLOGUE, sizeof AUTH_PROLOGUE - 1, id->sk,
	           psk ? psk->bytes : NULL);
}

void auth_session_wipe(struct auth_session *s)
{
	sodium_memzero(s, sizeof *s);
}

/* A frame of type around what noise wrote at out + header. */
static size_t framed(uint8_t *out, enum proto_type type, size_t n)
{
	if (n == 0)
		return 0;
	proto_header_encode(out, type, (uint32_t)n);
	return PROTO_HEADER_SIZE + n;
}

size_t auth_speaker_hello(struct auth_session *s, uint8_t *out, size_t cap)
{
	if (s->role != AUTH_SPEAKER || cap < PROTO_HEADER_SIZE)
		return 0;
	return framed(out, PROTO_NOISE_1,
	              noise_write(&s->noise, NULL, 0, out + PROTO_HEADER_SIZE, cap - PROTO_HEADER_SIZE));
}

enum auth_reply auth_console_reply(struct auth_session *s, const uint8_t *payload, size_t len,
                                   uint8_t *out, size_t cap, size_t *outlen)
{
	*outlen = 0;
	if (s->role != AUTH_CONSOLE || cap < PROTO_HEADER_SIZE)
		return AUTH_REPLY_BAD;
	/* The length says whether the speaker mixes a key in, before anything is decrypted. */
	if (len == AUTH_NOISE_1_PSK_PAYLOAD && !s->keyed)
		return AUTH_REPLY_PEER_KEYED;
	if (len == AUTH_NOISE_1_PAYLOAD && s->keyed)
		return AUTH_REPLY_PEER_UNKEYED;
	uint8_t empty[1];
	if (noise_read(&s->noise, payload, len, empty, 0) != 0)
		return AUTH_REPLY_BAD;
	*outlen = framed(out, PROTO_NOISE_2,
	                 noise_write(&s->noise, NULL, 0, out + PROTO_HEADER_SIZE, cap - PROTO_HEADER_SIZE));
	return *outlen ? AUTH_REPLY_OK : AUTH_REPLY_BAD;
}

int auth_speaker_check(struct auth_session *s, const uint8_t *payload, size_t len)
{
	uint8_t empty[1];
	if (s->role != AUTH_SPEAKER || len != AUTH_NOISE_2_PAYLOAD ||
	    noise_read(&s->noise, payload, len, empty, 0) != 0)
		return -1;
	memcpy(s->peer, noise_remote_static(&s->noise), sizeof s->peer);
	s->peer_known = true;
	return 0;
}

size_t auth_speaker_done(struct auth_session *s, uint8_t *out, size_t cap)
{
	if (s->role != AUTH_SPEAKER || !s->peer_known || cap < PROTO_HEADER_SIZE)
		return 0;
	size_t n = framed(out, PROTO_NOISE_3,
	                  noise_write(&s->noise, NULL, 0, out + PROTO_HEADER_SIZE, cap - PROTO_HEADER_SIZE));
	if (n == 0 || noise_split(&s->noise, s->tx_key, s->rx_key, NULL) < 0)
		return 0;
	s->done = true;
	return n;
}

int auth_console_finish(struct auth_session *s, const uint8_t *payload, size_t len)
{
	uint8_t empty[1];
	if (s->role != AUTH_CONSOLE || len != AUTH_NOISE_3_PAYLOAD ||
	    noise_read(&s->noise, payload, len, empty, 0) != 0)
		return -1;
	memcpy(s->peer, noise_remote_static(&s->noise), sizeof s->peer);
	s->peer_known = true;
	if (noise_split(&s->noise, s->tx_key, s->rx_key, NULL) < 0)
		return -1;
	s->done = true;
	return 0;
}
