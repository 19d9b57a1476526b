/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * page_ref_*: every change to a page's _refcount, each emitting the
 * kernel's page_ref tracepoint (page_ref_set, page_ref_mod,
 * page_ref_mod_and_test, page_ref_mod_and_return, page_ref_mod_unless,
 * page_ref_freeze, page_ref_unfreeze) when tracing is on.
 */
#ifndef _ZONEDEV_PAGE_REF_H
#define _ZONEDEV_PAGE_REF_H

#include <zonedev/mm_types.h>
#include <zonedev/jump_label.h>

DECLARE_STATIC_KEY_FALSE(page_ref_tracepoint_key);
#define page_ref_tracepoint_active(t)	static_branch_unlikely(&page_ref_tracepoint_key)

void __page_ref_set(struct page *page, int v);
void __page_ref_mod(struct page *page, int v);
void __page_ref_mod_and_test(struct page *page, int v, int ret);
void __page_ref_mod_and_return(struct page *page, int v, int ret);
void __page_ref_mod_unless(struct page *page, int v, int u);
void __page_ref_freeze(struct page *page, int v, int ret);
void __page_ref_unfreeze(struct page *page, int v);

static __always_inline int page_ref_count(const struct page *page)
{
	return atomic_read(&page->_refcount);
}

static __always_inline int folio_ref_count(const struct folio *folio)
{
	return page_ref_count(&folio->page);
}

static __always_inline void set_page_count(struct page *page, int v)
{
	atomic_set(&page->_refcount, v);
	if (page_ref_tracepoint_active(page_ref_set))
		__page_ref_set(page, v);
}

static __always_inline void folio_set_count(struct folio *folio, int v)
{
	set_page_count(&folio->page, v);
}

static __always_inline void init_page_count(struct page *page)
{
	set_page_count(page, 1);
}

static __always_inline void page_ref_add(struct page *page, int nr)
{
	atomic_add(nr, &page->_refcount);
	if (page_ref_tracepoint_active(page_ref_mod))
		__page_ref_mod(page, nr);
}

static __always_inline void folio_ref_add(struct folio *folio, int nr)
{
	page_ref_add(&folio->page, nr);
}

static __always_inline void page_ref_sub(struct page *page, int nr)
{
	atomic_sub(nr, &page->_refcount);
	if (page_ref_tracepoint_active(page_ref_mod))
		__page_ref_mod(page, -nr);
}

static __always_inline void folio_ref_sub(struct folio *folio, int nr)
{
	page_ref_sub(&folio->page, nr);
}

static __always_inline int page_ref_sub_return(struct page *page, int nr)
{
	int ret = atomic_sub_return(nr, &page->_refcount);

	if (page_ref_tracepoint_active(page_ref_mod_and_return))
		__page_ref_mod_and_return(page, -nr, ret);
	return ret;
}

static __always_inline int folio_ref_sub_return(struct folio *folio, int nr)
{
	return page_ref_sub_return(&folio->page, nr);
}

static __always_inline void page_ref_inc(struct page *page)
{
	page_ref_add(page, 1);
}

static __always_inline void folio_ref_inc(struct folio *folio)
{
	page_ref_inc(&folio->page);
}

static __always_inline void page_ref_dec(struct page *page)
{
	page_ref_sub(page, 1);
}

static __always_inline bool page_ref_sub_and_test(struct page *page, int nr)
{
	int ret = atomic_sub_and_test(nr, &page->_refcount);

	if (page_ref_tracepoint_active(page_ref_mod_and_test))
		__page_ref_mod_and_test(page, -nr, ret);
	return ret;
}

static __always_inline int page_ref_inc_return(struct page *page)
{
	int ret = atomic_inc_return(&page->_refcount);

	if (page_ref_tracepoint_active(page_ref_mod_and_return))
		__page_ref_mod_and_return(page, 1, ret);
	return ret;
}

static __always_inline bool page_ref_dec_and_test(struct page *page)
{
	return page_ref_sub_and_test(page, 1);
}

static __always_inline int page_ref_dec_return(struct page *page)
{
	return page_ref_sub_return(page, 1);
}

/* Add @nr unless the count is @u (0 for a speculative get). */
static __always_inline bool page_ref_add_unless(struct page *page, int nr, int u)
{
	bool ret = atomic_add_unless(&page->_refcount, nr, u);

	if (page_ref_tracepoint_active(page_ref_mod_unless))
		__page_ref_mod_unless(page, nr, ret);
	return ret;
}

static __always_inline bool folio_ref_add_unless(struct folio *folio, int nr, int u)
{
	return page_ref_add_unless(&folio->page, nr, u);
}

/* Speculative reference: fails on a folio that is free or being freed. */
static __always_inline bool folio_ref_try_add(struct folio *folio, int count)
{
	return folio_ref_add_unless(folio, count, 0);
}

static __always_inline bool folio_try_get(struct folio *folio)
{
	return folio_ref_add_unless(folio, 1, 0);
}

static __always_inline bool page_ref_freeze(struct page *page, int count)
{
	int old = count;
	bool ret = atomic_try_cmpxchg(&page->_refcount, &old, 0);

	if (page_ref_tracepoint_active(page_ref_freeze))
		__page_ref_freeze(page, count, ret);
	return ret;
}

static __always_inline void page_ref_unfreeze(struct page *page, int count)
{
	atomic_set_release(&page->_refcount, count);
	if (page_ref_tracepoint_active(page_ref_unfreeze))
		__page_ref_unfreeze(page, count);
}

#endif /* _ZONEDEV_PAGE_REF_H */
