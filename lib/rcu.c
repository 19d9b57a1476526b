// SPDX-License-Identifier: GPL-2.0-only
/*
 * RCU glue over liburcu (memb flavour): thread registration, grace periods,
 * and a call_rcu() worker.
 *
 * The worker batches callbacks: it takes everything queued so far, waits for
 * one grace period, then runs the batch.  rcu_barrier() queues a callback of
 * its own and waits for it, which (callbacks running in queue order) means
 * every earlier callback has run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <zonedev/rcupdate.h>

/* liburcu's memb flavour, out of line (see <urcu/urcu-memb.h>). */
void urcu_memb_synchronize_rcu(void);
void urcu_memb_register_thread(void);
void urcu_memb_unregister_thread(void);

__thread int __zd_rcu_registered;
__thread int __zd_rcu_nesting;

#ifdef ZD_TSAN
char __zd_rcu_tsan_sync;
#endif

static pthread_key_t rcu_exit_key;
static pthread_once_t rcu_key_once = PTHREAD_ONCE_INIT;

static void rcu_thread_exit(void *unused)
{
	(void)unused;
	if (__zd_rcu_registered) {
		urcu_memb_unregister_thread();
		__zd_rcu_registered = 0;
	}
}

static void rcu_key_init(void)
{
	pthread_key_create(&rcu_exit_key, rcu_thread_exit);
}

/* First read-side section of a thread nobody registered: do it now. */
void __zd_rcu_register_self(void)
{
	pthread_once(&rcu_key_once, rcu_key_init);
	urcu_memb_register_thread();
	__zd_rcu_registered = 1;
	/* Unregister from the thread-exit destructor. */
	pthread_setspecific(rcu_exit_key, (void *)1);
}

void rcu_register_thread(void)
{
	if (!__zd_rcu_registered)
		__zd_rcu_register_self();
}

void rcu_unregister_thread(void)
{
	if (__zd_rcu_registered) {
		pthread_setspecific(rcu_exit_key, NULL);
		urcu_memb_unregister_thread();
		__zd_rcu_registered = 0;
	}
}

/**
 * synchronize_rcu() - wait until every read-side section begun before the
 *                     call has ended
 *
 * Calling it from inside a read-side section would wait forever; that is a
 * bug in the caller and aborts.
 */
void synchronize_rcu(void)
{
	if (unlikely(__zd_rcu_nesting > 0)) {
		fprintf(stderr, "zonedev: synchronize_rcu() inside an RCU read-side section\n");
		abort();
	}
	urcu_memb_synchronize_rcu();
#ifdef ZD_TSAN
	__tsan_acquire(&__zd_rcu_tsan_sync);
#endif
}

/* ------------------------------------------------------------------ */

static struct {
	spinlock_t lock;
	struct rcu_head *head, **tail;
	unsigned long queued, done;	/* callbacks queued and run, ever */
	bool started;
	struct zd_thread thread;
} crcu = {
	.lock = __SPIN_LOCK_UNLOCKED(crcu.lock),
	.tail = &crcu.head,
};

static void *call_rcu_worker(void *unused)
{
	(void)unused;
	for (;;) {
		struct rcu_head *batch, *next;
		unsigned long n = 0;

		wait_var_event(&crcu.queued, READ_ONCE(crcu.head) != NULL);
		spin_lock(&crcu.lock);
		batch = crcu.head;
		WRITE_ONCE(crcu.head, NULL);
		crcu.tail = &crcu.head;
		spin_unlock(&crcu.lock);

		synchronize_rcu();
		for (; batch; batch = next) {
			next = batch->next;
			batch->func(batch);
			n++;
		}
		spin_lock(&crcu.lock);
		crcu.done += n;
		spin_unlock(&crcu.lock);
		wake_up_var(&crcu.done);
	}
	return NULL;
}

/**
 * call_rcu() - run @func(@head) after a grace period, on the RCU worker
 *
 * Never sleeps; callable with locks held.
 */
void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head))
{
	bool start;

	head->func = func;
	head->next = NULL;
	spin_lock(&crcu.lock);
	WRITE_ONCE(*crcu.tail, head);
	crcu.tail = &head->next;
	crcu.queued++;
	start = !crcu.started;
	crcu.started = true;
	spin_unlock(&crcu.lock);
	if (start && zd_thread_start(&crcu.thread, call_rcu_worker, NULL)) {
		fprintf(stderr, "zonedev: cannot start the call_rcu worker\n");
		abort();
	}
	wake_up_var(&crcu.queued);
}

static unsigned long crcu_done(void)
{
	unsigned long done;

	spin_lock(&crcu.lock);
	done = crcu.done;
	spin_unlock(&crcu.lock);
	return done;
}

/** rcu_barrier() - wait until every callback queued before the call has run */
void rcu_barrier(void)
{
	unsigned long target;

	spin_lock(&crcu.lock);
	target = crcu.queued;
	spin_unlock(&crcu.lock);
	wait_var_event(&crcu.done, crcu_done() >= target);
}
