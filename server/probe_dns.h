/* probe_dns.h - the probe's DNS questions (ldns), asked of a resolver the
 * caller names or of /etc/resolv.conf's (SPEC §11.4: tests need a port
 * other than 53). */
#ifndef MAILCONFD_PROBE_DNS_H
#define MAILCONFD_PROBE_DNS_H

#include <stddef.h>

#include "buf.h"

struct probe_dns; /* one resolver; one thread at a time uses it */

enum dns_result {
	DNS_OK,	      /* answers of the type asked */
	DNS_NXDOMAIN, /* the name does not exist */
	DNS_NODATA,   /* it exists, without records of that type */
	DNS_FAILED    /* no answer: timeout, SERVFAIL, REFUSED */
};

/* server: "ADDR" or "ADDR:PORT" ("[V6]:PORT"), or NULL for the system's
 * resolvers. Every question gets timeout_s seconds, once retried.
 * Returns the resolver (the caller's) or NULL with why. */
struct probe_dns *probe_dns_new(const char *server, unsigned timeout_s,
				char *why, size_t n);
void probe_dns_free(struct probe_dns *d);

/* Asks name (a host name; absolute or not) for type ("A", "CNAME",
 * "TXT", "SRV", "MX", ...). Appends each answer of that type, its data
 * in presentation form (names absolute, TXT strings quoted), one per
 * line, to out. DNS_FAILED writes the reason into why. */
enum dns_result probe_dns_ask(struct probe_dns *d, const char *name,
			      const char *type, struct buf *out, char *why,
			      size_t n);

/* The next host of an MX answer as probe_dns_ask() wrote it (lines "10
 * mail.example.net."), from *p on: its preference, and its name without
 * the root's dot into host[0..n). Advances *p. Returns 0, or -1 at the
 * end (or at a line that is not an MX record's data). */
int probe_dns_mx_next(const char **p, unsigned *pref, char *host, size_t n);

/* The first IPv4 address of host (following CNAMEs), else the first IPv6
 * one, as numeric text into addr[0..n). Returns 0, or -1 with why. */
int probe_dns_address(struct probe_dns *d, const char *host, char *addr,
		      size_t n, char *why, size_t wn);

#endif
