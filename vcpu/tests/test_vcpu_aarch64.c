/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vcpu library on real arm64 KVM (inside the emulated arm64 host): PSCI through the
 * exit loop, and SYSTEM_SUSPEND honoured, denied and woken across the vCPUs of a VM.
 * The guest (guest_aarch64.S) runs a script of PSCI calls the test gives it through an
 * MMIO mailbox and reports results and the state it wakes up in.
 */
#include "fixture.h"
#include "running_kernel.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern const uint8_t vt_a64_start[], vt_a64_resume[], vt_a64_secondary[], vt_a64_suspender[],
    vt_a64_secondary_suspend[], vt_a64_end[];

#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x100000ull /* 1 MiB */
#define MBOX 0x0a000000ull
#define GICD 0x08000000ull
#define GICC 0x08010000ull /* GICv2 CPU interface */
#define GICR 0x080a0000ull /* GICv3 redistributors, 128 KiB per vCPU */
#define NO_RESULT INT64_MIN
#define MAX_CALLS 256

#define FN_VERSION CVMM_PSCI_FN_PSCI_VERSION
#define FN_FEATURES CVMM_PSCI_FN_PSCI_FEATURES
#define FN_SS32 CVMM_PSCI_FN_SYSTEM_SUSPEND
#define FN_SS64 CVMM_PSCI_FN64_SYSTEM_SUSPEND
#define FN_CPU_ON64 CVMM_PSCI_FN64_CPU_ON
#define FN_AFFINITY64 CVMM_PSCI_FN64_AFFINITY_INFO
#define FN_SYSTEM_OFF CVMM_PSCI_FN_SYSTEM_OFF
#define FN_CPU_OFF CVMM_PSCI_FN_CPU_OFF
#define FN_SYSTEM_RESET CVMM_PSCI_FN_SYSTEM_RESET

struct call {
	uint64_t x[4];
	bool until; /* repeat until x0 comes back as want */
	int64_t want;
};

struct report {
	uint64_t x0, pc, sctlr, daif, el, spsel;
};

/* A SYSTEM_SUSPEND refusal as the suspend_refused handler reported it. */
struct refusal {
	int32_t ret;
	uint64_t entry, ctx;
};

struct t {
	pthread_mutex_t lock;
	struct refusal refused[MAX_CALLS];
	int n_refused;
	pthread_cond_t cond;
	struct call script[MAX_CALLS];
	int n_script, idx;
	int64_t results[MAX_CALLS];
	struct report cur, reports[MAX_CALLS];
	int n_reports;
	bool secondary_on;
	uint64_t secondary_ctx;
	atomic_int secondary_off;
	atomic_ulong accesses; /* mailbox accesses: the guest's progress */
	int denied[2];         /* DENIED answers seen by vCPU 0 (+0x20) and 1 (+0x70) */
	int other_answers;     /* answers to SYSTEM_SUSPEND other than DENIED (+0x70) */
	int suspended, resumed, policy_calls;
	uint64_t susp_entry, susp_ctx;
	bool policy_allow;
	struct fx fx;
	struct kvmio_vgic gic; /* version 2 or 3; fd -1 and version 0 without a vGIC */
	struct vcpu *v0, *v1;
	/* Forwarded SMCCC calls as the smccc handler saw them, and its answer. */
	struct vcpu_smccc_call forwarded[MAX_CALLS];
	int n_forwarded;
	int64_t forward_answer; /* x0 for the guest */
	int forward_error;      /* returned instead when not 0 */
};

static struct t T;

static uint64_t entry_of(const uint8_t *sym)
{
	return RAM_BASE + (uint64_t)(sym - vt_a64_start);
}

static int on_mmio(void *opaque, struct vcpu *vcpu, uint64_t addr, uint8_t *data, uint32_t len,
                   bool is_write)
{
	struct t *t = opaque;
	uint64_t value = 0, off = addr - MBOX;
	(void)vcpu;

	if (addr < MBOX || off > 0x78 || len != 8)
		return 0; /* the GIC set-up without a vGIC, or stray accesses: ignored */
	if (is_write)
		memcpy(&value, data, 8);
	atomic_fetch_add(&t->accesses, 1);
	pthread_mutex_lock(&t->lock);
	switch (off) {
	case 0x00:
	case 0x08:
	case 0x10:
	case 0x18:
		if (t->idx < t->n_script)
			value = t->script[t->idx].x[off / 8];
		else
			value = off == 0 ? FN_SYSTEM_OFF : 0;
		if (off == 0x18 && t->idx < t->n_script)
			t->idx++;
		break;
	case 0x20: {
		int k = t->idx - 1;
		if ((int64_t)value == CVMM_PSCI_RET_DENIED)
			t->denied[0]++;
		if (k >= 0 && k < t->n_script) {
			t->results[k] = (int64_t)value;
			if (t->script[k].until && (int64_t)value != t->script[k].want)
				t->idx--;
		}
		break;
	}
	case 0x78:
		value = (uint64_t)t->gic.version;
		break;
	case 0x28:
		if (t->n_reports < MAX_CALLS)
			t->reports[t->n_reports++] = t->cur;
		/* The wake-up interrupt has done its job: lower it before the next suspend. */
		kvmio_vm_irq_line(t->fx.vm, KVMIO_ARM_IRQ_SPI(0), 0);
		break;
	case 0x30:
		t->cur.x0 = value;
		break;
	case 0x38:
		t->cur.pc = value;
		break;
	case 0x40:
		t->cur.sctlr = value;
		break;
	case 0x48:
		t->cur.daif = value;
		break;
	case 0x50:
		t->cur.el = value;
		break;
	case 0x58:
		t->cur.spsel = value;
		break;
	case 0x60:
		t->secondary_on = true;
		t->secondary_ctx = value;
		break;
	case 0x68:
		value = (uint64_t)atomic_load(&t->secondary_off);
		break;
	case 0x70:
		if ((int64_t)value == CVMM_PSCI_RET_DENIED)
			t->denied[1]++;
		else
			t->other_answers++;
		break;
	}
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	if (!is_write)
		memcpy(data, &value, 8);
	if (off == 0x68 && !value)
		usleep(500); /* the secondary polls: keep it cheap */
	return 0;
}

static bool on_policy(void *opaque, struct vcpu *vcpu, uint64_t entry, uint64_t ctx)
{
	struct t *t = opaque;
	(void)vcpu;
	(void)entry;
	(void)ctx;
	pthread_mutex_lock(&t->lock);
	t->policy_calls++;
	bool allow = t->policy_allow;
	pthread_mutex_unlock(&t->lock);
	return allow;
}

static void on_refused(void *opaque, struct vcpu *vcpu, int32_t ret, uint64_t entry, uint64_t ctx)
{
	struct t *t = opaque;
	(void)vcpu;
	pthread_mutex_lock(&t->lock);
	if (t->n_refused < MAX_CALLS)
		t->refused[t->n_refused++] = (struct refusal){ret, entry, ctx};
	pthread_mutex_unlock(&t->lock);
}

static void on_suspended(void *opaque, struct vcpu *vcpu, uint64_t entry, uint64_t ctx)
{
	struct t *t = opaque;
	(void)vcpu;
	pthread_mutex_lock(&t->lock);
	t->suspended++;
	t->susp_entry = entry;
	t->susp_ctx = ctx;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

static void on_resumed(void *opaque, struct vcpu *vcpu)
{
	struct t *t = opaque;
	(void)vcpu;
	pthread_mutex_lock(&t->lock);
	t->resumed++;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

static void call(uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3)
{
	cr_assert_lt(T.n_script, MAX_CALLS);
	T.script[T.n_script++] = (struct call){.x = {x0, x1, x2, x3}};
}

static void call_until(uint64_t x0, uint64_t x1, uint64_t x2, int64_t want)
{
	call(x0, x1, x2, 0);
	T.script[T.n_script - 1].until = true;
	T.script[T.n_script - 1].want = want;
}

/* Waits (up to ms) until *counter reaches n. */
static bool wait_count(const int *counter, int n, unsigned int ms)
{
	struct timespec dl;
	bool ok = true;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += ms / 1000;
	dl.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&T.lock);
	while (*counter < n && ok)
		ok = pthread_cond_timedwait(&T.cond, &T.lock, &dl) != ETIMEDOUT || *counter >= n;
	pthread_mutex_unlock(&T.lock);
	return *counter >= n;
}

static bool wait_result(int k, unsigned int ms)
{
	uint64_t t0 = fx_now_ms();
	for (;;) {
		pthread_mutex_lock(&T.lock);
		bool got = T.results[k] != NO_RESULT &&
		           (!T.script[k].until || T.results[k] == T.script[k].want);
		pthread_mutex_unlock(&T.lock);
		if (got)
			return true;
		if (fx_now_ms() - t0 > ms)
			return false;
		fx_sleep_ms(2);
	}
}

/*
 * A VM with 1 MiB of RAM holding the payload, a vGIC for the wake-up interrupt (v2 where
 * the host has one, else v3), vCPU 0 starting at the payload and, with secondary,
 * vCPU 1 powered off.
 */
static void setup_vm(bool system_suspend, bool secondary, const struct vcpu_suspend_state *susp,
                     bool with_gic);

static void setup(bool system_suspend, bool secondary)
{
	setup_vm(system_suspend, secondary, NULL, true);
}

/* The test's state reset, and a VM with the payload in its RAM (no vGIC, no set yet). */
static void open_vm(void)
{
	memset(&T, 0, sizeof(T));
	pthread_mutex_init(&T.lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&T.cond, &ca);
	for (int i = 0; i < MAX_CALLS; i++)
		T.results[i] = NO_RESULT;
	T.policy_allow = true;
	T.gic.fd = -1;
	fx_open(&T.fx, RAM_BASE, RAM_SIZE);
	fx_load(&T.fx, RAM_BASE, vt_a64_start, vt_a64_end);
}

/* How the set's cores wake from SYSTEM_SUSPEND (a test may change it before setup). */
static enum vcpu_wake_mode wake_mode = VCPU_WAKE_RESET;

/* As setup(), vCPU 0 created inside the SYSTEM_SUSPEND susp (unless NULL), and a vGIC
   only with_gic. */
static void setup_vm(bool system_suspend, bool secondary, const struct vcpu_suspend_state *susp,
                     bool with_gic)
{
	open_vm();

	/* The payload asks the mailbox which vGIC it has (+0x78). */
	const struct kvmio_vgic_config gc = {.prefer_v2 = true,
	                                     .dist_base = GICD,
	                                     .cpu_base = GICC,
	                                     .redist_base = GICR,
	                                     .nr_irqs = 64};
	int gr = with_gic ? kvmio_vgic_create(T.fx.vm, &gc, &T.gic) : -ENODEV;
	cr_assert(gr == 0 || gr == -ENODEV, "create the vGIC: %s", strerror(-gr));

	struct vcpu_handlers h = {
	    .opaque = &T,
	    .mmio = on_mmio,
	    .suspend_allowed = on_policy,
	    .suspended = on_suspended,
	    .suspend_refused = on_refused,
	    .resumed = on_resumed,
	};
	T.fx.wake = wake_mode;
	fx_set(&T.fx, &h, system_suspend);
	struct vcpu_config c0 = {.id = 0, .entry = RAM_BASE, .suspended = susp};
	int r = vcpu_create(T.fx.set, &c0, &T.v0);
	cr_assert_eq(r, 0, "vcpu 0: %s", strerror(-r));
	if (secondary) {
		struct vcpu_config c1 = {.id = 1, .powered_off = true};
		r = vcpu_create(T.fx.set, &c1, &T.v1);
		cr_assert_eq(r, 0, "vcpu 1: %s", strerror(-r));
	}
	/* The vGIC is initialised once every vCPU exists. */
	if (T.gic.fd >= 0) {
		r = kvmio_vgic_init(&T.gic);
		cr_assert_eq(r, 0, "vGIC init: %s", strerror(-r));
	}
}

/* For tests that wake a suspended vCPU with an interrupt. */
static void need_gic(void)
{
	if (T.gic.fd < 0)
		cr_skip_test("no vGIC on this host for the wake-up interrupt");
}

static void start(void)
{
	cr_assert_eq(vcpu_set_start(T.fx.set), 0);
}

static void raise_wake_irq(void)
{
	int r = kvmio_vm_irq_line(T.fx.vm, KVMIO_ARM_IRQ_SPI(0), 1);
	cr_assert_eq(r, 0, "KVM_IRQ_LINE: %s", strerror(-r));
}

static struct vcpu_end join0(void)
{
	struct vcpu_end end;
	cr_assert_eq(vcpu_join(T.v0, &end), 0);
	return end;
}

static void teardown(void)
{
	vcpu_set_destroy(T.fx.set);
	T.fx.set = NULL;
	kvmio_vgic_destroy(&T.gic);
	fx_close(&T.fx);
}

/* Checks a wake-up report: resumed exactly at the entry, as from reset. */
static void check_report(int k, uint64_t ctx)
{
	const struct report *r = &T.reports[k];
	cr_assert_eq(r->x0, ctx, "report %d: x0 %#lx, want context id %#lx", k,
	             (unsigned long)r->x0, (unsigned long)ctx);
	cr_assert_eq(r->pc, entry_of(vt_a64_resume), "report %d: woke at %#lx", k,
	             (unsigned long)r->pc);
	cr_assert_eq(r->sctlr & CVMM_PSCI_SCTLR_M, 0, "MMU on after wake (SCTLR %#lx)",
	             (unsigned long)r->sctlr);
	cr_assert_eq(r->sctlr & CVMM_PSCI_SCTLR_EE, 0, "big-endian after a little-endian call");
	cr_assert_eq(r->daif, 0x3c0, "DAIF %#lx, want all masked", (unsigned long)r->daif);
	cr_assert_eq(r->el, 1u << 2, "CurrentEL %#lx, want EL1", (unsigned long)r->el);
	cr_assert_eq(r->spsel, 1, "SPSel %lu, want SP_EL1 (EL1h)", (unsigned long)r->spsel);
}

TestSuite(vcpu_a64, .fini = teardown, .timeout = 120);

Test(vcpu_a64, psci_version_and_features_with_opt_in)
{
	setup(true, false);
	call(FN_VERSION, 0, 0, 0);
	call(FN_FEATURES, FN_SS64, 0, 0);
	call(FN_FEATURES, FN_SS32, 0, 0);
	start();
	struct vcpu_end end = join0();
	cr_assert_eq(end.reason, VCPU_END_SHUTDOWN, "ended: %s", vcpu_end_reason_name(end.reason));
	cr_assert_eq(T.results[0], CVMM_PSCI_VERSION_1_1, "PSCI_VERSION %#lx",
	             (unsigned long)T.results[0]);
	cr_assert_eq(T.results[1], 0, "FEATURES(SYSTEM_SUSPEND64) %ld", (long)T.results[1]);
	cr_assert_eq(T.results[2], 0, "FEATURES(SYSTEM_SUSPEND32) %ld", (long)T.results[2]);
}

Test(vcpu_a64, no_opt_in_means_not_supported_and_no_exit)
{
	setup(false, false);
	call(FN_FEATURES, FN_SS64, 0, 0);
	call(FN_SS64, entry_of(vt_a64_resume), 1, 0);
	start();
	struct vcpu_end end = join0();
	cr_assert_eq(end.reason, VCPU_END_SHUTDOWN);
	cr_assert_eq((int32_t)T.results[0], CVMM_PSCI_RET_NOT_SUPPORTED);
	cr_assert_eq((int32_t)T.results[1], CVMM_PSCI_RET_NOT_SUPPORTED);
	struct vcpu_stats s;
	vcpu_get_stats(T.v0, &s);
	cr_assert_eq(s.suspends + s.suspend_denied, 0, "the VMM saw a SUSPEND exit");
	cr_assert_eq(T.suspended, 0);
}

/* Honours one SYSTEM_SUSPEND (call index k, context ctx) and wakes it; checks no CPU. */
static void suspend_and_wake(int nth, uint64_t ctx, bool measure_cpu)
{
	cr_assert(wait_count(&T.suspended, nth, 20000), "no suspend %d (results: %ld)", nth,
	          (long)T.results[0]);
	cr_assert_eq(T.susp_ctx, ctx);
	cr_assert_eq(T.susp_entry, entry_of(vt_a64_resume));
	if (measure_cpu) {
		/* Let the kernel's halt polling end, then watch the thread's CPU clock. */
		fx_sleep_ms(50);
		cr_assert_eq(vcpu_get_state(T.v0), VCPU_STATE_SUSPENDED);
		int64_t c0 = vcpu_cpu_time_ns(T.v0);
		fx_sleep_ms(400);
		int64_t c1 = vcpu_cpu_time_ns(T.v0);
		cr_assert(c0 >= 0 && c1 >= 0);
		cr_log_info("vCPU thread CPU time over 400 ms suspended: %ld us",
		            (long)((c1 - c0) / 1000));
		cr_assert_lt(c1 - c0, 20 * 1000000ll, "suspended vCPU used %ld us of CPU",
		             (long)((c1 - c0) / 1000));
		cr_assert_eq(T.resumed, nth - 1, "woke up without an interrupt");
		cr_assert_eq(vcpu_get_state(T.v0), VCPU_STATE_SUSPENDED);
	}
	raise_wake_irq();
	cr_assert(wait_count(&T.n_reports, nth, 20000), "no wake-up report %d", nth);
	cr_assert_eq(T.resumed, nth);
	check_report(nth - 1, ctx);
}

Test(vcpu_a64, honour_smc64_no_cpu_while_suspended_resume_at_entry)
{
	setup(true, false);
	need_gic();
	call(FN_SS64, entry_of(vt_a64_resume), 0x1234abcd5678ull, 0);
	start();
	cr_assert(wait_count(&T.suspended, 1, 20000));
	/* A suspended vCPU can be paused (it leaves the kernel's wait) and its MP state read. */
	uint32_t mp = 0;
	cr_assert_eq(vcpu_get_mp_state(T.v0, &mp), 0);
	cr_assert_eq(mp, KVM_MP_STATE_SUSPENDED);
	cr_assert_eq(vcpu_pause(T.v0), 0);
	cr_assert_eq(vcpu_get_state(T.v0), VCPU_STATE_PAUSED);
	cr_assert_eq(vcpu_resume(T.v0), 0);
	suspend_and_wake(1, 0x1234abcd5678ull, true);
	struct vcpu_end end = join0();
	cr_assert_eq(end.reason, VCPU_END_SHUTDOWN, "ended: %s", vcpu_end_reason_name(end.reason));
	struct vcpu_stats s;
	vcpu_get_stats(T.v0, &s);
	cr_assert_eq(s.suspends, 1);
	cr_assert_eq(s.wakeups, 1);
	cr_assert_eq(s.suspend_denied, 0);
	cr_log_info("SUSPEND handled in %lu us, WAKEUP in %lu us",
	            (unsigned long)(s.suspend_ns / 1000), (unsigned long)(s.wakeup_ns / 1000));
}

Test(vcpu_a64, psci_state_wake_resumes_at_entry_without_a_reset)
{
	/* VCPU_WAKE_PSCI_STATE: no KVM_ARM_VCPU_INIT on wake; the core still starts at the
	   entry with the context id, MMU off, exceptions masked, at EL1h, twice running. */
	wake_mode = VCPU_WAKE_PSCI_STATE;
	setup(true, false);
	need_gic();
	call(FN_SS64, entry_of(vt_a64_resume), 0xfeed01, 0);
	call(FN_SS64, entry_of(vt_a64_resume), 0xfeed02, 0);
	start();
	suspend_and_wake(1, 0xfeed01, false);
	suspend_and_wake(2, 0xfeed02, true);
	struct vcpu_end end = join0();
	cr_assert_eq(end.reason, VCPU_END_SHUTDOWN, "ended: %s", vcpu_end_reason_name(end.reason));
	struct vcpu_stats s;
	vcpu_get_stats(T.v0, &s);
	cr_assert_eq(s.suspends, 2);
	cr_assert_eq(s.wakeups, 2);
	cr_log_info("PSCI-state wake-up handled in %lu us", (unsigned long)(s.wakeup_ns / 1000));
}

Test(vcpu_a64, psci_state_wake_of_a_core_created_powered_off)
{
	/* Without the re-init, the secondary (created with POWER_OFF) leaves SUSPENDED
	   through its MP state alone and runs at the entry point. */
	wake_mode = VCPU_WAKE_PSCI_STATE;
	setup(true, true);
	need_gic();
	call(FN_CPU_ON64, 1, entry_of(vt_a64_secondary_suspend), 0x5ed);
	call(FN_CPU_OFF, 0, 0, 0);
	start();
	cr_assert(wait_count(&T.suspended, 1, 30000), "vCPU 1 never suspended");
	raise_wake_irq();
	cr_assert(wait_count(&T.n_reports, 1, 30000), "vCPU 1 did not report its wake-up");
	check_report(0, 0x5ed);
	struct vcpu_end e1;
	cr_assert_eq(vcpu_join(T.v1, &e1), 0);
	cr_assert_eq(e1.reason, VCPU_END_SHUTDOWN, "vCPU 1 ended: %s",
	             vcpu_end_reason_name(e1.reason));
	cr_assert_eq(vcpu_stop(T.v0), 0);
	cr_assert_eq(join0().reason, VCPU_END_STOPPED);
}

Test(vcpu_a64, wake_mode_out_of_range_is_refused)
{
	struct fx f;
	fx_open(&f, RAM_BASE, RAM_SIZE);
	f.wake = (enum vcpu_wake_mode)7;
	struct vcpu_handlers h = {0};
	cr_expect_eq(fx_set_forwarding(&f, &h, true, NULL, 0), -EINVAL);
	fx_close(&f);
}

Test(vcpu_a64, honour_smc32_ignores_upper_register_halves)
{
	setup(true, false);
	need_gic();
	call(FN_SS32 | 0xffffffff00000000ull, 0xdeadbeef00000000ull | entry_of(vt_a64_resume),
	     0xfeedface00005678ull, 0xabcdef0123456789ull);
	start();
	suspend_and_wake(1, 0x5678, false);
	cr_assert_eq(join0().reason, VCPU_END_SHUTDOWN);
}

Test(vcpu_a64, denied_with_secondary_on_then_honoured_after_cpu_off)
{
	setup(true, true);
	need_gic();
	call(FN_CPU_ON64, 1, entry_of(vt_a64_secondary), 0x77);
	call(FN_SS64, entry_of(vt_a64_resume), 0x11, 0);
	call_until(FN_AFFINITY64, 1, 0, 1 /* OFF */);
	call(FN_SS64, entry_of(vt_a64_resume), 0x22, 0);
	start();
	cr_assert(wait_result(1, 20000), "no answer to the first SYSTEM_SUSPEND");
	cr_assert_eq(T.results[0], 0, "CPU_ON: %ld", (long)T.results[0]);
	cr_assert_eq((int32_t)T.results[1], CVMM_PSCI_RET_DENIED, "with CPU 1 on: %ld",
	             (long)T.results[1]);
	cr_assert_eq(T.suspended, 0);
	cr_assert_eq(T.policy_calls, 0, "the policy was asked with CPU 1 on");
	/* CPU 1 is on (it reports) and keeps running after the denial. */
	uint64_t t0 = fx_now_ms();
	while (!T.secondary_on && fx_now_ms() - t0 < 20000)
		fx_sleep_ms(5);
	cr_assert(T.secondary_on);
	cr_assert_eq(T.secondary_ctx, 0x77);
	/* The suspend exit parked CPU 1 to read its MP state; it resumes when its thread
	   next runs, which a loaded host may delay. */
	t0 = fx_now_ms();
	while (vcpu_get_state(T.v1) != VCPU_STATE_RUNNING && fx_now_ms() - t0 < 5000)
		fx_sleep_ms(5);
	cr_assert_eq(vcpu_get_state(T.v1), VCPU_STATE_RUNNING);
	atomic_store(&T.secondary_off, 1);
	cr_assert(wait_result(2, 20000), "CPU 1 never turned OFF");
	suspend_and_wake(1, 0x22, false);
	cr_assert_eq(join0().reason, VCPU_END_SHUTDOWN);
	struct vcpu_stats s;
	vcpu_get_stats(T.v0, &s);
	cr_assert_eq(s.suspend_denied, 1);
	cr_assert_eq(s.suspends, 1);
	uint32_t mp = 0;
	cr_assert_eq(vcpu_get_mp_state(T.v1, &mp), 0);
	cr_assert_eq(mp, KVM_MP_STATE_STOPPED);
}

Test(vcpu_a64, bad_entry_points_get_invalid_address)
{
	setup(true, false);
	uint64_t good = entry_of(vt_a64_resume);
	call(FN_SS64, 0x1000, 1, 0);                         /* below RAM */
	call(FN_SS64, RAM_BASE + RAM_SIZE, 2, 0);            /* just past RAM */
	call(FN_SS64, good + 2, 3, 0);                       /* unaligned */
	call(FN_SS64, 0xfffffffffffffffcull, 4, 0);          /* would wrap */
	call(FN_SS32, 0xffffffff00000000ull | 0x1000, 5, 0); /* SMC32: low half outside */
	start();
	cr_assert_eq(join0().reason, VCPU_END_SHUTDOWN);
	for (int k = 0; k < 5; k++)
		cr_assert_eq((int32_t)T.results[k], CVMM_PSCI_RET_INVALID_ADDRESS, "call %d: %ld",
		             k, (long)T.results[k]);
	cr_assert_eq(T.suspended, 0);
	/* The embedder hears of each refusal, with its code and arguments. */
	cr_assert_eq(T.n_refused, 5);
	for (int k = 0; k < 5; k++) {
		cr_assert_eq(T.refused[k].ret, CVMM_PSCI_RET_INVALID_ADDRESS);
		cr_assert_eq(T.refused[k].ctx, (uint64_t)k + 1);
	}
	cr_assert_eq(T.refused[0].entry, 0x1000);
	cr_assert_eq(T.refused[4].entry, 0x1000, "SMC32: the low half of x1");
}

Test(vcpu_a64, policy_deny_gives_denied)
{
	setup(true, false);
	T.policy_allow = false;
	call(FN_SS64, entry_of(vt_a64_resume), 1, 0);
	call(FN_SS64, 0x1000, 2, 0); /* a refusal ranks before a bad entry point */
	start();
	cr_assert_eq(join0().reason, VCPU_END_SHUTDOWN);
	cr_assert_eq((int32_t)T.results[0], CVMM_PSCI_RET_DENIED);
	cr_assert_eq((int32_t)T.results[1], CVMM_PSCI_RET_DENIED);
	cr_assert_eq(T.policy_calls, 2);
	cr_assert_eq(T.suspended, 0);
	cr_assert_eq(T.n_refused, 2);
	cr_assert_eq(T.refused[0].ret, CVMM_PSCI_RET_DENIED);
	cr_assert_eq(T.refused[1].ret, CVMM_PSCI_RET_DENIED);
	cr_assert_eq(T.refused[1].entry, 0x1000);
}

static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

Test(vcpu_a64, hundred_suspend_resume_cycles, .timeout = 300)
{
	enum { CYCLES = 100 };
	setup(true, false);
	need_gic();
	for (int i = 0; i < CYCLES; i++)
		call(FN_SS64, entry_of(vt_a64_resume), 0x1000 + (uint64_t)i, 0);
	start();
	int fds = -1;
	uint64_t t0 = fx_now_ms();
	for (int i = 0; i < CYCLES; i++) {
		suspend_and_wake(i + 1, 0x1000 + (uint64_t)i, false);
		if (i == 0)
			fds = count_fds();
	}
	uint64_t ms = fx_now_ms() - t0;
	cr_assert_eq(join0().reason, VCPU_END_SHUTDOWN);
	cr_assert_eq(count_fds(), fds, "file descriptors leaked");
	struct vcpu_stats s;
	vcpu_get_stats(T.v0, &s);
	cr_assert_eq(s.suspends, CYCLES);
	cr_assert_eq(s.wakeups, CYCLES);
	cr_assert_eq(T.n_reports, CYCLES);
	cr_log_info("%d suspend/resume cycles in %lu ms", CYCLES, (unsigned long)ms);
}

Test(vcpu_a64, stop_while_suspended_ends_cleanly)
{
	setup(true, false);
	call(FN_SS64, entry_of(vt_a64_resume), 9, 0);
	start();
	cr_assert(wait_count(&T.suspended, 1, 20000));
	fx_sleep_ms(20);
	uint64_t t0 = fx_now_ms();
	cr_assert_eq(vcpu_stop(T.v0), 0);
	struct vcpu_end end = join0();
	cr_assert_eq(end.reason, VCPU_END_STOPPED, "ended: %s", vcpu_end_reason_name(end.reason));
	cr_assert_lt(fx_now_ms() - t0, 2000);
	cr_assert_eq(T.resumed, 0);
}

Test(vcpu_a64, system_reset_ends_the_loop_with_reset)
{
	setup(false, false);
	call(FN_VERSION, 0, 0, 0);
	call(FN_SYSTEM_RESET, 0, 0, 0);
	start();
	struct vcpu_end end = join0();
	cr_assert_eq(end.reason, VCPU_END_RESET, "ended: %s", vcpu_end_reason_name(end.reason));
	cr_assert_eq(end.exit_reason, KVM_EXIT_SYSTEM_EVENT);
	cr_assert_eq(end.detail, KVM_SYSTEM_EVENT_RESET);
}

Test(vcpu_a64, system_off_ends_the_loop_with_shutdown)
{
	setup(false, false);
	call(FN_SYSTEM_OFF, 0, 0, 0);
	start();
	struct vcpu_end end = join0();
	cr_assert_eq(end.reason, VCPU_END_SHUTDOWN);
	cr_assert_eq(end.detail, KVM_SYSTEM_EVENT_SHUTDOWN);
	cr_assert_eq(T.results[0], NO_RESULT);
}

static bool wait_progress(unsigned long past, unsigned int ms)
{
	uint64_t t0 = fx_now_ms();
	while (atomic_load(&T.accesses) <= past) {
		if (fx_now_ms() - t0 > ms)
			return false;
		fx_sleep_ms(1);
	}
	return true;
}

static void *kick_storm(void *arg)
{
	atomic_bool *done = arg;
	while (!atomic_load(done)) {
		vcpu_kick(T.v0);
		usleep(100);
	}
	return NULL;
}

Test(vcpu_a64, pause_resume_kick_cycles_on_a_busy_guest)
{
	setup(false, false);
	call_until(FN_VERSION, 0, 0, 0x7fffffff); /* never: the guest calls for ever */
	start();
	cr_assert(wait_progress(10, 20000), "the guest does not run");
	atomic_bool done = false;
	pthread_t kicker;
	pthread_create(&kicker, NULL, kick_storm, &done);
	for (int i = 0; i < 60; i++) {
		cr_assert_eq(vcpu_pause(T.v0), 0);
		cr_assert_eq(vcpu_get_state(T.v0), VCPU_STATE_PAUSED, "cycle %d", i);
		unsigned long a = atomic_load(&T.accesses);
		if (i % 20 == 0) {
			fx_sleep_ms(30);
			cr_assert_eq(atomic_load(&T.accesses), a, "progress while paused");
			uint32_t mp = 99;
			cr_assert_eq(kvmio_vcpu_get_mp_state(vcpu_kvm(T.v0), &mp), 0);
			cr_assert_eq(mp, KVM_MP_STATE_RUNNABLE);
		}
		cr_assert_eq(vcpu_resume(T.v0), 0);
		cr_assert(wait_progress(a, 20000), "cycle %d: no progress after resume", i);
	}
	atomic_store(&done, true);
	pthread_join(kicker, NULL);
	struct vcpu_stats s;
	vcpu_get_stats(T.v0, &s);
	cr_assert_geq(s.pauses, 60);
	cr_assert_gt(s.kicks, 0);
	cr_assert_eq(vcpu_stop(T.v0), 0);
	cr_assert_eq(join0().reason, VCPU_END_STOPPED);
	cr_log_info("pauses %lu, kicks %lu, interruptions %lu, runs %lu", (unsigned long)s.pauses,
	            (unsigned long)s.kicks, (unsigned long)s.interruptions, (unsigned long)s.runs);
}

Test(vcpu_a64, two_vcpus_suspending_at_once_are_both_denied_without_deadlock)
{
	/* Each SUSPEND exit pauses the other vCPU, which may itself be handling one. */
	setup(true, true);
	call(FN_CPU_ON64, 1, entry_of(vt_a64_suspender), 0);
	call_until(FN_SS64, entry_of(vt_a64_resume), 1, 0x7fffffff); /* for ever */
	start();
	cr_assert(wait_count(&T.denied[0], 20, 30000), "vCPU 0: %d denials", T.denied[0]);
	cr_assert(wait_count(&T.denied[1], 20, 30000), "vCPU 1: %d denials", T.denied[1]);
	cr_assert_eq(vcpu_set_stop(T.fx.set), 0);
	struct vcpu_end e0, e1;
	cr_assert_eq(vcpu_join(T.v0, &e0), 0);
	cr_assert_eq(vcpu_join(T.v1, &e1), 0);
	cr_assert_eq(e0.reason, VCPU_END_STOPPED, "vCPU 0 ended: %s",
	             vcpu_end_reason_name(e0.reason));
	cr_assert_eq(e1.reason, VCPU_END_STOPPED, "vCPU 1 ended: %s",
	             vcpu_end_reason_name(e1.reason));
	cr_assert_eq(T.other_answers, 0);
	cr_assert_eq(T.suspended, 0);
	struct vcpu_stats s0, s1;
	vcpu_get_stats(T.v0, &s0);
	vcpu_get_stats(T.v1, &s1);
	cr_assert_eq(s0.suspends + s1.suspends, 0);
	cr_log_info("denied: vCPU 0 %lu, vCPU 1 %lu", (unsigned long)s0.suspend_denied,
	            (unsigned long)s1.suspend_denied);
}

Test(vcpu_a64, secondary_suspends_after_the_boot_cpu_is_off)
{
	/* vCPU 1 was created powered off: its wake-up re-init (same features, POWER_OFF
	   among them) must still leave it running at the entry point. */
	setup(true, true);
	need_gic();
	call(FN_CPU_ON64, 1, entry_of(vt_a64_secondary_suspend), 0x5ec);
	call(FN_CPU_OFF, 0, 0, 0);
	start();
	cr_assert(wait_count(&T.suspended, 1, 30000), "vCPU 1 never suspended");
	cr_assert_eq(T.susp_ctx, 0x5ec);
	cr_assert_eq(vcpu_get_state(T.v1), VCPU_STATE_SUSPENDED);
	raise_wake_irq();
	cr_assert(wait_count(&T.n_reports, 1, 30000), "vCPU 1 did not report its wake-up");
	check_report(0, 0x5ec);
	/* It then runs the (exhausted) script: SYSTEM_OFF. */
	struct vcpu_end e1;
	cr_assert_eq(vcpu_join(T.v1, &e1), 0);
	cr_assert_eq(e1.reason, VCPU_END_SHUTDOWN, "vCPU 1 ended: %s",
	             vcpu_end_reason_name(e1.reason));
	uint32_t mp = 99;
	cr_assert_eq(vcpu_get_mp_state(T.v0, &mp), 0);
	cr_assert_eq(mp, KVM_MP_STATE_STOPPED);
	cr_assert_eq(vcpu_stop(T.v0), 0);
	cr_assert_eq(join0().reason, VCPU_END_STOPPED);
	struct vcpu_stats s1;
	vcpu_get_stats(T.v1, &s1);
	cr_assert_eq(s1.suspends, 1);
	cr_assert_eq(s1.wakeups, 1);
}

/* What the payload's start does to accept its wake-up interrupt (INTID 32: level,
   enabled, priority 0xa0, to CPU 0), done from outside for a guest that never ran it. */
static void gicd_write(uint64_t offset, uint32_t value)
{
	int r = kvmio_device_set_attr(T.gic.fd, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, offset, &value);
	cr_assert_eq(r, 0, "GICD %#llx: %s", (unsigned long long)offset, strerror(-r));
}

static void accept_wake_irq_from_outside(void)
{
	gicd_write(0x000, T.gic.version == 3 ? 0x12 : 1); /* GICD_CTLR (v3: ARE, group 1) */
	if (T.gic.version == 3)
		gicd_write(0x084, 1); /* GICD_IGROUPR1 */
	gicd_write(0xc08, 0);         /* GICD_ICFGR2: level */
	gicd_write(0x104, 1);         /* GICD_ISENABLER1 */
	gicd_write(0x420, 0xa0);      /* GICD_IPRIORITYR8 */
	/* CPU 0's interface: priority mask 0xf0 lets 0xa0 through; on (group 1 on v3). */
	if (T.gic.version == 3) {
		gicd_write(0x6100, 0); /* GICD_IROUTER32: CPU 0 */
		gicd_write(0x6104, 0);
		/* ICC_PMR_EL1 and ICC_IGRPEN1_EL1 of the vCPU of MPIDR affinity 0. */
		const uint64_t pmr_attr = (3u << 14) | (0u << 11) | (4u << 7) | (6u << 3) | 0u;
		const uint64_t grpen1_attr = (3u << 14) | (0u << 11) | (12u << 7) | (12u << 3) | 7u;
		uint64_t pmr = 0xf0, on = 1;
		cr_assert_eq(kvmio_device_set_attr(T.gic.fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
		                                   pmr_attr, &pmr),
		             0);
		cr_assert_eq(kvmio_device_set_attr(T.gic.fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
		                                   grpen1_attr, &on),
		             0);
	} else {
		gicd_write(0x820, 1);             /* GICD_ITARGETSR8: CPU 0 */
		uint32_t pmr = 0xf0 >> 3, on = 1; /* KVM keeps GICC_PMR as its 5 priority bits */
		cr_assert_eq(
		    kvmio_device_set_attr(T.gic.fd, KVM_DEV_ARM_VGIC_GRP_CPU_REGS, 0x04, &pmr), 0);
		cr_assert_eq(
		    kvmio_device_set_attr(T.gic.fd, KVM_DEV_ARM_VGIC_GRP_CPU_REGS, 0x00, &on), 0);
	}
}

/* A vCPU created inside a SYSTEM_SUSPEND (a VM restored from a snapshot): no guest code
   runs and no host CPU is spent until the interrupt, which resumes it at the entry point
   with the context id, as from reset. */
Test(vcpu_a64, created_suspended_waits_then_resumes_at_entry_with_context_id)
{
	const struct vcpu_suspend_state want = {
	    .entry = entry_of(vt_a64_resume), .context_id = 0xc0ffee5eedull, .smc64 = true};
	setup_vm(true, false, &want, true);
	need_gic();
	accept_wake_irq_from_outside();
	struct vcpu_suspend_state got;
	cr_assert_eq(vcpu_get_suspend_state(T.v0, &got), 0);
	cr_assert(got.entry == want.entry && got.context_id == want.context_id && got.smc64 &&
	          !got.aarch32 && !got.big_endian);
	start();
	fx_sleep_ms(100);
	cr_assert_eq(vcpu_get_state(T.v0), VCPU_STATE_SUSPENDED);
	int64_t c0 = vcpu_cpu_time_ns(T.v0);
	fx_sleep_ms(300);
	int64_t c1 = vcpu_cpu_time_ns(T.v0);
	cr_assert(c0 >= 0 && c1 >= 0);
	cr_assert_lt(c1 - c0, 20 * 1000000ll, "suspended vCPU used %ld us of CPU",
	             (long)((c1 - c0) / 1000));
	cr_assert_eq(atomic_load(&T.accesses), 0, "guest code ran before the wake-up");
	uint32_t mp = 0;
	cr_assert_eq(vcpu_get_mp_state(T.v0, &mp), 0);
	cr_assert_eq(mp, KVM_MP_STATE_SUSPENDED);

	raise_wake_irq();
	cr_assert(wait_count(&T.n_reports, 1, 20000), "no wake-up report");
	check_report(0, want.context_id);
	cr_assert_eq(T.resumed, 1);
	cr_assert_eq(vcpu_get_suspend_state(T.v0, &got), -EINVAL, "awake, yet suspended");
	/* It runs on: the exhausted script powers off. */
	cr_assert_eq(join0().reason, VCPU_END_SHUTDOWN);
	struct vcpu_stats s;
	vcpu_get_stats(T.v0, &s);
	cr_assert_eq(s.wakeups, 1);
	cr_assert_eq(s.suspends, 0, "no SYSTEM_SUSPEND call was made in this VM");
}

/* What vcpu_get_suspend_state() reports of a call the guest made: an SMC32 call. */
Test(vcpu_a64, suspend_state_of_an_honoured_call)
{
	setup(true, false);
	struct vcpu_suspend_state got;
	cr_assert_eq(vcpu_get_suspend_state(T.v0, &got), -EINVAL, "not suspended yet");
	call(FN_SS32, entry_of(vt_a64_resume), 0x77, 0);
	start();
	cr_assert(wait_count(&T.suspended, 1, 20000));
	cr_assert_eq(vcpu_pause(T.v0), 0);
	cr_assert_eq(vcpu_get_suspend_state(T.v0, &got), 0);
	cr_assert_eq(got.entry, entry_of(vt_a64_resume));
	cr_assert_eq(got.context_id, 0x77);
	cr_assert(!got.smc64 && !got.aarch32 && !got.big_endian);
	cr_assert_eq(vcpu_resume(T.v0), 0);
	cr_assert_eq(vcpu_stop(T.v0), 0);
	cr_assert_eq(join0().reason, VCPU_END_STOPPED);
}

/* A suspended state from a file is checked as a guest's call would be. */
Test(vcpu_a64, a_suspended_state_that_could_not_be_honoured_is_refused)
{
	const uint64_t good = entry_of(vt_a64_resume);
	const struct {
		struct vcpu_suspend_state s;
		bool powered_off;
		const char *what;
	} bad[] = {
	    {{.entry = RAM_BASE + RAM_SIZE, .smc64 = true}, false, "entry past RAM"},
	    {{.entry = RAM_BASE - 4, .smc64 = true}, false, "entry below RAM"},
	    {{.entry = good + 2, .smc64 = true}, false, "misaligned A64 entry"},
	    {{.entry = good, .context_id = 1ull << 32}, false, "SMC32 with a 64-bit context id"},
	    {{.entry = good, .smc64 = true, .aarch32 = true}, false, "SMC64 from AArch32"},
	    {{.entry = good, .smc64 = true}, true, "powered off and suspended"},
	};
	setup_vm(true, false, NULL, false);
	for (uint32_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vcpu_config c = {
		    .id = 10 + i, .suspended = &bad[i].s, .powered_off = bad[i].powered_off};
		struct vcpu *v = NULL;
		cr_assert_eq(vcpu_create(T.fx.set, &c, &v), -EINVAL, "%s was accepted",
		             bad[i].what);
	}
	/* The same good state in a set that does not handle SYSTEM_SUSPEND. */
	teardown();
	setup_vm(false, false, NULL, false);
	const struct vcpu_suspend_state ok = {.entry = good, .smc64 = true};
	struct vcpu_config c = {.id = 1, .suspended = &ok};
	struct vcpu *v = NULL;
	cr_assert_eq(vcpu_create(T.fx.set, &c, &v), -EINVAL, "no SYSTEM_SUSPEND opt-in");
}

/* ------------------------------------------------------------------------------------
 * Forwarded SMCCC calls (vcpu_set_config.forward_smccc: KVM's SMCCC filter, Linux 6.4)
 * ---------------------------------------------------------------------------------- */

static int on_smccc(void *opaque, struct vcpu *vcpu, struct vcpu_smccc_call *call)
{
	struct t *t = opaque;
	(void)vcpu;
	pthread_mutex_lock(&t->lock);
	if (t->n_forwarded < MAX_CALLS)
		t->forwarded[t->n_forwarded++] = *call;
	pthread_mutex_unlock(&t->lock);
	if (t->forward_error)
		return t->forward_error;
	call->results[0] = (uint64_t)t->forward_answer;
	return 0;
}

/* KVM's SMCCC filter came in Linux 6.4. */
static bool kernel_has_smccc_filter(void)
{
	return host_kernel_at_least(6, 4);
}

/*
 * A VM as setup() makes it (vCPU 1 powered off), whose set forwards ids to on_smccc (or
 * to no handler). Returns vcpu_set_create()'s result; the vCPUs exist only when it is 0.
 */
static int setup_forwarding(const uint32_t *ids, size_t n, bool with_handler)
{
	open_vm();
	struct vcpu_handlers h = {.opaque = &T, .mmio = on_mmio};
	if (with_handler)
		h.smccc = on_smccc;
	int r = fx_set_forwarding(&T.fx, &h, false, ids, n);
	if (r < 0)
		return r;
	struct vcpu_config c0 = {.id = 0, .entry = RAM_BASE};
	cr_assert_eq(vcpu_create(T.fx.set, &c0, &T.v0), 0);
	struct vcpu_config c1 = {.id = 1, .powered_off = true};
	cr_assert_eq(vcpu_create(T.fx.set, &c1, &T.v1), 0);
	return 0;
}

/* setup_forwarding() where the host has the filter: true once the VM is set up; false
   (having checked the refusal, -EOPNOTSUPP) on an older kernel. */
static bool setup_forwarding_if_supported(const uint32_t *ids, size_t n, bool with_handler)
{
	int r = setup_forwarding(ids, n, with_handler);
	if (!kernel_has_smccc_filter()) {
		cr_assert_eq(r, -EOPNOTSUPP, "no SMCCC filter before 6.4: got %d", r);
		return false;
	}
	cr_assert_eq(r, 0, "vcpu_set_create: %s", strerror(-r));
	return true;
}

Test(vcpu_a64, forwarded_cpu_on_is_answered_by_the_handler_not_kvm)
{
	const uint32_t ids[] = {FN_CPU_ON64};
	if (!setup_forwarding_if_supported(ids, 1, true))
		return;
	T.forward_answer = CVMM_PSCI_RET_DENIED;
	call(FN_CPU_ON64, 1, entry_of(vt_a64_secondary), 0x1234);
	call(FN_VERSION, 0, 0, 0);    /* not forwarded: KVM answers */
	call(FN_AFFINITY64, 1, 0, 0); /* nor this: core 1 is still off */
	start();
	struct vcpu_end end = join0();
	cr_assert_eq(end.reason, VCPU_END_SHUTDOWN, "ended: %s", vcpu_end_reason_name(end.reason));
	cr_assert_eq(T.n_forwarded, 1, "%d calls forwarded", T.n_forwarded);
	const struct vcpu_smccc_call *c = &T.forwarded[0];
	cr_assert_eq(c->function_id, FN_CPU_ON64, "function id %#x", c->function_id);
	cr_assert(!c->smc, "an HVC reported as SMC");
	cr_assert_eq(c->args[0], 1);
	cr_assert_eq(c->args[1], entry_of(vt_a64_secondary));
	cr_assert_eq(c->args[2], 0x1234);
	cr_assert_eq(T.results[0], CVMM_PSCI_RET_DENIED, "CPU_ON got %ld", (long)T.results[0]);
	cr_assert_eq(T.results[1], CVMM_PSCI_VERSION_1_1, "PSCI_VERSION %#lx",
	             (unsigned long)T.results[1]);
	cr_assert_eq(T.results[2], 1, "AFFINITY_INFO(1) %ld: core 1 should be OFF",
	             (long)T.results[2]);
	cr_assert(!T.secondary_on, "the secondary ran although its CPU_ON was denied");
}

Test(vcpu_a64, forwarded_call_without_a_handler_gets_not_supported)
{
	const uint32_t ids[] = {FN_CPU_ON64};
	if (!setup_forwarding_if_supported(ids, 1, false))
		return;
	call(FN_CPU_ON64, 1, entry_of(vt_a64_secondary), 0);
	start();
	struct vcpu_end end = join0();
	cr_assert_eq(end.reason, VCPU_END_SHUTDOWN);
	cr_assert_eq((int32_t)T.results[0], CVMM_PSCI_RET_NOT_SUPPORTED, "CPU_ON got %ld",
	             (long)T.results[0]);
	cr_assert(!T.secondary_on);
}

Test(vcpu_a64, forwarded_system_off_seen_first_and_the_handler_ends_the_loop)
{
	const uint32_t ids[] = {FN_SYSTEM_OFF};
	if (!setup_forwarding_if_supported(ids, 1, true))
		return;
	T.forward_error = -ECANCELED;
	/* The empty script ends with SYSTEM_OFF, which now reaches the handler. */
	start();
	struct vcpu_end end = join0();
	cr_assert_eq(end.reason, VCPU_END_HANDLER, "ended: %s", vcpu_end_reason_name(end.reason));
	cr_assert_eq(end.error, -ECANCELED);
	cr_assert_eq(T.n_forwarded, 1);
	cr_assert_eq(T.forwarded[0].function_id, FN_SYSTEM_OFF);
}

Test(vcpu_a64, forwarding_refuses_system_suspend_repeats_and_the_arm_range)
{
	const uint32_t suspend[] = {FN_SS64};
	cr_assert_eq(setup_forwarding(suspend, 1, true), -EINVAL, "SYSTEM_SUSPEND forwarded");
	fx_close(&T.fx);
	const uint32_t twice[] = {FN_CPU_ON64, FN_CPU_ON64};
	cr_assert_eq(setup_forwarding(twice, 2, true), -EINVAL, "an id given twice");
	fx_close(&T.fx);
	const uint32_t arch[] = {0x80000000u}; /* SMCCC_VERSION */
	int r = setup_forwarding(arch, 1, true);
	cr_assert_eq(r, kernel_has_smccc_filter() ? -EEXIST : -EOPNOTSUPP,
	             "the Arm architecture range: %d", r);
}
