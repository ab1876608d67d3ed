/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: the virtio-mmio register interface, with a virtio-blk or virtio-rng
 * device behind it, so that a register sequence that brings the device up also drives
 * its queue. Checks the status invariants the transport promises after every access.
 *
 * Input: [device byte] [u16 guest memory length] [guest memory] then accesses of 7 bytes:
 *        [op] [u16 offset] [u32 value]; op bits 0-1: size 1/2/4/8, bit 2: write,
 *        bit 3: call vdev_virtio_mmio_process_queue(value) instead.
 */
#define _GNU_SOURCE
#include "../virtio_test_util.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define FUZZ_MEM 0x10000ull

static struct vmem_map *mem;
static struct vdev_virtio_blk *blk;
static struct vdev_virtio_rng *rng;
static struct t_irq irq;

static void setup(void)
{
	int fd = memfd_create("cvmm-fuzz-mmio", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 0x10000) < 0)
		abort();
	struct vdev_virtio_blk_config cfg = {.fd = fd, .queue_size = 16};
	if (vdev_virtio_blk_create(&cfg, &blk) < 0 || vdev_virtio_rng_create(16, &rng) < 0)
		abort();
	close(fd);
	if (vmem_map_create(&mem) < 0 || vmem_map_add_anon(mem, T_MEM_BASE, FUZZ_MEM, 0) < 0)
		abort();
}

static void check(struct vdev_virtio_mmio *m)
{
	uint32_t s = vdev_virtio_mmio_status(m);
	if ((s & VDEV_VIRTIO_STATUS_DRIVER_OK) && !(s & VDEV_VIRTIO_STATUS_FEATURES_OK))
		abort();
	if ((s & VDEV_VIRTIO_STATUS_FEATURES_OK) &&
	    !(vdev_virtio_mmio_driver_features(m) & (1ull << VDEV_VIRTIO_F_VERSION_1)))
		abort();
	uint8_t d[4];
	vdev_virtio_mmio_read(m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS, d, 4);
	if ((vdev_le_get(d, 4) != 0) != (irq.level != 0))
		abort(); /* the line follows InterruptStatus */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vdev_virtio_mmio *m;

	if (!mem)
		setup();
	if (size < 3)
		return 0;
	const struct vdev_virtio_device *dev =
	    data[0] & 1 ? vdev_virtio_rng_device(rng) : vdev_virtio_blk_device(blk);
	size_t mlen = (size_t)data[1] | (size_t)data[2] << 8;
	data += 3;
	size -= 3;
	if (mlen > size)
		mlen = size;
	vmem_fill(mem, T_MEM_BASE, 0, FUZZ_MEM);
	vmem_write(mem, T_MEM_BASE, data, mlen);
	data += mlen;
	size -= mlen;

	memset(&irq, 0, sizeof(irq));
	struct vdev_virtio_mmio_config cfg = {.mem = mem, .irq = t_irq_wire(&irq), .device = *dev};
	if (vdev_virtio_mmio_create(&cfg, &m) < 0)
		abort();
	for (; size >= 7; data += 7, size -= 7) {
		uint8_t op = data[0];
		uint64_t off = (uint64_t)data[1] | (uint64_t)data[2] << 8;
		uint8_t val[8];
		memcpy(val, data + 3, 4);
		memcpy(val + 4, data + 3, 4);
		uint32_t sz = 1u << (op & 3);
		/* The bus never hands a device an access past its window. */
		off %= VDEV_VIRTIO_MMIO_SIZE - sz + 1;
		if (op & 8)
			vdev_virtio_mmio_process_queue(m, (uint16_t)vdev_le_get(val, 2));
		else if (op & 4)
			vdev_virtio_mmio_write(m, off, val, sz);
		else
			vdev_virtio_mmio_read(m, off, val, sz);
		check(m);
	}
	vdev_virtio_mmio_destroy(m);
	return 0;
}
