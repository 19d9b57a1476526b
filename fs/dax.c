// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DAX "page cache" and DAX faults (fs/dax.c): a DAX file's
 * address_space holds no folios, only value entries naming the device pfn
 * of each block that has been faulted in, and the faults map those pfns
 * straight into user page tables.  Truncate and punch hole must wait until
 * no page of the range is still referenced (a GUP pin, an I/O in flight)
 * before the file system may free the blocks: dax_break_layout().
 *
 * Entries (spec fsdax_devdax.md §1.1): (pfn << DAX_SHIFT) | flags, with
 * LOCKED, PMD (a 2 MiB entry standing for 512 indices, kept at its first
 * index), ZERO_PAGE (a hole mapped by the zero page) and EMPTY (a
 * placeholder a fault locks before it knows the block).  The DIRTY tag
 * lives beside the value, above the pfn.  All of them change under
 * i_pages_lock; waiters for a locked entry sleep on a key made of the
 * mapping and the entry's first index.
 *
 * The two refcount schemes differ in what an entry and a mapping hold:
 *  - zero (v6.15+): an entry owns its folio (->mapping, ->index; a PMD
 *    entry makes the 512 pages one compound folio for as long as it
 *    lives); each user mapping holds one reference and one mapcount; a
 *    page is idle at refcount 0, and busy when references exceed mappings.
 *  - elevated (v5.x-v6.14): mappings are devmap entries that hold
 *    nothing; every page of an entry gets ->mapping/->index; a page is
 *    idle at 1 and busy above it.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <zonedev/dax.h>
#include <zonedev/huge_mm.h>
#include <zonedev/iomap.h>
#include "../mm/internal_mm.h"

#define DAX_SHIFT	4
#define DAX_LOCKED	(1UL << 0)
#define DAX_PMD		(1UL << 1)
#define DAX_ZERO_PAGE	(1UL << 2)
#define DAX_EMPTY	(1UL << 3)
#define DAX_FLAGS	(DAX_LOCKED | DAX_PMD | DAX_ZERO_PAGE | DAX_EMPTY)
#define DAX_TAG_DIRTY	(1UL << 62)	/* an xarray tag, kept in the slot word */
#define DAX_PFN_MASK	((1UL << 58) - 1)

#define PG_PMD_COLOUR	((PMD_SIZE >> PAGE_SHIFT) - 1)
#define PG_PMD_NR	(PMD_SIZE >> PAGE_SHIFT)

/* How long an interruptible wait sleeps between looks at the signal flag. */
#define DAX_WAIT_SLICE_MS	5

typedef unsigned long dax_entry_t;

static inline unsigned long dax_to_pfn(dax_entry_t e)
{
	return (e >> DAX_SHIFT) & DAX_PFN_MASK;
}

static inline dax_entry_t dax_make_entry(unsigned long pfn, unsigned long flags)
{
	return (pfn << DAX_SHIFT) | flags;
}

static inline dax_entry_t dax_value(dax_entry_t e)	{ return e & ~DAX_TAG_DIRTY; }
static inline bool dax_is_locked(dax_entry_t e)		{ return e & DAX_LOCKED; }
static inline bool dax_is_pmd_entry(dax_entry_t e)	{ return e & DAX_PMD; }
static inline bool dax_is_zero_entry(dax_entry_t e)	{ return e & DAX_ZERO_PAGE; }
static inline bool dax_is_empty_entry(dax_entry_t e)	{ return e & DAX_EMPTY; }
static inline unsigned int dax_entry_order(dax_entry_t e) { return dax_is_pmd_entry(e) ? PMD_ORDER : 0; }

/* A real block: neither a placeholder nor the zero page. */
static inline bool dax_is_block_entry(dax_entry_t e)
{
	return e && !dax_is_zero_entry(e) && !dax_is_empty_entry(e);
}

static inline bool dax_mapping(struct address_space *mapping)
{
	return mapping && mapping->host && IS_DAX(mapping->host);
}

/* ------------------------------------------------------------------ */
/* Slots and the entry lock                                            */
/* ------------------------------------------------------------------ */

/* The slot holding the entry that covers @index (a PMD entry's first one). */
static unsigned long *dax_slot(struct address_space *mapping, pgoff_t index)
{
	pgoff_t base = index & ~PG_PMD_COLOUR;

	if (base < mapping->dax_nr_slots && dax_is_pmd_entry(mapping->dax_slots[base]))
		return &mapping->dax_slots[base];
	if (index < mapping->dax_nr_slots)
		return &mapping->dax_slots[index];
	return NULL;
}

static dax_entry_t dax_load(struct address_space *mapping, pgoff_t index)
{
	unsigned long *slot = dax_slot(mapping, index);

	return slot ? *slot : 0;
}

/* First index of the entry @e found for @index. */
static inline pgoff_t dax_entry_index(dax_entry_t e, pgoff_t index)
{
	return dax_is_pmd_entry(e) ? index & ~PG_PMD_COLOUR : index;
}

/* Room for @index (and the PMD block around it); called under i_pages_lock. */
static int dax_grow(struct address_space *mapping, pgoff_t index)
{
	unsigned long need = (index | PG_PMD_COLOUR) + 1, nr = mapping->dax_nr_slots;
	unsigned long *slots;

	if (need <= nr)
		return 0;
	nr = max(need, 2 * nr);
	slots = krealloc(mapping->dax_slots, nr * sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return -ENOMEM;
	memset(slots + mapping->dax_nr_slots, 0, (nr - mapping->dax_nr_slots) * sizeof(*slots));
	mapping->dax_slots = slots;
	mapping->dax_nr_slots = nr;
	return 0;
}

/*
 * The wait key of an entry: mapping and first index.  It is never
 * dereferenced, only hashed (two entries sharing a bucket just wake each
 * other for nothing).
 */
static inline const void *dax_wait_key(struct address_space *mapping, pgoff_t base)
{
	return (const char *)mapping + ((base & 0xfffff) << 6) + 1;
}

static bool dax_entry_settled(struct address_space *mapping, pgoff_t index)
{
	dax_entry_t e;

	spin_lock(&mapping->i_pages_lock);
	e = dax_load(mapping, index);
	spin_unlock(&mapping->i_pages_lock);
	return !dax_is_locked(e);
}

/*
 * Wait until the entry covering @index is unlocked (or gone): called with
 * i_pages_lock held, returns with it held, the entry maybe changed.
 */
static void dax_wait_unlocked(struct address_space *mapping, pgoff_t index, dax_entry_t e)
{
	const void *key = dax_wait_key(mapping, dax_entry_index(e, index));

	spin_unlock(&mapping->i_pages_lock);
	wait_var_event(key, dax_entry_settled(mapping, index));
	spin_lock(&mapping->i_pages_lock);
}

/* The entry covering @index, unlocked, waited for if need be; under i_pages_lock. */
static dax_entry_t dax_get_unlocked(struct address_space *mapping, pgoff_t index)
{
	dax_entry_t e;

	for (;;) {
		e = dax_load(mapping, index);
		if (!dax_is_locked(e))
			return e;
		dax_wait_unlocked(mapping, index, e);
	}
}

static void dax_lock_slot(struct address_space *mapping, pgoff_t index)
{
	unsigned long *slot = dax_slot(mapping, index);

	VM_BUG_ON(!slot || !*slot || dax_is_locked(*slot));
	*slot |= DAX_LOCKED;
}

/* Unlock the entry covering @index and wake whoever waits for it. */
static void dax_unlock_entry(struct address_space *mapping, pgoff_t index)
{
	unsigned long *slot;
	pgoff_t base;

	spin_lock(&mapping->i_pages_lock);
	slot = dax_slot(mapping, index);
	VM_BUG_ON(!slot || !dax_is_locked(*slot));
	*slot &= ~DAX_LOCKED;
	base = dax_entry_index(*slot, index);
	spin_unlock(&mapping->i_pages_lock);
	wake_up_var(dax_wait_key(mapping, base));
}

/* ------------------------------------------------------------------ */
/* Folio association                                                   */
/* ------------------------------------------------------------------ */

static inline bool dax_zero_scheme(struct folio *folio)
{
	return !pgmap_devmap_managed(folio->pgmap);
}

/* Zero scheme: an order-@order folio of the entry's pages, owned by @mapping. */
static void dax_folio_init(struct folio *folio, unsigned int order, struct address_space *mapping,
			   pgoff_t index)
{
	VM_BUG_ON_FOLIO(folio_test_large(folio) || folio->mapping, folio);
	if (order) {
		unsigned long i;

		for (i = 0; i < (1UL << order); i++)
			VM_BUG_ON_PAGE(page_ref_count(&folio->page + i), &folio->page + i);
		prep_compound_page(&folio->page, order);
	}
	WRITE_ONCE(folio->mapping, mapping);
	folio->index = index;
}

/* Zero scheme: the entry goes; a large folio falls back into order-0 pages. */
static void dax_folio_put(struct folio *folio)
{
	struct dev_pagemap *pgmap = folio->pgmap;
	unsigned long i, nr = folio_nr_pages(folio);

	WRITE_ONCE(folio->mapping, NULL);
	folio->share = 0;
	if (nr == 1)
		return;
	for (i = 1; i < nr; i++) {
		struct page *page = &folio->page + i;

		/* A tail's word 1 was compound_info: it is its pgmap again. */
		WRITE_ONCE(page->compound_info, 0);
		page->pgmap = pgmap;
		page->mapping = NULL;
		page->share = 0;
		VM_BUG_ON_PAGE(page_ref_count(page), page);
	}
	VM_BUG_ON_FOLIO(folio_ref_count(folio) || folio_mapped(folio), folio);
	__clear_bit(PG_head, &folio->page.flags);
	folio->_flags_1 &= ~0xffUL;
	folio->_folio_nr_pages = 0;
}

static void dax_associate_entry(dax_entry_t e, struct address_space *mapping, pgoff_t index)
{
	struct folio *folio;
	unsigned long i;

	if (!dax_is_block_entry(e))
		return;
	folio = pfn_folio(dax_to_pfn(e));
	if (dax_zero_scheme(folio)) {
		dax_folio_init(folio, dax_entry_order(e), mapping, index);
		return;
	}
	for (i = 0; i < (1UL << dax_entry_order(e)); i++) {
		struct page *page = pfn_to_page(dax_to_pfn(e) + i);

		VM_BUG_ON_PAGE(page->mapping, page);
		WRITE_ONCE(page->mapping, mapping);
		page->index = index + i;
	}
}

/*
 * @trunc: the block is being truncated away, so a page still referenced
 * beyond its idle count would hand a busy block on (invalidation, which
 * does not wait for pins, leaves such a page orphaned instead).
 */
static void dax_disassociate_entry(dax_entry_t e, bool trunc)
{
	struct folio *folio;
	unsigned long i;

	if (!dax_is_block_entry(e))
		return;
	folio = pfn_folio(dax_to_pfn(e));
	if (dax_zero_scheme(folio)) {
		dax_folio_put(folio);
		return;
	}
	for (i = 0; i < (1UL << dax_entry_order(e)); i++) {
		struct page *page = pfn_to_page(dax_to_pfn(e) + i);

		/* Truncating a page still in use would hand its block on. */
		VM_BUG_ON_PAGE(trunc && page_ref_count(page) > 1, page);
		WRITE_ONCE(page->mapping, NULL);
		page->index = 0;
	}
}

/*
 * Is the block of @e in use beyond its user mappings (a pin, an I/O)?
 * Returns its first busy page.
 */
static struct page *dax_busy_page(dax_entry_t e)
{
	struct folio *folio;
	unsigned long i;

	if (!dax_is_block_entry(e))
		return NULL;
	folio = pfn_folio(dax_to_pfn(e));
	if (dax_zero_scheme(folio))
		return folio_ref_count(folio) != folio_mapcount(folio) ? &folio->page : NULL;
	for (i = 0; i < (1UL << dax_entry_order(e)); i++) {
		struct page *page = pfn_to_page(dax_to_pfn(e) + i);

		if (page_ref_count(page) > 1)
			return page;
	}
	return NULL;
}

static bool dax_page_is_idle(struct page *page)
{
	struct folio *folio = page_folio(page);

	return dax_zero_scheme(folio) ? folio_ref_count(folio) == 0 : page_ref_count(page) == 1;
}

/*
 * Idle, or held by nothing but mappings: a fault that mapped the page
 * again while the callback had the fault lock dropped makes it so, and
 * the next scan unmaps it again.  Waiting for idle alone would wait for
 * that mapping forever.
 */
static bool dax_page_is_unpinned(struct page *page)
{
	struct folio *folio = page_folio(page);

	if (!dax_zero_scheme(folio))
		return page_ref_count(page) <= 1;
	return folio_ref_count(folio) <= folio_mapcount(folio);
}

/* ------------------------------------------------------------------ */
/* Entries at fault time                                               */
/* ------------------------------------------------------------------ */

#define DAX_CONFLICT	(~0UL)

/*
 * grab_mapping_entry(): a locked entry of at least @order for @index, a
 * new EMPTY one if there was none; DAX_CONFLICT when a PMD is asked for
 * over PTE entries; 0 with *@ret set on failure.
 */
static dax_entry_t grab_mapping_entry(struct address_space *mapping, pgoff_t index,
				      unsigned int order, vm_fault_t *ret)
{
	dax_entry_t e;
	pgoff_t i;

retry:
	spin_lock(&mapping->i_pages_lock);
	if (dax_grow(mapping, index)) {
		spin_unlock(&mapping->i_pages_lock);
		*ret = VM_FAULT_OOM;
		return 0;
	}
	e = dax_get_unlocked(mapping, index);
	if (order && !dax_is_pmd_entry(e)) {
		pgoff_t base = index & ~PG_PMD_COLOUR;

		/* PTE entries are never upgraded: let the fault use PTEs. */
		for (i = base; i < base + PG_PMD_NR; i++) {
			if (mapping->dax_slots[i]) {
				spin_unlock(&mapping->i_pages_lock);
				return DAX_CONFLICT;
			}
		}
	}
	if (!order && dax_is_pmd_entry(e) && !dax_is_block_entry(e)) {
		pgoff_t base = index & ~PG_PMD_COLOUR;

		/*
		 * A PTE fault inside a PMD zero or empty entry: take the PMD
		 * entry down (unmapping a huge zero page) and start over.
		 */
		dax_lock_slot(mapping, index);
		spin_unlock(&mapping->i_pages_lock);
		if (dax_is_zero_entry(e))
			unmap_mapping_pages(mapping, base, PG_PMD_NR, false);
		spin_lock(&mapping->i_pages_lock);
		mapping->dax_slots[base] = 0;
		mapping->nrpages -= PG_PMD_NR;
		spin_unlock(&mapping->i_pages_lock);
		wake_up_var(dax_wait_key(mapping, base));
		goto retry;
	}
	if (e) {
		dax_lock_slot(mapping, index);
	} else {
		pgoff_t at = order ? index & ~PG_PMD_COLOUR : index;

		e = DAX_EMPTY | (order ? DAX_PMD : 0);
		mapping->dax_slots[at] = e | DAX_LOCKED;
		mapping->nrpages += 1UL << order;
	}
	spin_unlock(&mapping->i_pages_lock);
	return dax_value(e);
}

/*
 * dax_insert_entry(): put the block (or the zero page) behind the locked
 * entry @e.  A live block entry keeps its pfn; an EMPTY or ZERO one is
 * replaced, after unmapping any zero-page mapping of it.
 */
static dax_entry_t dax_insert_entry(struct address_space *mapping, pgoff_t index, dax_entry_t e,
				    unsigned long pfn, unsigned long flags, bool dirty)
{
	dax_entry_t new = dax_make_entry(pfn, flags);
	pgoff_t base = dax_entry_index(e, index);
	unsigned long *slot;

	if (dax_is_zero_entry(e) && !(flags & DAX_ZERO_PAGE))
		unmap_mapping_pages(mapping, base, 1UL << dax_entry_order(e), false);
	spin_lock(&mapping->i_pages_lock);
	slot = dax_slot(mapping, index);
	VM_BUG_ON(!slot || !dax_is_locked(*slot));
	if (dax_is_zero_entry(e) || dax_is_empty_entry(e)) {
		/* A PMD placeholder may have become a PTE entry: not here. */
		VM_BUG_ON(dax_is_pmd_entry(e) != !!(flags & DAX_PMD));
		dax_associate_entry(new, mapping, base);
		*slot = new | DAX_LOCKED | (*slot & DAX_TAG_DIRTY);
		e = new;
	}
	if (dirty)
		*slot |= DAX_TAG_DIRTY;
	spin_unlock(&mapping->i_pages_lock);
	return e;
}

/* Remove the entry at @index if it is there; it must not be locked by us. */
static void dax_delete_entry(struct address_space *mapping, pgoff_t index, bool clean_only,
			     int *deleted)
{
	unsigned long *slot;
	dax_entry_t e;
	pgoff_t base;

	spin_lock(&mapping->i_pages_lock);
	e = dax_get_unlocked(mapping, index);
	slot = dax_slot(mapping, index);
	if (!e || (clean_only && (*slot & DAX_TAG_DIRTY))) {
		spin_unlock(&mapping->i_pages_lock);
		return;
	}
	base = dax_entry_index(e, index);
	dax_disassociate_entry(dax_value(e), !clean_only);
	*slot = 0;
	mapping->nrpages -= 1UL << dax_entry_order(e);
	spin_unlock(&mapping->i_pages_lock);
	/* Everyone waiting for it: it is gone, not handed on. */
	wake_up_var(dax_wait_key(mapping, base));
	if (deleted)
		(*deleted)++;
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */
/* ------------------------------------------------------------------ */

static vm_fault_t dax_fault_return(int error)
{
	if (error == 0)
		return VM_FAULT_NOPAGE;
	if (error == -ENOMEM)
		return VM_FAULT_OOM;
	if (error == -EHWPOISON)
		return VM_FAULT_HWPOISON;
	return VM_FAULT_SIGBUS;
}

static int dax_iomap_pfn(const struct iomap *iomap, loff_t pos, size_t size, void **kaddr,
			 unsigned long *pfnp)
{
	pgoff_t pgoff = (pgoff_t)((iomap->addr + (u64)(pos - iomap->offset)) >> PAGE_SHIFT);
	long nr = (long)(size >> PAGE_SHIFT), len;
	int id = dax_read_lock();

	len = dax_direct_access(iomap->dax_dev, pgoff, nr, DAX_ACCESS, kaddr, pfnp);
	dax_read_unlock(id);
	if (len < 0)
		return (int)len;
	/* A PMD wants 512 contiguous pages at a 2 MiB aligned pfn. */
	if (len < nr || (*pfnp & (nr - 1)))
		return -EINVAL;
	return 0;
}

/* A private mapping's write fault: copy the block (or zeros) into anon memory. */
static vm_fault_t dax_fault_cow_page(struct vm_fault *vmf, const struct iomap *iomap, loff_t pos)
{
	void *kaddr;
	unsigned long pfn;
	int err;

	if (iomap->type == IOMAP_HOLE || iomap->type == IOMAP_UNWRITTEN) {
		memset(page_address(vmf->cow_page), 0, PAGE_SIZE);
	} else if (iomap->type == IOMAP_MAPPED) {
		err = dax_iomap_pfn(iomap, pos, PAGE_SIZE, &kaddr, &pfn);
		if (err)
			return dax_fault_return(err);
		memcpy(page_address(vmf->cow_page), kaddr, PAGE_SIZE);
	} else {
		return VM_FAULT_SIGBUS;
	}
	/* The core maps vmf->cow_page; neither entry nor block is touched. */
	return VM_FAULT_DONE_COW;
}

/* Map the block (a page or a PMD) of the locked entry @e into the VMA. */
static vm_fault_t dax_insert_block(struct vm_fault *vmf, unsigned long pfn, unsigned int order,
				   bool write)
{
	struct folio *folio = pfn_folio(pfn);
	vm_fault_t ret;

	if (!dax_zero_scheme(folio)) {
		pfn_t p = __pfn_to_pfn_t(pfn, PFN_DEV | PFN_MAP);

		if (order)
			return vmf_insert_pfn_pmd(vmf, p, write);
		return write ? vmf_insert_mixed_mkwrite(vmf->vma, vmf->address, p) :
			       vmf_insert_mixed(vmf->vma, vmf->address, p);
	}
	/*
	 * The folio may be idle at 0, where a checked get is a bug: the
	 * locked entry keeps it ours while an unchecked reference carries it
	 * through the insert, which takes the mapping's own.
	 */
	folio_ref_inc(folio);
	if (order)
		ret = vmf_insert_folio_pmd(vmf, folio, write);
	else
		ret = vmf_insert_page_mkwrite(vmf, pfn_to_page(pfn), write);
	folio_put(folio);
	return ret;
}

/*
 * A placeholder that no block filled (a private COW, an error, a PMD
 * fallback): delete it, waking its waiters, so that no EMPTY entry
 * outlives the fault that made it (spec §8, 4).
 */
static void dax_drop_empty(struct address_space *mapping, pgoff_t index, unsigned int order)
{
	pgoff_t base = order ? index & ~PG_PMD_COLOUR : index;

	spin_lock(&mapping->i_pages_lock);
	VM_BUG_ON(!dax_is_locked(mapping->dax_slots[base]));
	mapping->dax_slots[base] = 0;
	mapping->nrpages -= 1UL << order;
	spin_unlock(&mapping->i_pages_lock);
	wake_up_var(dax_wait_key(mapping, base));
}

static vm_fault_t dax_fault_iter(struct vm_fault *vmf, struct address_space *mapping,
				 pgoff_t index, dax_entry_t *entry, const struct iomap *iomap,
				 loff_t pos, unsigned int order, pfn_t *pfnp)
{
	size_t size = PAGE_SIZE << order;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	void *kaddr;
	unsigned long pfn;
	int err;

	if (!order && write && !(vmf->vma->vm_flags & VM_SHARED))
		return dax_fault_cow_page(vmf, iomap, pos);
	if (!write && (iomap->type == IOMAP_HOLE || iomap->type == IOMAP_UNWRITTEN)) {
		struct page *zero = NODE_DATA(vmf->vma->vm_mm->nid)->zero_page;

		/* No huge zero folio here: a PMD read of a hole uses PTEs. */
		if (order)
			return VM_FAULT_FALLBACK;
		*entry = dax_insert_entry(mapping, index, *entry, page_to_pfn(zero),
					  DAX_ZERO_PAGE, false);
		return vmf_insert_mixed(vmf->vma, vmf->address,
					__pfn_to_pfn_t(page_to_pfn(zero), 0));
	}
	if (iomap->type != IOMAP_MAPPED)
		return order ? VM_FAULT_FALLBACK : VM_FAULT_SIGBUS;
	err = dax_iomap_pfn(iomap, pos, size, &kaddr, &pfn);
	if (err)
		return order ? VM_FAULT_FALLBACK : dax_fault_return(err);
	*entry = dax_insert_entry(mapping, index, *entry, pfn, order ? DAX_PMD : 0, write);
	/* A PTE write inside a live PMD entry maps its subpage. */
	if (!order && dax_is_pmd_entry(*entry))
		pfn = dax_to_pfn(*entry) + (index & PG_PMD_COLOUR);
	if (pfnp)
		*pfnp = __pfn_to_pfn_t(pfn, PFN_DEV | PFN_MAP);
	return dax_insert_block(vmf, pfn, order, write);
}

static vm_fault_t dax_iomap_fault_order(struct vm_fault *vmf, unsigned int order, pfn_t *pfnp,
					int *errp, const struct iomap_ops *ops)
{
	struct vm_area_struct *vma = vmf->vma;
	struct address_space *mapping = vma->vm_file->f_mapping;
	struct inode *inode = mapping->host;
	unsigned long haddr = vmf->address & ~(PMD_SIZE - 1);
	pgoff_t index = order ? vmf->pgoff & ~PG_PMD_COLOUR : vmf->pgoff;
	loff_t pos = (loff_t)index << PAGE_SHIFT, size = (loff_t)(PAGE_SIZE << order);
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	unsigned int iomap_flags = IOMAP_FAULT | IOMAP_DAX;
	struct iomap iomap = { 0 }, srcmap = { 0 };
	pgoff_t max_pgoff;
	vm_fault_t ret = 0;
	dax_entry_t entry;
	int err;

	if (order && order != PMD_ORDER)
		return VM_FAULT_FALLBACK;
	/* Truncate holds invalidate_lock exclusive: i_size is stable here. */
	max_pgoff = (pgoff_t)DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE);
	if (order) {
		if ((vmf->pgoff & PG_PMD_COLOUR) != ((vmf->address >> PAGE_SHIFT) & PG_PMD_COLOUR) ||
		    (write && !(vma->vm_flags & VM_SHARED)) || haddr < vma->vm_start ||
		    haddr + PMD_SIZE > vma->vm_end)
			return VM_FAULT_FALLBACK;
		if (index >= max_pgoff)
			return VM_FAULT_SIGBUS;
		if ((index | PG_PMD_COLOUR) >= max_pgoff)
			return VM_FAULT_FALLBACK;
	} else if (index >= max_pgoff) {
		return VM_FAULT_SIGBUS;
	}
	if (write && !(vma->vm_flags & VM_SHARED))
		write = false;	/* a COW: the DAX block is only read */
	else if (write)
		iomap_flags |= IOMAP_WRITE;

	entry = grab_mapping_entry(mapping, index, order, &ret);
	if (entry == DAX_CONFLICT)
		return VM_FAULT_FALLBACK;
	if (!entry)
		return ret;

	err = ops->iomap_begin(inode, pos, size, iomap_flags, &iomap, &srcmap);
	if (err) {
		ret = order ? VM_FAULT_FALLBACK : dax_fault_return(err);
		goto unlock_entry;
	}
	if (iomap.offset + (loff_t)iomap.length < pos + size) {
		ret = order ? VM_FAULT_FALLBACK : VM_FAULT_SIGBUS;
		err = -EIO;
	} else {
		ret = dax_fault_iter(vmf, mapping, index, &entry, &iomap, pos, order, pfnp);
		if ((iomap.flags & IOMAP_F_NEW) && !(ret & VM_FAULT_ERROR))
			ret |= VM_FAULT_MAJOR;
	}
	if (ops->iomap_end)
		ops->iomap_end(inode, pos, size, (ret & VM_FAULT_ERROR) ? 0 : size, iomap_flags,
			       &iomap);
unlock_entry:
	if (dax_is_empty_entry(entry))
		dax_drop_empty(mapping, index, dax_entry_order(entry));
	else
		dax_unlock_entry(mapping, index);
	if (errp)
		*errp = err;
	return ret;
}

/**
 * dax_iomap_fault() - a page fault on a DAX file
 * @vmf: the fault
 * @order: 0 (->fault, ->page_mkwrite, ->pfn_mkwrite) or PMD_ORDER (->huge_fault)
 * @pfnp: if not NULL, receives the pfn mapped (for a later fsync-and-map)
 * @errp: if not NULL, receives the iomap error behind a failure
 * @ops: the file system's block map
 *
 * The caller holds mapping->invalidate_lock shared for the whole call, so
 * no block of the file can be freed underneath.
 *
 * Return: VM_FAULT_NOPAGE when mapped (plus VM_FAULT_MAJOR for a new block),
 * VM_FAULT_DONE_COW for a private write, VM_FAULT_FALLBACK when a PMD is
 * not possible, or an error (SIGBUS beyond EOF or on I/O errors, OOM,
 * HWPOISON for poisoned media).
 */
vm_fault_t dax_iomap_fault(struct vm_fault *vmf, unsigned int order, pfn_t *pfnp, int *errp,
			   const struct iomap_ops *ops)
{
	if (!vmf || !ops || !vmf->vma->vm_file || !dax_mapping(vmf->vma->vm_file->f_mapping))
		return VM_FAULT_SIGBUS;
	return dax_iomap_fault_order(vmf, order, pfnp, errp, ops);
}

/* ------------------------------------------------------------------ */
/* Layout breaking                                                     */
/* ------------------------------------------------------------------ */

/*
 * unmap_mapping_pages() as the kernel's completes: its TLB flush done and
 * the mappings' references dropped on return.  zonedev drops the last
 * ones after a grace period (the flush), so wait for those callbacks:
 * what holds a page after this is a pin or an I/O, never a mapping that
 * is already gone.
 */
static void dax_unmap_sync(struct address_space *mapping, pgoff_t start, pgoff_t nr,
			   bool even_cows)
{
	unmap_mapping_pages(mapping, start, nr, even_cows);
	rcu_barrier();
}

static void dax_range_indices(loff_t start, loff_t end, pgoff_t *first, pgoff_t *last)
{
	*first = (pgoff_t)(start >> PAGE_SHIFT);
	*last = end == LLONG_MAX ? ULONG_MAX : (pgoff_t)(end >> PAGE_SHIFT);
}

/* The next entry at or after *@index up to @last, its first index in *@index. */
static bool dax_next_entry(struct address_space *mapping, pgoff_t *index, pgoff_t last)
{
	pgoff_t i = *index;

	if (i < mapping->dax_nr_slots && (i & PG_PMD_COLOUR)) {
		pgoff_t base = i & ~PG_PMD_COLOUR;

		if (dax_is_pmd_entry(mapping->dax_slots[base])) {
			*index = base;
			return true;
		}
	}
	for (; i <= last && i < mapping->dax_nr_slots; i++) {
		if (mapping->dax_slots[i]) {
			*index = i;
			return true;
		}
	}
	return false;
}

/**
 * dax_layout_busy_page_range() - find a page of a DAX range still in use
 * @mapping: the file's address_space
 * @start: first byte
 * @end: last byte (LLONG_MAX: to the end)
 *
 * Unmaps the range from every user first, so that what still holds a
 * page afterwards is a pin or an I/O, not a mapping.  The caller holds
 * mapping->invalidate_lock exclusive: nothing can map it again meanwhile.
 *
 * Return: the first busy page (the folio head under the zero scheme), or
 * NULL.
 */
struct page *dax_layout_busy_page_range(struct address_space *mapping, loff_t start, loff_t end)
{
	pgoff_t index, last;
	struct page *page = NULL;

	if (!dax_mapping(mapping) || start < 0 || end < start)
		return NULL;
	dax_range_indices(start, end, &index, &last);
	/* Whether or not it is mapped now, a page can still be under DMA. */
	dax_unmap_sync(mapping, index, last == ULONG_MAX ? 0 : last - index + 1, false);

	spin_lock(&mapping->i_pages_lock);
	while (!page && dax_next_entry(mapping, &index, last)) {
		dax_entry_t e = dax_get_unlocked(mapping, index);

		/* The wait may have changed it: look again from here. */
		if (!e) {
			index++;
			continue;
		}
		index = dax_entry_index(e, index);
		page = dax_busy_page(dax_value(e));
		index += 1UL << dax_entry_order(e);
	}
	spin_unlock(&mapping->i_pages_lock);
	return page;
}

/**
 * dax_delete_mapping_range() - drop every DAX entry of a byte range
 * @mapping: the file's address_space
 * @start: first byte
 * @end: last byte (LLONG_MAX: to the end)
 *
 * Only after dax_break_layout() found the range idle: the folios lose
 * their association (a PMD folio falls apart into pages).
 */
void dax_delete_mapping_range(struct address_space *mapping, loff_t start, loff_t end)
{
	pgoff_t index, last;

	if (!dax_mapping(mapping))
		return;
	dax_range_indices(start, end, &index, &last);
	for (;;) {
		bool found;

		spin_lock(&mapping->i_pages_lock);
		found = dax_next_entry(mapping, &index, last);
		spin_unlock(&mapping->i_pages_lock);
		if (!found)
			break;
		dax_delete_entry(mapping, index, false, NULL);
		index++;
	}
}

/*
 * Wait for @page to become idle: interruptibly, running @cb between looks
 * (it drops and retakes the file system's fault lock), or without @cb and
 * without interruption for eviction.
 */
static int dax_wait_page_idle(struct page *page, void (*cb)(struct inode *), struct inode *inode,
			      bool interruptible)
{
	const void *key = &page_folio(page)->page;

	for (;;) {
		if (dax_page_is_unpinned(page))
			return 0;
		if (interruptible && signal_pending())
			return -ERESTARTSYS;
		if (cb)
			cb(inode);
		if (wait_var_event_timeout(key, dax_page_is_idle(page), DAX_WAIT_SLICE_MS))
			return 0;
	}
}

static int __dax_break_layout(struct inode *inode, loff_t start, loff_t end,
			      void (*cb)(struct inode *), bool interruptible)
{
	struct address_space *mapping = inode->i_mapping;
	struct page *page;
	int error;

	if (!dax_mapping(mapping))
		return 0;
	for (;;) {
		page = dax_layout_busy_page_range(mapping, start, end);
		if (!page)
			break;
		if (interruptible && !cb)
			return -ERESTARTSYS;	/* the NOWAIT form */
		error = dax_wait_page_idle(page, cb, inode, interruptible);
		if (error)
			return error;	/* entries untouched, nothing may be freed */
	}
	dax_delete_mapping_range(mapping, start, end);
	return 0;
}

/**
 * dax_break_layout() - wait until no page of a DAX range is in use, then
 * drop the range's entries
 * @inode: the file; its i_rwsem and mapping->invalidate_lock are held
 *	exclusive
 * @start: first byte
 * @end: last byte (LLONG_MAX: to the end)
 * @cb: run between waits; drops the fault lock, lets others run, retakes
 *	it (faults and GUP may map pages again meanwhile, which is why every
 *	round unmaps and scans anew).  NULL: do not wait.
 *
 * Return: 0 (the blocks may be freed now, before the lock is dropped
 * again), or -ERESTARTSYS if the caller was signalled (or would have had
 * to wait without @cb); then the entries are untouched.
 */
int dax_break_layout(struct inode *inode, loff_t start, loff_t end, void (*cb)(struct inode *))
{
	if (!inode || start < 0 || end < start)
		return -EINVAL;
	return __dax_break_layout(inode, start, end, cb, true);
}

/* The usual callback: let the faults that wait on invalidate_lock through. */
static void dax_break_layout_cb(struct inode *inode)
{
	filemap_invalidate_unlock(inode->i_mapping);
	cond_resched();
	filemap_invalidate_lock(inode->i_mapping);
}

/**
 * dax_break_layout_inode() - dax_break_layout() over the whole file, as
 * ext4 and XFS do before any block-map change
 * @inode: i_rwsem and mapping->invalidate_lock held exclusive
 *
 * Return: 0, or -ERESTARTSYS if the waiting thread was signalled.
 */
int dax_break_layout_inode(struct inode *inode)
{
	if (!inode)
		return -EINVAL;
	return __dax_break_layout(inode, 0, LLONG_MAX, dax_break_layout_cb, true);
}

/**
 * dax_break_layout_final() - at eviction or unmount: wait, uninterruptibly,
 * for every page of the file to become idle and drop all its entries
 */
void dax_break_layout_final(struct inode *inode)
{
	if (inode)
		__dax_break_layout(inode, 0, LLONG_MAX, NULL, false);
}

/**
 * truncate_inode_pages_range() - drop a file's cached pages of a byte range
 * @mapping: the file's address_space
 * @lstart: first byte
 * @lend: last byte (-1 or LLONG_MAX: to the end)
 *
 * For a DAX file: its entries.  The file system has broken the layout
 * first; an entry whose page is still busy here means it did not, which
 * is reported (the kernel warns) before the entry goes anyway.
 */
void truncate_inode_pages_range(struct address_space *mapping, loff_t lstart, loff_t lend)
{
	pgoff_t index, last;

	if (!dax_mapping(mapping) || lstart < 0)
		return;
	if (lend < 0)
		lend = LLONG_MAX;
	dax_range_indices(lstart, lend, &index, &last);
	dax_unmap_sync(mapping, index, last == ULONG_MAX ? 0 : last - index + 1, false);
	for (;;) {
		struct page *busy = NULL;
		bool found;

		spin_lock(&mapping->i_pages_lock);
		found = dax_next_entry(mapping, &index, last);
		if (found)
			busy = dax_busy_page(dax_value(dax_load(mapping, index)));
		spin_unlock(&mapping->i_pages_lock);
		if (!found)
			break;
		if (busy)
			__vm_bug_page(busy, "truncating a DAX page still in use", __func__, __LINE__);
		dax_delete_entry(mapping, index, false, NULL);
		index++;
	}
}

/** truncate_inode_pages_final() - truncate_inode_pages_range() of everything */
void truncate_inode_pages_final(struct address_space *mapping)
{
	truncate_inode_pages_range(mapping, 0, LLONG_MAX);
}

/**
 * invalidate_inode_pages2_range() - drop the clean entries of [@start, @end]
 * (page indices) and unmap the range
 *
 * No waiting: busy pages are not looked at (the file system's PRE_REMOVE
 * and write paths use this).  Dirty entries stay.
 *
 * Return: 0, or -EBUSY if a dirty entry could not go.
 */
int invalidate_inode_pages2_range(struct address_space *mapping, pgoff_t start, pgoff_t end)
{
	pgoff_t index = start;
	int ret = 0;

	if (!dax_mapping(mapping) || end < start)
		return 0;
	dax_unmap_sync(mapping, start, end == ULONG_MAX ? 0 : end - start + 1, false);
	for (;;) {
		dax_entry_t e = 0;
		bool found;
		int deleted = 0;

		spin_lock(&mapping->i_pages_lock);
		found = dax_next_entry(mapping, &index, end);
		if (found)
			e = *dax_slot(mapping, index);
		spin_unlock(&mapping->i_pages_lock);
		if (!found)
			break;
		dax_delete_entry(mapping, index, true, &deleted);
		if (!deleted && (e & DAX_TAG_DIRTY))
			ret = -EBUSY;
		index = dax_entry_index(e, index) + (1UL << dax_entry_order(e));
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* Locking an entry for memory failure                                 */
/* ------------------------------------------------------------------ */

/**
 * dax_lock_folio() - lock the DAX entry that owns @folio
 *
 * Return: a non-zero cookie for dax_unlock_folio(), or 0 if the folio has
 * no owner to lock (never faulted in, truncated meanwhile).  Device-dax
 * pages need no entry: their cookie is 1.
 */
unsigned long dax_lock_folio(struct folio *folio)
{
	struct address_space *mapping;
	dax_entry_t e;

	for (;;) {
		mapping = READ_ONCE(folio->mapping);
		if (!mapping || (unsigned long)mapping & PAGE_MAPPING_ANON)
			return 0;
		if (!dax_mapping(mapping))
			return folio_is_fsdax(folio) ? 0 : 1;
		/* Device-dax: the pgmap keeps the inode; there is no entry. */
		if (IS_CHRDEV(mapping->host))
			return 1;
		spin_lock(&mapping->i_pages_lock);
		if (READ_ONCE(folio->mapping) != mapping) {
			spin_unlock(&mapping->i_pages_lock);
			continue;
		}
		e = dax_load(mapping, folio->index);
		if (dax_is_locked(e)) {
			dax_wait_unlocked(mapping, folio->index, e);
			spin_unlock(&mapping->i_pages_lock);
			continue;
		}
		if (!e) {
			spin_unlock(&mapping->i_pages_lock);
			return 0;
		}
		dax_lock_slot(mapping, folio->index);
		spin_unlock(&mapping->i_pages_lock);
		return dax_value(e) | DAX_LOCKED;
	}
}

/**
 * dax_zap_folio() - @folio's device is going and its file system was not
 * told: unmap it from every task and drop the DAX entry that owns it
 * @folio: an fsdax folio (a head under the zero scheme)
 *
 * kill_dax() can only ask a registered holder to let go of the device; a
 * file system without one (ext4's case) leaves, in the kernel, its DAX
 * entries and its users' page tables pointing at memory that
 * memunmap_pages() then removes (spec §6.6).  zonedev does not let the
 * memmap be used after it is gone: the device's removal zaps what is left,
 * as Dan Williams' unmerged dax_zap_mappings() proposed.  Pins are not
 * waited for (nor are they in the kernel); the page is left orphaned.
 *
 * Return: true if @folio was owned by an entry (it is not any more).
 */
bool dax_zap_folio(struct folio *folio)
{
	struct address_space *mapping;
	unsigned long cookie, *slot;
	pgoff_t base;
	dax_entry_t e;

	if (!folio || !folio_is_fsdax(folio))
		return false;
	cookie = dax_lock_folio(folio);
	if (cookie <= 1)
		return false;
	/* The locked entry keeps the file (and so @mapping) here. */
	mapping = READ_ONCE(folio->mapping);
	e = cookie & ~DAX_LOCKED;
	base = dax_entry_index(e, folio->index);
	dax_unmap_sync(mapping, base, 1UL << dax_entry_order(e), true);

	spin_lock(&mapping->i_pages_lock);
	slot = dax_slot(mapping, base);
	VM_BUG_ON(!slot || !dax_is_locked(*slot));
	dax_disassociate_entry(e, false);
	*slot = 0;
	mapping->nrpages -= 1UL << dax_entry_order(e);
	spin_unlock(&mapping->i_pages_lock);
	wake_up_var(dax_wait_key(mapping, base));
	return true;
}

/** dax_unlock_folio() - undo dax_lock_folio() */
void dax_unlock_folio(struct folio *folio, unsigned long cookie)
{
	struct address_space *mapping = READ_ONCE(folio->mapping);

	if (cookie <= 1 || !dax_mapping(mapping))
		return;
	dax_unlock_entry(mapping, folio->index);
}

/**
 * dax_lock_mapping_entry() - lock the entry at @index of a DAX file
 * @page: receives the entry's page (for a block entry)
 *
 * Return: 0 if @mapping is not DAX; ~0UL without a page if there is no
 * block at @index (nothing, a hole, a placeholder); else a cookie with
 * the entry locked.
 */
unsigned long dax_lock_mapping_entry(struct address_space *mapping, pgoff_t index,
				     struct page **page)
{
	dax_entry_t e;

	if (!dax_mapping(mapping))
		return 0;
	spin_lock(&mapping->i_pages_lock);
	e = dax_get_unlocked(mapping, index);
	if (!dax_is_block_entry(e)) {
		spin_unlock(&mapping->i_pages_lock);
		return ~0UL;
	}
	dax_lock_slot(mapping, index);
	spin_unlock(&mapping->i_pages_lock);
	*page = pfn_to_page(dax_to_pfn(e) + (dax_is_pmd_entry(e) ? index & PG_PMD_COLOUR : 0));
	return dax_value(e) | DAX_LOCKED;
}

/** dax_unlock_mapping_entry() - undo dax_lock_mapping_entry() */
void dax_unlock_mapping_entry(struct address_space *mapping, pgoff_t index, unsigned long cookie)
{
	if (!cookie || cookie == ~0UL)
		return;
	dax_unlock_entry(mapping, index);
}

/* ------------------------------------------------------------------ */
/* Writeback                                                           */
/* ------------------------------------------------------------------ */

/**
 * dax_writeback_mapping_range() - fsync of a DAX file: make its dirty
 * blocks durable
 * @mapping: the file's address_space
 * @dax_dev: the device behind it
 * @start: first byte
 * @end: last byte (LLONG_MAX: to the end)
 *
 * Each dirty entry is write-protected in every user mapping first (so
 * that a later store faults and dirties it again), then its cache lines
 * are flushed to the medium, then it is clean.
 *
 * Return: 0 or -EIO.
 */
int dax_writeback_mapping_range(struct address_space *mapping, struct dax_device *dax_dev,
				loff_t start, loff_t end)
{
	pgoff_t index, last;

	if (!dax_mapping(mapping) || !dax_dev)
		return -EIO;
	if (mapping->host->i_blkbits != PAGE_SHIFT)
		return -EIO;
	dax_range_indices(start, end, &index, &last);
	for (;;) {
		unsigned long *slot;
		dax_entry_t e;
		unsigned int order;

		spin_lock(&mapping->i_pages_lock);
		if (!dax_next_entry(mapping, &index, last)) {
			spin_unlock(&mapping->i_pages_lock);
			break;
		}
		e = dax_get_unlocked(mapping, index);
		slot = dax_slot(mapping, index);
		if (!slot || !(*slot & DAX_TAG_DIRTY) || !dax_is_block_entry(e)) {
			spin_unlock(&mapping->i_pages_lock);
			index++;
			continue;
		}
		index = dax_entry_index(e, index);
		dax_lock_slot(mapping, index);
		spin_unlock(&mapping->i_pages_lock);

		order = dax_entry_order(e);
		/*
		 * Write-protect by unmapping: the next store faults, and the
		 * fault dirties the entry again (the kernel's pfn_mkclean_range
		 * keeps the mapping read-only instead; the effect is the same).
		 */
		unmap_mapping_pages(mapping, index, 1UL << order, false);
		dax_flush(dax_dev, page_address(pfn_to_page(dax_to_pfn(e))), PAGE_SIZE << order);

		spin_lock(&mapping->i_pages_lock);
		*dax_slot(mapping, index) &= ~DAX_TAG_DIRTY;
		spin_unlock(&mapping->i_pages_lock);
		dax_unlock_entry(mapping, index);
		index += 1UL << order;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Audit                                                               */
/* ------------------------------------------------------------------ */

/**
 * dax_mapping_audit() - check a DAX file's entries against spec §8 (1-4, 8-12)
 * @mapping: the file's address_space, quiescent (no fault in flight)
 * @out: where violations are described, or NULL
 *
 * Return: the number of violations.
 */
unsigned long dax_mapping_audit(struct address_space *mapping, FILE *out)
{
	unsigned long bad = 0, nrpages = 0, i;

#define DAX_AUDIT(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			bad++;						\
			if (out)					\
				fprintf(out, "dax audit: " __VA_ARGS__);\
		}							\
	} while (0)

	if (!dax_mapping(mapping))
		return 0;
	spin_lock(&mapping->i_pages_lock);
	for (i = 0; i < mapping->dax_nr_slots; i++) {
		dax_entry_t e = dax_value(mapping->dax_slots[i]);
		unsigned int order = dax_entry_order(e);
		unsigned long j;

		if (!e)
			continue;
		nrpages += 1UL << order;
		DAX_AUDIT(!dax_is_locked(e), "I6: entry %lu left locked\n", i);
		DAX_AUDIT(!dax_is_empty_entry(e), "I4: EMPTY entry %lu outside a fault\n", i);
		if (order) {
			DAX_AUDIT(!(i & PG_PMD_COLOUR), "I2: PMD entry at unaligned index %lu\n", i);
			for (j = 1; j < PG_PMD_NR && i + j < mapping->dax_nr_slots; j++)
				DAX_AUDIT(!mapping->dax_slots[i + j],
					  "I2: entry %lu inside the PMD entry at %lu\n", i + j, i);
		}
		if (dax_is_block_entry(e)) {
			unsigned long pfn = dax_to_pfn(e);
			struct folio *folio = pfn_folio(pfn);

			DAX_AUDIT(!order || !(pfn & PG_PMD_COLOUR),
				  "I8: PMD entry %lu at unaligned pfn %#lx\n", i, pfn);
			if (dax_zero_scheme(folio)) {
				DAX_AUDIT(folio->mapping == mapping && folio->index == i,
					  "I9: folio of entry %lu not owned by it\n", i);
				DAX_AUDIT(folio_order(folio) == order,
					  "I12: folio order %u, entry order %u at %lu\n",
					  folio_order(folio), order, i);
				DAX_AUDIT(folio_ref_count(folio) >= folio_mapcount(folio),
					  "I14: refcount below mapcount at %lu\n", i);
			} else {
				for (j = 0; j < (1UL << order); j++)
					DAX_AUDIT(pfn_to_page(pfn + j)->mapping == mapping,
						  "I9: page %#lx of entry %lu not owned\n", pfn + j, i);
			}
		}
		i += (1UL << order) - 1;
	}
	DAX_AUDIT(nrpages == mapping->nrpages, "I3: nrpages %lu, entries cover %lu\n",
		  mapping->nrpages, nrpages);
	spin_unlock(&mapping->i_pages_lock);
#undef DAX_AUDIT
	return bad;
}

/**
 * dax_page_audit() - check an fsdax page against the entries (spec §8,
 * 9-11): an owned page is named by an entry of its mapping at its index,
 * a free one has no mapping, no share count and no order
 * @page: a page of an FS_DAX pgmap (a head under the zero scheme)
 * @out: where violations are described, or NULL
 *
 * With the mapping's file still alive (the audit runs quiescent, and a
 * file's entries go before it does).  Return: the number of violations.
 */
unsigned long dax_page_audit(struct page *page, FILE *out)
{
	struct address_space *mapping = READ_ONCE(page->mapping);
	unsigned long pfn = page_to_pfn(page), bad = 0;
	dax_entry_t e;

	if (!mapping) {
		if (page->share || folio_test_large(page_folio(page))) {
			bad++;
			if (out)
				fprintf(out, "dax audit: I11: free fsdax page %#lx with share %lu or order %u\n",
					pfn, page->share, folio_order(page_folio(page)));
		}
		return bad;
	}
	if (!dax_mapping(mapping)) {
		if (out)
			fprintf(out, "dax audit: I9: fsdax page %#lx owned by a non-DAX mapping\n", pfn);
		return 1;
	}
	spin_lock(&mapping->i_pages_lock);
	e = dax_value(dax_load(mapping, page->index));
	if (!dax_is_block_entry(e) ||
	    dax_to_pfn(e) + (dax_is_pmd_entry(e) ? page->index & PG_PMD_COLOUR : 0) != pfn) {
		bad++;
		if (out)
			fprintf(out, "dax audit: I9: fsdax page %#lx claims index %lu, whose entry is %#lx\n",
				pfn, page->index, e);
	}
	spin_unlock(&mapping->i_pages_lock);
	return bad;
}
