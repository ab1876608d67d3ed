/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmm-ref's arm64 machine record (boot.h) as a device tree description for
 * cvmm/linux_loader_fdt.h. Pure; built for every host so it is tested everywhere.
 */
#ifndef VMM_FDT_AARCH64_H
#define VMM_FDT_AARCH64_H

#include "boot.h"

#include <cvmm/linux_loader_fdt.h>

#include <stdint.h>

/*
 * Fills cfg from rec: its vCPUs with their MPIDRs, RAM at VMM_A64_RAM_BASE of ram_size
 * bytes, its vGIC, and its devices in the order they were recorded (the first UART is
 * stdout, with the 16550's clock; the PL031 gets its APB clock; every interrupt is a
 * level-high SPI, the record's line); no bootargs, no initrd.
 * Returns 0, or -EINVAL (no vCPUs or more than LL_FDT_MAX_CPUS, more devices than
 * LL_FDT_MAX_DEVICES, a device kind the tree does not describe).
 */
int vmm_fdt_aarch64_describe(struct ll_fdt_arm64 *cfg, const struct vmm_machine_record *rec,
                             uint64_t ram_size);

#endif
