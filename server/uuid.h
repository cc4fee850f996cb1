/* uuid.h - name-based UUIDs (RFC 4122 version 5, SHA-1), so that a
 * profile's identities are a pure function of who it is for. */
#ifndef MAILCONFD_UUID_H
#define MAILCONFD_UUID_H

#include <stddef.h>
#include <stdint.h>

#define UUID_STR_LEN 36

/* RFC 4122 appendix C: the DNS name space. */
extern const uint8_t uuid_namespace_dns[16];

/* out = UUIDv5(ns, name[0..len)). Returns 0, or -1 if hashing failed. */
int uuid_v5(uint8_t out[16], const uint8_t ns[16], const char *name,
	    size_t len);

/* Formats u as 36 upper-case hex characters with dashes, as Apple's
 * uuidgen writes them, NUL-terminated. */
void uuid_format(char out[UUID_STR_LEN + 1], const uint8_t u[16]);

#endif
