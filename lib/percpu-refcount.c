// SPDX-License-Identifier: GPL-2.0-only
/*
 * percpu_ref: the slow paths.  Mode switches are serialized by one lock and
 * by ref->confirm_switch (non-NULL while a switch to atomic is in flight);
 * the percpu slots are folded into the atomic count from an RCU callback,
 * after every percpu get/put that could have missed the ATOMIC flag is done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zonedev/percpu-refcount.h>
#include <zonedev/slab.h>

static DEFINE_SPINLOCK(percpu_ref_switch_lock);

static inline struct percpu_ref_slot *percpu_count_slots(struct percpu_ref *ref)
{
	return (struct percpu_ref_slot *)(ref->percpu_count_ptr & ~__PERCPU_REF_ATOMIC_DEAD);
}

/**
 * percpu_ref_init() - initialize a percpu refcount holding one reference
 * @ref: the ref
 * @release: called when the count reaches zero after a kill
 * @flags: PERCPU_REF_INIT_ATOMIC, PERCPU_REF_INIT_DEAD, PERCPU_REF_ALLOW_REINIT
 * @gfp: allocation flags for the slots
 *
 * Return: 0, or -ENOMEM if the slots cannot be allocated.
 */
int percpu_ref_init(struct percpu_ref *ref, percpu_ref_func_t *release,
		    unsigned int flags, unsigned int gfp)
{
	struct percpu_ref_slot *slots;
	unsigned long start = 1;

	slots = kzalloc(sizeof(*slots) * NR_CPUS, gfp);
	if (!slots) {
		/* percpu_ref_exit() of a ref whose init failed is a no-op. */
		ref->percpu_count_ptr = 0;
		return -ENOMEM;
	}

	ref->percpu_count_ptr = (unsigned long)slots;
	ref->force_atomic = flags & PERCPU_REF_INIT_ATOMIC;
	ref->allow_reinit = flags & PERCPU_REF_ALLOW_REINIT;
	if (flags & (PERCPU_REF_INIT_ATOMIC | PERCPU_REF_INIT_DEAD)) {
		ref->percpu_count_ptr |= __PERCPU_REF_ATOMIC;
		ref->allow_reinit = true;
	} else {
		start += PERCPU_COUNT_BIAS;
	}
	if (flags & PERCPU_REF_INIT_DEAD) {
		ref->percpu_count_ptr |= __PERCPU_REF_DEAD;
		start--;
	}
	atomic_long_set(&ref->count, (long)start);
	ref->release = release;
	ref->confirm_switch = NULL;
	ref->pending_fold = false;
	return 0;
}

/**
 * percpu_ref_exit() - free the slots of a ref whose count is zero (or that
 * was never used)
 */
void percpu_ref_exit(struct percpu_ref *ref)
{
	struct percpu_ref_slot *slots = percpu_count_slots(ref);

	if (!slots)
		return;
	/* A switch still in flight would touch the slots from its callback. */
	wait_var_event(&ref->confirm_switch, smp_load_acquire(&ref->confirm_switch) == NULL);
	kfree(slots);
	ref->percpu_count_ptr = __PERCPU_REF_ATOMIC_DEAD;
}

void __percpu_ref_release(struct percpu_ref *ref)
{
	percpu_ref_func_t *release = ref->release;

	if (release)
		release(ref);
	wake_up_var(ref);
}

static void percpu_ref_noop_confirm_switch(struct percpu_ref *ref)
{
	(void)ref;
}

static void percpu_ref_call_confirm_rcu(struct rcu_head *rcu)
{
	struct percpu_ref *ref = container_of(rcu, struct percpu_ref, rcu);
	percpu_ref_func_t *confirm = READ_ONCE(ref->confirm_switch);
	bool last;

	confirm(ref);
	/*
	 * Drop the reference that kept the ref alive across the switch before
	 * anyone waiting for the switch can look at the count; the ref is in
	 * atomic mode now, so this is the plain atomic put.
	 */
	last = atomic_long_dec_and_test(&ref->count);
	/* Release: everything the switch did is visible to whoever sees NULL. */
	smp_store_release(&ref->confirm_switch, NULL);
	wake_up_var(&ref->confirm_switch);
	if (last)
		__percpu_ref_release(ref);
}

static void percpu_ref_switch_to_atomic_rcu(struct rcu_head *rcu)
{
	struct percpu_ref *ref = container_of(rcu, struct percpu_ref, rcu);
	struct percpu_ref_slot *slots = percpu_count_slots(ref);
	unsigned long sum = 0;
	int cpu;

	/* The lock makes the fold atomic with respect to percpu_ref_read(). */
	spin_lock(&percpu_ref_switch_lock);
	for_each_possible_cpu(cpu)
		sum += __atomic_load_n(&slots[cpu].count, __ATOMIC_RELAXED);

	/*
	 * Adding the percpu sum and removing the bias in one step keeps the
	 * count from reaching zero before every percpu reference is in it.
	 */
	atomic_long_add((long)(sum - PERCPU_COUNT_BIAS), &ref->count);
	ref->pending_fold = false;
	spin_unlock(&percpu_ref_switch_lock);
	if (unlikely(atomic_long_read(&ref->count) <= 0)) {
		fprintf(stderr, "zonedev: percpu_ref %p count %ld after switch to atomic\n",
			(void *)ref, atomic_long_read(&ref->count));
		abort();
	}
	percpu_ref_call_confirm_rcu(rcu);
}

/* Called with percpu_ref_switch_lock held and no switch in flight. */
static void __percpu_ref_switch_to_atomic(struct percpu_ref *ref,
					  percpu_ref_func_t *confirm_switch)
{
	if (ref->percpu_count_ptr & __PERCPU_REF_ATOMIC) {
		if (confirm_switch)
			confirm_switch(ref);
		return;
	}

	WRITE_ONCE(ref->percpu_count_ptr, ref->percpu_count_ptr | __PERCPU_REF_ATOMIC);
	ref->pending_fold = true;
	/* Keep the ref alive until the switch is confirmed. */
	percpu_ref_get(ref);
	WRITE_ONCE(ref->confirm_switch,
		   confirm_switch ? confirm_switch : percpu_ref_noop_confirm_switch);
	call_rcu(&ref->rcu, percpu_ref_switch_to_atomic_rcu);
}

static void __percpu_ref_switch_to_percpu(struct percpu_ref *ref)
{
	struct percpu_ref_slot *slots = percpu_count_slots(ref);
	int cpu;

	if (!(ref->percpu_count_ptr & __PERCPU_REF_ATOMIC))
		return;
	if (!ref->allow_reinit) {
		/* The kernel WARNs: only PERCPU_REF_ALLOW_REINIT refs go back. */
		fprintf(stderr, "zonedev: WARNING: percpu_ref %p: back to percpu mode without PERCPU_REF_ALLOW_REINIT\n",
			(void *)ref);
		return;
	}

	atomic_long_add((long)PERCPU_COUNT_BIAS, &ref->count);
	for_each_possible_cpu(cpu)
		__atomic_store_n(&slots[cpu].count, 0, __ATOMIC_RELAXED);
	/* The zeroed slots must be visible before anyone sees percpu mode. */
	smp_store_release(&ref->percpu_count_ptr,
			  ref->percpu_count_ptr & ~__PERCPU_REF_ATOMIC);
}

/* Take the switch lock once no switch is in flight. */
static void percpu_ref_lock_switch(struct percpu_ref *ref)
{
	for (;;) {
		spin_lock(&percpu_ref_switch_lock);
		if (!smp_load_acquire(&ref->confirm_switch))
			return;
		spin_unlock(&percpu_ref_switch_lock);
		wait_var_event(&ref->confirm_switch, smp_load_acquire(&ref->confirm_switch) == NULL);
	}
}

static void __percpu_ref_switch_mode(struct percpu_ref *ref,
				     percpu_ref_func_t *confirm_switch)
{
	if (ref->force_atomic || (ref->percpu_count_ptr & __PERCPU_REF_DEAD))
		__percpu_ref_switch_to_atomic(ref, confirm_switch);
	else
		__percpu_ref_switch_to_percpu(ref);
}

/**
 * percpu_ref_switch_to_atomic() - switch to atomic mode; @confirm_switch runs
 * once the switch is complete (after an RCU grace period)
 *
 * The ref stays in atomic mode until percpu_ref_switch_to_percpu().
 */
void percpu_ref_switch_to_atomic(struct percpu_ref *ref, percpu_ref_func_t *confirm_switch)
{
	percpu_ref_lock_switch(ref);
	ref->force_atomic = true;
	__percpu_ref_switch_mode(ref, confirm_switch);
	spin_unlock(&percpu_ref_switch_lock);
}

/** percpu_ref_switch_to_atomic_sync() - switch to atomic mode and wait for it */
void percpu_ref_switch_to_atomic_sync(struct percpu_ref *ref)
{
	percpu_ref_switch_to_atomic(ref, NULL);
	wait_var_event(&ref->confirm_switch, smp_load_acquire(&ref->confirm_switch) == NULL);
}

/**
 * percpu_ref_switch_to_percpu() - return to percpu mode (unless killed)
 */
void percpu_ref_switch_to_percpu(struct percpu_ref *ref)
{
	percpu_ref_lock_switch(ref);
	ref->force_atomic = false;
	__percpu_ref_switch_mode(ref, NULL);
	spin_unlock(&percpu_ref_switch_lock);
}

/**
 * percpu_ref_kill_and_confirm() - drop the initial ref and make
 * tryget_live fail; @confirm_kill runs once no CPU can still see the ref
 * live
 *
 * Must be called once.  A second kill is a bug and is reported.
 */
void percpu_ref_kill_and_confirm(struct percpu_ref *ref, percpu_ref_func_t *confirm_kill)
{
	percpu_ref_lock_switch(ref);
	if (ref->percpu_count_ptr & __PERCPU_REF_DEAD) {
		spin_unlock(&percpu_ref_switch_lock);
		fprintf(stderr, "zonedev: percpu_ref_kill() called more than once on %p\n",
			(void *)ref);
		abort();
	}
	/*
	 * Stay in a read-side section until the initial reference is gone:
	 * the fold that ends the switch waits for a grace period, so it cannot
	 * run first and make our put the last one.  release() never runs
	 * inside kill (unless the ref was atomic already, as in the kernel).
	 */
	rcu_read_lock();
	WRITE_ONCE(ref->percpu_count_ptr, ref->percpu_count_ptr | __PERCPU_REF_DEAD);
	__percpu_ref_switch_mode(ref, confirm_kill);
	spin_unlock(&percpu_ref_switch_lock);
	percpu_ref_put(ref);
	rcu_read_unlock();
}

/**
 * percpu_ref_resurrect() - undo a kill: take a new initial reference and
 * return to percpu mode.  The count must not have reached zero.
 */
void percpu_ref_resurrect(struct percpu_ref *ref)
{
	percpu_ref_lock_switch(ref);
	/* Only a killed ref, already in atomic mode, comes back (kernel WARNs). */
	if (!(ref->percpu_count_ptr & __PERCPU_REF_DEAD) ||
	    !(ref->percpu_count_ptr & __PERCPU_REF_ATOMIC)) {
		spin_unlock(&percpu_ref_switch_lock);
		fprintf(stderr, "zonedev: WARNING: percpu_ref_resurrect() of a ref that is not dying: %p\n",
			(void *)ref);
		return;
	}
	WRITE_ONCE(ref->percpu_count_ptr, ref->percpu_count_ptr & ~__PERCPU_REF_DEAD);
	percpu_ref_get(ref);
	__percpu_ref_switch_mode(ref, NULL);
	spin_unlock(&percpu_ref_switch_lock);
}

/** percpu_ref_reinit() - re-initialize a ref whose count reached zero */
void percpu_ref_reinit(struct percpu_ref *ref)
{
	if (!percpu_ref_is_zero(ref)) {
		fprintf(stderr, "zonedev: WARNING: percpu_ref_reinit() of a ref that is not zero: %p\n",
			(void *)ref);
		return;
	}
	percpu_ref_resurrect(ref);
}

/**
 * percpu_ref_is_zero() - true once the ref is in atomic mode at zero
 */
bool percpu_ref_is_zero(struct percpu_ref *ref)
{
	struct percpu_ref_slot *slots;
	bool percpu;

	rcu_read_lock();
	percpu = __ref_is_percpu(ref, &slots);
	rcu_read_unlock();
	if (percpu)
		return false;
	return atomic_long_read(&ref->count) == 0;
}

/**
 * percpu_ref_read() - the current count, for accounting and reports
 *
 * Exact when nobody is changing the ref; a snapshot otherwise.
 */
unsigned long percpu_ref_read(struct percpu_ref *ref)
{
	struct percpu_ref_slot *slots;
	unsigned long count;
	int cpu;

	spin_lock(&percpu_ref_switch_lock);
	count = (unsigned long)atomic_long_read(&ref->count);
	if (!(ref->percpu_count_ptr & __PERCPU_REF_ATOMIC) || ref->pending_fold) {
		slots = percpu_count_slots(ref);
		for_each_possible_cpu(cpu)
			count += __atomic_load_n(&slots[cpu].count, __ATOMIC_RELAXED);
		count -= PERCPU_COUNT_BIAS;
	}
	spin_unlock(&percpu_ref_switch_lock);
	return count;
}

/**
 * percpu_ref_wait_is_zero() - after a kill, wait (at most @timeout_ms) for
 * the count to reach zero; the blk-mq freeze idiom
 *
 * Return: true if the ref reached zero.
 */
bool percpu_ref_wait_is_zero(struct percpu_ref *ref, unsigned long timeout_ms)
{
	return wait_var_event_timeout(ref, percpu_ref_is_zero(ref), timeout_ms);
}
