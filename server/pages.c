/* pages.c - the human-facing templates, loaded from a folder. */
#include "pages.h"

#include "skeleton.h"
#include "template.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEMPLATE_FILE_MAX (1u << 20)

static int read_text(struct buf *b, const char *dir, const char *name,
		     char *err, size_t errsz)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (buf_read_file(b, path, TEMPLATE_FILE_MAX) < 0) {
		snprintf(err, errsz, "%s: cannot read: %s", path,
			 strerror(errno));
		return -1;
	}
	/* The kept setup pages mark the address's places with these
	 * characters (setup_fill.c), as table values may not hold them. */
	if (!skeleton_value_ok(b->data, b->len)) {
		snprintf(err, errsz,
			 "%s: holds a private-use character U+E000..U+E03F "
			 "(reserved for mailconfd's own use)",
			 path);
		return -1;
	}
	return 0;
}

/* Compiles dir/name into *out. */
static int load_file(struct template **out, const char *name, const char *dir,
		     char *err, size_t errsz)
{
	struct buf text = BUF_INIT; /* freed below */
	char why[256];
	int rc = -1;

	if (read_text(&text, dir, name, err, errsz) < 0)
		goto out;
	*out = template_compile(text.data, text.len, why, sizeof(why));
	if (*out == NULL) {
		snprintf(err, errsz, "%s/%s:%s", dir, name, why);
		goto out;
	}
	rc = 0;
out:
	buf_free(&text);
	return rc;
}

/* Compiles dir/KIND.LANG.html into *out. */
static int load_one(struct template **out, const char *kind, enum lang l,
		    const char *dir, char *err, size_t errsz)
{
	char name[64];

	snprintf(name, sizeof(name), "%s.%s.html", kind, lang_code(l));
	return load_file(out, name, dir, err, errsz);
}

struct pages *pages_load(const char *dir, char *err, size_t errsz)
{
	struct pages *p = calloc(1, sizeof(*p)); /* returned or freed */
	struct buf css = BUF_INIT;		 /* handed to p */
	int l;

	if (p == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	for (l = 0; l < LANG_COUNT; l++)
		if (load_one(&p->setup[l], "setup", (enum lang)l, dir, err,
			     errsz) < 0 ||
		    load_one(&p->index[l], "index", (enum lang)l, dir, err,
			     errsz) < 0)
			goto fail;
	if (load_file(&p->error, "error.html", dir, err, errsz) < 0 ||
	    read_text(&css, dir, "setup.css", err, errsz) < 0)
		goto fail;
	p->css = buf_steal(&css);
	return p;
fail:
	buf_free(&css);
	pages_free(p);
	return NULL;
}

void pages_free(struct pages *p)
{
	int l;

	if (p == NULL)
		return;
	for (l = 0; l < LANG_COUNT; l++) {
		template_free(p->setup[l]);
		template_free(p->index[l]);
	}
	template_free(p->error);
	free(p->css);
	free(p);
}
