/* probe_dns.c - the probe's DNS questions on ldns (probe_dns.h). */
#include "probe_dns.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct probe_dns {
	ldns_resolver *res; /* owned */
};

/* Splits "ADDR", "ADDR:PORT" or "[V6]:PORT" into addr and *port (53 when
 * none). Returns 0 or -1. */
static int split_server(const char *s, char *addr, size_t n, unsigned *port)
{
	const char *colon = strrchr(s, ':'), *end;
	size_t len;

	*port = 53;
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return -1;
		colon = end[1] == ':' ? end + 1 : NULL;
		s++;
		len = (size_t)(end - s);
	} else if (colon != NULL && strchr(s, ':') != colon) {
		colon = NULL; /* a bare IPv6 address */
		len = strlen(s);
	} else {
		len = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (len == 0 || len >= n)
		return -1;
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (colon != NULL &&
	    (sscanf(colon + 1, "%u", port) != 1 || *port == 0 || *port > 65535))
		return -1;
	return 0;
}

/* One nameserver at addr:port for r. Returns 0 or -1. */
static int use_server(ldns_resolver *r, const char *server)
{
	char addr[64];
	unsigned port;
	ldns_rdf *a;
	int rc;

	if (split_server(server, addr, sizeof(addr), &port) < 0)
		return -1;
	a = ldns_rdf_new_frm_str(
	    strchr(addr, ':') ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, addr);
	if (a == NULL)
		return -1;
	rc = ldns_resolver_push_nameserver(r, a) == LDNS_STATUS_OK ? 0 : -1;
	ldns_rdf_deep_free(a);
	ldns_resolver_set_port(r, (uint16_t)port);
	return rc;
}

struct probe_dns *probe_dns_new(const char *server, unsigned timeout_s,
				char *why, size_t n)
{
	struct probe_dns *d = calloc(1, sizeof(*d)); /* the caller's */
	struct timeval tv = {(time_t)timeout_s, 0};

	if (d == NULL) {
		snprintf(why, n, "out of memory");
		return NULL;
	}
	if (server == NULL
		? ldns_resolver_new_frm_file(&d->res, NULL) != LDNS_STATUS_OK
		: (d->res = ldns_resolver_new()) == NULL ||
		      use_server(d->res, server) < 0) {
		snprintf(why, n, "%s: not a resolver address",
			 server ? server : "/etc/resolv.conf");
		probe_dns_free(d);
		return NULL;
	}
	ldns_resolver_set_timeout(d->res, tv);
	ldns_resolver_set_retry(d->res, 2);
	ldns_resolver_set_recursive(d->res, true);
	ldns_resolver_set_defnames(d->res, false);
	ldns_resolver_set_dnsrch(d->res, false);
	return d;
}

void probe_dns_free(struct probe_dns *d)
{
	if (d != NULL && d->res != NULL)
		ldns_resolver_deep_free(d->res);
	free(d);
}

/* rr's data, its fields joined by spaces, appended to out as a line. */
static void append_rdata(struct buf *out, const ldns_rr *rr)
{
	size_t i;
	char *s;

	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		s = ldns_rdf2str(ldns_rr_rdf(rr, i)); /* freed below */
		buf_printf(out, "%s%s", i ? " " : "", s ? s : "?");
		free(s);
	}
	buf_puts(out, "\n");
}

/* The packet's answers of type t (its owner need not be name: CNAME
 * chains lead to others) appended to out. Returns how many. */
static size_t collect(const ldns_pkt *p, ldns_rr_type t, struct buf *out)
{
	ldns_rr_list *ans = ldns_pkt_answer(p);
	size_t i, k = 0;

	for (i = 0; ans != NULL && i < ldns_rr_list_rr_count(ans); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(ans, i)) == t) {
			append_rdata(out, ldns_rr_list_rr(ans, i));
			k++;
		}
	return k;
}

enum dns_result probe_dns_ask(struct probe_dns *d, const char *name,
			      const char *type, struct buf *out, char *why,
			      size_t n)
{
	ldns_rr_type t = ldns_get_rr_type_by_name(type);
	ldns_rdf *q = ldns_dname_new_frm_str(name); /* freed below */
	ldns_pkt *p = NULL;			    /* freed below */
	enum dns_result rc = DNS_FAILED;
	ldns_pkt_rcode code;

	snprintf(why, n, "%s %s: no answer from the resolver", name, type);
	if (q != NULL && t != 0)
		p = ldns_resolver_query(d->res, q, t, LDNS_RR_CLASS_IN,
					LDNS_RD);
	if (p != NULL) {
		code = ldns_pkt_get_rcode(p);
		if (code == LDNS_RCODE_NXDOMAIN)
			rc = DNS_NXDOMAIN;
		else if (code != LDNS_RCODE_NOERROR)
			snprintf(why, n,
				 "%s %s: the resolver answered rcode %d", name,
				 type, (int)code);
		else
			rc = collect(p, t, out) > 0 ? DNS_OK : DNS_NODATA;
		ldns_pkt_free(p);
	}
	ldns_rdf_deep_free(q);
	return rc;
}

int probe_dns_address(struct probe_dns *d, const char *host, char *addr,
		      size_t n, char *why, size_t wn)
{
	static const char *const types[] = {"A", "AAAA"};
	struct buf ans = BUF_INIT; /* freed below */
	enum dns_result r = DNS_NODATA;
	size_t i;
	char *nl;

	for (i = 0; i < 2 && r != DNS_OK; i++) {
		buf_reset(&ans);
		r = probe_dns_ask(d, host, types[i], &ans, why, wn);
		if (r == DNS_NXDOMAIN || r == DNS_FAILED)
			break;
	}
	if (r == DNS_OK && (nl = strchr(ans.data, '\n')) != NULL &&
	    (size_t)(nl - ans.data) < n) {
		memcpy(addr, ans.data, (size_t)(nl - ans.data));
		addr[nl - ans.data] = '\0';
	} else if (r != DNS_FAILED) {
		snprintf(why, wn, "%s: %s", host,
			 r == DNS_NXDOMAIN ? "no such name (NXDOMAIN)"
					   : "no address (A or AAAA)");
		r = DNS_FAILED;
	}
	buf_free(&ans);
	return r == DNS_OK ? 0 : -1;
}

int probe_dns_mx_next(const char **p, unsigned *pref, char *host, size_t n)
{
	const char *line = *p, *sp = strchr(line, ' ');
	size_t end = strcspn(line, "\n"), len;

	if (end == 0 || sp == NULL || sp > line + end ||
	    sscanf(line, "%u", pref) != 1)
		return -1;
	len = (size_t)(line + end - (sp + 1));
	if (len > 0 && sp[len] == '.')
		len--; /* the root's dot */
	if (len == 0 || len >= n)
		return -1;
	memcpy(host, sp + 1, len);
	host[len] = '\0';
	*p = line + end + (line[end] == '\n');
	return 0;
}
