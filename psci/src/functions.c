/* SPDX-License-Identifier: Apache-2.0 */
/* PSCI function ids, names, versions, return codes, core states, call decoding. */
#include <cvmm/psci.h>

#include <errno.h>

#define V02 CVMM_PSCI_VERSION_0_2
#define V10 CVMM_PSCI_VERSION_1_0
#define V11 CVMM_PSCI_VERSION_1_1

/* Sorted by function number, SMC32 form first: psci_function_lookup() relies on it. */
static const struct psci_function_info functions[CVMM_PSCI_FUNCTION_COUNT] = {
    {CVMM_PSCI_FN_PSCI_VERSION, "PSCI_VERSION", V02, false},
    {CVMM_PSCI_FN_CPU_SUSPEND, "CPU_SUSPEND", V02, false},
    {CVMM_PSCI_FN64_CPU_SUSPEND, "CPU_SUSPEND", V02, true},
    {CVMM_PSCI_FN_CPU_OFF, "CPU_OFF", V02, false},
    {CVMM_PSCI_FN_CPU_ON, "CPU_ON", V02, false},
    {CVMM_PSCI_FN64_CPU_ON, "CPU_ON", V02, true},
    {CVMM_PSCI_FN_AFFINITY_INFO, "AFFINITY_INFO", V02, false},
    {CVMM_PSCI_FN64_AFFINITY_INFO, "AFFINITY_INFO", V02, true},
    {CVMM_PSCI_FN_MIGRATE, "MIGRATE", V02, false},
    {CVMM_PSCI_FN64_MIGRATE, "MIGRATE", V02, true},
    {CVMM_PSCI_FN_MIGRATE_INFO_TYPE, "MIGRATE_INFO_TYPE", V02, false},
    {CVMM_PSCI_FN_MIGRATE_INFO_UP_CPU, "MIGRATE_INFO_UP_CPU", V02, false},
    {CVMM_PSCI_FN64_MIGRATE_INFO_UP_CPU, "MIGRATE_INFO_UP_CPU", V02, true},
    {CVMM_PSCI_FN_SYSTEM_OFF, "SYSTEM_OFF", V02, false},
    {CVMM_PSCI_FN_SYSTEM_RESET, "SYSTEM_RESET", V02, false},
    {CVMM_PSCI_FN_PSCI_FEATURES, "PSCI_FEATURES", V10, false},
    {CVMM_PSCI_FN_CPU_FREEZE, "CPU_FREEZE", V10, false},
    {CVMM_PSCI_FN_CPU_DEFAULT_SUSPEND, "CPU_DEFAULT_SUSPEND", V10, false},
    {CVMM_PSCI_FN64_CPU_DEFAULT_SUSPEND, "CPU_DEFAULT_SUSPEND", V10, true},
    {CVMM_PSCI_FN_NODE_HW_STATE, "NODE_HW_STATE", V10, false},
    {CVMM_PSCI_FN64_NODE_HW_STATE, "NODE_HW_STATE", V10, true},
    {CVMM_PSCI_FN_SYSTEM_SUSPEND, "SYSTEM_SUSPEND", V10, false},
    {CVMM_PSCI_FN64_SYSTEM_SUSPEND, "SYSTEM_SUSPEND", V10, true},
    {CVMM_PSCI_FN_PSCI_SET_SUSPEND_MODE, "PSCI_SET_SUSPEND_MODE", V10, false},
    {CVMM_PSCI_FN_PSCI_STAT_RESIDENCY, "PSCI_STAT_RESIDENCY", V10, false},
    {CVMM_PSCI_FN64_PSCI_STAT_RESIDENCY, "PSCI_STAT_RESIDENCY", V10, true},
    {CVMM_PSCI_FN_PSCI_STAT_COUNT, "PSCI_STAT_COUNT", V10, false},
    {CVMM_PSCI_FN64_PSCI_STAT_COUNT, "PSCI_STAT_COUNT", V10, true},
    {CVMM_PSCI_FN_SYSTEM_RESET2, "SYSTEM_RESET2", V11, false},
    {CVMM_PSCI_FN64_SYSTEM_RESET2, "SYSTEM_RESET2", V11, true},
    {CVMM_PSCI_FN_MEM_PROTECT, "MEM_PROTECT", V11, false},
    {CVMM_PSCI_FN_MEM_PROTECT_CHECK_RANGE, "MEM_PROTECT_CHECK_RANGE", V11, false},
    {CVMM_PSCI_FN64_MEM_PROTECT_CHECK_RANGE, "MEM_PROTECT_CHECK_RANGE", V11, true},
};

uint32_t psci_version_encode(uint16_t major, uint16_t minor)
{
	return ((uint32_t)major << 16) | minor;
}

uint16_t psci_version_major(uint32_t version)
{
	return (uint16_t)(version >> 16);
}

uint16_t psci_version_minor(uint32_t version)
{
	return (uint16_t)(version & 0xFFFFU);
}

const struct psci_function_info *psci_function_lookup(uint32_t fid)
{
	/* Every PSCI id is base + number with number < 0x20; anything else is not PSCI. */
	uint32_t base = fid & ~0x1FU;

	if (base != CVMM_PSCI_FN32_BASE && base != CVMM_PSCI_FN64_BASE)
		return NULL;
	for (size_t i = 0; i < CVMM_PSCI_FUNCTION_COUNT; i++)
		if (functions[i].id == fid)
			return &functions[i];
	return NULL;
}

const char *psci_function_name(uint32_t fid)
{
	const struct psci_function_info *fn = psci_function_lookup(fid);

	return fn ? fn->name : NULL;
}

const struct psci_function_info *psci_function_table(size_t *count)
{
	if (count)
		*count = CVMM_PSCI_FUNCTION_COUNT;
	return functions;
}

uint32_t psci_functions_up_to(uint32_t version)
{
	uint32_t mask = 0;

	for (size_t i = 0; i < CVMM_PSCI_FUNCTION_COUNT; i++)
		if (functions[i].since <= version)
			mask |= CVMM_PSCI_FN_BIT(functions[i].id);
	return mask;
}

const char *psci_ret_name(int32_t ret)
{
	static const char *const names[] = {
	    "SUCCESS",    "NOT_SUPPORTED",    "INVALID_PARAMETERS", "DENIED",   "ALREADY_ON",
	    "ON_PENDING", "INTERNAL_FAILURE", "NOT_PRESENT",        "DISABLED", "INVALID_ADDRESS",
	};

	if (ret > 0 || ret < CVMM_PSCI_RET_INVALID_ADDRESS)
		return NULL;
	return names[-ret];
}

uint64_t psci_ret_to_reg(int32_t ret)
{
	return (uint64_t)(int64_t)ret;
}

/* KVM's MP state numbers (<linux/kvm.h>), kept here so that this library needs no
   kernel header; the tests check them against the kernel's. */
#define MP_STATE_STOPPED 5U

enum psci_core_state psci_core_state_from_mp_state(uint32_t mp_state)
{
	return mp_state == MP_STATE_STOPPED ? CVMM_PSCI_CORE_OFF : CVMM_PSCI_CORE_ON;
}

enum psci_caller_state psci_caller_from_pstate(uint64_t pstate)
{
	/* PSTATE.nRW (bit 4) is 1 for AArch32. */
	return (pstate & (1ULL << 4)) ? CVMM_PSCI_CALLER_AARCH32 : CVMM_PSCI_CALLER_AARCH64;
}

int psci_call_decode(const uint64_t x[4], struct psci_call *out)
{
	if (!x || !out)
		return -EINVAL;
	out->fid = psci_smccc_fid(x[0]);
	out->fn = psci_function_lookup(out->fid);
	out->smc64 = (out->fid & CVMM_SMCCC_SMC64) != 0;
	/* An SMC32 call's arguments are W1..W3: the upper halves may hold anything. */
	uint64_t mask = out->smc64 ? UINT64_MAX : UINT32_MAX;
	for (int i = 0; i < 3; i++)
		out->arg[i] = x[i + 1] & mask;
	return 0;
}
