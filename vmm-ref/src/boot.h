/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Putting a kernel, its initrd and its boot data into guest RAM for the host's own
 * architecture (boot_aarch64.c or boot_x86_64.c, picked by CMake). Not thread-safe.
 */
#ifndef VMM_BOOT_H
#define VMM_BOOT_H

#include <cvmm/linux_loader_ram.h>
#include <cvmm/linux_loader_file.h>
#include <cvmm/linux_loader.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmm_boot_request {
	const struct ll_guest_ram *ram; /* the range vmm_boot_ram_range() gave */
	uint64_t mem_bytes;              /* all guest RAM, for the memory map */
	const struct ll_file_buf *kernel;
	const struct ll_file_buf *initrd; /* NULL or size 0: none */
	const char *cmdline;
	uint32_t vcpus;
	uint32_t gic_version; /* arm64: 2 or 3 */
	uint32_t num_virtio;  /* virtio-mmio slots 0..num_virtio-1 in use (arm64: FDT nodes) */
};

struct vmm_boot_info {
	const char *format;            /* "arm64 Image", "bzImage", "ELF vmlinux" */
	struct ll_kernel_load kernel; /* kernel.entry: where the boot vCPU starts */
	uint64_t initrd_addr, initrd_size;
	/* arm64: the FDT; x86_64: the zero page, or the PVH start info when has_pvh */
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

/*
 * Recognises and loads the kernel, places the initrd and writes the boot data (x86_64: a
 * bzImage or an ELF without the PVH note gets the zero page of the 64-bit boot protocol,
 * an ELF with it the PVH start info).
 * Returns 0, or a negative errno with one line in err naming what is wrong: the loaders'
 * errors (cvmm/linux_loader.h), -E2BIG (command line too long for this kernel), -ENOSPC.
 */
int vmm_boot_prepare(const struct vmm_boot_request *req, struct vmm_boot_info *out, char *err,
                     size_t err_size);

#endif
