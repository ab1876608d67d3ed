/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: vdev_virtio_mmio_restore() with virtio-blk's or virtio-rng's restore
 * after it, on arbitrary bytes. A refused state must leave a reason and the objects as
 * created; an accepted one must save back to the same bytes, drive no line while
 * restoring, and leave a transport that then serves its queue and registers with the
 * status invariants fuzz_virtio_mmio checks.
 *
 * Input: [device byte: bit 0 rng] [the transport's section] [the device's section]
 *        [u16 guest memory length] [guest memory from T_MEM_BASE] then accesses of 7
 *        bytes as in fuzz_virtio_mmio: [op] [u16 offset] [u32 value]. The seeds
 *        (corpus/virtio_state) are valid saved states, written by the test
 *        virtio_state_seeds.
 */
#define _GNU_SOURCE
#include "../virtio_test_util.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define FUZZ_MEM 0x10000ull

static struct vmem_map *mem;
static int image = -1;

struct line {
	int level, calls, strict;
};

static int l_assert(void *ctx, uint32_t n)
{
	struct line *l = ctx;
	(void)n;
	l->level = 1; /* asserted again while high is allowed: see mmio.c raise_int() */
	l->calls++;
	return 0;
}

static int l_deassert(void *ctx, uint32_t n)
{
	struct line *l = ctx;
	(void)n;
	if (l->strict && !l->level)
		abort();
	l->level = 0;
	l->calls++;
	return 0;
}

static void setup(void)
{
	image = memfd_create("cvmm-fuzz-state", MFD_CLOEXEC);
	if (image < 0 || ftruncate(image, 0x10000) < 0)
		abort();
	if (vmem_map_create(&mem) < 0 || vmem_map_add_anon(mem, T_MEM_BASE, FUZZ_MEM, 0) < 0)
		abort();
}

struct side {
	bool rng_kind;
	struct vdev_virtio_blk *blk;
	struct vdev_virtio_rng *rng;
	struct vdev_virtio_mmio *m;
	struct line line;
};

static void create(struct side *s, bool rng_kind)
{
	struct vdev_virtio_blk_config bc = {.fd = image, .queue_size = 16};
	struct vdev_virtio_mmio_config mc = {.mem = mem};

	memset(s, 0, sizeof(*s));
	s->rng_kind = rng_kind;
	if (rng_kind) {
		if (vdev_virtio_rng_create(16, &s->rng) < 0)
			abort();
		mc.device = *vdev_virtio_rng_device(s->rng);
	} else {
		if (vdev_virtio_blk_create(&bc, &s->blk) < 0)
			abort();
		mc.device = *vdev_virtio_blk_device(s->blk);
	}
	mc.irq = (struct vdev_irq){
	    .assert_line = l_assert, .deassert_line = l_deassert, .ctx = &s->line};
	if (vdev_virtio_mmio_create(&mc, &s->m) < 0)
		abort();
}

static void destroy(struct side *s)
{
	vdev_virtio_mmio_destroy(s->m);
	vdev_virtio_blk_destroy(s->blk);
	vdev_virtio_rng_destroy(s->rng);
}

static void save(struct side *s, struct vdev_state_writer *w)
{
	vdev_state_writer_init(w);
	if (vdev_virtio_mmio_save(s->m, w) < 0)
		abort();
	if ((s->rng_kind ? vdev_virtio_rng_save(s->rng, w) : vdev_virtio_blk_save(s->blk, w)) < 0)
		abort();
}

static void check(struct side *s)
{
	uint32_t st = vdev_virtio_mmio_status(s->m);
	if ((st & VDEV_VIRTIO_STATUS_DRIVER_OK) && !(st & VDEV_VIRTIO_STATUS_FEATURES_OK))
		abort();
	if ((st & VDEV_VIRTIO_STATUS_FEATURES_OK) &&
	    !(vdev_virtio_mmio_driver_features(s->m) & (1ull << VDEV_VIRTIO_F_VERSION_1)))
		abort();
	if ((t_rd(s->m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS) != 0) != (s->line.level != 0))
		abort(); /* the line follows InterruptStatus */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vdev_state_writer w, fresh;
	struct vdev_state_reader r;
	struct side s, ref;
	int ret;

	if (!mem)
		setup();
	if (size < 1)
		return 0;
	vmem_fill(mem, T_MEM_BASE, 0, FUZZ_MEM);
	create(&s, data[0] & 1);
	vdev_state_reader_init(&r, data + 1, size - 1);
	ret = vdev_virtio_mmio_restore(s.m, &r);
	bool transport_done = ret == 0;
	if (ret == 0)
		ret = s.rng_kind ? vdev_virtio_rng_restore(s.rng, &r)
		                 : vdev_virtio_blk_restore(s.blk, &r);
	if (s.line.calls != 0)
		abort(); /* restore drives no line */
	if (ret != 0) {
		if (ret != -EINVAL || r.error != -EINVAL || !vdev_state_why(&r)[0])
			abort();
		/* What was refused is as created: the transport and its device, or the device
		   alone after its transport was restored. */
		create(&ref, s.rng_kind);
		if (transport_done) {
			vdev_state_writer_init(&w);
			vdev_state_writer_init(&fresh);
			if (s.rng_kind) {
				vdev_virtio_rng_save(s.rng, &w);
				vdev_virtio_rng_save(ref.rng, &fresh);
			} else {
				vdev_virtio_blk_save(s.blk, &w);
				vdev_virtio_blk_save(ref.blk, &fresh);
			}
		} else {
			save(&s, &w);
			save(&ref, &fresh);
		}
		if (w.len != fresh.len || memcmp(w.buf, fresh.buf, w.len) != 0)
			abort();
		vdev_state_writer_free(&w);
		vdev_state_writer_free(&fresh);
		destroy(&ref);
		destroy(&s);
		return 0;
	}
	save(&s, &w);
	if (w.len != r.pos || memcmp(w.buf, data + 1, w.len) != 0)
		abort(); /* the same bytes again */
	vdev_state_writer_free(&w);

	/* Guest RAM, then the device at work. */
	struct fuzz_in {
		const uint8_t *p;
		size_t left;
	} in = {data + 1 + r.pos, size - 1 - r.pos};
	if (in.left >= 2) {
		size_t n = (size_t)(in.p[0] | in.p[1] << 8);
		in.p += 2;
		in.left -= 2;
		if (n > in.left)
			n = in.left;
		if (n > FUZZ_MEM)
			n = FUZZ_MEM;
		vmem_write(mem, T_MEM_BASE, in.p, n);
		in.p += n;
		in.left -= n;
	}
	if (vdev_virtio_mmio_irq_replay(s.m) != 0)
		abort();
	s.line.strict = 1;
	check(&s);
	vdev_virtio_mmio_process_queue(s.m, 0);
	check(&s);
	for (int i = 0; i < 64 && in.left >= 7; i++, in.p += 7, in.left -= 7) {
		uint8_t op = in.p[0], d[8] = {0};
		uint32_t off = (uint32_t)(in.p[1] | in.p[2] << 8) % VDEV_VIRTIO_MMIO_SIZE;
		uint32_t sz = 1u << (op & 3);
		vdev_le_put(d, 4, vdev_le_get(in.p + 3, 4));
		if (op & 8)
			vdev_virtio_mmio_process_queue(s.m, (uint16_t)vdev_le_get(in.p + 3, 2));
		else if (op & 4)
			vdev_virtio_mmio_write(s.m, off, d, sz);
		else
			vdev_virtio_mmio_read(s.m, off, d, sz);
		check(&s);
	}
	destroy(&s);
	return 0;
}
