/* source.c - the driver list, and what the drivers share (source.h). */
#include "source.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../elapsed.h"

#ifdef MAILCONFD_WITH_MARIADB
extern const struct source_driver source_mariadb;
#define MARIADB_DRIVER (&source_mariadb)
#else
#define MARIADB_DRIVER NULL
#endif
#ifdef MAILCONFD_WITH_PGSQL
extern const struct source_driver source_pgsql;
#define PGSQL_DRIVER (&source_pgsql)
#else
#define PGSQL_DRIVER NULL
#endif
#ifdef MAILCONFD_WITH_LDAP
extern const struct source_driver source_ldap;
#define LDAP_DRIVER (&source_ldap)
#else
#define LDAP_DRIVER NULL
#endif

static const struct source_backend backends[SOURCE_KINDS] = {
    [SOURCE_MARIADB] = {.name = "mariadb",
			.kind = SOURCE_MARIADB,
			.drv = MARIADB_DRIVER},
    [SOURCE_PGSQL] = {.name = "postgresql",
		      .kind = SOURCE_PGSQL,
		      .drv = PGSQL_DRIVER},
    [SOURCE_LDAP] = {.name = "ldap", .kind = SOURCE_LDAP, .drv = LDAP_DRIVER},
};

static const char *const param_names[SOURCE_PARAMS_MAX] = {
    [PARAM_ADDRESS] = "address",
    [PARAM_LOCALPART] = "localpart",
    [PARAM_DOMAIN] = "domain"};

const char *source_param_name(enum source_param p)
{
	return param_names[p];
}

const struct source_backend *source_backend(enum source_kind k)
{
	return &backends[k];
}

const struct source_backend *source_backend_find(const char *name)
{
	size_t i;

	for (i = 0; i < SOURCE_KINDS; i++)
		if (strcmp(backends[i].name, name) == 0)
			return &backends[i];
	return NULL;
}

void source_conf_clear(struct source_conf *c)
{
	char **owned[] = {&c->name,
			  &c->host,
			  &c->socket,
			  &c->database,
			  &c->user,
			  &c->url,
			  &c->bind_dn,
			  &c->password,
			  &c->tls_ca,
			  &c->domains_query,
			  &c->domains_base,
			  &c->domains_attr,
			  &c->domains_account_attr,
			  &c->changed_query,
			  &c->logins_query,
			  &c->logins_base,
			  &c->logins_attr,
			  &c->logins_addr_attr};
	size_t i;

	if (c == NULL)
		return;
	if (c->password != NULL) /* not left in freed memory */
		memset(c->password, 0, strlen(c->password));
	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		free(*owned[i]);
		*owned[i] = NULL;
	}
}

void source_pick_init(struct source_pick *p, const char *asked, struct buf *out)
{
	p->asked = asked;
	p->out = out;
	p->start = out->len;
	p->found = 0;
	p->foreign = 0;
}

int source_same_address(const char *asked, const char *key, size_t klen)
{
	return strlen(asked) == klen && strncasecmp(asked, key, klen) == 0 &&
	       memchr(key, '\0', klen) == NULL;
}

void source_pick_add(struct source_pick *p, const char *login, size_t llen,
		     const char *key, size_t klen)
{
	struct buf *o = p->out;

	if (login == NULL || llen == 0)
		return;
	if (key != NULL && !source_same_address(p->asked, key, klen)) {
		p->foreign++;
		return;
	}
	if (p->found == 0) {
		buf_append(o, login, llen);
		p->found = 1;
	} else if (o->len - p->start != llen ||
		   memcmp(o->data + p->start, login, llen) != 0) {
		p->found = 2;
	}
}

int source_pick_result(struct source_pick *p)
{
	if (p->found == 1 && !p->out->failed)
		return 1;
	p->out->len = p->start;
	if (p->out->data != NULL)
		p->out->data[p->start] = '\0';
	return 0;
}

long long source_deadline(unsigned ms)
{
	return elapsed_now_ms() + ms;
}

unsigned source_backoff(unsigned prev_s, unsigned cap_s)
{
	unsigned next = prev_s == 0 ? 1 : prev_s * 2;

	return next > cap_s ? cap_s : next;
}

int source_ms_left(long long deadline)
{
	long long now = elapsed_now_ms();

	if (now >= deadline)
		return 0;
	return deadline - now > 3600000 ? 3600000 : (int)(deadline - now);
}

int source_address(struct source_address *out, const char *local,
		   const char *domain)
{
	size_t nl = strlen(local), nd = strlen(domain), i;

	if (nl == 0 || nl >= sizeof(out->local) ||
	    nl + 1 + nd >= sizeof(out->full))
		return -1;
	for (i = 0; i < nl; i++) {
		unsigned char ch = (unsigned char)local[i];
		if (ch < 0x20 || ch == 0x7f)
			return -1;
		out->local[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
	}
	out->local[nl] = '\0';
	memcpy(out->full, out->local, nl);
	out->full[nl] = '@';
	memcpy(out->full + nl + 1, domain, nd + 1);
	out->values[PARAM_ADDRESS] = out->full;
	out->values[PARAM_LOCALPART] = out->local;
	out->values[PARAM_DOMAIN] = out->full + nl + 1;
	return 0;
}
