/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * RCU glue: the kernel's RCU API over liburcu's memb flavour, free-running.
 *
 * Read-side sections are inlined (liburcu's static fast path).  Threads are
 * registered with liburcu on their first rcu_read_lock(), so library users
 * need not know about registration; harness threads register up front.
 * call_rcu() runs on zonedev's own worker (lib/rcu.c) rather than liburcu's,
 * so that the enqueue-to-callback ordering is visible to TSan.
 */
#ifndef _ZONEDEV_RCUPDATE_H
#define _ZONEDEV_RCUPDATE_H

#include <zonedev/sync.h>
#ifdef ZD_TSAN
/*
 * liburcu's inline read side wakes the grace-period thread through a
 * futex word it reads and writes with plain volatile accesses, a benign
 * race by design that TSan would report on every build; under TSan call
 * the library's uninstrumented out-of-line versions instead.
 */
void urcu_memb_read_lock(void);
void urcu_memb_read_unlock(void);
#define __zd_urcu_read_lock()	urcu_memb_read_lock()
#define __zd_urcu_read_unlock()	urcu_memb_read_unlock()
#else
/* Only liburcu's static read-side fast path; the rest is in lib/rcu.c. */
#include <urcu/static/urcu-memb.h>
#define __zd_urcu_read_lock()	_urcu_memb_read_lock()
#define __zd_urcu_read_unlock()	_urcu_memb_read_unlock()
#endif

struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};

extern __thread int __zd_rcu_registered;
extern __thread int __zd_rcu_nesting;
void __zd_rcu_register_self(void);

#ifdef ZD_TSAN
extern char __zd_rcu_tsan_sync;
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#endif

void rcu_register_thread(void);
void rcu_unregister_thread(void);

static __always_inline void rcu_read_lock(void)
{
	if (unlikely(!__zd_rcu_registered))
		__zd_rcu_register_self();
	__zd_rcu_nesting++;
	__zd_urcu_read_lock();
}

static __always_inline void rcu_read_unlock(void)
{
#ifdef ZD_TSAN
	__tsan_release(&__zd_rcu_tsan_sync);
#endif
	__zd_rcu_nesting--;
	__zd_urcu_read_unlock();
}

/* True inside a read-side section of this thread (for assertions). */
static inline bool rcu_read_lock_held(void)
{
	return __zd_rcu_nesting > 0;
}

#define rcu_dereference(p)		__atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define rcu_dereference_protected(p, c)	READ_ONCE(p)
#define rcu_access_pointer(p)		READ_ONCE(p)
#define rcu_assign_pointer(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v)		WRITE_ONCE(p, v)

void synchronize_rcu(void);
void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head));
void rcu_barrier(void);

#endif /* _ZONEDEV_RCUPDATE_H */
