// SPDX-License-Identifier: GPL-2.0-only
/* Fault injection attributes and the per-thread fail-nth counter. */
#include <zonedev/fault-inject.h>

struct fault_attr fail_page_alloc = FAULT_ATTR_INITIALIZER("fail_page_alloc");
struct fault_attr failslab = FAULT_ATTR_INITIALIZER("failslab");
struct fault_attr fail_memmap = FAULT_ATTR_INITIALIZER("fail_memmap");

static __thread unsigned int fail_nth;

void zd_fail_nth_set(unsigned int nth)
{
	fail_nth = nth;
}

unsigned int zd_fail_nth_get(void)
{
	return fail_nth;
}

void fault_attr_arm(struct fault_attr *attr, int times, unsigned long interval)
{
	attr->interval = interval ? interval : 1;
	atomic_long_set(&attr->count, 0);
	atomic_set(&attr->times, times);
}

void fault_attr_disarm(struct fault_attr *attr)
{
	atomic_set(&attr->times, 0);
}

/* xorshift: deterministic per attribute, seeded by the caller. */
static unsigned long fault_rand(struct fault_attr *attr)
{
	unsigned long x = __atomic_load_n(&attr->seed, __ATOMIC_RELAXED);

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	__atomic_store_n(&attr->seed, x, __ATOMIC_RELAXED);
	return x;
}

static bool fault_fail(struct fault_attr *attr)
{
	atomic_long_inc(&attr->failed);
	return true;
}

/**
 * should_fail() - decide whether this call of @attr's kind fails
 * @size: the size of what is being allocated (for reports)
 */
bool should_fail(struct fault_attr *attr, size_t size)
{
	int times;
	long n;

	(void)size;
	if (unlikely(fail_nth)) {
		if (--fail_nth == 0)
			return fault_fail(attr);
	}

	times = atomic_read(&attr->times);
	if (likely(times == 0))
		return false;

	n = atomic_long_inc_return(&attr->count);
	if ((unsigned long)n % attr->interval)
		return false;
	if (attr->probability && fault_rand(attr) % 100 >= attr->probability)
		return false;
	/* Claim one of the remaining failures, unless another thread did. */
	while (times != 0) {
		if (times < 0 || atomic_try_cmpxchg(&attr->times, &times, times - 1))
			return fault_fail(attr);
	}
	return false;
}
