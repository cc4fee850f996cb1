/* fuzz_template.c - the template step: any bytes as a template, rendered
 * with a context like the setup page's. */
#include <jansson.h>
#include "fuzz.h"
#include "template.h"

static json_t *ctx; /* the fixed context: the fuzzer's own state */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ctx = json_pack("{s:s, s:i, s:b, s:[{s:s, s:i}, {s:s, s:i}], "
			"s:{s:{s:s}}, s:[], s:n}",
			"email", "<script>alert(1)</script>@example.org",
			"port", 993, "personal", 1, "incoming", "host", "a&b",
			"port", 1, "host", "c\"d", "port", 2, "a", "b", "c",
			"d", "empty", "null");
	return ctx == NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];
	struct template *t =
	    template_compile((const char *)data, size, err, sizeof(err));
	struct buf out = BUF_INIT;

	if (t != NULL) {
		template_render(t, ctx, &out);
		template_free(t);
	}
	buf_free(&out);
	return 0;
}
