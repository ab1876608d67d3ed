/* SPDX-License-Identifier: Apache-2.0 */
/* The PL061 GPIO controller: registers, masked data, edge and level interrupts, the line,
   and a key wired to a pin as Linux's gpio-keys driver sets it up. */
#include "irq_recorder.h"

#include <criterion/criterion.h>
#include <errno.h>

/* PL061 register offsets (ARM DDI 0190). */
enum { DIR = 0x400, IS = 0x404, IBE = 0x408, IEV = 0x40c, IE = 0x410 };
enum { RIS = 0x414, MIS = 0x418, IC = 0x41c, AFSEL = 0x420 };

static struct vdev_pl061 *g;
static struct irq_recorder irq;

static void setup(void)
{
	struct vdev_pl061_config cfg = {.irq = irq_rec_init(&irq, 7)};
	cr_assert_eq(vdev_pl061_create(&cfg, &g), 0);
}

static void teardown(void)
{
	vdev_pl061_destroy(g);
	g = NULL;
}

TestSuite(pl061, .init = setup, .fini = teardown);

static uint32_t rd(uint64_t off)
{
	uint8_t d[4];
	cr_assert_eq(vdev_pl061_read(g, off, d, 4), 0);
	return vdev_le_get(d, 4);
}

static void wr(uint64_t off, uint32_t v)
{
	uint8_t d[4];
	vdev_le_put(d, 4, v);
	cr_assert_eq(vdev_pl061_write(g, off, d, 4), 0);
}

Test(pl061, identity_and_reset_state)
{
	const uint32_t ids[8] = {0x61, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
	for (int i = 0; i < 8; i++)
		cr_expect_eq(rd(0xfe0 + 4 * i), ids[i], "ID %d", i);
	cr_expect_eq(rd(DIR), 0, "every pin an input");
	cr_expect_eq(rd(IE), 0);
	cr_expect_eq(rd(RIS), 0);
	cr_expect_eq(rd(0x3fc), 0, "every pin low");
	cr_expect_eq(irq.level, false);
}

/* GPIODATA's address bits [9:2] mask reads and writes; only outputs take writes. */
Test(pl061, masked_data)
{
	cr_assert_eq(vdev_pl061_set_input(g, 0, true), 0);
	cr_assert_eq(vdev_pl061_set_input(g, 7, true), 0);
	cr_expect_eq(rd(0x3fc), 0x81);
	cr_expect_eq(rd(0x1 << 2), 0x01, "mask pin 0");
	cr_expect_eq(rd(0x80 << 2), 0x80, "mask pin 7");
	cr_expect_eq(rd(0x7e << 2), 0x00);
	wr(0x3fc, 0xff);
	cr_expect_eq(rd(0x3fc), 0x81, "inputs take no writes");
	wr(DIR, 0x0c);
	wr(0x04 << 2, 0xff); /* only pin 2 through the mask */
	cr_expect_eq(rd(0x3fc), 0x85);
	cr_expect_eq(vdev_pl061_set_input(g, 2, false), 0);
	cr_expect_eq(rd(0x3fc), 0x85, "an output keeps the guest's level");
	cr_expect_eq(vdev_pl061_set_input(g, 8, true), -EINVAL);
	cr_expect_eq(vdev_pl061_set_input(NULL, 0, true), -EINVAL);
}

/* Both edges, as gpio-keys asks for a key: press and release each raise the interrupt;
   the guest clears each through GPIOIC. */
Test(pl061, both_edges_like_gpio_keys)
{
	wr(IS, 0);
	wr(IBE, 0x08);
	wr(IE, 0x08);
	cr_assert_eq(vdev_pl061_set_input(g, 3, true), 0);
	cr_expect_eq(rd(RIS), 0x08);
	cr_expect_eq(rd(MIS), 0x08);
	cr_expect_eq(irq.level, true);
	cr_expect_eq(rd(0x08 << 2), 0x08, "pressed");
	wr(IC, 0x08);
	cr_expect_eq(rd(MIS), 0);
	cr_expect_eq(irq.level, false);
	cr_assert_eq(vdev_pl061_set_input(g, 3, false), 0);
	cr_expect_eq(rd(MIS), 0x08, "the release too");
	cr_expect_eq(irq.level, true);
	wr(IC, 0xff);
	cr_expect_eq(irq.level, false);
	/* The same level again is no edge. */
	cr_assert_eq(vdev_pl061_set_input(g, 3, false), 0);
	cr_expect_eq(rd(RIS), 0);
}

Test(pl061, single_edges_and_mask)
{
	wr(IEV, 0x01); /* pin 0: rising; pin 1: falling */
	cr_assert_eq(vdev_pl061_set_input(g, 0, true), 0);
	cr_assert_eq(vdev_pl061_set_input(g, 1, true), 0);
	cr_expect_eq(rd(RIS), 0x01, "pin 1 rose: not its edge");
	cr_expect_eq(irq.level, false, "masked");
	wr(IE, 0x03);
	cr_expect_eq(irq.level, true, "unmasking a latched edge raises the line");
	wr(IC, 0x01);
	cr_assert_eq(vdev_pl061_set_input(g, 1, false), 0);
	cr_expect_eq(rd(RIS), 0x02);
	wr(IE, 0);
	cr_expect_eq(irq.level, false);
	cr_expect_eq(rd(MIS), 0);
	cr_expect_eq(rd(RIS), 0x02, "masking leaves the raw status");
}

/* Level-sensitive pins follow their level; GPIOIC does not clear them. */
Test(pl061, level_interrupts)
{
	wr(IS, 0x10);
	wr(IEV, 0x10); /* high level */
	wr(IE, 0x10);
	cr_expect_eq(irq.level, false);
	cr_assert_eq(vdev_pl061_set_input(g, 4, true), 0);
	cr_expect_eq(irq.level, true);
	wr(IC, 0x10);
	cr_expect_eq(irq.level, true, "still high");
	cr_assert_eq(vdev_pl061_set_input(g, 4, false), 0);
	cr_expect_eq(irq.level, false);
	wr(IEV, 0x00); /* low level: active now */
	cr_expect_eq(irq.level, true);
	cr_expect_eq(vdev_pl061_irq_replay(g), 0);
	cr_expect_eq(irq.asserts, 3, "the replay asserts again");
}

Test(pl061, odd_accesses_and_bus_ops)
{
	uint8_t d[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	cr_expect_eq(vdev_pl061_read(g, 0x401, d, 1), 0);
	cr_expect_eq(d[0], 0, "unaligned: reads 0");
	cr_expect_eq(vdev_pl061_read(g, 0x500, d, 4), 0);
	cr_expect_eq(vdev_le_get(d, 4), 0, "reserved: 0");
	cr_expect_eq(vdev_pl061_read(g, 0, d, 3), -EINVAL);
	cr_expect_eq(vdev_pl061_write(g, RIS, d, 4), 0, "read-only: ignored");
	cr_expect_eq(rd(RIS), 0);
	wr(AFSEL, 0x5a);
	cr_expect_eq(rd(AFSEL), 0x5a);
	const struct vdev_ops *ops = vdev_pl061_ops();
	cr_assert_eq(ops->read(g, 0xfe0, d, 4), 0);
	cr_expect_eq(vdev_le_get(d, 4), 0x61);
	struct vdev_pl061 *none;
	cr_expect_eq(vdev_pl061_create(NULL, &none), -EINVAL);
	vdev_pl061_destroy(NULL);
}
