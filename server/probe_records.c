/* probe_records.c - the records --dns prints against what DNS answers
 * (probe_records.h). */
#include "probe_records.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "probe_dns.h"

#define GROUP "DNS"

/* One zone line "name\tttl\tIN\ttype\tdata", split in place. */
struct record {
	char *name, *type, *data;
};

static int split_line(char *line, struct record *rec)
{
	char *f[5], *save = NULL;
	size_t i;

	for (i = 0; i < 4; i++)
		if ((f[i] = strtok_r(i ? NULL : line, "\t", &save)) == NULL)
			return -1;
	f[4] = strtok_r(NULL, "", &save);
	if (f[4] == NULL)
		return -1;
	rec->name = f[0];
	rec->type = f[3];
	rec->data = f[4];
	return 0;
}

/* 1 if one line of answers equals data (names ignore case). */
static int answered(const char *answers, const char *data)
{
	size_t n = strlen(data), len;
	const char *p = answers;

	while (*p != '\0') {
		len = strcspn(p, "\n");
		if (len == n && strncasecmp(p, data, n) == 0)
			return 1;
		p += len + (p[len] == '\n');
	}
	return 0;
}

/* A CNAME may be an address record instead, when it is the same as the
 * target's. Returns 1 if so. */
static int same_address(const struct probe_ctx *x, const struct record *rec)
{
	char a[64], b[64], why[400];

	return probe_dns_address(x->dns, rec->name, a, sizeof(a), why,
				 sizeof(why)) == 0 &&
	       probe_dns_address(x->dns, rec->data, b, sizeof(b), why,
				 sizeof(why)) == 0 &&
	       strcmp(a, b) == 0;
}

static void check_record(struct probe_report *r, const struct probe_ctx *x,
			 const struct record *rec)
{
	struct buf ans = BUF_INIT; /* freed below */
	char step[300], why[480], fix[480];
	enum dns_result res;
	enum verdict v = VERDICT_WRONG;

	snprintf(step, sizeof(step), "%s %s", rec->name, rec->type);
	snprintf(fix, sizeof(fix), "%s 3600 IN %s %s", rec->name, rec->type,
		 rec->data);
	res =
	    probe_dns_ask(x->dns, rec->name, rec->type, &ans, why, sizeof(why));
	if (res == DNS_FAILED) {
		v = VERDICT_UNREACHABLE;
	} else if (res == DNS_OK && answered(ans.data, rec->data)) {
		v = VERDICT_OK;
		snprintf(why, sizeof(why), "%s", rec->data);
	} else if (strcmp(rec->type, "CNAME") == 0 && same_address(x, rec)) {
		v = VERDICT_OK;
		snprintf(why, sizeof(why),
			 "an address record, the same as %s's", rec->data);
	} else if (res == DNS_OK) {
		snprintf(why, sizeof(why), "answers %.*s, not %s",
			 (int)strcspn(ans.data, "\n"), ans.data, rec->data);
	} else {
		snprintf(why, sizeof(why), "missing (%s)",
			 res == DNS_NXDOMAIN ? "no such name"
					     : "no such record");
	}
	probe_report_add(r, GROUP, step, v, why, fix);
	buf_free(&ans);
}

void probe_records(struct probe_report *r, const struct probe_ctx *x)
{
	struct buf zone = BUF_INIT; /* freed below */
	struct record rec;
	char *line, *save = NULL;

	if (x->m->provider.service_host[0] == '\0') {
		probe_report_add(r, GROUP, "the records", VERDICT_INFO,
				 "provider.service_host is not set: mailconfd "
				 "cannot say which records to expect",
				 NULL);
		return;
	}
	if (dns_domain(&zone, x->m, x->domain, x->a) < 0) {
		r->failed = 1;
		return;
	}
	for (line = strtok_r(zone.data, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		if (line[0] != ';' && split_line(line, &rec) == 0)
			check_record(r, x, &rec);
	buf_free(&zone);
}
