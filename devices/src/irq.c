/* SPDX-License-Identifier: Apache-2.0 */
#include <cvmm/devices.h>

int vdev_irq_assert(const struct vdev_irq *irq)
{
	if (!irq || !irq->assert_line)
		return 0;
	return irq->assert_line(irq->ctx, irq->line);
}

int vdev_irq_deassert(const struct vdev_irq *irq)
{
	if (!irq || !irq->deassert_line)
		return 0;
	return irq->deassert_line(irq->ctx, irq->line);
}

int vdev_irq_pulse(const struct vdev_irq *irq)
{
	int ret;

	if (!irq)
		return 0;
	if (irq->pulse_line)
		return irq->pulse_line(irq->ctx, irq->line);
	ret = vdev_irq_assert(irq);
	if (ret < 0)
		return ret;
	return vdev_irq_deassert(irq);
}
