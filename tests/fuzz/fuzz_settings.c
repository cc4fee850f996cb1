/* fuzz_settings.c - the settings table: any bytes as the table's JSON. */
#include "fuzz.h"
#include "model.h"
#include "model_load.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct settings_errors errs = {BUF_INIT, 0, BUF_INIT};
	struct load_options lo = {0};
	struct model *m = NULL;

	/* A name in a folder with no domain lists: file references fail.
	 * The whole road a table takes, precompiled answers included. */
	lo.config = "/nonexistent/fuzz.json";
	lo.text = (const char *)data;
	lo.text_len = size;
	model_load(&m, &lo, &errs);
	model_unref(m);
	settings_errors_free(&errs);
	return 0;
}
