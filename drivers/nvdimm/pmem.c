// SPDX-License-Identifier: GPL-2.0-only
/*
 * A persistent-memory namespace in fsdax mode (drivers/nvdimm/pmem.c).
 *
 * The media is a file (a memfd, or a regular file so that it outlives the
 * process), claimed as a physical range and memremapped as
 * MEMORY_DEVICE_FS_DAX, so page_address() of one of its pfns is the media
 * byte itself.  As a namespace in "pfn" mode with map=mem, the namespace
 * starts with an info block and the data (page offset 0 of the dax_device)
 * starts at data_offset, 2 MiB in; the memmap lives in RAM.
 *
 * Poison is kept as badblocks, page-granular: dax_direct_access() over a
 * bad page fails with -EHWPOISON unless the caller asks for
 * DAX_RECOVERY_WRITE, and a recovery write or a zeroing of whole pages
 * clears it, as clearing poison through the firmware would.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zonedev/zonedev.h>
#include <zonedev/dax.h>
#include <zonedev/pmem.h>
#include "../../mm/internal_mm.h"

#define SZ_4K			4096UL
#define PMEM_DATA_OFFSET	PMD_SIZE	/* the info block, rounded to 2 MiB */
#define PMEM_INFO_OFFSET	SZ_4K		/* where nd_pfn keeps its info block */
#define PMEM_INFO_SIG		"ZONEDEV_PFNINFO"
#define PMEM_INFO_VERSION	1

/* The namespace's info block: which layout the media was written with. */
struct pmem_info_block {
	char signature[16];
	u64 dataoff;		/* bytes before page offset 0 of the dax device */
	u64 npfns;		/* data pages when first formatted */
	u32 version;
	u32 checksum;		/* of the fields above */
};

struct zd_pmem {
	struct zd_system *sys;
	struct dev_pagemap pgmap;
	struct resource *res;
	struct dax_device *dax_dev;
	phys_addr_t phys_addr;
	u64 size;			/* the namespace, info block included */
	u64 data_offset;
	void *virt_addr;		/* __va(phys_addr) */
	int fd;
	char name[32];

	spinlock_t bb_lock;
	unsigned long *badblocks;	/* one bit per data page */
	unsigned long nr_bad;
};

static inline unsigned long pmem_data_pages(const struct zd_pmem *pmem)
{
	return PHYS_PFN(pmem->size - pmem->data_offset);
}

/* ------------------------------------------------------------------ */
/* Badblocks                                                           */
/* ------------------------------------------------------------------ */

/* First bad page in [pgoff, pgoff + nr), or -1.  bb_lock held. */
static long first_bad_page(struct zd_pmem *pmem, pgoff_t pgoff, unsigned long nr)
{
	unsigned long i;

	if (!pmem->nr_bad)
		return -1;
	for (i = pgoff; i < pgoff + nr && i < pmem_data_pages(pmem); i++)
		if (test_bit(i, pmem->badblocks))
			return (long)i;
	return -1;
}

static void set_badblocks(struct zd_pmem *pmem, pgoff_t pgoff, unsigned long nr)
{
	unsigned long i;

	spin_lock(&pmem->bb_lock);
	for (i = pgoff; i < pgoff + nr; i++)
		if (!test_and_set_bit(i, pmem->badblocks))
			pmem->nr_bad++;
	spin_unlock(&pmem->bb_lock);
}

/*
 * pmem_clear_poison(): the media of [pgoff, pgoff + nr) is rewritten good;
 * forget the badblocks and the HWPoison mark memory failure left on the
 * pages.  Returns the pages cleared.
 */
static unsigned long pmem_clear_poison(struct zd_pmem *pmem, pgoff_t pgoff, unsigned long nr)
{
	unsigned long i, cleared = 0;

	spin_lock(&pmem->bb_lock);
	for (i = pgoff; i < pgoff + nr; i++) {
		struct page *page;

		if (!test_and_clear_bit(i, pmem->badblocks))
			continue;
		pmem->nr_bad--;
		cleared++;
		page = pfn_to_page(PHYS_PFN(pmem->phys_addr + pmem->data_offset) + i);
		if (test_bit(PG_hwpoison, &page->flags))
			clear_bit(PG_hwpoison, &page->flags);
	}
	spin_unlock(&pmem->bb_lock);
	return cleared;
}

/* ------------------------------------------------------------------ */
/* dax_operations                                                      */
/* ------------------------------------------------------------------ */

static long pmem_dax_direct_access(struct dax_device *dax_dev, pgoff_t pgoff, long nr_pages,
				   enum dax_access_mode mode, void **kaddr, unsigned long *pfn)
{
	struct zd_pmem *pmem = dax_get_private(dax_dev);
	u64 offset;
	long bad;

	if (!pmem || pgoff >= pmem_data_pages(pmem))
		return 0;
	offset = PFN_PHYS(pgoff) + pmem->data_offset;
	if (kaddr)
		*kaddr = (char *)pmem->virt_addr + offset;
	if (pfn)
		*pfn = PHYS_PFN(pmem->phys_addr + offset);

	spin_lock(&pmem->bb_lock);
	bad = first_bad_page(pmem, pgoff, (unsigned long)nr_pages);
	spin_unlock(&pmem->bb_lock);
	if (bad >= 0) {
		if (mode != DAX_RECOVERY_WRITE)
			return -EHWPOISON;
		/*
		 * Recovery goes a page at a time: the good pages before the
		 * first bad one, or the bad page alone.
		 */
		return bad > (long)pgoff ? bad - (long)pgoff : 1;
	}
	return (long)(pmem_data_pages(pmem) - pgoff);
}

static int pmem_dax_zero_page_range(struct dax_device *dax_dev, pgoff_t pgoff, size_t nr_pages)
{
	struct zd_pmem *pmem = dax_get_private(dax_dev);
	void *addr;

	if (!pmem || pgoff >= pmem_data_pages(pmem) || nr_pages > pmem_data_pages(pmem) - pgoff)
		return -EIO;
	addr = (char *)pmem->virt_addr + pmem->data_offset + PFN_PHYS(pgoff);
	pmem_clear_poison(pmem, pgoff, nr_pages);
	memset(addr, 0, nr_pages << PAGE_SHIFT);
	dax_flush(dax_dev, addr, nr_pages << PAGE_SHIFT);
	return 0;
}

static size_t pmem_recovery_write(struct dax_device *dax_dev, pgoff_t pgoff, void *addr,
				  const void *src, size_t bytes)
{
	struct zd_pmem *pmem = dax_get_private(dax_dev);
	unsigned long nr;
	bool bad;

	if (!pmem || !bytes || pgoff >= pmem_data_pages(pmem))
		return 0;
	nr = DIV_ROUND_UP(((unsigned long)addr & (PAGE_SIZE - 1)) + bytes, PAGE_SIZE);
	spin_lock(&pmem->bb_lock);
	bad = first_bad_page(pmem, pgoff, nr) >= 0;
	spin_unlock(&pmem->bb_lock);
	if (bad) {
		/* Poison is cleared a whole page at a time, or not at all. */
		if (!IS_ALIGNED((unsigned long)addr, PAGE_SIZE) || !IS_ALIGNED(bytes, PAGE_SIZE))
			return 0;
		pmem_clear_poison(pmem, pgoff, bytes >> PAGE_SHIFT);
	}
	memcpy(addr, src, bytes);
	dax_flush(dax_dev, addr, bytes);
	return bytes;
}

static const struct dax_operations pmem_dax_ops = {
	.direct_access = pmem_dax_direct_access,
	.zero_page_range = pmem_dax_zero_page_range,
	.recovery_write = pmem_recovery_write,
};

/* ------------------------------------------------------------------ */
/* dev_pagemap_ops                                                     */
/* ------------------------------------------------------------------ */

/*
 * A machine check in pmem: record the badblocks the MCE handler would,
 * then ask the file system on the device who owns the range.  The offset
 * is the dax_device's: the namespace's info block is not data.
 */
static int pmem_pagemap_memory_failure(struct dev_pagemap *pgmap, unsigned long pfn,
				       unsigned long nr_pages, int mf_flags)
{
	struct zd_pmem *pmem = container_of(pgmap, struct zd_pmem, pgmap);
	phys_addr_t phys = PFN_PHYS(pfn);
	u64 offset, len = (u64)nr_pages << PAGE_SHIFT;

	if (phys < pmem->phys_addr + pmem->data_offset || !nr_pages)
		return -ENXIO;
	offset = phys - pmem->phys_addr - pmem->data_offset;
	if (offset + len > pmem->size - pmem->data_offset)
		return -ENXIO;
	if (!(mf_flags & MF_MEM_PRE_REMOVE))
		set_badblocks(pmem, PHYS_PFN(offset), nr_pages);
	return dax_holder_notify_failure(pmem->dax_dev, offset, len, mf_flags);
}

static const struct dev_pagemap_ops fsdax_pagemap_ops = {
	.memory_failure = pmem_pagemap_memory_failure,
};

/* ------------------------------------------------------------------ */
/* The media                                                           */
/* ------------------------------------------------------------------ */

static u32 info_checksum(const struct pmem_info_block *info)
{
	const unsigned char *p = (const unsigned char *)info;
	u32 sum = 0x811c9dc5;	/* FNV-1a */
	size_t i;

	for (i = 0; i < offsetof(struct pmem_info_block, checksum); i++) {
		sum ^= p[i];
		sum *= 0x01000193;
	}
	return sum;
}

/*
 * The media a namespace is: a fresh memfd, or @path opened (created if
 * missing) and grown to @size.  Returns the fd or a negative errno.
 */
static int pmem_open_media(const char *path, u64 size, const char *name)
{
	struct stat st;
	int fd, err;

	if (!path)
		fd = memfd_create(name, MFD_CLOEXEC);
	else
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EISDIR ? -EINVAL : -errno;
	if (fstat(fd, &st))
		goto fail_errno;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((u64)st.st_size < size && ftruncate(fd, (off_t)size))
		goto fail_errno;
	return fd;
fail_errno:
	err = -errno;
	close(fd);
	return err;
}

/*
 * Read the info block, or write one on media that has none.  Media
 * written with another layout is refused rather than reinterpreted.
 */
static int pmem_setup_info(struct zd_pmem *pmem)
{
	struct pmem_info_block *info = (void *)((char *)pmem->virt_addr + PMEM_INFO_OFFSET);
	struct pmem_info_block fresh = { 0 };

	if (!memcmp(info->signature, PMEM_INFO_SIG, sizeof(info->signature))) {
		if (info->checksum != info_checksum(info) || info->version != PMEM_INFO_VERSION ||
		    info->dataoff != PMEM_DATA_OFFSET)
			return -EINVAL;
		pmem->data_offset = info->dataoff;
		return 0;
	}
	memcpy(fresh.signature, PMEM_INFO_SIG, sizeof(fresh.signature));
	fresh.dataoff = PMEM_DATA_OFFSET;
	fresh.npfns = PHYS_PFN(pmem->size - PMEM_DATA_OFFSET);
	fresh.version = PMEM_INFO_VERSION;
	fresh.checksum = info_checksum(&fresh);
	memcpy(info, &fresh, sizeof(fresh));
	pmem->data_offset = PMEM_DATA_OFFSET;
	return 0;
}

/**
 * zd_pmem_create() - a pmem namespace in fsdax mode on @sys
 * @sys: the system whose node the device memory joins
 * @cfg: size (a multiple of 2 MiB, more than the 2 MiB info block), the
 *	media file (NULL: anonymous) and a name
 *
 * Return: the device, or ERR_PTR(-EINVAL) for a bad @sys or @cfg (or media
 * written with another layout), -ERANGE when no physical range is free,
 * -ENOMEM, or the errno of opening @cfg->path.
 */
struct zd_pmem *zd_pmem_create(struct zd_system *sys, const struct zd_pmem_config *cfg)
{
	struct zd_pmem *pmem;
	void *addr;
	int err;

	if (IS_ERR_OR_NULL(sys) || !cfg || (cfg->path && !cfg->path[0]))
		return ERR_PTR(-EINVAL);
	if (!cfg->size || !IS_ALIGNED(cfg->size, PMD_SIZE) || cfg->size <= PMEM_DATA_OFFSET ||
	    cfg->size > (1UL << MAX_PHYSMEM_BITS) / 2)
		return ERR_PTR(-EINVAL);

	pmem = kzalloc(sizeof(*pmem), GFP_KERNEL);
	if (!pmem)
		return ERR_PTR(-ENOMEM);
	pmem->sys = sys;
	pmem->size = cfg->size;
	snprintf(pmem->name, sizeof(pmem->name), "%s", cfg->name ? cfg->name : "pmem");
	spin_lock_init(&pmem->bb_lock);
	pmem->badblocks = kcalloc(BITS_TO_LONGS(PHYS_PFN(cfg->size)), sizeof(long), GFP_KERNEL);
	if (!pmem->badblocks) {
		err = -ENOMEM;
		goto err_free;
	}

	pmem->fd = pmem_open_media(cfg->path, cfg->size, pmem->name);
	if (pmem->fd < 0) {
		err = pmem->fd;
		goto err_free;
	}
	pmem->res = zd_request_device_memory(cfg->size, pmem->name,
					     IORES_DESC_PERSISTENT_MEMORY, pmem->fd, 0);
	if (IS_ERR(pmem->res)) {
		err = PTR_ERR(pmem->res);
		goto err_close;
	}
	pmem->phys_addr = pmem->res->start;

	pmem->pgmap.type = MEMORY_DEVICE_FS_DAX;
	pmem->pgmap.ops = &fsdax_pagemap_ops;
	pmem->pgmap.range.start = pmem->res->start;
	pmem->pgmap.range.end = pmem->res->end;
	pmem->pgmap.nr_range = 1;
	addr = memremap_pages(&pmem->pgmap, zd_system_nid(sys));
	if (IS_ERR(addr)) {
		err = PTR_ERR(addr);
		goto err_release;
	}
	pmem->virt_addr = addr;
	err = pmem_setup_info(pmem);
	if (err)
		goto err_unmap;

	pmem->dax_dev = alloc_dax(pmem, &pmem_dax_ops);
	if (IS_ERR(pmem->dax_dev)) {
		err = PTR_ERR(pmem->dax_dev);
		goto err_unmap;
	}
	/* A file is written back by msync(); like a pmem with a write cache. */
	dax_write_cache(pmem->dax_dev, true);
	return pmem;

err_unmap:
	memunmap_pages(&pmem->pgmap);
err_release:
	zd_release_mem_region(pmem->res);
err_close:
	close(pmem->fd);
err_free:
	spin_lock_destroy(&pmem->bb_lock);
	kfree(pmem->badblocks);
	kfree(pmem);
	return ERR_PTR(err);
}

/*
 * After kill_dax(): nothing may keep using the pages memunmap_pages() is
 * about to take away.  A page still owned by a DAX entry means the file
 * system on the device was not told (it registered no holder, as ext4
 * does; @holder_told says whether kill_dax() had one to tell): its
 * entries and its users' mappings would dangle, as they do in the kernel,
 * so they are zapped here and the gap reported.  A page still
 * referenced once every mapping is gone is pinned (DMA in flight): the
 * pin outlives the device and must never be used again; it is reported.
 *
 * Returns the pinned pages.
 */
static unsigned long pmem_revoke_pages(struct zd_pmem *pmem, bool holder_told)
{
	struct zd_system *sys = pmem->sys;
	unsigned long first = PHYS_PFN(pmem->phys_addr + pmem->data_offset);
	unsigned long end = first + pmem_data_pages(pmem), pfn;
	unsigned long zapped = 0, pinned = 0;
	int idle = pmem->pgmap.scheme == ZD_REFCOUNT_ELEVATED ? 1 : 0;
	bool quiet = sys->cfg.flags & ZD_QUIET;

	for (pfn = first; pfn < end; pfn++) {
		struct page *page = pfn_to_page(pfn);

		if (!PageTail(page) && READ_ONCE(page->mapping) && dax_zap_folio(page_folio(page)))
			zapped++;
	}
	/* The references the unmapping dropped go after a grace period. */
	rcu_barrier();
	for (pfn = first; pfn < end; pfn++) {
		struct page *page = pfn_to_page(pfn);

		if (PageTail(page) || page_ref_count(page) <= idle)
			continue;
		if (!pinned++ && !quiet) {
			zd_report_lock(sys);
			dump_page_to(sys->report, page, "pmem page still pinned at removal");
			zd_report_unlock(sys);
		}
	}
	if (quiet || (!zapped && !pinned))
		return pinned;
	zd_report_lock(sys);
	if (zapped && !holder_told)
		fprintf(sys->report,
			"zonedev: pmem %s: removed under a file system without a dax holder: %lu DAX entr%s still in use, zapped (the kernel leaves them and their mappings dangling, spec §6.6)\n",
			pmem->name, zapped, zapped == 1 ? "y" : "ies");
	else if (zapped)
		fprintf(sys->report,
			"zonedev: pmem %s: the holder's MF_MEM_PRE_REMOVE left %lu DAX entr%s in use, zapped\n",
			pmem->name, zapped, zapped == 1 ? "y" : "ies");
	if (pinned)
		fprintf(sys->report,
			"zonedev: pmem %s: %lu page(s) still pinned at removal: the pins dangle (%s scheme: %s)\n",
			pmem->name, pinned, zd_scheme_name(pmem->pgmap.scheme),
			idle ? "memunmap_pages() waits for them to be released" :
			       "the memmap goes, the pins must never be used");
	zd_report_unlock(sys);
	return pinned;
}

/**
 * zd_pmem_destroy() - unbind the namespace, in the kernel's order
 *
 * kill_dax() first: the holder (a mounted daxfs) hears MF_MEM_PRE_REMOVE
 * over the whole device and unmaps and signals every task mapping it;
 * then the dax_device dies (its holder's reference keeps the memory of it
 * until fs_put_dax()).  Pages a file system without a holder still uses
 * are zapped, pages still pinned reported (see pmem_revoke_pages()).  Then
 * the pages go: memunmap_pages() waits for pgmap references, not for pins
 * (§6.6) under the zero scheme, while under the elevated scheme a pinned
 * page's reference is one, so it waits for the unpin.  The range is
 * released and the media closed; a file-backed media keeps what was
 * written.
 *
 * Return: the number of pages still pinned at removal (0: a clean
 * removal), or -EINVAL for a bad @pmem.
 */
int zd_pmem_destroy(struct zd_pmem *pmem)
{
	unsigned long pinned;
	bool holder_told;

	if (IS_ERR_OR_NULL(pmem))
		return -EINVAL;
	/* kill_dax() forgets the holder: see now whether it will be told. */
	holder_told = READ_ONCE(pmem->dax_dev->holder_ops) != NULL;
	kill_dax(pmem->dax_dev);
	pinned = pmem_revoke_pages(pmem, holder_told);
	put_dax(pmem->dax_dev);
	memunmap_pages(&pmem->pgmap);
	zd_release_mem_region(pmem->res);
	close(pmem->fd);
	spin_lock_destroy(&pmem->bb_lock);
	kfree(pmem->badblocks);
	kfree(pmem);
	return (int)min(pinned, (unsigned long)INT_MAX);
}

/** zd_pmem_dax() - the namespace's dax_device (NULL for a bad @pmem) */
struct dax_device *zd_pmem_dax(struct zd_pmem *pmem)
{
	if (IS_ERR_OR_NULL(pmem))
		return NULL;
	return pmem->dax_dev;
}

/** zd_pmem_size() - bytes of data the dax_device offers (0 for a bad @pmem) */
unsigned long zd_pmem_size(const struct zd_pmem *pmem)
{
	if (IS_ERR_OR_NULL(pmem))
		return 0;
	return pmem->size - pmem->data_offset;
}

/**
 * zd_pmem_pfn() - the pfn holding byte @offset of the dax_device
 *
 * Return: the pfn, or 0 for a bad @pmem or an @offset past the end.
 */
unsigned long zd_pmem_pfn(const struct zd_pmem *pmem, u64 offset)
{
	if (IS_ERR_OR_NULL(pmem) || offset >= pmem->size - pmem->data_offset)
		return 0;
	return PHYS_PFN(pmem->phys_addr + pmem->data_offset + offset);
}

/**
 * zd_pmem_inject_error() - make [@offset, @offset + @len) of the data
 * poisoned media, as the platform's error injection does: later reads fail,
 * nothing is signalled until someone consumes it or reports it through
 * memory failure
 *
 * Return: 0, or -EINVAL (bad @pmem, empty or out-of-range span).
 */
int zd_pmem_inject_error(struct zd_pmem *pmem, u64 offset, u64 len)
{
	u64 end;

	if (IS_ERR_OR_NULL(pmem) || !len || __builtin_add_overflow(offset, len, &end) ||
	    end > pmem->size - pmem->data_offset)
		return -EINVAL;
	set_badblocks(pmem, PHYS_PFN(offset), PHYS_PFN(ALIGN(end, PAGE_SIZE)) - PHYS_PFN(offset));
	return 0;
}

/** zd_pmem_is_bad() - does [@offset, @offset + @len) hold poison? */
bool zd_pmem_is_bad(struct zd_pmem *pmem, u64 offset, u64 len)
{
	u64 end;
	bool bad;

	if (IS_ERR_OR_NULL(pmem) || !len || __builtin_add_overflow(offset, len, &end) ||
	    end > pmem->size - pmem->data_offset)
		return false;
	spin_lock(&pmem->bb_lock);
	bad = first_bad_page(pmem, PHYS_PFN(offset),
			     PHYS_PFN(ALIGN(end, PAGE_SIZE)) - PHYS_PFN(offset)) >= 0;
	spin_unlock(&pmem->bb_lock);
	return bad;
}

/** zd_pmem_nr_badblocks() - poisoned data pages */
unsigned long zd_pmem_nr_badblocks(struct zd_pmem *pmem)
{
	unsigned long nr;

	if (IS_ERR_OR_NULL(pmem))
		return 0;
	spin_lock(&pmem->bb_lock);
	nr = pmem->nr_bad;
	spin_unlock(&pmem->bb_lock);
	return nr;
}
