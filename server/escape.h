/* escape.h - every escaping mailconfd does, in one place: XML (as libxml2
 * escapes text and attribute values), HTML, URL query values, JSON
 * strings and log lines. */
#ifndef MAILCONFD_ESCAPE_H
#define MAILCONFD_ESCAPE_H

#include <stddef.h>

#include "buf.h"

/* & < > " and CR, as libxml2's writer escapes them: precompiled answers
 * stay byte-identical to direct renders. Returns 0 or -1. */
int escape_xml(struct buf *out, const char *s, size_t len);

/* & < > " ' for HTML text and attribute values. Returns 0 or -1. */
int escape_html(struct buf *out, const char *s, size_t len);

/* s percent-encoded for a URL query value: RFC 3986 unreserved
 * characters and '@' stay. Returns 0 or -1. */
int escape_url(struct buf *out, const char *s);

/* s for a JSON string, as jansson's json_dumps() writes it: '"' and
 * '\\' get a backslash, \b \f \n \r \t their short forms, the other
 * controls \u00XX; every other byte as it is (UTF-8 stays UTF-8). Returns
 * 0 or -1. */
int escape_json(struct buf *out, const char *s);

/* At most max bytes of s for a log line into out[0..outsz): bytes that
 * are not printable ASCII, space and '\\' as \xHH, so no line can be
 * forged or broken. */
void escape_log(char *out, size_t outsz, const char *s, size_t max);

#endif
