/* SPDX-License-Identifier: Apache-2.0 */
/* SYSTEM_SUSPEND (DEN0022D.b 5.19): arguments, entry point, decision, wake state. */
#include <cvmm/psci.h>

#include <errno.h>

static bool is_system_suspend(uint32_t fid)
{
	return fid == CVMM_PSCI_FN_SYSTEM_SUSPEND || fid == CVMM_PSCI_FN64_SYSTEM_SUSPEND;
}

int psci_system_suspend_args(const uint64_t x[4], struct psci_system_suspend_args *out)
{
	struct psci_call call;

	if (psci_call_decode(x, &call) < 0 || !out)
		return -EINVAL;
	if (!is_system_suspend(call.fid))
		return -ENOENT;
	out->fid = call.fid;
	out->smc64 = call.smc64;
	out->entry = call.arg[0];
	out->context_id = call.arg[1];
	return 0;
}

/* Whether [addr, addr + len) lies inside one range; 1 <= len. Works with inclusive
   last addresses so that no sum can wrap, whatever the guest or the caller gives. */
static bool inside_ram(uint64_t addr, uint64_t len, const struct psci_ram_range *ram, size_t n_ram)
{
	for (size_t i = 0; i < n_ram; i++) {
		uint64_t base = ram[i].base;
		uint64_t last;

		if (ram[i].size == 0)
			continue;
		/* A range that runs past 2^64 holds only what lies below 2^64. */
		if (ram[i].size - 1 > UINT64_MAX - base)
			last = UINT64_MAX;
		else
			last = base + (ram[i].size - 1);
		if (addr >= base && addr <= last && last - addr >= len - 1)
			return true;
	}
	return false;
}

bool psci_entry_valid(uint64_t entry, enum psci_caller_state caller,
                      const struct psci_ram_range *ram, size_t n_ram)
{
	if (!ram)
		return false;
	if (caller == CVMM_PSCI_CALLER_AARCH32 && (entry & 1))
		return inside_ram(entry & ~1ULL, 2, ram, n_ram);
	if (entry & 3)
		return false;
	return inside_ram(entry, 4, ram, n_ram);
}

static void decide(struct psci_suspend_decision *out, enum psci_suspend_reason reason, int32_t ret,
                   size_t core)
{
	out->honour = reason == CVMM_PSCI_SUSPEND_HONOUR;
	out->reason = reason;
	out->ret = ret;
	out->core = core;
}

int psci_system_suspend_decide(const struct psci_system_suspend_args *args,
                               const struct psci_suspend_env *env,
                               struct psci_suspend_decision *out)
{
	if (!args || !env || !out || !is_system_suspend(args->fid))
		return -EINVAL;
	if ((!env->cores && env->n_cores) || (!env->ram && env->n_ram))
		return -EINVAL;

	/* The order of the checks is documented in the header; keep the two in step. */
	if (args->fid == CVMM_PSCI_FN64_SYSTEM_SUSPEND && env->caller == CVMM_PSCI_CALLER_AARCH32) {
		decide(out, CVMM_PSCI_SUSPEND_NOT_SUPPORTED, CVMM_PSCI_RET_NOT_SUPPORTED,
		       CVMM_PSCI_NO_CALLER);
		return 0;
	}
	for (size_t i = 0; i < env->n_cores; i++) {
		/* Anything but OFF blocks, unknown values included: fail closed. */
		if (i != env->caller_index && env->cores[i] != CVMM_PSCI_CORE_OFF) {
			decide(out, CVMM_PSCI_SUSPEND_CORE_NOT_OFF, CVMM_PSCI_RET_DENIED, i);
			return 0;
		}
	}
	if (env->policy_deny) {
		decide(out, CVMM_PSCI_SUSPEND_POLICY, CVMM_PSCI_RET_DENIED, CVMM_PSCI_NO_CALLER);
		return 0;
	}
	if (!psci_entry_valid(args->entry, env->caller, env->ram, env->n_ram)) {
		decide(out, CVMM_PSCI_SUSPEND_BAD_ENTRY, CVMM_PSCI_RET_INVALID_ADDRESS,
		       CVMM_PSCI_NO_CALLER);
		return 0;
	}
	decide(out, CVMM_PSCI_SUSPEND_HONOUR, CVMM_PSCI_RET_SUCCESS, CVMM_PSCI_NO_CALLER);
	return 0;
}

int psci_wake_state(const struct psci_system_suspend_args *args, enum psci_caller_state caller,
                    uint64_t caller_sctlr_el1, struct psci_wake_state *out)
{
	if (!args || !out)
		return -EINVAL;
	out->big_endian = (caller_sctlr_el1 & CVMM_PSCI_SCTLR_EE) != 0;
	out->x0 = args->context_id;
	out->sctlr_clear =
	    CVMM_PSCI_SCTLR_M | CVMM_PSCI_SCTLR_C | CVMM_PSCI_SCTLR_I | CVMM_PSCI_SCTLR_EE;
	out->sctlr_set = out->big_endian ? CVMM_PSCI_SCTLR_EE : 0;
	if (caller == CVMM_PSCI_CALLER_AARCH32) {
		/* An AArch32 core takes r0 and a 32-bit PC; CPSR.E follows SCTLR.EE. */
		out->x0 &= UINT32_MAX;
		out->pc = args->entry & UINT32_MAX & ~1ULL;
		out->pstate = CVMM_PSCI_PSTATE_AA32_SVC | CVMM_PSCI_PSTATE_A | CVMM_PSCI_PSTATE_I |
		              CVMM_PSCI_PSTATE_F;
		if (args->entry & 1)
			out->pstate |= CVMM_PSCI_PSTATE_AA32_T;
		if (out->big_endian)
			out->pstate |= CVMM_PSCI_PSTATE_AA32_E;
	} else {
		out->pc = args->entry;
		out->pstate = CVMM_PSCI_PSTATE_EL1H | CVMM_PSCI_PSTATE_D | CVMM_PSCI_PSTATE_A |
		              CVMM_PSCI_PSTATE_I | CVMM_PSCI_PSTATE_F;
	}
	return 0;
}

uint64_t psci_wake_sctlr_el1(const struct psci_wake_state *wake, uint64_t sctlr_after_reset)
{
	if (!wake)
		return sctlr_after_reset;
	return (sctlr_after_reset & ~wake->sctlr_clear) | wake->sctlr_set;
}
