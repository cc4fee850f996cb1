/* test_model.c - the domain table and the model's lifetime. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "domainlist.h"
#include "model.h"

#include <unistd.h>

static void test_table(void)
{
	struct model *m = model_new();
	char name[64];
	int i, found = 0, added = 0;

	CHECK(model_find_domain(m, "x.example") == NULL); /* empty table */
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "d%d.example", i);
		added += model_add_domain(m, name, 0) == 0;
	}
	CHECK(added == 5000);
	CHECK(model_add_domain(m, "d42.example", 0) == 1);
	CHECK(m->n_domains == 5000);
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "d%d.example", i);
		found += model_find_domain(m, name) == &m->defaults;
	}
	CHECK(found == 5000);
	CHECK(model_find_domain(m, "d5000.example") == NULL);
	CHECK(model_find_domain(m, "") == NULL);
	model_unref(m);
}

static void test_slot(void)
{
	struct model *a = model_new(), *b = model_new(), *held;
	struct model_slot slot;

	model_slot_init(&slot, a);
	held = model_slot_acquire(&slot); /* a request in flight on a */
	CHECK(held == a && atomic_load(&a->refs) == 2);
	model_slot_swap(&slot, b); /* a lives on for the request */
	CHECK(atomic_load(&a->refs) == 1);
	CHECK(model_slot_acquire(&slot) == b);
	model_unref(b);
	model_unref(held); /* frees a; ASan would see a leak or a reuse */
	model_slot_destroy(&slot);
}

/* 300,000 names that differ in digits (the tagged slots and the table's
 * growth): each added once, found, a second add is "already there", and
 * near misses are not hosted. */
static void test_many(void)
{
	struct model *m = model_new();
	char name[64];
	int i, added = 0, again = 0, found = 0, strangers = 0;

	for (i = 0; m != NULL && i < 300000; i++) {
		snprintf(name, sizeof(name), "customer-%d.example", i);
		added += model_add_domain(m, name, 0) == 0;
	}
	for (i = 0; m != NULL && i < 300000; i++) {
		snprintf(name, sizeof(name), "customer-%d.example", i);
		again += model_add_domain(m, name, 0) == 1;
		found += model_find_domain(m, name) == &m->defaults;
		snprintf(name, sizeof(name), "customer-%d.exampl", i);
		strangers += model_find_domain(m, name) != NULL;
	}
	CHECK(added == 300000 && again == 300000 && found == 300000);
	CHECK(strangers == 0 && m->n_domains == 300000);
	model_unref(m);
}

struct bad_line {
	size_t line, count;
};

static void note_bad(void *cls, const char *path, size_t line, const char *why)
{
	struct bad_line *b = cls;

	(void)path;
	(void)why;
	b->line = line;
	b->count++;
}

static void no_digest(void *cls, const char *data, size_t len)
{
	(void)cls;
	(void)data;
	(void)len;
}

/* A domain file of 1.4 MB read in pieces of 1 MiB: lines across the
 * piece's edge, a bad line after it numbered right, a last line without
 * '\n', comments and blank lines. */
static void test_domainlist(void)
{
	char path[] = "/tmp/mailconfd-list-XXXXXX";
	struct model *m = model_new();
	struct bad_line b = {0, 0};
	int fd = mkstemp(path), i;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	long bad;

	CHECK(f != NULL && m != NULL);
	if (f == NULL || m == NULL)
		return;
	fputs("# customers\n\n", f);
	for (i = 0; i < 60000; i++)
		fprintf(f, i == 54997 ? "bad..name\n" : "customer-%d.example\n",
			i);
	fputs("  last.example  # no newline", f);
	fclose(f);
	bad = domainlist_read(m, path, 1u << 30, note_bad, no_digest, &b);
	CHECK(bad == 1 && b.count == 1 && b.line == 55000);
	CHECK(m->n_domains == 60000);
	CHECK(model_find_domain(m, "customer-59999.example") != NULL);
	CHECK(model_find_domain(m, "last.example") != NULL);
	CHECK(domainlist_read(m, path, 1000, note_bad, no_digest, &b) == -1);
	unlink(path);
	model_unref(m);
}

int main(void)
{
	test_domainlist();
	test_many();
	test_table();
	test_slot();
	return check_done();
}
