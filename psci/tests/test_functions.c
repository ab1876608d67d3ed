/* SPDX-License-Identifier: Apache-2.0 */
/* PSCI function table, names, versions, return codes, core states, call decoding. */
#include <cvmm/psci.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

struct expected_fn {
	uint32_t id;
	const char *name;
	uint32_t since;
};

/* Written out from DEN0022D.b's function list, independently of the library's table. */
static const struct expected_fn expected[] = {
    {0x84000000U, "PSCI_VERSION", 0x2},
    {0x84000001U, "CPU_SUSPEND", 0x2},
    {0xC4000001U, "CPU_SUSPEND", 0x2},
    {0x84000002U, "CPU_OFF", 0x2},
    {0x84000003U, "CPU_ON", 0x2},
    {0xC4000003U, "CPU_ON", 0x2},
    {0x84000004U, "AFFINITY_INFO", 0x2},
    {0xC4000004U, "AFFINITY_INFO", 0x2},
    {0x84000005U, "MIGRATE", 0x2},
    {0xC4000005U, "MIGRATE", 0x2},
    {0x84000006U, "MIGRATE_INFO_TYPE", 0x2},
    {0x84000007U, "MIGRATE_INFO_UP_CPU", 0x2},
    {0xC4000007U, "MIGRATE_INFO_UP_CPU", 0x2},
    {0x84000008U, "SYSTEM_OFF", 0x2},
    {0x84000009U, "SYSTEM_RESET", 0x2},
    {0x8400000AU, "PSCI_FEATURES", 0x10000},
    {0x8400000BU, "CPU_FREEZE", 0x10000},
    {0x8400000CU, "CPU_DEFAULT_SUSPEND", 0x10000},
    {0xC400000CU, "CPU_DEFAULT_SUSPEND", 0x10000},
    {0x8400000DU, "NODE_HW_STATE", 0x10000},
    {0xC400000DU, "NODE_HW_STATE", 0x10000},
    {0x8400000EU, "SYSTEM_SUSPEND", 0x10000},
    {0xC400000EU, "SYSTEM_SUSPEND", 0x10000},
    {0x8400000FU, "PSCI_SET_SUSPEND_MODE", 0x10000},
    {0x84000010U, "PSCI_STAT_RESIDENCY", 0x10000},
    {0xC4000010U, "PSCI_STAT_RESIDENCY", 0x10000},
    {0x84000011U, "PSCI_STAT_COUNT", 0x10000},
    {0xC4000011U, "PSCI_STAT_COUNT", 0x10000},
    {0x84000012U, "SYSTEM_RESET2", 0x10001},
    {0xC4000012U, "SYSTEM_RESET2", 0x10001},
    {0x84000013U, "MEM_PROTECT", 0x10001},
    {0x84000014U, "MEM_PROTECT_CHECK_RANGE", 0x10001},
    {0xC4000014U, "MEM_PROTECT_CHECK_RANGE", 0x10001},
};

Test(functions, table_matches_the_spec_list)
{
	size_t n = 0;
	const struct psci_function_info *t = psci_function_table(&n);

	cr_assert_eq(n, CVMM_PSCI_FUNCTION_COUNT);
	cr_assert_eq(n, sizeof(expected) / sizeof(expected[0]));
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(t[i].id, expected[i].id, "entry %zu", i);
		cr_assert_str_eq(t[i].name, expected[i].name);
		cr_assert_eq(t[i].since, expected[i].since, "%s", t[i].name);
		cr_assert_eq(t[i].smc64, (expected[i].id & 0x40000000U) != 0);
	}
	cr_assert_eq(psci_function_table(NULL), t);
}

Test(functions, named_constants)
{
	cr_assert_eq(CVMM_PSCI_FN_SYSTEM_SUSPEND, 0x8400000EU);
	cr_assert_eq(CVMM_PSCI_FN64_SYSTEM_SUSPEND, 0xC400000EU);
	cr_assert_eq(CVMM_PSCI_FN_PSCI_FEATURES, 0x8400000AU);
	cr_assert_eq(CVMM_PSCI_FN_MEM_PROTECT_CHECK_RANGE, CVMM_PSCI_FN32_BASE + 0x14);
	cr_assert_eq(CVMM_PSCI_FN64_MEM_PROTECT_CHECK_RANGE, CVMM_PSCI_FN64_BASE + 0x14);
}

Test(functions, lookup_and_name_of_every_function)
{
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		const struct psci_function_info *fn = psci_function_lookup(expected[i].id);
		cr_assert_not_null(fn);
		cr_assert_eq(fn->id, expected[i].id);
		cr_assert_str_eq(psci_function_name(expected[i].id), expected[i].name);
	}
}

Test(functions, lookup_rejects_non_psci_ids)
{
	/* Inside the PSCI number space but not defined (yet). */
	cr_assert_null(psci_function_lookup(0x84000015U));
	cr_assert_null(psci_function_lookup(0x8400001FU));
	/* SMC64 forms that PSCI does not define. */
	cr_assert_null(psci_function_lookup(0xC4000000U));
	cr_assert_null(psci_function_lookup(0xC400000AU));
	cr_assert_null(psci_function_lookup(0xC4000013U));
	/* Outside the PSCI range. */
	cr_assert_null(psci_function_lookup(0x84000020U));
	cr_assert_null(psci_function_lookup(0x0400000EU));
	cr_assert_null(psci_function_lookup(0x4400000EU));
	cr_assert_null(psci_function_lookup(CVMM_SMCCC_VERSION_FN));
	cr_assert_null(psci_function_lookup(0x8401000EU));
	cr_assert_null(psci_function_lookup(0));
	cr_assert_null(psci_function_name(0x84000015U));
	cr_assert_null(psci_function_name(0x12345678U));
}

Test(functions, lookup_scans_whole_32bit_psci_window)
{
	size_t found = 0;

	for (uint32_t n = 0; n < 0x40; n++) {
		found += psci_function_lookup(CVMM_PSCI_FN32_BASE + n) != NULL;
		found += psci_function_lookup(CVMM_PSCI_FN64_BASE + n) != NULL;
	}
	cr_assert_eq(found, CVMM_PSCI_FUNCTION_COUNT);
}

Test(functions, functions_up_to_version)
{
	cr_assert_eq(psci_functions_up_to(0), 0);
	cr_assert_eq(psci_functions_up_to(1), 0);
	cr_assert_eq(psci_functions_up_to(CVMM_PSCI_VERSION_0_2), 0x3FFU);
	cr_assert_eq(psci_functions_up_to(CVMM_PSCI_VERSION_1_0), 0x3FFFFU);
	cr_assert_eq(psci_functions_up_to(CVMM_PSCI_VERSION_1_1), 0x1FFFFFU);
	cr_assert_eq(psci_functions_up_to(psci_version_encode(1, 3)), 0x1FFFFFU);
}

Test(versions, encode_and_decode)
{
	cr_assert_eq(psci_version_encode(0, 2), CVMM_PSCI_VERSION_0_2);
	cr_assert_eq(psci_version_encode(1, 0), CVMM_PSCI_VERSION_1_0);
	cr_assert_eq(psci_version_encode(1, 1), CVMM_PSCI_VERSION_1_1);
	cr_assert_eq(psci_version_encode(0x7FFF, 0xFFFF), 0x7FFFFFFFU);
	cr_assert_eq(psci_version_major(CVMM_PSCI_VERSION_1_1), 1);
	cr_assert_eq(psci_version_minor(CVMM_PSCI_VERSION_1_1), 1);
	cr_assert_eq(psci_version_major(CVMM_PSCI_VERSION_0_2), 0);
	cr_assert_eq(psci_version_minor(CVMM_PSCI_VERSION_0_2), 2);
	cr_assert_eq(psci_version_major(0xABCD1234U), 0xABCD);
	cr_assert_eq(psci_version_minor(0xABCD1234U), 0x1234);
	/* Versions order like their encodings. */
	cr_assert_lt(CVMM_PSCI_VERSION_0_2, CVMM_PSCI_VERSION_1_0);
	cr_assert_lt(CVMM_PSCI_VERSION_1_0, CVMM_PSCI_VERSION_1_1);
}

Test(return_codes, names)
{
	static const char *const names[] = {
	    "SUCCESS",    "NOT_SUPPORTED",    "INVALID_PARAMETERS", "DENIED",   "ALREADY_ON",
	    "ON_PENDING", "INTERNAL_FAILURE", "NOT_PRESENT",        "DISABLED", "INVALID_ADDRESS",
	};
	for (int32_t r = 0; r >= -9; r--)
		cr_assert_str_eq(psci_ret_name(r), names[-r]);
	cr_assert_str_eq(psci_ret_name(CVMM_PSCI_RET_DENIED), "DENIED");
	cr_assert_str_eq(psci_ret_name(CVMM_PSCI_RET_INVALID_ADDRESS), "INVALID_ADDRESS");
	cr_assert_null(psci_ret_name(1));
	cr_assert_null(psci_ret_name(-10));
	cr_assert_null(psci_ret_name(INT32_MIN));
	cr_assert_null(psci_ret_name(INT32_MAX));
}

Test(return_codes, values_and_register_form)
{
	cr_assert_eq(CVMM_PSCI_RET_SUCCESS, 0);
	cr_assert_eq(CVMM_PSCI_RET_NOT_SUPPORTED, -1);
	cr_assert_eq(CVMM_PSCI_RET_DENIED, -3);
	cr_assert_eq(CVMM_PSCI_RET_INVALID_ADDRESS, -9);
	cr_assert_eq(psci_ret_to_reg(CVMM_PSCI_RET_DENIED), 0xFFFFFFFFFFFFFFFDULL);
	cr_assert_eq(psci_ret_to_reg(CVMM_PSCI_RET_INVALID_ADDRESS), (uint64_t)-9);
	cr_assert_eq(psci_ret_to_reg(0), 0);
	cr_assert_eq(psci_ret_to_reg(0x10001), 0x10001);
	cr_assert_eq((uint32_t)psci_ret_to_reg(-3), 0xFFFFFFFDU);
}

Test(core_states, values_and_mp_state_mapping)
{
	cr_assert_eq(CVMM_PSCI_CORE_ON, 0);
	cr_assert_eq(CVMM_PSCI_CORE_OFF, 1);
	cr_assert_eq(CVMM_PSCI_CORE_ON_PENDING, 2);
	cr_assert_eq(psci_core_state_from_mp_state(5), CVMM_PSCI_CORE_OFF);
	cr_assert_eq(psci_core_state_from_mp_state(0), CVMM_PSCI_CORE_ON);
	cr_assert_eq(psci_core_state_from_mp_state(10), CVMM_PSCI_CORE_ON);
	for (uint32_t s = 0; s < 64; s++)
		if (s != 5)
			cr_assert_eq(psci_core_state_from_mp_state(s), CVMM_PSCI_CORE_ON);
	cr_assert_eq(psci_core_state_from_mp_state(UINT32_MAX), CVMM_PSCI_CORE_ON);
}

Test(caller, from_pstate)
{
	cr_assert_eq(psci_caller_from_pstate(0x3C5), CVMM_PSCI_CALLER_AARCH64);
	cr_assert_eq(psci_caller_from_pstate(0x1D3), CVMM_PSCI_CALLER_AARCH32);
	cr_assert_eq(psci_caller_from_pstate(0x10), CVMM_PSCI_CALLER_AARCH32);
	cr_assert_eq(psci_caller_from_pstate(~0x10ULL), CVMM_PSCI_CALLER_AARCH64);
}

Test(call, decode_smc64_keeps_full_registers)
{
	const uint64_t x[4] = {0xC4000003ULL, 0x8000000000000001ULL, 0xFFFFFFFF00001000ULL,
	                       0x1234567800000000ULL};
	struct psci_call c;

	cr_assert_eq(psci_call_decode(x, &c), 0);
	cr_assert_eq(c.fid, CVMM_PSCI_FN64_CPU_ON);
	cr_assert(c.smc64);
	cr_assert_not_null(c.fn);
	cr_assert_str_eq(c.fn->name, "CPU_ON");
	cr_assert_eq(c.arg[0], x[1]);
	cr_assert_eq(c.arg[1], x[2]);
	cr_assert_eq(c.arg[2], x[3]);
}

Test(call, decode_smc32_drops_upper_halves)
{
	const uint64_t x[4] = {0xFFFFFFFF84000003ULL, 0xAAAAAAAA00000001ULL, 0x5555555500001000ULL,
	                       0xFFFFFFFFFFFFFFFFULL};
	struct psci_call c;

	cr_assert_eq(psci_call_decode(x, &c), 0);
	cr_assert_eq(c.fid, CVMM_PSCI_FN_CPU_ON);
	cr_assert_not(c.smc64);
	cr_assert_eq(c.arg[0], 1);
	cr_assert_eq(c.arg[1], 0x1000);
	cr_assert_eq(c.arg[2], 0xFFFFFFFFULL);
}

Test(call, decode_unknown_function_and_bad_pointers)
{
	const uint64_t x[4] = {0x82000001ULL, 1, 2, 3};
	struct psci_call c;

	cr_assert_eq(psci_call_decode(x, &c), 0);
	cr_assert_null(c.fn);
	cr_assert_eq(c.fid, 0x82000001U);
	cr_assert_eq(psci_call_decode(NULL, &c), -EINVAL);
	cr_assert_eq(psci_call_decode(x, NULL), -EINVAL);
}
