/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x86 CMOS RTC (MC146818) as vmm-ref's guests see it on ports 0x70/0x71: the time
 * registers read the host's UTC clock in BCD, 24-hour mode; the alarm (seconds, minutes,
 * hours, each "don't care" at 0xc0 and above) raises AF in register C, and with AIE in
 * register B also IRQF and the interrupt line (ISA IRQ 8, edge). Reading register C
 * clears the flags and lowers the line. The periodic and update-ended interrupts are not
 * implemented (PIE and UIE are kept, never raise anything).
 *
 * Pure code on a caller-owned struct: the caller passes the time in, arms a timer for
 * vmm_cmos_next_alarm() and calls vmm_cmos_alarm_due() when it fires. Not thread-safe:
 * the caller serialises every call on one struct.
 */
#ifndef VMM_CMOS_X86_64_H
#define VMM_CMOS_X86_64_H

#include <stdbool.h>
#include <stdint.h>

#define VMM_CMOS_REGS 128u
#define VMM_CMOS_IRQ 8u

/* Register numbers and bits (the MC146818 data sheet's names). */
#define VMM_CMOS_SEC 0x00
#define VMM_CMOS_SEC_ALARM 0x01
#define VMM_CMOS_MIN 0x02
#define VMM_CMOS_MIN_ALARM 0x03
#define VMM_CMOS_HOUR 0x04
#define VMM_CMOS_HOUR_ALARM 0x05
#define VMM_CMOS_REG_A 0x0a
#define VMM_CMOS_REG_B 0x0b
#define VMM_CMOS_REG_C 0x0c
#define VMM_CMOS_REG_D 0x0d
#define VMM_CMOS_B_SET 0x80
#define VMM_CMOS_B_PIE 0x40
#define VMM_CMOS_B_AIE 0x20
#define VMM_CMOS_B_UIE 0x10
#define VMM_CMOS_B_SQWE 0x08
#define VMM_CMOS_B_DM 0x04 /* binary mode: never set here, the registers are BCD */
#define VMM_CMOS_B_24H 0x02
#define VMM_CMOS_C_IRQF 0x80
#define VMM_CMOS_C_AF 0x20

struct vmm_cmos {
	uint8_t index;              /* the register port 0x70 selected */
	uint8_t ram[VMM_CMOS_REGS]; /* alarm registers and battery-backed bytes */
	uint8_t reg_b;
	uint8_t reg_c;
};

/* Power-on state: 24-hour BCD, no interrupt enabled, no flag, alarm "don't care" off
   (all alarm registers 0). */
void vmm_cmos_init(struct vmm_cmos *c);

/*
 * A guest read of port 0x70 + offset (offset 0: the index, 1: the selected register),
 * at host time now_s (seconds since the epoch, UTC). *irq is set to the interrupt line's
 * new level when the read changed it (register C), and left alone otherwise. Returns the
 * byte; an offset other than 0 or 1 reads 0xff.
 */
uint8_t vmm_cmos_read(struct vmm_cmos *c, uint32_t offset, int64_t now_s, int *irq);

/*
 * A guest write of v to port 0x70 + offset. Index writes drop bit 7 (the NMI mask).
 * Register B keeps SET, PIE, AIE, UIE and SQWE (24-hour BCD is fixed); enabling AIE
 * with AF pending raises IRQF. Registers A, C and D and the time registers ignore
 * writes (the clock is the host's). *irq as for vmm_cmos_read(). Returns true when the
 * alarm's deadline may have changed (re-arm the timer).
 */
bool vmm_cmos_write(struct vmm_cmos *c, uint32_t offset, uint8_t v, int *irq);

/*
 * The first whole second after now_s at which the alarm registers match the clock, or
 * -1 when AIE is off (nothing would be raised) or no time of day matches (an alarm
 * register holding an invalid value such as 0x99). Returns seconds since the epoch.
 */
int64_t vmm_cmos_next_alarm(const struct vmm_cmos *c, int64_t now_s);

/*
 * The timer armed for due_s (a vmm_cmos_next_alarm() result) fired at now_s. When now_s
 * has reached due_s and the alarm registers still match the time of day of due_s (the
 * guest may have changed them meanwhile), AF is set, and with AIE also IRQF, setting
 * *irq to 1 when the line rises. Returns whether the alarm went off.
 */
bool vmm_cmos_alarm_due(struct vmm_cmos *c, int64_t due_s, int64_t now_s, int *irq);

/* The interrupt line's level now: IRQF. */
bool vmm_cmos_irq_level(const struct vmm_cmos *c);

#endif
