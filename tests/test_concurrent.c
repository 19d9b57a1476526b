// SPDX-License-Identifier: GPL-2.0-only
/*
 * Concurrency: device pages referenced, freed, allocated and looked up from
 * several threads at once, pgmaps torn down under lookups, two systems of
 * different schemes side by side.  Each test prints its seed; ZD_SEED=N
 * replays the same random choices (the interleaving itself is the host's).
 * Run under ASan+UBSan by `make check` and under TSan by `make tsan`.
 */
#include <stdlib.h>
#include <unistd.h>
#include "zd_test.h"

#define NR_THREADS	4
#define NR_PAGES	64
#define ROUNDS		100000
#define DEV_SIZE	(4UL << 20)

struct worker {
	struct test_dev *dev;
	struct page **pages;
	unsigned long seed;
	long done;
	volatile int *stop;
	struct zd_thread thread;
};

static void start_workers(struct worker *w, int n, void *(*fn)(void *), struct test_dev *dev,
			  struct page **pages, unsigned long seed, volatile int *stop)
{
	int i;

	for (i = 0; i < n; i++) {
		w[i].dev = dev;
		w[i].pages = pages;
		w[i].seed = seed * 31 + (unsigned long)i + 1;
		w[i].done = 0;
		w[i].stop = stop;
		assert_int_equal(zd_thread_start(&w[i].thread, fn, &w[i]), 0);
	}
}

static void join_workers(struct worker *w, int n)
{
	int i;

	for (i = 0; i < n; i++)
		zd_thread_join(&w[i].thread);
}

/*
 * Each worker holds a reference to every page (as a mapping would), takes
 * and drops more at random, then lets go; the driver's allocation reference
 * is dropped while they run.  The last put, whoever makes it, frees the
 * page exactly once.
 */
static void *get_put_fn(void *arg)
{
	struct worker *w = arg;
	unsigned long x = w->seed;
	long i;

	for (i = 0; i < ROUNDS; i++) {
		struct page *page = w->pages[zd_rand(&x) % NR_PAGES];
		int n = (int)(zd_rand(&x) % 3) + 1, k;

		for (k = 0; k < n; k++)
			get_page(page);
		for (k = 0; k < n; k++)
			put_page(page);
	}
	for (i = 0; i < NR_PAGES; i++)
		put_page(w->pages[i]);
	return NULL;
}

static void concurrent_get_put_free(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long seed = zd_test_seed();
	struct test_dev *dev = test_dev_create(env, MEMORY_DEVICE_PRIVATE, DEV_SIZE, 0);
	struct page *pages[NR_PAGES];
	struct worker w[NR_THREADS];
	int i, t;

	assert_int_equal(test_dev_map(dev, env->nid), 0);
	for (i = 0; i < NR_PAGES; i++) {
		pages[i] = test_dev_alloc(dev);
		unlock_page(pages[i]);
		for (t = 0; t < NR_THREADS; t++)
			get_page(pages[i]);
	}
	start_workers(w, NR_THREADS, get_put_fn, dev, pages, seed, NULL);
	for (i = 0; i < NR_PAGES; i++)
		put_page(pages[i]);
	join_workers(w, NR_THREADS);

	assert_int_equal(atomic_long_read(&dev->page_free_calls), NR_PAGES);
	for (i = 0; i < NR_PAGES; i++)
		assert_int_equal(page_ref_count(pages[i]), env->scheme == ZD_REFCOUNT_ELEVATED);
	assert_int_equal(zd_system_bugs(env->sys), 0);
	test_dev_destroy(dev);
}

/* Allocate and free device pages from several threads through the driver. */
static void *alloc_free_fn(void *arg)
{
	struct worker *w = arg;
	unsigned long x = w->seed;
	struct page *held[8];
	int nheld = 0;
	long i;

	for (i = 0; i < ROUNDS / 4; i++) {
		if (nheld < 8 && (zd_rand(&x) & 1)) {
			struct page *page = test_dev_alloc(w->dev);

			if (!page)
				continue;
			/* The page is ours alone: nobody else may see it allocated. */
			assert_int_equal(page_ref_count(page),
					 page_pgmap(page)->scheme == ZD_REFCOUNT_ELEVATED ? 2 : 1);
			page->index = (unsigned long)w;
			unlock_page(page);
			held[nheld++] = page;
			w->done++;
		} else if (nheld) {
			struct page *page = held[--nheld];

			assert_int_equal(page->index, (unsigned long)w);
			page->index = 0;
			put_page(page);
		}
	}
	while (nheld) {
		held[--nheld]->index = 0;
		put_page(held[nheld]);
	}
	return NULL;
}

static void concurrent_alloc_free(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long seed = zd_test_seed();
	struct test_dev *dev = test_dev_create(env, MEMORY_DEVICE_COHERENT, SUBSECTION_SIZE, 0);
	struct worker w[NR_THREADS];
	long allocs = 0;
	int i;

	assert_int_equal(test_dev_map(dev, env->nid), 0);
	start_workers(w, NR_THREADS, alloc_free_fn, dev, NULL, seed, NULL);
	join_workers(w, NR_THREADS);
	for (i = 0; i < NR_THREADS; i++)
		allocs += w[i].done;
	assert_true(allocs > 0);
	assert_int_equal(atomic_long_read(&dev->pgmap.nr_page_init), allocs);
	assert_int_equal(atomic_long_read(&dev->page_free_calls), allocs);
	assert_int_equal(dev->nr_free, PAGES_PER_SUBSECTION);
	assert_int_equal(zd_node_stat(env->sys, NR_ZONE_DEVICE_ALLOCATED), 0);
	test_dev_destroy(dev);
}

/*
 * get_dev_pagemap() racing memunmap_pages(): every lookup either finds the
 * live pgmap (and may use it until it puts it) or finds nothing; once
 * memunmap has returned, no lookup finds it.
 */
static void *lookup_fn(void *arg)
{
	struct worker *w = arg;
	unsigned long x = w->seed, start = PHYS_PFN(w->dev->pgmap.range.start);

	while (!READ_ONCE(*w->stop)) {
		struct dev_pagemap *pgmap = get_dev_pagemap(start + zd_rand(&x) % PHYS_PFN(DEV_SIZE));

		if (!pgmap)
			continue;
		/* Live while we hold it: memunmap must be waiting for us. */
		assert_int_equal(pgmap->type, MEMORY_DEVICE_FS_DAX);
		assert_int_not_equal(READ_ONCE(pgmap->state), ZD_PGMAP_UNUSED);
		w->done++;
		put_dev_pagemap(pgmap);
	}
	return NULL;
}

static void concurrent_lookup_vs_unmap(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long seed = zd_test_seed(), start;
	struct test_dev *dev = test_dev_create(env, MEMORY_DEVICE_FS_DAX, DEV_SIZE, 0);
	struct worker w[NR_THREADS];
	volatile int stop = 0;
	long found = 0;
	int i;

	assert_int_equal(test_dev_map(dev, env->nid), 0);
	start = PHYS_PFN(dev->pgmap.range.start);
	start_workers(w, NR_THREADS, lookup_fn, dev, NULL, seed, &stop);
	usleep(20 * 1000 + (seed % 20) * 1000);
	memunmap_pages(&dev->pgmap);
	assert_null(get_dev_pagemap(start));
	WRITE_ONCE(stop, 1);
	join_workers(w, NR_THREADS);
	for (i = 0; i < NR_THREADS; i++)
		found += w[i].done;
	assert_true(found > 0);
	assert_int_equal(zd_system_bugs(env->sys), 0);
	test_dev_destroy(dev);
}

/* The folio lock excludes: a plain counter under it never loses updates. */
struct lock_worker {
	struct page *page;
	long *counter;
	struct zd_thread thread;
};

static void *lock_fn(void *arg)
{
	struct lock_worker *w = arg;
	int i;

	for (i = 0; i < ROUNDS / 4; i++) {
		lock_page(w->page);
		(*w->counter)++;
		unlock_page(w->page);
	}
	return NULL;
}

static void concurrent_page_lock(void **state)
{
	struct zd_test_env *env = *state;
	struct test_dev *dev = test_dev_create(env, MEMORY_DEVICE_PRIVATE, DEV_SIZE, 0);
	struct lock_worker w[NR_THREADS];
	struct page *page;
	long counter = 0;
	int i;

	(void)zd_test_seed();
	assert_int_equal(test_dev_map(dev, env->nid), 0);
	page = test_dev_alloc(dev);
	unlock_page(page);
	for (i = 0; i < NR_THREADS; i++) {
		w[i].page = page;
		w[i].counter = &counter;
		assert_int_equal(zd_thread_start(&w[i].thread, lock_fn, &w[i]), 0);
	}
	for (i = 0; i < NR_THREADS; i++)
		zd_thread_join(&w[i].thread);
	assert_int_equal(counter, NR_THREADS * (ROUNDS / 4));
	assert_false(PageLocked(page));
	assert_false(test_bit(PG_waiters, &page->flags));
	put_page(page);
	test_dev_destroy(dev);
}

/*
 * Two systems, one per scheme, busy at the same time.  The elevated one's
 * device-private pgmap turns devmap_managed_key on for the whole process;
 * the zero system's RAM and device pages must not care.
 */
struct sys_worker {
	struct zd_test_env env;
	unsigned long seed;
	long frees;
	struct zd_thread thread;
};

static void *system_fn(void *arg)
{
	struct sys_worker *sw = arg;
	struct test_dev *dev = test_dev_create(&sw->env, MEMORY_DEVICE_PRIVATE, DEV_SIZE, 0);
	unsigned long x = sw->seed;
	int i;

	assert_int_equal(test_dev_map(dev, sw->env.nid), 0);
	for (i = 0; i < ROUNDS / 8; i++) {
		unsigned int order = (unsigned int)(zd_rand(&x) % 3);
		struct page *ram = alloc_pages_node(sw->env.nid, GFP_KERNEL, order);
		struct page *page = test_dev_alloc(dev);

		assert_non_null(ram);
		assert_non_null(page);
		unlock_page(page);
		get_page(page);
		put_page(page);
		put_page(page);
		__free_pages(ram, order);
	}
	sw->frees = atomic_long_read(&dev->page_free_calls);
	test_dev_destroy(dev);
	return NULL;
}

static void concurrent_two_schemes(void **state)
{
	static const enum zd_refcount_scheme schemes[] = { ZD_REFCOUNT_ZERO, ZD_REFCOUNT_ELEVATED };
	unsigned long seed = zd_test_seed();
	struct sys_worker sw[2];
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct zd_config cfg = { .ram_size = 16UL << 20, .scheme = schemes[i],
					  .flags = ZD_BUG_CONTINUE };

		memset(&sw[i], 0, sizeof(sw[i]));
		sw[i].env.scheme = schemes[i];
		sw[i].env.sys = zd_system_create(&cfg);
		assert_false(IS_ERR(sw[i].env.sys));
		sw[i].env.nid = zd_system_nid(sw[i].env.sys);
		sw[i].seed = seed + (unsigned long)i;
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(zd_thread_start(&sw[i].thread, system_fn, &sw[i]), 0);
	for (i = 0; i < 2; i++)
		zd_thread_join(&sw[i].thread);
	for (i = 0; i < 2; i++) {
		assert_int_equal(sw[i].frees, ROUNDS / 8);
		assert_int_equal(zd_system_audit(sw[i].env.sys, stderr), 0);
		assert_int_equal(zd_system_destroy(sw[i].env.sys), 0);
	}
}

/*
 * Two unmaps of one pgmap overlapping (the second starts while the first
 * waits for the last page) and an audit running throughout: exactly one
 * tears it down, the other returns once it is gone, the audit never sees a
 * half-removed pgmap.  (An unmap that starts after the first has finished
 * is a double unmap, a bug that is reported: see test_memremap.)
 */
struct unmapper {
	struct test_dev *dev;
	struct zd_system *sys;
	int audits;
	int started;
	struct zd_thread thread;
};

static void *unmap_fn(void *arg)
{
	struct unmapper *u = arg;

	WRITE_ONCE(u->started, 1);
	memunmap_pages(&u->dev->pgmap);
	return NULL;
}

static void *audit_fn(void *arg)
{
	struct unmapper *u = arg;

	while (READ_ONCE(u->dev->pgmap.state) != ZD_PGMAP_UNUSED) {
		u->audits += zd_system_audit(u->sys, NULL) == 0;
		cond_resched();
	}
	return NULL;
}

static void concurrent_unmap_twice(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long seed = zd_test_seed();
	struct unmapper u[3];
	struct page *page;
	struct test_dev *dev;
	int i, round;

	for (round = 0; round < 5; round++) {
		dev = test_dev_create(env, MEMORY_DEVICE_PRIVATE, SUBSECTION_SIZE, 0);
		assert_int_equal(test_dev_map(dev, env->nid), 0);
		page = test_dev_alloc(dev);
		unlock_page(page);
		for (i = 0; i < 3; i++) {
			u[i].dev = dev;
			u[i].sys = env->sys;
			u[i].audits = 0;
			u[i].started = 0;
		}
		assert_int_equal(zd_thread_start(&u[2].thread, audit_fn, &u[2]), 0);
		assert_int_equal(zd_thread_start(&u[0].thread, unmap_fn, &u[0]), 0);
		while (READ_ONCE(dev->pgmap.state) == ZD_PGMAP_LIVE)
			cpu_relax();
		assert_int_equal(zd_thread_start(&u[1].thread, unmap_fn, &u[1]), 0);
		while (!READ_ONCE(u[1].started))
			cpu_relax();
		/* Let the second unmap reach its wait before the page goes. */
		usleep(50 * 1000 + (unsigned int)((seed + (unsigned long)round) % 4) * 500);
		put_page(page);		/* lets the unmaps finish */
		for (i = 0; i < 3; i++)
			zd_thread_join(&u[i].thread);
		assert_int_equal(dev->pgmap.state, ZD_PGMAP_UNUSED);
		assert_int_equal(atomic_long_read(&dev->page_free_calls), 1);
		assert_int_equal(zd_node_stat(env->sys, NR_PGMAP_LIVE), 0);
		assert_int_equal(zd_system_bugs(env->sys), 0);
		test_dev_destroy(dev);
	}
	assert_int_equal(zd_vm_event(env->sys, PGMAP_UNMAP), 5);
}

/*
 * __free_pages() of a non-compound block while another thread drops its
 * extra reference to the first page: whoever is last, every page comes
 * back exactly once and nothing is reported.
 */
struct splitter {
	struct page *volatile page;
	atomic_t go;
	atomic_t done;
	struct zd_thread thread;
	int rounds;
};

static void *split_put_fn(void *arg)
{
	struct splitter *s = arg;
	int r;

	for (r = 1; r <= s->rounds; r++) {
		while (atomic_read_acquire(&s->go) != r)
			cpu_relax();
		put_page(s->page);
		atomic_set_release(&s->done, r);
	}
	return NULL;
}

static void concurrent_free_pages_split(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long seed = zd_test_seed(), x = seed, total = zd_nr_free_pages(env->sys);
	struct splitter s = { .rounds = 20000 };
	int r;

	atomic_set(&s.go, 0);
	atomic_set(&s.done, 0);
	assert_int_equal(zd_thread_start(&s.thread, split_put_fn, &s), 0);
	for (r = 1; r <= s.rounds; r++) {
		unsigned int order = 1 + (unsigned int)(zd_rand(&x) % 3);
		struct page *page = alloc_pages_node(env->nid, GFP_KERNEL, order);

		assert_non_null(page);
		get_page(page);
		s.page = page;
		atomic_set_release(&s.go, r);
		__free_pages(page, order);
		while (atomic_read_acquire(&s.done) != r)
			cpu_relax();
	}
	zd_thread_join(&s.thread);
	assert_int_equal(zd_system_bugs(env->sys), 0);
	assert_int_equal(zd_nr_free_pages(env->sys), total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ZD_TEST_BOTH(concurrent_get_put_free),
		ZD_TEST_BOTH(concurrent_alloc_free),
		ZD_TEST_BOTH(concurrent_lookup_vs_unmap),
		ZD_TEST_BOTH(concurrent_page_lock),
		ZD_TEST_BOTH(concurrent_unmap_twice),
		ZD_TEST_BOTH(concurrent_free_pages_split),
		ZD_TEST_PLAIN(concurrent_two_schemes),
	};

	return ZD_RUN("concurrent", tests);
}
