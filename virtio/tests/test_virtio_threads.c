/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The transport used the way a VMM uses it: a driver thread fills the ring while an
 * event loop thread processes it on eventfd notifications (the ioeventfd path) and a
 * "vCPU" thread reads and acknowledges the interrupt status at the same time.
 */
#include "virtio_test_util.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define V1 (1ull << VDEV_VIRTIO_F_VERSION_1)
#define REQUESTS 5000u
#define BUF_LEN 64u

static struct vmem_map *mem;
static struct vdev_virtio_rng *rng;
static struct vdev_virtio_mmio *m;
static struct tq t;
static int efd;
static atomic_bool done;
static atomic_int irq_level, irq_edges;

static int line_up(void *ctx, uint32_t line)
{
	(void)ctx;
	(void)line;
	atomic_store(&irq_level, 1);
	atomic_fetch_add(&irq_edges, 1);
	return 0;
}

static int line_down(void *ctx, uint32_t line)
{
	(void)ctx;
	(void)line;
	atomic_store(&irq_level, 0);
	return 0;
}

static void *driver(void *arg)
{
	(void)arg;
	for (uint32_t i = 0; i < REQUESTS; i++) {
		/* Wait for room: at most 16 requests outstanding, completed in order, so
		   descriptor i % 16 is free again. */
		while ((uint16_t)(t.avail_idx - tq_used_idx(&t)) >= t.size)
			sched_yield();
		uint16_t d = (uint16_t)(i % t.size);
		tq_desc(&t, d, T_BUF + (uint64_t)BUF_LEN * d, BUF_LEN, VDEV_VIRTQ_DESC_F_WRITE, 0);
		tq_publish(&t, d);
		uint64_t one = 1;
		if (write(efd, &one, sizeof(one)) != sizeof(one))
			return (void *)1;
	}
	return NULL;
}

static void *event_loop(void *arg)
{
	(void)arg;
	while (tq_used_idx(&t) != (uint16_t)REQUESTS) {
		uint64_t n;
		if (read(efd, &n, sizeof(n)) != sizeof(n))
			return (void *)1;
		if (vdev_virtio_mmio_process_queue(m, 0) < 0)
			return (void *)2;
	}
	atomic_store(&done, true);
	return NULL;
}

static void *vcpu(void *arg)
{
	unsigned long acks = 0;
	(void)arg;
	while (!atomic_load(&done)) {
		uint32_t st = t_rd(m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS);
		if (st) {
			t_wr(m, VDEV_VIRTIO_MMIO_INTERRUPT_ACK, st);
			acks++;
		}
	}
	return (void *)acks;
}

Test(virtio_threads, ring_traffic_with_concurrent_register_access, .timeout = 100)
{
	pthread_t th[3];
	void *ret[3];

	mem = t_mem_create();
	cr_assert_not_null(mem);
	efd = eventfd(0, EFD_CLOEXEC);
	cr_assert_geq(efd, 0);
	cr_assert_eq(vdev_virtio_rng_create(16, &rng), 0);
	struct vdev_virtio_mmio_config mc = {
	    .mem = mem,
	    .irq = {.assert_line = line_up, .deassert_line = line_down},
	    .device = *vdev_virtio_rng_device(rng)};
	cr_assert_eq(vdev_virtio_mmio_create(&mc, &m), 0);
	tq_init(&t, mem, 16);
	cr_assert(t_negotiate(m, V1) & VDEV_VIRTIO_STATUS_FEATURES_OK);
	t_setup_queue(m, 0, &t);
	t_driver_ok(m);

	cr_assert_eq(pthread_create(&th[0], NULL, vcpu, NULL), 0);
	cr_assert_eq(pthread_create(&th[1], NULL, event_loop, NULL), 0);
	cr_assert_eq(pthread_create(&th[2], NULL, driver, NULL), 0);
	for (int i = 2; i >= 0; i--)
		pthread_join(th[i], &ret[i]);
	cr_expect_null(ret[2], "driver");
	cr_expect_null(ret[1], "event loop");
	cr_expect_gt((unsigned long)ret[0], 0, "the vCPU saw interrupts");

	cr_expect_eq(tq_used_idx(&t), (uint16_t)REQUESTS);
	for (uint16_t i = 0; i < 16; i++) {
		uint32_t id, len;
		tq_used_elem(&t, i, &id, &len);
		cr_expect_eq(len, BUF_LEN);
		cr_expect_lt(id, 16);
	}
	cr_expect_eq(vdev_virtio_mmio_status(m), 0xf, "no error on the way");
	cr_expect_gt(atomic_load(&irq_edges), 0);
	/* After the last acknowledgement the line follows InterruptStatus. */
	uint32_t st = t_rd(m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS);
	cr_expect_eq(atomic_load(&irq_level), st != 0);

	vdev_virtio_mmio_destroy(m);
	vdev_virtio_rng_destroy(rng);
	close(efd);
	vmem_map_destroy(mem);
}
