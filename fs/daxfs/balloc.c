// SPDX-License-Identifier: GPL-2.0-only
/*
 * daxfs block allocation: the bitmap on the media, one bit per 4 KiB block,
 * handing out single blocks and 2 MiB-aligned extents of 512.
 *
 * Single blocks go to 2 MiB chunks that are already partly used before an
 * empty chunk is broken into, so that as long as the device has room a
 * 2 MiB-aligned part of a file can get an extent a PMD can map.
 *
 * Everything here runs under fs->lock, inside daxfs_enter().
 */
#include <string.h>
#include "daxfs.h"

#define WORDS_PER_CHUNK	(DAXFS_CHUNK_BLOCKS / BITS_PER_LONG)

static inline unsigned long *daxfs_bitmap(struct zd_daxfs *fs)
{
	return daxfs_block(fs, fs->sb->s_bitmap_start);
}

bool daxfs_block_in_use(struct zd_daxfs *fs, u64 block)
{
	return test_bit((long)block, daxfs_bitmap(fs));
}

/* Set or clear one bit, for mkfs and the mount-time rebuild. */
void daxfs_mark_block(struct zd_daxfs *fs, u64 block, bool used)
{
	if (used)
		__set_bit((long)block, daxfs_bitmap(fs));
	else
		__clear_bit((long)block, daxfs_bitmap(fs));
}

/* Free blocks, counted from the bitmap (mount). */
u64 daxfs_count_free(struct zd_daxfs *fs)
{
	u64 block, nr = 0;

	for (block = fs->data_start; block < fs->nr_blocks; block++)
		nr += !daxfs_block_in_use(fs, block);
	return nr;
}

/* First free block of [start, end), or end. */
static u64 find_free(struct zd_daxfs *fs, u64 start, u64 end)
{
	const unsigned long *map = daxfs_bitmap(fs);
	u64 block = start;

	while (block < end) {
		if (IS_ALIGNED(block, BITS_PER_LONG) && map[block / BITS_PER_LONG] == ~0UL) {
			block += BITS_PER_LONG;
			continue;
		}
		if (!test_bit((long)block, map))
			return block;
		block++;
	}
	return end;
}

/* Is every block of the 2 MiB chunk starting at @block free?  Used? */
static bool chunk_empty(struct zd_daxfs *fs, u64 block)
{
	const unsigned long *map = daxfs_bitmap(fs) + block / BITS_PER_LONG;
	unsigned int i;

	for (i = 0; i < WORDS_PER_CHUNK; i++)
		if (map[i])
			return false;
	return true;
}

static bool chunk_full(struct zd_daxfs *fs, u64 block)
{
	const unsigned long *map = daxfs_bitmap(fs) + block / BITS_PER_LONG;
	unsigned int i;

	for (i = 0; i < WORDS_PER_CHUNK; i++)
		if (map[i] != ~0UL)
			return false;
	return true;
}

static void take_block(struct zd_daxfs *fs, u64 block)
{
	__set_bit((long)block, daxfs_bitmap(fs));
	fs->free_blocks--;
}

/**
 * daxfs_new_block() - allocate one block (not zeroed)
 *
 * Return: 0 with *@block set, or -ENOSPC.
 */
int daxfs_new_block(struct zd_daxfs *fs, u64 *block)
{
	u64 first = ALIGN_DOWN(fs->data_start, DAXFS_CHUNK_BLOCKS);
	u64 nr_chunks = DIV_ROUND_UP(fs->nr_blocks - first, DAXFS_CHUNK_BLOCKS);
	u64 hint, i, found;

	if (!fs->free_blocks)
		return -ENOSPC;
	/* A partly used chunk first, starting where the last one was found. */
	hint = (fs->alloc_hint - first) / DAXFS_CHUNK_BLOCKS;
	for (i = 0; i < nr_chunks; i++) {
		u64 chunk = first + ((hint + i) % nr_chunks) * DAXFS_CHUNK_BLOCKS;
		u64 start = max(chunk, (u64)fs->data_start);
		u64 end = min(chunk + DAXFS_CHUNK_BLOCKS, fs->nr_blocks);

		/* Chunks cut short by the end of the device count as used. */
		if (end - chunk == DAXFS_CHUNK_BLOCKS && start == chunk &&
		    (chunk_empty(fs, chunk) || chunk_full(fs, chunk)))
			continue;
		found = find_free(fs, start, end);
		if (found < end)
			goto out;
	}
	/* Then break into an empty chunk. */
	found = find_free(fs, fs->data_start, fs->nr_blocks);
	if (found >= fs->nr_blocks)
		return -ENOSPC;
out:
	take_block(fs, found);
	fs->alloc_hint = found;
	*block = found;
	return 0;
}

/**
 * daxfs_new_extent() - allocate 512 blocks starting 2 MiB-aligned (not zeroed)
 *
 * Return: 0 with *@block set, or -ENOSPC when no whole chunk is free.
 */
int daxfs_new_extent(struct zd_daxfs *fs, u64 *block)
{
	u64 chunk, i;

	if (fs->free_blocks < DAXFS_CHUNK_BLOCKS)
		return -ENOSPC;
	for (chunk = ALIGN(fs->data_start, DAXFS_CHUNK_BLOCKS);
	     chunk + DAXFS_CHUNK_BLOCKS <= fs->nr_blocks; chunk += DAXFS_CHUNK_BLOCKS) {
		if (!chunk_empty(fs, chunk))
			continue;
		for (i = 0; i < DAXFS_CHUNK_BLOCKS; i++)
			take_block(fs, chunk + i);
		*block = chunk;
		return 0;
	}
	return -ENOSPC;
}

/**
 * daxfs_free_blocks() - give @count blocks from @block back
 *
 * A block that is already free means the block maps and the bitmap
 * disagree: the file system shuts down rather than hand it out twice.
 */
void daxfs_free_blocks(struct zd_daxfs *fs, u64 block, u64 count)
{
	unsigned long *map = daxfs_bitmap(fs);
	u64 i;

	for (i = 0; i < count; i++) {
		if (block + i < fs->data_start || block + i >= fs->nr_blocks ||
		    !test_bit((long)(block + i), map)) {
			daxfs_shutdown(fs, "freeing a block the bitmap has free");
			return;
		}
		__clear_bit((long)(block + i), map);
		fs->free_blocks++;
	}
}

/**
 * daxfs_zero_blocks() - zero @count blocks from @block on the media
 *
 * Poisoned pages are zeroed through dax_zero_page_range(), which clears
 * the poison, as a write of new blocks would.
 *
 * Return: 0 or -EIO.
 */
int daxfs_zero_blocks(struct zd_daxfs *fs, u64 block, u64 count)
{
	while (count) {
		void *kaddr;
		long n = dax_direct_access(fs->dax_dev, block, (long)count, DAX_ACCESS, &kaddr,
					   NULL);

		if (n == -EHWPOISON) {
			if (dax_zero_page_range(fs->dax_dev, block, 1))
				return -EIO;
			n = 1;
		} else if (n < 0) {
			return -EIO;
		} else {
			memset(kaddr, 0, (size_t)n << DAXFS_BLOCK_SHIFT);
		}
		block += (u64)n;
		count -= (u64)n;
	}
	return 0;
}
