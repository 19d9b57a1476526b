// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device-dax (drivers/dax/device.c): device memory mapped directly into
 * user address spaces through a character device, in units of the
 * device's alignment: PTEs, PMD leaves or PUD leaves, never smaller.
 * See spec fsdax_devdax.md §5 and include/zonedev/devdax.h.
 *
 * The pieces, with the kernel's names:
 *  - struct dev_dax: the alignment, one physical range (pgoff 0 at its
 *    start), its MEMORY_DEVICE_GENERIC pgmap with vmemmap_shift =
 *    log2(align / PAGE_SIZE), and a dax_device for liveness (kill_dax) and
 *    the inode every open of the character device maps;
 *  - check_vma(), at mmap and again at every fault, inside dax_read_lock():
 *    a dead device is -ENXIO (SIGBUS at fault), a private or unaligned
 *    mapping -EINVAL;
 *  - dev_dax_huge_fault(): a fault smaller than the alignment is SIGBUS,
 *    one larger falls back; the pages are inserted refcounted (zero
 *    scheme: vmf_insert_page_mkwrite / vmf_insert_folio_pmd/pud) or as
 *    devmap entries (elevated: vmf_insert_mixed / vmf_insert_pfn_pmd/pud),
 *    and dax_set_mapping() records mapping and index on the head, for
 *    memory failure's reverse map;
 *  - ->may_split refuses a cut off the alignment, ->get_unmapped_area
 *    places an unhinted mapping at an aligned address;
 *  - removal (§5.6): kill_dax(), unmap every user mapping, then
 *    memunmap_pages(), which does not wait for GUP pins under the zero
 *    scheme: such pins dangle, are reported, and must never be used.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zonedev/dax.h>
#include <zonedev/devdax.h>
#include <zonedev/huge_mm.h>
#include "../../mm/internal_mm.h"

/**
 * struct dev_dax - one device-dax instance (drivers/dax/dax-private.h)
 * @dax_dev: liveness, and the inode (and address_space) the device maps
 * @align: the mapping unit: PAGE_SIZE, PMD_SIZE or PUD_SIZE
 * @range: the device memory; file offset 0 is @range.start
 * @pgmap: MEMORY_DEVICE_GENERIC over @range (last: it ends in a flexible
 *	array of ranges)
 */
struct dev_dax {
	struct dax_device *dax_dev;
	unsigned long align;
	struct range range;
	struct dev_pagemap pgmap;
};

/**
 * struct zd_devdax - the harness around a dev_dax
 * @sys: the system it was created on
 * @file: the character device's open file, what zd_mmap() maps
 * @res: the physical range claimed (padded so @dev_dax.range is aligned)
 * @fd: the backing file opened for a file-backed device, else -1
 * @refcount: the creator's (until zd_devdax_destroy()) and @file's (until
 *	its last mapping goes): VMAs outlive the device and still reach it
 * @destroyed: zd_devdax_destroy() ran
 * @name: for reports
 * @dev_dax: the device
 */
struct zd_devdax {
	struct zd_system *sys;
	struct zd_file *file;
	struct resource *res;
	int fd;
	atomic_t refcount;
	bool destroyed;
	char name[32];
	struct dev_dax dev_dax;
};

static void zd_devdax_put(struct zd_devdax *dev)
{
	if (!atomic_dec_and_test(&dev->refcount))
		return;
	put_dax(dev->dev_dax.dax_dev);
	kfree(dev);
}

static inline struct zd_devdax *file_devdax(struct zd_file *file)
{
	return file->private_data;
}

/* ------------------------------------------------------------------ */
/* Mapping checks                                                      */
/* ------------------------------------------------------------------ */

/*
 * check_vma(): may @vma map the device?  Called at mmap and at every
 * fault, inside dax_read_lock() so that a kill_dax() in progress either
 * waits for us or is seen.
 */
static int check_vma(struct dev_dax *dev_dax, struct vm_area_struct *vma)
{
	unsigned long mask = dev_dax->align - 1;

	if (!dax_alive(dev_dax->dax_dev))
		return -ENXIO;
	/* Private mappings would COW device memory into RAM: refused. */
	if ((vma->vm_flags & VM_MAYSHARE) != VM_MAYSHARE)
		return -EINVAL;
	if ((vma->vm_start & mask) || (vma->vm_end & mask))
		return -EINVAL;
	if (!vma_is_dax(vma))
		return -EINVAL;
	return 0;
}

/*
 * The physical address of device page @pgoff if @size bytes from there lie
 * in the device, else -1 (dax_pgoff_to_phys()).
 */
static phys_addr_t dax_pgoff_to_phys(struct dev_dax *dev_dax, pgoff_t pgoff, unsigned long size)
{
	const struct range *range = &dev_dax->range;
	phys_addr_t phys;

	if (pgoff >= PHYS_PFN(range_len(range)))
		return (phys_addr_t)-1;
	phys = PFN_PHYS(pgoff) + range->start;
	if (phys + size - 1 > range->end)
		return (phys_addr_t)-1;
	return phys;
}

/*
 * dax_set_mapping(): the folios just mapped remember their file and offset
 * (only the head of a compound device page; its tails are deduplicated),
 * so memory failure can find their mappers.  The offset is that of the
 * aligned start of the fault, never of the faulting address (spec §9.15).
 * Set once and never cleared: device-dax pages belong to one file.
 */
static void dax_set_mapping(struct dev_dax *dev_dax, struct vm_fault *vmf, unsigned long pfn,
			    unsigned long fault_size)
{
	unsigned long i, nr = dev_dax->pgmap.vmemmap_shift ? 1 : fault_size >> PAGE_SHIFT;
	pgoff_t pgoff = linear_page_index(vmf->vma, ALIGN_DOWN(vmf->address, fault_size));
	struct address_space *mapping = vmf->vma->vm_file->f_mapping;

	for (i = 0; i < nr; i++) {
		struct folio *folio = pfn_folio(pfn + i);

		if (READ_ONCE(folio->mapping))
			continue;
		WRITE_ONCE(folio->index, pgoff + i);
		WRITE_ONCE(folio->mapping, mapping);
	}
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */
/* ------------------------------------------------------------------ */

/*
 * Map the @fault_size block at @pfn.  Zero scheme (v6.15+): the folio is
 * mapped like a file page, with a reference and a mapcount.  Elevated
 * (v4.5-v6.14): a devmap entry that takes neither; the mapping is recorded
 * after the insert, as then.
 */
static vm_fault_t dax_insert(struct dev_dax *dev_dax, struct vm_fault *vmf, unsigned long pfn,
			     unsigned long fault_size)
{
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	pfn_t pfnt;
	vm_fault_t rc;

	if (dev_dax->pgmap.scheme == ZD_REFCOUNT_ZERO) {
		dax_set_mapping(dev_dax, vmf, pfn, fault_size);
		if (fault_size == PUD_SIZE)
			return vmf_insert_folio_pud(vmf, pfn_folio(pfn), write);
		if (fault_size == PMD_SIZE)
			return vmf_insert_folio_pmd(vmf, pfn_folio(pfn), write);
		return vmf_insert_page_mkwrite(vmf, pfn_to_page(pfn), write);
	}
	pfnt = phys_to_pfn_t(PFN_PHYS(pfn), PFN_DEV | PFN_MAP);
	if (fault_size == PUD_SIZE)
		rc = vmf_insert_pfn_pud(vmf, pfnt, write);
	else if (fault_size == PMD_SIZE)
		rc = vmf_insert_pfn_pmd(vmf, pfnt, write);
	else
		rc = vmf_insert_mixed(vmf->vma, vmf->address, pfnt);
	if (rc == VM_FAULT_NOPAGE)
		dax_set_mapping(dev_dax, vmf, pfn, fault_size);
	return rc;
}

static vm_fault_t __dev_dax_pte_fault(struct dev_dax *dev_dax, struct vm_fault *vmf)
{
	phys_addr_t phys;

	if (check_vma(dev_dax, vmf->vma))
		return VM_FAULT_SIGBUS;
	/* Device-dax never maps less than its alignment. */
	if (dev_dax->align > PAGE_SIZE)
		return VM_FAULT_SIGBUS;
	phys = dax_pgoff_to_phys(dev_dax, vmf->pgoff, PAGE_SIZE);
	if (phys == (phys_addr_t)-1)
		return VM_FAULT_SIGBUS;
	return dax_insert(dev_dax, vmf, PHYS_PFN(phys), PAGE_SIZE);
}

/* A PMD or PUD fault (@fault_size): smaller than the alignment is SIGBUS,
 * larger falls back, outside the VMA or the device is SIGBUS. */
static vm_fault_t __dev_dax_huge_fault(struct dev_dax *dev_dax, struct vm_fault *vmf,
				       unsigned long fault_size)
{
	unsigned long haddr = vmf->address & ~(fault_size - 1);
	phys_addr_t phys;

	if (check_vma(dev_dax, vmf->vma))
		return VM_FAULT_SIGBUS;
	if (dev_dax->align > fault_size)
		return VM_FAULT_SIGBUS;
	if (dev_dax->align < fault_size)
		return VM_FAULT_FALLBACK;
	if (haddr < vmf->vma->vm_start || haddr + fault_size > vmf->vma->vm_end)
		return VM_FAULT_SIGBUS;
	phys = dax_pgoff_to_phys(dev_dax, linear_page_index(vmf->vma, haddr), fault_size);
	if (phys == (phys_addr_t)-1)
		return VM_FAULT_SIGBUS;
	return dax_insert(dev_dax, vmf, PHYS_PFN(phys), fault_size);
}

static vm_fault_t dev_dax_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	struct dev_dax *dev_dax = &file_devdax(vmf->vma->vm_file)->dev_dax;
	vm_fault_t rc;
	int id;

	id = dax_read_lock();
	switch (order) {
	case 0:
		rc = __dev_dax_pte_fault(dev_dax, vmf);
		break;
	case PMD_ORDER:
		rc = __dev_dax_huge_fault(dev_dax, vmf, PMD_SIZE);
		break;
	case PUD_ORDER:
		rc = __dev_dax_huge_fault(dev_dax, vmf, PUD_SIZE);
		break;
	default:
		rc = VM_FAULT_SIGBUS;
	}
	dax_read_unlock(id);
	return rc;
}

static vm_fault_t dev_dax_fault(struct vm_fault *vmf)
{
	return dev_dax_huge_fault(vmf, 0);
}

/* dev_dax_split(): a VMA is cut only at the alignment. */
static int dev_dax_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	struct dev_dax *dev_dax = &file_devdax(vma->vm_file)->dev_dax;

	return IS_ALIGNED(addr, dev_dax->align) ? 0 : -EINVAL;
}

static unsigned long dev_dax_pagesize(struct vm_area_struct *vma)
{
	return file_devdax(vma->vm_file)->dev_dax.align;
}

static const struct vm_operations_struct dax_vm_ops = {
	.fault = dev_dax_fault,
	.huge_fault = dev_dax_huge_fault,
	.may_split = dev_dax_may_split,
	.pagesize = dev_dax_pagesize,
	.name = "dax",
};

/* ------------------------------------------------------------------ */
/* The character device's file                                         */
/* ------------------------------------------------------------------ */

/*
 * dax_mmap(): check the VMA now (faults check again).  zonedev also wants
 * the file offset aligned: the kernel accepts an unaligned one and then
 * maps blocks whose pfns do not line up with the leaves.
 */
static int dax_mmap(struct zd_file *file, struct vm_area_struct *vma)
{
	struct dev_dax *dev_dax = &file_devdax(file)->dev_dax;
	int rc, id;

	id = dax_read_lock();
	rc = check_vma(dev_dax, vma);
	dax_read_unlock(id);
	if (rc)
		return rc;
	if (!IS_ALIGNED(vma->vm_pgoff << PAGE_SHIFT, dev_dax->align))
		return -EINVAL;
	vma->vm_flags |= VM_HUGEPAGE;
	return 0;
}

/*
 * dax_get_unmapped_area(): an unhinted mapping of at least one aligned unit
 * goes at an address congruent to its file offset modulo the alignment,
 * found by asking for @len + align and rounding up inside it; anything
 * else takes the default placement.
 */
static unsigned long dax_get_unmapped_area(struct zd_file *file, struct mm_struct *mm,
					   unsigned long len, unsigned long pgoff,
					   unsigned long flags)
{
	unsigned long align = file_devdax(file)->dev_dax.align;
	unsigned long off = pgoff << PAGE_SHIFT, off_end = off + len;
	unsigned long off_align = ALIGN(off, align), addr;

	(void)flags;
	if (off_end <= off_align || off_end - off_align < align)
		goto out;
	if (off + len + align < off)
		goto out;
	addr = get_unmapped_area(mm, len + align);
	if (addr)
		return addr + ((off - addr) & (align - 1));
out:
	return get_unmapped_area(mm, len);
}

/* The last reference to the file (the device's, and one per VMA) went. */
static void dax_release(struct zd_file *file)
{
	struct zd_devdax *dev = file_devdax(file);

	kfree(file);
	zd_devdax_put(dev);
}

static const struct zd_file_operations dax_fops = {
	.release = dax_release,
	.mmap = dax_mmap,
	.get_unmapped_area = dax_get_unmapped_area,
};

/* ------------------------------------------------------------------ */
/* Create and destroy                                                  */
/* ------------------------------------------------------------------ */

/* A file-backed device: its contents are @path's first @size bytes. */
static int open_backing(const char *path, unsigned long size)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600), err = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	else if ((unsigned long)st.st_size < size && ftruncate(fd, (off_t)size))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * Claim a physical range for the device, aligned to @align: device ranges
 * come section (128 MiB) aligned, so a 1 GiB alignment needs room to
 * round up in.  The backing is mapped so that file offset 0 is the
 * aligned start.
 */
static int claim_range(struct zd_devdax *dev, unsigned long size, unsigned long align)
{
	unsigned long pad = align > (1UL << SECTION_SIZE_BITS) ? align : 0;
	unsigned long desc = dev->fd >= 0 ? IORES_DESC_PERSISTENT_MEMORY : IORES_DESC_NONE;
	struct resource *res;
	uint64_t start;

	res = zd_request_device_memory(size + pad, dev->name, desc, dev->fd >= 0 ? dev->fd : -2, 0);
	if (IS_ERR(res))
		return (int)PTR_ERR(res);
	start = ALIGN(res->start, align);
	if (dev->fd >= 0)
		res->backing_offset = -(off_t)(start - res->start);
	dev->res = res;
	dev->dev_dax.range.start = start;
	dev->dev_dax.range.end = start + size - 1;
	return 0;
}

static struct zd_file *dax_file_alloc(struct zd_devdax *dev, struct inode *inode)
{
	struct zd_file *file = kzalloc(sizeof(*file), GFP_KERNEL);

	if (!file)
		return NULL;
	file->f_mapping = inode->i_mapping;
	file->f_inode = inode;
	file->f_op = &dax_fops;
	file->vm_ops = &dax_vm_ops;
	file->f_flags = O_RDWR;
	file->size = (unsigned long)i_size_read(inode);
	file->private_data = dev;
	atomic_set(&file->f_count, 1);
	return file;
}

/**
 * zd_devdax_create() - a device-dax instance (dev_dax_probe())
 * @sys: the system whose node the memory joins
 * @cfg: size, alignment, backing, name
 *
 * The memory is claimed as a physical range, registered through
 * memremap_pages() as MEMORY_DEVICE_GENERIC compound pages of the
 * alignment's order, and offered through zd_devdax_file() for zd_mmap().
 * Nothing of the backing is touched until a mapping writes or reads it.
 *
 * Return: the device, or ERR_PTR(): -EINVAL for no system or config, an
 * alignment other than 4 KiB, 2 MiB or 1 GiB, a size that is zero or not
 * a multiple of the alignment and of 2 MiB; -ENAMETOOLONG for a name of 32
 * characters or more; the errno of opening or sizing @cfg->path; -ERANGE
 * when no physical range is free; -ENOMEM.
 */
struct zd_devdax *zd_devdax_create(struct zd_system *sys, const struct zd_devdax_config *cfg)
{
	const char *name;
	struct dev_dax *dev_dax;
	struct zd_devdax *dev;
	struct inode *inode;
	void *addr;
	int err;

	if (IS_ERR_OR_NULL(sys) || !cfg)
		return ERR_PTR(-EINVAL);
	if (cfg->align != PAGE_SIZE && cfg->align != PMD_SIZE && cfg->align != PUD_SIZE)
		return ERR_PTR(-EINVAL);
	if (!cfg->size || cfg->size % cfg->align || cfg->size % memremap_compat_align())
		return ERR_PTR(-EINVAL);
	name = cfg->name ? cfg->name : "dax0.0";
	if (strlen(name) >= sizeof(dev->name))
		return ERR_PTR(-ENAMETOOLONG);

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev->sys = sys;
	dev->fd = -1;
	strcpy(dev->name, name);
	dev_dax = &dev->dev_dax;
	dev_dax->align = cfg->align;
	if (cfg->path) {
		dev->fd = open_backing(cfg->path, cfg->size);
		if (dev->fd < 0) {
			err = dev->fd;
			goto err_free;
		}
	}
	err = claim_range(dev, cfg->size, cfg->align);
	if (err)
		goto err_backing;

	dev_dax->dax_dev = alloc_dax(dev, NULL);
	if (IS_ERR(dev_dax->dax_dev)) {
		err = (int)PTR_ERR(dev_dax->dax_dev);
		goto err_range;
	}
	/* The character device's inode: DAX, but not fsdax. */
	inode = dax_inode(dev_dax->dax_dev);
	inode->i_mode = S_IFCHR | 0600;
	i_size_write(inode, (loff_t)cfg->size);
	inode->i_mapping->nid = zd_system_nid(sys);

	dev_dax->pgmap.type = MEMORY_DEVICE_GENERIC;
	dev_dax->pgmap.range = dev_dax->range;
	dev_dax->pgmap.nr_range = 1;
	dev_dax->pgmap.vmemmap_shift = (unsigned long)__builtin_ctzl(cfg->align >> PAGE_SHIFT);
	addr = memremap_pages(&dev_dax->pgmap, zd_system_nid(sys));
	if (IS_ERR(addr)) {
		err = (int)PTR_ERR(addr);
		goto err_dax;
	}
	dev->file = dax_file_alloc(dev, inode);
	if (!dev->file) {
		err = -ENOMEM;
		goto err_pages;
	}
	/* The creator's reference, and the file's. */
	atomic_set(&dev->refcount, 2);
	return dev;

err_pages:
	memunmap_pages(&dev_dax->pgmap);
err_dax:
	kill_dax(dev_dax->dax_dev);
	put_dax(dev_dax->dax_dev);
err_range:
	zd_release_mem_region(dev->res);
err_backing:
	if (dev->fd >= 0)
		close(dev->fd);
err_free:
	kfree(dev);
	return ERR_PTR(err);
}

/**
 * zd_devdax_file() - the device's character device, open, for zd_mmap()
 *	(MAP_SHARED, at an offset and length aligned to the device)
 *
 * Return: the file (the device's; mappings take their own references), or
 * ERR_PTR(-EINVAL) for no device or one already destroyed.
 */
struct zd_file *zd_devdax_file(struct zd_devdax *dev)
{
	if (IS_ERR_OR_NULL(dev) || dev->destroyed)
		return ERR_PTR(-EINVAL);
	return dev->file;
}

/** zd_devdax_pgmap() - the device's pgmap (NULL for no device) */
struct dev_pagemap *zd_devdax_pgmap(struct zd_devdax *dev)
{
	if (IS_ERR_OR_NULL(dev) || dev->destroyed)
		return NULL;
	return &dev->dev_dax.pgmap;
}

/**
 * zd_devdax_pfn() - the pfn of byte @offset of the device, or 0 if
 *	@offset is past its end
 */
unsigned long zd_devdax_pfn(struct zd_devdax *dev, unsigned long offset)
{
	phys_addr_t phys;

	if (IS_ERR_OR_NULL(dev) || dev->destroyed)
		return 0;
	phys = dax_pgoff_to_phys(&dev->dev_dax, offset >> PAGE_SHIFT, PAGE_SIZE);
	return phys == (phys_addr_t)-1 ? 0 : PHYS_PFN(phys);
}

/*
 * The device's folios still referenced beyond their idle count once every
 * mapping is gone: GUP pins (or references) that outlive the device.
 */
static unsigned long report_dangling_pins(struct zd_devdax *dev)
{
	struct dev_dax *dev_dax = &dev->dev_dax;
	struct zd_system *sys = dev->sys;
	unsigned long pfn, step = 1UL << dev_dax->pgmap.vmemmap_shift, busy = 0;
	unsigned long first = PHYS_PFN(dev_dax->range.start);
	unsigned long end = first + PHYS_PFN(range_len(&dev_dax->range));

	for (pfn = first; pfn < end; pfn += step) {
		struct page *head = pfn_to_page(pfn);

		if (page_ref_count(head) <= 1)
			continue;
		if (!busy++ && !(sys->cfg.flags & ZD_QUIET)) {
			zd_report_lock(sys);
			dump_page_to(sys->report, head, "device-dax page still pinned at removal");
			zd_report_unlock(sys);
		}
	}
	if (busy && !(sys->cfg.flags & ZD_QUIET)) {
		zd_report_lock(sys);
		fprintf(sys->report,
			"zonedev: devdax %s: %lu page(s) still pinned at removal, the pins dangle"
			" (%s scheme: %s)\n",
			dev->name, busy, zd_scheme_name(dev_dax->pgmap.scheme),
			dev_dax->pgmap.scheme == ZD_REFCOUNT_ZERO ?
			"the memmap goes, the pins must never be used" :
			"memunmap_pages() waits for them to be released");
		zd_report_unlock(sys);
	}
	return busy;
}

/**
 * zd_devdax_destroy() - remove the device (kill_dev_dax() and the devm
 *	teardown after it)
 * @dev: the device
 *
 * kill_dax() first: new mmaps get -ENXIO and new faults SIGBUS, and faults
 * under way finish.  Then every user mapping, in every task, is unmapped
 * (the tasks keep their VMAs; touching them is SIGBUS), and
 * memunmap_pages() removes the memory.  Under the zero scheme that does
 * not wait for GUP pins: pages still pinned are reported, and their pins
 * must never be used (or released) again.  Under the elevated scheme,
 * as in v5.x, it waits until they are released.
 *
 * Return: the number of device folios still pinned when the mappings were
 * gone (0: a clean removal), or -EINVAL for no device or a second call.
 */
int zd_devdax_destroy(struct zd_devdax *dev)
{
	struct dev_dax *dev_dax;
	unsigned long busy;

	if (IS_ERR_OR_NULL(dev) || dev->destroyed)
		return -EINVAL;
	dev_dax = &dev->dev_dax;
	dev->destroyed = true;
	kill_dax(dev_dax->dax_dev);
	unmap_mapping_range(dax_inode(dev_dax->dax_dev)->i_mapping, 0, 0, 1);
	/*
	 * Lockless walkers that saw a mapping (gup_fast, a CPU access) are
	 * done after a grace period, and the mappings' references, dropped
	 * after one, are gone after the barrier: what remains is pinned.
	 */
	synchronize_rcu();
	rcu_barrier();
	busy = report_dangling_pins(dev);
	memunmap_pages(&dev_dax->pgmap);
	zd_release_mem_region(dev->res);
	if (dev->fd >= 0)
		close(dev->fd);
	zd_file_put(dev->file);
	zd_devdax_put(dev);
	return (int)min(busy, (unsigned long)INT_MAX);
}
