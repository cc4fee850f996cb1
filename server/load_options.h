/* load_options.h - what building a model is told (model_load.h): the
 * table, the command line's overrides, and what to read. Its own header
 * so that the steps (settings.c, directory_load.c) need not include the
 * one that calls them. */
#ifndef MAILCONFD_LOAD_OPTIONS_H
#define MAILCONFD_LOAD_OPTIONS_H

#include <stddef.h>
#include <time.h>

struct buf;	 /* buf.h */
struct pem_keep; /* keypair.h */

struct load_options {
	const char *config;    /* the settings table's path */
	const char *text;      /* its text, or NULL to read config (fuzzers) */
	size_t text_len;       /* with text */
	const char *templates; /* the setup page's folder, or NULL: none */
	const char *const *limit_opts; /* --limit NAME=VALUE, n_limit_opts */
	size_t n_limit_opts;
	const char *const *tls_cert; /* --tls-cert/--tls-key pairs, n_tls */
	const char *const *tls_key;
	size_t n_tls;
	time_t now;    /* certificates must be valid at this time */
	int directory; /* 1: read the directory's sources (0: fuzzers and
			  golden runs never connect) */
	int check;     /* --check: also try the login query once, and
			  write no snapshot */
	struct pem_keep *keep; /* key files read at start (keypair.h), or
				  NULL */
	int no_keys;	       /* --dns: certificates and keys unread */
	struct buf *keep_text; /* with text NULL, or NULL: the table's bytes
				  land here when it reads a directory (whose
				  refreshes load that text again); else the
				  text is not kept, and this stays empty */
};

#endif
