// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmu_interval_notifier: the interval tree under it, the sequence-number
 * protocol (read_begin/read_retry/check_retry/set_seq), which subscriptions
 * an invalidation calls and with what, nested and concurrent invalidations,
 * inserts and removes deferred while the tree is frozen, remove waiting for
 * invalidations in flight, the non-blockable path, release at exit, bad
 * input, and a seeded race of drivers' read loops against invalidations.
 *
 * The expectations are the kernel's (mm/mmu_notifier.c): the mm's sequence
 * number starts at 2, is even when idle, becomes odd (seq | 1) while any
 * invalidation overlapping a subscription is in progress and even again
 * (seq + 1) when the last invalidation in progress ends; a subscription's
 * own sequence number, the one read_begin returns, is always odd.
 *
 * mmput() frees the notifier state (as __mmdrop does), so a test removes
 * its subscriptions and lets the task exit.
 *
 * Helper threads never call cmocka asserts: they record what they saw and
 * the test asserts after joining them.
 */
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <zonedev/mmu_notifier.h>
#include "zd_test.h"

#define PG(n)		((unsigned long)(n) * PAGE_SIZE)
#define BASE		(1UL << 33)
/* Long enough for "this cannot have happened yet" to mean something. */
#define NEGATIVE_WAIT_MS	50
/* Bounds a wait that should succeed, so a lost wakeup fails rather than hangs. */
#define POSITIVE_WAIT_MS	10000

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static struct zd_mmu_notifier_stat stat_of(struct mm_struct *mm)
{
	struct zd_mmu_notifier_stat st;

	assert_int_equal(zd_mmu_notifier_stat(mm, &st), 0);
	return st;
}

static unsigned long mm_seq(struct mm_struct *mm)
{
	return stat_of(mm).invalidate_seq;
}

/* What the test driver's ->invalidate() saw, in call order. */
struct inv_call {
	int id;
	struct mmu_notifier_range range;
	unsigned long cur_seq;
};

#define MAX_CALLS	64

static DEFINE_SPINLOCK(call_log_lock);
static struct inv_call call_log[MAX_CALLS];
static int call_log_nr;

static void log_reset(void)
{
	spin_lock(&call_log_lock);
	call_log_nr = 0;
	spin_unlock(&call_log_lock);
}

static int log_count(void)
{
	int n;

	spin_lock(&call_log_lock);
	n = call_log_nr;
	spin_unlock(&call_log_lock);
	return n;
}

static struct inv_call log_at(int i)
{
	struct inv_call c;

	spin_lock(&call_log_lock);
	c = call_log[i];
	spin_unlock(&call_log_lock);
	return c;
}

/*
 * A driver in the style of lib/test_hmm.c: one lock serializes its
 * ->invalidate() against the end of its read loop.  Knobs make the
 * callback block, fail, skip its own migrations or misbehave.
 */
struct test_mirror {
	struct mmu_interval_notifier notifier;
	struct mutex lock;
	int id;
	void *owner;			/* MIGRATE events from it are skipped */
	bool return_false;
	bool remove_self;		/* a bug: remove from ->invalidate() */
	struct completion *entered;	/* completed on entry */
	struct completion *release;	/* waited for before returning */
	atomic_t calls;
	atomic_t in_callback;
};

static bool mirror_invalidate(struct mmu_interval_notifier *sub,
			      const struct mmu_notifier_range *range, unsigned long cur_seq)
{
	struct test_mirror *m = container_of(sub, struct test_mirror, notifier);

	if (mmu_notifier_range_blockable(range))
		mutex_lock(&m->lock);
	else if (!mutex_trylock(&m->lock))
		return false;
	atomic_inc(&m->in_callback);
	spin_lock(&call_log_lock);
	if (call_log_nr < MAX_CALLS) {
		call_log[call_log_nr].id = m->id;
		call_log[call_log_nr].range = *range;
		call_log[call_log_nr].cur_seq = cur_seq;
		call_log_nr++;
	}
	spin_unlock(&call_log_lock);
	atomic_inc(&m->calls);
	if (m->entered)
		complete(m->entered);
	if (m->release)
		wait_for_completion(m->release);
	/* dmirror's filter: its own migrations keep its mappings valid. */
	if (!(range->event == MMU_NOTIFY_MIGRATE && m->owner && range->owner == m->owner))
		mmu_interval_set_seq(sub, cur_seq);
	if (m->remove_self)
		mmu_interval_notifier_remove(sub);
	atomic_dec(&m->in_callback);
	mutex_unlock(&m->lock);
	return !m->return_false;
}

static const struct mmu_interval_notifier_ops mirror_ops = {
	.invalidate = mirror_invalidate,
};

static void mirror_init(struct test_mirror *m, int id)
{
	memset(m, 0, sizeof(*m));
	mutex_init(&m->lock);
	m->id = id;
}

static void mirror_insert(struct test_mirror *m, int id, struct mm_struct *mm,
			  unsigned long start, unsigned long len)
{
	mirror_init(m, id);
	assert_int_equal(mmu_interval_notifier_insert(&m->notifier, mm, start, len, &mirror_ops),
			 0);
}

static void mirror_remove(struct test_mirror *m)
{
	mmu_interval_notifier_remove(&m->notifier);
	mutex_destroy(&m->lock);
}

/*
 * An invalidation of [start, end).  Core MM holds mmap_lock across the pair;
 * the unit tests do not, so that a failed assert between the two cannot
 * leave the lock held and hang the teardown's mmput().  (The rule matters
 * only against a concurrent first insert, which they never do.)  The
 * concurrent test's invalidators take it.
 */
static void inv_start(struct mmu_notifier_range *range, struct mm_struct *mm,
		      enum mmu_notifier_event event, unsigned long start, unsigned long end,
		      void *owner)
{
	mmu_notifier_range_init_owner(range, event, 0, mm, start, end, owner);
	mmu_notifier_invalidate_range_start(range);
}

static void inv_end(struct mmu_notifier_range *range)
{
	mmu_notifier_invalidate_range_end(range);
}

static void invalidate(struct mm_struct *mm, enum mmu_notifier_event event, unsigned long start,
		       unsigned long end, void *owner)
{
	struct mmu_notifier_range range;

	inv_start(&range, mm, event, start, end, owner);
	inv_end(&range);
}

/* A call made on a helper thread, so the test can see whether it blocks. */
struct bg_call {
	struct zd_thread thread;
	struct completion done;
	struct test_mirror *m;
	unsigned long seq;
	int in_callback_after;
	int calls_after;
};

static void *bg_read_begin_fn(void *arg)
{
	struct bg_call *b = arg;

	b->seq = mmu_interval_read_begin(&b->m->notifier);
	complete(&b->done);
	return NULL;
}

static void *bg_remove_fn(void *arg)
{
	struct bg_call *b = arg;

	mmu_interval_notifier_remove(&b->m->notifier);
	b->in_callback_after = atomic_read(&b->m->in_callback);
	b->calls_after = atomic_read(&b->m->calls);
	complete(&b->done);
	return NULL;
}

static void bg_start(struct bg_call *b, void *(*fn)(void *), struct test_mirror *m)
{
	memset(b, 0, sizeof(*b));
	init_completion(&b->done);
	b->m = m;
	assert_int_equal(zd_thread_start(&b->thread, fn, b), 0);
}

static bool bg_done_within(struct bg_call *b, unsigned long ms)
{
	return wait_for_completion_timeout(&b->done, ms) != 0;
}

static void bg_join(struct bg_call *b)
{
	zd_thread_join(&b->thread);
	destroy_completion(&b->done);
}

/* ------------------------------------------------------------------ */
/* The interval tree                                                   */
/* ------------------------------------------------------------------ */

#define IT_NODES	300
#define IT_OPS		6000

static unsigned long it_value(unsigned long *rng)
{
	unsigned long r = zd_rand(rng);

	/* Mostly a small domain, so intervals collide; sometimes the edges. */
	switch (r % 16) {
	case 0:
		return ULONG_MAX - zd_rand(rng) % 64;
	case 1:
		return zd_rand(rng) % 4;
	default:
		return zd_rand(rng) % 1024;
	}
}

static bool it_overlaps(const struct interval_tree_node *n, unsigned long start, unsigned long last)
{
	return n->start <= last && n->last >= start;
}

static int it_cmp(const void *a, const void *b)
{
	const struct interval_tree_node *x = *(struct interval_tree_node *const *)a;
	const struct interval_tree_node *y = *(struct interval_tree_node *const *)b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->__order < y->__order ? -1 : x->__order > y->__order;
}

/*
 * Random inserts and removes, including equal starts, [0, 0] and intervals
 * ending at ULONG_MAX; after each the tree is sound, and every query returns
 * exactly the overlapping intervals, by start, equal starts by insertion.
 */
static void interval_tree_matches_brute_force(void **state)
{
	static struct interval_tree_node nodes[IT_NODES];
	struct interval_tree_node *want[IT_NODES], *n;
	struct interval_tree_root root = INTERVAL_TREE_ROOT;
	unsigned long seed = zd_test_seed(), rng = seed;
	int op, i, nr_want, nr_got, queries = 0;

	(void)state;
	for (i = 0; i < IT_NODES; i++)
		interval_tree_node_clear(&nodes[i]);
	for (op = 0; op < IT_OPS; op++) {
		struct interval_tree_node *node = &nodes[zd_rand(&rng) % IT_NODES];
		unsigned long a, b, qs, ql;

		if (interval_tree_node_linked(node)) {
			interval_tree_remove(node, &root);
			assert_false(interval_tree_node_linked(node));
		} else {
			a = it_value(&rng);
			b = it_value(&rng);
			node->start = min(a, b);
			node->last = max(a, b);
			interval_tree_insert(node, &root);
			assert_true(interval_tree_node_linked(node));
		}
		assert_int_equal(interval_tree_check(&root, stderr), 0);

		a = it_value(&rng);
		b = it_value(&rng);
		qs = min(a, b);
		ql = max(a, b);
		nr_want = 0;
		for (i = 0; i < IT_NODES; i++)
			if (interval_tree_node_linked(&nodes[i]) && it_overlaps(&nodes[i], qs, ql))
				want[nr_want++] = &nodes[i];
		qsort(want, (size_t)nr_want, sizeof(want[0]), it_cmp);
		nr_got = 0;
		for (n = interval_tree_iter_first(&root, qs, ql); n;
		     n = interval_tree_iter_next(&root, n, qs, ql)) {
			assert_true(nr_got < nr_want);
			assert_ptr_equal(n, want[nr_got]);
			nr_got++;
		}
		assert_int_equal(nr_got, nr_want);
		queries += nr_want > 0;
	}
	/* The random walk did exercise non-empty answers. */
	assert_true(queries > IT_OPS / 4);
	/* Removing a node that is in no tree changes nothing. */
	interval_tree_node_clear(&nodes[0]);
	interval_tree_remove(&nodes[0], &root);
}

/* Sorted inserts, the worst case for an unbalanced tree, stay logarithmic. */
static void interval_tree_stays_balanced(void **state)
{
	enum { N = 1 << 14 };
	struct interval_tree_node *nodes = calloc(N, sizeof(*nodes));
	struct interval_tree_root root = INTERVAL_TREE_ROOT;
	struct interval_tree_node *n;
	int i, count = 0;

	(void)state;
	assert_non_null(nodes);
	for (i = 0; i < N; i++) {
		nodes[i].start = (unsigned long)i * 16;
		nodes[i].last = (unsigned long)i * 16 + 15;
		interval_tree_insert(&nodes[i], &root);
	}
	/* AVL: height < 1.4405 log2(n + 2); log2(N + 2) is just above 14. */
	assert_true(root.node->__height <= 21);
	assert_int_equal(interval_tree_check(&root, stderr), 0);
	for (n = interval_tree_iter_first(&root, 16 * 100 + 8, 16 * 199); n;
	     n = interval_tree_iter_next(&root, n, 16 * 100 + 8, 16 * 199))
		assert_ptr_equal(n, &nodes[100 + count++]);
	assert_int_equal(count, 100);
	for (i = 0; i < N; i += 2)
		interval_tree_remove(&nodes[i], &root);
	assert_int_equal(root.nr, N / 2);
	assert_int_equal(interval_tree_check(&root, stderr), 0);
	assert_true(root.node->__height <= 20);
	for (i = 1; i < N; i += 2)
		interval_tree_remove(&nodes[i], &root);
	assert_true(interval_tree_empty(&root));
	free(nodes);
}

/* ------------------------------------------------------------------ */
/* Insert, lazily created state, bad input                             */
/* ------------------------------------------------------------------ */

/*
 * No state until the first insert; invalidations before it are no-ops; the
 * first insert starts the mm at 2 and takes an mm_count reference that
 * remove drops; an allocation failure leaves everything as it was.
 */
static void insert_creates_state_lazily(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	struct zd_mmu_notifier_stat st;
	struct test_mirror a;
	int count;

	assert_false(mm_has_notifiers(mm));
	assert_int_equal(zd_mmu_notifier_stat(mm, &st), -ENOENT);
	assert_int_equal(st.invalidate_seq, 0);
	invalidate(mm, MMU_NOTIFY_UNMAP, 0, ULONG_MAX, NULL);
	assert_false(mm_has_notifiers(mm));

	count = atomic_read(&mm->mm_count);
	mirror_init(&a, 1);
	zd_fail_nth_set(1);
	assert_int_equal(mmu_interval_notifier_insert(&a.notifier, mm, BASE, PG(4), &mirror_ops),
			 -ENOMEM);
	zd_fail_nth_set(0);
	assert_false(mm_has_notifiers(mm));
	assert_int_equal(atomic_read(&mm->mm_count), count);

	assert_int_equal(mmu_interval_notifier_insert(&a.notifier, mm, BASE, PG(4), &mirror_ops),
			 0);
	assert_true(mm_has_notifiers(mm));
	assert_ptr_equal(a.notifier.mm, mm);
	assert_int_equal(a.notifier.interval_tree.start, BASE);
	assert_int_equal(a.notifier.interval_tree.last, BASE + PG(4) - 1);
	assert_int_equal(atomic_read(&mm->mm_count), count + 1);
	st = stat_of(mm);
	assert_int_equal(st.invalidate_seq, 2);
	assert_int_equal(st.active_invalidate_ranges, 0);
	assert_int_equal(st.nr_intervals, 1);
	assert_int_equal(st.nr_deferred, 0);

	mirror_remove(&a);
	assert_int_equal(stat_of(mm).nr_intervals, 0);
	assert_int_equal(atomic_read(&mm->mm_count), count);
	test_task_done(task);
}

static void insert_rejects_bad_arguments(void **state)
{
	static const struct mmu_interval_notifier_ops no_invalidate;
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task), dead;
	struct test_mirror a;
	int err;

	mirror_init(&a, 1);
	assert_int_equal(mmu_interval_notifier_insert(NULL, mm, BASE, PG(1), &mirror_ops), -EINVAL);
	assert_int_equal(mmu_interval_notifier_insert(&a.notifier, NULL, BASE, PG(1), &mirror_ops),
			 -EINVAL);
	assert_int_equal(mmu_interval_notifier_insert(&a.notifier, mm, BASE, PG(1), NULL), -EINVAL);
	assert_int_equal(mmu_interval_notifier_insert(&a.notifier, mm, BASE, PG(1), &no_invalidate),
			 -EINVAL);
	/* The kernel's errno for an empty or wrapping range is -EOVERFLOW. */
	assert_int_equal(mmu_interval_notifier_insert(&a.notifier, mm, BASE, 0, &mirror_ops),
			 -EOVERFLOW);
	assert_int_equal(mmu_interval_notifier_insert(&a.notifier, mm, ULONG_MAX - PG(1) + 1, PG(2),
						      &mirror_ops), -EOVERFLOW);
	assert_int_equal(mmu_interval_notifier_insert(&a.notifier, mm, 2, ULONG_MAX, &mirror_ops),
			 -EOVERFLOW);
	assert_int_equal(mmu_interval_notifier_insert_locked(&a.notifier, NULL, BASE, PG(1),
							     &mirror_ops), -EINVAL);
	/* None of that created any state. */
	assert_false(mm_has_notifiers(mm));

	/* An mm nobody uses any more: the kernel WARNs and says -EINVAL. */
	memset(&dead, 0, sizeof(dead));
	dead.nid = env->nid;
	assert_int_equal(mmu_interval_notifier_insert(&a.notifier, &dead, BASE, PG(1), &mirror_ops),
			 -EINVAL);
	zd_test_expect_bugs(env, 1, "no mm_users");

	/* _locked without the lock held for write. */
	assert_int_equal(mmu_interval_notifier_insert_locked(&a.notifier, mm, BASE, PG(1),
							     &mirror_ops), -EINVAL);
	zd_test_expect_bugs(env, 1, "without mmap_lock");
	down_read(&mm->mmap_lock);
	err = mmu_interval_notifier_insert_locked(&a.notifier, mm, BASE, PG(1), &mirror_ops);
	up_read(&mm->mmap_lock);
	assert_int_equal(err, -EINVAL);
	zd_test_expect_bugs(env, 1, "without mmap_lock");
	assert_false(mm_has_notifiers(mm));

	/* The extremes that do fit: [ULONG_MAX, ULONG_MAX] and [0, ULONG_MAX - 1]. */
	down_write(&mm->mmap_lock);
	err = mmu_interval_notifier_insert_locked(&a.notifier, mm, ULONG_MAX, 1, &mirror_ops);
	up_write(&mm->mmap_lock);
	assert_int_equal(err, 0);
	assert_int_equal(a.notifier.interval_tree.last, ULONG_MAX);
	mmu_interval_notifier_remove(&a.notifier);
	assert_int_equal(mmu_interval_notifier_insert(&a.notifier, mm, 0, ULONG_MAX, &mirror_ops),
			 0);
	assert_int_equal(a.notifier.interval_tree.last, ULONG_MAX - 1);
	mirror_remove(&a);
	test_task_done(task);
}

/* Misuse of remove, read_begin and range_end is reported, never a crash. */
static void misuse_is_reported(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	struct mmu_interval_notifier never;
	struct mmu_notifier_range range;
	unsigned long orphans = zd_orphan_bugs();
	struct test_mirror a;

	/* Without the mm (NULL, never inserted): no system to report to. */
	mmu_interval_notifier_remove(NULL);
	assert_int_equal(mmu_interval_read_begin(NULL), 0);
	assert_int_equal(zd_orphan_bugs(), orphans + 2);

	/* An mm with no notifier state at all. */
	memset(&never, 0, sizeof(never));
	never.mm = mm;
	mmu_interval_notifier_remove(&never);
	zd_test_expect_bugs(env, 1, "has no subscriptions");
	assert_int_equal(mmu_interval_read_begin(&never), 0);
	zd_test_expect_bugs(env, 1, "never inserted");

	mirror_insert(&a, 1, mm, BASE, PG(4));
	/* Zeroed and never inserted, on an mm that has state. */
	mmu_interval_notifier_remove(&never);
	zd_test_expect_bugs(env, 1, "not registered");
	/* Removed twice. */
	mmu_interval_notifier_remove(&a.notifier);
	mmu_interval_notifier_remove(&a.notifier);
	zd_test_expect_bugs(env, 1, "not registered");
	mutex_destroy(&a.lock);

	/* An end with no start leaves the counters alone. */
	mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, 0, mm, BASE, BASE + PG(1));
	mmu_notifier_invalidate_range_end(&range);
	zd_test_expect_bugs(env, 1, "without a start");
	assert_int_equal(stat_of(mm).active_invalidate_ranges, 0);
	assert_int_equal(mm_seq(mm), 2);
	test_task_done(task);
}

/* ------------------------------------------------------------------ */
/* The sequence-number protocol                                        */
/* ------------------------------------------------------------------ */

/*
 * read_begin gives an odd value the idle mm is not at; only an invalidation
 * reaching the subscription makes read_retry (and check_retry) true; the
 * value ->invalidate() gets is the odd one of its period, and read_begin
 * returns what set_seq stored once the period is over.
 */
static void seq_protocol(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	struct mmu_notifier_range range;
	struct test_mirror a;
	unsigned long seq, seq2;

	mirror_insert(&a, 1, mm, BASE, PG(16));
	log_reset();
	seq = mmu_interval_read_begin(&a.notifier);
	assert_true(seq & 1);
	assert_int_equal(mm_seq(mm), 2);
	assert_int_not_equal(seq, mm_seq(mm));
	assert_false(mmu_interval_read_retry(&a.notifier, seq));
	assert_false(mmu_interval_check_retry(&a.notifier, seq));

	/* Outside the range: nothing is called, the mm stays even. */
	inv_start(&range, mm, MMU_NOTIFY_CLEAR, BASE + PG(16), BASE + PG(32), NULL);
	assert_int_equal(mm_seq(mm), 2);
	assert_int_equal(stat_of(mm).active_invalidate_ranges, 1);
	inv_end(&range);
	assert_int_equal(log_count(), 0);
	assert_false(mmu_interval_read_retry(&a.notifier, seq));
	assert_int_equal(stat_of(mm).active_invalidate_ranges, 0);

	/* Overlapping: odd while it runs, the callback gets that odd value. */
	inv_start(&range, mm, MMU_NOTIFY_CLEAR, BASE + PG(15), BASE + PG(17), NULL);
	assert_int_equal(mm_seq(mm), 3);
	assert_int_equal(log_count(), 1);
	assert_int_equal(log_at(0).cur_seq, 3);
	assert_true(mmu_interval_check_retry(&a.notifier, seq));
	assert_true(mmu_interval_read_retry(&a.notifier, seq));
	inv_end(&range);
	assert_int_equal(mm_seq(mm), 4);
	assert_true(mmu_interval_read_retry(&a.notifier, seq));

	/* A new read section starts from what set_seq stored, without waiting. */
	seq2 = mmu_interval_read_begin(&a.notifier);
	assert_int_equal(seq2, 3);
	assert_false(mmu_interval_read_retry(&a.notifier, seq2));

	/* Each period has its own odd value. */
	invalidate(mm, MMU_NOTIFY_UNMAP, BASE, BASE + PG(1), NULL);
	assert_int_equal(log_at(1).cur_seq, 5);
	assert_int_equal(mm_seq(mm), 6);
	assert_true(mmu_interval_read_retry(&a.notifier, seq2));
	assert_int_equal(mmu_interval_read_begin(&a.notifier), 5);
	mirror_remove(&a);
	test_task_done(task);
}

/*
 * While an invalidation of the range is in progress, read_begin sleeps until
 * it ends; a subscription it does not overlap reads on.
 */
static void read_begin_waits_for_invalidation(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	struct mmu_notifier_range range;
	struct test_mirror a, far;
	unsigned long seq_far;
	struct bg_call b;

	mirror_insert(&a, 1, mm, BASE, PG(16));
	mirror_insert(&far, 2, mm, BASE + PG(64), PG(16));
	seq_far = mmu_interval_read_begin(&far.notifier);
	log_reset();

	inv_start(&range, mm, MMU_NOTIFY_UNMAP, BASE, BASE + PG(8), NULL);
	assert_int_equal(log_count(), 1);
	bg_start(&b, bg_read_begin_fn, &a);
	assert_false(bg_done_within(&b, NEGATIVE_WAIT_MS));
	/* The odd period is the mm's; the other subscription is not in it. */
	assert_int_equal(mmu_interval_read_begin(&far.notifier), seq_far);
	inv_end(&range);
	assert_true(bg_done_within(&b, POSITIVE_WAIT_MS));
	bg_join(&b);
	assert_int_equal(b.seq, 3);
	assert_false(mmu_interval_read_retry(&a.notifier, b.seq));
	assert_false(mmu_interval_read_retry(&far.notifier, seq_far));

	mirror_remove(&a);
	mirror_remove(&far);
	test_task_done(task);
}

/*
 * Overlapping invalidations, nested on one thread: one odd period until the
 * last ends, even if that last one overlaps no subscription.
 */
static void nested_invalidations_keep_seq_odd(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	struct mmu_notifier_range r1, r2;
	struct test_mirror a;
	struct bg_call b;

	mirror_insert(&a, 1, mm, BASE, PG(16));
	log_reset();
	inv_start(&r1, mm, MMU_NOTIFY_CLEAR, BASE, BASE + PG(4), NULL);
	inv_start(&r2, mm, MMU_NOTIFY_PROTECTION_VMA, BASE + PG(2), BASE + PG(8), NULL);
	assert_int_equal(log_count(), 2);
	assert_int_equal(log_at(0).cur_seq, 3);
	assert_int_equal(log_at(1).cur_seq, 3);
	assert_int_equal(stat_of(mm).active_invalidate_ranges, 2);

	bg_start(&b, bg_read_begin_fn, &a);
	inv_end(&r2);
	assert_int_equal(mm_seq(mm), 3);
	assert_false(bg_done_within(&b, NEGATIVE_WAIT_MS));
	inv_end(&r1);
	assert_int_equal(mm_seq(mm), 4);
	assert_true(bg_done_within(&b, POSITIVE_WAIT_MS));
	bg_join(&b);
	assert_int_equal(b.seq, 3);

	/* A non-overlapping one first: even, then odd, odd until both end. */
	inv_start(&r1, mm, MMU_NOTIFY_UNMAP, BASE + PG(100), BASE + PG(101), NULL);
	assert_int_equal(mm_seq(mm), 4);
	inv_start(&r2, mm, MMU_NOTIFY_UNMAP, BASE, BASE + PG(1), NULL);
	assert_int_equal(mm_seq(mm), 5);
	assert_int_equal(log_at(2).cur_seq, 5);
	inv_end(&r2);
	assert_int_equal(mm_seq(mm), 5);
	inv_end(&r1);
	assert_int_equal(mm_seq(mm), 6);
	assert_int_equal(stat_of(mm).active_invalidate_ranges, 0);
	mirror_remove(&a);
	test_task_done(task);
}

/* ------------------------------------------------------------------ */
/* Who is called, with what                                            */
/* ------------------------------------------------------------------ */

struct call_case {
	unsigned long start, end;	/* the invalidation, in pages from BASE */
	unsigned int called;		/* bitmask of mirror ids, in call order by start */
};

/*
 * Only the overlapping subscriptions are called (an end is exclusive, a
 * subscription's last byte inclusive), in order of their start, each with
 * the range, event, owner and blockable flag given, and one cur_seq.
 */
static void invalidate_calls_only_overlapping(void **state)
{
	static const struct call_case cases[] = {
		{ 0, 1, 1 << 0 },		/* [0, 1) hits d only */
		{ 1, 16, 0 },			/* the gap between d and a */
		{ 16, 24, 1 << 1 },		/* a only */
		{ 31, 33, 1 << 1 | 1 << 2 },	/* a's last page, b's first */
		{ 32, 48, 1 << 2 },		/* b only */
		{ 47, 64, 1 << 2 },		/* b's last page; c starts at 64 */
		{ 64, 65, 1 << 3 },		/* c */
		{ 0, 128, 0xf },		/* everyone */
	};
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	struct test_mirror m[4];
	void *owner = &m[0];
	unsigned int i;

	mirror_insert(&m[0], 0, mm, BASE, PG(1));		/* d: [0, 1) */
	mirror_insert(&m[2], 2, mm, BASE + PG(30), PG(18));	/* b: [30, 48) */
	mirror_insert(&m[1], 1, mm, BASE + PG(16), PG(16));	/* a: [16, 32) */
	mirror_insert(&m[3], 3, mm, BASE + PG(64), PG(1));	/* c: [64, 65) */
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct call_case *c = &cases[i];
		enum mmu_notifier_event event = (enum mmu_notifier_event)(i % 8);
		bool owned = event == MMU_NOTIFY_MIGRATE || event == MMU_NOTIFY_EXCLUSIVE;
		unsigned int seen = 0;
		int k, last_id = -1;

		log_reset();
		invalidate(mm, event, BASE + PG(c->start), BASE + PG(c->end), owned ? owner : NULL);
		for (k = 0; k < log_count(); k++) {
			struct inv_call call = log_at(k);

			seen |= 1U << call.id;
			/* Mirror ids were chosen in order of start. */
			assert_true(call.id > last_id);
			last_id = call.id;
			assert_ptr_equal(call.range.mm, mm);
			assert_int_equal(call.range.start, BASE + PG(c->start));
			assert_int_equal(call.range.end, BASE + PG(c->end));
			assert_int_equal(call.range.event, event);
			assert_true(mmu_notifier_range_blockable(&call.range));
			if (owned)
				assert_ptr_equal(call.range.owner, owner);
			else
				assert_null(call.range.owner);
			assert_true(call.cur_seq & 1);
			assert_int_equal(call.cur_seq, log_at(0).cur_seq);
		}
		if (seen != c->called)
			fail_msg("case %u [%lu, %lu): called %#x, expected %#x", i, c->start,
				 c->end, seen, c->called);
	}
	/* Every event value, as the kernel numbers them. */
	assert_int_equal(MMU_NOTIFY_UNMAP, 0);
	assert_int_equal(MMU_NOTIFY_EXCLUSIVE, 7);
	for (i = 0; i < 4; i++)
		mirror_remove(&m[i]);
	test_task_done(task);
}

/*
 * The dmirror filter: a driver that skips MIGRATE invalidations it caused
 * itself (owner == its pgmap owner) does not call set_seq for them, so its
 * read sections do not retry; anyone else's migration does make them.
 */
static void migrate_owner_filter(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	struct test_mirror a;
	int other_owner;
	unsigned long seq;

	mirror_insert(&a, 1, mm, BASE, PG(16));
	a.owner = &a;
	seq = mmu_interval_read_begin(&a.notifier);
	invalidate(mm, MMU_NOTIFY_MIGRATE, BASE, BASE + PG(4), &a);
	assert_int_equal(atomic_read(&a.calls), 1);
	assert_false(mmu_interval_read_retry(&a.notifier, seq));
	invalidate(mm, MMU_NOTIFY_MIGRATE, BASE, BASE + PG(4), &other_owner);
	assert_true(mmu_interval_read_retry(&a.notifier, seq));
	seq = mmu_interval_read_begin(&a.notifier);
	/* The owner only filters MIGRATE. */
	invalidate(mm, MMU_NOTIFY_EXCLUSIVE, BASE, BASE + PG(4), &a);
	assert_true(mmu_interval_read_retry(&a.notifier, seq));
	mirror_remove(&a);
	test_task_done(task);
}

/* ------------------------------------------------------------------ */
/* Inserts and removes during invalidations                            */
/* ------------------------------------------------------------------ */

/*
 * While the tree is frozen (odd), an insert waits on the deferred list: the
 * invalidations in progress do not call it, read_begin on it waits for
 * them, and it joins the tree when the last one ends.
 */
static void insert_while_frozen_is_deferred(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	struct mmu_notifier_range r1, r2;
	struct zd_mmu_notifier_stat st;
	struct test_mirror a, b;
	struct bg_call bg;

	mirror_insert(&a, 1, mm, BASE, PG(16));
	log_reset();
	inv_start(&r1, mm, MMU_NOTIFY_CLEAR, BASE, BASE + PG(16), NULL);
	mirror_insert(&b, 2, mm, BASE + PG(8), PG(16));
	st = stat_of(mm);
	assert_int_equal(st.nr_intervals, 1);
	assert_int_equal(st.nr_deferred, 1);
	assert_int_equal(b.notifier.invalidate_seq, 3);

	/* A nested invalidation over b's range does not reach b yet. */
	inv_start(&r2, mm, MMU_NOTIFY_CLEAR, BASE + PG(8), BASE + PG(24), NULL);
	assert_int_equal(log_count(), 2);
	assert_int_equal(log_at(1).id, 1);
	bg_start(&bg, bg_read_begin_fn, &b);
	assert_false(bg_done_within(&bg, NEGATIVE_WAIT_MS));
	inv_end(&r2);
	inv_end(&r1);
	assert_true(bg_done_within(&bg, POSITIVE_WAIT_MS));
	bg_join(&bg);
	assert_int_equal(bg.seq, 3);
	st = stat_of(mm);
	assert_int_equal(st.nr_intervals, 2);
	assert_int_equal(st.nr_deferred, 0);
	assert_int_equal(st.invalidate_seq, 4);
	assert_int_equal(atomic_read(&b.calls), 0);

	/* Now in the tree: the next invalidation calls it. */
	invalidate(mm, MMU_NOTIFY_CLEAR, BASE + PG(20), BASE + PG(21), NULL);
	assert_int_equal(atomic_read(&b.calls), 1);
	assert_true(mmu_interval_read_retry(&b.notifier, bg.seq));
	mirror_remove(&a);
	mirror_remove(&b);
	test_task_done(task);
}

/*
 * During an invalidation that overlaps no subscription the tree is not
 * frozen: an insert goes straight in but makes the period odd, so read_begin
 * on the newcomer waits for the invalidation it may have missed.
 */
static void insert_during_unrelated_invalidation(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	struct mmu_notifier_range range;
	struct zd_mmu_notifier_stat st;
	struct test_mirror a, b;
	struct bg_call bg;

	mirror_insert(&a, 1, mm, BASE + PG(100), PG(1));
	inv_start(&range, mm, MMU_NOTIFY_UNMAP, BASE, BASE + PG(16), NULL);
	assert_int_equal(mm_seq(mm), 2);
	mirror_insert(&b, 2, mm, BASE, PG(16));
	st = stat_of(mm);
	assert_int_equal(st.invalidate_seq, 3);
	assert_int_equal(st.nr_intervals, 2);
	assert_int_equal(st.nr_deferred, 0);
	assert_int_equal(b.notifier.invalidate_seq, 3);
	bg_start(&bg, bg_read_begin_fn, &b);
	assert_false(bg_done_within(&bg, NEGATIVE_WAIT_MS));
	inv_end(&range);
	assert_true(bg_done_within(&bg, POSITIVE_WAIT_MS));
	bg_join(&bg);
	assert_int_equal(bg.seq, 3);
	assert_int_equal(mm_seq(mm), 4);
	/* It joined after the invalidation had called everyone. */
	assert_int_equal(atomic_read(&b.calls), 0);
	mirror_remove(&a);
	mirror_remove(&b);
	test_task_done(task);
}

/*
 * While the tree is frozen, remove queues the subscription for removal and
 * sleeps until the last invalidation ends, even one that does not overlap
 * it; removing an insert that is still deferred just cancels it.
 */
static void remove_while_frozen_is_deferred(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	struct mmu_notifier_range range;
	struct zd_mmu_notifier_stat st;
	struct test_mirror a, b, c;
	struct bg_call bg;
	int count;

	mirror_insert(&a, 1, mm, BASE, PG(16));
	mirror_insert(&b, 2, mm, BASE + PG(64), PG(16));
	count = atomic_read(&mm->mm_count);
	inv_start(&range, mm, MMU_NOTIFY_UNMAP, BASE, BASE + PG(1), NULL);
	bg_start(&bg, bg_remove_fn, &b);
	assert_false(bg_done_within(&bg, NEGATIVE_WAIT_MS));
	st = stat_of(mm);
	assert_int_equal(st.nr_intervals, 2);
	assert_int_equal(st.nr_deferred, 1);

	/* Inserted and removed within the same frozen period: never joins. */
	mirror_insert(&c, 3, mm, BASE, PG(1));
	assert_int_equal(stat_of(mm).nr_deferred, 2);
	mirror_remove(&c);
	assert_int_equal(stat_of(mm).nr_deferred, 1);

	inv_end(&range);
	assert_true(bg_done_within(&bg, POSITIVE_WAIT_MS));
	bg_join(&bg);
	mutex_destroy(&b.lock);
	st = stat_of(mm);
	assert_int_equal(st.nr_intervals, 1);
	assert_int_equal(st.nr_deferred, 0);
	assert_int_equal(atomic_read(&mm->mm_count), count - 1);

	invalidate(mm, MMU_NOTIFY_UNMAP, 0, ULONG_MAX, NULL);
	assert_int_equal(atomic_read(&a.calls), 2);
	assert_int_equal(atomic_read(&b.calls), 0);
	assert_int_equal(atomic_read(&c.calls), 0);
	mirror_remove(&a);
	test_task_done(task);
}

struct bg_invalidation {
	struct zd_thread thread;
	struct mm_struct *mm;
	struct completion started;	/* range_start() returned */
	struct completion end_now;	/* the test lets it end */
};

static void *bg_invalidation_fn(void *arg)
{
	struct bg_invalidation *inv = arg;
	struct mmu_notifier_range range;

	inv_start(&range, inv->mm, MMU_NOTIFY_CLEAR, BASE, BASE + PG(4), NULL);
	complete(&inv->started);
	wait_for_completion(&inv->end_now);
	inv_end(&range);
	return NULL;
}

/*
 * Remove of a subscription whose ->invalidate() is running on another CPU
 * returns only once the callback has returned and the invalidation has
 * ended; the callback is not called again.
 */
static void remove_waits_for_running_callback(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	struct completion entered, release;
	struct bg_invalidation inv;
	struct test_mirror a;
	struct bg_call bg;

	mirror_insert(&a, 1, mm, BASE, PG(16));
	init_completion(&entered);
	init_completion(&release);
	a.entered = &entered;
	a.release = &release;
	inv.mm = mm;
	init_completion(&inv.started);
	init_completion(&inv.end_now);
	assert_int_equal(zd_thread_start(&inv.thread, bg_invalidation_fn, &inv), 0);
	assert_true(wait_for_completion_timeout(&entered, POSITIVE_WAIT_MS) != 0);

	bg_start(&bg, bg_remove_fn, &a);
	assert_false(bg_done_within(&bg, NEGATIVE_WAIT_MS));
	complete(&release);
	assert_true(wait_for_completion_timeout(&inv.started, POSITIVE_WAIT_MS) != 0);
	/* The callback returned, but the invalidation has not ended. */
	assert_false(bg_done_within(&bg, NEGATIVE_WAIT_MS));
	complete(&inv.end_now);
	assert_true(bg_done_within(&bg, POSITIVE_WAIT_MS));
	bg_join(&bg);
	zd_thread_join(&inv.thread);
	assert_int_equal(bg.in_callback_after, 0);
	assert_int_equal(bg.calls_after, 1);
	assert_int_equal(stat_of(mm).nr_intervals, 0);
	invalidate(mm, MMU_NOTIFY_UNMAP, BASE, BASE + PG(16), NULL);
	assert_int_equal(atomic_read(&a.calls), 1);

	destroy_completion(&entered);
	destroy_completion(&release);
	destroy_completion(&inv.started);
	destroy_completion(&inv.end_now);
	mutex_destroy(&a.lock);
	test_task_done(task);
}

/* remove from inside ->invalidate() would wait for itself: reported instead. */
static void remove_from_callback_is_reported(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	struct test_mirror a;

	mirror_insert(&a, 1, mm, BASE, PG(16));
	a.remove_self = true;
	invalidate(mm, MMU_NOTIFY_UNMAP, BASE, BASE + PG(1), NULL);
	zd_test_expect_bugs(env, 1, "from ->invalidate() would deadlock");
	/* The removal itself was queued and applied at the end. */
	assert_int_equal(stat_of(mm).nr_intervals, 0);
	mutex_destroy(&a.lock);
	test_task_done(task);
}

/* ------------------------------------------------------------------ */
/* Non-blockable ranges, release, teardown                             */
/* ------------------------------------------------------------------ */

/*
 * A non-blockable start fails with -EAGAIN when a callback would have to
 * sleep: those called before it have been told, the invalidation is already
 * over (the caller must not end it) and the mm is idle again.
 */
static void nonblock_start_may_fail(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	struct mmu_notifier_range range;
	struct zd_mmu_notifier_stat st;
	struct test_mirror x, y;
	unsigned long seq_x;
	int err;

	mirror_insert(&x, 1, mm, BASE, PG(4));
	mirror_insert(&y, 2, mm, BASE + PG(2), PG(4));

	log_reset();
	mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, 0, mm, BASE, BASE + PG(8));
	assert_int_equal(mmu_notifier_invalidate_range_start_nonblock(&range), 0);
	assert_false(mmu_notifier_range_blockable(&range));
	assert_int_equal(log_count(), 2);
	assert_false(log_at(0).range.flags & MMU_NOTIFIER_RANGE_BLOCKABLE);
	mmu_notifier_invalidate_range_end(&range);
	assert_int_equal(mm_seq(mm), 4);

	seq_x = mmu_interval_read_begin(&x.notifier);
	mutex_lock(&y.lock);
	mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, 0, mm, BASE, BASE + PG(8));
	err = mmu_notifier_invalidate_range_start_nonblock(&range);
	mutex_unlock(&y.lock);
	assert_int_equal(err, -EAGAIN);
	st = stat_of(mm);
	assert_int_equal(st.active_invalidate_ranges, 0);
	assert_int_equal(st.invalidate_seq, 6);
	assert_int_equal(atomic_read(&x.calls), 2);
	assert_int_equal(atomic_read(&y.calls), 1);
	assert_true(mmu_interval_read_retry(&x.notifier, seq_x));

	/* A blockable range's callback may not fail: reported, the rest still called. */
	x.return_false = true;
	invalidate(mm, MMU_NOTIFY_UNMAP, BASE, BASE + PG(8), NULL);
	zd_test_expect_bugs(env, 1, "returned false for a blockable range");
	assert_int_equal(atomic_read(&y.calls), 2);
	assert_int_equal(stat_of(mm).active_invalidate_ranges, 0);
	mirror_remove(&x);
	mirror_remove(&y);
	test_task_done(task);
}

/*
 * mmu_notifier_release(): one blockable MMU_NOTIFY_RELEASE over [0,
 * ULONG_MAX) to every subscription, which stay registered for their owners
 * to remove.
 */
static void release_invalidates_everything(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	struct test_mirror m[3];
	int i;

	mirror_insert(&m[0], 0, mm, 0, PG(1));
	mirror_insert(&m[1], 1, mm, BASE, PG(16));
	mirror_insert(&m[2], 2, mm, ULONG_MAX - PG(1) + 1, PG(1));
	log_reset();
	mmu_notifier_release(mm);
	assert_int_equal(log_count(), 3);
	for (i = 0; i < 3; i++) {
		struct inv_call c = log_at(i);

		assert_int_equal(c.id, i);
		assert_int_equal(c.range.event, MMU_NOTIFY_RELEASE);
		assert_int_equal(c.range.start, 0);
		assert_int_equal(c.range.end, ULONG_MAX);
		assert_null(c.range.owner);
		assert_true(mmu_notifier_range_blockable(&c.range));
		assert_int_equal(c.cur_seq, 3);
	}
	assert_int_equal(mm_seq(mm), 4);
	assert_int_equal(stat_of(mm).nr_intervals, 3);
	for (i = 0; i < 3; i++)
		mirror_remove(&m[i]);
	test_task_done(task);
}

/* Freeing the state under live subscriptions is reported. */
static void destroy_with_subscriptions_is_reported(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct mm_struct *mm = zd_task_mm(task);
	struct test_mirror a;

	mirror_insert(&a, 1, mm, BASE, PG(1));
	mmu_notifier_subscriptions_destroy(mm);
	zd_test_expect_bugs(env, 1, "freed with 1 interval notifier(s) registered");
	assert_false(mm_has_notifiers(mm));
	/* The dangling subscription's owner finds nothing to remove from. */
	mmu_interval_notifier_remove(&a.notifier);
	zd_test_expect_bugs(env, 1, "has no subscriptions");
	mutex_destroy(&a.lock);
	/* insert's mm_count reference stays; mmput() frees regardless today. */
	atomic_dec(&mm->mm_count);
	test_task_done(task);
}

/* ------------------------------------------------------------------ */
/* Drivers' read loops racing invalidations                            */
/* ------------------------------------------------------------------ */

#define CONC_PAGES		64
#define CONC_MIRRORS		2
#define CONC_INVALIDATORS	2
#define CONC_ROUNDS		4000

struct conc_ctx {
	struct mm_struct *mm;
	unsigned long seed;
	/* The "CPU page table": a generation per page, bumped by each change. */
	atomic_long_t cpu[CONC_PAGES];
	atomic_t invalidators_left;
	atomic_long_t errors;
	atomic_long_t churn_calls_after_remove;
	spinlock_t err_lock;
	char what[200];
};

/*
 * A mirror of pages [first, first + nr): dev[i] is the generation it copied
 * from cpu[i] and may use, 0 for none.  dev is only touched under lock.
 */
struct conc_mirror {
	struct mmu_interval_notifier notifier;
	struct mutex lock;
	struct conc_ctx *ctx;
	unsigned long first, nr;
	unsigned long dev[CONC_PAGES];
	long programs, retries, early_retries;
	long invalidations;
	struct zd_thread thread;
};

static void conc_error(struct conc_ctx *ctx, const char *fmt, unsigned long a, unsigned long b,
		       unsigned long c)
{
	if (atomic_long_inc_return(&ctx->errors) != 1)
		return;
	spin_lock(&ctx->err_lock);
	snprintf(ctx->what, sizeof(ctx->what), fmt, a, b, c);
	spin_unlock(&ctx->err_lock);
}

static void random_spin(unsigned long *rng, unsigned int max)
{
	unsigned int n = (unsigned int)(zd_rand(rng) % max);

	while (n--)
		cpu_relax();
}

static bool conc_invalidate(struct mmu_interval_notifier *sub,
			    const struct mmu_notifier_range *range, unsigned long cur_seq)
{
	struct conc_mirror *m = container_of(sub, struct conc_mirror, notifier);
	unsigned long i, lo, hi;

	if (!(cur_seq & 1))
		conc_error(m->ctx, "even cur_seq %lu", cur_seq, 0, 0);
	lo = max((range->start - BASE) / PAGE_SIZE, m->first);
	hi = min((range->end - BASE) / PAGE_SIZE, m->first + m->nr);
	mutex_lock(&m->lock);
	mmu_interval_set_seq(sub, cur_seq);
	for (i = lo; i < hi; i++)
		m->dev[i] = 0;
	m->invalidations++;
	mutex_unlock(&m->lock);
	return true;
}

static const struct mmu_interval_notifier_ops conc_ops = {
	.invalidate = conc_invalidate,
};

/* Under m->lock: every mapping the mirror holds is of the current generation. */
static void conc_check_mirror(struct conc_mirror *m)
{
	unsigned long i;

	for (i = m->first; i < m->first + m->nr; i++) {
		unsigned long cpu = (unsigned long)atomic_long_read(&m->ctx->cpu[i]);

		if (m->dev[i] && m->dev[i] != cpu)
			conc_error(m->ctx, "page %lu: the device maps generation %lu, the CPU has %lu",
				   i, m->dev[i], cpu);
	}
}

/* The driver's fault loop: read_begin, read the CPU tables, lock, retry or map. */
static void *conc_reader_fn(void *arg)
{
	struct conc_mirror *m = arg;
	struct conc_ctx *ctx = m->ctx;
	unsigned long rng = ctx->seed * 7 + m->first + 1, snap[CONC_PAGES], i, seq;
	bool final = false;

	for (;;) {
		/* Once the invalidators are done, one last clean pass and out. */
		if (!atomic_read(&ctx->invalidators_left))
			final = true;
		seq = mmu_interval_read_begin(&m->notifier);
		if (!(seq & 1))
			conc_error(ctx, "read_begin returned even %lu", seq, 0, 0);
		down_read(&ctx->mm->mmap_lock);
		for (i = m->first; i < m->first + m->nr; i++) {
			snap[i] = (unsigned long)atomic_long_read(&ctx->cpu[i]);
			if (zd_rand(&rng) % 16 == 0)
				random_spin(&rng, 64);
		}
		up_read(&ctx->mm->mmap_lock);
		/* hmm_range_fault()'s early exit: only a hint. */
		if (zd_rand(&rng) % 4 == 0 && mmu_interval_check_retry(&m->notifier, seq)) {
			m->early_retries++;
			continue;
		}
		random_spin(&rng, 256);
		mutex_lock(&m->lock);
		if (mmu_interval_read_retry(&m->notifier, seq)) {
			mutex_unlock(&m->lock);
			m->retries++;
			continue;
		}
		for (i = m->first; i < m->first + m->nr; i++)
			m->dev[i] = snap[i];
		m->programs++;
		conc_check_mirror(m);
		mutex_unlock(&m->lock);
		if (final)
			break;
	}
	return NULL;
}

struct conc_invalidator {
	struct conc_ctx *ctx;
	struct conc_mirror *mirrors;
	int id;
	struct zd_thread thread;
};

static void *conc_invalidator_fn(void *arg)
{
	struct conc_invalidator *w = arg;
	struct conc_ctx *ctx = w->ctx;
	unsigned long rng = ctx->seed * 13 + (unsigned long)w->id + 1;
	static const enum mmu_notifier_event events[] = {
		MMU_NOTIFY_UNMAP, MMU_NOTIFY_CLEAR, MMU_NOTIFY_PROTECTION_VMA,
		MMU_NOTIFY_PROTECTION_PAGE, MMU_NOTIFY_MIGRATE,
	};
	int round, j;

	for (round = 0; round < CONC_ROUNDS; round++) {
		unsigned long s = zd_rand(&rng) % CONC_PAGES;
		unsigned long e = s + 1 + zd_rand(&rng) % (CONC_PAGES - s), i;
		struct mmu_notifier_range range;

		down_read(&ctx->mm->mmap_lock);
		inv_start(&range, ctx->mm, events[zd_rand(&rng) % ARRAY_SIZE(events)],
			  BASE + PG(s), BASE + PG(e), NULL);
		random_spin(&rng, 128);
		/* The PTEs change only between start and end. */
		for (i = s; i < e; i++)
			atomic_long_inc(&ctx->cpu[i]);
		random_spin(&rng, 64);
		inv_end(&range);
		up_read(&ctx->mm->mmap_lock);
		for (j = 0; j < CONC_MIRRORS; j++) {
			mutex_lock(&w->mirrors[j].lock);
			conc_check_mirror(&w->mirrors[j]);
			mutex_unlock(&w->mirrors[j].lock);
		}
	}
	atomic_dec(&ctx->invalidators_left);
	return NULL;
}

/* A subscription that comes and goes; freed as soon as remove returns. */
struct churn_sub {
	struct mmu_interval_notifier notifier;
	struct conc_ctx *ctx;
	atomic_t removed;
};

static bool churn_invalidate(struct mmu_interval_notifier *sub,
			     const struct mmu_notifier_range *range, unsigned long cur_seq)
{
	struct churn_sub *c = container_of(sub, struct churn_sub, notifier);

	if (atomic_read(&c->removed))
		atomic_long_inc(&c->ctx->churn_calls_after_remove);
	mmu_interval_set_seq(sub, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops churn_ops = {
	.invalidate = churn_invalidate,
};

struct conc_churn {
	struct conc_ctx *ctx;
	long inserts, deferred_seen;
	struct zd_thread thread;
};

static void *conc_churn_fn(void *arg)
{
	struct conc_churn *w = arg;
	struct conc_ctx *ctx = w->ctx;
	unsigned long rng = ctx->seed * 17 + 1;

	while (atomic_read(&ctx->invalidators_left)) {
		struct churn_sub *c = kzalloc(sizeof(*c), GFP_KERNEL);
		unsigned long s = zd_rand(&rng) % CONC_PAGES, seq;
		struct zd_mmu_notifier_stat st;
		int err;

		if (!c) {
			conc_error(ctx, "churn: no memory", 0, 0, 0);
			break;
		}
		c->ctx = ctx;
		err = mmu_interval_notifier_insert(&c->notifier, ctx->mm, BASE + PG(s),
						   PG(1 + zd_rand(&rng) % 8), &churn_ops);
		if (err) {
			conc_error(ctx, "churn: insert %lu", (unsigned long)-err, 0, 0);
			kfree(c);
			break;
		}
		w->inserts++;
		if (!zd_mmu_notifier_stat(ctx->mm, &st) && st.nr_deferred)
			w->deferred_seen++;
		if (zd_rand(&rng) & 1) {
			seq = mmu_interval_read_begin(&c->notifier);
			if (!(seq & 1))
				conc_error(ctx, "churn: read_begin returned even %lu", seq, 0, 0);
		}
		random_spin(&rng, 256);
		mmu_interval_notifier_remove(&c->notifier);
		atomic_set(&c->removed, 1);
		kfree(c);
	}
	return NULL;
}

/*
 * Two drivers mirror overlapping parts of a range with the read_begin /
 * read / lock / read_retry / map loop, while two threads change the "CPU
 * page table" inside invalidations of random, overlapping subranges and a
 * fifth inserts and removes short-lived subscriptions.  Whenever no
 * invalidation is changing a page, a device never maps an old generation
 * of it; at the end each device maps exactly the current one; a removed
 * subscription is never called (ASan would also catch the use after free).
 */
static void concurrent_read_retry_protocol(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct conc_ctx *ctx = calloc(1, sizeof(*ctx));
	struct conc_mirror *m = calloc(CONC_MIRRORS, sizeof(*m));
	struct conc_invalidator inv[CONC_INVALIDATORS];
	struct conc_churn churn = { 0 };
	struct zd_mmu_notifier_stat st;
	unsigned long i;
	int j;

	assert_non_null(ctx);
	assert_non_null(m);
	ctx->seed = zd_test_seed();
	ctx->mm = zd_task_mm(task);
	spin_lock_init(&ctx->err_lock);
	for (i = 0; i < CONC_PAGES; i++)
		atomic_long_set(&ctx->cpu[i], 1);
	atomic_set(&ctx->invalidators_left, CONC_INVALIDATORS);

	for (j = 0; j < CONC_MIRRORS; j++) {
		m[j].ctx = ctx;
		mutex_init(&m[j].lock);
		m[j].first = j == 0 ? 0 : 24;
		m[j].nr = j == 0 ? 40 : CONC_PAGES - 24;
		assert_int_equal(mmu_interval_notifier_insert(&m[j].notifier, ctx->mm,
							      BASE + PG(m[j].first), PG(m[j].nr),
							      &conc_ops), 0);
	}
	for (j = 0; j < CONC_MIRRORS; j++)
		assert_int_equal(zd_thread_start(&m[j].thread, conc_reader_fn, &m[j]), 0);
	for (j = 0; j < CONC_INVALIDATORS; j++) {
		inv[j].ctx = ctx;
		inv[j].mirrors = m;
		inv[j].id = j;
		assert_int_equal(zd_thread_start(&inv[j].thread, conc_invalidator_fn, &inv[j]), 0);
	}
	churn.ctx = ctx;
	assert_int_equal(zd_thread_start(&churn.thread, conc_churn_fn, &churn), 0);

	for (j = 0; j < CONC_INVALIDATORS; j++)
		zd_thread_join(&inv[j].thread);
	zd_thread_join(&churn.thread);
	for (j = 0; j < CONC_MIRRORS; j++)
		zd_thread_join(&m[j].thread);
	if (atomic_long_read(&ctx->errors))
		fail_msg("%ld error(s), first: %s", atomic_long_read(&ctx->errors), ctx->what);
	assert_int_equal(atomic_long_read(&ctx->churn_calls_after_remove), 0);

	for (j = 0; j < CONC_MIRRORS; j++) {
		printf("# mirror %d: %ld programs, %ld retries, %ld early retries, %ld invalidations\n",
		       j, m[j].programs, m[j].retries, m[j].early_retries, m[j].invalidations);
		for (i = m[j].first; i < m[j].first + m[j].nr; i++)
			assert_int_equal(m[j].dev[i], atomic_long_read(&ctx->cpu[i]));
		assert_true(m[j].programs > 0);
		assert_true(m[j].invalidations > 0);
	}
	printf("# churn: %ld inserts, %ld saw deferred work\n", churn.inserts, churn.deferred_seen);
	st = stat_of(ctx->mm);
	assert_int_equal(st.active_invalidate_ranges, 0);
	assert_int_equal(st.nr_deferred, 0);
	assert_int_equal(st.nr_intervals, CONC_MIRRORS);
	assert_false(st.invalidate_seq & 1);

	for (j = 0; j < CONC_MIRRORS; j++) {
		mmu_interval_notifier_remove(&m[j].notifier);
		mutex_destroy(&m[j].lock);
	}
	spin_lock_destroy(&ctx->err_lock);
	free(m);
	free(ctx);
	test_task_done(task);
}

/* ------------------------------------------------------------------ */
/* The MM paths notify                                                 */
/* ------------------------------------------------------------------ */

struct path_log {
	struct mmu_interval_notifier notifier;
	int calls;
	enum mmu_notifier_event event;
	unsigned long start, end;
};

static bool path_invalidate(struct mmu_interval_notifier *sub, const struct mmu_notifier_range *range,
			    unsigned long cur_seq)
{
	struct path_log *log = container_of(sub, struct path_log, notifier);

	mmu_interval_set_seq(sub, cur_seq);
	log->calls++;
	log->event = range->event;
	log->start = range->start;
	log->end = range->end;
	return true;
}

static const struct mmu_interval_notifier_ops path_ops = {
	.invalidate = path_invalidate,
};

static void expect_event(struct path_log *log, int calls, enum mmu_notifier_event event,
			 unsigned long start, unsigned long end)
{
	assert_int_equal(log->calls, calls);
	assert_int_equal(log->event, event);
	assert_true(log->start <= start && log->end >= end);
}

/*
 * munmap, MADV_DONTNEED, mprotect, a COW fault, fork's write-protect,
 * mremap and exit each tell a mirror of the range, with the kernel's event.
 */
static void mm_paths_notify(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = zd_task_create(env->sys), *child;
	struct path_log log = { 0 };
	unsigned long addr;
	long moved;
	int v = 1, calls = 0;

	assert_false(IS_ERR(task));
	addr = (unsigned long)zd_mmap(task, 0, 16 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	assert_int_equal(mmu_interval_notifier_insert(&log.notifier, zd_task_mm(task), addr,
						      16 * PAGE_SIZE, &path_ops), 0);
	assert_int_equal(zd_write(task, addr, &v, sizeof(v)), sizeof(v));
	assert_int_equal(log.calls, 0);		/* a first-touch fault invalidates nothing */

	assert_int_equal(zd_madvise(task, addr, PAGE_SIZE, MADV_DONTNEED), 0);
	expect_event(&log, ++calls, MMU_NOTIFY_CLEAR, addr, addr + PAGE_SIZE);
	assert_int_equal(zd_mprotect(task, addr, 2 * PAGE_SIZE, PROT_READ), 0);
	expect_event(&log, ++calls, MMU_NOTIFY_PROTECTION_VMA, addr, addr + 2 * PAGE_SIZE);
	assert_int_equal(zd_mprotect(task, addr, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	calls = log.calls;

	assert_int_equal(zd_write(task, addr + 4 * PAGE_SIZE, &v, sizeof(v)), sizeof(v));
	child = zd_task_fork(task);
	assert_false(IS_ERR(child));
	assert_true(log.calls > calls);
	assert_int_equal(log.event, MMU_NOTIFY_PROTECTION_PAGE);
	calls = log.calls;
	/* The parent's write after fork copies: one page cleared. */
	assert_int_equal(zd_write(task, addr + 4 * PAGE_SIZE, &v, sizeof(v)), sizeof(v));
	expect_event(&log, ++calls, MMU_NOTIFY_CLEAR, addr + 4 * PAGE_SIZE, addr + 5 * PAGE_SIZE);
	assert_int_equal(zd_task_exit(child), 0);

	moved = zd_mremap(task, addr + 8 * PAGE_SIZE, PAGE_SIZE, PAGE_SIZE,
			  MREMAP_MAYMOVE | MREMAP_FIXED, addr + (32UL << 20));
	assert_int_equal(moved, (long)(addr + (32UL << 20)));
	assert_int_equal(log.event, MMU_NOTIFY_UNMAP);
	calls = log.calls;
	assert_int_equal(zd_munmap(task, addr + 12 * PAGE_SIZE, PAGE_SIZE), 0);
	expect_event(&log, ++calls, MMU_NOTIFY_UNMAP, addr + 12 * PAGE_SIZE, addr + 13 * PAGE_SIZE);

	mmu_interval_notifier_remove(&log.notifier);
	test_task_done(task);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ZD_TEST_PLAIN(interval_tree_matches_brute_force),
		ZD_TEST_PLAIN(interval_tree_stays_balanced),
		ZD_TEST_BOTH(insert_creates_state_lazily),
		ZD_TEST_BOTH(insert_rejects_bad_arguments),
		ZD_TEST_BOTH(misuse_is_reported),
		ZD_TEST_BOTH(seq_protocol),
		ZD_TEST_BOTH(read_begin_waits_for_invalidation),
		ZD_TEST_BOTH(nested_invalidations_keep_seq_odd),
		ZD_TEST_BOTH(invalidate_calls_only_overlapping),
		ZD_TEST_BOTH(migrate_owner_filter),
		ZD_TEST_BOTH(insert_while_frozen_is_deferred),
		ZD_TEST_BOTH(insert_during_unrelated_invalidation),
		ZD_TEST_BOTH(remove_while_frozen_is_deferred),
		ZD_TEST_BOTH(remove_waits_for_running_callback),
		ZD_TEST_BOTH(remove_from_callback_is_reported),
		ZD_TEST_BOTH(nonblock_start_may_fail),
		ZD_TEST_BOTH(release_invalidates_everything),
		ZD_TEST_BOTH(destroy_with_subscriptions_is_reported),
		ZD_TEST_BOTH(concurrent_read_retry_protocol),
		ZD_TEST_BOTH(mm_paths_notify),
	};

	return ZD_RUN("mmu_notifier", tests);
}
