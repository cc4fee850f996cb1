/* cert_index.h - what the ACME worker knows of the certificates in the
 * state folder, for renewal and "does this domain have its certificate":
 * per order its validity, the hash of its names and its ARI certID, about
 * 100 bytes each (no key, no parsed chain: those are cert_cache.h's).
 * Read once from certificates/ when the worker starts, kept up to date by
 * it. The worker's thread only. */
#ifndef MAILCONFD_CERT_INDEX_H
#define MAILCONFD_CERT_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "cert_cache.h"

struct cert_index_entry {
	char *key;    /* owned: the order's name */
	char *certid; /* owned: ARI certID, or "" */
	long long not_before, not_after;
	long long renew_at; /* when to renew: the backstop or an ARI time */
	long long ari_next; /* when to ask the CA's renewalInfo again */
	uint64_t names;	    /* cert_names_hash of its names */
};

struct cert_index; /* opaque; owned by the worker */

struct cert_index *cert_index_new(void);
void cert_index_free(struct cert_index *x);

/* The hash of a set of names (order-independent). */
uint64_t cert_names_hash(const char *const *names, size_t n);

/* Puts (or replaces) key's entry from info; renew_at from divisor. */
int cert_index_put(struct cert_index *x, const char *key,
		   const struct cert_info *info, unsigned divisor);
struct cert_index_entry *cert_index_get(struct cert_index *x, const char *key);
size_t cert_index_count(const struct cert_index *x);
/* The i-th entry (0 <= i < count), for the renewal scan. */
struct cert_index_entry *cert_index_at(struct cert_index *x, size_t i);

/* Reads every <name>.pem in dir; returns how many were indexed. */
size_t cert_index_scan(struct cert_index *x, const char *dir, unsigned divisor);

#endif
