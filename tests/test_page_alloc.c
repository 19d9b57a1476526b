// SPDX-License-Identifier: GPL-2.0-only
/*
 * The buddy allocator of a node's RAM (mm/page_alloc.c), the put paths that
 * end in it (mm/swap.c), the page lock (mm/filemap.c) and the page_ref and
 * mm_page_* tracepoints (lib/trace.c).
 *
 * Every test runs under both refcount schemes on a fresh 32 MiB node: RAM
 * pages must behave identically under both, because the schemes only differ
 * for ZONE_DEVICE pages.  Counters are checked exactly: PGALLOC and PGFREE
 * count pages (2^order per call, as __count_zid_vm_events() does),
 * PGALLOC_FAIL counts failed calls.
 */
#include <stdlib.h>
#include <unistd.h>
#include "zd_test.h"

#define RAM_PAGES	(zd_param_zero.ram_size >> PAGE_SHIFT)
#define NR_MAX_BLOCKS	(RAM_PAGES >> MAX_PAGE_ORDER)

static struct zone *env_zone(struct zd_test_env *env)
{
	return &NODE_DATA(env->nid)->node_zones[ZONE_NORMAL];
}

static unsigned long nr_free(struct zd_test_env *env)
{
	return zd_nr_free_pages(env->sys);
}

static unsigned long event(struct zd_test_env *env, enum vm_event_item item)
{
	return zd_vm_event(env->sys, item);
}

/*
 * Everything is free and the buddy merged it all back: only MAX_PAGE_ORDER
 * blocks on the free lists, as right after boot.  A single order-0 page
 * that failed to merge would show up on free_area[0].
 */
static void assert_all_merged(struct zd_test_env *env)
{
	struct zone *zone = env_zone(env);
	unsigned int order;

	assert_int_equal(nr_free(env), RAM_PAGES);
	for (order = 0; order < MAX_PAGE_ORDER; order++)
		assert_int_equal(zone->free_area[order].nr_free, 0);
	assert_int_equal(zone->free_area[MAX_PAGE_ORDER].nr_free, NR_MAX_BLOCKS);
}

/* A node id with no system behind it. */
static int unused_nid(void)
{
	int nid;

	for (nid = 0; nid < MAX_NUMNODES; nid++)
		if (!NODE_DATA(nid))
			return nid;
	fail_msg("all %d nodes are in use", MAX_NUMNODES);
	return -1;
}

static bool range_is(const void *addr, unsigned char c, size_t len)
{
	const unsigned char *p = addr;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != c)
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* Allocation and free                                                 */
/* ------------------------------------------------------------------ */

/*
 * One block of every order held at once (2047 pages of 8192): each is
 * naturally aligned, belongs to this node's Normal zone, has refcount 1 and
 * is no longer PageBuddy; the free count and PGALLOC move by exactly 2^order.
 */
static void test_alloc_each_order(void **state)
{
	struct zd_test_env *env = *state;
	struct page *pages[NR_PAGE_ORDERS];
	unsigned long free0 = nr_free(env);
	unsigned int order;

	assert_int_equal(free0, RAM_PAGES);
	assert_all_merged(env);
	for (order = 0; order <= MAX_PAGE_ORDER; order++) {
		unsigned long before = nr_free(env), alloc = event(env, PGALLOC);
		struct page *page = alloc_pages_node(env->nid, GFP_KERNEL, order);
		unsigned long pfn;

		assert_non_null(page);
		pfn = page_to_pfn(page);
		assert_true(IS_ALIGNED(pfn, 1UL << order));
		assert_true(pfn_valid(pfn));
		assert_int_equal(page_to_nid(page), env->nid);
		assert_int_equal(page_zonenum(page), ZONE_NORMAL);
		assert_ptr_equal(zd_page_system(page), env->sys);
		assert_int_equal(page_ref_count(page), 1);
		assert_int_equal(page_mapcount(page), 0);
		assert_false(PageBuddy(page));
		assert_false(PageHead(page));
		assert_null(page->mapping);
		assert_int_equal(nr_free(env), before - (1UL << order));
		assert_int_equal(event(env, PGALLOC), alloc + (1UL << order));
		pages[order] = page;
	}
	assert_int_equal(nr_free(env), free0 - ((1UL << NR_PAGE_ORDERS) - 1));
	assert_int_equal(event(env, PGALLOC_FAIL), 0);

	for (order = 0; order <= MAX_PAGE_ORDER; order++) {
		unsigned long before = nr_free(env), freed = event(env, PGFREE);

		__free_pages(pages[order], order);
		assert_int_equal(page_ref_count(pages[order]), 0);
		assert_int_equal(nr_free(env), before + (1UL << order));
		assert_int_equal(event(env, PGFREE), freed + (1UL << order));
	}
	assert_all_merged(env);
	assert_int_equal(event(env, PGALLOC), event(env, PGFREE));
}

/*
 * Without __GFP_COMP a high-order block is 2^order independent pages: no
 * head, no tails, each page its own folio, only the first one referenced.
 */
static void test_alloc_non_compound(void **state)
{
	struct zd_test_env *env = *state;
	const unsigned int order = 3;
	struct page *page = alloc_pages_node(env->nid, GFP_KERNEL, order);
	unsigned long i;

	assert_non_null(page);
	assert_false(PageCompound(page));
	for (i = 1; i < (1UL << order); i++) {
		assert_false(PageTail(page + i));
		assert_false(PageBuddy(page + i));
		assert_ptr_equal(compound_head(page + i), page + i);
		assert_int_equal(page_ref_count(page + i), 0);
	}
	__free_pages(page, order);
	assert_all_merged(env);
}

/*
 * Every order-0 page of one MAX_PAGE_ORDER block, freed in a scrambled
 * order: whatever order the frees come in, the buddies must coalesce all
 * the way back up.
 */
static void test_free_merges_buddies(void **state)
{
	struct zd_test_env *env = *state;
	struct page *pages[MAX_ORDER_NR_PAGES];
	unsigned long i, first;

	for (i = 0; i < MAX_ORDER_NR_PAGES; i++) {
		pages[i] = alloc_page_node(env->nid, GFP_KERNEL);
		assert_non_null(pages[i]);
	}
	/* Smallest-first allocation splits one block and uses it up. */
	assert_int_equal(env_zone(env)->free_area[MAX_PAGE_ORDER].nr_free, NR_MAX_BLOCKS - 1);
	first = ALIGN_DOWN(page_to_pfn(pages[0]), MAX_ORDER_NR_PAGES);
	for (i = 0; i < MAX_ORDER_NR_PAGES; i++)
		assert_int_equal(ALIGN_DOWN(page_to_pfn(pages[i]), MAX_ORDER_NR_PAGES), first);

	/* 331 is prime, so i * 331 mod 1024 visits every page once. */
	for (i = 0; i < MAX_ORDER_NR_PAGES; i++)
		__free_page(pages[(i * 331) % MAX_ORDER_NR_PAGES]);
	assert_all_merged(env);
	assert_int_equal(event(env, PGFREE), MAX_ORDER_NR_PAGES);
}

/*
 * Take every page there is: exactly RAM_PAGES order-0 allocations succeed,
 * the next fails and is counted, and freeing them all (scrambled) loses
 * nothing.
 */
static void test_exhaust_memory(void **state)
{
	struct zd_test_env *env = *state;
	struct page **pages = calloc(RAM_PAGES + 1, sizeof(*pages));
	unsigned long n = 0, i;

	assert_non_null(pages);
	while (n <= RAM_PAGES && (pages[n] = alloc_page_node(env->nid, GFP_KERNEL)))
		n++;
	assert_int_equal(n, RAM_PAGES);
	assert_int_equal(nr_free(env), 0);
	assert_int_equal(event(env, PGALLOC), RAM_PAGES);
	assert_int_equal(event(env, PGALLOC_FAIL), 1);
	/* Once empty, every order fails, and each failure is counted. */
	assert_null(alloc_pages_node(env->nid, GFP_KERNEL, MAX_PAGE_ORDER));
	assert_int_equal(event(env, PGALLOC_FAIL), 2);

	/* 4099 is prime, hence coprime with the power-of-two RAM_PAGES. */
	for (i = 0; i < n; i++)
		__free_page(pages[(i * 4099) % n]);
	assert_all_merged(env);
	assert_int_equal(event(env, PGFREE), RAM_PAGES);
	free(pages);

	/* And the merged blocks are usable at the top order again. */
	for (i = 0; i < NR_MAX_BLOCKS; i++) {
		struct page *page = alloc_pages_node(env->nid, GFP_KERNEL, MAX_PAGE_ORDER);

		assert_non_null(page);
		__free_pages(page, MAX_PAGE_ORDER);
	}
	assert_all_merged(env);
}

/*
 * __GFP_ZERO zeroes all 2^order pages.  Dirty a block, free it, then take
 * zeroed blocks until that one comes back: every block handed out, the
 * dirtied one included, must read as zeroes.  The control run without
 * __GFP_ZERO shows the allocator does not zero on its own (no
 * init_on_free), so the first half really tests the flag.
 */
static void test_gfp_zero(void **state)
{
	struct zd_test_env *env = *state;
	const unsigned int order = 2;
	const size_t bytes = PAGE_SIZE << order;
	struct page **held = calloc(RAM_PAGES >> order, sizeof(*held));
	struct page *page;
	unsigned long pfn, n, i;
	int pass;

	assert_non_null(held);
	for (pass = 0; pass < 2; pass++) {
		gfp_t gfp = GFP_KERNEL | (pass == 0 ? __GFP_ZERO : 0);

		page = alloc_pages_node(env->nid, GFP_KERNEL, order);
		assert_non_null(page);
		pfn = page_to_pfn(page);
		memset(page_address(page), 0xa5, bytes);
		__free_pages(page, order);

		n = 0;
		do {
			assert_true(n < (RAM_PAGES >> order));
			page = alloc_pages_node(env->nid, gfp, order);
			assert_non_null(page);
			held[n++] = page;
			if (gfp & __GFP_ZERO)
				assert_true(range_is(page_address(page), 0, bytes));
		} while (page_to_pfn(page) != pfn);
		if (!(gfp & __GFP_ZERO))
			assert_true(range_is(page_address(page), 0xa5, bytes));
		for (i = 0; i < n; i++)
			__free_pages(held[i], order);
	}
	free(held);
	assert_all_merged(env);
}

/* ------------------------------------------------------------------ */
/* Compound pages and folios                                           */
/* ------------------------------------------------------------------ */

static void assert_folio_geometry(struct folio *folio, unsigned int order)
{
	unsigned long i, nr = 1UL << order;

	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(folio_test_large(folio), order > 0);
	assert_int_equal(folio_order(folio), order);
	assert_int_equal(folio_nr_pages(folio), (long)nr);
	assert_true(IS_ALIGNED(folio_pfn(folio), nr));
	assert_false(PageTail(&folio->page));
	assert_ptr_equal(page_folio(&folio->page), folio);
	if (order) {
		assert_true(PageHead(&folio->page));
		assert_int_equal(compound_order(&folio->page), order);
		assert_int_equal(compound_nr(&folio->page), nr);
		assert_int_equal(folio->_folio_nr_pages, nr);
		assert_int_equal(atomic_read(&folio->_pincount), 0);
		assert_int_equal(atomic_read(&folio->_large_mapcount), -1);
		assert_int_equal(atomic_read(&folio->_entire_mapcount), -1);
		assert_false(folio_maybe_dma_pinned(folio));
	}
	for (i = 1; i < nr; i++) {
		struct page *tail = folio_page(folio, i);

		assert_true(PageTail(tail));
		assert_false(PageHead(tail));
		assert_ptr_equal(compound_head(tail), &folio->page);
		assert_ptr_equal(page_folio(tail), folio);
		assert_int_equal(page_ref_count(tail), 0);
		assert_int_equal(page_to_nid(tail), folio_nid(folio));
	}
}

/*
 * __folio_alloc_node() of every order: a head carrying the order, tails
 * that find their head by mask and hold no reference of their own; the last
 * folio_put() gives all 2^order pages back.
 */
static void test_folio_geometry(void **state)
{
	struct zd_test_env *env = *state;
	unsigned int order;

	for (order = 0; order <= MAX_PAGE_ORDER; order++) {
		unsigned long before = nr_free(env), freed = event(env, PGFREE);
		struct folio *folio = __folio_alloc_node(GFP_KERNEL, order, env->nid);

		assert_non_null(folio);
		assert_int_equal(folio_nid(folio), env->nid);
		assert_int_equal(nr_free(env), before - (1UL << order));
		assert_folio_geometry(folio, order);

		folio_put(folio);
		assert_int_equal(nr_free(env), before);
		assert_int_equal(event(env, PGFREE), freed + (1UL << order));
		/* The free undid the geometry: no page is left a tail. */
		assert_false(PageHead(&folio->page));
		if (order)
			assert_false(PageTail(folio_page(folio, (1UL << order) - 1)));
	}
	assert_all_merged(env);
}

/* alloc_pages_node(__GFP_COMP) is the same thing, freed by __free_pages(). */
static void test_gfp_comp_free_pages(void **state)
{
	struct zd_test_env *env = *state;
	unsigned int order;

	for (order = 1; order <= MAX_PAGE_ORDER; order++) {
		struct page *page = alloc_pages_node(env->nid, GFP_KERNEL | __GFP_COMP, order);

		assert_non_null(page);
		assert_folio_geometry(page_folio(page), order);
		__free_pages(page, order);
	}
	assert_all_merged(env);
}

/*
 * A second reference on a compound page outlives __free_pages(): the
 * allocation reference goes, the folio stays whole, and the last
 * folio_put() frees all of it.
 */
static void test_compound_free_pages_while_referenced(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long before = nr_free(env);
	struct folio *folio = __folio_alloc_node(GFP_KERNEL, 3, env->nid);

	assert_non_null(folio);
	folio_get(folio);
	assert_int_equal(folio_ref_count(folio), 2);
	__free_pages(&folio->page, 3);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(nr_free(env), before - 8);
	assert_int_equal(event(env, PGFREE), 0);
	assert_folio_geometry(folio, 3);

	folio_put(folio);
	assert_int_equal(nr_free(env), before);
	assert_int_equal(event(env, PGFREE), 8);
	assert_all_merged(env);
}

/*
 * The non-compound case of the same: __free_pages() hands back the
 * unreferenced pages 1..2^order-1 at once and the first page only when its
 * other holder lets go (the kernel's behaviour since v5.16).
 */
static void test_non_compound_free_pages_while_referenced(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long before = nr_free(env);
	struct page *page = alloc_pages_node(env->nid, GFP_KERNEL, 2);

	assert_non_null(page);
	get_page(page);
	__free_pages(page, 2);
	assert_int_equal(page_ref_count(page), 1);
	assert_int_equal(nr_free(env), before - 1);
	assert_int_equal(event(env, PGFREE), 3);

	put_page(page);
	assert_int_equal(page_ref_count(page), 0);
	assert_int_equal(nr_free(env), before);
	assert_int_equal(event(env, PGFREE), 4);
	assert_all_merged(env);
}

/* ------------------------------------------------------------------ */
/* Fault injection and bad arguments                                   */
/* ------------------------------------------------------------------ */

/*
 * fail_page_alloc armed for one failure fails exactly the next allocation:
 * NULL, counted as PGALLOC_FAIL and in the attribute, nothing taken from
 * the free lists; the one after succeeds.  With an interval of 3 and two
 * failures, calls 3 and 6 fail and call 9 no longer does.
 */
static void test_fail_page_alloc(void **state)
{
	struct zd_test_env *env = *state;
	long failed = atomic_long_read(&fail_page_alloc.failed);
	struct page *page, *held[9];
	unsigned long i;

	fault_attr_arm(&fail_page_alloc, 1, 1);
	page = alloc_page_node(env->nid, GFP_KERNEL);
	fault_attr_disarm(&fail_page_alloc);
	assert_null(page);
	assert_int_equal(event(env, PGALLOC_FAIL), 1);
	assert_int_equal(event(env, PGALLOC), 0);
	assert_int_equal(atomic_long_read(&fail_page_alloc.failed), failed + 1);
	assert_int_equal(nr_free(env), RAM_PAGES);

	fault_attr_arm(&fail_page_alloc, 1, 1);
	page = alloc_page_node(env->nid, GFP_KERNEL);
	assert_null(page);
	page = alloc_page_node(env->nid, GFP_KERNEL);
	fault_attr_disarm(&fail_page_alloc);
	assert_non_null(page);
	assert_int_equal(event(env, PGALLOC_FAIL), 2);
	__free_page(page);

	fault_attr_arm(&fail_page_alloc, 2, 3);
	for (i = 0; i < ARRAY_SIZE(held); i++)
		held[i] = alloc_page_node(env->nid, GFP_KERNEL);
	fault_attr_disarm(&fail_page_alloc);
	for (i = 0; i < ARRAY_SIZE(held); i++) {
		if (i == 2 || i == 5) {
			assert_null(held[i]);
		} else {
			assert_non_null(held[i]);
			__free_page(held[i]);
		}
	}
	assert_int_equal(event(env, PGALLOC_FAIL), 4);
	assert_int_equal(atomic_long_read(&fail_page_alloc.failed), failed + 4);
	assert_int_equal(event(env, PGALLOC), 1 + 7);
	assert_all_merged(env);
}

/*
 * fail-nth: the n-th faultable call of this thread fails, and only that
 * one; zd_fail_nth_get() counts down and reads 0 once it has fired.
 */
static void test_fail_nth(void **state)
{
	struct zd_test_env *env = *state;
	struct page *pages[5];
	unsigned int i;

	zd_fail_nth_set(3);
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		pages[i] = alloc_page_node(env->nid, GFP_KERNEL);
		if (i == 0)
			assert_int_equal(zd_fail_nth_get(), 2);
	}
	assert_int_equal(zd_fail_nth_get(), 0);
	zd_fail_nth_set(0);
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		if (i == 2) {
			assert_null(pages[i]);
			continue;
		}
		assert_non_null(pages[i]);
		__free_page(pages[i]);
	}
	assert_int_equal(event(env, PGALLOC_FAIL), 1);
	assert_int_equal(event(env, PGALLOC), 4);
	assert_all_merged(env);
}

/*
 * Bad arguments get NULL and touch nothing: no page taken, no counter
 * moved, and (as in __alloc_pages(), which checks the order before
 * should_fail_alloc_page()) no pending fail-nth consumed.
 */
static void test_bad_arguments(void **state)
{
	struct zd_test_env *env = *state;
	const int bad_nids[] = { -1, MAX_NUMNODES, MAX_NUMNODES + 1, unused_nid() };
	unsigned int i;

	assert_int_not_equal(bad_nids[3], env->nid);
	zd_fail_nth_set(1);
	assert_null(alloc_pages_node(env->nid, GFP_KERNEL, MAX_PAGE_ORDER + 1));
	assert_null(alloc_pages_node(env->nid, GFP_KERNEL, ~0U));
	assert_null(__folio_alloc_node(GFP_KERNEL, MAX_PAGE_ORDER + 1, env->nid));
	for (i = 0; i < ARRAY_SIZE(bad_nids); i++) {
		assert_null(alloc_pages_node(bad_nids[i], GFP_KERNEL, 0));
		assert_null(__folio_alloc_node(GFP_KERNEL, 1, bad_nids[i]));
	}
	assert_null(alloc_pages_node(env->nid, GFP_KERNEL | (__GFP_BITS_MASK + 1), 0));
	assert_null(alloc_pages_node(env->nid, 0x80000000u, 0));
	assert_int_equal(zd_fail_nth_get(), 1);
	zd_fail_nth_set(0);

	assert_int_equal(event(env, PGALLOC), 0);
	assert_int_equal(event(env, PGALLOC_FAIL), 0);
	assert_all_merged(env);
}

/* ------------------------------------------------------------------ */
/* References                                                          */
/* ------------------------------------------------------------------ */

/*
 * get_page/put_page move the count by one each way; speculative gets
 * (get_page_unless_zero, folio_try_get) succeed on a live page and fail on
 * a frozen or free one; only the 1->0 put frees.
 */
static void test_get_put_transitions(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long before = nr_free(env);
	struct page *page = alloc_page_node(env->nid, GFP_KERNEL);
	struct folio *folio;

	assert_non_null(page);
	folio = page_folio(page);
	assert_int_equal(page_ref_count(page), 1);
	get_page(page);
	assert_int_equal(page_ref_count(page), 2);
	assert_true(get_page_unless_zero(page));
	assert_int_equal(page_ref_count(page), 3);
	assert_true(folio_try_get(folio));
	assert_int_equal(folio_ref_count(folio), 4);

	folio_put_refs(folio, 2);
	assert_int_equal(page_ref_count(page), 2);
	put_page(page);
	assert_int_equal(page_ref_count(page), 1);
	assert_int_equal(nr_free(env), before - 1);

	/* A frozen page refuses speculative references until unfrozen. */
	assert_false(page_ref_freeze(page, 2));
	assert_true(page_ref_freeze(page, 1));
	assert_int_equal(page_ref_count(page), 0);
	assert_false(get_page_unless_zero(page));
	assert_false(folio_try_get(folio));
	assert_int_equal(page_ref_count(page), 0);
	page_ref_unfreeze(page, 1);
	assert_int_equal(page_ref_count(page), 1);

	put_page(page);
	assert_int_equal(page_ref_count(page), 0);
	assert_int_equal(nr_free(env), before);
	assert_int_equal(event(env, PGFREE), 1);

	/* Free is free: no speculative reference sticks. */
	assert_false(get_page_unless_zero(page));
	assert_int_equal(page_ref_count(page), 0);
	assert_all_merged(env);
}

/* ------------------------------------------------------------------ */
/* Violations: reported, counted, nothing corrupted                    */
/* ------------------------------------------------------------------ */

/*
 * The audit right after acknowledging a violation must be clean: the
 * report is the whole consequence, the allocator's state is intact.
 */
static void assert_audit_clean(struct zd_test_env *env)
{
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
}

/* folio_put() of a free page: reported, the underflow undone. */
static void test_put_of_free_page(void **state)
{
	struct zd_test_env *env = *state;
	struct page *page = alloc_page_node(env->nid, GFP_KERNEL);

	assert_non_null(page);
	__free_page(page);
	assert_all_merged(env);

	folio_put(page_folio(page));
	zd_test_expect_bugs(env, 1, "put of a free page");
	assert_int_equal(page_ref_count(page), 0);
	assert_int_equal(event(env, PGFREE), 1);
	assert_all_merged(env);
	assert_audit_clean(env);

	put_page(page);
	zd_test_expect_bugs(env, 1, "put of a free page");
	assert_int_equal(page_ref_count(page), 0);
	assert_all_merged(env);
	assert_audit_clean(env);
}

/*
 * __free_pages() twice: the second is a put of a free page, reported once,
 * and must not hand anything to the buddy a second time.
 */
static void do_double_free(struct zd_test_env *env, unsigned int order)
{
	struct page *page = alloc_pages_node(env->nid, GFP_KERNEL, order);

	assert_non_null(page);
	__free_pages(page, order);
	assert_all_merged(env);
	assert_int_equal(event(env, PGFREE), 1UL << order);

	__free_pages(page, order);
	zd_test_expect_bugs(env, 1, "put of a free page");
	assert_int_equal(page_ref_count(page), 0);
	assert_int_equal(event(env, PGFREE), 1UL << order);
	assert_all_merged(env);
	assert_audit_clean(env);
}

static void test_double_free(void **state)
{
	do_double_free(*state, 0);
}

static void test_double_free_high_order(void **state)
{
	do_double_free(*state, 2);
}

/*
 * __free_pages() with an order other than the one allocated: reported, and
 * no wrongly sized block reaches the free lists.
 */
static void test_free_wrong_order(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long before = nr_free(env);
	struct page *page = alloc_pages_node(env->nid, GFP_KERNEL, 2);

	assert_non_null(page);
	__free_pages(page, 1);
	zd_test_expect_bugs(env, 1, "order other than allocated");
	assert_int_equal(nr_free(env), before - 4);
	assert_int_equal(event(env, PGFREE), 0);
	assert_false(PageBuddy(page));
	assert_audit_clean(env);
}

/*
 * The same with a compound page: the order check must come before the
 * compound geometry is taken apart, or the block is left half torn, with
 * tails whose head is no longer a head.
 */
static void test_free_wrong_order_compound(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long before = nr_free(env), i;
	struct folio *folio = __folio_alloc_node(GFP_KERNEL, 2, env->nid);

	assert_non_null(folio);
	__free_pages(&folio->page, 1);
	zd_test_expect_bugs(env, 1, "order other than allocated");
	assert_int_equal(nr_free(env), before - 4);
	assert_int_equal(event(env, PGFREE), 0);
	for (i = 1; i < 4; i++) {
		struct page *page = folio_page(folio, i);

		if (PageTail(page) && !PageHead(compound_head(page)))
			fail_msg("pfn %#lx is a tail of pfn %#lx, which is no head",
				 page_to_pfn(page), page_to_pfn(compound_head(page)));
	}
	assert_audit_clean(env);
}

/*
 * The kernel's free_page_is_bad(): a page freed while still mapped or
 * locked is "bad page state", reported with the reason, and kept out of the
 * allocator (bad_page() leaks it on purpose).  Nothing else may suffer.
 */
static void do_free_bad_page(struct zd_test_env *env, void (*spoil)(struct page *),
			     const char *reason)
{
	unsigned long before = nr_free(env);
	struct page *page = alloc_page_node(env->nid, GFP_KERNEL);
	const char *report;

	assert_non_null(page);
	spoil(page);
	__free_page(page);
	report = zd_test_report(env);
	if (!strstr(report, reason))
		fail_msg("expected \"%s\" in the report:\n%s", reason, report);
	zd_test_expect_bugs(env, 1, "bad page state");
	assert_int_equal(page_ref_count(page), 0);
	assert_false(PageBuddy(page));
	assert_int_equal(nr_free(env), before - 1);
	assert_int_equal(event(env, PGFREE), 0);
	assert_audit_clean(env);
}

static void spoil_mapped(struct page *page)
{
	atomic_set(&page->_mapcount, 0);
	assert_int_equal(page_mapcount(page), 1);
}

static void spoil_locked(struct page *page)
{
	assert_true(trylock_page(page));
}

static void test_free_mapped_page(void **state)
{
	do_free_bad_page(*state, spoil_mapped, "nonzero mapcount");
}

static void test_free_locked_page(void **state)
{
	do_free_bad_page(*state, spoil_locked, "PG_locked set");
}

/* unlock_page() of a page nobody locked: reported, the page unchanged. */
static void test_unlock_unlocked_page(void **state)
{
	struct zd_test_env *env = *state;
	struct page *page = alloc_page_node(env->nid, GFP_KERNEL);
	unsigned long flags;

	assert_non_null(page);
	flags = READ_ONCE(page->flags);
	unlock_page(page);
	zd_test_expect_bugs(env, 1, "unlock of an unlocked page");
	assert_int_equal(READ_ONCE(page->flags), flags);
	assert_false(PageLocked(page));
	assert_int_equal(page_ref_count(page), 1);
	assert_audit_clean(env);

	__free_page(page);
	assert_all_merged(env);
}

/* ------------------------------------------------------------------ */
/* The page lock                                                       */
/* ------------------------------------------------------------------ */

static void test_trylock_page(void **state)
{
	struct zd_test_env *env = *state;
	struct page *page = alloc_page_node(env->nid, GFP_KERNEL);

	assert_non_null(page);
	assert_false(PageLocked(page));
	assert_true(trylock_page(page));
	assert_true(PageLocked(page));
	assert_false(trylock_page(page));
	assert_true(PageLocked(page));
	unlock_page(page);
	assert_false(PageLocked(page));
	/* Uncontended: no waiter was ever announced. */
	assert_false(PageWaiters(page));
	lock_page(page);
	assert_true(PageLocked(page));
	unlock_page(page);
	assert_false(PageLocked(page));
	__free_page(page);
	assert_int_equal(zd_system_take_bugs(env->sys), 0);
	assert_all_merged(env);
}

struct lock_waiter {
	struct page *page;
	bool take;			/* lock_page(), or only wait */
	atomic_t done;			/* past lock_page()/wait_on_page_locked() */
	atomic_t saw_locked;		/* PG_locked as seen right after */
};

static void *lock_waiter_fn(void *arg)
{
	struct lock_waiter *w = arg;

	if (w->take)
		lock_page(w->page);
	else
		wait_on_page_locked(w->page);
	atomic_set(&w->saw_locked, PageLocked(w->page));
	atomic_set(&w->done, 1);
	if (w->take)
		unlock_page(w->page);
	return NULL;
}

/*
 * Wait until the other thread has announced itself as a waiter: it sets
 * PG_waiters just before it sleeps, so from then on it cannot have got past
 * the lock.  Bounded so a broken lock fails the test instead of hanging.
 */
static void wait_for_waiter(struct page *page)
{
	int i;

	for (i = 0; i < 10000 && !PageWaiters(page); i++)
		usleep(1000);
	assert_true(PageWaiters(page));
}

static void do_lock_contended(struct zd_test_env *env, bool take)
{
	struct page *page = alloc_page_node(env->nid, GFP_KERNEL);
	struct lock_waiter w = { .take = take };
	struct zd_thread thread;

	assert_non_null(page);
	w.page = page;
	lock_page(page);
	assert_int_equal(zd_thread_start(&thread, lock_waiter_fn, &w), 0);
	wait_for_waiter(page);
	/* Give it a chance to get past a lock that does not hold. */
	usleep(20000);
	assert_int_equal(atomic_read(&w.done), 0);
	assert_true(PageLocked(page));

	unlock_page(page);
	zd_thread_join(&thread);
	assert_int_equal(atomic_read(&w.done), 1);
	/* lock_page() returned holding it; folio_wait_locked() not. */
	assert_int_equal(atomic_read(&w.saw_locked), take);
	assert_false(PageLocked(page));

	__free_page(page);
	assert_int_equal(zd_system_take_bugs(env->sys), 0);
	assert_all_merged(env);
}

static void test_lock_page_blocks(void **state)
{
	do_lock_contended(*state, true);
}

static void test_folio_wait_locked(void **state)
{
	do_lock_contended(*state, false);
}

/* ------------------------------------------------------------------ */
/* Trace events                                                        */
/* ------------------------------------------------------------------ */

struct traced {
	struct zd_system *sys;
	FILE *stream;
	char *buf;
	size_t len;
};

/* A second, traced node next to the test's own, under the same scheme. */
static void traced_start(struct zd_test_env *env, struct traced *t, enum zd_trace_format fmt)
{
	struct zd_config cfg = {
		.ram_size = 4UL << 20,
		.scheme = env->scheme,
		.report = env->report,
		.trace_format = fmt,
		.name = "traced",
	};

	t->buf = NULL;
	t->len = 0;
	t->stream = open_memstream(&t->buf, &t->len);
	assert_non_null(t->stream);
	cfg.trace = t->stream;
	t->sys = zd_system_create(&cfg);
	assert_false(IS_ERR(t->sys));
	assert_int_not_equal(zd_system_nid(t->sys), env->nid);
}

/* Tear the traced node down (which ends the trace) and return the text. */
static const char *traced_stop(struct traced *t)
{
	assert_int_equal(zd_system_audit(t->sys, NULL), 0);
	assert_int_equal(zd_system_destroy(t->sys), 0);
	fclose(t->stream);
	assert_non_null(t->buf);
	return t->buf;
}

/* Where @line occurs in @buf as a whole line, or NULL. */
static const char *find_line(const char *buf, const char *line)
{
	size_t len = strlen(line);
	const char *p = buf;

	while ((p = strstr(p, line))) {
		if (p[len] == '\n')
			return p;
		p += len;
	}
	return NULL;
}

static const char *expect_line(const char *buf, const char *fmt, ...) __printf(2, 3);

/* The event line as the kernel formats it, from the event name on. */
static const char *expect_line(const char *buf, const char *fmt, ...)
{
	char line[512];
	const char *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	p = find_line(buf, line);
	if (!p)
		fail_msg("no trace line \"%s\" in:\n%s", line, buf);
	return p;
}

/*
 * ftrace text: the page_ref tracepoints with the kernel's fields (pfn,
 * flags, count, mapcount, mapping, mt, val[, ret]) where count is the value
 * after the change, in the order things happened, and mm_page_alloc /
 * mm_page_free around them.  Pages of the untraced node never appear.
 */
static void test_trace_text(void **state)
{
	struct zd_test_env *env = *state;
	const char *buf, *set, *alloc, *get, *put, *last, *free_ev;
	struct page *page, *untraced;
	unsigned long pfn, other;
	struct traced t;

	traced_start(env, &t, ZD_TRACE_TEXT);
	page = alloc_pages_node(zd_system_nid(t.sys), GFP_KERNEL, 0);
	assert_non_null(page);
	pfn = page_to_pfn(page);
	untraced = alloc_page_node(env->nid, GFP_KERNEL);
	assert_non_null(untraced);
	other = page_to_pfn(untraced);
	get_page(page);
	put_page(page);
	__free_page(page);
	__free_page(untraced);
	buf = traced_stop(&t);

	assert_true(strncmp(buf, "# tracer: zonedev\n", 18) == 0);
	set = expect_line(buf, "page_ref_set: pfn=0x%lx flags= count=1 mapcount=0 mapping=%p mt=%d val=1",
			  pfn, NULL, MIGRATE_MOVABLE);
	alloc = expect_line(buf, "mm_page_alloc: page=%p pfn=0x%lx order=0 migratetype=%d gfp_flags=0x%x",
			    (void *)page, pfn, MIGRATE_MOVABLE, GFP_KERNEL);
	get = expect_line(buf, "page_ref_mod: pfn=0x%lx flags= count=2 mapcount=0 mapping=%p mt=%d val=1",
			  pfn, NULL, MIGRATE_MOVABLE);
	put = expect_line(buf, "page_ref_mod_and_test: pfn=0x%lx flags= count=1 mapcount=0 mapping=%p mt=%d val=-1 ret=0",
			  pfn, NULL, MIGRATE_MOVABLE);
	last = expect_line(buf, "page_ref_mod_and_test: pfn=0x%lx flags= count=0 mapcount=0 mapping=%p mt=%d val=-1 ret=1",
			   pfn, NULL, MIGRATE_MOVABLE);
	free_ev = expect_line(buf, "mm_page_free: page=%p pfn=0x%lx order=0", (void *)page, pfn);
	assert_true(set < alloc && alloc < get && get < put && put < last && last < free_ev);

	{
		char needle[64];

		snprintf(needle, sizeof(needle), "pfn=0x%lx ", other);
		assert_null(strstr(buf, needle));
	}
	free(t.buf);
	assert_all_merged(env);
}

/* A compound page's events carry its flags: "head" on the head page. */
static void test_trace_text_compound(void **state)
{
	struct zd_test_env *env = *state;
	struct folio *folio;
	unsigned long pfn;
	const char *buf;
	struct traced t;

	traced_start(env, &t, ZD_TRACE_TEXT);
	folio = __folio_alloc_node(GFP_KERNEL, 2, zd_system_nid(t.sys));
	assert_non_null(folio);
	pfn = folio_pfn(folio);
	folio_put(folio);
	buf = traced_stop(&t);

	/* The count is set before the head is made: no flags yet. */
	expect_line(buf, "page_ref_set: pfn=0x%lx flags= count=1 mapcount=0 mapping=%p mt=%d val=1",
		    pfn, NULL, MIGRATE_MOVABLE);
	expect_line(buf, "mm_page_alloc: page=%p pfn=0x%lx order=2 migratetype=%d gfp_flags=0x%x",
		    (void *)folio, pfn, MIGRATE_MOVABLE, GFP_KERNEL | __GFP_COMP);
	expect_line(buf, "page_ref_mod_and_test: pfn=0x%lx flags=head count=0 mapcount=0 mapping=%p mt=%d val=-1 ret=1",
		    pfn, NULL, MIGRATE_MOVABLE);
	expect_line(buf, "mm_page_free: page=%p pfn=0x%lx order=2", (void *)folio, pfn);
	free(t.buf);
}

static unsigned long count_substr(const char *buf, const char *needle)
{
	unsigned long n = 0;

	while ((buf = strstr(buf, needle))) {
		n++;
		buf += strlen(needle);
	}
	return n;
}

/*
 * Chrome trace JSON: one array of instant events, each tracepoint's fields
 * as string args.
 */
static void test_trace_json(void **state)
{
	struct zd_test_env *env = *state;
	char want[256];
	const char *buf, *end;
	struct page *page;
	unsigned long pfn, events;
	struct traced t;

	traced_start(env, &t, ZD_TRACE_JSON);
	page = alloc_pages_node(zd_system_nid(t.sys), GFP_KERNEL, 1);
	assert_non_null(page);
	pfn = page_to_pfn(page);
	__free_pages(page, 1);
	buf = traced_stop(&t);

	assert_int_equal(buf[0], '[');
	end = buf + strlen(buf);
	while (end > buf && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	assert_true(end > buf);
	assert_int_equal(end[-1], ']');

	events = count_substr(buf, "{\"name\":\"");
	assert_int_equal(events, 4);
	assert_int_equal(count_substr(buf, "\"name\":\"page_ref_set\""), 1);
	assert_int_equal(count_substr(buf, "\"name\":\"mm_page_alloc\""), 1);
	assert_int_equal(count_substr(buf, "\"name\":\"page_ref_mod_and_test\""), 1);
	assert_int_equal(count_substr(buf, "\"name\":\"mm_page_free\""), 1);
	/* Events are separated by commas, none after the last. */
	assert_int_equal(count_substr(buf, "}},\n{"), events - 1);
	assert_int_equal(count_substr(buf, "\"ph\":\"i\""), events);

	snprintf(want, sizeof(want),
		 "\"args\":{\"pfn\":\"0x%lx\",\"flags\":\"\",\"count\":\"1\",\"mapcount\":\"0\",",
		 pfn);
	if (!strstr(buf, want))
		fail_msg("no page_ref_set args \"%s\" in:\n%s", want, buf);
	snprintf(want, sizeof(want), "\"mt\":\"%d\",\"val\":\"-1\",\"ret\":\"1\"}}",
		 MIGRATE_MOVABLE);
	if (!strstr(buf, want))
		fail_msg("no final put args \"%s\" in:\n%s", want, buf);
	snprintf(want, sizeof(want), "\"pfn\":\"0x%lx\",\"order\":\"1\"}}", pfn);
	assert_int_equal(count_substr(buf, want), 1);	/* mm_page_free */
	free(t.buf);
}

/* ------------------------------------------------------------------ */
/* Concurrency                                                         */
/* ------------------------------------------------------------------ */

#define CONC_THREADS	4
#define CONC_ROUNDS	5000
#define CONC_SLOTS	8

struct conc_block {
	struct page *page;
	unsigned int order;
	bool comp;
	unsigned long tag;
};

struct conc_thread {
	struct zd_thread thread;
	struct zd_test_env *env;
	unsigned long *owned;		/* bit per pfn of the node, shared */
	unsigned long rand;
	unsigned int id;
	/* results, read by the main thread after the join */
	unsigned long pages_allocated;
	unsigned long pages_freed;
	unsigned long failures;
	unsigned long overlaps;		/* a page handed to two owners */
	unsigned long corrupted;	/* a pattern changed under us */
	unsigned long bad_state;	/* refcount/geometry wrong on receipt */
};

static unsigned long conc_pattern(unsigned long tag, unsigned long i)
{
	return (tag << 12) ^ (i * 0x9E3779B97F4A7C15UL);
}

static unsigned long *page_words(struct page *page)
{
	return page_address(page);
}

#define WORDS_PER_PAGE	(PAGE_SIZE / sizeof(unsigned long))

static void conc_alloc(struct conc_thread *ct, struct conc_block *b, unsigned long tag)
{
	unsigned long r = zd_rand(&ct->rand);
	/* Mostly small orders, sometimes up to the top, so the buddy splits and merges. */
	unsigned int order = (r & 3) ? (unsigned int)((r >> 2) % 4)
				     : (unsigned int)((r >> 2) % NR_PAGE_ORDERS);
	bool comp = order && (r & 0x100);
	bool zero = order <= 3 && (r & 0x200);
	gfp_t gfp = GFP_KERNEL | (comp ? __GFP_COMP : 0) | (zero ? __GFP_ZERO : 0);
	unsigned long base = env_zone(ct->env)->zone_start_pfn, i, nr = 1UL << order;
	struct page *page = alloc_pages_node(ct->env->nid, gfp, order);

	b->page = page;
	if (!page) {
		ct->failures++;
		return;
	}
	ct->pages_allocated += nr;
	b->order = order;
	b->comp = comp;
	b->tag = tag;
	if (page_ref_count(page) != 1 || !IS_ALIGNED(page_to_pfn(page), nr) ||
	    (comp && (folio_order(page_folio(page)) != order ||
		      page_folio(page + nr - 1) != page_folio(page))))
		ct->bad_state++;
	for (i = 0; i < nr; i++) {
		unsigned long *w = page_words(page + i);

		if (test_and_set_bit((long)(page_to_pfn(page + i) - base), ct->owned))
			ct->overlaps++;
		if (zero && (w[0] || w[WORDS_PER_PAGE - 1]))
			ct->bad_state++;
		w[0] = conc_pattern(tag, i);
		w[WORDS_PER_PAGE - 1] = ~conc_pattern(tag, i);
	}
}

static void conc_free(struct conc_thread *ct, struct conc_block *b)
{
	unsigned long base = env_zone(ct->env)->zone_start_pfn, i, nr = 1UL << b->order;
	struct page *page = b->page;

	for (i = 0; i < nr; i++) {
		unsigned long *w = page_words(page + i);

		if (w[0] != conc_pattern(b->tag, i) ||
		    w[WORDS_PER_PAGE - 1] != ~conc_pattern(b->tag, i))
			ct->corrupted++;
		clear_bit((long)(page_to_pfn(page + i) - base), ct->owned);
	}
	if (b->comp && (b->tag & 1))
		folio_put(page_folio(page));
	else
		__free_pages(page, b->order);
	ct->pages_freed += nr;
	b->page = NULL;
}

static void *conc_thread_fn(void *arg)
{
	struct conc_thread *ct = arg;
	struct conc_block blocks[CONC_SLOTS] = { 0 };
	unsigned long round;
	unsigned int i;

	for (round = 0; round < CONC_ROUNDS; round++) {
		struct conc_block *b = &blocks[zd_rand(&ct->rand) % CONC_SLOTS];

		if (b->page)
			conc_free(ct, b);
		else
			conc_alloc(ct, b, ((unsigned long)ct->id << 32) | round);
	}
	for (i = 0; i < CONC_SLOTS; i++)
		if (blocks[i].page)
			conc_free(ct, &blocks[i]);
	return NULL;
}

/*
 * Four threads allocating and freeing random orders against one zone.
 * Each stamps every page it receives and checks the stamps before freeing;
 * a shared ownership bitmap catches a page handed to two threads at once.
 * Failures under pressure are allowed but must be counted exactly, and
 * in the end every page is back and merged.
 */
static void test_concurrent_alloc_free(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long seed = zd_test_seed();
	unsigned long *owned = calloc(BITS_TO_LONGS(RAM_PAGES), sizeof(unsigned long));
	struct conc_thread ct[CONC_THREADS];
	unsigned long allocated = 0, freed = 0, failures = 0;
	unsigned int i;

	assert_non_null(owned);
	for (i = 0; i < CONC_THREADS; i++) {
		memset(&ct[i], 0, sizeof(ct[i]));
		ct[i].env = env;
		ct[i].owned = owned;
		ct[i].id = i;
		ct[i].rand = seed ^ ((i + 1) * 0x9E3779B97F4A7C15UL);
	}
	for (i = 0; i < CONC_THREADS; i++)
		assert_int_equal(zd_thread_start(&ct[i].thread, conc_thread_fn, &ct[i]), 0);
	for (i = 0; i < CONC_THREADS; i++)
		zd_thread_join(&ct[i].thread);

	for (i = 0; i < CONC_THREADS; i++) {
		assert_int_equal(ct[i].overlaps, 0);
		assert_int_equal(ct[i].corrupted, 0);
		assert_int_equal(ct[i].bad_state, 0);
		assert_int_equal(ct[i].pages_allocated, ct[i].pages_freed);
		allocated += ct[i].pages_allocated;
		freed += ct[i].pages_freed;
		failures += ct[i].failures;
	}
	for (i = 0; i < BITS_TO_LONGS(RAM_PAGES); i++)
		assert_int_equal(owned[i], 0);
	free(owned);
	assert_true(allocated > 0);
	assert_int_equal(event(env, PGALLOC), allocated);
	assert_int_equal(event(env, PGFREE), freed);
	assert_int_equal(event(env, PGALLOC_FAIL), failures);
	assert_int_equal(zd_system_take_bugs(env->sys), 0);
	assert_all_merged(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ZD_TEST_BOTH(test_alloc_each_order),
		ZD_TEST_BOTH(test_alloc_non_compound),
		ZD_TEST_BOTH(test_free_merges_buddies),
		ZD_TEST_BOTH(test_exhaust_memory),
		ZD_TEST_BOTH(test_gfp_zero),
		ZD_TEST_BOTH(test_folio_geometry),
		ZD_TEST_BOTH(test_gfp_comp_free_pages),
		ZD_TEST_BOTH(test_compound_free_pages_while_referenced),
		ZD_TEST_BOTH(test_non_compound_free_pages_while_referenced),
		ZD_TEST_BOTH(test_fail_page_alloc),
		ZD_TEST_BOTH(test_fail_nth),
		ZD_TEST_BOTH(test_bad_arguments),
		ZD_TEST_BOTH(test_get_put_transitions),
		ZD_TEST_BOTH(test_put_of_free_page),
		ZD_TEST_BOTH(test_double_free),
		ZD_TEST_BOTH(test_double_free_high_order),
		ZD_TEST_BOTH(test_free_wrong_order),
		ZD_TEST_BOTH(test_free_wrong_order_compound),
		ZD_TEST_BOTH(test_free_mapped_page),
		ZD_TEST_BOTH(test_free_locked_page),
		ZD_TEST_BOTH(test_unlock_unlocked_page),
		ZD_TEST_BOTH(test_trylock_page),
		ZD_TEST_BOTH(test_lock_page_blocks),
		ZD_TEST_BOTH(test_folio_wait_locked),
		ZD_TEST_BOTH(test_trace_text),
		ZD_TEST_BOTH(test_trace_text_compound),
		ZD_TEST_BOTH(test_trace_json),
		ZD_TEST_BOTH(test_concurrent_alloc_free),
	};

	return ZD_RUN("page_alloc", tests);
}
