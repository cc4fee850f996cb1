/* probe_report.c - the probe's findings and their two renderings
 * (probe_report.h). */
#include "probe_report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const verdict_names[] = {"ok", "wrong", "unreachable",
					    "info"};

/* s with every byte that is not printable ASCII as '?' (a server's
 * words go into the JSON, which wants UTF-8). */
static void printable(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

void probe_report_add(struct probe_report *r, const char *group,
		      const char *name, enum verdict v, const char *reason,
		      const char *fix)
{
	struct probe_step *s;
	size_t cap = r->cap ? r->cap * 2 : 32;

	if (r->n == r->cap) {
		s = realloc(r->steps, cap * sizeof(*s)); /* r's */
		if (s == NULL) {
			r->failed = 1;
			return;
		}
		r->steps = s;
		r->cap = cap;
	}
	s = &r->steps[r->n++];
	snprintf(s->group, sizeof(s->group), "%s", group);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->verdict = v;
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
	snprintf(s->fix, sizeof(s->fix), "%s",
		 fix && v != VERDICT_OK && v != VERDICT_INFO ? fix : "");
	printable(s->name);
	printable(s->reason);
}

size_t probe_report_count(const struct probe_report *r, enum verdict v)
{
	size_t i, k = 0;

	for (i = 0; i < r->n; i++)
		k += r->steps[i].verdict == v;
	return k;
}

int probe_report_status(const struct probe_report *r)
{
	return probe_report_count(r, VERDICT_WRONG) +
			       probe_report_count(r, VERDICT_UNREACHABLE) >
			   0 ||
		       r->failed
		   ? 1
		   : 0;
}

static int failing(const struct probe_step *s)
{
	return s->verdict == VERDICT_WRONG || s->verdict == VERDICT_UNREACHABLE;
}

/* The steps of group g, failing ones first, each in the order made. */
static void text_group(const struct probe_report *r, const char *g,
		       struct buf *out)
{
	static const char *const label[] = {"ok   ", "WRONG", "UNREACHABLE",
					    "info "};
	const struct probe_step *s;
	size_t pass, i;

	buf_printf(out, "%s\n", g);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < r->n; i++) {
			s = &r->steps[i];
			if (strcmp(s->group, g) != 0 || failing(s) != !pass)
				continue;
			buf_printf(out, "  %s %s: %s\n", label[s->verdict],
				   s->name, s->reason);
			if (s->fix[0] != '\0')
				buf_printf(out, "        fix: %s\n", s->fix);
		}
}

/* 1 if group g came before step i. */
static int seen_before(const struct probe_report *r, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (strcmp(r->steps[j].group, r->steps[i].group) == 0)
			return 1;
	return 0;
}

void probe_report_text(const struct probe_report *r, struct buf *out)
{
	size_t i;

	buf_printf(out, "%s: %s (%zu ok, %zu wrong, %zu unreachable)\n",
		   r->domain,
		   probe_report_status(r) ? "something is wrong" : "all true",
		   probe_report_count(r, VERDICT_OK) +
		       probe_report_count(r, VERDICT_INFO),
		   probe_report_count(r, VERDICT_WRONG),
		   probe_report_count(r, VERDICT_UNREACHABLE));
	for (i = 0; i < r->n; i++)
		if (!seen_before(r, i))
			text_group(r, r->steps[i].group, out);
}

void probe_report_json(const struct probe_report *r, struct buf *out)
{
	json_t *o = json_object(), *steps = json_array(); /* freed below */
	const struct probe_step *s;
	size_t i;
	char *text;

	for (i = 0; i < r->n; i++) {
		s = &r->steps[i];
		json_array_append_new(
		    steps,
		    json_pack("{ss ss ss ss ss}", "client", s->group, "step",
			      s->name, "verdict", verdict_names[s->verdict],
			      "reason", s->reason, "fix", s->fix));
	}
	json_object_set_new(o, "domain", json_string(r->domain));
	json_object_set_new(
	    o, "result", json_string(probe_report_status(r) ? "wrong" : "ok"));
	json_object_set_new(
	    o, "wrong",
	    json_integer((json_int_t)probe_report_count(r, VERDICT_WRONG)));
	json_object_set_new(o, "unreachable",
			    json_integer((json_int_t)probe_report_count(
				r, VERDICT_UNREACHABLE)));
	json_object_set_new(o, "steps", steps);
	text = json_dumps(o, JSON_COMPACT); /* freed below */
	if (text == NULL || buf_puts(out, text) < 0)
		out->failed = 1;
	free(text);
	json_decref(o);
}

void probe_report_free(struct probe_report *r)
{
	free(r->steps);
	r->steps = NULL;
	r->n = r->cap = 0;
}
