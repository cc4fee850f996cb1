/* fuzz_request.c - a whole request through the router: the input is
 * "METHOD\nTARGET\nHOST\nACCEPT-LANGUAGE\nBODY", answered from a fixed
 * table with overrides, IDN domains and the setup page's templates. The
 * fourth line also feeds the other header parsers (If-None-Match,
 * X-Forwarded-*, Forwarded). */
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "fuzz.h"
#include "model_load.h"

static struct model *model; /* the fixed table: the fuzzer's own state */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct settings_errors errs = {BUF_INIT, 0, BUF_INIT};
	struct load_options lo = {0};

	(void)argc;
	(void)argv;
	lo.config = FUZZ_TABLE;
	lo.templates = FUZZ_TEMPLATES;
	if (model_load(&model, &lo, &errs) < 0)
		abort();
	settings_errors_free(&errs);
	return 0;
}

/* Cuts the next line off *p (NUL-terminating it in place). */
static char *next_line(char **p)
{
	char *line = *p, *nl;

	if (line == NULL)
		return NULL;
	nl = strchr(line, '\n');
	if (nl != NULL) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = NULL;
	}
	return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *p = text; /* freed below */
	char *method, *target, *host, *lang;
	struct request req;
	struct reply r = {0};

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	method = next_line(&p);
	target = next_line(&p);
	host = next_line(&p);
	lang = next_line(&p);
	if (target != NULL && strlen(target) <= 4096) {
		char logged[300];
		request_parse(&req, method, target, host);
		if (req.bad_host == NULL && req.host[0] != '\0' &&
		    !hostname_valid(req.host))
			__builtin_trap(); /* a host we act on is a name */
		request_log_path(logged, sizeof(logged), target);
		if (strchr(logged, '@') != NULL || strstr(logged, "%40"))
			__builtin_trap(); /* the log never holds an address */
		request_set_language(&req, lang);
		if (lang != NULL) { /* the header parsers, on the same bytes */
			char item[300];
			request_etag_matches(lang, host);
			request_last_item(lang, item, sizeof(item));
			request_forwarded_param(lang, "host", item,
						sizeof(item));
			if (strlen(item) >= sizeof(item))
				__builtin_trap();
		}
		req.body = p;
		req.body_len = p ? size - (size_t)(p - text) : 0;
		dispatch(&r, model, &req, 0);
		if (r.status < 200 || r.status > 599)
			__builtin_trap(); /* every request gets an answer */
		reply_free(&r);
	}
	free(text);
	return 0;
}
