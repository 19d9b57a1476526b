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
};

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
	unsigned long i = 0;
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
			enum follow_result r = follow_page_pte(vma, addr, flags, &page, &fault_flags,
							      &err);
			vm_fault_t ret;

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
		i++;
	}
out:
	return i ? (long)i : err;
}

static void unpin_or_put(struct page **pages, long nr, unsigned int flags)
{
	long i;

	for (i = 0; i < nr; i++)
		gup_put_folio(page_folio(pages[i]), 1, flags);
}

/*
 * FOLL_LONGTERM: pages that may not stay pinned are refused.  Coherent
 * device memory would be migrated to RAM first, fsdax refused with
 * -EOPNOTSUPP; until migration exists (HMM) both give -EOPNOTSUPP here.
 */
static long check_longterm(struct page **pages, long nr, unsigned int flags)
{
	long i;

	for (i = 0; i < nr; i++) {
		if (!folio_is_longterm_pinnable(page_folio(pages[i]))) {
			unpin_or_put(pages, nr, flags);
			return -EOPNOTSUPP;
		}
	}
	return nr;
}

static long gup_slow(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
		     unsigned int flags, struct page **pages)
{
	long ret;

	down_read(&mm->mmap_lock);
	ret = __get_user_pages(mm, start, nr_pages, flags, pages);
	up_read(&mm->mmap_lock);
	if (ret > 0 && (flags & FOLL_LONGTERM) && pages)
		ret = check_longterm(pages, ret, flags);
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
	ret = __get_user_pages(mm, start, nr_pages, flags, pages);
	if (ret > 0 && (flags & FOLL_LONGTERM))
		ret = check_longterm(pages, ret, flags);
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
 * then the PMD and PTE read again: if either changed (a zap, a COW, a
 * migration), the grab is undone with the same mode and the walk stops
 * there, leaving the rest to the slow path.
 */
static unsigned long gup_fast_range(struct mm_struct *mm, unsigned long start,
				    unsigned long end, unsigned int flags, struct page **pages)
{
	unsigned long addr, nr = 0;

	for (addr = start; addr < end; addr += PAGE_SIZE) {
		pgd_t pgd = pgdp_get(&mm->pgd[pgd_index(addr)]);
		pud_t pud;
		pmd_t *pmdp, pmd;
		pte_t *ptep, pte;
		struct folio *folio;
		struct page *page;

		if (pgd_none(pgd))
			break;
		pud = pudp_get(&pgd_table(pgd)[pud_index(addr)]);
		if (pud_none(pud) || pud_leaf(pud))
			break;
		pmdp = &pud_table(pud)[pmd_index(addr)];
		pmd = pmdp_get(pmdp);
		if (pmd_none(pmd) || pmd_leaf(pmd))
			break;
		ptep = &pmd_table(pmd)[pte_index(addr)];
		pte = ptep_get(ptep);
		if (!(pte_val(pte) & _PAGE_PRESENT) || pte_special(pte) ||
		    ((flags & FOLL_WRITE) && !pte_write(pte)))
			break;
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
