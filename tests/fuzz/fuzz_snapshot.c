/* fuzz_snapshot.c - reading a snapshot file (directory_snapshot.c): the
 * input is the file's text, written to a temporary state folder; every row
 * handed on is a domain line of the file, and nothing crashes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "directory_snapshot.h"
#include "fuzz.h"

static char dir[64]; /* the fuzzer's own state folder, made once */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/mailconfd-fuzz-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int row(void *cls, const char *domain, size_t dlen, const char *entry,
	       size_t elen)
{
	size_t *rows = cls;

	if (domain == NULL || memchr(domain, '\n', dlen) != NULL ||
	    (entry != NULL && memchr(entry, '\n', elen) != NULL))
		__builtin_trap(); /* a row is one line's parts */
	(*rows)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128], why[256];
	long long when = 0;
	size_t rows = 0;
	long rc;
	FILE *f;

	if (dir[0] == '\0')
		LLVMFuzzerInitialize(NULL, NULL);
	snprintf(path, sizeof(path), "%s/fuzz.domains", dir);
	if ((f = fopen(path, "wb")) == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	rc = directory_snapshot_read(dir, "fuzz", row, &rows, &when, why,
				     sizeof(why));
	if (rc >= 0 && (size_t)rc != rows)
		__builtin_trap(); /* it counts what it handed on */
	unlink(path);
	return 0;
}
