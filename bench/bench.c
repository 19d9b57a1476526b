// SPDX-License-Identifier: GPL-2.0-only
/* Shared benchmark helpers: medians and result lines (text or JSON). */
#include <stdlib.h>
#include "../tools/zonedev-tool.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_result(const struct tool_opts *opts, const char *bench, const char *metric,
		  double value, const char *unit, const char *goal, bool met)
{
	if (opts->json) {
		printf("{\"bench\":\"%s\",\"metric\":\"%s\",\"value\":%.6g,\"unit\":\"%s\"",
		       bench, metric, value, unit);
		if (goal)
			printf(",\"goal\":\"%s\",\"met\":%s", goal, met ? "true" : "false");
		printf("}\n");
		return;
	}
	printf("%-10s %-52s %12.4g %-6s", bench, metric, value, unit);
	if (goal)
		printf("  goal %s: %s", goal, met ? "met" : "MISSED");
	printf("\n");
}
