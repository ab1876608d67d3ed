/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the bzImage loader and the zero page built from its header. */
#include "fuzz_loaders.h"
#include <cvmm/linux_loader.h>
#include <cvmm/linux_loader_x86.h>

#define RAM_SIZE (32ull << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ll_guest_ram *ram = fuzz_ram(0, RAM_SIZE);
	struct ll_bzimage_info info;
	struct ll_kernel_load out;
	struct ll_e820_entry e820[LL_E820_MAX];
	static uint8_t zp[LL_ZERO_PAGE_SIZE];

	if (ll_bzimage_load(ram, data, size, &info, &out) < 0)
		return 0;
	fuzz_check_inside(ram, out.load_addr, out.end);
	if (info.kernel_offset + info.kernel_size != size || info.header_end > size ||
	    out.entry != out.load_addr + 0x200)
		abort();
	int n = ll_x86_e820_build(RAM_SIZE, 0xc0000000ull, 0x100000000ull, e820, LL_E820_MAX);
	size_t end = info.header_end < LL_BP_HDR_END ? info.header_end : LL_BP_HDR_END;
	struct ll_zero_page_params p = {
	    .setup_header = data + LL_BP_HDR,
	    .setup_header_len = end - LL_BP_HDR,
	    .cmdline_addr = 0x20000,
	    .cmdline_len = info.cmdline_size & 0xfff,
	    .e820 = e820,
	    .e820_count = (size_t)n,
	};
	ll_x86_zero_page_build(zp, &p);
	return 0;
}
