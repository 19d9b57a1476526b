/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The physical address map (kernel/resource.c's iomem_resource): System RAM
 * of each zonedev system and the ranges of simulated devices.
 *
 * zonedev extension: a resource may carry the "hardware" behind it, a file
 * descriptor whose contents are the device's memory.  arch_add_memory()
 * maps it into the direct map, so CPU-addressable device memory has real
 * bytes; a device-private range has none, and any CPU access to it faults,
 * as it would on hardware.
 */
#ifndef _ZONEDEV_IOPORT_H
#define _ZONEDEV_IOPORT_H

#include <sys/types.h>
#include <zonedev/mm_types.h>

#define IORESOURCE_MEM		0x00000200
#define IORESOURCE_SYSRAM	0x01000000
#define IORESOURCE_BUSY		0x80000000
#define IORESOURCE_SYSTEM_RAM	(IORESOURCE_MEM | IORESOURCE_SYSRAM)

enum {
	IORES_DESC_NONE = 0,
	IORES_DESC_PERSISTENT_MEMORY = 4,
	IORES_DESC_DEVICE_PRIVATE_MEMORY = 6,
	IORES_DESC_DEVICE_PUBLIC_MEMORY = 7,
};

enum {
	REGION_DISJOINT = 0,
	REGION_INTERSECTS,
	REGION_MIXED,
};

struct resource {
	resource_size_t start;
	resource_size_t end;		/* inclusive */
	const char *name;
	unsigned long flags;
	unsigned long desc;
	struct list_head sibling;
	int backing_fd;			/* -1: no CPU-addressable memory */
	off_t backing_offset;
	bool owns_fd;
};

static inline resource_size_t resource_size(const struct resource *res)
{
	return res->end - res->start + 1;
}

extern struct resource iomem_resource;

struct resource *request_free_mem_region(struct resource *base, unsigned long size,
					 const char *name);
struct resource *zd_request_device_memory(unsigned long size, const char *name,
					  unsigned long desc, int fd, off_t offset);
struct resource *zd_request_system_ram(unsigned long size, const char *name);
void zd_release_mem_region(struct resource *res);
int region_intersects(resource_size_t start, size_t size, unsigned long flags,
		      unsigned long desc);
struct resource *zd_find_resource(resource_size_t start, resource_size_t end);
int arch_add_memory(int nid, uint64_t start, uint64_t size);
void arch_remove_memory(uint64_t start, uint64_t size);

#endif /* _ZONEDEV_IOPORT_H */
