/* test_template.c - the template step: escaping by default, sections,
 * lookups, and compile errors with line numbers. */
#include <jansson.h>
#include <stdlib.h>

#include "check.h"
#include "pages.h"
#include "template.h"

#include <stdio.h>
#include <unistd.h>

static char *render(const char *tpl, const char *json)
{
	static char out[4096];
	char err[128];
	struct template *t =
	    template_compile(tpl, strlen(tpl), err, sizeof(err));
	json_t *ctx = json_loads(json, 0, NULL);
	struct buf b = BUF_INIT;

	snprintf(out, sizeof(out), "compile error: %s", err);
	if (t != NULL && ctx != NULL && template_render(t, ctx, &b) == 0)
		snprintf(out, sizeof(out), "%s", b.data ? b.data : "");
	buf_free(&b);
	json_decref(ctx);
	template_free(t);
	return out;
}

static const char *compile_error(const char *tpl)
{
	static char err[128];
	struct template *t =
	    template_compile(tpl, strlen(tpl), err, sizeof(err));

	if (t != NULL) {
		template_free(t);
		return "compiled";
	}
	return err;
}

/* The shipped templates load; a copy whose setup.en.html holds U+E010
 * (the kept pages' placeholder) is refused with the file named. */
static void test_reserved_characters(void)
{
	static const char *const files[] = {"setup.de.html", "setup.en.html",
					    "index.de.html", "index.en.html",
					    "error.html",    "setup.css"};
	char dir[] = "/tmp/mailconfd-tpl-XXXXXX", path[256], err[512];
	struct pages *p = pages_load(TEMPLATES_DIR, err, sizeof(err));
	struct buf b = BUF_INIT;
	size_t i;
	FILE *f;

	CHECK(p != NULL);
	pages_free(p);
	CHECK(mkdtemp(dir) != NULL);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", TEMPLATES_DIR, files[i]);
		buf_reset(&b);
		CHECK(buf_read_file(&b, path, 1 << 20) == 0);
		if (strcmp(files[i], "setup.en.html") == 0)
			buf_puts(&b, "\xEE\x80\x90");
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		f = fopen(path, "w");
		CHECK(f != NULL && fwrite(b.data, 1, b.len, f) == b.len);
		if (f != NULL)
			fclose(f);
	}
	p = pages_load(dir, err, sizeof(err));
	CHECK(p == NULL && strstr(err, "setup.en.html: holds a private-use "
				       "character U+E000..U+E03F") != NULL);
	pages_free(p);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	buf_free(&b);
}

int main(void)
{
	test_reserved_characters();
	CHECK_STR(render("<p>{{a}}</p>",
			 "{\"a\": \"<script>alert('x')&\\\"</script>\"}"),
		  "<p>&lt;script&gt;alert(&#39;x&#39;)&amp;&quot;&lt;/"
		  "script&gt;</p>");
	CHECK_STR(render("{{{a}}}", "{\"a\": \"<b>\"}"), "<b>");
	CHECK_STR(
	    render(
		"{{a.b.c}}|{{n}}|{{t}}|{{f}}|{{z}}|{{missing}}",
		"{\"a\": {\"b\": {\"c\": \"deep\"}}, \"n\": 993, \"t\": true, "
		"\"f\": false, \"z\": null}"),
	    "deep|993|true|||");
	CHECK_STR(
	    render(
		"{{#l}}[{{host}}:{{port}} {{dom}}]{{/l}}",
		"{\"dom\": \"x.org\", \"l\": [{\"host\": \"a\", \"port\": 1}, "
		"{\"host\": \"b\", \"port\": 2}]}"),
	    "[a:1 x.org][b:2 x.org]");
	CHECK_STR(render("{{#o}}{{v}}{{/o}}{{^o}}none{{/o}}{{^e}}empty{{/e}}",
			 "{\"o\": {\"v\": \"in\"}, \"e\": []}"),
		  "inempty");
	CHECK_STR(render("{{#s}}yes{{/s}}{{#x}}no{{/x}}",
			 "{\"s\": \"t\", \"x\": \"\"}"),
		  "yes");
	CHECK_STR(render("{{#l}}{{.}},{{/l}}", "{\"l\": [\"a\", \"<\"]}"),
		  "a,&lt;,");
	CHECK_STR(render("a{{! a comment }}b", "{}"), "ab");
	CHECK_STR(compile_error("x\n{{#a}}\ny"), "2: section not closed");
	CHECK_STR(compile_error("{{#a}}{{/b}}"),
		  "1: {{/...}} closes another section");
	CHECK_STR(compile_error("x\n\n{{/a}}"),
		  "3: {{/...}} without an open section");
	CHECK_STR(compile_error("{{a"), "1: unclosed tag");
	CHECK_STR(compile_error("{{ }}"), "1: empty or overlong name in a tag");
	CHECK_STR(compile_error("{{#a}}{{/a}}"), "compiled");
	return check_done();
}
