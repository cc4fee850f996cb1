/* directory_cache.c - a bounded hash of address -> login
 * (directory_cache.h).
 *
 * The entries array is also the eviction ring: a new key takes the slot
 * at `next`, whose old key (the oldest written) is unlinked first. */
#define _GNU_SOURCE /* sched_getcpu */
#include "directory_cache.h"

#include "hash.h"

#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strcopy.h"

/* Readers lock the stripe of the CPU they run on, writers every stripe:
 * two threads reading at once touch no line in common, where one lock
 * word (a rwlock's) went back and forth between their CPUs three times an
 * answer (80 ns a read alone, 280 ns with a second thread reading). */
#define STRIPES 16

struct stripe {
	alignas(64) pthread_mutex_t lock;
	unsigned long hits; /* [s] FRESH answers given under this stripe */
};

struct entry {
	char *key;   /* owned; NULL: the slot is free */
	char *login; /* owned; NULL: a negative entry */
	long long expires;
	uint64_t digest; /* the login settings that made it */
	uint32_t next;	 /* the next entry of the bucket, +1; 0: none */
};

/* Key: [s] the stripe's lock; [w] every stripe's lock to write, any
 * one to read. */
struct directory_cache {
	struct stripe stripes[STRIPES];
	struct entry *entries; /* [w] owned array of capacity */
	uint32_t *buckets;     /* [w] owned: first entry +1, 0: empty */
	size_t capacity, n_buckets, next, used; /* [w] */
};

/* The stripe a reader takes: its CPU's (0 when that is not known). */
static struct stripe *read_stripe(struct directory_cache *c)
{
	int cpu = sched_getcpu();

	return &c->stripes[cpu > 0 ? (unsigned)cpu % STRIPES : 0];
}

static void lock_all(struct directory_cache *c)
{
	size_t i;

	for (i = 0; i < STRIPES; i++)
		pthread_mutex_lock(&c->stripes[i].lock);
}

static void unlock_all(struct directory_cache *c)
{
	size_t i = STRIPES;

	while (i-- > 0)
		pthread_mutex_unlock(&c->stripes[i].lock);
}

static uint64_t hash(const char *s)
{
	return fnv1a(FNV1A_INIT, s, strlen(s));
}

static void clear_entries(struct directory_cache *c)
{
	size_t i;

	for (i = 0; i < c->capacity; i++) {
		free(c->entries[i].key);
		free(c->entries[i].login);
	}
	free(c->entries);
	free(c->buckets);
	c->entries = NULL;
	c->buckets = NULL;
	c->next = c->used = 0;
}

static int alloc_entries(struct directory_cache *c, size_t capacity)
{
	size_t nb = 16;

	while (nb < capacity * 2)
		nb *= 2;
	c->entries = calloc(capacity ? capacity : 1, sizeof(*c->entries));
	c->buckets = calloc(nb, sizeof(*c->buckets));
	if (c->entries == NULL || c->buckets == NULL) {
		free(c->entries);
		free(c->buckets);
		c->entries = NULL;
		c->buckets = NULL;
		return -1;
	}
	c->capacity = capacity;
	c->n_buckets = nb;
	return 0;
}

struct directory_cache *directory_cache_new(size_t capacity)
{
	struct directory_cache *c; /* the caller's */
	size_t i;

	c = aligned_alloc(alignof(struct directory_cache), sizeof(*c));
	if (c == NULL)
		return NULL;
	memset(c, 0, sizeof(*c));
	if (capacity > UINT32_MAX - 1 || alloc_entries(c, capacity) < 0) {
		free(c);
		return NULL;
	}
	for (i = 0; i < STRIPES; i++)
		pthread_mutex_init(&c->stripes[i].lock, NULL);
	return c;
}

void directory_cache_free(struct directory_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	clear_entries(c);
	for (i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&c->stripes[i].lock);
	free(c);
}

/* The entry index of key, or -1. Under the lock. */
static long find(const struct directory_cache *c, const char *key, uint64_t h)
{
	uint32_t i = c->buckets[h & (c->n_buckets - 1)];

	while (i != 0) {
		if (strcmp(c->entries[i - 1].key, key) == 0)
			return (long)i - 1;
		i = c->entries[i - 1].next;
	}
	return -1;
}

int directory_cache_get(struct directory_cache *c, const char *key,
			uint64_t digest, long long now_ms, char *login,
			size_t n, int *found)
{
	struct stripe *st = read_stripe(c);
	uint64_t h = hash(key); /* outside the lock */
	long i;
	int rc = DIRECTORY_CACHE_MISS;

	*found = 0;
	pthread_mutex_lock(&st->lock);
	if (c->capacity > 0 && (i = find(c, key, h)) >= 0 &&
	    c->entries[i].digest == digest) {
		const struct entry *e = &c->entries[i];
		rc = e->expires > now_ms ? DIRECTORY_CACHE_FRESH
					 : DIRECTORY_CACHE_STALE;
		if (e->login != NULL) {
			str_copy(login, n, e->login);
			*found = 1;
		}
		st->hits += rc == DIRECTORY_CACHE_FRESH;
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* Unlinks entry i from its bucket chain and frees its strings. */
static void evict(struct directory_cache *c, size_t i)
{
	struct entry *e = &c->entries[i];
	uint32_t *link = &c->buckets[hash(e->key) & (c->n_buckets - 1)];

	while (*link != 0 && *link != i + 1)
		link = &c->entries[*link - 1].next;
	if (*link == i + 1)
		*link = e->next;
	free(e->key);
	free(e->login);
	memset(e, 0, sizeof(*e));
	c->used--;
}

int directory_cache_put(struct directory_cache *c, const char *key,
			uint64_t digest, const char *login,
			long long expires_ms)
{
	char *k = NULL, *v = NULL; /* owned by the entry once stored */
	uint64_t h = hash(key);
	struct entry *e;
	long i;
	int rc = 0;

	if (login != NULL && (v = strdup(login)) == NULL)
		return -1;
	lock_all(c);
	if (c->capacity == 0) {
		free(v);
	} else if ((i = find(c, key, h)) >= 0) {
		e = &c->entries[i];
		free(e->login);
		e->login = v;
		e->expires = expires_ms;
		e->digest = digest;
	} else if ((k = strdup(key)) == NULL) {
		free(v);
		rc = -1;
	} else {
		if (c->entries[c->next].key != NULL)
			evict(c, c->next);
		e = &c->entries[c->next];
		e->key = k;
		e->login = v;
		e->expires = expires_ms;
		e->digest = digest;
		e->next = c->buckets[h & (c->n_buckets - 1)];
		c->buckets[h & (c->n_buckets - 1)] = (uint32_t)c->next + 1;
		c->next = (c->next + 1) % c->capacity;
		c->used++;
	}
	unlock_all(c);
	return rc;
}

int directory_cache_reset(struct directory_cache *c, size_t capacity)
{
	size_t old;
	int rc = 0;

	lock_all(c);
	old = c->capacity;
	clear_entries(c);
	if (capacity > UINT32_MAX - 1 || alloc_entries(c, capacity) < 0) {
		rc = -1;
		if (alloc_entries(c, old) < 0 && alloc_entries(c, 0) < 0)
			c->capacity = 0; /* find() then never runs */
	}
	unlock_all(c);
	return rc;
}

size_t directory_cache_size(struct directory_cache *c)
{
	struct stripe *st = read_stripe(c);
	size_t n;

	pthread_mutex_lock(&st->lock);
	n = c->used;
	pthread_mutex_unlock(&st->lock);
	return n;
}

unsigned long directory_cache_hits(struct directory_cache *c)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < STRIPES; i++) {
		pthread_mutex_lock(&c->stripes[i].lock);
		n += c->stripes[i].hits;
		pthread_mutex_unlock(&c->stripes[i].lock);
	}
	return n;
}
