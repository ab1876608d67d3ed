/* SPDX-License-Identifier: Apache-2.0 */
/* aarch64 only: the wake state's PSTATE bits against the kernel's <asm/ptrace.h>, and
   <asm/kvm.h> (which includes <linux/psci.h>) together with cvmm/psci.h. */
#include <asm/kvm.h>
#include <asm/ptrace.h>
#include <cvmm/psci.h>

#include <criterion/criterion.h>

Test(kernel_abi_aarch64, pstate_bits)
{
	cr_assert_eq(CVMM_PSCI_PSTATE_EL1H, PSR_MODE_EL1h);
	cr_assert_eq(CVMM_PSCI_PSTATE_F, PSR_F_BIT);
	cr_assert_eq(CVMM_PSCI_PSTATE_I, PSR_I_BIT);
	cr_assert_eq(CVMM_PSCI_PSTATE_A, PSR_A_BIT);
	cr_assert_eq(CVMM_PSCI_PSTATE_D, PSR_D_BIT);
	cr_assert_eq(psci_caller_from_pstate(PSR_MODE32_BIT), CVMM_PSCI_CALLER_AARCH32);
	cr_assert_eq(psci_caller_from_pstate(PSR_MODE_EL1h), CVMM_PSCI_CALLER_AARCH64);
}

Test(kernel_abi_aarch64, wake_pstate_is_kvms_reset_pstate)
{
	/* KVM resets an AArch64 vCPU to EL1h with D, A, I and F masked. */
	struct psci_system_suspend_args a = {CVMM_PSCI_FN64_SYSTEM_SUSPEND, true, 0x40000000, 0};
	struct psci_wake_state w;

	cr_assert_eq(psci_wake_state(&a, CVMM_PSCI_CALLER_AARCH64, 0, &w), 0);
	cr_assert_eq(w.pstate, PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT);
	cr_assert_eq(KVM_ARM_VCPU_PSCI_0_2, 2);
}
