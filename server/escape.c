/* escape.c - every escaping mailconfd does, in one place (escape.h). */
#include "escape.h"

#include <string.h>

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

int escape_url(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~@", *p) != NULL)
			buf_append(out, p, 1);
		else
			buf_printf(out, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
	return out->failed ? -1 : 0;
}

int escape_json(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF"; /* jansson's case */
	static const char from[] = "\"\\\b\f\n\r\t", to[] = "\"\\bfnrt";
	const char *run = s; /* bytes not written yet, none to escape */
	const char *f;
	char esc[6] = {'\\', 'u', '0', '0'};

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		buf_append(out, run, (size_t)(s - run));
		run = s + 1;
		if ((f = strchr(from, ch)) != NULL) {
			esc[1] = to[f - from];
			buf_append(out, esc, 2);
			continue;
		}
		esc[1] = 'u';
		esc[4] = hex[ch >> 4];
		esc[5] = hex[ch & 15];
		buf_append(out, esc, 6);
	}
	buf_append(out, run, (size_t)(s - run));
	return out->failed ? -1 : 0;
}

void escape_log(char *out, size_t outsz, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0, i;

	if (outsz == 0)
		return;
	for (i = 0; s != NULL && s[i] != '\0' && i < max; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (n + 5 >= outsz)
			break;
		if (ch > 0x20 && ch < 0x7F && ch != '\\') {
			out[n++] = (char)ch;
		} else {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	out[n] = '\0';
}
