/* test_template.c - the template step: escaping by default, sections,
 * lookups, and compile errors with line numbers. */
#include <jansson.h>
#include <stdlib.h>

#include "check.h"
#include "template.h"

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

int main(void)
{
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
