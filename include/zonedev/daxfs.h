/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxfs: a small real file system on a pmem device, every file DAX.
 *
 * A superblock, a block bitmap, an inode table and one flat directory on
 * the device (fs/daxfs/daxfs.h has the format); files are mapped in 4 KiB
 * blocks and 2 MiB extents, so that a 2 MiB-aligned part of a file can be
 * mapped by one PMD.  Files are struct zd_file, so zd_mmap() maps them.
 *
 * Calls take the kernel's errnos: -ENOENT, -EEXIST, -ENAMETOOLONG, -ENOSPC,
 * -EINVAL, -EFBIG, -EIO (poisoned block), -EBUSY (unmount with files open),
 * -EUCLEAN (a damaged image at mount), -ERESTARTSYS/-EINTR (a truncate or
 * punch hole waiting for a pinned page was interrupted).
 */
#ifndef _ZONEDEV_DAXFS_H
#define _ZONEDEV_DAXFS_H

#include <zonedev/types.h>

struct zd_pmem;
struct zd_file;
struct zd_daxfs;

/* zd_daxfs_mount() flags */
#define ZD_DAXFS_NO_HOLDER	0x1	/* like ext4: no dax holder, no notify_failure */

#define DAXFS_NAME_LEN		240	/* longest file name, bytes */

/**
 * struct zd_daxfs_statfs - what statfs(2) would say
 * @block_size: 4096
 * @blocks: data blocks in the file system
 * @blocks_free: of which free
 * @files: inodes
 * @files_free: of which free
 * @max_file_size: the largest file size
 */
struct zd_daxfs_statfs {
	unsigned long block_size;
	unsigned long blocks;
	unsigned long blocks_free;
	unsigned long files;
	unsigned long files_free;
	loff_t max_file_size;
};

/**
 * struct zd_stat - what fstat(2) would say
 * @ino: inode number
 * @size: bytes
 * @blocks: 4 KiB blocks allocated (data only)
 */
struct zd_stat {
	unsigned long ino;
	loff_t size;
	unsigned long blocks;
};

int zd_daxfs_mkfs(struct zd_pmem *pmem);
struct zd_daxfs *zd_daxfs_mount(struct zd_pmem *pmem, unsigned int flags);
int zd_daxfs_unmount(struct zd_daxfs *fs);
int zd_daxfs_statfs(struct zd_daxfs *fs, struct zd_daxfs_statfs *st);
bool zd_daxfs_is_shutdown(struct zd_daxfs *fs, const char **why);

struct zd_file *zd_daxfs_open(struct zd_daxfs *fs, const char *name, int flags);
int zd_daxfs_unlink(struct zd_daxfs *fs, const char *name);
int zd_close(struct zd_file *file);
ssize_t zd_pread(struct zd_file *file, void *buf, size_t len, loff_t off);
ssize_t zd_pwrite(struct zd_file *file, const void *buf, size_t len, loff_t off);
int zd_ftruncate(struct zd_file *file, loff_t length);
int zd_fallocate(struct zd_file *file, int mode, loff_t off, loff_t len);
int zd_fsync(struct zd_file *file);
int zd_fstat(struct zd_file *file, struct zd_stat *st);
int zd_daxfs_bmap(struct zd_file *file, loff_t off, u64 *dev_off);

#endif /* _ZONEDEV_DAXFS_H */
