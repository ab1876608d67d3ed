/* SPDX-License-Identifier: Apache-2.0 */
/* SYSTEM_SUSPEND: arguments, entry point validation, decision, wake state. */
#include <cvmm/psci.h>

#include <criterion/criterion.h>
#include <errno.h>

#define RAM_BASE 0x40000000ULL
#define RAM_SIZE 0x10000000ULL

static const struct psci_ram_range one_ram[] = {{RAM_BASE, RAM_SIZE}};

/* ---- arguments ---- */

Test(args, smc64_takes_full_registers)
{
	const uint64_t x[4] = {CVMM_PSCI_FN64_SYSTEM_SUSPEND, 0x0000000140001000ULL,
	                       0xFEDCBA9876543210ULL, 0xDEAD};
	struct psci_system_suspend_args a;

	cr_assert_eq(psci_system_suspend_args(x, &a), 0);
	cr_assert_eq(a.fid, CVMM_PSCI_FN64_SYSTEM_SUSPEND);
	cr_assert(a.smc64);
	cr_assert_eq(a.entry, 0x0000000140001000ULL);
	cr_assert_eq(a.context_id, 0xFEDCBA9876543210ULL);
}

Test(args, smc32_ignores_garbage_in_upper_halves)
{
	const uint64_t x[4] = {0xBADC0FFE00000000ULL | CVMM_PSCI_FN_SYSTEM_SUSPEND,
	                       0xFFFFFFFF40001000ULL, 0x12345678CAFEF00DULL, UINT64_MAX};
	struct psci_system_suspend_args a;

	cr_assert_eq(psci_system_suspend_args(x, &a), 0);
	cr_assert_eq(a.fid, CVMM_PSCI_FN_SYSTEM_SUSPEND);
	cr_assert_not(a.smc64);
	cr_assert_eq(a.entry, 0x40001000ULL);
	cr_assert_eq(a.context_id, 0xCAFEF00DULL);
}

Test(args, other_functions_and_bad_pointers)
{
	uint64_t x[4] = {CVMM_PSCI_FN_CPU_SUSPEND, 1, 2, 3};
	struct psci_system_suspend_args a;

	cr_assert_eq(psci_system_suspend_args(x, &a), -ENOENT);
	x[0] = 0x4400000EULL; /* yielding form: not PSCI */
	cr_assert_eq(psci_system_suspend_args(x, &a), -ENOENT);
	x[0] = 0x8400000E00000000ULL; /* the id in the wrong half */
	cr_assert_eq(psci_system_suspend_args(x, &a), -ENOENT);
	x[0] = CVMM_PSCI_FN_SYSTEM_SUSPEND;
	cr_assert_eq(psci_system_suspend_args(NULL, &a), -EINVAL);
	cr_assert_eq(psci_system_suspend_args(x, NULL), -EINVAL);
}

/* ---- entry point ---- */

Test(entry, aarch64_inside_ram)
{
	const enum psci_caller_state c = CVMM_PSCI_CALLER_AARCH64;

	cr_assert(psci_entry_valid(RAM_BASE, c, one_ram, 1));
	cr_assert(psci_entry_valid(RAM_BASE + 0x1000, c, one_ram, 1));
	/* The last instruction of RAM: its 4 bytes end exactly at the end. */
	cr_assert(psci_entry_valid(RAM_BASE + RAM_SIZE - 4, c, one_ram, 1));
}

Test(entry, aarch64_outside_ram)
{
	const enum psci_caller_state c = CVMM_PSCI_CALLER_AARCH64;

	cr_assert_not(psci_entry_valid(RAM_BASE - 4, c, one_ram, 1));
	cr_assert_not(psci_entry_valid(RAM_BASE + RAM_SIZE, c, one_ram, 1));
	cr_assert_not(psci_entry_valid(0, c, one_ram, 1));
	cr_assert_not(psci_entry_valid(UINT64_MAX - 3, c, one_ram, 1));
}

Test(entry, aarch64_alignment)
{
	const enum psci_caller_state c = CVMM_PSCI_CALLER_AARCH64;

	for (uint64_t off = 1; off < 4; off++)
		cr_assert_not(psci_entry_valid(RAM_BASE + 0x100 + off, c, one_ram, 1));
	cr_assert_not(psci_entry_valid(RAM_BASE + 1, c, one_ram, 1)); /* a T32-looking bit */
}

Test(entry, instruction_must_fit_in_one_range)
{
	/* Ranges not multiple of 4 long: an aligned entry whose 4 bytes cross the end. */
	const struct psci_ram_range odd[] = {{0x1000, 0x1002}, {0x2002, 0x100}};

	cr_assert_not(psci_entry_valid(0x2000, CVMM_PSCI_CALLER_AARCH64, odd, 2));
	cr_assert(psci_entry_valid(0x1FFC, CVMM_PSCI_CALLER_AARCH64, odd, 2));
	cr_assert(psci_entry_valid(0x2004, CVMM_PSCI_CALLER_AARCH64, odd, 2));
	/* A range shorter than an instruction holds none. */
	const struct psci_ram_range tiny[] = {{0x1000, 3}};
	cr_assert_not(psci_entry_valid(0x1000, CVMM_PSCI_CALLER_AARCH64, tiny, 1));
	const struct psci_ram_range four[] = {{0x1000, 4}};
	cr_assert(psci_entry_valid(0x1000, CVMM_PSCI_CALLER_AARCH64, four, 1));
}

Test(entry, several_ranges_and_empty_ones)
{
	const struct psci_ram_range ram[] = {
	    {0x80000000ULL, 0}, /* empty: holds nothing */
	    {0x40000000ULL, 0x1000},
	    {0x100000000ULL, 0x100000},
	};

	cr_assert(psci_entry_valid(0x40000FFCULL, CVMM_PSCI_CALLER_AARCH64, ram, 3));
	cr_assert(psci_entry_valid(0x100000000ULL, CVMM_PSCI_CALLER_AARCH64, ram, 3));
	cr_assert_not(psci_entry_valid(0x80000000ULL, CVMM_PSCI_CALLER_AARCH64, ram, 3));
	cr_assert_not(psci_entry_valid(0x40001000ULL, CVMM_PSCI_CALLER_AARCH64, ram, 3));
	/* Only the first n ranges count. */
	cr_assert_not(psci_entry_valid(0x100000000ULL, CVMM_PSCI_CALLER_AARCH64, ram, 2));
}

Test(entry, no_ram)
{
	cr_assert_not(psci_entry_valid(RAM_BASE, CVMM_PSCI_CALLER_AARCH64, NULL, 0));
	cr_assert_not(psci_entry_valid(RAM_BASE, CVMM_PSCI_CALLER_AARCH64, NULL, 5));
	cr_assert_not(psci_entry_valid(RAM_BASE, CVMM_PSCI_CALLER_AARCH64, one_ram, 0));
}

Test(entry, ranges_at_the_top_of_the_address_space)
{
	/* Ends exactly at 2^64. */
	const struct psci_ram_range top[] = {{0xFFFFFFFFFFFFF000ULL, 0x1000}};
	cr_assert(psci_entry_valid(0xFFFFFFFFFFFFFFFCULL, CVMM_PSCI_CALLER_AARCH64, top, 1));
	cr_assert_not(psci_entry_valid(0xFFFFFFFFFFFFEFFCULL, CVMM_PSCI_CALLER_AARCH64, top, 1));
	/* Runs past 2^64: the part below 2^64 counts, nothing wraps to address 0. */
	const struct psci_ram_range past[] = {{0xFFFFFFFFFFFFF000ULL, 0x100000}};
	cr_assert(psci_entry_valid(0xFFFFFFFFFFFFFFFCULL, CVMM_PSCI_CALLER_AARCH64, past, 1));
	cr_assert_not(psci_entry_valid(0, CVMM_PSCI_CALLER_AARCH64, past, 1));
	cr_assert_not(psci_entry_valid(0xFFC, CVMM_PSCI_CALLER_AARCH64, past, 1));
	/* The largest possible range. */
	const struct psci_ram_range all[] = {{0, UINT64_MAX}};
	cr_assert(psci_entry_valid(0, CVMM_PSCI_CALLER_AARCH64, all, 1));
	cr_assert(psci_entry_valid(0xFFFFFFFFFFFFFFF8ULL, CVMM_PSCI_CALLER_AARCH64, all, 1));
	/* [0, 2^64 - 1) does not hold the 4 bytes at 2^64 - 4. */
	cr_assert_not(psci_entry_valid(0xFFFFFFFFFFFFFFFCULL, CVMM_PSCI_CALLER_AARCH64, all, 1));
	const struct psci_ram_range huge[] = {{UINT64_MAX, UINT64_MAX}};
	cr_assert_not(psci_entry_valid(0xFFFFFFFFFFFFFFFCULL, CVMM_PSCI_CALLER_AARCH64, huge, 1));
	cr_assert_not(psci_entry_valid(0, CVMM_PSCI_CALLER_AARCH64, huge, 1));
}

Test(entry, aarch32_a32_and_t32)
{
	const enum psci_caller_state c = CVMM_PSCI_CALLER_AARCH32;
	const struct psci_ram_range small[] = {{0x1000, 0x100}};

	cr_assert(psci_entry_valid(0x1000, c, small, 1));     /* A32 */
	cr_assert_not(psci_entry_valid(0x1002, c, small, 1)); /* A32 not word aligned */
	cr_assert(psci_entry_valid(0x1001, c, small, 1));     /* T32 at 0x1000 */
	cr_assert(psci_entry_valid(0x1003, c, small, 1));     /* T32 at 0x1002 */
	cr_assert(psci_entry_valid(0x10FF, c, small, 1));     /* T32, last halfword */
	cr_assert_not(psci_entry_valid(0x10FC + 4, c, small, 1));
	cr_assert(psci_entry_valid(0x10FC, c, small, 1));     /* A32, last word */
	cr_assert_not(psci_entry_valid(0x1101, c, small, 1)); /* T32 past the end */
	cr_assert_not(psci_entry_valid(0x0FFF, c, small, 1)); /* T32 just before */
	cr_assert_not(psci_entry_valid(0x1001, c, NULL, 0));
}

/* Reference with 128-bit arithmetic, to compare against on many edge values. */
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
		unsigned __int128 limit = (unsigned __int128)1 << 64;
		if (end > limit)
			end = limit;
		if (addr >= ram[i].base && addr + len <= end)
			return true;
	}
	return false;
}

Test(entry, matches_128_bit_reference_on_edge_values)
{
	static const uint64_t edges[] = {0,
	                                 1,
	                                 2,
	                                 3,
	                                 4,
	                                 5,
	                                 0xFFC,
	                                 0x1000,
	                                 0x1001,
	                                 0x1002,
	                                 0x7FFFFFFFFFFFFFFCULL,
	                                 0x8000000000000000ULL,
	                                 UINT64_MAX - 7,
	                                 UINT64_MAX - 4,
	                                 UINT64_MAX - 3,
	                                 UINT64_MAX - 2,
	                                 UINT64_MAX - 1,
	                                 UINT64_MAX};
	const size_t n = sizeof(edges) / sizeof(edges[0]);
	unsigned long checked = 0;

	for (size_t b = 0; b < n; b++)
		for (size_t s = 0; s < n; s++) {
			struct psci_ram_range r = {edges[b], edges[s]};
			for (size_t e = 0; e < n; e++)
				for (int c = 0; c < 2; c++) {
					enum psci_caller_state cs = (enum psci_caller_state)c;
					cr_assert_eq(psci_entry_valid(edges[e], cs, &r, 1),
					             reference_valid(edges[e], cs, &r, 1),
					             "base %#llx size %#llx entry %#llx caller %d",
					             (unsigned long long)r.base,
					             (unsigned long long)r.size,
					             (unsigned long long)edges[e], c);
					checked++;
				}
		}
	cr_assert_eq(checked, (unsigned long)(n * n * n * 2));
}

Test(entry, matches_128_bit_reference_on_random_values)
{
	uint64_t s = 0x9E3779B97F4A7C15ULL;

	for (int i = 0; i < 200000; i++) {
		/* xorshift64*, with values pulled towards the interesting edges. */
		uint64_t v[3];
		for (int k = 0; k < 3; k++) {
			s ^= s >> 12;
			s ^= s << 25;
			s ^= s >> 27;
			uint64_t r = s * 0x2545F4914F6CDD1DULL;
			switch (r & 3) {
			case 0:
				v[k] = r;
				break;
			case 1:
				v[k] = r & 0xFFFF;
				break;
			case 2:
				v[k] = UINT64_MAX - (r & 0xFFFF);
				break;
			default:
				v[k] = 0x40000000ULL + (r & 0xFFFF);
				break;
			}
		}
		struct psci_ram_range r = {v[0], v[1]};
		enum psci_caller_state cs = (enum psci_caller_state)(i & 1);
		cr_assert_eq(psci_entry_valid(v[2], cs, &r, 1), reference_valid(v[2], cs, &r, 1),
		             "base %#llx size %#llx entry %#llx", (unsigned long long)v[0],
		             (unsigned long long)v[1], (unsigned long long)v[2]);
	}
}

/* ---- decision ---- */

static struct psci_system_suspend_args args64(uint64_t entry, uint64_t ctx)
{
	struct psci_system_suspend_args a = {CVMM_PSCI_FN64_SYSTEM_SUSPEND, true, entry, ctx};
	return a;
}

static struct psci_system_suspend_args args32(uint64_t entry, uint64_t ctx)
{
	struct psci_system_suspend_args a = {CVMM_PSCI_FN_SYSTEM_SUSPEND, false, entry, ctx};
	return a;
}

static void assert_decision(const struct psci_suspend_decision *d, bool honour, int32_t ret,
                            enum psci_suspend_reason reason, size_t core)
{
	cr_assert_eq(d->honour, honour);
	cr_assert_eq(d->ret, ret, "ret %d (%s)", d->ret, psci_ret_name(d->ret));
	cr_assert_eq(d->reason, reason, "reason %d", d->reason);
	cr_assert_eq(d->core, core);
}

Test(decide, honour_single_core)
{
	const enum psci_core_state cores[] = {CVMM_PSCI_CORE_ON};
	struct psci_suspend_env env = {CVMM_PSCI_CALLER_AARCH64, cores, 1, 0, one_ram, 1, false};
	struct psci_system_suspend_args a = args64(RAM_BASE + 0x80000, 42);
	struct psci_suspend_decision d;

	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	assert_decision(&d, true, CVMM_PSCI_RET_SUCCESS, CVMM_PSCI_SUSPEND_HONOUR,
	                CVMM_PSCI_NO_CALLER);
	a = args32(RAM_BASE + 0x80000, 42);
	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	cr_assert(d.honour);
}

Test(decide, honour_when_all_others_are_off)
{
	const enum psci_core_state cores[] = {CVMM_PSCI_CORE_OFF, CVMM_PSCI_CORE_OFF,
	                                      CVMM_PSCI_CORE_ON, CVMM_PSCI_CORE_OFF};
	struct psci_suspend_env env = {CVMM_PSCI_CALLER_AARCH64, cores, 4, 2, one_ram, 1, false};
	struct psci_system_suspend_args a = args64(RAM_BASE, 0);
	struct psci_suspend_decision d;

	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	assert_decision(&d, true, 0, CVMM_PSCI_SUSPEND_HONOUR, CVMM_PSCI_NO_CALLER);
}

Test(decide, honour_with_only_other_cores_listed_or_none)
{
	const enum psci_core_state others[] = {CVMM_PSCI_CORE_OFF, CVMM_PSCI_CORE_OFF};
	struct psci_suspend_env env = {
	    CVMM_PSCI_CALLER_AARCH64, others, 2, CVMM_PSCI_NO_CALLER, one_ram, 1, false};
	struct psci_system_suspend_args a = args64(RAM_BASE, 0);
	struct psci_suspend_decision d;

	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	cr_assert(d.honour);
	env.cores = NULL;
	env.n_cores = 0;
	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	cr_assert(d.honour);
}

Test(decide, denied_when_another_core_is_on_or_on_pending)
{
	enum psci_core_state cores[] = {CVMM_PSCI_CORE_ON, CVMM_PSCI_CORE_OFF, CVMM_PSCI_CORE_ON};
	struct psci_suspend_env env = {CVMM_PSCI_CALLER_AARCH64, cores, 3, 0, one_ram, 1, false};
	struct psci_system_suspend_args a = args64(RAM_BASE, 0);
	struct psci_suspend_decision d;

	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	assert_decision(&d, false, CVMM_PSCI_RET_DENIED, CVMM_PSCI_SUSPEND_CORE_NOT_OFF, 2);
	cores[2] = CVMM_PSCI_CORE_ON_PENDING;
	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	assert_decision(&d, false, CVMM_PSCI_RET_DENIED, CVMM_PSCI_SUSPEND_CORE_NOT_OFF, 2);
	/* After the other core turns OFF (CPU_OFF), the next call is honoured. */
	cores[2] = CVMM_PSCI_CORE_OFF;
	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	cr_assert(d.honour);
}

Test(decide, first_core_not_off_is_reported)
{
	const enum psci_core_state cores[] = {CVMM_PSCI_CORE_OFF, CVMM_PSCI_CORE_ON_PENDING,
	                                      CVMM_PSCI_CORE_ON};
	struct psci_suspend_env env = {
	    CVMM_PSCI_CALLER_AARCH64, cores, 3, CVMM_PSCI_NO_CALLER, one_ram, 1, false};
	struct psci_system_suspend_args a = args64(RAM_BASE, 0);
	struct psci_suspend_decision d;

	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	assert_decision(&d, false, CVMM_PSCI_RET_DENIED, CVMM_PSCI_SUSPEND_CORE_NOT_OFF, 1);
}

Test(decide, unknown_core_state_fails_closed)
{
	const enum psci_core_state cores[] = {CVMM_PSCI_CORE_ON, (enum psci_core_state)7};
	struct psci_suspend_env env = {CVMM_PSCI_CALLER_AARCH64, cores, 2, 0, one_ram, 1, false};
	struct psci_system_suspend_args a = args64(RAM_BASE, 0);
	struct psci_suspend_decision d;

	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	assert_decision(&d, false, CVMM_PSCI_RET_DENIED, CVMM_PSCI_SUSPEND_CORE_NOT_OFF, 1);
}

Test(decide, the_callers_own_state_is_ignored)
{
	/* Whatever the caller's entry says (a stale OFF, say), it does not decide. */
	const enum psci_core_state cores[] = {CVMM_PSCI_CORE_OFF, CVMM_PSCI_CORE_ON_PENDING};
	struct psci_suspend_env env = {CVMM_PSCI_CALLER_AARCH64, cores, 2, 1, one_ram, 1, false};
	struct psci_system_suspend_args a = args64(RAM_BASE, 0);
	struct psci_suspend_decision d;

	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	cr_assert(d.honour);
}

Test(decide, policy_deny)
{
	const enum psci_core_state cores[] = {CVMM_PSCI_CORE_ON};
	struct psci_suspend_env env = {CVMM_PSCI_CALLER_AARCH64, cores, 1, 0, one_ram, 1, true};
	struct psci_system_suspend_args a = args64(RAM_BASE, 0);
	struct psci_suspend_decision d;

	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	assert_decision(&d, false, CVMM_PSCI_RET_DENIED, CVMM_PSCI_SUSPEND_POLICY,
	                CVMM_PSCI_NO_CALLER);
}

Test(decide, invalid_address)
{
	const enum psci_core_state cores[] = {CVMM_PSCI_CORE_ON, CVMM_PSCI_CORE_OFF};
	struct psci_suspend_env env = {CVMM_PSCI_CALLER_AARCH64, cores, 2, 0, one_ram, 1, false};
	struct psci_system_suspend_args a = args64(RAM_BASE + RAM_SIZE, 0);
	struct psci_suspend_decision d;

	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	assert_decision(&d, false, CVMM_PSCI_RET_INVALID_ADDRESS, CVMM_PSCI_SUSPEND_BAD_ENTRY,
	                CVMM_PSCI_NO_CALLER);
	a = args64(RAM_BASE + 2, 0); /* unaligned */
	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	cr_assert_eq(d.ret, CVMM_PSCI_RET_INVALID_ADDRESS);
	env.ram = NULL; /* no RAM at all */
	env.n_ram = 0;
	a = args64(RAM_BASE, 0);
	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	cr_assert_eq(d.ret, CVMM_PSCI_RET_INVALID_ADDRESS);
}

Test(decide, smc32_entry_is_the_low_half)
{
	/* The SMC32 call with garbage above a valid 32-bit entry: arguments decoded from
	   registers give the low half, which is valid. */
	const uint64_t x[4] = {CVMM_PSCI_FN_SYSTEM_SUSPEND, 0xFFFFFFFF00000000ULL | RAM_BASE,
	                       0xFFFFFFFF00000007ULL, 0};
	const enum psci_core_state cores[] = {CVMM_PSCI_CORE_ON};
	struct psci_suspend_env env = {CVMM_PSCI_CALLER_AARCH64, cores, 1, 0, one_ram, 1, false};
	struct psci_system_suspend_args a;
	struct psci_suspend_decision d;

	cr_assert_eq(psci_system_suspend_args(x, &a), 0);
	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	cr_assert(d.honour);
}

Test(decide, check_order)
{
	/* Everything wrong at once: an ON core, policy deny, a bad entry. */
	enum psci_core_state cores[] = {CVMM_PSCI_CORE_ON, CVMM_PSCI_CORE_ON};
	struct psci_suspend_env env = {CVMM_PSCI_CALLER_AARCH64, cores, 2, 0, one_ram, 1, true};
	struct psci_system_suspend_args a = args64(3, 0);
	struct psci_suspend_decision d;

	/* 1. other cores first: DENIED, and the entry is not looked at. */
	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	cr_assert_eq(d.reason, CVMM_PSCI_SUSPEND_CORE_NOT_OFF);
	cr_assert_eq(d.ret, CVMM_PSCI_RET_DENIED);
	/* 2. then the policy: DENIED before INVALID_ADDRESS. */
	cores[1] = CVMM_PSCI_CORE_OFF;
	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	cr_assert_eq(d.reason, CVMM_PSCI_SUSPEND_POLICY);
	cr_assert_eq(d.ret, CVMM_PSCI_RET_DENIED);
	/* 3. then the entry point. */
	env.policy_deny = false;
	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	cr_assert_eq(d.reason, CVMM_PSCI_SUSPEND_BAD_ENTRY);
	cr_assert_eq(d.ret, CVMM_PSCI_RET_INVALID_ADDRESS);
	/* 0. the SMC64 form from AArch32 comes before all of them. */
	cores[1] = CVMM_PSCI_CORE_ON;
	env.policy_deny = true;
	env.caller = CVMM_PSCI_CALLER_AARCH32;
	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	assert_decision(&d, false, CVMM_PSCI_RET_NOT_SUPPORTED, CVMM_PSCI_SUSPEND_NOT_SUPPORTED,
	                CVMM_PSCI_NO_CALLER);
}

Test(decide, aarch32_caller)
{
	const enum psci_core_state cores[] = {CVMM_PSCI_CORE_ON};
	struct psci_suspend_env env = {CVMM_PSCI_CALLER_AARCH32, cores, 1, 0, one_ram, 1, false};
	struct psci_system_suspend_args a = args32(RAM_BASE + 0x101, 5); /* T32 entry */
	struct psci_suspend_decision d;

	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	cr_assert(d.honour);
	a = args32(RAM_BASE + 0x102, 5); /* A32, not word aligned */
	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	cr_assert_eq(d.ret, CVMM_PSCI_RET_INVALID_ADDRESS);
	a = args64(RAM_BASE, 5);
	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), 0);
	cr_assert_eq(d.ret, CVMM_PSCI_RET_NOT_SUPPORTED);
}

Test(decide, bad_arguments)
{
	const enum psci_core_state cores[] = {CVMM_PSCI_CORE_ON};
	struct psci_suspend_env env = {CVMM_PSCI_CALLER_AARCH64, cores, 1, 0, one_ram, 1, false};
	struct psci_system_suspend_args a = args64(RAM_BASE, 0);
	struct psci_suspend_decision d;

	cr_assert_eq(psci_system_suspend_decide(NULL, &env, &d), -EINVAL);
	cr_assert_eq(psci_system_suspend_decide(&a, NULL, &d), -EINVAL);
	cr_assert_eq(psci_system_suspend_decide(&a, &env, NULL), -EINVAL);
	a.fid = CVMM_PSCI_FN_CPU_SUSPEND;
	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), -EINVAL);
	a.fid = CVMM_PSCI_FN_SYSTEM_SUSPEND;
	env.cores = NULL;
	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), -EINVAL);
	env.cores = cores;
	env.ram = NULL;
	cr_assert_eq(psci_system_suspend_decide(&a, &env, &d), -EINVAL);
}

/* ---- wake state ---- */

Test(wake, aarch64_little_endian)
{
	struct psci_system_suspend_args a = args64(0x40080000ULL, 0x1122334455667788ULL);
	struct psci_wake_state w;

	cr_assert_eq(psci_wake_state(&a, CVMM_PSCI_CALLER_AARCH64, 0x30D0199DULL, &w), 0);
	cr_assert_eq(w.pc, 0x40080000ULL);
	cr_assert_eq(w.x0, 0x1122334455667788ULL);
	cr_assert_eq(w.pstate, 0x3C5);
	cr_assert_not(w.big_endian);
	cr_assert_eq(w.sctlr_clear, (1ULL << 0) | (1ULL << 2) | (1ULL << 12) | (1ULL << 25));
	cr_assert_eq(w.sctlr_set, 0);
	/* The caller ran with MMU and caches on; after reset they are off and stay off. */
	cr_assert_eq(psci_wake_sctlr_el1(&w, 0x30D0199DULL), 0x30D00998ULL);
	cr_assert_eq(psci_wake_sctlr_el1(&w, 0x00C50838ULL), 0x00C50838ULL);
}

Test(wake, aarch64_big_endian_keeps_ee)
{
	struct psci_system_suspend_args a = args64(0x40080000ULL, 7);
	struct psci_wake_state w;

	cr_assert_eq(psci_wake_state(&a, CVMM_PSCI_CALLER_AARCH64, CVMM_PSCI_SCTLR_EE | 1, &w), 0);
	cr_assert(w.big_endian);
	cr_assert_eq(w.sctlr_set, CVMM_PSCI_SCTLR_EE);
	cr_assert_eq(w.pstate, 0x3C5); /* AArch64 PSTATE has no endianness bit at EL1 */
	cr_assert_eq(psci_wake_sctlr_el1(&w, 0x00C50838ULL), 0x00C50838ULL | (1ULL << 25));
}

Test(wake, smc32_context_id_is_32_bits)
{
	const uint64_t x[4] = {CVMM_PSCI_FN_SYSTEM_SUSPEND, 0xAAAAAAAA40001000ULL,
	                       0xBBBBBBBB0000CAFEULL, 0};
	struct psci_system_suspend_args a;
	struct psci_wake_state w;

	cr_assert_eq(psci_system_suspend_args(x, &a), 0);
	cr_assert_eq(psci_wake_state(&a, CVMM_PSCI_CALLER_AARCH64, 0, &w), 0);
	cr_assert_eq(w.pc, 0x40001000ULL);
	cr_assert_eq(w.x0, 0xCAFEULL);
}

Test(wake, aarch32_a32_little_endian)
{
	struct psci_system_suspend_args a = args32(0x40001000ULL, 0x1234);
	struct psci_wake_state w;

	cr_assert_eq(psci_wake_state(&a, CVMM_PSCI_CALLER_AARCH32, 0, &w), 0);
	cr_assert_eq(w.pc, 0x40001000ULL);
	cr_assert_eq(w.x0, 0x1234);
	cr_assert_eq(w.pstate, 0x1D3); /* SVC, A, I, F */
	cr_assert_not(w.big_endian);
}

Test(wake, aarch32_t32_big_endian)
{
	/* Arguments built by hand with wide values: the wake state still keeps 32 bits. */
	struct psci_system_suspend_args a = {CVMM_PSCI_FN_SYSTEM_SUSPEND, false, 0x140001001ULL,
	                                     0x100000002ULL};
	struct psci_wake_state w;

	cr_assert_eq(psci_wake_state(&a, CVMM_PSCI_CALLER_AARCH32, CVMM_PSCI_SCTLR_EE, &w), 0);
	cr_assert_eq(w.pc, 0x40001000ULL);
	cr_assert_eq(w.x0, 2);
	cr_assert_eq(w.pstate, 0x1D3 | CVMM_PSCI_PSTATE_AA32_T | CVMM_PSCI_PSTATE_AA32_E);
	cr_assert(w.big_endian);
	cr_assert_eq(w.sctlr_set, CVMM_PSCI_SCTLR_EE);
}

Test(wake, bad_arguments)
{
	struct psci_system_suspend_args a = args64(0x40080000ULL, 0);
	struct psci_wake_state w;

	cr_assert_eq(psci_wake_state(NULL, CVMM_PSCI_CALLER_AARCH64, 0, &w), -EINVAL);
	cr_assert_eq(psci_wake_state(&a, CVMM_PSCI_CALLER_AARCH64, 0, NULL), -EINVAL);
	cr_assert_eq(psci_wake_sctlr_el1(NULL, 0x1234), 0x1234);
}

Test(wake, pstate_constants)
{
	cr_assert_eq(CVMM_PSCI_PSTATE_EL1H | CVMM_PSCI_PSTATE_D | CVMM_PSCI_PSTATE_A |
	                 CVMM_PSCI_PSTATE_I | CVMM_PSCI_PSTATE_F,
	             0x3C5);
	cr_assert_eq(CVMM_PSCI_PSTATE_AA32_SVC | CVMM_PSCI_PSTATE_A | CVMM_PSCI_PSTATE_I |
	                 CVMM_PSCI_PSTATE_F,
	             0x1D3);
}
