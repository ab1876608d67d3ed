/* SPDX-License-Identifier: Apache-2.0 */
/* x86_64 vCPU state calls on real KVM: registers, MSRs, CPUID, LAPIC, events, debug. */
#include "real_mode.h"

#include <stdlib.h>
#include <string.h>

PAYLOAD(x86_steps);

static struct guest g;

static void teardown(void)
{
	guest_destroy(&g);
}

TestSuite(x86_vcpu, .fini = teardown, .timeout = 60);

static void vcpu_only(bool irqchip)
{
	g.sys = open_system_or_skip();
	cr_assert_eq(kvmio_system_create_vm(g.sys, 0, &g.vm), 0);
	if (irqchip)
		cr_assert_eq(kvmio_vm_create_irqchip(g.vm), 0);
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &g.vcpu), 0);
}

Test(x86_vcpu, regs_sregs_fpu_round_trip)
{
	vcpu_only(false);
	struct kvm_regs r = {.rax = 0x1122334455667788, .r15 = 42, .rip = 0x1234, .rflags = 2};
	cr_assert_eq(kvmio_vcpu_set_regs(g.vcpu, &r), 0);
	struct kvm_regs back;
	cr_assert_eq(kvmio_vcpu_get_regs(g.vcpu, &back), 0);
	cr_assert_eq(back.rax, r.rax);
	cr_assert_eq(back.r15, 42);
	cr_assert_eq(back.rip, 0x1234);

	struct kvm_sregs s;
	cr_assert_eq(kvmio_vcpu_get_sregs(g.vcpu, &s), 0);
	cr_assert_eq(s.cs.selector, 0xf000, "reset CS");
	s.ds.base = 0x5000;
	s.ds.selector = 0x500;
	cr_assert_eq(kvmio_vcpu_set_sregs(g.vcpu, &s), 0);
	struct kvm_sregs sback;
	cr_assert_eq(kvmio_vcpu_get_sregs(g.vcpu, &sback), 0);
	cr_assert_eq(sback.ds.base, 0x5000);

	struct kvm_fpu f;
	cr_assert_eq(kvmio_vcpu_get_fpu(g.vcpu, &f), 0);
	f.fcw = 0x37e;
	f.xmm[0][0] = 0xaa;
	f.fpr[0][0] = 0x55;
	cr_assert_eq(kvmio_vcpu_set_fpu(g.vcpu, &f), 0);
	struct kvm_fpu fback;
	cr_assert_eq(kvmio_vcpu_get_fpu(g.vcpu, &fback), 0);
	cr_assert_eq(fback.fcw, 0x37e);
	cr_assert_eq(fback.xmm[0][0], 0xaa);
	cr_assert_eq(fback.fpr[0][0], 0x55);
	/* KVM_GET_FPU / KVM_SET_FPU leave MXCSR out (the kernel copies every other field);
	 * it travels in the XSAVE area (legacy region, byte 24, with XSTATE_BV.SSE). */
	struct kvm_xsave *xs = calloc(1, sizeof(*xs)), *xb = calloc(1, sizeof(*xb));
	cr_assert_eq(kvmio_vcpu_get_xsave(g.vcpu, xs), 0);
	uint32_t mxcsr = 0x7f80; /* round toward zero */
	memcpy((uint8_t *)xs->region + 24, &mxcsr, 4);
	xs->region[512 / 4] |= 2;
	cr_assert_eq(kvmio_vcpu_set_xsave(g.vcpu, xs), 0);
	cr_assert_eq(kvmio_vcpu_get_xsave(g.vcpu, xb), 0);
	memcpy(&mxcsr, (uint8_t *)xb->region + 24, 4);
	cr_assert_eq(mxcsr, 0x7f80, "MXCSR 0x%x", mxcsr);
	struct kvm_fpu fm;
	cr_assert_eq(kvmio_vcpu_get_fpu(g.vcpu, &fm), 0);
	cr_assert_eq(fm.mxcsr, 0, "KVM_GET_FPU does not report MXCSR");
	fm.mxcsr = 0x1f80;
	cr_assert_eq(kvmio_vcpu_set_fpu(g.vcpu, &fm), 0);
	cr_assert_eq(kvmio_vcpu_get_xsave(g.vcpu, xb), 0);
	memcpy(&mxcsr, (uint8_t *)xb->region + 24, 4);
	cr_assert_eq(mxcsr, 0x7f80, "KVM_SET_FPU does not write MXCSR (0x%x)", mxcsr);
	free(xs);
	free(xb);
	cr_assert_eq(kvmio_vcpu_get_regs(g.vcpu, NULL), -EINVAL);
}

Test(x86_vcpu, msrs)
{
	vcpu_only(false);
	struct kvm_msr_entry set[2] = {{.index = 0x174, .data = 0x10},    /* SYSENTER_CS */
	                               {.index = 0x176, .data = 0x8000}}; /* SYSENTER_EIP */
	cr_assert_eq(kvmio_vcpu_set_msrs(g.vcpu, set, 2), 2);
	struct kvm_msr_entry get[3] = {{.index = 0x174}, {.index = 0x176}, {.index = 0xdeadbeef}};
	/* Stops at the MSR KVM does not know. */
	cr_assert_eq(kvmio_vcpu_get_msrs(g.vcpu, get, 3), 2);
	cr_assert_eq(get[0].data, 0x10);
	cr_assert_eq(get[1].data, 0x8000);
}

Test(x86_vcpu, cpuid2)
{
	vcpu_only(false);
	struct kvm_cpuid_entry2 *e = calloc(256, sizeof(*e));
	int n = kvmio_system_get_supported_cpuid(g.sys, e, 256, NULL);
	cr_assert_gt(n, 1);
	cr_assert_eq(kvmio_vcpu_set_cpuid2(g.vcpu, e, (size_t)n), 0);
	struct kvm_cpuid_entry2 *back = calloc(256, sizeof(*back));
	int got = kvmio_vcpu_get_cpuid2(g.vcpu, back, 256, NULL);
	cr_assert_eq(got, n, "KVM_GET_CPUID2 gave %d (%s), KVM_SET_CPUID2 took %d", got,
	             got < 0 ? strerror(-got) : "entries", n);
	cr_assert_eq(back[0].function, e[0].function);
	cr_assert_eq(back[0].eax, e[0].eax);
	size_t needed = 99;
	cr_assert_eq(kvmio_vcpu_get_cpuid2(g.vcpu, back, 1, &needed), -E2BIG);
	cr_assert(needed == 0 || needed == (size_t)n, "needed %zu, count %d", needed, n);
	/* Exactly the room needed is enough. */
	cr_assert_eq(kvmio_vcpu_get_cpuid2(g.vcpu, back, (size_t)n, NULL), n);
	free(e);
	free(back);
}

Test(x86_vcpu, lapic_needs_irqchip)
{
	vcpu_only(true);
	struct kvm_lapic_state l;
	cr_assert_eq(kvmio_vcpu_get_lapic(g.vcpu, &l), 0);
	/* The task priority register (offset 0x80) round-trips. */
	l.regs[0x80] = 0x20;
	cr_assert_eq(kvmio_vcpu_set_lapic(g.vcpu, &l), 0);
	struct kvm_lapic_state back;
	cr_assert_eq(kvmio_vcpu_get_lapic(g.vcpu, &back), 0);
	cr_assert_eq(back.regs[0x80], 0x20);
	uint32_t st;
	cr_assert_eq(kvmio_vcpu_get_mp_state(g.vcpu, &st), 0);
	cr_assert_eq(st, KVM_MP_STATE_RUNNABLE, "the BSP is runnable");
}

Test(x86_vcpu, lapic_without_irqchip)
{
	vcpu_only(false);
	struct kvm_lapic_state l;
	cr_assert_eq(kvmio_vcpu_get_lapic(g.vcpu, &l), -EINVAL);
}

Test(x86_vcpu, xcrs_as_the_cap_says)
{
	vcpu_only(false);
	struct kvm_xcrs x;
	memset(&x, 0xff, sizeof(x));
	cr_assert_eq(kvmio_vcpu_get_xcrs(g.vcpu, &x), 0);
	if (kvmio_vm_check_extension(g.vm, KVM_CAP_XCRS) <= 0) {
		/* A host CPU without XSAVE (the emulated x86_64 host's): no XCR to report. */
		cr_assert_eq(x.nr_xcrs, 0);
		return;
	}
	cr_assert_geq(x.nr_xcrs, 1);
	cr_assert_eq(x.xcrs[0].xcr, 0);
	cr_assert(x.xcrs[0].value & 1, "XCR0.x87 is always set");
	cr_assert_eq(kvmio_vcpu_set_xcrs(g.vcpu, &x), 0);
}

Test(x86_vcpu, xsave_and_debugregs)
{
	vcpu_only(false);
	struct kvm_xsave *xs = calloc(1, sizeof(*xs));
	cr_assert_eq(kvmio_vcpu_get_xsave(g.vcpu, xs), 0);
	cr_assert_eq(kvmio_vcpu_set_xsave(g.vcpu, xs), 0);
	free(xs);
	struct kvm_debugregs d;
	cr_assert_eq(kvmio_vcpu_get_debugregs(g.vcpu, &d), 0);
	d.db[0] = 0x1000;
	cr_assert_eq(kvmio_vcpu_set_debugregs(g.vcpu, &d), 0);
	struct kvm_debugregs dback;
	cr_assert_eq(kvmio_vcpu_get_debugregs(g.vcpu, &dback), 0);
	cr_assert_eq(dback.db[0], 0x1000);
}

Test(x86_vcpu, events_interrupt_nmi)
{
	vcpu_only(false);
	struct kvm_vcpu_events ev;
	cr_assert_eq(kvmio_vcpu_get_vcpu_events(g.vcpu, &ev), 0);
	cr_assert_eq(ev.interrupt.injected, 0);
	cr_assert_eq(kvmio_vcpu_interrupt(g.vcpu, 0x21), 0);
	cr_assert_eq(kvmio_vcpu_get_vcpu_events(g.vcpu, &ev), 0);
	cr_assert_eq(ev.interrupt.injected, 1);
	cr_assert_eq(ev.interrupt.nr, 0x21);
	cr_assert_eq(kvmio_vcpu_interrupt(g.vcpu, 256), -EINVAL);
	cr_assert_eq(kvmio_vcpu_nmi(g.vcpu), 0);
	cr_assert_eq(kvmio_vcpu_get_vcpu_events(g.vcpu, &ev), 0);
	cr_assert_eq(ev.nmi.pending, 1);
	/* Clear the queued events again through SET. */
	ev.interrupt.injected = 0;
	ev.nmi.pending = 0;
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
	cr_assert_eq(kvmio_vcpu_set_vcpu_events(g.vcpu, &ev), 0);
	cr_assert_eq(kvmio_vcpu_get_vcpu_events(g.vcpu, &ev), 0);
	cr_assert_eq(ev.interrupt.injected, 0);
	cr_assert_eq(ev.nmi.pending, 0);
}

Test(x86_vcpu, tsc_khz)
{
	vcpu_only(false);
	int khz = kvmio_vcpu_get_tsc_khz(g.vcpu);
	cr_assert_gt(khz, 0, "tsc khz %d", khz);
	cr_assert_eq(kvmio_vcpu_set_tsc_khz(g.vcpu, (uint32_t)khz), 0);
	cr_assert_eq(kvmio_vcpu_get_tsc_khz(g.vcpu), khz);
}

Test(x86_vcpu, enable_cap_on_vcpu)
{
	vcpu_only(false);
	cr_assert_eq(kvmio_vcpu_enable_cap(g.vcpu, 0x7fffffff, 0), -EINVAL);
	if (kvmio_system_check_extension(g.sys, KVM_CAP_ENFORCE_PV_FEATURE_CPUID) <= 0)
		cr_skip_test("no KVM_CAP_ENFORCE_PV_FEATURE_CPUID");
	cr_assert_eq(kvmio_vcpu_enable_cap(g.vcpu, KVM_CAP_ENFORCE_PV_FEATURE_CPUID, 1), 0);
}

Test(x86_vcpu, single_step_debug_exit)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_steps, 0);
	struct kvm_guest_debug dbg = {.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP};
	cr_assert_eq(kvmio_vcpu_set_guest_debug(g.vcpu, &dbg), 0);
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_DEBUG);
	cr_assert_eq(e.reason, KVM_EXIT_DEBUG);
	cr_assert_eq(e.debug.exception, 1, "#DB");
	cr_assert_eq(e.debug.pc, RM_ENTRY + 1, "pc 0x%llx", (unsigned long long)e.debug.pc);
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_DEBUG);
	cr_assert_eq(e.debug.pc, RM_ENTRY + 2);
	dbg.control = 0;
	cr_assert_eq(kvmio_vcpu_set_guest_debug(g.vcpu, &dbg), 0);
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_HLT);
}
