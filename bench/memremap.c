// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench memremap: memremap_pages() of 128 GiB of device-dax style
 * (GENERIC) memory with vmemmap_shift 0, 9 and 18: how long it takes, how
 * much memory the memmap really occupies, and the time relative to
 * writing, in the same run, the struct pages the kernel's
 * memmap_init_zone_device() writes for that geometry (all of them at shift
 * 0; 128 per compound page where the vmemmap is deduplicated).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "../tools/zonedev-tool.h"

#define BENCH_SIZE	(128UL << 30)

static double ms_since(unsigned long long t0)
{
	return (double)(ktime_get_ns() - t0) / 1e6;
}

/* Bytes of struct page the kernel initialises for this geometry. */
static unsigned long kernel_init_bytes(unsigned int shift)
{
	unsigned long pages = BENCH_SIZE >> PAGE_SHIFT, per = 1UL << shift;
	bool optimizable = ((sizeof(struct page) << shift) / PAGE_SIZE) > 2;

	if (optimizable)
		per = 2 * PAGE_SIZE / sizeof(struct page);
	return (pages >> shift) * per * sizeof(struct page);
}

/* The baseline: those bytes written into fresh anonymous memory. */
static double time_memset(unsigned long bytes)
{
	unsigned long long t0;
	double ms;
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	t0 = ktime_get_ns();
	memset(p, 0x5a, bytes);
	ms = ms_since(t0);
	munmap(p, bytes);
	return ms;
}

static int one_shift(struct zd_system *sys, struct resource *res, unsigned int shift,
		     const struct tool_opts *opts)
{
	int reps = opts->quick ? 1 : 3, r;
	double map_ms[3], unmap_ms[3], base_ms[3], m, b;
	unsigned long resident = 0;
	char metric[96], goal[32];

	for (r = 0; r < reps; r++) {
		struct dev_pagemap *pgmap = calloc(1, sizeof(*pgmap));
		unsigned long long t0;
		void *addr;

		if (!pgmap)
			return -ENOMEM;
		pgmap->type = MEMORY_DEVICE_GENERIC;
		pgmap->range.start = res->start;
		pgmap->range.end = res->start + BENCH_SIZE - 1;
		pgmap->nr_range = 1;
		pgmap->vmemmap_shift = shift;
		t0 = ktime_get_ns();
		addr = memremap_pages(pgmap, zd_system_nid(sys));
		map_ms[r] = ms_since(t0);
		if (IS_ERR(addr)) {
			free(pgmap);
			return (int)PTR_ERR(addr);
		}
		resident = zd_memmap_resident_bytes(pgmap);
		t0 = ktime_get_ns();
		memunmap_pages(pgmap);
		unmap_ms[r] = ms_since(t0);
		free(pgmap);
		base_ms[r] = time_memset(kernel_init_bytes(shift));
	}
	m = bench_median(map_ms, reps);
	b = bench_median(base_ms, reps);

	snprintf(metric, sizeof(metric), "shift %2u: memremap_pages 128 GiB", shift);
	goal[0] = '\0';
	if (shift == 9)
		snprintf(goal, sizeof(goal), "<= 80 ms");
	if (shift == 18)
		snprintf(goal, sizeof(goal), "< 1 ms");
	bench_result(opts, "memremap", metric, m, "ms", goal[0] ? goal : NULL,
		     shift == 9 ? m <= 80 : shift == 18 ? m < 1 : true);
	snprintf(metric, sizeof(metric), "shift %2u: resident memmap", shift);
	bench_result(opts, "memremap", metric, (double)resident / (1 << 20), "MiB",
		     shift == 18 ? "<= 4 MiB" : NULL, shift == 18 ? resident <= (4UL << 20) : true);
	snprintf(metric, sizeof(metric), "shift %2u: memunmap_pages", shift);
	bench_result(opts, "memremap", metric, bench_median(unmap_ms, reps), "ms", NULL, true);
	snprintf(metric, sizeof(metric), "shift %2u: kernel-equivalent memmap write (%lu MiB)",
		 shift, kernel_init_bytes(shift) >> 20);
	bench_result(opts, "memremap", metric, b, "ms", NULL, true);
	snprintf(metric, sizeof(metric), "shift %2u: memremap / kernel-equivalent write", shift);
	bench_result(opts, "memremap", metric, b > 0 ? m / b : 0, "ratio", NULL, true);
	return 0;
}

int bench_memremap(const struct tool_opts *opts)
{
	static const unsigned int shifts[] = { 0, 9, 18 };
	struct zd_config cfg = { .ram_size = 16UL << 20, .name = "bench" };
	struct zd_system *sys = zd_system_create(&cfg);
	struct resource *res;
	unsigned int i;
	int err = 0;

	if (IS_ERR(sys))
		return (int)PTR_ERR(sys);
	res = zd_request_device_memory(BENCH_SIZE, "bench-devdax", IORES_DESC_NONE, -2, 0);
	if (IS_ERR(res)) {
		zd_system_destroy(sys);
		return (int)PTR_ERR(res);
	}
	for (i = 0; i < ARRAY_SIZE(shifts) && !err; i++)
		err = one_shift(sys, res, shifts[i], opts);
	zd_release_mem_region(res);
	if (zd_system_audit(sys, stderr))
		err = err ? err : -EIO;
	zd_system_destroy(sys);
	return err;
}
