// SPDX-License-Identifier: GPL-2.0-only
/*
 * make_device_exclusive() (spec/hmm_migration.md §5) and the paths that
 * give the CPU its page back: a CPU read or write, GUP, hmm_range_fault
 * with REQ_FAULT, fork, mprotect; plus FOLL_LONGTERM pins of
 * device-coherent pages, which move the page to RAM first.
 *
 * The entry keeps the mapping's reference and mapcount (the v6.15 rework),
 * so refcounts here are exact: an idle anonymous page mapped once has a
 * refcount of 1 and a mapcount of 1 whether or not it is exclusive.
 */
#include <stdlib.h>
#include <unistd.h>
#include <zonedev/hmm.h>
#include <zonedev/migrate.h>
#include <zonedev/rmap.h>
#include "zd_test.h"
#include "../mm/internal_mm.h"

#define PG(n)		((unsigned long)(n) * PAGE_SIZE)
#define OWNER		((void *)0x0dd)
#define MAX_EVENTS	64

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* A notifier over the whole mm that records each event and its owner. */
struct recorder {
	struct mmu_interval_notifier notifier;
	struct mutex lock;
	int nr;
	enum mmu_notifier_event events[MAX_EVENTS];
	void *owners[MAX_EVENTS];
};

static bool recorder_invalidate(struct mmu_interval_notifier *sub,
				const struct mmu_notifier_range *range, unsigned long cur_seq)
{
	struct recorder *r = container_of(sub, struct recorder, notifier);

	mutex_lock(&r->lock);
	mmu_interval_set_seq(sub, cur_seq);
	if (r->nr < MAX_EVENTS) {
		r->events[r->nr] = range->event;
		r->owners[r->nr] = range->owner;
		r->nr++;
	}
	mutex_unlock(&r->lock);
	return true;
}

static const struct mmu_interval_notifier_ops recorder_ops = {
	.invalidate = recorder_invalidate,
};

static struct recorder *recorder_new(struct zd_task *task)
{
	struct recorder *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	mutex_init(&r->lock);
	assert_int_equal(mmu_interval_notifier_insert(&r->notifier, zd_task_mm(task), 0,
						      ULONG_MAX & PAGE_MASK, &recorder_ops), 0);
	return r;
}

static void recorder_free(struct recorder *r)
{
	mmu_interval_notifier_remove(&r->notifier);
	mutex_destroy(&r->lock);
	free(r);
}

/* How many @event notifications with @owner were seen. */
static int recorded(struct recorder *r, enum mmu_notifier_event event, void *owner)
{
	int i, n = 0;

	mutex_lock(&r->lock);
	for (i = 0; i < r->nr; i++)
		if (r->events[i] == event && r->owners[i] == owner)
			n++;
	mutex_unlock(&r->lock);
	return n;
}

static unsigned long map_anon(struct zd_task *task, unsigned long len, int prot, int flags)
{
	long a = zd_mmap(task, 0, len, prot, flags | MAP_ANONYMOUS, NULL, 0);

	assert_true(a > 0);
	return (unsigned long)a;
}

static void fill(struct zd_task *task, unsigned long addr, unsigned char v)
{
	unsigned char buf[PAGE_SIZE];

	memset(buf, v, sizeof(buf));
	assert_int_equal(zd_write(task, addr, buf, sizeof(buf)), sizeof(buf));
}

static bool holds(struct zd_task *task, unsigned long addr, unsigned char v)
{
	unsigned char buf[PAGE_SIZE];
	size_t i;

	if (zd_read(task, addr, buf, sizeof(buf)) != sizeof(buf))
		return false;
	for (i = 0; i < sizeof(buf); i++)
		if (buf[i] != v)
			return false;
	return true;
}

static pte_t pte_at(struct zd_task *task, unsigned long addr)
{
	pte_t *ptep = pte_offset_lockless(zd_task_mm(task), addr);

	return ptep ? ptep_get(ptep) : __pte(0);
}

static bool is_exclusive_at(struct zd_task *task, unsigned long addr, bool writable)
{
	pte_t pte = pte_at(task, addr);
	swp_entry_t entry;

	if (!is_swap_pte(pte))
		return false;
	entry = pte_to_swp_entry(pte);
	return is_device_exclusive_entry(entry) &&
	       is_writable_device_exclusive_entry(entry) == writable;
}

/* make_device_exclusive() as a driver calls it, under the mmap read lock. */
static struct page *make_exclusive(struct zd_task *task, unsigned long addr, void *owner,
				   struct folio **folio)
{
	struct mm_struct *mm = zd_task_mm(task);
	struct page *page;

	down_read(&mm->mmap_lock);
	page = make_device_exclusive(mm, addr, owner, folio);
	up_read(&mm->mmap_lock);
	return page;
}

/* ...and then maps it in the device, unlocks and puts it. */
static struct page *exclusive_done(struct zd_task *task, unsigned long addr, void *owner)
{
	struct folio *folio = NULL;
	struct page *page = make_exclusive(task, addr, owner, &folio);

	assert_false(IS_ERR(page));
	assert_ptr_equal(page_folio(page), folio);
	assert_true(folio_test_locked(folio));
	folio_unlock(folio);
	folio_put(folio);
	return page;
}

/* ------------------------------------------------------------------ */
/* make_device_exclusive() and the CPU taking the page back            */
/* ------------------------------------------------------------------ */

static void exclusive_basic(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, PG(2), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct recorder *rec = recorder_new(task);
	struct folio *folio = NULL;
	struct page *page;
	pte_t pte;

	fill(task, addr, 0x5a);
	/* An unaligned address means its page. */
	page = make_exclusive(task, addr + 123, OWNER, &folio);
	assert_false(IS_ERR(page));
	assert_ptr_equal(page_folio(page), folio);
	assert_true(folio_test_locked(folio));
	assert_true(folio_test_anon(folio));
	assert_true(is_exclusive_at(task, addr, true));
	assert_int_equal(swp_offset_pfn(pte_to_swp_entry(pte_at(task, addr))), page_to_pfn(page));
	/* The mapping's reference and mapcount stay; the caller holds one more. */
	assert_int_equal(folio_ref_count(folio), 2);
	assert_int_equal(page_mapcount(page), 1);
	assert_int_equal(recorded(rec, MMU_NOTIFY_EXCLUSIVE, OWNER), 1);
	assert_int_equal(recorded(rec, MMU_NOTIFY_EXCLUSIVE, NULL), 0);
	/* The write that made it present was dirty: the folio remembers. */
	assert_true(folio_test_dirty(folio));
	folio_unlock(folio);
	folio_put(folio);
	assert_int_equal(folio_ref_count(folio), 1);

	/* A CPU read revokes it: same page, writable again, mirrors told. */
	assert_true(holds(task, addr, 0x5a));
	pte = pte_at(task, addr);
	assert_true(pte_present(pte));
	assert_int_equal(pte_pfn(pte), page_to_pfn(page));
	assert_true(pte_write(pte));
	assert_int_equal(recorded(rec, MMU_NOTIFY_EXCLUSIVE, NULL), 1);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(page_mapcount(page), 1);
	recorder_free(rec);
	test_task_done(task);
}

static void exclusive_cpu_write(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, PG(4), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct recorder *rec = recorder_new(task);
	struct page *page;
	int i;

	for (i = 0; i < 4; i++)
		fill(task, addr + PG(i), (unsigned char)(0x10 + i));
	for (i = 0; i < 4; i++)
		exclusive_done(task, addr + PG(i), OWNER);
	for (i = 0; i < 4; i++)
		assert_true(is_exclusive_at(task, addr + PG(i), true));
	page = pfn_to_page(swp_offset_pfn(pte_to_swp_entry(pte_at(task, addr + PG(2)))));
	fill(task, addr + PG(2), 0x77);
	/* Only the page touched came back. */
	assert_true(pte_present(pte_at(task, addr + PG(2))));
	assert_int_equal(pte_pfn(pte_at(task, addr + PG(2))), page_to_pfn(page));
	assert_true(is_exclusive_at(task, addr + PG(1), true));
	assert_true(is_exclusive_at(task, addr + PG(3), true));
	assert_int_equal(recorded(rec, MMU_NOTIFY_EXCLUSIVE, OWNER), 4);
	assert_int_equal(recorded(rec, MMU_NOTIFY_EXCLUSIVE, NULL), 1);
	assert_true(holds(task, addr, 0x10));
	assert_true(holds(task, addr + PG(1), 0x11));
	assert_true(holds(task, addr + PG(2), 0x77));
	assert_true(holds(task, addr + PG(3), 0x13));
	assert_int_equal(recorded(rec, MMU_NOTIFY_EXCLUSIVE, NULL), 4);
	recorder_free(rec);
	test_task_done(task);
}

/* Faulting in breaks COW: a zero-page read or a shared COW page becomes ours. */
static void exclusive_breaks_cow(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, PG(2), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct page *page;
	struct zd_task *child;

	/* Never written: read maps the zero page; exclusive needs a real one. */
	assert_true(holds(task, addr, 0));
	page = exclusive_done(task, addr, OWNER);
	assert_false(page == NODE_DATA(env->nid)->zero_page);
	assert_true(PageAnonExclusive(page));
	assert_true(holds(task, addr, 0));

	/* A page shared with a child after fork: the parent gets its own copy. */
	fill(task, addr + PG(1), 0x42);
	child = zd_task_fork(task);
	assert_non_null(child);
	page = exclusive_done(task, addr + PG(1), OWNER);
	assert_int_equal(page_mapcount(page), 1);
	assert_true(PageAnonExclusive(page));
	assert_true(holds(child, addr + PG(1), 0x42));
	assert_true(holds(task, addr + PG(1), 0x42));
	test_task_done(child);
	test_task_done(task);
}

static void exclusive_errors(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	unsigned long rw = map_anon(task, PG(1), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	unsigned long ro = map_anon(task, PG(1), PROT_READ, MAP_PRIVATE);
	unsigned long none = map_anon(task, PG(1), PROT_NONE, MAP_PRIVATE);
	unsigned long shared = map_anon(task, PG(1), PROT_READ | PROT_WRITE, MAP_SHARED);
	struct folio *folio = NULL;
	struct page *page;

	fill(task, rw, 1);
	fill(task, shared, 2);
	assert_true(holds(task, ro, 0));
	assert_int_equal(PTR_ERR(make_exclusive(task, PG(1) << 20, OWNER, &folio)), -EFAULT);
	assert_int_equal(PTR_ERR(make_exclusive(task, ro, OWNER, &folio)), -EFAULT);
	assert_int_equal(PTR_ERR(make_exclusive(task, none, OWNER, &folio)), -EFAULT);
	/* Shared anonymous memory is shmem, not anonymous folios. */
	assert_int_equal(PTR_ERR(make_exclusive(task, shared, OWNER, &folio)), -EOPNOTSUPP);
	down_read(&mm->mmap_lock);
	assert_int_equal(PTR_ERR(make_device_exclusive(NULL, rw, OWNER, &folio)), -EINVAL);
	assert_int_equal(PTR_ERR(make_device_exclusive(mm, rw, OWNER, NULL)), -EINVAL);
	up_read(&mm->mmap_lock);
	assert_null(folio);

	/* Someone holds the folio lock: -EBUSY, nothing changed. */
	assert_int_equal(get_user_pages(mm, rw, 1, 0, &page), 1);
	lock_page(page);
	assert_int_equal(PTR_ERR(make_exclusive(task, rw, OWNER, &folio)), -EBUSY);
	assert_true(pte_present(pte_at(task, rw)));
	assert_int_equal(folio_ref_count(page_folio(page)), 2);
	unlock_page(page);
	put_page(page);
	assert_true(pte_present(pte_at(task, ro)));
	assert_true(pte_present(pte_at(task, shared)));
	assert_true(holds(task, rw, 1));
	assert_true(holds(task, shared, 2));
	test_task_done(task);
}

/* Making an exclusive page exclusive again (for another device) restores it first. */
static void exclusive_twice(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, PG(1), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct recorder *rec = recorder_new(task);
	struct page *a, *b;

	fill(task, addr, 9);
	a = exclusive_done(task, addr, OWNER);
	b = exclusive_done(task, addr, (void *)0xbee);
	assert_ptr_equal(a, b);
	assert_true(is_exclusive_at(task, addr, true));
	assert_int_equal(recorded(rec, MMU_NOTIFY_EXCLUSIVE, OWNER), 1);
	assert_int_equal(recorded(rec, MMU_NOTIFY_EXCLUSIVE, NULL), 1);
	assert_int_equal(recorded(rec, MMU_NOTIFY_EXCLUSIVE, (void *)0xbee), 1);
	assert_int_equal(folio_ref_count(page_folio(a)), 1);
	assert_int_equal(page_mapcount(a), 1);
	assert_true(holds(task, addr, 9));
	recorder_free(rec);
	test_task_done(task);
}

/* ------------------------------------------------------------------ */
/* GUP, hmm_range_fault, munmap, MADV_DONTNEED                         */
/* ------------------------------------------------------------------ */

static void exclusive_gup(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	unsigned long addr = map_anon(task, PG(2), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct recorder *rec = recorder_new(task);
	struct page *ex, *pages[2];

	fill(task, addr, 3);
	fill(task, addr + PG(1), 4);
	ex = exclusive_done(task, addr, OWNER);
	exclusive_done(task, addr + PG(1), OWNER);
	/* gup-fast cannot follow the entry; the slow path's fault restores it. */
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE, pages), 1);
	assert_ptr_equal(pages[0], ex);
	assert_true(pte_present(pte_at(task, addr)));
	assert_true(folio_maybe_dma_pinned(page_folio(ex)));
	unpin_user_page(pages[0]);
	assert_int_equal(get_user_pages(mm, addr + PG(1), 1, 0, pages), 1);
	assert_true(pte_present(pte_at(task, addr + PG(1))));
	assert_int_equal(folio_ref_count(page_folio(pages[0])), 2);
	put_page(pages[0]);
	assert_int_equal(recorded(rec, MMU_NOTIFY_EXCLUSIVE, NULL), 2);
	recorder_free(rec);
	test_task_done(task);
}

static int range_fault(struct recorder *rec, unsigned long start, unsigned long npages,
		       unsigned long default_flags, unsigned long *pfns)
{
	struct mm_struct *mm = rec->notifier.mm;
	struct hmm_range range = {
		.notifier = &rec->notifier,
		.start = start,
		.end = start + PG(npages),
		.hmm_pfns = pfns,
		.default_flags = default_flags,
	};
	int ret;

	do {
		range.notifier_seq = mmu_interval_read_begin(&rec->notifier);
		down_read(&mm->mmap_lock);
		ret = hmm_range_fault(&range);
		up_read(&mm->mmap_lock);
	} while (ret == -EBUSY);
	return ret;
}

static void exclusive_hmm_range(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, PG(2), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct recorder *rec = recorder_new(task);
	unsigned long pfns[2] = { 0, 0 };
	struct page *ex;

	fill(task, addr, 5);
	fill(task, addr + PG(1), 6);
	ex = exclusive_done(task, addr, OWNER);
	/* Snapshot mode: the entry is "not present but faultable". */
	assert_int_equal(range_fault(rec, addr, 2, 0, pfns), 0);
	assert_int_equal(pfns[0], 0);
	assert_true(pfns[1] & HMM_PFN_VALID);
	assert_true(is_exclusive_at(task, addr, true));
	/* A fault request takes it back. */
	pfns[0] = pfns[1] = 0;
	assert_int_equal(range_fault(rec, addr, 2, HMM_PFN_REQ_FAULT, pfns), 0);
	assert_int_equal(hmm_pfn_to_page(pfns[0]), ex);
	assert_true(pfns[0] & HMM_PFN_WRITE);
	assert_true(pte_present(pte_at(task, addr)));
	assert_int_equal(recorded(rec, MMU_NOTIFY_EXCLUSIVE, NULL), 1);
	recorder_free(rec);
	test_task_done(task);
}

static void exclusive_unmap(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, PG(3), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	unsigned long before;
	int i;

	for (i = 0; i < 3; i++) {
		fill(task, addr + PG(i), (unsigned char)i);
		exclusive_done(task, addr + PG(i), OWNER);
	}
	/* DONTNEED drops one like a mapping; the page reads back zero. */
	assert_int_equal(zd_madvise(task, addr, PG(1), MADV_DONTNEED), 0);
	assert_true(pte_none(pte_at(task, addr)));
	assert_true(holds(task, addr, 0));
	before = zd_nr_free_pages(env->sys);
	assert_int_equal(zd_munmap(task, addr + PG(1), PG(2)), 0);
	synchronize_rcu();
	rcu_barrier();
	/* Both pages freed (their table may stay). */
	assert_true(zd_nr_free_pages(env->sys) >= before + 2);
	test_task_done(task);
}

/* ------------------------------------------------------------------ */
/* fork and mprotect                                                   */
/* ------------------------------------------------------------------ */

static void exclusive_cow(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, PG(1), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct recorder *rec = recorder_new(task);
	struct zd_task *child;
	struct page *page;
	pte_t pte;

	fill(task, addr, 0x31);
	page = exclusive_done(task, addr, OWNER);
	child = zd_task_fork(task);
	assert_non_null(child);
	/* The parent's entry was restored and then shared copy-on-write. */
	pte = pte_at(task, addr);
	assert_true(pte_present(pte));
	assert_false(pte_write(pte));
	assert_int_equal(pte_pfn(pte_at(child, addr)), page_to_pfn(page));
	assert_int_equal(page_mapcount(page), 2);
	assert_false(PageAnonExclusive(page));
	assert_true(recorded(rec, MMU_NOTIFY_PROTECTION_PAGE, NULL) >= 1);
	/* Writes on either side copy; each sees its own data. */
	fill(child, addr, 0x32);
	assert_true(holds(task, addr, 0x31));
	fill(task, addr, 0x33);
	assert_true(holds(child, addr, 0x32));
	assert_true(holds(task, addr, 0x33));
	recorder_free(rec);
	test_task_done(child);
	test_task_done(task);
}

struct unlocker {
	struct folio *folio;
	atomic_t started;
};

static void *unlock_later(void *arg)
{
	struct unlocker *u = arg;

	atomic_set(&u->started, 1);
	usleep(20000);
	folio_unlock(u->folio);
	return NULL;
}

/* fork meets an entry whose folio the driver still holds locked: it waits. */
static void exclusive_fork_waits(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, PG(1), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct unlocker u = { 0 };
	struct zd_thread thread;
	struct zd_task *child;
	struct page *page;

	fill(task, addr, 0x61);
	page = make_exclusive(task, addr, OWNER, &u.folio);
	assert_false(IS_ERR(page));
	assert_int_equal(zd_thread_start(&thread, unlock_later, &u), 0);
	child = zd_task_fork(task);
	assert_non_null(child);
	zd_thread_join(&thread);
	assert_false(folio_test_locked(u.folio));
	assert_true(pte_present(pte_at(task, addr)));
	folio_put(u.folio);
	assert_true(holds(child, addr, 0x61));
	assert_true(holds(task, addr, 0x61));
	test_task_done(child);
	test_task_done(task);
}

static void exclusive_mprotect(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, PG(1), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct recorder *rec = recorder_new(task);
	struct zd_siginfo si;
	unsigned char v = 0x99;
	pte_t pte;

	fill(task, addr, 0x51);
	exclusive_done(task, addr, OWNER);
	assert_int_equal(zd_mprotect(task, addr, PG(1), PROT_READ), 0);
	assert_true(recorded(rec, MMU_NOTIFY_PROTECTION_VMA, NULL) >= 1);
	/* The entry stays, read-only now. */
	assert_true(is_exclusive_at(task, addr, false));
	assert_true(holds(task, addr, 0x51));
	pte = pte_at(task, addr);
	assert_true(pte_present(pte));
	assert_false(pte_write(pte));
	zd_task_clear_signals(task);
	assert_true(zd_write(task, addr, &v, 1) < 0);
	assert_int_equal(zd_task_signals(task, &si), 1);
	assert_int_equal(si.signo, SIGSEGV);
	/* Writable again: the page is still this mm's alone, so it is reused. */
	assert_int_equal(zd_mprotect(task, addr, PG(1), PROT_READ | PROT_WRITE), 0);
	assert_int_equal(zd_write(task, addr, &v, 1), 1);
	assert_int_equal(pte_pfn(pte_at(task, addr)), pte_pfn(pte));
	recorder_free(rec);
	test_task_done(task);
}

/* ------------------------------------------------------------------ */
/* FOLL_LONGTERM on device-coherent memory                             */
/* ------------------------------------------------------------------ */

/* Move one anonymous page to a coherent device page (data copied by the CPU). */
static struct page *to_coherent(struct zd_task *task, struct test_dev *dev, unsigned long addr)
{
	struct mm_struct *mm = zd_task_mm(task);
	unsigned long src = 0, dst = 0;
	struct migrate_vma args = {
		.start = addr,
		.end = addr + PAGE_SIZE,
		.src = &src,
		.dst = &dst,
		.pgmap_owner = dev,
		.flags = MIGRATE_VMA_SELECT_SYSTEM,
	};
	struct page *dpage;

	down_read(&mm->mmap_lock);
	args.vma = find_vma(mm, addr);
	assert_int_equal(migrate_vma_setup(&args), 0);
	assert_int_equal(args.cpages, 1);
	dpage = test_dev_alloc(dev);
	assert_non_null(dpage);
	memcpy(page_address(dpage), page_address(migrate_pfn_to_page(src)), PAGE_SIZE);
	dst = migrate_pfn(page_to_pfn(dpage)) | MIGRATE_PFN_WRITE;
	migrate_vma_pages(&args);
	assert_true(src & MIGRATE_PFN_MIGRATE);
	migrate_vma_finalize(&args);
	up_read(&mm->mmap_lock);
	assert_int_equal(pte_pfn(pte_at(task, addr)), page_to_pfn(dpage));
	return dpage;
}

static void coherent_longterm_pin(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	struct test_dev *dev = test_dev_create(env, MEMORY_DEVICE_COHERENT, SUBSECTION_SIZE, 0);
	unsigned long addr = map_anon(task, PG(3), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct page *d0, *d1, *d2, *pages[3];
	long frees;
	int refs;

	assert_int_equal(test_dev_map(dev, env->nid), 0);
	fill(task, addr, 0xc0);
	fill(task, addr + PG(1), 0xc1);
	fill(task, addr + PG(2), 0xc2);
	d0 = to_coherent(task, dev, addr);
	d1 = to_coherent(task, dev, addr + PG(1));
	d2 = to_coherent(task, dev, addr + PG(2));

	/* A short-term pin keeps the device page. */
	assert_int_equal(pin_user_pages(mm, addr + PG(2), 1, FOLL_WRITE, pages), 1);
	assert_ptr_equal(pages[0], d2);
	unpin_user_page(pages[0]);

	frees = atomic_long_read(&dev->page_free_calls);
	/* Slow path: the page moves to RAM, then the RAM page is pinned. */
	assert_int_equal(pin_user_pages(mm, addr, 1, FOLL_WRITE | FOLL_LONGTERM, pages), 1);
	assert_false(is_zone_device_page(pages[0]));
	assert_int_equal(pte_pfn(pte_at(task, addr)), page_to_pfn(pages[0]));
	assert_true(folio_maybe_dma_pinned(page_folio(pages[0])));
	assert_int_equal(memcmp(page_address(pages[0]), page_address(d0), PAGE_SIZE), 0);
	unpin_user_page(pages[0]);
	/* Fast path: falls back to the slow one, which migrates. */
	assert_int_equal(pin_user_pages_fast(mm, addr + PG(1), 1, FOLL_LONGTERM, pages), 1);
	assert_false(is_zone_device_page(pages[0]));
	unpin_user_page(pages[0]);
	assert_int_equal(atomic_long_read(&dev->page_free_calls), frees + 2);
	assert_true(holds(task, addr, 0xc0));
	assert_true(holds(task, addr + PG(1), 0xc1));
	(void)d1;

	/* Pinned already by someone else: the migration fails, -EBUSY. */
	assert_int_equal(pin_user_pages(mm, addr + PG(2), 1, 0, pages), 1);
	refs = folio_ref_count(page_folio(d2));
	assert_int_equal(pin_user_pages(mm, addr + PG(2), 1, FOLL_LONGTERM, pages + 1), -EBUSY);
	assert_int_equal(pte_pfn(pte_at(task, addr + PG(2))), page_to_pfn(d2));
	assert_int_equal(folio_ref_count(page_folio(d2)), refs);
	unpin_user_page(pages[0]);
	assert_true(holds(task, addr + PG(2), 0xc2));
	test_task_done(task);
	test_dev_destroy(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ZD_TEST_BOTH(exclusive_basic),
		ZD_TEST_BOTH(exclusive_cpu_write),
		ZD_TEST_BOTH(exclusive_breaks_cow),
		ZD_TEST_BOTH(exclusive_errors),
		ZD_TEST_BOTH(exclusive_twice),
		ZD_TEST_BOTH(exclusive_gup),
		ZD_TEST_BOTH(exclusive_hmm_range),
		ZD_TEST_BOTH(exclusive_unmap),
		ZD_TEST_BOTH(exclusive_cow),
		ZD_TEST_BOTH(exclusive_fork_waits),
		ZD_TEST_BOTH(exclusive_mprotect),
		ZD_TEST_BOTH(coherent_longterm_pin),
	};

	return ZD_RUN("exclusive", tests);
}
