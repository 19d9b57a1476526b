/* SPDX-License-Identifier: GPL-2.0-only */
/* GFP flags (the kernel's values) and the page allocator's entry points. */
#ifndef _ZONEDEV_GFP_H
#define _ZONEDEV_GFP_H

#include <zonedev/mm_types.h>

typedef unsigned int gfp_t;

#define __GFP_HIGH		0x20u
#define __GFP_IO		0x40u
#define __GFP_FS		0x80u
#define __GFP_ZERO		0x100u
#define __GFP_DIRECT_RECLAIM	0x400u
#define __GFP_KSWAPD_RECLAIM	0x800u
#define __GFP_NOWARN		0x2000u
#define __GFP_RETRY_MAYFAIL	0x4000u
#define __GFP_NOFAIL		0x8000u
#define __GFP_NORETRY		0x10000u
#define __GFP_COMP		0x40000u
#define __GFP_THISNODE		0x200000u
#define __GFP_ACCOUNT		0x400000u
#define __GFP_RECLAIM		(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)

#define GFP_ATOMIC		(__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL		(__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_NOWAIT		(__GFP_KSWAPD_RECLAIM)
#define GFP_HIGHUSER		GFP_KERNEL
#define GFP_HIGHUSER_MOVABLE	GFP_KERNEL
#define __GFP_BITS_MASK		0x7fffffu

struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order);
struct folio *__folio_alloc_node(gfp_t gfp, unsigned int order, int nid);
void __free_pages(struct page *page, unsigned int order);

static inline struct page *alloc_page_node(int nid, gfp_t gfp)
{
	return alloc_pages_node(nid, gfp, 0);
}

static inline void __free_page(struct page *page)
{
	__free_pages(page, 0);
}

#endif /* _ZONEDEV_GFP_H */
