/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pfn_t (include/linux/pfn_t.h, v4.5-v6.15): a pfn with flags saying what
 * is behind it.  PFN_DEV|PFN_MAP ("devmap") is ZONE_DEVICE memory with
 * struct pages that a mapping must not reference: the elevated scheme maps
 * fsdax and device-dax pages this way (pte_devmap/pmd_devmap/pud_devmap).
 * The zero scheme, like v6.15+, has no use for it.
 */
#ifndef _ZONEDEV_PFN_T_H
#define _ZONEDEV_PFN_T_H

#include <zonedev/types.h>

typedef struct {
	u64 val;
} pfn_t;

#define PFN_FLAGS_MASK	(((u64)0xfff) << 52)
#define PFN_SG_CHAIN	(1ULL << 63)
#define PFN_SG_LAST	(1ULL << 62)
#define PFN_DEV		(1ULL << 61)	/* device memory */
#define PFN_MAP		(1ULL << 60)	/* ... with struct pages */
#define PFN_SPECIAL	(1ULL << 59)

static inline pfn_t __pfn_to_pfn_t(unsigned long pfn, u64 flags)
{
	return (pfn_t){ .val = pfn | (flags & PFN_FLAGS_MASK) };
}

static inline pfn_t phys_to_pfn_t(u64 phys, u64 flags)
{
	return __pfn_to_pfn_t((unsigned long)(phys >> 12), flags);
}

static inline unsigned long pfn_t_to_pfn(pfn_t pfn)
{
	return (unsigned long)(pfn.val & ~PFN_FLAGS_MASK);
}

static inline bool pfn_t_devmap(pfn_t pfn)
{
	const u64 flags = PFN_DEV | PFN_MAP;

	return (pfn.val & flags) == flags;
}

#endif /* _ZONEDEV_PFN_T_H */
