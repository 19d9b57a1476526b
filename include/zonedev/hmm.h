/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Heterogeneous memory management: hmm_range_fault() snapshots (and, on
 * request, faults in) the CPU page tables of a range so that a device can
 * mirror them (spec/hmm_migration.md §3).
 *
 * Each range entry is an unsigned long.  On input it carries request flags
 * (HMM_PFN_REQ_*), on output a pfn with HMM_PFN_* state flags; the sticky
 * HMM_PFN_INOUT_FLAGS belong to the caller's DMA bookkeeping and survive
 * both ways.  The layout is the one of v6.15+ kernels (64-bit):
 *
 *	63 VALID  62 WRITE  61 ERROR  60 DMA_MAPPED  59 P2PDMA  58 P2PDMA_BUS
 *	57..53 map order   52..0 pfn
 *
 * Callers should use the accessors, not the positions: newer kernels move
 * the order field again.
 *
 * The read side is the mmu_interval_notifier collision-retry loop: a
 * range is valid only once mmu_interval_read_retry() (under the driver's
 * lock) says no invalidation of it began since mmu_interval_read_begin().
 */
#ifndef _ZONEDEV_HMM_H
#define _ZONEDEV_HMM_H

#include <zonedev/mm.h>
#include <zonedev/mmu_notifier.h>

/* Output state flags */
#define HMM_PFN_VALID		(1UL << (BITS_PER_LONG - 1))
#define HMM_PFN_WRITE		(1UL << (BITS_PER_LONG - 2))
#define HMM_PFN_ERROR		(1UL << (BITS_PER_LONG - 3))

/* Sticky flags: owned by the caller, never set or cleared by hmm_range_fault() */
#define HMM_PFN_DMA_MAPPED	(1UL << (BITS_PER_LONG - 4))
#define HMM_PFN_P2PDMA		(1UL << (BITS_PER_LONG - 5))
#define HMM_PFN_P2PDMA_BUS	(1UL << (BITS_PER_LONG - 6))
#define HMM_PFN_INOUT_FLAGS	(HMM_PFN_DMA_MAPPED | HMM_PFN_P2PDMA | HMM_PFN_P2PDMA_BUS)

/* The map order: the CPU maps at least 2^order pages alike around the entry */
#define HMM_PFN_ORDER_SHIFT	(BITS_PER_LONG - 11)
#define HMM_PFN_ORDER_MASK	0x1FUL

/* Every bit from the order field up: what is not the pfn */
#define HMM_PFN_FLAGS		(~((1UL << HMM_PFN_ORDER_SHIFT) - 1))

/* Input request flags */
#define HMM_PFN_REQ_FAULT	HMM_PFN_VALID
#define HMM_PFN_REQ_WRITE	HMM_PFN_WRITE

/* How long (ms) callers conventionally keep retrying -EBUSY */
#define HMM_RANGE_DEFAULT_TIMEOUT	1000

/**
 * hmm_pfn_to_pfn() - the pfn of an output entry
 * @hmm_pfn: an entry with HMM_PFN_VALID set
 */
static inline unsigned long hmm_pfn_to_pfn(unsigned long hmm_pfn)
{
	return hmm_pfn & ~HMM_PFN_FLAGS;
}

/**
 * hmm_pfn_to_page() - the struct page of an output entry
 * @hmm_pfn: an entry with HMM_PFN_VALID set
 *
 * Holds no reference: the page is only known to be the right one until
 * an invalidation of the range, which the caller learns from
 * mmu_interval_read_retry().
 */
static inline struct page *hmm_pfn_to_page(unsigned long hmm_pfn)
{
	return pfn_to_page(hmm_pfn_to_pfn(hmm_pfn));
}

/**
 * hmm_pfn_to_phys() - the physical address of an output entry
 * @hmm_pfn: an entry with HMM_PFN_VALID set
 */
static inline phys_addr_t hmm_pfn_to_phys(unsigned long hmm_pfn)
{
	return (phys_addr_t)hmm_pfn_to_pfn(hmm_pfn) << PAGE_SHIFT;
}

/**
 * hmm_pfn_to_map_order() - the order of the CPU mapping around an entry
 * @hmm_pfn: an entry with HMM_PFN_VALID set
 *
 * Return: 0 for a PTE, 9 for a PMD, 18 for a PUD (x86-64): device-dax and
 * fsdax mappings come in PMD and PUD leaves, everything else in PTEs.
 */
static inline unsigned int hmm_pfn_to_map_order(unsigned long hmm_pfn)
{
	return (unsigned int)((hmm_pfn >> HMM_PFN_ORDER_SHIFT) & HMM_PFN_ORDER_MASK);
}

/**
 * struct hmm_range - what hmm_range_fault() reads and where it writes
 * @notifier: the subscription covering the range; @notifier->mm is walked
 * @notifier_seq: what mmu_interval_read_begin() returned for @notifier
 * @start: first address (page aligned)
 * @end: address after the last (page aligned, exclusive)
 * @hmm_pfns: one entry per page: request flags in, pfn and flags out
 * @default_flags: request flags applied to every entry
 * @pfn_flags_mask: which input bits of each entry count as requests
 * @dev_private_owner: device-private pages of a pgmap with this owner are
 *	reported as they are instead of being faulted back to RAM
 */
struct hmm_range {
	struct mmu_interval_notifier *notifier;
	unsigned long notifier_seq;
	unsigned long start;
	unsigned long end;
	unsigned long *hmm_pfns;
	unsigned long default_flags;
	unsigned long pfn_flags_mask;
	void *dev_private_owner;
};

int hmm_range_fault(struct hmm_range *range);

#endif /* _ZONEDEV_HMM_H */
