// SPDX-License-Identifier: GPL-2.0-only
/*
 * percpu_ref: the lifetime rules the pgmap reference depends on.
 *
 * What the tests hold the implementation to:
 *  - percpu mode counts in per-CPU slots and never tests for zero, so
 *    nothing a get/put pair does there can release the ref;
 *  - kill drops the initial reference, tryget_live fails from then on,
 *    tryget keeps working while the count is non-zero, and release runs
 *    exactly once, on the put that takes the atomic count to zero;
 *  - for a percpu-mode ref that put is never kill's own: the switch to
 *    atomic holds a reference across the grace period;
 *  - percpu_ref_read() is the exact sum over every simulated CPU whenever
 *    nobody is changing the ref.
 *
 * Release and confirm callbacks may run on the RCU worker, so tests drain
 * it with rcu_barrier() before looking at counts and before
 * percpu_ref_exit().  Threaded tests print their seed (ZD_SEED replays).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <zonedev/percpu-refcount.h>
#include <zonedev/slab.h>
#include <zonedev/fault-inject.h>
#include "zd_test.h"

#define NEGATIVE_WAIT_MS	50
#define POSITIVE_WAIT_MS	10000

/* A ref embedded in an object, with every callback counted. */
struct tref {
	struct percpu_ref ref;
	atomic_t release_calls;
	atomic_t confirm_calls;
	int confirm_saw_dying;		/* percpu_ref_is_dying() inside confirm */
	int confirm_tryget_live;	/* tryget_live inside confirm succeeded */
	long confirm_count;		/* the atomic count inside confirm */
	int confirm_saw_percpu;		/* confirm ran with the ref in percpu mode */
};

static void tref_release(struct percpu_ref *ref)
{
	struct tref *t = container_of(ref, struct tref, ref);

	atomic_inc(&t->release_calls);
}

static void tref_confirm(struct percpu_ref *ref)
{
	struct tref *t = container_of(ref, struct tref, ref);
	struct percpu_ref_slot *slots;

	t->confirm_saw_dying = percpu_ref_is_dying(ref);
	rcu_read_lock();
	t->confirm_saw_percpu = __ref_is_percpu(ref, &slots);
	rcu_read_unlock();
	t->confirm_count = atomic_long_read(&ref->count);
	atomic_inc(&t->confirm_calls);
}

/* For kills: by the time confirm runs, no CPU may still see the ref live. */
static void tref_confirm_kill(struct percpu_ref *ref)
{
	struct tref *t = container_of(ref, struct tref, ref);

	tref_confirm(ref);
	t->confirm_tryget_live = percpu_ref_tryget_live(ref);
	if (t->confirm_tryget_live)
		percpu_ref_put(ref);	/* the switch's reference keeps it > 0 */
}

static void tref_init(struct tref *t, unsigned int flags)
{
	memset(t, 0, sizeof(*t));
	assert_int_equal(percpu_ref_init(&t->ref, tref_release, flags, GFP_KERNEL), 0);
}

static int release_calls(struct tref *t)
{
	return atomic_read(&t->release_calls);
}

static bool ref_in_percpu_mode(struct percpu_ref *ref)
{
	struct percpu_ref_slot *slots;
	bool percpu;

	rcu_read_lock();
	percpu = __ref_is_percpu(ref, &slots);
	rcu_read_unlock();
	return percpu;
}

/* One simulated CPU's slot: meaningless alone, only the sum counts. */
static long slot_count(struct percpu_ref *ref, unsigned int cpu)
{
	struct percpu_ref_slot *slots = (struct percpu_ref_slot *)
		(READ_ONCE(ref->percpu_count_ptr) & ~(unsigned long)__PERCPU_REF_ATOMIC_DEAD);

	return (long)__atomic_load_n(&slots[cpu].count, __ATOMIC_RELAXED);
}

static long slot_sum(struct percpu_ref *ref)
{
	unsigned int cpu;
	long sum = 0;

	for_each_possible_cpu(cpu)
		sum += slot_count(ref, cpu);
	return sum;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static unsigned long thread_rng(unsigned long seed, int i)
{
	return seed ^ ((unsigned long)(i + 1) * 0x9E3779B97F4A7C15UL);
}

/* ------------------------------------------------------------------ */

static void init_holds_one_reference(void **state)
{
	long live = kmalloc_live_objects();
	struct tref t;

	(void)state;
	tref_init(&t, 0);
	/* The slots are the one allocation, and they are zeroed. */
	assert_int_equal(kmalloc_live_objects(), live + 1);
	assert_int_equal(slot_sum(&t.ref), 0);
	assert_true(ref_in_percpu_mode(&t.ref));
	assert_false(percpu_ref_is_dying(&t.ref));
	assert_false(percpu_ref_is_zero(&t.ref));
	assert_int_equal(percpu_ref_read(&t.ref), 1);

	percpu_ref_kill(&t.ref);
	rcu_barrier();
	assert_int_equal(release_calls(&t), 1);
	assert_true(percpu_ref_is_zero(&t.ref));
	percpu_ref_exit(&t.ref);
	assert_int_equal(kmalloc_live_objects(), live);
}

/*
 * percpu mode never looks at the total: even dropping the initial
 * reference (the sum is then zero) must not release the ref.
 */
static void percpu_mode_never_releases(void **state)
{
	unsigned int cpu = smp_processor_id();
	struct tref t;
	int i;

	(void)state;
	tref_init(&t, 0);
	for (i = 0; i < 1000; i++)
		percpu_ref_get(&t.ref);
	assert_int_equal(slot_count(&t.ref, cpu), 1000);
	assert_int_equal(percpu_ref_read(&t.ref), 1001);
	for (i = 0; i < 1000; i++)
		percpu_ref_put(&t.ref);
	assert_int_equal(slot_count(&t.ref, cpu), 0);

	percpu_ref_put(&t.ref);			/* the initial reference */
	assert_int_equal(percpu_ref_read(&t.ref), 0);
	assert_false(percpu_ref_is_zero(&t.ref));
	rcu_barrier();
	assert_int_equal(release_calls(&t), 0);
	assert_true(ref_in_percpu_mode(&t.ref));

	percpu_ref_get(&t.ref);
	percpu_ref_kill(&t.ref);
	rcu_barrier();
	assert_int_equal(release_calls(&t), 1);
	percpu_ref_exit(&t.ref);
}

/*
 * With a reference held across the kill, release waits for that last put;
 * meanwhile tryget still succeeds (count > 0) but tryget_live does not.
 */
static void kill_then_release_on_last_put(void **state)
{
	struct tref t;

	(void)state;
	tref_init(&t, 0);
	percpu_ref_get(&t.ref);
	percpu_ref_kill(&t.ref);
	assert_true(percpu_ref_is_dying(&t.ref));
	assert_false(ref_in_percpu_mode(&t.ref));
	assert_false(percpu_ref_tryget_live(&t.ref));

	rcu_barrier();			/* the switch to atomic has completed */
	assert_int_equal(release_calls(&t), 0);
	assert_false(percpu_ref_is_zero(&t.ref));
	assert_int_equal(percpu_ref_read(&t.ref), 1);
	assert_int_equal(atomic_long_read(&t.ref.count), 1);

	assert_true(percpu_ref_tryget(&t.ref));
	assert_int_equal(percpu_ref_read(&t.ref), 2);
	assert_false(percpu_ref_tryget_live(&t.ref));
	assert_int_equal(percpu_ref_read(&t.ref), 2);
	percpu_ref_put(&t.ref);
	assert_int_equal(release_calls(&t), 0);

	/* Atomic mode: the put that reaches zero releases, synchronously. */
	percpu_ref_put(&t.ref);
	assert_int_equal(release_calls(&t), 1);
	assert_true(percpu_ref_is_zero(&t.ref));
	assert_int_equal(percpu_ref_read(&t.ref), 0);

	/* At zero, tryget fails and leaves the count alone. */
	assert_false(percpu_ref_tryget(&t.ref));
	assert_false(percpu_ref_tryget_many(&t.ref, 3));
	assert_false(percpu_ref_tryget_live(&t.ref));
	assert_int_equal(percpu_ref_read(&t.ref), 0);
	rcu_barrier();
	assert_int_equal(release_calls(&t), 1);
	percpu_ref_exit(&t.ref);
}

/*
 * The confirm callback runs once, after the kill is visible everywhere:
 * the ref is dying and already atomic, and the count it sees has been
 * folded (no bias left): our reference, plus the one the switch holds
 * until confirm returns.
 */
static void kill_and_confirm_runs_confirm_once(void **state)
{
	struct tref t;

	(void)state;
	tref_init(&t, 0);
	percpu_ref_get(&t.ref);
	percpu_ref_kill_and_confirm(&t.ref, tref_confirm_kill);
	rcu_barrier();
	assert_int_equal(atomic_read(&t.confirm_calls), 1);
	assert_true(t.confirm_saw_dying);
	assert_false(t.confirm_saw_percpu);
	assert_false(t.confirm_tryget_live);
	/*
	 * 2, or 3 when kill's own put had not landed yet: that ordering is
	 * what kill_never_releases_in_caller is about.
	 */
	assert_in_range(t.confirm_count, 2, 3);
	assert_int_equal(release_calls(&t), 0);

	percpu_ref_put(&t.ref);
	rcu_barrier();
	assert_int_equal(release_calls(&t), 1);
	assert_int_equal(atomic_read(&t.confirm_calls), 1);
	percpu_ref_exit(&t.ref);
}

/* ------------------------------------------------------------------ */

static int set_all_threads_affinity(const cpu_set_t *set)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *de;
	int err = 0;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		pid_t tid = (pid_t)atoi(de->d_name);

		/* A thread may exit under us; that one needs nothing. */
		if (tid > 0 && sched_setaffinity(tid, sizeof(*set), set) && errno != ESRCH)
			err = -errno;
	}
	closedir(dir);
	return err;
}

/*
 * Put every thread of the process, the RCU worker included, on one host
 * CPU.  A wakeup then tends to preempt the waker on the spot, which turns
 * a window of a few instructions into one the scheduler lands in often.
 * Best effort: if the host refuses, the test runs unconfined.
 */
static bool confine_to_one_cpu(cpu_set_t *saved)
{
	cpu_set_t one;
	int cpu;

	if (sched_getaffinity(0, sizeof(*saved), saved))
		return false;
	for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, saved); cpu++)
		;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return set_all_threads_affinity(&one) == 0;
}

static void unconfine(const cpu_set_t *saved)
{
	set_all_threads_affinity(saved);
}

#define KILL_RACE_ITERS		500

static __thread bool in_kill;
static atomic_t released_in_kill;

static void in_kill_release(struct percpu_ref *ref)
{
	struct tref *t = container_of(ref, struct tref, ref);

	if (in_kill)
		atomic_inc(&released_in_kill);
	atomic_inc(&t->release_calls);
}

/*
 * Kill a percpu-mode ref whose only reference is the initial one.  kill
 * takes a reference for the switch to atomic before it drops the initial
 * one, and must drop it before the grace period the fold waits for can
 * end (the kernel does so under percpu_ref_switch_lock with interrupts
 * off), so its own put is never the last: release comes from the switch's
 * put on the RCU worker, never inside percpu_ref_kill() on the caller's
 * stack, where a release that takes a lock the caller holds would
 * deadlock.
 *
 * The window in which this could go wrong is short, so the test repeats
 * the kill with every thread confined to one CPU and stops at the first
 * release that runs inside kill.
 */
static void kill_never_releases_in_caller(void **state)
{
	bool confined;
	cpu_set_t saved;
	struct tref t;
	int i, hit = -1, bad_releases = 0;

	(void)state;
	atomic_set(&released_in_kill, 0);
	confined = confine_to_one_cpu(&saved);
	for (i = 0; i < KILL_RACE_ITERS; i++) {
		memset(&t, 0, sizeof(t));
		assert_int_equal(percpu_ref_init(&t.ref, in_kill_release, 0, GFP_KERNEL), 0);
		in_kill = true;
		percpu_ref_kill(&t.ref);
		in_kill = false;
		rcu_barrier();
		if (release_calls(&t) != 1)
			bad_releases++;
		percpu_ref_exit(&t.ref);
		if (atomic_read(&released_in_kill)) {
			hit = i;
			break;
		}
	}
	if (confined)
		unconfine(&saved);
	if (hit >= 0)
		print_message("# release ran inside percpu_ref_kill() on kill %d of %d%s\n",
			      hit + 1, KILL_RACE_ITERS, confined ? " (one CPU)" : "");
	assert_int_equal(bad_releases, 0);
	assert_int_equal(atomic_read(&released_in_kill), 0);
}

/*
 * A ref that is already atomic has no switch to wait for: as in the
 * kernel, kill confirms at once and, if it dropped the last reference,
 * releases before it returns.
 */
static void kill_atomic_ref_is_synchronous(void **state)
{
	struct tref t;

	(void)state;
	tref_init(&t, PERCPU_REF_INIT_ATOMIC);
	percpu_ref_get(&t.ref);
	percpu_ref_kill_and_confirm(&t.ref, tref_confirm_kill);
	assert_int_equal(atomic_read(&t.confirm_calls), 1);
	assert_true(t.confirm_saw_dying);
	assert_false(t.confirm_tryget_live);
	assert_int_equal(t.confirm_count, 2);	/* kill's put comes after */
	assert_int_equal(release_calls(&t), 0);
	assert_int_equal(percpu_ref_read(&t.ref), 1);
	percpu_ref_put(&t.ref);
	assert_int_equal(release_calls(&t), 1);
	rcu_barrier();
	assert_int_equal(release_calls(&t), 1);
	percpu_ref_exit(&t.ref);

	tref_init(&t, PERCPU_REF_INIT_ATOMIC);
	percpu_ref_kill(&t.ref);
	assert_int_equal(release_calls(&t), 1);
	assert_true(percpu_ref_is_zero(&t.ref));
	rcu_barrier();
	assert_int_equal(release_calls(&t), 1);
	percpu_ref_exit(&t.ref);
}

/* ------------------------------------------------------------------ */

static void tryget_semantics(void **state)
{
	unsigned int cpu = smp_processor_id();
	struct tref t;

	(void)state;
	tref_init(&t, 0);
	/* Live and percpu: every tryget succeeds and lands in our slot. */
	assert_true(percpu_ref_tryget(&t.ref));
	assert_true(percpu_ref_tryget_live(&t.ref));
	assert_true(percpu_ref_tryget_many(&t.ref, 5));
	rcu_read_lock();
	assert_true(percpu_ref_tryget_live_rcu(&t.ref));
	rcu_read_unlock();
	assert_int_equal(slot_count(&t.ref, cpu), 8);
	assert_int_equal(percpu_ref_read(&t.ref), 9);
	percpu_ref_put_many(&t.ref, 5);
	percpu_ref_put(&t.ref);
	percpu_ref_put(&t.ref);
	assert_int_equal(percpu_ref_read(&t.ref), 2);

	/* Dead: only the non-live variants, and only while count > 0. */
	percpu_ref_kill(&t.ref);
	assert_false(percpu_ref_tryget_live(&t.ref));
	assert_true(percpu_ref_tryget(&t.ref));
	assert_true(percpu_ref_tryget_many(&t.ref, 2));
	rcu_barrier();
	assert_int_equal(percpu_ref_read(&t.ref), 4);
	assert_false(percpu_ref_tryget_live(&t.ref));
	percpu_ref_put_many(&t.ref, 4);
	assert_int_equal(release_calls(&t), 1);
	assert_false(percpu_ref_tryget(&t.ref));
	assert_int_equal(percpu_ref_read(&t.ref), 0);
	percpu_ref_exit(&t.ref);
}

/*
 * After switch_to_atomic_sync the percpu slots are no longer used: gets and
 * puts go to the atomic count, which alone is the exact total.
 */
static void switch_to_atomic_sync_counts_atomically(void **state)
{
	unsigned int cpu = smp_processor_id();
	long before;
	struct tref t;

	(void)state;
	tref_init(&t, PERCPU_REF_ALLOW_REINIT);
	percpu_ref_get_many(&t.ref, 2);
	assert_int_equal(slot_count(&t.ref, cpu), 2);

	percpu_ref_switch_to_atomic_sync(&t.ref);
	/*
	 * Let the switch drop its own reference first; that this takes an
	 * rcu_barrier() is the subject of switch_to_atomic_sync_read_exact.
	 */
	rcu_barrier();
	assert_false(ref_in_percpu_mode(&t.ref));
	assert_false(percpu_ref_is_dying(&t.ref));
	assert_int_equal(percpu_ref_read(&t.ref), 3);
	assert_int_equal(atomic_long_read(&t.ref.count), 3);	/* bias gone */

	before = slot_count(&t.ref, cpu);
	percpu_ref_get(&t.ref);
	assert_int_equal(atomic_long_read(&t.ref.count), 4);
	assert_true(percpu_ref_tryget(&t.ref));
	assert_true(percpu_ref_tryget_live(&t.ref));	/* atomic, not dead */
	assert_true(percpu_ref_tryget_many(&t.ref, 3));
	assert_int_equal(atomic_long_read(&t.ref.count), 9);
	assert_int_equal(percpu_ref_read(&t.ref), 9);
	percpu_ref_put_many(&t.ref, 6);
	assert_int_equal(atomic_long_read(&t.ref.count), 3);
	assert_int_equal(slot_count(&t.ref, cpu), before);
	assert_int_equal(release_calls(&t), 0);

	/* A second switch to atomic is a no-op. */
	percpu_ref_switch_to_atomic_sync(&t.ref);
	assert_int_equal(percpu_ref_read(&t.ref), 3);

	percpu_ref_put_many(&t.ref, 2);
	percpu_ref_kill(&t.ref);		/* atomic: releases in place */
	assert_int_equal(release_calls(&t), 1);
	rcu_barrier();
	percpu_ref_exit(&t.ref);
}

#define SWITCH_RACE_ITERS	500

/*
 * switch_to_atomic_sync() waits for the switch to complete, so when it
 * returns, with nobody else touching the ref, percpu_ref_read() must be
 * exact: what we hold, and not the reference the switch took for itself.
 * Repeated with every thread on one CPU, where the RCU worker is often
 * preempted between announcing completion and dropping that reference.
 */
static void switch_to_atomic_sync_read_exact(void **state)
{
	unsigned long got = 0;
	bool confined;
	cpu_set_t saved;
	struct tref t;
	int i, hit = -1;

	(void)state;
	tref_init(&t, PERCPU_REF_ALLOW_REINIT);
	percpu_ref_get(&t.ref);
	confined = confine_to_one_cpu(&saved);
	for (i = 0; i < SWITCH_RACE_ITERS; i++) {
		percpu_ref_switch_to_atomic_sync(&t.ref);
		got = percpu_ref_read(&t.ref);
		if (got != 2) {
			hit = i;
			break;
		}
		percpu_ref_switch_to_percpu(&t.ref);
	}
	if (confined)
		unconfine(&saved);
	rcu_barrier();
	/* Whatever the outcome, the count settles to the truth. */
	assert_int_equal(percpu_ref_read(&t.ref), 2);
	percpu_ref_put(&t.ref);
	percpu_ref_kill(&t.ref);
	rcu_barrier();
	assert_int_equal(release_calls(&t), 1);
	percpu_ref_exit(&t.ref);

	if (hit >= 0)
		print_message("# percpu_ref_read() was %lu, not 2, right after switch %d of %d%s\n",
			      got, hit + 1, SWITCH_RACE_ITERS, confined ? " (one CPU)" : "");
	assert_int_equal(hit, -1);
}

/*
 * The asynchronous switch: confirm runs once, after a grace period, with
 * the slots folded; gets and puts keep working while it is in flight.
 */
static void switch_to_atomic_confirms_once(void **state)
{
	struct tref t;

	(void)state;
	tref_init(&t, PERCPU_REF_ALLOW_REINIT);
	percpu_ref_get_many(&t.ref, 3);
	percpu_ref_switch_to_atomic(&t.ref, tref_confirm);
	assert_false(ref_in_percpu_mode(&t.ref));
	percpu_ref_get(&t.ref);
	percpu_ref_put(&t.ref);
	rcu_barrier();
	assert_int_equal(atomic_read(&t.confirm_calls), 1);
	assert_false(t.confirm_saw_dying);
	assert_false(t.confirm_saw_percpu);
	assert_int_equal(t.confirm_count, 4 + 1);	/* ours + the switch's */
	assert_int_equal(percpu_ref_read(&t.ref), 4);
	assert_int_equal(release_calls(&t), 0);

	/* Already atomic: confirm is called at once, and only once. */
	percpu_ref_switch_to_atomic(&t.ref, tref_confirm);
	assert_int_equal(atomic_read(&t.confirm_calls), 2);
	assert_int_equal(t.confirm_count, 4);

	percpu_ref_put_many(&t.ref, 3);
	percpu_ref_kill(&t.ref);
	assert_int_equal(release_calls(&t), 1);
	rcu_barrier();
	percpu_ref_exit(&t.ref);
}

/*
 * switch_to_percpu() brings a live ref back to the slots (with the count
 * carried over), but a dead ref stays atomic.
 */
static void switch_to_percpu_unless_dead(void **state)
{
	unsigned int cpu = smp_processor_id();
	struct tref t;

	(void)state;
	tref_init(&t, PERCPU_REF_ALLOW_REINIT);
	percpu_ref_switch_to_atomic_sync(&t.ref);
	percpu_ref_get_many(&t.ref, 4);
	rcu_barrier();
	assert_int_equal(percpu_ref_read(&t.ref), 5);

	percpu_ref_switch_to_percpu(&t.ref);
	assert_true(ref_in_percpu_mode(&t.ref));
	assert_int_equal(slot_sum(&t.ref), 0);		/* slots start afresh */
	assert_int_equal(percpu_ref_read(&t.ref), 5);
	percpu_ref_put_many(&t.ref, 4);			/* into our slot */
	assert_int_equal(slot_count(&t.ref, cpu), -4);
	assert_int_equal(percpu_ref_read(&t.ref), 1);
	assert_false(percpu_ref_is_zero(&t.ref));
	percpu_ref_switch_to_percpu(&t.ref);		/* already: no-op */
	assert_true(ref_in_percpu_mode(&t.ref));
	assert_int_equal(percpu_ref_read(&t.ref), 1);

	percpu_ref_get(&t.ref);
	percpu_ref_kill(&t.ref);
	percpu_ref_switch_to_percpu(&t.ref);
	assert_false(ref_in_percpu_mode(&t.ref));
	assert_true(percpu_ref_is_dying(&t.ref));
	rcu_barrier();
	assert_false(ref_in_percpu_mode(&t.ref));
	assert_int_equal(percpu_ref_read(&t.ref), 1);
	assert_int_equal(release_calls(&t), 0);
	percpu_ref_put(&t.ref);
	assert_int_equal(release_calls(&t), 1);
	percpu_ref_exit(&t.ref);
}

/* is_zero: only an atomic ref at zero; a percpu sum of zero does not count. */
static void is_zero_semantics(void **state)
{
	struct tref t;

	(void)state;
	tref_init(&t, 0);
	assert_false(percpu_ref_is_zero(&t.ref));
	percpu_ref_put(&t.ref);			/* percpu sum 0 */
	assert_false(percpu_ref_is_zero(&t.ref));
	percpu_ref_get(&t.ref);
	percpu_ref_get(&t.ref);
	percpu_ref_kill(&t.ref);
	rcu_barrier();
	assert_false(percpu_ref_is_zero(&t.ref));
	percpu_ref_put(&t.ref);
	assert_true(percpu_ref_is_zero(&t.ref));
	/* Still answerable after exit. */
	percpu_ref_exit(&t.ref);
	assert_true(percpu_ref_is_zero(&t.ref));
	assert_int_equal(release_calls(&t), 1);
}

struct zero_waiter {
	struct zd_thread t;
	struct tref *tref;
	bool reached;
	unsigned long long waited_ms;
};

static void *zero_waiter_thread(void *arg)
{
	struct zero_waiter *w = arg;
	unsigned long long start = ktime_get_ns();

	w->reached = percpu_ref_wait_is_zero(&w->tref->ref, POSITIVE_WAIT_MS);
	w->waited_ms = (ktime_get_ns() - start) / 1000000ULL;
	return NULL;
}

/*
 * The blk-mq freeze idiom: kill, then wait for zero.  False on timeout
 * while a reference is held; true once the last one is put, and a waiter
 * asleep in it is woken by the release rather than by its timeout.
 */
static void wait_is_zero_timeout(void **state)
{
	unsigned long long start;
	struct zero_waiter w;
	struct tref t;

	(void)state;
	tref_init(&t, 0);
	percpu_ref_get(&t.ref);
	assert_false(percpu_ref_wait_is_zero(&t.ref, 0));
	percpu_ref_kill(&t.ref);
	start = ktime_get_ns();
	assert_false(percpu_ref_wait_is_zero(&t.ref, NEGATIVE_WAIT_MS));
	assert_true((ktime_get_ns() - start) / 1000000ULL >= NEGATIVE_WAIT_MS);

	w = (struct zero_waiter){ .tref = &t };
	assert_int_equal(zd_thread_start(&w.t, zero_waiter_thread, &w), 0);
	sleep_ms(20);		/* let it fall asleep; correct either way */
	percpu_ref_put(&t.ref);
	zd_thread_join(&w.t);
	assert_true(w.reached);
	assert_true(w.waited_ms < POSITIVE_WAIT_MS);

	assert_true(percpu_ref_wait_is_zero(&t.ref, 0));
	rcu_barrier();
	assert_int_equal(release_calls(&t), 1);
	percpu_ref_exit(&t.ref);
}

/* ------------------------------------------------------------------ */

/*
 * INIT_ATOMIC: the ref starts in atomic mode, and atomic mode tests every
 * put, so dropping the last reference releases even without a kill.
 */
static void init_atomic(void **state)
{
	unsigned int cpu = smp_processor_id();
	struct tref t;

	(void)state;
	tref_init(&t, PERCPU_REF_INIT_ATOMIC);
	assert_false(ref_in_percpu_mode(&t.ref));
	assert_false(percpu_ref_is_dying(&t.ref));
	assert_int_equal(percpu_ref_read(&t.ref), 1);
	assert_int_equal(atomic_long_read(&t.ref.count), 1);
	percpu_ref_get(&t.ref);
	assert_int_equal(slot_count(&t.ref, cpu), 0);
	assert_int_equal(atomic_long_read(&t.ref.count), 2);
	assert_true(percpu_ref_tryget_live(&t.ref));
	percpu_ref_put_many(&t.ref, 2);
	assert_int_equal(release_calls(&t), 0);
	percpu_ref_put(&t.ref);
	assert_int_equal(release_calls(&t), 1);
	assert_true(percpu_ref_is_zero(&t.ref));
	/* Live but at zero: tryget_live must not resurrect it. */
	assert_false(percpu_ref_tryget_live(&t.ref));
	assert_false(percpu_ref_tryget(&t.ref));
	rcu_barrier();
	percpu_ref_exit(&t.ref);

	/* It can still go percpu (INIT_ATOMIC implies it may come back). */
	tref_init(&t, PERCPU_REF_INIT_ATOMIC);
	percpu_ref_switch_to_percpu(&t.ref);
	assert_true(ref_in_percpu_mode(&t.ref));
	assert_int_equal(percpu_ref_read(&t.ref), 1);
	percpu_ref_kill(&t.ref);
	rcu_barrier();
	assert_int_equal(release_calls(&t), 1);
	percpu_ref_exit(&t.ref);
}

/* INIT_DEAD: born killed at zero; reinit brings it to life. */
static void init_dead_then_reinit(void **state)
{
	struct tref t;

	(void)state;
	tref_init(&t, PERCPU_REF_INIT_DEAD);
	assert_true(percpu_ref_is_dying(&t.ref));
	assert_false(ref_in_percpu_mode(&t.ref));
	assert_true(percpu_ref_is_zero(&t.ref));
	assert_int_equal(percpu_ref_read(&t.ref), 0);
	assert_false(percpu_ref_tryget(&t.ref));
	assert_false(percpu_ref_tryget_live(&t.ref));
	assert_int_equal(release_calls(&t), 0);	/* nothing was put */

	percpu_ref_reinit(&t.ref);
	assert_false(percpu_ref_is_dying(&t.ref));
	assert_true(ref_in_percpu_mode(&t.ref));
	assert_int_equal(percpu_ref_read(&t.ref), 1);
	assert_true(percpu_ref_tryget_live(&t.ref));
	percpu_ref_put(&t.ref);

	percpu_ref_kill(&t.ref);
	rcu_barrier();
	assert_int_equal(release_calls(&t), 1);
	percpu_ref_exit(&t.ref);

	/* INIT_DEAD | INIT_ATOMIC: reinit keeps it atomic. */
	tref_init(&t, PERCPU_REF_INIT_DEAD | PERCPU_REF_INIT_ATOMIC);
	percpu_ref_reinit(&t.ref);
	assert_false(percpu_ref_is_dying(&t.ref));
	assert_false(ref_in_percpu_mode(&t.ref));
	assert_int_equal(atomic_long_read(&t.ref.count), 1);
	percpu_ref_kill(&t.ref);
	assert_int_equal(release_calls(&t), 1);
	rcu_barrier();
	percpu_ref_exit(&t.ref);
}

/*
 * resurrect undoes a kill that has not reached zero: the ref is live and
 * percpu again, the held references survive, and the next kill releases.
 */
static void resurrect_after_kill(void **state)
{
	struct tref t;

	(void)state;
	tref_init(&t, PERCPU_REF_ALLOW_REINIT);
	percpu_ref_get(&t.ref);
	percpu_ref_kill(&t.ref);
	assert_false(percpu_ref_tryget_live(&t.ref));
	/*
	 * resurrect would wait for the switch itself; draining it first keeps
	 * its own reference out of the counts below.
	 */
	rcu_barrier();

	percpu_ref_resurrect(&t.ref);
	assert_false(percpu_ref_is_dying(&t.ref));
	assert_true(ref_in_percpu_mode(&t.ref));
	assert_int_equal(percpu_ref_read(&t.ref), 2);
	assert_true(percpu_ref_tryget_live(&t.ref));
	percpu_ref_put(&t.ref);
	percpu_ref_put(&t.ref);		/* the one held across kill */
	rcu_barrier();
	assert_int_equal(release_calls(&t), 0);
	assert_int_equal(percpu_ref_read(&t.ref), 1);

	percpu_ref_kill(&t.ref);
	rcu_barrier();
	assert_int_equal(release_calls(&t), 1);
	percpu_ref_exit(&t.ref);
}

/* ALLOW_REINIT: kill -> release -> reinit, twice, one release each time. */
static void reinit_after_release(void **state)
{
	struct tref t;
	int round;

	(void)state;
	tref_init(&t, PERCPU_REF_ALLOW_REINIT);
	for (round = 1; round <= 3; round++) {
		percpu_ref_get_many(&t.ref, 2);
		percpu_ref_kill(&t.ref);
		percpu_ref_put_many(&t.ref, 2);
		rcu_barrier();
		assert_int_equal(release_calls(&t), round);
		assert_true(percpu_ref_is_zero(&t.ref));

		percpu_ref_reinit(&t.ref);
		assert_true(ref_in_percpu_mode(&t.ref));
		assert_false(percpu_ref_is_zero(&t.ref));
		assert_int_equal(percpu_ref_read(&t.ref), 1);
		assert_int_equal(release_calls(&t), round);
	}
	percpu_ref_kill(&t.ref);
	rcu_barrier();
	assert_int_equal(release_calls(&t), 4);
	percpu_ref_exit(&t.ref);
}

/* ------------------------------------------------------------------ */

struct cpu_getter {
	struct zd_thread t;
	struct percpu_ref *ref;
	unsigned int cpu;
	long gets;		/* negative: puts */
};

static void *cpu_getter_thread(void *arg)
{
	struct cpu_getter *g = arg;
	long i;

	zd_thread_set_cpu(g->cpu);
	for (i = 0; i < g->gets; i++)
		percpu_ref_get(g->ref);
	for (i = 0; i > g->gets; i--)
		percpu_ref_put(g->ref);
	return NULL;
}

static void run_on_cpu(struct percpu_ref *ref, unsigned int cpu, long gets)
{
	struct cpu_getter g = { .ref = ref, .cpu = cpu, .gets = gets };

	assert_int_equal(zd_thread_start(&g.t, cpu_getter_thread, &g), 0);
	zd_thread_join(&g.t);
}

/*
 * Gets taken on one simulated CPU and put on another leave one slot up and
 * one "negative" (wrapped): only the sum over all CPUs means anything, and
 * percpu_ref_read() and the fold at kill must both use it.
 */
static void read_sums_slots_across_cpus(void **state)
{
	unsigned int n = nr_cpu_ids, cpu;
	long expect = 1;
	struct tref t;

	(void)state;
	assert_true(n >= 2);
	tref_init(&t, 0);
	for (cpu = 0; cpu < n; cpu++) {
		run_on_cpu(&t.ref, cpu, cpu + 1);
		expect += cpu + 1;
	}
	for (cpu = 0; cpu < n; cpu++)
		assert_int_equal(slot_count(&t.ref, cpu), cpu + 1);
	assert_int_equal(percpu_ref_read(&t.ref), expect);

	/* Put everything the other CPUs took on CPU 0. */
	run_on_cpu(&t.ref, 0, -(expect - 2));
	assert_int_equal(slot_count(&t.ref, 0), 1 - (expect - 2));
	assert_true(slot_count(&t.ref, 0) < 0);
	assert_int_equal(percpu_ref_read(&t.ref), 2);

	/* The fold sums the wrapped slots to the same answer. */
	percpu_ref_kill(&t.ref);
	rcu_barrier();
	assert_int_equal(percpu_ref_read(&t.ref), 1);
	assert_int_equal(release_calls(&t), 0);
	run_on_cpu(&t.ref, n - 1, -1);
	assert_int_equal(release_calls(&t), 1);
	assert_true(percpu_ref_is_zero(&t.ref));
	percpu_ref_exit(&t.ref);
}

/* ------------------------------------------------------------------ */

/*
 * -ENOMEM when the slot allocation fails, with nothing allocated, and the
 * ref left such that the usual unwind (percpu_ref_exit() on a zeroed,
 * never-initialized ref, as fs/aio does) is harmless.
 */
static void init_enomem_fail_nth(void **state)
{
	long live = kmalloc_live_objects();
	long failed = atomic_long_read(&failslab.failed);
	struct tref t;

	(void)state;
	memset(&t, 0, sizeof(t));
	zd_fail_nth_set(1);
	assert_int_equal(percpu_ref_init(&t.ref, tref_release, 0, GFP_KERNEL), -ENOMEM);
	assert_int_equal(zd_fail_nth_get(), 0);		/* the failure was used */
	assert_int_equal(atomic_long_read(&failslab.failed), failed + 1);
	assert_int_equal(kmalloc_live_objects(), live);
	percpu_ref_exit(&t.ref);
	assert_int_equal(kmalloc_live_objects(), live);

	/* The next init, unarmed, works. */
	tref_init(&t, 0);
	assert_int_equal(kmalloc_live_objects(), live + 1);
	percpu_ref_kill(&t.ref);
	rcu_barrier();
	assert_int_equal(release_calls(&t), 1);
	percpu_ref_exit(&t.ref);
	assert_int_equal(kmalloc_live_objects(), live);
}

static void init_enomem_failslab_armed(void **state)
{
	long live = kmalloc_live_objects();
	struct tref t;

	(void)state;
	memset(&t, 0, sizeof(t));
	fault_attr_arm(&failslab, 1, 1);
	assert_int_equal(percpu_ref_init(&t.ref, tref_release, PERCPU_REF_INIT_ATOMIC,
					 GFP_KERNEL), -ENOMEM);
	assert_int_equal(atomic_read(&failslab.times), 0);	/* used up */
	fault_attr_disarm(&failslab);
	assert_int_equal(kmalloc_live_objects(), live);
	assert_int_equal(release_calls(&t), 0);

	tref_init(&t, PERCPU_REF_INIT_ATOMIC);
	percpu_ref_kill(&t.ref);
	assert_int_equal(release_calls(&t), 1);
	percpu_ref_exit(&t.ref);
	assert_int_equal(kmalloc_live_objects(), live);
}

/*
 * exit frees the slots whatever the ref's state (here: live, as on an
 * init unwind path); afterwards the ref reads as atomic and dead.
 */
static void exit_frees_slots(void **state)
{
	long live = kmalloc_live_objects();
	struct tref t;

	(void)state;
	tref_init(&t, 0);
	percpu_ref_get(&t.ref);
	percpu_ref_put(&t.ref);
	percpu_ref_exit(&t.ref);
	assert_int_equal(kmalloc_live_objects(), live);
	assert_false(ref_in_percpu_mode(&t.ref));
	assert_true(percpu_ref_is_dying(&t.ref));
	percpu_ref_exit(&t.ref);			/* idempotent */
	assert_int_equal(kmalloc_live_objects(), live);
	assert_int_equal(release_calls(&t), 0);
}

/*
 * Between a switch to atomic and its fold, the atomic count still carries
 * PERCPU_COUNT_BIAS while the gets it will absorb sit in the slots, so
 * puts made in that window take it below the bias: as a long it wraps from
 * LONG_MIN to LONG_MAX.  tryget and tryget_live must work on that value, as
 * they do in the kernel (which builds with wrapping signed arithmetic).  A
 * read-side section of our own holds the fold off for as long as we need.
 */
static void tryget_while_fold_pending(void **state)
{
	unsigned int cpu = smp_processor_id();
	struct tref t;

	(void)state;
	tref_init(&t, PERCPU_REF_ALLOW_REINIT);
	percpu_ref_get_many(&t.ref, 3);
	assert_int_equal(slot_count(&t.ref, cpu), 3);

	rcu_read_lock();
	percpu_ref_switch_to_atomic(&t.ref, tref_confirm);
	percpu_ref_put_many(&t.ref, 3);
	/* bias + initial + the switch's own - 3 puts */
	assert_int_equal(atomic_long_read(&t.ref.count), LONG_MAX);
	assert_int_equal(percpu_ref_read(&t.ref), 2);
	assert_true(percpu_ref_tryget(&t.ref));
	assert_true(percpu_ref_tryget_live(&t.ref));
	assert_true(percpu_ref_tryget_many(&t.ref, 2));
	assert_int_equal(percpu_ref_read(&t.ref), 6);
	assert_int_equal(atomic_read(&t.confirm_calls), 0);
	rcu_read_unlock();

	rcu_barrier();
	assert_int_equal(atomic_read(&t.confirm_calls), 1);
	assert_int_equal(percpu_ref_read(&t.ref), 5);
	percpu_ref_put_many(&t.ref, 4);
	percpu_ref_kill(&t.ref);	/* atomic: releases in place */
	assert_int_equal(release_calls(&t), 1);
	rcu_barrier();
	percpu_ref_exit(&t.ref);
}

/* ------------------------------------------------------------------ */

#define CK_THREADS		4
#define CK_KILL_WINDOW		20000	/* kill after a random 0..this many ops */
#define CK_TAIL_OPS		2000	/* ops each thread does after the confirm */
#define CK_MAX_HELD		8

struct ck_ctx {
	struct percpu_ref ref;
	atomic_t release_calls;
	atomic_t confirm_calls;
	int release_before_confirm;
	int killed;		/* kill_and_confirm has returned */
	int confirmed;		/* confirm_kill has run */
	atomic_long_t ops;
	unsigned long seed;
};

struct ck_thread {
	struct zd_thread t;
	struct ck_ctx *ctx;
	int id;
	unsigned long gets, puts;
	unsigned long live_after_kill;		/* tryget_live won after kill returned */
	unsigned long live_after_confirm;	/* ... after confirm_kill ran */
	unsigned long live_ok, live_failed;
};

static void ck_confirm(struct percpu_ref *ref)
{
	struct ck_ctx *ctx = container_of(ref, struct ck_ctx, ref);

	atomic_inc(&ctx->confirm_calls);
	smp_store_release(&ctx->confirmed, 1);
}

static void ck_release(struct percpu_ref *ref)
{
	struct ck_ctx *ctx = container_of(ref, struct ck_ctx, ref);

	/* The switch holds a reference until confirm has returned. */
	if (!smp_load_acquire(&ctx->confirmed))
		WRITE_ONCE(ctx->release_before_confirm, 1);
	atomic_inc(&ctx->release_calls);
}

static void *ck_thread_fn(void *arg)
{
	struct ck_thread *th = arg;
	struct ck_ctx *ctx = th->ctx;
	struct percpu_ref *ref = &ctx->ref;
	unsigned long rng = thread_rng(ctx->seed, th->id);
	unsigned long held = 0, tail = 0;

	zd_thread_set_cpu((unsigned int)th->id);
	for (;;) {
		/* Sampled before the op: a later flag says nothing about it. */
		bool killed = smp_load_acquire(&ctx->killed);
		bool confirmed = smp_load_acquire(&ctx->confirmed);
		unsigned long r = zd_rand(&rng);

		if (confirmed && ++tail > CK_TAIL_OPS)
			break;
		if (held >= CK_MAX_HELD)
			r = 1;		/* force a put */

		switch (r % 5) {
		case 0:
			/* get needs a reference we already hold. */
			if (held) {
				percpu_ref_get(ref);
				held++;
				th->gets++;
			}
			break;
		case 1:
			if (held) {
				percpu_ref_put(ref);
				held--;
				th->puts++;
			}
			break;
		case 2:
		case 3:
			if (percpu_ref_tryget_live(ref)) {
				held++;
				th->gets++;
				th->live_ok++;
				th->live_after_kill += killed;
				th->live_after_confirm += confirmed;
			} else {
				th->live_failed++;
			}
			break;
		default:
			if (percpu_ref_tryget(ref)) {
				held++;
				th->gets++;
			}
			break;
		}
		atomic_long_inc(&ctx->ops);
	}
	while (held--) {
		percpu_ref_put(ref);
		th->puts++;
	}
	return NULL;
}

/*
 * Threads on different simulated CPUs get, put, tryget and tryget_live one
 * ref at random while the test kills it at a random point.  Afterwards
 * every reference taken has been put, release ran exactly once (after the
 * confirm), and no tryget_live succeeded once the kill had returned, let
 * alone once it was confirmed.
 */
static void concurrent_get_put_vs_kill(void **state)
{
	struct ck_thread th[CK_THREADS];
	unsigned long long start;
	struct ck_ctx *ctx;
	unsigned long rng, kill_at, live_ok = 0, live_failed = 0, count;
	unsigned long live_after_kill = 0, live_after_confirm = 0;
	int i, unbalanced = 0, confirms, releases, release_before_confirm;
	bool zero;

	(void)state;
	ctx = calloc(1, sizeof(*ctx));
	assert_non_null(ctx);
	ctx->seed = zd_test_seed();
	rng = ctx->seed;
	kill_at = zd_rand(&rng) % CK_KILL_WINDOW;
	assert_int_equal(percpu_ref_init(&ctx->ref, ck_release, 0, GFP_KERNEL), 0);

	for (i = 0; i < CK_THREADS; i++) {
		th[i] = (struct ck_thread){ .ctx = ctx, .id = i };
		assert_int_equal(zd_thread_start(&th[i].t, ck_thread_fn, &th[i]), 0);
	}
	start = ktime_get_ns();
	while ((unsigned long)atomic_long_read(&ctx->ops) < kill_at &&
	       ktime_get_ns() - start < POSITIVE_WAIT_MS * 1000000ULL)
		sched_yield();
	percpu_ref_kill_and_confirm(&ctx->ref, ck_confirm);
	smp_store_release(&ctx->killed, 1);

	for (i = 0; i < CK_THREADS; i++)
		zd_thread_join(&th[i].t);
	rcu_barrier();

	for (i = 0; i < CK_THREADS; i++) {
		unbalanced += th[i].gets != th[i].puts;
		live_after_kill += th[i].live_after_kill;
		live_after_confirm += th[i].live_after_confirm;
		live_ok += th[i].live_ok;
		live_failed += th[i].live_failed;
	}
	confirms = atomic_read(&ctx->confirm_calls);
	releases = atomic_read(&ctx->release_calls);
	release_before_confirm = ctx->release_before_confirm;
	zero = percpu_ref_is_zero(&ctx->ref);
	count = percpu_ref_read(&ctx->ref);
	print_message("# %lu ops, kill after %lu; tryget_live ok %lu, refused %lu\n",
		      (unsigned long)atomic_long_read(&ctx->ops), kill_at, live_ok, live_failed);
	percpu_ref_exit(&ctx->ref);
	free(ctx);

	assert_int_equal(unbalanced, 0);
	assert_int_equal(live_after_kill, 0);
	assert_int_equal(live_after_confirm, 0);
	/* The tail after the confirm guarantees tryget_live was refused. */
	assert_true(live_failed > 0);
	assert_int_equal(confirms, 1);
	assert_int_equal(releases, 1);
	assert_false(release_before_confirm);
	assert_true(zero);
	assert_int_equal(count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ZD_TEST_PLAIN(init_holds_one_reference),
		ZD_TEST_PLAIN(percpu_mode_never_releases),
		ZD_TEST_PLAIN(kill_then_release_on_last_put),
		ZD_TEST_PLAIN(kill_and_confirm_runs_confirm_once),
		ZD_TEST_PLAIN(kill_never_releases_in_caller),
		ZD_TEST_PLAIN(kill_atomic_ref_is_synchronous),
		ZD_TEST_PLAIN(tryget_semantics),
		ZD_TEST_PLAIN(switch_to_atomic_sync_counts_atomically),
		ZD_TEST_PLAIN(switch_to_atomic_sync_read_exact),
		ZD_TEST_PLAIN(switch_to_atomic_confirms_once),
		ZD_TEST_PLAIN(switch_to_percpu_unless_dead),
		ZD_TEST_PLAIN(is_zero_semantics),
		ZD_TEST_PLAIN(wait_is_zero_timeout),
		ZD_TEST_PLAIN(init_atomic),
		ZD_TEST_PLAIN(init_dead_then_reinit),
		ZD_TEST_PLAIN(resurrect_after_kill),
		ZD_TEST_PLAIN(reinit_after_release),
		ZD_TEST_PLAIN(read_sums_slots_across_cpus),
		ZD_TEST_PLAIN(init_enomem_fail_nth),
		ZD_TEST_PLAIN(init_enomem_failslab_armed),
		ZD_TEST_PLAIN(exit_frees_slots),
		ZD_TEST_PLAIN(concurrent_get_put_vs_kill),
		/* Last: under UBSan a failure here ends the run. */
		ZD_TEST_PLAIN(tryget_while_fold_pending),
	};

	return ZD_RUN("percpu_ref", tests);
}
