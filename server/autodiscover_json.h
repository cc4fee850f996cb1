/* autodiscover_json.h - the Autodiscover v2 hop used by Outlook 2016+ and
 * Outlook mobile (SPEC §2): GET /autodiscover/autodiscover.json...
 * answers with the URL of the POX endpoint. */
#ifndef MAILCONFD_AUTODISCOVER_JSON_H
#define MAILCONFD_AUTODISCOVER_JSON_H

#include "buf.h"

/* Appends the JSON answer for the requested protocol (NULL if the request
 * named none) to out. AutodiscoverV1 (any case) gets
 * {"Protocol":"AutodiscoverV1","Url":"https://HOST/Autodiscover/Autodiscover.xml"};
 * anything else the InvalidProtocol error. Returns the HTTP status (200 or
 * 400), or -1 when out of memory. */
int autodiscover_json_render(struct buf *out, const char *protocol,
			     const char *host);

/* Appends {"ErrorCode":code,"ErrorMessage":message}. Returns 0 or -1. */
int autodiscover_json_error(struct buf *out, const char *code,
			    const char *message);

/* Appends {"Protocol": protocol, "Url": url}. Returns 0 or -1. */
int autodiscover_json_url(struct buf *out, const char *protocol,
			  const char *url);

#endif
