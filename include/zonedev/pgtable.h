/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The software MMU's page tables: x86-64's 4-level layout (PGD -> PUD ->
 * PMD -> PTE, P4D folded), 512 eight-byte entries a table, one RAM page a
 * table.  Entries hold physical addresses, so a walk follows them through
 * the direct map exactly as the hardware does.
 *
 * Present entries use the x86 bit positions.  Non-present, non-empty
 * entries are swap entries: a 5-bit type in bits 1-5 and an offset (a pfn
 * for every type zonedev uses) from bit 12.  The types are the kernel's
 * (v6.1 numbering): hwpoison, migration, device-private, device-exclusive.
 */
#ifndef _ZONEDEV_PGTABLE_H
#define _ZONEDEV_PGTABLE_H

#include <zonedev/mmzone.h>

typedef struct { unsigned long pte; } pte_t;
typedef struct { unsigned long pmd; } pmd_t;
typedef struct { unsigned long pud; } pud_t;
typedef struct { unsigned long pgd; } pgd_t;
typedef struct { unsigned long pgprot; } pgprot_t;

#define PGDIR_SHIFT		39
#define PGDIR_SIZE		(1UL << PGDIR_SHIFT)
#define PTRS_PER_PGD		512
#define PTRS_PER_PUD		512
#define PTRS_PER_PMD		512
#define PTRS_PER_PTE		512
#define PMD_MASK		(~(PMD_SIZE - 1))
#define PUD_MASK		(~(PUD_SIZE - 1))
#define PGDIR_MASK		(~(PGDIR_SIZE - 1))
#define TASK_SIZE_MAX		((1UL << 47) - PAGE_SIZE)
#define TASK_SIZE		TASK_SIZE_MAX
/* Page tables may cover up to here: the user half, rounded to a PGD entry. */
#define USER_PGTABLES_CEILING	(1UL << 47)

#define _PAGE_BIT_PRESENT	0
#define _PAGE_BIT_RW		1
#define _PAGE_BIT_USER		2
#define _PAGE_BIT_ACCESSED	5
#define _PAGE_BIT_DIRTY		6
#define _PAGE_BIT_PSE		7
#define _PAGE_BIT_PROTNONE	8	/* _PAGE_BIT_GLOBAL when present */
#define _PAGE_BIT_SPECIAL	9	/* _PAGE_BIT_SOFTW1 */
#define _PAGE_BIT_DEVMAP	57	/* _PAGE_BIT_SOFTW4 */
#define _PAGE_BIT_NX		63

#define _PAGE_PRESENT		(1UL << _PAGE_BIT_PRESENT)
#define _PAGE_RW		(1UL << _PAGE_BIT_RW)
#define _PAGE_USER		(1UL << _PAGE_BIT_USER)
#define _PAGE_ACCESSED		(1UL << _PAGE_BIT_ACCESSED)
#define _PAGE_DIRTY		(1UL << _PAGE_BIT_DIRTY)
#define _PAGE_PSE		(1UL << _PAGE_BIT_PSE)
#define _PAGE_PROTNONE		(1UL << _PAGE_BIT_PROTNONE)
#define _PAGE_SPECIAL		(1UL << _PAGE_BIT_SPECIAL)
#define _PAGE_DEVMAP		(1UL << _PAGE_BIT_DEVMAP)
#define _PAGE_NX		(1UL << _PAGE_BIT_NX)
#define PTE_PFN_MASK		(((1UL << 52) - 1) & PAGE_MASK)

/* Page-table entries that point at a table. */
#define _PAGE_TABLE		(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

#define __pgprot(x)		((pgprot_t){ (x) })
#define pgprot_val(p)		((p).pgprot)
#define PAGE_NONE		__pgprot(_PAGE_PROTNONE | _PAGE_ACCESSED)
#define PAGE_READONLY		__pgprot(_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX)
#define PAGE_READONLY_EXEC	__pgprot(_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)
#define PAGE_SHARED		__pgprot(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX)
#define PAGE_SHARED_EXEC	__pgprot(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)
#define PAGE_COPY		PAGE_READONLY
#define PAGE_COPY_EXEC		PAGE_READONLY_EXEC

#define __pte(x)		((pte_t){ (x) })
#define __pmd(x)		((pmd_t){ (x) })
#define __pud(x)		((pud_t){ (x) })
#define __pgd(x)		((pgd_t){ (x) })
#define pte_val(x)		((x).pte)
#define pmd_val(x)		((x).pmd)
#define pud_val(x)		((x).pud)
#define pgd_val(x)		((x).pgd)

static inline unsigned long pgd_index(unsigned long addr)
{
	return (addr >> PGDIR_SHIFT) & (PTRS_PER_PGD - 1);
}

static inline unsigned long pud_index(unsigned long addr)
{
	return (addr >> PUD_SHIFT) & (PTRS_PER_PUD - 1);
}

static inline unsigned long pmd_index(unsigned long addr)
{
	return (addr >> PMD_SHIFT) & (PTRS_PER_PMD - 1);
}

static inline unsigned long pte_index(unsigned long addr)
{
	return (addr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1);
}

/* Where @addr's PGD/PUD/PMD span ends, or @end if that comes first. */
static inline unsigned long pgd_addr_end(unsigned long addr, unsigned long end)
{
	unsigned long boundary = (addr + PGDIR_SIZE) & PGDIR_MASK;

	return boundary - 1 < end - 1 ? boundary : end;
}

static inline unsigned long pud_addr_end(unsigned long addr, unsigned long end)
{
	unsigned long boundary = (addr + PUD_SIZE) & PUD_MASK;

	return boundary - 1 < end - 1 ? boundary : end;
}

static inline unsigned long pmd_addr_end(unsigned long addr, unsigned long end)
{
	unsigned long boundary = (addr + PMD_SIZE) & PMD_MASK;

	return boundary - 1 < end - 1 ? boundary : end;
}

/*
 * Lockless readers (gup_fast, the CPU) read each entry once, with acquire,
 * and writers publish with release: what an entry points at (a zeroed table,
 * a page's contents) is visible before the entry is.  The kernel relies on
 * address dependencies for the readers' side; on x86 both cost nothing.
 */
static inline pte_t ptep_get(pte_t *ptep)
{
	return __pte(smp_load_acquire(&ptep->pte));
}

static inline pmd_t pmdp_get(pmd_t *pmdp)
{
	return __pmd(smp_load_acquire(&pmdp->pmd));
}

static inline pud_t pudp_get(pud_t *pudp)
{
	return __pud(smp_load_acquire(&pudp->pud));
}

static inline pgd_t pgdp_get(pgd_t *pgdp)
{
	return __pgd(smp_load_acquire(&pgdp->pgd));
}

static inline void set_pte(pte_t *ptep, pte_t pte)
{
	smp_store_release(&ptep->pte, pte.pte);
}

static inline void set_pmd(pmd_t *pmdp, pmd_t pmd)
{
	smp_store_release(&pmdp->pmd, pmd.pmd);
}

static inline void set_pud(pud_t *pudp, pud_t pud)
{
	smp_store_release(&pudp->pud, pud.pud);
}

static inline void set_pgd(pgd_t *pgdp, pgd_t pgd)
{
	smp_store_release(&pgdp->pgd, pgd.pgd);
}

/* ptep_set_access_flags() for A/D: add bits only, atomically with the CPU's. */
static inline void ptep_set_young_dirty(pte_t *ptep, bool dirty)
{
	set_bits_release(_PAGE_ACCESSED | (dirty ? _PAGE_DIRTY : 0), &ptep->pte);
}

static inline pte_t ptep_get_and_clear(pte_t *ptep)
{
	return __pte(xchg(&ptep->pte, 0UL));
}

static inline bool pte_none(pte_t pte)		{ return !pte.pte; }
static inline bool pte_present(pte_t pte)	{ return pte.pte & (_PAGE_PRESENT | _PAGE_PROTNONE); }
static inline bool pte_protnone(pte_t pte)
{
	return (pte.pte & (_PAGE_PRESENT | _PAGE_PROTNONE)) == _PAGE_PROTNONE;
}
static inline bool pte_write(pte_t pte)		{ return pte.pte & _PAGE_RW; }
static inline bool pte_dirty(pte_t pte)		{ return pte.pte & _PAGE_DIRTY; }
static inline bool pte_young(pte_t pte)		{ return pte.pte & _PAGE_ACCESSED; }
static inline bool pte_special(pte_t pte)	{ return pte.pte & _PAGE_SPECIAL; }
static inline bool pte_devmap(pte_t pte)	{ return pte.pte & _PAGE_DEVMAP; }
static inline unsigned long pte_pfn(pte_t pte)	{ return (pte.pte & PTE_PFN_MASK) >> PAGE_SHIFT; }

static inline pte_t pte_mkwrite(pte_t pte)	{ return __pte(pte.pte | _PAGE_RW); }
static inline pte_t pte_wrprotect(pte_t pte)	{ return __pte(pte.pte & ~_PAGE_RW); }
static inline pte_t pte_mkdirty(pte_t pte)	{ return __pte(pte.pte | _PAGE_DIRTY); }
static inline pte_t pte_mkclean(pte_t pte)	{ return __pte(pte.pte & ~_PAGE_DIRTY); }
static inline pte_t pte_mkyoung(pte_t pte)	{ return __pte(pte.pte | _PAGE_ACCESSED); }
static inline pte_t pte_mkspecial(pte_t pte)	{ return __pte(pte.pte | _PAGE_SPECIAL); }
static inline pte_t pte_mkdevmap(pte_t pte)	{ return __pte(pte.pte | _PAGE_DEVMAP | _PAGE_SPECIAL); }

static inline pte_t pfn_pte(unsigned long pfn, pgprot_t prot)
{
	return __pte((pfn << PAGE_SHIFT) | pgprot_val(prot));
}

static inline pte_t pte_modify(pte_t pte, pgprot_t prot)
{
	unsigned long keep = PTE_PFN_MASK | _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_SPECIAL |
			     _PAGE_DEVMAP;

	return __pte((pte.pte & keep) | pgprot_val(prot));
}

static inline bool pmd_none(pmd_t pmd)		{ return !pmd.pmd; }
static inline bool pmd_present(pmd_t pmd)	{ return pmd.pmd & (_PAGE_PRESENT | _PAGE_PROTNONE); }
static inline bool pmd_leaf(pmd_t pmd)		{ return pmd.pmd & _PAGE_PSE; }
static inline unsigned long pmd_pfn(pmd_t pmd)	{ return (pmd.pmd & PTE_PFN_MASK) >> PAGE_SHIFT; }
static inline bool pud_none(pud_t pud)		{ return !pud.pud; }
static inline bool pud_present(pud_t pud)	{ return pud.pud & (_PAGE_PRESENT | _PAGE_PROTNONE); }
static inline bool pud_leaf(pud_t pud)		{ return pud.pud & _PAGE_PSE; }
static inline unsigned long pud_pfn(pud_t pud)	{ return (pud.pud & PTE_PFN_MASK) >> PAGE_SHIFT; }
static inline bool pgd_none(pgd_t pgd)		{ return !pgd.pgd; }
static inline unsigned long pgd_pfn(pgd_t pgd)	{ return (pgd.pgd & PTE_PFN_MASK) >> PAGE_SHIFT; }

/*
 * Huge leaves: a PMD (2 MiB) or PUD (1 GiB) entry with _PAGE_PSE maps a
 * naturally aligned block directly, with the PTE's permission and A/D
 * bits.  Device-dax and fsdax use them; under the elevated scheme they are
 * devmap entries (no reference, no mapcount), under the zero scheme they
 * map a refcounted folio like any file page.
 */
static inline bool pmd_write(pmd_t pmd)		{ return pmd.pmd & _PAGE_RW; }
static inline bool pmd_dirty(pmd_t pmd)		{ return pmd.pmd & _PAGE_DIRTY; }
static inline bool pmd_young(pmd_t pmd)		{ return pmd.pmd & _PAGE_ACCESSED; }
static inline bool pmd_devmap(pmd_t pmd)	{ return pmd.pmd & _PAGE_DEVMAP; }
static inline bool pmd_special(pmd_t pmd)	{ return pmd.pmd & _PAGE_SPECIAL; }
static inline bool pmd_protnone(pmd_t pmd)
{
	return (pmd.pmd & (_PAGE_PRESENT | _PAGE_PROTNONE)) == _PAGE_PROTNONE;
}
static inline pmd_t pmd_mkwrite(pmd_t pmd)	{ return __pmd(pmd.pmd | _PAGE_RW); }
static inline pmd_t pmd_wrprotect(pmd_t pmd)	{ return __pmd(pmd.pmd & ~_PAGE_RW); }
static inline pmd_t pmd_mkdirty(pmd_t pmd)	{ return __pmd(pmd.pmd | _PAGE_DIRTY); }
static inline pmd_t pmd_mkyoung(pmd_t pmd)	{ return __pmd(pmd.pmd | _PAGE_ACCESSED); }
static inline pmd_t pmd_mkhuge(pmd_t pmd)	{ return __pmd(pmd.pmd | _PAGE_PSE); }
static inline pmd_t pmd_mkdevmap(pmd_t pmd)	{ return __pmd(pmd.pmd | _PAGE_DEVMAP); }

static inline pmd_t pfn_pmd(unsigned long pfn, pgprot_t prot)
{
	return __pmd((pfn << PAGE_SHIFT) | pgprot_val(prot));
}

static inline pmd_t pmd_modify(pmd_t pmd, pgprot_t prot)
{
	unsigned long keep = PTE_PFN_MASK | _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_SPECIAL |
			     _PAGE_DEVMAP | _PAGE_PSE;

	return __pmd((pmd.pmd & keep) | pgprot_val(prot));
}

static inline bool pud_write(pud_t pud)		{ return pud.pud & _PAGE_RW; }
static inline bool pud_dirty(pud_t pud)		{ return pud.pud & _PAGE_DIRTY; }
static inline bool pud_young(pud_t pud)		{ return pud.pud & _PAGE_ACCESSED; }
static inline bool pud_devmap(pud_t pud)	{ return pud.pud & _PAGE_DEVMAP; }
static inline bool pud_special(pud_t pud)	{ return pud.pud & _PAGE_SPECIAL; }
static inline bool pud_protnone(pud_t pud)
{
	return (pud.pud & (_PAGE_PRESENT | _PAGE_PROTNONE)) == _PAGE_PROTNONE;
}
static inline pud_t pud_mkwrite(pud_t pud)	{ return __pud(pud.pud | _PAGE_RW); }
static inline pud_t pud_wrprotect(pud_t pud)	{ return __pud(pud.pud & ~_PAGE_RW); }
static inline pud_t pud_mkdirty(pud_t pud)	{ return __pud(pud.pud | _PAGE_DIRTY); }
static inline pud_t pud_mkyoung(pud_t pud)	{ return __pud(pud.pud | _PAGE_ACCESSED); }
static inline pud_t pud_mkhuge(pud_t pud)	{ return __pud(pud.pud | _PAGE_PSE); }
static inline pud_t pud_mkdevmap(pud_t pud)	{ return __pud(pud.pud | _PAGE_DEVMAP); }

static inline pud_t pfn_pud(unsigned long pfn, pgprot_t prot)
{
	return __pud((pfn << PAGE_SHIFT) | pgprot_val(prot));
}

static inline pud_t pud_modify(pud_t pud, pgprot_t prot)
{
	unsigned long keep = PTE_PFN_MASK | _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_SPECIAL |
			     _PAGE_DEVMAP | _PAGE_PSE;

	return __pud((pud.pud & keep) | pgprot_val(prot));
}

/* Clear a leaf, returning what it held: A/D bits a CPU sets by cmpxchg are kept. */
static inline pmd_t pmdp_huge_get_and_clear(pmd_t *pmdp)
{
	return __pmd(xchg(&pmdp->pmd, 0UL));
}

static inline pud_t pudp_huge_get_and_clear(pud_t *pudp)
{
	return __pud(xchg(&pudp->pud, 0UL));
}

/* The A/D bits of a leaf, added atomically with the CPU's. */
static inline void pmdp_set_young_dirty(pmd_t *pmdp, bool dirty)
{
	set_bits_release(_PAGE_ACCESSED | (dirty ? _PAGE_DIRTY : 0), &pmdp->pmd);
}

static inline void pudp_set_young_dirty(pud_t *pudp, bool dirty)
{
	set_bits_release(_PAGE_ACCESSED | (dirty ? _PAGE_DIRTY : 0), &pudp->pud);
}

/* The table an upper-level entry points at, through the direct map. */
static inline pud_t *pgd_table(pgd_t pgd)	{ return __va(pgd.pgd & PTE_PFN_MASK); }
static inline pmd_t *pud_table(pud_t pud)	{ return __va(pud.pud & PTE_PFN_MASK); }
static inline pte_t *pmd_table(pmd_t pmd)	{ return __va(pmd.pmd & PTE_PFN_MASK); }

/* ------------------------------------------------------------------ */
/* Swap entries: what a non-present, non-empty PTE holds               */
/* ------------------------------------------------------------------ */

typedef struct { unsigned long val; } swp_entry_t;

#define MAX_SWAPFILES_SHIFT		5
#define SWP_HWPOISON			22
#define SWP_MIGRATION_READ		23
#define SWP_MIGRATION_READ_EXCLUSIVE	24
#define SWP_MIGRATION_WRITE		25
#define SWP_DEVICE_WRITE		26
#define SWP_DEVICE_READ			27
#define SWP_DEVICE_EXCLUSIVE_WRITE	28
#define SWP_DEVICE_EXCLUSIVE_READ	29
#define SWP_PTE_MARKER			30
#define SWP_OFFSET_SHIFT		(BITS_PER_LONG - MAX_SWAPFILES_SHIFT)
#define SWP_OFFSET_MASK			((1UL << SWP_OFFSET_SHIFT) - 1)

static inline swp_entry_t swp_entry(unsigned long type, unsigned long offset)
{
	return (swp_entry_t){ (type << SWP_OFFSET_SHIFT) | (offset & SWP_OFFSET_MASK) };
}

static inline unsigned int swp_type(swp_entry_t entry)
{
	return (unsigned int)(entry.val >> SWP_OFFSET_SHIFT);
}

static inline unsigned long swp_offset(swp_entry_t entry)
{
	return entry.val & SWP_OFFSET_MASK;
}

static inline bool is_swap_pte(pte_t pte)
{
	return !pte_none(pte) && !pte_present(pte);
}

static inline swp_entry_t pte_to_swp_entry(pte_t pte)
{
	return swp_entry((pte.pte >> 1) & ((1UL << MAX_SWAPFILES_SHIFT) - 1),
			 pte.pte >> PAGE_SHIFT);
}

static inline pte_t swp_entry_to_pte(swp_entry_t entry)
{
	return __pte(((unsigned long)swp_type(entry) << 1) | (swp_offset(entry) << PAGE_SHIFT));
}

static inline bool is_device_private_entry(swp_entry_t e)
{
	return swp_type(e) == SWP_DEVICE_WRITE || swp_type(e) == SWP_DEVICE_READ;
}

static inline bool is_writable_device_private_entry(swp_entry_t e)
{
	return swp_type(e) == SWP_DEVICE_WRITE;
}

static inline bool is_device_exclusive_entry(swp_entry_t e)
{
	return swp_type(e) == SWP_DEVICE_EXCLUSIVE_WRITE ||
	       swp_type(e) == SWP_DEVICE_EXCLUSIVE_READ;
}

static inline bool is_writable_device_exclusive_entry(swp_entry_t e)
{
	return swp_type(e) == SWP_DEVICE_EXCLUSIVE_WRITE;
}

static inline swp_entry_t make_readable_device_exclusive_entry(unsigned long pfn)
{
	return swp_entry(SWP_DEVICE_EXCLUSIVE_READ, pfn);
}

static inline swp_entry_t make_writable_device_exclusive_entry(unsigned long pfn)
{
	return swp_entry(SWP_DEVICE_EXCLUSIVE_WRITE, pfn);
}

static inline bool is_migration_entry(swp_entry_t e)
{
	return swp_type(e) >= SWP_MIGRATION_READ && swp_type(e) <= SWP_MIGRATION_WRITE;
}

static inline bool is_writable_migration_entry(swp_entry_t e)
{
	return swp_type(e) == SWP_MIGRATION_WRITE;
}

static inline bool is_hwpoison_entry(swp_entry_t e)
{
	return swp_type(e) == SWP_HWPOISON;
}

/* Entries whose offset is a pfn (all the ZONE_DEVICE work uses). */
static inline bool is_pfn_swap_entry(swp_entry_t e)
{
	return is_migration_entry(e) || is_device_private_entry(e) ||
	       is_device_exclusive_entry(e) || is_hwpoison_entry(e);
}

static inline unsigned long swp_offset_pfn(swp_entry_t e)
{
	return swp_offset(e);
}

static inline struct page *pfn_swap_entry_to_page(swp_entry_t e)
{
	return pfn_to_page(swp_offset_pfn(e));
}

static inline swp_entry_t make_readable_device_private_entry(unsigned long pfn)
{
	return swp_entry(SWP_DEVICE_READ, pfn);
}

static inline swp_entry_t make_writable_device_private_entry(unsigned long pfn)
{
	return swp_entry(SWP_DEVICE_WRITE, pfn);
}

static inline swp_entry_t make_readable_migration_entry(unsigned long pfn)
{
	return swp_entry(SWP_MIGRATION_READ, pfn);
}

static inline swp_entry_t make_readable_exclusive_migration_entry(unsigned long pfn)
{
	return swp_entry(SWP_MIGRATION_READ_EXCLUSIVE, pfn);
}

static inline bool is_readable_exclusive_migration_entry(swp_entry_t e)
{
	return swp_type(e) == SWP_MIGRATION_READ_EXCLUSIVE;
}

static inline swp_entry_t make_writable_migration_entry(unsigned long pfn)
{
	return swp_entry(SWP_MIGRATION_WRITE, pfn);
}

static inline swp_entry_t make_hwpoison_entry(struct page *page)
{
	return swp_entry(SWP_HWPOISON, page_to_pfn(page));
}

#endif /* _ZONEDEV_PGTABLE_H */
