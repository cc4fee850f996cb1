/* settings_account.h - the account part of the settings table. Internal
 * to the settings module. */
#ifndef MAILCONFD_SETTINGS_ACCOUNT_H
#define MAILCONFD_SETTINGS_ACCOUNT_H

#include "settings_json.h"

/* Reads an account object into *a: the defaults (incoming and outgoing
 * required) or a domain's override, which starts as a copy of the
 * defaults. Problems are reported; returns 0 or -1. */
int settings_account_parse(struct settings_json *c, json_t *obj,
			   struct account *a, int is_defaults);

/* Reads root["defaults"] into the model's defaults. Returns 0 or -1. */
int settings_account_defaults(struct settings_json *c, json_t *root);

#endif
