/* SPDX-License-Identifier: GPL-2.0-only */
/* CRC32C (Castagnoli), as include/linux/crc32c.h: on-media checksums. */
#ifndef _ZONEDEV_CRC32C_H
#define _ZONEDEV_CRC32C_H

#include <stddef.h>
#include <zonedev/types.h>

u32 crc32c(u32 crc, const void *address, size_t length);

#endif /* _ZONEDEV_CRC32C_H */
