/* directory_cache.h - the login lookup's cache (SPEC §7): positive and
 * negative entries with their expiry, a fixed number of entries (the
 * oldest written goes first), and expired entries kept for when the
 * directory is unreachable (as Dovecot's auth cache does). Each entry
 * carries the digest of the login settings that made it: an answer of
 * other settings (a lookup that was in flight across a reload) is never
 * given out. Thread-safe: a reader takes one of 16 locks, the one of the
 * CPU it runs on, a writer takes them all (directory_cache.c keys the
 * members). Owned by main()'s directory (directory.h). */
#ifndef MAILCONFD_DIRECTORY_CACHE_H
#define MAILCONFD_DIRECTORY_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct directory_cache;

#define DIRECTORY_CACHE_MISS  0 /* no entry */
#define DIRECTORY_CACHE_FRESH 1 /* an entry within its time */
#define DIRECTORY_CACHE_STALE 2 /* an expired entry */

/* A new empty cache of capacity entries (0: caches nothing), or NULL. */
struct directory_cache *directory_cache_new(size_t capacity);

void directory_cache_free(struct directory_cache *c);

/* Looks key up at now_ms (monotonic) among the entries made with the
 * login settings digest (others are a MISS). On FRESH or STALE, *found
 * is 1 with the login copied to login[0..n) (0: a negative entry). */
int directory_cache_get(struct directory_cache *c, const char *key,
			uint64_t digest, long long now_ms, char *login,
			size_t n, int *found);

/* Stores key -> login (NULL: not found) until expires_ms, made with the
 * login settings digest. Returns 0 or -1 (out of memory: nothing
 * stored). */
int directory_cache_put(struct directory_cache *c, const char *key,
			uint64_t digest, const char *login,
			long long expires_ms);

/* Empties the cache and sets its capacity (after a reload that changed
 * the login source). Returns 0, or -1 when that capacity cannot be had:
 * then it is empty with its old capacity (or none, if even that cannot
 * be had again). */
int directory_cache_reset(struct directory_cache *c, size_t capacity);

/* Entries held now. */
size_t directory_cache_size(struct directory_cache *c);

/* FRESH answers directory_cache_get() has given since the cache was made
 * (a reset keeps the count: it is a Prometheus counter). */
unsigned long directory_cache_hits(struct directory_cache *c);

#endif
