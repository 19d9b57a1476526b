// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mirror device, the counterpart of the kernel's lib/test_hmm.c
 * ("dmirror"): a simulated device with a page table of its own, filled by
 * hmm_range_fault() under the mmu_interval_notifier protocol, and memory
 * of its own (device-private or device-coherent, added in chunks through
 * memremap_pages() when the free pages run out) that migrate_vma_*() moves
 * a task's pages to and that CPU faults bring back (spec/hmm_migration.md
 * §6).
 *
 * Objects:
 *  - struct zd_mirror (dmirror_device): the chunks, a free list threaded
 *    through page->zone_device_data and refilled by ->page_free(), and the
 *    pgmap owner cookie;
 *  - struct dmirror_chunk: one memremap_pages() range;
 *  - struct zd_mirror_file (dmirror): one open by one task, with the device
 *    page table, its lock (the notifier's "user_lock") and the interval
 *    notifier over the whole address space of the task.
 *
 * A device-private page has no CPU address, so, as in test_hmm, each is
 * backed by a RAM page ("rpage", in the device page's zone_device_data)
 * that holds its data and that page_free gives back.  A coherent page
 * holds its own data.  The device page table stores the page that holds
 * the data; for the caller's own device-private pages, which
 * hmm_range_fault() reports as they are, that is the backing page, where
 * the kernel's dmirror_do_fault() stores the device page (spec §11).
 *
 * The device page table holds no references: what keeps an entry from
 * outliving its page is that every change to the CPU page tables
 * invalidates it first.  Migrations to or from this device's own memory
 * are the exception the kernel makes: their MMU_NOTIFY_MIGRATE
 * invalidations carry the device's owner and are not torn down, because
 * the migration updates the device page table itself.  Here that update
 * covers every file of every device sharing the owner that mirrors the
 * mm, not only the file that asked (the kernel's dmirror forgets the
 * others), and the filtered invalidation still moves the sequence number
 * so that a fault in flight on another file cannot install a page the
 * migration is taking away.
 *
 * Lock order, outermost first: mmap_lock -> mdevice->release_sem (read:
 * migrations that allocate device pages; write: RELEASE and destroy) ->
 * folio locks -> mirror_lock (the device and file lists) -> file->mutex
 * (the device page table) -> page_table_lock (a peek at one CPU entry) and
 * mdevice->lock (the free list).  A file's mutex is never held across any
 * other call into mm: invalidations take it, under mmap_lock and folio
 * locks.
 */
#include <string.h>
#include <zonedev/zonedev.h>
#include <zonedev/mirror.h>
#include <zonedev/hmm.h>
#include <zonedev/migrate.h>
#include <zonedev/rmap.h>
#include "../mm/internal_mm.h"

#define DMIRROR_RANGE_FAULT_TIMEOUT	HMM_RANGE_DEFAULT_TIMEOUT	/* ms */
#define DMIRROR_FAULT_PAGES		64	/* pages per hmm_range */
#define DMIRROR_SNAPSHOT_PAGES		64
#define DMIRROR_MIGRATE_PAGES		PTRS_PER_PTE	/* pages per migrate_vma */
#define DEVMEM_CHUNKS_RESERVE		16
#define DMIRROR_EVICT_TRIES		200	/* passes that move nothing */
#define DMIRROR_EVICT_WAIT_MS		1

/* Device page-table entry tags (the xarray pointer tags of test_hmm) */
#define DPT_XA_TAG_ATOMIC		1UL
#define DPT_XA_TAG_WRITE		3UL
#define DPT_TAG_MASK			3UL

/* ------------------------------------------------------------------ */
/* The device page table                                               */
/* ------------------------------------------------------------------ */

/*
 * A radix tree indexed by virtual page number, like a device's own MMU:
 * four levels of 512 slots cover the 35 bits of a user page number.  A
 * leaf slot holds (struct page *) | tag, 0 when empty.  Tables are created
 * on first store and freed only with the file; erasing just clears slots.
 */
#define DPT_BITS	9
#define DPT_SLOTS	(1UL << DPT_BITS)
#define DPT_LEVELS	4

struct dpt {
	void *root;
};

static inline unsigned int dpt_index(unsigned long idx, int level)
{
	return (unsigned int)((idx >> (level * DPT_BITS)) & (DPT_SLOTS - 1));
}

/* The leaf slot of @idx; tables are allocated on the way if @alloc. */
static unsigned long *dpt_slot(struct dpt *pt, unsigned long idx, bool alloc)
{
	void **slot = &pt->root;
	int level;

	for (level = DPT_LEVELS; level > 0; level--) {
		void **table = *slot;

		if (!table) {
			if (!alloc)
				return NULL;
			table = kzalloc(DPT_SLOTS * sizeof(void *), GFP_KERNEL);
			if (!table)
				return NULL;
			*slot = table;
		}
		if (level == 1)
			return (unsigned long *)table + dpt_index(idx, 0);
		slot = &table[dpt_index(idx, level - 1)];
	}
	return NULL;
}

static inline unsigned long dpt_load(struct dpt *pt, unsigned long idx)
{
	unsigned long *slot = dpt_slot(pt, idx, false);

	return slot ? *slot : 0;
}

static inline int dpt_store(struct dpt *pt, unsigned long idx, struct page *page,
			    unsigned long tag)
{
	unsigned long *slot = dpt_slot(pt, idx, true);

	if (!slot)
		return -ENOMEM;
	*slot = (unsigned long)page | tag;
	return 0;
}

static inline struct page *dpt_entry_page(unsigned long entry)
{
	return (struct page *)(entry & ~DPT_TAG_MASK);
}

static inline unsigned long dpt_entry_tag(unsigned long entry)
{
	return entry & DPT_TAG_MASK;
}

/* Clear [first, last] under @table, which covers @level levels from @base. */
static void dpt_erase_table(void **table, int level, unsigned long base, unsigned long first,
			    unsigned long last)
{
	unsigned int shift = (level - 1) * DPT_BITS;
	unsigned long i, lo, hi;

	/* Only the slots the range touches, not all 512 of them. */
	lo = first > base ? (first - base) >> shift : 0;
	hi = min((last - base) >> shift, DPT_SLOTS - 1);
	for (i = lo; i <= hi; i++) {
		if (level == 1)
			((unsigned long *)table)[i] = 0;
		else if (table[i])
			dpt_erase_table(table[i], level - 1, base + (i << shift), first, last);
	}
}

/* Erase the entries of pages [@first, @last] (virtual page numbers). */
static void dpt_erase(struct dpt *pt, unsigned long first, unsigned long last)
{
	unsigned long *slot;

	if (first == last) {
		slot = dpt_slot(pt, first, false);
		if (slot)
			*slot = 0;
		return;
	}
	if (pt->root)
		dpt_erase_table(pt->root, DPT_LEVELS, 0, first, last);
}

static void dpt_free_table(void **table, int level)
{
	unsigned long i;

	if (level > 1)
		for (i = 0; i < DPT_SLOTS; i++)
			if (table[i])
				dpt_free_table(table[i], level - 1);
	kfree(table);
}

static void dpt_destroy(struct dpt *pt)
{
	if (pt->root)
		dpt_free_table(pt->root, DPT_LEVELS);
	pt->root = NULL;
}

/* ------------------------------------------------------------------ */
/* Devices, chunks, files                                              */
/* ------------------------------------------------------------------ */

struct dmirror_chunk {
	struct dev_pagemap pagemap;
	struct resource *res;
	struct zd_mirror *mdevice;
	unsigned long used_end;		/* first pfn never handed out */
	bool remove;			/* being evicted: page_free keeps its pages */
};

/**
 * struct zd_mirror - one mirror device (dmirror_device)
 * @sys: the system its memory belongs to
 * @nid: its node
 * @memory: HMM_DMIRROR_MEMORY_DEVICE_PRIVATE or _COHERENT
 * @chunk_size: bytes per chunk
 * @owner: the pgmap owner cookie
 * @name: for resources
 * @devmem_lock: serialises adding and removing chunks
 * @chunks: the chunks (@nr_chunks of @chunks_cap)
 * @release_sem: held for read by migrations that allocate device pages,
 *	for write while chunks are evicted and removed
 * @lock: protects the free list, the bump range and the counters
 * @free_pages: freed device pages, linked through zone_device_data
 * @bump_next: next never-used pfn of the newest chunk
 * @bump_end: end of the newest chunk
 * @calloc: pages allocated
 * @cfree: pages given back by page_free
 * @migrate_to_ram: CPU faults served
 * @evicted: pages evicted to RAM
 * @files: open files (under mirror_lock)
 * @nr_files: their number (under mirror_lock)
 * @list: on mirror_devices
 * @dying: destroy has begun; no more opens
 */
struct zd_mirror {
	struct zd_system *sys;
	int nid;
	int memory;
	unsigned long chunk_size;
	void *owner;
	char name[32];

	struct mutex devmem_lock;
	struct dmirror_chunk **chunks;
	unsigned int nr_chunks;
	unsigned int chunks_cap;
	struct rw_semaphore release_sem;

	spinlock_t lock;
	struct page *free_pages;
	unsigned long bump_next;
	unsigned long bump_end;
	unsigned long calloc;
	unsigned long cfree;
	atomic_long_t migrate_to_ram;
	atomic_long_t evicted;

	struct list_head files;
	unsigned long nr_files;
	struct list_head list;
	bool dying;
};

/**
 * struct zd_mirror_file - one open of a mirror device (struct dmirror)
 * @mdevice: the device
 * @task: the task that opened it, whose memory it mirrors
 * @mm: the task's address space
 * @notifier: the interval notifier over the whole address space
 * @mutex: the notifier protocol's user_lock: held to read or change @pt
 * @pt: the device page table
 * @flags: HMM_DMIRROR_FLAG_*
 * @list: on the device's files
 */
struct zd_mirror_file {
	struct zd_mirror *mdevice;
	struct zd_task *task;
	struct mm_struct *mm;
	struct mmu_interval_notifier notifier;
	struct mutex mutex;
	struct dpt pt;
	unsigned long flags;
	struct list_head list;
};

/* A temporary notifier for one snapshot chunk */
struct dmirror_interval {
	struct mmu_interval_notifier notifier;
	struct zd_mirror_file *dmirror;
};

/* A copy of a range of user pages, as the device sees them */
struct dmirror_bounce {
	void *ptr;
	unsigned long size;
	unsigned long addr;
	unsigned long cpages;
};

/* Every device, so migrations can reach the files of devices sharing an owner. */
static DEFINE_MUTEX(mirror_lock);
static LIST_HEAD(mirror_devices);
static atomic_long_t mirror_nr_files;	/* open files on all devices */

static const struct dev_pagemap_ops dmirror_devmem_ops;
static const struct mmu_interval_notifier_ops dmirror_min_ops;

static inline bool dmirror_is_private_zone(const struct zd_mirror *mdevice)
{
	return mdevice->memory == HMM_DMIRROR_MEMORY_DEVICE_PRIVATE;
}

static inline enum migrate_vma_direction dmirror_select_device(const struct zd_mirror *mdevice)
{
	return dmirror_is_private_zone(mdevice) ? MIGRATE_VMA_SELECT_DEVICE_PRIVATE :
						  MIGRATE_VMA_SELECT_DEVICE_COHERENT;
}

static inline struct dmirror_chunk *dmirror_page_to_chunk(struct page *page)
{
	return container_of(page_pgmap(page), struct dmirror_chunk, pagemap);
}

static inline struct zd_mirror *dmirror_page_to_device(struct page *page)
{
	return dmirror_page_to_chunk(page)->mdevice;
}

/* Is @page one of a mirror device's (and so has a backing page if private)? */
static inline bool is_dmirror_page(struct page *page)
{
	return folio_is_zone_device(page_folio(page)) &&
	       page_pgmap(page)->ops == &dmirror_devmem_ops;
}

/* The page that holds the data of @page (test_hmm's BACKING_PAGE()). */
static inline struct page *dmirror_backing_page(struct page *page)
{
	if (is_device_private_page(page))
		return page->zone_device_data;
	return page;
}

static inline void copy_highpage(struct page *to, struct page *from)
{
	memcpy(page_address(to), page_address(from), PAGE_SIZE);
}

static inline void clear_highpage(struct page *page)
{
	memset(page_address(page), 0, PAGE_SIZE);
}

static inline bool is_zero_page_nid(struct page *page, int nid)
{
	return page == NODE_DATA(nid)->zero_page;
}

/* mmget_not_zero()/mmput(): keep the mm's pages and VMAs while we use them. */
static inline bool dmirror_mmget(struct mm_struct *mm)
{
	return atomic_inc_not_zero(&mm->mm_users);
}

static inline struct vm_area_struct *vma_lookup(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	return vma && vma->vm_start <= addr ? vma : NULL;
}

/*
 * Does @mm map @page at @addr: a present PTE, or a device-private or
 * device-exclusive entry for it?  The caller holds mmap_lock.
 */
static bool dmirror_pte_maps(struct mm_struct *mm, unsigned long addr, struct page *page)
{
	pte_t *ptep = pte_offset_lockless(mm, addr), pte;
	bool ret = false;

	if (!ptep)
		return false;
	spin_lock(&mm->page_table_lock);
	pte = ptep_get(ptep);
	if (pte_present(pte)) {
		ret = pte_pfn(pte) == page_to_pfn(page);
	} else if (is_swap_pte(pte)) {
		swp_entry_t entry = pte_to_swp_entry(pte);

		ret = is_pfn_swap_entry(entry) && !is_migration_entry(entry) &&
		      swp_offset_pfn(entry) == page_to_pfn(page);
	}
	spin_unlock(&mm->page_table_lock);
	return ret;
}

/* ------------------------------------------------------------------ */
/* User memory: copy_to_user() and copy_from_user() of the file's task */
/* ------------------------------------------------------------------ */

/*
 * Could the task access [@uaddr, +@len) at all?  The kernel's uaccess
 * fails without a signal where the task's own access would get SIGSEGV
 * (exception fixup), so such a buffer is refused here before zd_read() or
 * zd_write() records one.
 */
static int dmirror_access_ok(struct zd_mirror_file *dmirror, unsigned long uaddr,
			     unsigned long len, bool write)
{
	unsigned long need = write ? VM_WRITE : (VM_READ | VM_WRITE | VM_EXEC);
	struct mm_struct *mm = dmirror->mm;
	unsigned long addr, end = uaddr + len;
	int ret = 0;

	if (end < uaddr || end > TASK_SIZE)
		return -EFAULT;
	down_read(&mm->mmap_lock);
	for (addr = uaddr; addr < end;) {
		struct vm_area_struct *vma = vma_lookup(mm, addr);

		if (!vma || !(vma->vm_flags & need)) {
			ret = -EFAULT;
			break;
		}
		addr = vma->vm_end;
	}
	up_read(&mm->mmap_lock);
	return ret;
}

static int dmirror_copy_to_user(struct zd_mirror_file *dmirror, unsigned long uaddr,
				const void *buf, unsigned long len)
{
	int ret;

	if (!len)
		return 0;
	ret = dmirror_access_ok(dmirror, uaddr, len, true);
	if (ret)
		return ret;
	return zd_write(dmirror->task, uaddr, buf, len) == (long)len ? 0 : -EFAULT;
}

static int dmirror_copy_from_user(struct zd_mirror_file *dmirror, void *buf,
				  unsigned long uaddr, unsigned long len)
{
	int ret;

	if (!len)
		return 0;
	ret = dmirror_access_ok(dmirror, uaddr, len, false);
	if (ret)
		return ret;
	return zd_read(dmirror->task, uaddr, buf, len) == (long)len ? 0 : -EFAULT;
}

/*
 * vmalloc() of a bounce buffer: more than the system has cannot be had,
 * whatever the host would overcommit.
 */
static int dmirror_bounce_init(struct zd_mirror_file *dmirror, struct dmirror_bounce *bounce,
			       unsigned long addr, unsigned long size)
{
	bounce->addr = addr;
	bounce->size = size;
	bounce->cpages = 0;
	if (size > dmirror->mdevice->sys->cfg.ram_size)
		return -ENOMEM;
	bounce->ptr = kmalloc(size, GFP_KERNEL);
	return bounce->ptr ? 0 : -ENOMEM;
}

static void dmirror_bounce_fini(struct dmirror_bounce *bounce)
{
	kfree(bounce->ptr);
}

/* ------------------------------------------------------------------ */
/* Device memory: chunks, allocation, page_free                        */
/* ------------------------------------------------------------------ */

/* A free page: from the free list, else never used from the newest chunk. */
static struct page *dmirror_pop_free_page(struct zd_mirror *mdevice)
{
	struct page *page = NULL;

	spin_lock(&mdevice->lock);
	if (mdevice->free_pages) {
		page = mdevice->free_pages;
		mdevice->free_pages = page->zone_device_data;
	} else if (mdevice->bump_next < mdevice->bump_end) {
		struct dmirror_chunk *chunk;

		page = pfn_to_page(mdevice->bump_next++);
		chunk = dmirror_page_to_chunk(page);
		chunk->used_end = max(chunk->used_end, mdevice->bump_next);
	}
	if (page)
		mdevice->calloc++;
	spin_unlock(&mdevice->lock);
	return page;
}

static bool dmirror_has_free_pages(struct zd_mirror *mdevice)
{
	bool ret;

	spin_lock(&mdevice->lock);
	ret = mdevice->free_pages || mdevice->bump_next < mdevice->bump_end;
	spin_unlock(&mdevice->lock);
	return ret;
}

/*
 * Add a chunk of device memory (dmirror_allocate_chunk()): a fresh
 * physical range, memremap_pages(), and its pages made available.  The
 * pages are handed out from a bump range rather than threaded onto the
 * free list up front, so a 256 MiB chunk costs no memmap writes until its
 * pages are used.
 */
static int dmirror_allocate_chunk(struct zd_mirror *mdevice)
{
	struct dmirror_chunk *chunk;
	struct resource *res;
	void *ptr;
	int ret;

	mutex_lock(&mdevice->devmem_lock);
	/* Someone else added one, or pages were freed, while we waited. */
	if (dmirror_has_free_pages(mdevice)) {
		ret = 0;
		goto out_unlock;
	}
	if (mdevice->nr_chunks == mdevice->chunks_cap) {
		unsigned int cap = mdevice->chunks_cap + DEVMEM_CHUNKS_RESERVE;
		struct dmirror_chunk **chunks;

		chunks = krealloc(mdevice->chunks, cap * sizeof(*chunks), GFP_KERNEL);
		if (!chunks) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		mdevice->chunks = chunks;
		mdevice->chunks_cap = cap;
	}
	chunk = kzalloc(sizeof(*chunk), GFP_KERNEL);
	if (!chunk) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	/*
	 * Private memory is a range no CPU can address (request_free_mem_region);
	 * coherent memory is real memory the CPU maps, as the kernel's spm
	 * ranges are.
	 */
	if (dmirror_is_private_zone(mdevice))
		res = request_free_mem_region(&iomem_resource, mdevice->chunk_size, mdevice->name);
	else
		res = zd_request_device_memory(mdevice->chunk_size, mdevice->name,
					       IORES_DESC_DEVICE_PUBLIC_MEMORY, -2, 0);
	if (IS_ERR(res)) {
		ret = (int)PTR_ERR(res);
		goto free_chunk;
	}
	chunk->res = res;
	chunk->mdevice = mdevice;
	chunk->pagemap.type = dmirror_is_private_zone(mdevice) ? MEMORY_DEVICE_PRIVATE :
								 MEMORY_DEVICE_COHERENT;
	chunk->pagemap.range.start = res->start;
	chunk->pagemap.range.end = res->start + mdevice->chunk_size - 1;
	chunk->pagemap.nr_range = 1;
	chunk->pagemap.ops = &dmirror_devmem_ops;
	chunk->pagemap.owner = mdevice->owner;
	ptr = memremap_pages(&chunk->pagemap, mdevice->nid);
	if (IS_ERR(ptr)) {
		ret = (int)PTR_ERR(ptr);
		goto release_region;
	}
	chunk->used_end = PHYS_PFN(res->start);
	mdevice->chunks[mdevice->nr_chunks++] = chunk;

	spin_lock(&mdevice->lock);
	mdevice->bump_next = PHYS_PFN(res->start);
	mdevice->bump_end = mdevice->bump_next + PHYS_PFN(mdevice->chunk_size);
	spin_unlock(&mdevice->lock);
	if (READ_ONCE(mdevice->sys->cfg.trace))
		zd_trace_event(mdevice->sys, "dmirror_chunk_add",
			       "dev=%s pfn=0x%lx pages=%lu chunks=%u", mdevice->name,
			       PHYS_PFN(res->start), PHYS_PFN(mdevice->chunk_size),
			       mdevice->nr_chunks);
	mutex_unlock(&mdevice->devmem_lock);
	return 0;

release_region:
	zd_release_mem_region(res);
free_chunk:
	kfree(chunk);
out_unlock:
	mutex_unlock(&mdevice->devmem_lock);
	return ret;
}

/*
 * dmirror_devmem_alloc_page(): a device page, locked and with one
 * reference (zone_device_page_init()), and for private memory a RAM page
 * to hold its data.  The caller holds release_sem for read.
 */
static struct page *dmirror_devmem_alloc_page(struct zd_mirror *mdevice)
{
	struct page *dpage, *rpage = NULL;

	if (dmirror_is_private_zone(mdevice)) {
		rpage = alloc_pages_node(mdevice->nid, GFP_HIGHUSER, 0);
		if (!rpage)
			return NULL;
	}
	dpage = dmirror_pop_free_page(mdevice);
	while (!dpage) {
		if (dmirror_allocate_chunk(mdevice))
			goto free_rpage;
		dpage = dmirror_pop_free_page(mdevice);
	}
	zone_device_page_init(dpage);
	dpage->zone_device_data = rpage;
	return dpage;

free_rpage:
	if (rpage)
		__free_page(rpage);
	return NULL;
}

/*
 * ->page_free(): the last reference went (zero scheme 1->0, elevated
 * 2->1).  The backing page goes back to RAM and the page to the free list,
 * unless its chunk is being removed.  Runs on whichever thread dropped the
 * reference; takes only the free-list spinlock.
 */
static void dmirror_devmem_free(struct page *page)
{
	struct dmirror_chunk *chunk = dmirror_page_to_chunk(page);
	struct zd_mirror *mdevice = chunk->mdevice;
	struct page *rpage = dmirror_backing_page(page);

	if (rpage && rpage != page)
		__free_page(rpage);
	page->zone_device_data = NULL;

	spin_lock(&mdevice->lock);
	mdevice->cfree++;
	if (!chunk->remove) {
		page->zone_device_data = mdevice->free_pages;
		mdevice->free_pages = page;
	}
	spin_unlock(&mdevice->lock);
}

/* ------------------------------------------------------------------ */
/* The notifier and the device fault                                   */
/* ------------------------------------------------------------------ */

static void dmirror_do_update(struct zd_mirror_file *dmirror, unsigned long start,
			      unsigned long end)
{
	/*
	 * Over-invalidate by the page at @end, as test_hmm does: harmless,
	 * and exact when end is ULONG_MAX.
	 */
	dpt_erase(&dmirror->pt, start >> PAGE_SHIFT, end >> PAGE_SHIFT);
}

static bool dmirror_interval_invalidate(struct mmu_interval_notifier *mni,
					const struct mmu_notifier_range *range,
					unsigned long cur_seq)
{
	struct zd_mirror_file *dmirror = container_of(mni, struct zd_mirror_file, notifier);

	if (mmu_notifier_range_blockable(range))
		mutex_lock(&dmirror->mutex);
	else if (!mutex_trylock(&dmirror->mutex))
		return false;

	mmu_interval_set_seq(mni, cur_seq);
	/*
	 * Our own migrations keep the device page table up to date
	 * themselves (dmirror_migrate_finalize_and_map(),
	 * dmirror_invalidate_owner()): the entries stay, only faults in
	 * flight start over.
	 */
	if (!(range->event == MMU_NOTIFY_MIGRATE && range->owner == dmirror->mdevice->owner))
		dmirror_do_update(dmirror, range->start, range->end);

	mutex_unlock(&dmirror->mutex);
	return true;
}

static const struct mmu_interval_notifier_ops dmirror_min_ops = {
	.invalidate = dmirror_interval_invalidate,
};

/*
 * A migration with @owner is moving the pages of @mm flagged in @src
 * (MIGRATE_PFN_MIGRATE) at @start: erase their entries in every file that
 * mirrors @mm on a device with that owner, whose invalidation skipped
 * them.  @except (the file mapping the new pages itself) is left alone.
 */
static void dmirror_invalidate_owner(void *owner, struct mm_struct *mm, unsigned long start,
				     const unsigned long *src, unsigned long npages,
				     struct zd_mirror_file *except)
{
	unsigned long first = start >> PAGE_SHIFT, i;
	struct zd_mirror *mdevice;
	struct zd_mirror_file *f;

	/*
	 * @except is the only file: nobody else can hold entries for the
	 * pages (a file opened from now on faults them only once they moved).
	 */
	if (except && atomic_long_read(&mirror_nr_files) == 1)
		return;
	mutex_lock(&mirror_lock);
	list_for_each_entry(mdevice, &mirror_devices, list) {
		if (mdevice->owner != owner)
			continue;
		list_for_each_entry(f, &mdevice->files, list) {
			if (f->mm != mm || f == except)
				continue;
			mutex_lock(&f->mutex);
			for (i = 0; i < npages; i++)
				if (src[i] & MIGRATE_PFN_MIGRATE)
					dpt_erase(&f->pt, first + i, first + i);
			mutex_unlock(&f->mutex);
		}
	}
	mutex_unlock(&mirror_lock);
}

/*
 * Program the device page table from a successful hmm_range_fault(); the
 * caller holds the mutex and mmu_interval_read_retry() said the pfns are
 * current.
 */
static int dmirror_do_fault(struct zd_mirror_file *dmirror, struct hmm_range *range)
{
	unsigned long *pfns = range->hmm_pfns;
	unsigned long idx;

	for (idx = range->start >> PAGE_SHIFT; idx < (range->end >> PAGE_SHIFT); idx++, pfns++) {
		struct page *page;
		unsigned long tag = 0;
		int ret;

		/* REQ_FAULT succeeded: every entry must be valid. */
		if ((*pfns & HMM_PFN_ERROR) || !(*pfns & HMM_PFN_VALID)) {
			zd_report_bug(dmirror->mdevice->sys,
				      "dmirror: hmm_range_fault() returned 0 with entry %#lx at %#lx",
				      *pfns, idx << PAGE_SHIFT);
			return -EFAULT;
		}
		page = hmm_pfn_to_page(*pfns);
		/*
		 * Our own device-private page (or a peer's with our owner):
		 * the device reaches its data through the backing page.
		 */
		if (is_device_private_page(page)) {
			if (!is_dmirror_page(page))
				return -EFAULT;
			page = dmirror_backing_page(page);
		}
		if (*pfns & HMM_PFN_WRITE)
			tag = DPT_XA_TAG_WRITE;
		else if (range->default_flags & HMM_PFN_REQ_WRITE)
			/* A read-only device-private entry, reported without a fault. */
			return -EFAULT;
		ret = dpt_store(&dmirror->pt, idx, page, tag);
		if (ret)
			return ret;
	}
	return 0;
}

/* R1-R6 of the notifier protocol for one hmm_range, with a timeout. */
/*
 * The driver side of the notifier protocol (spec §4.3, R1-R5): fault or
 * snapshot @range until no invalidation overlapped it, within
 * DMIRROR_RANGE_FAULT_TIMEOUT.  Returns 0 with dmirror->mutex held (the
 * caller programs the device table from range->hmm_pfns, then unlocks),
 * or an error without it.
 */
static int dmirror_range_fault_locked(struct zd_mirror_file *dmirror, struct hmm_range *range)
{
	unsigned long long timeout = ktime_get_ns() +
				     DMIRROR_RANGE_FAULT_TIMEOUT * 1000000ULL;
	struct mm_struct *mm = dmirror->mm;
	int ret;

	for (;;) {
		if (ktime_get_ns() > timeout)
			return -EBUSY;
		range->notifier_seq = mmu_interval_read_begin(range->notifier);
		down_read(&mm->mmap_lock);
		ret = hmm_range_fault(range);
		up_read(&mm->mmap_lock);
		if (ret) {
			if (ret == -EBUSY)
				continue;
			return ret;
		}
		mutex_lock(&dmirror->mutex);
		if (!mmu_interval_read_retry(range->notifier, range->notifier_seq))
			return 0;
		mutex_unlock(&dmirror->mutex);
	}
}

static int dmirror_range_fault(struct zd_mirror_file *dmirror, struct hmm_range *range)
{
	int ret = dmirror_range_fault_locked(dmirror, range);

	if (ret)
		return ret;
	ret = dmirror_do_fault(dmirror, range);
	mutex_unlock(&dmirror->mutex);
	return ret;
}

/* A device page fault over [@start, @end): fill the device page table. */
static int dmirror_fault(struct zd_mirror_file *dmirror, unsigned long start, unsigned long end,
			 bool write)
{
	struct mm_struct *mm = dmirror->mm;
	unsigned long pfns[DMIRROR_FAULT_PAGES], addr;
	struct hmm_range range = {
		.notifier = &dmirror->notifier,
		.hmm_pfns = pfns,
		.pfn_flags_mask = 0,
		.default_flags = HMM_PFN_REQ_FAULT | (write ? HMM_PFN_REQ_WRITE : 0),
		.dev_private_owner = dmirror->mdevice->owner,
	};
	int ret = 0;

	if (!dmirror_mmget(mm))
		return -EFAULT;
	for (addr = start; addr < end; addr = range.end) {
		range.start = addr;
		range.end = min(addr + (ARRAY_SIZE(pfns) << PAGE_SHIFT), end);
		ret = dmirror_range_fault(dmirror, &range);
		if (ret)
			break;
	}
	mmput(mm);
	return ret;
}

/* ------------------------------------------------------------------ */
/* READ and WRITE                                                      */
/* ------------------------------------------------------------------ */

static int dmirror_do_read(struct zd_mirror_file *dmirror, unsigned long start,
			   unsigned long end, struct dmirror_bounce *bounce)
{
	char *ptr = (char *)bounce->ptr + ((start - bounce->addr) & PAGE_MASK);
	unsigned long idx;

	for (idx = start >> PAGE_SHIFT; idx < (end >> PAGE_SHIFT); idx++) {
		struct page *page = dpt_entry_page(dpt_load(&dmirror->pt, idx));

		if (!page)
			return -ENOENT;
		memcpy(ptr, page_address(page), PAGE_SIZE);
		ptr += PAGE_SIZE;
		bounce->cpages++;
	}
	return 0;
}

/* Copy through the device page table, faulting what is missing. */
static int dmirror_read_bounce(struct zd_mirror_file *dmirror, struct zd_mirror_cmd *cmd,
			       struct dmirror_bounce *bounce, bool fault)
{
	unsigned long start = bounce->addr, end = bounce->addr + bounce->size;
	int ret;

	for (;;) {
		mutex_lock(&dmirror->mutex);
		ret = dmirror_do_read(dmirror, start, end, bounce);
		mutex_unlock(&dmirror->mutex);
		if (ret != -ENOENT || !fault)
			return ret;
		start = bounce->addr + (bounce->cpages << PAGE_SHIFT);
		ret = dmirror_fault(dmirror, start, end, false);
		if (ret)
			return ret;
		cmd->faults++;
	}
}

static int dmirror_read(struct zd_mirror_file *dmirror, struct zd_mirror_cmd *cmd)
{
	unsigned long start = cmd->addr, size = cmd->npages << PAGE_SHIFT;
	struct dmirror_bounce bounce;
	int ret;

	ret = dmirror_bounce_init(dmirror, &bounce, start, size);
	if (ret)
		return ret;
	ret = dmirror_read_bounce(dmirror, cmd, &bounce, true);
	if (!ret)
		ret = dmirror_copy_to_user(dmirror, cmd->ptr, bounce.ptr, bounce.size);
	cmd->cpages = bounce.cpages;
	dmirror_bounce_fini(&bounce);
	return ret;
}

static int dmirror_do_write(struct zd_mirror_file *dmirror, unsigned long start,
			    unsigned long end, struct dmirror_bounce *bounce)
{
	char *ptr = (char *)bounce->ptr + ((start - bounce->addr) & PAGE_MASK);
	unsigned long idx;

	for (idx = start >> PAGE_SHIFT; idx < (end >> PAGE_SHIFT); idx++) {
		unsigned long entry = dpt_load(&dmirror->pt, idx);
		struct page *page = dpt_entry_page(entry);

		if (!page || dpt_entry_tag(entry) != DPT_XA_TAG_WRITE)
			return -ENOENT;
		memcpy(page_address(page), ptr, PAGE_SIZE);
		ptr += PAGE_SIZE;
		bounce->cpages++;
	}
	return 0;
}

static int dmirror_write(struct zd_mirror_file *dmirror, struct zd_mirror_cmd *cmd)
{
	unsigned long start = cmd->addr, size = cmd->npages << PAGE_SHIFT, end = start + size;
	struct dmirror_bounce bounce;
	int ret;

	ret = dmirror_bounce_init(dmirror, &bounce, start, size);
	if (ret)
		return ret;
	ret = dmirror_copy_from_user(dmirror, bounce.ptr, cmd->ptr, size);
	if (ret)
		goto fini;
	for (;;) {
		mutex_lock(&dmirror->mutex);
		ret = dmirror_do_write(dmirror, start, end, &bounce);
		mutex_unlock(&dmirror->mutex);
		if (ret != -ENOENT)
			break;
		start = cmd->addr + (bounce.cpages << PAGE_SHIFT);
		ret = dmirror_fault(dmirror, start, end, true);
		if (ret)
			break;
		cmd->faults++;
	}
fini:
	cmd->cpages = bounce.cpages;
	dmirror_bounce_fini(&bounce);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Migration to the device                                             */
/* ------------------------------------------------------------------ */

/* Allocate a device page for each selected entry and copy (or zero) into it. */
static void dmirror_migrate_alloc_and_copy(struct migrate_vma *args,
					   struct zd_mirror_file *dmirror)
{
	struct zd_mirror *mdevice = dmirror->mdevice;
	const unsigned long *src = args->src;
	unsigned long *dst = args->dst;
	unsigned long addr;

	for (addr = args->start; addr < args->end; addr += PAGE_SIZE, src++, dst++) {
		struct page *spage, *dpage, *rpage;

		if (!(*src & MIGRATE_PFN_MIGRATE))
			continue;
		/* NULL for a hole or the zero page: the device page is zeroed. */
		spage = migrate_pfn_to_page(*src);
		/* SELECT_SYSTEM never gives device pages; a copy would be wrong. */
		if (spage && folio_is_zone_device(page_folio(spage)))
			continue;
		if (READ_ONCE(dmirror->flags) & HMM_DMIRROR_FLAG_FAIL_ALLOC) {
			/* Fail this allocation once, as if device memory ran out. */
			WRITE_ONCE(dmirror->flags, dmirror->flags & ~HMM_DMIRROR_FLAG_FAIL_ALLOC);
			continue;
		}
		dpage = dmirror_devmem_alloc_page(mdevice);
		if (!dpage)
			continue;
		rpage = dmirror_backing_page(dpage);
		if (spage)
			copy_highpage(rpage, spage);
		else
			clear_highpage(rpage);
		*dst = migrate_pfn(page_to_pfn(dpage));
		if ((*src & MIGRATE_PFN_WRITE) || (!spage && (args->vma->vm_flags & VM_WRITE)))
			*dst |= MIGRATE_PFN_WRITE;
	}
}

/*
 * The old pages of everything that moves go with finalize: no device page
 * table may still point at them.  Ours is reprogrammed afterwards, the
 * other files with our owner fault again.
 */
static void dmirror_migrate_unmap_old(struct migrate_vma *args, struct zd_mirror_file *dmirror)
{
	unsigned long first = args->start >> PAGE_SHIFT, i;

	mutex_lock(&dmirror->mutex);
	for (i = 0; i < args->npages; i++)
		if (args->src[i] & MIGRATE_PFN_MIGRATE)
			dpt_erase(&dmirror->pt, first + i, first + i);
	mutex_unlock(&dmirror->mutex);
	dmirror_invalidate_owner(dmirror->mdevice->owner, dmirror->mm, args->start, args->src,
				 args->npages, dmirror);
}

/*
 * dmirror_migrate_finalize_and_map(), after migrate_vma_finalize(): map
 * each page that moved in the device page table, if the CPU still maps
 * it.  MADV_DONTNEED runs under mmap_lock for read too and may have zapped
 * the migration entry, in which case finalize mapped nothing and freed the
 * new page.  The check and the store happen under our mutex, which the
 * invalidation of any later zap needs before it zaps: so either the zap
 * came first and we see it, or it tears our entry down after us.  Returns
 * the pages mapped, or -ENOMEM.
 */
static long dmirror_migrate_finalize_and_map(struct migrate_vma *args,
					     struct zd_mirror_file *dmirror)
{
	unsigned long idx = args->start >> PAGE_SHIFT, i;
	long mapped = 0;
	int ret = 0;

	mutex_lock(&dmirror->mutex);
	for (i = 0; i < args->npages; i++) {
		unsigned long addr = args->start + (i << PAGE_SHIFT);
		struct page *dpage = migrate_pfn_to_page(args->dst[i]);

		if (!(args->src[i] & MIGRATE_PFN_MIGRATE) || !dpage)
			continue;
		/* Mapped means alive: the mapping holds a reference. */
		if (!dmirror_pte_maps(args->vma->vm_mm, addr, dpage))
			continue;
		ret = dpt_store(&dmirror->pt, idx + i, dmirror_backing_page(dpage),
				(args->dst[i] & MIGRATE_PFN_WRITE) ? DPT_XA_TAG_WRITE : 0);
		if (ret)
			break;
		mapped++;
	}
	mutex_unlock(&dmirror->mutex);
	return ret ? ret : mapped;
}

/*
 * migrate_vma_setup() of the next chunk from @addr: at most
 * DMIRROR_MIGRATE_PAGES, within one readable VMA (-EINVAL without one).
 * @args->end tells where the chunk ends.
 */
static int dmirror_migrate_setup(struct zd_mirror *mdevice, struct mm_struct *mm,
				 unsigned long addr, unsigned long end, unsigned long flags,
				 struct migrate_vma *args, unsigned long *src_pfns,
				 unsigned long *dst_pfns)
{
	struct vm_area_struct *vma = vma_lookup(mm, addr);

	if (!vma || !(vma->vm_flags & VM_READ))
		return -EINVAL;
	memset(args, 0, sizeof(*args));
	args->vma = vma;
	args->src = src_pfns;
	args->dst = dst_pfns;
	args->start = addr;
	args->end = min(min(end, addr + (DMIRROR_MIGRATE_PAGES << PAGE_SHIFT)), vma->vm_end);
	args->pgmap_owner = mdevice->owner;
	args->flags = flags;
	return migrate_vma_setup(args);
}

/*
 * migrate_vma over [@start, @end) to device memory, chunk by chunk within
 * single VMAs.  Returns the pages that moved, or -EINVAL where no readable
 * VMA covers an address (nothing after it is tried).
 */
static long dmirror_migrate_to_device_range(struct zd_mirror_file *dmirror,
					    unsigned long start, unsigned long end)
{
	unsigned long src_pfns[DMIRROR_MIGRATE_PAGES], dst_pfns[DMIRROR_MIGRATE_PAGES];
	struct zd_mirror *mdevice = dmirror->mdevice;
	struct mm_struct *mm = dmirror->mm;
	struct migrate_vma args = { 0 };
	unsigned long addr, next;
	long moved = 0, n;
	int ret = 0;

	if (!dmirror_mmget(mm))
		return -EINVAL;
	down_read(&mm->mmap_lock);
	down_read(&mdevice->release_sem);
	for (addr = start; addr < end; addr = next) {
		ret = dmirror_migrate_setup(mdevice, mm, addr, end, MIGRATE_VMA_SELECT_SYSTEM, &args,
					    src_pfns, dst_pfns);
		if (ret)
			break;
		next = args.end;
		dmirror_migrate_alloc_and_copy(&args, dmirror);
		migrate_vma_pages(&args);
		dmirror_migrate_unmap_old(&args, dmirror);
		migrate_vma_finalize(&args);
		n = dmirror_migrate_finalize_and_map(&args, dmirror);
		if (n < 0) {
			ret = (int)n;
			break;
		}
		moved += n;
	}
	up_read(&mdevice->release_sem);
	up_read(&mm->mmap_lock);
	mmput(mm);
	return ret ? ret : moved;
}

static int dmirror_migrate_to_device(struct zd_mirror_file *dmirror, struct zd_mirror_cmd *cmd)
{
	unsigned long start = cmd->addr, size = cmd->npages << PAGE_SHIFT;
	struct dmirror_bounce bounce;
	long moved;
	int ret;

	moved = dmirror_migrate_to_device_range(dmirror, start, start + size);
	if (moved < 0)
		return (int)moved;

	/* Read back what the device now maps, pages it held already included. */
	ret = dmirror_bounce_init(dmirror, &bounce, start, size);
	if (ret)
		return ret;
	ret = dmirror_read_bounce(dmirror, cmd, &bounce, false);
	if (!ret)
		ret = dmirror_copy_to_user(dmirror, cmd->ptr, bounce.ptr, bounce.size);
	cmd->cpages = bounce.cpages;
	dmirror_bounce_fini(&bounce);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Migration to system memory                                          */
/* ------------------------------------------------------------------ */

/*
 * A RAM page for each selected device page, with a copy of its data; the
 * device mappings of it go first, @dmirror's (NULL from a CPU fault) and
 * those of every other file with @owner.  Returns VM_FAULT_OOM if a page
 * could not be had (the others are still set up).
 */
static vm_fault_t dmirror_devmem_fault_alloc_and_copy(struct migrate_vma *args, void *owner,
						      struct zd_mirror_file *dmirror)
{
	unsigned long first = args->start >> PAGE_SHIFT, *dst = args->dst, i;
	struct mm_struct *mm = args->vma->vm_mm;
	const unsigned long *src = args->src;
	vm_fault_t ret = 0;

	if (dmirror) {
		mutex_lock(&dmirror->mutex);
		for (i = 0; i < args->npages; i++)
			if (src[i] & MIGRATE_PFN_MIGRATE)
				dpt_erase(&dmirror->pt, first + i, first + i);
		mutex_unlock(&dmirror->mutex);
	}
	dmirror_invalidate_owner(owner, mm, args->start, src, args->npages, dmirror);
	for (i = 0; i < args->npages; i++, src++, dst++) {
		struct page *spage = migrate_pfn_to_page(*src), *dpage;

		if (!spage || !(*src & MIGRATE_PFN_MIGRATE))
			continue;
		/* Pages of a driver sharing our owner have no backing page we know. */
		if (!is_dmirror_page(spage))
			continue;
		dpage = alloc_pages_node(mm->nid, GFP_HIGHUSER_MOVABLE, 0);
		if (!dpage) {
			ret = VM_FAULT_OOM;
			continue;
		}
		lock_page(dpage);
		copy_highpage(dpage, dmirror_backing_page(spage));
		*dst = migrate_pfn(page_to_pfn(dpage));
		if (*src & MIGRATE_PFN_WRITE)
			*dst |= MIGRATE_PFN_WRITE;
	}
	return ret;
}

static unsigned long dmirror_successful_migrated_pages(struct migrate_vma *migrate)
{
	unsigned long cpages = 0, i;

	for (i = 0; i < migrate->npages; i++)
		if ((migrate->src[i] & MIGRATE_PFN_VALID) && (migrate->src[i] & MIGRATE_PFN_MIGRATE))
			cpages++;
	return cpages;
}

static long dmirror_migrate_to_system_range(struct zd_mirror_file *dmirror, unsigned long start,
					    unsigned long end)
{
	unsigned long src_pfns[DMIRROR_MIGRATE_PAGES], dst_pfns[DMIRROR_MIGRATE_PAGES];
	struct zd_mirror *mdevice = dmirror->mdevice;
	struct mm_struct *mm = dmirror->mm;
	struct migrate_vma args = { 0 };
	unsigned long addr, next;
	long cpages = 0;
	int ret = 0;

	if (!dmirror_mmget(mm))
		return -EINVAL;
	down_read(&mm->mmap_lock);
	for (addr = start; addr < end; addr = next) {
		ret = dmirror_migrate_setup(mdevice, mm, addr, end, dmirror_select_device(mdevice),
					    &args, src_pfns, dst_pfns);
		if (ret)
			break;
		next = args.end;
		if (dmirror_devmem_fault_alloc_and_copy(&args, mdevice->owner, dmirror))
			ret = -ENOMEM;
		migrate_vma_pages(&args);
		cpages += dmirror_successful_migrated_pages(&args);
		migrate_vma_finalize(&args);
		if (ret)
			break;
	}
	up_read(&mm->mmap_lock);
	mmput(mm);
	return ret ? ret : cpages;
}

static int dmirror_migrate_to_system(struct zd_mirror_file *dmirror, struct zd_mirror_cmd *cmd)
{
	long cpages = dmirror_migrate_to_system_range(dmirror, cmd->addr,
						      cmd->addr + (cmd->npages << PAGE_SHIFT));

	if (cpages < 0)
		return (int)cpages;
	cmd->cpages = (unsigned long)cpages;
	return 0;
}

/*
 * ->migrate_to_ram(): a CPU touched one of our private pages.  Move that
 * page back (its PTE-mapped neighbours stay on the device), with the
 * faulting page locked and referenced by the fault path.
 */
static vm_fault_t dmirror_devmem_fault(struct vm_fault *vmf)
{
	struct zd_mirror *mdevice = dmirror_page_to_device(vmf->page);
	unsigned long src_pfns = 0, dst_pfns = 0;
	struct migrate_vma args = {
		.vma = vmf->vma,
		.start = vmf->address,
		.end = vmf->address + PAGE_SIZE,
		.src = &src_pfns,
		.dst = &dst_pfns,
		.pgmap_owner = mdevice->owner,
		.flags = dmirror_select_device(mdevice),
		.fault_page = vmf->page,
	};
	vm_fault_t ret;

	if (migrate_vma_setup(&args))
		return VM_FAULT_SIGBUS;
	ret = dmirror_devmem_fault_alloc_and_copy(&args, mdevice->owner, NULL);
	if (ret) {
		/* Finalize always follows a setup: it puts the page back. */
		migrate_vma_finalize(&args);
		return ret;
	}
	migrate_vma_pages(&args);
	if (src_pfns & MIGRATE_PFN_MIGRATE)
		atomic_long_inc(&mdevice->migrate_to_ram);
	migrate_vma_finalize(&args);
	return 0;
}

static const struct dev_pagemap_ops dmirror_devmem_ops = {
	.page_free = dmirror_devmem_free,
	.migrate_to_ram = dmirror_devmem_fault,
};

/* ------------------------------------------------------------------ */
/* SNAPSHOT                                                            */
/* ------------------------------------------------------------------ */

/* One snapshot byte (dmirror_mkentry()). */
static unsigned char dmirror_mkentry(struct zd_mirror_file *dmirror, unsigned long entry)
{
	unsigned char perm;
	struct page *page;

	if (entry & HMM_PFN_ERROR)
		return HMM_DMIRROR_PROT_ERROR;
	if (!(entry & HMM_PFN_VALID))
		return HMM_DMIRROR_PROT_NONE;

	page = hmm_pfn_to_page(entry);
	if (is_device_private_page(page))
		perm = is_dmirror_page(page) && dmirror_page_to_device(page) == dmirror->mdevice ?
		       HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL : HMM_DMIRROR_PROT_DEV_PRIVATE_REMOTE;
	else if (is_device_coherent_page(page))
		perm = is_dmirror_page(page) && dmirror_page_to_device(page) == dmirror->mdevice ?
		       HMM_DMIRROR_PROT_DEV_COHERENT_LOCAL : HMM_DMIRROR_PROT_DEV_COHERENT_REMOTE;
	else if (is_zero_page_nid(page, dmirror->mm->nid))
		perm = HMM_DMIRROR_PROT_ZERO;
	else
		perm = HMM_DMIRROR_PROT_NONE;
	perm |= (entry & HMM_PFN_WRITE) ? HMM_DMIRROR_PROT_WRITE : HMM_DMIRROR_PROT_READ;
	if (hmm_pfn_to_map_order(entry) + PAGE_SHIFT == PMD_SHIFT)
		perm |= HMM_DMIRROR_PROT_PMD;
	else if (hmm_pfn_to_map_order(entry) + PAGE_SHIFT == PUD_SHIFT)
		perm |= HMM_DMIRROR_PROT_PUD;
	return perm;
}

/* Any invalidation of the chunk spoils the whole snapshot: just the seq. */
static bool dmirror_snapshot_invalidate(struct mmu_interval_notifier *mni,
					const struct mmu_notifier_range *range,
					unsigned long cur_seq)
{
	struct dmirror_interval *dmi = container_of(mni, struct dmirror_interval, notifier);
	struct zd_mirror_file *dmirror = dmi->dmirror;

	if (mmu_notifier_range_blockable(range))
		mutex_lock(&dmirror->mutex);
	else if (!mutex_trylock(&dmirror->mutex))
		return false;
	mmu_interval_set_seq(mni, cur_seq);
	mutex_unlock(&dmirror->mutex);
	return true;
}

static const struct mmu_interval_notifier_ops dmirror_mrn_ops = {
	.invalidate = dmirror_snapshot_invalidate,
};

/*
 * One chunk, under a notifier of its own: the file's notifier skips our
 * own migrations, whose entries a snapshot must not miss.
 */
static int dmirror_range_snapshot(struct zd_mirror_file *dmirror, struct hmm_range *range,
				  unsigned char *perm)
{
	struct mm_struct *mm = dmirror->mm;
	struct dmirror_interval notifier = { .dmirror = dmirror };
	unsigned long i, n;
	int ret;

	range->notifier = &notifier.notifier;
	ret = mmu_interval_notifier_insert(range->notifier, mm, range->start,
					   range->end - range->start, &dmirror_mrn_ops);
	if (ret)
		return ret;
	ret = dmirror_range_fault_locked(dmirror, range);
	if (ret)
		goto out;
	n = (range->end - range->start) >> PAGE_SHIFT;
	for (i = 0; i < n; i++)
		perm[i] = dmirror_mkentry(dmirror, range->hmm_pfns[i]);
	mutex_unlock(&dmirror->mutex);
out:
	mmu_interval_notifier_remove(range->notifier);
	return ret;
}

static int dmirror_snapshot(struct zd_mirror_file *dmirror, struct zd_mirror_cmd *cmd)
{
	unsigned long start = cmd->addr, end = start + (cmd->npages << PAGE_SHIFT);
	unsigned long pfns[DMIRROR_SNAPSHOT_PAGES], uptr = cmd->ptr, addr, next;
	unsigned char perm[DMIRROR_SNAPSHOT_PAGES];
	struct mm_struct *mm = dmirror->mm;
	struct hmm_range range = {
		.hmm_pfns = pfns,
		.dev_private_owner = dmirror->mdevice->owner,
	};
	int ret = 0;

	if (!dmirror_mmget(mm))
		return -EINVAL;
	for (addr = start; addr < end; addr = next) {
		unsigned long n;

		next = min(addr + (ARRAY_SIZE(pfns) << PAGE_SHIFT), end);
		range.start = addr;
		range.end = next;
		ret = dmirror_range_snapshot(dmirror, &range, perm);
		if (ret)
			break;
		n = (range.end - range.start) >> PAGE_SHIFT;
		ret = dmirror_copy_to_user(dmirror, uptr, perm, n);
		if (ret)
			break;
		cmd->cpages += n;
		uptr += n;
	}
	mmput(mm);
	return ret;
}

/* ------------------------------------------------------------------ */
/* EXCLUSIVE and CHECK_EXCLUSIVE                                       */
/* ------------------------------------------------------------------ */

static int dmirror_check_atomic(struct zd_mirror_file *dmirror, unsigned long start,
				unsigned long end)
{
	unsigned long idx;
	int ret = 0;

	mutex_lock(&dmirror->mutex);
	for (idx = start >> PAGE_SHIFT; idx < (end >> PAGE_SHIFT); idx++) {
		unsigned long entry = dpt_load(&dmirror->pt, idx);

		if (entry && dpt_entry_tag(entry) == DPT_XA_TAG_ATOMIC) {
			ret = -EPERM;
			break;
		}
	}
	mutex_unlock(&dmirror->mutex);
	return ret;
}

/*
 * Make each page device-exclusive and map it for atomics.  The owner
 * passed is NULL, as in test_hmm: the MMU_NOTIFY_EXCLUSIVE of the
 * conversion erases our old entry, and the ATOMIC one is stored after it,
 * while the folio lock keeps a CPU fault from restoring the PTE under us.
 */
static int dmirror_exclusive(struct zd_mirror_file *dmirror, struct zd_mirror_cmd *cmd)
{
	unsigned long start = cmd->addr, size = cmd->npages << PAGE_SHIFT, end = start + size;
	struct mm_struct *mm = dmirror->mm;
	struct dmirror_bounce bounce;
	unsigned long addr;
	int ret = 0;

	if (!dmirror_mmget(mm))
		return -EINVAL;
	down_read(&mm->mmap_lock);
	for (addr = start; addr < end; addr += PAGE_SIZE) {
		struct folio *folio;
		struct page *page;

		page = make_device_exclusive(mm, addr, NULL, &folio);
		if (IS_ERR(page)) {
			ret = (int)PTR_ERR(page);
			break;
		}
		/*
		 * An MADV_DONTNEED since the conversion may have zapped the
		 * entry, and the page goes when we let it: map it only while
		 * the CPU's entry is there, checked under our mutex, which a
		 * later zap's invalidation must take first.
		 */
		mutex_lock(&dmirror->mutex);
		if (dmirror_pte_maps(mm, addr, page))
			ret = dpt_store(&dmirror->pt, addr >> PAGE_SHIFT, page, DPT_XA_TAG_ATOMIC);
		else
			ret = -EBUSY;
		mutex_unlock(&dmirror->mutex);
		folio_unlock(folio);
		folio_put(folio);
		if (ret)
			break;
	}
	up_read(&mm->mmap_lock);
	mmput(mm);
	if (ret)
		return ret;

	/* The data the device now holds exclusively, for verification. */
	ret = dmirror_bounce_init(dmirror, &bounce, start, size);
	if (ret)
		return ret;
	ret = dmirror_read_bounce(dmirror, cmd, &bounce, false);
	if (!ret)
		ret = dmirror_copy_to_user(dmirror, cmd->ptr, bounce.ptr, bounce.size);
	cmd->cpages = bounce.cpages;
	dmirror_bounce_fini(&bounce);
	return ret;
}

/* ------------------------------------------------------------------ */
/* RELEASE: evict every chunk and remove it                            */
/* ------------------------------------------------------------------ */

/* Allocated pages of @chunk not freed yet. */
static long dmirror_chunk_busy(struct dmirror_chunk *chunk)
{
	return atomic_long_read(&chunk->pagemap.nr_page_init) -
	       atomic_long_read(&chunk->pagemap.nr_page_free);
}

/*
 * dmirror_device_evict_chunk(): every page of @chunk that is mapped
 * anywhere goes back to RAM, found by pfn (migrate_device_range()) since
 * no VMA describes the chunk.  Returns the pages moved, or -ENOMEM.
 */
static long dmirror_device_evict_chunk(struct dmirror_chunk *chunk)
{
	struct zd_mirror *mdevice = chunk->mdevice;
	unsigned long start_pfn = PHYS_PFN(chunk->pagemap.range.start);
	unsigned long npages = READ_ONCE(chunk->used_end) - start_pfn, i;
	unsigned long *src_pfns, *dst_pfns;
	long moved = 0;

	if (!npages)
		return 0;
	src_pfns = kvzalloc(npages * sizeof(*src_pfns), GFP_KERNEL);
	dst_pfns = kvzalloc(npages * sizeof(*dst_pfns), GFP_KERNEL);
	if (!src_pfns || !dst_pfns) {
		kvfree(src_pfns);
		kvfree(dst_pfns);
		return -ENOMEM;
	}
	migrate_device_range(src_pfns, start_pfn, npages);
	for (i = 0; i < npages; i++) {
		struct page *spage = migrate_pfn_to_page(src_pfns[i]), *dpage;

		if (!spage || !(src_pfns[i] & MIGRATE_PFN_MIGRATE))
			continue;
		dpage = alloc_pages_node(mdevice->nid, GFP_HIGHUSER_MOVABLE | __GFP_NOFAIL, 0);
		if (!dpage)
			continue;	/* stays on the device; the caller tries again */
		lock_page(dpage);
		copy_highpage(dpage, dmirror_backing_page(spage));
		dst_pfns[i] = migrate_pfn(page_to_pfn(dpage));
		if (src_pfns[i] & MIGRATE_PFN_WRITE)
			dst_pfns[i] |= MIGRATE_PFN_WRITE;
	}
	migrate_device_pages(src_pfns, dst_pfns, npages);
	for (i = 0; i < npages; i++)
		if ((src_pfns[i] & MIGRATE_PFN_MIGRATE) && dst_pfns[i])
			moved++;
	migrate_device_finalize(src_pfns, dst_pfns, npages);
	kvfree(src_pfns);
	kvfree(dst_pfns);
	atomic_long_add(moved, &mdevice->evicted);
	return moved;
}

/* Unlink the free pages of @chunk, so none is handed out again. */
static void dmirror_remove_free_pages(struct dmirror_chunk *chunk)
{
	struct zd_mirror *mdevice = chunk->mdevice;
	struct page **link = &mdevice->free_pages;
	unsigned long first = PHYS_PFN(chunk->pagemap.range.start);
	unsigned long end = PHYS_PFN(chunk->pagemap.range.end) + 1;

	while (*link) {
		struct page *page = *link;

		if (dmirror_page_to_chunk(page) == chunk) {
			*link = page->zone_device_data;
			page->zone_device_data = NULL;
		} else {
			link = (struct page **)&page->zone_device_data;
		}
	}
	if (mdevice->bump_next >= first && mdevice->bump_next < end)
		mdevice->bump_next = mdevice->bump_end = 0;
}

/*
 * Evict @chunk until none of its pages is allocated, then unmap it.  Pages
 * freed by an unmap wait for an RCU grace period (the TLB flush), pages
 * mapped by an mm whose mmap_lock was busy are skipped by one pass: a few
 * passes settle both.  A page that stays (pinned, or RAM exhausted) keeps
 * the chunk: -EBUSY, and the chunk stays marked for removal.
 */
static int dmirror_remove_chunk(struct dmirror_chunk *chunk)
{
	struct zd_mirror *mdevice = chunk->mdevice;
	int tries = 0;

	spin_lock(&mdevice->lock);
	chunk->remove = true;
	dmirror_remove_free_pages(chunk);
	spin_unlock(&mdevice->lock);

	while (dmirror_chunk_busy(chunk)) {
		long moved = dmirror_device_evict_chunk(chunk);

		if (moved < 0)
			return (int)moved;
		if (!dmirror_chunk_busy(chunk))
			break;
		if (moved)
			continue;
		if (++tries > DMIRROR_EVICT_TRIES)
			return -EBUSY;
		/*
		 * Let frees queued behind a grace period land, and CPU faults
		 * waiting on our migration entries go: each holds a reference
		 * while it sleeps (zonedev's do_swap_page(); the kernel's
		 * migration_entry_wait_on_locked() holds none), which fails the
		 * refcount check of a pass that comes straight after.
		 */
		rcu_barrier();
		wait_var_event_timeout(chunk, false, DMIRROR_EVICT_WAIT_MS);
	}
	memunmap_pages(&chunk->pagemap);
	zd_release_mem_region(chunk->res);
	kfree(chunk);
	return 0;
}

/*
 * dmirror_device_remove_chunks(): evict and remove every chunk.  Later
 * allocations add new ones.  Chunks that could not be emptied stay, marked
 * for removal; the first error is returned.
 */
static int dmirror_device_remove_chunks(struct zd_mirror *mdevice)
{
	unsigned int i, kept = 0;
	int ret = 0;

	down_write(&mdevice->release_sem);
	mutex_lock(&mdevice->devmem_lock);
	for (i = 0; i < mdevice->nr_chunks; i++) {
		struct dmirror_chunk *chunk = mdevice->chunks[i];
		int err = dmirror_remove_chunk(chunk);

		if (err) {
			mdevice->chunks[kept++] = chunk;
			if (!ret)
				ret = err;
		}
	}
	mdevice->nr_chunks = kept;
	if (!kept) {
		kfree(mdevice->chunks);
		mdevice->chunks = NULL;
		mdevice->chunks_cap = 0;
	}
	mutex_unlock(&mdevice->devmem_lock);
	up_write(&mdevice->release_sem);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The file operations                                                 */
/* ------------------------------------------------------------------ */

/**
 * zd_mirror_cmd() - an ioctl on a mirror file
 * @dmirror: the file
 * @op: HMM_DMIRROR_READ ... HMM_DMIRROR_RELEASE, HMM_DMIRROR_FLAGS
 * @ucmd: in and out, as struct hmm_dmirror_cmd
 *
 * As dmirror_fops_unlocked_ioctl(): @ucmd->addr must be page aligned and
 * @ucmd->npages non-zero without wrapping; cpages and faults start at 0.
 * The data buffer @ucmd->ptr is an address in the file's task, copied with
 * the task's page tables like copy_to_user()/copy_from_user().  On error
 * @ucmd is left as it was (the kernel does not copy it back).
 *
 * Return: 0; -EINVAL for a bad file, address, size or @op, or (migration)
 * an address no readable VMA covers; -EFAULT for a missing @ucmd, a
 * buffer the task cannot access, or a device fault that failed
 * (hmm_range_fault()); -EPERM for a write to memory the task may not
 * write, or CHECK_EXCLUSIVE finding an atomic mapping; -ENOENT when
 * MIGRATE_TO_DEV or EXCLUSIVE left a page unmapped in the device; -EBUSY
 * when a fault kept colliding with invalidations for a second, or a page
 * could not be made exclusive or evicted; -ENOMEM.
 */
int zd_mirror_cmd(struct zd_mirror_file *dmirror, unsigned int op, struct zd_mirror_cmd *ucmd)
{
	struct zd_mirror_cmd cmd;
	int ret;

	if (IS_ERR_OR_NULL(dmirror))
		return -EINVAL;
	if (!ucmd)
		return -EFAULT;
	cmd = *ucmd;
	if (cmd.addr & ~PAGE_MASK)
		return -EINVAL;
	if (cmd.addr >= cmd.addr + (cmd.npages << PAGE_SHIFT))
		return -EINVAL;
	cmd.cpages = 0;
	cmd.faults = 0;

	switch (op) {
	case HMM_DMIRROR_READ:
		ret = dmirror_read(dmirror, &cmd);
		break;
	case HMM_DMIRROR_WRITE:
		ret = dmirror_write(dmirror, &cmd);
		break;
	case HMM_DMIRROR_MIGRATE_TO_DEV:
		ret = dmirror_migrate_to_device(dmirror, &cmd);
		break;
	case HMM_DMIRROR_MIGRATE_TO_SYS:
		ret = dmirror_migrate_to_system(dmirror, &cmd);
		break;
	case HMM_DMIRROR_SNAPSHOT:
		ret = dmirror_snapshot(dmirror, &cmd);
		break;
	case HMM_DMIRROR_EXCLUSIVE:
		ret = dmirror_exclusive(dmirror, &cmd);
		break;
	case HMM_DMIRROR_CHECK_EXCLUSIVE:
		ret = dmirror_check_atomic(dmirror, cmd.addr,
					   cmd.addr + (cmd.npages << PAGE_SHIFT));
		break;
	case HMM_DMIRROR_RELEASE:
		ret = dmirror_device_remove_chunks(dmirror->mdevice);
		break;
	case HMM_DMIRROR_FLAGS:
		WRITE_ONCE(dmirror->flags, (unsigned long)cmd.npages);
		ret = 0;
		break;
	default:
		return -EINVAL;
	}
	if (ret)
		return ret;
	*ucmd = cmd;
	return 0;
}

/**
 * zd_mirror_migrate_to_dev() - the migration half of MIGRATE_TO_DEV
 * @dmirror: the file
 * @addr: first address (page aligned)
 * @npages: pages
 *
 * migrate_vma_setup/pages/finalize over the range with SELECT_SYSTEM,
 * device pages allocated and mapped in the device page table, without the
 * command's read-back and copy to user memory: what a benchmark of
 * migration itself should time.
 *
 * Return: pages moved to the device, or -EINVAL (bad arguments, or an
 * address no readable VMA covers).
 */
long zd_mirror_migrate_to_dev(struct zd_mirror_file *dmirror, unsigned long addr,
			      unsigned long npages)
{
	if (IS_ERR_OR_NULL(dmirror) || (addr & ~PAGE_MASK) || !npages ||
	    npages > (TASK_SIZE >> PAGE_SHIFT) || addr + (npages << PAGE_SHIFT) < addr)
		return -EINVAL;
	return dmirror_migrate_to_device_range(dmirror, addr, addr + (npages << PAGE_SHIFT));
}

/**
 * zd_mirror_migrate_to_sys() - MIGRATE_TO_SYS with its count as the result
 * @dmirror: the file
 * @addr: first address (page aligned)
 * @npages: pages
 *
 * Return: pages moved back to RAM; -EINVAL as zd_mirror_migrate_to_dev();
 * -ENOMEM if RAM ran out.
 */
long zd_mirror_migrate_to_sys(struct zd_mirror_file *dmirror, unsigned long addr,
			      unsigned long npages)
{
	if (IS_ERR_OR_NULL(dmirror) || (addr & ~PAGE_MASK) || !npages ||
	    npages > (TASK_SIZE >> PAGE_SHIFT) || addr + (npages << PAGE_SHIFT) < addr)
		return -EINVAL;
	return dmirror_migrate_to_system_range(dmirror, addr, addr + (npages << PAGE_SHIFT));
}

/**
 * zd_mirror_open() - open the device for @task (dmirror_fops_open())
 * @mdevice: the device
 * @task: whose address space the file mirrors; a child of fork opens its own
 *
 * Inserts an interval notifier over the task's whole address space.  The
 * file must be closed before the task exits (as a process's files are
 * closed at exit); it holds no reference that would keep the mm.
 *
 * Return: the file; ERR_PTR(-EINVAL) for a bad device or task,
 * -ENODEV if the device is being destroyed, -ENOMEM.
 */
struct zd_mirror_file *zd_mirror_open(struct zd_mirror *mdevice, struct zd_task *task)
{
	struct mm_struct *mm = zd_task_mm(task);
	struct zd_mirror_file *dmirror;
	int ret;

	if (IS_ERR_OR_NULL(mdevice) || !mm || mm->nid != mdevice->nid)
		return ERR_PTR(-EINVAL);
	dmirror = kzalloc(sizeof(*dmirror), GFP_KERNEL);
	if (!dmirror)
		return ERR_PTR(-ENOMEM);
	dmirror->mdevice = mdevice;
	dmirror->task = task;
	dmirror->mm = mm;
	mutex_init(&dmirror->mutex);
	INIT_LIST_HEAD(&dmirror->list);

	mutex_lock(&mirror_lock);
	if (mdevice->dying) {
		mutex_unlock(&mirror_lock);
		ret = -ENODEV;
		goto free;
	}
	/* Counted first: destroy must not start while we insert. */
	mdevice->nr_files++;
	mutex_unlock(&mirror_lock);

	ret = mmu_interval_notifier_insert(&dmirror->notifier, mm, 0, ULONG_MAX & PAGE_MASK,
					   &dmirror_min_ops);
	mutex_lock(&mirror_lock);
	if (ret) {
		mdevice->nr_files--;
	} else {
		list_add_tail(&dmirror->list, &mdevice->files);
		atomic_long_inc(&mirror_nr_files);
	}
	mutex_unlock(&mirror_lock);
	if (ret)
		goto free;
	return dmirror;

free:
	mutex_destroy(&dmirror->mutex);
	kfree(dmirror);
	return ERR_PTR(ret);
}

/**
 * zd_mirror_close() - close a file (dmirror_fops_release())
 * @dmirror: the file; freed
 *
 * Removes the notifier (waiting for invalidations in progress) and the
 * device page table.  Device pages stay where they are: mapped by the
 * task until it unmaps them or the device evicts them.
 *
 * Return: 0, or -EINVAL for a bad file.
 */
int zd_mirror_close(struct zd_mirror_file *dmirror)
{
	struct zd_mirror *mdevice;

	if (IS_ERR_OR_NULL(dmirror))
		return -EINVAL;
	mdevice = dmirror->mdevice;
	mmu_interval_notifier_remove(&dmirror->notifier);
	mutex_lock(&mirror_lock);
	list_del(&dmirror->list);
	mdevice->nr_files--;
	atomic_long_dec(&mirror_nr_files);
	mutex_unlock(&mirror_lock);
	dpt_destroy(&dmirror->pt);
	mutex_destroy(&dmirror->mutex);
	kfree(dmirror);
	return 0;
}

/**
 * zd_mirror_create() - a mirror device on @sys (what module init does for
 *	one /dev/hmm_dmirrorN)
 * @sys: the system whose node the device memory joins
 * @cfg: memory type, chunk size, owner, name
 *
 * One chunk of device memory is added now, more when it runs out.
 *
 * Return: the device; ERR_PTR(-EINVAL) for a bad system, a NULL @cfg, an
 * unknown memory type or a chunk size that is not a multiple of
 * memremap_compat_align(); the error of request_free_mem_region() or
 * memremap_pages() for the first chunk (-ERANGE when the physical address
 * space is full), -ENOMEM.
 */
struct zd_mirror *zd_mirror_create(struct zd_system *sys, const struct zd_mirror_config *cfg)
{
	struct zd_mirror *mdevice;
	int ret;

	if (IS_ERR_OR_NULL(sys) || !cfg)
		return ERR_PTR(-EINVAL);
	if (cfg->memory != HMM_DMIRROR_MEMORY_DEVICE_PRIVATE &&
	    cfg->memory != HMM_DMIRROR_MEMORY_DEVICE_COHERENT)
		return ERR_PTR(-EINVAL);
	if (cfg->chunk_size % memremap_compat_align() ||
	    cfg->chunk_size > (1UL << MAX_PHYSMEM_BITS))
		return ERR_PTR(-EINVAL);

	mdevice = kzalloc(sizeof(*mdevice), GFP_KERNEL);
	if (!mdevice)
		return ERR_PTR(-ENOMEM);
	mdevice->sys = sys;
	mdevice->nid = zd_system_nid(sys);
	mdevice->memory = cfg->memory;
	mdevice->chunk_size = cfg->chunk_size ? cfg->chunk_size : ZD_MIRROR_DEFAULT_CHUNK_SIZE;
	mdevice->owner = cfg->owner ? cfg->owner : mdevice;
	snprintf(mdevice->name, sizeof(mdevice->name), "%s", cfg->name ? cfg->name : "hmm_dmirror");
	mutex_init(&mdevice->devmem_lock);
	init_rwsem(&mdevice->release_sem);
	spin_lock_init(&mdevice->lock);
	atomic_long_set(&mdevice->migrate_to_ram, 0);
	atomic_long_set(&mdevice->evicted, 0);
	INIT_LIST_HEAD(&mdevice->files);

	ret = dmirror_allocate_chunk(mdevice);
	if (ret)
		goto free;
	mutex_lock(&mirror_lock);
	list_add_tail(&mdevice->list, &mirror_devices);
	mutex_unlock(&mirror_lock);
	return mdevice;

free:
	spin_lock_destroy(&mdevice->lock);
	destroy_rwsem(&mdevice->release_sem);
	mutex_destroy(&mdevice->devmem_lock);
	kfree(mdevice);
	return ERR_PTR(ret);
}

/**
 * zd_mirror_destroy() - remove a mirror device (module unload)
 * @mdevice: the device; freed on success
 *
 * Like the module, which cannot be unloaded while a file is open, this
 * refuses while files are open.  Every device page still mapped anywhere
 * is evicted to RAM (migrate_device_range/pages/finalize), then the memory
 * is removed (memunmap_pages).
 *
 * Return: 0; -EINVAL for a bad device; -EBUSY while files are open (nothing
 * done), or if some page could not be evicted (the device stays, usable,
 * and destroy may be called again); -ENOMEM.
 */
int zd_mirror_destroy(struct zd_mirror *mdevice)
{
	int ret;

	if (IS_ERR_OR_NULL(mdevice))
		return -EINVAL;
	mutex_lock(&mirror_lock);
	if (mdevice->nr_files) {
		mutex_unlock(&mirror_lock);
		return -EBUSY;
	}
	mdevice->dying = true;
	mutex_unlock(&mirror_lock);

	ret = dmirror_device_remove_chunks(mdevice);
	if (ret) {
		mutex_lock(&mirror_lock);
		mdevice->dying = false;
		mutex_unlock(&mirror_lock);
		return ret;
	}
	mutex_lock(&mirror_lock);
	list_del(&mdevice->list);
	mutex_unlock(&mirror_lock);
	spin_lock_destroy(&mdevice->lock);
	destroy_rwsem(&mdevice->release_sem);
	mutex_destroy(&mdevice->devmem_lock);
	kfree(mdevice);
	return 0;
}

/**
 * zd_mirror_stat() - the device's counters
 * @mdevice: the device
 * @stat: filled in
 *
 * Return: 0, or -EINVAL for NULL arguments.
 */
int zd_mirror_stat(struct zd_mirror *mdevice, struct zd_mirror_stat *stat)
{
	if (IS_ERR_OR_NULL(mdevice) || !stat)
		return -EINVAL;
	memset(stat, 0, sizeof(*stat));
	mutex_lock(&mdevice->devmem_lock);
	stat->nr_chunks = mdevice->nr_chunks;
	mutex_unlock(&mdevice->devmem_lock);
	spin_lock(&mdevice->lock);
	stat->calloc = mdevice->calloc;
	stat->cfree = mdevice->cfree;
	spin_unlock(&mdevice->lock);
	stat->in_use = stat->calloc - stat->cfree;
	stat->migrate_to_ram = (unsigned long)atomic_long_read(&mdevice->migrate_to_ram);
	stat->evicted = (unsigned long)atomic_long_read(&mdevice->evicted);
	mutex_lock(&mirror_lock);
	stat->nr_files = mdevice->nr_files;
	mutex_unlock(&mirror_lock);
	return 0;
}

/**
 * zd_mirror_owner() - the device's pgmap owner cookie (NULL for a bad device)
 */
void *zd_mirror_owner(struct zd_mirror *mdevice)
{
	return IS_ERR_OR_NULL(mdevice) ? NULL : mdevice->owner;
}
