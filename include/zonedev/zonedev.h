/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The zonedev harness: simulated systems (each a NUMA node with its own RAM
 * and its own refcount scheme), their audit, counters and trace.
 *
 * Kernel concepts keep kernel names (include/zonedev/mm.h, memremap.h, ...);
 * what a kernel does not have, the harness around it, is prefixed zd_.
 */
#ifndef _ZONEDEV_ZONEDEV_H
#define _ZONEDEV_ZONEDEV_H

#include <stdio.h>
#include <sys/mman.h>
#include <signal.h>
#include <zonedev/mm.h>
#include <zonedev/memremap.h>
#include <zonedev/ioport.h>
#include <zonedev/slab.h>
#include <zonedev/fault-inject.h>
#include <zonedev/mm_task.h>
#include <zonedev/pmem.h>
#include <zonedev/daxfs.h>
#include <zonedev/devdax.h>

#define ZONEDEV_VERSION		"0.1.0"

enum zd_trace_format {
	ZD_TRACE_TEXT,		/* ftrace-style lines */
	ZD_TRACE_JSON,		/* Chrome trace event JSON */
};

/*
 * zd_config.flags.  A model violation is always reported and counted; what
 * happens next is ZD_BUG_ABORT (abort() where it happened, the default in
 * debug builds of the library, like VM_BUG_ON with CONFIG_DEBUG_VM) or
 * ZD_BUG_CONTINUE (carry on, the default otherwise; tests that provoke
 * violations on purpose ask for it).
 */
#define ZD_BUG_ABORT		0x1
#define ZD_QUIET		0x2	/* count violations, do not print them */
#define ZD_BUG_CONTINUE		0x4
/* Back all of RAM with host memory at create, as real RAM exists (benchmarks). */
#define ZD_RAM_PREFAULT		0x8

/**
 * struct zd_config - how to build a system
 * @ram_size: bytes of system RAM, a multiple of 4 MiB (0: 256 MiB)
 * @nr_cpus: simulated CPUs for percpu structures (0: 4); process-wide, like
 *	the host's, so the last system created sets it for all
 * @scheme: ZD_REFCOUNT_ZERO (v6.15+, default) or ZD_REFCOUNT_ELEVATED
 * @flags: ZD_BUG_ABORT or ZD_BUG_CONTINUE, ZD_QUIET
 * @report: where violations and audit findings go (NULL: stderr)
 * @trace: trace sink, or NULL for no tracing
 * @trace_format: ZD_TRACE_TEXT or ZD_TRACE_JSON
 * @name: for reports
 */
struct zd_config {
	unsigned long ram_size;
	unsigned int nr_cpus;
	enum zd_refcount_scheme scheme;
	unsigned int flags;
	FILE *report;
	FILE *trace;
	enum zd_trace_format trace_format;
	const char *name;
};

struct zd_system;

struct zd_system *zd_system_create(const struct zd_config *config);
int zd_system_destroy(struct zd_system *sys);
int zd_system_audit(struct zd_system *sys, FILE *report);
unsigned long zd_system_take_bugs(struct zd_system *sys);
unsigned long zd_system_bugs(struct zd_system *sys);
int zd_system_nid(const struct zd_system *sys);
enum zd_refcount_scheme zd_system_scheme(const struct zd_system *sys);
const char *zd_scheme_name(enum zd_refcount_scheme scheme);
struct zd_system *zd_page_system(const struct page *page);
unsigned long zd_orphan_bugs(void);

/* ------------------------------------------------------------------ */
/* Tasks, syscalls and CPU access (the software MMU)                   */
/* ------------------------------------------------------------------ */

struct zd_task;
struct zd_file;

/* What a task would find in its siginfo_t (si_signo, si_code, ...). */
struct zd_siginfo {
	int signo;		/* SIGSEGV, SIGBUS */
	int code;		/* SEGV_MAPERR, SEGV_ACCERR, BUS_ADRERR, BUS_MCEERR_AR/AO */
	unsigned long addr;
	short addr_lsb;
};

struct zd_task *zd_task_create(struct zd_system *sys);
struct zd_task *zd_task_fork(struct zd_task *parent);
int zd_task_exit(struct zd_task *task);
struct mm_struct *zd_task_mm(struct zd_task *task);
int zd_task_pid(const struct zd_task *task);
unsigned long zd_task_signals(struct zd_task *task, struct zd_siginfo *last);
void zd_task_clear_signals(struct zd_task *task);

long zd_mmap(struct zd_task *task, unsigned long addr, unsigned long len, int prot, int flags,
	     struct zd_file *file, unsigned long off);
int zd_munmap(struct zd_task *task, unsigned long addr, unsigned long len);
int zd_mprotect(struct zd_task *task, unsigned long addr, unsigned long len, int prot);
int zd_madvise(struct zd_task *task, unsigned long addr, unsigned long len, int advice);
long zd_mremap(struct zd_task *task, unsigned long old_addr, unsigned long old_len,
	       unsigned long new_len, int flags, unsigned long new_addr);
long zd_read(struct zd_task *task, unsigned long addr, void *buf, size_t len);
long zd_write(struct zd_task *task, unsigned long addr, const void *buf, size_t len);

/* /proc/vmstat-style counters of one system */
unsigned long zd_node_stat(struct zd_system *sys, enum node_stat_item item);
unsigned long zd_vm_event(struct zd_system *sys, enum vm_event_item item);
unsigned long zd_nr_free_pages(struct zd_system *sys);
void zd_vmstat_show(struct zd_system *sys, FILE *out);

#include <zonedev/mirror.h>
#include <zonedev/memory-failure.h>

#endif /* _ZONEDEV_ZONEDEV_H */
