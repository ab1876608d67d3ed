/* SPDX-License-Identifier: Apache-2.0 */
/* Saving and restoring the PL061 GPIO controller. */
#include "irq_recorder.h"
#include "state_util.h"

enum { DIR = 0x400, IS = 0x404, IBE = 0x408, IEV = 0x40c, IE = 0x410, RIS = 0x414 };
enum { MIS = 0x418, IC = 0x41c, AFSEL = 0x420, DATA_ALL = 0x3fc };

struct side {
	struct vdev_pl061 *g;
	struct irq_recorder irq;
};

static struct side a, b;

static void make(struct side *s)
{
	struct vdev_pl061_config cfg = {0};
	cfg.irq = irq_rec_init(&s->irq, 7);
	cr_assert_eq(vdev_pl061_create(&cfg, &s->g), 0);
}

static void setup(void)
{
	make(&a);
	make(&b);
}

static void teardown(void)
{
	vdev_pl061_destroy(a.g);
	vdev_pl061_destroy(b.g);
}

TestSuite(pl061_state, .init = setup, .fini = teardown);

static uint8_t rd(struct side *s, uint64_t off)
{
	uint8_t d[4];
	cr_assert_eq(vdev_pl061_read(s->g, off, d, 4), 0);
	return (uint8_t)vdev_le_get(d, 4);
}

static void wr(struct side *s, uint64_t off, uint8_t v)
{
	uint8_t d[4];
	vdev_le_put(d, 4, v);
	cr_assert_eq(vdev_pl061_write(s->g, off, d, 4), 0);
}

static struct st_buf save(struct side *s)
{
	struct vdev_state_writer w;
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_pl061_save(s->g, &w), 0);
	return st_take(&w);
}

/* Pins 4-7 outputs driving 0xa0; pin 0 a button on a falling edge (pressed then
   released: latched), pin 1 a level-high input driven high; AFSEL on pin 3. */
static void drive_distinctive(struct side *s)
{
	wr(s, DIR, 0xf0);
	wr(s, DATA_ALL, 0xa0);
	wr(s, IS, 0x02);
	wr(s, IEV, 0x02);
	wr(s, IBE, 0x00);
	wr(s, AFSEL, 0x08);
	cr_assert_eq(vdev_pl061_set_input(s->g, 0, true), 0);
	cr_assert_eq(vdev_pl061_set_input(s->g, 0, false), 0);
	cr_assert_eq(vdev_pl061_set_input(s->g, 1, true), 0);
	wr(s, IE, 0x01);
}

Test(pl061_state, round_trip)
{
	drive_distinctive(&a);
	cr_assert(irq_rec_level(&a.irq));
	struct st_buf st = save(&a);
	struct vdev_state_reader r;

	vdev_state_reader_init(&r, st.p, st.len);
	cr_assert_eq(vdev_pl061_restore(b.g, &r), 0, "%s", vdev_state_why(&r));
	cr_expect_eq(b.irq.asserts + b.irq.deasserts, 0, "restore drives no line");
	cr_assert_eq(vdev_pl061_irq_replay(b.g), 0);
	cr_expect(irq_rec_level(&b.irq), "the latched edge, replayed");

	struct st_buf again = save(&b);
	cr_expect_arr_eq(again.p, st.p, st.len);
	cr_expect_eq(rd(&b, DIR), 0xf0);
	cr_expect_eq(rd(&b, IS), 0x02);
	cr_expect_eq(rd(&b, IEV), 0x02);
	cr_expect_eq(rd(&b, IE), 0x01);
	cr_expect_eq(rd(&b, AFSEL), 0x08);
	cr_expect_eq(rd(&b, DATA_ALL), 0xa2, "outputs as written, pin 1 driven high");
	cr_expect_eq(rd(&b, RIS), 0x03, "the latched edge and the active level");
	cr_expect_eq(rd(&b, MIS), 0x01);

	/* It goes on behaving: clearing the edge drops the line, a new edge raises it. */
	wr(&b, IC, 0x01);
	cr_expect_not(irq_rec_level(&b.irq));
	cr_assert_eq(vdev_pl061_set_input(b.g, 0, true), 0);
	cr_assert_eq(vdev_pl061_set_input(b.g, 0, false), 0);
	cr_expect(irq_rec_level(&b.irq));
	free(st.p);
	free(again.p);
}

Test(pl061_state, refusals)
{
	drive_distinctive(&a);
	struct st_buf st = save(&a);

	ST_REFUSED_COMMON(vdev_pl061_restore, b.g, st);
	cr_expect_eq(rd(&b, DIR), 0, "b untouched");
	cr_expect_eq(rd(&b, IE), 0);
	cr_expect_eq(b.irq.asserts + b.irq.deasserts, 0);
	free(st.p);
}
