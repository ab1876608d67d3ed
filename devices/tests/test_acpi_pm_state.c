/* SPDX-License-Identifier: Apache-2.0 */
/* Saving and restoring the ACPI PM1 registers. */
#include "irq_recorder.h"
#include "state_util.h"

struct side {
	struct vdev_acpi_pm *pm;
	struct irq_recorder sci;
	int sleeps;
};

static struct side a, b;

static void sleep_cb(void *ctx, unsigned int slp_typ)
{
	(void)slp_typ;
	((struct side *)ctx)->sleeps++;
}

static void make(struct side *s)
{
	struct vdev_acpi_pm_config cfg = {
	    .sci = irq_rec_init(&s->sci, 9), .sleep = sleep_cb, .ctx = s};
	cr_assert_eq(vdev_acpi_pm_create(&cfg, &s->pm), 0);
}

static void setup(void)
{
	make(&a);
	make(&b);
}

static void teardown(void)
{
	vdev_acpi_pm_destroy(a.pm);
	vdev_acpi_pm_destroy(b.pm);
}

TestSuite(acpi_pm_state, .init = setup, .fini = teardown);

static uint16_t rd(struct side *s, uint64_t off)
{
	uint8_t d[2];
	cr_assert_eq(vdev_acpi_pm_read(s->pm, off, d, 2), 0);
	return (uint16_t)vdev_le_get(d, 2);
}

static void wr(struct side *s, uint64_t off, uint16_t v)
{
	uint8_t d[2];
	vdev_le_put(d, 2, v);
	cr_assert_eq(vdev_acpi_pm_write(s->pm, off, d, 2), 0);
}

static struct st_buf save(struct side *s)
{
	struct vdev_state_writer w;
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_acpi_pm_save(s->pm, &w), 0);
	return st_take(&w);
}

Test(acpi_pm_state, round_trip)
{
	wr(&a, 2, VDEV_ACPI_PM1_PWRBTN | VDEV_ACPI_PM1_RTC);
	wr(&a, VDEV_ACPI_PM1_CNT_OFFSET, 5u << VDEV_ACPI_PM1_SLP_TYP_SHIFT | 0x4);
	cr_assert_eq(vdev_acpi_pm_event(a.pm, VDEV_ACPI_PM1_PWRBTN | VDEV_ACPI_PM1_WAK), 0);
	cr_assert(irq_rec_level(&a.sci));
	struct st_buf st = save(&a);
	struct vdev_state_reader r;

	vdev_state_reader_init(&r, st.p, st.len);
	cr_assert_eq(vdev_acpi_pm_restore(b.pm, &r), 0, "%s", vdev_state_why(&r));
	cr_expect_eq(b.sci.asserts + b.sci.deasserts, 0);
	cr_assert_eq(vdev_acpi_pm_irq_replay(b.pm), 0);
	cr_expect(irq_rec_level(&b.sci));
	struct st_buf again = save(&b);
	cr_expect_arr_eq(again.p, st.p, st.len);

	cr_expect_eq(rd(&b, 0), VDEV_ACPI_PM1_PWRBTN | VDEV_ACPI_PM1_WAK);
	cr_expect_eq(rd(&b, 2), VDEV_ACPI_PM1_PWRBTN | VDEV_ACPI_PM1_RTC);
	cr_expect_eq(rd(&b, 4), 5u << VDEV_ACPI_PM1_SLP_TYP_SHIFT | 0x4 | VDEV_ACPI_PM1_SCI_EN);
	wr(&b, 0, VDEV_ACPI_PM1_PWRBTN);
	cr_expect_not(irq_rec_level(&b.sci), "cleared by the guest: the SCI drops");
	cr_expect_eq(rd(&b, 0), VDEV_ACPI_PM1_WAK);
	free(st.p);
	free(again.p);
}

Test(acpi_pm_state, refusals)
{
	cr_assert_eq(vdev_acpi_pm_event(a.pm, VDEV_ACPI_PM1_RTC), 0);
	struct st_buf st = save(&a);

	ST_REFUSED_COMMON(vdev_acpi_pm_restore, b.pm, st);
	ST_REFUSED(vdev_acpi_pm_restore, b.pm, st_patch(st, 0, 0x0002, 2),
	           "acpi-pm: PM1_STS 0x2 has bits this machine never sets");
	ST_REFUSED(vdev_acpi_pm_restore, b.pm, st_patch(st, 2, VDEV_ACPI_PM1_WAK, 2),
	           "acpi-pm: PM1_EN 0x8000 has bits this machine does not have");
	ST_REFUSED(vdev_acpi_pm_restore, b.pm, st_patch(st, 4, 0, 2),
	           "acpi-pm: PM1_CNT 0 without SCI_EN");
	ST_REFUSED(vdev_acpi_pm_restore, b.pm, st_patch(st, 4, 0x2001, 2),
	           "acpi-pm: PM1_CNT 0x2001 with SLP_EN");
	cr_expect_eq(rd(&b, 0), 0, "b untouched");
	cr_expect_eq(b.sleeps, 0);
	free(st.p);
}
