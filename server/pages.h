/* pages.h - the human-facing templates (templates/setup.LANG.html, the
 * service's own front page index.LANG.html, the error page error.html in
 * both languages, and setup.css), loaded with the table and swapped with
 * it on reload. */
#ifndef MAILCONFD_PAGES_H
#define MAILCONFD_PAGES_H

#include <stddef.h>

#include "lang.h"

struct template;

struct pages {
	struct template *setup[LANG_COUNT]; /* owned */
	struct template *index[LANG_COUNT]; /* owned */
	struct template *error;		    /* owned: both languages */
	char *css;			    /* owned: inlined into the page */
};

/* Loads and compiles the templates in dir. Returns the pages, or NULL
 * with "FILE:LINE: problem" in err[0..errsz). */
struct pages *pages_load(const char *dir, char *err, size_t errsz);

void pages_free(struct pages *p);

#endif
