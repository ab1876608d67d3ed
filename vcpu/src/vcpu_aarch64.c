/* SPDX-License-Identifier: Apache-2.0 */
/* aarch64: KVM_ARM_VCPU_INIT, boot registers, and PSCI SYSTEM_SUSPEND across the set. */
#include "vcpu_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_system_suspend(uint32_t fid)
{
	return fid == CVMM_PSCI_FN_SYSTEM_SUSPEND || fid == CVMM_PSCI_FN64_SYSTEM_SUSPEND;
}

int vcpu_arch_set_init(struct vcpu_set *set)
{
	int r = 0;

	for (size_t i = 0; i < set->n_forward_smccc; i++) {
		if (is_system_suspend(set->forward_smccc[i]))
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (set->forward_smccc[j] == set->forward_smccc[i])
				return -EINVAL;
	}
	/* Only on opt-in: without the cap KVM itself answers the guest NOT_SUPPORTED. */
	if (set->system_suspend)
		r = kvmio_vm_enable_cap(set->vm, KVM_CAP_ARM_SYSTEM_SUSPEND, 0);
	for (size_t i = 0; i < set->n_forward_smccc && r == 0; i++)
		r = kvmio_vm_arm_smccc_filter(set->vm, set->forward_smccc[i], 1,
		                              KVMIO_SMCCC_FWD_TO_USER);
	return r;
}

int vcpu_arch_hypercall_exit(struct vcpu *v, const struct kvmio_exit *ex, struct vcpu_end *end)
{
	const struct vcpu_handlers *h = &v->set->h;
	struct vcpu_smccc_call call = {
	    .function_id = (uint32_t)ex->hypercall.nr,
	    .smc = (ex->hypercall.flags & KVMIO_HYPERCALL_EXIT_SMC) != 0,
	};
	uint64_t x[4];
	int r = 0;

	/* KVM has already moved the PC past the call; x0..x3 are the call's results. */
	for (int i = 0; i < 4 && r == 0; i++)
		r = kvmio_vcpu_get_reg(v->kv, KVMIO_ARM64_REG_X(i), &x[i]);
	if (r < 0)
		goto failed;
	memcpy(call.args, &x[1], sizeof(call.args));
	call.results[0] = (uint64_t)(int64_t)CVMM_PSCI_RET_NOT_SUPPORTED;
	memcpy(&call.results[1], &x[1], sizeof(call.args));
	if (h->smccc) {
		r = h->smccc(h->opaque, v, &call);
		if (r < 0) {
			end->reason = VCPU_END_HANDLER;
			end->error = r;
			return 1;
		}
	}
	for (int i = 0; i < 4 && r == 0; i++)
		r = kvmio_vcpu_set_reg(v->kv, KVMIO_ARM64_REG_X(i), call.results[i]);
	if (r == 0)
		return 0;
failed:
	end->reason = VCPU_END_FAILURE;
	end->error = r;
	return 1;
}

void vcpu_arch_set_fini(struct vcpu_set *set)
{
	(void)set;
}

int vcpu_arch_check_config(const struct vcpu_config *cfg)
{
	/* POWER_OFF is expressed by powered_off; PSCI 0.2 is always on. */
	if (cfg->features & (1ull << KVM_ARM_VCPU_POWER_OFF))
		return -EINVAL;
	if (cfg->suspended && cfg->powered_off)
		return -EINVAL;
	return 0;
}

/*
 * Puts a new vCPU inside the SYSTEM_SUSPEND s describes, as vcpu_arch_suspend_exit()
 * leaves one it honours. s may come from a file: it gets the checks a guest's call gets.
 */
static int vcpu_start_suspended(struct vcpu *v, const struct vcpu_suspend_state *s)
{
	struct vcpu_set *set = v->set;
	enum psci_caller_state caller =
	    s->aarch32 ? CVMM_PSCI_CALLER_AARCH32 : CVMM_PSCI_CALLER_AARCH64;
	struct psci_system_suspend_args args = {
	    .fid = s->smc64 ? CVMM_PSCI_FN64_SYSTEM_SUSPEND : CVMM_PSCI_FN_SYSTEM_SUSPEND,
	    .smc64 = s->smc64,
	    .entry = s->entry,
	    .context_id = s->context_id,
	};
	int r;

	if (!set->system_suspend || (!s->smc64 && (s->entry >> 32 || s->context_id >> 32)) ||
	    (s->aarch32 && s->smc64) || !psci_entry_valid(s->entry, caller, set->ram, set->n_ram))
		return -EINVAL;
	r = psci_wake_state(&args, caller, s->big_endian ? CVMM_PSCI_SCTLR_EE : 0, &v->arch.wake);
	if (r == 0)
		r = kvmio_vcpu_set_mp_state(v->kv, KVM_MP_STATE_SUSPENDED);
	if (r < 0)
		return r;
	v->arch.entry = s->entry;
	v->arch.context_id = s->context_id;
	v->arch.smc64 = s->smc64;
	vcpu_mark_suspended(v, true);
	return 0;
}

int vcpu_get_suspend_state(const struct vcpu *v, struct vcpu_suspend_state *out)
{
	if (!v || !out || !v->suspended)
		return -EINVAL;
	*out = (struct vcpu_suspend_state){
	    .entry = v->arch.entry,
	    .context_id = v->arch.context_id,
	    .smc64 = v->arch.smc64,
	    .aarch32 = psci_caller_from_pstate(v->arch.wake.pstate) == CVMM_PSCI_CALLER_AARCH32,
	    .big_endian = v->arch.wake.big_endian,
	};
	return 0;
}

int vcpu_arch_configure(struct vcpu *v, const struct vcpu_config *cfg)
{
	uint64_t features = cfg->features | (1ull << KVM_ARM_VCPU_PSCI_0_2);
	int r;

	if (cfg->powered_off)
		features |= 1ull << KVM_ARM_VCPU_POWER_OFF;
	r = kvmio_vcpu_arm_init(v->kv, features);
	if (r < 0)
		return r;
	v->arch.features = features;
	if (cfg->powered_off)
		return 0;
	if (cfg->suspended)
		return vcpu_start_suspended(v, cfg->suspended);
	r = kvmio_vcpu_set_reg(v->kv, KVMIO_ARM64_REG_PC, cfg->entry);
	for (int i = 0; i < 4 && r == 0; i++)
		r = kvmio_vcpu_set_reg(v->kv, KVMIO_ARM64_REG_X(i), cfg->args[i]);
	if (r == 0 && cfg->stack)
		r = kvmio_vcpu_set_reg(v->kv, KVMIO_ARM64_REG_SP_EL1, cfg->stack);
	return r;
}

/* Reads the calling vCPU's x0..x3, PSTATE and SCTLR_EL1. */
static int vcpu_read_caller(struct vcpu *v, uint64_t x[4], uint64_t *pstate, uint64_t *sctlr)
{
	int r = 0;

	for (int i = 0; i < 4 && r == 0; i++)
		r = kvmio_vcpu_get_reg(v->kv, KVMIO_ARM64_REG_X(i), &x[i]);
	if (r == 0)
		r = kvmio_vcpu_get_reg(v->kv, KVMIO_ARM64_REG_PSTATE, pstate);
	if (r == 0)
		r = kvmio_vcpu_get_reg(v->kv, KVMIO_ARM64_REG_SCTLR_EL1, sctlr);
	return r;
}

/*
 * The PSCI state of every other vCPU (they are parked). A vCPU whose MP state cannot be
 * read counts as ON, so that an error never lets a suspend through.
 */
static int vcpu_other_cores(struct vcpu *v, enum psci_core_state **cores, size_t *n)
{
	struct vcpu_set *set = v->set;
	enum psci_core_state *c;
	size_t k = 0;

	struct vcpu **list;
	size_t n_list;

	/* A copy: vcpu_create() may grow the array meanwhile (a new vCPU is not running). */
	pthread_mutex_lock(&set->lock);
	n_list = set->n;
	list = calloc(n_list ? n_list : 1, sizeof(*list));
	c = calloc(n_list ? n_list : 1, sizeof(*c));
	if (list && c)
		memcpy(list, set->vcpus, n_list * sizeof(*list));
	pthread_mutex_unlock(&set->lock);
	if (!list || !c) {
		free(list);
		free(c);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_list; i++) {
		struct vcpu *o = list[i];
		uint32_t mp;
		if (o == v)
			continue;
		if (kvmio_vcpu_get_mp_state(o->kv, &mp) < 0)
			c[k++] = CVMM_PSCI_CORE_ON;
		else
			c[k++] = psci_core_state_from_mp_state(mp);
	}
	free(list);
	*cores = c;
	*n = k;
	return 0;
}

/* Answers a refused SYSTEM_SUSPEND with ret in x0 and tells the embedder. */
static int vcpu_refuse_suspend(struct vcpu *v, int32_t ret, uint64_t entry, uint64_t context_id)
{
	const struct vcpu_handlers *h = &v->set->h;
	VCPU_COUNT(v, suspend_denied);
	int r = kvmio_vcpu_set_reg(v->kv, KVMIO_ARM64_REG_X(0), psci_ret_to_reg(ret));
	if (h->suspend_refused)
		h->suspend_refused(h->opaque, v, ret, entry, context_id);
	return r;
}

int vcpu_arch_suspend_exit(struct vcpu *v)
{
	struct vcpu_set *set = v->set;
	const struct vcpu_handlers *h = &set->h;
	uint64_t t0 = vcpu_now_ns(), x[4], pstate, sctlr;
	struct psci_system_suspend_args args;
	struct psci_suspend_decision d;
	struct psci_suspend_env env = {0};
	enum psci_core_state *cores = NULL;
	int r;

	r = vcpu_read_caller(v, x, &pstate, &sctlr);
	if (r < 0)
		return r;
	/* Registers come from the guest: a malformed call is answered, never trusted. */
	if (!set->system_suspend || psci_system_suspend_args(x, &args) < 0)
		return vcpu_refuse_suspend(v, CVMM_PSCI_RET_NOT_SUPPORTED, x[1], x[2]);

	vcpu_exclusive_enter(v);
	r = vcpu_other_cores(v, &cores, &env.n_cores);
	if (r < 0) {
		vcpu_exclusive_leave(v);
		return r;
	}
	env.caller = psci_caller_from_pstate(pstate);
	env.cores = cores;
	env.caller_index = CVMM_PSCI_NO_CALLER;
	env.ram = set->ram;
	env.n_ram = set->n_ram;
	r = psci_system_suspend_decide(&args, &env, &d);
	/*
	 * The embedder's policy is asked once every other core is OFF; psci then ranks its
	 * refusal (DENIED) before a bad entry point, as it ranks the checks.
	 */
	if (r == 0 && (d.honour || d.reason == CVMM_PSCI_SUSPEND_BAD_ENTRY) && h->suspend_allowed &&
	    !h->suspend_allowed(h->opaque, v, args.entry, args.context_id)) {
		env.policy_deny = true;
		r = psci_system_suspend_decide(&args, &env, &d);
	}
	free(cores);
	if (r < 0 || !d.honour) {
		vcpu_exclusive_leave(v);
		return vcpu_refuse_suspend(v, r < 0 ? CVMM_PSCI_RET_INTERNAL_FAILURE : d.ret,
		                           args.entry, args.context_id);
	}
	r = psci_wake_state(&args, env.caller, sctlr, &v->arch.wake);
	if (r == 0)
		r = kvmio_vcpu_set_mp_state(v->kv, KVM_MP_STATE_SUSPENDED);
	if (r < 0) {
		vcpu_exclusive_leave(v);
		return vcpu_refuse_suspend(v, CVMM_PSCI_RET_INTERNAL_FAILURE, args.entry,
		                           args.context_id);
	}
	v->arch.entry = args.entry;
	v->arch.context_id = args.context_id;
	v->arch.smc64 = args.smc64;
	vcpu_mark_suspended(v, true);
	vcpu_exclusive_leave(v);
	VCPU_COUNT(v, suspends);
	VCPU_SET_COUNTER(v, suspend_ns, vcpu_now_ns() - t0);
	if (h->suspended)
		h->suspended(h->opaque, v, args.entry, args.context_id);
	/* The next KVM_RUN waits in the kernel until an interrupt is pending. */
	return 0;
}

int vcpu_arch_wakeup_exit(struct vcpu *v)
{
	const struct vcpu_handlers *h = &v->set->h;
	const struct psci_wake_state *w = &v->arch.wake;
	uint64_t t0 = vcpu_now_ns(), sctlr;
	int r;

	if (!v->suspended) {
		/* Not a suspend of ours: just leave the SUSPENDED state. */
		return kvmio_vcpu_set_mp_state(v->kv, KVM_MP_STATE_RUNNABLE);
	}
	/*
	 * VCPU_WAKE_RESET: as from reset, re-init with the same features, then the wake
	 * state. VCPU_WAKE_PSCI_STATE: the wake state over the registers as they are (the
	 * SCTLR_EL1 write turns the MMU and caches off either way).
	 */
	r = v->set->wake == VCPU_WAKE_RESET ? kvmio_vcpu_arm_init(v->kv, v->arch.features) : 0;
	if (r == 0)
		r = kvmio_vcpu_get_reg(v->kv, KVMIO_ARM64_REG_SCTLR_EL1, &sctlr);
	if (r == 0)
		r = kvmio_vcpu_set_reg(v->kv, KVMIO_ARM64_REG_SCTLR_EL1,
		                       psci_wake_sctlr_el1(w, sctlr));
	if (r == 0)
		r = kvmio_vcpu_set_reg(v->kv, KVMIO_ARM64_REG_PC, w->pc);
	if (r == 0)
		r = kvmio_vcpu_set_reg(v->kv, KVMIO_ARM64_REG_X(0), w->x0);
	if (r == 0)
		r = kvmio_vcpu_set_reg(v->kv, KVMIO_ARM64_REG_PSTATE, w->pstate);
	/* Left SUSPENDED, KVM would report WAKEUP again at once. */
	if (r == 0)
		r = kvmio_vcpu_set_mp_state(v->kv, KVM_MP_STATE_RUNNABLE);
	if (r < 0)
		return r;
	vcpu_mark_suspended(v, false);
	VCPU_COUNT(v, wakeups);
	VCPU_SET_COUNTER(v, wakeup_ns, vcpu_now_ns() - t0);
	if (h->resumed)
		h->resumed(h->opaque, v);
	return 0;
}
