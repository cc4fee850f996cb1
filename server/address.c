/* address.c - email addresses and domain names from untrusted input. */
#include "address.h"

#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "skeleton.h"

/* Length of the UTF-8 sequence at s (at most n bytes), 0 if malformed.
 * Follows RFC 3629 table 3-7: no overlongs, no surrogates, <= U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

int utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		k = utf8_seq(p + i, n - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

static int label_valid(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return 0;
	}
	return 1;
}

int hostname_valid(const char *s)
{
	size_t n = strlen(s), start = 0, i;

	if (n < 1 || n > DOMAIN_MAX)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (!label_valid(s + start, i - start))
				return 0;
			start = i + 1;
		}
	}
	return 1;
}

int hostname_matches(const char *pattern, const char *host)
{
	const char *dot;

	if (strcasecmp(pattern, host) == 0)
		return 1;
	if (strncmp(pattern, "*.", 2) != 0 || (dot = strchr(host, '.')) == NULL)
		return 0;
	return dot != host && strcasecmp(pattern + 1, dot) == 0;
}

static int has_control_or_space(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7F)
			return 1;
	}
	return 0;
}

static int is_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/* Converts the non-ASCII name tmp to an A-label into out. */
static int domain_to_ascii(char out[DOMAIN_MAX + 1], const char *tmp,
			   const char **why)
{
	char *ace = NULL; /* owned: from libidn2, freed here */
	int rc;

	rc = idn2_lookup_u8((const uint8_t *)tmp, (uint8_t **)&ace,
			    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK) {
		*why = "not a valid internationalized domain name";
		return -1;
	}
	if (strlen(ace) > DOMAIN_MAX) {
		idn2_free(ace);
		*why = "domain name too long";
		return -1;
	}
	memcpy(out, ace, strlen(ace) + 1);
	idn2_free(ace);
	return 0;
}

void domain_to_unicode(char *out, size_t n, const char *domain)
{
	char *u = NULL; /* from libidn2; freed below */
	const char *shown = domain;

	if (n == 0)
		return;
	if (idn2_to_unicode_8z8z(domain, &u, 0) == IDN2_OK && strlen(u) < n)
		shown = u;
	snprintf(out, n, "%s", shown);
	idn2_free(u);
}

/* The first checks of a domain or a local part, each with its reason. */
struct part_rules {
	size_t max;	   /* bytes */
	const char *empty; /* the reasons: static English */
	const char *too_long;
	const char *not_utf8;
	const char *spaces; /* NULL: white space is checked later */
};

static const struct part_rules domain_rules = {
    .max = DOMAIN_INPUT_MAX,
    .empty = "empty domain",
    .too_long = "domain name too long",
    .not_utf8 = "domain is not valid UTF-8",
    .spaces = "domain contains white space or control characters"};

static int part_check(const char *s, size_t n, const struct part_rules *r,
		      const char **why)
{
	if (n == 0)
		*why = r->empty;
	else if (n > r->max)
		*why = r->too_long;
	else if (!utf8_valid(s, n))
		*why = r->not_utf8;
	else if (r->spaces != NULL && has_control_or_space(s, n))
		*why = r->spaces;
	else
		return 0;
	return -1;
}

int domain_normalize(char out[DOMAIN_MAX + 1], const char *in, size_t len,
		     const char **why)
{
	char tmp[DOMAIN_INPUT_MAX + 1];
	size_t i;

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (part_check(in, len, &domain_rules, why) < 0)
		return -1;
	memcpy(tmp, in, len);
	tmp[len] = '\0';
	if (is_ascii(tmp, len)) {
		if (len > DOMAIN_MAX) {
			*why = "domain name too long";
			return -1;
		}
		for (i = 0; i <= len; i++)
			out[i] = (tmp[i] >= 'A' && tmp[i] <= 'Z')
				     ? (char)(tmp[i] - 'A' + 'a')
				     : tmp[i];
	} else if (domain_to_ascii(out, tmp, why) < 0) {
		return -1;
	}
	if (!hostname_valid(out)) {
		*why = "not a valid domain name";
		return -1;
	}
	return 0;
}

/* RFC 5322 3.2.3 atext, and RFC 6531 3.3: any non-ASCII UTF-8. */
static int atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c >= 0x80 ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* RFC 5321 4.1.2 Dot-string = Atom *("." Atom). */
static int dot_string_check(const char *s, size_t n, const char **why)
{
	size_t i;

	if (s[0] == '.' || s[n - 1] == '.') {
		*why = "the local part starts or ends with a dot";
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '.' && s[i + 1] == '.') {
			*why = "the local part has two dots in a row";
			return -1;
		}
		if (s[i] == '@') {
			*why = "address has more than one '@'";
			return -1;
		}
		if (s[i] != '.' && !atext((unsigned char)s[i])) {
			*why = "the local part holds a character that is "
			       "allowed only inside quotes (RFC 5321)";
			return -1;
		}
	}
	return 0;
}

/* RFC 5321 4.1.2 Quoted-string = DQUOTE *QcontentSMTP DQUOTE, with
 * qtextSMTP = %d32-33 / %d35-91 / %d93-126 (and non-ASCII UTF-8, RFC 6531)
 * and quoted-pairSMTP = "\" %d32-126. */
static int quoted_string_check(const char *s, size_t n, const char **why)
{
	size_t i;
	unsigned char c;

	if (n < 2 || s[n - 1] != '"') {
		*why = "the local part opens a quote that it does not close";
		return -1;
	}
	if (n == 2) {
		*why = "empty local part";
		return -1;
	}
	for (i = 1; i + 1 < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\\' && i + 2 < n) {
			c = (unsigned char)s[++i];
			if (c < 32 || c > 126) {
				*why = "the local part quotes a control "
				       "character";
				return -1;
			}
		} else if (c == '"' || c == '\\') {
			*why = "the local part has a quote or backslash that "
			       "is not escaped";
			return -1;
		} else if (c < 32 || c == 127) {
			*why = "address contains control characters";
			return -1;
		}
	}
	return 0;
}

static int local_part_check(const char *s, size_t n, const char **why)
{
	static const struct part_rules local_rules = {
	    .max = LOCALPART_MAX,
	    .empty = "empty local part",
	    .too_long = "local part longer than 64 bytes",
	    .not_utf8 = "address is not valid UTF-8",
	    .spaces = NULL}; /* a quoted string may hold them */

	if (part_check(s, n, &local_rules, why) < 0)
		return -1;
	if (!skeleton_value_ok(s, n)) { /* the precompiled answers' sentinels */
		*why = "address contains private-use characters";
		return -1;
	}
	if (s[0] == '"')
		return quoted_string_check(s, n, why);
	if (has_control_or_space(s, n)) {
		*why = "address contains white space or control characters";
		return -1;
	}
	return dot_string_check(s, n, why);
}

/* The '@' that ends the local part: the first one outside a leading
 * quoted string (a quoted local part may hold '@'). */
static const char *local_part_end(const char *in)
{
	const char *p = in;

	if (*p == '"')
		for (p++; *p != '\0' && *p != '"'; p++)
			if (*p == '\\' && p[1] != '\0')
				p++;
	return strchr(p, '@');
}

int address_parse(struct address *out, const char *in, const char **why)
{
	const char *at = local_part_end(in);
	size_t llen;

	if (at == NULL) {
		*why = "address has no '@'";
		return -1;
	}
	if (strchr(at + 1, '@') != NULL) {
		*why = "address has more than one '@'";
		return -1;
	}
	llen = (size_t)(at - in);
	if (local_part_check(in, llen, why) < 0)
		return -1;
	if (domain_normalize(out->domain, at + 1, strlen(at + 1), why) < 0)
		return -1;
	memcpy(out->local, in, llen);
	out->local[llen] = '\0';
	memcpy(out->full, in, llen);
	out->full[llen] = '@';
	memcpy(out->full + llen + 1, out->domain, strlen(out->domain) + 1);
	return 0;
}
