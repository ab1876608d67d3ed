/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net over a frame backend: a tap device with a 12-byte virtio-net header before
 * each frame, or a datagram socket speaking the same. Frames go through one buffer per
 * direction, owned by the device: the receive buffer holds a frame read from the backend
 * until the driver has room for it; the transmit buffer holds a copy of the driver's
 * frame, taken once and checked on the copy (the driver cannot change it under the
 * check), until the backend takes it. Everything runs in the caller's thread with the
 * transport's lock held, and each call does bounded work (the queue's size in chains
 * and in frames).
 */
#define _GNU_SOURCE
#include <cvmm/virtio.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define HDR VDEV_VIRTIO_NET_HDR_SIZE
#define FRAME_BUF (HDR + VDEV_VIRTIO_NET_MAX_FRAME)
#define ETH_HEADER 14u
/* Header fields (struct virtio_net_hdr_v1). */
#define H_FLAGS 0u
#define H_GSO_TYPE 1u
#define H_HDR_LEN 2u
#define H_GSO_SIZE 4u
#define H_CSUM_START 6u
#define H_CSUM_OFFSET 8u
#define H_NUM_BUFFERS 10u

#define BIT(n) (1ull << (n))
#define OFFLOAD_FEATURES                                                                           \
	(BIT(VDEV_VIRTIO_NET_F_CSUM) | BIT(VDEV_VIRTIO_NET_F_GUEST_CSUM) |                         \
	 BIT(VDEV_VIRTIO_NET_F_GUEST_TSO4) | BIT(VDEV_VIRTIO_NET_F_GUEST_TSO6) |                   \
	 BIT(VDEV_VIRTIO_NET_F_GUEST_ECN) | BIT(VDEV_VIRTIO_NET_F_HOST_TSO4) |                     \
	 BIT(VDEV_VIRTIO_NET_F_HOST_TSO6) | BIT(VDEV_VIRTIO_NET_F_HOST_ECN))

struct vdev_virtio_net {
	int fd;
	enum vdev_virtio_net_backend backend;
	uint64_t features; /* negotiated, set at activation */
	uint8_t config[VDEV_VIRTIO_NET_CONFIG_SIZE];
	struct vdev_virtio_device dev;
	void (*wait)(void *ctx, bool read, bool write);
	void *wait_ctx;
	_Atomic bool want_read, want_write;
	bool seqpacket; /* a sequenced-packet socket: a read of 0 is its peer's close */
	/* That peer is gone, or the tap's interface: nothing more to read. Written under the
	   transport's lock, read from any thread (vdev_virtio_net_backend_gone()). */
	atomic_bool backend_closed;

	uint8_t *rx_buf; /* a frame read from the backend, waiting for receive buffers */
	size_t rx_len;   /* its length with the header; 0: none */
	uint8_t *tx_buf; /* a frame the backend was too full to take */
	size_t tx_len;   /* its length with the header; 0: none */
	struct vdev_virtq_used_elem *elems; /* the receive chains of one frame */

	/* What vdev_virtio_net_get_stats() reports: written under the transport's lock,
	   read from any thread. */
	_Atomic uint64_t rx_frames, rx_bytes, rx_dropped, tx_frames, tx_bytes, tx_dropped,
	    backend_errors;
};

static void count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static bool negotiated(const struct vdev_virtio_net *n, unsigned bit)
{
	return (n->features & BIT(bit)) != 0;
}

/* Records what the device waits for on its descriptor and tells the embedder of a change. */
static void set_wait(struct vdev_virtio_net *n, bool read, bool write)
{
	bool r0 = atomic_exchange_explicit(&n->want_read, read, memory_order_relaxed);
	bool w0 = atomic_exchange_explicit(&n->want_write, write, memory_order_relaxed);

	if ((r0 != read || w0 != write) && n->wait)
		n->wait(n->wait_ctx, read, write);
}

static bool wants_write(const struct vdev_virtio_net *n)
{
	return atomic_load_explicit(&n->want_write, memory_order_relaxed);
}

static bool wants_read(const struct vdev_virtio_net *n)
{
	return atomic_load_explicit(&n->want_read, memory_order_relaxed);
}

/* ---- receive ---- */

/*
 * Gives the frame in rx_buf to the driver. Returns 1 when delivered or dropped (rx_buf
 * is then free), 0 when the driver has too few buffers now (the frame stays, the chains
 * taken are given back), -EBADMSG for a receive chain that breaks the rules, or the
 * queue's error.
 */
static int deliver(struct vdev_virtio_net *n, struct vdev_virtq *q)
{
	bool mergeable = negotiated(n, VDEV_VIRTIO_NET_F_MRG_RXBUF);
	uint16_t size = vdev_virtq_size(q), used = 0;
	struct vmem_range nb[2]; /* where the first chain's num_buffers field lies */
	int nnb = 0, ret;
	size_t off = 0;

	while (off < n->rx_len) {
		struct vdev_virtq_chain c;

		if (used == size) {
			/* All of the queue cannot hold it: it would wait for ever. */
			vdev_virtq_unpop(q, used);
			count(&n->rx_dropped, 1);
			n->rx_len = 0;
			return 1;
		}
		ret = vdev_virtq_pop(q, &c);
		if (ret < 0) {
			vdev_virtq_unpop(q, used);
			return ret;
		}
		if (ret == 0) {
			/* Too few chains: either the driver has posted no more (the queue has
			   asked it for a kick) or this call's budget ran out part-way through
			   the frame. Giving the chains back gives their budget back too; a spent
			   budget stays spent, so that the transport schedules the rest (its
			   work_left) instead of waiting for a kick the driver will not send. */
			bool spent = vdev_virtq_budget(q) == 0;
			vdev_virtq_unpop(q, used);
			if (spent)
				vdev_virtq_set_budget(q, 0);
			return 0;
		}
		if (c.write_len < (mergeable ? HDR : 1)) {
			/* A receive buffer the device cannot write, or (merging) one smaller
			   than the header: VIRTIO 1.2 5.1.6.3.1. */
			vdev_virtq_unpop(q, (uint16_t)(used + 1));
			return -EBADMSG;
		}
		if (!mergeable && c.write_len < n->rx_len) {
			/* Without merging, one chain holds one whole frame; the driver should
			   have made it large enough (5.1.6.3.1). */
			vdev_virtq_unpop(q, 1);
			count(&n->rx_dropped, 1);
			n->rx_len = 0;
			return 1;
		}
		size_t part = n->rx_len - off < c.write_len ? n->rx_len - off : (size_t)c.write_len;
		if (used == 0) {
			nnb = vdev_virtq_chain_ranges(&c, true, H_NUM_BUFFERS, 2, nb, 2);
			if (nnb < 0) {
				vdev_virtq_unpop(q, 1);
				return nnb == -ENOSPC || nnb == -ERANGE ? -EBADMSG : nnb;
			}
		}
		ssize_t w = vdev_virtq_chain_write(q, &c, 0, n->rx_buf + off, part);
		if (w < 0 || (size_t)w != part) {
			vdev_virtq_unpop(q, (uint16_t)(used + 1));
			return w < 0 ? (int)w : -EFAULT;
		}
		n->elems[used++] =
		    (struct vdev_virtq_used_elem){.head = c.head, .len = (uint32_t)part};
		off += part;
	}
	/* num_buffers, in place in the first chain (it may straddle two descriptors). */
	uint8_t nbuf[2];
	vmem_st_le16(nbuf, used);
	for (int i = 0, done = 0; i < nnb; done += (int)nb[i].len, i++) {
		ret = vmem_write(vdev_virtq_mem(q), nb[i].gpa, nbuf + done, nb[i].len);
		if (ret < 0) {
			vdev_virtq_unpop(q, used);
			return ret;
		}
	}
	ret = vdev_virtq_push_many(q, n->elems, used);
	if (ret < 0)
		return ret;
	count(&n->rx_frames, 1);
	count(&n->rx_bytes, n->rx_len - HDR);
	n->rx_len = 0;
	return 1;
}

/* Reads the next frame into rx_buf. Returns 1 (a frame is there), 0 (none now). */
static int read_frame(struct vdev_virtio_net *n)
{
	for (;;) {
		/* One byte more than any frame can be: a longer one was cut short. */
		ssize_t r = read(n->fd, n->rx_buf, FRAME_BUF + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			count(&n->backend_errors, 1);
			/* A tap whose interface was deleted (EBADFD), or a backend whose device
			   is gone: nothing will come any more, and its descriptor reports an
			   error for ever (reading stops rather than spin on it). */
			if (errno == EBADFD || errno == ENXIO || errno == ENODEV)
				n->backend_closed = true;
			return 0;
		}
		if (r == 0 && n->seqpacket) {
			n->backend_closed = true; /* the peer closed its end */
			return 0;
		}
		if ((size_t)r < HDR + ETH_HEADER || (size_t)r > FRAME_BUF) {
			count(&n->rx_dropped, 1);
			continue;
		}
		n->rx_len = (size_t)r;
		return 1;
	}
}

static int rx_process(struct vdev_virtio_net *n, struct vdev_virtq *q)
{
	uint32_t frames = 0, limit = vdev_virtq_size(q);
	int done = 0, ret;

	for (;;) {
		if (!n->rx_len) {
			if (n->backend_closed || frames == limit) {
				/* Spent this call's share: the backend stays polled for the rest.
				 */
				set_wait(n, !n->backend_closed, wants_write(n));
				return done;
			}
			frames++;
			if (!read_frame(n)) {
				set_wait(n, !n->backend_closed, wants_write(n));
				return done;
			}
			/* num_buffers is the device's to set; 1 unless merging says more. */
			vmem_st_le16(n->rx_buf + H_NUM_BUFFERS, 1);
		}
		ret = deliver(n, q);
		if (ret < 0)
			return ret;
		if (ret == 0) {
			/* No room: stop reading until the driver adds buffers (its notification
			   calls again), or until the next call when this one's budget is spent. */
			set_wait(n, false, wants_write(n));
			return done;
		}
		if (done < INT32_MAX)
			done++;
	}
}

/* ---- transmit ---- */

/* Whether the driver's header (in tx_buf, frame of len bytes after it) asks only for what
   was negotiated, inside the frame. */
static bool tx_header_ok(const struct vdev_virtio_net *n, const uint8_t *h, size_t frame)
{
	uint8_t flags = h[H_FLAGS], gso = h[H_GSO_TYPE];
	uint8_t type = gso & (uint8_t)~VDEV_VIRTIO_NET_HDR_GSO_ECN;

	if (flags & VDEV_VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		uint32_t start = vmem_ld_le16(h + H_CSUM_START);
		uint32_t offset = vmem_ld_le16(h + H_CSUM_OFFSET);
		if (!negotiated(n, VDEV_VIRTIO_NET_F_CSUM) || start + offset + 2 > frame)
			return false;
	}
	if (gso == VDEV_VIRTIO_NET_HDR_GSO_NONE)
		return true;
	if ((gso & VDEV_VIRTIO_NET_HDR_GSO_ECN) && !negotiated(n, VDEV_VIRTIO_NET_F_HOST_ECN))
		return false;
	if (type == VDEV_VIRTIO_NET_HDR_GSO_TCPV4) {
		if (!negotiated(n, VDEV_VIRTIO_NET_F_HOST_TSO4))
			return false;
	} else if (type == VDEV_VIRTIO_NET_HDR_GSO_TCPV6) {
		if (!negotiated(n, VDEV_VIRTIO_NET_F_HOST_TSO6))
			return false;
	} else {
		return false; /* UDP fragmentation and unknown types: never offered */
	}
	/* Segmenting needs the checksum to fill in and a segment size inside the frame. */
	uint32_t gso_size = vmem_ld_le16(h + H_GSO_SIZE);
	return (flags & VDEV_VIRTIO_NET_HDR_F_NEEDS_CSUM) && gso_size != 0 && gso_size < frame;
}

/* Writes tx_buf to the backend. Returns 1 (sent or dropped), 0 (the backend is full). */
static int send_frame(struct vdev_virtio_net *n)
{
	for (;;) {
		ssize_t w = write(n->fd, n->tx_buf, n->tx_len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (w < 0) {
			/* Refused (a header the tap finds invalid, the interface down, the
			   socket's peer gone): the frame is lost as on a wire. */
			count(&n->backend_errors, 1);
			count(&n->tx_dropped, 1);
		} else {
			count(&n->tx_frames, 1);
			count(&n->tx_bytes, n->tx_len - HDR);
		}
		n->tx_len = 0;
		return 1;
	}
}

static int tx_process(struct vdev_virtio_net *n, struct vdev_virtq *q)
{
	struct vdev_virtq_chain c;
	int done = 0, ret;

	for (;;) {
		if (n->tx_len) {
			if (!send_frame(n)) {
				set_wait(n, wants_read(n), true);
				return done;
			}
			if (wants_write(n))
				set_wait(n, wants_read(n), false);
		}
		ret = vdev_virtq_pop(q, &c);
		if (ret <= 0)
			return ret < 0 ? ret : done;
		bool ok = c.read_len >= HDR + ETH_HEADER && c.read_len <= FRAME_BUF;
		if (ok) {
			ssize_t r = vdev_virtq_chain_read(q, &c, 0, n->tx_buf, (size_t)c.read_len);
			if (r < 0)
				return (int)r;
			ok = (uint64_t)r == c.read_len &&
			     tx_header_ok(n, n->tx_buf, (size_t)c.read_len - HDR);
		}
		if (ok)
			n->tx_len = (size_t)c.read_len;
		else
			count(&n->tx_dropped, 1);
		/* The frame is the device's now (copied): the chain goes back at once. */
		ret = vdev_virtq_push(q, c.head, 0);
		if (ret < 0)
			return ret;
		if (done < INT32_MAX)
			done++;
	}
}

/* ---- device model ---- */

static int net_process(void *ctx, uint16_t index, struct vdev_virtq *q)
{
	struct vdev_virtio_net *n = ctx;

	return index == VDEV_VIRTIO_NET_RXQ ? rx_process(n, q) : tx_process(n, q);
}

static int net_config_read(void *ctx, uint32_t off, uint8_t *data, uint32_t size)
{
	struct vdev_virtio_net *n = ctx;

	memcpy(data, n->config + off, size);
	return 0;
}

/* What the tap may hand us, from what the driver takes (TUNSETOFFLOAD). */
static unsigned tap_offloads(uint64_t features)
{
	unsigned f = 0;

	if (features & BIT(VDEV_VIRTIO_NET_F_GUEST_CSUM)) {
		f |= TUN_F_CSUM;
		if (features & BIT(VDEV_VIRTIO_NET_F_GUEST_TSO4))
			f |= TUN_F_TSO4;
		if (features & BIT(VDEV_VIRTIO_NET_F_GUEST_TSO6))
			f |= TUN_F_TSO6;
		if ((f & (TUN_F_TSO4 | TUN_F_TSO6)) &&
		    (features & BIT(VDEV_VIRTIO_NET_F_GUEST_ECN)))
			f |= TUN_F_TSO_ECN;
	}
	return f;
}

/* The dependencies of VIRTIO 1.2 5.1.3.1, which a driver must not break. */
static bool features_consistent(uint64_t f)
{
	bool guest_tso =
	    f & (BIT(VDEV_VIRTIO_NET_F_GUEST_TSO4) | BIT(VDEV_VIRTIO_NET_F_GUEST_TSO6));
	bool host_tso = f & (BIT(VDEV_VIRTIO_NET_F_HOST_TSO4) | BIT(VDEV_VIRTIO_NET_F_HOST_TSO6));

	if (guest_tso && !(f & BIT(VDEV_VIRTIO_NET_F_GUEST_CSUM)))
		return false;
	if ((f & BIT(VDEV_VIRTIO_NET_F_GUEST_ECN)) && !guest_tso)
		return false;
	if (host_tso && !(f & BIT(VDEV_VIRTIO_NET_F_CSUM)))
		return false;
	if ((f & BIT(VDEV_VIRTIO_NET_F_HOST_ECN)) && !host_tso)
		return false;
	return true;
}

static int net_activate(void *ctx, uint64_t features)
{
	struct vdev_virtio_net *n = ctx;

	if (!features_consistent(features))
		return -EINVAL;
	if (n->backend == VDEV_VIRTIO_NET_BACKEND_TAP &&
	    ioctl(n->fd, TUNSETOFFLOAD, tap_offloads(features)) < 0)
		return -errno;
	n->features = features;
	/* Whatever the backend has now is for the driver's buffers. */
	set_wait(n, !n->backend_closed, n->tx_len != 0);
	return 0;
}

static void net_reset(void *ctx)
{
	struct vdev_virtio_net *n = ctx;

	n->features = 0;
	n->rx_len = 0;
	n->tx_len = 0;
	if (n->backend == VDEV_VIRTIO_NET_BACKEND_TAP)
		(void)ioctl(n->fd, TUNSETOFFLOAD, 0u);
	set_wait(n, false, false);
}

/* Checks that fd is a tap as this device needs it and sets its header size. */
static int setup_tap(int fd)
{
	struct ifreq ifr;
	int hdr = HDR;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return errno == EBADFD || errno == ENOTTY || errno == EINVAL ? -EINVAL : -errno;
	if ((ifr.ifr_flags & (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)) !=
	    (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
		return -EINVAL;
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0)
		return -errno;
	if (ioctl(fd, TUNSETOFFLOAD, 0u) < 0)
		return -errno;
	return 0;
}

static int check_socket(struct vdev_virtio_net *n)
{
	int type;
	socklen_t len = sizeof(type);

	if (getsockopt(n->fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return errno == ENOTSOCK ? -EINVAL : -errno;
	n->seqpacket = type == SOCK_SEQPACKET;
	return type == SOCK_DGRAM || type == SOCK_SEQPACKET ? 0 : -EINVAL;
}

int vdev_virtio_net_create(const struct vdev_virtio_net_config *cfg, struct vdev_virtio_net **out)
{
	static const uint8_t no_mac[6];
	struct vdev_virtio_net *n;
	uint16_t qsize;
	int ret, fl;

	if (!cfg || !out || cfg->fd < 0)
		return -EINVAL;
	if (cfg->backend != VDEV_VIRTIO_NET_BACKEND_TAP &&
	    cfg->backend != VDEV_VIRTIO_NET_BACKEND_SOCKET)
		return -EINVAL;
	qsize = cfg->queue_size ? cfg->queue_size : 256;
	if (qsize & (qsize - 1))
		return -EINVAL;
	if (cfg->mtu && cfg->mtu < 68)
		return -EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->fd = -1;
	n->rx_buf = malloc(FRAME_BUF + 1);
	n->tx_buf = malloc(FRAME_BUF);
	n->elems = calloc(qsize, sizeof(*n->elems));
	if (!n->rx_buf || !n->tx_buf || !n->elems) {
		ret = -ENOMEM;
		goto fail;
	}
	n->fd = fcntl(cfg->fd, F_DUPFD_CLOEXEC, 0);
	if (n->fd < 0) {
		ret = errno == EBADF ? -EINVAL : -errno;
		goto fail;
	}
	n->backend = cfg->backend;
	ret = n->backend == VDEV_VIRTIO_NET_BACKEND_TAP ? setup_tap(n->fd) : check_socket(n);
	if (ret < 0)
		goto fail;
	/* The dup shares the file's flags: the embedder's descriptor becomes non-blocking
	   too, as it must for anyone else reading the same backend. */
	fl = fcntl(n->fd, F_GETFL);
	if (fl < 0 || fcntl(n->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		ret = -errno;
		goto fail;
	}
	n->wait = cfg->wait;
	n->wait_ctx = cfg->wait_ctx;

	uint64_t features = BIT(VDEV_VIRTIO_NET_F_STATUS) | BIT(VDEV_VIRTIO_NET_F_MRG_RXBUF);
	if (!cfg->no_offloads)
		features |= OFFLOAD_FEATURES;
	if (memcmp(cfg->mac, no_mac, sizeof(no_mac)) != 0) {
		features |= BIT(VDEV_VIRTIO_NET_F_MAC);
		memcpy(n->config + VDEV_VIRTIO_NET_CFG_MAC, cfg->mac, 6);
	}
	vmem_st_le16(n->config + VDEV_VIRTIO_NET_CFG_STATUS, VDEV_VIRTIO_NET_S_LINK_UP);
	vmem_st_le16(n->config + VDEV_VIRTIO_NET_CFG_MAX_QUEUE_PAIRS, 1);
	if (cfg->mtu) {
		features |= BIT(VDEV_VIRTIO_NET_F_MTU);
		vmem_st_le16(n->config + VDEV_VIRTIO_NET_CFG_MTU, cfg->mtu);
	}
	n->dev = (struct vdev_virtio_device){
	    .device_id = VDEV_VIRTIO_ID_NET,
	    .features = features,
	    .num_queues = 2,
	    .queue_max_size = qsize,
	    .config_size = VDEV_VIRTIO_NET_CONFIG_SIZE,
	    .ctx = n,
	    .config_read = net_config_read,
	    .activate = net_activate,
	    .reset = net_reset,
	    .process = net_process,
	};
	*out = n;
	return 0;
fail:
	vdev_virtio_net_destroy(n);
	return ret;
}

void vdev_virtio_net_destroy(struct vdev_virtio_net *n)
{
	if (!n)
		return;
	if (n->fd >= 0)
		close(n->fd);
	free(n->rx_buf);
	free(n->tx_buf);
	free(n->elems);
	free(n);
}

const struct vdev_virtio_device *vdev_virtio_net_device(const struct vdev_virtio_net *n)
{
	return n ? &n->dev : NULL;
}

int vdev_virtio_net_fd(const struct vdev_virtio_net *n)
{
	return n ? n->fd : -1;
}

bool vdev_virtio_net_backend_gone(const struct vdev_virtio_net *n)
{
	bool gone;

	if (!n)
		return false;
	gone = atomic_load_explicit(&n->backend_closed, memory_order_relaxed);
	return gone;
}

bool vdev_virtio_net_backend_hangup(struct vdev_virtio_net *n)
{
	struct ifreq ifr;
	struct pollfd p;

	if (!n)
		return false;
	if (atomic_load(&n->backend_closed))
		return true;
	if (n->backend == VDEV_VIRTIO_NET_BACKEND_TAP) {
		/* A tap's descriptor answers EBADFD once its interface is gone. */
		if (ioctl(n->fd, TUNGETIFF, &ifr) < 0 &&
		    (errno == EBADFD || errno == ENODEV || errno == ENXIO))
			atomic_store(&n->backend_closed, true);
	} else {
		/* A socket is gone when its peer hung up; a pending error (a datagram refused
		   by the peer) is not an end. */
		p = (struct pollfd){.fd = n->fd};
		if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLNVAL)))
			atomic_store(&n->backend_closed, true);
	}
	return atomic_load(&n->backend_closed);
}

void vdev_virtio_net_wants(const struct vdev_virtio_net *n, bool *read, bool *write)
{
	if (read)
		*read = n && wants_read(n);
	if (write)
		*write = n && wants_write(n);
}

void vdev_virtio_net_get_stats(const struct vdev_virtio_net *n, struct vdev_virtio_net_stats *out)
{
	*out = (struct vdev_virtio_net_stats){0};
	if (!n)
		return;
	out->rx_frames = atomic_load_explicit(&n->rx_frames, memory_order_relaxed);
	out->rx_bytes = atomic_load_explicit(&n->rx_bytes, memory_order_relaxed);
	out->rx_dropped = atomic_load_explicit(&n->rx_dropped, memory_order_relaxed);
	out->tx_frames = atomic_load_explicit(&n->tx_frames, memory_order_relaxed);
	out->tx_bytes = atomic_load_explicit(&n->tx_bytes, memory_order_relaxed);
	out->tx_dropped = atomic_load_explicit(&n->tx_dropped, memory_order_relaxed);
	out->backend_errors = atomic_load_explicit(&n->backend_errors, memory_order_relaxed);
}

/*
 * Saved state, version 1. What identifies the device, compared on restore: the feature
 * bits offered (u64) and the configuration space (VDEV_VIRTIO_NET_CONFIG_SIZE bytes: MAC,
 * status, queue pairs, MTU). Then the counters of vdev_virtio_net_get_stats(), in the
 * order of struct vdev_virtio_net_stats (u64 each), and the transmit frame held back
 * (u32 length with its header, 0 for none, then the bytes).
 */
#define NET_STATE_TAG VDEV_STATE_TAG('V', 'N', 'E', 'T')
#define NET_STATE_VERSION 1u

int vdev_virtio_net_save(const struct vdev_virtio_net *n, struct vdev_state_writer *w)
{
	struct vdev_virtio_net_stats st;
	size_t mark;

	if (!n || !w)
		return -EINVAL;
	vdev_virtio_net_get_stats(n, &st);
	mark = vdev_state_begin(w, NET_STATE_TAG, NET_STATE_VERSION);
	vdev_state_put_u64(w, n->dev.features);
	vdev_state_put_bytes(w, n->config, sizeof(n->config));
	vdev_state_put_u64(w, st.rx_frames);
	vdev_state_put_u64(w, st.rx_bytes);
	vdev_state_put_u64(w, st.rx_dropped);
	vdev_state_put_u64(w, st.tx_frames);
	vdev_state_put_u64(w, st.tx_bytes);
	vdev_state_put_u64(w, st.tx_dropped);
	vdev_state_put_u64(w, st.backend_errors);
	vdev_state_put_u32(w, (uint32_t)n->tx_len);
	vdev_state_put_bytes(w, n->tx_buf, n->tx_len);
	vdev_state_end(w, mark);
	return w->error;
}

int vdev_virtio_net_restore(struct vdev_virtio_net *n, struct vdev_state_reader *r)
{
	uint8_t config[VDEV_VIRTIO_NET_CONFIG_SIZE];
	struct vdev_virtio_net_stats st;
	struct vdev_state_reader s;
	uint64_t features;
	uint32_t tx_len;

	if (!n || !r)
		return -EINVAL;
	if (vdev_state_open(r, NET_STATE_TAG, NET_STATE_VERSION, NULL, &s) < 0)
		return r->error;
	features = vdev_state_get_u64(&s);
	vdev_state_get_bytes(&s, config, sizeof(config));
	st.rx_frames = vdev_state_get_u64(&s);
	st.rx_bytes = vdev_state_get_u64(&s);
	st.rx_dropped = vdev_state_get_u64(&s);
	st.tx_frames = vdev_state_get_u64(&s);
	st.tx_bytes = vdev_state_get_u64(&s);
	st.tx_dropped = vdev_state_get_u64(&s);
	st.backend_errors = vdev_state_get_u64(&s);
	tx_len = vdev_state_get_u32(&s);
	if (features != n->dev.features)
		vdev_state_fail(&s,
		                "virtio-net: saved device offered features %#" PRIx64
		                ", this one offers %#" PRIx64,
		                features, n->dev.features);
	else if (memcmp(config, n->config, 6) != 0)
		vdev_state_fail(&s, "virtio-net: saved device had another MAC address");
	else if (memcmp(config, n->config, sizeof(config)) != 0)
		vdev_state_fail(&s, "virtio-net: saved device had another MTU or status");
	else if (tx_len != 0 && (tx_len < HDR + ETH_HEADER || tx_len > FRAME_BUF))
		vdev_state_fail(&s, "virtio-net: held-back frame of %" PRIu32 " bytes", tx_len);
	else
		vdev_state_get_bytes(&s, n->tx_buf, tx_len);
	if (vdev_state_close(r, &s) < 0)
		return r->error;

	atomic_store_explicit(&n->rx_frames, st.rx_frames, memory_order_relaxed);
	atomic_store_explicit(&n->rx_bytes, st.rx_bytes, memory_order_relaxed);
	atomic_store_explicit(&n->rx_dropped, st.rx_dropped, memory_order_relaxed);
	atomic_store_explicit(&n->tx_frames, st.tx_frames, memory_order_relaxed);
	atomic_store_explicit(&n->tx_bytes, st.tx_bytes, memory_order_relaxed);
	atomic_store_explicit(&n->tx_dropped, st.tx_dropped, memory_order_relaxed);
	atomic_store_explicit(&n->backend_errors, st.backend_errors, memory_order_relaxed);
	n->tx_len = tx_len;
	if (tx_len)
		set_wait(n, wants_read(n), true);
	return 0;
}
