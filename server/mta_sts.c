/* mta_sts.c - the MTA-STS policy and its id (mta_sts.h). */
#include "mta_sts.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>

#include "expand.h"

static const char *const mode_names[] = {
    [STS_NONE] = "none", [STS_TESTING] = "testing", [STS_ENFORCE] = "enforce"};

int mta_sts_render(struct buf *out, const struct account *a, const char *domain)
{
	const struct mail_policy *p = &a->policy;
	char *const *mx = p->n_sts_mx ? p->sts_mx : p->mx;
	size_t n = p->n_sts_mx ? p->n_sts_mx : p->n_mx, i;

	buf_printf(out, "version: STSv1\r\nmode: %s\r\n", mode_names[p->mode]);
	for (i = 0; i < n; i++) {
		buf_puts(out, "mx: ");
		expand(out, mx[i], domain, NULL);
		buf_puts(out, "\r\n");
	}
	buf_printf(out, "max_age: %u\r\n", p->max_age);
	return out->failed ? -1 : 0;
}

int mta_sts_id(char id[MTA_STS_ID_LEN + 1], const struct account *a,
	       const char *domain)
{
	struct buf text = BUF_INIT; /* freed below */
	unsigned char digest[32];
	int rc = -1, i;

	if (mta_sts_render(&text, a, domain) == 0 &&
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, text.data, text.len, digest) ==
		0) {
		for (i = 0; i < MTA_STS_ID_LEN / 2; i++)
			snprintf(id + 2 * i, 3, "%02x", digest[i]);
		rc = 0;
	}
	buf_free(&text);
	return rc;
}
