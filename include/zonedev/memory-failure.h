/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory failure (mm/memory-failure.c) for ZONE_DEVICE memory: poison
 * reported in a device page, the tasks mapping it unmapped and signalled
 * (SIGBUS with BUS_MCEERR_AR for the task that consumed it, BUS_MCEERR_AO
 * for the others, SIGKILL where no address can be found), and the
 * early-kill policy that decides who hears of it before touching it: the
 * vm.memory_failure_early_kill sysctl and prctl(PR_MCE_KILL).
 * See spec fsdax_devdax.md §6.
 *
 * The mf_flags (MF_ACTION_REQUIRED, MF_MEM_PRE_REMOVE, ...) are in
 * <zonedev/dax.h>, shared with the drivers and file systems that pass them.
 */
#ifndef _ZONEDEV_MEMORY_FAILURE_H
#define _ZONEDEV_MEMORY_FAILURE_H

#include <sys/prctl.h>
#include <zonedev/dax.h>

struct zd_system;
struct zd_task;

int zd_memory_failure(struct zd_system *sys, unsigned long pfn, int flags);
int zd_memory_failure_task(struct zd_system *sys, unsigned long pfn, int flags,
			   struct zd_task *current_task);

int zd_sysctl_memory_failure_early_kill(struct zd_system *sys, int early_kill);
int zd_memory_failure_early_kill(struct zd_system *sys);
int zd_prctl(struct zd_task *task, int option, unsigned long arg2, unsigned long arg3,
	     unsigned long arg4, unsigned long arg5);

#endif /* _ZONEDEV_MEMORY_FAILURE_H */
