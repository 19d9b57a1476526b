/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Page and folio helpers: flags, compound geometry, zones, addresses,
 * references (get_page/folio_put and the two refcount schemes), the page
 * lock.
 */
#ifndef _ZONEDEV_MM_H
#define _ZONEDEV_MM_H

#include <zonedev/mmzone.h>
#include <zonedev/page_ref.h>
#include <zonedev/mmdebug.h>
#include <zonedev/memremap.h>
#include <zonedev/gfp.h>

#define PAGE_MAPPING_ANON	0x1

/* vm_fault_t values (the fault paths arrive with the software MMU). */
#define VM_FAULT_OOM		0x000001
#define VM_FAULT_SIGBUS		0x000002
#define VM_FAULT_MAJOR		0x000004
#define VM_FAULT_SIGSEGV	0x000040
#define VM_FAULT_RETRY		0x000400
#define GUP_PIN_COUNTING_BIAS	(1U << 10)

/* ------------------------------------------------------------------ */
/* Compound geometry                                                   */
/* ------------------------------------------------------------------ */

/*
 * A tail's compound_info: the mask that rounds the tail's address down to
 * its head's, with bit 0 set to mark the page as a tail.
 */
static inline unsigned long compound_info_mask(unsigned int order)
{
	return ~((sizeof(struct page) << order) - 1) | 1UL;
}

unsigned long __zero_tail_head(const struct page *page);
unsigned long __zero_tail_flags(const struct page *page);

/*
 * An all-zero struct page is a deduplicated tail of a device compound page
 * whose memmap beyond the first vmemmap page is the host's shared zero page
 * (mm/sparse.c); no initialised struct page has flags == 0, because every
 * page carries its zone in flags and ZONE_DEVICE/ZONE_NORMAL are non-zero.
 */
static __always_inline unsigned long _compound_head(const struct page *page)
{
	unsigned long info = READ_ONCE(page->compound_info);

	if (info & 1)
		return (unsigned long)page & info;
	if (unlikely(!READ_ONCE(page->flags)))
		return __zero_tail_head(page);
	return (unsigned long)page;
}

#define compound_head(page)	((__typeof__(page))_compound_head(page))
#define page_folio(p)		((struct folio *)_compound_head(p))
#define folio_page(folio, n)	(&(folio)->page + (n))

static __always_inline unsigned long page_flags_word(const struct page *page)
{
	unsigned long flags = READ_ONCE(page->flags);

	return likely(flags) ? flags : __zero_tail_flags(page);
}

static inline bool PageTail(const struct page *page)
{
	return _compound_head(page) != (unsigned long)page;
}

static inline bool PageHead(const struct page *page)
{
	return test_bit(PG_head, &page->flags);
}

static inline bool PageCompound(const struct page *page)
{
	return PageHead(page) || PageTail(page);
}

static inline bool folio_test_large(const struct folio *folio)
{
	return PageHead(&folio->page);
}

static inline unsigned int folio_order(const struct folio *folio)
{
	if (!folio_test_large(folio))
		return 0;
	return (unsigned int)(READ_ONCE(folio->_flags_1) & 0xff);
}

static inline long folio_nr_pages(const struct folio *folio)
{
	return 1L << folio_order(folio);
}

static inline unsigned int compound_order(const struct page *page)
{
	if (!PageHead(page))
		return 0;
	return folio_order((const struct folio *)page);
}

static inline unsigned long compound_nr(const struct page *page)
{
	return 1UL << compound_order(page);
}

static inline unsigned long folio_pfn(const struct folio *folio)
{
	return page_to_pfn(&folio->page);
}

static inline struct folio *pfn_folio(unsigned long pfn)
{
	return page_folio(pfn_to_page(pfn));
}

void prep_compound_page(struct page *page, unsigned int order);

/* ------------------------------------------------------------------ */
/* Zones, nodes, addresses                                             */
/* ------------------------------------------------------------------ */

static __always_inline enum zone_type page_zonenum(const struct page *page)
{
	return (enum zone_type)((page_flags_word(page) >> ZONES_PGSHIFT) & ZONES_MASK);
}

static __always_inline int page_to_nid(const struct page *page)
{
	return (int)((page_flags_word(page) >> NODES_PGSHIFT) & NODES_MASK);
}

static inline void set_page_links(struct page *page, enum zone_type zone, int nid)
{
	page->flags &= ~((ZONES_MASK << ZONES_PGSHIFT) | (NODES_MASK << NODES_PGSHIFT));
	page->flags |= ((unsigned long)zone << ZONES_PGSHIFT) |
		       ((unsigned long)nid << NODES_PGSHIFT);
}

static inline struct pglist_data *page_pgdat(const struct page *page)
{
	return NODE_DATA(page_to_nid(page));
}

static inline struct zone *page_zone(const struct page *page)
{
	return &page_pgdat(page)->node_zones[page_zonenum(page)];
}

static __always_inline bool is_zone_device_page(const struct page *page)
{
	return page_zonenum(page) == ZONE_DEVICE;
}

static __always_inline bool folio_is_zone_device(const struct folio *folio)
{
	return is_zone_device_page(&folio->page);
}

static inline int folio_nid(const struct folio *folio)
{
	return page_to_nid(&folio->page);
}

static inline void *page_address(const struct page *page)
{
	return __va(PFN_PHYS(page_to_pfn(page)));
}

static inline void *folio_address(const struct folio *folio)
{
	return page_address(&folio->page);
}

static inline struct page *virt_to_page(const void *addr)
{
	return pfn_to_page(PHYS_PFN(__pa(addr)));
}

/* pgmap is read through the head: a tail's word 1 is compound_info. */
static inline struct dev_pagemap *page_pgmap(const struct page *page)
{
	return page_folio(page)->pgmap;
}

static inline bool folio_is_device_private(const struct folio *folio)
{
	return folio_is_zone_device(folio) && folio->pgmap->type == MEMORY_DEVICE_PRIVATE;
}

static inline bool is_device_private_page(const struct page *page)
{
	return folio_is_device_private(page_folio(page));
}

static inline bool folio_is_device_coherent(const struct folio *folio)
{
	return folio_is_zone_device(folio) && folio->pgmap->type == MEMORY_DEVICE_COHERENT;
}

static inline bool is_device_coherent_page(const struct page *page)
{
	return folio_is_device_coherent(page_folio(page));
}

static inline bool folio_is_fsdax(const struct folio *folio)
{
	return folio_is_zone_device(folio) && folio->pgmap->type == MEMORY_DEVICE_FS_DAX;
}

static inline bool is_pci_p2pdma_page(const struct page *page)
{
	const struct folio *folio = page_folio(page);

	return folio_is_zone_device(folio) && folio->pgmap->type == MEMORY_DEVICE_PCI_P2PDMA;
}

/* ------------------------------------------------------------------ */
/* Flags                                                               */
/* ------------------------------------------------------------------ */

#define __PAGEFLAG_TEST(uname, lname)					\
static inline bool Page##uname(const struct page *page)		\
{ return test_bit(PG_##lname, &page->flags); }				\
static inline bool folio_test_##lname(const struct folio *folio)	\
{ return test_bit(PG_##lname, &folio->flags); }

__PAGEFLAG_TEST(Locked, locked)
__PAGEFLAG_TEST(Reserved, reserved)
__PAGEFLAG_TEST(HWPoison, hwpoison)
__PAGEFLAG_TEST(Dirty, dirty)
__PAGEFLAG_TEST(Waiters, waiters)
__PAGEFLAG_TEST(AnonExclusive, anon_exclusive)

static inline bool folio_test_anon(const struct folio *folio)
{
	return ((unsigned long)READ_ONCE(folio->mapping) & PAGE_MAPPING_ANON) != 0;
}

static inline bool PageAnon(const struct page *page)
{
	return folio_test_anon(page_folio(page));
}

static inline bool page_has_type(const struct page *page)
{
	return (int)READ_ONCE(page->page_type) < PAGE_MAPCOUNT_RESERVE;
}

static inline bool PageBuddy(const struct page *page)
{
	return (READ_ONCE(page->page_type) & (PAGE_TYPE_BASE | PG_buddy)) == PAGE_TYPE_BASE;
}

/*
 * page_type changes are single-copy atomic: the buddy allocator looks at a
 * neighbour's type under zone->lock while its owner may be changing it.
 */
static inline void __page_type_set(struct page *page, unsigned int type)
{
	WRITE_ONCE(page->page_type, READ_ONCE(page->page_type) & ~type);
}

static inline void __page_type_clear(struct page *page, unsigned int type)
{
	WRITE_ONCE(page->page_type, READ_ONCE(page->page_type) | type);
}

static inline void __SetPageBuddy(struct page *page)
{
	__page_type_set(page, PG_buddy);
}

static inline void __ClearPageBuddy(struct page *page)
{
	__page_type_clear(page, PG_buddy);
}

static inline bool PageTable(const struct page *page)
{
	return (READ_ONCE(page->page_type) & (PAGE_TYPE_BASE | PG_table)) == PAGE_TYPE_BASE;
}

static inline void __SetPageTable(struct page *page)
{
	__page_type_set(page, PG_table);
}

static inline void __ClearPageTable(struct page *page)
{
	__page_type_clear(page, PG_table);
}

/* ------------------------------------------------------------------ */
/* Mapcount and pins                                                   */
/* ------------------------------------------------------------------ */

static inline void page_mapcount_reset(struct page *page)
{
	atomic_set(&page->_mapcount, -1);
}

static inline int page_mapcount(const struct page *page)
{
	/* An all-zero (deduplicated) tail reads the zero page: never mapped. */
	if (unlikely(!READ_ONCE(page->flags)))
		return 0;
	return atomic_read(&page->_mapcount) + 1;
}

/*
 * A large folio counts its PMD/PUD ("entire") mappings in _entire_mapcount
 * and every mapping of it, entire or by PTE, in _large_mapcount; both live
 * in page[1] and start at -1.
 */
static inline int folio_entire_mapcount(const struct folio *folio)
{
	if (!folio_test_large(folio))
		return 0;
	return atomic_read(&folio->_entire_mapcount) + 1;
}

static inline int folio_mapcount(const struct folio *folio)
{
	if (!folio_test_large(folio))
		return atomic_read(&folio->_mapcount) + 1;
	return atomic_read(&folio->_large_mapcount) + 1;
}

static inline bool folio_mapped(const struct folio *folio)
{
	return folio_mapcount(folio) > 0;
}

static inline bool folio_has_pincount(const struct folio *folio)
{
	return folio_test_large(folio);
}

/*
 * Exact for large folios (the pincount); for small ones true means "at
 * least GUP_PIN_COUNTING_BIAS references", which may be a false positive.
 */
static inline bool folio_maybe_dma_pinned(const struct folio *folio)
{
	if (folio_has_pincount(folio))
		return atomic_read(&folio->_pincount) > 0;
	return (unsigned int)folio_ref_count(folio) >= GUP_PIN_COUNTING_BIAS;
}

/* ------------------------------------------------------------------ */
/* References: the two schemes                                         */
/* ------------------------------------------------------------------ */

void __folio_put(struct folio *folio);
bool __put_devmap_managed_folio_refs(struct folio *folio, int refs);
__cold void __folio_ref_underflow(struct folio *folio, int refs, int ret);

/*
 * Elevated scheme only: devmap_managed_key is enabled while any
 * devmap-managed pgmap exists, and only then does put_page() look at the
 * page's zone, exactly the cost the static key was introduced to hide.
 */
static __always_inline bool put_devmap_managed_folio_refs(struct folio *folio, int refs)
{
	if (!static_branch_unlikely(&devmap_managed_key))
		return false;
	if (!folio_is_zone_device(folio))
		return false;
	return __put_devmap_managed_folio_refs(folio, refs);
}

/*
 * Drop @refs and return the new count, tracing it as the kernel's
 * page_ref_mod_and_test.  Going below zero is a use of a free page: it is
 * reported and undone, never silent, and the caller sees a negative value.
 */
static __always_inline int folio_ref_sub_checked(struct folio *folio, int refs)
{
	int ret = atomic_sub_return(refs, &folio->_refcount);

	if (page_ref_tracepoint_active(page_ref_mod_and_test))
		__page_ref_mod_and_test(&folio->page, -refs, ret == 0);
	if (unlikely(ret < 0))
		__folio_ref_underflow(folio, refs, ret);
	return ret;
}

/* Drop @refs and report whether that was the last reference. */
static __always_inline bool folio_put_refs_testzero(struct folio *folio, int refs)
{
	return folio_ref_sub_checked(folio, refs) == 0;
}

static __always_inline bool folio_put_testzero(struct folio *folio)
{
	return folio_put_refs_testzero(folio, 1);
}

/**
 * folio_put() - drop a reference; free the folio when it was the last
 *
 * Zero scheme: the 1->0 transition frees it (buddy for RAM,
 * free_zone_device_folio() for device memory).  Elevated scheme: a
 * devmap-managed device page is caught first and its driver told at 2->1.
 */
static __always_inline void folio_put(struct folio *folio)
{
	if (put_devmap_managed_folio_refs(folio, 1))
		return;
	if (folio_put_testzero(folio))
		__folio_put(folio);
}

static __always_inline void folio_put_refs(struct folio *folio, int refs)
{
	if (put_devmap_managed_folio_refs(folio, refs))
		return;
	if (folio_put_refs_testzero(folio, refs))
		__folio_put(folio);
}

static __always_inline void put_page(struct page *page)
{
	folio_put(page_folio(page));
}

static __always_inline void folio_get(struct folio *folio)
{
	VM_BUG_ON_FOLIO(folio_ref_count(folio) <= 0, folio);
	folio_ref_inc(folio);
}

static __always_inline void get_page(struct page *page)
{
	folio_get(page_folio(page));
}

static inline bool get_page_unless_zero(struct page *page)
{
	return page_ref_add_unless(page, 1, 0);
}

/* ------------------------------------------------------------------ */
/* The page lock (mm/filemap.c)                                        */
/* ------------------------------------------------------------------ */

void folio_lock(struct folio *folio);
void folio_unlock(struct folio *folio);
void folio_wait_locked(struct folio *folio);

static inline bool folio_trylock(struct folio *folio)
{
	return !test_and_set_bit_lock(PG_locked, &folio->flags);
}

static inline bool trylock_page(struct page *page)
{
	return folio_trylock(page_folio(page));
}

static inline void lock_page(struct page *page)
{
	folio_lock(page_folio(page));
}

static inline void unlock_page(struct page *page)
{
	folio_unlock(page_folio(page));
}

static inline void wait_on_page_locked(struct page *page)
{
	folio_wait_locked(page_folio(page));
}

#endif /* _ZONEDEV_MM_H */
