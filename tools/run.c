// SPDX-License-Identifier: GPL-2.0-only
/*
 * `zonedev run`: the default workload.  For each refcount scheme: boot a
 * system, exercise its RAM, register device memory of every type, let a
 * small driver allocate device-private and device-coherent pages that
 * several threads reference and release, show a bounded memunmap refusing
 * while a page is held, run tasks, put a file on daxfs under DMA, truncate
 * and memory failure, tear everything down, and audit.  The same
 * workload under both schemes, so their differences show side by side.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

/* The fsdax phase (run_fsdax_phase()). */
struct fsdax_report {
	long dma_pins;		/* file pages pinned for "DMA" */
	long truncate_waited;	/* 1: the truncate was still waiting while pinned */
	long truncate_wait_ms;	/* how long it waited, pin to return */
	long truncate_ret;	/* what it returned once unpinned */
	long consumer_ar;	/* BUS_MCEERR_AR to the task that consumed poison */
	long late_kill_ar;	/* BUS_MCEERR_AR to the other mapper, on its touch */
	long bystander_signals;	/* signals to a task mapping another file */
};

/* The GPU phase (run_gpu_phase()). */
struct gpu_report {
	long steps;		/* device kernel launches: migrate, read, compute, write */
	long dev_pages;		/* device pages allocated (migrations to the device) */
	long faults_back;	/* CPU faults that brought a page back (migrate_to_ram) */
	long device_faults;	/* device page-fault rounds (READ/WRITE) */
	long snapshot_local;	/* pages the last snapshot saw on the device */
	long evicted;		/* pages evicted when the device went away */
	long cpu_reads;		/* CPU reads while the device worked */
	long cpu_errors;	/* reads that saw a value going backwards */
	long pages_ok;		/* pages holding exactly every step's result */
};

struct scheme_report {
	const char *scheme;
	struct fsdax_report fsdax;
	struct gpu_report gpu;
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

/*
 * fsdax: a file on daxfs that one task maps and another pins part of for
 * "DMA".  A truncate of the file must not free blocks under the DMA: it is
 * seen still waiting while the pin is held, and the unpin releases it.
 * Then a page of the file is poisoned while the first task reads it: that
 * task gets SIGBUS BUS_MCEERR_AR, the other mapper (late-kill policy, the
 * default) hears nothing until it touches the page and gets its own AR,
 * and a task mapping another file hears nothing at all.
 */
#define FSDAX_PMEM_SIZE		(32UL << 20)
#define FSDAX_FILE_PAGES	64
#define FSDAX_DMA_PAGES		16
#define FSDAX_POISON_PAGE	3

struct fsdax_truncator {
	struct zd_file *file;
	struct zd_thread thread;
	atomic_t done;
	int ret;
};

static void *fsdax_truncate_fn(void *arg)
{
	struct fsdax_truncator *t = arg;

	t->ret = zd_ftruncate(t->file, 0);
	atomic_set(&t->done, 1);
	return NULL;
}

static int fsdax_fill(struct zd_file *file, unsigned long pages, unsigned char seed)
{
	unsigned char buf[PAGE_SIZE];
	unsigned long i;

	for (i = 0; i < pages; i++) {
		memset(buf, seed + (int)i, sizeof(buf));
		if (zd_pwrite(file, buf, sizeof(buf), (loff_t)(i * PAGE_SIZE)) != PAGE_SIZE)
			return -EIO;
	}
	return 0;
}

static long fsdax_map(struct zd_task *task, struct zd_file *file)
{
	return zd_mmap(task, 0, FSDAX_FILE_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       file, 0);
}

/* The truncate that must wait for the "DMA" pin, then go. */
static int fsdax_truncate_vs_dma(struct zd_task *dma, long addr, struct zd_file *file,
				 struct fsdax_report *rep)
{
	struct fsdax_truncator t = { .file = file };
	struct page *pages[FSDAX_DMA_PAGES];
	unsigned long long t0;
	int i, n;

	n = pin_user_pages_fast(zd_task_mm(dma), (unsigned long)addr + 8 * PAGE_SIZE,
				FSDAX_DMA_PAGES, FOLL_WRITE, pages);
	if (n != FSDAX_DMA_PAGES) {
		if (n > 0)
			unpin_user_pages(pages, (unsigned long)n);
		return n < 0 ? n : -EFAULT;
	}
	rep->dma_pins = n;
	atomic_set(&t.done, 0);
	t0 = ktime_get_ns();
	if (zd_thread_start(&t.thread, fsdax_truncate_fn, &t)) {
		unpin_user_pages(pages, FSDAX_DMA_PAGES);
		return -ENOMEM;
	}
	usleep(20 * 1000);
	/* Unmapped by now, but the blocks stay: the "device" still writes them. */
	rep->truncate_waited = !atomic_read(&t.done);
	for (i = 0; i < FSDAX_DMA_PAGES; i++)
		memset(page_address(pages[i]), 0xd0 + i, 64);
	unpin_user_pages(pages, FSDAX_DMA_PAGES);
	zd_thread_join(&t.thread);
	rep->truncate_wait_ms = (long)((ktime_get_ns() - t0) / 1000000);
	rep->truncate_ret = t.ret;
	return t.ret;
}

/* The poisoned page: who hears of it, and when. */
static int fsdax_poison(struct zd_system *sys, struct zd_daxfs *fs, struct zd_pmem *pmem,
			struct zd_task *owner, long oaddr, struct zd_task *dma, long daddr,
			struct zd_file *file, struct fsdax_report *rep)
{
	unsigned long off = FSDAX_POISON_PAGE * PAGE_SIZE;
	struct zd_task *bystander = zd_task_create(sys);
	struct zd_file *other = zd_daxfs_open(fs, "another-file", O_CREAT | O_RDWR);
	struct zd_siginfo si;
	long baddr = -EINVAL;
	unsigned char c;
	u64 dev_off;
	int err = -EIO;

	if (IS_ERR(bystander) || IS_ERR(other))
		goto out;
	if (fsdax_fill(file, FSDAX_FILE_PAGES, 0x40) || fsdax_fill(other, FSDAX_FILE_PAGES, 0x80))
		goto out;
	baddr = fsdax_map(bystander, other);
	if (baddr < 0 || zd_read(owner, (unsigned long)oaddr + off, &c, 1) != 1 ||
	    zd_read(dma, (unsigned long)daddr + off, &c, 1) != 1 ||
	    zd_read(bystander, (unsigned long)baddr + off, &c, 1) != 1 ||
	    zd_daxfs_bmap(file, (loff_t)off, &dev_off))
		goto out;
	/* The owner's load hit the poison: the machine check runs on its behalf. */
	err = zd_memory_failure_task(sys, zd_pmem_pfn(pmem, dev_off), MF_ACTION_REQUIRED, owner);
	if (err)
		goto out;
	rep->consumer_ar = zd_task_signals(owner, &si) == 1 && si.code == BUS_MCEERR_AR &&
			   si.addr == (unsigned long)oaddr + off && si.addr_lsb == PAGE_SHIFT;
	if (!zd_task_signals(dma, NULL) &&
	    zd_read(dma, (unsigned long)daddr + off, &c, 1) == -EFAULT)
		rep->late_kill_ar = zd_task_signals(dma, &si) == 1 && si.code == BUS_MCEERR_AR;
	rep->bystander_signals = (long)zd_task_signals(bystander, NULL);
out:
	if (!IS_ERR(bystander))
		zd_task_exit(bystander);
	if (!IS_ERR(other))
		zd_close(other);
	return err;
}

static int run_fsdax_phase(struct zd_system *sys, struct scheme_report *rep)
{
	struct zd_pmem_config cfg = { .size = FSDAX_PMEM_SIZE, .name = "pmem0" };
	struct zd_task *owner = NULL, *dma = NULL;
	struct zd_file *file = NULL;
	struct zd_daxfs *fs;
	struct zd_pmem *pmem;
	long oaddr, daddr;
	unsigned long i;
	int err;

	pmem = zd_pmem_create(sys, &cfg);
	if (IS_ERR(pmem))
		return (int)PTR_ERR(pmem);
	err = zd_daxfs_mkfs(pmem);
	fs = err ? ERR_PTR(err) : zd_daxfs_mount(pmem, 0);
	if (IS_ERR(fs)) {
		err = (int)PTR_ERR(fs);
		goto destroy;
	}
	file = zd_daxfs_open(fs, "dma-buffer", O_CREAT | O_RDWR);
	owner = zd_task_create(sys);
	dma = zd_task_create(sys);
	err = -ENOMEM;
	if (IS_ERR(file) || IS_ERR(owner) || IS_ERR(dma))
		goto cleanup;
	err = fsdax_fill(file, FSDAX_FILE_PAGES, 0x10);
	oaddr = fsdax_map(owner, file);
	daddr = fsdax_map(dma, file);
	if (err || oaddr < 0 || daddr < 0) {
		err = err ? err : -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < FSDAX_FILE_PAGES; i++) {
		unsigned char v = (unsigned char)i;

		if (zd_write(owner, (unsigned long)oaddr + i * PAGE_SIZE, &v, 1) != 1)
			goto cleanup;
	}
	err = fsdax_truncate_vs_dma(dma, daddr, file, &rep->fsdax);
	if (!err)
		err = fsdax_poison(sys, fs, pmem, owner, oaddr, dma, daddr, file, &rep->fsdax);
cleanup:
	if (!IS_ERR_OR_NULL(owner))
		zd_task_exit(owner);
	if (!IS_ERR_OR_NULL(dma))
		zd_task_exit(dma);
	if (!IS_ERR_OR_NULL(file))
		zd_close(file);
	if (zd_daxfs_unmount(fs) && !err)
		err = -EBUSY;
destroy:
	if (zd_pmem_destroy(pmem) && !err)
		err = -EBUSY;
	return err;
}

/*
 * A "GPU": a mirror device with device-private memory runs a compute-like
 * loop over a task's array, block by block: migrate the block to device
 * memory, read it through the device page table, add one to every element,
 * write it back through the device.  Meanwhile another thread of the task
 * keeps reading the array, and every page it touches while on the device
 * faults back to RAM (migrate_to_ram), to be migrated again by the next
 * step.  Only the device writes, so each element must end up exactly
 * GPU_STEPS above where it started.  Removing the device evicts what it
 * still holds.
 */
#define GPU_PAGES	256
#define GPU_BLOCK	64
#define GPU_STEPS	24
#define GPU_INTS	(PAGE_SIZE / sizeof(int))

struct gpu_cpu {
	struct zd_task *task;
	unsigned long addr;
	unsigned long seed;
	atomic_t stop;
	long reads, errors;
	int seen[GPU_PAGES];
	struct zd_thread thread;
};

/* The task's other thread: read elements at random; none may go backwards. */
static void *gpu_cpu_fn(void *arg)
{
	struct gpu_cpu *c = arg;
	unsigned long x = c->seed | 1;

	while (!atomic_read(&c->stop)) {
		unsigned long page, elem;
		int v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		page = x % GPU_PAGES;
		elem = (x >> 20) % GPU_INTS;
		if (zd_read(c->task, c->addr + page * PAGE_SIZE + elem * sizeof(int), &v,
			    sizeof(v)) != sizeof(v) || v < c->seen[page]) {
			c->errors++;
			continue;
		}
		/* Element 0 of the page was written with it: a lower bound. */
		if (elem == 0)
			c->seen[page] = v;
		c->reads++;
	}
	return NULL;
}

/* One step of the "kernel" over one block: migrate, read, compute, write. */
static int gpu_block_step(struct zd_mirror_file *f, struct zd_task *task, unsigned long addr,
			  unsigned long buf, int *host, struct gpu_report *rep)
{
	struct zd_mirror_cmd cmd = { .addr = addr, .ptr = buf, .npages = GPU_BLOCK };
	unsigned long i;
	int ret;

	/* A page the CPU took back meanwhile is not read back: -ENOENT, fine. */
	ret = zd_mirror_cmd(f, HMM_DMIRROR_MIGRATE_TO_DEV, &cmd);
	if (ret && ret != -ENOENT)
		return ret;
	cmd = (struct zd_mirror_cmd){ .addr = addr, .ptr = buf, .npages = GPU_BLOCK };
	ret = zd_mirror_cmd(f, HMM_DMIRROR_READ, &cmd);
	if (ret)
		return ret;
	rep->device_faults += (long)cmd.faults;
	if (zd_read(task, buf, host, GPU_BLOCK * PAGE_SIZE) != GPU_BLOCK * PAGE_SIZE)
		return -EFAULT;
	for (i = 0; i < GPU_BLOCK * GPU_INTS; i++)
		host[i]++;
	if (zd_write(task, buf, host, GPU_BLOCK * PAGE_SIZE) != GPU_BLOCK * PAGE_SIZE)
		return -EFAULT;
	cmd = (struct zd_mirror_cmd){ .addr = addr, .ptr = buf, .npages = GPU_BLOCK };
	ret = zd_mirror_cmd(f, HMM_DMIRROR_WRITE, &cmd);
	if (ret)
		return ret;
	rep->device_faults += (long)cmd.faults;
	rep->steps++;
	return 0;
}

/* Pages whose every element is @base + @steps + its page number. */
static long gpu_pages_ok(struct zd_task *task, unsigned long addr, int *host, int steps)
{
	unsigned long p, i;
	long ok = 0;

	if (zd_read(task, addr, host, GPU_PAGES * PAGE_SIZE) != GPU_PAGES * PAGE_SIZE)
		return -1;
	for (p = 0; p < GPU_PAGES; p++) {
		for (i = 0; i < GPU_INTS; i++)
			if (host[p * GPU_INTS + i] != steps + (int)p * 1000)
				break;
		ok += i == GPU_INTS;
	}
	return ok;
}

static int run_gpu_phase(struct zd_system *sys, unsigned long seed, struct gpu_report *rep)
{
	struct zd_mirror_config cfg = {
		.memory = HMM_DMIRROR_MEMORY_DEVICE_PRIVATE,
		.chunk_size = 8UL << 20,
		.name = "gpu0",
	};
	unsigned char snap[GPU_PAGES];
	struct zd_mirror_file *f = NULL;
	struct zd_mirror_cmd cmd;
	struct zd_mirror_stat st;
	struct zd_mirror *gpu;
	struct gpu_cpu *cpu;
	struct zd_task *task;
	long addr, buf, snapbuf;
	int *host, step, err;
	unsigned long p, i;

	cpu = calloc(1, sizeof(*cpu));
	host = malloc(GPU_PAGES * PAGE_SIZE);
	task = zd_task_create(sys);
	gpu = zd_mirror_create(sys, &cfg);
	if (!cpu || !host || IS_ERR(task) || IS_ERR(gpu)) {
		err = -ENOMEM;
		goto out;
	}
	f = zd_mirror_open(gpu, task);
	addr = zd_mmap(task, 0, GPU_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	buf = zd_mmap(task, 0, GPU_BLOCK * PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	snapbuf = zd_mmap(task, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	if (IS_ERR(f) || addr < 0 || buf < 0 || snapbuf < 0) {
		err = -ENOMEM;
		goto out;
	}
	for (p = 0; p < GPU_PAGES; p++)
		for (i = 0; i < GPU_INTS; i++)
			host[p * GPU_INTS + i] = (int)p * 1000;
	if (zd_write(task, (unsigned long)addr, host, GPU_PAGES * PAGE_SIZE) !=
	    GPU_PAGES * PAGE_SIZE) {
		err = -EFAULT;
		goto out;
	}

	cpu->task = task;
	cpu->addr = (unsigned long)addr;
	cpu->seed = seed;
	for (p = 0; p < GPU_PAGES; p++)
		cpu->seen[p] = (int)p * 1000;
	atomic_set(&cpu->stop, 0);
	err = zd_thread_start(&cpu->thread, gpu_cpu_fn, cpu);
	if (err)
		goto out;
	for (step = 0; step < GPU_STEPS && !err; step++)
		for (p = 0; p < GPU_PAGES && !err; p += GPU_BLOCK)
			err = gpu_block_step(f, task, (unsigned long)addr + p * PAGE_SIZE,
					     (unsigned long)buf, host, rep);
	atomic_set(&cpu->stop, 1);
	zd_thread_join(&cpu->thread);
	rep->cpu_reads = cpu->reads;
	rep->cpu_errors = cpu->errors;
	if (err)
		goto out;

	/* Where the pages are now, as the device sees it. */
	cmd = (struct zd_mirror_cmd){ .addr = (unsigned long)addr, .ptr = (unsigned long)snapbuf,
				      .npages = GPU_PAGES };
	err = zd_mirror_cmd(f, HMM_DMIRROR_SNAPSHOT, &cmd);
	if (!err && zd_read(task, (unsigned long)snapbuf, snap, GPU_PAGES) != GPU_PAGES)
		err = -EFAULT;
	for (p = 0; !err && p < GPU_PAGES; p++)
		rep->snapshot_local += (snap[p] & 0xf0) == HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL;
	if (!err && zd_mirror_stat(gpu, &st) == 0) {
		rep->dev_pages = (long)st.calloc;
		rep->faults_back = (long)st.migrate_to_ram;
	}
	/* The device goes away: whatever it still holds comes back to RAM. */
	zd_mirror_close(f);
	f = NULL;
	if (!err && zd_mirror_stat(gpu, &st) == 0) {
		err = zd_mirror_destroy(gpu);
		if (!err) {
			rep->evicted = (long)st.in_use;
			gpu = NULL;
		}
	}
	if (!err)
		rep->pages_ok = gpu_pages_ok(task, (unsigned long)addr, host, GPU_STEPS);
out:
	if (!IS_ERR_OR_NULL(f))
		zd_mirror_close(f);
	if (!IS_ERR_OR_NULL(task))
		zd_task_exit(task);
	if (!IS_ERR_OR_NULL(gpu) && zd_mirror_destroy(gpu) && !err)
		err = -EBUSY;
	free(host);
	free(cpu);
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
	if (!err)
		err = run_fsdax_phase(sys, rep);
	if (!err)
		err = run_gpu_phase(sys, opts->seed, &rep->gpu);
	rep->devmap_puts = (long)zd_vm_event(sys, DEVMAP_MANAGED_PUT);
	rep->folio_frees = (long)zd_vm_event(sys, ZONE_DEVICE_FOLIO_FREE);
	rep->audit = zd_system_audit(sys, stderr);
	rep->destroy_held = zd_system_destroy(sys);
	return err;
}

static bool gpu_clean(const struct gpu_report *g)
{
	return g->steps == GPU_STEPS * (GPU_PAGES / GPU_BLOCK) && !g->cpu_errors &&
	       g->pages_ok == GPU_PAGES && g->evicted == g->snapshot_local;
}

static bool fsdax_clean(const struct fsdax_report *f)
{
	return f->dma_pins == FSDAX_DMA_PAGES && f->truncate_waited == 1 && !f->truncate_ret &&
	       f->consumer_ar == 1 && f->late_kill_ar == 1 && !f->bystander_signals;
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
	ROW("fsdax: file pages pinned for DMA", fsdax.dma_pins);
	ROW("  truncate waiting while pinned (1: yes)", fsdax.truncate_waited);
	ROW("  truncate waited, ms (unpinned after 20 ms)", fsdax.truncate_wait_ms);
	ROW("  truncate result once unpinned", fsdax.truncate_ret);
	ROW("poison: BUS_MCEERR_AR to the consuming task", fsdax.consumer_ar);
	ROW("  late kill (AR) of the other mapper", fsdax.late_kill_ar);
	ROW("  signals to a task mapping another file", fsdax.bystander_signals);
	ROW("GPU: kernel steps (migrate, read, +1, write)", gpu.steps);
	ROW("  pages migrated to device memory", gpu.dev_pages);
	ROW("  CPU reads while the device worked", gpu.cpu_reads);
	ROW("  CPU faults that brought a page back", gpu.faults_back);
	ROW("  device fault rounds", gpu.device_faults);
	ROW("  pages on the device at the end (snapshot)", gpu.snapshot_local);
	ROW("  pages evicted when the device was removed", gpu.evicted);
	ROW("  pages holding every step's result", gpu.pages_ok);
	ROW("audit violations", audit);
	ROW("held at destroy", destroy_held);
#undef ROW
	for (i = 0; i < n; i++) {
		bool ok = !rep[i].audit && !rep[i].destroy_held && rep[i].busy_unmap == -EBUSY &&
			  rep[i].page_free_calls == rep[i].dev_allocs &&
			  rep[i].pins == rep[i].unpins && rep[i].cow_checks == TASK_PAGES + 17 &&
			  fsdax_clean(&rep[i].fsdax) && gpu_clean(&rep[i].gpu);

		printf("%s scheme: %s\n", rep[i].scheme, ok ? "clean" : "NOT CLEAN");
		failed += !ok;
	}
	return failed ? 1 : 0;
}
