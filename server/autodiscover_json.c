/* autodiscover_json.c - the Autodiscover v2 JSON hop (SPEC §2; answers
 * as mailcow's autodiscover-json.php and Exchange do). */
#include "autodiscover_json.h"

#include <jansson.h>
#include <stdlib.h>
#include <strings.h>

/* Serializes obj (whose reference is taken) into out. */
static int append_json(struct buf *out, json_t *obj)
{
	char *text = NULL; /* from jansson; freed below */
	int rc = -1;

	if (obj != NULL)
		text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text != NULL)
		rc = buf_puts(out, text);
	free(text);
	json_decref(obj);
	return rc;
}

int autodiscover_json_error(struct buf *out, const char *code,
			    const char *message)
{
	return append_json(out, json_pack("{s:s, s:s}", "ErrorCode", code,
					  "ErrorMessage", message));
}

/* The client's protocol value, if it is short printable ASCII, for the
 * error message; else nothing (never echo control bytes or bad UTF-8). */
static const char *echoable(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0'; i++)
		if (i >= 64 || s[i] < 0x20 || s[i] > 0x7E)
			return "";
	return s ? s : "";
}

int autodiscover_json_url(struct buf *out, const char *protocol,
			  const char *url)
{
	return append_json(
	    out, json_pack("{s:s, s:s}", "Protocol", protocol, "Url", url));
}

int autodiscover_json_render(struct buf *out, const char *protocol,
			     const char *host)
{
	struct buf url = BUF_INIT, msg = BUF_INIT; /* freed below */
	int rc;

	if (protocol != NULL && strcasecmp(protocol, "AutodiscoverV1") == 0) {
		buf_printf(&url, "https://%s/Autodiscover/Autodiscover.xml",
			   host);
		rc = url.failed ? -1
				: autodiscover_json_url(out, "AutodiscoverV1",
							url.data);
		rc = rc < 0 ? -1 : 200;
	} else {
		buf_printf(&msg,
			   "The given protocol value '%s' is invalid. "
			   "Supported values are 'AutodiscoverV1'",
			   echoable(protocol));
		rc = msg.failed ? -1
				: autodiscover_json_error(
				      out, "InvalidProtocol", msg.data);
		rc = rc < 0 ? -1 : 400;
	}
	buf_free(&url);
	buf_free(&msg);
	return rc;
}
