// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/sync and the RCU glue: what every other part of zonedev builds on.
 *
 * The single-threaded tests pin down return values (which side of the RMW
 * an op returns, what a trylock does to a held lock); the threaded ones
 * check the property a primitive exists for: no lost update under a lock or
 * an atomic, no lost wakeup, a grace period that really waits for readers.
 * Threaded tests print their seed; ZD_SEED=<n> replays one.
 *
 * Helper threads never call cmocka asserts (those longjmp on the thread
 * that runs the test): they count what went wrong and the test asserts on
 * the counts after joining them.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <zonedev/sync.h>
#include <zonedev/rcupdate.h>
#include "zd_test.h"

#define NR_TEST_THREADS		4
/* Long enough for "this cannot have happened yet" to mean something. */
#define NEGATIVE_WAIT_MS	50
/* Bounds a wait that should succeed, so a lost wakeup fails rather than hangs. */
#define POSITIVE_WAIT_MS	10000

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static unsigned long long elapsed_ms(unsigned long long start_ns)
{
	return (ktime_get_ns() - start_ns) / 1000000ULL;
}

/* Per-thread xorshift state, distinct for each thread of one seed. */
static unsigned long thread_rng(unsigned long seed, int i)
{
	return seed ^ ((unsigned long)(i + 1) * 0x9E3779B97F4A7C15UL);
}

/* A short, seeded busy wait: shifts where threads collide. */
static void random_spin(unsigned long *rng, unsigned int max)
{
	unsigned int n = (unsigned int)(zd_rand(rng) % max);

	while (n--)
		cpu_relax();
}

/* ------------------------------------------------------------------ */
/* atomic_t, atomic_long_t                                             */
/* ------------------------------------------------------------------ */

/*
 * The _return ops give the new value, the fetch_ ops the old one; the
 * _and_test ops test the new value for exactly zero.
 */
static void atomic_return_values(void **state)
{
	atomic_t v = ATOMIC_INIT(5);

	(void)state;
	assert_int_equal(atomic_read(&v), 5);
	assert_int_equal(atomic_add_return(3, &v), 8);
	assert_int_equal(atomic_fetch_add(2, &v), 8);
	assert_int_equal(atomic_read(&v), 10);
	assert_int_equal(atomic_sub_return(4, &v), 6);
	assert_int_equal(atomic_fetch_sub(6, &v), 6);
	assert_int_equal(atomic_read(&v), 0);
	assert_int_equal(atomic_inc_return(&v), 1);
	assert_int_equal(atomic_dec_return(&v), 0);
	assert_int_equal(atomic_add_return_relaxed(7, &v), 7);
	assert_int_equal(atomic_fetch_add_relaxed(1, &v), 7);
	assert_int_equal(atomic_read_acquire(&v), 8);

	/* The void ops change the value all the same. */
	atomic_set(&v, 0);
	atomic_inc(&v);
	atomic_add(10, &v);
	atomic_sub(3, &v);
	atomic_dec(&v);
	assert_int_equal(atomic_read(&v), 7);
	atomic_set_release(&v, 2);
	assert_int_equal(atomic_read(&v), 2);

	assert_false(atomic_dec_and_test(&v));		/* 2 -> 1 */
	assert_true(atomic_dec_and_test(&v));		/* 1 -> 0 */
	/* Only zero counts: 0 -> -1 is not a "last reference". */
	assert_false(atomic_dec_and_test(&v));
	assert_int_equal(atomic_read(&v), -1);
	assert_true(atomic_inc_and_test(&v));		/* -1 -> 0 */
	assert_false(atomic_inc_and_test(&v));		/* 0 -> 1 */

	atomic_set(&v, 3);
	assert_false(atomic_sub_and_test(2, &v));
	assert_true(atomic_sub_and_test(1, &v));

	/* Zero is not negative. */
	assert_true(atomic_add_negative(-1, &v));	/* 0 -> -1 */
	assert_false(atomic_add_negative(1, &v));	/* -1 -> 0 */
	assert_false(atomic_add_negative(1, &v));	/* 0 -> 1 */

	assert_int_equal(atomic_xchg(&v, 42), 1);
	assert_int_equal(atomic_read(&v), 42);
	assert_int_equal(atomic_xchg(&v, INT_MIN), 42);
	assert_int_equal(atomic_read(&v), INT_MIN);
}

/*
 * Same contract for atomic_long_t, with values that only fit in 64 bits so
 * a 32-bit slip anywhere in the generator would show.
 */
static void atomic_long_return_values(void **state)
{
	const long big = 1L << 40;
	atomic_long_t v = ATOMIC_LONG_INIT(big);

	(void)state;
	assert_int_equal(atomic_long_read(&v), big);
	assert_int_equal(atomic_long_add_return(big, &v), 2 * big);
	assert_int_equal(atomic_long_fetch_add(1, &v), 2 * big);
	assert_int_equal(atomic_long_read(&v), 2 * big + 1);
	assert_int_equal(atomic_long_sub_return(2 * big, &v), 1);
	assert_int_equal(atomic_long_fetch_sub(1, &v), 1);
	assert_int_equal(atomic_long_inc_return(&v), 1);
	assert_int_equal(atomic_long_dec_return(&v), 0);

	atomic_long_set(&v, big);
	atomic_long_add(big, &v);
	atomic_long_sub(1, &v);
	atomic_long_inc(&v);
	atomic_long_dec(&v);
	assert_int_equal(atomic_long_read(&v), 2 * big - 1);

	/* The low 32 bits are zero here: only a full-width test sees 2^40. */
	atomic_long_set(&v, big + 1);
	assert_false(atomic_long_dec_and_test(&v));
	assert_int_equal(atomic_long_read(&v), big);
	assert_false(atomic_long_sub_and_test(big - 1, &v));
	assert_true(atomic_long_sub_and_test(1, &v));
	assert_false(atomic_long_dec_and_test(&v));
	assert_true(atomic_long_inc_and_test(&v));

	assert_true(atomic_long_add_negative(-big, &v));
	assert_false(atomic_long_add_negative(big, &v));

	assert_int_equal(atomic_long_xchg(&v, LONG_MAX), 0);
	assert_int_equal(atomic_long_xchg(&v, -big), LONG_MAX);
	assert_int_equal(atomic_long_read(&v), -big);
}

/*
 * cmpxchg returns what it found whether or not it swapped; try_cmpxchg
 * returns whether it swapped and, when it did not, hands back what it found
 * through @old so the caller's retry loop needs no second read.
 */
static void atomic_cmpxchg_semantics(void **state)
{
	atomic_t v = ATOMIC_INIT(1);
	atomic_long_t lv = ATOMIC_LONG_INIT(1L << 33);
	long lold;
	int old;

	(void)state;
	assert_int_equal(atomic_cmpxchg(&v, 1, 2), 1);	/* swapped */
	assert_int_equal(atomic_read(&v), 2);
	assert_int_equal(atomic_cmpxchg(&v, 1, 3), 2);	/* not swapped */
	assert_int_equal(atomic_read(&v), 2);

	old = 2;
	assert_true(atomic_try_cmpxchg(&v, &old, 5));
	assert_int_equal(old, 2);			/* untouched on success */
	assert_int_equal(atomic_read(&v), 5);
	old = 2;
	assert_false(atomic_try_cmpxchg(&v, &old, 9));
	assert_int_equal(old, 5);			/* the value found */
	assert_int_equal(atomic_read(&v), 5);
	assert_true(atomic_try_cmpxchg_relaxed(&v, &old, 6));
	assert_int_equal(atomic_read(&v), 6);

	/* A difference only in the high half must make the compare fail. */
	assert_int_equal(atomic_long_cmpxchg(&lv, 1L << 32, 7), 1L << 33);
	assert_int_equal(atomic_long_read(&lv), 1L << 33);
	assert_int_equal(atomic_long_cmpxchg(&lv, 1L << 33, 7), 1L << 33);
	assert_int_equal(atomic_long_read(&lv), 7);
	lold = 8;
	assert_false(atomic_long_try_cmpxchg(&lv, &lold, 9));
	assert_int_equal(lold, 7);
	assert_true(atomic_long_try_cmpxchg(&lv, &lold, 1L << 50));
	assert_int_equal(atomic_long_read(&lv), 1L << 50);
}

/* The add_unless family: the refcount "get unless it already hit zero". */
static void atomic_add_unless_semantics(void **state)
{
	atomic_t v = ATOMIC_INIT(0);
	atomic_long_t lv = ATOMIC_LONG_INIT(0);

	(void)state;
	assert_false(atomic_inc_not_zero(&v));
	assert_int_equal(atomic_read(&v), 0);
	atomic_set(&v, 1);
	assert_true(atomic_inc_not_zero(&v));
	assert_int_equal(atomic_read(&v), 2);

	/* fetch_add_unless returns the old value either way. */
	assert_int_equal(atomic_fetch_add_unless(&v, 5, 2), 2);
	assert_int_equal(atomic_read(&v), 2);
	assert_int_equal(atomic_fetch_add_unless(&v, 5, 3), 2);
	assert_int_equal(atomic_read(&v), 7);
	assert_false(atomic_add_unless(&v, 1, 7));
	assert_true(atomic_add_unless(&v, -7, 0));
	assert_int_equal(atomic_read(&v), 0);

	assert_false(atomic_long_inc_not_zero(&lv));
	assert_int_equal(atomic_long_read(&lv), 0);
	/* 2^32 has zero low bits: "not zero" must look at the whole word. */
	atomic_long_set(&lv, 1L << 32);
	assert_true(atomic_long_inc_not_zero(&lv));
	assert_int_equal(atomic_long_read(&lv), (1L << 32) + 1);
	assert_false(atomic_long_add_unless(&lv, 3, (1L << 32) + 1));
	assert_true(atomic_long_add_unless(&lv, 3, 1));
	assert_int_equal(atomic_long_fetch_add_unless(&lv, 1, 0), (1L << 32) + 4);
	assert_int_equal(atomic_long_read(&lv), (1L << 32) + 5);
}

/*
 * The kernel builds with -fno-strict-overflow, so atomic_t and
 * atomic_long_t arithmetic wraps in two's complement, and code relies on
 * it: percpu_ref's biased count crosses LONG_MAX/LONG_MIN in normal use.
 * Every op must wrap, the cmpxchg-loop ones (add_unless, inc_not_zero)
 * included; under UBSan an op that does its arithmetic in plain signed C
 * aborts here instead.
 */
static void atomic_ops_wrap(void **state)
{
	atomic_t v = ATOMIC_INIT(INT_MAX);
	atomic_long_t lv = ATOMIC_LONG_INIT(LONG_MAX);

	(void)state;
	assert_int_equal(atomic_add_return(1, &v), INT_MIN);
	assert_int_equal(atomic_fetch_sub(1, &v), INT_MIN);
	assert_int_equal(atomic_read(&v), INT_MAX);
	assert_int_equal(atomic_long_inc_return(&lv), LONG_MIN);
	assert_true(atomic_long_add_negative(0, &lv));
	assert_int_equal(atomic_long_dec_return(&lv), LONG_MAX);

	assert_true(atomic_inc_not_zero(&v));
	assert_int_equal(atomic_read(&v), INT_MIN);
	assert_int_equal(atomic_fetch_add_unless(&v, -1, 0), INT_MIN);
	assert_int_equal(atomic_read(&v), INT_MAX);

	assert_true(atomic_long_add_unless(&lv, 1, 0));
	assert_int_equal(atomic_long_read(&lv), LONG_MIN);
	assert_true(atomic_long_inc_not_zero(&lv));
	assert_int_equal(atomic_long_read(&lv), LONG_MIN + 1);
}

/* ------------------------------------------------------------------ */
/* Bit operations                                                      */
/* ------------------------------------------------------------------ */

static void bitops_set_clear(void **state)
{
	unsigned long map[2] = { 0, 0 };

	(void)state;
	set_bit(0, map);
	set_bit(BITS_PER_LONG - 1, map);
	set_bit(BITS_PER_LONG + 6, map);	/* second word, bit 6 */
	assert_int_equal(map[0], 1UL | (1UL << (BITS_PER_LONG - 1)));
	assert_int_equal(map[1], 1UL << 6);
	assert_true(test_bit(0, map));
	assert_true(test_bit(BITS_PER_LONG + 6, map));
	assert_false(test_bit(1, map));
	assert_false(test_bit(6, map));

	set_bit(0, map);			/* idempotent */
	assert_int_equal(map[0], 1UL | (1UL << (BITS_PER_LONG - 1)));
	clear_bit(BITS_PER_LONG - 1, map);
	clear_bit(5, map);			/* clearing a clear bit */
	assert_int_equal(map[0], 1UL);
	clear_bit(BITS_PER_LONG + 6, map);
	assert_int_equal(map[1], 0);

	/* The non-atomic variants have the same effect on an owned word. */
	__set_bit(3, map);
	__set_bit(BITS_PER_LONG + 1, map);
	assert_int_equal(map[0], 1UL | (1UL << 3));
	assert_int_equal(map[1], 1UL << 1);
	__clear_bit(0, map);
	__clear_bit(BITS_PER_LONG + 1, map);
	assert_int_equal(map[0], 1UL << 3);
	assert_int_equal(map[1], 0);
}

/* test_and_ ops return the bit as it was before the operation. */
static void bitops_test_and_modify(void **state)
{
	unsigned long map[2] = { 0, 0 };

	(void)state;
	assert_false(test_and_set_bit(9, map));
	assert_true(test_and_set_bit(9, map));
	assert_true(test_bit(9, map));
	assert_true(test_and_clear_bit(9, map));
	assert_false(test_and_clear_bit(9, map));
	assert_false(test_bit(9, map));

	assert_false(test_and_set_bit(BITS_PER_LONG + 63, map));
	assert_int_equal(map[0], 0);
	assert_int_equal(map[1], 1UL << 63);
	assert_true(test_and_clear_bit(BITS_PER_LONG + 63, map));
	assert_int_equal(map[1], 0);
}

/*
 * The lock-bit pair, and fetch_andnot_release(): an unlock that returns the
 * whole old word, so the caller learns both that it held the lock and what
 * else was set, while only @mask is cleared.
 */
static void bitops_lock_unlock(void **state)
{
	const long lock_bit = 7;
	unsigned long word = 1UL << 2;

	(void)state;
	assert_false(test_and_set_bit_lock(lock_bit, &word));
	/* Contended: the lock bit is already ours. */
	assert_true(test_and_set_bit_lock(lock_bit, &word));
	assert_int_equal(word, (1UL << 2) | (1UL << lock_bit));
	clear_bit_unlock(lock_bit, &word);
	assert_int_equal(word, 1UL << 2);
	assert_false(test_and_set_bit_lock(lock_bit, &word));

	set_bit(40, &word);
	assert_int_equal(fetch_andnot_release(BIT(lock_bit), &word),
			 (1UL << 2) | (1UL << lock_bit) | (1UL << 40));
	assert_int_equal(word, (1UL << 2) | (1UL << 40));
	/* An unlock of a bit nobody held says so. */
	assert_false(fetch_andnot_release(BIT(lock_bit), &word) & BIT(lock_bit));
	/* A multi-bit mask clears exactly those bits. */
	assert_int_equal(fetch_andnot_release(BIT(2) | BIT(40) | BIT(41), &word),
			 (1UL << 2) | (1UL << 40));
	assert_int_equal(word, 0);
}

/* ------------------------------------------------------------------ */
/* spinlock_t, struct mutex                                            */
/* ------------------------------------------------------------------ */

/* Returns (void *)1 if the trylock succeeded (and drops it again). */
static void *spin_trylock_thread(void *arg)
{
	spinlock_t *lock = arg;

	if (!spin_trylock(lock))
		return NULL;
	lockdep_assert_held(lock);
	spin_unlock(lock);
	return (void *)1;
}

static void *mutex_trylock_thread(void *arg)
{
	struct mutex *lock = arg;

	if (!mutex_trylock(lock))
		return NULL;
	lockdep_assert_held(lock);
	mutex_unlock(lock);
	return (void *)1;
}

static bool trylock_from_other_thread(void *(*fn)(void *), void *lock)
{
	struct zd_thread t;

	assert_int_equal(zd_thread_start(&t, fn, lock), 0);
	return zd_thread_join(&t) != NULL;
}

static void spinlock_trylock_semantics(void **state)
{
	DEFINE_SPINLOCK(static_lock);
	spinlock_t lock;

	(void)state;
	spin_lock_init(&lock);
	assert_false(spin_is_locked(&lock));

	spin_lock(&lock);
	assert_true(spin_is_locked(&lock));
	/* Would abort if the owner were not recorded as this thread. */
	lockdep_assert_held(&lock);
	/* A spinlock is not recursive: not even its holder may take it again. */
	assert_false(spin_trylock(&lock));
	assert_false(trylock_from_other_thread(spin_trylock_thread, &lock));
	spin_unlock(&lock);
	assert_false(spin_is_locked(&lock));

	assert_true(trylock_from_other_thread(spin_trylock_thread, &lock));
	assert_false(spin_is_locked(&lock));
	assert_true(spin_trylock(&lock));
	lockdep_assert_held(&lock);
	spin_unlock(&lock);
	spin_lock_destroy(&lock);

	/* The static initializer gives the same, unlocked lock. */
	assert_false(spin_is_locked(&static_lock));
	assert_true(spin_trylock(&static_lock));
	lockdep_assert_held(&static_lock);
	spin_unlock(&static_lock);
}

static void mutex_trylock_semantics(void **state)
{
	DEFINE_MUTEX(static_mutex);
	struct mutex lock;

	(void)state;
	mutex_init(&lock);
	assert_false(mutex_is_locked(&lock));

	mutex_lock(&lock);
	assert_true(mutex_is_locked(&lock));
	lockdep_assert_held(&lock);
	assert_false(mutex_trylock(&lock));
	assert_false(trylock_from_other_thread(mutex_trylock_thread, &lock));
	mutex_unlock(&lock);
	assert_false(mutex_is_locked(&lock));

	assert_true(trylock_from_other_thread(mutex_trylock_thread, &lock));
	assert_true(mutex_trylock(&lock));
	lockdep_assert_held(&lock);
	mutex_unlock(&lock);
	mutex_destroy(&lock);

	assert_true(mutex_trylock(&static_mutex));
	lockdep_assert_held(&static_mutex);
	mutex_unlock(&static_mutex);
}

/* ------------------------------------------------------------------ */
/* rw_semaphore                                                        */
/* ------------------------------------------------------------------ */

struct rwsem_probe {
	struct rw_semaphore *sem;
	bool read_ok;
	bool write_ok;
};

/* What another thread can take right now (dropping whatever it got). */
static void *rwsem_probe_thread(void *arg)
{
	struct rwsem_probe *p = arg;

	p->read_ok = down_read_trylock(p->sem);
	if (p->read_ok)
		up_read(p->sem);
	p->write_ok = down_write_trylock(p->sem);
	if (p->write_ok)
		up_write(p->sem);
	return NULL;
}

static struct rwsem_probe rwsem_probe_other(struct rw_semaphore *sem)
{
	struct rwsem_probe p = { .sem = sem };
	struct zd_thread t;

	assert_int_equal(zd_thread_start(&t, rwsem_probe_thread, &p), 0);
	zd_thread_join(&t);
	return p;
}

static void rwsem_readers_share_writer_excludes(void **state)
{
	struct rw_semaphore sem;
	struct rwsem_probe p;

	(void)state;
	init_rwsem(&sem);
	assert_false(rwsem_is_locked(&sem));

	down_read(&sem);
	assert_true(down_read_trylock(&sem));	/* readers share */
	assert_true(rwsem_is_locked(&sem));
	assert_false(rwsem_is_write_locked(&sem));
	assert_false(down_write_trylock(&sem));
	p = rwsem_probe_other(&sem);
	assert_true(p.read_ok);
	assert_false(p.write_ok);
	up_read(&sem);
	/* One reader left is still enough to keep a writer out. */
	assert_false(down_write_trylock(&sem));
	up_read(&sem);
	assert_false(rwsem_is_locked(&sem));

	down_write(&sem);
	lockdep_assert_held_write(&sem);
	assert_true(rwsem_is_locked(&sem));
	assert_true(rwsem_is_write_locked(&sem));
	assert_false(down_read_trylock(&sem));
	assert_false(down_write_trylock(&sem));
	p = rwsem_probe_other(&sem);
	assert_false(p.read_ok);
	assert_false(p.write_ok);
	up_write(&sem);
	assert_false(rwsem_is_locked(&sem));

	assert_true(down_write_trylock(&sem));
	lockdep_assert_held_write(&sem);
	up_write(&sem);
	p = rwsem_probe_other(&sem);
	assert_true(p.read_ok);
	assert_true(p.write_ok);
	destroy_rwsem(&sem);
}

/*
 * downgrade_write() turns the write hold into a read hold without a window
 * in which another writer could get in: readers may join at once, writers
 * still wait for the (former) writer's up_read().
 */
static void rwsem_downgrade_write(void **state)
{
	struct rw_semaphore sem;
	struct rwsem_probe p;

	(void)state;
	init_rwsem(&sem);
	down_write(&sem);
	downgrade_write(&sem);
	assert_true(rwsem_is_locked(&sem));
	assert_false(rwsem_is_write_locked(&sem));
	p = rwsem_probe_other(&sem);
	assert_true(p.read_ok);
	assert_false(p.write_ok);
	assert_true(down_read_trylock(&sem));
	up_read(&sem);
	assert_false(down_write_trylock(&sem));
	up_read(&sem);		/* the downgraded hold */
	assert_false(rwsem_is_locked(&sem));
	assert_true(down_write_trylock(&sem));
	up_write(&sem);
	destroy_rwsem(&sem);
}

struct rwsem_writer {
	struct zd_thread t;
	struct rw_semaphore *sem;
	int acquired;
};

static void *rwsem_writer_thread(void *arg)
{
	struct rwsem_writer *w = arg;

	down_write(w->sem);
	smp_store_release(&w->acquired, 1);
	up_write(w->sem);
	return NULL;
}

/*
 * The rwsem prefers writers: once a writer waits, new readers (trylock
 * included) stay out, so a stream of readers cannot starve it.
 */
static void rwsem_waiting_writer_blocks_readers(void **state)
{
	unsigned long long start = ktime_get_ns();
	struct rw_semaphore sem;
	struct rwsem_writer w = { .sem = &sem };
	bool queued = false;

	(void)state;
	init_rwsem(&sem);
	down_read(&sem);
	assert_int_equal(zd_thread_start(&w.t, rwsem_writer_thread, &w), 0);

	/*
	 * With our read hold in place the writer can only be queued, and a
	 * read trylock fails exactly when it is.
	 */
	while (elapsed_ms(start) < POSITIVE_WAIT_MS) {
		if (!down_read_trylock(&sem)) {
			queued = true;
			break;
		}
		up_read(&sem);
		sleep_ms(1);
	}
	assert_true(queued);
	assert_false(smp_load_acquire(&w.acquired));
	assert_false(down_write_trylock(&sem));

	up_read(&sem);
	zd_thread_join(&w.t);
	assert_true(smp_load_acquire(&w.acquired));
	assert_false(rwsem_is_locked(&sem));
	destroy_rwsem(&sem);
}

/* ------------------------------------------------------------------ */
/* Completions                                                         */
/* ------------------------------------------------------------------ */

/* complete() releases exactly one wait; completions count. */
static void completion_counts(void **state)
{
	struct completion done;

	(void)state;
	init_completion(&done);
	assert_false(completion_done(&done));
	assert_false(try_wait_for_completion(&done));

	complete(&done);
	assert_true(completion_done(&done));	/* does not consume */
	assert_true(completion_done(&done));
	assert_true(try_wait_for_completion(&done));
	assert_false(try_wait_for_completion(&done));
	assert_false(completion_done(&done));

	complete(&done);
	complete(&done);
	wait_for_completion(&done);		/* must not block */
	assert_true(try_wait_for_completion(&done));
	assert_false(try_wait_for_completion(&done));

	complete(&done);
	reinit_completion(&done);
	assert_false(completion_done(&done));
	assert_false(try_wait_for_completion(&done));
	destroy_completion(&done);
}

/* complete_all() satisfies every wait until reinit_completion(). */
static void completion_all(void **state)
{
	struct completion done;
	int i;

	(void)state;
	init_completion(&done);
	complete_all(&done);
	for (i = 0; i < 100; i++) {
		wait_for_completion(&done);
		assert_true(try_wait_for_completion(&done));
	}
	assert_int_not_equal(wait_for_completion_timeout(&done, 0), 0);
	complete(&done);		/* no effect on a completed-for-all */
	assert_true(completion_done(&done));
	reinit_completion(&done);
	assert_false(try_wait_for_completion(&done));
	destroy_completion(&done);
}

/* Returns 0 on timeout, a positive number when completed (kernel style). */
static void completion_timeout(void **state)
{
	unsigned long long start;
	struct completion done;
	unsigned long left;

	(void)state;
	init_completion(&done);
	start = ktime_get_ns();
	assert_int_equal(wait_for_completion_timeout(&done, NEGATIVE_WAIT_MS), 0);
	assert_true(elapsed_ms(start) >= NEGATIVE_WAIT_MS);
	assert_int_equal(wait_for_completion_timeout(&done, 0), 0);

	complete(&done);
	left = wait_for_completion_timeout(&done, 5000);
	assert_true(left > 0 && left <= 5000);
	assert_false(completion_done(&done));	/* consumed */

	/* Already complete and no time to wait: still success, at least 1. */
	complete(&done);
	assert_int_equal(wait_for_completion_timeout(&done, 0), 1);
	destroy_completion(&done);
}

struct completer {
	struct zd_thread t;
	struct completion *done;
	int payload;
};

static void *completer_thread(void *arg)
{
	struct completer *c = arg;

	sleep_ms(10);
	c->payload = 42;	/* plain: complete() must publish it */
	complete(c->done);
	return NULL;
}

static void completion_cross_thread(void **state)
{
	struct completion done;
	struct completer c = { .done = &done };

	(void)state;
	init_completion(&done);
	assert_int_equal(zd_thread_start(&c.t, completer_thread, &c), 0);
	assert_int_not_equal(wait_for_completion_timeout(&done, POSITIVE_WAIT_MS), 0);
	assert_int_equal(c.payload, 42);
	zd_thread_join(&c.t);

	c.payload = 0;
	assert_int_equal(zd_thread_start(&c.t, completer_thread, &c), 0);
	wait_for_completion(&done);
	assert_int_equal(c.payload, 42);
	zd_thread_join(&c.t);
	destroy_completion(&done);
}

/* ------------------------------------------------------------------ */
/* wait_var_event / wake_up_var                                        */
/* ------------------------------------------------------------------ */

struct var_waiter {
	struct zd_thread t;
	int flag;		/* the condition */
	int payload;		/* written before the flag is set */
	int seen;		/* payload as the waiter saw it */
	int woke;		/* the waiter has returned from the wait */
};

static void *var_waiter_thread(void *arg)
{
	struct var_waiter *w = arg;

	wait_var_event(&w->flag, smp_load_acquire(&w->flag));
	w->seen = w->payload;
	smp_store_release(&w->woke, 1);
	return NULL;
}

/*
 * A thread sleeps in wait_var_event() until another sets the flag and calls
 * wake_up_var().  A wake-up with the condition still false must send it
 * back to sleep: the macro rechecks, it does not trust the wake-up.
 */
static void wait_var_event_cross_thread(void **state)
{
	struct var_waiter w = { 0 };
	struct wait_var_bucket *b = __var_waitqueue(&w.flag);
	int before = atomic_read(&b->waiters);
	unsigned long long start = ktime_get_ns();

	(void)state;
	assert_int_equal(zd_thread_start(&w.t, var_waiter_thread, &w), 0);

	/*
	 * Wait until the waiter is registered on the bucket, so both wakes
	 * below meet a sleeper rather than racing its first check.
	 */
	while (atomic_read(&b->waiters) <= before && elapsed_ms(start) < POSITIVE_WAIT_MS)
		sleep_ms(1);
	assert_true(atomic_read(&b->waiters) > before);

	wake_up_var(&w.flag);			/* spurious: flag still 0 */
	sleep_ms(NEGATIVE_WAIT_MS);
	assert_false(smp_load_acquire(&w.woke));

	w.payload = 42;
	smp_store_release(&w.flag, 1);
	wake_up_var(&w.flag);
	zd_thread_join(&w.t);
	assert_true(w.woke);
	assert_int_equal(w.seen, 42);
	assert_int_equal(atomic_read(&b->waiters), before);
}

struct var_setter {
	struct zd_thread t;
	int flag;
};

static void *var_setter_thread(void *arg)
{
	struct var_setter *s = arg;

	sleep_ms(10);
	smp_store_release(&s->flag, 1);
	wake_up_var(&s->flag);
	return NULL;
}

static void wait_var_event_timeout_semantics(void **state)
{
	struct var_setter s = { .flag = 0 };
	unsigned long long start;
	bool ok;

	(void)state;
	/* Never true: false, and only after the whole timeout. */
	start = ktime_get_ns();
	ok = wait_var_event_timeout(&s.flag, smp_load_acquire(&s.flag), NEGATIVE_WAIT_MS);
	assert_false(ok);
	assert_true(elapsed_ms(start) >= NEGATIVE_WAIT_MS);
	assert_false(wait_var_event_timeout(&s.flag, smp_load_acquire(&s.flag), 0));

	/* Made true by another thread: true, long before the timeout. */
	start = ktime_get_ns();
	assert_int_equal(zd_thread_start(&s.t, var_setter_thread, &s), 0);
	ok = wait_var_event_timeout(&s.flag, smp_load_acquire(&s.flag), POSITIVE_WAIT_MS);
	assert_true(ok);
	assert_true(elapsed_ms(start) < POSITIVE_WAIT_MS);
	zd_thread_join(&s.t);

	/* Already true: true even with no time to wait. */
	assert_true(wait_var_event_timeout(&s.flag, smp_load_acquire(&s.flag), 0));
}

#define PING_PONG_ROUNDS	2000

struct ping_pong {
	int turn;		/* even: player 0 moves, odd: player 1 */
	int stop;		/* a player timed out: both give up */
	unsigned long seed;
};

struct player {
	struct zd_thread t;
	struct ping_pong *pp;
	int me;
	int lost_wakeups;
};

static void *player_thread(void *arg)
{
	struct player *p = arg;
	struct ping_pong *pp = p->pp;
	unsigned long rng = thread_rng(pp->seed, p->me);
	int turn;

	for (turn = p->me; turn < PING_PONG_ROUNDS; turn += 2) {
		if (!wait_var_event_timeout(&pp->turn,
					    smp_load_acquire(&pp->turn) == turn ||
					    READ_ONCE(pp->stop), POSITIVE_WAIT_MS) ||
		    READ_ONCE(pp->stop)) {
			p->lost_wakeups++;
			WRITE_ONCE(pp->stop, 1);
			wake_up_var(&pp->turn);
			break;
		}
		/* Vary whether the other player is already asleep. */
		random_spin(&rng, 2000);
		smp_store_release(&pp->turn, turn + 1);
		wake_up_var(&pp->turn);
	}
	return NULL;
}

/*
 * Two threads hand a turn back and forth through wait_var_event() and
 * wake_up_var() on one word.  A single lost wakeup stalls the exchange;
 * the bounded wait turns that into a failure instead of a hang.
 */
static void wait_var_event_ping_pong(void **state)
{
	struct ping_pong pp = { .turn = 0, .seed = zd_test_seed() };
	struct player p[2];
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		p[i] = (struct player){ .pp = &pp, .me = i };
		assert_int_equal(zd_thread_start(&p[i].t, player_thread, &p[i]), 0);
	}
	for (i = 0; i < 2; i++)
		zd_thread_join(&p[i].t);
	assert_int_equal(p[0].lost_wakeups + p[1].lost_wakeups, 0);
	assert_int_equal(pp.turn, PING_PONG_ROUNDS);
}

/* ------------------------------------------------------------------ */
/* Threads and simulated CPUs                                          */
/* ------------------------------------------------------------------ */

static void *report_cpu_thread(void *arg)
{
	(void)arg;
	return (void *)(unsigned long)smp_processor_id();
}

static void *set_cpu_thread(void *arg)
{
	unsigned int cpu = (unsigned int)(unsigned long)arg;

	zd_thread_set_cpu(cpu);
	return (void *)(unsigned long)smp_processor_id();
}

static void smp_processor_id_and_set_cpu(void **state)
{
	unsigned int n = nr_cpu_ids, cpu, mine;
	unsigned long seen = 0;
	struct zd_thread t;

	(void)state;
	assert_true(n >= 1 && n <= NR_CPUS);
	mine = smp_processor_id();
	assert_true(mine < n);
	assert_int_equal(smp_processor_id(), mine);	/* never migrated */
	assert_int_equal(raw_smp_processor_id(), mine);

	for (cpu = 0; cpu < n; cpu++) {
		zd_thread_set_cpu(cpu);
		assert_int_equal(smp_processor_id(), cpu);
	}
	/* An out-of-range request still lands on a valid CPU. */
	zd_thread_set_cpu(n + 1);
	assert_true(smp_processor_id() < n);
	zd_thread_set_cpu(mine);

	/*
	 * Fresh threads are dealt out round-robin, so n of them in a row
	 * cover every CPU.
	 */
	for (cpu = 0; cpu < n; cpu++) {
		unsigned long got;

		assert_int_equal(zd_thread_start(&t, report_cpu_thread, NULL), 0);
		got = (unsigned long)zd_thread_join(&t);
		assert_true(got < n);
		seen |= 1UL << got;
	}
	assert_int_equal(seen, n == BITS_PER_LONG ? ~0UL : (1UL << n) - 1);

	/* The CPU is per thread: another thread's choice leaves ours alone. */
	assert_int_equal(zd_thread_start(&t, set_cpu_thread,
					 (void *)(unsigned long)((mine + 1) % n)), 0);
	assert_int_equal((unsigned long)zd_thread_join(&t), (mine + 1) % n);
	assert_int_equal(smp_processor_id(), mine);
}

static void *thread_id_thread(void *arg)
{
	unsigned int *id = arg;

	*id = current_thread_id();
	return arg;
}

/* zd_thread_join() hands back the thread function's return value. */
static void thread_join_returns_value(void **state)
{
	unsigned int other = 0;
	struct zd_thread t;

	(void)state;
	assert_int_equal(zd_thread_start(&t, thread_id_thread, &other), 0);
	assert_ptr_equal(zd_thread_join(&t), &other);
	assert_ptr_equal(t.ret, &other);
	assert_int_not_equal(other, 0);
	assert_int_not_equal(current_thread_id(), 0);
	assert_int_not_equal(other, current_thread_id());
	assert_int_equal(current_thread_id(), current_thread_id());
}

/* ------------------------------------------------------------------ */
/* RCU                                                                 */
/* ------------------------------------------------------------------ */

static void rcu_read_lock_nesting(void **state)
{
	(void)state;
	assert_false(rcu_read_lock_held());
	rcu_read_lock();
	assert_true(rcu_read_lock_held());
	rcu_read_lock();
	rcu_read_unlock();
	/* The outer section is still open. */
	assert_true(rcu_read_lock_held());
	rcu_read_unlock();
	assert_false(rcu_read_lock_held());
	synchronize_rcu();	/* outside any section: must not abort */
}

/*
 * A thread that parks inside a read-side section until told to leave.  It
 * sets @left before rcu_read_unlock(), so whoever observes @left clear
 * after a grace period has caught RCU not waiting for it.
 */
struct rcu_reader {
	struct zd_thread t;
	int inside;
	int leave;
	int left;
};

static void *rcu_reader_thread(void *arg)
{
	struct rcu_reader *r = arg;

	rcu_read_lock();
	smp_store_release(&r->inside, 1);
	wake_up_var(&r->inside);
	wait_var_event(&r->leave, smp_load_acquire(&r->leave));
	WRITE_ONCE(r->left, 1);
	rcu_read_unlock();
	return NULL;
}

static void rcu_reader_start(struct rcu_reader *r)
{
	*r = (struct rcu_reader){ 0 };
	assert_int_equal(zd_thread_start(&r->t, rcu_reader_thread, r), 0);
	assert_true(wait_var_event_timeout(&r->inside, smp_load_acquire(&r->inside),
					   POSITIVE_WAIT_MS));
}

static void rcu_reader_release(struct rcu_reader *r)
{
	smp_store_release(&r->leave, 1);
	wake_up_var(&r->leave);
}

struct rcu_syncer {
	struct zd_thread t;
	struct rcu_reader *reader;
	int done;
	int reader_had_left;
};

static void *rcu_syncer_thread(void *arg)
{
	struct rcu_syncer *s = arg;

	synchronize_rcu();
	s->reader_had_left = READ_ONCE(s->reader->left);
	smp_store_release(&s->done, 1);
	wake_up_var(&s->done);
	return NULL;
}

/*
 * synchronize_rcu() called while a reader is inside rcu_read_lock() must
 * not return until that reader has left its section.
 */
static void synchronize_rcu_waits_for_reader(void **state)
{
	struct rcu_reader r;
	struct rcu_syncer s = { .reader = &r };

	(void)state;
	rcu_reader_start(&r);
	assert_int_equal(zd_thread_start(&s.t, rcu_syncer_thread, &s), 0);

	assert_false(wait_var_event_timeout(&s.done, smp_load_acquire(&s.done),
					    NEGATIVE_WAIT_MS));
	rcu_reader_release(&r);
	assert_true(wait_var_event_timeout(&s.done, smp_load_acquire(&s.done),
					   POSITIVE_WAIT_MS));
	zd_thread_join(&s.t);
	zd_thread_join(&r.t);
	assert_true(s.reader_had_left);
}

struct gp_callback {
	struct rcu_head rcu;
	struct rcu_reader *reader;
	int ran;
	int reader_had_left;
};

static void gp_callback_fn(struct rcu_head *head)
{
	struct gp_callback *c = container_of(head, struct gp_callback, rcu);

	c->reader_had_left = READ_ONCE(c->reader->left);
	smp_store_release(&c->ran, 1);
	wake_up_var(&c->ran);
}

/*
 * call_rcu() never runs its callback in place, and not before every reader
 * that was inside a read-side section at the call has left it;
 * rcu_barrier() returns only once the callback has run.
 */
static void call_rcu_after_grace_period(void **state)
{
	struct rcu_reader r;
	struct gp_callback c = { .reader = &r };

	(void)state;
	rcu_reader_start(&r);
	call_rcu(&c.rcu, gp_callback_fn);
	assert_false(wait_var_event_timeout(&c.ran, smp_load_acquire(&c.ran),
					    NEGATIVE_WAIT_MS));
	rcu_reader_release(&r);
	rcu_barrier();
	assert_true(smp_load_acquire(&c.ran));
	assert_true(c.reader_had_left);
	zd_thread_join(&r.t);
}

#define BARRIER_CALLBACKS	64

struct barrier_cb {
	struct rcu_head rcu;
	atomic_t *ran;
};

static void barrier_cb_fn(struct rcu_head *head)
{
	struct barrier_cb *b = container_of(head, struct barrier_cb, rcu);

	atomic_inc(b->ran);
}

struct barrier_queuer {
	struct zd_thread t;
	struct barrier_cb cbs[BARRIER_CALLBACKS];
	atomic_t *ran;
	unsigned long rng;
};

static void *barrier_queuer_thread(void *arg)
{
	struct barrier_queuer *q = arg;
	int i;

	for (i = 0; i < BARRIER_CALLBACKS; i++) {
		q->cbs[i].ran = q->ran;
		call_rcu(&q->cbs[i].rcu, barrier_cb_fn);
		/* Spread the callbacks over several of the worker's batches. */
		random_spin(&q->rng, 5000);
	}
	return NULL;
}

/*
 * rcu_barrier() waits for every callback queued before it, whichever
 * thread queued it and however the worker batched them.
 */
static void rcu_barrier_waits_for_callbacks(void **state)
{
	struct barrier_queuer q[NR_TEST_THREADS];
	unsigned long seed = zd_test_seed();
	atomic_t ran = ATOMIC_INIT(0);
	int i, rounds;

	(void)state;
	for (rounds = 0; rounds < 3; rounds++) {
		for (i = 0; i < NR_TEST_THREADS; i++) {
			q[i].ran = &ran;
			q[i].rng = thread_rng(seed + rounds, i);
			assert_int_equal(zd_thread_start(&q[i].t, barrier_queuer_thread,
							 &q[i]), 0);
		}
		for (i = 0; i < NR_TEST_THREADS; i++)
			zd_thread_join(&q[i].t);
		rcu_barrier();
		assert_int_equal(atomic_read(&ran),
				 (rounds + 1) * NR_TEST_THREADS * BARRIER_CALLBACKS);
	}
	/* Nothing queued: returns at once. */
	rcu_barrier();
	assert_int_equal(atomic_read(&ran), 3 * NR_TEST_THREADS * BARRIER_CALLBACKS);
}

/* ------------------------------------------------------------------ */
/* Locks and atomics under contention                                  */
/* ------------------------------------------------------------------ */

#define LOCK_ITERS	20000

struct lock_stress {
	spinlock_t spin;
	struct mutex mutex;
	unsigned long spin_count;	/* plain: protected by spin */
	unsigned long mutex_count;	/* plain: protected by mutex */
	int spin_inside;		/* holders right now; must be 0 or 1 */
	int mutex_inside;
	unsigned long seed;
};

struct lock_worker {
	struct zd_thread t;
	struct lock_stress *ls;
	int id;
	unsigned long overlaps;		/* saw another holder inside */
	unsigned long trylock_wins;
};

static void *lock_worker_thread(void *arg)
{
	struct lock_worker *w = arg;
	struct lock_stress *ls = w->ls;
	unsigned long rng = thread_rng(ls->seed, w->id);
	int i;

	for (i = 0; i < LOCK_ITERS; i++) {
		unsigned long r = zd_rand(&rng);

		if (r & 1) {
			if ((r & 2) && spin_trylock(&ls->spin))
				w->trylock_wins++;
			else
				spin_lock(&ls->spin);
			lockdep_assert_held(&ls->spin);
			if (ls->spin_inside++)
				w->overlaps++;
			ls->spin_count++;
			random_spin(&rng, 50);
			ls->spin_inside--;
			spin_unlock(&ls->spin);
		} else {
			if ((r & 2) && mutex_trylock(&ls->mutex))
				w->trylock_wins++;
			else
				mutex_lock(&ls->mutex);
			lockdep_assert_held(&ls->mutex);
			if (ls->mutex_inside++)
				w->overlaps++;
			ls->mutex_count++;
			random_spin(&rng, 50);
			ls->mutex_inside--;
			mutex_unlock(&ls->mutex);
		}
	}
	return NULL;
}

/*
 * Several threads bump plain counters under a spinlock and a mutex, each
 * picking lock or trylock at random.  A lock that ever let two holders in
 * shows as an overlap or as a lost increment (and, under TSan, as a race
 * on the plain counters).
 */
static void lock_stress_no_lost_updates(void **state)
{
	struct lock_stress ls = { .seed = zd_test_seed() };
	struct lock_worker w[NR_TEST_THREADS];
	unsigned long overlaps = 0;
	int i;

	(void)state;
	spin_lock_init(&ls.spin);
	mutex_init(&ls.mutex);
	for (i = 0; i < NR_TEST_THREADS; i++) {
		w[i] = (struct lock_worker){ .ls = &ls, .id = i };
		assert_int_equal(zd_thread_start(&w[i].t, lock_worker_thread, &w[i]), 0);
	}
	for (i = 0; i < NR_TEST_THREADS; i++) {
		zd_thread_join(&w[i].t);
		overlaps += w[i].overlaps;
	}
	assert_int_equal(overlaps, 0);
	assert_int_equal(ls.spin_count + ls.mutex_count,
			 (unsigned long)NR_TEST_THREADS * LOCK_ITERS);
	assert_false(spin_is_locked(&ls.spin));
	assert_false(mutex_is_locked(&ls.mutex));
	spin_lock_destroy(&ls.spin);
	mutex_destroy(&ls.mutex);
}

#define ATOMIC_ITERS	20000
#define NR_TICKETS	(NR_TEST_THREADS * ATOMIC_ITERS)

struct atomic_stress {
	atomic_t sum;
	atomic_long_t lsum;
	atomic_long_t cas_sum;		/* advanced by try_cmpxchg loops only */
	atomic_t live;			/* a refcount that never drops to zero */
	atomic_long_t ticket;
	unsigned long tickets[BITS_TO_LONGS(NR_TICKETS)];
	unsigned long seed;
};

struct atomic_worker {
	struct zd_thread t;
	struct atomic_stress *as;
	int id;
	long added;			/* what this thread added to each sum */
	unsigned long errors;
};

static void *atomic_worker_thread(void *arg)
{
	struct atomic_worker *w = arg;
	struct atomic_stress *as = w->as;
	unsigned long rng = thread_rng(as->seed, w->id);
	int i;

	for (i = 0; i < ATOMIC_ITERS; i++) {
		int k = (int)(zd_rand(&rng) % 16) + 1;
		long old, t;

		/* Value-returning ops must return distinct points of one history. */
		switch (zd_rand(&rng) % 3) {
		case 0:
			if (atomic_add_return(k, &as->sum) < k)
				w->errors++;
			break;
		case 1:
			if (atomic_fetch_add(k, &as->sum) < 0)
				w->errors++;
			break;
		default:
			atomic_add(k, &as->sum);
			break;
		}
		atomic_long_add((long)k << 33, &as->lsum);

		old = atomic_long_read(&as->cas_sum);
		while (!atomic_long_try_cmpxchg(&as->cas_sum, &old, old + k))
			;
		w->added += k;

		/* The count never reaches 0, so every inc_not_zero succeeds. */
		if (!atomic_inc_not_zero(&as->live))
			w->errors++;
		if (atomic_dec_and_test(&as->live))
			w->errors++;

		/* Every ticket is handed out exactly once. */
		t = atomic_long_inc_return(&as->ticket) - 1;
		if (t < 0 || t >= NR_TICKETS || test_and_set_bit(t, as->tickets))
			w->errors++;
	}
	return NULL;
}

static void atomic_stress_no_lost_updates(void **state)
{
	struct atomic_stress *as = calloc(1, sizeof(*as));
	struct atomic_worker w[NR_TEST_THREADS];
	long added = 0;
	unsigned long errors = 0;
	int i;

	(void)state;
	assert_non_null(as);
	as->seed = zd_test_seed();
	atomic_set(&as->live, 1);
	for (i = 0; i < NR_TEST_THREADS; i++) {
		w[i] = (struct atomic_worker){ .as = as, .id = i };
		assert_int_equal(zd_thread_start(&w[i].t, atomic_worker_thread, &w[i]), 0);
	}
	for (i = 0; i < NR_TEST_THREADS; i++) {
		zd_thread_join(&w[i].t);
		added += w[i].added;
		errors += w[i].errors;
	}
	assert_int_equal(errors, 0);
	assert_int_equal(atomic_read(&as->sum), added);
	assert_int_equal(atomic_long_read(&as->lsum), added << 33);
	assert_int_equal(atomic_long_read(&as->cas_sum), added);
	assert_int_equal(atomic_read(&as->live), 1);
	assert_int_equal(atomic_long_read(&as->ticket), NR_TICKETS);
	for (i = 0; i < (int)ARRAY_SIZE(as->tickets); i++)
		assert_int_equal(as->tickets[i], ~0UL);
	free(as);
}

#define BIT_ITERS	20000
#define BIT_LOCK	63

struct bit_stress {
	unsigned long shared;		/* each thread owns bit id and bit id + 8 */
	unsigned long lock_word;	/* BIT_LOCK is a bit spinlock */
	unsigned long locked_count;	/* plain: protected by the bit lock */
	unsigned long seed;
};

struct bit_worker {
	struct zd_thread t;
	struct bit_stress *bs;
	int id;
	unsigned long errors;
};

static void *bit_worker_thread(void *arg)
{
	struct bit_worker *w = arg;
	struct bit_stress *bs = w->bs;
	unsigned long rng = thread_rng(bs->seed, w->id);
	long mine = w->id, mine2 = w->id + 8;
	int i;

	for (i = 0; i < BIT_ITERS; i++) {
		/*
		 * Other threads flip their own bits of the same word all the
		 * while; a non-atomic RMW anywhere would lose one of ours.
		 */
		if (test_and_set_bit(mine, &bs->shared))
			w->errors++;
		set_bit(mine2, &bs->shared);
		if (!test_bit(mine, &bs->shared) || !test_bit(mine2, &bs->shared))
			w->errors++;
		clear_bit(mine2, &bs->shared);
		if (!test_and_clear_bit(mine, &bs->shared))
			w->errors++;

		while (test_and_set_bit_lock(BIT_LOCK, &bs->lock_word))
			cpu_relax();
		bs->locked_count++;
		random_spin(&rng, 20);
		if (zd_rand(&rng) & 1) {
			clear_bit_unlock(BIT_LOCK, &bs->lock_word);
		} else if (!(fetch_andnot_release(BIT(BIT_LOCK), &bs->lock_word) &
			     BIT(BIT_LOCK))) {
			w->errors++;	/* we held it: the old word must say so */
		}
	}
	return NULL;
}

static void bitops_stress_no_lost_updates(void **state)
{
	struct bit_stress bs = { .seed = zd_test_seed() };
	struct bit_worker w[NR_TEST_THREADS];
	unsigned long errors = 0;
	int i;

	(void)state;
	for (i = 0; i < NR_TEST_THREADS; i++) {
		w[i] = (struct bit_worker){ .bs = &bs, .id = i };
		assert_int_equal(zd_thread_start(&w[i].t, bit_worker_thread, &w[i]), 0);
	}
	for (i = 0; i < NR_TEST_THREADS; i++) {
		zd_thread_join(&w[i].t);
		errors += w[i].errors;
	}
	assert_int_equal(errors, 0);
	assert_int_equal(bs.shared, 0);
	assert_int_equal(bs.lock_word, 0);
	assert_int_equal(bs.locked_count, (unsigned long)NR_TEST_THREADS * BIT_ITERS);
}

#define RWSEM_ITERS	5000

struct rwsem_stress {
	struct rw_semaphore sem;
	atomic_t readers;		/* inside with a read hold */
	atomic_t writers;		/* inside with a write hold */
	unsigned long a, b;		/* plain; a == b outside a write hold */
	unsigned long seed;
};

struct rwsem_worker {
	struct zd_thread t;
	struct rwsem_stress *rs;
	int id;
	unsigned long writes;
	unsigned long errors;
};

static void rwsem_stress_read_side(struct rwsem_stress *rs, struct rwsem_worker *w,
				   unsigned long *rng)
{
	atomic_inc(&rs->readers);
	if (atomic_read(&rs->writers))
		w->errors++;
	if (rs->a != rs->b)
		w->errors++;	/* saw half a write */
	random_spin(rng, 50);
	atomic_dec(&rs->readers);
}

static void *rwsem_worker_thread(void *arg)
{
	struct rwsem_worker *w = arg;
	struct rwsem_stress *rs = w->rs;
	unsigned long rng = thread_rng(rs->seed, w->id);
	int i;

	for (i = 0; i < RWSEM_ITERS; i++) {
		switch (zd_rand(&rng) % 6) {
		case 0:			/* write, then keep reading */
			down_write(&rs->sem);
			if (atomic_inc_return(&rs->writers) != 1 ||
			    atomic_read(&rs->readers))
				w->errors++;
			rs->a++;
			random_spin(&rng, 50);
			rs->b++;
			w->writes++;
			atomic_dec(&rs->writers);
			downgrade_write(&rs->sem);
			rwsem_stress_read_side(rs, w, &rng);
			up_read(&rs->sem);
			break;
		case 1:
			if (!down_write_trylock(&rs->sem))
				break;
			lockdep_assert_held_write(&rs->sem);
			if (atomic_inc_return(&rs->writers) != 1 ||
			    atomic_read(&rs->readers))
				w->errors++;
			rs->a++;
			rs->b++;
			w->writes++;
			atomic_dec(&rs->writers);
			up_write(&rs->sem);
			break;
		case 2:
			if (!down_read_trylock(&rs->sem))
				break;
			rwsem_stress_read_side(rs, w, &rng);
			up_read(&rs->sem);
			break;
		default:
			down_read(&rs->sem);
			rwsem_stress_read_side(rs, w, &rng);
			up_read(&rs->sem);
			break;
		}
	}
	return NULL;
}

/*
 * Readers and writers (some downgrading) on one rwsem: a writer is always
 * alone, readers never see a half-done write, and no write is lost.
 */
static void rwsem_stress_exclusion(void **state)
{
	struct rwsem_stress rs = { .seed = zd_test_seed() };
	struct rwsem_worker w[NR_TEST_THREADS];
	unsigned long errors = 0, writes = 0;
	int i;

	(void)state;
	init_rwsem(&rs.sem);
	for (i = 0; i < NR_TEST_THREADS; i++) {
		w[i] = (struct rwsem_worker){ .rs = &rs, .id = i };
		assert_int_equal(zd_thread_start(&w[i].t, rwsem_worker_thread, &w[i]), 0);
	}
	for (i = 0; i < NR_TEST_THREADS; i++) {
		zd_thread_join(&w[i].t);
		errors += w[i].errors;
		writes += w[i].writes;
	}
	assert_int_equal(errors, 0);
	assert_true(writes > 0);
	assert_int_equal(rs.a, writes);
	assert_int_equal(rs.b, writes);
	assert_false(rwsem_is_locked(&rs.sem));
	destroy_rwsem(&rs.sem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ZD_TEST_PLAIN(atomic_return_values),
		ZD_TEST_PLAIN(atomic_long_return_values),
		ZD_TEST_PLAIN(atomic_cmpxchg_semantics),
		ZD_TEST_PLAIN(atomic_add_unless_semantics),
		ZD_TEST_PLAIN(bitops_set_clear),
		ZD_TEST_PLAIN(bitops_test_and_modify),
		ZD_TEST_PLAIN(bitops_lock_unlock),
		ZD_TEST_PLAIN(spinlock_trylock_semantics),
		ZD_TEST_PLAIN(mutex_trylock_semantics),
		ZD_TEST_PLAIN(rwsem_readers_share_writer_excludes),
		ZD_TEST_PLAIN(rwsem_downgrade_write),
		ZD_TEST_PLAIN(rwsem_waiting_writer_blocks_readers),
		ZD_TEST_PLAIN(completion_counts),
		ZD_TEST_PLAIN(completion_all),
		ZD_TEST_PLAIN(completion_timeout),
		ZD_TEST_PLAIN(completion_cross_thread),
		ZD_TEST_PLAIN(wait_var_event_cross_thread),
		ZD_TEST_PLAIN(wait_var_event_timeout_semantics),
		ZD_TEST_PLAIN(wait_var_event_ping_pong),
		ZD_TEST_PLAIN(smp_processor_id_and_set_cpu),
		ZD_TEST_PLAIN(thread_join_returns_value),
		ZD_TEST_PLAIN(rcu_read_lock_nesting),
		ZD_TEST_PLAIN(synchronize_rcu_waits_for_reader),
		ZD_TEST_PLAIN(call_rcu_after_grace_period),
		ZD_TEST_PLAIN(rcu_barrier_waits_for_callbacks),
		ZD_TEST_PLAIN(lock_stress_no_lost_updates),
		ZD_TEST_PLAIN(atomic_stress_no_lost_updates),
		ZD_TEST_PLAIN(bitops_stress_no_lost_updates),
		ZD_TEST_PLAIN(rwsem_stress_exclusion),
		/* Last: under UBSan a failure here ends the run. */
		ZD_TEST_PLAIN(atomic_ops_wrap),
	};

	return ZD_RUN("sync", tests);
}
