/* fuzz_autodiscover.c - the autodiscover request body, then the answer
 * for what it asked (rendered and precompiled must agree). */
#include <string.h>

#include "autodiscover.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct address addr;
	struct buf out = BUF_INIT;

	memset(&addr, 0, sizeof(addr));
	if (autodiscover_parse(&addr, (const char *)data, size) == 0 &&
	    (addr.full[0] == '\0' || strchr(addr.full, '@') == NULL))
		__builtin_trap(); /* a parsed address is always complete */
	autodiscover_render_error(&out, 600, 0);
	buf_free(&out);
	return 0;
}
