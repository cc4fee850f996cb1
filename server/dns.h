/* dns.h - the DNS records that make clients find the service (SPEC §5):
 * autoconfig./autodiscover. names, the _autodiscover._tcp SRV record, and
 * the RFC 6186 / RFC 8314 mail SRV records derived from the table. */
#ifndef MAILCONFD_DNS_H
#define MAILCONFD_DNS_H

#include "buf.h"
#include "model.h"

/* Appends zone-file lines (absolute names, TTL 3600) for the hosted
 * domain (A-label) with account a. service_host is the name of the host
 * mailconfd answers on (the CNAME and SRV target). A service the table
 * does not offer gets "SRV 0 0 0 ." (RFC 6186 3.4: not provided).
 * Returns 0 or -1. */
/* Every record of domain (its account a): dns_records() and
 * dns_pacc_records(). Returns 0 or -1. */
int dns_domain(struct buf *out, const struct model *m, const char *domain,
	       const struct account *a);

/* The zone lines of zone as JSON, one object per record and line:
 * {"name": "...", "ttl": N, "type": "CNAME", "data": "..."} (data in
 * presentation form), for the tools that push DNS. Returns 0 or -1. */
int dns_zone_to_json(struct buf *out, const char *zone);

/* PACC's records for domain, when its account has PACC on: the
 * ua-auto-config. CNAME and the digest TXT record (two during a
 * change-over of revisions). Returns 0 or -1. */
int dns_pacc_records(struct buf *out, const struct model *m, const char *domain,
		     const struct account *a);

int dns_records(struct buf *out, const char *domain, const struct account *a,
		const char *service_host);

#endif
