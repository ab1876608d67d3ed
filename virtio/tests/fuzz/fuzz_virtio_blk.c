/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: virtio-blk request parsing. The input is guest memory holding a
 * 16-entry queue and its requests; the device (on a 64 KiB in-memory image) processes
 * everything available. Any outcome is fine except a crash, a sanitizer report, or an
 * access outside guest RAM or the image.
 *
 * Rings: descriptors at +0, available ring at +0x100, used ring at +0x200.
 * Input: [negotiated feature byte] [guest memory from T_MEM_BASE...]
 */
#define _GNU_SOURCE
#include "../virtio_test_util.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define FUZZ_MEM 0x10000ull
#define IMAGE_SIZE 0x10000

static struct vmem_map *mem;
static struct vdev_virtq *q;
static struct vdev_virtio_blk *blk;
static const struct vdev_virtio_device *dev;

static void setup(void)
{
	int fd = memfd_create("cvmm-fuzz-blk", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, IMAGE_SIZE) < 0)
		abort();
	struct vdev_virtio_blk_config cfg = {
	    .fd = fd, .queue_size = 16, .seg_max = 8, .size_max = 0x4000};
	if (vdev_virtio_blk_create(&cfg, &blk) < 0)
		abort();
	close(fd);
	dev = vdev_virtio_blk_device(blk);
	if (vmem_map_create(&mem) < 0 || vmem_map_add_anon(mem, T_MEM_BASE, FUZZ_MEM, 0) < 0 ||
	    vdev_virtq_create(mem, 16, &q) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!mem)
		setup();
	if (size < 1)
		return 0;
	uint64_t features = 1ull << VDEV_VIRTIO_F_VERSION_1;
	if (data[0] & 1)
		features |= 1ull << VDEV_VIRTIO_F_INDIRECT_DESC;
	if (data[0] & 2)
		features |= 1ull << VDEV_VIRTIO_BLK_F_FLUSH;
	if (data[0] & 4)
		features |= 1ull << VDEV_VIRTIO_BLK_F_WRITE_ZEROES;
	if (data[0] & 8)
		features |= 1ull << VDEV_VIRTIO_BLK_F_DISCARD;
	data++;
	size--;
	if (size > FUZZ_MEM)
		size = FUZZ_MEM;
	vmem_fill(mem, T_MEM_BASE, 0, FUZZ_MEM);
	vmem_write(mem, T_MEM_BASE, data, size);

	struct vdev_virtq_layout l = {.size = 16,
	                              .desc = T_MEM_BASE,
	                              .avail = T_MEM_BASE + 0x100,
	                              .used = T_MEM_BASE + 0x200};
	if (vdev_virtq_enable(q, &l, features) < 0)
		abort();
	dev->activate(dev->ctx, features);
	int ret = dev->process(dev->ctx, 0, q);
	if (ret > 16)
		abort(); /* at most one pass over a 16-entry ring */
	dev->reset(dev->ctx);
	vdev_virtq_disable(q);
	return 0;
}
