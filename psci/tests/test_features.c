/* SPDX-License-Identifier: Apache-2.0 */
/* The PSCI_FEATURES answer. */
#include <cvmm/psci.h>

#include <criterion/criterion.h>

/* A VMM like KVM with SYSTEM_SUSPEND: PSCI 1.1, the functions KVM implements. */
static struct psci_features_config kvm_like(void)
{
	struct psci_features_config c = {
	    .version = CVMM_PSCI_VERSION_1_1,
	    .functions = CVMM_PSCI_FN_BIT(CVMM_PSCI_FN_PSCI_VERSION) |
	                 CVMM_PSCI_FN_BIT(CVMM_PSCI_FN_CPU_SUSPEND) |
	                 CVMM_PSCI_FN_BIT(CVMM_PSCI_FN_CPU_OFF) |
	                 CVMM_PSCI_FN_BIT(CVMM_PSCI_FN_CPU_ON) |
	                 CVMM_PSCI_FN_BIT(CVMM_PSCI_FN_AFFINITY_INFO) |
	                 CVMM_PSCI_FN_BIT(CVMM_PSCI_FN_MIGRATE_INFO_TYPE) |
	                 CVMM_PSCI_FN_BIT(CVMM_PSCI_FN_SYSTEM_OFF) |
	                 CVMM_PSCI_FN_BIT(CVMM_PSCI_FN_SYSTEM_RESET) |
	                 CVMM_PSCI_FN_BIT(CVMM_PSCI_FN_PSCI_FEATURES) |
	                 CVMM_PSCI_FN_BIT(CVMM_PSCI_FN_SYSTEM_SUSPEND) |
	                 CVMM_PSCI_FN_BIT(CVMM_PSCI_FN_SYSTEM_RESET2),
	    .smc64 = true,
	    .smccc_version = true,
	    .cpu_suspend_flags = 0,
	};
	return c;
}

Test(features, system_suspend_offered_or_not)
{
	struct psci_features_config c = kvm_like();

	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_SYSTEM_SUSPEND), 0);
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN64_SYSTEM_SUSPEND), 0);
	c.functions &= ~CVMM_PSCI_FN_BIT(CVMM_PSCI_FN_SYSTEM_SUSPEND);
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_SYSTEM_SUSPEND),
	             CVMM_PSCI_RET_NOT_SUPPORTED);
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN64_SYSTEM_SUSPEND),
	             CVMM_PSCI_RET_NOT_SUPPORTED);
}

Test(features, null_config_and_versions_before_1_0)
{
	struct psci_features_config c = kvm_like();

	cr_assert_eq(psci_features_answer(NULL, CVMM_PSCI_FN_PSCI_VERSION),
	             CVMM_PSCI_RET_NOT_SUPPORTED);
	c.version = CVMM_PSCI_VERSION_0_2;
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_PSCI_VERSION),
	             CVMM_PSCI_RET_NOT_SUPPORTED);
	cr_assert_eq(psci_features_answer(&c, CVMM_SMCCC_VERSION_FN), CVMM_PSCI_RET_NOT_SUPPORTED);
	c.version = CVMM_PSCI_VERSION_1_0;
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_PSCI_VERSION), 0);
}

Test(features, smccc_version)
{
	struct psci_features_config c = kvm_like();

	cr_assert_eq(psci_features_answer(&c, CVMM_SMCCC_VERSION_FN), 0);
	c.smccc_version = false;
	cr_assert_eq(psci_features_answer(&c, CVMM_SMCCC_VERSION_FN), CVMM_PSCI_RET_NOT_SUPPORTED);
}

Test(features, unknown_ids)
{
	struct psci_features_config c = kvm_like();

	c.functions = UINT32_MAX;
	cr_assert_eq(psci_features_answer(&c, 0x84000015U), CVMM_PSCI_RET_NOT_SUPPORTED);
	cr_assert_eq(psci_features_answer(&c, 0xC4000002U), CVMM_PSCI_RET_NOT_SUPPORTED);
	cr_assert_eq(psci_features_answer(&c, 0x80000001U), CVMM_PSCI_RET_NOT_SUPPORTED);
	cr_assert_eq(psci_features_answer(&c, 0), CVMM_PSCI_RET_NOT_SUPPORTED);
}

Test(features, functions_newer_than_the_version)
{
	struct psci_features_config c = kvm_like();

	c.functions = UINT32_MAX;
	c.version = CVMM_PSCI_VERSION_1_0;
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_SYSTEM_RESET2),
	             CVMM_PSCI_RET_NOT_SUPPORTED);
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_MEM_PROTECT),
	             CVMM_PSCI_RET_NOT_SUPPORTED);
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_SYSTEM_SUSPEND), 0);
	c.version = CVMM_PSCI_VERSION_1_1;
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_SYSTEM_RESET2), 0);
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_MEM_PROTECT), 0);
}

Test(features, smc64_forms)
{
	struct psci_features_config c = kvm_like();

	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN64_CPU_ON), 0);
	c.smc64 = false;
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN64_CPU_ON), CVMM_PSCI_RET_NOT_SUPPORTED);
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_CPU_ON), 0);
}

Test(features, cpu_suspend_flags)
{
	struct psci_features_config c = kvm_like();

	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_CPU_SUSPEND), 0);
	c.cpu_suspend_flags = CVMM_PSCI_FEATURE_CPU_SUSPEND_EXT_STATEID;
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_CPU_SUSPEND), 2);
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN64_CPU_SUSPEND), 2);
	c.cpu_suspend_flags =
	    CVMM_PSCI_FEATURE_CPU_SUSPEND_OSI | CVMM_PSCI_FEATURE_CPU_SUSPEND_EXT_STATEID;
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_CPU_SUSPEND), 3);
	/* Reserved bits never reach the guest, and the answer never looks like an error. */
	c.cpu_suspend_flags = UINT32_MAX;
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_CPU_SUSPEND), 3);
	/* Other functions answer 0 whatever the flags. */
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_CPU_OFF), 0);
}

Test(features, every_function_of_a_full_1_1_vmm)
{
	struct psci_features_config c = {
	    .version = CVMM_PSCI_VERSION_1_1,
	    .functions = psci_functions_up_to(CVMM_PSCI_VERSION_1_1),
	    .smc64 = true,
	};
	size_t n;
	const struct psci_function_info *t = psci_function_table(&n);

	for (size_t i = 0; i < n; i++)
		cr_assert_eq(psci_features_answer(&c, t[i].id), 0, "%s", t[i].name);
}

Test(features, mask_of_0_2_functions_under_1_0)
{
	struct psci_features_config c = {
	    .version = CVMM_PSCI_VERSION_1_0,
	    .functions = psci_functions_up_to(CVMM_PSCI_VERSION_0_2),
	    .smc64 = true,
	};

	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_MIGRATE), 0);
	cr_assert_eq(psci_features_answer(&c, CVMM_PSCI_FN_PSCI_FEATURES),
	             CVMM_PSCI_RET_NOT_SUPPORTED);
}
