/* settings_errors.c - problems and warnings of a load (settings_errors.h). */
#include "settings_errors.h"

#include <stdarg.h>

void settings_errors_add(struct settings_errors *e, const char *fmt, ...)
{
	va_list ap;

	e->count++;
	if (e->count > SETTINGS_ERRORS_LISTED_MAX)
		return;
	va_start(ap, fmt);
	buf_vprintf(&e->text, fmt, ap);
	va_end(ap);
	buf_puts(&e->text, "\n");
}

void settings_warn(struct settings_errors *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&e->warnings, fmt, ap);
	va_end(ap);
	buf_puts(&e->warnings, "\n");
}

void settings_errors_free(struct settings_errors *errs)
{
	if (errs == NULL)
		return;
	buf_free(&errs->text);
	buf_free(&errs->warnings);
	errs->count = 0;
}
