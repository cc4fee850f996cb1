/* domainlist.c - a domain list file: one domain per line. */
#include "domainlist.h"

#include <string.h>

#include "address.h"

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Trims the line [*s, *e) of its comment and surrounding blanks. */
static void line_trim(const char **s, const char **e)
{
	const char *hash = memchr(*s, '#', (size_t)(*e - *s));

	if (hash != NULL)
		*e = hash;
	while (*s < *e && is_blank(**s))
		(*s)++;
	while (*e > *s && is_blank((*e)[-1]))
		(*e)--;
}

long domainlist_parse(struct model *m, const char *path, const char *data,
		      size_t len, domainlist_report_fn report, void *cls)
{
	const char *p = data, *end = data + len;
	char name[DOMAIN_MAX + 1];
	const char *why = NULL;
	size_t line = 0;
	long bad = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s = p, *e = nl ? nl : end;

		line++;
		p = nl ? nl + 1 : end;
		line_trim(&s, &e);
		if (s == e)
			continue;
		if (domain_normalize(name, s, (size_t)(e - s), &why) < 0) {
			report(cls, path, line, why);
			bad++;
			continue;
		}
		if (model_add_domain(m, name, 0) < 0)
			return -1;
	}
	return bad;
}
