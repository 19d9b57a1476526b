// SPDX-License-Identifier: GPL-2.0-only
/*
 * The harness around the model (kernel/system.c): booting and tearing down
 * systems, their configuration checks, node ids, the audit and its count
 * of violations, ZD_BUG_ABORT / ZD_BUG_CONTINUE and ZD_QUIET, the vmstat
 * counters.
 *
 * Tests that need a system of their own build it with the scheme of the
 * fixture they run under, so behaviour that is not scheme-specific is still
 * checked under both.
 */
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "zd_test.h"

#define SZ_4M		(4UL << 20)

/* A memstream report, so a test can read what a system printed. */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static void capture_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

static const char *capture_text(struct capture *c)
{
	fflush(c->f);
	return c->buf ? c->buf : "";
}

static void capture_close(struct capture *c)
{
	fclose(c->f);
	free(c->buf);
}

static struct zd_system *system_create(enum zd_refcount_scheme scheme, unsigned long ram_size,
				       unsigned int flags, FILE *report)
{
	struct zd_config cfg = {
		.ram_size = ram_size,
		.scheme = scheme,
		.flags = flags,
		.report = report,
		.name = "test-system",
	};
	struct zd_system *sys = zd_system_create(&cfg);

	assert_false(IS_ERR(sys));
	return sys;
}

static unsigned int nr_live_nodes(void)
{
	unsigned int n = 0;
	int nid;

	for (nid = 0; nid < MAX_NUMNODES; nid++)
		if (NODE_DATA(nid))
			n++;
	return n;
}

static unsigned long count_substr(const char *buf, const char *needle)
{
	unsigned long n = 0;

	while ((buf = strstr(buf, needle))) {
		n++;
		buf += strlen(needle);
	}
	return n;
}

/* Make one violation happen: a put of a page that is already free. */
static void put_free_page(struct zd_system *sys)
{
	struct page *page = alloc_page_node(zd_system_nid(sys), GFP_KERNEL);

	assert_non_null(page);
	__free_page(page);
	put_page(page);
}

/* ------------------------------------------------------------------ */
/* Creation                                                            */
/* ------------------------------------------------------------------ */

/* NULL config: 256 MiB of RAM, all of it free and merged, the zero scheme. */
static void test_create_defaults(void **state)
{
	const unsigned long pages = (256UL << 20) >> PAGE_SHIFT;
	unsigned int live = nr_live_nodes();
	struct zd_system *sys = zd_system_create(NULL);
	struct pglist_data *pgdat;
	struct zone *zone;
	int nid;

	(void)state;
	assert_false(IS_ERR(sys));
	nid = zd_system_nid(sys);
	assert_in_range(nid, 0, MAX_NUMNODES - 1);
	assert_int_equal(nr_live_nodes(), live + 1);
	assert_int_equal(zd_system_scheme(sys), ZD_REFCOUNT_ZERO);
	assert_int_equal(nr_cpu_ids, 4);

	pgdat = NODE_DATA(nid);
	assert_non_null(pgdat);
	assert_int_equal(pgdat->node_id, nid);
	assert_int_equal(pgdat->node_present_pages, pages);
	zone = &pgdat->node_zones[ZONE_NORMAL];
	assert_int_equal(zone->zone_start_pfn, pgdat->node_start_pfn);
	assert_int_equal(zone->spanned_pages, pages);
	assert_int_equal(zd_nr_free_pages(sys), pages);
	assert_int_equal(zone->free_area[MAX_PAGE_ORDER].nr_free, pages >> MAX_PAGE_ORDER);
	assert_int_equal(page_to_nid(pfn_to_page(pgdat->node_start_pfn)), nid);
	assert_int_equal(zd_vm_event(sys, PGALLOC), 0);
	assert_int_equal(zd_system_bugs(sys), 0);

	assert_int_equal(zd_system_audit(sys, NULL), 0);
	assert_int_equal(zd_system_destroy(sys), 0);
	assert_int_equal(nr_live_nodes(), live);
	assert_null(NODE_DATA(nid));
}

/* What the config asks for is what the system has. */
static void test_create_config_honoured(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_config cfg = {
		.ram_size = 3 * SZ_4M,
		.nr_cpus = 2,
		.scheme = env->scheme,
		.report = env->report,
	};
	struct zd_config copy = cfg;
	struct zd_system *sys = zd_system_create(&cfg);

	assert_false(IS_ERR(sys));
	/* The caller's config is read, never filled in. */
	assert_memory_equal(&cfg, &copy, sizeof(cfg));
	assert_int_equal(zd_system_scheme(sys), env->scheme);
	assert_int_equal(zd_nr_free_pages(sys), (3 * SZ_4M) >> PAGE_SHIFT);
	assert_int_equal(nr_cpu_ids, 2);
	assert_int_equal(zd_system_audit(sys, NULL), 0);
	assert_int_equal(zd_system_destroy(sys), 0);
}

/*
 * Every bad configuration is -EINVAL, and a refused create leaves no trace:
 * no node taken, no kmalloc object left behind.
 */
static void test_create_bad_config(void **state)
{
	static const struct {
		const char *what;
		struct zd_config cfg;
	} bad[] = {
		{ "ram_size 4 MiB + 4 KiB", { .ram_size = SZ_4M + PAGE_SIZE } },
		{ "ram_size 2 MiB", { .ram_size = 2UL << 20 } },
		{ "ram_size 6 MiB", { .ram_size = 6UL << 20 } },
		{ "ram_size 1 byte", { .ram_size = 1 } },
		{ "ram_size 64 GiB + 4 MiB", { .ram_size = (64UL << 30) + SZ_4M } },
		{ "ram_size 128 GiB", { .ram_size = 128UL << 30 } },
		{ "ram_size huge multiple of 4 MiB", { .ram_size = ~0UL & ~(SZ_4M - 1) } },
		{ "nr_cpus NR_CPUS + 1", { .nr_cpus = NR_CPUS + 1 } },
		{ "nr_cpus ~0", { .nr_cpus = ~0U } },
		{ "scheme 2", { .scheme = (enum zd_refcount_scheme)2 } },
		{ "scheme -1", { .scheme = (enum zd_refcount_scheme)-1 } },
		{ "flags 0x10", { .flags = 0x10 } },
		{ "flags 0x80000000", { .flags = 0x80000000u } },
		{ "flags ABORT|QUIET|0x100", { .flags = ZD_BUG_ABORT | ZD_QUIET | 0x100 } },
		{ "flags ABORT|CONTINUE", { .flags = ZD_BUG_ABORT | ZD_BUG_CONTINUE } },
		{ "trace_format 2", { .trace_format = (enum zd_trace_format)2 } },
		{ "trace_format -1", { .trace_format = (enum zd_trace_format)-1 } },
	};
	unsigned int live = nr_live_nodes(), i;
	long objects = kmalloc_live_objects();

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct zd_system *sys = zd_system_create(&bad[i].cfg);

		if (!IS_ERR(sys)) {
			zd_system_destroy(sys);
			fail_msg("%s: created a system", bad[i].what);
		}
		if (PTR_ERR(sys) != -EINVAL)
			fail_msg("%s: %ld, not -EINVAL", bad[i].what, PTR_ERR(sys));
	}
	assert_int_equal(nr_live_nodes(), live);
	assert_int_equal(kmalloc_live_objects(), objects);
}

/* The limits themselves are fine: 4 MiB of RAM, NR_CPUS CPUs. */
static void test_create_limits(void **state)
{
	struct zd_config cfg = { .ram_size = SZ_4M, .nr_cpus = NR_CPUS };
	struct zd_system *sys;

	(void)state;
	sys = zd_system_create(&cfg);
	assert_false(IS_ERR(sys));
	assert_int_equal(zd_nr_free_pages(sys), SZ_4M >> PAGE_SHIFT);
	assert_int_equal(nr_cpu_ids, NR_CPUS);
	assert_int_equal(zd_system_destroy(sys), 0);
}

/*
 * Fail each allocation zd_system_create() makes in turn (fail-nth, as
 * syzkaller does with /proc/self/fail-nth): every failure is -ENOMEM and
 * unwinds completely; the first n that is not reached boots normally.
 */
static void test_create_fail_nth(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_config cfg = { .ram_size = SZ_4M, .scheme = env->scheme, .report = env->report };
	unsigned int live = nr_live_nodes(), n;
	long objects = kmalloc_live_objects();
	struct zd_system *sys;

	for (n = 1; n < 64; n++) {
		zd_fail_nth_set(n);
		sys = zd_system_create(&cfg);
		if (!IS_ERR(sys))
			break;
		assert_int_equal(zd_fail_nth_get(), 0);
		assert_int_equal(PTR_ERR(sys), -ENOMEM);
		assert_int_equal(nr_live_nodes(), live);
		assert_int_equal(kmalloc_live_objects(), objects);
	}
	/* Not consumed: this create made fewer than n faultable calls. */
	assert_int_not_equal(zd_fail_nth_get(), 0);
	zd_fail_nth_set(0);
	assert_true(n > 1);
	assert_false(IS_ERR(sys));
	assert_int_equal(zd_nr_free_pages(sys), SZ_4M >> PAGE_SHIFT);
	assert_int_equal(zd_system_audit(sys, NULL), 0);
	assert_int_equal(zd_system_destroy(sys), 0);
	assert_int_equal(kmalloc_live_objects(), objects);
}

/*
 * A memmap that cannot be populated fails the boot with -ENOMEM and gives
 * back the node id and the physical range: the next system gets both.
 */
static void test_create_memmap_failure(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_system *sys;
	unsigned long start;
	int nid;

	sys = system_create(env->scheme, SZ_4M, 0, env->report);
	nid = zd_system_nid(sys);
	start = NODE_DATA(nid)->node_start_pfn;
	assert_int_equal(zd_system_destroy(sys), 0);

	fault_attr_arm(&fail_memmap, 1, 1);
	sys = zd_system_create(&(struct zd_config){ .ram_size = SZ_4M, .scheme = env->scheme });
	fault_attr_disarm(&fail_memmap);
	assert_true(IS_ERR(sys));
	assert_int_equal(PTR_ERR(sys), -ENOMEM);
	assert_null(NODE_DATA(nid));

	sys = system_create(env->scheme, SZ_4M, 0, env->report);
	assert_int_equal(zd_system_nid(sys), nid);
	assert_int_equal(NODE_DATA(nid)->node_start_pfn, start);
	assert_int_equal(zd_system_destroy(sys), 0);
}

/*
 * Two systems at once, one per scheme: separate nodes with disjoint RAM,
 * each page knows its node, using up one leaves the other untouched, and
 * each audits and tears down clean.
 */
static void test_two_systems(void **state)
{
	const enum zd_refcount_scheme schemes[2] = { ZD_REFCOUNT_ZERO, ZD_REFCOUNT_ELEVATED };
	const unsigned long pages = (2 * SZ_4M) >> PAGE_SHIFT;
	struct zd_system *sys[2];
	struct page *page[2];
	unsigned long start[2];
	struct capture rep[2];
	int nid[2], i;

	(void)state;
	for (i = 0; i < 2; i++) {
		capture_open(&rep[i]);
		sys[i] = system_create(schemes[i], 2 * SZ_4M, 0, rep[i].f);
		nid[i] = zd_system_nid(sys[i]);
		assert_int_equal(zd_system_scheme(sys[i]), schemes[i]);
		start[i] = NODE_DATA(nid[i])->node_start_pfn;
	}
	assert_int_not_equal(nid[0], nid[1]);
	assert_true(start[0] + pages <= start[1] || start[1] + pages <= start[0]);

	for (i = 0; i < 2; i++) {
		unsigned long pfn;

		page[i] = alloc_page_node(nid[i], GFP_KERNEL);
		assert_non_null(page[i]);
		pfn = page_to_pfn(page[i]);
		assert_int_equal(page_to_nid(page[i]), nid[i]);
		assert_ptr_equal(page_pgdat(page[i]), NODE_DATA(nid[i]));
		assert_ptr_equal(zd_page_system(page[i]), sys[i]);
		assert_true(pfn >= start[i] && pfn < start[i] + pages);
		assert_int_equal(zd_nr_free_pages(sys[i]), pages - 1);
	}
	assert_null(zd_page_system(NULL));

	/* Draining the first node does not touch the second. */
	{
		struct page **all = calloc(pages, sizeof(*all));
		unsigned long n = 0, k;

		assert_non_null(all);
		while ((all[n] = alloc_page_node(nid[0], GFP_KERNEL)))
			n++;
		assert_int_equal(n, pages - 1);
		assert_int_equal(zd_nr_free_pages(sys[1]), pages - 1);
		assert_int_equal(zd_vm_event(sys[0], PGALLOC_FAIL), 1);
		assert_int_equal(zd_vm_event(sys[1], PGALLOC_FAIL), 0);
		for (k = 0; k < n; k++) {
			assert_int_equal(page_to_nid(all[k]), nid[0]);
			__free_page(all[k]);
		}
		free(all);
	}

	for (i = 0; i < 2; i++) {
		__free_page(page[i]);
		assert_int_equal(zd_nr_free_pages(sys[i]), pages);
		assert_int_equal(zd_system_audit(sys[i], NULL), 0);
	}
	/* A destroyed node refuses allocations; the other keeps working. */
	assert_int_equal(zd_system_destroy(sys[0]), 0);
	assert_null(alloc_page_node(nid[0], GFP_KERNEL));
	page[1] = alloc_page_node(nid[1], GFP_KERNEL);
	assert_non_null(page[1]);
	__free_page(page[1]);
	assert_int_equal(zd_system_destroy(sys[1]), 0);
	for (i = 0; i < 2; i++) {
		assert_string_equal(capture_text(&rep[i]), "");
		capture_close(&rep[i]);
	}
}

/* The lowest node id no system holds: the one the next create gets. */
static int first_free_nid(void)
{
	int nid;

	for (nid = 0; nid < MAX_NUMNODES; nid++)
		if (!NODE_DATA(nid))
			return nid;
	return -1;
}

/*
 * MAX_NUMNODES systems fit, one more is -ENOSPC and disturbs nothing;
 * destroying them frees their node ids for reuse, lowest first.
 */
static void test_max_numnodes(void **state)
{
	struct zd_system *sys[MAX_NUMNODES], *extra;
	unsigned int live = nr_live_nodes(), n, i;
	int nid;

	(void)state;
	for (n = 0; live + n < MAX_NUMNODES; n++) {
		nid = first_free_nid();
		sys[n] = system_create(n & 1 ? ZD_REFCOUNT_ELEVATED : ZD_REFCOUNT_ZERO, SZ_4M,
				       ZD_QUIET, NULL);
		assert_int_equal(zd_system_nid(sys[n]), nid);
		assert_ptr_equal(NODE_DATA(nid)->sys, sys[n]);
	}
	assert_int_equal(nr_live_nodes(), MAX_NUMNODES);
	assert_int_equal(first_free_nid(), -1);

	extra = zd_system_create(&(struct zd_config){ .ram_size = SZ_4M });
	assert_true(IS_ERR(extra));
	assert_int_equal(PTR_ERR(extra), -ENOSPC);
	assert_int_equal(nr_live_nodes(), MAX_NUMNODES);

	/* The newest node still works: the refused create touched nothing. */
	{
		struct page *page = alloc_page_node(zd_system_nid(sys[n - 1]), GFP_KERNEL);

		assert_non_null(page);
		__free_page(page);
	}

	for (i = 0; i < n; i++)
		assert_int_equal(zd_system_destroy(sys[i]), 0);
	assert_int_equal(nr_live_nodes(), live);

	nid = first_free_nid();
	extra = zd_system_create(&(struct zd_config){ .ram_size = SZ_4M });
	assert_false(IS_ERR(extra));
	assert_int_equal(zd_system_nid(extra), nid);
	assert_int_equal(zd_system_destroy(extra), 0);
}

/* ------------------------------------------------------------------ */
/* Destroy: what is still held                                         */
/* ------------------------------------------------------------------ */

/* A leaked block is reported with its order and counted in the return. */
static void test_destroy_reports_leak(void **state)
{
	struct zd_test_env *env = *state;
	struct capture rep;
	struct zd_system *sys;
	struct page *page;

	capture_open(&rep);
	sys = system_create(env->scheme, SZ_4M, 0, rep.f);
	page = alloc_pages_node(zd_system_nid(sys), GFP_KERNEL, 3);
	assert_non_null(page);
	assert_int_equal(zd_system_destroy(sys), 1);
	if (!strstr(capture_text(&rep), "order-3 block still allocated") ||
	    !strstr(capture_text(&rep), "page dumped because: still allocated"))
		fail_msg("leak not reported:\n%s", capture_text(&rep));
	capture_close(&rep);
}

/* Past 16 blocks the report summarises; the count stays exact. */
static void test_destroy_reports_many_leaks(void **state)
{
	struct zd_test_env *env = *state;
	struct capture rep;
	struct zd_system *sys;
	unsigned int i;

	capture_open(&rep);
	sys = system_create(env->scheme, SZ_4M, 0, rep.f);
	for (i = 0; i < 20; i++)
		assert_non_null(alloc_page_node(zd_system_nid(sys), GFP_KERNEL));
	assert_int_equal(zd_system_destroy(sys), 20);
	assert_int_equal(count_substr(capture_text(&rep), "order-0 block still allocated\n"), 16);
	if (!strstr(capture_text(&rep), "20 blocks still allocated in all"))
		fail_msg("no summary:\n%s", capture_text(&rep));
	capture_close(&rep);
}

/* ZD_QUIET: counted the same, printed nowhere. */
static void test_destroy_quiet(void **state)
{
	struct zd_test_env *env = *state;
	struct capture rep;
	struct zd_system *sys;

	capture_open(&rep);
	sys = system_create(env->scheme, SZ_4M, ZD_QUIET, rep.f);
	assert_non_null(alloc_pages_node(zd_system_nid(sys), GFP_KERNEL, 0));
	assert_non_null(alloc_pages_node(zd_system_nid(sys), GFP_KERNEL, 5));
	assert_int_equal(zd_system_destroy(sys), 2);
	assert_string_equal(capture_text(&rep), "");
	capture_close(&rep);
}

/*
 * zd_system_destroy() is documented to count violations nobody took: a
 * system that reported one did not end clean.
 */
static void test_destroy_counts_untaken_violations(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_system *sys = system_create(env->scheme, SZ_4M, ZD_QUIET | ZD_BUG_CONTINUE, NULL);

	put_free_page(sys);
	assert_int_equal(zd_system_bugs(sys), 1);
	assert_int_equal(zd_system_destroy(sys), 1);
}

/* ------------------------------------------------------------------ */
/* Audit and violations                                                */
/* ------------------------------------------------------------------ */

/*
 * A violation counts in every audit until zd_system_take_bugs() takes it;
 * the audit itself only looks, it never clears the count.
 */
static void test_audit_counts_violations(void **state)
{
	struct zd_test_env *env = *state;
	struct page *page;
	struct capture out;
	const char *text;

	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	put_free_page(env->sys);
	assert_int_equal(zd_system_bugs(env->sys), 1);
	if (!strstr(zd_test_report(env), "zonedev: BUG: put of a free page"))
		fail_msg("violation not reported:\n%s", zd_test_report(env));

	capture_open(&out);
	assert_int_equal(zd_system_audit(env->sys, out.f), 1);
	assert_int_equal(zd_system_audit(env->sys, out.f), 1);
	text = capture_text(&out);
	assert_int_equal(count_substr(text, "zonedev: audit: 1 violation(s) reported while running\n"),
			 2);
	capture_close(&out);

	/* A second violation of another kind adds to the same count. */
	page = alloc_page_node(env->nid, GFP_KERNEL);
	assert_non_null(page);
	unlock_page(page);
	__free_page(page);
	assert_int_equal(zd_system_bugs(env->sys), 2);
	assert_int_equal(zd_system_audit(env->sys, NULL), 2);

	assert_int_equal(zd_system_take_bugs(env->sys), 2);
	assert_int_equal(zd_system_bugs(env->sys), 0);
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	assert_int_equal(zd_system_take_bugs(env->sys), 0);
	zd_test_report_clear(env);
}

/*
 * ZD_QUIET: a violation is counted but not printed, and the audit prints
 * only where it is explicitly told to.
 */
static void test_quiet_violations(void **state)
{
	struct zd_test_env *env = *state;
	struct capture rep, out;
	struct zd_system *sys;

	capture_open(&rep);
	capture_open(&out);
	sys = system_create(env->scheme, SZ_4M, ZD_QUIET | ZD_BUG_CONTINUE, rep.f);
	put_free_page(sys);
	assert_int_equal(zd_system_bugs(sys), 1);
	assert_int_equal(zd_system_audit(sys, NULL), 1);
	assert_string_equal(capture_text(&rep), "");
	assert_int_equal(zd_system_audit(sys, out.f), 1);
	if (!strstr(capture_text(&out), "1 violation(s) reported while running"))
		fail_msg("explicit audit stream unused:\n%s", capture_text(&out));
	assert_int_equal(zd_system_take_bugs(sys), 1);
	assert_int_equal(zd_system_audit(sys, NULL), 0);
	assert_int_equal(zd_system_destroy(sys), 0);
	assert_string_equal(capture_text(&rep), "");
	capture_close(&out);
	capture_close(&rep);
}

/*
 * Run @bad in a child with a ZD_BUG_ABORT system reporting into a pipe;
 * return the wait status and what the child reported.
 */
static int run_abort_child(enum zd_refcount_scheme scheme, bool bad, char *report, size_t len)
{
	struct rlimit no_core = { 0, 0 };
	int pipefd[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct zd_config cfg = {
			.ram_size = SZ_4M,
			.scheme = scheme,
			.flags = ZD_BUG_ABORT,
		};
		struct zd_system *sys;
		struct page *page;

		close(pipefd[0]);
		setrlimit(RLIMIT_CORE, &no_core);
		cfg.report = fdopen(pipefd[1], "w");
		if (!cfg.report)
			_exit(2);
		sys = zd_system_create(&cfg);
		if (IS_ERR(sys))
			_exit(3);
		page = alloc_page_node(zd_system_nid(sys), GFP_KERNEL);
		if (!page)
			_exit(4);
		__free_page(page);
		if (bad)
			put_page(page);
		/* No abort: the process lives on and leaves normally. */
		fflush(cfg.report);
		_exit(zd_system_bugs(sys) ? 5 : 0);
	}
	close(pipefd[1]);
	while (got + 1 < len && (n = read(pipefd[0], report + got, len - 1 - got)) > 0)
		got += (size_t)n;
	report[got] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/*
 * ZD_BUG_ABORT stops the process at the first violation, with the report
 * already flushed, like a VM_BUG_ON in a debug kernel; a system that breaks
 * no rule runs normally.
 */
static void test_bug_abort(void **state)
{
	struct zd_test_env *env = *state;
	char report[4096];
	int status;

	status = run_abort_child(env->scheme, true, report, sizeof(report));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	if (!strstr(report, "zonedev: BUG: put of a free page") ||
	    !strstr(report, "page dumped because: put of a free page") ||
	    !strstr(report, "aborting on the first violation"))
		fail_msg("child's report:\n%s", report);

	status = run_abort_child(env->scheme, false, report, sizeof(report));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(report, "");
}

/* ------------------------------------------------------------------ */
/* Counters and names                                                  */
/* ------------------------------------------------------------------ */

/* One "name value" line per counter, free pages first, values exact. */
static void test_vmstat_show(void **state)
{
	static const char *const names[] = {
		"nr_free_pages", "nr_foll_pin_acquired", "nr_foll_pin_released",
		"nr_zone_device_allocated", "nr_zone_device_freed", "nr_pgmap_live",
		"pgalloc", "pgfree", "pgalloc_fail", "pgmap_remap", "pgmap_unmap",
		"pgmap_lookup", "devmap_managed_put", "zone_device_folio_free", "pgfault",
	};
	struct zd_test_env *env = *state;
	const unsigned long pages = zd_param_zero.ram_size >> PAGE_SHIFT;
	struct page *big, *small;
	struct capture out;
	const char *text;
	char want[64];
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(names) != 1 + NR_NODE_STAT_ITEMS + NR_VM_EVENT_ITEMS);
	big = alloc_pages_node(env->nid, GFP_KERNEL, 2);
	small = alloc_page_node(env->nid, GFP_KERNEL);
	assert_non_null(big);
	assert_non_null(small);
	fault_attr_arm(&fail_page_alloc, 1, 1);
	assert_null(alloc_page_node(env->nid, GFP_KERNEL));
	fault_attr_disarm(&fail_page_alloc);
	__free_pages(big, 2);

	capture_open(&out);
	zd_vmstat_show(env->sys, out.f);
	text = capture_text(&out);
	snprintf(want, sizeof(want), "nr_free_pages %lu\n", pages - 1);
	assert_true(strncmp(text, want, strlen(want)) == 0);
	assert_int_equal(count_substr(text, "\n"), ARRAY_SIZE(names));
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(want, sizeof(want), "%s%s ", i ? "\n" : "", names[i]);
		if (count_substr(text, want) != 1)
			fail_msg("\"%s\" not exactly once in:\n%s", names[i], text);
	}
	assert_non_null(strstr(text, "\npgalloc 5\n"));
	assert_non_null(strstr(text, "\npgfree 4\n"));
	assert_non_null(strstr(text, "\npgalloc_fail 1\n"));
	assert_non_null(strstr(text, "\nnr_pgmap_live 0\n"));
	assert_non_null(strstr(text, "\nzone_device_folio_free 0\n"));
	assert_non_null(strstr(text, "\npgfault 0\n"));
	capture_close(&out);
	__free_page(small);
}

static void test_scheme_name(void **state)
{
	struct zd_test_env *env = *state;

	assert_string_equal(zd_scheme_name(ZD_REFCOUNT_ZERO), "zero");
	assert_string_equal(zd_scheme_name(ZD_REFCOUNT_ELEVATED), "elevated");
	assert_int_equal(zd_system_scheme(env->sys), env->scheme);
	assert_string_equal(zd_scheme_name(zd_system_scheme(env->sys)),
			    env->scheme == ZD_REFCOUNT_ZERO ? "zero" : "elevated");
}

/* Entry points given no system, or no page, answer instead of crashing. */
static void null_arguments(void **state)
{
	unsigned long orphans = zd_orphan_bugs();

	(void)state;
	assert_int_equal(zd_system_audit(NULL, NULL), -EINVAL);
	assert_int_equal(zd_system_destroy(NULL), -EINVAL);
	assert_int_equal(zd_system_destroy(ERR_PTR(-ENOMEM)), -EINVAL);
	assert_int_equal(zd_system_nid(NULL), -EINVAL);
	assert_int_equal(zd_system_take_bugs(NULL), 0);
	zd_vmstat_show(NULL, stdout);
	__free_pages(NULL, 0);
	assert_int_equal(zd_orphan_bugs(), orphans);
	/* A pfn with no memmap is nobody's: reported, counted, nothing touched. */
	__free_pages(pfn_to_page(MAX_PFN - 1), 0);
	assert_int_equal(zd_orphan_bugs(), orphans + 1);
	put_dev_pagemap(NULL);
	zone_device_page_init(NULL);
	assert_null(get_dev_pagemap(MAX_PFN + 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ZD_TEST_PLAIN(test_create_defaults),
		ZD_TEST_BOTH(test_create_config_honoured),
		ZD_TEST_PLAIN(test_create_bad_config),
		ZD_TEST_PLAIN(test_create_limits),
		ZD_TEST_BOTH(test_create_fail_nth),
		ZD_TEST_BOTH(test_create_memmap_failure),
		ZD_TEST_PLAIN(test_two_systems),
		ZD_TEST_PLAIN(test_max_numnodes),
		ZD_TEST_BOTH(test_destroy_reports_leak),
		ZD_TEST_BOTH(test_destroy_reports_many_leaks),
		ZD_TEST_BOTH(test_destroy_quiet),
		ZD_TEST_BOTH(test_destroy_counts_untaken_violations),
		ZD_TEST_BOTH(test_audit_counts_violations),
		ZD_TEST_BOTH(test_quiet_violations),
		ZD_TEST_BOTH(test_bug_abort),
		ZD_TEST_BOTH(test_vmstat_show),
		ZD_TEST_BOTH(test_scheme_name),
		ZD_TEST_PLAIN(null_arguments),
	};

	return ZD_RUN("system", tests);
}
