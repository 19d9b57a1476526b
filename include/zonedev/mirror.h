/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mirror device: the counterpart of the kernel's lib/test_hmm.c
 * ("dmirror"), a simulated device that mirrors a task's address space in
 * its own page table with hmm_range_fault() under the mmu_interval_notifier
 * protocol, and owns device memory (device-private or device-coherent)
 * that migrate_vma_*() moves pages to and from.
 *
 * A struct zd_mirror is one device (/dev/hmm_dmirrorN); zd_mirror_open()
 * is one open of it by a task; zd_mirror_cmd() is the ioctl.  The command
 * numbers, the command structure, the snapshot byte values and the memory
 * types are the uapi of lib/test_hmm_uapi.h.  See spec/hmm_migration.md §6.
 */
#ifndef _ZONEDEV_MIRROR_H
#define _ZONEDEV_MIRROR_H

#include <stdint.h>

struct zd_system;
struct zd_task;
struct zd_mirror;
struct zd_mirror_file;

/* Commands (the nr of the kernel's _IOWR('H', nr, struct hmm_dmirror_cmd)) */
#define HMM_DMIRROR_READ		0x00
#define HMM_DMIRROR_WRITE		0x01
#define HMM_DMIRROR_MIGRATE_TO_DEV	0x02
#define HMM_DMIRROR_MIGRATE_TO_SYS	0x03
#define HMM_DMIRROR_SNAPSHOT		0x04
#define HMM_DMIRROR_EXCLUSIVE		0x05
#define HMM_DMIRROR_CHECK_EXCLUSIVE	0x06
#define HMM_DMIRROR_RELEASE		0x07
#define HMM_DMIRROR_FLAGS		0x08

/* HMM_DMIRROR_FLAGS: cmd.npages carries these */
#define HMM_DMIRROR_FLAG_FAIL_ALLOC	(1ULL << 0)

/**
 * struct zd_mirror_cmd - the ioctl argument (struct hmm_dmirror_cmd)
 * @addr: in: the user address the device accesses (page aligned)
 * @ptr: in: a user address in the file's task: where READ, MIGRATE_TO_DEV,
 *	EXCLUSIVE put the data and SNAPSHOT one byte per page, where WRITE
 *	takes the data from
 * @npages: in: pages from @addr; for HMM_DMIRROR_FLAGS, the flags
 * @cpages: out: pages copied through the device page table (READ, WRITE,
 *	MIGRATE_TO_DEV, EXCLUSIVE), pages migrated (MIGRATE_TO_SYS), bytes
 *	produced (SNAPSHOT)
 * @faults: out: device fault rounds (READ, WRITE)
 */
struct zd_mirror_cmd {
	uint64_t addr;
	uint64_t ptr;
	uint64_t npages;
	uint64_t cpages;
	uint64_t faults;
};

/* SNAPSHOT bytes (dmirror_mkentry()) */
enum {
	HMM_DMIRROR_PROT_ERROR			= 0xFF,
	HMM_DMIRROR_PROT_NONE			= 0x00,
	HMM_DMIRROR_PROT_READ			= 0x01,
	HMM_DMIRROR_PROT_WRITE			= 0x02,
	HMM_DMIRROR_PROT_PMD			= 0x04,
	HMM_DMIRROR_PROT_PUD			= 0x08,
	HMM_DMIRROR_PROT_ZERO			= 0x10,
	HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL	= 0x20,
	HMM_DMIRROR_PROT_DEV_PRIVATE_REMOTE	= 0x30,
	HMM_DMIRROR_PROT_DEV_COHERENT_LOCAL	= 0x40,
	HMM_DMIRROR_PROT_DEV_COHERENT_REMOTE	= 0x50,
};

/* The device's memory (0 is reserved, to catch an unset field) */
enum {
	HMM_DMIRROR_MEMORY_DEVICE_PRIVATE = 1,
	HMM_DMIRROR_MEMORY_DEVICE_COHERENT,
};

/* lib/test_hmm.c's DEVMEM_CHUNK_SIZE */
#define ZD_MIRROR_DEFAULT_CHUNK_SIZE	(256UL << 20)

/**
 * struct zd_mirror_config - what zd_mirror_create() builds
 * @memory: HMM_DMIRROR_MEMORY_DEVICE_PRIVATE or _COHERENT
 * @chunk_size: bytes of device memory added per memremap_pages(), a
 *	multiple of memremap_compat_align() (2 MiB); 0: 256 MiB
 * @owner: the pgmap owner cookie (pgmap_owner, dev_private_owner, the
 *	MMU_NOTIFY_MIGRATE owner); NULL: the device itself.  Devices given
 *	the same owner treat each other's pages as their own, as GPUs of one
 *	amdkfd XGMI hive do
 * @name: for the resources and reports (NULL: "hmm_dmirror")
 */
struct zd_mirror_config {
	int memory;
	unsigned long chunk_size;
	void *owner;
	const char *name;
};

/**
 * struct zd_mirror_stat - a device's counters
 * @nr_chunks: chunks of device memory currently added
 * @calloc: device pages allocated since create
 * @cfree: device pages given back through page_free
 * @in_use: device pages allocated and not yet freed
 * @migrate_to_ram: CPU faults served by ->migrate_to_ram()
 * @evicted: pages evicted by RELEASE and destroy
 * @nr_files: files open on the device
 */
struct zd_mirror_stat {
	unsigned long nr_chunks;
	unsigned long calloc;
	unsigned long cfree;
	unsigned long in_use;
	unsigned long migrate_to_ram;
	unsigned long evicted;
	unsigned long nr_files;
};

struct zd_mirror *zd_mirror_create(struct zd_system *sys, const struct zd_mirror_config *cfg);
int zd_mirror_destroy(struct zd_mirror *dev);
int zd_mirror_stat(struct zd_mirror *dev, struct zd_mirror_stat *stat);
void *zd_mirror_owner(struct zd_mirror *dev);

struct zd_mirror_file *zd_mirror_open(struct zd_mirror *dev, struct zd_task *task);
int zd_mirror_close(struct zd_mirror_file *file);
int zd_mirror_cmd(struct zd_mirror_file *file, unsigned int op, struct zd_mirror_cmd *cmd);

long zd_mirror_migrate_to_dev(struct zd_mirror_file *file, unsigned long addr,
			      unsigned long npages);
long zd_mirror_migrate_to_sys(struct zd_mirror_file *file, unsigned long addr,
			      unsigned long npages);

#endif /* _ZONEDEV_MIRROR_H */
