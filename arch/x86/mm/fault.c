// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CPU: zd_read() and zd_write() translate each page through the task's
 * page tables, locklessly and inside an RCU read-side section, as the MMU
 * does through its TLB; page tables and unmapped pages are freed only after
 * a grace period, so an access never touches freed memory.  A missing or
 * insufficient translation takes the fault path of do_user_addr_fault():
 * find the VMA, check its permissions, handle_mm_fault(), or signal the
 * task (SIGSEGV with SEGV_MAPERR/SEGV_ACCERR, SIGBUS with BUS_ADRERR or
 * BUS_MCEERR_AR).  Touching a page that memory failure marked HWPoison is
 * a machine check: memory failure runs on the task's behalf
 * (kill_me_maybe(), mm/memory-failure.c).
 */
#include <signal.h>
#include <string.h>
#include "../../../mm/internal_mm.h"

/*
 * A fault that keeps resolving without leaving a usable entry is retried,
 * as the kernel does forever; after FAULT_RETRY_BACKOFF tries the CPU backs
 * off a millisecond at a time (a driver may be moving the page to and fro
 * under contention), and only FAULT_LIVELOCK_MS of no progress is reported
 * as a livelock.
 */
#define FAULT_RETRY_BACKOFF	64
#define FAULT_LIVELOCK_MS	10000

/*
 * The entry that translates @addr, as the page walker finds it: a PUD or PMD
 * leaf, or a PTE; NULL if a level is missing.  *@size is what it maps.
 */
static unsigned long *walk_to_leaf(struct mm_struct *mm, unsigned long addr,
				   unsigned long *size)
{
	pud_t *pudp = pud_offset_lockless(mm, addr), pud;
	pmd_t *pmdp, pmd;

	if (!pudp)
		return NULL;
	pud = pudp_get(pudp);
	if (pud_none(pud))
		return NULL;
	if (pud_leaf(pud)) {
		*size = PUD_SIZE;
		return &pudp->pud;
	}
	pmdp = &pud_table(pud)[pmd_index(addr)];
	pmd = pmdp_get(pmdp);
	if (pmd_none(pmd))
		return NULL;
	if (pmd_leaf(pmd)) {
		*size = PMD_SIZE;
		return &pmdp->pmd;
	}
	*size = PAGE_SIZE;
	return &pmd_table(pmd)[pte_index(addr)].pte;
}

/* What one access within a page came to. */
enum cpu_access_result {
	CPU_ACCESS_DONE,
	CPU_ACCESS_MISS,	/* no usable translation: take a fault */
	CPU_ACCESS_MCE,		/* the page holds poison: a machine check */
};

/*
 * One translation and copy within a page.  A page memory failure marked
 * HWPoison is not consumed: the access raises a machine check instead,
 * with the pfn in *@mce_pfn.
 */
static enum cpu_access_result cpu_access_page(struct mm_struct *mm, unsigned long addr,
					      void *buf, size_t len, bool write,
					      unsigned long *mce_pfn)
{
	unsigned long want = _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
	unsigned long *slot, entry, size, phys;
	char *kaddr;

	rcu_read_lock();
	slot = walk_to_leaf(mm, addr, &size);
	if (!slot)
		goto miss;
	entry = smp_load_acquire(slot);
	if (!(entry & _PAGE_PRESENT) || (write && !(entry & _PAGE_RW)))
		goto miss;
	if ((entry & want) != want) {
		/* The hardware sets A/D atomically, and only on the entry it used. */
		if (cmpxchg(slot, entry, entry | want) != entry)
			goto miss;
	}
	phys = (entry & PTE_PFN_MASK) + (addr & (size - 1));
	if (unlikely(page_consumes_poison(PHYS_PFN(phys)))) {
		rcu_read_unlock();
		*mce_pfn = PHYS_PFN(phys);
		return CPU_ACCESS_MCE;
	}
	kaddr = (char *)__va(phys);
	if (write)
		memcpy(kaddr, buf, len);
	else
		memcpy(buf, kaddr, len);
	rcu_read_unlock();
	return CPU_ACCESS_DONE;
miss:
	rcu_read_unlock();
	return CPU_ACCESS_MISS;
}

/* do_user_addr_fault(): 0 to retry the access, or -EFAULT/-ENOMEM. */
static int do_user_addr_fault(struct zd_task *task, unsigned long addr, bool write)
{
	struct mm_struct *mm = task->mm;
	struct vm_area_struct *vma;
	unsigned long need = write ? VM_WRITE : (VM_READ | VM_WRITE | VM_EXEC);
	vm_fault_t ret;

	down_read(&mm->mmap_lock);
	vma = find_vma(mm, addr);
	if (!vma || vma->vm_start > addr) {
		up_read(&mm->mmap_lock);
		zd_task_send_signal(task, SIGSEGV, SEGV_MAPERR, addr, 0);
		return -EFAULT;
	}
	if (!(vma->vm_flags & need)) {
		up_read(&mm->mmap_lock);
		zd_task_send_signal(task, SIGSEGV, SEGV_ACCERR, addr, 0);
		return -EFAULT;
	}
	ret = handle_mm_fault(vma, addr, FAULT_FLAG_USER | (write ? FAULT_FLAG_WRITE : 0));
	up_read(&mm->mmap_lock);
	if (ret & VM_FAULT_OOM)
		return -ENOMEM;
	if (ret & VM_FAULT_HWPOISON) {
		zd_task_send_signal(task, SIGBUS, BUS_MCEERR_AR, addr, PAGE_SHIFT);
		return -EFAULT;
	}
	if (ret & VM_FAULT_SIGBUS) {
		zd_task_send_signal(task, SIGBUS, BUS_ADRERR, addr, 0);
		return -EFAULT;
	}
	if (ret & VM_FAULT_SIGSEGV) {
		zd_task_send_signal(task, SIGSEGV, SEGV_ACCERR, addr, 0);
		return -EFAULT;
	}
	return 0;
}

static long cpu_access(struct zd_task *task, unsigned long addr, void *buf, size_t len,
		       bool write)
{
	size_t done = 0;

	if (IS_ERR_OR_NULL(task) || (!buf && len))
		return -EINVAL;
	if (addr + len < addr || addr + len > TASK_SIZE) {
		zd_task_send_signal(task, SIGSEGV, SEGV_MAPERR, addr, 0);
		return -EFAULT;
	}
	while (done < len) {
		unsigned long a = addr + done;
		size_t chunk = min(len - done, PAGE_SIZE - (a & ~PAGE_MASK));
		enum cpu_access_result res;
		unsigned long mce_pfn;
		unsigned long long since = 0;
		int tries = 0, err;

		while ((res = cpu_access_page(task->mm, a, (char *)buf + done, chunk, write,
					      &mce_pfn)) != CPU_ACCESS_DONE) {
			if (res == CPU_ACCESS_MCE) {
				/* The access does not complete; memory failure signals. */
				kill_me_maybe(task, mce_pfn, a);
				return -EFAULT;
			}
			err = do_user_addr_fault(task, a, write);
			if (err)
				return err;
			if (++tries < FAULT_RETRY_BACKOFF)
				continue;
			if (!since)
				since = ktime_get_ns();
			if (ktime_get_ns() - since > FAULT_LIVELOCK_MS * 1000000ULL) {
				zd_report_bug(task->sys, "fault at %#lx resolved %d times in %d ms without a usable PTE",
					      a, tries, FAULT_LIVELOCK_MS);
				return -EFAULT;
			}
			msleep(1);
		}
		done += chunk;
	}
	return (long)done;
}

/**
 * zd_read() - the task reads @len bytes at @addr, as its CPU would
 *
 * Return: @len, or -EFAULT (the task got SIGSEGV or SIGBUS, see
 * zd_task_signals()), -ENOMEM (out of memory), -EINVAL.
 */
long zd_read(struct zd_task *task, unsigned long addr, void *buf, size_t len)
{
	return cpu_access(task, addr, buf, len, false);
}

/** zd_write() - the task writes @len bytes at @addr; as zd_read() */
long zd_write(struct zd_task *task, unsigned long addr, const void *buf, size_t len)
{
	return cpu_access(task, addr, (void *)buf, len, true);
}
