/* SPDX-License-Identifier: see LICENSE */
/*
 * cvmm psci: the vocabulary and the decisions of the Arm Power State Coordination
 * Interface (PSCI, Arm DEN0022D.b) and of the SMC Calling Convention it rides on
 * (SMCCC, Arm DEN0028), for a VMM that handles PSCI calls of its guests.
 *
 * What it gives:
 *   - SMCCC function id decoding and encoding;
 *   - every PSCI 0.2, 1.0 and 1.1 function id, with its name and the version that
 *     introduced it; the return codes with their names; version encoding;
 *   - the PSCI_FEATURES answer for a function id, given what the VMM offers;
 *   - SYSTEM_SUSPEND: arguments from the caller's registers, entry point validation
 *     against guest RAM, the honour or deny decision, and the register state the
 *     calling core gets when it wakes up.
 *
 * No dependencies, no system calls, no global mutable state: every function is a pure
 * function of its arguments and is safe to call from any thread at any time. Values
 * from the guest (registers) are treated as untrusted: every one is checked.
 *
 * Names: functions and types start with psci_, constants with CVMM_PSCI_ or CVMM_SMCCC_,
 * so that this header can be included together with <linux/psci.h> and <linux/kvm.h>
 * (whose arm64 part includes <linux/psci.h>) without any clash.
 */
#ifndef CVMM_PSCI_H
#define CVMM_PSCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------- */
/* SMCCC function ids (DEN0028): the 32-bit value a caller puts in W0.                 */
/* ---------------------------------------------------------------------------------- */

#define CVMM_SMCCC_FAST_CALL (1U << 31) /* bit 31: 1 fast call, 0 yielding call */
#define CVMM_SMCCC_SMC64 (1U << 30)     /* bit 30: 1 SMC64, 0 SMC32 convention */
#define CVMM_SMCCC_OWNER_SHIFT 24       /* bits 29:24: owning entity */
#define CVMM_SMCCC_OWNER_MASK 0x3FU
#define CVMM_SMCCC_SVE_HINT (1U << 16)  /* bit 16: SMCCC 1.3 "no live SVE state" hint */
#define CVMM_SMCCC_MBZ_MASK 0x00FE0000U /* bits 23:17: must be zero in a fast call */
#define CVMM_SMCCC_NUMBER_MASK 0xFFFFU  /* bits 15:0: function number */

/* Owning entity numbers (bits 29:24). */
enum psci_smccc_owner {
	CVMM_SMCCC_OWNER_ARCH = 0,         /* Arm architecture calls (SMCCC_VERSION, ...) */
	CVMM_SMCCC_OWNER_CPU = 1,          /* CPU service calls */
	CVMM_SMCCC_OWNER_SIP = 2,          /* silicon partner service calls */
	CVMM_SMCCC_OWNER_OEM = 3,          /* OEM service calls */
	CVMM_SMCCC_OWNER_STANDARD = 4,     /* standard secure service calls (PSCI, ...) */
	CVMM_SMCCC_OWNER_STANDARD_HYP = 5, /* standard hypervisor service calls */
	CVMM_SMCCC_OWNER_VENDOR_HYP = 6,   /* vendor specific hypervisor service calls */
	CVMM_SMCCC_OWNER_TRUSTED_APP = 48, /* 48..49: trusted application calls */
	CVMM_SMCCC_OWNER_TRUSTED_OS = 50,  /* 50..63: trusted OS calls */
};

/* SMCCC_VERSION, the one Arm architecture call PSCI_FEATURES may be asked about. */
#define CVMM_SMCCC_VERSION_FN 0x80000000U

/* A function id split into its fields. */
struct psci_smccc_id {
	uint32_t raw;    /* the id as given */
	bool fast;       /* fast call (bit 31) rather than yielding */
	bool smc64;      /* SMC64 (bit 30) rather than SMC32 */
	uint8_t owner;   /* owning entity, 0..63 (enum psci_smccc_owner) */
	bool sve_hint;   /* bit 16 */
	uint8_t mbz;     /* bits 23:17, shifted down to 6:0; non-zero is malformed (fast call) */
	uint16_t number; /* function number, bits 15:0 */
};

/*
 * psci_smccc_decode() - split an SMCCC function id into its fields.
 * @fid: the function id (the low 32 bits of the caller's x0; see psci_smccc_fid()).
 * Returns the decoded fields. Never fails: every 32-bit value has a decoding.
 */
struct psci_smccc_id psci_smccc_decode(uint32_t fid);

/*
 * psci_smccc_encode() - build a function id from its fields.
 * @fast: fast call; @smc64: SMC64 convention; @owner: owning entity (only its low 6
 * bits are used); @number: function number.
 * Returns the function id (bits 23:16 zero).
 */
uint32_t psci_smccc_encode(bool fast, bool smc64, uint8_t owner, uint16_t number);

/*
 * psci_smccc_fid() - the function id of a call from the caller's x0: its low 32 bits
 * (SMCCC ignores the upper half of x0 for the id in both conventions).
 */
uint32_t psci_smccc_fid(uint64_t x0);

/* ---------------------------------------------------------------------------------- */
/* PSCI versions                                                                       */
/* ---------------------------------------------------------------------------------- */

/* PSCI_VERSION returns (major << 16) | minor; bit 31 is zero. */
#define CVMM_PSCI_VERSION_0_2 0x00000002U
#define CVMM_PSCI_VERSION_1_0 0x00010000U
#define CVMM_PSCI_VERSION_1_1 0x00010001U

/*
 * psci_version_encode() - the PSCI_VERSION value of version @major.@minor.
 * Returns (major << 16) | minor. A valid PSCI version has major <= 0x7FFF (bit 31 of
 * the result, the sign of PSCI_VERSION's int32 result, is then zero).
 */
uint32_t psci_version_encode(uint16_t major, uint16_t minor);

/* psci_version_major() - bits 31:16 of a PSCI_VERSION value. */
uint16_t psci_version_major(uint32_t version);

/* psci_version_minor() - bits 15:0 of a PSCI_VERSION value. */
uint16_t psci_version_minor(uint32_t version);

/* ---------------------------------------------------------------------------------- */
/* PSCI function ids                                                                   */
/* ---------------------------------------------------------------------------------- */

/* PSCI uses owner 4, fast calls, function numbers 0x00..0x1F. */
#define CVMM_PSCI_FN32_BASE 0x84000000U
#define CVMM_PSCI_FN64_BASE 0xC4000000U

/* Function ids (C11 enumeration constants must fit in an int, so these are macros). */
/* PSCI 0.2 */
#define CVMM_PSCI_FN_PSCI_VERSION 0x84000000U
#define CVMM_PSCI_FN_CPU_SUSPEND 0x84000001U
#define CVMM_PSCI_FN64_CPU_SUSPEND 0xC4000001U
#define CVMM_PSCI_FN_CPU_OFF 0x84000002U
#define CVMM_PSCI_FN_CPU_ON 0x84000003U
#define CVMM_PSCI_FN64_CPU_ON 0xC4000003U
#define CVMM_PSCI_FN_AFFINITY_INFO 0x84000004U
#define CVMM_PSCI_FN64_AFFINITY_INFO 0xC4000004U
#define CVMM_PSCI_FN_MIGRATE 0x84000005U
#define CVMM_PSCI_FN64_MIGRATE 0xC4000005U
#define CVMM_PSCI_FN_MIGRATE_INFO_TYPE 0x84000006U
#define CVMM_PSCI_FN_MIGRATE_INFO_UP_CPU 0x84000007U
#define CVMM_PSCI_FN64_MIGRATE_INFO_UP_CPU 0xC4000007U
#define CVMM_PSCI_FN_SYSTEM_OFF 0x84000008U
#define CVMM_PSCI_FN_SYSTEM_RESET 0x84000009U
/* PSCI 1.0 */
#define CVMM_PSCI_FN_PSCI_FEATURES 0x8400000AU
#define CVMM_PSCI_FN_CPU_FREEZE 0x8400000BU
#define CVMM_PSCI_FN_CPU_DEFAULT_SUSPEND 0x8400000CU
#define CVMM_PSCI_FN64_CPU_DEFAULT_SUSPEND 0xC400000CU
#define CVMM_PSCI_FN_NODE_HW_STATE 0x8400000DU
#define CVMM_PSCI_FN64_NODE_HW_STATE 0xC400000DU
#define CVMM_PSCI_FN_SYSTEM_SUSPEND 0x8400000EU
#define CVMM_PSCI_FN64_SYSTEM_SUSPEND 0xC400000EU
#define CVMM_PSCI_FN_PSCI_SET_SUSPEND_MODE 0x8400000FU
#define CVMM_PSCI_FN_PSCI_STAT_RESIDENCY 0x84000010U
#define CVMM_PSCI_FN64_PSCI_STAT_RESIDENCY 0xC4000010U
#define CVMM_PSCI_FN_PSCI_STAT_COUNT 0x84000011U
#define CVMM_PSCI_FN64_PSCI_STAT_COUNT 0xC4000011U
/* PSCI 1.1 */
#define CVMM_PSCI_FN_SYSTEM_RESET2 0x84000012U
#define CVMM_PSCI_FN64_SYSTEM_RESET2 0xC4000012U
#define CVMM_PSCI_FN_MEM_PROTECT 0x84000013U
#define CVMM_PSCI_FN_MEM_PROTECT_CHECK_RANGE 0x84000014U
#define CVMM_PSCI_FN64_MEM_PROTECT_CHECK_RANGE 0xC4000014U

/* Number of entries of the function table (all the ids above). */
#define CVMM_PSCI_FUNCTION_COUNT 33

/* Bit of a function number in a function mask (struct psci_features_config). */
#define CVMM_PSCI_FN_BIT(fid) (1U << ((fid)&0x1FU))

/* One PSCI function. */
struct psci_function_info {
	uint32_t id;      /* function id (CVMM_PSCI_FN_* or CVMM_PSCI_FN64_*) */
	const char *name; /* the spec's name, e.g. "SYSTEM_SUSPEND"; the same for both forms */
	uint32_t since;   /* PSCI version that introduced it (CVMM_PSCI_VERSION_*) */
	bool smc64;       /* the SMC64 form */
};

/*
 * psci_function_lookup() - the PSCI function with id @fid.
 * Returns a pointer into a constant table, or NULL when @fid is not a PSCI 0.2, 1.0
 * or 1.1 function id (bits 63:32 of a register must already be dropped).
 */
const struct psci_function_info *psci_function_lookup(uint32_t fid);

/*
 * psci_function_name() - the spec's name of PSCI function @fid, e.g. "CPU_ON" for both
 * 0x84000003 and 0xC4000003. Returns a static string, or NULL when @fid is not a PSCI
 * function id.
 */
const char *psci_function_name(uint32_t fid);

/*
 * psci_function_table() - every PSCI 0.2, 1.0 and 1.1 function, in increasing order of
 * function number, the SMC32 form before the SMC64 one.
 * @count: set to the number of entries (CVMM_PSCI_FUNCTION_COUNT); may be NULL.
 * Returns the constant table.
 */
const struct psci_function_info *psci_function_table(size_t *count);

/*
 * psci_functions_up_to() - the function mask (CVMM_PSCI_FN_BIT of each function
 * number) of every function that PSCI version @version defines.
 * Returns 0 for a version before 0.2.
 */
uint32_t psci_functions_up_to(uint32_t version);

/* ---------------------------------------------------------------------------------- */
/* Return codes                                                                        */
/* ---------------------------------------------------------------------------------- */

enum psci_ret {
	CVMM_PSCI_RET_SUCCESS = 0,
	CVMM_PSCI_RET_NOT_SUPPORTED = -1,
	CVMM_PSCI_RET_INVALID_PARAMETERS = -2,
	CVMM_PSCI_RET_DENIED = -3,
	CVMM_PSCI_RET_ALREADY_ON = -4,
	CVMM_PSCI_RET_ON_PENDING = -5,
	CVMM_PSCI_RET_INTERNAL_FAILURE = -6,
	CVMM_PSCI_RET_NOT_PRESENT = -7,
	CVMM_PSCI_RET_DISABLED = -8,
	CVMM_PSCI_RET_INVALID_ADDRESS = -9,
};

/*
 * psci_ret_name() - the spec's name of return code @ret, e.g. "DENIED" for -3.
 * Returns a static string, or NULL when @ret is not a PSCI return code.
 */
const char *psci_ret_name(int32_t ret);

/*
 * psci_ret_to_reg() - the x0 value that returns @ret to the caller: @ret sign-extended
 * to 64 bits (what KVM itself writes; an SMC32 caller reads W0).
 */
uint64_t psci_ret_to_reg(int32_t ret);

/* ---------------------------------------------------------------------------------- */
/* Core states                                                                         */
/* ---------------------------------------------------------------------------------- */

/* The state of a core as AFFINITY_INFO reports it (same values). */
enum psci_core_state {
	CVMM_PSCI_CORE_ON = 0,
	CVMM_PSCI_CORE_OFF = 1,
	CVMM_PSCI_CORE_ON_PENDING = 2,
};

/*
 * psci_core_state_from_mp_state() - the PSCI state of a vCPU from its KVM MP state
 * (struct kvm_mp_state.mp_state, as KVM_GET_MP_STATE gives it on arm64).
 * KVM_MP_STATE_STOPPED (5) is OFF; RUNNABLE (0) and SUSPENDED (10) are ON (a suspended
 * core is ON for PSCI); any other value is ON too, so that an unknown state never lets
 * a SYSTEM_SUSPEND through.
 */
enum psci_core_state psci_core_state_from_mp_state(uint32_t mp_state);

/* ---------------------------------------------------------------------------------- */
/* The calling core                                                                    */
/* ---------------------------------------------------------------------------------- */

/* Execution state of the calling core (at EL1). */
enum psci_caller_state {
	CVMM_PSCI_CALLER_AARCH64 = 0,
	CVMM_PSCI_CALLER_AARCH32 = 1,
};

/*
 * psci_caller_from_pstate() - the execution state of a caller from its PSTATE (KVM's
 * regs.pstate): bit 4 (nRW) set means AArch32.
 */
enum psci_caller_state psci_caller_from_pstate(uint64_t pstate);

/* A decoded PSCI call: the caller's x0..x3 as the function's arguments. */
struct psci_call {
	uint32_t fid;                        /* function id, the low 32 bits of x0 */
	const struct psci_function_info *fn; /* NULL when fid is no PSCI function */
	bool smc64;                          /* SMC64 convention (bit 30 of fid) */
	uint64_t arg[3];                     /* x1..x3; only their low 32 bits for SMC32 */
};

/*
 * psci_call_decode() - read a call from the caller's registers.
 * @x: the caller's x0, x1, x2, x3.
 * @out: filled in.
 * An SMC32 call uses only the low 32 bits of each register: the upper halves are
 * dropped here (they may hold anything).
 * Returns 0, or -EINVAL when @x or @out is NULL.
 */
int psci_call_decode(const uint64_t x[4], struct psci_call *out);

/*
 * psci_features_config - what a VMM offers, for the PSCI_FEATURES answer.
 */
struct psci_features_config {
	uint32_t version;           /* PSCI version implemented (CVMM_PSCI_VERSION_*) */
	uint32_t functions;         /* CVMM_PSCI_FN_BIT() of each function number offered */
	bool smc64;                 /* SMC64 forms offered (false for an AArch32 guest) */
	bool smccc_version;         /* SMCCC_VERSION offered (SMCCC 1.1 or later) */
	uint32_t cpu_suspend_flags; /* the answer for CPU_SUSPEND: bit 0 OS-initiated mode,
	                               bit 1 extended StateID format */
};

/* Feature flags of CPU_SUSPEND in the PSCI_FEATURES answer. */
#define CVMM_PSCI_FEATURE_CPU_SUSPEND_OSI (1U << 0)
#define CVMM_PSCI_FEATURE_CPU_SUSPEND_EXT_STATEID (1U << 1)
#define CVMM_PSCI_CPU_SUSPEND_FLAGS_MASK 0x3U /* the defined flags; the rest read 0 */

/*
 * psci_features_answer() - what PSCI_FEATURES(@fid) returns under @cfg.
 * NOT_SUPPORTED (-1) when @cfg is NULL, when @cfg->version is before 1.0 (there is
 * no PSCI_FEATURES then), when @fid is not a PSCI function of a version up to
 * @cfg->version, when its number is not in @cfg->functions, or when it is an SMC64
 * form and @cfg->smc64 is false. SMCCC_VERSION: 0 when @cfg->smccc_version, else
 * NOT_SUPPORTED. Otherwise 0, except CPU_SUSPEND, for which @cfg->cpu_suspend_flags &
 * CVMM_PSCI_CPU_SUSPEND_FLAGS_MASK.
 */
int32_t psci_features_answer(const struct psci_features_config *cfg, uint32_t fid);

/* ---------------------------------------------------------------------------------- */
/* SYSTEM_SUSPEND (DEN0022D.b 5.19)                                                    */
/* ---------------------------------------------------------------------------------- */

/* SYSTEM_SUSPEND's arguments. */
struct psci_system_suspend_args {
	uint32_t fid;        /* CVMM_PSCI_FN_SYSTEM_SUSPEND or CVMM_PSCI_FN64_SYSTEM_SUSPEND */
	bool smc64;          /* the SMC64 form */
	uint64_t entry;      /* entry point address (x1; its low 32 bits for SMC32) */
	uint64_t context_id; /* context id (x2; its low 32 bits for SMC32) */
};

/*
 * psci_system_suspend_args() - SYSTEM_SUSPEND's arguments from the caller's registers.
 * @x: the caller's x0..x3 (x3 is not used by SYSTEM_SUSPEND).
 * @out: filled in on success.
 * Returns 0, -EINVAL when @x or @out is NULL, or -ENOENT when x0 does not hold a
 * SYSTEM_SUSPEND function id (low 32 bits neither 0x8400000E nor 0xC400000E).
 */
int psci_system_suspend_args(const uint64_t x[4], struct psci_system_suspend_args *out);

/* A range of guest RAM (guest physical addresses [base, base + size)). */
struct psci_ram_range {
	uint64_t base;
	uint64_t size;
};

/*
 * psci_entry_valid() - whether @entry is an entry point the caller may resume at.
 * @entry: the entry point address (guest physical: the MMU is off on wake).
 * @caller: execution state of the caller. AArch64: @entry must be 4-byte aligned and
 *          the 4-byte instruction [entry, entry + 4) inside guest RAM. AArch32: bit 0
 *          of @entry selects T32; an A32 entry must be 4-byte aligned with 4 bytes in
 *          RAM; a T32 entry (entry & ~1) needs 2 bytes in RAM.
 * @ram, @n_ram: the guest RAM ranges. The instruction must lie inside one range.
 *          Ranges whose end passes 2^64 count up to 2^64 only. @ram may be NULL when
 *          @n_ram is 0 (then no entry is valid).
 * Returns true when valid. Never overflows, whatever the values.
 */
bool psci_entry_valid(uint64_t entry, enum psci_caller_state caller,
                      const struct psci_ram_range *ram, size_t n_ram);

/* Index meaning "the calling core is not in the cores array". */
#define CVMM_PSCI_NO_CALLER ((size_t)-1)

/*
 * What the decision needs to know besides the arguments.
 * @cores, @n_cores: the state of the cores of the VM: either all of them, the caller
 *     included at @caller_index (its entry is then ignored), or only the others, with
 *     @caller_index = CVMM_PSCI_NO_CALLER.
 */
struct psci_suspend_env {
	enum psci_caller_state caller;     /* execution state of the calling core */
	const enum psci_core_state *cores; /* core states (see above) */
	size_t n_cores;
	size_t caller_index;              /* the caller's index in cores, or NO_CALLER */
	const struct psci_ram_range *ram; /* guest RAM ranges */
	size_t n_ram;
	bool policy_deny; /* the embedder refuses SYSTEM_SUSPEND */
};

/* Why a SYSTEM_SUSPEND is honoured or not. */
enum psci_suspend_reason {
	CVMM_PSCI_SUSPEND_HONOUR = 0,    /* all checks passed: suspend the system */
	CVMM_PSCI_SUSPEND_NOT_SUPPORTED, /* SMC64 form from an AArch32 caller */
	CVMM_PSCI_SUSPEND_CORE_NOT_OFF,  /* another core is ON or ON_PENDING: DENIED */
	CVMM_PSCI_SUSPEND_POLICY,        /* the embedder's policy says deny: DENIED */
	CVMM_PSCI_SUSPEND_BAD_ENTRY,     /* entry point invalid: INVALID_ADDRESS */
};

/*
 * A decision. @honour: suspend the system. Otherwise write psci_ret_to_reg(@ret) to the
 * caller's x0 and let it run on. @core: for CORE_NOT_OFF, the index in env->cores of
 * the first core that is not OFF; otherwise CVMM_PSCI_NO_CALLER.
 */
struct psci_suspend_decision {
	bool honour;
	int32_t ret; /* CVMM_PSCI_RET_SUCCESS when honour, else the code for x0 */
	enum psci_suspend_reason reason;
	size_t core;
};

/*
 * psci_system_suspend_decide() - honour or deny a SYSTEM_SUSPEND call.
 * @args: the call's arguments (psci_system_suspend_args()).
 * @env: the VM's state and the embedder's policy.
 * @out: the decision.
 *
 * The checks, in this order (the first failing one decides):
 *   1. the SMC64 form from an AArch32 caller: NOT_SUPPORTED (SMCCC: AArch32 cannot
 *      make SMC64 calls);
 *   2. any core other than the caller not OFF (ON or ON_PENDING, or any value that
 *      is not CVMM_PSCI_CORE_OFF): DENIED. DEN0022D.b 5.19 makes "every other core is
 *      OFF" the precondition of the call, checked before its arguments are looked at;
 *      Arm's reference firmware (TF-A) checks it first as well;
 *   3. the embedder's policy says deny: DENIED (a platform refusal, like 2; it comes
 *      after 2 so that a guest that broke the precondition learns that first);
 *   4. the entry point not valid (psci_entry_valid()): INVALID_ADDRESS.
 * Otherwise honour. A guest thus only gets INVALID_ADDRESS when it could otherwise
 * have suspended, and the entry point of a denied call is never looked at.
 *
 * Returns 0 with @out filled, or -EINVAL when @args, @env or @out is NULL, when
 * @args->fid is not a SYSTEM_SUSPEND id, or when @env->cores (@env->ram) is NULL with
 * @env->n_cores (@env->n_ram) not 0.
 */
int psci_system_suspend_decide(const struct psci_system_suspend_args *args,
                               const struct psci_suspend_env *env,
                               struct psci_suspend_decision *out);

/* SCTLR_EL1 bits the wake state touches. */
#define CVMM_PSCI_SCTLR_M (1ULL << 0)   /* MMU enable */
#define CVMM_PSCI_SCTLR_C (1ULL << 2)   /* data cache enable */
#define CVMM_PSCI_SCTLR_I (1ULL << 12)  /* instruction cache enable */
#define CVMM_PSCI_SCTLR_EE (1ULL << 25) /* exception (and EL1 data) endianness: big */

/* PSTATE values (KVM's regs.pstate, SPSR format). */
#define CVMM_PSCI_PSTATE_EL1H 0x5ULL /* AArch64 EL1 with SP_EL1 */
#define CVMM_PSCI_PSTATE_F (1ULL << 6)
#define CVMM_PSCI_PSTATE_I (1ULL << 7)
#define CVMM_PSCI_PSTATE_A (1ULL << 8)
#define CVMM_PSCI_PSTATE_D (1ULL << 9)    /* AArch64 only */
#define CVMM_PSCI_PSTATE_AA32_SVC 0x13ULL /* AArch32 Supervisor mode (M[4] set) */
#define CVMM_PSCI_PSTATE_AA32_T (1ULL << 5)
#define CVMM_PSCI_PSTATE_AA32_E (1ULL << 9)

/*
 * The state of the calling core when it wakes from SYSTEM_SUSPEND: the core registers
 * pc, regs[0] and pstate, and SCTLR_EL1 (system register op0 3, op1 0, CRn 1, CRm 0, op2
 * 0) through psci_wake_sctlr_el1(). PSCI leaves every other register UNKNOWN: a VMM
 * either resets them first (KVM_ARM_VCPU_INIT with the vCPU's features) or leaves them
 * as they were at the call (the vcpu library's VCPU_WAKE_RESET and VCPU_WAKE_PSCI_STATE).
 */
struct psci_wake_state {
	uint64_t pc;          /* the entry point (without the T32 bit for AArch32) */
	uint64_t x0;          /* the context id (r0 for AArch32) */
	uint64_t pstate;      /* AArch64: EL1h, D, A, I, F masked (0x3C5).
	                         AArch32: SVC, A, I, F masked, T for a T32 entry,
	                         E when big-endian */
	uint64_t sctlr_clear; /* SCTLR_EL1 bits to clear: M, C, I and EE */
	uint64_t sctlr_set;   /* SCTLR_EL1 bits to set: EE when the caller was big-endian */
	bool big_endian;      /* the caller's SCTLR_EL1.EE at the call */
};

/*
 * psci_wake_state() - the register state of the core that called SYSTEM_SUSPEND, for
 * when it wakes up.
 * @args: the honoured call's arguments.
 * @caller: the caller's execution state.
 * @caller_sctlr_el1: the caller's SCTLR_EL1 read at the call (before any re-init);
 *                    only its EE bit is used: the core wakes with the caller's
 *                    endianness.
 * @out: filled in.
 * Returns 0, or -EINVAL when @args or @out is NULL.
 */
int psci_wake_state(const struct psci_system_suspend_args *args, enum psci_caller_state caller,
                    uint64_t caller_sctlr_el1, struct psci_wake_state *out);

/*
 * psci_wake_sctlr_el1() - the SCTLR_EL1 value to write on wake.
 * @wake: from psci_wake_state().
 * @sctlr_after_reset: SCTLR_EL1 as it is before the write (read after KVM_ARM_VCPU_INIT,
 *                     or as the call left it when the vCPU is not reset).
 * Returns (@sctlr_after_reset & ~wake->sctlr_clear) | wake->sctlr_set, or
 * @sctlr_after_reset when @wake is NULL.
 */
uint64_t psci_wake_sctlr_el1(const struct psci_wake_state *wake, uint64_t sctlr_after_reset);

#ifdef __cplusplus
}
#endif

#endif /* CVMM_PSCI_H */
