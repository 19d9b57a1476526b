// SPDX-License-Identifier: GPL-2.0-only
/*
 * daxfs: mkfs, mount, unmount, statfs and shutdown.
 *
 * Mount trusts nothing on the media: it checks the superblock (magic,
 * version, checksum, geometry), every inode and directory entry (checksums,
 * bounds, one name per inode), walks every block map (each block in the
 * data area and owned once), and rebuilds the block bitmap from what the
 * inodes own.  A file system that was not unmounted cleanly gets repaired
 * (orphaned inodes reclaimed, the bitmap rewritten); on one that was, any
 * disagreement is corruption: -EUCLEAN, the media untouched, and the mount
 * can be tried again.
 *
 * The media is touched only inside daxfs_enter()/daxfs_leave(), a
 * dax_read_lock() section with the device alive and the file system not
 * shut down, so that once kill_dax() returns nothing here touches the
 * direct map that memunmap_pages() then takes away.
 */
#include <string.h>
#include <zonedev/crc32c.h>
#include <zonedev/slab.h>
#include "daxfs.h"

#define DAXFS_MAX_INODES	16384

u32 daxfs_sb_checksum(const struct daxfs_super_block *sb)
{
	return ~crc32c(~0u, sb, offsetof(struct daxfs_super_block, s_checksum));
}

/**
 * daxfs_enter() - start touching the media
 *
 * Return: the dax_read_lock() cookie, or -EIO if the device is gone or
 * the file system is shut down.
 */
int daxfs_enter(struct zd_daxfs *fs)
{
	int id = dax_read_lock();

	if (!dax_alive(fs->dax_dev) || READ_ONCE(fs->shutdown)) {
		dax_read_unlock(id);
		return -EIO;
	}
	return id;
}

void daxfs_leave(int id)
{
	dax_read_unlock(id);
}

/**
 * daxfs_shutdown() - stop using the media: the device is going away, or
 * its metadata cannot be trusted (XFS's forced shutdown)
 *
 * Every operation but close and unmount fails with -EIO from now on; a
 * fault gets SIGBUS.  @why is kept for zd_daxfs_is_shutdown()'s callers.
 */
void daxfs_shutdown(struct zd_daxfs *fs, const char *why)
{
	if (!READ_ONCE(fs->shutdown))
		fs->shutdown_reason = why;
	WRITE_ONCE(fs->shutdown, true);
}

/* The geometry mkfs gives @dev_blocks blocks. */
static void daxfs_geometry(struct daxfs_super_block *sb, u64 dev_blocks)
{
	u64 inodes = min(max(dev_blocks / 64, (u64)32), (u64)DAXFS_MAX_INODES);

	memset(sb, 0, sizeof(*sb));
	sb->s_magic = DAXFS_MAGIC;
	sb->s_version = DAXFS_VERSION;
	sb->s_block_size = DAXFS_BLOCK_SIZE;
	sb->s_nr_blocks = dev_blocks;
	sb->s_nr_inodes = ALIGN(inodes, DAXFS_INODES_PER_BLOCK);
	sb->s_bitmap_start = 1;
	sb->s_bitmap_blocks = DIV_ROUND_UP(dev_blocks, DAXFS_BLOCK_SIZE * 8);
	sb->s_inode_start = sb->s_bitmap_start + sb->s_bitmap_blocks;
	sb->s_inode_blocks = sb->s_nr_inodes / DAXFS_INODES_PER_BLOCK;
	sb->s_dir_start = sb->s_inode_start + sb->s_inode_blocks;
	sb->s_dir_blocks = sb->s_nr_inodes / DAXFS_DIRENTS_PER_BLOCK;
	sb->s_data_start = sb->s_dir_start + sb->s_dir_blocks;
	sb->s_generation = 1;
}

/* Is @sb a superblock mkfs could have written, for a device of @dev_blocks? */
static int daxfs_check_sb(const struct daxfs_super_block *sb, u64 dev_blocks)
{
	struct daxfs_super_block want;

	if (sb->s_magic != DAXFS_MAGIC)
		return -EINVAL;			/* not a daxfs */
	if (sb->s_checksum != daxfs_sb_checksum(sb))
		return -EUCLEAN;
	if (sb->s_version != DAXFS_VERSION || sb->s_block_size != DAXFS_BLOCK_SIZE)
		return -EINVAL;			/* a format we do not know */
	if (sb->s_nr_blocks > dev_blocks)
		return -EINVAL;			/* the device is smaller than the fs */
	if (sb->s_nr_blocks < DAXFS_MIN_BLOCKS)
		return -EUCLEAN;
	daxfs_geometry(&want, sb->s_nr_blocks);
	if (sb->s_nr_inodes != want.s_nr_inodes || sb->s_bitmap_start != want.s_bitmap_start ||
	    sb->s_bitmap_blocks != want.s_bitmap_blocks ||
	    sb->s_inode_start != want.s_inode_start ||
	    sb->s_inode_blocks != want.s_inode_blocks || sb->s_dir_start != want.s_dir_start ||
	    sb->s_dir_blocks != want.s_dir_blocks || sb->s_data_start != want.s_data_start ||
	    sb->s_data_start >= sb->s_nr_blocks)
		return -EUCLEAN;
	if (sb->s_state != DAXFS_STATE_CLEAN && sb->s_state != DAXFS_STATE_MOUNTED)
		return -EUCLEAN;
	return 0;
}

/**
 * zd_daxfs_mkfs() - make an empty daxfs on @pmem
 *
 * Overwrites the metadata (clearing any poison in it); data blocks are
 * zeroed when they are allocated.
 *
 * Return: 0, -EINVAL (bad @pmem, or a device under 256 KiB), -EBUSY (a
 * file system is mounted on it), -ENXIO (the device is dead), -EIO.
 */
int zd_daxfs_mkfs(struct zd_pmem *pmem)
{
	struct dax_device *dax_dev = zd_pmem_dax(pmem);
	struct daxfs_super_block *sb, geo;
	u64 dev_blocks = zd_pmem_size(pmem) >> DAXFS_BLOCK_SHIFT, b;
	unsigned long *bitmap;
	void *base;
	int id, err;

	if (!dax_dev)
		return -EINVAL;
	if (dev_blocks < DAXFS_MIN_BLOCKS)
		return -EINVAL;
	/* Claim the device as an exclusive open would. */
	err = fs_dax_get(dax_dev, &geo, NULL);
	if (err)
		return err;
	daxfs_geometry(&geo, dev_blocks);

	id = dax_read_lock();
	err = -ENXIO;
	if (!dax_alive(dax_dev))
		goto out;
	err = -EIO;
	for (b = 0; b < geo.s_data_start; b++)
		if (dax_zero_page_range(dax_dev, b, 1))
			goto out;
	if (dax_direct_access(dax_dev, 0, (long)geo.s_data_start, DAX_ACCESS, &base, NULL) <
	    (long)geo.s_data_start)
		goto out;
	bitmap = (unsigned long *)((char *)base + (geo.s_bitmap_start << DAXFS_BLOCK_SHIFT));
	for (b = 0; b < geo.s_data_start; b++)
		__set_bit((long)b, bitmap);
	geo.s_state = DAXFS_STATE_CLEAN;
	geo.s_checksum = daxfs_sb_checksum(&geo);
	sb = base;
	memcpy(sb, &geo, sizeof(geo));
	dax_flush(dax_dev, base, geo.s_data_start << DAXFS_BLOCK_SHIFT);
	err = 0;
out:
	dax_read_unlock(id);
	fs_put_dax(dax_dev, &geo);
	return err;
}

/* ------------------------------------------------------------------ */
/* Mount: check everything, rebuild the bitmap                         */
/* ------------------------------------------------------------------ */

struct mount_check {
	struct zd_daxfs *fs;
	unsigned long *owned;	/* blocks some inode or the metadata owns */
	unsigned long *named;	/* inode slots with a directory entry */
	unsigned long *orphan;	/* inode slots to reclaim */
	u64 data_blocks;	/* of the inode being walked */
};

static int mount_mark(void *arg, bool meta, u64 fblock, u64 pblock, u64 count)
{
	struct mount_check *mc = arg;
	u64 i;

	for (i = 0; i < count; i++) {
		if (test_bit((long)(pblock + i), mc->owned))
			return -EUCLEAN;	/* two owners */
		__set_bit((long)(pblock + i), mc->owned);
	}
	if (!meta)
		mc->data_blocks += count;
	return 0;
}

static u32 name_hash(const char *name, size_t len)
{
	return crc32c(0, name, len);
}

/* Every directory entry: sealed, a sane name, a live inode, no duplicate. */
static int check_dir(struct mount_check *mc)
{
	struct zd_daxfs *fs = mc->fs;
	u64 nr = fs->nr_inodes, size = 2 * nr, i, h;
	u32 *table = kcalloc(size, sizeof(*table), GFP_KERNEL);	/* slot + 1, 0: empty */
	int err = 0;

	if (!table)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		const struct daxfs_dirent *de = daxfs_raw_dirent(fs, i);
		const struct daxfs_inode *raw;

		if (!de->d_ino)
			continue;
		if (de->d_checksum != daxfs_dirent_checksum(de) || !de->d_name_len ||
		    de->d_name_len > DAXFS_NAME_LEN || de->d_ino > nr ||
		    memchr(de->d_name, '\0', de->d_name_len) ||
		    memchr(de->d_name, '/', de->d_name_len))
			goto corrupt;
		raw = daxfs_raw_inode(fs, de->d_ino - 1);
		if (!raw->i_mode || test_bit(de->d_ino - 1, mc->named))
			goto corrupt;
		__set_bit(de->d_ino - 1, mc->named);
		for (h = name_hash(de->d_name, de->d_name_len) % size;; h = (h + 1) % size) {
			const struct daxfs_dirent *other;

			if (!table[h]) {
				table[h] = (u32)i + 1;
				break;
			}
			other = daxfs_raw_dirent(fs, table[h] - 1);
			if (other->d_name_len == de->d_name_len &&
			    !memcmp(other->d_name, de->d_name, de->d_name_len))
				goto corrupt;
		}
	}
	goto out;
corrupt:
	err = -EUCLEAN;
out:
	kfree(table);
	return err;
}

/*
 * Every inode: sealed and sane; named ones own their blocks; unnamed ones
 * (or unlinked ones) are orphans, legitimate only after a crash.
 */
static int check_inodes(struct mount_check *mc, bool clean)
{
	struct zd_daxfs *fs = mc->fs;
	u64 i;
	int err;

	for (i = 0; i < fs->nr_inodes; i++) {
		const struct daxfs_inode *raw = daxfs_raw_inode(fs, i);

		if (!raw->i_mode)
			continue;
		if (raw->i_checksum != daxfs_inode_checksum(raw, i + 1) ||
		    raw->i_mode != DAXFS_S_IFREG || raw->i_flags || raw->i_nlink > 1 ||
		    raw->i_size > (u64)DAXFS_MAX_FILE_SIZE)
			return -EUCLEAN;
		if (!test_bit((long)i, mc->named)) {
			/* Unlinked while open, or named never: a crash's leftover. */
			if (clean)
				return -EUCLEAN;
			__set_bit((long)i, mc->orphan);
			continue;
		}
		if (!raw->i_nlink)
			return -EUCLEAN;	/* named, yet unlinked */
		mc->data_blocks = 0;
		err = daxfs_walk_blocks(fs, raw, mount_mark, mc);
		if (err)
			return err;
		if (mc->data_blocks != raw->i_blocks)
			return -EUCLEAN;
	}
	return 0;
}

/*
 * Check the whole file system and, if it was not unmounted cleanly,
 * repair it.  The media is written only once everything checked out.
 */
static int daxfs_check_and_repair(struct zd_daxfs *fs)
{
	bool clean = fs->sb->s_state == DAXFS_STATE_CLEAN;
	const unsigned long *bitmap = daxfs_block(fs, fs->sb->s_bitmap_start);
	struct mount_check mc = { .fs = fs };
	u64 b, nr_inodes = fs->nr_inodes, diff = 0;
	int err = -ENOMEM;

	mc.owned = kcalloc(BITS_TO_LONGS(fs->nr_blocks), sizeof(long), GFP_KERNEL);
	mc.named = kcalloc(BITS_TO_LONGS(nr_inodes), sizeof(long), GFP_KERNEL);
	mc.orphan = kcalloc(BITS_TO_LONGS(nr_inodes), sizeof(long), GFP_KERNEL);
	if (!mc.owned || !mc.named || !mc.orphan)
		goto out;
	for (b = 0; b < fs->data_start; b++)
		__set_bit((long)b, mc.owned);
	err = check_dir(&mc);
	if (!err)
		err = check_inodes(&mc, clean);
	if (err)
		goto out;
	for (b = 0; b < fs->nr_blocks; b++)
		diff += test_bit((long)b, mc.owned) != test_bit((long)b, bitmap);
	if (diff && clean) {
		err = -EUCLEAN;
		goto out;
	}

	/* Everything checked: repair what a crash left. */
	for (b = 0; b < nr_inodes; b++)
		if (test_bit((long)b, mc.orphan))
			memset(daxfs_raw_inode(fs, (unsigned int)b), 0, sizeof(struct daxfs_inode));
	for (b = 0; diff && b < fs->nr_blocks; b++)
		daxfs_mark_block(fs, b, test_bit((long)b, mc.owned));
	fs->free_blocks = daxfs_count_free(fs);
	fs->free_inodes = 0;
	for (b = 0; b < nr_inodes; b++)
		fs->free_inodes += !daxfs_raw_inode(fs, (unsigned int)b)->i_mode;
	err = 0;
out:
	kfree(mc.owned);
	kfree(mc.named);
	kfree(mc.orphan);
	return err;
}

/**
 * zd_daxfs_mount() - mount the daxfs on @pmem
 * @pmem: the device
 * @flags: 0, or ZD_DAXFS_NO_HOLDER to register no failure callbacks (as
 *	ext4 does: memory failure then takes the generic path)
 *
 * Registers the file system as the dax_device's holder.
 *
 * Return: the file system, or ERR_PTR: -EINVAL (bad arguments, not a
 * daxfs, a format or device size it cannot use), -EUCLEAN (damaged),
 * -EBUSY (already mounted), -ENXIO (the device is dead), -EIO (poisoned
 * metadata), -ENOMEM.
 */
struct zd_daxfs *zd_daxfs_mount(struct zd_pmem *pmem, unsigned int flags)
{
	struct dax_device *dax_dev = zd_pmem_dax(pmem);
	struct zd_daxfs *fs;
	void *base;
	long n;
	int id, err;

	if (!dax_dev || (flags & ~ZD_DAXFS_NO_HOLDER))
		return ERR_PTR(-EINVAL);
	fs = kzalloc(sizeof(*fs), GFP_KERNEL);
	if (!fs)
		return ERR_PTR(-ENOMEM);
	fs->pmem = pmem;
	fs->dax_dev = dax_dev;
	fs->flags = flags;
	mutex_init(&fs->lock);
	INIT_LIST_HEAD(&fs->inodes);
	err = fs_dax_get(dax_dev, fs,
			 (flags & ZD_DAXFS_NO_HOLDER) ? NULL : &daxfs_dax_holder_operations);
	if (err)
		goto err_free;

	id = dax_read_lock();
	err = -ENXIO;
	if (!dax_alive(dax_dev))
		goto err_unlock;
	n = dax_direct_access(dax_dev, 0, 1, DAX_ACCESS, &base, NULL);
	if (n < 1) {
		err = n == -EHWPOISON ? -EIO : (int)n;
		goto err_unlock;
	}
	fs->base = base;
	fs->sb = base;
	err = daxfs_check_sb(fs->sb, zd_pmem_size(pmem) >> DAXFS_BLOCK_SHIFT);
	if (err)
		goto err_unlock;
	n = dax_direct_access(dax_dev, 0, (long)fs->sb->s_data_start, DAX_ACCESS, &base, NULL);
	if (n < (long)fs->sb->s_data_start) {
		err = -EIO;
		goto err_unlock;
	}
	fs->nr_blocks = fs->sb->s_nr_blocks;
	fs->data_start = fs->sb->s_data_start;
	fs->nr_inodes = fs->sb->s_nr_inodes;
	fs->alloc_hint = fs->sb->s_data_start;
	err = daxfs_check_and_repair(fs);
	if (err)
		goto err_unlock;

	fs->sb->s_state = DAXFS_STATE_MOUNTED;
	fs->sb->s_mount_count++;
	fs->sb->s_checksum = daxfs_sb_checksum(fs->sb);
	dax_flush(dax_dev, fs->base, fs->sb->s_data_start << DAXFS_BLOCK_SHIFT);
	dax_read_unlock(id);
	mutex_lock(&fs->lock);
	fs->mounted = true;
	mutex_unlock(&fs->lock);
	return fs;

err_unlock:
	dax_read_unlock(id);
	fs_put_dax(dax_dev, fs);
err_free:
	mutex_destroy(&fs->lock);
	kfree(fs);
	return ERR_PTR(err);
}

/**
 * zd_daxfs_unmount() - unmount @fs
 *
 * Writes the superblock clean and flushes the media, unless the device is
 * gone or the file system shut down (then the next mount checks and
 * repairs).  Lets go of the dax_device.
 *
 * Return: 0, -EINVAL (bad @fs), -EBUSY (files are open or mapped; nothing
 * changes).
 */
int zd_daxfs_unmount(struct zd_daxfs *fs)
{
	int id;

	if (IS_ERR_OR_NULL(fs))
		return -EINVAL;
	mutex_lock(&fs->lock);
	if (!fs->mounted || !list_empty(&fs->inodes)) {
		mutex_unlock(&fs->lock);
		return fs->mounted ? -EBUSY : -EINVAL;
	}
	fs->mounted = false;
	mutex_unlock(&fs->lock);

	id = daxfs_enter(fs);
	if (id >= 0) {
		fs->sb->s_state = DAXFS_STATE_CLEAN;
		fs->sb->s_checksum = daxfs_sb_checksum(fs->sb);
		dax_flush(fs->dax_dev, fs->base, fs->nr_blocks << DAXFS_BLOCK_SHIFT);
		daxfs_leave(id);
	}
	/* No notify_failure call is running in @fs after this. */
	fs_put_dax(fs->dax_dev, fs);
	mutex_destroy(&fs->lock);
	kfree(fs);
	return 0;
}

/**
 * zd_daxfs_statfs() - sizes and free space of @fs
 *
 * Return: 0, -EINVAL (bad arguments), -EIO (shut down).
 */
int zd_daxfs_statfs(struct zd_daxfs *fs, struct zd_daxfs_statfs *st)
{
	if (IS_ERR_OR_NULL(fs) || !st)
		return -EINVAL;
	if (READ_ONCE(fs->shutdown))
		return -EIO;
	mutex_lock(&fs->lock);
	st->block_size = DAXFS_BLOCK_SIZE;
	st->blocks = fs->nr_blocks - fs->data_start;
	st->blocks_free = fs->free_blocks;
	st->files = fs->nr_inodes;
	st->files_free = fs->free_inodes;
	st->max_file_size = DAXFS_MAX_FILE_SIZE;
	mutex_unlock(&fs->lock);
	return 0;
}

/**
 * zd_daxfs_is_shutdown() - has @fs stopped using its device?
 * @fs: the file system
 * @why: if not NULL, receives the reason (NULL if not shut down)
 */
bool zd_daxfs_is_shutdown(struct zd_daxfs *fs, const char **why)
{
	bool down;

	if (IS_ERR_OR_NULL(fs))
		return false;
	down = READ_ONCE(fs->shutdown);
	if (why)
		*why = down ? fs->shutdown_reason : NULL;
	return down;
}
