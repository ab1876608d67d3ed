/* SPDX-License-Identifier: Apache-2.0 */
/* The ACPI PM1 registers: status write-one-to-clear, enable, control with SCI_EN always
   set and SLP_EN calling sleep(), and the SCI as a level of status AND enable. */
#include "irq_recorder.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

enum { STS = 0, EN = 2, CNT = VDEV_ACPI_PM1_CNT_OFFSET };

static struct vdev_acpi_pm *pm;
static struct irq_recorder sci;
static int sleeps;
static unsigned int last_typ;

static void on_sleep(void *ctx, unsigned int slp_typ)
{
	(void)ctx;
	sleeps++;
	last_typ = slp_typ;
}

static void setup(void)
{
	const struct vdev_acpi_pm_config cfg = {
	    .sci = irq_rec_init(&sci, 9), .sleep = on_sleep, .ctx = NULL};
	sleeps = 0;
	last_typ = 99;
	cr_assert_eq(vdev_acpi_pm_create(&cfg, &pm), 0);
}

static void teardown(void)
{
	vdev_acpi_pm_destroy(pm);
	pm = NULL;
}

TestSuite(acpi_pm, .init = setup, .fini = teardown);

static uint16_t rd16(uint64_t off)
{
	uint8_t b[2] = {0xaa, 0xaa};
	cr_assert_eq(vdev_acpi_pm_read(pm, off, b, 2), 0);
	return (uint16_t)vdev_le_get(b, 2);
}

static void wr16(uint64_t off, uint16_t v)
{
	uint8_t b[2];
	vdev_le_put(b, 2, v);
	cr_assert_eq(vdev_acpi_pm_write(pm, off, b, 2), 0);
}

Test(acpi_pm, reset_state_is_acpi_mode_with_nothing_pending)
{
	cr_assert_eq(rd16(STS), 0);
	cr_assert_eq(rd16(EN), 0);
	cr_assert_eq(rd16(CNT), VDEV_ACPI_PM1_SCI_EN);
	cr_assert_not(irq_rec_level(&sci));
}

Test(acpi_pm, sci_is_status_and_enable)
{
	cr_assert_eq(vdev_acpi_pm_event(pm, VDEV_ACPI_PM1_RTC), 0);
	cr_assert_eq(rd16(STS), VDEV_ACPI_PM1_RTC);
	cr_assert_not(irq_rec_level(&sci), "not enabled: no SCI");
	wr16(EN, VDEV_ACPI_PM1_RTC | VDEV_ACPI_PM1_PWRBTN);
	cr_assert_eq(rd16(EN), VDEV_ACPI_PM1_RTC | VDEV_ACPI_PM1_PWRBTN);
	cr_assert(irq_rec_level(&sci), "enabled while pending: SCI");
	cr_assert_eq(sci.last_line, 9);
	/* Writing zero leaves the status; writing one clears it and drops the SCI. */
	wr16(STS, 0);
	cr_assert(irq_rec_level(&sci));
	wr16(STS, VDEV_ACPI_PM1_RTC);
	cr_assert_eq(rd16(STS), 0);
	cr_assert_not(irq_rec_level(&sci));
	/* Disabling drops a pending SCI, enabling again raises it. */
	cr_assert_eq(vdev_acpi_pm_event(pm, VDEV_ACPI_PM1_PWRBTN), 0);
	cr_assert(irq_rec_level(&sci));
	wr16(EN, 0);
	cr_assert_not(irq_rec_level(&sci));
	wr16(EN, VDEV_ACPI_PM1_PWRBTN);
	cr_assert(irq_rec_level(&sci));
	cr_assert_eq(sci.asserts, 3);
	cr_assert_eq(sci.deasserts, 2, "one call per change of level");
}

Test(acpi_pm, wake_status_never_raises_the_sci)
{
	wr16(EN, 0xffff);
	cr_assert_eq(rd16(EN),
	             VDEV_ACPI_PM1_TMR | VDEV_ACPI_PM1_GBL | VDEV_ACPI_PM1_PWRBTN |
	                 VDEV_ACPI_PM1_RTC,
	             "reserved enable bits read 0");
	cr_assert_eq(vdev_acpi_pm_event(pm, VDEV_ACPI_PM1_WAK | 0x0200), 0);
	cr_assert_eq(rd16(STS), VDEV_ACPI_PM1_WAK, "reserved status bits are not set");
	cr_assert_not(irq_rec_level(&sci));
}

/* S3: an enabled RTC alarm or the power button (enabled or not, as on PC chipsets) is a
   wake event; a timer carry, a global lock release or a disabled RTC alarm is not. WAK_STS is set
   on waking, cleared by a write of one, and raises no SCI. */
Test(acpi_pm, wake_events_are_the_enabled_rtc_alarm_or_the_power_button)
{
	cr_assert_eq(vdev_acpi_pm_wake_pending(pm), 0);
	cr_assert_eq(vdev_acpi_pm_event(pm, VDEV_ACPI_PM1_RTC), 0);
	cr_assert_eq(vdev_acpi_pm_wake_pending(pm), 0, "RTC_EN clear: not a wake event");
	wr16(EN, VDEV_ACPI_PM1_TMR | VDEV_ACPI_PM1_GBL);
	cr_assert_eq(vdev_acpi_pm_event(pm, VDEV_ACPI_PM1_TMR | VDEV_ACPI_PM1_GBL), 0);
	cr_assert_eq(vdev_acpi_pm_wake_pending(pm), 0, "timer and global lock do not wake");
	wr16(EN, VDEV_ACPI_PM1_RTC);
	cr_assert_eq(vdev_acpi_pm_wake_pending(pm), 1, "RTC alarm, enabled");
	wr16(STS, VDEV_ACPI_PM1_RTC);
	cr_assert_eq(vdev_acpi_pm_wake_pending(pm), 0, "cleared");
	wr16(EN, 0);
	cr_assert_eq(vdev_acpi_pm_event(pm, VDEV_ACPI_PM1_PWRBTN), 0);
	cr_assert_eq(vdev_acpi_pm_wake_pending(pm), 1, "power button, even not enabled");
	cr_assert_not(irq_rec_level(&sci), "not enabled: no SCI");

	wr16(STS, 0xffff);
	wr16(EN, 0);
	cr_assert_eq(vdev_acpi_pm_woke(pm), 0);
	cr_assert_eq(rd16(STS), VDEV_ACPI_PM1_WAK);
	cr_assert_eq(vdev_acpi_pm_wake_pending(pm), 0, "WAK_STS is not a wake event");
	cr_assert_not(irq_rec_level(&sci));
	wr16(STS, VDEV_ACPI_PM1_WAK);
	cr_assert_eq(rd16(STS), 0);
	cr_assert_eq(vdev_acpi_pm_wake_pending(NULL), -EINVAL);
	cr_assert_eq(vdev_acpi_pm_woke(NULL), -EINVAL);
}

Test(acpi_pm, slp_en_calls_sleep_with_the_type_and_reads_back_clear)
{
	wr16(CNT, (uint16_t)(5u << VDEV_ACPI_PM1_SLP_TYP_SHIFT));
	cr_assert_eq(sleeps, 0, "SLP_TYP alone does nothing");
	wr16(CNT, (uint16_t)(5u << VDEV_ACPI_PM1_SLP_TYP_SHIFT | VDEV_ACPI_PM1_SLP_EN));
	cr_assert_eq(sleeps, 1);
	cr_assert_eq(last_typ, 5);
	cr_assert_eq(rd16(CNT), (5u << VDEV_ACPI_PM1_SLP_TYP_SHIFT) | VDEV_ACPI_PM1_SCI_EN,
	             "SLP_EN reads 0, SCI_EN 1");
	/* Byte by byte, as a guest may write: the high byte carries SLP_EN. */
	uint8_t lo = 0,
		hi = (uint8_t)((3u << VDEV_ACPI_PM1_SLP_TYP_SHIFT | VDEV_ACPI_PM1_SLP_EN) >> 8);
	cr_assert_eq(vdev_acpi_pm_write(pm, CNT, &lo, 1), 0);
	cr_assert_eq(vdev_acpi_pm_write(pm, CNT + 1, &hi, 1), 0);
	cr_assert_eq(sleeps, 2);
	cr_assert_eq(last_typ, 3);
	/* Writing SCI_EN 0 does not leave ACPI mode. */
	wr16(CNT, 0);
	cr_assert_eq(rd16(CNT), VDEV_ACPI_PM1_SCI_EN);
}

Test(acpi_pm, wide_and_out_of_range_accesses)
{
	uint8_t b[8];
	memset(b, 0xff, sizeof(b));
	/* An 8-byte write from offset 0 reaches all three registers and no further. */
	cr_assert_eq(vdev_acpi_pm_event(pm, VDEV_ACPI_PM1_RTC), 0);
	cr_assert_eq(vdev_acpi_pm_write(pm, 0, b, 8), 0);
	cr_assert_eq(rd16(STS), 0, "ones clear every status bit");
	cr_assert_eq(sleeps, 1, "0xffff in PM1_CNT sets SLP_EN");
	cr_assert_eq(last_typ, 7);
	cr_assert_eq(vdev_acpi_pm_read(pm, 4, b, 8), 0);
	cr_assert_eq(b[2] | b[3] | b[4] | b[5] | b[6] | b[7], 0, "past the registers reads 0");
	cr_assert_eq(vdev_acpi_pm_read(pm, UINT64_MAX, b, 8), 0, "no offset wraps");
	cr_assert_eq(vdev_acpi_pm_write(pm, UINT64_MAX - 2, b, 8), 0);
	cr_assert_eq(vdev_acpi_pm_read(pm, 0, b, 3), -EINVAL);
	cr_assert_eq(vdev_acpi_pm_read(NULL, 0, b, 1), -EINVAL);
	cr_assert_eq(vdev_acpi_pm_write(pm, 0, NULL, 1), -EINVAL);
	cr_assert_eq(vdev_acpi_pm_event(NULL, 1), -EINVAL);
	cr_assert_eq(vdev_acpi_pm_create(NULL, &pm), -EINVAL);
	vdev_acpi_pm_destroy(NULL);
}
