/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A simulated persistent-memory namespace in fsdax mode
 * (drivers/nvdimm/pmem.c): CPU-addressable device memory with struct pages
 * (MEMORY_DEVICE_FS_DAX), a dax_device for the file system on it, and the
 * badblocks a memory failure leaves behind.
 *
 * The "media" is a file: an anonymous memfd, or a regular file mapped
 * shared, so that what one run writes the next one finds.
 */
#ifndef _ZONEDEV_PMEM_H
#define _ZONEDEV_PMEM_H

#include <zonedev/types.h>

struct zd_system;
struct zd_pmem;
struct dax_device;

/**
 * struct zd_pmem_config - a pmem namespace
 * @size: bytes, a multiple of 2 MiB (memremap_pages' granularity)
 * @path: NULL for anonymous media; else a regular file, created if
 *	missing and extended to @size if shorter (never truncated)
 * @name: for reports (NULL: "pmem")
 */
struct zd_pmem_config {
	unsigned long size;
	const char *path;
	const char *name;
};

struct zd_pmem *zd_pmem_create(struct zd_system *sys, const struct zd_pmem_config *cfg);
int zd_pmem_destroy(struct zd_pmem *pmem);
struct dax_device *zd_pmem_dax(struct zd_pmem *pmem);
unsigned long zd_pmem_size(const struct zd_pmem *pmem);
unsigned long zd_pmem_pfn(const struct zd_pmem *pmem, u64 offset);
int zd_pmem_inject_error(struct zd_pmem *pmem, u64 offset, u64 len);
bool zd_pmem_is_bad(struct zd_pmem *pmem, u64 offset, u64 len);
unsigned long zd_pmem_nr_badblocks(struct zd_pmem *pmem);

#endif /* _ZONEDEV_PMEM_H */
