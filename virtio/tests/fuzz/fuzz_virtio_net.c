/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: virtio-net receive and transmit. The input is the features the
 * driver negotiated, frames the backend's peer sends (a sequenced-packet socket pair),
 * and guest memory holding both 16-entry queues with their buffers. The device receives
 * what the peer sent into the receive queue (twice: once more after the first call, as
 * when the driver adds buffers) and transmits what the transmit queue holds. Any outcome
 * is fine except a crash, a sanitizer report, an access outside guest RAM, or more work
 * in one call than a queue's worth.
 *
 * Rings: receive queue descriptors at +0, available ring at +0x100, used ring at +0x200;
 * transmit queue at +0x400, +0x500, +0x600; buffers from +0x800.
 * Input: [features byte] [frame count (low 3 bits); bit 3: EVENT_IDX] [per frame: u16 length]
 *        [frame bytes, in order] [guest memory from T_MEM_BASE...]
 */
#define _GNU_SOURCE
#include "../virtio_test_util.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define FUZZ_MEM 0x20000ull
#define QSIZE 16u

static struct vmem_map *mem;
static struct vdev_virtq *rxq, *txq;
static struct vdev_virtio_net *net;
static const struct vdev_virtio_device *dev;
static int peer = -1;
static uint8_t frame[VDEV_VIRTIO_NET_HDR_SIZE + VDEV_VIRTIO_NET_MAX_FRAME + 16];

static void setup(void)
{
	int sv[2];
	int big = 1 << 20;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	struct vdev_virtio_net_config cfg = {.fd = sv[0],
	                                     .backend = VDEV_VIRTIO_NET_BACKEND_SOCKET,
	                                     .mac = {2, 0, 0, 0, 0, 1},
	                                     .mtu = 1500,
	                                     .queue_size = QSIZE};
	if (vdev_virtio_net_create(&cfg, &net) < 0)
		abort();
	close(sv[0]);
	peer = sv[1];
	dev = vdev_virtio_net_device(net);
	if (vmem_map_create(&mem) < 0 || vmem_map_add_anon(mem, T_MEM_BASE, FUZZ_MEM, 0) < 0 ||
	    vdev_virtq_create(mem, QSIZE, &rxq) < 0 || vdev_virtq_create(mem, QSIZE, &txq) < 0)
		abort();
}

/* Empties a descriptor's pending input (frames of the last run nobody took). */
static void drain(int fd)
{
	while (recv(fd, frame, sizeof(frame), MSG_DONTWAIT) >= 0)
		;
}

/* The device's process call for one queue, with the transport's budget. */
static int process(uint16_t index, struct vdev_virtq *q)
{
	vdev_virtq_set_budget(q, QSIZE);
	int ret = dev->process(dev->ctx, index, q);
	vdev_virtq_set_budget(q, VDEV_VIRTQ_UNLIMITED);
	if (ret > (int)QSIZE)
		abort(); /* at most a queue's worth of frames or chains per call */
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!mem)
		setup();
	if (size < 2)
		return 0;
	static const unsigned feature_bits[8] = {
	    VDEV_VIRTIO_NET_F_MRG_RXBUF,  VDEV_VIRTIO_NET_F_CSUM,      VDEV_VIRTIO_NET_F_HOST_TSO4,
	    VDEV_VIRTIO_NET_F_HOST_TSO6,  VDEV_VIRTIO_NET_F_HOST_ECN,  VDEV_VIRTIO_NET_F_GUEST_CSUM,
	    VDEV_VIRTIO_NET_F_GUEST_TSO4, VDEV_VIRTIO_F_INDIRECT_DESC,
	};
	uint64_t features = 1ull << VDEV_VIRTIO_F_VERSION_1;
	for (unsigned i = 0; i < 8; i++)
		if (data[0] & (1u << i))
			features |= 1ull << feature_bits[i];
	unsigned nframes = data[1] & 7;
	if (data[1] & 8)
		features |= 1ull << VDEV_VIRTIO_F_EVENT_IDX;
	data += 2;
	size -= 2;
	uint16_t lens[7];
	for (unsigned i = 0; i < nframes; i++) {
		if (size < 2)
			return 0;
		lens[i] = (uint16_t)(data[0] | data[1] << 8);
		data += 2;
		size -= 2;
	}
	for (unsigned i = 0; i < nframes; i++) {
		size_t n = lens[i] < size ? lens[i] : size;
		/* The peer is the host side: its frames are whatever the tap would give. */
		(void)!send(peer, data, n, MSG_DONTWAIT);
		data += n;
		size -= n;
	}
	if (size > FUZZ_MEM)
		size = FUZZ_MEM;
	vmem_fill(mem, T_MEM_BASE, 0, FUZZ_MEM);
	vmem_write(mem, T_MEM_BASE, data, size);

	struct vdev_virtq_layout rl = {.size = QSIZE,
	                               .desc = T_MEM_BASE,
	                               .avail = T_MEM_BASE + 0x100,
	                               .used = T_MEM_BASE + 0x200};
	struct vdev_virtq_layout tl = {.size = QSIZE,
	                               .desc = T_MEM_BASE + 0x400,
	                               .avail = T_MEM_BASE + 0x500,
	                               .used = T_MEM_BASE + 0x600};
	if (vdev_virtq_enable(rxq, &rl, features) < 0 || vdev_virtq_enable(txq, &tl, features) < 0)
		abort();
	if (dev->activate(dev->ctx, features) == 0) {
		if (process(VDEV_VIRTIO_NET_RXQ, rxq) >= 0)
			process(VDEV_VIRTIO_NET_RXQ, rxq);
		process(VDEV_VIRTIO_NET_TXQ, txq);
	}
	dev->reset(dev->ctx);
	vdev_virtq_disable(rxq);
	vdev_virtq_disable(txq);
	drain(vdev_virtio_net_fd(net));
	drain(peer);
	return 0;
}
