/* setup_page.h - the human setup page (SPEC §4): the hosting FAQ with the
 * domain's real values, rendered from templates/ and the table. */
#ifndef MAILCONFD_SETUP_PAGE_H
#define MAILCONFD_SETUP_PAGE_H

#include "buf.h"
#include "lang.h"
#include "render.h"

struct setup_options {
	enum lang lang;
	int bad_address;	  /* the form was sent with a bad address */
	const char *display_name; /* ?name=, or "" */
};

/* Appends the page for in->domain (personalised when in->addr is set:
 * login name filled in, profile download, QR codes) to out.
 * in->model->pages must be loaded. Returns 0 or -1. */
int setup_page_render(struct buf *out, const struct render_input *in,
		      const struct setup_options *opt);

struct page_values; /* setup_values.h */

/* As setup_page_render(), with what the page shows of the address taken
 * from pv (NULL: the page without an address), as they are: the kept
 * pages of setup_fill.c are rendered with sentinels there. */
int setup_page_render_values(struct buf *out, const struct render_input *in,
			     const struct setup_options *opt,
			     const struct page_values *pv);

/* What an error page for a person says (templates/error.html, both
 * languages). */
enum page_error {
	PAGE_ERROR_NO_ADDRESS,
	PAGE_ERROR_BAD_ADDRESS,
	PAGE_ERROR_NOT_HOSTED,
	PAGE_ERROR_NO_SERVER_TYPE
};

/* Appends the error page for status and what to out. m->pages must be
 * loaded. Returns 0 or -1. */
int setup_page_render_error(struct buf *out, const struct model *m, int status,
			    enum page_error what);

/* Appends the service's own front page (templates/index.LANG.html: what
 * this server is, an address field leading to /setup) to out. It names
 * the provider and no hosted domain. m->pages must be loaded. Returns 0
 * or -1. */
int setup_page_render_index(struct buf *out, const struct model *m,
			    const struct setup_options *opt);

#endif
