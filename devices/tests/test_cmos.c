/* SPDX-License-Identifier: Apache-2.0 */
/* The MC146818 CMOS RTC device: registers, BCD time, the alarm, its timer and its line,
   on a test clock. */
#include "irq_recorder.h"

#include <criterion/criterion.h>
#include <errno.h>

/* 2024-02-29 12:34:56 UTC, a Thursday; and 2026-11-25 23:59:58 UTC. */
#define LEAP_NOON 1709210096
#define NEAR_MIDNIGHT 1795651198
#define NS 1000000000ll

enum { SEC_ALARM = 0x01, MIN_ALARM = 0x03, HOUR_ALARM = 0x05 };
enum { REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d };
enum { B_AIE = 0x20, B_24H = 0x02, C_IRQF = 0x80, C_AF = 0x20 };

static struct {
	struct vdev_cmos *c;
	struct irq_recorder irq;
	int64_t now_s;
	int64_t deadline; /* the last timer_changed value */
	int timer_calls;
} T;

static int64_t test_clock(void *ctx)
{
	(void)ctx;
	return T.now_s * NS + 250000000; /* a quarter into the second */
}

static void timer_changed(void *ctx, int64_t deadline_ns)
{
	(void)ctx;
	T.deadline = deadline_ns;
	T.timer_calls++;
}

static void setup(void)
{
	memset(&T, 0, sizeof(T));
	T.deadline = -7;
	struct vdev_cmos_config cfg = {.irq = irq_rec_init(&T.irq, VDEV_CMOS_ISA_IRQ),
	                               .clock_ns = test_clock,
	                               .timer_changed = timer_changed};
	cr_assert_eq(vdev_cmos_create(&cfg, &T.c), 0);
}

static void teardown(void)
{
	vdev_cmos_destroy(T.c);
}

TestSuite(cmos, .init = setup, .fini = teardown);

static uint8_t reg(uint8_t idx)
{
	uint8_t v = 0xee;
	cr_assert_eq(vdev_cmos_write(T.c, 0, &idx, 1), 0);
	cr_assert_eq(vdev_cmos_read(T.c, 1, &v, 1), 0);
	return v;
}

static void set(uint8_t idx, uint8_t v)
{
	cr_assert_eq(vdev_cmos_write(T.c, 0, &idx, 1), 0);
	cr_assert_eq(vdev_cmos_write(T.c, 1, &v, 1), 0);
}

Test(cmos, registers_and_time)
{
	T.now_s = 0;
	cr_assert_eq(reg(REG_A), 0x26);
	cr_assert_eq(reg(REG_B), B_24H, "24-hour BCD, no IRQ");
	cr_assert_eq(reg(REG_C), 0);
	cr_assert_eq(reg(REG_D), 0x80, "battery good");
	T.now_s = LEAP_NOON;
	cr_assert_eq(reg(0x00), 0x56);
	cr_assert_eq(reg(0x02), 0x34);
	cr_assert_eq(reg(0x04), 0x12);
	cr_assert_eq(reg(0x06), 0x05, "weekday 1-7 from Sunday");
	cr_assert_eq(reg(0x07), 0x29);
	cr_assert_eq(reg(0x08), 0x02);
	cr_assert_eq(reg(0x09), 0x24);
	cr_assert_eq(reg(0x32), 0x20, "century");
	/* Time writes do not move the host's clock; RAM bytes are kept. */
	set(0x00, 0x11);
	cr_assert_eq(reg(0x00), 0x56);
	set(0x40, 0xab);
	cr_assert_eq(reg(0x40), 0xab);
	/* The index drops the NMI mask bit and reads back. */
	uint8_t v = 0x80 | 0x40;
	vdev_cmos_write(T.c, 0, &v, 1);
	vdev_cmos_read(T.c, 0, &v, 1);
	cr_assert_eq(v, 0x40);
	/* Past the two ports: 0xff; wider than a byte: 0, ignored. */
	uint8_t w[4] = {1, 2, 3, 4};
	cr_assert_eq(vdev_cmos_read(T.c, 2, w, 1), 0);
	cr_assert_eq(w[0], 0xff);
	cr_assert_eq(vdev_cmos_read(T.c, 1, w, 4), 0);
	cr_assert_eq(w[0] | w[1] | w[2] | w[3], 0);
	cr_assert_eq(vdev_cmos_read(T.c, 1, w, 3), -EINVAL);
	/* B keeps the interrupt enables; binary mode and 12-hour mode cannot be chosen. */
	set(REG_B, 0xff);
	cr_assert_eq(reg(REG_B), 0xfa);
	set(REG_B, 0x00);
	cr_assert_eq(reg(REG_B), B_24H);
	/* A, C and D ignore writes. */
	set(REG_A, 0x00);
	set(REG_C, 0xff);
	cr_assert_eq(reg(REG_A), 0x26);
	cr_assert_eq(reg(REG_C), 0);
	cr_assert_eq(T.irq.asserts + T.irq.deasserts, 0, "nothing touched the line");
}

Test(cmos, alarm_timer_line_and_register_c)
{
	T.now_s = LEAP_NOON;
	/* The alarm at 12:35:01, 5 s ahead; off until AIE: the timer is disarmed. */
	set(HOUR_ALARM, 0x12);
	set(MIN_ALARM, 0x35);
	set(SEC_ALARM, 0x01);
	cr_assert_eq(T.deadline, -1, "AIE off: no timer");
	cr_assert_eq(vdev_cmos_next_deadline(T.c), -1);
	set(REG_B, B_24H | B_AIE);
	int64_t due = (LEAP_NOON + 5) * NS;
	cr_assert_eq(T.deadline, due);
	cr_assert_eq(vdev_cmos_next_deadline(T.c), due);
	/* An early timer raises nothing and re-arms for the same second. */
	T.now_s = LEAP_NOON + 4;
	cr_assert_eq(vdev_cmos_timer_expired(T.c), 0);
	cr_assert_eq(T.deadline, due);
	cr_assert_not(T.irq.level);
	T.now_s = LEAP_NOON + 5;
	cr_assert_eq(vdev_cmos_timer_expired(T.c), 1);
	cr_assert(T.irq.level, "the line rises");
	cr_assert_eq(T.irq.last_line, VDEV_CMOS_ISA_IRQ);
	cr_assert_eq(T.deadline, due + 86400 * NS, "the same alarm again a day later");
	cr_assert_eq(reg(REG_C), C_IRQF | C_AF);
	cr_assert_not(T.irq.level, "reading C lowers it");
	cr_assert_eq(reg(REG_C), 0, "flags cleared");
	/* A changed alarm does not go off at the old second. */
	T.now_s = LEAP_NOON;
	set(SEC_ALARM, 0x01);
	set(SEC_ALARM, 0x02);
	cr_assert_eq(T.deadline, (LEAP_NOON + 6) * NS);
	T.now_s = LEAP_NOON + 5;
	cr_assert_eq(vdev_cmos_timer_expired(T.c), 0);
	/* A late timer still raises it. */
	T.now_s = LEAP_NOON + 9;
	cr_assert_eq(vdev_cmos_timer_expired(T.c), 1);
	cr_assert(T.irq.level);
	/* Replay: the line is pulsed while it is high. */
	int before = T.irq.asserts;
	cr_assert_eq(vdev_cmos_irq_replay(T.c), 0);
	cr_assert_eq(T.irq.asserts, before + 1);
	cr_assert(T.irq.level);
}

Test(cmos, alarm_flag_without_aie_then_enabled)
{
	T.now_s = LEAP_NOON;
	set(SEC_ALARM, 0xc0);
	set(MIN_ALARM, 0xc0);
	set(HOUR_ALARM, 0xc0);
	/* AIE off: no timer. */
	cr_assert_eq(vdev_cmos_next_deadline(T.c), -1);
	set(REG_B, B_AIE);
	cr_assert_eq(T.deadline, (LEAP_NOON + 1) * NS, "every second");
	T.now_s++;
	cr_assert_eq(vdev_cmos_timer_expired(T.c), 1);
	cr_assert(T.irq.level);
	/* Disabling AIE lowers IRQF and the line (AF stays until C is read)... */
	set(REG_B, 0);
	cr_assert_not(T.irq.level);
	/* ...and enabling it with AF pending raises them at once. */
	set(REG_B, B_AIE);
	cr_assert(T.irq.level);
	cr_assert_eq(reg(REG_C), C_IRQF | C_AF);
	cr_assert_not(T.irq.level);
}

Test(cmos, alarm_deadlines)
{
	set(REG_B, B_AIE);
	T.now_s = LEAP_NOON;
	/* All "don't care": every second. */
	set(SEC_ALARM, 0xff);
	set(MIN_ALARM, 0xc0);
	set(HOUR_ALARM, 0xd5);
	cr_assert_eq(T.deadline, (LEAP_NOON + 1) * NS);
	/* Second 0 of any minute of any hour: the next whole minute. */
	set(SEC_ALARM, 0x00);
	cr_assert_eq(T.deadline, (LEAP_NOON + 4) * NS);
	/* Across midnight: 23:59:58 to 00:00:01. */
	T.now_s = NEAR_MIDNIGHT;
	set(SEC_ALARM, 0x01);
	set(MIN_ALARM, 0x00);
	set(HOUR_ALARM, 0x00);
	cr_assert_eq(T.deadline, (NEAR_MIDNIGHT + 3) * NS);
	/* The current second has passed: the next match is a day later. */
	set(SEC_ALARM, 0x58);
	set(MIN_ALARM, 0x59);
	set(HOUR_ALARM, 0x23);
	cr_assert_eq(T.deadline, (NEAR_MIDNIGHT + 86400) * NS);
	/* No time of day matches an hour of 0x99 (or 0x24): no timer. */
	set(HOUR_ALARM, 0x99);
	cr_assert_eq(T.deadline, -1);
	set(HOUR_ALARM, 0x24);
	cr_assert_eq(T.deadline, -1);
	/* Before 1970 too: 1969-12-31 23:59:58. */
	T.now_s = -2;
	set(HOUR_ALARM, 0x23);
	cr_assert_eq(T.deadline, (-2 + 86400) * NS);
}

Test(cmos, bad_arguments, .init = NULL, .fini = NULL)
{
	struct vdev_cmos *c;
	uint8_t b = 0;
	cr_assert_eq(vdev_cmos_create(NULL, &c), -EINVAL);
	cr_assert_eq(vdev_cmos_read(NULL, 0, &b, 1), -EINVAL);
	cr_assert_eq(vdev_cmos_write(NULL, 0, &b, 1), -EINVAL);
	cr_assert_eq(vdev_cmos_timer_expired(NULL), -EINVAL);
	cr_assert_eq(vdev_cmos_next_deadline(NULL), -1);
	vdev_cmos_destroy(NULL);
}

/* The test's own answer: the first second after now whose time of day the three alarm
   bytes match (each "don't care" at 0xc0 and above, else BCD), scanning a whole day. */
static uint8_t to_bcd(int v)
{
	return (uint8_t)((v / 10) << 4 | v % 10);
}

static bool byte_matches(uint8_t a, int v)
{
	return (a & 0xc0) == 0xc0 || a == to_bcd(v);
}

static int64_t brute_next(uint8_t h, uint8_t m, uint8_t s, int64_t now)
{
	for (int64_t t = now + 1; t <= now + 86400; t++) {
		int64_t sod = ((t % 86400) + 86400) % 86400;
		if (byte_matches(h, (int)(sod / 3600)) && byte_matches(m, (int)(sod / 60 % 60)) &&
		    byte_matches(s, (int)(sod % 60)))
			return t;
	}
	return -1;
}

Test(cmos, next_alarm_agrees_with_a_whole_day_scan)
{
	static const uint8_t hours[] = {0x00, 0x12, 0x23, 0x24, 0x99, 0xc0, 0xff, 0x0a, 0x09};
	static const uint8_t mins[] = {0x00, 0x35, 0x59, 0x60, 0xc3, 0x7f};
	static const uint8_t secs[] = {0x00, 0x01, 0x58, 0x59, 0xd0, 0x5a};
	static const int64_t times[] = {LEAP_NOON,        NEAR_MIDNIGHT, NEAR_MIDNIGHT + 1, -2, 0,
	                                LEAP_NOON + 3599, 86399};
	int checked = 0;

	set(REG_B, B_AIE);
	for (size_t a = 0; a < sizeof(hours); a++)
		for (size_t b = 0; b < sizeof(mins); b++)
			for (size_t c = 0; c < sizeof(secs); c++)
				for (size_t t = 0; t < sizeof(times) / sizeof(times[0]); t++) {
					T.now_s = times[t];
					set(HOUR_ALARM, hours[a]);
					set(MIN_ALARM, mins[b]);
					set(SEC_ALARM, secs[c]);
					int64_t want =
					    brute_next(hours[a], mins[b], secs[c], times[t]);
					int64_t got = vdev_cmos_next_deadline(T.c);
					cr_assert_eq(
					    got, want < 0 ? -1 : want * NS,
					    "alarm %02x:%02x:%02x at %lld: %lld, want %lld s",
					    hours[a], mins[b], secs[c], (long long)times[t],
					    (long long)got, (long long)want);
					checked++;
				}
	cr_assert_eq(checked, 9 * 6 * 6 * 7);
}
