/* replay.c - runs a fuzz target over every file of its corpus folders, so
 * ctest replays the corpus (and every crash found, kept as a regression)
 * on each CI run. usage: replay_TARGET DIR... */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"

static int replay_dir(const char *dir, int *files)
{
	DIR *d = opendir(dir); /* closed below */
	struct dirent *e;
	char path[4096];

	if (d == NULL) {
		perror(dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		struct buf b = BUF_INIT;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (buf_read_file(&b, path, 1u << 24) == 0) {
			LLVMFuzzerTestOneInput((const uint8_t *)b.data, b.len);
			(*files)++;
		}
		buf_free(&b);
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	int i, files = 0, failed = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		failed += replay_dir(argv[i], &files) < 0;
	/* A crash or a sanitizer report ends the process before this line. */
	printf("%d passed, %d failed\n", files, failed);
	return failed != 0 || files == 0;
}
