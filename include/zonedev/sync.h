/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lib/sync: every primitive that synchronizes, under the kernel's names.
 *
 * This header and lib/sync.c are the only places in zonedev that touch
 * pthreads or compiler atomics.  Everything else (struct page refcounts,
 * percpu_ref, the buddy allocator, the pgmap registry) goes through the
 * wrappers below, so that a deterministic scheduler can later take over every
 * switch point by replacing this one layer.
 *
 * Memory ordering follows Documentation/atomic_t.txt: non-value-returning
 * RMW operations are unordered (relaxed), value-returning ones are fully
 * ordered, and the _relaxed/_acquire/_release variants are what they say.
 */
#ifndef _ZONEDEV_SYNC_H
#define _ZONEDEV_SYNC_H

#include <pthread.h>
#include <zonedev/compiler.h>

#if defined(__SANITIZE_THREAD__)
#define ZD_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ZD_TSAN 1
#endif
#endif

/* ------------------------------------------------------------------ */
/* Compiler and CPU barriers                                           */
/* ------------------------------------------------------------------ */

#define barrier()	__asm__ __volatile__("" : : : "memory")

#ifdef ZD_TSAN
/*
 * TSan does not model standalone fences; a seq_cst RMW on one shared word
 * gives it the happens-before edge a full barrier implies (and more).
 */
extern unsigned long __zd_tsan_fence_word;
#define smp_mb()	((void)__atomic_fetch_add(&__zd_tsan_fence_word, 0, __ATOMIC_SEQ_CST))
#define smp_rmb()	smp_mb()
#define smp_wmb()	smp_mb()
#else
#define smp_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)
#endif
#if (defined(__x86_64__) || defined(__i386__)) && !defined(ZD_TSAN)
/* x86 RMW atomics are full barriers already, as the kernel's x86 port says. */
#define smp_mb__before_atomic()	barrier()
#define smp_mb__after_atomic()	barrier()
#else
#define smp_mb__before_atomic()	smp_mb()
#define smp_mb__after_atomic()	smp_mb()
#endif

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val)	__atomic_store_n(&(x), (val), __ATOMIC_RELAXED)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" : : : "memory");
#else
	barrier();
#endif
}

/* ------------------------------------------------------------------ */
/* atomic_t, atomic_long_t                                             */
/* ------------------------------------------------------------------ */

typedef struct { int counter; } atomic_t;
typedef struct { long counter; } atomic_long_t;

#define ATOMIC_INIT(i)		{ (i) }
#define ATOMIC_LONG_INIT(i)	{ (i) }

#define __ZD_RLX	__ATOMIC_RELAXED
#define __ZD_SC		__ATOMIC_SEQ_CST

/*
 * One generator for both widths, so atomic_t and atomic_long_t cannot drift
 * apart.  pfx is the kernel's prefix (atomic, atomic_long).
 */
#define __ZD_ATOMIC_OPS(pfx, atype, T)					\
static __always_inline T pfx##_read(const atype *v)			\
{ return __atomic_load_n(&v->counter, __ZD_RLX); }			\
static __always_inline T pfx##_read_acquire(const atype *v)		\
{ return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE); }		\
static __always_inline void pfx##_set(atype *v, T i)			\
{ __atomic_store_n(&v->counter, i, __ZD_RLX); }			\
static __always_inline void pfx##_set_release(atype *v, T i)		\
{ __atomic_store_n(&v->counter, i, __ATOMIC_RELEASE); }		\
static __always_inline void pfx##_add(T i, atype *v)			\
{ __atomic_fetch_add(&v->counter, i, __ZD_RLX); }			\
static __always_inline void pfx##_sub(T i, atype *v)			\
{ __atomic_fetch_sub(&v->counter, i, __ZD_RLX); }			\
static __always_inline void pfx##_inc(atype *v) { pfx##_add(1, v); }	\
static __always_inline void pfx##_dec(atype *v) { pfx##_sub(1, v); }	\
static __always_inline T pfx##_add_return(T i, atype *v)		\
{ return __atomic_add_fetch(&v->counter, i, __ZD_SC); }		\
static __always_inline T pfx##_add_return_relaxed(T i, atype *v)	\
{ return __atomic_add_fetch(&v->counter, i, __ZD_RLX); }		\
static __always_inline T pfx##_sub_return(T i, atype *v)		\
{ return __atomic_sub_fetch(&v->counter, i, __ZD_SC); }		\
static __always_inline T pfx##_inc_return(atype *v)			\
{ return pfx##_add_return(1, v); }					\
static __always_inline T pfx##_dec_return(atype *v)			\
{ return pfx##_sub_return(1, v); }					\
static __always_inline T pfx##_fetch_add(T i, atype *v)		\
{ return __atomic_fetch_add(&v->counter, i, __ZD_SC); }		\
static __always_inline T pfx##_fetch_add_relaxed(T i, atype *v)	\
{ return __atomic_fetch_add(&v->counter, i, __ZD_RLX); }		\
static __always_inline T pfx##_fetch_sub(T i, atype *v)		\
{ return __atomic_fetch_sub(&v->counter, i, __ZD_SC); }		\
static __always_inline bool pfx##_sub_and_test(T i, atype *v)		\
{ return pfx##_sub_return(i, v) == 0; }				\
static __always_inline bool pfx##_dec_and_test(atype *v)		\
{ return pfx##_sub_return(1, v) == 0; }				\
static __always_inline bool pfx##_inc_and_test(atype *v)		\
{ return pfx##_add_return(1, v) == 0; }				\
static __always_inline bool pfx##_add_negative(T i, atype *v)		\
{ return pfx##_add_return(i, v) < 0; }					\
static __always_inline T pfx##_xchg(atype *v, T i)			\
{ return __atomic_exchange_n(&v->counter, i, __ZD_SC); }		\
static __always_inline T pfx##_cmpxchg(atype *v, T old, T new)		\
{									\
	__atomic_compare_exchange_n(&v->counter, &old, new, false,	\
				    __ZD_SC, __ZD_RLX);			\
	return old;							\
}									\
static __always_inline bool pfx##_try_cmpxchg(atype *v, T *old, T new)	\
{									\
	return __atomic_compare_exchange_n(&v->counter, old, new, false,\
					   __ZD_SC, __ZD_RLX);		\
}									\
static __always_inline bool pfx##_try_cmpxchg_relaxed(atype *v, T *old,\
							T new)		\
{									\
	return __atomic_compare_exchange_n(&v->counter, old, new, false,\
					   __ZD_RLX, __ZD_RLX);		\
}									\
/* Add @a unless the value is @u; returns the old value. */		\
static __always_inline T pfx##_fetch_add_unless(atype *v, T a, T u)	\
{									\
	T c = pfx##_read(v);						\
	do {								\
		if (unlikely(c == u))					\
			break;						\
		/* wraps like the kernel's (-fno-strict-overflow) */	\
	} while (!pfx##_try_cmpxchg(v, &c, (T)((unsigned T)c + (unsigned T)a)));\
	return c;							\
}									\
static __always_inline bool pfx##_add_unless(atype *v, T a, T u)	\
{ return pfx##_fetch_add_unless(v, a, u) != u; }			\
static __always_inline bool pfx##_inc_not_zero(atype *v)		\
{ return pfx##_add_unless(v, 1, 0); }

__ZD_ATOMIC_OPS(atomic, atomic_t, int)
__ZD_ATOMIC_OPS(atomic_long, atomic_long_t, long)

/*
 * cmpxchg() on a plain scalar (an enum state word, a pointer): fully
 * ordered, returns the value found.
 */
#define cmpxchg(ptr, old, new)						\
({									\
	__typeof__(*(ptr)) __zd_old = (old);				\
	__atomic_compare_exchange_n((ptr), &__zd_old, (new), false,	\
				    __ZD_SC, __ZD_RLX);			\
	__zd_old;							\
})

/* xchg() on a plain scalar: fully ordered, returns the old value. */
#define xchg(ptr, new)	__atomic_exchange_n((ptr), (new), __ZD_SC)

/* ------------------------------------------------------------------ */
/* Bit operations on unsigned long words (page->flags and friends)     */
/* ------------------------------------------------------------------ */

#define BIT_WORD(nr)	((nr) / BITS_PER_LONG)
#define BIT_MASK(nr)	(1UL << ((nr) % BITS_PER_LONG))

static __always_inline void set_bit(long nr, unsigned long *addr)
{
	__atomic_fetch_or(addr + BIT_WORD(nr), BIT_MASK(nr), __ZD_RLX);
}

static __always_inline void clear_bit(long nr, unsigned long *addr)
{
	__atomic_fetch_and(addr + BIT_WORD(nr), ~BIT_MASK(nr), __ZD_RLX);
}

static __always_inline bool test_bit(long nr, const unsigned long *addr)
{
	return __atomic_load_n(addr + BIT_WORD(nr), __ZD_RLX) & BIT_MASK(nr);
}

static __always_inline bool test_and_set_bit(long nr, unsigned long *addr)
{
	return __atomic_fetch_or(addr + BIT_WORD(nr), BIT_MASK(nr), __ZD_SC) &
	       BIT_MASK(nr);
}

static __always_inline bool test_and_clear_bit(long nr, unsigned long *addr)
{
	return __atomic_fetch_and(addr + BIT_WORD(nr), ~BIT_MASK(nr), __ZD_SC) &
	       BIT_MASK(nr);
}

/* Lock-bit semantics: acquire on success of the set, release on clear. */
static __always_inline bool test_and_set_bit_lock(long nr, unsigned long *addr)
{
	return __atomic_fetch_or(addr + BIT_WORD(nr), BIT_MASK(nr),
				 __ATOMIC_ACQUIRE) & BIT_MASK(nr);
}

static __always_inline void clear_bit_unlock(long nr, unsigned long *addr)
{
	__atomic_fetch_and(addr + BIT_WORD(nr), ~BIT_MASK(nr), __ATOMIC_RELEASE);
}

/*
 * Clear @mask in *@addr with release ordering and return the old word: an
 * unlock that can tell whether it really held the lock bit.
 */
static __always_inline unsigned long fetch_andnot_release(unsigned long mask,
							   unsigned long *addr)
{
	return __atomic_fetch_and(addr, ~mask, __ATOMIC_RELEASE);
}

/* Set @mask in *@addr with release ordering (a publication of bits). */
static __always_inline void set_bits_release(unsigned long mask, unsigned long *addr)
{
	__atomic_fetch_or(addr, mask, __ATOMIC_RELEASE);
}

/*
 * The non-atomic variants are for words the caller owns exclusively.  They
 * still use relaxed accesses so that a concurrent, legitimate test_bit()
 * reader is not a data race in the C11 sense.
 */
static __always_inline void __set_bit(long nr, unsigned long *addr)
{
	unsigned long *w = addr + BIT_WORD(nr);

	__atomic_store_n(w, __atomic_load_n(w, __ZD_RLX) | BIT_MASK(nr), __ZD_RLX);
}

static __always_inline void __clear_bit(long nr, unsigned long *addr)
{
	unsigned long *w = addr + BIT_WORD(nr);

	__atomic_store_n(w, __atomic_load_n(w, __ZD_RLX) & ~BIT_MASK(nr), __ZD_RLX);
}

/* ------------------------------------------------------------------ */
/* Threads and simulated CPUs                                          */
/* ------------------------------------------------------------------ */

#define NR_CPUS		64

/* Number of simulated CPUs; percpu structures are sized for NR_CPUS. */
extern unsigned int nr_cpu_ids;
extern __thread int __zd_this_cpu;
extern __thread unsigned int __zd_thread_id;

unsigned int __zd_assign_cpu(void);
unsigned int __zd_assign_thread_id(void);

/**
 * smp_processor_id() - the simulated CPU this thread runs on
 *
 * Threads are spread over nr_cpu_ids simulated CPUs round-robin on first use.
 * Unlike the kernel, a thread is never migrated, so "preemption disabled"
 * regions need no extra care; two threads may still share one CPU, which is
 * why percpu counters are updated with (relaxed) atomics.
 */
static __always_inline unsigned int smp_processor_id(void)
{
	int cpu = __zd_this_cpu;

	if (likely(cpu >= 0))
		return (unsigned int)cpu;
	return __zd_assign_cpu();
}
#define raw_smp_processor_id()	smp_processor_id()

/* A small, process-unique id for the calling thread (never 0). */
static __always_inline unsigned int current_thread_id(void)
{
	unsigned int id = __zd_thread_id;

	return likely(id) ? id : __zd_assign_thread_id();
}

#define for_each_possible_cpu(cpu) \
	for ((cpu) = 0; (cpu) < NR_CPUS; (cpu)++)

void zd_set_nr_cpus(unsigned int n);
void zd_thread_set_cpu(unsigned int cpu);

/* A thread of the harness: tests and tools never call pthreads directly. */
struct zd_thread {
	pthread_t handle;
	void *(*fn)(void *);
	void *arg;
	void *ret;
	atomic_t sigpending;
};

int zd_thread_start(struct zd_thread *t, void *(*fn)(void *), void *arg);
void *zd_thread_join(struct zd_thread *t);

/*
 * Signals, for interruptible sleeps: zd_thread_signal() marks a harness
 * thread as having a signal pending; its interruptible waits (a truncate
 * waiting for a pinned DAX page) give up with -ERESTARTSYS and leave the
 * flag set, as the kernel leaves the signal to be delivered on return to
 * user space.  flush_signals() clears the calling thread's.
 */
void zd_thread_signal(struct zd_thread *t);
bool signal_pending(void);
void flush_signals(void);
void cond_resched(void);
void msleep(unsigned int ms);

/* ------------------------------------------------------------------ */
/* Locks                                                               */
/* ------------------------------------------------------------------ */

/*
 * spinlock_t and struct mutex are both sleeping locks underneath (on two
 * cores a busy-wait that loses to a preempted holder wastes whole
 * timeslices); they differ in what the model allows inside them, not in how
 * they wait.  Both record their owner so lockdep_assert_held() works.
 */
typedef struct spinlock {
	pthread_mutex_t m;
	unsigned int owner;
} spinlock_t;

struct mutex {
	pthread_mutex_t m;
	unsigned int owner;
};

/* Adaptive: spin a little before sleeping, critical sections being short. */
#define __SPIN_LOCK_UNLOCKED(x)	{ PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP, 0 }
#define DEFINE_SPINLOCK(x)	spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
#define DEFINE_MUTEX(x)		struct mutex x = { PTHREAD_MUTEX_INITIALIZER, 0 }

void spin_lock_init(spinlock_t *lock);
void spin_lock(spinlock_t *lock);
bool spin_trylock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
void spin_lock_destroy(spinlock_t *lock);

#define spin_lock_irq(l)		spin_lock(l)
#define spin_unlock_irq(l)		spin_unlock(l)
#define spin_lock_irqsave(l, flags)	do { (flags) = 0; spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, flags) do { (void)(flags); spin_unlock(l); } while (0)

static inline bool spin_is_locked(spinlock_t *lock)
{
	return READ_ONCE(lock->owner) != 0;
}

void mutex_init(struct mutex *lock);
void mutex_lock(struct mutex *lock);
bool mutex_trylock(struct mutex *lock);
void mutex_unlock(struct mutex *lock);
void mutex_destroy(struct mutex *lock);

static inline bool mutex_is_locked(struct mutex *lock)
{
	return READ_ONCE(lock->owner) != 0;
}

/*
 * rw_semaphore: an atomic count (readers, or -1 for a writer) taken with one
 * cmpxchg when uncontended, as the kernel's is; sleepers wait on a mutex and
 * condition.  Writer-preferring (readers back off while a writer waits),
 * with downgrade_write().  A writer records its owner for lockdep.
 */
struct rw_semaphore {
	atomic_long_t count;	/* > 0 readers, -1 a writer, 0 free */
	atomic_t writers_waiting;
	atomic_t sleepers;
	pthread_mutex_t m;
	pthread_cond_t cond;
	unsigned int owner;	/* writer thread id, 0 if none */
};

void init_rwsem(struct rw_semaphore *sem);
void destroy_rwsem(struct rw_semaphore *sem);
void down_read(struct rw_semaphore *sem);
bool down_read_trylock(struct rw_semaphore *sem);
void up_read(struct rw_semaphore *sem);
void down_write(struct rw_semaphore *sem);
bool down_write_trylock(struct rw_semaphore *sem);
void up_write(struct rw_semaphore *sem);
void downgrade_write(struct rw_semaphore *sem);
bool rwsem_is_locked(struct rw_semaphore *sem);

static inline bool rwsem_is_write_locked(struct rw_semaphore *sem)
{
	return READ_ONCE(sem->owner) != 0;
}

#define lockdep_assert_held(l)	\
	__zd_lock_assert(READ_ONCE((l)->owner) == current_thread_id(), #l, __FILE__, __LINE__)
#define lockdep_assert_held_write(s) lockdep_assert_held(s)
void __zd_lock_assert(bool held, const char *what, const char *file, int line);

/* ------------------------------------------------------------------ */
/* Waiting: wait_var_event / wake_up_var, completions                  */
/* ------------------------------------------------------------------ */

/*
 * Waiters on an address hash into a bucket.  The waiter count lets
 * wake_up_var() skip the lock when nobody waits; the Dekker pair is the
 * seq_cst increment in __wait_var_prepare() against the full barrier in
 * wake_up_var(), so a waker that misses a waiter is guaranteed the waiter
 * sees its condition.
 */
struct wait_var_bucket {
	pthread_mutex_t m;
	pthread_cond_t cond;
	atomic_t waiters;
} ____cacheline_aligned;

struct wait_var_bucket *__var_waitqueue(const void *var);
void __wait_var_prepare(struct wait_var_bucket *b);
void __wait_var_sleep(struct wait_var_bucket *b);
bool __wait_var_sleep_deadline(struct wait_var_bucket *b, unsigned long long deadline_ns);
void __wait_var_finish(struct wait_var_bucket *b);
unsigned long long __wait_deadline_ns(unsigned long timeout_ms);
void wake_up_var(const void *var);

/**
 * wait_var_event() - sleep until @condition is true, woken by wake_up_var(@var)
 */
#define wait_var_event(var, condition)					\
do {									\
	struct wait_var_bucket *__b;					\
	if (condition)							\
		break;							\
	__b = __var_waitqueue(var);					\
	__wait_var_prepare(__b);					\
	while (!(condition))						\
		__wait_var_sleep(__b);					\
	__wait_var_finish(__b);						\
} while (0)

/**
 * wait_var_event_timeout() - like wait_var_event(), bounded by @timeout_ms
 *
 * Evaluates to true if @condition became true, false on timeout.
 */
#define wait_var_event_timeout(var, condition, timeout_ms)		\
({									\
	bool __ok = (condition);					\
	if (!__ok) {							\
		struct wait_var_bucket *__b = __var_waitqueue(var);	\
		unsigned long long __dl = __wait_deadline_ns(timeout_ms);\
		__wait_var_prepare(__b);				\
		while (!(__ok = (condition)))				\
			if (!__wait_var_sleep_deadline(__b, __dl)) {	\
				__ok = (condition);			\
				break;					\
			}						\
		__wait_var_finish(__b);					\
	}								\
	__ok;								\
})

struct completion {
	unsigned int done;
	pthread_mutex_t m;
	pthread_cond_t cond;
};

void init_completion(struct completion *x);
void reinit_completion(struct completion *x);
void destroy_completion(struct completion *x);
void complete(struct completion *x);
void complete_all(struct completion *x);
void wait_for_completion(struct completion *x);
/* Returns 0 on timeout, else a positive number (the kernel's convention). */
unsigned long wait_for_completion_timeout(struct completion *x, unsigned long timeout_ms);
bool try_wait_for_completion(struct completion *x);
bool completion_done(struct completion *x);

/* Monotonic time in nanoseconds. */
unsigned long long ktime_get_ns(void);

#endif /* _ZONEDEV_SYNC_H */
