/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daxfs: the on-media format and the in-core structures.
 *
 * The media is the pmem device's data area, in 4 KiB blocks:
 *
 *   block 0                superblock (crc32c)
 *   s_bitmap_start ...     block bitmap, one bit per block, metadata set
 *   s_inode_start ...      inode table, 32 inodes of 128 bytes a block
 *   s_dir_start ...        the flat directory, 16 entries of 256 bytes a
 *                          block, one per inode
 *   s_data_start ...       data, map and index blocks
 *
 * A file's block map is two-level.  The inode holds DAXFS_NR_MAPS map
 * block numbers; a map block holds 512 chunk entries, one per 2 MiB of the
 * file; a chunk entry is 0 (a hole), a 2 MiB-aligned extent of 512
 * contiguous blocks (DAXFS_CHUNK_EXTENT set), or the number of an index
 * block whose 512 entries are the chunk's 4 KiB blocks (0: a hole).  A
 * 2 MiB-aligned extent is what lets a PMD map a file.
 *
 * Everything is little-endian (the host's), and nothing is trusted at mount:
 * the superblock and every inode and directory entry carry a checksum, and
 * the mount walks every block map, checking bounds and that no block has
 * two owners, and rebuilds the bitmap (see super.c).
 */
#ifndef _FS_DAXFS_DAXFS_H
#define _FS_DAXFS_DAXFS_H

#include <zonedev/zonedev.h>
#include <zonedev/fs.h>
#include <zonedev/dax.h>
#include <zonedev/iomap.h>
#include <zonedev/daxfs.h>

#define DAXFS_MAGIC		0x5a444158u	/* "XADZ" */
#define DAXFS_VERSION		1
#define DAXFS_BLOCK_SHIFT	12
#define DAXFS_BLOCK_SIZE	(1UL << DAXFS_BLOCK_SHIFT)
#define DAXFS_CHUNK_SHIFT	21		/* 2 MiB */
#define DAXFS_CHUNK_BLOCKS	(1UL << (DAXFS_CHUNK_SHIFT - DAXFS_BLOCK_SHIFT))
#define DAXFS_ENTRIES		(DAXFS_BLOCK_SIZE / sizeof(u64))	/* 512 */
#define DAXFS_NR_MAPS		8
#define DAXFS_MAX_CHUNKS	(DAXFS_NR_MAPS * DAXFS_ENTRIES)
#define DAXFS_MAX_FILE_SIZE	((loff_t)DAXFS_MAX_CHUNKS << DAXFS_CHUNK_SHIFT)	/* 8 GiB */
#define DAXFS_CHUNK_EXTENT	(1ULL << 63)	/* chunk entry: an extent, not an index */
#define DAXFS_MIN_BLOCKS	64

#define DAXFS_STATE_CLEAN	1	/* unmounted cleanly */
#define DAXFS_STATE_MOUNTED	2	/* mounted, or the last user died mounted */

struct daxfs_super_block {
	u32 s_magic;
	u32 s_version;
	u32 s_block_size;
	u32 s_state;
	u64 s_nr_blocks;		/* the file system's, <= the device's */
	u64 s_bitmap_start;
	u64 s_bitmap_blocks;
	u64 s_inode_start;
	u64 s_inode_blocks;
	u64 s_nr_inodes;
	u64 s_dir_start;
	u64 s_dir_blocks;
	u64 s_data_start;
	u64 s_mount_count;
	u64 s_generation;		/* the next inode generation */
	u32 s_pad;
	u32 s_checksum;			/* crc32c of the fields above */
};

#define DAXFS_S_IFREG		0x8000

struct daxfs_inode {
	u16 i_mode;			/* 0: free */
	u16 i_flags;
	u32 i_nlink;
	u64 i_size;
	u64 i_blocks;			/* data blocks (not map or index blocks) */
	u64 i_generation;
	u64 i_map[DAXFS_NR_MAPS];	/* map blocks, 0 for none */
	u8 i_reserved[28];
	u32 i_checksum;			/* crc32c of the fields above, with i_ino */
};

#define DAXFS_INODES_PER_BLOCK	(DAXFS_BLOCK_SIZE / sizeof(struct daxfs_inode))

struct daxfs_dirent {
	u32 d_ino;			/* 0: free */
	u8 d_name_len;
	u8 d_pad[3];
	u32 d_checksum;			/* crc32c of ino, name_len and the name */
	u32 d_pad2;
	char d_name[DAXFS_NAME_LEN];
};

#define DAXFS_DIRENTS_PER_BLOCK	(DAXFS_BLOCK_SIZE / sizeof(struct daxfs_dirent))

static_assert(sizeof(struct daxfs_super_block) <= DAXFS_BLOCK_SIZE, "superblock fits");
static_assert(sizeof(struct daxfs_inode) == 128, "inode size");
static_assert(sizeof(struct daxfs_dirent) == 256, "dirent size");

/* ------------------------------------------------------------------ */
/* In core                                                             */
/* ------------------------------------------------------------------ */

/**
 * struct zd_daxfs - a mounted daxfs (the superblock info)
 * @pmem: the device
 * @dax_dev: its dax_device, held with fs_dax_get()
 * @base: kernel address of device offset 0; dereferenced only inside
 *	dax_read_lock() with the device alive
 * @sb: the superblock at @base
 * @flags: ZD_DAXFS_* mount flags
 * @lock: the bitmap, inode table, directory and @inodes (under every
 *	inode's locks)
 * @inodes: in-core inodes, by daxfs_inode_info.list
 * @free_blocks: free blocks in the bitmap
 * @free_inodes: free inodes
 * @alloc_hint: where the next 4 KiB allocation starts looking
 * @nr_blocks, @data_start, @nr_inodes: the geometry, kept off the media
 * @shutdown: the device is going or gone, or the media is damaged: every
 *	operation fails with -EIO from now on, except close and unmount
 * @shutdown_reason: why
 * @mounted: notify_failure answers -EIO until the mount is complete
 * @evict_seq: bumped (and woken) each time an eviction finishes
 */
struct zd_daxfs {
	struct zd_pmem *pmem;
	struct dax_device *dax_dev;
	void *base;
	struct daxfs_super_block *sb;
	unsigned int flags;
	struct mutex lock;
	struct list_head inodes;
	u64 nr_blocks;
	u64 data_start;
	u64 nr_inodes;
	u64 free_blocks;
	u64 free_inodes;
	u64 alloc_hint;
	bool shutdown;
	const char *shutdown_reason;
	bool mounted;
	unsigned long evict_seq;
};

/**
 * struct daxfs_inode_info - an inode in core
 * @vfs_inode: the inode (i_count: open files; VMAs hold the file, and the
 *	file the inode)
 * @i_data: its address_space (the DAX entries and the VMAs mapping it)
 * @i_map_lock: the block map (ext4's i_data_sem); under i_rwsem and
 *	invalidate_lock, above fs->lock
 * @fs: the file system
 * @slot: inode table index (i_ino - 1)
 * @unlinked: no name any more; freed when the last file goes
 * @evicting: the last reference went; until it leaves @list nobody may
 *	bring the inode back in core (a second in-core inode would not see
 *	pins still held through this one's DAX entries)
 * @list: on fs->inodes
 */
struct daxfs_inode_info {
	struct inode vfs_inode;
	struct address_space i_data;
	struct mutex i_map_lock;
	struct zd_daxfs *fs;
	unsigned int slot;
	bool unlinked;
	bool evicting;
	struct list_head list;
};

static inline struct daxfs_inode_info *DAXFS_I(struct inode *inode)
{
	return container_of(inode, struct daxfs_inode_info, vfs_inode);
}

static inline struct zd_daxfs *DAXFS_SB(struct inode *inode)
{
	return DAXFS_I(inode)->fs;
}

static inline void *daxfs_block(struct zd_daxfs *fs, u64 block)
{
	return (char *)fs->base + (block << DAXFS_BLOCK_SHIFT);
}

static inline struct daxfs_inode *daxfs_raw_inode(struct zd_daxfs *fs, unsigned int slot)
{
	struct daxfs_inode *table = daxfs_block(fs, fs->sb->s_inode_start);

	return &table[slot];
}

static inline struct daxfs_dirent *daxfs_raw_dirent(struct zd_daxfs *fs, unsigned int slot)
{
	struct daxfs_dirent *table = daxfs_block(fs, fs->sb->s_dir_start);

	return &table[slot];
}

/* super.c */
u32 daxfs_sb_checksum(const struct daxfs_super_block *sb);
void daxfs_shutdown(struct zd_daxfs *fs, const char *why);
int daxfs_enter(struct zd_daxfs *fs);
void daxfs_leave(int id);

/* balloc.c */
bool daxfs_block_in_use(struct zd_daxfs *fs, u64 block);
void daxfs_mark_block(struct zd_daxfs *fs, u64 block, bool used);
int daxfs_new_block(struct zd_daxfs *fs, u64 *block);
int daxfs_new_extent(struct zd_daxfs *fs, u64 *block);
void daxfs_free_blocks(struct zd_daxfs *fs, u64 block, u64 count);
u64 daxfs_count_free(struct zd_daxfs *fs);
int daxfs_zero_blocks(struct zd_daxfs *fs, u64 block, u64 count);

/* inode.c */
/* Called per map/index block (@meta) or run of data blocks; nonzero stops. */
typedef int (*daxfs_walk_fn)(void *arg, bool meta, u64 fblock, u64 pblock, u64 count);

extern const struct iomap_ops daxfs_iomap_ops;
u32 daxfs_inode_checksum(const struct daxfs_inode *raw, unsigned long ino);
void daxfs_write_inode(struct daxfs_inode_info *di);
int daxfs_walk_blocks(struct zd_daxfs *fs, const struct daxfs_inode *raw, daxfs_walk_fn fn,
		      void *arg);
struct daxfs_inode_info *daxfs_iget(struct zd_daxfs *fs, unsigned int slot);
void daxfs_wait_eviction(struct zd_daxfs *fs, unsigned long seq);
void daxfs_iput(struct daxfs_inode_info *di);
int daxfs_new_inode(struct zd_daxfs *fs, unsigned int *slot);
int daxfs_truncate_blocks(struct daxfs_inode_info *di, u64 first, u64 end);
int daxfs_alloc_range(struct daxfs_inode_info *di, u64 first, u64 end);
int daxfs_lookup_block(struct daxfs_inode_info *di, u64 fblock, u64 *block);
int daxfs_set_size(struct daxfs_inode_info *di, loff_t size);

/* dir.c */
u32 daxfs_dirent_checksum(const struct daxfs_dirent *de);
int daxfs_name_check(const char *name, size_t *len);
long daxfs_dir_lookup(struct zd_daxfs *fs, const char *name, size_t len);
int daxfs_dir_add(struct zd_daxfs *fs, const char *name, size_t len, unsigned int ino);
void daxfs_dir_remove(struct zd_daxfs *fs, unsigned int dslot);

/* file.c */
extern const struct zd_file_operations daxfs_file_operations;
extern const struct vm_operations_struct daxfs_vm_ops;

/* notify_failure.c */
extern const struct dax_holder_operations daxfs_dax_holder_operations;

#endif /* _FS_DAXFS_DAXFS_H */
