/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: split virtqueue parsing. The input is guest memory holding the
 * descriptor table, available ring and buffers; the harness pops and completes chains
 * until the queue is empty or refuses a chain, and checks that every buffer it was given
 * lies inside guest RAM. The rings sit close together (descriptors at +0, available ring
 * at +0x100, used ring at +0x200), so large queues overlap them, as a hostile driver may.
 *
 * Input: [size exponent] [feature byte: bit 0 INDIRECT_DESC, bit 1 EVENT_IDX]
 *        [guest memory from T_MEM_BASE...]
 */
#include "../virtio_test_util.h"

#include <stdlib.h>

#define FUZZ_MEM 0x10000ull

static struct vmem_map *mem;
static struct vdev_virtq *q;

static void setup(void)
{
	if (vmem_map_create(&mem) < 0 || vmem_map_add_anon(mem, T_MEM_BASE, FUZZ_MEM, 0) < 0 ||
	    vmem_map_add_anon(mem, T_MEM_BASE + FUZZ_MEM, 0x1000, VMEM_REGION_READONLY) < 0 ||
	    vdev_virtq_create(mem, 256, &q) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[0x4000];
	struct vdev_virtq_chain c;
	struct vmem_range ranges[16];

	if (!mem)
		setup();
	if (size < 2)
		return 0;
	uint16_t qsize = (uint16_t)(1u << (data[0] % 9));
	uint64_t features = (data[1] & 1) ? 1ull << VDEV_VIRTIO_F_INDIRECT_DESC : 0;
	if (data[1] & 2)
		features |= 1ull << VDEV_VIRTIO_F_EVENT_IDX;
	data += 2;
	size -= 2;
	if (size > FUZZ_MEM)
		size = FUZZ_MEM;
	vmem_fill(mem, T_MEM_BASE, 0, FUZZ_MEM);
	vmem_write(mem, T_MEM_BASE, data, size);

	struct vdev_virtq_layout l = {.size = qsize,
	                              .desc = T_MEM_BASE,
	                              .avail = T_MEM_BASE + 0x100,
	                              .used = T_MEM_BASE + 0x200};
	if (vdev_virtq_enable(q, &l, features) < 0)
		abort();
	for (unsigned n = 0; n < 2u * qsize; n++) {
		int ret = vdev_virtq_pop(q, &c);
		if (ret <= 0)
			break;
		if (c.head >= qsize || c.nreadable > c.nsegs || c.nsegs > 256 + 0u)
			abort();
		uint64_t rl = 0, wl = 0;
		for (uint32_t i = 0; i < c.nsegs; i++) {
			const struct vdev_virtq_seg *s = &c.segs[i];
			if (vmem_check_range(mem, s->gpa, s->len, s->write) < 0)
				abort();
			if (s->write != (i >= c.nreadable))
				abort();
			if (s->write)
				wl += s->len;
			else
				rl += s->len;
		}
		if (rl != c.read_len || wl != c.write_len)
			abort();
		ssize_t r = vdev_virtq_chain_read(q, &c, 0, buf, sizeof(buf));
		if (r < 0 || (uint64_t)r > c.read_len)
			abort();
		size_t wlen = c.write_len < sizeof(buf) ? (size_t)c.write_len : sizeof(buf);
		ssize_t w = vdev_virtq_chain_write(q, &c, 0, buf, wlen);
		if (w != (ssize_t)wlen)
			abort();
		vdev_virtq_chain_ranges(&c, n & 1, n, c.read_len, ranges, 16);
		if (vdev_virtq_push(q, c.head, (uint32_t)w) < 0)
			abort();
	}
	vdev_virtq_should_notify(q);
	vdev_virtq_disable(q);
	return 0;
}
