/*
 * Unit tests of the pre-shared key (auth: key files, handshake, session keys)
 * and of the sealed record layer (seal).
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

/* Runs a whole handshake between spk and con; asserts every step succeeds. */
static void handshake(struct auth_session *spk, struct auth_session *con, struct transcript *t)
{
	struct transcript local;
	if (!t)
		t = &local;
	size_t len;
	t->hello_len = auth_speaker_hello(spk, t->hello, sizeof t->hello);
	assert_int_equal(t->hello_len, PROTO_HEADER_SIZE + AUTH_HELLO_PAYLOAD);
	uint8_t *p = frame_payload(t->hello, t->hello_len, PROTO_AUTH_HELLO, &len);
	t->proof_len = auth_console_proof(con, p, len, t->proof, sizeof t->proof);
	free(p);
	assert_int_equal(t->proof_len, PROTO_HEADER_SIZE + AUTH_PROOF_PAYLOAD);
	p = frame_payload(t->proof, t->proof_len, PROTO_AUTH_PROOF, &len);
	t->done_len = auth_speaker_done(spk, p, len, t->done, sizeof t->done);
	free(p);
	assert_int_equal(t->done_len, PROTO_HEADER_SIZE + AUTH_DONE_PAYLOAD);
	p = frame_payload(t->done, t->done_len, PROTO_AUTH_DONE, &len);
	assert_int_equal(auth_console_finish(con, p, len), 0);
	free(p);
}

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

/*
 * The MAC as docs/SECURITY.md specifies it, computed here independently of
 * auth.c (one-shot HMAC over the concatenation): lets a test stand in for a
 * party that holds the PSK and chooses its transcript.
 */
static const char LABEL_CONSOLE[] = "intercom v2 console proof";
static const char LABEL_SPEAKER[] = "intercom v2 speaker proof";

static void ref_mac(const struct auth_key *key, const char *label, const uint8_t *ns,
                    const uint8_t *nc, const uint8_t *es, const uint8_t *ec, uint8_t *mac)
{
	uint8_t k_mac[crypto_auth_hmacsha512256_KEYBYTES];
	crypto_kdf_derive_from_key(k_mac, sizeof k_mac, 1, "icom-psk", key->bytes);
	uint8_t msg[64 + 4 * 32];
	size_t l = strlen(label);
	assert_true(l <= 64);
	memcpy(msg, label, l);
	memcpy(msg + l, ns, 32);
	memcpy(msg + l + 32, nc, 32);
	memcpy(msg + l + 64, es, 32);
	memcpy(msg + l + 96, ec, 32);
	crypto_auth_hmacsha512256(mac, msg, l + 128, k_mac);
	sodium_memzero(k_mac, sizeof k_mac);
}

/* Offsets in the payloads. */
#define HELLO_NONCE 0
#define HELLO_EPK AUTH_NONCE_BYTES
#define PROOF_NONCE 0
#define PROOF_EPK AUTH_NONCE_BYTES
#define PROOF_MAC (AUTH_NONCE_BYTES + AUTH_EPK_BYTES)

/* Runs hello; returns its payload (heap). */
static uint8_t *speaker_hello(struct auth_session *spk, size_t *len)
{
	uint8_t hello[AUTH_FRAME_MAX];
	size_t n = auth_speaker_hello(spk, hello, sizeof hello);
	assert_int_equal(n, PROTO_HEADER_SIZE + AUTH_HELLO_PAYLOAD);
	return frame_payload(hello, n, PROTO_AUTH_HELLO, len);
}

/* Runs proof on a hello payload; returns its payload (heap). */
static uint8_t *console_proof(struct auth_session *con, const uint8_t *hello, size_t hello_len,
                              size_t *len)
{
	uint8_t proof[AUTH_FRAME_MAX];
	size_t n = auth_console_proof(con, hello, hello_len, proof, sizeof proof);
	assert_int_equal(n, PROTO_HEADER_SIZE + AUTH_PROOF_PAYLOAD);
	return frame_payload(proof, n, PROTO_AUTH_PROOF, len);
}

/* Runs done on a proof payload; returns its payload (heap), or NULL when refused. */
static uint8_t *speaker_done(struct auth_session *spk, const uint8_t *proof, size_t proof_len,
                             size_t *len)
{
	uint8_t done[AUTH_FRAME_MAX];
	size_t n = auth_speaker_done(spk, proof, proof_len, done, sizeof done);
	if (n == 0)
		return NULL;
	assert_int_equal(n, PROTO_HEADER_SIZE + AUTH_DONE_PAYLOAD);
	return frame_payload(done, n, PROTO_AUTH_DONE, len);
}

static void test_handshake_right_key(void **state)
{
	(void)state;
	struct auth_key key;
	fill_key(&key, 1);
	struct auth_session spk, con;
	auth_session_init(&spk, AUTH_SPEAKER, &key);
	auth_session_init(&con, AUTH_CONSOLE, &key);
	assert_false(spk.done);
	assert_false(con.done);
	size_t len, hlen, plen;
	uint8_t *hello = speaker_hello(&spk, &hlen);
	assert_int_equal(hlen, 64);
	assert_false(all_zero(spk.eph_secret, sizeof spk.eph_secret));
	uint8_t *proof = console_proof(&con, hello, hlen, &plen);
	assert_int_equal(plen, 96);
	/* The console's ephemeral secret is gone as soon as it has been used. */
	assert_true(all_zero(con.eph_secret, sizeof con.eph_secret));
	assert_memory_equal(hello + HELLO_EPK, con.epk_speaker, AUTH_EPK_BYTES);
	assert_memory_equal(proof + PROOF_EPK, con.epk_console, AUTH_EPK_BYTES);
	uint8_t *done = speaker_done(&spk, proof, plen, &len);
	assert_non_null(done);
	assert_int_equal(len, 32);
	assert_int_equal(auth_console_finish(&con, done, len), 0);
	free(hello);
	free(proof);
	free(done);
	assert_true(spk.done);
	assert_true(con.done);
	assert_memory_equal(spk.tx_key, con.rx_key, AUTH_SESSION_KEY_BYTES);
	assert_memory_equal(spk.rx_key, con.tx_key, AUTH_SESSION_KEY_BYTES);
	assert_memory_not_equal(spk.tx_key, spk.rx_key, AUTH_SESSION_KEY_BYTES);
	assert_false(all_zero(spk.tx_key, AUTH_SESSION_KEY_BYTES));
	assert_false(all_zero(spk.rx_key, AUTH_SESSION_KEY_BYTES));
	assert_memory_not_equal(spk.epk_speaker, spk.epk_console, AUTH_EPK_BYTES);
	/* Session keys are neither the PSK nor its subkeys, and every intermediate is gone. */
	assert_memory_not_equal(spk.tx_key, key.bytes, AUTH_KEY_BYTES);
	assert_memory_not_equal(spk.rx_key, key.bytes, AUTH_KEY_BYTES);
	const struct auth_session *both[] = { &spk, &con };
	for (size_t i = 0; i < 2; i++) {
		assert_true(all_zero(both[i]->mac_key, sizeof both[i]->mac_key));
		assert_true(all_zero(both[i]->session_key, sizeof both[i]->session_key));
		assert_true(all_zero(both[i]->eph_secret, sizeof both[i]->eph_secret));
		assert_true(all_zero(both[i]->kx_rx, sizeof both[i]->kx_rx));
		assert_true(all_zero(both[i]->kx_tx, sizeof both[i]->kx_tx));
		/* Not the raw crypto_kx keys either: the PSK is mixed in. */
	}
	auth_session_wipe(&spk);
	assert_true(all_zero((const uint8_t *)&spk, sizeof spk));
	auth_session_wipe(&con);
}

/* The session keys are crypto_kx's keys mixed with K_sess: neither alone gives them. */
static void test_handshake_keys_need_psk_and_exchange(void **state)
{
	(void)state;
	struct auth_key key;
	fill_key(&key, 21);
	struct auth_session spk, con;
	auth_session_init(&spk, AUTH_SPEAKER, &key);
	auth_session_init(&con, AUTH_CONSOLE, &key);
	size_t hlen, plen, dlen;
	uint8_t *hello = speaker_hello(&spk, &hlen);
	/* Keep the speaker's ephemeral secret to recompute the exchange afterwards. */
	uint8_t esk[AUTH_ESK_BYTES];
	memcpy(esk, spk.eph_secret, sizeof esk);
	uint8_t *proof = console_proof(&con, hello, hlen, &plen);
	uint8_t *done = speaker_done(&spk, proof, plen, &dlen);
	assert_non_null(done);
	assert_int_equal(auth_console_finish(&con, done, dlen), 0);
	uint8_t kx_rx[crypto_kx_SESSIONKEYBYTES], kx_tx[crypto_kx_SESSIONKEYBYTES];
	assert_int_equal(crypto_kx_client_session_keys(kx_rx, kx_tx, spk.epk_speaker, esk, spk.epk_console), 0);
	assert_memory_not_equal(spk.tx_key, kx_tx, AUTH_SESSION_KEY_BYTES);
	assert_memory_not_equal(spk.rx_key, kx_rx, AUTH_SESSION_KEY_BYTES);
	/* The derivation as documented: BLAKE2b(key = K_sess, label | Ns | Nc | kx key). */
	uint8_t k_sess[32], want[32];
	crypto_kdf_derive_from_key(k_sess, sizeof k_sess, 2, "icom-psk", key.bytes);
	static const char label[] = "intercom v2 speaker->console";
	uint8_t msg[sizeof label - 1 + 96];
	memcpy(msg, label, sizeof label - 1);
	memcpy(msg + sizeof label - 1, spk.nonce_speaker, 32);
	memcpy(msg + sizeof label - 1 + 32, spk.nonce_console, 32);
	memcpy(msg + sizeof label - 1 + 64, kx_tx, 32);
	crypto_generichash(want, sizeof want, msg, sizeof msg, k_sess, sizeof k_sess);
	assert_memory_equal(spk.tx_key, want, 32);
	free(hello);
	free(proof);
	free(done);
}

static void test_handshake_wrong_key_speaker_rejects(void **state)
{
	(void)state;
	struct auth_key ka, kb;
	fill_key(&ka, 1);
	fill_key(&kb, 2);
	struct auth_session spk, con;
	auth_session_init(&spk, AUTH_SPEAKER, &kb);
	auth_session_init(&con, AUTH_CONSOLE, &ka);
	size_t len, plen;
	uint8_t *hello = speaker_hello(&spk, &len);
	uint8_t *proof = console_proof(&con, hello, len, &plen);
	assert_null(speaker_done(&spk, proof, plen, &len));
	free(hello);
	free(proof);
	assert_false(spk.done);
	assert_false(con.done);
}

static void test_handshake_wrong_key_console_rejects_done(void **state)
{
	(void)state;
	struct auth_key ka, kb;
	fill_key(&ka, 1);
	fill_key(&kb, 2);
	/* A whole handshake under key B; the console's state kept just before AUTH_DONE. */
	struct auth_session spk_b, con_b;
	auth_session_init(&spk_b, AUTH_SPEAKER, &kb);
	auth_session_init(&con_b, AUTH_CONSOLE, &kb);
	size_t hlen, plen, dlen;
	uint8_t *hello = speaker_hello(&spk_b, &hlen);
	uint8_t *proof = console_proof(&con_b, hello, hlen, &plen);
	struct auth_session con_b2 = con_b;
	uint8_t *done = speaker_done(&spk_b, proof, plen, &dlen);
	assert_non_null(done);

	/* The very same console state but with key A's subkeys: only the key differs. */
	struct auth_session key_a, con_a = con_b;
	auth_session_init(&key_a, AUTH_CONSOLE, &ka);
	memcpy(con_a.mac_key, key_a.mac_key, sizeof con_a.mac_key);
	memcpy(con_a.session_key, key_a.session_key, sizeof con_a.session_key);
	assert_int_equal(auth_console_finish(&con_a, done, dlen), -1);
	assert_false(con_a.done);

	/* Control: with key B that state accepts that very message, with the speaker's keys. */
	assert_int_equal(auth_console_finish(&con_b2, done, dlen), 0);
	assert_memory_equal(con_b2.tx_key, spk_b.rx_key, AUTH_SESSION_KEY_BYTES);
	assert_memory_equal(con_b2.rx_key, spk_b.tx_key, AUTH_SESSION_KEY_BYTES);
	free(hello);
	free(proof);
	free(done);
}

/* Runs hello and proof; returns the proof frame's payload (heap) for the caller to tamper. */
static uint8_t *hello_and_proof(struct auth_session *spk, struct auth_session *con, size_t *len)
{
	size_t hlen;
	uint8_t *hello = speaker_hello(spk, &hlen);
	uint8_t *p = console_proof(con, hello, hlen, len);
	free(hello);
	return p;
}

/* Every byte of AUTH_HELLO (nonce Ns, public key Es), changed in transit: the speaker refuses the proof. */
static void test_handshake_tampered_hello(void **state)
{
	(void)state;
	struct auth_key key;
	fill_key(&key, 4);
	for (size_t at = 0; at < AUTH_HELLO_PAYLOAD; at++) {
		struct auth_session spk, con;
		auth_session_init(&spk, AUTH_SPEAKER, &key);
		auth_session_init(&con, AUTH_CONSOLE, &key);
		size_t len, plen;
		uint8_t *hello = speaker_hello(&spk, &len);
		hello[at] ^= (uint8_t)(1u << (at % 8));
		uint8_t proof[AUTH_FRAME_MAX];
		size_t n = auth_console_proof(&con, hello, len, proof, sizeof proof);
		free(hello);
		if (n == 0) /* a key the console refuses outright: fine too */
			continue;
		uint8_t *p = frame_payload(proof, n, PROTO_AUTH_PROOF, &plen);
		assert_null(speaker_done(&spk, p, plen, &len));
		assert_false(spk.done);
		free(p);
	}
}

/* Every byte of AUTH_PROOF (nonce Nc, public key Ec, MAC): the speaker refuses it. */
static void test_handshake_tampered_proof(void **state)
{
	(void)state;
	struct auth_key key;
	fill_key(&key, 3);
	for (size_t at = 0; at < AUTH_PROOF_PAYLOAD; at++) {
		struct auth_session spk, con;
		auth_session_init(&spk, AUTH_SPEAKER, &key);
		auth_session_init(&con, AUTH_CONSOLE, &key);
		size_t len;
		uint8_t *p = hello_and_proof(&spk, &con, &len);
		p[at] ^= (uint8_t)(0x80u >> (at % 8));
		assert_null(speaker_done(&spk, p, len, &len));
		assert_false(spk.done);
		assert_true(all_zero(spk.tx_key, sizeof spk.tx_key));
		free(p);
	}
}

/* Every byte of AUTH_DONE's MAC: the console refuses it. */
static void test_handshake_tampered_done(void **state)
{
	(void)state;
	struct auth_key key;
	fill_key(&key, 5);
	for (size_t at = 0; at < AUTH_DONE_PAYLOAD; at++) {
		struct auth_session spk, con;
		auth_session_init(&spk, AUTH_SPEAKER, &key);
		auth_session_init(&con, AUTH_CONSOLE, &key);
		size_t len;
		uint8_t *p = hello_and_proof(&spk, &con, &len);
		uint8_t *done = speaker_done(&spk, p, len, &len);
		free(p);
		assert_non_null(done);
		struct auth_session con2 = con;
		done[at] ^= (uint8_t)(1u << (at % 8));
		assert_int_equal(auth_console_finish(&con, done, len), -1);
		assert_false(con.done);
		/* Control: untampered, the same state accepts it. */
		done[at] ^= (uint8_t)(1u << (at % 8));
		assert_int_equal(auth_console_finish(&con2, done, len), 0);
		free(done);
	}
}

static void test_handshake_replayed_proof(void **state)
{
	(void)state;
	struct auth_key key;
	fill_key(&key, 6);
	struct auth_session spk1, con1;
	auth_session_init(&spk1, AUTH_SPEAKER, &key);
	auth_session_init(&con1, AUTH_CONSOLE, &key);
	struct transcript t;
	handshake(&spk1, &con1, &t);

	/* A new session with the speaker: new nonce and key pair, the recorded proof is useless. */
	struct auth_session spk2;
	auth_session_init(&spk2, AUTH_SPEAKER, &key);
	size_t len;
	uint8_t *hello = speaker_hello(&spk2, &len);
	assert_memory_not_equal(hello, t.hello + PROTO_HEADER_SIZE, AUTH_NONCE_BYTES);
	assert_memory_not_equal(hello + HELLO_EPK, t.hello + PROTO_HEADER_SIZE + HELLO_EPK, AUTH_EPK_BYTES);
	free(hello);
	uint8_t *p = frame_payload(t.proof, t.proof_len, PROTO_AUTH_PROOF, &len);
	assert_null(speaker_done(&spk2, p, len, &len));
	assert_false(spk2.done);
	free(p);
}

static void test_handshake_replayed_done(void **state)
{
	(void)state;
	struct auth_key key;
	fill_key(&key, 7);
	struct auth_session spk1, con1;
	auth_session_init(&spk1, AUTH_SPEAKER, &key);
	auth_session_init(&con1, AUTH_CONSOLE, &key);
	struct transcript t;
	handshake(&spk1, &con1, &t);

	/* A fake speaker replays the whole recorded session to a console: its nonce and key are fresh. */
	struct auth_session con2;
	auth_session_init(&con2, AUTH_CONSOLE, &key);
	size_t len;
	uint8_t *p = frame_payload(t.hello, t.hello_len, PROTO_AUTH_HELLO, &len);
	uint8_t *proof = console_proof(&con2, p, len, &len);
	free(p);
	free(proof);
	assert_memory_not_equal(con2.nonce_console, con1.nonce_console, AUTH_NONCE_BYTES);
	assert_memory_not_equal(con2.epk_console, con1.epk_console, AUTH_EPK_BYTES);
	p = frame_payload(t.done, t.done_len, PROTO_AUTH_DONE, &len);
	assert_int_equal(auth_console_finish(&con2, p, len), -1);
	assert_false(con2.done);
	free(p);
}

static void test_handshake_role_confusion(void **state)
{
	(void)state;
	struct auth_key key;
	fill_key(&key, 8);
	struct auth_session spk, con;
	auth_session_init(&spk, AUTH_SPEAKER, &key);
	auth_session_init(&con, AUTH_CONSOLE, &key);
	size_t len;
	uint8_t *p = hello_and_proof(&spk, &con, &len);
	assert_int_equal(len, AUTH_PROOF_PAYLOAD);

	/* The console's own MAC reflected back to it as the speaker's AUTH_DONE. */
	uint8_t *mac = exact_copy(p + PROOF_MAC, AUTH_MAC_BYTES);
	assert_int_equal(auth_console_finish(&con, mac, AUTH_MAC_BYTES), -1);
	assert_false(con.done);
	/* The whole AUTH_PROOF payload reflected as AUTH_DONE. */
	assert_int_equal(auth_console_finish(&con, p, len), -1);
	free(mac);

	/* The speaker's own AUTH_DONE MAC reflected to it (the same state) as a console's proof. */
	struct auth_session spk2 = spk;
	size_t dlen;
	uint8_t *done = speaker_done(&spk, p, len, &dlen);
	assert_non_null(done);
	uint8_t *forged = exact_copy(p, len);
	memcpy(forged + PROOF_MAC, done, AUTH_MAC_BYTES);
	struct auth_session spk3 = spk2;
	assert_null(speaker_done(&spk2, forged, len, &dlen));
	assert_false(spk2.done);
	/* Control: that state takes the real proof. */
	uint8_t *again = speaker_done(&spk3, p, len, &dlen);
	assert_non_null(again);
	free(again);
	free(forged);

	/* Each step refuses to run in the wrong role. */
	struct auth_session s_as_c, c_as_s;
	auth_session_init(&s_as_c, AUTH_SPEAKER, &key);
	auth_session_init(&c_as_s, AUTH_CONSOLE, &key);
	uint8_t hello[AUTH_HELLO_PAYLOAD] = { 1 };
	crypto_kx_keypair(hello + HELLO_EPK, (uint8_t[crypto_kx_SECRETKEYBYTES]){ 0 });
	uint8_t out[AUTH_FRAME_MAX];
	assert_int_equal(auth_console_proof(&s_as_c, hello, sizeof hello, out, sizeof out), 0);
	assert_int_equal(auth_speaker_hello(&c_as_s, out, sizeof out), 0);
	assert_int_equal(auth_speaker_done(&c_as_s, p, len, out, sizeof out), 0);
	assert_int_equal(auth_console_finish(&s_as_c, done, AUTH_MAC_BYTES), -1);
	free(done);
	free(p);
}

static void test_handshake_malformed_lengths(void **state)
{
	(void)state;
	struct auth_key key;
	fill_key(&key, 9);
	struct auth_session spk, con;
	auth_session_init(&spk, AUTH_SPEAKER, &key);
	auth_session_init(&con, AUTH_CONSOLE, &key);
	uint8_t big[AUTH_FRAME_MAX * 2] = { 0 };
	uint8_t out[AUTH_FRAME_MAX];

	/* A well-formed hello, cut or padded. */
	size_t len;
	uint8_t *h = speaker_hello(&spk, &len);
	memcpy(big, h, len);
	free(h);
	static const size_t hello_lens[] = { 0, 1, AUTH_NONCE_BYTES, AUTH_HELLO_PAYLOAD - 1,
	                                     AUTH_HELLO_PAYLOAD + 1, AUTH_PROOF_PAYLOAD };
	for (size_t i = 0; i < sizeof hello_lens / sizeof hello_lens[0]; i++)
		assert_int_equal(auth_console_proof(&con, big, hello_lens[i], out, sizeof out), 0);
	/* Too little room for AUTH_PROOF. */
	assert_int_equal(auth_console_proof(&con, big, AUTH_HELLO_PAYLOAD, out,
	                                    PROTO_HEADER_SIZE + AUTH_PROOF_PAYLOAD - 1), 0);
	/* The console has no transcript yet: AUTH_DONE is refused whatever it holds. */
	assert_int_equal(auth_console_finish(&con, big, AUTH_MAC_BYTES), -1);
	size_t n = auth_console_proof(&con, big, AUTH_HELLO_PAYLOAD, out, sizeof out);
	assert_int_equal(n, AUTH_FRAME_MAX);
	uint8_t *p = frame_payload(out, n, PROTO_AUTH_PROOF, &len);

	static const size_t proof_lens[] = { 0, AUTH_NONCE_BYTES, AUTH_NONCE_BYTES + AUTH_MAC_BYTES,
	                                     AUTH_PROOF_PAYLOAD - 1, AUTH_PROOF_PAYLOAD + 1 };
	memset(big, 0, sizeof big);
	memcpy(big, p, len);
	for (size_t i = 0; i < sizeof proof_lens / sizeof proof_lens[0]; i++) {
		assert_int_equal(auth_speaker_done(&spk, big, proof_lens[i], out, sizeof out), 0);
		assert_false(spk.done);
	}
	/* Too little room for AUTH_DONE: nothing is sent, no keys. */
	assert_int_equal(auth_speaker_done(&spk, p, len, out, PROTO_HEADER_SIZE + AUTH_DONE_PAYLOAD - 1), 0);
	assert_false(spk.done);
	/* The same proof, whole, still works. */
	n = auth_speaker_done(&spk, p, len, out, sizeof out);
	assert_int_equal(n, PROTO_HEADER_SIZE + AUTH_DONE_PAYLOAD);
	free(p);
	/* And only once. */
	uint8_t out2[AUTH_FRAME_MAX];
	assert_int_equal(auth_speaker_done(&spk, big, AUTH_PROOF_PAYLOAD, out2, sizeof out2), 0);

	static const size_t done_lens[] = { 0, AUTH_MAC_BYTES - 1, AUTH_MAC_BYTES + 1, AUTH_MAC_BYTES * 2 };
	memset(big, 0, sizeof big);
	memcpy(big, out + PROTO_HEADER_SIZE, AUTH_MAC_BYTES);
	for (size_t i = 0; i < sizeof done_lens / sizeof done_lens[0]; i++) {
		assert_int_equal(auth_console_finish(&con, big, done_lens[i]), -1);
		assert_false(con.done);
	}
	assert_int_equal(auth_console_finish(&con, big, AUTH_MAC_BYTES), 0);
	assert_int_equal(auth_console_finish(&con, big, AUTH_MAC_BYTES), -1); /* only once */

	/* A hello that does not fit the caller's buffer. */
	struct auth_session s2;
	auth_session_init(&s2, AUTH_SPEAKER, &key);
	assert_int_equal(auth_speaker_hello(&s2, out, PROTO_HEADER_SIZE + AUTH_HELLO_PAYLOAD - 1), 0);
	/* AUTH_PROOF before any AUTH_HELLO was sent. */
	assert_int_equal(auth_speaker_done(&s2, big, AUTH_PROOF_PAYLOAD, out, sizeof out), 0);
}

static void test_handshake_sessions_get_fresh_keys(void **state)
{
	(void)state;
	struct auth_key key;
	fill_key(&key, 10);
	struct auth_session s1, c1, s2, c2;
	auth_session_init(&s1, AUTH_SPEAKER, &key);
	auth_session_init(&c1, AUTH_CONSOLE, &key);
	auth_session_init(&s2, AUTH_SPEAKER, &key);
	auth_session_init(&c2, AUTH_CONSOLE, &key);
	handshake(&s1, &c1, NULL);
	handshake(&s2, &c2, NULL);
	assert_memory_not_equal(s1.nonce_speaker, s2.nonce_speaker, AUTH_NONCE_BYTES);
	assert_memory_not_equal(c1.nonce_console, c2.nonce_console, AUTH_NONCE_BYTES);
	assert_memory_not_equal(s1.epk_speaker, s2.epk_speaker, AUTH_EPK_BYTES);
	assert_memory_not_equal(c1.epk_console, c2.epk_console, AUTH_EPK_BYTES);
	assert_memory_not_equal(s1.tx_key, s2.tx_key, AUTH_SESSION_KEY_BYTES);
	assert_memory_not_equal(s1.rx_key, s2.rx_key, AUTH_SESSION_KEY_BYTES);
	assert_memory_not_equal(s1.tx_key, s2.rx_key, AUTH_SESSION_KEY_BYTES);
	assert_memory_not_equal(c1.tx_key, c2.tx_key, AUTH_SESSION_KEY_BYTES);
}

/*
 * Forward secrecy: two sessions under the same PSK with the same nonces (the
 * second's copied from the first, its proof re-MACed with the PSK) still get
 * different session keys, because the ephemeral keys differ. So the PSK and the
 * public transcript alone (all a later thief has) do not give a session's keys.
 */
static void test_handshake_forward_secrecy_same_nonces(void **state)
{
	(void)state;
	struct auth_key key;
	fill_key(&key, 11);
	struct auth_session s1, c1, s2, c2;
	auth_session_init(&s1, AUTH_SPEAKER, &key);
	auth_session_init(&c1, AUTH_CONSOLE, &key);
	auth_session_init(&s2, AUTH_SPEAKER, &key);
	auth_session_init(&c2, AUTH_CONSOLE, &key);
	handshake(&s1, &c1, NULL);

	size_t hlen, plen, dlen;
	uint8_t *hello = speaker_hello(&s2, &hlen);
	memcpy(hello + HELLO_NONCE, s1.nonce_speaker, AUTH_NONCE_BYTES);
	memcpy(s2.nonce_speaker, s1.nonce_speaker, AUTH_NONCE_BYTES);
	uint8_t *proof = console_proof(&c2, hello, hlen, &plen);
	/* The reference MAC agrees with the console's (so the re-MAC below is the real thing). */
	uint8_t mac[AUTH_MAC_BYTES];
	ref_mac(&key, LABEL_CONSOLE, s1.nonce_speaker, proof + PROOF_NONCE, s2.epk_speaker,
	        proof + PROOF_EPK, mac);
	assert_memory_equal(mac, proof + PROOF_MAC, AUTH_MAC_BYTES);
	/* The console picks session 1's nonce. */
	memcpy(proof + PROOF_NONCE, c1.nonce_console, AUTH_NONCE_BYTES);
	memcpy(c2.nonce_console, c1.nonce_console, AUTH_NONCE_BYTES);
	ref_mac(&key, LABEL_CONSOLE, s1.nonce_speaker, c1.nonce_console, s2.epk_speaker,
	        proof + PROOF_EPK, proof + PROOF_MAC);
	uint8_t *done = speaker_done(&s2, proof, plen, &dlen);
	assert_non_null(done);
	assert_int_equal(auth_console_finish(&c2, done, dlen), 0);
	free(hello);
	free(proof);
	free(done);

	/* Same PSK, same nonces, a working session of its own... */
	assert_memory_equal(s2.nonce_speaker, s1.nonce_speaker, AUTH_NONCE_BYTES);
	assert_memory_equal(s2.nonce_console, s1.nonce_console, AUTH_NONCE_BYTES);
	assert_memory_equal(s2.tx_key, c2.rx_key, AUTH_SESSION_KEY_BYTES);
	assert_memory_equal(s2.rx_key, c2.tx_key, AUTH_SESSION_KEY_BYTES);
	/* ...but other ephemeral keys, so other session keys. */
	assert_memory_not_equal(s2.epk_speaker, s1.epk_speaker, AUTH_EPK_BYTES);
	assert_memory_not_equal(s2.epk_console, s1.epk_console, AUTH_EPK_BYTES);
	assert_memory_not_equal(s2.tx_key, s1.tx_key, AUTH_SESSION_KEY_BYTES);
	assert_memory_not_equal(s2.rx_key, s1.rx_key, AUTH_SESSION_KEY_BYTES);
	assert_memory_not_equal(c2.tx_key, c1.tx_key, AUTH_SESSION_KEY_BYTES);
	assert_memory_not_equal(c2.rx_key, c1.rx_key, AUTH_SESSION_KEY_BYTES);
}

/*
 * A man in the middle without the PSK substitutes its own ephemeral key (to
 * share a DH secret with each side): the proofs cover both public keys, so it fails.
 */
static void test_handshake_mitm_substitutes_epk(void **state)
{
	(void)state;
	struct auth_key key;
	fill_key(&key, 12);
	uint8_t mitm_pk[crypto_kx_PUBLICKEYBYTES], mitm_sk[crypto_kx_SECRETKEYBYTES];
	crypto_kx_keypair(mitm_pk, mitm_sk);

	/* Its key in place of the speaker's in AUTH_HELLO: the console proves over it, the speaker refuses. */
	struct auth_session spk, con;
	auth_session_init(&spk, AUTH_SPEAKER, &key);
	auth_session_init(&con, AUTH_CONSOLE, &key);
	size_t hlen, plen, dlen;
	uint8_t *hello = speaker_hello(&spk, &hlen);
	uint8_t real_es[AUTH_EPK_BYTES];
	memcpy(real_es, hello + HELLO_EPK, sizeof real_es);
	memcpy(hello + HELLO_EPK, mitm_pk, sizeof mitm_pk);
	uint8_t *proof = console_proof(&con, hello, hlen, &plen);
	assert_null(speaker_done(&spk, proof, plen, &dlen));
	assert_false(spk.done);
	/* Nor can it get the console to finish: the speaker's proof (over the speaker's key) fails there. */
	uint8_t done[AUTH_MAC_BYTES];
	ref_mac(&key, LABEL_SPEAKER, spk.nonce_speaker, con.nonce_console, real_es, con.epk_console, done);
	struct auth_session con2 = con;
	assert_int_equal(auth_console_finish(&con, done, sizeof done), -1);
	assert_false(con.done);
	/* Control: over the transcript the console saw, that MAC is accepted. */
	ref_mac(&key, LABEL_SPEAKER, spk.nonce_speaker, con2.nonce_console, mitm_pk, con2.epk_console, done);
	assert_int_equal(auth_console_finish(&con2, done, sizeof done), 0);
	free(hello);
	free(proof);

	/* Its key in place of the console's in AUTH_PROOF: the speaker refuses. */
	auth_session_init(&spk, AUTH_SPEAKER, &key);
	auth_session_init(&con, AUTH_CONSOLE, &key);
	proof = hello_and_proof(&spk, &con, &plen);
	struct auth_session spk2 = spk;
	uint8_t *good = exact_copy(proof, plen);
	memcpy(proof + PROOF_EPK, mitm_pk, sizeof mitm_pk);
	assert_null(speaker_done(&spk, proof, plen, &dlen));
	assert_false(spk.done);
	/* Control: the untouched proof passes. */
	uint8_t *d = speaker_done(&spk2, good, plen, &dlen);
	assert_non_null(d);
	free(d);
	free(good);
	free(proof);
	sodium_memzero(mitm_sk, sizeof mitm_sk);
}

/* X25519 public keys of small order, and the same with the (ignored) top bit set. */
static const uint8_t low_order[][32] = {
	{ 0 },
	{ 1 },
	{ 0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
	  0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00 },
	{ 0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
	  0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57 },
	{ 0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
	{ 0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
	{ 0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
};

static void test_handshake_low_order_epk_refused(void **state)
{
	(void)state;
	struct auth_key key;
	fill_key(&key, 13);
	size_t cases = sizeof low_order / sizeof low_order[0];
	for (size_t i = 0; i < cases * 2; i++) {
		uint8_t bad[32];
		memcpy(bad, low_order[i % cases], 32);
		if (i >= cases)
			bad[31] |= 0x80;
		print_message("low-order key %zu\n", i);

		/* In AUTH_HELLO: the console answers nothing, and keeps no secret. */
		struct auth_session spk, con;
		auth_session_init(&spk, AUTH_SPEAKER, &key);
		auth_session_init(&con, AUTH_CONSOLE, &key);
		size_t hlen, plen, dlen;
		uint8_t *hello = speaker_hello(&spk, &hlen);
		memcpy(hello + HELLO_EPK, bad, 32);
		uint8_t out[AUTH_FRAME_MAX];
		assert_int_equal(auth_console_proof(&con, hello, hlen, out, sizeof out), 0);
		assert_true(all_zero(con.eph_secret, sizeof con.eph_secret));
		assert_true(all_zero(con.kx_rx, sizeof con.kx_rx));
		uint8_t mac[AUTH_MAC_BYTES];
		ref_mac(&key, LABEL_SPEAKER, con.nonce_speaker, con.nonce_console, con.epk_speaker,
		        con.epk_console, mac);
		assert_int_equal(auth_console_finish(&con, mac, sizeof mac), -1);
		assert_false(con.done);
		free(hello);

		/* In AUTH_PROOF, with a valid MAC (a console holding the PSK): the speaker refuses. */
		hello = speaker_hello(&spk, &hlen);
		uint8_t proof[AUTH_PROOF_PAYLOAD];
		randombytes_buf(proof + PROOF_NONCE, AUTH_NONCE_BYTES);
		memcpy(proof + PROOF_EPK, bad, 32);
		ref_mac(&key, LABEL_CONSOLE, spk.nonce_speaker, proof + PROOF_NONCE, spk.epk_speaker, bad,
		        proof + PROOF_MAC);
		struct auth_session spk2 = spk;
		uint8_t *p = exact_copy(proof, sizeof proof);
		assert_null(speaker_done(&spk, p, sizeof proof, &dlen));
		assert_false(spk.done);
		assert_true(all_zero(spk.tx_key, sizeof spk.tx_key));
		assert_true(all_zero(spk.eph_secret, sizeof spk.eph_secret));
		/* Control: the same proof with a real public key is accepted. */
		uint8_t sk[crypto_kx_SECRETKEYBYTES];
		crypto_kx_keypair(p + PROOF_EPK, sk);
		ref_mac(&key, LABEL_CONSOLE, spk2.nonce_speaker, p + PROOF_NONCE, spk2.epk_speaker,
		        p + PROOF_EPK, p + PROOF_MAC);
		uint8_t *d = speaker_done(&spk2, p, sizeof proof, &dlen);
		assert_non_null(d);
		assert_true(spk2.done);
		free(d);
		free(p);
		free(hello);
		(void)plen;
	}
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
		cmocka_unit_test(test_handshake_right_key),
		cmocka_unit_test(test_handshake_keys_need_psk_and_exchange),
		cmocka_unit_test(test_handshake_wrong_key_speaker_rejects),
		cmocka_unit_test(test_handshake_wrong_key_console_rejects_done),
		cmocka_unit_test(test_handshake_tampered_hello),
		cmocka_unit_test(test_handshake_tampered_proof),
		cmocka_unit_test(test_handshake_tampered_done),
		cmocka_unit_test(test_handshake_replayed_proof),
		cmocka_unit_test(test_handshake_replayed_done),
		cmocka_unit_test(test_handshake_role_confusion),
		cmocka_unit_test(test_handshake_malformed_lengths),
		cmocka_unit_test(test_handshake_sessions_get_fresh_keys),
		cmocka_unit_test(test_handshake_forward_secrecy_same_nonces),
		cmocka_unit_test(test_handshake_mitm_substitutes_epk),
		cmocka_unit_test(test_handshake_low_order_epk_refused),
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
