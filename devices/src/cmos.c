/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MC146818 CMOS RTC of a PC (ports 0x70/0x71): see <cvmm/devices.h>. The register
 * model is pure code on struct cmos_state; the device adds the lock, the clock, the
 * interrupt line and the alarm's timer, with the PL031's contract.
 */
#include <cvmm/devices.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CMOS_REGS 128u
#define CMOS_SEC 0x00
#define CMOS_SEC_ALARM 0x01
#define CMOS_MIN 0x02
#define CMOS_MIN_ALARM 0x03
#define CMOS_HOUR 0x04
#define CMOS_HOUR_ALARM 0x05
#define CMOS_REG_A 0x0a
#define CMOS_REG_B 0x0b
#define CMOS_REG_C 0x0c
#define CMOS_REG_D 0x0d
#define CMOS_B_SET 0x80
#define CMOS_B_PIE 0x40
#define CMOS_B_AIE 0x20
#define CMOS_B_UIE 0x10
#define CMOS_B_SQWE 0x08
#define CMOS_B_24H 0x02
#define CMOS_C_IRQF 0x80
#define CMOS_C_AF 0x20

#define DAY_S 86400
#define REG_A_VALUE 0x26 /* 32.768 kHz time base, 1024 Hz rate; never "update in progress" */
#define REG_D_VALUE 0x80 /* VRT: the battery is good */
#define B_WRITABLE (CMOS_B_SET | CMOS_B_PIE | CMOS_B_AIE | CMOS_B_UIE | CMOS_B_SQWE)
#define DONT_CARE 0xc0 /* an alarm byte with both top bits set matches any value */

struct cmos_state {
	uint8_t index;          /* the register port 0x70 selected */
	uint8_t ram[CMOS_REGS]; /* alarm registers and battery-backed bytes */
	uint8_t reg_b;
	uint8_t reg_c;
};

/* UTC calendar fields, computed here: glibc's gmtime_r() may open the time zone file on
   first use, which the seccomp filters forbid. */
struct utc {
	int sec, min, hour, wday, mday, mon, year; /* mon 1-12, year e.g. 2026 */
};

static struct utc utc_of(int64_t t)
{
	int64_t days = t / DAY_S, rem = t % DAY_S, era, doe, yoe, doy, mp;
	struct utc u;

	if (rem < 0) {
		rem += DAY_S;
		days--;
	}
	u.hour = (int)(rem / 3600);
	u.min = (int)(rem / 60 % 60);
	u.sec = (int)(rem % 60);
	u.wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
	/* Days to civil date (proleptic Gregorian), eras of 400 years from 0000-03-01. */
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	u.mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	u.mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	u.year = (int)(yoe + era * 400 + (u.mon <= 2));
	return u;
}

static uint8_t bcd(int v)
{
	return (uint8_t)((v / 10) << 4 | v % 10);
}

static void set_irqf(struct cmos_state *c, int *irq)
{
	bool was = c->reg_c & CMOS_C_IRQF;
	bool now = (c->reg_c & CMOS_C_AF) && (c->reg_b & CMOS_B_AIE);

	if (now)
		c->reg_c |= CMOS_C_IRQF;
	else
		c->reg_c &= (uint8_t)~CMOS_C_IRQF;
	if (now != was && irq)
		*irq = now;
}

static void state_init(struct cmos_state *c)
{
	memset(c, 0, sizeof(*c));
	c->reg_b = CMOS_B_24H;
}

static uint8_t time_reg(uint8_t idx, int64_t now_s)
{
	struct utc u = utc_of(now_s);

	switch (idx) {
	case CMOS_SEC:
		return bcd(u.sec);
	case CMOS_MIN:
		return bcd(u.min);
	case CMOS_HOUR:
		return bcd(u.hour);
	case 0x06:
		return bcd(u.wday + 1);
	case 0x07:
		return bcd(u.mday);
	case 0x08:
		return bcd(u.mon);
	case 0x09:
		return bcd(u.year % 100);
	default:
		return bcd(u.year / 100 % 100); /* 0x32, the century */
	}
}

static uint8_t state_read(struct cmos_state *c, uint32_t offset, int64_t now_s, int *irq)
{
	uint8_t v;

	if (offset == 0)
		return c->index;
	if (offset != 1)
		return 0xff;
	switch (c->index) {
	case CMOS_REG_A:
		return REG_A_VALUE;
	case CMOS_REG_B:
		return c->reg_b;
	case CMOS_REG_C:
		/* Reading C acknowledges: every flag clears, and the line drops. */
		v = c->reg_c;
		c->reg_c = 0;
		if ((v & CMOS_C_IRQF) && irq)
			*irq = 0;
		return v;
	case CMOS_REG_D:
		return REG_D_VALUE;
	case CMOS_SEC:
	case CMOS_MIN:
	case CMOS_HOUR:
	case 0x06:
	case 0x07:
	case 0x08:
	case 0x09:
	case 0x32:
		return time_reg(c->index, now_s);
	default:
		return c->ram[c->index];
	}
}

static bool state_write(struct cmos_state *c, uint32_t offset, uint8_t v, int *irq)
{
	if (offset == 0) {
		c->index = v & 0x7f; /* bit 7 is the NMI mask */
		return false;
	}
	if (offset != 1)
		return false;
	switch (c->index) {
	case CMOS_REG_A:
	case CMOS_REG_C:
	case CMOS_REG_D:
		return false;
	case CMOS_REG_B:
		c->reg_b = (uint8_t)((v & B_WRITABLE) | CMOS_B_24H);
		set_irqf(c, irq);
		return true;
	default:
		/* Time writes land in the RAM bytes and are never read back: the clock is the
		   host's. The alarm bytes are read back and matched. */
		c->ram[c->index] = v;
		return c->index == CMOS_SEC_ALARM || c->index == CMOS_MIN_ALARM ||
		       c->index == CMOS_HOUR_ALARM;
	}
}

/* Whether alarm byte a (BCD, or "don't care") matches the value v. */
static bool field_matches(uint8_t a, int v)
{
	if ((a & DONT_CARE) == DONT_CARE)
		return true;
	return a == bcd(v);
}

static bool matches(const struct cmos_state *c, int64_t t)
{
	int64_t s = t % DAY_S;

	if (s < 0)
		s += DAY_S;
	return field_matches(c->ram[CMOS_SEC_ALARM], (int)(s % 60)) &&
	       field_matches(c->ram[CMOS_MIN_ALARM], (int)(s / 60 % 60)) &&
	       field_matches(c->ram[CMOS_HOUR_ALARM], (int)(s / 3600));
}

/* The smallest value from v on, below limit, that alarm byte a matches; -1 if none. */
static int next_match(uint8_t a, int v, int limit)
{
	for (; v < limit; v++)
		if (field_matches(a, v))
			return v;
	return -1;
}

static int64_t next_alarm(const struct cmos_state *c, int64_t now_s)
{
	const uint8_t ah = c->ram[CMOS_HOUR_ALARM], am = c->ram[CMOS_MIN_ALARM];
	const uint8_t as = c->ram[CMOS_SEC_ALARM];

	/* Off, or a byte no time of day matches (an hour of 0x24, say): never. */
	if (!(c->reg_b & CMOS_B_AIE) || next_match(ah, 0, 24) < 0 || next_match(am, 0, 60) < 0 ||
	    next_match(as, 0, 60) < 0)
		return -1;
	/* The alarm compares the time of day only: the first match after now_s is in the
	   rest of today or in tomorrow. From the start time on, the first matching hour,
	   then minute, then second; a later hour starts its minutes (and a later minute its
	   seconds) at 0. */
	int64_t base = now_s + 1, sod = base % DAY_S;
	if (sod < 0)
		sod += DAY_S;
	for (int day = 0; day < 2; day++) {
		int64_t start = day == 0 ? sod : 0;
		int h0 = (int)(start / 3600), m0 = (int)(start / 60 % 60), s0 = (int)(start % 60);
		for (int h = next_match(ah, h0, 24); h >= 0; h = next_match(ah, h + 1, 24)) {
			for (int m = next_match(am, h == h0 ? m0 : 0, 60); m >= 0;
			     m = next_match(am, m + 1, 60)) {
				int sec = next_match(as, h == h0 && m == m0 ? s0 : 0, 60);
				if (sec >= 0)
					return base - sod + day * DAY_S + h * 3600 + m * 60 + sec;
			}
		}
	}
	return -1;
}

static bool alarm_due(struct cmos_state *c, int64_t due_s, int64_t now_s, int *irq)
{
	if (now_s < due_s || !matches(c, due_s))
		return false;
	c->reg_c |= CMOS_C_AF;
	set_irqf(c, irq);
	return true;
}

struct vdev_cmos {
	pthread_mutex_t lock;
	struct vdev_cmos_config cfg;
	struct cmos_state s;
	int64_t due_s; /* the alarm's armed second, -1 when none */
	bool line;     /* the interrupt line's level (IRQF) */
};

static int64_t now_ns(const struct vdev_cmos *c)
{
	struct timespec ts;

	if (c->cfg.clock_ns)
		return c->cfg.clock_ns(c->cfg.clock_ctx);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t now_s(const struct vdev_cmos *c)
{
	int64_t ns = now_ns(c);
	return ns >= 0 ? ns / 1000000000 : -((-ns + 999999999) / 1000000000);
}

/* With the lock held: the line follows irq (-1: unchanged). */
static void drive(struct vdev_cmos *c, int irq)
{
	if (irq < 0 || (bool)irq == c->line)
		return;
	c->line = irq;
	if (irq)
		vdev_irq_assert(&c->cfg.irq);
	else
		vdev_irq_deassert(&c->cfg.irq);
}

/* With the lock held: the alarm's next second, and the embedder's timer for it. */
static void arm(struct vdev_cmos *c)
{
	c->due_s = next_alarm(&c->s, now_s(c));
	if (c->cfg.timer_changed)
		c->cfg.timer_changed(c->cfg.timer_ctx, c->due_s < 0 ? -1 : c->due_s * 1000000000);
}

int vdev_cmos_create(const struct vdev_cmos_config *cfg, struct vdev_cmos **out)
{
	struct vdev_cmos *c;

	if (!cfg || !out)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return -ENOMEM;
	}
	c->cfg = *cfg;
	state_init(&c->s);
	c->due_s = -1;
	*out = c;
	return 0;
}

void vdev_cmos_destroy(struct vdev_cmos *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int vdev_cmos_read(struct vdev_cmos *c, uint64_t offset, uint8_t *data, uint32_t size)
{
	int irq = -1;

	if (!c || !data || (size != 1 && size != 2 && size != 4 && size != 8))
		return -EINVAL;
	memset(data, 0, size);
	if (size != 1)
		return 0; /* byte registers: wider accesses read 0 */
	pthread_mutex_lock(&c->lock);
	data[0] = state_read(&c->s, (uint32_t)(offset > 1 ? 2 : offset), now_s(c), &irq);
	drive(c, irq);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int vdev_cmos_write(struct vdev_cmos *c, uint64_t offset, const uint8_t *data, uint32_t size)
{
	int irq = -1;

	if (!c || !data || (size != 1 && size != 2 && size != 4 && size != 8))
		return -EINVAL;
	if (size != 1 || offset > 1)
		return 0;
	pthread_mutex_lock(&c->lock);
	if (state_write(&c->s, (uint32_t)offset, data[0], &irq))
		arm(c);
	drive(c, irq);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static int ops_read(void *ctx, uint64_t offset, uint8_t *data, uint32_t size)
{
	return vdev_cmos_read(ctx, offset, data, size);
}

static int ops_write(void *ctx, uint64_t offset, const uint8_t *data, uint32_t size)
{
	return vdev_cmos_write(ctx, offset, data, size);
}

static const struct vdev_ops cmos_ops = {.read = ops_read, .write = ops_write};

const struct vdev_ops *vdev_cmos_ops(void)
{
	return &cmos_ops;
}

int64_t vdev_cmos_next_deadline(struct vdev_cmos *c)
{
	int64_t due;

	if (!c)
		return -1;
	pthread_mutex_lock(&c->lock);
	due = c->due_s < 0 ? -1 : c->due_s * 1000000000;
	pthread_mutex_unlock(&c->lock);
	return due;
}

int vdev_cmos_timer_expired(struct vdev_cmos *c)
{
	int irq = -1, raised = 0;

	if (!c)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	if (c->due_s >= 0 && alarm_due(&c->s, c->due_s, now_s(c), &irq))
		raised = 1;
	drive(c, irq);
	/* The next match (or again the same one, after an early call). */
	arm(c);
	pthread_mutex_unlock(&c->lock);
	return raised;
}

int vdev_cmos_irq_replay(struct vdev_cmos *c)
{
	if (!c)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	if (c->line) {
		vdev_irq_deassert(&c->cfg.irq);
		vdev_irq_assert(&c->cfg.irq);
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/*
 * Saved state, version 1: the selected index (u8), the 128 bytes of RAM (alarm and
 * battery-backed bytes, and the ignored time writes), registers B and C (u8 each) and the
 * alarm's armed second (an i64 of clock seconds, -1 when none). The clock itself is the
 * host's (the time registers are not state), so after a restore the guest reads the
 * wall-clock time, and an alarm second that passed while the VM was saved is due at once
 * (vdev_cmos_next_deadline() returns a time already past).
 */
#define CMOS_STATE_TAG VDEV_STATE_TAG('C', 'M', 'O', 'S')
#define CMOS_STATE_VERSION 1u

int vdev_cmos_save(const struct vdev_cmos *c, struct vdev_state_writer *w)
{
	pthread_mutex_t *lock;
	size_t mark;

	if (!c || !w)
		return -EINVAL;
	lock = (pthread_mutex_t *)&c->lock;
	pthread_mutex_lock(lock);
	mark = vdev_state_begin(w, CMOS_STATE_TAG, CMOS_STATE_VERSION);
	vdev_state_put_u8(w, c->s.index);
	vdev_state_put_bytes(w, c->s.ram, sizeof(c->s.ram));
	vdev_state_put_u8(w, c->s.reg_b);
	vdev_state_put_u8(w, c->s.reg_c);
	vdev_state_put_u64(w, (uint64_t)c->due_s);
	vdev_state_end(w, mark);
	pthread_mutex_unlock(lock);
	return w->error;
}

int vdev_cmos_restore(struct vdev_cmos *c, struct vdev_state_reader *r)
{
	struct vdev_state_reader s;
	struct cmos_state n;
	bool af, aie;
	int64_t due;

	if (!c || !r)
		return -EINVAL;
	if (vdev_state_open(r, CMOS_STATE_TAG, CMOS_STATE_VERSION, NULL, &s) < 0)
		return r->error;
	n.index = vdev_state_get_u8(&s);
	vdev_state_get_bytes(&s, n.ram, sizeof(n.ram));
	n.reg_b = vdev_state_get_u8(&s);
	n.reg_c = vdev_state_get_u8(&s);
	due = (int64_t)vdev_state_get_u64(&s);
	af = n.reg_c & CMOS_C_AF;
	aie = n.reg_b & CMOS_B_AIE;
	if (n.index >= CMOS_REGS)
		vdev_state_fail(&s, "cmos: index %#x is past the 128 registers", n.index);
	for (uint8_t i = CMOS_REG_A; i <= CMOS_REG_D; i++)
		if (n.ram[i])
			vdev_state_fail(&s, "cmos: RAM byte %#x (register %c) is not 0", i,
			                'A' + (i - CMOS_REG_A));
	if ((n.reg_b & ~(B_WRITABLE | CMOS_B_24H)) || !(n.reg_b & CMOS_B_24H))
		vdev_state_fail(&s, "cmos: register B %#x: only 24-hour binary-coded mode exists",
		                n.reg_b);
	if (n.reg_c & ~(CMOS_C_IRQF | CMOS_C_AF))
		vdev_state_fail(&s, "cmos: register C %#x has flags that are never raised",
		                n.reg_c);
	if (((n.reg_c & CMOS_C_IRQF) != 0) != (af && aie))
		vdev_state_fail(&s, "cmos: register C %#x: IRQF must be AF with AIE (B %#x)",
		                n.reg_c, n.reg_b);
	if (due != -1 && (due < 0 || due > INT64_MAX / 1000000000))
		vdev_state_fail(&s, "cmos: alarm second %" PRId64 " is out of range", due);
	else if (due != -1 && !aie)
		vdev_state_fail(&s, "cmos: an alarm second (%" PRId64 ") without AIE", due);
	else if (due != -1 && !matches(&n, due))
		vdev_state_fail(&s, "cmos: alarm second %" PRId64 " does not match the alarm", due);
	if (vdev_state_close(r, &s) < 0)
		return r->error;

	pthread_mutex_lock(&c->lock);
	c->s = n;
	c->due_s = due;
	/* Set, not driven: the embedder replays the line (vdev_cmos_irq_replay()). */
	c->line = n.reg_c & CMOS_C_IRQF;
	pthread_mutex_unlock(&c->lock);
	return 0;
}
