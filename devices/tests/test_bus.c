/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <cvmm/devices.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

/* A device that remembers its last access and answers reads with a tag and the offset. */
struct probe {
	uint32_t tag;
	uint64_t last_offset;
	uint32_t last_size;
	uint64_t last_value;
	int writes;
	int reads;
};

static int probe_read(void *ctx, uint64_t offset, uint8_t *data, uint32_t size)
{
	struct probe *p = ctx;
	p->reads++;
	p->last_offset = offset;
	p->last_size = size;
	vdev_le_put(data, size, ((uint64_t)p->tag << 32) | offset);
	return 0;
}

static int probe_write(void *ctx, uint64_t offset, const uint8_t *data, uint32_t size)
{
	struct probe *p = ctx;
	p->writes++;
	p->last_offset = offset;
	p->last_size = size;
	p->last_value = vdev_le_get(data, size);
	return 0;
}

static const struct vdev_ops probe_ops = {.read = probe_read, .write = probe_write};

Test(bus, create_destroy)
{
	struct vdev_bus *bus;
	cr_assert_eq(vdev_bus_create(NULL), -EINVAL);
	cr_assert_eq(vdev_bus_create(&bus), 0);
	cr_assert_eq(vdev_bus_count(bus), 0);
	vdev_bus_destroy(bus);
	vdev_bus_destroy(NULL);
}

Test(bus, insert_rejects_bad_arguments)
{
	struct vdev_bus *bus;
	struct probe p = {0};
	cr_assert_eq(vdev_bus_create(&bus), 0);
	cr_assert_eq(vdev_bus_insert(NULL, 0, 1, &probe_ops, &p), -EINVAL);
	cr_assert_eq(vdev_bus_insert(bus, 0, 1, NULL, &p), -EINVAL);
	cr_assert_eq(vdev_bus_insert(bus, 0x1000, 0, &probe_ops, &p), -EINVAL);
	cr_assert_eq(vdev_bus_insert(bus, UINT64_MAX, 2, &probe_ops, &p), -EINVAL);
	/* A range ending exactly at the top of the space is fine. */
	cr_assert_eq(vdev_bus_insert(bus, UINT64_MAX - 0xfff, 0x1000, &probe_ops, &p), 0);
	cr_assert_eq(vdev_bus_count(bus), 1);
	vdev_bus_destroy(bus);
}

Test(bus, overlap_rejected)
{
	struct vdev_bus *bus;
	struct probe p = {0};
	cr_assert_eq(vdev_bus_create(&bus), 0);
	cr_assert_eq(vdev_bus_insert(bus, 0x1000, 0x100, &probe_ops, &p), 0);
	cr_assert_eq(vdev_bus_insert(bus, 0x1000, 0x100, &probe_ops, &p), -EEXIST);
	cr_assert_eq(vdev_bus_insert(bus, 0x10ff, 1, &probe_ops, &p), -EEXIST);
	cr_assert_eq(vdev_bus_insert(bus, 0xf00, 0x101, &probe_ops, &p), -EEXIST);
	cr_assert_eq(vdev_bus_insert(bus, 0x0, UINT64_MAX, &probe_ops, &p), -EEXIST);
	cr_assert_eq(vdev_bus_insert(bus, 0x1050, 0x10, &probe_ops, &p), -EEXIST);
	/* Touching ranges do not overlap. */
	cr_assert_eq(vdev_bus_insert(bus, 0xf00, 0x100, &probe_ops, &p), 0);
	cr_assert_eq(vdev_bus_insert(bus, 0x1100, 0x100, &probe_ops, &p), 0);
	cr_assert_eq(vdev_bus_count(bus), 3);
	vdev_bus_destroy(bus);
}

Test(bus, lookup_dispatches_with_offset)
{
	struct vdev_bus *bus;
	struct probe p[64];
	uint8_t buf[8];
	cr_assert_eq(vdev_bus_create(&bus), 0);
	/* Insert in a scrambled order so the sorted array is really exercised. */
	for (int i = 0; i < 64; i++) {
		int k = (i * 37) % 64;
		p[k] = (struct probe){.tag = (uint32_t)k};
		cr_assert_eq(
		    vdev_bus_insert(bus, 0x10000 + (uint64_t)k * 0x1000, 0x800, &probe_ops, &p[k]),
		    0);
	}
	for (int k = 0; k < 64; k++) {
		uint64_t base = 0x10000 + (uint64_t)k * 0x1000;
		cr_assert_eq(vdev_bus_read(bus, base + 0x10, buf, 8), 0);
		cr_assert_eq(vdev_le_get(buf, 8), ((uint64_t)k << 32) | 0x10);
		cr_assert_eq(vdev_bus_read(bus, base + 0x7ff, buf, 1), 0);
		cr_assert_eq(p[k].last_offset, 0x7ff);
		cr_assert_eq(p[k].last_size, 1);
		/* The gap after each range belongs to nobody. */
		cr_assert_eq(vdev_bus_read(bus, base + 0x800, buf, 1), -ENOENT);
		vdev_le_put(buf, 4, 0xdeadbeef);
		cr_assert_eq(vdev_bus_write(bus, base + 0x20, buf, 4), 0);
		cr_assert_eq(p[k].last_value, 0xdeadbeef);
		cr_assert_eq(p[k].last_offset, 0x20);
	}
	cr_assert_eq(vdev_bus_read(bus, 0xffff, buf, 1), -ENOENT);
	cr_assert_eq(vdev_bus_read(bus, 0, buf, 1), -ENOENT);
	cr_assert_eq(vdev_bus_read(bus, UINT64_MAX, buf, 1), -ENOENT);
	vdev_bus_destroy(bus);
}

Test(bus, access_sizes_and_straddling)
{
	struct vdev_bus *bus;
	struct probe p = {0};
	uint8_t buf[8] = {0};
	cr_assert_eq(vdev_bus_create(&bus), 0);
	cr_assert_eq(vdev_bus_insert(bus, 0x3f8, 8, &probe_ops, &p), 0);
	cr_assert_eq(vdev_bus_read(bus, 0x3f8, buf, 3), -EINVAL);
	cr_assert_eq(vdev_bus_read(bus, 0x3f8, buf, 0), -EINVAL);
	cr_assert_eq(vdev_bus_read(bus, 0x3f8, buf, 16), -EINVAL);
	cr_assert_eq(vdev_bus_read(bus, 0x3f8, NULL, 1), -EINVAL);
	cr_assert_eq(vdev_bus_write(bus, 0x3fc, buf, 8), -ERANGE);
	cr_assert_eq(vdev_bus_write(bus, 0x3ff, buf, 2), -ERANGE);
	cr_assert_eq(vdev_bus_write(bus, 0x3fe, buf, 2), 0);
	cr_assert_eq(p.writes, 1);
	/* Straddling the top of the address space must not wrap. */
	cr_assert_eq(vdev_bus_insert(bus, UINT64_MAX - 3, 4, &probe_ops, &p), 0);
	cr_assert_eq(vdev_bus_read(bus, UINT64_MAX - 1, buf, 4), -ERANGE);
	cr_assert_eq(vdev_bus_read(bus, UINT64_MAX - 3, buf, 4), 0);
	vdev_bus_destroy(bus);
}

Test(bus, remove)
{
	struct vdev_bus *bus;
	struct probe p = {0};
	uint8_t buf[1];
	cr_assert_eq(vdev_bus_create(&bus), 0);
	cr_assert_eq(vdev_bus_insert(bus, 0x1000, 0x100, &probe_ops, &p), 0);
	cr_assert_eq(vdev_bus_insert(bus, 0x2000, 0x100, &probe_ops, &p), 0);
	cr_assert_eq(vdev_bus_remove(bus, 0x1001), -ENOENT);
	cr_assert_eq(vdev_bus_remove(bus, 0x1000), 0);
	cr_assert_eq(vdev_bus_remove(bus, 0x1000), -ENOENT);
	cr_assert_eq(vdev_bus_remove(NULL, 0x1000), -EINVAL);
	cr_assert_eq(vdev_bus_read(bus, 0x1000, buf, 1), -ENOENT);
	cr_assert_eq(vdev_bus_read(bus, 0x2000, buf, 1), 0);
	cr_assert_eq(vdev_bus_insert(bus, 0x1000, 0x1000, &probe_ops, &p), 0);
	cr_assert_eq(vdev_bus_count(bus), 2);
	vdev_bus_destroy(bus);
}

Test(bus, null_ops_callbacks)
{
	static const struct vdev_ops empty = {0};
	struct vdev_bus *bus;
	uint8_t buf[4] = {1, 2, 3, 4};
	cr_assert_eq(vdev_bus_create(&bus), 0);
	cr_assert_eq(vdev_bus_insert(bus, 0x100, 4, &empty, NULL), 0);
	cr_assert_eq(vdev_bus_read(bus, 0x100, buf, 4), 0);
	cr_assert_eq(vdev_le_get(buf, 4), 0);
	cr_assert_eq(vdev_bus_write(bus, 0x100, buf, 4), 0);
	vdev_bus_destroy(bus);
}

/* Concurrency: devices with their own locks, hit by several threads while ranges come
 * and go. Every access must reach the right device, and none may be lost. */
struct locked_counter {
	pthread_mutex_t lock;
	uint64_t sum;
	uint64_t count;
};

static int counter_write(void *ctx, uint64_t offset, const uint8_t *data, uint32_t size)
{
	struct locked_counter *c = ctx;
	pthread_mutex_lock(&c->lock);
	c->sum += vdev_le_get(data, size);
	c->count++;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static int counter_read(void *ctx, uint64_t offset, uint8_t *data, uint32_t size)
{
	struct locked_counter *c = ctx;
	pthread_mutex_lock(&c->lock);
	vdev_le_put(data, size, c->count);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static const struct vdev_ops counter_ops = {.read = counter_read, .write = counter_write};

#define NDEV 8
#define NTHREADS 4
#define NITER 20000

struct worker {
	struct vdev_bus *bus;
	int id;
	int errors;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < NITER; i++) {
		uint8_t buf[8];
		int d = (i + w->id) % NDEV;
		vdev_le_put(buf, 8, 1);
		if (vdev_bus_write(w->bus, 0x1000 * (uint64_t)(d + 1), buf, 8) != 0)
			w->errors++;
		if (vdev_bus_read(w->bus, 0x1000 * (uint64_t)(d + 1) + 8, buf, 4) != 0)
			w->errors++;
	}
	return NULL;
}

static atomic_bool churn_stop;

static void *churn_main(void *arg)
{
	struct vdev_bus *bus = arg;
	static const struct vdev_ops empty = {0};
	uint64_t n = 0;
	while (!atomic_load(&churn_stop)) {
		/* Ranges well away from the workers' devices appear and disappear. */
		uint64_t base = 0x100000 + (n++ % 32) * 0x100;
		if (vdev_bus_insert(bus, base, 0x80, &empty, NULL) == 0)
			vdev_bus_remove(bus, base);
	}
	return NULL;
}

Test(bus, concurrent_dispatch)
{
	struct vdev_bus *bus;
	struct locked_counter dev[NDEV];
	struct worker w[NTHREADS];
	pthread_t th[NTHREADS], churn;
	uint64_t total = 0;

	cr_assert_eq(vdev_bus_create(&bus), 0);
	for (int d = 0; d < NDEV; d++) {
		pthread_mutex_init(&dev[d].lock, NULL);
		dev[d].sum = dev[d].count = 0;
		cr_assert_eq(
		    vdev_bus_insert(bus, 0x1000 * (uint64_t)(d + 1), 0x10, &counter_ops, &dev[d]),
		    0);
	}
	atomic_store(&churn_stop, false);
	cr_assert_eq(pthread_create(&churn, NULL, churn_main, bus), 0);
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){.bus = bus, .id = i};
		cr_assert_eq(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		cr_expect_eq(w[i].errors, 0);
	}
	atomic_store(&churn_stop, true);
	pthread_join(churn, NULL);
	for (int d = 0; d < NDEV; d++) {
		cr_expect_eq(dev[d].sum, dev[d].count);
		total += dev[d].count;
		pthread_mutex_destroy(&dev[d].lock);
	}
	cr_assert_eq(total, (uint64_t)NTHREADS * NITER);
	cr_assert_eq(vdev_bus_count(bus), NDEV);
	vdev_bus_destroy(bus);
}

/* remove() must wait for a dispatch in flight to its range. */
struct slow_dev {
	atomic_int inside;
	atomic_int done;
};

static int slow_write(void *ctx, uint64_t offset, const uint8_t *data, uint32_t size)
{
	struct slow_dev *s = ctx;
	atomic_store(&s->inside, 1);
	struct timespec ts = {0, 100 * 1000 * 1000};
	nanosleep(&ts, NULL);
	atomic_store(&s->done, 1);
	return 0;
}

static const struct vdev_ops slow_ops = {.write = slow_write};

struct slow_arg {
	struct vdev_bus *bus;
};

static void *slow_main(void *arg)
{
	uint8_t b = 1;
	vdev_bus_write(arg, 0x500, &b, 1);
	return NULL;
}

Test(bus, remove_waits_for_dispatch)
{
	struct vdev_bus *bus;
	struct slow_dev s;
	pthread_t th;
	atomic_init(&s.inside, 0);
	atomic_init(&s.done, 0);
	cr_assert_eq(vdev_bus_create(&bus), 0);
	cr_assert_eq(vdev_bus_insert(bus, 0x500, 1, &slow_ops, &s), 0);
	cr_assert_eq(pthread_create(&th, NULL, slow_main, bus), 0);
	while (!atomic_load(&s.inside))
		sched_yield();
	cr_assert_eq(vdev_bus_remove(bus, 0x500), 0);
	cr_assert_eq(atomic_load(&s.done), 1, "remove returned while the device was running");
	pthread_join(th, NULL);
	vdev_bus_destroy(bus);
}
