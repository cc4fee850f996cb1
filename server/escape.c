/* escape.c - appending text escaped for XML or HTML. */
#include "escape.h"

static const char *xml_entity(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\r':
		return "&#13;";
	default:
		return NULL;
	}
}

static const char *html_entity(char c)
{
	return c == '\'' ? "&#39;" : c == '\r' ? NULL : xml_entity(c);
}

/* Copies s, replacing each character entity() names. */
static int escape(struct buf *out, const char *s, size_t len,
		  const char *(*entity)(char))
{
	size_t i, start = 0;
	const char *rep;

	for (i = 0; i < len; i++) {
		rep = entity(s[i]);
		if (rep == NULL)
			continue;
		buf_append(out, s + start, i - start);
		buf_puts(out, rep);
		start = i + 1;
	}
	buf_append(out, s + start, len - start);
	return out->failed ? -1 : 0;
}

int escape_xml(struct buf *out, const char *s, size_t len)
{
	return escape(out, s, len, xml_entity);
}

int escape_html(struct buf *out, const char *s, size_t len)
{
	return escape(out, s, len, html_entity);
}
