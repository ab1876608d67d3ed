/* SPDX-License-Identifier: Apache-2.0 */
/* SMCCC function id decoding and encoding. */
#include <cvmm/psci.h>

#include <criterion/criterion.h>

Test(smccc, decode_psci_system_suspend_smc64)
{
	struct psci_smccc_id id = psci_smccc_decode(0xC400000EU);

	cr_assert_eq(id.raw, 0xC400000EU);
	cr_assert(id.fast);
	cr_assert(id.smc64);
	cr_assert_eq(id.owner, CVMM_SMCCC_OWNER_STANDARD);
	cr_assert_not(id.sve_hint);
	cr_assert_eq(id.mbz, 0);
	cr_assert_eq(id.number, 0x0E);
}

Test(smccc, decode_smc32_fast)
{
	struct psci_smccc_id id = psci_smccc_decode(CVMM_PSCI_FN_SYSTEM_SUSPEND);

	cr_assert(id.fast);
	cr_assert_not(id.smc64);
	cr_assert_eq(id.owner, 4);
	cr_assert_eq(id.number, 0x0E);
}

Test(smccc, decode_yielding_and_owner_fields)
{
	/* Yielding SMC64 call of a trusted OS (owner 63), function 0x1234. */
	struct psci_smccc_id id = psci_smccc_decode(0x7F001234U);

	cr_assert_not(id.fast);
	cr_assert(id.smc64);
	cr_assert_eq(id.owner, 63);
	cr_assert_eq(id.number, 0x1234);
	cr_assert_eq(id.mbz, 0);
}

Test(smccc, decode_sve_hint_and_mbz_bits)
{
	struct psci_smccc_id id = psci_smccc_decode(0x80010000U);

	cr_assert(id.sve_hint);
	cr_assert_eq(id.mbz, 0);
	cr_assert_eq(id.owner, CVMM_SMCCC_OWNER_ARCH);

	id = psci_smccc_decode(0x84FE0000U);
	cr_assert_not(id.sve_hint);
	cr_assert_eq(id.mbz, 0x7F);
	cr_assert_eq(id.number, 0);

	id = psci_smccc_decode(0x84020000U);
	cr_assert_eq(id.mbz, 1);
}

Test(smccc, decode_all_zero_and_all_one)
{
	struct psci_smccc_id z = psci_smccc_decode(0);
	struct psci_smccc_id o = psci_smccc_decode(UINT32_MAX);

	cr_assert_not(z.fast);
	cr_assert_not(z.smc64);
	cr_assert_eq(z.owner, 0);
	cr_assert_eq(z.number, 0);
	cr_assert(o.fast);
	cr_assert(o.smc64);
	cr_assert_eq(o.owner, 63);
	cr_assert(o.sve_hint);
	cr_assert_eq(o.mbz, 0x7F);
	cr_assert_eq(o.number, 0xFFFF);
}

Test(smccc, encode_every_flag_combination)
{
	cr_assert_eq(psci_smccc_encode(true, false, 4, 0x0E), 0x8400000EU);
	cr_assert_eq(psci_smccc_encode(true, true, 4, 0x0E), 0xC400000EU);
	cr_assert_eq(psci_smccc_encode(false, true, 4, 0x0E), 0x4400000EU);
	cr_assert_eq(psci_smccc_encode(false, false, 4, 0x0E), 0x0400000EU);
	cr_assert_eq(psci_smccc_encode(true, false, CVMM_SMCCC_OWNER_ARCH, 0),
	             CVMM_SMCCC_VERSION_FN);
	/* Only the low 6 bits of the owner count. */
	cr_assert_eq(psci_smccc_encode(false, false, 0xFF, 0xFFFF), 0x3F00FFFFU);
}

Test(smccc, encode_decode_round_trip)
{
	for (int fast = 0; fast < 2; fast++)
		for (int smc64 = 0; smc64 < 2; smc64++)
			for (unsigned owner = 0; owner < 64; owner++) {
				uint16_t number = (uint16_t)(owner * 0x3FF + 7);
				uint32_t fid =
				    psci_smccc_encode(fast, smc64, (uint8_t)owner, number);
				struct psci_smccc_id id = psci_smccc_decode(fid);
				cr_assert_eq(id.fast, (bool)fast);
				cr_assert_eq(id.smc64, (bool)smc64);
				cr_assert_eq(id.owner, owner);
				cr_assert_eq(id.number, number);
				cr_assert_eq(id.mbz, 0);
				cr_assert_not(id.sve_hint);
			}
}

Test(smccc, fid_is_low_half_of_x0)
{
	cr_assert_eq(psci_smccc_fid(0xDEADBEEF8400000EULL), 0x8400000EU);
	cr_assert_eq(psci_smccc_fid(0xC400000EULL), 0xC400000EU);
	cr_assert_eq(psci_smccc_fid(UINT64_MAX), UINT32_MAX);
}
