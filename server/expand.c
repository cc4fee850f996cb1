/* expand.c - fills the placeholders of a settings template. */
#include "expand.h"

#include "render.h"

#include <string.h>

#include "model.h"

struct placeholder {
	const char *name; /* with the % signs */
	size_t len;
};

static const char *value_of(const char *p, const char *domain,
			    const struct address *addr, size_t *len)
{
	static const struct placeholder ph[] = {
	    {"%EMAILDOMAIN%", 13},
	    {"%EMAILADDRESS%", 14},
	    {"%EMAILLOCALPART%", 16},
	};

	if (strncmp(p, ph[0].name, ph[0].len) == 0) {
		*len = ph[0].len;
		return domain;
	}
	if (addr != NULL && strncmp(p, ph[1].name, ph[1].len) == 0) {
		*len = ph[1].len;
		return addr->full;
	}
	if (addr != NULL && strncmp(p, ph[2].name, ph[2].len) == 0) {
		*len = ph[2].len;
		return addr->local;
	}
	return NULL;
}

int expand(struct buf *out, const char *tmpl, const char *domain,
	   const struct address *addr)
{
	const char *p = tmpl, *pct, *val;
	size_t len = 0;

	while ((pct = strchr(p, '%')) != NULL) {
		buf_append(out, p, (size_t)(pct - p));
		val = value_of(pct, domain, addr, &len);
		if (val == NULL) {
			buf_append(out, "%", 1);
			p = pct + 1;
			continue;
		}
		buf_puts(out, val);
		p = pct + len;
	}
	buf_puts(out, p);
	return out->failed ? -1 : 0;
}

int expand_dav_url(struct buf *out, const struct dav *d, const char *domain)
{
	buf_puts(out, "https://");
	expand(out, d->host, domain, NULL);
	if (d->port != 443)
		buf_printf(out, ":%u", d->port);
	expand(out, d->path, domain, NULL);
	return out->failed ? -1 : 0;
}

int expand_login(struct buf *out, const struct render_input *in)
{
	if (in->login != NULL)
		return buf_puts(out, in->login);
	return expand(out, in->account->login, in->domain, in->addr);
}

int expand_dav_login(struct buf *out, const struct dav *d,
		     const struct render_input *in)
{
	if (d->login != NULL)
		return expand(out, d->login, in->domain, in->addr);
	return expand_login(out, in);
}
