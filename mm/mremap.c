// SPDX-License-Identifier: GPL-2.0-only
/* mremap(2): shrink, grow in place, or move a mapping with its pages. */
#include <sys/mman.h>
#include "internal_mm.h"

static int mremap_move(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long old_addr,
		       unsigned long old_len, unsigned long new_addr, unsigned long new_len)
{
	struct vm_area_struct *new;
	int err;

	/* Isolate exactly the old range in a VMA of its own. */
	if (vma->vm_start < old_addr) {
		err = split_vma(mm, vma, old_addr, 1);
		if (err)
			return err;
		vma = find_vma(mm, old_addr);
	}
	if (vma->vm_end > old_addr + old_len) {
		err = split_vma(mm, vma, old_addr + old_len, 0);
		if (err)
			return err;
		vma = find_vma(mm, old_addr);
	}
	if (vma_reserve(mm, 1))
		return -ENOMEM;
	new = vm_area_dup(vma);
	if (!new)
		return -ENOMEM;
	new->vm_start = new_addr;
	new->vm_end = new_addr + new_len;
	if (anon_vma_clone(new, vma)) {
		vma_free(new);
		return -ENOMEM;
	}
	err = move_page_tables(vma, old_addr, new, new_addr, min(old_len, new_len));
	if (!err)
		err = vma_link(mm, new);
	if (err) {
		/* Put back whatever moved, and forget the new VMA. */
		move_page_tables(new, new_addr, vma, old_addr, min(old_len, new_len));
		unlink_anon_vmas(new);
		vma_free(new);
		return err;
	}
	if (new->vm_file) {
		zd_file_get(new->vm_file);
		vma_link_file(new);
	}
	if (new->vm_ops && new->vm_ops->open)
		new->vm_ops->open(new);
	/* The old VMA holds no pages any more: unmapping it frees only tables. */
	return do_munmap(mm, old_addr, old_len);
}

/**
 * zd_mremap() - mremap(2) in @task
 * @flags: MREMAP_MAYMOVE, MREMAP_FIXED (with MAYMOVE)
 *
 * Return: the new address; -EINVAL for unaligned addresses, a zero
 * @new_len, unknown flags, FIXED without MAYMOVE or overlapping ranges;
 * -EFAULT if the old range is not one mapping; -ENOMEM if it cannot grow in
 * place and may not move.
 */
long zd_mremap(struct zd_task *task, unsigned long old_addr, unsigned long old_len,
	       unsigned long new_len, int flags, unsigned long new_addr)
{
	struct vm_area_struct *vma, *next;
	struct mm_struct *mm;
	long ret;

	if (IS_ERR_OR_NULL(task) || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if (!IS_ALIGNED(old_addr, PAGE_SIZE))
		return -EINVAL;
	old_len = ALIGN(old_len, PAGE_SIZE);
	new_len = ALIGN(new_len, PAGE_SIZE);
	if (!new_len || !old_len || new_len > TASK_SIZE || old_addr + old_len < old_addr)
		return -EINVAL;
	if (flags & MREMAP_FIXED) {
		if (!IS_ALIGNED(new_addr, PAGE_SIZE) || new_addr + new_len > TASK_SIZE ||
		    (new_addr < old_addr + old_len && old_addr < new_addr + new_len))
			return -EINVAL;
	}
	mm = task->mm;
	down_write(&mm->mmap_lock);
	vma = find_vma(mm, old_addr);
	if (!vma || vma->vm_start > old_addr || vma->vm_end < old_addr + old_len) {
		ret = -EFAULT;
		goto out;
	}
	if (flags & MREMAP_FIXED) {
		ret = do_munmap(mm, new_addr, new_len);
		if (ret)
			goto out;
		/* The unmap may have split or freed what we looked up: again. */
		vma = find_vma(mm, old_addr);
		if (!vma || vma->vm_start > old_addr || vma->vm_end < old_addr + old_len) {
			ret = -EFAULT;
			goto out;
		}
		ret = mremap_move(mm, vma, old_addr, old_len, new_addr, new_len);
		ret = ret ? ret : (long)new_addr;
		goto out;
	}
	if (new_len == old_len) {
		ret = (long)old_addr;
		goto out;
	}
	if (new_len < old_len) {
		ret = do_munmap(mm, old_addr + new_len, old_len - new_len);
		ret = ret ? ret : (long)old_addr;
		goto out;
	}
	/* Grow in place if the VMA ends here and nothing follows it. */
	next = find_vma(mm, old_addr + old_len);
	if (vma->vm_end == old_addr + old_len &&
	    (!next || next->vm_start >= old_addr + new_len) && old_addr + new_len <= TASK_SIZE) {
		mm->total_vm += (new_len - old_len) >> PAGE_SHIFT;
		vma_lock_rmap(vma);
		vma->vm_end = old_addr + new_len;
		vma_unlock_rmap(vma);
		ret = (long)old_addr;
		goto out;
	}
	if (!(flags & MREMAP_MAYMOVE)) {
		ret = -ENOMEM;
		goto out;
	}
	if (vma->vm_file && vma->vm_file->f_op && vma->vm_file->f_op->get_unmapped_area)
		new_addr = vma->vm_file->f_op->get_unmapped_area(vma->vm_file, mm, new_len,
								 vma->vm_pgoff +
								 ((old_addr - vma->vm_start) >> PAGE_SHIFT),
								 MAP_SHARED);
	else
		new_addr = get_unmapped_area(mm, new_len);
	ret = new_addr ? mremap_move(mm, vma, old_addr, old_len, new_addr, new_len) : -ENOMEM;
	ret = ret ? ret : (long)new_addr;
out:
	up_write(&mm->mmap_lock);
	return ret;
}
