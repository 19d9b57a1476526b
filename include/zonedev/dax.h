/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DAX device (drivers/dax/super.c, include/linux/dax.h): what a pmem
 * or device-dax driver exports so that a file system (or a device-dax
 * file) can reach the device's bytes by page offset, and through which a
 * driver tells the file system holding the device that memory failed or
 * is going away.  See spec fsdax_devdax.md §0.3, §6.
 */
#ifndef _ZONEDEV_DAX_H
#define _ZONEDEV_DAX_H

#include <stdio.h>
#include <zonedev/types.h>
#include <zonedev/fs.h>
#include <zonedev/pfn_t.h>
#include <zonedev/mm_task.h>

struct iomap_ops;

/*
 * Memory-failure flags (enum mf_flags of include/linux/mm.h), shared by the
 * drivers that report failures, the file systems that hear of them and
 * mm/memory-failure.c.
 */
enum mf_flags {
	MF_COUNT_INCREASED = 1 << 0,
	MF_ACTION_REQUIRED = 1 << 1,
	MF_MUST_KILL = 1 << 2,
	MF_SOFT_OFFLINE = 1 << 3,
	MF_UNPOISON = 1 << 4,
	MF_SW_SIMULATED = 1 << 5,
	MF_NO_RETRY = 1 << 6,
	MF_MEM_PRE_REMOVE = 1 << 7,	/* the device is going away (v6.7+) */
};

/* mm/memory-failure.c: signal and unmap the tasks mapping a DAX range. */
int mf_dax_kill_procs(struct address_space *mapping, pgoff_t index, unsigned long count,
		      int mf_flags);

struct dax_device;

enum dax_access_mode {
	DAX_ACCESS,
	DAX_RECOVERY_WRITE,	/* a write that may clear poison */
};

/* dax_device->flags bits */
enum dax_device_flags {
	DAXDEV_ALIVE,		/* !alive + srcu grace period == no new operations */
	DAXDEV_WRITE_CACHE,	/* writes need a cache flush to be durable */
	DAXDEV_SYNC,		/* synchronous faults (MAP_SYNC) are possible */
	DAXDEV_NOCACHE,
	DAXDEV_NOMC,
};

/**
 * struct dax_operations - what the driver behind a dax_device does
 * @direct_access: translate @pgoff into a kernel address and a pfn, and
 *	say how many contiguous pages follow (up to @nr_pages); 0 means none;
 *	a negative errno for a range the device cannot give (poison: -EHWPOISON
 *	unless @mode is DAX_RECOVERY_WRITE)
 * @zero_page_range: zero @nr_pages at @pgoff, clearing poison
 * @recovery_write: write @bytes at @addr (in page @pgoff), clearing poison
 *	first; returns the bytes written
 */
struct dax_operations {
	long (*direct_access)(struct dax_device *dax_dev, pgoff_t pgoff, long nr_pages,
			      enum dax_access_mode mode, void **kaddr, unsigned long *pfn);
	int (*zero_page_range)(struct dax_device *dax_dev, pgoff_t pgoff, size_t nr_pages);
	size_t (*recovery_write)(struct dax_device *dax_dev, pgoff_t pgoff, void *addr,
				 const void *src, size_t bytes);
};

/**
 * struct dax_holder_operations - the holder's (a file system's) callbacks
 * @notify_failure: [@offset, @offset + @len) of the device failed, or with
 *	MF_MEM_PRE_REMOVE over [0, U64_MAX] is going away: find the files
 *	using it and deal with their mappers.  Returns 0, or -EOPNOTSUPP to
 *	let the generic memory-failure handling run, or another errno.
 */
struct dax_holder_operations {
	int (*notify_failure)(struct dax_device *dax_dev, u64 offset, u64 len, int mf_flags);
};

/**
 * struct dax_device - a device whose memory is reachable by page offset
 * @flags: DAXDEV_* bits
 * @refcount: alloc_dax()'s reference, plus one per fs_dax_get()
 * @private: the driver's (dax_get_private())
 * @ops: the driver's, NULL for device-dax (no direct_access)
 * @holder_data: the registered holder, NULL if none
 * @holder_ops: its callbacks
 * @inode: the device's inode (a device-dax character device maps it)
 * @i_data: @inode's address_space
 *
 * Fields are the driver's and the file system's through the functions
 * below; the holder pair changes only with fs_dax_get()/fs_put_dax()/
 * kill_dax().
 */
struct dax_device {
	unsigned long flags;
	atomic_t refcount;
	void *private;
	const struct dax_operations *ops;
	void *holder_data;
	const struct dax_holder_operations *holder_ops;
	struct inode inode;
	struct address_space i_data;
};

struct dax_device *alloc_dax(void *private, const struct dax_operations *ops);
void put_dax(struct dax_device *dax_dev);
void kill_dax(struct dax_device *dax_dev);
void run_dax(struct dax_device *dax_dev);
void *dax_get_private(struct dax_device *dax_dev);
struct inode *dax_inode(struct dax_device *dax_dev);
struct dax_device *inode_dax(struct inode *inode);
void dax_write_cache(struct dax_device *dax_dev, bool wc);
bool dax_write_cache_enabled(struct dax_device *dax_dev);
bool dax_synchronous(struct dax_device *dax_dev);
void set_dax_synchronous(struct dax_device *dax_dev);

int dax_read_lock(void);
void dax_read_unlock(int id);
bool dax_alive(struct dax_device *dax_dev);

long dax_direct_access(struct dax_device *dax_dev, pgoff_t pgoff, long nr_pages,
		       enum dax_access_mode mode, void **kaddr, unsigned long *pfn);
int dax_zero_page_range(struct dax_device *dax_dev, pgoff_t pgoff, size_t nr_pages);
size_t dax_recovery_write(struct dax_device *dax_dev, pgoff_t pgoff, void *addr,
			  const void *src, size_t bytes);
size_t dax_copy_from_iter(struct dax_device *dax_dev, pgoff_t pgoff, void *addr,
			  const void *src, size_t bytes);
size_t dax_copy_to_iter(struct dax_device *dax_dev, pgoff_t pgoff, void *addr, void *dst,
			size_t bytes);
void dax_flush(struct dax_device *dax_dev, void *addr, size_t size);

/*
 * The DAX page cache, faults and layout breaking (fs/dax.c) and page cache
 * truncation (mm/truncate.c), as daxfs calls them.  Declared here by the
 * file system side; see spec §1-3 for what each must do.
 *
 * dax_iomap_fault(): a PTE (order 0) or PMD fault on a DAX file, blocks from
 *	@ops; the caller holds mapping->invalidate_lock shared.
 * dax_break_layout_inode(): with i_rwsem and the invalidate_lock held
 *	exclusive, unmap the whole file, wait (interruptibly, dropping and
 *	retaking the invalidate_lock) until no page of it is busy, then
 *	delete its DAX entries.  0, or -ERESTARTSYS/-EINTR with the entries
 *	left alone.
 * dax_break_layout_final(): the same at eviction, uninterruptible.
 * truncate_inode_pages_range(): drop page cache / DAX entries of byte
 *	range [@lstart, @lend] (@lend inclusive, LLONG_MAX: to the end).
 * truncate_inode_pages_final(): all of them, the inode is going.
 * invalidate_inode_pages2_range(): unmap and drop the entries of page
 *	indices [@start, @end] so that stale (zero-page) mappings go; 0 or
 *	-EBUSY.
 */
vm_fault_t dax_iomap_fault(struct vm_fault *vmf, unsigned int order, pfn_t *pfnp, int *errp,
			   const struct iomap_ops *ops);
int dax_break_layout_inode(struct inode *inode);
void dax_break_layout_final(struct inode *inode);
void truncate_inode_pages_range(struct address_space *mapping, loff_t lstart, loff_t lend);
void truncate_inode_pages_final(struct address_space *mapping);
int invalidate_inode_pages2_range(struct address_space *mapping, pgoff_t start, pgoff_t end);
struct page *dax_layout_busy_page_range(struct address_space *mapping, loff_t start, loff_t end);
int dax_break_layout(struct inode *inode, loff_t start, loff_t end, void (*cb)(struct inode *));
void dax_delete_mapping_range(struct address_space *mapping, loff_t start, loff_t end);
int dax_writeback_mapping_range(struct address_space *mapping, struct dax_device *dax_dev,
				loff_t start, loff_t end);
unsigned long dax_lock_folio(struct folio *folio);
void dax_unlock_folio(struct folio *folio, unsigned long cookie);
bool dax_zap_folio(struct folio *folio);
unsigned long dax_lock_mapping_entry(struct address_space *mapping, pgoff_t index,
				     struct page **page);
void dax_unlock_mapping_entry(struct address_space *mapping, pgoff_t index, unsigned long cookie);
unsigned long dax_mapping_audit(struct address_space *mapping, FILE *out);
unsigned long dax_page_audit(struct page *page, FILE *out);

int fs_dax_get(struct dax_device *dax_dev, void *holder,
	       const struct dax_holder_operations *ops);
void fs_put_dax(struct dax_device *dax_dev, void *holder);
void *dax_holder(struct dax_device *dax_dev);
int dax_holder_notify_failure(struct dax_device *dax_dev, u64 off, u64 len, int mf_flags);

#endif /* _ZONEDEV_DAX_H */
