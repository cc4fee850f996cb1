/* probe_policy.c - PACC and MTA-STS as their clients read them (SPEC
 * §10.1-10.2): the document over HTTPS, and the TXT record that must
 * agree with it (the PACC digest of the served bytes, the MTA-STS id of
 * the policy served); with enforce, every live MX in the policy. */
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "mta_sts.h"
#include "probe_dns.h"
#include "probe_web_clients.h"

#define PACC "PACC"
#define STS  "MTA-STS"

/* The standard base64 (padded) SHA-256 of body into out[0..n). */
static int digest_b64(const struct buf *body, char *out, size_t n)
{
	unsigned char d[32];
	gnutls_datum_t in = {d, sizeof(d)}, b64 = {NULL, 0};
	int rc = -1;

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, body->data ? body->data : "",
			     body->len, d) == 0 &&
	    gnutls_base64_encode2(&in, &b64) == 0 && b64.size < n) {
		memcpy(out, b64.data, b64.size);
		out[b64.size] = '\0';
		rc = 0;
	}
	gnutls_free(b64.data);
	return rc;
}

/* The TXT records of name (presentation form, a line each) into txt.
 * Returns 0, or -1 with a step of group added. */
static int ask_txt(struct web_client *c, const char *group, const char *name,
		   struct buf *txt)
{
	char why[400], fix[480];
	enum dns_result r =
	    probe_dns_ask(c->x->dns, name, "TXT", txt, why, sizeof(why));

	if (r == DNS_OK)
		return 0;
	if (r != DNS_FAILED)
		snprintf(why, sizeof(why), "%s TXT: %s", name,
			 r == DNS_NXDOMAIN ? "no such name" : "no TXT record");
	snprintf(fix, sizeof(fix),
		 "publish the TXT record mailconfd --dns %s "
		 "prints",
		 c->x->domain);
	probe_report_add(c->r, group, name,
			 r == DNS_FAILED ? VERDICT_UNREACHABLE : VERDICT_WRONG,
			 why, fix);
	return -1;
}

void probe_clients_pacc(struct web_client *c)
{
	char host[300], name[300], d[64], want[80], text[480];
	struct buf txt = BUF_INIT; /* freed below */
	struct try t;

	if (!c->x->a->pacc.on)
		return;
	snprintf(host, sizeof(host), "ua-auto-config.%s", c->x->domain);
	c->fetch(c->cls, &t, "GET", host,
		 "/.well-known/user-agent-configuration.json", NULL, NULL);
	probe_required(c, PACC, &t, host);
	snprintf(name, sizeof(name), "_ua-auto-config.%s", c->x->domain);
	if (t.got == GOT_MATCH && digest_b64(&t.body, d, sizeof(d)) == 0 &&
	    ask_txt(c, PACC, name, &txt) == 0) {
		snprintf(want, sizeof(want), "d=%s\"", d);
		snprintf(
		    text, sizeof(text),
		    strstr(txt.data, want)
			? "the digest d=%s of the served bytes is "
			  "published"
			: "no TXT record has d=%s, the digest of the bytes "
			  "served: clients reject the document",
		    d);
		probe_report_add(
		    c->r, PACC, name,
		    strstr(txt.data, want) ? VERDICT_OK : VERDICT_WRONG, text,
		    "publish the TXT record mailconfd --dns "
		    "prints (both during a change-over)");
	}
	buf_free(&txt);
	try_clear(&t);
}

/* The one "v=STSv1" record's id must be the policy's (RFC 8461 §3.1). */
static void sts_record(struct web_client *c)
{
	char name[300], id[MTA_STS_ID_LEN + 1], want[64], text[480];
	struct buf txt = BUF_INIT; /* freed below */
	const char *p;
	int n = 0;

	snprintf(name, sizeof(name), "_mta-sts.%s", c->x->domain);
	if (ask_txt(c, STS, name, &txt) < 0 ||
	    mta_sts_id(id, c->x->a, c->x->domain) < 0) {
		buf_free(&txt);
		return;
	}
	for (p = txt.data; (p = strstr(p, "\"v=STSv1")) != NULL; p++)
		n++;
	snprintf(want, sizeof(want), "id=%s\"", id);
	if (n != 1)
		snprintf(text, sizeof(text),
			 "%d records start with v=STSv1 (one must): there is "
			 "no policy",
			 n);
	else if (strstr(txt.data, want) != NULL)
		snprintf(text, sizeof(text), "v=STSv1; id=%s, the policy's",
			 id);
	else
		snprintf(text, sizeof(text),
			 "a stale id: the policy served has id=%s; senders "
			 "keep the policy they have",
			 id);
	probe_report_add(c->r, STS, name,
			 n == 1 && strstr(txt.data, want) ? VERDICT_OK
							  : VERDICT_WRONG,
			 text, "publish the TXT record mailconfd --dns prints");
	buf_free(&txt);
}

/* 1 if host matches a line "mx: ..." of the policy text. */
static int in_policy(const char *policy, const char *host)
{
	char pat[256];
	const char *p;
	size_t len;

	for (p = policy; (p = strstr(p, "mx: ")) != NULL; p += 4) {
		len = strcspn(p + 4, "\r\n");
		if (len >= sizeof(pat))
			continue;
		memcpy(pat, p + 4, len);
		pat[len] = '\0';
		if (hostname_matches(pat, host))
			return 1;
	}
	return 0;
}

/* With enforce, every live MX must be in the policy (SPEC §10.2). */
static void sts_live_mx(struct web_client *c, const char *policy)
{
	struct buf mx = BUF_INIT; /* freed below */
	char why[400], host[256], text[480];
	const char *line;
	unsigned pref;

	if (probe_dns_ask(c->x->dns, c->x->domain, "MX", &mx, why,
			  sizeof(why)) != DNS_OK) {
		probe_report_add(c->r, STS, "the live MX", VERDICT_WRONG,
				 "enforce, and no MX record answers",
				 "publish the MX records, or mode: testing");
		buf_free(&mx);
		return;
	}
	line = mx.data;
	while (probe_dns_mx_next(&line, &pref, host, sizeof(host)) == 0) {
		snprintf(text, sizeof(text),
			 in_policy(policy, host)
			     ? "the MX %s is in the policy"
			     : "enforce, and the MX %s is not in the policy: "
			       "senders defer its mail",
			 host);
		probe_report_add(
		    c->r, STS, host,
		    in_policy(policy, host) ? VERDICT_OK : VERDICT_WRONG, text,
		    "add it to mta_sts.mx, or mode: testing");
	}
	buf_free(&mx);
}

void probe_clients_mta_sts(struct web_client *c)
{
	char host[300];
	struct try t;

	if (!c->x->a->policy.sts)
		return;
	sts_record(c);
	snprintf(host, sizeof(host), "mta-sts.%s", c->x->domain);
	c->fetch(c->cls, &t, "GET", host, "/.well-known/mta-sts.txt", NULL,
		 NULL);
	if (t.got == GOT_MATCH && strncasecmp(t.ctype, "text/plain", 10) != 0) {
		t.got = GOT_DIFFERS;
		snprintf(t.why, sizeof(t.why),
			 "served as %s: senders want text/plain", t.ctype);
	}
	probe_required(c, STS, &t, host);
	if (t.got == GOT_MATCH && c->x->a->policy.mode == STS_ENFORCE)
		sts_live_mx(c, t.body.data);
	try_clear(&t);
}
