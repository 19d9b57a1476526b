// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/sync: the out-of-line half of <zonedev/sync.h>.  Locks, wait queues,
 * completions, harness threads and the simulated CPU assignment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <sched.h>
#include <zonedev/sync.h>
#include <zonedev/rcupdate.h>

#ifdef ZD_TSAN
unsigned long __zd_tsan_fence_word;
#endif

unsigned int nr_cpu_ids = 4;
__thread int __zd_this_cpu = -1;
__thread unsigned int __zd_thread_id;

static atomic_t next_cpu = ATOMIC_INIT(0);
static atomic_t next_thread_id = ATOMIC_INIT(0);

unsigned int __zd_assign_cpu(void)
{
	unsigned int n = READ_ONCE(nr_cpu_ids);

	__zd_this_cpu = (int)((unsigned int)atomic_fetch_add_relaxed(1, &next_cpu) % n);
	return (unsigned int)__zd_this_cpu;
}

unsigned int __zd_assign_thread_id(void)
{
	__zd_thread_id = (unsigned int)atomic_inc_return(&next_thread_id);
	return __zd_thread_id;
}

void zd_set_nr_cpus(unsigned int n)
{
	if (n == 0 || n > NR_CPUS)
		n = n ? NR_CPUS : 1;
	WRITE_ONCE(nr_cpu_ids, n);
}

void zd_thread_set_cpu(unsigned int cpu)
{
	__zd_this_cpu = (int)(cpu % READ_ONCE(nr_cpu_ids));
}

unsigned long long ktime_get_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

/* ------------------------------------------------------------------ */

static __thread struct zd_thread *zd_current_thread;

static void *zd_thread_trampoline(void *data)
{
	struct zd_thread *t = data;
	void *ret;

	zd_current_thread = t;
	/* Readers must be known to RCU before their first read-side section. */
	rcu_register_thread();
	ret = t->fn(t->arg);
	rcu_unregister_thread();
	return ret;
}

/**
 * zd_thread_start() - run @fn(@arg) on a new harness thread
 *
 * Return: 0 or a negative errno.
 */
int zd_thread_start(struct zd_thread *t, void *(*fn)(void *), void *arg)
{
	int err;

	t->fn = fn;
	t->arg = arg;
	t->ret = NULL;
	atomic_set(&t->sigpending, 0);
	err = pthread_create(&t->handle, NULL, zd_thread_trampoline, t);
	return -err;
}

/** zd_thread_signal() - send @t a signal its interruptible sleeps notice */
void zd_thread_signal(struct zd_thread *t)
{
	atomic_set(&t->sigpending, 1);
}

/** signal_pending() - has the calling harness thread been signalled? */
bool signal_pending(void)
{
	struct zd_thread *t = zd_current_thread;

	return t && atomic_read(&t->sigpending);
}

/** flush_signals() - forget the calling thread's pending signal */
void flush_signals(void)
{
	if (zd_current_thread)
		atomic_set(&zd_current_thread->sigpending, 0);
}

/** zd_thread_join() - wait for a harness thread; returns what its function returned */
void *zd_thread_join(struct zd_thread *t)
{
	pthread_join(t->handle, &t->ret);
	return t->ret;
}

/*
 * A voluntary switch point.  Free-running threads need nothing here; the
 * deterministic explorer will hook it.
 */
void cond_resched(void)
{
}

/** msleep() - sleep for @ms milliseconds (a backoff, not a wait for an event) */
void msleep(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ------------------------------------------------------------------ */

static __cold void sync_fatal(const char *what, int err)
{
	fprintf(stderr, "zonedev: lib/sync: %s failed: %s\n", what, strerror(err));
	abort();
}

static inline void pmutex_lock(pthread_mutex_t *m)
{
	int err = pthread_mutex_lock(m);

	if (unlikely(err))
		sync_fatal("pthread_mutex_lock", err);
}

static inline void pmutex_unlock(pthread_mutex_t *m)
{
	int err = pthread_mutex_unlock(m);

	if (unlikely(err))
		sync_fatal("pthread_mutex_unlock", err);
}

void __zd_lock_assert(bool held, const char *what, const char *file, int line)
{
	if (likely(held))
		return;
	fprintf(stderr, "zonedev: %s:%d: lock %s not held by this thread\n",
		file, line, what);
	abort();
}

void spin_lock_init(spinlock_t *lock)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
	pthread_mutex_init(&lock->m, &attr);
	pthread_mutexattr_destroy(&attr);
	lock->owner = 0;
}

void spin_lock(spinlock_t *lock)
{
	pmutex_lock(&lock->m);
	WRITE_ONCE(lock->owner, current_thread_id());
}

bool spin_trylock(spinlock_t *lock)
{
	if (pthread_mutex_trylock(&lock->m))
		return false;
	WRITE_ONCE(lock->owner, current_thread_id());
	return true;
}

void spin_unlock(spinlock_t *lock)
{
	if (unlikely(READ_ONCE(lock->owner) != current_thread_id())) {
		fprintf(stderr, "zonedev: spin_unlock of a lock this thread does not hold\n");
		abort();
	}
	WRITE_ONCE(lock->owner, 0);
	pmutex_unlock(&lock->m);
}

void spin_lock_destroy(spinlock_t *lock)
{
	pthread_mutex_destroy(&lock->m);
}

void mutex_init(struct mutex *lock)
{
	pthread_mutex_init(&lock->m, NULL);
	lock->owner = 0;
}

void mutex_lock(struct mutex *lock)
{
	pmutex_lock(&lock->m);
	WRITE_ONCE(lock->owner, current_thread_id());
}

bool mutex_trylock(struct mutex *lock)
{
	if (pthread_mutex_trylock(&lock->m))
		return false;
	WRITE_ONCE(lock->owner, current_thread_id());
	return true;
}

void mutex_unlock(struct mutex *lock)
{
	if (unlikely(READ_ONCE(lock->owner) != current_thread_id())) {
		fprintf(stderr, "zonedev: mutex_unlock of a mutex this thread does not hold\n");
		abort();
	}
	WRITE_ONCE(lock->owner, 0);
	pmutex_unlock(&lock->m);
}

void mutex_destroy(struct mutex *lock)
{
	pthread_mutex_destroy(&lock->m);
}

/* ------------------------------------------------------------------ */

void init_rwsem(struct rw_semaphore *sem)
{
	atomic_long_set(&sem->count, 0);
	atomic_set(&sem->writers_waiting, 0);
	atomic_set(&sem->sleepers, 0);
	pthread_mutex_init(&sem->m, NULL);
	pthread_cond_init(&sem->cond, NULL);
	sem->owner = 0;
}

void destroy_rwsem(struct rw_semaphore *sem)
{
	pthread_cond_destroy(&sem->cond);
	pthread_mutex_destroy(&sem->m);
}

/*
 * Sleep until @ready(sem) may hold.  The sleeper count is raised (fully
 * ordered) before the condition is looked at, and every state change is a
 * fully ordered RMW followed by a look at the count: one side always sees
 * the other, so no wakeup is lost.
 */
static void rwsem_sleep_until(struct rw_semaphore *sem, bool (*ready)(struct rw_semaphore *))
{
	pmutex_lock(&sem->m);
	atomic_inc_return(&sem->sleepers);
	while (!ready(sem))
		pthread_cond_wait(&sem->cond, &sem->m);
	atomic_dec(&sem->sleepers);
	pmutex_unlock(&sem->m);
}

static void rwsem_wake(struct rw_semaphore *sem)
{
	smp_mb();
	if (!atomic_read(&sem->sleepers))
		return;
	pmutex_lock(&sem->m);
	pthread_cond_broadcast(&sem->cond);
	pmutex_unlock(&sem->m);
}

static bool rwsem_read_ready(struct rw_semaphore *sem)
{
	return atomic_long_read(&sem->count) >= 0 && !atomic_read(&sem->writers_waiting);
}

static bool rwsem_write_ready(struct rw_semaphore *sem)
{
	return atomic_long_read(&sem->count) == 0;
}

bool down_read_trylock(struct rw_semaphore *sem)
{
	long c = atomic_long_read(&sem->count);

	while (c >= 0 && !atomic_read(&sem->writers_waiting)) {
		if (atomic_long_try_cmpxchg(&sem->count, &c, c + 1))
			return true;
	}
	return false;
}

void down_read(struct rw_semaphore *sem)
{
	while (!down_read_trylock(sem))
		rwsem_sleep_until(sem, rwsem_read_ready);
}

void up_read(struct rw_semaphore *sem)
{
	long c = atomic_long_dec_return(&sem->count);

	if (unlikely(c < 0)) {
		fprintf(stderr, "zonedev: up_read without down_read\n");
		abort();
	}
	if (c == 0)
		rwsem_wake(sem);
}

bool down_write_trylock(struct rw_semaphore *sem)
{
	long c = 0;

	if (!atomic_long_try_cmpxchg(&sem->count, &c, -1))
		return false;
	WRITE_ONCE(sem->owner, current_thread_id());
	return true;
}

void down_write(struct rw_semaphore *sem)
{
	atomic_inc_return(&sem->writers_waiting);
	while (!down_write_trylock(sem))
		rwsem_sleep_until(sem, rwsem_write_ready);
	atomic_dec(&sem->writers_waiting);
	rwsem_wake(sem);	/* readers that backed off for us may try again */
}

void up_write(struct rw_semaphore *sem)
{
	if (unlikely(READ_ONCE(sem->owner) != current_thread_id())) {
		fprintf(stderr, "zonedev: up_write by a thread that does not hold it\n");
		abort();
	}
	WRITE_ONCE(sem->owner, 0);
	atomic_long_xchg(&sem->count, 0);
	rwsem_wake(sem);
}

void downgrade_write(struct rw_semaphore *sem)
{
	WRITE_ONCE(sem->owner, 0);
	atomic_long_xchg(&sem->count, 1);
	rwsem_wake(sem);
}

bool rwsem_is_locked(struct rw_semaphore *sem)
{
	return atomic_long_read(&sem->count) != 0;
}

/* ------------------------------------------------------------------ */

#define WAIT_TABLE_BITS	8
#define WAIT_TABLE_SIZE	(1 << WAIT_TABLE_BITS)

static struct wait_var_bucket wait_table[WAIT_TABLE_SIZE];
static pthread_once_t wait_table_once = PTHREAD_ONCE_INIT;
static pthread_condattr_t monotonic_condattr;

static void wait_table_init(void)
{
	int i;

	pthread_condattr_init(&monotonic_condattr);
	pthread_condattr_setclock(&monotonic_condattr, CLOCK_MONOTONIC);
	for (i = 0; i < WAIT_TABLE_SIZE; i++) {
		pthread_mutex_init(&wait_table[i].m, NULL);
		pthread_cond_init(&wait_table[i].cond, &monotonic_condattr);
		atomic_set(&wait_table[i].waiters, 0);
	}
}

struct wait_var_bucket *__var_waitqueue(const void *var)
{
	unsigned long h = (unsigned long)var;

	pthread_once(&wait_table_once, wait_table_init);
	h ^= h >> 17;
	h *= 0x9E3779B97F4A7C15UL;
	return &wait_table[h >> (BITS_PER_LONG - WAIT_TABLE_BITS)];
}

void __wait_var_prepare(struct wait_var_bucket *b)
{
	pmutex_lock(&b->m);
	atomic_inc(&b->waiters);
	/*
	 * Order the count before the caller's first look at its condition, as
	 * set_current_state() does; pairs with the smp_mb() in wake_up_var().
	 */
	smp_mb();
}

void __wait_var_sleep(struct wait_var_bucket *b)
{
	pthread_cond_wait(&b->cond, &b->m);
}

unsigned long long __wait_deadline_ns(unsigned long timeout_ms)
{
	return ktime_get_ns() + (unsigned long long)timeout_ms * 1000000ULL;
}

static void ns_to_timespec(unsigned long long ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000ULL);
	ts->tv_nsec = (long)(ns % 1000000000ULL);
}

bool __wait_var_sleep_deadline(struct wait_var_bucket *b, unsigned long long deadline_ns)
{
	struct timespec ts;

	ns_to_timespec(deadline_ns, &ts);
	return pthread_cond_timedwait(&b->cond, &b->m, &ts) == 0 ||
	       ktime_get_ns() < deadline_ns;
}

void __wait_var_finish(struct wait_var_bucket *b)
{
	atomic_dec(&b->waiters);
	pmutex_unlock(&b->m);
}

/**
 * wake_up_var() - wake every thread in wait_var_event() on @var
 *
 * The caller has already made the waited-for condition true.
 */
void wake_up_var(const void *var)
{
	struct wait_var_bucket *b = __var_waitqueue(var);

	smp_mb();
	if (!atomic_read(&b->waiters))
		return;
	pmutex_lock(&b->m);
	pthread_cond_broadcast(&b->cond);
	pmutex_unlock(&b->m);
}

/* ------------------------------------------------------------------ */

void init_completion(struct completion *x)
{
	pthread_once(&wait_table_once, wait_table_init);
	x->done = 0;
	pthread_mutex_init(&x->m, NULL);
	pthread_cond_init(&x->cond, &monotonic_condattr);
}

void reinit_completion(struct completion *x)
{
	pmutex_lock(&x->m);
	x->done = 0;
	pmutex_unlock(&x->m);
}

void destroy_completion(struct completion *x)
{
	pthread_cond_destroy(&x->cond);
	pthread_mutex_destroy(&x->m);
}

void complete(struct completion *x)
{
	pmutex_lock(&x->m);
	if (x->done != ~0U)
		x->done++;
	pthread_cond_signal(&x->cond);
	pmutex_unlock(&x->m);
}

void complete_all(struct completion *x)
{
	pmutex_lock(&x->m);
	x->done = ~0U;
	pthread_cond_broadcast(&x->cond);
	pmutex_unlock(&x->m);
}

static inline void completion_consume(struct completion *x)
{
	if (x->done != ~0U)
		x->done--;
}

void wait_for_completion(struct completion *x)
{
	pmutex_lock(&x->m);
	while (!x->done)
		pthread_cond_wait(&x->cond, &x->m);
	completion_consume(x);
	pmutex_unlock(&x->m);
}

unsigned long wait_for_completion_timeout(struct completion *x, unsigned long timeout_ms)
{
	unsigned long long deadline = __wait_deadline_ns(timeout_ms);
	unsigned long long now;
	struct timespec ts;
	unsigned long left = 0;

	ns_to_timespec(deadline, &ts);
	pmutex_lock(&x->m);
	while (!x->done) {
		if (pthread_cond_timedwait(&x->cond, &x->m, &ts) && !x->done)
			goto out;
	}
	completion_consume(x);
	now = ktime_get_ns();
	left = now < deadline ? (unsigned long)((deadline - now) / 1000000ULL) : 0;
	left = left ? left : 1;
out:
	pmutex_unlock(&x->m);
	return left;
}

bool try_wait_for_completion(struct completion *x)
{
	bool ok;

	pmutex_lock(&x->m);
	ok = x->done != 0;
	if (ok)
		completion_consume(x);
	pmutex_unlock(&x->m);
	return ok;
}

bool completion_done(struct completion *x)
{
	bool done;

	pmutex_lock(&x->m);
	done = x->done != 0;
	pmutex_unlock(&x->m);
	return done;
}
