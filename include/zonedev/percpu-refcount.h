/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * percpu_ref: a reference count that is a per-CPU add while live and a
 * single atomic once killed.  Semantics are lib/percpu-refcount.c's:
 *
 *  - percpu mode: get/put touch only this CPU's slot, never test for zero;
 *  - percpu_ref_kill() marks the ref DEAD, switches it to atomic mode after
 *    an RCU grace period (so every percpu get/put begun before the switch has
 *    landed in a slot that gets summed), then drops the initial reference;
 *    release() runs when the atomic count reaches zero, never inside kill;
 *  - tryget succeeds while the count is non-zero even after kill; tryget_live
 *    fails once DEAD is set.
 *
 * The low bits of percpu_count_ptr carry the mode, as in the kernel.  While
 * in percpu mode the atomic count carries PERCPU_COUNT_BIAS so a partial sum
 * can never look like zero.
 */
#ifndef _ZONEDEV_PERCPU_REFCOUNT_H
#define _ZONEDEV_PERCPU_REFCOUNT_H

#include <zonedev/rcupdate.h>

struct percpu_ref;
typedef void (percpu_ref_func_t)(struct percpu_ref *);

enum {
	__PERCPU_REF_ATOMIC	= 1LU << 0,
	__PERCPU_REF_DEAD	= 1LU << 1,
	__PERCPU_REF_ATOMIC_DEAD = __PERCPU_REF_ATOMIC | __PERCPU_REF_DEAD,
	__PERCPU_REF_FLAG_BITS	= 2,
};

enum {
	PERCPU_REF_INIT_ATOMIC	= 1 << 0,
	PERCPU_REF_INIT_DEAD	= 1 << 1,
	PERCPU_REF_ALLOW_REINIT	= 1 << 2,
};

#define PERCPU_COUNT_BIAS	(1LU << (BITS_PER_LONG - 1))

/* One simulated CPU's slot, on its own cache line. */
struct percpu_ref_slot {
	unsigned long count;
} ____cacheline_aligned;

struct percpu_ref {
	unsigned long percpu_count_ptr;	/* slots | __PERCPU_REF_* flags */
	atomic_long_t count;
	percpu_ref_func_t *release;
	percpu_ref_func_t *confirm_switch;
	bool force_atomic;
	bool allow_reinit;
	bool pending_fold;		/* ATOMIC set, slots not yet summed */
	struct rcu_head rcu;
};

int __must_check percpu_ref_init(struct percpu_ref *ref, percpu_ref_func_t *release,
				 unsigned int flags, unsigned int gfp);
void percpu_ref_exit(struct percpu_ref *ref);
void percpu_ref_switch_to_atomic(struct percpu_ref *ref, percpu_ref_func_t *confirm_switch);
void percpu_ref_switch_to_atomic_sync(struct percpu_ref *ref);
void percpu_ref_switch_to_percpu(struct percpu_ref *ref);
void percpu_ref_kill_and_confirm(struct percpu_ref *ref, percpu_ref_func_t *confirm_kill);
void percpu_ref_resurrect(struct percpu_ref *ref);
void percpu_ref_reinit(struct percpu_ref *ref);
bool percpu_ref_is_zero(struct percpu_ref *ref);
unsigned long percpu_ref_read(struct percpu_ref *ref);
bool percpu_ref_wait_is_zero(struct percpu_ref *ref, unsigned long timeout_ms);

static inline void percpu_ref_kill(struct percpu_ref *ref)
{
	percpu_ref_kill_and_confirm(ref, NULL);
}

/* In percpu mode, return the slots; the caller holds rcu_read_lock(). */
static __always_inline bool __ref_is_percpu(struct percpu_ref *ref,
					    struct percpu_ref_slot **slots)
{
	unsigned long ptr = READ_ONCE(ref->percpu_count_ptr);

	if (unlikely(ptr & __PERCPU_REF_ATOMIC_DEAD))
		return false;
	*slots = (struct percpu_ref_slot *)ptr;
	return true;
}

static __always_inline void __percpu_slot_add(struct percpu_ref_slot *slots, long nr)
{
	struct percpu_ref_slot *s = &slots[smp_processor_id()];

	/* Two threads may share a simulated CPU: the add must be atomic. */
	__atomic_fetch_add(&s->count, (unsigned long)nr, __ATOMIC_RELAXED);
}

void __percpu_ref_release(struct percpu_ref *ref);

static __always_inline void percpu_ref_get_many(struct percpu_ref *ref, unsigned long nr)
{
	struct percpu_ref_slot *slots;

	rcu_read_lock();
	if (__ref_is_percpu(ref, &slots))
		__percpu_slot_add(slots, (long)nr);
	else
		atomic_long_add((long)nr, &ref->count);
	rcu_read_unlock();
}

static __always_inline void percpu_ref_get(struct percpu_ref *ref)
{
	percpu_ref_get_many(ref, 1);
}

static __always_inline bool percpu_ref_tryget_many(struct percpu_ref *ref, unsigned long nr)
{
	struct percpu_ref_slot *slots;
	bool ret;

	rcu_read_lock();
	if (__ref_is_percpu(ref, &slots)) {
		__percpu_slot_add(slots, (long)nr);
		ret = true;
	} else {
		ret = atomic_long_add_unless(&ref->count, (long)nr, 0);
	}
	rcu_read_unlock();
	return ret;
}

static __always_inline bool percpu_ref_tryget(struct percpu_ref *ref)
{
	return percpu_ref_tryget_many(ref, 1);
}

/* Caller holds rcu_read_lock(). */
static __always_inline bool percpu_ref_tryget_live_rcu(struct percpu_ref *ref)
{
	struct percpu_ref_slot *slots;

	if (likely(__ref_is_percpu(ref, &slots))) {
		__percpu_slot_add(slots, 1);
		return true;
	}
	if (!(READ_ONCE(ref->percpu_count_ptr) & __PERCPU_REF_DEAD))
		return atomic_long_inc_not_zero(&ref->count);
	return false;
}

static __always_inline bool percpu_ref_tryget_live(struct percpu_ref *ref)
{
	bool ret;

	rcu_read_lock();
	ret = percpu_ref_tryget_live_rcu(ref);
	rcu_read_unlock();
	return ret;
}

static __always_inline void percpu_ref_put_many(struct percpu_ref *ref, unsigned long nr)
{
	struct percpu_ref_slot *slots;

	rcu_read_lock();
	if (__ref_is_percpu(ref, &slots))
		__percpu_slot_add(slots, -(long)nr);
	else if (unlikely(atomic_long_sub_and_test((long)nr, &ref->count)))
		__percpu_ref_release(ref);
	rcu_read_unlock();
}

static __always_inline void percpu_ref_put(struct percpu_ref *ref)
{
	percpu_ref_put_many(ref, 1);
}

static inline bool percpu_ref_is_dying(struct percpu_ref *ref)
{
	return READ_ONCE(ref->percpu_count_ptr) & __PERCPU_REF_DEAD;
}

#endif /* _ZONEDEV_PERCPU_REFCOUNT_H */
