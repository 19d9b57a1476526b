/* SPDX-License-Identifier: GPL-2.0-only */
/* The zonedev command's pieces: run (tools/run.c) and the benchmarks (bench/). */
#ifndef _ZONEDEV_TOOL_H
#define _ZONEDEV_TOOL_H

#include <stdio.h>
#include <zonedev/zonedev.h>

struct tool_opts {
	int scheme;		/* -1: both, else enum zd_refcount_scheme */
	unsigned long seed;
	FILE *trace;
	bool trace_json;
	bool json;		/* benchmarks: JSON output */
	bool quick;		/* benchmarks: fewer iterations */
};

int tool_run(const struct tool_opts *opts);

struct bench {
	const char *name;
	const char *help;
	int (*fn)(const struct tool_opts *opts);
};

int bench_refcount(const struct tool_opts *opts);
int bench_memremap(const struct tool_opts *opts);
int bench_fault(const struct tool_opts *opts);
int bench_gup(const struct tool_opts *opts);
int bench_hmm(const struct tool_opts *opts);
int bench_migrate(const struct tool_opts *opts);
int bench_evict(const struct tool_opts *opts);
int bench_devdax_pin(const struct tool_opts *opts);
int bench_devdax_meta(const struct tool_opts *opts);
int bench_truncate(const struct tool_opts *opts);

/* Helpers shared by the benchmarks (bench/bench.c). */
double bench_median(double *v, int n);
void bench_result(const struct tool_opts *opts, const char *bench, const char *metric,
		  double value, const char *unit, const char *goal, bool met);

#endif /* _ZONEDEV_TOOL_H */
