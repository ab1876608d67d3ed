/* x86_64 e820 map and zero page for Linux's 64-bit boot protocol. */
#include "zero_page_x86_64.h"

#include "layout_x86_64.h"
#include "loader.h"

#include <errno.h>
#include <string.h>

#define TYPE_OF_LOADER_UNKNOWN 0xffu
#define BOOT_FLAG 0xaa55u
#define HDRS_MAGIC 0x53726448u
/* What Linux assumes when a boot loader gives no command line size (COMMAND_LINE_SIZE - 1). */
#define DEFAULT_CMDLINE_SIZE 2047u
#define DEFAULT_KERNEL_ALIGNMENT 0x1000000u

static int add(struct vmm_e820_entry *e, size_t max, size_t *n, uint64_t addr, uint64_t size,
               uint32_t type)
{
	if (*n == max)
		return -ENOSPC;
	e[*n] = (struct vmm_e820_entry){addr, size, type};
	(*n)++;
	return 0;
}

int vmm_x86_e820_build(uint64_t mem_size, struct vmm_e820_entry *e, size_t max)
{
	size_t n = 0;
	uint64_t low_end;
	int ret;

	if (!e || mem_size <= VMM_X86_HIGH_RAM ||
	    mem_size > UINT64_MAX - (VMM_X86_MMIO_GAP_END - VMM_X86_MMIO_GAP_START))
		return -EINVAL;
	low_end = mem_size < VMM_X86_MMIO_GAP_START ? mem_size : VMM_X86_MMIO_GAP_START;
	if ((ret = add(e, max, &n, 0, VMM_X86_EBDA_START, VMM_E820_RAM)) < 0 ||
	    (ret = add(e, max, &n, VMM_X86_HIGH_RAM, low_end - VMM_X86_HIGH_RAM, VMM_E820_RAM)) < 0)
		return ret;
	if (mem_size > VMM_X86_MMIO_GAP_START &&
	    (ret = add(e, max, &n, VMM_X86_MMIO_GAP_END, mem_size - VMM_X86_MMIO_GAP_START,
	               VMM_E820_RAM)) < 0)
		return ret;
	return (int)n;
}

int vmm_x86_zero_page_build(uint8_t *zp, const struct vmm_zero_page_params *p)
{
	uint32_t cmdline_size = DEFAULT_CMDLINE_SIZE;

	if (!zp || !p || (p->e820_count && !p->e820) || p->e820_count > VMM_E820_MAX ||
	    p->setup_header_len > VMM_BP_HDR_END - VMM_BP_HDR)
		return -EINVAL;
	/* ramdisk_size has no high half worth trusting: ext_ramdisk_size needs protocol 2.12. */
	if (p->initrd_size > UINT32_MAX)
		return -EINVAL;
	memset(zp, 0, VMM_ZERO_PAGE_SIZE);

	if (p->setup_header) {
		memcpy(zp + VMM_BP_HDR, p->setup_header, p->setup_header_len);
		if (p->setup_header_len >= VMM_BP_CMDLINE_SIZE + 4 - VMM_BP_HDR)
			cmdline_size = vmm_le32(zp + VMM_BP_CMDLINE_SIZE);
	} else {
		vmm_put_le16(zp + VMM_BP_BOOT_FLAG, BOOT_FLAG);
		vmm_put_le32(zp + VMM_BP_HEADER, HDRS_MAGIC);
		vmm_put_le32(zp + VMM_BP_KERNEL_ALIGNMENT, DEFAULT_KERNEL_ALIGNMENT);
	}
	if (p->cmdline_len > cmdline_size)
		return -E2BIG;
	zp[VMM_BP_TYPE_OF_LOADER] = TYPE_OF_LOADER_UNKNOWN;

	vmm_put_le32(zp + VMM_BP_CMD_LINE_PTR, (uint32_t)p->cmdline_addr);
	vmm_put_le32(zp + VMM_BP_EXT_CMD_LINE_PTR, (uint32_t)(p->cmdline_addr >> 32));
	if (p->initrd_size) {
		vmm_put_le32(zp + VMM_BP_RAMDISK_IMAGE, (uint32_t)p->initrd_addr);
		vmm_put_le32(zp + VMM_BP_EXT_RAMDISK_IMAGE, (uint32_t)(p->initrd_addr >> 32));
		vmm_put_le32(zp + VMM_BP_RAMDISK_SIZE, (uint32_t)p->initrd_size);
		vmm_put_le32(zp + VMM_BP_EXT_RAMDISK_SIZE, 0);
	}
	zp[VMM_BP_E820_ENTRIES] = (uint8_t)p->e820_count;
	for (size_t i = 0; i < p->e820_count; i++) {
		uint8_t *e = zp + VMM_BP_E820_TABLE + i * VMM_BP_E820_ENTRY_SIZE;
		vmm_put_le64(e, p->e820[i].addr);
		vmm_put_le64(e + 8, p->e820[i].size);
		vmm_put_le32(e + 16, p->e820[i].type);
	}
	return 0;
}

int vmm_x86_place_initrd(uint64_t ram_end, uint64_t kernel_end, uint64_t initrd_size,
                         uint32_t initrd_addr_max, uint64_t *initrd_addr)
{
	uint64_t top = (uint64_t)initrd_addr_max + 1, floor, addr;

	if (!initrd_addr || initrd_size == 0)
		return -EINVAL;
	if (ram_end < top)
		top = ram_end;
	if (!vmm_align_up(kernel_end, 4096, &floor) || floor > top || initrd_size > top - floor)
		return -ENOSPC;
	addr = vmm_align_down(top - initrd_size, 4096);
	if (addr < floor)
		return -ENOSPC;
	*initrd_addr = addr;
	return 0;
}
