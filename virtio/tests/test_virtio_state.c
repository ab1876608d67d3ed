/* SPDX-License-Identifier: Apache-2.0 */
/* Saving and restoring the virtio-mmio transport, virtio-blk and virtio-rng: a driver's
   queue goes on working across a restore into new objects (with guest RAM copied, as the
   embedder restores it), and every inconsistent state is refused. */
#define _GNU_SOURCE
#include "virtio_test_util.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define V1 (1ull << VDEV_VIRTIO_F_VERSION_1)
#define F(b) (1ull << (b))
#define IMG_SECTORS 2048u
#define HDR (T_BUF)
#define STATUS (T_BUF + 0x800)
#define DATA (T_BUF + 0x1000)
#define RO_BASE (T_MEM_BASE + 2 * T_MEM_SIZE) /* a read-only page, apart from guest RAM */
#define ST_HDR 12u

/* ---- helpers shared by the tests ---- */

struct buf {
	uint8_t *p;
	size_t len;
};

static struct buf take(struct vdev_state_writer *w)
{
	struct buf b = {w->buf, w->len};
	cr_assert_eq(w->error, 0);
	w->buf = NULL;
	vdev_state_writer_free(w);
	return b;
}

/* Guest RAM of a "new process": the same regions, the contents copied from src. */
static struct vmem_map *copy_mem(struct vmem_map *src)
{
	struct vmem_map *m = t_mem_create();
	uint8_t *tmp = malloc(T_MEM_SIZE);
	cr_assert_not_null(m);
	cr_assert_not_null(tmp);
	cr_assert_eq(vmem_read(src, T_MEM_BASE, tmp, T_MEM_SIZE), 0);
	cr_assert_eq(vmem_write(m, T_MEM_BASE, tmp, T_MEM_SIZE), 0);
	free(tmp);
	return m;
}

static void write_hdr(struct vmem_map *mem, uint32_t type, uint64_t sector)
{
	uint8_t h[16] = {0};
	vmem_st_le32(h, type);
	vmem_st_le64(h + 8, sector);
	vmem_write(mem, HDR, h, sizeof(h));
}

/* Posts a read of one sector into DATA on head 0 and notifies; returns the status byte
   and expects the used element at the ring position before. */
static int blk_read(struct vdev_virtio_mmio *m, struct tq *t, uint64_t sector)
{
	uint16_t before = tq_used_idx(t);
	uint32_t id = 99, len = 0;
	uint8_t st = 0xee;

	write_hdr(t->mem, VDEV_VIRTIO_BLK_T_IN, sector);
	vmem_write_u8(t->mem, STATUS, 0xee);
	tq_desc(t, 0, HDR, 16, VDEV_VIRTQ_DESC_F_NEXT, 1);
	tq_desc(t, 1, DATA, 512, VDEV_VIRTQ_DESC_F_NEXT | VDEV_VIRTQ_DESC_F_WRITE, 2);
	tq_desc(t, 2, STATUS, 1, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(t, 0);
	t_wr(m, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_assert_eq(tq_used_idx(t), (uint16_t)(before + 1), "request completed");
	tq_used_elem(t, before, &id, &len);
	cr_expect_eq(id, 0);
	cr_expect_eq(len, 513);
	vmem_read_u8(t->mem, STATUS, &st);
	return st;
}

/* ---- virtio-blk across a restore ---- */

static char path[64];

static void make_image(uint32_t sectors)
{
	strcpy(path, "/tmp/cvmm-virtio-state-XXXXXX");
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	uint8_t sector[512];
	for (uint32_t s = 0; s < sectors; s++) {
		memset(sector, (int)(s & 0xff), sizeof(sector));
		cr_assert_eq(pwrite(fd, sector, sizeof(sector), (off_t)s * 512), 512);
	}
	close(fd);
}

struct blk_side {
	struct vmem_map *mem;
	struct vdev_virtio_blk *blk;
	struct vdev_virtio_mmio *m;
	struct t_irq irq;
};

static void blk_side_make(struct blk_side *s, struct vmem_map *mem,
                          const struct vdev_virtio_blk_config *cfg)
{
	memset(&s->irq, 0, sizeof(s->irq));
	s->mem = mem;
	cr_assert_eq(vdev_virtio_blk_create(cfg, &s->blk), 0);
	struct vdev_virtio_mmio_config mc = {
	    .mem = mem, .irq = t_irq_wire(&s->irq), .device = *vdev_virtio_blk_device(s->blk)};
	cr_assert_eq(vdev_virtio_mmio_create(&mc, &s->m), 0);
}

static void blk_side_drop(struct blk_side *s)
{
	vdev_virtio_mmio_destroy(s->m);
	vdev_virtio_blk_destroy(s->blk);
	vmem_map_destroy(s->mem);
}

static struct buf blk_save(struct blk_side *s)
{
	struct vdev_state_writer w;
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_virtio_mmio_save(s->m, &w), 0);
	cr_assert_eq(vdev_virtio_blk_save(s->blk, &w), 0);
	return take(&w);
}

Test(virtio_state, blk_queue_continues_after_restore)
{
	struct vdev_virtio_blk_config cfg = {.path = path, .serial = "disk-1", .fd = -1};
	struct blk_side a, b;
	struct tq t;

	make_image(IMG_SECTORS);
	blk_side_make(&a, t_mem_create(), &cfg);
	tq_init(&t, a.mem, 16);
	cr_assert(t_negotiate(a.m, V1 | F(VDEV_VIRTIO_BLK_F_FLUSH)) &
	          VDEV_VIRTIO_STATUS_FEATURES_OK);
	t_setup_queue(a.m, 0, &t);
	t_driver_ok(a.m);
	for (uint64_t s = 1; s <= 3; s++)
		cr_assert_eq(blk_read(a.m, &t, s), VDEV_VIRTIO_BLK_S_OK);
	cr_assert_eq(vdev_virtio_mmio_config_changed(a.m), 0);
	t_wr(a.m, VDEV_VIRTIO_MMIO_QUEUE_SEL, 1); /* a selector left out of range */
	cr_assert_eq(t_rd(a.m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS), 3);
	cr_assert(a.irq.level);
	struct buf st = blk_save(&a);

	/* The new process: RAM restored, the same disk, device then transport. */
	blk_side_make(&b, copy_mem(a.mem), &cfg);
	struct vdev_state_reader r;
	vdev_state_reader_init(&r, st.p, st.len);
	cr_assert_eq(vdev_virtio_mmio_restore(b.m, &r), 0, "%s", vdev_state_why(&r));
	cr_assert_eq(vdev_virtio_blk_restore(b.blk, &r), 0, "%s", vdev_state_why(&r));
	cr_expect_eq(vdev_state_remaining(&r), 0);
	cr_expect_eq(b.irq.asserts + b.irq.deasserts, 0, "restore drives no line");
	cr_assert_eq(vdev_virtio_mmio_irq_replay(b.m), 0);
	cr_expect(b.irq.level, "InterruptStatus is set: the replay asserts");

	struct buf again = blk_save(&b);
	cr_assert_eq(again.len, st.len);
	cr_expect_arr_eq(again.p, st.p, st.len, "the state saved again is the same");

	cr_expect_eq(t_rd(b.m, VDEV_VIRTIO_MMIO_STATUS), 0x0f);
	cr_expect_eq(vdev_virtio_mmio_driver_features(b.m), V1 | F(VDEV_VIRTIO_BLK_F_FLUSH));
	cr_expect_eq(t_rd(b.m, VDEV_VIRTIO_MMIO_QUEUE_NUM_MAX), 0, "QueueSel still 1: no queue");
	cr_expect_eq(t_rd(b.m, VDEV_VIRTIO_MMIO_CONFIG_GENERATION), 1);
	cr_expect_eq(t_rd(b.m, VDEV_VIRTIO_MMIO_INTERRUPT_STATUS), 3);
	t_wr(b.m, VDEV_VIRTIO_MMIO_QUEUE_SEL, 0);
	cr_expect_eq(t_rd(b.m, VDEV_VIRTIO_MMIO_QUEUE_NUM_MAX), 256);
	cr_expect_eq(t_rd(b.m, VDEV_VIRTIO_MMIO_QUEUE_NUM), 16);
	cr_expect_eq(t_rd(b.m, VDEV_VIRTIO_MMIO_QUEUE_READY), 1);
	cr_expect_eq(t_rd(b.m, VDEV_VIRTIO_MMIO_QUEUE_DESC_LOW), (uint32_t)T_DESC);
	cr_expect_eq(t_rd(b.m, VDEV_VIRTIO_MMIO_QUEUE_DRIVER_LOW), (uint32_t)T_AVAIL);
	cr_expect_eq(t_rd(b.m, VDEV_VIRTIO_MMIO_QUEUE_DEVICE_LOW), (uint32_t)T_USED);
	t_wr(b.m, VDEV_VIRTIO_MMIO_INTERRUPT_ACK, 3);
	cr_expect_not(b.irq.level);

	/* The driver goes on with the same ring in the restored RAM: the fourth request
	   lands at used index 3. */
	t.mem = b.mem;
	cr_assert_eq(tq_used_idx(&t), 3);
	cr_expect_eq(blk_read(b.m, &t, 7), VDEV_VIRTIO_BLK_S_OK);
	cr_expect_eq(tq_used_idx(&t), 4);
	uint8_t got[512], want[512];
	memset(want, 7, sizeof(want));
	vmem_read(b.mem, DATA, got, sizeof(got));
	cr_expect_arr_eq(got, want, sizeof(want), "sector 7 read after the restore");
	cr_expect(b.irq.level, "its completion interrupts");
	struct vdev_virtio_blk_stats stats;
	vdev_virtio_blk_get_stats(b.blk, &stats);
	cr_expect_eq(stats.reads, 4, "the counters go on");
	cr_expect_eq(stats.bytes_read, 4 * 512);

	free(st.p);
	free(again.p);
	blk_side_drop(&a);
	blk_side_drop(&b);
	unlink(path);
}

Test(virtio_state, blk_refuses_another_disk)
{
	struct vdev_virtio_blk_config cfg = {.path = path, .serial = "disk-1", .fd = -1};
	struct blk_side a, b;

	make_image(IMG_SECTORS);
	blk_side_make(&a, t_mem_create(), &cfg);
	struct vdev_state_writer w;
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_virtio_blk_save(a.blk, &w), 0);
	struct buf st = take(&w);
	struct vdev_state_reader r;

	struct vdev_virtio_blk_config other = cfg;
	other.serial = "disk-2";
	blk_side_make(&b, t_mem_create(), &other);
	vdev_state_reader_init(&r, st.p, st.len);
	cr_expect_eq(vdev_virtio_blk_restore(b.blk, &r), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "virtio-blk: saved disk had another serial");
	blk_side_drop(&b);

	other = cfg;
	other.read_only = true;
	blk_side_make(&b, t_mem_create(), &other);
	vdev_state_reader_init(&r, st.p, st.len);
	cr_expect_eq(vdev_virtio_blk_restore(b.blk, &r), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "virtio-blk: saved disk was writable, this one is "
	                                     "read-only");
	blk_side_drop(&b);

	other = cfg;
	other.seg_max = 7;
	blk_side_make(&b, t_mem_create(), &other);
	vdev_state_reader_init(&r, st.p, st.len);
	cr_expect_eq(vdev_virtio_blk_restore(b.blk, &r), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "virtio-blk: configuration space differs at byte 12");
	blk_side_drop(&b);

	cr_assert_eq(truncate(path, IMG_SECTORS * 256), 0);
	blk_side_make(&b, t_mem_create(), &cfg);
	vdev_state_reader_init(&r, st.p, st.len);
	cr_expect_eq(vdev_virtio_blk_restore(b.blk, &r), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r),
	                 "virtio-blk: saved disk had 2048 sectors, this image has 1024");
	struct vdev_virtio_blk_stats stats;
	vdev_virtio_blk_get_stats(b.blk, &stats);
	cr_expect_eq(stats.reads + stats.writes, 0);

	/* Truncated, wrong section, newer version. */
	vdev_state_reader_init(&r, st.p, st.len - 1);
	cr_expect_eq(vdev_virtio_blk_restore(b.blk, &r), -EINVAL);
	cr_expect(strstr(vdev_state_why(&r), "truncated"), "%s", vdev_state_why(&r));
	st.p[4] = 2;
	vdev_state_reader_init(&r, st.p, st.len);
	cr_expect_eq(vdev_virtio_blk_restore(b.blk, &r), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "VBLK: state version 2 is newer than this build's 1");
	blk_side_drop(&b);
	blk_side_drop(&a);
	free(st.p);
	unlink(path);
}

/* ---- virtio-rng across a restore ---- */

Test(virtio_state, rng_queue_continues_after_restore)
{
	struct vmem_map *mem_a = t_mem_create(), *mem_b;
	struct vdev_virtio_rng *ra, *rb;
	struct vdev_virtio_mmio *ma, *mb;
	struct t_irq ia = {0}, ib = {0};
	struct tq t;
	uint32_t id, len;

	cr_assert_eq(vdev_virtio_rng_create(8, &ra), 0);
	struct vdev_virtio_mmio_config mc = {
	    .mem = mem_a, .irq = t_irq_wire(&ia), .device = *vdev_virtio_rng_device(ra)};
	cr_assert_eq(vdev_virtio_mmio_create(&mc, &ma), 0);
	tq_init(&t, mem_a, 8);
	cr_assert(t_negotiate(ma, V1) & VDEV_VIRTIO_STATUS_FEATURES_OK);
	t_setup_queue(ma, 0, &t);
	t_driver_ok(ma);
	for (int i = 0; i < 11; i++) { /* the ring wraps past its 8 entries */
		tq_desc(&t, 0, T_BUF, 32, VDEV_VIRTQ_DESC_F_WRITE, 0);
		tq_publish(&t, 0);
		t_wr(ma, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	}
	cr_assert_eq(tq_used_idx(&t), 11);
	t_wr(ma, VDEV_VIRTIO_MMIO_INTERRUPT_ACK, 1);

	struct vdev_state_writer w;
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_virtio_rng_save(ra, &w), 0);
	cr_assert_eq(vdev_virtio_mmio_save(ma, &w), 0);
	struct buf st = take(&w);

	mem_b = copy_mem(mem_a);
	cr_assert_eq(vdev_virtio_rng_create(8, &rb), 0);
	mc.mem = mem_b;
	mc.irq = t_irq_wire(&ib);
	mc.device = *vdev_virtio_rng_device(rb);
	cr_assert_eq(vdev_virtio_mmio_create(&mc, &mb), 0);
	struct vdev_state_reader r;
	vdev_state_reader_init(&r, st.p, st.len);
	cr_assert_eq(vdev_virtio_rng_restore(rb, &r), 0, "%s", vdev_state_why(&r));
	cr_assert_eq(vdev_virtio_mmio_restore(mb, &r), 0, "%s", vdev_state_why(&r));
	cr_expect_eq(vdev_virtio_mmio_irq_replay(mb), 0);
	cr_expect_eq(ib.asserts, 0, "nothing pending: nothing replayed");

	t.mem = mem_b;
	vmem_fill(mem_b, T_BUF, 0, 64);
	tq_desc(&t, 0, T_BUF, 64, VDEV_VIRTQ_DESC_F_WRITE, 0);
	tq_publish(&t, 0);
	t_wr(mb, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_expect_eq(tq_used_idx(&t), 12);
	tq_used_elem(&t, 11, &id, &len);
	cr_expect_eq(id, 0);
	cr_expect_eq(len, 64);
	cr_expect(ib.level);

	/* Another queue size is another device. */
	struct vdev_virtio_rng *rc;
	cr_assert_eq(vdev_virtio_rng_create(16, &rc), 0);
	vdev_state_reader_init(&r, st.p, st.len);
	cr_expect_eq(vdev_virtio_rng_restore(rc, &r), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "virtio-rng: saved queue size 8, this device's is 16");
	vdev_virtio_rng_destroy(rc);

	free(st.p);
	vdev_virtio_mmio_destroy(ma);
	vdev_virtio_mmio_destroy(mb);
	vdev_virtio_rng_destroy(ra);
	vdev_virtio_rng_destroy(rb);
	vmem_map_destroy(mem_a);
	vmem_map_destroy(mem_b);
}

/* ---- the transport's checks, with a device model that records its callbacks ---- */

struct fake {
	int activations, resets;
	uint64_t features;
	bool fail_activate;
};

static int fake_config_read(void *ctx, uint32_t off, uint8_t *data, uint32_t size)
{
	(void)ctx;
	(void)off;
	memset(data, 0x5a, size);
	return 0;
}

static int fake_activate(void *ctx, uint64_t features)
{
	struct fake *f = ctx;
	f->activations++;
	f->features = features;
	return f->fail_activate ? -EIO : 0;
}

static void fake_reset(void *ctx)
{
	((struct fake *)ctx)->resets++;
}

static int fake_process(void *ctx, uint16_t index, struct vdev_virtq *q)
{
	struct vdev_virtq_chain c;
	int ret, n = 0;
	(void)ctx;
	(void)index;
	while ((ret = vdev_virtq_pop(q, &c)) == 1) {
		cr_assert_eq(vdev_virtq_push(q, c.head, 0), 0);
		n++;
	}
	return ret < 0 ? ret : n;
}

static struct vmem_map *fmem;
static struct fake fa, fb;
static struct t_irq fia, fib;
static struct vdev_virtio_mmio *tr_a, *tr_b;
static struct tq ft;
static struct buf fst; /* tr_a's state: queue 0 ready with 2 chains done, queue 1 not */

static struct vdev_virtio_mmio *fake_transport(struct fake *f, struct t_irq *irq)
{
	struct vdev_virtio_mmio *m;
	struct vdev_virtio_mmio_config cfg = {.mem = fmem,
	                                      .irq = t_irq_wire(irq),
	                                      .device = {.device_id = 42,
	                                                 .features = F(3),
	                                                 .num_queues = 2,
	                                                 .queue_max_size = 64,
	                                                 .config_size = 16,
	                                                 .ctx = f,
	                                                 .config_read = fake_config_read,
	                                                 .activate = fake_activate,
	                                                 .reset = fake_reset,
	                                                 .process = fake_process}};
	cr_assert_eq(vdev_virtio_mmio_create(&cfg, &m), 0);
	return m;
}

static void fake_setup(void)
{
	memset(&fa, 0, sizeof(fa));
	memset(&fb, 0, sizeof(fb));
	memset(&fia, 0, sizeof(fia));
	memset(&fib, 0, sizeof(fib));
	fmem = t_mem_create();
	cr_assert_not_null(fmem);
	cr_assert_eq(vmem_map_add_anon(fmem, RO_BASE, 0x1000, VMEM_REGION_READONLY), 0);
	tr_a = fake_transport(&fa, &fia);
	tr_b = fake_transport(&fb, &fib);
	tq_init(&ft, fmem, 16);
	cr_assert(t_negotiate(tr_a, V1 | F(3)) & VDEV_VIRTIO_STATUS_FEATURES_OK);
	t_setup_queue(tr_a, 0, &ft);
	t_driver_ok(tr_a);
	for (int i = 0; i < 2; i++) {
		tq_desc(&ft, 0, T_BUF, 8, 0, 0);
		tq_publish(&ft, 0);
		t_wr(tr_a, VDEV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	}
	cr_assert_eq(tq_used_idx(&ft), 2);
	t_wr(tr_a, VDEV_VIRTIO_MMIO_INTERRUPT_ACK, 1);
	struct vdev_state_writer w;
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_virtio_mmio_save(tr_a, &w), 0);
	fst = take(&w);
}

static void fake_teardown(void)
{
	free(fst.p);
	vdev_virtio_mmio_destroy(tr_a);
	vdev_virtio_mmio_destroy(tr_b);
	vmem_map_destroy(fmem);
}

TestSuite(virtio_mmio_state, .init = fake_setup, .fini = fake_teardown);

/* Payload offsets of the transport's section (see mmio.c). */
enum {
	P_ID = 0,
	P_NUMQ = 4,
	P_MAX = 6,
	P_CFGSZ = 8,
	P_OFFERED = 12,
	P_STATUS = 20,
	P_FEATURES = 24,
	P_QSEL = 40,
	P_ISR = 48,
	P_GEN = 52,
	P_Q0 = 56,
	P_Q1 = 56 + 31,
};
enum { Q_NUM = 0, Q_READY = 2, Q_DESC = 3, Q_DRIVER = 11, Q_DEVICE = 19, Q_AVAIL = 27 };
enum { Q_USED = 29 };

struct patch {
	size_t off;
	uint64_t v;
	unsigned int n;
};

/* Restores fst with the patches (n bytes at payload offset off set to v) into tr_b:
   expects a refusal whose reason contains want, and tr_b left as it was. */
static void refused_p(const struct patch *p, size_t np, const char *want)
{
	struct buf c = {malloc(fst.len), fst.len};
	struct vdev_state_reader r;

	memcpy(c.p, fst.p, fst.len);
	for (size_t i = 0; i < np; i++) {
		cr_assert_leq(ST_HDR + p[i].off + p[i].n, c.len);
		vdev_le_put(c.p + ST_HDR + p[i].off, p[i].n, p[i].v);
	}
	vdev_state_reader_init(&r, c.p, c.len);
	cr_expect_eq(vdev_virtio_mmio_restore(tr_b, &r), -EINVAL, "accepted: expected \"%s\"",
	             want);
	cr_expect(strstr(vdev_state_why(&r), want) != NULL, "why \"%s\", expected \"%s\"",
	          vdev_state_why(&r), want);
	free(c.p);
}

static void refused(size_t off, uint64_t v, unsigned int n, const char *want)
{
	struct patch p = {off, v, n};
	refused_p(&p, 1, want);
}

Test(virtio_mmio_state, restore_activates_and_continues)
{
	struct vdev_state_reader r;
	vdev_state_reader_init(&r, fst.p, fst.len);
	cr_assert_eq(vdev_virtio_mmio_restore(tr_b, &r), 0, "%s", vdev_state_why(&r));
	cr_expect_eq(fb.activations, 1, "activated as the driver's DRIVER_OK did");
	cr_expect_eq(fb.features, V1 | F(3));
	cr_expect_eq(fib.asserts + fib.deasserts, 0);
	/* The same guest RAM: the next chain is taken at ring position 2. */
	tq_desc(&ft, 0, T_BUF, 8, 0, 0);
	tq_publish(&ft, 0);
	cr_expect_eq(vdev_virtio_mmio_process_queue(tr_b, 0), 1);
	cr_expect_eq(tq_used_idx(&ft), 3);
	cr_expect_eq(fib.asserts, 1);
}

Test(virtio_mmio_state, needs_reset_is_kept_without_activation)
{
	struct patch p = {P_STATUS, 0x4f, 4};
	struct buf c = {malloc(fst.len), fst.len};
	struct vdev_state_reader r;

	memcpy(c.p, fst.p, fst.len);
	vdev_le_put(c.p + ST_HDR + p.off, p.n, p.v);
	vdev_state_reader_init(&r, c.p, c.len);
	cr_assert_eq(vdev_virtio_mmio_restore(tr_b, &r), 0, "%s", vdev_state_why(&r));
	cr_expect_eq(fb.activations, 0, "a device that gave up is not activated");
	cr_expect_eq(t_rd(tr_b, VDEV_VIRTIO_MMIO_STATUS), 0x4f);
	tq_desc(&ft, 0, T_BUF, 8, 0, 0);
	tq_publish(&ft, 0);
	cr_expect_eq(vdev_virtio_mmio_process_queue(tr_b, 0), 0, "nothing until a reset");
	t_wr(tr_b, VDEV_VIRTIO_MMIO_STATUS, 0);
	cr_expect_eq(t_rd(tr_b, VDEV_VIRTIO_MMIO_STATUS), 0);
	free(c.p);
}

Test(virtio_mmio_state, refused_activation_leaves_it_reset)
{
	struct vdev_state_reader r;
	fb.fail_activate = true;
	vdev_state_reader_init(&r, fst.p, fst.len);
	cr_expect_eq(vdev_virtio_mmio_restore(tr_b, &r), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "virtio-mmio: the device refused activation with "
	                                     "features 0x100000008 (error -5)");
	cr_expect_eq(t_rd(tr_b, VDEV_VIRTIO_MMIO_STATUS), 0);
	cr_expect_eq(t_rd(tr_b, VDEV_VIRTIO_MMIO_QUEUE_READY), 0);
	cr_expect_eq(fib.asserts + fib.deasserts, 0);
}

Test(virtio_mmio_state, refusals)
{
	struct vdev_state_reader r;

	refused(P_ID, 43, 4,
	        "virtio-mmio: saved device 43 with 2 queues of 64 and 16 config bytes, this one "
	        "is 42 with 2 of 64 and 16");
	refused(P_NUMQ, 3, 2, "virtio-mmio: saved device 42 with 3 queues");
	refused(P_MAX, 128, 2, "with 2 queues of 128");
	refused(P_CFGSZ, 8, 4, "and 8 config bytes");
	refused(P_OFFERED, V1 | F(28) | F(4), 8, "virtio-mmio: saved device offered features");
	refused(P_STATUS, 0x10f, 4, "virtio-mmio: status 0x10f has unknown bits");
	refused(P_STATUS, 0x0e, 4, "virtio-mmio: status 0xe has DRIVER without ACKNOWLEDGE");
	refused(P_STATUS, 0x0d, 4, "virtio-mmio: status 0xd has FEATURES_OK without DRIVER");
	refused(P_STATUS, 0x07, 4, "virtio-mmio: status 0x7 has DRIVER_OK without FEATURES_OK");
	refused(P_STATUS, 0x43, 4, "virtio-mmio: status 0x43 has DEVICE_NEEDS_RESET before");
	refused(P_STATUS, 0x01, 4, "without DRIVER in status");
	refused(P_FEATURES, V1 | F(3) | F(50), 8,
	        "virtio-mmio: features acked 0x4000100000008 are not a subset of those offered");
	refused(P_FEATURES, F(3), 8, "virtio-mmio: features acked 0x8 lack VERSION_1");
	refused(P_ISR, 4, 4, "virtio-mmio: InterruptStatus 0x4 has unknown bits");
	struct patch isr_early[] = {{P_STATUS, 0x0b, 4}, {P_ISR, 1, 4}};
	refused_p(isr_early, 2, "virtio-mmio: InterruptStatus 0x1 before DRIVER_OK");
	struct patch ready_early[] = {{P_STATUS, 0x03, 4}};
	refused_p(ready_early, 1, "virtio-mmio: queue 0 is ready before FEATURES_OK (status 0x3)");
	refused(P_Q0 + Q_READY, 2, 1, "virtio-mmio: queue 0 ready flag 2 is not 0 or 1");
	refused(P_Q0 + Q_NUM, 3, 2, "virtio-mmio: queue 0 size 3 is not a power of two");
	refused(P_Q0 + Q_NUM, 0, 2, "virtio-mmio: queue 0 size 0 is not a power of two");
	refused(P_Q0 + Q_NUM, 128, 2, "virtio-mmio: queue 0 size 128 is above its maximum 64");
	refused(P_Q0 + Q_DESC, T_DESC + 8, 8, "virtio-mmio: queue 0 rings are misaligned");
	refused(P_Q0 + Q_DRIVER, T_AVAIL + 1, 8, "virtio-mmio: queue 0 rings are misaligned");
	refused(P_Q0 + Q_DESC, 0x10000000, 8, "virtio-mmio: queue 0 rings are not in guest RAM");
	refused(P_Q0 + Q_DRIVER, T_MEM_BASE + T_MEM_SIZE - 16, 8,
	        "virtio-mmio: queue 0 rings are not in guest RAM");
	refused(P_Q0 + Q_DEVICE, UINT64_MAX - 3, 8, "rings are not in guest RAM");
	refused(P_Q0 + Q_DEVICE, RO_BASE, 8,
	        "virtio-mmio: queue 0 used ring 0x300000 is not writable");
	refused(P_Q0 + Q_AVAIL, 19, 2,
	        "virtio-mmio: queue 0 has 17 chains in flight (last_avail 19, next_used 2), more "
	        "than its size 16");
	refused(P_Q0 + Q_USED, 3, 2, "has 65535 chains in flight");
	refused(P_Q1 + Q_AVAIL, 1, 2,
	        "virtio-mmio: queue 1 is not ready but has ring positions (last_avail 1, "
	        "next_used 0)");
	refused(P_Q1 + Q_USED, 5, 2, "queue 1 is not ready but has ring positions");

	/* The section itself. */
	vdev_state_reader_init(&r, fst.p, fst.len - 1);
	cr_expect_eq(vdev_virtio_mmio_restore(tr_b, &r), -EINVAL);
	cr_expect(strstr(vdev_state_why(&r), "truncated"), "%s", vdev_state_why(&r));
	fst.p[4] = 9;
	vdev_state_reader_init(&r, fst.p, fst.len);
	cr_expect_eq(vdev_virtio_mmio_restore(tr_b, &r), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "VMIO: state version 9 is newer than this build's 1");
	fst.p[4] = 1;
	fst.p[0] = 'X';
	vdev_state_reader_init(&r, fst.p, fst.len);
	cr_expect_eq(vdev_virtio_mmio_restore(tr_b, &r), -EINVAL);
	cr_expect_str_eq(vdev_state_why(&r), "expected section VMIO, found XMIO");

	/* None of it reached tr_b or its device model. */
	cr_expect_eq(fb.activations + fb.resets, 0);
	cr_expect_eq(fib.asserts + fib.deasserts, 0);
	cr_expect_eq(t_rd(tr_b, VDEV_VIRTIO_MMIO_STATUS), 0);
	cr_expect_eq(t_rd(tr_b, VDEV_VIRTIO_MMIO_QUEUE_READY), 0);
	cr_expect_eq(t_rd(tr_b, VDEV_VIRTIO_MMIO_QUEUE_NUM), 0);
}
