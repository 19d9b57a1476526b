/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reverse-mapping entry points drivers call (include/linux/rmap.h).
 *
 * make_device_exclusive() follows the v6.15 form: one page per call, the
 * folio returned locked and referenced.
 */
#ifndef _ZONEDEV_RMAP_H
#define _ZONEDEV_RMAP_H

#include <zonedev/mm.h>
#include <zonedev/mm_task.h>

struct page *make_device_exclusive(struct mm_struct *mm, unsigned long addr, void *owner,
				   struct folio **foliop);

#endif /* _ZONEDEV_RMAP_H */
