/* test_table_reader.c - the table read a member at a time against jansson
 * reading it whole: the same texts accepted, the same values, the same
 * line of each syntax error; from a text and through windows of a few
 * bytes on a file, so every refill and growth is crossed. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "table_reader.h"

static const char *const valid[] = {
    "{}",
    " \n{ \"provider\" : {\"id\": \"p\"} }\n",
    "{\"domains\": {}}",
    "{\"domains\":{\"a.example\":{},\"b.example\":{ \n },"
    "\"c.example\":{\"login\":\"%EMAILLOCALPART%\"}}}",
    "{\"defaults\": {\"imap_path_prefix\": \"INBOX\"},\n"
    " \"domains\": {\n  \"k\\u00fcnde.example\": {},\n"
    "  \"m\xc3\xbcller.example\": {\"x\": [1, {\"}\": \"{\\\"\"}], \"y\": "
    "null},\n"
    "  \"\": 5, \"t\": true, \"f\": false, \"s\": \"}\"\n },\n"
    " \"server\": {\"limits\": {\"body_max\": 4096}},\n"
    " \"domain_files\": [\"a.txt\", \"b\\\\c.txt\"]\n}\n",
    "{\"domains\": [\"not\", \"an\", \"object\"], \"x\": 1}",
    "[\"example.org\"]",
    "\"a string\"",
    "{\"a\":{\"b\":{\"c\":{\"d\":[[[[]]]]}}},\"domains\":{\"z.example\":{}}}",
};

struct gathered {
	json_t *domains; /* owned */
	int duplicate;	 /* a key came twice: jansson refuses the text */
};

static void gather(void *cls, const char *key, json_t *v)
{
	struct gathered *g = cls;

	if (json_object_get(g->domains, key) != NULL)
		g->duplicate = 1;
	json_object_set(g->domains, key, v);
}

/* The table as the reader gives it, "domains" put back in; NULL if
 * refused, with the first problem's line in *line. */
static json_t *read_all(int fd, const char *text, size_t len, size_t window,
			long *line)
{
	struct settings_errors errs = {BUF_INIT, 0, BUF_INIT};
	struct gathered g = {json_object(), 0};
	struct table_reader r;
	json_t *top = NULL;
	const char *colon;

	*line = 0;
	if (table_reader_init(&r, fd, text, len, window, "t.json", &errs) == 0)
		top = table_read_top(&r);
	if (top != NULL && table_read_domains(&r, gather, &g) < 0)
		json_decref(top), top = NULL;
	if (top != NULL && (g.duplicate || errs.count > 0))
		json_decref(top), top = NULL;
	else if (top != NULL && r.domains_seen)
		json_object_set(top, "domains", g.domains);
	colon = errs.text.data ? strchr(errs.text.data, ':') : NULL;
	if (colon != NULL)
		*line = strtol(colon + 1, NULL, 10);
	json_decref(g.domains);
	table_reader_free(&r);
	settings_errors_free(&errs);
	return top;
}

static int write_tmp(const char *text, size_t len)
{
	char path[] = "/tmp/mailconfd-reader-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path);
	if (write(fd, text, len) != (ssize_t)len ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int compared, refused;

/* One text: from memory and through windows of 1, 2, 3, 7 and 64 bytes,
 * against json_loadb() of the whole. */
static void compare(const char *text, size_t len)
{
	static const size_t windows[] = {0, 1, 2, 3, 7, 64};
	json_error_t e;
	json_t *want =
	    json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
	size_t i;

	for (i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		int fd = windows[i] ? write_tmp(text, len) : -1;
		long line;
		json_t *got = read_all(fd, text, len, windows[i], &line);
		int same =
		    want ? got != NULL && json_equal(got, want) : got == NULL;

		if (!same)
			fprintf(stderr, "window %zu: %s: <%.*s>\n", windows[i],
				want ? "differs" : "accepted", (int)len, text);
		CHECK(same);
		/* jansson names the line of a syntax error; so must we (a
		 * duplicate domain is reported later, by the settings) */
		if (want == NULL && line != 0 && line != e.line)
			fprintf(stderr, "line %ld, jansson %d: <%.*s>\n", line,
				e.line, (int)len, text);
		CHECK(want != NULL || line == 0 || line == e.line);
		json_decref(got);
		if (fd >= 0)
			close(fd);
	}
	compared++;
	refused += want == NULL;
	json_decref(want);
}

/* Every valid text, every prefix of it, and every byte of it changed to
 * each of the characters that matter to JSON's structure. */
static void test_against_jansson(void)
{
	static const char swaps[] = "{}[]\":,\\ \nx0";
	char copy[1024];
	size_t t, i, k, len;

	for (t = 0; t < sizeof(valid) / sizeof(valid[0]); t++) {
		len = strlen(valid[t]);
		CHECK(len < sizeof(copy));
		compare(valid[t], len);
		for (i = 0; i < len; i++)
			compare(valid[t], i);
		for (i = 0; i < len; i++) {
			for (k = 0; k < sizeof(swaps) - 1; k++) {
				memcpy(copy, valid[t], len);
				copy[i] = swaps[k];
				compare(copy, len);
			}
		}
	}
	printf("%d texts compared, %d refused by both\n", compared, refused);
	CHECK(refused > 0 && refused < compared);
}

/* The column of an error is jansson's too, and a read past the limit says
 * so. */
static void test_positions(void)
{
	struct settings_errors errs = {BUF_INIT, 0, BUF_INIT};
	const char *text = "{\n  \"provider\": {},\n  \"defaults\": {},\n}\n";
	struct table_reader r;
	int fd = write_tmp(text, strlen(text));

	CHECK(table_reader_init(&r, fd, NULL, 0, 4, "t.json", &errs) == 0);
	CHECK(table_read_top(&r) == NULL);
	CHECK_STR(errs.text.data,
		  "t.json:4:1: string or '}' expected near '}'\n");
	table_reader_free(&r);
	settings_errors_free(&errs);
	memset(&errs, 0, sizeof(errs));
	lseek(fd, 0, SEEK_SET);
	CHECK(table_reader_init(&r, fd, NULL, 0, 4, "t.json", &errs) == 0);
	r.max = 10;
	CHECK(table_read_top(&r) == NULL);
	CHECK_STR(errs.text.data, "t.json: cannot read: File too large\n");
	table_reader_free(&r);
	settings_errors_free(&errs);
	close(fd);
}

int main(void)
{
	test_against_jansson();
	test_positions();
	return check_done();
}
