/* probe_report.h - what the probe found, step by step: ok, wrong or
 * unreachable, with the reason and the fix; for people (grouped per
 * client, the first failing step first) and as JSON for monitoring. */
#ifndef MAILCONFD_PROBE_REPORT_H
#define MAILCONFD_PROBE_REPORT_H

#include <stddef.h>

#include "buf.h"

enum verdict {
	VERDICT_OK,
	VERDICT_WRONG,	     /* it answers, and not what clients need */
	VERDICT_UNREACHABLE, /* no answer: DNS, connect, timeout */
	VERDICT_INFO	     /* worth knowing; no client fails on it */
};

struct probe_step {
	char group[40]; /* the client, or "DNS", "mail servers" */
	char name[200]; /* what was asked: a URL, a record, host:port */
	enum verdict verdict;
	char reason[480];
	char fix[480]; /* "" when ok */
};

struct probe_report {
	char domain[256];
	struct probe_step *steps; /* owned (probe_report_free) */
	size_t n, cap;
	int failed; /* out of memory: the report is incomplete */
};

/* Adds a step; fix may be NULL. */
void probe_report_add(struct probe_report *r, const char *group,
		      const char *name, enum verdict v, const char *reason,
		      const char *fix);

/* How many steps have verdict v. */
size_t probe_report_count(const struct probe_report *r, enum verdict v);

/* 0: all true, 1: something wrong or unreachable. */
int probe_report_status(const struct probe_report *r);

/* The report for people, appended to out. */
void probe_report_text(const struct probe_report *r, struct buf *out);

/* The report as one JSON object (no newline), appended to out. */
void probe_report_json(const struct probe_report *r, struct buf *out);

void probe_report_free(struct probe_report *r);

#endif
