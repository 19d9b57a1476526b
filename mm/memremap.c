// SPDX-License-Identifier: GPL-2.0-only
/*
 * memremap_pages(): give device memory struct pages in ZONE_DEVICE, and
 * take them away again in memunmap_pages().  A pgmap's lifetime is its
 * percpu_ref; what holds that ref depends on the scheme:
 *
 *  zero:     1 initial + one per compound unit for FS_DAX, GENERIC and
 *            P2PDMA (taken here, returned at unmap) + one per page allocated
 *            by zone_device_page_init() for PRIVATE and COHERENT (returned
 *            when the page is freed) + get_dev_pagemap() lookups;
 *  elevated: 1 initial + one per compound unit for every type, each
 *            returned when that unit's refcount finally reaches 0, which
 *            memunmap_pages() provokes by dropping the idle baseline
 *            + get_dev_pagemap() lookups.
 *
 * memunmap_pages() therefore waits, under both schemes, until every
 * device-private or device-coherent page the driver allocated has been
 * freed.
 */
#include <string.h>
#include <zonedev/dax.h>
#include "internal.h"

/*
 * The registry: pfn ranges to pgmaps, a sorted array replaced wholesale
 * under pgmap_lock and read locklessly under RCU (the kernel's pgmap_array
 * xarray).
 */
struct pgmap_entry {
	unsigned long start_pfn;
	unsigned long end_pfn;		/* exclusive */
	struct dev_pagemap *pgmap;
};

struct pgmap_table {
	struct rcu_head rcu;
	unsigned long nr;
	struct pgmap_entry e[];
};

static struct pgmap_table *pgmap_array;
static DEFINE_MUTEX(pgmap_lock);

static const char *const type_names[] = {
	[MEMORY_DEVICE_PRIVATE] = "private",
	[MEMORY_DEVICE_COHERENT] = "coherent",
	[MEMORY_DEVICE_FS_DAX] = "fsdax",
	[MEMORY_DEVICE_GENERIC] = "generic",
	[MEMORY_DEVICE_PCI_P2PDMA] = "p2pdma",
};

const char *pgmap_type_name(enum memory_type type)
{
	if (type < MEMORY_DEVICE_PRIVATE || type > MEMORY_DEVICE_PCI_P2PDMA)
		return "invalid";
	return type_names[type];
}

/* Hotplug granularity: a 2 MiB subsection, as on x86-64. */
unsigned long memremap_compat_align(void)
{
	return SUBSECTION_SIZE;
}

unsigned long pgmap_vmemmap_nr(struct dev_pagemap *pgmap)
{
	return 1UL << pgmap->vmemmap_shift;
}

unsigned long pfn_first(struct dev_pagemap *pgmap, int range_id)
{
	unsigned long pfn = PHYS_PFN(pgmap->ranges[range_id].start);

	if (range_id == 0 && pgmap_altmap(pgmap))
		pfn += vmem_altmap_offset(&pgmap->altmap);
	return pfn;
}

unsigned long pfn_end(struct dev_pagemap *pgmap, int range_id)
{
	const struct range *range = &pgmap->ranges[range_id];

	return PHYS_PFN(range->start) + PHYS_PFN(range_len(range));
}

/* Compound units in a range: what the map-time references count. */
static unsigned long pfn_len(struct dev_pagemap *pgmap, int range_id)
{
	return (pfn_end(pgmap, range_id) - pfn_first(pgmap, range_id)) >> pgmap->vmemmap_shift;
}

/**
 * pgmap_pfn_valid() - is @pfn one of @pgmap's device pages (not altmap
 * reserve or memmap)?
 */
bool pgmap_pfn_valid(struct dev_pagemap *pgmap, unsigned long pfn)
{
	int i;

	for (i = 0; i < pgmap->nr_range; i++) {
		if (pfn >= pfn_first(pgmap, i) && pfn < pfn_end(pgmap, i))
			return true;
	}
	return false;
}

static struct dev_pagemap *pgmap_lookup_rcu(unsigned long pfn)
{
	struct pgmap_table *t = rcu_dereference(pgmap_array);
	unsigned long lo = 0, hi;

	if (!t)
		return NULL;
	hi = t->nr;
	while (lo < hi) {
		unsigned long mid = (lo + hi) / 2;
		struct pgmap_entry *e = &t->e[mid];

		if (pfn < e->start_pfn)
			hi = mid;
		else if (pfn >= e->end_pfn)
			lo = mid + 1;
		else
			return READ_ONCE(e->pgmap);
	}
	return NULL;
}

/* pgmap_lock held: does [start, end) overlap any registered range? */
static bool pgmap_array_overlaps(unsigned long start, unsigned long end)
{
	struct pgmap_table *t = pgmap_array;
	unsigned long i;

	for (i = 0; t && i < t->nr; i++) {
		if (t->e[i].pgmap && t->e[i].start_pfn < end && start < t->e[i].end_pfn)
			return true;
	}
	return false;
}

static void pgmap_table_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct pgmap_table, rcu));
}

/* pgmap_lock held. */
static int pgmap_array_insert(unsigned long start, unsigned long end, struct dev_pagemap *pgmap)
{
	struct pgmap_table *old = pgmap_array, *t;
	unsigned long i, j = 0, n = old ? old->nr : 0;
	bool placed = false;

	t = kmalloc(sizeof(*t) + (n + 1) * sizeof(t->e[0]), 0);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!old->e[i].pgmap)
			continue;	/* retired in place by a failed delete */
		if (!placed && start < old->e[i].start_pfn) {
			t->e[j++] = (struct pgmap_entry){ start, end, pgmap };
			placed = true;
		}
		t->e[j++] = old->e[i];
	}
	if (!placed)
		t->e[j++] = (struct pgmap_entry){ start, end, pgmap };
	t->nr = j;
	rcu_assign_pointer(pgmap_array, t);
	if (old)
		call_rcu(&old->rcu, pgmap_table_free_rcu);
	return 0;
}

/*
 * pgmap_lock held.  Readers must be gone when this returns, so the caller
 * may tear the memmap down: hence synchronize_rcu(), as pgmap_array_delete()
 * does in the kernel.
 */
static void pgmap_array_delete(unsigned long start)
{
	struct pgmap_table *old = pgmap_array, *t;
	unsigned long i, j = 0;

	if (!old)
		return;
	t = kmalloc(sizeof(*t) + old->nr * sizeof(t->e[0]), 0);
	if (!t) {
		/* No memory for a new table: retire the entry in place. */
		for (i = 0; i < old->nr; i++)
			if (old->e[i].start_pfn == start)
				WRITE_ONCE(old->e[i].pgmap, NULL);
		synchronize_rcu();
		return;
	}
	for (i = 0; i < old->nr; i++)
		if (old->e[i].start_pfn != start && old->e[i].pgmap)
			t->e[j++] = old->e[i];
	t->nr = j;
	rcu_assign_pointer(pgmap_array, t);
	synchronize_rcu();
	kfree(old);
}

/**
 * get_dev_pagemap() - the live pgmap that owns @pfn, with a reference
 *
 * Return: the pgmap (release with put_dev_pagemap()), or NULL if @pfn is no
 * device page or its pgmap is being torn down.
 */
struct dev_pagemap *get_dev_pagemap(unsigned long pfn)
{
	struct dev_pagemap *pgmap;

	rcu_read_lock();
	pgmap = pgmap_lookup_rcu(pfn);
	if (pgmap && !percpu_ref_tryget_live_rcu(&pgmap->ref))
		pgmap = NULL;
	if (pgmap)
		atomic_long_inc(&pgmap->nr_lookups);
	rcu_read_unlock();
	if (pgmap)
		count_node_event(pgmap->nid, PGMAP_LOOKUP);
	return pgmap;
}

static void dev_pagemap_percpu_release(struct percpu_ref *ref)
{
	struct dev_pagemap *pgmap = container_of(ref, struct dev_pagemap, ref);

	complete(&pgmap->done);
}

/* ------------------------------------------------------------------ */

static int pgmap_check_ops(struct dev_pagemap *pgmap)
{
	const struct dev_pagemap_ops *ops = pgmap->ops;

	switch (pgmap->type) {
	case MEMORY_DEVICE_PRIVATE:
		if (!ops || !ops->migrate_to_ram || !ops->page_free || !pgmap->owner)
			return -EINVAL;
		return 0;
	case MEMORY_DEVICE_COHERENT:
		/* The kernel dereferences ops unchecked here; we refuse instead. */
		if (!ops || !ops->page_free || !pgmap->owner)
			return -EINVAL;
		return 0;
	case MEMORY_DEVICE_FS_DAX:
	case MEMORY_DEVICE_GENERIC:
	case MEMORY_DEVICE_PCI_P2PDMA:
		return 0;
	default:
		/* The kernel only WARNs on an unknown type; we register nothing. */
		return -EINVAL;
	}
}

static int pgmap_check_range(struct dev_pagemap *pgmap, int i)
{
	const struct range *range = &pgmap->ranges[i];
	unsigned long align = memremap_compat_align(), order = pgmap->vmemmap_shift;
	unsigned long first, end;

	if (range->end < range->start)
		return -EINVAL;			/* zero-length (or inverted) range */
	if (range->end >= (1ULL << MAX_PHYSMEM_BITS))
		return -EINVAL;			/* mhp_range_allowed() */
	if (!IS_ALIGNED(range->start, align) || !IS_ALIGNED(range_len(range), align))
		return -EINVAL;			/* not subsection aligned */
	if (i > 0)
		goto compound;
	if (pgmap_altmap(pgmap) &&
	    vmem_altmap_offset(&pgmap->altmap) >= PHYS_PFN(range_len(range)))
		return -EINVAL;			/* altmap swallows the range */
compound:
	/*
	 * zonedev finds a tail's head by masking, so compound pages must be
	 * naturally aligned and fill the range (the kernel assumes the same).
	 */
	first = pfn_first(pgmap, i);
	end = pfn_end(pgmap, i);
	if (!IS_ALIGNED(first, 1UL << order) || !IS_ALIGNED(end - first, 1UL << order))
		return -EINVAL;
	return 0;
}

/* pgmap_lock held: the whole of every range, against RAM and other pgmaps. */
static int pgmap_check_conflicts(struct dev_pagemap *pgmap)
{
	int i, j;

	for (i = 0; i < pgmap->nr_range; i++) {
		const struct range *r = &pgmap->ranges[i];

		if (pgmap_array_overlaps(PHYS_PFN(r->start), PHYS_PFN(r->end) + 1))
			return -ENOMEM;		/* "Conflicting mapping in same section" */
		for (j = 0; j < i; j++) {
			const struct range *q = &pgmap->ranges[j];

			if (q->start <= r->end && r->start <= q->end)
				return -ENOMEM;
		}
		if (region_intersects(r->start, range_len(r), IORESOURCE_SYSTEM_RAM,
				      IORES_DESC_NONE) != REGION_DISJOINT)
			return -ENXIO;
	}
	return 0;
}

static void pageunmap_range(struct dev_pagemap *pgmap, int range_id)
{
	const struct range *range = &pgmap->ranges[range_id];
	unsigned long start = PHYS_PFN(range->start);

	pgmap_array_delete(start);
	sparse_remove_device_range(start, PHYS_PFN(range_len(range)));
	if (pgmap->type != MEMORY_DEVICE_PRIVATE)
		arch_remove_memory(range->start, range_len(range));
	if (range_id == 0 && pgmap_altmap(pgmap))
		pgmap->altmap.alloc -= DIV_ROUND_UP(PHYS_PFN(range_len(range)) * sizeof(struct page),
						    PAGE_SIZE);
}

static int pagemap_range(struct dev_pagemap *pgmap, int range_id)
{
	const struct range *range = &pgmap->ranges[range_id];
	unsigned long start = PHYS_PFN(range->start), nr = PHYS_PFN(range_len(range));
	unsigned long units;
	int err;

	err = pgmap_array_insert(start, start + nr, pgmap);
	if (err)
		return err;
	if (pgmap->type != MEMORY_DEVICE_PRIVATE) {
		err = arch_add_memory(pgmap->nid, range->start, range_len(range));
		if (err)
			goto err_array;
	}
	if (range_id == 0 && pgmap_altmap(pgmap)) {
		/* The memmap comes out of the altmap's free pfns, or not at all. */
		unsigned long need = DIV_ROUND_UP(nr * sizeof(struct page), PAGE_SIZE);

		if (need > pgmap->altmap.free) {
			err = -ENOMEM;
			goto err_direct_map;
		}
		pgmap->altmap.alloc += need;
	}
	err = sparse_add_device_range(pgmap, start, nr, pfn_first(pgmap, range_id));
	if (err)
		goto err_altmap;

	units = pfn_len(pgmap, range_id);
	if (!pgmap_refs_per_allocation(pgmap)) {
		percpu_ref_get_many(&pgmap->ref, units);
		pgmap->nr_map_refs += units;
	}
	return 0;

err_altmap:
	if (range_id == 0 && pgmap_altmap(pgmap))
		pgmap->altmap.alloc -= DIV_ROUND_UP(nr * sizeof(struct page), PAGE_SIZE);
err_direct_map:
	if (pgmap->type != MEMORY_DEVICE_PRIVATE)
		arch_remove_memory(range->start, range_len(range));
err_array:
	pgmap_array_delete(start);
	return err;
}

/**
 * memremap_pages() - register @pgmap's ranges and create their struct pages
 * @pgmap: type, ranges, ops, owner, vmemmap_shift and altmap filled in
 * @nid: the node (zonedev system) the memory belongs to
 *
 * Every pfn of every range is checked up front: a range that is empty,
 * not 2 MiB aligned, beyond the physical address space or with misaligned
 * compound pages gives -EINVAL; a missing required op or owner, or an
 * unknown type, -EINVAL; an overlap with another pgmap -ENOMEM (as the
 * kernel's "Conflicting mapping in same section"); with System RAM -ENXIO;
 * a pgmap that is already mapped -EBUSY.  Nothing is registered on error.
 *
 * @nid must name a live system: with several systems in one process there
 * is no "local node" for NUMA_NO_NODE to mean, so -1 is -EINVAL here where
 * the kernel would pick numa_mem_id().
 *
 * Return: the direct-map address of range 0 (meaningless for PRIVATE), or
 * an ERR_PTR().
 */
void *memremap_pages(struct dev_pagemap *pgmap, int nid)
{
	struct zd_system *sys;
	int i, nr_range, err;

	if (!pgmap || nid < 0 || nid >= MAX_NUMNODES || !(sys = node_system(nid)))
		return ERR_PTR(-EINVAL);
	if (pgmap->state != ZD_PGMAP_UNUSED)
		return ERR_PTR(-EBUSY);
	if (pgmap->nr_range < 1 || pgmap->vmemmap_shift > MAX_FOLIO_ORDER)
		return ERR_PTR(-EINVAL);
	/* "altmap not supported for multiple ranges" */
	if (pgmap_altmap(pgmap) && pgmap->nr_range > 1)
		return ERR_PTR(-EINVAL);
	err = pgmap_check_ops(pgmap);
	for (i = 0; !err && i < pgmap->nr_range; i++)
		err = pgmap_check_range(pgmap, i);
	if (err)
		return ERR_PTR(err);

	mutex_lock(&pgmap_lock);
	err = pgmap_check_conflicts(pgmap);
	if (err)
		goto out_unlock;

	pgmap->nid = nid;
	pgmap->scheme = sys->cfg.scheme;
	pgmap->nr_map_refs = 0;
	pgmap->memmap = NULL;
	atomic_long_set(&pgmap->nr_page_init, 0);
	atomic_long_set(&pgmap->nr_page_free, 0);
	atomic_long_set(&pgmap->nr_lookups, 0);
	init_completion(&pgmap->done);
	err = percpu_ref_init(&pgmap->ref, dev_pagemap_percpu_release, 0, GFP_KERNEL);
	if (err)
		goto out_unlock;
	if (pgmap_devmap_managed(pgmap))
		static_branch_inc(&devmap_managed_key);

	nr_range = pgmap->nr_range;
	pgmap->nr_range = 0;
	for (i = 0; i < nr_range; i++) {
		err = pagemap_range(pgmap, i);
		if (err)
			break;
		pgmap->nr_range++;
	}
	if (err) {
		/*
		 * Unwind what was mapped; no page of it was ever handed out, but
		 * a lookup may hold a reference.  Its registry entries keep
		 * conflicting registrations out while we wait without the lock.
		 */
		mutex_unlock(&pgmap_lock);
		percpu_ref_kill(&pgmap->ref);
		if (pgmap->nr_map_refs)
			percpu_ref_put_many(&pgmap->ref, pgmap->nr_map_refs);
		wait_for_completion(&pgmap->done);
		mutex_lock(&pgmap_lock);
		for (i = pgmap->nr_range - 1; i >= 0; i--)
			pageunmap_range(pgmap, i);
		percpu_ref_exit(&pgmap->ref);
		memmap_template_free(pgmap);
		if (pgmap_devmap_managed(pgmap))
			static_branch_dec(&devmap_managed_key);
		pgmap->nr_range = nr_range;
		goto out_unlock;
	}

	WRITE_ONCE(pgmap->state, ZD_PGMAP_LIVE);
	spin_lock(&sys->pgmaps_lock);
	list_add_tail(&pgmap->node_list, &sys->pgmaps);
	spin_unlock(&sys->pgmaps_lock);
	mutex_unlock(&pgmap_lock);

	mod_node_state(nid, NR_PGMAP_LIVE, 1);
	count_node_event(nid, PGMAP_REMAP);
	if (READ_ONCE(sys->cfg.trace))
		zd_trace_event(sys, "zd_memremap_pages",
			       "pgmap=%p type=%s scheme=%s nr_range=%d start=0x%llx pages=%lu vmemmap_shift=%lu",
			       (void *)pgmap, pgmap_type_name(pgmap->type),
			       zd_scheme_name(pgmap->scheme), pgmap->nr_range,
			       (unsigned long long)pgmap->ranges[0].start,
			       PHYS_PFN(range_len(&pgmap->ranges[0])), pgmap->vmemmap_shift);
	return __va(pgmap->ranges[0].start);

out_unlock:
	mutex_unlock(&pgmap_lock);
	return ERR_PTR(err);
}

#define for_each_device_head(pgmap, i, pfn)				\
	for ((i) = 0; (i) < (pgmap)->nr_range; (i)++)			\
		for ((pfn) = pfn_first(pgmap, i); (pfn) < pfn_end(pgmap, i);\
		     (pfn) += pgmap_vmemmap_nr(pgmap))

/* The refcount a head of @pgmap has when nobody uses it. */
static int idle_count(const struct dev_pagemap *pgmap)
{
	if (pgmap->scheme == ZD_REFCOUNT_ELEVATED)
		return 1;
	return pgmap->type == MEMORY_DEVICE_GENERIC ? 1 : 0;
}

/*
 * Kill the ref and drop the references memunmap owns, once: of two
 * concurrent unmaps only the one that moves the pgmap LIVE -> DYING does it.
 */
static void pgmap_kill(struct dev_pagemap *pgmap)
{
	unsigned long pfn;
	int i;

	if (cmpxchg(&pgmap->state, ZD_PGMAP_LIVE, ZD_PGMAP_DYING) != ZD_PGMAP_LIVE)
		return;
	percpu_ref_kill(&pgmap->ref);
	if (pgmap->scheme == ZD_REFCOUNT_ZERO) {
		if (pgmap->nr_map_refs)
			percpu_ref_put_many(&pgmap->ref, pgmap->nr_map_refs);
		return;
	}
	/*
	 * Elevated: drop every unit's idle baseline.  An idle unit goes 1->0
	 * and returns its pgmap reference now; a busy devmap-managed page
	 * goes 2->1 and its driver is told, as in the kernel, and its last
	 * user's put returns the reference later.
	 */
	for_each_device_head(pgmap, i, pfn)
		put_page(pfn_to_page(pfn));
}

static void report_holders(struct dev_pagemap *pgmap, FILE *out)
{
	unsigned long pfn, busy = 0, shown = 0;
	long lookups = atomic_long_read(&pgmap->nr_lookups);
	int i, idle = READ_ONCE(pgmap->state) != ZD_PGMAP_LIVE && pgmap->scheme == ZD_REFCOUNT_ELEVATED
		      ? 0 : idle_count(pgmap);

	if (!out)
		return;
	fprintf(out, "zonedev: memunmap_pages: pgmap %p (%s, %s scheme) still referenced: count %lu\n",
		(void *)pgmap, pgmap_type_name(pgmap->type), zd_scheme_name(pgmap->scheme),
		percpu_ref_read(&pgmap->ref));
	for_each_device_head(pgmap, i, pfn) {
		struct page *page = pfn_to_page(pfn);

		if (page_ref_count(page) <= idle)
			continue;
		busy++;
		if (shown++ < 16)
			dump_page_to(out, page, "still in use");
	}
	fprintf(out, "zonedev: memunmap_pages: %lu page(s) in use%s, %ld get_dev_pagemap() reference(s) not put\n",
		busy, shown > 16 ? " (first 16 shown)" : "", lookups);
}

/*
 * Tear the ranges down, once: the unmap that moves the pgmap DYING ->
 * UNMAPPING does it; any other waits until it is done.
 */
static void pgmap_finish_unmap(struct dev_pagemap *pgmap)
{
	struct zd_system *sys = node_system(pgmap->nid);
	int i;

	if (cmpxchg(&pgmap->state, ZD_PGMAP_DYING, ZD_PGMAP_UNMAPPING) != ZD_PGMAP_DYING) {
		wait_var_event(&pgmap->state, READ_ONCE(pgmap->state) == ZD_PGMAP_UNUSED);
		return;
	}
	/* Anyone still waiting for the references (forced teardown) gives up. */
	complete_all(&pgmap->done);
	mutex_lock(&pgmap_lock);
	for (i = pgmap->nr_range - 1; i >= 0; i--)
		pageunmap_range(pgmap, i);
	/* Under pgmap_lock, so the audit never walks a half-removed pgmap. */
	spin_lock(&sys->pgmaps_lock);
	list_del(&pgmap->node_list);
	spin_unlock(&sys->pgmaps_lock);
	mutex_unlock(&pgmap_lock);
	percpu_ref_exit(&pgmap->ref);
	memmap_template_free(pgmap);
	if (pgmap->altmap.alloc)
		__vm_bug_pgmap(pgmap, "failed to free all reserved pages (altmap.alloc != 0)",
			       __func__, __LINE__);
	if (pgmap_devmap_managed(pgmap))
		static_branch_dec(&devmap_managed_key);
	WRITE_ONCE(pgmap->state, ZD_PGMAP_UNUSED);
	wake_up_var(&pgmap->state);
	mod_node_state(pgmap->nid, NR_PGMAP_LIVE, -1);
	count_node_event(pgmap->nid, PGMAP_UNMAP);
	if (READ_ONCE(sys->cfg.trace))
		zd_trace_event(sys, "zd_memunmap_pages", "pgmap=%p type=%s scheme=%s",
			       (void *)pgmap, pgmap_type_name(pgmap->type),
			       zd_scheme_name(pgmap->scheme));
}

static bool pgmap_unmappable(struct dev_pagemap *pgmap)
{
	enum zd_pgmap_state state;

	if (!pgmap)
		return false;
	state = READ_ONCE(pgmap->state);
	return state == ZD_PGMAP_LIVE || state == ZD_PGMAP_DYING || state == ZD_PGMAP_UNMAPPING;
}

/**
 * memunmap_pages() - tear down what memremap_pages() set up
 *
 * Kills the pgmap (get_dev_pagemap() fails from here on), returns the
 * references taken at map time, then waits for every other reference: for
 * PRIVATE and COHERENT memory that means every page the driver allocated
 * must have been freed.  It waits forever if they are not;
 * zd_memunmap_pages_timeout() is the bounded form.  Unmapping a pgmap that
 * is not mapped is a bug and is reported.
 */
void memunmap_pages(struct dev_pagemap *pgmap)
{
	if (!pgmap_unmappable(pgmap)) {
		if (pgmap)
			__vm_bug_pgmap(pgmap, "memunmap_pages of a pgmap that is not mapped",
				       __func__, __LINE__);
		return;
	}
	pgmap_kill(pgmap);
	wait_for_completion(&pgmap->done);
	pgmap_finish_unmap(pgmap);
}

/**
 * zd_memunmap_pages_timeout() - memunmap_pages() that gives up
 * @pgmap: the pgmap
 * @timeout_ms: how long to wait for the last references
 * @report: where to list who still holds references (NULL: nowhere)
 *
 * Return: 0 once unmapped; -EBUSY if references remain after @timeout_ms,
 * in which case the pgmap stays killed and a later call (of either form)
 * resumes the wait; -EINVAL if @pgmap is not mapped.
 */
int zd_memunmap_pages_timeout(struct dev_pagemap *pgmap, unsigned long timeout_ms,
			      FILE *report)
{
	if (!pgmap_unmappable(pgmap))
		return -EINVAL;
	pgmap_kill(pgmap);
	if (!wait_for_completion_timeout(&pgmap->done, timeout_ms)) {
		report_holders(pgmap, report);
		return -EBUSY;
	}
	pgmap_finish_unmap(pgmap);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Allocation and free of device pages                                 */
/* ------------------------------------------------------------------ */

/**
 * zone_device_page_init() - a driver allocates a free device page
 *
 * Zero scheme: 0 -> 1 and one pgmap reference, refused (and reported) if
 * the pgmap is dying.  Elevated scheme: 1 -> 2.  Either way the page is
 * returned locked, for the caller (usually migration) to unlock.  Only
 * PRIVATE and COHERENT pages are allocated this way.
 */
void zone_device_page_init(struct page *page)
{
	struct dev_pagemap *pgmap;
	struct zd_system *sys;

	if (!page || !pfn_valid(page_to_pfn(page)) || !is_zone_device_page(page) ||
	    PageTail(page)) {
		if (page)
			__vm_bug_page(page, "zone_device_page_init of a non-device or tail page",
				      __func__, __LINE__);
		return;
	}
	pgmap = page->pgmap;
	if (pgmap->type != MEMORY_DEVICE_PRIVATE && pgmap->type != MEMORY_DEVICE_COHERENT) {
		__vm_bug_page(page, "zone_device_page_init of a page that is not device private or coherent",
			      __func__, __LINE__);
		return;
	}
	if (pgmap->scheme == ZD_REFCOUNT_ZERO) {
		if (page_ref_count(page) != 0) {
			__vm_bug_page(page, "allocation of a device page that is not free", __func__,
				      __LINE__);
			return;
		}
		if (!percpu_ref_tryget_live(&pgmap->ref)) {
			__vm_bug_page(page, "allocation from a pgmap being unmapped", __func__,
				      __LINE__);
			return;
		}
		page->mapping = NULL;
		page->share = 0;
		set_page_count(page, 1);
	} else {
		if (page_ref_count(page) != 1) {
			__vm_bug_page(page, "allocation of a device page that is not idle", __func__,
				      __LINE__);
			return;
		}
		page_ref_inc(page);
	}
	lock_page(page);
	atomic_long_inc(&pgmap->nr_page_init);
	mod_node_state(pgmap->nid, NR_ZONE_DEVICE_ALLOCATED, 1);
	sys = node_system(pgmap->nid);
	if (sys && READ_ONCE(sys->cfg.trace))
		zd_trace_event(sys, "zd_zone_device_page_init", "pfn=0x%lx type=%s scheme=%s count=%d",
			       page_to_pfn(page), pgmap_type_name(pgmap->type),
			       zd_scheme_name(pgmap->scheme), page_ref_count(page));
}

/**
 * free_zone_device_folio() - a device folio's refcount reached 0
 *
 * Zero scheme: per type, as in v6.15+.  Elevated scheme: legal only while
 * memunmap_pages() drops the baseline; it returns the unit's pgmap ref.
 */
void free_zone_device_folio(struct folio *folio)
{
	struct dev_pagemap *pgmap = folio->pgmap;
	struct zd_system *sys;
	long i, nr;

	if (!pgmap) {
		__vm_bug_page(&folio->page, "device folio freed without a pgmap", __func__, __LINE__);
		return;
	}
	if (pgmap->scheme == ZD_REFCOUNT_ELEVATED) {
		if (READ_ONCE(pgmap->state) != ZD_PGMAP_DYING) {
			/* Undo: an elevated-scheme page never sits below 1 while live. */
			atomic_inc(&folio->_refcount);
			__vm_bug_page(&folio->page, "device page dropped below its idle refcount 1 (put of a free page)",
				      __func__, __LINE__);
			return;
		}
		percpu_ref_put(&pgmap->ref);
		return;
	}

	sys = node_system(pgmap->nid);
	__count_node_event(NODE_DATA(pgmap->nid), ZONE_DEVICE_FOLIO_FREE, 1);
	if (pgmap->type == MEMORY_DEVICE_FS_DAX) {
		/*
		 * Idle: a truncate waiting in dax_break_layout() may already
		 * see the 0 and split or reassign the folio, so nothing of it
		 * is read from here on; only the waiters are woken.
		 */
		if (sys && READ_ONCE(sys->cfg.trace))
			zd_trace_event(sys, "zd_free_zone_device_folio",
				       "pfn=0x%lx type=fsdax scheme=zero transition=1->0",
				       folio_pfn(folio));
		wake_up_var(&folio->page);
		return;
	}
	nr = folio_nr_pages(folio);
	if (sys && READ_ONCE(sys->cfg.trace))
		zd_trace_event(sys, "zd_free_zone_device_folio",
			       "pfn=0x%lx type=%s scheme=zero transition=1->0 nr_pages=%ld",
			       folio_pfn(folio), pgmap_type_name(pgmap->type), nr);

	if (folio_test_anon(folio)) {
		for (i = 0; i < nr; i++)
			clear_bit(PG_anon_exclusive, &folio_page(folio, i)->flags);
	}
	/* A stale anon mapping would confuse the next migration's rmap. */
	if (pgmap->type != MEMORY_DEVICE_FS_DAX && pgmap->type != MEMORY_DEVICE_GENERIC)
		WRITE_ONCE(folio->mapping, NULL);

	switch (pgmap->type) {
	case MEMORY_DEVICE_PRIVATE:
	case MEMORY_DEVICE_COHERENT:
		atomic_long_inc(&pgmap->nr_page_free);
		mod_node_state(pgmap->nid, NR_ZONE_DEVICE_ALLOCATED, -1);
		mod_node_state(pgmap->nid, NR_ZONE_DEVICE_FREED, 1);
		pgmap->ops->page_free(&folio->page);
		percpu_ref_put_many(&pgmap->ref, (unsigned long)nr);
		break;
	case MEMORY_DEVICE_GENERIC:
		/* Still 1-based: reset, as the kernel does. */
		folio_set_count(folio, 1);
		break;
	case MEMORY_DEVICE_FS_DAX:
		break;		/* handled above, without touching the folio */
	case MEMORY_DEVICE_PCI_P2PDMA:
		if (pgmap->ops && pgmap->ops->page_free)
			pgmap->ops->page_free(&folio->page);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Audit and teardown                                                  */
/* ------------------------------------------------------------------ */

static int pgmap_bad(FILE *out, const struct dev_pagemap *pgmap, const struct page *page,
		     const char *what)
{
	if (!out)
		return 1;
	fprintf(out, "zonedev: audit: pgmap %p (%s, %s scheme): %s\n", (const void *)pgmap,
		pgmap_type_name(pgmap->type), zd_scheme_name(pgmap->scheme), what);
	if (page)
		dump_page_to(out, page, what);
	return 1;
}

static int audit_head(struct dev_pagemap *pgmap, struct page *head, long *allocated, FILE *out)
{
	int ref = page_ref_count(head), bad = 0;
	unsigned long i, ntails = min(pgmap_vmemmap_nr(pgmap), 64UL);

	/*
	 * fsdax builds a PMD folio while a PMD entry owns its pages (fs/dax.c):
	 * its tails are audited with their head.
	 */
	if (pgmap->type == MEMORY_DEVICE_FS_DAX && PageTail(head)) {
		struct page *h = compound_head(head);

		if (h->pgmap != pgmap || page_ref_count(head))
			return pgmap_bad(out, pgmap, head, "fsdax tail with a refcount or a foreign head");
		return 0;
	}

	if (page_zonenum(head) != ZONE_DEVICE || page_to_nid(head) != pgmap->nid ||
	    head->pgmap != pgmap || PageTail(head))
		return pgmap_bad(out, pgmap, head, "head page with wrong zone, node or pgmap");
	if (ref < 0)
		return pgmap_bad(out, pgmap, head, "negative refcount");

	if (pgmap->scheme == ZD_REFCOUNT_ZERO) {
		if (pgmap_refs_per_allocation(pgmap) && ref > 0)
			(*allocated)++;
		if (pgmap->type == MEMORY_DEVICE_GENERIC && ref < 1)
			bad += pgmap_bad(out, pgmap, head, "GENERIC page below its idle refcount 1");
		if (pgmap_refs_per_allocation(pgmap) && PageLocked(head))
			bad += pgmap_bad(out, pgmap, head, ref ?
					 "I4: device page left locked after allocation or migration" :
					 "I4: free device page left locked");
	} else {
		if (ref < 1)
			bad += pgmap_bad(out, pgmap, head, "device page below its idle refcount 1");
		if (pgmap_devmap_managed(pgmap) && pgmap->type != MEMORY_DEVICE_FS_DAX && ref >= 2)
			(*allocated)++;
		if (PageLocked(head) && (ref == 1 || pgmap_refs_per_allocation(pgmap)))
			bad += pgmap_bad(out, pgmap, head, ref == 1 ?
					 "I4: idle device page left locked" :
					 "I4: device page left locked after allocation or migration");
	}
	/* Nothing can pin through a PTE that never maps it (GUP migrates it back). */
	if (pgmap->type == MEMORY_DEVICE_PRIVATE && folio_maybe_dma_pinned((struct folio *)head))
		bad += pgmap_bad(out, pgmap, head, "I2: device-private page pinned");
	/*
	 * Refcounts against mappings and pins (spec fsdax_devdax.md §8, 14,
	 * 15 and 19): the head covers its idle count, every mapping (zero
	 * scheme; the elevated scheme maps fsdax/devdax without rmap, so none
	 * may be counted) and every pin of a large folio.
	 */
	if (pgmap->type == MEMORY_DEVICE_GENERIC || pgmap->type == MEMORY_DEVICE_FS_DAX) {
		struct folio *folio = (struct folio *)head;
		int maps = folio_mapcount(folio);
		int pins = folio_test_large(folio) ? atomic_read(&folio->_pincount) : 0;
		int idle = READ_ONCE(pgmap->state) == ZD_PGMAP_LIVE ? idle_count(pgmap) : 0;

		if (maps < 0 || pins < 0)
			bad += pgmap_bad(out, pgmap, head, "negative mapcount or pincount");
		else if (pgmap->scheme == ZD_REFCOUNT_ELEVATED && maps)
			bad += pgmap_bad(out, pgmap, head, "devmap page with a mapcount (elevated scheme maps without rmap)");
		else if (ref < idle + maps + pins)
			bad += pgmap_bad(out, pgmap, head, "refcount below idle + mappings + pins");
	}
	for (i = 1; i < ntails; i++) {
		struct page *tail = head + i;

		if (page_ref_count(tail) || compound_head(tail) != head)
			bad += pgmap_bad(out, pgmap, tail, "tail with a refcount or the wrong head");
	}
	return bad;
}

/*
 * fsdax: each page's owner against the DAX entries, and each owning
 * mapping's entries once (fs/dax.c knows both).
 */
static int audit_fsdax_owners(struct dev_pagemap *pgmap, FILE *out)
{
	struct address_space *seen[16];
	unsigned long pfn;
	int i, j, nr_seen = 0, bad = 0;

	for_each_device_head(pgmap, i, pfn) {
		struct page *page = pfn_to_page(pfn);
		struct address_space *mapping;

		if (PageTail(page))
			continue;
		bad += (int)dax_page_audit(page, out);
		mapping = READ_ONCE(page->mapping);
		if (!mapping)
			continue;
		for (j = 0; j < nr_seen && seen[j] != mapping; j++)
			;
		if (j == nr_seen && nr_seen < (int)ARRAY_SIZE(seen)) {
			seen[nr_seen++] = mapping;
			bad += (int)dax_mapping_audit(mapping, out);
		}
	}
	return bad;
}

static int audit_pgmap(struct dev_pagemap *pgmap, FILE *out)
{
	long allocated = 0, inits, frees, lookups;
	unsigned long pfn, expect, have;
	int i, bad = 0;

	for_each_device_head(pgmap, i, pfn)
		bad += audit_head(pgmap, pfn_to_page(pfn), &allocated, out);
	if (pgmap->type == MEMORY_DEVICE_FS_DAX)
		bad += audit_fsdax_owners(pgmap, out);

	inits = atomic_long_read(&pgmap->nr_page_init);
	frees = atomic_long_read(&pgmap->nr_page_free);
	if (inits - frees != allocated) {
		char msg[160];

		snprintf(msg, sizeof(msg),
			 "I3: page_free called %ld times for %ld allocations, but %ld pages are allocated",
			 frees, inits, allocated);
		bad += pgmap_bad(out, pgmap, NULL, msg);
	}

	lookups = atomic_long_read(&pgmap->nr_lookups);
	expect = 1 + pgmap->nr_map_refs + (unsigned long)lookups;
	if (pgmap_refs_per_allocation(pgmap))
		expect += (unsigned long)allocated;
	have = percpu_ref_read(&pgmap->ref);
	if (have != expect) {
		char msg[200];

		snprintf(msg, sizeof(msg),
			 "I3: pgmap reference count %lu, expected %lu (1 initial + %lu per unit + %ld allocated + %ld lookups)",
			 have, expect, pgmap->nr_map_refs,
			 pgmap_refs_per_allocation(pgmap) ? allocated : 0L, lookups);
		bad += pgmap_bad(out, pgmap, NULL, msg);
	}
	for (i = 0; i < pgmap->nr_range; i++)
		bad += zd_memmap_check_dedup(pgmap, PHYS_PFN(pgmap->ranges[i].start),
					     PHYS_PFN(range_len(&pgmap->ranges[i])), out);
	return bad;
}

/**
 * audit_pgmaps() - check every live pgmap of @sys (spec invariants 1-7, 10,
 * 11, 16, 24, 25): head refcounts right for scheme and type, tails at 0
 * pointing at their head, page_free once per allocation, the pgmap
 * reference exactly accounted for, deduplicated tails untouched
 */
int audit_pgmaps(struct zd_system *sys, FILE *out)
{
	struct dev_pagemap *pgmap;
	int bad = 0;

	mutex_lock(&pgmap_lock);
	list_for_each_entry(pgmap, &sys->pgmaps, node_list) {
		if (READ_ONCE(pgmap->state) == ZD_PGMAP_LIVE)
			bad += audit_pgmap(pgmap, out);
	}
	mutex_unlock(&pgmap_lock);
	return bad;
}

/**
 * zd_pgmaps_teardown() - at system destroy: report each pgmap still mapped
 * and unmap it, waiting briefly for its references; pages still held are
 * reported, then forcibly torn down with the system
 *
 * Return: the number of pgmaps that were still mapped.
 */
int zd_pgmaps_teardown(struct zd_system *sys, FILE *out)
{
	struct dev_pagemap *pgmap;
	int held = 0;

	for (;;) {
		spin_lock(&sys->pgmaps_lock);
		pgmap = list_first_entry_or_null(&sys->pgmaps, struct dev_pagemap, node_list);
		spin_unlock(&sys->pgmaps_lock);
		if (!pgmap)
			break;
		held++;
		if (out)
			fprintf(out, "zonedev: destroy: pgmap %p (%s) still mapped\n", (void *)pgmap,
				pgmap_type_name(pgmap->type));
		if (zd_memunmap_pages_timeout(pgmap, 100, out) == -EBUSY)
			pgmap_finish_unmap(pgmap);
	}
	return held;
}
