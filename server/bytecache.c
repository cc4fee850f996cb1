/* bytecache.c - a bounded, direct-mapped cache of bytes by bytes. */
#include "bytecache.h"

#include "hash.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define STRIPES 64

struct entry {
	uint64_t hash;	/* of the key */
	uint64_t vhash; /* hash_bytes() of the value */
	size_t klen, vlen;
	unsigned char bytes[]; /* the key, then the value */
};

struct bytecache {
	size_t mask;	  /* slots - 1; immutable */
	size_t max_entry; /* immutable */
	atomic_uint_fast64_t hits, misses;
	pthread_mutex_t stripes[STRIPES];
	struct entry **slots; /* owned, and each entry: guarded by
				 stripes[i % STRIPES] */
};

struct bytecache *bytecache_new(size_t slots, size_t max_entry)
{
	struct bytecache *c = calloc(1, sizeof(*c)); /* returned or freed */
	size_t n = 1, i;

	while (n < slots)
		n *= 2;
	if (c == NULL || (c->slots = calloc(n, sizeof(*c->slots))) == NULL) {
		free(c);
		return NULL;
	}
	c->mask = n - 1;
	c->max_entry = max_entry;
	for (i = 0; i < STRIPES; i++)
		pthread_mutex_init(&c->stripes[i], NULL);
	return c;
}

static pthread_mutex_t *stripe(struct bytecache *c, size_t slot)
{
	return &c->stripes[slot % STRIPES];
}

static int same_key(const struct entry *e, uint64_t h, const void *key,
		    size_t klen)
{
	return e != NULL && e->hash == h && e->klen == klen &&
	       memcmp(e->bytes, key, klen) == 0;
}

/* bytecache_get(), and the value's hash into *vhash (if not NULL). */
static int get_hashed(struct bytecache *c, const void *key, size_t klen,
		      struct buf *out, uint64_t *vhash)
{
	uint64_t h;
	size_t slot;
	int rc = 0;
	struct entry *e;

	if (c == NULL)
		return 0;
	h = hash_bytes(key, klen);
	slot = h & c->mask;
	pthread_mutex_lock(stripe(c, slot));
	e = c->slots[slot];
	if (same_key(e, h, key, klen)) {
		rc = buf_append(out, e->bytes + klen, e->vlen) < 0 ? -1 : 1;
		if (vhash != NULL)
			*vhash = e->vhash;
	}
	pthread_mutex_unlock(stripe(c, slot));
	atomic_fetch_add(rc == 1 ? &c->hits : &c->misses, 1);
	return rc;
}

int bytecache_get(struct bytecache *c, const void *key, size_t klen,
		  struct buf *out)
{
	return get_hashed(c, key, klen, out, NULL);
}

/* bytecache_put() of a value whose hash_bytes() is vhash. */
static void put_hashed(struct bytecache *c, const void *key, size_t klen,
		       const void *val, size_t vlen, uint64_t vhash)
{
	struct entry *e, *old; /* e: the slot's once placed; old: freed */
	uint64_t h;
	size_t slot;

	if (c == NULL || klen + vlen > c->max_entry ||
	    (e = malloc(sizeof(*e) + klen + vlen)) == NULL)
		return;
	h = hash_bytes(key, klen);
	e->hash = h;
	e->vhash = vhash;
	e->klen = klen;
	e->vlen = vlen;
	memcpy(e->bytes, key, klen);
	memcpy(e->bytes + klen, val, vlen);
	slot = h & c->mask;
	pthread_mutex_lock(stripe(c, slot));
	old = c->slots[slot];
	c->slots[slot] = e;
	pthread_mutex_unlock(stripe(c, slot));
	free(old);
}

void bytecache_put(struct bytecache *c, const void *key, size_t klen,
		   const void *val, size_t vlen)
{
	if (c != NULL)
		put_hashed(c, key, klen, val, vlen, hash_bytes(val, vlen));
}

int bytecache_fetch(struct bytecache *c, const void *key, size_t klen,
		    struct buf *out, bytecache_make_fn make, void *cls,
		    uint64_t *vhash)
{
	size_t start = out->len;
	uint64_t made;
	int rc = get_hashed(c, key, klen, out, vhash);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (make(out, cls) < 0 || out->failed)
		return -1;
	made = hash_bytes(out->data ? out->data + start : "", out->len - start);
	if (vhash != NULL)
		*vhash = made;
	put_hashed(c, key, klen, out->data + start, out->len - start, made);
	return 0;
}

void bytecache_counts(struct bytecache *c, uint64_t *hits, uint64_t *misses)
{
	*hits = c ? atomic_load(&c->hits) : 0;
	*misses = c ? atomic_load(&c->misses) : 0;
}

void bytecache_free(struct bytecache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i <= c->mask; i++)
		free(c->slots[i]);
	for (i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&c->stripes[i]);
	free(c->slots);
	free(c);
}
