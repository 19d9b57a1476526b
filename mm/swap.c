// SPDX-License-Identifier: GPL-2.0-only
/*
 * Releasing pages: where the two refcount schemes part ways.
 *
 * Zero scheme (v6.15+): folio_put() is an atomic decrement; the 1->0
 * transition frees the folio, to the buddy allocator for RAM and through
 * free_zone_device_folio() for device memory.
 *
 * Elevated scheme (v5.x-v6.14): an idle device page sits at 1.  While any
 * devmap-managed pgmap (PRIVATE, COHERENT, FS_DAX) exists, devmap_managed_key
 * is on and every put_page() checks whether the page is one of them; if so
 * the 2->1 transition tells the driver (ops->page_free) or wakes an fsdax
 * truncate, and 1->0 happens only when memunmap_pages() drops the baseline.
 */
#include "internal.h"

DEFINE_STATIC_KEY_FALSE(devmap_managed_key);

/**
 * __folio_put() - the last reference to @folio is gone
 */
void __folio_put(struct folio *folio)
{
	if (unlikely(folio_is_zone_device(folio))) {
		free_zone_device_folio(folio);
		return;
	}
	free_unref_folio(folio, folio_order(folio));
}

/* Elevated scheme, 2->1: the page is idle again and its driver is told. */
static void free_devmap_managed_folio(struct folio *folio)
{
	struct dev_pagemap *pgmap = folio->pgmap;
	struct zd_system *sys = node_system(pgmap->nid);

	__count_node_event(NODE_DATA(pgmap->nid), DEVMAP_MANAGED_PUT, 1);
	if (sys && READ_ONCE(sys->cfg.trace))
		zd_trace_event(sys, "zd_devmap_managed_page_free",
			       "pfn=0x%lx type=%s scheme=elevated transition=2->1",
			       folio_pfn(folio), pgmap_type_name(pgmap->type));

	if (pgmap->type == MEMORY_DEVICE_FS_DAX) {
		wake_up_var(&folio->page);
		return;
	}
	clear_bit(PG_active, &folio->flags);
	clear_bit(PG_waiters, &folio->flags);
	WRITE_ONCE(folio->mapping, NULL);
	atomic_long_inc(&pgmap->nr_page_free);
	mod_node_state(pgmap->nid, NR_ZONE_DEVICE_ALLOCATED, -1);
	mod_node_state(pgmap->nid, NR_ZONE_DEVICE_FREED, 1);
	pgmap->ops->page_free(&folio->page);
}

/**
 * __put_devmap_managed_folio_refs() - elevated scheme: drop @refs from a
 * device folio and handle the 2->1 and 1->0 transitions
 *
 * Return: true if the folio was devmap-managed and the put is done.
 */
bool __put_devmap_managed_folio_refs(struct folio *folio, int refs)
{
	struct dev_pagemap *pgmap = folio->pgmap;
	int count;

	if (!pgmap || !pgmap_devmap_managed(pgmap))
		return false;
	count = folio_ref_sub_return(folio, refs);
	if (count == 1)
		free_devmap_managed_folio(folio);
	else if (count == 0)
		__folio_put(folio);
	else if (unlikely(count < 0))
		__folio_ref_underflow(folio, refs, count);
	return true;
}

/**
 * __folio_ref_underflow() - a put took the refcount below zero: a put of a
 * free page, or a double free.  Undo it and report.
 */
void __folio_ref_underflow(struct folio *folio, int refs, int ret)
{
	atomic_add(refs, &folio->_refcount);
	__vm_bug_page(&folio->page, ret == -refs ? "put of a free page (refcount 0)"
						 : "refcount underflow",
		      __func__, __LINE__);
}
