/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-mmio transport: every register, the status state machine, queue set-up,
   notification, interrupts and reset, driven through the register interface. */
#include "virtio_test_util.h"

#include <criterion/criterion.h>
#include <errno.h>

#define V1 (1ull << VDEV_VIRTIO_F_VERSION_1)
#define INDIRECT (1ull << VDEV_VIRTIO_F_INDIRECT_DESC)
#define DEV_FEATURE_A (1ull << 3)
#define DEV_FEATURE_B (1ull << 40)

/* A device model that records what the transport asks of it. Its queue 0 consumes each
   chain and writes "ok" into it; queue 1 refuses every chain as malformed. */
struct fake {
	int activations;
	uint64_t activated_features;
	int resets;
	int processed;
	uint8_t config[16];
	uint32_t last_config_write_off;
	uint32_t last_config_write;
	bool fail_activate;
	/* What the transport's needs_reset hook reported. */
	int needs_reset_calls;
	int needs_reset_queue;
	const char *needs_reset_reason;
};

static int fake_config_read(void *ctx, uint32_t off, uint8_t *data, uint32_t size)
{
	struct fake *f = ctx;
	memcpy(data, f->config + off, size);
	return 0;
}

static int fake_config_write(void *ctx, uint32_t off, const uint8_t *data, uint32_t size)
{
	struct fake *f = ctx;
	f->last_config_write_off = off;
	f->last_config_write = (uint32_t)vdev_le_get(data, size);
	return 0;
}

static int fake_activate(void *ctx, uint64_t features)
{
	struct fake *f = ctx;
	f->activations++;
	f->activated_features = features;
	return f->fail_activate ? -EIO : 0;
}

static void fake_needs_reset(void *ctx, int queue, const char *reason)
{
	struct fake *f = ctx;
	f->needs_reset_calls++;
	f->needs_reset_queue = queue;
	f->needs_reset_reason = reason;
}

static void fake_reset(void *ctx)
{
	((struct fake *)ctx)->resets++;
}

static int fake_process(void *ctx, uint16_t index, struct vdev_virtq *q)
{
	struct fake *f = ctx;
	struct vdev_virtq_chain c;
	int ret;

	while ((ret = vdev_virtq_pop(q, &c)) == 1) {
		if (index == 1)
			return -EBADMSG;
		ssize_t n = vdev_virtq_chain_write(q, &c, 0, "ok", 2);
		cr_assert_geq(n, 0);
		cr_assert_eq(vdev_virtq_push(q, c.head, (uint32_t)n), 0);
		f->processed++;
	}
	return ret;
}

static struct vmem_map *mem;
static struct vdev_virtio_mmio *m;
static struct fake fk;
static struct t_irq irq;
static struct tq t;

static void setup(void)
{
	memset(&fk, 0, sizeof(fk));
	memset(&irq, 0, sizeof(irq));
	for (int i = 0; i < 16; i++)
		fk.config[i] = (uint8_t)(0xa0 + i);
	mem = t_mem_create();
	cr_assert_not_null(mem);
	struct vdev_virtio_mmio_config cfg = {
	    .mem = mem,
	    .irq = t_irq_wire(&irq),
	    .device = {.device_id = 42,
	               .features = DEV_FEATURE_A | DEV_FEATURE_B,
	               .num_queues = 2,
	               .queue_max_size = 64,
	               .config_size = 16,
	               .ctx = &fk,
	               .config_read = fake_config_read,
	               .config_write = fake_config_write,
	               .activate = fake_activate,
	               .reset = fake_reset,
	               .process = fake_process},
	    .needs_reset = fake_needs_reset,
	    .needs_reset_ctx = &fk,
	};
	cr_assert_eq(vdev_virtio_mmio_create(&cfg, &m), 0);
	tq_init(&t, mem, 16);
}

static void teardown(void)
{
	vdev_virtio_mmio_destroy(m);
	vmem_map_destroy(mem);
}

TestSuite(virtio_mmio, .init = setup, .fini = teardown);

/* Negotiates, sets up queue index on t's rings, DRIVER_OK. */
static void bring_up(uint64_t features, uint32_t index)
{
	cr_assert(t_negotiate(m, features) & VDEV_VIRTIO_STATUS_FEATURES_OK);
	t_setup_queue(m, index, &t);
	t_driver_ok(m);
	cr_assert_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 0x0f);
}

Test(virtio_mmio, create_arguments)
{
	struct vdev_virtio_mmio *x;
	struct vdev_virtio_mmio_config cfg = {
	    .mem = mem, .device = {.num_queues = 1, .queue_max_size = 16, .process = fake_process}};
	cr_expect_eq(vdev_virtio_mmio_create(&cfg, &x), 0);
	vdev_virtio_mmio_destroy(x);
	cfg.device.queue_max_size = 24;
	cr_expect_eq(vdev_virtio_mmio_create(&cfg, &x), -EINVAL, "NumMax not a power of 2");
	cfg.device.queue_max_size = 16;
	cfg.device.num_queues = 0;
	cr_expect_eq(vdev_virtio_mmio_create(&cfg, &x), -EINVAL);
	cfg.device.num_queues = 1;
	cfg.device.config_size = 8;
	cr_expect_eq(vdev_virtio_mmio_create(&cfg, &x), -EINVAL, "config without config_read");
	cfg.device.config_size = 0;
	cfg.device.process = NULL;
	cr_expect_eq(vdev_virtio_mmio_create(&cfg, &x), -EINVAL);
	cfg.mem = NULL;
	cr_expect_eq(vdev_virtio_mmio_create(&cfg, &x), -EINVAL);
	vdev_virtio_mmio_destroy(NULL);
}

Test(virtio_mmio, identification_registers)
{
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_VERSION), 2);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_DEVICE_ID), 42);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_VENDOR_ID), VDEV_VIRTIO_MMIO_VENDOR);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_CONFIG_GENERATION), 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_SHM_LEN_LOW), UINT32_MAX, "no shared memory");
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_SHM_LEN_HIGH), UINT32_MAX);
	cr_expect_eq(t_rd(m, 0x0e0), 0, "reserved register");
	cr_expect_eq(vdev_virtio_mmio_ops(), vdev_virtio_mmio_ops());
	cr_expect_not_null(vdev_virtio_mmio_ops()->read);
}

Test(virtio_mmio, device_features)
{
	uint64_t f = t_device_features(m);
	cr_expect_eq(f, DEV_FEATURE_A | DEV_FEATURE_B | V1 | INDIRECT |
	                    (1ull << VDEV_VIRTIO_F_EVENT_IDX));
	t_wr(m, VDEV_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_DEVICE_FEATURES), 0);
}

Test(virtio_mmio, only_aligned_32bit_register_access)
{
	uint8_t d[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	cr_expect_eq(vdev_virtio_mmio_read(m, 0, d, 2), 0);
	cr_expect_eq(vdev_le_get(d, 2), 0, "16-bit read of MagicValue reads 0");
	cr_expect_eq(vdev_virtio_mmio_read(m, 0, d, 8), 0);
	cr_expect_eq(vdev_le_get(d, 8), 0);
	cr_expect_eq(vdev_virtio_mmio_read(m, 2, d, 4), 0);
	cr_expect_eq(vdev_le_get(d, 4), 0, "misaligned");
	vdev_le_put(d, 1, VDEV_VIRTIO_STATUS_ACKNOWLEDGE);
	vdev_virtio_mmio_write(m, VDEV_VIRTIO_MMIO_STATUS, d, 1);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 0, "8-bit status write ignored");
	cr_expect_eq(vdev_virtio_mmio_read(m, 0, d, 3), -EINVAL);
	cr_expect_eq(vdev_virtio_mmio_write(m, 0, d, 0), -EINVAL);
	cr_expect_eq(vdev_virtio_mmio_read(NULL, 0, d, 4), -EINVAL);
}

Test(virtio_mmio, status_sequence)
{
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, VDEV_VIRTIO_STATUS_DRIVER);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 0, "DRIVER before ACKNOWLEDGE");
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, VDEV_VIRTIO_STATUS_ACKNOWLEDGE);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 1);
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 1 | VDEV_VIRTIO_STATUS_FEATURES_OK);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 1, "FEATURES_OK before DRIVER");
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 1 | VDEV_VIRTIO_STATUS_DRIVER_OK);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 1, "DRIVER_OK before FEATURES_OK");
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 3);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 3);
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 2);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 3, "the driver cannot clear a bit");
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 3 | VDEV_VIRTIO_STATUS_NEEDS_RESET);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 3, "NEEDS_RESET is the device's bit");
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 3 | VDEV_VIRTIO_STATUS_FAILED);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 0x83);
	cr_expect_eq(fk.activations, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 0);
	cr_expect_eq(fk.resets, 1);
}

Test(virtio_mmio, feature_negotiation)
{
	/* Features written before DRIVER are ignored. */
	t_wr(m, VDEV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	t_wr(m, VDEV_VIRTIO_MMIO_DRIVER_FEATURES, 1);
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 1);
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 3);
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 0xb);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 3, "no VERSION_1: legacy refused");
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 0);

	cr_expect_eq(t_negotiate(m, V1 | (1ull << 7)), 3, "a feature never offered");
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 0);
	cr_expect_eq(t_negotiate(m, V1 | (1ull << VDEV_VIRTIO_F_EVENT_IDX)), 0xb,
	             "EVENT_IDX is offered (the queues implement it)");
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 0);

	cr_expect_eq(t_negotiate(m, V1 | DEV_FEATURE_B), 0xb);
	cr_expect_eq(vdev_virtio_mmio_driver_features(m), V1 | DEV_FEATURE_B);
	/* After FEATURES_OK the features are frozen. */
	t_wr(m, VDEV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)DEV_FEATURE_A);
	cr_expect_eq(vdev_virtio_mmio_driver_features(m), V1 | DEV_FEATURE_B);
	t_driver_ok(m);
	cr_expect_eq(fk.activations, 1);
	cr_expect_eq(fk.activated_features, V1 | DEV_FEATURE_B);
	cr_expect_eq(vdev_virtio_mmio_status(m), 0xf);
}

Test(virtio_mmio, queue_registers)
{
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_NUM_MAX), 64);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_SEL, 2);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_NUM_MAX), 0, "queue 2 does not exist");
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_READY, 1);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_READY), 0);

	/* Before FEATURES_OK, queue set-up is ignored. */
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_SEL, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NUM, 16);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_NUM), 0);

	t_negotiate(m, V1);
	t_setup_queue(m, 1, &t);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_READY), 1);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_NUM), 16);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_DESC_LOW), (uint32_t)T_DESC);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_DRIVER_LOW), (uint32_t)T_AVAIL);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_DEVICE_LOW), (uint32_t)T_USED);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_DEVICE_HIGH), 0);
	/* A ready queue cannot be moved. */
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NUM, 32);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_DESC_HIGH, 1);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_NUM), 16);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_DESC_HIGH), 0);
	/* Until it is stopped. */
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_READY, 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_READY), 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NUM, 32);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_NUM), 32);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_SEL, 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_READY), 0, "queue 0 untouched");
	cr_expect_eq(vdev_virtio_mmio_status(m) & VDEV_VIRTIO_STATUS_NEEDS_RESET, 0);
}

static void expect_queue_refused(void)
{
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_READY), 0);
	cr_expect(t_rd(m, VDEV_VIRTIO_MMIO_STATUS) & VDEV_VIRTIO_STATUS_NEEDS_RESET);
	cr_expect_eq(irq.asserts, 0, "no interrupt before DRIVER_OK");
	cr_expect_eq(fk.needs_reset_calls, 1);
	cr_expect_eq(fk.needs_reset_queue, 0);
	cr_expect_str_eq(fk.needs_reset_reason, "queue refused at QueueReady");
}

Test(virtio_mmio, queue_too_big_is_refused)
{
	t_negotiate(m, V1);
	t.size = 128;
	t_setup_queue(m, 0, &t);
	expect_queue_refused();
}

Test(virtio_mmio, queue_not_power_of_two_is_refused)
{
	t_negotiate(m, V1);
	t.size = 10;
	t_setup_queue(m, 0, &t);
	expect_queue_refused();
}

Test(virtio_mmio, queue_outside_ram_is_refused)
{
	t_negotiate(m, V1);
	t.used = 0xfffffffffffff000ull;
	t_setup_queue(m, 0, &t);
	expect_queue_refused();
}

Test(virtio_mmio, queue_misaligned_is_refused)
{
	t_negotiate(m, V1);
	t.desc += 4;
	t_setup_queue(m, 0, &t);
	expect_queue_refused();
}

Test(virtio_mmio, notify_process_interrupt_ack)
{
	bring_up(V1, 0);
	tq_desc(&t, 0, T_BUF, 8, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect_eq(fk.processed, 1);
	cr_expect_eq(tq_used_idx(&t), 1);
	char got[2];
	vmem_read(mem, T_BUF, got, 2);
	cr_expect_arr_eq(got, "ok", 2);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS), VDEV_VIRTIO_INT_VRING);
	cr_expect_eq(irq.level, 1);
	t_wr(m, VDEV_VIRTIO_MMIO_INTERRUPT_ACK, VDEV_VIRTIO_INT_VRING);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	cr_expect_eq(irq.level, 0);
	cr_expect_eq(irq.deasserts, 1);

	/* Notify of a queue that does not exist, or that is not ready: nothing happens. */
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 7);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	cr_expect_eq(vdev_virtio_mmio_process_queue(m, 7), -EINVAL);
	cr_expect_eq(vdev_virtio_mmio_process_queue(m, 1), 0);
	cr_expect_eq(irq.asserts, 1);

	/* The ioeventfd path: the embedder calls process_queue. */
	tq_publish(&t, 0);
	cr_expect_eq(vdev_virtio_mmio_process_queue(m, 0), 0);
	cr_expect_eq(fk.processed, 2);
	cr_expect_eq(irq.level, 1);
	cr_expect_eq(vdev_virtio_mmio_irq_replay(m), 0);
	cr_expect_eq(irq.deasserts, 2);
	cr_expect_eq(irq.level, 1);
}

Test(virtio_mmio, no_processing_before_driver_ok)
{
	cr_assert(t_negotiate(m, V1) & VDEV_VIRTIO_STATUS_FEATURES_OK);
	t_setup_queue(m, 0, &t);
	tq_desc(&t, 0, T_BUF, 8, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect_eq(fk.processed, 0);
	t_driver_ok(m);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect_eq(fk.processed, 1);
}

Test(virtio_mmio, suppressed_notification)
{
	bring_up(V1, 0);
	tq_set_avail_flags(&t, VDEV_VIRTQ_AVAIL_F_NO_INTERRUPT);
	tq_desc(&t, 0, T_BUF, 8, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect_eq(fk.processed, 1);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	cr_expect_eq(irq.asserts, 0);
}

Test(virtio_mmio, malformed_chain_needs_reset)
{
	bring_up(V1, 0);
	tq_desc(&t, 0, T_BUF, 8, VDEV_VIRTQ_DESC_F_NEXT, 0); /* a loop */
	tq_publish(&t, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 0x4f);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS), VDEV_VIRTIO_INT_CONFIG);
	cr_expect_eq(irq.level, 1);
	cr_expect_eq(tq_used_idx(&t), 0);

	/* Nothing is processed until a reset, even a valid chain. */
	tq_desc(&t, 1, T_BUF, 8, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 1);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect_eq(fk.processed, 0);

	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	cr_expect_eq(irq.level, 0);
	cr_expect_eq(fk.resets, 1);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_SEL, 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_READY), 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_NUM), 0);
	cr_expect_eq(vdev_virtio_mmio_driver_features(m), 0);

	/* And the device works again after a fresh initialisation. */
	tq_init(&t, mem, 16);
	bring_up(V1, 0);
	tq_desc(&t, 0, T_BUF, 8, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect_eq(fk.processed, 1);
	cr_expect_eq(tq_used_idx(&t), 1);
}

Test(virtio_mmio, device_error_needs_reset)
{
	bring_up(V1, 1);
	tq_desc(&t, 0, T_BUF, 8, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 0);
	cr_expect_eq(vdev_virtio_mmio_process_queue(m, 1), -EBADMSG);
	cr_expect(vdev_virtio_mmio_status(m) & VDEV_VIRTIO_STATUS_NEEDS_RESET);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS), VDEV_VIRTIO_INT_CONFIG);
}

Test(virtio_mmio, indirect_needs_negotiation)
{
	t_desc_at(mem, T_INDIRECT, 0, T_BUF, 8, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_desc(&t, 0, T_INDIRECT, 16, VDEV_VIRTQ_DESC_F_INDIRECT, 0);
	tq_publish(&t, 0);
	bring_up(V1 | INDIRECT, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect_eq(fk.processed, 1);

	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 0);
	tq_init(&t, mem, 16);
	t_desc_at(mem, T_INDIRECT, 0, T_BUF, 8, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_desc(&t, 0, T_INDIRECT, 16, VDEV_VIRTQ_DESC_F_INDIRECT, 0);
	tq_publish(&t, 0);
	bring_up(V1, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect_eq(fk.processed, 1);
	cr_expect(vdev_virtio_mmio_status(m) & VDEV_VIRTIO_STATUS_NEEDS_RESET);
}

Test(virtio_mmio, config_space)
{
	uint8_t d[8];
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_CONFIG), 0xa3a2a1a0);
	vdev_virtio_mmio_read(m, VDEV_VIRTIO_MMIO_CONFIG + 5, d, 1);
	cr_expect_eq(d[0], 0xa5);
	vdev_virtio_mmio_read(m, VDEV_VIRTIO_MMIO_CONFIG + 8, d, 8);
	cr_expect_eq(vdev_le_get(d, 8), 0xafaeadacabaaa9a8ull);
	vdev_virtio_mmio_read(m, VDEV_VIRTIO_MMIO_CONFIG + 14, d, 4);
	cr_expect_eq(vdev_le_get(d, 4), 0, "crosses the end of config space");
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_CONFIG + 16), 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_SIZE - 4), 0);
	t_wr(m, VDEV_VIRTIO_MMIO_CONFIG + 4, 0x1234);
	cr_expect_eq(fk.last_config_write_off, 4);
	cr_expect_eq(fk.last_config_write, 0x1234);
	fk.last_config_write_off = 99;
	t_wr(m, VDEV_VIRTIO_MMIO_CONFIG + 16, 1);
	cr_expect_eq(fk.last_config_write_off, 99, "write outside config space ignored");
}

Test(virtio_mmio, config_generation_and_change_interrupt)
{
	cr_expect_eq(vdev_virtio_mmio_config_changed(m), 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_CONFIG_GENERATION), 1);
	cr_expect_eq(irq.asserts, 0, "no interrupt before DRIVER_OK");
	bring_up(V1, 0);
	cr_expect_eq(vdev_virtio_mmio_config_changed(m), 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_CONFIG_GENERATION), 2);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS), VDEV_VIRTIO_INT_CONFIG);
	cr_expect_eq(irq.level, 1);
	t_wr(m, VDEV_VIRTIO_MMIO_INTERRUPT_ACK, VDEV_VIRTIO_INT_VRING);
	cr_expect_eq(irq.level, 1, "acknowledging another bit leaves the line high");
	t_wr(m, VDEV_VIRTIO_MMIO_INTERRUPT_ACK, VDEV_VIRTIO_INT_CONFIG);
	cr_expect_eq(irq.level, 0);
	cr_expect_eq(vdev_virtio_mmio_config_changed(NULL), -EINVAL);
}

Test(virtio_mmio, through_a_bus)
{
	struct vdev_bus *bus;
	uint8_t d[4];
	cr_assert_eq(vdev_bus_create(&bus), 0);
	cr_assert_eq(
	    vdev_bus_insert(bus, 0xa000000, VDEV_VIRTIO_MMIO_SIZE, vdev_virtio_mmio_ops(), m), 0);
	cr_expect_eq(vdev_bus_read(bus, 0xa000000, d, 4), 0);
	cr_expect_eq(vdev_le_get(d, 4), VDEV_VIRTIO_MMIO_MAGIC);
	vdev_le_put(d, 4, 1);
	cr_expect_eq(vdev_bus_write(bus, 0xa000000 + VDEV_VIRTIO_MMIO_STATUS, d, 4), 0);
	cr_expect_eq(vdev_virtio_mmio_status(m), 1);
	vdev_bus_destroy(bus);
}

/* The needs_reset hook: once per DEVICE_NEEDS_RESET, with the queue and a reason. */
Test(virtio_mmio, needs_reset_hook_once_per_refusal)
{
	bring_up(V1, 0);
	cr_expect_eq(fk.needs_reset_calls, 0, "a healthy bring-up reports nothing");
	tq_desc(&t, 0, T_BUF, 8, VDEV_VIRTQ_DESC_F_NEXT, 0); /* a loop */
	tq_publish(&t, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect_eq(fk.needs_reset_calls, 1);
	cr_expect_eq(fk.needs_reset_queue, 0);
	cr_expect_str_eq(fk.needs_reset_reason, "descriptor loop");
	/* More notifications of the refused queue: NEEDS_RESET is already set, no call. */
	for (int i = 0; i < 5; i++) {
		t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		vdev_virtio_mmio_process_queue(m, 0);
	}
	cr_expect_eq(fk.needs_reset_calls, 1);
	/* A reset clears it; the next refusal is reported again, with its own reason. */
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 0);
	tq_init(&t, mem, 16);
	bring_up(V1, 0);
	tq_desc(&t, 0, 0xfffffffffffff000ull, 4096, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect_eq(fk.needs_reset_calls, 2);
	cr_expect_str_eq(fk.needs_reset_reason, "buffer outside guest RAM");
}

Test(virtio_mmio, needs_reset_hook_reasons)
{
	/* The avail index more than a queue ahead. */
	bring_up(V1, 0);
	tq_set_avail_idx(&t, 17);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect_eq(fk.needs_reset_calls, 1);
	cr_expect_str_eq(fk.needs_reset_reason, "available index too far ahead");

	/* An indirect descriptor the driver did not negotiate. */
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 0);
	tq_init(&t, mem, 16);
	t_desc_at(mem, T_INDIRECT, 0, T_BUF, 8, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_desc(&t, 0, T_INDIRECT, 16, VDEV_VIRTQ_DESC_F_INDIRECT, 0);
	tq_publish(&t, 0);
	bring_up(V1, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect_eq(fk.needs_reset_calls, 2);
	cr_expect_str_eq(fk.needs_reset_reason, "indirect descriptor not negotiated");

	/* A well-formed chain the device model refuses (queue 1 of the fake). */
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 0);
	tq_init(&t, mem, 16);
	bring_up(V1, 1);
	tq_desc(&t, 0, T_BUF, 8, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 0);
	cr_expect_eq(vdev_virtio_mmio_process_queue(m, 1), -EBADMSG);
	cr_expect_eq(fk.needs_reset_calls, 3);
	cr_expect_eq(fk.needs_reset_queue, 1);
	cr_expect_str_eq(fk.needs_reset_reason, "malformed request");

	/* Activation refused by the device: no queue concerned. */
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 0);
	fk.fail_activate = true;
	cr_assert(t_negotiate(m, V1) & VDEV_VIRTIO_STATUS_FEATURES_OK);
	t_driver_ok(m);
	cr_expect(vdev_virtio_mmio_status(m) & VDEV_VIRTIO_STATUS_NEEDS_RESET);
	cr_expect_eq(fk.needs_reset_calls, 4);
	cr_expect_eq(fk.needs_reset_queue, -1);
	cr_expect_str_eq(fk.needs_reset_reason, "activation failed");
}

/* Without a hook the transport behaves the same (NULL is allowed). */
Test(virtio_mmio, needs_reset_without_hook)
{
	struct vdev_virtio_mmio *x;
	struct vdev_virtio_mmio_config cfg = {
	    .mem = mem, .device = {.num_queues = 1, .queue_max_size = 16, .process = fake_process}};
	cr_assert_eq(vdev_virtio_mmio_create(&cfg, &x), 0);
	cr_assert(t_negotiate(x, V1) & VDEV_VIRTIO_STATUS_FEATURES_OK);
	t.size = 10;
	t_setup_queue(x, 0, &t);
	cr_expect(vdev_virtio_mmio_status(x) & VDEV_VIRTIO_STATUS_NEEDS_RESET);
	cr_expect_eq(fk.needs_reset_calls, 0);
	vdev_virtio_mmio_destroy(x);
}
