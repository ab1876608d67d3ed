/* SPDX-License-Identifier: Apache-2.0 */
/* Saving and restoring the MC146818 CMOS RTC: RAM, registers and the alarm across a gap
   on disk, and the states a restore refuses. */
#include "irq_recorder.h"
#include "state_util.h"

/* 2024-02-29 12:34:56 UTC. */
#define NOON 1709210096LL
#define NS 1000000000LL

enum { SEC = 0x00, SEC_ALARM = 0x01, MIN_ALARM = 0x03, HOUR_ALARM = 0x05 };
enum { REG_B = 0x0b, REG_C = 0x0c };
enum { B_AIE = 0x20, B_24H = 0x02, C_IRQF = 0x80, C_AF = 0x20 };

struct side {
	struct vdev_cmos *c;
	struct irq_recorder irq;
	int64_t now_s;
	int timer_calls;
};

static struct side a, b;

static int64_t clock_of(void *ctx)
{
	return ((struct side *)ctx)->now_s * NS + 250000000;
}

static void timer_cb(void *ctx, int64_t deadline)
{
	(void)deadline;
	((struct side *)ctx)->timer_calls++;
}

static void make(struct side *s, int64_t now_s)
{
	struct vdev_cmos_config cfg = {.irq = irq_rec_init(&s->irq, VDEV_CMOS_ISA_IRQ),
	                               .clock_ns = clock_of,
	                               .clock_ctx = s,
	                               .timer_changed = timer_cb,
	                               .timer_ctx = s};
	s->now_s = now_s;
	s->timer_calls = 0;
	cr_assert_eq(vdev_cmos_create(&cfg, &s->c), 0);
}

static void setup(void)
{
	make(&a, NOON);
	b.c = NULL;
}

static void teardown(void)
{
	vdev_cmos_destroy(a.c);
	vdev_cmos_destroy(b.c);
}

TestSuite(cmos_state, .init = setup, .fini = teardown);

static uint8_t reg(struct side *s, uint8_t idx)
{
	uint8_t v = 0xee;
	cr_assert_eq(vdev_cmos_write(s->c, 0, &idx, 1), 0);
	cr_assert_eq(vdev_cmos_read(s->c, 1, &v, 1), 0);
	return v;
}

static void set(struct side *s, uint8_t idx, uint8_t v)
{
	cr_assert_eq(vdev_cmos_write(s->c, 0, &idx, 1), 0);
	cr_assert_eq(vdev_cmos_write(s->c, 1, &v, 1), 0);
}

static struct st_buf save(struct side *s)
{
	struct vdev_state_writer w;
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_cmos_save(s->c, &w), 0);
	return st_take(&w);
}

static void restore_ok(struct side *s, struct st_buf st)
{
	struct vdev_state_reader r;
	vdev_state_reader_init(&r, st.p, st.len);
	cr_assert_eq(vdev_cmos_restore(s->c, &r), 0, "%s", vdev_state_why(&r));
	cr_expect_eq(vdev_state_remaining(&r), 0);
}

/* Firmware bytes in RAM and an alarm at 12:40:00 with AIE; the index left at 0x40. */
static void guest_sets_alarm(void)
{
	set(&a, 0x40, 0x99);
	set(&a, 0x7f, 0x42);
	set(&a, HOUR_ALARM, 0x12);
	set(&a, MIN_ALARM, 0x40);
	set(&a, SEC_ALARM, 0x00);
	set(&a, REG_B, B_AIE | B_24H);
	cr_assert_eq(vdev_cmos_next_deadline(a.c), (NOON + 304) * NS);
	uint8_t idx = 0x40;
	cr_assert_eq(vdev_cmos_write(a.c, 0, &idx, 1), 0);
}

Test(cmos_state, alarm_fires_at_its_time_after_restore)
{
	guest_sets_alarm();
	struct st_buf st = save(&a);

	make(&b, NOON + 100);
	restore_ok(&b, st);
	cr_expect_eq(b.timer_calls, 0, "restore leaves the timer to the embedder");
	cr_expect_eq(b.irq.asserts + b.irq.deasserts, 0);
	uint8_t v = 0;
	cr_assert_eq(vdev_cmos_read(b.c, 1, &v, 1), 0);
	cr_expect_eq(v, 0x99, "the index register came back (0x40)");
	cr_expect_eq(reg(&b, 0x7f), 0x42);
	cr_expect_eq(reg(&b, REG_B), B_AIE | B_24H);
	cr_expect_eq(reg(&b, SEC), 0x36, "host time: 12:36:36");
	cr_expect_eq(vdev_cmos_next_deadline(b.c), (NOON + 304) * NS);

	b.now_s = NOON + 304;
	cr_expect_eq(vdev_cmos_timer_expired(b.c), 1);
	cr_expect(irq_rec_level(&b.irq));
	cr_expect_eq(reg(&b, REG_C), C_IRQF | C_AF);
	cr_expect_not(irq_rec_level(&b.irq));
	free(st.p);
}

Test(cmos_state, alarm_passed_on_disk_fires_at_once)
{
	guest_sets_alarm();
	struct st_buf st = save(&a);

	make(&b, NOON + 7200);
	restore_ok(&b, st);
	cr_expect_leq(vdev_cmos_next_deadline(b.c), (NOON + 7200) * NS, "already due");
	cr_expect_eq(vdev_cmos_timer_expired(b.c), 1, "goes off at once");
	cr_expect(irq_rec_level(&b.irq));
	cr_expect_eq(vdev_cmos_next_deadline(b.c), (NOON + 304 + 86400) * NS,
	             "then the next day's match");
	free(st.p);
}

Test(cmos_state, raised_flag_is_replayed)
{
	guest_sets_alarm();
	a.now_s = NOON + 304;
	cr_assert_eq(vdev_cmos_timer_expired(a.c), 1);
	struct st_buf st = save(&a);

	make(&b, NOON + 310);
	restore_ok(&b, st);
	struct st_buf again = save(&b);
	cr_expect_arr_eq(again.p, st.p, st.len);
	cr_expect_eq(b.irq.asserts, 0);
	cr_assert_eq(vdev_cmos_irq_replay(b.c), 0);
	cr_expect(irq_rec_level(&b.irq));
	cr_expect_eq(reg(&b, REG_C), C_IRQF | C_AF);
	free(st.p);
	free(again.p);
}

Test(cmos_state, refusals)
{
	guest_sets_alarm();
	struct st_buf st = save(&a);
	make(&b, NOON);

	ST_REFUSED_COMMON(vdev_cmos_restore, b.c, st);
	/* Payload: index 0, RAM 1..128, B 129, C 130, armed second 131. */
	ST_REFUSED(vdev_cmos_restore, b.c, st_patch(st, 0, 0x80, 1),
	           "cmos: index 0x80 is past the 128 registers");
	ST_REFUSED(vdev_cmos_restore, b.c, st_patch(st, 1 + 0x0b, 1, 1),
	           "cmos: RAM byte 0xb (register B) is not 0");
	ST_REFUSED(vdev_cmos_restore, b.c, st_patch(st, 129, B_AIE, 1),
	           "cmos: register B 0x20: only 24-hour binary-coded mode exists");
	ST_REFUSED(vdev_cmos_restore, b.c, st_patch(st, 129, B_AIE | B_24H | 0x04, 1),
	           "only 24-hour binary-coded mode exists");
	ST_REFUSED(vdev_cmos_restore, b.c, st_patch(st, 130, 0x40, 1),
	           "cmos: register C 0x40 has flags that are never raised");
	ST_REFUSED(vdev_cmos_restore, b.c, st_patch(st, 130, C_IRQF, 1),
	           "cmos: register C 0x80: IRQF must be AF with AIE");
	ST_REFUSED(vdev_cmos_restore, b.c, st_patch(st, 130, C_AF, 1), "IRQF must be AF with AIE");
	ST_REFUSED(vdev_cmos_restore, b.c, st_patch(st, 129, B_24H, 1),
	           "cmos: an alarm second (1709210400) without AIE");
	ST_REFUSED(vdev_cmos_restore, b.c, st_patch(st, 131, NOON + 305, 8),
	           "cmos: alarm second 1709210401 does not match the alarm");
	ST_REFUSED(vdev_cmos_restore, b.c, st_patch(st, 131, INT64_MAX, 8), "is out of range");
	ST_REFUSED(vdev_cmos_restore, b.c, st_patch(st, 131, (uint64_t)-5, 8),
	           "cmos: alarm second -5 is out of range");

	cr_expect_eq(reg(&b, 0x40), 0, "b untouched");
	cr_expect_eq(reg(&b, REG_B), B_24H);
	cr_expect_eq(vdev_cmos_next_deadline(b.c), -1);
	free(st.p);
}
