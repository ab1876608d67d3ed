/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PVH boot protocol of x86 (Xen's docs/misc/pvh.pandoc; Linux's arch/x86/platform/pvh
 * implements the guest side): a kernel whose ELF notes carry XEN_ELFNOTE_PHYS32_ENTRY is
 * started at that 32-bit entry in flat protected mode, paging off, with EBX holding the
 * guest physical address of a struct hvm_start_info. That structure (version 1) points at
 * the command line, a module list (the first module is the initrd), the ACPI RSDP and an
 * E820-typed memory map.
 *
 * The start-info builder and the GDT are pure code on caller buffers (thread-safe for
 * distinct buffers, built for every host). The vCPU's entry state is the vcpu library's
 * (VCPU_X86_PROTECTED_32 with this GDT, its selectors and TSS, and RBX).
 */
#ifndef CVMM_LINUX_LOADER_PVH_H
#define CVMM_LINUX_LOADER_PVH_H

#include <cvmm/linux_loader_x86.h>

#include <stddef.h>
#include <stdint.h>

#define LL_PVH_MAGIC 0x336ec578u /* "xEn3" with the 0x80 bit of the 'E' set */
#define LL_PVH_VERSION 1u        /* version 1 added the memory map */

/* struct hvm_start_info: field offsets and size (little-endian, packed as laid out). */
#define LL_PVH_SI_MAGIC 0
#define LL_PVH_SI_VERSION 4
#define LL_PVH_SI_FLAGS 8
#define LL_PVH_SI_NR_MODULES 12
#define LL_PVH_SI_MODLIST 16
#define LL_PVH_SI_CMDLINE 24
#define LL_PVH_SI_RSDP 32
#define LL_PVH_SI_MEMMAP 40
#define LL_PVH_SI_MEMMAP_ENTRIES 48
#define LL_PVH_START_INFO_SIZE 56u
/* struct hvm_modlist_entry: paddr, size, cmdline_paddr, reserved (8 bytes each). */
#define LL_PVH_MODLIST_ENTRY_SIZE 32u
/* struct hvm_memmap_table_entry: addr, size (8 bytes each), type, reserved (4 each). */
#define LL_PVH_MEMMAP_ENTRY_SIZE 24u

/* Where ll_x86_pvh_info_build() puts each part, from the start of its buffer. */
#define LL_PVH_OFF_MODLIST 0x40u
#define LL_PVH_OFF_MEMMAP 0x80u

/* Linux copies at most COMMAND_LINE_SIZE (2048 on x86) bytes, the NUL included. */
#define LL_PVH_CMDLINE_MAX 2047u

struct ll_pvh_params {
	/* The boot data, the command line and the initrd must lie below this address (the
	   end of the RAM that starts at 0), and below 4 GiB: Linux keeps their addresses
	   in 32-bit fields. */
	uint64_t ram_end;
	uint64_t cmdline_addr;              /* 0: no command line */
	uint32_t cmdline_len;               /* without the NUL */
	uint64_t initrd_addr, initrd_size;  /* size 0: no initrd (no module) */
	const struct ll_e820_entry *memmap; /* E820 types, as the e820 builder makes them */
	size_t memmap_count;
	uint64_t rsdp_addr; /* 0: no ACPI */
};

/* Bytes ll_x86_pvh_info_build() needs for memmap_count memory map entries. */
static inline size_t ll_x86_pvh_info_size(size_t memmap_count)
{
	return LL_PVH_OFF_MEMMAP + memmap_count * LL_PVH_MEMMAP_ENTRY_SIZE;
}

/*
 * Writes the PVH start info (version 1), its module list (the initrd, when there is one)
 * and the memory map into buf, which the guest sees at gpa. Absent parts get address 0.
 * Returns the bytes used (ll_x86_pvh_info_size()), or:
 *   -EINVAL  NULL buf or p, memmap NULL with a count, more than LL_E820_MAX entries
 *            (Linux copies the map into its zero page's table), gpa 0 or not 8-byte aligned, the
 *            buffer, the command line or the initrd not inside [0, min(ram_end, 4 GiB)),
 *            overlapping one another, or a memory map entry that is empty or wraps
 *   -E2BIG   the command line is longer than LL_PVH_CMDLINE_MAX
 *   -ENOSPC  size is too small for the memory map
 */
int ll_x86_pvh_info_build(uint8_t *buf, size_t size, uint64_t gpa, const struct ll_pvh_params *p);

/* The PVH GDT's selectors: flat 32-bit code and data, and the TSS the protocol asks for. */
#define LL_X86_PVH_GDT_ENTRIES 4u
#define LL_X86_PVH_CS 0x08u
#define LL_X86_PVH_DS 0x10u
#define LL_X86_PVH_TSS 0x18u

/* Fills gdt with null, 32-bit code, data (base 0, limit 4 GiB) and a busy 32-bit TSS
   (base 0, limit 0x67): the descriptors behind the segment state of the PVH entry. */
void ll_x86_pvh_gdt_build(uint64_t gdt[LL_X86_PVH_GDT_ENTRIES]);

#endif
