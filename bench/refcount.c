// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench refcount: the cost of folio_put() on an ordinary RAM page, divided
 * by a bare atomic_dec_and_test() measured in the same run.
 *
 * Zero scheme: folio_put() is the decrement plus two predicted branches (the
 * devmap_managed_key and page_ref tracepoint keys, both off).  Elevated
 * scheme: a devmap-managed pgmap exists, so devmap_managed_key is on and
 * every put checks the page's zone first: the hot-path cost of the 2->1
 * scheme that the seeds argue about.
 */
#include <stdlib.h>
#include <string.h>
#include "../tools/zonedev-tool.h"

static long sink;

static double ns_per_op(unsigned long long t0, unsigned long long t1, long iters)
{
	return (double)(t1 - t0) / (double)iters;
}

static double time_bare(long iters)
{
	atomic_t count;
	unsigned long long t0, t1;
	long i;

	atomic_set(&count, (int)iters + 1);
	t0 = ktime_get_ns();
	for (i = 0; i < iters; i++) {
		if (atomic_dec_and_test(&count))
			sink++;
	}
	t1 = ktime_get_ns();
	return ns_per_op(t0, t1, iters);
}

static double time_folio_put(struct folio *folio, long iters)
{
	unsigned long long t0, t1;
	long i;

	folio_ref_add(folio, (int)iters);
	t0 = ktime_get_ns();
	for (i = 0; i < iters; i++)
		folio_put(folio);
	t1 = ktime_get_ns();
	return ns_per_op(t0, t1, iters);
}

static void noop_page_free(struct page *page)
{
	(void)page;
}

static unsigned int noop_migrate(struct vm_fault *vmf)
{
	(void)vmf;
	return VM_FAULT_SIGBUS;
}

static const struct dev_pagemap_ops bench_ops = {
	.page_free = noop_page_free,
	.migrate_to_ram = noop_migrate,
};

static int measure(enum zd_refcount_scheme scheme, const struct tool_opts *opts)
{
	struct zd_config cfg = { .ram_size = 16UL << 20, .scheme = scheme, .name = "bench" };
	int rounds = opts->quick ? 5 : 11, r, err = 0;
	long iters = opts->quick ? 2000000 : 10000000;
	double bare[11], put[11], mb, mp;
	struct dev_pagemap pgmap = { 0 };
	struct resource *res = NULL;
	struct zd_system *sys;
	struct folio *folio;
	char metric[96];

	sys = zd_system_create(&cfg);
	if (IS_ERR(sys))
		return (int)PTR_ERR(sys);
	if (scheme == ZD_REFCOUNT_ELEVATED) {
		/* A device-private pgmap: what turns devmap_managed_key on. */
		res = request_free_mem_region(&iomem_resource, SUBSECTION_SIZE, "bench");
		pgmap.type = MEMORY_DEVICE_PRIVATE;
		pgmap.range.start = res->start;
		pgmap.range.end = res->start + SUBSECTION_SIZE - 1;
		pgmap.nr_range = 1;
		pgmap.ops = &bench_ops;
		pgmap.owner = &pgmap;
		if (IS_ERR(memremap_pages(&pgmap, zd_system_nid(sys)))) {
			err = -EINVAL;
			goto out;
		}
	}
	folio = __folio_alloc_node(GFP_KERNEL, 0, zd_system_nid(sys));
	if (!folio) {
		err = -ENOMEM;
		goto unmap;
	}
	time_bare(iters / 10);		/* warm up */
	time_folio_put(folio, iters / 10);
	for (r = 0; r < rounds; r++) {
		bare[r] = time_bare(iters);
		put[r] = time_folio_put(folio, iters);
	}
	folio_put(folio);
	mb = bench_median(bare, rounds);
	mp = bench_median(put, rounds);

	snprintf(metric, sizeof(metric), "%s: bare atomic_dec_and_test", zd_scheme_name(scheme));
	bench_result(opts, "refcount", metric, mb, "ns", NULL, true);
	snprintf(metric, sizeof(metric), "%s: folio_put (RAM page)", zd_scheme_name(scheme));
	bench_result(opts, "refcount", metric, mp, "ns", NULL, true);
	snprintf(metric, sizeof(metric), "%s: folio_put / atomic_dec_and_test", zd_scheme_name(scheme));
	if (scheme == ZD_REFCOUNT_ZERO)
		bench_result(opts, "refcount", metric, mp / mb, "ratio", "<= 1.05", mp / mb <= 1.05);
	else
		bench_result(opts, "refcount", metric, mp / mb, "ratio", NULL, true);
unmap:
	if (scheme == ZD_REFCOUNT_ELEVATED)
		memunmap_pages(&pgmap);
out:
	if (res)
		zd_release_mem_region(res);
	if (zd_system_audit(sys, stderr))
		err = err ? err : -EIO;
	zd_system_destroy(sys);
	return err;
}

int bench_refcount(const struct tool_opts *opts)
{
	int err = measure(ZD_REFCOUNT_ZERO, opts);

	return err ? err : measure(ZD_REFCOUNT_ELEVATED, opts);
}
