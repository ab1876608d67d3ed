/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helpers: a guest memory map, a split virtqueue written by hand the way a driver
 * would, and a minimal virtio-mmio driver. Shared by the unit tests and the fuzzers, so
 * they report failures through return values, not through a test framework.
 */
#ifndef CVMM_TESTS_VIRTIO_TEST_UTIL_H
#define CVMM_TESTS_VIRTIO_TEST_UTIL_H

#include <cvmm/virtio.h>

#include <stdint.h>
#include <string.h>

/* Guest RAM of the tests: one region, queue structures at its start, buffers after. */
#define T_MEM_BASE 0x100000ull
#define T_MEM_SIZE 0x100000ull
#define T_DESC (T_MEM_BASE + 0x0000)
#define T_AVAIL (T_MEM_BASE + 0x2000)
#define T_USED (T_MEM_BASE + 0x3000)
#define T_INDIRECT (T_MEM_BASE + 0x8000)
#define T_BUF (T_MEM_BASE + 0x10000)

static inline struct vmem_map *t_mem_create(void)
{
	struct vmem_map *m = NULL;

	if (vmem_map_create(&m) < 0)
		return NULL;
	if (vmem_map_add_anon(m, T_MEM_BASE, T_MEM_SIZE, 0) < 0) {
		vmem_map_destroy(m);
		return NULL;
	}
	return m;
}

/* The driver's view of one split queue. */
struct tq {
	struct vmem_map *mem;
	uint16_t size;
	uint64_t desc, avail, used;
	uint16_t avail_idx;
};

static inline void tq_init(struct tq *t, struct vmem_map *mem, uint16_t size)
{
	t->mem = mem;
	t->size = size;
	t->desc = T_DESC;
	t->avail = T_AVAIL;
	t->used = T_USED;
	t->avail_idx = 0;
	vmem_fill(mem, T_DESC, 0, 0x8000);
}

static inline struct vdev_virtq_layout tq_layout(const struct tq *t)
{
	return (struct vdev_virtq_layout){
	    .size = t->size, .desc = t->desc, .avail = t->avail, .used = t->used};
}

/* Writes descriptor i of the table at gpa table. */
static inline void t_desc_at(struct vmem_map *mem, uint64_t table, uint32_t i, uint64_t addr,
                             uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t raw[16];

	vmem_st_le64(raw, addr);
	vmem_st_le32(raw + 8, len);
	vmem_st_le16(raw + 12, flags);
	vmem_st_le16(raw + 14, next);
	vmem_write(mem, table + 16ull * i, raw, sizeof(raw));
}

static inline void tq_desc(struct tq *t, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
                           uint16_t next)
{
	t_desc_at(t->mem, t->desc, i, addr, len, flags, next);
}

/* Makes head available: writes the ring entry, then publishes the index. */
static inline void tq_publish(struct tq *t, uint16_t head)
{
	vmem_write_u16_le(t->mem, t->avail + 4 + 2ull * (t->avail_idx % t->size), head);
	t->avail_idx++;
	vmem_atomic_store_u16(t->mem, t->avail + 2, t->avail_idx, VMEM_RELEASE);
}

/* Publishes a raw avail index (for malformed rings). */
static inline void tq_set_avail_idx(struct tq *t, uint16_t idx)
{
	t->avail_idx = idx;
	vmem_atomic_store_u16(t->mem, t->avail + 2, idx, VMEM_RELEASE);
}

static inline void tq_set_avail_flags(struct tq *t, uint16_t flags)
{
	vmem_write_u16_le(t->mem, t->avail, flags);
}

static inline uint16_t tq_used_idx(const struct tq *t)
{
	uint16_t v = 0;
	vmem_atomic_load_u16(t->mem, t->used + 2, &v, VMEM_ACQUIRE);
	return v;
}

/* Element i (free-running index) of the used ring. */
static inline void tq_used_elem(const struct tq *t, uint16_t i, uint32_t *id, uint32_t *len)
{
	uint64_t e = t->used + 4 + 8ull * (i % t->size);
	vmem_read_u32_le(t->mem, e, id);
	vmem_read_u32_le(t->mem, e + 4, len);
}

/* ---- a minimal virtio-mmio driver ---- */

static inline uint32_t t_rd(struct vdev_virtio_mmio *m, uint32_t off)
{
	uint8_t d[4];
	vdev_virtio_mmio_read(m, off, d, 4);
	return (uint32_t)vdev_le_get(d, 4);
}

static inline void t_wr(struct vdev_virtio_mmio *m, uint32_t off, uint32_t v)
{
	uint8_t d[4];
	vdev_le_put(d, 4, v);
	vdev_virtio_mmio_write(m, off, d, 4);
}

/* ACKNOWLEDGE, DRIVER, features, FEATURES_OK; returns the status read back. */
static inline uint32_t t_negotiate(struct vdev_virtio_mmio *m, uint64_t features)
{
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, VDEV_VIRTIO_STATUS_ACKNOWLEDGE);
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS,
	     VDEV_VIRTIO_STATUS_ACKNOWLEDGE | VDEV_VIRTIO_STATUS_DRIVER);
	t_wr(m, VDEV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	t_wr(m, VDEV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	t_wr(m, VDEV_VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS,
	     VDEV_VIRTIO_STATUS_ACKNOWLEDGE | VDEV_VIRTIO_STATUS_DRIVER |
	         VDEV_VIRTIO_STATUS_FEATURES_OK);
	return t_rd(m, VDEV_VIRTIO_MMIO_STATUS);
}

static inline void t_setup_queue(struct vdev_virtio_mmio *m, uint32_t index, const struct tq *t)
{
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_SEL, index);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NUM, t->size);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)t->desc);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(t->desc >> 32));
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)t->avail);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(t->avail >> 32));
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)t->used);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(t->used >> 32));
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_READY, 1);
}

static inline void t_driver_ok(struct vdev_virtio_mmio *m)
{
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS,
	     VDEV_VIRTIO_STATUS_ACKNOWLEDGE | VDEV_VIRTIO_STATUS_DRIVER |
	         VDEV_VIRTIO_STATUS_FEATURES_OK | VDEV_VIRTIO_STATUS_DRIVER_OK);
}

/* Device features as offered through DeviceFeatures. */
static inline uint64_t t_device_features(struct vdev_virtio_mmio *m)
{
	uint64_t f;
	t_wr(m, VDEV_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f = t_rd(m, VDEV_VIRTIO_MMIO_DEVICE_FEATURES);
	t_wr(m, VDEV_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f |= (uint64_t)t_rd(m, VDEV_VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	return f;
}

/* An interrupt line that records what the device did with it. */
struct t_irq {
	int level;
	int asserts;
	int deasserts;
};

static inline int t_irq_assert(void *ctx, uint32_t line)
{
	struct t_irq *i = ctx;
	(void)line;
	i->level = 1;
	i->asserts++;
	return 0;
}

static inline int t_irq_deassert(void *ctx, uint32_t line)
{
	struct t_irq *i = ctx;
	(void)line;
	i->level = 0;
	i->deasserts++;
	return 0;
}

static inline struct vdev_irq t_irq_wire(struct t_irq *i)
{
	return (struct vdev_irq){
	    .assert_line = t_irq_assert, .deassert_line = t_irq_deassert, .ctx = i, .line = 5};
}

#endif
