/* cert_index.c - the worker's list of certificates (cert_index.h). */
#include "cert_index.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme_state.h"
#include "hash.h"

#define FILE_MAX (64 * 1024)

struct cert_index {
	struct cert_index_entry *v; /* owned array */
	size_t n, cap;
	uint32_t *slots; /* owned: index+1 into v, 0 empty */
	size_t n_slots;	 /* a power of two, over twice n */
};

struct cert_index *cert_index_new(void)
{
	return calloc(1, sizeof(struct cert_index)); /* the caller's */
}

void cert_index_free(struct cert_index *x)
{
	size_t i;

	if (x == NULL)
		return;
	for (i = 0; i < x->n; i++) {
		free(x->v[i].key);
		free(x->v[i].certid);
	}
	free(x->v);
	free(x->slots);
	free(x);
}

uint64_t cert_names_hash(const char *const *names, size_t n)
{
	uint64_t h = 0;
	size_t i, k;
	char low[256];

	for (i = 0; i < n; i++) { /* a sum: the order does not matter */
		for (k = 0; names[i][k] != '\0' && k < sizeof(low) - 1; k++)
			low[k] = (char)(names[i][k] >= 'A' && names[i][k] <= 'Z'
					    ? names[i][k] - 'A' + 'a'
					    : names[i][k]);
		h += fnv1a(FNV1A_INIT, low, k);
	}
	return h;
}

static size_t slot_of(const struct cert_index *x, const char *key)
{
	size_t mask = x->n_slots - 1,
	       i = fnv1a(FNV1A_INIT, key, strlen(key)) & mask;

	while (x->slots[i] != 0 && strcmp(x->v[x->slots[i] - 1].key, key) != 0)
		i = (i + 1) & mask;
	return i;
}

static int grow(struct cert_index *x)
{
	size_t n_slots = x->n_slots ? x->n_slots * 2 : 1024, i;
	uint32_t *old = x->slots;
	size_t old_n = x->n_slots;

	if ((x->slots = calloc(n_slots, sizeof(*x->slots))) == NULL) {
		x->slots = old;
		return -1;
	}
	x->n_slots = n_slots;
	for (i = 0; i < old_n; i++)
		if (old[i] != 0)
			x->slots[slot_of(x, x->v[old[i] - 1].key)] = old[i];
	free(old);
	return 0;
}

struct cert_index_entry *cert_index_get(struct cert_index *x, const char *key)
{
	size_t i;

	if (x->n_slots == 0)
		return NULL;
	i = slot_of(x, key);
	return x->slots[i] ? &x->v[x->slots[i] - 1] : NULL;
}

/* info's names as an array of pointers into its buffer, hashed. */
static uint64_t info_hash(const struct cert_info *info)
{
	const char *names[64], *p = info->names.data;
	size_t i, n = info->n_names < 64 ? info->n_names : 64;

	for (i = 0; i < n; i++, p += strlen(p) + 1)
		names[i] = p;
	return cert_names_hash(names, n);
}

static void fill(struct cert_index_entry *e, const struct cert_info *info,
		 unsigned divisor)
{
	long long life = info->not_after - info->not_before;

	e->not_before = info->not_before;
	e->not_after = info->not_after;
	e->renew_at = info->not_after - life / (divisor ? divisor : 3);
	e->ari_next = 0;
	e->names = info_hash(info);
}

/* A new entry for key at the end of x (grown as needed), or NULL. */
static struct cert_index_entry *append(struct cert_index *x, const char *key)
{
	struct cert_index_entry *v;
	size_t cap;

	if ((x->n + 1) * 2 > x->n_slots && grow(x) < 0)
		return NULL;
	if (x->n == x->cap) {
		cap = x->cap ? x->cap * 2 : 256;
		if ((v = realloc(x->v, cap * sizeof(*v))) == NULL)
			return NULL;
		x->v = v;
		x->cap = cap;
	}
	v = &x->v[x->n];
	memset(v, 0, sizeof(*v));
	if ((v->key = strdup(key)) == NULL)
		return NULL;
	x->slots[slot_of(x, key)] = (uint32_t)++x->n;
	return v;
}

int cert_index_put(struct cert_index *x, const char *key,
		   const struct cert_info *info, unsigned divisor)
{
	struct cert_index_entry *e = cert_index_get(x, key);
	char *certid = strdup(info->certid); /* e's */

	if (certid == NULL || (e == NULL && (e = append(x, key)) == NULL)) {
		free(certid);
		return -1;
	}
	if (e->certid != NULL && strcmp(e->certid, certid) == 0 &&
	    e->not_after == info->not_after) {
		free(certid); /* the same certificate: keep the ARI times */
		return 0;
	}
	free(e->certid);
	e->certid = certid;
	fill(e, info, divisor);
	return 0;
}

size_t cert_index_count(const struct cert_index *x)
{
	return x->n;
}

struct cert_index_entry *cert_index_at(struct cert_index *x, size_t i)
{
	return &x->v[i];
}

/* Indexes dir/name when it is <order>.pem with a certificate. */
static int scan_one(struct cert_index *x, const char *dir, const char *name,
		    unsigned divisor)
{
	char path[4096], key[256];
	size_t n = strlen(name);
	struct buf pem = BUF_INIT; /* freed below (wiped: a key) */
	struct cert_info info;
	int rc = 0;

	if (n < 5 || n - 4 >= sizeof(key) || strcmp(name + n - 4, ".pem") != 0)
		return 0;
	memcpy(key, name, n - 4);
	key[n - 4] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (acme_state_name_ok(key) &&
	    buf_read_file(&pem, path, FILE_MAX) == 0 &&
	    cert_info_read(&info, pem.data, pem.len) == 0) {
		rc = cert_index_put(x, key, &info, divisor) == 0;
		cert_info_clear(&info);
	}
	if (pem.data != NULL)
		memset(pem.data, 0, pem.len);
	buf_free(&pem);
	return rc;
}

size_t cert_index_scan(struct cert_index *x, const char *dir, unsigned divisor)
{
	struct dirent *e;
	size_t n = 0;
	DIR *d = opendir(dir);

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += (size_t)scan_one(x, dir, e->d_name, divisor);
	closedir(d);
	return n;
}
