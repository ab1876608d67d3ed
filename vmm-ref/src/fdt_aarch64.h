/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device tree vmm-ref gives an arm64 Linux guest, built with libfdt's sequential-write
 * API from a plain description of the machine. Pure: no KVM, no I/O, no global state;
 * thread-safe for distinct buffers.
 */
#ifndef VMM_FDT_AARCH64_H
#define VMM_FDT_AARCH64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMM_FDT_MAX_CPUS 64u
#define VMM_FDT_MAX_VIRTIO 32u

/* phandles the tree uses; fixed so tests and later nodes can refer to them. */
#define VMM_FDT_PHANDLE_GIC 1u
#define VMM_FDT_PHANDLE_APB_CLOCK 2u

/* FDT interrupt trigger flags (the third cell's low nibble). */
#define VMM_FDT_IRQ_EDGE_RISING 1u
#define VMM_FDT_IRQ_LEVEL_HIGH 4u

struct vmm_fdt_mmio {
	uint64_t base, size;
	uint32_t spi;     /* SPI number as the FDT counts them (GIC interrupt 32 + spi) */
	uint32_t trigger; /* VMM_FDT_IRQ_* */
};

struct vmm_fdt_aarch64 {
	uint32_t num_cpus;
	uint64_t mpidr[VMM_FDT_MAX_CPUS]; /* each vCPU's MPIDR_EL1 (affinity fields used) */

	uint64_t ram_base, ram_size;

	const char *bootargs;               /* NULL: none */
	uint64_t initrd_start, initrd_size; /* size 0: no initrd */

	uint32_t gic_version; /* 2 or 3 */
	uint64_t gicd_base, gicd_size;
	/* GICv2: the CPU interface; GICv3: the redistributor region of all vCPUs. */
	uint64_t gicc_or_gicr_base, gicc_or_gicr_size;

	bool has_uart;
	struct vmm_fdt_mmio uart;
	uint32_t uart_clock; /* Hz */
	bool uart_is_stdout; /* chosen/stdout-path points at it */

	bool has_rtc;
	struct vmm_fdt_mmio rtc;
	uint32_t apb_clock; /* Hz of the fixed clock the PL031 names as apb_pclk */

	uint32_t num_virtio;
	struct vmm_fdt_mmio virtio[VMM_FDT_MAX_VIRTIO];
};

/*
 * KVM's reset value of MPIDR_EL1 for vCPU index i: Aff0 = i[3:0], Aff1 = i[11:4],
 * Aff2 = i[19:12]. The VMM should prefer the value KVM reports (KVM_GET_ONE_REG).
 */
uint64_t vmm_fdt_aarch64_default_mpidr(uint32_t index);

/*
 * Fills cfg with vmm-ref's machine (layout_aarch64.h): num_cpus vCPUs with default MPIDRs,
 * RAM at VMM_A64_RAM_BASE of ram_size bytes, the given GIC version, the UART (as stdout) and
 * the RTC, no virtio devices, no bootargs, no initrd.
 * Returns 0, or -EINVAL (num_cpus 0 or above VMM_FDT_MAX_CPUS, GIC not 2 or 3, more than 8
 * CPUs on GICv2).
 */
int vmm_fdt_aarch64_defaults(struct vmm_fdt_aarch64 *cfg, uint32_t num_cpus, uint64_t ram_size,
                             uint32_t gic_version);

/*
 * Writes the device tree described by cfg into buf (buf_size bytes) and packs it.
 * Returns the size of the finished blob, -EINVAL (cfg inconsistent: no CPUs, GIC version,
 * zero or overflowing ranges, too many devices), or -ENOSPC (buf too small).
 */
int vmm_fdt_aarch64_build(const struct vmm_fdt_aarch64 *cfg, void *buf, size_t buf_size);

#endif
