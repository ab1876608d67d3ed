// SPDX-License-Identifier: Apache-2.0
/* vmm-ref's arm64 layout as a device tree description. */
#include "fdt_aarch64.h"

#include "layout_aarch64.h"

#include <errno.h>
#include <string.h>

#define GICV2_MAX_CPUS 8u

static struct ll_fdt_device mmio(enum ll_fdt_device_kind kind, uint64_t base, uint64_t size,
                                 uint32_t spi)
{
	return (struct ll_fdt_device){
	    .kind = kind, .base = base, .size = size, .spi = spi, .trigger = LL_FDT_IRQ_LEVEL_HIGH};
}

int vmm_fdt_aarch64_defaults(struct ll_fdt_arm64 *cfg, uint32_t num_cpus, uint64_t ram_size,
                             uint32_t gic_version, uint32_t num_virtio)
{
	if (!cfg || num_cpus == 0 || num_cpus > LL_FDT_MAX_CPUS ||
	    (gic_version != 2 && gic_version != 3) ||
	    (gic_version == 2 && num_cpus > GICV2_MAX_CPUS) || num_virtio > VMM_A64_VIRTIO_SLOTS ||
	    VMM_FDT_DEV_VIRTIO + num_virtio > LL_FDT_MAX_DEVICES)
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	cfg->model = "cvmm vmm-ref";
	cfg->num_cpus = num_cpus;
	for (uint32_t i = 0; i < num_cpus; i++)
		cfg->mpidr[i] = ll_fdt_arm64_default_mpidr(i);
	cfg->ram_base = VMM_A64_RAM_BASE;
	cfg->ram_size = ram_size;
	cfg->gic_version = gic_version;
	cfg->gicd_base = VMM_A64_GICD_BASE;
	cfg->gicd_size = VMM_A64_GICD_SIZE;
	if (gic_version == 2) {
		cfg->gicc_or_gicr_base = VMM_A64_GICC_BASE;
		cfg->gicc_or_gicr_size = VMM_A64_GICC_SIZE;
	} else {
		cfg->gicc_or_gicr_base = VMM_A64_GICR_BASE;
		cfg->gicc_or_gicr_size = VMM_A64_GICR_STRIDE * num_cpus;
	}
	cfg->devices[VMM_FDT_DEV_UART] =
	    mmio(LL_FDT_NS16550A, VMM_A64_UART_BASE, VMM_A64_UART_SIZE, VMM_A64_UART_SPI);
	cfg->devices[VMM_FDT_DEV_UART].clock_hz = VMM_A64_UART_CLOCK;
	cfg->devices[VMM_FDT_DEV_UART].is_stdout = true;
	cfg->devices[VMM_FDT_DEV_RTC] =
	    mmio(LL_FDT_PL031, VMM_A64_RTC_BASE, VMM_A64_RTC_SIZE, VMM_A64_RTC_SPI);
	cfg->devices[VMM_FDT_DEV_RTC].clock_hz = VMM_A64_APB_CLOCK;
	for (uint32_t i = 0; i < num_virtio; i++)
		cfg->devices[VMM_FDT_DEV_VIRTIO + i] =
		    mmio(LL_FDT_VIRTIO_MMIO, VMM_A64_VIRTIO_BASE + i * VMM_A64_VIRTIO_SIZE,
		         VMM_A64_VIRTIO_SIZE, VMM_A64_VIRTIO_SPI_BASE + i);
	cfg->num_devices = VMM_FDT_DEV_VIRTIO + num_virtio;
	return 0;
}
