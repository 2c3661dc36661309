/* Long-term key pairs: key files, fingerprints (identity.h). */
#include "intercom/net/identity.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(IDENTITY_KEY_BYTES == crypto_scalarmult_BYTES, "X25519 key size");

/* Domain-separates the fingerprint from any other hash of the key. */
static const char fp_label[] = "intercom identity";

static void fingerprint_bytes(const uint8_t pk[IDENTITY_KEY_BYTES], uint8_t fp[IDENTITY_FP_BYTES])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, IDENTITY_FP_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)fp_label, sizeof fp_label - 1);
	crypto_generichash_update(&st, pk, IDENTITY_KEY_BYTES);
	crypto_generichash_final(&st, fp, IDENTITY_FP_BYTES);
}

void identity_fingerprint(const uint8_t pk[IDENTITY_KEY_BYTES], char out[IDENTITY_FP_TEXT])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t fp[IDENTITY_FP_BYTES];
	fingerprint_bytes(pk, fp);
	size_t o = 0;
	for (size_t i = 0; i < IDENTITY_FP_BYTES; i++) {
		if (i > 0 && i % 2 == 0)
			out[o++] = ' ';
		out[o++] = hex[fp[i] >> 4];
		out[o++] = hex[fp[i] & 15];
	}
	out[o] = '\0';
}

void identity_short(const uint8_t pk[IDENTITY_KEY_BYTES], char out[IDENTITY_SHORT_TEXT])
{
	char full[IDENTITY_FP_TEXT];
	identity_fingerprint(pk, full);
	/* "ab12 cd34" without its space. */
	memcpy(out, full, 4);
	memcpy(out + 4, full + 5, 4);
	out[8] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int identity_parse_fingerprint(const char *text, uint8_t fp[IDENTITY_FP_BYTES])
{
	size_t digits = 0;
	for (const char *c = text; *c; c++) {
		if (*c == ' ' || *c == ':' || *c == '-')
			continue;
		int v = hex_value(*c);
		if (v < 0 || digits >= IDENTITY_FP_BYTES * 2)
			return -1;
		if (digits % 2 == 0)
			fp[digits / 2] = (uint8_t)(v << 4);
		else
			fp[digits / 2] |= (uint8_t)v;
		digits++;
	}
	return digits == IDENTITY_FP_BYTES * 2 ? 0 : -1;
}

bool identity_matches(const uint8_t pk[IDENTITY_KEY_BYTES], const uint8_t fp[IDENTITY_FP_BYTES])
{
	uint8_t mine[IDENTITY_FP_BYTES];
	fingerprint_bytes(pk, mine);
	return sodium_memcmp(mine, fp, IDENTITY_FP_BYTES) == 0;
}

int identity_parse_key(const char *hex, size_t len, uint8_t key[IDENTITY_KEY_BYTES])
{
	if (len != IDENTITY_KEY_BYTES * 2)
		return -1;
	for (size_t i = 0; i < IDENTITY_KEY_BYTES; i++) {
		int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void identity_state_dir(char *out, size_t outlen)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	if (state && state[0] == '/')
		snprintf(out, outlen, "%s/intercom", state);
	else if (home && home[0])
		snprintf(out, outlen, "%s/.local/state/intercom", home);
	else if (outlen)
		out[0] = '\0';
}

/* mkdir -p of path's directory, new ones mode 0700. */
static int make_parents(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(dir, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* A new key pair written to path (which must not exist), mode 0600. */
static int create(const char *path, struct identity *id, char *err, size_t errlen)
{
	if (make_parents(path) < 0) {
		snprintf(err, errlen, "cannot create the directory of %s: %s (set XDG_STATE_HOME to a "
		         "writable directory)", path, strerror(errno));
		return -1;
	}
	crypto_box_keypair(id->pk, id->sk);
	char text[IDENTITY_KEY_BYTES * 2 + 96];
	char hex[IDENTITY_KEY_BYTES * 2 + 1];
	sodium_bin2hex(hex, sizeof hex, id->sk, sizeof id->sk);
	int len = snprintf(text, sizeof text, "# intercom identity: the secret key, keep it private\n%s\n",
	                   hex);
	sodium_memzero(hex, sizeof hex);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create identity file %s: %s", path, strerror(errno));
		sodium_memzero(text, sizeof text);
		return -1;
	}
	ssize_t n = write(fd, text, (size_t)len);
	sodium_memzero(text, sizeof text);
	if (n != len || fsync(fd) < 0) {
		snprintf(err, errlen, "cannot write identity file %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

int identity_load_or_create(const char *path, struct identity *id, bool *created, char *err,
                            size_t errlen)
{
	*created = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		*created = true;
		return create(path, id, err, errlen);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot open identity file %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "identity file %s is not a regular file: remove it, a new identity "
		         "is made on the next start", path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "identity file %s is open to group or others (mode %03o): run chmod "
		         "600 %s", path, (unsigned)(st.st_mode & 0777), path);
		close(fd);
		return -1;
	}
	char text[512];
	ssize_t n = read(fd, text, sizeof text - 1);
	close(fd);
	int rc = -1;
	if (n > 0) {
		text[n] = '\0';
		/* Comment lines, then the hex key on a line of its own. */
		char *line = text, *next;
		for (; line && *line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			if (*line == '#' || *line == '\0')
				continue;
			rc = identity_parse_key(line, strlen(line), id->sk);
			break;
		}
	}
	sodium_memzero(text, sizeof text);
	if (rc < 0) {
		snprintf(err, errlen, "identity file %s holds no key: remove it, a new identity is made "
		         "on the next start (its speakers or console then see a new key)", path);
		sodium_memzero(id, sizeof *id);
		return -1;
	}
	crypto_scalarmult_base(id->pk, id->sk);
	return 0;
}

void identity_wipe(struct identity *id)
{
	sodium_memzero(id, sizeof *id);
}
