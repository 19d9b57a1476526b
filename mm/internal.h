/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mm/internal.h: what the mm files share and nobody else should see.
 *
 * Lock order (the kernel's, see the header of mm/rmap.c), outermost first:
 *   zd_system_lock (harness) -> pgmap_lock (memremap registry updates)
 *   -> node pgmaps_lock -> zone->lock -> resource_lock
 * percpu_ref_switch_lock and the wait-queue buckets are leaves.
 */
#ifndef _ZONEDEV_MM_INTERNAL_H
#define _ZONEDEV_MM_INTERNAL_H

#include <zonedev/zonedev.h>

struct zd_system {
	struct zd_config cfg;
	int nid;
	struct pglist_data *pgdat;
	struct resource *ram;
	FILE *report;
	atomic_long_t bugs;		/* violations reported, not yet taken */
	struct mutex report_lock;
	spinlock_t pgmaps_lock;
	struct list_head pgmaps;	/* live and dying pgmaps of this node */
	/* trace state */
	struct mutex trace_lock;
	bool trace_first;		/* JSON: no comma before the next event */
	unsigned long long trace_t0;
	/* the software MMU: live tasks and address spaces */
	spinlock_t task_lock;
	struct list_head tasks;
	struct list_head mms;
	int next_pid;
	/* vm.memory_failure_early_kill (mm/memory-failure.c) */
	int memory_failure_early_kill;
};

static inline struct zd_system *node_system(int nid)
{
	struct pglist_data *pgdat = NODE_DATA(nid);

	return pgdat ? pgdat->sys : NULL;
}

static inline void __count_node_event(struct pglist_data *pgdat, enum vm_event_item item,
				      long delta)
{
	atomic_long_add(delta, &pgdat->vm_events[item]);
}

static inline void count_node_event(int nid, enum vm_event_item item)
{
	struct pglist_data *pgdat = NODE_DATA(nid);

	if (pgdat)
		__count_node_event(pgdat, item, 1);
}

static inline void mod_node_state(int nid, enum node_stat_item item, long delta)
{
	struct pglist_data *pgdat = NODE_DATA(nid);

	if (pgdat)
		atomic_long_add(delta, &pgdat->vm_stat[item]);
}

/* mm/sparse.c */
int zd_physmem_init(void);
int sparse_add_ram(int nid, unsigned long start_pfn, unsigned long nr_pages, bool prefault);
void sparse_remove_ram(unsigned long start_pfn, unsigned long nr_pages);
int sparse_add_device_range(struct dev_pagemap *pgmap, unsigned long start_pfn,
			    unsigned long nr_pages, unsigned long pfn_first);
void sparse_remove_device_range(unsigned long start_pfn, unsigned long nr_pages);
void memmap_template_free(struct dev_pagemap *pgmap);
int zd_memmap_check_dedup(struct dev_pagemap *pgmap, unsigned long start_pfn,
			  unsigned long nr_pages, FILE *report);

/* mm/mm_init.c */
void memmap_init_ram(int nid, unsigned long start_pfn, unsigned long nr_pages);
void init_device_head(struct page *page, struct dev_pagemap *pgmap);
void memmap_init_altmap(struct dev_pagemap *pgmap, unsigned long start_pfn,
			unsigned long pfn_first);
void init_device_tail(struct page *page, struct dev_pagemap *pgmap, unsigned int order);
void prep_compound_head(struct page *head, unsigned int order);
unsigned long device_tail_flags(int nid);
void memmap_init_zone_device(struct zone *zone, unsigned long start_pfn,
			     unsigned long nr_pages, struct dev_pagemap *pgmap);

/* mm/page_alloc.c */
void zone_init_free_lists(struct zone *zone);
void free_area_init_ram(struct pglist_data *pgdat, unsigned long start_pfn,
			unsigned long nr_pages);
void free_unref_folio(struct folio *folio, unsigned int order);
bool page_set_aside(struct page *page);
int audit_buddy(struct zd_system *sys, FILE *out);

/* mm/memremap.c */
void free_zone_device_folio(struct folio *folio);
int audit_pgmaps(struct zd_system *sys, FILE *out);
int zd_pgmaps_teardown(struct zd_system *sys, FILE *out);
unsigned long pfn_first(struct dev_pagemap *pgmap, int range_id);
unsigned long pfn_end(struct dev_pagemap *pgmap, int range_id);

/* mm/debug.c */
void zd_report_lock(struct zd_system *sys);
void zd_report_unlock(struct zd_system *sys);
__cold void zd_count_bug(struct zd_system *sys);
const char *format_page_flags(unsigned long flags, char *buf, size_t len);

/* lib/trace.c */
void zd_trace_start(struct zd_system *sys);
void zd_trace_stop(struct zd_system *sys);
__printf(3, 4) void zd_trace_event(struct zd_system *sys, const char *event,
				   const char *fmt, ...);

#endif /* _ZONEDEV_MM_INTERNAL_H */
