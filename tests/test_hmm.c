// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mirror device (drivers/mirror.c), driven the way the kernel's
 * hmm-tests drive /dev/hmm_dmirrorN: a task maps memory, a device reads,
 * writes, snapshots and migrates it through the file's commands, the task
 * keeps using it.  Each scenario runs on device-private and on
 * device-coherent memory, under both refcount schemes, and checks cpages,
 * faults and the data exactly; the harness then wants a clean audit.
 *
 * The commands' data buffer (cmd.ptr) lives in the task, as a user buffer
 * does: each test maps one next to the memory under test.
 */
#include <stdlib.h>
#include <zonedev/mirror.h>
#include <zonedev/migrate.h>
#include "zd_test.h"
#include "../mm/internal_mm.h"

#define PG(n)		((unsigned long)(n) * PAGE_SIZE)
#define CHUNK		(2UL << 20)	/* small chunks: growth is exercised */
#define NPAGES		16
#define PRIVATE		HMM_DMIRROR_MEMORY_DEVICE_PRIVATE
#define COHERENT	HMM_DMIRROR_MEMORY_DEVICE_COHERENT

/* One test body per memory kind; ZD_TEST_BOTH adds the schemes. */
#define HMM_TEST(fn)							\
static void fn##_private(void **state) { fn(*state, PRIVATE); }	\
static void fn##_coherent(void **state) { fn(*state, COHERENT); }
#define HMM_BOTH(fn)	ZD_TEST_BOTH(fn##_private), ZD_TEST_BOTH(fn##_coherent)

static struct zd_mirror *mirror_new(struct zd_test_env *env, int memory, void *owner)
{
	struct zd_mirror_config cfg = {
		.memory = memory,
		.chunk_size = CHUNK,
		.owner = owner,
		.name = "test_dmirror",
	};
	struct zd_mirror *dev = zd_mirror_create(env->sys, &cfg);

	assert_false(IS_ERR_OR_NULL(dev));
	return dev;
}

static void mirror_done(struct zd_mirror *dev)
{
	assert_int_equal(zd_mirror_destroy(dev), 0);
}

static struct zd_mirror_file *mirror_open(struct zd_mirror *dev, struct zd_task *task)
{
	struct zd_mirror_file *f = zd_mirror_open(dev, task);

	assert_false(IS_ERR_OR_NULL(f));
	return f;
}

static void mirror_close(struct zd_mirror_file *f)
{
	assert_int_equal(zd_mirror_close(f), 0);
}

static struct zd_mirror_stat mstat(struct zd_mirror *dev)
{
	struct zd_mirror_stat st;

	assert_int_equal(zd_mirror_stat(dev, &st), 0);
	return st;
}

static unsigned long map(struct zd_task *task, unsigned long npages, int prot, int flags)
{
	long a = zd_mmap(task, 0, PG(npages), prot, flags | MAP_ANONYMOUS, NULL, 0);

	assert_true(a > 0);
	return (unsigned long)a;
}

static unsigned long map_anon(struct zd_task *task, unsigned long npages)
{
	return map(task, npages, PROT_READ | PROT_WRITE, MAP_PRIVATE);
}

/* Run a command; @out gets the command as it came back. */
static int dcmd(struct zd_mirror_file *f, unsigned int op, unsigned long addr, unsigned long ptr,
		unsigned long npages, struct zd_mirror_cmd *out)
{
	struct zd_mirror_cmd cmd = { .addr = addr, .ptr = ptr, .npages = npages };
	int ret = zd_mirror_cmd(f, op, &cmd);

	if (out)
		*out = cmd;
	return ret;
}

/* The ints of [addr, +npages) as the task's CPU sees them: base + i * step. */
static void fill_ints(struct zd_task *task, unsigned long addr, unsigned long npages, int base,
		      int step)
{
	size_t n = PG(npages) / sizeof(int), i;
	int *buf = malloc(PG(npages));

	assert_non_null(buf);
	for (i = 0; i < n; i++)
		buf[i] = base + (int)i * step;
	assert_int_equal(zd_write(task, addr, buf, PG(npages)), (long)PG(npages));
	free(buf);
}

static void check_ints(struct zd_task *task, unsigned long addr, unsigned long npages, int base,
		       int step)
{
	size_t n = PG(npages) / sizeof(int), i;
	int *buf = malloc(PG(npages));

	assert_non_null(buf);
	assert_int_equal(zd_read(task, addr, buf, PG(npages)), (long)PG(npages));
	for (i = 0; i < n; i++)
		if (buf[i] != base + (int)i * step)
			fail_msg("int %zu at %#lx: %d, expected %d", i, addr, buf[i],
				 base + (int)i * step);
	free(buf);
}

static void check_bytes(struct zd_task *task, unsigned long addr, const unsigned char *want,
			unsigned long n)
{
	unsigned char got[64];
	unsigned long i;

	assert_true(n <= sizeof(got));
	assert_int_equal(zd_read(task, addr, got, n), (long)n);
	for (i = 0; i < n; i++)
		if (got[i] != want[i])
			fail_msg("snapshot byte %lu: %#x, expected %#x", i, got[i], want[i]);
}

/* Every byte of the snapshot of [addr, +n) is @want. */
static void snapshot_all(struct zd_mirror_file *f, struct zd_task *task, unsigned long addr,
			 unsigned long n, unsigned long buf, unsigned char want)
{
	unsigned char exp[64];
	struct zd_mirror_cmd c;

	assert_int_equal(dcmd(f, HMM_DMIRROR_SNAPSHOT, addr, buf, n, &c), 0);
	assert_int_equal(c.cpages, n);
	memset(exp, want, n);
	check_bytes(task, buf, exp, n);
}

static unsigned char dev_local(int memory)
{
	return memory == PRIVATE ? HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL :
				   HMM_DMIRROR_PROT_DEV_COHERENT_LOCAL;
}

static unsigned char dev_remote(int memory)
{
	return memory == PRIVATE ? HMM_DMIRROR_PROT_DEV_PRIVATE_REMOTE :
				   HMM_DMIRROR_PROT_DEV_COHERENT_REMOTE;
}

/* Device pages the pgmaps consider allocated equals what the device says is in use. */
static unsigned long dev_in_use(struct zd_mirror *dev)
{
	return mstat(dev).in_use;
}

/* ------------------------------------------------------------------ */
/* Devices and files                                                   */
/* ------------------------------------------------------------------ */

/* One chunk at create, none used; files counted; destroy waits for close. */
static void open_close(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f1, *f2;
	struct zd_mirror_stat st = mstat(dev);

	assert_int_equal(st.nr_chunks, 1);
	assert_int_equal(st.calloc, 0);
	assert_ptr_equal(zd_mirror_owner(dev), dev);
	f1 = mirror_open(dev, task);
	f2 = mirror_open(dev, task);	/* two opens by one task, as two fds */
	assert_int_equal(mstat(dev).nr_files, 2);
	assert_int_equal(zd_mirror_destroy(dev), -EBUSY);
	mirror_close(f1);
	assert_int_equal(zd_mirror_destroy(dev), -EBUSY);
	mirror_close(f2);
	assert_int_equal(mstat(dev).nr_files, 0);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(open_close)

/* ------------------------------------------------------------------ */
/* READ and WRITE of system memory                                     */
/* ------------------------------------------------------------------ */

/* One fault round maps everything; a second read needs none. */
static void anon_read(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map_anon(task, NPAGES), buf = map_anon(task, NPAGES);
	struct zd_mirror_cmd c;

	fill_ints(task, addr, NPAGES, 0, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 1);
	check_ints(task, buf, NPAGES, 0, 1);

	fill_ints(task, buf, NPAGES, -1, 0);
	assert_int_equal(dcmd(f, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 0);
	check_ints(task, buf, NPAGES, 0, 1);

	/* Half the range changes under the device: a fault round for that half. */
	fill_ints(task, addr + PG(NPAGES / 2), NPAGES / 2, 1000, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 0);	/* a CPU write to a writable PTE changes no PTE */
	check_ints(task, buf + PG(NPAGES / 2), NPAGES / 2, 1000, 1);
	assert_int_equal(zd_munmap(task, addr + PG(NPAGES / 2), PG(1)), 0);
	assert_int_equal(dcmd(f, HMM_DMIRROR_READ, addr, buf, NPAGES / 2, &c), 0);
	assert_int_equal(c.faults, 0);
	assert_int_equal(zd_task_signals(task, NULL), 0);

	mirror_close(f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(anon_read)

/* Untouched anonymous memory reads as the zero page, read-only. */
static void anon_read_zero(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map_anon(task, NPAGES), buf = map_anon(task, NPAGES);
	struct zd_mirror_cmd c;

	fill_ints(task, buf, NPAGES, 7, 0);
	assert_int_equal(dcmd(f, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 1);
	check_ints(task, buf, NPAGES, 0, 0);
	snapshot_all(f, task, addr, NPAGES, buf, HMM_DMIRROR_PROT_ZERO | HMM_DMIRROR_PROT_READ);
	/* Writing needs a write fault round: the zero page is replaced. */
	fill_ints(task, buf, NPAGES, 5, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_WRITE, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 1);
	check_ints(task, addr, NPAGES, 5, 1);
	snapshot_all(f, task, addr, NPAGES, buf, HMM_DMIRROR_PROT_WRITE);
	mirror_close(f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(anon_read_zero)

/* PROT_NONE memory cannot be mirrored: -EFAULT, nothing reported back. */
static void anon_read_prot(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map_anon(task, NPAGES), buf = map_anon(task, NPAGES);
	struct zd_mirror_cmd c = { .addr = addr, .ptr = buf, .npages = NPAGES,
				   .cpages = 77, .faults = 88 };

	fill_ints(task, addr, NPAGES, 0, 1);
	fill_ints(task, buf, NPAGES, -1, 0);
	assert_int_equal(zd_mprotect(task, addr, PG(NPAGES), PROT_NONE), 0);
	assert_int_equal(zd_mirror_cmd(f, HMM_DMIRROR_READ, &c), -EFAULT);
	assert_int_equal(c.cpages, 77);		/* not copied back */
	assert_int_equal(c.faults, 88);
	check_ints(task, buf, NPAGES, -1, 0);
	snapshot_all(f, task, addr, NPAGES, buf, HMM_DMIRROR_PROT_ERROR);

	assert_int_equal(zd_mprotect(task, addr, PG(NPAGES), PROT_READ), 0);
	check_ints(task, addr, NPAGES, 0, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 1);
	check_ints(task, buf, NPAGES, 0, 1);
	snapshot_all(f, task, addr, NPAGES, buf, HMM_DMIRROR_PROT_READ);
	assert_int_equal(zd_task_signals(task, NULL), 0);
	mirror_close(f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(anon_read_prot)

/* The device writes the task's memory; the CPU sees it. */
static void anon_write(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map_anon(task, NPAGES), buf = map_anon(task, NPAGES);
	struct zd_mirror_cmd c;

	fill_ints(task, buf, NPAGES, 0, -1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_WRITE, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 1);
	check_ints(task, addr, NPAGES, 0, -1);
	/* Mapped writable now: the second write needs no fault. */
	fill_ints(task, buf, NPAGES, 3, 3);
	assert_int_equal(dcmd(f, HMM_DMIRROR_WRITE, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.faults, 0);
	check_ints(task, addr, NPAGES, 3, 3);
	mirror_close(f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(anon_write)

/* Read-only memory: the device may read it, a write is -EPERM until mprotect. */
static void anon_write_prot(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map(task, NPAGES, PROT_READ, MAP_PRIVATE), buf = map_anon(task, NPAGES);
	struct zd_mirror_cmd c;

	assert_int_equal(dcmd(f, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 1);
	check_ints(task, buf, NPAGES, 0, 0);

	fill_ints(task, buf, NPAGES, 0, -1);
	c.cpages = c.faults = 99;
	c.addr = addr;
	c.ptr = buf;
	c.npages = NPAGES;
	assert_int_equal(zd_mirror_cmd(f, HMM_DMIRROR_WRITE, &c), -EPERM);
	assert_int_equal(c.cpages, 99);
	assert_int_equal(c.faults, 99);
	check_ints(task, addr, NPAGES, 0, 0);

	assert_int_equal(zd_mprotect(task, addr, PG(NPAGES), PROT_READ | PROT_WRITE), 0);
	assert_int_equal(dcmd(f, HMM_DMIRROR_WRITE, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 1);
	check_ints(task, addr, NPAGES, 0, -1);
	mirror_close(f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(anon_write_prot)

/* The child's own mirror writes its copy; the parent's stays. */
static void anon_write_child(struct zd_test_env *env, int memory)
{
	struct zd_task *parent = test_task_new(env), *child;
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *pf = mirror_open(dev, parent), *cf;
	unsigned long addr = map_anon(parent, NPAGES), buf = map_anon(parent, NPAGES);
	struct zd_mirror_cmd c;

	fill_ints(parent, addr, NPAGES, 0, 1);
	/* The parent's device maps the pages before the fork... */
	assert_int_equal(dcmd(pf, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.faults, 1);
	fill_ints(parent, buf, NPAGES, 0, -1);
	child = zd_task_fork(parent);
	assert_false(IS_ERR_OR_NULL(child));
	check_ints(child, addr, NPAGES, 0, 1);
	check_ints(child, buf, NPAGES, 0, -1);

	cf = mirror_open(dev, child);
	assert_int_equal(dcmd(cf, HMM_DMIRROR_WRITE, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 1);
	check_ints(child, addr, NPAGES, 0, -1);
	check_ints(parent, addr, NPAGES, 0, 1);
	/* ...and the fork write-protected them: the parent's device re-faults. */
	assert_int_equal(dcmd(pf, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.faults, 1);
	check_ints(parent, buf, NPAGES, 0, 1);
	mirror_close(cf);
	test_task_done(child);
	check_ints(parent, addr, NPAGES, 0, 1);
	mirror_close(pf);
	test_task_done(parent);
	mirror_done(dev);
}
HMM_TEST(anon_write_child)

/* Shared anonymous memory is shared with the child: no copy-on-write. */
static void anon_write_child_shared(struct zd_test_env *env, int memory)
{
	struct zd_task *parent = test_task_new(env), *child;
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	unsigned long addr = map(parent, NPAGES, PROT_READ | PROT_WRITE, MAP_SHARED);
	unsigned long buf = map_anon(parent, NPAGES);
	struct zd_mirror_file *cf;
	struct zd_mirror_cmd c;

	fill_ints(parent, addr, NPAGES, 0, 1);
	fill_ints(parent, buf, NPAGES, 0, -1);
	child = zd_task_fork(parent);
	assert_false(IS_ERR_OR_NULL(child));
	cf = mirror_open(dev, child);
	assert_int_equal(dcmd(cf, HMM_DMIRROR_WRITE, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 1);
	check_ints(parent, addr, NPAGES, 0, -1);
	mirror_close(cf);
	test_task_done(child);
	check_ints(parent, addr, NPAGES, 0, -1);
	test_task_done(parent);
	mirror_done(dev);
}
HMM_TEST(anon_write_child_shared)

/* ------------------------------------------------------------------ */
/* Migration                                                           */
/* ------------------------------------------------------------------ */

/* To the device, and back by CPU faults (private) or by the CPU directly (coherent). */
static void migrate_fault(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map_anon(task, NPAGES), buf = map_anon(task, NPAGES);
	struct zd_mirror_cmd c;
	struct zd_mirror_stat st;

	fill_ints(task, addr, NPAGES, 0, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 0);
	check_ints(task, buf, NPAGES, 0, 1);
	assert_int_equal(dev_in_use(dev), NPAGES);
	snapshot_all(f, task, addr, NPAGES, buf, dev_local(memory) | HMM_DMIRROR_PROT_WRITE);

	/* The device reads its own pages without a fault. */
	assert_int_equal(dcmd(f, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 0);
	check_ints(task, buf, NPAGES, 0, 1);

	/* The CPU: private pages come back one fault each; coherent ones stay. */
	check_ints(task, addr, NPAGES, 0, 1);
	st = mstat(dev);
	if (memory == PRIVATE) {
		assert_int_equal(st.migrate_to_ram, NPAGES);
		assert_int_equal(st.in_use, 0);
		assert_int_equal(st.cfree, NPAGES);
		snapshot_all(f, task, addr, NPAGES, buf, HMM_DMIRROR_PROT_WRITE);
		/* The device's entries went with the pages: it faults again. */
		assert_int_equal(dcmd(f, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
		assert_int_equal(c.faults, 1);
	} else {
		assert_int_equal(st.migrate_to_ram, 0);
		assert_int_equal(st.in_use, NPAGES);
		fill_ints(task, addr, NPAGES, 9, 2);	/* CPU writes device memory */
		assert_int_equal(dcmd(f, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
		assert_int_equal(c.faults, 0);
		check_ints(task, buf, NPAGES, 9, 2);
		snapshot_all(f, task, addr, NPAGES, buf,
			     HMM_DMIRROR_PROT_DEV_COHERENT_LOCAL | HMM_DMIRROR_PROT_WRITE);
	}
	/* Again: pages already there are read back, not migrated twice. */
	assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(dev_in_use(dev), NPAGES);
	assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(mstat(dev).calloc, memory == PRIVATE ? 2 * NPAGES : NPAGES);
	mirror_close(f);
	test_task_done(task);
	/* Exit unmapped the device pages: all freed (CPU-mapped ones after a grace period). */
	rcu_barrier();
	assert_int_equal(mstat(dev).in_use, 0);
	mirror_done(dev);
}
HMM_TEST(migrate_fault)

/* Explicit MIGRATE_TO_SYS counts what moved; nothing moves twice. */
static void migrate_to_sys(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map_anon(task, NPAGES), buf = map_anon(task, NPAGES);
	struct zd_mirror_cmd c;

	fill_ints(task, addr, NPAGES / 2, 100, 1);	/* the other half: holes */
	assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	check_ints(task, buf, NPAGES / 2, 100, 1);
	check_ints(task, buf + PG(NPAGES / 2), NPAGES / 2, 0, 0);
	assert_int_equal(dev_in_use(dev), NPAGES);

	assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_SYS, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 0);
	assert_int_equal(dev_in_use(dev), 0);
	assert_int_equal(mstat(dev).migrate_to_ram, 0);
	snapshot_all(f, task, addr, NPAGES, buf, HMM_DMIRROR_PROT_WRITE);
	check_ints(task, addr, NPAGES / 2, 100, 1);
	check_ints(task, addr + PG(NPAGES / 2), NPAGES / 2, 0, 0);
	assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_SYS, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, 0);
	mirror_close(f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(migrate_to_sys)

/* RELEASE evicts every page to RAM and removes the memory; it comes back on demand. */
static void migrate_release(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map_anon(task, NPAGES), buf = map_anon(task, NPAGES);
	struct zd_mirror_cmd c;
	struct zd_mirror_stat st;

	fill_ints(task, addr, NPAGES, 0, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(dcmd(f, HMM_DMIRROR_RELEASE, 0, 0, 1, &c), 0);
	assert_int_equal(c.cpages, 0);
	st = mstat(dev);
	assert_int_equal(st.nr_chunks, 0);
	assert_int_equal(st.evicted, NPAGES);
	assert_int_equal(st.in_use, 0);
	assert_int_equal(st.migrate_to_ram, 0);
	/* The eviction invalidated the device's entries like any unmap. */
	assert_int_equal(dcmd(f, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.faults, 1);
	check_ints(task, buf, NPAGES, 0, 1);
	snapshot_all(f, task, addr, NPAGES, buf, HMM_DMIRROR_PROT_WRITE);
	check_ints(task, addr, NPAGES, 0, 1);

	/* Memory again, in a new chunk. */
	assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(mstat(dev).nr_chunks, 1);
	check_ints(task, addr, NPAGES, 0, 1);
	mirror_close(f);
	/* Destroy evicts too: the task keeps its data in RAM. */
	mirror_done(dev);
	check_ints(task, addr, NPAGES, 0, 1);
	test_task_done(task);
}
HMM_TEST(migrate_release)

/* Shared memory is not migrated: nothing is mapped in the device. */
static void migrate_shared(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map(task, NPAGES, PROT_READ | PROT_WRITE, MAP_SHARED);
	unsigned long buf = map_anon(task, NPAGES);
	struct zd_mirror_cmd c;

	fill_ints(task, addr, NPAGES, 0, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), -ENOENT);
	/* No device page holds any of it. */
	assert_int_equal(dev_in_use(dev), 0);
	check_ints(task, addr, NPAGES, 0, 1);
	mirror_close(f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(migrate_shared)

/* Many round trips; the chunk size forces more chunks on the way. */
static void migrate_multiple(struct zd_test_env *env, int memory)
{
	const unsigned long n = 600;	/* more than one 2 MiB chunk */
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map_anon(task, n), buf = map_anon(task, n);
	struct zd_mirror_cmd c;
	int round;

	for (round = 0; round < 6; round++) {
		fill_ints(task, addr, n, round * 1000, 1);
		assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, n, &c), 0);
		assert_int_equal(c.cpages, n);
		check_ints(task, buf, n, round * 1000, 1);
		assert_int_equal(dev_in_use(dev), n);
		if (round & 1 || memory == COHERENT) {
			assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_SYS, addr, buf, n, &c), 0);
			assert_int_equal(c.cpages, n);
		}
		/* Private pages left on the device fault back here. */
		check_ints(task, addr, n, round * 1000, 1);
		assert_int_equal(dev_in_use(dev), 0);
	}
	assert_int_equal(mstat(dev).nr_chunks, 2);
	assert_int_equal(mstat(dev).migrate_to_ram, memory == PRIVATE ? 3 * n : 0);
	mirror_close(f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(migrate_multiple)

/*
 * Two devices, two owners: pages on one are not the other's to migrate;
 * the other's device reads them after a fault brings them back (private)
 * or straight from the first device's memory (coherent).
 */
static void migrate_two_devices(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *a = mirror_new(env, memory, NULL), *b = mirror_new(env, memory, NULL);
	struct zd_mirror_file *fa = mirror_open(a, task), *fb = mirror_open(b, task);
	unsigned long addr = map_anon(task, NPAGES), buf = map_anon(task, NPAGES);
	struct zd_mirror_cmd c;

	fill_ints(task, addr, NPAGES, 0, 1);
	assert_int_equal(dcmd(fa, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	/* B selects system memory only: nothing moves, nothing to read back. */
	assert_int_equal(dcmd(fb, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), -ENOENT);
	assert_int_equal(mstat(b).calloc, 0);
	snapshot_all(fb, task, addr, NPAGES, buf,
		     memory == PRIVATE ? HMM_DMIRROR_PROT_NONE :
		     HMM_DMIRROR_PROT_DEV_COHERENT_REMOTE | HMM_DMIRROR_PROT_WRITE);

	assert_int_equal(dcmd(fb, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 1);
	check_ints(task, buf, NPAGES, 0, 1);
	if (memory == PRIVATE) {
		assert_int_equal(mstat(a).migrate_to_ram, NPAGES);
		assert_int_equal(dev_in_use(a), 0);
		assert_int_equal(dcmd(fb, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), 0);
		assert_int_equal(c.cpages, NPAGES);
	} else {
		/* B maps A's memory; A takes it back to RAM; B moves it to itself. */
		assert_int_equal(dcmd(fa, HMM_DMIRROR_MIGRATE_TO_SYS, addr, buf, NPAGES, &c), 0);
		assert_int_equal(c.cpages, NPAGES);
		assert_int_equal(dcmd(fb, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), 0);
		assert_int_equal(c.cpages, NPAGES);
	}
	assert_int_equal(dev_in_use(a), 0);
	assert_int_equal(dev_in_use(b), NPAGES);
	snapshot_all(fb, task, addr, NPAGES, buf, dev_local(memory) | HMM_DMIRROR_PROT_WRITE);
	snapshot_all(fa, task, addr, NPAGES, buf,
		     memory == PRIVATE ? HMM_DMIRROR_PROT_NONE :
		     HMM_DMIRROR_PROT_DEV_COHERENT_REMOTE | HMM_DMIRROR_PROT_WRITE);
	check_ints(task, addr, NPAGES, 0, 1);
	mirror_close(fa);
	mirror_close(fb);
	test_task_done(task);
	mirror_done(a);
	mirror_done(b);
}
HMM_TEST(migrate_two_devices)

/*
 * Two devices sharing one owner (one XGMI hive): each treats the other's
 * pages as its own.  When one device's page moves, the other's mapping of
 * it must go too, though its notifier skips the owner's migrations.
 */
static void shared_owner(struct zd_test_env *env, int memory)
{
	static int hive;
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *a = mirror_new(env, memory, &hive), *b = mirror_new(env, memory, &hive);
	struct zd_mirror_file *fa = mirror_open(a, task), *fb = mirror_open(b, task);
	unsigned long addr = map_anon(task, NPAGES), buf = map_anon(task, NPAGES);
	struct zd_mirror_cmd c;

	assert_ptr_equal(zd_mirror_owner(a), &hive);
	fill_ints(task, addr, NPAGES, 0, 1);
	assert_int_equal(dcmd(fa, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	snapshot_all(fb, task, addr, NPAGES, buf, dev_remote(memory) | HMM_DMIRROR_PROT_WRITE);
	/* B reads A's pages where they are. */
	assert_int_equal(dcmd(fb, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.faults, 1);
	check_ints(task, buf, NPAGES, 0, 1);
	assert_int_equal(mstat(a).migrate_to_ram, 0);

	/* A moves them back: B's mappings of A's memory must not survive. */
	assert_int_equal(dcmd(fa, HMM_DMIRROR_MIGRATE_TO_SYS, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(dev_in_use(a), 0);
	fill_ints(task, addr, NPAGES, 50, 1);
	assert_int_equal(dcmd(fb, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.faults, 1);
	check_ints(task, buf, NPAGES, 50, 1);

	/* B moves them to itself; then A's stale view of RAM must go as well. */
	assert_int_equal(dcmd(fa, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(dcmd(fb, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(dcmd(fb, HMM_DMIRROR_WRITE, addr, buf + PG(0), 1, &c), 0);
	assert_int_equal(dcmd(fa, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.faults, 1);
	check_ints(task, buf, NPAGES, 50, 1);
	snapshot_all(fa, task, addr, NPAGES, buf, dev_remote(memory) | HMM_DMIRROR_PROT_WRITE);
	check_ints(task, addr, NPAGES, 50, 1);
	mirror_close(fa);
	mirror_close(fb);
	test_task_done(task);
	mirror_done(a);
	mirror_done(b);
}
HMM_TEST(shared_owner)

/* Read-only memory migrates; its device pages are read-only too. */
static void migrate_read_only(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map_anon(task, NPAGES), buf = map_anon(task, NPAGES);
	struct zd_mirror_cmd c;

	fill_ints(task, addr, NPAGES / 2, 0, 1);
	assert_int_equal(zd_mprotect(task, addr, PG(NPAGES), PROT_READ), 0);
	assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	snapshot_all(f, task, addr, NPAGES, buf, dev_local(memory) | HMM_DMIRROR_PROT_READ);
	/*
	 * A device write: a coherent page is an ordinary read-only PTE and the
	 * VMA forbids the write fault (-EPERM); our own private page is
	 * reported read-only without a fault and dmirror refuses it (-EFAULT).
	 */
	fill_ints(task, buf, NPAGES, 1, 0);
	assert_int_equal(dcmd(f, HMM_DMIRROR_WRITE, addr, buf, NPAGES, &c),
			 memory == PRIVATE ? -EFAULT : -EPERM);
	check_ints(task, addr, NPAGES / 2, 0, 1);
	check_ints(task, addr + PG(NPAGES / 2), NPAGES / 2, 0, 0);
	mirror_close(f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(migrate_read_only)

/* A device allocation that fails leaves that page behind: -ENOENT. */
static void migrate_fail_alloc(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map_anon(task, NPAGES), buf = map_anon(task, NPAGES);
	unsigned char snap[NPAGES];
	struct zd_mirror_cmd c;
	int i;

	fill_ints(task, addr, NPAGES, 0, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_FLAGS, 0, 0, HMM_DMIRROR_FLAG_FAIL_ALLOC, &c), 0);
	assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), -ENOENT);
	assert_int_equal(dev_in_use(dev), NPAGES - 1);
	for (i = 0; i < NPAGES; i++)
		snap[i] = i ? dev_local(memory) | HMM_DMIRROR_PROT_WRITE : HMM_DMIRROR_PROT_WRITE;
	assert_int_equal(dcmd(f, HMM_DMIRROR_SNAPSHOT, addr, buf, NPAGES, &c), 0);
	check_bytes(task, buf, snap, NPAGES);
	/* The flag cleared itself: the next try moves the rest. */
	assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(dev_in_use(dev), NPAGES);
	check_ints(task, addr, NPAGES, 0, 1);
	mirror_close(f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(migrate_fail_alloc)

/* ------------------------------------------------------------------ */
/* Snapshots                                                           */
/* ------------------------------------------------------------------ */

/*
 * hmm2 snapshot: PROT_NONE, unmapped, zero page, read-only, read-write,
 * this device's page, the other device's page, one snapshot.
 */
static void snapshot_mixed(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *d0 = mirror_new(env, memory, NULL), *d1 = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f0 = mirror_open(d0, task), *f1 = mirror_open(d1, task);
	unsigned long p = map(task, 7, PROT_NONE, MAP_PRIVATE), buf = map_anon(task, 8);
	unsigned char want[7] = {
		HMM_DMIRROR_PROT_ERROR,
		HMM_DMIRROR_PROT_ERROR,
		HMM_DMIRROR_PROT_ZERO | HMM_DMIRROR_PROT_READ,
		HMM_DMIRROR_PROT_READ,
		HMM_DMIRROR_PROT_WRITE,
		dev_local(memory) | HMM_DMIRROR_PROT_WRITE,
		memory == PRIVATE ? HMM_DMIRROR_PROT_NONE :
			HMM_DMIRROR_PROT_DEV_COHERENT_REMOTE | HMM_DMIRROR_PROT_WRITE,
	};
	struct zd_mirror_cmd c;
	int v;

	assert_int_equal(zd_munmap(task, p + PG(1), PG(1)), 0);
	assert_int_equal(zd_mprotect(task, p + PG(2), PG(1), PROT_READ), 0);
	assert_int_equal(zd_read(task, p + PG(2), &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 0);
	assert_int_equal(zd_mprotect(task, p + PG(3), PG(1), PROT_READ | PROT_WRITE), 0);
	v = 3;
	assert_int_equal(zd_write(task, p + PG(3), &v, sizeof(v)), sizeof(v));
	assert_int_equal(zd_mprotect(task, p + PG(3), PG(1), PROT_READ), 0);
	assert_int_equal(zd_mprotect(task, p + PG(4), PG(3), PROT_READ | PROT_WRITE), 0);
	assert_int_equal(zd_write(task, p + PG(4), &v, sizeof(v)), sizeof(v));
	assert_int_equal(dcmd(f0, HMM_DMIRROR_MIGRATE_TO_DEV, p + PG(5), buf, 1, &c), 0);
	assert_int_equal(c.cpages, 1);
	assert_int_equal(dcmd(f1, HMM_DMIRROR_MIGRATE_TO_DEV, p + PG(6), buf, 1, &c), 0);
	assert_int_equal(c.cpages, 1);

	assert_int_equal(dcmd(f0, HMM_DMIRROR_SNAPSHOT, p, buf, 7, &c), 0);
	assert_int_equal(c.cpages, 7);
	assert_int_equal(c.faults, 0);
	check_bytes(task, buf, want, 7);
	/* A snapshot faults nothing in: the other device's page stayed there. */
	assert_int_equal(dev_in_use(d1), 1);
	assert_int_equal(mstat(d1).migrate_to_ram, 0);
	mirror_close(f0);
	mirror_close(f1);
	test_task_done(task);
	mirror_done(d0);
	mirror_done(d1);
}
HMM_TEST(snapshot_mixed)

/* Chunks of 64 pages: a long snapshot, a short buffer fails the chunk it reaches. */
static void snapshot_long(struct zd_test_env *env, int memory)
{
	const unsigned long n = 200;
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map_anon(task, n), buf = map_anon(task, 2);
	unsigned char *bytes = malloc(n);
	struct zd_mirror_cmd c;
	unsigned long i;

	assert_non_null(bytes);
	assert_int_equal(zd_munmap(task, buf + PG(1), PG(1)), 0);	/* a one-page buffer */
	fill_ints(task, addr, n, 0, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_DEV, addr + PG(100), buf, 1, &c), 0);
	assert_int_equal(c.cpages, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_SNAPSHOT, addr, buf, n, &c), 0);
	assert_int_equal(c.cpages, n);
	assert_int_equal(zd_read(task, buf, bytes, n), (long)n);
	for (i = 0; i < n; i++)
		assert_int_equal(bytes[i], i == 100 ? dev_local(memory) | HMM_DMIRROR_PROT_WRITE :
					   HMM_DMIRROR_PROT_WRITE);
	/* 8 bytes before the end of the buffer: the first chunk's copy fails. */
	c = (struct zd_mirror_cmd){ .addr = addr, .ptr = buf + PG(1) - 8, .npages = n };
	assert_int_equal(zd_mirror_cmd(f, HMM_DMIRROR_SNAPSHOT, &c), -EFAULT);
	assert_int_equal(c.cpages, 0);
	assert_int_equal(zd_task_signals(task, NULL), 0);
	free(bytes);
	mirror_close(f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(snapshot_long)

/* ------------------------------------------------------------------ */
/* fork and GUP with device pages                                      */
/* ------------------------------------------------------------------ */

/*
 * hmm_cow_in_device: device pages shared with a child by fork; the
 * parent's CPU write migrates a private page back (unmapping it from the
 * child too) and then copies it; a coherent page is copied straight from
 * device memory.
 */
static void cow_in_device(struct zd_test_env *env, int memory)
{
	struct zd_task *parent = test_task_new(env), *child;
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, parent);
	unsigned long addr = map_anon(parent, NPAGES), buf = map_anon(parent, NPAGES);
	struct zd_mirror_cmd c;

	fill_ints(parent, addr, NPAGES, 0, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	child = zd_task_fork(parent);
	assert_false(IS_ERR_OR_NULL(child));
	/* Both now map the device pages read-only. */
	snapshot_all(f, parent, addr, NPAGES, buf, dev_local(memory) | HMM_DMIRROR_PROT_READ);

	fill_ints(parent, addr, NPAGES, 0, -1);
	snapshot_all(f, parent, addr, NPAGES, buf, HMM_DMIRROR_PROT_WRITE);
	assert_int_equal(mstat(dev).migrate_to_ram, memory == PRIVATE ? NPAGES : 0);
	check_ints(child, addr, NPAGES, 0, 1);
	check_ints(parent, addr, NPAGES, 0, -1);
	/* Private: the page went to RAM and the child kept it; coherent: still there. */
	assert_int_equal(dev_in_use(dev), memory == PRIVATE ? 0 : NPAGES);
	mirror_close(f);
	test_task_done(child);
	test_task_done(parent);
	mirror_done(dev);
}
HMM_TEST(cow_in_device)

/*
 * The parent's pages on the device at fork: the child's own mirror reads
 * them where they are, its CPU write brings its copy to RAM, and the
 * parent's device still sees the parent's data.
 */
static void fork_device_pages(struct zd_test_env *env, int memory)
{
	struct zd_task *parent = test_task_new(env), *child;
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *pf = mirror_open(dev, parent), *cf;
	unsigned long addr = map_anon(parent, NPAGES), buf = map_anon(parent, NPAGES);
	struct zd_mirror_cmd c;

	fill_ints(parent, addr, NPAGES, 0, 1);
	assert_int_equal(dcmd(pf, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, NPAGES, &c), 0);
	child = zd_task_fork(parent);
	assert_false(IS_ERR_OR_NULL(child));
	cf = mirror_open(dev, child);
	assert_int_equal(dcmd(cf, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 1);
	check_ints(child, buf, NPAGES, 0, 1);
	assert_int_equal(mstat(dev).migrate_to_ram, 0);
	/* A device write to a page shared after fork: the entry is read-only. */
	if (memory == PRIVATE)
		assert_int_equal(dcmd(cf, HMM_DMIRROR_WRITE, addr, buf, NPAGES, &c), -EFAULT);

	fill_ints(child, addr, NPAGES, 7, 7);
	check_ints(parent, addr, NPAGES, 0, 1);
	assert_int_equal(dcmd(pf, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	check_ints(parent, buf, NPAGES, 0, 1);
	assert_int_equal(dcmd(cf, HMM_DMIRROR_READ, addr, buf, NPAGES, &c), 0);
	check_ints(child, buf, NPAGES, 7, 7);
	mirror_close(cf);
	test_task_done(child);
	mirror_close(pf);
	test_task_done(parent);
	mirror_done(dev);
}
HMM_TEST(fork_device_pages)

/*
 * hmm_gup_test: GUP of migrated pages.  Private pages are faulted back
 * (I2: never pinned); coherent pages are returned as they are, except to
 * FOLL_LONGTERM, which moves them to RAM first.
 */
static void gup_migrated(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map_anon(task, 4), buf = map_anon(task, 4);
	struct mm_struct *mm = zd_task_mm(task);
	unsigned char want[4];
	struct zd_mirror_cmd c;
	struct page *page;

	fill_ints(task, addr, 4, 0, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_MIGRATE_TO_DEV, addr, buf, 4, &c), 0);
	assert_int_equal(c.cpages, 4);

	assert_int_equal(get_user_pages_fast(mm, addr, 1, FOLL_WRITE, &page), 1);
	assert_int_equal(is_device_coherent_page(page), memory == COHERENT);
	assert_false(is_device_private_page(page));
	put_page(page);
	assert_int_equal(pin_user_pages_fast(mm, addr + PG(1), 1, FOLL_WRITE | FOLL_LONGTERM,
					     &page), 1);
	assert_false(folio_is_zone_device(page_folio(page)));
	unpin_user_page(page);

	want[0] = memory == PRIVATE ? HMM_DMIRROR_PROT_WRITE :
				      HMM_DMIRROR_PROT_DEV_COHERENT_LOCAL | HMM_DMIRROR_PROT_WRITE;
	want[1] = HMM_DMIRROR_PROT_WRITE;
	want[2] = want[3] = dev_local(memory) | HMM_DMIRROR_PROT_WRITE;
	assert_int_equal(dcmd(f, HMM_DMIRROR_SNAPSHOT, addr, buf, 4, &c), 0);
	check_bytes(task, buf, want, 4);
	assert_int_equal(mstat(dev).migrate_to_ram, memory == PRIVATE ? 2 : 0);
	check_ints(task, addr, 4, 0, 1);
	mirror_close(f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(gup_migrated)

/* ------------------------------------------------------------------ */
/* Exclusive access                                                    */
/* ------------------------------------------------------------------ */

/* The device holds the pages for atomics until the CPU touches them. */
static void exclusive(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map_anon(task, NPAGES), buf = map_anon(task, NPAGES);
	struct zd_mirror_cmd c;

	fill_ints(task, addr, NPAGES, 0, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_EXCLUSIVE, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	assert_int_equal(c.faults, 0);
	check_ints(task, buf, NPAGES, 0, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_CHECK_EXCLUSIVE, addr, 0, NPAGES, &c), -EPERM);

	/* The CPU takes them back one by one, revoking the device's claim. */
	check_ints(task, addr, NPAGES, 0, 1);
	fill_ints(task, addr, NPAGES, 1, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_CHECK_EXCLUSIVE, addr, 0, NPAGES, &c), 0);
	check_ints(task, addr, NPAGES, 1, 1);
	assert_int_equal(dev_in_use(dev), 0);	/* device memory plays no part */
	mirror_close(f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(exclusive)

/* mprotect read-only while exclusive: a device write is refused. */
static void exclusive_mprotect(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map_anon(task, NPAGES), buf = map_anon(task, NPAGES);
	struct zd_mirror_cmd c;

	fill_ints(task, addr, NPAGES, 0, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_EXCLUSIVE, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	check_ints(task, buf, NPAGES, 0, 1);
	assert_int_equal(zd_mprotect(task, addr, PG(NPAGES), PROT_READ), 0);
	/* mprotect invalidated the atomic mappings. */
	assert_int_equal(dcmd(f, HMM_DMIRROR_CHECK_EXCLUSIVE, addr, 0, NPAGES, &c), 0);
	assert_int_equal(dcmd(f, HMM_DMIRROR_WRITE, addr, buf, NPAGES, &c), -EPERM);
	check_ints(task, addr, NPAGES, 0, 1);
	mirror_close(f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(exclusive_mprotect)

/* fork while exclusive: both sides copy-on-write from the restored page. */
static void exclusive_cow(struct zd_test_env *env, int memory)
{
	struct zd_task *parent = test_task_new(env), *child;
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, parent);
	unsigned long addr = map_anon(parent, NPAGES), buf = map_anon(parent, NPAGES);
	struct zd_mirror_cmd c;

	fill_ints(parent, addr, NPAGES, 0, 1);
	assert_int_equal(dcmd(f, HMM_DMIRROR_EXCLUSIVE, addr, buf, NPAGES, &c), 0);
	assert_int_equal(c.cpages, NPAGES);
	child = zd_task_fork(parent);
	assert_false(IS_ERR_OR_NULL(child));
	assert_int_equal(dcmd(f, HMM_DMIRROR_CHECK_EXCLUSIVE, addr, 0, NPAGES, &c), 0);
	check_ints(child, addr, NPAGES, 0, 1);
	fill_ints(child, addr, NPAGES, 2, 1);
	check_ints(parent, addr, NPAGES, 0, 1);
	fill_ints(parent, addr, NPAGES, 1, 1);
	check_ints(child, addr, NPAGES, 2, 1);
	check_ints(parent, addr, NPAGES, 1, 1);
	test_task_done(child);
	mirror_close(f);
	test_task_done(parent);
	mirror_done(dev);
}
HMM_TEST(exclusive_cow)

/* ------------------------------------------------------------------ */
/* Bad input                                                           */
/* ------------------------------------------------------------------ */

/*
 * Each bad command returns test_hmm's errno, leaves the command as it was,
 * allocates nothing, sends the task no signal and leaves memory alone.
 */
static void bad_input(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct zd_mirror_file *f = mirror_open(dev, task);
	unsigned long addr = map_anon(task, NPAGES), buf = map_anon(task, NPAGES);
	unsigned long ro = map(task, NPAGES, PROT_READ, MAP_PRIVATE);
	unsigned long none = map(task, 2, PROT_NONE, MAP_PRIVATE);
	unsigned long hole = map_anon(task, 1), small = map_anon(task, 2);
	struct zd_mirror_stat before;
	struct zd_mirror_cmd c;
	unsigned int op;

	/* A page no VMA covers, and a one-page VMA with nothing after it. */
	assert_int_equal(zd_munmap(task, hole, PG(1)), 0);
	assert_int_equal(zd_munmap(task, small + PG(1), PG(1)), 0);
	fill_ints(task, addr, NPAGES, 0, 1);
	fill_ints(task, buf, NPAGES, -5, 0);
	before = mstat(dev);

#define BAD(err, o, a, p, n)						\
	do {								\
		struct zd_mirror_cmd in = { .addr = (a), .ptr = (p),	\
			.npages = (n), .cpages = 0x1111, .faults = 0x2222 };	\
		struct zd_mirror_cmd got = in;				\
		assert_int_equal(zd_mirror_cmd(f, (o), &got), (err));	\
		assert_memory_equal(&got, &in, sizeof(got));	\
	} while (0)

	for (op = HMM_DMIRROR_READ; op <= HMM_DMIRROR_FLAGS; op++) {
		BAD(-EINVAL, op, addr + 1, buf, 1);		/* unaligned */
		BAD(-EINVAL, op, addr, buf, 0);			/* no pages */
		BAD(-EINVAL, op, addr, buf, ~0UL >> PAGE_SHIFT);	/* wraps */
		BAD(-EINVAL, op, PAGE_MASK, buf, 1);		/* wraps at the top */
	}
	BAD(-EINVAL, 9, addr, buf, 1);				/* unknown command */
	BAD(-EINVAL, 0x100, addr, buf, 1);
	assert_int_equal(zd_mirror_cmd(NULL, HMM_DMIRROR_READ, NULL), -EINVAL);
	assert_int_equal(zd_mirror_cmd(ERR_PTR(-ENOMEM), HMM_DMIRROR_READ, NULL), -EINVAL);
	assert_int_equal(zd_mirror_cmd(f, HMM_DMIRROR_READ, NULL), -EFAULT);

	/* Addresses no VMA covers, or PROT_NONE memory. */
	BAD(-EFAULT, HMM_DMIRROR_READ, hole, buf, 1);
	BAD(-EFAULT, HMM_DMIRROR_WRITE, hole, buf, 1);
	BAD(-EFAULT, HMM_DMIRROR_READ, none, buf, 2);
	BAD(-EFAULT, HMM_DMIRROR_WRITE, none, buf, 2);
	BAD(-EINVAL, HMM_DMIRROR_MIGRATE_TO_DEV, hole, buf, 1);
	BAD(-EINVAL, HMM_DMIRROR_MIGRATE_TO_DEV, none, buf, 2);
	BAD(-EINVAL, HMM_DMIRROR_MIGRATE_TO_SYS, hole, buf, 1);
	BAD(-EINVAL, HMM_DMIRROR_MIGRATE_TO_SYS, none, buf, 1);
	BAD(-EPERM, HMM_DMIRROR_WRITE, ro, buf, 1);
	/* npages past the mapping: the fault reaches the end of the VMA. */
	BAD(-EFAULT, HMM_DMIRROR_READ, small, buf, 2);
	BAD(-EFAULT, HMM_DMIRROR_WRITE, small, buf, 2);
	/* More than the system's memory: the bounce buffer cannot be had. */
	BAD(-ENOMEM, HMM_DMIRROR_READ, addr, buf, 1UL << 30);

	/* Bad buffers: unmapped, too small, read-only for a read, PROT_NONE. */
	BAD(-EFAULT, HMM_DMIRROR_READ, addr, hole, 1);
	BAD(-EFAULT, HMM_DMIRROR_READ, addr, small, 2);
	BAD(-EFAULT, HMM_DMIRROR_READ, addr, ro, 1);
	BAD(-EFAULT, HMM_DMIRROR_WRITE, addr, none, 1);
	BAD(-EFAULT, HMM_DMIRROR_WRITE, addr, small + PG(1) - 4, 1);
	BAD(-EFAULT, HMM_DMIRROR_SNAPSHOT, addr, hole, NPAGES);
	BAD(-EFAULT, HMM_DMIRROR_SNAPSHOT, addr, ro, NPAGES);
	BAD(-EFAULT, HMM_DMIRROR_READ, addr, 0, 1);
	BAD(-EFAULT, HMM_DMIRROR_READ, addr, TASK_SIZE - 8, 1);
	BAD(-EFAULT, HMM_DMIRROR_READ, addr, ~0UL - 100, 1);
#undef BAD

	/* Nothing changed: memory, device, signals. */
	check_ints(task, addr, NPAGES, 0, 1);
	check_ints(task, buf, NPAGES, -5, 0);
	assert_int_equal(mstat(dev).calloc, before.calloc);
	assert_int_equal(zd_task_signals(task, NULL), 0);

	/*
	 * A migration past the end of the VMA: as in test_hmm, what the VMA
	 * covers moves before the next chunk finds no VMA; the command is
	 * not copied back.
	 */
	c = (struct zd_mirror_cmd){ .addr = small, .ptr = buf, .npages = 2, .cpages = 3 };
	assert_int_equal(zd_mirror_cmd(f, HMM_DMIRROR_MIGRATE_TO_DEV, &c), -EINVAL);
	assert_int_equal(c.cpages, 3);
	assert_int_equal(mstat(dev).calloc, before.calloc + 1);
	assert_int_equal(zd_task_signals(task, NULL), 0);

	/* Opens, creates and destroys with bad arguments. */
	assert_true(PTR_ERR(zd_mirror_open(NULL, task)) == -EINVAL);
	assert_true(PTR_ERR(zd_mirror_open(dev, NULL)) == -EINVAL);
	assert_int_equal(zd_mirror_close(NULL), -EINVAL);
	assert_int_equal(zd_mirror_destroy(NULL), -EINVAL);
	assert_int_equal(zd_mirror_stat(dev, NULL), -EINVAL);
	assert_int_equal(zd_mirror_migrate_to_dev(f, addr + 1, 1), -EINVAL);
	assert_int_equal(zd_mirror_migrate_to_dev(f, addr, 0), -EINVAL);
	assert_int_equal(zd_mirror_migrate_to_sys(NULL, addr, 1), -EINVAL);
	mirror_close(f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(bad_input)

/* zd_mirror_create() refuses what it cannot build, registering nothing. */
static void bad_config(void **state)
{
	struct zd_test_env *env = *state;
	struct zd_mirror_config cfg = { .memory = PRIVATE };
	struct zd_mirror *dev;

	assert_true(PTR_ERR(zd_mirror_create(NULL, &cfg)) == -EINVAL);
	assert_true(PTR_ERR(zd_mirror_create(env->sys, NULL)) == -EINVAL);
	cfg.memory = 0;
	assert_true(PTR_ERR(zd_mirror_create(env->sys, &cfg)) == -EINVAL);
	cfg.memory = 3;
	assert_true(PTR_ERR(zd_mirror_create(env->sys, &cfg)) == -EINVAL);
	cfg.memory = COHERENT;
	cfg.chunk_size = PAGE_SIZE;
	assert_true(PTR_ERR(zd_mirror_create(env->sys, &cfg)) == -EINVAL);
	cfg.chunk_size = CHUNK + PAGE_SIZE;
	assert_true(PTR_ERR(zd_mirror_create(env->sys, &cfg)) == -EINVAL);
	cfg.chunk_size = 1UL << 62;
	assert_true(PTR_ERR(zd_mirror_create(env->sys, &cfg)) == -EINVAL);
	/* The default: one 256 MiB chunk, as the module's init. */
	cfg.chunk_size = 0;
	dev = zd_mirror_create(env->sys, &cfg);
	assert_false(IS_ERR_OR_NULL(dev));
	assert_int_equal(mstat(dev).nr_chunks, 1);
	mirror_done(dev);
}

/* ------------------------------------------------------------------ */
/* Concurrency                                                         */
/* ------------------------------------------------------------------ */

#define TEARDOWN_PAGES	8
#define TEARDOWN_ROUNDS	150

struct teardown {
	struct zd_task *task;
	struct zd_mirror_file *f;
	unsigned long addr;
	unsigned long buf[2];
	unsigned long seed;
	atomic_t stop;
	atomic_long_t reads_ok;
	atomic_long_t bad_data;
	atomic_long_t bad_err;
};

/*
 * Every int ever stored in page i is 0 or (round << 8) | i.  A read may
 * see a page half rewritten, but never another page's data: that would
 * be a device mapping that outlived its page.
 */
static bool page_consistent(const int *p, unsigned long page)
{
	size_t i, n = PAGE_SIZE / sizeof(int);

	for (i = 0; i < n; i++)
		if (p[i] && (unsigned long)(p[i] & 0xff) != page)
			return false;
	return true;
}

/* The device reads the range over and over while it is torn down. */
static void *teardown_reader(void *arg)
{
	struct teardown *t = arg;
	int *data = malloc(PG(TEARDOWN_PAGES));
	unsigned long x = t->seed;

	assert_non_null(data);
	while (!atomic_read(&t->stop)) {
		struct zd_mirror_cmd c = { .addr = t->addr, .ptr = t->buf[0],
					   .npages = TEARDOWN_PAGES };
		unsigned int op = zd_rand(&x) % 4 ? HMM_DMIRROR_READ : HMM_DMIRROR_MIGRATE_TO_DEV;
		int ret = zd_mirror_cmd(t->f, op, &c);
		unsigned long i;

		if (ret) {
			/* Unmapped: -EFAULT (read) or -EINVAL (migrate); half-mapped: -ENOENT. */
			if (ret != -EFAULT && ret != -EINVAL && ret != -ENOENT)
				atomic_long_inc(&t->bad_err);
			continue;
		}
		if (c.cpages != TEARDOWN_PAGES)
			atomic_long_inc(&t->bad_err);
		if (zd_read(t->task, t->buf[0], data, PG(TEARDOWN_PAGES)) != (long)PG(TEARDOWN_PAGES))
			atomic_long_inc(&t->bad_err);
		for (i = 0; i < TEARDOWN_PAGES; i++)
			if (!page_consistent(data + i * (PAGE_SIZE / sizeof(int)), i))
				atomic_long_inc(&t->bad_data);
		atomic_long_inc(&t->reads_ok);
	}
	free(data);
	return NULL;
}

/*
 * anon_teardown, concurrently: the task unmaps and remaps the range and
 * refills it, and touches it with the CPU, while the device reads and
 * migrates it.
 */
static void concurrent_teardown(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct teardown t = { .task = task };
	struct zd_thread reader;
	int *page = malloc(PAGE_SIZE);
	unsigned long x, round, i;
	size_t k;

	assert_non_null(page);
	t.seed = zd_test_seed();
	x = t.seed;
	t.f = mirror_open(dev, task);
	t.addr = map_anon(task, TEARDOWN_PAGES);
	t.buf[0] = map_anon(task, TEARDOWN_PAGES);
	atomic_set(&t.stop, 0);
	atomic_long_set(&t.reads_ok, 0);
	atomic_long_set(&t.bad_data, 0);
	atomic_long_set(&t.bad_err, 0);
	assert_int_equal(zd_thread_start(&reader, teardown_reader, &t), 0);

	for (round = 1; round <= TEARDOWN_ROUNDS; round++) {
		unsigned long what = zd_rand(&x) % 4, first = 0, len = TEARDOWN_PAGES;

		if (what == 2) {
			first = zd_rand(&x) % TEARDOWN_PAGES;
			len = 1;
		}
		if (what == 0 || what == 2) {
			/* Gone and back, empty: the device's view of it must go. */
			assert_int_equal(zd_munmap(task, t.addr + PG(first), PG(len)), 0);
			assert_int_equal(zd_mmap(task, t.addr + PG(first), PG(len),
						 PROT_READ | PROT_WRITE,
						 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0),
					 (long)(t.addr + PG(first)));
		} else if (what == 1) {
			assert_int_equal(zd_madvise(task, t.addr, PG(TEARDOWN_PAGES),
						    MADV_DONTNEED), 0);
		}
		for (i = 0; i < TEARDOWN_PAGES; i++) {
			if (zd_rand(&x) % 2)
				continue;
			for (k = 0; k < PAGE_SIZE / sizeof(int); k++)
				page[k] = (int)((round << 8) | i);
			assert_int_equal(zd_write(task, t.addr + PG(i), page, PAGE_SIZE),
					 (long)PAGE_SIZE);
		}
	}
	/*
	 * On a loaded machine the reader may not have won a single round
	 * against the mutations: with the task quiet now, give it time to.
	 */
	for (i = 0; i < 5000 && !atomic_long_read(&t.reads_ok); i++)
		msleep(1);
	atomic_set(&t.stop, 1);
	zd_thread_join(&reader);
	assert_int_equal(atomic_long_read(&t.bad_err), 0);
	assert_int_equal(atomic_long_read(&t.bad_data), 0);
	assert_true(atomic_long_read(&t.reads_ok) > 0);
	assert_int_equal(zd_task_signals(task, NULL), 0);
	free(page);
	mirror_close(t.f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(concurrent_teardown)

/* Device reads and migrations racing the task's own CPU, then RELEASE. */
struct gpu_race {
	struct zd_task *task;
	struct zd_mirror_file *f;
	unsigned long addr;
	unsigned long buf;
	unsigned long seed;
	atomic_t stop;
	atomic_long_t errors;
};

static void *gpu_race_cpu(void *arg)
{
	struct gpu_race *g = arg;
	unsigned long x = g->seed;
	int v;

	while (!atomic_read(&g->stop)) {
		unsigned long i = zd_rand(&x) % NPAGES;

		/* Page i always holds i in its first int; the CPU rewrites it. */
		if (zd_read(g->task, g->addr + PG(i), &v, sizeof(v)) != sizeof(v) || v != (int)i)
			atomic_long_inc(&g->errors);
		if (zd_rand(&x) % 2 &&
		    zd_write(g->task, g->addr + PG(i), &v, sizeof(v)) != sizeof(v))
			atomic_long_inc(&g->errors);
	}
	return NULL;
}

static void concurrent_cpu_device(struct zd_test_env *env, int memory)
{
	struct zd_task *task = test_task_new(env);
	struct zd_mirror *dev = mirror_new(env, memory, NULL);
	struct gpu_race g = { .task = task };
	struct zd_thread cpu;
	unsigned long x, i;
	int round, data[NPAGES];

	g.seed = zd_test_seed();
	x = g.seed ^ 0x5555;
	g.f = mirror_open(dev, task);
	g.addr = map_anon(task, NPAGES);
	g.buf = map_anon(task, NPAGES);
	for (i = 0; i < NPAGES; i++)
		fill_ints(task, g.addr + PG(i), 1, (int)i, 0);
	atomic_set(&g.stop, 0);
	atomic_long_set(&g.errors, 0);
	assert_int_equal(zd_thread_start(&cpu, gpu_race_cpu, &g), 0);
	for (round = 0; round < 200; round++) {
		struct zd_mirror_cmd c;
		unsigned int op;
		int ret;

		switch (zd_rand(&x) % 5) {
		case 0:
			op = HMM_DMIRROR_MIGRATE_TO_SYS;
			break;
		case 1:
			op = HMM_DMIRROR_WRITE;
			break;
		case 2:
			op = HMM_DMIRROR_SNAPSHOT;
			break;
		default:
			op = HMM_DMIRROR_MIGRATE_TO_DEV;
			break;
		}
		if (op == HMM_DMIRROR_WRITE) {
			/* Write back what is there: page i's first int is i. */
			for (i = 0; i < NPAGES; i++)
				fill_ints(task, g.buf + PG(i), 1, (int)i, 0);
		}
		ret = dcmd(g.f, op, g.addr, g.buf, NPAGES, &c);
		/* A page the CPU took back between migration and read-back: -ENOENT. */
		if (ret && !(op == HMM_DMIRROR_MIGRATE_TO_DEV && ret == -ENOENT))
			fail_msg("op %u: %d", op, ret);
		if (!ret && op == HMM_DMIRROR_MIGRATE_TO_DEV)
			for (i = 0; i < NPAGES; i++) {
				assert_int_equal(zd_read(task, g.buf + PG(i), data, sizeof(int)),
						 sizeof(int));
				assert_int_equal(data[0], (int)i);
			}
		if (round % 50 == 49)
			assert_int_equal(dcmd(g.f, HMM_DMIRROR_RELEASE, 0, 0, 1, &c), 0);
	}
	atomic_set(&g.stop, 1);
	zd_thread_join(&cpu);
	assert_int_equal(atomic_long_read(&g.errors), 0);
	for (i = 0; i < NPAGES; i++)
		check_ints(task, g.addr + PG(i), 1, (int)i, 0);
	mirror_close(g.f);
	test_task_done(task);
	mirror_done(dev);
}
HMM_TEST(concurrent_cpu_device)

int main(void)
{
	const struct CMUnitTest tests[] = {
		HMM_BOTH(open_close),
		HMM_BOTH(anon_read),
		HMM_BOTH(anon_read_zero),
		HMM_BOTH(anon_read_prot),
		HMM_BOTH(anon_write),
		HMM_BOTH(anon_write_prot),
		HMM_BOTH(anon_write_child),
		HMM_BOTH(anon_write_child_shared),
		HMM_BOTH(migrate_fault),
		HMM_BOTH(migrate_to_sys),
		HMM_BOTH(migrate_release),
		HMM_BOTH(migrate_shared),
		HMM_BOTH(migrate_multiple),
		HMM_BOTH(migrate_two_devices),
		HMM_BOTH(shared_owner),
		HMM_BOTH(migrate_read_only),
		HMM_BOTH(migrate_fail_alloc),
		HMM_BOTH(snapshot_mixed),
		HMM_BOTH(snapshot_long),
		HMM_BOTH(cow_in_device),
		HMM_BOTH(fork_device_pages),
		HMM_BOTH(gup_migrated),
		HMM_BOTH(exclusive),
		HMM_BOTH(exclusive_mprotect),
		HMM_BOTH(exclusive_cow),
		HMM_BOTH(bad_input),
		ZD_TEST_BOTH(bad_config),
		HMM_BOTH(concurrent_teardown),
		HMM_BOTH(concurrent_cpu_device),
	};

	return ZD_RUN("hmm", tests);
}
