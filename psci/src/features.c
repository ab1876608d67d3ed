/* SPDX-License-Identifier: Apache-2.0 */
/* The PSCI_FEATURES answer. */
#include <cvmm/psci.h>

int32_t psci_features_answer(const struct psci_features_config *cfg, uint32_t fid)
{
	if (!cfg || cfg->version < CVMM_PSCI_VERSION_1_0)
		return CVMM_PSCI_RET_NOT_SUPPORTED;
	if (fid == CVMM_SMCCC_VERSION_FN)
		return cfg->smccc_version ? CVMM_PSCI_RET_SUCCESS : CVMM_PSCI_RET_NOT_SUPPORTED;

	const struct psci_function_info *fn = psci_function_lookup(fid);

	if (!fn || fn->since > cfg->version)
		return CVMM_PSCI_RET_NOT_SUPPORTED;
	if (!(cfg->functions & CVMM_PSCI_FN_BIT(fid)))
		return CVMM_PSCI_RET_NOT_SUPPORTED;
	if (fn->smc64 && !cfg->smc64)
		return CVMM_PSCI_RET_NOT_SUPPORTED;
	if (fid == CVMM_PSCI_FN_CPU_SUSPEND || fid == CVMM_PSCI_FN64_CPU_SUSPEND)
		/* Only bits 1:0 are defined; the others are reserved and must read as zero. */
		return (int32_t)(cfg->cpu_suspend_flags & CVMM_PSCI_CPU_SUSPEND_FLAGS_MASK);
	return CVMM_PSCI_RET_SUCCESS;
}
