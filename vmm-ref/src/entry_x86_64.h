/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vCPU configurations of vmm-ref's two x86_64 entries, on its layout
 * (layout_x86_64.h): the 64-bit boot protocol (boot.rst, "64-bit Boot Protocol") and the
 * PVH entry (xen/arch-x86/hvm/start_info.h). The machine creates its vCPUs with them, and
 * the tests check on real KVM that a guest entered so sees the state its protocol
 * promises.
 */
#ifndef VMM_REF_ENTRY_X86_64_H
#define VMM_REF_ENTRY_X86_64_H

#include "layout_x86_64.h"
#include <cvmm/linux_loader_pvh.h>
#include <cvmm/linux_loader_x86.h>
#include <cvmm/vcpu.h>

/* 64-bit mode at entry on the boot GDT and the identity page tables, %rsi = the zero page. */
static inline struct vcpu_config vmm_x86_long_entry_config(unsigned id, uint64_t entry,
                                                           uint64_t zero_page)
{
	return (struct vcpu_config){
	    .id = id,
	    .entry = entry,
	    .args = {0, zero_page},
	    .mode = VCPU_X86_LONG,
	    .cr3 = VMM_X86_PAGE_TABLES,
	    .gdt_base = VMM_X86_GDT,
	    .gdt_limit = LL_X86_GDT_ENTRIES * 8 - 1,
	    .code_selector = LL_X86_BOOT_CS,
	    .data_selector = LL_X86_BOOT_DS,
	};
}

/* 32-bit protected mode, paging off, at entry on the PVH GDT, %ebx = the start info. */
static inline struct vcpu_config vmm_x86_pvh_entry_config(unsigned id, uint32_t entry,
                                                          uint64_t start_info)
{
	return (struct vcpu_config){
	    .id = id,
	    .entry = entry,
	    .mode = VCPU_X86_PROTECTED_32,
	    .gdt_base = VMM_X86_PVH_GDT,
	    .gdt_limit = LL_X86_PVH_GDT_ENTRIES * 8 - 1,
	    .code_selector = LL_X86_PVH_CS,
	    .data_selector = LL_X86_PVH_DS,
	    .tss_selector = LL_X86_PVH_TSS,
	    .rbx = start_info,
	};
}

#endif
