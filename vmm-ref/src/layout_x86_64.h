/*
 * vmm-ref's x86_64 guest physical memory map.
 *
 *   0x0000_7000  zero page (struct boot_params, 4 KiB)
 *   0x0000_9000  boot page tables
 *   0x0002_0000  kernel command line
 *   0x0009_fc00  end of low RAM (EBDA and legacy holes above, left out of the e820 map)
 *   0x0010_0000  high RAM; a bzImage goes to its pref_address (16 MiB for Debian's)
 *   0xc000_0000  MMIO gap up to 4 GiB; RAM beyond 3 GiB continues at 4 GiB
 */
#ifndef VMM_LAYOUT_X86_64_H
#define VMM_LAYOUT_X86_64_H

#define VMM_X86_ZERO_PAGE 0x7000ull
#define VMM_X86_PAGE_TABLES 0x9000ull
#define VMM_X86_CMDLINE 0x20000ull
#define VMM_X86_CMDLINE_MAX 0x1000ull
#define VMM_X86_EBDA_START 0x9fc00ull
#define VMM_X86_HIGH_RAM 0x100000ull
#define VMM_X86_MMIO_GAP_START 0xc0000000ull
#define VMM_X86_MMIO_GAP_END 0x100000000ull

#define VMM_X86_COM1_PORT 0x3f8u
#define VMM_X86_COM1_IRQ 4u

#endif
