/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sleepable RCU (include/linux/srcu.h): read-side sections that may block,
 * and synchronize_srcu() that waits for every section begun before it.
 * dax_read_lock() is one; a reader may sleep in it (a page fault, a copy)
 * where a classic RCU reader must not stall grace periods for others.
 *
 * Two counters and an index, as the kernel's first SRCU: readers count
 * themselves in the current counter, synchronize_srcu() flips the index
 * and waits for the old counter to drain, so new readers never starve it.
 */
#ifndef _ZONEDEV_SRCU_H
#define _ZONEDEV_SRCU_H

#include <zonedev/sync.h>

struct srcu_struct {
	atomic_long_t c[2];
	unsigned long idx;		/* low bit: the counter readers use */
	struct mutex lock;		/* serialises synchronize_srcu() */
};

#define DEFINE_STATIC_SRCU(name)					\
	static struct srcu_struct name = {				\
		.c = { ATOMIC_LONG_INIT(0), ATOMIC_LONG_INIT(0) },	\
		.lock = { PTHREAD_MUTEX_INITIALIZER, 0 },		\
	}

void init_srcu_struct(struct srcu_struct *ssp);
void cleanup_srcu_struct(struct srcu_struct *ssp);
int srcu_read_lock(struct srcu_struct *ssp);
void srcu_read_unlock(struct srcu_struct *ssp, int idx);
void synchronize_srcu(struct srcu_struct *ssp);

#endif /* _ZONEDEV_SRCU_H */
