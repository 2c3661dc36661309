/*
 * The sealed record layer under the framing, once a key handshake is done:
 * the plain frame stream is cut into records of at most SEAL_RECORD_MAX bytes,
 * each sent as a SEALED frame holding libsodium secretstream
 * (XChaCha20-Poly1305) ciphertext, which detects modification, truncation,
 * reordering and replay of records. The first record of a direction carries
 * the stream header. Records are made just in time as bytes leave, so a page
 * is never copied whole per speaker.
 */
#ifndef INTERCOM_SEAL_H
#define INTERCOM_SEAL_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/net/proto.h"

/*
 * 16 KiB records: a sealed link holds one plain and one sealed record buffer
 * (about 33 KiB per speaker, within the 64 KiB a speaker may cost), and the
 * extra tag and call per 16 KiB are 0.1 % of the bytes.
 */
#define SEAL_RECORD_MAX 16384
/* Stream header (first record only) and the authentication tag of each record. */
#define SEAL_OVERHEAD (crypto_secretstream_xchacha20poly1305_HEADERBYTES + \
                       crypto_secretstream_xchacha20poly1305_ABYTES)
/* The largest SEALED frame, header included. */
#define SEAL_FRAME_MAX (PROTO_HEADER_SIZE + SEAL_RECORD_MAX + SEAL_OVERHEAD)

struct seal {
	crypto_secretstream_xchacha20poly1305_state state;
	uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	bool started;
};

void seal_init(struct seal *seal, const uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES]);
void seal_wipe(struct seal *seal);

/* Seals n (<= SEAL_RECORD_MAX) plain bytes as a whole SEALED frame in out. Returns its size. */
size_t seal_record(struct seal *tx, const uint8_t *plain, size_t n, uint8_t *out, size_t cap);

/* Opens a SEALED frame's payload into plain (SEAL_RECORD_MAX bytes). 0, or -1 if forged. */
int seal_open(struct seal *rx, const uint8_t *payload, size_t len, uint8_t *plain, size_t *plain_len);

#endif
