// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench truncate: ftruncate() to 0 of a 1 GiB daxfs file that a task has
 * mapped, with no pins: the layout break (unmap every mapping of the file,
 * scan every DAX entry for a busy page, delete the entries) and the block
 * map change, in µs per MiB, per refcount scheme, with the file mapped by
 * 2 MiB PMD leaves (its 2 MiB extents) and by 4 KiB PTEs.
 *
 * The comparator, measured in the same run on a mapping set up the same
 * way: munmap() of it.  munmap zaps the same page tables and drops the
 * same references, so truncate / munmap is what truncating costs beyond
 * tearing the mapping down (the entry scan, the entry deletion and the
 * block bitmap).  The file's blocks are allocated (fallocate, which zeroes
 * them) and faulted in before each timing, never timed.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "../tools/zonedev-tool.h"

#define TRUNC_SIZE	(1UL << 30)
#define TRUNC_MIB	(TRUNC_SIZE >> 20)
#define TRUNC_PMEM	(TRUNC_SIZE + (64UL << 20))	/* room for metadata */
#define TRUNC_MAP_AT	(1UL << 33)			/* PMD aligned */

enum trunc_op { OP_TRUNCATE, OP_MUNMAP };

struct trunc_env {
	struct zd_system *sys;
	struct zd_pmem *pmem;
	struct zd_daxfs *fs;
	struct zd_file *file;
	struct zd_task *task;
};

/*
 * Allocate the file's 1 GiB and map it: at a PMD-aligned address, so that
 * its 2 MiB extents fault in as PMD leaves, or one page off, so that every
 * fault falls back to a PTE.  Returns the address or an errno.
 */
static long trunc_setup(struct trunc_env *e, bool pmd)
{
	unsigned long addr = TRUNC_MAP_AT + (pmd ? 0 : PAGE_SIZE);
	unsigned long step = pmd ? PMD_SIZE : PAGE_SIZE, off, faults;
	long a;
	int err;

	err = zd_fallocate(e->file, 0, 0, (loff_t)TRUNC_SIZE);
	if (err)
		return err;
	a = zd_mmap(e->task, addr, TRUNC_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		    e->file, 0);
	if (a < 0)
		return a;
	faults = zd_vm_event(e->sys, PGFAULT);
	for (off = 0; off < TRUNC_SIZE; off += step) {
		char c;

		if (zd_read(e->task, (unsigned long)a + off, &c, 1) != 1)
			return -EFAULT;
	}
	/* One fault per leaf: what we mean to measure is what we set up. */
	if (zd_vm_event(e->sys, PGFAULT) - faults != TRUNC_SIZE / step)
		return -EINVAL;
	return a;
}

/* One timed @op on a fresh mapping; the other one undoes the rest, untimed. */
static int trunc_once(struct trunc_env *e, bool pmd, enum trunc_op op, double *us)
{
	long addr = trunc_setup(e, pmd);
	unsigned long long t0, t1;
	int err;

	if (addr < 0)
		return (int)addr;
	t0 = ktime_get_ns();
	if (op == OP_TRUNCATE)
		err = zd_ftruncate(e->file, 0);
	else
		err = zd_munmap(e->task, (unsigned long)addr, TRUNC_SIZE);
	t1 = ktime_get_ns();
	*us = (double)(t1 - t0) / 1e3;
	if (err)
		return err;
	if (op == OP_TRUNCATE)
		return zd_munmap(e->task, (unsigned long)addr, TRUNC_SIZE);
	return zd_ftruncate(e->file, 0);
}

static int trunc_env_start(struct trunc_env *e, enum zd_refcount_scheme scheme)
{
	/* RAM for page tables: 2 MiB of PTE tables map 1 GiB of 4 KiB pages. */
	struct zd_config cfg = { .ram_size = 64UL << 20, .scheme = scheme, .name = "bench" };
	struct zd_pmem_config pcfg = { .size = TRUNC_PMEM, .name = "pmem-bench" };
	int err;

	memset(e, 0, sizeof(*e));
	e->sys = zd_system_create(&cfg);
	if (IS_ERR(e->sys))
		return (int)PTR_ERR(e->sys);
	e->pmem = zd_pmem_create(e->sys, &pcfg);
	if (IS_ERR(e->pmem))
		return (int)PTR_ERR(e->pmem);
	err = zd_daxfs_mkfs(e->pmem);
	if (err)
		return err;
	e->fs = zd_daxfs_mount(e->pmem, 0);
	if (IS_ERR(e->fs))
		return (int)PTR_ERR(e->fs);
	e->file = zd_daxfs_open(e->fs, "big", O_CREAT | O_RDWR);
	if (IS_ERR(e->file))
		return (int)PTR_ERR(e->file);
	e->task = zd_task_create(e->sys);
	return IS_ERR(e->task) ? (int)PTR_ERR(e->task) : 0;
}

static int trunc_env_stop(struct trunc_env *e, int err)
{
	if (!IS_ERR_OR_NULL(e->task))
		zd_task_exit(e->task);
	if (!IS_ERR_OR_NULL(e->file))
		zd_close(e->file);
	if (!IS_ERR_OR_NULL(e->fs) && zd_daxfs_unmount(e->fs))
		err = err ? err : -EBUSY;
	if (!IS_ERR_OR_NULL(e->pmem) && zd_pmem_destroy(e->pmem))
		err = err ? err : -EBUSY;
	if (!IS_ERR_OR_NULL(e->sys)) {
		if (zd_system_audit(e->sys, stderr))
			err = err ? err : -EIO;
		zd_system_destroy(e->sys);
	}
	return err;
}

static void trunc_report(const struct tool_opts *opts, enum zd_refcount_scheme scheme,
			 const char *map, double trunc_us, double munmap_us)
{
	char metric[96];

	snprintf(metric, sizeof(metric), "%s: truncate 1 GiB mapped by %s", zd_scheme_name(scheme),
		 map);
	bench_result(opts, "truncate", metric, trunc_us / TRUNC_MIB, "us/MiB", NULL, true);
	snprintf(metric, sizeof(metric), "%s: munmap of the same mapping", zd_scheme_name(scheme));
	bench_result(opts, "truncate", metric, munmap_us / TRUNC_MIB, "us/MiB", NULL, true);
	snprintf(metric, sizeof(metric), "%s: truncate / munmap, %s", zd_scheme_name(scheme), map);
	bench_result(opts, "truncate", metric, trunc_us / munmap_us, "ratio", NULL, true);
}

int bench_truncate(const struct tool_opts *opts)
{
	int reps = opts->quick ? 3 : 5, s, r, err = 0;

	for (s = ZD_REFCOUNT_ZERO; s <= ZD_REFCOUNT_ELEVATED && !err; s++) {
		enum zd_refcount_scheme scheme = (enum zd_refcount_scheme)s;
		double t[2][2][5], med[2][2];
		struct trunc_env e;
		int pmd, op;

		if (opts->scheme >= 0 && opts->scheme != s)
			continue;
		err = trunc_env_start(&e, scheme);
		for (pmd = 1; pmd >= 0 && !err; pmd--)
			for (r = 0; r < reps && !err; r++)
				for (op = OP_TRUNCATE; op <= OP_MUNMAP && !err; op++)
					err = trunc_once(&e, pmd, op, &t[pmd][op][r]);
		err = trunc_env_stop(&e, err);
		if (err)
			break;
		for (pmd = 0; pmd < 2; pmd++)
			for (op = OP_TRUNCATE; op <= OP_MUNMAP; op++)
				med[pmd][op] = bench_median(t[pmd][op], reps);
		trunc_report(opts, scheme, "2 MiB PMDs", med[1][OP_TRUNCATE], med[1][OP_MUNMAP]);
		trunc_report(opts, scheme, "4 KiB PTEs", med[0][OP_TRUNCATE], med[0][OP_MUNMAP]);
	}
	if (err)
		fprintf(stderr, "bench truncate: %s\n", strerror(-err));
	return err;
}
