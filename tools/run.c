// SPDX-License-Identifier: GPL-2.0-only
/*
 * `zonedev run`: the default workload.  For each refcount scheme: boot a
 * system, exercise its RAM, register device memory of every type, let a
 * small driver allocate device-private and device-coherent pages that
 * several threads reference and release, show a bounded memunmap refusing
 * while a page is held, tear everything down, and audit.  The same
 * workload under both schemes, so their differences show side by side.
 */
#include <stdlib.h>
#include <string.h>
#include "zonedev-tool.h"

#define DEV_PAGES	64	/* pages each driver allocates */
#define REF_THREADS	4
#define REF_ROUNDS	20000

/* A driver in the style of lib/test_hmm.c: a free list refilled by page_free. */
struct demo_driver {
	struct dev_pagemap pgmap;
	spinlock_t lock;
	struct page *free_list;		/* linked through zone_device_data */
	unsigned long nr_free;
	atomic_long_t page_free_calls;
};

static struct demo_driver *page_driver(struct page *page)
{
	return container_of(page->pgmap, struct demo_driver, pgmap);
}

static void demo_page_free(struct page *page)
{
	struct demo_driver *drv = page_driver(page);

	spin_lock(&drv->lock);
	page->zone_device_data = drv->free_list;
	drv->free_list = page;
	drv->nr_free++;
	spin_unlock(&drv->lock);
	atomic_long_inc(&drv->page_free_calls);
}

/* This driver keeps no CPU copy of its memory, so a CPU fault gets SIGBUS. */
static unsigned int demo_migrate_to_ram(struct vm_fault *vmf)
{
	(void)vmf;
	return VM_FAULT_SIGBUS;
}

static const struct dev_pagemap_ops demo_ops = {
	.page_free = demo_page_free,
	.migrate_to_ram = demo_migrate_to_ram,
};

/* Put every device page of the range on the free list, as a driver's probe does. */
static void demo_fill_free_list(struct demo_driver *drv)
{
	unsigned long pfn = PHYS_PFN(drv->pgmap.range.start);
	unsigned long end = pfn + PHYS_PFN(range_len(&drv->pgmap.range));

	for (; pfn < end; pfn++) {
		struct page *page = pfn_to_page(pfn);

		page->zone_device_data = drv->free_list;
		drv->free_list = page;
		drv->nr_free++;
	}
}

static struct page *demo_alloc(struct demo_driver *drv)
{
	struct page *page;

	spin_lock(&drv->lock);
	page = drv->free_list;
	if (page) {
		drv->free_list = page->zone_device_data;
		drv->nr_free--;
	}
	spin_unlock(&drv->lock);
	if (page) {
		page->zone_device_data = NULL;
		zone_device_page_init(page);	/* returned locked */
		unlock_page(page);
	}
	return page;
}

struct ref_worker {
	struct page **pages;
	unsigned long seed;
	struct zd_thread thread;
};

/* Take and drop references to random pages, as mappings and GUP would. */
static void *ref_worker_fn(void *arg)
{
	struct ref_worker *w = arg;
	unsigned long x = w->seed | 1;
	int i;

	for (i = 0; i < REF_ROUNDS; i++) {
		struct page *page;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		page = w->pages[x % DEV_PAGES];
		get_page(page);
		put_page(page);
	}
	return NULL;
}

static int demo_driver_start(struct demo_driver *drv, struct zd_system *sys,
			     enum memory_type type, struct resource **res)
{
	int fd = type == MEMORY_DEVICE_PRIVATE ? -1 : -2;
	void *addr;

	memset(drv, 0, sizeof(*drv));
	spin_lock_init(&drv->lock);
	*res = zd_request_device_memory(DEV_PAGES * PAGE_SIZE * 8, pgmap_type_name(type),
					IORES_DESC_DEVICE_PRIVATE_MEMORY, fd, 0);
	if (IS_ERR(*res))
		return (int)PTR_ERR(*res);
	drv->pgmap.type = type;
	drv->pgmap.range.start = (*res)->start;
	drv->pgmap.range.end = (*res)->start + SUBSECTION_SIZE - 1;
	drv->pgmap.nr_range = 1;
	drv->pgmap.ops = &demo_ops;
	drv->pgmap.owner = drv;
	addr = memremap_pages(&drv->pgmap, zd_system_nid(sys));
	if (IS_ERR(addr)) {
		zd_release_mem_region(*res);
		return (int)PTR_ERR(addr);
	}
	demo_fill_free_list(drv);
	return 0;
}

struct scheme_report {
	const char *scheme;
	long faults, pins, unpins, cow_checks;
	long ram_allocs, ram_frees;
	long dev_allocs, page_free_calls, devmap_puts, folio_frees;
	long lookups;
	int busy_unmap;		/* what the bounded memunmap said while a page was held */
	int audit;
	int destroy_held;
};

static int run_device_phase(struct zd_system *sys, enum memory_type type, unsigned long seed,
			    struct scheme_report *rep)
{
	struct ref_worker workers[REF_THREADS];
	struct page *pages[DEV_PAGES];
	struct demo_driver *drv;
	struct resource *res;
	struct dev_pagemap *found;
	int i, err;

	drv = calloc(1, sizeof(*drv));
	if (!drv)
		return -ENOMEM;
	err = demo_driver_start(drv, sys, type, &res);
	if (err) {
		free(drv);
		return err;
	}
	for (i = 0; i < DEV_PAGES; i++)
		pages[i] = demo_alloc(drv);

	found = get_dev_pagemap(page_to_pfn(pages[0]));
	if (found == &drv->pgmap)
		rep->lookups++;
	put_dev_pagemap(found);

	for (i = 0; i < REF_THREADS; i++) {
		workers[i].pages = pages;
		workers[i].seed = seed + (unsigned long)i * 7919;
		zd_thread_start(&workers[i].thread, ref_worker_fn, &workers[i]);
	}
	for (i = 0; i < REF_THREADS; i++)
		zd_thread_join(&workers[i].thread);

	/* Free all but one page; the bounded unmap must then refuse. */
	for (i = 1; i < DEV_PAGES; i++)
		put_page(pages[i]);
	if (type == MEMORY_DEVICE_PRIVATE)
		rep->busy_unmap = zd_memunmap_pages_timeout(&drv->pgmap, 20, NULL);
	put_page(pages[0]);
	err = zd_memunmap_pages_timeout(&drv->pgmap, 5000, stderr);
	rep->dev_allocs += atomic_long_read(&drv->pgmap.nr_page_init);
	rep->page_free_calls += atomic_long_read(&drv->page_free_calls);
	zd_release_mem_region(res);
	free(drv);
	return err;
}

/* FS_DAX, GENERIC (2 MiB compound pages) and P2PDMA: map, look up, unmap. */
static int run_other_types(struct zd_system *sys, struct scheme_report *rep)
{
	static const enum memory_type types[] = {
		MEMORY_DEVICE_FS_DAX, MEMORY_DEVICE_GENERIC, MEMORY_DEVICE_PCI_P2PDMA,
	};
	unsigned int i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(types) && !err; i++) {
		struct dev_pagemap *pgmap = calloc(1, sizeof(*pgmap));
		struct resource *res;
		void *addr;

		if (!pgmap)
			return -ENOMEM;
		res = zd_request_device_memory(8 * PMD_SIZE, pgmap_type_name(types[i]),
					       IORES_DESC_NONE, -2, 0);
		if (IS_ERR(res)) {
			free(pgmap);
			return (int)PTR_ERR(res);
		}
		pgmap->type = types[i];
		pgmap->range.start = res->start;
		pgmap->range.end = res->start + 8 * PMD_SIZE - 1;
		pgmap->nr_range = 1;
		pgmap->vmemmap_shift = types[i] == MEMORY_DEVICE_GENERIC ? PMD_ORDER : 0;
		addr = memremap_pages(pgmap, zd_system_nid(sys));
		if (IS_ERR(addr)) {
			err = (int)PTR_ERR(addr);
		} else {
			struct page *page = pfn_to_page(PHYS_PFN(res->start) + 3);
			struct dev_pagemap *found = get_dev_pagemap(page_to_pfn(page));

			/* The CPU can use this memory: write through the direct map. */
			memset(addr, 0x5a, PAGE_SIZE);
			rep->lookups += found == pgmap;
			put_dev_pagemap(found);
			memunmap_pages(pgmap);
		}
		zd_release_mem_region(res);
		free(pgmap);
	}
	return err;
}

static int run_ram_phase(struct zd_system *sys, struct scheme_report *rep)
{
	struct folio *folios[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(folios); i++) {
		folios[i] = __folio_alloc_node(GFP_KERNEL | __GFP_ZERO, i % 4, zd_system_nid(sys));
		if (!folios[i])
			return -ENOMEM;
		folio_get(folios[i]);
	}
	for (i = 0; i < ARRAY_SIZE(folios); i++) {
		folio_put(folios[i]);
		folio_put(folios[i]);
	}
	rep->ram_allocs = (long)zd_vm_event(sys, PGALLOC);
	rep->ram_frees = (long)zd_vm_event(sys, PGFREE);
	return 0;
}

/*
 * Tasks: map and write memory, pin part of it for "DMA", fork, let the
 * child write (copy-on-write), check that neither side and no pin sees the
 * other's writes, share memory both ways, exit.
 */
#define TASK_PAGES	1024

static int run_task_phase(struct zd_system *sys, struct scheme_report *rep)
{
	struct zd_task *parent = zd_task_create(sys), *child;
	struct page *pinned[16];
	unsigned long i;
	long addr, shared;
	int v, err = -EIO;

	if (IS_ERR(parent))
		return (int)PTR_ERR(parent);
	addr = zd_mmap(parent, 0, TASK_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	shared = zd_mmap(parent, 0, 16 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, NULL, 0);
	if (addr < 0 || shared < 0)
		goto exit_parent;
	for (i = 0; i < TASK_PAGES; i++) {
		v = (int)i;
		zd_write(parent, (unsigned long)addr + i * PAGE_SIZE, &v, sizeof(v));
	}
	if (pin_user_pages_fast(zd_task_mm(parent), (unsigned long)addr, 16, FOLL_WRITE,
				pinned) != 16)
		goto exit_parent;
	child = zd_task_fork(parent);
	if (IS_ERR(child))
		goto unpin;
	for (i = 0; i < TASK_PAGES; i += 2) {
		v = -(int)i;
		zd_write(child, (unsigned long)addr + i * PAGE_SIZE, &v, sizeof(v));
	}
	v = 4242;
	zd_write(child, (unsigned long)shared, &v, sizeof(v));
	for (i = 0; i < TASK_PAGES; i++) {
		zd_read(parent, (unsigned long)addr + i * PAGE_SIZE, &v, sizeof(v));
		rep->cow_checks += v == (int)i;
	}
	for (i = 0; i < 16; i++)
		rep->cow_checks += *(int *)page_address(pinned[i]) == (int)i;
	zd_read(parent, (unsigned long)shared, &v, sizeof(v));
	rep->cow_checks += v == 4242;
	err = 0;
	zd_task_exit(child);
unpin:
	unpin_user_pages(pinned, 16);
exit_parent:
	zd_task_exit(parent);
	rep->faults = (long)zd_vm_event(sys, PGFAULT);
	rep->pins = (long)zd_node_stat(sys, NR_FOLL_PIN_ACQUIRED);
	rep->unpins = (long)zd_node_stat(sys, NR_FOLL_PIN_RELEASED);
	return err;
}

static int run_scheme(enum zd_refcount_scheme scheme, const struct tool_opts *opts,
		      struct scheme_report *rep)
{
	struct zd_config cfg = {
		.scheme = scheme,
		.trace = opts->trace,
		.trace_format = opts->trace_json ? ZD_TRACE_JSON : ZD_TRACE_TEXT,
		.name = zd_scheme_name(scheme),
	};
	struct zd_system *sys = zd_system_create(&cfg);
	int err;

	memset(rep, 0, sizeof(*rep));
	rep->scheme = zd_scheme_name(scheme);
	if (IS_ERR(sys))
		return (int)PTR_ERR(sys);
	err = run_ram_phase(sys, rep);
	if (!err)
		err = run_device_phase(sys, MEMORY_DEVICE_PRIVATE, opts->seed, rep);
	if (!err)
		err = run_device_phase(sys, MEMORY_DEVICE_COHERENT, opts->seed + 1, rep);
	if (!err)
		err = run_other_types(sys, rep);
	if (!err)
		err = run_task_phase(sys, rep);
	rep->devmap_puts = (long)zd_vm_event(sys, DEVMAP_MANAGED_PUT);
	rep->folio_frees = (long)zd_vm_event(sys, ZONE_DEVICE_FOLIO_FREE);
	rep->audit = zd_system_audit(sys, stderr);
	rep->destroy_held = zd_system_destroy(sys);
	return err;
}

int tool_run(const struct tool_opts *opts)
{
	static const enum zd_refcount_scheme schemes[] = { ZD_REFCOUNT_ZERO, ZD_REFCOUNT_ELEVATED };
	struct scheme_report rep[2];
	int i, n = 0, failed = 0;

	printf("zonedev %s: ZONE_DEVICE page lifecycle, seed %lu\n", ZONEDEV_VERSION, opts->seed);
	for (i = 0; i < 2; i++) {
		int err;

		if (opts->scheme >= 0 && opts->scheme != (int)schemes[i])
			continue;
		err = run_scheme(schemes[i], opts, &rep[n]);
		if (err) {
			fprintf(stderr, "zonedev run: %s scheme failed: %s\n",
				zd_scheme_name(schemes[i]), strerror(-err));
			failed++;
		}
		n++;
	}

	printf("\n%-44s", "");
	for (i = 0; i < n; i++)
		printf("%12s", rep[i].scheme);
	printf("\n");
#define ROW(label, field)						\
	do {								\
		printf("%-44s", label);					\
		for (i = 0; i < n; i++)					\
			printf("%12ld", (long)rep[i].field);		\
		printf("\n");						\
	} while (0)
	ROW("RAM phase: pages allocated", ram_allocs);
	ROW("RAM phase: pages freed", ram_frees);
	ROW("device pages allocated (zone_device_page_init)", dev_allocs);
	ROW("ops->page_free calls", page_free_calls);
	ROW("  heard on 2->1 (devmap_managed_key path)", devmap_puts);
	ROW("  heard on 1->0 (free_zone_device_folio)", folio_frees);
	ROW("get_dev_pagemap lookups that found the pgmap", lookups);
	ROW("bounded memunmap with a page held (-EBUSY)", busy_unmap);
	ROW("page faults taken by tasks", faults);
	ROW("pages pinned (FOLL_PIN)", pins);
	ROW("pages unpinned", unpins);
	ROW("fork: COW and pin isolation checks passed", cow_checks);
	ROW("audit violations", audit);
	ROW("held at destroy", destroy_held);
#undef ROW
	for (i = 0; i < n; i++) {
		bool ok = !rep[i].audit && !rep[i].destroy_held && rep[i].busy_unmap == -EBUSY &&
			  rep[i].page_free_calls == rep[i].dev_allocs &&
			  rep[i].pins == rep[i].unpins && rep[i].cow_checks == TASK_PAGES + 17;

		printf("%s scheme: %s\n", rep[i].scheme, ok ? "clean" : "NOT CLEAN");
		failed += !ok;
	}
	return failed ? 1 : 0;
}
