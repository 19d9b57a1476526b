/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Physical memory layout: page and section geometry, zones and nodes.
 *
 * One process-wide physical address space (MAX_PHYSMEM_BITS) holds the RAM
 * of every live zonedev system and every device range, as on a real machine.
 * Each system is a NUMA node: page_to_nid() names the system a page
 * belongs to.  The memmap is SPARSEMEM_VMEMMAP: one virtually contiguous
 * array, vmemmap[pfn], populated a section at a time; the direct map is the
 * same idea for the memory itself, __va(phys) = direct_map + phys.
 */
#ifndef _ZONEDEV_MMZONE_H
#define _ZONEDEV_MMZONE_H

#include <zonedev/mm_types.h>
#include <zonedev/page-flags.h>

#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))
#define PMD_SHIFT		21
#define PMD_SIZE		(1UL << PMD_SHIFT)
#define PMD_ORDER		(PMD_SHIFT - PAGE_SHIFT)
#define PUD_SHIFT		30
#define PUD_SIZE		(1UL << PUD_SHIFT)
#define PUD_ORDER		(PUD_SHIFT - PAGE_SHIFT)

#define MAX_PAGE_ORDER		10
#define MAX_ORDER		MAX_PAGE_ORDER	/* inclusive, as in v6.4+ */
#define NR_PAGE_ORDERS		(MAX_PAGE_ORDER + 1)
#define MAX_ORDER_NR_PAGES	(1UL << MAX_PAGE_ORDER)
#define MAX_FOLIO_ORDER		PUD_ORDER

/*
 * 2 TiB of physical address space (a TiB of device-dax fits beside the
 * RAM), reserved, never populated; ThreadSanitizer's fixed memory layout
 * has no room for that, so its builds keep 512 GiB.
 */
#ifdef __SANITIZE_THREAD__
#define MAX_PHYSMEM_BITS	39
#else
#define MAX_PHYSMEM_BITS	41
#endif
#define SECTION_SIZE_BITS	27	/* 128 MiB, as on x86-64 */
#define PFN_SECTION_SHIFT	(SECTION_SIZE_BITS - PAGE_SHIFT)
#define PAGES_PER_SECTION	(1UL << PFN_SECTION_SHIFT)
#define SUBSECTION_SHIFT	21
#define SUBSECTION_SIZE		(1UL << SUBSECTION_SHIFT)
#define PFN_SUBSECTION_SHIFT	(SUBSECTION_SHIFT - PAGE_SHIFT)
#define PAGES_PER_SUBSECTION	(1UL << PFN_SUBSECTION_SHIFT)
#define SUBSECTIONS_PER_SECTION	(1UL << (SECTION_SIZE_BITS - SUBSECTION_SHIFT))
#define NR_MEM_SECTIONS		(1UL << (MAX_PHYSMEM_BITS - SECTION_SIZE_BITS))
#define MAX_PFN			(1UL << (MAX_PHYSMEM_BITS - PAGE_SHIFT))

#define PFN_PHYS(pfn)		((phys_addr_t)(pfn) << PAGE_SHIFT)
#define PHYS_PFN(phys)		((unsigned long)((phys) >> PAGE_SHIFT))
#define PFN_UP(x)		(((x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PFN_DOWN(x)		((x) >> PAGE_SHIFT)

enum zone_type {
	ZONE_DMA,
	ZONE_DMA32,
	ZONE_NORMAL,
	ZONE_MOVABLE,
	ZONE_DEVICE,
	MAX_NR_ZONES
};

enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
};

struct free_area {
	struct list_head free_list;
	unsigned long nr_free;
};

enum zone_stat_item {
	NR_FREE_PAGES,
	NR_ZONE_STAT_ITEMS
};

enum node_stat_item {
	NR_FOLL_PIN_ACQUIRED,
	NR_FOLL_PIN_RELEASED,
	NR_ZONE_DEVICE_ALLOCATED,	/* zone_device_page_init() */
	NR_ZONE_DEVICE_FREED,		/* ops->page_free() calls */
	NR_PGMAP_LIVE,
	NR_NODE_STAT_ITEMS
};

enum vm_event_item {
	PGALLOC,
	PGFREE,
	PGALLOC_FAIL,
	PGMAP_REMAP,
	PGMAP_UNMAP,
	PGMAP_LOOKUP,
	DEVMAP_MANAGED_PUT,		/* elevated scheme 2->1 notifications */
	ZONE_DEVICE_FOLIO_FREE,		/* zero scheme 1->0 transitions */
	PGFAULT,
	NR_VM_EVENT_ITEMS
};

struct pglist_data;

struct zone {
	spinlock_t lock;
	struct free_area free_area[NR_PAGE_ORDERS];
	unsigned long zone_start_pfn;
	unsigned long spanned_pages;
	unsigned long present_pages;
	const char *name;
	struct pglist_data *zone_pgdat;
	atomic_long_t vm_stat[NR_ZONE_STAT_ITEMS];
	/*
	 * zonedev: the order of the allocation starting at each pfn (0xff:
	 * none), so the audit can tell an allocated page from a lost one and
	 * __free_pages() can catch a wrong order.  Updated under @lock.
	 */
	unsigned char *alloc_order;
};

struct zd_system;

/* A node: one zonedev system's RAM and device zones and its counters. */
typedef struct pglist_data {
	struct zone node_zones[MAX_NR_ZONES];
	int node_id;
	unsigned long node_start_pfn;
	unsigned long node_present_pages;
	unsigned long node_spanned_pages;
	struct zd_system *sys;
	struct page *zero_page;		/* the node's shared zero page */
	atomic_long_t vm_stat[NR_NODE_STAT_ITEMS];
	atomic_long_t vm_events[NR_VM_EVENT_ITEMS];
} pg_data_t;

extern struct pglist_data *node_data[MAX_NUMNODES];
#define NODE_DATA(nid)		READ_ONCE(node_data[(nid)])

/*
 * struct mem_section: per 128 MiB section, whether its memmap is mapped and
 * which 2 MiB subsections are active (pfn_valid), plus the node, zone and
 * deduplicated-tail geometry of a device section (see mm/sparse.c).
 */
struct mem_section {
	unsigned long subsection_map;	/* bit per active subsection */
	unsigned char nid;
	unsigned char zone;
	unsigned char zero_tail_order;	/* 0: tails are all stored */
	unsigned char flags;
};

#define SECTION_IS_ONLINE	0x1
#define SECTION_IS_DEVICE	0x2

extern struct mem_section mem_section[NR_MEM_SECTIONS];
extern struct page *vmemmap;
extern char *zd_direct_map;

static inline unsigned long pfn_to_section_nr(unsigned long pfn)
{
	return pfn >> PFN_SECTION_SHIFT;
}

static inline struct mem_section *__pfn_to_section(unsigned long pfn)
{
	return &mem_section[pfn_to_section_nr(pfn)];
}

static __always_inline struct page *pfn_to_page(unsigned long pfn)
{
	return vmemmap + pfn;
}

static __always_inline unsigned long page_to_pfn(const struct page *page)
{
	return (unsigned long)(page - vmemmap);
}

/**
 * pfn_valid() - does @pfn have a struct page (an active subsection)?
 */
static inline bool pfn_valid(unsigned long pfn)
{
	unsigned long map;

	if (pfn >= MAX_PFN)
		return false;
	/* Pairs with the smp_wmb() before the bit is published. */
	map = smp_load_acquire(&__pfn_to_section(pfn)->subsection_map);
	return map & BIT((pfn & (PAGES_PER_SECTION - 1)) >> PFN_SUBSECTION_SHIFT);
}

#define __va(phys)		((void *)(zd_direct_map + (phys)))
#define __pa(addr)		((phys_addr_t)((char *)(addr) - zd_direct_map))

#endif /* _ZONEDEV_MMZONE_H */
