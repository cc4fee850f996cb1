/* route.c - the names of the routes (route.h). */
#include "route.h"

static const char *const names[ROUTE_COUNT] = {
    [ROUTE_OTHER] = "other",
    [ROUTE_AUTOCONFIG] = "autoconfig",
    [ROUTE_AUTODISCOVER] = "autodiscover",
    [ROUTE_AUTODISCOVER_JSON] = "autodiscover_json",
    [ROUTE_PROFILE] = "profile",
    [ROUTE_SETUP] = "setup",
    [ROUTE_HOSTED] = "hosted",
    [ROUTE_WELL_KNOWN_DAV] = "well_known_dav",
    [ROUTE_MTA_STS] = "mta_sts",
    [ROUTE_PACC] = "pacc",
    [ROUTE_ACME_CHALLENGE] = "acme_challenge",
};

const char *route_name(enum route r)
{
	return r >= 0 && r < ROUTE_COUNT ? names[r] : names[ROUTE_OTHER];
}
