// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dax_device core (drivers/dax/super.c): a device whose memory is
 * reached by page offset, its liveness, and its holder.
 *
 * Liveness is DAXDEV_ALIVE read inside dax_read_lock(), a sleepable RCU
 * section: kill_dax() clears the bit and waits out every section, so once
 * it returns no operation that saw the device alive is still running and
 * no new one starts (spec §0.3, invariant 26).
 *
 * The holder is the file system mounted on the device.  It registers with
 * fs_dax_get() (one holder at a time, a cmpxchg as in the kernel) and hears
 * of failed ranges through ->notify_failure(), and of the device going
 * away through the same call with MF_MEM_PRE_REMOVE over the whole device.
 */
#include <string.h>
#include <sys/mman.h>
#include <zonedev/dax.h>
#include <zonedev/srcu.h>
#include <zonedev/slab.h>
#include <zonedev/mm.h>

DEFINE_STATIC_SRCU(dax_srcu);

/**
 * dax_read_lock() - enter a section in which dax_alive() stays meaningful
 *
 * Return: the cookie for dax_read_unlock().  Sections may sleep; they must
 * not call kill_dax() or fs_put_dax() (those wait for sections to end).
 */
int dax_read_lock(void)
{
	return srcu_read_lock(&dax_srcu);
}

/** dax_read_unlock() - leave the section dax_read_lock() returned @id for */
void dax_read_unlock(int id)
{
	srcu_read_unlock(&dax_srcu, id);
}

/**
 * dax_alive() - may new operations start on @dax_dev?
 *
 * Only meaningful inside dax_read_lock(): kill_dax() waits for such
 * sections, not for callers outside one.
 */
bool dax_alive(struct dax_device *dax_dev)
{
	if (IS_ERR_OR_NULL(dax_dev))
		return false;
	return test_bit(DAXDEV_ALIVE, &dax_dev->flags);
}

/**
 * alloc_dax() - a live dax_device for a driver
 * @private: the driver's, returned by dax_get_private()
 * @ops: how to reach the memory; NULL for device-dax, which maps its
 *	memory itself and has no direct_access
 *
 * Return: the device, with one reference (put_dax()), or
 * ERR_PTR(-ENOMEM).
 */
struct dax_device *alloc_dax(void *private, const struct dax_operations *ops)
{
	struct dax_device *dax_dev;

	if (ops && !ops->direct_access)
		return ERR_PTR(-EINVAL);
	dax_dev = kzalloc(sizeof(*dax_dev), GFP_KERNEL);
	if (!dax_dev)
		return ERR_PTR(-ENOMEM);
	dax_dev->private = private;
	dax_dev->ops = ops;
	atomic_set(&dax_dev->refcount, 1);

	/* The device's inode: a device-dax file maps through it. */
	inode_init_once(&dax_dev->inode, 0, &dax_dev->i_data);
	dax_dev->inode.i_flags = S_DAX;
	dax_dev->inode.i_blkbits = PAGE_SHIFT;
	dax_dev->inode.i_private = dax_dev;

	set_bit(DAXDEV_ALIVE, &dax_dev->flags);
	return dax_dev;
}

static void dax_free(struct dax_device *dax_dev)
{
	inode_destroy(&dax_dev->inode);
	kfree(dax_dev);
}

/**
 * put_dax() - drop a reference; the last one frees the device
 *
 * The driver calls it after kill_dax(); a holder still registered keeps
 * its own reference until fs_put_dax().
 */
void put_dax(struct dax_device *dax_dev)
{
	if (IS_ERR_OR_NULL(dax_dev))
		return;
	if (atomic_dec_and_test(&dax_dev->refcount))
		dax_free(dax_dev);
}

/**
 * kill_dax() - the device is going away: tell the holder, then refuse new
 * operations and wait for the ones under way
 *
 * The holder hears MF_MEM_PRE_REMOVE over [0, U64_MAX] while the device is
 * still alive, so it can unmap and signal every task using it; then
 * DAXDEV_ALIVE goes, every dax_read_lock() section that may have seen it
 * ends, and the holder is forgotten (its fs_put_dax() then only drops its
 * reference).  Idempotent.
 */
void kill_dax(struct dax_device *dax_dev)
{
	if (IS_ERR_OR_NULL(dax_dev))
		return;
	if (READ_ONCE(dax_dev->holder_data)) {
		int id = dax_read_lock();
		const struct dax_holder_operations *ops = READ_ONCE(dax_dev->holder_ops);

		if (dax_alive(dax_dev) && ops && ops->notify_failure)
			ops->notify_failure(dax_dev, 0, U64_MAX, MF_MEM_PRE_REMOVE);
		dax_read_unlock(id);
	}
	clear_bit(DAXDEV_ALIVE, &dax_dev->flags);
	synchronize_srcu(&dax_srcu);
	/* Nothing can be calling the holder now; forget it. */
	WRITE_ONCE(dax_dev->holder_ops, NULL);
	WRITE_ONCE(dax_dev->holder_data, NULL);
}

/** run_dax() - make a device that was created dead (or killed) alive */
void run_dax(struct dax_device *dax_dev)
{
	if (IS_ERR_OR_NULL(dax_dev))
		return;
	set_bit(DAXDEV_ALIVE, &dax_dev->flags);
}

void *dax_get_private(struct dax_device *dax_dev)
{
	if (!dax_alive(dax_dev))
		return NULL;
	return dax_dev->private;
}

/** dax_inode() - the device's inode (what a device-dax file maps) */
struct inode *dax_inode(struct dax_device *dax_dev)
{
	if (IS_ERR_OR_NULL(dax_dev))
		return NULL;
	return &dax_dev->inode;
}

/** inode_dax() - the device whose inode @inode is */
struct dax_device *inode_dax(struct inode *inode)
{
	return container_of(inode, struct dax_device, inode);
}

void dax_write_cache(struct dax_device *dax_dev, bool wc)
{
	if (IS_ERR_OR_NULL(dax_dev))
		return;
	if (wc)
		set_bit(DAXDEV_WRITE_CACHE, &dax_dev->flags);
	else
		clear_bit(DAXDEV_WRITE_CACHE, &dax_dev->flags);
}

bool dax_write_cache_enabled(struct dax_device *dax_dev)
{
	if (IS_ERR_OR_NULL(dax_dev))
		return false;
	return test_bit(DAXDEV_WRITE_CACHE, &dax_dev->flags);
}

bool dax_synchronous(struct dax_device *dax_dev)
{
	if (IS_ERR_OR_NULL(dax_dev))
		return false;
	return test_bit(DAXDEV_SYNC, &dax_dev->flags);
}

void set_dax_synchronous(struct dax_device *dax_dev)
{
	if (IS_ERR_OR_NULL(dax_dev))
		return;
	set_bit(DAXDEV_SYNC, &dax_dev->flags);
}

/**
 * dax_direct_access() - where @nr_pages pages at @pgoff are
 * @dax_dev: the device (NULL: -EOPNOTSUPP)
 * @pgoff: page offset on the device
 * @nr_pages: pages wanted
 * @mode: DAX_ACCESS, or DAX_RECOVERY_WRITE to reach poisoned pages for a
 *	write that will clear them
 * @kaddr: receives the kernel (direct-map) address of @pgoff, may be NULL
 * @pfn: receives its pfn, may be NULL
 *
 * Call inside dax_read_lock().
 *
 * Return: the number of contiguous pages available from @pgoff, at most
 * @nr_pages; -EOPNOTSUPP (no device, or one without direct access),
 * -ENXIO (dead), -EINVAL (negative @nr_pages or unknown @mode), -ERANGE
 * (nothing there), or the driver's error (-EHWPOISON for poison).
 */
long dax_direct_access(struct dax_device *dax_dev, pgoff_t pgoff, long nr_pages,
		       enum dax_access_mode mode, void **kaddr, unsigned long *pfn)
{
	long avail;

	if (IS_ERR_OR_NULL(dax_dev) || !dax_dev->ops)
		return -EOPNOTSUPP;
	if (!dax_alive(dax_dev))
		return -ENXIO;
	if (nr_pages < 0 || (mode != DAX_ACCESS && mode != DAX_RECOVERY_WRITE))
		return -EINVAL;
	avail = dax_dev->ops->direct_access(dax_dev, pgoff, nr_pages, mode, kaddr, pfn);
	if (!avail)
		return -ERANGE;
	return min(avail, nr_pages);
}

/**
 * dax_zero_page_range() - zero whole pages, clearing poison on the way
 *
 * Return: 0, -ENXIO (dead), -EIO (@nr_pages other than 1: no caller zeroes
 * more at once, as in the kernel), -EOPNOTSUPP, or the driver's error.
 */
int dax_zero_page_range(struct dax_device *dax_dev, pgoff_t pgoff, size_t nr_pages)
{
	if (IS_ERR_OR_NULL(dax_dev) || !dax_dev->ops || !dax_dev->ops->zero_page_range)
		return -EOPNOTSUPP;
	if (!dax_alive(dax_dev))
		return -ENXIO;
	if (nr_pages != 1)
		return -EIO;
	return dax_dev->ops->zero_page_range(dax_dev, pgoff, nr_pages);
}

/**
 * dax_recovery_write() - write over a poisoned range (after a
 * DAX_RECOVERY_WRITE dax_direct_access() gave @addr)
 *
 * Return: the bytes written; 0 if the driver cannot recover (a partial
 * page) or the device is dead.
 */
size_t dax_recovery_write(struct dax_device *dax_dev, pgoff_t pgoff, void *addr,
			  const void *src, size_t bytes)
{
	if (!dax_alive(dax_dev) || !dax_dev->ops || !dax_dev->ops->recovery_write)
		return 0;
	return dax_dev->ops->recovery_write(dax_dev, pgoff, addr, src, bytes);
}

/**
 * dax_copy_from_iter() - copy @bytes into the device at @addr
 *
 * Return: the bytes copied, 0 if the device is dead.
 */
size_t dax_copy_from_iter(struct dax_device *dax_dev, pgoff_t pgoff, void *addr,
			  const void *src, size_t bytes)
{
	if (!dax_alive(dax_dev) || !addr || !src)
		return 0;
	memcpy(addr, src, bytes);
	return bytes;
}

/**
 * dax_copy_to_iter() - copy @bytes out of the device at @addr
 *
 * Return: the bytes copied, 0 if the device is dead.
 */
size_t dax_copy_to_iter(struct dax_device *dax_dev, pgoff_t pgoff, void *addr, void *dst,
			size_t bytes)
{
	if (!dax_alive(dax_dev) || !addr || !dst)
		return 0;
	memcpy(dst, addr, bytes);
	return bytes;
}

/*
 * arch_wb_cache_pmem(): the CPU cache lines of [addr, addr + size) written
 * back to the media.  Our media is the file behind the direct map, so
 * that is msync() of the pages covering the range.
 */
static void arch_wb_cache_pmem(void *addr, size_t size)
{
	unsigned long start = ALIGN_DOWN((unsigned long)addr, PAGE_SIZE);
	unsigned long end = ALIGN((unsigned long)addr + size, PAGE_SIZE);

	if (size)
		msync((void *)start, end - start, MS_SYNC);
}

/** dax_flush() - make writes to [@addr, @addr + @size) durable */
void dax_flush(struct dax_device *dax_dev, void *addr, size_t size)
{
	if (unlikely(!dax_write_cache_enabled(dax_dev)))
		return;
	arch_wb_cache_pmem(addr, size);
}

/**
 * fs_dax_get() - register @holder (a file system) as @dax_dev's holder
 * @dax_dev: the device
 * @holder: identifies the holder; NULL registers nothing but the
 *	reference (as ext4 does)
 * @ops: its failure callbacks
 *
 * Takes a reference on the device for the holder.
 *
 * Return: 0, -EINVAL (no device), -ENXIO (dead), -EBUSY (another holder).
 */
int fs_dax_get(struct dax_device *dax_dev, void *holder,
	       const struct dax_holder_operations *ops)
{
	int id, err = 0;

	if (IS_ERR_OR_NULL(dax_dev))
		return -EINVAL;
	id = dax_read_lock();
	if (!dax_alive(dax_dev)) {
		err = -ENXIO;
		goto out_unlock;
	}
	if (holder) {
		if (cmpxchg(&dax_dev->holder_data, NULL, holder) != NULL) {
			err = -EBUSY;
			goto out_unlock;
		}
		WRITE_ONCE(dax_dev->holder_ops, ops);
	}
	atomic_inc(&dax_dev->refcount);
out_unlock:
	dax_read_unlock(id);
	return err;
}

/**
 * fs_put_dax() - @holder lets go of @dax_dev and drops its reference
 *
 * After it returns no notify_failure call into @holder is running, so the
 * holder may free itself.  Not from inside dax_read_lock().
 */
void fs_put_dax(struct dax_device *dax_dev, void *holder)
{
	if (IS_ERR_OR_NULL(dax_dev))
		return;
	if (holder && cmpxchg(&dax_dev->holder_data, holder, NULL) == holder) {
		WRITE_ONCE(dax_dev->holder_ops, NULL);
		synchronize_srcu(&dax_srcu);
	}
	put_dax(dax_dev);
}

/** dax_holder() - the registered holder of @dax_dev, or NULL */
void *dax_holder(struct dax_device *dax_dev)
{
	if (IS_ERR_OR_NULL(dax_dev))
		return NULL;
	return READ_ONCE(dax_dev->holder_data);
}

/**
 * dax_holder_notify_failure() - tell @dax_dev's holder that
 * [@off, @off + @len) failed
 *
 * Return: -ENXIO (dead), -EOPNOTSUPP (no holder: the generic memory
 * failure handling runs), or what the holder returned.
 */
int dax_holder_notify_failure(struct dax_device *dax_dev, u64 off, u64 len, int mf_flags)
{
	const struct dax_holder_operations *ops;
	int id, rc;

	if (IS_ERR_OR_NULL(dax_dev))
		return -ENXIO;
	id = dax_read_lock();
	if (!dax_alive(dax_dev)) {
		rc = -ENXIO;
		goto out;
	}
	ops = READ_ONCE(dax_dev->holder_ops);
	if (!ops || !ops->notify_failure) {
		rc = -EOPNOTSUPP;
		goto out;
	}
	rc = ops->notify_failure(dax_dev, off, len, mf_flags);
out:
	dax_read_unlock(id);
	return rc;
}
