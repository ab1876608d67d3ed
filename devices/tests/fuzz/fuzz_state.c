/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: every device restore function on arbitrary bytes. A refused state
 * must leave a reason and the device exactly as created; an accepted one must save back
 * to the same bytes, drive no line while restoring, and leave a device that then works
 * (its lines alternate, the masked status matches the line) under the accesses that
 * follow.
 *
 * Input: [device byte] [state: one section] [accesses, 4 bytes each: op, offset, value,
 * extra]. The seeds (corpus/state) are valid saved states, written by the test
 * devices_state_seeds.
 */
#include "fuzz_input.h"

#include <errno.h>
#include <string.h>

/* A line that may be replayed (deassert then assert) once restored, then must alternate. */
struct st_line {
	int level;
	int calls;
	int strict;
};

static int st_assert(void *ctx, uint32_t line)
{
	struct st_line *l = ctx;
	(void)line;
	FZ_CHECK(!(l->strict && l->level));
	l->level = 1;
	l->calls++;
	return 0;
}

static int st_deassert(void *ctx, uint32_t line)
{
	struct st_line *l = ctx;
	(void)line;
	FZ_CHECK(!(l->strict && !l->level));
	l->level = 0;
	l->calls++;
	return 0;
}

static struct vdev_irq st_irq(struct st_line *l)
{
	*l = (struct st_line){0};
	return (struct vdev_irq){.assert_line = st_assert, .deassert_line = st_deassert, .ctx = l};
}

enum { D_UART, D_RTC, D_PL061, D_CMOS, D_I8042, D_ACPI_PM, D_COUNT };

struct dev {
	int kind;
	void *p;
	struct st_line line, line2;
	struct fz_clock clock;
};

static void create(struct dev *d, int kind)
{
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->clock.now = 1700000000LL * 1000000000LL;
	switch (kind) {
	case D_UART: {
		struct vdev_uart_config c = {.out_fd = -1, .irq = st_irq(&d->line)};
		FZ_CHECK(vdev_uart_create(&c, (struct vdev_uart **)&d->p) == 0);
		break;
	}
	case D_RTC: {
		struct vdev_rtc_config c = {
		    .irq = st_irq(&d->line), .clock_ns = fz_clock_ns, .clock_ctx = &d->clock};
		FZ_CHECK(vdev_rtc_create(&c, (struct vdev_rtc **)&d->p) == 0);
		break;
	}
	case D_PL061: {
		struct vdev_pl061_config c = {.irq = st_irq(&d->line)};
		FZ_CHECK(vdev_pl061_create(&c, (struct vdev_pl061 **)&d->p) == 0);
		break;
	}
	case D_CMOS: {
		struct vdev_cmos_config c = {
		    .irq = st_irq(&d->line), .clock_ns = fz_clock_ns, .clock_ctx = &d->clock};
		FZ_CHECK(vdev_cmos_create(&c, (struct vdev_cmos **)&d->p) == 0);
		break;
	}
	case D_I8042: {
		struct vdev_i8042_config c = {.kbd_irq = st_irq(&d->line),
		                              .aux_irq = st_irq(&d->line2)};
		FZ_CHECK(vdev_i8042_create(&c, (struct vdev_i8042 **)&d->p) == 0);
		break;
	}
	default: {
		struct vdev_acpi_pm_config c = {.sci = st_irq(&d->line)};
		FZ_CHECK(vdev_acpi_pm_create(&c, (struct vdev_acpi_pm **)&d->p) == 0);
		break;
	}
	}
}

static void destroy(struct dev *d)
{
	switch (d->kind) {
	case D_UART:
		vdev_uart_destroy(d->p);
		break;
	case D_RTC:
		vdev_rtc_destroy(d->p);
		break;
	case D_PL061:
		vdev_pl061_destroy(d->p);
		break;
	case D_CMOS:
		vdev_cmos_destroy(d->p);
		break;
	case D_I8042:
		vdev_i8042_destroy(d->p);
		break;
	default:
		vdev_acpi_pm_destroy(d->p);
		break;
	}
}

static int save(struct dev *d, struct vdev_state_writer *w)
{
	switch (d->kind) {
	case D_UART:
		return vdev_uart_save(d->p, w);
	case D_RTC:
		return vdev_rtc_save(d->p, w);
	case D_PL061:
		return vdev_pl061_save(d->p, w);
	case D_CMOS:
		return vdev_cmos_save(d->p, w);
	case D_I8042:
		return vdev_i8042_save(d->p, w);
	default:
		return vdev_acpi_pm_save(d->p, w);
	}
}

static int restore(struct dev *d, struct vdev_state_reader *r)
{
	switch (d->kind) {
	case D_UART:
		return vdev_uart_restore(d->p, r);
	case D_RTC:
		return vdev_rtc_restore(d->p, r);
	case D_PL061:
		return vdev_pl061_restore(d->p, r);
	case D_CMOS:
		return vdev_cmos_restore(d->p, r);
	case D_I8042:
		return vdev_i8042_restore(d->p, r);
	default:
		return vdev_acpi_pm_restore(d->p, r);
	}
}

static void replay(struct dev *d)
{
	switch (d->kind) {
	case D_UART:
		FZ_CHECK(vdev_uart_irq_replay(d->p) == 0);
		break;
	case D_RTC:
		FZ_CHECK(vdev_rtc_irq_replay(d->p) == 0);
		break;
	case D_PL061:
		FZ_CHECK(vdev_pl061_irq_replay(d->p) == 0);
		break;
	case D_CMOS:
		FZ_CHECK(vdev_cmos_irq_replay(d->p) == 0);
		break;
	case D_I8042:
		FZ_CHECK(vdev_i8042_irq_replay(d->p) == 0);
		break;
	default:
		FZ_CHECK(vdev_acpi_pm_irq_replay(d->p) == 0);
		break;
	}
}

static const struct vdev_ops *ops(const struct dev *d)
{
	switch (d->kind) {
	case D_UART:
		return vdev_uart_ops();
	case D_RTC:
		return vdev_rtc_ops();
	case D_PL061:
		return vdev_pl061_ops();
	case D_CMOS:
		return vdev_cmos_ops();
	case D_I8042:
		return vdev_i8042_ops();
	default:
		return vdev_acpi_pm_ops();
	}
}

/* Register offsets worth reaching for each device (the low bits of the offset byte pick
   one, the others add a few bytes on top for the devices with wide windows). */
static uint64_t offset(const struct dev *d, uint8_t b)
{
	switch (d->kind) {
	case D_UART:
		return b & 7;
	case D_RTC:
		return (uint64_t)(b & 7) * 4;
	case D_PL061:
		return (b & 0x80) ? (uint64_t)(b & 0x7f) << 2 : 0x400 + (uint64_t)(b & 0xf) * 4;
	case D_CMOS:
		return b & 1;
	case D_I8042:
		return (b & 1) ? 4 : 0;
	default:
		return b % VDEV_ACPI_PM_SIZE;
	}
}

/* The state's invariants the registers show. */
static void check(struct dev *d)
{
	uint8_t buf[4];
	switch (d->kind) {
	case D_RTC:
		FZ_CHECK(vdev_rtc_read(d->p, 0x18, buf, 4) == 0);
		FZ_CHECK(d->line.level == (vdev_le_get(buf, 4) != 0));
		break;
	case D_PL061:
		FZ_CHECK(vdev_pl061_read(d->p, 0x418, buf, 4) == 0);
		FZ_CHECK(d->line.level == (vdev_le_get(buf, 4) != 0));
		break;
	case D_ACPI_PM: {
		uint16_t sts, en;
		FZ_CHECK(vdev_acpi_pm_read(d->p, 0, buf, 4) == 0);
		sts = (uint16_t)vdev_le_get(buf, 2);
		en = (uint16_t)vdev_le_get(buf + 2, 2);
		FZ_CHECK(d->line.level == ((sts & en) != 0));
		break;
	}
	default:
		break; /* their lines' alternation is checked on every call */
	}
}

/* One access, or the device's own input: host bytes, a clock step, a pin, an event. */
static void exercise(struct dev *d, struct fuzz_in *in)
{
	uint8_t op = fz_u8(in), off = fz_u8(in), val = fz_u8(in), extra = fz_u8(in);
	uint8_t buf[8] = {val, extra};
	uint64_t o = offset(d, off);

	switch (op & 3) {
	case 0:
		FZ_CHECK(ops(d)->read(d->p, o, buf, 1) == 0);
		break;
	case 1:
		FZ_CHECK(ops(d)->write(d->p, o, buf, d->kind == D_ACPI_PM ? 2 : 1) == 0);
		break;
	default:
		switch (d->kind) {
		case D_UART:
			FZ_CHECK(vdev_uart_push_input(d->p, buf, val & 3) >= 0);
			break;
		case D_RTC:
			d->clock.now += (int64_t)val * 1000000000LL;
			FZ_CHECK(vdev_rtc_timer_expired(d->p) >= 0);
			FZ_CHECK(vdev_rtc_next_deadline(d->p) == -1 ||
			         vdev_rtc_next_deadline(d->p) > d->clock.now);
			break;
		case D_PL061:
			FZ_CHECK(vdev_pl061_set_input(d->p, val & 7, extra & 1) == 0);
			break;
		case D_CMOS:
			d->clock.now += (int64_t)(val | extra << 8) * 1000000000LL;
			FZ_CHECK(vdev_cmos_timer_expired(d->p) >= 0);
			FZ_CHECK(vdev_cmos_next_deadline(d->p) == -1 ||
			         vdev_cmos_next_deadline(d->p) > d->clock.now);
			break;
		case D_I8042:
			FZ_CHECK(vdev_i8042_read(d->p, 0, buf, 1) == 0);
			break;
		default:
			FZ_CHECK(vdev_acpi_pm_event(d->p, (uint16_t)(val | extra << 8)) == 0);
			break;
		}
		break;
	}
	check(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vdev_state_writer w, fresh;
	struct vdev_state_reader r;
	struct dev d, ref;
	int ret;

	if (size < 1)
		return 0;
	create(&d, data[0] % D_COUNT);
	create(&ref, d.kind);
	vdev_state_reader_init(&r, data + 1, size - 1);
	ret = restore(&d, &r);
	FZ_CHECK(d.line.calls == 0 && d.line2.calls == 0); /* restore drives no line */
	vdev_state_writer_init(&w);
	FZ_CHECK(save(&d, &w) == 0);
	if (ret != 0) {
		/* Refused: a reason, and the device as created. */
		FZ_CHECK(ret == -EINVAL && r.error == -EINVAL && vdev_state_why(&r)[0] != '\0');
		vdev_state_writer_init(&fresh);
		FZ_CHECK(save(&ref, &fresh) == 0);
		FZ_CHECK(fresh.len == w.len && memcmp(fresh.buf, w.buf, w.len) == 0);
		vdev_state_writer_free(&fresh);
	} else {
		/* Accepted: the same bytes again, then a working device. */
		FZ_CHECK(r.error == 0 && w.len == r.pos && memcmp(w.buf, data + 1, w.len) == 0);
		replay(&d);
		d.line.strict = d.line2.strict = 1;
		check(&d);
		struct fuzz_in in = {data + 1 + r.pos, size - 1 - r.pos};
		for (int i = 0; i < 64 && in.left; i++)
			exercise(&d, &in);
	}
	vdev_state_writer_free(&w);
	destroy(&d);
	destroy(&ref);
	return 0;
}
