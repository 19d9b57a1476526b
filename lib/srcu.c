// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sleepable RCU over two counters (see <zonedev/srcu.h>).
 *
 * synchronize_srcu() drains both counters, one flip each: a reader may read
 * the index, be preempted across a whole earlier grace period and count
 * itself in the counter the last flip retired, so that counter can hold a
 * reader older than this call.  The flip before each wait is what keeps a
 * stream of new readers from starving it: they count in the other one.
 */
#include <zonedev/srcu.h>

void init_srcu_struct(struct srcu_struct *ssp)
{
	atomic_long_set(&ssp->c[0], 0);
	atomic_long_set(&ssp->c[1], 0);
	ssp->idx = 0;
	mutex_init(&ssp->lock);
}

void cleanup_srcu_struct(struct srcu_struct *ssp)
{
	mutex_destroy(&ssp->lock);
}

/**
 * srcu_read_lock() - enter a read-side section
 *
 * Return: the index to pass to srcu_read_unlock().
 */
int srcu_read_lock(struct srcu_struct *ssp)
{
	int idx = (int)(READ_ONCE(ssp->idx) & 1);

	atomic_long_inc_return(&ssp->c[idx]);
	smp_mb();	/* count ourselves before reading what the section protects */
	return idx;
}

/** srcu_read_unlock() - leave the section srcu_read_lock() returned @idx for */
void srcu_read_unlock(struct srcu_struct *ssp, int idx)
{
	smp_mb();	/* the section's accesses happen before we uncount */
	if (atomic_long_dec_return(&ssp->c[idx]) == 0)
		wake_up_var(&ssp->c[idx]);
}

/**
 * synchronize_srcu() - wait until every read-side section that began before
 * this call has ended
 *
 * Must not be called from inside a read-side section of @ssp: it would
 * wait for itself.
 */
void synchronize_srcu(struct srcu_struct *ssp)
{
	unsigned long old;
	int pass;

	mutex_lock(&ssp->lock);
	for (pass = 0; pass < 2; pass++) {
		smp_mb();	/* the caller's updates before the flip */
		old = READ_ONCE(ssp->idx) & 1;
		WRITE_ONCE(ssp->idx, ssp->idx + 1);
		smp_mb();
		wait_var_event(&ssp->c[old], atomic_long_read(&ssp->c[old]) == 0);
	}
	smp_mb();	/* the readers' sections before the caller's next step */
	mutex_unlock(&ssp->lock);
}
