/* test_model.c - the domain table and the model's lifetime. */
#include <stdlib.h>

#include "check.h"
#include "model.h"

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

int main(void)
{
	test_table();
	test_slot();
	return check_done();
}
