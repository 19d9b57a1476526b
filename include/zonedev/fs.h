/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The part of include/linux/fs.h the memory model needs: inodes, their
 * address_space (page cache or DAX entries, and the VMAs mapping it), the
 * open file a mapping holds, and the locks truncate and faults order by.
 *
 * Lock order (as mm/rmap.c lists it): inode->i_rwsem -> mmap_lock ->
 * mapping->invalidate_lock -> folio lock -> i_mmap_lock -> ... -> i_pages.
 */
#ifndef _ZONEDEV_FS_H
#define _ZONEDEV_FS_H

#include <fcntl.h>
#include <zonedev/types.h>
#include <zonedev/sync.h>
#include <zonedev/list.h>
#include <zonedev/mm_types.h>

struct inode;
struct zd_file;
struct vm_operations_struct;

/**
 * struct address_space - the contents of a file as memory sees it
 * @host: the inode it belongs to (NULL for a shmem object)
 * @invalidate_lock: faults take it shared, whatever removes blocks
 *	(truncate, punch hole) exclusive: no new mapping of a block can
 *	appear while a layout change holds it
 * @i_mmap_lock: protects @i_mmap
 * @i_mmap: the VMAs mapping it, linked by vma->shared
 * @i_pages_lock: protects the page cache
 * @pages: shmem page cache, @nr_slots slots
 * @nr_slots: size of @pages
 * @nrpages: entries present
 * @nid: the system whose RAM backs the page cache
 * @refcount: files and VMAs using it (shmem)
 * @dax_slots: a DAX file's entries, one word per index (fs/dax.c)
 * @dax_nr_slots: size of @dax_slots
 */
struct address_space {
	struct inode *host;
	struct rw_semaphore invalidate_lock;
	struct mutex i_mmap_lock;
	struct list_head i_mmap;	/* VMAs mapping it, by vma->shared */
	spinlock_t i_pages_lock;
	struct folio **pages;		/* page cache, nrpages slots */
	unsigned long nr_slots;
	unsigned long nrpages;		/* present */
	int nid;
	atomic_t refcount;		/* files and VMAs using it */
	unsigned long *dax_slots;	/* DAX value entries by index (fs/dax.c) */
	unsigned long dax_nr_slots;
};

static inline void filemap_invalidate_lock(struct address_space *mapping)
{
	down_write(&mapping->invalidate_lock);
}

static inline void filemap_invalidate_unlock(struct address_space *mapping)
{
	up_write(&mapping->invalidate_lock);
}

static inline void filemap_invalidate_lock_shared(struct address_space *mapping)
{
	down_read(&mapping->invalidate_lock);
}

static inline void filemap_invalidate_unlock_shared(struct address_space *mapping)
{
	up_read(&mapping->invalidate_lock);
}

/* i_flags */
#define S_SYNC		(1 << 0)
#define S_DAX		(1 << 13)	/* direct access, no page cache */

/**
 * struct inode - a file's identity and size
 * @i_ino: inode number
 * @i_size: bytes; read and written with i_size_read()/i_size_write()
 * @i_rwsem: read/write/truncate serialisation (inode_lock())
 * @i_mapping: its address_space
 * @i_sb: the file system's private superblock
 * @i_flags: S_DAX, S_SYNC
 * @i_mode: the file type bits that matter here: S_IFCHR for a device
 *	(a device-dax character device is DAX but not fsdax), else 0
 * @i_blkbits: log2 of the block size
 * @i_count: references (open files, the file system's own)
 * @i_private: the file system's
 */
struct inode {
	unsigned long i_ino;
	loff_t i_size;
	struct rw_semaphore i_rwsem;
	struct address_space *i_mapping;
	void *i_sb;
	unsigned int i_flags;
	unsigned int i_mode;
	unsigned int i_blkbits;
	atomic_t i_count;
	void *i_private;
};

#define IS_DAX(inode)	((inode)->i_flags & S_DAX)
#ifndef S_IFCHR
#define S_IFCHR		0020000
#endif
#define IS_CHRDEV(inode)	(((inode)->i_mode & 0170000) == S_IFCHR)

/*
 * A 64-bit machine reads and writes i_size in one access; writers hold
 * i_rwsem, readers (faults) may not.
 */
static inline loff_t i_size_read(const struct inode *inode)
{
	return __atomic_load_n(&inode->i_size, __ATOMIC_RELAXED);
}

static inline void i_size_write(struct inode *inode, loff_t i_size)
{
	__atomic_store_n(&inode->i_size, i_size, __ATOMIC_RELAXED);
}

static inline void inode_lock(struct inode *inode)
{
	down_write(&inode->i_rwsem);
}

static inline void inode_unlock(struct inode *inode)
{
	up_write(&inode->i_rwsem);
}

static inline void inode_lock_shared(struct inode *inode)
{
	down_read(&inode->i_rwsem);
}

static inline void inode_unlock_shared(struct inode *inode)
{
	up_read(&inode->i_rwsem);
}

struct mm_struct;
struct vm_area_struct;

/**
 * struct zd_file_operations - what a file system does with its open files
 * @release: the last reference to the file went (close and every VMA
 *	gone); frees @file.  Files without one are shmem objects.
 * @mmap: a new VMA of @file, its bounds and flags set, not yet linked:
 *	refuse it (an errno) or set it up (vm_ops, vm_flags)
 * @get_unmapped_area: where to put a mapping of @len bytes at file page
 *	@pgoff when the caller gave no fixed address: an address, or 0 for no
 *	room (a device that maps in huge units aligns it)
 */
struct zd_file_operations {
	void (*release)(struct zd_file *file);
	int (*mmap)(struct zd_file *file, struct vm_area_struct *vma);
	unsigned long (*get_unmapped_area)(struct zd_file *file, struct mm_struct *mm,
					   unsigned long len, unsigned long pgoff,
					   unsigned long flags);
};

/**
 * struct zd_file - an open file, as a mapping holds it (struct file)
 * @f_mapping: its address_space
 * @f_inode: its inode (NULL for shmem)
 * @f_op: file system hooks (NULL for shmem)
 * @vm_ops: what a VMA mapping it does on faults
 * @f_count: references: the opener's, one per VMA
 * @f_flags: O_* it was opened with
 * @size: bytes (shmem)
 * @shmem: a shared anonymous mapping's object
 * @private_data: the file system's
 */
struct zd_file {
	struct address_space *f_mapping;
	struct inode *f_inode;
	const struct zd_file_operations *f_op;
	const struct vm_operations_struct *vm_ops;
	atomic_t f_count;
	unsigned int f_flags;
	unsigned long size;		/* bytes */
	bool shmem;
	void *private_data;
};

/* get_file()/fput(): a reference to an open file (mm/shmem.c) */
void zd_file_get(struct zd_file *file);
void zd_file_put(struct zd_file *file);

static inline struct inode *file_inode(const struct zd_file *file)
{
	return file->f_inode;
}

void address_space_init_once(struct address_space *mapping, struct inode *host);
void address_space_destroy(struct address_space *mapping);
void inode_init_once(struct inode *inode, unsigned long ino, struct address_space *mapping);
void inode_destroy(struct inode *inode);

/* linux/falloc.h */
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE	0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE	0x02
#endif

#endif /* _ZONEDEV_FS_H */
