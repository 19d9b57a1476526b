// SPDX-License-Identifier: GPL-2.0-only
/*
 * fsdax through daxfs: DAX faults (shared, private COW, holes and the zero
 * page, PMD extents), what a mapping holds under each scheme, and layout
 * breaking: truncate and punch hole unmap, wait for pinned pages, can be
 * interrupted, and race gup-fast without losing a page.  Spec
 * fsdax_devdax.md §1-4.
 *
 * Under the zero scheme a mapped fsdax page holds one reference and one
 * mapcount per mapping and idles at 0; under the elevated scheme mappings
 * are devmap entries holding nothing and the page idles at 1.
 */
#include <stdlib.h>
#include <unistd.h>
#include <zonedev/dax.h>
#include <zonedev/hmm.h>
#include "zd_test.h"
#include "../mm/internal_mm.h"

#define PG(n)		((unsigned long)(n) * PAGE_SIZE)
#define PMEM_SIZE	(64UL << 20)
#define MAP_AT		(1UL << 32)	/* PMD (and PUD) aligned */

struct fsdax {
	struct zd_pmem *pmem;
	struct zd_daxfs *fs;
	struct zd_task *task;
};

static void fsdax_setup(struct zd_test_env *env, struct fsdax *f)
{
	struct zd_pmem_config cfg = { .size = PMEM_SIZE, .name = "test-pmem" };

	f->pmem = zd_pmem_create(env->sys, &cfg);
	assert_false(IS_ERR_OR_NULL(f->pmem));
	assert_int_equal(zd_daxfs_mkfs(f->pmem), 0);
	f->fs = zd_daxfs_mount(f->pmem, 0);
	assert_false(IS_ERR_OR_NULL(f->fs));
	f->task = test_task_new(env);
}

static void fsdax_teardown(struct fsdax *f)
{
	test_task_done(f->task);
	assert_int_equal(zd_daxfs_unmount(f->fs), 0);
	assert_int_equal(zd_pmem_destroy(f->pmem), 0);
}

static struct zd_file *create(struct fsdax *f, const char *name, loff_t size)
{
	struct zd_file *file = zd_daxfs_open(f->fs, name, O_CREAT | O_RDWR);

	assert_false(IS_ERR_OR_NULL(file));
	if (size)
		assert_int_equal(zd_ftruncate(file, size), 0);
	return file;
}

/* Write @len bytes of a pattern derived from @seed at @off. */
static void write_pattern(struct zd_file *file, loff_t off, size_t len, unsigned char seed)
{
	unsigned char *buf = malloc(len);
	size_t i;

	assert_non_null(buf);
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed + i / PAGE_SIZE);
	assert_int_equal(zd_pwrite(file, buf, len, off), (ssize_t)len);
	free(buf);
}

static unsigned long map_file(struct zd_task *task, struct zd_file *file, unsigned long addr,
			      unsigned long len, int prot, int flags)
{
	long a = zd_mmap(task, addr, len, prot, flags | (addr ? MAP_FIXED : 0), file, 0);

	assert_true(a > 0);
	return (unsigned long)a;
}

static unsigned char read_byte(struct zd_task *task, unsigned long addr)
{
	unsigned char v = 0xee;

	assert_int_equal(zd_read(task, addr, &v, 1), 1);
	return v;
}

static pte_t pte_at(struct zd_task *task, unsigned long addr)
{
	pte_t *ptep = pte_offset_lockless(zd_task_mm(task), addr);

	return ptep ? ptep_get(ptep) : __pte(0);
}

static bool elevated(struct zd_test_env *env)
{
	return zd_system_scheme(env->sys) == ZD_REFCOUNT_ELEVATED;
}

/* The references a mapped, unpinned fsdax page has under each scheme. */
static int mapped_refs(struct zd_test_env *env, int mappings)
{
	return elevated(env) ? 1 : mappings;
}

static unsigned long audit_mapping(struct zd_file *file)
{
	return dax_mapping_audit(file->f_mapping, stderr);
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */
/* ------------------------------------------------------------------ */

static void fsdax_shared_map(void **state)
{
	struct zd_test_env *env = *state;
	struct fsdax f;
	struct zd_file *file;
	unsigned long addr;
	unsigned char v = 0x7c;
	struct page *page;
	unsigned char buf[4];
	pte_t pte;

	fsdax_setup(env, &f);
	file = create(&f, "shared", 0);
	write_pattern(file, 0, PG(4), 0x10);
	addr = map_file(f.task, file, 0, PG(4), PROT_READ | PROT_WRITE, MAP_SHARED);
	assert_int_equal(read_byte(f.task, addr + PG(2) + 5), 0x12);
	pte = pte_at(f.task, addr + PG(2));
	assert_true(pte_present(pte));
	page = pfn_to_page(pte_pfn(pte));
	assert_true(folio_is_fsdax(page_folio(page)));
	assert_ptr_equal(page->mapping, file->f_mapping);
	assert_int_equal(page->index, 2);
	assert_int_equal(page_ref_count(page), mapped_refs(env, 1));
	assert_int_equal(page_mapcount(page), elevated(env) ? 0 : 1);
	assert_int_equal(pte_devmap(pte), elevated(env));
	/* A read fault maps read-only; the store goes through mkwrite. */
	assert_false(pte_write(pte));
	assert_int_equal(zd_write(f.task, addr + PG(2) + 1, &v, 1), 1);
	assert_true(pte_write(pte_at(f.task, addr + PG(2))));
	assert_int_equal(pte_pfn(pte_at(f.task, addr + PG(2))), page_to_pfn(page));
	assert_int_equal(zd_pread(file, buf, 2, PG(2)), 2);
	assert_int_equal(buf[0], 0x12);
	assert_int_equal(buf[1], 0x7c);
	assert_int_equal(audit_mapping(file), 0);

	assert_int_equal(zd_munmap(f.task, addr, PG(4)), 0);
	synchronize_rcu();
	rcu_barrier();
	/* Unmapped but still cached: associated, idle. */
	assert_ptr_equal(page->mapping, file->f_mapping);
	assert_int_equal(page_ref_count(page), elevated(env) ? 1 : 0);
	assert_int_equal(audit_mapping(file), 0);
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);
}

static void fsdax_hole_zero_page(void **state)
{
	struct zd_test_env *env = *state;
	struct fsdax f;
	struct zd_file *file;
	struct zd_daxfs_statfs before, after;
	unsigned long addr;
	unsigned char v = 0x44, buf[1];

	fsdax_setup(env, &f);
	file = create(&f, "holes", PG(8));
	assert_int_equal(zd_daxfs_statfs(f.fs, &before), 0);
	addr = map_file(f.task, file, 0, PG(8), PROT_READ | PROT_WRITE, MAP_SHARED);
	/* A read of a hole maps the zero page and allocates nothing. */
	assert_int_equal(read_byte(f.task, addr + PG(3)), 0);
	assert_int_equal(pte_pfn(pte_at(f.task, addr + PG(3))),
			 page_to_pfn(NODE_DATA(env->nid)->zero_page));
	assert_int_equal(zd_daxfs_statfs(f.fs, &after), 0);
	assert_int_equal(after.blocks_free, before.blocks_free);
	assert_int_equal(audit_mapping(file), 0);
	/* A store allocates the block and replaces the zero page. */
	assert_int_equal(zd_write(f.task, addr + PG(3), &v, 1), 1);
	assert_true(folio_is_fsdax(page_folio(pfn_to_page(pte_pfn(pte_at(f.task, addr + PG(3)))))));
	assert_int_equal(zd_daxfs_statfs(f.fs, &after), 0);
	assert_true(after.blocks_free < before.blocks_free);
	assert_int_equal(zd_pread(file, buf, 1, PG(3)), 1);
	assert_int_equal(buf[0], 0x44);
	assert_int_equal(read_byte(f.task, addr + PG(3)), 0x44);
	assert_int_equal(audit_mapping(file), 0);
	assert_int_equal(zd_munmap(f.task, addr, PG(8)), 0);
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);
}

static void fsdax_private_cow(void **state)
{
	struct zd_test_env *env = *state;
	struct fsdax f;
	struct zd_file *file;
	unsigned long addr;
	unsigned char v = 0x99, buf[1];
	pte_t pte;

	fsdax_setup(env, &f);
	file = create(&f, "private", 0);
	write_pattern(file, 0, PG(2), 0x20);
	addr = map_file(f.task, file, 0, PG(2), PROT_READ | PROT_WRITE, MAP_PRIVATE);
	assert_int_equal(read_byte(f.task, addr), 0x20);
	assert_true(folio_is_fsdax(page_folio(pfn_to_page(pte_pfn(pte_at(f.task, addr))))));
	/* A write copies into anonymous memory; the file keeps its data. */
	assert_int_equal(zd_write(f.task, addr, &v, 1), 1);
	pte = pte_at(f.task, addr);
	assert_true(PageAnon(pfn_to_page(pte_pfn(pte))));
	assert_int_equal(zd_pread(file, buf, 1, 0), 1);
	assert_int_equal(buf[0], 0x20);
	assert_int_equal(read_byte(f.task, addr), 0x99);
	/* A first touch that writes is a COW straight from the block. */
	assert_int_equal(zd_write(f.task, addr + PG(1) + 1, &v, 1), 1);
	assert_true(PageAnon(pfn_to_page(pte_pfn(pte_at(f.task, addr + PG(1))))));
	assert_int_equal(read_byte(f.task, addr + PG(1)), 0x21);
	assert_int_equal(zd_pread(file, buf, 1, PG(1) + 1), 1);
	assert_int_equal(buf[0], 0x21);
	assert_int_equal(audit_mapping(file), 0);
	assert_int_equal(zd_munmap(f.task, addr, PG(2)), 0);
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);
}

/* Two processes sharing a mapping see each other's stores. */
static void fsdax_fork_shared(void **state)
{
	struct zd_test_env *env = *state;
	struct fsdax f;
	struct zd_file *file;
	struct zd_task *child;
	unsigned long addr;
	unsigned char v = 0x5e;
	struct page *page;

	fsdax_setup(env, &f);
	file = create(&f, "forked", 0);
	write_pattern(file, 0, PG(2), 0x30);
	addr = map_file(f.task, file, 0, PG(2), PROT_READ | PROT_WRITE, MAP_SHARED);
	assert_int_equal(read_byte(f.task, addr), 0x30);
	child = zd_task_fork(f.task);
	assert_non_null(child);
	assert_int_equal(zd_write(child, addr, &v, 1), 1);
	assert_int_equal(read_byte(f.task, addr), 0x5e);
	page = pfn_to_page(pte_pfn(pte_at(child, addr)));
	assert_int_equal(pte_pfn(pte_at(f.task, addr)), page_to_pfn(page));
	assert_int_equal(page_ref_count(page), mapped_refs(env, 2));
	test_task_done(child);
	assert_int_equal(zd_munmap(f.task, addr, PG(2)), 0);
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);
}

/* hmm_range_fault's view: the order of the CPU mapping. */
struct snap {
	struct mmu_interval_notifier notifier;
};

static bool snap_invalidate(struct mmu_interval_notifier *sub,
			    const struct mmu_notifier_range *range, unsigned long cur_seq)
{
	(void)range;
	mmu_interval_set_seq(sub, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops snap_ops = { .invalidate = snap_invalidate };

static unsigned int mapped_order(struct zd_task *task, unsigned long addr)
{
	struct mm_struct *mm = zd_task_mm(task);
	struct snap s;
	unsigned long pfn = 0;
	struct hmm_range range = {
		.notifier = &s.notifier,
		.start = addr,
		.end = addr + PAGE_SIZE,
		.hmm_pfns = &pfn,
	};
	int ret;

	assert_int_equal(mmu_interval_notifier_insert(&s.notifier, mm, addr, PAGE_SIZE, &snap_ops), 0);
	do {
		range.notifier_seq = mmu_interval_read_begin(&s.notifier);
		down_read(&mm->mmap_lock);
		ret = hmm_range_fault(&range);
		up_read(&mm->mmap_lock);
	} while (ret == -EBUSY);
	mmu_interval_notifier_remove(&s.notifier);
	assert_int_equal(ret, 0);
	assert_true(pfn & HMM_PFN_VALID);
	return hmm_pfn_to_map_order(pfn);
}

static void fsdax_pmd_fault(void **state)
{
	struct zd_test_env *env = *state;
	struct fsdax f;
	struct zd_file *file;
	unsigned long addr;
	struct folio *folio;
	unsigned char v = 0x11;
	u64 dev_off;

	fsdax_setup(env, &f);
	file = create(&f, "huge", 0);
	/* Written whole, so daxfs allocates 2 MiB extents. */
	write_pattern(file, 0, 2 * PMD_SIZE, 0x40);
	addr = map_file(f.task, file, MAP_AT, 2 * PMD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED);
	assert_int_equal(zd_write(f.task, addr + PMD_SIZE + PG(7), &v, 1), 1);
	assert_int_equal(mapped_order(f.task, addr + PMD_SIZE + PG(7)), PMD_ORDER);
	assert_int_equal(read_byte(f.task, addr + PMD_SIZE + PG(3)), (unsigned char)(0x40 + 512 + 3));
	/*
	 * Under the zero scheme the PMD entry made its 512 pages one folio,
	 * mapped once; under the elevated scheme they stay order-0 pages
	 * behind a devmap PMD that holds nothing.
	 */
	assert_int_equal(zd_daxfs_bmap(file, PMD_SIZE, &dev_off), 0);
	folio = page_folio(pfn_to_page(zd_pmem_pfn(f.pmem, dev_off) + 7));
	if (elevated(env)) {
		assert_int_equal(folio_order(folio), 0);
		assert_int_equal(folio_ref_count(folio), 1);
	} else {
		assert_int_equal(folio_order(folio), PMD_ORDER);
		assert_int_equal(folio_ref_count(folio), 1);
		assert_int_equal(folio_entire_mapcount(folio), 1);
		assert_ptr_equal(folio->mapping, file->f_mapping);
		assert_int_equal(folio->index, PMD_SIZE >> PAGE_SHIFT);
	}
	assert_int_equal(audit_mapping(file), 0);
	assert_int_equal(zd_system_audit(env->sys, stderr), 0);
	/* The file keeps the store. */
	{
		unsigned char b;

		assert_int_equal(zd_pread(file, &b, 1, PMD_SIZE + PG(7)), 1);
		assert_int_equal(b, 0x11);
	}
	/* Truncate into the PMD extent: gone from the mapping, split back. */
	assert_int_equal(zd_ftruncate(file, PMD_SIZE + PG(1)), 0);
	assert_int_equal(audit_mapping(file), 0);
	assert_int_equal(read_byte(f.task, addr + PMD_SIZE), (unsigned char)(0x40 + 512));
	assert_int_equal(mapped_order(f.task, addr + PMD_SIZE), 0);
	assert_int_equal(folio_order(folio), 0);
	assert_int_equal(zd_system_audit(env->sys, stderr), 0);
	assert_int_equal(zd_munmap(f.task, addr, 2 * PMD_SIZE), 0);
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);
}

/* ------------------------------------------------------------------ */
/* Truncate, punch hole, pins                                          */
/* ------------------------------------------------------------------ */

static void fsdax_truncate_unmaps(void **state)
{
	struct zd_test_env *env = *state;
	struct fsdax f;
	struct zd_file *file;
	struct zd_daxfs_statfs before, after;
	struct zd_siginfo si;
	unsigned long addr;
	unsigned char v;

	fsdax_setup(env, &f);
	assert_int_equal(zd_daxfs_statfs(f.fs, &before), 0);
	file = create(&f, "trunc", 0);
	write_pattern(file, 0, PG(4), 0x50);
	addr = map_file(f.task, file, 0, PG(4), PROT_READ | PROT_WRITE, MAP_SHARED);
	assert_int_equal(read_byte(f.task, addr + PG(3)), 0x53);
	assert_int_equal(zd_ftruncate(file, PG(1)), 0);
	assert_true(pte_none(pte_at(f.task, addr + PG(3))));
	assert_int_equal(file->f_mapping->nrpages, 0);
	/* Past EOF: SIGBUS; before it, the data. */
	zd_task_clear_signals(f.task);
	assert_true(zd_read(f.task, addr + PG(3), &v, 1) < 0);
	assert_int_equal(zd_task_signals(f.task, &si), 1);
	assert_int_equal(si.signo, SIGBUS);
	assert_int_equal(read_byte(f.task, addr), 0x50);
	assert_int_equal(zd_ftruncate(file, 0), 0);
	assert_int_equal(zd_munmap(f.task, addr, PG(4)), 0);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_statfs(f.fs, &after), 0);
	assert_int_equal(after.blocks_free, before.blocks_free);
	fsdax_teardown(&f);
}

static void fsdax_punch_hole_mapped(void **state)
{
	struct zd_test_env *env = *state;
	struct fsdax f;
	struct zd_file *file;
	unsigned long addr;

	fsdax_setup(env, &f);
	file = create(&f, "punch", 0);
	write_pattern(file, 0, PG(4), 0x60);
	addr = map_file(f.task, file, 0, PG(4), PROT_READ | PROT_WRITE, MAP_SHARED);
	assert_int_equal(read_byte(f.task, addr + PG(1)), 0x61);
	assert_int_equal(read_byte(f.task, addr + PG(2)), 0x62);
	assert_int_equal(zd_fallocate(file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PG(1), PG(1)),
			 0);
	assert_true(pte_none(pte_at(f.task, addr + PG(1))));
	assert_int_equal(read_byte(f.task, addr + PG(1)), 0);
	assert_int_equal(read_byte(f.task, addr + PG(2)), 0x62);
	assert_int_equal(read_byte(f.task, addr), 0x60);
	assert_int_equal(audit_mapping(file), 0);
	assert_int_equal(zd_munmap(f.task, addr, PG(4)), 0);
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);
}

static void fsdax_longterm_refused(void **state)
{
	struct zd_test_env *env = *state;
	struct fsdax f;
	struct zd_file *file;
	struct mm_struct *mm;
	struct page *pages[2];
	unsigned long addr;

	fsdax_setup(env, &f);
	mm = zd_task_mm(f.task);
	file = create(&f, "pinned", 0);
	write_pattern(file, 0, PG(2), 0x70);
	addr = map_file(f.task, file, 0, PG(2), PROT_READ | PROT_WRITE, MAP_SHARED);
	assert_int_equal(read_byte(f.task, addr), 0x70);
	assert_int_equal(pin_user_pages(mm, addr, 2, FOLL_LONGTERM, pages), -EOPNOTSUPP);
	assert_int_equal(pin_user_pages_fast(mm, addr, 2, FOLL_LONGTERM | FOLL_WRITE, pages),
			 -EOPNOTSUPP);
	/* Short-term pins work, from either path. */
	assert_int_equal(pin_user_pages_fast(mm, addr, 2, FOLL_WRITE, pages), 2);
	assert_true(folio_is_fsdax(page_folio(pages[0])));
	unpin_user_pages(pages, 2);
	assert_int_equal(pin_user_pages(mm, addr, 2, 0, pages), 2);
	unpin_user_pages(pages, 2);
	assert_int_equal(zd_munmap(f.task, addr, PG(2)), 0);
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);
}

struct truncator {
	struct zd_file *file;
	loff_t size;
	atomic_t done;
	int ret;
};

static void *truncate_thread(void *arg)
{
	struct truncator *t = arg;

	t->ret = zd_ftruncate(t->file, t->size);
	atomic_set(&t->done, 1);
	flush_signals();
	return NULL;
}

static void fsdax_truncate_waits_for_pin(void **state)
{
	struct zd_test_env *env = *state;
	struct fsdax f;
	struct zd_file *file;
	struct truncator t = { 0 };
	struct zd_thread thread;
	struct page *page;
	unsigned long addr;

	fsdax_setup(env, &f);
	file = create(&f, "dma", 0);
	write_pattern(file, 0, PG(4), 0x80);
	addr = map_file(f.task, file, 0, PG(4), PROT_READ | PROT_WRITE, MAP_SHARED);
	assert_int_equal(pin_user_pages_fast(zd_task_mm(f.task), addr + PG(2), 1, FOLL_WRITE, &page),
			 1);
	t.file = file;
	t.size = 0;
	assert_int_equal(zd_thread_start(&thread, truncate_thread, &t), 0);
	usleep(30000);
	/* Unmapped already, but the pinned block is not freed: it waits. */
	assert_int_equal(atomic_read(&t.done), 0);
	assert_true(pte_none(pte_at(f.task, addr + PG(2))));
	assert_int_equal(page_ref_count(page), (elevated(env) ? 1 : 0) + GUP_PIN_COUNTING_BIAS);
	assert_ptr_equal(page->mapping, file->f_mapping);
	/* "DMA" into the page is still fine. */
	memset(page_address(page), 0xab, 16);
	unpin_user_page(page);
	zd_thread_join(&thread);
	assert_int_equal(t.ret, 0);
	assert_null(page->mapping);
	assert_int_equal(page_ref_count(page), elevated(env) ? 1 : 0);
	assert_int_equal(file->f_mapping->nrpages, 0);
	assert_int_equal(zd_munmap(f.task, addr, PG(4)), 0);
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);
}

static void fsdax_truncate_interrupted(void **state)
{
	struct zd_test_env *env = *state;
	struct fsdax f;
	struct zd_file *file;
	struct truncator t = { 0 };
	struct zd_thread thread;
	struct zd_stat st;
	struct page *page;
	unsigned long addr;
	unsigned char b;

	fsdax_setup(env, &f);
	file = create(&f, "intr", 0);
	write_pattern(file, 0, PG(4), 0x90);
	addr = map_file(f.task, file, 0, PG(4), PROT_READ | PROT_WRITE, MAP_SHARED);
	assert_int_equal(pin_user_pages(zd_task_mm(f.task), addr + PG(1), 1, 0, &page), 1);
	t.file = file;
	t.size = PG(1);
	assert_int_equal(zd_thread_start(&thread, truncate_thread, &t), 0);
	usleep(20000);
	assert_int_equal(atomic_read(&t.done), 0);
	zd_thread_signal(&thread);
	zd_thread_join(&thread);
	assert_true(t.ret == -ERESTARTSYS || t.ret == -EINTR);
	/* Nothing changed: size, data, the pinned block still the file's. */
	assert_int_equal(zd_fstat(file, &st), 0);
	assert_int_equal(st.size, PG(4));
	assert_int_equal(zd_pread(file, &b, 1, PG(3)), 1);
	assert_int_equal(b, 0x93);
	assert_ptr_equal(page->mapping, file->f_mapping);
	assert_int_equal(read_byte(f.task, addr + PG(3)), 0x93);
	unpin_user_page(page);
	/* Unpinned, the truncate goes through. */
	assert_int_equal(zd_ftruncate(file, PG(1)), 0);
	assert_int_equal(audit_mapping(file), 0);
	assert_int_equal(zd_munmap(f.task, addr, PG(4)), 0);
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);
}

static void fsdax_fsync_write_protects(void **state)
{
	struct zd_test_env *env = *state;
	struct fsdax f;
	struct zd_file *file;
	unsigned long addr;
	unsigned char v = 1;

	fsdax_setup(env, &f);
	file = create(&f, "sync", 0);
	write_pattern(file, 0, PG(2), 0xa0);
	addr = map_file(f.task, file, 0, PG(2), PROT_READ | PROT_WRITE, MAP_SHARED);
	assert_int_equal(zd_write(f.task, addr, &v, 1), 1);
	assert_true(pte_write(pte_at(f.task, addr)));
	assert_int_equal(zd_fsync(file), 0);
	/* Clean now: the next store must fault (and dirty it again). */
	assert_false(pte_present(pte_at(f.task, addr)) && pte_write(pte_at(f.task, addr)));
	v = 2;
	assert_int_equal(zd_write(f.task, addr, &v, 1), 1);
	assert_int_equal(read_byte(f.task, addr), 2);
	assert_int_equal(zd_fsync(file), 0);
	assert_int_equal(zd_munmap(f.task, addr, PG(2)), 0);
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);
}

/* ------------------------------------------------------------------ */
/* Truncate racing pins and gup-fast                                   */
/* ------------------------------------------------------------------ */

#define RACE_PAGES	16
#define RACE_ROUNDS	40

struct racer {
	struct zd_task *task;
	unsigned long addr;
	unsigned long seed;
	atomic_t *stop;
	long pins, errors;
};

static void *pin_racer(void *arg)
{
	struct racer *r = arg;
	struct mm_struct *mm = zd_task_mm(r->task);

	while (!atomic_read(r->stop)) {
		unsigned long i = zd_rand(&r->seed) % RACE_PAGES;
		struct page *page;
		long n;

		if (zd_rand(&r->seed) & 1)
			n = pin_user_pages_fast(mm, r->addr + PG(i), 1, FOLL_WRITE, &page);
		else
			n = pin_user_pages(mm, r->addr + PG(i), 1, 0, &page);
		if (n == 1) {
			/* A pinned page is the file's and stays so until unpinned. */
			if (!folio_is_fsdax(page_folio(page)))
				r->errors++;
			r->pins++;
			if (zd_rand(&r->seed) % 4 == 0)
				usleep(100);
			unpin_user_page(page);
		} else if (n != -EFAULT) {
			r->errors++;
		}
	}
	return NULL;
}

static void fsdax_truncate_race_pins(void **state)
{
	struct zd_test_env *env = *state;
	unsigned long seed = zd_test_seed();
	struct racer racers[3];
	struct zd_thread threads[3];
	atomic_t stop = { 0 };
	struct fsdax f;
	struct zd_file *file;
	unsigned long addr;
	int i, round;

	fsdax_setup(env, &f);
	file = create(&f, "race", 0);
	addr = map_file(f.task, file, 0, PG(RACE_PAGES), PROT_READ | PROT_WRITE, MAP_SHARED);
	for (i = 0; i < 3; i++) {
		racers[i] = (struct racer){ .task = f.task, .addr = addr, .seed = seed + i,
					    .stop = &stop };
		assert_int_equal(zd_thread_start(&threads[i], pin_racer, &racers[i]), 0);
	}
	for (round = 0; round < RACE_ROUNDS; round++) {
		unsigned long len = PG(1 + zd_rand(&seed) % RACE_PAGES);

		write_pattern(file, 0, len, (unsigned char)round);
		assert_int_equal(zd_ftruncate(file, (loff_t)(zd_rand(&seed) % len)), 0);
	}
	atomic_set(&stop, 1);
	for (i = 0; i < 3; i++) {
		zd_thread_join(&threads[i]);
		assert_int_equal(racers[i].errors, 0);
	}
	assert_int_equal(zd_ftruncate(file, 0), 0);
	assert_int_equal(audit_mapping(file), 0);
	assert_int_equal(file->f_mapping->nrpages, 0);
	assert_int_equal(zd_munmap(f.task, addr, PG(RACE_PAGES)), 0);
	assert_int_equal(zd_close(file), 0);
	fsdax_teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ZD_TEST_BOTH(fsdax_shared_map),
		ZD_TEST_BOTH(fsdax_hole_zero_page),
		ZD_TEST_BOTH(fsdax_private_cow),
		ZD_TEST_BOTH(fsdax_fork_shared),
		ZD_TEST_BOTH(fsdax_pmd_fault),
		ZD_TEST_BOTH(fsdax_truncate_unmaps),
		ZD_TEST_BOTH(fsdax_punch_hole_mapped),
		ZD_TEST_BOTH(fsdax_longterm_refused),
		ZD_TEST_BOTH(fsdax_truncate_waits_for_pin),
		ZD_TEST_BOTH(fsdax_truncate_interrupted),
		ZD_TEST_BOTH(fsdax_fsync_write_protects),
		ZD_TEST_BOTH(fsdax_truncate_race_pins),
	};

	return ZD_RUN("fsdax", tests);
}
