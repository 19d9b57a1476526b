// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tasks and their address spaces: create, fork (dup_mm: VMAs copied,
 * private anonymous memory made copy-on-write in both), exit.
 */
#include <signal.h>
#include <string.h>
#include "../mm/internal_mm.h"

struct mm_struct *mm_alloc(struct zd_system *sys)
{
	struct mm_struct *mm = kzalloc(sizeof(*mm), GFP_KERNEL);

	if (!mm)
		return NULL;
	mm->nid = zd_system_nid(sys);
	init_rwsem(&mm->mmap_lock);
	spin_lock_init(&mm->page_table_lock);
	atomic_set(&mm->mm_users, 1);
	atomic_set(&mm->mm_count, 1);
	mm->pgd = pgd_alloc(mm);
	if (!mm->pgd) {
		kfree(mm);
		return NULL;
	}
	spin_lock(&sys->task_lock);
	list_add_tail(&mm->mmlist, &sys->mms);
	spin_unlock(&sys->task_lock);
	return mm;
}

static void pgd_free_rcu(struct mm_struct *mm)
{
	struct mmu_gather tlb;

	tlb_gather_mmu(&tlb, mm);
	tlb_remove_table(&tlb, virt_to_page(mm->pgd));
	tlb_finish_mmu(&tlb);
}

/** mmput() - drop a user of @mm; the last one unmaps everything */
void mmput(struct mm_struct *mm)
{
	struct zd_system *sys = node_system(mm->nid);

	if (!atomic_dec_and_test(&mm->mm_users))
		return;
	/* exit_mmap(): drivers mirroring this mm hear of it first. */
	mmu_notifier_release(mm);
	down_write(&mm->mmap_lock);
	exit_mmap(mm);
	up_write(&mm->mmap_lock);
	pgd_free_rcu(mm);
	spin_lock(&sys->task_lock);
	list_del(&mm->mmlist);
	spin_unlock(&sys->task_lock);
	kfree(mm->vmas);
	mmu_notifier_subscriptions_destroy(mm);
	destroy_rwsem(&mm->mmap_lock);
	spin_lock_destroy(&mm->page_table_lock);
	kfree(mm);
}

static struct zd_task *task_alloc(struct zd_system *sys, struct mm_struct *mm)
{
	struct zd_task *task = kzalloc(sizeof(*task), GFP_KERNEL);

	if (!task)
		return NULL;
	task->sys = sys;
	task->mm = mm;
	spin_lock_init(&task->sig_lock);
	spin_lock(&sys->task_lock);
	task->pid = ++sys->next_pid;
	list_add_tail(&task->tasks, &sys->tasks);
	spin_unlock(&sys->task_lock);
	return task;
}

/**
 * zd_task_create() - a new task with an empty address space
 *
 * Return: the task, ERR_PTR(-EINVAL) without a system, -ENOMEM.
 */
struct zd_task *zd_task_create(struct zd_system *sys)
{
	struct mm_struct *mm;
	struct zd_task *task;

	if (IS_ERR_OR_NULL(sys))
		return ERR_PTR(-EINVAL);
	mm = mm_alloc(sys);
	if (!mm)
		return ERR_PTR(-ENOMEM);
	task = task_alloc(sys, mm);
	if (!task) {
		mmput(mm);
		return ERR_PTR(-ENOMEM);
	}
	return task;
}

/* Copy one VMA into @mm; the caller holds the parent's mmap_lock for write. */
static int dup_vma(struct mm_struct *mm, struct vm_area_struct *mpnt)
{
	struct vm_area_struct *tmp;
	int err;

	if (mpnt->vm_flags & VM_DONTCOPY)
		return 0;
	tmp = vm_area_dup(mpnt);
	if (!tmp)
		return -ENOMEM;
	tmp->vm_mm = mm;
	err = anon_vma_fork(tmp, mpnt);
	if (err) {
		vma_free(tmp);
		return err;
	}
	err = vma_link(mm, tmp);
	if (err) {
		unlink_anon_vmas(tmp);
		vma_free(tmp);
		return err;
	}
	if (tmp->vm_file) {
		zd_file_get(tmp->vm_file);
		vma_link_file(tmp);
	}
	if (tmp->vm_ops && tmp->vm_ops->open)
		tmp->vm_ops->open(tmp);
	/*
	 * vma_needs_copy(): shared and file mappings without anonymous pages
	 * are faulted in lazily by the child; only anonymous memory (and raw
	 * pfn maps) must be copied now.
	 */
	if (!mpnt->anon_vma && !(mpnt->vm_flags & (VM_PFNMAP | VM_MIXEDMAP)))
		return 0;
	return copy_page_range(tmp, mpnt);
}

static struct mm_struct *dup_mm(struct zd_system *sys, struct mm_struct *oldmm)
{
	struct mm_struct *mm = mm_alloc(sys);
	int i, err = 0;

	if (!mm)
		return NULL;
	down_write(&oldmm->mmap_lock);
	/* Odd while PTEs are write-protected: gup_fast pins back off. */
	atomic_inc(&oldmm->write_protect_seq);
	smp_mb__after_atomic();
	for (i = 0; i < oldmm->map_count && !err; i++)
		err = dup_vma(mm, oldmm->vmas[i]);
	/* flush_tlb_mm(): no CPU writes through a pre-fork writable PTE any more. */
	synchronize_rcu();
	smp_mb__before_atomic();
	atomic_inc(&oldmm->write_protect_seq);
	up_write(&oldmm->mmap_lock);
	if (err) {
		mmput(mm);
		return NULL;
	}
	return mm;
}

/**
 * zd_task_fork() - fork(2): a child with a copy of @parent's address space
 *
 * Private anonymous memory becomes copy-on-write in both; shared memory
 * stays shared; a page that may be DMA-pinned is copied for the child now.
 *
 * Return: the child, or ERR_PTR(-EINVAL / -ENOMEM).
 */
struct zd_task *zd_task_fork(struct zd_task *parent)
{
	struct mm_struct *mm;
	struct zd_task *child;

	if (IS_ERR_OR_NULL(parent))
		return ERR_PTR(-EINVAL);
	mm = dup_mm(parent->sys, parent->mm);
	if (!mm)
		return ERR_PTR(-ENOMEM);
	child = task_alloc(parent->sys, mm);
	if (!child) {
		mmput(mm);
		return ERR_PTR(-ENOMEM);
	}
	/* The machine-check kill policy is inherited, as task flags are. */
	child->mce_flags = READ_ONCE(parent->mce_flags);
	return child;
}

/**
 * zd_task_exit() - the task exits: its address space goes with its last user
 *
 * Return: 0, or -EINVAL without a task.
 */
int zd_task_exit(struct zd_task *task)
{
	if (IS_ERR_OR_NULL(task))
		return -EINVAL;
	spin_lock(&task->sys->task_lock);
	list_del(&task->tasks);
	spin_unlock(&task->sys->task_lock);
	mmput(task->mm);
	spin_lock_destroy(&task->sig_lock);
	kfree(task);
	return 0;
}

struct mm_struct *zd_task_mm(struct zd_task *task)
{
	return IS_ERR_OR_NULL(task) ? NULL : task->mm;
}

int zd_task_pid(const struct zd_task *task)
{
	return IS_ERR_OR_NULL(task) ? -EINVAL : task->pid;
}

void zd_task_send_signal(struct zd_task *task, int signo, int code, unsigned long addr,
			 short addr_lsb)
{
	spin_lock(&task->sig_lock);
	task->nr_signals++;
	task->last_signal.signo = signo;
	task->last_signal.code = code;
	task->last_signal.addr = addr;
	task->last_signal.addr_lsb = addr_lsb;
	spin_unlock(&task->sig_lock);
}

/**
 * zd_task_signals() - how many signals @task was sent; the last in @last
 */
unsigned long zd_task_signals(struct zd_task *task, struct zd_siginfo *last)
{
	unsigned long n;

	if (IS_ERR_OR_NULL(task))
		return 0;
	spin_lock(&task->sig_lock);
	n = task->nr_signals;
	if (last)
		*last = task->last_signal;
	spin_unlock(&task->sig_lock);
	return n;
}

/** zd_task_clear_signals() - forget the signals recorded so far */
void zd_task_clear_signals(struct zd_task *task)
{
	if (IS_ERR_OR_NULL(task))
		return;
	spin_lock(&task->sig_lock);
	task->nr_signals = 0;
	memset(&task->last_signal, 0, sizeof(task->last_signal));
	spin_unlock(&task->sig_lock);
}
