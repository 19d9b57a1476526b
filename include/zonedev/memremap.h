/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * struct dev_pagemap and memremap_pages(): device memory given struct pages
 * in ZONE_DEVICE.  See spec/zone_device_core.md §2-3.
 */
#ifndef _ZONEDEV_MEMREMAP_H
#define _ZONEDEV_MEMREMAP_H

#include <stdio.h>
#include <zonedev/mm_types.h>
#include <zonedev/list.h>
#include <zonedev/percpu-refcount.h>
#include <zonedev/jump_label.h>

struct vm_fault;

/*
 * The memory types; 0 is reserved so that an uninitialised pgmap is caught.
 * Values as in v6.0+ (COHERENT inserted as 2).
 */
enum memory_type {
	MEMORY_DEVICE_PRIVATE = 1,
	MEMORY_DEVICE_COHERENT,
	MEMORY_DEVICE_FS_DAX,
	MEMORY_DEVICE_GENERIC,
	MEMORY_DEVICE_PCI_P2PDMA,
};

/**
 * struct vmem_altmap - memmap carved from the front of the device range
 * @base_pfn: first pfn of the range
 * @end_pfn: last pfn the altmap may hand out
 * @reserve: pfns reserved for the driver at the start
 * @free: pfns set aside for the memmap
 * @align: pfns skipped for alignment
 * @alloc: pfns handed out for the memmap; 0 again after unmap
 */
struct vmem_altmap {
	unsigned long base_pfn;
	unsigned long end_pfn;
	unsigned long reserve;
	unsigned long free;
	unsigned long align;
	unsigned long alloc;
};

/**
 * struct dev_pagemap_ops - a driver's callbacks
 * @page_free: the page's last reference went (zero scheme: 1->0;
 *	elevated: 2->1).  Runs on whatever thread dropped it; must not sleep.
 * @migrate_to_ram: a CPU access hit a device-private entry (PRIVATE only)
 * @memory_failure: poison in the range; -EOPNOTSUPP falls back to the
 *	generic handling
 */
struct dev_pagemap_ops {
	void (*page_free)(struct page *page);
	unsigned int (*migrate_to_ram)(struct vm_fault *vmf);
	int (*memory_failure)(struct dev_pagemap *pgmap, unsigned long pfn,
			      unsigned long nr_pages, int mf_flags);
};

#define PGMAP_ALTMAP_VALID	(1 << 0)

/* How zonedev counts references to a pgmap's pages; set from the node. */
enum zd_refcount_scheme {
	ZD_REFCOUNT_ZERO = 0,		/* v6.15+: free at 0, page_free on 1->0 */
	ZD_REFCOUNT_ELEVATED = 1,	/* v5.x-v6.14 model: idle at 1, 2->1 hook */
};

enum zd_pgmap_state {
	ZD_PGMAP_UNUSED = 0,
	ZD_PGMAP_LIVE,
	ZD_PGMAP_DYING,		/* killed; memunmap waiting for references */
	ZD_PGMAP_UNMAPPING,	/* references gone; ranges being torn down */
};

struct zd_memmap_template;

/**
 * struct dev_pagemap - metadata for ZONE_DEVICE mappings
 * @altmap: pre-allocated/reserved memory for the memmap (range 0 only)
 * @ref: reference count that pins the mapping's lifetime
 * @done: completed when @ref reaches zero
 * @type: memory type
 * @flags: PGMAP_ALTMAP_VALID
 * @vmemmap_shift: compound page order of the struct pages (0: order-0)
 * @ops: callbacks, required for PRIVATE and COHERENT
 * @owner: the driver's identity, compared by HMM and migration
 * @nr_range: number of ranges
 * @range: the range when @nr_range is 1
 * @ranges: the ranges otherwise
 *
 * The fields after @owner up to @nr_range are zonedev's accounting; drivers
 * leave them zeroed.
 */
struct dev_pagemap {
	struct vmem_altmap altmap;
	struct percpu_ref ref;
	struct completion done;
	enum memory_type type;
	unsigned int flags;
	unsigned long vmemmap_shift;
	const struct dev_pagemap_ops *ops;
	void *owner;

	/* zonedev accounting */
	int nid;
	enum zd_refcount_scheme scheme;
	enum zd_pgmap_state state;
	atomic_long_t nr_page_init;	/* zone_device_page_init() calls */
	atomic_long_t nr_page_free;	/* ops->page_free() calls */
	atomic_long_t nr_lookups;	/* get_dev_pagemap() refs held */
	unsigned long nr_map_refs;	/* refs taken at memremap time */
	struct zd_memmap_template *memmap;
	struct list_head node_list;	/* the node's pgmaps */

	int nr_range;
	union {
		struct range range;
		struct {
			struct {} __empty_ranges;
			struct range ranges[];
		};
	};
};

DECLARE_STATIC_KEY_FALSE(devmap_managed_key);

void *memremap_pages(struct dev_pagemap *pgmap, int nid);
void memunmap_pages(struct dev_pagemap *pgmap);
int zd_memunmap_pages_timeout(struct dev_pagemap *pgmap, unsigned long timeout_ms,
			      FILE *report);
struct dev_pagemap *get_dev_pagemap(unsigned long pfn);
bool pgmap_pfn_valid(struct dev_pagemap *pgmap, unsigned long pfn);
unsigned long memremap_compat_align(void);
void zone_device_page_init(struct page *page);
const char *pgmap_type_name(enum memory_type type);
unsigned long pgmap_vmemmap_nr(struct dev_pagemap *pgmap);
unsigned long zd_memmap_resident_bytes(struct dev_pagemap *pgmap);

static inline void put_dev_pagemap(struct dev_pagemap *pgmap)
{
	if (pgmap) {
		atomic_long_dec(&pgmap->nr_lookups);
		percpu_ref_put(&pgmap->ref);
	}
}

static inline unsigned long vmem_altmap_offset(const struct vmem_altmap *altmap)
{
	return altmap->reserve + altmap->free;
}

static inline struct vmem_altmap *pgmap_altmap(struct dev_pagemap *pgmap)
{
	return (pgmap->flags & PGMAP_ALTMAP_VALID) ? &pgmap->altmap : NULL;
}

/*
 * The types whose idle pages the driver hears about under the elevated
 * scheme: what devmap_managed_key guarded in put_page().
 */
static inline bool pgmap_devmap_managed(const struct dev_pagemap *pgmap)
{
	if (pgmap->scheme != ZD_REFCOUNT_ELEVATED)
		return false;
	return pgmap->type == MEMORY_DEVICE_PRIVATE ||
	       pgmap->type == MEMORY_DEVICE_COHERENT ||
	       pgmap->type == MEMORY_DEVICE_FS_DAX;
}

/* Types whose allocations take pgmap references (zero scheme). */
static inline bool pgmap_refs_per_allocation(const struct dev_pagemap *pgmap)
{
	return pgmap->scheme == ZD_REFCOUNT_ZERO &&
	       (pgmap->type == MEMORY_DEVICE_PRIVATE ||
		pgmap->type == MEMORY_DEVICE_COHERENT);
}

#endif /* _ZONEDEV_MEMREMAP_H */
