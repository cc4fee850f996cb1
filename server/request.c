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

/* RFC 7230 5.4 / RFC 3986 3.2.3: port = *DIGIT; we take 1..65535. */
static int port_valid(const char *s)
{
	unsigned long v = 0;
	size_t n = 0;

	for (; s[n] >= '0' && s[n] <= '9' && n < 6; n++)
		v = v * 10 + (unsigned long)(s[n] - '0');
	return n > 0 && s[n] == '\0' && v >= 1 && v <= 65535;
}

/* Host header -> normalized name without port, or "" if unusable. */
static void parse_host(struct request *r, const char *host)
{
	const char *colon, *why = NULL;
	size_t len;

	r->host[0] = '\0';
	if (host == NULL || host[0] == '[') /* absent, or an IPv6 literal */
		return;
	colon = strchr(host, ':');
	len = colon ? (size_t)(colon - host) : strlen(host);
	if (colon != NULL && !port_valid(colon + 1))
		return;
	if (domain_normalize(r->host, host, len, &why) < 0)
		r->host[0] = '\0';
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

void request_parse(struct request *r, const char *method, const char *uri,
		   const char *host)
{
	memset(r, 0, sizeof(*r));
	r->method = method_of(method);
	r->target = uri;
	parse_path(r, uri);
	parse_host(r, host);
	parse_address(r);
	request_set_language(r, NULL);
	if (r->addr_ok)
		memcpy(r->domain, r->addr.domain, strlen(r->addr.domain) + 1);
	else
		domain_from_host(r);
}

static int lang_supported(const char *s, size_t n, char out[3])
{
	if (n < 2 || (n > 2 && s[2] != '-' && s[2] != '_'))
		return 0;
	if (strncasecmp(s, "de", 2) != 0 && strncasecmp(s, "en", 2) != 0)
		return 0;
	out[0] = (char)(s[0] | 0x20);
	out[1] = (char)(s[1] | 0x20);
	out[2] = '\0';
	return 1;
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
	char tag[3];

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		semi = memchr(p, ';', (size_t)(end - p));
		q = item_q(semi, end);
		if (lang_supported(p, (size_t)((semi ? semi : end) - p), tag) &&
		    q > best) {
			best = q;
			memcpy(r->lang, tag, 3);
		}
		p = *end ? end + 1 : NULL;
	}
}

void request_set_language(struct request *r, const char *accept_language)
{
	char v[16];

	memcpy(r->lang, "en", 3);
	if (request_query_get(r->query, "lang", v, sizeof(v)) == 1 &&
	    lang_supported(v, strlen(v), r->lang))
		return;
	if (accept_language != NULL)
		language_from_header(r, accept_language);
}
