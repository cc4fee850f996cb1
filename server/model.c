/* model.c - the loaded settings table: domains, accounts, lifetime. */
#include "model.h"

#include "hash.h"

#include "bytecache.h"
#include "directory_conf.h"
#include "sources/source.h"
#include "pages.h"
#include "signer.h"
#include "skeleton.h"
#include "tls.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct model *model_new(void)
{
	struct model *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	atomic_init(&m->refs, 1);
	limits_default(&m->limits);
	return m;
}

/* A slot holds the entry's index + 1 in its low 24 bits and 8 bits of its
 * name's hash above them, so a probe that meets another name is mostly
 * told so by the slot alone, without reading that name (issue 25: with
 * 1,000,000 domains, finding slots was half of the load, each probe two
 * reads from memory far apart). */
#define SLOT_INDEX_BITS 24
#define SLOT_INDEX_MASK ((1u << SLOT_INDEX_BITS) - 1)

/* A name's hash is hash_bytes(): the low bits pick the slot, the top 8
 * are its tag. (FNV-1a, which this was, leaves its low bits to the
 * inputs' low bits, so names that differ in a digit crowded together.) */
static uint32_t slot_tag(uint64_t h)
{
	return (uint32_t)(h >> 56) << SLOT_INDEX_BITS;
}

static const char *entry_name(const struct model *m, uint32_t idx)
{
	return m->names.data + m->domains[idx].name_off;
}

/* Returns the slot holding name (hash h), or the empty slot where it
 * would go. */
static size_t slot_find(const struct model *m, const char *name, uint64_t h)
{
	size_t mask = m->n_slots - 1, i = h & mask;
	uint32_t tag = slot_tag(h), v;

	while ((v = m->slots[i]) != 0 &&
	       ((v & ~SLOT_INDEX_MASK) != tag ||
		strcmp(entry_name(m, (v & SLOT_INDEX_MASK) - 1), name) != 0))
		i = (i + 1) & mask;
	return i;
}

#define AHEAD 16 /* entries hashed, and their slots fetched, in advance */

/* Twice the slots, filled again in the entries' order (their names are
 * read one after the other, not where the old slots lead); the slot of
 * the entry AHEAD places on is asked of memory while this one is placed. */
static int slots_grow(struct model *m)
{
	size_t n = m->n_slots ? m->n_slots * 2 : 1024, i, j;
	uint32_t *fresh = calloc(n, sizeof(*fresh)); /* m's once filled */
	uint64_t ring[AHEAD], h;
	const char *name;

	if (fresh == NULL)
		return -1;
	free(m->slots);
	m->slots = fresh;
	m->n_slots = n;
	for (i = 0; i < m->n_domains + AHEAD; i++) {
		if (i >= AHEAD) { /* entry j's slot was asked for: place it */
			j = i - AHEAD;
			h = ring[j % AHEAD];
			m->slots[slot_find(m, entry_name(m, (uint32_t)j), h)] =
			    slot_tag(h) | (uint32_t)(j + 1);
		}
		if (i < m->n_domains) {
			name = entry_name(m, (uint32_t)i);
			h = hash_bytes(name, strlen(name));
			ring[i % AHEAD] = h;
			__builtin_prefetch(&m->slots[h & (n - 1)], 1);
		}
	}
	return 0;
}

static int domains_grow(struct model *m)
{
	size_t cap = m->cap_domains ? m->cap_domains * 2 : 256;
	struct domain_entry *p = realloc(m->domains, cap * sizeof(*p));

	if (p == NULL)
		return -1;
	m->domains = p;
	m->cap_domains = cap;
	return 0;
}

int model_add_domain(struct model *m, const char *name, uint32_t account)
{
	size_t slot, off, len = strlen(name);
	uint64_t h = hash_bytes(name, len);

	if (m->n_domains >= MODEL_DOMAINS_MAX)
		return -1;
	if ((m->n_domains + 1) * 2 > m->n_slots && slots_grow(m) < 0)
		return -1;
	slot = slot_find(m, name, h);
	if (m->slots[slot] != 0)
		return 1;
	if (m->n_domains == m->cap_domains && domains_grow(m) < 0)
		return -1;
	off = m->names.len;
	if (off > UINT32_MAX || buf_append(&m->names, name, len + 1) < 0)
		return -1;
	m->domains[m->n_domains].name_off = (uint32_t)off;
	m->domains[m->n_domains].account = account;
	m->n_domains++;
	m->slots[slot] = slot_tag(h) | (uint32_t)m->n_domains;
	return 0;
}

const struct account *model_find_domain(const struct model *m, const char *name)
{
	uint32_t idx, acc;

	if (m->n_slots == 0)
		return NULL;
	idx = m->slots[slot_find(m, name, hash_bytes(name, strlen(name)))] &
	      SLOT_INDEX_MASK;
	if (idx == 0)
		return NULL;
	acc = m->domains[idx - 1].account;
	return acc == 0 ? &m->defaults : &m->overrides[acc - 1];
}

const struct endpoint *endpoint_offered(const struct endpoint *e, size_t n,
					int proto, int tls_first,
					const struct endpoint *skip)
{
	size_t i;
	int pass;

	for (pass = tls_first ? 0 : 1; pass < 2; pass++)
		for (i = 0; i < n; i++)
			if (e[i].advertise && &e[i] != skip &&
			    (proto == PROTO_ANY || (int)e[i].proto == proto) &&
			    (pass == 1 || e[i].security == SECURITY_TLS))
				return &e[i];
	return NULL;
}

const struct account *model_find_host(const struct model *m, const char *host,
				      const char **domain)
{
	static const char *const prefixes[] = {"autoconfig.", "autodiscover.",
					       NULL};
	const struct account *a = model_find_domain(m, host);
	const char *found = host;
	size_t i, n;

	for (i = 0; a == NULL && prefixes[i] != NULL; i++) {
		n = strlen(prefixes[i]);
		if (strncmp(host, prefixes[i], n) == 0 && host[n] != '\0') {
			found = host + n;
			a = model_find_domain(m, found);
		}
	}
	if (domain != NULL)
		*domain = found;
	return a;
}

const struct account *model_find_sts_host(const struct model *m,
					  const char *host, const char **domain)
{
	const struct account *a;

	if (strncmp(host, "mta-sts.", 8) != 0 ||
	    (a = model_find_domain(m, host + 8)) == NULL || !a->policy.sts)
		return NULL;
	if (domain != NULL)
		*domain = host + 8;
	return a;
}

const struct account *model_account(const struct model *m, uint32_t index)
{
	return index == 0 ? &m->defaults : &m->overrides[index - 1];
}

const struct account *model_find_pacc_host(const struct model *m,
					   const char *host,
					   const char **domain)
{
	const struct account *a;
	size_t n = strlen("ua-auto-config.");

	if (strncmp(host, "ua-auto-config.", n) != 0 ||
	    (a = model_find_domain(m, host + n)) == NULL || !a->pacc.on)
		return NULL;
	if (domain != NULL)
		*domain = host + n;
	return a;
}

static int account_has_sts(const struct account *a)
{
	return a->policy.sts;
}

static int account_has_pacc(const struct account *a)
{
	return a->pacc.on;
}

/* The prefixes of a domain's certificate names, and whether an account
 * has the name (NULL: always). */
static const struct {
	const char *prefix;
	int (*on)(const struct account *a);
} cert_prefixes[CERT_NAMES_MAX] = {
    {"autoconfig.", NULL},
    {"autodiscover.", NULL},
    {"mta-sts.", account_has_sts},
    {"ua-auto-config.", account_has_pacc},
};

void model_cert_domain(const struct account *a, const char *domain,
		       struct cert_names *out)
{
	size_t i;
	int len;

	out->n = 0;
	snprintf(out->key, sizeof(out->key), "%s", domain);
	for (i = 0; i < CERT_NAMES_MAX; i++) {
		if (cert_prefixes[i].on != NULL && !cert_prefixes[i].on(a))
			continue;
		len = snprintf(out->names[out->n], sizeof(out->names[0]),
			       "%s%s", cert_prefixes[i].prefix, domain);
		if (len > 0 && (size_t)len < sizeof(out->names[0]))
			out->n++; /* a name over 253 bytes is none */
	}
}

/* provider.service_host, and the MX path's autoconfig.<mx_domain>
 * (Thunderbird asks it with the address: SPEC §11), in one order. */
static int is_service_name(const struct model *m, const char *host)
{
	const char *sh = m->provider.service_host, *mx = m->provider.mx_domain;

	return sh[0] != '\0' &&
	       (strcmp(host, sh) == 0 ||
		(mx[0] != '\0' && strncmp(host, "autoconfig.", 11) == 0 &&
		 strcmp(host + 11, mx) == 0));
}

static void service_order(const struct model *m, struct cert_names *out)
{
	const struct provider *p = &m->provider;
	int len;

	snprintf(out->key, sizeof(out->key), "%s", p->service_host);
	snprintf(out->names[0], sizeof(out->names[0]), "%s", p->service_host);
	out->n = 1;
	if (p->mx_domain[0] == '\0')
		return;
	len = snprintf(out->names[1], sizeof(out->names[1]), "autoconfig.%s",
		       p->mx_domain);
	if (len > 0 && (size_t)len < sizeof(out->names[1]) &&
	    strcmp(out->names[1], out->names[0]) != 0)
		out->n = 2;
}

int model_cert_order(const struct model *m, const char *host,
		     struct cert_names *out)
{
	const struct account *a;
	size_t i, k;

	if (is_service_name(m, host)) {
		service_order(m, out);
		return 1;
	}
	for (i = 0; i < CERT_NAMES_MAX; i++) {
		k = strlen(cert_prefixes[i].prefix);
		if (strncmp(host, cert_prefixes[i].prefix, k) != 0 ||
		    (a = model_find_domain(m, host + k)) == NULL ||
		    (cert_prefixes[i].on != NULL && !cert_prefixes[i].on(a)))
			continue;
		model_cert_domain(a, host + k, out);
		return 1;
	}
	return 0;
}

int model_serves_host(const struct model *m, const char *host)
{
	if (host[0] == '\0')
		return 0;
	return model_find_host(m, host, NULL) != NULL ||
	       strcmp(host, m->provider.service_host) == 0;
}

struct model *model_ref(struct model *m)
{
	atomic_fetch_add(&m->refs, 1);
	return m;
}

static void endpoints_free(struct endpoint *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(e[i].host);
	free(e);
}

void account_clear(struct account *a)
{
	int l, p;

	if (a == NULL)
		return;
	skeleton_free(a->sk_autoconfig);
	skeleton_free(a->sk_autodiscover);
	for (l = 0; l < 2; l++)
		for (p = 0; p < 2; p++)
			skeleton_free(a->sk_profile[l][p]);
	free(a->login);
	free(a->imap_path_prefix);
	endpoints_free(a->incoming, a->n_incoming);
	endpoints_free(a->outgoing, a->n_outgoing);
	dav_free(a->caldav);
	dav_free(a->carddav);
	free(a->activesync_url);
	policy_clear(&a->policy);
	memset(a, 0, sizeof(*a));
}

void dav_free(struct dav *d)
{
	if (d == NULL)
		return;
	free(d->host);
	free(d->path);
	free(d->login);
	free(d->principal_url);
	free(d);
}

/* A deep copy of src (NULL for NULL); *failed is set when memory ran
 * out. */
static struct dav *dav_copy(const struct dav *src, int *failed)
{
	struct dav *d;

	if (src == NULL)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (d != NULL) {
		d->port = src->port;
		d->host = strdup(src->host);
		d->path = strdup(src->path);
		d->login = src->login ? strdup(src->login) : NULL;
		d->principal_url =
		    src->principal_url ? strdup(src->principal_url) : NULL;
	}
	if (d == NULL || d->host == NULL || d->path == NULL ||
	    (src->login && d->login == NULL) ||
	    (src->principal_url && d->principal_url == NULL)) {
		dav_free(d);
		*failed = 1;
		return NULL;
	}
	return d;
}

static struct endpoint *endpoints_copy(const struct endpoint *src, size_t n)
{
	struct endpoint *e = calloc(n ? n : 1, sizeof(*e));
	size_t i;

	if (e == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		e[i] = src[i];
		e[i].host = strdup(src[i].host);
		if (e[i].host == NULL) {
			endpoints_free(e, i);
			return NULL;
		}
	}
	return e;
}

/* A copy of the n strings of src (NULL when n is 0), or NULL with *failed
 * set. */
static char **strings_copy(char *const *src, size_t n, int *failed)
{
	char **dst;
	size_t i;

	if (n == 0)
		return NULL;
	if ((dst = calloc(n, sizeof(*dst))) == NULL) {
		*failed = 1;
		return NULL;
	}
	for (i = 0; i < n; i++)
		if ((dst[i] = strdup(src[i])) == NULL)
			*failed = 1;
	return dst;
}

void strings_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

static void policy_copy(struct mail_policy *dst, const struct mail_policy *src,
			int *failed)
{
	*dst = *src;
	dst->mx = strings_copy(src->mx, src->n_mx, failed);
	dst->sts_mx = strings_copy(src->sts_mx, src->n_sts_mx, failed);
	dst->rua = strings_copy(src->rua, src->n_rua, failed);
}

void policy_clear(struct mail_policy *p)
{
	strings_free(p->mx, p->n_mx);
	strings_free(p->sts_mx, p->n_sts_mx);
	strings_free(p->rua, p->n_rua);
	memset(p, 0, sizeof(*p));
}

int account_copy(struct account *dst, const struct account *src)
{
	int failed = 0;

	memset(dst, 0, sizeof(*dst));
	dst->caldav = dav_copy(src->caldav, &failed);
	dst->carddav = dav_copy(src->carddav, &failed);
	dst->activesync_json = src->activesync_json;
	dst->pacc = src->pacc;
	policy_copy(&dst->policy, &src->policy, &failed);
	if (src->activesync_url != NULL &&
	    (dst->activesync_url = strdup(src->activesync_url)) == NULL)
		failed = 1;
	dst->login = strdup(src->login);
	dst->imap_path_prefix = strdup(src->imap_path_prefix);
	dst->incoming = endpoints_copy(src->incoming, src->n_incoming);
	if (dst->incoming != NULL)
		dst->n_incoming = src->n_incoming;
	dst->outgoing = endpoints_copy(src->outgoing, src->n_outgoing);
	if (dst->outgoing != NULL)
		dst->n_outgoing = src->n_outgoing;
	if (failed || dst->login == NULL || dst->imap_path_prefix == NULL ||
	    dst->incoming == NULL || dst->outgoing == NULL) {
		account_clear(dst);
		return -1;
	}
	return 0;
}

#define AT(field) offsetof(struct provider, field)
/* in the order settings reads them (and reports their problems) */
const struct provider_text provider_texts[PROVIDER_TEXTS] = {
    {"id", AT(id), 1, NULL, PROVIDER_TEXT},
    {"name", AT(name), 1, NULL, PROVIDER_TEXT},
    {"short_name", AT(short_name), 1, NULL, PROVIDER_TEXT},
    {"organization", AT(organization), 0, "", PROVIDER_TEXT},
    {"profile_id_prefix", AT(profile_id_prefix), 0, "", PROVIDER_TEXT},
    {"support_url", AT(support_url), 0, "", PROVIDER_URL},
    {"setup_url", AT(setup_url), 0, "https://autoconfig.%EMAILDOMAIN%/setup",
     PROVIDER_URL},
    /* optional: no DNS records, no certificate of its own without */
    {"service_host", AT(service_host), 0, "", PROVIDER_HOST},
    {"mx_domain", AT(mx_domain), 0, "", PROVIDER_HOST},
};
#undef AT

char **provider_text_slot(struct provider *p, const struct provider_text *t)
{
	return (char **)((char *)p + t->offset);
}

static void provider_clear(struct provider *p)
{
	size_t i;

	for (i = 0; i < PROVIDER_TEXTS; i++)
		free(*provider_text_slot(p, &provider_texts[i]));
}

void acme_conf_free(struct acme_conf *a)
{
	if (a == NULL)
		return;
	free(a->directory);
	free(a->contact);
	free(a->ca_file);
	free(a);
}

static void model_free(struct model *m)
{
	size_t i;

	free(m->source);
	signer_free(m->signer);
	bytecache_free(m->signed_profiles);
	bytecache_free(m->qr_codes);
	bytecache_free(m->setup_pages);
	directory_conf_free(m->directory);
	free(m->state_dir);
	acme_conf_free(m->acme);
	pages_free(m->pages);
	tls_store_free(m->tls);
	free(m->tls_priorities);
	free(m->trusted);
	provider_clear(&m->provider);
	account_clear(&m->defaults);
	for (i = 0; i < m->n_overrides; i++)
		account_clear(&m->overrides[i]);
	free(m->overrides);
	buf_free(&m->names);
	free(m->domains);
	free(m->slots);
	free(m);
}

void model_unref(struct model *m)
{
	if (m == NULL)
		return;
	if (atomic_fetch_sub(&m->refs, 1) == 1)
		model_free(m);
}

void model_slot_init(struct model_slot *s, struct model *m)
{
	pthread_mutex_init(&s->lock, NULL);
	s->current = m;
}

struct model *model_slot_acquire(struct model_slot *s)
{
	struct model *m;

	pthread_mutex_lock(&s->lock);
	m = model_ref(s->current);
	pthread_mutex_unlock(&s->lock);
	return m;
}

void model_slot_swap(struct model_slot *s, struct model *m)
{
	struct model *old;

	pthread_mutex_lock(&s->lock);
	old = s->current;
	s->current = m;
	pthread_mutex_unlock(&s->lock);
	model_unref(old);
}

void model_slot_destroy(struct model_slot *s)
{
	model_unref(s->current);
	s->current = NULL;
	pthread_mutex_destroy(&s->lock);
}

const char *proto_name(enum proto p)
{
	static const char *const names[] = {"imap", "pop3", "smtp"};
	return names[p];
}

const char *security_name(enum security s)
{
	static const char *const names[] = {"tls", "starttls", "none"};
	return names[s];
}

const char *auth_name(enum auth a)
{
	static const char *const names[] = {"password", "password-encrypted",
					    "oauth2"};
	return names[a];
}
