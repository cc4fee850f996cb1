/* bytecache.h - a bounded cache of bytes by bytes: a signed profile by the
 * plist it signs, a QR code's SVG by what it encodes (issue 25). What is
 * kept is what the slow step made from exactly those key bytes, so a hit
 * is always the right answer: the whole key is compared, the hash only
 * picks the slot.
 *
 * Direct-mapped: a key hashes to one slot of a fixed array, and a new
 * entry takes the place of the one there (no list to keep in order, no
 * eviction scan). Memory is at most slots x (the largest key + value
 * kept); entries larger than max_entry are not kept.
 *
 * Shared by every request thread: slot i is guarded by stripe i % STRIPES
 * of the cache's mutexes (see bytecache.c). */
#ifndef MAILCONFD_BYTECACHE_H
#define MAILCONFD_BYTECACHE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct bytecache; /* opaque; owned by whoever made it (the model) */

/* A cache of slots entries (rounded up to a power of two), each at most
 * max_entry bytes of key and value together. Returns it or NULL (out of
 * memory). */
struct bytecache *bytecache_new(size_t slots, size_t max_entry);

/* Appends to out the value kept for key[0..klen). Returns 1 when found,
 * 0 when not (out unchanged), -1 when out could not grow. NULL-safe (c
 * NULL: 0). */
int bytecache_get(struct bytecache *c, const void *key, size_t klen,
		  struct buf *out);

/* Keeps val[0..vlen) for key[0..klen), in the place of what the slot held.
 * Nothing happens when it is larger than max_entry or memory is short:
 * the cache is only ever a shortcut. NULL-safe. */
void bytecache_put(struct bytecache *c, const void *key, size_t klen,
		   const void *val, size_t vlen);

/* What makes a value on a miss: appends it to out. Returns 0 or -1. */
typedef int (*bytecache_make_fn)(struct buf *out, void *cls);

/* The one way the callers use the cache: appends to out the value kept
 * for key[0..klen), or else what make(out, cls) appends, which is then
 * kept. With vhash, *vhash is hash_bytes() of the value, hashed once when
 * it was made (a caller's ETag need not hash it again). Returns 0, or -1
 * (make failed or out of memory). NULL-safe (c NULL: make each time). */
int bytecache_fetch(struct bytecache *c, const void *key, size_t klen,
		    struct buf *out, bytecache_make_fn make, void *cls,
		    uint64_t *vhash);

/* Hits and misses so far (for the tests and the bench). */
void bytecache_counts(struct bytecache *c, uint64_t *hits, uint64_t *misses);

void bytecache_free(struct bytecache *c);

#endif
