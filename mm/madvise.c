// SPDX-License-Identifier: GPL-2.0-only
/* madvise(2): MADV_DONTNEED drops the pages of a range; later touches refault. */
#include <sys/mman.h>
#include "internal_mm.h"

/**
 * zd_madvise() - madvise(2) in @task
 *
 * MADV_DONTNEED unmaps the pages (private anonymous memory reads as zeroes
 * again, shared memory refaults its pages); MADV_NORMAL, MADV_RANDOM,
 * MADV_SEQUENTIAL and MADV_WILLNEED are accepted hints; MADV_HUGEPAGE and
 * MADV_NOHUGEPAGE set VM_HUGEPAGE/VM_NOHUGEPAGE.
 *
 * Return: 0; -EINVAL for an unaligned start or an unknown advice; -ENOMEM
 * if part of the range is unmapped (the mapped parts are still advised).
 */
int zd_madvise(struct zd_task *task, unsigned long start, unsigned long len, int advice)
{
	unsigned long end, addr;
	struct vm_area_struct *vma;
	struct mmu_gather tlb;
	struct mm_struct *mm;
	int err = 0;

	if (IS_ERR_OR_NULL(task) || !IS_ALIGNED(start, PAGE_SIZE))
		return -EINVAL;
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
		break;
	default:
		return -EINVAL;
	}
	if (!len)
		return 0;
	len = ALIGN(len, PAGE_SIZE);
	end = start + len;
	if (!len || end < start)
		return -EINVAL;
	mm = task->mm;
	/* Changing vm_flags needs the lock for write; dropping pages does not. */
	if (advice == MADV_HUGEPAGE || advice == MADV_NOHUGEPAGE)
		down_write(&mm->mmap_lock);
	else
		down_read(&mm->mmap_lock);
	tlb_gather_mmu(&tlb, mm);
	for (addr = start; addr < end;) {
		unsigned long s, e;

		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start >= end) {
			err = -ENOMEM;
			break;
		}
		if (vma->vm_start > addr)
			err = -ENOMEM;
		s = max(addr, vma->vm_start);
		e = min(end, vma->vm_end);
		if (advice == MADV_DONTNEED) {
			struct mmu_notifier_range range;

			mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, s, e);
			mmu_notifier_invalidate_range_start(&range);
			zap_page_range(&tlb, vma, s, e);
			mmu_notifier_invalidate_range_end(&range);
		}
		else if (advice == MADV_HUGEPAGE)
			vma->vm_flags = (vma->vm_flags & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
		else if (advice == MADV_NOHUGEPAGE)
			vma->vm_flags = (vma->vm_flags & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
		addr = e;
	}
	tlb_finish_mmu(&tlb);
	if (advice == MADV_HUGEPAGE || advice == MADV_NOHUGEPAGE)
		up_write(&mm->mmap_lock);
	else
		up_read(&mm->mmap_lock);
	return err;
}
