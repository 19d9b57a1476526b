// SPDX-License-Identifier: GPL-2.0-only
/*
 * The software MMU's page tables and faults: table allocation and lockless
 * walks, the mmu_gather (unmapped pages and tables are freed only after an
 * RCU grace period, which stands in for the TLB shootdown: every CPU access
 * runs inside a read-side section), zap, copy at fork, protection changes,
 * and handle_mm_fault() for anonymous, shared and private file memory.
 */
#include <string.h>
#include "internal_mm.h"

/* ------------------------------------------------------------------ */
/* The zero page and page protections                                  */
/* ------------------------------------------------------------------ */

static inline struct page *node_zero_page(int nid)
{
	return NODE_DATA(nid)->zero_page;
}

static inline bool is_zero_pfn_nid(unsigned long pfn, int nid)
{
	return pfn == page_to_pfn(node_zero_page(nid));
}

/**
 * vma_set_page_prot() - @vma's PTE protection from its flags
 *
 * A shared writable mapping whose file wants to hear of the first store to
 * each page (->page_mkwrite, ->pfn_mkwrite: DAX allocates blocks and tracks
 * dirty entries there) is mapped read-only, and a write fault makes each
 * PTE writable (vma_wants_writenotify()).
 */
void vma_set_page_prot(struct vm_area_struct *vma)
{
	pgprot_t prot = vm_get_page_prot(vma->vm_flags);

	if ((vma->vm_flags & (VM_SHARED | VM_WRITE)) == (VM_SHARED | VM_WRITE) && vma->vm_ops &&
	    (vma->vm_ops->page_mkwrite || vma->vm_ops->pfn_mkwrite))
		prot = __pgprot(pgprot_val(prot) & ~_PAGE_RW);
	vma->vm_page_prot = prot;
}

/* The vm_flags -> pgprot table of x86 (protection_map). */
pgprot_t vm_get_page_prot(unsigned long vm_flags)
{
	bool shared = vm_flags & VM_SHARED;

	switch (vm_flags & VM_ACCESS_FLAGS) {
	case 0:
		return PAGE_NONE;
	case VM_READ:
		return PAGE_READONLY;
	case VM_EXEC:
	case VM_READ | VM_EXEC:
		return PAGE_READONLY_EXEC;
	case VM_WRITE:
	case VM_WRITE | VM_READ:
		return shared ? PAGE_SHARED : PAGE_COPY;
	default:
		return shared ? PAGE_SHARED_EXEC : PAGE_COPY_EXEC;
	}
}

/* Writable only if the VMA is: a FOLL_FORCE write must not leave it writable. */
static inline pte_t maybe_mkwrite(pte_t pte, struct vm_area_struct *vma)
{
	if (likely(vma->vm_flags & VM_WRITE))
		pte = pte_mkwrite(pte);
	return pte;
}

/*
 * The page a present PTE maps, or NULL for the special ones (the zero
 * page, raw pfn maps, and devmap entries of the elevated scheme).
 */
static struct page *vm_normal_page(struct vm_area_struct *vma, pte_t pte)
{
	if (pte_special(pte))
		return NULL;
	return pfn_to_page(pte_pfn(pte));
}

/* ------------------------------------------------------------------ */
/* mmu_gather                                                          */
/* ------------------------------------------------------------------ */

static void tlb_batch_free_rcu(struct rcu_head *rcu)
{
	struct mmu_gather_batch *batch = container_of(rcu, struct mmu_gather_batch, rcu);
	unsigned int i;

	for (i = 0; i < batch->nr; i++) {
		struct page *page = batch->pages[i];

		if (batch->is_table[i]) {
			__ClearPageTable(page);
			__free_pages(page, 0);
		} else {
			put_page(page);
		}
	}
	kfree(batch);
}

static void tlb_flush_batch(struct mmu_gather *tlb)
{
	struct mmu_gather_batch *batch = tlb->active;

	tlb->active = NULL;
	if (batch && batch->nr)
		call_rcu(&batch->rcu, tlb_batch_free_rcu);
	else
		kfree(batch);
}

void tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm)
{
	tlb->mm = mm;
	tlb->active = NULL;
}

static void tlb_add(struct mmu_gather *tlb, struct page *page, bool table)
{
	struct mmu_gather_batch *batch = tlb->active;

	if (!batch || batch->nr == MMU_GATHER_BUNDLE) {
		tlb_flush_batch(tlb);
		batch = kzalloc(sizeof(*batch), GFP_ATOMIC);
		if (!batch) {
			/* No memory to defer: wait for the readers instead. */
			synchronize_rcu();
			if (table) {
				__ClearPageTable(page);
				__free_pages(page, 0);
			} else {
				put_page(page);
			}
			return;
		}
		tlb->active = batch;
	}
	batch->is_table[batch->nr] = table;
	batch->pages[batch->nr++] = page;
}

/**
 * tlb_remove_page() - drop an unmapped page's mapping reference
 *
 * A CPU may still be reading the page through the translation just removed
 * (it is inside an RCU read-side section), so the page must not be freed
 * before a grace period; but only the last reference frees it.  Any other
 * is dropped now, so refcounts are exact when the unmap returns, as after
 * the kernel's synchronous TLB flush.  Device-private pages are never
 * CPU-mapped: their put is immediate (and, under the elevated scheme, may
 * be the 2->1 that tells the driver).
 */
void tlb_remove_page(struct mmu_gather *tlb, struct page *page)
{
	struct folio *folio = page_folio(page);

	if (folio_is_device_private(folio)) {
		folio_put(folio);
		return;
	}
	if (!folio_is_zone_device(folio) && folio_ref_add_unless(folio, -1, 1))
		return;
	tlb_add(tlb, page, false);
}

/** tlb_remove_table() - free a page table once no lockless walker is in it */
void tlb_remove_table(struct mmu_gather *tlb, struct page *table)
{
	atomic_long_sub(PAGE_SIZE, &tlb->mm->pgtables_bytes);
	tlb_add(tlb, table, true);
}

void tlb_finish_mmu(struct mmu_gather *tlb)
{
	tlb_flush_batch(tlb);
}

/* ------------------------------------------------------------------ */
/* Page tables                                                         */
/* ------------------------------------------------------------------ */

static void *table_alloc(struct mm_struct *mm)
{
	struct page *page = alloc_pages_node(mm->nid, GFP_KERNEL | __GFP_ZERO, 0);

	if (!page)
		return NULL;
	__SetPageTable(page);
	atomic_long_add(PAGE_SIZE, &mm->pgtables_bytes);
	return page_address(page);
}

static void table_free_now(struct mm_struct *mm, void *table)
{
	struct page *page = virt_to_page(table);

	__ClearPageTable(page);
	atomic_long_sub(PAGE_SIZE, &mm->pgtables_bytes);
	__free_pages(page, 0);
}

pgd_t *pgd_alloc(struct mm_struct *mm)
{
	return table_alloc(mm);
}

static inline unsigned long table_entry(void *table)
{
	return PFN_PHYS(page_to_pfn(virt_to_page(table))) | _PAGE_TABLE;
}

/*
 * Make sure the table below *@slot exists: allocate it unlocked, install it
 * under page_table_lock unless a racing fault got there first.
 */
void *table_populate(struct mm_struct *mm, unsigned long *slot)
{
	unsigned long e = smp_load_acquire(slot);
	void *table;

	if (e)
		goto found;
	table = table_alloc(mm);
	if (!table)
		return NULL;
	spin_lock(&mm->page_table_lock);
	e = *slot;
	if (!e) {
		/* Release: the zeroed table before the entry that points at it. */
		smp_store_release(slot, table_entry(table));
		e = table_entry(table);
		table = NULL;
	}
	spin_unlock(&mm->page_table_lock);
	if (table)
		table_free_now(mm, table);
found:
	/* A huge leaf maps the whole span: there is no table below it. */
	if (e & _PAGE_PSE)
		return ERR_PTR(-EEXIST);
	return __va(e & PTE_PFN_MASK);
}

/** pte_alloc() - the PTE slot for @addr, allocating tables on the way */
pte_t *pte_alloc(struct mm_struct *mm, unsigned long addr)
{
	pud_t *pud = table_populate(mm, &mm->pgd[pgd_index(addr)].pgd);
	pmd_t *pmd;
	pte_t *pte;

	if (IS_ERR_OR_NULL(pud))
		return NULL;
	pmd = table_populate(mm, &pud[pud_index(addr)].pud);
	if (IS_ERR_OR_NULL(pmd))
		return NULL;
	pte = table_populate(mm, &pmd[pmd_index(addr)].pmd);
	if (IS_ERR_OR_NULL(pte))
		return NULL;
	return &pte[pte_index(addr)];
}

/**
 * pte_offset_lockless() - the PTE slot for @addr if every table exists
 *
 * For walkers inside rcu_read_lock() (the CPU, gup_fast) and for holders of
 * mmap_lock; tables are freed only after a grace period.
 */
pte_t *pte_offset_lockless(struct mm_struct *mm, unsigned long addr)
{
	pgd_t pgd = pgdp_get(&mm->pgd[pgd_index(addr)]);
	pud_t pud;
	pmd_t pmd;

	if (pgd_none(pgd))
		return NULL;
	pud = pudp_get(&pgd_table(pgd)[pud_index(addr)]);
	if (pud_none(pud) || pud_leaf(pud))
		return NULL;
	pmd = pmdp_get(&pud_table(pud)[pmd_index(addr)]);
	if (pmd_none(pmd) || pmd_leaf(pmd))
		return NULL;
	return &pmd_table(pmd)[pte_index(addr)];
}

/* ------------------------------------------------------------------ */
/* Zap, copy, protect, move                                            */
/* ------------------------------------------------------------------ */

/*
 * Visit [start, end) a PTE table at a time: @pte points at @addr's slot,
 * @next is where the chunk ends; chunks without a table are skipped.
 */
#define for_each_pte_table(mm, addr, next, start, end, pte)			\
	for ((addr) = (start); (addr) < (end); (addr) = (next))			\
		if (((next) = min(((addr) & PMD_MASK) + PMD_SIZE, (end))),	\
		    !((pte) = pte_offset_lockless((mm), (addr)))) {} else

/* Unmap one PTE's worth; the caller holds page_table_lock. */
static void zap_one_pte(struct mmu_gather *tlb, struct vm_area_struct *vma, pte_t *ptep)
{
	pte_t pte = ptep_get_and_clear(ptep);
	struct page *page = NULL;

	if (pte_none(pte))
		return;
	if (pte_present(pte)) {
		page = vm_normal_page(vma, pte);
	} else {
		swp_entry_t entry = pte_to_swp_entry(pte);

		/* A device-private entry maps its page like a PTE does. */
		if (is_device_private_entry(entry) || is_device_exclusive_entry(entry))
			page = pfn_swap_entry_to_page(entry);
		else if (is_migration_entry(entry))
			/* No reference, no mapcount (migration holds both); rss only. */
			dec_mm_counter(vma->vm_mm,
				       mm_counter(page_folio(pfn_swap_entry_to_page(entry))));
	}
	if (!page)
		return;
	if (pte_present(pte) && pte_dirty(pte))
		set_bit(PG_dirty, &page_folio(page)->flags);
	dec_mm_counter(vma->vm_mm, mm_counter(page_folio(page)));
	folio_remove_rmap_pte(page_folio(page), page, vma);
	tlb_remove_page(tlb, page);
}

/**
 * zap_page_range() - unmap [@start, @end) of @vma; the pages' mapping
 * references go after a grace period
 */
void zap_page_range(struct mmu_gather *tlb, struct vm_area_struct *vma, unsigned long start,
		    unsigned long end)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long addr, next, a;
	pte_t *pte;

	zap_huge_range(tlb, vma, start, end);
	for_each_pte_table(mm, addr, next, start, end, pte) {
		spin_lock(&mm->page_table_lock);
		for (a = addr; a < next; a += PAGE_SIZE, pte++)
			zap_one_pte(tlb, vma, pte);
		spin_unlock(&mm->page_table_lock);
	}
}

static bool table_is_empty(unsigned long *table)
{
	int i;

	for (i = 0; i < 512; i++)
		if (table[i])
			return false;
	return true;
}

/*
 * Free the tables below *@slot that lie wholly inside [floor, ceiling),
 * bottom up; @level is the slot's span shift (PGDIR, PUD, PMD).
 */
static void free_table_range(struct mmu_gather *tlb, unsigned long *slot, unsigned long base,
			     unsigned int shift, unsigned long floor, unsigned long ceiling)
{
	unsigned long e = *slot, *table, child_span;
	unsigned int i;

	/* A huge leaf is not a table (and was zapped with its VMA). */
	if (!e || (e & _PAGE_PSE))
		return;
	table = __va(e & PTE_PFN_MASK);
	if (shift > PMD_SHIFT) {
		child_span = 1UL << (shift - 9);
		for (i = 0; i < 512; i++) {
			unsigned long cbase = base + i * child_span;

			if (cbase + child_span <= floor || cbase >= ceiling)
				continue;
			free_table_range(tlb, &table[i], cbase, shift - 9, floor, ceiling);
		}
	}
	if (base >= floor && base + (1UL << shift) <= ceiling && table_is_empty(table)) {
		WRITE_ONCE(*slot, 0);
		tlb_remove_table(tlb, virt_to_page(table));
	}
}

/**
 * free_pgtables() - free the page tables that only cover [floor, ceiling),
 * a hole no VMA is in any more
 */
void free_pgtables(struct mmu_gather *tlb, struct mm_struct *mm, unsigned long floor,
		   unsigned long ceiling)
{
	unsigned long i;

	spin_lock(&mm->page_table_lock);
	for (i = pgd_index(floor); i <= pgd_index(ceiling - 1); i++)
		free_table_range(tlb, &mm->pgd[i].pgd, i << PGDIR_SHIFT, PGDIR_SHIFT, floor,
				 ceiling);
	spin_unlock(&mm->page_table_lock);
}

static bool is_cow_mapping(unsigned long flags)
{
	return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

/*
 * A page that may be pinned for DMA is copied for the child at fork, so the
 * pin keeps seeing the parent's data and the child never sees it change
 * (the CVE-2020-29374 class).
 */
/**
 * restore_exclusive_pte() - turn a device-exclusive entry back into the PTE
 * it replaced
 * @vma: the VMA at @addr
 * @folio: the folio, locked by the caller
 * @page: the page the entry names
 * @addr: the user address
 * @ptep: the entry, under page_table_lock
 * @orig: its value
 *
 * The entry kept the mapping's reference and mapcount, so only the PTE
 * changes.  It is writable again only if the VMA still is and the page is
 * still this mm's alone (an mprotect meanwhile leaves it read-only).
 */
void restore_exclusive_pte(struct vm_area_struct *vma, struct folio *folio, struct page *page,
			   unsigned long addr, pte_t *ptep, pte_t orig)
{
	pte_t pte = pfn_pte(page_to_pfn(page), vma->vm_page_prot);

	(void)addr;
	(void)orig;
	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	if ((vma->vm_flags & VM_WRITE) && folio_test_anon(folio) &&
	    test_bit(PG_anon_exclusive, &page->flags)) {
		if (folio_test_dirty(folio))
			pte = pte_mkdirty(pte);
		pte = pte_mkwrite(pte);
	}
	set_pte(ptep, pte);
}

/* fork met a device-exclusive entry whose folio is locked: wait for it. */
static void wait_exclusive_entry(struct mm_struct *mm, pte_t *ptep)
{
	struct folio *folio = NULL;
	pte_t pte;

	spin_lock(&mm->page_table_lock);
	pte = ptep_get(ptep);
	if (is_swap_pte(pte) && is_device_exclusive_entry(pte_to_swp_entry(pte))) {
		folio = page_folio(pfn_swap_entry_to_page(pte_to_swp_entry(pte)));
		folio_get(folio);
	}
	spin_unlock(&mm->page_table_lock);
	if (!folio)
		return;
	folio_lock(folio);
	folio_unlock(folio);
	folio_put(folio);
}

static int copy_present_page(struct vm_area_struct *dst, pte_t *dst_pte, struct page *page,
			     unsigned long addr)
{
	struct folio *new = __folio_alloc_node(GFP_HIGHUSER_MOVABLE, 0, dst->vm_mm->nid);

	if (!new)
		return -ENOMEM;
	memcpy(folio_address(new), page_address(page), PAGE_SIZE);
	folio_add_new_anon_rmap(new, dst, addr);
	inc_mm_counter(dst->vm_mm, MM_ANONPAGES);
	set_pte(dst_pte, maybe_mkwrite(pte_mkdirty(pfn_pte(folio_pfn(new), dst->vm_page_prot)), dst));
	return 0;
}

static int copy_one_pte(struct vm_area_struct *dst, struct vm_area_struct *src, pte_t *dst_pte,
			pte_t *src_pte, unsigned long addr)
{
	pte_t pte = ptep_get(src_pte);
	struct folio *folio;
	struct page *page;

	if (pte_none(pte))
		return 0;
	if (!pte_present(pte)) {
		/* copy_nonpresent_pte() */
		swp_entry_t entry = pte_to_swp_entry(pte);

		if (is_device_exclusive_entry(entry)) {
			/*
			 * Give the parent its PTE back and copy that: the child
			 * then shares the page copy-on-write like any other.
			 */
			folio = page_folio(pfn_swap_entry_to_page(entry));
			if (!folio_trylock(folio))
				return -EAGAIN;
			restore_exclusive_pte(src, folio, pfn_swap_entry_to_page(entry), addr,
					      src_pte, pte);
			folio_unlock(folio);
			pte = ptep_get(src_pte);
		} else if (is_device_private_entry(entry)) {
			page = pfn_swap_entry_to_page(entry);
			folio = page_folio(page);
			folio_get(folio);
			folio_add_anon_rmap_pte(folio, page, dst, addr);
			/* Shared with the child now: neither may reuse it on a write. */
			clear_bit(PG_anon_exclusive, &page->flags);
			inc_mm_counter(dst->vm_mm, mm_counter(folio));
			if (is_writable_device_private_entry(entry) && is_cow_mapping(src->vm_flags)) {
				/* Both sides read-only: a write faults and copies. */
				pte = swp_entry_to_pte(make_readable_device_private_entry(page_to_pfn(page)));
				set_pte(src_pte, pte);
			}
		} else if (is_migration_entry(entry)) {
			inc_mm_counter(dst->vm_mm,
				       mm_counter(page_folio(pfn_swap_entry_to_page(entry))));
			if (is_writable_migration_entry(entry) && is_cow_mapping(src->vm_flags)) {
				pte = swp_entry_to_pte(make_readable_migration_entry(swp_offset_pfn(entry)));
				set_pte(src_pte, pte);
			}
		}
		if (!pte_present(pte)) {
			set_pte(dst_pte, pte);
			return 0;
		}
	}
	page = vm_normal_page(src, pte);
	if (!page) {
		set_pte(dst_pte, pte);
		return 0;
	}
	folio = page_folio(page);
	if (folio_test_anon(folio) && is_cow_mapping(src->vm_flags) &&
	    test_bit(MMF_HAS_PINNED, &src->vm_mm->flags) && folio_maybe_dma_pinned(folio))
		return copy_present_page(dst, dst_pte, page, addr);

	folio_get(folio);
	if (folio_test_anon(folio)) {
		folio_add_anon_rmap_pte(folio, page, dst, addr);
		clear_bit(PG_anon_exclusive, &page->flags);
	} else {
		folio_add_file_rmap_pte(folio, page, dst);
	}
	inc_mm_counter(dst->vm_mm, mm_counter(folio));
	if (is_cow_mapping(src->vm_flags) && pte_write(pte)) {
		/*
		 * ptep_set_wrprotect(): an atomic clear, so a dirty bit a CPU
		 * sets meanwhile (by cmpxchg) is not lost.
		 */
		test_and_clear_bit(_PAGE_BIT_RW, &src_pte->pte);
		pte = pte_wrprotect(ptep_get(src_pte));
	}
	set_pte(dst_pte, __pte(pte_val(pte) & ~_PAGE_ACCESSED));	/* the child's are old */
	return 0;
}

/**
 * copy_page_range() - fork: give @dst the mappings of @src, making private
 * anonymous pages copy-on-write in both
 */
int copy_page_range(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	struct mm_struct *dst_mm = dst->vm_mm, *src_mm = src->vm_mm;
	bool cow = is_cow_mapping(src->vm_flags);
	struct mmu_notifier_range range;
	unsigned long addr, next;
	int err = 0;

	/* The parent's PTEs are write-protected: mirrors must hear of it. */
	if (cow) {
		mmu_notifier_range_init(&range, MMU_NOTIFY_PROTECTION_PAGE, 0, src_mm,
					src->vm_start, src->vm_end);
		mmu_notifier_invalidate_range_start(&range);
	}
	for (addr = src->vm_start; addr < src->vm_end && !err; addr = next) {
		pte_t *src_pte = pte_offset_lockless(src_mm, addr), *dst_pte;
		unsigned long a;

		next = min((addr & PMD_MASK) + PMD_SIZE, src->vm_end);
		if (!src_pte)
			continue;
		dst_pte = pte_alloc(dst_mm, addr);
		if (!dst_pte) {
			err = -ENOMEM;
			break;
		}
		a = addr;
retry:
		spin_lock(&src_mm->page_table_lock);
		if (dst_mm != src_mm)
			spin_lock(&dst_mm->page_table_lock);
		for (; a < next && !err; a += PAGE_SIZE)
			err = copy_one_pte(dst, src, dst_pte + ((a - addr) >> PAGE_SHIFT),
					   src_pte + ((a - addr) >> PAGE_SHIFT), a);
		if (dst_mm != src_mm)
			spin_unlock(&dst_mm->page_table_lock);
		spin_unlock(&src_mm->page_table_lock);
		if (err == -EAGAIN) {
			/*
			 * A device-exclusive page whose lock is held (its driver
			 * is making it exclusive, or a CPU fault restores it):
			 * wait for the lock without the page-table locks, then
			 * copy that entry again.  The kernel fails the fork with
			 * -ENOMEM here; waiting is what a caller would want.
			 */
			a -= PAGE_SIZE;
			err = 0;
			wait_exclusive_entry(src_mm, src_pte + ((a - addr) >> PAGE_SHIFT));
			goto retry;
		}
	}
	if (cow)
		mmu_notifier_invalidate_range_end(&range);
	return err;
}

/**
 * change_protection() - apply @newprot to the present PTEs in range
 *
 * Private writable mappings stay write-protected (a write fault decides
 * between reusing and copying); PROT_NONE makes entries protnone, keeping
 * the page mapped.
 */
void change_protection(struct vm_area_struct *vma, unsigned long start, unsigned long end,
		       pgprot_t newprot)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mmu_notifier_range range;
	unsigned long addr, next, a;
	pte_t *pte;

	mmu_notifier_range_init(&range, MMU_NOTIFY_PROTECTION_VMA, 0, mm, start, end);
	mmu_notifier_invalidate_range_start(&range);
	change_huge_range(vma, start, end, newprot);
	for_each_pte_table(mm, addr, next, start, end, pte) {
		spin_lock(&mm->page_table_lock);
		for (a = addr; a < next; a += PAGE_SIZE, pte++) {
			pte_t old = ptep_get(pte);

			if (pte_none(old))
				continue;
			if (!pte_present(old)) {
				/* Writable migration/device entries lose their write bit. */
				swp_entry_t entry = pte_to_swp_entry(old);

				if (!(pgprot_val(newprot) & _PAGE_RW)) {
					unsigned long pfn = swp_offset_pfn(entry);

					if (is_writable_migration_entry(entry))
						/* An anonymous page stays this mm's alone. */
						entry = folio_test_anon(page_folio(pfn_to_page(pfn))) ?
							make_readable_exclusive_migration_entry(pfn) :
							make_readable_migration_entry(pfn);
					else if (is_writable_device_private_entry(entry))
						entry = make_readable_device_private_entry(pfn);
					else if (is_writable_device_exclusive_entry(entry))
						entry = make_readable_device_exclusive_entry(pfn);
					set_pte(pte, swp_entry_to_pte(entry));
				}
				continue;
			}
			/*
			 * ptep_modify_prot_start/commit: cleared while it changes, so
			 * a CPU's A/D update cannot be overwritten (it faults instead).
			 */
			old = ptep_get_and_clear(pte);
			set_pte(pte, pte_modify(old, newprot));
		}
		spin_unlock(&mm->page_table_lock);
	}
	mmu_notifier_invalidate_range_end(&range);
}

/**
 * move_page_tables() - mremap: move the entries of [old_addr, +len) to
 * new_addr; the pages keep their references and mapcounts
 */
int move_page_tables(struct vm_area_struct *vma, unsigned long old_addr,
		     struct vm_area_struct *new_vma, unsigned long new_addr, unsigned long len)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mmu_notifier_range range;
	unsigned long off;
	int err = 0;

	mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, 0, mm, old_addr, old_addr + len);
	mmu_notifier_invalidate_range_start(&range);
	err = move_huge_range(vma, old_addr, new_vma, new_addr, len);
	for (off = 0; off < len && !err; off += PAGE_SIZE) {
		pte_t *src = pte_offset_lockless(mm, old_addr + off), *dst;
		pte_t pte;

		if (!src || pte_none(ptep_get(src)))
			continue;
		dst = pte_alloc(mm, new_addr + off);
		if (!dst) {
			err = -ENOMEM;
			break;
		}
		spin_lock(&mm->page_table_lock);
		pte = ptep_get_and_clear(src);
		set_pte(dst, pte);
		spin_unlock(&mm->page_table_lock);
	}
	mmu_notifier_invalidate_range_end(&range);
	/* Readers still walking the old slots see them empty and refault. */
	(void)new_vma;
	return err;
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */
/* ------------------------------------------------------------------ */

static vm_fault_t install_new_anon(struct vm_fault *vmf, struct folio *folio, pte_t expect)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	pte_t entry = pfn_pte(folio_pfn(folio), vma->vm_page_prot);
	pte_t old;

	if (vmf->flags & FAULT_FLAG_WRITE)
		entry = maybe_mkwrite(pte_mkdirty(entry), vma);
	entry = pte_mkyoung(entry);
	spin_lock(&mm->page_table_lock);
	old = ptep_get(vmf->pte);
	if (pte_val(old) != pte_val(expect)) {
		/* Somebody else resolved this fault first. */
		spin_unlock(&mm->page_table_lock);
		folio_put(folio);
		return 0;
	}
	folio_add_new_anon_rmap(folio, vma, vmf->address);
	inc_mm_counter(mm, MM_ANONPAGES);
	set_pte(vmf->pte, entry);
	spin_unlock(&mm->page_table_lock);
	return 0;
}

static vm_fault_t do_anonymous_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct folio *folio;

	if (!(vmf->flags & FAULT_FLAG_WRITE)) {
		/* A read of untouched private memory maps the shared zero page. */
		/* vm_page_prot of a private mapping is read-only already (PAGE_COPY). */
		pte_t entry = pte_mkspecial(pfn_pte(page_to_pfn(node_zero_page(mm->nid)),
						    vma->vm_page_prot));

		spin_lock(&mm->page_table_lock);
		if (pte_none(ptep_get(vmf->pte)))
			set_pte(vmf->pte, entry);
		spin_unlock(&mm->page_table_lock);
		return 0;
	}
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	folio = __folio_alloc_node(GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0, mm->nid);
	if (!folio)
		return VM_FAULT_OOM;
	return install_new_anon(vmf, folio, __pte(0));
}

/* Copy-on-write: a private copy of the page (or of zeroes) replaces it. */
static vm_fault_t wp_page_copy(struct vm_fault *vmf, struct page *old)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct mmu_notifier_range range;
	struct mmu_gather tlb;
	struct folio *new;
	pte_t cur;

	if (anon_vma_prepare(vma))
		goto oom;
	new = __folio_alloc_node(GFP_HIGHUSER_MOVABLE | (old ? 0 : __GFP_ZERO), 0, mm->nid);
	if (!new)
		goto oom;
	if (old)
		memcpy(folio_address(new), page_address(old), PAGE_SIZE);

	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, vmf->address,
				vmf->address + PAGE_SIZE);
	mmu_notifier_invalidate_range_start(&range);
	tlb_gather_mmu(&tlb, mm);
	spin_lock(&mm->page_table_lock);
	cur = ptep_get(vmf->pte);
	if (pte_val(cur) != pte_val(vmf->orig_pte)) {
		spin_unlock(&mm->page_table_lock);
		folio_put(new);
		goto out;
	}
	if (old) {
		dec_mm_counter(mm, mm_counter(page_folio(old)));
		folio_remove_rmap_pte(page_folio(old), old, vma);
		tlb_remove_page(&tlb, old);	/* the old mapping's reference */
	}
	folio_add_new_anon_rmap(new, vma, vmf->address);
	inc_mm_counter(mm, MM_ANONPAGES);
	if (vmf->flags & FAULT_FLAG_WRITE)
		set_pte(vmf->pte, maybe_mkwrite(pte_mkyoung(pte_mkdirty(pfn_pte(folio_pfn(new),
									       vma->vm_page_prot))), vma));
	else	/* unshare: exclusive now, still read-only */
		set_pte(vmf->pte, pte_mkyoung(pfn_pte(folio_pfn(new), vma->vm_page_prot)));
	spin_unlock(&mm->page_table_lock);
out:
	mmu_notifier_invalidate_range_end(&range);
	tlb_finish_mmu(&tlb);
	if (old)
		put_page(old);		/* the reference this fault took */
	return 0;
oom:
	if (old)
		put_page(old);
	return VM_FAULT_OOM;
}

/*
 * A write to a present, write-protected PTE, or an unshare (FAULT_FLAG_UNSHARE:
 * a read-only pin wants the anonymous page exclusive to this mm); called
 * with page_table_lock held, which it drops.  Shared mappings just become
 * writable; a private anonymous page this mm owns alone is reused; anything
 * else is copied.
 */
static vm_fault_t do_wp_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	pte_t entry = vmf->orig_pte;
	struct page *page = vm_normal_page(vma, entry);
	bool unshare = !(vmf->flags & FAULT_FLAG_WRITE);

	if (unshare && (!page || !PageAnon(page) || test_bit(PG_anon_exclusive, &page->flags))) {
		/* Nothing to unshare: the zero page, a file page, or already ours. */
		spin_unlock(&mm->page_table_lock);
		return 0;
	}
	if (vma->vm_flags & VM_SHARED) {
		vm_fault_t (*mkwrite)(struct vm_fault *vmf) = NULL;

		/* wp_page_shared / wp_pfn_shared: the file decides (DAX allocates). */
		if (vma->vm_ops)
			mkwrite = page ? vma->vm_ops->page_mkwrite : vma->vm_ops->pfn_mkwrite;
		if (mkwrite) {
			vm_fault_t ret;

			spin_unlock(&mm->page_table_lock);
			ret = mkwrite(vmf);
			if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE))
				return ret;
			spin_lock(&mm->page_table_lock);
			if (pte_val(ptep_get(vmf->pte)) != pte_val(entry)) {
				spin_unlock(&mm->page_table_lock);
				return 0;
			}
		}
		set_pte(vmf->pte, pte_mkyoung(pte_mkdirty(pte_mkwrite(entry))));
		spin_unlock(&mm->page_table_lock);
		return 0;
	}
	if (page && PageAnon(page)) {
		struct folio *folio = page_folio(page);
		bool reuse = test_bit(PG_anon_exclusive, &page->flags);

		/* Ours alone: no other mapping, no pin, no swap cache. */
		if (!reuse && folio_ref_count(folio) == 1 && folio_trylock(folio)) {
			reuse = folio_ref_count(folio) == 1;
			if (reuse)
				set_bit(PG_anon_exclusive, &page->flags);
			folio_unlock(folio);
		}
		if (reuse) {
			if (!unshare)
				set_pte(vmf->pte, maybe_mkwrite(pte_mkyoung(pte_mkdirty(entry)), vma));
			spin_unlock(&mm->page_table_lock);
			return 0;
		}
	}
	if (page)
		get_page(page);
	spin_unlock(&mm->page_table_lock);
	return wp_page_copy(vmf, page);
}

/*
 * A file or shared-anonymous page: ->fault finds it; a private write copies
 * it into an anonymous page.
 */
static vm_fault_t do_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	struct folio *folio;
	vm_fault_t ret;
	pte_t entry;

	if (!vma->vm_ops->fault)
		return VM_FAULT_SIGBUS;
	if (write && !(vma->vm_flags & VM_SHARED)) {
		/*
		 * do_cow_fault(): the private copy exists before ->fault, so a
		 * DAX file can fill it straight from its block
		 * (VM_FAULT_DONE_COW) without handing out a page.
		 */
		struct folio *new;

		if (anon_vma_prepare(vma))
			return VM_FAULT_OOM;
		new = __folio_alloc_node(GFP_HIGHUSER_MOVABLE, 0, mm->nid);
		if (!new)
			return VM_FAULT_OOM;
		vmf->cow_page = &new->page;
		ret = vma->vm_ops->fault(vmf);
		if (ret & VM_FAULT_DONE_COW)
			return install_new_anon(vmf, new, __pte(0));
		if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE)) {
			folio_put(new);
			return ret;
		}
		folio = page_folio(vmf->page);
		if (ret & VM_FAULT_LOCKED)
			folio_unlock(folio);
		memcpy(folio_address(new), folio_address(folio), PAGE_SIZE);
		folio_put(folio);
		return install_new_anon(vmf, new, __pte(0));
	}
	ret = vma->vm_ops->fault(vmf);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE))
		return ret;
	folio = page_folio(vmf->page);
	if (ret & VM_FAULT_LOCKED)
		folio_unlock(folio);

	entry = pte_mkyoung(pfn_pte(folio_pfn(folio), vma->vm_page_prot));
	if (write)
		entry = maybe_mkwrite(pte_mkdirty(entry), vma);
	spin_lock(&mm->page_table_lock);
	if (!pte_none(ptep_get(vmf->pte))) {
		spin_unlock(&mm->page_table_lock);
		folio_put(folio);
		return 0;
	}
	/* The reference ->fault took is the mapping's from here on. */
	folio_add_file_rmap_pte(folio, vmf->page, vma);
	inc_mm_counter(mm, mm_counter(folio));
	set_pte(vmf->pte, entry);
	spin_unlock(&mm->page_table_lock);
	return 0;
}

/*
 * A CPU access to a device-exclusive page revokes the device's claim: the
 * mirrors hear MMU_NOTIFY_EXCLUSIVE (owner NULL) and the PTE comes back,
 * under the folio lock that make_device_exclusive() also takes.
 */
static vm_fault_t remove_device_exclusive_entry(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	struct page *page = pfn_swap_entry_to_page(pte_to_swp_entry(vmf->orig_pte));
	struct folio *folio = page_folio(page);
	struct mmu_notifier_range range;

	spin_lock(&mm->page_table_lock);
	if (pte_val(ptep_get(vmf->pte)) != pte_val(vmf->orig_pte)) {
		spin_unlock(&mm->page_table_lock);
		return 0;	/* someone restored it already */
	}
	/* The entry holds a reference: the folio is alive while we look. */
	folio_get(folio);
	spin_unlock(&mm->page_table_lock);

	folio_lock(folio);
	mmu_notifier_range_init_owner(&range, MMU_NOTIFY_EXCLUSIVE, 0, mm, vmf->address,
				      vmf->address + PAGE_SIZE, NULL);
	mmu_notifier_invalidate_range_start(&range);
	spin_lock(&mm->page_table_lock);
	if (pte_val(ptep_get(vmf->pte)) == pte_val(vmf->orig_pte))
		restore_exclusive_pte(vma, folio, page, vmf->address, vmf->pte, vmf->orig_pte);
	spin_unlock(&mm->page_table_lock);
	mmu_notifier_invalidate_range_end(&range);
	folio_unlock(folio);
	folio_put(folio);
	return 0;
}

/*
 * A non-present entry: wait out a migration, send a device-private page
 * back to RAM through its driver, take a device-exclusive page back, or
 * fail on poison.
 */
static vm_fault_t do_swap_page(struct vm_fault *vmf)
{
	struct mm_struct *mm = vmf->vma->vm_mm;
	swp_entry_t entry = pte_to_swp_entry(vmf->orig_pte);
	struct page *page;
	vm_fault_t ret = 0;

	if (is_hwpoison_entry(entry))
		return VM_FAULT_HWPOISON;
	if (is_device_exclusive_entry(entry))
		return remove_device_exclusive_entry(vmf);
	if (!is_pfn_swap_entry(entry))
		return VM_FAULT_SIGBUS;

	page = pfn_swap_entry_to_page(entry);
	spin_lock(&mm->page_table_lock);
	if (pte_val(ptep_get(vmf->pte)) != pte_val(vmf->orig_pte)) {
		spin_unlock(&mm->page_table_lock);
		return 0;	/* changed under us: retry */
	}
	/*
	 * Migration holds the folio lock until the new PTE is in; a locked
	 * device-private page is being migrated too.  Either way wait
	 * without a reference, which would make that migration fail.
	 */
	if (is_migration_entry(entry) || !trylock_page(page)) {
		migration_entry_wait_on_locked(mm, vmf->pte, vmf->orig_pte);
		return 0;
	}
	/* The entry holds a reference, so the page is alive: take our own. */
	get_page(page);
	spin_unlock(&mm->page_table_lock);
	vmf->page = page;
	ret = page_pgmap(page)->ops->migrate_to_ram(vmf);
	unlock_page(page);
	put_page(page);
	return ret;
}

/**
 * handle_mm_fault() - resolve a fault at @address in @vma
 * @flags: FAULT_FLAG_WRITE and friends
 *
 * The caller holds mmap_lock (read) and has checked @vma's permissions.
 *
 * Return: 0 (the access can be retried) or VM_FAULT_* error bits.
 */
vm_fault_t handle_mm_fault(struct vm_area_struct *vma, unsigned long address, unsigned int flags)
{
	struct mm_struct *mm = vma->vm_mm;
	struct vm_fault vmf = {
		.vma = vma,
		.address = address & PAGE_MASK,
		.real_address = address,
		.pgoff = linear_page_index(vma, address),
		.flags = flags,
	};
	vm_fault_t ret;
	pte_t entry;

	count_node_event(mm->nid, PGFAULT);
	/* The PUD and PMD levels: huge faults and huge leaves, then the PTE slot. */
	ret = handle_huge_levels(&vmf);
	if (ret != VM_FAULT_FALLBACK)
		return ret;
	spin_lock(&mm->page_table_lock);
	entry = ptep_get(vmf.pte);
	vmf.orig_pte = entry;
	if (pte_none(entry)) {
		spin_unlock(&mm->page_table_lock);
		return vma_is_anonymous(vma) ? do_anonymous_page(&vmf) : do_fault(&vmf);
	}
	if (!pte_present(entry)) {
		spin_unlock(&mm->page_table_lock);
		return do_swap_page(&vmf);
	}
	if (pte_protnone(entry)) {
		/*
		 * A PROT_NONE mapping's page: only FOLL_FORCE gets here (the CPU
		 * path refuses by VMA first), and it follows the entry as it is.
		 */
		spin_unlock(&mm->page_table_lock);
		return 0;
	}
	if ((flags & (FAULT_FLAG_WRITE | FAULT_FLAG_UNSHARE)) && !pte_write(entry))
		return do_wp_page(&vmf);
	/* Only add bits, atomically: the CPU may be setting them too. */
	ptep_set_young_dirty(vmf.pte, flags & FAULT_FLAG_WRITE);
	spin_unlock(&mm->page_table_lock);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Device memory mapped by ->fault: vmf_insert_*()                     */
/* ------------------------------------------------------------------ */

/*
 * A write fault over a present PTE of the same pfn: young, dirty, and
 * writable if the VMA is.  Bits are only added, atomically with a CPU's.
 */
static void pte_upgrade_write(struct vm_area_struct *vma, pte_t *ptep)
{
	unsigned long bits = _PAGE_ACCESSED | _PAGE_DIRTY;

	if (vma->vm_flags & VM_WRITE)
		bits |= _PAGE_RW;
	set_bits_release(bits, &ptep->pte);
}

/*
 * insert_page(): map @page at @addr with a reference and a mapcount, as a
 * file page.  A present PTE of the same page is upgraded by a write fault;
 * a non-present one (migration, poison) is never mistaken for the page:
 * -EBUSY, and the fault is retried.  Another present pfn is -EFAULT.
 */
static int insert_page(struct vm_area_struct *vma, unsigned long addr, struct page *page,
		       bool write)
{
	struct mm_struct *mm = vma->vm_mm;
	struct folio *folio = page_folio(page);
	pte_t *ptep, old, entry;
	int err = 0;

	/* validate_page_before_insert(): only pages a file may map. */
	if (folio_test_anon(folio) || PageTable(page) || PageBuddy(page))
		return -EINVAL;
	if (unlikely(folio_ref_count(folio) <= 0)) {
		__vm_bug_page(page, "inserting a page at refcount 0", __func__, __LINE__);
		return -EINVAL;
	}
	ptep = pte_alloc(mm, addr);
	if (!ptep)
		return -ENOMEM;
	spin_lock(&mm->page_table_lock);
	old = ptep_get(ptep);
	if (!pte_none(old)) {
		if (!write || !pte_present(old))
			err = -EBUSY;
		else if (pte_pfn(old) != page_to_pfn(page))
			err = -EFAULT;
		else
			pte_upgrade_write(vma, ptep);
		spin_unlock(&mm->page_table_lock);
		return err;
	}
	folio_get(folio);
	inc_mm_counter(mm, mm_counter(folio));
	folio_add_file_rmap_pte(folio, page, vma);
	entry = pfn_pte(page_to_pfn(page), vma->vm_page_prot);
	if (write)
		entry = maybe_mkwrite(pte_mkdirty(pte_mkyoung(entry)), vma);
	set_pte(ptep, entry);
	spin_unlock(&mm->page_table_lock);
	return 0;
}

/**
 * vmf_insert_page_mkwrite() - map a device page from ->fault (zero scheme)
 * @vmf: the fault
 * @page: the page; the mapping takes its own reference and mapcount
 * @write: a write fault: the PTE is made young, dirty and writable (an
 *	existing read-only PTE of @page is upgraded)
 *
 * Return: VM_FAULT_NOPAGE (also when another fault mapped the address
 * first), VM_FAULT_OOM, or VM_FAULT_SIGBUS for an address outside the
 * VMA, a page that cannot be mapped this way, or another page in the way.
 */
vm_fault_t vmf_insert_page_mkwrite(struct vm_fault *vmf, struct page *page, bool write)
{
	struct vm_area_struct *vma = vmf->vma;
	int err;

	if (!page || vmf->address < vma->vm_start || vmf->address >= vma->vm_end)
		return VM_FAULT_SIGBUS;
	err = insert_page(vma, vmf->address & PAGE_MASK, page, write);
	if (err == -ENOMEM)
		return VM_FAULT_OOM;
	if (err < 0 && err != -EBUSY)
		return VM_FAULT_SIGBUS;
	return VM_FAULT_NOPAGE;
}

/*
 * insert_pfn(): a special PTE for @pfn, devmap if it has struct pages that
 * the mapping must not reference (elevated scheme), taking nothing.
 */
static vm_fault_t insert_pfn(struct vm_area_struct *vma, unsigned long addr, pfn_t pfn,
			     bool mkwrite)
{
	struct mm_struct *mm = vma->vm_mm;
	pte_t *ptep, old, entry;

	ptep = pte_alloc(mm, addr);
	if (!ptep)
		return VM_FAULT_OOM;
	spin_lock(&mm->page_table_lock);
	old = ptep_get(ptep);
	if (!pte_none(old)) {
		/* Upgrade only our own present entry; leave anything else alone. */
		if (mkwrite && pte_present(old) && pte_pfn(old) == pfn_t_to_pfn(pfn))
			pte_upgrade_write(vma, ptep);
		spin_unlock(&mm->page_table_lock);
		return VM_FAULT_NOPAGE;
	}
	entry = pfn_pte(pfn_t_to_pfn(pfn), vma->vm_page_prot);
	entry = pfn_t_devmap(pfn) ? pte_mkdevmap(entry) : pte_mkspecial(entry);
	if (mkwrite)
		entry = maybe_mkwrite(pte_mkdirty(pte_mkyoung(entry)), vma);
	set_pte(ptep, entry);
	spin_unlock(&mm->page_table_lock);
	return VM_FAULT_NOPAGE;
}

static vm_fault_t __vm_insert_mixed(struct vm_area_struct *vma, unsigned long addr, pfn_t pfn,
				    bool mkwrite)
{
	unsigned long raw = pfn_t_to_pfn(pfn);
	int err;

	addr &= PAGE_MASK;
	if (addr < vma->vm_start || addr >= vma->vm_end)
		return VM_FAULT_SIGBUS;
	/*
	 * A devmap pfn, a raw pfn map, or a pfn without a struct page gets a
	 * special entry; a mixed map of a real page maps it refcounted.
	 */
	if (pfn_t_devmap(pfn) || (vma->vm_flags & VM_PFNMAP) || !pfn_valid(raw))
		return insert_pfn(vma, addr, pfn, mkwrite);
	err = insert_page(vma, addr, pfn_to_page(raw), mkwrite);
	if (err == -ENOMEM)
		return VM_FAULT_OOM;
	if (err < 0 && err != -EBUSY)
		return VM_FAULT_SIGBUS;
	return VM_FAULT_NOPAGE;
}

/**
 * vmf_insert_mixed() - map @pfn at @addr from ->fault (elevated scheme)
 *
 * A devmap pfn_t (PFN_DEV|PFN_MAP) gets a devmap PTE: no reference, no
 * mapcount, and vm_normal_page() does not see it.
 *
 * Return: VM_FAULT_NOPAGE, VM_FAULT_OOM, or VM_FAULT_SIGBUS for an
 * address outside @vma.
 */
vm_fault_t vmf_insert_mixed(struct vm_area_struct *vma, unsigned long addr, pfn_t pfn)
{
	return __vm_insert_mixed(vma, addr, pfn, false);
}

/** vmf_insert_mixed_mkwrite() - vmf_insert_mixed() for a write fault */
vm_fault_t vmf_insert_mixed_mkwrite(struct vm_area_struct *vma, unsigned long addr, pfn_t pfn)
{
	return __vm_insert_mixed(vma, addr, pfn, true);
}

/* ------------------------------------------------------------------ */
/* Unmapping a file's pages from every mm: unmap_mapping_range()       */
/* ------------------------------------------------------------------ */

/*
 * [@s, @e) of @vma, without the anonymous (COW) copies when @even_cows is
 * false: only the PTEs that still map the file's own pages go.
 */
static void zap_file_pages(struct mmu_gather *tlb, struct vm_area_struct *vma, unsigned long s,
			   unsigned long e, bool even_cows)
{
	unsigned long a;

	if (even_cows || !is_cow_mapping(vma->vm_flags)) {
		zap_page_range(tlb, vma, s, e);
		return;
	}
	zap_huge_range(tlb, vma, s, e);		/* leaves are never anonymous */
	for (a = s; a < e; a += PAGE_SIZE) {
		pte_t *ptep = pte_offset_lockless(vma->vm_mm, a), pte;

		if (!ptep) {
			a = min(ALIGN(a + 1, PMD_SIZE), e) - PAGE_SIZE;
			continue;
		}
		pte = ptep_get(ptep);
		if (pte_none(pte) || (pte_present(pte) && !pte_special(pte) &&
				      PageAnon(pfn_to_page(pte_pfn(pte)))))
			continue;
		zap_page_range(tlb, vma, a, a + PAGE_SIZE);
	}
}

/**
 * unmap_mapping_pages() - unmap pages [@start, @start + @nr) of @mapping
 *	from every VMA that maps them, in every mm
 * @mapping: the file's address_space
 * @start: first page index
 * @nr: how many; 0 means to the end of the file
 * @even_cows: also drop the private COW copies of those pages
 *
 * What truncate, hole punching and device removal do before the pages
 * change hands.  Runs under the mapping's i_mmap lock (VMAs on i_mmap
 * keep their page tables meanwhile), each VMA's part inside an mmu
 * notifier range; the mappings' references go after a grace period.  The
 * caller makes sure no new mapping can appear (invalidate_lock, or a dead
 * device whose faults fail).
 */
void unmap_mapping_pages(struct address_space *mapping, pgoff_t start, pgoff_t nr,
			 bool even_cows)
{
	pgoff_t last = nr ? start + nr - 1 : ULONG_MAX;
	struct vm_area_struct *vma;

	if (!mapping || (nr && start + nr < start))
		return;
	mutex_lock(&mapping->i_mmap_lock);
	list_for_each_entry(vma, &mapping->i_mmap, shared) {
		pgoff_t vba = vma->vm_pgoff, vea = vba + vma_pages(vma) - 1;
		struct mmu_notifier_range range;
		struct mmu_gather tlb;
		unsigned long s, e;

		if (vea < start || vba > last)
			continue;
		s = vma->vm_start + ((max(start, vba) - vba) << PAGE_SHIFT);
		e = vma->vm_start + ((min(last, vea) - vba + 1) << PAGE_SHIFT);
		mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, 0, vma->vm_mm, s, e);
		mmu_notifier_invalidate_range_start(&range);
		tlb_gather_mmu(&tlb, vma->vm_mm);
		zap_file_pages(&tlb, vma, s, e, even_cows);
		tlb_finish_mmu(&tlb);
		mmu_notifier_invalidate_range_end(&range);
	}
	mutex_unlock(&mapping->i_mmap_lock);
}

/**
 * unmap_mapping_range() - unmap_mapping_pages() by bytes
 * @mapping: the file's address_space
 * @holebegin: first byte (rounded down to a page)
 * @holelen: bytes (rounded up); 0 means to the end of the file
 * @even_cows: also drop private COW copies
 */
void unmap_mapping_range(struct address_space *mapping, loff_t const holebegin,
			 loff_t const holelen, int even_cows)
{
	pgoff_t start, nr = 0;

	if (holebegin < 0 || holelen < 0)
		return;
	start = (pgoff_t)holebegin >> PAGE_SHIFT;
	if (holelen) {
		pgoff_t end = ((pgoff_t)holebegin + (pgoff_t)holelen + PAGE_SIZE - 1) >> PAGE_SHIFT;

		nr = end > start ? end - start : 0;
		if (!nr)
			return;
	}
	unmap_mapping_pages(mapping, start, nr, even_cows);
}
