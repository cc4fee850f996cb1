/* settings_acme.h - the table's server.acme (the built-in ACME client:
 * docs/deployment.md, "Certificates") and server.state_dir (the one
 * folder for what the daemon keeps; directory.state_dir is its old
 * place, still read, with a warning). */
#ifndef MAILCONFD_SETTINGS_ACME_H
#define MAILCONFD_SETTINGS_ACME_H

#include "settings_json.h"

/* server.acme into c->m->acme (NULL when absent). 0, or -1 (reported). */
int settings_acme_parse(struct settings_json *c, json_t *server);

/* c->m->state_dir from server.state_dir, else the old directory.state_dir
 * (a warning), else /var/lib/mailconfd; the directory's copy follows it.
 * After settings_directory_parse(). 0, or -1 (reported). */
int settings_state_dir(struct settings_json *c, json_t *root);

#endif
