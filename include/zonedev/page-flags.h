/* SPDX-License-Identifier: GPL-2.0-only */
/* Page flags: the kernel's bit numbers (v6.1 enum pageflags) and helpers. */
#ifndef _ZONEDEV_PAGE_FLAGS_H
#define _ZONEDEV_PAGE_FLAGS_H

#include <zonedev/mm_types.h>

enum pageflags {
	PG_locked,
	PG_referenced,
	PG_uptodate,
	PG_dirty,
	PG_lru,
	PG_active,
	PG_workingset,
	PG_waiters,
	PG_error,
	PG_slab,
	PG_owner_priv_1,
	PG_arch_1,
	PG_reserved,
	PG_private,
	PG_private_2,
	PG_writeback,
	PG_head,
	PG_mappedtodisk,
	PG_reclaim,
	PG_swapbacked,
	PG_unevictable,
	PG_mlocked,
	PG_hwpoison,
	PG_young,
	PG_idle,
	PG_arch_2,
	__NR_PAGEFLAGS,

	PG_anon_exclusive = PG_mappedtodisk,
};

/*
 * The high bits of flags hold the node (a zonedev system) and the zone, as
 * NODES_PGSHIFT/ZONES_PGSHIFT do in the kernel.  The low byte of page[1]'s
 * flags holds a folio's order.
 */
#define NODES_SHIFT		6
#define MAX_NUMNODES		(1 << NODES_SHIFT)
#define ZONES_SHIFT		3
#define NODES_PGSHIFT		(BITS_PER_LONG - NODES_SHIFT)
#define ZONES_PGSHIFT		(NODES_PGSHIFT - ZONES_SHIFT)
#define NODES_MASK		((1UL << NODES_SHIFT) - 1)
#define ZONES_MASK		((1UL << ZONES_SHIFT) - 1)
#define PAGEFLAGS_MASK		((1UL << __NR_PAGEFLAGS) - 1)

/* page_type lives in _mapcount while the page is not mapped. */
#define PAGE_TYPE_BASE		0xf0000000u
#define PAGE_MAPCOUNT_RESERVE	(-128)
#define PG_buddy		0x00000080u
#define PG_table		0x00000200u

#endif /* _ZONEDEV_PAGE_FLAGS_H */
