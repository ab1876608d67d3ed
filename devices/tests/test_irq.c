/* SPDX-License-Identifier: Apache-2.0 */
#include "irq_recorder.h"

#include <criterion/criterion.h>
#include <errno.h>

static int failing(void *ctx, uint32_t line)
{
	return -EIO;
}

Test(irq, calls_callbacks_with_ctx_and_line)
{
	struct irq_recorder r;
	struct vdev_irq irq = irq_rec_init(&r, 33);
	cr_assert_eq(vdev_irq_assert(&irq), 0);
	cr_assert(r.level);
	cr_assert_eq(r.last_line, 33);
	cr_assert_eq(vdev_irq_deassert(&irq), 0);
	cr_assert_not(r.level);
	cr_assert_eq(vdev_irq_pulse(&irq), 0);
	cr_assert_eq(r.pulses, 1);
	cr_assert_eq(r.asserts, 1);
	cr_assert_eq(r.deasserts, 1);
}

Test(irq, pulse_falls_back_to_assert_deassert)
{
	struct irq_recorder r;
	struct vdev_irq irq = irq_rec_init(&r, 4);
	irq.pulse_line = NULL;
	cr_assert_eq(vdev_irq_pulse(&irq), 0);
	cr_assert_eq(r.asserts, 1);
	cr_assert_eq(r.deasserts, 1);
	cr_assert_not(r.level);
}

Test(irq, unconnected_and_errors)
{
	struct vdev_irq none = {0};
	struct vdev_irq bad = {.assert_line = failing, .pulse_line = NULL};
	cr_assert_eq(vdev_irq_assert(NULL), 0);
	cr_assert_eq(vdev_irq_deassert(NULL), 0);
	cr_assert_eq(vdev_irq_pulse(NULL), 0);
	cr_assert_eq(vdev_irq_assert(&none), 0);
	cr_assert_eq(vdev_irq_pulse(&none), 0);
	cr_assert_eq(vdev_irq_assert(&bad), -EIO);
	cr_assert_eq(vdev_irq_pulse(&bad), -EIO);
}
