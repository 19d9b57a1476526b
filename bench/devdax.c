// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench devdax-pin: pin_user_pages_fast() of 16 GiB of device-dax memory
 * mapped with 2 MiB PMD leaves over compound pages (vmemmap_shift 9), then
 * unpin_user_pages(); the same with a 4 KiB-aligned device (order-0 struct
 * pages, PTE-mapped) as the "without compound pages" comparison, and their
 * ratio, per refcount scheme.  The mappings are faulted in before the
 * timing by a slow-path pin of one page per unit; the device's memory
 * itself is never touched.  Goal: the kernel's published 6.2 ms for the
 * compound case (87 ms without), Joao Martins' figures (spec §8.1).
 *
 * bench devdax-meta: the memory the memmap of 1 TiB of device-dax really
 * occupies at 1 GiB and at 2 MiB alignment: right after memremap_pages(),
 * and once every unit has been mapped (which writes its head struct page),
 * counted from /proc/self/pagemap, with the host page tables the touched
 * memmap needs (VmPTE); next to what the kernel's deduplicated vmemmap
 * costs for the same geometry (2 vmemmap pages per compound page, plus the
 * PTE tables mapping the vmemmap).  Goal: at most 40 MiB at 1 GiB.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "../tools/zonedev-tool.h"

#define PIN_SIZE	(16UL << 30)
#define PIN_PAGES	(PIN_SIZE >> PAGE_SHIFT)
#define META_SIZE	(1UL << 40)

static double ms_since(unsigned long long t0)
{
	return (double)(ktime_get_ns() - t0) / 1e6;
}

static struct zd_system *bench_system(enum zd_refcount_scheme scheme, unsigned long ram)
{
	struct zd_config cfg = { .ram_size = ram, .scheme = scheme, .name = "bench" };

	return zd_system_create(&cfg);
}

/*
 * Map @dev whole in @task and fault every unit in with a slow-path pin of
 * its first page (no byte of device memory is read or written).
 */
static long map_and_fault(struct zd_task *task, struct zd_devdax *dev, unsigned long size,
			  unsigned long align)
{
	long addr = zd_mmap(task, 0, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			    zd_devdax_file(dev), 0);
	unsigned long off;
	struct page *page;

	if (addr < 0)
		return addr;
	for (off = 0; off < size; off += align) {
		if (pin_user_pages(zd_task_mm(task), (unsigned long)addr + off, 1, FOLL_WRITE,
				   &page) != 1)
			return -EFAULT;
		unpin_user_page(page);
	}
	return addr;
}

/* ------------------------------------------------------------------ */
/* devdax-pin                                                          */
/* ------------------------------------------------------------------ */

struct pin_times {
	double pin_ms, unpin_ms;
};

static int pin_one(enum zd_refcount_scheme scheme, unsigned long align, int reps,
		   struct page **pages, struct pin_times *out)
{
	struct zd_devdax_config cfg = { .size = PIN_SIZE, .align = align, .name = "dax-bench" };
	double pin[9], unpin[9];
	struct zd_system *sys;
	struct zd_devdax *dev;
	struct zd_task *task;
	int r, err = 0;
	long addr;

	/* RAM for the page tables: 32 MiB of PTE tables at 4 KiB. */
	sys = bench_system(scheme, 128UL << 20);
	if (IS_ERR(sys))
		return (int)PTR_ERR(sys);
	dev = zd_devdax_create(sys, &cfg);
	if (IS_ERR(dev)) {
		err = (int)PTR_ERR(dev);
		goto out_sys;
	}
	task = zd_task_create(sys);
	addr = map_and_fault(task, dev, PIN_SIZE, align);
	if (addr < 0) {
		err = (int)addr;
		goto out_task;
	}
	for (r = 0; r < reps; r++) {
		unsigned long long t0 = ktime_get_ns();
		int n = pin_user_pages_fast(zd_task_mm(task), (unsigned long)addr, (int)PIN_PAGES,
					    FOLL_WRITE, pages);

		pin[r] = ms_since(t0);
		if (n != (int)PIN_PAGES) {
			if (n > 0)
				unpin_user_pages(pages, (unsigned long)n);
			err = -EFAULT;
			goto out_task;
		}
		t0 = ktime_get_ns();
		unpin_user_pages(pages, PIN_PAGES);
		unpin[r] = ms_since(t0);
	}
	out->pin_ms = bench_median(pin, reps);
	out->unpin_ms = bench_median(unpin, reps);
out_task:
	zd_task_exit(task);
	if (zd_devdax_destroy(dev))
		err = err ? err : -EBUSY;
out_sys:
	if (zd_system_audit(sys, stderr))
		err = err ? err : -EIO;
	zd_system_destroy(sys);
	return err;
}

/*
 * The floor under any pin of 16 GiB of 4 KiB pages: storing the 4 Mi page
 * pointers the caller asked for (record_subpages()), in the same run.
 */
static double store_pointers_ms(struct page **pages, int reps)
{
	double t[9];
	unsigned long i;
	int r;

	for (r = 0; r < reps; r++) {
		unsigned long long t0 = ktime_get_ns();
		struct page *base = (struct page *)pages;

		for (i = 0; i < PIN_PAGES; i++)
			pages[i] = base + i;
		t[r] = ms_since(t0);
	}
	return bench_median(t, reps);
}

int bench_devdax_pin(const struct tool_opts *opts)
{
	int reps = opts->quick ? 3 : 9, s, err = 0;
	struct page **pages;
	double floor_ms;

	/* The pages array, faulted in before any timing. */
	pages = mmap(NULL, PIN_PAGES * sizeof(*pages), PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (pages == MAP_FAILED)
		return -ENOMEM;
	memset(pages, 0, PIN_PAGES * sizeof(*pages));
	floor_ms = store_pointers_ms(pages, reps);
	bench_result(opts, "devdax-pin", "baseline: store 4 Mi page pointers", floor_ms, "ms", NULL,
		     true);
	for (s = ZD_REFCOUNT_ZERO; s <= ZD_REFCOUNT_ELEVATED && !err; s++) {
		struct pin_times huge = { 0 }, small = { 0 };
		char metric[96];

		if (opts->scheme >= 0 && opts->scheme != s)
			continue;
		err = pin_one((enum zd_refcount_scheme)s, PMD_SIZE, reps, pages, &huge);
		if (!err)
			err = pin_one((enum zd_refcount_scheme)s, PAGE_SIZE, reps, pages, &small);
		if (err)
			break;
		snprintf(metric, sizeof(metric), "%s: pin_user_pages_fast 16 GiB, 2 MiB compound",
			 zd_scheme_name((enum zd_refcount_scheme)s));
		bench_result(opts, "devdax-pin", metric, huge.pin_ms, "ms", "<= 6.2 ms",
			     huge.pin_ms <= 6.2);
		snprintf(metric, sizeof(metric), "%s: unpin_user_pages 16 GiB, 2 MiB compound",
			 zd_scheme_name((enum zd_refcount_scheme)s));
		bench_result(opts, "devdax-pin", metric, huge.unpin_ms, "ms", NULL, true);
		snprintf(metric, sizeof(metric), "%s: pin_user_pages_fast 16 GiB, 4 KiB order-0",
			 zd_scheme_name((enum zd_refcount_scheme)s));
		bench_result(opts, "devdax-pin", metric, small.pin_ms, "ms", NULL, true);
		snprintf(metric, sizeof(metric), "%s: unpin_user_pages 16 GiB, 4 KiB order-0",
			 zd_scheme_name((enum zd_refcount_scheme)s));
		bench_result(opts, "devdax-pin", metric, small.unpin_ms, "ms", NULL, true);
		snprintf(metric, sizeof(metric), "%s: pin 4 KiB / pin 2 MiB compound",
			 zd_scheme_name((enum zd_refcount_scheme)s));
		bench_result(opts, "devdax-pin", metric, small.pin_ms / huge.pin_ms, "ratio", NULL,
			     true);
		snprintf(metric, sizeof(metric), "%s: pin 2 MiB compound / storing the pointers",
			 zd_scheme_name((enum zd_refcount_scheme)s));
		bench_result(opts, "devdax-pin", metric, huge.pin_ms / floor_ms, "ratio", NULL,
			     true);
		snprintf(metric, sizeof(metric), "%s: pin 2 MiB compound / kernel's 6.2 ms",
			 zd_scheme_name((enum zd_refcount_scheme)s));
		bench_result(opts, "devdax-pin", metric, huge.pin_ms / 6.2, "ratio", NULL, true);
	}
	munmap(pages, PIN_PAGES * sizeof(*pages));
	return err;
}

/* ------------------------------------------------------------------ */
/* devdax-meta                                                         */
/* ------------------------------------------------------------------ */

/* The process's page-table bytes (VmPTE), or 0 if unknown. */
static unsigned long vm_pte_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	unsigned long kb = 0;
	char line[128];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPTE: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb << 10;
}

/*
 * The kernel's cost for the same geometry, deduplicated as in
 * mm/sparse-vmemmap.c: 2 vmemmap pages per compound page (all of them
 * below order 7), plus one PTE table per 2 MiB of vmemmap.
 */
static unsigned long kernel_meta_bytes(unsigned long size, unsigned long align)
{
	unsigned long units = size / align, vmemmap = (size >> PAGE_SHIFT) * sizeof(struct page);
	unsigned long per = (align >> PAGE_SHIFT) * sizeof(struct page);

	if (per > 2 * PAGE_SIZE)
		per = 2 * PAGE_SIZE;
	return units * per + (vmemmap / (2UL << 20)) * PAGE_SIZE;
}

static int meta_one(const struct tool_opts *opts, enum zd_refcount_scheme scheme,
		    unsigned long align)
{
	struct zd_devdax_config cfg = { .size = META_SIZE, .align = align, .name = "dax-meta" };
	unsigned long kernel = kernel_meta_bytes(META_SIZE, align);
	unsigned long idle, mapped, pte0, pte_mapped, tables;
	const char *a = align == PUD_SIZE ? "1 GiB" : "2 MiB";
	unsigned long long t0;
	double create_ms, fault_ms;
	struct zd_system *sys;
	struct zd_devdax *dev;
	struct zd_task *task;
	char metric[96];
	int err = 0;
	long addr;

	/* RAM for the page tables of 1 TiB mapped with PMDs: 4 MiB. */
	sys = bench_system(scheme, 64UL << 20);
	if (IS_ERR(sys))
		return (int)PTR_ERR(sys);
	pte0 = vm_pte_bytes();
	t0 = ktime_get_ns();
	dev = zd_devdax_create(sys, &cfg);
	create_ms = ms_since(t0);
	if (IS_ERR(dev)) {
		err = (int)PTR_ERR(dev);
		goto out_sys;
	}
	idle = zd_memmap_resident_bytes(zd_devdax_pgmap(dev));
	task = zd_task_create(sys);
	t0 = ktime_get_ns();
	addr = map_and_fault(task, dev, META_SIZE, align);
	fault_ms = ms_since(t0);
	if (addr < 0) {
		err = (int)addr;
		goto out_task;
	}
	mapped = zd_memmap_resident_bytes(zd_devdax_pgmap(dev));
	pte_mapped = vm_pte_bytes();
	tables = pte_mapped > pte0 ? pte_mapped - pte0 : 0;

	snprintf(metric, sizeof(metric), "1 TiB at %s: zd_devdax_create", a);
	bench_result(opts, "devdax-meta", metric, create_ms, "ms", NULL, true);
	snprintf(metric, sizeof(metric), "1 TiB at %s: resident memmap, created", a);
	bench_result(opts, "devdax-meta", metric, (double)idle / (1 << 20), "MiB", NULL, true);
	snprintf(metric, sizeof(metric), "1 TiB at %s: every unit mapped (%.0f ms)", a, fault_ms);
	bench_result(opts, "devdax-meta", metric, (double)mapped / (1 << 20), "MiB",
		     align == PUD_SIZE ? "<= 40 MiB" : NULL,
		     align == PUD_SIZE ? mapped <= (40UL << 20) : true);
	snprintf(metric, sizeof(metric), "1 TiB at %s: host page tables for it (VmPTE)", a);
	bench_result(opts, "devdax-meta", metric, (double)tables / (1 << 20), "MiB", NULL, true);
	snprintf(metric, sizeof(metric), "1 TiB at %s: memmap + page tables, mapped", a);
	bench_result(opts, "devdax-meta", metric, (double)(mapped + tables) / (1 << 20), "MiB",
		     align == PUD_SIZE ? "<= 40 MiB" : NULL,
		     align == PUD_SIZE ? mapped + tables <= (40UL << 20) : true);
	snprintf(metric, sizeof(metric), "1 TiB at %s: kernel's deduplicated vmemmap", a);
	bench_result(opts, "devdax-meta", metric, (double)kernel / (1 << 20), "MiB", NULL, true);
	snprintf(metric, sizeof(metric), "1 TiB at %s: zonedev mapped / kernel", a);
	bench_result(opts, "devdax-meta", metric, (double)(mapped + tables) / (double)kernel,
		     "ratio", NULL, true);
out_task:
	zd_task_exit(task);
	if (zd_devdax_destroy(dev))
		err = err ? err : -EBUSY;
out_sys:
	if (zd_system_audit(sys, stderr))
		err = err ? err : -EIO;
	zd_system_destroy(sys);
	return err;
}

int bench_devdax_meta(const struct tool_opts *opts)
{
	enum zd_refcount_scheme scheme = opts->scheme >= 0 ? (enum zd_refcount_scheme)opts->scheme :
				 ZD_REFCOUNT_ZERO;
	int err = meta_one(opts, scheme, PUD_SIZE);

	if (!err)
		err = meta_one(opts, scheme, PMD_SIZE);
	return err;
}
