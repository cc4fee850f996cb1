/* test_metrics.c - /metrics counts every route by the name the router
 * and the access log use, and every status mailconfd answers. */
#include <string.h>

#include "check.h"
#include "metrics.h"
#include "route.h"

static int has(const struct buf *b, const char *s)
{
	return b->data != NULL && strstr(b->data, s) != NULL;
}

int main(void)
{
	struct metrics m;
	struct model *model = model_new();
	struct buf out = BUF_INIT;
	int r;

	metrics_init(&m);
	for (r = 0; r < ROUTE_COUNT; r++)
		metrics_request(&m, (enum route)r, 200, 10);
	metrics_request(&m, ROUTE_SETUP, 301, 10);
	metrics_request(&m, ROUTE_PROFILE, 301, 10);
	metrics_request(&m, ROUTE_OTHER, 505, 10);
	metrics_request(&m, ROUTE_OTHER, 418, 10);
	CHECK(metrics_render(&out, &m, model) == 0);
	CHECK(has(&out, "{route=\"hosted\",status=\"200\"} 1\n"));
	CHECK(has(&out, "{route=\"autodiscover_json\",status=\"200\"} 1\n"));
	CHECK(has(&out, "{route=\"setup\",status=\"301\"} 1\n"));
	CHECK(has(&out, "{route=\"profile\",status=\"301\"} 1\n"));
	CHECK(has(&out, "{route=\"other\",status=\"505\"} 1\n"));
	CHECK(has(&out, "{route=\"other\",status=\"other\"} 1\n"));
	for (r = 0; r < ROUTE_COUNT; r++) { /* one name each, all distinct */
		int k;
		CHECK(route_name((enum route)r)[0] != '\0');
		for (k = 0; k < r; k++)
			CHECK(strcmp(route_name((enum route)r),
				     route_name((enum route)k)) != 0);
	}
	CHECK(strcmp(route_name(ROUTE_COUNT), "other") == 0);
	buf_free(&out);
	model_unref(model);
	return check_done();
}
