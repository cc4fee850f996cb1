/* settings_policy.c - "mx", "mta_sts" and "tls_rpt" of an account
 * (settings_policy.h). */
#include "settings_policy.h"

#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "expand.h"
#include "pacc.h"

#define STS_MAX_AGE_MAX 31557600 /* RFC 8461 §3.2: about a year */
#define STS_MAX_AGE_DEF 604800	 /* a week */

/* A list of strings at obj[key] into *out / *n (replaced). check() is
 * called with each (may rewrite it). Returns 1 read, 0 absent, -1. */
static int get_list(struct settings_json *c, json_t *obj, const char *key,
		    char ***out, size_t *n,
		    int (*check)(struct settings_json *c, char **s))
{
	json_t *list = json_object_get(obj, key), *v;
	size_t top, old, i;
	char **items;
	int rc = 0;

	if (list == NULL)
		return 0;
	top = settings_json_push(c, key);
	if (!json_is_array(list) || json_array_size(list) == 0) {
		settings_json_fail(c, "must be a list of one or more strings");
		settings_json_pop(c, top);
		return -1;
	}
	items = calloc(json_array_size(list), sizeof(*items)); /* *out */
	json_array_foreach (list, i, v) {
		old = settings_json_push_index(c, i);
		if (!json_is_string(v)) {
			settings_json_fail(c, "must be a string");
			rc = -1;
		} else if (items != NULL &&
			   (items[i] = strdup(json_string_value(v))) != NULL) {
			rc |= check(c, &items[i]);
		}
		settings_json_pop(c, old);
	}
	settings_json_pop(c, top);
	if (items == NULL)
		return -1;
	strings_free(*out, *n);
	*out = items;
	*n = json_array_size(list);
	return rc < 0 ? -1 : 1;
}

/* An mx pattern: a host, or "*." and a host (exactly one label). */
static int check_pattern(struct settings_json *c, char **s)
{
	char *rest;
	int rc;

	if (strncmp(*s, "*.", 2) != 0)
		return settings_json_check_host(c, s);
	rest = strdup(*s + 2);
	if (rest == NULL)
		return -1;
	rc = settings_json_check_host(c, &rest);
	if (rc == 0) {
		free(*s);
		*s = malloc(strlen(rest) + 3);
		if (*s != NULL) {
			memcpy(*s, "*.", 2);
			memcpy(*s + 2, rest, strlen(rest) + 1);
		}
	}
	free(rest);
	return *s == NULL ? -1 : rc;
}

/* A TLS-RPT report address: mailto: or https:, nothing that would end the
 * record's list or the TXT string. */
static int check_rua(struct settings_json *c, char **s)
{
	if ((strncmp(*s, "mailto:", 7) != 0 && strncmp(*s, "https://", 8)) ||
	    strpbrk(*s, ",;\" \t") != NULL || strlen(*s) > 200) {
		settings_json_fail(c, "must be a mailto: or https:// URI "
				      "without , ; \" or white space");
		return -1;
	}
	return 0;
}

/* obj[key] as an object, its keys checked and its pointer pushed (*top,
 * for the caller to pop); NULL when absent (*rc 0) or no object (*rc -1). */
static json_t *open_part(struct settings_json *c, json_t *obj, const char *key,
			 const char *const *keys, size_t *top, int *rc)
{
	json_t *o = settings_json_get_object(c, obj, key, 0);

	*rc = o == NULL && json_object_get(obj, key) != NULL ? -1 : 0;
	if (o == NULL)
		return NULL;
	*top = settings_json_push(c, key);
	settings_json_check_keys(c, o, keys);
	return o;
}

static int parse_sts(struct settings_json *c, json_t *obj,
		     struct mail_policy *p)
{
	static const char *const keys[] = {"mode", "max_age", "mx", NULL};
	static const char *const modes[] = {"none", "testing", "enforce", NULL};
	size_t top = 0, old;
	int rc, m;
	json_t *sts = open_part(c, obj, "mta_sts", keys, &top, &rc), *v;

	if (sts == NULL)
		return rc;
	/* a domain entry's "mta_sts" replaces the defaults' whole */
	strings_free(p->sts_mx, p->n_sts_mx);
	p->sts_mx = NULL;
	p->n_sts_mx = 0;
	p->sts = 1;
	p->mode = STS_TESTING;
	p->max_age = STS_MAX_AGE_DEF;
	if ((v = json_object_get(sts, "mode")) != NULL) {
		old = settings_json_push(c, "mode");
		m = settings_json_enum(
		    c, v, modes,
		    "must be \"none\", \"testing\" or \"enforce\"");
		p->mode = m < 0 ? STS_TESTING : (enum sts_mode)m;
		rc |= m < 0 ? -1 : 0;
		settings_json_pop(c, old);
	}
	if ((v = json_object_get(sts, "max_age")) != NULL) {
		old = settings_json_push(c, "max_age");
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > STS_MAX_AGE_MAX) {
			settings_json_failf(c, "must be 1..%d seconds",
					    STS_MAX_AGE_MAX);
			rc = -1;
		} else {
			p->max_age = (unsigned)json_integer_value(v);
		}
		settings_json_pop(c, old);
	}
	rc |=
	    get_list(c, sts, "mx", &p->sts_mx, &p->n_sts_mx, check_pattern) < 0;
	settings_json_pop(c, top);
	return rc ? -1 : 0;
}

static int parse_rpt(struct settings_json *c, json_t *obj,
		     struct mail_policy *p)
{
	static const char *const keys[] = {"rua", NULL};
	size_t top = 0;
	int rc;
	json_t *rpt = open_part(c, obj, "tls_rpt", keys, &top, &rc);

	if (rpt == NULL)
		return rc;
	rc = get_list(c, rpt, "rua", &p->rua, &p->n_rua, check_rua);
	if (rc == 0) {
		settings_json_fail(c, "\"rua\" is missing");
		rc = -1;
	}
	settings_json_pop(c, top);
	return rc < 0 ? -1 : 0;
}

/* "pacc": {"revision": "03", "previous": "02"}: served, and which. */
static int parse_pacc(struct settings_json *c, json_t *obj,
		      struct pacc_choice *p)
{
	static const char *const keys[] = {"revision", "previous", NULL};
	static const char *const revs[] = {"02", "03", NULL};
	static const char *const msg = "must be \"02\" or \"03\"";
	size_t top = 0, old;
	int rc, k;
	json_t *o = open_part(c, obj, "pacc", keys, &top, &rc), *v;

	if (o == NULL)
		return rc;
	p->on = 1;
	p->revision = PACC_03; /* automx's, the later draft's */
	p->also = 0;
	if ((v = json_object_get(o, "revision")) != NULL) {
		old = settings_json_push(c, "revision");
		if ((k = settings_json_enum(c, v, revs, msg)) < 0)
			rc = -1;
		else
			p->revision = (enum pacc_revision)k;
		settings_json_pop(c, old);
	}
	if ((v = json_object_get(o, "previous")) != NULL) {
		old = settings_json_push(c, "previous");
		if ((k = settings_json_enum(c, v, revs, msg)) < 0)
			rc = -1;
		else {
			p->also = k != (int)p->revision;
			p->previous = (enum pacc_revision)k;
		}
		settings_json_pop(c, old);
	}
	settings_json_pop(c, top);
	return rc;
}

int settings_policy_parse(struct settings_json *c, json_t *obj,
			  struct mail_policy *p, struct pacc_choice *pacc)
{
	int rc = 0;

	rc |= parse_pacc(c, obj, pacc) < 0;
	rc |= get_list(c, obj, "mx", &p->mx, &p->n_mx,
		       settings_json_check_host) < 0;
	rc |= parse_sts(c, obj, p) < 0;
	rc |= parse_rpt(c, obj, p) < 0;
	return rc ? -1 : 0;
}

int settings_pacc_check(struct settings_json *c, const struct account *a)
{
	const char *why;
	size_t old;

	if (!a->pacc.on || (why = pacc_check(c->m, a)) == NULL)
		return 0;
	old = settings_json_push(c, "pacc");
	settings_json_fail(c, why);
	settings_json_pop(c, old);
	return -1;
}

/* Does some pattern of p, filled in for domain, match host? */
static int covered(const struct mail_policy *p, const char *host,
		   const char *domain)
{
	struct buf pat = BUF_INIT; /* freed below */
	size_t i;
	int ok = 0;

	for (i = 0; i < p->n_sts_mx && !ok; i++) {
		buf_reset(&pat);
		expand(&pat, p->sts_mx[i], domain, NULL);
		ok = pat.data != NULL && hostname_matches(pat.data, host);
	}
	buf_free(&pat);
	return ok;
}

int settings_policy_check(struct settings_json *c, const struct mail_policy *p,
			  const char *domain)
{
	struct buf host = BUF_INIT; /* freed below */
	size_t top, i;
	int rc = 0;

	if (!p->sts || p->mode != STS_ENFORCE)
		return 0;
	top = settings_json_push(c, "mta_sts");
	if (p->n_mx == 0 && p->n_sts_mx == 0) {
		settings_json_fail(c, "enforce names no MX host: give \"mx\"");
		rc = -1;
	}
	for (i = 0; i < p->n_mx && p->n_sts_mx > 0; i++) {
		buf_reset(&host);
		expand(&host, p->mx[i], domain, NULL);
		if (host.data != NULL && !covered(p, host.data, domain)) {
			settings_json_failf(
			    c,
			    "mode enforce, but the MX host %s (\"mx\" %zu) "
			    "matches none of its \"mx\" patterns: senders "
			    "would not deliver to it",
			    host.data, i);
			rc = -1;
		}
	}
	buf_free(&host);
	settings_json_pop(c, top);
	return rc;
}
