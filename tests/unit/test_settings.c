/* test_settings.c - loading tables: the shipped one, overrides, lists. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "settings.h"

static char tmpdir[] = "/tmp/mailconfd-test-XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (f == NULL)
		return NULL;
	fputs(text, f);
	fclose(f);
	return path;
}

static struct model *load(const char *path, struct settings_errors *errs)
{
	struct model *m = NULL;

	memset(errs, 0, sizeof(*errs));
	settings_load(&m, path, NULL, errs);
	return m;
}

static void test_shipped(void)
{
	struct settings_errors errs;
	struct model *m = load(SHIPPED_TABLE, &errs);
	const struct account *a;

	CHECK(m != NULL);
	if (m == NULL) {
		fputs(errs.text.data, stderr);
		return;
	}
	a = model_find_domain(m, "example.org");
	CHECK(a != NULL && a == model_find_domain(m, "example.com"));
	CHECK(model_find_domain(m, "example.net") == NULL);
	CHECK_STR(a->login, "%EMAILADDRESS%");
	CHECK_STR(a->imap_path_prefix, "INBOX");
	CHECK(a->n_incoming == 4 && a->n_outgoing == 3);
	CHECK(a->incoming[0].proto == PROTO_IMAP && a->incoming[0].port == 993);
	CHECK(a->incoming[0].security == SECURITY_TLS);
	CHECK(a->incoming[2].port == 143 && !a->incoming[2].advertise);
	CHECK_STR(a->incoming[2].host, "imap.%EMAILDOMAIN%");
	CHECK(a->outgoing[1].port == 587 &&
	      a->outgoing[1].security == SECURITY_STARTTLS);
	CHECK(a->outgoing[2].port == 25 && !a->outgoing[2].advertise);
	CHECK_STR(m->provider.name, "Example Hosting");
	model_unref(m);
	settings_errors_free(&errs);
}

static const char base_table[] =
    "{\"provider\": {\"id\": \"p\", \"name\": \"P\", \"short_name\": \"P\"},"
    " \"defaults\": {\"incoming\": [{\"protocol\": \"imap\", \"host\": "
    "\"Mail.%EMAILDOMAIN%\", \"port\": 993, \"security\": \"tls\"}],"
    " \"outgoing\": [{\"protocol\": \"smtp\", \"host\": \"%EMAILDOMAIN%\","
    " \"port\": 465, \"security\": \"tls\"}]},"
    " \"domains\": {\"Kunde.Example.\": {\"login\": \"%EMAILLOCALPART%\","
    " \"outgoing\": [{\"protocol\": \"smtp\", \"host\": \"smtp.müller.de\","
    " \"port\": 587, \"security\": \"starttls\", \"auth\": [\"password\","
    " \"oauth2\"]}]}, \"bücher.example\": {}},"
    " \"domain_files\": [\"list.txt\"]}";

static void test_overrides(void)
{
	struct settings_errors errs;
	struct model *m;
	const struct account *a, *d;

	write_file("list.txt", "# customers\n\nA.example  # first\n"
			       "b.example\r\nkunde.example\nbücher.example\n"
			       "xn--mller-kva.example\n");
	m = load(write_file("t.json", base_table), &errs);
	CHECK(m != NULL);
	if (m == NULL) {
		fputs(errs.text.data, stderr);
		return;
	}
	CHECK(m->n_domains == 5);
	d = model_find_domain(m, "a.example");
	a = model_find_domain(m, "kunde.example");
	CHECK(d == &m->defaults && a != NULL && a != d);
	CHECK_STR(d->incoming[0].host, "mail.%EMAILDOMAIN%");
	CHECK_STR(d->login, "%EMAILADDRESS%");
	CHECK_STR(a->login, "%EMAILLOCALPART%");
	CHECK(a->n_incoming == 1 && a->incoming[0].port == 993);
	CHECK(a->n_outgoing == 1 && a->outgoing[0].port == 587);
	CHECK_STR(a->outgoing[0].host, "smtp.xn--mller-kva.de");
	CHECK(a->outgoing[0].n_auth == 2 &&
	      a->outgoing[0].auth[1] == AUTH_OAUTH2);
	CHECK(model_find_domain(m, "xn--bcher-kva.example") == d);
	CHECK(model_find_domain(m, "xn--mller-kva.example") == d);
	CHECK(model_find_domain(m, "b.example") == d);
	model_unref(m);
	settings_errors_free(&errs);
}

/* Not a timed test: prints the figure for the notes, asserts content. */
static void test_big_list(void)
{
	struct settings_errors errs;
	struct buf list = BUF_INIT;
	struct timespec t0, t1;
	struct model *m;
	int i;

	for (i = 0; i < 100000; i++)
		buf_printf(&list, "customer-%d.example\n", i);
	write_file("list.txt", list.data);
	buf_free(&list);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	m = load(write_file("t.json", base_table), &errs);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(m != NULL && m->n_domains == 100002);
	CHECK(m != NULL &&
	      model_find_domain(m, "customer-99999.example") != NULL);
	CHECK(m != NULL &&
	      model_find_domain(m, "customer-100000.example") == NULL);
	printf("100,000 listed domains loaded in %.3f s\n",
	       (double)(t1.tv_sec - t0.tv_sec) +
		   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	model_unref(m);
	settings_errors_free(&errs);
}

/* "domains" read before "defaults" and "provider" in the file: its
 * entries are read after them all the same (table_reader.c reads the
 * object in a second pass), and the file read in pieces gives the model
 * the text gives. */
static const char domains_first[] =
    "{\"domains\": {\"kunde.example\": {\"login\": \"%EMAILLOCALPART%\"},"
    " \"b.example\": {}},\n \"defaults\": {\"incoming\": [{\"protocol\":"
    " \"imap\", \"host\": \"mail.%EMAILDOMAIN%\", \"port\": 993,"
    " \"security\": \"tls\"}], \"outgoing\": [{\"protocol\": \"smtp\","
    " \"host\": \"%EMAILDOMAIN%\", \"port\": 465, \"security\": \"tls\"}]},"
    "\n \"provider\": {\"id\": \"p\", \"name\": \"P\", \"short_name\":"
    " \"P\"}}\n";

static void test_domains_first(void)
{
	struct settings_errors errs, errs2 = {BUF_INIT, 0, BUF_INIT};
	struct model *m, *t = NULL;
	const struct account *a;

	m = load(write_file("t.json", domains_first), &errs);
	CHECK(m != NULL);
	if (m == NULL) {
		fputs(errs.text.data, stderr);
		return;
	}
	a = model_find_domain(m, "kunde.example");
	CHECK(m->n_domains == 2 && a != NULL && a != &m->defaults);
	CHECK(a != NULL && a->n_incoming == 1 && a->incoming[0].port == 993);
	CHECK_STR(a->login, "%EMAILLOCALPART%");
	CHECK(model_find_domain(m, "b.example") == &m->defaults);
	CHECK_STR(m->provider.name, "P");
	CHECK(settings_load_text(&t, "t.json", domains_first,
				 sizeof(domains_first) - 1, NULL, &errs2) == 0);
	CHECK(t != NULL && strcmp(t->version, m->version) == 0);
	model_unref(t);
	model_unref(m);
	settings_errors_free(&errs);
	settings_errors_free(&errs2);
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	test_shipped();
	test_overrides();
	test_big_list();
	test_domains_first();
	unlink(write_file("list.txt", ""));
	unlink(write_file("t.json", ""));
	rmdir(tmpdir);
	return check_done();
}
