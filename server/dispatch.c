/* dispatch.c - the router: (model, request) -> reply.
 *
 * One flat table of routes; each route's handler finds the hosted domain
 * and calls its format's renderer. */
#include "dispatch.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "autoconfig.h"
#include "bytecache.h"
#include "autodiscover.h"
#include "autodiscover_json.h"
#include "mta_sts.h"
#include "pacc.h"
#include "expand.h"
#include "log.h"
#include "mobileconfig.h"
#include "precompiled.h"
#include "setup_fill.h"
#include "setup_page.h"
#include "signer.h"

#define M_GET  (1u << METHOD_GET)
#define M_HEAD (1u << METHOD_HEAD)
#define M_POST (1u << METHOD_POST)
#define M_ANY  (M_GET | M_HEAD | M_POST | (1u << METHOD_OTHER))

#define CT_XML	   "application/xml; charset=utf-8"
#define CT_JSON	   "application/json; charset=utf-8"
#define CT_HTML	   "text/html; charset=utf-8"
#define CT_PROFILE "application/x-apple-aspen-config"
#define AD_JSON_V1 "/autodiscover/autodiscover.json/v1.0/"

struct call {
	const struct model *m;
	const struct request *r;
	time_t now;
};

struct route_entry {
	enum route id;	  /* for the access log and metrics */
	const char *path; /* compared ignoring case */
	int prefix;	  /* path is a prefix of the request's path */
	unsigned methods;
	const char *allow; /* the Allow header of a 405 */
	int (*handle)(struct reply *out, const struct call *c);
};

static int render_failed(struct reply *out, const char *what,
			 const char *domain)
{
	log_error("rendering %s for %s failed", what, domain);
	reply_text(out, 500, "Internal error.");
	return -1;
}

/* The hosted domain's account, or NULL with out set to the error. */
static const struct account *find_account(struct reply *out,
					  const struct call *c)
{
	const struct request *r = c->r;
	const struct account *a;
	struct buf msg = BUF_INIT; /* freed below */

	if (r->has_addr && !r->addr_ok) {
		buf_printf(&msg, "Bad email address: %s.", r->addr_why);
		reply_text(out, 400,
			   msg.failed ? "Bad email address." : msg.data);
		buf_free(&msg);
		return NULL;
	}
	if (r->domain[0] == '\0') {
		reply_text(out, 404,
			   "No domain: give ?emailaddress=user@domain or use "
			   "the autoconfig.<domain> name.");
		return NULL;
	}
	a = model_find_domain(c->m, r->domain);
	if (a == NULL)
		reply_text(out, 404, "This domain is not hosted here.");
	return a;
}

/* Asks the directory for the login of in->addr (SPEC §7). Returns 1 when
 * the lookup is under way (out is marked pending: the handler returns and
 * the request is asked again), else 0 with in->login set or left NULL. */
static int resolve_login(struct reply *out, const struct call *c,
			 struct render_input *in)
{
	const struct login_resolver *lr = c->r->resolver;

	if (lr == NULL || in->addr == NULL)
		return 0;
	switch (lr->resolve(lr->cls, in->addr, &in->login)) {
	case LOGIN_PENDING:
		out->pending = 1;
		return 1;
	case LOGIN_FOUND:
		return 0;
	default:
		in->login = NULL;
		return 0;
	}
}

/* The XML answer render makes of in, once in's login is known: 0, with
 * out pending when the directory is still being asked. */
static int answer_xml(struct reply *out, const struct call *c,
		      struct render_input *in,
		      int (*render)(struct buf *out, uint64_t *body_hash,
				    const struct render_input *in),
		      const char *kind)
{
	if (resolve_login(out, c, in))
		return 0;
	/* an ETag only for what may be cached (not the POST's answer) */
	if (render(&out->body,
		   out->cache != CACHE_NONE ? &out->body_hash : NULL, in) < 0)
		return render_failed(out, kind, in->domain);
	out->status = 200;
	out->content_type = CT_XML;
	return 0;
}

static int handle_autoconfig(struct reply *out, const struct call *c)
{
	struct render_input in = {
	    .model = c->m, .domain = c->r->domain, .now = c->now};

	in.account = find_account(out, c);
	if (in.account == NULL)
		return 0;
	in.addr = c->r->addr_ok ? &c->r->addr : NULL;
	/* With a directory, an answer for an address is that person's,
	 * found or not (the same header either way). */
	out->cache = c->r->resolver && in.addr ? CACHE_PRIVATE : CACHE_PUBLIC;
	return answer_xml(out, c, &in, precompiled_autoconfig, "autoconfig");
}

/* Autodiscover errors are XML with HTTP 200 (SPEC §2). */
static int autodiscover_error(struct reply *out, int code, time_t now)
{
	buf_reset(&out->body);
	if (autodiscover_render_error(&out->body, code, now) < 0)
		return render_failed(out, "autodiscover error", "-");
	out->status = 200;
	out->content_type = CT_XML;
	return 0;
}

/* A redirect to url (built by the caller, freed here); text is the body. */
static int redirect(struct reply *out, int status, const char *text,
		    struct buf *url)
{
	int rc;

	reply_text(out, status, text);
	rc = url->failed ? -1 : reply_header(out, "Location", url->data);
	buf_free(url);
	return rc;
}

/* Outlook's third step: GET http://autodiscover.<domain>/... -> 302 to
 * https, when the operator serves HTTPS in front (server.https_in_front). */
static int autodiscover_redirect(struct reply *out, const struct call *c)
{
	struct buf url = BUF_INIT; /* freed by redirect() */

	buf_printf(&url,
		   "https://autodiscover.%s/autodiscover/autodiscover.xml",
		   c->r->domain);
	return redirect(out, 302, "Found.", &url);
}

/* ActiveSync is opt-in per domain (SPEC §8); without it, the mobilesync
 * schema gets 601 as any schema we do not serve. */
static int mobilesync(struct reply *out, const struct render_input *in)
{
	if (in->account->activesync_url == NULL)
		return autodiscover_error(out, AUTODISCOVER_BAD_SCHEMA,
					  in->now);
	if (autodiscover_render_mobilesync(&out->body, in) < 0)
		return render_failed(out, "mobilesync", in->domain);
	out->status = 200;
	out->content_type = CT_XML;
	return 0;
}

static int handle_autodiscover(struct reply *out, const struct call *c)
{
	const struct request *r = c->r;
	struct render_input in = {.model = c->m, .now = c->now};
	struct address addr;
	int code;

	if (r->method != METHOD_POST) {
		if (c->m->https_in_front && !r->via_https &&
		    model_find_domain(c->m, r->domain) != NULL)
			return autodiscover_redirect(out, c);
		return autodiscover_error(out, AUTODISCOVER_INVALID_REQUEST,
					  c->now);
	}
	code = autodiscover_parse(&addr, r->body, r->body_len);
	if (code != 0 && code != AUTODISCOVER_MOBILESYNC)
		return autodiscover_error(out, code, c->now);
	in.account = model_find_domain(c->m, addr.domain);
	if (in.account == NULL)
		return autodiscover_error(out,
					  code ? AUTODISCOVER_BAD_SCHEMA
					       : AUTODISCOVER_UNKNOWN_USER,
					  c->now);
	in.domain = addr.domain;
	in.addr = &addr;
	if (code == AUTODISCOVER_MOBILESYNC)
		return mobilesync(out, &in);
	return answer_xml(out, c, &in, precompiled_autodiscover,
			  "autodiscover");
}

static int json_reply(struct reply *out, int status, const char *code,
		      const char *message)
{
	buf_reset(&out->body);
	if (autodiscover_json_error(&out->body, code, message) < 0)
		return render_failed(out, "autodiscover.json", "-");
	out->status = status;
	out->content_type = CT_JSON;
	return 0;
}

/* The address of a v1.0/<address> path or the Email parameter: 1 if
 * found (into addr), 0 if none, -1 if malformed. */
static int json_address(const struct request *r, struct address *addr)
{
	const char *why = NULL;
	size_t n = strlen(AD_JSON_V1);

	if (strncasecmp(r->path, AD_JSON_V1, n) == 0)
		return address_parse(addr, r->path + n, &why) == 0 ? 1 : -1;
	if (r->has_addr) {
		if (!r->addr_ok)
			return -1;
		*addr = r->addr;
		return 1;
	}
	return 0;
}

/* The name for the POX URL: the one the client used, when it belongs to
 * the domain; else autodiscover.<domain>. Never an arbitrary Host. */
static void json_url_host(char *out, size_t n, const struct request *r,
			  const char *domain)
{
	if (strcmp(r->host, domain) == 0 ||
	    (strncmp(r->host, "autodiscover.", 13) == 0 &&
	     strcmp(r->host + 13, domain) == 0))
		snprintf(out, n, "%s", r->host);
	else
		snprintf(out, n, "autodiscover.%s", domain);
}

/* autodiscover.json?Protocol=ActiveSync, for a domain that opted in to
 * it ("activesync": {"json": true}): 1 if answered, 0 if the caller
 * answers as for any protocol we do not serve. */
static int activesync_json(struct reply *out, const struct call *c,
			   const char *domain)
{
	const struct account *a;
	struct buf url = BUF_INIT; /* freed below */
	int st;

	a = domain[0] ? model_find_domain(c->m, domain) : NULL;
	if (a == NULL || a->activesync_url == NULL || !a->activesync_json)
		return 0;
	expand(&url, a->activesync_url, domain, NULL);
	st = url.failed
		 ? -1
		 : autodiscover_json_url(&out->body, "ActiveSync", url.data);
	buf_free(&url);
	if (st < 0)
		return render_failed(out, "autodiscover.json", domain) < 0;
	out->status = 200;
	out->content_type = CT_JSON;
	out->cache = CACHE_PUBLIC;
	return 1;
}

/* A protocol we do not answer (or none): Exchange's InvalidProtocol. */
static int json_bad_protocol(struct reply *out, const char *proto)
{
	int st = autodiscover_json_render(&out->body, proto, "");

	out->status = st;
	out->content_type = CT_JSON;
	return st < 0 ? render_failed(out, "autodiscover.json", "-") : 0;
}

static int handle_autodiscover_json(struct reply *out, const struct call *c)
{
	char proto[64], host[DOMAIN_MAX + 32];
	struct address addr;
	const char *domain = c->r->domain;
	int found, st, v1;

	found =
	    request_query_get(c->r->query, "Protocol", proto, sizeof(proto));
	v1 = found > 0 && strcasecmp(proto, "AutodiscoverV1") == 0;
	if (!v1 && (found <= 0 || strcasecmp(proto, "ActiveSync") != 0))
		return json_bad_protocol(out, found > 0 ? proto : NULL);
	/* the same address rules for every protocol we answer */
	found = json_address(c->r, &addr);
	if (found < 0)
		return json_reply(out, 400, "InvalidUser",
				  "The email address is not valid.");
	if (found > 0)
		domain = addr.domain;
	if (!v1) /* ActiveSync: answered where the domain opted in */
		return activesync_json(out, c, domain) == 1
			   ? 0
			   : json_bad_protocol(out, proto);
	if (domain[0] == '\0' || model_find_domain(c->m, domain) == NULL)
		return json_reply(out, 404, "NotFound",
				  "This domain is not hosted here.");
	json_url_host(host, sizeof(host), c->r, domain);
	st = autodiscover_json_render(&out->body, proto, host);
	out->status = st;
	out->content_type = CT_JSON;
	out->cache = CACHE_PUBLIC;
	return st < 0 ? render_failed(out, "autodiscover.json", domain) : 0;
}

/* A short page for a person whose browser asked for a page or a profile
 * (templates/error.html). Nothing from the request is echoed. */
static int html_error(struct reply *out, const struct call *c, int status,
		      enum page_error what)
{
	buf_reset(&out->body);
	if (setup_page_render_error(&out->body, c->m, status, what) < 0)
		return render_failed(out, "error page", "-");
	out->status = status;
	out->content_type = CT_HTML;
	return 0;
}

/* ?type=imap|pop3 (or pop). */
static enum profile_type profile_type(const struct request *r)
{
	char v[16];

	if (request_query_get(r->query, "type", v, sizeof(v)) != 1 || !v[0])
		return PROFILE_PREFERRED;
	if (strcasecmp(v, "imap") == 0)
		return PROFILE_IMAP;
	if (strcasecmp(v, "pop3") == 0 || strcasecmp(v, "pop") == 0)
		return PROFILE_POP3;
	return PROFILE_UNKNOWN;
}

/* ?name=: the sender name, if it is short printable UTF-8. */
static const char *profile_name(const struct request *r, char *v, size_t n)
{
	size_t i;

	if (request_query_get(r->query, "name", v, n) != 1 || !v[0] ||
	    !utf8_valid(v, strlen(v)))
		return NULL;
	for (i = 0; v[i] != '\0'; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7F)
			return NULL;
	return v;
}

static int profile_headers(struct reply *out, const char *domain)
{
	struct buf cd = BUF_INIT; /* freed below */
	int rc;

	buf_puts(&cd, "attachment; filename=\""); /* printf was 3% of it */
	buf_puts(&cd, domain);
	buf_puts(&cd, ".mobileconfig\"");
	rc = cd.failed ? -1 : reply_header(out, "Content-Disposition", cd.data);
	buf_free(&cd);
	out->status = 200;
	out->content_type = CT_PROFILE;
	out->cache = CACHE_PRIVATE;
	return rc < 0 ? -1
		      : reply_header_static(out, "Vary", "Accept-Language");
}

struct sign_job {
	struct signer *signer;
	const struct buf *plist;
};

static int sign(struct buf *der, void *cls)
{
	const struct sign_job *j = cls;

	return signer_sign(j->signer, der, j->plist->data, j->plist->len);
}

/* Replaces the plist in out->body by its CMS SignedData: the one kept
 * for exactly these plist bytes by this model's signer, else a new
 * signature, then kept (a signature is 8 times the CPU of the rest of
 * the answer: issue 25). */
static int profile_sign(struct reply *out, const struct model *m)
{
	struct buf der = BUF_INIT; /* swapped into out->body */
	struct buf plist = out->body;
	struct sign_job j = {m->signer, &plist};

	if (bytecache_fetch(m->signed_profiles, plist.data, plist.len, &der,
			    sign, &j, &out->body_hash) < 0) {
		buf_free(&der);
		return -1;
	}
	out->body = der; /* body_hash: its hash, taken when it was signed */
	buf_free(&plist);
	return 0;
}

/* A person's browser on plain HTTP while we serve HTTPS: send it there
 * (safe for the page and the profile; never for the autoconfig GET,
 * which clients fetch over plain HTTP as a fallback). */
static int https_redirect(struct reply *out, const struct request *r)
{
	struct buf url = BUF_INIT; /* freed by redirect() */

	if (r->https_port == 443)
		buf_printf(&url, "https://%s%s", r->host, r->target);
	else
		buf_printf(&url, "https://%s:%u%s", r->host, r->https_port,
			   r->target);
	return redirect(out, 301, "Moved to HTTPS.", &url);
}

/* Only names we serve are sent to HTTPS: a redirect to any Host would
 * let anyone send a person to a name of their choosing. */
static int wants_https(const struct model *m, const struct request *r)
{
	return !r->via_https && r->https_port != 0 && r->target != NULL &&
	       model_serves_host(m, r->host);
}

static int handle_profile(struct reply *out, const struct call *c)
{
	const struct request *r = c->r;
	struct render_input in = {.model = c->m, .now = c->now};
	struct profile_options opt = {
	    profile_type(r), r->lang, NULL, {NULL, NULL}};
	char name[256];
	int rc;

	if (wants_https(c->m, r))
		return https_redirect(out, r);
	if (!r->has_addr)
		return html_error(out, c, 400, PAGE_ERROR_NO_ADDRESS);
	if (!r->addr_ok || opt.type == PROFILE_UNKNOWN)
		return html_error(out, c, 400, PAGE_ERROR_BAD_ADDRESS);
	in.account = model_find_domain(c->m, r->addr.domain);
	if (in.account == NULL)
		return html_error(out, c, 404, PAGE_ERROR_NOT_HOSTED);
	in.domain = r->addr.domain;
	in.addr = &r->addr;
	opt.account_name = profile_name(r, name, sizeof(name));
	if (resolve_login(out, c, &in))
		return 0;
	rc = precompiled_profile(&out->body, &out->body_hash, &in, &opt);
	if (rc == 1)
		return html_error(out, c, 404, PAGE_ERROR_NO_SERVER_TYPE);
	if (rc < 0 || (c->m->signer && profile_sign(out, c->m) < 0))
		return render_failed(out, "profile", in.domain);
	return profile_headers(out, in.domain);
}

static int page_headers(struct reply *out, int status)
{
	out->status = status;
	out->content_type = CT_HTML;
	/* No script, no outside resource: the page needs neither. */
	return reply_header_static(
	    out, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'; "
	    "img-src data:; form-action 'self'; "
	    "frame-ancestors 'none'");
}

/* The service's own names: its service_host, localhost, an IP address. */
static int own_name(const struct model *m, const struct request *r)
{
	return r->host_literal || strcmp(r->host, "localhost") == 0 ||
	       (r->host[0] != '\0' &&
		strcmp(r->host, m->provider.service_host) == 0);
}

/* "/" on the service's own name: what it is, and a field for an address
 * that leads to that domain's setup page. Lists no hosted domain. */
static int front_page(struct reply *out, const struct call *c,
		      const struct setup_options *opt)
{
	if (setup_page_render_index(&out->body, c->m, opt) < 0)
		return render_failed(out, "front page", "-");
	out->cache = CACHE_PUBLIC;
	if (reply_header_static(out, "Vary", "Accept-Language") < 0)
		return -1;
	return page_headers(out, opt->bad_address ? 400 : 200);
}

static int handle_setup(struct reply *out, const struct call *c)
{
	const struct request *r = c->r;
	struct render_input in = {
	    .model = c->m, .domain = r->domain, .now = c->now};
	struct setup_options opt = {.lang = r->lang,
				    .bad_address = r->has_addr && !r->addr_ok,
				    .display_name = ""};
	char name[256];

	if (wants_https(c->m, r))
		return https_redirect(out, r);
	if (c->m->pages == NULL) {
		log_error("setup page requested but no templates are loaded");
		return reply_text(out, 503, "No setup page here.");
	}
	in.account = r->domain[0] ? model_find_domain(c->m, r->domain) : NULL;
	if (in.account == NULL && !r->addr_ok && own_name(c->m, r))
		return front_page(out, c, &opt);
	if (in.account == NULL)
		return html_error(out, c, opt.bad_address ? 400 : 404,
				  PAGE_ERROR_NOT_HOSTED);
	in.addr = r->addr_ok ? &r->addr : NULL;
	if (profile_name(r, name, sizeof(name)) != NULL)
		opt.display_name = name;
	if (resolve_login(out, c, &in))
		return 0;
	if (setup_page_fill(&out->body, &out->body_hash, &in, &opt) < 0)
		return render_failed(out, "setup page", in.domain);
	out->cache = in.addr ? CACHE_PRIVATE : CACHE_PUBLIC;
	if (reply_header_static(out, "Vary", "Accept-Language") < 0)
		return -1;
	return page_headers(out, opt.bad_address ? 400 : 200);
}

/* For a TLS proxy that gets certificates on demand (Caddy's "ask"):
 * 200 if ?domain= is a name the built-in ACME client would order (the
 * same rule: model_cert_order), else 404. Reveals no more than the
 * autoconfig answers do. */
static int handle_hosted(struct reply *out, const struct call *c)
{
	char name[REQUEST_VALUE_MAX + 1], dom[DOMAIN_MAX + 1];
	const char *why = NULL;
	struct cert_names order;

	if (request_query_get(c->r->query, "domain", name, sizeof(name)) != 1 ||
	    domain_normalize(dom, name, strlen(name), &why) < 0)
		return reply_text(out, 400, "Give ?domain=NAME.");
	if (!model_cert_order(c->m, dom, &order))
		return reply_text(out, 404, "Not hosted here.");
	return reply_text(out, 200, "Hosted here.");
}

/* RFC 6764 5: /.well-known/caldav and /carddav on a hosted domain's names
 * redirect to its DAV service; 404 where it has none. Any method: DAV
 * clients ask with PROPFIND. */
static int well_known_dav(struct reply *out, const struct call *c, int card)
{
	const char *domain = NULL;
	const struct account *a = model_find_host(c->m, c->r->host, &domain);
	const struct dav *d = a ? (card ? a->carddav : a->caldav) : NULL;
	struct buf url = BUF_INIT; /* freed by redirect() */

	if (d == NULL)
		return reply_text(out, 404,
				  a ? "This domain offers no such service."
				    : "This domain is not hosted here.");
	expand_dav_url(&url, d, domain);
	return redirect(out, 301, "Moved.", &url);
}

/* A document served on its own name of a hosted domain that has it on
 * (mta-sts.<domain>, ua-auto-config.<domain>). */
struct host_document {
	const char *kind;	  /* for the log of a failed render */
	const char *missing;	  /* the 404's text */
	const char *content_type; /* static */
	enum cache_policy cache;
	const struct account *(*find)(const struct model *m, const char *host,
				      const char **domain);
	int (*render)(struct buf *out, const struct model *m,
		      const struct account *a, const char *domain);
};

static int serve_host_document(struct reply *out, const struct call *c,
			       const struct host_document *doc)
{
	const char *domain = NULL;
	const struct account *a = doc->find(c->m, c->r->host, &domain);

	if (a == NULL)
		return reply_text(out, 404, doc->missing);
	if (doc->render(&out->body, c->m, a, domain) < 0)
		return render_failed(out, doc->kind, domain);
	out->status = 200;
	out->content_type = doc->content_type;
	out->cache = doc->cache;
	return 0;
}

static int render_sts(struct buf *out, const struct model *m,
		      const struct account *a, const char *domain)
{
	(void)m;
	return mta_sts_render(out, a, domain);
}

static int render_pacc(struct buf *out, const struct model *m,
		       const struct account *a, const char *domain)
{
	return pacc_render(out, m, a, domain, a->pacc.revision);
}

/* RFC 8461 §3.2: the policy on mta-sts.<domain>; text/plain, never
 * cached by HTTP (senders may not). */
static int handle_mta_sts(struct reply *out, const struct call *c)
{
	static const struct host_document sts = {
	    .kind = "mta-sts",
	    .missing = "No MTA-STS policy here.",
	    .content_type = "text/plain; charset=utf-8",
	    .cache = CACHE_NONE,
	    .find = model_find_sts_host,
	    .render = render_sts};

	return serve_host_document(out, c, &sts);
}

/* SPEC §10.1: the PACC document on ua-auto-config.<domain>; the bytes
 * its _ua-auto-config digest pins. */
static int handle_pacc(struct reply *out, const struct call *c)
{
	static const struct host_document pacc = {.kind = "pacc",
						  .missing =
						      "No PACC document here.",
						  .content_type = CT_JSON,
						  .cache = CACHE_PUBLIC,
						  .find = model_find_pacc_host,
						  .render = render_pacc};

	return serve_host_document(out, c, &pacc);
}

static int handle_caldav(struct reply *out, const struct call *c)
{
	return well_known_dav(out, c, 0);
}

static int handle_carddav(struct reply *out, const struct call *c)
{
	return well_known_dav(out, c, 1);
}

static const struct route_entry routes[] = {
    {ROUTE_AUTOCONFIG, "/mail/config-v1.1.xml", 0, M_GET | M_HEAD, "GET, HEAD",
     handle_autoconfig},
    {ROUTE_AUTOCONFIG, "/.well-known/autoconfig/mail/config-v1.1.xml", 0,
     M_GET | M_HEAD, "GET, HEAD", handle_autoconfig},
    {ROUTE_AUTODISCOVER, "/autodiscover/autodiscover.xml", 0,
     M_GET | M_HEAD | M_POST, "GET, HEAD, POST", handle_autodiscover},
    {ROUTE_AUTODISCOVER_JSON, "/autodiscover/autodiscover.json", 0,
     M_GET | M_HEAD, "GET, HEAD", handle_autodiscover_json},
    {ROUTE_AUTODISCOVER_JSON, AD_JSON_V1, 1, M_GET | M_HEAD, "GET, HEAD",
     handle_autodiscover_json},
    {ROUTE_PROFILE, "/apple/mail.mobileconfig", 0, M_GET | M_HEAD, "GET, HEAD",
     handle_profile},
    {ROUTE_SETUP, "/", 0, M_GET | M_HEAD, "GET, HEAD", handle_setup},
    {ROUTE_HOSTED, "/.well-known/mailconfd/hosted", 0, M_GET | M_HEAD,
     "GET, HEAD", handle_hosted},
    {ROUTE_SETUP, "/setup", 0, M_GET | M_HEAD, "GET, HEAD", handle_setup},
    {ROUTE_WELL_KNOWN_DAV, "/.well-known/caldav", 0, M_ANY, "", handle_caldav},
    {ROUTE_MTA_STS, "/.well-known/mta-sts.txt", 0, M_GET | M_HEAD, "GET, HEAD",
     handle_mta_sts},
    {ROUTE_PACC, "/.well-known/user-agent-configuration.json", 0,
     M_GET | M_HEAD, "GET, HEAD", handle_pacc},
    {ROUTE_WELL_KNOWN_DAV, "/.well-known/carddav", 0, M_ANY, "",
     handle_carddav},
};

static const struct route_entry *route_find(const char *path)
{
	size_t i, n;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		n = strlen(routes[i].path);
		if (routes[i].prefix ? strncasecmp(routes[i].path, path, n) == 0
				     : strcasecmp(routes[i].path, path) == 0)
			return &routes[i];
	}
	return NULL;
}

static int route(struct reply *out, const struct model *m,
		 const struct request *r, time_t now)
{
	const struct route_entry *rt = r->path_ok ? route_find(r->path) : NULL;
	struct call c = {.m = m, .r = r, .now = now};
	struct buf msg = BUF_INIT; /* freed below */

	if (r->bad_host != NULL) { /* RFC 9112 3.2 */
		buf_printf(&msg, "Bad request: %s.", r->bad_host);
		reply_text(out, 400, msg.failed ? "Bad request." : msg.data);
		buf_free(&msg);
		return 0;
	}
	if (r->bad_query != NULL)
		return reply_text(out, 400,
				  "Bad request: too many query parameters.");
	if (!r->path_ok)
		return reply_text(out, 400, "Bad request path.");
	if (rt == NULL)
		return reply_text(out, 404, "Not found.");
	out->route = rt->id;
	if ((rt->methods & (1u << r->method)) == 0) {
		reply_text(out, 405, "Method not allowed.");
		return reply_header_static(out, "Allow", rt->allow);
	}
	return rt->handle(out, &c);
}

int dispatch(struct reply *out, const struct model *m, const struct request *r,
	     time_t now)
{
	int rc;

	/* One allocation for most answers (autoconfig 1.5 KB, profile 3 KB)
	 * instead of a doubling chain from 256 bytes. */
	buf_grow_by(&out->body, 4096);
	rc = route(out, m, r, now);
	if (out->pending)
		return rc;
	if (reply_finish(out, m->version) < 0)
		rc = -1;
	return rc;
}
