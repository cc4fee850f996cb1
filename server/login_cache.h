/* login_cache.h - the login lookup's cache (SPEC §7): positive and
 * negative entries with their expiry, a fixed number of entries (the
 * oldest written goes first), and expired entries kept for when the
 * directory is unreachable (as Dovecot's auth cache does). Thread-safe:
 * readers share a lock, writers take it alone. Owned by main()'s
 * directory (directory.h). */
#ifndef MAILCONFD_LOGIN_CACHE_H
#define MAILCONFD_LOGIN_CACHE_H

#include <stddef.h>

struct login_cache;

#define LOGIN_CACHE_MISS  0 /* no entry */
#define LOGIN_CACHE_FRESH 1 /* an entry within its time */
#define LOGIN_CACHE_STALE 2 /* an expired entry */

/* A new empty cache of capacity entries (0: caches nothing), or NULL. */
struct login_cache *login_cache_new(size_t capacity);

void login_cache_free(struct login_cache *c);

/* Looks key up at now_ms (monotonic). On FRESH or STALE, *found is 1 with
 * the login copied to login[0..n) (0: a negative entry). */
int login_cache_get(struct login_cache *c, const char *key, long long now_ms,
		    char *login, size_t n, int *found);

/* Stores key -> login (NULL: not found) until expires_ms. Returns 0 or -1
 * (out of memory: nothing stored). */
int login_cache_put(struct login_cache *c, const char *key, const char *login,
		    long long expires_ms);

/* Empties the cache and sets its capacity (after a reload that changed
 * the login source). Returns 0 or -1 (out of memory: still empty, with
 * the old capacity). */
int login_cache_reset(struct login_cache *c, size_t capacity);

/* Entries held now. */
size_t login_cache_size(struct login_cache *c);

#endif
