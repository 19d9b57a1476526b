// SPDX-License-Identifier: GPL-2.0-only
/*
 * Walking every address space of a system for the audit: each present PTE
 * maps a live page whose refcount covers its mappings, mapcounts equal the
 * PTEs that map each page, no CPU PTE maps device-private memory, and the
 * page tables an mm owns are the ones it accounts for.
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

static int audit_mm(struct mm_struct *mm, struct pfn_list *mapped, FILE *out)
{
	unsigned long tables;
	int i, bad = 0;

	for (i = 0; i < mm->map_count; i++) {
		struct vm_area_struct *vma = mm->vmas[i];
		unsigned long addr;

		for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
			pte_t *ptep = pte_offset_lockless(mm, addr);
			struct page *page = NULL;
			pte_t pte;

			if (!ptep) {
				addr = ALIGN(addr + 1, PMD_SIZE) - PAGE_SIZE;
				continue;
			}
			pte = ptep_get(ptep);
			if (pte_none(pte))
				continue;
			if (pte_present(pte)) {
				if (pte_special(pte))
					continue;
				if (!pfn_valid(pte_pfn(pte))) {
					bad += mm_bad(out, mm, addr, "PTE maps a pfn without a struct page", NULL);
					continue;
				}
				page = pfn_to_page(pte_pfn(pte));
				if (is_device_private_page(page))
					bad += mm_bad(out, mm, addr, "CPU PTE maps a device-private page", page);
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
	struct pfn_list mapped = { 0 };
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
		bad += audit_mm(mms[i], &mapped, out);
		up_read(&mms[i]->mmap_lock);
	}

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
