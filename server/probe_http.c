/* probe_http.c - the probe's HTTPS requests on libcurl (probe_http.h). */
#include "probe_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

static size_t on_body(char *p, size_t size, size_t n, void *cls)
{
	struct buf *b = cls;

	if (b->len + size * n > PROBE_BODY_MAX ||
	    buf_append(b, p, size * n) < 0)
		return 0; /* libcurl stops: CURLE_WRITE_ERROR */
	return size * n;
}

/* The request's options on c; the lists are the caller's to free. */
static void set_request(CURL *c, struct probe_fetch *f, const char *method,
			const char *url, const char *body,
			struct curl_slist *to, struct curl_slist *hdr,
			unsigned timeout_s)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CONNECT_TO, to);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "mailconfd-probe/1");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &f->body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE,
				 (long)(body ? strlen(body) : 0));
	}
}

int probe_fetch(struct probe_fetch *f, const char *method,
		const struct probe_target *to, const char *body,
		const char *ctype)
{
	CURL *c = curl_easy_init();		    /* freed below */
	struct curl_slist *map = NULL, *hdr = NULL; /* freed below */
	char url[1400], line[400], type[160], *ct = NULL;
	CURLcode rc = CURLE_OUT_OF_MEMORY;

	memset(f, 0, sizeof(*f));
	snprintf(url, sizeof(url), "https://%s%s", to->host, to->target);
	snprintf(line, sizeof(line),
		 strchr(to->addr, ':') ? "%s:443:[%s]:%u" : "%s:443:%s:%u",
		 to->host, to->addr, to->port);
	snprintf(type, sizeof(type), "Content-Type: %s", ctype ? ctype : "");
	map = curl_slist_append(NULL, line);
	if (ctype != NULL)
		hdr = curl_slist_append(NULL, type);
	if (c != NULL && map != NULL) {
		set_request(c, f, method, url, body, map, hdr, to->timeout_s);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
		curl_easy_setopt(c, CURLOPT_CAINFO, NULL); /* else GnuTLS */
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL); /* reads them */
		curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, to->pin);
		rc = curl_easy_perform(c);
	}
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
		if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) ==
			CURLE_OK &&
		    ct != NULL)
			snprintf(f->content_type, sizeof(f->content_type), "%s",
				 ct);
	} else {
		snprintf(f->error, sizeof(f->error), "%.200s: %s", url,
			 rc == CURLE_WRITE_ERROR ? "a body over 1 MiB"
						 : curl_easy_strerror(rc));
	}
	curl_slist_free_all(map);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

void probe_fetch_clear(struct probe_fetch *f)
{
	buf_free(&f->body);
	memset(f, 0, sizeof(*f));
}
