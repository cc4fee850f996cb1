/* request.c - what a request asks, parsed from its raw parts. */
#include "request.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long request_unescape(char *out, size_t outsz, const char *in, size_t len)
{
	size_t i, n = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		char c = in[i];
		if (c == '%') {
			if (i + 2 >= len)
				return -1;
			hi = hexval(in[i + 1]);
			lo = hi < 0 ? -1 : hexval(in[i + 2]);
			if (lo < 0 || (hi == 0 && lo == 0))
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (n + 1 >= outsz)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return (long)n;
}

int request_query_get(const char *query, const char *name, char *out,
		      size_t outsz)
{
	size_t nlen = strlen(name);
	const char *p = query;

	while (p != NULL && *p != '\0') {
		const char *amp = strchr(p, '&');
		const char *end = amp ? amp : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		const char *kend = eq ? eq : end;

		if ((size_t)(kend - p) == nlen &&
		    strncasecmp(p, name, nlen) == 0) {
			const char *v = eq ? eq + 1 : end;
			return request_unescape(out, outsz, v,
						(size_t)(end - v)) < 0
				   ? -1
				   : 1;
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

static int segment_has_address(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '@' || (s[i] == '%' && i + 2 < n &&
				    s[i + 1] == '4' && s[i + 2] == '0'))
			return 1;
	return 0;
}

void request_log_path(char *out, size_t outsz, const char *uri)
{
	static const char redacted[] = "{address}";
	size_t len = uri ? strcspn(uri, "?") : 0, i = 0, seg, n = 0, k;

	if (outsz == 0)
		return;
	while (i < len) {
		seg = i + strcspn(uri + i + 1, "/") + 1; /* one "/..." */
		if (seg > len)
			seg = len;
		if (segment_has_address(uri + i, seg - i)) {
			k = uri[i] == '/';
			if (k && n + 1 < outsz)
				out[n++] = '/';
			for (k = 0; redacted[k] != '\0' && n + 1 < outsz; k++)
				out[n++] = redacted[k];
		} else {
			for (k = i; k < seg && n + 1 < outsz; k++)
				out[n++] = uri[k];
		}
		i = seg;
	}
	out[n] = '\0';
}

static enum method method_of(const char *m)
{
	if (m == NULL)
		return METHOD_OTHER;
	if (strcmp(m, "GET") == 0)
		return METHOD_GET;
	if (strcmp(m, "HEAD") == 0)
		return METHOD_HEAD;
	if (strcmp(m, "POST") == 0)
		return METHOD_POST;
	return METHOD_OTHER;
}

static void parse_path(struct request *r, const char *uri)
{
	const char *q = strchr(uri, '?');
	size_t len = q ? (size_t)(q - uri) : strlen(uri);

	r->query = q ? q + 1 : "";
	r->path_ok = request_unescape(r->path, sizeof(r->path), uri, len) >= 0;
	if (!r->path_ok)
		r->path[0] = '\0';
}

/* RFC 3986 3.2.3: port = *DIGIT; we take 1..65535, or none at all. */
static int port_valid(const char *s, size_t n)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0)
		return 1;
	if (n > 5)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

/* RFC 3986 reg-name: unreserved / pct-encoded / sub-delims. */
static int reg_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("-._~%!$&'()*+,;=", c) != NULL);
}

/* The length of an IP-literal "[...]" at h (hex digits, ':' and '.'
 * inside; IPvFuture is not taken), 0 if there is none. */
static size_t ip_literal_len(const char *h, size_t n)
{
	size_t i;

	if (n < 3 || h[0] != '[')
		return 0;
	for (i = 1; i < n && h[i] != ']'; i++)
		if (!((h[i] >= '0' && h[i] <= '9') ||
		      (h[i] >= 'a' && h[i] <= 'f') ||
		      (h[i] >= 'A' && h[i] <= 'F') || h[i] == ':' ||
		      h[i] == '.'))
			return 0;
	return i < n && i > 1 ? i + 1 : 0;
}

static int is_ipv4(const char *s)
{
	int dots = 0;

	for (; *s != '\0'; s++) {
		if (*s == '.')
			dots++;
		else if (*s < '0' || *s > '9')
			return 0;
	}
	return dots == 3;
}

/* Host h[0..n) = uri-host [":" port] (RFC 9110 7.2): the name, without
 * its port, normalized into r->host; r->bad_host if the syntax is off.
 * A well-formed name that is not a domain name (an underscore, a
 * %-escape) leaves r->host empty: no name of ours. */
static void parse_host(struct request *r, const char *h, size_t n)
{
	const char *why = NULL;
	size_t name_len = ip_literal_len(h, n), i;

	r->host[0] = '\0';
	r->host_literal = 0;
	if (name_len == 0)
		for (; name_len < n && reg_name_char(h[name_len]); name_len++)
			;
	if (name_len == 0 || (name_len < n && h[name_len] != ':') ||
	    (name_len < n && !port_valid(h + name_len + 1, n - name_len - 1))) {
		r->bad_host = "invalid Host header";
		return;
	}
	if (h[0] == '[') {
		r->host_literal = 1;
		return;
	}
	for (i = 0; i < name_len; i++)
		if (h[i] == '%')
			return;
	if (domain_normalize(r->host, h, name_len, &why) < 0)
		r->host[0] = '\0';
	r->host_literal = is_ipv4(r->host);
}

/* RFC 9112 3.2.2: "http://authority/path?query" -> the authority as the
 * host, the rest as the target. Returns the origin-form part of uri, or
 * uri itself when it is not in absolute form. */
static const char *absolute_form(struct request *r, const char *uri)
{
	size_t skip, alen;

	if (strncasecmp(uri, "http://", 7) == 0)
		skip = 7;
	else if (strncasecmp(uri, "https://", 8) == 0)
		skip = 8;
	else
		return uri;
	alen = strcspn(uri + skip, "/?#");
	if (memchr(uri + skip, '@', alen) !=
	    NULL) /* userinfo: RFC 9110 4.2.4 */
		r->bad_host = "a request target with user information";
	else
		parse_host(r, uri + skip, alen);
	r->absolute = 1;
	return uri + skip + alen;
}

void request_require_host(struct request *r, int http11, unsigned n_host)
{
	if (n_host > 1)
		r->bad_host = "more than one Host header";
	else if (n_host == 0 && http11)
		r->bad_host = "an HTTP/1.1 request without a Host header";
}

static void domain_from_host(struct request *r)
{
	static const char *const prefixes[] = {"autoconfig.", "autodiscover.",
					       NULL};
	const char *h = r->host;
	size_t i, n;

	for (i = 0; prefixes[i] != NULL; i++) {
		n = strlen(prefixes[i]);
		if (strncmp(h, prefixes[i], n) == 0 && h[n] != '\0') {
			h += n;
			break;
		}
	}
	memcpy(r->domain, h, strlen(h) + 1);
}

static void parse_address(struct request *r)
{
	static const char *const names[] = {"emailaddress", "email", NULL};
	char value[REQUEST_VALUE_MAX + 1];
	int i, found = 0;

	for (i = 0; names[i] != NULL && found == 0; i++)
		found =
		    request_query_get(r->query, names[i], value, sizeof(value));
	if (found == 0)
		return;
	r->has_addr = 1;
	if (found < 0) {
		r->addr_why = "the address is too long or badly %-encoded";
		return;
	}
	if (value[0] == '\0') { /* "?emailaddress=": as if absent */
		r->has_addr = 0;
		return;
	}
	r->addr_ok = address_parse(&r->addr, value, &r->addr_why) == 0;
}

/* The '&'-separated parts of query, empty ones included. */
static size_t count_params(const char *query)
{
	size_t n = query != NULL && query[0] != '\0';

	for (; query != NULL && *query != '\0'; query++)
		n += *query == '&';
	return n;
}

void request_parse(struct request *r, const char *method, const char *uri,
		   const char *host)
{
	memset(r, 0, sizeof(*r));
	r->method = method_of(method);
	if (host != NULL)
		parse_host(r, host, strlen(host));
	uri = absolute_form(r, uri);
	r->target = uri;
	parse_path(r, uri);
	if (r->absolute && r->path_ok && r->path[0] == '\0')
		memcpy(r->path, "/", 2); /* "http://name" or "http://name?q" */
	if (count_params(r->query) > REQUEST_PARAMS_MAX)
		r->bad_query = "too many query parameters";
	parse_address(r);
	request_set_language(r, NULL);
	if (r->addr_ok)
		memcpy(r->domain, r->addr.domain, strlen(r->addr.domain) + 1);
	else
		domain_from_host(r);
}

/* A language tag s[0..n) we serve ("de", "en-GB", "de_AT") into *out. */
static int lang_supported(const char *s, size_t n, enum lang *out)
{
	int l;

	if (n < 2 || (n > 2 && s[2] != '-' && s[2] != '_'))
		return 0;
	for (l = 0; l < LANG_COUNT; l++)
		if (strncasecmp(s, lang_code((enum lang)l), 2) == 0) {
			*out = (enum lang)l;
			return 1;
		}
	return 0;
}

/* q-value of an Accept-Language item's parameters (RFC 9110 12.4.2). */
static double item_q(const char *params, const char *end)
{
	const char *q = params;

	while (q != NULL && q < end) {
		while (q < end && (*q == ';' || *q == ' '))
			q++;
		if (end - q > 2 && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=')
			return strtod(q + 2, NULL);
		q = memchr(q, ';', (size_t)(end - q));
	}
	return 1.0;
}

static void language_from_header(struct request *r, const char *h)
{
	double best = 0.0, q;
	const char *p = h, *end, *semi;
	enum lang tag;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		semi = memchr(p, ';', (size_t)(end - p));
		q = item_q(semi, end);
		if (lang_supported(p, (size_t)((semi ? semi : end) - p),
				   &tag) &&
		    q > best) {
			best = q;
			r->lang = tag;
		}
		p = *end ? end + 1 : NULL;
	}
}

void request_set_language(struct request *r, const char *accept_language)
{
	char v[16];

	r->lang = LANG_EN;
	if (request_query_get(r->query, "lang", v, sizeof(v)) == 1 &&
	    lang_supported(v, strlen(v), &r->lang))
		return;
	if (accept_language != NULL)
		language_from_header(r, accept_language);
}

/* RFC 9110 13.1.2: If-None-Match is "*" or a list of (weak or strong)
 * entity tags; weak comparison. */
int request_etag_matches(const char *inm, const char *etag)
{
	const char *p = inm, *end;
	size_t n;

	if (inm == NULL || etag == NULL)
		return 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		end = strchr(p, ',');
		n = end ? (size_t)(end - p) : strlen(p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if ((n == 1 && *p == '*') ||
		    (n == strlen(etag) && strncmp(p, etag, n) == 0))
			return 1;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return 0;
}

/* The last element of a comma-separated header value (the one our
 * nearest proxy wrote), trimmed and unquoted, into out. */
void request_last_item(const char *v, char *out, size_t n)
{
	const char *comma = strrchr(v, ',');
	size_t len;

	v = comma ? comma + 1 : v;
	while (*v == ' ' || *v == '\t' || *v == '"')
		v++;
	len = strcspn(v, "\";, \t");
	if (len >= n)
		len = 0;
	memcpy(out, v, len);
	out[len] = '\0';
}

/* RFC 7239: a parameter (host=, proto=) of the last Forwarded element. */
void request_forwarded_param(const char *v, const char *name, char *out,
			     size_t n)
{
	const char *comma = strrchr(v, ','), *p;
	size_t k = strlen(name);

	out[0] = '\0';
	for (p = comma ? comma + 1 : v; *p != '\0'; p++) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncasecmp(p, name, k) == 0 && p[k] == '=') {
			request_last_item(p + k + 1, out, n);
			return;
		}
		p += strcspn(p, ";");
		if (*p == '\0')
			break;
	}
}
