/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmalloc and friends: the host allocator behind failslab fault injection,
 * with a count of live objects so tests can check nothing leaked.
 */
#ifndef _ZONEDEV_SLAB_H
#define _ZONEDEV_SLAB_H

#include <stddef.h>
#include <zonedev/gfp.h>

void *kmalloc(size_t size, gfp_t gfp);
void *kzalloc(size_t size, gfp_t gfp);
void *kcalloc(size_t n, size_t size, gfp_t gfp);
void *krealloc(void *p, size_t size, gfp_t gfp);
void kfree(const void *p);
long kmalloc_live_objects(void);

#define kvmalloc(size, gfp)	kmalloc(size, gfp)
#define kvzalloc(size, gfp)	kzalloc(size, gfp)
#define kvfree(p)		kfree(p)

#endif /* _ZONEDEV_SLAB_H */
