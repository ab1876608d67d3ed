/* SPDX-License-Identifier: Apache-2.0 */
/* SMCCC function id fields (Arm DEN0028). */
#include <cvmm/psci.h>

struct psci_smccc_id psci_smccc_decode(uint32_t fid)
{
	struct psci_smccc_id id = {
	    .raw = fid,
	    .fast = (fid & CVMM_SMCCC_FAST_CALL) != 0,
	    .smc64 = (fid & CVMM_SMCCC_SMC64) != 0,
	    .owner = (uint8_t)((fid >> CVMM_SMCCC_OWNER_SHIFT) & CVMM_SMCCC_OWNER_MASK),
	    .sve_hint = (fid & CVMM_SMCCC_SVE_HINT) != 0,
	    .mbz = (uint8_t)((fid & CVMM_SMCCC_MBZ_MASK) >> 17),
	    .number = (uint16_t)(fid & CVMM_SMCCC_NUMBER_MASK),
	};
	return id;
}

uint32_t psci_smccc_encode(bool fast, bool smc64, uint8_t owner, uint16_t number)
{
	uint32_t fid = ((uint32_t)owner & CVMM_SMCCC_OWNER_MASK) << CVMM_SMCCC_OWNER_SHIFT;

	if (fast)
		fid |= CVMM_SMCCC_FAST_CALL;
	if (smc64)
		fid |= CVMM_SMCCC_SMC64;
	return fid | number;
}

uint32_t psci_smccc_fid(uint64_t x0)
{
	return (uint32_t)x0;
}
