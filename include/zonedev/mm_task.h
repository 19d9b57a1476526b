/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Address spaces: struct mm_struct, struct vm_area_struct, anon_vma and
 * the fault interface (struct vm_fault, vm_operations_struct), with the
 * kernel's vm_flags values.  (The kernel keeps these in mm_types.h and
 * mm.h; they live apart here because struct page must not depend on them.)
 */
#ifndef _ZONEDEV_MM_TASK_H
#define _ZONEDEV_MM_TASK_H

#include <zonedev/pgtable.h>
#include <sys/types.h>
#include <zonedev/rcupdate.h>

/* vm_flags */
#define VM_NONE		0x00000000UL
#define VM_READ		0x00000001UL
#define VM_WRITE	0x00000002UL
#define VM_EXEC		0x00000004UL
#define VM_SHARED	0x00000008UL
#define VM_MAYREAD	0x00000010UL
#define VM_MAYWRITE	0x00000020UL
#define VM_MAYEXEC	0x00000040UL
#define VM_MAYSHARE	0x00000080UL
#define VM_GROWSDOWN	0x00000100UL
#define VM_PFNMAP	0x00000400UL
#define VM_LOCKED	0x00002000UL
#define VM_IO		0x00004000UL
#define VM_DONTCOPY	0x00020000UL
#define VM_DONTEXPAND	0x00040000UL
#define VM_ACCOUNT	0x00100000UL
#define VM_NORESERVE	0x00200000UL
#define VM_HUGETLB	0x00400000UL
#define VM_MIXEDMAP	0x10000000UL
#define VM_HUGEPAGE	0x20000000UL
#define VM_NOHUGEPAGE	0x40000000UL

#define VM_ACCESS_FLAGS	(VM_READ | VM_WRITE | VM_EXEC)

/* mm->flags */
#define MMF_HAS_PINNED	27

enum mm_counter {
	MM_FILEPAGES,
	MM_ANONPAGES,
	MM_SHMEMPAGES,
	NR_MM_COUNTERS
};

struct vm_area_struct;
struct zd_file;
struct zd_task;
struct address_space;

/**
 * struct anon_vma - the reverse map of anonymous pages: every VMA that may
 * map a page whose ->mapping points here, through anon_vma_chains.  A
 * child's VMAs join their parent's anon_vmas at fork, as in mm/rmap.c.
 */
struct anon_vma {
	struct anon_vma *root;
	struct rw_semaphore rwsem;	/* the root's is the one taken */
	atomic_t refcount;		/* one per chain, plus transient holds */
	struct list_head head;		/* anon_vma_chains, by same_anon_vma */
	struct rcu_head rcu;
};

struct anon_vma_chain {
	struct vm_area_struct *vma;
	struct anon_vma *anon_vma;
	struct list_head same_vma;	/* on vma->anon_vma_chain */
	struct list_head same_anon_vma;	/* on anon_vma->head */
};

struct mm_struct {
	pgd_t *pgd;
	struct rw_semaphore mmap_lock;
	spinlock_t page_table_lock;	/* page-table population and PTE updates */
	struct vm_area_struct **vmas;	/* sorted by vm_start */
	int map_count;
	int vmas_cap;
	atomic_t mm_users;
	atomic_t mm_count;
	int nid;			/* the system */
	unsigned long flags;		/* MMF_* */
	atomic_t write_protect_seq;	/* odd while fork write-protects */
	atomic_long_t rss_stat[NR_MM_COUNTERS];
	atomic_long_t pgtables_bytes;
	unsigned long total_vm;
	struct list_head mmlist;	/* on the system's list of mms */
	void *notifier_subscriptions;	/* mmu_interval_notifiers (HMM) */
};

typedef unsigned int vm_fault_t;

#define FAULT_FLAG_WRITE		0x001
#define FAULT_FLAG_MKWRITE		0x002
#define FAULT_FLAG_ALLOW_RETRY		0x004
#define FAULT_FLAG_RETRY_NOWAIT		0x008
#define FAULT_FLAG_KILLABLE		0x010
#define FAULT_FLAG_TRIED		0x020
#define FAULT_FLAG_USER			0x040
#define FAULT_FLAG_REMOTE		0x080
#define FAULT_FLAG_INSTRUCTION		0x100
#define FAULT_FLAG_INTERRUPTIBLE	0x200
#define FAULT_FLAG_UNSHARE		0x400

#define VM_FAULT_WRITE		0x000008
#define VM_FAULT_HWPOISON	0x000010
#define VM_FAULT_NOPAGE		0x000100
#define VM_FAULT_LOCKED		0x000200
#define VM_FAULT_MAJOR		0x000004
#define VM_FAULT_FALLBACK	0x000800	/* huge_fault: use a smaller entry */
#define VM_FAULT_DONE_COW	0x001000	/* ->fault filled vmf->cow_page */
#define VM_FAULT_ERROR		(VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | \
				 VM_FAULT_HWPOISON)

/**
 * struct vm_fault - one fault being handled
 * @vma: where
 * @address: the faulting address, page aligned
 * @real_address: the faulting address as given
 * @pgoff: the page offset within the mapping
 * @flags: FAULT_FLAG_*
 * @pud: the PUD slot that covers it
 * @pmd: the PMD that covers it
 * @pte: the PTE slot, once located
 * @orig_pte: the PTE value the fault saw
 * @orig_pmd: the PMD value a huge fault saw
 * @page: a page the handler returns (->fault) or works on
 * @cow_page: the new anonymous page of a private write to a file page
 */
struct vm_fault {
	struct vm_area_struct *vma;
	unsigned long address;
	unsigned long real_address;
	pgoff_t pgoff;
	unsigned int flags;
	pud_t *pud;
	pmd_t *pmd;
	pte_t *pte;
	pte_t orig_pte;
	pmd_t orig_pmd;
	struct page *page;
	struct page *cow_page;
};

/**
 * struct vm_operations_struct - what a file mapping does on faults
 * @open: a VMA was duplicated (fork) or split
 * @close: a VMA goes away
 * @fault: find (and lock, with VM_FAULT_LOCKED) the page for vmf->pgoff in
 *	vmf->page, with a reference for the caller
 * @page_mkwrite: a read-only shared page is about to become writable
 * @pfn_mkwrite: the same for an entry with no normal page behind it (the
 *	zero page, a devmap entry); DAX file systems allocate blocks here
 * @huge_fault: map @order (PMD_ORDER, PUD_ORDER; 0 from ->fault) at once,
 *	or VM_FAULT_FALLBACK to let the next smaller level try
 * @may_split: may the VMA be cut at @addr?  An errno refuses the
 *	munmap/mprotect/mremap that needs it (device-dax: -EINVAL off its
 *	alignment)
 * @pagesize: the size the mapping is made of (MMUPageSize)
 */
struct vm_operations_struct {
	void (*open)(struct vm_area_struct *vma);
	void (*close)(struct vm_area_struct *vma);
	vm_fault_t (*fault)(struct vm_fault *vmf);
	vm_fault_t (*huge_fault)(struct vm_fault *vmf, unsigned int order);
	vm_fault_t (*page_mkwrite)(struct vm_fault *vmf);
	vm_fault_t (*pfn_mkwrite)(struct vm_fault *vmf);
	int (*may_split)(struct vm_area_struct *vma, unsigned long addr);
	unsigned long (*pagesize)(struct vm_area_struct *vma);
	const char *name;
};

struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;		/* exclusive */
	struct mm_struct *vm_mm;
	pgprot_t vm_page_prot;
	unsigned long vm_flags;
	unsigned long vm_pgoff;		/* in pages: file offset, or vm_start for anon */
	struct zd_file *vm_file;
	struct anon_vma *anon_vma;
	struct list_head anon_vma_chain;
	const struct vm_operations_struct *vm_ops;
	void *vm_private_data;
	struct list_head shared;	/* on the file mapping's i_mmap list */
};

/* Unmap a file's pages from every mm mapping them (mm/memory.c). */
void unmap_mapping_pages(struct address_space *mapping, pgoff_t start, pgoff_t nr,
			 bool even_cows);
void unmap_mapping_range(struct address_space *mapping, loff_t const holebegin,
			 loff_t const holelen, int even_cows);

static inline bool vma_is_anonymous(const struct vm_area_struct *vma)
{
	return !vma->vm_ops;
}

static inline unsigned long vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

static inline pgoff_t linear_page_index(const struct vm_area_struct *vma, unsigned long address)
{
	return ((address - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff;
}

/* ------------------------------------------------------------------ */
/* get_user_pages / pin_user_pages (mm/gup.c)                          */
/* ------------------------------------------------------------------ */

#define FOLL_WRITE		0x01
#define FOLL_TOUCH		0x02
#define FOLL_GET		0x04
#define FOLL_FORCE		0x10
#define FOLL_NOWAIT		0x20
#define FOLL_NOFAULT		0x80
#define FOLL_HWPOISON		0x100
#define FOLL_REMOTE		0x2000
#define FOLL_ANON		0x8000
#define FOLL_LONGTERM		0x10000
#define FOLL_PIN		0x40000
#define FOLL_FAST_ONLY		0x80000
#define FOLL_PCI_P2PDMA		0x100000

long get_user_pages(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
		    unsigned int gup_flags, struct page **pages);
long pin_user_pages(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
		    unsigned int gup_flags, struct page **pages);
long get_user_pages_remote(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
			   unsigned int gup_flags, struct page **pages, int *locked);
long pin_user_pages_remote(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
			   unsigned int gup_flags, struct page **pages, int *locked);
int get_user_pages_fast(struct mm_struct *mm, unsigned long start, int nr_pages,
			unsigned int gup_flags, struct page **pages);
int get_user_pages_fast_only(struct mm_struct *mm, unsigned long start, int nr_pages,
			     unsigned int gup_flags, struct page **pages);
int pin_user_pages_fast(struct mm_struct *mm, unsigned long start, int nr_pages,
			unsigned int gup_flags, struct page **pages);
void unpin_user_page(struct page *page);
void unpin_user_pages(struct page **pages, unsigned long npages);
void unpin_user_pages_dirty_lock(struct page **pages, unsigned long npages, bool make_dirty);
bool folio_is_longterm_pinnable(struct folio *folio);

#endif /* _ZONEDEV_MM_TASK_H */
