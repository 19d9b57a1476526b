// SPDX-License-Identifier: GPL-2.0-only
/*
 * VMAs and mmap()/munmap(): an mm's VMAs are a sorted array searched by
 * binary search (the kernel's maple tree, in miniature), changed only under
 * mmap_lock held for write.
 */
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include "internal_mm.h"

/** find_vma() - the first VMA that ends above @addr, or NULL */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr)
{
	int lo = 0, hi = mm->map_count;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (mm->vmas[mid]->vm_end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < mm->map_count ? mm->vmas[lo] : NULL;
}

static int vma_index(struct mm_struct *mm, struct vm_area_struct *vma)
{
	int lo = 0, hi = mm->map_count;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (mm->vmas[mid]->vm_start < vma->vm_start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct vm_area_struct *vma_alloc(struct mm_struct *mm)
{
	struct vm_area_struct *vma = kzalloc(sizeof(*vma), GFP_KERNEL);

	if (!vma)
		return NULL;
	vma->vm_mm = mm;
	INIT_LIST_HEAD(&vma->anon_vma_chain);
	INIT_LIST_HEAD(&vma->shared);
	return vma;
}

void vma_free(struct vm_area_struct *vma)
{
	kfree(vma);
}

/** vm_area_dup() - a copy of @orig without its chains or file links */
struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig)
{
	struct vm_area_struct *vma = kmalloc(sizeof(*vma), GFP_KERNEL);

	if (!vma)
		return NULL;
	*vma = *orig;
	INIT_LIST_HEAD(&vma->anon_vma_chain);
	INIT_LIST_HEAD(&vma->shared);
	return vma;
}

/**
 * vma_reserve() - make room for @n more VMAs, so the links that follow
 * cannot fail half-way through a change
 */
int vma_reserve(struct mm_struct *mm, int n)
{
	struct vm_area_struct **v;
	int cap;

	if (mm->map_count + n <= mm->vmas_cap)
		return 0;
	cap = max(mm->vmas_cap ? 2 * mm->vmas_cap : 16, mm->map_count + n);
	v = krealloc(mm->vmas, (size_t)cap * sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	mm->vmas = v;
	mm->vmas_cap = cap;
	return 0;
}

/** vma_link() - insert @vma in its mm's array (mmap_lock held for write) */
int vma_link(struct mm_struct *mm, struct vm_area_struct *vma)
{
	int i, err = vma_reserve(mm, 1);

	if (err)
		return err;
	i = vma_index(mm, vma);
	memmove(&mm->vmas[i + 1], &mm->vmas[i], (size_t)(mm->map_count - i) * sizeof(vma));
	mm->vmas[i] = vma;
	mm->map_count++;
	mm->total_vm += vma_pages(vma);
	return 0;
}

void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma)
{
	int i = vma_index(mm, vma);

	VM_BUG_ON(i >= mm->map_count || mm->vmas[i] != vma);
	memmove(&mm->vmas[i], &mm->vmas[i + 1], (size_t)(mm->map_count - i - 1) * sizeof(vma));
	mm->map_count--;
	mm->total_vm -= vma_pages(vma);
}

/**
 * split_vma() - cut @vma at @addr; the new VMA takes the part below @addr
 * if @new_below, else the part above
 *
 * Return: 0, the errno of the VMA's ->may_split (device-dax refuses a cut
 * off its alignment with -EINVAL) or -ENOMEM, with nothing changed.
 */
int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr,
	      int new_below)
{
	struct vm_area_struct *new;
	int err;

	/* Everything that can fail comes before anything changes. */
	if (vma->vm_ops && vma->vm_ops->may_split) {
		err = vma->vm_ops->may_split(vma, addr);
		if (err)
			return err;
	}
	if (vma_reserve(mm, 1))
		return -ENOMEM;
	new = vm_area_dup(vma);
	if (!new)
		return -ENOMEM;
	/* The new VMA has its final bounds before the reverse map can see it. */
	if (new_below) {
		new->vm_end = addr;
	} else {
		new->vm_start = addr;
		new->vm_pgoff += (addr - vma->vm_start) >> PAGE_SHIFT;
	}
	if (anon_vma_clone(new, vma)) {
		vma_free(new);
		return -ENOMEM;
	}
	/* No huge leaf may straddle the cut: it is unmapped (refaulted later). */
	vma_adjust_trans_huge(vma, addr);
	vma_unlink(mm, vma);
	/* The old VMA shrinks with rmap walkers excluded, as vma_adjust() does. */
	vma_lock_rmap(vma);
	if (new_below) {
		vma->vm_pgoff += (addr - vma->vm_start) >> PAGE_SHIFT;
		vma->vm_start = addr;
	} else {
		vma->vm_end = addr;
	}
	vma_unlock_rmap(vma);
	/* Both links fit: room for one more was reserved, one came out. */
	vma_link(mm, vma);
	vma_link(mm, new);
	if (new->vm_file) {
		zd_file_get(new->vm_file);
		vma_link_file(new);
	}
	if (new->vm_ops && new->vm_ops->open)
		new->vm_ops->open(new);
	return 0;
}

/* Exclude rmap walkers (anon_vma and i_mmap locks) while bounds change. */
void vma_lock_rmap(struct vm_area_struct *vma)
{
	if (vma->vm_file)
		mutex_lock(&vma->vm_file->f_mapping->i_mmap_lock);
	if (vma->anon_vma)
		down_write(&vma->anon_vma->root->rwsem);
}

void vma_unlock_rmap(struct vm_area_struct *vma)
{
	if (vma->anon_vma)
		up_write(&vma->anon_vma->root->rwsem);
	if (vma->vm_file)
		mutex_unlock(&vma->vm_file->f_mapping->i_mmap_lock);
}

static void remove_vma(struct vm_area_struct *vma)
{
	if (vma->vm_ops && vma->vm_ops->close)
		vma->vm_ops->close(vma);
	if (vma->vm_file) {
		vma_unlink_file(vma);
		zd_file_put(vma->vm_file);
	}
	unlink_anon_vmas(vma);
	vma_free(vma);
}

static unsigned long prev_end(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *prev = NULL;
	int i;

	for (i = 0; i < mm->map_count && mm->vmas[i]->vm_end <= addr; i++)
		prev = mm->vmas[i];
	return prev ? prev->vm_end : 0;
}

/**
 * do_munmap() - remove [start, start + len) (mmap_lock held for write)
 *
 * Return: 0, or the errno of a VMA that could not be split (-ENOMEM, or
 * -EINVAL from ->may_split); nothing is unmapped then.
 */
int do_munmap(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	unsigned long end = start + len, floor, ceiling;
	struct mmu_notifier_range range;
	struct vm_area_struct *vma, *next;
	struct mmu_gather tlb;
	int err;

	if (!len)
		return 0;
	vma = find_vma(mm, start);
	if (!vma || vma->vm_start >= end)
		return 0;
	/* Room for both splits, so neither fails on the array. */
	if (vma_reserve(mm, 2))
		return -ENOMEM;
	if (vma->vm_start < start) {
		err = split_vma(mm, vma, start, 1);
		if (err)
			return err;
	}
	vma = find_vma(mm, end - 1);
	if (vma && vma->vm_start < end && vma->vm_end > end) {
		err = split_vma(mm, vma, end, 1);
		if (err)
			return err;
	}

	tlb_gather_mmu(&tlb, mm);
	mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, 0, mm, start, end);
	mmu_notifier_invalidate_range_start(&range);
	for (vma = find_vma(mm, start); vma && vma->vm_start < end; vma = next) {
		zap_page_range(&tlb, vma, vma->vm_start, vma->vm_end);
		vma_unlink(mm, vma);
		next = find_vma(mm, vma->vm_end);
		remove_vma(vma);
	}
	mmu_notifier_invalidate_range_end(&range);
	floor = prev_end(mm, start);
	next = find_vma(mm, end);
	ceiling = next ? next->vm_start : USER_PGTABLES_CEILING;
	free_pgtables(&tlb, mm, floor, ceiling);
	tlb_finish_mmu(&tlb);
	return 0;
}

/** exit_mmap() - the last user of @mm went: unmap everything, free the tables */
void exit_mmap(struct mm_struct *mm)
{
	struct mmu_notifier_range range;
	struct mmu_gather tlb;

	tlb_gather_mmu(&tlb, mm);
	mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, 0, mm, 0, ULONG_MAX);
	mmu_notifier_invalidate_range_start(&range);
	while (mm->map_count) {
		struct vm_area_struct *vma = mm->vmas[mm->map_count - 1];

		zap_page_range(&tlb, vma, vma->vm_start, vma->vm_end);
		vma_unlink(mm, vma);
		remove_vma(vma);
	}
	mmu_notifier_invalidate_range_end(&range);
	free_pgtables(&tlb, mm, 0, USER_PGTABLES_CEILING);
	tlb_finish_mmu(&tlb);
}

/* The lowest gap of @len bytes, top-down from below the stack as Linux does. */
unsigned long get_unmapped_area(struct mm_struct *mm, unsigned long len)
{
	unsigned long high = TASK_SIZE - (1UL << 30), addr;
	int i;

	for (i = mm->map_count - 1; i >= -1; i--) {
		unsigned long gap_end = i + 1 < mm->map_count ? mm->vmas[i + 1]->vm_start : high;
		unsigned long gap_start = i >= 0 ? mm->vmas[i]->vm_end : PAGE_SIZE << 4;

		gap_end = min(gap_end, high);
		if (gap_end > gap_start && gap_end - gap_start >= len) {
			addr = (gap_end - len) & PAGE_MASK;
			if (addr >= gap_start)
				return addr;
		}
	}
	return 0;
}

#define ZD_MAP_KNOWN	(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | \
			 MAP_POPULATE | MAP_NORESERVE | MAP_FIXED_NOREPLACE)
#define ZD_PROT_KNOWN	(PROT_READ | PROT_WRITE | PROT_EXEC)

/* PROT_* and MAP_* to VM_* */
unsigned long calc_vm_flags(int prot, int flags)
{
	unsigned long vm_flags = 0;

	if (prot & PROT_READ)
		vm_flags |= VM_READ;
	if (prot & PROT_WRITE)
		vm_flags |= VM_WRITE;
	if (prot & PROT_EXEC)
		vm_flags |= VM_EXEC;
	vm_flags |= VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	if (flags & MAP_SHARED)
		vm_flags |= VM_SHARED | VM_MAYSHARE;
	if (flags & MAP_NORESERVE)
		vm_flags |= VM_NORESERVE;
	return vm_flags;
}

/**
 * do_mmap() - create a mapping (mmap_lock held for write)
 *
 * Return: the address, or a negative errno.
 */
long do_mmap(struct mm_struct *mm, struct zd_system *sys, unsigned long addr, unsigned long len,
	     int prot, int flags, struct zd_file *file, unsigned long pgoff)
{
	int type = flags & (MAP_SHARED | MAP_PRIVATE);
	struct vm_area_struct *vma;
	unsigned long end;
	int err;

	if (!len || (prot & ~ZD_PROT_KNOWN) || (flags & ~ZD_MAP_KNOWN))
		return -EINVAL;
	if (type != MAP_SHARED && type != MAP_PRIVATE)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS) != !!file)
		return -EINVAL;
	len = ALIGN(len, PAGE_SIZE);
	if (!len || len > TASK_SIZE)
		return -ENOMEM;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		/* get_unmapped_area(): the range first, then the alignment. */
		if (addr > TASK_SIZE - len)
			return -ENOMEM;
		if (!IS_ALIGNED(addr, PAGE_SIZE))
			return -EINVAL;
		vma = find_vma(mm, addr);
		if (vma && vma->vm_start < addr + len) {
			if (flags & MAP_FIXED_NOREPLACE)
				return -EEXIST;
			err = do_munmap(mm, addr, len);
			if (err)
				return err;
		}
	} else {
		/* A file that maps in huge units places its mappings itself. */
		if (file && file->f_op && file->f_op->get_unmapped_area)
			addr = file->f_op->get_unmapped_area(file, mm, len, pgoff, flags);
		else
			addr = get_unmapped_area(mm, len);
		if (!addr)
			return -ENOMEM;
	}
	end = addr + len;

	vma = vma_alloc(mm);
	if (!vma)
		return -ENOMEM;
	vma->vm_start = addr;
	vma->vm_end = end;
	vma->vm_flags = calc_vm_flags(prot, flags);
	vma->vm_page_prot = vm_get_page_prot(vma->vm_flags);
	if (file) {
		vma->vm_pgoff = pgoff;
		vma->vm_file = file;
		zd_file_get(file);
	} else if (flags & MAP_SHARED) {
		/* Shared anonymous memory is a shmem object of its own. */
		vma->vm_pgoff = 0;
		vma->vm_file = shmem_file_setup(sys, len);
		if (!vma->vm_file) {
			vma_free(vma);
			return -ENOMEM;
		}
	} else {
		vma->vm_pgoff = addr >> PAGE_SHIFT;
	}
	if (vma->vm_file)
		vma->vm_ops = vma->vm_file->vm_ops;
	/* call_mmap(): the file may refuse the mapping, or set it up further. */
	if (file && file->f_op && file->f_op->mmap) {
		err = file->f_op->mmap(file, vma);
		if (err) {
			zd_file_put(file);
			vma_free(vma);
			return err;
		}
	}
	vma_set_page_prot(vma);
	err = vma_link(mm, vma);
	if (err) {
		if (vma->vm_file)
			zd_file_put(vma->vm_file);
		vma_free(vma);
		return err;
	}
	if (vma->vm_file)
		vma_link_file(vma);
	return (long)addr;
}

static int populate_range(struct mm_struct *mm, unsigned long start, unsigned long end,
			  bool write);

/**
 * zd_mmap() - mmap(2) in @task: anonymous (private or shared) or of @file
 * @task: the task
 * @addr: hint, or the address with MAP_FIXED / MAP_FIXED_NOREPLACE
 * @len: bytes
 * @prot: PROT_READ, PROT_WRITE, PROT_EXEC (none: PROT_NONE)
 * @flags: MAP_SHARED or MAP_PRIVATE, with MAP_ANONYMOUS, MAP_FIXED,
 *	MAP_FIXED_NOREPLACE, MAP_POPULATE, MAP_NORESERVE
 * @file: the file for a file mapping, NULL with MAP_ANONYMOUS
 * @off: byte offset in @file, page aligned
 *
 * Return: the address, or -EINVAL (bad flags, length 0, unaligned), -ENOMEM
 * (no room), -EEXIST (MAP_FIXED_NOREPLACE over a mapping), -EBADF.
 */
long zd_mmap(struct zd_task *task, unsigned long addr, unsigned long len, int prot, int flags,
	     struct zd_file *file, unsigned long off)
{
	struct mm_struct *mm;
	long ret;

	if (IS_ERR_OR_NULL(task))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS) && !file)
		return -EBADF;
	if (!IS_ALIGNED(off, PAGE_SIZE))
		return -EINVAL;
	mm = task->mm;
	down_write(&mm->mmap_lock);
	ret = do_mmap(mm, task->sys, addr, len, prot, flags, file, off >> PAGE_SHIFT);
	up_write(&mm->mmap_lock);
	if (ret >= 0 && (flags & MAP_POPULATE)) {
		down_read(&mm->mmap_lock);
		/*
		 * As populate_vma_page_range(): private writable memory is
		 * written (COW broken now), anything else read.
		 */
		populate_range(mm, (unsigned long)ret, (unsigned long)ret + ALIGN(len, PAGE_SIZE),
			       (prot & PROT_WRITE) && !(flags & MAP_SHARED));
		up_read(&mm->mmap_lock);
	}
	return ret;
}

/* MAP_POPULATE: fault every page in, as a read (or a write for shared). */
static int populate_range(struct mm_struct *mm, unsigned long start, unsigned long end,
			  bool write)
{
	unsigned long addr;

	for (addr = start; addr < end; addr += PAGE_SIZE) {
		struct vm_area_struct *vma = find_vma(mm, addr);

		if (!vma || vma->vm_start > addr || !(vma->vm_flags & VM_READ))
			return -EFAULT;
		if (handle_mm_fault(vma, addr, write ? FAULT_FLAG_WRITE : 0) & VM_FAULT_ERROR)
			return -ENOMEM;
	}
	return 0;
}

/**
 * zd_munmap() - munmap(2): unaligned @addr or zero @len is -EINVAL; a range
 * with nothing mapped is fine
 */
int zd_munmap(struct zd_task *task, unsigned long addr, unsigned long len)
{
	int ret;

	if (IS_ERR_OR_NULL(task))
		return -EINVAL;
	if (!IS_ALIGNED(addr, PAGE_SIZE) || !len || len > TASK_SIZE || addr > TASK_SIZE - len)
		return -EINVAL;
	len = ALIGN(len, PAGE_SIZE);
	down_write(&task->mm->mmap_lock);
	ret = do_munmap(task->mm, addr, len);
	up_write(&task->mm->mmap_lock);
	return ret;
}
