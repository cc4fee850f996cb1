/* template.c - a small Mustache-like template language (see template.h).
 *
 * Compiled once (at load) into a flat node array in which a section node
 * knows where it ends; rendering walks it with a stack of contexts. */
#include "template.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

#define NAME_MAX_LEN 128
#define DEPTH_MAX    16

enum node_type { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_END };

struct node {
	enum node_type type;
	const char *text; /* into the template's own copy */
	size_t len;
	size_t end; /* sections: index of the matching N_END */
};

struct template
{
	char *src;	    /* owned copy of the text */
	struct node *nodes; /* owned */
	size_t n, cap;
};

static int add_node(struct template *t, enum node_type type, const char *s,
		    size_t len)
{
	struct node *p;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		p = realloc(t->nodes, cap * sizeof(*p));
		if (p == NULL)
			return -1;
		t->nodes = p;
		t->cap = cap;
	}
	t->nodes[t->n].type = type;
	t->nodes[t->n].text = s;
	t->nodes[t->n].len = len;
	t->nodes[t->n].end = 0;
	t->n++;
	return 0;
}

static size_t line_of(const char *src, const char *p)
{
	size_t line = 1;

	for (; src < p; src++)
		line += *src == '\n';
	return line;
}

static void trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

struct compiler {
	struct template *t;
	size_t open[DEPTH_MAX]; /* indices of open sections */
	size_t depth;
	char *err;
	size_t errsz;
};

static int fail(struct compiler *c, const char *at, const char *why)
{
	snprintf(c->err, c->errsz, "%zu: %s", line_of(c->t->src, at), why);
	return -1;
}

static int close_section(struct compiler *c, const char *at, const char *name,
			 size_t len)
{
	struct node *open;

	if (c->depth == 0)
		return fail(c, at, "{{/...}} without an open section");
	open = &c->t->nodes[c->open[c->depth - 1]];
	if (open->len != len || memcmp(open->text, name, len) != 0)
		return fail(c, at, "{{/...}} closes another section");
	open->end = c->t->n;
	c->depth--;
	return add_node(c->t, N_END, name, len);
}

/* One tag: p points after "{{", close at its "}}" (or "}}}"). */
static int tag(struct compiler *c, const char *p, const char *close, int raw)
{
	char sigil = *p;
	const char *name = p;
	size_t len = (size_t)(close - p);

	if (sigil == '!')
		return 0;
	if (!raw && (sigil == '#' || sigil == '^' || sigil == '/')) {
		name++;
		len--;
	}
	trim(&name, &len);
	if (len == 0 || len > NAME_MAX_LEN)
		return fail(c, p, "empty or overlong name in a tag");
	if (raw)
		return add_node(c->t, N_RAW, name, len);
	if (sigil == '/')
		return close_section(c, p, name, len);
	if (sigil == '#' || sigil == '^') {
		if (c->depth == DEPTH_MAX)
			return fail(c, p, "sections nested too deep");
		c->open[c->depth++] = c->t->n;
		return add_node(c->t, sigil == '#' ? N_SECTION : N_INVERTED,
				name, len);
	}
	return add_node(c->t, N_VAR, name, len);
}

static int compile(struct compiler *c)
{
	const char *p = c->t->src, *open, *close;
	int raw;

	while ((open = strstr(p, "{{")) != NULL) {
		if (open > p && add_node(c->t, N_TEXT, p, (size_t)(open - p)))
			return -1;
		raw = open[2] == '{';
		close = strstr(open + 2 + raw, raw ? "}}}" : "}}");
		if (close == NULL)
			return fail(c, open, "unclosed tag");
		if (tag(c, open + 2 + raw, close, raw) < 0)
			return -1;
		p = close + 2 + raw;
	}
	if (*p != '\0' && add_node(c->t, N_TEXT, p, strlen(p)) < 0)
		return -1;
	if (c->depth > 0)
		return fail(c, c->t->nodes[c->open[c->depth - 1]].text,
			    "section not closed");
	return 0;
}

struct template *template_compile(const char *text, size_t len, char *err,
				  size_t errsz)
{
	struct template *t = calloc(1, sizeof(*t)); /* returned or freed */
	struct compiler c = {t, {0}, 0, err, errsz};

	snprintf(err, errsz, "out of memory");
	if (t == NULL || memchr(text, '\0', len) != NULL) {
		if (t != NULL)
			snprintf(err, errsz,
				 "1: the template holds a NUL byte");
		free(t);
		return NULL;
	}
	t->src = malloc(len + 1);
	if (t->src == NULL) {
		template_free(t);
		return NULL;
	}
	memcpy(t->src, text, len);
	t->src[len] = '\0';
	if (compile(&c) < 0) {
		template_free(t);
		return NULL;
	}
	return t;
}

struct renderer {
	const struct template *t;
	json_t *stack[DEPTH_MAX + 1];
	size_t depth;
	struct buf *out;
};

/* Resolves a dotted name from the innermost context outwards. */
static json_t *lookup(const struct renderer *r, const char *name, size_t len)
{
	char key[NAME_MAX_LEN + 1];
	const char *dot;
	json_t *v = NULL;
	size_t i, k;

	if (len == 1 && name[0] == '.')
		return r->stack[r->depth - 1];
	dot = memchr(name, '.', len);
	k = dot ? (size_t)(dot - name) : len;
	memcpy(key, name, k);
	key[k] = '\0';
	for (i = r->depth; i > 0 && v == NULL; i--)
		v = json_object_get(r->stack[i - 1], key);
	while (v != NULL && dot != NULL) {
		name = dot + 1;
		len -= k + 1;
		dot = memchr(name, '.', len);
		k = dot ? (size_t)(dot - name) : len;
		memcpy(key, name, k);
		key[k] = '\0';
		v = json_object_get(v, key);
	}
	return v;
}

static int truthy(json_t *v)
{
	if (v == NULL || json_is_false(v) || json_is_null(v))
		return 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	return 1;
}

static void emit(struct renderer *r, json_t *v, int escape)
{
	char num[32];

	if (json_is_string(v)) {
		if (escape)
			escape_html(r->out, json_string_value(v),
				    json_string_length(v));
		else
			buf_append(r->out, json_string_value(v),
				   json_string_length(v));
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld",
			 (long long)json_integer_value(v));
		buf_puts(r->out, num);
	} else if (json_is_true(v)) {
		buf_puts(r->out, "true");
	}
}

static void render_range(struct renderer *r, size_t from, size_t to);

static void render_section(struct renderer *r, const struct node *n, size_t i)
{
	json_t *v = lookup(r, n->text, n->len), *item;
	size_t k;

	if (n->type == N_INVERTED) {
		if (!truthy(v))
			render_range(r, i + 1, n->end);
		return;
	}
	if (!truthy(v) || r->depth > DEPTH_MAX - 1)
		return;
	if (!json_is_array(v)) {
		r->stack[r->depth++] = v;
		render_range(r, i + 1, n->end);
		r->depth--;
		return;
	}
	json_array_foreach (v, k, item) {
		r->stack[r->depth++] = item;
		render_range(r, i + 1, n->end);
		r->depth--;
	}
}

static void render_range(struct renderer *r, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		const struct node *n = &r->t->nodes[i];
		switch (n->type) {
		case N_TEXT:
			buf_append(r->out, n->text, n->len);
			break;
		case N_VAR:
		case N_RAW:
			emit(r, lookup(r, n->text, n->len), n->type == N_VAR);
			break;
		case N_SECTION:
		case N_INVERTED:
			render_section(r, n, i);
			i = n->end;
			break;
		case N_END:
			break;
		}
	}
}

int template_render(const struct template *t, json_t *ctx, struct buf *out)
{
	struct renderer r = {t, {ctx}, 1, out};

	render_range(&r, 0, t->n);
	return out->failed ? -1 : 0;
}

void template_free(struct template *t)
{
	if (t == NULL)
		return;
	free(t->src);
	free(t->nodes);
	free(t);
}
