// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inodes and their address_spaces come to life and go (fs/inode.c):
 * one place that initialises every field, so that what the page cache or
 * the DAX entries keep in an address_space is set up and torn down the same
 * way for every file system and for the dax_device's own inode.
 */
#include <zonedev/fs.h>
#include <zonedev/slab.h>

/** address_space_init_once() - an empty address_space for @host */
void address_space_init_once(struct address_space *mapping, struct inode *host)
{
	mapping->host = host;
	init_rwsem(&mapping->invalidate_lock);
	mutex_init(&mapping->i_mmap_lock);
	INIT_LIST_HEAD(&mapping->i_mmap);
	spin_lock_init(&mapping->i_pages_lock);
	mapping->pages = NULL;
	mapping->nr_slots = 0;
	mapping->nrpages = 0;
	mapping->nid = -1;
	atomic_set(&mapping->refcount, 1);
	mapping->dax_slots = NULL;
	mapping->dax_nr_slots = 0;
}

/** address_space_destroy() - undo address_space_init_once(); it must be empty */
void address_space_destroy(struct address_space *mapping)
{
	kfree(mapping->dax_slots);
	mapping->dax_slots = NULL;
	spin_lock_destroy(&mapping->i_pages_lock);
	mutex_destroy(&mapping->i_mmap_lock);
	destroy_rwsem(&mapping->invalidate_lock);
}

/**
 * inode_init_once() - @inode number @ino with @mapping as its address_space
 *
 * One reference (i_count 1), no size, not DAX until the file system says.
 */
void inode_init_once(struct inode *inode, unsigned long ino, struct address_space *mapping)
{
	inode->i_ino = ino;
	inode->i_size = 0;
	init_rwsem(&inode->i_rwsem);
	inode->i_mapping = mapping;
	inode->i_sb = NULL;
	inode->i_flags = 0;
	inode->i_mode = 0;
	inode->i_blkbits = 12;
	atomic_set(&inode->i_count, 1);
	inode->i_private = NULL;
	address_space_init_once(mapping, inode);
}

/** inode_destroy() - undo inode_init_once(), its address_space included */
void inode_destroy(struct inode *inode)
{
	address_space_destroy(inode->i_mapping);
	destroy_rwsem(&inode->i_rwsem);
}
