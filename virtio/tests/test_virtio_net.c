/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net through the virtio-mmio transport, with real backends: a sequenced-packet
 * or datagram socket pair (the test plays the peer), and a real tap device in a network
 * namespace of the test's own (root only; skipped, and said so, elsewhere).
 */
#define _GNU_SOURCE
#include "virtio_test_util.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define V1 (1ull << VDEV_VIRTIO_F_VERSION_1)
#define F(b) (1ull << VDEV_VIRTIO_NET_F_##b)
#define HDR VDEV_VIRTIO_NET_HDR_SIZE
#define QSIZE 16u
/* The transmit queue's rings, after the receive queue's (tq_init places those). */
#define TX_DESC (T_MEM_BASE + 0x4000)
#define TX_AVAIL (T_MEM_BASE + 0x6000)
#define TX_USED (T_MEM_BASE + 0x7000)
#define RX_BUFS T_BUF
#define RX_BUF(d) (RX_BUFS + 0x4000ull * (d)) /* receive buffer of descriptor d */
#define TX_BUFS (T_BUF + 0x80000)

static struct vmem_map *mem;
static struct vdev_virtio_net *net;
static struct vdev_virtio_mmio *m;
static struct t_irq irq;
static struct tq rx, tx;
static int peer = -1;             /* the test's end of the backend */
static uint16_t rx_next, tx_next; /* next free descriptor of each queue */
static int waits;                 /* calls of the wait callback */
static bool wait_read, wait_write;

static void on_wait(void *ctx, bool read, bool write)
{
	(void)ctx;
	waits++;
	wait_read = read;
	wait_write = write;
}

/* The device over backend fd (a socket unless tap), its transport, and a driver that
   negotiated features with both queues of QSIZE set up. */
static void start(int fd, enum vdev_virtio_net_backend backend, uint64_t features, bool offloads)
{
	struct vdev_virtio_net_config nc = {
	    .fd = fd,
	    .backend = backend,
	    .mac = {0x02, 0x00, 0x00, 0x12, 0x34, 0x56},
	    .mtu = 1500,
	    .no_offloads = !offloads,
	    .queue_size = 64,
	    .wait = on_wait,
	};
	memset(&irq, 0, sizeof(irq));
	waits = 0;
	wait_read = wait_write = false;
	rx_next = tx_next = 0;
	mem = t_mem_create();
	cr_assert_not_null(mem);
	cr_assert_eq(vdev_virtio_net_create(&nc, &net), 0);
	struct vdev_virtio_mmio_config mc = {
	    .mem = mem, .irq = t_irq_wire(&irq), .device = *vdev_virtio_net_device(net)};
	cr_assert_eq(vdev_virtio_mmio_create(&mc, &m), 0);
	tq_init(&rx, mem, QSIZE);
	tx = rx;
	tx.desc = TX_DESC;
	tx.avail = TX_AVAIL;
	tx.used = TX_USED;
	cr_assert(t_negotiate(m, V1 | features) & VDEV_VIRTIO_STATUS_FEATURES_OK);
	t_setup_queue(m, VDEV_VIRTIO_NET_RXQ, &rx);
	t_setup_queue(m, VDEV_VIRTIO_NET_TXQ, &tx);
	t_driver_ok(m);
}

static void start_socket(int type, uint64_t features)
{
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv), 0);
	peer = sv[1];
	start(sv[0], VDEV_VIRTIO_NET_BACKEND_SOCKET, features, true);
	close(sv[0]); /* the device has its own */
}

static void teardown(void)
{
	vdev_virtio_mmio_destroy(m);
	vdev_virtio_net_destroy(net);
	vmem_map_destroy(mem);
	if (peer >= 0)
		close(peer);
	peer = -1;
	m = NULL;
	net = NULL;
	mem = NULL;
}

TestSuite(virtio_net, .fini = teardown);

/* Posts one receive buffer of len bytes (one descriptor). */
static void post_rx(uint32_t len)
{
	uint16_t d = rx_next++;
	tq_desc(&rx, d, RX_BUF(d), len, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&rx, d);
}

static void notify(uint16_t queue)
{
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, queue);
}

/* A frame of len bytes (header not included): a pattern seeded by seed, with an
   Ethernet header (broadcast destination). */
static void make_frame(uint8_t *f, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(seed + i * 7);
	memset(f, 0xff, 6);
	f[12] = 0x08;
	f[13] = 0x00;
}

/* The peer sends header + frame of len bytes; returns the header+frame it sent in out. */
static void peer_send(uint8_t *out, size_t len, uint8_t seed)
{
	memset(out, 0, HDR);
	make_frame(out + HDR, len, seed);
	cr_assert_eq(write(peer, out, HDR + len), (ssize_t)(HDR + len));
}

Test(virtio_net, identity_and_config)
{
	start_socket(SOCK_SEQPACKET, 0);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_DEVICE_ID), VDEV_VIRTIO_ID_NET);
	uint64_t f = t_device_features(m);
	uint64_t want = F(MAC) | F(STATUS) | F(MTU) | F(MRG_RXBUF) | F(CSUM) | F(GUEST_CSUM) |
	                F(GUEST_TSO4) | F(GUEST_TSO6) | F(GUEST_ECN) | F(HOST_TSO4) | F(HOST_TSO6) |
	                F(HOST_ECN);
	cr_expect_eq(f & want, want, "offered %#llx", (unsigned long long)f);
	cr_expect_eq(f & (1ull << 10 | 1ull << 14 | 1ull << 17 | 1ull << 22), 0,
	             "no UFO, no control queue, no multiqueue");
	uint8_t cfg[VDEV_VIRTIO_NET_CONFIG_SIZE];
	for (uint32_t i = 0; i < sizeof(cfg); i++)
		vdev_virtio_mmio_read(m, VDEV_VIRTIO_MMIO_CONFIG + i, &cfg[i], 1);
	const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x12, 0x34, 0x56};
	cr_expect_arr_eq(cfg, mac, 6);
	cr_expect_eq(vmem_ld_le16(cfg + VDEV_VIRTIO_NET_CFG_STATUS), VDEV_VIRTIO_NET_S_LINK_UP);
	cr_expect_eq(vmem_ld_le16(cfg + VDEV_VIRTIO_NET_CFG_MTU), 1500);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_SEL, 2);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_QUEUE_NUM_MAX), 0, "two queues only");
	bool r, w;
	vdev_virtio_net_wants(net, &r, &w);
	cr_expect(r && !w, "activation wants frames");
	cr_expect(wait_read && waits == 1);
}

Test(virtio_net, no_offloads_and_no_mac)
{
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	struct vdev_virtio_net_config nc = {
	    .fd = sv[0], .backend = VDEV_VIRTIO_NET_BACKEND_SOCKET, .no_offloads = true};
	cr_assert_eq(vdev_virtio_net_create(&nc, &net), 0);
	uint64_t f = vdev_virtio_net_device(net)->features;
	cr_expect_eq(f, F(STATUS) | F(MRG_RXBUF), "offered %#llx", (unsigned long long)f);
	close(sv[0]);
	close(sv[1]);
}

Test(virtio_net, bad_configurations_are_refused)
{
	struct vdev_virtio_net *n = NULL;
	int sv[2], fd;
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct vdev_virtio_net_config nc = {.fd = sv[0], .backend = VDEV_VIRTIO_NET_BACKEND_SOCKET};
	cr_expect_eq(vdev_virtio_net_create(&nc, &n), -EINVAL, "a stream has no frames");
	nc.backend = VDEV_VIRTIO_NET_BACKEND_TAP;
	cr_expect_eq(vdev_virtio_net_create(&nc, &n), -EINVAL, "a socket is no tap");
	close(sv[0]);
	close(sv[1]);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	nc =
	    (struct vdev_virtio_net_config){.fd = sv[0], .backend = VDEV_VIRTIO_NET_BACKEND_SOCKET};
	nc.queue_size = 48;
	cr_expect_eq(vdev_virtio_net_create(&nc, &n), -EINVAL, "queue size not a power of 2");
	nc.queue_size = 0;
	nc.mtu = 67;
	cr_expect_eq(vdev_virtio_net_create(&nc, &n), -EINVAL, "MTU below IPv4's minimum");
	nc.mtu = 0;
	nc.backend = 7;
	cr_expect_eq(vdev_virtio_net_create(&nc, &n), -EINVAL);
	nc.backend = VDEV_VIRTIO_NET_BACKEND_SOCKET;
	nc.fd = -1;
	cr_expect_eq(vdev_virtio_net_create(&nc, &n), -EINVAL);
	fd = open("/dev/null", O_RDWR);
	nc.fd = fd;
	cr_expect_eq(vdev_virtio_net_create(&nc, &n), -EINVAL, "not a socket");
	nc.backend = VDEV_VIRTIO_NET_BACKEND_TAP;
	cr_expect_eq(vdev_virtio_net_create(&nc, &n), -EINVAL, "not a tap");
	cr_expect_null(n);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

Test(virtio_net, receive_one_frame_per_chain)
{
	uint8_t sent[HDR + 1500], got[HDR + 1500];
	uint32_t id, len;

	start_socket(SOCK_SEQPACKET, F(MAC));
	post_rx(2048);
	post_rx(2048);
	notify(VDEV_VIRTIO_NET_RXQ);
	peer_send(sent, 100, 1);
	peer_send(sent + 0, 100, 1); /* the same frame twice */
	cr_assert_eq(vdev_virtio_mmio_process_queue(m, VDEV_VIRTIO_NET_RXQ), 2);
	cr_assert_eq(tq_used_idx(&rx), 2);
	for (uint16_t i = 0; i < 2; i++) {
		tq_used_elem(&rx, i, &id, &len);
		cr_expect_eq(id, i);
		cr_expect_eq(len, HDR + 100);
		vmem_read(mem, RX_BUF(i), got, HDR + 100);
		cr_expect_eq(vmem_ld_le16(got + 10), 1, "num_buffers is 1");
		cr_expect_arr_eq(got + HDR, sent + HDR, 100);
	}
	cr_expect(irq.level, "the driver is told");
	struct vdev_virtio_net_stats st;
	vdev_virtio_net_get_stats(net, &st);
	cr_expect_eq(st.rx_frames, 2);
	cr_expect_eq(st.rx_bytes, 200);
	cr_expect_eq(st.rx_dropped, 0);
}

Test(virtio_net, receive_waits_for_buffers_and_drops_nothing)
{
	uint8_t sent[3][HDR + 600], got[HDR + 600];
	uint32_t id, len;
	bool r, w;

	start_socket(SOCK_SEQPACKET, 0);
	for (int i = 0; i < 3; i++)
		peer_send(sent[i], 600, (uint8_t)(10 * i));
	/* No buffers: the first frame waits in the device and reading stops. */
	cr_assert_eq(vdev_virtio_mmio_process_queue(m, VDEV_VIRTIO_NET_RXQ), 0);
	vdev_virtio_net_wants(net, &r, &w);
	cr_expect(!r && !w, "reading stops while the driver has no buffers");
	cr_expect(!wait_read);
	/* One buffer: the waiting frame goes into it; the next waits. */
	post_rx(1600);
	notify(VDEV_VIRTIO_NET_RXQ);
	cr_assert_eq(tq_used_idx(&rx), 1);
	vdev_virtio_net_wants(net, &r, &w);
	cr_expect(!r);
	/* Two more: both frames, in order, then reading resumes (the backend is empty). */
	post_rx(1600);
	post_rx(1600);
	notify(VDEV_VIRTIO_NET_RXQ);
	cr_assert_eq(tq_used_idx(&rx), 3);
	for (uint16_t i = 0; i < 3; i++) {
		tq_used_elem(&rx, i, &id, &len);
		cr_expect_eq(len, HDR + 600);
		vmem_read(mem, RX_BUF(id), got, HDR + 600);
		cr_expect_arr_eq(got + HDR, sent[i] + HDR, 600, "frame %u in order", i);
	}
	vdev_virtio_net_wants(net, &r, &w);
	cr_expect(r && wait_read, "reading resumes");
	struct vdev_virtio_net_stats st;
	vdev_virtio_net_get_stats(net, &st);
	cr_expect_eq(st.rx_dropped, 0);
	cr_expect_eq(st.rx_frames, 3);
}

Test(virtio_net, mergeable_buffers_hold_a_large_frame_published_together)
{
	uint8_t sent[HDR + 3000], got[HDR + 3000];
	uint32_t id, len;
	size_t off = 0;

	start_socket(SOCK_SEQPACKET, F(MRG_RXBUF) | F(GUEST_CSUM) | F(GUEST_TSO4));
	/* Two 1 KiB buffers are too few for 3012 bytes: the frame waits, nothing is used. */
	post_rx(1024);
	post_rx(1024);
	peer_send(sent, 3000, 3);
	cr_assert_eq(vdev_virtio_mmio_process_queue(m, VDEV_VIRTIO_NET_RXQ), 0);
	cr_expect_eq(tq_used_idx(&rx), 0, "no partial frame is published");
	post_rx(1024);
	notify(VDEV_VIRTIO_NET_RXQ);
	cr_assert_eq(tq_used_idx(&rx), 3, "three buffers, published at once");
	for (uint16_t i = 0; i < 3; i++) {
		tq_used_elem(&rx, i, &id, &len);
		cr_expect_eq(id, i);
		cr_expect_eq(len, i < 2 ? 1024 : HDR + 3000 - 2048);
		vmem_read(mem, RX_BUF(id), got + off, len);
		off += len;
	}
	cr_assert_eq(off, HDR + 3000);
	cr_expect_eq(vmem_ld_le16(got + 10), 3, "num_buffers");
	cr_expect_arr_eq(got + HDR, sent + HDR, 3000);
}

Test(virtio_net, a_frame_no_queue_could_hold_is_dropped_not_waited_for)
{
	uint8_t sent[HDR + 3000];
	bool r;

	start_socket(SOCK_SEQPACKET, F(MRG_RXBUF));
	/* The whole queue (16 buffers of 100 bytes) cannot hold 3012 bytes. */
	for (unsigned i = 0; i < QSIZE; i++)
		post_rx(100);
	peer_send(sent, 3000, 5);
	peer_send(sent, 60, 6);
	notify(VDEV_VIRTIO_NET_RXQ);
	cr_assert_eq(tq_used_idx(&rx), 1, "the small frame after it is delivered");
	uint32_t id, len;
	tq_used_elem(&rx, 0, &id, &len);
	cr_expect_eq(id, 0, "from the first buffer: the big frame used none");
	cr_expect_eq(len, HDR + 60);
	struct vdev_virtio_net_stats st;
	vdev_virtio_net_get_stats(net, &st);
	cr_expect_eq(st.rx_dropped, 1);
	vdev_virtio_net_wants(net, &r, NULL);
	cr_expect(r);
}

Test(virtio_net, without_merging_a_too_small_chain_drops_the_frame_and_stays)
{
	uint8_t sent[HDR + 1500];
	uint32_t id, len;

	start_socket(SOCK_SEQPACKET, 0);
	post_rx(200);
	peer_send(sent, 1000, 1);
	peer_send(sent, 150, 2);
	notify(VDEV_VIRTIO_NET_RXQ);
	cr_assert_eq(tq_used_idx(&rx), 1);
	tq_used_elem(&rx, 0, &id, &len);
	cr_expect_eq(id, 0);
	cr_expect_eq(len, HDR + 150, "the buffer took the next frame that fits");
	struct vdev_virtio_net_stats st;
	vdev_virtio_net_get_stats(net, &st);
	cr_expect_eq(st.rx_dropped, 1);
}

Test(virtio_net, a_receive_chain_the_device_cannot_write_needs_reset)
{
	uint8_t sent[HDR + 100];

	start_socket(SOCK_SEQPACKET, F(MRG_RXBUF));
	tq_desc(&rx, 0, RX_BUF(0), 2048, 0, 0); /* device-readable */
	tq_publish(&rx, 0);
	peer_send(sent, 100, 1);
	notify(VDEV_VIRTIO_NET_RXQ);
	cr_expect_eq(tq_used_idx(&rx), 0);
	cr_expect(vdev_virtio_mmio_status(m) & VDEV_VIRTIO_STATUS_NEEDS_RESET);
}

/* Queues a transmit chain: header (flags, gso_type, gso_size, csum_start, csum_offset)
   and frame in two descriptors. */
static void post_tx(const uint8_t *frame, uint32_t len, uint8_t flags, uint8_t gso,
                    uint16_t gso_size, uint16_t csum_start, uint16_t csum_offset)
{
	uint8_t h[HDR] = {flags, gso};
	uint16_t d = tx_next;
	uint64_t buf = TX_BUFS + 0x2000ull * (d % QSIZE); /* 16 KiB per chain */

	tx_next = (uint16_t)(tx_next + 2);
	vmem_st_le16(h + 4, gso_size);
	vmem_st_le16(h + 6, csum_start);
	vmem_st_le16(h + 8, csum_offset);
	vmem_write(mem, buf, h, HDR);
	vmem_write(mem, buf + HDR, frame, len);
	t_desc_at(mem, TX_DESC, d % QSIZE, buf, HDR, VDEV_VIRTQ_DESC_F_NEXT, (d + 1) % QSIZE);
	t_desc_at(mem, TX_DESC, (d + 1) % QSIZE, buf + HDR, len, 0, 0);
	tq_publish(&tx, d % QSIZE);
}

Test(virtio_net, transmit_sends_header_and_frame_as_one_message)
{
	uint8_t frame[1400], got[HDR + 1500];
	uint32_t id, len;

	start_socket(SOCK_SEQPACKET, F(CSUM));
	make_frame(frame, sizeof(frame), 9);
	post_tx(frame, sizeof(frame), VDEV_VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 34, 16);
	notify(VDEV_VIRTIO_NET_TXQ);
	cr_assert_eq(tq_used_idx(&tx), 1);
	tq_used_elem(&tx, 0, &id, &len);
	cr_expect_eq(id, 0);
	cr_expect_eq(len, 0, "the device writes nothing into a transmit chain");
	ssize_t n = recv(peer, got, sizeof(got), MSG_DONTWAIT);
	cr_assert_eq(n, HDR + sizeof(frame));
	cr_expect_eq(got[0], VDEV_VIRTIO_NET_HDR_F_NEEDS_CSUM);
	cr_expect_eq(vmem_ld_le16(got + 6), 34);
	cr_expect_arr_eq(got + HDR, frame, sizeof(frame));
	struct vdev_virtio_net_stats st;
	vdev_virtio_net_get_stats(net, &st);
	cr_expect_eq(st.tx_frames, 1);
	cr_expect_eq(st.tx_bytes, sizeof(frame));
}

Test(virtio_net, malformed_transmit_chains_are_dropped_and_the_queue_goes_on)
{
	uint8_t frame[2000], got[HDR + 2000];

	start_socket(SOCK_SEQPACKET, F(CSUM) | F(HOST_TSO4));
	make_frame(frame, sizeof(frame), 1);
	/* Shorter than an Ethernet header. */
	post_tx(frame, 10, 0, 0, 0, 0, 0);
	/* A checksum field beyond the frame. */
	post_tx(frame, 100, VDEV_VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 90, 16);
	/* TCPv6 segmentation, not negotiated. */
	post_tx(frame, 2000, VDEV_VIRTIO_NET_HDR_F_NEEDS_CSUM, VDEV_VIRTIO_NET_HDR_GSO_TCPV6, 1400,
	        54, 16);
	/* UDP fragmentation: never offered. */
	post_tx(frame, 2000, VDEV_VIRTIO_NET_HDR_F_NEEDS_CSUM, VDEV_VIRTIO_NET_HDR_GSO_UDP, 1400,
	        34, 6);
	/* ECN without HOST_ECN. */
	post_tx(frame, 2000, VDEV_VIRTIO_NET_HDR_F_NEEDS_CSUM,
	        VDEV_VIRTIO_NET_HDR_GSO_TCPV4 | VDEV_VIRTIO_NET_HDR_GSO_ECN, 1400, 34, 16);
	/* Segmentation without a partial checksum, and with a zero segment size. */
	post_tx(frame, 2000, 0, VDEV_VIRTIO_NET_HDR_GSO_TCPV4, 1400, 0, 0);
	post_tx(frame, 2000, VDEV_VIRTIO_NET_HDR_F_NEEDS_CSUM, VDEV_VIRTIO_NET_HDR_GSO_TCPV4, 0, 34,
	        16);
	/* And a good TSO frame. */
	post_tx(frame, 2000, VDEV_VIRTIO_NET_HDR_F_NEEDS_CSUM, VDEV_VIRTIO_NET_HDR_GSO_TCPV4, 1400,
	        34, 16);
	notify(VDEV_VIRTIO_NET_TXQ);
	cr_assert_eq(tq_used_idx(&tx), 8, "every chain is returned");
	cr_assert_eq(recv(peer, got, sizeof(got), MSG_DONTWAIT), HDR + 2000, "the good one went");
	cr_expect_eq(got[1], VDEV_VIRTIO_NET_HDR_GSO_TCPV4);
	cr_expect_eq(recv(peer, got, sizeof(got), MSG_DONTWAIT), -1, "and only it");
	struct vdev_virtio_net_stats st;
	vdev_virtio_net_get_stats(net, &st);
	cr_expect_eq(st.tx_dropped, 7);
	cr_expect_eq(st.tx_frames, 1);
	cr_expect_eq(vdev_virtio_mmio_status(m) & VDEV_VIRTIO_STATUS_NEEDS_RESET, 0);
}

Test(virtio_net, partial_checksum_without_csum_is_dropped)
{
	uint8_t frame[100];

	start_socket(SOCK_SEQPACKET, 0);
	make_frame(frame, sizeof(frame), 1);
	post_tx(frame, sizeof(frame), VDEV_VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 34, 16);
	notify(VDEV_VIRTIO_NET_TXQ);
	struct vdev_virtio_net_stats st;
	vdev_virtio_net_get_stats(net, &st);
	cr_expect_eq(st.tx_dropped, 1);
}

Test(virtio_net, transmit_stops_when_the_backend_is_full_and_loses_nothing)
{
	uint8_t frame[1000], got[HDR + 1000];
	bool r, w;
	int sndbuf = 4096;
	unsigned sent = 0, received = 0;

	start_socket(SOCK_DGRAM, 0);
	/* A small receive buffer on the peer: the device's writes soon get EAGAIN. */
	cr_assert_eq(setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &sndbuf, sizeof(sndbuf)), 0);
	/* Keep queueing frames until the device holds one back. */
	for (unsigned round = 0; round < 200; round++) {
		make_frame(frame, sizeof(frame), (uint8_t)sent);
		post_tx(frame, sizeof(frame), 0, 0, 0, 0, 0);
		sent++;
		notify(VDEV_VIRTIO_NET_TXQ);
		vdev_virtio_net_wants(net, &r, &w);
		if (w)
			break;
	}
	cr_assert(w, "the backend filled up after %u frames", sent);
	cr_expect(wait_write, "the embedder was told to wait for writability");
	/* Every chain was returned (the held frame is the device's copy). */
	cr_expect_eq(tq_used_idx(&tx), sent);
	/* The peer drains; the embedder sees the fd writable and calls again. */
	while (recv(peer, got, sizeof(got), MSG_DONTWAIT) > 0) {
		make_frame(frame, sizeof(frame), (uint8_t)received);
		cr_expect_arr_eq(got + HDR, frame, sizeof(frame), "frame %u", received);
		received++;
	}
	cr_assert_geq(vdev_virtio_mmio_process_queue(m, VDEV_VIRTIO_NET_TXQ), 0);
	vdev_virtio_net_wants(net, &r, &w);
	cr_expect(!w, "the held frame went");
	while (recv(peer, got, sizeof(got), MSG_DONTWAIT) > 0) {
		make_frame(frame, sizeof(frame), (uint8_t)received);
		cr_expect_arr_eq(got + HDR, frame, sizeof(frame), "frame %u", received);
		received++;
	}
	cr_expect_eq(received, sent, "every frame arrived, in order");
	struct vdev_virtio_net_stats st;
	vdev_virtio_net_get_stats(net, &st);
	cr_expect_eq(st.tx_dropped, 0);
	cr_expect_eq(st.tx_frames, sent);
}

Test(virtio_net, each_call_takes_at_most_a_queue_of_frames)
{
	uint8_t sent[HDR + 64];

	start_socket(SOCK_SEQPACKET, 0);
	for (unsigned i = 0; i < QSIZE; i++)
		post_rx(128);
	for (unsigned i = 0; i < 3 * QSIZE; i++)
		peer_send(sent, 64, (uint8_t)i);
	cr_assert_eq(vdev_virtio_mmio_process_queue(m, VDEV_VIRTIO_NET_RXQ), (int)QSIZE);
	/* The ring is full now: the next call reads one frame and keeps it. */
	cr_assert_eq(vdev_virtio_mmio_process_queue(m, VDEV_VIRTIO_NET_RXQ), 0);
	struct vdev_virtio_net_stats st;
	vdev_virtio_net_get_stats(net, &st);
	cr_expect_eq(st.rx_frames, QSIZE);
	cr_expect_eq(st.rx_dropped, 0);
}

/*
 * A driver can add receive buffers while the device works (its other vCPUs, or its NAPI
 * poll refilling on the vCPU while the loop thread delivers), so a call's budget can run
 * out part-way through a frame's chains with more chains in the ring. The budget must
 * then stay spent, so that the transport schedules the rest (work_left): the driver,
 * having posted buffers, sends no kick, and notifications are off while chains are left.
 */
Test(virtio_net, a_frame_cut_short_by_the_budget_is_left_for_the_next_call)
{
	uint8_t sent[HDR + 3000], got[HDR + 3000];
	struct vdev_virtio_net_config nc = {
	    .fd = -1, .backend = VDEV_VIRTIO_NET_BACKEND_SOCKET, .queue_size = QSIZE};
	const uint64_t features = V1 | F(MRG_RXBUF) | F(GUEST_CSUM) | F(GUEST_TSO4);
	struct vdev_virtq *q = NULL;
	uint32_t id, len;
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	peer = sv[1];
	nc.fd = sv[0];
	cr_assert_eq(vdev_virtio_net_create(&nc, &net), 0);
	close(sv[0]);
	mem = t_mem_create();
	cr_assert_not_null(mem);
	tq_init(&rx, mem, QSIZE);
	cr_assert_eq(vdev_virtq_create(mem, QSIZE, &q), 0);
	struct vdev_virtq_layout l = tq_layout(&rx);
	cr_assert_eq(vdev_virtq_enable(q, &l, features), 0);
	const struct vdev_virtio_device *dev = vdev_virtio_net_device(net);
	cr_assert_eq(dev->activate(dev->ctx, features), 0);

	for (int i = 0; i < 3; i++)
		post_rx(1024);
	peer_send(sent, 3000, 9);
	/* Two chains of budget for a frame that needs three. */
	vdev_virtq_set_budget(q, 2);
	cr_assert_eq(dev->process(dev->ctx, VDEV_VIRTIO_NET_RXQ, q), 0);
	cr_expect_eq(tq_used_idx(&rx), 0, "no partial frame is published");
	cr_expect_eq(vdev_virtq_budget(q), 0, "the budget stays spent");
	cr_expect(vdev_virtq_has_available(q), "the chains wait for the next call");
	/* The next call, with a new budget, delivers it whole. */
	vdev_virtq_set_budget(q, QSIZE);
	cr_assert_eq(dev->process(dev->ctx, VDEV_VIRTIO_NET_RXQ, q), 1);
	cr_assert_eq(tq_used_idx(&rx), 3);
	size_t off = 0;
	for (uint16_t i = 0; i < 3; i++) {
		tq_used_elem(&rx, i, &id, &len);
		vmem_read(mem, RX_BUF(id), got + off, len);
		off += len;
	}
	cr_assert_eq(off, HDR + 3000);
	cr_expect_arr_eq(got + HDR, sent + HDR, 3000);
	vdev_virtq_destroy(q);
}

Test(virtio_net, reset_forgets_frames_and_stops_waiting)
{
	uint8_t sent[HDR + 64];
	bool r, w;

	start_socket(SOCK_SEQPACKET, 0);
	peer_send(sent, 64, 1);
	vdev_virtio_mmio_process_queue(m, VDEV_VIRTIO_NET_RXQ);
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 0);
	vdev_virtio_net_wants(net, &r, &w);
	cr_expect(!r && !w);
	cr_expect_eq(vdev_virtio_mmio_process_queue(m, VDEV_VIRTIO_NET_RXQ), 0);
}

Test(virtio_net, inconsistent_features_are_refused_at_activation)
{
	/* GUEST_TSO4 without GUEST_CSUM breaks VIRTIO 1.2 5.1.3.1. */
	start_socket(SOCK_SEQPACKET, F(GUEST_TSO4));
	cr_expect(vdev_virtio_mmio_status(m) & VDEV_VIRTIO_STATUS_NEEDS_RESET);
}

Test(virtio_net, save_and_restore_keep_a_held_frame_and_counters)
{
	uint8_t frame[1000], got[HDR + 1000];
	int sndbuf = 4096;
	bool w = false;

	start_socket(SOCK_DGRAM, 0);
	cr_assert_eq(setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &sndbuf, sizeof(sndbuf)), 0);
	unsigned sent = 0;
	while (!w && sent < 200) {
		make_frame(frame, sizeof(frame), (uint8_t)sent++);
		post_tx(frame, sizeof(frame), 0, 0, 0, 0, 0);
		notify(VDEV_VIRTIO_NET_TXQ);
		vdev_virtio_net_wants(net, NULL, &w);
	}
	cr_assert(w);
	struct vdev_state_writer wr, wnet;
	vdev_state_writer_init(&wr);
	vdev_state_writer_init(&wnet);
	cr_assert_eq(vdev_virtio_mmio_save(m, &wr), 0);
	cr_assert_eq(vdev_virtio_net_save(net, &wr), 0);
	cr_assert_eq(vdev_virtio_net_save(net, &wnet), 0);
	struct vdev_virtio_net_stats before;
	vdev_virtio_net_get_stats(net, &before);

	/* A second device on a new backend, restored from it: it sends the held frame. */
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	struct vdev_virtio_net_config nc = {.fd = sv[0],
	                                    .backend = VDEV_VIRTIO_NET_BACKEND_SOCKET,
	                                    .mac = {0x02, 0x00, 0x00, 0x12, 0x34, 0x56},
	                                    .mtu = 1500,
	                                    .queue_size = 64};
	struct vdev_virtio_net *n2;
	struct vdev_virtio_mmio *m2;
	cr_assert_eq(vdev_virtio_net_create(&nc, &n2), 0);
	struct t_irq irq2 = {0};
	struct vdev_virtio_mmio_config mc = {
	    .mem = mem, .irq = t_irq_wire(&irq2), .device = *vdev_virtio_net_device(n2)};
	cr_assert_eq(vdev_virtio_mmio_create(&mc, &m2), 0);
	struct vdev_state_reader rd;
	vdev_state_reader_init(&rd, wr.buf, wr.len);
	cr_assert_eq(vdev_virtio_mmio_restore(m2, &rd), 0, "%s", vdev_state_why(&rd));
	cr_assert_eq(vdev_virtio_net_restore(n2, &rd), 0, "%s", vdev_state_why(&rd));
	vdev_virtio_net_wants(n2, NULL, &w);
	cr_expect(w, "the held frame waits for the new backend");
	cr_assert_geq(vdev_virtio_mmio_process_queue(m2, VDEV_VIRTIO_NET_TXQ), 0);
	cr_assert_eq(recv(sv[1], got, sizeof(got), MSG_DONTWAIT), HDR + 1000);
	make_frame(frame, sizeof(frame), (uint8_t)(sent - 1));
	cr_expect_arr_eq(got + HDR, frame, sizeof(frame), "the last frame queued");
	struct vdev_virtio_net_stats after;
	vdev_virtio_net_get_stats(n2, &after);
	cr_expect_eq(after.tx_frames, before.tx_frames + 1);

	/* Another MAC is refused. */
	nc.mac[5] = 0x57;
	struct vdev_virtio_net *n3;
	cr_assert_eq(vdev_virtio_net_create(&nc, &n3), 0);
	vdev_state_reader_init(&rd, wnet.buf, wnet.len);
	cr_expect_lt(vdev_virtio_net_restore(n3, &rd), 0);
	cr_expect_str_eq(vdev_state_why(&rd), "virtio-net: saved device had another MAC address");
	vdev_virtio_net_destroy(n3);
	vdev_state_writer_free(&wr);
	vdev_state_writer_free(&wnet);
	vdev_virtio_mmio_destroy(m2);
	vdev_virtio_net_destroy(n2);
	close(sv[0]);
	close(sv[1]);
}

/* ---- a real tap device, in a network namespace of this test's own ---- */

/* Opens a tap named name with a virtio-net header; -1 (and why) when this process may
   not (no CAP_NET_ADMIN, no /dev/net/tun, no namespaces). */
static int open_tap(const char *name, const char **why)
{
	struct ifreq ifr = {0};
	int fd;

	if (unshare(CLONE_NEWNET) < 0) {
		*why = "cannot make a network namespace (not root?)";
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		*why = "no /dev/net/tun";
		return -1;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		*why = "TUNSETIFF refused";
		close(fd);
		return -1;
	}
	return fd;
}

/* Gives interface name the address 10.0.2.1/24 and brings it up, IPv4 only (no IPv6
   chatter to take the receive buffers). */
static void tap_up(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs("1\n", f);
		fclose(f);
	}

	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {0};
	struct sockaddr_in *a = (struct sockaddr_in *)&ifr.ifr_addr;

	cr_assert_geq(s, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	a->sin_family = AF_INET;
	inet_pton(AF_INET, "10.0.2.1", &a->sin_addr);
	cr_assert_eq(ioctl(s, SIOCSIFADDR, &ifr), 0, "SIOCSIFADDR: %s", strerror(errno));
	inet_pton(AF_INET, "255.255.255.0", &a->sin_addr);
	cr_assert_eq(ioctl(s, SIOCSIFNETMASK, &ifr), 0);
	cr_assert_eq(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	cr_assert_eq(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
}

Test(virtio_net, a_real_tap_carries_frames_both_ways)
{
	const char *why = NULL;
	int fd = open_tap("cvmmtest0", &why);
	if (fd < 0)
		cr_skip_test("SKIP: %s", why);
	start(fd, VDEV_VIRTIO_NET_BACKEND_TAP, F(MAC) | F(MRG_RXBUF) | F(CSUM) | F(GUEST_CSUM),
	      true);
	close(fd);
	tap_up("cvmmtest0");

	/* Host to guest: a UDP datagram to a neighbour on the tap's subnet makes the host
	   ask for its address: an ARP request comes out of the tap into a receive buffer. */
	for (unsigned i = 0; i < QSIZE; i++)
		post_rx(2048);
	notify(VDEV_VIRTIO_NET_RXQ);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
	inet_pton(AF_INET, "10.0.2.15", &to.sin_addr);
	cr_assert_eq(sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
	bool got_arp = false;
	for (int tries = 0; tries < 100 && !got_arp; tries++) {
		struct pollfd p = {.fd = vdev_virtio_net_fd(net), .events = POLLIN};
		poll(&p, 1, 50);
		vdev_virtio_mmio_process_queue(m, VDEV_VIRTIO_NET_RXQ);
		for (uint16_t i = 0; i < tq_used_idx(&rx) && !got_arp; i++) {
			uint32_t id, len;
			uint8_t f[HDR + 64];
			tq_used_elem(&rx, i, &id, &len);
			vmem_read(mem, RX_BUF(id), f, sizeof(f));
			got_arp = len >= HDR + 42 && f[HDR + 12] == 0x08 && f[HDR + 13] == 0x06 &&
			          memcmp(f + HDR + 38, &to.sin_addr, 4) == 0;
		}
	}
	cr_expect(got_arp, "the host's ARP request for 10.0.2.15 reached the guest's buffer");

	/* Guest to host: a UDP datagram from 10.0.2.15 to 10.0.2.1 port 5555, sent through
	   the transmit queue, arrives at a host socket (its checksum left to the host:
	   NEEDS_CSUM with CSUM negotiated). */
	int r = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in here = {.sin_family = AF_INET, .sin_port = htons(5555)};
	inet_pton(AF_INET, "10.0.2.1", &here.sin_addr);
	cr_assert_eq(bind(r, (struct sockaddr *)&here, sizeof(here)), 0);
	uint8_t f[14 + 20 + 8 + 5] = {0};
	uint8_t hostmac[6];
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "cvmmtest0");
	cr_assert_eq(ioctl(s, SIOCGIFHWADDR, &ifr), 0);
	memcpy(hostmac, ifr.ifr_hwaddr.sa_data, 6);
	memcpy(f, hostmac, 6);
	const uint8_t gmac[6] = {0x02, 0x00, 0x00, 0x12, 0x34, 0x56};
	memcpy(f + 6, gmac, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[3] = 20 + 8 + 5; /* total length, big-endian */
	ip[8] = 64;
	ip[9] = 17;
	inet_pton(AF_INET, "10.0.2.15", ip + 12);
	inet_pton(AF_INET, "10.0.2.1", ip + 16);
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
	uint8_t *udp = ip + 20;
	udp[0] = 0x30;
	udp[1] = 0x39; /* source port 12345 */
	udp[2] = 0x15;
	udp[3] = 0xb3; /* 5555 */
	udp[5] = 8 + 5;
	/* The partial checksum the driver leaves: the pseudo-header's sum. */
	uint32_t ph = 0x0a00 + 0x020f + 0x0a00 + 0x0201 + 17 + 13;
	while (ph >> 16)
		ph = (ph & 0xffff) + (ph >> 16);
	udp[6] = (uint8_t)(ph >> 8);
	udp[7] = (uint8_t)ph;
	memcpy(udp + 8, "hello", 5);
	post_tx(f, sizeof(f), VDEV_VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 34, 6);
	notify(VDEV_VIRTIO_NET_TXQ);
	char msg[16] = {0};
	struct pollfd p = {.fd = r, .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 5000), 1, "the datagram reached the host");
	cr_assert_eq(recv(r, msg, sizeof(msg), 0), 5);
	cr_expect_str_eq(msg, "hello");
	struct vdev_virtio_net_stats st;
	vdev_virtio_net_get_stats(net, &st);
	cr_expect_eq(st.tx_frames, 1);
	cr_expect_geq(st.rx_frames, 1);
	close(r);
	close(s);
}

Test(virtio_net, a_tap_without_a_virtio_header_is_refused)
{
	struct ifreq ifr = {0};
	const char *why = NULL;
	int fd = open_tap("cvmmtest1", &why);
	if (fd < 0)
		cr_skip_test("SKIP: %s", why);
	close(fd);
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "cvmmtest2");
	cr_assert_eq(ioctl(fd, TUNSETIFF, &ifr), 0);
	struct vdev_virtio_net_config nc = {.fd = fd, .backend = VDEV_VIRTIO_NET_BACKEND_TAP};
	struct vdev_virtio_net *n = NULL;
	cr_expect_eq(vdev_virtio_net_create(&nc, &n), -EINVAL);
	close(fd);
}

/* Deletes network interface name (RTM_DELLINK), as `ip link delete` does. */
static void delete_link(const char *name)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
	    .nh = {.nlmsg_len = sizeof(req),
	           .nlmsg_type = RTM_DELLINK,
	           .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK},
	    .ifi = {.ifi_family = AF_UNSPEC, .ifi_index = (int)if_nametoindex(name)},
	};
	char ack[256];
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	cr_assert_geq(s, 0);
	cr_assert_gt(req.ifi.ifi_index, 0, "no interface %s", name);
	cr_assert_eq(send(s, &req, sizeof(req), 0), (ssize_t)sizeof(req));
	ssize_t n = recv(s, ack, sizeof(ack), 0);
	cr_assert_geq(n, (ssize_t)sizeof(struct nlmsghdr));
	const struct nlmsghdr *h = (const struct nlmsghdr *)ack;
	cr_assert_eq(h->nlmsg_type, NLMSG_ERROR);
	cr_assert_eq(((const struct nlmsgerr *)NLMSG_DATA(h))->error, 0, "RTM_DELLINK refused");
	close(s);
	cr_assert_eq(if_nametoindex(name), 0, "%s is still there", name);
}

/* The tap's interface deleted under the device: its descriptor then reports an error for
   ever; the device reads no more (it does not spin on it), says the backend is gone, and
   drops what the driver transmits, losing no chain. */
Test(virtio_net, a_deleted_tap_is_a_backend_gone)
{
	const char *why = NULL;
	int fd = open_tap("cvmmtest3", &why);
	if (fd < 0)
		cr_skip_test("SKIP: %s", why);
	start(fd, VDEV_VIRTIO_NET_BACKEND_TAP, F(MAC), true);
	close(fd);
	tap_up("cvmmtest3");
	for (unsigned i = 0; i < 4; i++)
		post_rx(2048);
	notify(VDEV_VIRTIO_NET_RXQ);
	bool r, w;
	vdev_virtio_net_wants(net, &r, &w);
	cr_assert(r, "reading while the driver has buffers");
	cr_assert(!vdev_virtio_net_backend_gone(net));

	delete_link("cvmmtest3");
	struct pollfd p = {.fd = vdev_virtio_net_fd(net), .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 1000), 1);
	cr_assert(p.revents & (POLLERR | POLLHUP), "revents %#x", p.revents);
	vdev_virtio_mmio_process_queue(m, VDEV_VIRTIO_NET_RXQ);
	cr_assert(vdev_virtio_net_backend_gone(net));
	vdev_virtio_net_wants(net, &r, &w);
	cr_assert(!r && !w, "nothing more to wait for on the descriptor");

	uint8_t f[60];
	make_frame(f, sizeof(f), 3);
	post_tx(f, sizeof(f), 0, 0, 0, 0, 0);
	notify(VDEV_VIRTIO_NET_TXQ);
	cr_assert_eq(tq_used_idx(&tx), 1, "the transmit chain is given back");
	struct vdev_virtio_net_stats st;
	vdev_virtio_net_get_stats(net, &st);
	cr_expect_eq(st.tx_dropped, 1);
	cr_expect_eq(st.tx_frames, 0);
	cr_expect_geq(st.backend_errors, 2);
}

/* A device whose driver never started it reads nothing: when the embedder's poll reports
   an error on its deleted tap, vdev_virtio_net_backend_hangup() finds the tap gone. */
Test(virtio_net, a_deleted_tap_under_an_idle_device_is_found_gone)
{
	const char *why = NULL;
	int fd = open_tap("cvmmtest4", &why);
	if (fd < 0)
		cr_skip_test("SKIP: %s", why);
	struct vdev_virtio_net_config nc = {.fd = fd, .backend = VDEV_VIRTIO_NET_BACKEND_TAP};
	struct vdev_virtio_net *n = NULL;
	cr_assert_eq(vdev_virtio_net_create(&nc, &n), 0);
	close(fd);
	cr_assert(!vdev_virtio_net_backend_hangup(n), "a tap that is there is not gone");
	delete_link("cvmmtest4");
	cr_assert(!vdev_virtio_net_backend_gone(n), "nothing read yet");
	cr_assert(vdev_virtio_net_backend_hangup(n));
	cr_assert(vdev_virtio_net_backend_gone(n));
	vdev_virtio_net_destroy(n);
}
