// SPDX-License-Identifier: GPL-2.0-only
/*
 * daxfs inodes: the inode table, in-core inodes, and the block map with
 * the iomap_ops DAX faults and the copy paths use.
 *
 * A block map lookup returns a run: consecutive file blocks that are either
 * all a hole or all mapped to consecutive device blocks, never crossing a
 * 2 MiB chunk.  Allocation (IOMAP_WRITE) fills a hole with zeroed blocks:
 * a whole 2 MiB-aligned chunk asked for at once gets one 2 MiB extent if a
 * free one exists, so a PMD fault can map it; otherwise 4 KiB blocks, as
 * contiguous as the bitmap allows.
 *
 * Locking: the map of an inode changes under its i_map_lock and fs->lock
 * (every change allocates or frees); raw inode fields under i_map_lock.
 * Readers of a map hold either.
 */
#include <string.h>
#include <zonedev/crc32c.h>
#include "daxfs.h"

#define DAXFS_MAP_CREATE	0x1	/* allocate holes */
#define DAXFS_MAP_EXTENT	0x2	/* ... with a 2 MiB extent if the request covers a chunk */

/**
 * struct daxfs_map - one run of a file's block map
 * @fblock: first file block
 * @len: blocks
 * @pblock: first device block, 0 for a hole (block 0 is the superblock)
 * @new: just allocated (and zeroed)
 */
struct daxfs_map {
	u64 fblock;
	u64 len;
	u64 pblock;
	bool new;
};

static inline struct daxfs_inode *di_raw(struct daxfs_inode_info *di)
{
	return daxfs_raw_inode(di->fs, di->slot);
}

u32 daxfs_inode_checksum(const struct daxfs_inode *raw, unsigned long ino)
{
	u32 ino32 = (u32)ino;
	u32 crc = crc32c(~0u, &ino32, sizeof(ino32));

	return ~crc32c(crc, raw, offsetof(struct daxfs_inode, i_checksum));
}

/* The raw inode changed: seal it again.  i_map_lock or fs->lock held. */
void daxfs_write_inode(struct daxfs_inode_info *di)
{
	struct daxfs_inode *raw = di_raw(di);

	raw->i_checksum = daxfs_inode_checksum(raw, di->slot + 1);
}

static inline bool data_block_ok(struct zd_daxfs *fs, u64 block)
{
	return block >= fs->data_start && block < fs->nr_blocks;
}

/*
 * A map or index block of the media.  A pointer out of the data area means
 * the map is damaged; poison means it cannot be read.  Either way the
 * answer is -EIO, and a damaged map shuts the file system down.
 */
static u64 *daxfs_meta_block(struct zd_daxfs *fs, u64 block, int *err)
{
	void *kaddr;
	long n;

	if (!data_block_ok(fs, block)) {
		daxfs_shutdown(fs, "block map points outside the data area");
		*err = -EIO;
		return NULL;
	}
	n = dax_direct_access(fs->dax_dev, block, 1, DAX_ACCESS, &kaddr, NULL);
	if (n < 1) {
		*err = -EIO;
		return NULL;
	}
	return kaddr;
}

/* The first byte of [@p, @p + @len) that is not @c (lib/string.c). */
static const void *memchr_inv(const void *p, int c, size_t len)
{
	const unsigned char *s = p;

	for (; len; s++, len--)
		if (*s != (unsigned char)c)
			return s;
	return NULL;
}

static bool block_is_zero(const u64 *entries)
{
	unsigned int i;

	for (i = 0; i < DAXFS_ENTRIES; i++)
		if (entries[i])
			return false;
	return true;
}

/* A zeroed metadata block (map or index).  fs->lock held. */
static int new_meta_block(struct zd_daxfs *fs, u64 *block)
{
	int err = daxfs_new_block(fs, block);

	if (err)
		return err;
	err = daxfs_zero_blocks(fs, *block, 1);
	if (err) {
		daxfs_free_blocks(fs, *block, 1);
		return err;
	}
	return 0;
}

/*
 * The chunk entry for @chunk, or NULL (with 0 returned) when its map block
 * does not exist and @create is false.  Creating a map block needs
 * fs->lock.
 */
static int chunk_slot(struct daxfs_inode_info *di, u64 chunk, bool create, u64 **slot)
{
	struct daxfs_inode *raw = di_raw(di);
	u64 mapno = chunk / DAXFS_ENTRIES, block = raw->i_map[mapno];
	u64 *map;
	int err = 0;

	*slot = NULL;
	if (!block) {
		if (!create)
			return 0;
		err = new_meta_block(di->fs, &block);
		if (err)
			return err;
		raw->i_map[mapno] = block;
	}
	map = daxfs_meta_block(di->fs, block, &err);
	if (!map)
		return err;
	*slot = &map[chunk % DAXFS_ENTRIES];
	return 0;
}

/* Look up the run at @fblock, at most @max blocks. */
static int lookup_run(struct daxfs_inode_info *di, u64 fblock, u64 max, struct daxfs_map *m)
{
	u64 chunk = fblock / DAXFS_CHUNK_BLOCKS, off = fblock % DAXFS_CHUNK_BLOCKS;
	u64 limit = min(max, DAXFS_CHUNK_BLOCKS - off), entry, *slot, *index;
	int err;

	m->fblock = fblock;
	m->len = limit;
	m->pblock = 0;
	m->new = false;
	if (chunk >= DAXFS_MAX_CHUNKS)
		return 0;
	err = chunk_slot(di, chunk, false, &slot);
	if (err)
		return err;
	entry = slot ? *slot : 0;
	if (!entry)
		return 0;
	if (entry & DAXFS_CHUNK_EXTENT) {
		m->pblock = (entry & ~DAXFS_CHUNK_EXTENT) + off;
		return 0;
	}
	index = daxfs_meta_block(di->fs, entry, &err);
	if (!index)
		return err;
	if (index[off]) {
		u64 i;

		for (i = 1; i < limit && index[off + i] == index[off] + i; i++)
			;
		m->pblock = index[off];
		m->len = i;
	} else {
		u64 i;

		for (i = 1; i < limit && !index[off + i]; i++)
			;
		m->len = i;
	}
	return 0;
}

/*
 * Fill the hole run @m (from lookup_run()) with zeroed blocks.  A whole
 * chunk gets an extent when @flags allow and one is free; otherwise at
 * least one block, and as many more of the run as follow it on the device.
 * Nothing is left allocated on failure.  i_map_lock and fs->lock held.
 */
static int fill_hole(struct daxfs_inode_info *di, struct daxfs_map *m, unsigned int flags)
{
	struct zd_daxfs *fs = di->fs;
	struct daxfs_inode *raw = di_raw(di);
	u64 chunk = m->fblock / DAXFS_CHUNK_BLOCKS, off = m->fblock % DAXFS_CHUNK_BLOCKS;
	bool need_map = !raw->i_map[chunk / DAXFS_ENTRIES];
	u64 *slot, *index, block, n;
	int err;

	if (chunk >= DAXFS_MAX_CHUNKS)
		return -EFBIG;
	err = chunk_slot(di, chunk, false, &slot);
	if (err)
		return err;

	if ((flags & DAXFS_MAP_EXTENT) && !off && m->len == DAXFS_CHUNK_BLOCKS &&
	    (!slot || !*slot) && fs->free_blocks >= DAXFS_CHUNK_BLOCKS + need_map &&
	    !daxfs_new_extent(fs, &block)) {
		err = chunk_slot(di, chunk, true, &slot);
		if (!err)
			err = daxfs_zero_blocks(fs, block, DAXFS_CHUNK_BLOCKS);
		if (err) {
			daxfs_free_blocks(fs, block, DAXFS_CHUNK_BLOCKS);
			goto out_map;
		}
		*slot = block | DAXFS_CHUNK_EXTENT;
		raw->i_blocks += DAXFS_CHUNK_BLOCKS;
		m->pblock = block;
		m->new = true;
		return 0;
	}

	/* 4 KiB blocks: room for one, its index block and map block first. */
	if (fs->free_blocks < 1 + (u64)need_map + (u64)(!slot || !*slot))
		return -ENOSPC;
	err = chunk_slot(di, chunk, true, &slot);
	if (err)
		return err;
	if (!*slot) {
		err = new_meta_block(fs, &block);
		if (err)
			goto out_map;
		*slot = block;
	}
	index = daxfs_meta_block(fs, *slot, &err);
	if (!index)
		return err;
	err = daxfs_new_block(fs, &block);
	if (err)
		goto out_index;
	for (n = 1; n < m->len && block + n < fs->nr_blocks && !daxfs_block_in_use(fs, block + n);
	     n++)
		daxfs_mark_block(fs, block + n, true);
	fs->free_blocks -= n - 1;
	err = daxfs_zero_blocks(fs, block, n);
	if (err) {
		daxfs_free_blocks(fs, block, n);
		goto out_index;
	}
	for (m->len = n; n--; )
		index[off + n] = block + n;
	raw->i_blocks += m->len;
	m->pblock = block;
	m->new = true;
	return 0;

out_index:
	if (block_is_zero(index)) {
		daxfs_free_blocks(fs, *slot, 1);
		*slot = 0;
	}
out_map:
	if (need_map && raw->i_map[chunk / DAXFS_ENTRIES]) {
		u64 *map = daxfs_meta_block(fs, raw->i_map[chunk / DAXFS_ENTRIES], &err);

		if (map && block_is_zero(map)) {
			daxfs_free_blocks(fs, raw->i_map[chunk / DAXFS_ENTRIES], 1);
			raw->i_map[chunk / DAXFS_ENTRIES] = 0;
		}
	}
	return err ? err : -ENOSPC;
}

/*
 * The run at @fblock (at most @max blocks), allocated if DAXFS_MAP_CREATE.
 * i_map_lock held, and fs->lock to create.
 */
static int daxfs_map_blocks(struct daxfs_inode_info *di, u64 fblock, u64 max,
			    unsigned int flags, struct daxfs_map *m)
{
	int err = lookup_run(di, fblock, max, m);

	if (err || m->pblock || !(flags & DAXFS_MAP_CREATE))
		return err;
	err = fill_hole(di, m, flags);
	daxfs_write_inode(di);
	return err;
}

/**
 * daxfs_lookup_block() - the device block behind file block @fblock (0: a
 * hole).  Takes i_map_lock.
 */
int daxfs_lookup_block(struct daxfs_inode_info *di, u64 fblock, u64 *block)
{
	struct daxfs_map m;
	int err;

	mutex_lock(&di->i_map_lock);
	err = lookup_run(di, fblock, 1, &m);
	mutex_unlock(&di->i_map_lock);
	*block = m.pblock;
	return err;
}

/**
 * daxfs_alloc_range() - allocate every hole of file blocks [@first, @end)
 *
 * All or nothing: the worst case (4 KiB blocks, each chunk with its index
 * block, each map block) must be free up front, or -ENOSPC and nothing
 * changes.  i_rwsem held; takes i_map_lock and fs->lock.
 *
 * Return: 0, -ENOSPC, -EFBIG, -EIO.
 */
int daxfs_alloc_range(struct daxfs_inode_info *di, u64 first, u64 end)
{
	struct zd_daxfs *fs = di->fs;
	u64 fblock, holes = 0, chunks = 0, maps = 0, last_chunk = ~0ULL, last_map = ~0ULL;
	struct daxfs_map m;
	int err = 0;

	int id;

	if (end > (u64)DAXFS_MAX_CHUNKS * DAXFS_CHUNK_BLOCKS)
		return -EFBIG;
	id = daxfs_enter(fs);
	if (id < 0)
		return id;
	mutex_lock(&di->i_map_lock);
	mutex_lock(&fs->lock);
	for (fblock = first; fblock < end; fblock += m.len) {
		err = lookup_run(di, fblock, end - fblock, &m);
		if (err)
			goto out;
		if (m.pblock)
			continue;
		holes += m.len;
		if (fblock / DAXFS_CHUNK_BLOCKS != last_chunk)
			chunks++;
		if (fblock / (DAXFS_CHUNK_BLOCKS * DAXFS_ENTRIES) != last_map)
			maps++;
		last_chunk = fblock / DAXFS_CHUNK_BLOCKS;
		last_map = fblock / (DAXFS_CHUNK_BLOCKS * DAXFS_ENTRIES);
	}
	if (holes + chunks + maps > fs->free_blocks) {
		err = -ENOSPC;
		goto out;
	}
	for (fblock = first; fblock < end; fblock += m.len) {
		err = daxfs_map_blocks(di, fblock, end - fblock,
				       DAXFS_MAP_CREATE | DAXFS_MAP_EXTENT, &m);
		if (err)
			break;
	}
out:
	mutex_unlock(&fs->lock);
	mutex_unlock(&di->i_map_lock);
	daxfs_leave(id);
	return err;
}

/*
 * A 2 MiB extent that only part of is going away becomes an index block of
 * its 512 blocks.  Returns the index, or NULL (no room for the index block).
 */
static u64 *split_extent(struct zd_daxfs *fs, u64 *slot, int *err)
{
	u64 base = *slot & ~DAXFS_CHUNK_EXTENT, block, i, *index;

	*err = new_meta_block(fs, &block);
	if (*err)
		return NULL;
	index = daxfs_meta_block(fs, block, err);
	if (!index)
		return NULL;
	for (i = 0; i < DAXFS_CHUNK_BLOCKS; i++)
		index[i] = base + i;
	*slot = block;
	return index;
}

/**
 * daxfs_truncate_blocks() - free the blocks of file blocks [@first, @end)
 *
 * Only after dax_break_layout_inode() found none of them busy (spec §3.2,
 * invariant 21).  Part of a 2 MiB extent is split off into 4 KiB blocks;
 * without room for the index block that needs, those blocks are zeroed
 * and stay allocated instead, so that the range reads as a hole either
 * way.  Map and index blocks left empty are freed.  i_rwsem and the
 * invalidate_lock held exclusive; takes i_map_lock and fs->lock.
 *
 * Return: 0 or -EIO.
 */
int daxfs_truncate_blocks(struct daxfs_inode_info *di, u64 first, u64 end)
{
	struct zd_daxfs *fs = di->fs;
	struct daxfs_inode *raw = di_raw(di);
	u64 max = (u64)DAXFS_MAX_CHUNKS * DAXFS_CHUNK_BLOCKS, chunk, mapno;
	int id, err = 0;

	end = min(end, max);
	if (first >= end)
		return 0;
	id = daxfs_enter(fs);
	if (id < 0)
		return id;
	mutex_lock(&di->i_map_lock);
	mutex_lock(&fs->lock);
	for (chunk = first / DAXFS_CHUNK_BLOCKS; chunk <= (end - 1) / DAXFS_CHUNK_BLOCKS; chunk++) {
		u64 cfirst = chunk * DAXFS_CHUNK_BLOCKS, cend = cfirst + DAXFS_CHUNK_BLOCKS;
		u64 from = max(first, cfirst), to = min(end, cend), *slot, *index, b;

		if (!raw->i_map[chunk / DAXFS_ENTRIES]) {
			/* No map block: skip the rest of its 1 GiB. */
			chunk = ALIGN(chunk + 1, DAXFS_ENTRIES) - 1;
			continue;
		}
		err = chunk_slot(di, chunk, false, &slot);
		if (err)
			goto out;
		if (!slot || !*slot)
			continue;
		if (*slot & DAXFS_CHUNK_EXTENT) {
			u64 base = *slot & ~DAXFS_CHUNK_EXTENT;

			if (from == cfirst && to == cend) {
				daxfs_free_blocks(fs, base, DAXFS_CHUNK_BLOCKS);
				raw->i_blocks -= DAXFS_CHUNK_BLOCKS;
				*slot = 0;
				continue;
			}
			index = split_extent(fs, slot, &err);
			if (!index) {
				err = daxfs_zero_blocks(fs, base + (from - cfirst), to - from);
				if (err)
					goto out;
				continue;
			}
		} else {
			index = daxfs_meta_block(fs, *slot, &err);
			if (!index)
				goto out;
		}
		for (b = from; b < to; b++) {
			u64 *e = &index[b - cfirst];

			if (!*e)
				continue;
			daxfs_free_blocks(fs, *e, 1);
			raw->i_blocks--;
			*e = 0;
		}
		if (block_is_zero(index)) {
			daxfs_free_blocks(fs, *slot, 1);
			*slot = 0;
		}
	}
	for (mapno = first / DAXFS_CHUNK_BLOCKS / DAXFS_ENTRIES; mapno < DAXFS_NR_MAPS; mapno++) {
		u64 *map;

		if (!raw->i_map[mapno] || mapno * DAXFS_ENTRIES * DAXFS_CHUNK_BLOCKS >= end)
			continue;
		map = daxfs_meta_block(fs, raw->i_map[mapno], &err);
		if (!map)
			goto out;
		if (block_is_zero(map)) {
			daxfs_free_blocks(fs, raw->i_map[mapno], 1);
			raw->i_map[mapno] = 0;
		}
	}
out:
	daxfs_write_inode(di);
	mutex_unlock(&fs->lock);
	mutex_unlock(&di->i_map_lock);
	daxfs_leave(id);
	return err;
}

/**
 * daxfs_walk_blocks() - every block an inode owns, checked
 * @fs: the file system
 * @raw: the inode
 * @fn: called for each map or index block (@meta, @count 1) and each run
 *	of data blocks mapping consecutive file blocks; nonzero stops the walk
 * @arg: for @fn
 *
 * Every pointer is checked before it is followed: a map or index block or
 * a data block outside the data area, or a misaligned extent, is
 * -EUCLEAN.  fs->lock or the inode's i_map_lock held (or the mount).
 *
 * Return: 0, -EUCLEAN, -EIO (a poisoned map or index block), or what @fn
 * returned.
 */
int daxfs_walk_blocks(struct zd_daxfs *fs, const struct daxfs_inode *raw, daxfs_walk_fn fn,
		      void *arg)
{
	u64 mapno, c, i;
	int err;

	for (mapno = 0; mapno < DAXFS_NR_MAPS; mapno++) {
		u64 *map;
		void *kaddr;

		if (!raw->i_map[mapno])
			continue;
		if (!data_block_ok(fs, raw->i_map[mapno]))
			return -EUCLEAN;
		err = fn(arg, true, 0, raw->i_map[mapno], 1);
		if (err)
			return err;
		if (dax_direct_access(fs->dax_dev, raw->i_map[mapno], 1, DAX_ACCESS, &kaddr, NULL) < 1)
			return -EIO;
		map = kaddr;
		for (c = 0; c < DAXFS_ENTRIES; c++) {
			u64 entry = map[c], fblock = (mapno * DAXFS_ENTRIES + c) * DAXFS_CHUNK_BLOCKS;
			u64 *index;

			if (!entry)
				continue;
			if (entry & DAXFS_CHUNK_EXTENT) {
				u64 base = entry & ~DAXFS_CHUNK_EXTENT;

				if (!IS_ALIGNED(base, DAXFS_CHUNK_BLOCKS) || !data_block_ok(fs, base) ||
				    base + DAXFS_CHUNK_BLOCKS > fs->nr_blocks)
					return -EUCLEAN;
				err = fn(arg, false, fblock, base, DAXFS_CHUNK_BLOCKS);
				if (err)
					return err;
				continue;
			}
			if (!data_block_ok(fs, entry))
				return -EUCLEAN;
			err = fn(arg, true, 0, entry, 1);
			if (err)
				return err;
			if (dax_direct_access(fs->dax_dev, entry, 1, DAX_ACCESS, &kaddr, NULL) < 1)
				return -EIO;
			index = kaddr;
			for (i = 0; i < DAXFS_ENTRIES; ) {
				u64 n = 1;

				if (!index[i]) {
					i++;
					continue;
				}
				if (!data_block_ok(fs, index[i]))
					return -EUCLEAN;
				while (i + n < DAXFS_ENTRIES && index[i + n] == index[i] + n)
					n++;
				if (!data_block_ok(fs, index[i] + n - 1))
					return -EUCLEAN;
				err = fn(arg, false, fblock + i, index[i], n);
				if (err)
					return err;
				i += n;
			}
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* In-core inodes                                                      */
/* ------------------------------------------------------------------ */

/**
 * daxfs_new_inode() - claim a free inode in the table.  fs->lock held.
 *
 * Return: 0 with *@slot, or -ENOSPC.
 */
int daxfs_new_inode(struct zd_daxfs *fs, unsigned int *slot)
{
	unsigned int i;

	if (!fs->free_inodes)
		return -ENOSPC;
	for (i = 0; i < fs->nr_inodes; i++) {
		struct daxfs_inode *raw = daxfs_raw_inode(fs, i);

		if (raw->i_mode)
			continue;
		memset(raw, 0, sizeof(*raw));
		raw->i_mode = DAXFS_S_IFREG;
		raw->i_nlink = 1;
		raw->i_generation = fs->sb->s_generation++;
		fs->sb->s_checksum = daxfs_sb_checksum(fs->sb);
		raw->i_checksum = daxfs_inode_checksum(raw, i + 1);
		fs->free_inodes--;
		*slot = i;
		return 0;
	}
	return -ENOSPC;
}

/**
 * daxfs_iget() - the in-core inode of table slot @slot, with a reference
 *
 * fs->lock held.  Return: the inode, NULL without memory, or
 * ERR_PTR(-EAGAIN) while its previous in-core inode is being evicted:
 * drop every lock, daxfs_wait_eviction() with the fs->evict_seq read
 * under fs->lock, and look it up again.
 */
struct daxfs_inode_info *daxfs_iget(struct zd_daxfs *fs, unsigned int slot)
{
	struct daxfs_inode_info *di;

	list_for_each_entry(di, &fs->inodes, list) {
		if (di->slot != slot)
			continue;
		if (di->evicting)
			return ERR_PTR(-EAGAIN);
		atomic_inc(&di->vfs_inode.i_count);
		return di;
	}
	di = kzalloc(sizeof(*di), GFP_KERNEL);
	if (!di)
		return NULL;
	inode_init_once(&di->vfs_inode, slot + 1, &di->i_data);
	di->vfs_inode.i_size = (loff_t)daxfs_raw_inode(fs, slot)->i_size;
	di->vfs_inode.i_flags = S_DAX;
	di->vfs_inode.i_blkbits = DAXFS_BLOCK_SHIFT;
	di->vfs_inode.i_sb = fs;
	di->vfs_inode.i_private = di;
	mutex_init(&di->i_map_lock);
	di->fs = fs;
	di->slot = slot;
	list_add_tail(&di->list, &fs->inodes);
	return di;
}

/** daxfs_wait_eviction() - sleep until an eviction finishes after @seq */
void daxfs_wait_eviction(struct zd_daxfs *fs, unsigned long seq)
{
	wait_var_event(&fs->evict_seq, READ_ONCE(fs->evict_seq) != seq);
}

/* An unlinked inode's last reference went: free its blocks and its slot. */
static void daxfs_free_inode(struct daxfs_inode_info *di)
{
	struct zd_daxfs *fs = di->fs;
	struct daxfs_inode *raw;
	int id = daxfs_enter(fs);

	/* A shut-down file system keeps the inode; the next mount reclaims it. */
	if (id < 0)
		return;
	if (daxfs_truncate_blocks(di, 0, (u64)DAXFS_MAX_CHUNKS * DAXFS_CHUNK_BLOCKS))
		goto out;
	mutex_lock(&fs->lock);
	raw = di_raw(di);
	if (raw->i_blocks || memchr_inv(raw->i_map, 0, sizeof(raw->i_map)))
		daxfs_shutdown(fs, "blocks left in a freed inode");
	memset(raw, 0, sizeof(*raw));
	fs->free_inodes++;
	mutex_unlock(&fs->lock);
out:
	daxfs_leave(id);
}

/**
 * daxfs_iput() - drop a reference; the last one evicts the inode
 *
 * Eviction waits (uninterruptibly) until no page of the file is pinned and
 * drops its DAX entries (spec §3.5), then, if the file has no name any
 * more, frees its blocks and its inode.
 */
void daxfs_iput(struct daxfs_inode_info *di)
{
	struct zd_daxfs *fs = di->fs;
	struct inode *inode = &di->vfs_inode;

	mutex_lock(&fs->lock);
	if (!atomic_dec_and_test(&inode->i_count)) {
		mutex_unlock(&fs->lock);
		return;
	}
	di->evicting = true;
	mutex_unlock(&fs->lock);

	dax_break_layout_final(inode);
	truncate_inode_pages_final(inode->i_mapping);
	if (di->unlinked)
		daxfs_free_inode(di);

	mutex_lock(&fs->lock);
	list_del_init(&di->list);
	WRITE_ONCE(fs->evict_seq, fs->evict_seq + 1);
	mutex_unlock(&fs->lock);
	wake_up_var(&fs->evict_seq);
	mutex_destroy(&di->i_map_lock);
	inode_destroy(inode);
	kfree(di);
}

/**
 * daxfs_set_size() - record @size as the file's size, on the media and in
 * the inode.  i_rwsem held exclusive.
 *
 * Return: 0 or -EIO.
 */
int daxfs_set_size(struct daxfs_inode_info *di, loff_t size)
{
	int id = daxfs_enter(di->fs);

	if (id < 0)
		return id;
	mutex_lock(&di->i_map_lock);
	di_raw(di)->i_size = (u64)size;
	daxfs_write_inode(di);
	i_size_write(&di->vfs_inode, size);
	mutex_unlock(&di->i_map_lock);
	daxfs_leave(id);
	return 0;
}

/* ------------------------------------------------------------------ */
/* iomap                                                               */
/* ------------------------------------------------------------------ */

/*
 * Map [pos, pos + length) or its first run.  IOMAP_WRITE allocates holes
 * (zeroed: IOMAP_F_NEW); a request for a whole 2 MiB-aligned chunk gets a
 * 2 MiB extent when one is free.  Faults come here with the
 * invalidate_lock shared, read/write with i_rwsem.
 */
static int daxfs_iomap_begin(struct inode *inode, loff_t pos, loff_t length, unsigned int flags,
			     struct iomap *iomap, struct iomap *srcmap)
{
	struct daxfs_inode_info *di = DAXFS_I(inode);
	struct zd_daxfs *fs = di->fs;
	bool create = flags & IOMAP_WRITE;
	struct daxfs_map m;
	u64 fblock, nr;
	int id, err;

	if (!iomap || pos < 0 || length <= 0)
		return -EINVAL;
	if (pos >= DAXFS_MAX_FILE_SIZE) {
		if (create)
			return -EFBIG;
		length = min(length, (loff_t)PAGE_SIZE);
	}
	id = daxfs_enter(fs);
	if (id < 0)
		return id;
	fblock = (u64)pos >> DAXFS_BLOCK_SHIFT;
	nr = (((u64)pos + (u64)length - 1) >> DAXFS_BLOCK_SHIFT) - fblock + 1;

	mutex_lock(&di->i_map_lock);
	if (create)
		mutex_lock(&fs->lock);
	err = daxfs_map_blocks(di, fblock, nr, create ? DAXFS_MAP_CREATE | DAXFS_MAP_EXTENT : 0, &m);
	if (create)
		mutex_unlock(&fs->lock);
	mutex_unlock(&di->i_map_lock);
	daxfs_leave(id);
	if (err)
		return err;

	iomap->offset = (loff_t)(m.fblock << DAXFS_BLOCK_SHIFT);
	iomap->length = m.len << DAXFS_BLOCK_SHIFT;
	iomap->dax_dev = fs->dax_dev;
	iomap->flags = m.new ? IOMAP_F_NEW : 0;
	if (m.pblock) {
		iomap->type = IOMAP_MAPPED;
		iomap->addr = m.pblock << DAXFS_BLOCK_SHIFT;
	} else {
		iomap->type = IOMAP_HOLE;
		iomap->addr = IOMAP_NULL_ADDR;
	}
	if (srcmap) {
		srcmap->type = IOMAP_HOLE;
		srcmap->addr = IOMAP_NULL_ADDR;
		srcmap->offset = iomap->offset;
		srcmap->length = iomap->length;
		srcmap->flags = 0;
		srcmap->dax_dev = NULL;
	}
	return 0;
}

static int daxfs_iomap_end(struct inode *inode, loff_t pos, loff_t length, ssize_t written,
			   unsigned int flags, struct iomap *iomap)
{
	return 0;
}

const struct iomap_ops daxfs_iomap_ops = {
	.iomap_begin = daxfs_iomap_begin,
	.iomap_end = daxfs_iomap_end,
};
