/* metrics.c - counters for /metrics, in Prometheus text format 0.0.4. */
#include "metrics.h"

#include <string.h>

#include "prom.h"

/* Every status mailconfd or libmicrohttpd answers; the last row of the
 * table counts any other. */
static const int statuses[METRICS_STATUS - 1] = {
    200, 301, 302, 304, 400, 404, 405, 413, 414, 431, 500, 503, 505};
/* Upper bounds in seconds. */
static const double bounds_s[METRICS_BUCKETS] = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
    0.005,   0.01,   0.025,   0.1,    0.25,  1};

void metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
}

static int status_index(int status)
{
	int i;

	for (i = 0; i < METRICS_STATUS - 1; i++)
		if (statuses[i] == status)
			return i;
	return METRICS_STATUS - 1; /* "other" */
}

void metrics_request(struct metrics *m, enum route route, int status,
		     long long us)
{
	if (route < 0 || route >= ROUTE_COUNT)
		route = ROUTE_OTHER;
	atomic_fetch_add(&m->requests[route][status_index(status)], 1);
	prom_histogram_add(m->latency, bounds_s, METRICS_BUCKETS,
			   &m->latency_sum_us, us);
}

void metrics_reload(struct metrics *m, int ok)
{
	atomic_fetch_add(ok ? &m->reloads_ok : &m->reloads_failed, 1);
}

static void render_requests(struct buf *out, struct metrics *m)
{
	int r, s;
	unsigned long n;

	buf_puts(out, "# HELP mailconfd_requests_total Requests answered, by "
		      "route and status.\n"
		      "# TYPE mailconfd_requests_total counter\n");
	for (r = 0; r < ROUTE_COUNT; r++)
		for (s = 0; s < METRICS_STATUS; s++) {
			n = atomic_load(&m->requests[r][s]);
			if (n == 0)
				continue;
			if (s < METRICS_STATUS - 1)
				buf_printf(out,
					   "mailconfd_requests_total{route=\"%s"
					   "\",status=\"%d\"} %lu\n",
					   route_name((enum route)r),
					   statuses[s], n);
			else
				buf_printf(out,
					   "mailconfd_requests_total{route=\"%s"
					   "\",status=\"other\"} %lu\n",
					   route_name((enum route)r), n);
		}
}

int metrics_render(struct buf *out, struct metrics *m,
		   const struct model *model)
{
	render_requests(out, m);
	prom_histogram_render(out, "mailconfd_request_duration_seconds",
			      "Time from the request line to the end of the "
			      "answer.",
			      NULL, bounds_s, m->latency, METRICS_BUCKETS,
			      &m->latency_sum_us);
	buf_printf(out,
		   "# HELP mailconfd_reloads_total Table reloads, by result.\n"
		   "# TYPE mailconfd_reloads_total counter\n"
		   "mailconfd_reloads_total{result=\"ok\"} %lu\n"
		   "mailconfd_reloads_total{result=\"failed\"} %lu\n"
		   "# HELP mailconfd_domains_loaded Hosted domains in the "
		   "table in service.\n"
		   "# TYPE mailconfd_domains_loaded gauge\n"
		   "mailconfd_domains_loaded %zu\n"
		   "# HELP mailconfd_table_load_seconds How long loading the "
		   "table in service took.\n"
		   "# TYPE mailconfd_table_load_seconds gauge\n"
		   "mailconfd_table_load_seconds %.6f\n"
		   "# HELP mailconfd_table_info The table in service.\n"
		   "# TYPE mailconfd_table_info gauge\n"
		   "mailconfd_table_info{version=\"%s\"} 1\n",
		   atomic_load(&m->reloads_ok), atomic_load(&m->reloads_failed),
		   model->n_domains, (double)atomic_load(&m->load_us) / 1e6,
		   model->version);
	buf_printf(out,
		   "# HELP mailconfd_connections_closed_total Connections "
		   "mailconfd closed: past their deadline (header_timeout, "
		   "body_timeout), or to make room while nearly full.\n"
		   "# TYPE mailconfd_connections_closed_total counter\n"
		   "mailconfd_connections_closed_total{reason=\"deadline\"} "
		   "%lu\n"
		   "mailconfd_connections_closed_total{reason=\"pressure\"} "
		   "%lu\n",
		   atomic_load(&m->closed_deadline),
		   atomic_load(&m->closed_pressure));
	return out->failed ? -1 : 0;
}
