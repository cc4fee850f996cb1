/* server_limits.h - the request and connection limits, as a table (one row per
 * limit with its name, bounds and default), shared by the settings file
 * ("server": {"limits": {...}}) and the --limit NAME=VALUE option. */
#ifndef MAILCONFD_SERVER_LIMITS_H
#define MAILCONFD_SERVER_LIMITS_H

struct limits {
	long max_url_length;	     /* bytes of the request target: 414 */
	long max_header_bytes;	     /* request line + headers (MHD memory) */
	long max_body_bytes;	     /* request body: 413 */
	long max_connections;	     /* open connections in total */
	long max_connections_per_ip; /* 0 = no per-address limit */
	long connection_timeout;     /* seconds of inactivity */
	long header_timeout; /* seconds for a whole request head, from the
				accept or the end of the idle time */
	long body_timeout;   /* seconds for the body, from the head's end */
	long signed_profile_cache; /* signed profiles kept (bytecache.h) */
	long qr_code_cache;	   /* QR codes' SVGs kept (bytecache.h) */
	long setup_page_cache;	   /* setup pages kept (setup_fill.h) */
};

/* Fills l with every default. */
void limits_default(struct limits *l);

/* Sets the limit called name to value. Returns 0, or -1 with *why set to a
 * static message (unknown name, or value out of bounds: then *why names the
 * bounds, e.g. "must be 64..65536"). */
int limits_set(struct limits *l, const char *name, long value,
	       const char **why);

/* Parses "NAME=VALUE" (the --limit option). Returns 0 or -1 with *why. */
int limits_set_option(struct limits *l, const char *opt, const char **why);

/* The name of limit i, or NULL past the last; for listing them. */
const char *limits_name(int i);

#endif
