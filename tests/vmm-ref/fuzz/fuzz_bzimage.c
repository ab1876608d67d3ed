// SPDX-License-Identifier: Apache-2.0
/* libFuzzer harness for the bzImage loader and the zero page built from its header. */
#include "fuzz_loaders.h"
#include "loader.h"
#include "zero_page_x86_64.h"

#define RAM_SIZE (32ull << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmm_guest_ram *ram = fuzz_ram(0, RAM_SIZE);
	struct vmm_bzimage_info info;
	struct vmm_kernel_load out;
	struct vmm_e820_entry e820[VMM_E820_MAX];
	static uint8_t zp[VMM_ZERO_PAGE_SIZE];

	if (vmm_bzimage_load(ram, data, size, &info, &out) < 0)
		return 0;
	fuzz_check_inside(ram, out.load_addr, out.end);
	if (info.kernel_offset + info.kernel_size != size || info.header_end > size ||
	    out.entry != out.load_addr + 0x200)
		abort();
	int n = vmm_x86_e820_build(RAM_SIZE, e820, VMM_E820_MAX);
	size_t end = info.header_end < VMM_BP_HDR_END ? info.header_end : VMM_BP_HDR_END;
	struct vmm_zero_page_params p = {
	    .setup_header = data + VMM_BP_HDR,
	    .setup_header_len = end - VMM_BP_HDR,
	    .cmdline_addr = 0x20000,
	    .cmdline_len = info.cmdline_size & 0xfff,
	    .e820 = e820,
	    .e820_count = (size_t)n,
	};
	vmm_x86_zero_page_build(zp, &p);
	return 0;
}
