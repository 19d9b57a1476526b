// SPDX-License-Identifier: GPL-2.0-only
/* The test harness: fixtures, report capture, seeds, the test driver. */
#include <stdlib.h>
#include <time.h>
#include "zd_test.h"
#include <zonedev/mm_task.h>

const struct zd_test_param zd_param_zero = { ZD_REFCOUNT_ZERO, 32UL << 20 };
const struct zd_test_param zd_param_elevated = { ZD_REFCOUNT_ELEVATED, 32UL << 20 };

int zd_test_setup(void **state)
{
	const struct zd_test_param *param = *state;
	struct zd_test_env *env = calloc(1, sizeof(*env));
	struct zd_config cfg = { 0 };

	if (!env)
		return -1;
	env->scheme = param->scheme;
	env->report = open_memstream(&env->report_buf, &env->report_len);
	cfg.scheme = param->scheme;
	cfg.ram_size = param->ram_size;
	cfg.report = env->report;
	cfg.name = "test";
	/* Tests provoke violations on purpose and check they were reported. */
	cfg.flags = ZD_BUG_CONTINUE;
	env->sys = zd_system_create(&cfg);
	if (IS_ERR(env->sys)) {
		fclose(env->report);
		free(env->report_buf);
		free(env);
		return -1;
	}
	env->nid = zd_system_nid(env->sys);
	*state = env;
	return 0;
}

int zd_test_teardown(void **state)
{
	struct zd_test_env *env = *state;
	int audit, held;

	audit = zd_system_audit(env->sys, NULL);
	held = zd_system_destroy(env->sys);
	fflush(env->report);
	if (audit || held)
		fprintf(stderr, "# audit %d, held at destroy %d; the system reported:\n%s\n",
			audit, held, env->report_buf ? env->report_buf : "");
	fclose(env->report);
	free(env->report_buf);
	free(env);
	assert_int_equal(audit, 0);
	assert_int_equal(held, 0);
	return 0;
}

int zd_test_main(const char *group, const struct CMUnitTest *tests, size_t n)
{
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return _cmocka_run_group_tests(group, tests, n, NULL, NULL);
}

const char *zd_test_report(struct zd_test_env *env)
{
	fflush(env->report);
	return env->report_buf ? env->report_buf : "";
}

void zd_test_report_clear(struct zd_test_env *env)
{
	fflush(env->report);
	rewind(env->report);
	fflush(env->report);
	if (env->report_buf)
		env->report_buf[0] = '\0';
}

void zd_test_expect_bugs(struct zd_test_env *env, unsigned long n, const char *what)
{
	const char *report = zd_test_report(env);

	assert_int_equal(zd_system_take_bugs(env->sys), n);
	if (what && !strstr(report, what)) {
		fprintf(stderr, "# expected \"%s\" in the report:\n%s\n", what, report);
		fail();
	}
	zd_test_report_clear(env);
}

struct zd_task *test_task_new(struct zd_test_env *env)
{
	struct zd_task *task = zd_task_create(env->sys);

	assert_false(IS_ERR_OR_NULL(task));
	return task;
}

/* mmput() frees the task's notifier subscriptions; exiting is enough. */
void test_task_done(struct zd_task *task)
{
	assert_int_equal(zd_task_exit(task), 0);
}

unsigned long zd_test_seed(void)
{
	const char *s = getenv("ZD_SEED");
	unsigned long seed = s ? strtoul(s, NULL, 0) : (unsigned long)time(NULL) ^ (unsigned long)clock();

	printf("# seed: %lu (replay with ZD_SEED=%lu)\n", seed, seed);
	fflush(stdout);
	return seed;
}

unsigned long zd_rand(unsigned long *state)
{
	unsigned long x = *state ? *state : 0x9E3779B97F4A7C15UL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* ------------------------------------------------------------------ */

static struct test_dev *page_dev(struct page *page)
{
	return container_of(page_pgmap(page), struct test_dev, pgmap);
}

static void test_dev_page_free(struct page *page)
{
	struct test_dev *dev = page_dev(page);

	spin_lock(&dev->lock);
	page->zone_device_data = dev->free_list;
	dev->free_list = page;
	dev->nr_free++;
	spin_unlock(&dev->lock);
	atomic_long_inc(&dev->page_free_calls);
}

/* The test device keeps no CPU copy: a CPU fault would get SIGBUS. */
static unsigned int test_dev_migrate_to_ram(struct vm_fault *vmf)
{
	if (vmf && vmf->page)
		atomic_long_inc(&page_dev(vmf->page)->migrate_calls);
	return VM_FAULT_SIGBUS;
}

const struct dev_pagemap_ops test_dev_ops = {
	.page_free = test_dev_page_free,
	.migrate_to_ram = test_dev_migrate_to_ram,
};

struct test_dev *test_dev_create(struct zd_test_env *env, enum memory_type type,
				 unsigned long size, unsigned int vmemmap_shift)
{
	struct test_dev *dev = calloc(1, sizeof(*dev));
	int fd = type == MEMORY_DEVICE_PRIVATE ? -1 : -2;

	(void)env;
	assert_non_null(dev);
	spin_lock_init(&dev->lock);
	dev->res = zd_request_device_memory(size, "test-dev", IORES_DESC_NONE, fd, 0);
	assert_false(IS_ERR(dev->res));
	dev->pgmap.type = type;
	dev->pgmap.range.start = dev->res->start;
	dev->pgmap.range.end = dev->res->start + size - 1;
	dev->pgmap.nr_range = 1;
	dev->pgmap.vmemmap_shift = vmemmap_shift;
	dev->pgmap.ops = &test_dev_ops;
	dev->pgmap.owner = dev;
	return dev;
}

int test_dev_map(struct test_dev *dev, int nid)
{
	void *addr = memremap_pages(&dev->pgmap, nid);
	unsigned long i, start, end;

	if (IS_ERR(addr))
		return (int)PTR_ERR(addr);
	start = PHYS_PFN(dev->pgmap.range.start);
	end = start + PHYS_PFN(range_len(&dev->pgmap.range));

	for (i = start; i < end; i += 1UL << dev->pgmap.vmemmap_shift) {
		struct page *page = pfn_to_page(i);

		if (dev->pgmap.type != MEMORY_DEVICE_PRIVATE &&
		    dev->pgmap.type != MEMORY_DEVICE_COHERENT)
			break;
		page->zone_device_data = dev->free_list;
		dev->free_list = page;
		dev->nr_free++;
	}
	return 0;
}

struct page *test_dev_alloc(struct test_dev *dev)
{
	struct page *page;

	spin_lock(&dev->lock);
	page = dev->free_list;
	if (page) {
		dev->free_list = page->zone_device_data;
		dev->nr_free--;
	}
	spin_unlock(&dev->lock);
	if (page) {
		page->zone_device_data = NULL;
		zone_device_page_init(page);
	}
	return page;
}

void test_dev_destroy(struct test_dev *dev)
{
	if (dev->pgmap.state != ZD_PGMAP_UNUSED)
		memunmap_pages(&dev->pgmap);
	zd_release_mem_region(dev->res);
	free(dev);
}
