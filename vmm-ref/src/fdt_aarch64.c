/* SPDX-License-Identifier: Apache-2.0 */
/* vmm-ref's arm64 machine record as a device tree description. */
#include "fdt_aarch64.h"

#include "layout_aarch64.h"

#include <errno.h>
#include <string.h>

int vmm_fdt_aarch64_describe(struct ll_fdt_arm64 *cfg, const struct vmm_machine_record *rec,
                             uint64_t ram_size)
{
	bool have_stdout = false;

	if (!cfg || !rec || rec->vcpus == 0 || rec->vcpus > LL_FDT_MAX_CPUS ||
	    rec->vcpus > VMM_VCPUS_MAX || rec->num_devices > LL_FDT_MAX_DEVICES ||
	    rec->num_devices > VMM_DEVICES_MAX)
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	cfg->model = "cvmm vmm-ref";
	cfg->num_cpus = rec->vcpus;
	memcpy(cfg->mpidr, rec->mpidr, rec->vcpus * sizeof(rec->mpidr[0]));
	cfg->ram_base = VMM_A64_RAM_BASE;
	cfg->ram_size = ram_size;
	cfg->gic_version = rec->gic_version;
	cfg->gicd_base = rec->gicd_base;
	cfg->gicd_size = rec->gicd_size;
	cfg->gicc_or_gicr_base = rec->gicc_or_gicr_base;
	cfg->gicc_or_gicr_size = rec->gicc_or_gicr_size;
	for (uint32_t i = 0; i < rec->num_devices; i++) {
		const struct vmm_device_record *r = &rec->devices[i];
		struct ll_fdt_device *d = &cfg->devices[i];

		*d = (struct ll_fdt_device){.base = r->base,
		                            .size = r->size,
		                            .spi = r->line,
		                            .trigger = LL_FDT_IRQ_LEVEL_HIGH};
		switch (r->kind) {
		case VMM_DEVICE_UART:
			d->kind = LL_FDT_NS16550A;
			d->clock_hz = VMM_A64_UART_CLOCK;
			d->is_stdout = !have_stdout;
			have_stdout = true;
			break;
		case VMM_DEVICE_RTC:
			d->kind = LL_FDT_PL031;
			d->clock_hz = VMM_A64_APB_CLOCK;
			break;
		case VMM_DEVICE_VIRTIO:
			d->kind = LL_FDT_VIRTIO_MMIO;
			/* vmm_arch_desc.virtio_irq_edge: an edge per notification. */
			d->trigger = LL_FDT_IRQ_EDGE_RISING;
			break;
		case VMM_DEVICE_GPIO:
			d->kind = LL_FDT_PL061;
			d->clock_hz = VMM_A64_APB_CLOCK;
			/* The keys the control socket presses (api.h): power off, wake up. */
			cfg->gpio_keys[0] =
			    (struct ll_fdt_gpio_key){.name = "power",
			                             .pin = VMM_A64_KEY_POWER_PIN,
			                             .code = VMM_A64_KEY_POWER_CODE};
			cfg->gpio_keys[1] = (struct ll_fdt_gpio_key){.name = "wakeup",
			                                             .pin = VMM_A64_KEY_WAKE_PIN,
			                                             .code = VMM_A64_KEY_WAKE_CODE,
			                                             .wakeup_source = true};
			cfg->num_gpio_keys = 2;
			break;
		default:
			return -EINVAL;
		}
	}
	cfg->num_devices = rec->num_devices;
	return 0;
}
