// SPDX-License-Identifier: GPL-2.0-only
/*
 * The physical address map.  System RAM is handed out from the bottom,
 * device ranges from the top, each aligned to a memory section, so no two
 * systems or devices ever share a section's memmap.
 */
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <zonedev/ioport.h>
#include <zonedev/mmzone.h>
#include <zonedev/slab.h>

struct resource iomem_resource = {
	.start = 0,
	.end = (1ULL << MAX_PHYSMEM_BITS) - 1,
	.name = "PCI mem",
	.flags = IORESOURCE_MEM,
	.sibling = LIST_HEAD_INIT(iomem_resource.sibling),
	.backing_fd = -1,
};

static DEFINE_MUTEX(resource_lock);
#define SECTION_BYTES	(1ULL << SECTION_SIZE_BITS)

static inline bool res_overlaps(const struct resource *r, resource_size_t start,
				resource_size_t end)
{
	return r->start <= end && start <= r->end;
}

/* Called with resource_lock held. */
static bool range_is_free(resource_size_t start, resource_size_t end)
{
	struct resource *r;

	list_for_each_entry(r, &iomem_resource.sibling, sibling)
		if (res_overlaps(r, start, end))
			return false;
	return true;
}

/* Keep the list sorted by start so reports read like /proc/iomem. */
static void insert_sorted(struct resource *res)
{
	struct resource *r;

	list_for_each_entry(r, &iomem_resource.sibling, sibling) {
		if (r->start > res->start) {
			list_add_tail(&res->sibling, &r->sibling);
			return;
		}
	}
	list_add_tail(&res->sibling, &iomem_resource.sibling);
}

static struct resource *alloc_region(unsigned long size, bool from_top, const char *name,
				     unsigned long flags, unsigned long desc)
{
	resource_size_t span, addr, limit = iomem_resource.end + 1;
	struct resource *res;

	if (!size)
		return ERR_PTR(-EINVAL);
	span = ALIGN((resource_size_t)size, SECTION_BYTES);
	if (span > limit)
		return ERR_PTR(-ERANGE);
	res = kzalloc(sizeof(*res), 0);
	if (!res)
		return ERR_PTR(-ENOMEM);

	mutex_lock(&resource_lock);
	for (addr = from_top ? limit - span : 0;;) {
		if (range_is_free(addr, addr + span - 1))
			break;
		if (from_top ? addr < SECTION_BYTES : addr + span + SECTION_BYTES > limit) {
			mutex_unlock(&resource_lock);
			kfree(res);
			return ERR_PTR(-ERANGE);
		}
		addr = from_top ? addr - SECTION_BYTES : addr + SECTION_BYTES;
	}
	res->start = addr;
	res->end = addr + size - 1;
	res->name = name;
	res->flags = flags | IORESOURCE_BUSY;
	res->desc = desc;
	res->backing_fd = -1;
	insert_sorted(res);
	mutex_unlock(&resource_lock);
	return res;
}

/**
 * request_free_mem_region() - find and claim an unused physical range for
 * device-private memory (never CPU-addressable)
 * @base: the parent, &iomem_resource
 * @size: bytes
 * @name: for reports
 *
 * Return: the resource, or ERR_PTR(-ERANGE) when no range is free.
 */
struct resource *request_free_mem_region(struct resource *base, unsigned long size,
					 const char *name)
{
	if (base != &iomem_resource)
		return ERR_PTR(-EINVAL);
	return alloc_region(size, true, name, IORESOURCE_MEM,
			    IORES_DESC_DEVICE_PRIVATE_MEMORY);
}

/**
 * zd_request_device_memory() - claim a range for a simulated device and say
 * what memory is behind it
 * @size: bytes
 * @name: for reports
 * @desc: IORES_DESC_*
 * @fd: a file whose contents are the device memory (e.g. a pmem image),
 *	-1 for none (not CPU-addressable), or -2 for fresh zeroed memory
 * @offset: where in @fd the range starts
 */
struct resource *zd_request_device_memory(unsigned long size, const char *name,
					  unsigned long desc, int fd, off_t offset)
{
	struct resource *res = alloc_region(size, true, name, IORESOURCE_MEM, desc);

	if (IS_ERR(res))
		return res;
	if (fd == -2) {
		fd = memfd_create(name ? name : "zd-devmem", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)size)) {
			if (fd >= 0)
				close(fd);
			zd_release_mem_region(res);
			return ERR_PTR(-ENOMEM);
		}
		res->owns_fd = true;
		offset = 0;
	}
	res->backing_fd = fd;
	res->backing_offset = offset;
	return res;
}

/** zd_request_system_ram() - claim the lowest free range for a node's RAM */
struct resource *zd_request_system_ram(unsigned long size, const char *name)
{
	return alloc_region(size, false, name, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE);
}

/** zd_release_mem_region() - give a range back (its backing fd if owned) */
void zd_release_mem_region(struct resource *res)
{
	if (IS_ERR_OR_NULL(res))
		return;
	mutex_lock(&resource_lock);
	list_del(&res->sibling);
	mutex_unlock(&resource_lock);
	if (res->owns_fd)
		close(res->backing_fd);
	kfree(res);
}

static bool res_matches(const struct resource *r, unsigned long flags, unsigned long desc)
{
	return (r->flags & flags) == flags &&
	       (desc == IORES_DESC_NONE || r->desc == desc);
}

/**
 * region_intersects() - does [start, start + size) overlap resources of the
 * given kind?
 *
 * Return: REGION_DISJOINT, REGION_INTERSECTS (only matching resources
 * overlap and they cover the range) or REGION_MIXED.
 */
int region_intersects(resource_size_t start, size_t size, unsigned long flags,
		      unsigned long desc)
{
	resource_size_t end = start + size - 1, covered = 0;
	bool match = false, other = false;
	struct resource *r;

	mutex_lock(&resource_lock);
	list_for_each_entry(r, &iomem_resource.sibling, sibling) {
		if (!res_overlaps(r, start, end))
			continue;
		if (res_matches(r, flags, desc)) {
			match = true;
			covered += min(r->end, end) - max(r->start, start) + 1;
		} else {
			other = true;
		}
	}
	mutex_unlock(&resource_lock);
	if (!match)
		return REGION_DISJOINT;
	if (!other && covered == size)
		return REGION_INTERSECTS;
	return REGION_MIXED;
}

/** zd_find_resource() - the resource that contains [start, end], if any */
struct resource *zd_find_resource(resource_size_t start, resource_size_t end)
{
	struct resource *r, *found = NULL;

	mutex_lock(&resource_lock);
	list_for_each_entry(r, &iomem_resource.sibling, sibling) {
		if (r->start <= start && end <= r->end) {
			found = r;
			break;
		}
	}
	mutex_unlock(&resource_lock);
	return found;
}
