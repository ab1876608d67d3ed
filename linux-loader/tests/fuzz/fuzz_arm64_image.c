/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the arm64 Image loader and boot-data placement. */
#include "fuzz_loaders.h"
#include <cvmm/linux_loader.h>

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (8ull << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ll_guest_ram *ram = fuzz_ram(RAM_BASE, RAM_SIZE);
	struct ll_arm64_image_info info;
	struct ll_kernel_load out;
	uint64_t initrd, fdt;

	if (ll_arm64_image_load(ram, data, size, &info, &out) < 0)
		return 0;
	fuzz_check_inside(ram, out.load_addr, out.end);
	if (out.entry != out.load_addr || out.end - out.load_addr != info.image_size ||
	    info.image_size < size || (out.load_addr - info.text_offset) % LL_ARM64_LOAD_ALIGN)
		abort();
	/* The header's own fields double as an initrd size. */
	if (ll_arm64_place_boot_data(ram, out.end, info.flags, 0x10000, &initrd, &fdt) == 0) {
		fuzz_check_inside(ram, fdt, fdt + 0x10000);
		if (info.flags) {
			fuzz_check_inside(ram, initrd, initrd + info.flags);
			if (initrd < out.end || initrd + info.flags > fdt)
				abort();
		}
	}
	return 0;
}
