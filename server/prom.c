/* prom.c - the Prometheus histogram (prom.h). */
#include "prom.h"

void prom_histogram_add(atomic_ulong *counts, const double *bounds_s, size_t n,
			atomic_ullong *sum_us, long long us)
{
	size_t i;

	for (i = 0; i < n && (double)us / 1e6 > bounds_s[i]; i++)
		;
	atomic_fetch_add(&counts[i], 1);
	atomic_fetch_add(sum_us, (unsigned long long)(us > 0 ? us : 0));
}

void prom_histogram_render(struct buf *out, const char *name, const char *help,
			   const char *labels, const double *bounds_s,
			   atomic_ulong *counts, size_t n,
			   atomic_ullong *sum_us)
{
	const char *l = labels != NULL ? labels : "";
	const char *sep = l[0] != '\0' ? "," : "";
	unsigned long cum = 0;
	size_t i;

	buf_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help,
		   name);
	for (i = 0; i < n; i++) {
		cum += atomic_load(&counts[i]);
		buf_printf(out, "%s_bucket{%s%sle=\"%g\"} %lu\n", name, l, sep,
			   bounds_s[i], cum);
	}
	cum += atomic_load(&counts[n]);
	buf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %lu\n", name, l, sep, cum);
	buf_printf(out, "%s_sum%s%s%s %.6f\n", name, l[0] ? "{" : "", l,
		   l[0] ? "}" : "", (double)atomic_load(sum_us) / 1e6);
	buf_printf(out, "%s_count%s%s%s %lu\n", name, l[0] ? "{" : "", l,
		   l[0] ? "}" : "", cum);
}
