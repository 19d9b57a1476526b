/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the software MMU's files share: page-table walks, the mmu_gather,
 * rmap and VMA helpers, tasks.  Lock order (mm/rmap.c's): mmap_lock ->
 * folio lock -> i_mmap lock -> anon_vma lock -> page_table_lock.
 */
#ifndef _ZONEDEV_MM_INTERNAL_MM_H
#define _ZONEDEV_MM_INTERNAL_MM_H

#include <zonedev/mm_task.h>
#include <zonedev/mmu_notifier.h>
#include <zonedev/fs.h>
#include <zonedev/huge_mm.h>
#include "internal.h"

/* The signals a task was sent, as the task would see them. */
struct zd_task {
	struct zd_system *sys;
	struct mm_struct *mm;
	int pid;
	spinlock_t sig_lock;
	unsigned long nr_signals;
	struct zd_siginfo last_signal;
	unsigned int mce_flags;		/* PF_MCE_PROCESS, PF_MCE_EARLY (prctl) */
	struct list_head tasks;		/* on the system's list */
};

/* task->mce_flags, with the kernel's PF_* values */
#define PF_MCE_PROCESS	0x00000080	/* process policy on mce errors */
#define PF_MCE_EARLY	0x08000000	/* early kill for mce process policy */

/* mmu_gather: pages and page tables unmapped, freed after a grace period. */
#define MMU_GATHER_BUNDLE	64

struct mmu_gather_batch {
	struct rcu_head rcu;
	unsigned int nr;
	struct page *pages[MMU_GATHER_BUNDLE];
	unsigned char is_table[MMU_GATHER_BUNDLE];
};

struct mmu_gather {
	struct mm_struct *mm;
	struct mmu_gather_batch *active;
};

void tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm);
void tlb_remove_page(struct mmu_gather *tlb, struct page *page);
void tlb_remove_table(struct mmu_gather *tlb, struct page *table);
void tlb_finish_mmu(struct mmu_gather *tlb);

/* page tables (mm/memory.c) */
pgd_t *pgd_alloc(struct mm_struct *mm);
void *table_populate(struct mm_struct *mm, unsigned long *slot);
pte_t *pte_alloc(struct mm_struct *mm, unsigned long addr);
pte_t *pte_offset_lockless(struct mm_struct *mm, unsigned long addr);
void zap_page_range(struct mmu_gather *tlb, struct vm_area_struct *vma, unsigned long start,
		    unsigned long end);
void free_pgtables(struct mmu_gather *tlb, struct mm_struct *mm, unsigned long floor,
		   unsigned long ceiling);
int copy_page_range(struct vm_area_struct *dst, struct vm_area_struct *src);
int migrate_device_coherent_folio(struct folio *folio);
void migration_entry_wait_on_locked(struct mm_struct *mm, pte_t *ptep, pte_t pte);
void restore_exclusive_pte(struct vm_area_struct *vma, struct folio *folio, struct page *page,
			   unsigned long addr, pte_t *ptep, pte_t orig);
vm_fault_t handle_mm_fault(struct vm_area_struct *vma, unsigned long address,
			   unsigned int flags);
void change_protection(struct vm_area_struct *vma, unsigned long start, unsigned long end,
		       pgprot_t newprot);
int move_page_tables(struct vm_area_struct *vma, unsigned long old_addr,
		     struct vm_area_struct *new_vma, unsigned long new_addr, unsigned long len);
pgprot_t vm_get_page_prot(unsigned long vm_flags);
void vma_set_page_prot(struct vm_area_struct *vma);

/*
 * The PUD or PMD slot covering @addr, if the tables above it exist, for
 * holders of mmap_lock and readers inside rcu_read_lock(); the slot may
 * hold a huge leaf (pte_offset_lockless() stops at one and returns NULL).
 */
static inline pud_t *pud_offset_lockless(struct mm_struct *mm, unsigned long addr)
{
	pgd_t pgd = pgdp_get(&mm->pgd[pgd_index(addr)]);

	if (pgd_none(pgd))
		return NULL;
	return &pgd_table(pgd)[pud_index(addr)];
}

static inline pmd_t *pmd_offset_lockless(struct mm_struct *mm, unsigned long addr)
{
	pud_t *pudp = pud_offset_lockless(mm, addr);
	pud_t pud;

	if (!pudp)
		return NULL;
	pud = pudp_get(pudp);
	if (pud_none(pud) || pud_leaf(pud))
		return NULL;
	return &pud_table(pud)[pmd_index(addr)];
}

/* A mapping of a DAX file: fsdax, or a device-dax character device. */
static inline bool vma_is_dax(const struct vm_area_struct *vma)
{
	return vma->vm_file && vma->vm_file->f_inode && IS_DAX(vma->vm_file->f_inode);
}

/* fsdax only (vma_is_fsdax(): device-dax is DAX but not fsdax, spec §4.1). */
static inline bool vma_is_fsdax(const struct vm_area_struct *vma)
{
	return vma_is_dax(vma) && !IS_CHRDEV(vma->vm_file->f_inode);
}

/* huge leaves (mm/huge_memory.c) */
vm_fault_t handle_huge_levels(struct vm_fault *vmf);
void zap_huge_range(struct mmu_gather *tlb, struct vm_area_struct *vma, unsigned long start,
		    unsigned long end);
void change_huge_range(struct vm_area_struct *vma, unsigned long start, unsigned long end,
		       pgprot_t newprot);
int move_huge_range(struct vm_area_struct *vma, unsigned long old_addr,
		    struct vm_area_struct *new_vma, unsigned long new_addr, unsigned long len);
void vma_adjust_trans_huge(struct vm_area_struct *vma, unsigned long addr);
bool vma_has_huge_fault(const struct vm_area_struct *vma);
unsigned int huge_leaf_order(struct mm_struct *mm, unsigned long addr);

/* VMAs (mm/mmap.c) */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr);
struct vm_area_struct *vma_alloc(struct mm_struct *mm);
void vma_free(struct vm_area_struct *vma);
int vma_link(struct mm_struct *mm, struct vm_area_struct *vma);
int vma_reserve(struct mm_struct *mm, int n);
void vma_lock_rmap(struct vm_area_struct *vma);
void vma_unlock_rmap(struct vm_area_struct *vma);
void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma);
int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr,
	      int new_below);
int do_munmap(struct mm_struct *mm, unsigned long start, unsigned long len);
void exit_mmap(struct mm_struct *mm);
unsigned long calc_vm_flags(int prot, int flags);
long do_mmap(struct mm_struct *mm, struct zd_system *sys, unsigned long addr, unsigned long len,
	     int prot, int flags, struct zd_file *file, unsigned long pgoff);
unsigned long get_unmapped_area(struct mm_struct *mm, unsigned long len);
struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig);

/* rmap (mm/rmap.c) */
int anon_vma_prepare(struct vm_area_struct *vma);
int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src);
int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma);
void unlink_anon_vmas(struct vm_area_struct *vma);
void folio_add_new_anon_rmap(struct folio *folio, struct vm_area_struct *vma,
			     unsigned long address);
void folio_add_anon_rmap_pte(struct folio *folio, struct page *page,
			     struct vm_area_struct *vma, unsigned long address);
void folio_add_file_rmap_pte(struct folio *folio, struct page *page,
			     struct vm_area_struct *vma);
void folio_remove_rmap_pte(struct folio *folio, struct page *page,
			   struct vm_area_struct *vma);
void folio_add_file_rmap_pmd(struct folio *folio, struct page *page,
			     struct vm_area_struct *vma);
void folio_add_file_rmap_pud(struct folio *folio, struct page *page,
			     struct vm_area_struct *vma);
void folio_remove_rmap_pmd(struct folio *folio, struct page *page,
			   struct vm_area_struct *vma);
void folio_remove_rmap_pud(struct folio *folio, struct page *page,
			   struct vm_area_struct *vma);

/**
 * struct rmap_walk_control - what rmap_walk() calls for each mapping
 * @rmap_one: called with the folio, VMA and address; false stops the walk
 * @arg: passed along
 */
struct rmap_walk_control {
	bool (*rmap_one)(struct folio *folio, struct vm_area_struct *vma, unsigned long addr,
			 void *arg);
	void *arg;
};

void rmap_walk(struct folio *folio, struct rmap_walk_control *rwc);
void rmap_walk_locked(struct folio *folio, struct rmap_walk_control *rwc);
struct anon_vma *folio_get_anon_vma(struct folio *folio);
void put_anon_vma(struct anon_vma *anon_vma);

/* file mappings (mm/shmem.c) */
struct zd_file *shmem_file_setup(struct zd_system *sys, unsigned long size);
void vma_link_file(struct vm_area_struct *vma);
void vma_unlink_file(struct vm_area_struct *vma);

/* tasks (kernel/fork.c) */
struct mm_struct *mm_alloc(struct zd_system *sys);
void mmput(struct mm_struct *mm);
void zd_task_send_signal(struct zd_task *task, int signo, int code, unsigned long addr,
			 short addr_lsb);
int audit_mms(struct zd_system *sys, FILE *out);

/* A task's CPU consumed poison at @addr, in @pfn (mm/memory-failure.c). */
void kill_me_maybe(struct zd_task *task, unsigned long pfn, unsigned long addr);
bool page_consumes_poison(unsigned long pfn);

static inline void inc_mm_counter(struct mm_struct *mm, enum mm_counter member)
{
	atomic_long_inc(&mm->rss_stat[member]);
}

static inline void dec_mm_counter(struct mm_struct *mm, enum mm_counter member)
{
	atomic_long_dec(&mm->rss_stat[member]);
}

/* Anonymous, or a file page: fsdax and device-dax memory, or shmem RAM. */
static inline enum mm_counter mm_counter(struct folio *folio)
{
	if (folio_test_anon(folio))
		return MM_ANONPAGES;
	return folio_is_zone_device(folio) ? MM_FILEPAGES : MM_SHMEMPAGES;
}

static inline void add_mm_counter(struct mm_struct *mm, enum mm_counter member, long value)
{
	atomic_long_add(value, &mm->rss_stat[member]);
}

#endif /* _ZONEDEV_MM_INTERNAL_MM_H */
