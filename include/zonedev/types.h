/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's fixed-width integer names (include/linux/types.h) for the
 * file-system side: on-media formats, iomap and dax_device offsets.
 */
#ifndef _ZONEDEV_TYPES_H
#define _ZONEDEV_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <limits.h>
#include <sys/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

/* loff_t is glibc's (sys/types.h with _GNU_SOURCE): a signed 64-bit offset. */

#ifndef U64_MAX
#define U64_MAX		((u64)~0ULL)
#endif
#ifndef LLONG_MAX
#define LLONG_MAX	__LONG_LONG_MAX__
#endif

#endif /* _ZONEDEV_TYPES_H */
