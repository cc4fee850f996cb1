/* dispatch.c - the router: (model, request) -> reply. */
#include "dispatch.h"

#include <strings.h>

#include "autoconfig.h"
#include "log.h"

#define M_GET  (1u << METHOD_GET)
#define M_HEAD (1u << METHOD_HEAD)
#define M_POST (1u << METHOD_POST)

struct route {
	const char *path; /* compared ignoring case */
	unsigned methods;
	const char *allow; /* the Allow header of a 405 */
	int (*render)(struct buf *out, const struct render_input *in);
	const char *content_type;
};

static const struct route routes[] = {
    {"/mail/config-v1.1.xml", M_GET | M_HEAD, "GET, HEAD", autoconfig_render,
     "application/xml; charset=utf-8"},
    {"/.well-known/autoconfig/mail/config-v1.1.xml", M_GET | M_HEAD,
     "GET, HEAD", autoconfig_render, "application/xml; charset=utf-8"},
};

static const struct route *route_find(const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcasecmp(routes[i].path, path) == 0)
			return &routes[i];
	return NULL;
}

/* The hosted domain's account, or NULL with out set to the error. */
static const struct account *
find_account(struct reply *out, const struct model *m, const struct request *r)
{
	const struct account *a;

	if (r->has_addr && !r->addr_ok) {
		struct buf msg = BUF_INIT; /* freed below */
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
	a = model_find_domain(m, r->domain);
	if (a == NULL)
		reply_text(out, 404, "This domain is not hosted here.");
	return a;
}

static int render_route(struct reply *out, const struct route *rt,
			const struct model *m, const struct request *r,
			time_t now)
{
	struct render_input in = {
	    m, NULL, r->domain, NULL, r->host[0] ? r->host : NULL, now};

	in.account = find_account(out, m, r);
	if (in.account == NULL)
		return 0;
	in.addr = r->addr_ok ? &r->addr : NULL;
	if (rt->render(&out->body, &in) < 0) {
		log_error("render %s for %s failed", rt->path, r->domain);
		reply_text(out, 500, "Internal error.");
		return -1;
	}
	out->status = 200;
	out->content_type = rt->content_type;
	return 0;
}

int dispatch(struct reply *out, const struct model *m, const struct request *r,
	     time_t now)
{
	const struct route *rt = r->path_ok ? route_find(r->path) : NULL;

	if (!r->path_ok)
		return reply_text(out, 400, "Bad request path.");
	if (rt == NULL)
		return reply_text(out, 404, "Not found.");
	if ((rt->methods & (1u << r->method)) == 0) {
		reply_text(out, 405, "Method not allowed.");
		return reply_header(out, "Allow", rt->allow);
	}
	return render_route(out, rt, m, r, now);
}
