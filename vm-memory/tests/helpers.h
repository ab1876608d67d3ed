/* SPDX-License-Identifier: Apache-2.0 */
/* Shared set-up for the vm-memory tests. */
#ifndef CVMM_TESTS_VM_MEMORY_HELPERS_H
#define CVMM_TESTS_VM_MEMORY_HELPERS_H

#include <criterion/criterion.h>
#include <cvmm/vm_memory.h>
#include <errno.h>

#define PG ((uint64_t)vmem_page_size())

/* A map with the given anonymous regions ({gpa, size} pairs, flags for all). */
static inline struct vmem_map *map_with(uint32_t flags, size_t n, const uint64_t (*regs)[2])
{
	struct vmem_map *m = NULL;
	cr_assert_eq(vmem_map_create(&m), 0);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(vmem_map_add_anon(m, regs[i][0], regs[i][1], flags), 0,
		             "region %zu at %#llx", i, (unsigned long long)regs[i][0]);
	return m;
}

#endif
