/* settings_json.c - the JSON-reading helpers of the settings loader. */
#include "settings_json.h"

#include "hash.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "skeleton.h"

const char *const settings_json_host_placeholders[] = {"EMAILDOMAIN", NULL};

/* Reports a problem with the value at the current JSON pointer. */
void settings_json_fail(struct settings_json *c, const char *why)
{
	settings_errors_add(c->errs, "%s: %s: %s", c->file,
			    c->ptr_len ? c->ptr : "/", why);
}

/* settings_json_fail() with a formatted reason. */
void settings_json_failf(struct settings_json *c, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	settings_json_fail(c, why);
}

/* Appends /token (escaped per RFC 6901) to the pointer; returns the old
 * length for settings_json_pop(). A pointer longer than SJSON_PTR_MAX is cut.
 */
size_t settings_json_push(struct settings_json *c, const char *token)
{
	size_t old = c->ptr_len, n = c->ptr_len;
	const char *t;

	if (n + 1 < SJSON_PTR_MAX)
		c->ptr[n++] = '/';
	for (t = token; *t != '\0' && n + 2 < SJSON_PTR_MAX; t++) {
		if (*t == '~' || *t == '/') {
			c->ptr[n++] = '~';
			c->ptr[n++] = *t == '~' ? '0' : '1';
		} else {
			c->ptr[n++] = *t;
		}
	}
	c->ptr[n] = '\0';
	c->ptr_len = n;
	return old;
}

size_t settings_json_push_index(struct settings_json *c, size_t i)
{
	char token[32];

	snprintf(token, sizeof(token), "%zu", i);
	return settings_json_push(c, token);
}

void settings_json_pop(struct settings_json *c, size_t old)
{
	c->ptr_len = old;
	c->ptr[old] = '\0';
}

void settings_json_digest(struct settings_json *c, const char *p, size_t n)
{
	c->digest = fnv1a(c->digest, p, n);
}

/* Reports every key of obj not in the NULL-terminated list allowed. */
void settings_json_check_keys(struct settings_json *c, json_t *obj,
			      const char *const *allowed)
{
	const char *key;
	json_t *v;
	size_t i, old;

	json_object_foreach (obj, key, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] != NULL)
			continue;
		old = settings_json_push(c, key);
		settings_json_fail(c, "unknown key");
		settings_json_pop(c, old);
	}
	(void)v;
}

static int has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7F)
			return 1;
	return 0;
}

/* Reads the string obj[key] into *out (owned by the caller; untouched when
 * the key is absent). Returns 1 if read, 0 if absent, -1 on a problem. */
int settings_json_get_string(struct settings_json *c, json_t *obj,
			     const char *key, int required, char **out)
{
	json_t *v = json_object_get(obj, key);
	size_t old = settings_json_push(c, key);
	int rc = 1;

	if (v == NULL) {
		if (required)
			settings_json_fail(c, "is required");
		rc = required ? -1 : 0;
	} else if (!json_is_string(v)) {
		settings_json_fail(c, "must be a string");
		rc = -1;
	} else if (!skeleton_value_ok(json_string_value(v),
				      json_string_length(v)) ||
		   has_control(json_string_value(v))) {
		settings_json_fail(
		    c, "must not hold control or private-use characters");
		rc = -1;
	} else {
		char *s = strdup(json_string_value(v));
		if (s == NULL) {
			settings_json_fail(c, "out of memory");
			rc = -1;
		} else {
			free(*out);
			*out = s;
		}
	}
	settings_json_pop(c, old);
	return rc;
}

int settings_json_get_bool(struct settings_json *c, json_t *obj,
			   const char *key, int *out)
{
	json_t *v = json_object_get(obj, key);
	size_t old;

	if (v == NULL)
		return 0;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 1;
	}
	old = settings_json_push(c, key);
	settings_json_fail(c, "must be true or false");
	settings_json_pop(c, old);
	return -1;
}

/* Returns the object obj[key], NULL if absent or (reported) not an
 * object. */
json_t *settings_json_get_object(struct settings_json *c, json_t *obj,
				 const char *key, int required)
{
	json_t *v = json_object_get(obj, key);
	size_t old = settings_json_push(c, key);

	if (v == NULL && required)
		settings_json_fail(c, "is required");
	else if (v != NULL && !json_is_object(v)) {
		settings_json_fail(c, "must be an object");
		v = NULL;
	}
	settings_json_pop(c, old);
	return v;
}

/* Checks the placeholders of a template: only those in allowed (a
 * NULL-terminated list of names without the %). */
int settings_json_check_placeholders(struct settings_json *c, const char *s,
				     const char *const *allowed)
{
	const char *p = s, *q;
	size_t i, n;

	while ((p = strchr(p, '%')) != NULL) {
		q = strchr(p + 1, '%');
		if (q == NULL) {
			settings_json_fail(c, "has an unmatched '%'");
			return -1;
		}
		n = (size_t)(q - p - 1);
		for (i = 0; allowed[i] != NULL; i++)
			if (strlen(allowed[i]) == n &&
			    strncmp(allowed[i], p + 1, n) == 0)
				break;
		if (allowed[i] == NULL) {
			settings_json_failf(c,
					    "has an unknown placeholder %.*s",
					    (int)n + 2, p);
			return -1;
		}
		p = q + 1;
	}
	return 0;
}

int settings_json_enum(struct settings_json *c, json_t *v,
		       const char *const *names, const char *msg)
{
	int i;

	if (json_is_string(v))
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(names[i], json_string_value(v)) == 0)
				return i;
	settings_json_fail(c, msg);
	return -1;
}

/* A path from the table: absolute, or relative to the table's folder.
 * Returns a new string (the caller frees it) or NULL. */
char *settings_json_path(const struct settings_json *c, const char *name)
{
	struct buf path = BUF_INIT; /* handed to the caller */

	if (name[0] == '/' || strcmp(c->dir, ".") == 0)
		buf_puts(&path, name);
	else
		buf_printf(&path, "%s/%s", c->dir, name);
	return buf_steal(&path);
}

/* Lower-cases s in place outside %PLACEHOLDERS%. */
static void lower_outside_placeholders(char *s)
{
	int inside = 0; /* within %...% */

	for (; *s != '\0'; s++) {
		if (*s == '%')
			inside = !inside;
		else if (!inside && *s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

/* A literal host name: normalized (an IDN host becomes an A-label). */
static int normalize_host(struct settings_json *c, char **host)
{
	char norm[DOMAIN_MAX + 1];
	const char *why = NULL;
	char *s;

	if (domain_normalize(norm, *host, strlen(*host), &why) < 0) {
		settings_json_fail(c, why);
		return -1;
	}
	s = strdup(norm);
	if (s == NULL)
		return -1;
	free(*host);
	*host = s;
	return 0;
}

/* A host template: valid once %EMAILDOMAIN% is filled in (tried with a
 * sample domain). */
static int check_host_template(struct settings_json *c, const char *host)
{
	char probe[DOMAIN_INPUT_MAX + 1];
	const char *p;
	size_t n = 0;

	for (p = host; *p != '\0' && n + 12 < sizeof(probe);) {
		if (strncmp(p, "%EMAILDOMAIN%", 13) == 0) {
			memcpy(probe + n, "example.org", 11);
			n += 11;
			p += 13;
		} else {
			probe[n++] = *p++;
		}
	}
	probe[n] = '\0';
	if (!hostname_valid(probe)) {
		settings_json_fail(
		    c, "is not a valid host name (lower case letters, digits, "
		       "'-', '.')");
		return -1;
	}
	return 0;
}

int settings_json_check_host(struct settings_json *c, char **host)
{
	lower_outside_placeholders(*host);
	if (settings_json_check_placeholders(
		c, *host, settings_json_host_placeholders) < 0)
		return -1;
	if (strchr(*host, '%') == NULL)
		return normalize_host(c, host);
	return check_host_template(c, *host);
}

/* obj[key] as a whole number in [min, max] into *out (untouched when
 * absent). Returns 0, or -1 (reported). */
int settings_json_get_uint(struct settings_json *c, json_t *obj,
			   const char *key, unsigned long min,
			   unsigned long max, unsigned long *out)
{
	json_t *v = json_object_get(obj, key);
	size_t old;
	int rc = 0;

	if (v == NULL)
		return 0;
	old = settings_json_push(c, key);
	if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)min ||
	    (unsigned long)json_integer_value(v) > max) {
		settings_json_failf(c, "must be a whole number from %lu to %lu",
				    min, max);
		rc = -1;
	} else {
		*out = (unsigned long)json_integer_value(v);
	}
	settings_json_pop(c, old);
	return rc;
}
