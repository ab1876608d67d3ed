/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-rng through the virtio-mmio transport. */
#include "virtio_test_util.h"

#include <criterion/criterion.h>
#include <errno.h>

#define V1 (1ull << VDEV_VIRTIO_F_VERSION_1)

static struct vmem_map *mem;
static struct vdev_virtio_rng *rng;
static struct vdev_virtio_mmio *m;
static struct t_irq irq;
static struct tq t;

static void setup(void)
{
	memset(&irq, 0, sizeof(irq));
	mem = t_mem_create();
	cr_assert_not_null(mem);
	cr_assert_eq(vdev_virtio_rng_create(0, &rng), 0);
	struct vdev_virtio_mmio_config mc = {
	    .mem = mem, .irq = t_irq_wire(&irq), .device = *vdev_virtio_rng_device(rng)};
	cr_assert_eq(vdev_virtio_mmio_create(&mc, &m), 0);
	tq_init(&t, mem, 16);
	cr_assert(t_negotiate(m, V1) & VDEV_VIRTIO_STATUS_FEATURES_OK);
	t_setup_queue(m, 0, &t);
	t_driver_ok(m);
}

static void teardown(void)
{
	vdev_virtio_mmio_destroy(m);
	vdev_virtio_rng_destroy(rng);
	vmem_map_destroy(mem);
}

TestSuite(virtio_rng, .init = setup, .fini = teardown);

static uint32_t request(uint16_t head, uint64_t gpa, uint32_t len, uint16_t flags)
{
	uint16_t before = tq_used_idx(&t);
	uint32_t id, used;
	tq_desc(&t, head, gpa, len, flags, 0);
	tq_publish(&t, head);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_assert_eq(tq_used_idx(&t), (uint16_t)(before + 1));
	tq_used_elem(&t, before, &id, &used);
	cr_assert_eq(id, head);
	return used;
}

Test(virtio_rng, identity)
{
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_DEVICE_ID), VDEV_VIRTIO_ID_RNG);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_SEL, 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_NUM_MAX), 64);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_SEL, 1);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_CONFIG), 0, "no config space");
	struct vdev_virtio_rng *r;
	cr_expect_eq(vdev_virtio_rng_create(48, &r), -EINVAL);
	cr_expect_eq(vdev_virtio_rng_create(16, NULL), -EINVAL);
	vdev_virtio_rng_destroy(NULL);
}

Test(virtio_rng, fills_buffers)
{
	uint8_t a[256], b[256], zero[256] = {0};
	vmem_fill(mem, T_BUF, 0, 4096);
	cr_expect_eq(request(0, T_BUF, 256, VDEV_VIRTQ_DESC_F_WRITE), 256);
	cr_expect_eq(request(1, T_BUF + 256, 256, VDEV_VIRTQ_DESC_F_WRITE), 256);
	vmem_read(mem, T_BUF, a, 256);
	vmem_read(mem, T_BUF + 256, b, 256);
	cr_expect_arr_neq(a, zero, 256);
	cr_expect_arr_neq(a, b, 256, "two requests give different bytes");
	uint8_t after;
	vmem_read_u8(mem, T_BUF + 512, &after);
	cr_expect_eq(after, 0, "nothing written past the buffer");
	cr_expect_eq(irq.level, 1);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS), VDEV_VIRTIO_INT_VRING);
}

Test(virtio_rng, large_request_is_capped)
{
	cr_expect_eq(request(0, T_BUF, 0x80000, VDEV_VIRTQ_DESC_F_WRITE),
	             VDEV_VIRTIO_RNG_MAX_REQUEST);
}

Test(virtio_rng, readable_only_chain_gets_nothing)
{
	uint8_t before[64], after[64];
	vmem_read(mem, T_BUF, before, 64);
	cr_expect_eq(request(0, T_BUF, 64, 0), 0);
	vmem_read(mem, T_BUF, after, 64);
	cr_expect_arr_eq(before, after, 64);
}

Test(virtio_rng, malformed_chain_needs_reset)
{
	tq_desc(&t, 0, T_MEM_BASE + T_MEM_SIZE - 8, 64, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect(t_rd(m, VDEV_VIRTIO_MMIO_STATUS) & VDEV_VIRTIO_STATUS_NEEDS_RESET);
	cr_expect_eq(tq_used_idx(&t), 0);
}
