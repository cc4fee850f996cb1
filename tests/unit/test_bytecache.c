/* test_bytecache.c - the bounded cache of signed profiles and QR codes:
 * a hit is only ever the value kept for exactly those key bytes; the
 * cache holds no more than its slots; threads share it (TSan runs this). */
#include "bytecache.h"
#include "check.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static int get_is(struct bytecache *c, const char *key, const char *want)
{
	struct buf out = BUF_INIT; /* freed below */
	int rc = bytecache_get(c, key, strlen(key), &out), ok;

	ok = want == NULL ? rc == 0 && out.len == 0
			  : rc == 1 && out.len == strlen(want) &&
				memcmp(out.data, want, out.len) == 0;
	buf_free(&out);
	return ok;
}

static void put(struct bytecache *c, const char *key, const char *val)
{
	bytecache_put(c, key, strlen(key), val, strlen(val));
}

static void test_exact_keys(void)
{
	struct bytecache *c = bytecache_new(8, 64);
	struct buf out = BUF_INIT;
	uint64_t hits, misses;

	CHECK(c != NULL);
	CHECK(get_is(c, "alice", NULL));
	put(c, "alice", "A");
	CHECK(get_is(c, "alice", "A"));
	CHECK(get_is(c, "alic", NULL));	   /* a prefix is another key */
	CHECK(get_is(c, "alice\n", NULL)); /* and a longer one */
	put(c, "alice", "A2");		   /* the newer value wins */
	CHECK(get_is(c, "alice", "A2"));
	buf_puts(&out, "head:"); /* a hit appends */
	CHECK(bytecache_get(c, "alice", 5, &out) == 1);
	CHECK_STR(out.data, "head:A2");
	buf_free(&out);
	put(c, "big",
	    "0123456789012345678901234567890123456789012345678901"
	    "234567890123"); /* key + value over 64 bytes */
	CHECK(get_is(c, "big", NULL));
	bytecache_counts(c, &hits, &misses);
	CHECK(hits == 3 && misses == 4);
	bytecache_free(c);
	CHECK(get_is(NULL, "alice", NULL)); /* no cache: never a hit */
	put(NULL, "alice", "A");
}

/* 1,000 keys through 16 slots: never more than 16 kept, each hit right. */
static void test_bounded(void)
{
	struct bytecache *c = bytecache_new(10, 64); /* 16 slots */
	char key[32], val[32];
	int i, kept = 0, wrong = 0;

	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		snprintf(val, sizeof(val), "val%d", i);
		put(c, key, val);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		snprintf(val, sizeof(val), "val%d", i);
		if (get_is(c, key, val))
			kept++;
		else if (!get_is(c, key, NULL))
			wrong++;
	}
	CHECK(kept > 0 && kept <= 16);
	CHECK(wrong == 0);
	bytecache_free(c);
}

/* One look: 1 when key is missing or holds val (another thread may put
 * the key between two looks, so it is one). */
static int one_get(struct bytecache *c, const char *key, const char *val)
{
	struct buf out = BUF_INIT; /* freed below */
	int rc = bytecache_get(c, key, strlen(key), &out), ok;

	ok = rc == 0 || (rc == 1 && out.len == strlen(val) &&
			 memcmp(out.data, val, out.len) == 0);
	buf_free(&out);
	return ok;
}

struct worker {
	struct bytecache *c;
	int id, wrong;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char key[32], val[32];
	int i;

	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "k%d", (i * 7 + w->id) % 300);
		snprintf(val, sizeof(val), "v%d", (i * 7 + w->id) % 300);
		w->wrong += !one_get(w->c, key, val);
		put(w->c, key, val);
	}
	return NULL;
}

static void test_threads(void)
{
	struct bytecache *c = bytecache_new(64, 64);
	struct worker w[4];
	pthread_t t[4];
	int i, wrong = 0;

	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){c, i, 0};
		pthread_create(&t[i], NULL, work, &w[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		wrong += w[i].wrong;
	}
	CHECK(wrong == 0);
	bytecache_free(c);
}

int main(void)
{
	test_exact_keys();
	test_bounded();
	test_threads();
	return check_done();
}
