/* SPDX-License-Identifier: Apache-2.0 */
/* cvmm/psci.h first, then the kernel's headers: no macro of the kernel's may rename or
   redefine anything of cvmm's (a clash fails the build under -Werror). */
#include <cvmm/psci.h>

#include <linux/kvm.h>
#include <linux/psci.h>

#include <criterion/criterion.h>

Test(kernel_abi, header_order_mine_first)
{
	cr_assert_eq(CVMM_PSCI_FN64_SYSTEM_SUSPEND, PSCI_1_0_FN64_SYSTEM_SUSPEND);
	cr_assert_eq(CVMM_PSCI_RET_DENIED, PSCI_RET_DENIED);
	cr_assert_str_eq(psci_function_name(PSCI_1_0_FN_SYSTEM_SUSPEND), "SYSTEM_SUSPEND");
	cr_assert_str_eq(psci_ret_name(PSCI_RET_INVALID_ADDRESS), "INVALID_ADDRESS");
}
