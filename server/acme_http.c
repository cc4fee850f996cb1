/* acme_http.c - libcurl for the ACME client (acme_http.h). */
#include "acme_http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ANSWER_MAX (1u << 20)

#define CA_FILE_MAX 4096

struct acme_http {
	CURL *curl;		   /* owned */
	char ca_file[CA_FILE_MAX]; /* "" for the system's CAs */
};

struct acme_http *acme_http_new(const char *ca_file)
{
	struct acme_http *h = calloc(1, sizeof(*h)); /* the caller's */

	if (h == NULL)
		return NULL;
	if ((ca_file != NULL && (size_t)snprintf(h->ca_file, CA_FILE_MAX, "%s",
						 ca_file) >= CA_FILE_MAX) ||
	    (h->curl = curl_easy_init()) == NULL) {
		free(h);
		return NULL;
	}
	return h;
}

void acme_http_free(struct acme_http *h)
{
	if (h != NULL)
		curl_easy_cleanup(h->curl);
	free(h);
}

void acme_answer_clear(struct acme_answer *a)
{
	buf_free(&a->body);
	memset(a, 0, sizeof(*a));
	a->retry_after = -1;
}

static size_t on_body(char *p, size_t size, size_t n, void *cls)
{
	struct acme_answer *a = cls;

	if (a->body.len + size * n > ANSWER_MAX ||
	    buf_append(&a->body, p, size * n) < 0)
		return 0; /* libcurl stops: CURLE_WRITE_ERROR */
	return size * n;
}

/* Copies the header's value (trimmed) into out when line is "name: ...". */
static int header_value(const char *line, size_t len, const char *name,
			char *out, size_t n)
{
	size_t k = strlen(name), v;

	if (len <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return 0;
	line += k + 1;
	len -= k + 1;
	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		len--;
	v = len < n - 1 ? len : n - 1;
	memcpy(out, line, v);
	out[v] = '\0';
	return 1;
}

static size_t on_header(char *p, size_t size, size_t n, void *cls)
{
	struct acme_answer *a = cls;
	char retry[32];

	header_value(p, size * n, "Location", a->location, sizeof(a->location));
	header_value(p, size * n, "Replay-Nonce", a->nonce, sizeof(a->nonce));
	header_value(p, size * n, "Content-Type", a->content_type,
		     sizeof(a->content_type));
	if (header_value(p, size * n, "Retry-After", retry, sizeof(retry)))
		a->retry_after = strtol(retry, NULL, 10); /* a date: 0 */
	return size * n;
}

int acme_http_do(struct acme_http *h, const char *method, const char *url,
		 const struct buf *body, struct acme_answer *a)
{
	struct curl_slist *hdr = NULL; /* freed below */
	CURLcode rc;
	CURL *c = h->curl;

	acme_answer_clear(a);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "mailconfd-acme/1");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
	if (h->ca_file[0] != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "POST") == 0) {
		hdr = curl_slist_append(hdr,
					"Content-Type: application/jose+json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body->len);
	}
	rc = curl_easy_perform(c);
	curl_slist_free_all(hdr);
	if (rc != CURLE_OK) {
		snprintf(a->error, sizeof(a->error), "%s: %s", url,
			 curl_easy_strerror(rc));
		a->status = 0;
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
	return 0;
}
