// SPDX-License-Identifier: GPL-2.0-only
/*
 * The software MMU: private and shared anonymous memory, the zero page,
 * mmap/munmap/mprotect/madvise/mremap with the kernel's errnos, COW across
 * fork, exit, CPU accesses that fault and signal, and faults racing with
 * unmaps.
 *
 * Page-level claims (refcount, mapcount, PageAnonExclusive, which pfn a PTE
 * maps) are read by walking the task's page tables the way the CPU does,
 * with pte_offset_lockless().  Unmapped pages and page tables are freed
 * only after an RCU grace period (the model's TLB shootdown), so tests that
 * count free pages or look for the last reference call rcu_barrier() first.
 * Teardown audits every address space: each PTE maps a live page, each
 * mapcount equals the PTEs that map the page, page tables are accounted.
 *
 * The tests expect what Linux (x86-64) does, except where the model's
 * documented contract departs from it on purpose (stricter argument checks,
 * an all-or-nothing mprotect), which they follow and point out.  A test
 * that fails names a bug in the library.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "zd_test.h"
#include "../mm/internal_mm.h"

#define PG(n)		((unsigned long)(n) * PAGE_SIZE)
#define RW		(PROT_READ | PROT_WRITE)
#define PRIV_ANON	(MAP_PRIVATE | MAP_ANONYMOUS)
#define SHARED_ANON	(MAP_SHARED | MAP_ANONYMOUS)

/*
 * A fixed, 2 MiB aligned address well away from where mmap() puts things
 * (top-down from TASK_SIZE - 1 GiB), so layouts are known exactly.
 */
#define FIXED_BASE	(1UL << 33)

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static struct zd_task *task_fork_ok(struct zd_task *parent)
{
	struct zd_task *child = zd_task_fork(parent);

	assert_false(IS_ERR_OR_NULL(child));
	return child;
}

static void exit_ok(struct zd_task *task)
{
	assert_int_equal(zd_task_exit(task), 0);
}

/* Wait out the grace period after which unmapped pages and tables are freed. */
static void settle(void)
{
	rcu_barrier();
}

static unsigned long map_anon(struct zd_task *task, unsigned long len, int prot, int flags)
{
	long addr = zd_mmap(task, 0, len, prot, flags | MAP_ANONYMOUS, NULL, 0);

	assert_true(addr > 0);
	assert_true(IS_ALIGNED((unsigned long)addr, PAGE_SIZE));
	return (unsigned long)addr;
}

static unsigned long map_fixed(struct zd_task *task, unsigned long addr, unsigned long len,
			       int prot, int flags)
{
	assert_int_equal(zd_mmap(task, addr, len, prot, flags | MAP_ANONYMOUS | MAP_FIXED, NULL, 0),
			 addr);
	return addr;
}

/* The PTE for @addr in @task, or an empty one where no table covers it. */
static pte_t pte_at(struct zd_task *task, unsigned long addr)
{
	pte_t pte = __pte(0), *ptep;

	rcu_read_lock();
	ptep = pte_offset_lockless(zd_task_mm(task), addr);
	if (ptep)
		pte = ptep_get(ptep);
	rcu_read_unlock();
	return pte;
}

/* The page a present, normal PTE maps at @addr: NULL if none or special. */
static struct page *page_at(struct zd_task *task, unsigned long addr)
{
	pte_t pte = pte_at(task, addr);

	if (!pte_present(pte) || pte_special(pte))
		return NULL;
	return pfn_to_page(pte_pfn(pte));
}

static struct page *zero_page(struct zd_test_env *env)
{
	return NODE_DATA(env->nid)->zero_page;
}

static bool maps_zero_page(struct zd_test_env *env, struct zd_task *task, unsigned long addr)
{
	pte_t pte = pte_at(task, addr);

	return pte_present(pte) && pte_special(pte) && !pte_write(pte) &&
	       pte_pfn(pte) == page_to_pfn(zero_page(env));
}

static long rss(struct zd_task *task, enum mm_counter member)
{
	return atomic_long_read(&zd_task_mm(task)->rss_stat[member]);
}

static int map_count(struct zd_task *task)
{
	return zd_task_mm(task)->map_count;
}

static struct vm_area_struct *vma_nr(struct zd_task *task, int i)
{
	assert_true(i >= 0 && i < map_count(task));
	return zd_task_mm(task)->vmas[i];
}

/* VMA number @i (in address order) spans [start, end) with these permissions. */
static void assert_vma(struct zd_task *task, int i, unsigned long start, unsigned long end,
		       unsigned long access)
{
	struct vm_area_struct *vma = vma_nr(task, i);

	assert_int_equal(vma->vm_start, start);
	assert_int_equal(vma->vm_end, end);
	assert_int_equal(vma->vm_flags & VM_ACCESS_FLAGS, access);
}

/* Exactly one signal since the last check, and this one. */
static void assert_signal(struct zd_task *task, int signo, int code, unsigned long addr)
{
	struct zd_siginfo si;

	assert_int_equal(zd_task_signals(task, &si), 1);
	assert_int_equal(si.signo, signo);
	assert_int_equal(si.code, code);
	assert_int_equal(si.addr, addr);
	zd_task_clear_signals(task);
}

static void assert_no_signal(struct zd_task *task)
{
	assert_int_equal(zd_task_signals(task, NULL), 0);
}

/* A byte stream that depends on @tag and never has a zero byte. */
static void pattern(void *buf, size_t len, unsigned long tag)
{
	unsigned long x = (tag + 1) * 0x9E3779B97F4A7C15UL;
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)x | 1;
	}
}

static bool all_zero(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static void write_page(struct zd_task *task, unsigned long addr, unsigned long tag)
{
	unsigned char buf[PAGE_SIZE];

	pattern(buf, sizeof(buf), tag);
	assert_int_equal(zd_write(task, addr, buf, sizeof(buf)), PAGE_SIZE);
}

static void assert_page_data(struct zd_task *task, unsigned long addr, unsigned long tag)
{
	unsigned char want[PAGE_SIZE], got[PAGE_SIZE];

	pattern(want, sizeof(want), tag);
	memset(got, 0, sizeof(got));
	assert_int_equal(zd_read(task, addr, got, sizeof(got)), PAGE_SIZE);
	assert_memory_equal(got, want, PAGE_SIZE);
}

static void assert_page_zero(struct zd_task *task, unsigned long addr)
{
	unsigned char got[PAGE_SIZE];

	memset(got, 0xa5, sizeof(got));
	assert_int_equal(zd_read(task, addr, got, sizeof(got)), PAGE_SIZE);
	assert_true(all_zero(got, sizeof(got)));
}

/* The anon_vma an anonymous page's ->mapping points to. */
static struct anon_vma *page_anon_vma(struct page *page)
{
	unsigned long mapping = (unsigned long)READ_ONCE(page_folio(page)->mapping);

	assert_true(mapping & PAGE_MAPPING_ANON);
	return (struct anon_vma *)(mapping & ~PAGE_MAPPING_ANON);
}

/* A private anonymous page only this task maps: exclusive, one PTE, one reference. */
static void assert_exclusive_anon(struct zd_task *task, unsigned long addr)
{
	struct page *page = page_at(task, addr);

	assert_non_null(page);
	assert_true(PageAnon(page));
	assert_true(PageAnonExclusive(page));
	assert_int_equal(page_mapcount(page), 1);
	assert_int_equal(page_ref_count(page), 1);
}

/* ------------------------------------------------------------------ */
/* Private anonymous memory and the zero page                          */
/* ------------------------------------------------------------------ */

/*
 * A read of untouched private anonymous memory maps the node's zero page
 * with a special, read-only PTE: no page is allocated, and the zero page
 * gains neither a mapcount nor a reference (vm_normal_page() skips it).
 */
static void anon_read_maps_zero_page(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	struct page *zp = zero_page(env);
	int zp_mapcount = page_mapcount(zp), zp_refs = page_ref_count(zp);
	unsigned long free0 = zd_nr_free_pages(env->sys), addr;
	unsigned char buf[200];

	addr = map_anon(task, PG(4), RW, MAP_PRIVATE);
	/* mmap() only makes the VMA; nothing is allocated before a fault. */
	assert_int_equal(zd_nr_free_pages(env->sys), free0);
	assert_true(pte_none(pte_at(task, addr + PG(1))));

	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(zd_read(task, addr + PG(1) + 100, buf, sizeof(buf)), sizeof(buf));
	assert_true(all_zero(buf, sizeof(buf)));
	assert_true(maps_zero_page(env, task, addr + PG(1)));
	assert_int_equal(page_mapcount(zp), zp_mapcount);
	assert_int_equal(page_mapcount(zp), 0);
	assert_int_equal(page_ref_count(zp), zp_refs);
	assert_int_equal(rss(task, MM_ANONPAGES), 0);
	/* The PUD, PMD and PTE tables, and nothing else (the PGD came with the mm). */
	assert_int_equal(free0 - zd_nr_free_pages(env->sys), 3);
	assert_int_equal(atomic_long_read(&zd_task_mm(task)->pgtables_bytes), PG(4));
	/* No fault-around for anonymous memory: the neighbours stay empty. */
	assert_true(pte_none(pte_at(task, addr)));
	assert_true(pte_none(pte_at(task, addr + PG(2))));
	assert_no_signal(task);
	exit_ok(task);
}

/*
 * A write fault allocates a zeroed page, exclusive to the task: one
 * reference (the mapping's), one PTE, writable and dirty, PageAnonExclusive,
 * its index the linear page index of the address.
 */
static void anon_write_allocates_page(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long free0 = zd_nr_free_pages(env->sys), addr;
	unsigned char data[64], page_buf[PAGE_SIZE];
	struct page *page;
	pte_t pte;

	addr = map_anon(task, PG(4), RW, MAP_PRIVATE);
	pattern(data, sizeof(data), 1);
	assert_int_equal(zd_write(task, addr + PG(1) + 123, data, sizeof(data)), sizeof(data));

	pte = pte_at(task, addr + PG(1));
	assert_true(pte_present(pte));
	assert_false(pte_special(pte));
	assert_true(pte_write(pte));
	assert_true(pte_dirty(pte));
	assert_exclusive_anon(task, addr + PG(1));
	page = page_at(task, addr + PG(1));
	assert_int_equal(page_folio(page)->index, (addr >> PAGE_SHIFT) + 1);
	assert_int_equal(rss(task, MM_ANONPAGES), 1);
	/* Three page tables and the page. */
	assert_int_equal(free0 - zd_nr_free_pages(env->sys), 4);

	/* The rest of the page is the zeroes it was allocated with. */
	assert_int_equal(zd_read(task, addr + PG(1), page_buf, PAGE_SIZE), PAGE_SIZE);
	assert_memory_equal(page_buf + 123, data, sizeof(data));
	assert_true(all_zero(page_buf, 123));
	assert_true(all_zero(page_buf + 123 + sizeof(data), PAGE_SIZE - 123 - sizeof(data)));
	assert_true(pte_none(pte_at(task, addr)));
	assert_true(pte_none(pte_at(task, addr + PG(2))));
	assert_no_signal(task);
	exit_ok(task);
}

/*
 * A write where a read mapped the zero page copies "zeroes" into a new
 * page and replaces the special PTE; the zero page itself stays zero and
 * unmapped.
 */
static void anon_write_replaces_zero_page(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long free0 = zd_nr_free_pages(env->sys), addr;
	unsigned char data[16], page_buf[PAGE_SIZE], byte;
	struct page *zp = zero_page(env);
	pte_t pte;

	addr = map_anon(task, PG(1), RW, MAP_PRIVATE);
	assert_int_equal(zd_read(task, addr + 5, &byte, 1), 1);
	assert_int_equal(byte, 0);
	assert_true(maps_zero_page(env, task, addr));
	assert_int_equal(free0 - zd_nr_free_pages(env->sys), 3);

	pattern(data, sizeof(data), 2);
	assert_int_equal(zd_write(task, addr + 8, data, sizeof(data)), sizeof(data));
	pte = pte_at(task, addr);
	assert_false(pte_special(pte));
	assert_int_not_equal(pte_pfn(pte), page_to_pfn(zp));
	assert_true(pte_write(pte));
	assert_exclusive_anon(task, addr);
	assert_int_equal(rss(task, MM_ANONPAGES), 1);
	assert_int_equal(free0 - zd_nr_free_pages(env->sys), 4);

	/* The write went to the new page, never to the shared zero page. */
	assert_true(all_zero(page_address(zp), PAGE_SIZE));
	assert_int_equal(page_mapcount(zp), 0);
	assert_int_equal(zd_read(task, addr, page_buf, PAGE_SIZE), PAGE_SIZE);
	assert_true(all_zero(page_buf, 8));
	assert_memory_equal(page_buf + 8, data, sizeof(data));
	assert_true(all_zero(page_buf + 8 + sizeof(data), PAGE_SIZE - 8 - sizeof(data)));
	assert_no_signal(task);
	exit_ok(task);
}

/*
 * On x86 PROT_WRITE implies read: a private PROT_WRITE mapping is PAGE_COPY,
 * and a read of an untouched page maps the zero page through vm_page_prot
 * (do_anonymous_page() uses vma->vm_page_prot as is).
 */
static void anon_write_only_mapping_is_readable(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, PG(2), PROT_WRITE, MAP_PRIVATE);
	unsigned char buf[32];

	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(zd_read(task, addr, buf, sizeof(buf)), sizeof(buf));
	assert_no_signal(task);
	assert_true(all_zero(buf, sizeof(buf)));
	assert_true(maps_zero_page(env, task, addr));

	/* And what was written reads back. */
	write_page(task, addr + PG(1), 3);
	assert_page_data(task, addr + PG(1), 3);
	assert_no_signal(task);
	exit_ok(task);
}

/* A PROT_NONE mapping: both kinds of access are SEGV_ACCERR, nothing is mapped. */
static void anon_prot_none_mapping_faults(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long addr = map_anon(task, PG(1), PROT_NONE, MAP_PRIVATE);
	unsigned char byte = 1;

	assert_int_equal(zd_read(task, addr + 7, &byte, 1), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_ACCERR, addr + 7);
	assert_int_equal(zd_write(task, addr + 9, &byte, 1), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_ACCERR, addr + 9);
	assert_true(pte_none(pte_at(task, addr)));
	assert_int_equal(rss(task, MM_ANONPAGES), 0);
	exit_ok(task);
}

/* ------------------------------------------------------------------ */
/* mmap                                                                */
/* ------------------------------------------------------------------ */

/*
 * Each bad argument gets its errno and creates nothing: no VMA, no page
 * table, no page.  The model is stricter than Linux in two places, by its
 * own contract: unknown prot bits and unknown MAP_ flags are -EINVAL (Linux
 * ignores both unless MAP_SHARED_VALIDATE, which gives -EOPNOTSUPP), and
 * MAP_ANONYMOUS with a file is -EINVAL (Linux ignores the fd).
 */
static void mmap_rejects_bad_arguments(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long free0 = zd_nr_free_pages(env->sys), free1;
	struct zd_task *task = test_task_new(env);
	struct zd_file *file = shmem_file_setup(env->sys, PG(4));
	unsigned char byte = 0x5a;
	long addr;

	assert_non_null(file);
	free1 = zd_nr_free_pages(env->sys);
	assert_int_equal(zd_mmap(NULL, 0, PG(1), RW, PRIV_ANON, NULL, 0), -EINVAL);
	assert_int_equal(zd_mmap(task, 0, 0, RW, PRIV_ANON, NULL, 0), -EINVAL);
	/* A length that rounds up to 0, or beyond TASK_SIZE: no room. */
	assert_int_equal(zd_mmap(task, 0, ~0UL, RW, PRIV_ANON, NULL, 0), -ENOMEM);
	assert_int_equal(zd_mmap(task, 0, TASK_SIZE + PAGE_SIZE, RW, PRIV_ANON, NULL, 0), -ENOMEM);
	assert_int_equal(zd_mmap(task, 0, PG(1), RW | 0x10, PRIV_ANON, NULL, 0), -EINVAL);
	/* 0x200000 is no MAP_ flag on x86-64. */
	assert_int_equal(zd_mmap(task, 0, PG(1), RW, PRIV_ANON | 0x200000, NULL, 0), -EINVAL);
	/* Neither type, or both (MAP_SHARED_VALIDATE, invalid for anonymous memory). */
	assert_int_equal(zd_mmap(task, 0, PG(1), RW, MAP_ANONYMOUS, NULL, 0), -EINVAL);
	assert_int_equal(zd_mmap(task, 0, PG(1), RW, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS,
				 NULL, 0), -EINVAL);
	assert_int_equal(zd_mmap(task, 0, PG(1), RW, PRIV_ANON, file, 0), -EINVAL);
	assert_int_equal(zd_mmap(task, 0, PG(1), RW, SHARED_ANON, file, 0), -EINVAL);
	/* No MAP_ANONYMOUS and no file: the fd is bad. */
	assert_int_equal(zd_mmap(task, 0, PG(1), RW, MAP_PRIVATE, NULL, 0), -EBADF);
	assert_int_equal(zd_mmap(task, 0, PG(1), RW, MAP_SHARED, NULL, 0), -EBADF);
	assert_int_equal(zd_mmap(task, FIXED_BASE + 1, PG(1), RW, PRIV_ANON | MAP_FIXED, NULL, 0),
			 -EINVAL);
	assert_int_equal(zd_mmap(task, FIXED_BASE + PAGE_SIZE / 2, PG(1), RW,
				 PRIV_ANON | MAP_FIXED_NOREPLACE, NULL, 0), -EINVAL);
	assert_int_equal(zd_mmap(task, 0, PG(1), RW, MAP_SHARED, file, 100), -EINVAL);
	assert_int_equal(zd_mmap(task, 0, PG(1), RW, PRIV_ANON, NULL, PAGE_SIZE + 1), -EINVAL);

	assert_int_equal(map_count(task), 0);
	assert_int_equal(zd_task_mm(task)->total_vm, 0);
	assert_int_equal(zd_nr_free_pages(env->sys), free1);

	/* The valid neighbour of the last two works, so they failed on the argument. */
	addr = zd_mmap(task, 0, PG(1), RW, MAP_SHARED, file, PG(1));
	assert_true(addr > 0);
	assert_int_equal(map_count(task), 1);
	assert_ptr_equal(vma_nr(task, 0)->vm_file, file);
	assert_int_equal(vma_nr(task, 0)->vm_pgoff, 1);
	assert_int_equal(zd_write(task, (unsigned long)addr, &byte, 1), 1);
	assert_int_equal(rss(task, MM_SHMEMPAGES), 1);
	assert_int_equal(zd_munmap(task, (unsigned long)addr, PG(1)), 0);
	settle();
	/* The tables went with the mapping; the page lives on in the file... */
	assert_int_equal(zd_nr_free_pages(env->sys), free1 - 1);
	/* ...until the file goes. */
	zd_file_put(file);
	assert_int_equal(zd_nr_free_pages(env->sys), free1);
	exit_ok(task);
	settle();
	assert_int_equal(zd_nr_free_pages(env->sys), free0);
}

/*
 * MAP_FIXED beyond TASK_SIZE is -ENOMEM in Linux: __get_unmapped_area()
 * checks "addr > TASK_SIZE - len" before alignment, for MAP_FIXED and
 * MAP_FIXED_NOREPLACE alike, and an address + length that wraps fails the
 * same check.
 */
static void mmap_fixed_beyond_task_size(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);

	assert_int_equal(zd_mmap(task, TASK_SIZE - PG(1), PG(2), RW, PRIV_ANON | MAP_FIXED, NULL, 0),
			 -ENOMEM);
	assert_int_equal(zd_mmap(task, TASK_SIZE, PG(1), RW, PRIV_ANON | MAP_FIXED, NULL, 0),
			 -ENOMEM);
	assert_int_equal(zd_mmap(task, TASK_SIZE, PG(1), RW, PRIV_ANON | MAP_FIXED_NOREPLACE,
				 NULL, 0), -ENOMEM);
	assert_int_equal(zd_mmap(task, -PG(1), PG(2), RW, PRIV_ANON | MAP_FIXED, NULL, 0), -ENOMEM);
	assert_int_equal(map_count(task), 0);
	exit_ok(task);
}

/*
 * The last page below TASK_SIZE can be mapped, used and unmapped; its page
 * tables straddle TASK_SIZE (the PGD entry covers up to 2^47) and must go
 * with the mapping all the same.
 */
static void mmap_fixed_top_page(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long free0 = zd_nr_free_pages(env->sys), top = TASK_SIZE - PG(1);
	struct zd_task *task = test_task_new(env);
	unsigned long free1 = zd_nr_free_pages(env->sys);

	map_fixed(task, top, PG(1), RW, MAP_PRIVATE);
	write_page(task, top, 4);
	assert_page_data(task, top, 4);
	assert_exclusive_anon(task, top);
	assert_int_equal(free1 - zd_nr_free_pages(env->sys), 4);

	assert_int_equal(zd_munmap(task, top, PG(1)), 0);
	settle();
	assert_int_equal(zd_nr_free_pages(env->sys), free1);
	assert_int_equal(atomic_long_read(&zd_task_mm(task)->pgtables_bytes), PG(1));

	map_fixed(task, top, PG(1), RW, MAP_PRIVATE);
	write_page(task, top, 5);
	exit_ok(task);
	settle();
	assert_int_equal(zd_nr_free_pages(env->sys), free0);
}

/*
 * MAP_FIXED over part of a mapping unmaps what was there (its pages are
 * freed) and puts fresh anonymous memory in its place; the rest of the old
 * mapping survives on both sides, as VMAs of their own.
 */
static void mmap_fixed_replaces_mapping(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(4), RW, MAP_PRIVATE), free_w;
	int i;

	for (i = 0; i < 4; i++)
		write_page(task, base + PG(i), 10 + i);
	assert_int_equal(rss(task, MM_ANONPAGES), 4);
	free_w = zd_nr_free_pages(env->sys);

	assert_int_equal(zd_mmap(task, base + PG(1), PG(2), RW, PRIV_ANON | MAP_FIXED, NULL, 0),
			 base + PG(1));
	assert_int_equal(map_count(task), 3);
	assert_vma(task, 0, base, base + PG(1), VM_READ | VM_WRITE);
	assert_vma(task, 1, base + PG(1), base + PG(3), VM_READ | VM_WRITE);
	assert_vma(task, 2, base + PG(3), base + PG(4), VM_READ | VM_WRITE);
	assert_true(pte_none(pte_at(task, base + PG(1))));
	assert_true(pte_none(pte_at(task, base + PG(2))));
	assert_int_equal(rss(task, MM_ANONPAGES), 2);
	settle();
	/* The two replaced pages; the PTE table still serves the survivors. */
	assert_int_equal(zd_nr_free_pages(env->sys), free_w + 2);

	assert_page_zero(task, base + PG(1));
	assert_page_zero(task, base + PG(2));
	assert_page_data(task, base, 10);
	assert_page_data(task, base + PG(3), 13);
	assert_no_signal(task);
	exit_ok(task);
}

/* MAP_FIXED_NOREPLACE over any part of a mapping is -EEXIST and changes nothing. */
static void mmap_fixed_noreplace(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(2), RW, MAP_PRIVATE);
	unsigned char byte;
	struct page *p0, *p1;

	write_page(task, base, 20);
	write_page(task, base + PG(1), 21);
	p0 = page_at(task, base);
	p1 = page_at(task, base + PG(1));

	assert_int_equal(zd_mmap(task, base, PG(2), RW, PRIV_ANON | MAP_FIXED_NOREPLACE, NULL, 0),
			 -EEXIST);
	assert_int_equal(zd_mmap(task, base + PG(1), PG(2), RW, PRIV_ANON | MAP_FIXED_NOREPLACE,
				 NULL, 0), -EEXIST);
	assert_int_equal(zd_mmap(task, base - PG(1), PG(2), RW, PRIV_ANON | MAP_FIXED_NOREPLACE,
				 NULL, 0), -EEXIST);
	assert_int_equal(map_count(task), 1);
	assert_vma(task, 0, base, base + PG(2), VM_READ | VM_WRITE);
	assert_ptr_equal(page_at(task, base), p0);
	assert_ptr_equal(page_at(task, base + PG(1)), p1);
	assert_page_data(task, base, 20);
	assert_page_data(task, base + PG(1), 21);
	/* Nothing was mapped past the end either. */
	assert_int_equal(zd_read(task, base + PG(2), &byte, 1), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_MAPERR, base + PG(2));

	/* Right next to it, where nothing is, it maps exactly there. */
	assert_int_equal(zd_mmap(task, base + PG(2), PG(1), RW, PRIV_ANON | MAP_FIXED_NOREPLACE,
				 NULL, 0), base + PG(2));
	assert_int_equal(map_count(task), 2);
	assert_page_zero(task, base + PG(2));
	exit_ok(task);
}

/*
 * MAP_POPULATE on shared anonymous memory faults every page in at mmap
 * time: present in the page tables and the shmem cache (one reference each,
 * the cache's and the mapping's) before the task touches anything.
 */
static void mmap_populate_shared(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long free0 = zd_nr_free_pages(env->sys), free1, addr;
	struct zd_task *task = test_task_new(env);
	int i;

	free1 = zd_nr_free_pages(env->sys);
	addr = map_anon(task, PG(4), RW, MAP_SHARED | MAP_POPULATE);
	for (i = 0; i < 4; i++) {
		struct page *page = page_at(task, addr + PG(i));

		assert_non_null(page);
		assert_false(PageAnon(page));
		assert_int_equal(page_mapcount(page), 1);
		assert_int_equal(page_ref_count(page), 2);
	}
	assert_int_equal(rss(task, MM_SHMEMPAGES), 4);
	assert_int_equal(free1 - zd_nr_free_pages(env->sys), 4 + 3);
	for (i = 0; i < 4; i++)
		assert_page_zero(task, addr + PG(i));
	assert_no_signal(task);
	exit_ok(task);
	settle();
	assert_int_equal(zd_nr_free_pages(env->sys), free0);
}

/* Read-only private memory is populated with read faults: the zero page. */
static void mmap_populate_private_readonly(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long free0 = zd_nr_free_pages(env->sys), addr;
	int i;

	addr = map_anon(task, PG(4), PROT_READ, MAP_PRIVATE | MAP_POPULATE);
	for (i = 0; i < 4; i++)
		assert_true(maps_zero_page(env, task, addr + PG(i)));
	assert_int_equal(rss(task, MM_ANONPAGES), 0);
	assert_int_equal(free0 - zd_nr_free_pages(env->sys), 3);
	exit_ok(task);
}

/*
 * Writable private memory is populated with write faults, to break COW up
 * front (populate_vma_page_range() adds FOLL_WRITE when vm_flags has
 * VM_WRITE without VM_SHARED): every page is a private anonymous page of
 * its own, and a later write neither faults nor copies.
 */
static void mmap_populate_private_writable(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long free0 = zd_nr_free_pages(env->sys), addr;
	struct page *pages[4];
	int i;

	addr = map_anon(task, PG(4), RW, MAP_PRIVATE | MAP_POPULATE);
	for (i = 0; i < 4; i++) {
		assert_false(maps_zero_page(env, task, addr + PG(i)));
		assert_exclusive_anon(task, addr + PG(i));
		assert_true(pte_write(pte_at(task, addr + PG(i))));
		pages[i] = page_at(task, addr + PG(i));
	}
	assert_int_equal(rss(task, MM_ANONPAGES), 4);
	assert_int_equal(free0 - zd_nr_free_pages(env->sys), 4 + 3);
	for (i = 0; i < 4; i++) {
		write_page(task, addr + PG(i), 30 + i);
		assert_ptr_equal(page_at(task, addr + PG(i)), pages[i]);
	}
	assert_int_equal(free0 - zd_nr_free_pages(env->sys), 4 + 3);
	exit_ok(task);
}

/* ------------------------------------------------------------------ */
/* munmap                                                              */
/* ------------------------------------------------------------------ */

static void munmap_rejects_bad_arguments(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(2), RW, MAP_PRIVATE);

	write_page(task, base, 40);
	assert_int_equal(zd_munmap(NULL, base, PG(1)), -EINVAL);
	assert_int_equal(zd_munmap(task, base + 1, PG(1)), -EINVAL);
	assert_int_equal(zd_munmap(task, base + PAGE_SIZE / 2, PG(1)), -EINVAL);
	assert_int_equal(zd_munmap(task, base, 0), -EINVAL);
	assert_int_equal(zd_munmap(task, TASK_SIZE - PG(1), PG(2)), -EINVAL);
	assert_int_equal(zd_munmap(task, TASK_SIZE + PG(1), PG(1)), -EINVAL);
	assert_int_equal(zd_munmap(task, base, ~0UL), -EINVAL);
	assert_int_equal(map_count(task), 1);
	assert_vma(task, 0, base, base + PG(2), VM_READ | VM_WRITE);
	assert_page_data(task, base, 40);
	exit_ok(task);
}

/*
 * Unmapping the middle of a mapping leaves two VMAs whose pgoffs still
 * match their addresses; the hole faults with SEGV_MAPERR at the first
 * unmapped byte, the edges keep their data, and the two pages go back to
 * the allocator once the grace period is over.
 */
static void munmap_middle_splits_vma(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(8), RW, MAP_PRIVATE), free_w;
	unsigned char buf[16];
	int i;

	for (i = 0; i < 8; i++)
		write_page(task, base + PG(i), 50 + i);
	free_w = zd_nr_free_pages(env->sys);
	assert_int_equal(map_count(task), 1);

	/* An unaligned length covers the page it ends in. */
	assert_int_equal(zd_munmap(task, base + PG(3), PG(1) + 1), 0);
	assert_int_equal(map_count(task), 2);
	assert_vma(task, 0, base, base + PG(3), VM_READ | VM_WRITE);
	assert_vma(task, 1, base + PG(5), base + PG(8), VM_READ | VM_WRITE);
	assert_int_equal(vma_nr(task, 0)->vm_pgoff, base >> PAGE_SHIFT);
	assert_int_equal(vma_nr(task, 1)->vm_pgoff, (base >> PAGE_SHIFT) + 5);
	assert_int_equal(zd_task_mm(task)->total_vm, 6);
	assert_int_equal(rss(task, MM_ANONPAGES), 6);
	assert_true(pte_none(pte_at(task, base + PG(3))));
	assert_true(pte_none(pte_at(task, base + PG(4))));

	/* A read running into the hole faults where the hole starts. */
	assert_int_equal(zd_read(task, base + PG(3) - 8, buf, sizeof(buf)), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_MAPERR, base + PG(3));
	assert_int_equal(zd_write(task, base + PG(4) + 100, buf, 4), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_MAPERR, base + PG(4) + 100);

	for (i = 0; i < 8; i++)
		if (i != 3 && i != 4)
			assert_page_data(task, base + PG(i), 50 + i);
	settle();
	assert_int_equal(zd_nr_free_pages(env->sys), free_w + 2);
	assert_no_signal(task);
	exit_ok(task);
}

/* Unmapping where nothing is mapped is not an error, and a range may span holes. */
static void munmap_hole_is_fine(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(4), RW, MAP_PRIVATE);

	write_page(task, base, 60);
	assert_int_equal(zd_munmap(task, FIXED_BASE + (1UL << 30), PG(16)), 0);
	assert_int_equal(zd_munmap(task, base + PG(4), PG(4)), 0);
	assert_int_equal(map_count(task), 1);
	assert_vma(task, 0, base, base + PG(4), VM_READ | VM_WRITE);
	assert_page_data(task, base, 60);

	/* [hole][page 0..1][hole]: the pages go, the holes do not matter. */
	assert_int_equal(zd_munmap(task, base + PG(2), PG(2)), 0);
	assert_int_equal(zd_munmap(task, base - PG(4), PG(10)), 0);
	assert_int_equal(map_count(task), 0);
	assert_int_equal(rss(task, MM_ANONPAGES), 0);
	exit_ok(task);
}

/* Unmapping everything frees every page and every page table but the PGD. */
static void munmap_frees_pages_and_tables(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long free0 = zd_nr_free_pages(env->sys), base;
	int i;

	/* Two PMDs' worth of PTE tables: the mapping straddles 2 MiB. */
	base = map_fixed(task, FIXED_BASE + PMD_SIZE - PG(4), PG(8), RW, MAP_PRIVATE);
	for (i = 0; i < 8; i++)
		write_page(task, base + PG(i), 70 + i);
	assert_int_equal(free0 - zd_nr_free_pages(env->sys), 8 + 4);
	assert_int_equal(atomic_long_read(&zd_task_mm(task)->pgtables_bytes), PG(5));

	assert_int_equal(zd_munmap(task, base, PG(8)), 0);
	assert_int_equal(map_count(task), 0);
	assert_int_equal(zd_task_mm(task)->total_vm, 0);
	assert_int_equal(rss(task, MM_ANONPAGES), 0);
	assert_int_equal(atomic_long_read(&zd_task_mm(task)->pgtables_bytes), PG(1));
	settle();
	assert_int_equal(zd_nr_free_pages(env->sys), free0);
	exit_ok(task);
}

/* ------------------------------------------------------------------ */
/* mprotect                                                            */
/* ------------------------------------------------------------------ */

/* A write to a mapping made read-only is SEGV_ACCERR and changes nothing. */
static void mprotect_readonly_write_faults(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(3), RW, MAP_PRIVATE);
	unsigned char data[8];
	struct page *page;
	int i;

	for (i = 0; i < 3; i++)
		write_page(task, base + PG(i), 80 + i);
	pattern(data, sizeof(data), 83);
	page = page_at(task, base + PG(1));

	assert_int_equal(zd_mprotect(task, base, PG(3), PROT_READ), 0);
	assert_int_equal(map_count(task), 1);
	assert_vma(task, 0, base, base + PG(3), VM_READ);
	assert_false(pte_write(pte_at(task, base + PG(1))));

	assert_int_equal(zd_write(task, base + PG(1) + 5, data, sizeof(data)), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_ACCERR, base + PG(1) + 5);
	for (i = 0; i < 3; i++)
		assert_page_data(task, base + PG(i), 80 + i);
	assert_ptr_equal(page_at(task, base + PG(1)), page);
	assert_int_equal(page_mapcount(page), 1);
	assert_no_signal(task);
	exit_ok(task);
}

/* Protecting the middle page of three leaves three VMAs, each as asked. */
static void mprotect_middle_splits_in_three(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(3), RW, MAP_PRIVATE);
	unsigned char byte = 1;
	int i;

	for (i = 0; i < 3; i++)
		write_page(task, base + PG(i), 90 + i);
	assert_int_equal(zd_mprotect(task, base + PG(1), PG(1), PROT_READ), 0);
	assert_int_equal(map_count(task), 3);
	assert_vma(task, 0, base, base + PG(1), VM_READ | VM_WRITE);
	assert_vma(task, 1, base + PG(1), base + PG(2), VM_READ);
	assert_vma(task, 2, base + PG(2), base + PG(3), VM_READ | VM_WRITE);
	for (i = 0; i < 3; i++)
		assert_int_equal(vma_nr(task, i)->vm_pgoff, (base >> PAGE_SHIFT) + i);
	assert_int_equal(zd_task_mm(task)->total_vm, 3);

	write_page(task, base, 93);
	write_page(task, base + PG(2), 95);
	assert_int_equal(zd_write(task, base + PG(1), &byte, 1), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_ACCERR, base + PG(1));
	assert_page_data(task, base, 93);
	assert_page_data(task, base + PG(1), 91);
	assert_page_data(task, base + PG(2), 95);
	assert_no_signal(task);
	exit_ok(task);
}

/*
 * A range with a hole in it is -ENOMEM and, in this model (by its
 * contract; Linux changes the VMAs before the hole), nothing changes; so is
 * a range that starts in the hole or is not mapped at all.
 */
static void mprotect_hole_changes_nothing(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(3), RW, MAP_PRIVATE);
	pte_t pte0;

	write_page(task, base, 100);
	write_page(task, base + PG(2), 102);
	assert_int_equal(zd_munmap(task, base + PG(1), PG(1)), 0);
	pte0 = pte_at(task, base);

	assert_int_equal(zd_mprotect(task, base, PG(3), PROT_READ), -ENOMEM);
	assert_int_equal(zd_mprotect(task, base + PG(1), PG(2), PROT_READ), -ENOMEM);
	assert_int_equal(zd_mprotect(task, FIXED_BASE + (1UL << 30), PG(1), PROT_READ), -ENOMEM);
	assert_int_equal(map_count(task), 2);
	assert_vma(task, 0, base, base + PG(1), VM_READ | VM_WRITE);
	assert_vma(task, 1, base + PG(2), base + PG(3), VM_READ | VM_WRITE);
	assert_int_equal(pte_val(pte_at(task, base)), pte_val(pte0));
	write_page(task, base, 103);
	write_page(task, base + PG(2), 104);
	assert_page_data(task, base, 103);
	assert_page_data(task, base + PG(2), 104);
	assert_no_signal(task);
	exit_ok(task);
}

/*
 * PROT_NONE keeps the page mapped (a protnone PTE: same pfn, same mapcount,
 * same reference) while every access is SEGV_ACCERR; back to read-write,
 * the data is there and the first write reuses the still-exclusive page.
 */
static void mprotect_none_keeps_page(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(1), RW, MAP_PRIVATE), free_w;
	unsigned char byte;
	struct page *page;
	pte_t pte;

	write_page(task, base, 110);
	page = page_at(task, base);
	free_w = zd_nr_free_pages(env->sys);

	assert_int_equal(zd_mprotect(task, base, PG(1), PROT_NONE), 0);
	assert_vma(task, 0, base, base + PG(1), 0);
	pte = pte_at(task, base);
	assert_true(pte_protnone(pte));
	assert_int_equal(pte_pfn(pte), page_to_pfn(page));
	assert_int_equal(zd_read(task, base + 10, &byte, 1), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_ACCERR, base + 10);
	assert_int_equal(zd_write(task, base + 11, &byte, 1), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_ACCERR, base + 11);
	assert_int_equal(page_mapcount(page), 1);
	assert_int_equal(page_ref_count(page), 1);
	assert_true(PageAnonExclusive(page));
	assert_int_equal(rss(task, MM_ANONPAGES), 1);

	assert_int_equal(zd_mprotect(task, base, PG(1), RW), 0);
	assert_page_data(task, base, 110);
	write_page(task, base, 111);
	assert_ptr_equal(page_at(task, base), page);
	assert_true(pte_write(pte_at(task, base)));
	assert_exclusive_anon(task, base);
	assert_int_equal(zd_nr_free_pages(env->sys), free_w);
	assert_page_data(task, base, 111);
	assert_no_signal(task);
	exit_ok(task);
}

static void mprotect_rejects_bad_arguments(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(2), RW, MAP_PRIVATE);

	write_page(task, base, 120);
	assert_int_equal(zd_mprotect(NULL, base, PG(1), PROT_READ), -EINVAL);
	assert_int_equal(zd_mprotect(task, base + 1, PG(1), PROT_READ), -EINVAL);
	assert_int_equal(zd_mprotect(task, base + PG(1) / 2, PG(1), PROT_READ), -EINVAL);
	assert_int_equal(zd_mprotect(task, base, PG(1), PROT_READ | 0x10), -EINVAL);
	/* Zero length is a successful no-op. */
	assert_int_equal(zd_mprotect(task, base, 0, PROT_READ), 0);
	/* A length that wraps when rounded up to a page: end <= start. */
	assert_int_equal(zd_mprotect(task, base, ~0UL, PROT_READ), -ENOMEM);
	/* Past TASK_SIZE nothing is mapped. */
	assert_int_equal(zd_mprotect(task, base, TASK_SIZE, PROT_READ), -ENOMEM);
	assert_int_equal(map_count(task), 1);
	assert_vma(task, 0, base, base + PG(2), VM_READ | VM_WRITE);
	write_page(task, base, 121);
	assert_page_data(task, base, 121);
	assert_no_signal(task);
	exit_ok(task);
}

/* ------------------------------------------------------------------ */
/* madvise                                                             */
/* ------------------------------------------------------------------ */

/*
 * MADV_DONTNEED on private anonymous memory throws the pages away: the
 * range reads zeroes again (the zero page), and the pages are freed.
 */
static void madvise_dontneed_private(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(4), RW, MAP_PRIVATE), free_w;
	int i;

	for (i = 0; i < 4; i++)
		write_page(task, base + PG(i), 130 + i);
	free_w = zd_nr_free_pages(env->sys);

	assert_int_equal(zd_madvise(task, base + PG(1), PG(1), MADV_DONTNEED), 0);
	assert_true(pte_none(pte_at(task, base + PG(1))));
	assert_int_equal(rss(task, MM_ANONPAGES), 3);
	settle();
	assert_int_equal(zd_nr_free_pages(env->sys), free_w + 1);
	assert_page_data(task, base, 130);
	assert_page_zero(task, base + PG(1));
	assert_true(maps_zero_page(env, task, base + PG(1)));
	assert_page_data(task, base + PG(2), 132);

	assert_int_equal(zd_madvise(task, base, PG(4), MADV_DONTNEED), 0);
	assert_int_equal(map_count(task), 1);
	assert_int_equal(rss(task, MM_ANONPAGES), 0);
	for (i = 0; i < 4; i++)
		assert_true(pte_none(pte_at(task, base + PG(i))));
	settle();
	/* All four pages are back; the page tables stay, the VMA is still there. */
	assert_int_equal(zd_nr_free_pages(env->sys), free_w + 4);
	for (i = 0; i < 4; i++)
		assert_page_zero(task, base + PG(i));

	/* Still writable memory: a write allocates afresh. */
	write_page(task, base + PG(3), 134);
	assert_exclusive_anon(task, base + PG(3));
	assert_page_data(task, base + PG(3), 134);
	assert_no_signal(task);
	exit_ok(task);
}

/*
 * MADV_DONTNEED on shared anonymous memory only drops the mappings: the
 * pages stay in the shmem object, and the next access maps the same page
 * with the same data.
 */
static void madvise_dontneed_shared(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(4), RW, MAP_SHARED), free_w;
	struct page *pages[4];
	int i;

	for (i = 0; i < 4; i++) {
		write_page(task, base + PG(i), 140 + i);
		pages[i] = page_at(task, base + PG(i));
		assert_non_null(pages[i]);
		assert_int_equal(page_mapcount(pages[i]), 1);
		assert_int_equal(page_ref_count(pages[i]), 2);
	}
	assert_int_equal(rss(task, MM_SHMEMPAGES), 4);
	free_w = zd_nr_free_pages(env->sys);

	assert_int_equal(zd_madvise(task, base, PG(4), MADV_DONTNEED), 0);
	assert_int_equal(rss(task, MM_SHMEMPAGES), 0);
	settle();
	for (i = 0; i < 4; i++) {
		assert_true(pte_none(pte_at(task, base + PG(i))));
		assert_int_equal(page_mapcount(pages[i]), 0);
		/* The page cache's reference is all that is left. */
		assert_int_equal(page_ref_count(pages[i]), 1);
	}
	assert_int_equal(zd_nr_free_pages(env->sys), free_w);

	for (i = 0; i < 4; i++) {
		assert_page_data(task, base + PG(i), 140 + i);
		assert_ptr_equal(page_at(task, base + PG(i)), pages[i]);
		assert_int_equal(page_mapcount(pages[i]), 1);
		assert_int_equal(page_ref_count(pages[i]), 2);
	}
	assert_int_equal(rss(task, MM_SHMEMPAGES), 4);
	assert_no_signal(task);
	exit_ok(task);
}

/*
 * Unknown advice and an unaligned start are -EINVAL; a length that rounds
 * up to zero from a huge value is -EINVAL (not a no-op); a range with a
 * hole is -ENOMEM, with the mapped parts still advised.
 */
static void madvise_rejects_bad_arguments(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(3), RW, MAP_PRIVATE);
	int i;

	for (i = 0; i < 3; i++)
		write_page(task, base + PG(i), 150 + i);
	assert_int_equal(zd_madvise(NULL, base, PG(1), MADV_DONTNEED), -EINVAL);
	assert_int_equal(zd_madvise(task, base, PG(1), 9999), -EINVAL);
	assert_int_equal(zd_madvise(task, base, PG(1), -1), -EINVAL);
	assert_int_equal(zd_madvise(task, base + 1, PG(1), MADV_DONTNEED), -EINVAL);
	assert_int_equal(zd_madvise(task, base, 0, MADV_DONTNEED), 0);
	assert_int_equal(rss(task, MM_ANONPAGES), 3);
	for (i = 0; i < 3; i++)
		assert_page_data(task, base + PG(i), 150 + i);

	assert_int_equal(zd_madvise(task, base, ~0UL, MADV_DONTNEED), -EINVAL);
	assert_int_equal(rss(task, MM_ANONPAGES), 3);

	assert_int_equal(zd_munmap(task, base + PG(1), PG(1)), 0);
	assert_int_equal(zd_madvise(task, base, PG(3), MADV_DONTNEED), -ENOMEM);
	assert_int_equal(rss(task, MM_ANONPAGES), 0);
	assert_page_zero(task, base);
	assert_page_zero(task, base + PG(2));
	assert_no_signal(task);
	exit_ok(task);
}

/* ------------------------------------------------------------------ */
/* mremap                                                              */
/* ------------------------------------------------------------------ */

/*
 * A mapping that cannot grow in place moves: the pages go with it (the
 * same pages, not copies, still exclusive, their index and the new VMA's
 * pgoff unchanged so rmap still finds them), the new tail is fresh, and
 * the old range is gone.
 */
static void mremap_move_keeps_data(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long old = map_fixed(task, FIXED_BASE, PG(2), RW, MAP_PRIVATE), new;
	struct page *pages[2];
	unsigned char byte;
	long ret;
	int i;

	/* Something right after it, so it has to move. */
	map_fixed(task, old + PG(2), PG(1), RW, MAP_PRIVATE);
	for (i = 0; i < 2; i++) {
		write_page(task, old + PG(i), 160 + i);
		pages[i] = page_at(task, old + PG(i));
	}

	ret = zd_mremap(task, old, PG(2), PG(4), MREMAP_MAYMOVE, 0);
	assert_true(ret > 0);
	new = (unsigned long)ret;
	assert_int_not_equal(new, old);
	assert_true(IS_ALIGNED(new, PAGE_SIZE));
	assert_int_equal(map_count(task), 2);
	assert_int_equal(zd_task_mm(task)->total_vm, 4 + 1);
	assert_int_equal(find_vma(zd_task_mm(task), new)->vm_start, new);
	assert_int_equal(find_vma(zd_task_mm(task), new)->vm_end, new + PG(4));
	assert_int_equal(find_vma(zd_task_mm(task), new)->vm_pgoff, old >> PAGE_SHIFT);

	for (i = 0; i < 2; i++) {
		assert_ptr_equal(page_at(task, new + PG(i)), pages[i]);
		assert_exclusive_anon(task, new + PG(i));
		assert_int_equal(page_folio(pages[i])->index, (old >> PAGE_SHIFT) + i);
		assert_ptr_equal(page_anon_vma(pages[i]), find_vma(zd_task_mm(task), new)->anon_vma);
		assert_page_data(task, new + PG(i), 160 + i);
	}
	assert_page_zero(task, new + PG(2));
	assert_page_zero(task, new + PG(3));
	assert_int_equal(rss(task, MM_ANONPAGES), 2);

	assert_int_equal(zd_read(task, old, &byte, 1), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_MAPERR, old);
	assert_int_equal(zd_read(task, old + PG(1) + 3, &byte, 1), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_MAPERR, old + PG(1) + 3);

	/* Still the task's own pages: writing reuses them. */
	write_page(task, new, 162);
	assert_ptr_equal(page_at(task, new), pages[0]);
	assert_no_signal(task);
	exit_ok(task);
}

/* With room after it, a mapping grows where it is, without MREMAP_MAYMOVE. */
static void mremap_grow_in_place(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(2), RW, MAP_PRIVATE);
	struct page *pages[2];
	int i;

	for (i = 0; i < 2; i++) {
		write_page(task, base + PG(i), 170 + i);
		pages[i] = page_at(task, base + PG(i));
	}
	assert_int_equal(zd_mremap(task, base, PG(2), PG(4), 0, 0), base);
	assert_int_equal(map_count(task), 1);
	assert_vma(task, 0, base, base + PG(4), VM_READ | VM_WRITE);
	assert_int_equal(zd_task_mm(task)->total_vm, 4);
	for (i = 0; i < 2; i++) {
		assert_ptr_equal(page_at(task, base + PG(i)), pages[i]);
		assert_page_data(task, base + PG(i), 170 + i);
	}
	assert_page_zero(task, base + PG(2));
	write_page(task, base + PG(3), 173);
	assert_page_data(task, base + PG(3), 173);
	assert_int_equal(rss(task, MM_ANONPAGES), 3);

	/* Up to the next mapping exactly is still in place. */
	map_fixed(task, base + PG(6), PG(1), RW, MAP_PRIVATE);
	assert_int_equal(zd_mremap(task, base, PG(4), PG(6), 0, 0), base);
	assert_int_equal(map_count(task), 2);
	assert_vma(task, 0, base, base + PG(6), VM_READ | VM_WRITE);
	assert_page_data(task, base + PG(3), 173);
	assert_no_signal(task);
	exit_ok(task);
}

/* Shrinking unmaps the tail: its pages are freed, it faults afterwards. */
static void mremap_shrink(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(4), RW, MAP_PRIVATE), free_w;
	unsigned char byte;
	int i;

	for (i = 0; i < 4; i++)
		write_page(task, base + PG(i), 180 + i);
	free_w = zd_nr_free_pages(env->sys);

	assert_int_equal(zd_mremap(task, base, PG(4), PG(1), 0, 0), base);
	assert_int_equal(map_count(task), 1);
	assert_vma(task, 0, base, base + PG(1), VM_READ | VM_WRITE);
	assert_int_equal(zd_task_mm(task)->total_vm, 1);
	assert_int_equal(rss(task, MM_ANONPAGES), 1);
	assert_page_data(task, base, 180);
	assert_int_equal(zd_read(task, base + PG(1), &byte, 1), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_MAPERR, base + PG(1));
	settle();
	assert_int_equal(zd_nr_free_pages(env->sys), free_w + 3);
	exit_ok(task);
}

/*
 * mremap() to the same length is a no-op: Linux returns the address
 * without touching anything (old_len >= new_len, nothing to unmap), so a
 * range in the middle of a VMA does not split it.
 */
static void mremap_same_length_changes_nothing(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(4), RW, MAP_PRIVATE);

	write_page(task, base + PG(1), 185);
	assert_int_equal(zd_mremap(task, base, PG(2), PG(2), 0, 0), base);
	assert_int_equal(zd_mremap(task, base + PG(1), PG(1), PG(1), MREMAP_MAYMOVE, 0),
			 base + PG(1));
	assert_int_equal(map_count(task), 1);
	assert_vma(task, 0, base, base + PG(4), VM_READ | VM_WRITE);
	assert_page_data(task, base + PG(1), 185);
	exit_ok(task);
}

/*
 * MREMAP_FIXED moves to exactly the given address, unmapping whatever was
 * there first (only the part the new range covers).
 */
static void mremap_fixed(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long old = map_fixed(task, FIXED_BASE, PG(2), RW, MAP_PRIVATE);
	unsigned long dst = map_fixed(task, FIXED_BASE + PMD_SIZE, PG(3), RW, MAP_PRIVATE);
	unsigned long free_w;
	struct page *pages[2];
	unsigned char byte;
	int i;

	for (i = 0; i < 2; i++) {
		write_page(task, old + PG(i), 190 + i);
		pages[i] = page_at(task, old + PG(i));
	}
	for (i = 0; i < 3; i++)
		write_page(task, dst + PG(i), 195 + i);
	free_w = zd_nr_free_pages(env->sys);

	assert_int_equal(zd_mremap(task, old, PG(2), PG(2), MREMAP_MAYMOVE | MREMAP_FIXED, dst),
			 dst);
	assert_int_equal(map_count(task), 2);
	assert_vma(task, 0, dst, dst + PG(2), VM_READ | VM_WRITE);
	assert_vma(task, 1, dst + PG(2), dst + PG(3), VM_READ | VM_WRITE);
	for (i = 0; i < 2; i++) {
		assert_ptr_equal(page_at(task, dst + PG(i)), pages[i]);
		assert_page_data(task, dst + PG(i), 190 + i);
	}
	assert_page_data(task, dst + PG(2), 197);
	assert_int_equal(rss(task, MM_ANONPAGES), 3);
	assert_int_equal(zd_read(task, old, &byte, 1), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_MAPERR, old);
	settle();
	/* dst's first two pages, and the PTE table the old range had alone. */
	assert_int_equal(zd_nr_free_pages(env->sys), free_w + 2 + 1);
	exit_ok(task);
}

static void mremap_rejects_bad_arguments(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(2), RW, MAP_PRIVATE);
	unsigned long far = FIXED_BASE + (1UL << 30);
	const int move = MREMAP_MAYMOVE;

	map_fixed(task, base + PG(2), PG(1), RW, MAP_PRIVATE);
	write_page(task, base, 200);
	write_page(task, base + PG(1), 201);

	assert_int_equal(zd_mremap(NULL, base, PG(2), PG(4), move, 0), -EINVAL);
	assert_int_equal(zd_mremap(task, base, PG(2), PG(2), MREMAP_FIXED, far), -EINVAL);
	assert_int_equal(zd_mremap(task, base, PG(2), PG(2), move | 0x100, 0), -EINVAL);
	assert_int_equal(zd_mremap(task, base + 1, PG(1), PG(2), move, 0), -EINVAL);
	assert_int_equal(zd_mremap(task, base, PG(2), 0, move, 0), -EINVAL);
	assert_int_equal(zd_mremap(task, base, PG(2), PG(2), move | MREMAP_FIXED, far + 1),
			 -EINVAL);
	/* The new range may not overlap the old one. */
	assert_int_equal(zd_mremap(task, base, PG(2), PG(2), move | MREMAP_FIXED, base + PG(1)),
			 -EINVAL);
	assert_int_equal(zd_mremap(task, base, PG(2), PG(2), move | MREMAP_FIXED,
				   TASK_SIZE - PG(1)), -EINVAL);
	/* Not mapped, or not one mapping: the old range is a bad address. */
	assert_int_equal(zd_mremap(task, far, PG(1), PG(2), move, 0), -EFAULT);
	assert_int_equal(zd_mremap(task, base - PG(1), PG(2), PG(4), move, 0), -EFAULT);
	assert_int_equal(zd_mremap(task, base, PG(3), PG(4), move, 0), -EFAULT);
	/* No room to grow in place and not allowed to move. */
	assert_int_equal(zd_mremap(task, base, PG(2), PG(3), 0, 0), -ENOMEM);

	assert_int_equal(map_count(task), 2);
	assert_vma(task, 0, base, base + PG(2), VM_READ | VM_WRITE);
	assert_vma(task, 1, base + PG(2), base + PG(3), VM_READ | VM_WRITE);
	assert_page_data(task, base, 200);
	assert_page_data(task, base + PG(1), 201);
	assert_no_signal(task);
	exit_ok(task);
}

/*
 * A shared anonymous mapping grows in place like any other (Linux's
 * vma_expandable() has no file exception); the new tail lies beyond the
 * shmem object, so touching it is SIGBUS (BUS_ADRERR).
 */
static void mremap_shared_grows_in_place(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(1), RW, MAP_SHARED);
	unsigned char byte;

	write_page(task, base, 210);
	assert_int_equal(zd_mremap(task, base, PG(1), PG(2), 0, 0), base);
	assert_int_equal(map_count(task), 1);
	assert_vma(task, 0, base, base + PG(2), VM_READ | VM_WRITE);
	assert_page_data(task, base, 210);
	assert_int_equal(zd_read(task, base + PG(1) + 1, &byte, 1), -EFAULT);
	assert_signal(task, SIGBUS, BUS_ADRERR, base + PG(1) + 1);
	exit_ok(task);
}

/* Moved and grown, a shared mapping keeps its object: same pages, SIGBUS past it. */
static void mremap_shared_move_sigbus_past_object(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long old = map_fixed(task, FIXED_BASE, PG(1), RW, MAP_SHARED), new;
	struct page *page;
	unsigned char byte;
	long ret;

	map_fixed(task, old + PG(1), PG(1), RW, MAP_PRIVATE);
	write_page(task, old, 215);
	page = page_at(task, old);
	ret = zd_mremap(task, old, PG(1), PG(2), MREMAP_MAYMOVE, 0);
	assert_true(ret > 0);
	new = (unsigned long)ret;
	assert_int_not_equal(new, old);
	assert_ptr_equal(page_at(task, new), page);
	assert_int_equal(page_mapcount(page), 1);
	assert_int_equal(rss(task, MM_SHMEMPAGES), 1);
	assert_page_data(task, new, 215);
	assert_int_equal(zd_write(task, new + PG(1), &byte, 1), -EFAULT);
	assert_signal(task, SIGBUS, BUS_ADRERR, new + PG(1));
	exit_ok(task);
}

/*
 * Run @fn in a child process of the test (as test_system.c's abort tests
 * do), for scenarios that leave the model too corrupt to tear down in
 * process.  The child inherits the fixture's system, uses it, and leaves
 * with _exit() whatever it found, never waiting for RCU (the callback
 * thread stayed behind in the parent).  @fn returns 0 if all was well,
 * else non-zero with what went wrong in @msg.
 */
static void run_in_child(struct zd_test_env *env,
			 int (*fn)(struct zd_test_env *env, char *msg, size_t len))
{
	char msg[512];
	size_t got = 0;
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char out[512] = "";
		int ret;

		close(pipefd[0]);
		alarm(60);
		ret = fn(env, out, sizeof(out));
		if (write(pipefd[1], out, strlen(out)) < 0)
			ret = 100;
		_exit(ret);
	}
	close(pipefd[1]);
	while (got + 1 < sizeof(msg) && (n = read(pipefd[0], msg + got, sizeof(msg) - 1 - got)) > 0)
		got += (size_t)n;
	msg[got] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("the child died of signal %d; it said: %s", WTERMSIG(status), msg);
	if (WEXITSTATUS(status))
		fail_msg("%s", msg);
}

#define CHILD_FAIL(...)					\
	do {							\
		snprintf(msg, len, __VA_ARGS__);		\
		return 1;					\
	} while (0)

/*
 * MREMAP_FIXED to a destination further up the same VMA as the source.
 * Linux unmaps the destination first, then looks the source VMA up afresh
 * and moves the range: moving page 0 of a 4-page VMA at A to A+2 leaves
 * [A+1, A+2) [A+2, A+3) [A+3, A+4), in pages, and nothing at A.
 *
 * The model looks the VMA up before unmapping the destination.  Unmapping
 * splits it, and split_vma() keeps the original vm_area_struct as the part
 * above the cut, so the pointer mremap_move() gets is the VMA above the
 * destination, which it then splits at an address below its start: the
 * VMA array ends up with overlapping entries, and exit touches freed VMAs.
 * Hence the child process.
 */
static int mremap_fixed_same_vma_child(struct zd_test_env *env, char *msg, size_t len)
{
	struct zd_task *task = zd_task_create(env->sys);
	unsigned long base = FIXED_BASE, got[6] = { 0 };
	unsigned char data[8], buf[8];
	struct mm_struct *mm;
	long ret;
	int i;

	if (IS_ERR_OR_NULL(task))
		CHILD_FAIL("no task");
	mm = zd_task_mm(task);
	pattern(data, sizeof(data), 217);
	if (zd_mmap(task, base, PG(4), RW, PRIV_ANON | MAP_FIXED, NULL, 0) != (long)base ||
	    zd_write(task, base, data, sizeof(data)) != sizeof(data))
		CHILD_FAIL("setup failed");

	ret = zd_mremap(task, base, PG(1), PG(1), MREMAP_MAYMOVE | MREMAP_FIXED, base + PG(2));
	if (ret != (long)(base + PG(2)))
		CHILD_FAIL("mremap returned %ld", ret);
	for (i = 0; i < mm->map_count && i < 3; i++) {
		got[2 * i] = mm->vmas[i]->vm_start - base;
		got[2 * i + 1] = mm->vmas[i]->vm_end - base;
	}
	if (mm->map_count != 3 || got[0] != PG(1) || got[1] != PG(2) || got[2] != PG(2) ||
	    got[3] != PG(3) || got[4] != PG(3) || got[5] != PG(4))
		CHILD_FAIL("%d VMAs, want [+1p,+2p) [+2p,+3p) [+3p,+4p), got (offsets) "
			   "[%#lx,%#lx) [%#lx,%#lx) [%#lx,%#lx); %lu violation(s) reported",
			   mm->map_count, got[0], got[1], got[2], got[3], got[4], got[5],
			   zd_system_bugs(env->sys));
	if (zd_system_bugs(env->sys))
		CHILD_FAIL("%lu violation(s) reported", zd_system_bugs(env->sys));
	if (zd_read(task, base + PG(2), buf, sizeof(buf)) != sizeof(buf) ||
	    memcmp(buf, data, sizeof(buf)))
		CHILD_FAIL("the data did not move");
	if (zd_read(task, base, buf, 1) != -EFAULT)
		CHILD_FAIL("the old page is still mapped");
	return 0;
}

static void mremap_fixed_within_source_vma(void **state)
{
	run_in_child(*state, mremap_fixed_same_vma_child);
}

/* ------------------------------------------------------------------ */
/* fork                                                                */
/* ------------------------------------------------------------------ */

/*
 * After fork both tasks map the same page read-only (mapcount 2, refcount
 * 2, no longer anon-exclusive); a write in either copies it for the writer
 * alone, so neither ever sees the other's writes.
 */
static void fork_cow_isolation(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *parent = test_task_new(env), *child;
	unsigned long base = map_fixed(parent, FIXED_BASE, PG(1), RW, MAP_PRIVATE), free_w;
	struct page *a, *b;

	write_page(parent, base, 1000);			/* A */
	a = page_at(parent, base);
	child = task_fork_ok(parent);

	assert_ptr_equal(page_at(child, base), a);
	assert_int_equal(page_mapcount(a), 2);
	assert_int_equal(page_ref_count(a), 2);
	assert_false(PageAnonExclusive(a));
	assert_false(pte_write(pte_at(parent, base)));
	assert_false(pte_write(pte_at(child, base)));
	assert_int_equal(rss(parent, MM_ANONPAGES), 1);
	assert_int_equal(rss(child, MM_ANONPAGES), 1);
	assert_page_data(child, base, 1000);
	assert_page_data(parent, base, 1000);

	write_page(child, base, 1001);			/* B */
	b = page_at(child, base);
	assert_non_null(b);
	assert_ptr_not_equal(b, a);
	assert_ptr_equal(page_at(parent, base), a);
	assert_page_data(parent, base, 1000);
	assert_page_data(child, base, 1001);
	assert_true(pte_write(pte_at(child, base)));
	assert_int_equal(page_mapcount(a), 1);
	assert_int_equal(page_mapcount(b), 1);
	assert_true(PageAnonExclusive(b));
	assert_int_equal(page_ref_count(b), 1);
	/* A belongs to the parent's anon_vma; B, faulted by the child, to the child's. */
	assert_ptr_equal(page_anon_vma(a), vma_nr(parent, 0)->anon_vma);
	assert_ptr_equal(page_anon_vma(b), vma_nr(child, 0)->anon_vma);
	assert_ptr_not_equal(page_anon_vma(a), page_anon_vma(b));
	/* The child's mapping reference on A goes with the grace period. */
	settle();
	assert_int_equal(page_ref_count(a), 1);
	assert_false(PageAnonExclusive(a));
	free_w = zd_nr_free_pages(env->sys);

	/* A is the parent's alone now: its write reuses it, no copy. */
	write_page(parent, base, 1002);			/* C */
	assert_ptr_equal(page_at(parent, base), a);
	assert_exclusive_anon(parent, base);
	assert_true(pte_write(pte_at(parent, base)));
	assert_int_equal(zd_nr_free_pages(env->sys), free_w);
	assert_page_data(child, base, 1001);
	assert_page_data(parent, base, 1002);
	assert_no_signal(parent);
	assert_no_signal(child);
	exit_ok(child);
	exit_ok(parent);
}

/*
 * A COW page that only the parent maps once the child has exited is reused
 * by the parent's next write: same pfn, no allocation, anon-exclusive again.
 */
static void fork_child_exit_page_reused(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *parent = test_task_new(env), *child;
	unsigned long base = map_fixed(parent, FIXED_BASE, PG(2), RW, MAP_PRIVATE), free_w;
	struct page *page;

	write_page(parent, base, 1100);
	page = page_at(parent, base);
	child = task_fork_ok(parent);
	assert_int_equal(page_mapcount(page), 2);
	assert_page_data(child, base, 1100);
	exit_ok(child);
	settle();

	assert_int_equal(page_mapcount(page), 1);
	assert_int_equal(page_ref_count(page), 1);
	assert_false(PageAnonExclusive(page));
	assert_false(pte_write(pte_at(parent, base)));
	free_w = zd_nr_free_pages(env->sys);

	write_page(parent, base, 1101);
	assert_ptr_equal(page_at(parent, base), page);
	assert_exclusive_anon(parent, base);
	assert_true(pte_write(pte_at(parent, base)));
	assert_int_equal(zd_nr_free_pages(env->sys), free_w);
	assert_page_data(parent, base, 1101);
	exit_ok(parent);
}

#define COW_PAGES	8
#define COW_ROUNDS	1000

/* What each task must read: [0] the parent, [1] the child. */
static unsigned char cow_shadow[2][COW_PAGES][PAGE_SIZE];

/*
 * Check both tasks against their shadows, and the pages against the PTEs:
 * a page both map has mapcount 2 and is not exclusive; a page one maps has
 * mapcount 1; a writable PTE maps an exclusive page.
 */
static void cow_check(struct zd_test_env *env, struct zd_task *tasks[2], unsigned long base)
{
	unsigned char buf[PAGE_SIZE];
	int t, p;

	for (p = 0; p < COW_PAGES; p++) {
		unsigned long addr = base + PG(p);
		struct page *pp = page_at(tasks[0], addr), *pc = page_at(tasks[1], addr);

		for (t = 0; t < 2; t++) {
			struct page *page = t ? pc : pp;
			pte_t pte = pte_at(tasks[t], addr);

			assert_int_equal(zd_read(tasks[t], addr, buf, PAGE_SIZE), PAGE_SIZE);
			if (memcmp(buf, cow_shadow[t][p], PAGE_SIZE))
				fail_msg("%s reads wrong data in page %d", t ? "child" : "parent", p);
			if (!page) {
				assert_true(maps_zero_page(env, tasks[t], addr));
				continue;
			}
			assert_int_equal(page_mapcount(page), pp == pc ? 2 : 1);
			assert_true(page_ref_count(page) >= page_mapcount(page));
			if (pte_write(pte)) {
				assert_true(PageAnonExclusive(page));
				assert_int_equal(page_mapcount(page), 1);
			}
		}
		if (pp && pp == pc)
			assert_false(PageAnonExclusive(pp));
	}
}

/*
 * Random writes, MADV_DONTNEEDs, mprotect round trips and grace periods in
 * a parent and its child over a few pages, some written before the fork,
 * some only read, some untouched: every round each task reads exactly what
 * it wrote, and the page-level invariants hold.  Nothing is left behind.
 */
static void fork_cow_random(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long seed = zd_test_seed(), x = seed;
	unsigned long free0 = zd_nr_free_pages(env->sys), base;
	struct zd_task *tasks[2];
	unsigned char byte;
	int round, p;

	memset(cow_shadow, 0, sizeof(cow_shadow));
	tasks[0] = test_task_new(env);
	base = map_fixed(tasks[0], FIXED_BASE, PG(COW_PAGES), RW, MAP_PRIVATE);
	for (p = 0; p < COW_PAGES / 2; p++) {
		pattern(cow_shadow[0][p], PAGE_SIZE, 2000 + p);
		assert_int_equal(zd_write(tasks[0], base + PG(p), cow_shadow[0][p], PAGE_SIZE),
				 PAGE_SIZE);
	}
	assert_int_equal(zd_read(tasks[0], base + PG(COW_PAGES - 2), &byte, 1), 1);
	tasks[1] = task_fork_ok(tasks[0]);
	memcpy(cow_shadow[1], cow_shadow[0], sizeof(cow_shadow[0]));
	cow_check(env, tasks, base);

	for (round = 0; round < COW_ROUNDS; round++) {
		int t = (int)(zd_rand(&x) & 1), op = (int)(zd_rand(&x) % 16);
		unsigned long addr;

		p = (int)(zd_rand(&x) % COW_PAGES);
		addr = base + PG(p);
		if (op < 11) {
			size_t off = zd_rand(&x) % PAGE_SIZE, len = 1 + zd_rand(&x) % 256, i;

			len = min(len, PAGE_SIZE - off);
			for (i = 0; i < len; i++)
				cow_shadow[t][p][off + i] = (unsigned char)zd_rand(&x);
			assert_int_equal(zd_write(tasks[t], addr + off, cow_shadow[t][p] + off, len),
					 len);
		} else if (op < 13) {
			assert_int_equal(zd_madvise(tasks[t], addr, PG(1), MADV_DONTNEED), 0);
			memset(cow_shadow[t][p], 0, PAGE_SIZE);
		} else if (op < 15) {
			assert_int_equal(zd_mprotect(tasks[t], addr, PG(1), PROT_READ), 0);
			assert_int_equal(zd_write(tasks[t], addr, &byte, 1), -EFAULT);
			assert_signal(tasks[t], SIGSEGV, SEGV_ACCERR, addr);
			assert_int_equal(zd_mprotect(tasks[t], addr, PG(1), RW), 0);
		} else {
			settle();
		}
		cow_check(env, tasks, base);
	}
	assert_no_signal(tasks[0]);
	assert_no_signal(tasks[1]);
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	exit_ok(tasks[1]);
	exit_ok(tasks[0]);
	settle();
	assert_int_equal(zd_nr_free_pages(env->sys), free0);
}

/*
 * Shared anonymous memory stays shared across fork: one page, mapped by
 * both (mapcount 2; references: the shmem cache's and two mappings'),
 * writes visible both ways; everything is freed when both have exited.
 */
static void fork_shared_anon(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long free0 = zd_nr_free_pages(env->sys), base;
	struct zd_task *parent = test_task_new(env), *child;
	struct page *p0, *p1;

	base = map_fixed(parent, FIXED_BASE, PG(2), RW, MAP_SHARED);
	write_page(parent, base, 3000);
	child = task_fork_ok(parent);
	assert_page_data(child, base, 3000);
	p0 = page_at(parent, base);
	assert_ptr_equal(page_at(child, base), p0);
	assert_int_equal(page_mapcount(p0), 2);
	assert_int_equal(page_ref_count(p0), 3);
	assert_true(pte_write(pte_at(parent, base)));

	write_page(child, base + PG(1), 3001);
	assert_page_data(parent, base + PG(1), 3001);
	p1 = page_at(child, base + PG(1));
	assert_non_null(p1);

	write_page(parent, base, 3002);
	assert_page_data(child, base, 3002);
	assert_ptr_equal(page_at(child, base), p0);
	assert_ptr_equal(page_at(parent, base), p0);
	assert_int_equal(rss(child, MM_SHMEMPAGES), 2);
	assert_int_equal(rss(child, MM_ANONPAGES), 0);

	exit_ok(parent);
	settle();
	assert_int_equal(page_mapcount(p0), 1);
	assert_int_equal(page_ref_count(p0), 2);
	assert_page_data(child, base, 3002);
	assert_page_data(child, base + PG(1), 3001);
	exit_ok(child);
	settle();
	assert_int_equal(zd_nr_free_pages(env->sys), free0);
}

/* ------------------------------------------------------------------ */
/* exit                                                                */
/* ------------------------------------------------------------------ */

/*
 * A task's exit frees every page and every page table it had, including
 * the tables of mappings in other PGD and PUD slots and of the top of the
 * address space: the free page count is back where it was before the task.
 */
static void exit_frees_everything(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long free0 = zd_nr_free_pages(env->sys);
	struct zd_task *task = test_task_new(env);
	unsigned long addrs[6];
	int i;

	addrs[0] = map_fixed(task, 0x10000, PG(2), RW, MAP_PRIVATE);
	addrs[1] = map_fixed(task, FIXED_BASE, PG(2), RW, MAP_SHARED);
	addrs[2] = map_fixed(task, 1UL << 40, PG(2), RW, MAP_PRIVATE);
	addrs[3] = map_fixed(task, TASK_SIZE - PG(2), PG(2), RW, MAP_PRIVATE);
	addrs[4] = map_anon(task, PG(2), RW, MAP_PRIVATE);
	addrs[5] = map_anon(task, PG(2), RW, MAP_SHARED);
	for (i = 0; i < 6; i++) {
		write_page(task, addrs[i], 4000 + i);
		assert_page_zero(task, addrs[i] + PG(1));
	}
	/* Written: one private page each; read: the zero page, or a shmem page. */
	assert_int_equal(rss(task, MM_ANONPAGES), 4);
	assert_int_equal(rss(task, MM_SHMEMPAGES), 4);
	/*
	 * The PGD, and the tables below it: PGD slot 0 holds 0x10000 (PUD,
	 * PMD, PTE) and FIXED_BASE (PMD, PTE); slot 2 holds 1 TiB (PUD, PMD,
	 * PTE); slot 255 the top of the address space (PUD, PMD, PTE) and the
	 * two mappings mmap() put just below TASK_SIZE - 1 GiB (PMD, PTE).
	 */
	assert_int_equal(atomic_long_read(&zd_task_mm(task)->pgtables_bytes), PG(1 + 13));
	assert_int_equal(free0 - zd_nr_free_pages(env->sys), 1 + 13 + 8);
	exit_ok(task);
	settle();
	assert_int_equal(zd_nr_free_pages(env->sys), free0);
}

/* ------------------------------------------------------------------ */
/* Concurrency                                                         */
/* ------------------------------------------------------------------ */

#define CONC_WRITERS		3
#define CONC_PAGES		48	/* page p belongs to writer p % CONC_WRITERS */
#define CONC_ROUNDS		10000
#define CONC_UNMAPS		10000
/* The unmapper's region: same PTE table as the writers', and the next one. */
#define SCRATCH_START		(FIXED_BASE + PG(128))
#define SCRATCH_PAGES		768

struct mm_worker {
	struct zd_task *task;
	unsigned long seed;
	int id;
	unsigned long tag[CONC_PAGES];	/* what each of our pages holds; 0: zeroes */
	long faults;
	long errors;
	char what[160];
	struct zd_thread thread;
};

static void worker_error(struct mm_worker *w, const char *what, unsigned long addr, long ret)
{
	if (!w->errors++)
		snprintf(w->what, sizeof(w->what), "worker %d: %s at %#lx (%ld)", w->id, what,
			 addr, ret);
}

/*
 * Write whole pages of our own, or throw one away with MADV_DONTNEED so it
 * refaults, and check each page reads back as we left it.
 */
static void *fault_writer_fn(void *arg)
{
	struct mm_worker *w = arg;
	unsigned char *buf = malloc(PAGE_SIZE), *want = malloc(PAGE_SIZE);
	unsigned long x = w->seed;
	int round;

	if (!buf || !want) {
		worker_error(w, "no memory", 0, 0);
		goto out;
	}
	for (round = 0; round < CONC_ROUNDS; round++) {
		int p = w->id + CONC_WRITERS * (int)(zd_rand(&x) % (CONC_PAGES / CONC_WRITERS));
		unsigned long addr = FIXED_BASE + PG(p);
		long ret;

		if (zd_rand(&x) % 8 == 0) {
			ret = zd_madvise(w->task, addr, PG(1), MADV_DONTNEED);
			if (ret)
				worker_error(w, "madvise", addr, ret);
			w->tag[p] = 0;
		} else {
			w->tag[p] = ((unsigned long)p << 32) | (unsigned long)(round + 1);
			pattern(buf, PAGE_SIZE, w->tag[p]);
			ret = zd_write(w->task, addr, buf, PAGE_SIZE);
			if (ret != PAGE_SIZE)
				worker_error(w, "write", addr, ret);
		}
		if (w->tag[p])
			pattern(want, PAGE_SIZE, w->tag[p]);
		else
			memset(want, 0, PAGE_SIZE);
		ret = zd_read(w->task, addr, buf, PAGE_SIZE);
		if (ret != PAGE_SIZE || memcmp(buf, want, PAGE_SIZE))
			worker_error(w, "read back", addr, ret);
	}
out:
	free(buf);
	free(want);
	return NULL;
}

/*
 * Next to the writers, map (MAP_FIXED, replacing), touch and unmap random
 * ranges: VMAs split and go, page tables are freed and come back, all
 * under the writers' feet but never over their pages.
 */
static void *unmapper_fn(void *arg)
{
	struct mm_worker *w = arg;
	unsigned long x = w->seed;
	int i;

	for (i = 0; i < CONC_UNMAPS; i++) {
		unsigned long off = zd_rand(&x) % SCRATCH_PAGES, len = 1 + zd_rand(&x) % 32;
		unsigned long addr = SCRATCH_START + PG(off), val = x, back = 0;
		long ret;

		len = PG(min(len, SCRATCH_PAGES - off));
		if (zd_rand(&x) & 1) {
			ret = zd_mmap(w->task, addr, len, RW, PRIV_ANON | MAP_FIXED, NULL, 0);
			if (ret != (long)addr) {
				worker_error(w, "mmap", addr, ret);
				continue;
			}
			if (zd_write(w->task, addr + len - sizeof(val), &val, sizeof(val)) !=
			    sizeof(val) ||
			    zd_read(w->task, addr + len - sizeof(val), &back, sizeof(back)) !=
			    sizeof(back) || back != val)
				worker_error(w, "scratch write", addr, 0);
		} else {
			ret = zd_munmap(w->task, addr, len);
			if (ret)
				worker_error(w, "munmap", addr, ret);
		}
	}
	return NULL;
}

/*
 * Read the first bytes of scratch pages while they come and go: nobody
 * writes there, so a read sees zeroes or faults (SIGSEGV, SEGV_MAPERR),
 * and its lockless walk may be in page tables munmap() is freeing.
 */
static void *scratch_reader_fn(void *arg)
{
	struct mm_worker *w = arg;
	unsigned long x = w->seed;
	int i;

	for (i = 0; i < CONC_UNMAPS; i++) {
		unsigned long addr = SCRATCH_START + PG(zd_rand(&x) % SCRATCH_PAGES), val = ~0UL;
		long ret = zd_read(w->task, addr, &val, sizeof(val));

		if (ret == -EFAULT)
			w->faults++;
		else if (ret != sizeof(val) || val)
			worker_error(w, "scratch read", addr, ret);
	}
	return NULL;
}

/*
 * Threads of one task fault in and write distinct pages of one mapping
 * while another maps and unmaps ranges around it, in the same page tables
 * and the next ones, and a last one reads there; afterwards every page
 * holds what its writer left, the only signals are the reader's, the audit
 * is clean, and the task's exit gives every page back.
 */
static void concurrent_faults_and_unmaps(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long seed = zd_test_seed(), free0 = zd_nr_free_pages(env->sys);
	struct zd_task *task = test_task_new(env);
	struct mm_worker *w = calloc(CONC_WRITERS + 2, sizeof(*w));
	unsigned char buf[PAGE_SIZE], want[PAGE_SIZE];
	struct zd_siginfo si;
	int i, p;

	assert_non_null(w);
	map_fixed(task, FIXED_BASE, PG(CONC_PAGES), RW, MAP_PRIVATE);
	for (i = 0; i < CONC_WRITERS + 2; i++) {
		w[i].task = task;
		w[i].id = i;
		w[i].seed = seed * 31 + (unsigned long)i + 1;
		assert_int_equal(zd_thread_start(&w[i].thread,
						 i < CONC_WRITERS ? fault_writer_fn :
						 i == CONC_WRITERS ? unmapper_fn : scratch_reader_fn,
						 &w[i]), 0);
	}
	for (i = 0; i < CONC_WRITERS + 2; i++)
		zd_thread_join(&w[i].thread);
	for (i = 0; i < CONC_WRITERS + 2; i++)
		if (w[i].errors)
			fail_msg("%ld error(s), first: %s", w[i].errors, w[i].what);
	printf("# scratch reads: %ld of %d faulted\n", w[CONC_WRITERS + 1].faults, CONC_UNMAPS);
	/* One signal per faulting read, and nothing else. */
	assert_int_equal(zd_task_signals(task, &si), w[CONC_WRITERS + 1].faults);
	if (w[CONC_WRITERS + 1].faults) {
		assert_int_equal(si.signo, SIGSEGV);
		assert_int_equal(si.code, SEGV_MAPERR);
		assert_in_range(si.addr, SCRATCH_START, SCRATCH_START + PG(SCRATCH_PAGES) - 1);
		zd_task_clear_signals(task);
	}

	for (p = 0; p < CONC_PAGES; p++) {
		unsigned long tag = w[p % CONC_WRITERS].tag[p];

		if (tag)
			pattern(want, PAGE_SIZE, tag);
		else
			memset(want, 0, PAGE_SIZE);
		assert_int_equal(zd_read(task, FIXED_BASE + PG(p), buf, PAGE_SIZE), PAGE_SIZE);
		assert_memory_equal(buf, want, PAGE_SIZE);
	}
	assert_no_signal(task);
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	exit_ok(task);
	free(w);
	settle();
	assert_int_equal(zd_nr_free_pages(env->sys), free0);
}

#define RD_PAGES	16
#define RD_READERS	2
#define RD_READS	100000
#define RD_ZAPS		20000
#define RD_WRITES	20000

/*
 * The CPU's own accesses are kept apart by a lock per page (concurrent
 * user reads and writes of the same bytes would be a race in the test, not
 * in the model); MADV_DONTNEED takes no lock at all.
 */
struct rd_ctx {
	struct zd_task *task;
	unsigned long base;
	unsigned long seed;
	struct rw_semaphore lock[RD_PAGES];
	unsigned char want[RD_PAGES][PAGE_SIZE];
	atomic_long_t seen_data, seen_zero;
	atomic_t readers_left;
};

struct rd_worker {
	struct rd_ctx *ctx;
	int id;
	long errors;
	char what[160];
	struct zd_thread thread;
};

static void rd_error(struct rd_worker *w, const char *what, int page, long ret)
{
	if (!w->errors++)
		snprintf(w->what, sizeof(w->what), "thread %d: %s, page %d (%ld)", w->id, what,
			 page, ret);
}

/* Each read of a page sees all of its data or all zeroes, never anything else. */
static void *rd_reader_fn(void *arg)
{
	struct rd_worker *w = arg;
	struct rd_ctx *ctx = w->ctx;
	unsigned char *buf = malloc(PAGE_SIZE);
	unsigned long x = ctx->seed * 7 + (unsigned long)w->id;
	int i;

	for (i = 0; buf && i < RD_READS; i++) {
		int p = (int)(zd_rand(&x) % RD_PAGES);
		long ret;

		down_read(&ctx->lock[p]);
		ret = zd_read(ctx->task, ctx->base + PG(p), buf, PAGE_SIZE);
		up_read(&ctx->lock[p]);
		if (ret != PAGE_SIZE)
			rd_error(w, "read failed", p, ret);
		else if (!memcmp(buf, ctx->want[p], PAGE_SIZE))
			atomic_long_inc(&ctx->seen_data);
		else if (all_zero(buf, PAGE_SIZE))
			atomic_long_inc(&ctx->seen_zero);
		else
			rd_error(w, "garbage read", p, buf[0]);
	}
	free(buf);
	atomic_dec(&ctx->readers_left);
	return NULL;
}

static void *rd_zapper_fn(void *arg)
{
	struct rd_worker *w = arg;
	struct rd_ctx *ctx = w->ctx;
	unsigned long x = ctx->seed * 11 + 1;
	int i;

	for (i = 0; i < RD_ZAPS || atomic_read(&ctx->readers_left); i++) {
		int p = (int)(zd_rand(&x) % RD_PAGES), n = 1 + (int)(zd_rand(&x) % 4);
		long ret;

		n = min(n, RD_PAGES - p);
		ret = zd_madvise(ctx->task, ctx->base + PG(p), PG(n), MADV_DONTNEED);
		if (ret)
			rd_error(w, "madvise", p, ret);
	}
	return NULL;
}

static void *rd_writer_fn(void *arg)
{
	struct rd_worker *w = arg;
	struct rd_ctx *ctx = w->ctx;
	unsigned long x = ctx->seed * 13 + 1;
	int i;

	for (i = 0; i < RD_WRITES || atomic_read(&ctx->readers_left); i++) {
		int p = (int)(zd_rand(&x) % RD_PAGES);
		long ret;

		down_write(&ctx->lock[p]);
		ret = zd_write(ctx->task, ctx->base + PG(p), ctx->want[p], PAGE_SIZE);
		up_write(&ctx->lock[p]);
		if (ret != PAGE_SIZE)
			rd_error(w, "write failed", p, ret);
	}
	return NULL;
}

/*
 * Reads of pages that another thread keeps throwing away with
 * MADV_DONTNEED (and a third keeps writing back): a reader may walk to a
 * page just as it is unmapped, and must still copy from a live page, the
 * old one or the zero page, because unmapped pages are freed only after
 * the grace period.  The data is the page's pattern or zeroes, never
 * another page's contents or a freed page's.
 */
static void concurrent_read_vs_dontneed(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long free0 = zd_nr_free_pages(env->sys);
	struct rd_ctx *ctx = calloc(1, sizeof(*ctx));
	struct rd_worker w[RD_READERS + 2];
	int i, p;

	assert_non_null(ctx);
	memset(w, 0, sizeof(w));
	ctx->seed = zd_test_seed();
	ctx->task = test_task_new(env);
	ctx->base = map_fixed(ctx->task, FIXED_BASE, PG(RD_PAGES), RW, MAP_PRIVATE);
	atomic_set(&ctx->readers_left, RD_READERS);
	for (p = 0; p < RD_PAGES; p++) {
		init_rwsem(&ctx->lock[p]);
		pattern(ctx->want[p], PAGE_SIZE, 5000 + p);
		assert_int_equal(zd_write(ctx->task, ctx->base + PG(p), ctx->want[p], PAGE_SIZE),
				 PAGE_SIZE);
	}
	for (i = 0; i < RD_READERS + 2; i++) {
		w[i].ctx = ctx;
		w[i].id = i;
		assert_int_equal(zd_thread_start(&w[i].thread,
						 i < RD_READERS ? rd_reader_fn :
						 i == RD_READERS ? rd_zapper_fn : rd_writer_fn,
						 &w[i]), 0);
	}
	for (i = 0; i < RD_READERS + 2; i++)
		zd_thread_join(&w[i].thread);
	for (i = 0; i < RD_READERS + 2; i++)
		if (w[i].errors)
			fail_msg("%ld error(s), first: %s", w[i].errors, w[i].what);
	printf("# reads: %ld of the data, %ld of zeroes\n", atomic_long_read(&ctx->seen_data),
	       atomic_long_read(&ctx->seen_zero));
	assert_int_equal(atomic_long_read(&ctx->seen_data) + atomic_long_read(&ctx->seen_zero),
			 RD_READERS * RD_READS);

	assert_no_signal(ctx->task);
	assert_int_equal(zd_system_audit(env->sys, NULL), 0);
	exit_ok(ctx->task);
	for (p = 0; p < RD_PAGES; p++)
		destroy_rwsem(&ctx->lock[p]);
	free(ctx);
	settle();
	assert_int_equal(zd_nr_free_pages(env->sys), free0);
}

/* ------------------------------------------------------------------ */
/* Bad arguments to the task and CPU interfaces                        */
/* ------------------------------------------------------------------ */

static void task_bad_arguments(void **state)
{
	struct zd_siginfo si = { .signo = 42 };

	(void)state;
	assert_int_equal(PTR_ERR(zd_task_create(NULL)), -EINVAL);
	assert_int_equal(PTR_ERR(zd_task_fork(NULL)), -EINVAL);
	assert_int_equal(zd_task_exit(NULL), -EINVAL);
	assert_null(zd_task_mm(NULL));
	assert_int_equal(zd_task_pid(NULL), -EINVAL);
	assert_int_equal(zd_task_signals(NULL, &si), 0);
	assert_int_equal(si.signo, 42);
	zd_task_clear_signals(NULL);
}

/*
 * A CPU access without a task or a buffer is -EINVAL; one whose range
 * wraps or reaches past TASK_SIZE is -EFAULT with SIGSEGV (SEGV_MAPERR) at
 * the address; a zero-length access does nothing.
 */
static void cpu_access_bad_arguments(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_task *task = test_task_new(env);
	unsigned long base = map_fixed(task, FIXED_BASE, PG(1), RW, MAP_PRIVATE);
	unsigned char buf[128];

	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(zd_read(NULL, base, buf, 1), -EINVAL);
	assert_int_equal(zd_write(NULL, base, buf, 1), -EINVAL);
	assert_int_equal(zd_read(task, base, NULL, 1), -EINVAL);
	assert_int_equal(zd_write(task, base, NULL, 1), -EINVAL);
	assert_no_signal(task);

	assert_int_equal(zd_read(task, ~0UL - 10, buf, 100), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_MAPERR, ~0UL - 10);
	assert_int_equal(zd_write(task, ~0UL - 10, buf, 100), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_MAPERR, ~0UL - 10);
	assert_int_equal(zd_write(task, TASK_SIZE, buf, 1), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_MAPERR, TASK_SIZE);
	assert_int_equal(zd_read(task, TASK_SIZE - 8, buf, 16), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_MAPERR, TASK_SIZE - 8);
	/* The NULL pointer dereference. */
	assert_int_equal(zd_read(task, 0, buf, 1), -EFAULT);
	assert_signal(task, SIGSEGV, SEGV_MAPERR, 0);

	assert_int_equal(zd_read(task, base, buf, 0), 0);
	assert_int_equal(zd_write(task, 0, buf, 0), 0);
	assert_no_signal(task);
	assert_true(pte_none(pte_at(task, base)));
	assert_int_equal(rss(task, MM_ANONPAGES), 0);
	exit_ok(task);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ZD_TEST_BOTH(anon_read_maps_zero_page),
		ZD_TEST_BOTH(anon_write_allocates_page),
		ZD_TEST_BOTH(anon_write_replaces_zero_page),
		ZD_TEST_BOTH(anon_write_only_mapping_is_readable),
		ZD_TEST_BOTH(anon_prot_none_mapping_faults),
		ZD_TEST_BOTH(mmap_rejects_bad_arguments),
		ZD_TEST_BOTH(mmap_fixed_beyond_task_size),
		ZD_TEST_BOTH(mmap_fixed_top_page),
		ZD_TEST_BOTH(mmap_fixed_replaces_mapping),
		ZD_TEST_BOTH(mmap_fixed_noreplace),
		ZD_TEST_BOTH(mmap_populate_shared),
		ZD_TEST_BOTH(mmap_populate_private_readonly),
		ZD_TEST_BOTH(mmap_populate_private_writable),
		ZD_TEST_BOTH(munmap_rejects_bad_arguments),
		ZD_TEST_BOTH(munmap_middle_splits_vma),
		ZD_TEST_BOTH(munmap_hole_is_fine),
		ZD_TEST_BOTH(munmap_frees_pages_and_tables),
		ZD_TEST_BOTH(mprotect_readonly_write_faults),
		ZD_TEST_BOTH(mprotect_middle_splits_in_three),
		ZD_TEST_BOTH(mprotect_hole_changes_nothing),
		ZD_TEST_BOTH(mprotect_none_keeps_page),
		ZD_TEST_BOTH(mprotect_rejects_bad_arguments),
		ZD_TEST_BOTH(madvise_dontneed_private),
		ZD_TEST_BOTH(madvise_dontneed_shared),
		ZD_TEST_BOTH(madvise_rejects_bad_arguments),
		ZD_TEST_BOTH(mremap_move_keeps_data),
		ZD_TEST_BOTH(mremap_grow_in_place),
		ZD_TEST_BOTH(mremap_shrink),
		ZD_TEST_BOTH(mremap_same_length_changes_nothing),
		ZD_TEST_BOTH(mremap_fixed),
		ZD_TEST_BOTH(mremap_rejects_bad_arguments),
		ZD_TEST_BOTH(mremap_shared_grows_in_place),
		ZD_TEST_BOTH(mremap_shared_move_sigbus_past_object),
		ZD_TEST_BOTH(mremap_fixed_within_source_vma),
		ZD_TEST_BOTH(fork_cow_isolation),
		ZD_TEST_BOTH(fork_child_exit_page_reused),
		ZD_TEST_BOTH(fork_cow_random),
		ZD_TEST_BOTH(fork_shared_anon),
		ZD_TEST_BOTH(exit_frees_everything),
		ZD_TEST_BOTH(concurrent_faults_and_unmaps),
		ZD_TEST_BOTH(concurrent_read_vs_dontneed),
		ZD_TEST_BOTH(task_bad_arguments),
		ZD_TEST_BOTH(cpu_access_bad_arguments),
	};

	return ZD_RUN("mm", tests);
}
