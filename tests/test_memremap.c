// SPDX-License-Identifier: GPL-2.0-only
/*
 * memremap_pages()/memunmap_pages(), get_dev_pagemap(), and the refcount
 * life of device pages per memory type, under both schemes: the contents of
 * spec/zone_device_core.md §2-4 and §6-7, one assertion at a time.
 */
#include <stdlib.h>
#include <unistd.h>
#include "zd_test.h"

#define DEV_SIZE	(4UL << 20)

static const enum memory_type all_types[] = {
	MEMORY_DEVICE_PRIVATE, MEMORY_DEVICE_COHERENT, MEMORY_DEVICE_FS_DAX,
	MEMORY_DEVICE_GENERIC, MEMORY_DEVICE_PCI_P2PDMA,
};

static bool scheme_elevated(struct zd_test_env *env)
{
	return env->scheme == ZD_REFCOUNT_ELEVATED;
}

/* What an unused device page's refcount is, by scheme and type. */
static int idle_ref(struct zd_test_env *env, enum memory_type type)
{
	if (scheme_elevated(env))
		return 1;
	return type == MEMORY_DEVICE_GENERIC ? 1 : 0;
}

static unsigned long dev_pfn(struct test_dev *dev, unsigned long i)
{
	return PHYS_PFN(dev->pgmap.range.start) + i;
}

static struct test_dev *mapped_dev(struct zd_test_env *env, enum memory_type type,
				   unsigned long size, unsigned int shift)
{
	struct test_dev *dev = test_dev_create(env, type, size, shift);

	assert_int_equal(test_dev_map(dev, env->nid), 0);
	return dev;
}

/* ------------------------------------------------------------------ */

static void memremap_each_type(void **state)
{
	struct zd_test_env *env = *state;
	unsigned int t;

	for (t = 0; t < ARRAY_SIZE(all_types); t++) {
		struct test_dev *dev = mapped_dev(env, all_types[t], DEV_SIZE, 0);
		unsigned long pfn = dev_pfn(dev, 7);
		struct page *page = pfn_to_page(pfn);
		struct dev_pagemap *found;

		assert_true(pfn_valid(pfn));
		assert_true(is_zone_device_page(page));
		assert_int_equal(page_to_nid(page), env->nid);
		assert_ptr_equal(page_pgmap(page), &dev->pgmap);
		assert_true(PageReserved(page));
		assert_int_equal(page_mapcount(page), 0);
		assert_int_equal(page_ref_count(page), idle_ref(env, all_types[t]));
		assert_int_equal(zd_node_stat(env->sys, NR_PGMAP_LIVE), 1);

		found = get_dev_pagemap(pfn);
		assert_ptr_equal(found, &dev->pgmap);
		put_dev_pagemap(found);
		assert_null(get_dev_pagemap(dev_pfn(dev, PHYS_PFN(DEV_SIZE))));

		memunmap_pages(&dev->pgmap);
		assert_int_equal(dev->pgmap.state, ZD_PGMAP_UNUSED);
		assert_null(get_dev_pagemap(pfn));
		assert_false(pfn_valid(pfn));
		assert_int_equal(zd_node_stat(env->sys, NR_PGMAP_LIVE), 0);
		test_dev_destroy(dev);
	}
	assert_int_equal(zd_vm_event(env->sys, PGMAP_REMAP), ARRAY_SIZE(all_types));
	assert_int_equal(zd_vm_event(env->sys, PGMAP_UNMAP), ARRAY_SIZE(all_types));
}

/* CPU-addressable types have real memory behind the direct map. */
static void memremap_direct_map(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = test_dev_create(env, MEMORY_DEVICE_COHERENT, DEV_SIZE, 0);
	char *addr = memremap_pages(&dev->pgmap, env->nid);
	struct page *page;

	assert_false(IS_ERR(addr));
	page = pfn_to_page(dev_pfn(dev, 3));
	assert_ptr_equal(page_address(page), addr + 3 * PAGE_SIZE);
	memset(page_address(page), 0xa5, PAGE_SIZE);
	assert_int_equal(((unsigned char *)addr)[3 * PAGE_SIZE + 17], 0xa5);
	assert_ptr_equal(virt_to_page(addr + 3 * PAGE_SIZE + 5), page);
	test_dev_destroy(dev);
}

/* Expect memremap_pages(@pgmap) to fail with @err and change nothing. */
static void expect_refused(struct zd_test_env *env, struct dev_pagemap *pgmap, int nid, int err)
{
	unsigned long live = zd_node_stat(env->sys, NR_PGMAP_LIVE);
	bool lookup = pgmap && pgmap->nr_range >= 1 && pgmap->range.end >= pgmap->range.start &&
		      pgmap->range.end < (1ULL << MAX_PHYSMEM_BITS);
	struct dev_pagemap *before = NULL, *after;
	void *ret;

	if (lookup) {
		before = get_dev_pagemap(PHYS_PFN(pgmap->range.start));
		put_dev_pagemap(before);
	}
	ret = memremap_pages(pgmap, nid);
	assert_true(IS_ERR(ret));
	assert_int_equal(PTR_ERR(ret), err);
	assert_int_equal(zd_node_stat(env->sys, NR_PGMAP_LIVE), live);
	if (pgmap)
		assert_int_equal(pgmap->state, ZD_PGMAP_UNUSED);
	if (lookup) {
		after = get_dev_pagemap(PHYS_PFN(pgmap->range.start));
		assert_ptr_equal(after, before);
		put_dev_pagemap(after);
	}
}

static void memremap_bad_input(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = test_dev_create(env, MEMORY_DEVICE_PRIVATE, DEV_SIZE, 0);
	struct dev_pagemap *pgmap = &dev->pgmap;
	struct dev_pagemap_ops no_migrate = { .page_free = test_dev_ops.page_free };
	struct dev_pagemap_ops no_free = { .migrate_to_ram = test_dev_ops.migrate_to_ram };
	struct dev_pagemap saved = *pgmap;
	struct page *ram;

	expect_refused(env, NULL, env->nid, -EINVAL);
	expect_refused(env, pgmap, -1, -EINVAL);
	expect_refused(env, pgmap, MAX_NUMNODES, -EINVAL);
	expect_refused(env, pgmap, env->nid + 1, -EINVAL);	/* no such node */

	pgmap->nr_range = 0;
	expect_refused(env, pgmap, env->nid, -EINVAL);
	*pgmap = saved;

	pgmap->range.end = pgmap->range.start - 1;		/* zero length */
	expect_refused(env, pgmap, env->nid, -EINVAL);
	*pgmap = saved;

	pgmap->range.start += PAGE_SIZE;			/* unaligned start */
	expect_refused(env, pgmap, env->nid, -EINVAL);
	*pgmap = saved;

	pgmap->range.end = pgmap->range.start + 3 * PAGE_SIZE - 1;	/* unaligned size */
	expect_refused(env, pgmap, env->nid, -EINVAL);
	*pgmap = saved;

	pgmap->range.start = 1ULL << MAX_PHYSMEM_BITS;		/* beyond physical memory */
	pgmap->range.end = pgmap->range.start + DEV_SIZE - 1;
	expect_refused(env, pgmap, env->nid, -EINVAL);
	*pgmap = saved;

	pgmap->ops = &no_migrate;				/* PRIVATE needs migrate_to_ram */
	expect_refused(env, pgmap, env->nid, -EINVAL);
	pgmap->ops = &no_free;					/* and page_free */
	expect_refused(env, pgmap, env->nid, -EINVAL);
	pgmap->ops = NULL;
	expect_refused(env, pgmap, env->nid, -EINVAL);
	*pgmap = saved;
	pgmap->owner = NULL;					/* and an owner */
	expect_refused(env, pgmap, env->nid, -EINVAL);
	*pgmap = saved;

	pgmap->type = MEMORY_DEVICE_COHERENT;			/* COHERENT: page_free, owner */
	pgmap->ops = NULL;
	expect_refused(env, pgmap, env->nid, -EINVAL);
	pgmap->ops = &no_free;
	expect_refused(env, pgmap, env->nid, -EINVAL);
	*pgmap = saved;

	pgmap->type = 0;					/* reserved: uninitialised */
	expect_refused(env, pgmap, env->nid, -EINVAL);
	pgmap->type = 99;
	expect_refused(env, pgmap, env->nid, -EINVAL);
	*pgmap = saved;

	pgmap->type = MEMORY_DEVICE_GENERIC;
	pgmap->vmemmap_shift = MAX_FOLIO_ORDER + 1;
	expect_refused(env, pgmap, env->nid, -EINVAL);
	pgmap->vmemmap_shift = 11;				/* 8 MiB pages in 4 MiB */
	expect_refused(env, pgmap, env->nid, -EINVAL);
	*pgmap = saved;

	/* System RAM is never device memory: -ENXIO. */
	ram = alloc_pages_node(env->nid, GFP_KERNEL, 0);
	assert_non_null(ram);
	pgmap->range.start = ALIGN_DOWN(PFN_PHYS(page_to_pfn(ram)), SUBSECTION_SIZE);
	pgmap->range.end = pgmap->range.start + SUBSECTION_SIZE - 1;
	expect_refused(env, pgmap, env->nid, -ENXIO);
	__free_pages(ram, 0);
	*pgmap = saved;

	/* After all that, the same pgmap maps. */
	assert_int_equal(test_dev_map(dev, env->nid), 0);
	/* A mapped pgmap cannot be mapped again. */
	assert_int_equal(PTR_ERR(memremap_pages(pgmap, env->nid)), -EBUSY);
	test_dev_destroy(dev);
}

/* Any overlap with a live pgmap, even in the middle, is refused up front. */
static void memremap_overlap(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *a = mapped_dev(env, MEMORY_DEVICE_GENERIC, 8 * SUBSECTION_SIZE, 0);
	struct dev_pagemap *b = calloc(1, sizeof(*b) + 2 * sizeof(struct range));
	uint64_t base = a->pgmap.range.start;

	assert_non_null(b);
	b->type = MEMORY_DEVICE_FS_DAX;
	b->nr_range = 1;
	b->range.start = base + 2 * SUBSECTION_SIZE;		/* strictly inside */
	b->range.end = base + 4 * SUBSECTION_SIZE - 1;
	expect_refused(env, b, env->nid, -ENOMEM);
	b->range.start = base + 6 * SUBSECTION_SIZE;		/* across the end */
	b->range.end = base + 10 * SUBSECTION_SIZE - 1;
	expect_refused(env, b, env->nid, -ENOMEM);
	/* Two ranges of one pgmap overlapping each other. */
	b->nr_range = 2;
	b->ranges[0].start = base + 16 * SUBSECTION_SIZE;
	b->ranges[0].end = base + 18 * SUBSECTION_SIZE - 1;
	b->ranges[1].start = base + 17 * SUBSECTION_SIZE;
	b->ranges[1].end = base + 19 * SUBSECTION_SIZE - 1;
	assert_int_equal(PTR_ERR(memremap_pages(b, env->nid)), -ENOMEM);
	/* The first pgmap is untouched by all of it. */
	assert_ptr_equal(page_pgmap(pfn_to_page(dev_pfn(a, 2 * PAGES_PER_SUBSECTION))), &a->pgmap);
	assert_int_equal(zd_node_stat(env->sys, NR_PGMAP_LIVE), 1);
	free(b);
	test_dev_destroy(a);
}

static void memremap_multi_range(void **state)
{
	struct zd_test_env *env = *state;
	struct resource *res = zd_request_device_memory(8 * SUBSECTION_SIZE, "multi",
						       IORES_DESC_NONE, -2, 0);
	struct dev_pagemap *pgmap = calloc(1, sizeof(*pgmap) + 2 * sizeof(struct range));
	unsigned long pfn0, pfn1;

	assert_false(IS_ERR(res));
	assert_non_null(pgmap);
	pgmap->type = MEMORY_DEVICE_FS_DAX;
	pgmap->nr_range = 2;
	pgmap->ranges[0].start = res->start;
	pgmap->ranges[0].end = res->start + SUBSECTION_SIZE - 1;
	pgmap->ranges[1].start = res->start + 4 * SUBSECTION_SIZE;
	pgmap->ranges[1].end = res->start + 6 * SUBSECTION_SIZE - 1;
	assert_false(IS_ERR(memremap_pages(pgmap, env->nid)));
	assert_int_equal(pgmap->nr_range, 2);

	pfn0 = PHYS_PFN(pgmap->ranges[0].start) + 1;
	pfn1 = PHYS_PFN(pgmap->ranges[1].end);
	assert_ptr_equal(page_pgmap(pfn_to_page(pfn0)), pgmap);
	assert_ptr_equal(page_pgmap(pfn_to_page(pfn1)), pgmap);
	assert_true(pgmap_pfn_valid(pgmap, pfn1));
	/* The hole between the ranges belongs to nobody. */
	assert_false(pfn_valid(PHYS_PFN(res->start + 2 * SUBSECTION_SIZE)));
	assert_null(get_dev_pagemap(PHYS_PFN(res->start + 2 * SUBSECTION_SIZE)));
	assert_false(pgmap_pfn_valid(pgmap, PHYS_PFN(res->start + 2 * SUBSECTION_SIZE)));
	/* One map-time reference per page of both ranges (FS_DAX). */
	assert_int_equal(percpu_ref_read(&pgmap->ref), 1 + 3 * PAGES_PER_SUBSECTION);

	memunmap_pages(pgmap);
	assert_false(pfn_valid(pfn0));
	assert_false(pfn_valid(pfn1));
	zd_release_mem_region(res);
	free(pgmap);
}

/* The altmap's reserve and memmap pfns are in the range but not device pages. */
static void memremap_altmap(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = test_dev_create(env, MEMORY_DEVICE_GENERIC, DEV_SIZE, 0);
	struct dev_pagemap *pgmap = &dev->pgmap;
	unsigned long base = PHYS_PFN(pgmap->range.start), first;

	pgmap->flags = PGMAP_ALTMAP_VALID;
	pgmap->altmap.base_pfn = base;
	pgmap->altmap.end_pfn = base + PHYS_PFN(DEV_SIZE) - 1;
	pgmap->altmap.reserve = 16;
	pgmap->altmap.free = 48;
	assert_false(IS_ERR(memremap_pages(pgmap, env->nid)));
	first = base + 64;

	assert_false(pgmap_pfn_valid(pgmap, base));
	assert_false(pgmap_pfn_valid(pgmap, first - 1));
	assert_true(pgmap_pfn_valid(pgmap, first));
	assert_ptr_equal(page_pgmap(pfn_to_page(first)), pgmap);
	/* 1024 pages need 16 pages of memmap, all carved from the altmap. */
	assert_int_equal(pgmap->altmap.alloc, 16);
	/* The memmap's own pfns: reserved device pages at 1, no pgmap. */
	assert_true(PageReserved(pfn_to_page(base + 16)));
	assert_true(is_zone_device_page(pfn_to_page(base + 63)));
	assert_int_equal(page_ref_count(pfn_to_page(base + 63)), 1);
	/* One map-time reference per device page, none for the altmap's. */
	assert_int_equal(percpu_ref_read(&pgmap->ref), 1 + PHYS_PFN(DEV_SIZE) - 64);
	memunmap_pages(pgmap);
	assert_int_equal(pgmap->altmap.alloc, 0);
	test_dev_destroy(dev);
}

/*
 * An altmap that covers the whole range leaves no device page; one too
 * small for the memmap fails as vmemmap population does; an altmap with
 * more than one range is not supported.
 */
static void memremap_altmap_bad(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = test_dev_create(env, MEMORY_DEVICE_GENERIC, DEV_SIZE, 0);
	struct dev_pagemap *two = calloc(1, sizeof(*two) + 2 * sizeof(struct range));

	dev->pgmap.flags = PGMAP_ALTMAP_VALID;
	dev->pgmap.altmap.reserve = PHYS_PFN(DEV_SIZE);
	expect_refused(env, &dev->pgmap, env->nid, -EINVAL);

	dev->pgmap.altmap.reserve = 8;
	dev->pgmap.altmap.free = 15;		/* 1024 pages need 16 */
	expect_refused(env, &dev->pgmap, env->nid, -ENOMEM);
	assert_int_equal(dev->pgmap.altmap.alloc, 0);

	assert_non_null(two);
	two->type = MEMORY_DEVICE_GENERIC;
	two->flags = PGMAP_ALTMAP_VALID;
	two->altmap.free = 64;
	two->nr_range = 2;
	two->ranges[0].start = dev->res->start;
	two->ranges[0].end = dev->res->start + SUBSECTION_SIZE - 1;
	two->ranges[1].start = dev->res->start + SUBSECTION_SIZE;
	two->ranges[1].end = dev->res->start + 2 * SUBSECTION_SIZE - 1;
	expect_refused(env, two, env->nid, -EINVAL);
	free(two);
	test_dev_destroy(dev);
}

/*
 * A registry update that cannot allocate retires the entry in place; the
 * next pgmap on the same range must still be found.
 */
static void memremap_after_failed_delete(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *a = mapped_dev(env, MEMORY_DEVICE_FS_DAX, DEV_SIZE, 0);
	struct test_dev *b = test_dev_create(env, MEMORY_DEVICE_FS_DAX, DEV_SIZE, 0);
	unsigned long pfn = dev_pfn(a, 5);
	struct dev_pagemap *found;

	b->pgmap.range = a->pgmap.range;
	zd_fail_nth_set(1);		/* the first allocation of the unmap: the registry */
	memunmap_pages(&a->pgmap);
	zd_fail_nth_set(0);
	assert_null(get_dev_pagemap(pfn));
	assert_int_equal(test_dev_map(b, env->nid), 0);
	found = get_dev_pagemap(pfn);
	assert_ptr_equal(found, &b->pgmap);
	put_dev_pagemap(found);
	test_dev_destroy(b);
	test_dev_destroy(a);
}

/* Every allocation the setup makes can fail; each failure leaves nothing. */
static void memremap_fail_nth(void **state)
{
	struct zd_test_env *env = *state;
	unsigned int nth;
	long objects = kmalloc_live_objects();

	for (nth = 1; nth < 64; nth++) {
		struct test_dev *dev = test_dev_create(env, MEMORY_DEVICE_GENERIC, DEV_SIZE,
						      PMD_ORDER);
		void *ret;

		zd_fail_nth_set(nth);
		ret = memremap_pages(&dev->pgmap, env->nid);
		zd_fail_nth_set(0);
		if (!IS_ERR(ret)) {
			assert_true(nth > 1);	/* at least one allocation was exercised */
			test_dev_destroy(dev);
			break;
		}
		assert_int_equal(PTR_ERR(ret), -ENOMEM);
		assert_int_equal(dev->pgmap.state, ZD_PGMAP_UNUSED);
		assert_int_equal(dev->pgmap.nr_range, 1);
		assert_null(get_dev_pagemap(dev_pfn(dev, 0)));
		assert_false(pfn_valid(dev_pfn(dev, 0)));
		assert_int_equal(zd_system_audit(env->sys, NULL), 0);
		test_dev_destroy(dev);
	}
	assert_true(nth < 64);
	rcu_barrier();		/* registry tables are freed after a grace period */
	assert_int_equal(kmalloc_live_objects(), objects);
}

/* ------------------------------------------------------------------ */
/* Device-private and device-coherent pages                            */
/* ------------------------------------------------------------------ */

static void private_page_lifecycle_type(struct zd_test_env *env, enum memory_type type)
{
	struct test_dev *dev = mapped_dev(env, type, DEV_SIZE, 0);
	struct dev_pagemap *pgmap = &dev->pgmap;
	unsigned long ref0 = percpu_ref_read(&pgmap->ref), nr_free = dev->nr_free;
	struct page *page = test_dev_alloc(dev);

	assert_non_null(page);
	/* Allocated: zero 0->1 plus a pgmap reference; elevated 1->2. */
	assert_int_equal(page_ref_count(page), scheme_elevated(env) ? 2 : 1);
	assert_int_equal(percpu_ref_read(&pgmap->ref), ref0 + (scheme_elevated(env) ? 0 : 1));
	assert_true(PageLocked(page));
	assert_int_equal(zd_node_stat(env->sys, NR_ZONE_DEVICE_ALLOCATED), 1);
	unlock_page(page);

	get_page(page);
	assert_int_equal(page_ref_count(page), scheme_elevated(env) ? 3 : 2);
	put_page(page);
	assert_int_equal(atomic_long_read(&dev->page_free_calls), 0);

	put_page(page);		/* the last user: the driver hears of it once */
	assert_int_equal(atomic_long_read(&dev->page_free_calls), 1);
	assert_int_equal(page_ref_count(page), idle_ref(env, type));
	assert_int_equal(percpu_ref_read(&pgmap->ref), ref0);
	assert_int_equal(dev->nr_free, nr_free);
	assert_null(page->mapping);
	assert_int_equal(zd_node_stat(env->sys, NR_ZONE_DEVICE_ALLOCATED), 0);
	assert_int_equal(zd_node_stat(env->sys, NR_ZONE_DEVICE_FREED), 1);
	assert_int_equal(zd_vm_event(env->sys, DEVMAP_MANAGED_PUT), scheme_elevated(env) ? 1 : 0);
	assert_int_equal(zd_vm_event(env->sys, ZONE_DEVICE_FOLIO_FREE), scheme_elevated(env) ? 0 : 1);
	test_dev_destroy(dev);
}

static void private_page_lifecycle(void **state)
{
	private_page_lifecycle_type(*state, MEMORY_DEVICE_PRIVATE);
}

static void coherent_page_lifecycle(void **state)
{
	private_page_lifecycle_type(*state, MEMORY_DEVICE_COHERENT);
}

static void device_page_double_free(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = mapped_dev(env, MEMORY_DEVICE_PRIVATE, DEV_SIZE, 0);
	struct page *page = test_dev_alloc(dev);

	unlock_page(page);
	put_page(page);
	assert_int_equal(atomic_long_read(&dev->page_free_calls), 1);
	put_page(page);		/* the bug: nothing happens but a report */
	zd_test_expect_bugs(env, 1, scheme_elevated(env) ? "below its idle refcount 1"
							 : "put of a free page");
	assert_int_equal(atomic_long_read(&dev->page_free_calls), 1);
	assert_int_equal(page_ref_count(page), idle_ref(env, MEMORY_DEVICE_PRIVATE));
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	test_dev_destroy(dev);
}

static void zone_device_page_init_errors(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = mapped_dev(env, MEMORY_DEVICE_PRIVATE, DEV_SIZE, 0);
	struct test_dev *gen = mapped_dev(env, MEMORY_DEVICE_GENERIC, DEV_SIZE, 0);
	struct page *page = test_dev_alloc(dev), *ram;
	int ref = page_ref_count(page);

	zone_device_page_init(page);			/* already allocated */
	zd_test_expect_bugs(env, 1, "not");
	assert_int_equal(page_ref_count(page), ref);

	zone_device_page_init(pfn_to_page(dev_pfn(gen, 0)));	/* wrong type */
	zd_test_expect_bugs(env, 1, "not device private or coherent");

	ram = alloc_pages_node(env->nid, GFP_KERNEL, 0);
	zone_device_page_init(ram);			/* not a device page */
	zd_test_expect_bugs(env, 1, "non-device");
	assert_int_equal(page_ref_count(ram), 1);
	__free_pages(ram, 0);

	unlock_page(page);
	/* Kill the pgmap while the page is held, then allocate from it. */
	assert_int_equal(zd_memunmap_pages_timeout(&dev->pgmap, 1, NULL), -EBUSY);
	zone_device_page_init(pfn_to_page(dev_pfn(dev, 100)));
	zd_test_expect_bugs(env, 1, scheme_elevated(env) ? "not idle" : "being unmapped");
	put_page(page);
	assert_int_equal(zd_memunmap_pages_timeout(&dev->pgmap, 5000, NULL), 0);
	assert_int_equal(atomic_long_read(&dev->page_free_calls), 1);
	test_dev_destroy(gen);
	test_dev_destroy(dev);
}

/*
 * memunmap_pages() waits for every allocated device-private page, under
 * both schemes: here a thread frees the last one 50 ms later.
 */
struct late_put {
	struct page *page;
	int done;
	struct zd_thread thread;
};

static void *late_put_fn(void *arg)
{
	struct late_put *lp = arg;

	usleep(50 * 1000);
	WRITE_ONCE(lp->done, 1);
	put_page(lp->page);
	return NULL;
}

static void memunmap_waits_for_pages(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = mapped_dev(env, MEMORY_DEVICE_PRIVATE, DEV_SIZE, 0);
	struct late_put lp = { .page = test_dev_alloc(dev) };

	unlock_page(lp.page);
	assert_int_equal(zd_thread_start(&lp.thread, late_put_fn, &lp), 0);
	memunmap_pages(&dev->pgmap);
	assert_int_equal(READ_ONCE(lp.done), 1);
	assert_int_equal(dev->pgmap.state, ZD_PGMAP_UNUSED);
	assert_int_equal(atomic_long_read(&dev->page_free_calls), 1);
	zd_thread_join(&lp.thread);
	test_dev_destroy(dev);
}

static void memunmap_bounded_reports_holders(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = mapped_dev(env, MEMORY_DEVICE_PRIVATE, DEV_SIZE, 0);
	struct page *page = test_dev_alloc(dev);
	struct dev_pagemap *lookup = get_dev_pagemap(dev_pfn(dev, 9));
	char *buf = NULL;
	size_t len = 0;
	FILE *report = open_memstream(&buf, &len);
	char pfn[32];

	unlock_page(page);
	assert_ptr_equal(lookup, &dev->pgmap);
	assert_int_equal(zd_memunmap_pages_timeout(&dev->pgmap, 10, report), -EBUSY);
	fflush(report);
	snprintf(pfn, sizeof(pfn), "pfn:%#lx", page_to_pfn(page));
	assert_non_null(strstr(buf, "still in use"));
	assert_non_null(strstr(buf, pfn));
	assert_non_null(strstr(buf, "1 page(s) in use"));
	assert_non_null(strstr(buf, "1 get_dev_pagemap() reference(s) not put"));
	/* Killed: no new lookups, though the pgmap is still registered. */
	assert_int_equal(dev->pgmap.state, ZD_PGMAP_DYING);
	assert_null(get_dev_pagemap(dev_pfn(dev, 9)));

	put_page(page);
	assert_int_equal(zd_memunmap_pages_timeout(&dev->pgmap, 10, report), -EBUSY);
	put_dev_pagemap(lookup);
	assert_int_equal(zd_memunmap_pages_timeout(&dev->pgmap, 5000, report), 0);
	assert_int_equal(atomic_long_read(&dev->page_free_calls), 1);
	fclose(report);
	free(buf);
	test_dev_destroy(dev);
}

static void memunmap_not_mapped(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = test_dev_create(env, MEMORY_DEVICE_GENERIC, DEV_SIZE, 0);

	assert_int_equal(zd_memunmap_pages_timeout(&dev->pgmap, 10, NULL), -EINVAL);
	memunmap_pages(&dev->pgmap);
	zd_test_expect_bugs(env, 1, "not mapped");
	assert_int_equal(zd_memunmap_pages_timeout(NULL, 10, NULL), -EINVAL);
	test_dev_destroy(dev);
}

/* ------------------------------------------------------------------ */
/* The other types                                                     */
/* ------------------------------------------------------------------ */

/* GENERIC is still 1-based: reaching 0 resets it (zero) or is a bug (elevated). */
static void generic_refcount(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = mapped_dev(env, MEMORY_DEVICE_GENERIC, DEV_SIZE, 0);
	struct page *page = pfn_to_page(dev_pfn(dev, 5));

	assert_int_equal(page_ref_count(page), 1);
	get_page(page);
	assert_int_equal(page_ref_count(page), 2);
	put_page(page);
	assert_int_equal(page_ref_count(page), 1);
	put_page(page);		/* drops the idle reference */
	if (scheme_elevated(env))
		zd_test_expect_bugs(env, 1, "below its idle refcount 1");
	assert_int_equal(page_ref_count(page), 1);
	assert_int_equal(atomic_long_read(&dev->page_free_calls), 0);
	test_dev_destroy(dev);
}

struct idle_waiter {
	struct page *page;
	int idle;
	int woke;
	struct zd_thread thread;
};

static void *idle_waiter_fn(void *arg)
{
	struct idle_waiter *w = arg;

	/* What dax_break_layout() does: sleep until the page is idle. */
	wait_var_event(w->page, page_ref_count(w->page) == w->idle);
	WRITE_ONCE(w->woke, 1);
	return NULL;
}

/* FS_DAX: the last put wakes a truncate waiting for the page to go idle. */
static void fsdax_put_wakes_waiter(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = mapped_dev(env, MEMORY_DEVICE_FS_DAX, DEV_SIZE, 0);
	struct idle_waiter w = { .page = pfn_to_page(dev_pfn(dev, 11)) };

	w.idle = idle_ref(env, MEMORY_DEVICE_FS_DAX);
	/* A mapping (zero: taken from 0 under the DAX entry lock) and a pin. */
	page_ref_inc(w.page);
	get_page(w.page);
	assert_int_equal(zd_thread_start(&w.thread, idle_waiter_fn, &w), 0);
	usleep(10 * 1000);
	put_page(w.page);
	usleep(10 * 1000);
	assert_int_equal(READ_ONCE(w.woke), 0);
	put_page(w.page);
	zd_thread_join(&w.thread);
	assert_int_equal(w.woke, 1);
	assert_int_equal(page_ref_count(w.page), w.idle);
	assert_int_equal(atomic_long_read(&dev->page_free_calls), 0);
	test_dev_destroy(dev);
}

/* P2PDMA: zero scheme gives the page back to the driver at 1->0. */
static void p2pdma_page_free(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = mapped_dev(env, MEMORY_DEVICE_PCI_P2PDMA, DEV_SIZE, 0);
	struct page *page = pfn_to_page(dev_pfn(dev, 2));

	/* The p2pdma allocator hands the page out: 0->1 (zero), 1->2 (elevated). */
	page_ref_inc(page);
	put_page(page);
	assert_int_equal(page_ref_count(page), idle_ref(env, MEMORY_DEVICE_PCI_P2PDMA));
	assert_int_equal(atomic_long_read(&dev->page_free_calls), scheme_elevated(env) ? 0 : 1);
	test_dev_destroy(dev);
}

/* ------------------------------------------------------------------ */
/* Compound device pages and the deduplicated memmap                   */
/* ------------------------------------------------------------------ */

static void check_compound(struct zd_test_env *env, struct test_dev *dev, unsigned int shift,
			   const unsigned long *tails, size_t ntails)
{
	unsigned long nr = 1UL << shift, units = PHYS_PFN(range_len(&dev->pgmap.range)) >> shift;
	struct page *head = pfn_to_page(dev_pfn(dev, nr));	/* the second compound */
	struct folio *folio = page_folio(head);
	size_t i;

	assert_ptr_equal(&folio->page, head);
	assert_true(PageHead(head));
	assert_true(folio_test_large(folio));
	assert_int_equal(folio_order(folio), shift);
	assert_int_equal(folio_nr_pages(folio), nr);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(atomic_read(&folio->_pincount), 0);
	assert_int_equal(atomic_read(&folio->_entire_mapcount), -1);
	assert_ptr_equal(folio->pgmap, &dev->pgmap);
	for (i = 0; i < ntails; i++) {
		struct page *tail = head + tails[i];

		assert_true(PageTail(tail));
		assert_false(PageHead(tail));
		assert_ptr_equal(compound_head(tail), head);
		assert_ptr_equal(page_folio(tail), folio);
		assert_int_equal(page_ref_count(tail), 0);
		assert_int_equal(page_mapcount(tail), 0);
		assert_true(is_zone_device_page(tail));
		assert_int_equal(page_to_nid(tail), env->nid);
		assert_ptr_equal(page_pgmap(tail), &dev->pgmap);
		assert_int_equal(compound_order(tail), 0);
	}
	/* get_page on a tail takes the folio's reference. */
	get_page(head + tails[ntails - 1]);
	assert_int_equal(folio_ref_count(folio), 2);
	put_page(head + tails[0]);
	assert_int_equal(folio_ref_count(folio), 1);
	/* One map-time pgmap reference per compound page. */
	assert_int_equal(percpu_ref_read(&dev->pgmap.ref), 1 + units);
}

static void compound_pmd(void **state)
{
	static const unsigned long tails[] = { 1, 2, 3, 63, 64, 100, 127, 128, 300, 511 };
	struct zd_test_env *env = *state;
	struct test_dev *dev = mapped_dev(env, MEMORY_DEVICE_GENERIC, 8 * PMD_SIZE, PMD_ORDER);

	check_compound(env, dev, PMD_ORDER, tails, ARRAY_SIZE(tails));
	test_dev_destroy(dev);
}

static void compound_pud(void **state)
{
	static const unsigned long tails[] = { 1, 2, 63, 64, 65, 4095, 100000, 262143 };
	struct zd_test_env *env = *state;
	struct test_dev *dev = test_dev_create(env, MEMORY_DEVICE_GENERIC, 3 * PUD_SIZE, PUD_ORDER);

	/* device-dax ranges are aligned to the page size they map with */
	dev->pgmap.range.start = ALIGN(dev->res->start, PUD_SIZE);
	dev->pgmap.range.end = dev->pgmap.range.start + 2 * PUD_SIZE - 1;
	assert_int_equal(test_dev_map(dev, env->nid), 0);
	check_compound(env, dev, PUD_ORDER, tails, ARRAY_SIZE(tails));
	/* 2 GiB of 1 GiB pages: the memmap costs its template and little else. */
	assert_true(zd_memmap_resident_bytes(&dev->pgmap) <= 64 * 1024);
	test_dev_destroy(dev);
}

/* Writing a deduplicated tail (index >= 64) is caught by the audit. */
static void dedup_tail_write_detected(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = mapped_dev(env, MEMORY_DEVICE_GENERIC, 4 * PMD_SIZE, PMD_ORDER);
	struct test_dev *small = mapped_dev(env, MEMORY_DEVICE_GENERIC, 4 * PMD_SIZE, 7);
	struct page *head = pfn_to_page(dev_pfn(dev, PAGES_PER_SUBSECTION));
	char *buf = NULL;
	size_t len = 0;
	FILE *report = open_memstream(&buf, &len);

	/* Tails 1..63 share the head's vmemmap page: writing them is fine. */
	WRITE_ONCE(head[1].memcg_data, 0);
	head[2].private = 0;
	assert_int_equal(zd_system_audit(env->sys, report), 0);
	/* Order 7 is not deduplicated in the kernel either (2 vmemmap pages). */
	pfn_to_page(dev_pfn(small, 100))->private = 0;
	assert_int_equal(zd_system_audit(env->sys, report), 0);

	head[200].private = 0;	/* the bug: a write that would hit every alias */
	assert_int_equal(zd_system_audit(env->sys, report), 1);
	fflush(report);
	assert_non_null(strstr(buf, "deduplicated tail"));
	fclose(report);
	free(buf);
	test_dev_destroy(dev);	/* gone with the memmap */
	test_dev_destroy(small);
}

/* The audit's pgmap accounting, at every step of a device page's life. */
static void pgmap_ref_accounting(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = mapped_dev(env, MEMORY_DEVICE_PRIVATE, DEV_SIZE, 0);
	unsigned long units = PHYS_PFN(DEV_SIZE), base = scheme_elevated(env) ? 1 + units : 1;
	struct page *pages[3];
	struct dev_pagemap *lookup;
	int i;

	assert_int_equal(percpu_ref_read(&dev->pgmap.ref), base);
	for (i = 0; i < 3; i++) {
		pages[i] = test_dev_alloc(dev);
		unlock_page(pages[i]);
	}
	assert_int_equal(percpu_ref_read(&dev->pgmap.ref), base + (scheme_elevated(env) ? 0 : 3));
	lookup = get_dev_pagemap(dev_pfn(dev, 0));
	assert_int_equal(percpu_ref_read(&dev->pgmap.ref), base + (scheme_elevated(env) ? 1 : 4));
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	put_dev_pagemap(lookup);
	for (i = 0; i < 3; i++)
		put_page(pages[i]);
	assert_int_equal(percpu_ref_read(&dev->pgmap.ref), base);
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	/* A page taken behind the driver's back breaks the accounting. */
	if (!scheme_elevated(env)) {
		struct page *p = pfn_to_page(dev_pfn(dev, 50));

		set_page_count(p, 1);
		assert_true(zd_system_audit(env->sys, NULL) >= 1);
		set_page_count(p, 0);
	}
	test_dev_destroy(dev);
}

/* A device page comes back locked; the lock excludes other threads. */
struct locker {
	struct page *page;
	int locked;
	struct zd_thread thread;
};

static void *locker_fn(void *arg)
{
	struct locker *l = arg;

	lock_page(l->page);
	WRITE_ONCE(l->locked, 1);
	unlock_page(l->page);
	return NULL;
}

static void device_page_lock(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = mapped_dev(env, MEMORY_DEVICE_PRIVATE, DEV_SIZE, 0);
	struct locker l = { .page = test_dev_alloc(dev) };

	assert_true(PageLocked(l.page));
	assert_false(trylock_page(l.page));
	assert_int_equal(zd_thread_start(&l.thread, locker_fn, &l), 0);
	usleep(20 * 1000);
	assert_int_equal(READ_ONCE(l.locked), 0);
	unlock_page(l.page);
	zd_thread_join(&l.thread);
	assert_int_equal(l.locked, 1);
	assert_false(PageLocked(l.page));
	put_page(l.page);
	test_dev_destroy(dev);
}

/* ------------------------------------------------------------------ */

static struct zd_system *traced_system(enum zd_refcount_scheme scheme, FILE *trace)
{
	struct zd_config cfg = { .ram_size = 8UL << 20, .scheme = scheme, .trace = trace,
				  .flags = ZD_BUG_CONTINUE };
	struct zd_system *sys = zd_system_create(&cfg);

	assert_false(IS_ERR(sys));
	return sys;
}

/* The two schemes are told apart in the trace. */
static void trace_shows_scheme(void **state)
{
	static const enum zd_refcount_scheme schemes[] = { ZD_REFCOUNT_ZERO, ZD_REFCOUNT_ELEVATED };
	unsigned int s;

	(void)state;
	for (s = 0; s < ARRAY_SIZE(schemes); s++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *trace = open_memstream(&buf, &len);
		struct zd_system *sys = traced_system(schemes[s], trace);
		struct zd_test_env env = { .scheme = schemes[s], .sys = sys, .nid = zd_system_nid(sys) };
		struct test_dev *dev = mapped_dev(&env, MEMORY_DEVICE_PRIVATE, DEV_SIZE, 0);
		struct page *page = test_dev_alloc(dev);

		unlock_page(page);
		put_page(page);
		test_dev_destroy(dev);
		assert_int_equal(zd_system_audit(sys, NULL), 0);
		assert_int_equal(zd_system_destroy(sys), 0);
		fclose(trace);

		assert_non_null(strstr(buf, "zd_memremap_pages"));
		assert_non_null(strstr(buf, "zd_zone_device_page_init"));
		assert_non_null(strstr(buf, "zd_memunmap_pages"));
		if (schemes[s] == ZD_REFCOUNT_ZERO) {
			assert_non_null(strstr(buf, "page_ref_set"));
			assert_non_null(strstr(buf, "page_ref_mod_and_test"));
			assert_non_null(strstr(buf, "zd_free_zone_device_folio"));
			assert_non_null(strstr(buf, "transition=1->0"));
			assert_null(strstr(buf, "zd_devmap_managed_page_free"));
		} else {
			assert_non_null(strstr(buf, "page_ref_mod_and_return"));
			assert_non_null(strstr(buf, "zd_devmap_managed_page_free"));
			assert_non_null(strstr(buf, "transition=2->1"));
			assert_null(strstr(buf, "zd_free_zone_device_folio"));
		}
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ZD_TEST_BOTH(memremap_each_type),
		ZD_TEST_BOTH(memremap_direct_map),
		ZD_TEST_BOTH(memremap_bad_input),
		ZD_TEST_BOTH(memremap_overlap),
		ZD_TEST_BOTH(memremap_multi_range),
		ZD_TEST_BOTH(memremap_altmap),
		ZD_TEST_BOTH(memremap_altmap_bad),
		ZD_TEST_BOTH(memremap_after_failed_delete),
		ZD_TEST_BOTH(memremap_fail_nth),
		ZD_TEST_BOTH(private_page_lifecycle),
		ZD_TEST_BOTH(coherent_page_lifecycle),
		ZD_TEST_BOTH(device_page_double_free),
		ZD_TEST_BOTH(zone_device_page_init_errors),
		ZD_TEST_BOTH(memunmap_waits_for_pages),
		ZD_TEST_BOTH(memunmap_bounded_reports_holders),
		ZD_TEST_BOTH(memunmap_not_mapped),
		ZD_TEST_BOTH(generic_refcount),
		ZD_TEST_BOTH(fsdax_put_wakes_waiter),
		ZD_TEST_BOTH(p2pdma_page_free),
		ZD_TEST_BOTH(compound_pmd),
		ZD_TEST_BOTH(compound_pud),
		ZD_TEST_BOTH(dedup_tail_write_detected),
		ZD_TEST_BOTH(pgmap_ref_accounting),
		ZD_TEST_BOTH(device_page_lock),
		ZD_TEST_PLAIN(trace_shows_scheme),
	};

	return ZD_RUN("memremap", tests);
}
