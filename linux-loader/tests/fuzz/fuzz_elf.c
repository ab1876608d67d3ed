/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the ELF vmlinux loader and its PVH note scan. */
#include "fuzz_loaders.h"
#include <cvmm/linux_loader.h>

#include <elf.h>

#define RAM_SIZE (8ull << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ll_guest_ram *ram = fuzz_ram(0, RAM_SIZE);
	struct ll_elf_info info;
	struct ll_kernel_load out;

	if (ll_elf_load(ram, data, size, EM_X86_64, &info, &out) < 0)
		return 0;
	fuzz_check_inside(ram, out.load_addr, out.end);
	if (out.entry < out.load_addr || out.entry >= out.end || info.num_load == 0)
		abort();
	return 0;
}
