/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x86_64 behaviour this machine's paravirtual KVM does not provide, run on real x86 KVM
 * (nested SVM) in the emulated x86_64 host:
 *   - KVM_EXIT_SHUTDOWN from a triple fault: the paravirtual KVM cannot deliver
 *     real-mode exceptions through its instruction emulator and reports
 *     KVM_EXIT_INTERNAL_ERROR instead;
 *   - the vCPU TSC offset attribute reading back what was set (it stays 0 there);
 *   - KVM_EXIT_HYPERCALL (KVM_HC_MAP_GPA_RANGE): there, the vmcall never returns;
 *   - KVM_EXIT_X86_RDMSR / WRMSR: there, rdmsr at CPL0 is an emulation failure;
 *   - KVM_EXIT_IRQ_WINDOW_OPEN: there, the request is ignored and the guest halts.
 */
#include "real_mode.h"

PAYLOAD(x86_triple_fault);
PAYLOAD(x86_hypercall);
PAYLOAD(x86_user_msr);
PAYLOAD(x86_sti);

static struct guest g;

static void teardown(void)
{
	guest_destroy(&g);
}

TestSuite(x86_emulated, .fini = teardown, .timeout = 120);

Test(x86_emulated, shutdown_on_triple_fault)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_triple_fault, 0);
	guest_run(&g, &e);
	if (e.kind == KVMIO_EXIT_INTERNAL_ERROR)
		cr_log_error("internal error, suberror %u", e.internal.suberror);
	assert_exit(&e, KVMIO_EXIT_SHUTDOWN);
	cr_assert_eq(e.reason, KVM_EXIT_SHUTDOWN);
	cr_assert_str_eq(kvmio_exit_kind_name(e.kind), "shutdown");
}

Test(x86_emulated, vcpu_tsc_offset_attribute)
{
	g.sys = open_system_or_skip();
	cr_assert_eq(kvmio_system_create_vm(g.sys, 0, &g.vm), 0);
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &g.vcpu), 0);
	int fd = kvmio_vcpu_fd(g.vcpu);
	cr_assert_eq(kvmio_device_has_attr(fd, KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET), 1);
	uint64_t off = 0, want = 123456789;
	cr_assert_eq(kvmio_device_set_attr(fd, KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET, &want), 0);
	cr_assert_eq(kvmio_device_get_attr(fd, KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET, &off), 0);
	cr_assert_eq(off, want, "offset %llu after setting %llu", (unsigned long long)off,
	             (unsigned long long)want);
}

Test(x86_emulated, hypercall_map_gpa_range)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_hypercall, 0);
	int caps = kvmio_vm_check_extension(g.vm, KVM_CAP_EXIT_HYPERCALL);
	if (caps <= 0 || !(caps & (1 << 12)))
		cr_skip_test("KVM_CAP_EXIT_HYPERCALL without KVM_HC_MAP_GPA_RANGE (%d)", caps);
	cr_assert_eq(kvmio_vm_enable_cap(g.vm, KVM_CAP_EXIT_HYPERCALL, 1u << 12), 0);
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_HYPERCALL);
	cr_assert_eq(e.reason, KVM_EXIT_HYPERCALL);
	cr_assert_eq(e.hypercall.nr, 12);
	cr_assert_eq(e.hypercall.args[0], 0x4000);
	cr_assert_eq(e.hypercall.args[1], 2);
	cr_assert_eq(e.hypercall.args[2], 0x10);
	cr_assert_eq(e.hypercall.longmode, 0, "a real-mode caller");
	*e.hypercall.ret = 0x77; /* the result the guest sees in RAX */
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_IO);
	cr_assert_eq(e.io.port, 0x50);
	uint32_t rax;
	memcpy(&rax, e.io.data, 4);
	cr_assert_eq(rax, 0x77);
}

Test(x86_emulated, msr_exits_to_user_space)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_user_msr, 0);
	if (kvmio_vm_check_extension(g.vm, KVM_CAP_X86_USER_SPACE_MSR) <= 0)
		cr_skip_test("no KVM_CAP_X86_USER_SPACE_MSR");
	cr_assert_eq(
	    kvmio_vm_enable_cap(g.vm, KVM_CAP_X86_USER_SPACE_MSR, KVM_MSR_EXIT_REASON_UNKNOWN), 0);
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_X86_RDMSR);
	cr_assert_eq(e.msr.index, 0x4b564dff);
	cr_assert_eq(e.msr.reason, KVM_MSR_EXIT_REASON_UNKNOWN);
	*e.msr.data = 0xabcdef0012345678ull;
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_IO);
	cr_assert_eq(e.io.port, 0x52);
	uint32_t eax;
	memcpy(&eax, e.io.data, 4);
	cr_assert_eq(eax, 0x12345678);
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_X86_WRMSR);
	cr_assert_eq(e.msr.index, 0x4b564dff);
	cr_assert_eq(*e.msr.data, 0x5566778811223344ull);
	*e.msr.error = 0;
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_HLT);
}

Test(x86_emulated, irq_window_open)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_sti, 0);
	kvmio_vcpu_kvm_run(g.vcpu)->request_interrupt_window = 1;
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_IRQ_WINDOW_OPEN);
	cr_assert_eq(e.reason, KVM_EXIT_IRQ_WINDOW_OPEN);
	cr_assert(kvmio_vcpu_kvm_run(g.vcpu)->ready_for_interrupt_injection);
	/* The window opened because the guest set IF. */
	kvmio_vcpu_kvm_run(g.vcpu)->request_interrupt_window = 0;
	struct kvm_regs r;
	cr_assert_eq(kvmio_vcpu_get_regs(g.vcpu, &r), 0);
	cr_assert(r.rflags & (1u << 9), "IF set");
}
