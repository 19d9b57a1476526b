// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory failure for ZONE_DEVICE memory (mm/memory-failure.c): a device
 * page went bad (or, with MF_MEM_PRE_REMOVE, its device is going away),
 * and every task that maps it must stop using it.  Spec fsdax_devdax.md §6.
 *
 * The way in is memory_failure(pfn): the pgmap's driver is asked first
 * (->memory_failure; a pmem device records badblocks and asks the file
 * system holding it which files own the range, and the file system calls
 * mf_dax_kill_procs() for them); a driver without the op, or one answering
 * -EOPNOTSUPP (no holder), leaves the page to mf_generic_kill_procs(),
 * which finds the owner through folio->mapping and ->index.  Either way
 * the page is marked HWPoison (unless the device is only being removed),
 * the tasks to signal are collected, the largest mapping size found is
 * unmapped around the page from every mapping of the file, and the
 * collected tasks are signalled.
 *
 * Who is collected is the early-kill policy.  The task that consumed the
 * poison ("current": the harness has no current, so the caller names it,
 * see zd_memory_failure_task()) always is, and gets BUS_MCEERR_AR; any
 * other task only if it asked for early kills (prctl PR_MCE_KILL_EARLY) or
 * left the choice to the vm.memory_failure_early_kill sysctl and that is
 * 1, and gets BUS_MCEERR_AO.  Everyone else is "late killed": the unmap
 * took its mapping too, and its next touch faults on poisoned media
 * (SIGBUS BUS_MCEERR_AR, lsb PAGE_SHIFT, from the fault path) or, where
 * the fault maps the page again (device-dax), consumes the poison and
 * comes back here as the current task (kill_me_maybe()).  A device being
 * removed revokes every mapping, so every task mapping it is collected.
 *
 * si_addr is where the task maps the page (its first byte, for the head of
 * a device-dax compound page); si_addr_lsb is the size of the leaf present
 * there, PAGE_SHIFT, PMD_SHIFT or PUD_SHIFT.  A task mapping the page but
 * with nothing present there is not signalled; one whose address cannot
 * be worked out gets SIGKILL.  Each collected task gets one signal per
 * kill pass (spec §8 invariant 28), from its first VMA with a leaf present.
 *
 * Lock order: mf_mutex -> (the driver's and file system's locks) -> DAX
 * entry lock -> i_mmap_lock -> task_lock -> a task's sig_lock.
 */
#include <signal.h>
#include <zonedev/memory-failure.h>
#include "internal_mm.h"

/* Serialises failures, as the kernel's mf_mutex does. */
static DEFINE_MUTEX(mf_mutex);

/*
 * The task whose access raised the machine check, for the duration of a
 * failure handled on its behalf; NULL for a failure found by a scrubber
 * or reported by the platform (nobody consumed it).
 */
static __thread struct zd_task *mf_current;

/**
 * struct to_kill - a task collected for a signal
 * @sys: its system
 * @pid: the task (looked up again under task_lock when signalled: tasks
 *	may exit meanwhile)
 * @addr: where it maps the page, or -EFAULT if that could not be found
 * @size_shift: log2 of the leaf mapping it there (0: nothing present)
 * @is_current: the task that consumed the poison
 */
struct to_kill {
	struct zd_system *sys;
	int pid;
	unsigned long addr;
	short size_shift;
	bool is_current;
};

struct kill_list {
	struct to_kill *tk;
	unsigned int nr, cap;
};

static void kill_list_free(struct kill_list *kl)
{
	kfree(kl->tk);
	kl->tk = NULL;
	kl->nr = kl->cap = 0;
}

/*
 * The leaf present at @addr in @mm: PUD_SHIFT, PMD_SHIFT, PAGE_SHIFT, or
 * 0 for none (dev_pagemap_mapping_shift(); v6.15 looks at present leaves,
 * not at devmap bits, so both schemes answer alike).
 */
static short mapping_shift(struct mm_struct *mm, unsigned long addr)
{
	short shift = 0;
	pud_t *pudp;
	pmd_t *pmdp;
	pte_t *ptep;

	rcu_read_lock();
	pudp = pud_offset_lockless(mm, addr);
	if (!pudp)
		goto out;
	if (pud_leaf(pudp_get(pudp))) {
		shift = pud_present(pudp_get(pudp)) ? PUD_SHIFT : 0;
		goto out;
	}
	pmdp = pmd_offset_lockless(mm, addr);
	if (!pmdp)
		goto out;
	if (pmd_leaf(pmdp_get(pmdp))) {
		shift = pmd_present(pmdp_get(pmdp)) ? PMD_SHIFT : 0;
		goto out;
	}
	ptep = pte_offset_lockless(mm, addr);
	if (ptep && pte_present(ptep_get(ptep)))
		shift = PAGE_SHIFT;
out:
	rcu_read_unlock();
	return shift;
}

/*
 * task_early_kill(): is @task collected?  Under a removal everyone is;
 * otherwise the consumer (same mm as current) always, others by their
 * prctl choice or, if they made none, by the sysctl.
 */
static bool task_early_kill(struct zd_task *task, bool pre_remove, bool *is_current)
{
	unsigned int mce = READ_ONCE(task->mce_flags);
	struct zd_task *cur = mf_current;

	*is_current = cur && cur->mm == task->mm;
	if (pre_remove || *is_current)
		return true;
	if (mce & PF_MCE_PROCESS)
		return mce & PF_MCE_EARLY;
	return READ_ONCE(task->sys->memory_failure_early_kill);
}

/*
 * add_to_kill(): record @task mapping file page @pgoff through @vma.  One
 * entry per task: a later VMA only replaces an entry with nothing present.
 */
static void add_to_kill(struct kill_list *kl, struct zd_task *task, struct vm_area_struct *vma,
			pgoff_t pgoff, bool is_current)
{
	unsigned long addr = (unsigned long)-EFAULT;
	short shift = 0;
	unsigned int i;

	if (pgoff >= vma->vm_pgoff && pgoff - vma->vm_pgoff < vma_pages(vma)) {
		addr = vma->vm_start + ((pgoff - vma->vm_pgoff) << PAGE_SHIFT);
		shift = mapping_shift(vma->vm_mm, addr);
		/* Mapped by this VMA, but nothing there: nothing to tell it. */
		if (!shift)
			return;
	}
	for (i = 0; i < kl->nr; i++) {
		if (kl->tk[i].sys != task->sys || kl->tk[i].pid != task->pid)
			continue;
		if (kl->tk[i].addr == (unsigned long)-EFAULT && shift) {
			kl->tk[i].addr = addr;
			kl->tk[i].size_shift = shift;
		}
		return;
	}
	if (kl->nr == kl->cap) {
		unsigned int cap = kl->cap ? 2 * kl->cap : 8;
		struct to_kill *tk = krealloc(kl->tk, cap * sizeof(*tk), GFP_KERNEL);

		/* The kernel logs "Out of memory while machine check handling". */
		if (!tk)
			return;
		kl->tk = tk;
		kl->cap = cap;
	}
	kl->tk[kl->nr++] = (struct to_kill){
		.sys = task->sys,
		.pid = task->pid,
		.addr = addr,
		.size_shift = shift,
		.is_current = is_current,
	};
}

/*
 * collect_procs(): the tasks to signal for file page @pgoff of @mapping,
 * through every VMA of the file that covers it (collect_procs_file() and
 * collect_procs_fsdax(): with the file's offset given, a page shared by
 * several files is found in each).
 */
static void collect_procs(struct address_space *mapping, pgoff_t pgoff, bool pre_remove,
			  struct kill_list *kl)
{
	struct vm_area_struct *vma;

	mutex_lock(&mapping->i_mmap_lock);
	list_for_each_entry(vma, &mapping->i_mmap, shared) {
		struct zd_system *sys = node_system(vma->vm_mm->nid);
		struct zd_task *task;

		if (pgoff < vma->vm_pgoff || pgoff - vma->vm_pgoff >= vma_pages(vma) || !sys)
			continue;
		spin_lock(&sys->task_lock);
		list_for_each_entry(task, &sys->tasks, tasks) {
			bool is_current;

			if (task->mm != vma->vm_mm)
				continue;
			if (task_early_kill(task, pre_remove, &is_current))
				add_to_kill(kl, task, vma, pgoff, is_current);
		}
		spin_unlock(&sys->task_lock);
	}
	mutex_unlock(&mapping->i_mmap_lock);
}

static void mf_trace_signal(struct zd_system *sys, unsigned long pfn, const struct to_kill *tk,
			    int signo, int code)
{
	if (READ_ONCE(sys->cfg.trace))
		zd_trace_event(sys, "zd_memory_failure_signal",
			       "pfn=%#lx pid=%d sig=%d code=%d addr=%#lx lsb=%d", pfn, tk->pid,
			       signo, code, tk->addr, tk->size_shift);
}

/*
 * kill_proc()/kill_procs(): signal what was collected.  @forcekill
 * (MF_MUST_KILL, always set for device memory): a task whose address is
 * unknown is killed outright; the consumer gets BUS_MCEERR_AR when the
 * failure was action-required, everyone else BUS_MCEERR_AO.
 */
static void kill_procs(struct kill_list *kl, bool forcekill, unsigned long pfn, int flags)
{
	unsigned int i;

	for (i = 0; forcekill && i < kl->nr; i++) {
		struct to_kill *tk = &kl->tk[i];
		struct zd_task *task;

		spin_lock(&tk->sys->task_lock);
		list_for_each_entry(task, &tk->sys->tasks, tasks) {
			int code;

			if (task->pid != tk->pid)
				continue;
			if (tk->addr == (unsigned long)-EFAULT) {
				zd_task_send_signal(task, SIGKILL, SI_KERNEL, 0, 0);
				mf_trace_signal(tk->sys, pfn, tk, SIGKILL, SI_KERNEL);
				break;
			}
			code = (flags & MF_ACTION_REQUIRED) && tk->is_current ? BUS_MCEERR_AR :
										 BUS_MCEERR_AO;
			zd_task_send_signal(task, SIGBUS, code, tk->addr, tk->size_shift);
			mf_trace_signal(tk->sys, pfn, tk, SIGBUS, code);
			break;
		}
		spin_unlock(&tk->sys->task_lock);
	}
	kill_list_free(kl);
}

/*
 * unmap_and_kill(): unmap the largest leaf any collected task maps the
 * page with, aligned, from every mapping of the file (so a device-dax
 * unit goes whole rather than split), then signal.  Nobody collected:
 * nothing is unmapped.
 */
static void unmap_and_kill(struct kill_list *kl, unsigned long pfn,
			   struct address_space *mapping, pgoff_t index, int flags)
{
	unsigned long size = 0;
	unsigned int i;

	for (i = 0; i < kl->nr; i++)
		if (kl->tk[i].size_shift)
			size = max(size, 1UL << kl->tk[i].size_shift);
	if (size) {
		loff_t start = (loff_t)(((u64)index << PAGE_SHIFT) & ~((u64)size - 1));

		unmap_mapping_range(mapping, start, (loff_t)size, 0);
	}
	kill_procs(kl, flags & MF_MUST_KILL, pfn, flags);
}

/*
 * mf_generic_kill_procs(): the page's owner from its folio (device-dax,
 * or fsdax with no file system to ask).  The DAX entry stays locked while
 * we work, so the file cannot go and the page cannot change owner.
 */
static int mf_generic_kill_procs(unsigned long pfn, int flags, struct dev_pagemap *pgmap)
{
	struct folio *folio = pfn_folio(pfn);
	struct kill_list kl = { 0 };
	unsigned long cookie;

	/*
	 * Device-private and -coherent memory needs the device's help, which
	 * no driver gives.  (The kernel checks this after taking the DAX
	 * lock, which such a page never has, so there it ends as -EBUSY.)
	 */
	if (pgmap->type == MEMORY_DEVICE_PRIVATE || pgmap->type == MEMORY_DEVICE_COHERENT)
		return -ENXIO;
	/* Not faulted in, shared between files, or being truncated: no owner. */
	cookie = dax_lock_folio(folio);
	if (!cookie)
		return -EBUSY;

	/*
	 * "Remapped UC": nobody is to consume it again.  The kernel marks
	 * the head; zonedev's CPU takes the mark for the hardware's poison,
	 * so an fsdax folio (whose tail struct pages are its own) has the
	 * failed page marked instead.  Device-dax tails are shared memmap:
	 * the head stands for the whole unit (page_consumes_poison()).
	 */
	if (pgmap->type == MEMORY_DEVICE_FS_DAX)
		set_bit(PG_hwpoison, &pfn_to_page(pfn)->flags);
	else
		set_bit(PG_hwpoison, &folio->page.flags);
	/* No other page can stand in for device memory: consumers must die. */
	flags |= MF_ACTION_REQUIRED | MF_MUST_KILL;
	collect_procs(folio->mapping, folio->index, false, &kl);
	unmap_and_kill(&kl, pfn, folio->mapping, folio->index, flags);
	dax_unlock_folio(folio, cookie);
	return 0;
}

/**
 * mf_dax_kill_procs() - signal and unmap the tasks using a range of a DAX
 * file whose blocks failed (a file system's ->notify_failure calls it)
 * @mapping: the file
 * @index: first page of the range in the file
 * @count: pages
 * @mf_flags: MF_* flags; MF_MEM_PRE_REMOVE when the device is going away
 *
 * Each page with a block behind it is marked HWPoison (not for a removal:
 * that revokes access to memory that is still good), the tasks mapping it
 * are collected (all of them for a removal) and signalled after the
 * mapping is torn down.  Holes and pages never faulted in are skipped.
 *
 * Return: 0; -EBUSY if @mapping is not a DAX file; -EINVAL for no
 * @mapping or a range that wraps.
 */
int mf_dax_kill_procs(struct address_space *mapping, pgoff_t index, unsigned long count,
		      int mf_flags)
{
	bool pre_remove = mf_flags & MF_MEM_PRE_REMOVE;
	pgoff_t end;

	if (!mapping || __builtin_add_overflow(index, count, &end))
		return -EINVAL;
	mf_flags |= MF_ACTION_REQUIRED | MF_MUST_KILL;
	for (; index < end; index++) {
		struct kill_list kl = { 0 };
		struct page *page = NULL;
		unsigned long cookie;

		cookie = dax_lock_mapping_entry(mapping, index, &page);
		if (!cookie)
			return -EBUSY;
		if (!page)
			goto unlock;
		if (!pre_remove)
			set_bit(PG_hwpoison, &page->flags);
		collect_procs(mapping, index, pre_remove, &kl);
		unmap_and_kill(&kl, page_to_pfn(page), mapping, index, mf_flags);
unlock:
		dax_unlock_mapping_entry(mapping, index, cookie);
	}
	return 0;
}

static void action_result(struct zd_system *sys, unsigned long pfn, int rc)
{
	if (READ_ONCE(sys->cfg.trace))
		zd_trace_event(sys, "memory_failure_event",
			       "pfn %#lx: recovery action for dax page: %s", pfn,
			       rc ? "Failed" : "Recovered");
}

/*
 * memory_failure_dev_pagemap(): the driver first; -EOPNOTSUPP from it
 * (no holder to ask) falls back to the generic handling.  Consumes the
 * caller's pgmap reference.
 */
static int memory_failure_dev_pagemap(struct zd_system *sys, unsigned long pfn, int flags,
				      struct dev_pagemap *pgmap)
{
	int rc = -ENXIO;

	/* The device's own metadata (altmap): nothing to recover. */
	if (!pgmap_pfn_valid(pgmap, pfn))
		goto out;
	if (pgmap->ops && pgmap->ops->memory_failure) {
		rc = pgmap->ops->memory_failure(pgmap, pfn, 1, flags);
		if (rc != -EOPNOTSUPP)
			goto out;
	}
	rc = mf_generic_kill_procs(pfn, flags, pgmap);
out:
	put_dev_pagemap(pgmap);
	action_result(sys, pfn, rc);
	return rc;
}

/* Flags a caller may pass: the rest are other entry points' (madvise,
 * soft offline, unpoison) or the device removal's. */
#define MF_CALLER_FLAGS	(MF_ACTION_REQUIRED | MF_MUST_KILL | MF_SW_SIMULATED)

/**
 * zd_memory_failure_task() - memory_failure(): a device page of @sys is
 * poisoned, found while @current_task touched it
 * @sys: the system
 * @pfn: the page
 * @flags: MF_ACTION_REQUIRED (the access cannot complete: the consumer
 *	must get BUS_MCEERR_AR), MF_MUST_KILL, MF_SW_SIMULATED (injected)
 * @current_task: the task whose access found the poison (collected even
 *	if it did not ask for early kills), or NULL for none (a scrubber, a
 *	platform report): then nobody gets BUS_MCEERR_AR
 *
 * Device memory cannot be replaced by another page, so device failures
 * are always treated as action-required and must-kill.
 *
 * Return: 0 when handled ("Recovered": the users are unmapped and
 * signalled); -ENXIO for a pfn that is not device memory of @sys (system
 * RAM failures are not modelled), that is the device's metadata, or that
 * is device-private or -coherent memory; -EBUSY if the page has no owner
 * (never faulted in, or between files); what the file system answered
 * (-EFSCORRUPTED, i.e. -EUCLEAN, for failed metadata; -EIO if it is not
 * mounted yet); -EINVAL for a bad @sys, @flags or a @current_task of
 * another system.
 */
int zd_memory_failure_task(struct zd_system *sys, unsigned long pfn, int flags,
			   struct zd_task *current_task)
{
	struct dev_pagemap *pgmap;
	struct zd_task *saved;
	int rc;

	if (IS_ERR_OR_NULL(sys) || (flags & ~MF_CALLER_FLAGS))
		return -EINVAL;
	if (current_task && (IS_ERR(current_task) || current_task->sys != sys))
		return -EINVAL;
	pgmap = pfn_valid(pfn) ? get_dev_pagemap(pfn) : NULL;
	if (!pgmap)
		return -ENXIO;	/* "memory outside kernel control" */
	if (pgmap->nid != sys->nid) {
		put_dev_pagemap(pgmap);
		return -ENXIO;
	}
	mutex_lock(&mf_mutex);
	saved = mf_current;
	mf_current = current_task;
	rc = memory_failure_dev_pagemap(sys, pfn, flags, pgmap);
	mf_current = saved;
	mutex_unlock(&mf_mutex);
	return rc;
}

/**
 * zd_memory_failure() - memory_failure() with no consuming task: a patrol
 * scrubber or the platform found the poison; see zd_memory_failure_task()
 */
int zd_memory_failure(struct zd_system *sys, unsigned long pfn, int flags)
{
	return zd_memory_failure_task(sys, pfn, flags, NULL);
}

/*
 * page_consumes_poison(): would reading @pfn raise a machine check?  Its
 * page carries HWPoison, or it is part of a device-dax unit whose head
 * does (memory failure marks the head of a compound device page: the
 * whole unit is treated as uncached, "don't consume").
 */
bool page_consumes_poison(unsigned long pfn)
{
	struct page *page;

	if (!pfn_valid(pfn))
		return false;
	page = pfn_to_page(pfn);
	if (unlikely(PageHWPoison(page)))
		return true;
	if (likely(!PageTail(page)))
		return false;
	page = compound_head(page);
	return is_zone_device_page(page) && page->pgmap->type == MEMORY_DEVICE_GENERIC &&
	       PageHWPoison(page);
}

/**
 * kill_me_maybe() - @task's access at @addr consumed poison in @pfn (the
 * machine-check handler's task work, arch/x86/kernel/cpu/mce/core.c)
 *
 * Memory failure runs on the task's behalf, action-required, so the task
 * is signalled BUS_MCEERR_AR with the size of its mapping.  If that could
 * not be handled the task gets a plain SIGBUS, as the kernel's
 * "Memory error not recovered".
 */
void kill_me_maybe(struct zd_task *task, unsigned long pfn, unsigned long addr)
{
	int rc = zd_memory_failure_task(task->sys, pfn, MF_ACTION_REQUIRED, task);

	if (rc && rc != -EOPNOTSUPP)
		zd_task_send_signal(task, SIGBUS, SI_KERNEL, addr, 0);
}

/**
 * zd_sysctl_memory_failure_early_kill() - set vm.memory_failure_early_kill
 * @sys: the system
 * @early_kill: 1: tasks that made no prctl(PR_MCE_KILL) choice hear of
 *	poison in pages they map as soon as it is found (BUS_MCEERR_AO);
 *	0 (the default): only when they touch it
 *
 * Return: 0, or -EINVAL (bad @sys, a value other than 0 or 1).
 */
int zd_sysctl_memory_failure_early_kill(struct zd_system *sys, int early_kill)
{
	if (IS_ERR_OR_NULL(sys) || (early_kill != 0 && early_kill != 1))
		return -EINVAL;
	WRITE_ONCE(sys->memory_failure_early_kill, early_kill);
	return 0;
}

/** zd_memory_failure_early_kill() - vm.memory_failure_early_kill, or -EINVAL */
int zd_memory_failure_early_kill(struct zd_system *sys)
{
	if (IS_ERR_OR_NULL(sys))
		return -EINVAL;
	return READ_ONCE(sys->memory_failure_early_kill);
}
