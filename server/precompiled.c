/* precompiled.c - skeletons per account, and filling them per request. */
#include "precompiled.h"

#include <string.h>

#include "autoconfig.h"
#include "autodiscover.h"
#include "expand.h"
#include "pages.h"
#include "skeleton.h"

/* The render input that writes sentinels where request values go. */
struct sentinel_input {
	struct account acc; /* a shallow copy with login = LOGIN sentinel */
	struct address addr;
	struct render_input in;
};

static void sentinel_input(struct sentinel_input *s, const struct model *m,
			   const struct account *a)
{
	s->acc = *a;
	s->acc.login = (char *)(uintptr_t)skeleton_sentinel(SLOT_LOGIN);
	memset(&s->addr, 0, sizeof(s->addr));
	memcpy(s->addr.full, skeleton_sentinel(SLOT_ADDRESS), 4);
	memcpy(s->addr.domain, skeleton_sentinel(SLOT_DOMAIN), 4);
	s->in.model = m;
	s->in.account = &s->acc;
	s->in.domain = skeleton_sentinel(SLOT_DOMAIN);
	s->in.addr = &s->addr;
	s->in.host = NULL;
	s->in.now = 0;
	s->in.login = NULL;
}

/* Keeps what a renderer wrote into b (rc: its result) as a skeleton, or
 * NULL; frees b. */
static struct skeleton *keep(struct buf *b, int rc)
{
	struct skeleton *s = NULL;

	if (rc == 0 && !b->failed)
		s = skeleton_build(b->data, b->len);
	buf_free(b);
	return s;
}

/* Renders with render() and keeps the result as a skeleton. */
static struct skeleton *build(int (*render)(struct buf *,
					    const struct render_input *),
			      const struct render_input *in)
{
	struct buf b = BUF_INIT; /* freed by keep() */

	return keep(&b, render(&b, in));
}

static struct skeleton *build_profile(const struct render_input *in,
				      enum lang lang, int pop)
{
	struct profile_options opt = {
	    pop ? PROFILE_POP3 : PROFILE_IMAP,
	    lang,
	    NULL,
	    {skeleton_sentinel(SLOT_UUID1), skeleton_sentinel(SLOT_UUID2)}};
	struct buf b = BUF_INIT; /* freed by keep() */

	return keep(&b, mobileconfig_render(&b, in, &opt));
}

static int build_account(const struct model *m, struct account *a)
{
	struct sentinel_input s;
	int lang, pop;

	sentinel_input(&s, m, a);
	s.in.addr = NULL; /* autoconfig: the login is all it takes */
	a->sk_autoconfig = build(autoconfig_render, &s.in);
	if (a->sk_autoconfig == NULL)
		return -1;
	/* DAV services have their own login rule and the profile two more
	 * UUIDs, which the sentinels do not stand for: such an account's POX
	 * answers and profiles are rendered directly (the precompiled_*()
	 * functions fall back when there is no skeleton). */
	if (a->caldav != NULL || a->carddav != NULL)
		return 0;
	s.in.addr = &s.addr;
	a->sk_autodiscover = build(autodiscover_render, &s.in);
	if (a->sk_autodiscover == NULL)
		return -1;
	for (lang = 0; lang < LANG_COUNT; lang++)
		for (pop = 0; pop < 2; pop++) {
			if (mobileconfig_protocol(a, pop ? PROFILE_POP3
							 : PROFILE_IMAP) != pop)
				continue;
			a->sk_profile[lang][pop] =
			    build_profile(&s.in, (enum lang)lang, pop);
			if (a->sk_profile[lang][pop] == NULL)
				return -1;
		}
	return 0;
}

int precompiled_build(struct model *m)
{
	size_t i;

	if (build_account(m, &m->defaults) < 0)
		return -1;
	for (i = 0; i < m->n_overrides; i++)
		if (build_account(m, &m->overrides[i]) < 0)
			return -1;
	return 0;
}

/* Fills sk with the request's values; *body_hash (if not NULL) their
 * skeleton_hash(). */
static int fill(const struct skeleton *sk, struct buf *out, uint64_t *body_hash,
		const struct render_input *in, const char *uuid1,
		const char *uuid2)
{
	struct buf login = BUF_INIT; /* freed below */
	const char *values[SLOT_COUNT];
	int rc;

	if (expand_login(&login, in) < 0)
		return -1;
	values[SLOT_DOMAIN] = in->domain;
	values[SLOT_LOGIN] = login.data;
	values[SLOT_ADDRESS] = in->addr ? in->addr->full : "";
	values[SLOT_UUID1] = uuid1;
	values[SLOT_UUID2] = uuid2;
	rc = skeleton_fill(sk, out, values);
	if (rc == 0 && body_hash != NULL)
		*body_hash = skeleton_hash(sk, values);
	buf_free(&login);
	return rc;
}

int precompiled_autoconfig(struct buf *out, uint64_t *body_hash,
			   const struct render_input *in)
{
	if (body_hash != NULL)
		*body_hash = 0;
	if (in->account->sk_autoconfig == NULL)
		return autoconfig_render(out, in);
	return fill(in->account->sk_autoconfig, out, body_hash, in, "", "");
}

int precompiled_autodiscover(struct buf *out, uint64_t *body_hash,
			     const struct render_input *in)
{
	if (body_hash != NULL)
		*body_hash = 0;
	if (in->account->sk_autodiscover == NULL || in->addr == NULL)
		return autodiscover_render(out, in);
	return fill(in->account->sk_autodiscover, out, body_hash, in, "", "");
}

int precompiled_profile(struct buf *out, uint64_t *body_hash,
			const struct render_input *in,
			const struct profile_options *opt)
{
	int pop = mobileconfig_protocol(in->account, opt->type);
	const struct skeleton *sk;
	char u[2][UUID_STR_LEN + 1];

	if (body_hash != NULL)
		*body_hash = 0;
	if (pop < 0)
		return 1;
	sk = in->account->sk_profile[opt->lang][pop];
	if (sk == NULL || opt->account_name != NULL || in->addr == NULL)
		return mobileconfig_render(out, in, opt);
	if (mobileconfig_uuids(in->model, in->addr->full, u) < 0)
		return -1;
	return fill(sk, out, body_hash, in, u[0], u[1]);
}
