// SPDX-License-Identifier: GPL-2.0-only
/*
 * migrate_vma_setup/pages/finalize: anonymous memory to device-private
 * memory and back through the CPU fault path, holes populated on the
 * device, pinned pages left alone, a driver giving up on some pages, owner
 * filtering and argument checks.
 *
 * The test device works like lib/test_hmm.c's dmirror: device-private
 * pages have no CPU address, so each is backed by a RAM page the "device"
 * reads and writes; its migrate_to_ram() migrates the faulting page back
 * with migrate_vma_*() and fault_page, as dmirror_devmem_fault() does.
 */
#include <stdlib.h>
#include <zonedev/migrate.h>
#include "zd_test.h"
#include "../mm/internal_mm.h"

#define PG(n)		((unsigned long)(n) * PAGE_SIZE)
#define DEV_SIZE	(2UL << 20)
#define MAX_PAGES	16

/* A device and the RAM that stands in for its memory. */
struct mdev {
	struct test_dev *dev;
	struct dev_pagemap_ops ops;
	unsigned long base_pfn;
	unsigned long nr;
	struct page **backing;
	int nid;
	atomic_long_t to_ram;
};

static struct mdev *mdevs[2];

static struct mdev *page_mdev(struct page *page)
{
	struct test_dev *dev = container_of(page_pgmap(page), struct test_dev, pgmap);
	int i;

	for (i = 0; i < 2; i++)
		if (mdevs[i] && mdevs[i]->dev == dev)
			return mdevs[i];
	return NULL;
}

/* The RAM behind a device page (allocated on first use). */
static void *dev_mem(struct page *dpage)
{
	struct mdev *md = page_mdev(dpage);
	unsigned long idx = page_to_pfn(dpage) - md->base_pfn;

	if (!md->backing[idx])
		md->backing[idx] = alloc_pages_node(md->nid, GFP_KERNEL | __GFP_ZERO, 0);
	return page_address(md->backing[idx]);
}

/* dmirror_devmem_fault(): migrate the faulting page back to RAM. */
static unsigned int mdev_migrate_to_ram(struct vm_fault *vmf)
{
	struct mdev *md = page_mdev(vmf->page);
	unsigned long src = 0, dst = 0;
	struct migrate_vma args = {
		.vma = vmf->vma,
		.start = vmf->address,
		.end = vmf->address + PAGE_SIZE,
		.src = &src,
		.dst = &dst,
		.pgmap_owner = md->dev,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		.fault_page = vmf->page,
	};
	struct page *spage, *dpage;

	if (migrate_vma_setup(&args))
		return VM_FAULT_SIGBUS;
	spage = migrate_pfn_to_page(src);
	if (spage && (src & MIGRATE_PFN_MIGRATE)) {
		dpage = alloc_pages_node(vmf->vma->vm_mm->nid, GFP_HIGHUSER_MOVABLE, 0);
		if (dpage) {
			lock_page(dpage);
			memcpy(page_address(dpage), dev_mem(spage), PAGE_SIZE);
			dst = migrate_pfn(page_to_pfn(dpage));
		}
	}
	migrate_vma_pages(&args);
	if (src & MIGRATE_PFN_MIGRATE)
		atomic_long_inc(&md->to_ram);
	migrate_vma_finalize(&args);
	return 0;
}

static struct mdev *mdev_new(struct zd_test_env *env, int slot)
{
	struct mdev *md = calloc(1, sizeof(*md));

	assert_non_null(md);
	md->dev = test_dev_create(env, MEMORY_DEVICE_PRIVATE, DEV_SIZE, 0);
	md->ops = test_dev_ops;
	md->ops.migrate_to_ram = mdev_migrate_to_ram;
	md->dev->pgmap.ops = &md->ops;
	assert_int_equal(test_dev_map(md->dev, env->nid), 0);
	md->base_pfn = PHYS_PFN(md->dev->pgmap.range.start);
	md->nr = DEV_SIZE >> PAGE_SHIFT;
	md->backing = calloc(md->nr, sizeof(*md->backing));
	assert_non_null(md->backing);
	md->nid = env->nid;
	mdevs[slot] = md;
	return md;
}

/* After the tasks went: every device page is back, the backing RAM goes. */
static void mdev_destroy(struct mdev *md, int slot)
{
	unsigned long i;

	for (i = 0; i < md->nr; i++)
		if (md->backing[i])
			__free_pages(md->backing[i], 0);
	free(md->backing);
	test_dev_destroy(md->dev);
	mdevs[slot] = NULL;
	free(md);
}

static unsigned long map_anon(struct zd_task *task, unsigned long len)
{
	long a = zd_mmap(task, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 NULL, 0);

	assert_true(a > 0);
	return (unsigned long)a;
}

static void fill(struct zd_task *task, unsigned long addr, unsigned char v)
{
	unsigned char buf[PAGE_SIZE];

	memset(buf, v, sizeof(buf));
	assert_int_equal(zd_write(task, addr, buf, PAGE_SIZE), PAGE_SIZE);
}

static void check(struct zd_task *task, unsigned long addr, unsigned char v)
{
	unsigned char buf[PAGE_SIZE];
	unsigned long i;

	assert_int_equal(zd_read(task, addr, buf, PAGE_SIZE), PAGE_SIZE);
	for (i = 0; i < PAGE_SIZE; i++)
		if (buf[i] != v)
			fail_msg("byte %lu of %#lx: %#x, expected %#x", i, addr, buf[i], v);
}

static pte_t pte_at(struct zd_task *task, unsigned long addr)
{
	pte_t *ptep = pte_offset_lockless(zd_task_mm(task), addr);

	return ptep ? ptep_get(ptep) : __pte(0);
}

/* The device page a device-private entry at @addr maps, or NULL. */
static struct page *dev_page_at(struct zd_task *task, unsigned long addr, bool *writable)
{
	pte_t pte = pte_at(task, addr);
	swp_entry_t entry;

	if (!is_swap_pte(pte))
		return NULL;
	entry = pte_to_swp_entry(pte);
	if (!is_device_private_entry(entry))
		return NULL;
	if (writable)
		*writable = is_writable_device_private_entry(entry);
	return pfn_swap_entry_to_page(entry);
}

static struct page *ram_page_at(struct zd_task *task, unsigned long addr)
{
	pte_t pte = pte_at(task, addr);

	if (!pte_present(pte) || pte_special(pte))
		return NULL;
	return pfn_to_page(pte_pfn(pte));
}

/* The driver's references on a device page it owns, by scheme. */
static int idle_refs(struct zd_test_env *env)
{
	return env->scheme == ZD_REFCOUNT_ELEVATED ? 1 : 0;
}

/*
 * dmirror_migrate_to_device(): select @flags pages of [addr, +n) owned by
 * @owner, give each selected entry a device page with a copy (or zeroes)
 * except those in @skip, and finish.  Returns cpages after setup.
 */
static unsigned long migrate_to_device(struct zd_task *task, struct mdev *md, unsigned long addr,
				       unsigned long n, unsigned long flags, void *owner,
				       unsigned long skip, unsigned long *src)
{
	struct mm_struct *mm = zd_task_mm(task);
	unsigned long dst[MAX_PAGES], i, cpages;
	struct migrate_vma args = {
		.start = addr,
		.end = addr + PG(n),
		.src = src,
		.dst = dst,
		.pgmap_owner = owner,
		.flags = flags,
	};

	down_read(&mm->mmap_lock);
	args.vma = find_vma(mm, addr);
	assert_int_equal(migrate_vma_setup(&args), 0);
	assert_int_equal(args.npages, n);
	cpages = args.cpages;
	for (i = 0; i < n; i++) {
		struct page *spage = migrate_pfn_to_page(src[i]), *dpage;

		assert_int_equal(dst[i], 0);
		if (!(src[i] & MIGRATE_PFN_MIGRATE) || (skip & (1UL << i)))
			continue;
		/* Selected pages are locked and unmapped until finalize. */
		if (spage) {
			assert_true(PageLocked(spage));
			assert_int_equal(page_mapcount(spage), 0);
		}
		dpage = test_dev_alloc(md->dev);
		assert_non_null(dpage);
		assert_true(PageLocked(dpage));
		if (spage)
			memcpy(dev_mem(dpage), page_address(spage), PAGE_SIZE);
		else
			memset(dev_mem(dpage), 0, PAGE_SIZE);
		dst[i] = migrate_pfn(page_to_pfn(dpage)) | MIGRATE_PFN_WRITE;
	}
	migrate_vma_pages(&args);
	migrate_vma_finalize(&args);
	up_read(&mm->mmap_lock);
	return cpages;
}

/* ------------------------------------------------------------------ */

/* To the device and back on CPU reads: data, counts, entries exact. */
static void to_device_and_back(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mdev *md = mdev_new(env, 0);
	unsigned long addr = map_anon(task, PG(4)), src[4], i;
	struct mm_struct *mm = zd_task_mm(task);
	long rss;

	for (i = 0; i < 4; i++)
		fill(task, addr + PG(i), (unsigned char)(0x10 + i));
	rss = atomic_long_read(&mm->rss_stat[MM_ANONPAGES]);
	assert_int_equal(migrate_to_device(task, md, addr, 4, MIGRATE_VMA_SELECT_SYSTEM, md->dev,
					   0, src), 4);
	for (i = 0; i < 4; i++) {
		bool writable = false;
		struct page *dpage = dev_page_at(task, addr + PG(i), &writable);

		assert_int_equal(src[i] & (MIGRATE_PFN_VALID | MIGRATE_PFN_MIGRATE |
					   MIGRATE_PFN_WRITE),
				 MIGRATE_PFN_VALID | MIGRATE_PFN_MIGRATE | MIGRATE_PFN_WRITE);
		assert_non_null(dpage);
		assert_true(writable);
		assert_false(PageLocked(dpage));
		assert_true(PageAnon(dpage));
		assert_true(test_bit(PG_anon_exclusive, &dpage->flags));
		assert_int_equal(page_mapcount(dpage), 1);
		assert_int_equal(page_ref_count(dpage), 1 + idle_refs(env));
		assert_int_equal(((unsigned char *)dev_mem(dpage))[7], 0x10 + i);
	}
	assert_int_equal(atomic_long_read(&mm->rss_stat[MM_ANONPAGES]), rss);
	assert_int_equal(atomic_long_read(&md->dev->page_free_calls), 0);

	/* CPU access faults each page back through migrate_to_ram(). */
	for (i = 0; i < 4; i++) {
		struct page *page;

		check(task, addr + PG(i), (unsigned char)(0x10 + i));
		page = ram_page_at(task, addr + PG(i));
		assert_non_null(page);
		assert_false(folio_is_zone_device(page_folio(page)));
		assert_true(pte_write(pte_at(task, addr + PG(i))));
		assert_true(test_bit(PG_anon_exclusive, &page->flags));
		assert_int_equal(page_mapcount(page), 1);
		assert_int_equal(page_ref_count(page), 1);
		assert_false(PageLocked(page));
	}
	assert_int_equal(atomic_long_read(&md->to_ram), 4);
	/* Every device page went back to the driver exactly once. */
	assert_int_equal(atomic_long_read(&md->dev->page_free_calls), 4);
	assert_int_equal(atomic_long_read(&mm->rss_stat[MM_ANONPAGES]), rss);
	/* A write after the trip back needs no further fault to the device. */
	fill(task, addr, 0x77);
	check(task, addr, 0x77);
	test_task_done(task);
	mdev_destroy(md, 0);
}

/* Holes and the zero page are selected without a page and populated. */
static void populate_holes(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mdev *md = mdev_new(env, 0);
	unsigned long addr = map_anon(task, PG(4)), src[4], i;
	struct mm_struct *mm = zd_task_mm(task);
	unsigned char c;

	fill(task, addr, 0x42);
	assert_int_equal(zd_read(task, addr + PG(1), &c, 1), 1);	/* the zero page */
	assert_int_equal(atomic_long_read(&mm->rss_stat[MM_ANONPAGES]), 1);
	assert_int_equal(migrate_to_device(task, md, addr, 4, MIGRATE_VMA_SELECT_SYSTEM, md->dev,
					   0, src), 4);
	assert_int_equal(src[0] & (MIGRATE_PFN_VALID | MIGRATE_PFN_MIGRATE),
			 MIGRATE_PFN_VALID | MIGRATE_PFN_MIGRATE);
	for (i = 1; i < 4; i++)
		assert_int_equal(src[i], MIGRATE_PFN_MIGRATE);
	for (i = 0; i < 4; i++) {
		bool writable = false;
		struct page *dpage = dev_page_at(task, addr + PG(i), &writable);

		assert_non_null(dpage);
		assert_true(writable);
		assert_int_equal(page_mapcount(dpage), 1);
		assert_int_equal(page_ref_count(dpage), 1 + idle_refs(env));
		assert_false(PageLocked(dpage));
	}
	assert_int_equal(atomic_long_read(&mm->rss_stat[MM_ANONPAGES]), 4);
	check(task, addr, 0x42);
	for (i = 1; i < 4; i++)
		check(task, addr + PG(i), 0);
	assert_int_equal(atomic_long_read(&md->dev->page_free_calls), 4);
	test_task_done(task);
	mdev_destroy(md, 0);
}

/* A pinned page is not migrated and stays mapped as it was. */
static void pinned_not_migrated(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mdev *md = mdev_new(env, 0);
	unsigned long addr = map_anon(task, PG(2)), src[2];
	struct mm_struct *mm = zd_task_mm(task);
	struct page *pinned, *page;
	pte_t before;
	int refs;

	fill(task, addr, 0x5a);
	fill(task, addr + PG(1), 0x5b);
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE, &pinned), 1);
	before = pte_at(task, addr);
	refs = page_ref_count(pinned);
	assert_int_equal(migrate_to_device(task, md, addr, 2, MIGRATE_VMA_SELECT_SYSTEM, md->dev,
					   0, src), 1);
	assert_int_equal(src[0], 0);
	assert_int_equal(pte_val(pte_at(task, addr)), pte_val(before));
	page = ram_page_at(task, addr);
	assert_ptr_equal(page, pinned);
	assert_int_equal(page_ref_count(pinned), refs);
	assert_int_equal(page_mapcount(pinned), 1);
	assert_true(test_bit(PG_anon_exclusive, &pinned->flags));
	assert_false(PageLocked(pinned));
	assert_non_null(dev_page_at(task, addr + PG(1), NULL));
	unpin_user_page(pinned);
	check(task, addr, 0x5a);
	check(task, addr + PG(1), 0x5b);
	test_task_done(task);
	mdev_destroy(md, 0);
}

/* Entries the driver leaves without a destination are put back untouched. */
static void empty_dst_aborts(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mdev *md = mdev_new(env, 0);
	unsigned long addr = map_anon(task, PG(4)), src[4], dst[4];
	struct mm_struct *mm = zd_task_mm(task);
	struct migrate_vma args;
	struct page *page1, *page;
	pte_t before, before3;

	fill(task, addr, 1);
	fill(task, addr + PG(1), 2);
	fill(task, addr + PG(2), 3);
	page1 = ram_page_at(task, addr + PG(1));
	before = pte_at(task, addr + PG(1));
	/* Page 1 and the hole at page 3 are given no destination. */
	assert_int_equal(migrate_to_device(task, md, addr, 4, MIGRATE_VMA_SELECT_SYSTEM, md->dev,
					   (1UL << 1) | (1UL << 3), src), 4);
	assert_int_equal(src[1] & MIGRATE_PFN_MIGRATE, 0);
	assert_int_equal(src[3] & MIGRATE_PFN_MIGRATE, 0);
	assert_non_null(dev_page_at(task, addr, NULL));
	assert_non_null(dev_page_at(task, addr + PG(2), NULL));
	/* Mapped again as it was: writable, exclusive, one mapping, unlocked. */
	assert_ptr_equal(ram_page_at(task, addr + PG(1)), page1);
	assert_true(pte_write(pte_at(task, addr + PG(1))));
	assert_int_equal(pte_val(pte_at(task, addr + PG(1))) & ~(_PAGE_ACCESSED | _PAGE_DIRTY),
			 pte_val(before) & ~(_PAGE_ACCESSED | _PAGE_DIRTY));
	assert_true(test_bit(PG_anon_exclusive, &page1->flags));
	assert_int_equal(page_mapcount(page1), 1);
	assert_int_equal(page_ref_count(page1), 1);
	assert_false(PageLocked(page1));
	assert_true(pte_none(pte_at(task, addr + PG(3))));

	/* Setup then finalize alone aborts everything. */
	before3 = pte_at(task, addr + PG(2));
	down_read(&mm->mmap_lock);
	memset(&args, 0, sizeof(args));
	args.vma = find_vma(mm, addr);
	args.start = addr;
	args.end = addr + PG(4);
	args.src = src;
	args.dst = dst;
	args.pgmap_owner = md->dev;
	args.flags = MIGRATE_VMA_SELECT_SYSTEM | MIGRATE_VMA_SELECT_DEVICE_PRIVATE;
	assert_int_equal(migrate_vma_setup(&args), 0);
	assert_int_equal(args.cpages, 4);
	page = migrate_pfn_to_page(src[2]);
	assert_true(is_device_private_page(page));
	assert_true(PageLocked(page));
	assert_int_equal(page_ref_count(page), 1 + idle_refs(env));	/* ours, not the entry's */
	migrate_vma_finalize(&args);
	up_read(&mm->mmap_lock);
	assert_int_equal(pte_val(pte_at(task, addr + PG(2))), pte_val(before3));
	assert_int_equal(page_ref_count(page), 1 + idle_refs(env));
	assert_int_equal(page_mapcount(page), 1);
	assert_true(test_bit(PG_anon_exclusive, &page->flags));
	assert_false(PageLocked(page));
	assert_int_equal(page_mapcount(page1), 1);
	assert_int_equal(page_ref_count(page1), 1);
	assert_int_equal(atomic_long_read(&md->dev->page_free_calls), 0);

	check(task, addr, 1);
	check(task, addr + PG(1), 2);
	check(task, addr + PG(2), 3);
	check(task, addr + PG(3), 0);
	assert_int_equal(atomic_long_read(&md->dev->page_free_calls), 2);
	test_task_done(task);
	mdev_destroy(md, 0);
}

/* Only the owner's device pages are selected; an abort restores them. */
static void owner_filtering(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mdev *a = mdev_new(env, 0), *b = mdev_new(env, 1);
	unsigned long addr = map_anon(task, PG(2)), src[2], dst[2];
	struct mm_struct *mm = zd_task_mm(task);
	struct migrate_vma args;
	struct page *pa, *pb;
	pte_t ea, eb;

	fill(task, addr, 0xa0);
	fill(task, addr + PG(1), 0xb0);
	assert_int_equal(migrate_to_device(task, a, addr, 1, MIGRATE_VMA_SELECT_SYSTEM, a->dev, 0,
					   src), 1);
	assert_int_equal(migrate_to_device(task, b, addr + PG(1), 1, MIGRATE_VMA_SELECT_SYSTEM,
					   b->dev, 0, src), 1);
	/* SELECT_SYSTEM alone does not pick up device pages. */
	assert_int_equal(migrate_to_device(task, a, addr, 2, MIGRATE_VMA_SELECT_SYSTEM, a->dev, 0,
					   src), 0);
	pa = dev_page_at(task, addr, NULL);
	pb = dev_page_at(task, addr + PG(1), NULL);
	ea = pte_at(task, addr);
	eb = pte_at(task, addr + PG(1));

	down_read(&mm->mmap_lock);
	memset(&args, 0, sizeof(args));
	args.vma = find_vma(mm, addr);
	args.start = addr;
	args.end = addr + PG(2);
	args.src = src;
	args.dst = dst;
	args.pgmap_owner = a->dev;
	args.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE;
	assert_int_equal(migrate_vma_setup(&args), 0);
	assert_int_equal(args.cpages, 1);
	assert_int_equal(src[0], migrate_pfn(page_to_pfn(pa)) | MIGRATE_PFN_MIGRATE |
			 MIGRATE_PFN_WRITE);
	assert_int_equal(src[1], 0);
	assert_int_equal(pte_val(pte_at(task, addr + PG(1))), pte_val(eb));
	migrate_vma_pages(&args);	/* no dst: nothing moves */
	assert_int_equal(src[0] & MIGRATE_PFN_MIGRATE, 0);
	migrate_vma_finalize(&args);
	up_read(&mm->mmap_lock);
	assert_int_equal(pte_val(pte_at(task, addr)), pte_val(ea));
	assert_int_equal(page_ref_count(pa), 1 + idle_refs(env));
	assert_int_equal(page_mapcount(pa), 1);
	assert_int_equal(page_ref_count(pb), 1 + idle_refs(env));
	assert_int_equal(page_mapcount(pb), 1);
	assert_false(PageLocked(pa));

	check(task, addr, 0xa0);
	check(task, addr + PG(1), 0xb0);
	assert_int_equal(atomic_long_read(&a->to_ram), 1);
	assert_int_equal(atomic_long_read(&b->to_ram), 1);
	test_task_done(task);
	mdev_destroy(b, 1);
	mdev_destroy(a, 0);
}

/* Bad arguments: -EINVAL and nothing touched. */
static void bad_args(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mdev *md = mdev_new(env, 0);
	unsigned long addr = map_anon(task, PG(4)), src[8], dst[8], i;
	struct mm_struct *mm = zd_task_mm(task);
	struct vm_area_struct *vma;
	struct page *ram, *dpage;
	struct migrate_vma args;
	pte_t before;

	fill(task, addr, 9);
	ram = ram_page_at(task, addr);
	before = pte_at(task, addr);
	dpage = test_dev_alloc(md->dev);	/* locked */
	down_read(&mm->mmap_lock);
	vma = find_vma(mm, addr);

#define TRY(field_setup)						\
	do {								\
		memset(&args, 0, sizeof(args));				\
		args.vma = vma;						\
		args.start = addr;					\
		args.end = addr + PG(4);				\
		args.src = src;						\
		args.dst = dst;						\
		args.pgmap_owner = md->dev;				\
		args.flags = MIGRATE_VMA_SELECT_SYSTEM;			\
		field_setup;						\
		memset(src, 0xa5, sizeof(src));				\
		memset(dst, 0xa5, sizeof(dst));				\
		assert_int_equal(migrate_vma_setup(&args), -EINVAL);	\
		for (i = 0; i < 8; i++) {				\
			assert_int_equal(src[i], 0xa5a5a5a5a5a5a5a5UL);	\
			assert_int_equal(dst[i], 0xa5a5a5a5a5a5a5a5UL);	\
		}							\
		assert_int_equal(args.cpages, 0);			\
		assert_int_equal(args.npages, 0);			\
	} while (0)

	TRY(args.vma = NULL);
	TRY(args.end = args.start);
	TRY(args.end = args.start - PG(1));
	TRY(args.start = addr - PG(1); args.end = addr + PG(1));
	TRY(args.start = vma->vm_end; args.end = vma->vm_end + PG(1));
	TRY(args.end = vma->vm_end + PG(1));
	TRY(args.src = NULL);
	TRY(args.dst = NULL);
	TRY(args.fault_page = ram);
	unlock_page(dpage);
	TRY(args.fault_page = dpage);	/* device-private but not locked */
#undef TRY
	up_read(&mm->mmap_lock);

	assert_int_equal(pte_val(pte_at(task, addr)), pte_val(before));
	assert_int_equal(page_ref_count(ram), 1);
	assert_int_equal(page_mapcount(ram), 1);
	assert_false(PageLocked(ram));
	put_page(dpage);
	assert_int_equal(atomic_long_read(&md->dev->page_free_calls), 1);
	check(task, addr, 9);
	test_task_done(task);
	mdev_destroy(md, 0);
}

/* ------------------------------------------------------------------ */
/* Concurrent: CPU accesses racing migrations to the device            */
/* ------------------------------------------------------------------ */

#define RACE_PAGES	4
#define RACE_ROUNDS	200

struct race {
	struct zd_task *task;
	unsigned long addr;
	atomic_long_t errors;
	atomic_t stop;
};

static void *race_cpu(void *arg)
{
	struct race *r = arg;
	unsigned char v;
	unsigned long n = 0;

	while (!atomic_read(&r->stop)) {
		unsigned long i = n++ % RACE_PAGES;

		if (zd_read(r->task, r->addr + PG(i), &v, 1) != 1 || v != 0x30 + i)
			atomic_long_inc(&r->errors);
	}
	return NULL;
}

static void race_with_cpu(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mdev *md = mdev_new(env, 0);
	unsigned long src[RACE_PAGES], i, migrated = 0;
	struct race r = { .task = task };
	pthread_t thread;
	int round;

	r.addr = map_anon(task, PG(RACE_PAGES));
	for (i = 0; i < RACE_PAGES; i++)
		fill(task, r.addr + PG(i), (unsigned char)(0x30 + i));
	atomic_long_set(&r.errors, 0);
	atomic_set(&r.stop, 0);
	assert_int_equal(pthread_create(&thread, NULL, race_cpu, &r), 0);
	for (round = 0; round < RACE_ROUNDS; round++)
		migrated += migrate_to_device(task, md, r.addr, RACE_PAGES,
					      MIGRATE_VMA_SELECT_SYSTEM, md->dev, 0, src);
	atomic_set(&r.stop, 1);
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_int_equal(atomic_long_read(&r.errors), 0);
	assert_true(migrated > 0);
	for (i = 0; i < RACE_PAGES; i++)
		check(task, r.addr + PG(i), (unsigned char)(0x30 + i));
	test_task_done(task);
	/* Every page that went to the device came back or was freed with the mm. */
	assert_int_equal(atomic_long_read(&md->dev->page_free_calls),
			 atomic_long_read(&md->dev->pgmap.nr_page_init));
	mdev_destroy(md, 0);
}

/*
 * The driver side of an eviction: a RAM copy for each collected page
 * except @skip, then pages() and finalize().  Returns the pages
 * that moved.
 */
static unsigned long evict(struct zd_task *task, unsigned long *src, unsigned long n,
			   struct page *skip)
{
	unsigned long *dst = calloc(n, sizeof(*dst)), i, moved = 0;

	assert_non_null(dst);
	for (i = 0; i < n; i++) {
		struct page *spage = migrate_pfn_to_page(src[i]), *dpage;

		if (!spage || !(src[i] & MIGRATE_PFN_MIGRATE) || spage == skip)
			continue;
		assert_true(PageLocked(spage));
		assert_int_equal(page_mapcount(spage), 0);
		dpage = alloc_pages_node(zd_task_mm(task)->nid, GFP_HIGHUSER_MOVABLE, 0);
		assert_non_null(dpage);
		lock_page(dpage);
		memcpy(page_address(dpage), dev_mem(spage), PAGE_SIZE);
		dst[i] = migrate_pfn(page_to_pfn(dpage));
	}
	migrate_device_pages(src, dst, n);
	for (i = 0; i < n; i++)
		if (src[i] & MIGRATE_PFN_MIGRATE)
			moved++;
	migrate_device_finalize(src, dst, n);
	free(dst);
	return moved;
}

/* Everything on the device comes back with migrate_device_range(). */
static void evict_range(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mdev *md = mdev_new(env, 0);
	unsigned long addr = map_anon(task, PG(4)), src[4], *dsrc, i, n = 0;
	struct page *kept, *dpage;
	pte_t before;

	for (i = 0; i < 4; i++)
		fill(task, addr + PG(i), (unsigned char)(0x40 + i));
	assert_int_equal(migrate_to_device(task, md, addr, 4, MIGRATE_VMA_SELECT_SYSTEM, md->dev,
					   0, src), 4);
	/* An allocated page nobody maps yet, and free pages around them. */
	dpage = test_dev_alloc(md->dev);
	assert_non_null(dpage);
	unlock_page(dpage);
	kept = dev_page_at(task, addr + PG(2), NULL);
	before = pte_at(task, addr + PG(2));

	dsrc = calloc(md->nr, sizeof(*dsrc));
	assert_non_null(dsrc);
	assert_int_equal(migrate_device_range(dsrc, md->base_pfn, md->nr), 0);
	for (i = 0; i < md->nr; i++) {
		struct page *page = migrate_pfn_to_page(dsrc[i]);

		if (!page)
			continue;
		n++;
		assert_true(dsrc[i] & MIGRATE_PFN_MIGRATE);
		assert_ptr_not_equal(page, dpage);	/* unmapped: not migrated */
		assert_int_equal(page_ref_count(page), 1 + idle_refs(env));	/* ours */
	}
	assert_int_equal(n, 4);
	/* Unmapped: migration entries in place of the device-private ones. */
	for (i = 0; i < 4; i++)
		assert_true(is_migration_entry(pte_to_swp_entry(pte_at(task, addr + PG(i)))));
	/* Page 2 gets no destination: restored exactly. */
	assert_int_equal(evict(task, dsrc, md->nr, kept), 3);
	assert_int_equal(pte_val(pte_at(task, addr + PG(2))), pte_val(before));
	assert_ptr_equal(dev_page_at(task, addr + PG(2), NULL), kept);
	assert_int_equal(page_mapcount(kept), 1);
	assert_int_equal(page_ref_count(kept), 1 + idle_refs(env));
	assert_true(test_bit(PG_anon_exclusive, &kept->flags));
	assert_false(PageLocked(kept));
	assert_int_equal(atomic_long_read(&md->dev->page_free_calls), 3);
	for (i = 0; i < 4; i++) {
		if (i == 2)
			continue;
		assert_non_null(ram_page_at(task, addr + PG(i)));
		assert_int_equal(page_mapcount(ram_page_at(task, addr + PG(i))), 1);
		assert_int_equal(page_ref_count(ram_page_at(task, addr + PG(i))), 1);
	}
	/* Again, with every destination: nothing of the task stays. */
	assert_int_equal(migrate_device_range(dsrc, md->base_pfn, md->nr), 0);
	assert_int_equal(evict(task, dsrc, md->nr, NULL), 1);
	for (i = 0; i < 4; i++) {
		assert_non_null(ram_page_at(task, addr + PG(i)));
		check(task, addr + PG(i), (unsigned char)(0x40 + i));
	}
	assert_int_equal(atomic_long_read(&md->to_ram), 0);
	put_page(dpage);
	assert_int_equal(atomic_long_read(&md->dev->page_free_calls),
			 atomic_long_read(&md->dev->pgmap.nr_page_init));
	free(dsrc);
	assert_int_equal(zd_memunmap_pages_timeout(&md->dev->pgmap, 2000, stderr), 0);
	test_task_done(task);
	mdev_destroy(md, 0);
}

/* After fork: a device page both map is evicted from both; pfns subset. */
static void evict_after_fork(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env), *child;
	struct mdev *md = mdev_new(env, 0);
	unsigned long addr = map_anon(task, PG(2)), src[2], pfns[1];
	struct page *shared, *other, *ram;

	fill(task, addr, 0x51);
	fill(task, addr + PG(1), 0x52);
	assert_int_equal(migrate_to_device(task, md, addr, 2, MIGRATE_VMA_SELECT_SYSTEM, md->dev,
					   0, src), 2);
	child = zd_task_fork(task);
	assert_false(IS_ERR_OR_NULL(child));
	shared = dev_page_at(task, addr, NULL);
	other = dev_page_at(task, addr + PG(1), NULL);
	assert_ptr_equal(dev_page_at(child, addr, NULL), shared);
	assert_int_equal(page_mapcount(shared), 2);

	/* Only the first page: the second stays on the device. */
	pfns[0] = page_to_pfn(shared);
	assert_int_equal(migrate_device_pfns(pfns, 1), 0);
	assert_true(is_migration_entry(pte_to_swp_entry(pte_at(task, addr))));
	assert_true(is_migration_entry(pte_to_swp_entry(pte_at(child, addr))));
	assert_int_equal(evict(task, pfns, 1, NULL), 1);
	ram = ram_page_at(task, addr);
	assert_non_null(ram);
	assert_ptr_equal(ram_page_at(child, addr), ram);
	assert_int_equal(page_mapcount(ram), 2);
	assert_int_equal(page_ref_count(ram), 2);
	assert_false(test_bit(PG_anon_exclusive, &ram->flags));
	assert_ptr_equal(dev_page_at(task, addr + PG(1), NULL), other);
	assert_ptr_equal(dev_page_at(child, addr + PG(1), NULL), other);
	assert_int_equal(atomic_long_read(&md->dev->page_free_calls), 1);
	check(task, addr, 0x51);
	check(child, addr, 0x51);
	fill(child, addr, 0x61);	/* COW: the parent keeps its data */
	check(task, addr, 0x51);

	test_task_done(child);
	test_task_done(task);
	assert_int_equal(atomic_long_read(&md->dev->page_free_calls),
			 atomic_long_read(&md->dev->pgmap.nr_page_init));
	mdev_destroy(md, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ZD_TEST_BOTH(to_device_and_back),
		ZD_TEST_BOTH(populate_holes),
		ZD_TEST_BOTH(pinned_not_migrated),
		ZD_TEST_BOTH(empty_dst_aborts),
		ZD_TEST_BOTH(owner_filtering),
		ZD_TEST_BOTH(bad_args),
		ZD_TEST_BOTH(race_with_cpu),
		ZD_TEST_BOTH(evict_range),
		ZD_TEST_BOTH(evict_after_fork),
	};

	return ZD_RUN("migrate", tests);
}
