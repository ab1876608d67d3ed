/* SPDX-License-Identifier: Apache-2.0 */
/* Saving and restoring the i8042: queued answers, the command byte, pending commands. */
#include "irq_recorder.h"
#include "state_util.h"

enum { DATA = 0, CMD = 4 };
enum { STR_OBF = 0x01, STR_CMD = 0x08 };

struct side {
	struct vdev_i8042 *d;
	struct irq_recorder kbd, aux;
	int resets;
};

static struct side a, b;

static void reset_cb(void *ctx)
{
	((struct side *)ctx)->resets++;
}

static void make(struct side *s)
{
	struct vdev_i8042_config cfg = {.kbd_irq = irq_rec_init(&s->kbd, 1),
	                                .aux_irq = irq_rec_init(&s->aux, 12),
	                                .reset = reset_cb,
	                                .reset_ctx = s};
	cr_assert_eq(vdev_i8042_create(&cfg, &s->d), 0);
}

static void setup(void)
{
	make(&a);
	make(&b);
}

static void teardown(void)
{
	vdev_i8042_destroy(a.d);
	vdev_i8042_destroy(b.d);
}

TestSuite(i8042_state, .init = setup, .fini = teardown);

static uint8_t rd(struct side *s, uint64_t port)
{
	uint8_t v = 0;
	cr_assert_eq(vdev_i8042_read(s->d, port, &v, 1), 0);
	return v;
}

static void wr(struct side *s, uint64_t port, uint8_t v)
{
	cr_assert_eq(vdev_i8042_write(s->d, port, &v, 1), 0);
}

static struct st_buf save(struct side *s)
{
	struct vdev_state_writer w;
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_i8042_save(s->d, &w), 0);
	return st_take(&w);
}

/* Scan code set 3, an identify answer queued behind its ACK, an aux byte, and a
   "write command byte" waiting for its data. */
static void drive_distinctive(struct side *s)
{
	wr(s, DATA, 0xf0);
	wr(s, DATA, 0x03);
	cr_assert_eq(rd(s, DATA), 0xfa);
	cr_assert_eq(rd(s, DATA), 0xfa);
	wr(s, DATA, 0xf2);
	wr(s, CMD, 0xd3);
	wr(s, DATA, 0x5c);
	wr(s, CMD, 0x60);
}

Test(i8042_state, round_trip)
{
	drive_distinctive(&a);
	cr_assert(irq_rec_level(&a.kbd));
	struct st_buf st = save(&a);
	struct vdev_state_reader r;

	vdev_state_reader_init(&r, st.p, st.len);
	cr_assert_eq(vdev_i8042_restore(b.d, &r), 0, "%s", vdev_state_why(&r));
	cr_expect_eq(b.kbd.asserts + b.kbd.deasserts + b.aux.asserts, 0);
	cr_assert_eq(vdev_i8042_irq_replay(b.d), 0);
	cr_expect(irq_rec_level(&b.kbd), "a keyboard byte waits");
	cr_expect_not(irq_rec_level(&b.aux));
	struct st_buf again = save(&b);
	cr_expect_arr_eq(again.p, st.p, st.len);

	cr_expect_eq(rd(&b, CMD), 0x1d, "OBF, SYS, CMD, keylock");
	wr(&b, DATA, 0x47); /* the command byte, for the pending 0x60: AUX interrupt on */
	cr_expect_eq(rd(&b, DATA), 0xfa);
	cr_expect_eq(rd(&b, DATA), 0xab);
	cr_expect_eq(rd(&b, DATA), 0x83);
	cr_expect_eq(rd(&b, CMD) & 0x21, 0x21, "the aux byte is next");
	cr_expect(irq_rec_level(&b.aux));
	cr_expect_eq(rd(&b, DATA), 0x5c);
	cr_expect_eq(rd(&b, CMD) & STR_OBF, 0);
	wr(&b, CMD, 0x20);
	cr_expect_eq(rd(&b, DATA), 0x47, "the command byte written after the restore");
	wr(&b, DATA, 0xf0);
	wr(&b, DATA, 0x00);
	cr_expect_eq(rd(&b, DATA), 0xfa);
	cr_expect_eq(rd(&b, DATA), 0xfa);
	cr_expect_eq(rd(&b, DATA), 0x03, "scan code set 3 kept");
	free(st.p);
	free(again.p);
}

Test(i8042_state, refusals)
{
	drive_distinctive(&a);
	struct st_buf st = save(&a);

	ST_REFUSED_COMMON(vdev_i8042_restore, b.d, st);
	/* Payload: ctr 0, outp 1, last 2, status_cmd 3, pending 4, kbd_pending 5, set 6,
	   count 7, entries 8.. */
	ST_REFUSED(vdev_i8042_restore, b.d, st_patch(st, 3, 0x09, 1),
	           "i8042: status command flag 0x9 is not 0 or 0x8");
	ST_REFUSED(vdev_i8042_restore, b.d, st_patch(st, 4, 0x20, 1),
	           "i8042: controller command 0x20 takes no data byte");
	ST_REFUSED(vdev_i8042_restore, b.d, st_patch(st, 3, 0, 1),
	           "i8042: controller command 0x60 pending after a data write");
	ST_REFUSED(vdev_i8042_restore, b.d, st_patch(st, 5, 0xee, 1),
	           "i8042: keyboard command 0xee takes no parameter");
	ST_REFUSED(vdev_i8042_restore, b.d, st_patch(st, 6, 0, 1),
	           "i8042: scan code set 0 is not 1, 2 or 3");
	ST_REFUSED(vdev_i8042_restore, b.d, st_patch(st, 6, 4, 1), "scan code set 4");
	ST_REFUSED(vdev_i8042_restore, b.d, st_patch(st, 7, 17, 1),
	           "i8042: 17 bytes queued, more than the queue holds (16)");
	ST_REFUSED(vdev_i8042_restore, b.d, st_patch(st, 8, 0x2fa, 2),
	           "i8042: queued entry 0 (0x2fa) is not a byte and its port");

	cr_expect_eq(rd(&b, CMD), 0x14, "b untouched: nothing queued, no command");
	cr_expect_eq(b.resets, 0);
	free(st.p);
}
