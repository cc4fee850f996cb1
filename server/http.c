/* http.c - the HTTP server on libmicrohttpd.
 *
 * The one module that includes <microhttpd.h> (STYLE: one module owns
 * MHD, one flat dispatch function, MHD's log routed into ours). */
#include "http.h"

#include <arpa/inet.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "acme.h"
#include "admin_probe.h"
#include "dispatch.h"
#include "elapsed.h"
#include "escape.h"
#include "directory.h"
#include "directory_lookup.h"
#include "log.h"
#include "directory_conf.h"
#include "sources/source.h"
#include "request.h"
#include "netaddr.h"
#include "reaper.h"
#include "strcopy.h"
#include "tls.h"
#include "tls_tickets.h"

#define ADMIN_MAX_CONNECTIONS 256 /* room for probes beside slow clients */
#define ADMIN_PER_IP	      8	  /* so one address cannot take it all */
#define ADMIN_TIMEOUT_S	      5	  /* head, body; and the idle time */

struct http {
	struct MHD_Daemon *daemon; /* owned */
	struct model_slot *slot;   /* borrowed from main() */
	unsigned port;
	enum access_log access_log;
	struct metrics *metrics; /* borrowed from main(), may be NULL */
	int tls;
	unsigned https_port;
	struct directory_state *directory; /* borrowed from main(), or NULL */
	struct directory_pool *lookups;	   /* borrowed from main(), or NULL */
	struct acme *acme;		   /* borrowed from main(), or NULL */
	struct admin_probe *probe;	   /* borrowed from main(), or NULL */
	struct tls_tickets *tickets;	   /* owned; NULL: plain HTTP */
	struct reaper reaper;		   /* the connections' deadlines */
	int reaping;			   /* reaper started */
};

struct peer; /* below: one per connection */

/* One per request: from the request line to the completion callback. */
struct exchange {
	struct http *http;
	struct peer *peer;   /* its connection's (borrowed; may be NULL) */
	struct model *model; /* one reference, from the first handler call */
	char *uri;	     /* owned copy of the raw request target */
	struct buf body;     /* owned: the request body, capped */
	struct timespec start;
	int started;
	enum route route; /* from the reply */
	int status;
	size_t bytes;
	char method[16];
	int http10;		/* the request line said HTTP/1.0 */
	struct lookup_job *job; /* one reference: the login lookup, or NULL */
	struct login_resolver resolver;
	char login[LOOKUP_LOGIN_MAX]; /* the directory's answer */
};

static void exchange_free(struct exchange *x)
{
	if (x == NULL)
		return;
	directory_lookup_release(x->job);
	model_unref(x->model);
	free(x->uri);
	buf_free(&x->body);
	free(x);
}

/* We parse the query ourselves (request.c, from our copy of the target).
 * libmicrohttpd would parse it again right after on_uri() into records
 * in the connection's pool, and ~130 empty parameters exhaust that pool:
 * MHD then half-sends a 431 and the connection hangs until its timeout.
 * So its copy ends at the '?': the target is MHD's read buffer, which
 * it cuts there itself next. */
static void hide_query(const char *uri)
{
	char *q = strchr(uri, '?');

	if (q != NULL && q[1] != '\0')
		q[1] = '\0';
}

/* MHD calls this with the raw target, before any parsing: the exchange
 * starts here, so even requests MHD rejects itself are logged. */
static struct peer *peer_of(struct MHD_Connection *c);

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct exchange *x = calloc(1, sizeof(*x)); /* freed in on_done */

	if (x == NULL)
		return NULL;
	x->http = cls;
	x->peer = peer_of(c); /* lives longer than the exchange */
	elapsed_start(&x->start);
	x->uri = strdup(uri);
	hide_query(uri);
	return x;
}

static void client_address(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, n, "-");
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  out, (socklen_t)n);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)n);
}

/* One per connection, to log those that close before a whole request
 * (slowloris, half requests, garbage): otherwise they leave no trace. */
struct peer {
	unsigned requests;
	struct timespec start;
	struct http *http; /* the listener: for the certificate callback */
	struct model *tls_model;     /* a reference while the TLS session needs
					the certificate it was given */
	struct cert_entry *cert;     /* a reference, the same way, to an ACME
					certificate it was given, or NULL */
	struct reaper_conn deadline; /* registered with http->reaper */
	int reaped;		     /* registered */
};

static struct peer *peer_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

/* A new connection: its request head is due (reaper.h). */
static void peer_watch(struct http *h, struct peer *p, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *ai =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	if (!h->reaping || ci == NULL)
		return;
	reaper_add(&h->reaper, &p->deadline, ci->connect_fd,
		   ai ? ai->client_addr : NULL);
	p->reaped = 1;
}

/* MHD's accept policy: room for new addresses under pressure. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr,
				 socklen_t addrlen)
{
	struct http *h = cls;

	(void)addrlen;
	return !h->reaping || reaper_admit(&h->reaper, addr) ? MHD_YES : MHD_NO;
}

/* The request head on p (may be NULL) is in: its body is due. */
static void peer_head_done(struct peer *p)
{
	if (p != NULL && p->reaped)
		reaper_head_done(&p->http->reaper, &p->deadline);
}

/* The request on p (may be NULL) is whole: no deadline while it is
 * answered. */
static void peer_request_done(struct peer *p)
{
	if (p != NULL && p->reaped)
		reaper_request_done(&p->deadline);
}

/* MHD has made the connection's TLS session and not begun its handshake:
 * it may issue and take session tickets. */
static void enable_tickets(struct http *h, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;

	if (h->tickets == NULL)
		return;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci != NULL && tls_tickets_enable(h->tickets, ci->tls_session) < 0)
		log_error("TLS session tickets: not enabled for a connection");
}

static void on_connection(void *cls, struct MHD_Connection *c, void **ctx,
			  enum MHD_ConnectionNotificationCode what)
{
	struct http *h = cls;
	struct peer *p = *ctx; /* freed here when the connection closes */
	char client[INET6_ADDRSTRLEN];

	if (what == MHD_CONNECTION_NOTIFY_STARTED) {
		enable_tickets(h, c);
		p = calloc(1, sizeof(struct peer));
		if (p != NULL) {
			elapsed_start(&p->start);
			p->http = h;
			peer_watch(h, p, c);
		}
		*ctx = p;
		return;
	}
	if (p != NULL && p->reaped) /* before MHD closes the socket */
		reaper_remove(&h->reaper, &p->deadline);
	if (p != NULL && p->requests == 0 && h->access_log != ACCESS_LOG_OFF) {
		client_address(c, client, sizeof(client));
		fprintf(stderr,
			"access: %s - - closed before a whole request, after "
			"%.1f s\n",
			client, (double)elapsed_us(&p->start) / 1e6);
	}
	if (p != NULL) {
		model_unref(p->tls_model);
		cert_entry_release(p->cert);
	}
	free(p);
	*ctx = NULL;
}

/* The certificate for sni: the operator's files when one is made out
 * to the name, else the ACME client's for it (queued when missing), else
 * the files' first, else the ACME certificate of the service host. */
static int pick_certificate(struct peer *p, const char *sni,
			    gnutls_pcert_st **pcert, unsigned *n,
			    gnutls_privkey_t *key)
{
	const struct model *m = p->tls_model;
	struct acme *acme = p->http->acme;
	int rc = tls_store_pick(m->tls, sni, pcert, n, key);

	if (rc == 1 || acme == NULL)
		return rc < 0 ? -1 : 0;
	if (p->cert == NULL && sni != NULL)
		p->cert = acme_certificate(acme, m, sni);
	if (p->cert == NULL && rc < 0)
		p->cert = acme_certificate(acme, m, m->provider.service_host);
	if (p->cert == NULL)
		return rc < 0 ? -1 : 0;
	cert_entry_credentials(p->cert, pcert, n, key);
	return 0;
}

/* GnuTLS asks for a certificate during the handshake: the one the SNI
 * name picks from the table in service. MHD puts the connection in the
 * session's pointer; our connection context leads to the listener. */
static int on_certificate(gnutls_session_t session,
			  const gnutls_datum_t *req_ca_rdn, int nreqs,
			  const gnutls_pk_algorithm_t *pk_algos,
			  int pk_algos_length, gnutls_pcert_st **pcert,
			  unsigned int *pcert_length, gnutls_privkey_t *key)
{
	struct MHD_Connection *c = gnutls_session_get_ptr(session);
	const union MHD_ConnectionInfo *ci =
	    c ? MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT)
	      : NULL;
	struct peer *p = ci ? ci->socket_context : NULL;
	char name[256];
	size_t len = sizeof(name) - 1;
	unsigned type = 0;

	(void)req_ca_rdn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	if (p == NULL)
		return -1;
	if (p->tls_model == NULL)
		p->tls_model = model_slot_acquire(p->http->slot);
	if (gnutls_server_name_get(session, name, &len, &type, 0) != 0 ||
	    type != GNUTLS_NAME_DNS)
		len = 0;
	name[len] = '\0';
	return pick_certificate(p, len ? name : NULL, pcert, pcert_length, key);
}

/* Counts a request on its connection p (may be NULL: see struct peer);
 * the next head is due after the idle time. */
static void peer_count(struct peer *p)
{
	if (p == NULL)
		return;
	p->requests++;
	if (p->reaped)
		reaper_answered(&p->http->reaper, &p->deadline);
}

/* What an access line says, made safe for the log once. */
struct log_line {
	char client[INET6_ADDRSTRLEN], path[1100], method[80];
};

static void log_prepare(struct log_line *l, struct MHD_Connection *c,
			const struct exchange *x)
{
	char path[300];

	client_address(c, l->client, sizeof(l->client));
	request_log_path(path, sizeof(path), x->uri);
	escape_log(l->path, sizeof(l->path), path, 256);
	escape_log(l->method, sizeof(l->method), x->method[0] ? x->method : "-",
		   15);
}

static void log_plain(const struct log_line *l, const struct exchange *x,
		      long long us, int aborted)
{
	fprintf(stderr, "access: %s %s %s %d %zu %lldus%s\n", l->client,
		l->method, l->path, x->status, x->bytes, us,
		aborted ? " (aborted)" : "");
}

/* One JSON object per line, for log shippers. */
static void log_json(const struct log_line *l, const struct exchange *x,
		     long long us, int aborted)
{
	struct buf line = BUF_INIT; /* freed below */

	buf_puts(&line, "{\"client\":\"");
	buf_puts(&line, l->client);
	buf_puts(&line, "\",\"method\":\"");
	escape_json(&line, l->method);
	buf_puts(&line, "\",\"path\":\"");
	escape_json(&line, l->path);
	buf_printf(&line,
		   "\",\"route\":\"%s\",\"status\":%d,\"bytes\":%zu,"
		   "\"us\":%lld,\"aborted\":%s}\n",
		   route_name(x->route), x->status, x->bytes, us,
		   aborted ? "true" : "false");
	if (!line.failed)
		fputs(line.data, stderr);
	buf_free(&line);
}

/* The access log: client, method, path (no query, no address), status,
 * bytes, us;
 * and the metrics. */
static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct http *h = cls;
	struct exchange *x = *con_cls;
	long long us;
	int aborted = toe != MHD_REQUEST_TERMINATED_COMPLETED_OK;

	if (x == NULL)
		return;
	peer_count(x->peer);
	us = elapsed_us(&x->start);
	if (h->metrics != NULL && x->status != 0)
		metrics_request(h->metrics, x->route, x->status, us);
	if (h->access_log != ACCESS_LOG_OFF) {
		struct log_line l;
		log_prepare(&l, c, x);
		if (h->access_log == ACCESS_LOG_PLAIN)
			log_plain(&l, x, us, aborted);
		else
			log_json(&l, x, us, aborted);
	}
	exchange_free(x);
	*con_cls = NULL;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, struct exchange *x,
				  struct reply *r)
{
	struct MHD_Response *resp;
	size_t len = r->body.len, i;
	char *data = buf_steal(&r->body); /* handed to MHD with free() */
	enum MHD_Result ret;

	if (data == NULL)
		resp = MHD_create_response_from_buffer(0, (void *)"",
						       MHD_RESPMEM_PERSISTENT);
	else
		resp = MHD_create_response_from_buffer_with_free_callback(
		    len, data, free);
	if (resp == NULL) {
		free(data);
		return MHD_NO;
	}
	if (r->status == 304) /* lets us send the 200's Content-Length */
		MHD_set_response_options(
		    resp, MHD_RF_INSANITY_HEADER_CONTENT_LENGTH, MHD_RO_END);
	if (r->content_type != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					r->content_type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (x->http != NULL && x->http->tls) /* RFC 6797: this name is HTTPS */
		MHD_add_response_header(resp, "Strict-Transport-Security",
					"max-age=31536000");
	for (i = 0; i < r->n_headers; i++)
		MHD_add_response_header(resp, r->headers[i].name,
					r->headers[i].value);
	x->status = r->status;
	x->route = r->route;
	x->bytes = len;
	ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_text(struct MHD_Connection *c, struct exchange *x,
				 int status, const char *text)
{
	struct reply r = {0};
	enum MHD_Result ret;

	reply_text(&r, status, text);
	reply_finish(&r, ""); /* an error: Cache-Control: no-store */
	ret = send_reply(c, x, &r);
	reply_free(&r);
	return ret;
}

/* Checks made once the headers are in, before any body is read. Returns
 * 0 to go on, or the status of an early answer. */
static int early_check(struct MHD_Connection *c, struct exchange *x)
{
	const struct limits *l = &x->model->limits;
	const char *cl;
	char *end = NULL;
	unsigned long long n;

	if (x->uri == NULL)
		return 500;
	if (strlen(x->uri) > (size_t)l->max_url_length)
		return 414;
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL) {
		n = strtoull(cl, &end, 10);
		if (end == cl || n > (unsigned long long)l->max_body_bytes)
			return 413;
	}
	return 0;
}

static const char *early_text(int status)
{
	switch (status) {
	case 414:
		return "Request target too long.";
	case 413:
		return "Request body too large.";
	default:
		return "Internal error.";
	}
}

/* The client has this answer already: 304, same validators, no body. */
static void not_modified(struct reply *r)
{
	/* libmicrohttpd adds "Content-Length: 0"; caches ignore a 304's
	 * Content-Length (RFC 9111 3.2), so the stored one stays. */
	r->status = 304;
	r->content_type = NULL;
	buf_reset(&r->body);
}

/* From a trusted proxy only (server.trusted_proxies): the name and the
 * scheme the client used, from Forwarded or X-Forwarded-Host/-Proto. */
static int forwarded(struct MHD_Connection *c, const struct model *m,
		     char *host, size_t hostsz, char *proto, size_t protosz)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *v;

	host[0] = proto[0] = '\0';
	if (ci == NULL ||
	    !cidr_match_any(m->trusted, m->n_trusted, ci->client_addr))
		return 0;
	if ((v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					     "Forwarded")) != NULL) {
		request_forwarded_param(v, "host", host, hostsz);
		request_forwarded_param(v, "proto", proto, protosz);
	}
	if (!host[0] && (v = MHD_lookup_connection_value(
			     c, MHD_HEADER_KIND, "X-Forwarded-Host")) != NULL)
		request_last_item(v, host, hostsz);
	if (!proto[0] && (v = MHD_lookup_connection_value(
			      c, MHD_HEADER_KIND, "X-Forwarded-Proto")) != NULL)
		request_last_item(v, proto, protosz);
	return 1;
}

static enum MHD_Result count_host(void *cls, enum MHD_ValueKind kind,
				  const char *key, const char *value)
{
	(void)kind;
	(void)value;
	if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
		(*(unsigned *)cls)++;
	return MHD_YES;
}

/* The request's login from the directory (request.h): the cache, a
 * lookup under way, or its outcome once the request is resumed. */
static enum login_outcome
login_from_directory(void *cls, const struct address *a, const char **login)
{
	struct exchange *x = cls;

	*login = x->login;
	if (x->job != NULL) /* resumed: the lookup's outcome */
		return directory_lookup_result(x->job, x->login,
					       sizeof(x->login));
	return directory_lookup_prepare(x->http->lookups, x->model, a, x->login,
					sizeof(x->login), &x->job);
}

static void resume_connection(void *cls)
{
	MHD_resume_connection(cls);
}

/* A lookup is under way: the connection waits (no thread does) until the
 * pool resumes it; MHD then calls on_request() again. */
static enum MHD_Result suspend(struct MHD_Connection *c, struct exchange *x)
{
	MHD_suspend_connection(c);
	directory_lookup_submit(x->http->lookups, x->job, resume_connection, c);
	return MHD_YES;
}

static int wants_logins(const struct exchange *x)
{
	const struct model *m = x->model;

	return x->http->lookups != NULL && m->directory != NULL &&
	       m->directory->login_source >= 0;
}

/* HTTP-01 (SPEC §9.2): the key authorization of a token in flight,
 * before any other answer or redirect; and on the plain listener a
 * request for a name without its certificate queues its order. 1 when
 * r is the answer. */
static int acme_hook(struct http *h, const struct model *m,
		     const struct request *req, struct reply *r)
{
	static const char prefix[] = "/.well-known/acme-challenge/";

	if (h->acme == NULL)
		return 0;
	if (strncmp(req->path, prefix, sizeof(prefix) - 1) != 0) {
		if (!h->tls)
			acme_want(h->acme, m, req->host);
		return 0;
	}
	r->route = ROUTE_ACME_CHALLENGE;
	if (acme_challenge(h->acme, req->path + sizeof(prefix) - 1, &r->body) <
	    0) {
		reply_text(r, 404, "No such challenge.");
		return 1;
	}
	r->status = 200;
	r->content_type = "text/plain";
	r->cache = CACHE_NONE;
	return 1;
}

static enum MHD_Result answer(struct MHD_Connection *c, struct exchange *x)
{
	unsigned n_host = 0;
	struct request req;
	struct reply r = {0};
	enum MHD_Result ret;
	char fhost[300], fproto[16];
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_HOST);
	int trusted = forwarded(c, x->model, fhost, sizeof(fhost), fproto,
				sizeof(fproto));

	request_parse(&req, x->method, x->uri, fhost[0] ? fhost : host);
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_host, &n_host);
	request_require_host(&req, !x->http10, n_host);
	request_set_language(
	    &req, MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					      MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
	req.via_https =
	    x->http->tls || (trusted && strcasecmp(fproto, "https") == 0);
	req.https_port = x->http->https_port;
	req.body = x->body.data;
	req.body_len = x->body.len;
	req.resolver = wants_logins(x) ? &x->resolver : NULL;
	peer_request_done(x->peer);
	if (!acme_hook(x->http, x->model, &req, &r))
		dispatch(&r, x->model, &req, time(NULL));
	if (r.pending) {
		reply_free(&r);
		return suspend(c, x);
	}
	if (req.method != METHOD_POST && r.status == 200 &&
	    request_etag_matches(
		MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					    MHD_HTTP_HEADER_IF_NONE_MATCH),
		reply_get_header(&r, "ETag")))
		not_modified(&r);
	ret = send_reply(c, x, &r);
	reply_free(&r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct http *h = cls;
	struct exchange *x = *con_cls;
	int early;

	(void)url;
	if (x == NULL) /* on_uri ran out of memory */
		return MHD_NO;
	if (!x->started) {
		x->started = 1;
		x->model = model_slot_acquire(h->slot);
		x->resolver.resolve = login_from_directory;
		x->resolver.cls = x;
		str_copy(x->method, sizeof(x->method), method);
		x->http10 = strcmp(version, MHD_HTTP_VERSION_1_0) == 0;
		peer_head_done(x->peer);
		early = early_check(c, x);
		return early ? send_text(c, x, early, early_text(early))
			     : MHD_YES;
	}
	if (*upload_size > 0) {
		if (x->body.len + *upload_size >
		    (size_t)x->model->limits.max_body_bytes) {
			/* A chunked body past the cap: MHD cannot answer in
			 * the middle of a body, so the connection is closed
			 * (logged as 413, aborted). With Content-Length the
			 * 413 went out before the body (early_check). */
			x->status = 413;
			return MHD_NO;
		}
		buf_append(&x->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (x->body.failed)
		return send_text(c, x, 500, early_text(500));
	return answer(c, x);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	log_warn("http: %s", line);
}

/* Fills ss with the listen address; returns its length, 0 if invalid. */
static socklen_t listen_addr(struct sockaddr_storage *ss, const char *addr,
			     unsigned port, int *ipv6)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*ipv6 = 0;
		return sizeof(*v4);
	}
	if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*ipv6 = 1;
		return sizeof(*v6);
	}
	return 0;
}

static struct MHD_Daemon *daemon_start(struct http *h,
				       const struct http_config *cfg,
				       const struct sockaddr *sa, int ipv6)
{
	/* TURBO: no shutdown() before close, optimistic reads: fewer system
	 * calls per request (bench/run: docs/internals.md). */
	unsigned flags =
	    MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TURBO |
	    MHD_ALLOW_SUSPEND_RESUME; /* login lookups (lookup.h) */
	const struct limits *l = &cfg->limits;
	gnutls_certificate_retrieve_function2 *cb = on_certificate;
	struct MHD_OptionItem tls[] = {
	    {MHD_OPTION_HTTPS_CERT_CALLBACK, 0, NULL},
	    {MHD_OPTION_HTTPS_PRIORITIES, 0, NULL},
	    {MHD_OPTION_END, 0, NULL}};

	/* The option array holds a void *: POSIX lets a function pointer
	 * travel in one (as dlsym() does); ISO C has no cast for it. */
	memcpy(&tls[0].ptr_value, &cb, sizeof(tls[0].ptr_value));
	if (ipv6)
		flags |= MHD_USE_IPv6;
	if (cfg->tls)
		flags |= MHD_USE_TLS;
	else
		tls[0].option = MHD_OPTION_END;
	/* libmicrohttpd only reads the string (gnutls_priority_init) */
	memcpy(&tls[1].ptr_value, &cfg->tls_priorities, sizeof(void *));
	if (cfg->tls_priorities == NULL)
		tls[1].option = MHD_OPTION_END;
	return MHD_start_daemon(
	    flags, 0, on_accept, h, on_request, h, MHD_OPTION_EXTERNAL_LOGGER,
	    on_mhd_log, h, MHD_OPTION_SOCK_ADDR, sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)l->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)l->max_connections_per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)l->connection_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)l->max_header_bytes, MHD_OPTION_LISTEN_BACKLOG_SIZE,
	    (unsigned)1024, MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, h,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, h, MHD_OPTION_ARRAY,
	    tls, MHD_OPTION_END);
}

/* A listener's struct with the address parsed; NULL (logged) if the
 * address is not numeric or memory is short. */
static struct http *http_new(const struct http_config *cfg,
			     struct sockaddr_storage *ss, int *ipv6,
			     const char *what)
{
	struct http *h;

	if (listen_addr(ss, cfg->listen, cfg->port, ipv6) == 0) {
		log_error("%s %s: not a numeric IPv4 or IPv6 address", what,
			  cfg->listen);
		return NULL;
	}
	h = calloc(1, sizeof(*h)); /* returned; freed by http_stop() */
	if (h == NULL)
		return NULL;
	h->slot = cfg->slot;
	h->metrics = cfg->metrics;
	h->directory = cfg->directory;
	h->lookups = cfg->lookups;
	h->acme = cfg->acme;
	h->probe = cfg->probe;
	return h;
}

/* Checks the daemon started and reads the port it bound; frees h if not. */
static struct http *http_bound(struct http *h, const struct http_config *cfg,
			       const char *what)
{
	const union MHD_DaemonInfo *info;

	if (h->daemon == NULL) {
		log_error("cannot listen on %s port %u%s", cfg->listen,
			  cfg->port, what);
		if (h->reaping)
			reaper_stop(&h->reaper);
		tls_tickets_free(h->tickets);
		free(h);
		return NULL;
	}
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : cfg->port;
	return h;
}

/* The connections' deadlines (reaper.h), before the first accept. */
static int http_reaper(struct http *h, const struct http_config *cfg,
		       long head_s, long body_s, long idle_s, long max)
{
	struct reaper_counters n = {NULL, NULL};

	if (cfg->metrics != NULL) {
		n.deadline = &cfg->metrics->closed_deadline;
		n.pressure = &cfg->metrics->closed_pressure;
	}
	if (reaper_start(&h->reaper, head_s, body_s, idle_s, max, n) < 0) {
		free(h);
		return -1;
	}
	h->reaping = 1;
	return 0;
}

struct http *http_start(const struct http_config *cfg)
{
	struct sockaddr_storage ss;
	int ipv6 = 0;
	struct http *h = http_new(cfg, &ss, &ipv6, "--listen");
	const struct limits *l = &cfg->limits;

	if (h == NULL ||
	    http_reaper(h, cfg, l->header_timeout, l->body_timeout,
			l->connection_timeout, l->max_connections) < 0)
		return NULL;
	h->access_log = cfg->access_log;
	h->tls = cfg->tls;
	h->https_port = cfg->https_port;
	if (h->tls)
		h->tickets = tls_tickets_new(); /* NULL (logged): none */
	h->daemon = daemon_start(h, cfg, (const struct sockaddr *)&ss, ipv6);
	return http_bound(h, cfg, "");
}

unsigned http_port(const struct http *h)
{
	return h->port;
}

void http_stop(struct http *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->daemon); /* closes every connection */
	if (h->reaping)
		reaper_stop(&h->reaper);
	tls_tickets_free(h->tickets);
	free(h);
}

/* The operators' listener: /healthz and /metrics. */
static enum MHD_Result on_admin(void *cls, struct MHD_Connection *c,
				const char *url, const char *method,
				const char *version, const char *upload,
				size_t *upload_size, void **con_cls)
{
	struct http *h = cls;
	struct model *m = model_slot_acquire(h->slot); /* released below */
	struct reply r = {0};
	struct exchange x = {0};
	enum MHD_Result ret;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)con_cls;
	peer_request_done(peer_of(c));
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		reply_text(&r, 405, "Method not allowed.");
		reply_header_static(&r, "Allow", "GET, HEAD");
	} else if (strcmp(url, "/healthz") == 0) {
		r.status = 200;
		r.content_type = "text/plain; charset=utf-8";
		buf_printf(&r.body, "ok\nversion %s\ndomains %zu\n", m->version,
			   m->n_domains);
		if (h->directory != NULL)
			directory_render_health(&r.body, h->directory);
		if (h->acme != NULL)
			acme_render_health(&r.body, h->acme);
	} else if (strcmp(url, "/metrics") == 0 && h->metrics != NULL) {
		r.status = 200;
		r.content_type = "text/plain; version=0.0.4; charset=utf-8";
		metrics_render(&r.body, h->metrics, m);
		if (h->directory != NULL)
			directory_render_metrics(&r.body, h->directory);
		if (h->acme != NULL)
			acme_render_metrics(&r.body, h->acme);
	} else if (strcmp(url, "/probe") == 0 && h->probe != NULL) {
		admin_probe_answer(h->probe,
				   MHD_lookup_connection_value(
				       c, MHD_GET_ARGUMENT_KIND, "domain"),
				   &r);
	} else {
		reply_text(&r, 404, "Not found: /healthz and /metrics only.");
	}
	reply_header_static(&r, "Cache-Control", "no-store");
	ret = send_reply(c, &x, &r);
	reply_free(&r);
	model_unref(m);
	return ret;
}

/* An admin answer went out: the next head is due (peer_count). */
static void on_admin_done(void *cls, struct MHD_Connection *c, void **con_cls,
			  enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)con_cls;
	(void)toe;
	peer_count(peer_of(c));
}

/* The admin listener gets the same deadlines as the public one, a
 * per-address limit, and room for more connections than one address
 * may hold: a liveness probe must get through slow clients (SECURITY.md:
 * the admin port still belongs on a private address). */
struct http *http_start_admin(const struct http_config *cfg)
{
	struct sockaddr_storage ss;
	int ipv6 = 0;
	struct http *h = http_new(cfg, &ss, &ipv6, "--admin-listen");

	if (h == NULL ||
	    http_reaper(h, cfg, ADMIN_TIMEOUT_S, ADMIN_TIMEOUT_S,
			ADMIN_TIMEOUT_S, ADMIN_MAX_CONNECTIONS) < 0)
		return NULL;
	h->daemon = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG |
		(ipv6 ? MHD_USE_IPv6 : 0),
	    0, on_accept, h, on_admin, h, MHD_OPTION_EXTERNAL_LOGGER,
	    on_mhd_log, h, MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)ADMIN_MAX_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)ADMIN_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)ADMIN_TIMEOUT_S,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
	    MHD_OPTION_NOTIFY_COMPLETED, on_admin_done, h, MHD_OPTION_END);
	return http_bound(h, cfg, " (admin)");
}
