/* Sealed records: libsodium secretstream over the frame stream. */
#include "intercom/net/seal.h"

#include <string.h>

void seal_init(struct seal *seal, const uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES])
{
	memset(seal, 0, sizeof *seal);
	memcpy(seal->key, key, sizeof seal->key);
}

void seal_wipe(struct seal *seal)
{
	sodium_memzero(seal, sizeof *seal);
}

size_t seal_record(struct seal *tx, const uint8_t *plain, size_t n, uint8_t *out, size_t cap)
{
	size_t header = tx->started ? 0 : crypto_secretstream_xchacha20poly1305_HEADERBYTES;
	size_t payload = header + n + crypto_secretstream_xchacha20poly1305_ABYTES;
	if (n > SEAL_RECORD_MAX || cap < PROTO_HEADER_SIZE + payload)
		return 0;
	uint8_t *p = out + PROTO_HEADER_SIZE;
	if (!tx->started) {
		crypto_secretstream_xchacha20poly1305_init_push(&tx->state, p, tx->key);
		sodium_memzero(tx->key, sizeof tx->key);
		tx->started = true;
	}
	crypto_secretstream_xchacha20poly1305_push(&tx->state, p + header, NULL, plain, n, NULL, 0,
	                                           crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
	proto_header_encode(out, PROTO_SEALED, (uint32_t)payload);
	return PROTO_HEADER_SIZE + payload;
}

int seal_open(struct seal *rx, const uint8_t *payload, size_t len, uint8_t *plain, size_t *plain_len)
{
	if (!rx->started) {
		if (len < crypto_secretstream_xchacha20poly1305_HEADERBYTES ||
		    crypto_secretstream_xchacha20poly1305_init_pull(&rx->state, payload, rx->key) != 0)
			return -1;
		sodium_memzero(rx->key, sizeof rx->key);
		rx->started = true;
		payload += crypto_secretstream_xchacha20poly1305_HEADERBYTES;
		len -= crypto_secretstream_xchacha20poly1305_HEADERBYTES;
	}
	if (len < crypto_secretstream_xchacha20poly1305_ABYTES ||
	    len - crypto_secretstream_xchacha20poly1305_ABYTES > SEAL_RECORD_MAX)
		return -1;
	unsigned long long out_len;
	unsigned char tag;
	if (crypto_secretstream_xchacha20poly1305_pull(&rx->state, plain, &out_len, &tag, payload, len,
	                                               NULL, 0) != 0 ||
	    tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
		return -1;
	*plain_len = (size_t)out_len;
	return 0;
}
