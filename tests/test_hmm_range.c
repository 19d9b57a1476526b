// SPDX-License-Identifier: GPL-2.0-only
/*
 * hmm_range_fault(): what it reports for each CPU page-table state, what it
 * faults and with which flags, its error codes, the notifier sequence check,
 * device-private pages of the caller and of another owner, and a seeded race
 * of a driver's read loop against munmap/mprotect/MADV_DONTNEED.
 *
 * Expectations are spec/hmm_migration.md §3 (mm/hmm.c).  Notable kernel
 * behaviours the tests pin down: a fault covers every page from the one that
 * needed it to the end of the PMD-sized sub-range being walked, whatever the
 * other entries asked for; a failed call leaves the entries from the failing
 * one on holding their inputs; the caller's own device-private pages are
 * reported even when a write is requested and the entry is read-only.
 *
 * Device-private pages cannot be put into a task by normal means yet
 * (migrate_vma is not written), so install_device_private() does by hand
 * what migrate_vma_pages() will do: under a MIGRATE invalidation, replace a
 * present anonymous page with a device-private entry that holds the device
 * page's one reference and one mapcount, with the anonymous rmap set as
 * folio_add_new_anon_rmap() sets it.  The device's migrate_to_ram() here
 * copies back a marker pattern the same way in reverse (as lib/test_hmm.c's
 * does), unless told to fail with SIGBUS like the shared test driver.
 *
 * Helper threads never call cmocka asserts: they count errors and the test
 * asserts after joining them.
 */
#include <stdlib.h>
#include <zonedev/hmm.h>
#include "zd_test.h"
#include "../mm/internal_mm.h"

#define PG(n)		((unsigned long)(n) * PAGE_SIZE)
#define BASE		(1UL << 33)
#define DEV_SIZE	(4UL << 20)
#define MARKER		0xD5

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* A mirror in the style of lib/test_hmm.c: one lock orders invalidate and retry. */
struct mirror {
	struct mmu_interval_notifier notifier;
	struct mutex lock;
	atomic_long_t invalidations;
};

static bool mirror_invalidate(struct mmu_interval_notifier *sub,
			      const struct mmu_notifier_range *range, unsigned long cur_seq)
{
	struct mirror *m = container_of(sub, struct mirror, notifier);

	if (mmu_notifier_range_blockable(range))
		mutex_lock(&m->lock);
	else if (!mutex_trylock(&m->lock))
		return false;
	mmu_interval_set_seq(sub, cur_seq);
	atomic_long_inc(&m->invalidations);
	mutex_unlock(&m->lock);
	return true;
}

static const struct mmu_interval_notifier_ops mirror_ops = {
	.invalidate = mirror_invalidate,
};

static void mirror_insert(struct mirror *m, struct zd_task *task, unsigned long start,
			  unsigned long len)
{
	memset(m, 0, sizeof(*m));
	mutex_init(&m->lock);
	assert_int_equal(mmu_interval_notifier_insert(&m->notifier, zd_task_mm(task), start, len,
						      &mirror_ops), 0);
}

static void mirror_remove(struct mirror *m)
{
	mmu_interval_notifier_remove(&m->notifier);
	mutex_destroy(&m->lock);
}

static unsigned long map_anon(struct zd_task *task, unsigned long addr, unsigned long len,
			      int prot)
{
	long a = zd_mmap(task, addr, len, prot,
			 MAP_PRIVATE | MAP_ANONYMOUS | (addr ? MAP_FIXED : 0), NULL, 0);

	assert_true(a > 0);
	return (unsigned long)a;
}

static void touch(struct zd_task *task, unsigned long addr, unsigned char v)
{
	assert_int_equal(zd_write(task, addr, &v, 1), 1);
}

static void range_init(struct hmm_range *r, struct mirror *m, unsigned long start,
		       unsigned long npages, unsigned long *pfns)
{
	memset(r, 0, sizeof(*r));
	r->notifier = &m->notifier;
	r->start = start;
	r->end = start + PG(npages);
	r->hmm_pfns = pfns;
}

/* One call, with a fresh sequence number, as a driver makes it. */
static int range_fault_once(struct hmm_range *r)
{
	struct mm_struct *mm = r->notifier->mm;
	int ret;

	r->notifier_seq = mmu_interval_read_begin(r->notifier);
	down_read(&mm->mmap_lock);
	ret = hmm_range_fault(r);
	up_read(&mm->mmap_lock);
	return ret;
}

/*
 * The driver's loop: retry on -EBUSY and on a collision seen under its
 * lock; return with the lock held on success.  @inputs are restored before
 * each try, since a call overwrites them.
 */
static int range_fault_locked(struct hmm_range *r, struct mirror *m, const unsigned long *inputs,
			      unsigned long npages, unsigned long *busy)
{
	int ret;

	for (;;) {
		memcpy(r->hmm_pfns, inputs, npages * sizeof(*inputs));
		ret = range_fault_once(r);
		if (ret == -EBUSY) {
			if (busy)
				(*busy)++;
			continue;
		}
		if (ret)
			return ret;
		mutex_lock(&m->lock);
		if (!mmu_interval_read_retry(&m->notifier, r->notifier_seq))
			return 0;
		mutex_unlock(&m->lock);
		if (busy)
			(*busy)++;
	}
}

static unsigned long zero_pfn(struct zd_test_env *env)
{
	return page_to_pfn(NODE_DATA(env->nid)->zero_page);
}

/* The PTE at @addr, read directly. */
static pte_t pte_at(struct zd_task *task, unsigned long addr)
{
	pte_t *ptep = pte_offset_lockless(zd_task_mm(task), addr);

	return ptep ? ptep_get(ptep) : __pte(0);
}

static const unsigned long state_flags = HMM_PFN_VALID | HMM_PFN_WRITE | HMM_PFN_ERROR;

static unsigned long state_of(unsigned long v)
{
	return v & state_flags;
}

/* ------------------------------------------------------------------ */
/* Device-private pages                                                */
/* ------------------------------------------------------------------ */

static atomic_long_t dev_migrations;
static bool dev_migrate_sigbus;

/*
 * migrate_to_ram() that works: a new anonymous page filled with MARKER
 * replaces the device-private entry, under a MIGRATE invalidation (owner
 * NULL, as the kernel's migrate_vma_setup() called by a driver without
 * filtering would send).  @vmf->page is locked and referenced.
 */
static unsigned int hmm_test_migrate_to_ram(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct page *dpage = vmf->page;
	struct mmu_notifier_range range;
	struct folio *folio;
	swp_entry_t entry = pte_to_swp_entry(vmf->orig_pte);
	pte_t pte;

	if (READ_ONCE(dev_migrate_sigbus))
		return VM_FAULT_SIGBUS;
	folio = __folio_alloc_node(GFP_HIGHUSER_MOVABLE, 0, mm->nid);
	if (!folio)
		return VM_FAULT_OOM;
	memset(page_address(&folio->page), MARKER, PAGE_SIZE);
	pte = pte_mkyoung(pfn_pte(folio_pfn(folio), vma->vm_page_prot));
	if (is_writable_device_private_entry(entry) && (vma->vm_flags & VM_WRITE))
		pte = pte_mkdirty(pte_mkwrite(pte));

	mmu_notifier_range_init(&range, MMU_NOTIFY_MIGRATE, 0, mm, vmf->address,
				vmf->address + PAGE_SIZE);
	mmu_notifier_invalidate_range_start(&range);
	spin_lock(&mm->page_table_lock);
	if (pte_val(ptep_get(vmf->pte)) != pte_val(vmf->orig_pte)) {
		spin_unlock(&mm->page_table_lock);
		mmu_notifier_invalidate_range_end(&range);
		folio_put(folio);
		return 0;
	}
	/* rss stays: one anonymous page out, one in. */
	folio_add_new_anon_rmap(folio, vma, vmf->address);
	set_pte(vmf->pte, pte);
	folio_remove_rmap_pte(page_folio(dpage), dpage, vma);
	spin_unlock(&mm->page_table_lock);
	mmu_notifier_invalidate_range_end(&range);
	/* The entry's reference; the fault path still holds its own. */
	put_page(dpage);
	atomic_long_inc(&dev_migrations);
	return 0;
}

static struct dev_pagemap_ops hmm_test_dev_ops;

static struct test_dev *hmm_dev_new(struct zd_test_env *env)
{
	struct test_dev *dev = test_dev_create(env, MEMORY_DEVICE_PRIVATE, DEV_SIZE, 0);

	hmm_test_dev_ops = test_dev_ops;
	hmm_test_dev_ops.migrate_to_ram = hmm_test_migrate_to_ram;
	dev->pgmap.ops = &hmm_test_dev_ops;
	assert_int_equal(test_dev_map(dev, env->nid), 0);
	atomic_long_set(&dev_migrations, 0);
	WRITE_ONCE(dev_migrate_sigbus, false);
	return dev;
}

/*
 * What migrate_vma_pages() will do for one page: the present anonymous page
 * at @addr (already touched) is replaced by a device-private entry for a
 * fresh device page, which takes over the mapping: the entry holds the
 * page's reference and mapcount, the old page's go through the mmu_gather.
 */
static struct page *install_device_private(struct zd_task *task, struct test_dev *dev,
					   unsigned long addr, bool writable)
{
	struct mm_struct *mm = zd_task_mm(task);
	struct page *dpage = test_dev_alloc(dev);
	struct mmu_notifier_range range;
	struct vm_area_struct *vma;
	struct mmu_gather tlb;
	struct page *opage;
	swp_entry_t entry;
	pte_t *ptep, old;

	assert_non_null(dpage);
	entry = writable ? make_writable_device_private_entry(page_to_pfn(dpage)) :
			   make_readable_device_private_entry(page_to_pfn(dpage));
	down_read(&mm->mmap_lock);
	vma = find_vma(mm, addr);
	assert_non_null(vma);
	assert_non_null(vma->anon_vma);
	ptep = pte_offset_lockless(mm, addr);
	assert_non_null(ptep);
	mmu_notifier_range_init_owner(&range, MMU_NOTIFY_MIGRATE, 0, mm, addr, addr + PAGE_SIZE,
				      dev);
	mmu_notifier_invalidate_range_start(&range);
	tlb_gather_mmu(&tlb, mm);
	spin_lock(&mm->page_table_lock);
	old = ptep_get_and_clear(ptep);
	opage = pfn_to_page(pte_pfn(old));
	folio_remove_rmap_pte(page_folio(opage), opage, vma);
	tlb_remove_page(&tlb, opage);
	folio_add_new_anon_rmap(page_folio(dpage), vma, addr);
	set_pte(ptep, swp_entry_to_pte(entry));
	spin_unlock(&mm->page_table_lock);
	tlb_finish_mmu(&tlb);
	mmu_notifier_invalidate_range_end(&range);
	up_read(&mm->mmap_lock);
	unlock_page(dpage);
	/* The caller checks this after the fact: the old PTE was a normal page. */
	assert_true(pte_present(old) && !pte_special(old));
	return dpage;
}

/* ------------------------------------------------------------------ */
/* Present, none, zero page, write faults                              */
/* ------------------------------------------------------------------ */

/* Touched pages: VALID|WRITE and the right pfn; untouched: read-faulted to the zero page. */
static void present_and_read_fault(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long pfns[8] = { 0 }, addr = map_anon(task, 0, PG(8), PROT_READ | PROT_WRITE);
	struct hmm_range r;
	struct mirror m;
	int i;

	for (i = 0; i < 4; i++)
		touch(task, addr + PG(i), (unsigned char)i);
	mirror_insert(&m, task, addr, PG(8));
	range_init(&r, &m, addr, 8, pfns);
	r.default_flags = HMM_PFN_REQ_FAULT;
	assert_int_equal(range_fault_once(&r), 0);
	for (i = 0; i < 4; i++) {
		struct page *page = hmm_pfn_to_page(pfns[i]);

		assert_int_equal(state_of(pfns[i]), HMM_PFN_VALID | HMM_PFN_WRITE);
		assert_int_equal(hmm_pfn_to_pfn(pfns[i]), pte_pfn(pte_at(task, addr + PG(i))));
		assert_int_equal(hmm_pfn_to_map_order(pfns[i]), 0);
		assert_true(PageAnon(page));
		assert_int_equal(((unsigned char *)page_address(page))[0], i);
	}
	for (i = 4; i < 8; i++) {
		/* A read fault maps the zero page: valid, read-only. */
		assert_int_equal(state_of(pfns[i]), HMM_PFN_VALID);
		assert_int_equal(hmm_pfn_to_pfn(pfns[i]), zero_pfn(env));
	}
	assert_false(mmu_interval_read_retry(&m.notifier, r.notifier_seq));
	mirror_remove(&m);
	test_task_done(task);
}

/* No REQ_FAULT anywhere: a pure snapshot that faults nothing. */
static void snapshot_faults_nothing(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long pfns[4] = { 0 }, addr = map_anon(task, 0, PG(4), PROT_READ | PROT_WRITE);
	unsigned long faults;
	struct hmm_range r;
	struct mirror m;
	unsigned char c;

	touch(task, addr, 1);
	assert_int_equal(zd_read(task, addr + PG(1), &c, 1), 1);	/* zero page */
	mirror_insert(&m, task, addr, PG(4));
	range_init(&r, &m, addr, 4, pfns);
	/* Inputs ask for faults, but the mask throws them away. */
	pfns[0] = pfns[1] = pfns[2] = pfns[3] = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	faults = zd_vm_event(env->sys, PGFAULT);
	assert_int_equal(range_fault_once(&r), 0);
	assert_int_equal(zd_vm_event(env->sys, PGFAULT), faults);
	assert_int_equal(state_of(pfns[0]), HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_int_equal(pfns[1], zero_pfn(env) | HMM_PFN_VALID);
	assert_int_equal(pfns[2], 0);
	assert_int_equal(pfns[3], 0);
	assert_true(pte_none(pte_at(task, addr + PG(2))));
	mirror_remove(&m);
	test_task_done(task);
}

/* REQ_WRITE: untouched and zero-page entries become private writable pages. */
static void write_fault(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long pfns[4] = { 0 }, inputs[4] = { 0 }, busy = 0;
	unsigned long addr = map_anon(task, 0, PG(4), PROT_READ | PROT_WRITE);
	struct hmm_range r;
	struct mirror m;
	unsigned char c;
	int i;

	assert_int_equal(zd_read(task, addr + PG(1), &c, 1), 1);	/* zero page */
	touch(task, addr + PG(2), 7);
	mirror_insert(&m, task, addr, PG(4));
	range_init(&r, &m, addr, 4, pfns);
	r.default_flags = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	/* Copy-on-write of the zero page invalidates the range: the call says so. */
	memset(pfns, 0, sizeof(pfns));
	assert_int_equal(range_fault_once(&r), -EBUSY);
	assert_int_equal(range_fault_locked(&r, &m, inputs, 4, &busy), 0);
	mutex_unlock(&m.lock);
	for (i = 0; i < 4; i++) {
		pte_t pte = pte_at(task, addr + PG(i));

		assert_int_equal(state_of(pfns[i]), HMM_PFN_VALID | HMM_PFN_WRITE);
		assert_int_not_equal(hmm_pfn_to_pfn(pfns[i]), zero_pfn(env));
		assert_true(pte_write(pte) && !pte_special(pte));
		assert_int_equal(hmm_pfn_to_pfn(pfns[i]), pte_pfn(pte));
	}
	assert_int_equal(((unsigned char *)page_address(hmm_pfn_to_page(pfns[2])))[0], 7);
	mirror_remove(&m);
	test_task_done(task);
}

/*
 * Per-entry requests through pfn_flags_mask, each case on fresh memory, and
 * the kernel's fault extent: the first entry that needs a fault has every
 * later page of its sub-range faulted too, with its flags.  Sticky DMA
 * flags survive and request nothing.
 */
struct mask_case {
	unsigned long default_flags, mask;
	unsigned long in[4];
	unsigned long want[4];		/* state flags; ZP: the zero page, read-only */
	bool cow;			/* a write replaces zero pages: -EBUSY first */
	bool no_table;			/* no page table yet: a hole to the walk */
};

#define ZP	(~0UL)
#define VW	(HMM_PFN_VALID | HMM_PFN_WRITE)
#define RF	HMM_PFN_REQ_FAULT
#define RW	HMM_PFN_REQ_WRITE

static const struct mask_case mask_cases[] = {
	/* per entry only; DMA flags pass through */
	{ 0, RF | RW, { HMM_PFN_DMA_MAPPED, RF | HMM_PFN_P2PDMA, 0, 0 }, { 0, ZP, ZP, ZP } },
	/* a write request on untouched memory: fresh pages, no invalidation */
	{ 0, RF | RW, { 0, RF | RW, 0, 0 }, { 0, VW, VW, VW } },
	/* mask 0: inputs ignored, the defaults apply to every entry */
	{ RF, 0, { RW, RW, RW, RW }, { ZP, ZP, ZP, ZP } },
	/* the mask lets only REQ_WRITE through: nothing is ever faulted */
	{ 0, RW, { RF | RW, RF | RW, RF | RW, RF | RW }, { 0, 0, 0, 0 } },
	/* default read, one entry writes: COW of the zero pages from there on */
	{ RF, RW, { 0, 0, RW, 0 }, { ZP, ZP, VW, VW }, true },
	/* no page table: the whole hole is faulted, from its start, as one */
	{ 0, RF | RW, { 0, RF, 0, 0 }, { ZP, ZP, ZP, ZP }, false, true },
};

static void mask_and_default_flags(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long c;

	for (c = 0; c < ARRAY_SIZE(mask_cases); c++) {
		const struct mask_case *mc = &mask_cases[c];
		unsigned long pfns[4] = { 0 }, busy = 0, faults = zd_vm_event(env->sys, PGFAULT);
		/* BASE: a 2 MiB region nothing else in this task uses. */
		unsigned long addr = map_anon(task, mc->no_table ? BASE : 0, PG(5),
					      PROT_READ | PROT_WRITE);
		struct hmm_range r;
		struct mirror m;
		int i;

		/*
		 * A page outside the range makes the page table exist, so the
		 * walk sees PTEs (and per-PTE fault extents) rather than a
		 * table-sized hole.  The range must not straddle a table.
		 */
		assert_int_equal(addr >> PMD_SHIFT, (addr + PG(4)) >> PMD_SHIFT);
		if (!mc->no_table)
			touch(task, addr + PG(4), 1);
		faults = zd_vm_event(env->sys, PGFAULT);
		mirror_insert(&m, task, addr, PG(4));
		range_init(&r, &m, addr, 4, pfns);
		r.default_flags = mc->default_flags;
		r.pfn_flags_mask = mc->mask;
		memcpy(pfns, mc->in, sizeof(pfns));
		if (mc->cow) {
			assert_int_equal(range_fault_once(&r), -EBUSY);
			assert_int_equal(range_fault_locked(&r, &m, mc->in, 4, &busy), 0);
			mutex_unlock(&m.lock);
		} else {
			assert_int_equal(range_fault_once(&r), 0);
		}
		for (i = 0; i < 4; i++) {
			unsigned long sticky = mc->in[i] & HMM_PFN_INOUT_FLAGS;

			assert_int_equal(pfns[i] & HMM_PFN_INOUT_FLAGS, sticky);
			if (mc->want[i] == ZP) {
				assert_int_equal(pfns[i], zero_pfn(env) | HMM_PFN_VALID | sticky);
			} else if (mc->want[i] == 0) {
				assert_int_equal(pfns[i], sticky);
				assert_true(pte_none(pte_at(task, addr + PG(i))));
			} else {
				assert_int_equal(state_of(pfns[i]), mc->want[i]);
				assert_int_not_equal(hmm_pfn_to_pfn(pfns[i]), zero_pfn(env));
				assert_int_equal(hmm_pfn_to_pfn(pfns[i]),
						 pte_pfn(pte_at(task, addr + PG(i))));
			}
		}
		if (!mc->default_flags && !(mc->mask & RF))
			assert_int_equal(zd_vm_event(env->sys, PGFAULT), faults);
		mirror_remove(&m);
	}
	test_task_done(task);
}

#undef ZP
#undef VW
#undef RF
#undef RW

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

/* No VMA: -EFAULT if asked to fault it (later entries keep inputs), else ERROR. */
static void hole_is_efault_or_error(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long pfns[6] = { 0 }, i;
	struct hmm_range r;
	struct mirror m;

	map_anon(task, BASE, PG(6), PROT_READ | PROT_WRITE);
	assert_int_equal(zd_munmap(task, BASE + PG(2), PG(2)), 0);
	touch(task, BASE, 1);
	touch(task, BASE + PG(4), 1);
	mirror_insert(&m, task, BASE, PG(6));
	range_init(&r, &m, BASE, 6, pfns);
	r.pfn_flags_mask = HMM_PFN_REQ_FAULT;
	for (i = 0; i < 6; i++)
		pfns[i] = HMM_PFN_REQ_FAULT;
	assert_int_equal(range_fault_once(&r), -EFAULT);
	assert_int_equal(state_of(pfns[0]), HMM_PFN_VALID | HMM_PFN_WRITE);
	for (i = 2; i < 6; i++)
		assert_int_equal(pfns[i], HMM_PFN_REQ_FAULT);

	/* Only the mapped entries ask: the hole is reported, not fatal. */
	for (i = 0; i < 6; i++)
		pfns[i] = (i == 2 || i == 3) ? 0 : HMM_PFN_REQ_FAULT;
	assert_int_equal(range_fault_once(&r), 0);
	assert_int_equal(pfns[2], HMM_PFN_ERROR);
	assert_int_equal(pfns[3], HMM_PFN_ERROR);
	assert_int_equal(state_of(pfns[4]), HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_int_equal(pfns[5], zero_pfn(env) | HMM_PFN_VALID);

	/* Past the last VMA, too. */
	range_init(&r, &m, BASE + PG(5), 1, pfns);
	assert_int_equal(zd_munmap(task, BASE + PG(5), PG(1)), 0);
	r.default_flags = HMM_PFN_REQ_FAULT;
	assert_int_equal(range_fault_once(&r), -EFAULT);
	r.default_flags = 0;
	assert_int_equal(range_fault_once(&r), 0);
	assert_int_equal(pfns[0], HMM_PFN_ERROR);

	/* Empty and unaligned ranges. */
	range_init(&r, &m, BASE, 0, pfns);
	assert_int_equal(range_fault_once(&r), -EINVAL);
	range_init(&r, &m, BASE + 1, 1, pfns);
	assert_int_equal(range_fault_once(&r), -EINVAL);
	mirror_remove(&m);
	test_task_done(task);
}

/* PROT_NONE (no VM_READ): -EFAULT when a fault is required, else ERROR. */
static void prot_none_is_efault_or_error(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long pfns[2] = { 0 }, addr = map_anon(task, 0, PG(2), PROT_READ | PROT_WRITE);
	struct hmm_range r;
	struct mirror m;

	(void)env;
	touch(task, addr, 1);
	assert_int_equal(zd_mprotect(task, addr, PG(2), PROT_NONE), 0);
	mirror_insert(&m, task, addr, PG(2));
	range_init(&r, &m, addr, 2, pfns);
	r.default_flags = HMM_PFN_REQ_FAULT;
	pfns[0] = pfns[1] = 0;
	assert_int_equal(range_fault_once(&r), -EFAULT);
	r.default_flags = 0;
	assert_int_equal(range_fault_once(&r), 0);
	assert_int_equal(pfns[0], HMM_PFN_ERROR);
	assert_int_equal(pfns[1], HMM_PFN_ERROR);
	mirror_remove(&m);
	test_task_done(task);
}

/* A write request on a VMA without VM_WRITE: -EPERM; a read request is fine. */
static void write_on_readonly_is_eperm(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long pfns[2] = { 0 }, addr = map_anon(task, 0, PG(2), PROT_READ | PROT_WRITE);
	struct hmm_range r;
	struct mirror m;

	touch(task, addr, 1);
	assert_int_equal(zd_mprotect(task, addr, PG(2), PROT_READ), 0);
	mirror_insert(&m, task, addr, PG(2));
	range_init(&r, &m, addr, 2, pfns);
	r.default_flags = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	pfns[0] = pfns[1] = 0;
	assert_int_equal(range_fault_once(&r), -EPERM);
	assert_int_equal(pfns[0], 0);			/* still the input */
	assert_false(pte_write(pte_at(task, addr)));
	r.default_flags = HMM_PFN_REQ_FAULT;
	assert_int_equal(range_fault_once(&r), 0);
	assert_int_equal(state_of(pfns[0]), HMM_PFN_VALID);	/* present, read-only */
	assert_int_equal(pfns[1], zero_pfn(env) | HMM_PFN_VALID);
	mirror_remove(&m);
	test_task_done(task);
}

/* VM_PFNMAP / VM_IO VMAs and special PTEs cannot be mirrored. */
static void pfnmap_and_special(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	unsigned long pfns[2] = { 0 }, addr = map_anon(task, 0, PG(2), PROT_READ | PROT_WRITE);
	struct vm_area_struct *vma;
	struct hmm_range r;
	struct mirror m;
	pte_t *ptep;

	(void)env;
	mirror_insert(&m, task, addr, PG(2));
	range_init(&r, &m, addr, 2, pfns);

	/* A raw pfn mapped by hand with a special PTE, as vmf_insert_pfn would. */
	down_write(&mm->mmap_lock);
	vma = find_vma(mm, addr);
	vma->vm_flags |= VM_MIXEDMAP;
	ptep = pte_alloc(mm, addr);
	assert_non_null(ptep);
	spin_lock(&mm->page_table_lock);
	set_pte(ptep, pte_mkspecial(pfn_pte(page_to_pfn(NODE_DATA(env->nid)->zero_page) + 1,
					    vma->vm_page_prot)));
	spin_unlock(&mm->page_table_lock);
	up_write(&mm->mmap_lock);
	r.default_flags = 0;
	assert_int_equal(range_fault_once(&r), 0);
	assert_int_equal(pfns[0], HMM_PFN_ERROR);
	assert_int_equal(pfns[1], 0);
	r.default_flags = HMM_PFN_REQ_FAULT;
	assert_int_equal(range_fault_once(&r), -EFAULT);

	/* The whole VMA VM_PFNMAP, then VM_IO. */
	down_write(&mm->mmap_lock);
	vma->vm_flags |= VM_PFNMAP;
	up_write(&mm->mmap_lock);
	assert_int_equal(range_fault_once(&r), -EFAULT);
	r.default_flags = 0;
	assert_int_equal(range_fault_once(&r), 0);
	assert_int_equal(pfns[0], HMM_PFN_ERROR);
	assert_int_equal(pfns[1], HMM_PFN_ERROR);
	down_write(&mm->mmap_lock);
	vma->vm_flags = (vma->vm_flags & ~(VM_PFNMAP | VM_MIXEDMAP)) | VM_IO;
	up_write(&mm->mmap_lock);
	r.default_flags = HMM_PFN_REQ_FAULT;
	assert_int_equal(range_fault_once(&r), -EFAULT);
	mirror_remove(&m);
	test_task_done(task);
}

/* ------------------------------------------------------------------ */
/* The notifier sequence                                               */
/* ------------------------------------------------------------------ */

/* An invalidation between read_begin and the walk: -EBUSY, inputs untouched. */
static void invalidation_gives_ebusy(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	unsigned long pfns[4] = { 0 }, addr = map_anon(task, 0, PG(4), PROT_READ | PROT_WRITE);
	struct hmm_range r;
	struct mirror m;
	int i;

	(void)env;
	for (i = 0; i < 4; i++)
		touch(task, addr + PG(i), 1);
	mirror_insert(&m, task, addr, PG(4));
	range_init(&r, &m, addr, 4, pfns);
	r.default_flags = HMM_PFN_REQ_FAULT;
	for (i = 0; i < 4; i++)
		pfns[i] = HMM_PFN_DMA_MAPPED;

	r.notifier_seq = mmu_interval_read_begin(&m.notifier);
	assert_int_equal(zd_madvise(task, addr + PG(2), PG(1), MADV_DONTNEED), 0);
	down_read(&mm->mmap_lock);
	assert_int_equal(hmm_range_fault(&r), -EBUSY);
	up_read(&mm->mmap_lock);
	for (i = 0; i < 4; i++)
		assert_int_equal(pfns[i], HMM_PFN_DMA_MAPPED);

	/* A fresh sequence number: the call succeeds and refaults page 2. */
	assert_int_equal(range_fault_once(&r), 0);
	assert_int_equal(pfns[2], zero_pfn(env) | HMM_PFN_VALID | HMM_PFN_DMA_MAPPED);

	/* An invalidation after the call: read_retry tells the driver. */
	assert_int_equal(zd_mprotect(task, addr, PG(4), PROT_READ), 0);
	mutex_lock(&m.lock);
	assert_true(mmu_interval_read_retry(&m.notifier, r.notifier_seq));
	mutex_unlock(&m.lock);
	mirror_remove(&m);
	test_task_done(task);
}

/* ------------------------------------------------------------------ */
/* Device-private pages                                                */
/* ------------------------------------------------------------------ */

/* The caller's own device pages are reported as they are, never migrated. */
static void own_device_private_reported(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct test_dev *dev = hmm_dev_new(env);
	unsigned long pfns[3] = { 0 }, addr = map_anon(task, 0, PG(3), PROT_READ | PROT_WRITE);
	struct page *wpage, *rpage;
	unsigned long faults;
	struct hmm_range r;
	struct mirror m;
	int i;

	for (i = 0; i < 3; i++)
		touch(task, addr + PG(i), 1);
	wpage = install_device_private(task, dev, addr, true);
	rpage = install_device_private(task, dev, addr + PG(1), false);
	assert_int_equal(page_mapcount(wpage), 1);
	mirror_insert(&m, task, addr, PG(3));
	range_init(&r, &m, addr, 3, pfns);
	r.dev_private_owner = dev;
	r.default_flags = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	faults = zd_vm_event(env->sys, PGFAULT);
	assert_int_equal(range_fault_once(&r), 0);
	assert_int_equal(zd_vm_event(env->sys, PGFAULT), faults);
	assert_int_equal(pfns[0], page_to_pfn(wpage) | HMM_PFN_VALID | HMM_PFN_WRITE);
	/* Read-only entry with REQ_WRITE: still reported, not faulted. */
	assert_int_equal(pfns[1], page_to_pfn(rpage) | HMM_PFN_VALID);
	assert_ptr_equal(hmm_pfn_to_page(pfns[1]), rpage);
	assert_true(is_device_private_page(hmm_pfn_to_page(pfns[0])));
	assert_int_equal(state_of(pfns[2]), HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_int_equal(atomic_long_read(&dev_migrations), 0);

	/* Snapshot by somebody else: not present, nothing faulted. */
	r.dev_private_owner = NULL;
	r.default_flags = 0;
	assert_int_equal(range_fault_once(&r), 0);
	assert_int_equal(pfns[0], 0);
	assert_int_equal(pfns[1], 0);
	assert_int_equal(atomic_long_read(&dev_migrations), 0);
	mirror_remove(&m);
	test_task_done(task);
	/* Exit unmapped them: the pages went back to the device. */
	assert_int_equal(atomic_long_read(&dev->page_free_calls), 2);
	test_dev_destroy(dev);
}

/* Another owner's device pages are faulted back through migrate_to_ram(). */
static void other_device_private_migrated(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct test_dev *dev = hmm_dev_new(env);
	unsigned long pfns[2] = { 0 }, inputs[2] = { 0, 0 }, busy = 0;
	unsigned long addr = map_anon(task, 0, PG(2), PROT_READ | PROT_WRITE);
	unsigned char buf[4];
	struct hmm_range r;
	struct mirror m;
	int other_owner;

	touch(task, addr, 1);
	touch(task, addr + PG(1), 1);
	install_device_private(task, dev, addr, true);
	install_device_private(task, dev, addr + PG(1), false);
	mirror_insert(&m, task, addr, PG(2));
	range_init(&r, &m, addr, 2, pfns);
	r.dev_private_owner = &other_owner;
	r.default_flags = HMM_PFN_REQ_FAULT;

	/*
	 * The fault covers the rest of the sub-range, so both pages migrate;
	 * the migrations invalidate the range: the call itself says -EBUSY.
	 */
	memset(pfns, 0, sizeof(pfns));
	assert_int_equal(range_fault_once(&r), -EBUSY);
	assert_int_equal(atomic_long_read(&dev_migrations), 2);

	assert_int_equal(range_fault_locked(&r, &m, inputs, 2, &busy), 0);
	assert_int_equal(state_of(pfns[0]), HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_int_equal(state_of(pfns[1]), HMM_PFN_VALID);	/* was a read entry */
	assert_false(is_zone_device_page(hmm_pfn_to_page(pfns[0])));
	assert_false(is_zone_device_page(hmm_pfn_to_page(pfns[1])));
	mutex_unlock(&m.lock);
	assert_int_equal(atomic_long_read(&dev_migrations), 2);
	assert_int_equal(atomic_long_read(&dev->page_free_calls), 2);
	assert_int_equal(zd_read(task, addr + PG(1), buf, sizeof(buf)), (long)sizeof(buf));
	assert_int_equal(buf[0], MARKER);
	mirror_remove(&m);
	test_task_done(task);
	test_dev_destroy(dev);
}

/* A driver that cannot migrate back: SIGBUS from the fault, -EFAULT here. */
static void other_device_private_sigbus(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct test_dev *dev = hmm_dev_new(env);
	unsigned long pfns[1] = { 0 }, addr = map_anon(task, 0, PG(1), PROT_READ | PROT_WRITE);
	struct page *dpage;
	struct hmm_range r;
	struct mirror m;

	touch(task, addr, 1);
	dpage = install_device_private(task, dev, addr, true);
	WRITE_ONCE(dev_migrate_sigbus, true);
	mirror_insert(&m, task, addr, PG(1));
	range_init(&r, &m, addr, 1, pfns);
	r.default_flags = HMM_PFN_REQ_FAULT;
	pfns[0] = 0;
	assert_int_equal(range_fault_once(&r), -EFAULT);
	assert_int_equal(pfns[0], 0);
	/* Still the device's page, still locked by nobody. */
	assert_true(is_swap_pte(pte_at(task, addr)));
	assert_false(PageLocked(dpage));
	mirror_remove(&m);
	test_task_done(task);
	test_dev_destroy(dev);
}

/* ------------------------------------------------------------------ */
/* Migration entries                                                   */
/* ------------------------------------------------------------------ */

struct unlocker {
	struct zd_thread thread;
	struct folio *folio;
	struct mm_struct *mm;
	pte_t *ptep;
	pte_t restore;
};

/* Finish the "migration": put the original PTE back, then unlock. */
static void *unlocker_fn(void *arg)
{
	struct unlocker *u = arg;

	usleep(20000);
	spin_lock(&u->mm->page_table_lock);
	set_pte(u->ptep, u->restore);
	spin_unlock(&u->mm->page_table_lock);
	folio_unlock(u->folio);
	return NULL;
}

/* A migration entry with a fault requested: wait for it, then report the result. */
static void migration_entry_waits(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	unsigned long pfns[1] = { 0 }, addr = map_anon(task, 0, PG(1), PROT_READ | PROT_WRITE);
	struct unlocker u = { 0 };
	struct hmm_range r;
	struct mirror m;
	struct page *page;
	pte_t old;

	(void)env;
	touch(task, addr, 1);
	mirror_insert(&m, task, addr, PG(1));
	range_init(&r, &m, addr, 1, pfns);
	u.mm = mm;
	u.ptep = pte_offset_lockless(mm, addr);
	old = ptep_get(u.ptep);
	page = pfn_to_page(pte_pfn(old));
	u.folio = page_folio(page);
	u.restore = old;
	/*
	 * A migration entry as try_to_migrate() leaves it: folio locked, the
	 * mapping's reference and mapcount kept by the migration.  No
	 * invalidation: the test only checks the wait, not the sequence.
	 */
	folio_lock(u.folio);
	spin_lock(&mm->page_table_lock);
	set_pte(u.ptep, swp_entry_to_pte(make_writable_migration_entry(page_to_pfn(page))));
	spin_unlock(&mm->page_table_lock);

	/* Snapshot: 0, no wait. */
	pfns[0] = 0;
	assert_int_equal(range_fault_once(&r), 0);
	assert_int_equal(pfns[0], 0);

	r.default_flags = HMM_PFN_REQ_FAULT;
	assert_int_equal(zd_thread_start(&u.thread, unlocker_fn, &u), 0);
	assert_int_equal(range_fault_once(&r), 0);
	zd_thread_join(&u.thread);
	assert_int_equal(pfns[0], page_to_pfn(page) | HMM_PFN_VALID | HMM_PFN_WRITE);
	mirror_remove(&m);
	test_task_done(task);
}

/* ------------------------------------------------------------------ */
/* The driver loop against munmap / mprotect / MADV_DONTNEED           */
/* ------------------------------------------------------------------ */

#define CONC_PAGES	96
#define CONC_ROUNDS	3000

struct conc {
	struct zd_task *task;
	struct mirror m;
	unsigned long seed;
	atomic_t stop;
	atomic_long_t errors;
	char what[160];
	spinlock_t what_lock;
	long programs, busy, efault, eperm, ops;
	struct zd_thread thread;
};

static void conc_error(struct conc *c, const char *fmt, unsigned long a, unsigned long b)
{
	spin_lock(&c->what_lock);
	if (!atomic_long_read(&c->errors))
		snprintf(c->what, sizeof(c->what), fmt, a, b);
	atomic_long_inc(&c->errors);
	spin_unlock(&c->what_lock);
}

static void *conc_mutator_fn(void *arg)
{
	struct conc *c = arg;
	unsigned long rng = c->seed ^ 0x5a5a5a5aUL;

	while (!atomic_read(&c->stop)) {
		unsigned long first = zd_rand(&rng) % CONC_PAGES;
		unsigned long nr = 1 + zd_rand(&rng) % (CONC_PAGES - first);
		unsigned long a = BASE + PG(first);
		int ret = 0;

		switch (zd_rand(&rng) % 5) {
		case 0:
			ret = zd_munmap(c->task, a, PG(nr));
			break;
		case 1:
			if (zd_mmap(c->task, a, PG(nr), PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0) < 0)
				ret = -1;
			break;
		case 2: {
			static const int prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE };

			zd_mprotect(c->task, a, PG(nr), prots[zd_rand(&rng) % 3]);
			break;
		}
		case 3:
			zd_madvise(c->task, a, PG(nr), MADV_DONTNEED);
			break;
		default: {
			unsigned char v = 1;

			zd_write(c->task, a, &v, 1);	/* may fault, may signal */
			break;
		}
		}
		if (ret)
			conc_error(c, "mutator op failed at page %lu (+%lu)", first, nr);
		c->ops++;
	}
	return NULL;
}

/*
 * Under the mirror lock with read_retry false, no invalidation of the range
 * can have started since read_begin and none can finish: every VALID entry
 * must match the CPU PTE now.
 */
static void conc_check(struct conc *c, const unsigned long *pfns)
{
	struct mm_struct *mm = zd_task_mm(c->task);
	unsigned long i;

	rcu_read_lock();
	for (i = 0; i < CONC_PAGES; i++) {
		pte_t *ptep = pte_offset_lockless(mm, BASE + PG(i));
		pte_t pte = ptep ? ptep_get(ptep) : __pte(0);

		if (!(pfns[i] & HMM_PFN_VALID))
			continue;
		if (!pte_present(pte) || pte_pfn(pte) != hmm_pfn_to_pfn(pfns[i]))
			conc_error(c, "page %lu: reported pfn %#lx is not mapped", i, pfns[i]);
		/*
		 * A read-only report may be overtaken by an upgrade: a write
		 * fault that reuses an exclusive page makes its PTE writable
		 * without an invalidation, in the kernel too (nothing a mirror
		 * holds becomes wrong).  A writable report of a PTE that is not
		 * writable would be.
		 */
		else if ((pfns[i] & HMM_PFN_WRITE) && !pte_write(pte))
			conc_error(c, "page %lu: reported %#lx writable, the PTE is not", i, pfns[i]);
	}
	rcu_read_unlock();
}

static void concurrent_driver_loop(void **state)
{
	struct zd_test_env *env = *state;
	struct conc *c = calloc(1, sizeof(*c));
	unsigned long *pfns = calloc(CONC_PAGES, sizeof(*pfns));
	unsigned long rng;
	struct hmm_range r;
	int round;

	assert_non_null(c);
	assert_non_null(pfns);
	c->seed = zd_test_seed();
	rng = c->seed;
	spin_lock_init(&c->what_lock);
	c->task = test_task_new(env);
	map_anon(c->task, BASE, PG(CONC_PAGES), PROT_READ | PROT_WRITE);
	mirror_insert(&c->m, c->task, BASE, PG(CONC_PAGES));
	range_init(&r, &c->m, BASE, CONC_PAGES, pfns);
	assert_int_equal(zd_thread_start(&c->thread, conc_mutator_fn, c), 0);

	for (round = 0; round < CONC_ROUNDS; round++) {
		unsigned long i, mode = zd_rand(&rng) % 3;
		int ret;

		r.default_flags = mode == 0 ? 0 : HMM_PFN_REQ_FAULT;
		r.pfn_flags_mask = mode == 2 ? HMM_PFN_REQ_WRITE : 0;
		for (i = 0; i < CONC_PAGES; i++)
			pfns[i] = (zd_rand(&rng) & 1) ? HMM_PFN_REQ_WRITE : 0;
		ret = range_fault_once(&r);
		if (ret == -EBUSY) {
			c->busy++;
			continue;
		}
		if (ret == -EFAULT) {
			c->efault++;
			continue;
		}
		if (ret == -EPERM && mode == 2) {
			c->eperm++;
			continue;
		}
		if (ret) {
			conc_error(c, "hmm_range_fault: %ld (mode %lu)", (unsigned long)ret, mode);
			break;
		}
		mutex_lock(&c->m.lock);
		if (mmu_interval_read_retry(&c->m.notifier, r.notifier_seq)) {
			mutex_unlock(&c->m.lock);
			c->busy++;
			continue;
		}
		conc_check(c, pfns);
		c->programs++;
		mutex_unlock(&c->m.lock);
	}
	atomic_set(&c->stop, 1);
	zd_thread_join(&c->thread);
	printf("# seed %lu: %ld programmed, %ld busy, %ld efault, %ld eperm, %ld mutations\n",
	       c->seed, c->programs, c->busy, c->efault, c->eperm, c->ops);
	if (atomic_long_read(&c->errors))
		fail_msg("%ld error(s), first: %s", atomic_long_read(&c->errors), c->what);
	assert_true(c->programs > 0);
	mirror_remove(&c->m);
	test_task_done(c->task);
	spin_lock_destroy(&c->what_lock);
	free(pfns);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ZD_TEST_BOTH(present_and_read_fault),
		ZD_TEST_BOTH(snapshot_faults_nothing),
		ZD_TEST_BOTH(write_fault),
		ZD_TEST_BOTH(mask_and_default_flags),
		ZD_TEST_BOTH(hole_is_efault_or_error),
		ZD_TEST_BOTH(prot_none_is_efault_or_error),
		ZD_TEST_BOTH(write_on_readonly_is_eperm),
		ZD_TEST_BOTH(pfnmap_and_special),
		ZD_TEST_BOTH(invalidation_gives_ebusy),
		ZD_TEST_BOTH(own_device_private_reported),
		ZD_TEST_BOTH(other_device_private_migrated),
		ZD_TEST_BOTH(other_device_private_sigbus),
		ZD_TEST_BOTH(migration_entry_waits),
		ZD_TEST_BOTH(concurrent_driver_loop),
	};

	return ZD_RUN("hmm_range", tests);
}
