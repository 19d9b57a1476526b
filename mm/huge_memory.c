// SPDX-License-Identifier: GPL-2.0-only
/*
 * Huge leaf mappings: a PMD (2 MiB) or PUD (1 GiB) entry with _PAGE_PSE
 * maps a naturally aligned block of device memory with one entry, for
 * VMAs whose ->huge_fault can provide one (device-dax, fsdax PMDs).
 *
 * A leaf is installed and cleared under page_table_lock; lockless walkers
 * (the CPU, gup_fast, hmm_range_fault, the audit) read it once with
 * acquire, as they read PTEs, and a cleared leaf's folio reference goes
 * only after a grace period, through the mmu_gather, like a PTE's.
 *
 * What an entry holds depends on the scheme of its driver: a devmap leaf
 * (vmf_insert_pfn_pmd/pud, the elevated scheme) holds nothing; a folio
 * leaf (vmf_insert_folio_pmd/pud, the zero scheme) holds one reference and
 * one entire mapcount of the folio.
 *
 * zonedev has no anonymous THP: every leaf belongs to a file mapping, so
 * "splitting" one, as the kernel does for DAX, means unmapping it; the
 * next access faults the range in again with whatever size still fits.
 * Fork does not copy file leaves (the child faults them in), as
 * copy_huge_pmd() skips them for non-anonymous VMAs.
 */
#include "internal_mm.h"

/**
 * vma_has_huge_fault() - may a fault in @vma try a PMD or PUD leaf first?
 *
 * The kernel asks hugepage_vma_check(), which for a DAX VMA answers yes in
 * the fault path unless THP is disabled for it; here every VMA whose
 * ->huge_fault exists is one.
 */
bool vma_has_huge_fault(const struct vm_area_struct *vma)
{
	return vma->vm_ops && vma->vm_ops->huge_fault && !(vma->vm_flags & VM_NOHUGEPAGE);
}

static inline pmd_t maybe_pmd_mkwrite(pmd_t pmd, struct vm_area_struct *vma)
{
	if (likely(vma->vm_flags & VM_WRITE))
		pmd = pmd_mkwrite(pmd);
	return pmd;
}

static inline pud_t maybe_pud_mkwrite(pud_t pud, struct vm_area_struct *vma)
{
	if (likely(vma->vm_flags & VM_WRITE))
		pud = pud_mkwrite(pud);
	return pud;
}

/* The young/dirty/writable bits a write fault adds to its own leaf. */
static inline unsigned long write_upgrade_bits(struct vm_area_struct *vma)
{
	return _PAGE_ACCESSED | _PAGE_DIRTY | ((vma->vm_flags & VM_WRITE) ? _PAGE_RW : 0);
}

/* ------------------------------------------------------------------ */
/* Inserting leaves                                                    */
/* ------------------------------------------------------------------ */

/*
 * insert_pmd(): an empty slot gets a leaf for @pfn (a @folio leaf takes a
 * reference and the entire mapcount; otherwise devmap or special); a write
 * fault over a present leaf of the same pfn upgrades it.  Anything else in
 * the slot means another fault won: nothing to do, the access is retried.
 */
static vm_fault_t insert_pmd(struct vm_fault *vmf, unsigned long pfn, struct folio *folio,
			     bool devmap, bool write)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	pmd_t old, entry;

	spin_lock(&mm->page_table_lock);
	old = pmdp_get(vmf->pmd);
	if (!pmd_none(old)) {
		if (write && pmd_leaf(old) && pmd_present(old) && pmd_pfn(old) == pfn)
			set_bits_release(write_upgrade_bits(vma), &vmf->pmd->pmd);
		spin_unlock(&mm->page_table_lock);
		return VM_FAULT_NOPAGE;
	}
	entry = pmd_mkhuge(pfn_pmd(pfn, vma->vm_page_prot));
	if (folio) {
		folio_get(folio);
		folio_add_file_rmap_pmd(folio, &folio->page, vma);
		add_mm_counter(mm, mm_counter(folio), HPAGE_PMD_NR);
	} else {
		entry = devmap ? pmd_mkdevmap(entry) : __pmd(pmd_val(entry) | _PAGE_SPECIAL);
	}
	if (write)
		entry = maybe_pmd_mkwrite(pmd_mkdirty(pmd_mkyoung(entry)), vma);
	set_pmd(vmf->pmd, entry);
	spin_unlock(&mm->page_table_lock);
	return VM_FAULT_NOPAGE;
}

static vm_fault_t insert_pud(struct vm_fault *vmf, unsigned long pfn, struct folio *folio,
			     bool devmap, bool write)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	pud_t old, entry;

	spin_lock(&mm->page_table_lock);
	old = pudp_get(vmf->pud);
	if (!pud_none(old)) {
		if (write && pud_leaf(old) && pud_present(old) && pud_pfn(old) == pfn)
			set_bits_release(write_upgrade_bits(vma), &vmf->pud->pud);
		spin_unlock(&mm->page_table_lock);
		return VM_FAULT_NOPAGE;
	}
	entry = pud_mkhuge(pfn_pud(pfn, vma->vm_page_prot));
	if (folio) {
		folio_get(folio);
		folio_add_file_rmap_pud(folio, &folio->page, vma);
		add_mm_counter(mm, mm_counter(folio), HPAGE_PUD_NR);
	} else {
		entry = devmap ? pud_mkdevmap(entry) : __pud(pud_val(entry) | _PAGE_SPECIAL);
	}
	if (write)
		entry = maybe_pud_mkwrite(pud_mkdirty(pud_mkyoung(entry)), vma);
	set_pud(vmf->pud, entry);
	spin_unlock(&mm->page_table_lock);
	return VM_FAULT_NOPAGE;
}

/* The huge span around the fault must lie in the VMA, and the slot exist. */
static bool huge_span_ok(struct vm_fault *vmf, unsigned long size, void *slot)
{
	unsigned long haddr = vmf->address & ~(size - 1);

	return slot && haddr >= vmf->vma->vm_start && haddr + size <= vmf->vma->vm_end;
}

/*
 * A pfn_t a huge devmap/pfn leaf may map: devmap, or any pfn in a raw pfn
 * map, and naturally aligned.
 */
static bool huge_pfn_ok(struct vm_area_struct *vma, pfn_t pfn, unsigned long nr)
{
	if (!pfn_t_devmap(pfn) && !(vma->vm_flags & VM_PFNMAP))
		return false;
	return IS_ALIGNED(pfn_t_to_pfn(pfn), nr);
}

/**
 * vmf_insert_pfn_pmd() - map a 2 MiB block from ->huge_fault, devmap style
 * @vmf: the fault (vmf->pmd is the slot)
 * @pfn: the first pfn, PMD aligned; PFN_DEV|PFN_MAP for ZONE_DEVICE pages
 *	(a devmap leaf: no reference, no mapcount), else the VMA must be a
 *	raw pfn map (VM_PFNMAP)
 * @write: a write fault: young, dirty and writable
 *
 * Return: VM_FAULT_NOPAGE, or VM_FAULT_SIGBUS for a span outside the VMA
 * or a pfn that may not be mapped this way.
 */
vm_fault_t vmf_insert_pfn_pmd(struct vm_fault *vmf, pfn_t pfn, bool write)
{
	if (!huge_span_ok(vmf, HPAGE_PMD_SIZE, vmf->pmd) ||
	    !huge_pfn_ok(vmf->vma, pfn, HPAGE_PMD_NR))
		return VM_FAULT_SIGBUS;
	return insert_pmd(vmf, pfn_t_to_pfn(pfn), NULL, pfn_t_devmap(pfn), write);
}

/** vmf_insert_pfn_pud() - vmf_insert_pfn_pmd() for a 1 GiB block (vmf->pud) */
vm_fault_t vmf_insert_pfn_pud(struct vm_fault *vmf, pfn_t pfn, bool write)
{
	if (!huge_span_ok(vmf, HPAGE_PUD_SIZE, vmf->pud) ||
	    !huge_pfn_ok(vmf->vma, pfn, HPAGE_PUD_NR))
		return VM_FAULT_SIGBUS;
	return insert_pud(vmf, pfn_t_to_pfn(pfn), NULL, pfn_t_devmap(pfn), write);
}

/**
 * vmf_insert_folio_pmd() - map a PMD-sized folio from ->huge_fault
 * @vmf: the fault (vmf->pmd is the slot)
 * @folio: an order-9 folio; the leaf takes a reference and the entire
 *	mapcount, and counts HPAGE_PMD_NR file pages in the mm's rss
 * @write: a write fault: young, dirty and writable (an existing read-only
 *	leaf of @folio is upgraded)
 *
 * Return: VM_FAULT_NOPAGE (also when another fault mapped it first), or
 * VM_FAULT_SIGBUS for a span outside the VMA or a folio of another order.
 */
vm_fault_t vmf_insert_folio_pmd(struct vm_fault *vmf, struct folio *folio, bool write)
{
	if (!folio || !huge_span_ok(vmf, HPAGE_PMD_SIZE, vmf->pmd))
		return VM_FAULT_SIGBUS;
	if (folio_order(folio) != HPAGE_PMD_ORDER) {
		__vm_bug_page(&folio->page, "vmf_insert_folio_pmd of a folio that is not PMD sized",
			      __func__, __LINE__);
		return VM_FAULT_SIGBUS;
	}
	return insert_pmd(vmf, folio_pfn(folio), folio, false, write);
}

/** vmf_insert_folio_pud() - vmf_insert_folio_pmd() for a PUD-sized folio */
vm_fault_t vmf_insert_folio_pud(struct vm_fault *vmf, struct folio *folio, bool write)
{
	if (!folio || !huge_span_ok(vmf, HPAGE_PUD_SIZE, vmf->pud))
		return VM_FAULT_SIGBUS;
	if (folio_order(folio) != HPAGE_PUD_ORDER) {
		__vm_bug_page(&folio->page, "vmf_insert_folio_pud of a folio that is not PUD sized",
			      __func__, __LINE__);
		return VM_FAULT_SIGBUS;
	}
	return insert_pud(vmf, folio_pfn(folio), folio, false, write);
}

/* ------------------------------------------------------------------ */
/* Zap ("split" for a file mapping)                                    */
/* ------------------------------------------------------------------ */

/* The folio a leaf holds a reference on, or NULL (devmap, raw pfn). */
static inline struct folio *leaf_folio(unsigned long entry)
{
	if (entry & (_PAGE_DEVMAP | _PAGE_SPECIAL))
		return NULL;
	return pfn_folio((entry & PTE_PFN_MASK) >> PAGE_SHIFT);
}

/* After a leaf is cleared: its rmap, rss and (after a grace period) reference. */
static void zap_leaf_folio(struct mmu_gather *tlb, struct vm_area_struct *vma,
			   unsigned long entry, unsigned int order)
{
	struct folio *folio = leaf_folio(entry);

	if (!folio)
		return;
	if (entry & _PAGE_DIRTY)
		set_bit(PG_dirty, &folio->flags);
	if (order == HPAGE_PUD_ORDER)
		folio_remove_rmap_pud(folio, &folio->page, vma);
	else
		folio_remove_rmap_pmd(folio, &folio->page, vma);
	add_mm_counter(vma->vm_mm, mm_counter(folio), -(1L << order));
	tlb_remove_page(tlb, &folio->page);
}

static void zap_huge_pud(struct mmu_gather *tlb, struct vm_area_struct *vma, pud_t *pudp)
{
	struct mm_struct *mm = vma->vm_mm;
	pud_t old;

	spin_lock(&mm->page_table_lock);
	if (!pud_leaf(pudp_get(pudp))) {
		spin_unlock(&mm->page_table_lock);
		return;
	}
	old = pudp_huge_get_and_clear(pudp);
	zap_leaf_folio(tlb, vma, pud_val(old), HPAGE_PUD_ORDER);
	spin_unlock(&mm->page_table_lock);
}

static void zap_huge_pmd(struct mmu_gather *tlb, struct vm_area_struct *vma, pmd_t *pmdp)
{
	struct mm_struct *mm = vma->vm_mm;
	pmd_t old;

	spin_lock(&mm->page_table_lock);
	if (!pmd_leaf(pmdp_get(pmdp))) {
		spin_unlock(&mm->page_table_lock);
		return;
	}
	old = pmdp_huge_get_and_clear(pmdp);
	zap_leaf_folio(tlb, vma, pmd_val(old), HPAGE_PMD_ORDER);
	spin_unlock(&mm->page_table_lock);
}

/*
 * Call @fn for every PUD or PMD leaf slot that maps part of [start, end),
 * with the leaf's start address; a leaf only partly inside is visited too.
 * Runs under mmap_lock (tables are freed only with it held for write).
 */
typedef void (*leaf_fn)(struct vm_area_struct *vma, unsigned long haddr, unsigned int order,
			void *slot, void *arg);

static void for_each_huge_leaf(struct vm_area_struct *vma, unsigned long start,
			       unsigned long end, leaf_fn fn, void *arg)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long addr, next, a;

	for (addr = start; addr < end; addr = next) {
		pud_t *pudp = pud_offset_lockless(mm, addr);
		pud_t pud;
		pmd_t *pmds;

		if (!pudp) {
			next = pgd_addr_end(addr, end);
			continue;
		}
		next = pud_addr_end(addr, end);
		pud = pudp_get(pudp);
		if (pud_none(pud))
			continue;
		if (pud_leaf(pud)) {
			fn(vma, addr & PUD_MASK, HPAGE_PUD_ORDER, pudp, arg);
			continue;
		}
		pmds = pud_table(pud);
		for (a = addr; a < next; a = pmd_addr_end(a, next)) {
			pmd_t *pmdp = &pmds[pmd_index(a)];

			if (pmd_leaf(pmdp_get(pmdp)))
				fn(vma, a & PMD_MASK, HPAGE_PMD_ORDER, pmdp, arg);
		}
	}
}

static void zap_leaf_fn(struct vm_area_struct *vma, unsigned long haddr, unsigned int order,
			void *slot, void *arg)
{
	(void)haddr;
	if (order == HPAGE_PUD_ORDER)
		zap_huge_pud(arg, vma, slot);
	else
		zap_huge_pmd(arg, vma, slot);
}

/**
 * zap_huge_range() - unmap every PMD or PUD leaf that maps part of
 * [@start, @end) of @vma: the whole leaf, as the kernel's split of a DAX
 * leaf does; zap_page_range() calls it before the PTE tables
 *
 * The caller holds mmap_lock and has started the mmu notifier range; a
 * leaf reaching outside [@start, @end) is unmapped whole, so the caller's
 * range must cover it or the caller must have split it first.
 */
void zap_huge_range(struct mmu_gather *tlb, struct vm_area_struct *vma, unsigned long start,
		    unsigned long end)
{
	for_each_huge_leaf(vma, start, end, zap_leaf_fn, tlb);
}

/*
 * split_huge_leaf_at(): the leaf covering @addr, if any, goes, with its own
 * notifier range and TLB flush: the next access maps @addr at a size that
 * fits.  The kernel's __split_huge_pmd()/__split_huge_pud() for file VMAs.
 */
static void split_huge_leaf_at(struct vm_area_struct *vma, unsigned long addr,
			       unsigned int order)
{
	unsigned long size = 1UL << (order + PAGE_SHIFT), haddr = addr & ~(size - 1);
	struct mmu_notifier_range range;
	struct mmu_gather tlb;

	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, vma->vm_mm, haddr, haddr + size);
	mmu_notifier_invalidate_range_start(&range);
	tlb_gather_mmu(&tlb, vma->vm_mm);
	zap_huge_range(&tlb, vma, addr, addr + PAGE_SIZE);
	tlb_finish_mmu(&tlb);
	mmu_notifier_invalidate_range_end(&range);
}

/**
 * huge_leaf_order() - the order of the PUD or PMD leaf that maps @addr in
 * @mm (HPAGE_PUD_ORDER, HPAGE_PMD_ORDER), or 0 if a PTE level (or nothing)
 * does; for holders of mmap_lock and readers inside rcu_read_lock()
 */
unsigned int huge_leaf_order(struct mm_struct *mm, unsigned long addr)
{
	pud_t *pudp = pud_offset_lockless(mm, addr);
	pmd_t *pmdp;

	if (!pudp)
		return 0;
	if (pud_leaf(pudp_get(pudp)))
		return HPAGE_PUD_ORDER;
	pmdp = pmd_offset_lockless(mm, addr);
	return pmdp && pmd_leaf(pmdp_get(pmdp)) ? HPAGE_PMD_ORDER : 0;
}

/**
 * vma_adjust_trans_huge() - @vma is about to be cut at @addr: a leaf that
 * would straddle the cut is unmapped first (mmap_lock held for write)
 */
void vma_adjust_trans_huge(struct vm_area_struct *vma, unsigned long addr)
{
	unsigned int order = huge_leaf_order(vma->vm_mm, addr);

	if (order && !IS_ALIGNED(addr, PAGE_SIZE << order))
		split_huge_leaf_at(vma, addr, order);
}

/* ------------------------------------------------------------------ */
/* Protection changes and moves                                        */
/* ------------------------------------------------------------------ */

struct change_huge_arg {
	unsigned long start, end;
	pgprot_t newprot;
	bool split;		/* a leaf reached outside the range */
};

static void change_leaf_fn(struct vm_area_struct *vma, unsigned long haddr, unsigned int order,
			   void *slot, void *arg)
{
	struct change_huge_arg *c = arg;
	unsigned long size = 1UL << (order + PAGE_SHIFT);
	struct mm_struct *mm = vma->vm_mm;

	if (haddr < c->start || haddr + size > c->end) {
		c->split = true;
		return;
	}
	/*
	 * Cleared while it changes, as change_huge_pmd() does with
	 * pmdp_invalidate(): a CPU's A/D update cannot be overwritten (it
	 * faults instead, and finds the new entry).
	 */
	spin_lock(&mm->page_table_lock);
	if (order == HPAGE_PUD_ORDER) {
		pud_t *pudp = slot, old = pudp_get(pudp);

		if (pud_leaf(old)) {
			old = pudp_huge_get_and_clear(pudp);
			set_pud(pudp, pud_modify(old, c->newprot));
		}
	} else {
		pmd_t *pmdp = slot, old = pmdp_get(pmdp);

		if (pmd_leaf(old)) {
			old = pmdp_huge_get_and_clear(pmdp);
			set_pmd(pmdp, pmd_modify(old, c->newprot));
		}
	}
	spin_unlock(&mm->page_table_lock);
}

static void split_leaf_fn(struct vm_area_struct *vma, unsigned long haddr, unsigned int order,
			  void *slot, void *arg)
{
	struct change_huge_arg *c = arg;
	unsigned long size = 1UL << (order + PAGE_SHIFT);

	(void)slot;
	if (haddr < c->start || haddr + size > c->end)
		split_huge_leaf_at(vma, haddr, order);
}

/**
 * change_huge_range() - mprotect's pass over the leaves of [@start, @end):
 * a leaf wholly inside takes @newprot (keeping its pfn, A/D and devmap
 * bits); one reaching outside is split, i.e. unmapped (device-dax refuses
 * the VMA split that would need it, so only other drivers' leaves can)
 */
void change_huge_range(struct vm_area_struct *vma, unsigned long start, unsigned long end,
		       pgprot_t newprot)
{
	struct change_huge_arg c = { .start = start, .end = end, .newprot = newprot };

	for_each_huge_leaf(vma, start, end, change_leaf_fn, &c);
	if (c.split)
		for_each_huge_leaf(vma, start, end, split_leaf_fn, &c);
}

struct move_huge_arg {
	struct vm_area_struct *new_vma;
	unsigned long old_addr, new_addr, len;
	int err;
};

/* The empty slot of @order at @addr in @mm, allocating tables above it. */
static unsigned long *huge_slot_alloc(struct mm_struct *mm, unsigned long addr,
				      unsigned int order)
{
	pud_t *puds = table_populate(mm, &mm->pgd[pgd_index(addr)].pgd);
	pmd_t *pmds;

	if (IS_ERR_OR_NULL(puds))
		return NULL;
	if (order == HPAGE_PUD_ORDER)
		return &puds[pud_index(addr)].pud;
	pmds = table_populate(mm, &puds[pud_index(addr)].pud);
	if (IS_ERR_OR_NULL(pmds))
		return NULL;
	return &pmds[pmd_index(addr)].pmd;
}

static void move_leaf_fn(struct vm_area_struct *vma, unsigned long haddr, unsigned int order,
			 void *slot, void *arg)
{
	struct move_huge_arg *m = arg;
	unsigned long size = 1UL << (order + PAGE_SHIFT), dst_addr, *dst;
	struct mm_struct *mm = vma->vm_mm;
	unsigned long *src = slot;

	if (m->err)
		return;
	dst_addr = m->new_addr + (haddr - m->old_addr);
	/* move_huge_pmd() needs the whole leaf inside and both ends aligned. */
	if (haddr < m->old_addr || haddr + size > m->old_addr + m->len ||
	    !IS_ALIGNED(dst_addr, size)) {
		split_huge_leaf_at(vma, haddr, order);
		return;
	}
	dst = huge_slot_alloc(mm, dst_addr, order);
	if (!dst) {
		m->err = -ENOMEM;
		return;
	}
	spin_lock(&mm->page_table_lock);
	if (!READ_ONCE(*dst) && (READ_ONCE(*src) & _PAGE_PSE))
		/* The folio keeps its reference and mapcount: only the slot changes. */
		smp_store_release(dst, xchg(src, 0UL));
	spin_unlock(&mm->page_table_lock);
}

/**
 * move_huge_range() - mremap's pass over the leaves of [@old_addr, +@len):
 * each one wholly inside whose new place is aligned moves as it is, with
 * its reference and mapcount; any other is unmapped (refaulted later)
 *
 * Return: 0 or -ENOMEM (the leaves already moved stay moved; the caller
 * moves them back with the same call in reverse).
 */
int move_huge_range(struct vm_area_struct *vma, unsigned long old_addr,
		    struct vm_area_struct *new_vma, unsigned long new_addr, unsigned long len)
{
	struct move_huge_arg m = {
		.new_vma = new_vma, .old_addr = old_addr, .new_addr = new_addr, .len = len,
	};

	for_each_huge_leaf(vma, old_addr, old_addr + len, move_leaf_fn, &m);
	return m.err;
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */
/* ------------------------------------------------------------------ */

/*
 * A fault on a present PUD or PMD leaf (@order): a write to a read-only
 * leaf of a shared mapping goes to the driver again (wp_huge_pmd/pud: it
 * upgrades its own entry); if the driver cannot, or the mapping is
 * private, the leaf is split and the PTE level takes over (FALLBACK).  Any
 * other access only makes it young (and dirty).
 */
static vm_fault_t huge_leaf_present(struct vm_fault *vmf, unsigned int order, unsigned long *slot,
				    unsigned long orig)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	vm_fault_t ret;

	/* PROT_NONE: only FOLL_FORCE gets here, and follows it as it is. */
	if (!(orig & _PAGE_PRESENT))
		return 0;
	if (write && !(orig & _PAGE_RW)) {
		if (order == HPAGE_PMD_ORDER)
			vmf->orig_pmd = __pmd(orig);
		if ((vma->vm_flags & VM_SHARED) && vma->vm_ops && vma->vm_ops->huge_fault) {
			ret = vma->vm_ops->huge_fault(vmf, order);
			if (!(ret & VM_FAULT_FALLBACK))
				return ret;
		}
		split_huge_leaf_at(vma, vmf->address, order);
		return VM_FAULT_FALLBACK;
	}
	/* Nothing to unshare in a file page; only add A/D bits, atomically. */
	spin_lock(&mm->page_table_lock);
	if (READ_ONCE(*slot) == orig)
		set_bits_release(_PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0), slot);
	spin_unlock(&mm->page_table_lock);
	return 0;
}

/**
 * handle_huge_levels() - the PUD and PMD levels of handle_mm_fault()
 * @vmf: the fault; on VM_FAULT_FALLBACK, vmf->pud, vmf->pmd and vmf->pte
 *	are set for the PTE level
 *
 * An empty PUD (then PMD) slot of a VMA with ->huge_fault is offered to
 * the driver at that size first; VM_FAULT_FALLBACK from it moves one level
 * down.  A present leaf is handled here.
 *
 * Return: VM_FAULT_FALLBACK to go on with vmf->pte, or the fault's result.
 */
vm_fault_t handle_huge_levels(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	unsigned long address = vmf->real_address;
	bool huge = vma_has_huge_fault(vma);
	pud_t *puds, pud;
	pmd_t *pmds, pmd;
	pte_t *ptes;
	vm_fault_t ret;

	puds = table_populate(mm, &mm->pgd[pgd_index(address)].pgd);
	if (IS_ERR_OR_NULL(puds))
		return VM_FAULT_OOM;
	vmf->pud = &puds[pud_index(address)];
retry_pud:
	pud = pudp_get(vmf->pud);
	if (pud_none(pud) && huge) {
		ret = vma->vm_ops->huge_fault(vmf, HPAGE_PUD_ORDER);
		if (!(ret & VM_FAULT_FALLBACK))
			return ret;
	} else if (pud_leaf(pud)) {
		ret = huge_leaf_present(vmf, HPAGE_PUD_ORDER, &vmf->pud->pud, pud_val(pud));
		if (ret != VM_FAULT_FALLBACK)
			return ret;
	}
	pmds = table_populate(mm, &vmf->pud->pud);
	if (!pmds)
		return VM_FAULT_OOM;
	if (IS_ERR(pmds))
		goto retry_pud;		/* a PUD leaf raced in */
	vmf->pmd = &pmds[pmd_index(address)];
retry_pmd:
	pmd = pmdp_get(vmf->pmd);
	if (pmd_none(pmd) && huge) {
		ret = vma->vm_ops->huge_fault(vmf, HPAGE_PMD_ORDER);
		if (!(ret & VM_FAULT_FALLBACK))
			return ret;
	} else if (pmd_leaf(pmd)) {
		ret = huge_leaf_present(vmf, HPAGE_PMD_ORDER, &vmf->pmd->pmd, pmd_val(pmd));
		if (ret != VM_FAULT_FALLBACK)
			return ret;
	}
	ptes = table_populate(mm, &vmf->pmd->pmd);
	if (!ptes)
		return VM_FAULT_OOM;
	if (IS_ERR(ptes))
		goto retry_pmd;		/* a PMD leaf raced in */
	vmf->pte = &ptes[pte_index(address)];
	return VM_FAULT_FALLBACK;
}
