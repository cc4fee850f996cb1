/* dns.c - the DNS records that make clients find the service (SPEC §5). */
#include "dns.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "expand.h"
#include "mta_sts.h"
#include "pacc.h"

struct service {
	const char *label; /* RFC 6186 / RFC 8314 service label */
	enum proto proto;
	enum security security;
};

/* Implicit TLS (RFC 8314) and STARTTLS (RFC 6186) services. */
static const struct service services[] = {
    {"_imaps", PROTO_IMAP, SECURITY_TLS},
    {"_imap", PROTO_IMAP, SECURITY_STARTTLS},
    {"_pop3s", PROTO_POP3, SECURITY_TLS},
    {"_pop3", PROTO_POP3, SECURITY_STARTTLS},
    {"_submissions", PROTO_SMTP, SECURITY_TLS},
    {"_submission", PROTO_SMTP, SECURITY_STARTTLS},
};

/* Appends the SRV records of one service: one per offered endpoint, in
 * the table's order as priority, or the "not provided" record. */
static void service_records(struct buf *out, const char *domain,
			    const struct service *s, const struct endpoint *e,
			    size_t n)
{
	struct buf host = BUF_INIT; /* freed below */
	unsigned prio = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (e[i].proto != s->proto || e[i].security != s->security ||
		    !e[i].advertise)
			continue;
		buf_reset(&host);
		expand(&host, e[i].host, domain, NULL);
		buf_printf(out, "%s._tcp.%s.\t3600\tIN\tSRV\t%u 1 %u %s.\n",
			   s->label, domain, prio++, e[i].port,
			   host.data ? host.data : "");
	}
	if (prio == 0)
		buf_printf(out, "%s._tcp.%s.\t3600\tIN\tSRV\t0 0 0 .\n",
			   s->label, domain);
	buf_free(&host);
}

/* RFC 6764: the SRV and TXT path= records of a CalDAV or CardDAV
 * service (always TLS: "_caldavs"), or the "not provided" record. */
static void dav_records(struct buf *out, const char *domain, const char *label,
			const struct dav *d)
{
	struct buf v = BUF_INIT; /* freed below */

	if (d == NULL) {
		buf_printf(out, "%s._tcp.%s.\t3600\tIN\tSRV\t0 0 0 .\n", label,
			   domain);
		return;
	}
	expand(&v, d->host, domain, NULL);
	buf_printf(out, "%s._tcp.%s.\t3600\tIN\tSRV\t0 1 %u %s.\n", label,
		   domain, d->port, v.data ? v.data : "");
	buf_reset(&v);
	expand(&v, d->path, domain, NULL);
	buf_printf(out, "%s._tcp.%s.\t3600\tIN\tTXT\t\"path=%s\"\n", label,
		   domain, v.data ? v.data : "/");
	buf_free(&v);
}

/* MTA-STS (RFC 8461 §3.1) and TLS-RPT (RFC 8460 §3), where the table
 * gives them. */
static void policy_records(struct buf *out, const char *domain,
			   const struct account *a, const char *service_host)
{
	const struct mail_policy *p = &a->policy;
	char id[MTA_STS_ID_LEN + 1];
	size_t i;

	if (p->sts && mta_sts_id(id, a, domain) == 0) {
		buf_puts(out, "; MTA-STS (RFC 8461): the policy is served on "
			      "mta-sts.; a new id when it changes\n");
		buf_printf(out, "mta-sts.%s.\t3600\tIN\tCNAME\t%s.\n", domain,
			   service_host);
		buf_printf(out,
			   "_mta-sts.%s.\t3600\tIN\tTXT\t\"v=STSv1; id=%s\"\n",
			   domain, id);
	}
	if (p->n_rua == 0)
		return;
	buf_puts(out, "; TLS-RPT (RFC 8460)\n");
	buf_printf(out,
		   "_smtp._tls.%s.\t3600\tIN\tTXT\t\"v=TLSRPTv1; rua=", domain);
	for (i = 0; i < p->n_rua; i++)
		buf_printf(out, "%s%s", i ? "," : "", p->rua[i]);
	buf_puts(out, "\"\n");
}

int dns_records(struct buf *out, const char *domain, const struct account *a,
		const char *service_host)
{
	size_t i;

	buf_printf(out, "; mailconfd: client autoconfiguration for %s\n",
		   domain);
	buf_printf(out, "autoconfig.%s.\t3600\tIN\tCNAME\t%s.\n", domain,
		   service_host);
	buf_printf(out, "autodiscover.%s.\t3600\tIN\tCNAME\t%s.\n", domain,
		   service_host);
	buf_printf(out, "_autodiscover._tcp.%s.\t3600\tIN\tSRV\t0 0 443 %s.\n",
		   domain, service_host);
	buf_puts(out, "; mail services (RFC 6186, RFC 8314); \"0 0 0 .\": "
		      "not offered\n");
	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		const struct service *s = &services[i];
		if (s->proto == PROTO_SMTP)
			service_records(out, domain, s, a->outgoing,
					a->n_outgoing);
		else
			service_records(out, domain, s, a->incoming,
					a->n_incoming);
	}
	if (a->caldav != NULL || a->carddav != NULL) {
		buf_puts(out,
			 "; calendars and contacts (RFC 6764); \"0 0 0 .\": "
			 "not offered\n");
		dav_records(out, domain, "_caldavs", a->caldav);
		dav_records(out, domain, "_carddavs", a->carddav);
	}
	policy_records(out, domain, a, service_host);
	return out->failed ? -1 : 0;
}

/* One zone line ("name\tttl\tIN\ttype\tdata") as a JSON object line. */
static void line_to_json(struct buf *out, char *line)
{
	char *f[5], *save = NULL, *p = line;
	int i;

	for (i = 0; i < 4; i++) {
		f[i] = strtok_r(p, "\t", &save);
		p = NULL;
		if (f[i] == NULL)
			return;
	}
	f[4] = save != NULL ? save : "";
	buf_puts(out, "{\"name\":\"");
	escape_json(out, f[0]);
	buf_printf(out, "\",\"ttl\":%ld,\"type\":\"", strtol(f[1], NULL, 10));
	escape_json(out, f[3]);
	buf_puts(out, "\",\"data\":\"");
	escape_json(out, f[4]);
	buf_puts(out, "\"}\n");
}

int dns_zone_to_json(struct buf *out, const char *zone)
{
	struct buf copy = BUF_INIT; /* freed below */
	char *line, *save = NULL;

	if (buf_puts(&copy, zone) < 0)
		return -1;
	for (line = strtok_r(copy.data, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		if (line[0] != ';')
			line_to_json(out, line);
	buf_free(&copy);
	return out->failed ? -1 : 0;
}

int dns_domain(struct buf *out, const struct model *m, const char *domain,
	       const struct account *a)
{
	if (dns_records(out, domain, a, m->provider.service_host) < 0)
		return -1;
	return dns_pacc_records(out, m, domain, a);
}

int dns_pacc_records(struct buf *out, const struct model *m, const char *domain,
		     const struct account *a)
{
	const struct pacc_choice *p = &a->pacc;
	char d[PACC_DIGEST_B64];
	int i;

	if (!p->on)
		return 0;
	buf_puts(out, "; PACC (draft-ietf-mailmaint-pacc): the document is "
		      "served on ua-auto-config.; the digest pins its bytes\n");
	buf_printf(out, "ua-auto-config.%s.\t3600\tIN\tCNAME\t%s.\n", domain,
		   m->provider.service_host);
	for (i = 0; i < (p->also ? 2 : 1); i++) {
		if (pacc_digest(d, m, a, domain,
				i ? p->previous : p->revision) < 0)
			return -1;
		buf_printf(out,
			   "_ua-auto-config.%s.\t3600\tIN\tTXT\t\"v=UAAC1; "
			   "a=sha256; d=%s\"\n",
			   domain, d);
	}
	return out->failed ? -1 : 0;
}
