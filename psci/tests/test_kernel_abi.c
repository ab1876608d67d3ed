/* SPDX-License-Identifier: Apache-2.0 */
/* cvmm/psci.h against the kernel's UAPI: the kernel headers come first here (the other
   order is in test_kernel_abi_order.c); both compile under -Werror without any clash,
   and every value equals the kernel's. */
#include <linux/kvm.h>
#include <linux/psci.h>

#include <cvmm/psci.h>

#include <criterion/criterion.h>

/*
 * Linux UAPI headers older than the fix of early 2023 (Debian's 6.1.4 arm64 cross
 * headers among them) give MEM_PROTECT_CHECK_RANGE the number of MEM_PROTECT, 0x13;
 * DEN0022D.b gives it 0x14, as fixed headers do. Against such a header the spec's value
 * is checked instead, and the test below proves that the header is the old one.
 */
#if PSCI_1_1_FN_MEM_PROTECT_CHECK_RANGE == PSCI_1_1_FN_MEM_PROTECT
#define KERNEL_MEM_PROTECT_CHECK_RANGE PSCI_0_2_FN(20)
#define KERNEL_MEM_PROTECT_CHECK_RANGE64 PSCI_0_2_FN64(20)
#define KERNEL_HEADER_HAS_OLD_MEM_PROTECT_CHECK_RANGE 1
#else
#define KERNEL_MEM_PROTECT_CHECK_RANGE PSCI_1_1_FN_MEM_PROTECT_CHECK_RANGE
#define KERNEL_MEM_PROTECT_CHECK_RANGE64 PSCI_1_1_FN64_MEM_PROTECT_CHECK_RANGE
#define KERNEL_HEADER_HAS_OLD_MEM_PROTECT_CHECK_RANGE 0
#endif

#define SAME(mine, kernels) cr_assert_eq((uint64_t)(mine), (uint64_t)(kernels), #mine)

Test(kernel_abi, psci_0_2_function_ids)
{
	SAME(CVMM_PSCI_FN32_BASE, PSCI_0_2_FN_BASE);
	SAME(CVMM_PSCI_FN64_BASE, PSCI_0_2_FN64_BASE);
	SAME(CVMM_SMCCC_SMC64, PSCI_0_2_64BIT);
	SAME(CVMM_PSCI_FN_PSCI_VERSION, PSCI_0_2_FN_PSCI_VERSION);
	SAME(CVMM_PSCI_FN_CPU_SUSPEND, PSCI_0_2_FN_CPU_SUSPEND);
	SAME(CVMM_PSCI_FN_CPU_OFF, PSCI_0_2_FN_CPU_OFF);
	SAME(CVMM_PSCI_FN_CPU_ON, PSCI_0_2_FN_CPU_ON);
	SAME(CVMM_PSCI_FN_AFFINITY_INFO, PSCI_0_2_FN_AFFINITY_INFO);
	SAME(CVMM_PSCI_FN_MIGRATE, PSCI_0_2_FN_MIGRATE);
	SAME(CVMM_PSCI_FN_MIGRATE_INFO_TYPE, PSCI_0_2_FN_MIGRATE_INFO_TYPE);
	SAME(CVMM_PSCI_FN_MIGRATE_INFO_UP_CPU, PSCI_0_2_FN_MIGRATE_INFO_UP_CPU);
	SAME(CVMM_PSCI_FN_SYSTEM_OFF, PSCI_0_2_FN_SYSTEM_OFF);
	SAME(CVMM_PSCI_FN_SYSTEM_RESET, PSCI_0_2_FN_SYSTEM_RESET);
	SAME(CVMM_PSCI_FN64_CPU_SUSPEND, PSCI_0_2_FN64_CPU_SUSPEND);
	SAME(CVMM_PSCI_FN64_CPU_ON, PSCI_0_2_FN64_CPU_ON);
	SAME(CVMM_PSCI_FN64_AFFINITY_INFO, PSCI_0_2_FN64_AFFINITY_INFO);
	SAME(CVMM_PSCI_FN64_MIGRATE, PSCI_0_2_FN64_MIGRATE);
	SAME(CVMM_PSCI_FN64_MIGRATE_INFO_UP_CPU, PSCI_0_2_FN64_MIGRATE_INFO_UP_CPU);
}

Test(kernel_abi, psci_1_0_and_1_1_function_ids)
{
	SAME(CVMM_PSCI_FN_PSCI_FEATURES, PSCI_1_0_FN_PSCI_FEATURES);
	SAME(CVMM_PSCI_FN_CPU_FREEZE, PSCI_1_0_FN_CPU_FREEZE);
	SAME(CVMM_PSCI_FN_CPU_DEFAULT_SUSPEND, PSCI_1_0_FN_CPU_DEFAULT_SUSPEND);
	SAME(CVMM_PSCI_FN_NODE_HW_STATE, PSCI_1_0_FN_NODE_HW_STATE);
	SAME(CVMM_PSCI_FN_SYSTEM_SUSPEND, PSCI_1_0_FN_SYSTEM_SUSPEND);
	SAME(CVMM_PSCI_FN_PSCI_SET_SUSPEND_MODE, PSCI_1_0_FN_SET_SUSPEND_MODE);
	SAME(CVMM_PSCI_FN_PSCI_STAT_RESIDENCY, PSCI_1_0_FN_STAT_RESIDENCY);
	SAME(CVMM_PSCI_FN_PSCI_STAT_COUNT, PSCI_1_0_FN_STAT_COUNT);
	SAME(CVMM_PSCI_FN64_CPU_DEFAULT_SUSPEND, PSCI_1_0_FN64_CPU_DEFAULT_SUSPEND);
	SAME(CVMM_PSCI_FN64_NODE_HW_STATE, PSCI_1_0_FN64_NODE_HW_STATE);
	SAME(CVMM_PSCI_FN64_SYSTEM_SUSPEND, PSCI_1_0_FN64_SYSTEM_SUSPEND);
	SAME(CVMM_PSCI_FN64_PSCI_STAT_RESIDENCY, PSCI_1_0_FN64_STAT_RESIDENCY);
	SAME(CVMM_PSCI_FN64_PSCI_STAT_COUNT, PSCI_1_0_FN64_STAT_COUNT);
	SAME(CVMM_PSCI_FN_SYSTEM_RESET2, PSCI_1_1_FN_SYSTEM_RESET2);
	SAME(CVMM_PSCI_FN_MEM_PROTECT, PSCI_1_1_FN_MEM_PROTECT);
	SAME(CVMM_PSCI_FN_MEM_PROTECT_CHECK_RANGE, KERNEL_MEM_PROTECT_CHECK_RANGE);
	SAME(CVMM_PSCI_FN64_SYSTEM_RESET2, PSCI_1_1_FN64_SYSTEM_RESET2);
	SAME(CVMM_PSCI_FN64_MEM_PROTECT_CHECK_RANGE, KERNEL_MEM_PROTECT_CHECK_RANGE64);
}

Test(kernel_abi, every_table_entry_is_a_kernel_id)
{
	/* The kernel's full list, both forms; the table must be exactly this set. */
	static const uint32_t kernel_ids[] = {
	    PSCI_0_2_FN_PSCI_VERSION,
	    PSCI_0_2_FN_CPU_SUSPEND,
	    PSCI_0_2_FN_CPU_OFF,
	    PSCI_0_2_FN_CPU_ON,
	    PSCI_0_2_FN_AFFINITY_INFO,
	    PSCI_0_2_FN_MIGRATE,
	    PSCI_0_2_FN_MIGRATE_INFO_TYPE,
	    PSCI_0_2_FN_MIGRATE_INFO_UP_CPU,
	    PSCI_0_2_FN_SYSTEM_OFF,
	    PSCI_0_2_FN_SYSTEM_RESET,
	    PSCI_0_2_FN64_CPU_SUSPEND,
	    PSCI_0_2_FN64_CPU_ON,
	    PSCI_0_2_FN64_AFFINITY_INFO,
	    PSCI_0_2_FN64_MIGRATE,
	    PSCI_0_2_FN64_MIGRATE_INFO_UP_CPU,
	    PSCI_1_0_FN_PSCI_FEATURES,
	    PSCI_1_0_FN_CPU_FREEZE,
	    PSCI_1_0_FN_CPU_DEFAULT_SUSPEND,
	    PSCI_1_0_FN_NODE_HW_STATE,
	    PSCI_1_0_FN_SYSTEM_SUSPEND,
	    PSCI_1_0_FN_SET_SUSPEND_MODE,
	    PSCI_1_0_FN_STAT_RESIDENCY,
	    PSCI_1_0_FN_STAT_COUNT,
	    PSCI_1_1_FN_SYSTEM_RESET2,
	    PSCI_1_1_FN_MEM_PROTECT,
	    KERNEL_MEM_PROTECT_CHECK_RANGE,
	    PSCI_1_0_FN64_CPU_DEFAULT_SUSPEND,
	    PSCI_1_0_FN64_NODE_HW_STATE,
	    PSCI_1_0_FN64_SYSTEM_SUSPEND,
	    PSCI_1_0_FN64_STAT_RESIDENCY,
	    PSCI_1_0_FN64_STAT_COUNT,
	    PSCI_1_1_FN64_SYSTEM_RESET2,
	    KERNEL_MEM_PROTECT_CHECK_RANGE64,
	};
	size_t n;
	const struct psci_function_info *t = psci_function_table(&n);

	cr_assert_eq(n, sizeof(kernel_ids) / sizeof(kernel_ids[0]));
	for (size_t i = 0; i < n; i++) {
		cr_assert_not_null(psci_function_lookup(kernel_ids[i]), "%#x", kernel_ids[i]);
		size_t hits = 0;
		for (size_t k = 0; k < n; k++)
			hits += t[i].id == kernel_ids[k];
		cr_assert_eq(hits, 1, "%s %#x", t[i].name, t[i].id);
	}
}

Test(kernel_abi, mem_protect_check_range_header_age)
{
	if (KERNEL_HEADER_HAS_OLD_MEM_PROTECT_CHECK_RANGE) {
		/* The old header: both 1.1 memory functions share number 0x13 there. */
		cr_assert_eq(PSCI_1_1_FN_MEM_PROTECT_CHECK_RANGE, PSCI_0_2_FN(19));
		cr_assert_eq(PSCI_1_1_FN64_MEM_PROTECT_CHECK_RANGE, PSCI_0_2_FN64(19));
	} else {
		cr_assert_eq(PSCI_1_1_FN_MEM_PROTECT_CHECK_RANGE, PSCI_0_2_FN(20));
		cr_assert_eq(PSCI_1_1_FN64_MEM_PROTECT_CHECK_RANGE, PSCI_0_2_FN64(20));
	}
	cr_assert_eq(CVMM_PSCI_FN_MEM_PROTECT_CHECK_RANGE, 0x84000014U);
}

Test(kernel_abi, return_codes)
{
	SAME(CVMM_PSCI_RET_SUCCESS, PSCI_RET_SUCCESS);
	SAME(CVMM_PSCI_RET_NOT_SUPPORTED, PSCI_RET_NOT_SUPPORTED);
	SAME(CVMM_PSCI_RET_INVALID_PARAMETERS, PSCI_RET_INVALID_PARAMS);
	SAME(CVMM_PSCI_RET_DENIED, PSCI_RET_DENIED);
	SAME(CVMM_PSCI_RET_ALREADY_ON, PSCI_RET_ALREADY_ON);
	SAME(CVMM_PSCI_RET_ON_PENDING, PSCI_RET_ON_PENDING);
	SAME(CVMM_PSCI_RET_INTERNAL_FAILURE, PSCI_RET_INTERNAL_FAILURE);
	SAME(CVMM_PSCI_RET_NOT_PRESENT, PSCI_RET_NOT_PRESENT);
	SAME(CVMM_PSCI_RET_DISABLED, PSCI_RET_DISABLED);
	SAME(CVMM_PSCI_RET_INVALID_ADDRESS, PSCI_RET_INVALID_ADDRESS);
	/* The register form is the kernel's (unsigned long)PSCI_RET_* on a 64-bit kernel. */
	cr_assert_eq(psci_ret_to_reg(CVMM_PSCI_RET_DENIED), (uint64_t)(int64_t)PSCI_RET_DENIED);
}

Test(kernel_abi, version_encoding)
{
	SAME(CVMM_PSCI_VERSION_0_2, PSCI_VERSION(0, 2));
	SAME(CVMM_PSCI_VERSION_1_0, PSCI_VERSION(1, 0));
	SAME(CVMM_PSCI_VERSION_1_1, PSCI_VERSION(1, 1));
	static const uint16_t v[] = {0, 1, 2, 3, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		for (size_t j = 0; j < sizeof(v) / sizeof(v[0]); j++) {
			uint32_t mine = psci_version_encode(v[i], v[j]);
			uint32_t kernels = PSCI_VERSION((uint32_t)v[i], (uint32_t)v[j]);
			cr_assert_eq(mine, kernels, "%u.%u", v[i], v[j]);
			cr_assert_eq(psci_version_major(mine), PSCI_VERSION_MAJOR(kernels));
			cr_assert_eq(psci_version_minor(mine), PSCI_VERSION_MINOR(kernels));
		}
	SAME(0xFFFF, PSCI_VERSION_MINOR_MASK);
}

Test(kernel_abi, affinity_states_and_features_flags)
{
	SAME(CVMM_PSCI_CORE_ON, PSCI_0_2_AFFINITY_LEVEL_ON);
	SAME(CVMM_PSCI_CORE_OFF, PSCI_0_2_AFFINITY_LEVEL_OFF);
	SAME(CVMM_PSCI_CORE_ON_PENDING, PSCI_0_2_AFFINITY_LEVEL_ON_PENDING);
	SAME(CVMM_PSCI_FEATURE_CPU_SUSPEND_EXT_STATEID, PSCI_1_0_FEATURES_CPU_SUSPEND_PF_MASK);
	SAME(CVMM_PSCI_FEATURE_CPU_SUSPEND_OSI, 1U << PSCI_1_0_SUSPEND_MODE_OSI >> 1);
}

Test(kernel_abi, mp_states)
{
	cr_assert_eq(psci_core_state_from_mp_state(KVM_MP_STATE_STOPPED), CVMM_PSCI_CORE_OFF);
	cr_assert_eq(psci_core_state_from_mp_state(KVM_MP_STATE_RUNNABLE), CVMM_PSCI_CORE_ON);
	cr_assert_eq(psci_core_state_from_mp_state(KVM_MP_STATE_SUSPENDED), CVMM_PSCI_CORE_ON);
	cr_assert_eq(psci_core_state_from_mp_state(KVM_MP_STATE_HALTED), CVMM_PSCI_CORE_ON);
}
