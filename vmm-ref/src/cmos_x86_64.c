// SPDX-License-Identifier: Apache-2.0
/* The MC146818 CMOS RTC model (cmos_x86_64.h). */
#include "cmos_x86_64.h"

#include <string.h>

#define DAY_S 86400
#define REG_A_VALUE 0x26 /* 32.768 kHz time base, 1024 Hz rate; never "update in progress" */
#define REG_D_VALUE 0x80 /* VRT: the battery is good */
#define B_WRITABLE                                                                                 \
	(VMM_CMOS_B_SET | VMM_CMOS_B_PIE | VMM_CMOS_B_AIE | VMM_CMOS_B_UIE | VMM_CMOS_B_SQWE)
#define DONT_CARE 0xc0 /* an alarm byte with both top bits set matches any value */

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

static void set_irqf(struct vmm_cmos *c, int *irq)
{
	bool was = c->reg_c & VMM_CMOS_C_IRQF;
	bool now = (c->reg_c & VMM_CMOS_C_AF) && (c->reg_b & VMM_CMOS_B_AIE);

	if (now)
		c->reg_c |= VMM_CMOS_C_IRQF;
	else
		c->reg_c &= (uint8_t)~VMM_CMOS_C_IRQF;
	if (now != was && irq)
		*irq = now;
}

void vmm_cmos_init(struct vmm_cmos *c)
{
	memset(c, 0, sizeof(*c));
	c->reg_b = VMM_CMOS_B_24H;
}

static uint8_t time_reg(uint8_t idx, int64_t now_s)
{
	struct utc u = utc_of(now_s);

	switch (idx) {
	case VMM_CMOS_SEC:
		return bcd(u.sec);
	case VMM_CMOS_MIN:
		return bcd(u.min);
	case VMM_CMOS_HOUR:
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

uint8_t vmm_cmos_read(struct vmm_cmos *c, uint32_t offset, int64_t now_s, int *irq)
{
	uint8_t v;

	if (offset == 0)
		return c->index;
	if (offset != 1)
		return 0xff;
	switch (c->index) {
	case VMM_CMOS_REG_A:
		return REG_A_VALUE;
	case VMM_CMOS_REG_B:
		return c->reg_b;
	case VMM_CMOS_REG_C:
		/* Reading C acknowledges: every flag clears, and the line drops. */
		v = c->reg_c;
		c->reg_c = 0;
		if ((v & VMM_CMOS_C_IRQF) && irq)
			*irq = 0;
		return v;
	case VMM_CMOS_REG_D:
		return REG_D_VALUE;
	case VMM_CMOS_SEC:
	case VMM_CMOS_MIN:
	case VMM_CMOS_HOUR:
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

bool vmm_cmos_write(struct vmm_cmos *c, uint32_t offset, uint8_t v, int *irq)
{
	if (offset == 0) {
		c->index = v & 0x7f; /* bit 7 is the NMI mask */
		return false;
	}
	if (offset != 1)
		return false;
	switch (c->index) {
	case VMM_CMOS_REG_A:
	case VMM_CMOS_REG_C:
	case VMM_CMOS_REG_D:
		return false;
	case VMM_CMOS_REG_B:
		c->reg_b = (uint8_t)((v & B_WRITABLE) | VMM_CMOS_B_24H);
		set_irqf(c, irq);
		return true;
	default:
		/* Time writes land in the RAM bytes and are never read back: the clock is the
		   host's. The alarm bytes are read back and matched. */
		c->ram[c->index] = v;
		return c->index == VMM_CMOS_SEC_ALARM || c->index == VMM_CMOS_MIN_ALARM ||
		       c->index == VMM_CMOS_HOUR_ALARM;
	}
}

/* Whether alarm byte a (BCD, or "don't care") matches the value v. */
static bool field_matches(uint8_t a, int v)
{
	if ((a & DONT_CARE) == DONT_CARE)
		return true;
	return a == bcd(v);
}

static bool matches(const struct vmm_cmos *c, int64_t t)
{
	int64_t s = t % DAY_S;

	if (s < 0)
		s += DAY_S;
	return field_matches(c->ram[VMM_CMOS_SEC_ALARM], (int)(s % 60)) &&
	       field_matches(c->ram[VMM_CMOS_MIN_ALARM], (int)(s / 60 % 60)) &&
	       field_matches(c->ram[VMM_CMOS_HOUR_ALARM], (int)(s / 3600));
}

int64_t vmm_cmos_next_alarm(const struct vmm_cmos *c, int64_t now_s)
{
	if (!(c->reg_b & VMM_CMOS_B_AIE))
		return -1;
	/* The alarm compares the time of day only: a match, if any, comes within a day. */
	for (int64_t d = 1; d <= DAY_S; d++)
		if (matches(c, now_s + d))
			return now_s + d;
	return -1;
}

bool vmm_cmos_alarm_due(struct vmm_cmos *c, int64_t due_s, int64_t now_s, int *irq)
{
	if (now_s < due_s || !matches(c, due_s))
		return false;
	c->reg_c |= VMM_CMOS_C_AF;
	set_irqf(c, irq);
	return true;
}

bool vmm_cmos_irq_level(const struct vmm_cmos *c)
{
	return c->reg_c & VMM_CMOS_C_IRQF;
}
