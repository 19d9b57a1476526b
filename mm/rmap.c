// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reverse mapping: from a folio to every (mm, address) that maps it.
 *
 * An anonymous folio's ->mapping is its anon_vma (with PAGE_MAPPING_ANON);
 * every VMA that may map it is on that anon_vma through an anon_vma_chain.
 * A VMA is chained to its own anon_vma and, after fork, to all of its
 * parent's, so a child's COW-shared pages stay reachable and the pages it
 * faults in later belong to its own anon_vma.  The address of a page in a
 * VMA follows from ->index: vm_start + ((index - vm_pgoff) << PAGE_SHIFT).
 * A file folio's ->mapping is its address_space, whose i_mmap lists the VMAs.
 *
 * Mapcounts are exact: _mapcount counts the PTEs (and device-private
 * entries) mapping each page, -1 meaning none; a large folio also counts
 * its PMD/PUD leaves in _entire_mapcount and every mapping of it in
 * _large_mapcount.  Devmap entries (the elevated scheme's fsdax and
 * device-dax) are not in the reverse map at all.
 */
#include <zonedev/rmap.h>
#include "internal_mm.h"

static struct anon_vma *anon_vma_alloc(void)
{
	struct anon_vma *anon_vma = kzalloc(sizeof(*anon_vma), GFP_KERNEL);

	if (!anon_vma)
		return NULL;
	anon_vma->root = anon_vma;
	init_rwsem(&anon_vma->rwsem);
	atomic_set(&anon_vma->refcount, 0);
	INIT_LIST_HEAD(&anon_vma->head);
	return anon_vma;
}

static void anon_vma_free_rcu(struct rcu_head *rcu)
{
	struct anon_vma *anon_vma = container_of(rcu, struct anon_vma, rcu);
	struct anon_vma *root = anon_vma->root;

	destroy_rwsem(&anon_vma->rwsem);
	kfree(anon_vma);
	/* A child's anon_vma kept its root (and the root's lock) alive. */
	if (root != anon_vma)
		put_anon_vma(root);
}

/* Readers find anon_vmas under RCU (rmap_walk), so they go after a grace period. */
void put_anon_vma(struct anon_vma *anon_vma)
{
	if (atomic_dec_and_test(&anon_vma->refcount))
		call_rcu(&anon_vma->rcu, anon_vma_free_rcu);
}

static void __anon_vma_chain_link(struct vm_area_struct *vma, struct anon_vma *anon_vma,
				  struct anon_vma_chain *avc)
{
	avc->vma = vma;
	avc->anon_vma = anon_vma;
	atomic_inc(&anon_vma->refcount);
	list_add(&avc->same_vma, &vma->anon_vma_chain);
	down_write(&anon_vma->root->rwsem);
	list_add_tail(&avc->same_anon_vma, &anon_vma->head);
	up_write(&anon_vma->root->rwsem);
}

static int anon_vma_chain_link(struct vm_area_struct *vma, struct anon_vma *anon_vma)
{
	struct anon_vma_chain *avc = kzalloc(sizeof(*avc), GFP_KERNEL);

	if (!avc)
		return -ENOMEM;
	__anon_vma_chain_link(vma, anon_vma, avc);
	return 0;
}

/**
 * anon_vma_prepare() - give @vma an anon_vma before its first anonymous page
 *
 * Faults run under mmap_lock held for read, so two may race here: the check
 * and the link happen together under page_table_lock, and the loser frees
 * what it allocated.  The new anon_vma's own lock nests inside safely: no
 * one else can see it yet.
 */
int anon_vma_prepare(struct vm_area_struct *vma)
{
	struct anon_vma_chain *avc;
	struct anon_vma *anon_vma;

	if (likely(smp_load_acquire(&vma->anon_vma)))
		return 0;
	anon_vma = anon_vma_alloc();
	avc = kzalloc(sizeof(*avc), GFP_KERNEL);
	if (!anon_vma || !avc) {
		kfree(anon_vma);
		kfree(avc);
		return -ENOMEM;
	}
	spin_lock(&vma->vm_mm->page_table_lock);
	if (!vma->anon_vma) {
		__anon_vma_chain_link(vma, anon_vma, avc);
		smp_store_release(&vma->anon_vma, anon_vma);
		anon_vma = NULL;
		avc = NULL;
	}
	spin_unlock(&vma->vm_mm->page_table_lock);
	kfree(anon_vma);
	kfree(avc);
	return 0;
}

/** anon_vma_clone() - chain @dst to every anon_vma @src is chained to */
int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	struct anon_vma_chain *avc;

	list_for_each_entry(avc, &src->anon_vma_chain, same_vma) {
		if (anon_vma_chain_link(dst, avc->anon_vma)) {
			unlink_anon_vmas(dst);
			return -ENOMEM;
		}
	}
	dst->anon_vma = src->anon_vma;
	return 0;
}

/**
 * anon_vma_fork() - a child's VMA: chained to its parent's anon_vmas, plus
 * an anon_vma of its own for the pages it will fault in
 */
int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma)
{
	struct anon_vma *anon_vma;

	INIT_LIST_HEAD(&vma->anon_vma_chain);
	vma->anon_vma = NULL;
	if (!pvma->anon_vma)
		return 0;
	if (anon_vma_clone(vma, pvma))
		return -ENOMEM;
	anon_vma = anon_vma_alloc();
	if (anon_vma) {
		anon_vma->root = pvma->anon_vma->root;
		/* The root's lock is ours too: keep it alive (get_anon_vma(root)). */
		atomic_inc(&anon_vma->root->refcount);
	}
	if (!anon_vma || anon_vma_chain_link(vma, anon_vma)) {
		if (anon_vma) {
			atomic_dec(&anon_vma->root->refcount);
			kfree(anon_vma);
		}
		unlink_anon_vmas(vma);
		return -ENOMEM;
	}
	vma->anon_vma = anon_vma;
	return 0;
}

/** unlink_anon_vmas() - a VMA goes: drop its chains */
void unlink_anon_vmas(struct vm_area_struct *vma)
{
	struct anon_vma_chain *avc, *next;

	list_for_each_entry_safe(avc, next, &vma->anon_vma_chain, same_vma) {
		struct anon_vma *anon_vma = avc->anon_vma;

		down_write(&anon_vma->root->rwsem);
		list_del(&avc->same_anon_vma);
		up_write(&anon_vma->root->rwsem);
		list_del(&avc->same_vma);
		kfree(avc);
		put_anon_vma(anon_vma);
	}
	INIT_LIST_HEAD(&vma->anon_vma_chain);
	vma->anon_vma = NULL;
}

/** folio_add_new_anon_rmap() - a fresh anonymous folio's first mapping */
void folio_add_new_anon_rmap(struct folio *folio, struct vm_area_struct *vma,
			     unsigned long address)
{
	VM_BUG_ON_FOLIO(atomic_read(&folio->_mapcount) != -1, folio);
	WRITE_ONCE(folio->mapping,
		   (struct address_space *)((unsigned long)vma->anon_vma | PAGE_MAPPING_ANON));
	folio->index = linear_page_index(vma, address);
	atomic_set(&folio->_mapcount, 0);
	/* Exclusive to this mm until fork shares it. */
	set_bit(PG_anon_exclusive, &folio->flags);
}

/** folio_add_anon_rmap_pte() - one more PTE maps @page (fork) */
void folio_add_anon_rmap_pte(struct folio *folio, struct page *page,
			     struct vm_area_struct *vma, unsigned long address)
{
	(void)vma;
	(void)address;
	VM_BUG_ON_FOLIO(!folio_test_anon(folio), folio);
	atomic_inc(&page->_mapcount);
}

/** folio_add_file_rmap_pte() - one more PTE maps a file page */
void folio_add_file_rmap_pte(struct folio *folio, struct page *page,
			     struct vm_area_struct *vma)
{
	(void)vma;
	atomic_inc(&page->_mapcount);
	if (folio_test_large(folio))
		atomic_inc(&folio->_large_mapcount);
}

/*
 * A PMD or PUD leaf maps the whole folio: one "entire" mapping, counted in
 * page[1] with the folio's total; no subpage's own _mapcount changes (most
 * of a device-dax folio's tails are deduplicated and must not be written).
 */
static void folio_add_entire_rmap(struct folio *folio, unsigned int order)
{
	VM_BUG_ON_FOLIO(folio_order(folio) != order, folio);
	atomic_inc(&folio->_entire_mapcount);
	atomic_inc(&folio->_large_mapcount);
}

static void folio_remove_entire_rmap(struct folio *folio, unsigned int order)
{
	VM_BUG_ON_FOLIO(folio_order(folio) != order, folio);
	atomic_dec(&folio->_large_mapcount);
	atomic_dec(&folio->_entire_mapcount);
	VM_BUG_ON_FOLIO(atomic_read(&folio->_entire_mapcount) < -1, folio);
}

/** folio_add_file_rmap_pmd() - a PMD leaf maps all of a PMD-sized file folio */
void folio_add_file_rmap_pmd(struct folio *folio, struct page *page,
			     struct vm_area_struct *vma)
{
	(void)page;
	(void)vma;
	folio_add_entire_rmap(folio, PMD_ORDER);
}

/** folio_add_file_rmap_pud() - a PUD leaf maps all of a PUD-sized file folio */
void folio_add_file_rmap_pud(struct folio *folio, struct page *page,
			     struct vm_area_struct *vma)
{
	(void)page;
	(void)vma;
	folio_add_entire_rmap(folio, PUD_ORDER);
}

/** folio_remove_rmap_pmd() - a PMD leaf of @folio went */
void folio_remove_rmap_pmd(struct folio *folio, struct page *page,
			   struct vm_area_struct *vma)
{
	(void)page;
	(void)vma;
	folio_remove_entire_rmap(folio, PMD_ORDER);
}

/** folio_remove_rmap_pud() - a PUD leaf of @folio went */
void folio_remove_rmap_pud(struct folio *folio, struct page *page,
			   struct vm_area_struct *vma)
{
	(void)page;
	(void)vma;
	folio_remove_entire_rmap(folio, PUD_ORDER);
}

/**
 * folio_remove_rmap_pte() - one PTE fewer maps @page
 *
 * PG_anon_exclusive survives the last unmap, as in the kernel: a page
 * unmapped for migration carries its exclusivity in the entry's type, and
 * the flag goes when the page is freed.
 */
void folio_remove_rmap_pte(struct folio *folio, struct page *page,
			   struct vm_area_struct *vma)
{
	(void)vma;
	atomic_dec(&page->_mapcount);
	VM_BUG_ON_PAGE(atomic_read(&page->_mapcount) < -1, page);
	if (folio_test_large(folio))
		atomic_dec(&folio->_large_mapcount);
}

/*
 * Does the entry at @addr in @vma map @page (or its device-private entry)?
 * A PMD or PUD leaf maps it if it covers @page's pfn.
 */
static bool page_vma_mapped(struct page *page, struct vm_area_struct *vma, unsigned long addr)
{
	unsigned long pfn = page_to_pfn(page);
	pud_t *pudp = pud_offset_lockless(vma->vm_mm, addr);
	pmd_t *pmdp;
	pte_t *ptep;
	pte_t pte;

	if (!pudp)
		return false;
	if (pud_leaf(pudp_get(pudp))) {
		pud_t pud = pudp_get(pudp);

		return !pud_devmap(pud) && pfn - pud_pfn(pud) < HPAGE_PUD_NR;
	}
	pmdp = pmd_offset_lockless(vma->vm_mm, addr);
	if (pmdp && pmd_leaf(pmdp_get(pmdp))) {
		pmd_t pmd = pmdp_get(pmdp);

		return !pmd_devmap(pmd) && pfn - pmd_pfn(pmd) < HPAGE_PMD_NR;
	}
	ptep = pte_offset_lockless(vma->vm_mm, addr);
	if (!ptep)
		return false;
	pte = ptep_get(ptep);
	if (pte_present(pte))
		return !pte_special(pte) && pte_pfn(pte) == page_to_pfn(page);
	if (is_swap_pte(pte)) {
		swp_entry_t entry = pte_to_swp_entry(pte);

		return is_pfn_swap_entry(entry) && swp_offset_pfn(entry) == page_to_pfn(page);
	}
	return false;
}

static void rmap_walk_vma(struct folio *folio, struct vm_area_struct *vma,
			  struct rmap_walk_control *rwc, bool *stop)
{
	unsigned long addr;
	pgoff_t first = vma->vm_pgoff, last = vma->vm_pgoff + vma_pages(vma);

	if (*stop || folio->index < first || folio->index >= last)
		return;
	addr = vma->vm_start + ((folio->index - vma->vm_pgoff) << PAGE_SHIFT);
	spin_lock(&vma->vm_mm->page_table_lock);
	if (page_vma_mapped(&folio->page, vma, addr)) {
		spin_unlock(&vma->vm_mm->page_table_lock);
		*stop = !rwc->rmap_one(folio, vma, addr, rwc->arg);
		return;
	}
	spin_unlock(&vma->vm_mm->page_table_lock);
}

/*
 * The walk proper.  @check_mapped: give up on a folio nobody maps, whose
 * anon_vma may already be gone; a locked walk looks for migration entries,
 * which hold no mapcount, and relies on its caller's anon_vma reference.
 */
static void __rmap_walk(struct folio *folio, struct rmap_walk_control *rwc, bool check_mapped)
{
	unsigned long mapping;
	bool stop = false;

	/*
	 * folio_get_anon_vma(): the mapping, the mapped check and the
	 * reference all inside one read-side section, or the anon_vma may be
	 * freed between them; then mapped once more.
	 */
	rcu_read_lock();
	mapping = (unsigned long)READ_ONCE(folio->mapping);
	if (!mapping || (check_mapped && !folio_mapped(folio))) {
		rcu_read_unlock();
		return;
	}
	if (mapping & PAGE_MAPPING_ANON) {
		struct anon_vma *anon_vma = (struct anon_vma *)(mapping & ~PAGE_MAPPING_ANON);
		struct anon_vma_chain *avc;

		if (!atomic_inc_not_zero(&anon_vma->refcount)) {
			rcu_read_unlock();
			return;
		}
		rcu_read_unlock();
		if (check_mapped && !folio_mapped(folio)) {
			put_anon_vma(anon_vma);
			return;
		}
		down_read(&anon_vma->root->rwsem);
		list_for_each_entry(avc, &anon_vma->head, same_anon_vma)
			rmap_walk_vma(folio, avc->vma, rwc, &stop);
		up_read(&anon_vma->root->rwsem);
		put_anon_vma(anon_vma);
	} else {
		struct address_space *as = (struct address_space *)mapping;
		struct vm_area_struct *vma;

		/* The caller's folio reference keeps the page cache, and so @as, alive. */
		rcu_read_unlock();
		mutex_lock(&as->i_mmap_lock);
		list_for_each_entry(vma, &as->i_mmap, shared)
			rmap_walk_vma(folio, vma, rwc, &stop);
		mutex_unlock(&as->i_mmap_lock);
	}
}

/**
 * rmap_walk() - call @rwc->rmap_one for every (VMA, address) that maps
 * @folio (an order-0 folio, anonymous or file), until it returns false
 *
 * The caller holds a reference to the folio; a folio nobody maps is walked
 * over nothing (its anon_vma may already be gone).
 */
void rmap_walk(struct folio *folio, struct rmap_walk_control *rwc)
{
	__rmap_walk(folio, rwc, true);
}

/**
 * rmap_walk_locked() - rmap_walk() for a folio that may be mapped only by
 *	migration entries
 *
 * Migration entries hold no mapcount, so the walk cannot use the mapcount
 * to tell whether the anon_vma still exists.  The caller holds the folio
 * lock, a folio reference and, for an anonymous folio, a reference on its
 * anon_vma taken with folio_get_anon_vma() while the folio was mapped.
 */
void rmap_walk_locked(struct folio *folio, struct rmap_walk_control *rwc)
{
	VM_BUG_ON_FOLIO(!test_bit(PG_locked, &folio->flags), folio);
	__rmap_walk(folio, rwc, false);
}

/**
 * folio_get_anon_vma() - a reference on a mapped anonymous folio's anon_vma
 *
 * Return: the anon_vma, to be released with put_anon_vma(); NULL if @folio
 * is not anonymous or not mapped, when its anon_vma may already be freed.
 */
struct anon_vma *folio_get_anon_vma(struct folio *folio)
{
	struct anon_vma *anon_vma;
	unsigned long mapping;

	rcu_read_lock();
	mapping = (unsigned long)READ_ONCE(folio->mapping);
	if (!(mapping & PAGE_MAPPING_ANON) || atomic_read(&folio->_mapcount) < 0) {
		rcu_read_unlock();
		return NULL;
	}
	anon_vma = (struct anon_vma *)(mapping & ~PAGE_MAPPING_ANON);
	if (!atomic_inc_not_zero(&anon_vma->refcount))
		anon_vma = NULL;
	rcu_read_unlock();
	/* Unmapped meanwhile: the reference may have come too late to count. */
	if (anon_vma && atomic_read(&folio->_mapcount) < 0) {
		put_anon_vma(anon_vma);
		anon_vma = NULL;
	}
	return anon_vma;
}

/**
 * make_device_exclusive() - keep the CPU off one page while a device uses it
 * @mm: the address space; the caller holds its mmap_lock for read
 * @addr: the user address (rounded down to a page)
 * @owner: passed as the MMU_NOTIFY_EXCLUSIVE range's owner, so the calling
 *	driver can recognise (and skip) its own invalidation
 * @foliop: receives the folio
 *
 * For devices whose atomics cannot go over the bus: the page is faulted in
 * writable (which breaks COW and gives back an exclusive anonymous page),
 * then its PTE is replaced by a device-exclusive entry that keeps the
 * mapping's reference and mapcount.  Any CPU access, GUP or fork restores
 * the PTE and tells the mirrors (MMU_NOTIFY_EXCLUSIVE, owner NULL).
 *
 * Return: the page, its folio locked and referenced (the caller maps it in
 * the device, then unlocks and puts it), or an ERR_PTR: the GUP error,
 * -EOPNOTSUPP for a page that is not anonymous, -EBUSY if the folio lock
 * is taken or the PTE changed meanwhile.
 */
struct page *make_device_exclusive(struct mm_struct *mm, unsigned long addr, void *owner,
				   struct folio **foliop)
{
	struct mmu_notifier_range range;
	struct vm_area_struct *vma;
	struct folio *folio;
	struct page *page;
	int locked = 1;
	pte_t *ptep, pte;
	long ret;

	if (!mm || !foliop)
		return ERR_PTR(-EINVAL);
	addr &= PAGE_MASK;
	VM_BUG_ON(!rwsem_is_locked(&mm->mmap_lock));
	ret = get_user_pages_remote(mm, addr, 1, FOLL_WRITE, &page, &locked);
	if (ret != 1)
		return ERR_PTR(ret < 0 ? ret : -EFAULT);
	folio = page_folio(page);
	if (!folio_test_anon(folio)) {
		folio_put(folio);
		return ERR_PTR(-EOPNOTSUPP);
	}
	if (!folio_trylock(folio)) {
		folio_put(folio);
		return ERR_PTR(-EBUSY);
	}

	mmu_notifier_range_init_owner(&range, MMU_NOTIFY_EXCLUSIVE, 0, mm, addr, addr + PAGE_SIZE,
				      owner);
	mmu_notifier_invalidate_range_start(&range);
	vma = find_vma(mm, addr);
	ptep = pte_offset_lockless(mm, addr);
	if (!vma || vma->vm_start > addr || !ptep)
		goto busy;
	spin_lock(&mm->page_table_lock);
	pte = ptep_get(ptep);
	/* GUP's page, writable, still mapped here: else someone got in first. */
	if (!pte_present(pte) || pte_pfn(pte) != page_to_pfn(page) || !pte_write(pte)) {
		spin_unlock(&mm->page_table_lock);
		goto busy;
	}
	pte = ptep_get_and_clear(ptep);
	if (pte_dirty(pte))
		set_bit(PG_dirty, &folio->flags);
	set_pte(ptep, swp_entry_to_pte(make_writable_device_exclusive_entry(page_to_pfn(page))));
	spin_unlock(&mm->page_table_lock);
	/* The TLB flush: no CPU still writes through the old translation. */
	synchronize_rcu();
	mmu_notifier_invalidate_range_end(&range);
	*foliop = folio;
	return page;
busy:
	mmu_notifier_invalidate_range_end(&range);
	folio_unlock(folio);
	folio_put(folio);
	return ERR_PTR(-EBUSY);
}
