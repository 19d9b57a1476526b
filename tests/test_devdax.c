// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device-dax and the huge leaves it maps with (spec fsdax_devdax.md §5):
 * create errnos, the mmap and fault-size rules (MAP_SHARED only, aligned
 * VMAs, SIGBUS below the alignment, fallbacks above it), PTE/PMD/PUD
 * mappings with exact refcounts and mapcounts under both schemes, munmap,
 * mprotect and mremap of huge units, fork, GUP slow/fast/long-term over
 * leaves, hmm_range_fault's map orders, data through the mappings,
 * removal with live mappings and with pins, and gup_fast racing munmap.
 */
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include <zonedev/hmm.h>
#include <zonedev/migrate.h>
#include "zd_test.h"
#include "../mm/internal_mm.h"

#define SZ_2M	(2UL << 20)
#define SZ_1G	(1UL << 30)

static struct zd_devdax *devdax_new(struct zd_test_env *env, unsigned long size,
				    unsigned long align)
{
	struct zd_devdax_config cfg = { .size = size, .align = align, .name = "dax0.0" };
	struct zd_devdax *dev = zd_devdax_create(env->sys, &cfg);

	assert_false(IS_ERR_OR_NULL(dev));
	return dev;
}

static void devdax_done(struct zd_devdax *dev)
{
	assert_int_equal(zd_devdax_destroy(dev), 0);
}

static unsigned long map_dev(struct zd_task *task, struct zd_devdax *dev, unsigned long len,
			     unsigned long off)
{
	long addr = zd_mmap(task, 0, len, PROT_READ | PROT_WRITE, MAP_SHARED, zd_devdax_file(dev),
			    off);

	assert_true(addr > 0);
	return (unsigned long)addr;
}

static void touch(struct zd_task *task, unsigned long addr, bool write)
{
	char c = 0x5a;

	if (write)
		assert_int_equal(zd_write(task, addr, &c, 1), 1);
	else
		assert_int_equal(zd_read(task, addr, &c, 1), 1);
}

/* The folio a device offset lives in. */
static struct folio *dev_folio(struct zd_devdax *dev, unsigned long off)
{
	return pfn_folio(zd_devdax_pfn(dev, off));
}

static bool zero_scheme(struct zd_test_env *env)
{
	return env->scheme == ZD_REFCOUNT_ZERO;
}

/* Refcount of a device head mapped @maps times and holding @pins pins. */
static int expect_ref(struct zd_test_env *env, int maps, int pins)
{
	return 1 + (zero_scheme(env) ? maps : 0) + pins;
}

/* The entry that maps @addr, as the walker would see it (0: none). */
static unsigned long leaf_entry(struct zd_task *task, unsigned long addr, unsigned int *order)
{
	struct mm_struct *mm = zd_task_mm(task);
	pte_t *ptep;

	*order = huge_leaf_order(mm, addr);
	if (*order == PUD_ORDER)
		return pud_val(pudp_get(pud_offset_lockless(mm, addr)));
	if (*order == PMD_ORDER)
		return pmd_val(pmdp_get(pmd_offset_lockless(mm, addr)));
	ptep = pte_offset_lockless(mm, addr);
	return ptep ? pte_val(ptep_get(ptep)) : 0;
}

static long rss_file(struct zd_task *task)
{
	return atomic_long_read(&zd_task_mm(task)->rss_stat[MM_FILEPAGES]);
}

static void expect_signal(struct zd_task *task, int signo, int code)
{
	struct zd_siginfo si;

	assert_true(zd_task_signals(task, &si) > 0);
	assert_int_equal(si.signo, signo);
	assert_int_equal(si.code, code);
	zd_task_clear_signals(task);
}

/* ------------------------------------------------------------------ */
/* Creation and mmap checks                                            */
/* ------------------------------------------------------------------ */

static void devdax_create_errnos(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax_config cfg = { .size = 4 * SZ_2M, .align = SZ_2M };
	static const unsigned long bad_align[] = { 0, 8192, 1UL << 20, 4 * SZ_2M, 2 * SZ_1G };
	unsigned int i;

	assert_ptr_equal(zd_devdax_create(NULL, &cfg), ERR_PTR(-EINVAL));
	assert_ptr_equal(zd_devdax_create(env->sys, NULL), ERR_PTR(-EINVAL));
	for (i = 0; i < ARRAY_SIZE(bad_align); i++) {
		cfg.align = bad_align[i];
		assert_ptr_equal(zd_devdax_create(env->sys, &cfg), ERR_PTR(-EINVAL));
	}
	cfg.align = SZ_2M;
	cfg.size = 0;
	assert_ptr_equal(zd_devdax_create(env->sys, &cfg), ERR_PTR(-EINVAL));
	cfg.size = 3 * (SZ_2M / 2);		/* not a multiple of the alignment */
	assert_ptr_equal(zd_devdax_create(env->sys, &cfg), ERR_PTR(-EINVAL));
	cfg.align = PAGE_SIZE;
	cfg.size = SZ_2M + PAGE_SIZE;		/* not a multiple of a subsection */
	assert_ptr_equal(zd_devdax_create(env->sys, &cfg), ERR_PTR(-EINVAL));
	cfg.size = SZ_2M;
	cfg.name = "a-device-dax-name-of-32-chars-xx";
	assert_ptr_equal(zd_devdax_create(env->sys, &cfg), ERR_PTR(-ENAMETOOLONG));
	cfg.name = NULL;
	cfg.path = "/";
	assert_true(IS_ERR(zd_devdax_create(env->sys, &cfg)));
	assert_ptr_equal(zd_devdax_file(NULL), ERR_PTR(-EINVAL));
	assert_int_equal(zd_devdax_destroy(NULL), -EINVAL);
	assert_int_equal(zd_devdax_pfn(NULL, 0), 0);
	/* Nothing registered by the failures. */
	assert_int_equal(zd_node_stat(env->sys, NR_PGMAP_LIVE), 0);
}

static void devdax_mmap_checks(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, 8 * SZ_2M, SZ_2M);
	struct zd_devdax *huge = devdax_new(env, SZ_1G, SZ_1G);
	struct zd_file *file = zd_devdax_file(dev);
	struct zd_task *task = test_task_new(env);
	int rw = PROT_READ | PROT_WRITE, count;
	unsigned long addr;

	count = zd_task_mm(task)->map_count;
	assert_int_equal(zd_mmap(task, 0, SZ_2M, rw, MAP_PRIVATE, file, 0), -EINVAL);
	assert_int_equal(zd_mmap(task, 0, SZ_2M + PAGE_SIZE, rw, MAP_SHARED, file, 0), -EINVAL);
	assert_int_equal(zd_mmap(task, 0, SZ_2M, rw, MAP_SHARED, file, PAGE_SIZE), -EINVAL);
	assert_int_equal(zd_mmap(task, (1UL << 40) + PAGE_SIZE, SZ_2M, rw, MAP_SHARED | MAP_FIXED,
				 file, 0), -EINVAL);
	assert_int_equal(zd_mmap(task, 0, SZ_1G, rw, MAP_SHARED, zd_devdax_file(huge), SZ_2M),
			 -EINVAL);
	assert_int_equal(zd_task_mm(task)->map_count, count);

	/* No hint: an address aligned to the device, for either alignment. */
	addr = map_dev(task, dev, 3 * SZ_2M, 0);
	assert_true(IS_ALIGNED(addr, SZ_2M));
	addr = map_dev(task, huge, SZ_1G, 0);
	assert_true(IS_ALIGNED(addr, SZ_1G));
	addr = map_dev(task, dev, 2 * SZ_2M, 4 * SZ_2M);
	assert_true(IS_ALIGNED(addr, SZ_2M));
	assert_int_equal(zd_task_mm(task)->map_count, count + 3);
	assert_int_equal(find_vma(zd_task_mm(task), addr)->vm_ops->pagesize(
				 find_vma(zd_task_mm(task), addr)), SZ_2M);
	test_task_done(task);
	devdax_done(dev);
	devdax_done(huge);
}

/* ------------------------------------------------------------------ */
/* Faults at each alignment                                            */
/* ------------------------------------------------------------------ */

static void devdax_fault_pte(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, SZ_2M, PAGE_SIZE);
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_dev(task, dev, SZ_2M, 0), entry;
	struct folio *folio = dev_folio(dev, 5 * PAGE_SIZE);
	struct page *page;
	unsigned int order;
	int v = 1234;

	assert_int_equal(folio_order(folio), 0);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(zd_write(task, addr + 5 * PAGE_SIZE + 8, &v, sizeof(v)), sizeof(v));
	entry = leaf_entry(task, addr + 5 * PAGE_SIZE, &order);
	assert_int_equal(order, 0);		/* PUD and PMD faults fell back */
	assert_int_equal((entry & PTE_PFN_MASK) >> PAGE_SHIFT, folio_pfn(folio));
	assert_int_equal(!!(entry & _PAGE_DEVMAP), !zero_scheme(env));
	assert_int_equal(folio_ref_count(folio), expect_ref(env, 1, 0));
	assert_int_equal(folio_mapcount(folio), zero_scheme(env) ? 1 : 0);
	assert_int_equal(rss_file(task), zero_scheme(env) ? 1 : 0);
	assert_int_equal(*(int *)((char *)folio_address(folio) + 8), 1234);
	assert_ptr_equal(folio->mapping, zd_devdax_file(dev)->f_mapping);
	assert_int_equal(folio->index, 5);
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	/* An order-0 device page is pinned with GUP_PIN_COUNTING_BIAS. */
	assert_int_equal(pin_user_pages_fast(zd_task_mm(task), addr + 5 * PAGE_SIZE, 1, FOLL_WRITE,
					     &page), 1);
	assert_ptr_equal(page, &folio->page);
	assert_int_equal(folio_ref_count(folio), expect_ref(env, 1, GUP_PIN_COUNTING_BIAS));
	assert_true(folio_maybe_dma_pinned(folio));
	unpin_user_page(page);
	assert_int_equal(folio_ref_count(folio), expect_ref(env, 1, 0));

	assert_int_equal(zd_munmap(task, addr, SZ_2M), 0);
	rcu_barrier();
	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(folio_mapcount(folio), 0);
	assert_int_equal(rss_file(task), 0);
	test_task_done(task);
	devdax_done(dev);
}

/* One access maps a whole leaf; @off is deliberately not aligned. */
static void fault_huge(struct zd_test_env *env, unsigned long align, unsigned int want_order)
{
	struct zd_devdax *dev = devdax_new(env, 2 * align, align);
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_dev(task, dev, 2 * align, 0), entry;
	unsigned long off = align + 3 * PAGE_SIZE + 100;
	struct folio *folio = dev_folio(dev, align);
	unsigned int order;
	long v = 0x1122334455667788L, r = 0;

	assert_int_equal(folio_order(folio), want_order);
	assert_int_equal(zd_write(task, addr + off, &v, sizeof(v)), sizeof(v));
	entry = leaf_entry(task, addr + off, &order);
	assert_int_equal(order, want_order);
	assert_true(entry & _PAGE_PSE);
	assert_true(entry & _PAGE_DIRTY);
	assert_int_equal((entry & PTE_PFN_MASK) >> PAGE_SHIFT, folio_pfn(folio));
	assert_int_equal(!!(entry & _PAGE_DEVMAP), !zero_scheme(env));
	assert_int_equal(folio_ref_count(folio), expect_ref(env, 1, 0));
	assert_int_equal(folio_entire_mapcount(folio), zero_scheme(env) ? 1 : 0);
	assert_int_equal(folio_mapcount(folio), zero_scheme(env) ? 1 : 0);
	assert_int_equal(rss_file(task), zero_scheme(env) ? 1L << want_order : 0);
	/* dax_set_mapping(): the head, at the aligned offset (spec §9.15). */
	assert_ptr_equal(folio->mapping, zd_devdax_file(dev)->f_mapping);
	assert_int_equal(folio->index, align >> PAGE_SHIFT);
	memcpy(&r, (char *)folio_address(folio) + (off - align), sizeof(r));
	assert_int_equal(r, v);
	r = 0;
	/* The other unit is untouched, and so is its backing. */
	assert_int_equal(folio_ref_count(dev_folio(dev, 0)), 1);
	assert_null(dev_folio(dev, 0)->mapping);
	assert_int_equal(zd_read(task, addr + off, &r, sizeof(r)), sizeof(r));
	assert_int_equal(r, v);
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);

	assert_int_equal(zd_munmap(task, addr, 2 * align), 0);
	rcu_barrier();
	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(folio_entire_mapcount(folio), 0);
	assert_int_equal(rss_file(task), 0);
	test_task_done(task);
	devdax_done(dev);
}

static void devdax_fault_pmd(void **state)
{
	fault_huge(*state, SZ_2M, PMD_ORDER);
}

static void devdax_fault_pud(void **state)
{
	fault_huge(*state, SZ_1G, PUD_ORDER);
}

/*
 * A fault smaller than the device's alignment is SIGBUS (MADV_NOHUGEPAGE
 * leaves only the PTE level), and so is one past the end of the device.
 */
static void devdax_sigbus(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, SZ_2M, SZ_2M);
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_dev(task, dev, 2 * SZ_2M, 0);
	char c;

	/* The mapping is larger than the device: its second unit has nothing. */
	assert_int_equal(zd_read(task, addr + SZ_2M + 5, &c, 1), -EFAULT);
	expect_signal(task, SIGBUS, BUS_ADRERR);
	assert_int_equal(zd_madvise(task, addr, SZ_2M, MADV_NOHUGEPAGE), 0);
	assert_int_equal(zd_read(task, addr, &c, 1), -EFAULT);
	expect_signal(task, SIGBUS, BUS_ADRERR);
	assert_int_equal(huge_leaf_order(zd_task_mm(task), addr), 0);
	assert_int_equal(folio_ref_count(dev_folio(dev, 0)), 1);
	/*
	 * The PTE-level attempt left a page table where the leaf would go
	 * (zonedev allocates it before ->fault; the kernel only after): the
	 * range stays small, and SIGBUS, until it is mapped afresh.
	 */
	assert_int_equal(zd_madvise(task, addr, SZ_2M, MADV_HUGEPAGE), 0);
	assert_int_equal(zd_munmap(task, addr, 2 * SZ_2M), 0);
	assert_int_equal(zd_mmap(task, addr, SZ_2M, PROT_READ, MAP_SHARED | MAP_FIXED,
				 zd_devdax_file(dev), 0), (long)addr);
	touch(task, addr, false);
	assert_int_equal(huge_leaf_order(zd_task_mm(task), addr), PMD_ORDER);
	assert_int_equal(folio_ref_count(dev_folio(dev, 0)), expect_ref(env, 1, 0));
	test_task_done(task);
	devdax_done(dev);
}

/* ------------------------------------------------------------------ */
/* munmap, mprotect, mremap, MADV_DONTNEED, fork                       */
/* ------------------------------------------------------------------ */

static void devdax_munmap_partial(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *huge = devdax_new(env, SZ_1G, SZ_1G);
	struct zd_devdax *dev = devdax_new(env, 4 * SZ_2M, SZ_2M);
	struct zd_task *task = test_task_new(env);
	unsigned long a1 = map_dev(task, huge, SZ_1G, 0), a2 = map_dev(task, dev, 4 * SZ_2M, 0);
	int i;

	touch(task, a1 + 12345, true);
	for (i = 0; i < 4; i++)
		touch(task, a2 + i * SZ_2M, true);
	/* Inside a 1 GiB unit, or inside a 2 MiB one: refused, nothing changed. */
	assert_int_equal(zd_munmap(task, a1 + SZ_2M, SZ_2M), -EINVAL);
	assert_int_equal(zd_munmap(task, a2 + PAGE_SIZE, SZ_2M), -EINVAL);
	assert_int_equal(zd_munmap(task, a2, SZ_2M + PAGE_SIZE), -EINVAL);
	assert_int_equal(huge_leaf_order(zd_task_mm(task), a1), PUD_ORDER);
	assert_int_equal(folio_ref_count(dev_folio(huge, 0)), expect_ref(env, 1, 0));
	/* A whole 2 MiB unit in the middle goes; its neighbours stay. */
	assert_int_equal(zd_munmap(task, a2 + SZ_2M, SZ_2M), 0);
	rcu_barrier();
	assert_int_equal(folio_ref_count(dev_folio(dev, SZ_2M)), 1);
	assert_int_equal(folio_ref_count(dev_folio(dev, 0)), expect_ref(env, 1, 0));
	assert_int_equal(folio_ref_count(dev_folio(dev, 2 * SZ_2M)), expect_ref(env, 1, 0));
	assert_int_equal(rss_file(task), zero_scheme(env) ? (long)(HPAGE_PUD_NR + 3 * HPAGE_PMD_NR) : 0);
	assert_int_equal(zd_read(task, a2 + SZ_2M, &i, 1), -EFAULT);
	expect_signal(task, SIGSEGV, SEGV_MAPERR);
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	test_task_done(task);
	devdax_done(dev);
	devdax_done(huge);
}

static void devdax_mprotect(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, 4 * SZ_2M, SZ_2M);
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_dev(task, dev, 4 * SZ_2M, 0), entry;
	unsigned int order;
	int i, v = 7;

	for (i = 0; i < 4; i++)
		touch(task, addr + i * SZ_2M, true);
	assert_int_equal(zd_mprotect(task, addr + PAGE_SIZE, SZ_2M, PROT_READ), -EINVAL);
	assert_int_equal(zd_mprotect(task, addr + SZ_2M, SZ_2M, PROT_READ), 0);
	/* The whole leaf changed protection; nothing was unmapped. */
	entry = leaf_entry(task, addr + SZ_2M, &order);
	assert_int_equal(order, PMD_ORDER);
	assert_false(entry & _PAGE_RW);
	assert_true(leaf_entry(task, addr, &order) & _PAGE_RW);
	assert_true(leaf_entry(task, addr + 2 * SZ_2M, &order) & _PAGE_RW);
	assert_int_equal(folio_ref_count(dev_folio(dev, SZ_2M)), expect_ref(env, 1, 0));
	assert_int_equal(zd_write(task, addr + SZ_2M + 64, &v, sizeof(v)), -EFAULT);
	expect_signal(task, SIGSEGV, SEGV_ACCERR);
	touch(task, addr + SZ_2M + 64, false);
	/* Writable again: a shared mapping's leaf takes the new protection. */
	assert_int_equal(zd_mprotect(task, addr + SZ_2M, SZ_2M, PROT_READ | PROT_WRITE), 0);
	assert_true(leaf_entry(task, addr + SZ_2M, &order) & _PAGE_RW);
	/*
	 * A write to a write-protected leaf of a writable VMA (what writeback
	 * leaves behind) goes back to the driver, which upgrades it in place.
	 */
	clear_bit(_PAGE_BIT_RW, &pmd_offset_lockless(zd_task_mm(task), addr + SZ_2M)->pmd);
	assert_int_equal(zd_write(task, addr + SZ_2M + 64, &v, sizeof(v)), sizeof(v));
	assert_true(leaf_entry(task, addr + SZ_2M, &order) & _PAGE_RW);
	assert_int_equal(huge_leaf_order(zd_task_mm(task), addr + SZ_2M), PMD_ORDER);
	assert_int_equal(folio_ref_count(dev_folio(dev, SZ_2M)), expect_ref(env, 1, 0));
	assert_int_equal(zd_task_mm(task)->map_count, 3);
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	test_task_done(task);
	devdax_done(dev);
}

static void devdax_mremap(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, 4 * SZ_2M, SZ_2M);
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_dev(task, dev, 4 * SZ_2M, 0), to = 1UL << 40;
	long v = 99, r = 0;

	assert_int_equal(zd_write(task, addr + SZ_2M + 8, &v, sizeof(v)), sizeof(v));
	/* Shrinking into a unit would split it. */
	assert_int_equal(zd_mremap(task, addr, 4 * SZ_2M, 3 * SZ_2M + PAGE_SIZE, 0, 0), -EINVAL);
	assert_int_equal(zd_mremap(task, addr, 4 * SZ_2M, 4 * SZ_2M,
				   MREMAP_MAYMOVE | MREMAP_FIXED, to), (long)to);
	/* The leaf moved as it was: same folio, same reference, same data. */
	assert_int_equal(huge_leaf_order(zd_task_mm(task), to + SZ_2M), PMD_ORDER);
	assert_int_equal(huge_leaf_order(zd_task_mm(task), addr + SZ_2M), 0);
	assert_int_equal(folio_ref_count(dev_folio(dev, SZ_2M)), expect_ref(env, 1, 0));
	assert_int_equal(zd_read(task, to + SZ_2M + 8, &r, sizeof(r)), sizeof(r));
	assert_int_equal(r, v);
	/* Moving without a fixed address keeps the alignment. */
	addr = (unsigned long)zd_mremap(task, to, 4 * SZ_2M, 6 * SZ_2M, MREMAP_MAYMOVE, 0);
	assert_true(IS_ALIGNED(addr, SZ_2M));
	assert_int_equal(zd_read(task, addr + SZ_2M + 8, &r, sizeof(r)), sizeof(r));
	assert_int_equal(r, v);
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	test_task_done(task);
	devdax_done(dev);
}

/* MADV_DONTNEED of part of a leaf drops the whole leaf; it refaults. */
static void devdax_dontneed(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, 2 * SZ_2M, SZ_2M);
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_dev(task, dev, 2 * SZ_2M, 0);
	long v = 5, r = 0;

	assert_int_equal(zd_write(task, addr + 8, &v, sizeof(v)), sizeof(v));
	assert_int_equal(zd_madvise(task, addr + PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED), 0);
	rcu_barrier();
	assert_int_equal(huge_leaf_order(zd_task_mm(task), addr), 0);
	assert_int_equal(folio_ref_count(dev_folio(dev, 0)), 1);
	assert_int_equal(zd_read(task, addr + 8, &r, sizeof(r)), sizeof(r));
	assert_int_equal(r, v);		/* device memory: the data stays */
	assert_int_equal(huge_leaf_order(zd_task_mm(task), addr), PMD_ORDER);
	test_task_done(task);
	devdax_done(dev);
}

/* Shared file mappings are not copied at fork: the child faults its own. */
static void devdax_fork(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, SZ_1G, SZ_1G);
	struct zd_task *parent = test_task_new(env), *child;
	unsigned long addr = map_dev(parent, dev, SZ_1G, 0);
	struct folio *folio = dev_folio(dev, 0);
	long v = 42, r = 0;

	assert_int_equal(zd_write(parent, addr + 4096, &v, sizeof(v)), sizeof(v));
	child = zd_task_fork(parent);
	assert_false(IS_ERR(child));
	assert_int_equal(huge_leaf_order(zd_task_mm(child), addr), 0);
	assert_int_equal(folio_ref_count(folio), expect_ref(env, 1, 0));
	assert_int_equal(zd_read(child, addr + 4096, &r, sizeof(r)), sizeof(r));
	assert_int_equal(r, v);
	assert_int_equal(huge_leaf_order(zd_task_mm(child), addr), PUD_ORDER);
	assert_int_equal(folio_ref_count(folio), expect_ref(env, 2, 0));
	assert_int_equal(folio_entire_mapcount(folio), zero_scheme(env) ? 2 : 0);
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	test_task_done(child);
	rcu_barrier();
	assert_int_equal(folio_ref_count(folio), expect_ref(env, 1, 0));
	test_task_done(parent);
	devdax_done(dev);
}

/* rmap_walk() finds every (VMA, address) mapping a device folio. */
struct rmap_count {
	int found;
	unsigned long addr[4];
};

static bool count_one(struct folio *folio, struct vm_area_struct *vma, unsigned long addr,
		      void *arg)
{
	struct rmap_count *c = arg;

	(void)folio;
	(void)vma;
	if (c->found < 4)
		c->addr[c->found] = addr;
	c->found++;
	return true;
}

static void devdax_rmap(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, 4 * SZ_2M, SZ_2M);
	struct zd_task *t1 = test_task_new(env), *t2 = test_task_new(env);
	unsigned long a1 = map_dev(t1, dev, 4 * SZ_2M, 0), a2 = map_dev(t2, dev, 2 * SZ_2M, 2 * SZ_2M);
	struct folio *folio = dev_folio(dev, 3 * SZ_2M);
	struct rmap_count c = { 0 };
	struct rmap_walk_control rwc = { .rmap_one = count_one, .arg = &c };

	touch(t1, a1 + 3 * SZ_2M + 100, false);
	touch(t2, a2 + SZ_2M + 100, true);
	rmap_walk(folio, &rwc);
	/* The elevated scheme maps without rmap: there is nothing to walk. */
	assert_int_equal(c.found, zero_scheme(env) ? 2 : 0);
	if (zero_scheme(env)) {
		assert_true((c.addr[0] == a1 + 3 * SZ_2M && c.addr[1] == a2 + SZ_2M) ||
			    (c.addr[1] == a1 + 3 * SZ_2M && c.addr[0] == a2 + SZ_2M));
	}
	test_task_done(t1);
	test_task_done(t2);
	devdax_done(dev);
}

/* ------------------------------------------------------------------ */
/* GUP                                                                 */
/* ------------------------------------------------------------------ */

/* get/pin_user_pages over PMD leaves, starting inside one. */
static void devdax_gup_slow(void **state)
{
	struct zd_test_env *env = *state;
	enum { N = 700 };
	struct zd_devdax *dev = devdax_new(env, 4 * SZ_2M, SZ_2M);
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_dev(task, dev, 4 * SZ_2M, 0), start = addr + 400 * PAGE_SIZE;
	struct folio *f0 = dev_folio(dev, 0), *f1 = dev_folio(dev, SZ_2M);
	struct folio *f2 = dev_folio(dev, 2 * SZ_2M);
	struct page **pages = calloc(N, sizeof(*pages));
	unsigned long lookups = zd_vm_event(env->sys, PGMAP_LOOKUP);
	int i;

	/* Faults the leaves in itself: 112 pages of the first, 512, then 76. */
	assert_int_equal(get_user_pages(zd_task_mm(task), start, N, FOLL_WRITE, pages), N);
	for (i = 0; i < N; i++)
		assert_int_equal(page_to_pfn(pages[i]), zd_devdax_pfn(dev, (400UL + i) * PAGE_SIZE));
	assert_int_equal(folio_ref_count(f0), expect_ref(env, 1, 0) + 112);
	assert_int_equal(folio_ref_count(f1), expect_ref(env, 1, 0) + 512);
	assert_int_equal(folio_ref_count(f2), expect_ref(env, 1, 0) + 76);
	assert_false(folio_maybe_dma_pinned(f1));
	/* Devmap leaves hold nothing: GUP made sure the pgmap was live, per leaf. */
	if (zero_scheme(env))
		assert_int_equal(zd_vm_event(env->sys, PGMAP_LOOKUP), lookups);
	else
		assert_int_equal(zd_vm_event(env->sys, PGMAP_LOOKUP), lookups + 3);
	for (i = 0; i < N; i++)
		put_page(pages[i]);
	assert_int_equal(folio_ref_count(f1), expect_ref(env, 1, 0));

	assert_int_equal(pin_user_pages(zd_task_mm(task), start, N, FOLL_WRITE, pages), N);
	assert_int_equal(atomic_read(&f0->_pincount), 112);
	assert_int_equal(atomic_read(&f1->_pincount), 512);
	assert_int_equal(atomic_read(&f2->_pincount), 76);
	assert_int_equal(folio_ref_count(f1), expect_ref(env, 1, 512));
	assert_true(folio_maybe_dma_pinned(f0));
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	unpin_user_pages(pages, N);
	assert_int_equal(atomic_read(&f1->_pincount), 0);
	assert_int_equal(folio_ref_count(f1), expect_ref(env, 1, 0));
	assert_int_equal(zd_node_stat(env->sys, NR_FOLL_PIN_ACQUIRED), N);
	assert_int_equal(zd_node_stat(env->sys, NR_FOLL_PIN_RELEASED), N);
	free(pages);
	test_task_done(task);
	devdax_done(dev);
}

/* pin_user_pages_fast over PMD and PUD leaves: folio by folio. */
static void gup_fast_leaves(struct zd_test_env *env, unsigned long align, unsigned int flags)
{
	unsigned long nr = 2 * (align >> PAGE_SHIFT), i;
	struct zd_devdax *dev = devdax_new(env, 2 * align, align);
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_dev(task, dev, 2 * align, 0);
	struct page **pages = calloc(nr, sizeof(*pages));
	struct folio *f1 = dev_folio(dev, align);

	touch(task, addr, true);
	touch(task, addr + align, true);
	/* All in the fast path (FOLL_FAST_ONLY would stop short otherwise)... */
	assert_int_equal(get_user_pages_fast_only(zd_task_mm(task), addr, (int)nr, 0, pages),
			 (int)nr);
	assert_int_equal(folio_ref_count(f1), expect_ref(env, 1, 0) + (int)(nr / 2));
	for (i = 0; i < nr; i++)
		put_page(pages[i]);
	/* ... and pins: one atomic per folio, every subpage recorded. */
	assert_int_equal(pin_user_pages_fast(zd_task_mm(task), addr, (int)nr, FOLL_WRITE | flags,
					     pages), (int)nr);
	for (i = 0; i < nr; i += 97)
		assert_int_equal(page_to_pfn(pages[i]), zd_devdax_pfn(dev, i * PAGE_SIZE));
	assert_int_equal(atomic_read(&f1->_pincount), (int)(nr / 2));
	assert_int_equal(folio_ref_count(f1), expect_ref(env, 1, (int)(nr / 2)));
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	unpin_user_pages(pages, nr);
	assert_int_equal(atomic_read(&f1->_pincount), 0);
	assert_int_equal(folio_ref_count(f1), expect_ref(env, 1, 0));
	assert_int_equal(zd_node_stat(env->sys, NR_FOLL_PIN_ACQUIRED),
			 zd_node_stat(env->sys, NR_FOLL_PIN_RELEASED));
	free(pages);
	test_task_done(task);
	devdax_done(dev);
}

static void devdax_gup_fast_pmd(void **state)
{
	gup_fast_leaves(*state, SZ_2M, 0);
}

static void devdax_gup_fast_pud(void **state)
{
	gup_fast_leaves(*state, SZ_1G, 0);
}

/* Device-dax may be pinned long-term (it is not fsdax): slow and fast. */
static void devdax_gup_longterm(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, 2 * SZ_2M, SZ_2M);
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_dev(task, dev, 2 * SZ_2M, 0);
	struct page *pages[8];

	assert_int_equal(pin_user_pages(zd_task_mm(task), addr + SZ_2M - 4 * PAGE_SIZE, 8,
					FOLL_WRITE | FOLL_LONGTERM, pages), 8);
	assert_int_equal(atomic_read(&dev_folio(dev, 0)->_pincount), 4);
	assert_int_equal(atomic_read(&dev_folio(dev, SZ_2M)->_pincount), 4);
	unpin_user_pages(pages, 8);
	assert_int_equal(pin_user_pages_fast(zd_task_mm(task), addr, 8, FOLL_LONGTERM, pages), 8);
	assert_int_equal(folio_ref_count(dev_folio(dev, 0)), expect_ref(env, 1, 8));
	unpin_user_pages(pages, 8);
	gup_fast_leaves(env, SZ_2M, FOLL_LONGTERM);
	test_task_done(task);
	devdax_done(dev);
}

/*
 * FOLL_LONGTERM on fsdax is refused in both paths (spec §4.1, §9.12): a
 * minimal DAX file over an FS_DAX pgmap, faulted as fs/dax.c does (zero
 * scheme: a page reference and a mapcount; elevated: a devmap PTE).
 */
struct fake_fsdax {
	struct test_dev *dev;
	struct inode inode;
	struct address_space mapping;
	struct zd_file file;
	bool zero;
};

static vm_fault_t fake_fsdax_fault(struct vm_fault *vmf)
{
	struct fake_fsdax *fs = vmf->vma->vm_file->private_data;
	unsigned long pfn = PHYS_PFN(fs->dev->pgmap.range.start) + vmf->pgoff;
	struct folio *folio = pfn_folio(pfn);
	vm_fault_t ret;

	if (vmf->pgoff >= 16)
		return VM_FAULT_SIGBUS;
	if (!fs->zero)
		return vmf_insert_mixed(vmf->vma, vmf->address,
					phys_to_pfn_t(PFN_PHYS(pfn), PFN_DEV | PFN_MAP));
	/* dax_insert_pfn(): a temporary reference from 0, under the entry lock. */
	folio_ref_inc(folio);
	ret = vmf_insert_page_mkwrite(vmf, &folio->page, vmf->flags & FAULT_FLAG_WRITE);
	folio_put(folio);
	return ret;
}

static const struct vm_operations_struct fake_fsdax_vm_ops = {
	.fault = fake_fsdax_fault,
};

static void fake_fsdax_release(struct zd_file *file)
{
	(void)file;
}

static const struct zd_file_operations fake_fsdax_fops = {
	.release = fake_fsdax_release,
};

static void devdax_longterm_fsdax_refused(void **state)
{
	struct zd_test_env *env = *state;
	struct fake_fsdax fs = { .zero = zero_scheme(env) };
	struct zd_task *task = test_task_new(env);
	struct page *pages[4];
	long addr;

	fs.dev = test_dev_create(env, MEMORY_DEVICE_FS_DAX, SZ_2M, 0);
	assert_int_equal(test_dev_map(fs.dev, env->nid), 0);
	inode_init_once(&fs.inode, 1, &fs.mapping);
	fs.inode.i_flags = S_DAX;
	fs.file = (struct zd_file){ .f_mapping = &fs.mapping, .f_inode = &fs.inode,
				    .f_op = &fake_fsdax_fops, .vm_ops = &fake_fsdax_vm_ops,
				    .private_data = &fs };
	atomic_set(&fs.file.f_count, 1);
	addr = zd_mmap(task, 0, 16 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, &fs.file, 0);
	assert_true(addr > 0);
	touch(task, (unsigned long)addr, true);

	/* Short-term pins are fine, fast and slow. */
	assert_int_equal(pin_user_pages_fast(zd_task_mm(task), (unsigned long)addr, 4, FOLL_WRITE,
					     pages), 4);
	unpin_user_pages(pages, 4);
	/* Long-term: refused before anything is pinned, whichever path. */
	assert_int_equal(pin_user_pages(zd_task_mm(task), (unsigned long)addr, 4,
					FOLL_WRITE | FOLL_LONGTERM, pages), -EOPNOTSUPP);
	assert_int_equal(pin_user_pages_fast(zd_task_mm(task), (unsigned long)addr, 4,
					     FOLL_WRITE | FOLL_LONGTERM, pages), -EOPNOTSUPP);
	assert_int_equal(zd_node_stat(env->sys, NR_FOLL_PIN_ACQUIRED),
			 zd_node_stat(env->sys, NR_FOLL_PIN_RELEASED));
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	test_task_done(task);
	rcu_barrier();
	assert_int_equal(folio_ref_count(pfn_folio(PHYS_PFN(fs.dev->pgmap.range.start))),
			 zero_scheme(env) ? 0 : 1);
	inode_destroy(&fs.inode);
	test_dev_destroy(fs.dev);
}

/* ------------------------------------------------------------------ */
/* hmm_range_fault and migration                                       */
/* ------------------------------------------------------------------ */

struct mirror {
	struct mmu_interval_notifier notifier;
};

static bool mirror_invalidate(struct mmu_interval_notifier *sub,
			      const struct mmu_notifier_range *range, unsigned long cur_seq)
{
	(void)range;
	mmu_interval_set_seq(sub, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops mirror_ops = {
	.invalidate = mirror_invalidate,
};

static int snapshot(struct zd_task *task, struct mirror *m, unsigned long start,
		    unsigned long npages, unsigned long *pfns, unsigned long req)
{
	struct hmm_range range = {
		.notifier = &m->notifier,
		.start = start,
		.end = start + npages * PAGE_SIZE,
		.hmm_pfns = pfns,
		.default_flags = req,
	};
	int ret;

	do {
		range.notifier_seq = mmu_interval_read_begin(&m->notifier);
		down_read(&zd_task_mm(task)->mmap_lock);
		ret = hmm_range_fault(&range);
		up_read(&zd_task_mm(task)->mmap_lock);
	} while (ret == -EBUSY);
	return ret;
}

static void devdax_hmm_orders(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *pmd = devdax_new(env, 2 * SZ_2M, SZ_2M), *pud = devdax_new(env, SZ_1G, SZ_1G);
	struct zd_devdax *pte = devdax_new(env, SZ_2M, PAGE_SIZE);
	struct zd_task *task = test_task_new(env);
	unsigned long a1 = map_dev(task, pmd, 2 * SZ_2M, 0), a2 = map_dev(task, pud, SZ_1G, 0);
	unsigned long a3 = map_dev(task, pte, SZ_2M, 0);
	unsigned long pfns[16], i;
	struct mirror m;

	assert_int_equal(mmu_interval_notifier_insert(&m.notifier, zd_task_mm(task), 0,
						      TASK_SIZE, &mirror_ops), 0);
	/* Snapshot of nothing mapped: not present, no error. */
	memset(pfns, 0, sizeof(pfns));
	assert_int_equal(snapshot(task, &m, a1 + SZ_2M - 8 * PAGE_SIZE, 16, pfns, 0), 0);
	for (i = 0; i < 16; i++)
		assert_int_equal(pfns[i], 0);
	/* Faulting: across two PMD leaves, order 9 each. */
	assert_int_equal(snapshot(task, &m, a1 + SZ_2M - 8 * PAGE_SIZE, 16, pfns,
				  HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE), 0);
	for (i = 0; i < 16; i++) {
		assert_true(pfns[i] & HMM_PFN_VALID);
		assert_true(pfns[i] & HMM_PFN_WRITE);
		assert_int_equal(hmm_pfn_to_map_order(pfns[i]), PMD_ORDER);
		assert_int_equal(hmm_pfn_to_pfn(pfns[i]),
				 zd_devdax_pfn(pmd, SZ_2M - 8 * PAGE_SIZE + i * PAGE_SIZE));
	}
	/* A PUD leaf, read-only fault: order 18. */
	assert_int_equal(snapshot(task, &m, a2 + 12345 * PAGE_SIZE, 4, pfns, HMM_PFN_REQ_FAULT), 0);
	for (i = 0; i < 4; i++) {
		assert_true(pfns[i] & HMM_PFN_VALID);
		assert_int_equal(hmm_pfn_to_map_order(pfns[i]), PUD_ORDER);
		assert_int_equal(hmm_pfn_to_pfn(pfns[i]), zd_devdax_pfn(pud, (12345 + i) * PAGE_SIZE));
	}
	/* 4 KiB device: PTEs, order 0. */
	assert_int_equal(snapshot(task, &m, a3, 4, pfns, HMM_PFN_REQ_FAULT), 0);
	for (i = 0; i < 4; i++) {
		assert_true(pfns[i] & HMM_PFN_VALID);
		assert_int_equal(hmm_pfn_to_map_order(pfns[i]), 0);
		assert_int_equal(hmm_pfn_to_pfn(pfns[i]), zd_devdax_pfn(pte, i * PAGE_SIZE));
	}
	mmu_interval_notifier_remove(&m.notifier);
	test_task_done(task);
	devdax_done(pmd);
	devdax_done(pud);
	devdax_done(pte);
}

/* Device-dax leaves are never collected for migration. */
static void devdax_not_migratable(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, SZ_2M, SZ_2M);
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_dev(task, dev, SZ_2M, 0), src[8], dst[8];
	struct migrate_vma args = {
		.src = src, .dst = dst, .start = addr, .end = addr + 8 * PAGE_SIZE,
		.flags = MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_SELECT_DEVICE_COHERENT,
	};
	int i;

	touch(task, addr, true);
	down_read(&zd_task_mm(task)->mmap_lock);
	args.vma = find_vma(zd_task_mm(task), addr);
	assert_int_equal(migrate_vma_setup(&args), 0);
	assert_int_equal(args.cpages, 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(src[i] & MIGRATE_PFN_MIGRATE, 0);
	migrate_vma_finalize(&args);
	up_read(&zd_task_mm(task)->mmap_lock);
	assert_int_equal(huge_leaf_order(zd_task_mm(task), addr), PMD_ORDER);
	assert_int_equal(folio_ref_count(dev_folio(dev, 0)), expect_ref(env, 1, 0));
	test_task_done(task);
	devdax_done(dev);
}

/* ------------------------------------------------------------------ */
/* Data, persistence                                                   */
/* ------------------------------------------------------------------ */

/* Two tasks share the device; writes across leaf boundaries. */
static void devdax_shared_data(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, 4 * SZ_2M, SZ_2M);
	struct zd_task *t1 = test_task_new(env), *t2 = test_task_new(env);
	unsigned long a1 = map_dev(t1, dev, 4 * SZ_2M, 0), a2 = map_dev(t2, dev, 4 * SZ_2M, 0);
	size_t len = 3 * SZ_2M / 2, i;
	unsigned char *buf = malloc(len), *back = malloc(len);

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	assert_int_equal(zd_write(t1, a1 + SZ_2M / 2 + 17, buf, len), (long)len);
	assert_int_equal(zd_read(t2, a2 + SZ_2M / 2 + 17, back, len), (long)len);
	assert_memory_equal(buf, back, len);
	assert_memory_equal((char *)folio_address(dev_folio(dev, 0)) + SZ_2M / 2 + 17, buf, 100);
	assert_int_equal(folio_ref_count(dev_folio(dev, SZ_2M)), expect_ref(env, 2, 0));
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	free(buf);
	free(back);
	test_task_done(t1);
	test_task_done(t2);
	devdax_done(dev);
}

/* A file-backed device keeps its contents across destroy and create. */
static void devdax_file_backed(void **state)
{
	struct zd_test_env *env = *state;
	char path[] = "/tmp/zd-devdax-XXXXXX";
	int fd = mkstemp(path);
	struct zd_devdax_config cfg = { .size = 2 * SZ_2M, .align = SZ_2M, .path = path };
	struct zd_devdax *dev;
	struct zd_task *task;
	long v = 0x600dcafe, r = 0;
	unsigned long addr;

	assert_true(fd >= 0);
	close(fd);
	dev = zd_devdax_create(env->sys, &cfg);
	assert_false(IS_ERR(dev));
	task = test_task_new(env);
	addr = map_dev(task, dev, 2 * SZ_2M, 0);
	assert_int_equal(zd_write(task, addr + SZ_2M + 40, &v, sizeof(v)), sizeof(v));
	test_task_done(task);
	devdax_done(dev);

	dev = zd_devdax_create(env->sys, &cfg);
	assert_false(IS_ERR(dev));
	task = test_task_new(env);
	addr = map_dev(task, dev, 2 * SZ_2M, 0);
	assert_int_equal(zd_read(task, addr + SZ_2M + 40, &r, sizeof(r)), sizeof(r));
	assert_int_equal(r, v);
	test_task_done(task);
	devdax_done(dev);
	unlink(path);
}

/* ------------------------------------------------------------------ */
/* Removal                                                             */
/* ------------------------------------------------------------------ */

/* Mappers lose their mappings; later access is SIGBUS, mmap -EINVAL. */
static void devdax_destroy_mapped(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, 2 * SZ_2M, SZ_2M);
	struct zd_task *t1 = test_task_new(env), *t2 = test_task_new(env);
	unsigned long a1 = map_dev(t1, dev, 2 * SZ_2M, 0), a2 = map_dev(t2, dev, 2 * SZ_2M, 0);
	struct page *pages[4];
	char c;

	touch(t1, a1, true);
	touch(t2, a2 + SZ_2M, true);
	assert_int_equal(zd_devdax_destroy(dev), 0);
	assert_ptr_equal(zd_devdax_file(dev), ERR_PTR(-EINVAL));
	assert_int_equal(zd_devdax_destroy(dev), -EINVAL);
	assert_int_equal(huge_leaf_order(zd_task_mm(t1), a1), 0);
	assert_int_equal(zd_read(t1, a1, &c, 1), -EFAULT);
	expect_signal(t1, SIGBUS, BUS_ADRERR);
	assert_int_equal(zd_read(t2, a2 + SZ_2M, &c, 1), -EFAULT);
	expect_signal(t2, SIGBUS, BUS_ADRERR);
	assert_int_equal(get_user_pages_fast(zd_task_mm(t2), a2, 4, 0, pages), -EFAULT);
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	/* The VMAs still hold the file; unmapping them releases the device. */
	assert_int_equal(zd_munmap(t1, a1, 2 * SZ_2M), 0);
	test_task_done(t1);
	test_task_done(t2);
}

struct late_unpin {
	struct page **pages;
	unsigned long nr;
	int done;
};

static void *unpin_later(void *arg)
{
	struct late_unpin *u = arg;

	usleep(50 * 1000);
	WRITE_ONCE(u->done, 1);
	unpin_user_pages(u->pages, u->nr);
	return NULL;
}

/*
 * Pins outlive the mappings: they are reported.  Zero scheme: the device
 * goes anyway and the pins dangle (never used again).  Elevated: removal
 * waits until they are released.
 */
static void devdax_destroy_pinned(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, 2 * SZ_2M, SZ_2M);
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_dev(task, dev, 2 * SZ_2M, 0);
	struct late_unpin u = { .nr = 16 };
	struct page *pages[16];
	struct zd_thread thread;

	u.pages = pages;
	assert_int_equal(pin_user_pages_fast(zd_task_mm(task), addr + SZ_2M - 8 * PAGE_SIZE, 16,
					     FOLL_WRITE | FOLL_LONGTERM, pages), 16);
	zd_test_report_clear(env);
	if (zero_scheme(env)) {
		assert_int_equal(zd_devdax_destroy(dev), 2);
	} else {
		assert_int_equal(zd_thread_start(&thread, unpin_later, &u), 0);
		assert_int_equal(zd_devdax_destroy(dev), 2);
		assert_int_equal(READ_ONCE(u.done), 1);
		zd_thread_join(&thread);
	}
	assert_non_null(strstr(zd_test_report(env), "still pinned at removal"));
	zd_test_report_clear(env);
	assert_int_equal(zd_system_bugs(env->sys), 0);
	test_task_done(task);
}

/* ------------------------------------------------------------------ */
/* The checker                                                         */
/* ------------------------------------------------------------------ */

static void devdax_audit_catches(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_devdax *dev = devdax_new(env, 2 * SZ_2M, SZ_2M);
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_dev(task, dev, 2 * SZ_2M, 0);
	struct folio *folio = dev_folio(dev, SZ_2M);
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	touch(task, addr + SZ_2M + 8 * PAGE_SIZE, false);
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	/* The pgoff rounding bug: index of the faulting page, not the unit. */
	folio->index += 8;
	out = open_memstream(&buf, &len);
	assert_true(zd_system_audit(env->sys, out) > 0);
	fclose(out);
	assert_non_null(strstr(buf, "index"));
	free(buf);
	folio->index -= 8;
	if (zero_scheme(env)) {
		/* A mapping nobody counted. */
		atomic_dec(&folio->_entire_mapcount);
		atomic_dec(&folio->_large_mapcount);
		buf = NULL;
		out = open_memstream(&buf, &len);
		assert_true(zd_system_audit(env->sys, out) > 0);
		fclose(out);
		assert_non_null(strstr(buf, "entire mapcount"));
		free(buf);
		atomic_inc(&folio->_entire_mapcount);
		atomic_inc(&folio->_large_mapcount);
	}
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	test_task_done(task);
	devdax_done(dev);
}

/* ------------------------------------------------------------------ */
/* gup_fast racing munmap                                              */
/* ------------------------------------------------------------------ */

struct pin_worker {
	struct zd_thread thread;
	struct zd_task *task;
	struct zd_devdax *dev;
	unsigned long addr, seed, pinned;
	volatile int *stop;
};

static void *pin_loop(void *arg)
{
	struct pin_worker *w = arg;
	unsigned long x = w->seed;
	struct page *pages[600];

	while (!READ_ONCE(*w->stop)) {
		unsigned long first = zd_rand(&x) % (3 * HPAGE_PMD_NR);
		int i, n = pin_user_pages_fast(zd_task_mm(w->task), w->addr + first * PAGE_SIZE,
					       1 + (int)(zd_rand(&x) % 600),
					       (zd_rand(&x) & 1) ? FOLL_WRITE : 0, pages);

		for (i = 0; i < n; i++)
			assert_int_equal(page_to_pfn(pages[i]),
					 zd_devdax_pfn(w->dev, (first + (unsigned long)i) * PAGE_SIZE));
		if (n > 0) {
			w->pinned += (unsigned long)n;
			unpin_user_pages(pages, (unsigned long)n);
		}
	}
	return NULL;
}

static void devdax_gup_fast_races_munmap(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long seed = zd_test_seed(), x = seed;
	struct zd_devdax *dev = devdax_new(env, 4 * SZ_2M, SZ_2M);
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_dev(task, dev, 4 * SZ_2M, 0);
	struct pin_worker w[2];
	volatile int stop = 0;
	int i, round;

	for (i = 0; i < 2; i++) {
		w[i] = (struct pin_worker){ .task = task, .dev = dev, .addr = addr,
					    .seed = seed + (unsigned long)i, .stop = &stop };
		assert_int_equal(zd_thread_start(&w[i].thread, pin_loop, &w[i]), 0);
	}
	for (round = 0; round < 3000; round++) {
		unsigned long unit = zd_rand(&x) % 4, at = addr + unit * SZ_2M;

		switch (zd_rand(&x) % 3) {
		case 0:
			touch(task, at + (zd_rand(&x) % SZ_2M), zd_rand(&x) & 1);
			break;
		case 1:
			assert_int_equal(zd_madvise(task, at, SZ_2M, MADV_DONTNEED), 0);
			break;
		case 2:
			assert_int_equal(zd_munmap(task, at, SZ_2M), 0);
			assert_int_equal(zd_mmap(task, at, SZ_2M, PROT_READ | PROT_WRITE,
						 MAP_SHARED | MAP_FIXED, zd_devdax_file(dev),
						 unit * SZ_2M), (long)at);
			break;
		}
	}
	WRITE_ONCE(stop, 1);
	for (i = 0; i < 2; i++)
		zd_thread_join(&w[i].thread);
	printf("# pinned %lu and %lu pages\n", w[0].pinned, w[1].pinned);
	assert_true(w[0].pinned + w[1].pinned > 0);
	assert_int_equal(zd_node_stat(env->sys, NR_FOLL_PIN_ACQUIRED),
			 zd_node_stat(env->sys, NR_FOLL_PIN_RELEASED));
	assert_int_equal(zd_system_bugs(env->sys), 0);
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	test_task_done(task);
	rcu_barrier();
	for (i = 0; i < 4; i++) {
		assert_int_equal(folio_ref_count(dev_folio(dev, (unsigned long)i * SZ_2M)), 1);
		assert_int_equal(atomic_read(&dev_folio(dev, (unsigned long)i * SZ_2M)->_pincount), 0);
	}
	devdax_done(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ZD_TEST_BOTH(devdax_create_errnos),
		ZD_TEST_BOTH(devdax_mmap_checks),
		ZD_TEST_BOTH(devdax_fault_pte),
		ZD_TEST_BOTH(devdax_fault_pmd),
		ZD_TEST_BOTH(devdax_fault_pud),
		ZD_TEST_BOTH(devdax_sigbus),
		ZD_TEST_BOTH(devdax_munmap_partial),
		ZD_TEST_BOTH(devdax_mprotect),
		ZD_TEST_BOTH(devdax_mremap),
		ZD_TEST_BOTH(devdax_dontneed),
		ZD_TEST_BOTH(devdax_fork),
		ZD_TEST_BOTH(devdax_rmap),
		ZD_TEST_BOTH(devdax_gup_slow),
		ZD_TEST_BOTH(devdax_gup_fast_pmd),
		ZD_TEST_BOTH(devdax_gup_fast_pud),
		ZD_TEST_BOTH(devdax_gup_longterm),
		ZD_TEST_BOTH(devdax_longterm_fsdax_refused),
		ZD_TEST_BOTH(devdax_hmm_orders),
		ZD_TEST_BOTH(devdax_not_migratable),
		ZD_TEST_BOTH(devdax_shared_data),
		ZD_TEST_BOTH(devdax_file_backed),
		ZD_TEST_BOTH(devdax_destroy_mapped),
		ZD_TEST_BOTH(devdax_destroy_pinned),
		ZD_TEST_BOTH(devdax_audit_catches),
		ZD_TEST_BOTH(devdax_gup_fast_races_munmap),
	};

	return ZD_RUN("devdax", tests);
}
