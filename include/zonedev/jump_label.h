/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Static keys.  The kernel patches a NOP into the branch; here a key is a
 * counter read with one relaxed load, which keeps the disabled case to a
 * load and a predicted branch on the hot paths that test it (put_page's
 * devmap_managed_key, the page_ref tracepoints).
 */
#ifndef _ZONEDEV_JUMP_LABEL_H
#define _ZONEDEV_JUMP_LABEL_H

#include <zonedev/sync.h>

struct static_key {
	atomic_t enabled;
};

struct static_key_false {
	struct static_key key;
};

#define STATIC_KEY_FALSE_INIT		{ { ATOMIC_INIT(0) } }
#define DEFINE_STATIC_KEY_FALSE(name)	struct static_key_false name = STATIC_KEY_FALSE_INIT
#define DECLARE_STATIC_KEY_FALSE(name)	extern struct static_key_false name

#define static_key_enabled(x)		(atomic_read(&(x)->key.enabled) > 0)
#define static_branch_unlikely(x)	unlikely(static_key_enabled(x))
#define static_branch_likely(x)		likely(static_key_enabled(x))
#define static_branch_inc(x)		atomic_inc(&(x)->key.enabled)
#define static_branch_dec(x)		atomic_dec(&(x)->key.enabled)

#endif /* _ZONEDEV_JUMP_LABEL_H */
