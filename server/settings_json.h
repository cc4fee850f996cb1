/* settings_json.h - the JSON-reading helpers of the settings loader
 * (settings.c, settings_account.c): the problem list with JSON pointers (RFC
 * 6901), typed getters that report what is wrong, where. Internal to the
 * settings module. */
#ifndef MAILCONFD_SETTINGS_JSON_H
#define MAILCONFD_SETTINGS_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "settings_errors.h"

#define SJSON_PTR_MAX 2048

struct table_reader; /* table_reader.h */

struct settings_json {
	const char *file;
	char *dir; /* owned: the settings file's folder */
	struct settings_errors *errs;
	char ptr[SJSON_PTR_MAX]; /* the JSON pointer of the value being read */
	size_t ptr_len;
	struct model *m;
	uint64_t digest;	     /* FNV-1a over every byte loaded */
	struct pem_keep *keep;	     /* borrowed, may be NULL (keypair.h) */
	int no_keys;		     /* --dns: no certificate or key is read */
	struct table_reader *reader; /* borrowed: reads "domains" */
};

extern const char *const settings_json_host_placeholders[];

/* Reports a problem with the value at the current JSON pointer. */
void settings_json_fail(struct settings_json *c, const char *why);
void settings_json_failf(struct settings_json *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends /token (escaped) to the pointer; returns the old length for
 * settings_json_pop(). */
size_t settings_json_push(struct settings_json *c, const char *token);
size_t settings_json_push_index(struct settings_json *c, size_t i);
void settings_json_pop(struct settings_json *c, size_t old);

/* Adds bytes to the table's version digest. */
void settings_json_digest(struct settings_json *c, const char *p, size_t n);

/* Reports every key of obj not in the NULL-terminated list allowed. */
void settings_json_check_keys(struct settings_json *c, json_t *obj,
			      const char *const *allowed);

/* Reads the string obj[key] into *out (the caller's; replaced). Returns 1
 * if read, 0 if absent, -1 on a problem (reported). */
int settings_json_get_string(struct settings_json *c, json_t *obj,
			     const char *key, int required, char **out);

/* Reads the boolean obj[key] into *out (untouched when absent). Returns 1
 * if read, 0 if absent, -1 if it is not true or false (reported). */
int settings_json_get_bool(struct settings_json *c, json_t *obj,
			   const char *key, int *out);

/* The object obj[key], or NULL if absent or (reported) not an object. */
json_t *settings_json_get_object(struct settings_json *c, json_t *obj,
				 const char *key, int required);

/* Checks a template uses only the placeholders in allowed. */
int settings_json_check_placeholders(struct settings_json *c, const char *s,
				     const char *const *allowed);

/* The index of v's string in names (NULL-terminated), or -1 (reported
 * with msg). */
int settings_json_enum(struct settings_json *c, json_t *v,
		       const char *const *names, const char *msg);

/* A server's host in *host: a literal name (lower-cased, an IDN host made
 * an A-label, *host replaced) or a template with %EMAILDOMAIN% that is
 * valid once filled in. Returns 0 or -1 (reported). */
int settings_json_check_host(struct settings_json *c, char **host);

/* A path from the table, relative to its folder: a new string or NULL. */
char *settings_json_path(const struct settings_json *c, const char *name);

/* obj[key] as a whole number in [min, max] into *out (untouched when
 * absent). Returns 0, or -1 (reported). */
int settings_json_get_uint(struct settings_json *c, json_t *obj,
			   const char *key, unsigned long min,
			   unsigned long max, unsigned long *out);

#endif
