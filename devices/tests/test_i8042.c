/* SPDX-License-Identifier: Apache-2.0 */
#include "irq_recorder.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

enum { DATA = 0, CMD = 4 };

/* Status bits. */
#define OBF 0x01
#define SYS 0x04
#define CMDBIT 0x08
#define KEYLOCK 0x10
#define AUXDATA 0x20

struct fixture {
	struct vdev_i8042 *dev;
	struct irq_recorder kbd, aux;
	int resets;
	uint8_t status_in_reset;
};

static struct fixture fx;

static uint8_t rd(uint64_t off)
{
	uint8_t b = 0xaa;
	cr_assert_eq(vdev_i8042_read(fx.dev, off, &b, 1), 0);
	return b;
}

static void wr(uint64_t off, uint8_t v)
{
	cr_assert_eq(vdev_i8042_write(fx.dev, off, &v, 1), 0);
}

static void on_reset(void *ctx)
{
	struct fixture *f = ctx;
	uint8_t b;
	f->resets++;
	/* Called without the device's lock: calling back in must not deadlock. */
	vdev_i8042_read(f->dev, CMD, &b, 1);
	f->status_in_reset = b;
}

static void setup(void)
{
	struct vdev_i8042_config cfg = {0};
	memset(&fx, 0, sizeof(fx));
	cfg.kbd_irq = irq_rec_init(&fx.kbd, 1);
	cfg.aux_irq = irq_rec_init(&fx.aux, 12);
	cfg.reset = on_reset;
	cfg.reset_ctx = &fx;
	cr_assert_eq(vdev_i8042_create(&cfg, &fx.dev), 0);
}

static void teardown(void)
{
	vdev_i8042_destroy(fx.dev);
}

/* Reads one byte the way Linux does: status first, then data. */
static int read_byte(uint8_t *st)
{
	*st = rd(CMD);
	if (!(*st & OBF))
		return -1;
	return rd(DATA);
}

static void expect_bytes(const uint8_t *want, int n)
{
	uint8_t st;
	for (int i = 0; i < n; i++) {
		int b = read_byte(&st);
		cr_assert_eq(b, want[i], "byte %d: got %d, want 0x%02x", i, b, want[i]);
		cr_assert_eq(st & AUXDATA, 0);
	}
	cr_assert_eq(rd(CMD) & OBF, 0, "nothing more");
}

TestSuite(i8042, .init = setup, .fini = teardown);

Test(i8042, reset_state)
{
	cr_assert_eq(rd(CMD), KEYLOCK | SYS);
	cr_assert_not(fx.kbd.level);
	cr_assert_not(fx.aux.level);
	cr_assert_eq(fx.resets, 0);
}

Test(i8042, bad_arguments)
{
	uint8_t b = 0;
	struct vdev_i8042 *d;
	cr_assert_eq(vdev_i8042_read(fx.dev, CMD, &b, 3), -EINVAL);
	cr_assert_eq(vdev_i8042_read(NULL, CMD, &b, 1), -EINVAL);
	cr_assert_eq(vdev_i8042_write(fx.dev, CMD, NULL, 1), -EINVAL);
	cr_assert_eq(vdev_i8042_create(NULL, &d), -EINVAL);
	vdev_i8042_destroy(NULL);
}

Test(i8042, other_offsets_ignored)
{
	uint8_t b = 0xfe;
	for (uint64_t off = 1; off < 4; off++) {
		cr_assert_eq(vdev_i8042_write(fx.dev, off, &b, 1), 0);
		cr_assert_eq(rd(off), 0);
	}
	cr_assert_eq(fx.resets, 0);
}

Test(i8042, command_byte_read_and_write)
{
	wr(CMD, 0x20);
	cr_assert_eq(rd(CMD), KEYLOCK | SYS | CMDBIT | OBF);
	cr_assert(fx.kbd.level, "a controller answer raises IRQ 1 when enabled");
	cr_assert_eq(fx.kbd.last_line, 1);
	cr_assert_eq(rd(DATA), 0x65, "KBDINT, SYS, AUXDIS, XLATE");
	cr_assert_not(fx.kbd.level);

	wr(CMD, 0x60);
	wr(DATA, 0x44); /* interrupts off, translation on */
	cr_assert_eq(rd(CMD) & CMDBIT, 0, "the last write went to the data port");
	wr(CMD, 0x20);
	cr_assert_not(fx.kbd.level, "KBDINT cleared: no interrupt");
	cr_assert_eq(rd(DATA), 0x44);
	cr_assert_eq(fx.kbd.asserts, 1);
}

Test(i8042, linux_probe_sequence)
{
	uint8_t st;
	/* i8042_flush: nothing pending. */
	cr_assert_eq(read_byte(&st), -1);
	/* A stable command byte over repeated reads. */
	for (int i = 0; i < 3; i++) {
		wr(CMD, 0x20);
		cr_assert_eq(read_byte(&st), 0x65);
	}
	wr(CMD, 0xaa);
	cr_assert_eq(read_byte(&st), 0x55, "controller self-test passes");
	wr(CMD, 0xab);
	cr_assert_eq(read_byte(&st), 0x00, "keyboard interface test passes");
	/* AUX loopback through the controller: the byte comes back as aux data. */
	wr(CMD, 0x60);
	wr(DATA, 0x47); /* KBDINT, AUXINT, SYS, XLATE */
	wr(CMD, 0xd3);
	wr(DATA, 0x5a);
	cr_assert(fx.aux.level);
	cr_assert_eq(fx.aux.last_line, 12);
	cr_assert_not(fx.kbd.level);
	cr_assert_eq(read_byte(&st), 0x5a);
	cr_assert(st & AUXDATA);
	cr_assert_not(fx.aux.level);
	/* AUX enable/disable show in the command byte. */
	wr(CMD, 0xa7);
	wr(CMD, 0x20);
	cr_assert_eq(read_byte(&st) & 0x20, 0x20);
	wr(CMD, 0xa8);
	wr(CMD, 0x20);
	cr_assert_eq(read_byte(&st) & 0x20, 0);
	wr(CMD, 0xad);
	wr(CMD, 0x20);
	cr_assert_eq(read_byte(&st) & 0x10, 0x10);
	wr(CMD, 0xae);
	wr(CMD, 0x20);
	cr_assert_eq(read_byte(&st) & 0x10, 0);
	/* No mouse: the aux interface test fails and a byte sent to the mouse is NAKed. */
	wr(CMD, 0xa9);
	cr_assert_neq(read_byte(&st), 0x00);
	wr(CMD, 0xd4);
	wr(DATA, 0xf2);
	cr_assert_eq(read_byte(&st), 0xfe);
	cr_assert(st & AUXDATA);
}

Test(i8042, keyboard_commands)
{
	static const uint8_t reset[] = {0xfa, 0xaa};
	static const uint8_t id[] = {0xfa, 0xab, 0x83};
	static const uint8_t leds[] = {0xfa, 0xfa};
	static const uint8_t getset[] = {0xfa, 0xfa, 0x02};
	static const uint8_t setset[] = {0xfa, 0xfa, 0xfa, 0xfa, 0x01};
	static const uint8_t echo[] = {0xee};
	static const uint8_t enable[] = {0xfa};

	wr(DATA, 0xff);
	expect_bytes(reset, 2);
	wr(DATA, 0xf2);
	expect_bytes(id, 3);
	wr(DATA, 0xed);
	wr(DATA, 0x07);
	expect_bytes(leds, 2);
	wr(DATA, 0xf0);
	wr(DATA, 0x00);
	expect_bytes(getset, 3);
	wr(DATA, 0xf0);
	wr(DATA, 0x01);
	wr(DATA, 0xf0);
	wr(DATA, 0x00);
	expect_bytes(setset, 5);
	wr(DATA, 0xee);
	expect_bytes(echo, 1);
	wr(DATA, 0xf4);
	expect_bytes(enable, 1);
}

Test(i8042, one_interrupt_edge_per_byte)
{
	wr(DATA, 0xf2); /* three bytes queued */
	cr_assert(fx.kbd.level);
	cr_assert_eq(fx.kbd.asserts, 1);
	rd(DATA);
	cr_assert(fx.kbd.level);
	cr_assert_eq(fx.kbd.asserts, 2);
	cr_assert_eq(fx.kbd.deasserts, 1);
	rd(DATA);
	rd(DATA);
	cr_assert_not(fx.kbd.level);
	cr_assert_eq(fx.kbd.asserts, 3);
	cr_assert_eq(fx.kbd.deasserts, 3);
	/* Reading an empty buffer gives the last byte again and no interrupt. */
	cr_assert_eq(rd(DATA), 0x83);
	cr_assert_eq(fx.kbd.asserts, 3);
}

Test(i8042, write_output_buffers)
{
	uint8_t st;
	wr(CMD, 0xd2);
	wr(DATA, 0x1c);
	cr_assert_eq(read_byte(&st), 0x1c);
	cr_assert_eq(st & AUXDATA, 0);
}

Test(i8042, queue_is_bounded)
{
	uint8_t st;
	int n = 0;
	for (int i = 0; i < 40; i++)
		wr(DATA, 0xf2);
	while (read_byte(&st) >= 0)
		n++;
	cr_assert_eq(n, 16);
}

Test(i8042, reset_command)
{
	wr(CMD, 0xfe);
	cr_assert_eq(fx.resets, 1);
	cr_assert_eq(fx.status_in_reset & KEYLOCK, KEYLOCK);
	wr(CMD, 0xff); /* pulses nothing */
	cr_assert_eq(fx.resets, 1);
	wr(CMD, 0xf0); /* pulses all four lines, reset included */
	cr_assert_eq(fx.resets, 2);
}

Test(i8042, output_port)
{
	uint8_t st;
	wr(CMD, 0xd0);
	cr_assert_eq(read_byte(&st), 0x03, "reset line high, A20 on");
	wr(CMD, 0xd1);
	wr(DATA, 0x01); /* A20 off, reset line still high */
	cr_assert_eq(fx.resets, 0);
	wr(CMD, 0xd0);
	cr_assert_eq(read_byte(&st), 0x01);
	wr(CMD, 0xd1);
	wr(DATA, 0x02); /* reset line low */
	cr_assert_eq(fx.resets, 1);
}

Test(i8042, no_reset_callback)
{
	struct vdev_i8042 *d;
	struct vdev_i8042_config cfg = {0};
	uint8_t b = 0xfe;
	cr_assert_eq(vdev_i8042_create(&cfg, &d), 0);
	cr_assert_eq(vdev_i8042_write(d, CMD, &b, 1), 0);
	vdev_i8042_destroy(d);
}

Test(i8042, on_a_pio_bus)
{
	struct vdev_bus *bus;
	uint8_t b = 0xfe;
	cr_assert_eq(vdev_bus_create(&bus), 0);
	cr_assert_eq(
	    vdev_bus_insert(bus, VDEV_I8042_BASE, VDEV_I8042_SIZE, vdev_i8042_ops(), fx.dev), 0);
	cr_assert_eq(vdev_bus_read(bus, 0x64, &b, 1), 0);
	cr_assert_eq(b, KEYLOCK | SYS);
	b = 0xfe;
	cr_assert_eq(vdev_bus_write(bus, 0x64, &b, 1), 0);
	cr_assert_eq(fx.resets, 1);
	vdev_bus_destroy(bus);
}

/* Two 1-byte ranges leave port 0x61 free for another device. */
static int speaker_read(void *ctx, uint64_t offset, uint8_t *data, uint32_t size)
{
	data[0] = 0x20;
	return 0;
}

Test(i8042, split_ranges_leave_port_61_free)
{
	static const struct vdev_ops speaker = {.read = speaker_read};
	struct vdev_bus *bus;
	uint8_t b;
	cr_assert_eq(vdev_bus_create(&bus), 0);
	cr_assert_eq(vdev_bus_insert(bus, 0x60, 1, vdev_i8042_ops(), fx.dev), 0);
	cr_assert_eq(vdev_bus_insert(bus, 0x64, 1, vdev_i8042_cmd_ops(), fx.dev), 0);
	cr_assert_eq(vdev_bus_insert(bus, 0x61, 1, &speaker, NULL), 0);
	cr_assert_eq(vdev_bus_read(bus, 0x61, &b, 1), 0);
	cr_assert_eq(b, 0x20);
	b = 0x20;
	cr_assert_eq(vdev_bus_write(bus, 0x64, &b, 1), 0);
	cr_assert_eq(vdev_bus_read(bus, 0x64, &b, 1), 0);
	cr_assert_eq(b, KEYLOCK | SYS | CMDBIT | OBF);
	cr_assert_eq(vdev_bus_read(bus, 0x60, &b, 1), 0);
	cr_assert_eq(b, 0x65);
	b = 0xfe;
	cr_assert_eq(vdev_bus_write(bus, 0x64, &b, 1), 0);
	cr_assert_eq(fx.resets, 1);
	vdev_bus_destroy(bus);
}
