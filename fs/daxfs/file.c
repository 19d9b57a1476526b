// SPDX-License-Identifier: GPL-2.0-only
/*
 * daxfs files: open, close, read, write, truncate, fallocate, fsync, and
 * the faults of their mappings.
 *
 * Reads and writes copy through dax_direct_access(), never through pages
 * (spec §1.7): a poisoned block reads as -EIO, a write over one is a
 * recovery write that clears it (whole pages only, as pmem can).
 *
 * Anything that removes blocks (truncate down, punch hole) follows spec
 * §3.2: i_rwsem exclusive, the invalidate_lock exclusive (no fault can map
 * a block meanwhile), dax_break_layout_inode() (unmap everything, wait
 * until no page is pinned), then the page cache range, then the block map.
 * If the wait is interrupted nothing has changed.
 */
#include <string.h>
#include "daxfs.h"

#define DAXFS_OPEN_FLAGS	(O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC | O_NOCTTY)

static inline struct daxfs_inode_info *file_di(struct zd_file *file)
{
	return file->private_data;
}

static bool daxfs_file(struct zd_file *file)
{
	return !IS_ERR_OR_NULL(file) && file->f_op == &daxfs_file_operations;
}

static inline bool file_writable(struct zd_file *file)
{
	return (file->f_flags & O_ACCMODE) != O_RDONLY;
}

static inline bool file_readable(struct zd_file *file)
{
	return (file->f_flags & O_ACCMODE) != O_WRONLY;
}

/* ------------------------------------------------------------------ */
/* Open, close, unlink                                                 */
/* ------------------------------------------------------------------ */

static void daxfs_release(struct zd_file *file)
{
	struct daxfs_inode_info *di = file_di(file);

	kfree(file);
	daxfs_iput(di);
}

const struct zd_file_operations daxfs_file_operations = {
	.release = daxfs_release,
};

static int daxfs_setsize(struct daxfs_inode_info *di, loff_t size);

/*
 * The inode slot @name names, or a new file (@flags O_CREAT): fs->lock
 * held.  Returns the slot or a negative errno.
 */
static long daxfs_lookup_create(struct zd_daxfs *fs, const char *name, size_t len, int flags)
{
	long dslot = daxfs_dir_lookup(fs, name, len);
	unsigned int slot;
	int err;

	if (dslot >= 0) {
		u32 ino = daxfs_raw_dirent(fs, (unsigned int)dslot)->d_ino;

		if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
			return -EEXIST;
		if (!ino || ino > fs->nr_inodes || !daxfs_raw_inode(fs, ino - 1)->i_mode) {
			daxfs_shutdown(fs, "directory entry names a free inode");
			return -EIO;
		}
		return ino - 1;
	}
	if (!(flags & O_CREAT))
		return -ENOENT;
	err = daxfs_new_inode(fs, &slot);
	if (err)
		return err;
	err = daxfs_dir_add(fs, name, len, slot + 1);
	if (err < 0) {
		memset(daxfs_raw_inode(fs, slot), 0, sizeof(struct daxfs_inode));
		fs->free_inodes++;
		return err;
	}
	return slot;
}

/*
 * Look @name up (creating it for O_CREAT) and bring its inode in core,
 * waiting out an eviction of the same inode.  Returns the inode with a
 * reference, or an ERR_PTR.
 */
static struct daxfs_inode_info *daxfs_open_inode(struct zd_daxfs *fs, const char *name,
						 size_t len, int flags)
{
	struct daxfs_inode_info *di;
	unsigned long seq;
	long slot;
	int id;

	for (;;) {
		id = daxfs_enter(fs);
		if (id < 0)
			return ERR_PTR(id);
		mutex_lock(&fs->lock);
		seq = fs->evict_seq;
		slot = fs->mounted ? daxfs_lookup_create(fs, name, len, flags) : -EINVAL;
		di = slot < 0 ? ERR_PTR(slot) : daxfs_iget(fs, (unsigned int)slot);
		if (!di)
			di = ERR_PTR(-ENOMEM);
		mutex_unlock(&fs->lock);
		daxfs_leave(id);
		if (di != ERR_PTR(-EAGAIN))
			return di;
		/* It exists now (we may just have created it): look it up again. */
		flags &= ~(O_CREAT | O_EXCL);
		daxfs_wait_eviction(fs, seq);
	}
}

/**
 * zd_daxfs_open() - open (or create) the file @name
 * @fs: the file system
 * @name: a name of up to DAXFS_NAME_LEN bytes
 * @flags: O_RDONLY, O_WRONLY or O_RDWR, with O_CREAT, O_EXCL, O_TRUNC
 *
 * Return: the open file (zd_close() it; zd_mmap() maps it), or ERR_PTR:
 * -EINVAL (bad @fs or @flags), -EFAULT (NULL @name), -ENOENT,
 * -ENAMETOOLONG, -EISDIR ("." and ".."), -EEXIST (O_CREAT|O_EXCL on an
 * existing file), -ENOSPC (no free inode), -EIO (shut down), -ENOMEM,
 * or what O_TRUNC's truncate returned.
 */
struct zd_file *zd_daxfs_open(struct zd_daxfs *fs, const char *name, int flags)
{
	struct daxfs_inode_info *di;
	struct zd_file *file;
	size_t len;
	int err;

	if (IS_ERR_OR_NULL(fs) || (flags & ~DAXFS_OPEN_FLAGS) || (flags & O_ACCMODE) == O_ACCMODE)
		return ERR_PTR(-EINVAL);
	err = daxfs_name_check(name, &len);
	if (err)
		return ERR_PTR(err);
	di = daxfs_open_inode(fs, name, len, flags);
	if (IS_ERR(di))
		return ERR_PTR(PTR_ERR(di));

	file = kzalloc(sizeof(*file), GFP_KERNEL);
	if (!file) {
		daxfs_iput(di);
		return ERR_PTR(-ENOMEM);
	}
	file->f_mapping = di->vfs_inode.i_mapping;
	file->f_inode = &di->vfs_inode;
	file->f_op = &daxfs_file_operations;
	file->vm_ops = &daxfs_vm_ops;
	file->f_flags = (unsigned int)flags;
	file->private_data = di;
	atomic_set(&file->f_count, 1);
	if ((flags & O_TRUNC) && i_size_read(&di->vfs_inode)) {
		err = daxfs_setsize(di, 0);
		if (err) {
			zd_file_put(file);
			return ERR_PTR(err);
		}
	}
	return file;
}

/**
 * zd_close() - close @file; its mappings keep the file open until they go
 *
 * Return: 0, or -EBADF if @file is not an open daxfs file.
 */
int zd_close(struct zd_file *file)
{
	if (!daxfs_file(file))
		return -EBADF;
	zd_file_put(file);
	return 0;
}

/**
 * zd_daxfs_unlink() - remove the name @name
 *
 * The file goes when the last open file and mapping of it go.
 *
 * Return: 0, -EINVAL (bad @fs), -EFAULT, -ENOENT, -ENAMETOOLONG, -EISDIR,
 * -EIO (shut down), -ENOMEM.
 */
int zd_daxfs_unlink(struct zd_daxfs *fs, const char *name)
{
	struct daxfs_inode_info *di;
	size_t len;
	long dslot;
	int id, err;

	if (IS_ERR_OR_NULL(fs))
		return -EINVAL;
	err = daxfs_name_check(name, &len);
	if (err)
		return err;
	di = daxfs_open_inode(fs, name, len, 0);
	if (IS_ERR(di))
		return (int)PTR_ERR(di);
	id = daxfs_enter(fs);
	if (id < 0) {
		daxfs_iput(di);
		return id;
	}

	/* The raw inode is sealed under i_map_lock, the directory under fs->lock. */
	mutex_lock(&di->i_map_lock);
	mutex_lock(&fs->lock);
	dslot = daxfs_dir_lookup(fs, name, len);
	if (dslot < 0 || daxfs_raw_dirent(fs, (unsigned int)dslot)->d_ino != di->slot + 1) {
		err = -ENOENT;		/* a racing unlink won */
	} else {
		daxfs_dir_remove(fs, (unsigned int)dslot);
		daxfs_raw_inode(fs, di->slot)->i_nlink = 0;
		daxfs_write_inode(di);
		di->unlinked = true;
	}
	mutex_unlock(&fs->lock);
	mutex_unlock(&di->i_map_lock);
	daxfs_leave(id);
	/* The last reference (perhaps this one) frees the file. */
	daxfs_iput(di);
	return err;
}

/* ------------------------------------------------------------------ */
/* Read and write                                                      */
/* ------------------------------------------------------------------ */

/*
 * Copy @len bytes between @buf and device offset @dev_off, within one
 * extent.  Returns the bytes copied (maybe fewer, stopping at poison) or
 * -EIO.
 */
static ssize_t daxfs_copy_extent(struct zd_daxfs *fs, u64 dev_off, void *buf, size_t len,
				 bool write)
{
	pgoff_t pgoff = dev_off >> PAGE_SHIFT;
	size_t in = dev_off & (PAGE_SIZE - 1), n;
	long nr = (long)DIV_ROUND_UP(in + len, PAGE_SIZE), avail;
	void *kaddr;
	int id = daxfs_enter(fs);

	if (id < 0)
		return id;
	avail = dax_direct_access(fs->dax_dev, pgoff, nr, DAX_ACCESS, &kaddr, NULL);
	if (avail == -EHWPOISON && write) {
		/* Up to the first bad page, or the bad page alone. */
		avail = dax_direct_access(fs->dax_dev, pgoff, nr, DAX_RECOVERY_WRITE, &kaddr, NULL);
		if (avail > 0) {
			n = min(len, ((size_t)avail << PAGE_SHIFT) - in);
			n = dax_recovery_write(fs->dax_dev, pgoff, (char *)kaddr + in, buf, n);
			daxfs_leave(id);
			return n ? (ssize_t)n : -EIO;
		}
	}
	if (avail <= 0) {
		daxfs_leave(id);
		return -EIO;
	}
	n = min(len, ((size_t)avail << PAGE_SHIFT) - in);
	if (write)
		n = dax_copy_from_iter(fs->dax_dev, pgoff, (char *)kaddr + in, buf, n);
	else
		n = dax_copy_to_iter(fs->dax_dev, pgoff, (char *)kaddr + in, buf, n);
	daxfs_leave(id);
	return n ? (ssize_t)n : -EIO;
}

/* dax_iomap_rw() for daxfs: i_rwsem held (shared to read, exclusive to write). */
static ssize_t daxfs_rw(struct daxfs_inode_info *di, void *buf, size_t len, loff_t pos,
			bool write)
{
	struct inode *inode = &di->vfs_inode;
	size_t done = 0;
	ssize_t n = 0;

	while (done < len) {
		loff_t p = pos + (loff_t)done;
		struct iomap iomap;
		size_t chunk;
		int err;

		err = daxfs_iomap_ops.iomap_begin(inode, p, (loff_t)(len - done),
						  write ? IOMAP_WRITE : 0, &iomap, NULL);
		if (err) {
			n = err;
			break;
		}
		chunk = min(len - done, (size_t)(iomap.offset + (loff_t)iomap.length - p));
		if (iomap.type == IOMAP_HOLE) {
			memset((char *)buf + done, 0, chunk);
			done += chunk;
			continue;
		}
		/* New blocks replace holes a read fault may have mapped the zero page over. */
		if (write && (iomap.flags & IOMAP_F_NEW))
			invalidate_inode_pages2_range(inode->i_mapping, (pgoff_t)(p >> PAGE_SHIFT),
						      (pgoff_t)((p + (loff_t)chunk - 1) >> PAGE_SHIFT));
		n = daxfs_copy_extent(di->fs, iomap.addr + (u64)(p - iomap.offset),
				      (char *)buf + done, chunk, write);
		if (n < 0)
			break;
		done += (size_t)n;
	}
	return done ? (ssize_t)done : n;
}

/**
 * zd_pread() - read up to @len bytes at @off
 *
 * Return: the bytes read (0 at or past the end), or -EBADF (not a daxfs
 * file, or not open for reading), -EFAULT (NULL @buf), -EINVAL (negative
 * @off), -EIO (a poisoned block, or shut down).
 */
ssize_t zd_pread(struct zd_file *file, void *buf, size_t len, loff_t off)
{
	struct daxfs_inode_info *di;
	loff_t size;
	ssize_t ret;

	if (!daxfs_file(file) || !file_readable(file))
		return -EBADF;
	if (off < 0)
		return -EINVAL;
	if (!len)
		return 0;
	if (!buf)
		return -EFAULT;
	di = file_di(file);
	len = min(len, (size_t)SSIZE_MAX);
	inode_lock_shared(&di->vfs_inode);
	if (READ_ONCE(di->fs->shutdown)) {
		ret = -EIO;
		goto out;
	}
	size = i_size_read(&di->vfs_inode);
	ret = 0;
	if (off >= size)
		goto out;
	ret = daxfs_rw(di, buf, min(len, (size_t)(size - off)), off, false);
out:
	inode_unlock_shared(&di->vfs_inode);
	return ret;
}

/**
 * zd_pwrite() - write @len bytes at @off, allocating as needed
 *
 * Return: the bytes written (fewer when the device fills up or a partial
 * page over poison cannot be recovered), or -EBADF, -EFAULT, -EINVAL
 * (negative @off), -EFBIG (@off at or past the largest file size),
 * -ENOSPC, -EIO.
 */
ssize_t zd_pwrite(struct zd_file *file, const void *buf, size_t len, loff_t off)
{
	struct daxfs_inode_info *di;
	ssize_t ret;

	if (!daxfs_file(file) || !file_writable(file))
		return -EBADF;
	if (off < 0)
		return -EINVAL;
	if (!len)
		return 0;
	if (!buf)
		return -EFAULT;
	if (off >= DAXFS_MAX_FILE_SIZE)
		return -EFBIG;
	len = min(len, (size_t)(DAXFS_MAX_FILE_SIZE - off));
	di = file_di(file);
	inode_lock(&di->vfs_inode);
	if (READ_ONCE(di->fs->shutdown)) {
		ret = -EIO;
		goto out;
	}
	ret = daxfs_rw(di, (void *)buf, len, off, true);
	if (ret > 0 && off + ret > i_size_read(&di->vfs_inode) &&
	    daxfs_set_size(di, off + ret))
		ret = -EIO;
out:
	inode_unlock(&di->vfs_inode);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Truncate, punch hole, allocate                                      */
/* ------------------------------------------------------------------ */

/*
 * Zero bytes [start, end) of the file on the media, all within one block,
 * unless that block is a hole.  A poisoned block cannot be partly
 * rewritten: -EIO.
 */
static int daxfs_zero_partial(struct daxfs_inode_info *di, loff_t start, loff_t end)
{
	struct zd_daxfs *fs = di->fs;
	u64 block;
	void *kaddr;
	int id, err;

	if (start >= end)
		return 0;
	id = daxfs_enter(fs);
	if (id < 0)
		return id;
	err = daxfs_lookup_block(di, (u64)start >> DAXFS_BLOCK_SHIFT, &block);
	if (!err && block) {
		if (dax_direct_access(fs->dax_dev, block, 1, DAX_ACCESS, &kaddr, NULL) < 1)
			err = -EIO;
		else
			memset((char *)kaddr + (start & (DAXFS_BLOCK_SIZE - 1)), 0,
			       (size_t)(end - start));
	}
	daxfs_leave(id);
	return err;
}

/*
 * ftruncate(): growing only records the size (the new part is a hole);
 * shrinking breaks layouts first and then frees the blocks past the end.
 */
static int daxfs_setsize(struct daxfs_inode_info *di, loff_t size)
{
	struct inode *inode = &di->vfs_inode;
	struct address_space *mapping = inode->i_mapping;
	loff_t old;
	int err = 0;

	inode_lock(inode);
	if (READ_ONCE(di->fs->shutdown)) {
		err = -EIO;
		goto out;
	}
	old = i_size_read(inode);
	if (size == old)
		goto out;
	if (size > old) {
		/* What a mapping wrote past the old end must not show. */
		err = daxfs_zero_partial(di, old, ALIGN(old, (loff_t)DAXFS_BLOCK_SIZE));
		if (!err)
			err = daxfs_set_size(di, size);
		goto out;
	}

	filemap_invalidate_lock(mapping);
	err = dax_break_layout_inode(inode);
	if (err)
		goto out_invalidate;
	err = daxfs_zero_partial(di, size, ALIGN(size, (loff_t)DAXFS_BLOCK_SIZE));
	if (err)
		goto out_invalidate;
	err = daxfs_set_size(di, size);
	if (err)
		goto out_invalidate;
	truncate_inode_pages_range(mapping, size, LLONG_MAX);
	err = daxfs_truncate_blocks(di, DIV_ROUND_UP((u64)size, DAXFS_BLOCK_SIZE),
				    (u64)DAXFS_MAX_CHUNKS * DAXFS_CHUNK_BLOCKS);
out_invalidate:
	filemap_invalidate_unlock(mapping);
out:
	inode_unlock(inode);
	return err;
}

/**
 * zd_ftruncate() - set the file's size to @length
 *
 * Shrinking waits until no page of the file is pinned (a GUP pin, DMA in
 * flight), after unmapping it from every task.
 *
 * Return: 0, -EBADF (not a daxfs file), -EINVAL (negative @length, or not
 * open for writing), -EFBIG, -EIO, or -ERESTARTSYS/-EINTR if the wait was
 * interrupted (the file unchanged).
 */
int zd_ftruncate(struct zd_file *file, loff_t length)
{
	if (!daxfs_file(file))
		return -EBADF;
	if (length < 0 || !file_writable(file))
		return -EINVAL;
	if (length > DAXFS_MAX_FILE_SIZE)
		return -EFBIG;
	return daxfs_setsize(file_di(file), length);
}

/* FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, as ext4 rounds it. */
static int daxfs_punch_hole(struct daxfs_inode_info *di, loff_t off, loff_t len)
{
	struct inode *inode = &di->vfs_inode;
	struct address_space *mapping = inode->i_mapping;
	loff_t end, size, head_end, tail_start;
	int err = 0;

	inode_lock(inode);
	if (READ_ONCE(di->fs->shutdown)) {
		err = -EIO;
		goto out;
	}
	size = i_size_read(inode);
	if (off >= size)
		goto out;
	/* Nothing past the block holding the end of the file. */
	end = min(off + len, ALIGN(size, (loff_t)DAXFS_BLOCK_SIZE));

	filemap_invalidate_lock(mapping);
	err = dax_break_layout_inode(inode);
	if (err)
		goto out_invalidate;
	/* Partial blocks at either end are zeroed, whole blocks freed. */
	head_end = min(end, ALIGN(off, (loff_t)DAXFS_BLOCK_SIZE));
	err = daxfs_zero_partial(di, off, head_end);
	tail_start = max(head_end, ALIGN_DOWN(end, (loff_t)DAXFS_BLOCK_SIZE));
	if (!err)
		err = daxfs_zero_partial(di, tail_start, end);
	if (err)
		goto out_invalidate;
	truncate_inode_pages_range(mapping, off, end - 1);
	err = daxfs_truncate_blocks(di, (u64)head_end >> DAXFS_BLOCK_SHIFT,
				    (u64)tail_start >> DAXFS_BLOCK_SHIFT);
out_invalidate:
	filemap_invalidate_unlock(mapping);
out:
	inode_unlock(inode);
	return err;
}

/* Mode 0 / KEEP_SIZE: allocate (zeroed) blocks for [off, off + len). */
static int daxfs_allocate(struct daxfs_inode_info *di, loff_t off, loff_t len, bool keep_size)
{
	struct inode *inode = &di->vfs_inode;
	u64 first = (u64)off >> DAXFS_BLOCK_SHIFT;
	u64 end = DIV_ROUND_UP((u64)(off + len), DAXFS_BLOCK_SIZE);
	int err;

	inode_lock(inode);
	err = READ_ONCE(di->fs->shutdown) ? -EIO : daxfs_alloc_range(di, first, end);
	if (!err) {
		/* Holes read-faulted to the zero page are blocks now. */
		invalidate_inode_pages2_range(inode->i_mapping, (pgoff_t)first, (pgoff_t)(end - 1));
		if (!keep_size && off + len > i_size_read(inode))
			err = daxfs_set_size(di, off + len);
	}
	inode_unlock(inode);
	return err;
}

/**
 * zd_fallocate() - allocate or punch out part of a file
 * @file: the file, open for writing
 * @mode: 0 (allocate, extending the size), FALLOC_FL_KEEP_SIZE (allocate
 *	only), or FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
 * @off: byte offset
 * @len: bytes
 *
 * Allocation is all or nothing.  A punched range reads as zeros: partial
 * blocks at its ends are zeroed, whole blocks freed (after waiting for
 * pins, as truncate does); nothing past the block holding the end of the
 * file is touched.
 *
 * Return: 0, -EBADF, -EINVAL (@off < 0, @len <= 0), -EOPNOTSUPP (another
 * mode, or PUNCH_HOLE without KEEP_SIZE), -EFBIG, -ENOSPC, -EIO,
 * -ERESTARTSYS/-EINTR.
 */
int zd_fallocate(struct zd_file *file, int mode, loff_t off, loff_t len)
{
	loff_t end;

	if (!daxfs_file(file))
		return -EBADF;
	if (off < 0 || len <= 0)
		return -EINVAL;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	if (!file_writable(file))
		return -EBADF;
	if (__builtin_add_overflow(off, len, &end) || end > DAXFS_MAX_FILE_SIZE)
		return -EFBIG;
	if (mode & FALLOC_FL_PUNCH_HOLE)
		return daxfs_punch_hole(file_di(file), off, len);
	return daxfs_allocate(file_di(file), off, len, mode & FALLOC_FL_KEEP_SIZE);
}

/* ------------------------------------------------------------------ */
/* fsync, fstat, bmap                                                  */
/* ------------------------------------------------------------------ */

static int flush_run(void *arg, bool meta, u64 fblock, u64 pblock, u64 count)
{
	struct zd_daxfs *fs = arg;

	dax_flush(fs->dax_dev, daxfs_block(fs, pblock), count << DAXFS_BLOCK_SHIFT);
	return 0;
}

/**
 * zd_fsync() - make the file's data and the file system's metadata
 * durable on the media
 *
 * Return: 0, -EBADF, -EIO.
 */
int zd_fsync(struct zd_file *file)
{
	struct daxfs_inode_info *di;
	struct zd_daxfs *fs;
	int id, err;

	if (!daxfs_file(file))
		return -EBADF;
	di = file_di(file);
	fs = di->fs;
	id = daxfs_enter(fs);
	if (id < 0)
		return id;
	/* Dirty DAX entries: write-protected in every mapping, then clean. */
	err = dax_writeback_mapping_range(file->f_mapping, fs->dax_dev, 0, LLONG_MAX);
	if (err) {
		daxfs_leave(id);
		return err;
	}
	mutex_lock(&di->i_map_lock);
	err = daxfs_walk_blocks(fs, daxfs_raw_inode(fs, di->slot), flush_run, fs);
	mutex_unlock(&di->i_map_lock);
	dax_flush(fs->dax_dev, fs->base, fs->data_start << DAXFS_BLOCK_SHIFT);
	daxfs_leave(id);
	return err ? -EIO : 0;
}

/**
 * zd_fstat() - size and allocation of @file
 *
 * Return: 0, -EBADF, -EFAULT (NULL @st), -EIO.
 */
int zd_fstat(struct zd_file *file, struct zd_stat *st)
{
	struct daxfs_inode_info *di;
	int id;

	if (!daxfs_file(file))
		return -EBADF;
	if (!st)
		return -EFAULT;
	di = file_di(file);
	id = daxfs_enter(di->fs);
	if (id < 0)
		return id;
	mutex_lock(&di->i_map_lock);
	st->ino = di->vfs_inode.i_ino;
	st->size = i_size_read(&di->vfs_inode);
	st->blocks = daxfs_raw_inode(di->fs, di->slot)->i_blocks;
	mutex_unlock(&di->i_map_lock);
	daxfs_leave(id);
	return 0;
}

/**
 * zd_daxfs_bmap() - where byte @off of @file is on the device (FIBMAP)
 *
 * Return: 0 with *@dev_off set (a dax_device offset), -ENXIO (a hole),
 * -EBADF, -EINVAL (negative @off or NULL @dev_off), -EIO.
 */
int zd_daxfs_bmap(struct zd_file *file, loff_t off, u64 *dev_off)
{
	struct daxfs_inode_info *di;
	u64 block;
	int id, err;

	if (!daxfs_file(file))
		return -EBADF;
	if (off < 0 || !dev_off)
		return -EINVAL;
	if (off >= DAXFS_MAX_FILE_SIZE)
		return -ENXIO;
	di = file_di(file);
	id = daxfs_enter(di->fs);
	if (id < 0)
		return id;
	err = daxfs_lookup_block(di, (u64)off >> DAXFS_BLOCK_SHIFT, &block);
	daxfs_leave(id);
	if (err)
		return err;
	if (!block)
		return -ENXIO;
	*dev_off = (block << DAXFS_BLOCK_SHIFT) | ((u64)off & (DAXFS_BLOCK_SIZE - 1));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */
/* ------------------------------------------------------------------ */

/*
 * A fault on a daxfs mapping, PTE or PMD: the invalidate_lock shared keeps
 * truncate and punch hole out for the whole fault (spec §2.1).
 */
static vm_fault_t daxfs_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	struct address_space *mapping = vmf->vma->vm_file->f_mapping;
	vm_fault_t ret;
	pfn_t pfn;

	filemap_invalidate_lock_shared(mapping);
	ret = dax_iomap_fault(vmf, order, &pfn, NULL, &daxfs_iomap_ops);
	filemap_invalidate_unlock_shared(mapping);
	return ret;
}

static vm_fault_t daxfs_fault(struct vm_fault *vmf)
{
	return daxfs_huge_fault(vmf, 0);
}

/* A write to a read-only mapped block or hole: allocate, dirty, map writable. */
static vm_fault_t daxfs_mkwrite(struct vm_fault *vmf)
{
	return daxfs_huge_fault(vmf, 0);
}

const struct vm_operations_struct daxfs_vm_ops = {
	.fault = daxfs_fault,
	.huge_fault = daxfs_huge_fault,
	.page_mkwrite = daxfs_mkwrite,
	.pfn_mkwrite = daxfs_mkwrite,
	.name = "daxfs",
};
