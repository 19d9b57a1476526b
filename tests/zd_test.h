/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test harness around cmocka: every behavioural test runs once per
 * refcount scheme (ZD_TEST_BOTH), on a fresh system whose report stream is
 * captured; teardown requires a clean audit and a clean destroy.
 * Concurrent tests take their seed from ZD_SEED, or pick and print one.
 */
#ifndef _ZD_TEST_H
#define _ZD_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <zonedev/zonedev.h>

struct zd_test_param {
	enum zd_refcount_scheme scheme;
	unsigned long ram_size;
};

extern const struct zd_test_param zd_param_zero, zd_param_elevated;

struct zd_test_env {
	enum zd_refcount_scheme scheme;
	struct zd_system *sys;
	int nid;
	FILE *report;
	char *report_buf;
	size_t report_len;
};

int zd_test_setup(void **state);
int zd_test_teardown(void **state);

#define ZD_TEST_ONE(fn, param, tag)					\
	{ #fn " [" tag "]", fn, zd_test_setup, zd_test_teardown,	\
	  (void *)&(param) }
/* The same test under the zero and the elevated scheme. */
#define ZD_TEST_BOTH(fn)						\
	ZD_TEST_ONE(fn, zd_param_zero, "zero"),				\
	ZD_TEST_ONE(fn, zd_param_elevated, "elevated")
/* A test that sets up its own systems. */
#define ZD_TEST_PLAIN(fn)	{ #fn, fn, NULL, NULL, NULL }

int zd_test_main(const char *group, const struct CMUnitTest *tests, size_t n);
#define ZD_RUN(group, tests) zd_test_main(group, tests, ARRAY_SIZE(tests))

/* What the system reported since the last call (the captured stream). */
const char *zd_test_report(struct zd_test_env *env);
void zd_test_report_clear(struct zd_test_env *env);
/* Acknowledge exactly @n violations and check the report mentions @what. */
void zd_test_expect_bugs(struct zd_test_env *env, unsigned long n, const char *what);

/* A task on the test's system, and its exit (which must succeed). */
struct zd_task *test_task_new(struct zd_test_env *env);
void test_task_done(struct zd_task *task);

unsigned long zd_test_seed(void);
unsigned long zd_rand(unsigned long *state);

/*
 * A device driver for tests, in the style of lib/test_hmm.c: a pgmap of
 * one type over a fresh physical range, a free list refilled by page_free,
 * and counts of every callback.
 */
struct test_dev {
	struct dev_pagemap pgmap;
	struct resource *res;
	spinlock_t lock;
	struct page *free_list;
	unsigned long nr_free;
	atomic_long_t page_free_calls;
	atomic_long_t migrate_calls;
};

struct test_dev *test_dev_create(struct zd_test_env *env, enum memory_type type,
				 unsigned long size, unsigned int vmemmap_shift);
/* memremap the device's pgmap; returns 0 or the errno memremap_pages gave. */
int test_dev_map(struct test_dev *dev, int nid);
struct page *test_dev_alloc(struct test_dev *dev);
void test_dev_destroy(struct test_dev *dev);
extern const struct dev_pagemap_ops test_dev_ops;

#endif /* _ZD_TEST_H */
