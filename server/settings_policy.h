/* settings_policy.h - an account's MX hosts, MTA-STS policy and TLS-RPT
 * addresses (SPEC §10.2-10.3) from the table: "mx", "mta_sts",
 * "tls_rpt". Internal to the settings module. */
#ifndef MAILCONFD_SETTINGS_POLICY_H
#define MAILCONFD_SETTINGS_POLICY_H

#include "settings_json.h"

/* Reads the keys of obj that belong to the policy into *p (each key that
 * obj gives replaces what *p had: a domain entry over the defaults).
 * Returns 0 or -1 (reported). */
int settings_policy_parse(struct settings_json *c, json_t *obj,
			  struct mail_policy *p);

/* An enforce policy must cover every MX host the table names: a host it
 * does not list is one senders will not deliver to (RFC 8461 §5). domain
 * fills %EMAILDOMAIN%. Returns 0 or -1 (reported at the policy's path). */
int settings_policy_check(struct settings_json *c, const struct mail_policy *p,
			  const char *domain);

#endif
