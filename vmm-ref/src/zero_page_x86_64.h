/*
 * The x86_64 Linux boot data: the e820 memory map and the zero page (struct boot_params of
 * Documentation/x86/zero-page.rst and boot.rst) for the 64-bit boot protocol. Pure code on a
 * 4 KiB buffer; thread-safe for distinct buffers.
 */
#ifndef VMM_ZERO_PAGE_X86_64_H
#define VMM_ZERO_PAGE_X86_64_H

#include <stddef.h>
#include <stdint.h>

#define VMM_ZERO_PAGE_SIZE 4096u
#define VMM_E820_MAX 128u
#define VMM_E820_RAM 1u
#define VMM_E820_RESERVED 2u

/* Offsets in struct boot_params that vmm-ref writes (and its tests read). */
#define VMM_BP_EXT_RAMDISK_IMAGE 0x0c0
#define VMM_BP_EXT_RAMDISK_SIZE 0x0c4
#define VMM_BP_EXT_CMD_LINE_PTR 0x0c8
#define VMM_BP_E820_ENTRIES 0x1e8
#define VMM_BP_HDR 0x1f1
#define VMM_BP_BOOT_FLAG 0x1fe
#define VMM_BP_HEADER 0x202
#define VMM_BP_VERSION 0x206
#define VMM_BP_TYPE_OF_LOADER 0x210
#define VMM_BP_LOADFLAGS 0x211
#define VMM_BP_RAMDISK_IMAGE 0x218
#define VMM_BP_RAMDISK_SIZE 0x21c
#define VMM_BP_CMD_LINE_PTR 0x228
#define VMM_BP_KERNEL_ALIGNMENT 0x230
#define VMM_BP_CMDLINE_SIZE 0x238
#define VMM_BP_E820_TABLE 0x2d0
#define VMM_BP_E820_ENTRY_SIZE 20
/* The setup header is copied from the image up to this offset at most. */
#define VMM_BP_HDR_END 0x290

struct vmm_e820_entry {
	uint64_t addr, size;
	uint32_t type;
};

/*
 * The map of a guest with mem_size bytes of RAM laid out as layout_x86_64.h says: low RAM
 * below the EBDA, RAM from 1 MiB up to the 3 GiB MMIO gap, the rest from 4 GiB.
 * Writes at most max entries. Returns the count, -EINVAL (mem_size not above 1 MiB or the
 * end would overflow), -ENOSPC (max too small).
 */
int vmm_x86_e820_build(uint64_t mem_size, struct vmm_e820_entry *e, size_t max);

struct vmm_zero_page_params {
	/* The setup header as the image has it (file bytes from 0x1f1 to its end), or NULL for
	 * an ELF kernel, which then gets a minimal one. */
	const uint8_t *setup_header;
	size_t setup_header_len;
	uint64_t cmdline_addr;
	uint32_t cmdline_len;              /* without the NUL */
	uint64_t initrd_addr, initrd_size; /* size 0: none */
	const struct vmm_e820_entry *e820;
	size_t e820_count;
};

/*
 * Fills zp (VMM_ZERO_PAGE_SIZE bytes) for the 64-bit boot protocol: zeroes it, copies the
 * setup header, sets type_of_loader 0xff, the command line pointer, the initrd and the e820
 * map (high halves in the ext_ fields). Returns 0, -EINVAL (too many e820 entries, header
 * longer than its place, an address the fields cannot hold), -E2BIG (the command line is
 * longer than the kernel's cmdline_size).
 */
int vmm_x86_zero_page_build(uint8_t *zp, const struct vmm_zero_page_params *p);

/*
 * Chooses where an x86 initrd goes: as high as possible below min(ram_end, initrd_addr_max
 * + 1), 4 KiB aligned, above kernel_end. Returns 0, -ENOSPC.
 */
int vmm_x86_place_initrd(uint64_t ram_end, uint64_t kernel_end, uint64_t initrd_size,
                         uint32_t initrd_addr_max, uint64_t *initrd_addr);

#endif
