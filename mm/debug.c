// SPDX-License-Identifier: GPL-2.0-only
/*
 * dump_page() and the reporting of model violations (<zonedev/mmdebug.h>).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static const char *const pageflag_names[__NR_PAGEFLAGS] = {
	[PG_locked] = "locked", [PG_referenced] = "referenced",
	[PG_uptodate] = "uptodate", [PG_dirty] = "dirty", [PG_lru] = "lru",
	[PG_active] = "active", [PG_workingset] = "workingset",
	[PG_waiters] = "waiters", [PG_error] = "error", [PG_slab] = "slab",
	[PG_owner_priv_1] = "owner_priv_1", [PG_arch_1] = "arch_1",
	[PG_reserved] = "reserved", [PG_private] = "private",
	[PG_private_2] = "private_2", [PG_writeback] = "writeback",
	[PG_head] = "head", [PG_mappedtodisk] = "mappedtodisk",
	[PG_reclaim] = "reclaim", [PG_swapbacked] = "swapbacked",
	[PG_unevictable] = "unevictable", [PG_mlocked] = "mlocked",
	[PG_hwpoison] = "hwpoison", [PG_young] = "young", [PG_idle] = "idle",
	[PG_arch_2] = "arch_2",
};

static const char *const zone_names[MAX_NR_ZONES] = {
	"DMA", "DMA32", "Normal", "Movable", "Device",
};

/** format_page_flags() - "head|reserved" style, as %pGp prints them */
const char *format_page_flags(unsigned long flags, char *buf, size_t len)
{
	size_t used = 0;
	int bit;

	buf[0] = '\0';
	for (bit = 0; bit < __NR_PAGEFLAGS && used + 1 < len; bit++) {
		if (!(flags & BIT(bit)))
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "|" : "",
					 pageflag_names[bit]);
	}
	return buf;
}

struct zd_system *zd_page_system(const struct page *page)
{
	if (!page || !pfn_valid(page_to_pfn(page)))
		return NULL;
	return node_system(page_to_nid(page));
}

void dump_page_to(FILE *out, const struct page *page, const char *reason)
{
	unsigned long pfn = page_to_pfn(page);
	const struct folio *folio;
	char flags[256];

	if (!out)
		return;
	if (!pfn_valid(pfn)) {
		fprintf(out, "page:%p pfn:%#lx has no memmap (not a valid pfn)\n", (const void *)page, pfn);
		return;
	}
	folio = page_folio(page);
	if (page_has_type(page))
		fprintf(out, "page:%p refcount:%d page_type:%#x%s mapping:%p index:%#lx pfn:%#lx\n",
			(const void *)page, page_ref_count(page), page->page_type,
			PageBuddy(page) ? "(buddy)" : "", (void *)page->mapping, page->index, pfn);
	else
		fprintf(out, "page:%p refcount:%d mapcount:%d mapping:%p index:%#lx pfn:%#lx\n",
			(const void *)page, page_ref_count(page), page_mapcount(page),
			(void *)page->mapping, page->index, pfn);
	if (&folio->page != page || folio_test_large(folio))
		fprintf(out, "head:%p order:%u pincount:%d folio refcount:%d\n",
			(const void *)folio, folio_order(folio),
			folio_test_large(folio) ? atomic_read(&folio->_pincount) : 0,
			folio_ref_count(folio));
	fprintf(out, "flags: %#lx(%s) zone:%s node:%d\n", page_flags_word(page) & PAGEFLAGS_MASK,
		format_page_flags(page_flags_word(page), flags, sizeof(flags)),
		zone_names[page_zonenum(page)], page_to_nid(page));
	if (folio_is_zone_device(folio) && folio->pgmap) {
		const struct dev_pagemap *pgmap = folio->pgmap;

		fprintf(out, "pgmap:%p type:%s scheme:%s owner:%p zone_device_data:%p\n",
			(const void *)pgmap, pgmap_type_name(pgmap->type),
			zd_scheme_name(pgmap->scheme), pgmap->owner, folio->zone_device_data);
	}
	if (reason)
		fprintf(out, "page dumped because: %s\n", reason);
}

/** dump_page() - print @page to its system's report stream */
void dump_page(const struct page *page, const char *reason)
{
	struct zd_system *sys = zd_page_system(page);

	dump_page_to(sys ? sys->report : stderr, page, reason);
}

void zd_report_lock(struct zd_system *sys)
{
	mutex_lock(&sys->report_lock);
}

void zd_report_unlock(struct zd_system *sys)
{
	mutex_unlock(&sys->report_lock);
}

/* Count a violation; with ZD_BUG_ABORT, stop here, where it happened. */
static atomic_long_t orphan_bugs = ATOMIC_LONG_INIT(0);

/** zd_orphan_bugs() - violations that belonged to no system (a wild pointer) */
unsigned long zd_orphan_bugs(void)
{
	return (unsigned long)atomic_long_read(&orphan_bugs);
}

void zd_count_bug(struct zd_system *sys)
{
	if (!sys) {
		atomic_long_inc(&orphan_bugs);
		return;
	}
	atomic_long_inc(&sys->bugs);
	if (sys->cfg.flags & ZD_BUG_ABORT) {
		fprintf(sys->report, "zonedev: aborting on the first violation (ZD_BUG_ABORT; ZD_BUG_CONTINUE carries on)\n");
		fflush(sys->report);
		abort();
	}
}

static bool report_quiet(const struct zd_system *sys)
{
	return sys && (sys->cfg.flags & ZD_QUIET);
}

void __vm_bug_page(const struct page *page, const char *what, const char *func, int line)
{
	struct zd_system *sys = zd_page_system(page);
	FILE *out = sys ? sys->report : stderr;

	if (!report_quiet(sys)) {
		if (sys)
			zd_report_lock(sys);
		fprintf(out, "zonedev: BUG: %s (%s:%d)\n", what, func, line);
		dump_page_to(out, page, what);
		if (sys)
			zd_report_unlock(sys);
	}
	zd_count_bug(sys);
}

void __vm_bug_pgmap(const struct dev_pagemap *pgmap, const char *what, const char *func, int line)
{
	struct zd_system *sys = node_system(pgmap->nid);

	zd_report_bug(sys, "%s (%s:%d): pgmap %p type %s", what, func, line,
		      (const void *)pgmap, pgmap_type_name(pgmap->type));
}

void zd_report_bug(struct zd_system *sys, const char *fmt, ...)
{
	FILE *out = sys ? sys->report : stderr;
	va_list ap;

	if (!report_quiet(sys)) {
		if (sys)
			zd_report_lock(sys);
		fputs("zonedev: BUG: ", out);
		va_start(ap, fmt);
		vfprintf(out, fmt, ap);
		va_end(ap);
		fputc('\n', out);
		if (sys)
			zd_report_unlock(sys);
	}
	zd_count_bug(sys);
}
