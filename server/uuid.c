/* uuid.c - name-based UUIDs (RFC 4122 version 5). */
#include "uuid.h"

#include <gnutls/crypto.h>
#include <stdlib.h>
#include <string.h>

const uint8_t uuid_namespace_dns[16] = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad,
					0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0,
					0x4f, 0xd4, 0x30, 0xc8};

int uuid_v5(uint8_t out[16], const uint8_t ns[16], const char *name, size_t len)
{
	uint8_t digest[20];
	uint8_t *msg = malloc(16 + len); /* freed below */
	int rc;

	if (msg == NULL)
		return -1;
	memcpy(msg, ns, 16);
	memcpy(msg + 16, name, len);
	rc = gnutls_hash_fast(GNUTLS_DIG_SHA1, msg, 16 + len, digest);
	free(msg);
	if (rc < 0)
		return -1;
	memcpy(out, digest, 16);
	out[6] = (uint8_t)((out[6] & 0x0F) | 0x50); /* version 5 */
	out[8] = (uint8_t)((out[8] & 0x3F) | 0x80); /* RFC 4122 variant */
	return 0;
}

void uuid_format(char out[UUID_STR_LEN + 1], const uint8_t u[16])
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, n = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[n++] = '-';
		out[n++] = hex[u[i] >> 4];
		out[n++] = hex[u[i] & 15];
	}
	out[n] = '\0';
}
