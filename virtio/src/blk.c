/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk on a raw image. Requests are handled synchronously, in the caller's thread,
 * with the transport's lock held. Data moves between the image and guest memory with
 * vm-memory's vectored fd transfers (no bounce buffer).
 */
#define _GNU_SOURCE
#include <cvmm/virtio.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTOR VDEV_VIRTIO_BLK_SECTOR_SIZE
#define HDR_SIZE 16u
#define DWZ_SEG_SIZE 16u
#define MAX_DWZ_SEGS 32u
#define MAX_DWZ_SECTORS 0x400000u /* 2 GiB per segment */
#define DISCARD_ALIGN_SECTORS 8u  /* 4 KiB, the usual file system block */

struct vdev_virtio_blk {
	int fd;
	bool read_only;
	bool can_punch;
	uint64_t capacity; /* sectors */
	uint32_t seg_max;
	uint32_t size_max;
	uint64_t features; /* negotiated, set at activation */
	uint8_t id[VDEV_VIRTIO_BLK_ID_BYTES];
	uint8_t config[VDEV_VIRTIO_BLK_CONFIG_SIZE];
	struct vmem_range *ranges;
	size_t ranges_cap;
	struct vdev_virtio_device dev;
	/* What vdev_virtio_blk_get_stats() reports: written under the transport's lock,
	   read from any thread. */
	_Atomic uint64_t reads, writes, flushes, others, bytes_read, bytes_written, errors,
	    unsupported;
};

static void count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static void put32(uint8_t *p, uint32_t v)
{
	vmem_st_le32(p, v);
}

static bool negotiated(const struct vdev_virtio_blk *b, unsigned bit)
{
	return b->features & (1ull << bit);
}

/* Makes writes durable when the driver has no flush to ask for it (write-through). */
static bool sync_if_write_through(struct vdev_virtio_blk *b)
{
	if (negotiated(b, VDEV_VIRTIO_BLK_F_FLUSH))
		return true;
	return fdatasync(b->fd) == 0;
}

static bool range_ok(const struct vdev_virtio_blk *b, uint64_t sector, uint64_t sectors)
{
	return sector <= b->capacity && sectors <= b->capacity - sector;
}

/* Builds the data ranges of a request into b->ranges; -1 for a request to fail with IOERR
   (more segments than seg_max, a segment above size_max). */
static int data_ranges(struct vdev_virtio_blk *b, const struct vdev_virtq_chain *c, bool write,
                       uint64_t off, uint64_t len)
{
	int n;

	if (b->ranges_cap < c->nsegs) {
		struct vmem_range *r = realloc(b->ranges, c->nsegs * sizeof(*r));
		if (!r)
			return -ENOMEM;
		b->ranges = r;
		b->ranges_cap = c->nsegs;
	}
	n = vdev_virtq_chain_ranges(c, write, off, len, b->ranges, b->ranges_cap);
	if (n < 0)
		return -1;
	if ((uint32_t)n > b->seg_max)
		return -1;
	for (int i = 0; i < n; i++)
		if (b->ranges[i].len > b->size_max)
			return -1;
	return n;
}

static uint8_t do_rw(struct vdev_virtio_blk *b, const struct vmem_map *mem,
                     const struct vdev_virtq_chain *c, bool in, uint64_t sector, uint32_t *written)
{
	uint64_t len = in ? c->write_len - 1 : c->read_len - HDR_SIZE;
	ssize_t n;
	int nr;

	if (!in && b->read_only)
		return VDEV_VIRTIO_BLK_S_IOERR;
	if (len % SECTOR || !range_ok(b, sector, len / SECTOR))
		return VDEV_VIRTIO_BLK_S_IOERR;
	nr = data_ranges(b, c, in, in ? 0 : HDR_SIZE, len);
	if (nr < 0)
		return VDEV_VIRTIO_BLK_S_IOERR;
	if (len == 0)
		return VDEV_VIRTIO_BLK_S_OK;
	if (in) {
		n = vmem_readv_from_fd(mem, b->ranges, (size_t)nr, b->fd, (off_t)(sector * SECTOR));
		if (n > 0)
			*written = (uint32_t)n;
		return n == (ssize_t)len ? VDEV_VIRTIO_BLK_S_OK : VDEV_VIRTIO_BLK_S_IOERR;
	}
	n = vmem_writev_to_fd(mem, b->ranges, (size_t)nr, b->fd, (off_t)(sector * SECTOR));
	if (n != (ssize_t)len || !sync_if_write_through(b))
		return VDEV_VIRTIO_BLK_S_IOERR;
	return VDEV_VIRTIO_BLK_S_OK;
}

static bool write_zeroes_slow(int fd, off_t off, uint64_t len)
{
	static const uint8_t zeroes[65536];

	while (len) {
		size_t n = len < sizeof(zeroes) ? (size_t)len : sizeof(zeroes);
		ssize_t w = pwrite(fd, zeroes, n, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		off += w;
		len -= (uint64_t)w;
	}
	return true;
}

static bool zero_range(struct vdev_virtio_blk *b, off_t off, uint64_t len, bool unmap)
{
	if (fallocate(b->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, off, (off_t)len) == 0)
		return true;
	/* A punched hole reads as zeroes; used only when the driver allows deallocation. */
	if (unmap && b->can_punch &&
	    fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, (off_t)len) == 0)
		return true;
	return write_zeroes_slow(b->fd, off, len);
}

static uint8_t do_discard_wz(struct vdev_virtio_blk *b, const struct vdev_virtq *q,
                             const struct vdev_virtq_chain *c, bool discard)
{
	uint64_t len = c->read_len - HDR_SIZE;
	unsigned feature = discard ? VDEV_VIRTIO_BLK_F_DISCARD : VDEV_VIRTIO_BLK_F_WRITE_ZEROES;
	uint8_t seg[DWZ_SEG_SIZE];

	if (b->read_only || !negotiated(b, feature))
		return VDEV_VIRTIO_BLK_S_UNSUPP;
	if (len == 0 || len % DWZ_SEG_SIZE || len / DWZ_SEG_SIZE > MAX_DWZ_SEGS)
		return VDEV_VIRTIO_BLK_S_IOERR;
	for (uint64_t off = HDR_SIZE; off < c->read_len; off += DWZ_SEG_SIZE) {
		if (vdev_virtq_chain_read(q, c, off, seg, sizeof(seg)) != (ssize_t)sizeof(seg))
			return VDEV_VIRTIO_BLK_S_IOERR;
		uint64_t sector = vmem_ld_le64(seg);
		uint32_t num = vmem_ld_le32(seg + 8);
		uint32_t flags = vmem_ld_le32(seg + 12);
		bool unmap = flags & VDEV_VIRTIO_BLK_WZ_F_UNMAP;

		if ((flags & ~VDEV_VIRTIO_BLK_WZ_F_UNMAP) || (discard && unmap))
			return VDEV_VIRTIO_BLK_S_UNSUPP;
		if (num > MAX_DWZ_SECTORS || !range_ok(b, sector, num))
			return VDEV_VIRTIO_BLK_S_IOERR;
		off_t foff = (off_t)(sector * SECTOR);
		off_t flen = (off_t)num * SECTOR;
		if (num == 0)
			continue;
		if (discard) {
			if (fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, foff,
			              flen) < 0)
				return VDEV_VIRTIO_BLK_S_IOERR;
		} else if (!zero_range(b, foff, (uint64_t)flen, unmap)) {
			return VDEV_VIRTIO_BLK_S_IOERR;
		}
	}
	return sync_if_write_through(b) ? VDEV_VIRTIO_BLK_S_OK : VDEV_VIRTIO_BLK_S_IOERR;
}

/* Handles one request; *used_len receives the bytes written into the chain. -EBADMSG
   when the chain has no room for the header or the status byte. */
static int handle(struct vdev_virtio_blk *b, struct vdev_virtq *q, const struct vdev_virtq_chain *c,
                  uint32_t *used_len)
{
	const struct vmem_map *mem = vdev_virtq_mem(q);
	uint8_t hdr[HDR_SIZE];
	uint32_t written = 0;
	uint8_t status;

	if (c->read_len < HDR_SIZE || c->write_len < 1)
		return -EBADMSG;
	if (vdev_virtq_chain_read(q, c, 0, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr))
		return -EFAULT;
	uint32_t type = vmem_ld_le32(hdr);
	uint64_t sector = vmem_ld_le64(hdr + 8);

	switch (type) {
	case VDEV_VIRTIO_BLK_T_IN:
		status = do_rw(b, mem, c, true, sector, &written);
		count(&b->reads, 1);
		if (status == VDEV_VIRTIO_BLK_S_OK)
			count(&b->bytes_read, written);
		break;
	case VDEV_VIRTIO_BLK_T_OUT:
		status = do_rw(b, mem, c, false, sector, &written);
		count(&b->writes, 1);
		if (status == VDEV_VIRTIO_BLK_S_OK)
			count(&b->bytes_written, c->read_len - HDR_SIZE);
		break;
	case VDEV_VIRTIO_BLK_T_FLUSH:
		count(&b->flushes, 1);
		status = b->read_only || fdatasync(b->fd) == 0 ? VDEV_VIRTIO_BLK_S_OK
		                                               : VDEV_VIRTIO_BLK_S_IOERR;
		break;
	case VDEV_VIRTIO_BLK_T_GET_ID: {
		uint64_t room = c->write_len - 1;
		size_t n = room < sizeof(b->id) ? (size_t)room : sizeof(b->id);
		ssize_t w = vdev_virtq_chain_write(q, c, 0, b->id, n);
		status = w == (ssize_t)n ? VDEV_VIRTIO_BLK_S_OK : VDEV_VIRTIO_BLK_S_IOERR;
		written = w > 0 ? (uint32_t)w : 0;
		break;
	}
	case VDEV_VIRTIO_BLK_T_DISCARD:
	case VDEV_VIRTIO_BLK_T_WRITE_ZEROES:
		status = do_discard_wz(b, q, c, type == VDEV_VIRTIO_BLK_T_DISCARD);
		break;
	default:
		status = VDEV_VIRTIO_BLK_S_UNSUPP;
		break;
	}
	if (type != VDEV_VIRTIO_BLK_T_IN && type != VDEV_VIRTIO_BLK_T_OUT &&
	    type != VDEV_VIRTIO_BLK_T_FLUSH)
		count(&b->others, 1);
	if (status == VDEV_VIRTIO_BLK_S_IOERR)
		count(&b->errors, 1);
	else if (status == VDEV_VIRTIO_BLK_S_UNSUPP)
		count(&b->unsupported, 1);
	if (vdev_virtq_chain_write(q, c, c->write_len - 1, &status, 1) != 1)
		return -EFAULT;
	*used_len = written + 1;
	return 0;
}

static int blk_process(void *ctx, uint16_t index, struct vdev_virtq *q)
{
	struct vdev_virtio_blk *b = ctx;
	struct vdev_virtq_chain c;
	int done = 0, ret;

	(void)index;
	for (;;) {
		ret = vdev_virtq_pop(q, &c);
		if (ret <= 0)
			return ret < 0 ? ret : done;
		uint32_t used_len = 0;
		ret = handle(b, q, &c, &used_len);
		if (ret < 0)
			return ret;
		ret = vdev_virtq_push(q, c.head, used_len);
		if (ret < 0)
			return ret;
		if (done < INT32_MAX)
			done++;
	}
}

static int blk_config_read(void *ctx, uint32_t off, uint8_t *data, uint32_t size)
{
	struct vdev_virtio_blk *b = ctx;

	memcpy(data, b->config + off, size);
	return 0;
}

static int blk_activate(void *ctx, uint64_t features)
{
	struct vdev_virtio_blk *b = ctx;

	b->features = features;
	return 0;
}

static void blk_reset(void *ctx)
{
	struct vdev_virtio_blk *b = ctx;

	b->features = 0;
}

static int image_size(int fd, uint64_t *bytes)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, bytes) < 0)
			return -errno;
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	*bytes = (uint64_t)st.st_size;
	return 0;
}

static void fill_config(struct vdev_virtio_blk *b)
{
	uint8_t *cfg = b->config;

	vmem_st_le64(cfg + VDEV_VIRTIO_BLK_CFG_CAPACITY, b->capacity);
	put32(cfg + VDEV_VIRTIO_BLK_CFG_SIZE_MAX, b->size_max);
	put32(cfg + VDEV_VIRTIO_BLK_CFG_SEG_MAX, b->seg_max);
	put32(cfg + VDEV_VIRTIO_BLK_CFG_BLK_SIZE, SECTOR);
	put32(cfg + VDEV_VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, MAX_DWZ_SECTORS);
	put32(cfg + VDEV_VIRTIO_BLK_CFG_MAX_DISCARD_SEG, MAX_DWZ_SEGS);
	put32(cfg + VDEV_VIRTIO_BLK_CFG_DISCARD_ALIGNMENT, DISCARD_ALIGN_SECTORS);
	put32(cfg + VDEV_VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS, MAX_DWZ_SECTORS);
	put32(cfg + VDEV_VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG, MAX_DWZ_SEGS);
	cfg[VDEV_VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP] = b->can_punch;
}

int vdev_virtio_blk_create(const struct vdev_virtio_blk_config *cfg, struct vdev_virtio_blk **out)
{
	struct vdev_virtio_blk *b;
	uint16_t qsize;
	uint64_t bytes;
	struct stat st;
	int ret;

	if (!cfg || !out || (!cfg->path && cfg->fd < 0))
		return -EINVAL;
	qsize = cfg->queue_size ? cfg->queue_size : 256;
	if (qsize & (qsize - 1) || qsize < 4)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	if (cfg->path)
		b->fd = open(cfg->path, (cfg->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	else
		b->fd = fcntl(cfg->fd, F_DUPFD_CLOEXEC, 0);
	if (b->fd < 0) {
		ret = -errno;
		free(b);
		return ret;
	}
	ret = image_size(b->fd, &bytes);
	if (ret == 0 && fstat(b->fd, &st) < 0)
		ret = -errno;
	if (ret == 0 && bytes < SECTOR)
		ret = -EINVAL;
	if (ret < 0) {
		close(b->fd);
		free(b);
		return ret;
	}
	b->read_only = cfg->read_only;
	b->capacity = bytes / SECTOR;
	b->seg_max = cfg->seg_max ? cfg->seg_max : qsize - 2u;
	b->size_max = cfg->size_max ? cfg->size_max : 1u << 20;
	/* Punching a hole past the end of the image changes nothing and tells whether the
	   file system can deallocate: only then is discard cheap enough to offer. */
	b->can_punch =
	    !b->read_only && S_ISREG(st.st_mode) &&
	    fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)bytes, 4096) == 0;
	/* Without a serial the id is empty (the guest sees none): nothing derived from the
	   image file (its device and inode numbers say where it lies on the host). */
	if (cfg->serial)
		memcpy(b->id, cfg->serial, strnlen(cfg->serial, sizeof(b->id)));
	fill_config(b);

	uint64_t f = (1ull << VDEV_VIRTIO_BLK_F_SIZE_MAX) | (1ull << VDEV_VIRTIO_BLK_F_SEG_MAX) |
	             (1ull << VDEV_VIRTIO_BLK_F_BLK_SIZE) | (1ull << VDEV_VIRTIO_BLK_F_FLUSH);
	if (b->read_only)
		f |= 1ull << VDEV_VIRTIO_BLK_F_RO;
	else
		f |= 1ull << VDEV_VIRTIO_BLK_F_WRITE_ZEROES;
	if (b->can_punch)
		f |= 1ull << VDEV_VIRTIO_BLK_F_DISCARD;
	b->dev = (struct vdev_virtio_device){
	    .device_id = VDEV_VIRTIO_ID_BLOCK,
	    .features = f,
	    .num_queues = 1,
	    .queue_max_size = qsize,
	    .config_size = VDEV_VIRTIO_BLK_CONFIG_SIZE,
	    .ctx = b,
	    .config_read = blk_config_read,
	    .activate = blk_activate,
	    .reset = blk_reset,
	    .process = blk_process,
	};
	*out = b;
	return 0;
}

void vdev_virtio_blk_destroy(struct vdev_virtio_blk *b)
{
	if (!b)
		return;
	close(b->fd);
	free(b->ranges);
	free(b);
}

const struct vdev_virtio_device *vdev_virtio_blk_device(const struct vdev_virtio_blk *b)
{
	return b ? &b->dev : NULL;
}

int vdev_virtio_blk_image_fd(const struct vdev_virtio_blk *b)
{
	return b ? b->fd : -1;
}

void vdev_virtio_blk_get_stats(const struct vdev_virtio_blk *b, struct vdev_virtio_blk_stats *out)
{
	*out = (struct vdev_virtio_blk_stats){0};
	if (!b)
		return;
	out->reads = atomic_load_explicit(&b->reads, memory_order_relaxed);
	out->writes = atomic_load_explicit(&b->writes, memory_order_relaxed);
	out->flushes = atomic_load_explicit(&b->flushes, memory_order_relaxed);
	out->others = atomic_load_explicit(&b->others, memory_order_relaxed);
	out->bytes_read = atomic_load_explicit(&b->bytes_read, memory_order_relaxed);
	out->bytes_written = atomic_load_explicit(&b->bytes_written, memory_order_relaxed);
	out->errors = atomic_load_explicit(&b->errors, memory_order_relaxed);
	out->unsupported = atomic_load_explicit(&b->unsupported, memory_order_relaxed);
}

uint64_t vdev_virtio_blk_capacity(const struct vdev_virtio_blk *b)
{
	return b ? b->capacity : 0;
}

/*
 * Saved state, version 1. What identifies the disk, compared on restore: the device's
 * feature bits (u64), read-only (u8), the configuration space (VDEV_VIRTIO_BLK_CONFIG_SIZE
 * bytes: capacity, limits) and the GET_ID answer (VDEV_VIRTIO_BLK_ID_BYTES bytes). Then the
 * request counters of vdev_virtio_blk_get_stats(), in the order of struct
 * vdev_virtio_blk_stats (u64 each). The negotiated features are the transport's
 * (vdev_virtio_mmio_restore() activates the device with them).
 */
#define BLK_STATE_TAG VDEV_STATE_TAG('V', 'B', 'L', 'K')
#define BLK_STATE_VERSION 1u

int vdev_virtio_blk_save(const struct vdev_virtio_blk *b, struct vdev_state_writer *w)
{
	struct vdev_virtio_blk_stats st;
	size_t mark;

	if (!b || !w)
		return -EINVAL;
	vdev_virtio_blk_get_stats(b, &st);
	mark = vdev_state_begin(w, BLK_STATE_TAG, BLK_STATE_VERSION);
	vdev_state_put_u64(w, b->dev.features);
	vdev_state_put_u8(w, b->read_only);
	vdev_state_put_bytes(w, b->config, sizeof(b->config));
	vdev_state_put_bytes(w, b->id, sizeof(b->id));
	vdev_state_put_u64(w, st.reads);
	vdev_state_put_u64(w, st.writes);
	vdev_state_put_u64(w, st.flushes);
	vdev_state_put_u64(w, st.others);
	vdev_state_put_u64(w, st.bytes_read);
	vdev_state_put_u64(w, st.bytes_written);
	vdev_state_put_u64(w, st.errors);
	vdev_state_put_u64(w, st.unsupported);
	vdev_state_end(w, mark);
	return w->error;
}

int vdev_virtio_blk_restore(struct vdev_virtio_blk *b, struct vdev_state_reader *r)
{
	uint8_t config[VDEV_VIRTIO_BLK_CONFIG_SIZE], id[VDEV_VIRTIO_BLK_ID_BYTES];
	struct vdev_virtio_blk_stats st;
	struct vdev_state_reader s;
	uint64_t features;
	uint8_t read_only;

	if (!b || !r)
		return -EINVAL;
	if (vdev_state_open(r, BLK_STATE_TAG, BLK_STATE_VERSION, NULL, &s) < 0)
		return r->error;
	features = vdev_state_get_u64(&s);
	read_only = vdev_state_get_u8(&s);
	vdev_state_get_bytes(&s, config, sizeof(config));
	vdev_state_get_bytes(&s, id, sizeof(id));
	st.reads = vdev_state_get_u64(&s);
	st.writes = vdev_state_get_u64(&s);
	st.flushes = vdev_state_get_u64(&s);
	st.others = vdev_state_get_u64(&s);
	st.bytes_read = vdev_state_get_u64(&s);
	st.bytes_written = vdev_state_get_u64(&s);
	st.errors = vdev_state_get_u64(&s);
	st.unsupported = vdev_state_get_u64(&s);
	if (read_only != b->read_only)
		vdev_state_fail(&s, "virtio-blk: saved disk was %s, this one is %s",
		                read_only ? "read-only" : "writable",
		                b->read_only ? "read-only" : "writable");
	if (features != b->dev.features)
		vdev_state_fail(&s,
		                "virtio-blk: saved disk offered features %#" PRIx64
		                ", this one offers %#" PRIx64,
		                features, b->dev.features);
	if (vmem_ld_le64(config) != b->capacity)
		vdev_state_fail(
		    &s, "virtio-blk: saved disk had %" PRIu64 " sectors, this image has %" PRIu64,
		    vmem_ld_le64(config), b->capacity);
	for (size_t i = 0; i < sizeof(config); i++)
		if (config[i] != b->config[i]) {
			vdev_state_fail(&s, "virtio-blk: configuration space differs at byte %zu",
			                i);
			break;
		}
	if (memcmp(id, b->id, sizeof(id)) != 0)
		vdev_state_fail(&s, "virtio-blk: saved disk had another serial");
	if (vdev_state_close(r, &s) < 0)
		return r->error;

	atomic_store_explicit(&b->reads, st.reads, memory_order_relaxed);
	atomic_store_explicit(&b->writes, st.writes, memory_order_relaxed);
	atomic_store_explicit(&b->flushes, st.flushes, memory_order_relaxed);
	atomic_store_explicit(&b->others, st.others, memory_order_relaxed);
	atomic_store_explicit(&b->bytes_read, st.bytes_read, memory_order_relaxed);
	atomic_store_explicit(&b->bytes_written, st.bytes_written, memory_order_relaxed);
	atomic_store_explicit(&b->errors, st.errors, memory_order_relaxed);
	atomic_store_explicit(&b->unsupported, st.unsupported, memory_order_relaxed);
	return 0;
}
