// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared anonymous memory: a small shmem object per MAP_SHARED|MAP_ANONYMOUS
 * mapping, shared by every VMA that maps it (fork included).  Its page cache
 * holds one reference per page; ->fault hands a page out with another; the
 * VMAs are on i_mmap for the reverse map.
 */
#include <string.h>
#include "internal_mm.h"

static void mapping_free(struct address_space *mapping)
{
	unsigned long i;

	for (i = 0; i < mapping->nr_slots; i++) {
		struct folio *folio = mapping->pages[i];

		if (!folio)
			continue;
		/* The page cache's own reference; mappings are gone by now. */
		WRITE_ONCE(folio->mapping, NULL);
		folio_put(folio);
	}
	kfree(mapping->pages);
	destroy_rwsem(&mapping->invalidate_lock);
	mutex_destroy(&mapping->i_mmap_lock);
	kfree(mapping);
}

static vm_fault_t shmem_fault(struct vm_fault *vmf)
{
	struct address_space *mapping = vmf->vma->vm_file->f_mapping;
	struct folio *folio, *new = NULL;
	pgoff_t index = vmf->pgoff;

	if (index >= mapping->nr_slots)
		return VM_FAULT_SIGBUS;
	spin_lock(&mapping->i_pages_lock);
	folio = mapping->pages[index];
	if (folio)
		folio_get(folio);
	spin_unlock(&mapping->i_pages_lock);
	if (folio)
		goto found;

	new = __folio_alloc_node(GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0, mapping->nid);
	if (!new)
		return VM_FAULT_OOM;
	new->mapping = mapping;
	new->index = index;
	spin_lock(&mapping->i_pages_lock);
	folio = mapping->pages[index];
	if (!folio) {
		/* The cache keeps the allocation reference; the fault gets one. */
		mapping->pages[index] = new;
		mapping->nrpages++;
		folio = new;
		new = NULL;
	}
	folio_get(folio);
	spin_unlock(&mapping->i_pages_lock);
	if (new) {
		new->mapping = NULL;
		folio_put(new);
	}
found:
	vmf->page = &folio->page;
	return 0;
}

static const struct vm_operations_struct shmem_vm_ops = {
	.fault = shmem_fault,
	.name = "shmem",
};

/** shmem_file_setup() - a shmem object of @size bytes for a shared mapping */
struct zd_file *shmem_file_setup(struct zd_system *sys, unsigned long size)
{
	struct address_space *mapping = kzalloc(sizeof(*mapping), GFP_KERNEL);
	struct zd_file *file = kzalloc(sizeof(*file), GFP_KERNEL);

	if (!mapping || !file)
		goto fail;
	mapping->nr_slots = size >> PAGE_SHIFT;
	mapping->pages = kcalloc(mapping->nr_slots, sizeof(*mapping->pages), GFP_KERNEL);
	if (!mapping->pages)
		goto fail;
	init_rwsem(&mapping->invalidate_lock);
	mutex_init(&mapping->i_mmap_lock);
	INIT_LIST_HEAD(&mapping->i_mmap);
	spin_lock_init(&mapping->i_pages_lock);
	mapping->nid = zd_system_nid(sys);
	atomic_set(&mapping->refcount, 1);
	file->f_mapping = mapping;
	file->vm_ops = &shmem_vm_ops;
	file->size = size;
	file->shmem = true;
	atomic_set(&file->f_count, 1);
	return file;
fail:
	if (mapping)
		kfree(mapping->pages);
	kfree(mapping);
	kfree(file);
	return NULL;
}

void zd_file_get(struct zd_file *file)
{
	atomic_inc(&file->f_count);
}

/*
 * The last reference to a shmem file frees its pages; a file system's file
 * goes back to its file system (fput -> ->release).
 */
void zd_file_put(struct zd_file *file)
{
	if (!atomic_dec_and_test(&file->f_count))
		return;
	if (file->f_op && file->f_op->release) {
		file->f_op->release(file);
		return;
	}
	if (atomic_dec_and_test(&file->f_mapping->refcount))
		mapping_free(file->f_mapping);
	kfree(file);
}

void vma_link_file(struct vm_area_struct *vma)
{
	struct address_space *mapping = vma->vm_file->f_mapping;

	mutex_lock(&mapping->i_mmap_lock);
	list_add_tail(&vma->shared, &mapping->i_mmap);
	mutex_unlock(&mapping->i_mmap_lock);
}

void vma_unlink_file(struct vm_area_struct *vma)
{
	struct address_space *mapping = vma->vm_file->f_mapping;

	mutex_lock(&mapping->i_mmap_lock);
	list_del_init(&vma->shared);
	mutex_unlock(&mapping->i_mmap_lock);
}
