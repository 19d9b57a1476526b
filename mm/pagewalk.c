// SPDX-License-Identifier: GPL-2.0-only
/*
 * Walking every address space of a system for the audit: each present PTE
 * maps a live page whose refcount covers its mappings, mapcounts equal the
 * PTEs that map each page, no CPU PTE maps device-private memory, and the
 * page tables an mm owns are the ones it accounts for.  PMD and PUD leaves
 * map live folios of exactly their size, counted in the entire mapcount;
 * devmap entries (elevated scheme) take neither reference nor mapcount;
 * a device-dax folio's index is the offset of the mapping's aligned start
 * (spec fsdax_devdax.md §8, 12 and 15-17).
 */
#include <stdlib.h>
#include "internal_mm.h"

struct pfn_list {
	unsigned long *pfns;
	size_t nr, cap;
};

static int pfn_list_add(struct pfn_list *l, unsigned long pfn)
{
	if (l->nr == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 1024;
		unsigned long *p = krealloc(l->pfns, cap * sizeof(*p), GFP_KERNEL);

		if (!p)
			return -ENOMEM;
		l->pfns = p;
		l->cap = cap;
	}
	l->pfns[l->nr++] = pfn;
	return 0;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return (x > y) - (x < y);
}

static int mm_bad(FILE *out, struct mm_struct *mm, unsigned long addr, const char *what,
		  const struct page *page)
{
	if (out) {
		fprintf(out, "zonedev: audit: mm %p address %#lx: %s\n", (void *)mm, addr, what);
		if (page)
			dump_page_to(out, page, what);
	}
	return 1;
}

/* Count the tables below an upper-level entry; @level 3 = PGD entries. */
static unsigned long count_tables(unsigned long *table, int level)
{
	unsigned long n = 1;
	int i;

	if (level == 0)
		return 1;
	for (i = 0; i < 512; i++) {
		unsigned long e = READ_ONCE(table[i]);

		if (e && !(e & _PAGE_PSE))
			n += count_tables(__va(e & PTE_PFN_MASK), level - 1);
	}
	return n;
}

/* The idle refcount of a device folio's head: what no mapping or pin holds. */
static int folio_idle_refs(const struct folio *folio)
{
	const struct dev_pagemap *pgmap;

	if (!folio_is_zone_device(folio))
		return 0;
	pgmap = folio->pgmap;
	if (pgmap->scheme == ZD_REFCOUNT_ELEVATED)
		return 1;
	return pgmap->type == MEMORY_DEVICE_GENERIC ? 1 : 0;
}

/*
 * Device-dax records where each folio is mapped (dax_set_mapping(): the
 * head's mapping and index, never cleared): the index must be the file
 * offset of the aligned start of the mapping, not of the faulting address
 * (spec §9.15, the 2024 pgoff rounding fix).
 */
static int audit_devdax_index(struct mm_struct *mm, struct vm_area_struct *vma,
			      struct folio *folio, unsigned long haddr, FILE *out)
{
	if (!folio_is_zone_device(folio) || folio->pgmap->type != MEMORY_DEVICE_GENERIC ||
	    !vma->vm_file || READ_ONCE(folio->mapping) != vma->vm_file->f_mapping)
		return 0;
	if (folio->index == linear_page_index(vma, haddr))
		return 0;
	return mm_bad(out, mm, haddr, "device-dax folio index is not the offset it is mapped at",
		      &folio->page);
}

/* An elevated-scheme fsdax PMD: order-0 pages, each idle at 1 or busier. */
static int audit_fsdax_devmap_leaf(struct mm_struct *mm, unsigned long haddr, unsigned long pfn,
				   unsigned int order, FILE *out)
{
	unsigned long i;

	for (i = 0; i < (1UL << order); i++) {
		struct page *page = pfn_to_page(pfn + i);

		if (!folio_is_fsdax(page_folio(page)) || page->pgmap->scheme != ZD_REFCOUNT_ELEVATED ||
		    PageTail(page) || page_ref_count(page) < 1)
			return mm_bad(out, mm, haddr,
				      "fsdax devmap PMD over a page that is not an idle-or-busier fsdax page",
				      page);
	}
	return 0;
}

/*
 * A PMD or PUD leaf (spec §8, 12 and 15-17): it maps a live folio of
 * exactly its size; a devmap leaf (elevated scheme) holds no reference,
 * so its page only has to be at least idle; any other is counted against
 * the folio's entire mapcount once every mm has been walked.
 */
static int audit_leaf(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr,
		      unsigned int order, struct pfn_list *leaves, FILE *out)
{
	unsigned long size = PAGE_SIZE << order, haddr = addr & ~(size - 1), entry = 0, pfn;
	struct folio *folio;
	int bad = 0;

	if (order == PUD_SHIFT - PAGE_SHIFT) {
		pud_t *pudp = pud_offset_lockless(mm, haddr);

		if (pudp)
			entry = pud_val(pudp_get(pudp));
	} else {
		pmd_t *pmdp = pmd_offset_lockless(mm, haddr);

		if (pmdp)
			entry = pmd_val(pmdp_get(pmdp));
	}
	/* Gone meanwhile, or a raw pfn map (no struct page to check). */
	if (!(entry & _PAGE_PSE) || ((entry & _PAGE_SPECIAL) && !(entry & _PAGE_DEVMAP)))
		return 0;
	pfn = (entry & PTE_PFN_MASK) >> PAGE_SHIFT;
	if (!IS_ALIGNED(pfn, 1UL << order) || !pfn_valid(pfn))
		return mm_bad(out, mm, haddr, "huge leaf maps an unaligned pfn or one without a struct page",
			      NULL);
	folio = pfn_folio(pfn);
	/*
	 * The elevated scheme's fsdax PMDs map order-0 pages (v5.x-v6.14 built
	 * no compound folio for them); every other leaf maps one folio.
	 */
	if ((entry & _PAGE_DEVMAP) && folio_is_fsdax(folio) && !folio_test_large(folio))
		return audit_fsdax_devmap_leaf(mm, haddr, pfn, order, out);
	if (&folio->page != pfn_to_page(pfn) || folio_order(folio) != order)
		return mm_bad(out, mm, haddr, "huge leaf maps a folio that is not exactly its size",
			      pfn_to_page(pfn));
	if (folio_is_device_private(folio))
		return mm_bad(out, mm, haddr, "I1: CPU leaf maps a device-private folio", &folio->page);
	if (entry & _PAGE_DEVMAP) {
		if (!folio_is_zone_device(folio) || folio->pgmap->scheme != ZD_REFCOUNT_ELEVATED)
			bad += mm_bad(out, mm, haddr, "devmap leaf outside the elevated scheme",
				      &folio->page);
		else if (folio_ref_count(folio) < 1)
			bad += mm_bad(out, mm, haddr, "devmap leaf maps a page below refcount 1",
				      &folio->page);
	} else {
		if (folio_ref_count(folio) <= 0)
			bad += mm_bad(out, mm, haddr, "huge leaf maps a free folio", &folio->page);
		if (pfn_list_add(leaves, pfn))
			return bad;
	}
	return bad + audit_devdax_index(mm, vma, folio, haddr, out);
}

/* A devmap PTE (elevated scheme): no reference, no mapcount, a live page. */
static int audit_devmap_pte(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr,
			    pte_t pte, FILE *out)
{
	struct page *page;
	struct folio *folio;

	if (!pfn_valid(pte_pfn(pte)))
		return mm_bad(out, mm, addr, "devmap PTE maps a pfn without a struct page", NULL);
	page = pfn_to_page(pte_pfn(pte));
	folio = page_folio(page);
	if (!folio_is_zone_device(folio) || folio->pgmap->scheme != ZD_REFCOUNT_ELEVATED)
		return mm_bad(out, mm, addr, "devmap PTE outside the elevated scheme", page);
	if (folio_ref_count(folio) < 1)
		return mm_bad(out, mm, addr, "devmap PTE maps a page below refcount 1", page);
	if (folio_mapped(folio))
		return mm_bad(out, mm, addr, "devmap-mapped page has a mapcount", page);
	return audit_devdax_index(mm, vma, folio, addr, out);
}

static int audit_mm(struct mm_struct *mm, struct pfn_list *mapped, struct pfn_list *leaves,
		    FILE *out)
{
	unsigned long tables;
	int i, bad = 0;

	for (i = 0; i < mm->map_count; i++) {
		struct vm_area_struct *vma = mm->vmas[i];
		unsigned long addr;

		for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
			unsigned int order = huge_leaf_order(mm, addr);
			struct page *page = NULL;
			pte_t *ptep;
			pte_t pte;

			if (order) {
				bad += audit_leaf(mm, vma, addr, order, leaves, out);
				addr = ALIGN(addr + 1, PAGE_SIZE << order) - PAGE_SIZE;
				continue;
			}
			ptep = pte_offset_lockless(mm, addr);
			if (!ptep) {
				addr = ALIGN(addr + 1, PMD_SIZE) - PAGE_SIZE;
				continue;
			}
			pte = ptep_get(ptep);
			if (pte_none(pte))
				continue;
			if (pte_present(pte)) {
				if (pte_devmap(pte)) {
					bad += audit_devmap_pte(mm, vma, addr, pte, out);
					continue;
				}
				if (pte_special(pte))
					continue;
				if (!pfn_valid(pte_pfn(pte))) {
					bad += mm_bad(out, mm, addr, "PTE maps a pfn without a struct page", NULL);
					continue;
				}
				page = pfn_to_page(pte_pfn(pte));
				if (is_device_private_page(page))
					bad += mm_bad(out, mm, addr, "I1: CPU PTE maps a device-private page", page);
				else if (!PageTail(page))
					bad += audit_devdax_index(mm, vma, page_folio(page), addr, out);
			} else {
				swp_entry_t entry = pte_to_swp_entry(pte);

				if (is_device_private_entry(entry) || is_device_exclusive_entry(entry))
					page = pfn_swap_entry_to_page(entry);
			}
			if (!page)
				continue;
			if (folio_ref_count(page_folio(page)) <= 0 || PageBuddy(page))
				bad += mm_bad(out, mm, addr, "PTE maps a free page", page);
			if (pfn_list_add(mapped, page_to_pfn(page)))
				return bad;
		}
	}
	tables = count_tables((unsigned long *)mm->pgd, 3);
	if (tables * PAGE_SIZE != (unsigned long)atomic_long_read(&mm->pgtables_bytes)) {
		if (out)
			fprintf(out, "zonedev: audit: mm %p: %lu page tables reachable, %ld bytes accounted\n",
				(void *)mm, tables, atomic_long_read(&mm->pgtables_bytes));
		bad++;
	}
	return bad;
}

/*
 * Each folio mapped by leaves: its entire mapcount is the number of leaves
 * mapping it, and its refcount covers them on top of its idle count.
 */
static int audit_leaf_counts(struct pfn_list *leaves, FILE *out)
{
	size_t i, run;
	int bad = 0;

	if (leaves->nr)
		qsort(leaves->pfns, leaves->nr, sizeof(*leaves->pfns), cmp_ulong);
	for (i = 0; i < leaves->nr; i += run) {
		struct folio *folio = pfn_folio(leaves->pfns[i]);

		for (run = 1; i + run < leaves->nr && leaves->pfns[i + run] == leaves->pfns[i]; run++)
			;
		if ((size_t)folio_entire_mapcount(folio) != run) {
			if (out)
				fprintf(out, "zonedev: audit: entire mapcount %d but %zu leaf/leaves map the folio\n",
					folio_entire_mapcount(folio), run);
			dump_page_to(out, &folio->page, "entire mapcount wrong");
			bad++;
		}
		if (folio_ref_count(folio) < folio_idle_refs(folio) + (int)run)
			bad += mm_bad(out, NULL, 0, "refcount below idle plus the leaves mapping the folio",
				      &folio->page);
	}
	return bad;
}

static bool pfn_list_has(struct pfn_list *l, unsigned long pfn)
{
	return l->nr && bsearch(&pfn, l->pfns, l->nr, sizeof(pfn), cmp_ulong);
}

/**
 * audit_mms() - check every address space of @sys against the pages it maps
 */
int audit_mms(struct zd_system *sys, FILE *out)
{
	struct zone *zone = &sys->pgdat->node_zones[ZONE_NORMAL];
	struct pfn_list mapped = { 0 }, leaves = { 0 };
	struct mm_struct *mm, **mms = NULL;
	size_t i, nr = 0, run;
	unsigned long pfn;
	int bad = 0;

	/* Pin the mms, then audit each under its own mmap_lock. */
	spin_lock(&sys->task_lock);
	list_for_each_entry(mm, &sys->mms, mmlist)
		nr++;
	mms = kcalloc(nr ? nr : 1, sizeof(*mms), GFP_KERNEL);
	nr = 0;
	if (mms) {
		list_for_each_entry(mm, &sys->mms, mmlist)
			if (atomic_inc_not_zero(&mm->mm_users))
				mms[nr++] = mm;
	}
	spin_unlock(&sys->task_lock);
	if (!mms)
		return 0;
	for (i = 0; i < nr; i++) {
		down_read(&mms[i]->mmap_lock);
		bad += audit_mm(mms[i], &mapped, &leaves, out);
		up_read(&mms[i]->mmap_lock);
	}

	bad += audit_leaf_counts(&leaves, out);
	kfree(leaves.pfns);
	if (mapped.nr)
		qsort(mapped.pfns, mapped.nr, sizeof(*mapped.pfns), cmp_ulong);
	for (i = 0; i < mapped.nr; i += run) {
		struct page *page = pfn_to_page(mapped.pfns[i]);

		for (run = 1; i + run < mapped.nr && mapped.pfns[i + run] == mapped.pfns[i]; run++)
			;
		if ((size_t)page_mapcount(page) != run) {
			if (out)
				fprintf(out, "zonedev: audit: mapcount %d but %zu PTE(s) map the page\n",
					page_mapcount(page), run);
			dump_page_to(out, page, "mapcount wrong");
			bad++;
		}
		if (folio_ref_count(page_folio(page)) < (int)run)
			bad += mm_bad(out, NULL, 0, "refcount below the number of mappings", page);
	}
	/* And the other way: a RAM page that says it is mapped must be. */
	for (pfn = zone->zone_start_pfn; pfn < zone->zone_start_pfn + zone->spanned_pages; pfn++) {
		struct page *page = pfn_to_page(pfn);

		if (page_has_type(page) || atomic_read(&page->_mapcount) < 0 ||
		    page_set_aside(page))
			continue;
		if (!pfn_list_has(&mapped, pfn))
			bad += mm_bad(out, NULL, 0, "page has a mapcount but no PTE maps it", page);
	}
	for (i = 0; i < nr; i++)
		mmput(mms[i]);
	kfree(mms);
	kfree(mapped.pfns);
	return bad;
}
