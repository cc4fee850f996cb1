/* settings_policy.h - an account's MX hosts, MTA-STS policy and TLS-RPT
 * addresses (SPEC §10.2-10.3) and its PACC choice (§10.1) from the table:
 * "mx", "mta_sts", "tls_rpt", "pacc". Internal to the settings module. */
#ifndef MAILCONFD_SETTINGS_POLICY_H
#define MAILCONFD_SETTINGS_POLICY_H

#include "settings_json.h"

/* Reads the keys of obj that belong to the policy into *p and "pacc"
 * into *pacc (each key that obj gives replaces what was there: a domain
 * entry over the defaults). Returns 0 or -1 (reported). */
int settings_policy_parse(struct settings_json *c, json_t *obj,
			  struct mail_policy *p, struct pacc_choice *pacc);

/* An enforce policy must cover every MX host the table names: a host it
 * does not list is one senders will not deliver to (RFC 8461 §5). domain
 * fills %EMAILDOMAIN%. Returns 0 or -1 (reported at the policy's path). */
int settings_policy_check(struct settings_json *c, const struct mail_policy *p,
			  const char *domain);

/* With "pacc" on, what PACC cannot express of a is an error at its
 * pacc (pacc_check()). Returns 0 or -1 (reported). */
int settings_pacc_check(struct settings_json *c, const struct account *a);

#endif
