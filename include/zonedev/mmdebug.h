/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reporting violations of the model's invariants: a bug in zonedev or in a
 * driver callback.  Each report names the rule, dumps the page or pgmap to
 * the owning system's report stream, is counted on that system (the audit
 * includes the count), and aborts if the system was created with
 * ZD_BUG_ABORT.  Unlike the kernel's VM_BUG_ON these are always compiled in:
 * catching them is what zonedev is for.
 */
#ifndef _ZONEDEV_MMDEBUG_H
#define _ZONEDEV_MMDEBUG_H

#include <stdio.h>
#include <zonedev/compiler.h>

struct page;
struct folio;
struct dev_pagemap;
struct zd_system;

void dump_page(const struct page *page, const char *reason);
void dump_page_to(FILE *out, const struct page *page, const char *reason);
__cold void __vm_bug_page(const struct page *page, const char *what,
			  const char *func, int line);
__cold void __vm_bug_pgmap(const struct dev_pagemap *pgmap, const char *what,
			   const char *func, int line);
__cold __printf(2, 3) void zd_report_bug(struct zd_system *sys, const char *fmt, ...);

#define VM_BUG_ON_PAGE(cond, page)					\
	do {								\
		if (unlikely(cond))					\
			__vm_bug_page(page, #cond, __func__, __LINE__);	\
	} while (0)
#define VM_BUG_ON_FOLIO(cond, folio)	VM_BUG_ON_PAGE(cond, &(folio)->page)
#define VM_WARN_ON_ONCE_PAGE(cond, page) VM_BUG_ON_PAGE(cond, page)
#define VM_WARN_ON_ONCE_FOLIO(cond, folio) VM_BUG_ON_FOLIO(cond, folio)
#define VM_BUG_ON(cond)							\
	do {								\
		if (unlikely(cond))					\
			zd_report_bug(NULL, "%s (%s:%d)", #cond, __func__, __LINE__);\
	} while (0)
#define VM_BUG_ON_PGMAP(cond, pgmap)					\
	do {								\
		if (unlikely(cond))					\
			__vm_bug_pgmap(pgmap, #cond, __func__, __LINE__);\
	} while (0)

#endif /* _ZONEDEV_MMDEBUG_H */
