// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dax_device told daxfs, its holder, that part of the device failed or
 * that all of it is going away (fs/xfs/xfs_notify_failure.c, spec §6.3).
 *
 * The device range is mapped back to files through the block maps: for
 * every file in core (open or mapped: nobody else can have its blocks
 * mapped) each run of its blocks inside the range becomes an
 * mf_dax_kill_procs() call over those file pages.  Failed metadata means
 * the file system cannot trust itself: it shuts down and answers
 * -EFSCORRUPTED.  MF_MEM_PRE_REMOVE over the whole device shuts the file
 * system down first (so no fault can map a block again), then unmaps and
 * signals every task mapping any file, and drops the DAX entries.
 *
 * Called inside dax_read_lock() with the device alive; mf_dax_kill_procs()
 * runs without fs->lock (it takes mapping and page-table locks).
 */
#include <string.h>
#include <zonedev/slab.h>
#include "daxfs.h"

#define EFSCORRUPTED	EUCLEAN

/* A run of file pages to kill: inode, first page, count. */
struct failed_run {
	struct daxfs_inode_info *di;
	pgoff_t pgoff;
	unsigned long count;
};

struct failure_walk {
	u64 start, end;			/* failed device blocks [start, end) */
	struct daxfs_inode_info *di;	/* the inode being walked */
	struct failed_run *runs;
	unsigned long nr, cap;
	bool meta;			/* the range hits a map or index block */
};

static int collect_run(void *arg, bool meta, u64 fblock, u64 pblock, u64 count)
{
	struct failure_walk *fw = arg;
	u64 from = max(pblock, fw->start), to = min(pblock + count, fw->end);

	if (from >= to)
		return 0;
	if (meta) {
		fw->meta = true;
		return 0;
	}
	if (!fw->di)
		return 0;
	if (fw->nr == fw->cap) {
		unsigned long cap = fw->cap ? 2 * fw->cap : 16;
		struct failed_run *runs = kcalloc(cap, sizeof(*runs), GFP_KERNEL);

		if (!runs)
			return -ENOMEM;
		if (fw->nr)
			memcpy(runs, fw->runs, fw->nr * sizeof(*runs));
		kfree(fw->runs);
		fw->runs = runs;
		fw->cap = cap;
	}
	atomic_inc(&fw->di->vfs_inode.i_count);
	fw->runs[fw->nr++] = (struct failed_run){
		.di = fw->di,
		.pgoff = (pgoff_t)(fblock + (from - pblock)),
		.count = (unsigned long)(to - from),
	};
	return 0;
}

/*
 * Who owns device blocks [fw->start, fw->end): runs of in-core files
 * (each with an inode reference), and whether any metadata is hit.
 */
static int daxfs_collect_failure(struct zd_daxfs *fs, struct failure_walk *fw)
{
	struct daxfs_inode_info *di;
	u64 slot;
	int err = 0;

	mutex_lock(&fs->lock);
	if (fw->start < fs->data_start)
		fw->meta = true;
	/* Map and index blocks of every inode, in core or not. */
	fw->di = NULL;
	for (slot = 0; !err && slot < fs->nr_inodes; slot++) {
		const struct daxfs_inode *raw = daxfs_raw_inode(fs, (unsigned int)slot);

		if (raw->i_mode)
			err = daxfs_walk_blocks(fs, raw, collect_run, fw);
	}
	/* Data blocks of the files in core. */
	list_for_each_entry(di, &fs->inodes, list) {
		if (err)
			break;
		if (di->evicting)
			continue;
		fw->di = di;
		err = daxfs_walk_blocks(fs, daxfs_raw_inode(fs, di->slot), collect_run, fw);
	}
	mutex_unlock(&fs->lock);
	return err;
}

/*
 * Wait for every fault under way in a file of @fs: each holds its file's
 * invalidate_lock shared.  The inodes are held, not fs->lock, across the
 * waits (faults take fs->lock under the invalidate_lock).
 */
static void daxfs_drain_faults(struct zd_daxfs *fs)
{
	struct daxfs_inode_info *di, **held;
	unsigned long nr = 0, cap = 0, i;

	mutex_lock(&fs->lock);
	list_for_each_entry(di, &fs->inodes, list)
		cap++;
	held = kcalloc(cap ? cap : 1, sizeof(*held), GFP_KERNEL);
	list_for_each_entry(di, &fs->inodes, list) {
		if (!held)
			break;
		if (di->evicting)
			continue;	/* no file, no mapping, no fault left */
		atomic_inc(&di->vfs_inode.i_count);
		held[nr++] = di;
	}
	mutex_unlock(&fs->lock);
	for (i = 0; i < nr; i++) {
		filemap_invalidate_lock(held[i]->vfs_inode.i_mapping);
		filemap_invalidate_unlock(held[i]->vfs_inode.i_mapping);
		daxfs_iput(held[i]);
	}
	kfree(held);
}

static int daxfs_notify_failure(struct dax_device *dax_dev, u64 offset, u64 len, int mf_flags)
{
	struct zd_daxfs *fs = dax_holder(dax_dev);
	bool pre_remove = mf_flags & MF_MEM_PRE_REMOVE;
	struct failure_walk fw = { 0 };
	unsigned long i;
	u64 end;
	int err = 0;

	if (!fs)
		return -EOPNOTSUPP;	/* unmounting: nobody to ask */
	mutex_lock(&fs->lock);
	if (!fs->mounted) {
		mutex_unlock(&fs->lock);
		return -EIO;		/* not (or no longer) fully mounted */
	}
	mutex_unlock(&fs->lock);

	if (!pre_remove || offset || len != U64_MAX) {
		if (!len || offset >= fs->nr_blocks << DAXFS_BLOCK_SHIFT)
			return -ENXIO;
		if (__builtin_add_overflow(offset, len, &end))
			end = U64_MAX;
		fw.start = offset >> DAXFS_BLOCK_SHIFT;
		fw.end = min(DIV_ROUND_UP(end, DAXFS_BLOCK_SIZE), fs->nr_blocks);
	} else {
		fw.start = 0;
		fw.end = fs->nr_blocks;
	}

	if (pre_remove) {
		/*
		 * Freeze, as XFS does, more simply: shut down, so that no new
		 * fault maps a block; then let the faults under way finish.
		 */
		daxfs_shutdown(fs, "the device is going away");
		daxfs_drain_faults(fs);
	}

	err = daxfs_collect_failure(fs, &fw);
	for (i = 0; i < fw.nr; i++) {
		struct failed_run *run = &fw.runs[i];
		struct address_space *mapping = run->di->vfs_inode.i_mapping;
		int ret;

		if (!err) {
			ret = mf_dax_kill_procs(mapping, run->pgoff, run->count, mf_flags);
			if (ret)
				err = ret;
		}
		if (pre_remove) {
			/*
			 * XFS freezes, and freezing syncs: dirty blocks are
			 * written back, so that the invalidation leaves no
			 * entry pointing at the device that is going.
			 */
			dax_writeback_mapping_range(mapping, fs->dax_dev,
						    (loff_t)run->pgoff << PAGE_SHIFT,
						    ((loff_t)(run->pgoff + run->count) << PAGE_SHIFT) - 1);
			invalidate_inode_pages2_range(mapping, run->pgoff,
						      run->pgoff + run->count - 1);
		}
		daxfs_iput(run->di);
	}
	kfree(fw.runs);

	if (pre_remove)
		return 0;	/* a revocation: never a failure */
	if (fw.meta) {
		daxfs_shutdown(fs, "metadata lost to a memory failure");
		return err ? err : -EFSCORRUPTED;
	}
	return err;
}

const struct dax_holder_operations daxfs_dax_holder_operations = {
	.notify_failure = daxfs_notify_failure,
};
