// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench migrate: round trips of 256 MiB of anonymous memory between system
 * RAM and the mirror device's private memory (sys -> dev -> sys), in
 * 2 MiB batches (one migrate_vma_setup/pages/finalize per batch, as a
 * driver moving a THP-sized range does) and in single 4 KiB pages (one
 * call per page, as CPU-fault-driven migration does).  Each batch goes
 * through the mirror's migration functions (zd_mirror_migrate_to_dev/_sys:
 * setup, device page and backing page allocation, the copy, pages,
 * the device page-table update, finalize), not through the MIGRATE_TO_DEV
 * command, whose read-back of the range into a user buffer is a test aid
 * and would add two more copies.
 *
 * Baseline, same run: memcpy() of the same bytes (twice 256 MiB, 4 KiB at
 * a time, between two sets of pages of the same system RAM the migration
 * copies between, so both see the same host memory).  Ratio = memcpy time
 * / migration time, i.e. migration throughput as a fraction of memcpy's.
 */
#include <stdlib.h>
#include <string.h>
#include <zonedev/mirror.h>
#include "../tools/zonedev-tool.h"

#define MIGRATE_BENCH_SIZE	(256UL << 20)
#define MIGRATE_BENCH_PAGES	(MIGRATE_BENCH_SIZE / PAGE_SIZE)
#define MIGRATE_BENCH_REPS	5

struct migrate_bench {
	struct zd_system *sys;
	struct zd_task *task;
	struct zd_mirror *dev;
	struct zd_mirror_file *file;
	unsigned long addr;
};

/* One round trip in batches of @batch pages; seconds, or < 0 on a short move. */
static double round_trip(struct migrate_bench *b, unsigned long batch)
{
	unsigned long long t0, t1;
	unsigned long off;
	long n, moved = 0;

	t0 = ktime_get_ns();
	for (off = 0; off < MIGRATE_BENCH_PAGES; off += batch) {
		n = zd_mirror_migrate_to_dev(b->file, b->addr + off * PAGE_SIZE, batch);
		if (n < 0)
			return -1;
		moved += n;
	}
	for (off = 0; off < MIGRATE_BENCH_PAGES; off += batch) {
		n = zd_mirror_migrate_to_sys(b->file, b->addr + off * PAGE_SIZE, batch);
		if (n < 0)
			return -1;
		moved += n;
	}
	t1 = ktime_get_ns();
	if (moved != 2 * (long)MIGRATE_BENCH_PAGES)
		return -1;
	return (double)(t1 - t0) / 1e9;
}

/* memcpy() of the bytes a round trip moves, a page at a time. */
static double memcpy_round_trip(struct page **a, struct page **b)
{
	unsigned long long t0, t1;
	unsigned long i;

	t0 = ktime_get_ns();
	for (i = 0; i < MIGRATE_BENCH_PAGES; i++)
		memcpy(page_address(b[i]), page_address(a[i]), PAGE_SIZE);
	for (i = 0; i < MIGRATE_BENCH_PAGES; i++)
		memcpy(page_address(a[i]), page_address(b[i]), PAGE_SIZE);
	__asm__ __volatile__("" : : "r"(a), "r"(b) : "memory");
	t1 = ktime_get_ns();
	return (double)(t1 - t0) / 1e9;
}

/* @n pages of the system's RAM, or NULL; freed with free_ram_pages(). */
static struct page **alloc_ram_pages(struct zd_system *sys, unsigned long n, int fill)
{
	struct page **pages = calloc(n, sizeof(*pages));
	unsigned long i;

	for (i = 0; pages && i < n; i++) {
		pages[i] = alloc_pages_node(zd_system_nid(sys), GFP_KERNEL, 0);
		if (!pages[i])
			break;
		memset(page_address(pages[i]), fill, PAGE_SIZE);
	}
	if (pages && i < n) {
		while (i--)
			__free_pages(pages[i], 0);
		free(pages);
		pages = NULL;
	}
	return pages;
}

static void free_ram_pages(struct page **pages, unsigned long n)
{
	unsigned long i;

	if (!pages)
		return;
	for (i = 0; i < n; i++)
		__free_pages(pages[i], 0);
	free(pages);
}

static int migrate_bench_setup(struct migrate_bench *b)
{
	/* The task's 256 MiB, the device's backing pages, the baseline's two sets. */
	struct zd_config cfg = {
		.ram_size = 4 * MIGRATE_BENCH_SIZE + (64UL << 20),
		.flags = ZD_RAM_PREFAULT,
		.name = "bench",
	};
	struct zd_mirror_config mcfg = {
		.memory = HMM_DMIRROR_MEMORY_DEVICE_PRIVATE,
		.chunk_size = MIGRATE_BENCH_SIZE,
		.name = "bench_dmirror",
	};
	unsigned long off;
	long addr;

	memset(b, 0, sizeof(*b));
	b->sys = zd_system_create(&cfg);
	if (IS_ERR(b->sys)) {
		b->sys = NULL;
		return -ENOMEM;
	}
	b->task = zd_task_create(b->sys);
	if (IS_ERR(b->task)) {
		b->task = NULL;
		return -ENOMEM;
	}
	b->dev = zd_mirror_create(b->sys, &mcfg);
	if (IS_ERR(b->dev)) {
		b->dev = NULL;
		return -ENOMEM;
	}
	b->file = zd_mirror_open(b->dev, b->task);
	if (IS_ERR(b->file)) {
		b->file = NULL;
		return -ENOMEM;
	}
	addr = zd_mmap(b->task, 0, MIGRATE_BENCH_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	if (addr < 0)
		return (int)addr;
	b->addr = (unsigned long)addr;
	/* Real pages with real data, so every page moves and is copied. */
	for (off = 0; off < MIGRATE_BENCH_SIZE; off += PAGE_SIZE)
		if (zd_write(b->task, b->addr + off, &off, sizeof(off)) != sizeof(off))
			return -EFAULT;
	return 0;
}

/* The data came back where it was. */
static int migrate_bench_check(struct migrate_bench *b)
{
	unsigned long off, v;

	for (off = 0; off < MIGRATE_BENCH_SIZE; off += 64 * PAGE_SIZE) {
		if (zd_read(b->task, b->addr + off, &v, sizeof(v)) != sizeof(v) || v != off)
			return -EIO;
	}
	return 0;
}

static int migrate_bench_teardown(struct migrate_bench *b, int err)
{
	if (b->file)
		zd_mirror_close(b->file);
	if (b->task)
		zd_task_exit(b->task);
	if (b->dev && zd_mirror_destroy(b->dev))
		err = err ? err : -EBUSY;
	if (b->sys) {
		if (zd_system_audit(b->sys, stderr))
			err = err ? err : -EIO;
		if (zd_system_destroy(b->sys))
			err = err ? err : -EIO;
	}
	return err;
}

int bench_migrate(const struct tool_opts *opts)
{
	int reps = opts->quick ? 2 : MIGRATE_BENCH_REPS, r, err;
	double big[MIGRATE_BENCH_REPS], small[MIGRATE_BENCH_REPS];
	double cp_big[MIGRATE_BENCH_REPS], cp_small[MIGRATE_BENCH_REPS];
	double mb, ms, mcb, mcs, gib = 2.0 * MIGRATE_BENCH_SIZE / (1UL << 30);
	struct page **x = NULL, **y = NULL;
	struct migrate_bench b;

	err = migrate_bench_setup(&b);
	if (err)
		goto out;
	x = alloc_ram_pages(b.sys, MIGRATE_BENCH_PAGES, 1);
	y = alloc_ram_pages(b.sys, MIGRATE_BENCH_PAGES, 2);
	if (!x || !y) {
		err = -ENOMEM;
		goto out;
	}

	/* Warm-up: the device's memmap, backing pages and page tables exist. */
	if (round_trip(&b, PTRS_PER_PTE) < 0) {
		err = -EIO;
		goto out;
	}
	for (r = 0; r < reps; r++) {
		cp_big[r] = memcpy_round_trip(x, y);
		big[r] = round_trip(&b, PTRS_PER_PTE);
		cp_small[r] = memcpy_round_trip(x, y);
		small[r] = round_trip(&b, 1);
		if (big[r] < 0 || small[r] < 0) {
			err = -EIO;
			goto out;
		}
	}
	err = migrate_bench_check(&b);
	if (err)
		goto out;
	mb = bench_median(big, reps);
	ms = bench_median(small, reps);
	mcb = bench_median(cp_big, reps);
	mcs = bench_median(cp_small, reps);
	bench_result(opts, "migrate", "round trip, 2 MiB batches (mirror migrate fns)", gib / mb,
		     "GiB/s", NULL, true);
	bench_result(opts, "migrate", "round trip, single 4 KiB pages", gib / ms, "GiB/s", NULL,
		     true);
	bench_result(opts, "migrate", "memcpy of the same bytes, 4 KiB pages of RAM", gib / mcb,
		     "GiB/s", NULL, true);
	bench_result(opts, "migrate", "2 MiB batches / memcpy", mcb / mb, "ratio", ">= 0.7",
		     mcb / mb >= 0.7);
	bench_result(opts, "migrate", "4 KiB pages / memcpy", mcs / ms, "ratio", ">= 0.4",
		     mcs / ms >= 0.4);
	bench_result(opts, "migrate", "per page and direction, 2 MiB batches",
		     mb * 1e9 / (2.0 * MIGRATE_BENCH_PAGES), "ns", NULL, true);
	bench_result(opts, "migrate", "per page and direction, 4 KiB pages",
		     ms * 1e9 / (2.0 * MIGRATE_BENCH_PAGES), "ns", NULL, true);
out:
	free_ram_pages(x, MIGRATE_BENCH_PAGES);
	free_ram_pages(y, MIGRATE_BENCH_PAGES);
	return migrate_bench_teardown(&b, err);
}
