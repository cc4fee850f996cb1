/* server_limits.c - the request and connection limits as a table. */
#include "server_limits.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct limit_def {
	const char *name;
	size_t offset;
	long min, max, def;
	const char *bounds; /* the message for an out-of-range value */
};

#define L(field) offsetof(struct limits, field)
static const struct limit_def limit_defs[] = {
    {"max_url_length", L(max_url_length), 64, 65536, 2048, "must be 64..65536"},
    {"max_header_bytes", L(max_header_bytes), 2048, 1048576, 8192,
     "must be 2048..1048576"},
    {"max_body_bytes", L(max_body_bytes), 1024, 16777216, 65536,
     "must be 1024..16777216"},
    {"max_connections", L(max_connections), 1, 1000000, 4096,
     "must be 1..1000000"},
    {"max_connections_per_ip", L(max_connections_per_ip), 0, 1000000, 512,
     "must be 0..1000000"},
    {"connection_timeout", L(connection_timeout), 1, 3600, 15,
     "must be 1..3600"},
    {"header_timeout", L(header_timeout), 1, 3600, 10, "must be 1..3600"},
    {"body_timeout", L(body_timeout), 1, 3600, 10, "must be 1..3600"},
    {"signed_profile_cache", L(signed_profile_cache), 0, 1048576, 1024,
     "must be 0..1048576"},
    {"qr_code_cache", L(qr_code_cache), 0, 1048576, 1024, "must be 0..1048576"},
    {"setup_page_cache", L(setup_page_cache), 0, 1048576, 256,
     "must be 0..1048576"},
};
#undef L
#define N_LIMITS (sizeof(limit_defs) / sizeof(limit_defs[0]))

static long *limit_field(struct limits *l, const struct limit_def *d)
{
	return (long *)(void *)((char *)l + d->offset);
}

void limits_default(struct limits *l)
{
	size_t i;

	for (i = 0; i < N_LIMITS; i++)
		*limit_field(l, &limit_defs[i]) = limit_defs[i].def;
}

int limits_set(struct limits *l, const char *name, long value, const char **why)
{
	size_t i;

	for (i = 0; i < N_LIMITS; i++) {
		const struct limit_def *d = &limit_defs[i];
		if (strcmp(d->name, name) != 0)
			continue;
		if (value < d->min || value > d->max) {
			*why = d->bounds;
			return -1;
		}
		*limit_field(l, d) = value;
		return 0;
	}
	*why = "unknown limit";
	return -1;
}

int limits_set_option(struct limits *l, const char *opt, const char **why)
{
	char name[64];
	const char *eq = strchr(opt, '=');
	char *end = NULL;
	long v;

	if (eq == NULL || (size_t)(eq - opt) >= sizeof(name) || eq == opt) {
		*why = "expected NAME=VALUE";
		return -1;
	}
	memcpy(name, opt, (size_t)(eq - opt));
	name[eq - opt] = '\0';
	errno = 0;
	v = strtol(eq + 1, &end, 10);
	if (errno != 0 || end == eq + 1 || *end != '\0') {
		*why = "VALUE must be a whole number";
		return -1;
	}
	return limits_set(l, name, v, why);
}

const char *limits_name(int i)
{
	if (i < 0 || (size_t)i >= N_LIMITS)
		return NULL;
	return limit_defs[i].name;
}
