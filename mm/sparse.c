// SPDX-License-Identifier: GPL-2.0-only
/*
 * SPARSEMEM_VMEMMAP for the simulated machine: the vmemmap and the direct
 * map are two huge PROT_NONE reservations, populated a range at a time.
 *
 * A device range's memmap is reserved, not allocated.  Every struct page a
 * pgmap initialises is the same for every compound page of that pgmap
 * (tails hold a mask, not their head's address), so the initialised memmap
 * is periodic, and zonedev writes one period into a memfd "template" and
 * maps it MAP_PRIVATE over the range:
 *
 *  - period (64 << vmemmap_shift bytes) <= 2 MiB: the template is 2 MiB of
 *    repeated periods, mapped once per 2 MiB of memmap (one memory
 *    section).  Every compound's tail vmemmap pages are the template's
 *    pages: one physical memmap page at many addresses, as the kernel's
 *    vmemmap deduplication does (mm/sparse-vmemmap.c).
 *  - period > 2 MiB (vmemmap_shift >= 16, e.g. 1 GiB device-dax pages): the
 *    range is first mapped anonymous, then the template's single vmemmap
 *    page (head and tails 1..63, which carry all the folio metadata) is
 *    mapped over each compound's first vmemmap page.  The remaining tails
 *    read the host's shared zero page; _compound_head() recognises an
 *    all-zero struct page and takes the geometry from the mem_section.
 *
 * A write to any struct page copies just that 4 KiB of memmap (the host's
 * copy-on-write), so memory is spent only where pages are touched.  Writes to
 * deduplicated tails (index >= 64 of an optimisable pgmap) are bugs in the
 * kernel, where they would corrupt every alias; here the audit finds them
 * (zd_memmap_check_dedup()).  With an altmap the memmap is not
 * deduplicated (as in the kernel) and is initialised eagerly.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "internal.h"

struct page *vmemmap;
char *zd_direct_map;
struct mem_section mem_section[NR_MEM_SECTIONS];

static DEFINE_MUTEX(physmem_lock);
static bool physmem_ready;

/* The vmemmap is aligned so that head = tail & mask holds for any order. */
#define VMEMMAP_ALIGN		(1UL << 30)
#define TEMPLATE_CHUNK		(2UL << 20)
#define MEMMAP_PER_SECTION	(PAGES_PER_SECTION * sizeof(struct page))

static_assert(TEMPLATE_CHUNK == MEMMAP_PER_SECTION, "one template chunk per section");
static_assert((sizeof(struct page) << MAX_FOLIO_ORDER) <= VMEMMAP_ALIGN, "vmemmap alignment");

struct zd_memmap_template {
	int fd;
	size_t size;
	size_t period;
	bool head_only;
};

static void *reserve(size_t len, size_t align)
{
	char *p = mmap(NULL, len + align, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *aligned;

	if (p == MAP_FAILED)
		return NULL;
	aligned = (char *)ALIGN((unsigned long)p, align);
	if (aligned > p)
		munmap(p, (size_t)(aligned - p));
	if (aligned + len < p + len + align)
		munmap(aligned + len, (size_t)(p + len + align - (aligned + len)));
	return aligned;
}

/**
 * zd_physmem_init() - reserve the vmemmap and the direct map, once per
 * process
 */
int zd_physmem_init(void)
{
	int err = 0;

	mutex_lock(&physmem_lock);
	if (physmem_ready)
		goto out;
	vmemmap = reserve(MAX_PFN * sizeof(struct page), VMEMMAP_ALIGN);
	zd_direct_map = reserve(MAX_PFN << PAGE_SHIFT, PUD_SIZE);
	if (!vmemmap || !zd_direct_map) {
		err = -ENOMEM;
		goto out;
	}
	physmem_ready = true;
out:
	mutex_unlock(&physmem_lock);
	return err;
}

static int map_anon(void *addr, size_t len, bool populate)
{
	int flags = MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;

	if (populate)
		flags |= MAP_POPULATE;
	if (mmap(addr, len, PROT_READ | PROT_WRITE, flags, -1, 0) == MAP_FAILED)
		return -ENOMEM;
	return 0;
}

/* Back to PROT_NONE: the memory is freed and any stale access faults. */
static void unmap_to_reserve(void *addr, size_t len)
{
	mmap(addr, len, PROT_NONE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
	     -1, 0);
}

static int map_template(void *addr, size_t len, struct zd_memmap_template *tpl)
{
	if (mmap(addr, len, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_NORESERVE,
		 tpl->fd, 0) == MAP_FAILED)
		return -ENOMEM;
	return 0;
}

/*
 * Mark [start_pfn, start_pfn + nr_pages) present.  The subsection bits are
 * published last: pfn_valid() turns true only once the memmap is ready.
 */
static void sections_online(unsigned long start_pfn, unsigned long nr_pages, int nid,
			    enum zone_type zone, unsigned char zero_tail_order)
{
	unsigned long pfn, end = start_pfn + nr_pages;

	for (pfn = start_pfn; pfn < end; pfn += PAGES_PER_SUBSECTION) {
		struct mem_section *ms = __pfn_to_section(pfn);
		unsigned long bit = BIT((pfn & (PAGES_PER_SECTION - 1)) >> PFN_SUBSECTION_SHIFT);

		ms->nid = (unsigned char)nid;
		ms->zone = (unsigned char)zone;
		ms->zero_tail_order = zero_tail_order;
		ms->flags = SECTION_IS_ONLINE | (zone == ZONE_DEVICE ? SECTION_IS_DEVICE : 0);
		smp_wmb();
		WRITE_ONCE(ms->subsection_map, ms->subsection_map | bit);
	}
}

static void sections_offline(unsigned long start_pfn, unsigned long nr_pages)
{
	unsigned long pfn, end = start_pfn + nr_pages;

	for (pfn = start_pfn; pfn < end; pfn += PAGES_PER_SUBSECTION) {
		struct mem_section *ms = __pfn_to_section(pfn);
		unsigned long bit = BIT((pfn & (PAGES_PER_SECTION - 1)) >> PFN_SUBSECTION_SHIFT);
		unsigned long map = ms->subsection_map & ~bit;

		WRITE_ONCE(ms->subsection_map, map);
		if (!map) {
			ms->flags = 0;
			ms->zero_tail_order = 0;
		}
	}
}

/**
 * sparse_add_ram() - populate and initialise the memmap and direct map of a
 * node's RAM
 */
int sparse_add_ram(int nid, unsigned long start_pfn, unsigned long nr_pages, bool prefault)
{
	if (should_fail(&fail_memmap, nr_pages * sizeof(struct page)))
		return -ENOMEM;
	if (map_anon(pfn_to_page(start_pfn), nr_pages * sizeof(struct page), true))
		return -ENOMEM;
	if (map_anon(__va(PFN_PHYS(start_pfn)), nr_pages << PAGE_SHIFT, prefault)) {
		unmap_to_reserve(pfn_to_page(start_pfn), nr_pages * sizeof(struct page));
		return -ENOMEM;
	}
	memmap_init_ram(nid, start_pfn, nr_pages);
	sections_online(start_pfn, nr_pages, nid, ZONE_NORMAL, 0);
	return 0;
}

/* Readers of these pfns must be gone (synchronize_rcu()) before this. */
void sparse_remove_ram(unsigned long start_pfn, unsigned long nr_pages)
{
	sections_offline(start_pfn, nr_pages);
	unmap_to_reserve(pfn_to_page(start_pfn), nr_pages * sizeof(struct page));
	unmap_to_reserve(__va(PFN_PHYS(start_pfn)), nr_pages << PAGE_SHIFT);
}

/* ------------------------------------------------------------------ */
/* Device memmap templates                                             */
/* ------------------------------------------------------------------ */

static void fill_template(struct page *pages, size_t n, struct dev_pagemap *pgmap)
{
	unsigned int order = (unsigned int)pgmap->vmemmap_shift;
	unsigned long mask = (1UL << order) - 1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i & mask)
			init_device_tail(&pages[i], pgmap, order);
		else
			init_device_head(&pages[i], pgmap);
	}
	if (!order)
		return;
	for (i = 0; i < n; i += 1UL << order)
		prep_compound_head(&pages[i], order);
}

static struct zd_memmap_template *memmap_template_create(struct dev_pagemap *pgmap)
{
	struct zd_memmap_template *tpl;
	struct page *buf;
	ssize_t done;

	tpl = kzalloc(sizeof(*tpl), 0);
	if (!tpl)
		return NULL;
	tpl->period = sizeof(struct page) << pgmap->vmemmap_shift;
	tpl->head_only = tpl->period > TEMPLATE_CHUNK;
	tpl->size = tpl->head_only ? PAGE_SIZE : TEMPLATE_CHUNK;

	buf = kzalloc(tpl->size, 0);
	if (!buf)
		goto free_tpl;
	fill_template(buf, tpl->size / sizeof(struct page), pgmap);

	tpl->fd = memfd_create("zd-memmap", MFD_CLOEXEC);
	if (tpl->fd < 0)
		goto free_buf;
	if (ftruncate(tpl->fd, (off_t)tpl->size))
		goto close_fd;
	done = pwrite(tpl->fd, buf, tpl->size, 0);
	if (done != (ssize_t)tpl->size)
		goto close_fd;
	kfree(buf);
	return tpl;

close_fd:
	close(tpl->fd);
free_buf:
	kfree(buf);
free_tpl:
	kfree(tpl);
	return NULL;
}

void memmap_template_free(struct dev_pagemap *pgmap)
{
	struct zd_memmap_template *tpl = pgmap->memmap;

	if (!tpl)
		return;
	close(tpl->fd);
	kfree(tpl);
	pgmap->memmap = NULL;
}

static int populate_from_template(struct dev_pagemap *pgmap, unsigned long start_pfn,
				  unsigned long nr_pages)
{
	struct zd_memmap_template *tpl = pgmap->memmap;
	char *memmap = (char *)pfn_to_page(start_pfn);
	size_t len = nr_pages * sizeof(struct page), off;
	unsigned long pfn, step;
	int err;

	if (!tpl->head_only) {
		for (off = 0; off < len; off += TEMPLATE_CHUNK) {
			err = map_template(memmap + off, min(TEMPLATE_CHUNK, len - off), tpl);
			if (err)
				return err;
		}
		return 0;
	}

	err = map_anon(memmap, len, false);
	if (err)
		return err;
	step = 1UL << pgmap->vmemmap_shift;
	for (pfn = start_pfn; pfn < start_pfn + nr_pages; pfn += step) {
		err = map_template(pfn_to_page(pfn), PAGE_SIZE, tpl);
		if (err)
			return err;
	}
	return 0;
}

/**
 * sparse_add_device_range() - populate and initialise the memmap of one
 * device range
 * @pgmap: the owner
 * @start_pfn: first pfn of the range
 * @nr_pages: its length
 * @pfn_first: first device page (after the altmap's reserve and memmap)
 *
 * Return: 0 or -ENOMEM.
 */
int sparse_add_device_range(struct dev_pagemap *pgmap, unsigned long start_pfn,
			    unsigned long nr_pages, unsigned long pfn_first)
{
	size_t len = nr_pages * sizeof(struct page);
	unsigned char zero_tail_order = 0;
	int err;

	if (should_fail(&fail_memmap, len))
		return -ENOMEM;

	if (pgmap_altmap(pgmap)) {
		err = map_anon(pfn_to_page(start_pfn), len, false);
		if (err)
			return err;
		memmap_init_altmap(pgmap, start_pfn, pfn_first);
		memmap_init_zone_device(&NODE_DATA(pgmap->nid)->node_zones[ZONE_DEVICE],
					pfn_first, start_pfn + nr_pages - pfn_first, pgmap);
	} else {
		if (!pgmap->memmap) {
			pgmap->memmap = memmap_template_create(pgmap);
			if (!pgmap->memmap)
				return -ENOMEM;
		}
		err = populate_from_template(pgmap, start_pfn, nr_pages);
		if (err) {
			unmap_to_reserve(pfn_to_page(start_pfn), len);
			return err;
		}
		if (pgmap->memmap->head_only)
			zero_tail_order = (unsigned char)pgmap->vmemmap_shift;
	}
	sections_online(start_pfn, nr_pages, pgmap->nid, ZONE_DEVICE, zero_tail_order);
	return 0;
}

/* Readers of these pfns must be gone (synchronize_rcu()) before this. */
void sparse_remove_device_range(unsigned long start_pfn, unsigned long nr_pages)
{
	sections_offline(start_pfn, nr_pages);
	unmap_to_reserve(pfn_to_page(start_pfn), nr_pages * sizeof(struct page));
}

/* ------------------------------------------------------------------ */
/* Deduplicated tails                                                  */
/* ------------------------------------------------------------------ */

/* The head of an all-zero tail: the geometry is its section's. */
unsigned long __zero_tail_head(const struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	unsigned int order = __pfn_to_section(pfn)->zero_tail_order;

	if (!order)
		return (unsigned long)page;
	return (unsigned long)pfn_to_page(pfn & ~((1UL << order) - 1));
}

/* The flags an all-zero tail would have had: zone, node, reserved. */
unsigned long __zero_tail_flags(const struct page *page)
{
	struct mem_section *ms = __pfn_to_section(page_to_pfn(page));

	if (!ms->zero_tail_order)
		return 0;
	return device_tail_flags(ms->nid);
}

#define PM_PRESENT		(1ULL << 63)
#define PM_FILE			(1ULL << 61)
#define PM_MMAP_EXCLUSIVE	(1ULL << 56)

/*
 * Walk /proc/self/pagemap over @len bytes of memmap at @addr and call @fn
 * for each vmemmap page that is privately written (a copy-on-write copy):
 * present, anonymous and mapped only here.
 */
static long for_each_private_memmap_page(const void *addr, size_t len,
					 bool (*fn)(unsigned long idx, void *arg), void *arg)
{
	unsigned long first = (unsigned long)addr / PAGE_SIZE;
	unsigned long n = len / PAGE_SIZE, i, done = 0;
	uint64_t buf[512];
	long count = 0;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (done < n) {
		unsigned long batch = min(n - done, (unsigned long)ARRAY_SIZE(buf));
		ssize_t got = pread(fd, buf, batch * sizeof(uint64_t),
				    (off_t)((first + done) * sizeof(uint64_t)));

		if (got != (ssize_t)(batch * sizeof(uint64_t))) {
			close(fd);
			return -EIO;
		}
		for (i = 0; i < batch; i++) {
			uint64_t e = buf[i];

			if ((e & PM_PRESENT) && !(e & PM_FILE) && (e & PM_MMAP_EXCLUSIVE)) {
				if (!fn || fn(done + i, arg))
					count++;
			}
		}
		done += batch;
	}
	close(fd);
	return count;
}

/**
 * zd_memmap_resident_bytes() - memory the pgmap's memmap really uses: its
 * template plus every vmemmap page written since
 */
unsigned long zd_memmap_resident_bytes(struct dev_pagemap *pgmap)
{
	unsigned long bytes = pgmap->memmap ? pgmap->memmap->size : 0;
	int i;

	for (i = 0; i < pgmap->nr_range; i++) {
		struct range *r = &pgmap->ranges[i];
		long n = for_each_private_memmap_page(pfn_to_page(PHYS_PFN(r->start)),
						      PHYS_PFN(range_len(r)) * sizeof(struct page),
						      NULL, NULL);
		if (n > 0)
			bytes += (unsigned long)n * PAGE_SIZE;
	}
	return bytes;
}

struct dedup_check {
	unsigned long pages_per_compound;	/* vmemmap pages per compound */
	unsigned long first_idx;		/* vmemmap index of the first head */
};

static bool written_dedup_tail(unsigned long idx, void *arg)
{
	struct dedup_check *dc = arg;

	/* The first vmemmap page of each compound is its own to write. */
	return (idx - dc->first_idx) % dc->pages_per_compound != 0;
}

/**
 * zd_memmap_check_dedup() - report vmemmap pages of deduplicated tails that
 * were written (invariant 25: no per-page writes to tails >= 64)
 *
 * Return: the number of such pages.
 */
int zd_memmap_check_dedup(struct dev_pagemap *pgmap, unsigned long start_pfn,
			  unsigned long nr_pages, FILE *report)
{
	struct dedup_check dc;
	unsigned long per = (sizeof(struct page) << pgmap->vmemmap_shift) / PAGE_SIZE;
	long n;

	/* vmemmap_can_optimize(): no altmap, more than 2 vmemmap pages a compound */
	if (pgmap_altmap(pgmap) || per <= 2)
		return 0;
	dc.pages_per_compound = per;
	dc.first_idx = 0;
	n = for_each_private_memmap_page(pfn_to_page(start_pfn), nr_pages * sizeof(struct page),
					 written_dedup_tail, &dc);
	if (n > 0 && report)
		fprintf(report, "zonedev: audit: pgmap %p: %ld deduplicated tail vmemmap page(s) written (tails >= 64 must not be written)\n",
			(void *)pgmap, n);
	return n > 0 ? (int)n : 0;
}
