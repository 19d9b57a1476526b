// SPDX-License-Identifier: GPL-2.0-only
/*
 * arch_add_memory()/arch_remove_memory(): the direct map of
 * CPU-addressable device memory.  The memory itself is the "hardware"
 * behind the range's resource (see <zonedev/ioport.h>); a range with none
 * stays unmapped, so a CPU access faults as it would on a real machine.
 */
#include <sys/mman.h>
#include "internal.h"

int arch_add_memory(int nid, uint64_t start, uint64_t size)
{
	struct resource *res = zd_find_resource(start, start + size - 1);
	void *addr = __va(start);

	(void)nid;
	if (should_fail(&fail_memmap, size))
		return -ENOMEM;
	if (!res || res->backing_fd < 0)
		return 0;
	if (mmap(addr, size, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_SHARED, res->backing_fd,
		 res->backing_offset + (off_t)(start - res->start)) == MAP_FAILED)
		return -ENOMEM;
	return 0;
}

void arch_remove_memory(uint64_t start, uint64_t size)
{
	mmap(__va(start), size, PROT_NONE,
	     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
}
