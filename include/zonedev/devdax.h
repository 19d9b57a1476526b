/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device-dax (drivers/dax/device.c): a character device, /dev/daxX.Y,
 * whose mmap maps device memory directly, in units of its alignment:
 * 4 KiB PTEs, 2 MiB PMD leaves or 1 GiB PUD leaves.  The memory is
 * MEMORY_DEVICE_GENERIC, registered through memremap_pages() as compound
 * pages of the alignment's order (vmemmap_shift 0, 9 or 18) whose tail
 * struct pages are deduplicated in the memmap.  See spec fsdax_devdax.md §5.
 *
 * Mappings follow the system's refcount scheme: under the zero scheme each
 * mapping holds a folio reference and an (entire) mapcount, idle heads sit
 * at refcount 1; under the elevated scheme mappings are devmap entries that
 * hold neither, and GUP takes a transient pgmap reference instead.
 */
#ifndef _ZONEDEV_DEVDAX_H
#define _ZONEDEV_DEVDAX_H

struct zd_system;
struct zd_file;
struct dev_pagemap;

/**
 * struct zd_devdax_config - what zd_devdax_create() builds
 * @size: bytes; a multiple of @align and of 2 MiB (memory hotplug's
 *	subsection)
 * @align: mapping unit: 4096, 2 MiB or 1 GiB
 * @path: NULL for anonymous memory (sparse: host memory is used only
 *	where written); else a regular file, created or extended to @size,
 *	whose contents are the device's (they outlive the process)
 * @name: for reports (NULL: "dax0.0"); at most 31 characters
 */
struct zd_devdax_config {
	unsigned long size;
	unsigned long align;
	const char *path;
	const char *name;
};

struct zd_devdax;

struct zd_devdax *zd_devdax_create(struct zd_system *sys, const struct zd_devdax_config *cfg);
struct zd_file *zd_devdax_file(struct zd_devdax *dev);
struct dev_pagemap *zd_devdax_pgmap(struct zd_devdax *dev);
unsigned long zd_devdax_pfn(struct zd_devdax *dev, unsigned long offset);
int zd_devdax_destroy(struct zd_devdax *dev);

#endif /* _ZONEDEV_DEVDAX_H */
