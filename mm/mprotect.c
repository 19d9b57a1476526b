// SPDX-License-Identifier: GPL-2.0-only
/* mprotect(2): new permissions for a range, splitting VMAs at its edges. */
#include <sys/mman.h>
#include "internal_mm.h"

/**
 * zd_mprotect() - mprotect(2) in @task
 *
 * Return: 0; -EINVAL for an unaligned start or unknown bits; -ENOMEM if any
 * part of the range is unmapped (nothing is changed then); -EACCES for
 * PROT_WRITE on a shared mapping that cannot be written.
 */
int zd_mprotect(struct zd_task *task, unsigned long start, unsigned long len, int prot)
{
	struct mm_struct *mm;
	unsigned long end, addr, newflags;
	struct vm_area_struct *vma;
	bool changed = false;
	int err = 0;

	if (IS_ERR_OR_NULL(task) || !IS_ALIGNED(start, PAGE_SIZE) ||
	    (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if (!len)
		return 0;
	len = ALIGN(len, PAGE_SIZE);
	end = start + len;
	if (end <= start || end > TASK_SIZE)
		return -ENOMEM;
	mm = task->mm;
	down_write(&mm->mmap_lock);
	/* The whole range must be mapped before anything changes. */
	for (addr = start; addr < end; addr = vma->vm_end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr) {
			err = -ENOMEM;
			goto out;
		}
		if ((prot & PROT_WRITE) && !(vma->vm_flags & VM_MAYWRITE)) {
			err = -EACCES;
			goto out;
		}
	}
	for (addr = start; addr < end; addr = vma->vm_end) {
		vma = find_vma(mm, addr);
		if (vma->vm_start < addr) {
			err = split_vma(mm, vma, addr, 1);
			if (err)
				goto out;
			vma = find_vma(mm, addr);
		}
		if (vma->vm_end > end) {
			err = split_vma(mm, vma, end, 0);
			if (err)
				goto out;
			vma = find_vma(mm, addr);
		}
		newflags = (vma->vm_flags & ~VM_ACCESS_FLAGS) | (calc_vm_flags(prot, 0) & VM_ACCESS_FLAGS);
		vma->vm_flags = newflags;
		vma_set_page_prot(vma);
		change_protection(vma, vma->vm_start, vma->vm_end, vma->vm_page_prot);
		changed = true;
	}
out:
	/*
	 * The TLB flush, on every exit once anything changed: no CPU may still
	 * write through a translation that was writable before.  Accesses run
	 * inside RCU read-side sections.
	 */
	if (changed)
		synchronize_rcu();
	up_write(&mm->mmap_lock);
	return err;
}
