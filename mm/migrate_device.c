// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device memory migration of a VMA range (migrate_vma_*).
 *
 * setup() walks [start, end) and, for every page it selects, takes a
 * reference, locks the folio and replaces the PTE (or device-private entry)
 * with a migration entry, removing that PTE's rmap and reference.  The
 * collect reference then keeps the page alive, the folio lock keeps faults
 * waiting (do_swap_page() sleeps on it) and the migration entry remembers
 * whether the mapping was writable or anon-exclusive.  Holes and the zero
 * page are selected without a page, for the driver to populate.
 *
 * pages() hands the page's identity (anon_vma, index, flags) to the locked
 * destination the driver allocated and copied into, or gives up on entries
 * whose destination is missing or whose source gained a reference.
 * finalize() turns each migration entry into a mapping of the destination
 * (success) or of the source again (failure), then unlocks and drops the
 * references; the last put of a migrated source frees it.
 *
 * Not modelled: try_to_migrate() (a page still mapped elsewhere, e.g. after
 * fork, is not migrated), page-cache migration (only anonymous sources move),
 * THP, and the young/dirty bits of migration entries (the model's swap PTEs
 * do not carry them: restored PTEs come back old and clean, with PG_dirty on
 * the folio keeping the data safe).
 */
#include <errno.h>
#include <string.h>
#include <zonedev/migrate.h>
#include <zonedev/memremap.h>
#include "internal_mm.h"

#define VM_SPECIAL	(VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP)

static inline unsigned long migrate_addr(const struct migrate_vma *migrate, unsigned long i)
{
	return migrate->start + (i << PAGE_SHIFT);
}

static bool is_zero_pfn_mm(struct mm_struct *mm, unsigned long pfn)
{
	return pfn == page_to_pfn(NODE_DATA(mm->nid)->zero_page);
}

static void migrate_unlock_src(struct migrate_vma *migrate, struct folio *folio)
{
	/* The fault path locked the fault page and unlocks it itself. */
	if (&folio->page != migrate->fault_page)
		folio_unlock(folio);
}

/*
 * References an unmapped, collected page may hold and still be migrated:
 * our collect reference, the fault path's on the fault page, and the idle
 * reference a devmap-managed page keeps under the elevated scheme.
 */
static int migrate_expected_refs(struct migrate_vma *migrate, struct folio *folio)
{
	int refs = 1;

	if (&folio->page == migrate->fault_page)
		refs++;
	if (folio_is_zone_device(folio) && pgmap_devmap_managed(folio->pgmap))
		refs++;
	return refs;
}

/* The selection for an address with nothing mapped. */
static unsigned long migrate_hole(struct migrate_vma *migrate)
{
	if (!vma_is_anonymous(migrate->vma))
		return 0;
	migrate->cpages++;
	return MIGRATE_PFN_MIGRATE;
}

/*
 * Select (or not) the page at @addr; for a selected page, lock it and put
 * a migration entry in place.  Sets *@flush when a present PTE went, so a
 * CPU may still be using its translation.
 */
static unsigned long migrate_collect_one(struct migrate_vma *migrate, unsigned long addr,
					 bool *flush)
{
	struct vm_area_struct *vma = migrate->vma;
	struct mm_struct *mm = vma->vm_mm;
	unsigned long mpfn;
	bool anon_exclusive;
	struct folio *folio;
	struct page *page;
	swp_entry_t entry;
	pte_t *ptep, pte;

	ptep = pte_offset_lockless(mm, addr);
	if (!ptep)
		return migrate_hole(migrate);

	spin_lock(&mm->page_table_lock);
	pte = ptep_get(ptep);
	if (pte_none(pte)) {
		spin_unlock(&mm->page_table_lock);
		return migrate_hole(migrate);
	}
	if (!pte_present(pte)) {
		/* Migration, exclusive, poison and swap entries are not ours to move. */
		entry = pte_to_swp_entry(pte);
		if (!is_device_private_entry(entry))
			goto skip;
		page = pfn_swap_entry_to_page(entry);
		if (!(migrate->flags & MIGRATE_VMA_SELECT_DEVICE_PRIVATE) ||
		    page_pgmap(page)->owner != migrate->pgmap_owner)
			goto skip;
		mpfn = migrate_pfn(page_to_pfn(page)) | MIGRATE_PFN_MIGRATE;
		if (is_writable_device_private_entry(entry))
			mpfn |= MIGRATE_PFN_WRITE;
	} else {
		if (is_zero_pfn_mm(mm, pte_pfn(pte)) &&
		    (migrate->flags & MIGRATE_VMA_SELECT_SYSTEM)) {
			/* Like a hole: the driver may populate it; nothing to lock. */
			spin_unlock(&mm->page_table_lock);
			migrate->cpages++;
			return MIGRATE_PFN_MIGRATE;
		}
		page = pte_special(pte) ? NULL : pfn_to_page(pte_pfn(pte));
		if (page && !folio_is_zone_device(page_folio(page)) &&
		    !(migrate->flags & MIGRATE_VMA_SELECT_SYSTEM))
			goto skip;
		if (page && is_device_coherent_page(page) &&
		    (!(migrate->flags & MIGRATE_VMA_SELECT_DEVICE_COHERENT) ||
		     page_pgmap(page)->owner != migrate->pgmap_owner))
			goto skip;
		mpfn = migrate_pfn(pte_pfn(pte)) | MIGRATE_PFN_MIGRATE;
		if (pte_write(pte))
			mpfn |= MIGRATE_PFN_WRITE;
	}

	/* Raw pfn maps, pages nobody owns and large folios stay where they are. */
	if (!page || !page->mapping || PageCompound(page))
		goto skip;

	folio = page_folio(page);
	folio_get(folio);
	/*
	 * Trylock only: two migrations each holding one page and waiting on
	 * the other's would deadlock, and migration is best effort anyway.
	 */
	if (page != migrate->fault_page && !folio_trylock(folio))
		goto skip_put;

	anon_exclusive = folio_test_anon(folio) && test_bit(PG_anon_exclusive, &page->flags);
	pte = ptep_get_and_clear(ptep);
	if (anon_exclusive) {
		/*
		 * An exclusive page may be pinned by GUP, which never pins
		 * through a cleared PTE: with the PTE gone, a pin we cannot
		 * see now cannot appear.  A pinned page must stay exclusive
		 * and mapped, so it is not migrated.
		 */
		smp_mb();
		if (folio_maybe_dma_pinned(folio)) {
			set_pte(ptep, pte);
			migrate_unlock_src(migrate, folio);
			goto skip_put;
		}
		clear_bit(PG_anon_exclusive, &page->flags);
	}
	migrate->cpages++;
	if (pte_present(pte) && pte_dirty(pte))
		set_bit(PG_dirty, &folio->flags);

	/* The entry type is how finalize knows what the mapping was. */
	if (mpfn & MIGRATE_PFN_WRITE)
		entry = make_writable_migration_entry(page_to_pfn(page));
	else if (anon_exclusive)
		entry = make_readable_exclusive_migration_entry(page_to_pfn(page));
	else
		entry = make_readable_migration_entry(page_to_pfn(page));
	set_pte(ptep, swp_entry_to_pte(entry));

	/* As an unmap: the PTE's rmap and reference go; ours keeps the page. */
	folio_remove_rmap_pte(folio, page, vma);
	folio_put(folio);
	if (pte_present(pte))
		*flush = true;
	spin_unlock(&mm->page_table_lock);
	return mpfn;

skip_put:
	spin_unlock(&mm->page_table_lock);
	folio_put(folio);
	return 0;
skip:
	spin_unlock(&mm->page_table_lock);
	return 0;
}

static void migrate_vma_collect(struct migrate_vma *migrate)
{
	struct mmu_notifier_range range;
	bool flush = false;
	unsigned long addr;

	/* The owner lets a driver skip invalidating the pages it is moving itself. */
	mmu_notifier_range_init_owner(&range, MMU_NOTIFY_MIGRATE, 0, migrate->vma->vm_mm,
				      migrate->start, migrate->end, migrate->pgmap_owner);
	mmu_notifier_invalidate_range_start(&range);
	for (addr = migrate->start; addr < migrate->end; addr += PAGE_SIZE) {
		unsigned long mpfn = migrate_collect_one(migrate, addr, &flush);

		migrate->dst[migrate->npages] = 0;
		migrate->src[migrate->npages++] = mpfn;
	}
	/*
	 * The TLB flush: a CPU access that found a present PTE before we
	 * cleared it runs inside an RCU read-side section, so after a grace
	 * period nobody writes the old page behind the driver's copy.
	 */
	if (flush)
		synchronize_rcu();
	mmu_notifier_invalidate_range_end(&range);
	migrate->end = migrate->start + (migrate->npages << PAGE_SHIFT);
}

/*
 * Replace the migration entry for @src at @addr by a mapping of @new (which
 * is @src itself when the migration is undone).  Nothing happens if the
 * entry went meanwhile (MADV_DONTNEED zaps it under the read lock).
 */
static void migrate_remove_pte(struct migrate_vma *migrate, unsigned long addr,
			       struct folio *src, struct folio *new)
{
	struct vm_area_struct *vma = migrate->vma;
	struct mm_struct *mm = vma->vm_mm;
	bool writable, exclusive;
	swp_entry_t entry;
	pte_t *ptep, pte;

	ptep = pte_offset_lockless(mm, addr);
	if (!ptep)
		return;
	spin_lock(&mm->page_table_lock);
	pte = ptep_get(ptep);
	if (!is_swap_pte(pte))
		goto unlock;
	entry = pte_to_swp_entry(pte);
	if (!is_migration_entry(entry) || swp_offset_pfn(entry) != folio_pfn(src))
		goto unlock;

	writable = is_writable_migration_entry(entry);
	exclusive = swp_type(entry) != SWP_MIGRATION_READ;
	if (folio_is_device_private(new)) {
		/* Never CPU-mapped: the entry is writable iff the PTE would be. */
		entry = writable ? make_writable_device_private_entry(folio_pfn(new)) :
				   make_readable_device_private_entry(folio_pfn(new));
		pte = swp_entry_to_pte(entry);
	} else {
		pte = pfn_pte(folio_pfn(new), vma->vm_page_prot);
		if (writable && (vma->vm_flags & VM_WRITE))
			pte = pte_mkwrite(pte);
	}
	folio_get(new);
	if (folio_test_anon(new)) {
		folio_add_anon_rmap_pte(new, &new->page, vma, addr);
		if (exclusive)
			set_bit(PG_anon_exclusive, &new->page.flags);
	} else {
		folio_add_file_rmap_pte(new, &new->page, vma);
	}
	set_pte(ptep, pte);
unlock:
	spin_unlock(&mm->page_table_lock);
}

/*
 * The second half of setup: give up on collected pages that are still
 * mapped elsewhere or carry references beyond ours and the mappings' (a
 * pin), putting their PTEs back.  Returns the entries still migrating.
 */
static unsigned long migrate_vma_unmap(struct migrate_vma *migrate)
{
	unsigned long i, cpages = 0;

	for (i = 0; i < migrate->npages; i++) {
		struct page *page = migrate_pfn_to_page(migrate->src[i]);
		struct folio *folio;

		if (!page) {
			if (migrate->src[i] & MIGRATE_PFN_MIGRATE)
				cpages++;
			continue;
		}
		folio = page_folio(page);
		/* No try_to_migrate(): other mappings keep the page here. */
		if (page_mapcount(page) ||
		    folio_ref_count(folio) - migrate_expected_refs(migrate, folio) >
		    page_mapcount(page)) {
			migrate_remove_pte(migrate, migrate_addr(migrate, i), folio, folio);
			migrate->src[i] = 0;
			migrate_unlock_src(migrate, folio);
			folio_put(folio);
			continue;
		}
		cpages++;
	}
	return cpages;
}

/**
 * migrate_vma_setup() - collect, lock and unmap the pages of a range
 * @args: the range, the arrays and the selection; see struct migrate_vma
 *
 * Every page of the range gets one @args->src entry and a zeroed
 * @args->dst entry.  Selected pages are locked, referenced and replaced in
 * the page table by migration entries; holes (and the zero page) of an
 * anonymous VMA are selected without a page.  The caller holds mmap_lock
 * for read and must call migrate_vma_finalize() after a successful setup,
 * even if it migrates nothing.
 *
 * Return: 0, even if nothing was selected (see @args->cpages), or -EINVAL
 * for a bad VMA or range, missing arrays, or a fault page that is not a
 * locked device-private page; then nothing was changed.
 */
int migrate_vma_setup(struct migrate_vma *args)
{
	long nr_pages = (long)(args->end - args->start) >> PAGE_SHIFT;
	unsigned long start = args->start & PAGE_MASK, end = args->end & PAGE_MASK;
	struct vm_area_struct *vma = args->vma;

	if (!vma || (vma->vm_flags & (VM_HUGETLB | VM_SPECIAL)))
		return -EINVAL;
	if (nr_pages <= 0)
		return -EINVAL;
	if (start < vma->vm_start || start >= vma->vm_end)
		return -EINVAL;
	if (end <= vma->vm_start || end > vma->vm_end)
		return -EINVAL;
	if (!args->src || !args->dst)
		return -EINVAL;
	if (args->fault_page && (!is_device_private_page(args->fault_page) ||
				 !test_bit(PG_locked, &page_folio(args->fault_page)->flags)))
		return -EINVAL;

	args->start = start;
	args->end = end;
	memset(args->src, 0, sizeof(*args->src) * (unsigned long)nr_pages);
	args->cpages = 0;
	args->npages = 0;

	migrate_vma_collect(args);
	if (args->cpages)
		args->cpages = migrate_vma_unmap(args);
	return 0;
}

/*
 * Populate a hole (or the zero page) with @page, as an anonymous fault
 * would, and clear MIGRATE in *@src if that cannot be done.
 */
static void migrate_vma_insert_page(struct migrate_vma *migrate, unsigned long addr,
				    struct page *page, unsigned long *src)
{
	struct vm_area_struct *vma = migrate->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct folio *folio = page_folio(page);
	pte_t *ptep, pte, entry;

	if (!vma_is_anonymous(vma))
		goto abort;
	if (anon_vma_prepare(vma))
		goto abort;
	ptep = pte_alloc(mm, addr);
	if (!ptep)
		goto abort;

	if (is_device_private_page(page)) {
		swp_entry_t swp = (vma->vm_flags & VM_WRITE) ?
			make_writable_device_private_entry(page_to_pfn(page)) :
			make_readable_device_private_entry(page_to_pfn(page));

		entry = swp_entry_to_pte(swp);
	} else {
		if (folio_is_zone_device(folio) && !is_device_coherent_page(page))
			goto abort;
		entry = pfn_pte(page_to_pfn(page), vma->vm_page_prot);
		if (vma->vm_flags & VM_WRITE)
			entry = pte_mkwrite(pte_mkdirty(entry));
	}
	/* The driver filled it; anyone who sees the PTE sees the data. */
	set_bit(PG_uptodate, &folio->flags);

	spin_lock(&mm->page_table_lock);
	pte = ptep_get(ptep);
	/* Somebody faulted here since collect: the zero page is all we replace. */
	if (!pte_none(pte) && !(pte_present(pte) && is_zero_pfn_mm(mm, pte_pfn(pte))))
		goto unlock_abort;
	inc_mm_counter(mm, MM_ANONPAGES);
	folio_add_new_anon_rmap(folio, vma, addr);
	/* The mapping's reference; the driver's goes in finalize. */
	folio_get(folio);
	set_pte(ptep, entry);
	spin_unlock(&mm->page_table_lock);
	*src = MIGRATE_PFN_MIGRATE;
	return;

unlock_abort:
	spin_unlock(&mm->page_table_lock);
abort:
	*src &= ~MIGRATE_PFN_MIGRATE;
}

/* folio_migrate_mapping() and folio_migrate_flags() for an unmapped anonymous folio. */
static int migrate_folio_move(struct migrate_vma *migrate, struct folio *dst,
			      struct folio *src)
{
	/* A reference taken after unmap (a late pin) means the copy may be stale. */
	if (folio_ref_count(src) != migrate_expected_refs(migrate, src))
		return -EAGAIN;
	dst->index = src->index;
	WRITE_ONCE(dst->mapping, READ_ONCE(src->mapping));
	if (test_bit(PG_swapbacked, &src->flags))
		set_bit(PG_swapbacked, &dst->flags);
	if (test_bit(PG_uptodate, &src->flags))
		set_bit(PG_uptodate, &dst->flags);
	if (test_and_clear_bit(PG_dirty, &src->flags))
		set_bit(PG_dirty, &dst->flags);
	return 0;
}

/**
 * migrate_vma_pages() - move the collected pages' state to their destinations
 * @migrate: as migrate_vma_setup() left it, with @migrate->dst filled by the
 *	driver (locked pages, data copied)
 *
 * An entry without a destination, or whose source cannot move (not
 * anonymous, an unsuitable destination, an extra reference), loses
 * MIGRATE_PFN_MIGRATE.  Holes are populated with their destination here.
 * Afterwards an entry succeeded iff its src still has MIGRATE_PFN_MIGRATE.
 */
void migrate_vma_pages(struct migrate_vma *migrate)
{
	struct mmu_notifier_range range;
	bool notified = false;
	unsigned long i;

	for (i = 0; i < migrate->npages; i++) {
		struct page *newpage = migrate_pfn_to_page(migrate->dst[i]);
		struct page *page = migrate_pfn_to_page(migrate->src[i]);
		unsigned long addr = migrate_addr(migrate, i);

		if (!newpage) {
			migrate->src[i] &= ~MIGRATE_PFN_MIGRATE;
			continue;
		}
		if (!(migrate->src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		if (!page) {
			/* New mappings appear: mirrors must not keep the zero page. */
			if (!notified) {
				notified = true;
				mmu_notifier_range_init_owner(&range, MMU_NOTIFY_MIGRATE, 0,
							      migrate->vma->vm_mm, addr,
							      migrate->end, migrate->pgmap_owner);
				mmu_notifier_invalidate_range_start(&range);
			}
			migrate_vma_insert_page(migrate, addr, newpage, &migrate->src[i]);
			continue;
		}
		/* Page-cache and swap-cache migration are not modelled. */
		if (!folio_test_anon(page_folio(page)) ||
		    (folio_is_zone_device(page_folio(newpage)) &&
		     !is_device_private_page(newpage) && !is_device_coherent_page(newpage)) ||
		    migrate_folio_move(migrate, page_folio(newpage), page_folio(page))) {
			migrate->src[i] &= ~MIGRATE_PFN_MIGRATE;
			continue;
		}
	}
	if (notified)
		mmu_notifier_invalidate_range_end(&range);
}

/**
 * migrate_vma_finalize() - map the destinations (or the sources again) and
 *	release everything setup and the driver hold
 * @migrate: as migrate_vma_pages() left it (or migrate_vma_setup(), to
 *	abort all: a zero @migrate->dst restores every page)
 *
 * Each migration entry becomes a mapping of the destination where the
 * migration succeeded, else of the source.  All pages are unlocked (the
 * fault page excepted: its fault path unlocks it) and our references
 * dropped, which frees each migrated source and each unused destination.
 */
void migrate_vma_finalize(struct migrate_vma *migrate)
{
	unsigned long i;

	for (i = 0; i < migrate->npages; i++) {
		struct page *newpage = migrate_pfn_to_page(migrate->dst[i]);
		struct page *page = migrate_pfn_to_page(migrate->src[i]);
		struct folio *src, *dst;

		if (!page) {
			/* A populated hole holds its own reference now. */
			if (newpage) {
				unlock_page(newpage);
				put_page(newpage);
			}
			continue;
		}
		src = page_folio(page);
		if (!(migrate->src[i] & MIGRATE_PFN_MIGRATE) || !newpage) {
			if (newpage) {
				/* Never mapped: the driver's reference was its last. */
				unlock_page(newpage);
				put_page(newpage);
			}
			dst = src;
		} else {
			dst = page_folio(newpage);
		}
		migrate_remove_pte(migrate, migrate_addr(migrate, i), src, dst);
		migrate_unlock_src(migrate, src);
		folio_put(src);
		if (dst != src) {
			folio_unlock(dst);
			folio_put(dst);
		}
	}
}
