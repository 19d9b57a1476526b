// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pmem device, the dax_device core and daxfs: device access and its
 * errnos, poison and recovery writes, holders and kill_dax(), the file
 * system's calls and their errnos, 2 MiB extents, truncate and punch hole,
 * a full device, unlink of open files, persistence across unmount and
 * across "processes" (a new system on the same file-backed pmem), crash
 * recovery, damaged images, memory failure and device removal, and
 * concurrent file operations.
 */
#include <stdlib.h>
#include <unistd.h>
#include "zd_test.h"
#include <zonedev/dax.h>
#include <zonedev/srcu.h>
#include <zonedev/memory-failure.h>
#include "../fs/daxfs/daxfs.h"

#define PMEM_SIZE	(16UL << 20)		/* 14 MiB of data after the info block */
#define SZ_2M		(2UL << 20)
#define BLK		4096UL

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static struct zd_pmem *pmem_new(struct zd_system *sys, unsigned long size, const char *path)
{
	struct zd_pmem_config cfg = { .size = size, .path = path, .name = "pmem-test" };
	struct zd_pmem *pmem = zd_pmem_create(sys, &cfg);

	assert_false(IS_ERR(pmem));
	return pmem;
}

static struct zd_daxfs *fs_new(struct zd_pmem *pmem)
{
	struct zd_daxfs *fs;

	assert_int_equal(zd_daxfs_mkfs(pmem), 0);
	fs = zd_daxfs_mount(pmem, 0);
	assert_false(IS_ERR(fs));
	return fs;
}

static struct zd_file *open_ok(struct zd_daxfs *fs, const char *name, int flags)
{
	struct zd_file *file = zd_daxfs_open(fs, name, flags);

	assert_false(IS_ERR(file));
	return file;
}

/* The bytes a file written with @seed has at [@base, @base + @len). */
static void fill_pattern(unsigned char *buf, size_t len, unsigned int seed, loff_t base)
{
	size_t i;

	for (i = 0; i < len; i++) {
		u64 pos = (u64)base + i;

		buf[i] = (unsigned char)(seed * 131 + pos * 7 + (pos >> 12));
	}
}

static void write_pattern(struct zd_file *file, loff_t off, size_t len, unsigned int seed)
{
	unsigned char *buf = malloc(len);

	assert_non_null(buf);
	fill_pattern(buf, len, seed, off);
	assert_int_equal(zd_pwrite(file, buf, len, off), (ssize_t)len);
	free(buf);
}

static void check_pattern(struct zd_file *file, loff_t off, size_t len, unsigned int seed)
{
	unsigned char *buf = malloc(len), *want = malloc(len);

	assert_non_null(buf);
	assert_non_null(want);
	fill_pattern(want, len, seed, off);
	assert_int_equal(zd_pread(file, buf, len, off), (ssize_t)len);
	assert_memory_equal(buf, want, len);
	free(buf);
	free(want);
}

static void check_zero(struct zd_file *file, loff_t off, size_t len)
{
	unsigned char *buf = malloc(len), *zero = calloc(1, len);

	assert_non_null(buf);
	assert_non_null(zero);
	memset(buf, 0xa5, len);
	assert_int_equal(zd_pread(file, buf, len, off), (ssize_t)len);
	assert_memory_equal(buf, zero, len);
	free(buf);
	free(zero);
}

static unsigned long free_blocks(struct zd_daxfs *fs)
{
	struct zd_daxfs_statfs st;

	assert_int_equal(zd_daxfs_statfs(fs, &st), 0);
	return st.blocks_free;
}

static unsigned long file_blocks(struct zd_file *file)
{
	struct zd_stat st;

	assert_int_equal(zd_fstat(file, &st), 0);
	return st.blocks;
}

static loff_t file_size(struct zd_file *file)
{
	struct zd_stat st;

	assert_int_equal(zd_fstat(file, &st), 0);
	return st.size;
}

/* Bytes of the (unmounted) media, through the dax_device. */
static unsigned char *media(struct zd_pmem *pmem, u64 offset)
{
	void *kaddr;

	assert_true(dax_direct_access(zd_pmem_dax(pmem), offset >> PAGE_SHIFT, 1, DAX_ACCESS,
				      &kaddr, NULL) >= 1);
	return (unsigned char *)kaddr + (offset & (PAGE_SIZE - 1));
}

/* A file-backed pmem image in /tmp, removed by the caller. */
static void image_path(char *path, size_t len)
{
	int fd;

	snprintf(path, len, "/tmp/zd-daxfs-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}

static struct zd_system *new_system(enum zd_refcount_scheme scheme)
{
	struct zd_config cfg = { .scheme = scheme, .ram_size = 32UL << 20, .name = "proc",
				 .flags = ZD_BUG_CONTINUE };
	struct zd_system *sys = zd_system_create(&cfg);

	assert_false(IS_ERR(sys));
	return sys;
}

static void end_system(struct zd_system *sys)
{
	assert_int_equal(zd_system_audit(sys, NULL), 0);
	assert_int_equal(zd_system_destroy(sys), 0);
}

/* ------------------------------------------------------------------ */
/* The pmem device and the dax_device                                  */
/* ------------------------------------------------------------------ */

static void pmem_bad_config(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem_config cfg = { .size = PMEM_SIZE };
	struct zd_pmem *pmem;

	assert_ptr_equal(zd_pmem_create(NULL, &cfg), ERR_PTR(-EINVAL));
	assert_ptr_equal(zd_pmem_create(env->sys, NULL), ERR_PTR(-EINVAL));
	cfg.size = 0;
	assert_ptr_equal(zd_pmem_create(env->sys, &cfg), ERR_PTR(-EINVAL));
	cfg.size = PMEM_SIZE + BLK;
	assert_ptr_equal(zd_pmem_create(env->sys, &cfg), ERR_PTR(-EINVAL));
	cfg.size = SZ_2M;	/* nothing but the info block */
	assert_ptr_equal(zd_pmem_create(env->sys, &cfg), ERR_PTR(-EINVAL));
	cfg.size = PMEM_SIZE;
	cfg.path = "";
	assert_ptr_equal(zd_pmem_create(env->sys, &cfg), ERR_PTR(-EINVAL));
	cfg.path = "/tmp";	/* not a regular file */
	assert_ptr_equal(zd_pmem_create(env->sys, &cfg), ERR_PTR(-EINVAL));
	cfg.path = "/nonexistent-zonedev-dir/pmem";
	assert_ptr_equal(zd_pmem_create(env->sys, &cfg), ERR_PTR(-ENOENT));
	assert_int_equal(zd_pmem_destroy(NULL), -EINVAL);
	assert_null(zd_pmem_dax(NULL));
	assert_int_equal(zd_pmem_size(NULL), 0);

	pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	assert_int_equal(zd_pmem_size(pmem), PMEM_SIZE - SZ_2M);
	assert_true(dax_alive(zd_pmem_dax(pmem)));
	assert_int_equal(zd_pmem_pfn(pmem, PMEM_SIZE), 0);
	assert_int_equal(zd_pmem_inject_error(pmem, PMEM_SIZE - SZ_2M, 1), -EINVAL);
	assert_int_equal(zd_pmem_inject_error(pmem, 0, 0), -EINVAL);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

static void pmem_direct_access(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct dax_device *dax = zd_pmem_dax(pmem);
	unsigned long pages = zd_pmem_size(pmem) >> PAGE_SHIFT, pfn;
	struct page *page;
	void *kaddr;
	int id = dax_read_lock();

	assert_int_equal(dax_direct_access(NULL, 0, 1, DAX_ACCESS, &kaddr, &pfn), -EOPNOTSUPP);
	assert_int_equal(dax_direct_access(dax, 0, -1, DAX_ACCESS, &kaddr, &pfn), -EINVAL);
	assert_int_equal(dax_direct_access(dax, 0, 1, 7, &kaddr, &pfn), -EINVAL);
	assert_int_equal(dax_direct_access(dax, pages, 1, DAX_ACCESS, &kaddr, &pfn), -ERANGE);
	assert_int_equal(dax_direct_access(dax, 0, 8, DAX_ACCESS, &kaddr, &pfn), 8);
	assert_int_equal(dax_direct_access(dax, pages - 2, 8, DAX_ACCESS, &kaddr, &pfn), 2);
	assert_int_equal(dax_direct_access(dax, 5, 1, DAX_ACCESS, &kaddr, &pfn), 1);

	/* The address is the pfn's direct map: the media byte itself. */
	assert_int_equal(pfn, zd_pmem_pfn(pmem, 5 * PAGE_SIZE));
	page = pfn_to_page(pfn);
	assert_true(folio_is_fsdax(page_folio(page)));
	assert_ptr_equal(kaddr, page_address(page));
	memcpy(kaddr, "pmem", 5);
	assert_string_equal((char *)page_address(page), "pmem");
	assert_int_equal(page_ref_count(page), env->scheme == ZD_REFCOUNT_ELEVATED ? 1 : 0);
	dax_read_unlock(id);

	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

static void pmem_poison(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct dax_device *dax = zd_pmem_dax(pmem);
	unsigned char page_buf[PAGE_SIZE];
	unsigned long pfn;
	void *kaddr;
	int id;

	assert_int_equal(zd_pmem_inject_error(pmem, 10 * PAGE_SIZE + 100, 1), 0);
	assert_true(zd_pmem_is_bad(pmem, 10 * PAGE_SIZE, PAGE_SIZE));
	assert_false(zd_pmem_is_bad(pmem, 9 * PAGE_SIZE, PAGE_SIZE));
	assert_int_equal(zd_pmem_nr_badblocks(pmem), 1);

	id = dax_read_lock();
	assert_int_equal(dax_direct_access(dax, 8, 4, DAX_ACCESS, &kaddr, &pfn), -EHWPOISON);
	assert_int_equal(dax_direct_access(dax, 8, 2, DAX_ACCESS, &kaddr, &pfn), 2);
	/* Recovery: the good pages before the bad one, then the bad one alone. */
	assert_int_equal(dax_direct_access(dax, 8, 4, DAX_RECOVERY_WRITE, &kaddr, &pfn), 2);
	assert_int_equal(dax_direct_access(dax, 10, 4, DAX_RECOVERY_WRITE, &kaddr, &pfn), 1);
	/* A partial page cannot clear poison; a whole one can. */
	memset(page_buf, 0x5a, sizeof(page_buf));
	assert_int_equal(dax_recovery_write(dax, 10, (char *)kaddr + 8, page_buf, 64), 0);
	assert_true(zd_pmem_is_bad(pmem, 10 * PAGE_SIZE, 1));
	assert_int_equal(dax_recovery_write(dax, 10, kaddr, page_buf, PAGE_SIZE), PAGE_SIZE);
	assert_false(zd_pmem_is_bad(pmem, 10 * PAGE_SIZE, 1));
	assert_int_equal(dax_direct_access(dax, 10, 1, DAX_ACCESS, &kaddr, &pfn), 1);
	assert_int_equal(((unsigned char *)kaddr)[17], 0x5a);

	/* Zeroing a page clears poison too; more than one page is refused. */
	assert_int_equal(zd_pmem_inject_error(pmem, 20 * PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(dax_zero_page_range(dax, 20, 2), -EIO);
	assert_int_equal(dax_zero_page_range(dax, 20, 1), 0);
	assert_int_equal(zd_pmem_nr_badblocks(pmem), 0);
	assert_int_equal(dax_direct_access(dax, 20, 1, DAX_ACCESS, &kaddr, &pfn), 1);
	dax_read_unlock(id);

	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

struct holder_log {
	int calls;
	u64 offset, len;
	int flags;
	int ret;
};

static int log_notify(struct dax_device *dax_dev, u64 offset, u64 len, int mf_flags)
{
	struct holder_log *log = dax_holder(dax_dev);

	log->calls++;
	log->offset = offset;
	log->len = len;
	log->flags = mf_flags;
	/* Still alive while the holder hears of the removal. */
	assert_true(dax_alive(dax_dev));
	return log->ret;
}

static const struct dax_holder_operations log_holder_ops = {
	.notify_failure = log_notify,
};

static void dax_holder_and_kill(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct dax_device *dax = zd_pmem_dax(pmem);
	struct holder_log a = { .ret = 0 }, b = { 0 };
	void *kaddr;
	int id;

	assert_int_equal(fs_dax_get(NULL, &a, &log_holder_ops), -EINVAL);
	assert_int_equal(dax_holder_notify_failure(dax, 0, PAGE_SIZE, 0), -EOPNOTSUPP);
	assert_int_equal(fs_dax_get(dax, &a, &log_holder_ops), 0);
	assert_int_equal(fs_dax_get(dax, &b, &log_holder_ops), -EBUSY);
	assert_ptr_equal(dax_holder(dax), &a);
	/* Mount-like exclusivity: mkfs and mount see the device taken. */
	assert_int_equal(zd_daxfs_mkfs(pmem), -EBUSY);

	a.ret = -EUCLEAN;
	assert_int_equal(dax_holder_notify_failure(dax, 3 * PAGE_SIZE, PAGE_SIZE, MF_ACTION_REQUIRED),
			 -EUCLEAN);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.offset, 3 * PAGE_SIZE);
	assert_int_equal(a.len, PAGE_SIZE);
	assert_int_equal(a.flags, MF_ACTION_REQUIRED);
	a.ret = 0;

	assert_int_equal(fs_dax_get(dax, NULL, NULL), 0);	/* a reference, no holder */
	assert_ptr_equal(dax_holder(dax), &a);

	/* Removal: PRE_REMOVE over the whole device first, then dead. */
	kill_dax(dax);
	assert_int_equal(a.calls, 2);
	assert_int_equal(a.offset, 0);
	assert_true(a.len == U64_MAX);
	assert_int_equal(a.flags, MF_MEM_PRE_REMOVE);
	assert_false(dax_alive(dax));
	assert_null(dax_holder(dax));
	assert_int_equal(dax_holder_notify_failure(dax, 0, PAGE_SIZE, 0), -ENXIO);
	assert_int_equal(fs_dax_get(dax, &b, &log_holder_ops), -ENXIO);
	id = dax_read_lock();
	assert_int_equal(dax_direct_access(dax, 0, 1, DAX_ACCESS, &kaddr, NULL), -ENXIO);
	assert_int_equal(dax_zero_page_range(dax, 0, 1), -ENXIO);
	dax_read_unlock(id);
	kill_dax(dax);		/* idempotent, and nobody to tell */
	assert_int_equal(a.calls, 2);

	fs_put_dax(dax, &a);
	fs_put_dax(dax, NULL);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

struct reader_arg {
	struct completion entered;
	volatile int left;
};

static void *dax_reader(void *p)
{
	struct reader_arg *r = p;
	int id = dax_read_lock();

	complete(&r->entered);
	usleep(50 * 1000);
	r->left = 1;
	dax_read_unlock(id);
	return NULL;
}

/* kill_dax() returns only after every dax_read_lock() section ended. */
static void dax_kill_waits_for_readers(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct reader_arg r = { .left = 0 };
	struct zd_thread t;

	init_completion(&r.entered);
	assert_int_equal(zd_thread_start(&t, dax_reader, &r), 0);
	wait_for_completion(&r.entered);
	kill_dax(zd_pmem_dax(pmem));
	assert_int_equal(r.left, 1);
	zd_thread_join(&t);
	destroy_completion(&r.entered);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

/* The pgmap's memory_failure op: badblocks, then the holder hears the dax offset. */
static void pmem_memory_failure_op(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct dax_device *dax = zd_pmem_dax(pmem);
	unsigned long pfn = zd_pmem_pfn(pmem, 7 * PAGE_SIZE);
	struct holder_log log = { 0 };
	struct dev_pagemap *pgmap;

	pgmap = get_dev_pagemap(pfn);
	assert_non_null(pgmap);
	assert_int_equal(pgmap->type, MEMORY_DEVICE_FS_DAX);
	/* No holder: the generic path is to run. */
	assert_int_equal(pgmap->ops->memory_failure(pgmap, pfn, 1, MF_ACTION_REQUIRED), -EOPNOTSUPP);
	assert_true(zd_pmem_is_bad(pmem, 7 * PAGE_SIZE, PAGE_SIZE));

	assert_int_equal(fs_dax_get(dax, &log, &log_holder_ops), 0);
	assert_int_equal(pgmap->ops->memory_failure(pgmap, pfn + 1, 2, MF_ACTION_REQUIRED), 0);
	assert_int_equal(log.calls, 1);
	assert_int_equal(log.offset, 8 * PAGE_SIZE);
	assert_int_equal(log.len, 2 * PAGE_SIZE);
	assert_int_equal(zd_pmem_nr_badblocks(pmem), 3);
	/* The namespace's info block is not data. */
	assert_int_equal(pgmap->ops->memory_failure(pgmap, zd_pmem_pfn(pmem, 0) - 1, 1, 0), -ENXIO);
	assert_int_equal(log.calls, 1);
	put_dev_pagemap(pgmap);
	fs_put_dax(dax, &log);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

static void srcu_sync_without_readers(void **state)
{
	struct srcu_struct ss;
	int i, id;

	init_srcu_struct(&ss);
	for (i = 0; i < 3; i++) {
		id = srcu_read_lock(&ss);
		srcu_read_unlock(&ss, id);
		synchronize_srcu(&ss);
	}
	id = srcu_read_lock(&ss);
	assert_int_equal(srcu_read_lock(&ss), id);	/* nests */
	srcu_read_unlock(&ss, id);
	srcu_read_unlock(&ss, id);
	synchronize_srcu(&ss);
	cleanup_srcu_struct(&ss);
}

/* ------------------------------------------------------------------ */
/* mkfs, mount, names                                                  */
/* ------------------------------------------------------------------ */

static void daxfs_mkfs_mount(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs_statfs st;
	struct zd_daxfs *fs;

	assert_int_equal(zd_daxfs_mkfs(NULL), -EINVAL);
	assert_ptr_equal(zd_daxfs_mount(NULL, 0), ERR_PTR(-EINVAL));
	/* Fresh media is no daxfs. */
	assert_ptr_equal(zd_daxfs_mount(pmem, 0), ERR_PTR(-EINVAL));

	fs = fs_new(pmem);
	assert_ptr_equal(zd_daxfs_mount(pmem, 0), ERR_PTR(-EBUSY));
	assert_ptr_equal(zd_daxfs_mount(pmem, 0x100), ERR_PTR(-EINVAL));
	assert_int_equal(zd_daxfs_mkfs(pmem), -EBUSY);
	assert_int_equal(zd_daxfs_statfs(fs, NULL), -EINVAL);
	assert_int_equal(zd_daxfs_statfs(NULL, &st), -EINVAL);
	assert_int_equal(zd_daxfs_statfs(fs, &st), 0);
	assert_int_equal(st.block_size, BLK);
	assert_true(st.blocks > 3000 && st.blocks < (PMEM_SIZE - SZ_2M) / BLK);
	assert_int_equal(st.blocks_free, st.blocks);
	assert_int_equal(st.files_free, st.files);
	assert_true(st.files >= 32);
	assert_false(zd_daxfs_is_shutdown(fs, NULL));
	assert_ptr_equal(dax_holder(zd_pmem_dax(pmem)), fs);

	assert_int_equal(zd_daxfs_unmount(NULL), -EINVAL);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_null(dax_holder(zd_pmem_dax(pmem)));
	fs = zd_daxfs_mount(pmem, ZD_DAXFS_NO_HOLDER);
	assert_false(IS_ERR(fs));
	/* Holder-less (ext4-like): the device is taken, nobody hears failures. */
	assert_int_equal(zd_daxfs_mkfs(pmem), -EBUSY);
	assert_int_equal(dax_holder_notify_failure(zd_pmem_dax(pmem), 0, BLK, 0), -EOPNOTSUPP);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

static void daxfs_open_errors(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	char name[DAXFS_NAME_LEN + 2];
	struct zd_daxfs_statfs st;
	struct zd_file *file, *again;
	unsigned long i;

	assert_ptr_equal(zd_daxfs_open(NULL, "a", O_RDWR), ERR_PTR(-EINVAL));
	assert_ptr_equal(zd_daxfs_open(fs, "a", O_RDWR), ERR_PTR(-ENOENT));
	assert_ptr_equal(zd_daxfs_open(fs, NULL, O_RDWR | O_CREAT), ERR_PTR(-EFAULT));
	assert_ptr_equal(zd_daxfs_open(fs, "", O_RDWR | O_CREAT), ERR_PTR(-ENOENT));
	assert_ptr_equal(zd_daxfs_open(fs, ".", O_RDWR | O_CREAT), ERR_PTR(-EISDIR));
	assert_ptr_equal(zd_daxfs_open(fs, "..", O_RDONLY), ERR_PTR(-EISDIR));
	assert_ptr_equal(zd_daxfs_open(fs, "d/a", O_RDWR | O_CREAT), ERR_PTR(-ENOENT));
	assert_ptr_equal(zd_daxfs_open(fs, "a", O_RDWR | O_CREAT | O_APPEND), ERR_PTR(-EINVAL));
	assert_ptr_equal(zd_daxfs_open(fs, "a", O_ACCMODE), ERR_PTR(-EINVAL));

	memset(name, 'n', sizeof(name));
	name[DAXFS_NAME_LEN + 1] = '\0';
	assert_ptr_equal(zd_daxfs_open(fs, name, O_RDWR | O_CREAT), ERR_PTR(-ENAMETOOLONG));
	assert_int_equal(zd_daxfs_unlink(fs, name), -ENAMETOOLONG);
	name[DAXFS_NAME_LEN] = '\0';
	file = open_ok(fs, name, O_RDWR | O_CREAT | O_EXCL);
	assert_ptr_equal(zd_daxfs_open(fs, name, O_RDWR | O_CREAT | O_EXCL), ERR_PTR(-EEXIST));
	again = open_ok(fs, name, O_RDWR | O_CREAT);
	assert_ptr_equal(file_inode(again), file_inode(file));
	assert_int_equal(zd_close(again), 0);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_close(NULL), -EBADF);
	assert_int_equal(zd_daxfs_unlink(fs, "missing"), -ENOENT);
	assert_int_equal(zd_daxfs_unlink(NULL, "missing"), -EINVAL);
	assert_int_equal(zd_daxfs_unlink(fs, name), 0);
	assert_ptr_equal(zd_daxfs_open(fs, name, O_RDWR), ERR_PTR(-ENOENT));

	/* Every inode taken: -ENOSPC, and the file system goes on. */
	assert_int_equal(zd_daxfs_statfs(fs, &st), 0);
	for (i = 0; i < st.files; i++) {
		snprintf(name, sizeof(name), "f%lu", i);
		assert_int_equal(zd_close(open_ok(fs, name, O_RDWR | O_CREAT | O_EXCL)), 0);
	}
	assert_ptr_equal(zd_daxfs_open(fs, "one-more", O_RDWR | O_CREAT), ERR_PTR(-ENOSPC));
	assert_int_equal(zd_daxfs_unlink(fs, "f3"), 0);
	assert_int_equal(zd_close(open_ok(fs, "one-more", O_RDWR | O_CREAT | O_EXCL)), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	fs = zd_daxfs_mount(pmem, 0);
	assert_false(IS_ERR(fs));
	assert_int_equal(zd_close(open_ok(fs, "one-more", O_RDONLY)), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

/* ------------------------------------------------------------------ */
/* Read, write, extents                                                */
/* ------------------------------------------------------------------ */

static void daxfs_read_write(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	struct zd_file *file = open_ok(fs, "rw", O_RDWR | O_CREAT), *ro, *wo;
	unsigned char buf[100];

	write_pattern(file, 0, 10000, 1);
	assert_int_equal(file_size(file), 10000);
	assert_int_equal(file_blocks(file), 3);
	check_pattern(file, 0, 10000, 1);
	/* A hole between data reads as zeros; the file grows. */
	write_pattern(file, 5 * BLK + 10, 3 * BLK, 2);
	assert_int_equal(file_size(file), 8 * BLK + 10);
	check_zero(file, 10000, 5 * BLK + 10 - 10000);
	check_pattern(file, 5 * BLK + 10, 3 * BLK, 2);
	/* Reads stop at the end. */
	assert_int_equal(zd_pread(file, buf, sizeof(buf), 8 * BLK), 10);
	assert_int_equal(zd_pread(file, buf, sizeof(buf), 8 * BLK + 10), 0);
	assert_int_equal(zd_pread(file, buf, sizeof(buf), 1L << 40), 0);
	assert_int_equal(zd_pread(file, buf, 0, 0), 0);

	assert_int_equal(zd_pread(file, NULL, 10, 0), -EFAULT);
	assert_int_equal(zd_pwrite(file, NULL, 10, 0), -EFAULT);
	assert_int_equal(zd_pread(file, buf, 10, -1), -EINVAL);
	assert_int_equal(zd_pwrite(file, buf, 10, -1), -EINVAL);
	assert_int_equal(zd_pwrite(file, buf, 10, DAXFS_MAX_FILE_SIZE), -EFBIG);
	assert_int_equal(zd_pread(NULL, buf, 10, 0), -EBADF);
	assert_int_equal(zd_pwrite(NULL, buf, 10, 0), -EBADF);
	/* Writing up to the largest size is cut short there. */
	assert_int_equal(zd_pwrite(file, buf, 10, DAXFS_MAX_FILE_SIZE - 4), 4);
	assert_int_equal(file_size(file), DAXFS_MAX_FILE_SIZE);
	assert_int_equal(zd_ftruncate(file, 8 * BLK + 10), 0);

	ro = open_ok(fs, "rw", O_RDONLY);
	wo = open_ok(fs, "rw", O_WRONLY);
	assert_int_equal(zd_pwrite(ro, buf, 10, 0), -EBADF);
	assert_int_equal(zd_pread(wo, buf, 10, 0), -EBADF);
	assert_int_equal(zd_ftruncate(ro, 0), -EINVAL);
	assert_int_equal(zd_fallocate(ro, 0, 0, BLK), -EBADF);
	check_pattern(ro, 0, 10000, 1);
	assert_int_equal(zd_fsync(ro), 0);
	assert_int_equal(zd_fsync(NULL), -EBADF);
	assert_int_equal(zd_fstat(ro, NULL), -EFAULT);
	assert_int_equal(zd_close(ro), 0);
	assert_int_equal(zd_close(wo), 0);

	/* O_TRUNC empties the file and gives its blocks back. */
	assert_int_equal(zd_close(file), 0);
	file = open_ok(fs, "rw", O_RDWR | O_TRUNC);
	assert_int_equal(file_size(file), 0);
	assert_int_equal(file_blocks(file), 0);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

/* 2 MiB-aligned writes get 2 MiB-aligned contiguous extents (PMD-mappable). */
static void daxfs_extents(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	struct zd_file *file = open_ok(fs, "big", O_RDWR | O_CREAT);
	unsigned long before = free_blocks(fs);
	u64 dev, dev2;

	write_pattern(file, SZ_2M, SZ_2M, 3);
	assert_int_equal(file_blocks(file), 512);
	/* The extent needed no index block, only the map block. */
	assert_int_equal(before - free_blocks(fs), 512 + 1);
	assert_int_equal(zd_daxfs_bmap(file, SZ_2M, &dev), 0);
	assert_int_equal(dev % SZ_2M, 0);
	assert_int_equal(zd_pmem_pfn(pmem, dev) % 512, 0);
	assert_int_equal(zd_daxfs_bmap(file, 2 * SZ_2M - 1, &dev2), 0);
	assert_int_equal(dev2, dev + SZ_2M - 1);
	assert_int_equal(zd_daxfs_bmap(file, 0, &dev), -ENXIO);
	assert_int_equal(zd_daxfs_bmap(file, -1, &dev), -EINVAL);
	assert_int_equal(zd_daxfs_bmap(NULL, 0, &dev), -EBADF);

	/* Small writes take 4 KiB blocks (and an index block). */
	write_pattern(file, 0, 100, 4);
	assert_int_equal(file_blocks(file), 513);
	check_pattern(file, SZ_2M, SZ_2M, 3);
	check_pattern(file, 0, 100, 4);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	fs = zd_daxfs_mount(pmem, 0);
	assert_false(IS_ERR(fs));
	file = open_ok(fs, "big", O_RDONLY);
	check_pattern(file, SZ_2M, SZ_2M, 3);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

/* ------------------------------------------------------------------ */
/* Truncate, punch hole, fallocate                                     */
/* ------------------------------------------------------------------ */

static void daxfs_truncate(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	unsigned long empty = free_blocks(fs);
	struct zd_file *file = open_ok(fs, "t", O_RDWR | O_CREAT);

	assert_int_equal(zd_ftruncate(NULL, 0), -EBADF);
	assert_int_equal(zd_ftruncate(file, -1), -EINVAL);
	assert_int_equal(zd_ftruncate(file, DAXFS_MAX_FILE_SIZE + 1), -EFBIG);

	write_pattern(file, 0, 2 * SZ_2M, 5);		/* two extents */
	assert_int_equal(file_blocks(file), 1024);
	/* Into the second extent: it is split, its tail freed. */
	assert_int_equal(zd_ftruncate(file, SZ_2M + 3 * BLK + 100), 0);
	assert_int_equal(file_size(file), SZ_2M + 3 * BLK + 100);
	assert_int_equal(file_blocks(file), 512 + 4);
	check_pattern(file, 0, SZ_2M + 3 * BLK + 100, 5);
	/* Growing again shows zeros, also in the old last block's tail. */
	assert_int_equal(zd_ftruncate(file, 3 * SZ_2M), 0);
	assert_int_equal(file_size(file), 3 * SZ_2M);
	assert_int_equal(file_blocks(file), 512 + 4);
	check_zero(file, SZ_2M + 3 * BLK + 100, 3 * SZ_2M - (SZ_2M + 3 * BLK + 100));
	assert_int_equal(zd_ftruncate(file, 0), 0);
	assert_int_equal(file_blocks(file), 0);
	/* Every block is back, map and index blocks included. */
	assert_int_equal(free_blocks(fs), empty);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_false(IS_ERR(fs = zd_daxfs_mount(pmem, 0)));
	assert_int_equal(free_blocks(fs), empty);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

static void daxfs_punch_hole(void **state)
{
	struct zd_test_env *env = *state;
	const int punch = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	struct zd_file *file = open_ok(fs, "p", O_RDWR | O_CREAT);
	unsigned char *buf = malloc(SZ_2M), *want = malloc(SZ_2M);

	assert_int_equal(zd_fallocate(NULL, punch, 0, BLK), -EBADF);
	assert_int_equal(zd_fallocate(file, punch, -1, BLK), -EINVAL);
	assert_int_equal(zd_fallocate(file, punch, 0, 0), -EINVAL);
	assert_int_equal(zd_fallocate(file, FALLOC_FL_PUNCH_HOLE, 0, BLK), -EOPNOTSUPP);
	assert_int_equal(zd_fallocate(file, 0x10, 0, BLK), -EOPNOTSUPP);
	assert_int_equal(zd_fallocate(file, punch, DAXFS_MAX_FILE_SIZE, 1), -EFBIG);
	assert_int_equal(zd_fallocate(file, punch, LLONG_MAX, 2), -EFBIG);

	write_pattern(file, 0, SZ_2M, 6);		/* one extent */
	fill_pattern(want, SZ_2M, 6, 0);
	/* Unaligned: the partial blocks at both ends zeroed, two whole blocks freed. */
	assert_int_equal(zd_fallocate(file, punch, BLK + 100, 4 * BLK - 200), 0);
	assert_int_equal(file_size(file), SZ_2M);
	assert_int_equal(file_blocks(file), 510);
	memset(want + BLK + 100, 0, 4 * BLK - 200);
	assert_int_equal(zd_pread(file, buf, SZ_2M, 0), SZ_2M);
	assert_memory_equal(buf, want, SZ_2M);
	/* Within one block: zeroed, nothing freed. */
	assert_int_equal(zd_fallocate(file, punch, 10 * BLK + 1, 10), 0);
	assert_int_equal(file_blocks(file), 510);
	memset(want + 10 * BLK + 1, 0, 10);
	/* Past the end: nothing. */
	assert_int_equal(zd_fallocate(file, punch, SZ_2M, SZ_2M), 0);
	assert_int_equal(zd_fallocate(file, punch, SZ_2M - BLK, 10 * SZ_2M), 0);
	assert_int_equal(file_blocks(file), 509);
	memset(want + SZ_2M - BLK, 0, BLK);
	assert_int_equal(zd_pread(file, buf, SZ_2M, 0), SZ_2M);
	assert_memory_equal(buf, want, SZ_2M);
	assert_int_equal(file_size(file), SZ_2M);

	/* Persisted as punched. */
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_false(IS_ERR(fs = zd_daxfs_mount(pmem, 0)));
	file = open_ok(fs, "p", O_RDWR);
	assert_int_equal(zd_pread(file, buf, SZ_2M, 0), SZ_2M);
	assert_memory_equal(buf, want, SZ_2M);
	/* The whole file: every block freed. */
	assert_int_equal(zd_fallocate(file, punch, 0, SZ_2M), 0);
	assert_int_equal(file_blocks(file), 0);
	check_zero(file, 0, SZ_2M);
	free(buf);
	free(want);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

static void daxfs_fallocate(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	struct zd_file *file = open_ok(fs, "f", O_RDWR | O_CREAT);
	unsigned long before;

	assert_int_equal(zd_fallocate(file, FALLOC_FL_KEEP_SIZE, 0, SZ_2M), 0);
	assert_int_equal(file_size(file), 0);
	assert_int_equal(file_blocks(file), 512);
	assert_int_equal(zd_fallocate(file, 0, SZ_2M, 10 * BLK), 0);
	assert_int_equal(file_size(file), SZ_2M + 10 * BLK);
	assert_int_equal(file_blocks(file), 522);
	check_zero(file, 0, SZ_2M + 10 * BLK);
	/* Already allocated: nothing more. */
	assert_int_equal(zd_fallocate(file, 0, 0, SZ_2M), 0);
	assert_int_equal(file_blocks(file), 522);
	/* Too much: -ENOSPC, and nothing allocated. */
	before = free_blocks(fs);
	assert_int_equal(zd_fallocate(file, 0, 4 * SZ_2M, PMEM_SIZE), -ENOSPC);
	assert_int_equal(free_blocks(fs), before);
	assert_int_equal(file_size(file), SZ_2M + 10 * BLK);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_false(IS_ERR(fs = zd_daxfs_mount(pmem, 0)));
	assert_int_equal(free_blocks(fs), before);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

/* A full device: -ENOSPC, nothing leaked, the file system still works. */
static void daxfs_enospc(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	unsigned long empty = free_blocks(fs);
	struct zd_file *a = open_ok(fs, "a", O_RDWR | O_CREAT);
	struct zd_file *b = open_ok(fs, "b", O_RDWR | O_CREAT);
	unsigned char *buf = calloc(1, SZ_2M);
	loff_t off = 0;
	ssize_t n;

	/* Large writes to a until the device is full, then single blocks to b. */
	write_pattern(b, 0, BLK, 7);
	while ((n = zd_pwrite(a, buf, SZ_2M, off)) == (ssize_t)SZ_2M)
		off += n;
	if (n < 0)
		assert_int_equal(n, -ENOSPC);
	else
		off += n;
	assert_int_equal(zd_pwrite(a, buf, SZ_2M, off), -ENOSPC);
	assert_int_equal(file_size(a), off);
	assert_true(free_blocks(fs) <= 2);
	for (n = 1; zd_pwrite(b, buf, BLK, n * (ssize_t)BLK) == (ssize_t)BLK; n++)
		;
	assert_int_equal(free_blocks(fs), 0);
	assert_int_equal(zd_pwrite(b, buf, BLK, 200 * BLK), -ENOSPC);
	assert_int_equal(zd_fallocate(b, 0, SZ_2M, BLK), -ENOSPC);
	assert_int_equal(zd_fallocate(b, FALLOC_FL_KEEP_SIZE, 0, SZ_2M), -ENOSPC);
	assert_int_equal(zd_pwrite(a, buf, 1, off), -ENOSPC);
	check_pattern(b, 0, BLK, 7);
	/* Punching a piece of an extent needs an index block: none free, zeroed instead. */
	memset(buf, 0xee, BLK);
	assert_int_equal(zd_pwrite(a, buf, BLK, 5 * BLK), BLK);
	assert_int_equal(zd_fallocate(a, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 5 * BLK, BLK), 0);
	check_zero(a, 5 * BLK, BLK);

	assert_int_equal(zd_close(a), 0);
	assert_int_equal(zd_daxfs_unlink(fs, "a"), 0);
	assert_true(free_blocks(fs) > 512);
	write_pattern(b, SZ_2M, SZ_2M, 8);
	check_pattern(b, SZ_2M, SZ_2M, 8);
	assert_int_equal(zd_close(b), 0);
	assert_int_equal(zd_daxfs_unlink(fs, "b"), 0);
	assert_int_equal(free_blocks(fs), empty);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_false(IS_ERR(fs = zd_daxfs_mount(pmem, 0)));
	assert_int_equal(free_blocks(fs), empty);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	free(buf);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

/* ------------------------------------------------------------------ */
/* Unlink, unmount while busy                                          */
/* ------------------------------------------------------------------ */

static void daxfs_unlink_open(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	unsigned long empty = free_blocks(fs);
	struct zd_file *file = open_ok(fs, "u", O_RDWR | O_CREAT), *other;

	write_pattern(file, 0, 3 * BLK, 9);
	assert_int_equal(zd_daxfs_unlink(fs, "u"), 0);
	assert_int_equal(zd_daxfs_unlink(fs, "u"), -ENOENT);
	assert_ptr_equal(zd_daxfs_open(fs, "u", O_RDWR), ERR_PTR(-ENOENT));
	/* Still usable, and the name is free for another file. */
	check_pattern(file, 0, 3 * BLK, 9);
	write_pattern(file, 3 * BLK, BLK, 10);
	other = open_ok(fs, "u", O_RDWR | O_CREAT | O_EXCL);
	assert_int_equal(file_size(other), 0);
	assert_true(file_inode(other) != file_inode(file));
	assert_int_equal(zd_daxfs_unmount(fs), -EBUSY);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_close(other), 0);
	assert_int_equal(zd_daxfs_unlink(fs, "u"), 0);
	assert_int_equal(free_blocks(fs), empty);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

/* A mapping keeps the file open: unmount is -EBUSY until it goes. */
static void daxfs_unmount_busy_mapped(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	struct zd_file *file = open_ok(fs, "m", O_RDWR | O_CREAT);
	struct zd_task *task = test_task_new(env);
	long addr;

	write_pattern(file, 0, SZ_2M, 11);
	addr = zd_mmap(task, 0, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, file, 0);
	assert_true(addr > 0);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(fs), -EBUSY);
	/* Unlinked while mapped: freed when the mapping goes. */
	assert_int_equal(zd_daxfs_unlink(fs, "m"), 0);
	assert_int_equal(zd_munmap(task, (unsigned long)addr, SZ_2M), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	test_task_done(task);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

/*
 * Stores through a shared mapping are stores to the media: write faults
 * allocate (a 2 MiB extent for a PMD fault over a whole chunk), and what
 * was stored is there after a remount.  A write fault on a full device
 * gets SIGBUS; past the end of the file, SIGBUS too.
 */
static void daxfs_mmap_store_persists(void **state)
{
	struct zd_test_env *env = *state;
	const unsigned long at = 1UL << 32;	/* PMD aligned */
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	struct zd_file *file = open_ok(fs, "mapped", O_RDWR | O_CREAT), *big;
	struct zd_task *task = test_task_new(env);
	unsigned char *buf = malloc(2 * SZ_2M);
	struct zd_siginfo si;
	unsigned char v = 0x42;
	ssize_t n;
	u64 dev;
	long addr;

	assert_int_equal(zd_ftruncate(file, 2 * SZ_2M + BLK), 0);
	addr = zd_mmap(task, at, 2 * SZ_2M + 2 * BLK, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_FIXED, file, 0);
	assert_int_equal(addr, (long)at);
	fill_pattern(buf, 2 * SZ_2M, 15, 0);
	assert_int_equal(zd_write(task, at, buf, 2 * SZ_2M), 2 * SZ_2M);
	assert_int_equal(zd_write(task, at + 2 * SZ_2M, &v, 1), 1);
	/* Both chunks were allocated whole: 2 MiB-aligned device extents. */
	assert_int_equal(zd_daxfs_bmap(file, 0, &dev), 0);
	assert_int_equal(dev % SZ_2M, 0);
	assert_int_equal(zd_daxfs_bmap(file, SZ_2M, &dev), 0);
	assert_int_equal(dev % SZ_2M, 0);
	assert_int_equal(file_blocks(file), 1025);
	/* Past the end of the file (in the mapping): SIGBUS. */
	zd_task_clear_signals(task);
	assert_int_equal(zd_write(task, at + 2 * SZ_2M + BLK, &v, 1), -EFAULT);
	assert_int_equal(zd_task_signals(task, &si), 1);
	assert_int_equal(si.signo, SIGBUS);

	/* A full device: the store into a hole cannot get a block. */
	big = open_ok(fs, "filler", O_RDWR | O_CREAT);
	while ((n = zd_pwrite(big, buf, 2 * SZ_2M, file_size(big))) > 0)
		;
	while (zd_pwrite(big, buf, BLK, file_size(big)) > 0)
		;
	assert_int_equal(free_blocks(fs), 0);
	assert_int_equal(zd_fallocate(file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 3 * BLK,
				      BLK), 0);
	/* The punched block was split out of an extent: no room for that, zeroed. */
	assert_int_equal(file_blocks(file), 1025);
	assert_int_equal(zd_fallocate(file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2 * SZ_2M,
				      BLK), 0);
	assert_int_equal(file_blocks(file), 1024);
	while (zd_pwrite(big, buf, BLK, file_size(big)) > 0)
		;
	assert_int_equal(free_blocks(fs), 0);
	zd_task_clear_signals(task);
	assert_int_equal(zd_write(task, at + 2 * SZ_2M, &v, 1), -EFAULT);
	assert_int_equal(zd_task_signals(task, &si), 1);
	assert_int_equal(si.signo, SIGBUS);
	/* Room again: the same store goes through. */
	assert_int_equal(zd_close(big), 0);
	assert_int_equal(zd_daxfs_unlink(fs, "filler"), 0);
	zd_task_clear_signals(task);
	assert_int_equal(zd_write(task, at + 2 * SZ_2M, &v, 1), 1);
	assert_int_equal(zd_task_signals(task, NULL), 0);

	assert_int_equal(zd_munmap(task, at, 2 * SZ_2M + 2 * BLK), 0);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_false(IS_ERR(fs = zd_daxfs_mount(pmem, 0)));
	file = open_ok(fs, "mapped", O_RDONLY);
	memset(buf + 3 * BLK, 0, BLK);
	{
		unsigned char *got = malloc(2 * SZ_2M);

		assert_int_equal(zd_pread(file, got, 2 * SZ_2M, 0), 2 * SZ_2M);
		assert_memory_equal(got, buf, 2 * SZ_2M);
		assert_int_equal(zd_pread(file, got, 1, 2 * SZ_2M), 1);
		assert_int_equal(got[0], v);
		free(got);
	}
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	test_task_done(task);
	free(buf);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

/* ------------------------------------------------------------------ */
/* Persistence                                                         */
/* ------------------------------------------------------------------ */

static void write_files(struct zd_daxfs *fs, int n, unsigned int seed)
{
	char name[32];
	int i;

	for (i = 0; i < n; i++) {
		struct zd_file *file;

		snprintf(name, sizeof(name), "file-%d", i);
		file = open_ok(fs, name, O_RDWR | O_CREAT | O_TRUNC);
		write_pattern(file, (loff_t)i * 1000, SZ_2M / 2 + (size_t)i * 5000, seed + (unsigned int)i);
		assert_int_equal(zd_fsync(file), 0);
		assert_int_equal(zd_close(file), 0);
	}
}

static void check_files(struct zd_daxfs *fs, int n, unsigned int seed)
{
	char name[32];
	int i;

	for (i = 0; i < n; i++) {
		struct zd_file *file;

		snprintf(name, sizeof(name), "file-%d", i);
		file = open_ok(fs, name, O_RDONLY);
		assert_int_equal(file_size(file), (loff_t)i * 1000 + SZ_2M / 2 + i * 5000);
		check_zero(file, 0, (size_t)i * 1000);
		check_pattern(file, (loff_t)i * 1000, SZ_2M / 2 + (size_t)i * 5000, seed + (unsigned int)i);
		assert_int_equal(zd_close(file), 0);
	}
}

static void daxfs_persist_remount(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	unsigned long used;

	write_files(fs, 6, 20);
	used = free_blocks(fs);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_false(IS_ERR(fs = zd_daxfs_mount(pmem, 0)));
	check_files(fs, 6, 20);
	assert_int_equal(free_blocks(fs), used);
	assert_int_equal(zd_daxfs_unlink(fs, "file-2"), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_false(IS_ERR(fs = zd_daxfs_mount(pmem, 0)));
	assert_ptr_equal(zd_daxfs_open(fs, "file-2", O_RDONLY), ERR_PTR(-ENOENT));
	assert_int_equal(zd_close(open_ok(fs, "file-5", O_RDONLY)), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

/*
 * A file-backed pmem outlives its "process": destroy the system, create a
 * new one on the same file, and the file system is there.  Then a crash
 * (the device removed while mounted, an unlinked file still open): the next
 * mount repairs, the orphan's blocks come back.
 */
static void daxfs_persist_new_process(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_system *sys;
	struct zd_pmem *pmem;
	struct zd_daxfs *fs;
	struct zd_file *file;
	unsigned long empty, used;
	char path[64];

	image_path(path, sizeof(path));
	sys = new_system(env->scheme);
	pmem = pmem_new(sys, PMEM_SIZE, path);
	fs = fs_new(pmem);
	empty = free_blocks(fs);
	write_files(fs, 4, 30);
	used = free_blocks(fs);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
	end_system(sys);

	sys = new_system(env->scheme);
	pmem = pmem_new(sys, PMEM_SIZE, path);
	fs = zd_daxfs_mount(pmem, 0);
	assert_false(IS_ERR(fs));
	check_files(fs, 4, 30);
	assert_int_equal(free_blocks(fs), used);
	/* Crash: a file unlinked but open, more data, and the device goes. */
	file = open_ok(fs, "file-1", O_RDWR);
	assert_int_equal(zd_daxfs_unlink(fs, "file-1"), 0);
	write_pattern(file, 0, SZ_2M, 31);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
	assert_true(zd_daxfs_is_shutdown(fs, NULL));
	assert_int_equal(zd_pread(file, &(char){ 0 }, 1, 0), -EIO);
	assert_int_equal(zd_daxfs_unmount(fs), -EBUSY);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	end_system(sys);

	sys = new_system(env->scheme);
	pmem = pmem_new(sys, PMEM_SIZE, path);
	fs = zd_daxfs_mount(pmem, 0);
	assert_false(IS_ERR(fs));
	assert_ptr_equal(zd_daxfs_open(fs, "file-1", O_RDONLY), ERR_PTR(-ENOENT));
	check_files(fs, 1, 30);
	assert_true(free_blocks(fs) > used);
	assert_int_equal(zd_daxfs_unlink(fs, "file-0"), 0);
	assert_int_equal(zd_daxfs_unlink(fs, "file-2"), 0);
	assert_int_equal(zd_daxfs_unlink(fs, "file-3"), 0);
	assert_int_equal(free_blocks(fs), empty);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
	end_system(sys);
	unlink(path);
}

/* ------------------------------------------------------------------ */
/* Damaged images                                                      */
/* ------------------------------------------------------------------ */

/* Flip one byte at @off of the unmounted media: mount must fail cleanly. */
static void expect_damaged(struct zd_pmem *pmem, u64 off, unsigned char mask)
{
	unsigned char *p;
	struct zd_daxfs *fs;
	int id = dax_read_lock();

	p = media(pmem, off);
	*p ^= mask;
	dax_read_unlock(id);
	fs = zd_daxfs_mount(pmem, 0);
	assert_true(fs == ERR_PTR(-EUCLEAN) || fs == ERR_PTR(-EINVAL));
	id = dax_read_lock();
	p = media(pmem, off);
	*p ^= mask;
	dax_read_unlock(id);
	/* Nothing was written: the restored image mounts. */
	fs = zd_daxfs_mount(pmem, 0);
	assert_false(IS_ERR(fs));
	assert_int_equal(zd_daxfs_unmount(fs), 0);
}

static void daxfs_corrupt_image(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	struct daxfs_super_block sb, *sbp;
	unsigned long seed = zd_test_seed(), x = seed, i;
	u64 map_block, ino_off, de_off;
	struct daxfs_inode raw;
	int id;

	write_files(fs, 3, 40);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	id = dax_read_lock();
	memcpy(&sb, media(pmem, 0), sizeof(sb));
	ino_off = sb.s_inode_start * BLK;	/* inode 1: file-0 */
	de_off = sb.s_dir_start * BLK;
	memcpy(&raw, media(pmem, ino_off), sizeof(raw));
	dax_read_unlock(id);
	map_block = raw.i_map[0];
	assert_true(map_block >= sb.s_data_start);

	/* Every byte of the superblock and of a live inode and entry is sealed. */
	for (i = 0; i < 24; i++) {
		static const unsigned char de_bytes[] = { 0, 1, 2, 3, 4, 8, 9, 10, 11, 16, 17, 18 };
		unsigned char mask = (unsigned char)(1u << (zd_rand(&x) % 8));

		expect_damaged(pmem, zd_rand(&x) % sizeof(sb), mask);
		expect_damaged(pmem, ino_off + zd_rand(&x) % sizeof(raw), mask);
		expect_damaged(pmem, de_off + de_bytes[zd_rand(&x) % sizeof(de_bytes)], mask);
	}
	/* A block map pointing outside the device, or at a metadata block. */
	expect_damaged(pmem, map_block * BLK + 7, 0x40);
	expect_damaged(pmem, map_block * BLK + 1, 0x01 << (seed % 2));
	/* A clean file system whose bitmap disagrees with its files. */
	expect_damaged(pmem, sb.s_bitmap_start * BLK + sb.s_data_start / 8 + 200, 0x10);

	/* Not unmounted cleanly, the same bitmap damage is repaired. */
	id = dax_read_lock();
	*media(pmem, sb.s_bitmap_start * BLK + sb.s_data_start / 8 + 200) ^= 0x10;
	sbp = (struct daxfs_super_block *)media(pmem, 0);
	sbp->s_state = DAXFS_STATE_MOUNTED;
	sbp->s_checksum = daxfs_sb_checksum(sbp);
	dax_read_unlock(id);
	fs = zd_daxfs_mount(pmem, 0);
	assert_false(IS_ERR(fs));
	check_files(fs, 3, 40);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_false(IS_ERR(fs = zd_daxfs_mount(pmem, 0)));
	assert_int_equal(zd_daxfs_unmount(fs), 0);

	/* A device smaller than the file system it holds. */
	id = dax_read_lock();
	sbp = (struct daxfs_super_block *)media(pmem, 0);
	sbp->s_nr_blocks += 1024;
	sbp->s_checksum = daxfs_sb_checksum(sbp);
	dax_read_unlock(id);
	assert_ptr_equal(zd_daxfs_mount(pmem, 0), ERR_PTR(-EINVAL));
	assert_int_equal(zd_daxfs_mkfs(pmem), 0);
	assert_false(IS_ERR(fs = zd_daxfs_mount(pmem, 0)));
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

/* ------------------------------------------------------------------ */
/* Poison, memory failure, device removal                              */
/* ------------------------------------------------------------------ */

static void daxfs_poisoned_block(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	struct zd_file *file = open_ok(fs, "bad", O_RDWR | O_CREAT);
	unsigned char buf[BLK];
	u64 dev;

	write_pattern(file, 0, 4 * BLK, 12);
	assert_int_equal(zd_daxfs_bmap(file, 2 * BLK, &dev), 0);
	assert_int_equal(zd_pmem_inject_error(pmem, dev + 10, 1), 0);
	assert_int_equal(zd_pread(file, buf, BLK, 2 * BLK), -EIO);
	assert_int_equal(zd_pread(file, buf, 100, 2 * BLK + 500), -EIO);
	/* The blocks around it read fine. */
	check_pattern(file, BLK, BLK, 12);
	check_pattern(file, 3 * BLK, BLK, 12);
	/* A partial write cannot clear poison; a whole-block one does. */
	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(zd_pwrite(file, buf, 100, 2 * BLK), -EIO);
	assert_true(zd_pmem_is_bad(pmem, dev, 1));
	assert_int_equal(zd_pwrite(file, buf, BLK, 2 * BLK), BLK);
	assert_false(zd_pmem_is_bad(pmem, dev, 1));
	memset(buf, 0, sizeof(buf));
	assert_int_equal(zd_pread(file, buf, BLK, 2 * BLK), BLK);
	assert_int_equal(buf[0], 0x77);
	assert_int_equal(buf[BLK - 1], 0x77);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

/* Memory failure in metadata: the file system shuts down, -EFSCORRUPTED. */
static void daxfs_failure_in_metadata(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	struct zd_file *file = open_ok(fs, "x", O_RDWR | O_CREAT);
	unsigned char buf[16];
	const char *why;

	write_pattern(file, 0, BLK, 13);
	/* A free data block: nobody to tell, nothing to do. */
	assert_int_equal(dax_holder_notify_failure(zd_pmem_dax(pmem), 2000 * BLK, BLK,
						   MF_ACTION_REQUIRED), 0);
	assert_false(zd_daxfs_is_shutdown(fs, NULL));
	assert_int_equal(dax_holder_notify_failure(zd_pmem_dax(pmem), PMEM_SIZE, BLK, 0), -ENXIO);
	/* The inode table. */
	assert_int_equal(dax_holder_notify_failure(zd_pmem_dax(pmem), 3 * BLK, BLK,
						   MF_ACTION_REQUIRED), -EUCLEAN);
	assert_true(zd_daxfs_is_shutdown(fs, &why));
	assert_non_null(why);
	assert_int_equal(zd_pread(file, buf, sizeof(buf), 0), -EIO);
	assert_int_equal(zd_pwrite(file, buf, sizeof(buf), 0), -EIO);
	assert_int_equal(zd_ftruncate(file, 0), -EIO);
	assert_int_equal(zd_fsync(file), -EIO);
	assert_ptr_equal(zd_daxfs_open(fs, "y", O_RDWR | O_CREAT), ERR_PTR(-EIO));
	assert_int_equal(zd_daxfs_statfs(fs, &(struct zd_daxfs_statfs){ 0 }), -EIO);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	/* Not unmounted cleanly: the next mount checks, and the data is there. */
	assert_false(IS_ERR(fs = zd_daxfs_mount(pmem, 0)));
	file = open_ok(fs, "x", O_RDONLY);
	check_pattern(file, 0, BLK, 13);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

static void expect_sigbus(struct zd_task *task, int code, unsigned long addr)
{
	struct zd_siginfo si;

	assert_int_equal(zd_task_signals(task, &si), 1);
	assert_int_equal(si.signo, SIGBUS);
	assert_int_equal(si.code, code);
	assert_int_equal(si.addr, addr);
	zd_task_clear_signals(task);
}

/*
 * A failed device page is traced back through the block maps to the file
 * and page that own it, among several files, in 4 KiB blocks and in a
 * 2 MiB extent: only the task mapping that page is signalled, at its
 * address; the block then reads -EIO until a whole-block write clears it.
 */
static void daxfs_failure_finds_owner(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	struct zd_file *a = open_ok(fs, "a", O_RDWR | O_CREAT);
	struct zd_file *b = open_ok(fs, "b", O_RDWR | O_CREAT);
	struct zd_task *ta = test_task_new(env), *tb = test_task_new(env);
	unsigned char buf[BLK];
	long pa, pb;
	u64 dev;
	int i;

	write_pattern(a, 0, SZ_2M, 16);			/* one extent */
	for (i = 0; i < 8; i++)				/* 4 KiB blocks, interleaved */
		write_pattern(b, (loff_t)i * (loff_t)BLK, BLK, 17);
	pa = zd_mmap(ta, 0, SZ_2M, PROT_READ, MAP_SHARED, a, 0);
	pb = zd_mmap(tb, 0, 8 * BLK, PROT_READ, MAP_SHARED, b, 0);
	assert_true(pa > 0 && pb > 0);
	for (i = 0; i < 8; i++) {
		assert_int_equal(zd_read(ta, (unsigned long)pa + (unsigned long)i * BLK, buf, 1), 1);
		assert_int_equal(zd_read(tb, (unsigned long)pb + (unsigned long)i * BLK, buf, 1), 1);
	}

	/* Page 5 of b, consumed by tb. */
	assert_int_equal(zd_daxfs_bmap(b, 5 * BLK, &dev), 0);
	assert_int_equal(zd_memory_failure_task(env->sys, zd_pmem_pfn(pmem, dev),
						MF_ACTION_REQUIRED, tb), 0);
	expect_sigbus(tb, BUS_MCEERR_AR, (unsigned long)pb + 5 * BLK);
	assert_int_equal(zd_task_signals(ta, NULL), 0);
	assert_int_equal(zd_pread(b, buf, 10, 5 * BLK + 7), -EIO);
	check_pattern(b, 4 * BLK, BLK, 17);
	check_pattern(b, 6 * BLK, BLK, 17);

	/* Page 300 of a's extent (mapped now), consumed by ta. */
	assert_int_equal(zd_read(ta, (unsigned long)pa + 300 * BLK, buf, 1), 1);
	assert_int_equal(zd_daxfs_bmap(a, 300 * BLK, &dev), 0);
	assert_int_equal(zd_memory_failure_task(env->sys, zd_pmem_pfn(pmem, dev),
						MF_ACTION_REQUIRED, ta), 0);
	assert_int_equal(zd_task_signals(tb, NULL), 0);
	{
		struct zd_siginfo si;

		assert_int_equal(zd_task_signals(ta, &si), 1);
		assert_int_equal(si.code, BUS_MCEERR_AR);
		assert_int_equal(ALIGN_DOWN(si.addr, 1UL << si.addr_lsb),
				 ALIGN_DOWN((unsigned long)pa + 300 * BLK, 1UL << si.addr_lsb));
		zd_task_clear_signals(ta);
	}
	assert_int_equal(zd_pread(a, buf, BLK, 300 * BLK), -EIO);

	/* Whole-block writes clear the poison. */
	fill_pattern(buf, BLK, 18, 300 * BLK);
	assert_int_equal(zd_pwrite(a, buf, BLK, 300 * BLK), BLK);
	check_pattern(a, 300 * BLK, BLK, 18);
	fill_pattern(buf, BLK, 18, 5 * BLK);
	assert_int_equal(zd_pwrite(b, buf, BLK, 5 * BLK), BLK);
	check_pattern(b, 5 * BLK, BLK, 18);
	assert_int_equal(zd_pmem_nr_badblocks(pmem), 0);

	test_task_done(ta);
	test_task_done(tb);
	assert_int_equal(zd_close(a), 0);
	assert_int_equal(zd_close(b), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

/* The device goes while files are open: shut down, -EIO, close and unmount work. */
static void daxfs_device_removal(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	struct zd_file *file = open_ok(fs, "r", O_RDWR | O_CREAT);
	struct zd_task *task = test_task_new(env);
	unsigned char buf[16];
	struct zd_stat st;
	long addr;

	write_pattern(file, 0, 2 * BLK, 14);
	addr = zd_mmap(task, 0, 2 * BLK, PROT_READ | PROT_WRITE, MAP_SHARED, file, 0);
	assert_true(addr > 0);
	assert_int_equal(zd_read(task, (unsigned long)addr + BLK, buf, 1), 1);
	/* PRE_REMOVE: every task mapping a block is unmapped and told (AO). */
	assert_int_equal(zd_pmem_destroy(pmem), 0);
	assert_true(zd_daxfs_is_shutdown(fs, NULL));
	expect_sigbus(task, BUS_MCEERR_AO, (unsigned long)addr + BLK);
	/* A new fault finds the file system shut down: SIGBUS. */
	assert_int_equal(zd_read(task, (unsigned long)addr, buf, 1), -EFAULT);
	assert_int_equal(zd_task_signals(task, NULL), 1);
	assert_int_equal(zd_munmap(task, (unsigned long)addr, 2 * BLK), 0);
	test_task_done(task);
	assert_int_equal(zd_pread(file, buf, sizeof(buf), 0), -EIO);
	assert_int_equal(zd_pwrite(file, buf, sizeof(buf), 0), -EIO);
	assert_int_equal(zd_fallocate(file, 0, 0, BLK), -EIO);
	assert_int_equal(zd_fstat(file, &st), -EIO);
	assert_int_equal(zd_daxfs_bmap(file, 0, &(u64){ 0 }), -EIO);
	assert_int_equal(zd_daxfs_unlink(fs, "r"), -EIO);
	assert_int_equal(zd_daxfs_unmount(fs), -EBUSY);
	assert_int_equal(zd_close(file), 0);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
}

/* ------------------------------------------------------------------ */
/* Concurrency                                                         */
/* ------------------------------------------------------------------ */

#define NR_WORKERS	4
#define WORKER_OPS	200

struct worker {
	struct zd_thread thread;
	struct zd_daxfs *fs;
	struct zd_file *shared;
	unsigned long seed;
	int id;
};

/*
 * Each worker owns a file it checks exactly, and also hammers one shared
 * file with writes, reads, truncates and punches whose results only need
 * to be sane.
 */
static void *fs_worker(void *p)
{
	struct worker *w = p;
	unsigned long x = w->seed;
	unsigned char *buf = malloc(3 * BLK);
	char name[16];
	struct zd_file *own;
	loff_t size = 0;
	int i;

	snprintf(name, sizeof(name), "own-%d", w->id);
	own = zd_daxfs_open(w->fs, name, O_RDWR | O_CREAT | O_EXCL);
	assert_false(IS_ERR(own));
	for (i = 0; i < WORKER_OPS; i++) {
		loff_t off = (loff_t)(zd_rand(&x) % (64 * BLK));
		size_t len = 1 + zd_rand(&x) % (3 * BLK);
		ssize_t n;

		switch (zd_rand(&x) % 6) {
		case 0:
			memset(buf, w->id + 1, len);
			assert_int_equal(zd_pwrite(own, buf, len, off), (ssize_t)len);
			size = max(size, off + (loff_t)len);
			break;
		case 1:
			n = zd_pread(own, buf, len, off);
			assert_int_equal(n, off >= size ? 0 : min((loff_t)len, size - off));
			while (n-- > 0)
				assert_true(buf[n] == 0 || buf[n] == w->id + 1);
			break;
		case 2:
			size = off;
			assert_int_equal(zd_ftruncate(own, size), 0);
			break;
		case 3:
			n = zd_pwrite(w->shared, buf, len, off);
			assert_true(n == (ssize_t)len);
			break;
		case 4:
			n = zd_pread(w->shared, buf, len, off);
			assert_true(n >= 0 && n <= (ssize_t)len);
			break;
		case 5:
			if (zd_rand(&x) % 2)
				assert_int_equal(zd_ftruncate(w->shared, off), 0);
			else
				assert_int_equal(zd_fallocate(w->shared, FALLOC_FL_PUNCH_HOLE |
							      FALLOC_FL_KEEP_SIZE, off, (loff_t)len), 0);
			break;
		}
	}
	assert_int_equal(zd_close(own), 0);
	assert_int_equal(zd_daxfs_unlink(w->fs, name), 0);
	free(buf);
	return NULL;
}

static void daxfs_concurrent(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_pmem *pmem = pmem_new(env->sys, PMEM_SIZE, NULL);
	struct zd_daxfs *fs = fs_new(pmem);
	unsigned long seed = zd_test_seed(), empty = free_blocks(fs);
	struct zd_file *shared = open_ok(fs, "shared", O_RDWR | O_CREAT);
	struct worker w[NR_WORKERS];
	int i;

	for (i = 0; i < NR_WORKERS; i++) {
		w[i] = (struct worker){ .fs = fs, .shared = shared, .seed = seed * 7 + i + 1, .id = i };
		assert_int_equal(zd_thread_start(&w[i].thread, fs_worker, &w[i]), 0);
	}
	for (i = 0; i < NR_WORKERS; i++)
		zd_thread_join(&w[i].thread);
	assert_int_equal(zd_close(shared), 0);
	assert_int_equal(zd_daxfs_unlink(fs, "shared"), 0);
	assert_int_equal(free_blocks(fs), empty);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	/* The mount-time check agrees with what the workers left. */
	assert_false(IS_ERR(fs = zd_daxfs_mount(pmem, 0)));
	assert_int_equal(free_blocks(fs), empty);
	assert_int_equal(zd_daxfs_unmount(fs), 0);
	assert_int_equal(zd_pmem_destroy(pmem), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ZD_TEST_PLAIN(srcu_sync_without_readers),
		ZD_TEST_BOTH(pmem_bad_config),
		ZD_TEST_BOTH(pmem_direct_access),
		ZD_TEST_BOTH(pmem_poison),
		ZD_TEST_BOTH(dax_holder_and_kill),
		ZD_TEST_BOTH(dax_kill_waits_for_readers),
		ZD_TEST_BOTH(pmem_memory_failure_op),
		ZD_TEST_BOTH(daxfs_mkfs_mount),
		ZD_TEST_BOTH(daxfs_open_errors),
		ZD_TEST_BOTH(daxfs_read_write),
		ZD_TEST_BOTH(daxfs_extents),
		ZD_TEST_BOTH(daxfs_truncate),
		ZD_TEST_BOTH(daxfs_punch_hole),
		ZD_TEST_BOTH(daxfs_fallocate),
		ZD_TEST_BOTH(daxfs_enospc),
		ZD_TEST_BOTH(daxfs_unlink_open),
		ZD_TEST_BOTH(daxfs_unmount_busy_mapped),
		ZD_TEST_BOTH(daxfs_mmap_store_persists),
		ZD_TEST_BOTH(daxfs_persist_remount),
		ZD_TEST_BOTH(daxfs_persist_new_process),
		ZD_TEST_BOTH(daxfs_corrupt_image),
		ZD_TEST_BOTH(daxfs_poisoned_block),
		ZD_TEST_BOTH(daxfs_failure_in_metadata),
		ZD_TEST_BOTH(daxfs_failure_finds_owner),
		ZD_TEST_BOTH(daxfs_device_removal),
		ZD_TEST_BOTH(daxfs_concurrent),
	};

	return ZD_RUN("daxfs", tests);
}
