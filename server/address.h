/* address.h - email addresses and domain names from untrusted input.
 *
 * Domains are stored and compared as lower-case A-labels (IDNA2008 with
 * UTS #46 mapping, via libidn2), without a trailing dot (SPEC §0). */
#ifndef MAILCONFD_ADDRESS_H
#define MAILCONFD_ADDRESS_H

#include <stddef.h>

#define DOMAIN_MAX	 253  /* RFC 1035 presentation form, no trailing dot */
#define LOCALPART_MAX	 64   /* RFC 5321 4.5.3.1.1 */
#define DOMAIN_INPUT_MAX 1024 /* U-label input before conversion */

struct address {
	char local[LOCALPART_MAX + 1];		       /* as given */
	char domain[DOMAIN_MAX + 1];		       /* normalized A-label */
	char full[LOCALPART_MAX + 1 + DOMAIN_MAX + 1]; /* local@domain */
};

/* Returns 1 if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates),
 * else 0. */
int utf8_valid(const char *s, size_t n);

/* Normalizes the domain name in[0..len) into out: lower case, one trailing
 * dot dropped, U-labels turned into A-labels, every label checked to be a
 * letter-digit-hyphen label of 1..63 bytes.
 * Returns 0, or -1 with *why pointing at a static English reason. */
int domain_normalize(char out[DOMAIN_MAX + 1], const char *in, size_t len,
		     const char **why);

/* The domain (an A-label, as domain_normalize() leaves it) for people:
 * U-labels (IDNA2008 via libidn2) into out[0..n); the A-label itself if
 * it does not convert or fit. */
void domain_to_unicode(char *out, size_t n, const char *domain);

/* Parses an address as RFC 5321's Mailbox: a local part that is a
 * Dot-string (atoms of atext, RFC 6531 allowing UTF-8, joined by single
 * dots) or a Quoted-string ("john doe", with \" and \\ escapes), 1..64
 * bytes of valid UTF-8; "@"; a domain accepted by domain_normalize().
 * The local part is kept as given, quotes included (it may hold <, &, ",
 * space and must be escaped on output). Returns 0, or -1 with *why set to
 * a static English reason. */
int address_parse(struct address *out, const char *in, const char **why);

/* Returns 1 if the placeholder-free host name s is syntactically valid
 * (letter-digit-hyphen labels, lower case, at most 253 bytes), else 0. */
int hostname_valid(const char *s);

/* Returns 1 if pattern names host: the same name, ASCII case aside, or
 * "*.rest" and host is one label followed by rest (RFC 6125 §6.4.3 for
 * certificates, RFC 8461 §4.1 for MTA-STS mx patterns), else 0. */
int hostname_matches(const char *pattern, const char *host);

#endif
