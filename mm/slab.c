// SPDX-License-Identifier: GPL-2.0-only
/* kmalloc over the host allocator, failing on demand through failslab. */
#include <stdlib.h>
#include <string.h>
#include <zonedev/slab.h>
#include <zonedev/fault-inject.h>

static atomic_long_t live_objects = ATOMIC_LONG_INIT(0);

void *kmalloc(size_t size, gfp_t gfp)
{
	void *p;

	if (should_fail(&failslab, size))
		return NULL;
	p = malloc(size ? size : 1);
	if (!p)
		return NULL;
	if (gfp & __GFP_ZERO)
		memset(p, 0, size);
	atomic_long_inc(&live_objects);
	return p;
}

void *kzalloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp | __GFP_ZERO);
}

void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return kzalloc(n * size, gfp);
}

void *krealloc(void *p, size_t size, gfp_t gfp)
{
	void *q;

	if (!p)
		return kmalloc(size, gfp);
	if (should_fail(&failslab, size))
		return NULL;
	q = realloc(p, size ? size : 1);
	return q;
}

void kfree(const void *p)
{
	if (!p)
		return;
	atomic_long_dec(&live_objects);
	free((void *)p);
}

/** kmalloc_live_objects() - objects allocated and not yet freed */
long kmalloc_live_objects(void)
{
	return atomic_long_read(&live_objects);
}
