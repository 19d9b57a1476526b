// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmu_interval_notifier: per-mm subscriptions to virtual ranges, told about
 * every change to the CPU page tables in their range before it happens,
 * with a sequence number that lets a driver's read side detect collisions.
 * The API and the driver's side of the protocol are described in
 * include/zonedev/mmu_notifier.h.
 *
 * Per-mm state (struct mmu_notifier_subscriptions), created on the first
 * insert and freed with the mm:
 *
 *  invalidate_seq	 even: no invalidation in progress overlaps any
 *			 subscription, and the tree may change;
 *			 odd: at least one does, and the tree is frozen until
 *			 the last invalidation in progress ends.
 *			 Starts at 2.  An invalidation that finds an
 *			 overlapping subscription makes it odd (seq |= 1); the
 *			 end of the last invalidation in progress makes it
 *			 even again (seq++), so every such period has its own
 *			 odd value.
 *  active_invalidate_ranges
 *			 start/end pairs in progress, overlapping or not.
 *  itree		 the subscriptions, by range.
 *  deferred_list	 inserts and removes that arrived while the tree was
 *			 frozen, applied by the end of the last invalidation.
 *
 * Each subscription keeps its own, always odd, invalidate_seq.  Insert sets
 * it to a value the mm is not at (seq - 1 when idle), or to the current odd
 * value when an invalidation is in progress, since that invalidation may
 * cover the new range without having called it.  ->invalidate() sets it to
 * the odd value of the period it runs in.  mmu_interval_read_begin() returns
 * it, after waiting out the period if the two are equal (an invalidation of
 * this range is in progress); mmu_interval_read_retry() then sees whether an
 * invalidation reached the subscription since.
 *
 * Freezing the tree while an invalidation is in progress is what lets the
 * invalidation walk the tree and call ->invalidate(), which may sleep,
 * without holding the lock; and deferring the changes rather than waiting
 * for the walk keeps insert and remove from livelocking against a stream of
 * overlapping invalidations.
 *
 * Locking: subscriptions->lock is a leaf: nothing is taken, allocated or
 * called under it.  Waiters sleep with wait_var_event() on
 * &subscriptions->invalidate_seq, woken after the lock is dropped.
 * Insert creates the per-mm state under mmap_lock held for write.
 *
 * Not modelled: the kernel's classic struct mmu_notifier (the hlist of
 * subscribers with invalidate_range_start/end, clear_young, release ops,
 * mmu_notifier_register/get/put) and the lockdep annotations of
 * __mmu_notifier_invalidate_range_start_map; in their place, calling
 * read_begin or remove from inside ->invalidate() is reported.
 */
#include <limits.h>
#include <string.h>
#include <zonedev/mmu_notifier.h>
#include "internal.h"

struct mmu_notifier_subscriptions {
	spinlock_t lock;
	unsigned long invalidate_seq;
	unsigned long active_invalidate_ranges;
	struct interval_tree_root itree;
	struct list_head deferred_list;
};

/* Nesting of ->invalidate() calls on this thread, to catch re-entry. */
static __thread unsigned int mn_callback_depth;

static inline struct mmu_notifier_subscriptions *mm_subscriptions(struct mm_struct *mm)
{
	return smp_load_acquire(&mm->notifier_subscriptions);
}

static inline struct zd_system *mm_system(struct mm_struct *mm)
{
	return node_system(mm->nid);
}

static inline struct mmu_interval_notifier *node_to_sub(struct interval_tree_node *node)
{
	return node ? container_of(node, struct mmu_interval_notifier, interval_tree) : NULL;
}

/* The last address a range's invalidation touches (its end is exclusive). */
static inline unsigned long range_last(const struct mmu_notifier_range *range)
{
	return range->end - 1;
}

/* Odd: an invalidation overlapping a subscription is in progress. */
static inline bool mn_itree_is_invalidating(struct mmu_notifier_subscriptions *subs)
{
	return subs->invalidate_seq & 1;
}

/*
 * Whether @sub waits on the deferred list.  A subscription zeroed by its
 * owner and never inserted has a NULL list pointer: not waiting either.
 */
static inline bool mn_deferred_pending(struct mmu_interval_notifier *sub)
{
	return sub->deferred_item.next && !list_empty(&sub->deferred_item);
}

static unsigned long mn_deferred_count(struct mmu_notifier_subscriptions *subs)
{
	struct list_head *pos;
	unsigned long nr = 0;

	list_for_each(pos, &subs->deferred_list)
		nr++;
	return nr;
}

/*
 * Count an invalidation in and, if it overlaps a subscription, freeze the
 * tree.  Return the first overlapping subscription and, in *@cur_seq, the
 * sequence number its callbacks get.
 */
static struct mmu_interval_notifier *
mn_itree_inv_start_range(struct mmu_notifier_subscriptions *subs,
			 const struct mmu_notifier_range *range, unsigned long *cur_seq)
{
	struct interval_tree_node *node;

	spin_lock(&subs->lock);
	subs->active_invalidate_ranges++;
	/* An empty range changes no PTE: counted, so its end matches, but overlapping nothing. */
	node = NULL;
	if (range->start < range->end)
		node = interval_tree_iter_first(&subs->itree, range->start, range_last(range));
	if (node)
		subs->invalidate_seq |= 1;
	*cur_seq = subs->invalidate_seq;
	spin_unlock(&subs->lock);
	return node_to_sub(node);
}

/*
 * The next overlapping subscription.  No lock: the tree stays frozen until
 * this invalidation ends, and the lock taken in mn_itree_inv_start_range()
 * ordered every earlier change to it before this walk.
 */
static struct mmu_interval_notifier *
mn_itree_inv_next(struct mmu_notifier_subscriptions *subs, struct mmu_interval_notifier *sub,
		  const struct mmu_notifier_range *range)
{
	return node_to_sub(interval_tree_iter_next(&subs->itree, &sub->interval_tree,
						   range->start, range_last(range)));
}

/* Apply the inserts and removes that waited for the tree to thaw. */
static void mn_itree_apply_deferred(struct mmu_notifier_subscriptions *subs)
{
	struct mmu_interval_notifier *sub, *next;

	list_for_each_entry_safe(sub, next, &subs->deferred_list, deferred_item) {
		if (interval_tree_node_linked(&sub->interval_tree))
			interval_tree_remove(&sub->interval_tree, &subs->itree);
		else
			interval_tree_insert(&sub->interval_tree, &subs->itree);
		list_del_init(&sub->deferred_item);
	}
}

/*
 * Count an invalidation out.  The last one out of an odd period makes the
 * sequence even, thaws the tree and wakes whoever waits for that.
 */
static void mn_itree_inv_end(struct mmu_notifier_subscriptions *subs, struct mm_struct *mm)
{
	bool thawed = false;

	spin_lock(&subs->lock);
	if (unlikely(!subs->active_invalidate_ranges)) {
		spin_unlock(&subs->lock);
		zd_report_bug(mm_system(mm),
			      "mmu_notifier: invalidate_range_end() on mm %p without a start in progress",
			      (void *)mm);
		return;
	}
	subs->active_invalidate_ranges--;
	if (!subs->active_invalidate_ranges && mn_itree_is_invalidating(subs)) {
		subs->invalidate_seq++;
		mn_itree_apply_deferred(subs);
		thawed = true;
	}
	spin_unlock(&subs->lock);

	if (thawed)
		wake_up_var(&subs->invalidate_seq);
}

/*
 * The wait condition of read_begin and remove: the odd period @seq is over.
 * Taken under the lock so that what the ending invalidation did to the tree
 * (a deferred remove of the caller's subscription) is ordered before the
 * caller goes on, and maybe frees it.
 */
static bool mn_itree_seq_released(struct mmu_notifier_subscriptions *subs, unsigned long seq)
{
	bool released;

	spin_lock(&subs->lock);
	released = subs->invalidate_seq != seq;
	spin_unlock(&subs->lock);
	return released;
}

/**
 * mmu_interval_read_begin() - begin reading the CPU page tables of a
 * subscribed range
 * @interval_sub: the subscription
 *
 * If an invalidation of the range is in progress (its ->invalidate() has
 * run), sleep until every invalidation in progress on the mm has ended.
 * That wait is not only against livelock: ->invalidate() has already stored
 * the value this returns, so mmu_interval_read_retry() could not tell that
 * the PTEs read meanwhile were still changing.  An invalidation that begins
 * after this returns, or that has begun but not yet reached this
 * subscription, is caught by mmu_interval_read_retry().
 *
 * Call it with no lock held that an invalidation might need (mmap_lock, the
 * driver's lock): it may sleep until invalidations finish.
 *
 * Return: the sequence number to give mmu_interval_read_retry() (and
 * hmm_range->notifier_seq); always odd.  0 if @interval_sub is not inserted
 * (reported).
 */
unsigned long mmu_interval_read_begin(struct mmu_interval_notifier *interval_sub)
{
	struct mmu_notifier_subscriptions *subs;
	unsigned long seq;
	bool invalidating;

	if (!interval_sub || !interval_sub->mm) {
		zd_report_bug(NULL, "mmu_interval_read_begin() on a subscription never inserted");
		return 0;
	}
	subs = mm_subscriptions(interval_sub->mm);
	if (!subs) {
		zd_report_bug(mm_system(interval_sub->mm),
			      "mmu_interval_read_begin() on a subscription never inserted");
		return 0;
	}

	/*
	 * The subscription's value equals the mm's only between an
	 * invalidation's call of its ->invalidate() (or its insert during the
	 * invalidation) and the end of that odd period.  Read both under the
	 * lock so they are from the same moment; the driver's lock, taken
	 * before mmu_interval_read_retry(), closes any race that is left.
	 */
	spin_lock(&subs->lock);
	seq = READ_ONCE(interval_sub->invalidate_seq);
	invalidating = seq == subs->invalidate_seq;
	spin_unlock(&subs->lock);

	if (invalidating) {
		if (unlikely(mn_callback_depth)) {
			/* It would wait for the invalidation this thread is running. */
			zd_report_bug(mm_system(interval_sub->mm),
				      "mmu_interval_read_begin() called from ->invalidate() would deadlock");
			return seq;
		}
		wait_var_event(&subs->invalidate_seq, mn_itree_seq_released(subs, seq));
	}
	/*
	 * No loop: mmu_interval_read_retry() may already be true, and the
	 * caller's retry loop is where a time bound belongs.
	 */
	return seq;
}

/*
 * Run ->invalidate() of every subscription overlapping @range.  Return 0, or
 * -EAGAIN if a callback of a non-blockable range could not proceed; the
 * invalidation has then been ended here already.
 */
static int mn_itree_invalidate(struct mmu_notifier_subscriptions *subs,
			       const struct mmu_notifier_range *range)
{
	struct mmu_interval_notifier *sub;
	unsigned long cur_seq;

	for (sub = mn_itree_inv_start_range(subs, range, &cur_seq); sub;
	     sub = mn_itree_inv_next(subs, sub, range)) {
		bool done;

		mn_callback_depth++;
		done = sub->ops->invalidate(sub, range, cur_seq);
		mn_callback_depth--;
		if (done)
			continue;
		if (mmu_notifier_range_blockable(range)) {
			/* Nothing stopped it from sleeping: a driver bug (the kernel WARNs). */
			zd_report_bug(mm_system(range->mm),
				      "mmu_notifier: ->invalidate() %p of [%#lx, %#lx] returned false for a blockable range",
				      (void *)sub, sub->interval_tree.start,
				      sub->interval_tree.last);
			continue;
		}
		/*
		 * The caller gets -EAGAIN and will not call the end, so end
		 * it here: the subscriptions already called have torn down
		 * their mappings, which is harmless.
		 */
		mn_itree_inv_end(subs, range->mm);
		return -EAGAIN;
	}
	return 0;
}

/**
 * __mmu_notifier_invalidate_range_start() - for the inline wrappers
 * @range: with its mm, bounds, event, owner and blockable flag set
 *
 * Return: 0, or -EAGAIN (non-blockable ranges only), see
 * mmu_notifier_invalidate_range_start_nonblock().
 */
int __mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range)
{
	struct mmu_notifier_subscriptions *subs = mm_subscriptions(range->mm);

	if (!subs)
		return 0;
	return mn_itree_invalidate(subs, range);
}

/**
 * __mmu_notifier_invalidate_range_end() - for the inline wrapper
 * @range: the range given to the matching start
 */
void __mmu_notifier_invalidate_range_end(struct mmu_notifier_range *range)
{
	struct mmu_notifier_subscriptions *subs = mm_subscriptions(range->mm);

	if (subs)
		mn_itree_inv_end(subs, range->mm);
}

/**
 * __mmu_notifier_release() - for mmu_notifier_release()
 * @mm: whose last user is gone
 *
 * One blockable MMU_NOTIFY_RELEASE invalidation of [0, ULONG_MAX), started
 * and ended at once: the subscribers stop using the mm before its pages go.
 */
void __mmu_notifier_release(struct mm_struct *mm)
{
	struct mmu_notifier_subscriptions *subs = mm_subscriptions(mm);
	struct mmu_notifier_range range;

	if (!subs)
		return;
	mmu_notifier_range_init(&range, MMU_NOTIFY_RELEASE, MMU_NOTIFIER_RANGE_BLOCKABLE, mm,
				0, ULONG_MAX);
	/* Blockable: never -EAGAIN, a false return is reported as a bug. */
	mn_itree_invalidate(subs, &range);
	mn_itree_inv_end(subs, mm);
}

/*
 * @mm's per-mm state, created if need be; the caller holds mmap_lock for
 * write, which keeps two creators apart and, by the model's rule, means no
 * invalidation is between its start and end (the kernel takes all of the
 * mm's rmap locks as well to make sure).
 */
static struct mmu_notifier_subscriptions *mn_subscriptions_get(struct mm_struct *mm)
{
	struct mmu_notifier_subscriptions *subs = READ_ONCE(mm->notifier_subscriptions);

	if (subs)
		return subs;
	subs = kzalloc(sizeof(*subs), GFP_KERNEL);
	if (!subs)
		return NULL;
	spin_lock_init(&subs->lock);
	/* Even: idle.  2 so that a first subscription's seq - 1 is odd. */
	subs->invalidate_seq = 2;
	subs->itree = INTERVAL_TREE_ROOT;
	INIT_LIST_HEAD(&subs->deferred_list);
	/* Lockless readers (mm_has_notifiers()) see it initialised. */
	smp_store_release(&mm->notifier_subscriptions, subs);
	return subs;
}

/**
 * __mmu_notifier_subscriptions_destroy() - free @mm's notifier state
 * @mm: an address space being freed
 *
 * mmput() must call it (through mmu_notifier_subscriptions_destroy()) just
 * before it frees @mm.  Subscriptions still registered then are reported:
 * their owners would use a freed mm.  Idempotent: mm_has_notifiers() is
 * false afterwards.
 */
void __mmu_notifier_subscriptions_destroy(struct mm_struct *mm)
{
	struct mmu_notifier_subscriptions *subs;

	if (!mm)
		return;
	subs = mm->notifier_subscriptions;
	if (!subs)
		return;
	if (subs->itree.nr || !list_empty(&subs->deferred_list) ||
	    subs->active_invalidate_ranges)
		zd_report_bug(mm_system(mm),
			      "mmu_notifier: mm %p freed with %lu interval notifier(s) registered, %lu deferred, %lu invalidation(s) in progress",
			      (void *)mm, subs->itree.nr, mn_deferred_count(subs),
			      subs->active_invalidate_ranges);
	WRITE_ONCE(mm->notifier_subscriptions, NULL);
	spin_lock_destroy(&subs->lock);
	kfree(subs);
}

/* Check what an insert was given; 0 if it may go ahead. */
static int mn_insert_check(struct mmu_interval_notifier *sub, struct mm_struct *mm,
			   unsigned long start, unsigned long length,
			   const struct mmu_interval_notifier_ops *ops, unsigned long *last)
{
	if (!sub || !mm || !ops || !ops->invalidate)
		return -EINVAL;
	/* The tree holds [start, last]; an empty or wrapping range has none. */
	if (!length || __builtin_add_overflow(start, length - 1, last))
		return -EOVERFLOW;
	if (atomic_read(&mm->mm_users) <= 0) {
		/* The kernel WARNs: the caller must hold a user (mmget()). */
		zd_report_bug(mm_system(mm),
			      "mmu_interval_notifier_insert() on mm %p with no mm_users",
			      (void *)mm);
		return -EINVAL;
	}
	return 0;
}

/* Put @sub in the tree, or on the deferred list while the tree is frozen. */
static void mn_itree_add(struct mmu_notifier_subscriptions *subs,
			 struct mmu_interval_notifier *sub, struct mm_struct *mm,
			 unsigned long start, unsigned long last,
			 const struct mmu_interval_notifier_ops *ops)
{
	sub->mm = mm;
	sub->ops = ops;
	sub->interval_tree.start = start;
	sub->interval_tree.last = last;
	interval_tree_node_clear(&sub->interval_tree);
	INIT_LIST_HEAD(&sub->deferred_item);

	/* Pairs with the drop in mmu_interval_notifier_remove() (mmgrab()). */
	atomic_inc(&mm->mm_count);

	spin_lock(&subs->lock);
	if (!subs->active_invalidate_ranges) {
		/*
		 * Idle: any odd value but the next one will do; seq - 1 will
		 * not come round again before the counter wraps.
		 */
		WRITE_ONCE(sub->invalidate_seq, subs->invalidate_seq - 1);
		interval_tree_insert(&sub->interval_tree, &subs->itree);
	} else {
		/*
		 * Invalidations in progress may cover the new range without
		 * calling it.  Make the period odd (if it is not) and give
		 * the subscription its value, so read_begin waits for them.
		 * A frozen tree takes the node when it thaws.
		 */
		if (mn_itree_is_invalidating(subs)) {
			list_add(&sub->deferred_item, &subs->deferred_list);
		} else {
			subs->invalidate_seq |= 1;
			interval_tree_insert(&sub->interval_tree, &subs->itree);
		}
		WRITE_ONCE(sub->invalidate_seq, subs->invalidate_seq);
	}
	spin_unlock(&subs->lock);
}

/**
 * mmu_interval_notifier_insert() - subscribe to [@start, @start + @length)
 * of @mm
 * @interval_sub: the subscription, owned by the caller, not inserted already
 * @mm: the address space; the caller holds a user of it (mm_users > 0)
 * @start: first address
 * @length: bytes
 * @ops: the callbacks (->invalidate is required)
 *
 * From return on, every invalidation overlapping the range calls
 * ->invalidate() (if invalidations are in progress, the subscription joins
 * the tree when they end, and mmu_interval_read_begin() waits for that).
 * Takes a reference on mm_count, dropped by mmu_interval_notifier_remove().
 * The first insert on an mm creates its notifier state, taking mmap_lock
 * for write to do so: do not hold mmap_lock when calling this (use
 * mmu_interval_notifier_insert_locked() under the write lock).
 *
 * Context: may sleep.
 * Return: 0; -EINVAL for a NULL @interval_sub, @mm, @ops or ->invalidate,
 * or an mm without users (reported); -EOVERFLOW for a zero @length or a
 * range that wraps past ULONG_MAX (the kernel's errno); -ENOMEM if the
 * notifier state could not be allocated.
 */
int mmu_interval_notifier_insert(struct mmu_interval_notifier *interval_sub,
				 struct mm_struct *mm, unsigned long start,
				 unsigned long length,
				 const struct mmu_interval_notifier_ops *ops)
{
	struct mmu_notifier_subscriptions *subs;
	unsigned long last;
	int err;

	err = mn_insert_check(interval_sub, mm, start, length, ops, &last);
	if (err)
		return err;
	subs = mm_subscriptions(mm);
	if (!subs) {
		down_write(&mm->mmap_lock);
		subs = mn_subscriptions_get(mm);
		up_write(&mm->mmap_lock);
		if (!subs)
			return -ENOMEM;
	}
	mn_itree_add(subs, interval_sub, mm, start, last, ops);
	return 0;
}

/**
 * mmu_interval_notifier_insert_locked() - mmu_interval_notifier_insert()
 * for a caller holding @mm's mmap_lock for write
 * @interval_sub: the subscription
 * @mm: the address space
 * @start: first address
 * @length: bytes
 * @ops: the callbacks
 *
 * Return: as mmu_interval_notifier_insert(); also -EINVAL (reported) if
 * the caller does not hold mmap_lock for write.
 */
int mmu_interval_notifier_insert_locked(struct mmu_interval_notifier *interval_sub,
					struct mm_struct *mm, unsigned long start,
					unsigned long length,
					const struct mmu_interval_notifier_ops *ops)
{
	struct mmu_notifier_subscriptions *subs;
	unsigned long last;
	int err;

	err = mn_insert_check(interval_sub, mm, start, length, ops, &last);
	if (err)
		return err;
	if (READ_ONCE(mm->mmap_lock.owner) != current_thread_id()) {
		zd_report_bug(mm_system(mm),
			      "mmu_interval_notifier_insert_locked() without mmap_lock held for write");
		return -EINVAL;
	}
	subs = mn_subscriptions_get(mm);
	if (!subs)
		return -ENOMEM;
	mn_itree_add(subs, interval_sub, mm, start, last, ops);
	return 0;
}

/**
 * mmu_interval_notifier_remove() - end a subscription
 * @interval_sub: inserted by mmu_interval_notifier_insert()
 *
 * Once this returns, ->invalidate() is running nowhere and will not be
 * called again, so the caller may free @interval_sub.  If invalidations of
 * subscribed ranges are in progress, the subscription leaves the tree when
 * the last of them ends, and this sleeps until then (unless it was still
 * waiting to join the tree: then it simply never does).  Drops the mm_count
 * reference insert took.
 *
 * Context: may sleep; hold no lock an invalidation might need (mmap_lock,
 * the driver's lock).  Not from ->invalidate() (reported: it would wait
 * for itself).
 */
void mmu_interval_notifier_remove(struct mmu_interval_notifier *interval_sub)
{
	struct mmu_notifier_subscriptions *subs;
	struct mm_struct *mm;
	unsigned long seq = 0;
	bool wait = false, registered = true;

	if (!interval_sub || !interval_sub->mm) {
		zd_report_bug(NULL, "mmu_interval_notifier_remove() of a subscription never inserted");
		return;
	}
	mm = interval_sub->mm;
	subs = mm_subscriptions(mm);
	if (!subs) {
		zd_report_bug(mm_system(mm),
			      "mmu_interval_notifier_remove() on mm %p, which has no subscriptions",
			      (void *)mm);
		return;
	}

	spin_lock(&subs->lock);
	if (interval_tree_node_linked(&interval_sub->interval_tree)) {
		if (mn_deferred_pending(interval_sub)) {
			registered = false;	/* a removal is already queued */
		} else if (mn_itree_is_invalidating(subs)) {
			/* Frozen: leave when the period ends, and wait for it. */
			list_add(&interval_sub->deferred_item, &subs->deferred_list);
			seq = subs->invalidate_seq;
			wait = true;
		} else {
			interval_tree_remove(&interval_sub->interval_tree, &subs->itree);
		}
	} else if (mn_deferred_pending(interval_sub)) {
		/* Inserted while frozen and not yet in the tree: never will be. */
		list_del_init(&interval_sub->deferred_item);
	} else {
		registered = false;
	}
	spin_unlock(&subs->lock);

	if (!registered) {
		zd_report_bug(mm_system(mm),
			      "mmu_interval_notifier_remove() of %p, which is not registered on mm %p",
			      (void *)interval_sub, (void *)mm);
		return;
	}
	if (wait) {
		if (unlikely(mn_callback_depth))
			zd_report_bug(mm_system(mm),
				      "mmu_interval_notifier_remove() called from ->invalidate() would deadlock");
		else
			wait_var_event(&subs->invalidate_seq, mn_itree_seq_released(subs, seq));
	}
	/* mmdrop(): mm_struct lifetime is kernel/fork.c's (see mmput()). */
	atomic_dec(&mm->mm_count);
}

/**
 * zd_mmu_notifier_stat() - a snapshot of @mm's notifier state, for tests
 * and debugging
 * @mm: the address space
 * @stat: filled in (all zero if @mm has no notifier state)
 *
 * Return: 0; -ENOENT if no subscription was ever inserted on @mm; -EINVAL
 * for NULL arguments.
 */
int zd_mmu_notifier_stat(struct mm_struct *mm, struct zd_mmu_notifier_stat *stat)
{
	struct mmu_notifier_subscriptions *subs;

	if (!mm || !stat)
		return -EINVAL;
	memset(stat, 0, sizeof(*stat));
	subs = mm_subscriptions(mm);
	if (!subs)
		return -ENOENT;
	spin_lock(&subs->lock);
	stat->invalidate_seq = subs->invalidate_seq;
	stat->active_invalidate_ranges = subs->active_invalidate_ranges;
	stat->nr_intervals = subs->itree.nr;
	stat->nr_deferred = mn_deferred_count(subs);
	spin_unlock(&subs->lock);
	return 0;
}
