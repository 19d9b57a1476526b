// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench gup: pin_user_pages_fast() and unpin_user_pages() of 1 GiB of 4 KiB
 * anonymous pages, ns per page, divided by the host kernel's long-term pin
 * of the same size measured in the same run: io_uring buffer registration
 * (IORING_REGISTER_BUFFERS pins with FOLL_LONGTERM, then unregisters).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/io_uring.h>
#include "../tools/zonedev-tool.h"

#define GUP_SIZE	(1UL << 30)
#define GUP_PAGES	(GUP_SIZE / PAGE_SIZE)

/* Host: register and unregister a 1 GiB buffer; ns per page, or < 0. */
static double host_pin_ns(char *buf)
{
	struct io_uring_params p;
	struct iovec iov = { buf, GUP_SIZE };
	unsigned long long t0, t1;
	int fd, ret;

	memset(&p, 0, sizeof(p));
	fd = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (fd < 0)
		return -1;
	t0 = ktime_get_ns();
	ret = (int)syscall(__NR_io_uring_register, fd, IORING_REGISTER_BUFFERS, &iov, 1);
	if (!ret)
		ret = (int)syscall(__NR_io_uring_register, fd, IORING_UNREGISTER_BUFFERS, NULL, 0);
	t1 = ktime_get_ns();
	close(fd);
	return ret ? -1 : (double)(t1 - t0) / GUP_PAGES;
}

static double zd_pin_ns(struct zd_task *task, unsigned long addr, struct page **pages)
{
	unsigned long long t0, t1;
	int n;

	t0 = ktime_get_ns();
	n = pin_user_pages_fast(zd_task_mm(task), addr, (int)GUP_PAGES, FOLL_WRITE | FOLL_LONGTERM,
				pages);
	if (n == (int)GUP_PAGES)
		unpin_user_pages(pages, GUP_PAGES);
	t1 = ktime_get_ns();
	if (n != (int)GUP_PAGES) {
		if (n > 0)
			unpin_user_pages(pages, (unsigned long)n);
		return -1;
	}
	return (double)(t1 - t0) / GUP_PAGES;
}

int bench_gup(const struct tool_opts *opts)
{
	struct zd_config cfg = {
		.ram_size = GUP_SIZE + (64UL << 20), .flags = ZD_RAM_PREFAULT, .name = "bench",
	};
	int reps = opts->quick ? 3 : 7, r, err = 0;
	double zd[7], host[7], mz, mh;
	struct page **pages = calloc(GUP_PAGES, sizeof(*pages));
	struct zd_system *sys = NULL;
	struct zd_task *task = NULL;
	char *hbuf = MAP_FAILED;
	unsigned long off;
	long addr;

	if (!pages)
		return -ENOMEM;
	hbuf = mmap(NULL, GUP_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hbuf == MAP_FAILED) {
		err = -ENOMEM;
		goto out;
	}
	madvise(hbuf, GUP_SIZE, MADV_NOHUGEPAGE);	/* 4 KiB pages on both sides */
	memset(hbuf, 1, GUP_SIZE);
	sys = zd_system_create(&cfg);
	if (IS_ERR(sys)) {
		err = (int)PTR_ERR(sys);
		sys = NULL;
		goto out;
	}
	task = zd_task_create(sys);
	addr = zd_mmap(task, 0, GUP_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, NULL, 0);
	if (addr < 0) {
		err = (int)addr;
		goto out;
	}
	for (off = 0; off < GUP_SIZE; off += PAGE_SIZE)	/* real pages, not the zero page */
		zd_write(task, (unsigned long)addr + off, &off, 1);
	for (r = 0; r < reps; r++) {
		zd[r] = zd_pin_ns(task, (unsigned long)addr, pages);
		host[r] = host_pin_ns(hbuf);
		if (zd[r] < 0)
			err = -EFAULT;
	}
	if (err)
		goto out;
	mz = bench_median(zd, reps);
	bench_result(opts, "gup", "pin_user_pages_fast + unpin, 1 GiB of 4 KiB", mz, "ns/page",
		     NULL, true);
	if (host[0] < 0) {
		fprintf(stderr, "bench gup: io_uring buffer registration unavailable on this host\n");
		goto out;
	}
	mh = bench_median(host, reps);
	bench_result(opts, "gup", "host io_uring register + unregister, 1 GiB", mh, "ns/page",
		     NULL, true);
	bench_result(opts, "gup", "zonedev / host long-term pin", mz / mh, "ratio", "<= 0.33",
		     mz / mh <= 0.33);
out:
	if (task)
		zd_task_exit(task);
	if (sys) {
		if (zd_system_audit(sys, stderr))
			err = err ? err : -EIO;
		zd_system_destroy(sys);
	}
	if (hbuf != MAP_FAILED)
		munmap(hbuf, GUP_SIZE);
	free(pages);
	return err;
}
