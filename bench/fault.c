// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench fault: first-touch write faults in the software MMU over 1 GiB of
 * private anonymous memory (one zd_write() of a byte per page: a TLB miss,
 * do_user_addr_fault, handle_mm_fault, a zeroed page, the retried access),
 * divided by the host kernel's first-touch fault rate measured by this
 * binary, in the same run, on a real anonymous mapping of the same size.
 *
 * The system's RAM is backed by host memory up front (ZD_RAM_PREFAULT), as
 * a machine's RAM exists before its first fault; otherwise every simulated
 * fault would also pay for a host fault on the backing.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "../tools/zonedev-tool.h"

#define FAULT_SIZE	(1UL << 30)

static double host_faults_per_sec(void)
{
	unsigned long long t0, t1;
	unsigned long off;
	char *p = mmap(NULL, FAULT_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	madvise(p, FAULT_SIZE, MADV_NOHUGEPAGE);	/* 4 KiB faults, like ours */
	t0 = ktime_get_ns();
	for (off = 0; off < FAULT_SIZE; off += PAGE_SIZE)
		p[off] = 1;
	t1 = ktime_get_ns();
	munmap(p, FAULT_SIZE);
	return (double)(FAULT_SIZE / PAGE_SIZE) * 1e9 / (double)(t1 - t0);
}

struct toucher {
	struct zd_task *task;
	unsigned long start, len;
	long failed;
	struct zd_thread thread;
};

static void *touch_range(void *arg)
{
	struct toucher *t = arg;
	unsigned long off;
	char one = 1;

	for (off = 0; off < t->len; off += PAGE_SIZE)
		if (zd_write(t->task, t->start + off, &one, 1) != 1)
			t->failed++;
	return NULL;
}

/*
 * One task, @nr_threads threads each faulting its share of the range: with
 * more than one, they contend on mmap_lock, the per-mm page_table_lock and
 * the zone lock, which is what the second figure measures.
 */
static double zd_faults_per_sec(struct zd_system *sys, int nr_threads)
{
	struct zd_task *task = zd_task_create(sys);
	struct toucher t[2];
	unsigned long long t0, t1;
	long addr, failed = 0;
	int i;

	if (IS_ERR(task))
		return -1;
	addr = zd_mmap(task, 0, FAULT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       NULL, 0);
	if (addr < 0) {
		zd_task_exit(task);
		return -1;
	}
	for (i = 0; i < nr_threads; i++)
		t[i] = (struct toucher){ .task = task, .len = FAULT_SIZE / (unsigned long)nr_threads,
					 .start = (unsigned long)addr +
						  (unsigned long)i * (FAULT_SIZE / (unsigned long)nr_threads) };
	t0 = ktime_get_ns();
	if (nr_threads == 1) {
		touch_range(&t[0]);
	} else {
		for (i = 0; i < nr_threads; i++)
			zd_thread_start(&t[i].thread, touch_range, &t[i]);
		for (i = 0; i < nr_threads; i++)
			zd_thread_join(&t[i].thread);
	}
	t1 = ktime_get_ns();
	for (i = 0; i < nr_threads; i++)
		failed += t[i].failed;
	zd_task_exit(task);
	if (failed)
		return -1;
	return (double)(FAULT_SIZE / PAGE_SIZE) * 1e9 / (double)(t1 - t0);
}

int bench_fault(const struct tool_opts *opts)
{
	struct zd_config cfg = {
		.ram_size = FAULT_SIZE + (64UL << 20), .flags = ZD_RAM_PREFAULT, .name = "bench",
	};
	int reps = opts->quick ? 1 : 3, r, err = 0;
	double zd[3], zd2[3], host[3], mz, mz2, mh;
	struct zd_system *sys = zd_system_create(&cfg);

	if (IS_ERR(sys))
		return (int)PTR_ERR(sys);
	for (r = 0; r < reps; r++) {
		host[r] = host_faults_per_sec();
		zd[r] = zd_faults_per_sec(sys, 1);
		zd2[r] = zd_faults_per_sec(sys, 2);
		if (zd[r] < 0 || zd2[r] < 0 || host[r] < 0)
			err = -ENOMEM;
	}
	if (!err) {
		mz = bench_median(zd, reps);
		mh = bench_median(host, reps);
		bench_result(opts, "fault", "software MMU first-touch write faults", mz / 1e6, "M/s",
			     NULL, true);
		bench_result(opts, "fault", "host kernel first-touch write faults", mh / 1e6, "M/s",
			     NULL, true);
		bench_result(opts, "fault", "software MMU / host kernel", mz / mh, "ratio", ">= 2",
			     mz / mh >= 2);
		mz2 = bench_median(zd2, reps);
		bench_result(opts, "fault", "software MMU, 2 threads in one mm", mz2 / 1e6, "M/s",
			     NULL, true);
		bench_result(opts, "fault", "2 threads / 1 thread (per-mm page_table_lock)",
			     mz2 / mz, "ratio", NULL, true);
	}
	if (zd_system_audit(sys, stderr))
		err = err ? err : -EIO;
	zd_system_destroy(sys);
	return err;
}
