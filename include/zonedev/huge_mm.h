/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Huge leaf mappings (include/linux/huge_mm.h): what a ->huge_fault handler
 * calls to map a 2 MiB (PMD) or 1 GiB (PUD) block with one entry.
 *
 * Two generations, as the two refcount schemes:
 *  - vmf_insert_pfn_pmd/pud() with a devmap pfn_t (v4.5-v6.14, the
 *    elevated scheme): the entry takes no reference and no mapcount; GUP
 *    looks the pgmap up to know the page is alive;
 *  - vmf_insert_folio_pmd/pud() (v6.15+, the zero scheme): the entry
 *    takes one folio reference and one "entire" mapcount, like a PMD of a
 *    file THP.
 * Both install only over an empty slot, or upgrade a present entry of the
 * same pfn on a write fault (young, dirty, writable if the VMA is).
 */
#ifndef _ZONEDEV_HUGE_MM_H
#define _ZONEDEV_HUGE_MM_H

#include <zonedev/mm_task.h>
#include <zonedev/pfn_t.h>

#define HPAGE_PMD_ORDER		PMD_ORDER
#define HPAGE_PMD_NR		(1UL << HPAGE_PMD_ORDER)
#define HPAGE_PMD_SIZE		PMD_SIZE
#define HPAGE_PMD_MASK		PMD_MASK
#define HPAGE_PUD_ORDER		PUD_ORDER
#define HPAGE_PUD_NR		(1UL << HPAGE_PUD_ORDER)
#define HPAGE_PUD_SIZE		PUD_SIZE
#define HPAGE_PUD_MASK		PUD_MASK

vm_fault_t vmf_insert_pfn_pmd(struct vm_fault *vmf, pfn_t pfn, bool write);
vm_fault_t vmf_insert_pfn_pud(struct vm_fault *vmf, pfn_t pfn, bool write);
vm_fault_t vmf_insert_folio_pmd(struct vm_fault *vmf, struct folio *folio, bool write);
vm_fault_t vmf_insert_folio_pud(struct vm_fault *vmf, struct folio *folio, bool write);

/*
 * The PTE-level counterparts (include/linux/mm.h): vmf_insert_mixed() maps
 * a devmap pfn with a special PTE (elevated), vmf_insert_page_mkwrite() a
 * page with a reference and a mapcount (zero), upgrading an existing PTE of
 * the same page to writable on a write fault.
 */
vm_fault_t vmf_insert_mixed(struct vm_area_struct *vma, unsigned long addr, pfn_t pfn);
vm_fault_t vmf_insert_mixed_mkwrite(struct vm_area_struct *vma, unsigned long addr, pfn_t pfn);
vm_fault_t vmf_insert_page_mkwrite(struct vm_fault *vmf, struct page *page, bool write);

#endif /* _ZONEDEV_HUGE_MM_H */
