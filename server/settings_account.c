/* settings_account.c - the account part of the settings table: login,
 * IMAP path prefix, and the incoming and outgoing server lists, as used
 * by "defaults" and by each domain's override (SPEC §0). */
#include "settings_account.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "settings_policy.h"

static const char *const login_placeholders[] = {
    "EMAILADDRESS", "EMAILLOCALPART", "EMAILDOMAIN", NULL};

static int parse_auth(struct settings_json *c, json_t *v, struct endpoint *e)
{
	static const char *const names[] = {"password", "password-encrypted",
					    "oauth2", NULL};
	static const char *msg =
	    "must be \"password\", \"password-encrypted\" or \"oauth2\"";
	size_t i, old;
	json_t *item;
	int a, rc = 0;

	if (json_is_string(v)) {
		if ((a = settings_json_enum(c, v, names, msg)) < 0)
			return -1;
		e->auth[0] = (enum auth)a;
		e->n_auth = 1;
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > AUTH_MAX) {
		settings_json_fail(
		    c, "must be a method or a list of 1..3 methods");
		return -1;
	}
	e->n_auth = 0;
	json_array_foreach (v, i, item) {
		old = settings_json_push_index(c, i);
		a = settings_json_enum(c, item, names, msg);
		settings_json_pop(c, old);
		if (a < 0)
			rc = -1;
		else
			e->auth[e->n_auth++] = (enum auth)a;
	}
	return rc;
}

static int parse_port(struct settings_json *c, json_t *obj, struct endpoint *e)
{
	json_t *v = json_object_get(obj, "port");
	size_t old = settings_json_push(c, "port");
	int rc = 0;

	if (v == NULL) {
		settings_json_fail(c, "is required");
		rc = -1;
	} else if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		   json_integer_value(v) > 65535) {
		settings_json_fail(c, "must be a whole number 1..65535");
		rc = -1;
	} else {
		e->port = (unsigned)json_integer_value(v);
	}
	settings_json_pop(c, old);
	return rc;
}

/* The index in names of the required member obj[key], or -1 (reported
 * at key with msg). */
static int required_enum(struct settings_json *c, json_t *obj, const char *key,
			 const char *const *names, const char *msg)
{
	json_t *v = json_object_get(obj, key);
	size_t old = settings_json_push(c, key);
	int k = -1;

	if (v == NULL)
		settings_json_fail(c, "is required");
	else
		k = settings_json_enum(c, v, names, msg);
	settings_json_pop(c, old);
	return k;
}

/* Reads the protocol; outgoing lists take smtp, incoming imap or pop3. */
static int parse_proto(struct settings_json *c, json_t *obj, int outgoing,
		       struct endpoint *e)
{
	static const char *const in_names[] = {"imap", "pop3", NULL};
	static const char *const out_names[] = {"", "", "smtp", NULL};
	int p = outgoing ? required_enum(c, obj, "protocol", out_names,
					 "must be \"smtp\"")
			 : required_enum(c, obj, "protocol", in_names,
					 "must be \"imap\" or \"pop3\"");

	if (p < 0)
		return -1;
	e->proto = (enum proto)p;
	return 0;
}

static int parse_security(struct settings_json *c, json_t *obj,
			  struct endpoint *e)
{
	static const char *const names[] = {"tls", "starttls", "none", NULL};
	int s = required_enum(c, obj, "security", names,
			      "must be \"tls\", \"starttls\" or \"none\"");

	if (s < 0)
		return -1;
	e->security = (enum security)s;
	return 0;
}

static int parse_flags(struct settings_json *c, json_t *obj, struct endpoint *e)
{
	json_t *v;
	size_t old;
	int rc = 0, r;

	e->auth[0] = AUTH_PASSWORD;
	e->n_auth = 1;
	/* RFC 8314: cleartext is documented for people, never offered. */
	e->advertise = e->security != SECURITY_NONE;
	if ((v = json_object_get(obj, "auth")) != NULL) {
		old = settings_json_push(c, "auth");
		rc |= parse_auth(c, v, e);
		settings_json_pop(c, old);
	}
	r = settings_json_get_bool(c, obj, "advertise", &e->advertise);
	if (r < 0) {
		rc = -1;
	} else if (r > 0 && e->advertise && e->security == SECURITY_NONE) {
		old = settings_json_push(c, "advertise");
		settings_json_fail(
		    c, "a server with \"security\": \"none\" is never "
		       "offered to clients (RFC 8314)");
		settings_json_pop(c, old);
		rc = -1;
	}
	return rc;
}

static int parse_endpoint(struct settings_json *c, json_t *obj, int outgoing,
			  struct endpoint *e)
{
	static const char *const keys[] = {
	    "protocol", "host", "port", "security", "auth", "advertise", NULL};
	size_t old;
	int rc = 0;

	if (!json_is_object(obj)) {
		settings_json_fail(c, "must be an object");
		return -1;
	}
	settings_json_check_keys(c, obj, keys);
	rc |= parse_proto(c, obj, outgoing, e);
	if (settings_json_get_string(c, obj, "host", 1, &e->host) < 0) {
		rc = -1;
	} else {
		old = settings_json_push(c, "host");
		rc |= settings_json_check_host(c, &e->host);
		settings_json_pop(c, old);
	}
	rc |= parse_port(c, obj, e);
	rc |= parse_security(c, obj, e);
	rc |= parse_flags(c, obj, e);
	return rc;
}

/* Reads the endpoint list obj[key] into *out and *n (replacing what was
 * there). Returns 1 if read, 0 if absent, -1 on a problem. */
static int parse_endpoints(struct settings_json *c, json_t *obj,
			   const char *key, struct endpoint **out, size_t *n)
{
	json_t *list = json_object_get(obj, key), *item;
	size_t old = settings_json_push(c, key), i, o;
	struct endpoint *e = NULL; /* owned until handed to *out */
	int rc = 1;

	if (list == NULL) {
		rc = 0;
		goto out;
	}
	if (!json_is_array(list) || json_array_size(list) == 0) {
		settings_json_fail(c, "must be a non-empty list of servers");
		rc = -1;
		goto out;
	}
	e = calloc(json_array_size(list), sizeof(*e));
	if (e == NULL) {
		settings_json_fail(c, "out of memory");
		rc = -1;
		goto out;
	}
	json_array_foreach (list, i, item) {
		o = settings_json_push_index(c, i);
		if (parse_endpoint(c, item, strcmp(key, "outgoing") == 0,
				   &e[i]) < 0)
			rc = -1;
		settings_json_pop(c, o);
	}
	for (i = 0; i < *n; i++)
		free((*out)[i].host);
	free(*out);
	*out = e;
	*n = json_array_size(list);
	e = NULL;
out:
	settings_json_pop(c, old);
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
/* key (incoming or outgoing) offers a client at least one server. */
static int check_offered(struct settings_json *c, const char *key,
			 const struct endpoint *list, size_t n)
{
	size_t old = settings_json_push(c, key);
	int rc = 0;

	if (list != NULL && !has_advertised(list, n)) {
		settings_json_fail(c,
				   "no server is offered to clients (one needs "
				   "\"security\" tls or starttls, without "
				   "\"advertise\": false)");
		rc = -1;
	}
	settings_json_pop(c, old);
	return rc;
}

static int check_account(struct settings_json *c, const struct account *a)
{
	return check_offered(c, "incoming", a->incoming, a->n_incoming) |
	       check_offered(c, "outgoing", a->outgoing, a->n_outgoing);
}

/* A DAV path or URL: printable, no white space. */
static int check_dav_text(struct settings_json *c, const char *key,
			  const char *s, const char *must_start)
{
	size_t old = settings_json_push(c, key);
	int rc = 0;

	if (strncmp(s, must_start, strlen(must_start)) != 0) {
		settings_json_failf(c, "must start with %s", must_start);
		rc = -1;
	} else if (strpbrk(s, " \t\"<>\\^`{|}") != NULL) {
		settings_json_fail(
		    c, "must not hold white space, quotes or <>\\^`{|}");
		rc = -1;
	} else {
		rc = settings_json_check_placeholders(
		    c, s, settings_json_host_placeholders);
	}
	settings_json_pop(c, old);
	return rc;
}

/* /.well-known/caldav or /carddav (any case, one trailing slash): what
 * mailconfd itself answers with a redirect to the service, so a service
 * there would send clients round in 301s. */
static int dav_path_is_well_known(const char *path)
{
	static const char *const wk[] = {"/.well-known/caldav",
					 "/.well-known/carddav"};
	size_t i, n;

	for (i = 0; i < 2; i++) {
		n = strlen(wk[i]);
		if (strncasecmp(path, wk[i], n) == 0 &&
		    (path[n] == '\0' ||
		     (path[n] == '/' && path[n + 1] == '\0')))
			return 1;
	}
	return 0;
}

/* The DAV service's port: 443 unless given. */
static int parse_dav_port(struct settings_json *c, json_t *obj, struct dav *d)
{
	struct endpoint e = {0};

	d->port = 443;
	if (json_object_get(obj, "port") == NULL)
		return 0;
	if (parse_port(c, obj, &e) < 0)
		return -1;
	d->port = e.port;
	return 0;
}

/* The DAV service's path: "/" unless given; never the well-known URL
 * that mailconfd answers with a redirect to it. */
static int parse_dav_path(struct settings_json *c, json_t *obj, struct dav *d)
{
	size_t old;
	int rc = 0;

	if (settings_json_get_string(c, obj, "path", 0, &d->path) == 0)
		d->path = strdup("/");
	else if (d->path != NULL)
		rc |= check_dav_text(c, "path", d->path, "/");
	if (d->path != NULL && dav_path_is_well_known(d->path)) {
		old = settings_json_push(c, "path");
		settings_json_fail(
		    c, "is the well-known URL that redirects to it "
		       "(RFC 6764 5: give the service's own path, e.g. "
		       "/remote.php/dav)");
		settings_json_pop(c, old);
		rc = -1;
	}
	return rc;
}

/* caldav / carddav (SPEC §8): {"host", "port", "path", "login",
 * "principal_url"}; HTTPS always. Replaces *out (an override's copy of the
 * defaults' service). Returns 0 (absent or read) or -1. */
static int parse_dav(struct settings_json *c, json_t *obj, const char *key,
		     struct dav **out)
{
	static const char *const keys[] = {"host",  "port",	     "path",
					   "login", "principal_url", NULL};
	json_t *v = settings_json_get_object(c, obj, key, 0);
	struct dav *d = NULL; /* handed to *out */
	size_t top, old;
	int rc = 0;

	if (v == NULL)
		return json_object_get(obj, key) ? -1 : 0;
	top = settings_json_push(c, key);
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		settings_json_pop(c, top);
		return -1;
	}
	settings_json_check_keys(c, v, keys);
	if (settings_json_get_string(c, v, "host", 1, &d->host) > 0) {
		old = settings_json_push(c, "host");
		rc |= settings_json_check_host(c, &d->host);
		settings_json_pop(c, old);
	} else {
		rc = -1;
	}
	rc |= parse_dav_port(c, v, d);
	rc |= parse_dav_path(c, v, d);
	if (settings_json_get_string(c, v, "login", 0, &d->login) > 0) {
		old = settings_json_push(c, "login");
		rc |= settings_json_check_placeholders(c, d->login,
						       login_placeholders);
		settings_json_pop(c, old);
	}
	if (settings_json_get_string(c, v, "principal_url", 0,
				     &d->principal_url) > 0)
		rc |= check_dav_text(c, "principal_url", d->principal_url,
				     "https://");
	settings_json_pop(c, top);
	if (rc != 0 || d->path == NULL) {
		dav_free(d);
		return -1;
	}
	dav_free(*out);
	*out = d;
	return 0;
}

/* activesync (SPEC §8, opt-in): {"url": "https://...", "json": false}.
 * "json": true also answers autodiscover.json?Protocol=ActiveSync, after
 * which new Outlook no longer falls back to IMAP: a separate choice. */
static int parse_activesync(struct settings_json *c, json_t *obj,
			    struct account *a)
{
	static const char *const keys[] = {"url", "json", NULL};
	json_t *v = settings_json_get_object(c, obj, "activesync", 0);
	size_t top;
	int rc = 0;

	if (v == NULL)
		return json_object_get(obj, "activesync") ? -1 : 0;
	top = settings_json_push(c, "activesync");
	settings_json_check_keys(c, v, keys);
	if (settings_json_get_string(c, v, "url", 1, &a->activesync_url) > 0)
		rc |= check_dav_text(c, "url", a->activesync_url, "https://");
	else
		rc = -1;
	a->activesync_json = 0;
	if (settings_json_get_bool(c, v, "json", &a->activesync_json) < 0)
		rc = -1;
	settings_json_pop(c, top);
	return rc;
}

/* OAuth2 as a server's only or first method: a warning, not a problem
 * (SPEC §8): Thunderbird and Thunderbird for Android take OAuth2 only for
 * the hosts in their own provider lists and drop such a server. */
static void warn_oauth2(struct settings_json *c, const struct endpoint *e,
			size_t n, const char *list)
{
	size_t i, old;

	for (i = 0; i < n; i++) {
		if (e[i].n_auth == 0 || e[i].auth[0] != AUTH_OAUTH2)
			continue;
		old = settings_json_push(c, list);
		settings_json_push_index(c, i);
		settings_warn(
		    c->errs,
		    "%s: %s/auth: warning: OAuth2 %s: Thunderbird and "
		    "Thunderbird for Android accept OAuth2 only for "
		    "hosts in their built-in provider lists and "
		    "otherwise drop this server; put \"password\" "
		    "first",
		    c->file, c->ptr,
		    e[i].n_auth == 1 ? "is its only method" : "comes first");
		settings_json_pop(c, old);
	}
}

/* parse_endpoints(), where required lists must be present. */
static int parse_list(struct settings_json *c, json_t *obj, const char *key,
		      struct endpoint **out, size_t *n, int required)
{
	int r = parse_endpoints(c, obj, key, out, n);
	size_t old;

	if (r < 0)
		return -1;
	if (r == 0 && required) {
		old = settings_json_push(c, key);
		settings_json_fail(c, "is required");
		settings_json_pop(c, old);
		return -1;
	}
	return 0;
}

/* Reads an account object: the defaults (required set) or a domain's
 * override, which starts as a copy of the defaults in *a. */
int settings_account_parse(struct settings_json *c, json_t *obj,
			   struct account *a, int is_defaults)
{
	static const char *const keys[] = {
	    "login",   "imap_path_prefix", "incoming",	 "outgoing",
	    "caldav",  "carddav",	   "activesync", "mx",
	    "mta_sts", "tls_rpt",	   "pacc",	 NULL};
	size_t old;
	int rc = 0;

	settings_json_check_keys(c, obj, keys);
	if (settings_json_get_string(c, obj, "login", 0, &a->login) > 0) {
		old = settings_json_push(c, "login");
		rc |= settings_json_check_placeholders(c, a->login,
						       login_placeholders);
		settings_json_pop(c, old);
	}
	rc |= settings_json_get_string(c, obj, "imap_path_prefix", 0,
				       &a->imap_path_prefix) < 0;
	rc |= parse_list(c, obj, "incoming", &a->incoming, &a->n_incoming,
			 is_defaults);
	rc |= parse_list(c, obj, "outgoing", &a->outgoing, &a->n_outgoing,
			 is_defaults);
	rc |= parse_dav(c, obj, "caldav", &a->caldav);
	rc |= parse_dav(c, obj, "carddav", &a->carddav);
	rc |= parse_activesync(c, obj, a);
	rc |= settings_policy_parse(c, obj, &a->policy, &a->pacc);
	rc |= check_account(c, a);
	if (json_object_get(obj, "incoming") != NULL)
		warn_oauth2(c, a->incoming, a->n_incoming, "incoming");
	if (json_object_get(obj, "outgoing") != NULL)
		warn_oauth2(c, a->outgoing, a->n_outgoing, "outgoing");
	return rc ? -1 : 0;
}

int settings_account_defaults(struct settings_json *c, json_t *root)
{
	json_t *obj = settings_json_get_object(c, root, "defaults", 1);
	struct account *a = &c->m->defaults;
	size_t old;
	int rc;

	a->login = strdup("%EMAILADDRESS%");
	a->imap_path_prefix = strdup("");
	if (a->login == NULL || a->imap_path_prefix == NULL)
		return -1;
	if (obj == NULL)
		return -1;
	old = settings_json_push(c, "defaults");
	rc = settings_account_parse(c, obj, a, 1);
	/* the defaults' templates, filled in with a sample domain */
	if (rc == 0)
		rc = settings_policy_check(c, &a->policy, "example.org") |
		     settings_pacc_check(c, a);
	settings_json_pop(c, old);
	return rc;
}
