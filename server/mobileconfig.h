/* mobileconfig.h - Apple configuration profiles for iPhone, iPad and Mac
 * (SPEC §3; schema: shared/reference/apple/com.apple.mail.managed.yaml). */
#ifndef MAILCONFD_MOBILECONFIG_H
#define MAILCONFD_MOBILECONFIG_H

#include "buf.h"
#include "lang.h"
#include "render.h"
#include "uuid.h"

/* Which incoming server a profile sets up (?type=). */
enum profile_type {
	PROFILE_UNKNOWN = -2,	/* ?type= named no protocol we know */
	PROFILE_PREFERRED = -1, /* as the table prefers */
	PROFILE_IMAP = 0,
	PROFILE_POP3 = 1
};

struct profile_options {
	enum profile_type type; /* never PROFILE_UNKNOWN */
	enum lang lang;
	const char *account_name; /* the sender name, or NULL (omitted) */
	const char *uuids[2];	  /* NULL: derived from the address (else given:
				     for precompiling with sentinels) */
};

/* The two PayloadUUIDs of addr's profile (the Configuration's, the mail
 * payload's): UUIDv5 of "<address>" and "<address>/mail" in a name space
 * derived from provider.id. Returns 0 or -1. */
int mobileconfig_uuids(const struct model *m, const char *address,
		       char out[2][UUID_STR_LEN + 1]);

/* The protocol a profile for account a offers: 0 IMAP, 1 POP3 (want_pop
 * as in struct profile_options), or -1 if the table offers none. */
int mobileconfig_protocol(const struct account *a, enum profile_type type);

/* Appends the XML plist profile for in->addr (required) to out: the
 * preferred advertised incoming server of the chosen protocol (implicit
 * TLS first: the profile has only a UseSSL flag), the preferred outgoing
 * server, the IMAP path prefix, no password. PayloadIdentifier and every
 * PayloadUUID derive from the address, so a second download replaces the
 * account. Returns 0, 1 if the domain offers no server of the asked
 * protocol, or -1 on error. */
int mobileconfig_render(struct buf *out, const struct render_input *in,
			const struct profile_options *opt);

#endif
