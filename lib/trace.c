// SPDX-License-Identifier: GPL-2.0-only
/*
 * Trace events, under the kernel's tracepoint names and field layouts where
 * a tracepoint exists (page_ref_*, mm_page_alloc, mm_page_free) and zd_*
 * names where zonedev adds one.  Each system has its own sink, written as
 * ftrace-style text lines or as Chrome trace-event JSON (one instant event
 * per tracepoint, "key=value" fields become args).
 */
#include <stdarg.h>
#include <string.h>
#include "../mm/internal.h"

DEFINE_STATIC_KEY_FALSE(page_ref_tracepoint_key);

void zd_trace_start(struct zd_system *sys)
{
	if (!sys->cfg.trace)
		return;
	sys->trace_t0 = ktime_get_ns();
	sys->trace_first = true;
	if (sys->cfg.trace_format == ZD_TRACE_JSON)
		fputs("[\n", sys->cfg.trace);
	else
		fputs("# tracer: zonedev\n#\n#           TASK-PID     CPU#  TIMESTAMP  FUNCTION\n#              | |         |        |         |\n",
		      sys->cfg.trace);
	static_branch_inc(&page_ref_tracepoint_key);
}

void zd_trace_stop(struct zd_system *sys)
{
	if (!sys->cfg.trace)
		return;
	static_branch_dec(&page_ref_tracepoint_key);
	mutex_lock(&sys->trace_lock);
	if (sys->cfg.trace_format == ZD_TRACE_JSON)
		fputs("\n]\n", sys->cfg.trace);
	fflush(sys->cfg.trace);
	WRITE_ONCE(sys->cfg.trace, NULL);
	mutex_unlock(&sys->trace_lock);
}

/* "a=1 b=x" -> "\"a\":\"1\",\"b\":\"x\"" */
static void fields_to_json(const char *fields, char *out, size_t len)
{
	size_t used = 0;
	const char *p = fields;

	out[0] = '\0';
	while (*p && used + 8 < len) {
		const char *key = p, *eq = strchr(p, '='), *end;

		if (!eq)
			break;
		end = strchr(eq, ' ');
		if (!end)
			end = eq + strlen(eq);
		used += (size_t)snprintf(out + used, len - used, "%s\"%.*s\":\"%.*s\"",
					 used ? "," : "", (int)(eq - key), key,
					 (int)(end - eq - 1), eq + 1);
		p = *end ? end + 1 : end;
	}
}

void zd_trace_event(struct zd_system *sys, const char *event, const char *fmt, ...)
{
	unsigned long long ns;
	char fields[512];
	FILE *out;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fields, sizeof(fields), fmt, ap);
	va_end(ap);

	mutex_lock(&sys->trace_lock);
	out = sys->cfg.trace;
	if (!out)
		goto unlock;
	ns = ktime_get_ns() - sys->trace_t0;
	if (sys->cfg.trace_format == ZD_TRACE_JSON) {
		char args[1024];

		fields_to_json(fields, args, sizeof(args));
		fprintf(out, "%s{\"name\":\"%s\",\"cat\":\"zonedev\",\"ph\":\"i\",\"s\":\"t\",\"ts\":%.3f,\"pid\":%d,\"tid\":%u,\"args\":{%s}}",
			sys->trace_first ? "" : ",\n", event, (double)ns / 1000.0, sys->nid,
			current_thread_id(), args);
		sys->trace_first = false;
	} else {
		fprintf(out, "%16s-%-7u [%03u] ..... %5llu.%06llu: %s: %s\n", "zonedev",
			current_thread_id(), smp_processor_id(), ns / 1000000000ULL,
			(ns / 1000ULL) % 1000000ULL, event, fields);
	}
unlock:
	mutex_unlock(&sys->trace_lock);
}

/* The page_ref tracepoints: pfn flags count mapcount mapping mt val [ret]. */
static void page_ref_event(struct page *page, const char *event, int v, bool has_ret, int ret)
{
	struct zd_system *sys = zd_page_system(page);
	char flags[256];

	if (!sys || !READ_ONCE(sys->cfg.trace))
		return;
	format_page_flags(page_flags_word(page), flags, sizeof(flags));
	if (has_ret)
		zd_trace_event(sys, event, "pfn=0x%lx flags=%s count=%d mapcount=%d mapping=%p mt=%d val=%d ret=%d",
			       page_to_pfn(page), flags, page_ref_count(page), page_mapcount(page),
			       (void *)page->mapping, MIGRATE_MOVABLE, v, ret);
	else
		zd_trace_event(sys, event, "pfn=0x%lx flags=%s count=%d mapcount=%d mapping=%p mt=%d val=%d",
			       page_to_pfn(page), flags, page_ref_count(page), page_mapcount(page),
			       (void *)page->mapping, MIGRATE_MOVABLE, v);
}

void __page_ref_set(struct page *page, int v)
{
	page_ref_event(page, "page_ref_set", v, false, 0);
}

void __page_ref_mod(struct page *page, int v)
{
	page_ref_event(page, "page_ref_mod", v, false, 0);
}

void __page_ref_mod_and_test(struct page *page, int v, int ret)
{
	page_ref_event(page, "page_ref_mod_and_test", v, true, ret);
}

void __page_ref_mod_and_return(struct page *page, int v, int ret)
{
	page_ref_event(page, "page_ref_mod_and_return", v, true, ret);
}

void __page_ref_mod_unless(struct page *page, int v, int u)
{
	page_ref_event(page, "page_ref_mod_unless", v, true, u);
}

void __page_ref_freeze(struct page *page, int v, int ret)
{
	page_ref_event(page, "page_ref_freeze", v, true, ret);
}

void __page_ref_unfreeze(struct page *page, int v)
{
	page_ref_event(page, "page_ref_unfreeze", v, false, 0);
}
