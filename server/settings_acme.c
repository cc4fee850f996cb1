/* settings_acme.c - server.acme and server.state_dir (settings_acme.h). */
#include "settings_acme.h"

#include <stdlib.h>
#include <string.h>

#include "directory_conf.h"

#define STATE_DIR_DEFAULT "/var/lib/mailconfd"

/* The numbers of server.acme: key, bounds, default, where they go. */
static const struct acme_number {
	const char *key;
	unsigned long min, max, fallback;
	size_t offset; /* of an unsigned in struct acme_conf */
} acme_numbers[] = {
    /* Let's Encrypt: 300 new orders per account per 3 h (SPEC §9.3) */
    {"orders_per_window", 1, 100000, 300,
     offsetof(struct acme_conf, orders_per_window)},
    {"window", 1, 7 * 86400, 3 * 3600, offsetof(struct acme_conf, window_s)},
    {"cache", 16, 10000000, 10000, offsetof(struct acme_conf, cache)},
    {"retry", 1, 7 * 86400, 3600, offsetof(struct acme_conf, retry_s)},
    {"renew_divisor", 2, 10, 3, offsetof(struct acme_conf, renew_divisor)},
};
#define N_ACME_NUMBERS (sizeof(acme_numbers) / sizeof(acme_numbers[0]))

static int read_numbers(struct settings_json *c, json_t *obj,
			struct acme_conf *a)
{
	unsigned long v;
	size_t i;
	int rc = 0;

	for (i = 0; i < N_ACME_NUMBERS; i++) {
		v = acme_numbers[i].fallback;
		rc |= settings_json_get_uint(c, obj, acme_numbers[i].key,
					     acme_numbers[i].min,
					     acme_numbers[i].max, &v) < 0;
		*(unsigned *)((char *)a + acme_numbers[i].offset) = (unsigned)v;
	}
	return rc ? -1 : 0;
}

/* issue: "all" queues every hosted domain, "on_demand" only the names
 * clients ask for; "auto" (the default) is "all" up to ACME_ALL_MAX
 * hosted domains (a new installation), else "on_demand" (docs:
 * deployment.md, "Certificates"). */
static int read_issue(struct settings_json *c, json_t *obj, struct acme_conf *a)
{
	static const char *const names[] = {"on_demand", "all", "auto", NULL};
	json_t *v = json_object_get(obj, "issue");
	size_t old;
	int k;

	a->issue_all = -1;
	if (v == NULL)
		return 0;
	old = settings_json_push(c, "issue");
	k = settings_json_enum(c, v, names,
			       "must be \"on_demand\", \"all\" or \"auto\"");
	settings_json_pop(c, old);
	a->issue_all = k == 2 ? -1 : k;
	return k < 0 ? -1 : 0;
}

static int read_texts(struct settings_json *c, json_t *obj, struct acme_conf *a)
{
	char *ca = NULL;
	size_t old;
	int rc = 0;

	rc |=
	    settings_json_get_string(c, obj, "directory", 1, &a->directory) < 0;
	if (a->directory != NULL && strncmp(a->directory, "https://", 8) != 0) {
		old = settings_json_push(c, "directory");
		settings_json_fail(c,
				   "must be an https:// URL (RFC 8555 §6.1)");
		settings_json_pop(c, old);
		rc = -1;
	}
	rc |= settings_json_get_string(c, obj, "contact", 0, &a->contact) < 0;
	if (a->contact != NULL && strncmp(a->contact, "mailto:", 7) != 0) {
		old = settings_json_push(c, "contact");
		settings_json_fail(c, "must be a mailto: URL");
		settings_json_pop(c, old);
		rc = -1;
	}
	if (settings_json_get_string(c, obj, "ca_file", 0, &ca) > 0)
		a->ca_file = settings_json_path(c, ca);
	free(ca);
	return rc ? -1 : 0;
}

int settings_acme_parse(struct settings_json *c, json_t *server)
{
	static const char *const keys[] = {
	    "directory",	 "contact", "ca_file", "issue",
	    "orders_per_window", "window",  "cache",   "retry",
	    "renew_divisor",	 NULL};
	json_t *obj = settings_json_get_object(c, server, "acme", 0);
	struct acme_conf *a;
	size_t top;
	int rc = 0;

	if (obj == NULL)
		return json_object_get(server, "acme") ? -1 : 0;
	if ((a = calloc(1, sizeof(*a))) == NULL) /* the model's */
		return -1;
	c->m->acme = a;
	top = settings_json_push(c, "acme");
	settings_json_check_keys(c, obj, keys);
	rc |= read_texts(c, obj, a);
	rc |= read_issue(c, obj, a);
	rc |= read_numbers(c, obj, a);
	settings_json_pop(c, top);
	return rc;
}

int settings_state_dir(struct settings_json *c, json_t *root)
{
	json_t *server = json_object_get(root, "server");
	json_t *dir = json_object_get(root, "directory");
	char *given = NULL;
	size_t top;
	int rc = 0;

	top = settings_json_push(c, "server");
	if (json_is_object(server) &&
	    (rc = settings_json_get_string(c, server, "state_dir", 0, &given)) >
		0)
		c->m->state_dir = settings_json_path(c, given);
	settings_json_pop(c, top);
	free(given);
	given = NULL;
	if (json_is_object(dir) && json_object_get(dir, "state_dir") != NULL) {
		settings_warn(
		    c->errs,
		    "%s: /directory/state_dir has moved to "
		    "/server/state_dir (the one folder for snapshots, "
		    "certificates and ACME)%s",
		    c->file,
		    c->m->state_dir ? "; /server/state_dir is used"
				    : "; it is used for now");
		if (c->m->state_dir == NULL && c->m->directory != NULL)
			c->m->state_dir = strdup(c->m->directory->state_dir);
	}
	if (c->m->state_dir == NULL)
		c->m->state_dir = strdup(STATE_DIR_DEFAULT);
	if (c->m->directory != NULL) {
		free(c->m->directory->state_dir);
		c->m->directory->state_dir = strdup(c->m->state_dir);
	}
	return rc < 0 || c->m->state_dir == NULL ? -1 : 0;
}
