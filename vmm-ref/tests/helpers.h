/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by vmm-ref's tests: linux-loader's test RAM helpers, and guest RAM laid out as
   vmm-ref's boot code sees it. */
#ifndef VMM_TEST_HELPERS_H
#define VMM_TEST_HELPERS_H

#include "boot.h"
#include "ram_helpers.h" /* linux-loader/tests */

/* The guest RAM vmm_boot_prepare() sees for mem bytes (vmm_boot_ram_range()). */
static inline void test_ram_init_boot(struct test_ram *t, uint64_t mem)
{
	uint64_t base, size;
	cr_assert_eq(vmm_boot_ram_range(mem, &base, &size), 0);
	test_ram_init(t, base, size);
}

#endif
