/* settings.c - the settings table: JSON -> validated, immutable model.
 *
 * The only file that includes <jansson.h> for the table. Every problem is
 * collected with its JSON pointer (RFC 6901); the load fails once at the
 * end, so an operator sees all of them in one run. */
#include "settings.h"

#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "address.h"
#include "domainlist.h"
#include "precompiled.h"

#define SETTINGS_FILE_MAX (64u << 20)
#define DOMAIN_FILE_MAX	  (1u << 30)
#define PTR_MAX		  2048

struct ctx {
	const char *file;
	char *dir; /* owned: the settings file's folder */
	struct settings_errors *errs;
	char ptr[PTR_MAX]; /* the JSON pointer of the value being read */
	size_t ptr_len;
	struct model *m;
	uint64_t digest; /* FNV-1a over every byte loaded */
};

static void report_line(struct settings_errors *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void report_line(struct settings_errors *e, const char *fmt, ...)
{
	va_list ap;

	e->count++;
	if (e->count > SETTINGS_ERRORS_LISTED_MAX)
		return;
	va_start(ap, fmt);
	buf_vprintf(&e->text, fmt, ap);
	va_end(ap);
	buf_puts(&e->text, "\n");
}

/* Reports a problem with the value at the current JSON pointer. */
static void fail(struct ctx *c, const char *why)
{
	report_line(c->errs, "%s: %s: %s", c->file, c->ptr_len ? c->ptr : "/",
		    why);
}

/* fail() with a formatted reason. */
static void failf(struct ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void failf(struct ctx *c, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fail(c, why);
}

/* Appends /token (escaped per RFC 6901) to the pointer; returns the old
 * length for ptr_pop(). A pointer longer than PTR_MAX is cut. */
static size_t ptr_push(struct ctx *c, const char *token)
{
	size_t old = c->ptr_len, n = c->ptr_len;
	const char *t;

	if (n + 1 < PTR_MAX)
		c->ptr[n++] = '/';
	for (t = token; *t != '\0' && n + 2 < PTR_MAX; t++) {
		if (*t == '~' || *t == '/') {
			c->ptr[n++] = '~';
			c->ptr[n++] = *t == '~' ? '0' : '1';
		} else {
			c->ptr[n++] = *t;
		}
	}
	c->ptr[n] = '\0';
	c->ptr_len = n;
	return old;
}

static size_t ptr_push_index(struct ctx *c, size_t i)
{
	char token[32];

	snprintf(token, sizeof(token), "%zu", i);
	return ptr_push(c, token);
}

static void ptr_pop(struct ctx *c, size_t old)
{
	c->ptr_len = old;
	c->ptr[old] = '\0';
}

static void digest_add(struct ctx *c, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		c->digest ^= (unsigned char)p[i];
		c->digest *= 1099511628211ull;
	}
}

/* Reports every key of obj not in the NULL-terminated list allowed. */
static void check_keys(struct ctx *c, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;
	size_t i, old;

	json_object_foreach (obj, key, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] != NULL)
			continue;
		old = ptr_push(c, key);
		fail(c, "unknown key");
		ptr_pop(c, old);
	}
	(void)v;
}

static int has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7F)
			return 1;
	return 0;
}

/* Reads the string obj[key] into *out (owned by the caller; untouched when
 * the key is absent). Returns 1 if read, 0 if absent, -1 on a problem. */
static int get_string(struct ctx *c, json_t *obj, const char *key, int required,
		      char **out)
{
	json_t *v = json_object_get(obj, key);
	size_t old = ptr_push(c, key);
	int rc = 1;

	if (v == NULL) {
		if (required)
			fail(c, "is required");
		rc = required ? -1 : 0;
	} else if (!json_is_string(v)) {
		fail(c, "must be a string");
		rc = -1;
	} else if (!skeleton_value_ok(json_string_value(v)) ||
		   has_control(json_string_value(v))) {
		fail(c, "must not hold control or private-use characters");
		rc = -1;
	} else {
		char *s = strdup(json_string_value(v));
		if (s == NULL) {
			fail(c, "out of memory");
			rc = -1;
		} else {
			free(*out);
			*out = s;
		}
	}
	ptr_pop(c, old);
	return rc;
}

/* Returns the object obj[key], NULL if absent or (reported) not an
 * object. */
static json_t *get_object(struct ctx *c, json_t *obj, const char *key,
			  int required)
{
	json_t *v = json_object_get(obj, key);
	size_t old = ptr_push(c, key);

	if (v == NULL && required)
		fail(c, "is required");
	else if (v != NULL && !json_is_object(v)) {
		fail(c, "must be an object");
		v = NULL;
	}
	ptr_pop(c, old);
	return v;
}

/* Checks the placeholders of a template: only those in allowed (a
 * NULL-terminated list of names without the %). */
static int check_placeholders(struct ctx *c, const char *s,
			      const char *const *allowed)
{
	const char *p = s, *q;
	size_t i, n;

	while ((p = strchr(p, '%')) != NULL) {
		q = strchr(p + 1, '%');
		if (q == NULL) {
			fail(c, "has an unmatched '%'");
			return -1;
		}
		n = (size_t)(q - p - 1);
		for (i = 0; allowed[i] != NULL; i++)
			if (strlen(allowed[i]) == n &&
			    strncmp(allowed[i], p + 1, n) == 0)
				break;
		if (allowed[i] == NULL) {
			failf(c, "has an unknown placeholder %.*s", (int)n + 2,
			      p);
			return -1;
		}
		p = q + 1;
	}
	return 0;
}

static char *table_path(const struct ctx *c, const char *name);

static const char *const host_placeholders[] = {"EMAILDOMAIN", NULL};
static const char *const login_placeholders[] = {
    "EMAILADDRESS", "EMAILLOCALPART", "EMAILDOMAIN", NULL};

/* Lower-cases the host template in place and checks it names a valid host
 * once %EMAILDOMAIN% is filled in; a literal IDN host becomes an A-label. */
static int check_host(struct ctx *c, char **host)
{
	char norm[DOMAIN_MAX + 1], probe[DOMAIN_INPUT_MAX + 1];
	const char *why = NULL, *p;
	size_t n = 0;
	char *s;

	int inside = 0; /* within %...% */

	for (s = *host; *s != '\0'; s++) {
		if (*s == '%')
			inside = !inside;
		else if (!inside && *s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
	if (check_placeholders(c, *host, host_placeholders) < 0)
		return -1;
	if (strchr(*host, '%') == NULL) {
		if (domain_normalize(norm, *host, strlen(*host), &why) < 0) {
			fail(c, why);
			return -1;
		}
		s = strdup(norm);
		if (s == NULL)
			return -1;
		free(*host);
		*host = s;
		return 0;
	}
	/* A template: try it with a sample domain. */
	for (p = *host; *p != '\0' && n + 12 < sizeof(probe);) {
		if (strncmp(p, "%EMAILDOMAIN%", 13) == 0) {
			memcpy(probe + n, "example.org", 11);
			n += 11;
			p += 13;
		} else {
			probe[n++] = *p++;
		}
	}
	probe[n] = '\0';
	if (!hostname_valid(probe)) {
		fail(c, "is not a valid host name (lower case letters, digits, "
			"'-', '.')");
		return -1;
	}
	return 0;
}

static int parse_enum(struct ctx *c, json_t *v, const char *const *names,
		      const char *msg)
{
	int i;

	if (json_is_string(v))
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(names[i], json_string_value(v)) == 0)
				return i;
	fail(c, msg);
	return -1;
}

static int parse_auth(struct ctx *c, json_t *v, struct endpoint *e)
{
	static const char *const names[] = {"password", "password-encrypted",
					    "oauth2", NULL};
	static const char *msg =
	    "must be \"password\", \"password-encrypted\" or \"oauth2\"";
	size_t i, old;
	json_t *item;
	int a, rc = 0;

	if (json_is_string(v)) {
		if ((a = parse_enum(c, v, names, msg)) < 0)
			return -1;
		e->auth[0] = (enum auth)a;
		e->n_auth = 1;
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > AUTH_MAX) {
		fail(c, "must be a method or a list of 1..3 methods");
		return -1;
	}
	e->n_auth = 0;
	json_array_foreach (v, i, item) {
		old = ptr_push_index(c, i);
		a = parse_enum(c, item, names, msg);
		ptr_pop(c, old);
		if (a < 0)
			rc = -1;
		else
			e->auth[e->n_auth++] = (enum auth)a;
	}
	return rc;
}

static int parse_port(struct ctx *c, json_t *obj, struct endpoint *e)
{
	json_t *v = json_object_get(obj, "port");
	size_t old = ptr_push(c, "port");
	int rc = 0;

	if (v == NULL) {
		fail(c, "is required");
		rc = -1;
	} else if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		   json_integer_value(v) > 65535) {
		fail(c, "must be a whole number 1..65535");
		rc = -1;
	} else {
		e->port = (unsigned)json_integer_value(v);
	}
	ptr_pop(c, old);
	return rc;
}

/* Reads the protocol; outgoing lists take smtp, incoming imap or pop3. */
static int parse_proto(struct ctx *c, json_t *obj, int outgoing,
		       struct endpoint *e)
{
	static const char *const in_names[] = {"imap", "pop3", NULL};
	static const char *const out_names[] = {"", "", "smtp", NULL};
	json_t *v = json_object_get(obj, "protocol");
	size_t old = ptr_push(c, "protocol");
	int p = -1;

	if (v == NULL)
		fail(c, "is required");
	else if (outgoing)
		p = parse_enum(c, v, out_names, "must be \"smtp\"");
	else
		p = parse_enum(c, v, in_names, "must be \"imap\" or \"pop3\"");
	ptr_pop(c, old);
	if (p < 0)
		return -1;
	e->proto = (enum proto)p;
	return 0;
}

static int parse_security(struct ctx *c, json_t *obj, struct endpoint *e)
{
	static const char *const names[] = {"tls", "starttls", "none", NULL};
	json_t *v = json_object_get(obj, "security");
	size_t old = ptr_push(c, "security");
	int s = -1;

	if (v == NULL)
		fail(c, "is required");
	else
		s = parse_enum(c, v, names,
			       "must be \"tls\", \"starttls\" or \"none\"");
	ptr_pop(c, old);
	if (s < 0)
		return -1;
	e->security = (enum security)s;
	return 0;
}

static int parse_flags(struct ctx *c, json_t *obj, struct endpoint *e)
{
	json_t *v;
	size_t old;
	int rc = 0;

	e->auth[0] = AUTH_PASSWORD;
	e->n_auth = 1;
	/* RFC 8314: cleartext is documented for people, never offered. */
	e->advertise = e->security != SECURITY_NONE;
	if ((v = json_object_get(obj, "auth")) != NULL) {
		old = ptr_push(c, "auth");
		rc |= parse_auth(c, v, e);
		ptr_pop(c, old);
	}
	if ((v = json_object_get(obj, "advertise")) != NULL) {
		old = ptr_push(c, "advertise");
		if (!json_is_boolean(v)) {
			fail(c, "must be true or false");
			rc = -1;
		}
		e->advertise = json_is_true(v);
		if (e->advertise && e->security == SECURITY_NONE) {
			fail(c, "a server with \"security\": \"none\" is "
				"never offered to clients (RFC 8314)");
			rc = -1;
		}
		ptr_pop(c, old);
	}
	return rc;
}

static int parse_endpoint(struct ctx *c, json_t *obj, int outgoing,
			  struct endpoint *e)
{
	static const char *const keys[] = {
	    "protocol", "host", "port", "security", "auth", "advertise", NULL};
	size_t old;
	int rc = 0;

	if (!json_is_object(obj)) {
		fail(c, "must be an object");
		return -1;
	}
	check_keys(c, obj, keys);
	rc |= parse_proto(c, obj, outgoing, e);
	if (get_string(c, obj, "host", 1, &e->host) < 0) {
		rc = -1;
	} else {
		old = ptr_push(c, "host");
		rc |= check_host(c, &e->host);
		ptr_pop(c, old);
	}
	rc |= parse_port(c, obj, e);
	rc |= parse_security(c, obj, e);
	rc |= parse_flags(c, obj, e);
	return rc;
}

/* Reads the endpoint list obj[key] into *out and *n (replacing what was
 * there). Returns 1 if read, 0 if absent, -1 on a problem. */
static int parse_endpoints(struct ctx *c, json_t *obj, const char *key,
			   struct endpoint **out, size_t *n)
{
	json_t *list = json_object_get(obj, key), *item;
	size_t old = ptr_push(c, key), i, o;
	struct endpoint *e = NULL; /* owned until handed to *out */
	int rc = 1;

	if (list == NULL) {
		rc = 0;
		goto out;
	}
	if (!json_is_array(list) || json_array_size(list) == 0) {
		fail(c, "must be a non-empty list of servers");
		rc = -1;
		goto out;
	}
	e = calloc(json_array_size(list), sizeof(*e));
	if (e == NULL) {
		fail(c, "out of memory");
		rc = -1;
		goto out;
	}
	json_array_foreach (list, i, item) {
		o = ptr_push_index(c, i);
		if (parse_endpoint(c, item, strcmp(key, "outgoing") == 0,
				   &e[i]) < 0)
			rc = -1;
		ptr_pop(c, o);
	}
	for (i = 0; i < *n; i++)
		free((*out)[i].host);
	free(*out);
	*out = e;
	*n = json_array_size(list);
	e = NULL;
out:
	ptr_pop(c, old);
	return rc;
}

static int has_advertised(const struct endpoint *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (e[i].advertise)
			return 1;
	return 0;
}

/* A client can be set up only if something is offered both ways. */
static int check_account(struct ctx *c, const struct account *a)
{
	size_t old;
	int rc = 0;

	old = ptr_push(c, "incoming");
	if (a->incoming != NULL &&
	    !has_advertised(a->incoming, a->n_incoming)) {
		fail(c, "no server is offered to clients (one needs "
			"\"security\" tls or starttls, without "
			"\"advertise\": false)");
		rc = -1;
	}
	ptr_pop(c, old);
	old = ptr_push(c, "outgoing");
	if (a->outgoing != NULL &&
	    !has_advertised(a->outgoing, a->n_outgoing)) {
		fail(c, "no server is offered to clients (one needs "
			"\"security\" tls or starttls, without "
			"\"advertise\": false)");
		rc = -1;
	}
	ptr_pop(c, old);
	return rc;
}

/* parse_endpoints(), where required lists must be present. */
static int parse_list(struct ctx *c, json_t *obj, const char *key,
		      struct endpoint **out, size_t *n, int required)
{
	int r = parse_endpoints(c, obj, key, out, n);
	size_t old;

	if (r < 0)
		return -1;
	if (r == 0 && required) {
		old = ptr_push(c, key);
		fail(c, "is required");
		ptr_pop(c, old);
		return -1;
	}
	return 0;
}

/* Reads an account object: the defaults (required set) or a domain's
 * override, which starts as a copy of the defaults in *a. */
static int parse_account(struct ctx *c, json_t *obj, struct account *a,
			 int is_defaults)
{
	static const char *const keys[] = {"login", "imap_path_prefix",
					   "incoming", "outgoing", NULL};
	size_t old;
	int rc = 0;

	check_keys(c, obj, keys);
	if (get_string(c, obj, "login", 0, &a->login) > 0) {
		old = ptr_push(c, "login");
		rc |= check_placeholders(c, a->login, login_placeholders);
		ptr_pop(c, old);
	}
	rc |=
	    get_string(c, obj, "imap_path_prefix", 0, &a->imap_path_prefix) < 0;
	rc |= parse_list(c, obj, "incoming", &a->incoming, &a->n_incoming,
			 is_defaults);
	rc |= parse_list(c, obj, "outgoing", &a->outgoing, &a->n_outgoing,
			 is_defaults);
	rc |= check_account(c, a);
	return rc ? -1 : 0;
}

static int parse_defaults(struct ctx *c, json_t *root)
{
	json_t *obj = get_object(c, root, "defaults", 1);
	struct account *a = &c->m->defaults;
	size_t old;
	int rc;

	a->login = strdup("%EMAILADDRESS%");
	a->imap_path_prefix = strdup("");
	if (a->login == NULL || a->imap_path_prefix == NULL)
		return -1;
	if (obj == NULL)
		return -1;
	old = ptr_push(c, "defaults");
	rc = parse_account(c, obj, a, 1);
	ptr_pop(c, old);
	return rc;
}

static int parse_domain_entry(struct ctx *c, const char *key, json_t *v,
			      int defaults_ok)
{
	char name[DOMAIN_MAX + 1];
	struct account *acc, *grown;
	const char *why = NULL;
	int rc;

	if (domain_normalize(name, key, strlen(key), &why) < 0) {
		fail(c, why);
		return -1;
	}
	if (!json_is_object(v)) {
		fail(c, "must be an object (use {} for the defaults)");
		return -1;
	}
	if (json_object_size(v) == 0)
		return model_add_domain(c->m, name, 0) == 1 ? -2 : 0;
	if (!defaults_ok) { /* still check the entry's own fields */
		struct account scratch = {0};
		parse_account(c, v, &scratch, 0);
		account_clear(&scratch);
		return -1;
	}
	grown =
	    realloc(c->m->overrides, (c->m->n_overrides + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	c->m->overrides = grown;
	acc = &grown[c->m->n_overrides];
	if (account_copy(acc, &c->m->defaults) < 0)
		return -1;
	c->m->n_overrides++;
	if (parse_account(c, v, acc, 0) < 0)
		return -1;
	rc = model_add_domain(c->m, name, (uint32_t)c->m->n_overrides);
	return rc == 1 ? -2 : rc;
}

static int parse_domains(struct ctx *c, json_t *root, int defaults_ok)
{
	json_t *obj = get_object(c, root, "domains", 0), *v;
	const char *key;
	size_t old, top;
	int rc = 0, r;

	if (obj == NULL)
		return json_object_get(root, "domains") ? -1 : 0;
	top = ptr_push(c, "domains");
	json_object_foreach (obj, key, v) {
		old = ptr_push(c, key);
		r = parse_domain_entry(c, key, v, defaults_ok);
		if (r == -2)
			fail(c, "names a domain listed before (domains are "
				"compared in lower case, as A-labels)");
		if (r < 0)
			rc = -1;
		ptr_pop(c, old);
	}
	ptr_pop(c, top);
	return rc;
}

static void report_list_line(void *cls, const char *path, size_t line,
			     const char *why)
{
	struct ctx *c = cls;

	report_line(c->errs, "%s:%zu: %s", path, line, why);
}

/* Loads one domain list; path relative to the settings file's folder. */
static int load_domain_file(struct ctx *c, const char *name)
{
	struct buf data = BUF_INIT;	  /* freed below */
	char *path = table_path(c, name); /* freed below */
	long bad;
	int rc = -1;

	if (path == NULL)
		goto out;
	if (buf_read_file(&data, path, DOMAIN_FILE_MAX) < 0) {
		report_line(c->errs, "%s: %s: cannot read %s: %s", c->file,
			    c->ptr, path, strerror(errno));
		goto out;
	}
	digest_add(c, data.data, data.len);
	bad = domainlist_parse(c->m, path, data.data, data.len,
			       report_list_line, c);
	rc = bad == 0 ? 0 : -1;
out:
	free(path);
	buf_free(&data);
	return rc;
}

static int parse_domain_files(struct ctx *c, json_t *root)
{
	json_t *list = json_object_get(root, "domain_files"), *item;
	size_t top = ptr_push(c, "domain_files"), i, old;
	int rc = 0;

	if (list != NULL && !json_is_array(list)) {
		fail(c, "must be a list of file names");
		rc = -1;
	}
	json_array_foreach (list, i, item) {
		old = ptr_push_index(c, i);
		if (!json_is_string(item)) {
			fail(c, "must be a file name");
			rc = -1;
		} else if (load_domain_file(c, json_string_value(item)) < 0) {
			rc = -1;
		}
		ptr_pop(c, old);
	}
	ptr_pop(c, top);
	return rc;
}

static int check_url(struct ctx *c, json_t *obj, const char *key, char **url)
{
	size_t old;

	if (get_string(c, obj, key, 0, url) <= 0 || **url == '\0')
		return 0;
	old = ptr_push(c, key);
	if (strncmp(*url, "https://", 8) != 0 &&
	    strncmp(*url, "http://", 7) != 0) {
		fail(c, "must start with https:// or http://");
		ptr_pop(c, old);
		return -1;
	}
	ptr_pop(c, old);
	return check_placeholders(c, *url, host_placeholders);
}

/* provider.service_host: the name mailconfd itself answers on (the
 * target of the autoconfig./autodiscover. CNAMEs and SRV records). */
static int check_service_host(struct ctx *c, json_t *obj, char **host)
{
	char norm[DOMAIN_MAX + 1];
	const char *why = NULL;
	size_t old;
	int rc = 0;

	if (get_string(c, obj, "service_host", 0, host) <= 0)
		return 0;
	old = ptr_push(c, "service_host");
	if (domain_normalize(norm, *host, strlen(*host), &why) < 0) {
		fail(c, why);
		rc = -1;
	} else {
		char *s = strdup(norm); /* an A-label may be longer */
		if (s == NULL) {
			rc = -1;
		} else {
			free(*host);
			*host = s;
		}
	}
	ptr_pop(c, old);
	return rc;
}

static int provider_defaults(struct provider *p)
{
	p->organization = strdup("");
	p->support_url = strdup("");
	p->profile_id_prefix = strdup("");
	p->setup_url = strdup("https://autoconfig.%EMAILDOMAIN%/setup");
	return p->organization && p->support_url && p->profile_id_prefix &&
		       p->setup_url
		   ? 0
		   : -1;
}

static int parse_provider(struct ctx *c, json_t *root)
{
	static const char *const keys[] = {
	    "id",	    "name",	    "short_name",
	    "organization", "support_url",  "profile_id_prefix",
	    "setup_url",    "service_host", NULL};
	json_t *obj = get_object(c, root, "provider", 1);
	struct provider *p = &c->m->provider;
	size_t top;
	int rc = 0;

	if (provider_defaults(p) < 0 || obj == NULL)
		return -1;
	top = ptr_push(c, "provider");
	check_keys(c, obj, keys);
	rc |= get_string(c, obj, "id", 1, &p->id) < 0;
	rc |= get_string(c, obj, "name", 1, &p->name) < 0;
	rc |= get_string(c, obj, "short_name", 1, &p->short_name) < 0;
	rc |= get_string(c, obj, "organization", 0, &p->organization) < 0;
	rc |= get_string(c, obj, "profile_id_prefix", 0,
			 &p->profile_id_prefix) < 0;
	rc |= check_url(c, obj, "support_url", &p->support_url) < 0;
	rc |= check_url(c, obj, "setup_url", &p->setup_url) < 0;
	rc |= check_service_host(c, obj, &p->service_host) < 0;
	ptr_pop(c, top);
	return rc ? -1 : 0;
}

static int parse_limits(struct ctx *c, json_t *obj)
{
	const char *key, *why = NULL;
	json_t *v;
	size_t old;
	int rc = 0;

	json_object_foreach (obj, key, v) {
		old = ptr_push(c, key);
		if (!json_is_integer(v)) {
			fail(c, "must be a whole number");
			rc = -1;
		} else if (limits_set(&c->m->limits, key,
				      (long)json_integer_value(v), &why) < 0) {
			fail(c, why);
			rc = -1;
		}
		ptr_pop(c, old);
	}
	return rc;
}

/* A path from the table: absolute, or relative to the table's folder.
 * Returns a new string (the caller frees it) or NULL. */
static char *table_path(const struct ctx *c, const char *name)
{
	struct buf path = BUF_INIT; /* handed to the caller */

	if (name[0] == '/' || strcmp(c->dir, ".") == 0)
		buf_puts(&path, name);
	else
		buf_printf(&path, "%s/%s", c->dir, name);
	return buf_steal(&path);
}

/* server.signing: {"certificate": PEM chain, "key": PEM key}, read now,
 * so a reload picks renewed certificates up (SPEC §3). */
static int parse_signing(struct ctx *c, json_t *server)
{
	static const char *const keys[] = {"certificate", "key", NULL};
	json_t *obj = get_object(c, server, "signing", 0);
	char *cert = NULL, *key = NULL, *cpath = NULL, *kpath = NULL;
	char why[512];
	size_t top;
	int rc = -1;

	if (obj == NULL)
		return -1;
	top = ptr_push(c, "signing");
	check_keys(c, obj, keys);
	if (get_string(c, obj, "certificate", 1, &cert) < 0 ||
	    get_string(c, obj, "key", 1, &key) < 0)
		goto out;
	cpath = table_path(c, cert);
	kpath = table_path(c, key);
	if (cpath == NULL || kpath == NULL)
		goto out;
	c->m->signer = signer_load(cpath, kpath, time(NULL), why, sizeof(why));
	if (c->m->signer == NULL)
		fail(c, why);
	else
		rc = 0;
out:
	ptr_pop(c, top);
	free(cert);
	free(key);
	free(cpath);
	free(kpath);
	return rc;
}

static int parse_server(struct ctx *c, json_t *root)
{
	static const char *const keys[] = {"limits", "https_in_front",
					   "signing", NULL};
	json_t *obj = get_object(c, root, "server", 0), *limits, *v;
	size_t top, old;
	int rc = 0;

	if (obj == NULL)
		return json_object_get(root, "server") ? -1 : 0;
	top = ptr_push(c, "server");
	check_keys(c, obj, keys);
	if ((v = json_object_get(obj, "https_in_front")) != NULL) {
		old = ptr_push(c, "https_in_front");
		if (!json_is_boolean(v)) {
			fail(c, "must be true or false");
			rc = -1;
		}
		c->m->https_in_front = json_is_true(v);
		ptr_pop(c, old);
	}
	if (json_object_get(obj, "signing") != NULL)
		rc |= parse_signing(c, obj);
	limits = get_object(c, obj, "limits", 0);
	if (limits != NULL) {
		old = ptr_push(c, "limits");
		rc |= parse_limits(c, limits);
		ptr_pop(c, old);
	} else if (json_object_get(obj, "limits") != NULL) {
		rc = -1;
	}
	ptr_pop(c, top);
	return rc;
}

static int parse_root(struct ctx *c, json_t *root)
{
	static const char *const keys[] = {
	    "provider", "defaults", "domains", "domain_files", "server", NULL};
	int rc = 0, defaults_ok;

	if (!json_is_object(root)) {
		fail(c, "the table must be a JSON object");
		return -1;
	}
	check_keys(c, root, keys);
	rc |= parse_provider(c, root);
	defaults_ok = parse_defaults(c, root) == 0;
	rc |= !defaults_ok;
	rc |= parse_domains(c, root, defaults_ok);
	rc |= parse_domain_files(c, root);
	rc |= parse_server(c, root);
	if (rc == 0 && c->m->n_domains == 0) {
		fail(c, "no domain is hosted: list some in \"domains\" or "
			"\"domain_files\"");
		rc = -1;
	}
	return rc ? -1 : 0;
}

/* Reads and parses the JSON text; syntax errors as FILE:LINE:COL. */
static json_t *read_json(struct ctx *c)
{
	struct buf text = BUF_INIT; /* freed below */
	json_error_t jerr;
	json_t *root = NULL;

	if (buf_read_file(&text, c->file, SETTINGS_FILE_MAX) < 0) {
		report_line(c->errs, "%s: cannot read: %s", c->file,
			    strerror(errno));
		goto out;
	}
	digest_add(c, text.data, text.len);
	root = json_loadb(text.data, text.len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		report_line(c->errs, "%s:%d:%d: %s", c->file, jerr.line,
			    jerr.column, jerr.text);
out:
	buf_free(&text);
	return root;
}

static int ctx_init(struct ctx *c, const char *file,
		    struct settings_errors *errs)
{
	char *copy = strdup(file); /* dirname() may modify it; freed below */

	memset(c, 0, sizeof(*c));
	c->file = file;
	c->errs = errs;
	c->digest = 14695981039346656037ull;
	if (copy == NULL)
		return -1;
	c->dir = strdup(dirname(copy));
	free(copy);
	c->m = model_new();
	if (c->m != NULL)
		c->m->source = strdup(file);
	return c->dir && c->m && c->m->source ? 0 : -1;
}

int settings_load(struct model **out, const char *file,
		  struct settings_errors *errs)
{
	struct ctx c;
	json_t *root = NULL; /* freed below */
	int rc = -1;

	*out = NULL;
	if (ctx_init(&c, file, errs) < 0) {
		report_line(errs, "%s: out of memory", file);
		goto out;
	}
	root = read_json(&c);
	if (root == NULL || parse_root(&c, root) < 0)
		goto out;
	if (precompiled_build(c.m) < 0) {
		report_line(
		    errs, "%s: out of memory while precompiling answers", file);
		goto out;
	}
	snprintf(c.m->version, sizeof(c.m->version), "%016llx",
		 (unsigned long long)c.digest);
	*out = c.m;
	c.m = NULL;
	rc = 0;
out:
	json_decref(root);
	model_unref(c.m);
	free(c.dir);
	return rc;
}

void settings_errors_free(struct settings_errors *errs)
{
	if (errs == NULL)
		return;
	buf_free(&errs->text);
	errs->count = 0;
}
