/* settings_directory.c - the table's "directory": the provider's own
 * domain and login sources (SPEC §7, sources/source.h). Checks what can
 * be checked without connecting; directory_load.c connects. */
#include "settings_directory.h"

#include "hash.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "directory_conf.h"

#define PASSWORD_FILE_MAX	4096
#define DIRECTORY_SOURCES_LIMIT 16 /* as directory.h DIRECTORY_SOURCES_MAX */

/* The directory's numbers, one row each with its key, where it goes,
 * bounds and default (as server_limits.c does for server.limits); same_as
 * names the row whose value is the default instead. */
struct dir_number {
	const char *key;
	size_t offset; /* of an unsigned in struct source_conf */
	unsigned long min, max, def;
	const char *same_as;
};

#define AT(field) offsetof(struct source_conf, field)
static const struct dir_number source_numbers[] = {
    {"connect_timeout_ms", AT(connect_timeout_ms), 100, 600000, 2000, NULL},
    {"query_timeout_ms", AT(query_timeout_ms), 100, 3600000, 5000, NULL}};
static const struct dir_number domains_numbers[] = {
    {"refresh", AT(refresh), 0, 86400, 0, NULL}};
static const struct dir_number logins_numbers[] = {
    {"timeout_ms", AT(lookup_timeout_ms), 10, 60000, 300, NULL},
    {"cache_ttl", AT(cache_ttl), 0, 604800, 300, NULL},
    /* one time for both by default: an unknown address that expires
     * sooner than a found one tells by its timing which exists */
    {"negative_ttl", AT(negative_ttl), 0, 604800, 0, "cache_ttl"},
    {"cache_size", AT(cache_size), 0, 100000000, 100000, NULL}};
#undef AT
#define N_OF(rows) (sizeof(rows) / sizeof(rows[0]))

static unsigned *number_field(struct source_conf *s, const struct dir_number *d)
{
	return (unsigned *)(void *)((char *)s + d->offset);
}

/* Sets each row's default, then reads what obj gives. Returns 0 or -1. */
static int read_numbers(struct settings_json *c, json_t *obj,
			const struct dir_number *rows, size_t n,
			struct source_conf *s)
{
	unsigned long v;
	size_t i, k;
	int rc = 0;

	for (i = 0; i < n; i++) {
		v = rows[i].def;
		for (k = 0; rows[i].same_as != NULL && k < i; k++)
			if (strcmp(rows[k].key, rows[i].same_as) == 0)
				v = *number_field(s, &rows[k]);
		rc |= settings_json_get_uint(c, obj, rows[i].key, rows[i].min,
					     rows[i].max, &v) < 0;
		*number_field(s, &rows[i]) = (unsigned)v;
	}
	return rc ? -1 : 0;
}

/* password_file: the secret, read now (one trailing newline dropped,
 * as a file written by echo has one); never in a message. */
static int read_password(struct settings_json *c, json_t *obj, char **out)
{
	char *name = NULL, *path = NULL; /* freed below */
	struct buf text = BUF_INIT;	 /* stolen into *out */
	size_t old;
	int rc = 0;

	if (settings_json_get_string(c, obj, "password_file", 0, &name) <= 0)
		return json_object_get(obj, "password_file") ? -1 : 0;
	old = settings_json_push(c, "password_file");
	path = settings_json_path(c, name);
	if (path == NULL || buf_read_file(&text, path, PASSWORD_FILE_MAX) < 0) {
		settings_json_failf(c, "cannot read %s: %s", path ? path : name,
				    strerror(errno));
		rc = -1;
	} else {
		if (text.len > 0 && text.data[text.len - 1] == '\n')
			text.data[--text.len] = '\0';
		if (text.len > 0 && text.data[text.len - 1] == '\r')
			text.data[--text.len] = '\0';
		if (memchr(text.data ? text.data : "", '\0', text.len)) {
			settings_json_fail(
			    c, "the password file holds a NUL byte");
			rc = -1;
		} else {
			*out = buf_steal(&text);
		}
	}
	if (text.data != NULL)
		memset(text.data, 0, text.len);
	buf_free(&text);
	settings_json_pop(c, old);
	free(name);
	free(path);
	return rc;
}

static int parse_connection(struct settings_json *c, json_t *obj,
			    struct source_conf *s)
{
	unsigned long port = 0;
	int rc = 0;

	if (s->kind == SOURCE_LDAP) {
		rc |= settings_json_get_string(c, obj, "url", 1, &s->url) < 0;
		rc |= settings_json_get_string(c, obj, "bind_dn", 0,
					       &s->bind_dn) < 0;
		if (s->url && strncmp(s->url, "ldap://", 7) != 0 &&
		    strncmp(s->url, "ldaps://", 8) != 0 &&
		    strncmp(s->url, "ldapi://", 8) != 0) {
			size_t old = settings_json_push(c, "url");
			settings_json_fail(
			    c, "must start with ldap://, ldaps:// or "
			       "ldapi://");
			settings_json_pop(c, old);
			rc = -1;
		}
	} else {
		rc |= settings_json_get_string(c, obj, "host", 0, &s->host) < 0;
		rc |= settings_json_get_string(c, obj, "socket", 0,
					       &s->socket) < 0;
		rc |= settings_json_get_string(c, obj, "database", 1,
					       &s->database) < 0;
		rc |= settings_json_get_string(c, obj, "user", 0, &s->user) < 0;
		rc |=
		    settings_json_get_uint(c, obj, "port", 1, 65535, &port) < 0;
		s->port = (unsigned)port;
		if (s->host == NULL && s->socket == NULL) {
			settings_json_fail(
			    c, "give \"host\" (an address: "
			       "\"localhost\" means a socket to the "
			       "client library) or \"socket\"");
			rc = -1;
		}
	}
	rc |= read_password(c, obj, &s->password) < 0;
	rc |= settings_json_get_bool(c, obj, "tls", &s->tls) < 0;
	if (settings_json_get_string(c, obj, "tls_ca", 0, &s->tls_ca) > 0) {
		char *p = settings_json_path(c, s->tls_ca);
		free(s->tls_ca);
		s->tls_ca = p;
	}
	rc |= read_numbers(c, obj, source_numbers, N_OF(source_numbers), s) < 0;
	return rc ? -1 : 0;
}

/* The strings of a source's part: key, required, where it goes. */
struct dir_string {
	const char *key;
	int required;
	size_t offset; /* of a char * (owned) in struct source_conf */
};

#define AT(field) offsetof(struct source_conf, field)
static const struct dir_string domains_sql[] = {
    {"query", 1, AT(domains_query)}, {"changed", 0, AT(changed_query)}};
static const struct dir_string domains_ldap[] = {
    {"base", 1, AT(domains_base)},
    {"filter", 1, AT(domains_query)},
    {"attribute", 1, AT(domains_attr)},
    {"entry_attribute", 0, AT(domains_account_attr)}};
static const struct dir_string logins_sql[] = {{"query", 1, AT(logins_query)}};
static const struct dir_string logins_ldap[] = {
    {"base", 1, AT(logins_base)},
    {"filter", 1, AT(logins_query)},
    {"attribute", 1, AT(logins_attr)},
    {"address_attribute", 0, AT(logins_addr_attr)}};
#undef AT

/* One part of a source ("domains", "logins"): its strings for SQL and
 * for LDAP, its numbers, and one more key SQL allows (or NULL). */
struct dir_part {
	const char *name;
	const struct dir_string *sql, *ldap;
	size_t n_sql, n_ldap;
	const struct dir_number *numbers;
	size_t n_numbers;
	const char *sql_extra;
};

/* The tables of a part named NAME: NAME_sql, NAME_ldap, NAME_numbers. */
#define DIR_PART_TABLES(NAME)                                                  \
	.name = #NAME, .sql = NAME##_sql, .n_sql = N_OF(NAME##_sql),           \
	.ldap = NAME##_ldap, .n_ldap = N_OF(NAME##_ldap),                      \
	.numbers = NAME##_numbers, .n_numbers = N_OF(NAME##_numbers)
static const struct dir_part domains_part = {DIR_PART_TABLES(domains)};
static const struct dir_part logins_part = {DIR_PART_TABLES(logins),
					    .sql_extra = "params"};
#undef DIR_PART_TABLES

/* Reads part p of the source object src into s: NULL when it is absent
 * (*rc -1 if it is there but no object); else the part's object with its
 * keys checked, strings and numbers read (*rc -1 on a problem) and its
 * pointer pushed (*top, for the caller to pop). */
static json_t *read_part(struct settings_json *c, json_t *src,
			 const struct dir_part *p, struct source_conf *s,
			 size_t *top, int *rc)
{
	const int ldap = s->kind == SOURCE_LDAP;
	const struct dir_string *str = ldap ? p->ldap : p->sql;
	size_t n = ldap ? p->n_ldap : p->n_sql, i, k = 0;
	json_t *obj = settings_json_get_object(c, src, p->name, 0);
	const char *keys[16];

	*rc = obj == NULL && json_object_get(src, p->name) ? -1 : 0;
	if (obj == NULL)
		return NULL;
	*top = settings_json_push(c, p->name);
	for (i = 0; i < n; i++)
		keys[k++] = str[i].key;
	for (i = 0; i < p->n_numbers; i++)
		keys[k++] = p->numbers[i].key;
	if (!ldap && p->sql_extra != NULL)
		keys[k++] = p->sql_extra;
	keys[k] = NULL;
	settings_json_check_keys(c, obj, keys);
	for (i = 0; i < n; i++)
		*rc |= settings_json_get_string(
			   c, obj, str[i].key, str[i].required,
			   (char **)(void *)((char *)s + str[i].offset)) < 0;
	*rc |= read_numbers(c, obj, p->numbers, p->n_numbers, s) < 0;
	return obj;
}

static int parse_source_domains(struct settings_json *c, json_t *src,
				struct source_conf *s)
{
	size_t top = 0;
	int rc;

	if (read_part(c, src, &domains_part, s, &top, &rc) != NULL)
		settings_json_pop(c, top);
	return rc ? -1 : 0;
}

/* names[0..n) for a message: quoted ("\"a\", \"b\" or \"c\"") or not
 * ("a, b, c"). */
static void name_list(struct buf *out, const char *const *names, size_t n,
		      int quoted)
{
	const char *q = quoted ? "\"" : "";
	size_t i;

	for (i = 0; i < n; i++)
		buf_printf(out, "%s%s%s%s",
			   i == 0		  ? ""
			   : quoted && i == n - 1 ? " or "
						  : ", ",
			   q, names[i], q);
}

static int parse_params(struct settings_json *c, json_t *obj,
			struct source_conf *s)
{
	const char *names[SOURCE_PARAMS_MAX + 1];
	json_t *list = json_object_get(obj, "params"), *v;
	struct buf one = BUF_INIT; /* freed below */
	size_t top, old, i;
	int rc = 0, k;

	s->params[0] = PARAM_ADDRESS; /* the default: one, the address */
	s->n_params = 1;
	if (list == NULL)
		return 0;
	for (i = 0; i < SOURCE_PARAMS_MAX; i++)
		names[i] = source_param_name((enum source_param)i);
	names[SOURCE_PARAMS_MAX] = NULL;
	buf_puts(&one, "must be ");
	name_list(&one, names, SOURCE_PARAMS_MAX, 1);
	top = settings_json_push(c, "params");
	if (!json_is_array(list) || json_array_size(list) > SOURCE_PARAMS_MAX) {
		settings_json_failf(
		    c, "must be a list of at most %d of them (%s)",
		    SOURCE_PARAMS_MAX, one.data + strlen("must be "));
		settings_json_pop(c, top);
		buf_free(&one);
		return -1;
	}
	s->n_params = json_array_size(list);
	json_array_foreach (list, i, v) {
		old = settings_json_push_index(c, i);
		k = settings_json_enum(c, v, names, one.data);
		if (k < 0)
			rc = -1;
		else
			s->params[i] = (enum source_param)k;
		settings_json_pop(c, old);
	}
	settings_json_pop(c, top);
	buf_free(&one);
	return rc;
}

static int parse_source_logins(struct settings_json *c, json_t *src,
			       struct source_conf *s)
{
	size_t top = 0, old;
	int rc;
	json_t *obj = read_part(c, src, &logins_part, s, &top, &rc);

	if (obj == NULL)
		return rc ? -1 : 0;
	if (s->kind != SOURCE_LDAP)
		rc |= parse_params(c, obj, s) < 0;
	else if (s->logins_query && !strstr(s->logins_query, "{address}") &&
		 !strstr(s->logins_query, "{localpart}")) {
		old = settings_json_push(c, "filter");
		settings_json_fail(c, "must hold {address} or {localpart}");
		settings_json_pop(c, old);
		rc = -1;
	}
	settings_json_pop(c, top);
	return rc ? -1 : 0;
}

/* h over s and its NUL, which separates fields. */
static uint64_t fnv(uint64_t h, const char *s)
{
	return s != NULL ? fnv1a(h, s, strlen(s) + 1) : fnv1a(h, "", 1);
}

/* "driver": a backend of the one list (sources/source.c), built in. */
static int parse_driver(struct settings_json *c, json_t *obj,
			struct source_conf *s)
{
	const char *names[SOURCE_KINDS + 1];
	const struct source_backend *b = NULL;
	struct buf msg = BUF_INIT; /* freed below */
	size_t i, old;
	int k;

	for (i = 0; i < SOURCE_KINDS; i++)
		names[i] = source_backend((enum source_kind)i)->name;
	names[SOURCE_KINDS] = NULL;
	if (json_object_get(obj, "driver") == NULL) {
		name_list(&msg, names, SOURCE_KINDS, 0);
		settings_json_failf(c, "\"driver\" is missing (%s)", msg.data);
		buf_free(&msg);
		return -1;
	}
	old = settings_json_push(c, "driver");
	buf_puts(&msg, "must be ");
	name_list(&msg, names, SOURCE_KINDS, 1);
	k = settings_json_enum(c, json_object_get(obj, "driver"), names,
			       msg.data);
	if (k >= 0 && (b = source_backend((enum source_kind)k))->drv == NULL)
		settings_json_fail(
		    c, "this mailconfd was built without that driver");
	settings_json_pop(c, old);
	buf_free(&msg);
	if (b == NULL || b->drv == NULL)
		return -1;
	s->kind = b->kind;
	s->drv = b->drv;
	return 0;
}

static int parse_source(struct settings_json *c, const char *name, json_t *obj,
			struct source_conf *s)
{
	static const char *const keys[] = {
	    "driver",		"host",	   "port",   "socket",
	    "database",		"user",	   "url",    "bind_dn",
	    "password_file",	"tls",	   "tls_ca", "connect_timeout_ms",
	    "query_timeout_ms", "domains", "logins", NULL};
	char *text;
	int rc = 0;

	s->name = strdup(name);
	if (!json_is_object(obj)) {
		settings_json_fail(c, "must be an object");
		return -1;
	}
	settings_json_check_keys(c, obj, keys);
	if (parse_driver(c, obj, s) < 0)
		return -1;
	rc |= parse_connection(c, obj, s) < 0;
	rc |= parse_source_domains(c, obj, s) < 0;
	rc |= parse_source_logins(c, obj, s) < 0;
	if (rc == 0 && s->domains_query == NULL && s->logins_query == NULL) {
		settings_json_fail(c,
				   "gives neither \"domains\" nor \"logins\"");
		rc = -1;
	}
	text = json_dumps(obj, JSON_SORT_KEYS | JSON_COMPACT);
	s->digest = fnv(fnv(FNV1A_INIT, text), s->password);
	free(text);
	return rc ? -1 : 0;
}

static int source_name_valid(const char *name)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz"
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

	return n > 0 && n < 64 && name[n] == '\0' && name[0] != '.';
}

static int parse_sources(struct settings_json *c, json_t *obj,
			 struct directory_conf *d)
{
	const char *key;
	json_t *v;
	size_t old, i = 0;
	int rc = 0;

	d->n_sources = json_object_size(obj);
	if (d->n_sources > DIRECTORY_SOURCES_LIMIT) {
		settings_json_failf(c, "at most %d sources",
				    DIRECTORY_SOURCES_LIMIT);
		d->n_sources = 0;
		return -1;
	}
	d->sources =
	    calloc(d->n_sources ? d->n_sources : 1, sizeof(*d->sources));
	d->loaded = calloc(d->n_sources ? d->n_sources : 1, sizeof(*d->loaded));
	if (d->sources == NULL || d->loaded == NULL)
		return -1;
	json_object_foreach (obj, key, v) {
		old = settings_json_push(c, key);
		d->loaded[i].rows = -1;
		if (!source_name_valid(key)) {
			/* it names a file in state_dir and a metrics label */
			settings_json_fail(
			    c, "a source's name is 1 to 63 letters, digits, "
			       "'-', '_' or '.', not starting with '.'");
			rc = -1;
		} else if (parse_source(c, key, v, &d->sources[i]) < 0)
			rc = -1;
		else if (d->sources[i].logins_query != NULL &&
			 d->login_source >= 0) {
			settings_json_failf(
			    c,
			    "\"logins\": only one source may give "
			    "logins (\"%s\" does)",
			    d->sources[d->login_source].name);
			rc = -1;
		} else if (d->sources[i].logins_query != NULL) {
			d->login_source = (int)i;
		}
		settings_json_pop(c, old);
		i++;
	}
	return rc;
}

int settings_directory_parse(struct settings_json *c, json_t *root,
			     struct directory_conf **out)
{
	static const char *const keys[] = {"state_dir", "sources", NULL};
	json_t *obj = settings_json_get_object(c, root, "directory", 0),
	       *sources;
	struct directory_conf *d;
	char *dir = NULL;
	size_t top, old;
	int rc = 0;

	*out = NULL;
	if (obj == NULL)
		return json_object_get(root, "directory") ? -1 : 0;
	if ((d = calloc(1, sizeof(*d))) == NULL) /* *out's */
		return -1;
	d->login_source = -1;
	*out = d;
	top = settings_json_push(c, "directory");
	settings_json_check_keys(c, obj, keys);
	if (settings_json_get_string(c, obj, "state_dir", 0, &dir) > 0)
		d->state_dir = settings_json_path(c, dir);
	else
		d->state_dir = strdup("/var/lib/mailconfd");
	free(dir);
	sources = settings_json_get_object(c, obj, "sources", 1);
	if (sources != NULL) {
		old = settings_json_push(c, "sources");
		rc = parse_sources(c, sources, d);
		settings_json_pop(c, old);
	} else {
		rc = -1;
	}
	settings_json_pop(c, top);
	return rc;
}

int settings_directory_gives_domains(const struct directory_conf *d)
{
	size_t i;

	for (i = 0; d != NULL && i < d->n_sources; i++)
		if (d->sources[i].domains_query != NULL)
			return 1;
	return 0;
}

void directory_conf_free(struct directory_conf *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n_sources; i++)
		source_conf_clear(&d->sources[i]);
	free(d->sources);
	free(d->loaded);
	free(d->state_dir);
	free(d);
}
