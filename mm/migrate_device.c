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
 * migrate_device_range()/_pfns() evict device pages by pfn: try_to_migrate()
 * unmaps them from every mm through the rmap and finalize restores through
 * it too, and so does migrate_vma_setup() for an anonymous page still
 * mapped by other mms (shared with a child since fork).  Not modelled:
 * page-cache migration (only anonymous sources move),
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

/*
 * On a source collected by migrate_vma_setup() while try_to_migrate() put
 * migration entries for it outside the migrating VMA: restoring or
 * finalizing it takes an rmap walk.  Only the migration, which holds the
 * folio lock, sets or clears it.
 */
#define PG_migrate_rmap	PG_private_2

/**
 * migration_entry_wait_on_locked() - sleep until the folio behind a swap
 *	entry is unlocked, holding no reference to it
 * @mm: the address space; the caller holds its page_table_lock, which this
 *	drops
 * @ptep: the entry's slot
 * @pte: the migration (or device-private) entry the caller found there
 *
 * For faults on a migration entry, and on a device-private entry whose
 * folio somebody else has locked.  A waiter holding a reference would fail
 * the migration's refcount check (migrate_vma_unmap(), the pin check of
 * migrate_device_unmap()): the migration gives up, is retried, and meets
 * the next waiter, for as long as the page is being touched, the livelock
 * the kernel's put_and_wait_on_page_locked() ended.  So the waiter gets on
 * the folio's wait queue while the entry, under the page-table lock, still
 * proves the folio alive and locked, and sleeps once without a reference;
 * any wake-up returns, and the caller retries whatever it was doing.
 */
void migration_entry_wait_on_locked(struct mm_struct *mm, pte_t *ptep, pte_t pte)
{
	struct wait_var_bucket *b;
	struct folio *folio;
	bool locked;

	if (pte_val(ptep_get(ptep)) != pte_val(pte)) {
		spin_unlock(&mm->page_table_lock);
		return;
	}
	folio = page_folio(pfn_swap_entry_to_page(pte_to_swp_entry(pte)));
	b = __var_waitqueue(folio);
	__wait_var_prepare(b);
	/* As folio_wait_locked(): announce the waiter, then look at the lock. */
	set_bit(PG_waiters, &folio->flags);
	smp_mb__after_atomic();
	locked = test_bit(PG_locked, &folio->flags);
	spin_unlock(&mm->page_table_lock);
	if (locked)
		__wait_var_sleep(b);
	__wait_var_finish(b);
}

static inline unsigned long migrate_addr(const struct migrate_vma *migrate, unsigned long i)
{
	return migrate->start + (i << PAGE_SHIFT);
}

static bool is_zero_pfn_mm(struct mm_struct *mm, unsigned long pfn)
{
	return pfn == page_to_pfn(NODE_DATA(mm->nid)->zero_page);
}

static void migrate_unlock_src(struct page *fault_page, struct folio *folio)
{
	/* The fault path locked the fault page and unlocks it itself. */
	if (&folio->page != fault_page)
		folio_unlock(folio);
}

/*
 * References an unmapped, collected page may hold and still be migrated:
 * our collect reference, the fault path's on the fault page, and the idle
 * reference a devmap-managed page keeps under the elevated scheme.
 */
static int migrate_expected_refs(struct page *fault_page, struct folio *folio)
{
	int refs = 1;

	if (&folio->page == fault_page)
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

	/*
	 * A PMD or PUD leaf maps device-dax or fsdax memory, which is never
	 * migrated: skipped, as migrate_vma_collect_pmd() skips every huge
	 * entry that is not an anonymous THP.
	 */
	if (huge_leaf_order(mm, addr))
		return 0;
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
			migrate_unlock_src(migrate->fault_page, folio);
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
static void migrate_remove_pte(struct vm_area_struct *vma, unsigned long addr,
			       struct folio *src, struct folio *new)
{
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

static void try_to_migrate(struct folio *folio);
static void remove_migration_ptes(struct folio *src, struct folio *dst);

/*
 * The second half of setup: unmap collected pages from the other mms that
 * map them, and give up on those that stay mapped or carry references
 * beyond ours and the mappings' (a pin), putting their PTEs back.
 * Returns the entries still migrating.
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
		/*
		 * Still mapped elsewhere (shared with a child since fork): the
		 * rmap replaces those mappings by migration entries too, and
		 * they must come back through it.  Our VMA, kept by mmap_lock,
		 * holds the folio's anon_vma for the walks.
		 */
		if (page_mapcount(page) && folio_test_anon(folio)) {
			set_bit(PG_migrate_rmap, &folio->flags);
			try_to_migrate(folio);
		}
		if (page_mapcount(page) ||
		    folio_ref_count(folio) - migrate_expected_refs(migrate->fault_page, folio) >
		    page_mapcount(page)) {
			if (test_and_clear_bit(PG_migrate_rmap, &folio->flags))
				remove_migration_ptes(folio, folio);
			else
				migrate_remove_pte(migrate->vma, migrate_addr(migrate, i), folio,
						   folio);
			migrate->src[i] = 0;
			migrate_unlock_src(migrate->fault_page, folio);
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
static int migrate_folio_move(struct page *fault_page, struct folio *dst,
			      struct folio *src)
{
	/* A reference taken after unmap (a late pin) means the copy may be stale. */
	if (folio_ref_count(src) != migrate_expected_refs(fault_page, src))
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

/*
 * The body of migrate_vma_pages() and migrate_device_pages(); @migrate is
 * NULL for the latter, which has no holes to populate and no fault page.
 */
static void __migrate_device_pages(unsigned long *src_pfns, unsigned long *dst_pfns,
				   unsigned long npages, struct migrate_vma *migrate)
{
	struct page *fault_page = migrate ? migrate->fault_page : NULL;
	struct mmu_notifier_range range;
	bool notified = false;
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct page *newpage = migrate_pfn_to_page(dst_pfns[i]);
		struct page *page = migrate_pfn_to_page(src_pfns[i]);

		if (!newpage) {
			src_pfns[i] &= ~MIGRATE_PFN_MIGRATE;
			continue;
		}
		if (!(src_pfns[i] & MIGRATE_PFN_MIGRATE))
			continue;
		if (!page) {
			unsigned long addr;

			/* Only a VMA has holes; the physical variants never select one. */
			if (!migrate) {
				src_pfns[i] &= ~MIGRATE_PFN_MIGRATE;
				continue;
			}
			addr = migrate_addr(migrate, i);
			/* New mappings appear: mirrors must not keep the zero page. */
			if (!notified) {
				notified = true;
				mmu_notifier_range_init_owner(&range, MMU_NOTIFY_MIGRATE, 0,
							      migrate->vma->vm_mm, addr,
							      migrate->end, migrate->pgmap_owner);
				mmu_notifier_invalidate_range_start(&range);
			}
			migrate_vma_insert_page(migrate, addr, newpage, &src_pfns[i]);
			continue;
		}
		/* Page-cache and swap-cache migration are not modelled. */
		if (!folio_test_anon(page_folio(page)) ||
		    (folio_is_zone_device(page_folio(newpage)) &&
		     !is_device_private_page(newpage) && !is_device_coherent_page(newpage)) ||
		    migrate_folio_move(fault_page, page_folio(newpage), page_folio(page))) {
			src_pfns[i] &= ~MIGRATE_PFN_MIGRATE;
			continue;
		}
	}
	if (notified)
		mmu_notifier_invalidate_range_end(&range);
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
	__migrate_device_pages(migrate->src, migrate->dst, migrate->npages, migrate);
}

/* The anon_vma reference migrate_device_unmap() took for @folio's walks. */
static void migrate_put_anon_vma(struct folio *folio)
{
	unsigned long mapping = (unsigned long)READ_ONCE(folio->mapping);

	if (mapping & PAGE_MAPPING_ANON)
		put_anon_vma((struct anon_vma *)(mapping & ~PAGE_MAPPING_ANON));
}

static bool remove_migration_pte(struct folio *folio, struct vm_area_struct *vma,
				 unsigned long addr, void *arg)
{
	migrate_remove_pte(vma, addr, folio, arg);
	return true;
}

/*
 * Turn every migration entry for the locked @src, in whatever mm, into a
 * mapping of @dst (@src itself to undo).  The walk finds them through
 * @src's rmap: the index and anon_vma stay with @src until it is freed.
 */
static void remove_migration_ptes(struct folio *src, struct folio *dst)
{
	struct rmap_walk_control rwc = {
		.rmap_one = remove_migration_pte,
		.arg = dst,
	};

	rmap_walk_locked(src, &rwc);
}

/*
 * The body of migrate_vma_finalize() and migrate_device_finalize().  A VMA
 * migration knows the one address of each entry; the physical variants
 * find every entry through the rmap and drop the anon_vma reference that
 * kept the walk possible.
 */
static void __migrate_device_finalize(unsigned long *src_pfns, unsigned long *dst_pfns,
				      unsigned long npages, struct migrate_vma *migrate)
{
	struct page *fault_page = migrate ? migrate->fault_page : NULL;
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct page *newpage = migrate_pfn_to_page(dst_pfns[i]);
		struct page *page = migrate_pfn_to_page(src_pfns[i]);
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
		if (!(src_pfns[i] & MIGRATE_PFN_MIGRATE) || !newpage) {
			if (newpage) {
				/* Never mapped: the driver's reference was its last. */
				unlock_page(newpage);
				put_page(newpage);
			}
			dst = src;
		} else {
			dst = page_folio(newpage);
		}
		if (migrate && !test_bit(PG_migrate_rmap, &src->flags)) {
			migrate_remove_pte(migrate->vma, migrate_addr(migrate, i), src, dst);
		} else if (migrate) {
			remove_migration_ptes(src, dst);
			clear_bit(PG_migrate_rmap, &src->flags);
		} else {
			remove_migration_ptes(src, dst);
			migrate_put_anon_vma(src);
		}
		migrate_unlock_src(fault_page, src);
		folio_put(src);
		if (dst != src) {
			folio_unlock(dst);
			folio_put(dst);
		}
	}
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
	__migrate_device_finalize(migrate->src, migrate->dst, migrate->npages, migrate);
}

/*
 * try_to_migrate() for one mapping of @folio: its PTE or device-private
 * entry becomes a migration entry of the same writability (exclusive if
 * the page was anon-exclusive), and the mapping's rmap and reference go.
 *
 * Lock order: the caller holds the folio lock and the anon_vma lock, both
 * below mmap_lock, so mmap_lock (which the notifier needs around its
 * start/end) can only be tried.  A busy mm stops the walk; the page stays
 * mapped there and the caller gives up on it.
 */
static bool try_to_migrate_one(struct folio *folio, struct vm_area_struct *vma,
			       unsigned long addr, void *arg)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *page = &folio->page;
	struct mmu_notifier_range range;
	bool writable, anon_exclusive, ret = true, flush = false;
	swp_entry_t entry;
	pte_t *ptep, pte;

	(void)arg;
	if (!down_read_trylock(&mm->mmap_lock))
		return false;
	/*
	 * MMU_NOTIFY_CLEAR without an owner, as the kernel's try_to_migrate_one():
	 * the mapping goes from under every mirror, the driver that asked for
	 * the eviction included (its page table may point at the page).
	 */
	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, addr, addr + PAGE_SIZE);
	mmu_notifier_invalidate_range_start(&range);
	ptep = pte_offset_lockless(mm, addr);
	if (!ptep)
		goto out;
	spin_lock(&mm->page_table_lock);
	pte = ptep_get(ptep);
	if (pte_present(pte)) {
		if (pte_special(pte) || pte_pfn(pte) != folio_pfn(folio))
			goto unlock;
		writable = pte_write(pte);
	} else if (is_swap_pte(pte)) {
		entry = pte_to_swp_entry(pte);
		if (!is_device_private_entry(entry) || swp_offset_pfn(entry) != folio_pfn(folio))
			goto unlock;
		writable = is_writable_device_private_entry(entry);
	} else {
		goto unlock;
	}

	anon_exclusive = folio_test_anon(folio) && test_bit(PG_anon_exclusive, &page->flags);
	pte = ptep_get_and_clear(ptep);
	if (pte_present(pte)) {
		flush = true;
		/* As in collect: a pinned exclusive page keeps its mapping. */
		smp_mb();
		if (anon_exclusive && folio_maybe_dma_pinned(folio)) {
			set_pte(ptep, pte);
			flush = false;
			ret = false;
			goto unlock;
		}
		if (pte_dirty(pte))
			set_bit(PG_dirty, &folio->flags);
	}
	/* A device-private page has no CPU mapping to pin through. */
	if (anon_exclusive)
		clear_bit(PG_anon_exclusive, &page->flags);
	if (writable)
		entry = make_writable_migration_entry(folio_pfn(folio));
	else if (anon_exclusive)
		entry = make_readable_exclusive_migration_entry(folio_pfn(folio));
	else
		entry = make_readable_migration_entry(folio_pfn(folio));
	set_pte(ptep, swp_entry_to_pte(entry));
	folio_remove_rmap_pte(folio, page, vma);
	folio_put(folio);
unlock:
	spin_unlock(&mm->page_table_lock);
	/* The TLB flush, as in migrate_vma_collect(). */
	if (flush)
		synchronize_rcu();
out:
	mmu_notifier_invalidate_range_end(&range);
	up_read(&mm->mmap_lock);
	return ret;
}

static void try_to_migrate(struct folio *folio)
{
	struct rmap_walk_control rwc = {
		.rmap_one = try_to_migrate_one,
	};

	rmap_walk_locked(folio, &rwc);
}

/*
 * Unmap the locked, referenced pages collected by migrate_device_range()
 * or migrate_device_pfns() from every mm, and give up on those that stay
 * mapped or are pinned.  An anonymous page keeps an anon_vma reference
 * until finalize, so that the rmap can still be walked once only
 * migration entries map it; a page already unmapped everywhere has no
 * mapping to move and is not migrated.  Returns the entries still
 * migrating.
 */
static unsigned long migrate_device_unmap(unsigned long *src_pfns, unsigned long npages)
{
	unsigned long i, cpages = 0;

	for (i = 0; i < npages; i++) {
		struct page *page = migrate_pfn_to_page(src_pfns[i]);
		struct anon_vma *anon_vma = NULL;
		struct folio *folio;

		if (!page)
			continue;
		folio = page_folio(page);
		if (folio_test_anon(folio)) {
			anon_vma = folio_get_anon_vma(folio);
			if (!anon_vma)
				goto restore;
		}
		if (page_mapcount(page))
			try_to_migrate(folio);
		if (page_mapcount(page) ||
		    folio_ref_count(folio) - migrate_expected_refs(NULL, folio) >
		    page_mapcount(page))
			goto restore;
		cpages++;
		continue;
restore:
		/* Without the anon_vma reference the walk is unsafe, and pointless. */
		if (anon_vma)
			remove_migration_ptes(folio, folio);
		if (anon_vma)
			put_anon_vma(anon_vma);
		src_pfns[i] = 0;
		folio_unlock(folio);
		folio_put(folio);
	}
	return cpages;
}

/*
 * A reference on an allocated device page, none on a free one: free is a
 * zero refcount, or under the elevated scheme the idle reference alone
 * (which an allocation must find unshared, so we never raise it).
 */
static bool migrate_device_get(struct folio *folio)
{
	int old = folio_ref_count(folio);
	int idle = pgmap_devmap_managed(folio->pgmap) ? 1 : 0;

	do {
		if (old <= idle)
			return false;
	} while (!atomic_try_cmpxchg(&folio->page._refcount, &old, old + 1));
	return true;
}

/* Collect one device page for eviction: referenced and locked, or 0. */
static unsigned long migrate_device_pfn_lock(unsigned long pfn)
{
	struct folio *folio;
	struct page *page;

	if (!pfn_valid(pfn))
		return 0;
	page = pfn_to_page(pfn);
	/* Only order-0 private and coherent pages are modelled here. */
	if ((!is_device_private_page(page) && !is_device_coherent_page(page)) ||
	    PageCompound(page))
		return 0;
	folio = page_folio(page);
	if (!migrate_device_get(folio))
		return 0;
	/*
	 * A sleeping lock, unlike collect's trylock: the driver wants the
	 * range emptied and holds no page locks a migration could wait on.
	 */
	folio_lock(folio);
	return migrate_pfn(pfn) | MIGRATE_PFN_MIGRATE;
}

/**
 * migrate_device_range() - collect and unmap the device pages of a pfn range
 * @src_pfns: out: an mpfn per page, as migrate_vma_setup() fills @src
 * @start: first pfn
 * @npages: pages in the range
 *
 * For evicting device memory that no VMA describes (a driver unbinding,
 * say).  Each allocated device-private page is referenced, locked and
 * replaced in every mm that maps it by migration entries; free pages get
 * 0.  The driver then allocates RAM destinations, copies, and calls
 * migrate_device_pages() and migrate_device_finalize().  No mmap_lock is
 * needed: the rmap finds the mappings.
 *
 * Return: 0.
 */
int migrate_device_range(unsigned long *src_pfns, unsigned long start, unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++)
		src_pfns[i] = migrate_device_pfn_lock(start + i);
	migrate_device_unmap(src_pfns, npages);
	return 0;
}

/**
 * migrate_device_pfns() - migrate_device_range() for an arbitrary set of pfns
 * @src_pfns: in: the pfns; out: an mpfn per page, as migrate_device_range()
 * @npages: entries in @src_pfns
 *
 * Return: 0.
 */
int migrate_device_pfns(unsigned long *src_pfns, unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++)
		src_pfns[i] = migrate_device_pfn_lock(src_pfns[i]);
	migrate_device_unmap(src_pfns, npages);
	return 0;
}

/**
 * migrate_device_pages() - migrate_vma_pages() for migrate_device_range()
 * @src_pfns: as migrate_device_range() or migrate_device_pfns() left it
 * @dst_pfns: the driver's locked destinations, 0 for none
 * @npages: entries
 */
void migrate_device_pages(unsigned long *src_pfns, unsigned long *dst_pfns,
			  unsigned long npages)
{
	__migrate_device_pages(src_pfns, dst_pfns, npages, NULL);
}

/**
 * migrate_device_finalize() - migrate_vma_finalize() for migrate_device_range()
 * @src_pfns: as migrate_device_pages() left it
 * @dst_pfns: as given to migrate_device_pages()
 * @npages: entries
 *
 * Every mm's migration entries for a page become mappings of its
 * destination, or of the page again where the migration failed.  The
 * driver's data copy must be complete before this.
 */
void migrate_device_finalize(unsigned long *src_pfns, unsigned long *dst_pfns,
			     unsigned long npages)
{
	__migrate_device_finalize(src_pfns, dst_pfns, npages, NULL);
}

/**
 * migrate_device_coherent_folio() - move one device-coherent folio to RAM
 * @folio: referenced by the caller; that reference becomes the migration's
 *	and is gone when this returns
 *
 * What a FOLL_LONGTERM pin needs before it may keep a page: coherent device
 * memory belongs to its driver, which must be able to take it back.  No VMA
 * is involved: the page is unmapped through the rmap, as eviction does.
 *
 * Return: 0, or -EBUSY if the folio could not be unmapped (still pinned,
 * an mm busy) or no RAM page was available.
 */
int migrate_device_coherent_folio(struct folio *folio)
{
	unsigned long src_pfn, dst_pfn = 0;
	struct folio *dst;

	VM_BUG_ON_FOLIO(!folio_is_device_coherent(folio) || folio_test_large(folio), folio);
	folio_lock(folio);
	src_pfn = migrate_pfn(folio_pfn(folio)) | MIGRATE_PFN_MIGRATE;
	if (!migrate_device_unmap(&src_pfn, 1))
		return -EBUSY;	/* unlocked and put on the way out */
	dst = __folio_alloc_node(GFP_HIGHUSER_MOVABLE, 0, folio_nid(folio));
	if (dst) {
		folio_lock(dst);
		dst_pfn = migrate_pfn(folio_pfn(dst));
	}
	migrate_device_pages(&src_pfn, &dst_pfn, 1);
	if (src_pfn & MIGRATE_PFN_MIGRATE)
		memcpy(folio_address(dst), folio_address(folio), PAGE_SIZE);
	migrate_device_finalize(&src_pfn, &dst_pfn, 1);
	return (src_pfn & MIGRATE_PFN_MIGRATE) ? 0 : -EBUSY;
}
