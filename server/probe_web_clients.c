/* probe_web_clients.c - each client's HTTPS lookups and what their
 * answers mean for it (probe_web_clients.h, SPEC §11.1). */
#include "probe_web_clients.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "expand.h"
#include "probe_dns.h"

#define TB  "Thunderbird"
#define K9  "Thunderbird for Android / K-9"
#define OL  "Outlook"
#define APL "Apple"

#define POX_REQUEST                                                            \
	"<?xml version=\"1.0\" encoding=\"utf-8\"?><Autodiscover "             \
	"xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/"  \
	"requestschema/2006\"><Request><EMailAddress>%s</EMailAddress>"        \
	"<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/"     \
	"autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>" \
	"</Request></Autodiscover>"

void try_clear(struct try *t)
{
	buf_free(&t->body);
}

/* The address, percent-encoded for a query as Thunderbird's
 * encodeURIComponent() sends it: '@' too, which escape_url() keeps for
 * the setup page's links. */
static void encoded_address(const struct web_client *c, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)c->x->address;
	size_t k = 0;

	for (; *p != '\0' && k + 4 < n; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			out[k++] = (char)*p;
		} else {
			out[k++] = '%';
			out[k++] = hex[*p >> 4];
			out[k++] = hex[*p & 15];
		}
	out[k] = '\0';
}

void probe_say(struct web_client *c, const char *group, const struct try *t,
	       enum verdict v, const char *fix)
{
	probe_report_add(c->r, group, t->url, v, t->why,
			 v == VERDICT_OK || v == VERDICT_INFO ? NULL : fix);
}

/* A URL the client needs: anything but the table's bytes is wrong. */
void probe_required(struct web_client *c, const char *group,
		    const struct try *t, const char *host)
{
	char fix[480];
	const char *sh = c->x->m->provider.service_host;

	if (t->got == GOT_NONE)
		snprintf(fix, sizeof(fix),
			 "%s IN CNAME %s. (mailconfd --dns %s prints it), and "
			 "mailconfd listening on 443 there",
			 host, sh[0] ? sh : "<service_host>", c->x->domain);
	else if (t->got == GOT_CERT)
		snprintf(fix, sizeof(fix),
			 "a certificate for %s on mailconfd's HTTPS "
			 "(server.acme issues it)",
			 host);
	else
		snprintf(fix, sizeof(fix),
			 "%s must reach mailconfd itself: this is another "
			 "server's answer, or another table's",
			 host);
	probe_say(c, group, t,
		  t->got == GOT_MATCH  ? VERDICT_OK
		  : t->got == GOT_NONE ? VERDICT_UNREACHABLE
				       : VERDICT_WRONG,
		  fix);
}

/* The .well-known URL on the customer's own site, after the autoconfig.
 * one (first) was tried: a 2xx that is not a configuration shadows the
 * lookup when first failed (Thunderbird), or is passed over (shadows 0:
 * K-9, whose parse failure goes on). */
static void well_known(struct web_client *c, const char *group,
		       const struct try *first, struct try *t, int shadows)
{
	char fix[480];

	snprintf(fix, sizeof(fix),
		 "the website of %s answers /.well-known/autoconfig/ "
		 "itself: let it pass that path to mailconfd (or answer 404), "
		 "and repair autoconfig.%s",
		 c->x->domain, c->x->domain);
	if (t->got == GOT_MATCH)
		probe_say(c, group, t, VERDICT_OK, NULL);
	else if (first->got == GOT_MATCH || t->got != GOT_DIFFERS || !shadows)
		probe_say(c, group, t, VERDICT_INFO,
			  NULL); /* not a configuration: the client goes on */
	else {
		snprintf(t->why, sizeof(t->why),
			 "shadowed: HTTP %ld with %s, which %s takes and then "
			 "gives up",
			 t->status, t->ctype[0] ? t->ctype : "no type", group);
		probe_say(c, group, t, VERDICT_WRONG, fix);
	}
}

/* The parent domain of the MX host of lowest preference in an MX answer
 * (the one Thunderbird uses, SPEC §10.4) into out. Returns 0 or -1. */
static int mx_parent(const char *ans, char *out, size_t n)
{
	char host[256], best[256] = "";
	unsigned pref, low = ~0u;
	const char *dot;

	while (probe_dns_mx_next(&ans, &pref, host, sizeof(host)) == 0)
		if (pref < low) {
			low = pref;
			memcpy(best, host, sizeof(best));
		}
	if ((dot = strchr(best, '.')) == NULL || strlen(dot + 1) >= n)
		return -1;
	memcpy(out, dot + 1, strlen(dot + 1) + 1);
	return 0;
}

/* 1 if name is domain or below it. */
static int within(const char *name, const char *domain)
{
	size_t a = strlen(name), b = strlen(domain);

	return strcasecmp(name, domain) == 0 ||
	       (a > b && name[a - b - 1] == '.' &&
		strcasecmp(name + a - b, domain) == 0);
}

/* The MX step (SPEC §10.4): autoconfig.<the MX's parent domain>, asked
 * only when the MX lies outside the domain. */
static void mx_step(struct web_client *c, const char *q)
{
	struct buf mx = BUF_INIT; /* freed below */
	char why[400], parent[256], host[300], target[1400];
	struct try t;

	if (probe_dns_ask(c->x->dns, c->x->domain, "MX", &mx, why,
			  sizeof(why)) != DNS_OK ||
	    mx_parent(mx.data, parent, sizeof(parent)) < 0)
		probe_report_add(c->r, TB, "MX step", VERDICT_INFO,
				 "no MX record: there is no MX step", NULL);
	else if (within(parent, c->x->domain))
		probe_report_add(c->r, TB, "MX step", VERDICT_INFO,
				 "the MX lies inside the domain: Thunderbird "
				 "makes no MX step",
				 NULL);
	else {
		snprintf(host, sizeof(host), "autoconfig.%s", parent);
		snprintf(target, sizeof(target),
			 "/mail/config-v1.1.xml?emailaddress=%s", q);
		c->fetch(c->cls, &t, "GET", host, target, NULL, NULL);
		probe_say(c, TB, &t,
			  t.got == GOT_MATCH ? VERDICT_OK : VERDICT_INFO, NULL);
		try_clear(&t);
	}
	buf_free(&mx);
}

void probe_clients_thunderbird(struct web_client *c)
{
	char q[600], host[300], target[1400];
	struct try first, t;

	encoded_address(c, q, sizeof(q));
	snprintf(host, sizeof(host), "autoconfig.%s", c->x->domain);
	snprintf(target, sizeof(target),
		 "/mail/config-v1.1.xml?emailaddress=%s", q);
	c->fetch(c->cls, &first, "GET", host, target, NULL, NULL);
	probe_required(c, TB, &first, host);
	snprintf(target, sizeof(target),
		 "/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=%s",
		 q);
	c->fetch(c->cls, &t, "GET", c->x->domain, target, NULL, NULL);
	well_known(c, TB, &first, &t, 1);
	try_clear(&first);
	try_clear(&t);
	mx_step(c, q);
}

void probe_clients_android(struct web_client *c)
{
	char host[300];
	struct try first, t;

	snprintf(host, sizeof(host), "autoconfig.%s", c->x->domain);
	c->fetch(c->cls, &first, "GET", host, "/mail/config-v1.1.xml", NULL,
		 NULL);
	probe_required(c, K9, &first, host);
	c->fetch(c->cls, &t, "GET", c->x->domain,
		 "/.well-known/autoconfig/mail/config-v1.1.xml", NULL, NULL);
	well_known(c, K9, &first, &t, 0);
	try_clear(&first);
	try_clear(&t);
}

/* Outlook's first POST goes to the customer's website (SPEC §11.1). */
static void outlook_root(struct web_client *c, const char *body)
{
	char fix[480];
	struct try t;

	c->fetch(c->cls, &t, "POST", c->x->domain,
		 "/autodiscover/autodiscover.xml", body, "text/xml");
	snprintf(fix, sizeof(fix),
		 "root certificate mismatch: Outlook asks https://%s first and "
		 "shows a Security Alert (\"No\" ends the lookup, KB 2772058): "
		 "give the website a certificate for %s, or close its 443",
		 c->x->domain, c->x->domain);
	probe_say(c, OL, &t,
		  t.got == GOT_CERT    ? VERDICT_WRONG
		  : t.got == GOT_MATCH ? VERDICT_OK
				       : VERDICT_INFO,
		  fix);
	try_clear(&t);
}

void probe_clients_outlook(struct web_client *c)
{
	char body[1200], host[300], target[1400];
	struct try t;

	snprintf(body, sizeof(body), POX_REQUEST, c->x->address);
	outlook_root(c, body);
	snprintf(host, sizeof(host), "autodiscover.%s", c->x->domain);
	c->fetch(c->cls, &t, "POST", host, "/autodiscover/autodiscover.xml",
		 body, "text/xml");
	probe_required(c, OL, &t, host);
	try_clear(&t);
	snprintf(target, sizeof(target),
		 "/autodiscover/autodiscover.json/v1.0/%s?Protocol="
		 "AutodiscoverV1",
		 c->x->address);
	c->fetch(c->cls, &t, "GET", host, target, NULL, NULL);
	probe_required(c, OL " (autodiscover.json)", &t, host);
	try_clear(&t);
}

/* The host of the setup page (provider.setup_url for the domain). */
static int setup_host(const struct web_client *c, char *host, size_t n)
{
	struct buf url = BUF_INIT; /* freed below */
	const char *p;
	size_t len;
	int rc = -1;

	if (expand(&url, c->x->m->provider.setup_url, c->x->domain, NULL) ==
		0 &&
	    strncmp(url.data, "https://", 8) == 0) {
		p = url.data + 8;
		len = strcspn(p, "/:?#");
		if (len > 0 && len < n) {
			memcpy(host, p, len);
			host[len] = '\0';
			rc = 0;
		}
	}
	buf_free(&url);
	return rc;
}

void probe_clients_apple(struct web_client *c)
{
	char q[600], host[300], target[1400];
	struct try t;

	if (setup_host(c, host, sizeof(host)) < 0) {
		probe_report_add(c->r, APL, "the profile link", VERDICT_INFO,
				 "provider.setup_url is not an https:// URL: "
				 "no profile link to follow",
				 NULL);
		return;
	}
	encoded_address(c, q, sizeof(q));
	snprintf(target, sizeof(target),
		 "/apple/mail.mobileconfig?email=%s&lang=en", q);
	c->fetch(c->cls, &t, "GET", host, target, NULL, NULL);
	if (t.got == GOT_DIFFERS && c->x->m->signer != NULL &&
	    strncasecmp(t.ctype, "application/x-apple-aspen-config", 32) == 0) {
		t.got = GOT_MATCH; /* signed anew each time: not the bytes */
		snprintf(t.why, sizeof(t.why),
			 "HTTP %ld, a signed profile (%s)", t.status, t.ctype);
	}
	probe_required(c, APL, &t, host);
	try_clear(&t);
}
