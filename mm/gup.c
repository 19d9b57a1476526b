// SPDX-License-Identifier: GPL-2.0-only
/*
 * get_user_pages() and pin_user_pages(): references to the pages behind a
 * user range, for I/O and DMA (spec/zone_device_core.md §5).
 *
 * FOLL_GET takes ordinary references.  FOLL_PIN takes GUP_PIN_COUNTING_BIAS
 * references on a small folio, or one reference and one _pincount on a large
 * one, so folio_maybe_dma_pinned() can tell.  The slow path walks under
 * mmap_lock and the page-table lock, faulting pages in (a device-private
 * page comes back to RAM through migrate_to_ram); the fast path walks
 * locklessly inside an RCU read-side section, grabs with add-unless-zero,
 * and re-checks every entry after grabbing, undoing the grab if it changed.
 * A read-only pin of an anonymous page first makes it exclusive to the mm
 * (unshare), so a later fork or COW can never separate the pin from the
 * process's view of the page.
 */
#include <string.h>
#include "internal_mm.h"

#define FOLL_KNOWN	(FOLL_WRITE | FOLL_TOUCH | FOLL_GET | FOLL_FORCE | FOLL_NOWAIT | \
			 FOLL_NOFAULT | FOLL_HWPOISON | FOLL_REMOTE | FOLL_ANON | \
			 FOLL_LONGTERM | FOLL_PIN | FOLL_FAST_ONLY | FOLL_PCI_P2PDMA)

/* ------------------------------------------------------------------ */
/* Grabbing and releasing                                              */
/* ------------------------------------------------------------------ */

static bool is_zero_folio(struct folio *folio)
{
	return &folio->page == NODE_DATA(folio_nid(folio))->zero_page;
}

/**
 * folio_is_longterm_pinnable() - may this folio stay pinned indefinitely?
 *
 * Not device-coherent memory (it must move to RAM first) and not fsdax
 * (truncate would wait forever); ZONE_DEVICE is not ZONE_MOVABLE, so
 * device-dax and P2PDMA pass, and so does all of zonedev's RAM.
 */
bool folio_is_longterm_pinnable(struct folio *folio)
{
	if (is_zero_folio(folio))
		return true;
	if (folio_is_device_coherent(folio))
		return false;
	if (folio_is_fsdax(folio))
		return false;
	return true;
}

static void pin_stat(struct folio *folio, enum node_stat_item item, long refs)
{
	mod_node_state(folio_nid(folio), item, refs);
}

/*
 * Turn @refs ordinary references already taken into pins.  The caller
 * counts them in NR_FOLL_PIN_ACQUIRED (the fast path once per call).
 */
static void grab_to_pin(struct folio *folio, int refs)
{
	if (folio_has_pincount(folio))
		atomic_add(refs, &folio->_pincount);
	else
		folio_ref_add(folio, refs * (GUP_PIN_COUNTING_BIAS - 1));
}

/**
 * try_grab_folio() - the slow path's grab: the PTE lock holds the folio
 *
 * Return: 0, -ENOMEM for a folio found at refcount 0 (a bug: a mapped page
 * is never free), -EREMOTEIO for P2PDMA memory without FOLL_PCI_P2PDMA.
 */
static int try_grab_folio(struct folio *folio, int refs, unsigned int flags)
{
	if (unlikely(folio_ref_count(folio) <= 0)) {
		__vm_bug_page(&folio->page, "GUP found a mapped folio at refcount 0", __func__,
			      __LINE__);
		return -ENOMEM;
	}
	if (is_pci_p2pdma_page(&folio->page) && !(flags & FOLL_PCI_P2PDMA))
		return -EREMOTEIO;
	if (flags & FOLL_GET) {
		folio_ref_add(folio, refs);
	} else if (flags & FOLL_PIN) {
		if (is_zero_folio(folio))
			return 0;	/* the zero page is never pinned */
		folio_ref_add(folio, refs);
		grab_to_pin(folio, refs);
		pin_stat(folio, NR_FOLL_PIN_ACQUIRED, refs);
	}
	return 0;
}

/*
 * Undo a grab with the same mode and count; pins are counted released
 * unless @counted (the caller does it in bulk).
 */
static void __gup_put_folio(struct folio *folio, int refs, unsigned int flags, bool counted)
{
	if (flags & FOLL_PIN) {
		if (is_zero_folio(folio))
			return;
		if (!counted)
			pin_stat(folio, NR_FOLL_PIN_RELEASED, refs);
		if (folio_has_pincount(folio))
			atomic_sub(refs, &folio->_pincount);
		else
			refs *= GUP_PIN_COUNTING_BIAS;
	}
	folio_put_refs(folio, refs);
}

static void gup_put_folio(struct folio *folio, int refs, unsigned int flags)
{
	__gup_put_folio(folio, refs, flags, false);
}

/*
 * The fast path's grab: the folio may be freed under us, so only a
 * non-zero count may be raised, and the folio re-checked afterwards.
 */
static struct folio *try_grab_folio_fast(struct page *page, int refs, unsigned int flags)
{
	struct folio *folio = page_folio(page);

	if (is_pci_p2pdma_page(page) && !(flags & FOLL_PCI_P2PDMA))
		return NULL;
	if (!folio_ref_try_add(folio, refs))
		return NULL;
	if (unlikely(page_folio(page) != folio)) {
		folio_put_refs(folio, refs);
		return NULL;
	}
	if (flags & FOLL_GET)
		return folio;
	if ((flags & FOLL_LONGTERM) && !folio_is_longterm_pinnable(folio)) {
		folio_put_refs(folio, refs);
		return NULL;
	}
	grab_to_pin(folio, refs);
	/* The pin must be visible before the PTE is checked again. */
	smp_mb__after_atomic();
	return folio;
}

static bool gup_valid_page(struct page *page)
{
	return page && pfn_valid(page_to_pfn(page));
}

/**
 * unpin_user_page() - release a pin taken by pin_user_pages*()
 *
 * Unpinning a page that holds no pin is a bug: reported, nothing changed.
 */
void unpin_user_page(struct page *page)
{
	struct folio *folio;

	if (!gup_valid_page(page))
		return;
	folio = page_folio(page);
	if (is_zero_folio(folio))
		return;
	if (!folio_maybe_dma_pinned(folio)) {
		__vm_bug_page(page, "unpin of a page that is not pinned", __func__, __LINE__);
		return;
	}
	gup_put_folio(folio, 1, FOLL_PIN);
}

/**
 * unpin_user_pages() - unpin @npages pages; NULL entries are skipped, and a
 * run of pages of one folio is released with one atomic, as the kernel does
 */
void unpin_user_pages(struct page **pages, unsigned long npages)
{
	unsigned long i, n, released = 0;
	int nid = -1;

	if (!pages || IS_ERR_VALUE(npages))
		return;
	for (i = 0; i < npages; i += n) {
		struct folio *folio;

		n = 1;
		if (!gup_valid_page(pages[i]))
			continue;
		folio = page_folio(pages[i]);
		/*
		 * The run of pages of one folio: consecutive subpages (what GUP
		 * records for a huge leaf) are recognised by address alone, without
		 * reading a tail's struct page; any other order by page_folio().
		 */
		if (folio_test_large(folio)) {
			struct page *folio_end = folio_page(folio, folio_nr_pages(folio));

			while (i + n < npages && pages[i + n] == pages[i] + n &&
			       pages[i] + n < folio_end)
				n++;
		}
		while (i + n < npages && pages[i + n] && page_folio(pages[i + n]) == folio)
			n++;
		if (is_zero_folio(folio))
			continue;
		if (!folio_maybe_dma_pinned(folio)) {
			__vm_bug_page(pages[i], "unpin of a page that is not pinned", __func__,
				      __LINE__);
			continue;
		}
		if (nid != folio_nid(folio)) {
			if (released)
				mod_node_state(nid, NR_FOLL_PIN_RELEASED, (long)released);
			released = 0;
			nid = folio_nid(folio);
		}
		__gup_put_folio(folio, (int)n, FOLL_PIN, true);
		released += n;
	}
	if (released)
		mod_node_state(nid, NR_FOLL_PIN_RELEASED, (long)released);
}

/**
 * unpin_user_pages_dirty_lock() - unpin, marking each page dirty first if
 * @make_dirty (a DMA wrote to it)
 */
void unpin_user_pages_dirty_lock(struct page **pages, unsigned long npages, bool make_dirty)
{
	unsigned long i;

	if (!pages || IS_ERR_VALUE(npages))
		return;
	for (i = 0; i < npages; i++) {
		if (!gup_valid_page(pages[i]))
			continue;
		if (make_dirty) {
			struct folio *folio = page_folio(pages[i]);

			folio_lock(folio);
			set_bit(PG_dirty, &folio->flags);
			folio_unlock(folio);
		}
		unpin_user_page(pages[i]);
	}
}

/* ------------------------------------------------------------------ */
/* The slow path                                                       */
/* ------------------------------------------------------------------ */

/* The kernel's is_valid_gup_args(): 0 or -EINVAL. */
static int gup_check_flags(unsigned int flags)
{
	if (flags & ~FOLL_KNOWN)
		return -EINVAL;
	if ((flags & (FOLL_GET | FOLL_PIN)) == (FOLL_GET | FOLL_PIN))
		return -EINVAL;
	if ((flags & FOLL_LONGTERM) && !(flags & FOLL_PIN))
		return -EINVAL;
	if ((flags & (FOLL_LONGTERM | FOLL_PCI_P2PDMA)) == (FOLL_LONGTERM | FOLL_PCI_P2PDMA))
		return -EINVAL;
	return 0;
}

/* check_vma_flags(): may this VMA be accessed this way? */
static int check_vma_flags(struct vm_area_struct *vma, unsigned int flags)
{
	bool write = flags & FOLL_WRITE;

	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return -EFAULT;
	/* Nothing could revoke a long-term pin of a file's blocks (spec §4.1). */
	if ((flags & FOLL_LONGTERM) && vma_is_fsdax(vma))
		return -EOPNOTSUPP;
	if ((flags & FOLL_ANON) && !vma_is_anonymous(vma))
		return -EFAULT;
	if (write) {
		if (!(vma->vm_flags & VM_WRITE)) {
			/* FOLL_FORCE may write a private mapping (ptrace). */
			if (!(flags & FOLL_FORCE) || (vma->vm_flags & VM_SHARED) ||
			    !(vma->vm_flags & VM_MAYWRITE))
				return -EFAULT;
		}
	} else if (!(vma->vm_flags & VM_READ)) {
		if (!(flags & FOLL_FORCE) || !(vma->vm_flags & VM_MAYREAD))
			return -EFAULT;
	}
	return 0;
}

/* A pin of an anonymous page it does not own exclusively must unshare first. */
static bool gup_must_unshare(unsigned int flags, struct page *page)
{
	if ((flags & (FOLL_WRITE | FOLL_PIN)) != FOLL_PIN)
		return false;
	if (!PageAnon(page))
		return false;
	return !test_bit(PG_anon_exclusive, &page->flags);
}

/*
 * A FOLL_WRITE on a read-only PTE: fine if the PTE is writable, or for
 * FOLL_FORCE on a private mapping that may be written once COW has made the
 * anonymous page exclusive to this mm (the kernel's can_follow_write_pte(),
 * which is what keeps ptrace writes from reaching the page cache).
 */
static bool can_follow_write_pte(pte_t pte, struct page *page, struct vm_area_struct *vma,
				 unsigned int flags)
{
	if (pte_write(pte))
		return true;
	if (!(flags & FOLL_FORCE) || (vma->vm_flags & VM_SHARED) || !(vma->vm_flags & VM_MAYWRITE))
		return false;
	return page && PageAnon(page) && test_bit(PG_anon_exclusive, &page->flags);
}

enum follow_result {
	FOLLOW_GOT,
	FOLLOW_FAULT,		/* fault it in (or unshare) and try again */
	FOLLOW_ERROR,
	FOLLOW_NO_LEAF,		/* no huge leaf here: the PTE level decides */
};

/*
 * get_dev_pagemap(pfn, pgmap) of the kernel: a devmap entry holds no
 * reference, so GUP checks that the pgmap is still live before grabbing
 * (a dying one fails the GUP); the reference is held while GUP walks pages
 * of the same pgmap and dropped at the end of the walk.
 */
static struct dev_pagemap *get_dev_pagemap_cached(unsigned long pfn, struct dev_pagemap *pgmap)
{
	if (pgmap && pgmap_pfn_valid(pgmap, pfn))
		return pgmap;
	put_dev_pagemap(pgmap);
	return get_dev_pagemap(pfn);
}

/*
 * A devmap PTE (the elevated scheme's fsdax and device-dax pages): no
 * reference of its own, so the pgmap must be live; without FOLL_GET or
 * FOLL_PIN there is nothing to return (the kernel's -EEXIST, skipped).
 * Called with page_table_lock held, which it drops.
 */
static enum follow_result follow_devmap_pte(struct vm_area_struct *vma, pte_t pte,
					    unsigned int flags, struct page **pagep, int *err)
{
	struct mm_struct *mm = vma->vm_mm;
	struct dev_pagemap *pgmap;
	struct page *page = pfn_to_page(pte_pfn(pte));

	if (!(flags & (FOLL_GET | FOLL_PIN))) {
		spin_unlock(&mm->page_table_lock);
		*pagep = page;
		return FOLLOW_GOT;
	}
	pgmap = get_dev_pagemap(pte_pfn(pte));
	if (!pgmap) {
		spin_unlock(&mm->page_table_lock);
		*err = -EFAULT;
		return FOLLOW_ERROR;
	}
	*err = try_grab_folio(page_folio(page), 1, flags);
	spin_unlock(&mm->page_table_lock);
	put_dev_pagemap(pgmap);
	if (*err)
		return FOLLOW_ERROR;
	*pagep = page;
	return FOLLOW_GOT;
}

/*
 * follow_huge_leaf(): @addr is mapped by a PUD or PMD leaf: grab its page
 * and the pages after it in the same leaf, up to @max, with one atomic on
 * the folio (the kernel's follow_huge_pmd() with page_mask), and record
 * them in @pages.  FOLLOW_NO_LEAF sends the caller to the PTE level.
 */
static enum follow_result follow_huge_leaf(struct vm_area_struct *vma, unsigned long addr,
					   unsigned int flags, struct page **pages,
					   unsigned long max, unsigned long *nr,
					   unsigned int *fault_flags, int *err)
{
	struct mm_struct *mm = vma->vm_mm;
	pud_t *pudp = pud_offset_lockless(mm, addr);
	struct dev_pagemap *pgmap = NULL;
	unsigned long *slot, entry, size, pfn, n, i;
	struct page *page;
	pmd_t *pmdp;

	if (!pudp)
		return FOLLOW_NO_LEAF;
	if (pud_leaf(pudp_get(pudp))) {
		slot = &pudp->pud;
		size = PUD_SIZE;
	} else {
		pmdp = pmd_offset_lockless(mm, addr);
		if (!pmdp || !pmd_leaf(pmdp_get(pmdp)))
			return FOLLOW_NO_LEAF;
		slot = &pmdp->pmd;
		size = PMD_SIZE;
	}
	*fault_flags = (flags & FOLL_WRITE) ? FAULT_FLAG_WRITE : 0;
	spin_lock(&mm->page_table_lock);
	entry = smp_load_acquire(slot);
	if (!(entry & _PAGE_PSE)) {
		/* Zapped meanwhile: whatever is there now, the PTE level sees it. */
		spin_unlock(&mm->page_table_lock);
		return FOLLOW_NO_LEAF;
	}
	/* FOLL_FORCE follows PROT_NONE leaves, as it does PTEs. */
	if (!(entry & _PAGE_PRESENT) && !((entry & _PAGE_PROTNONE) && (flags & FOLL_FORCE)))
		goto fault;
	/* A file leaf is never COW-shared: a write needs a writable entry. */
	if ((flags & FOLL_WRITE) && !(entry & _PAGE_RW))
		goto fault;
	if ((entry & _PAGE_SPECIAL) && !(entry & _PAGE_DEVMAP)) {
		spin_unlock(&mm->page_table_lock);
		*err = -EFAULT;		/* a raw pfn map: no struct page */
		return FOLLOW_ERROR;
	}
	pfn = ((entry & PTE_PFN_MASK) >> PAGE_SHIFT) + ((addr & (size - 1)) >> PAGE_SHIFT);
	n = min(max, (size - (addr & (size - 1))) >> PAGE_SHIFT);
	page = pfn_to_page(pfn);
	if (flags & FOLL_TOUCH)
		set_bits_release(_PAGE_ACCESSED | ((flags & FOLL_WRITE) ? _PAGE_DIRTY : 0), slot);
	if ((entry & _PAGE_DEVMAP) && (flags & (FOLL_GET | FOLL_PIN))) {
		pgmap = get_dev_pagemap(pfn);
		if (!pgmap) {
			spin_unlock(&mm->page_table_lock);
			*err = -EFAULT;
			return FOLLOW_ERROR;
		}
	}
	/* A devmap leaf without GET/PIN has nothing to hand out; others grab 0. */
	if (!(entry & _PAGE_DEVMAP) || pgmap)
		*err = try_grab_folio(page_folio(page), (int)n, flags);
	spin_unlock(&mm->page_table_lock);
	put_dev_pagemap(pgmap);
	if (*err)
		return FOLLOW_ERROR;
	for (i = 0; pages && i < n; i++)
		pages[i] = page + i;
	*nr = n;
	return FOLLOW_GOT;
fault:
	spin_unlock(&mm->page_table_lock);
	return FOLLOW_FAULT;
}

static enum follow_result follow_page_pte(struct vm_area_struct *vma, unsigned long addr,
					  unsigned int flags, struct page **pagep,
					  unsigned int *fault_flags, int *err)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *page;
	pte_t *ptep, pte;

	*fault_flags = (flags & FOLL_WRITE) ? FAULT_FLAG_WRITE : 0;
	ptep = pte_offset_lockless(mm, addr);
	if (!ptep)
		return FOLLOW_FAULT;
	spin_lock(&mm->page_table_lock);
	pte = ptep_get(ptep);
	/* FOLL_FORCE follows PROT_NONE entries, as gup_can_follow_protnone() allows. */
	if (!pte_present(pte) || (pte_protnone(pte) && !(flags & FOLL_FORCE))) {
		spin_unlock(&mm->page_table_lock);
		return FOLLOW_FAULT;
	}
	if ((flags & FOLL_WRITE) &&
	    !can_follow_write_pte(pte, pte_special(pte) ? NULL : pfn_to_page(pte_pfn(pte)), vma,
				  flags)) {
		spin_unlock(&mm->page_table_lock);
		return FOLLOW_FAULT;
	}
	if (pte_devmap(pte))
		return follow_devmap_pte(vma, pte, flags, pagep, err);
	if (pte_special(pte)) {
		if (pte_pfn(pte) != page_to_pfn(NODE_DATA(mm->nid)->zero_page)) {
			spin_unlock(&mm->page_table_lock);
			*err = -EFAULT;	/* a raw pfn map has no struct page to return */
			return FOLLOW_ERROR;
		}
	}
	page = pfn_to_page(pte_pfn(pte));
	if (gup_must_unshare(flags, page)) {
		spin_unlock(&mm->page_table_lock);
		*fault_flags = FAULT_FLAG_UNSHARE;
		return FOLLOW_FAULT;
	}
	*err = try_grab_folio(page_folio(page), 1, flags);
	spin_unlock(&mm->page_table_lock);
	if (*err)
		return FOLLOW_ERROR;
	*pagep = page;
	return FOLLOW_GOT;
}

/*
 * __get_user_pages(): with mmap_lock held for read, grab each page, faulting
 * in what is missing.  Returns the number of pages grabbed, or an error if
 * the first one failed.
 */
static long __get_user_pages(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
			     unsigned int flags, struct page **pages)
{
	struct vm_area_struct *vma = NULL;
	unsigned long i = 0, nr;
	int err = 0;

	while (i < nr_pages) {
		unsigned long addr = start + i * PAGE_SIZE;
		unsigned int fault_flags;
		struct page *page = NULL;
		int tries = 0;

		if (!vma || addr >= vma->vm_end) {
			vma = find_vma(mm, addr);
			if (!vma || vma->vm_start > addr) {
				err = -EFAULT;
				break;
			}
			err = check_vma_flags(vma, flags);
			if (err)
				break;
		}
		for (;;) {
			enum follow_result r;
			vm_fault_t ret;

			nr = 1;
			r = follow_huge_leaf(vma, addr, flags, pages ? pages + i : NULL, nr_pages - i,
					     &nr, &fault_flags, &err);
			if (r == FOLLOW_GOT && pages)
				page = pages[i];
			if (r == FOLLOW_NO_LEAF)
				r = follow_page_pte(vma, addr, flags, &page, &fault_flags, &err);
			if (r == FOLLOW_GOT)
				break;
			if (r == FOLLOW_ERROR)
				goto out;
			if (flags & FOLL_NOFAULT) {
				err = -EFAULT;
				goto out;
			}
			ret = handle_mm_fault(vma, addr, fault_flags |
					      ((flags & FOLL_REMOTE) ? FAULT_FLAG_REMOTE : 0));
			if (ret & VM_FAULT_OOM) {
				err = -ENOMEM;
				goto out;
			}
			if (ret & VM_FAULT_HWPOISON) {
				err = (flags & FOLL_HWPOISON) ? -EHWPOISON : -EFAULT;
				goto out;
			}
			if (ret & VM_FAULT_ERROR) {
				err = -EFAULT;
				goto out;
			}
			if (++tries > 16) {
				err = -EFAULT;
				goto out;
			}
		}
		if (pages)
			pages[i] = page;
		i += nr;
	}
out:
	return i ? (long)i : err;
}

/*
 * FOLL_LONGTERM: a page that may not stay pinned is moved or refused.
 * Device-coherent memory belongs to its driver, so each such page goes to
 * RAM and the caller does the whole GUP again (-EAGAIN); anything else
 * unpinnable (fsdax) is -EOPNOTSUPP.  As the kernel's
 * check_and_migrate_movable_pages(), a failed migration is -EBUSY.
 */
static long check_longterm(struct page **pages, long nr, unsigned int flags)
{
	bool migrated = false;
	long i, ret = nr;

	for (i = 0; i < nr; i++) {
		struct folio *folio = page_folio(pages[i]);

		if (folio_is_longterm_pinnable(folio))
			continue;
		if (!folio_is_device_coherent(folio)) {
			ret = -EOPNOTSUPP;
			break;
		}
		/* Our pin would fail the migration: hold a plain reference. */
		pages[i] = NULL;
		folio_get(folio);
		gup_put_folio(folio, 1, flags);
		if (migrate_device_coherent_folio(folio)) {
			ret = -EBUSY;
			break;
		}
		migrated = true;
	}
	if (ret == nr && !migrated)
		return nr;
	for (i = 0; i < nr; i++)
		if (pages[i])
			gup_put_folio(page_folio(pages[i]), 1, flags);
	return ret == nr ? -EAGAIN : ret;
}

static long gup_slow(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
		     unsigned int flags, struct page **pages)
{
	long ret;

	do {
		down_read(&mm->mmap_lock);
		ret = __get_user_pages(mm, start, nr_pages, flags, pages);
		up_read(&mm->mmap_lock);
		if (ret > 0 && (flags & FOLL_LONGTERM) && pages)
			ret = check_longterm(pages, ret, flags);
	} while (ret == -EAGAIN);
	return ret;
}

static int gup_prepare(struct mm_struct *mm, unsigned long *start, unsigned long nr_pages,
		       unsigned int flags, struct page **pages)
{
	unsigned long len, end;
	int err = gup_check_flags(flags);

	if (err)
		return err;
	if (!mm || ((flags & (FOLL_GET | FOLL_PIN)) && !pages))
		return -EINVAL;
	*start &= PAGE_MASK;
	len = nr_pages << PAGE_SHIFT;
	if ((len >> PAGE_SHIFT) != nr_pages || *start + len < *start)
		return -EOVERFLOW;
	end = *start + len;
	if (end > TASK_SIZE)
		return -EFAULT;
	if (flags & FOLL_PIN)
		set_bit(MMF_HAS_PINNED, &mm->flags);
	return 0;
}

/*
 * The common entry of the slow-path calls: @forbidden is the flag the caller
 * may not pass (FOLL_PIN for get_*, FOLL_GET for pin_*), @implied what it
 * always means; @locked as in the _remote variants.
 */
static long gup_entry(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
		      unsigned int flags, struct page **pages, unsigned int forbidden,
		      unsigned int implied, int *locked)
{
	long ret;
	int err;

	if (flags & forbidden)
		return -EINVAL;
	flags |= implied;
	err = gup_prepare(mm, &start, nr_pages, flags, pages);
	if (err)
		return err;
	if (!nr_pages)
		return 0;
	if (!locked || !*locked)
		return gup_slow(mm, start, nr_pages, flags, pages);
	do {
		ret = __get_user_pages(mm, start, nr_pages, flags, pages);
		if (ret > 0 && (flags & FOLL_LONGTERM))
			ret = check_longterm(pages, ret, flags);
	} while (ret == -EAGAIN);
	return ret;
}

/**
 * get_user_pages() - take a reference on each page of [start, +nr_pages)
 * @mm: the address space (the kernel's current->mm)
 * @start: user address (rounded down to a page)
 * @nr_pages: how many
 * @gup_flags: FOLL_WRITE, FOLL_FORCE, ...; FOLL_GET is implied
 * @pages: receives the pages; release with put_page()
 *
 * Return: the number of pages grabbed (fewer than asked if a later page
 * failed), 0 for @nr_pages 0, or -EFAULT (unmapped, PROT_NONE, or not
 * writable for FOLL_WRITE), -EINVAL (bad flags), -ENOMEM, -EOVERFLOW.
 */
long get_user_pages(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
		    unsigned int gup_flags, struct page **pages)
{
	return gup_entry(mm, start, nr_pages, gup_flags, pages, FOLL_PIN,
			 FOLL_GET | FOLL_TOUCH, NULL);
}

/**
 * pin_user_pages() - pin each page of [start, +nr_pages); FOLL_PIN implied
 *
 * As get_user_pages(); release with unpin_user_page(s).  FOLL_LONGTERM
 * refuses (-EOPNOTSUPP) pages that may not stay pinned.
 */
long pin_user_pages(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
		    unsigned int gup_flags, struct page **pages)
{
	return gup_entry(mm, start, nr_pages, gup_flags, pages, FOLL_GET,
			 FOLL_PIN | FOLL_TOUCH, NULL);
}

/**
 * get_user_pages_remote() - get_user_pages() on another task's @mm
 * @locked: if non-NULL and set, the caller holds mmap_lock for read
 */
long get_user_pages_remote(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
			   unsigned int gup_flags, struct page **pages, int *locked)
{
	return gup_entry(mm, start, nr_pages, gup_flags, pages, FOLL_PIN,
			 FOLL_GET | FOLL_REMOTE | FOLL_TOUCH, locked);
}

/** pin_user_pages_remote() - pin_user_pages() on another task's @mm */
long pin_user_pages_remote(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
			   unsigned int gup_flags, struct page **pages, int *locked)
{
	return gup_entry(mm, start, nr_pages, gup_flags, pages, FOLL_GET,
			 FOLL_PIN | FOLL_REMOTE | FOLL_TOUCH, locked);
}

/* ------------------------------------------------------------------ */
/* The fast path                                                       */
/* ------------------------------------------------------------------ */

/*
 * Walk and grab without locks.  Every entry is read once, the folio grabbed,
 * then the entries read again: if one changed (a zap, a COW, a migration),
 * the grab is undone with the same mode and the walk stops there, leaving
 * the rest to the slow path.  The walk descends once per PMD's worth of
 * PTEs, and a PMD or PUD leaf is grabbed whole.
 */

/*
 * gup_fast_pmd_leaf() / gup_fast_pud_leaf(): [@addr, @end) lies in the leaf
 * @entry read from @slot.  All its pages are grabbed with one atomic on the
 * folio (refs = pages; a pin adds as many to _pincount), the leaf re-read,
 * and every subpage recorded.  A devmap leaf (elevated scheme) needs a live
 * pgmap, and a long-term pin of one goes to the slow path, as in v6.14.
 * Returns the pages grabbed, 0 to stop the walk.
 */
static unsigned long gup_fast_leaf(unsigned long *slot, unsigned long entry,
				   unsigned long size, unsigned long addr, unsigned long end,
				   unsigned int flags, struct page **pages,
				   struct dev_pagemap **pgmap)
{
	unsigned long pfn, refs = (end - addr) >> PAGE_SHIFT, i;
	struct folio *folio;
	struct page *page;

	if (!(entry & _PAGE_PRESENT) || ((flags & FOLL_WRITE) && !(entry & _PAGE_RW)))
		return 0;
	pfn = ((entry & PTE_PFN_MASK) >> PAGE_SHIFT) + ((addr & (size - 1)) >> PAGE_SHIFT);
	if (entry & _PAGE_DEVMAP) {
		if (flags & FOLL_LONGTERM)
			return 0;
		*pgmap = get_dev_pagemap_cached(pfn, *pgmap);
		if (!*pgmap)
			return 0;
	} else if (entry & _PAGE_SPECIAL) {
		return 0;
	}
	page = pfn_to_page(pfn);
	folio = try_grab_folio_fast(page, (int)refs, flags);
	if (!folio)
		return 0;
	if (smp_load_acquire(slot) != entry) {
		__gup_put_folio(folio, (int)refs, flags, true);
		return 0;
	}
	for (i = 0; i < refs; i++)
		pages[i] = page + i;
	return refs;
}

/* The PTEs of [@addr, @end) in the table @pmd points at; returns pages grabbed. */
static unsigned long gup_fast_pte_range(pmd_t *pmdp, pmd_t pmd, unsigned long addr,
					unsigned long end, unsigned int flags,
					struct page **pages, struct dev_pagemap **pgmap)
{
	pte_t *ptep = &pmd_table(pmd)[pte_index(addr)];
	unsigned long nr = 0;

	for (; addr < end; addr += PAGE_SIZE, ptep++) {
		pte_t pte = ptep_get(ptep);
		struct folio *folio;
		struct page *page;

		if (!(pte_val(pte) & _PAGE_PRESENT) || ((flags & FOLL_WRITE) && !pte_write(pte)))
			break;
		if (pte_devmap(pte)) {
			if (flags & FOLL_LONGTERM)
				break;
			*pgmap = get_dev_pagemap_cached(pte_pfn(pte), *pgmap);
			if (!*pgmap)
				break;
		} else if (pte_special(pte)) {
			break;
		}
		page = pfn_to_page(pte_pfn(pte));
		folio = try_grab_folio_fast(page, 1, flags);
		if (!folio)
			break;
		/* Undone grabs were never counted acquired: not released either. */
		if (pmd_val(pmdp_get(pmdp)) != pmd_val(pmd) ||
		    pte_val(ptep_get(ptep)) != pte_val(pte)) {
			__gup_put_folio(folio, 1, flags, true);
			break;
		}
		if (gup_must_unshare(flags, page)) {
			__gup_put_folio(folio, 1, flags, true);
			break;
		}
		pages[nr++] = page;
	}
	return nr;
}

static unsigned long gup_fast_range(struct mm_struct *mm, unsigned long start,
				    unsigned long end, unsigned int flags, struct page **pages)
{
	struct dev_pagemap *pgmap = NULL;
	unsigned long addr = start, next, nr = 0, got;

	while (addr < end) {
		pgd_t pgd = pgdp_get(&mm->pgd[pgd_index(addr)]);
		pud_t *pudp, pud;
		pmd_t *pmdp, pmd;

		if (pgd_none(pgd))
			break;
		pudp = &pgd_table(pgd)[pud_index(addr)];
		pud = pudp_get(pudp);
		if (pud_none(pud))
			break;
		if (pud_leaf(pud)) {
			next = pud_addr_end(addr, end);
			got = gup_fast_leaf(&pudp->pud, pud_val(pud), PUD_SIZE, addr, next, flags,
					    pages + nr, &pgmap);
		} else {
			next = pmd_addr_end(addr, end);
			pmdp = &pud_table(pud)[pmd_index(addr)];
			pmd = pmdp_get(pmdp);
			if (pmd_none(pmd))
				break;
			if (pmd_leaf(pmd))
				got = gup_fast_leaf(&pmdp->pmd, pmd_val(pmd), PMD_SIZE, addr, next,
						    flags, pages + nr, &pgmap);
			else
				got = gup_fast_pte_range(pmdp, pmd, addr, next, flags, pages + nr,
							 &pgmap);
		}
		nr += got;
		if (addr + (got << PAGE_SHIFT) != next)
			break;
		addr = next;
	}
	put_dev_pagemap(pgmap);
	if ((flags & FOLL_PIN) && nr)
		mod_node_state(mm->nid, NR_FOLL_PIN_ACQUIRED, (long)nr);
	return nr;
}

static long gup_fast_fallback(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
			      unsigned int flags, struct page **pages)
{
	unsigned long nr = 0, i;
	int seq = 0, err;
	long ret;

	err = gup_prepare(mm, &start, nr_pages, flags, pages);
	if (err)
		return err;
	if (!nr_pages)
		return 0;

	if (flags & FOLL_PIN) {
		/* fork write-protects PTEs with this odd: let the slow path wait. */
		seq = atomic_read_acquire(&mm->write_protect_seq);
		if (seq & 1)
			goto slow;
	}
	rcu_read_lock();
	nr = gup_fast_range(mm, start, start + (nr_pages << PAGE_SHIFT), flags, pages);
	rcu_read_unlock();
	if ((flags & FOLL_PIN) && nr) {
		smp_mb();
		if (atomic_read(&mm->write_protect_seq) != seq) {
			for (i = 0; i < nr; i++)
				gup_put_folio(page_folio(pages[i]), 1, flags);
			nr = 0;
		}
	}
	if (nr == nr_pages || (flags & FOLL_FAST_ONLY))
		return (long)nr;
slow:
	ret = gup_slow(mm, start + (nr << PAGE_SHIFT), nr_pages - nr, flags | FOLL_TOUCH,
		       pages + nr);
	if (ret < 0)
		return nr ? (long)nr : ret;
	return (long)nr + ret;
}

/**
 * get_user_pages_fast() - get_user_pages() that first tries the lockless
 * walk; FOLL_GET implied
 */
int get_user_pages_fast(struct mm_struct *mm, unsigned long start, int nr_pages,
			unsigned int gup_flags, struct page **pages)
{
	if (nr_pages < 0 || (gup_flags & FOLL_PIN))
		return -EINVAL;
	return (int)gup_fast_fallback(mm, start, (unsigned long)nr_pages, gup_flags | FOLL_GET,
				      pages);
}

/**
 * pin_user_pages_fast() - pin_user_pages() that first tries the lockless
 * walk; FOLL_PIN implied
 */
int pin_user_pages_fast(struct mm_struct *mm, unsigned long start, int nr_pages,
			unsigned int gup_flags, struct page **pages)
{
	if (nr_pages < 0 || (gup_flags & FOLL_GET))
		return -EINVAL;
	return (int)gup_fast_fallback(mm, start, (unsigned long)nr_pages, gup_flags | FOLL_PIN,
				      pages);
}

/** get_user_pages_fast_only() - the lockless walk alone; never sleeps */
int get_user_pages_fast_only(struct mm_struct *mm, unsigned long start, int nr_pages,
			     unsigned int gup_flags, struct page **pages)
{
	return get_user_pages_fast(mm, start, nr_pages, gup_flags | FOLL_FAST_ONLY, pages);
}
