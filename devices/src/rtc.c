/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ARM PrimeCell PL031 real-time clock.
 *
 * The counter is not stored: it is the host clock's seconds plus an offset the guest sets
 * through RTCLR, so it keeps time while the VMM is stopped or the guest suspended. The
 * match is not polled either: the RTC computes when the counter will reach RTCMR and hands
 * that deadline to the embedder, whose event loop owns the timer. Every register access
 * also checks the deadline, so the guest never sees a late RTCRIS even if the timer is late.
 */
#include <cvmm/devices.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define RTC_DR 0x00   /* data (counter), read-only */
#define RTC_MR 0x04   /* match */
#define RTC_LR 0x08   /* load */
#define RTC_CR 0x0c   /* control: bit 0 start */
#define RTC_IMSC 0x10 /* interrupt mask set/clear */
#define RTC_RIS 0x14  /* raw interrupt status */
#define RTC_MIS 0x18  /* masked interrupt status */
#define RTC_ICR 0x1c  /* interrupt clear, write-only */
#define RTC_ID_BASE 0xfe0

#define NSEC_PER_SEC 1000000000LL

/* PeriphID0-3 then PCellID0-3: part 0x031, designer ARM (0x41), revision 1. */
static const uint8_t rtc_ids[8] = {0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

struct vdev_rtc {
	pthread_mutex_t lock;
	struct vdev_rtc_config cfg;
	uint32_t offset; /* counter = host seconds + offset, modulo 2^32 */
	uint32_t mr;
	uint32_t lr; /* last value loaded, which is what RTCLR reads back */
	uint32_t imsc;
	uint32_t ris;
	bool armed;          /* waiting for the counter to reach mr */
	int64_t deadline_ns; /* when it does, valid while armed */
	bool irq_level;
};

static int64_t default_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int64_t now_ns(const struct vdev_rtc *rtc)
{
	if (rtc->cfg.clock_ns)
		return rtc->cfg.clock_ns(rtc->cfg.clock_ctx);
	return default_clock();
}

/* Whole seconds, rounded down also for times before the epoch. */
static int64_t seconds(int64_t ns)
{
	int64_t s = ns / NSEC_PER_SEC;
	if (ns % NSEC_PER_SEC < 0)
		s--;
	return s;
}

static uint32_t counter(const struct vdev_rtc *rtc, int64_t now)
{
	return (uint32_t)seconds(now) + rtc->offset;
}

static int64_t deadline_locked(const struct vdev_rtc *rtc)
{
	return rtc->armed ? rtc->deadline_ns : -1;
}

static void update_irq(struct vdev_rtc *rtc)
{
	bool level = (rtc->ris & rtc->imsc & 1) != 0;

	if (level == rtc->irq_level)
		return;
	rtc->irq_level = level;
	if (level)
		vdev_irq_assert(&rtc->cfg.irq);
	else
		vdev_irq_deassert(&rtc->cfg.irq);
}

static void fire(struct vdev_rtc *rtc)
{
	rtc->armed = false;
	rtc->ris |= 1;
}

/* Raises the alarm if its time has come. Returns true if it did. */
static bool check(struct vdev_rtc *rtc, int64_t now)
{
	if (!rtc->armed || now < rtc->deadline_ns)
		return false;
	fire(rtc);
	return true;
}

/*
 * MR or the counter changed: the next match is the next second boundary at which the
 * counter equals MR. A match equal to the counter right now fires at once, as the
 * comparator would on the current value.
 */
static void rearm(struct vdev_rtc *rtc, int64_t now)
{
	uint32_t delta = rtc->mr - counter(rtc, now);

	if (delta == 0) {
		fire(rtc);
		return;
	}
	/* A match the clock can only reach past the end of int64_t nanoseconds (year 2262;
	 * an injected clock may get there) never comes: no deadline rather than a wrapped one. */
	rtc->armed = !__builtin_add_overflow(seconds(now), (int64_t)delta, &rtc->deadline_ns) &&
	             !__builtin_mul_overflow(rtc->deadline_ns, NSEC_PER_SEC, &rtc->deadline_ns);
}

static void report_deadline(struct vdev_rtc *rtc, int64_t before)
{
	int64_t after = deadline_locked(rtc);

	if (after != before && rtc->cfg.timer_changed)
		rtc->cfg.timer_changed(rtc->cfg.timer_ctx, after);
}

int vdev_rtc_create(const struct vdev_rtc_config *cfg, struct vdev_rtc **out)
{
	struct vdev_rtc *rtc;
	int ret;

	if (!cfg || !out)
		return -EINVAL;
	rtc = calloc(1, sizeof(*rtc));
	if (!rtc)
		return -ENOMEM;
	ret = pthread_mutex_init(&rtc->lock, NULL);
	if (ret) {
		free(rtc);
		return -ret;
	}
	rtc->cfg = *cfg;
	rtc->deadline_ns = -1;
	*out = rtc;
	return 0;
}

void vdev_rtc_destroy(struct vdev_rtc *rtc)
{
	if (!rtc)
		return;
	pthread_mutex_destroy(&rtc->lock);
	free(rtc);
}

static bool valid_size(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static uint32_t read_reg(struct vdev_rtc *rtc, uint64_t offset, int64_t now)
{
	switch (offset) {
	case RTC_DR:
		return counter(rtc, now);
	case RTC_MR:
		return rtc->mr;
	case RTC_LR:
		return rtc->lr;
	case RTC_CR:
		/* Started out of reset, as firmware would leave it; it cannot be stopped. */
		return 1;
	case RTC_IMSC:
		return rtc->imsc;
	case RTC_RIS:
		return rtc->ris;
	case RTC_MIS:
		return rtc->ris & rtc->imsc;
	default:
		if (offset >= RTC_ID_BASE && offset < VDEV_RTC_SIZE)
			return rtc_ids[(offset - RTC_ID_BASE) / 4];
		return 0;
	}
}

static void write_reg(struct vdev_rtc *rtc, uint64_t offset, uint32_t v, int64_t now)
{
	switch (offset) {
	case RTC_MR:
		rtc->mr = v;
		rearm(rtc, now);
		break;
	case RTC_LR:
		rtc->lr = v;
		rtc->offset = v - (uint32_t)seconds(now);
		rearm(rtc, now);
		break;
	case RTC_IMSC:
		rtc->imsc = v & 1;
		break;
	case RTC_ICR:
		rtc->ris &= ~(v & 1);
		break;
	default:
		/* DR, CR (start is sticky), RIS, MIS and the IDs are read-only. */
		break;
	}
}

int vdev_rtc_read(struct vdev_rtc *rtc, uint64_t offset, uint8_t *data, uint32_t size)
{
	uint32_t v = 0;
	int64_t now, before;

	if (!rtc || !data || !valid_size(size))
		return -EINVAL;
	pthread_mutex_lock(&rtc->lock);
	before = deadline_locked(rtc);
	now = now_ns(rtc);
	check(rtc, now);
	if (offset < VDEV_RTC_SIZE && (offset & 3) == 0)
		v = read_reg(rtc, offset, now);
	update_irq(rtc);
	report_deadline(rtc, before);
	pthread_mutex_unlock(&rtc->lock);
	vdev_le_put(data, size, v);
	return 0;
}

int vdev_rtc_write(struct vdev_rtc *rtc, uint64_t offset, const uint8_t *data, uint32_t size)
{
	int64_t now, before;

	if (!rtc || !data || !valid_size(size))
		return -EINVAL;
	pthread_mutex_lock(&rtc->lock);
	before = deadline_locked(rtc);
	now = now_ns(rtc);
	check(rtc, now);
	if (offset < VDEV_RTC_SIZE && (offset & 3) == 0)
		write_reg(rtc, offset, (uint32_t)vdev_le_get(data, size), now);
	update_irq(rtc);
	report_deadline(rtc, before);
	pthread_mutex_unlock(&rtc->lock);
	return 0;
}

static int rtc_ops_read(void *ctx, uint64_t offset, uint8_t *data, uint32_t size)
{
	return vdev_rtc_read(ctx, offset, data, size);
}

static int rtc_ops_write(void *ctx, uint64_t offset, const uint8_t *data, uint32_t size)
{
	return vdev_rtc_write(ctx, offset, data, size);
}

static const struct vdev_ops rtc_ops = {.read = rtc_ops_read, .write = rtc_ops_write};

const struct vdev_ops *vdev_rtc_ops(void)
{
	return &rtc_ops;
}

int64_t vdev_rtc_next_deadline(struct vdev_rtc *rtc)
{
	int64_t d;

	if (!rtc)
		return -1;
	pthread_mutex_lock(&rtc->lock);
	d = deadline_locked(rtc);
	pthread_mutex_unlock(&rtc->lock);
	return d;
}

int vdev_rtc_timer_expired(struct vdev_rtc *rtc)
{
	int64_t before;
	bool fired;

	if (!rtc)
		return -EINVAL;
	pthread_mutex_lock(&rtc->lock);
	before = deadline_locked(rtc);
	fired = check(rtc, now_ns(rtc));
	update_irq(rtc);
	if (!fired && rtc->armed && rtc->cfg.timer_changed)
		/* Early: the embedder's one-shot timer is spent, so ask for it again. */
		rtc->cfg.timer_changed(rtc->cfg.timer_ctx, rtc->deadline_ns);
	else
		report_deadline(rtc, before);
	pthread_mutex_unlock(&rtc->lock);
	return fired ? 1 : 0;
}

int vdev_rtc_irq_replay(struct vdev_rtc *rtc)
{
	if (!rtc)
		return -EINVAL;
	pthread_mutex_lock(&rtc->lock);
	if (rtc->irq_level) {
		vdev_irq_deassert(&rtc->cfg.irq);
		vdev_irq_assert(&rtc->cfg.irq);
	}
	pthread_mutex_unlock(&rtc->lock);
	return 0;
}

/*
 * Saved state, version 1: the offset of the counter from the host clock's seconds, RTCMR,
 * RTCLR, RTCIMSC, RTCRIS (each a u32), whether the match is armed (u8) and its deadline
 * (an i64 of clock nanoseconds, -1 when not armed). The counter is host time plus the
 * offset, so a restore in a later process reads the guest's wall-clock time (time went on
 * while the VM was saved), and the deadline is absolute: a match it passed meanwhile is due
 * at once (vdev_rtc_next_deadline() returns a time already past).
 */
#define RTC_STATE_TAG VDEV_STATE_TAG('P', '0', '3', '1')
#define RTC_STATE_VERSION 1u

int vdev_rtc_save(const struct vdev_rtc *rtc, struct vdev_state_writer *w)
{
	pthread_mutex_t *lock;
	size_t mark;

	if (!rtc || !w)
		return -EINVAL;
	lock = (pthread_mutex_t *)&rtc->lock;
	pthread_mutex_lock(lock);
	mark = vdev_state_begin(w, RTC_STATE_TAG, RTC_STATE_VERSION);
	vdev_state_put_u32(w, rtc->offset);
	vdev_state_put_u32(w, rtc->mr);
	vdev_state_put_u32(w, rtc->lr);
	vdev_state_put_u32(w, rtc->imsc);
	vdev_state_put_u32(w, rtc->ris);
	vdev_state_put_u8(w, rtc->armed);
	vdev_state_put_u64(w, (uint64_t)deadline_locked(rtc));
	vdev_state_end(w, mark);
	pthread_mutex_unlock(lock);
	return w->error;
}

int vdev_rtc_restore(struct vdev_rtc *rtc, struct vdev_state_reader *r)
{
	struct vdev_state_reader s;
	uint32_t offset, mr, lr, imsc, ris;
	uint8_t armed;
	int64_t deadline;

	if (!rtc || !r)
		return -EINVAL;
	if (vdev_state_open(r, RTC_STATE_TAG, RTC_STATE_VERSION, NULL, &s) < 0)
		return r->error;
	offset = vdev_state_get_u32(&s);
	mr = vdev_state_get_u32(&s);
	lr = vdev_state_get_u32(&s);
	imsc = vdev_state_get_u32(&s);
	ris = vdev_state_get_u32(&s);
	armed = vdev_state_get_u8(&s);
	deadline = (int64_t)vdev_state_get_u64(&s);
	if (imsc & ~1u)
		vdev_state_fail(&s, "pl031: RTCIMSC %#x has reserved bits", imsc);
	if (ris & ~1u)
		vdev_state_fail(&s, "pl031: RTCRIS %#x has reserved bits", ris);
	if (armed > 1)
		vdev_state_fail(&s, "pl031: armed flag %u is not 0 or 1", armed);
	if (!armed && deadline != -1)
		vdev_state_fail(&s, "pl031: a deadline (%" PRId64 ") without an armed match",
		                deadline);
	/* The match comes when the counter (host seconds + offset) equals RTCMR, at a whole
	   second: anything else is not a deadline this RTC could have computed. */
	if (armed &&
	    (deadline % NSEC_PER_SEC != 0 || (uint32_t)(deadline / NSEC_PER_SEC) + offset != mr))
		vdev_state_fail(&s,
		                "pl031: deadline %" PRId64 " ns is not when the counter reaches "
		                "RTCMR %#x",
		                deadline, mr);
	if (vdev_state_close(r, &s) < 0)
		return r->error;

	pthread_mutex_lock(&rtc->lock);
	rtc->offset = offset;
	rtc->mr = mr;
	rtc->lr = lr;
	rtc->imsc = imsc;
	rtc->ris = ris;
	rtc->armed = armed;
	rtc->deadline_ns = armed ? deadline : -1;
	/* Set, not driven: the embedder replays the line (vdev_rtc_irq_replay()). */
	rtc->irq_level = (ris & imsc & 1) != 0;
	pthread_mutex_unlock(&rtc->lock);
	return 0;
}
