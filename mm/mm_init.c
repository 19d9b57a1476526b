// SPDX-License-Identifier: GPL-2.0-only
/*
 * Initialising struct pages: RAM at boot of a node, ZONE_DEVICE pages at
 * memremap_pages() (memmap_init_zone_device and the template it fills, see
 * mm/sparse.c), and compound page geometry.
 */
#include <string.h>
#include "internal.h"

static inline unsigned long page_links(enum zone_type zone, int nid)
{
	return ((unsigned long)zone << ZONES_PGSHIFT) | ((unsigned long)nid << NODES_PGSHIFT);
}

/** memmap_init_ram() - a node's RAM pages: zone, node, unmapped, refcount 0 */
void memmap_init_ram(int nid, unsigned long start_pfn, unsigned long nr_pages)
{
	unsigned long pfn;

	for (pfn = start_pfn; pfn < start_pfn + nr_pages; pfn++) {
		struct page *page = pfn_to_page(pfn);

		memset(page, 0, sizeof(*page));
		page->flags = page_links(ZONE_NORMAL, nid);
		page_mapcount_reset(page);
	}
}

/* The refcount of a ZONE_DEVICE page that nobody uses. */
static int device_page_idle_count(const struct dev_pagemap *pgmap)
{
	if (pgmap->scheme == ZD_REFCOUNT_ELEVATED)
		return 1;
	/* v6.15+: every type is free at 0 except GENERIC, still 1-based. */
	return pgmap->type == MEMORY_DEVICE_GENERIC ? 1 : 0;
}

/**
 * init_device_head() - __init_zone_device_page() for a head or order-0 page
 */
void init_device_head(struct page *page, struct dev_pagemap *pgmap)
{
	memset(page, 0, sizeof(*page));
	page->flags = page_links(ZONE_DEVICE, pgmap->nid) | BIT(PG_reserved);
	page_mapcount_reset(page);
	atomic_set(&page->_refcount, device_page_idle_count(pgmap));
	page->pgmap = pgmap;
	page->zone_device_data = NULL;
}

/**
 * memmap_init_altmap() - the pfns that hold the memmap itself (after the
 * driver's reserve, before the first device page) get plain reserved
 * ZONE_DEVICE struct pages at refcount 1, as memmap_init_range() gives them;
 * the reserve itself is left untouched, as in the kernel.
 */
void memmap_init_altmap(struct dev_pagemap *pgmap, unsigned long start_pfn,
			unsigned long pfn_first)
{
	unsigned long pfn;

	for (pfn = start_pfn + pgmap->altmap.reserve; pfn < pfn_first; pfn++) {
		struct page *page = pfn_to_page(pfn);

		memset(page, 0, sizeof(*page));
		page->flags = page_links(ZONE_DEVICE, pgmap->nid) | BIT(PG_reserved);
		page_mapcount_reset(page);
		atomic_set(&page->_refcount, 1);
	}
}

/* What every device tail page's flags word holds. */
unsigned long device_tail_flags(int nid)
{
	return page_links(ZONE_DEVICE, nid) | BIT(PG_reserved);
}

/** init_device_tail() - a compound tail: its head by mask, refcount 0 */
void init_device_tail(struct page *page, struct dev_pagemap *pgmap, unsigned int order)
{
	memset(page, 0, sizeof(*page));
	page->flags = device_tail_flags(pgmap->nid);
	page->compound_info = compound_info_mask(order);
	page_mapcount_reset(page);
}

/**
 * prep_compound_head() - the folio metadata in page[1]: order, mapcounts,
 * pincount, number of pages
 */
void prep_compound_head(struct page *head, unsigned int order)
{
	struct folio *folio = (struct folio *)head;

	__set_bit(PG_head, &head->flags);
	folio->_flags_1 = (folio->_flags_1 & ~0xffUL) | order;
	atomic_set(&folio->_large_mapcount, -1);
	atomic_set(&folio->_entire_mapcount, -1);
	atomic_set(&folio->_nr_pages_mapped, 0);
	atomic_set(&folio->_pincount, 0);
	folio->_folio_nr_pages = 1U << order;
}

/** prep_compound_page() - make an allocated RAM block a compound page */
void prep_compound_page(struct page *page, unsigned int order)
{
	unsigned long i, nr = 1UL << order;

	for (i = 1; i < nr; i++)
		WRITE_ONCE(page[i].compound_info, compound_info_mask(order));
	prep_compound_head(page, order);
}

/**
 * memmap_init_zone_device() - initialise every device page of a range, one
 * compound page at a time (the eager path, used with an altmap)
 */
void memmap_init_zone_device(struct zone *zone, unsigned long start_pfn,
			     unsigned long nr_pages, struct dev_pagemap *pgmap)
{
	unsigned int order = (unsigned int)pgmap->vmemmap_shift;
	unsigned long pfn, i, step = 1UL << order;

	(void)zone;
	for (pfn = start_pfn; pfn < start_pfn + nr_pages; pfn += step) {
		struct page *head = pfn_to_page(pfn);

		init_device_head(head, pgmap);
		for (i = 1; i < step; i++)
			init_device_tail(head + i, pgmap, order);
		if (order)
			prep_compound_head(head, order);
	}
}
