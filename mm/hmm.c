// SPDX-License-Identifier: GPL-2.0-only
/*
 * hmm_range_fault(): read the CPU page tables of a range into an array of
 * pfns plus flags for a device that mirrors the address space, faulting in
 * what the caller asks to be present (spec/hmm_migration.md §3).
 *
 * The walk takes no page-table lock: it runs under mmap_lock (read), which
 * keeps the VMAs and the page tables themselves (they are freed only by
 * munmap, under mmap_lock for write) in place, and reads each entry once.
 * Entries may change under it all the same (MADV_DONTNEED, migration, a
 * CPU fault); that is what the notifier sequence number is for: every such
 * change invalidates the range before it happens, so the caller's
 * mmu_interval_read_retry() throws away a stale snapshot.
 *
 * When an entry has to be faulted, the walk records where it stopped,
 * faults, and starts again from there, so a fault that changed the page
 * tables elsewhere in the range is never half seen.  Entries before that
 * point hold outputs, entries from it on still hold the caller's inputs;
 * that stays true when the call fails.
 *
 * A PMD or PUD leaf (device-dax, fsdax) is reported with map order 9 or 18;
 * everything else zonedev maps with PTEs (no THP, no hugetlb), order 0.
 */
#include <zonedev/hmm.h>
#include "internal_mm.h"

/* What an entry needs, as found by hmm_pte_need_fault() */
enum {
	HMM_NEED_FAULT = 1 << 0,
	HMM_NEED_WRITE_FAULT = 1 << 1,
	HMM_NEED_ALL_BITS = HMM_NEED_FAULT | HMM_NEED_WRITE_FAULT,
};

struct hmm_vma_walk {
	struct hmm_range *range;
	struct mm_struct *mm;
	unsigned long zero_pfn;
	unsigned long last;	/* first address whose entry still holds input */
};

static inline unsigned long *hmm_entry(const struct hmm_range *range, unsigned long addr)
{
	return &range->hmm_pfns[(addr - range->start) >> PAGE_SHIFT];
}

/* The sticky DMA flags are the caller's: keep them whatever the state is. */
static inline void hmm_set_output(unsigned long *entry, unsigned long val)
{
	*entry = (*entry & HMM_PFN_INOUT_FLAGS) | val;
}

static void hmm_pfns_fill(const struct hmm_range *range, unsigned long start, unsigned long end,
			  unsigned long val)
{
	unsigned long *entry = hmm_entry(range, start);

	for (; start < end; start += PAGE_SIZE, entry++)
		hmm_set_output(entry, val);
}

/*
 * Does an entry whose input is @input need a fault, given that the CPU
 * currently grants @cpu_flags (HMM_PFN_VALID, HMM_PFN_WRITE)?  Only the
 * request bits the mask lets through count, plus the defaults.
 */
static inline unsigned int hmm_pte_need_fault(const struct hmm_range *range,
					      unsigned long input, unsigned long cpu_flags)
{
	unsigned long req = (input & range->pfn_flags_mask) | range->default_flags;

	if (!(req & HMM_PFN_REQ_FAULT))
		return 0;
	if ((req & HMM_PFN_REQ_WRITE) && !(cpu_flags & HMM_PFN_WRITE))
		return HMM_NEED_FAULT | HMM_NEED_WRITE_FAULT;
	if (!(cpu_flags & HMM_PFN_VALID))
		return HMM_NEED_FAULT;
	return 0;
}

/* The union of what [@start, @end) needs if nothing there is mapped. */
static unsigned int hmm_range_need_fault(const struct hmm_range *range, unsigned long start,
					 unsigned long end)
{
	const unsigned long *entry = hmm_entry(range, start);
	unsigned int required = 0;

	/* Snapshot mode: no entry can ask for a fault, don't look at them. */
	if (!((range->default_flags | range->pfn_flags_mask) & HMM_PFN_REQ_FAULT))
		return 0;
	for (; start < end; start += PAGE_SIZE, entry++) {
		required |= hmm_pte_need_fault(range, *entry, 0);
		if (required == HMM_NEED_ALL_BITS)
			break;
	}
	return required;
}

/*
 * Fault in every page of [@addr, @end) (at most a PMD's worth, as the
 * kernel does for the sub-range being walked), then make the walk start
 * again at @addr: -EBUSY.  A write fault on a VMA that cannot be written
 * is refused before anything is touched.
 */
static int hmm_vma_fault(struct hmm_vma_walk *walk, struct vm_area_struct *vma,
			 unsigned long addr, unsigned long end, unsigned int required)
{
	unsigned int fault_flags = FAULT_FLAG_REMOTE;

	walk->last = addr;
	if (required & HMM_NEED_WRITE_FAULT) {
		if (!(vma->vm_flags & VM_WRITE))
			return -EPERM;
		fault_flags |= FAULT_FLAG_WRITE;
	}
	for (; addr < end; addr += PAGE_SIZE)
		if (handle_mm_fault(vma, addr, fault_flags) & VM_FAULT_ERROR)
			return -EFAULT;
	return -EBUSY;
}

/*
 * A migration entry: sleep until the migration unlocks the source folio,
 * as a CPU fault would.  The entry is re-checked under the page-table lock
 * first; while it is there the migration holds the folio, so it can be
 * referenced for the wait.
 */
static void hmm_migration_entry_wait(struct mm_struct *mm, pte_t *ptep, pte_t pte)
{
	spin_lock(&mm->page_table_lock);
	/* Without a reference, which would fail the migration it waits for. */
	migration_entry_wait_on_locked(mm, ptep, pte);
}

/* A page the range's owner can reach itself: report it, never fault it. */
static inline bool hmm_is_own_device_private(const struct hmm_range *range, swp_entry_t entry)
{
	return is_device_private_entry(entry) &&
	       page_pgmap(pfn_swap_entry_to_page(entry))->owner == range->dev_private_owner;
}

/* Types below the first special one are swap-file slots (none exist yet). */
static inline bool hmm_is_swap_file_entry(swp_entry_t entry)
{
	return swp_type(entry) < SWP_HWPOISON;
}

/*
 * One PTE.  @end is the end of the sub-range being walked, the extent a
 * fault covers.  Returns 0 with the output stored, or -EBUSY after a fault
 * or a wait (walk->last set), or an error.
 */
static int hmm_vma_handle_pte(struct hmm_vma_walk *walk, struct vm_area_struct *vma,
			      unsigned long addr, unsigned long end, pte_t *ptep,
			      unsigned long *entry)
{
	const struct hmm_range *range = walk->range;
	pte_t pte = ptep_get(ptep);
	unsigned long cpu_flags;
	unsigned int required;

	/* A uffd-wp style marker maps nothing: it counts as none. */
	if (pte_none(pte) ||
	    (!pte_present(pte) && swp_type(pte_to_swp_entry(pte)) == SWP_PTE_MARKER)) {
		required = hmm_pte_need_fault(range, *entry, 0);
		if (required)
			return hmm_vma_fault(walk, vma, addr, end, required);
		hmm_set_output(entry, 0);
		return 0;
	}

	if (!pte_present(pte)) {
		swp_entry_t swp = pte_to_swp_entry(pte);

		/*
		 * The caller's own device memory: the device can map it
		 * without the CPU's help, so report it as it is, even when a
		 * write was requested and the entry is read-only.  The caller
		 * checks HMM_PFN_WRITE itself.
		 */
		if (hmm_is_own_device_private(range, swp)) {
			cpu_flags = HMM_PFN_VALID;
			if (is_writable_device_private_entry(swp))
				cpu_flags |= HMM_PFN_WRITE;
			hmm_set_output(entry, swp_offset_pfn(swp) | cpu_flags);
			return 0;
		}
		required = hmm_pte_need_fault(range, *entry, 0);
		if (!required) {
			hmm_set_output(entry, 0);
			return 0;
		}
		/*
		 * Swapped out, another device's memory (its migrate_to_ram()
		 * brings it back) or device-exclusive (the fault restores
		 * it): a CPU fault makes it present.
		 */
		if (hmm_is_swap_file_entry(swp) || is_device_private_entry(swp) ||
		    is_device_exclusive_entry(swp))
			return hmm_vma_fault(walk, vma, addr, end, required);
		if (is_migration_entry(swp)) {
			walk->last = addr;
			hmm_migration_entry_wait(walk->mm, ptep, pte);
			return -EBUSY;
		}
		/* Poison, or something no fault can make accessible. */
		return -EFAULT;
	}

	/* A PROT_NONE (NUMA hint) entry grants nothing, whatever it maps. */
	cpu_flags = 0;
	if (!pte_protnone(pte))
		cpu_flags = HMM_PFN_VALID | (pte_write(pte) ? HMM_PFN_WRITE : 0);
	required = hmm_pte_need_fault(range, *entry, cpu_flags);
	if (required)
		return hmm_vma_fault(walk, vma, addr, end, required);

	/*
	 * A special entry has no struct page a device could use (a raw pfn
	 * map), except the zero page, which is an ordinary read-only page as
	 * far as the device cares, and devmap entries, which map a real
	 * ZONE_DEVICE page.
	 */
	if (pte_special(pte) && !pte_devmap(pte) && pte_pfn(pte) != walk->zero_pfn) {
		if (hmm_pte_need_fault(range, *entry, 0))
			return -EFAULT;
		hmm_set_output(entry, HMM_PFN_ERROR);
		return 0;
	}
	hmm_set_output(entry, pte_pfn(pte) | cpu_flags);
	return 0;
}

/* [@addr, @end) of @vma, within one page table. */
static int hmm_vma_walk_ptes(struct hmm_vma_walk *walk, struct vm_area_struct *vma,
			     unsigned long addr, unsigned long end)
{
	const struct hmm_range *range = walk->range;
	unsigned long *entry = hmm_entry(range, addr);
	pte_t *ptep = pte_offset_lockless(walk->mm, addr);
	unsigned long a;
	int ret;

	if (!ptep) {
		/* No page table yet: all none. */
		unsigned int required = hmm_range_need_fault(range, addr, end);

		if (required)
			return hmm_vma_fault(walk, vma, addr, end, required);
		hmm_pfns_fill(range, addr, end, 0);
		return 0;
	}
	for (a = addr; a < end; a += PAGE_SIZE, ptep++, entry++) {
		ret = hmm_vma_handle_pte(walk, vma, a, end, ptep, entry);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A PMD or PUD leaf maps @addr (hmm_vma_handle_pmd/pud): every page of
 * [@addr, end of the leaf or @end) comes out with the leaf's pfn, its
 * permission and its map order (9 or 18), so a device can map it huge too.
 * -ENOENT if no leaf is there (the PTE level decides); *@next is where the
 * leaf's part of the range ends.
 */
static int hmm_vma_walk_leaf(struct hmm_vma_walk *walk, struct vm_area_struct *vma,
			     unsigned long addr, unsigned long end, unsigned long *next)
{
	const struct hmm_range *range = walk->range;
	unsigned long entry, size, pfn, cpu_flags, *out, a;
	unsigned int order, required = 0;
	pud_t *pudp = pud_offset_lockless(walk->mm, addr);
	pmd_t *pmdp;

	if (!pudp)
		return -ENOENT;
	entry = pud_val(pudp_get(pudp));
	order = PUD_SHIFT - PAGE_SHIFT;
	if (!(entry & _PAGE_PSE)) {
		pmdp = pmd_offset_lockless(walk->mm, addr);
		if (!pmdp)
			return -ENOENT;
		entry = pmd_val(pmdp_get(pmdp));
		order = PMD_SHIFT - PAGE_SHIFT;
		if (!(entry & _PAGE_PSE))
			return -ENOENT;
	}
	size = PAGE_SIZE << order;
	*next = min((addr & ~(size - 1)) + size, end);

	/* PROT_NONE grants nothing; the order is reported all the same. */
	cpu_flags = 0;
	if (entry & _PAGE_PRESENT)
		cpu_flags = HMM_PFN_VALID | ((entry & _PAGE_RW) ? HMM_PFN_WRITE : 0);
	out = hmm_entry(range, addr);
	for (a = addr; a < *next && required != HMM_NEED_ALL_BITS; a += PAGE_SIZE, out++)
		required |= hmm_pte_need_fault(range, *out, cpu_flags);
	if (required)
		return hmm_vma_fault(walk, vma, addr, *next, required);

	/* A raw pfn map has no struct page a device could use. */
	if ((entry & _PAGE_SPECIAL) && !(entry & _PAGE_DEVMAP)) {
		hmm_pfns_fill(range, addr, *next, HMM_PFN_ERROR);
		return 0;
	}
	cpu_flags |= (unsigned long)order << HMM_PFN_ORDER_SHIFT;
	pfn = ((entry & PTE_PFN_MASK) >> PAGE_SHIFT) + ((addr & (size - 1)) >> PAGE_SHIFT);
	out = hmm_entry(range, addr);
	for (a = addr; a < *next; a += PAGE_SIZE, out++, pfn++)
		hmm_set_output(out, pfn | cpu_flags);
	return 0;
}

/* [@start, @end) of @vma. */
static int hmm_walk_vma(struct hmm_vma_walk *walk, struct vm_area_struct *vma,
			unsigned long start, unsigned long end)
{
	const struct hmm_range *range = walk->range;
	unsigned long addr, next;
	int ret;

	/*
	 * Memory without struct pages behind it (VM_PFNMAP) or that maps I/O
	 * cannot be mirrored, and neither can memory the CPU may not read
	 * (HMM assumes no write without read).  A request to fault any of it
	 * is a hard failure; otherwise it is reported as an error and the
	 * walk goes on with the next VMA.
	 */
	if ((vma->vm_flags & (VM_IO | VM_PFNMAP)) || !(vma->vm_flags & VM_READ)) {
		if (hmm_range_need_fault(range, start, end))
			return -EFAULT;
		hmm_pfns_fill(range, start, end, HMM_PFN_ERROR);
		return 0;
	}
	for (addr = start; addr < end; addr = next) {
		ret = hmm_vma_walk_leaf(walk, vma, addr, end, &next);
		if (ret == -ENOENT) {
			next = pmd_addr_end(addr, end);
			ret = hmm_vma_walk_ptes(walk, vma, addr, next);
		}
		if (ret)
			return ret;
	}
	return 0;
}

/* Addresses no VMA covers: nothing could be faulted there. */
static int hmm_walk_hole(struct hmm_vma_walk *walk, unsigned long start, unsigned long end)
{
	if (hmm_range_need_fault(walk->range, start, end))
		return -EFAULT;
	hmm_pfns_fill(walk->range, start, end, HMM_PFN_ERROR);
	return 0;
}

/* One pass over [walk->last, range->end). */
static int hmm_walk_range(struct hmm_vma_walk *walk)
{
	unsigned long addr = walk->last, end = walk->range->end;
	int ret;

	while (addr < end) {
		struct vm_area_struct *vma = find_vma(walk->mm, addr);
		unsigned long next;

		if (!vma || vma->vm_start >= end)
			return hmm_walk_hole(walk, addr, end);
		if (vma->vm_start > addr) {
			ret = hmm_walk_hole(walk, addr, vma->vm_start);
			if (ret)
				return ret;
			addr = vma->vm_start;
		}
		next = min(vma->vm_end, end);
		ret = hmm_walk_vma(walk, vma, addr, next);
		if (ret)
			return ret;
		addr = next;
	}
	return 0;
}

/**
 * hmm_range_fault() - snapshot, and fault in as requested, a range of the
 * CPU page tables for a device mirror
 * @range: the range, its notifier and sequence number, the pfn array and
 *	the request flags
 *
 * For each page of [@range->start, @range->end) the request is
 * (input & @range->pfn_flags_mask) | @range->default_flags.  With
 * HMM_PFN_REQ_FAULT the page must come out HMM_PFN_VALID, with
 * HMM_PFN_REQ_WRITE also HMM_PFN_WRITE; whatever is missing is faulted in
 * with handle_mm_fault(), which brings another device's private pages
 * back to RAM.  Device-private pages of @range->dev_private_owner are
 * reported without faulting.  The zero page is reported VALID, read-only.
 * An output of 0 means "not present, but a fault could make it so";
 * HMM_PFN_ERROR means the device must not access the page at all.
 *
 * The caller holds mmap_lock of @range->notifier->mm for read, and must
 * confirm the result with mmu_interval_read_retry() under its own lock
 * before using it.
 *
 * Return: 0 when every entry holds an output; -EBUSY if an invalidation
 * of the range began since @range->notifier_seq was read (start again
 * with mmu_interval_read_begin()); -EFAULT if a requested page cannot be
 * made valid (no VMA, an I/O, pfnmap or unreadable VMA, a special PTE, a
 * fault that failed, poison); -EPERM if a write was requested on a VMA
 * that cannot be written; -EINVAL for an empty or unaligned range.  On
 * failure the entries from the one that failed on still hold their input.
 */
int hmm_range_fault(struct hmm_range *range)
{
	struct mm_struct *mm = range->notifier->mm;
	struct hmm_vma_walk walk = {
		.range = range,
		.mm = mm,
		.zero_pfn = page_to_pfn(NODE_DATA(mm->nid)->zero_page),
		.last = range->start,
	};
	int ret;

	VM_BUG_ON(!rwsem_is_locked(&mm->mmap_lock));
	if (range->start >= range->end || ((range->start | range->end) & ~PAGE_MASK))
		return -EINVAL;
	do {
		/* Someone already changed the range: the snapshot is stale. */
		if (mmu_interval_check_retry(range->notifier, range->notifier_seq))
			return -EBUSY;
		ret = hmm_walk_range(&walk);
	} while (ret == -EBUSY);
	return ret;
}
