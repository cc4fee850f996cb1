/* escape.h - appending text escaped for XML (as libxml2 escapes text and
 * attribute values) or for HTML. */
#ifndef MAILCONFD_ESCAPE_H
#define MAILCONFD_ESCAPE_H

#include <stddef.h>

#include "buf.h"

/* & < > " and CR, as libxml2's writer escapes them: precompiled answers
 * stay byte-identical to direct renders. Returns 0 or -1. */
int escape_xml(struct buf *out, const char *s, size_t len);

/* & < > " ' for HTML text and attribute values. Returns 0 or -1. */
int escape_html(struct buf *out, const char *s, size_t len);

#endif
