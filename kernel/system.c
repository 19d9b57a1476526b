// SPDX-License-Identifier: GPL-2.0-only
/*
 * zonedev systems: boot (a node with its RAM, its buddy allocator, its
 * counters and trace), audit, and teardown with a report of anything still
 * held.
 */
#include <string.h>
#include "../mm/internal_mm.h"

struct pglist_data *node_data[MAX_NUMNODES];
static DEFINE_MUTEX(zd_system_lock);

#define DEFAULT_RAM_SIZE	(256UL << 20)
#define MAX_RAM_SIZE		(64UL << 30)
#define RAM_GRANULE		(MAX_ORDER_NR_PAGES << PAGE_SHIFT)

static const char *const node_stat_names[NR_NODE_STAT_ITEMS] = {
	"nr_foll_pin_acquired", "nr_foll_pin_released", "nr_zone_device_allocated",
	"nr_zone_device_freed", "nr_pgmap_live",
};

static const char *const vm_event_names[NR_VM_EVENT_ITEMS] = {
	"pgalloc", "pgfree", "pgalloc_fail", "pgmap_remap", "pgmap_unmap",
	"pgmap_lookup", "devmap_managed_put", "zone_device_folio_free", "pgfault",
};

const char *zd_scheme_name(enum zd_refcount_scheme scheme)
{
	return scheme == ZD_REFCOUNT_ELEVATED ? "elevated" : "zero";
}

static int config_check(struct zd_config *cfg)
{
	if (!cfg->ram_size)
		cfg->ram_size = DEFAULT_RAM_SIZE;
	if (!cfg->nr_cpus)
		cfg->nr_cpus = 4;
	if (!cfg->report)
		cfg->report = stderr;
	if (!cfg->name)
		cfg->name = "zonedev";
	if (cfg->ram_size % RAM_GRANULE || cfg->ram_size > MAX_RAM_SIZE)
		return -EINVAL;
	if (cfg->nr_cpus > NR_CPUS)
		return -EINVAL;
	if (cfg->scheme != ZD_REFCOUNT_ZERO && cfg->scheme != ZD_REFCOUNT_ELEVATED)
		return -EINVAL;
	if (cfg->flags & ~(ZD_BUG_ABORT | ZD_BUG_CONTINUE | ZD_QUIET | ZD_RAM_PREFAULT))
		return -EINVAL;
	if ((cfg->flags & ZD_BUG_ABORT) && (cfg->flags & ZD_BUG_CONTINUE))
		return -EINVAL;
#ifdef ZD_DEBUG_VM
	if (!(cfg->flags & ZD_BUG_CONTINUE))
		cfg->flags |= ZD_BUG_ABORT;
#endif
	if (cfg->trace_format != ZD_TRACE_TEXT && cfg->trace_format != ZD_TRACE_JSON)
		return -EINVAL;
	return 0;
}

static void node_init(struct pglist_data *pgdat, int nid, unsigned long start_pfn,
		      unsigned long nr_pages)
{
	struct zone *normal = &pgdat->node_zones[ZONE_NORMAL];
	enum zone_type z;

	pgdat->node_id = nid;
	pgdat->node_start_pfn = start_pfn;
	pgdat->node_present_pages = nr_pages;
	pgdat->node_spanned_pages = nr_pages;
	for (z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->node_zones[z];

		spin_lock_init(&zone->lock);
		zone_init_free_lists(zone);
		zone->zone_pgdat = pgdat;
	}
	normal->name = "Normal";
	normal->zone_start_pfn = start_pfn;
	normal->spanned_pages = nr_pages;
	normal->present_pages = nr_pages;
	pgdat->node_zones[ZONE_DEVICE].name = "Device";
}

/**
 * zd_system_create() - boot a simulated system
 * @config: its configuration, or NULL for the defaults
 *
 * Return: the system, or ERR_PTR(-EINVAL) for a bad configuration,
 * -ENOSPC when MAX_NUMNODES systems are live, -ENOMEM without memory.
 */
struct zd_system *zd_system_create(const struct zd_config *config)
{
	struct zd_config cfg = {0};
	struct zd_system *sys;
	struct pglist_data *pgdat;
	struct zone *zone;
	unsigned long start, nr;
	int nid, err;

	if (config)
		cfg = *config;
	err = config_check(&cfg);
	if (err)
		return ERR_PTR(err);
	err = zd_physmem_init();
	if (err)
		return ERR_PTR(err);

	sys = kzalloc(sizeof(*sys), 0);
	pgdat = kzalloc(sizeof(*pgdat), 0);
	if (!sys || !pgdat) {
		err = -ENOMEM;
		goto free_sys;
	}
	sys->cfg = cfg;
	sys->report = cfg.report;
	sys->pgdat = pgdat;
	pgdat->sys = sys;
	mutex_init(&sys->report_lock);
	mutex_init(&sys->trace_lock);
	spin_lock_init(&sys->pgmaps_lock);
	INIT_LIST_HEAD(&sys->pgmaps);
	spin_lock_init(&sys->task_lock);
	INIT_LIST_HEAD(&sys->tasks);
	INIT_LIST_HEAD(&sys->mms);

	mutex_lock(&zd_system_lock);
	for (nid = 0; nid < MAX_NUMNODES && node_data[nid]; nid++)
		;
	if (nid == MAX_NUMNODES) {
		err = -ENOSPC;
		goto unlock;
	}
	sys->nid = nid;
	/*
	 * RAM plus one subsection past the zone for the node's zero page, which
	 * like the kernel's empty_zero_page is never the allocator's.
	 */
	sys->ram = zd_request_system_ram(cfg.ram_size + SUBSECTION_SIZE, cfg.name);
	if (IS_ERR(sys->ram)) {
		err = (int)PTR_ERR(sys->ram);
		goto unlock;
	}
	start = PHYS_PFN(sys->ram->start);
	nr = cfg.ram_size >> PAGE_SHIFT;
	node_init(pgdat, nid, start, nr);
	zone = &pgdat->node_zones[ZONE_NORMAL];
	zone->alloc_order = kmalloc(nr, 0);
	if (!zone->alloc_order) {
		err = -ENOMEM;
		goto release_ram;
	}
	memset(zone->alloc_order, 0xff, nr);
	err = sparse_add_ram(nid, start, nr + PAGES_PER_SUBSECTION, cfg.flags & ZD_RAM_PREFAULT);
	if (err)
		goto free_alloc_order;
	pgdat->zero_page = pfn_to_page(start + nr);
	__set_bit(PG_reserved, &pgdat->zero_page->flags);
	set_page_count(pgdat->zero_page, 1);
	rcu_assign_pointer(node_data[nid], pgdat);
	free_area_init_ram(pgdat, start, nr);
	zd_set_nr_cpus(cfg.nr_cpus);
	zd_trace_start(sys);
	mutex_unlock(&zd_system_lock);
	return sys;

free_alloc_order:
	kfree(zone->alloc_order);
release_ram:
	zd_release_mem_region(sys->ram);
unlock:
	mutex_unlock(&zd_system_lock);
free_sys:
	kfree(pgdat);
	kfree(sys);
	return ERR_PTR(err);
}

int zd_system_nid(const struct zd_system *sys)
{
	if (IS_ERR_OR_NULL(sys))
		return -EINVAL;
	return sys->nid;
}

enum zd_refcount_scheme zd_system_scheme(const struct zd_system *sys)
{
	return sys->cfg.scheme;
}

unsigned long zd_system_bugs(struct zd_system *sys)
{
	if (IS_ERR_OR_NULL(sys))
		return 0;
	return (unsigned long)atomic_long_read(&sys->bugs);
}

/**
 * zd_system_take_bugs() - the violations reported since the last call, and
 * forget them (a test that provokes one acknowledges it this way)
 */
unsigned long zd_system_take_bugs(struct zd_system *sys)
{
	if (IS_ERR_OR_NULL(sys))
		return 0;
	return (unsigned long)atomic_long_xchg(&sys->bugs, 0);
}

/**
 * zd_system_audit() - check every invariant over the whole system
 * @sys: the system
 * @report: where to print each violation (NULL: the system's report stream)
 *
 * Violations reported while running and not yet taken with
 * zd_system_take_bugs() count too.
 *
 * Return: the number of violations; 0 means clean.
 */
int zd_system_audit(struct zd_system *sys, FILE *report)
{
	FILE *out;
	long pending;
	int bad;

	if (IS_ERR_OR_NULL(sys))
		return -EINVAL;
	out = report ? report : sys->report;
	pending = atomic_long_read(&sys->bugs);
	if (sys->cfg.flags & ZD_QUIET)
		out = report;
	/* Pages and tables unmapped before the audit are freed after a grace period. */
	rcu_barrier();
	bad = audit_buddy(sys, out) + audit_pgmaps(sys, out) + audit_mms(sys, out);
	if (pending && out)
		fprintf(out, "zonedev: audit: %ld violation(s) reported while running\n", pending);
	return bad + (int)pending;
}

unsigned long zd_node_stat(struct zd_system *sys, enum node_stat_item item)
{
	return (unsigned long)atomic_long_read(&sys->pgdat->vm_stat[item]);
}

unsigned long zd_vm_event(struct zd_system *sys, enum vm_event_item item)
{
	return (unsigned long)atomic_long_read(&sys->pgdat->vm_events[item]);
}

unsigned long zd_nr_free_pages(struct zd_system *sys)
{
	return (unsigned long)atomic_long_read(
		&sys->pgdat->node_zones[ZONE_NORMAL].vm_stat[NR_FREE_PAGES]);
}

/** zd_vmstat_show() - the system's counters, one "name value" per line */
void zd_vmstat_show(struct zd_system *sys, FILE *out)
{
	int i;

	if (IS_ERR_OR_NULL(sys) || !out)
		return;
	fprintf(out, "nr_free_pages %lu\n", zd_nr_free_pages(sys));
	for (i = 0; i < NR_NODE_STAT_ITEMS; i++)
		fprintf(out, "%s %lu\n", node_stat_names[i],
			zd_node_stat(sys, (enum node_stat_item)i));
	for (i = 0; i < NR_VM_EVENT_ITEMS; i++)
		fprintf(out, "%s %lu\n", vm_event_names[i], zd_vm_event(sys, (enum vm_event_item)i));
}

/* Tasks still alive at destroy: report and exit each, return how many. */
static int exit_live_tasks(struct zd_system *sys, FILE *out)
{
	int held = 0;

	for (;;) {
		struct zd_task *task;

		spin_lock(&sys->task_lock);
		task = list_first_entry_or_null(&sys->tasks, struct zd_task, tasks);
		spin_unlock(&sys->task_lock);
		if (!task)
			break;
		if (out)
			fprintf(out, "zonedev: destroy: task %d still alive\n", task->pid);
		zd_task_exit(task);
		held++;
	}
	return held;
}

/* RAM still allocated at destroy: report each block, return how many. */
static int report_ram_held(struct zd_system *sys, FILE *out)
{
	struct zone *zone = &sys->pgdat->node_zones[ZONE_NORMAL];
	unsigned long i;
	int held = 0;

	for (i = 0; i < zone->spanned_pages; i++) {
		/* 0xff: free; bit 7: set aside after a reported bad free. */
		if (zone->alloc_order[i] == 0xff || (zone->alloc_order[i] & 0x80))
			continue;
		if (held++ < 16 && out) {
			fprintf(out, "zonedev: destroy: order-%u block still allocated\n",
				zone->alloc_order[i]);
			dump_page_to(out, pfn_to_page(zone->zone_start_pfn + i), "still allocated");
		}
	}
	if (held > 16 && out)
		fprintf(out, "zonedev: destroy: ... %d blocks still allocated in all\n", held);
	return held;
}

/**
 * zd_system_destroy() - tear a system down, reporting what is still held
 *
 * Pgmaps still mapped are unmapped (after a bounded wait for their pages),
 * RAM still allocated is listed, and violations reported but never taken
 * with zd_system_take_bugs() are counted.
 *
 * Return: the number of things still held (0: the system ended clean), or
 * -EINVAL for no system.
 */
int zd_system_destroy(struct zd_system *sys)
{
	unsigned long start, nr;
	FILE *out;
	long bugs;
	int held;

	if (IS_ERR_OR_NULL(sys))
		return -EINVAL;
	out = (sys->cfg.flags & ZD_QUIET) ? NULL : sys->report;
	start = sys->pgdat->node_start_pfn;
	nr = sys->pgdat->node_present_pages;
	held = exit_live_tasks(sys, out);
	held += zd_pgmaps_teardown(sys, out);
	rcu_barrier();
	held += report_ram_held(sys, out);
	bugs = atomic_long_read(&sys->bugs);
	if (bugs && out)
		fprintf(out, "zonedev: destroy: %ld violation(s) reported and never taken\n", bugs);
	held += (int)bugs;
	zd_trace_stop(sys);

	mutex_lock(&zd_system_lock);
	rcu_assign_pointer(node_data[sys->nid], NULL);
	mutex_unlock(&zd_system_lock);
	synchronize_rcu();
	/* Callbacks queued by this system (registry tables) may still run. */
	rcu_barrier();

	sparse_remove_ram(start, nr + PAGES_PER_SUBSECTION);
	zd_release_mem_region(sys->ram);
	kfree(sys->pgdat->node_zones[ZONE_NORMAL].alloc_order);
	mutex_destroy(&sys->report_lock);
	mutex_destroy(&sys->trace_lock);
	kfree(sys->pgdat);
	kfree(sys);
	return held;
}
