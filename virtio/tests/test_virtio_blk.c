/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-blk through the virtio-mmio transport, against a real image file. */
#define _GNU_SOURCE
#include "virtio_test_util.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define V1 (1ull << VDEV_VIRTIO_F_VERSION_1)
#define F(b) (1ull << (b))
#define IMG_SECTORS 2048u /* 1 MiB */
#define IMG_SIZE (IMG_SECTORS * 512u)
#define HDR (T_BUF)
#define DATA (T_BUF + 0x1000)
#define STATUS (T_BUF + 0x800)

static char path[64];
static int img; /* the test's own descriptor of the image */
static struct vmem_map *mem;
static struct vdev_virtio_blk *blk;
static struct vdev_virtio_mmio *m;
static struct t_irq irq;
static struct tq t;

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + off / 512);
}

static void make_image(void)
{
	static uint8_t buf[IMG_SIZE];
	strcpy(path, "/tmp/cvmm-virtio-blk-XXXXXX");
	img = mkstemp(path);
	cr_assert_geq(img, 0);
	for (uint64_t i = 0; i < IMG_SIZE; i++)
		buf[i] = pattern(i);
	cr_assert_eq(pwrite(img, buf, IMG_SIZE, 0), IMG_SIZE);
}

static void start(const struct vdev_virtio_blk_config *cfg, uint64_t features)
{
	mem = t_mem_create();
	cr_assert_not_null(mem);
	cr_assert_eq(vdev_virtio_blk_create(cfg, &blk), 0);
	struct vdev_virtio_mmio_config mc = {
	    .mem = mem, .irq = t_irq_wire(&irq), .device = *vdev_virtio_blk_device(blk)};
	cr_assert_eq(vdev_virtio_mmio_create(&mc, &m), 0);
	tq_init(&t, mem, 16);
	if (features) {
		cr_assert(t_negotiate(m, features) & VDEV_VIRTIO_STATUS_FEATURES_OK);
		t_setup_queue(m, 0, &t);
		t_driver_ok(m);
		cr_assert_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 0xf);
	}
}

static void setup(void)
{
	memset(&irq, 0, sizeof(irq));
	make_image();
	struct vdev_virtio_blk_config cfg = {.path = path, .serial = "cvmm-test-disk"};
	start(&cfg, V1 | F(VDEV_VIRTIO_BLK_F_FLUSH) | F(VDEV_VIRTIO_BLK_F_WRITE_ZEROES));
}

static void teardown(void)
{
	vdev_virtio_mmio_destroy(m);
	vdev_virtio_blk_destroy(blk);
	vmem_map_destroy(mem);
	close(img);
	unlink(path);
}

TestSuite(virtio_blk, .init = setup, .fini = teardown);

static void write_hdr(uint32_t type, uint64_t sector)
{
	uint8_t h[16] = {0};
	vmem_st_le32(h, type);
	vmem_st_le64(h + 8, sector);
	vmem_write(mem, HDR, h, sizeof(h));
}

/* Submits header + one data buffer (device-writable when in) + status; returns the
   status byte, and the used length in *used. */
static int request(uint32_t type, uint64_t sector, bool in, uint32_t len, uint32_t *used)
{
	uint16_t before = tq_used_idx(&t);
	uint32_t id, ulen;
	uint8_t st = 0xee;

	write_hdr(type, sector);
	vmem_write_u8(mem, STATUS, 0xee);
	tq_desc(&t, 0, HDR, 16, VDEV_VIRTQ_DESC_F_NEXT, len ? 1 : 2);
	tq_desc(&t, 1, DATA, len, VDEV_VIRTQ_DESC_F_NEXT | (in ? VDEV_VIRTQ_DESC_F_WRITE : 0), 2);
	tq_desc(&t, 2, STATUS, 1, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_assert_eq(tq_used_idx(&t), (uint16_t)(before + 1), "request completed");
	tq_used_elem(&t, before, &id, &ulen);
	cr_assert_eq(id, 0);
	if (used)
		*used = ulen;
	vmem_read_u8(mem, STATUS, &st);
	return st;
}

static void expect_image(uint64_t off, const uint8_t *want, size_t len)
{
	uint8_t *got = malloc(len);
	cr_assert_eq(pread(img, got, len, (off_t)off), (ssize_t)len);
	cr_expect_arr_eq(got, want, len);
	free(got);
}

Test(virtio_blk, config_space)
{
	uint8_t d[8];
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_DEVICE_ID), VDEV_VIRTIO_ID_BLOCK);
	vdev_virtio_mmio_read(m, VDEV_VIRTIO_MMIO_CONFIG + VDEV_VIRTIO_BLK_CFG_CAPACITY, d, 8);
	cr_expect_eq(vdev_le_get(d, 8), IMG_SECTORS);
	cr_expect_eq(vdev_virtio_blk_capacity(blk), IMG_SECTORS);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_CONFIG + VDEV_VIRTIO_BLK_CFG_SEG_MAX), 254);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_CONFIG + VDEV_VIRTIO_BLK_CFG_SIZE_MAX), 1u << 20);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_CONFIG + VDEV_VIRTIO_BLK_CFG_BLK_SIZE), 512);
	uint64_t f = t_device_features(m);
	cr_expect(f & F(VDEV_VIRTIO_BLK_F_SEG_MAX));
	cr_expect(f & F(VDEV_VIRTIO_BLK_F_SIZE_MAX));
	cr_expect(f & F(VDEV_VIRTIO_BLK_F_FLUSH));
	cr_expect(f & F(VDEV_VIRTIO_BLK_F_WRITE_ZEROES));
	cr_expect_not(f & F(VDEV_VIRTIO_BLK_F_RO));
	cr_expect(f & V1);
}

Test(virtio_blk, read_sectors)
{
	uint32_t used;
	uint8_t want[1024], got[1024];
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, 5, true, 1024, &used), VDEV_VIRTIO_BLK_S_OK);
	cr_expect_eq(used, 1025);
	vmem_read(mem, DATA, got, sizeof(got));
	for (unsigned i = 0; i < sizeof(want); i++)
		want[i] = pattern(5 * 512 + i);
	cr_expect_arr_eq(got, want, sizeof(want));
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS), VDEV_VIRTIO_INT_VRING);
	cr_expect_eq(irq.level, 1);
}

Test(virtio_blk, read_last_sector_and_beyond)
{
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, IMG_SECTORS - 1, true, 512, NULL),
	             VDEV_VIRTIO_BLK_S_OK);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, IMG_SECTORS - 1, true, 1024, NULL),
	             VDEV_VIRTIO_BLK_S_IOERR);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, IMG_SECTORS, true, 512, NULL),
	             VDEV_VIRTIO_BLK_S_IOERR);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, UINT64_MAX, true, 512, NULL),
	             VDEV_VIRTIO_BLK_S_IOERR);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, 1ull << 55, true, 512, NULL),
	             VDEV_VIRTIO_BLK_S_IOERR);
}

Test(virtio_blk, partial_sector_is_refused)
{
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, 0, true, 100, NULL), VDEV_VIRTIO_BLK_S_IOERR);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_OUT, 0, false, 100, NULL), VDEV_VIRTIO_BLK_S_IOERR);
	expect_image(0, (uint8_t[]){pattern(0), pattern(1)}, 2);
}

Test(virtio_blk, write_reaches_the_file)
{
	uint8_t data[1536];
	uint32_t used;
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0x5a ^ i);
	vmem_write(mem, DATA, data, sizeof(data));
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_OUT, 100, false, sizeof(data), &used),
	             VDEV_VIRTIO_BLK_S_OK);
	cr_expect_eq(used, 1, "only the status byte was written");
	expect_image(100 * 512, data, sizeof(data));
	expect_image(99 * 512, (uint8_t[]){pattern(99 * 512)}, 1);
	expect_image(103 * 512, (uint8_t[]){pattern(103 * 512)}, 1);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_FLUSH, 0, false, 0, &used), VDEV_VIRTIO_BLK_S_OK);
	cr_expect_eq(used, 1);

	/* Read back through the device. */
	vmem_fill(mem, DATA, 0, sizeof(data));
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, 100, true, sizeof(data), NULL),
	             VDEV_VIRTIO_BLK_S_OK);
	uint8_t got[1536];
	vmem_read(mem, DATA, got, sizeof(got));
	cr_expect_arr_eq(got, data, sizeof(data));
}

Test(virtio_blk, scattered_request_with_indirect_table)
{
	/* Header split across two descriptors, data in three pieces, status alone. */
	write_hdr(VDEV_VIRTIO_BLK_T_IN, 8);
	vmem_write_u8(mem, STATUS, 0xee);
	t_desc_at(mem, T_INDIRECT, 0, HDR, 5, VDEV_VIRTQ_DESC_F_NEXT, 1);
	t_desc_at(mem, T_INDIRECT, 1, HDR + 5, 11, VDEV_VIRTQ_DESC_F_NEXT, 2);
	t_desc_at(mem, T_INDIRECT, 2, DATA, 100, VDEV_VIRTQ_DESC_F_NEXT | VDEV_VIRTQ_DESC_F_WRITE,
	          3);
	t_desc_at(mem, T_INDIRECT, 3, DATA + 0x1000, 800,
	          VDEV_VIRTQ_DESC_F_NEXT | VDEV_VIRTQ_DESC_F_WRITE, 4);
	t_desc_at(mem, T_INDIRECT, 4, DATA + 0x2000, 124,
	          VDEV_VIRTQ_DESC_F_NEXT | VDEV_VIRTQ_DESC_F_WRITE, 5);
	t_desc_at(mem, T_INDIRECT, 5, STATUS, 1, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_desc(&t, 3, T_INDIRECT, 6 * 16, VDEV_VIRTQ_DESC_F_INDIRECT, 0);
	vdev_virtio_mmio_destroy(m);
	struct vdev_virtio_mmio_config mc = {
	    .mem = mem, .irq = t_irq_wire(&irq), .device = *vdev_virtio_blk_device(blk)};
	cr_assert_eq(vdev_virtio_mmio_create(&mc, &m), 0);
	cr_assert(t_negotiate(m, V1 | F(VDEV_VIRTIO_F_INDIRECT_DESC)) &
	          VDEV_VIRTIO_STATUS_FEATURES_OK);
	tq_init(&t, mem, 16);
	tq_desc(&t, 3, T_INDIRECT, 6 * 16, VDEV_VIRTQ_DESC_F_INDIRECT, 0);
	t_setup_queue(m, 0, &t);
	t_driver_ok(m);
	tq_publish(&t, 3);
	cr_expect_eq(vdev_virtio_mmio_process_queue(m, 0), 1);
	uint8_t st, got[1024];
	vmem_read_u8(mem, STATUS, &st);
	cr_expect_eq(st, VDEV_VIRTIO_BLK_S_OK);
	vmem_read(mem, DATA, got, 100);
	vmem_read(mem, DATA + 0x1000, got + 100, 800);
	vmem_read(mem, DATA + 0x2000, got + 900, 124);
	for (unsigned i = 0; i < 1024; i++)
		cr_assert_eq(got[i], pattern(8 * 512 + i), "byte %u", i);
	uint32_t id, len;
	tq_used_elem(&t, 0, &id, &len);
	cr_expect_eq(id, 3);
	cr_expect_eq(len, 1025);
}

Test(virtio_blk, get_id)
{
	uint32_t used;
	char id[20];
	vmem_fill(mem, DATA, 0x55, 32);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_GET_ID, 0, true, 20, &used), VDEV_VIRTIO_BLK_S_OK);
	cr_expect_eq(used, 21);
	vmem_read(mem, DATA, id, 20);
	cr_expect_arr_eq(id, "cvmm-test-disk\0\0\0\0\0\0", 20);
	/* A smaller buffer gets a truncated id. */
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_GET_ID, 0, true, 4, &used), VDEV_VIRTIO_BLK_S_OK);
	cr_expect_eq(used, 5);
}

Test(virtio_blk, default_id_says_nothing_about_the_host)
{
	/* No serial: the id is empty, not the image's st_dev and st_ino. */
	struct vdev_virtio_blk_config cfg = {.path = path};
	uint32_t used;
	uint8_t id[20], zero[20] = {0};
	vdev_virtio_mmio_destroy(m);
	vdev_virtio_blk_destroy(blk);
	vmem_map_destroy(mem);
	start(&cfg, V1);
	vmem_fill(mem, DATA, 0x55, 32);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_GET_ID, 0, true, 20, &used), VDEV_VIRTIO_BLK_S_OK);
	cr_expect_eq(used, 21);
	vmem_read(mem, DATA, id, 20);
	cr_expect_arr_eq(id, zero, 20);
}

Test(virtio_blk, image_fd_is_the_devices_own)
{
	int fd = vdev_virtio_blk_image_fd(blk);
	cr_assert_geq(fd, 0);
	cr_expect_neq(fd, img);
	cr_expect_eq(vdev_virtio_blk_image_fd(NULL), -1);
	/* It is the image: the device's reads see what the test wrote. */
	uint8_t b = 0;
	cr_assert_eq(pread(fd, &b, 1, 513), 1);
	cr_expect_eq(b, pattern(513));
}

Test(virtio_blk, unknown_request)
{
	cr_expect_eq(request(99, 0, true, 512, NULL), VDEV_VIRTIO_BLK_S_UNSUPP);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_DISCARD + 100, 0, false, 16, NULL),
	             VDEV_VIRTIO_BLK_S_UNSUPP);
}

/* Each request counted by type, the data of those that succeeded, the failures by
   status. */
Test(virtio_blk, stats_count_requests_bytes_and_errors)
{
	struct vdev_virtio_blk_stats st;

	vdev_virtio_blk_get_stats(blk, &st);
	cr_expect_eq(st.reads + st.writes + st.flushes + st.others, 0, "a new device");
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, 5, true, 1024, NULL), VDEV_VIRTIO_BLK_S_OK);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_OUT, 7, false, 1536, NULL), VDEV_VIRTIO_BLK_S_OK);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_OUT, 7, false, 512, NULL), VDEV_VIRTIO_BLK_S_OK);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_FLUSH, 0, false, 0, NULL), VDEV_VIRTIO_BLK_S_OK);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, IMG_SECTORS, true, 512, NULL),
	             VDEV_VIRTIO_BLK_S_IOERR);
	cr_expect_eq(request(99, 0, true, 512, NULL), VDEV_VIRTIO_BLK_S_UNSUPP);
	vdev_virtio_blk_get_stats(blk, &st);
	cr_expect_eq(st.reads, 2);
	cr_expect_eq(st.writes, 2);
	cr_expect_eq(st.flushes, 1);
	cr_expect_eq(st.others, 1);
	cr_expect_eq(st.bytes_read, 1024, "the failed read moved nothing");
	cr_expect_eq(st.bytes_written, 2048);
	cr_expect_eq(st.errors, 1);
	cr_expect_eq(st.unsupported, 1);
	vdev_virtio_blk_get_stats(NULL, &st);
	cr_expect_eq(st.reads, 0);
}

static void write_seg(uint64_t sector, uint32_t num, uint32_t flags)
{
	uint8_t s[16];
	vmem_st_le64(s, sector);
	vmem_st_le32(s + 8, num);
	vmem_st_le32(s + 12, flags);
	vmem_write(mem, DATA, s, sizeof(s));
}

Test(virtio_blk, write_zeroes)
{
	static const uint8_t zero[2048];
	write_seg(10, 4, 0);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_WRITE_ZEROES, 0, false, 16, NULL),
	             VDEV_VIRTIO_BLK_S_OK);
	expect_image(10 * 512, zero, sizeof(zero));
	expect_image(14 * 512, (uint8_t[]){pattern(14 * 512)}, 1);
	expect_image(9 * 512 + 511, (uint8_t[]){pattern(9 * 512 + 511)}, 1);

	write_seg(20, 1, VDEV_VIRTIO_BLK_WZ_F_UNMAP);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_WRITE_ZEROES, 0, false, 16, NULL),
	             VDEV_VIRTIO_BLK_S_OK);
	expect_image(20 * 512, zero, 512);

	write_seg(20, 1, 2);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_WRITE_ZEROES, 0, false, 16, NULL),
	             VDEV_VIRTIO_BLK_S_UNSUPP, "unknown flag");
	write_seg(IMG_SECTORS - 1, 2, 0);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_WRITE_ZEROES, 0, false, 16, NULL),
	             VDEV_VIRTIO_BLK_S_IOERR, "past the end");
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_WRITE_ZEROES, 0, false, 20, NULL),
	             VDEV_VIRTIO_BLK_S_IOERR, "not whole segments");
}

Test(virtio_blk, discard)
{
	uint64_t f = t_device_features(m);
	write_seg(30, 8, 0);
	/* Discard was not negotiated by setup(): refused. */
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_DISCARD, 0, false, 16, NULL),
	             VDEV_VIRTIO_BLK_S_UNSUPP);
	if (!(f & F(VDEV_VIRTIO_BLK_F_DISCARD)))
		cr_skip_test("the file system of /tmp cannot punch holes: discard not offered");
	t_wr(m, VDEV_VIRTIO_MMIO_STATUS, 0);
	tq_init(&t, mem, 16);
	cr_assert(t_negotiate(m, V1 | F(VDEV_VIRTIO_BLK_F_DISCARD)) &
	          VDEV_VIRTIO_STATUS_FEATURES_OK);
	t_setup_queue(m, 0, &t);
	t_driver_ok(m);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_DISCARD, 0, false, 16, NULL), VDEV_VIRTIO_BLK_S_OK);
	static const uint8_t zero[4096];
	expect_image(30 * 512, zero, sizeof(zero)); /* a punched hole reads as zeroes */
	expect_image(38 * 512, (uint8_t[]){pattern(38 * 512)}, 1);
	write_seg(30, 8, VDEV_VIRTIO_BLK_WZ_F_UNMAP);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_DISCARD, 0, false, 16, NULL),
	             VDEV_VIRTIO_BLK_S_UNSUPP, "unmap flag on a discard");
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_WRITE_ZEROES, 0, false, 16, NULL),
	             VDEV_VIRTIO_BLK_S_UNSUPP, "write-zeroes not negotiated this time");
}

Test(virtio_blk, seg_max_and_size_max)
{
	teardown();
	make_image();
	struct vdev_virtio_blk_config cfg = {.path = path, .seg_max = 2, .size_max = 1024};
	start(&cfg, V1);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_CONFIG + VDEV_VIRTIO_BLK_CFG_SEG_MAX), 2);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_CONFIG + VDEV_VIRTIO_BLK_CFG_SIZE_MAX), 1024);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, 0, true, 1024, NULL), VDEV_VIRTIO_BLK_S_OK);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, 0, true, 1536, NULL), VDEV_VIRTIO_BLK_S_IOERR,
	             "segment above size_max");
	/* Three data segments. */
	write_hdr(VDEV_VIRTIO_BLK_T_IN, 0);
	tq_desc(&t, 0, HDR, 16, VDEV_VIRTQ_DESC_F_NEXT, 1);
	tq_desc(&t, 1, DATA, 512, VDEV_VIRTQ_DESC_F_NEXT | VDEV_VIRTQ_DESC_F_WRITE, 2);
	tq_desc(&t, 2, DATA + 512, 512, VDEV_VIRTQ_DESC_F_NEXT | VDEV_VIRTQ_DESC_F_WRITE, 3);
	tq_desc(&t, 3, DATA + 1024, 512, VDEV_VIRTQ_DESC_F_NEXT | VDEV_VIRTQ_DESC_F_WRITE, 4);
	tq_desc(&t, 4, STATUS, 1, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	uint8_t st;
	vmem_read_u8(mem, STATUS, &st);
	cr_expect_eq(st, VDEV_VIRTIO_BLK_S_IOERR, "more segments than seg_max");
	cr_expect_eq(tq_used_idx(&t), 3);
}

Test(virtio_blk, read_only)
{
	teardown();
	make_image();
	struct vdev_virtio_blk_config cfg = {.path = path, .read_only = true};
	start(&cfg, 0);
	uint64_t f = t_device_features(m);
	cr_expect(f & F(VDEV_VIRTIO_BLK_F_RO));
	cr_expect_not(f & F(VDEV_VIRTIO_BLK_F_WRITE_ZEROES));
	cr_expect_not(f & F(VDEV_VIRTIO_BLK_F_DISCARD));
	cr_assert(t_negotiate(m, V1 | F(VDEV_VIRTIO_BLK_F_RO)) & VDEV_VIRTIO_STATUS_FEATURES_OK);
	t_setup_queue(m, 0, &t);
	t_driver_ok(m);

	vmem_fill(mem, DATA, 0x77, 512);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_OUT, 0, false, 512, NULL), VDEV_VIRTIO_BLK_S_IOERR);
	expect_image(0, (uint8_t[]){pattern(0), pattern(1), pattern(2)}, 3);
	write_seg(0, 1, 0);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_WRITE_ZEROES, 0, false, 16, NULL),
	             VDEV_VIRTIO_BLK_S_UNSUPP);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_DISCARD, 0, false, 16, NULL),
	             VDEV_VIRTIO_BLK_S_UNSUPP);
	expect_image(0, (uint8_t[]){pattern(0), pattern(1), pattern(2)}, 3);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, 0, true, 512, NULL), VDEV_VIRTIO_BLK_S_OK);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_FLUSH, 0, false, 0, NULL), VDEV_VIRTIO_BLK_S_OK);
}

Test(virtio_blk, file_io_errors_give_ioerr)
{
	/* The image shrinks under the device: reads past the new end fail. */
	cr_assert_eq(ftruncate(img, 4096), 0);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, 100, true, 512, NULL), VDEV_VIRTIO_BLK_S_IOERR);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, 0, true, 512, NULL), VDEV_VIRTIO_BLK_S_OK);
	teardown();

	/* A descriptor the device cannot write through: every write fails in the kernel. */
	make_image();
	int ro = open(path, O_RDONLY);
	cr_assert_geq(ro, 0);
	struct vdev_virtio_blk_config cfg = {.fd = ro};
	start(&cfg, V1 | F(VDEV_VIRTIO_BLK_F_FLUSH));
	close(ro);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_OUT, 0, false, 512, NULL), VDEV_VIRTIO_BLK_S_IOERR);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, 0, true, 512, NULL), VDEV_VIRTIO_BLK_S_OK);
}

Test(virtio_blk, write_through_without_flush_feature)
{
	teardown();
	make_image();
	struct vdev_virtio_blk_config cfg = {.path = path};
	start(&cfg, V1);
	vmem_fill(mem, DATA, 0x31, 512);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_OUT, 7, false, 512, NULL), VDEV_VIRTIO_BLK_S_OK);
	uint8_t want[512];
	memset(want, 0x31, sizeof(want));
	expect_image(7 * 512, want, sizeof(want));
}

Test(virtio_blk, chain_without_status_needs_reset)
{
	write_hdr(VDEV_VIRTIO_BLK_T_IN, 0);
	tq_desc(&t, 0, HDR, 16, VDEV_VIRTQ_DESC_F_NEXT, 1);
	tq_desc(&t, 1, DATA, 512, 0, 0);
	tq_publish(&t, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect(t_rd(m, VDEV_VIRTIO_MMIO_STATUS) & VDEV_VIRTIO_STATUS_NEEDS_RESET);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS), VDEV_VIRTIO_INT_CONFIG);
}

Test(virtio_blk, short_header_needs_reset)
{
	tq_desc(&t, 0, HDR, 8, VDEV_VIRTQ_DESC_F_NEXT, 1);
	tq_desc(&t, 1, STATUS, 1, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect(t_rd(m, VDEV_VIRTIO_MMIO_STATUS) & VDEV_VIRTIO_STATUS_NEEDS_RESET);
}

Test(virtio_blk, create_errors)
{
	struct vdev_virtio_blk *b;
	struct vdev_virtio_blk_config cfg = {.path = "/nonexistent/cvmm.img"};
	cr_expect_eq(vdev_virtio_blk_create(&cfg, &b), -ENOENT);
	cfg = (struct vdev_virtio_blk_config){.path = NULL, .fd = -1};
	cr_expect_eq(vdev_virtio_blk_create(&cfg, &b), -EINVAL);
	cfg = (struct vdev_virtio_blk_config){.path = path, .queue_size = 24};
	cr_expect_eq(vdev_virtio_blk_create(&cfg, &b), -EINVAL);
	cr_assert_eq(ftruncate(img, 100), 0);
	cfg = (struct vdev_virtio_blk_config){.path = path};
	cr_expect_eq(vdev_virtio_blk_create(&cfg, &b), -EINVAL, "smaller than a sector");
	cfg = (struct vdev_virtio_blk_config){.path = "/tmp"};
	cr_expect_lt(vdev_virtio_blk_create(&cfg, &b), 0, "a directory");
	vdev_virtio_blk_destroy(NULL);
	cr_expect_null(vdev_virtio_blk_device(NULL));
}

Test(virtio_blk, capacity_rounds_down)
{
	teardown();
	make_image();
	cr_assert_eq(ftruncate(img, 4096 + 100), 0);
	struct vdev_virtio_blk_config cfg = {.path = path};
	start(&cfg, V1);
	cr_expect_eq(vdev_virtio_blk_capacity(blk), 8);
	cr_expect_eq(request(VDEV_VIRTIO_BLK_T_IN, 8, true, 512, NULL), VDEV_VIRTIO_BLK_S_IOERR);
}

/* work_left callback: counts the calls and the queue named. */
static int work_left_calls;
static int work_left_queue = -1;
static void count_work_left(void *ctx, uint16_t queue)
{
	(void)ctx;
	work_left_calls++;
	work_left_queue = queue;
}

Test(virtio_blk, a_request_that_reposts_itself_is_served_a_budget_at_a_time)
{
	/*
	 * A hostile driver: the read's 512-byte buffer lies over the queue's own available
	 * ring and over the next request's header, and sector k of the disk holds an
	 * available ring whose index is k + 2 (one more request) and a header that reads
	 * sector k + 1. One QueueNotify would keep the device reading for as long as the
	 * disk lasts (for ever, with 65536 such sectors). The transport stops after the
	 * queue's size in chains and asks the embedder to schedule the rest.
	 */
	const uint64_t hdr = T_AVAIL + 64;
	static uint8_t sec[IMG_SIZE];
	memset(sec, 0, sizeof(sec));
	for (uint32_t k = 0; k < IMG_SECTORS; k++) {
		/* avail->idx (the ring's entries stay 0: head 0); the last adds no request */
		vmem_st_le16(sec + 512 * k + 2, (uint16_t)(k + (k + 1 < IMG_SECTORS ? 2 : 1)));
		vmem_st_le32(sec + 512 * k + 64, VDEV_VIRTIO_BLK_T_IN);
		vmem_st_le64(sec + 512 * k + 64 + 8, k + 1);
	}
	cr_assert_eq(pwrite(img, sec, sizeof(sec), 0), (ssize_t)sizeof(sec));

	vdev_virtio_mmio_destroy(m);
	struct vdev_virtio_mmio_config mc = {.mem = mem,
	                                     .irq = t_irq_wire(&irq),
	                                     .device = *vdev_virtio_blk_device(blk),
	                                     .work_left = count_work_left};
	cr_assert_eq(vdev_virtio_mmio_create(&mc, &m), 0);
	cr_assert(t_negotiate(m, V1) & VDEV_VIRTIO_STATUS_FEATURES_OK);
	tq_init(&t, mem, 16);
	t_setup_queue(m, 0, &t);
	t_driver_ok(m);

	uint8_t h[16] = {0};
	vmem_st_le32(h, VDEV_VIRTIO_BLK_T_IN);
	vmem_write(mem, hdr, h, sizeof(h)); /* sector 0 */
	tq_desc(&t, 0, hdr, 16, VDEV_VIRTQ_DESC_F_NEXT, 1);
	tq_desc(&t, 1, T_AVAIL, 512, VDEV_VIRTQ_DESC_F_NEXT | VDEV_VIRTQ_DESC_F_WRITE, 2);
	tq_desc(&t, 2, STATUS, 1, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 0);

	/* The vCPU's QueueNotify: one budget, then the embedder is told. */
	work_left_calls = 0;
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect_eq(tq_used_idx(&t), 16, "one call served %u chains, not 16", tq_used_idx(&t));
	cr_expect_eq(work_left_calls, 1);
	cr_expect_eq(work_left_queue, 0);
	cr_expect(vdev_virtio_mmio_work_left(m, 0));

	/* The embedder's calls each take one more budget and make progress. */
	for (int i = 2; i <= 5; i++) {
		cr_expect_eq(vdev_virtio_mmio_process_queue(m, 0), 16);
		cr_expect_eq(tq_used_idx(&t), 16 * i);
		cr_expect_eq(work_left_calls, i);
	}
	uint8_t st;
	vmem_read_u8(mem, STATUS, &st);
	cr_expect_eq(st, VDEV_VIRTIO_BLK_S_OK);
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 0xf, "the device is still running");

	/* The last crafted sector adds no request: the calls end with the ring drained. */
	int calls = 5;
	while (vdev_virtio_mmio_work_left(m, 0) && calls < 1000) {
		cr_assert_geq(vdev_virtio_mmio_process_queue(m, 0), 0);
		calls++;
	}
	cr_expect_eq(tq_used_idx(&t), IMG_SECTORS, "%u requests", tq_used_idx(&t));
	cr_expect_eq(calls, IMG_SECTORS / 16);
	cr_expect_not(vdev_virtio_mmio_work_left(m, 0));
	cr_expect_eq(t_rd(m, VDEV_VIRTIO_MMIO_STATUS), 0xf);
}
