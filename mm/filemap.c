// SPDX-License-Identifier: GPL-2.0-only
/*
 * The folio lock: PG_locked, with PG_waiters telling the unlocker that
 * somebody sleeps on the folio.  Sleepers wait on the folio's address in the
 * hashed wait queues (wait_var_event), as folio_wait_bit() does on the
 * kernel's folio_wait_table.
 */
#include "internal.h"

/*
 * Announce a waiter, then look at the lock: the full barrier pairs with the
 * one in folio_unlock() so either we see the unlock or it sees PG_waiters.
 */
static bool folio_lock_released(struct folio *folio)
{
	set_bit(PG_waiters, &folio->flags);
	smp_mb__after_atomic();
	return !test_bit(PG_locked, &folio->flags);
}

/** folio_lock() - lock @folio, sleeping until it is available */
void folio_lock(struct folio *folio)
{
	while (!folio_trylock(folio))
		wait_var_event(folio, folio_lock_released(folio));
}

/**
 * folio_unlock() - unlock @folio and wake its waiters
 *
 * Unlocking a folio that is not locked is a bug, reported with a dump.
 */
void folio_unlock(struct folio *folio)
{
	unsigned long old = fetch_andnot_release(BIT(PG_locked), &folio->flags);

	if (unlikely(!(old & BIT(PG_locked)))) {
		__vm_bug_page(&folio->page, "unlock of an unlocked page", __func__, __LINE__);
		return;
	}
	smp_mb__after_atomic();
	if (test_and_clear_bit(PG_waiters, &folio->flags))
		wake_up_var(folio);
}

/** folio_wait_locked() - wait until @folio is unlocked, without taking it */
void folio_wait_locked(struct folio *folio)
{
	wait_var_event(folio, folio_lock_released(folio));
}
