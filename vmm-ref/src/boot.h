/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Putting a kernel, its initrd and its boot data into guest RAM for the host's own
 * architecture (boot_aarch64.c or boot_x86_64.c, picked by CMake), in two steps:
 * vmm_boot_prepare() before KVM is touched (every input checked, the kernel and initrd
 * loaded, room for the boot data reserved), then vmm_boot_describe() once the machine
 * exists, from the record of what it has (the vCPUs as KVM made them, the interrupt
 * controller, each device as it was created): the arm64 device tree, the x86 ACPI tables.
 * Not thread-safe.
 */
#ifndef VMM_BOOT_H
#define VMM_BOOT_H

#include <cvmm/linux_loader.h>
#include <cvmm/linux_loader_file.h>
#include <cvmm/linux_loader_ram.h>

#include "cli.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmm_boot_request {
	const struct ll_guest_ram *ram; /* the range vmm_boot_ram_range() gave */
	uint64_t mem_bytes;             /* all guest RAM, for the memory map */
	/* The inputs, open: read straight into guest RAM where the format allows it (the
	   arm64 Image, every initrd), so that their bytes are copied once. */
	const struct ll_file *kernel;
	const struct ll_file *initrd; /* NULL or size 0: none */
	const char *cmdline;
	uint32_t vcpus;
};

struct vmm_boot_info {
	const char *format;           /* "arm64 Image", "bzImage", "ELF vmlinux" */
	struct ll_kernel_load kernel; /* kernel.entry: where the boot vCPU starts */
	uint64_t initrd_addr, initrd_size;
	/* arm64: the FDT (size: the room reserved, then the tree's own once described);
	   x86_64: the zero page, or the PVH start info when has_pvh */
	uint64_t boot_data_addr, boot_data_size;
	uint64_t cmdline_addr; /* x86_64 */
	/* x86_64: an ELF with the PVH note, booted through it: the vCPU starts in 32-bit
	   protected mode at kernel.entry (= pvh_entry) with EBX = boot_data_addr. */
	bool has_pvh;
	uint32_t pvh_entry;
};

/*
 * The part of guest RAM the kernel and boot data go into, for mem_bytes of RAM: on arm64 all
 * of it from 2 GiB; on x86_64 the RAM below the 3 GiB MMIO gap. Returns 0 or -EINVAL.
 */
int vmm_boot_ram_range(uint64_t mem_bytes, uint64_t *base, uint64_t *size);

struct vmm_ram_region {
	uint64_t gpa, size;
};
#define VMM_RAM_REGIONS_MAX 2

/*
 * All guest RAM regions for mem_bytes, in ascending order; the first is the range of
 * vmm_boot_ram_range(). Returns their count, or -EINVAL as vmm_boot_ram_range() does.
 */
int vmm_boot_ram_regions(uint64_t mem_bytes, struct vmm_ram_region out[VMM_RAM_REGIONS_MAX]);

/* One device of the machine, recorded as vmm-ref creates it. */
enum vmm_device_kind {
	VMM_DEVICE_UART,   /* the 16550 (arm64 MMIO; x86 COM1, described by the PC's ports) */
	VMM_DEVICE_RTC,    /* arm64 PL031; x86 CMOS (legacy ports, not in the tables) */
	VMM_DEVICE_VIRTIO, /* a virtio-mmio transport */
	VMM_DEVICE_GPIO,   /* arm64 PL061 with the power and wake-up keys on its pins */
};
struct vmm_device_record {
	enum vmm_device_kind kind;
	uint64_t base, size; /* bus address and length */
	uint32_t line;       /* vmm-ref's interrupt line (machine.h: vmm_arch_set_irq()) */
};
#define VMM_DEVICES_MAX 16u

/* The machine as it was made: what the device tree or the ACPI tables describe. */
struct vmm_machine_record {
	uint32_t vcpus;
	bool sleep_to_ram;             /* x86: the ACPI tables offer S3 (--suspend honour) */
	uint64_t mpidr[VMM_VCPUS_MAX]; /* arm64: each vCPU's MPIDR_EL1 as KVM reports it */
	/* arm64: the vGIC as created: version, distributor, and the GICv2 CPU interface or
	   the GICv3 redistributors of all vCPUs */
	uint32_t gic_version;
	uint64_t gicd_base, gicd_size, gicc_or_gicr_base, gicc_or_gicr_size;
	uint32_t num_devices;
	struct vmm_device_record devices[VMM_DEVICES_MAX];
};

/* Appends a device to rec. Returns 0, or -ENOSPC when VMM_DEVICES_MAX are recorded. */
int vmm_machine_record_add(struct vmm_machine_record *rec, enum vmm_device_kind kind, uint64_t base,
                           uint64_t size, uint32_t line);

/*
 * Recognises and loads the kernel, places the initrd and writes the boot data that does
 * not depend on the machine's devices (x86_64: a bzImage or an ELF without the PVH note
 * gets the zero page of the 64-bit boot protocol, an ELF with it the PVH start info, both
 * pointing at the ACPI tables vmm_boot_describe() writes; arm64: room for the FDT).
 * Returns 0, or a negative errno with one line in err naming what is wrong: the loaders'
 * errors (cvmm/linux_loader.h), -E2BIG (command line too long for this kernel), -ENOSPC.
 */
int vmm_boot_prepare(const struct vmm_boot_request *req, struct vmm_boot_info *out, char *err,
                     size_t err_size);

/*
 * Writes the description of the machine in rec into guest RAM: arm64 the device tree (at
 * info->boot_data_addr, in the room vmm_boot_prepare() reserved; info->boot_data_size
 * becomes its size), x86_64 the ACPI tables (MADT of rec->vcpus CPUs, a DSDT device per
 * recorded virtio transport). Call it after vmm_boot_prepare() with the same request, once
 * the vCPUs and the interrupt controller exist and before any vCPU runs.
 * Returns 0, or a negative errno with one line in err.
 */
int vmm_boot_describe(const struct vmm_boot_request *req, struct vmm_boot_info *info,
                      const struct vmm_machine_record *rec, char *err, size_t err_size);

#endif
