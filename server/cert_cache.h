/* cert_cache.h - the certificates the ACME client obtained, as the TLS
 * handshake needs them: parsed on first use from the state folder
 * (certificates/<order>.pem: the key, then the chain), held in a cache of
 * bounded size (server.acme.cache; least recently used out), so that a
 * million certificates need not sit in memory. A file that another
 * replica renewed is seen within CERT_RECHECK_S. */
#ifndef MAILCONFD_CERT_CACHE_H
#define MAILCONFD_CERT_CACHE_H

#include <gnutls/abstract.h>
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"

#define CERT_RECHECK_S 60

/* What a certificate file says of itself. */
struct cert_info {
	long long not_before, not_after; /* Unix time */
	char certid[256]; /* RFC 9773 §4.1: base64url(AKI).base64url(serial),
			     or "" */
	struct buf names; /* owned: the DNS names, lower case, NUL-separated */
	size_t n_names;
};

/* Reads the leaf of the PEM text pem into *info (cleared first; the
 * caller's, cert_info_clear). 0, or -1 if there is no certificate. */
int cert_info_read(struct cert_info *info, const char *pem, size_t n);
void cert_info_clear(struct cert_info *info);

/* 1 if name is one of info's names (ASCII case aside). */
int cert_info_covers(const struct cert_info *info, const char *name);

/* One parsed certificate. Immutable once made; freed with its last
 * reference (the cache holds one while it is listed, a connection one
 * from its handshake until it closes). */
struct cert_entry;

struct cert_entry *cert_entry_ref(struct cert_entry *e);
void cert_entry_release(struct cert_entry *e); /* NULL-safe */

/* What the handshake hands to GnuTLS: they live as long as e. */
void cert_entry_credentials(const struct cert_entry *e,
			    struct gnutls_pcert_st **pcert, unsigned *n,
			    struct gnutls_privkey_st **key);
const struct cert_info *cert_entry_info(const struct cert_entry *e);

struct cert_cache; /* opaque; owned by the ACME runtime (acme.h) */

/* dir: the folder of the .pem files (copied). */
struct cert_cache *cert_cache_new(const char *dir, size_t capacity);
void cert_cache_free(struct cert_cache *c);

/* The certificate of order key, valid at now, with one reference for the
 * caller; NULL when there is none (no file, unreadable, expired). Reads
 * and parses the file on a miss (outside the lock). Any thread. */
struct cert_entry *cert_cache_get(struct cert_cache *c, const char *key,
				  time_t now);

/* Drops key's entry (after this process wrote a new file for it). */
void cert_cache_forget(struct cert_cache *c, const char *key);

/* Counters for /metrics: held now, hits, misses (a file read). */
void cert_cache_counts(struct cert_cache *c, size_t *held, unsigned long *hits,
		       unsigned long *loads);

#endif
