/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmm-ref's arm64 machine (layout_aarch64.h) as a device tree description for
 * cvmm/linux_loader_fdt.h. Pure; built for every host so it is tested everywhere.
 */
#ifndef VMM_FDT_AARCH64_H
#define VMM_FDT_AARCH64_H

#include <cvmm/linux_loader_fdt.h>

#include <stdint.h>

/* Index of each fixed device in the description's device list; virtio slot i follows at
   VMM_FDT_DEV_VIRTIO + i. */
enum { VMM_FDT_DEV_UART, VMM_FDT_DEV_RTC, VMM_FDT_DEV_VIRTIO };

/*
 * Fills cfg with vmm-ref's machine: num_cpus vCPUs with KVM's default MPIDRs, RAM at
 * VMM_A64_RAM_BASE of ram_size bytes, the given GIC version, the UART (as stdout), the RTC
 * and virtio-mmio slots 0..num_virtio-1; no bootargs, no initrd.
 * Returns 0, or -EINVAL (num_cpus 0 or above LL_FDT_MAX_CPUS, GIC not 2 or 3, more than 8
 * CPUs on GICv2, more virtio devices than slots).
 */
int vmm_fdt_aarch64_defaults(struct ll_fdt_arm64 *cfg, uint32_t num_cpus, uint64_t ram_size,
                             uint32_t gic_version, uint32_t num_virtio);

#endif
