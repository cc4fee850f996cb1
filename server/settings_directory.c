/* settings_directory.c - the table's "directory": the provider's own
 * domain and login sources (SPEC §7, sources/source.h). Checks what can
 * be checked without connecting; directory_load.c connects. */
#include "settings_directory.h"

#include "hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "directory_conf.h"

#define PASSWORD_FILE_MAX	4096
#define DIRECTORY_SOURCES_LIMIT 16 /* as directory.h DIRECTORY_SOURCES_MAX */

/* obj[key] as a whole number in [min, max] into *out (untouched when
 * absent). Returns 0, or -1 (reported). */
static int get_uint(struct sjson *c, json_t *obj, const char *key,
		    unsigned long min, unsigned long max, unsigned long *out)
{
	json_t *v = json_object_get(obj, key);
	size_t old;
	int rc = 0;

	if (v == NULL)
		return 0;
	old = sjson_push(c, key);
	if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)min ||
	    (unsigned long)json_integer_value(v) > max) {
		sjson_failf(c, "must be a whole number from %lu to %lu", min,
			    max);
		rc = -1;
	} else {
		*out = (unsigned long)json_integer_value(v);
	}
	sjson_pop(c, old);
	return rc;
}

static int get_uints(struct sjson *c, json_t *obj, const char *key,
		     unsigned long min, unsigned long max, unsigned *out)
{
	unsigned long v = *out;
	int rc = get_uint(c, obj, key, min, max, &v);

	*out = (unsigned)v;
	return rc;
}

/* password_file: the secret, read now (one trailing newline dropped,
 * as a file written by echo has one); never in a message. */
static int read_password(struct sjson *c, json_t *obj, char **out)
{
	char *name = NULL, *path = NULL; /* freed below */
	struct buf text = BUF_INIT;	 /* stolen into *out */
	size_t old;
	int rc = 0;

	if (sjson_get_string(c, obj, "password_file", 0, &name) <= 0)
		return json_object_get(obj, "password_file") ? -1 : 0;
	old = sjson_push(c, "password_file");
	path = sjson_path(c, name);
	if (path == NULL || buf_read_file(&text, path, PASSWORD_FILE_MAX) < 0) {
		sjson_failf(c, "cannot read %s: %s", path ? path : name,
			    strerror(errno));
		rc = -1;
	} else {
		if (text.len > 0 && text.data[text.len - 1] == '\n')
			text.data[--text.len] = '\0';
		if (text.len > 0 && text.data[text.len - 1] == '\r')
			text.data[--text.len] = '\0';
		if (memchr(text.data ? text.data : "", '\0', text.len)) {
			sjson_fail(c, "the password file holds a NUL byte");
			rc = -1;
		} else {
			*out = buf_steal(&text);
		}
	}
	if (text.data != NULL)
		memset(text.data, 0, text.len);
	buf_free(&text);
	sjson_pop(c, old);
	free(name);
	free(path);
	return rc;
}

static int parse_connection(struct sjson *c, json_t *obj, struct source_conf *s)
{
	unsigned long port = 0;
	int rc = 0;

	if (s->kind == SOURCE_LDAP) {
		rc |= sjson_get_string(c, obj, "url", 1, &s->url) < 0;
		rc |= sjson_get_string(c, obj, "bind_dn", 0, &s->bind_dn) < 0;
		if (s->url && strncmp(s->url, "ldap://", 7) != 0 &&
		    strncmp(s->url, "ldaps://", 8) != 0 &&
		    strncmp(s->url, "ldapi://", 8) != 0) {
			size_t old = sjson_push(c, "url");
			sjson_fail(c, "must start with ldap://, ldaps:// or "
				      "ldapi://");
			sjson_pop(c, old);
			rc = -1;
		}
	} else {
		rc |= sjson_get_string(c, obj, "host", 0, &s->host) < 0;
		rc |= sjson_get_string(c, obj, "socket", 0, &s->socket) < 0;
		rc |= sjson_get_string(c, obj, "database", 1, &s->database) < 0;
		rc |= sjson_get_string(c, obj, "user", 0, &s->user) < 0;
		rc |= get_uint(c, obj, "port", 1, 65535, &port) < 0;
		s->port = (unsigned)port;
		if (s->host == NULL && s->socket == NULL) {
			sjson_fail(c, "give \"host\" (an address: "
				      "\"localhost\" means a socket to the "
				      "client library) or \"socket\"");
			rc = -1;
		}
	}
	rc |= read_password(c, obj, &s->password) < 0;
	rc |= sjson_get_bool(c, obj, "tls", &s->tls) < 0;
	if (sjson_get_string(c, obj, "tls_ca", 0, &s->tls_ca) > 0) {
		char *p = sjson_path(c, s->tls_ca);
		free(s->tls_ca);
		s->tls_ca = p;
	}
	rc |= get_uints(c, obj, "connect_timeout_ms", 100, 600000,
			&s->connect_timeout_ms) < 0;
	rc |= get_uints(c, obj, "query_timeout_ms", 100, 3600000,
			&s->query_timeout_ms) < 0;
	return rc ? -1 : 0;
}

static int parse_source_domains(struct sjson *c, json_t *src,
				struct source_conf *s)
{
	static const char *const sql_keys[] = {"query", "changed", "refresh",
					       NULL};
	static const char *const ldap_keys[] = {
	    "base", "filter", "attribute", "entry_attribute", "refresh", NULL};
	json_t *obj = sjson_get_object(c, src, "domains", 0);
	size_t top;
	int rc = 0, ldap = s->kind == SOURCE_LDAP;

	if (obj == NULL)
		return json_object_get(src, "domains") ? -1 : 0;
	top = sjson_push(c, "domains");
	sjson_check_keys(c, obj, ldap ? ldap_keys : sql_keys);
	if (ldap) {
		rc |= sjson_get_string(c, obj, "base", 1, &s->domains_base) < 0;
		rc |= sjson_get_string(c, obj, "filter", 1, &s->domains_query) <
		      0;
		rc |= sjson_get_string(c, obj, "attribute", 1,
				       &s->domains_attr) < 0;
		rc |= sjson_get_string(c, obj, "entry_attribute", 0,
				       &s->domains_account_attr) < 0;
	} else {
		rc |=
		    sjson_get_string(c, obj, "query", 1, &s->domains_query) < 0;
		rc |= sjson_get_string(c, obj, "changed", 0,
				       &s->changed_query) < 0;
	}
	rc |= get_uints(c, obj, "refresh", 0, 86400, &s->refresh) < 0;
	sjson_pop(c, top);
	return rc ? -1 : 0;
}

static int parse_params(struct sjson *c, json_t *obj, struct source_conf *s)
{
	static const char *const names[] = {"address", "localpart", "domain",
					    NULL};
	json_t *list = json_object_get(obj, "params"), *v;
	size_t top, old, i;
	int rc = 0, k;

	s->params[0] = PARAM_ADDRESS; /* the default: one, the address */
	s->n_params = 1;
	if (list == NULL)
		return 0;
	top = sjson_push(c, "params");
	if (!json_is_array(list) || json_array_size(list) > SOURCE_PARAMS_MAX) {
		sjson_failf(c,
			    "must be a list of at most %d of \"address\", "
			    "\"localpart\", \"domain\"",
			    SOURCE_PARAMS_MAX);
		sjson_pop(c, top);
		return -1;
	}
	s->n_params = json_array_size(list);
	json_array_foreach (list, i, v) {
		old = sjson_push_index(c, i);
		k = sjson_enum(c, v, names,
			       "must be \"address\", \"localpart\" or "
			       "\"domain\"");
		if (k < 0)
			rc = -1;
		else
			s->params[i] = (enum source_param)k;
		sjson_pop(c, old);
	}
	sjson_pop(c, top);
	return rc;
}

static int parse_source_logins(struct sjson *c, json_t *src,
			       struct source_conf *s)
{
	static const char *const sql_keys[] = {
	    "query",	    "params",	  "timeout_ms", "cache_ttl",
	    "negative_ttl", "cache_size", NULL};
	static const char *const ldap_keys[] = {
	    "base",	  "filter",    "attribute",    "address_attribute",
	    "timeout_ms", "cache_ttl", "negative_ttl", "cache_size",
	    NULL};
	json_t *obj = sjson_get_object(c, src, "logins", 0);
	unsigned long size = 100000;
	size_t top;
	int rc = 0, ldap = s->kind == SOURCE_LDAP;

	s->lookup_timeout_ms = 300;
	s->cache_ttl = 300;
	s->negative_ttl = 60;
	if (obj == NULL)
		return json_object_get(src, "logins") ? -1 : 0;
	top = sjson_push(c, "logins");
	sjson_check_keys(c, obj, ldap ? ldap_keys : sql_keys);
	if (ldap) {
		rc |= sjson_get_string(c, obj, "base", 1, &s->logins_base) < 0;
		rc |= sjson_get_string(c, obj, "attribute", 1,
				       &s->logins_attr) < 0;
		rc |= sjson_get_string(c, obj, "address_attribute", 0,
				       &s->logins_addr_attr) < 0;
		rc |=
		    sjson_get_string(c, obj, "filter", 1, &s->logins_query) < 0;
		if (s->logins_query && !strstr(s->logins_query, "{address}") &&
		    !strstr(s->logins_query, "{localpart}")) {
			size_t old = sjson_push(c, "filter");
			sjson_fail(c, "must hold {address} or {localpart}");
			sjson_pop(c, old);
			rc = -1;
		}
	} else {
		rc |=
		    sjson_get_string(c, obj, "query", 1, &s->logins_query) < 0;
		rc |= parse_params(c, obj, s) < 0;
	}
	rc |= get_uints(c, obj, "timeout_ms", 10, 60000,
			&s->lookup_timeout_ms) < 0;
	rc |= get_uints(c, obj, "cache_ttl", 0, 604800, &s->cache_ttl) < 0;
	/* one time for both by default: an unknown address that expires
	 * sooner than a found one tells by its timing which exists */
	s->negative_ttl = s->cache_ttl;
	rc |=
	    get_uints(c, obj, "negative_ttl", 0, 604800, &s->negative_ttl) < 0;
	rc |= get_uint(c, obj, "cache_size", 0, 100000000, &size) < 0;
	s->cache_size = size;
	sjson_pop(c, top);
	return rc ? -1 : 0;
}

/* h over s and its NUL, which separates fields. */
static uint64_t fnv(uint64_t h, const char *s)
{
	return s != NULL ? fnv1a(h, s, strlen(s) + 1) : fnv1a(h, "", 1);
}

static int parse_source(struct sjson *c, const char *name, json_t *obj,
			struct source_conf *s)
{
	static const char *const keys[] = {
	    "driver",		"host",	   "port",   "socket",
	    "database",		"user",	   "url",    "bind_dn",
	    "password_file",	"tls",	   "tls_ca", "connect_timeout_ms",
	    "query_timeout_ms", "domains", "logins", NULL};
	static const char *const kinds[] = {"mariadb", "postgresql", "ldap",
					    NULL};
	const char *why = NULL;
	char *text;
	int k, rc = 0;

	s->name = strdup(name);
	s->connect_timeout_ms = 2000;
	s->query_timeout_ms = 5000;
	if (!json_is_object(obj)) {
		sjson_fail(c, "must be an object");
		return -1;
	}
	sjson_check_keys(c, obj, keys);
	if (json_object_get(obj, "driver") == NULL) {
		sjson_failf(c, "\"driver\" is missing (%s)",
			    source_driver_names());
		return -1;
	}
	{
		size_t old = sjson_push(c, "driver");
		k = sjson_enum(c, json_object_get(obj, "driver"), kinds,
			       "must be \"mariadb\", \"postgresql\" or "
			       "\"ldap\"");
		if (k >= 0 &&
		    (s->drv = source_driver_find(kinds[k], &why)) == NULL)
			sjson_fail(c, why);
		sjson_pop(c, old);
	}
	if (k < 0 || s->drv == NULL)
		return -1;
	s->kind = (enum source_kind)k;
	rc |= parse_connection(c, obj, s) < 0;
	rc |= parse_source_domains(c, obj, s) < 0;
	rc |= parse_source_logins(c, obj, s) < 0;
	if (rc == 0 && s->domains_query == NULL && s->logins_query == NULL) {
		sjson_fail(c, "gives neither \"domains\" nor \"logins\"");
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

static int parse_sources(struct sjson *c, json_t *obj, struct directory_conf *d)
{
	const char *key;
	json_t *v;
	size_t old, i = 0;
	int rc = 0;

	d->n_sources = json_object_size(obj);
	if (d->n_sources > DIRECTORY_SOURCES_LIMIT) {
		sjson_failf(c, "at most %d sources", DIRECTORY_SOURCES_LIMIT);
		d->n_sources = 0;
		return -1;
	}
	d->sources =
	    calloc(d->n_sources ? d->n_sources : 1, sizeof(*d->sources));
	d->loaded = calloc(d->n_sources ? d->n_sources : 1, sizeof(*d->loaded));
	if (d->sources == NULL || d->loaded == NULL)
		return -1;
	json_object_foreach (obj, key, v) {
		old = sjson_push(c, key);
		d->loaded[i].rows = -1;
		if (!source_name_valid(key)) {
			/* it names a file in state_dir and a metrics label */
			sjson_fail(
			    c, "a source's name is 1 to 63 letters, digits, "
			       "'-', '_' or '.', not starting with '.'");
			rc = -1;
		} else if (parse_source(c, key, v, &d->sources[i]) < 0)
			rc = -1;
		else if (d->sources[i].logins_query != NULL &&
			 d->login_source >= 0) {
			sjson_failf(c,
				    "\"logins\": only one source may give "
				    "logins (\"%s\" does)",
				    d->sources[d->login_source].name);
			rc = -1;
		} else if (d->sources[i].logins_query != NULL) {
			d->login_source = (int)i;
		}
		sjson_pop(c, old);
		i++;
	}
	return rc;
}

int settings_directory_parse(struct sjson *c, json_t *root,
			     struct directory_conf **out)
{
	static const char *const keys[] = {"state_dir", "sources", NULL};
	json_t *obj = sjson_get_object(c, root, "directory", 0), *sources;
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
	top = sjson_push(c, "directory");
	sjson_check_keys(c, obj, keys);
	if (sjson_get_string(c, obj, "state_dir", 0, &dir) > 0)
		d->state_dir = sjson_path(c, dir);
	else
		d->state_dir = strdup("/var/lib/mailconfd");
	free(dir);
	sources = sjson_get_object(c, obj, "sources", 1);
	if (sources != NULL) {
		old = sjson_push(c, "sources");
		rc = parse_sources(c, sources, d);
		sjson_pop(c, old);
	} else {
		rc = -1;
	}
	sjson_pop(c, top);
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
