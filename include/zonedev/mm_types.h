/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * struct page and struct folio, laid out as on x86-64 with MEMCG: 64 bytes a
 * page, every field at the kernel's offset (see spec/zone_device_core.md §1).
 */
#ifndef _ZONEDEV_MM_TYPES_H
#define _ZONEDEV_MM_TYPES_H

#include <zonedev/compiler.h>
#include <zonedev/list.h>
#include <zonedev/sync.h>

typedef unsigned long pgoff_t;
typedef uint64_t phys_addr_t;
typedef uint64_t resource_size_t;

struct address_space;
struct dev_pagemap;

/**
 * struct page - the metadata of one page frame
 *
 * Word 1 is a union by role: the buddy allocator's list linkage; for a
 * ZONE_DEVICE head or order-0 page the owning pgmap; for a compound tail,
 * compound_info.  Tails do not store their head's address: compound_info is
 * a mask with bit 0 set, and head = tail & mask, which works because the
 * vmemmap is aligned to the largest compound and every compound head is
 * naturally aligned.  That makes every tail of an order identical, which is
 * what lets the device memmap share tail pages (see mm/sparse.c).
 */
struct page {
	unsigned long flags;
	union {
		struct list_head lru;
		struct {
			struct dev_pagemap *pgmap;
			void *zone_device_data;
		};
		struct {
			unsigned long compound_info;
			unsigned long __tail_pad;
		};
	};
	struct address_space *mapping;
	union {
		pgoff_t index;
		unsigned long share;	/* fsdax: file associations */
	};
	unsigned long private;
	union {
		atomic_t _mapcount;	/* -1: not mapped */
		unsigned int page_type;	/* when PAGE_TYPE_BASE bits are set */
	};
	atomic_t _refcount;
	unsigned long memcg_data;
};

static_assert(sizeof(struct page) == 64, "struct page must be 64 bytes");
static_assert(offsetof(struct page, pgmap) == 8, "pgmap at offset 8");
static_assert(offsetof(struct page, mapping) == 24, "mapping at offset 24");
static_assert(offsetof(struct page, _mapcount) == 48, "_mapcount at offset 48");
static_assert(offsetof(struct page, _refcount) == 52, "_refcount at offset 52");

/**
 * struct folio - a head page and the metadata its first two tails carry
 *
 * page[1] holds the order (low byte of _flags_1), the large mapcounts, the
 * pincount and the number of pages; page[2] only its flags and tail word.
 */
struct folio {
	union {
		struct {
			unsigned long flags;
			union {
				struct list_head lru;
				struct {
					struct dev_pagemap *pgmap;
					void *zone_device_data;
				};
			};
			struct address_space *mapping;
			union {
				pgoff_t index;
				unsigned long share;
			};
			void *private;
			atomic_t _mapcount;
			atomic_t _refcount;
			unsigned long memcg_data;
		};
		struct page page;
	};
	union {
		struct {
			unsigned long _flags_1;
			unsigned long _head_1;
			atomic_t _large_mapcount;
			atomic_t _entire_mapcount;
			atomic_t _nr_pages_mapped;
			atomic_t _pincount;
			unsigned int _folio_nr_pages;
			unsigned int __pad_1;
			unsigned long __pad_2;
			atomic_t _mapcount_1;
			atomic_t _refcount_1;
		};
		struct page __page_1;
	};
	union {
		struct {
			unsigned long _flags_2;
			unsigned long _head_2;
		};
		struct page __page_2;
	};
};

static_assert(sizeof(struct folio) == 3 * sizeof(struct page), "folio spans 3 pages");
static_assert(offsetof(struct folio, _head_1) == 64 + 8, "_head_1 overlays compound_info");
static_assert(offsetof(struct folio, _mapcount_1) == 64 + 48, "_mapcount_1 overlays _mapcount");
static_assert(offsetof(struct folio, _refcount_1) == 64 + 52, "_refcount_1 overlays _refcount");
static_assert(offsetof(struct folio, _head_2) == 128 + 8, "_head_2 overlays compound_info");

/* An inclusive physical address range, as in <linux/range.h>. */
struct range {
	uint64_t start;
	uint64_t end;
};

static inline uint64_t range_len(const struct range *range)
{
	return range->end - range->start + 1;
}

#endif /* _ZONEDEV_MM_TYPES_H */
