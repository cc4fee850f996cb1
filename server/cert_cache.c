/* cert_cache.c - the handshake's certificates from the state folder
 * (cert_cache.h). */
#include "cert_cache.h"

#include <errno.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "acme_key.h"
#include "hash.h"

#define CHAIN_MAX 8
#define FILE_MAX  (64 * 1024)

void cert_info_clear(struct cert_info *info)
{
	buf_free(&info->names);
	memset(info, 0, sizeof(*info));
}

/* RFC 9773 §4.1 from the leaf: AKI keyIdentifier "." serial. */
static void read_certid(struct cert_info *info, gnutls_x509_crt_t crt)
{
	unsigned char aki[128], serial[64];
	size_t na = sizeof(aki), ns = sizeof(serial);
	unsigned critical = 0;
	struct buf id = BUF_INIT; /* freed below */

	if (gnutls_x509_crt_get_authority_key_id(crt, aki, &na, &critical) <
		0 ||
	    gnutls_x509_crt_get_serial(crt, serial, &ns) < 0)
		return;
	b64url_append(&id, aki, na);
	buf_append(&id, ".", 1);
	b64url_append(&id, serial, ns);
	if (!id.failed && id.len < sizeof(info->certid))
		memcpy(info->certid, id.data, id.len + 1);
	buf_free(&id);
}

static void read_names(struct cert_info *info, gnutls_x509_crt_t crt)
{
	char name[256];
	size_t n, i;
	unsigned seq;
	int type;

	for (seq = 0;; seq++) {
		n = sizeof(name) - 1;
		type = gnutls_x509_crt_get_subject_alt_name(crt, seq, name, &n,
							    NULL);
		if (type < 0 && type != GNUTLS_E_SHORT_MEMORY_BUFFER)
			break;
		if (type != GNUTLS_SAN_DNSNAME)
			continue;
		for (i = 0; i < n; i++)
			if (name[i] >= 'A' && name[i] <= 'Z')
				name[i] = (char)(name[i] - 'A' + 'a');
		buf_append(&info->names, name, n);
		buf_append(&info->names, "", 1);
		info->n_names++;
	}
}

int cert_info_read(struct cert_info *info, const char *pem, size_t n)
{
	gnutls_datum_t d = acme_datum(pem, n);
	gnutls_x509_crt_t crt = NULL;
	int rc = -1;

	memset(info, 0, sizeof(*info));
	if (gnutls_x509_crt_init(&crt) < 0)
		return -1;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) == 0) {
		info->not_before = gnutls_x509_crt_get_activation_time(crt);
		info->not_after = gnutls_x509_crt_get_expiration_time(crt);
		read_certid(info, crt);
		read_names(info, crt);
		rc = info->names.failed ? -1 : 0;
	}
	gnutls_x509_crt_deinit(crt);
	if (rc < 0)
		cert_info_clear(info);
	return rc;
}

int cert_info_covers(const struct cert_info *info, const char *name)
{
	const char *p = info->names.data;
	size_t i;

	for (i = 0; i < info->n_names; i++, p += strlen(p) + 1)
		if (strcasecmp(p, name) == 0)
			return 1;
	return 0;
}

struct cert_entry {
	atomic_int refs;
	char key[256];		/* immutable: the order's name */
	gnutls_pcert_st *pcert; /* owned, immutable */
	unsigned n_pcert;
	gnutls_privkey_t privkey;	/* owned, immutable */
	struct cert_info info;		/* immutable */
	struct timespec mtime;		/* immutable: the file's when read */
	time_t checked;			/* guarded by the cache's lock */
	struct cert_entry *prev, *next; /* guarded by the cache's lock: LRU */
	struct cert_entry *hnext;	/* guarded by the cache's lock */
};

static void entry_free(struct cert_entry *e)
{
	unsigned i;

	for (i = 0; i < e->n_pcert; i++)
		gnutls_pcert_deinit(&e->pcert[i]);
	free(e->pcert);
	if (e->privkey != NULL)
		gnutls_privkey_deinit(e->privkey);
	cert_info_clear(&e->info);
	free(e);
}

struct cert_entry *cert_entry_ref(struct cert_entry *e)
{
	atomic_fetch_add(&e->refs, 1);
	return e;
}

void cert_entry_release(struct cert_entry *e)
{
	if (e != NULL && atomic_fetch_sub(&e->refs, 1) == 1)
		entry_free(e);
}

void cert_entry_credentials(const struct cert_entry *e,
			    struct gnutls_pcert_st **pcert, unsigned *n,
			    struct gnutls_privkey_st **key)
{
	*pcert = e->pcert;
	*n = e->n_pcert;
	*key = e->privkey;
}

const struct cert_info *cert_entry_info(const struct cert_entry *e)
{
	return &e->info;
}

/* Parses the file's text: key first, then the chain. NULL if broken. */
static struct cert_entry *entry_parse(const char *key, const struct buf *pem,
				      const struct timespec *mtime)
{
	struct cert_entry *e = calloc(1, sizeof(*e)); /* the caller's */
	gnutls_datum_t d = acme_datum(pem->data, pem->len);

	if (e == NULL)
		return NULL;
	atomic_init(&e->refs, 1);
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->mtime = *mtime;
	e->n_pcert = CHAIN_MAX;
	if ((e->pcert = calloc(CHAIN_MAX, sizeof(*e->pcert))) == NULL ||
	    gnutls_pcert_list_import_x509_raw(e->pcert, &e->n_pcert, &d,
					      GNUTLS_X509_FMT_PEM, 0) < 0)
		e->n_pcert = 0; /* none imported: none to deinit */
	if (e->n_pcert == 0 ||
	    acme_key_import(&e->privkey, pem->data, pem->len) < 0 ||
	    cert_info_read(&e->info, pem->data, pem->len) < 0) {
		entry_free(e);
		return NULL;
	}
	return e;
}

struct cert_cache {
	pthread_mutex_t lock;
	char *dir;		   /* owned, immutable */
	size_t capacity;	   /* immutable */
	struct cert_entry **slots; /* owned, immutable size; the lists are
				      guarded by lock */
	size_t n_slots;		   /* immutable, a power of two */
	struct cert_entry lru;	   /* guarded by lock: head (most recent
				      next), an entry without a key */
	size_t held;		   /* guarded by lock */
	atomic_ulong hits, loads;
};

struct cert_cache *cert_cache_new(const char *dir, size_t capacity)
{
	struct cert_cache *c = calloc(1, sizeof(*c)); /* the caller's */

	if (c == NULL)
		return NULL;
	c->capacity = capacity < 1 ? 1 : capacity;
	for (c->n_slots = 64; c->n_slots < c->capacity * 2; c->n_slots *= 2)
		;
	c->slots = calloc(c->n_slots, sizeof(*c->slots));
	c->dir = strdup(dir);
	if (c->slots == NULL || c->dir == NULL ||
	    pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c->slots);
		free(c->dir);
		free(c);
		return NULL;
	}
	c->lru.next = c->lru.prev = &c->lru;
	return c;
}

static struct cert_entry **slot_of(struct cert_cache *c, const char *key)
{
	return &c->slots[fnv1a(FNV1A_INIT, key, strlen(key)) &
			 (c->n_slots - 1)];
}

/* Unlinks e from the table and the list; the caller drops its ref. */
static void unlink_locked(struct cert_cache *c, struct cert_entry *e)
{
	struct cert_entry **p = slot_of(c, e->key);

	while (*p != NULL && *p != e)
		p = &(*p)->hnext;
	if (*p == e)
		*p = e->hnext;
	e->prev->next = e->next;
	e->next->prev = e->prev;
	c->held--;
}

static void front_locked(struct cert_cache *c, struct cert_entry *e)
{
	e->next = c->lru.next;
	e->prev = &c->lru;
	c->lru.next->prev = e;
	c->lru.next = e;
}

void cert_cache_free(struct cert_cache *c)
{
	struct cert_entry *e, *next;

	if (c == NULL)
		return;
	for (e = c->lru.next; e != &c->lru; e = next) {
		next = e->next;
		cert_entry_release(e);
	}
	pthread_mutex_destroy(&c->lock);
	free(c->slots);
	free(c->dir);
	free(c);
}

/* The entry of key if listed and still current, moved to the front,
 * with a reference; a stale one (file changed, or expired) is unlinked. */
static struct cert_entry *find_locked(struct cert_cache *c, const char *key,
				      time_t now, const char *path)
{
	struct cert_entry *e = *slot_of(c, key);
	struct stat st;

	while (e != NULL && strcmp(e->key, key) != 0)
		e = e->hnext;
	if (e == NULL)
		return NULL;
	if (now - e->checked >= CERT_RECHECK_S) {
		e->checked = now;
		if (stat(path, &st) < 0 ||
		    st.st_mtim.tv_sec != e->mtime.tv_sec ||
		    st.st_mtim.tv_nsec != e->mtime.tv_nsec ||
		    e->info.not_after <= now) {
			unlink_locked(c, e);
			cert_entry_release(e);
			return NULL;
		}
	}
	e->prev->next = e->next;
	e->next->prev = e->prev;
	front_locked(c, e);
	return cert_entry_ref(e);
}

/* Reads and parses key's file, outside the lock. NULL: none usable. */
static struct cert_entry *load(const char *path, const char *key, time_t now)
{
	struct buf pem = BUF_INIT; /* freed below (wiped: a key) */
	struct cert_entry *e = NULL;
	struct stat st;

	if (stat(path, &st) == 0 && buf_read_file(&pem, path, FILE_MAX) == 0)
		e = entry_parse(key, &pem, &st.st_mtim);
	if (pem.data != NULL)
		memset(pem.data, 0, pem.len);
	buf_free(&pem);
	if (e != NULL &&
	    (e->info.not_after <= now || e->info.not_before > now)) {
		cert_entry_release(e); /* never an expired one */
		e = NULL;
	}
	if (e != NULL)
		e->checked = now;
	return e;
}

/* Lists e (one reference is the cache's), evicting the least recent
 * beyond the capacity; returns the entry the caller gets a ref to. */
static struct cert_entry *insert_locked(struct cert_cache *c,
					struct cert_entry *e)
{
	struct cert_entry **slot = slot_of(c, e->key), *old;

	e->hnext = *slot;
	*slot = e;
	front_locked(c, e);
	c->held++;
	while (c->held > c->capacity && (old = c->lru.prev) != e) {
		unlink_locked(c, old);
		cert_entry_release(old);
	}
	return cert_entry_ref(e);
}

struct cert_entry *cert_cache_get(struct cert_cache *c, const char *key,
				  time_t now)
{
	char path[4096];
	struct cert_entry *e, *other;

	snprintf(path, sizeof(path), "%s/%s.pem", c->dir, key);
	pthread_mutex_lock(&c->lock);
	e = find_locked(c, key, now, path);
	pthread_mutex_unlock(&c->lock);
	if (e != NULL) {
		atomic_fetch_add(&c->hits, 1);
		return e;
	}
	atomic_fetch_add(&c->loads, 1);
	if ((e = load(path, key, now)) == NULL)
		return NULL;
	pthread_mutex_lock(&c->lock);
	other = find_locked(c, key, now, path); /* loaded meanwhile */
	if (other == NULL)
		other = insert_locked(c, e);
	else
		cert_entry_release(e);
	pthread_mutex_unlock(&c->lock);
	return other;
}

void cert_cache_forget(struct cert_cache *c, const char *key)
{
	struct cert_entry *e;

	pthread_mutex_lock(&c->lock);
	for (e = *slot_of(c, key); e != NULL; e = e->hnext)
		if (strcmp(e->key, key) == 0)
			break;
	if (e != NULL) {
		unlink_locked(c, e);
		cert_entry_release(e);
	}
	pthread_mutex_unlock(&c->lock);
}

void cert_cache_counts(struct cert_cache *c, size_t *held, unsigned long *hits,
		       unsigned long *loads)
{
	pthread_mutex_lock(&c->lock);
	*held = c->held;
	pthread_mutex_unlock(&c->lock);
	*hits = atomic_load(&c->hits);
	*loads = atomic_load(&c->loads);
}
