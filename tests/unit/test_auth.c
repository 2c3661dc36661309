/*
 * Unit tests of the handshake in our frames and the pre-shared key file
 * (auth), the identities and trusted-key files (identity, trust), and the
 * sealed record layer (seal). The Noise state machine itself: test_noise.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "intercom/net/auth.h"
#include "intercom/net/proto.h"
#include "intercom/net/seal.h"
#include "intercom/net/trust.h"

/* ---- helpers ---- */

static char tmpdir[64];

static int setup_tmpdir(void **state)
{
	(void)state;
	if (auth_init() < 0)
		return -1;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/intercom-test-auth-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmpdir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void tmp_path(char *out, size_t cap, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", tmpdir, name);
	assert_true(n > 0 && (size_t)n < cap);
}

/* Writes exactly len bytes to a fresh file with exactly this mode (whatever the umask). */
static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static size_t read_file(const char *path, char *out, size_t cap)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	ssize_t n = read(fd, out, cap - 1);
	close(fd);
	assert_true(n >= 0);
	out[n] = '\0';
	return (size_t)n;
}

static void fill_key(struct auth_key *key, uint8_t seed)
{
	for (size_t i = 0; i < sizeof key->bytes; i++)
		key->bytes[i] = (uint8_t)(seed * 31u + i * 7u + 1u);
}

/* A heap copy of exactly len bytes, so ASan catches a read past the end. */
static uint8_t *exact_copy(const uint8_t *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	assert_non_null(p);
	if (len)
		memcpy(p, src, len);
	return p;
}

/* Checks a handshake frame's header and returns a heap copy of its payload. */
static uint8_t *frame_payload(const uint8_t *frame, size_t n, enum proto_type type, size_t *len)
{
	struct proto_header h;
	assert_true(n >= PROTO_HEADER_SIZE);
	assert_true(n <= AUTH_FRAME_MAX);
	assert_int_equal(proto_header_decode(frame, &h), PROTO_OK);
	assert_int_equal(h.type, type);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.length, n - PROTO_HEADER_SIZE);
	*len = h.length;
	return exact_copy(frame + PROTO_HEADER_SIZE, h.length);
}

/* The three messages of one handshake, as they went over the wire. */
struct transcript {
	uint8_t hello[AUTH_FRAME_MAX], proof[AUTH_FRAME_MAX], done[AUTH_FRAME_MAX];
	size_t hello_len, proof_len, done_len;
};

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* ---- key files ---- */

static void test_key_generate_mode_and_no_overwrite(void **state)
{
	(void)state;
	char path[128], err[256] = "", text[256];
	tmp_path(path, sizeof path, "gen.key");
	unlink(path);
	assert_int_equal(auth_key_generate(path, err, sizeof err), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);

	/* 64 hex digits and a newline. */
	size_t n = read_file(path, text, sizeof text);
	assert_int_equal(n, AUTH_KEY_BYTES * 2 + 1);
	assert_int_equal(text[AUTH_KEY_BYTES * 2], '\n');
	for (size_t i = 0; i < AUTH_KEY_BYTES * 2; i++)
		assert_non_null(strchr("0123456789abcdef", text[i]));

	/* Refuses to overwrite, and leaves the file as it was. */
	err[0] = '\0';
	assert_int_equal(auth_key_generate(path, err, sizeof err), -1);
	assert_true(strlen(err) > 0);
	assert_non_null(strstr(err, path));
	char again[256];
	assert_int_equal(read_file(path, again, sizeof again), n);
	assert_string_equal(again, text);

	/* Two generated keys differ. */
	char path2[128];
	tmp_path(path2, sizeof path2, "gen2.key");
	unlink(path2);
	assert_int_equal(auth_key_generate(path2, err, sizeof err), 0);
	read_file(path2, again, sizeof again);
	assert_string_not_equal(again, text);
	unlink(path);
	unlink(path2);
}

static void test_key_generate_bad_dir(void **state)
{
	(void)state;
	char path[128], err[256] = "";
	tmp_path(path, sizeof path, "no/such/dir.key");
	assert_int_equal(auth_key_generate(path, err, sizeof err), -1);
	assert_true(strlen(err) > 0);
}

static void test_key_load_generated(void **state)
{
	(void)state;
	char path[128], err[256] = "", text[256];
	tmp_path(path, sizeof path, "load.key");
	unlink(path);
	assert_int_equal(auth_key_generate(path, err, sizeof err), 0);
	read_file(path, text, sizeof text);
	uint8_t want[AUTH_KEY_BYTES];
	size_t bin_len = 0;
	assert_int_equal(sodium_hex2bin(want, sizeof want, text, AUTH_KEY_BYTES * 2, NULL, &bin_len, NULL), 0);
	assert_int_equal(bin_len, AUTH_KEY_BYTES);

	struct auth_key key;
	memset(&key, 0xee, sizeof key);
	assert_int_equal(auth_key_load(path, &key, err, sizeof err), 0);
	assert_memory_equal(key.bytes, want, AUTH_KEY_BYTES);
	unlink(path);
}

static void test_key_load_refuses_open_modes(void **state)
{
	(void)state;
	static const mode_t modes[] = { 0640, 0604, 0660, 0644, 0620, 0602, 0610, 0601, 0700 | 0040 };
	const char *hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
	char path[128];
	tmp_path(path, sizeof path, "mode.key");
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		write_file(path, hex, strlen(hex), modes[i]);
		char err[256] = "";
		struct auth_key key;
		assert_int_equal(auth_key_load(path, &key, err, sizeof err), -1);
		assert_non_null(strstr(err, "chmod 600"));
	}
	/* 0600 and 0400 are fine. */
	write_file(path, hex, strlen(hex), 0600);
	char err[256] = "";
	struct auth_key key;
	assert_int_equal(auth_key_load(path, &key, err, sizeof err), 0);
	assert_int_equal(key.bytes[0], 0x00);
	assert_int_equal(key.bytes[1], 0x11);
	assert_int_equal(key.bytes[31], 0xff);
	write_file(path, hex, strlen(hex), 0400);
	assert_int_equal(auth_key_load(path, &key, err, sizeof err), 0);
	unlink(path);
}

static void expect_load_fails(const char *content, size_t len)
{
	char path[128], err[256] = "";
	tmp_path(path, sizeof path, "bad.key");
	write_file(path, content, len, 0600);
	struct auth_key key;
	memset(&key, 0x5a, sizeof key);
	assert_int_equal(auth_key_load(path, &key, err, sizeof err), -1);
	assert_true(strlen(err) > 0);
	assert_non_null(strstr(err, "does not hold a key"));
	/* Nothing half-parsed is left behind. */
	assert_true(all_zero(key.bytes, sizeof key.bytes));
	unlink(path);
}

static void test_key_load_refuses_garbage(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"hello, this is not a key at all\n",
		/* 62 hex digits: a short key */
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddee\n",
		/* 63 hex digits: odd */
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeef\n",
		/* 66 hex digits: a long key */
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00\n",
		/* leading garbage */
		"key=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
		/* whitespace inside a byte */
		"0 0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
		"\n\n\n",
		"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_load_fails(bad[i], strlen(bad[i]));

	/* Raw binary key bytes instead of hex. */
	uint8_t raw[AUTH_KEY_BYTES];
	for (size_t i = 0; i < sizeof raw; i++)
		raw[i] = (uint8_t)(0x80 + i);
	expect_load_fails((const char *)raw, sizeof raw);
}

/*
 * A valid key followed by anything that is not whitespace is not a key file.
 * (auth_key_load checks *end after it has wiped the text `end` points into.)
 */
static void test_key_load_refuses_trailing_garbage(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff xyz\n",
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeffXYZ",
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n# old key: 42\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		print_message("trailing garbage case %zu\n", i);
		expect_load_fails(bad[i], strlen(bad[i]));
	}
}

static void test_key_load_tolerates_whitespace(void **state)
{
	(void)state;
	static const char *const good[] = {
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\r\n",
		"  \t00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff \n\n",
		"\n0011223344556677 8899aabbccddeeff\n00112233445566778899aabbccddeeff\n",
		"00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\n",
	};
	char path[128];
	tmp_path(path, sizeof path, "ws.key");
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		write_file(path, good[i], strlen(good[i]), 0600);
		char err[256] = "";
		struct auth_key key;
		memset(&key, 0, sizeof key);
		assert_int_equal(auth_key_load(path, &key, err, sizeof err), 0);
		for (size_t b = 0; b < 16; b++) {
			assert_int_equal(key.bytes[b], (uint8_t)(b * 0x11));
			assert_int_equal(key.bytes[16 + b], (uint8_t)(b * 0x11));
		}
	}
	unlink(path);
}

static void test_key_load_missing_or_not_regular(void **state)
{
	(void)state;
	char path[128], err[256] = "";
	struct auth_key key;
	tmp_path(path, sizeof path, "missing.key");
	unlink(path);
	assert_int_equal(auth_key_load(path, &key, err, sizeof err), -1);
	assert_non_null(strstr(err, "--gen-key"));

	err[0] = '\0';
	assert_int_equal(auth_key_load(tmpdir, &key, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

/* ---- handshake ---- */

/* Two identities and the pre-shared key mode of one pair of sessions. */
struct pair {
	struct identity spk_id, con_id;
	struct auth_session spk, con;
};

static void pair_init(struct pair *p, const struct auth_key *spk_psk, const struct auth_key *con_psk)
{
	crypto_box_keypair(p->spk_id.pk, p->spk_id.sk);
	crypto_box_keypair(p->con_id.pk, p->con_id.sk);
	auth_session_init(&p->spk, AUTH_SPEAKER, &p->spk_id, spk_psk);
	auth_session_init(&p->con, AUTH_CONSOLE, &p->con_id, con_psk);
}

/* Runs a whole handshake; asserts every step succeeds and the sizes of docs/PROTOCOL.md. */
static void handshake(struct pair *p, struct transcript *t)
{
	struct transcript local;
	if (!t)
		t = &local;
	size_t len;
	t->hello_len = auth_speaker_hello(&p->spk, t->hello, sizeof t->hello);
	assert_int_equal(t->hello_len, PROTO_HEADER_SIZE + (p->spk.keyed ? AUTH_NOISE_1_PSK_PAYLOAD
	                                                                  : AUTH_NOISE_1_PAYLOAD));
	uint8_t *m = frame_payload(t->hello, t->hello_len, PROTO_NOISE_1, &len);
	assert_int_equal(auth_console_reply(&p->con, m, len, t->proof, sizeof t->proof, &t->proof_len),
	                 AUTH_REPLY_OK);
	free(m);
	assert_int_equal(t->proof_len, PROTO_HEADER_SIZE + AUTH_NOISE_2_PAYLOAD);
	m = frame_payload(t->proof, t->proof_len, PROTO_NOISE_2, &len);
	assert_int_equal(auth_speaker_check(&p->spk, m, len), 0);
	free(m);
	assert_memory_equal(p->spk.peer, p->con_id.pk, IDENTITY_KEY_BYTES);
	t->done_len = auth_speaker_done(&p->spk, t->done, sizeof t->done);
	assert_int_equal(t->done_len, PROTO_HEADER_SIZE + AUTH_NOISE_3_PAYLOAD);
	m = frame_payload(t->done, t->done_len, PROTO_NOISE_3, &len);
	assert_int_equal(auth_console_finish(&p->con, m, len), 0);
	free(m);
	assert_memory_equal(p->con.peer, p->spk_id.pk, IDENTITY_KEY_BYTES);
}

static void test_handshake_both_modes(void **state)
{
	(void)state;
	struct auth_key key;
	fill_key(&key, 3);
	for (int keyed = 0; keyed < 2; keyed++) {
		struct pair p;
		pair_init(&p, keyed ? &key : NULL, keyed ? &key : NULL);
		handshake(&p, NULL);
		assert_true(p.spk.done && p.con.done);
		assert_memory_equal(p.spk.tx_key, p.con.rx_key, AUTH_SESSION_KEY_BYTES);
		assert_memory_equal(p.spk.rx_key, p.con.tx_key, AUTH_SESSION_KEY_BYTES);
		assert_memory_not_equal(p.spk.tx_key, p.spk.rx_key, AUTH_SESSION_KEY_BYTES);
		assert_false(all_zero(p.spk.tx_key, AUTH_SESSION_KEY_BYTES));
		auth_session_wipe(&p.spk);
		assert_true(all_zero((const uint8_t *)&p.spk, sizeof p.spk));
	}
}

/* A speaker with a key at a console without one, and the reverse: told apart at NOISE_1. */
static void test_handshake_key_mismatch_named(void **state)
{
	(void)state;
	struct auth_key key;
	fill_key(&key, 4);
	uint8_t out[AUTH_FRAME_MAX], hello[AUTH_FRAME_MAX];
	size_t n, len;
	struct pair p;
	pair_init(&p, &key, NULL);
	n = auth_speaker_hello(&p.spk, hello, sizeof hello);
	uint8_t *m = frame_payload(hello, n, PROTO_NOISE_1, &len);
	assert_int_equal(auth_console_reply(&p.con, m, len, out, sizeof out, &n), AUTH_REPLY_PEER_KEYED);
	free(m);
	pair_init(&p, NULL, &key);
	n = auth_speaker_hello(&p.spk, hello, sizeof hello);
	m = frame_payload(hello, n, PROTO_NOISE_1, &len);
	assert_int_equal(auth_console_reply(&p.con, m, len, out, sizeof out, &n), AUTH_REPLY_PEER_UNKEYED);
	free(m);
}

/* Different pre-shared keys: the console cannot open NOISE_3 (the speaker learns it by the hang-up). */
static void test_handshake_wrong_psk(void **state)
{
	(void)state;
	struct auth_key k1, k2;
	fill_key(&k1, 5);
	fill_key(&k2, 6);
	struct pair p;
	pair_init(&p, &k1, &k2);
	struct transcript t;
	size_t len;
	t.hello_len = auth_speaker_hello(&p.spk, t.hello, sizeof t.hello);
	uint8_t *m = frame_payload(t.hello, t.hello_len, PROTO_NOISE_1, &len);
	assert_int_equal(auth_console_reply(&p.con, m, len, t.proof, sizeof t.proof, &t.proof_len),
	                 AUTH_REPLY_OK);
	free(m);
	m = frame_payload(t.proof, t.proof_len, PROTO_NOISE_2, &len);
	assert_int_equal(auth_speaker_check(&p.spk, m, len), 0);
	free(m);
	t.done_len = auth_speaker_done(&p.spk, t.done, sizeof t.done);
	m = frame_payload(t.done, t.done_len, PROTO_NOISE_3, &len);
	assert_int_equal(auth_console_finish(&p.con, m, len), -1);
	free(m);
	assert_false(p.con.done);
}

/* Every byte of NOISE_2 and NOISE_3 flipped: refused (NOISE_1's e is caught by the next message). */
static void test_handshake_tampered(void **state)
{
	(void)state;
	struct auth_key key;
	fill_key(&key, 7);
	for (int keyed = 0; keyed < 2; keyed++) {
		for (size_t at = PROTO_HEADER_SIZE; at < PROTO_HEADER_SIZE + AUTH_NOISE_2_PAYLOAD; at++) {
			struct pair p;
			struct transcript t;
			size_t len;
			pair_init(&p, keyed ? &key : NULL, keyed ? &key : NULL);
			t.hello_len = auth_speaker_hello(&p.spk, t.hello, sizeof t.hello);
			uint8_t *m = frame_payload(t.hello, t.hello_len, PROTO_NOISE_1, &len);
			auth_console_reply(&p.con, m, len, t.proof, sizeof t.proof, &t.proof_len);
			free(m);
			t.proof[at] ^= 0x80;
			m = frame_payload(t.proof, t.proof_len, PROTO_NOISE_2, &len);
			assert_int_equal(auth_speaker_check(&p.spk, m, len), -1);
			free(m);
			assert_int_equal(auth_speaker_done(&p.spk, t.done, sizeof t.done), 0);
		}
		for (size_t at = PROTO_HEADER_SIZE; at < PROTO_HEADER_SIZE + AUTH_NOISE_3_PAYLOAD; at++) {
			struct pair p;
			struct transcript t;
			size_t len;
			pair_init(&p, keyed ? &key : NULL, keyed ? &key : NULL);
			t.hello_len = auth_speaker_hello(&p.spk, t.hello, sizeof t.hello);
			uint8_t *m = frame_payload(t.hello, t.hello_len, PROTO_NOISE_1, &len);
			auth_console_reply(&p.con, m, len, t.proof, sizeof t.proof, &t.proof_len);
			free(m);
			m = frame_payload(t.proof, t.proof_len, PROTO_NOISE_2, &len);
			assert_int_equal(auth_speaker_check(&p.spk, m, len), 0);
			free(m);
			t.done_len = auth_speaker_done(&p.spk, t.done, sizeof t.done);
			t.done[at] ^= 0x80;
			m = frame_payload(t.done, t.done_len, PROTO_NOISE_3, &len);
			assert_int_equal(auth_console_finish(&p.con, m, len), -1);
			free(m);
		}
	}
}

/* A recorded session played again: to a new speaker (NOISE_2) and to a new console (NOISE_1, NOISE_3). */
static void test_handshake_replayed(void **state)
{
	(void)state;
	struct pair a, b;
	struct transcript t, u;
	size_t len;
	pair_init(&a, NULL, NULL);
	handshake(&a, &t);
	/* The same identities again, fresh ephemeral keys. */
	auth_session_init(&b.spk, AUTH_SPEAKER, &a.spk_id, NULL);
	auth_session_init(&b.con, AUTH_CONSOLE, &a.con_id, NULL);
	u.hello_len = auth_speaker_hello(&b.spk, u.hello, sizeof u.hello);
	uint8_t *m = frame_payload(t.proof, t.proof_len, PROTO_NOISE_2, &len);
	assert_int_equal(auth_speaker_check(&b.spk, m, len), -1);
	free(m);
	m = frame_payload(t.hello, t.hello_len, PROTO_NOISE_1, &len);
	assert_int_equal(auth_console_reply(&b.con, m, len, u.proof, sizeof u.proof, &u.proof_len),
	                 AUTH_REPLY_OK);
	free(m);
	m = frame_payload(t.done, t.done_len, PROTO_NOISE_3, &len);
	assert_int_equal(auth_console_finish(&b.con, m, len), -1);
	free(m);
	assert_false(b.con.done);
}

/* Wrong lengths and steps out of order are refused, not crashed on. */
static void test_handshake_malformed(void **state)
{
	(void)state;
	struct pair p;
	uint8_t buf[AUTH_FRAME_MAX] = { 0 }, out[AUTH_FRAME_MAX];
	size_t n;
	pair_init(&p, NULL, NULL);
	for (size_t len = 0; len < sizeof buf - PROTO_HEADER_SIZE; len++) {
		if (len == AUTH_NOISE_1_PAYLOAD)
			continue;
		struct auth_session con;
		auth_session_init(&con, AUTH_CONSOLE, &p.con_id, NULL);
		enum auth_reply r = auth_console_reply(&con, buf, len, out, sizeof out, &n);
		/* 48 bytes: a keyed speaker, named as such. */
		assert_int_equal(r, len == AUTH_NOISE_1_PSK_PAYLOAD ? AUTH_REPLY_PEER_KEYED : AUTH_REPLY_BAD);
	}
	/* An all-zero e: the DH of zeros is refused. */
	assert_int_equal(auth_console_reply(&p.con, buf, AUTH_NOISE_1_PAYLOAD, out, sizeof out, &n),
	                 AUTH_REPLY_BAD);
	/* The speaker without NOISE_1 sent, and finishing before checking. */
	assert_int_equal(auth_speaker_check(&p.spk, buf, AUTH_NOISE_2_PAYLOAD), -1);
	assert_int_equal(auth_speaker_done(&p.spk, out, sizeof out), 0);
	assert_int_equal(auth_console_finish(&p.con, buf, AUTH_NOISE_3_PAYLOAD), -1);
	/* Roles: a speaker does not answer NOISE_1, a console does not start. */
	assert_int_equal(auth_console_reply(&p.spk, buf, AUTH_NOISE_1_PAYLOAD, out, sizeof out, &n),
	                 AUTH_REPLY_BAD);
	assert_int_equal(auth_speaker_hello(&p.con, out, sizeof out), 0);
}

/* Each session has keys of its own, with the same identities. */
static void test_handshake_fresh_keys(void **state)
{
	(void)state;
	struct pair a, b;
	pair_init(&a, NULL, NULL);
	handshake(&a, NULL);
	auth_session_init(&b.spk, AUTH_SPEAKER, &a.spk_id, NULL);
	auth_session_init(&b.con, AUTH_CONSOLE, &a.con_id, NULL);
	b.spk_id = a.spk_id;
	b.con_id = a.con_id;
	handshake(&b, NULL);
	assert_memory_not_equal(a.spk.tx_key, b.spk.tx_key, AUTH_SESSION_KEY_BYTES);
	assert_memory_not_equal(a.spk.rx_key, b.spk.rx_key, AUTH_SESSION_KEY_BYTES);
}

/* ---- identities and trusted keys ---- */

static void test_identity_file(void **state)
{
	(void)state;
	char path[128], err[512];
	tmp_path(path, sizeof path, "state/deeper/id.key");
	struct identity a, b;
	bool created;
	assert_int_equal(identity_load_or_create(path, &a, &created, err, sizeof err), 0);
	assert_true(created);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(identity_load_or_create(path, &b, &created, err, sizeof err), 0);
	assert_false(created);
	assert_memory_equal(a.pk, b.pk, sizeof a.pk);
	assert_memory_equal(a.sk, b.sk, sizeof a.sk);
	/* Readable by group or others: refused, with the fix. */
	for (mode_t mode = 0640; mode <= 0644; mode += 4) {
		chmod(path, mode);
		assert_int_equal(identity_load_or_create(path, &b, &created, err, sizeof err), -1);
		assert_non_null(strstr(err, "chmod 600"));
	}
	chmod(path, 0600);
	tmp_path(path, sizeof path, "garbage.key");
	write_file(path, "# nothing\nzz\n", 13, 0600);
	assert_int_equal(identity_load_or_create(path, &b, &created, err, sizeof err), -1);
	assert_non_null(strstr(err, "holds no key"));
}

static void test_identity_fingerprint(void **state)
{
	(void)state;
	uint8_t pk[32] = { 1, 2, 3 }, other[32] = { 1, 2, 4 };
	char fp[IDENTITY_FP_TEXT], sh[IDENTITY_SHORT_TEXT];
	identity_fingerprint(pk, fp);
	identity_short(pk, sh);
	assert_int_equal(strlen(fp), 39);
	assert_int_equal(strlen(sh), 8);
	assert_memory_equal(fp, sh, 4);
	assert_memory_equal(fp + 5, sh + 4, 4);
	uint8_t parsed[IDENTITY_FP_BYTES];
	assert_int_equal(identity_parse_fingerprint(fp, parsed), 0);
	assert_true(identity_matches(pk, parsed));
	assert_false(identity_matches(other, parsed));
	/* Colons, dashes, capitals and no separators are all the same fingerprint. */
	char typed[80];
	size_t o = 0;
	for (const char *c = fp; *c; c++)
		if (*c != ' ')
			typed[o++] = (char)(*c >= 'a' && *c <= 'f' ? *c - 'a' + 'A' : *c);
	typed[o] = '\0';
	assert_int_equal(identity_parse_fingerprint(typed, parsed), 0);
	assert_true(identity_matches(pk, parsed));
	assert_int_equal(identity_parse_fingerprint("ab12", parsed), -1);
	assert_int_equal(identity_parse_fingerprint("", parsed), -1);
	typed[3] = 'g';
	assert_int_equal(identity_parse_fingerprint(typed, parsed), -1);
	char longer[IDENTITY_FP_TEXT + 2];
	snprintf(longer, sizeof longer, "%s00", fp);
	assert_int_equal(identity_parse_fingerprint(longer, parsed), -1);
}

static void test_trust_list(void **state)
{
	(void)state;
	char path[128], err[512];
	tmp_path(path, sizeof path, "known");
	struct trust_list t;
	assert_int_equal(trust_load(&t, path, err, sizeof err), 0); /* missing: empty */
	assert_int_equal(t.n, 0);
	uint8_t k1[32] = { 9 }, k2[32] = { 8 };
	assert_int_equal(trust_put_label(&t, "hall:2348", k1), 0);
	assert_int_equal(trust_put_label(&t, "hall:2348", k2), 0); /* replaces */
	assert_int_equal(trust_put_key(&t, k1, "lobby-3"), 0);
	assert_int_equal(trust_put_key(&t, k1, "lobby-4"), 0);     /* relabels */
	assert_int_equal(t.n, 2);
	assert_int_equal(trust_save(&t, err, sizeof err), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	trust_free(&t);
	assert_int_equal(trust_load(&t, path, err, sizeof err), 0);
	assert_int_equal(t.n, 2);
	assert_memory_equal(trust_find_label(&t, "hall:2348")->key, k2, 32);
	assert_string_equal(trust_find_key(&t, k1)->label, "lobby-4");
	assert_int_equal(trust_remove_label(&t, "hall:2348"), 1);
	assert_true(trust_remove_key(&t, k1));
	assert_false(trust_remove_key(&t, k1));
	assert_int_equal(t.n, 0);
	trust_free(&t);
	/* A malformed line is refused with its number. */
	write_file(path, "# c\n0011 short\n", 15, 0600);
	assert_int_equal(trust_load(&t, path, err, sizeof err), -1);
	assert_non_null(strstr(err, "line 2"));
	struct trust_entry e;
	assert_int_equal(trust_parse_line("   \n", &e), 1);
	assert_int_equal(trust_parse_line("# x", &e), 1);
	char line[400];
	memset(e.key, 0xab, 32);
	strcpy(e.label, "[fd00::5]:2348");
	trust_format_line(&e, line, sizeof line);
	struct trust_entry back;
	assert_int_equal(trust_parse_line(line, &back), 0);
	assert_memory_equal(&back, &e, 32);
	assert_string_equal(back.label, e.label);
	assert_int_equal(trust_parse_line("abab label\x01", &back), -1);
}

/* ---- sealed records ---- */

#define KEYLEN crypto_secretstream_xchacha20poly1305_KEYBYTES
#define HDRLEN crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define TAGLEN crypto_secretstream_xchacha20poly1305_ABYTES

struct record {
	uint8_t *frame; /* heap, SEAL_FRAME_MAX */
	size_t len;     /* whole frame */
};

static void seal_pair(struct seal *tx, struct seal *rx, uint8_t seed)
{
	uint8_t key[KEYLEN];
	for (size_t i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)(seed + i * 3u);
	seal_init(tx, key);
	seal_init(rx, key);
}

static void fill_plain(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 13u + (i >> 8));
}

/* Seals n bytes of pattern `seed`; checks the SEALED frame's header. */
static struct record make_record(struct seal *tx, size_t n, uint8_t seed)
{
	uint8_t *plain = malloc(n ? n : 1);
	assert_non_null(plain);
	fill_plain(plain, n, seed);
	struct record r = { .frame = malloc(SEAL_FRAME_MAX) };
	assert_non_null(r.frame);
	bool first = !tx->started;
	r.len = seal_record(tx, plain, n, r.frame, SEAL_FRAME_MAX);
	free(plain);
	assert_int_equal(r.len, PROTO_HEADER_SIZE + (first ? HDRLEN : 0) + n + TAGLEN);
	struct proto_header h;
	assert_int_equal(proto_header_decode(r.frame, &h), PROTO_OK);
	assert_int_equal(h.type, PROTO_SEALED);
	assert_int_equal(h.length, r.len - PROTO_HEADER_SIZE);
	return r;
}

/* Opens a record's payload (an exact heap copy, so ASan sees over-reads). */
static int open_record(struct seal *rx, const struct record *r, size_t drop, uint8_t *plain,
                       size_t *plain_len)
{
	size_t len = r->len - PROTO_HEADER_SIZE - drop;
	uint8_t *payload = exact_copy(r->frame + PROTO_HEADER_SIZE, len);
	int rc = seal_open(rx, payload, len, plain, plain_len);
	free(payload);
	return rc;
}

static void expect_open(struct seal *rx, const struct record *r, size_t n, uint8_t seed)
{
	uint8_t *plain = malloc(SEAL_RECORD_MAX);
	uint8_t *want = malloc(n ? n : 1);
	assert_non_null(plain);
	assert_non_null(want);
	size_t got = (size_t)-1;
	assert_int_equal(open_record(rx, r, 0, plain, &got), 0);
	assert_int_equal(got, n);
	fill_plain(want, n, seed);
	if (n)
		assert_memory_equal(plain, want, n);
	free(plain);
	free(want);
}

static int try_open(struct seal *rx, const struct record *r)
{
	uint8_t *plain = malloc(SEAL_RECORD_MAX);
	assert_non_null(plain);
	size_t got;
	int rc = open_record(rx, r, 0, plain, &got);
	free(plain);
	return rc;
}

static void free_record(struct record *r)
{
	free(r->frame);
	r->frame = NULL;
}

static void test_seal_round_trip(void **state)
{
	(void)state;
	struct seal tx, rx;
	seal_pair(&tx, &rx, 1);
	static const size_t sizes[] = { 1, 100, 12, SEAL_RECORD_MAX, 0, 4096, 7 };
	struct record r[sizeof sizes / sizeof sizes[0]];
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		r[i] = make_record(&tx, sizes[i], (uint8_t)i);
	/* The key is wiped from the state once the stream has started. */
	assert_true(all_zero(tx.key, sizeof tx.key));
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		expect_open(&rx, &r[i], sizes[i], (uint8_t)i);
	assert_true(all_zero(rx.key, sizeof rx.key));
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		free_record(&r[i]);
	seal_wipe(&tx);
	seal_wipe(&rx);
	assert_true(all_zero((const uint8_t *)&tx, sizeof tx));
}

static void test_seal_same_plaintext_differs(void **state)
{
	(void)state;
	struct seal tx, rx;
	seal_pair(&tx, &rx, 2);
	struct record a = make_record(&tx, 64, 9);
	struct record b = make_record(&tx, 64, 9);
	/* Same bytes twice: different ciphertext, and the plain pattern is not in it. */
	assert_memory_not_equal(a.frame + PROTO_HEADER_SIZE + HDRLEN, b.frame + PROTO_HEADER_SIZE, 64);
	uint8_t plain[64];
	fill_plain(plain, sizeof plain, 9);
	assert_memory_not_equal(b.frame + PROTO_HEADER_SIZE, plain, sizeof plain);
	expect_open(&rx, &a, 64, 9);
	expect_open(&rx, &b, 64, 9);
	free_record(&a);
	free_record(&b);
}

static void test_seal_tampered_ciphertext(void **state)
{
	(void)state;
	/* Every region of the first record: ciphertext, tag. */
	static const size_t where[] = { HDRLEN, HDRLEN + 50, HDRLEN + 99, HDRLEN + 100, HDRLEN + 100 + TAGLEN - 1 };
	for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
		struct seal tx, rx;
		seal_pair(&tx, &rx, 3);
		struct record r = make_record(&tx, 100, 1);
		r.frame[PROTO_HEADER_SIZE + where[i]] ^= 0x01;
		assert_int_equal(try_open(&rx, &r), -1);
		free_record(&r);
	}
	/* A later record. */
	struct seal tx, rx;
	seal_pair(&tx, &rx, 3);
	struct record r1 = make_record(&tx, 100, 1);
	struct record r2 = make_record(&tx, 100, 2);
	expect_open(&rx, &r1, 100, 1);
	r2.frame[PROTO_HEADER_SIZE + 10] ^= 0x80;
	assert_int_equal(try_open(&rx, &r2), -1);
	free_record(&r1);
	free_record(&r2);
}

static void test_seal_tampered_header(void **state)
{
	(void)state;
	for (size_t at = 0; at < HDRLEN; at += 5) {
		struct seal tx, rx;
		seal_pair(&tx, &rx, 4);
		struct record r = make_record(&tx, 100, 1);
		r.frame[PROTO_HEADER_SIZE + at] ^= 0x04;
		assert_int_equal(try_open(&rx, &r), -1);
		free_record(&r);
	}
}

static void test_seal_reordered(void **state)
{
	(void)state;
	struct seal tx, rx;
	seal_pair(&tx, &rx, 5);
	struct record r1 = make_record(&tx, 100, 1);
	struct record r2 = make_record(&tx, 100, 2);
	assert_int_equal(try_open(&rx, &r2), -1);
	free_record(&r1);
	free_record(&r2);

	/* 1, 3, 2: the skipped record is detected. */
	seal_pair(&tx, &rx, 5);
	r1 = make_record(&tx, 100, 1);
	r2 = make_record(&tx, 100, 2);
	struct record r3 = make_record(&tx, 100, 3);
	expect_open(&rx, &r1, 100, 1);
	assert_int_equal(try_open(&rx, &r3), -1);
	free_record(&r1);
	free_record(&r2);
	free_record(&r3);

	/* Two records of equal size swapped after the first. */
	seal_pair(&tx, &rx, 5);
	r1 = make_record(&tx, 100, 1);
	r2 = make_record(&tx, 100, 2);
	r3 = make_record(&tx, 100, 3);
	expect_open(&rx, &r1, 100, 1);
	struct seal rx_copy = rx;
	assert_int_equal(try_open(&rx, &r3), -1);
	expect_open(&rx_copy, &r2, 100, 2);
	expect_open(&rx_copy, &r3, 100, 3);
	free_record(&r1);
	free_record(&r2);
	free_record(&r3);
}

static void test_seal_replayed(void **state)
{
	(void)state;
	struct seal tx, rx;
	seal_pair(&tx, &rx, 6);
	struct record r1 = make_record(&tx, 100, 1);
	struct record r2 = make_record(&tx, 100, 2);
	expect_open(&rx, &r1, 100, 1);
	assert_int_equal(try_open(&rx, &r1), -1);
	free_record(&r1);
	free_record(&r2);

	/* 1, 2, 2 */
	seal_pair(&tx, &rx, 6);
	r1 = make_record(&tx, 100, 1);
	r2 = make_record(&tx, 100, 2);
	expect_open(&rx, &r1, 100, 1);
	expect_open(&rx, &r2, 100, 2);
	assert_int_equal(try_open(&rx, &r2), -1);
	free_record(&r1);
	free_record(&r2);

	/* A first record replayed from another stream under the same key: new stream header,
	 * so the receiver of stream B cannot take stream A's second record. */
	struct seal tx_a, rx_a, tx_b, rx_b;
	seal_pair(&tx_a, &rx_a, 6);
	seal_pair(&tx_b, &rx_b, 6);
	struct record a1 = make_record(&tx_a, 100, 1);
	struct record a2 = make_record(&tx_a, 100, 2);
	struct record b1 = make_record(&tx_b, 100, 1);
	expect_open(&rx_b, &b1, 100, 1);
	assert_int_equal(try_open(&rx_b, &a2), -1);
	free_record(&a1);
	free_record(&a2);
	free_record(&b1);
}

static void test_seal_truncated(void **state)
{
	(void)state;
	struct seal tx, rx;
	seal_pair(&tx, &rx, 7);
	struct record r1 = make_record(&tx, 100, 1);
	uint8_t *plain = malloc(SEAL_RECORD_MAX);
	assert_non_null(plain);
	size_t got;
	assert_int_equal(open_record(&rx, &r1, 1, plain, &got), -1);
	free_record(&r1);

	/* A later record, and records cut to less than a tag or a header. */
	seal_pair(&tx, &rx, 7);
	r1 = make_record(&tx, 100, 1);
	struct record r2 = make_record(&tx, 100, 2);
	expect_open(&rx, &r1, 100, 1);
	struct seal rx_copy = rx;
	assert_int_equal(open_record(&rx, &r2, 1, plain, &got), -1);
	assert_int_equal(open_record(&rx_copy, &r2, 100 + 1, plain, &got), -1);
	free_record(&r1);
	free_record(&r2);

	seal_pair(&tx, &rx, 7);
	r1 = make_record(&tx, 0, 1);
	struct seal rx2 = rx;
	assert_int_equal(open_record(&rx, &r1, TAGLEN + 1, plain, &got), -1); /* short of a header */
	assert_int_equal(open_record(&rx2, &r1, 1, plain, &got), -1);         /* short of a tag */
	free_record(&r1);
	free(plain);
}

static void test_seal_wrong_key(void **state)
{
	(void)state;
	struct seal tx, rx, other_tx, other_rx;
	seal_pair(&tx, &rx, 8);
	seal_pair(&other_tx, &other_rx, 9);
	struct record r = make_record(&tx, 100, 1);
	assert_int_equal(try_open(&other_rx, &r), -1);
	free_record(&r);
}

static void test_seal_empty_record(void **state)
{
	(void)state;
	struct seal tx, rx;
	seal_pair(&tx, &rx, 10);
	struct record r1 = make_record(&tx, 0, 1);
	struct record r2 = make_record(&tx, 0, 2);
	struct record r3 = make_record(&tx, 10, 3);
	expect_open(&rx, &r1, 0, 1);
	expect_open(&rx, &r2, 0, 2);
	expect_open(&rx, &r3, 10, 3);
	free_record(&r1);
	free_record(&r2);
	free_record(&r3);
}

static void test_seal_record_max(void **state)
{
	(void)state;
	struct seal tx, rx;
	seal_pair(&tx, &rx, 11);
	uint8_t *plain = malloc(SEAL_RECORD_MAX + 1);
	uint8_t *out = malloc(SEAL_FRAME_MAX + 64);
	assert_non_null(plain);
	assert_non_null(out);
	fill_plain(plain, SEAL_RECORD_MAX + 1, 4);

	/* One over is refused, and leaves the stream unstarted and usable. */
	assert_int_equal(seal_record(&tx, plain, SEAL_RECORD_MAX + 1, out, SEAL_FRAME_MAX + 64), 0);
	assert_false(tx.started);
	/* So is a buffer one byte short of the frame. */
	assert_int_equal(seal_record(&tx, plain, SEAL_RECORD_MAX, out, SEAL_FRAME_MAX - 1), 0);
	assert_false(tx.started);

	/* Exactly the maximum fills SEAL_FRAME_MAX. */
	struct record r1 = make_record(&tx, SEAL_RECORD_MAX, 4);
	assert_int_equal(r1.len, SEAL_FRAME_MAX);
	struct record r2 = make_record(&tx, SEAL_RECORD_MAX, 5);
	assert_int_equal(seal_record(&tx, plain, SEAL_RECORD_MAX + 1, out, SEAL_FRAME_MAX + 64), 0);
	struct record r3 = make_record(&tx, 1, 6);
	expect_open(&rx, &r1, SEAL_RECORD_MAX, 4);
	expect_open(&rx, &r2, SEAL_RECORD_MAX, 5);
	expect_open(&rx, &r3, 1, 6);
	free_record(&r1);
	free_record(&r2);
	free_record(&r3);
	free(plain);
	free(out);
}

static void test_seal_open_refuses_oversized(void **state)
{
	(void)state;
	/* A payload claiming more than SEAL_RECORD_MAX plain bytes never reaches the buffer. */
	struct seal tx, rx;
	seal_pair(&tx, &rx, 12);
	struct record r1 = make_record(&tx, 10, 1);
	expect_open(&rx, &r1, 10, 1);
	size_t len = SEAL_RECORD_MAX + TAGLEN + 1;
	uint8_t *big = calloc(1, len);
	uint8_t *plain = malloc(SEAL_RECORD_MAX);
	assert_non_null(big);
	assert_non_null(plain);
	size_t got;
	assert_int_equal(seal_open(&rx, big, len, plain, &got), -1);
	free(big);
	free(plain);
	free_record(&r1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_generate_mode_and_no_overwrite),
		cmocka_unit_test(test_key_generate_bad_dir),
		cmocka_unit_test(test_key_load_generated),
		cmocka_unit_test(test_key_load_refuses_open_modes),
		cmocka_unit_test(test_key_load_refuses_garbage),
		cmocka_unit_test(test_key_load_refuses_trailing_garbage),
		cmocka_unit_test(test_key_load_tolerates_whitespace),
		cmocka_unit_test(test_key_load_missing_or_not_regular),
		cmocka_unit_test(test_handshake_both_modes),
		cmocka_unit_test(test_handshake_key_mismatch_named),
		cmocka_unit_test(test_handshake_wrong_psk),
		cmocka_unit_test(test_handshake_tampered),
		cmocka_unit_test(test_handshake_replayed),
		cmocka_unit_test(test_handshake_malformed),
		cmocka_unit_test(test_handshake_fresh_keys),
		cmocka_unit_test(test_identity_file),
		cmocka_unit_test(test_identity_fingerprint),
		cmocka_unit_test(test_trust_list),
		cmocka_unit_test(test_seal_round_trip),
		cmocka_unit_test(test_seal_same_plaintext_differs),
		cmocka_unit_test(test_seal_tampered_ciphertext),
		cmocka_unit_test(test_seal_tampered_header),
		cmocka_unit_test(test_seal_reordered),
		cmocka_unit_test(test_seal_replayed),
		cmocka_unit_test(test_seal_truncated),
		cmocka_unit_test(test_seal_wrong_key),
		cmocka_unit_test(test_seal_empty_record),
		cmocka_unit_test(test_seal_record_max),
		cmocka_unit_test(test_seal_open_refuses_oversized),
	};
	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
