/* SPDX-License-Identifier: Apache-2.0 */
/* Guest RAM shared by the loader fuzz harnesses: allocated once, reused by every input. */
#ifndef LL_FUZZ_LOADERS_H
#define LL_FUZZ_LOADERS_H

#include <cvmm/linux_loader_ram.h>

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline struct ll_guest_ram *fuzz_ram(uint64_t base, uint64_t size)
{
	static struct ll_ram_buffer buf;
	static struct ll_guest_ram ram;

	if (!buf.host) {
		buf.base = base;
		buf.size = size;
		buf.host = calloc(1, size);
		if (!buf.host || ll_guest_ram_init_buffer(&ram, &buf) < 0)
			abort();
	}
	return &ram;
}

/* A load that succeeded must lie inside RAM. */
static inline void fuzz_check_inside(const struct ll_guest_ram *ram, uint64_t lo, uint64_t hi)
{
	if (lo > hi || !ll_guest_ram_contains(ram, lo, hi - lo))
		abort();
}

#endif
