/* golden_run.c - renders every request of a case file through the real
 * router and compares the answers with the expected files beside it.
 *
 * usage: golden_run SETTINGS CASEDIR [TEMPLATES]
 * CASEDIR/requests.txt: one request per line, "NAME METHOD TARGET HOST
 * [BODYFILE]" (HOST "-" for none), '#' comments. Expected answers:
 * CASEDIR/NAME.head (status and headers) and CASEDIR/NAME.EXT (the body;
 * EXT from the content type). UPDATE_GOLDEN=1 rewrites them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "model_load.h"

#define GOLDEN_NOW                                                             \
	1767225600 /* 2026-01-01T00:00:00Z: golden files are                   \
		      stable */

static int passed, failed;

static const char *body_ext(const char *ct)
{
	if (ct == NULL)
		return "txt";
	if (strstr(ct, "xml") != NULL)
		return "xml";
	if (strstr(ct, "json") != NULL)
		return "json";
	if (strstr(ct, "html") != NULL)
		return "html";
	if (strstr(ct, "aspen-config") != NULL)
		return "mobileconfig";
	return "txt";
}

static int file_equals(const char *path, const char *data, size_t len)
{
	struct buf old = BUF_INIT;
	int eq;

	if (buf_read_file(&old, path, 1u << 24) < 0) {
		buf_free(&old);
		return 0;
	}
	eq = old.len == len && memcmp(old.data, data, len) == 0;
	buf_free(&old);
	return eq;
}

static void expect(const char *dir, const char *name, const char *ext,
		   const char *data, size_t len)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	if (getenv("UPDATE_GOLDEN") != NULL) {
		f = fopen(path, "wb");
		if (f != NULL) {
			fwrite(data, 1, len, f);
			fclose(f);
		}
	}
	if (file_equals(path, data, len)) {
		passed++;
		return;
	}
	failed++;
	fprintf(stderr, "%s: differs from the answer, which was:\n%.*s\n", path,
		(int)len, data);
}

static void head_text(struct buf *h, const struct reply *r)
{
	size_t i;

	buf_printf(h, "HTTP %d\n", r->status);
	if (r->content_type != NULL)
		buf_printf(h, "Content-Type: %s\n", r->content_type);
	for (i = 0; i < r->n_headers; i++)
		buf_printf(h, "%s: %s\n", r->headers[i].name,
			   r->headers[i].value);
}

static void run_case(const struct model *m, const char *dir, char *line)
{
	char *name = strtok(line, " \t"), *method = strtok(NULL, " \t");
	char *target = strtok(NULL, " \t"), *host = strtok(NULL, " \t");
	char *bodyfile = strtok(NULL, " \t"), path[1024];
	struct buf head = BUF_INIT, body = BUF_INIT;
	struct reply r = {0};
	struct request req;

	if (name == NULL || host == NULL) {
		fprintf(stderr, "bad case line\n");
		failed++;
		return;
	}
	request_parse(&req, method, target, strcmp(host, "-") ? host : NULL);
	if (bodyfile != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, bodyfile);
		buf_read_file(&body, path, 1u << 24);
		req.body = body.data;
		req.body_len = body.len;
	}
	dispatch(&r, m, &req, GOLDEN_NOW);
	head_text(&head, &r);
	expect(dir, name, "head", head.data, head.len);
	expect(dir, name, body_ext(r.content_type), r.body.data, r.body.len);
	reply_free(&r);
	buf_free(&head);
	buf_free(&body);
}

int main(int argc, char **argv)
{
	struct settings_errors errs = {BUF_INIT, 0, BUF_INIT};
	struct load_options lo = {0};
	struct model *m = NULL;
	char path[1024], line[4096];
	FILE *f;

	if (argc != 3 && argc != 4)
		return 2;
	lo.config = argv[1];
	lo.templates = argc == 4 ? argv[3] : NULL;
	lo.now = GOLDEN_NOW;
	if (model_load(&m, &lo, &errs) < 0) {
		fputs(errs.text.data, stderr);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/requests.txt", argv[2]);
	f = fopen(path, "r");
	if (f == NULL)
		return 1;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '#' && line[0] != '\0')
			run_case(m, argv[2], line);
	}
	fclose(f);
	model_unref(m);
	settings_errors_free(&errs);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0 || passed == 0;
}
