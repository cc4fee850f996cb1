/* route.h - the identities of the routes: one list, read by the router
 * (dispatch.c), the access log and /metrics, so the names cannot drift
 * apart. */
#ifndef MAILCONFD_ROUTE_H
#define MAILCONFD_ROUTE_H

enum route {
	ROUTE_OTHER, /* no route: an unknown path, or refused before routing */
	ROUTE_AUTOCONFIG,
	ROUTE_AUTODISCOVER,
	ROUTE_AUTODISCOVER_JSON,
	ROUTE_PROFILE,
	ROUTE_SETUP,
	ROUTE_HOSTED,
	ROUTE_WELL_KNOWN_DAV,
	ROUTE_MTA_STS,
	ROUTE_PACC,
	ROUTE_ACME_CHALLENGE, /* HTTP-01, answered before routing (acme.h) */
	ROUTE_COUNT
};

/* The route's name in the access log and in /metrics labels. */
const char *route_name(enum route r);

#endif
