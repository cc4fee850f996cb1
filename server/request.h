/* request.h - what a request asks, parsed from its raw parts.
 *
 * A pure function of the method, the raw request target and the Host
 * header, so it can be unit-tested and fuzzed without a socket. */
#ifndef MAILCONFD_REQUEST_H
#define MAILCONFD_REQUEST_H

#include <stddef.h>

#include "address.h"
#include "lang.h"

#define REQUEST_PATH_MAX   1024
#define REQUEST_VALUE_MAX  1024
#define REQUEST_PARAMS_MAX 64 /* query parameters; beyond: 400 */

enum method { METHOD_GET, METHOD_HEAD, METHOD_POST, METHOD_OTHER };

struct request {
	enum method method;
	char path[REQUEST_PATH_MAX + 1]; /* percent-decoded, case kept */
	int path_ok;			 /* 0: undecodable or too long */
	const char *query;		 /* raw, after '?'; "" if none */
	const char *bad_query;		 /* static reason for a 400, or NULL */

	int has_addr;	      /* an address parameter was present... */
	int addr_ok;	      /* ...and valid: then addr is set */
	const char *addr_why; /* static reason when !addr_ok */
	struct address addr;

	char host[DOMAIN_MAX + 1]; /* Host header, normalized, no port; ""
				      when absent or not a domain name */
	int host_literal;	   /* the Host is an IP address literal */
	const char *bad_host;	   /* static reason for a 400 (RFC 9112 3.2),
				      or NULL */
	enum lang lang; /* ?lang=, else Accept-Language, else English */
	char domain[DOMAIN_MAX + 1]; /* the domain asked about, or "" */

	int via_https;	     /* the client used https: our TLS listener, or a
				trusted proxy said so (decides redirects only) */
	unsigned https_port; /* our HTTPS listener's port, 0 if none */
	const char *target;  /* the raw request target in origin form (path
				and query), for redirects */
	int absolute;	     /* the target came in absolute form */
	const char *body;    /* request body (POST), not owned; may be NULL */
	size_t body_len;
	const struct login_resolver *resolver; /* NULL: logins are the
						  table's pattern */
};

/* The directory's logins (SPEC §7), as the transport offers them to the
 * router: resolve() gives LOGIN_FOUND with *login set (valid until the
 * request ends), LOGIN_PATTERN (answer with the table's pattern: not
 * found, or the directory could not say in time), or LOGIN_PENDING (the
 * lookup is under way: answer nothing yet, the request is asked again). */
enum login_outcome { LOGIN_PATTERN, LOGIN_FOUND, LOGIN_PENDING };

struct login_resolver {
	enum login_outcome (*resolve)(void *cls, const struct address *a,
				      const char **login);
	void *cls;
};

/* Parses the request. uri is the raw target ("/path?query", or the
 * absolute form "http://name/path?query", whose authority then is the
 * host: RFC 9112 3.2.2), host the Host header or NULL; both must outlive
 * r (query points into uri). A Host (or authority) that is not
 * uri-host [":" port] of RFC 3986 sets r->bad_host.
 * The domain comes from the address (query emailaddress, email; names
 * matched ignoring case) if there is one, else from the Host header minus
 * a leading "autoconfig." or "autodiscover." (SPEC §0). Never fails:
 * problems are recorded in the fields for the router to answer. */
void request_parse(struct request *r, const char *method, const char *uri,
		   const char *host);

/* RFC 9112 3.2: an HTTP/1.1 request without a Host header, or any with
 * more than one, is answered 400: sets r->bad_host. n_host is the number
 * of Host header lines received. */
void request_require_host(struct request *r, int http11, unsigned n_host);

/* Sets r->lang: the query's lang=de|en if present, else the first of
 * de/en in the Accept-Language header (by its q-values), else "en". */
void request_set_language(struct request *r, const char *accept_language);

/* Looks the query parameter name (compared ignoring case) up in query and
 * percent-decodes its value into out ('+' stays '+': SPEC §1).
 * Returns 1 if found and decoded, 0 if absent, -1 if the value is too
 * long, holds a bad %-escape or a NUL byte. */
int request_query_get(const char *query, const char *name, char *out,
		      size_t outsz);

/* The path of the raw target uri for the access log: no query, and each
 * path segment that holds an address ('@' or "%40") replaced by
 * "{address}" (README, SECURITY.md: addresses are never logged). Writes
 * at most outsz bytes, NUL-terminated; a longer path is cut. */
void request_log_path(char *out, size_t outsz, const char *uri);

/* Percent-decodes in[0..len) into out (NUL-terminated). Returns the
 * decoded length, or -1 (bad escape, %00, or does not fit). */
long request_unescape(char *out, size_t outsz, const char *in, size_t len);

/* Headers a client or proxy controls, parsed here so that unit tests and
 * the request fuzzer reach them (http.c only looks them up). */

/* RFC 9110 13.1.2: 1 if If-None-Match inm ("*" or a list of weak or
 * strong entity tags) matches etag by weak comparison, else 0. Either may
 * be NULL (no match). */
int request_etag_matches(const char *inm, const char *etag);

/* The last element of a comma-separated header value v (the one our
 * nearest proxy wrote), trimmed and unquoted, into out[0..n); "" if it
 * does not fit. */
void request_last_item(const char *v, char *out, size_t n);

/* RFC 7239: the parameter name (host, proto) of the last Forwarded
 * element in v, into out[0..n); "" if absent. */
void request_forwarded_param(const char *v, const char *name, char *out,
			     size_t n);

#endif
