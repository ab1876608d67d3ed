/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmm-ref's x86_64 guest physical memory map, port map and interrupt lines.
 *
 *   0x0000_0500  boot GDT (null, null, __BOOT_CS 0x10, __BOOT_DS 0x18)
 *   0x0000_0520  PVH GDT (null, 32-bit code 0x08, data 0x10, TSS 0x18)
 *   0x0000_6000  PVH start info, module list and memory map (PVH boot only, 4 KiB)
 *   0x0000_7000  zero page (struct boot_params, 4 KiB; 64-bit boot protocol only)
 *   0x0000_9000  boot page tables (PML4, PDPT, 4 PDs: the first 4 GiB identity-mapped)
 *   0x0002_0000  kernel command line
 *   0x0009_fc00  end of low RAM (EBDA and legacy holes above, left out of the e820 map)
 *   0x000e_0000  ACPI tables (RSDP first, where Linux also scans for it)
 *   0x0010_0000  high RAM; a bzImage goes to its pref_address (16 MiB for Debian's)
 *   0xc000_0000  MMIO gap up to 4 GiB; RAM beyond 3 GiB continues at 4 GiB
 *   0xd000_0000  virtio-mmio slots, 0x200 bytes each
 *
 * Ports: 0x3f8 COM1 (IRQ 4), 0x60/0x64 i8042, 0x70/0x71 CMOS, 0x600..0x605 the ACPI PM1
 * event and control blocks (SCI on IRQ 9). The PIT, PIC and their ports are KVM's.
 *
 * Interrupt lines (struct vmm_arch_desc) are ISA IRQ numbers below 16; virtio-mmio slot i
 * is line VMM_X86_VIRTIO_LINE + i, which drives the IRQ vmm_x86_virtio_irq(i) (the legacy
 * PIC has few free lines, so slots beyond the seventh share one).
 */
#ifndef VMM_LAYOUT_X86_64_H
#define VMM_LAYOUT_X86_64_H

#include <stdint.h>

#define VMM_X86_GDT 0x500ull
#define VMM_X86_PVH_GDT 0x520ull
#define VMM_X86_PVH_INFO 0x6000ull
#define VMM_X86_PVH_INFO_MAX 0x1000ull
#define VMM_X86_ZERO_PAGE 0x7000ull
#define VMM_X86_PAGE_TABLES 0x9000ull
#define VMM_X86_CMDLINE 0x20000ull
#define VMM_X86_CMDLINE_MAX 0x1000ull
#define VMM_X86_EBDA_START 0x9fc00ull
#define VMM_X86_ACPI 0xe0000ull
#define VMM_X86_ACPI_MAX 0x1000ull
#define VMM_X86_HIGH_RAM 0x100000ull
#define VMM_X86_MMIO_GAP_START 0xc0000000ull
#define VMM_X86_MMIO_GAP_END 0x100000000ull

#define VMM_X86_COM1_PORT 0x3f8u
#define VMM_X86_COM1_IRQ 4u
#define VMM_X86_CMOS_PORT 0x70u
#define VMM_X86_PM1_EVT_PORT 0x600u /* PM1a status (2 bytes) then enable (2 bytes) */
#define VMM_X86_PM1_CNT_PORT 0x604u /* PM1a control (2 bytes) */
#define VMM_X86_SCI_IRQ 9u
#define VMM_X86_RESET_PORT 0x64u /* the ACPI reset register: the i8042's command port */
#define VMM_X86_RESET_VALUE 0xfeu

#define VMM_X86_VIRTIO_BASE 0xd0000000ull
#define VMM_X86_VIRTIO_STRIDE 0x200ull
#define VMM_X86_VIRTIO_SLOTS 13u /* VMM_VIRTIO_SLOTS_MAX: 8 disks, 4 network devices, rng */
#define VMM_X86_VIRTIO_LINE 16u

/* The ISA IRQ of virtio-mmio slot i: the PIC lines no legacy device of this machine (or
   Linux's default platform devices: RTC 8, SCI 9, PS/2 mouse 12, FPU 13) uses. */
static inline uint32_t vmm_x86_virtio_irq(uint32_t slot)
{
	static const uint8_t irqs[] = {5, 6, 7, 10, 11, 14, 15};
	return irqs[slot % (sizeof(irqs) / sizeof(irqs[0]))];
}

/* The ISA IRQ behind interrupt line `line` (struct vmm_arch_desc): a line below
   VMM_X86_VIRTIO_LINE is its IRQ, virtio slot i's line drives vmm_x86_virtio_irq(i). */
static inline uint32_t vmm_x86_line_irq(uint32_t line)
{
	return line < VMM_X86_VIRTIO_LINE ? line : vmm_x86_virtio_irq(line - VMM_X86_VIRTIO_LINE);
}

#endif
