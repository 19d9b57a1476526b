// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench hmm: hmm_range_fault() with HMM_PFN_REQ_FAULT over 256 MiB of
 * present, writable 4 KiB anonymous pages (nothing to fault: the cost of
 * the walk and the output), ns per page, under mmap_lock for read as a
 * driver calls it.  For scale, the same run times a memcpy() of the
 * hmm_pfns array, the least any snapshot of it could cost.
 */
#include <stdlib.h>
#include <string.h>
#include <zonedev/hmm.h>
#include "../tools/zonedev-tool.h"

#define HMM_BENCH_SIZE	(256UL << 20)
#define HMM_BENCH_PAGES	(HMM_BENCH_SIZE / PAGE_SIZE)
#define HMM_BENCH_REPS	9

static bool bench_invalidate(struct mmu_interval_notifier *sub,
			     const struct mmu_notifier_range *range, unsigned long cur_seq)
{
	(void)range;
	mmu_interval_set_seq(sub, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops bench_ops = {
	.invalidate = bench_invalidate,
};

/* One call; ns per page, or < 0 if it did not return 0. */
static double hmm_ns(struct hmm_range *range)
{
	struct mm_struct *mm = range->notifier->mm;
	unsigned long long t0, t1;
	int ret;

	range->notifier_seq = mmu_interval_read_begin(range->notifier);
	t0 = ktime_get_ns();
	down_read(&mm->mmap_lock);
	ret = hmm_range_fault(range);
	up_read(&mm->mmap_lock);
	t1 = ktime_get_ns();
	return ret ? -1 : (double)(t1 - t0) / HMM_BENCH_PAGES;
}

static double memcpy_ns(unsigned long *dst, const unsigned long *src)
{
	unsigned long long t0, t1;

	t0 = ktime_get_ns();
	memcpy(dst, src, HMM_BENCH_PAGES * sizeof(*src));
	/* Keep the copy from being elided. */
	__asm__ __volatile__("" : : "r"(dst) : "memory");
	t1 = ktime_get_ns();
	return (double)(t1 - t0) / HMM_BENCH_PAGES;
}

int bench_hmm(const struct tool_opts *opts)
{
	struct zd_config cfg = {
		.ram_size = HMM_BENCH_SIZE + (64UL << 20), .flags = ZD_RAM_PREFAULT,
		.name = "bench",
	};
	int reps = opts->quick ? 3 : HMM_BENCH_REPS, r, err = 0;
	unsigned long *pfns = calloc(HMM_BENCH_PAGES, sizeof(*pfns));
	unsigned long *copy = calloc(HMM_BENCH_PAGES, sizeof(*copy));
	double zd[HMM_BENCH_REPS], cp[HMM_BENCH_REPS], mz, mc;
	struct mmu_interval_notifier notifier;
	bool inserted = false;
	struct zd_system *sys = NULL;
	struct zd_task *task = NULL;
	struct hmm_range range;
	unsigned long off;
	long addr;

	if (!pfns || !copy) {
		err = -ENOMEM;
		goto out;
	}
	sys = zd_system_create(&cfg);
	if (IS_ERR(sys)) {
		err = (int)PTR_ERR(sys);
		sys = NULL;
		goto out;
	}
	task = zd_task_create(sys);
	if (IS_ERR_OR_NULL(task)) {
		err = task ? (int)PTR_ERR(task) : -ENOMEM;
		task = NULL;
		goto out;
	}
	addr = zd_mmap(task, 0, HMM_BENCH_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	if (addr < 0) {
		err = (int)addr;
		goto out;
	}
	for (off = 0; off < HMM_BENCH_SIZE; off += PAGE_SIZE)	/* real pages, writable */
		zd_write(task, (unsigned long)addr + off, &off, 1);
	err = mmu_interval_notifier_insert(&notifier, zd_task_mm(task), (unsigned long)addr,
					   HMM_BENCH_SIZE, &bench_ops);
	if (err)
		goto out;
	inserted = true;

	memset(&range, 0, sizeof(range));
	range.notifier = &notifier;
	range.start = (unsigned long)addr;
	range.end = (unsigned long)addr + HMM_BENCH_SIZE;
	range.hmm_pfns = pfns;
	range.default_flags = HMM_PFN_REQ_FAULT;
	hmm_ns(&range);		/* warm up: the array and the page tables */
	for (r = 0; r < reps; r++) {
		zd[r] = hmm_ns(&range);
		cp[r] = memcpy_ns(copy, pfns);
		if (zd[r] < 0 || !(pfns[HMM_BENCH_PAGES - 1] & HMM_PFN_WRITE))
			err = -EFAULT;
	}
	if (err)
		goto out;
	mz = bench_median(zd, reps);
	mc = bench_median(cp, reps);
	bench_result(opts, "hmm", "hmm_range_fault REQ_FAULT, 256 MiB present", mz, "ns/page",
		     "<= 20", mz <= 20);
	bench_result(opts, "hmm", "memcpy of the hmm_pfns array", mc, "ns/page", NULL, true);
	bench_result(opts, "hmm", "hmm_range_fault / memcpy of its output", mz / mc, "ratio",
		     NULL, true);
out:
	if (inserted)
		mmu_interval_notifier_remove(&notifier);
	if (task) {
		mmu_notifier_subscriptions_destroy(zd_task_mm(task));
		zd_task_exit(task);
	}
	if (sys) {
		if (zd_system_audit(sys, stderr))
			err = err ? err : -EIO;
		zd_system_destroy(sys);
	}
	free(copy);
	free(pfns);
	return err;
}
