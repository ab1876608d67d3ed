/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seed corpus of fuzz_virtio_state (fuzz/corpus/virtio_state): a device byte, the
 * transport's and the device's saved state, and the guest memory of a driver that has
 * one more request waiting, as that harness reads them; the devices are configured as the
 * harness configures its own. This test checks that the files are what the current code
 * saves, so the seeds stay valid states; with CVMM_WRITE_SEEDS=1 in the environment it
 * writes them instead.
 */
#define _GNU_SOURCE
#include "virtio_test_util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define FUZZ_MEM 0x10000ull
#define SEED_MEM 0x4200u /* the rings and the buffers below */
#define BUF (T_MEM_BASE + 0x4000)

static void check_seed(const char *name, uint8_t kind, struct vdev_state_writer *w,
                       struct vmem_map *mem)
{
	size_t len = 1 + w->len + 2 + SEED_MEM;
	uint8_t *want = malloc(len), *got = malloc(len + 1);
	char path[512];

	cr_assert_eq(w->error, 0);
	cr_assert(want && got);
	want[0] = kind;
	memcpy(want + 1, w->buf, w->len);
	vdev_le_put(want + 1 + w->len, 2, SEED_MEM);
	cr_assert_eq(vmem_read(mem, T_MEM_BASE, want + 3 + w->len, SEED_MEM), 0);
	snprintf(path, sizeof(path), "%s/%s", VIRTIO_SEED_DIR, name);
	const char *write = getenv("CVMM_WRITE_SEEDS");
	if (write && strcmp(write, "1") == 0) {
		FILE *f = fopen(path, "wb");
		cr_assert_not_null(f, "%s", path);
		cr_assert_eq(fwrite(want, 1, len, f), len);
		fclose(f);
	} else {
		FILE *f = fopen(path, "rb");
		cr_assert_not_null(f, "%s: missing (CVMM_WRITE_SEEDS=1 writes it)", path);
		size_t n = fread(got, 1, len + 1, f);
		fclose(f);
		cr_expect(n == len && memcmp(got, want, len) == 0,
		          "%s: not what this build saves (CVMM_WRITE_SEEDS=1 writes it)", name);
	}
	free(want);
	free(got);
	vdev_state_writer_free(w);
}

static struct vmem_map *fuzz_mem(void)
{
	struct vmem_map *m;
	cr_assert_eq(vmem_map_create(&m), 0);
	cr_assert_eq(vmem_map_add_anon(m, T_MEM_BASE, FUZZ_MEM, 0), 0);
	return m;
}

/* Brings up queue 0 of m (size 16), serves n chains made by post(), then makes one more
   available without notifying. */
static void drive(struct vdev_virtio_mmio *m, struct tq *t, uint64_t features, int n,
                  void (*post)(struct tq *))
{
	cr_assert(t_negotiate(m, features) & VDEV_VIRTIO_STATUS_FEATURES_OK);
	t_setup_queue(m, 0, t);
	t_driver_ok(m);
	for (int i = 0; i < n; i++) {
		post(t);
		t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	}
	cr_assert_eq(tq_used_idx(t), n);
	post(t);
}

static void post_blk_read(struct tq *t)
{
	uint8_t h[16] = {0};
	vmem_st_le32(h, VDEV_VIRTIO_BLK_T_IN);
	vmem_st_le64(h + 8, 3);
	vmem_write(t->mem, BUF, h, sizeof(h));
	tq_desc(t, 0, BUF, 16, VDEV_VIRTQ_DESC_F_NEXT, 1);
	tq_desc(t, 1, BUF + 0x20, 512, VDEV_VIRTQ_DESC_F_NEXT | VDEV_VIRTQ_DESC_F_WRITE, 2);
	tq_desc(t, 2, BUF + 0x10, 1, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(t, 0);
}

static void post_rng(struct tq *t)
{
	tq_desc(t, 0, BUF, 64, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(t, 0);
}

Test(virtio_state_seeds, blk)
{
	int fd = memfd_create("cvmm-seed", MFD_CLOEXEC);
	struct vdev_virtio_blk_config bc = {.fd = fd, .queue_size = 16};
	struct vmem_map *mem = fuzz_mem();
	struct vdev_virtio_blk *blk;
	struct vdev_virtio_mmio *m;
	struct vdev_state_writer w;
	struct tq t;

	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, 0x10000), 0);
	cr_assert_eq(vdev_virtio_blk_create(&bc, &blk), 0);
	close(fd);
	struct vdev_virtio_mmio_config mc = {.mem = mem, .device = *vdev_virtio_blk_device(blk)};
	cr_assert_eq(vdev_virtio_mmio_create(&mc, &m), 0);
	tq_init(&t, mem, 16);
	drive(m, &t,
	      (1ull << VDEV_VIRTIO_F_VERSION_1) | (1ull << VDEV_VIRTIO_BLK_F_FLUSH) |
	          (1ull << VDEV_VIRTIO_F_INDIRECT_DESC),
	      3, post_blk_read);
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_virtio_mmio_save(m, &w), 0);
	cr_assert_eq(vdev_virtio_blk_save(blk, &w), 0);
	check_seed("blk", 0, &w, mem);
	vdev_virtio_mmio_destroy(m);
	vdev_virtio_blk_destroy(blk);
	vmem_map_destroy(mem);
}

Test(virtio_state_seeds, rng)
{
	struct vmem_map *mem = fuzz_mem();
	struct vdev_virtio_rng *rng;
	struct vdev_virtio_mmio *m;
	struct vdev_state_writer w;
	struct tq t;

	cr_assert_eq(vdev_virtio_rng_create(16, &rng), 0);
	struct vdev_virtio_mmio_config mc = {.mem = mem, .device = *vdev_virtio_rng_device(rng)};
	cr_assert_eq(vdev_virtio_mmio_create(&mc, &m), 0);
	tq_init(&t, mem, 16);
	drive(m, &t, 1ull << VDEV_VIRTIO_F_VERSION_1, 18, post_rng);
	/* The random bytes are not part of a seed: the buffers are cleared. */
	vmem_fill(mem, BUF, 0, 64);
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_virtio_mmio_save(m, &w), 0);
	cr_assert_eq(vdev_virtio_rng_save(rng, &w), 0);
	check_seed("rng", 1, &w, mem);
	vdev_virtio_mmio_destroy(m);
	vdev_virtio_rng_destroy(rng);
	vmem_map_destroy(mem);
}
