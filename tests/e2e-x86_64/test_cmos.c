// SPDX-License-Identifier: Apache-2.0
/* The CMOS RTC model (vmm-ref/src/cmos_x86_64.h): registers, BCD time, the alarm. */
#include "cmos_x86_64.h"

#include <criterion/criterion.h>

/* 2024-02-29 12:34:56 UTC, a Thursday; and 2026-11-25 23:59:58 UTC. */
#define LEAP_NOON 1709210096
#define NEAR_MIDNIGHT 1795651198

static uint8_t reg(struct vmm_cmos *c, uint8_t idx, int64_t now, int *irq)
{
	vmm_cmos_write(c, 0, idx, irq);
	return vmm_cmos_read(c, 1, now, irq);
}

static bool set(struct vmm_cmos *c, uint8_t idx, uint8_t v, int *irq)
{
	vmm_cmos_write(c, 0, idx, irq);
	return vmm_cmos_write(c, 1, v, irq);
}

Test(cmos, registers_and_time)
{
	struct vmm_cmos c;
	int irq = -1;

	vmm_cmos_init(&c);
	cr_assert_eq(reg(&c, VMM_CMOS_REG_A, 0, &irq), 0x26);
	cr_assert_eq(reg(&c, VMM_CMOS_REG_B, 0, &irq), VMM_CMOS_B_24H, "24-hour BCD, no IRQ");
	cr_assert_eq(reg(&c, VMM_CMOS_REG_C, 0, &irq), 0);
	cr_assert_eq(reg(&c, VMM_CMOS_REG_D, 0, &irq), 0x80, "battery good");
	cr_assert_eq(reg(&c, 0x00, LEAP_NOON, &irq), 0x56);
	cr_assert_eq(reg(&c, 0x02, LEAP_NOON, &irq), 0x34);
	cr_assert_eq(reg(&c, 0x04, LEAP_NOON, &irq), 0x12);
	cr_assert_eq(reg(&c, 0x06, LEAP_NOON, &irq), 0x05, "weekday 1-7 from Sunday");
	cr_assert_eq(reg(&c, 0x07, LEAP_NOON, &irq), 0x29);
	cr_assert_eq(reg(&c, 0x08, LEAP_NOON, &irq), 0x02);
	cr_assert_eq(reg(&c, 0x09, LEAP_NOON, &irq), 0x24);
	cr_assert_eq(reg(&c, 0x32, LEAP_NOON, &irq), 0x20, "century");
	/* Time writes do not move the host's clock; RAM bytes are kept. */
	set(&c, 0x00, 0x11, &irq);
	cr_assert_eq(reg(&c, 0x00, LEAP_NOON, &irq), 0x56);
	set(&c, 0x40, 0xab, &irq);
	cr_assert_eq(reg(&c, 0x40, 0, &irq), 0xab);
	/* The index drops the NMI mask bit and reads back. */
	vmm_cmos_write(&c, 0, 0x80 | 0x40, &irq);
	cr_assert_eq(vmm_cmos_read(&c, 0, 0, &irq), 0x40);
	cr_assert_eq(vmm_cmos_read(&c, 2, 0, &irq), 0xff, "no third port");
	/* B keeps the interrupt enables; binary mode and 12-hour mode cannot be chosen. */
	set(&c, VMM_CMOS_REG_B, 0xff, &irq);
	cr_assert_eq(reg(&c, VMM_CMOS_REG_B, 0, &irq), 0xfa);
	set(&c, VMM_CMOS_REG_B, 0x00, &irq);
	cr_assert_eq(reg(&c, VMM_CMOS_REG_B, 0, &irq), VMM_CMOS_B_24H);
	/* A, C and D ignore writes. */
	set(&c, VMM_CMOS_REG_A, 0x00, &irq);
	set(&c, VMM_CMOS_REG_C, 0xff, &irq);
	cr_assert_eq(reg(&c, VMM_CMOS_REG_A, 0, &irq), 0x26);
	cr_assert_eq(reg(&c, VMM_CMOS_REG_C, 0, &irq), 0);
	cr_assert_eq(irq, -1, "nothing raised or lowered the line");
}

Test(cmos, alarm_raises_and_register_c_acknowledges)
{
	struct vmm_cmos c;
	int irq = -1;
	int64_t now = LEAP_NOON;

	vmm_cmos_init(&c);
	/* The alarm at 12:35:01, 5 s ahead; off until AIE. */
	cr_assert(set(&c, VMM_CMOS_HOUR_ALARM, 0x12, &irq), "alarm writes re-arm");
	cr_assert(set(&c, VMM_CMOS_MIN_ALARM, 0x35, &irq));
	cr_assert(set(&c, VMM_CMOS_SEC_ALARM, 0x01, &irq));
	cr_assert_eq(vmm_cmos_next_alarm(&c, now), -1, "AIE off: no timer");
	cr_assert(set(&c, VMM_CMOS_REG_B, VMM_CMOS_B_24H | VMM_CMOS_B_AIE, &irq));
	cr_assert_eq(irq, -1);
	int64_t due = vmm_cmos_next_alarm(&c, now);
	cr_assert_eq(due, now + 5);
	cr_assert_not(vmm_cmos_alarm_due(&c, due, due - 1, &irq), "not yet");
	cr_assert_eq(reg(&c, VMM_CMOS_REG_C, now, &irq), 0);
	cr_assert(vmm_cmos_alarm_due(&c, due, due, &irq));
	cr_assert_eq(irq, 1, "the line rises");
	cr_assert(vmm_cmos_irq_level(&c));
	irq = -1;
	cr_assert_eq(reg(&c, VMM_CMOS_REG_C, due, &irq), VMM_CMOS_C_IRQF | VMM_CMOS_C_AF);
	cr_assert_eq(irq, 0, "reading C lowers it");
	cr_assert_not(vmm_cmos_irq_level(&c));
	irq = -1;
	cr_assert_eq(reg(&c, VMM_CMOS_REG_C, due, &irq), 0, "flags cleared");
	cr_assert_eq(irq, -1);
	/* The same alarm comes again a day later. */
	cr_assert_eq(vmm_cmos_next_alarm(&c, due), due + 86400);
	/* A late timer still raises it; a changed alarm does not. */
	cr_assert(vmm_cmos_alarm_due(&c, due, due + 3, &irq));
	reg(&c, VMM_CMOS_REG_C, due, &irq);
	set(&c, VMM_CMOS_SEC_ALARM, 0x02, &irq);
	cr_assert_not(vmm_cmos_alarm_due(&c, due, due, &irq), "moved since the timer was armed");
}

Test(cmos, alarm_flag_without_aie_then_enabled)
{
	struct vmm_cmos c;
	int irq = -1;

	vmm_cmos_init(&c);
	set(&c, VMM_CMOS_SEC_ALARM, 0xc0, &irq);
	set(&c, VMM_CMOS_MIN_ALARM, 0xc0, &irq);
	set(&c, VMM_CMOS_HOUR_ALARM, 0xc0, &irq);
	/* Due without AIE: AF only, the line stays low. */
	cr_assert(vmm_cmos_alarm_due(&c, LEAP_NOON, LEAP_NOON, &irq));
	cr_assert_eq(irq, -1);
	cr_assert_not(vmm_cmos_irq_level(&c));
	/* Enabling AIE with AF pending raises IRQF and the line at once. */
	set(&c, VMM_CMOS_REG_B, VMM_CMOS_B_AIE, &irq);
	cr_assert_eq(irq, 1);
	/* Disabling it again lowers IRQF (AF stays until C is read). */
	set(&c, VMM_CMOS_REG_B, 0, &irq);
	cr_assert_eq(irq, 0);
	cr_assert_eq(reg(&c, VMM_CMOS_REG_C, 0, &irq), VMM_CMOS_C_AF);
}

Test(cmos, alarm_deadlines)
{
	struct vmm_cmos c;
	int irq = -1;

	vmm_cmos_init(&c);
	set(&c, VMM_CMOS_REG_B, VMM_CMOS_B_AIE, &irq);
	/* All "don't care": every second. */
	set(&c, VMM_CMOS_SEC_ALARM, 0xff, &irq);
	set(&c, VMM_CMOS_MIN_ALARM, 0xc0, &irq);
	set(&c, VMM_CMOS_HOUR_ALARM, 0xd5, &irq);
	cr_assert_eq(vmm_cmos_next_alarm(&c, LEAP_NOON), LEAP_NOON + 1);
	/* Second 0 of any minute of any hour: the next whole minute. */
	set(&c, VMM_CMOS_SEC_ALARM, 0x00, &irq);
	cr_assert_eq(vmm_cmos_next_alarm(&c, LEAP_NOON), LEAP_NOON + 4);
	/* Across midnight: 23:59:58 to 00:00:01. */
	set(&c, VMM_CMOS_SEC_ALARM, 0x01, &irq);
	set(&c, VMM_CMOS_MIN_ALARM, 0x00, &irq);
	set(&c, VMM_CMOS_HOUR_ALARM, 0x00, &irq);
	cr_assert_eq(vmm_cmos_next_alarm(&c, NEAR_MIDNIGHT), NEAR_MIDNIGHT + 3);
	/* The current second has passed: the next match is a day later. */
	set(&c, VMM_CMOS_SEC_ALARM, 0x58, &irq);
	set(&c, VMM_CMOS_MIN_ALARM, 0x59, &irq);
	set(&c, VMM_CMOS_HOUR_ALARM, 0x23, &irq);
	cr_assert_eq(vmm_cmos_next_alarm(&c, NEAR_MIDNIGHT), NEAR_MIDNIGHT + 86400);
	/* No time of day matches an hour of 0x99 (or 0x24): no timer. */
	set(&c, VMM_CMOS_HOUR_ALARM, 0x99, &irq);
	cr_assert_eq(vmm_cmos_next_alarm(&c, NEAR_MIDNIGHT), -1);
	set(&c, VMM_CMOS_HOUR_ALARM, 0x24, &irq);
	cr_assert_eq(vmm_cmos_next_alarm(&c, NEAR_MIDNIGHT), -1);
	/* Before 1970 too. */
	set(&c, VMM_CMOS_HOUR_ALARM, 0x23, &irq);
	cr_assert_eq(vmm_cmos_next_alarm(&c, -2), -2 + 86400, "1969-12-31 23:59:58");
}
