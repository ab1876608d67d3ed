/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bus is a sorted array of non-overlapping ranges, searched by bisection. A
 * reader-writer lock lets every vCPU thread dispatch at once (devices serialise themselves
 * with their own locks) while insert and remove, which are rare, wait for dispatches in
 * flight; that wait is what makes it safe to destroy a device once it is removed.
 */
#define _GNU_SOURCE
#include <cvmm/devices.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct bus_range {
	uint64_t base;
	uint64_t last; /* inclusive, so a range may end at 2^64 - 1 */
	const struct vdev_ops *ops;
	void *ctx;
};

struct vdev_bus {
	pthread_rwlock_t lock;
	struct bus_range *ranges;
	size_t count;
	size_t cap;
};

int vdev_bus_create(struct vdev_bus **out)
{
	struct vdev_bus *bus;
	int ret;

	if (!out)
		return -EINVAL;
	bus = calloc(1, sizeof(*bus));
	if (!bus)
		return -ENOMEM;
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	/* Writer preference: a steady stream of vCPU dispatches must not starve remove(). */
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	ret = pthread_rwlock_init(&bus->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (ret) {
		free(bus);
		return -ret;
	}
	*out = bus;
	return 0;
}

void vdev_bus_destroy(struct vdev_bus *bus)
{
	if (!bus)
		return;
	pthread_rwlock_destroy(&bus->lock);
	free(bus->ranges);
	free(bus);
}

/* Index of the first range whose base is greater than addr. */
static size_t upper_bound(const struct vdev_bus *bus, uint64_t addr)
{
	size_t lo = 0, hi = bus->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (bus->ranges[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int vdev_bus_insert(struct vdev_bus *bus, uint64_t base, uint64_t len, const struct vdev_ops *ops,
                    void *ctx)
{
	uint64_t last;
	size_t pos;
	int ret = 0;

	if (!bus || !ops || len == 0)
		return -EINVAL;
	if (__builtin_add_overflow(base, len - 1, &last))
		return -EINVAL;

	pthread_rwlock_wrlock(&bus->lock);
	pos = upper_bound(bus, base);
	/* Sorted and disjoint: only the neighbours on either side can overlap. */
	if (pos > 0 && bus->ranges[pos - 1].last >= base) {
		ret = -EEXIST;
		goto out;
	}
	if (pos < bus->count && bus->ranges[pos].base <= last) {
		ret = -EEXIST;
		goto out;
	}
	if (bus->count == bus->cap) {
		size_t ncap = bus->cap ? bus->cap * 2 : 8;
		struct bus_range *n = realloc(bus->ranges, ncap * sizeof(*n));
		if (!n) {
			ret = -ENOMEM;
			goto out;
		}
		bus->ranges = n;
		bus->cap = ncap;
	}
	memmove(&bus->ranges[pos + 1], &bus->ranges[pos],
	        (bus->count - pos) * sizeof(bus->ranges[0]));
	bus->ranges[pos] = (struct bus_range){.base = base, .last = last, .ops = ops, .ctx = ctx};
	bus->count++;
out:
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

int vdev_bus_remove(struct vdev_bus *bus, uint64_t base)
{
	size_t pos;
	int ret = -ENOENT;

	if (!bus)
		return -EINVAL;
	pthread_rwlock_wrlock(&bus->lock);
	pos = upper_bound(bus, base);
	if (pos > 0 && bus->ranges[pos - 1].base == base) {
		pos--;
		memmove(&bus->ranges[pos], &bus->ranges[pos + 1],
		        (bus->count - pos - 1) * sizeof(bus->ranges[0]));
		bus->count--;
		ret = 0;
	}
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

static bool valid_size(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* Called with the read lock held. Finds the range for [addr, addr + size). */
static int lookup(const struct vdev_bus *bus, uint64_t addr, uint32_t size,
                  const struct bus_range **out)
{
	size_t pos = upper_bound(bus, addr);
	const struct bus_range *r;

	if (pos == 0)
		return -ENOENT;
	r = &bus->ranges[pos - 1];
	if (addr > r->last)
		return -ENOENT;
	/* size >= 1, so addr + size - 1 is the access's last byte; compare without overflow. */
	if (size - 1 > r->last - addr)
		return -ERANGE;
	*out = r;
	return 0;
}

int vdev_bus_read(struct vdev_bus *bus, uint64_t addr, uint8_t *data, uint32_t size)
{
	const struct bus_range *r;
	int ret;

	if (!bus || !data || !valid_size(size))
		return -EINVAL;
	pthread_rwlock_rdlock(&bus->lock);
	ret = lookup(bus, addr, size, &r);
	if (ret == 0) {
		if (r->ops->read)
			ret = r->ops->read(r->ctx, addr - r->base, data, size);
		else
			memset(data, 0, size);
	}
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

int vdev_bus_write(struct vdev_bus *bus, uint64_t addr, const uint8_t *data, uint32_t size)
{
	const struct bus_range *r;
	int ret;

	if (!bus || !data || !valid_size(size))
		return -EINVAL;
	pthread_rwlock_rdlock(&bus->lock);
	ret = lookup(bus, addr, size, &r);
	if (ret == 0 && r->ops->write)
		ret = r->ops->write(r->ctx, addr - r->base, data, size);
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

size_t vdev_bus_count(struct vdev_bus *bus)
{
	size_t n;

	if (!bus)
		return 0;
	pthread_rwlock_rdlock(&bus->lock);
	n = bus->count;
	pthread_rwlock_unlock(&bus->lock);
	return n;
}
