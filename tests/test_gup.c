// SPDX-License-Identifier: GPL-2.0-only
/*
 * get_user_pages / pin_user_pages, slow and fast: return counts, references
 * and pins exactly, errors and flag rules, unsharing for read pins, the
 * fork rule for pinned pages (CVE-2020-29374 class), and the lockless path
 * racing unmaps.
 */
#include <limits.h>
#include <stdlib.h>
#include "zd_test.h"
#include "../mm/internal_mm.h"

#define NPAGES	16

static unsigned long map_anon(struct zd_task *task, unsigned long len, int prot)
{
	long addr = zd_mmap(task, 0, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);

	assert_true(addr > 0);
	return (unsigned long)addr;
}

static void fill(struct zd_task *task, unsigned long addr, unsigned long npages, int seed)
{
	unsigned long i;

	for (i = 0; i < npages; i++) {
		int v = seed + (int)i;

		assert_int_equal(zd_write(task, addr + i * PAGE_SIZE, &v, sizeof(v)), sizeof(v));
	}
}

static int read_int(struct zd_task *task, unsigned long addr)
{
	int v = -1;

	assert_int_equal(zd_read(task, addr, &v, sizeof(v)), sizeof(v));
	return v;
}

/* The page mapped at @addr, or NULL. */
static struct page *page_at(struct zd_task *task, unsigned long addr)
{
	pte_t *ptep = pte_offset_lockless(zd_task_mm(task), addr);
	pte_t pte;

	if (!ptep)
		return NULL;
	pte = ptep_get(ptep);
	if (!(pte_val(pte) & _PAGE_PRESENT))
		return NULL;
	return pfn_to_page(pte_pfn(pte));
}

static void gup_get_and_put(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, NPAGES * PAGE_SIZE, PROT_READ | PROT_WRITE);
	struct page *pages[NPAGES];
	int i;

	fill(task, addr, NPAGES, 100);
	assert_int_equal(get_user_pages(zd_task_mm(task), addr, NPAGES, 0, pages), NPAGES);
	for (i = 0; i < NPAGES; i++) {
		assert_ptr_equal(pages[i], page_at(task, addr + i * PAGE_SIZE));
		assert_int_equal(page_ref_count(pages[i]), 2);
		assert_int_equal(*(int *)page_address(pages[i]), 100 + i);
		put_page(pages[i]);
		assert_int_equal(page_ref_count(pages[i]), 1);
	}
	/* An unaligned start is rounded down, as the kernel does. */
	assert_int_equal(get_user_pages(zd_task_mm(task), addr + 100, 1, 0, pages), 1);
	assert_ptr_equal(pages[0], page_at(task, addr));
	put_page(pages[0]);
	assert_int_equal(get_user_pages(zd_task_mm(task), addr, 0, 0, pages), 0);
	zd_task_exit(task);
}

static void gup_pin_counts(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, NPAGES * PAGE_SIZE, PROT_READ | PROT_WRITE);
	struct page *pages[NPAGES];
	int i;

	fill(task, addr, NPAGES, 7);
	assert_int_equal(pin_user_pages(zd_task_mm(task), addr, NPAGES, FOLL_WRITE, pages), NPAGES);
	assert_true(test_bit(MMF_HAS_PINNED, &zd_task_mm(task)->flags));
	for (i = 0; i < NPAGES; i++) {
		assert_int_equal(page_ref_count(pages[i]), 1 + GUP_PIN_COUNTING_BIAS);
		assert_true(folio_maybe_dma_pinned(page_folio(pages[i])));
	}
	assert_int_equal(zd_node_stat(env->sys, NR_FOLL_PIN_ACQUIRED), NPAGES);
	/* A pin is not a mapping: the audit still balances. */
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	unpin_user_pages(pages, NPAGES);
	for (i = 0; i < NPAGES; i++) {
		assert_int_equal(page_ref_count(pages[i]), 1);
		assert_false(folio_maybe_dma_pinned(page_folio(pages[i])));
	}
	assert_int_equal(zd_node_stat(env->sys, NR_FOLL_PIN_RELEASED), NPAGES);
	zd_task_exit(task);
}

/* Pins on a large folio count in _pincount, one reference each. */
static void pin_large_folio(void **state)
{
	struct zd_test_env *env = *state;
	struct folio *folio = __folio_alloc_node(GFP_KERNEL, 2, env->nid);

	assert_non_null(folio);
	folio_ref_add(folio, 1);
	/* What a pin of two of its pages does, through the public unpin path. */
	atomic_add(2, &folio->_pincount);
	folio_ref_add(folio, 2);
	assert_true(folio_maybe_dma_pinned(folio));
	unpin_user_page(folio_page(folio, 1));
	unpin_user_page(folio_page(folio, 3));
	assert_int_equal(atomic_read(&folio->_pincount), 0);
	assert_int_equal(folio_ref_count(folio), 2);
	unpin_user_page(folio_page(folio, 0));		/* not pinned any more */
	zd_test_expect_bugs(env, 1, "not pinned");
	assert_int_equal(folio_ref_count(folio), 2);
	folio_put(folio);
	folio_put(folio);
}

/* Untouched memory: a read gup sees the zero page, a write one faults in. */
static void gup_untouched(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	struct page *pages[4];
	struct page *zero = NODE_DATA(env->nid)->zero_page;
	int zero_ref = page_ref_count(zero), i;

	assert_int_equal(pin_user_pages(zd_task_mm(task), addr, 2, 0, pages), 2);
	assert_ptr_equal(pages[0], zero);
	assert_ptr_equal(pages[1], zero);
	assert_int_equal(page_ref_count(zero), zero_ref);	/* never pinned */
	unpin_user_pages(pages, 2);
	assert_int_equal(get_user_pages_fast(zd_task_mm(task), addr, 4, FOLL_WRITE, pages), 4);
	for (i = 0; i < 4; i++) {
		assert_ptr_not_equal(pages[i], zero);
		assert_ptr_equal(pages[i], page_at(task, addr + i * PAGE_SIZE));
		assert_int_equal(page_ref_count(pages[i]), 2);
		put_page(pages[i]);
	}
	assert_int_equal(page_ref_count(zero), zero_ref);
	zd_task_exit(task);
}

static void gup_errors(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	unsigned long rw = map_anon(task, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	unsigned long ro = map_anon(task, PAGE_SIZE, PROT_READ);
	unsigned long none = map_anon(task, PAGE_SIZE, PROT_NONE);
	long pins = (long)zd_node_stat(env->sys, NR_FOLL_PIN_ACQUIRED);
	struct page *pages[8];

	fill(task, rw, 4, 1);
	assert_int_equal(get_user_pages(mm, rw, 1, FOLL_PIN, pages), -EINVAL);
	assert_int_equal(pin_user_pages(mm, rw, 1, FOLL_GET, pages), -EINVAL);
	assert_int_equal(get_user_pages(mm, rw, 1, FOLL_LONGTERM, pages), -EINVAL);
	assert_int_equal(pin_user_pages(mm, rw, 1, FOLL_LONGTERM | FOLL_PCI_P2PDMA, pages), -EINVAL);
	assert_int_equal(pin_user_pages(mm, rw, 1, 0x40000000, pages), -EINVAL);
	assert_int_equal(get_user_pages(mm, rw, 1, 0, NULL), -EINVAL);
	assert_int_equal(pin_user_pages(NULL, rw, 1, 0, pages), -EINVAL);
	assert_int_equal(pin_user_pages_fast(mm, rw, -1, 0, pages), -EINVAL);
	assert_int_equal(get_user_pages(mm, rw, ULONG_MAX >> 4, 0, pages), -EOVERFLOW);
	assert_int_equal(get_user_pages(mm, TASK_SIZE - PAGE_SIZE, 2, 0, pages), -EFAULT);
	assert_int_equal(pin_user_pages(mm, 0x1000, 1, 0, pages), -EFAULT);		/* unmapped */
	assert_int_equal(pin_user_pages(mm, none, 1, 0, pages), -EFAULT);		/* PROT_NONE */
	assert_int_equal(pin_user_pages_fast(mm, none, 1, 0, pages), -EFAULT);
	assert_int_equal(pin_user_pages(mm, ro, 1, FOLL_WRITE, pages), -EFAULT);	/* read-only */
	assert_int_equal(get_user_pages_fast(mm, ro, 1, FOLL_WRITE, pages), -EFAULT);
	/* Nothing was taken by any of them. */
	assert_int_equal(zd_node_stat(env->sys, NR_FOLL_PIN_ACQUIRED), pins);
	assert_int_equal(page_ref_count(page_at(task, rw)), 1);

	/* A range that runs into a hole gives what it got before the hole. */
	assert_int_equal(zd_munmap(task, rw + 2 * PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(pin_user_pages(mm, rw, 4, 0, pages), 2);
	unpin_user_pages(pages, 2);
	assert_int_equal(pin_user_pages_fast(mm, rw, 4, 0, pages), 2);
	unpin_user_pages(pages, 2);
	/* FOLL_FORCE writes a private read-only mapping through COW (ptrace). */
	assert_int_equal(get_user_pages(mm, ro, 1, FOLL_WRITE | FOLL_FORCE, pages), 1);
	put_page(pages[0]);
	assert_int_equal(read_int(task, ro), 0);
	zd_task_exit(task);
}

/* gup_fast alone finds present pages and nothing else. */
static void gup_fast_only(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	struct page *pages[8];

	fill(task, addr, 4, 3);
	assert_int_equal(get_user_pages_fast_only(zd_task_mm(task), addr, 8, 0, pages), 4);
	put_page(pages[0]);
	put_page(pages[1]);
	put_page(pages[2]);
	put_page(pages[3]);
	assert_int_equal(get_user_pages_fast_only(zd_task_mm(task), addr + 4 * PAGE_SIZE, 4, 0,
						  pages), 0);
	assert_int_equal(pin_user_pages_fast(zd_task_mm(task), addr, 8, 0, pages), 8);
	unpin_user_pages(pages, 8);
	zd_task_exit(task);
}

/*
 * A read pin of a page that fork made COW-shared unshares it first: the
 * pinned page is the parent's own, and the child's writes never reach it.
 */
static void pin_unshares_cow_page(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *parent = test_task_new(env), *child;
	unsigned long addr = map_anon(parent, PAGE_SIZE, PROT_READ | PROT_WRITE);
	struct page *shared, *pinned;
	int v = 42;

	fill(parent, addr, 1, 1);
	child = zd_task_fork(parent);
	assert_false(IS_ERR(child));
	shared = page_at(parent, addr);
	assert_ptr_equal(shared, page_at(child, addr));
	assert_int_equal(page_mapcount(shared), 2);

	assert_int_equal(pin_user_pages_fast(zd_task_mm(parent), addr, 1, 0, &pinned), 1);
	assert_ptr_not_equal(pinned, shared);
	assert_ptr_equal(pinned, page_at(parent, addr));
	assert_true(PageAnonExclusive(pinned));
	assert_int_equal(page_mapcount(shared), 1);
	assert_int_equal(zd_write(child, addr, &v, sizeof(v)), sizeof(v));
	assert_int_equal(*(int *)page_address(pinned), 1);
	assert_int_equal(read_int(parent, addr), 1);
	unpin_user_page(pinned);
	zd_task_exit(child);
	zd_task_exit(parent);
}

/*
 * Fork with pinned pages, at random: the pinned pages stay the parent's,
 * hold the parent's data, and the child's writes never show through them.
 */
static void fork_pinned_random(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long seed = zd_test_seed(), x = seed, before = zd_nr_free_pages(env->sys);
	int round;

	for (round = 0; round < 1000; round++) {
		struct zd_task *parent = test_task_new(env), *child;
		unsigned long addr = map_anon(parent, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE);
		unsigned int n = 1 + (unsigned int)(zd_rand(&x) % 8), i;
		unsigned int write = (unsigned int)(zd_rand(&x) & 1) ? FOLL_WRITE : 0;
		struct page *pinned[8];
		int v;

		fill(parent, addr, 8, round * 10);
		assert_int_equal(pin_user_pages_fast(zd_task_mm(parent), addr, (int)n, write, pinned),
				 (int)n);
		child = zd_task_fork(parent);
		assert_false(IS_ERR(child));
		for (i = 0; i < 8; i++) {
			v = -round - (int)i;
			if (zd_rand(&x) & 1)
				assert_int_equal(zd_write(child, addr + i * PAGE_SIZE, &v, sizeof(v)),
						 sizeof(v));
		}
		for (i = 0; i < n; i++) {
			/* The pin and the parent see the same page and data. */
			assert_ptr_equal(pinned[i], page_at(parent, addr + i * PAGE_SIZE));
			assert_int_equal(*(int *)page_address(pinned[i]), round * 10 + (int)i);
			assert_int_equal(read_int(parent, addr + i * PAGE_SIZE), round * 10 + (int)i);
		}
		/* The parent's writes after fork land in the pinned pages. */
		v = 7777;
		assert_int_equal(zd_write(parent, addr, &v, sizeof(v)), sizeof(v));
		assert_int_equal(*(int *)page_address(pinned[0]), 7777);
		assert_int_not_equal(read_int(child, addr), 7777);
		unpin_user_pages(pinned, n);
		zd_task_exit(child);
		zd_task_exit(parent);
	}
	rcu_barrier();
	assert_int_equal(zd_nr_free_pages(env->sys), before);
}

static void gup_remote(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	struct mm_struct *mm = zd_task_mm(task);
	struct page *pages[2];
	int locked = 1;

	fill(task, addr, 2, 9);
	assert_int_equal(get_user_pages_remote(mm, addr, 2, 0, pages, NULL), 2);
	assert_int_equal(*(int *)page_address(pages[1]), 10);
	put_page(pages[0]);
	put_page(pages[1]);
	down_read(&mm->mmap_lock);
	assert_int_equal(pin_user_pages_remote(mm, addr, 2, FOLL_WRITE, pages, &locked), 2);
	up_read(&mm->mmap_lock);
	/* A "DMA" write through the pin is what the task reads. */
	*(int *)page_address(pages[0]) = 5555;
	unpin_user_pages_dirty_lock(pages, 2, true);
	assert_true(PageDirty(page_at(task, addr)));
	assert_int_equal(read_int(task, addr), 5555);
	zd_task_exit(task);
}

/*
 * FOLL_FORCE writes a read-only private mapping (ptrace) through a private
 * copy, and leaves the PTE read-only: the task itself still cannot write.
 */
static void force_write_keeps_mapping_read_only(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long ro = map_anon(task, PAGE_SIZE, PROT_READ);
	unsigned long none = map_anon(task, PAGE_SIZE, PROT_NONE);
	struct zd_siginfo si;
	struct page *page;
	int v = 1;

	assert_int_equal(get_user_pages(zd_task_mm(task), ro, 1, FOLL_WRITE | FOLL_FORCE, &page), 1);
	*(int *)page_address(page) = 99;	/* what ptrace's write does */
	put_page(page);
	assert_int_equal(read_int(task, ro), 99);
	assert_false(pte_write(ptep_get(pte_offset_lockless(zd_task_mm(task), ro))));
	assert_int_equal(zd_write(task, ro, &v, sizeof(v)), -EFAULT);
	assert_int_equal(zd_task_signals(task, &si), 1);
	assert_int_equal(si.signo, SIGSEGV);
	assert_int_equal(si.code, SEGV_ACCERR);
	/* FOLL_FORCE reads PROT_NONE memory too (the zero page here). */
	assert_int_equal(get_user_pages(zd_task_mm(task), none, 1, FOLL_FORCE, &page), 1);
	assert_ptr_equal(page, NODE_DATA(env->nid)->zero_page);
	put_page(page);
	assert_int_equal(get_user_pages(zd_task_mm(task), none, 1, 0, &page), -EFAULT);
	zd_task_exit(task);
}

/* The child's copy of a pinned page is as writable as the VMA, no more. */
static void fork_pinned_copy_respects_prot(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *parent = test_task_new(env), *child;
	unsigned long addr = map_anon(parent, PAGE_SIZE, PROT_READ | PROT_WRITE);
	struct page *pinned;
	int v = 5;

	fill(parent, addr, 1, 3);
	assert_int_equal(pin_user_pages(zd_task_mm(parent), addr, 1, FOLL_WRITE | FOLL_LONGTERM,
					&pinned), 1);
	assert_int_equal(zd_mprotect(parent, addr, PAGE_SIZE, PROT_READ), 0);
	child = zd_task_fork(parent);
	assert_false(IS_ERR(child));
	assert_ptr_not_equal(page_at(child, addr), pinned);	/* copied at fork */
	assert_int_equal(read_int(child, addr), 3);
	assert_int_equal(zd_write(child, addr, &v, sizeof(v)), -EFAULT);
	unpin_user_page(pinned);
	zd_task_exit(child);
	zd_task_exit(parent);
}

/* After munmap returns, only the last reference is still in flight. */
static void munmap_leaves_exact_refcounts(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, PAGE_SIZE, PROT_READ | PROT_WRITE);
	struct page *page;

	fill(task, addr, 1, 1);
	assert_int_equal(get_user_pages(zd_task_mm(task), addr, 1, 0, &page), 1);
	assert_int_equal(page_ref_count(page), 2);
	assert_int_equal(zd_munmap(task, addr, PAGE_SIZE), 0);
	assert_int_equal(page_ref_count(page), 1);
	assert_int_equal(page_mapcount(page), 0);
	put_page(page);
	zd_task_exit(task);
}

/*
 * A munmap whose VMA split cannot allocate unmaps nothing: the data is all
 * there and the audit balances.  (As in the kernel, a first split that
 * succeeded before the second failed may remain: at most one more VMA.)
 */
static void split_failure_changes_nothing(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	unsigned long addr = 0;
	unsigned int nth;
	int i;

	/* Fill the VMA array to its capacity, so a split must grow it. */
	for (i = 0; mm->map_count < mm->vmas_cap || !mm->vmas_cap; i++)
		addr = map_anon(task, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	fill(task, addr, 4, 10);
	for (nth = 1; nth < 8; nth++) {
		int count = mm->map_count, err;

		zd_fail_nth_set(nth);
		err = zd_munmap(task, addr + PAGE_SIZE, PAGE_SIZE);
		zd_fail_nth_set(0);
		if (!err)
			break;
		assert_int_equal(err, -ENOMEM);
		assert_true(mm->map_count <= count + 1);
		assert_int_equal(read_int(task, addr + PAGE_SIZE), 11);
		assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	}
	assert_true(nth > 1);
	zd_task_exit(task);
}

/* fork does not copy the PTEs of shared memory: the child faults them in. */
static void fork_shared_is_lazy(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *parent = test_task_new(env), *child;
	long shared = zd_mmap(parent, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, NULL, 0);
	struct page *page;

	assert_true(shared > 0);
	fill(parent, (unsigned long)shared, 1, 8);
	page = page_at(parent, (unsigned long)shared);
	child = zd_task_fork(parent);
	assert_false(IS_ERR(child));
	assert_null(page_at(child, (unsigned long)shared));
	assert_int_equal(page_mapcount(page), 1);
	assert_int_equal(read_int(child, (unsigned long)shared), 8);
	assert_ptr_equal(page_at(child, (unsigned long)shared), page);
	assert_int_equal(page_mapcount(page), 2);
	zd_task_exit(child);
	zd_task_exit(parent);
}

struct rmap_seen {
	struct mm_struct *mm[4];
	unsigned long addr[4];
	int n;
};

static bool record_mapping(struct folio *folio, struct vm_area_struct *vma, unsigned long addr,
			   void *arg)
{
	struct rmap_seen *seen = arg;

	(void)folio;
	if (seen->n < 4) {
		seen->mm[seen->n] = vma->vm_mm;
		seen->addr[seen->n] = addr;
	}
	seen->n++;
	return true;
}

/* The reverse map finds a COW-shared page in parent and child, then just one. */
static void rmap_finds_every_mapping(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *parent = test_task_new(env), *child;
	unsigned long addr = map_anon(parent, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	long moved, shared;
	struct rmap_seen seen = { 0 };
	struct rmap_walk_control rwc = { .rmap_one = record_mapping, .arg = &seen };
	struct page *page;
	int v = 1;

	fill(parent, addr, 4, 0);
	child = zd_task_fork(parent);
	assert_false(IS_ERR(child));
	/* The child moves its copy: the walk must find it at the new address. */
	moved = zd_mremap(child, addr, 4 * PAGE_SIZE, 4 * PAGE_SIZE,
			  MREMAP_MAYMOVE | MREMAP_FIXED, addr + (64UL << 20));
	assert_int_equal(moved, (long)(addr + (64UL << 20)));
	page = page_at(parent, addr + PAGE_SIZE);
	folio_get(page_folio(page));
	rmap_walk(page_folio(page), &rwc);
	assert_int_equal(seen.n, 2);
	assert_true((seen.mm[0] == zd_task_mm(parent) && seen.addr[0] == addr + PAGE_SIZE &&
		     seen.mm[1] == zd_task_mm(child) && seen.addr[1] == (unsigned long)moved + PAGE_SIZE) ||
		    (seen.mm[1] == zd_task_mm(parent) && seen.addr[1] == addr + PAGE_SIZE &&
		     seen.mm[0] == zd_task_mm(child) && seen.addr[0] == (unsigned long)moved + PAGE_SIZE));
	/* After the child's COW, only the parent maps it. */
	assert_int_equal(zd_write(child, (unsigned long)moved + PAGE_SIZE, &v, sizeof(v)), sizeof(v));
	seen.n = 0;
	rmap_walk(page_folio(page), &rwc);
	assert_int_equal(seen.n, 1);
	assert_ptr_equal(seen.mm[0], zd_task_mm(parent));
	folio_put(page_folio(page));

	/* Shared anonymous memory: its page cache page is found in both. */
	shared = zd_mmap(parent, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			 NULL, 0);
	assert_true(shared > 0);
	fill(parent, (unsigned long)shared, 1, 5);
	zd_task_exit(child);
	child = zd_task_fork(parent);
	assert_int_equal(read_int(child, (unsigned long)shared), 5);
	page = page_at(parent, (unsigned long)shared);
	seen.n = 0;
	rmap_walk(page_folio(page), &rwc);
	assert_int_equal(seen.n, 2);
	zd_task_exit(child);
	zd_task_exit(parent);
}

/* ------------------------------------------------------------------ */

struct gup_worker {
	struct zd_task *task;
	unsigned long addr, seed;
	long pinned;
	volatile int *stop;
	struct zd_thread thread;
};

static void *pin_loop(void *arg)
{
	struct gup_worker *w = arg;
	unsigned long x = w->seed;
	struct page *pages[8];

	while (!READ_ONCE(*w->stop)) {
		unsigned long off = (zd_rand(&x) % 24) * PAGE_SIZE;
		int n = pin_user_pages_fast(zd_task_mm(w->task), w->addr + off, 8,
					    (zd_rand(&x) & 1) ? FOLL_WRITE : 0, pages);

		if (n > 0) {
			w->pinned += n;
			unpin_user_pages(pages, (unsigned long)n);
		}
	}
	return NULL;
}

/* gup_fast against munmap, MADV_DONTNEED and faults from other threads. */
static void gup_fast_races_unmap(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long seed = zd_test_seed(), x = seed;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, 32 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	struct gup_worker w[2];
	volatile int stop = 0;
	int i, round;

	for (i = 0; i < 2; i++) {
		w[i] = (struct gup_worker){ .task = task, .addr = addr, .seed = seed + (unsigned long)i,
					    .stop = &stop };
		assert_int_equal(zd_thread_start(&w[i].thread, pin_loop, &w[i]), 0);
	}
	for (round = 0; round < 300; round++) {
		unsigned long off = (zd_rand(&x) % 28) * PAGE_SIZE;

		switch (zd_rand(&x) % 3) {
		case 0:
			fill(task, addr + off, 4, round);
			break;
		case 1:
			assert_int_equal(zd_madvise(task, addr + off, 4 * PAGE_SIZE, MADV_DONTNEED), 0);
			break;
		case 2:
			assert_int_equal(zd_munmap(task, addr + off, 4 * PAGE_SIZE), 0);
			assert_int_equal(zd_mmap(task, addr + off, 4 * PAGE_SIZE,
						 PROT_READ | PROT_WRITE,
						 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0),
					 (long)(addr + off));
			break;
		}
	}
	WRITE_ONCE(stop, 1);
	for (i = 0; i < 2; i++)
		zd_thread_join(&w[i].thread);
	assert_int_equal(zd_node_stat(env->sys, NR_FOLL_PIN_ACQUIRED),
			 zd_node_stat(env->sys, NR_FOLL_PIN_RELEASED));
	assert_int_equal(zd_system_bugs(env->sys), 0);
	zd_task_exit(task);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ZD_TEST_BOTH(gup_get_and_put),
		ZD_TEST_BOTH(gup_pin_counts),
		ZD_TEST_BOTH(pin_large_folio),
		ZD_TEST_BOTH(gup_untouched),
		ZD_TEST_BOTH(gup_errors),
		ZD_TEST_BOTH(gup_fast_only),
		ZD_TEST_BOTH(pin_unshares_cow_page),
		ZD_TEST_BOTH(fork_pinned_random),
		ZD_TEST_BOTH(gup_remote),
		ZD_TEST_BOTH(rmap_finds_every_mapping),
		ZD_TEST_BOTH(force_write_keeps_mapping_read_only),
		ZD_TEST_BOTH(fork_pinned_copy_respects_prot),
		ZD_TEST_BOTH(munmap_leaves_exact_refcounts),
		ZD_TEST_BOTH(split_failure_changes_nothing),
		ZD_TEST_BOTH(fork_shared_is_lazy),
		ZD_TEST_BOTH(gup_fast_races_unmap),
	};

	return ZD_RUN("gup", tests);
}
