/* test_mobileconfig.c - profile identities: UUIDv5 known answers, and
 * stable, distinct identifiers across 10,000 addresses. */
#include <stdlib.h>

#include "check.h"
#include "mobileconfig.h"
#include "settings.h"
#include "uuid.h"

#define N_ADDR 10000

static void test_known_answer(void)
{
	uint8_t u[16];
	char s[UUID_STR_LEN + 1];

	/* Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") */
	CHECK(uuid_v5(u, uuid_namespace_dns, "python.org", 10) == 0);
	uuid_format(s, u);
	CHECK_STR(s, "886313E1-3B8A-5372-9B90-0C9AEE199E5D");
}

/* The two PayloadUUIDs of a rendered profile, in document order. */
static int uuids_of(const char *doc, char out[2][UUID_STR_LEN + 1])
{
	const char *p = doc;
	int n = 0;

	while (n < 2 && (p = strstr(p, "<key>PayloadUUID</key>")) != NULL) {
		p = strstr(p, "<string>");
		if (p == NULL)
			return n;
		memcpy(out[n], p + 8, UUID_STR_LEN);
		out[n][UUID_STR_LEN] = '\0';
		n++;
	}
	return n;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void render(struct buf *out, const struct model *m, const char *addr)
{
	struct address a;
	const char *why = NULL;
	struct render_input in = {.model = m, .addr = &a};
	struct profile_options opt = {
	    PROFILE_PREFERRED, LANG_EN, NULL, {NULL, NULL}};

	buf_reset(out);
	if (address_parse(&a, addr, &why) < 0)
		return;
	in.account = model_find_domain(m, a.domain);
	in.domain = a.domain;
	if (in.account != NULL)
		mobileconfig_render(out, &in, &opt);
}

static void test_identities(const struct model *m)
{
	char(*all)[UUID_STR_LEN + 1] = calloc(2 * N_ADDR, sizeof(*all));
	struct buf a = BUF_INIT, b = BUF_INIT;
	char addr[64], u[2][UUID_STR_LEN + 1];
	int i, same = 0, two = 0, dup = 0;

	for (i = 0; i < N_ADDR; i++) {
		snprintf(addr, sizeof(addr), "user%d@%s", i,
			 i % 2 ? "example.org" : "example.com");
		render(&a, m, addr);
		render(&b, m, addr);
		same += a.len > 0 && a.len == b.len &&
			memcmp(a.data, b.data, a.len) == 0;
		if (uuids_of(a.data, u) == 2) {
			two++;
			memcpy(all[2 * i], u[0], sizeof(u[0]));
			memcpy(all[2 * i + 1], u[1], sizeof(u[1]));
		}
	}
	CHECK(same == N_ADDR); /* re-downloads are byte-identical */
	CHECK(two == N_ADDR);
	qsort(all, 2 * N_ADDR, sizeof(*all), cmp);
	for (i = 1; i < 2 * N_ADDR; i++)
		dup += strcmp(all[i - 1], all[i]) == 0;
	CHECK(dup == 0); /* no two addresses or payloads share a UUID */
	printf("%d addresses: %d identical re-renders, %d UUIDs, %d shared\n",
	       N_ADDR, same, 2 * N_ADDR, dup);
	free(all);
	buf_free(&a);
	buf_free(&b);
}

int main(void)
{
	struct settings_errors errs = {BUF_INIT, 0, BUF_INIT};
	struct model *m = NULL;

	test_known_answer();
	CHECK(settings_load(&m, SHIPPED_TABLE, NULL, &errs) == 0);
	if (m != NULL)
		test_identities(m);
	model_unref(m);
	settings_errors_free(&errs);
	return check_done();
}
