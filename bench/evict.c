// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench evict: zd_mirror_destroy() of a mirror device holding 1 GiB of
 * device-private pages, all mapped by a live task: every page found by pfn
 * (migrate_device_range()), unmapped through the rmap, copied to a fresh
 * RAM page, mapped again (migrate_device_pages/finalize), its device page
 * freed (page_free), then each 256 MiB chunk removed (memunmap_pages()).
 * Time per page, and divided by a memcpy() of a page measured in the same
 * run (4 KiB at a time between two sets of 128 MiB of the same system RAM).
 */
#include <stdlib.h>
#include <string.h>
#include <zonedev/mirror.h>
#include "../tools/zonedev-tool.h"

#define EVICT_BENCH_SIZE	(1UL << 30)
#define EVICT_BENCH_PAGES	(EVICT_BENCH_SIZE / PAGE_SIZE)
#define EVICT_BENCH_REPS	3

#define EVICT_COPY_PAGES	((128UL << 20) / PAGE_SIZE)

/* ns per page of memcpy() between pages of @sys's RAM (< 0: no memory). */
static double memcpy_page_ns(struct zd_system *sys)
{
	struct page **a = calloc(EVICT_COPY_PAGES, sizeof(*a));
	struct page **b = calloc(EVICT_COPY_PAGES, sizeof(*b));
	unsigned long long t0, t1;
	unsigned long i, n;
	double ns = -1;

	for (n = 0; a && b && n < EVICT_COPY_PAGES; n++) {
		a[n] = alloc_pages_node(zd_system_nid(sys), GFP_KERNEL, 0);
		b[n] = alloc_pages_node(zd_system_nid(sys), GFP_KERNEL, 0);
		if (!a[n] || !b[n])
			break;
		memset(page_address(a[n]), 1, PAGE_SIZE);
		memset(page_address(b[n]), 2, PAGE_SIZE);
	}
	if (n == EVICT_COPY_PAGES) {
		t0 = ktime_get_ns();
		for (i = 0; i < n; i++)
			memcpy(page_address(b[i]), page_address(a[i]), PAGE_SIZE);
		__asm__ __volatile__("" : : "r"(a), "r"(b) : "memory");
		t1 = ktime_get_ns();
		ns = (double)(t1 - t0) / n;
	}
	for (i = 0; i <= n && i < EVICT_COPY_PAGES; i++) {
		if (a && a[i])
			__free_pages(a[i], 0);
		if (b && b[i])
			__free_pages(b[i], 0);
	}
	free(a);
	free(b);
	return ns;
}

/*
 * Fill a device with the task's 1 GiB, then time its destruction (ns/page);
 * *@copy_ns gets the memcpy baseline from the same system.
 */
static double evict_once(int *errp, double *copy_ns)
{
	struct zd_config cfg = {
		.ram_size = EVICT_BENCH_SIZE + EVICT_BENCH_SIZE / 2,
		.flags = ZD_RAM_PREFAULT,
		.name = "bench",
	};
	struct zd_mirror_config mcfg = {
		.memory = HMM_DMIRROR_MEMORY_DEVICE_PRIVATE,
		.name = "bench_dmirror",
	};
	struct zd_mirror_file *file = NULL;
	struct zd_mirror *dev = NULL;
	struct zd_task *task = NULL;
	struct zd_mirror_stat st;
	unsigned long long t0 = 0, t1 = 0;
	unsigned long off, v;
	struct zd_system *sys;
	int err = 0;
	long addr;

	sys = zd_system_create(&cfg);
	if (IS_ERR(sys)) {
		*errp = (int)PTR_ERR(sys);
		return -1;
	}
	task = zd_task_create(sys);
	dev = zd_mirror_create(sys, &mcfg);
	if (IS_ERR(task) || IS_ERR(dev)) {
		err = -ENOMEM;
		goto out;
	}
	file = zd_mirror_open(dev, task);
	addr = zd_mmap(task, 0, EVICT_BENCH_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	if (IS_ERR(file) || addr < 0) {
		err = -ENOMEM;
		goto out;
	}
	for (off = 0; off < EVICT_BENCH_SIZE; off += PAGE_SIZE)
		zd_write(task, (unsigned long)addr + off, &off, sizeof(off));
	for (off = 0; off < EVICT_BENCH_SIZE; off += PMD_SIZE)
		if (zd_mirror_migrate_to_dev(file, (unsigned long)addr + off,
					     PMD_SIZE / PAGE_SIZE) != (long)(PMD_SIZE / PAGE_SIZE))
			err = -EIO;
	zd_mirror_close(file);
	file = NULL;
	if (err || zd_mirror_stat(dev, &st) || st.in_use != EVICT_BENCH_PAGES) {
		err = err ? err : -EIO;
		goto out;
	}

	t0 = ktime_get_ns();
	err = zd_mirror_destroy(dev);
	t1 = ktime_get_ns();
	if (err)
		goto out;
	dev = NULL;
	/* Every page back in RAM, data intact. */
	for (off = 0; off < EVICT_BENCH_SIZE && !err; off += 64 * PAGE_SIZE)
		if (zd_read(task, (unsigned long)addr + off, &v, sizeof(v)) != sizeof(v) || v != off)
			err = -EIO;
	*copy_ns = memcpy_page_ns(sys);
	if (*copy_ns < 0)
		err = err ? err : -ENOMEM;
out:
	if (file && !IS_ERR(file))
		zd_mirror_close(file);
	if (task && !IS_ERR(task))
		zd_task_exit(task);
	if (dev && !IS_ERR(dev))
		zd_mirror_destroy(dev);
	if (zd_system_audit(sys, stderr))
		err = err ? err : -EIO;
	if (zd_system_destroy(sys))
		err = err ? err : -EIO;
	*errp = err;
	return err ? -1 : (double)(t1 - t0) / EVICT_BENCH_PAGES;
}

int bench_evict(const struct tool_opts *opts)
{
	int reps = opts->quick ? 1 : EVICT_BENCH_REPS, r, err = 0;
	double ev[EVICT_BENCH_REPS], cp[EVICT_BENCH_REPS], me, mc;

	for (r = 0; r < reps && !err; r++)
		ev[r] = evict_once(&err, &cp[r]);
	if (err)
		return err;
	me = bench_median(ev, reps);
	mc = bench_median(cp, reps);
	bench_result(opts, "evict", "zd_mirror_destroy() of 1 GiB of device pages", me,
		     "ns/page", NULL, true);
	bench_result(opts, "evict", "the same destroy, whole", me * EVICT_BENCH_PAGES / 1e6, "ms",
		     NULL, true);
	bench_result(opts, "evict", "memcpy of a page of RAM", mc, "ns/page", NULL, true);
	bench_result(opts, "evict", "evict / memcpy of a page", me / mc, "ratio", NULL, true);
	return 0;
}
