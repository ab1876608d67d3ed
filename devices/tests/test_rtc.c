/* SPDX-License-Identifier: Apache-2.0 */
#include "irq_recorder.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* PL031 register offsets (ARM DDI 0224). */
enum { DR = 0x00, MR = 0x04, LR = 0x08, CR = 0x0c, IMSC = 0x10, RIS = 0x14, MIS = 0x18 };
enum { ICR = 0x1c };

#define SEC 1000000000LL

struct fixture {
	struct vdev_rtc *rtc;
	struct irq_recorder irq;
	int64_t now;
	int64_t armed_for; /* what timer_changed last asked for */
	int timer_calls;
};

static struct fixture fx;

static int64_t fake_clock(void *ctx)
{
	return ((struct fixture *)ctx)->now;
}

static void timer_cb(void *ctx, int64_t deadline)
{
	struct fixture *f = ctx;
	f->armed_for = deadline;
	f->timer_calls++;
}

static void setup(void)
{
	struct vdev_rtc_config cfg = {0};
	memset(&fx, 0, sizeof(fx));
	fx.now = 1700000000LL * SEC + 250000000; /* a quarter past a whole second */
	fx.armed_for = -2;
	cfg.irq = irq_rec_init(&fx.irq, 2);
	cfg.clock_ns = fake_clock;
	cfg.clock_ctx = &fx;
	cfg.timer_changed = timer_cb;
	cfg.timer_ctx = &fx;
	cr_assert_eq(vdev_rtc_create(&cfg, &fx.rtc), 0);
}

static void teardown(void)
{
	vdev_rtc_destroy(fx.rtc);
}

static uint32_t rd(uint64_t off)
{
	uint8_t b[4];
	memset(b, 0xaa, sizeof(b));
	cr_assert_eq(vdev_rtc_read(fx.rtc, off, b, 4), 0);
	return (uint32_t)vdev_le_get(b, 4);
}

static void wr(uint64_t off, uint32_t v)
{
	uint8_t b[4];
	vdev_le_put(b, 4, v);
	cr_assert_eq(vdev_rtc_write(fx.rtc, off, b, 4), 0);
}

TestSuite(rtc, .init = setup, .fini = teardown);

Test(rtc, reset_values)
{
	cr_assert_eq(rd(DR), 1700000000u, "host time, no offset");
	cr_assert_eq(rd(MR), 0);
	cr_assert_eq(rd(LR), 0);
	cr_assert_eq(rd(CR), 1, "running");
	cr_assert_eq(rd(IMSC), 0);
	cr_assert_eq(rd(RIS), 0);
	cr_assert_eq(rd(MIS), 0);
	cr_assert_eq(vdev_rtc_next_deadline(fx.rtc), -1);
	cr_assert_eq(fx.timer_calls, 0);
	cr_assert_not(fx.irq.level);
}

Test(rtc, bad_arguments)
{
	uint8_t b[4] = {0};
	struct vdev_rtc *r;
	cr_assert_eq(vdev_rtc_read(fx.rtc, 0, b, 3), -EINVAL);
	cr_assert_eq(vdev_rtc_read(NULL, 0, b, 4), -EINVAL);
	cr_assert_eq(vdev_rtc_write(fx.rtc, 0, NULL, 4), -EINVAL);
	cr_assert_eq(vdev_rtc_create(NULL, &r), -EINVAL);
	cr_assert_eq(vdev_rtc_timer_expired(NULL), -EINVAL);
	cr_assert_eq(vdev_rtc_irq_replay(NULL), -EINVAL);
	cr_assert_eq(vdev_rtc_next_deadline(NULL), -1);
	vdev_rtc_destroy(NULL);
}

Test(rtc, primecell_ids)
{
	/* What Linux's AMBA bus reads: periph ID 0x00041031, cell ID 0xb105f00d. */
	static const uint8_t ids[8] = {0x31, 0x10, 0x04 | 0x10, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
	uint32_t pid = 0, cid = 0;
	for (int i = 0; i < 8; i++)
		cr_assert_eq(rd(0xfe0 + 4 * (uint64_t)i), ids[i], "id register %d", i);
	for (int i = 0; i < 4; i++) {
		pid |= (rd(0xfe0 + 4 * (uint64_t)i) & 0xff) << (8 * i);
		cid |= (rd(0xff0 + 4 * (uint64_t)i) & 0xff) << (8 * i);
	}
	cr_assert_eq(pid & 0x000fffff, 0x00041031);
	cr_assert_eq(cid, 0xb105f00d);
}

Test(rtc, counter_follows_clock_and_load)
{
	fx.now += 3 * SEC;
	cr_assert_eq(rd(DR), 1700000003u);
	wr(LR, 1000);
	cr_assert_eq(rd(LR), 1000);
	cr_assert_eq(rd(DR), 1000);
	fx.now += 10 * SEC;
	cr_assert_eq(rd(DR), 1010, "the guest's time runs on with the host's");
	wr(DR, 5); /* read-only */
	cr_assert_eq(rd(DR), 1010);
	/* The counter wraps at 2^32. */
	wr(LR, 0xfffffffe);
	fx.now += 3 * SEC;
	cr_assert_eq(rd(DR), 1);
}

Test(rtc, cr_cannot_stop)
{
	wr(CR, 0);
	cr_assert_eq(rd(CR), 1);
	fx.now += SEC;
	cr_assert_eq(rd(DR), 1700000001u);
}

Test(rtc, alarm_deadline_and_interrupt)
{
	wr(IMSC, 1);
	cr_assert_eq(rd(IMSC), 1);
	wr(MR, 1700000005u);
	cr_assert_eq(rd(MR), 1700000005u);
	/* The counter reaches 1700000005 on the whole second, not 5 s after the write. */
	cr_assert_eq(vdev_rtc_next_deadline(fx.rtc), 1700000005LL * SEC);
	cr_assert_eq(fx.armed_for, 1700000005LL * SEC);
	cr_assert_eq(fx.timer_calls, 1);
	cr_assert_eq(rd(RIS), 0);

	/* An early timer: nothing raised, the timer is asked for again. */
	fx.now = 1700000004LL * SEC + 999999999;
	cr_assert_eq(vdev_rtc_timer_expired(fx.rtc), 0);
	cr_assert_eq(rd(RIS), 0);
	cr_assert_not(fx.irq.level);
	cr_assert_eq(fx.timer_calls, 2);
	cr_assert_eq(fx.armed_for, 1700000005LL * SEC);

	fx.now = 1700000005LL * SEC;
	cr_assert_eq(vdev_rtc_timer_expired(fx.rtc), 1);
	cr_assert(fx.irq.level, "alarm raised with no vCPU touching the device");
	cr_assert_eq(fx.irq.last_line, 2);
	cr_assert_eq(fx.armed_for, -1, "no timer needed any more");
	cr_assert_eq(vdev_rtc_next_deadline(fx.rtc), -1);
	cr_assert_eq(rd(RIS), 1);
	cr_assert_eq(rd(MIS), 1);
	cr_assert_eq(vdev_rtc_timer_expired(fx.rtc), 0, "a second expiry raises nothing new");

	wr(ICR, 1);
	cr_assert_not(fx.irq.level);
	cr_assert_eq(rd(RIS), 0);
	cr_assert_eq(rd(MIS), 0);
	cr_assert_eq(fx.irq.asserts, 1);
	cr_assert_eq(fx.irq.deasserts, 1);
}

Test(rtc, masked_alarm_sets_only_raw_status)
{
	wr(MR, 1700000002u);
	fx.now += 2 * SEC;
	cr_assert_eq(vdev_rtc_timer_expired(fx.rtc), 1);
	cr_assert_eq(rd(RIS), 1);
	cr_assert_eq(rd(MIS), 0);
	cr_assert_not(fx.irq.level);
	wr(IMSC, 1);
	cr_assert(fx.irq.level, "unmasking a raised alarm raises the line");
	cr_assert_eq(rd(MIS), 1);
	wr(IMSC, 0);
	cr_assert_not(fx.irq.level);
	cr_assert_eq(rd(RIS), 1);
}

Test(rtc, access_sees_alarm_even_if_timer_is_late)
{
	wr(IMSC, 1);
	wr(MR, 1700000001u);
	fx.now += 5 * SEC;
	cr_assert_eq(rd(RIS), 1);
	cr_assert(fx.irq.level);
	cr_assert_eq(fx.armed_for, -1);
	cr_assert_eq(vdev_rtc_timer_expired(fx.rtc), 0, "already raised");
}

Test(rtc, match_equal_to_counter_fires_at_once)
{
	wr(IMSC, 1);
	wr(MR, 1700000000u);
	cr_assert(fx.irq.level);
	cr_assert_eq(rd(RIS), 1);
	cr_assert_eq(vdev_rtc_next_deadline(fx.rtc), -1);
	cr_assert_eq(fx.timer_calls, 0, "no timer was ever needed");
}

Test(rtc, match_in_the_past_waits_for_wrap)
{
	wr(MR, 1699999999u);
	/* The counter only meets that value again after wrapping around 2^32. */
	cr_assert_eq(vdev_rtc_next_deadline(fx.rtc), (1700000000LL + 0xffffffffLL) * SEC);
	cr_assert_eq(rd(RIS), 0);
}

Test(rtc, load_moves_deadline)
{
	wr(MR, 2000);
	cr_assert_eq(vdev_rtc_next_deadline(fx.rtc), (1700000000LL + (2000u - 1700000000u)) * SEC);
	wr(LR, 1990); /* the guest sets its clock: the alarm is now 10 s away */
	cr_assert_eq(vdev_rtc_next_deadline(fx.rtc), 1700000010LL * SEC);
	cr_assert_eq(fx.armed_for, 1700000010LL * SEC);
	wr(LR, 2000);
	cr_assert_eq(rd(RIS), 1, "loading the match value fires at once");
	cr_assert_eq(fx.armed_for, -1);
}

Test(rtc, rewriting_match_rearms)
{
	wr(MR, 1700000003u);
	fx.now += 3 * SEC;
	cr_assert_eq(vdev_rtc_timer_expired(fx.rtc), 1);
	wr(ICR, 1);
	wr(MR, 1700000010u);
	cr_assert_eq(fx.armed_for, 1700000010LL * SEC);
	fx.now = 1700000010LL * SEC + 1;
	cr_assert_eq(vdev_rtc_timer_expired(fx.rtc), 1);
	cr_assert_eq(rd(RIS), 1);
}

Test(rtc, odd_offsets_and_sizes)
{
	uint8_t b[8];
	memset(b, 0xff, sizeof(b));
	cr_assert_eq(vdev_rtc_read(fx.rtc, DR + 1, b, 1), 0);
	cr_assert_eq(b[0], 0);
	cr_assert_eq(vdev_rtc_read(fx.rtc, 0x1000, b, 4), 0);
	cr_assert_eq(vdev_le_get(b, 4), 0);
	cr_assert_eq(vdev_rtc_read(fx.rtc, UINT64_MAX - 3, b, 4), 0);
	cr_assert_eq(vdev_le_get(b, 4), 0);
	cr_assert_eq(vdev_rtc_read(fx.rtc, 0x800, b, 4), 0);
	cr_assert_eq(vdev_le_get(b, 4), 0);
	cr_assert_eq(vdev_rtc_read(fx.rtc, DR, b, 8), 0);
	cr_assert_eq(vdev_le_get(b, 8), 1700000000u, "64-bit reads are zero-extended");
	vdev_le_put(b, 4, 1);
	cr_assert_eq(vdev_rtc_write(fx.rtc, IMSC + 2, b, 2), 0);
	cr_assert_eq(rd(IMSC), 0);
	cr_assert_eq(vdev_rtc_write(fx.rtc, IMSC, b, 1), 0);
	cr_assert_eq(rd(IMSC), 1);
	wr(IMSC, 0xfffffffe);
	cr_assert_eq(rd(IMSC), 0, "only bit 0 exists");
}

Test(rtc, irq_replay)
{
	wr(IMSC, 1);
	wr(MR, 1700000000u);
	cr_assert_eq(fx.irq.asserts, 1);
	cr_assert_eq(vdev_rtc_irq_replay(fx.rtc), 0);
	cr_assert_eq(fx.irq.deasserts, 1);
	cr_assert_eq(fx.irq.asserts, 2);
	cr_assert(fx.irq.level);
}

Test(rtc, unreachable_deadline_with_extreme_clock)
{
	/* The match would come after the last representable nanosecond: no timer, no wrap. */
	fx.now = INT64_MAX - 10;
	wr(MR, rd(DR) - 1);
	cr_assert_eq(vdev_rtc_next_deadline(fx.rtc), -1);
	wr(MR, rd(DR));
	cr_assert_eq(rd(RIS), 1, "a match on the current value still fires");
	/* A few seconds earlier, a near match is still representable. */
	wr(ICR, 1);
	fx.now = INT64_MAX - 5 * SEC;
	wr(MR, rd(DR) + 1);
	int64_t d = vdev_rtc_next_deadline(fx.rtc);
	cr_assert_gt(d, fx.now);
	fx.now = d;
	cr_assert_eq(vdev_rtc_timer_expired(fx.rtc), 1);
}

/* The default clock is the host's CLOCK_REALTIME. */
Test(rtc, default_clock_is_realtime)
{
	struct vdev_rtc *r;
	struct vdev_rtc_config cfg = {0};
	uint8_t b[4];
	cr_assert_eq(vdev_rtc_create(&cfg, &r), 0);
	/* time() may read the coarse clock (glibc on x86_64), a few ms behind the one the
	   RTC reads: at a second's edge DR can be one ahead of a time() taken after it. */
	int64_t t0 = (int64_t)time(NULL);
	cr_assert_eq(vdev_rtc_read(r, DR, b, 4), 0);
	int64_t t1 = (int64_t)time(NULL);
	int64_t dr = (int64_t)vdev_le_get(b, 4);
	cr_assert(dr >= (int64_t)(uint32_t)t0 - 1 && dr <= (int64_t)(uint32_t)t1 + 1,
	          "DR %lld outside time() %lld..%lld", (long long)dr, (long long)t0, (long long)t1);
	vdev_rtc_destroy(r);
}

/* The deadline the RTC hands out is ready for a CLOCK_REALTIME timerfd, the way an event
 * loop drives the alarm while no vCPU runs: here no register is touched until it fired. */
static void arm_timerfd(void *ctx, int64_t deadline)
{
	int fd = *(int *)ctx;
	struct itimerspec its = {0};
	if (deadline >= 0) {
		its.it_value.tv_sec = deadline / SEC;
		its.it_value.tv_nsec = deadline % SEC;
	}
	cr_assert_eq(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL), 0);
}

Test(rtc, alarm_through_a_realtime_timerfd, .timeout = 10)
{
	struct irq_recorder irq;
	int tfd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
	struct vdev_rtc_config cfg = {
	    .irq = irq_rec_init(&irq, 7), .timer_changed = arm_timerfd, .timer_ctx = &tfd};
	struct vdev_rtc *r;
	struct timespec t0, t1;
	uint8_t b[4];
	uint64_t ticks;

	cr_assert_geq(tfd, 0);
	cr_assert_eq(vdev_rtc_create(&cfg, &r), 0);
	cr_assert_eq(vdev_rtc_read(r, DR, b, 4), 0);
	uint32_t now = (uint32_t)vdev_le_get(b, 4);
	vdev_le_put(b, 4, 1);
	cr_assert_eq(vdev_rtc_write(r, IMSC, b, 4), 0);
	vdev_le_put(b, 4, now + 1);
	clock_gettime(CLOCK_REALTIME, &t0);
	cr_assert_eq(vdev_rtc_write(r, MR, b, 4), 0);
	cr_assert_not(irq.level);

	struct pollfd p = {.fd = tfd, .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 3000), 1, "the timer fired");
	cr_assert_eq(read(tfd, &ticks, sizeof(ticks)), (ssize_t)sizeof(ticks));
	clock_gettime(CLOCK_REALTIME, &t1);
	cr_assert_eq(vdev_rtc_timer_expired(r), 1);
	cr_assert(irq_rec_level(&irq), "the alarm raised the line from the event loop");
	/* It fired when the counter turned to now + 1, not before and not a second late. */
	cr_assert_geq((int64_t)t1.tv_sec, (int64_t)now + 1);
	cr_assert_leq((t1.tv_sec - t0.tv_sec) * SEC + (t1.tv_nsec - t0.tv_nsec), 1100000000LL);
	cr_assert_eq(vdev_rtc_read(r, RIS, b, 4), 0);
	cr_assert_eq(vdev_le_get(b, 4), 1);
	vdev_rtc_destroy(r);
	close(tfd);
}
