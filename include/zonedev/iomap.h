/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The file system's block map as DAX sees it (a subset of
 * include/linux/iomap.h, kernel values): iomap_begin() describes the
 * extent at a file offset, allocating it for IOMAP_WRITE.
 */
#ifndef _ZONEDEV_IOMAP_H
#define _ZONEDEV_IOMAP_H

#include <zonedev/types.h>

struct inode;
struct dax_device;

/* iomap->type */
#define IOMAP_HOLE		0	/* no blocks allocated, need allocation */
#define IOMAP_DELALLOC		1	/* delayed allocation blocks */
#define IOMAP_MAPPED		2	/* blocks allocated at @addr */
#define IOMAP_UNWRITTEN		3	/* blocks allocated at @addr, unwritten */
#define IOMAP_INLINE		4	/* data inline in the inode */

/* iomap->flags, set by the file system */
#define IOMAP_F_NEW		(1U << 0)	/* just allocated (and zeroed) */
#define IOMAP_F_DIRTY		(1U << 1)	/* metadata not yet durable */
#define IOMAP_F_SHARED		(1U << 2)	/* shared (reflinked) blocks */

#define IOMAP_NULL_ADDR		(~0ULL)	/* addr is not valid (holes) */

/* flags of an iomap_begin()/iomap_end() request */
#define IOMAP_WRITE		(1 << 0)	/* writing, must allocate blocks */
#define IOMAP_ZERO		(1 << 1)	/* zeroing operation, may skip holes */
#define IOMAP_REPORT		(1 << 2)	/* report extent status */
#define IOMAP_FAULT		(1 << 3)	/* mapping for a page fault */
#define IOMAP_DIRECT		(1 << 4)	/* direct I/O */
#define IOMAP_NOWAIT		(1 << 5)	/* do not block */
#define IOMAP_DAX		(1 << 8)	/* DAX mapping */

/**
 * struct iomap - one extent of a file
 * @addr: byte offset on @dax_dev of @offset, IOMAP_NULL_ADDR for holes
 * @offset: file offset the extent starts at
 * @length: bytes
 * @type: IOMAP_HOLE, IOMAP_MAPPED, ...
 * @flags: IOMAP_F_*
 * @dax_dev: the device @addr is on
 */
struct iomap {
	u64 addr;
	loff_t offset;
	u64 length;
	u16 type;
	u16 flags;
	struct dax_device *dax_dev;
};

/**
 * struct iomap_ops - a file system's block mapping
 * @iomap_begin: map [@pos, @pos + @length) (or a prefix of it) into @iomap;
 *	with IOMAP_WRITE allocate what is not allocated.  @srcmap is for
 *	copy-on-write sources; file systems without reflink leave it a hole.
 *	Returns 0 or a negative errno (-ENOSPC, -EIO, ...).
 * @iomap_end: the caller is done with @iomap; @written bytes were used
 */
struct iomap_ops {
	int (*iomap_begin)(struct inode *inode, loff_t pos, loff_t length, unsigned int flags,
			   struct iomap *iomap, struct iomap *srcmap);
	int (*iomap_end)(struct inode *inode, loff_t pos, loff_t length, ssize_t written,
			 unsigned int flags, struct iomap *iomap);
};

#endif /* _ZONEDEV_IOMAP_H */
