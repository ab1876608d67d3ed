/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness: arbitrary register values, RAM layouts and core states through
   every psci function that sees guest input, with the library's promises as checks. */
#include <cvmm/psci.h>

#include <stdlib.h>
#include <string.h>

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct input *in, size_t bytes)
{
	uint64_t v = 0;

	for (size_t i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static bool reference_valid(uint64_t entry, enum psci_caller_state caller,
                            const struct psci_ram_range *ram, size_t n)
{
	unsigned __int128 addr = entry, len = 4;

	if (caller == CVMM_PSCI_CALLER_AARCH32 && (entry & 1)) {
		addr = entry & ~1ULL;
		len = 2;
	} else if (entry & 3) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned __int128 end = (unsigned __int128)ram[i].base + ram[i].size;
		if (end > ((unsigned __int128)1 << 64))
			end = (unsigned __int128)1 << 64;
		if (addr >= ram[i].base && addr + len <= end)
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	uint64_t x[4];
	struct psci_ram_range ram[4];
	enum psci_core_state cores[8];

	uint64_t flags = take(&in, 2);
	/* Half the time a real SYSTEM_SUSPEND id, so that the decision is reached. */
	x[0] = (flags & 1)
	           ? ((flags & 2) ? CVMM_PSCI_FN64_SYSTEM_SUSPEND : CVMM_PSCI_FN_SYSTEM_SUSPEND) |
	                 (take(&in, 4) << 32)
	           : take(&in, 8);
	for (int i = 1; i < 4; i++)
		x[i] = take(&in, 8);
	size_t n_ram = (flags >> 2) & 3;
	for (size_t i = 0; i < n_ram; i++) {
		ram[i].base = take(&in, 8);
		ram[i].size = take(&in, 8);
	}
	size_t n_cores = (flags >> 4) & 7;
	for (size_t i = 0; i < n_cores; i++)
		cores[i] = (enum psci_core_state)(take(&in, 1) % 4);
	size_t caller_index = (flags >> 7) & 7;
	if (caller_index == 7)
		caller_index = CVMM_PSCI_NO_CALLER;
	enum psci_caller_state caller = psci_caller_from_pstate(take(&in, 8));
	uint64_t sctlr = take(&in, 8);

	/* Decoding: never fails on valid pointers; SMC32 arguments never exceed 32 bits. */
	struct psci_call call;
	CHECK(psci_call_decode(x, &call) == 0);
	if (!call.smc64)
		for (int i = 0; i < 3; i++)
			CHECK(call.arg[i] <= UINT32_MAX);
	if (call.fn)
		CHECK(call.fn->id == call.fid && psci_function_name(call.fid));
	struct psci_smccc_id id = psci_smccc_decode(call.fid);
	CHECK(psci_smccc_encode(id.fast, id.smc64, id.owner, id.number) ==
	      (call.fid & ~(CVMM_SMCCC_MBZ_MASK | CVMM_SMCCC_SVE_HINT)));

	struct psci_features_config cfg = {(uint32_t)x[1], (uint32_t)x[2], x[3] & 1, x[3] & 2,
	                                   (uint32_t)(x[3] >> 32)};
	int32_t f = psci_features_answer(&cfg, call.fid);
	CHECK(f == CVMM_PSCI_RET_NOT_SUPPORTED || (f >= 0 && f <= 3));

	CHECK(psci_entry_valid(x[1], caller, ram, n_ram) ==
	      reference_valid(x[1], caller, ram, n_ram));

	struct psci_system_suspend_args args;
	int r = psci_system_suspend_args(x, &args);
	if (r < 0) {
		CHECK(call.fid != CVMM_PSCI_FN_SYSTEM_SUSPEND &&
		      call.fid != CVMM_PSCI_FN64_SYSTEM_SUSPEND);
		return 0;
	}
	struct psci_suspend_env env = {caller, cores, n_cores,          caller_index,
	                               ram,    n_ram, (flags >> 10) & 1};
	struct psci_suspend_decision d;
	CHECK(psci_system_suspend_decide(&args, &env, &d) == 0);
	CHECK(psci_ret_name(d.ret) != NULL);
	CHECK(d.honour == (d.ret == CVMM_PSCI_RET_SUCCESS));
	if (!d.honour)
		return 0;
	/* An honoured call: every other core OFF, policy allows, entry inside RAM. */
	for (size_t i = 0; i < n_cores; i++)
		CHECK(i == caller_index || cores[i] == CVMM_PSCI_CORE_OFF);
	CHECK(!env.policy_deny);
	CHECK(reference_valid(args.entry, caller, ram, n_ram));
	struct psci_wake_state w;
	CHECK(psci_wake_state(&args, caller, sctlr, &w) == 0);
	CHECK(w.x0 ==
	      (caller == CVMM_PSCI_CALLER_AARCH32 ? (uint32_t)args.context_id : args.context_id));
	uint64_t s = psci_wake_sctlr_el1(&w, take(&in, 8));
	CHECK(!(s & (CVMM_PSCI_SCTLR_M | CVMM_PSCI_SCTLR_C | CVMM_PSCI_SCTLR_I)));
	CHECK(!!(s & CVMM_PSCI_SCTLR_EE) == !!(sctlr & CVMM_PSCI_SCTLR_EE));
	return 0;
}
