/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Migration of a range of anonymous memory between system RAM and device
 * memory (ZONE_DEVICE private or coherent), driven by a device driver:
 * migrate_vma_setup(), then the driver allocates and copies, then
 * migrate_vma_pages() and migrate_vma_finalize().  Names, flag values and
 * the layout of struct migrate_vma are the kernel's (include/linux/migrate.h).
 */
#ifndef _ZONEDEV_MIGRATE_H
#define _ZONEDEV_MIGRATE_H

#include <zonedev/mm.h>
#include <zonedev/mm_task.h>

/* An mpfn is (pfn << MIGRATE_PFN_SHIFT) | flags.  Bit 2 (old LOCKED) is unused. */
#define MIGRATE_PFN_VALID	(1UL << 0)
#define MIGRATE_PFN_MIGRATE	(1UL << 1)
#define MIGRATE_PFN_WRITE	(1UL << 3)
#define MIGRATE_PFN_SHIFT	6

static inline struct page *migrate_pfn_to_page(unsigned long mpfn)
{
	if (!(mpfn & MIGRATE_PFN_VALID))
		return NULL;
	return pfn_to_page(mpfn >> MIGRATE_PFN_SHIFT);
}

static inline unsigned long migrate_pfn(unsigned long pfn)
{
	return (pfn << MIGRATE_PFN_SHIFT) | MIGRATE_PFN_VALID;
}

enum migrate_vma_direction {
	MIGRATE_VMA_SELECT_SYSTEM = 1 << 0,
	MIGRATE_VMA_SELECT_DEVICE_PRIVATE = 1 << 1,
	MIGRATE_VMA_SELECT_DEVICE_COHERENT = 1 << 2,
};

/**
 * struct migrate_vma - one migration of [start, end) of a VMA
 * @vma: the VMA that contains the whole range
 * @dst: per page, the destination mpfn the driver fills in (0: do not migrate)
 * @src: per page, the source mpfn setup fills in
 * @cpages: entries currently selected for migration
 * @npages: entries written to @src and @dst
 * @start: first address (page-masked by setup)
 * @end: address after the last (page-masked, then reset from @npages)
 * @pgmap_owner: device pages of this owner are selected; also the owner of
 *	the MMU_NOTIFY_MIGRATE invalidations, so the driver can skip its own
 * @flags: MIGRATE_VMA_SELECT_*
 * @fault_page: set only from ->migrate_to_ram(): the device-private page
 *	being faulted, locked and referenced by the fault path
 *
 * The caller holds mmap_lock for read from setup through finalize.
 */
struct migrate_vma {
	struct vm_area_struct *vma;
	unsigned long *dst;
	unsigned long *src;
	unsigned long cpages;
	unsigned long npages;
	unsigned long start;
	unsigned long end;
	void *pgmap_owner;
	unsigned long flags;
	struct page *fault_page;
};

int migrate_vma_setup(struct migrate_vma *args);
void migrate_vma_pages(struct migrate_vma *migrate);
void migrate_vma_finalize(struct migrate_vma *migrate);

/* The same without a VMA: evict device pages by pfn, through the rmap. */
int migrate_device_range(unsigned long *src_pfns, unsigned long start, unsigned long npages);
int migrate_device_pfns(unsigned long *src_pfns, unsigned long npages);
void migrate_device_pages(unsigned long *src_pfns, unsigned long *dst_pfns,
			  unsigned long npages);
void migrate_device_finalize(unsigned long *src_pfns, unsigned long *dst_pfns,
			     unsigned long npages);

#endif /* _ZONEDEV_MIGRATE_H */
