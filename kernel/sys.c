// SPDX-License-Identifier: GPL-2.0-only
/*
 * prctl() (kernel/sys.c), for what a simulated task can choose about
 * itself: its machine-check kill policy, PR_MCE_KILL and PR_MCE_KILL_GET,
 * which decides whether memory failure signals it as soon as poison is
 * found in a page it maps (early) or only when it touches it (late).
 */
#include <sys/prctl.h>
#include <zonedev/memory-failure.h>
#include "../mm/internal_mm.h"

/**
 * zd_prctl() - prctl(2) on behalf of @task
 * @task: the calling task
 * @option: PR_MCE_KILL or PR_MCE_KILL_GET
 * @arg2: PR_MCE_KILL: PR_MCE_KILL_CLEAR (back to the sysctl's choice) or
 *	PR_MCE_KILL_SET; 0 for PR_MCE_KILL_GET
 * @arg3: PR_MCE_KILL_SET: PR_MCE_KILL_EARLY, PR_MCE_KILL_LATE or
 *	PR_MCE_KILL_DEFAULT; otherwise 0
 * @arg4: 0
 * @arg5: 0
 *
 * The policy is the task's (a forked child inherits it).
 *
 * Return: 0 for PR_MCE_KILL; PR_MCE_KILL_EARLY, PR_MCE_KILL_LATE or
 * PR_MCE_KILL_DEFAULT for PR_MCE_KILL_GET; -EINVAL for a bad @task, an
 * unknown option or a non-zero unused argument, as the kernel answers.
 */
int zd_prctl(struct zd_task *task, int option, unsigned long arg2, unsigned long arg3,
	     unsigned long arg4, unsigned long arg5)
{
	unsigned int flags;

	if (IS_ERR_OR_NULL(task))
		return -EINVAL;
	flags = READ_ONCE(task->mce_flags);
	switch (option) {
	case PR_MCE_KILL:
		if (arg4 | arg5)
			return -EINVAL;
		switch (arg2) {
		case PR_MCE_KILL_CLEAR:
			if (arg3)
				return -EINVAL;
			flags &= ~PF_MCE_PROCESS;
			break;
		case PR_MCE_KILL_SET:
			if (arg3 == PR_MCE_KILL_EARLY)
				flags |= PF_MCE_PROCESS | PF_MCE_EARLY;
			else if (arg3 == PR_MCE_KILL_LATE)
				flags = (flags | PF_MCE_PROCESS) & ~PF_MCE_EARLY;
			else if (arg3 == PR_MCE_KILL_DEFAULT)
				flags &= ~(PF_MCE_PROCESS | PF_MCE_EARLY);
			else
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
		WRITE_ONCE(task->mce_flags, flags);
		return 0;
	case PR_MCE_KILL_GET:
		if (arg2 | arg3 | arg4 | arg5)
			return -EINVAL;
		if (flags & PF_MCE_PROCESS)
			return (flags & PF_MCE_EARLY) ? PR_MCE_KILL_EARLY : PR_MCE_KILL_LATE;
		return PR_MCE_KILL_DEFAULT;
	default:
		return -EINVAL;
	}
}
