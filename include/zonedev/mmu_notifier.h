/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mmu_interval_notifier: how a device that mirrors part of an address space
 * (HMM, dmirror) learns that CPU page-table entries are about to change, and
 * how it avoids installing device mappings from entries that changed while
 * it was reading them.
 *
 * A driver subscribes to a virtual range of an mm.  Every change to the CPU
 * page tables is bracketed by mmu_notifier_invalidate_range_start() and
 * mmu_notifier_invalidate_range_end(); between the two, ->invalidate() runs
 * for each subscription whose range overlaps the change, before any PTE
 * changes and before any page is freed.  The driver's read side is a
 * collision-retry loop (the pattern of Documentation/mm/hmm.rst):
 *
 *	again:
 *		seq = mmu_interval_read_begin(sub);
 *		read the CPU page tables (hmm_range_fault() with notifier_seq = seq);
 *		mutex_lock(&driver->lock);
 *		if (mmu_interval_read_retry(sub, seq)) {
 *			mutex_unlock(&driver->lock);
 *			goto again;
 *		}
 *		program the device page table;
 *		mutex_unlock(&driver->lock);
 *
 * and its ->invalidate() takes the same lock, calls mmu_interval_set_seq()
 * with the sequence number it was given, tears down the device mappings in
 * the range and returns true.
 *
 * Model rules (the kernel enforces the first with mm_take_all_locks() when
 * the per-mm state is created; here the callers keep it):
 *  - every invalidate_range_start()/end() pair runs under mmap_lock (read or
 *    write), so that creating the per-mm state, which takes mmap_lock for
 *    write, never happens in the middle of one;
 *  - mmput() calls mmu_notifier_release() before it unmaps anything and
 *    mmu_notifier_subscriptions_destroy() before it frees the mm.
 */
#ifndef _ZONEDEV_MMU_NOTIFIER_H
#define _ZONEDEV_MMU_NOTIFIER_H

#include <zonedev/mm_task.h>
#include <zonedev/interval_tree.h>

struct mmu_notifier_subscriptions;
struct mmu_interval_notifier;

/**
 * enum mmu_notifier_event - why the CPU page tables of a range change
 * @MMU_NOTIFY_UNMAP: munmap(), exit, or mremap() moving the range away
 * @MMU_NOTIFY_CLEAR: entries cleared for another reason (MADV_DONTNEED,
 *	copy-on-write replacing a page, reclaim, migration to a new page)
 * @MMU_NOTIFY_PROTECTION_VMA: mprotect(): the VMA's protection now applies
 *	to the whole range
 * @MMU_NOTIFY_PROTECTION_PAGE: individual entries lose write permission
 *	(fork write-protecting a copy-on-write mapping)
 * @MMU_NOTIFY_SOFT_DIRTY: soft-dirty tracking write-protects entries
 * @MMU_NOTIFY_RELEASE: the mm is going away; sent once to every interval
 *	notifier over [0, ULONG_MAX) by mmu_notifier_release()
 * @MMU_NOTIFY_MIGRATE: migrate_vma_setup() unmaps pages to migrate them;
 *	@owner of the range is the pgmap owner given to it, so a driver may
 *	skip invalidations caused by its own migrations
 * @MMU_NOTIFY_EXCLUSIVE: entries become device-exclusive (@owner is the
 *	owner given to make_device_exclusive()) or are restored on a CPU fault
 *	(@owner is NULL)
 */
enum mmu_notifier_event {
	MMU_NOTIFY_UNMAP = 0,
	MMU_NOTIFY_CLEAR,
	MMU_NOTIFY_PROTECTION_VMA,
	MMU_NOTIFY_PROTECTION_PAGE,
	MMU_NOTIFY_SOFT_DIRTY,
	MMU_NOTIFY_RELEASE,
	MMU_NOTIFY_MIGRATE,
	MMU_NOTIFY_EXCLUSIVE,
};

/* The callbacks may sleep (take sleeping locks, wait for the device). */
#define MMU_NOTIFIER_RANGE_BLOCKABLE	(1 << 0)

/**
 * struct mmu_notifier_range - one change to an mm's page tables
 * @mm: the address space
 * @start: first address (page aligned)
 * @end: address after the last one (exclusive)
 * @flags: MMU_NOTIFIER_RANGE_BLOCKABLE or 0
 * @event: why, see enum mmu_notifier_event
 * @owner: who caused it, for MMU_NOTIFY_MIGRATE and MMU_NOTIFY_EXCLUSIVE;
 *	NULL otherwise
 *
 * As in v6.3+ kernels there is no ->vma member.  The same range, unchanged,
 * goes to mmu_notifier_invalidate_range_start() and _end().
 */
struct mmu_notifier_range {
	struct mm_struct *mm;
	unsigned long start;
	unsigned long end;
	unsigned int flags;
	enum mmu_notifier_event event;
	void *owner;
};

/**
 * struct mmu_interval_notifier_ops - what a subscriber provides
 * @invalidate: the CPU page tables in @range are about to change.  Take the
 *	driver's lock (only try to, and return false if that fails, when
 *	mmu_notifier_range_blockable(@range) is false), call
 *	mmu_interval_set_seq(@interval_sub, @cur_seq), stop the device from
 *	using any mapping of @range (more is allowed) and wait for that to be
 *	done, unlock and return true.  Returning false is allowed only for a
 *	non-blockable range.  Must not call mmu_interval_notifier_remove() or
 *	mmu_interval_read_begin().
 */
struct mmu_interval_notifier_ops {
	bool (*invalidate)(struct mmu_interval_notifier *interval_sub,
			   const struct mmu_notifier_range *range,
			   unsigned long cur_seq);
};

/**
 * struct mmu_interval_notifier - one subscription to a range of an mm
 * @interval_tree: the range [start, last], a node of the mm's tree
 * @ops: the callbacks
 * @mm: the address space, set by insert and kept (with a reference on
 *	mm_count) until remove
 * @deferred_item: on the mm's deferred list while an insert or remove waits
 *	for the invalidations in progress to end
 * @invalidate_seq: the sequence number the read side compares against;
 *	always odd
 *
 * Embed it in the driver's own structure; the fields are the core's.
 */
struct mmu_interval_notifier {
	struct interval_tree_node interval_tree;
	const struct mmu_interval_notifier_ops *ops;
	struct mm_struct *mm;
	struct list_head deferred_item;
	unsigned long invalidate_seq;
};

int mmu_interval_notifier_insert(struct mmu_interval_notifier *interval_sub,
				 struct mm_struct *mm, unsigned long start,
				 unsigned long length,
				 const struct mmu_interval_notifier_ops *ops);
int mmu_interval_notifier_insert_locked(struct mmu_interval_notifier *interval_sub,
					struct mm_struct *mm, unsigned long start,
					unsigned long length,
					const struct mmu_interval_notifier_ops *ops);
void mmu_interval_notifier_remove(struct mmu_interval_notifier *interval_sub);
unsigned long mmu_interval_read_begin(struct mmu_interval_notifier *interval_sub);

/**
 * mmu_interval_set_seq() - record in @interval_sub that an invalidation
 * with sequence number @cur_seq has reached it
 * @interval_sub: the subscription given to ->invalidate()
 * @cur_seq: the sequence number given to ->invalidate() (odd)
 *
 * Call it from ->invalidate(), under the lock the driver also holds around
 * mmu_interval_read_retry(): that lock is what orders the two.  A driver
 * that never calls mmu_interval_read_begin() need not call it.
 */
static inline void mmu_interval_set_seq(struct mmu_interval_notifier *interval_sub,
					unsigned long cur_seq)
{
	WRITE_ONCE(interval_sub->invalidate_seq, cur_seq);
}

/**
 * mmu_interval_read_retry() - end a read section: must what was read be
 * thrown away?
 * @interval_sub: the subscription
 * @seq: what the matching mmu_interval_read_begin() returned
 *
 * Call it under the driver's lock (the one ->invalidate() takes) and, if it
 * returns false, install the device mappings before dropping that lock: an
 * invalidation that comes later then finds them and tears them down.
 *
 * Return: true if an invalidation of the range began since
 * mmu_interval_read_begin(), so the caller must start again.
 */
static inline bool mmu_interval_read_retry(struct mmu_interval_notifier *interval_sub,
					   unsigned long seq)
{
	return READ_ONCE(interval_sub->invalidate_seq) != seq;
}

/**
 * mmu_interval_check_retry() - has the read section already collided?
 * @interval_sub: the subscription
 * @seq: what the matching mmu_interval_read_begin() returned
 *
 * The same test as mmu_interval_read_retry() without the driver's lock, so
 * only a hint: true means give up early (hmm_range_fault() returns -EBUSY),
 * false proves nothing and mmu_interval_read_retry() must still be called.
 */
static inline bool mmu_interval_check_retry(struct mmu_interval_notifier *interval_sub,
					    unsigned long seq)
{
	return READ_ONCE(interval_sub->invalidate_seq) != seq;
}

/**
 * mmu_notifier_range_blockable() - may the callbacks for @range sleep?
 */
static inline bool mmu_notifier_range_blockable(const struct mmu_notifier_range *range)
{
	return range->flags & MMU_NOTIFIER_RANGE_BLOCKABLE;
}

/**
 * mmu_notifier_range_init() - describe a change to [@start, @end) of @mm
 * @range: to fill in
 * @event: why
 * @flags: 0 (invalidate_range_start() decides about blocking)
 * @mm: the address space
 * @start: first address
 * @end: address after the last
 */
static inline void mmu_notifier_range_init(struct mmu_notifier_range *range,
					   enum mmu_notifier_event event, unsigned int flags,
					   struct mm_struct *mm, unsigned long start,
					   unsigned long end)
{
	range->mm = mm;
	range->start = start;
	range->end = end;
	range->flags = flags;
	range->event = event;
	range->owner = NULL;
}

/**
 * mmu_notifier_range_init_owner() - mmu_notifier_range_init() with an
 * @owner (MMU_NOTIFY_MIGRATE: the pgmap owner; MMU_NOTIFY_EXCLUSIVE: the
 * make_device_exclusive() owner)
 */
static inline void mmu_notifier_range_init_owner(struct mmu_notifier_range *range,
						 enum mmu_notifier_event event,
						 unsigned int flags, struct mm_struct *mm,
						 unsigned long start, unsigned long end,
						 void *owner)
{
	mmu_notifier_range_init(range, event, flags, mm, start, end);
	range->owner = owner;
}

/* Whether anyone ever subscribed to @mm (its per-mm state exists). */
static inline bool mm_has_notifiers(struct mm_struct *mm)
{
	return smp_load_acquire(&mm->notifier_subscriptions) != NULL;
}

int __mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range);
void __mmu_notifier_invalidate_range_end(struct mmu_notifier_range *range);
void __mmu_notifier_release(struct mm_struct *mm);
void __mmu_notifier_subscriptions_destroy(struct mm_struct *mm);

/**
 * mmu_notifier_invalidate_range_start() - the page tables of @range are
 * about to change
 * @range: from mmu_notifier_range_init(); made blockable here
 *
 * Calls ->invalidate() of every subscription overlapping @range, which may
 * sleep, and returns when all have returned.  Must be paired with
 * mmu_notifier_invalidate_range_end() on the same @range once the change is
 * complete (PTEs written, TLB flushed).  Hold mmap_lock across the pair.
 */
static inline void mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range)
{
	if (mm_has_notifiers(range->mm)) {
		range->flags |= MMU_NOTIFIER_RANGE_BLOCKABLE;
		__mmu_notifier_invalidate_range_start(range);
	}
}

/**
 * mmu_notifier_invalidate_range_start_nonblock() - the same, for a caller
 * that cannot wait (the kernel's OOM reaper)
 * @range: from mmu_notifier_range_init(); made non-blockable here
 *
 * Return: 0, with the invalidation begun: call _end() later; or -EAGAIN if
 * some ->invalidate() would have had to sleep: the invalidation is already
 * over and the caller must not call _end().
 */
static inline int mmu_notifier_invalidate_range_start_nonblock(struct mmu_notifier_range *range)
{
	if (!mm_has_notifiers(range->mm))
		return 0;
	range->flags &= ~MMU_NOTIFIER_RANGE_BLOCKABLE;
	return __mmu_notifier_invalidate_range_start(range);
}

/**
 * mmu_notifier_invalidate_range_end() - the change to @range is complete
 * @range: the range given to the matching _start()
 *
 * When the last invalidation in progress on the mm ends, readers waiting in
 * mmu_interval_read_begin() or mmu_interval_notifier_remove() wake up.
 */
static inline void mmu_notifier_invalidate_range_end(struct mmu_notifier_range *range)
{
	if (mm_has_notifiers(range->mm))
		__mmu_notifier_invalidate_range_end(range);
}

/**
 * mmu_notifier_release() - @mm's last user is gone: tell every subscriber
 *
 * Called by mmput() before it unmaps anything; each interval notifier gets
 * one MMU_NOTIFY_RELEASE invalidation of [0, ULONG_MAX).  The subscriptions
 * stay registered: their owners still call mmu_interval_notifier_remove().
 */
static inline void mmu_notifier_release(struct mm_struct *mm)
{
	if (mm_has_notifiers(mm))
		__mmu_notifier_release(mm);
}

static inline void mmu_notifier_subscriptions_init(struct mm_struct *mm)
{
	mm->notifier_subscriptions = NULL;
}

/**
 * mmu_notifier_subscriptions_destroy() - free @mm's per-mm notifier state
 *
 * For mmput() (the kernel calls it from __mmdrop()), once no subscription
 * is left; afterwards mm_has_notifiers() is false again.
 */
static inline void mmu_notifier_subscriptions_destroy(struct mm_struct *mm)
{
	if (mm_has_notifiers(mm))
		__mmu_notifier_subscriptions_destroy(mm);
}

/**
 * struct zd_mmu_notifier_stat - a snapshot of an mm's notifier state
 * @invalidate_seq: even when no subscribed range is being invalidated
 * @active_invalidate_ranges: start/end pairs in progress
 * @nr_intervals: subscriptions in the interval tree
 * @nr_deferred: inserts and removes waiting for the invalidations to end
 */
struct zd_mmu_notifier_stat {
	unsigned long invalidate_seq;
	unsigned long active_invalidate_ranges;
	unsigned long nr_intervals;
	unsigned long nr_deferred;
};

int zd_mmu_notifier_stat(struct mm_struct *mm, struct zd_mmu_notifier_stat *stat);

#endif /* _ZONEDEV_MMU_NOTIFIER_H */
