// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daxfs directory: one flat table of entries on the media, as many as
 * there are inodes (a file has exactly one name).  Each entry is sealed
 * with a checksum over its inode number and name.  fs->lock held
 * throughout.
 */
#include <string.h>
#include <zonedev/crc32c.h>
#include "daxfs.h"

u32 daxfs_dirent_checksum(const struct daxfs_dirent *de)
{
	u32 crc = crc32c(~0u, &de->d_ino, sizeof(de->d_ino));

	crc = crc32c(crc, &de->d_name_len, sizeof(de->d_name_len));
	return ~crc32c(crc, de->d_name, min((size_t)de->d_name_len, sizeof(de->d_name)));
}

/**
 * daxfs_name_check() - is @name a file name daxfs can hold?
 *
 * Return: 0 with *@len set, -EFAULT (NULL), -ENOENT (empty, or a path
 * through a directory that does not exist: the only directory is the
 * root), -EISDIR ("." or ".."), -ENAMETOOLONG.
 */
int daxfs_name_check(const char *name, size_t *len)
{
	size_t n;

	if (!name)
		return -EFAULT;
	n = strnlen(name, DAXFS_NAME_LEN + 1);
	if (!n)
		return -ENOENT;
	if (n > DAXFS_NAME_LEN)
		return -ENAMETOOLONG;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EISDIR;
	if (memchr(name, '/', n))
		return -ENOENT;
	*len = n;
	return 0;
}

/**
 * daxfs_dir_lookup() - the directory slot naming @name
 *
 * Return: the slot, or -ENOENT.
 */
long daxfs_dir_lookup(struct zd_daxfs *fs, const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < fs->nr_inodes; i++) {
		const struct daxfs_dirent *de = daxfs_raw_dirent(fs, i);

		if (de->d_ino && de->d_name_len == len && !memcmp(de->d_name, name, len))
			return i;
	}
	return -ENOENT;
}

/**
 * daxfs_dir_add() - give inode @ino the name @name
 *
 * Return: the directory slot, or -ENOSPC (cannot happen while inodes and
 * entries are one to one, but the media is not trusted).
 */
int daxfs_dir_add(struct zd_daxfs *fs, const char *name, size_t len, unsigned int ino)
{
	unsigned int i;

	for (i = 0; i < fs->nr_inodes; i++) {
		struct daxfs_dirent *de = daxfs_raw_dirent(fs, i);

		if (de->d_ino)
			continue;
		memset(de, 0, sizeof(*de));
		memcpy(de->d_name, name, len);
		de->d_name_len = (u8)len;
		de->d_ino = ino;
		de->d_checksum = daxfs_dirent_checksum(de);
		return (int)i;
	}
	return -ENOSPC;
}

/** daxfs_dir_remove() - forget directory slot @slot */
void daxfs_dir_remove(struct zd_daxfs *fs, unsigned int slot)
{
	memset(daxfs_raw_dirent(fs, slot), 0, sizeof(struct daxfs_dirent));
}
