/* SPDX-License-Identifier: Apache-2.0 */
/* Saving and restoring the PL031: the guest's wall clock and alarm across a gap on disk,
   and the states a restore refuses. */
#include "irq_recorder.h"
#include "state_util.h"

enum { DR = 0x00, MR = 0x04, LR = 0x08, IMSC = 0x10, RIS = 0x14, MIS = 0x18, ICR = 0x1c };

#define SEC 1000000000LL
#define T0 1700000000LL

struct side {
	struct vdev_rtc *rtc;
	struct irq_recorder irq;
	int64_t now;
	int timer_calls;
};

static struct side a, b;

static int64_t clock_of(void *ctx)
{
	return ((struct side *)ctx)->now;
}

static void timer_cb(void *ctx, int64_t deadline)
{
	(void)deadline;
	((struct side *)ctx)->timer_calls++;
}

static void make(struct side *s, int64_t now)
{
	struct vdev_rtc_config cfg = {0};
	s->now = now;
	s->timer_calls = 0;
	cfg.irq = irq_rec_init(&s->irq, 2);
	cfg.clock_ns = clock_of;
	cfg.clock_ctx = s;
	cfg.timer_changed = timer_cb;
	cfg.timer_ctx = s;
	cr_assert_eq(vdev_rtc_create(&cfg, &s->rtc), 0);
}

static void setup(void)
{
	make(&a, T0 * SEC + 250000000);
	b.rtc = NULL;
}

static void teardown(void)
{
	vdev_rtc_destroy(a.rtc);
	vdev_rtc_destroy(b.rtc);
}

TestSuite(rtc_state, .init = setup, .fini = teardown);

static uint32_t rd(struct side *s, uint64_t off)
{
	uint8_t d[4];
	cr_assert_eq(vdev_rtc_read(s->rtc, off, d, 4), 0);
	return (uint32_t)vdev_le_get(d, 4);
}

static void wr(struct side *s, uint64_t off, uint32_t v)
{
	uint8_t d[4];
	vdev_le_put(d, 4, v);
	cr_assert_eq(vdev_rtc_write(s->rtc, off, d, 4), 0);
}

static struct st_buf save(struct side *s)
{
	struct vdev_state_writer w;
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_rtc_save(s->rtc, &w), 0);
	return st_take(&w);
}

static void restore_ok(struct side *s, struct st_buf st)
{
	struct vdev_state_reader r;
	vdev_state_reader_init(&r, st.p, st.len);
	cr_assert_eq(vdev_rtc_restore(s->rtc, &r), 0, "%s", vdev_state_why(&r));
	cr_expect_eq(vdev_state_remaining(&r), 0);
}

/* The guest sets its clock 1000 s ahead of the host's and an alarm 50 s from now. */
static void guest_sets_alarm(void)
{
	wr(&a, LR, (uint32_t)T0 + 1000);
	wr(&a, MR, (uint32_t)T0 + 1050);
	wr(&a, IMSC, 1);
	cr_assert_eq(vdev_rtc_next_deadline(a.rtc), (T0 + 50) * SEC);
}

Test(rtc_state, time_goes_on_and_the_alarm_fires_at_its_time)
{
	guest_sets_alarm();
	struct st_buf st = save(&a);

	/* A later process, 30 s later. */
	make(&b, (T0 + 30) * SEC + 500000000);
	restore_ok(&b, st);
	cr_expect_eq(b.timer_calls, 0, "restore leaves the timer to the embedder");
	cr_expect_eq(b.irq.asserts + b.irq.deasserts, 0);
	cr_expect_eq(rd(&b, DR), (uint32_t)T0 + 1030, "host time plus the guest's offset");
	cr_expect_eq(rd(&b, LR), (uint32_t)T0 + 1000);
	cr_expect_eq(rd(&b, MR), (uint32_t)T0 + 1050);
	cr_expect_eq(rd(&b, IMSC), 1);
	cr_expect_eq(rd(&b, RIS), 0);
	cr_expect_eq(vdev_rtc_next_deadline(b.rtc), (T0 + 50) * SEC, "the same wall-clock time");

	struct st_buf again = save(&b);
	cr_expect_arr_eq(again.p, st.p, st.len, "the state saved again is the same");

	b.now = (T0 + 49) * SEC;
	cr_expect_eq(vdev_rtc_timer_expired(b.rtc), 0, "not yet");
	b.now = (T0 + 50) * SEC;
	cr_expect_eq(vdev_rtc_timer_expired(b.rtc), 1);
	cr_expect(irq_rec_level(&b.irq));
	cr_expect_eq(rd(&b, MIS), 1);
	wr(&b, ICR, 1);
	cr_expect_not(irq_rec_level(&b.irq));
	free(st.p);
	free(again.p);
}

Test(rtc_state, alarm_passed_on_disk_fires_at_once)
{
	guest_sets_alarm();
	struct st_buf st = save(&a);

	make(&b, (T0 + 3600) * SEC);
	restore_ok(&b, st);
	cr_expect_leq(vdev_rtc_next_deadline(b.rtc), b.now, "already due");
	cr_expect_eq(vdev_rtc_timer_expired(b.rtc), 1, "fires at once");
	cr_expect(irq_rec_level(&b.irq));
	cr_expect_eq(rd(&b, RIS), 1);
	cr_expect_eq(rd(&b, DR), (uint32_t)T0 + 4600, "an hour later for the guest too");
	free(st.p);
}

Test(rtc_state, alarm_passed_is_seen_by_the_guest_before_the_timer)
{
	guest_sets_alarm();
	struct st_buf st = save(&a);

	make(&b, (T0 + 60) * SEC);
	restore_ok(&b, st);
	cr_expect_eq(rd(&b, RIS), 1, "the first access sees the match that passed");
	cr_expect(irq_rec_level(&b.irq));
	free(st.p);
}

Test(rtc_state, raised_interrupt_is_replayed)
{
	guest_sets_alarm();
	a.now = (T0 + 50) * SEC;
	cr_assert_eq(vdev_rtc_timer_expired(a.rtc), 1);
	struct st_buf st = save(&a);

	make(&b, (T0 + 70) * SEC);
	restore_ok(&b, st);
	cr_expect_eq(b.irq.asserts, 0, "restore drives no line");
	cr_expect_eq(vdev_rtc_next_deadline(b.rtc), -1);
	cr_assert_eq(vdev_rtc_irq_replay(b.rtc), 0);
	cr_expect(irq_rec_level(&b.irq));
	cr_expect_eq(rd(&b, MIS), 1);
	free(st.p);
}

Test(rtc_state, refusals)
{
	guest_sets_alarm();
	struct st_buf st = save(&a);
	make(&b, T0 * SEC);

	ST_REFUSED_COMMON(vdev_rtc_restore, b.rtc, st);
	/* Payload: offset 0, MR 4, LR 8, IMSC 12, RIS 16, armed 20, deadline 21. */
	ST_REFUSED(vdev_rtc_restore, b.rtc, st_patch(st, 12, 3, 4),
	           "pl031: RTCIMSC 0x3 has reserved bits");
	ST_REFUSED(vdev_rtc_restore, b.rtc, st_patch(st, 16, 0x100, 4),
	           "pl031: RTCRIS 0x100 has reserved bits");
	ST_REFUSED(vdev_rtc_restore, b.rtc, st_patch(st, 20, 2, 1),
	           "pl031: armed flag 2 is not 0 or 1");
	ST_REFUSED(vdev_rtc_restore, b.rtc, st_patch(st, 20, 0, 1),
	           "pl031: a deadline (1700000050000000000) without an armed match");
	ST_REFUSED(vdev_rtc_restore, b.rtc, st_patch(st, 21, (T0 + 50) * SEC + 1, 8),
	           "is not when the counter reaches RTCMR");
	ST_REFUSED(vdev_rtc_restore, b.rtc, st_patch(st, 21, (T0 + 51) * SEC, 8),
	           "is not when the counter reaches RTCMR");
	ST_REFUSED(vdev_rtc_restore, b.rtc, st_patch(st, 4, 7, 4),
	           "is not when the counter reaches RTCMR 0x7");

	cr_expect_eq(rd(&b, DR), (uint32_t)T0, "b untouched: host time");
	cr_expect_eq(rd(&b, MR), 0);
	cr_expect_eq(vdev_rtc_next_deadline(b.rtc), -1);
	free(st.p);
}
