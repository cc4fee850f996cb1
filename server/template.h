/* template.h - a small Mustache-like template language for the human
 * pages (the only text that lives in templates/; XML and plists are never
 * templates).
 *
 *   {{name}}         the value, HTML-escaped (always: & < > " ')
 *   {{{name}}}       the value as it is: only for markup we made (SVG)
 *   {{#name}}..{{/name}}  a list: once per item; else once if truthy
 *   {{^name}}..{{/name}}  once if name is falsy or an empty list
 *   {{! comment }}
 * Names are dotted paths ("imap.host"), looked up from the innermost
 * section's item outwards; "." is the current item. Values come from a
 * jansson tree: strings and numbers print, true prints "true", false and
 * null print nothing. */
#ifndef MAILCONFD_TEMPLATE_H
#define MAILCONFD_TEMPLATE_H

#include <stddef.h>

#include "buf.h"

struct json_t; /* jansson's; only the callers that build one include it */

struct template; /* compiled; immutable; owned by whoever compiled it */

/* Compiles text[0..len). Returns the template, or NULL with a message
 * "LINE: problem" written into err[0..errsz). */
struct template *template_compile(const char *text, size_t len, char *err,
				  size_t errsz);

/* Appends the template rendered with ctx (borrowed) to out.
 * Returns 0 or -1 (out of memory). */
int template_render(const struct template *t, struct json_t *ctx,
		    struct buf *out);

void template_free(struct template *t);

#endif
