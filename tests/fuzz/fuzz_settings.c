/* fuzz_settings.c - the settings table: any bytes as the table's JSON. */
#include "fuzz.h"
#include "settings.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct settings_errors errs = {BUF_INIT, 0};
	struct model *m = NULL;

	/* A name in a folder with no domain lists: file references fail. */
	settings_load_text(&m, "/nonexistent/fuzz.json", (const char *)data,
			   size, &errs);
	model_unref(m);
	settings_errors_free(&errs);
	return 0;
}
