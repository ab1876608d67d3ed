/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk over an image whose host file system is full: a real ENOSPC from a 64 KiB
 * tmpfs (mounted in a private mount namespace of the test's own process) under a sparse
 * 1 MiB image. The failing write completes with VIRTIO_BLK_S_IOERR; the device stays
 * usable (no DEVICE_NEEDS_RESET) and later requests succeed. (/dev/full cannot stand in:
 * a character device has no size, and virtio-blk refuses an image of no capacity.)
 */
#define _GNU_SOURCE
#include "virtio_test_util.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define V1 (1ull << VDEV_VIRTIO_F_VERSION_1)
#define FLUSH (1ull << VDEV_VIRTIO_BLK_F_FLUSH)
#define HDR (T_BUF)
#define STATUS (T_BUF + 0x800)
#define DATA (T_BUF + 0x1000)
#define DATA_MAX 0x40000u /* 256 KiB */

static struct vmem_map *mem;
static struct vdev_virtio_blk *blk;
static struct vdev_virtio_mmio *m;
static struct tq t;
static char dir[64];

static int no_irq(void *ctx, uint32_t line)
{
	(void)ctx, (void)line;
	return 0;
}

static void start(int fd, uint64_t features)
{
	struct vdev_virtio_blk_config bc = {.fd = fd};
	mem = t_mem_create();
	cr_assert_not_null(mem);
	cr_assert_eq(vdev_virtio_blk_create(&bc, &blk), 0);
	struct vdev_virtio_mmio_config mc = {
	    .mem = mem,
	    .irq = {.assert_line = no_irq, .deassert_line = no_irq},
	    .device = *vdev_virtio_blk_device(blk)};
	cr_assert_eq(vdev_virtio_mmio_create(&mc, &m), 0);
	tq_init(&t, mem, 16);
	cr_assert(t_negotiate(m, features) & VDEV_VIRTIO_STATUS_FEATURES_OK);
	t_setup_queue(m, 0, &t);
	t_driver_ok(m);
	cr_assert_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 0xf);
}

static void stop(void)
{
	vdev_virtio_mmio_destroy(m);
	vdev_virtio_blk_destroy(blk);
	vmem_map_destroy(mem);
}

/* One request: header, data of len bytes (device-writable for reads), status. Returns the
   status byte; the device must have completed it. */
static int request(uint32_t type, uint64_t sector, uint32_t len)
{
	uint16_t before = tq_used_idx(&t);
	uint8_t h[16] = {0}, st = 0xee;
	bool in = type == VDEV_VIRTIO_BLK_T_IN;

	vmem_st_le32(h, type);
	vmem_st_le64(h + 8, sector);
	vmem_write(mem, HDR, h, sizeof(h));
	vmem_write_u8(mem, STATUS, 0xee);
	tq_desc(&t, 0, HDR, 16, VDEV_VIRTQ_DESC_F_NEXT, len ? 1 : 2);
	tq_desc(&t, 1, DATA, len, VDEV_VIRTQ_DESC_F_NEXT | (in ? VDEV_VIRTQ_DESC_F_WRITE : 0), 2);
	tq_desc(&t, 2, STATUS, 1, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_assert_eq(tq_used_idx(&t), (uint16_t)(before + 1), "request completed");
	cr_assert_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS) & VDEV_VIRTIO_STATUS_NEEDS_RESET, 0,
	             "a host I/O error is not the driver's fault");
	vmem_read_u8(mem, STATUS, &st);
	return st;
}

/* A private tmpfs of size bytes at dir; skips when this process may not mount. */
static void small_tmpfs(const char *size)
{
	char opts[32];

	if (unshare(CLONE_NEWNS) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		cr_skip_test("no private mount namespace here (%s)", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		cr_skip_test("cannot make mounts private (%s)", strerror(errno));
	strcpy(dir, "/tmp/cvmm-faults-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(opts, sizeof(opts), "size=%s", size);
	if (mount("cvmm-faults", dir, "tmpfs", 0, opts) < 0) {
		int e = errno;
		rmdir(dir);
		cr_skip_test("cannot mount a tmpfs (%s)", strerror(e));
	}
}

static void small_tmpfs_done(void)
{
	umount(dir);
	rmdir(dir);
}

Test(blk_faults, enospc_gives_ioerr_and_the_device_goes_on)
{
	char path[96];
	small_tmpfs("64k");
	snprintf(path, sizeof(path), "%s/disk.img", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, 1 << 20), 0); /* sparse: 1 MiB on a 64 KiB file system */

	for (uint64_t feats = V1; feats; feats = feats == V1 ? (V1 | FLUSH) : 0) {
		start(fd, feats);
		vmem_fill(mem, DATA, 0x5a, DATA_MAX);
		/* 256 KiB cannot fit: ENOSPC from the host, IOERR for the guest. */
		cr_expect_eq(request(VDEV_VIRTIO_BLK_T_OUT, 0, DATA_MAX), VDEV_VIRTIO_BLK_S_IOERR);
		/* The device goes on: reads anywhere, and a write into blocks that exist. */
		cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, 1024, 4096), VDEV_VIRTIO_BLK_S_OK);
		cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, 0, 4096), VDEV_VIRTIO_BLK_S_OK);
		if (feats & FLUSH)
			cr_expect_eq(request(VDEV_VIRTIO_BLK_T_FLUSH, 0, 0), VDEV_VIRTIO_BLK_S_OK);
		stop();
	}
	/* Room again: the same device model writes the whole range. */
	cr_assert_eq(ftruncate(fd, 0), 0);
	cr_assert_eq(ftruncate(fd, 32768), 0);
	start(fd, V1);
	vmem_fill(mem, DATA, 0x33, 32768);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_OUT, 0, 32768), VDEV_VIRTIO_BLK_S_OK);
	uint8_t got[512];
	cr_assert_eq(pread(fd, got, sizeof(got), 32768 - 512), (ssize_t)sizeof(got));
	for (size_t i = 0; i < sizeof(got); i++)
		cr_assert_eq(got[i], 0x33);
	stop();
	close(fd);
	small_tmpfs_done();
}
