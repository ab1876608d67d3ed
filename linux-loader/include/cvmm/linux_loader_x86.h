/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x86_64 Linux boot data: the e820 memory map and the zero page (struct boot_params of
 * Documentation/x86/zero-page.rst and boot.rst) for the 64-bit boot protocol. Pure code on a
 * 4 KiB buffer; thread-safe for distinct buffers.
 */
#ifndef CVMM_LINUX_LOADER_X86_H
#define CVMM_LINUX_LOADER_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LL_ZERO_PAGE_SIZE 4096u
#define LL_E820_MAX 128u
#define LL_E820_RAM 1u
#define LL_E820_RESERVED 2u

/* Offsets in struct boot_params that vmm-ref writes (and its tests read). */
#define LL_BP_ACPI_RSDP_ADDR 0x070
#define LL_BP_EXT_RAMDISK_IMAGE 0x0c0
#define LL_BP_EXT_RAMDISK_SIZE 0x0c4
#define LL_BP_EXT_CMD_LINE_PTR 0x0c8
#define LL_BP_E820_ENTRIES 0x1e8
#define LL_BP_HDR 0x1f1
#define LL_BP_BOOT_FLAG 0x1fe
#define LL_BP_HEADER 0x202
#define LL_BP_VERSION 0x206
#define LL_BP_TYPE_OF_LOADER 0x210
#define LL_BP_LOADFLAGS 0x211
#define LL_BP_RAMDISK_IMAGE 0x218
#define LL_BP_RAMDISK_SIZE 0x21c
#define LL_BP_CMD_LINE_PTR 0x228
#define LL_BP_KERNEL_ALIGNMENT 0x230
#define LL_BP_CMDLINE_SIZE 0x238
#define LL_BP_E820_TABLE 0x2d0
#define LL_BP_E820_ENTRY_SIZE 20
/* The setup header is copied from the image up to this offset at most. */
#define LL_BP_HDR_END 0x290

struct ll_e820_entry {
	uint64_t addr, size;
	uint32_t type;
};

/* The PC's fixed low memory: RAM below the EBDA, and high RAM from 1 MiB. */
#define LL_X86_EBDA_START 0x9fc00ull
#define LL_X86_HIGH_RAM 0x100000ull

/*
 * The map of a PC guest with mem_size bytes of RAM and an MMIO gap [gap_start, gap_end):
 * low RAM below the EBDA, RAM from 1 MiB up to the gap, the rest from gap_end.
 * Writes at most max entries. Returns the count, -EINVAL (mem_size not above 1 MiB, gap_start
 * not above 1 MiB, gap_end below gap_start, or the end would overflow), -ENOSPC (max too
 * small).
 */
int ll_x86_e820_build(uint64_t mem_size, uint64_t gap_start, uint64_t gap_end,
                      struct ll_e820_entry *e, size_t max);

struct ll_zero_page_params {
	/* The setup header as the image has it (file bytes from 0x1f1 to its end), or NULL for
	 * an ELF kernel, which then gets a minimal one. */
	const uint8_t *setup_header;
	size_t setup_header_len;
	uint64_t cmdline_addr;
	uint32_t cmdline_len;              /* without the NUL */
	uint64_t initrd_addr, initrd_size; /* size 0: none */
	const struct ll_e820_entry *e820;
	size_t e820_count;
	uint64_t acpi_rsdp_addr; /* 0: none (boot protocol 2.14 reads it) */
};

/*
 * Fills zp (LL_ZERO_PAGE_SIZE bytes) for the 64-bit boot protocol: zeroes it, copies the
 * setup header, sets type_of_loader 0xff, the command line pointer, the initrd and the e820
 * map (high halves in the ext_ fields). Returns 0, -EINVAL (too many e820 entries, header
 * longer than its place, an address the fields cannot hold), -E2BIG (the command line is
 * longer than the kernel's cmdline_size).
 */
int ll_x86_zero_page_build(uint8_t *zp, const struct ll_zero_page_params *p);

/* The longest command line, without its NUL, that Linux takes when the boot protocol
 * states no limit: COMMAND_LINE_SIZE (2048 on x86) bytes with the NUL. */
#define LL_X86_CMDLINE_DEFAULT_MAX 2047u

struct ll_bzimage_info;

/*
 * The longest command line, without its NUL, that an x86 kernel takes: a bzImage's own
 * cmdline_size (bz, as ll_bzimage_parse() or ll_bzimage_load() filled it), or
 * LL_X86_CMDLINE_DEFAULT_MAX for an ELF vmlinux (bz NULL), whichever way it is entered
 * (PVH or the 64-bit entry). A longer command line would be cut short by the kernel:
 * check it before writing it to guest RAM.
 */
uint32_t ll_x86_cmdline_max(const struct ll_bzimage_info *bz);

/*
 * Chooses where an x86 initrd goes: as high as possible below min(ram_end, initrd_addr_max
 * + 1), 4 KiB aligned, above kernel_end. Returns 0, -ENOSPC.
 */
int ll_x86_place_initrd(uint64_t ram_end, uint64_t kernel_end, uint64_t initrd_size,
                        uint32_t initrd_addr_max, uint64_t *initrd_addr);

/* ---- The 64-bit boot state (boot.rst, "64-bit Boot Protocol") ---- */

#define LL_X86_GDT_ENTRIES 4u
#define LL_X86_BOOT_CS 0x10u /* __BOOT_CS: flat 64-bit code, execute/read */
#define LL_X86_BOOT_DS 0x18u /* __BOOT_DS: flat data, read/write */

/* Fills gdt with null, null, __BOOT_CS and __BOOT_DS descriptors (flat 4 GiB). */
void ll_x86_gdt_build(uint64_t gdt[LL_X86_GDT_ENTRIES]);

#define LL_X86_PAGE_TABLES_SIZE (6u * 4096u)

/*
 * Writes 4-level page tables identity-mapping the first 4 GiB with 2 MiB pages into buf
 * (LL_X86_PAGE_TABLES_SIZE bytes), which the guest sees at gpa: PML4 at gpa, PDPT at
 * gpa + 4 KiB, four page directories after it. The kernel, the zero page, the command line
 * and the initrd all lie in that range. Returns 0, -EINVAL (NULL buf, size too small, gpa
 * not 4 KiB aligned or the tables not below 4 GiB).
 */
int ll_x86_page_tables_build(uint8_t *buf, size_t size, uint64_t gpa);

/* ---- ACPI: just enough for power-off and reset ---- */

/* A memory-mapped device the DSDT describes: its window below 4 GiB and its ISA IRQ. */
struct ll_x86_acpi_mmio {
	uint32_t base, size;
	uint8_t irq; /* below 16 */
};
#define LL_X86_ACPI_MAX_VIRTIO 32u

struct ll_x86_acpi_params {
	uint16_t pm1_evt_port; /* PM1a event block: status, enable (2 bytes each) */
	uint16_t pm1_cnt_port; /* PM1a control block (2 bytes) */
	uint16_t sci_irq;
	uint16_t reset_port; /* the FADT reset register (system IO, 1 byte) */
	uint8_t reset_value;
	uint32_t cpus;       /* MADT: local APICs 0..cpus-1 (1 to 255) */
	uint16_t level_irqs; /* MADT: ISA IRQs (bit n: IRQ n) that are level, active high */
	/* DSDT: the virtio-mmio devices (their IRQs are made level, active high, too). */
	const struct ll_x86_acpi_mmio *virtio;
	uint32_t virtio_count; /* at most LL_X86_ACPI_MAX_VIRTIO */
	/* DSDT: offer suspend to RAM (\_S3) besides power-off (\_S5). */
	bool s3;
};

#define LL_X86_LAPIC_ADDR 0xfee00000u
#define LL_X86_IOAPIC_ADDR 0xfec00000u

/* The \_S5 sleep type the DSDT names: a PM1 control write of SLP_EN with this SLP_TYP
   powers the machine off. */
#define LL_X86_ACPI_S5_TYP 5u
/* The \_S3 sleep type (when params.s3): a PM1 control write of SLP_EN with this SLP_TYP
   asks for suspend to RAM. */
#define LL_X86_ACPI_S3_TYP 1u

/* Where the FACS is among the tables (bytes from their gpa), and its waking vectors
   (ACPI 6.4, 5.2.10): the OS writes, before it enters S3, the real-mode address the
   firmware resumes the boot CPU at (Firmware_Waking_Vector, 32-bit: CS = vector >> 4,
   IP = vector & 0xf) or, on a FACS of version 1 or later, the 64-bit
   X_Firmware_Waking_Vector, which wins when it is not 0 (protected mode; this FACS does
   not offer the 64BIT_WAKE_SUPPORTED_F flag, so never long mode). */
#define LL_X86_ACPI_FACS_OFFSET 0x1c0u
#define LL_X86_FACS_WAKING_VECTOR 12u
#define LL_X86_FACS_X_WAKING_VECTOR 24u

/*
 * Writes ACPI tables into buf (size bytes), which the guest sees at gpa (16-byte aligned,
 * below 4 GiB): the RSDP (revision 2) at gpa, an XSDT, a FADT (revision 6, not
 * hardware-reduced: PM1a event and control blocks in IO space, SMI_CMD 0 so the machine is
 * always in ACPI mode, the reset register, an 8042 present), a FACS (at
 * LL_X86_ACPI_FACS_OFFSET, waking vectors 0), a DSDT with \_S5 (and \_S3 with p->s3) and
 * one LNRO0005 device per virtio-mmio slot (its MMIO window and level interrupt; Linux
 * finds virtio-mmio devices on x86 only this way or on its command line, which Debian's
 * kernel does not enable), and a MADT: one local APIC per CPU, the IOAPIC (GSI 0-23, ISA IRQs
 * identity-mapped) and interrupt source overrides that make the SCI and level_irqs level
 * triggered, active high (KVM_IRQ_LINE's level 1 is then "asserted"). Every table
 * carries its checksum. Returns the bytes used, -EINVAL (NULL
 * argument, gpa unaligned or too high, cpus or virtio_count out of range), -ENOSPC (size too
 * small).
 */
int ll_x86_acpi_build(uint8_t *buf, size_t size, uint64_t gpa, const struct ll_x86_acpi_params *p);

#endif
