// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory failure and device removal (spec fsdax_devdax.md §6, §8 items
 * 26-29): exactly the tasks mapping a poisoned device page are signalled,
 * the consumer with BUS_MCEERR_AR and the others with BUS_MCEERR_AO,
 * si_addr where each maps it and si_addr_lsb the size of its leaf (PTE,
 * PMD, PUD); the early-kill policy (sysctl and prctl) and late kills on
 * re-access; fsdax through the file system holder and through the generic
 * path; device-dax; the errnos for pages nobody owns, device-private and
 * -coherent memory, metadata and RAM; reads of poisoned blocks and the
 * write that clears them; removal of a pmem device with its file system
 * told (PRE_REMOVE) or not, with live mappings in several tasks and with
 * a pinned page.  Every test runs under both refcount schemes.
 */
#include <stdlib.h>
#include <unistd.h>
#include <zonedev/dax.h>
#include "zd_test.h"
#include "../mm/internal_mm.h"

#define PG(n)		((unsigned long)(n) * PAGE_SIZE)
#define SZ_2M		(2UL << 20)
#define SZ_1G		(1UL << 30)
#define PMEM_SIZE	(64UL << 20)
#define MAP_AT		(1UL << 32)	/* PMD and PUD aligned */

static bool elevated(struct zd_test_env *env)
{
	return env->scheme == ZD_REFCOUNT_ELEVATED;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

struct fsdax {
	struct zd_pmem *pmem;
	struct zd_daxfs *fs;
};

static void fsdax_setup(struct zd_test_env *env, struct fsdax *f, unsigned int mount_flags)
{
	struct zd_pmem_config cfg = { .size = PMEM_SIZE, .name = "mf-pmem" };

	f->pmem = zd_pmem_create(env->sys, &cfg);
	assert_false(IS_ERR_OR_NULL(f->pmem));
	assert_int_equal(zd_daxfs_mkfs(f->pmem), 0);
	f->fs = zd_daxfs_mount(f->pmem, mount_flags);
	assert_false(IS_ERR_OR_NULL(f->fs));
}

static void fsdax_teardown(struct fsdax *f)
{
	assert_int_equal(zd_daxfs_unmount(f->fs), 0);
	assert_int_equal(zd_pmem_destroy(f->pmem), 0);
}

/* A file of @len bytes, every page filled with its page number + @seed. */
static struct zd_file *create_file(struct fsdax *f, const char *name, size_t len,
				   unsigned char seed)
{
	struct zd_file *file = zd_daxfs_open(f->fs, name, O_CREAT | O_RDWR);
	unsigned char *buf = malloc(len);
	size_t i;

	assert_false(IS_ERR_OR_NULL(file));
	assert_non_null(buf);
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed + i / PAGE_SIZE);
	assert_int_equal(zd_pwrite(file, buf, len, 0), (ssize_t)len);
	free(buf);
	return file;
}

/* The pfn behind byte @off of a daxfs file. */
static unsigned long file_pfn(struct fsdax *f, struct zd_file *file, loff_t off)
{
	u64 dev_off;

	assert_int_equal(zd_daxfs_bmap(file, off, &dev_off), 0);
	return zd_pmem_pfn(f->pmem, dev_off);
}

static unsigned long map(struct zd_task *task, struct zd_file *file, unsigned long addr,
			 unsigned long len, unsigned long off)
{
	long a = zd_mmap(task, addr, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | (addr ? MAP_FIXED : 0), file, off);

	assert_true(a > 0);
	return (unsigned long)a;
}

static void touch(struct zd_task *task, unsigned long addr)
{
	unsigned char c;

	assert_int_equal(zd_read(task, addr, &c, 1), 1);
}

/* The task got exactly one signal since the last check: this one. */
static void expect_signal(struct zd_task *task, int signo, int code, unsigned long addr,
			  short lsb)
{
	struct zd_siginfo si;

	assert_int_equal(zd_task_signals(task, &si), 1);
	assert_int_equal(si.signo, signo);
	assert_int_equal(si.code, code);
	assert_int_equal(si.addr, addr);
	assert_int_equal(si.addr_lsb, lsb);
	zd_task_clear_signals(task);
}

static void expect_no_signal(struct zd_task *task)
{
	assert_int_equal(zd_task_signals(task, NULL), 0);
}

/* What maps @addr: PUD_ORDER, PMD_ORDER, 0 for a PTE, -1 for nothing. */
static int mapped_order(struct zd_task *task, unsigned long addr)
{
	struct mm_struct *mm = zd_task_mm(task);
	unsigned int order = huge_leaf_order(mm, addr);
	pte_t *ptep;

	if (order)
		return (int)order;
	ptep = pte_offset_lockless(mm, addr);
	return ptep && pte_present(ptep_get(ptep)) ? 0 : -1;
}

static bool page_poisoned(unsigned long pfn)
{
	return PageHWPoison(pfn_to_page(pfn));
}

static struct zd_devdax *devdax_new(struct zd_test_env *env, unsigned long size,
				    unsigned long align)
{
	struct zd_devdax_config cfg = { .size = size, .align = align, .name = "dax-mf" };
	struct zd_devdax *dev = zd_devdax_create(env->sys, &cfg);

	assert_false(IS_ERR_OR_NULL(dev));
	return dev;
}

/* ------------------------------------------------------------------ */
/* Bad input                                                           */
/* ------------------------------------------------------------------ */

static void mf_bad_input(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_config cfg = { .ram_size = 4UL << 20, .scheme = env->scheme,
				 .report = env->report, .flags = ZD_BUG_CONTINUE };
	struct zd_devdax *dev = devdax_new(env, SZ_2M, PAGE_SIZE);
	struct zd_task *task = test_task_new(env), *stranger;
	struct zd_system *other = zd_system_create(&cfg);
	unsigned long pfn = zd_devdax_pfn(dev, 0);
	unsigned long addr = map(task, zd_devdax_file(dev), 0, SZ_2M, 0);
	struct address_space plain;
	static const int bad_flags[] = { MF_COUNT_INCREASED, MF_SOFT_OFFLINE, MF_UNPOISON,
					 MF_NO_RETRY, MF_MEM_PRE_REMOVE, 1 << 20, -1 };
	unsigned int i;

	assert_false(IS_ERR_OR_NULL(other));
	stranger = zd_task_create(other);
	assert_false(IS_ERR_OR_NULL(stranger));
	touch(task, addr);

	assert_int_equal(zd_memory_failure(NULL, pfn, 0), -EINVAL);
	assert_int_equal(zd_memory_failure(ERR_PTR(-ENOMEM), pfn, 0), -EINVAL);
	for (i = 0; i < ARRAY_SIZE(bad_flags); i++)
		assert_int_equal(zd_memory_failure(env->sys, pfn, bad_flags[i]), -EINVAL);
	assert_int_equal(zd_memory_failure_task(env->sys, pfn, MF_ACTION_REQUIRED, stranger),
			 -EINVAL);
	assert_int_equal(zd_memory_failure_task(env->sys, pfn, 0, ERR_PTR(-EINVAL)), -EINVAL);
	/* Device memory of another system is not this one's to fail. */
	assert_int_equal(zd_memory_failure(other, pfn, 0), -ENXIO);

	/* mf_dax_kill_procs(): no mapping, a range that wraps, a file that is not DAX. */
	assert_int_equal(mf_dax_kill_procs(NULL, 0, 1, 0), -EINVAL);
	address_space_init_once(&plain, NULL);
	assert_int_equal(mf_dax_kill_procs(&plain, ULONG_MAX, 2, 0), -EINVAL);
	assert_int_equal(mf_dax_kill_procs(&plain, 0, 1, 0), -EBUSY);
	assert_int_equal(mf_dax_kill_procs(&plain, 0, 0, 0), 0);
	address_space_destroy(&plain);

	/* The policy knobs. */
	assert_int_equal(zd_sysctl_memory_failure_early_kill(NULL, 1), -EINVAL);
	assert_int_equal(zd_sysctl_memory_failure_early_kill(env->sys, 2), -EINVAL);
	assert_int_equal(zd_sysctl_memory_failure_early_kill(env->sys, -1), -EINVAL);
	assert_int_equal(zd_memory_failure_early_kill(NULL), -EINVAL);
	assert_int_equal(zd_memory_failure_early_kill(env->sys), 0);
	assert_int_equal(zd_prctl(NULL, PR_MCE_KILL_GET, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(zd_prctl(task, PR_SET_NAME, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(zd_prctl(task, PR_MCE_KILL, 7, 0, 0, 0), -EINVAL);
	assert_int_equal(zd_prctl(task, PR_MCE_KILL, PR_MCE_KILL_SET, 9, 0, 0), -EINVAL);
	assert_int_equal(zd_prctl(task, PR_MCE_KILL, PR_MCE_KILL_CLEAR, 1, 0, 0), -EINVAL);
	assert_int_equal(zd_prctl(task, PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 1, 0),
			 -EINVAL);
	assert_int_equal(zd_prctl(task, PR_MCE_KILL_GET, 1, 0, 0, 0), -EINVAL);
	assert_int_equal(zd_prctl(task, PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_DEFAULT);

	/* None of it changed anything. */
	assert_false(page_poisoned(pfn));
	assert_int_equal(mapped_order(task, addr), 0);
	expect_no_signal(task);
	touch(task, addr);

	assert_int_equal(zd_task_exit(stranger), 0);
	assert_int_equal(zd_system_destroy(other), 0);
	test_task_done(task);
	assert_int_equal(zd_devdax_destroy(dev), 0);
}

static void mf_prctl_policy(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env), *child;

	assert_int_equal(zd_prctl(task, PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0), 0);
	assert_int_equal(zd_prctl(task, PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_EARLY);
	child = zd_task_fork(task);
	assert_false(IS_ERR_OR_NULL(child));
	assert_int_equal(zd_prctl(child, PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_EARLY);
	assert_int_equal(zd_prctl(task, PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_LATE, 0, 0), 0);
	assert_int_equal(zd_prctl(task, PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_LATE);
	assert_int_equal(zd_prctl(task, PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0, 0, 0), 0);
	assert_int_equal(zd_prctl(task, PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_DEFAULT);
	assert_int_equal(zd_prctl(child, PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_DEFAULT, 0, 0),
			 0);
	assert_int_equal(zd_prctl(child, PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_DEFAULT);
	assert_int_equal(zd_sysctl_memory_failure_early_kill(env->sys, 1), 0);
	assert_int_equal(zd_memory_failure_early_kill(env->sys), 1);
	test_task_done(child);
	test_task_done(task);
}

/* ------------------------------------------------------------------ */
/* Pages memory failure cannot handle                                  */
/* ------------------------------------------------------------------ */

/* RAM, nothing, a device's metadata: -ENXIO, nothing marked. */
static void mf_outside_device(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = test_dev_create(env, MEMORY_DEVICE_GENERIC, 4UL << 20, 0);
	struct dev_pagemap *pgmap = &dev->pgmap;
	unsigned long base = PHYS_PFN(pgmap->range.start);
	struct page *ram = alloc_pages_node(env->nid, GFP_KERNEL, 0);

	assert_non_null(ram);
	assert_int_equal(zd_memory_failure(env->sys, page_to_pfn(ram), 0), -ENXIO);
	assert_false(PageHWPoison(ram));
	__free_pages(ram, 0);
	assert_int_equal(zd_memory_failure(env->sys, MAX_PFN + 1, 0), -ENXIO);
	/* Not memremapped yet: no pgmap. */
	assert_int_equal(zd_memory_failure(env->sys, base + 100, 0), -ENXIO);

	pgmap->flags = PGMAP_ALTMAP_VALID;
	pgmap->altmap.base_pfn = base;
	pgmap->altmap.end_pfn = base + PHYS_PFN(4UL << 20) - 1;
	pgmap->altmap.reserve = 16;
	pgmap->altmap.free = 48;
	pgmap->ops = NULL;
	assert_int_equal(test_dev_map(dev, env->nid), 0);
	/* The reserve and the memmap itself are metadata: unrecoverable. */
	assert_int_equal(zd_memory_failure(env->sys, base + 3, MF_ACTION_REQUIRED), -ENXIO);
	assert_int_equal(zd_memory_failure(env->sys, base + 63, 0), -ENXIO);
	assert_false(page_poisoned(base + 63));
	/* A device page nobody maps has no owner. */
	assert_int_equal(zd_memory_failure(env->sys, base + 64, 0), -EBUSY);
	assert_false(page_poisoned(base + 64));
	memunmap_pages(pgmap);
	assert_int_equal(zd_memory_failure(env->sys, base + 64, 0), -ENXIO);
	test_dev_destroy(dev);
}

/* Device-private and -coherent memory is not handled: -ENXIO. */
static void mf_private_coherent(void **state)
{
	struct zd_test_env *env = *state;
	static const enum memory_type types[] = { MEMORY_DEVICE_PRIVATE, MEMORY_DEVICE_COHERENT };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		struct test_dev *dev = test_dev_create(env, types[i], 2UL << 20, 0);
		struct page *page;

		assert_int_equal(test_dev_map(dev, env->nid), 0);
		page = test_dev_alloc(dev);
		assert_non_null(page);
		unlock_page(page);
		/* Allocated or free, the answer is the same. */
		assert_int_equal(zd_memory_failure(env->sys, page_to_pfn(page), MF_ACTION_REQUIRED),
				 -ENXIO);
		assert_int_equal(zd_memory_failure(env->sys, page_to_pfn(page) + 1, 0), -ENXIO);
		assert_false(PageHWPoison(page));
		put_page(page);
		memunmap_pages(&dev->pgmap);
		test_dev_destroy(dev);
	}
}

/* A page never faulted in has no owner to ask: -EBUSY (device-dax, fsdax). */
static void mf_never_faulted(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, SZ_2M, PAGE_SIZE);
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map(task, zd_devdax_file(dev), 0, SZ_2M, 0), pfn;
	struct zd_file *file;
	struct fsdax f;
	char buf[16];

	/* Mapped, but not this page. */
	touch(task, addr + PG(1));
	assert_int_equal(zd_memory_failure(env->sys, zd_devdax_pfn(dev, 0), 0), -EBUSY);
	assert_false(page_poisoned(zd_devdax_pfn(dev, 0)));
	expect_no_signal(task);
	assert_int_equal(zd_munmap(task, addr, SZ_2M), 0);
	assert_int_equal(zd_devdax_destroy(dev), 0);

	/* fsdax without a holder: the generic path finds no DAX entry. */
	fsdax_setup(env, &f, ZD_DAXFS_NO_HOLDER);
	file = create_file(&f, "cold", PG(4), 0x30);
	pfn = file_pfn(&f, file, PG(2));
	assert_int_equal(zd_memory_failure(env->sys, pfn, 0), -EBUSY);
	assert_false(page_poisoned(pfn));
	/* The badblock is on record all the same: reads fail. */
	assert_int_equal(zd_pread(file, buf, sizeof(buf), PG(2)), -EIO);
	assert_int_equal(zd_pmem_nr_badblocks(f.pmem), 1);
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);

	/* With the holder: the file system finds the file, nobody maps it: done. */
	fsdax_setup(env, &f, 0);
	file = create_file(&f, "cold", PG(4), 0x30);
	pfn = file_pfn(&f, file, PG(1));
	assert_int_equal(zd_memory_failure(env->sys, pfn, 0), 0);
	assert_false(page_poisoned(pfn));	/* no DAX entry, no page to mark */
	assert_int_equal(zd_pread(file, buf, sizeof(buf), PG(1)), -EIO);
	assert_int_equal(zd_pread(file, buf, sizeof(buf), PG(3)), (ssize_t)sizeof(buf));
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);
	test_task_done(task);
}

/* ------------------------------------------------------------------ */
/* Device-dax: the generic path                                        */
/* ------------------------------------------------------------------ */

/*
 * PTE mappings: the consumer gets AR, an early-kill mapper AO, a task
 * that maps the page without having touched it and a task that maps
 * another page nothing; the page is marked and unmapped everywhere.
 */
static void mf_devdax_pte(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, SZ_2M, PAGE_SIZE);
	struct zd_task *a = test_task_new(env), *b = test_task_new(env);
	struct zd_task *c = test_task_new(env), *d = test_task_new(env);
	struct zd_file *file = zd_devdax_file(dev);
	unsigned long pa = map(a, file, 0, SZ_2M, 0), pb = map(b, file, 0, PG(8), PG(4));
	unsigned long pc = map(c, file, 0, SZ_2M, 0), pd = map(d, file, 0, PG(4), PG(100));
	unsigned long pfn = zd_devdax_pfn(dev, PG(5));

	assert_int_equal(zd_sysctl_memory_failure_early_kill(env->sys, 1), 0);
	touch(a, pa + PG(5));
	touch(b, pb + PG(1));		/* file page 5 */
	touch(c, pc + PG(6));		/* a neighbour only */
	touch(d, pd);
	assert_int_equal(zd_memory_failure_task(env->sys, pfn, MF_ACTION_REQUIRED, a), 0);
	expect_signal(a, SIGBUS, BUS_MCEERR_AR, pa + PG(5), PAGE_SHIFT);
	expect_signal(b, SIGBUS, BUS_MCEERR_AO, pb + PG(1), PAGE_SHIFT);
	expect_no_signal(c);
	expect_no_signal(d);
	assert_true(page_poisoned(pfn));
	assert_int_equal(mapped_order(a, pa + PG(5)), -1);
	assert_int_equal(mapped_order(b, pb + PG(1)), -1);
	/* The rest of the device is untouched. */
	assert_int_equal(mapped_order(c, pc + PG(6)), 0);
	assert_int_equal(mapped_order(d, pd), 0);

	/* Found by a scrubber instead: nobody is the consumer, all AO. */
	touch(c, pc + PG(7));
	assert_int_equal(zd_memory_failure(env->sys, zd_devdax_pfn(dev, PG(7)), 0), 0);
	expect_signal(c, SIGBUS, BUS_MCEERR_AO, pc + PG(7), PAGE_SHIFT);
	expect_no_signal(a);
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);

	test_task_done(a);
	test_task_done(b);
	test_task_done(c);
	test_task_done(d);
	assert_int_equal(zd_devdax_destroy(dev), 0);
}

/*
 * A 2 MiB device: the poisoned tail's unit goes whole, the signal names
 * where the unit starts in each task, lsb PMD_SHIFT.
 */
static void mf_devdax_pmd(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, 4 * SZ_2M, SZ_2M);
	struct zd_task *a = test_task_new(env), *b = test_task_new(env);
	struct zd_file *file = zd_devdax_file(dev);
	unsigned long pa = map(a, file, 0, 4 * SZ_2M, 0);
	unsigned long pb = map(b, file, 0, 2 * SZ_2M, 2 * SZ_2M);
	unsigned long pfn = zd_devdax_pfn(dev, 2 * SZ_2M + PG(37));

	assert_int_equal(zd_prctl(b, PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0), 0);
	touch(a, pa + 2 * SZ_2M + PG(300));
	touch(a, pa + SZ_2M);
	touch(b, pb + PG(1));
	assert_int_equal(mapped_order(a, pa + 2 * SZ_2M), PMD_ORDER);
	assert_int_equal(mapped_order(b, pb), PMD_ORDER);
	assert_int_equal(zd_memory_failure_task(env->sys, pfn, MF_ACTION_REQUIRED, a), 0);
	expect_signal(a, SIGBUS, BUS_MCEERR_AR, pa + 2 * SZ_2M, PMD_SHIFT);
	expect_signal(b, SIGBUS, BUS_MCEERR_AO, pb, PMD_SHIFT);
	/* The head carries the mark (its tails are shared memmap). */
	assert_true(page_poisoned(zd_devdax_pfn(dev, 2 * SZ_2M)));
	assert_int_equal(mapped_order(a, pa + 2 * SZ_2M), -1);
	assert_int_equal(mapped_order(b, pb), -1);
	assert_int_equal(mapped_order(a, pa + SZ_2M), PMD_ORDER);
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	test_task_done(a);
	test_task_done(b);
	assert_int_equal(zd_devdax_destroy(dev), 0);
}

/* A 1 GiB device: lsb PUD_SHIFT. */
static void mf_devdax_pud(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, SZ_1G, SZ_1G);
	struct zd_task *a = test_task_new(env), *b = test_task_new(env);
	struct zd_file *file = zd_devdax_file(dev);
	unsigned long pa = map(a, file, 0, SZ_1G, 0), pb = map(b, file, 0, SZ_1G, 0);

	assert_int_equal(zd_sysctl_memory_failure_early_kill(env->sys, 1), 0);
	touch(a, pa + 5 * SZ_2M);
	touch(b, pb);
	assert_int_equal(mapped_order(a, pa), PUD_ORDER);
	assert_int_equal(zd_memory_failure_task(env->sys, zd_devdax_pfn(dev, 123 * SZ_2M),
						MF_ACTION_REQUIRED, b), 0);
	expect_signal(a, SIGBUS, BUS_MCEERR_AO, pa, PUD_SHIFT);
	expect_signal(b, SIGBUS, BUS_MCEERR_AR, pb, PUD_SHIFT);
	assert_int_equal(mapped_order(a, pa), -1);
	assert_int_equal(mapped_order(b, pb), -1);
	test_task_done(a);
	test_task_done(b);
	assert_int_equal(zd_devdax_destroy(dev), 0);
}

/*
 * Late kill on device-dax: a task that chose late kills is not told; the
 * failure unmapped it too, its next touch maps the page again (device-dax
 * faults do not look for poison) and consumes it: a machine check, and
 * memory failure on its behalf gives it AR with its mapping's size.
 */
static void mf_devdax_late_kill(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, 2 * SZ_2M, SZ_2M);
	struct zd_task *a = test_task_new(env), *b = test_task_new(env);
	struct zd_file *file = zd_devdax_file(dev);
	unsigned long pa = map(a, file, 0, 2 * SZ_2M, 0), pb = map(b, file, 0, 2 * SZ_2M, 0);
	unsigned long pfn = zd_devdax_pfn(dev, SZ_2M);
	unsigned char c = 0;

	/* The sysctl says early, b's own choice says late. */
	assert_int_equal(zd_sysctl_memory_failure_early_kill(env->sys, 1), 0);
	assert_int_equal(zd_prctl(b, PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_LATE, 0, 0), 0);
	touch(a, pa + SZ_2M);
	touch(b, pb + SZ_2M);
	assert_int_equal(zd_memory_failure_task(env->sys, pfn, MF_ACTION_REQUIRED, a), 0);
	expect_signal(a, SIGBUS, BUS_MCEERR_AR, pa + SZ_2M, PMD_SHIFT);
	expect_no_signal(b);
	assert_int_equal(mapped_order(b, pb + SZ_2M), -1);
	/* b touches it: mapped again, consumed, killed. */
	assert_int_equal(zd_read(b, pb + SZ_2M + PG(9) + 5, &c, 1), -EFAULT);
	expect_signal(b, SIGBUS, BUS_MCEERR_AR, pb + SZ_2M, PMD_SHIFT);
	expect_no_signal(a);
	/* The other unit is fine. */
	touch(b, pb);
	expect_no_signal(b);
	test_task_done(a);
	test_task_done(b);
	assert_int_equal(zd_devdax_destroy(dev), 0);
	/* The device is gone: so is its memory. */
	assert_int_equal(zd_memory_failure(env->sys, pfn, 0), -ENXIO);
}

/* ------------------------------------------------------------------ */
/* fsdax                                                               */
/* ------------------------------------------------------------------ */

/*
 * With the file system as holder: it names the file, the tasks mapping
 * that page are signalled, reads of the block fail with -EIO until a
 * whole-page write clears the poison, and the file works again.
 */
static void mf_fsdax_holder_pte(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *a = test_task_new(env), *b = test_task_new(env), *c = test_task_new(env);
	struct zd_file *file, *other;
	unsigned char buf[PAGE_SIZE], v;
	unsigned long pa, pb, pc, pfn;
	struct fsdax f;

	fsdax_setup(env, &f, 0);
	file = create_file(&f, "data", PG(16), 0x10);
	other = create_file(&f, "other", PG(4), 0x50);
	pfn = file_pfn(&f, file, PG(9));
	pa = map(a, file, 0, PG(16), 0);
	pb = map(b, file, 0, PG(8), PG(8));
	pc = map(c, other, 0, PG(4), 0);
	assert_int_equal(zd_sysctl_memory_failure_early_kill(env->sys, 1), 0);
	touch(a, pa + PG(8));
	touch(a, pa + PG(9));
	touch(b, pb + PG(1));
	touch(c, pc);
	assert_int_equal(zd_memory_failure_task(env->sys, pfn, MF_ACTION_REQUIRED, a), 0);
	expect_signal(a, SIGBUS, BUS_MCEERR_AR, pa + PG(9), PAGE_SHIFT);
	expect_signal(b, SIGBUS, BUS_MCEERR_AO, pb + PG(1), PAGE_SHIFT);
	expect_no_signal(c);
	assert_true(page_poisoned(pfn));
	assert_int_equal(zd_pmem_nr_badblocks(f.pmem), 1);
	assert_int_equal(mapped_order(a, pa + PG(9)), -1);
	assert_int_equal(mapped_order(a, pa + PG(8)), 0);

	/* read(2) of the block fails; the rest of the file reads. */
	assert_int_equal(zd_pread(file, buf, 16, PG(9) + 100), -EIO);
	assert_int_equal(zd_pread(file, buf, PG(1), PG(8)), PG(1));
	assert_int_equal(buf[0], 0x18);
	/* The device refuses a range with poison in it: a read into it fails whole. */
	assert_int_equal(zd_pread(file, buf, PG(1), PG(8) + 16), -EIO);
	/* A partial write cannot clear poison; a whole page can. */
	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(zd_pwrite(file, buf, 100, PG(9)), -EIO);
	assert_int_equal(zd_pwrite(file, buf, PG(1), PG(9)), PG(1));
	assert_int_equal(zd_pmem_nr_badblocks(f.pmem), 0);
	assert_false(page_poisoned(pfn));
	assert_int_equal(zd_pread(file, buf, 16, PG(9)), 16);
	assert_int_equal(buf[15], 0x77);
	/* Mapping it again works. */
	assert_int_equal(zd_read(a, pa + PG(9), &v, 1), 1);
	assert_int_equal(v, 0x77);
	expect_no_signal(a);
	assert_int_equal(dax_mapping_audit(file->f_mapping, stderr), 0);

	test_task_done(a);
	test_task_done(b);
	test_task_done(c);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_close(other), 0);
	fsdax_teardown(&f);
}

/*
 * A 2 MiB extent mapped by a PMD: the PMD goes whole, lsb PMD_SHIFT,
 * si_addr the failing page's own address (fsdax names the file offset).
 */
static void mf_fsdax_pmd(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *a = test_task_new(env), *b = test_task_new(env);
	struct zd_file *file;
	unsigned long pa, pb, pfn;
	struct fsdax f;

	fsdax_setup(env, &f, 0);
	file = create_file(&f, "huge", 2 * SZ_2M, 0x20);
	pfn = file_pfn(&f, file, SZ_2M + PG(3));
	pa = map(a, file, MAP_AT, 2 * SZ_2M, 0);
	pb = map(b, file, MAP_AT + SZ_1G, 2 * SZ_2M, 0);
	touch(a, pa + SZ_2M + PG(100));
	touch(a, pa);
	touch(b, pb + SZ_2M);
	assert_int_equal(mapped_order(a, pa + SZ_2M), PMD_ORDER);
	assert_int_equal(mapped_order(b, pb + SZ_2M), PMD_ORDER);
	assert_int_equal(zd_prctl(b, PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0), 0);
	assert_int_equal(zd_memory_failure_task(env->sys, pfn, MF_ACTION_REQUIRED, a), 0);
	expect_signal(a, SIGBUS, BUS_MCEERR_AR, pa + SZ_2M + PG(3), PMD_SHIFT);
	expect_signal(b, SIGBUS, BUS_MCEERR_AO, pb + SZ_2M + PG(3), PMD_SHIFT);
	assert_true(page_poisoned(pfn));
	assert_false(page_poisoned(pfn - 1));
	assert_int_equal(mapped_order(a, pa + SZ_2M), -1);
	assert_int_equal(mapped_order(b, pb + SZ_2M), -1);
	assert_int_equal(mapped_order(a, pa), PMD_ORDER);

	/* Late: a's next touch of the extent maps around the bad page... */
	touch(a, pa + SZ_2M + PG(4));
	/* ...and the bad page itself is SIGBUS at the faulting byte. */
	{
		unsigned char v;

		assert_int_equal(zd_read(a, pa + SZ_2M + PG(3) + 17, &v, 1), -EFAULT);
		expect_signal(a, SIGBUS, BUS_MCEERR_AR, pa + SZ_2M + PG(3) + 17, PAGE_SHIFT);
	}
	assert_int_equal(dax_mapping_audit(file->f_mapping, stderr), 0);
	test_task_done(a);
	test_task_done(b);
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);
}

/*
 * Late kill on fsdax: with the default policy only the consumer is told;
 * the others lose the mapping and, touching it again, fault on the
 * poisoned block: SIGBUS AR, lsb PAGE_SHIFT, at the faulting address.
 * Poison nobody consumed yet (a scrubber's report, no early killers)
 * unmaps nothing; the first touch is then a machine check.
 */
static void mf_fsdax_late_kill(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *a = test_task_new(env), *b = test_task_new(env);
	struct zd_file *file;
	unsigned long pa, pb;
	unsigned char v;
	struct fsdax f;

	fsdax_setup(env, &f, 0);
	file = create_file(&f, "late", PG(8), 0x40);
	pa = map(a, file, 0, PG(8), 0);
	pb = map(b, file, 0, PG(8), 0);
	touch(a, pa + PG(2));
	touch(b, pb + PG(2));
	assert_int_equal(zd_memory_failure_task(env->sys, file_pfn(&f, file, PG(2)),
						MF_ACTION_REQUIRED, a), 0);
	expect_signal(a, SIGBUS, BUS_MCEERR_AR, pa + PG(2), PAGE_SHIFT);
	expect_no_signal(b);
	assert_int_equal(mapped_order(b, pb + PG(2)), -1);
	assert_int_equal(zd_read(b, pb + PG(2) + 99, &v, 1), -EFAULT);
	expect_signal(b, SIGBUS, BUS_MCEERR_AR, pb + PG(2) + 99, PAGE_SHIFT);

	/* Nobody to tell: the mappings stay, and consuming is the trigger. */
	touch(a, pa + PG(5));
	touch(b, pb + PG(5));
	assert_int_equal(zd_memory_failure(env->sys, file_pfn(&f, file, PG(5)), 0), 0);
	expect_no_signal(a);
	expect_no_signal(b);
	assert_int_equal(mapped_order(b, pb + PG(5)), 0);
	assert_int_equal(zd_read(b, pb + PG(5) + 1, &v, 1), -EFAULT);
	expect_signal(b, SIGBUS, BUS_MCEERR_AR, pb + PG(5), PAGE_SHIFT);
	/* That unmapped a's mapping too; a learns when it touches it. */
	expect_no_signal(a);
	assert_int_equal(zd_read(a, pa + PG(5), &v, 1), -EFAULT);
	expect_signal(a, SIGBUS, BUS_MCEERR_AR, pa + PG(5), PAGE_SHIFT);
	test_task_done(a);
	test_task_done(b);
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);
}

/* fsdax without a holder (ext4): the generic path, through the DAX entry. */
static void mf_fsdax_no_holder(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *a = test_task_new(env), *b = test_task_new(env);
	struct zd_file *file;
	unsigned long pa, pb, pfn;
	char buf[8];
	struct fsdax f;

	fsdax_setup(env, &f, ZD_DAXFS_NO_HOLDER);
	file = create_file(&f, "ext4ish", PG(4), 0x60);
	pfn = file_pfn(&f, file, PG(1));
	pa = map(a, file, 0, PG(4), 0);
	pb = map(b, file, 0, PG(4), 0);
	touch(a, pa + PG(1));
	touch(b, pb + PG(1));
	assert_int_equal(zd_sysctl_memory_failure_early_kill(env->sys, 1), 0);
	assert_int_equal(zd_memory_failure_task(env->sys, pfn, MF_ACTION_REQUIRED, b), 0);
	expect_signal(a, SIGBUS, BUS_MCEERR_AO, pa + PG(1), PAGE_SHIFT);
	expect_signal(b, SIGBUS, BUS_MCEERR_AR, pb + PG(1), PAGE_SHIFT);
	assert_true(page_poisoned(pfn));
	assert_int_equal(zd_pmem_nr_badblocks(f.pmem), 1);
	assert_int_equal(zd_pread(file, buf, sizeof(buf), PG(1)), -EIO);
	assert_false(zd_daxfs_is_shutdown(f.fs, NULL));
	test_task_done(a);
	test_task_done(b);
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);
}

/* Failed metadata: the file system shuts down and says so. */
static void mf_fsdax_metadata(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_file *file;
	const char *why;
	struct fsdax f;
	char buf[8];

	fsdax_setup(env, &f, 0);
	file = create_file(&f, "victim", PG(2), 0x70);
	/* Device block 0 is the superblock. */
	assert_int_equal(zd_memory_failure(env->sys, zd_pmem_pfn(f.pmem, 0), 0), -EUCLEAN);
	assert_true(zd_daxfs_is_shutdown(f.fs, &why));
	assert_non_null(why);
	assert_int_equal(zd_pread(file, buf, sizeof(buf), 0), -EIO);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(f.fs), 0);
	assert_int_equal(zd_pmem_destroy(f.pmem), 0);
}

/* ------------------------------------------------------------------ */
/* Device removal                                                      */
/* ------------------------------------------------------------------ */

/*
 * PRE_REMOVE with the file system as holder: every task mapping any file
 * block (not only early killers) loses the mapping and gets AO with its
 * leaf size; nothing is marked HWPoison (the memory is good); the file
 * system shuts down; I/O fails with -EIO, touching a mapping is SIGBUS.
 */
static void mf_remove_holder(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *a = test_task_new(env), *b = test_task_new(env), *c = test_task_new(env);
	struct zd_file *f1, *f2;
	unsigned long pa, pb, pc, pfn_a, pfn_b;
	unsigned char v = 1;
	struct fsdax f;

	fsdax_setup(env, &f, 0);
	f1 = create_file(&f, "one", 2 * SZ_2M, 0x11);
	f2 = create_file(&f, "two", PG(8), 0x22);
	pfn_a = file_pfn(&f, f1, SZ_2M);
	pfn_b = file_pfn(&f, f2, PG(3));
	pa = map(a, f1, MAP_AT, 2 * SZ_2M, 0);
	pb = map(b, f2, 0, PG(8), 0);
	pc = map(c, f2, 0, PG(8), 0);
	assert_int_equal(zd_write(a, pa + SZ_2M + 8, &v, 1), 1);	/* dirty, PMD */
	touch(b, pb + PG(3));
	assert_int_equal(mapped_order(a, pa + SZ_2M), PMD_ORDER);
	/* c maps the file but never touched it: nothing to revoke, no signal. */

	zd_test_report_clear(env);
	assert_int_equal(zd_pmem_destroy(f.pmem), 0);
	/* The holder let go of everything itself: nothing left to zap. */
	assert_string_equal(zd_test_report(env), "");
	expect_signal(a, SIGBUS, BUS_MCEERR_AO, pa + SZ_2M, PMD_SHIFT);
	expect_signal(b, SIGBUS, BUS_MCEERR_AO, pb + PG(3), PAGE_SHIFT);
	expect_no_signal(c);
	assert_true(zd_daxfs_is_shutdown(f.fs, NULL));
	assert_int_equal(f1->f_mapping->nrpages, 0);
	assert_int_equal(f2->f_mapping->nrpages, 0);
	(void)pfn_a;
	(void)pfn_b;

	/* No new I/O, no new mapping. */
	assert_int_equal(zd_pread(f2, &v, 1, 0), -EIO);
	assert_int_equal(zd_pwrite(f2, &v, 1, 0), -EIO);
	assert_int_equal(zd_ftruncate(f2, 0), -EIO);
	assert_int_equal(zd_read(b, pb + PG(3), &v, 1), -EFAULT);
	expect_signal(b, SIGBUS, BUS_ADRERR, pb + PG(3), 0);
	assert_int_equal(zd_read(c, pc, &v, 1), -EFAULT);
	expect_signal(c, SIGBUS, BUS_ADRERR, pc, 0);
	assert_int_equal(zd_memory_failure(env->sys, pfn_b, 0), -ENXIO);

	test_task_done(a);
	test_task_done(b);
	test_task_done(c);
	assert_int_equal(zd_close(f1), 0);
	assert_int_equal(zd_close(f2), 0);
	assert_int_equal(zd_daxfs_unmount(f.fs), 0);
}

/*
 * Without a holder (ext4) nobody is told and nothing signalled; the
 * kernel would leave the mappings pointing at removed memory, zonedev
 * zaps them and reports it.  Touching them afterwards is SIGBUS.
 */
static void mf_remove_no_holder(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *a = test_task_new(env), *b = test_task_new(env);
	struct zd_file *file;
	unsigned long pa, pb;
	unsigned char v = 2;
	struct fsdax f;

	fsdax_setup(env, &f, ZD_DAXFS_NO_HOLDER);
	file = create_file(&f, "plain", PG(4), 0x33);
	pa = map(a, file, 0, PG(4), 0);
	pb = map(b, file, 0, PG(4), 0);
	assert_int_equal(zd_write(a, pa + PG(1), &v, 1), 1);
	touch(b, pb + PG(1));
	touch(b, pb + PG(2));
	zd_test_report_clear(env);
	assert_int_equal(zd_pmem_destroy(f.pmem), 0);
	assert_non_null(strstr(zd_test_report(env), "without a dax holder"));
	zd_test_report_clear(env);
	assert_int_equal(zd_system_bugs(env->sys), 0);
	expect_no_signal(a);
	expect_no_signal(b);
	assert_int_equal(mapped_order(a, pa + PG(1)), -1);
	assert_int_equal(mapped_order(b, pb + PG(2)), -1);
	assert_int_equal(file->f_mapping->nrpages, 0);
	assert_int_equal(zd_read(a, pa + PG(1), &v, 1), -EFAULT);
	expect_signal(a, SIGBUS, BUS_ADRERR, pa + PG(1), 0);
	assert_int_equal(zd_pread(file, &v, 1, 0), -EIO);
	test_task_done(a);
	test_task_done(b);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(f.fs), 0);
}

/* A pmem device with nothing mounted, or mounted and idle: a clean removal. */
static void mf_remove_idle(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem_config cfg = { .size = PMEM_SIZE, .name = "bare" };
	struct zd_pmem *pmem = zd_pmem_create(env->sys, &cfg);
	struct zd_file *file;
	struct fsdax f;

	assert_false(IS_ERR_OR_NULL(pmem));
	zd_test_report_clear(env);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
	assert_int_equal(zd_pmem_destroy(NULL), -EINVAL);
	fsdax_setup(env, &f, ZD_DAXFS_NO_HOLDER);
	file = create_file(&f, "idle", PG(2), 0x44);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_pmem_destroy(f.pmem), 0);
	assert_int_equal(zd_daxfs_unmount(f.fs), 0);
	assert_string_equal(zd_test_report(env), "");
}

struct late_unpin {
	struct page *page;
	atomic_t done;
};

static void *unpin_later(void *arg)
{
	struct late_unpin *u = arg;

	usleep(50 * 1000);
	atomic_set(&u->done, 1);
	unpin_user_page(u->page);
	return NULL;
}

/*
 * A page pinned for DMA at removal: its mapping is revoked and the task
 * signalled, the pin is reported, and the page is not freed under it.
 * Zero scheme: memunmap_pages() does not wait for pins, the memmap goes
 * and the pin dangles (never touched again).  Elevated: the pinned page
 * holds its pgmap reference, so removal waits for the unpin.
 */
static void mf_remove_pinned(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *a = test_task_new(env);
	struct late_unpin u = { 0 };
	struct zd_thread thread;
	struct zd_file *file;
	unsigned long pa;
	struct fsdax f;

	fsdax_setup(env, &f, 0);
	file = create_file(&f, "dma", PG(4), 0x55);
	pa = map(a, file, 0, PG(4), 0);
	assert_int_equal(pin_user_pages_fast(zd_task_mm(a), pa + PG(2), 1, FOLL_WRITE, &u.page), 1);
	assert_int_equal(page_ref_count(u.page), 1 + GUP_PIN_COUNTING_BIAS);
	zd_test_report_clear(env);
	if (elevated(env)) {
		assert_int_equal(zd_thread_start(&thread, unpin_later, &u), 0);
		assert_int_equal(zd_pmem_destroy(f.pmem), 1);
		assert_int_equal(atomic_read(&u.done), 1);
		zd_thread_join(&thread);
	} else {
		assert_int_equal(zd_pmem_destroy(f.pmem), 1);
	}
	assert_non_null(strstr(zd_test_report(env), "still pinned at removal"));
	assert_null(strstr(zd_test_report(env), "zapped"));
	zd_test_report_clear(env);
	assert_int_equal(zd_system_bugs(env->sys), 0);
	expect_signal(a, SIGBUS, BUS_MCEERR_AO, pa + PG(2), PAGE_SHIFT);
	test_task_done(a);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(f.fs), 0);
}

/* ------------------------------------------------------------------ */
/* Races                                                               */
/* ------------------------------------------------------------------ */

#define RACE_PAGES	64
#define RACE_ROUNDS	2000

struct race_reader {
	struct zd_task *task;
	unsigned long addr;
	unsigned long seed;
	atomic_t *stop;
	atomic_long_t reads, faults;
	struct zd_thread thread;
};

/* A task reading random pages of the file: some reads hit poison. */
static void *race_read(void *arg)
{
	struct race_reader *r = arg;
	unsigned char c;

	while (!atomic_read(r->stop)) {
		unsigned long pg = zd_rand(&r->seed) % RACE_PAGES;

		if (zd_read(r->task, r->addr + PG(pg) + (pg % 64), &c, 1) == 1)
			atomic_long_inc(&r->reads);
		else
			atomic_long_inc(&r->faults);
	}
	return NULL;
}

/*
 * Memory failures (found by a scrubber, or consumed by a reader) on random
 * pages of a mapped file while two tasks read it and the poison is
 * cleared again by whole-page writes: no lost wakeup, no stale mapping,
 * every signal a SIGBUS at an address of the file, a clean audit.
 */
static void mf_race_readers(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long seed = zd_test_seed(), x = seed;
	struct race_reader r[2];
	atomic_t stop;
	unsigned char page[PAGE_SIZE];
	struct zd_file *file;
	struct zd_siginfo si;
	struct fsdax f;
	int i, n;

	fsdax_setup(env, &f, 0);
	file = create_file(&f, "race", PG(RACE_PAGES), 0x01);
	atomic_set(&stop, 0);
	assert_int_equal(zd_sysctl_memory_failure_early_kill(env->sys, 1), 0);
	for (i = 0; i < 2; i++) {
		r[i] = (struct race_reader){ .task = test_task_new(env),
					     .seed = seed + 17 * (unsigned long)(i + 1),
					     .stop = &stop };
		r[i].addr = map(r[i].task, file, 0, PG(RACE_PAGES), 0);
		assert_int_equal(zd_thread_start(&r[i].thread, race_read, &r[i]), 0);
	}
	/* Both readers under way before the failures start. */
	while (atomic_long_read(&r[0].reads) < 16 || atomic_long_read(&r[1].reads) < 16)
		usleep(100);
	memset(page, 0x5a, sizeof(page));
	for (n = 0; n < RACE_ROUNDS; n++) {
		unsigned long pg = zd_rand(&x) % RACE_PAGES;
		int rc = zd_memory_failure_task(env->sys, file_pfn(&f, file, PG(pg)), 0,
						(x & 8) ? r[x & 1].task : NULL);

		assert_int_equal(rc, 0);
		if (zd_rand(&x) & 1)
			assert_int_equal(zd_pwrite(file, page, PG(1), PG(pg)), PG(1));
	}
	atomic_set(&stop, 1);
	for (i = 0; i < 2; i++) {
		zd_thread_join(&r[i].thread);
		if (zd_task_signals(r[i].task, &si)) {
			assert_int_equal(si.signo, SIGBUS);
			assert_true(si.code == BUS_MCEERR_AR || si.code == BUS_MCEERR_AO);
			assert_true(si.addr >= r[i].addr && si.addr < r[i].addr + PG(RACE_PAGES));
		}
	}
	/* Whatever is still poisoned reads as -EIO, the rest as written. */
	for (i = 0; i < RACE_PAGES; i++) {
		ssize_t got = zd_pread(file, page, PG(1), PG(i));
		u64 dev_off;

		assert_int_equal(zd_daxfs_bmap(file, PG(i), &dev_off), 0);
		assert_int_equal(got == -EIO, zd_pmem_is_bad(f.pmem, dev_off, PG(1)));
		if (got != -EIO)
			assert_int_equal(got, PG(1));
	}
	assert_int_equal(dax_mapping_audit(file->f_mapping, stderr), 0);
	for (i = 0; i < 2; i++)
		test_task_done(r[i].task);
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ZD_TEST_BOTH(mf_bad_input),
		ZD_TEST_BOTH(mf_prctl_policy),
		ZD_TEST_BOTH(mf_outside_device),
		ZD_TEST_BOTH(mf_private_coherent),
		ZD_TEST_BOTH(mf_never_faulted),
		ZD_TEST_BOTH(mf_devdax_pte),
		ZD_TEST_BOTH(mf_devdax_pmd),
		ZD_TEST_BOTH(mf_devdax_pud),
		ZD_TEST_BOTH(mf_devdax_late_kill),
		ZD_TEST_BOTH(mf_fsdax_holder_pte),
		ZD_TEST_BOTH(mf_fsdax_pmd),
		ZD_TEST_BOTH(mf_fsdax_late_kill),
		ZD_TEST_BOTH(mf_fsdax_no_holder),
		ZD_TEST_BOTH(mf_fsdax_metadata),
		ZD_TEST_BOTH(mf_remove_holder),
		ZD_TEST_BOTH(mf_remove_no_holder),
		ZD_TEST_BOTH(mf_remove_idle),
		ZD_TEST_BOTH(mf_remove_pinned),
		ZD_TEST_BOTH(mf_race_readers),
	};

	return ZD_RUN("memory_failure", tests);
}
