/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault injection, after lib/fault-inject.c: named attributes that make a
 * class of operation fail on demand, and the per-task fail-nth counter.
 *
 * An attribute fails a call when, in order: the calling thread's fail-nth
 * count reaches its target (counted across every attribute, like
 * /proc/self/fail-nth); or the attribute is armed and its interval and
 * probability select the call.  Each failure is counted.
 */
#ifndef _ZONEDEV_FAULT_INJECT_H
#define _ZONEDEV_FAULT_INJECT_H

#include <zonedev/sync.h>

struct fault_attr {
	const char *name;
	atomic_t times;			/* failures left; -1: unlimited */
	unsigned long interval;		/* fail every interval-th call (1: all) */
	unsigned int probability;	/* percent; 0 means use interval only */
	atomic_long_t count;		/* calls seen while armed */
	atomic_long_t failed;		/* failures injected, ever */
	unsigned long seed;
};

#define FAULT_ATTR_INITIALIZER(n) {			\
	.name = (n), .times = ATOMIC_INIT(0),		\
	.interval = 1, .probability = 0,		\
	.count = ATOMIC_LONG_INIT(0),			\
	.failed = ATOMIC_LONG_INIT(0), .seed = 1 }

extern struct fault_attr fail_page_alloc;	/* alloc_pages & friends */
extern struct fault_attr failslab;		/* kmalloc & friends */
extern struct fault_attr fail_memmap;		/* memmap/direct map population */

bool should_fail(struct fault_attr *attr, size_t size);

/**
 * fault_attr_arm() - fail @times calls (-1: all), every @interval-th one
 */
void fault_attr_arm(struct fault_attr *attr, int times, unsigned long interval);
void fault_attr_disarm(struct fault_attr *attr);

/*
 * fail-nth: the @nth faultable call of this thread from now fails (1 = the
 * next one); 0 disarms.  zd_fail_nth_get() returns what is left: 0 once the
 * failure has been injected, as reading /proc/self/fail-nth does.
 */
void zd_fail_nth_set(unsigned int nth);
unsigned int zd_fail_nth_get(void);

#endif /* _ZONEDEV_FAULT_INJECT_H */
