// SPDX-License-Identifier: GPL-2.0-only
/*
 * The buddy allocator for a node's RAM: free lists per order up to
 * MAX_PAGE_ORDER, merging on free, splitting on allocation, fault
 * injection on every allocation, and the checks the kernel makes of a page
 * being freed (mapped, still referenced, locked, with a mapping: "bad page
 * state", reported and the page kept out of the allocator).
 */
#include <string.h>
#include "internal.h"

#define NO_ALLOC	0xff
/*
 * A block whose free was refused (bad page state, wrong order): reported
 * once, then kept out of the allocator for good, as the kernel's bad_page()
 * does, and no longer counted as in use.
 */
#define SET_ASIDE	0x80

static inline bool slot_set_aside(unsigned char slot)
{
	return slot != NO_ALLOC && (slot & SET_ASIDE);
}

static inline unsigned int buddy_order(const struct page *page)
{
	return (unsigned int)page->private;
}

static inline void set_buddy_order(struct page *page, unsigned int order)
{
	page->private = order;
	__SetPageBuddy(page);
}

static inline bool zone_spans_pfn(const struct zone *zone, unsigned long pfn)
{
	return pfn >= zone->zone_start_pfn && pfn < zone->zone_start_pfn + zone->spanned_pages;
}

static inline unsigned char *alloc_order_slot(struct zone *zone, unsigned long pfn)
{
	return &zone->alloc_order[pfn - zone->zone_start_pfn];
}

void zone_init_free_lists(struct zone *zone)
{
	unsigned int order;

	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		INIT_LIST_HEAD(&zone->free_area[order].free_list);
		zone->free_area[order].nr_free = 0;
	}
}

static inline void add_to_free_list(struct page *page, struct zone *zone, unsigned int order)
{
	set_buddy_order(page, order);
	list_add(&page->lru, &zone->free_area[order].free_list);
	zone->free_area[order].nr_free++;
}

static inline void del_page_from_free_list(struct page *page, struct zone *zone,
					   unsigned int order)
{
	list_del(&page->lru);
	__ClearPageBuddy(page);
	page->private = 0;
	zone->free_area[order].nr_free--;
}

/* Called with zone->lock held. */
static void __free_one_page(struct page *page, unsigned long pfn, struct zone *zone,
			    unsigned int order)
{
	atomic_long_add(1L << order, &zone->vm_stat[NR_FREE_PAGES]);
	while (order < MAX_PAGE_ORDER) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		struct page *buddy;

		if (!zone_spans_pfn(zone, buddy_pfn))
			break;
		buddy = pfn_to_page(buddy_pfn);
		if (!PageBuddy(buddy) || buddy_order(buddy) != order)
			break;
		del_page_from_free_list(buddy, zone, order);
		pfn &= buddy_pfn;
		page = pfn_to_page(pfn);
		order++;
	}
	add_to_free_list(page, zone, order);
}

/** free_area_init_ram() - hand a node's RAM to its buddy allocator */
void free_area_init_ram(struct pglist_data *pgdat, unsigned long start_pfn,
			unsigned long nr_pages)
{
	struct zone *zone = &pgdat->node_zones[ZONE_NORMAL];
	unsigned long pfn;

	spin_lock(&zone->lock);
	for (pfn = start_pfn; pfn < start_pfn + nr_pages; pfn += MAX_ORDER_NR_PAGES)
		__free_one_page(pfn_to_page(pfn), pfn, zone, MAX_PAGE_ORDER);
	spin_unlock(&zone->lock);
}

/* Called with zone->lock held: split a 2^high block down to 2^low. */
static void expand(struct zone *zone, struct page *page, unsigned int low, unsigned int high)
{
	unsigned long size = 1UL << high;

	while (high > low) {
		high--;
		size >>= 1;
		add_to_free_list(&page[size], zone, high);
	}
}

static struct page *__rmqueue_smallest(struct zone *zone, unsigned int order)
{
	unsigned int current_order;

	for (current_order = order; current_order < NR_PAGE_ORDERS; current_order++) {
		struct free_area *area = &zone->free_area[current_order];
		struct page *page = list_first_entry_or_null(&area->free_list, struct page, lru);

		if (!page)
			continue;
		del_page_from_free_list(page, zone, current_order);
		expand(zone, page, order, current_order);
		atomic_long_sub(1L << order, &zone->vm_stat[NR_FREE_PAGES]);
		return page;
	}
	return NULL;
}

static void prep_new_page(struct page *page, unsigned int order, gfp_t gfp)
{
	unsigned long i;

	for (i = 0; i < (1UL << order); i++) {
		WRITE_ONCE(page[i].lru.next, NULL);	/* compound_info: see list.h */
		WRITE_ONCE(page[i].lru.prev, NULL);
	}
	set_page_count(page, 1);
	if (gfp & __GFP_ZERO)
		memset(page_address(page), 0, PAGE_SIZE << order);
	if (order && (gfp & __GFP_COMP))
		prep_compound_page(page, order);
}

/**
 * alloc_pages_node() - allocate 2^@order contiguous pages of node @nid's RAM
 * @nid: the node (zd_system_nid())
 * @gfp: GFP flags; __GFP_ZERO zeroes, __GFP_COMP makes a compound page
 * @order: 0..MAX_PAGE_ORDER
 *
 * Return: the first page with refcount 1, or NULL (no memory, a bad
 * argument, or an injected failure).
 */
struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	struct pglist_data *pgdat;
	struct zone *zone;
	struct page *page;

	if (nid < 0 || nid >= MAX_NUMNODES || !(pgdat = NODE_DATA(nid)))
		return NULL;
	if (order > MAX_PAGE_ORDER || (gfp & ~__GFP_BITS_MASK))
		return NULL;
	if (should_fail(&fail_page_alloc, PAGE_SIZE << order)) {
		__count_node_event(pgdat, PGALLOC_FAIL, 1);
		return NULL;
	}
	zone = &pgdat->node_zones[ZONE_NORMAL];
	spin_lock(&zone->lock);
	page = __rmqueue_smallest(zone, order);
	if (page)
		*alloc_order_slot(zone, page_to_pfn(page)) = (unsigned char)order;
	spin_unlock(&zone->lock);
	if (!page) {
		__count_node_event(pgdat, PGALLOC_FAIL, 1);
		return NULL;
	}
	__count_node_event(pgdat, PGALLOC, 1L << order);
	prep_new_page(page, order, gfp);
	if (pgdat->sys && READ_ONCE(pgdat->sys->cfg.trace))
		zd_trace_event(pgdat->sys, "mm_page_alloc", "page=%p pfn=0x%lx order=%u migratetype=%d gfp_flags=0x%x",
			       (void *)page, page_to_pfn(page), order, MIGRATE_MOVABLE, gfp);
	return page;
}

/** __folio_alloc_node() - allocate a compound folio of @order on @nid */
struct folio *__folio_alloc_node(gfp_t gfp, unsigned int order, int nid)
{
	return (struct folio *)alloc_pages_node(nid, gfp | __GFP_COMP, order);
}

/* The kernel's free_page_is_bad(): what a page must not be when freed. */
static const char *page_bad_reason(const struct page *page)
{
	if (atomic_read(&page->_mapcount) != -1)
		return "nonzero mapcount";
	if (page->mapping)
		return "non-NULL mapping";
	if (atomic_read(&page->_refcount))
		return "nonzero _refcount";
	if (test_bit(PG_locked, &page->flags))
		return "PG_locked set";
	if (PageBuddy(page))
		return "already free";
	return NULL;
}

/* Undo the compound geometry and check every page; false if any is bad. */
static bool free_pages_prepare(struct page *page, unsigned int order)
{
	unsigned long i, nr = 1UL << order;
	bool bad = false;
	const char *why;

	if (PageHead(page)) {
		struct folio *folio = (struct folio *)page;

		why = NULL;
		if (atomic_read(&folio->_entire_mapcount) != -1)
			why = "nonzero entire_mapcount";
		else if (atomic_read(&folio->_nr_pages_mapped))
			why = "nonzero nr_pages_mapped";
		else if (atomic_read(&folio->_pincount))
			why = "nonzero pincount";
		if (why) {
			__vm_bug_page(page, why, "free_pages_prepare (bad page state)", __LINE__);
			return false;
		}
		__clear_bit(PG_head, &page->flags);
		WRITE_ONCE(folio->_flags_1, READ_ONCE(folio->_flags_1) & ~0xffUL);
		atomic_set(&folio->_large_mapcount, -1);
		folio->_folio_nr_pages = 0;
		for (i = 1; i < nr; i++) {
			WRITE_ONCE(page[i].compound_info, 0);
			page[i].lru.prev = NULL;
			page[i].mapping = NULL;
			page[i].index = 0;
			page_mapcount_reset(&page[i]);
		}
	}
	/* An anonymous folio's anon_vma pointer is just cleared, as the kernel does. */
	if ((unsigned long)page->mapping & PAGE_MAPPING_ANON)
		WRITE_ONCE(page->mapping, NULL);
	for (i = 0; i < nr; i++) {
		why = page_bad_reason(&page[i]);
		if (why) {
			__vm_bug_page(&page[i], why, "free_pages_prepare (bad page state)", __LINE__);
			bad = true;
		}
	}
	if (bad)
		return false;
	/*
	 * gup-fast may be looking at this struct page speculatively (it will
	 * fail to take a reference at 0): single-copy atomic updates only.
	 */
	WRITE_ONCE(page->flags, READ_ONCE(page->flags) & ~(PAGEFLAGS_MASK & ~BIT(PG_reserved)));
	page->private = 0;
	return true;
}

/**
 * page_set_aside() - is @page in a block whose free was refused?  Such a
 * page was reported once and keeps whatever state made it bad.
 */
bool page_set_aside(struct page *page)
{
	struct zone *zone = page_zone(page);
	unsigned long pfn = page_to_pfn(page), i;
	bool aside = false;

	spin_lock(&zone->lock);
	for (i = 0; i <= MAX_PAGE_ORDER && !aside; i++) {
		unsigned long head = pfn & ~((1UL << i) - 1);
		unsigned char slot;

		if (head < zone->zone_start_pfn)
			break;
		slot = *alloc_order_slot(zone, head);
		aside = slot_set_aside(slot) && (slot & ~SET_ASIDE) >= i;
	}
	spin_unlock(&zone->lock);
	return aside;
}

/* Take the block at @pfn out of circulation after a refused free. */
static void set_aside(struct zone *zone, unsigned long pfn, unsigned char slot)
{
	spin_lock(&zone->lock);
	*alloc_order_slot(zone, pfn) = slot | SET_ASIDE;
	spin_unlock(&zone->lock);
}

static void free_the_page(struct page *page, unsigned int order)
{
	struct pglist_data *pgdat = page_pgdat(page);
	struct zone *zone = page_zone(page);
	unsigned long pfn = page_to_pfn(page);
	unsigned char slot;

	/* The order is checked before anything of the block is touched. */
	spin_lock(&zone->lock);
	slot = *alloc_order_slot(zone, pfn);
	spin_unlock(&zone->lock);
	if (unlikely(slot != order)) {
		__vm_bug_page(page, slot == NO_ALLOC || slot_set_aside(slot)
				    ? "free of a page that was not allocated"
				    : "freed with an order other than allocated",
			      __func__, __LINE__);
		if (slot != NO_ALLOC && !slot_set_aside(slot))
			set_aside(zone, pfn, slot);
		return;
	}
	if (!free_pages_prepare(page, order)) {
		set_aside(zone, pfn, slot);
		return;
	}
	spin_lock(&zone->lock);
	*alloc_order_slot(zone, pfn) = NO_ALLOC;
	__free_one_page(page, pfn, zone, order);
	spin_unlock(&zone->lock);
	__count_node_event(pgdat, PGFREE, 1L << order);
	if (pgdat->sys && READ_ONCE(pgdat->sys->cfg.trace))
		zd_trace_event(pgdat->sys, "mm_page_free", "page=%p pfn=0x%lx order=%u",
			       (void *)page, pfn, order);
}

/** free_unref_folio() - the last reference to a RAM folio went */
void free_unref_folio(struct folio *folio, unsigned int order)
{
	free_the_page(&folio->page, order);
}

/*
 * A non-compound block: if someone else still holds its first page, the
 * rest of the block goes now and the first page when they let go.  The
 * reference is dropped and the bookkeeping split under zone->lock, which
 * their free_the_page() takes to read it, so whoever is last frees the
 * first page with the order it then has.
 */
static void free_pages_split(struct page *page, unsigned int order)
{
	struct zone *zone = page_zone(page);
	unsigned long pfn = page_to_pfn(page);
	unsigned int o;
	int ret;

	spin_lock(&zone->lock);
	if (*alloc_order_slot(zone, pfn) != order && page_ref_count(page) > 0) {
		spin_unlock(&zone->lock);
		free_the_page(page, order);	/* reports the order mismatch */
		return;
	}
	ret = folio_ref_sub_checked(page_folio(page), 1);
	if (ret > 0) {
		*alloc_order_slot(zone, pfn) = 0;
		for (o = order; o-- > 0;)
			*alloc_order_slot(zone, pfn + (1UL << o)) = (unsigned char)o;
	}
	spin_unlock(&zone->lock);
	if (ret == 0)
		free_the_page(page, order);
	else if (ret > 0)
		while (order-- > 0)
			free_the_page(page + (1UL << order), order);
}

/**
 * __free_pages() - drop the allocation reference of a 2^@order block
 *
 * If somebody else still holds the first page of a non-compound block, the
 * rest of the block is freed now and the first page when they let go.
 */
void __free_pages(struct page *page, unsigned int order)
{
	if (!page || order > MAX_PAGE_ORDER || !pfn_valid(page_to_pfn(page))) {
		if (page)
			zd_report_bug(NULL, "__free_pages(%p, %u): not an allocated block",
				      (void *)page, order);
		return;
	}
	if (order && !PageHead(page)) {
		free_pages_split(page, order);
		return;
	}
	if (folio_ref_sub_checked(page_folio(page), 1) == 0)
		free_the_page(page, order);
}

/* ------------------------------------------------------------------ */
/* Audit                                                               */
/* ------------------------------------------------------------------ */

static int audit_bad(FILE *out, const struct page *page, const char *what)
{
	if (out) {
		fprintf(out, "zonedev: audit: %s\n", what);
		dump_page_to(out, page, what);
	}
	return 1;
}

/**
 * audit_buddy() - check a node's RAM: free lists consistent, every page
 * either free (in exactly one free block) or covered by an allocation, no
 * free page referenced, mapped or locked, the free counter exact
 *
 * Return: the number of violations found.
 */
int audit_buddy(struct zd_system *sys, FILE *out)
{
	struct zone *zone = &sys->pgdat->node_zones[ZONE_NORMAL];
	unsigned long start = zone->zone_start_pfn, n = zone->spanned_pages;
	unsigned long pfn, i, nr_free = 0;
	unsigned char *state;	/* 0 unseen, 1 free, 2 allocated */
	unsigned int order;
	int bad = 0;

	state = kzalloc(n, 0);
	if (!state)
		return 0;
	spin_lock(&zone->lock);
	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		struct free_area *area = &zone->free_area[order];
		unsigned long count = 0;
		struct page *page;

		list_for_each_entry(page, &area->free_list, lru) {
			pfn = page_to_pfn(page);
			count++;
			if (!zone_spans_pfn(zone, pfn) || !IS_ALIGNED(pfn - start, 1UL << order)) {
				bad += audit_bad(out, page, "free block outside its zone or misaligned");
				continue;
			}
			if (!PageBuddy(page) || buddy_order(page) != order)
				bad += audit_bad(out, page, "free list entry without PageBuddy of its order");
			for (i = 0; i < (1UL << order); i++) {
				struct page *p = page + i;

				if (state[pfn - start + i]) {
					bad += audit_bad(out, p, "page in two free blocks");
					continue;
				}
				state[pfn - start + i] = 1;
				if (page_ref_count(p))
					bad += audit_bad(out, p, "free page with nonzero refcount");
				if (test_bit(PG_locked, &p->flags))
					bad += audit_bad(out, p, "free page locked");
				if (i && (atomic_read(&p->_mapcount) != -1 || PageTail(p)))
					bad += audit_bad(out, p, "free page mapped or still a tail");
			}
			nr_free += 1UL << order;
		}
		if (count != area->nr_free) {
			if (out)
				fprintf(out, "zonedev: audit: free_area[%u].nr_free %lu, list holds %lu\n",
					order, area->nr_free, count);
			bad++;
		}
	}
	for (pfn = start; pfn < start + n; pfn++) {
		unsigned char o = *alloc_order_slot(zone, pfn);

		if (o == NO_ALLOC)
			continue;
		if (slot_set_aside(o)) {
			/* Reported when its free was refused; accounted for. */
			for (i = 0; i < (1UL << (o & ~SET_ASIDE)); i++)
				state[pfn - start + i] = 2;
			continue;
		}
		for (i = 0; i < (1UL << o); i++) {
			if (state[pfn - start + i] == 1)
				bad += audit_bad(out, pfn_to_page(pfn + i), "page both free and allocated");
			state[pfn - start + i] = 2;
		}
		if (page_ref_count(pfn_to_page(pfn)) <= 0)
			bad += audit_bad(out, pfn_to_page(pfn), "allocated page with refcount <= 0 (leaked or lost)");
	}
	for (pfn = start; pfn < start + n; pfn++) {
		struct page *p = pfn_to_page(pfn);

		if (!state[pfn - start])
			bad += audit_bad(out, p, "page neither free nor allocated (lost)");
		if (page_ref_count(p) < 0)
			bad += audit_bad(out, p, "negative refcount");
	}
	if ((unsigned long)atomic_long_read(&zone->vm_stat[NR_FREE_PAGES]) != nr_free) {
		if (out)
			fprintf(out, "zonedev: audit: NR_FREE_PAGES %ld, free lists hold %lu\n",
				atomic_long_read(&zone->vm_stat[NR_FREE_PAGES]), nr_free);
		bad++;
	}
	spin_unlock(&zone->lock);
	kfree(state);
	return bad;
}
