/* SPDX-License-Identifier: Apache-2.0 */
/* aarch64 system, VM and vCPU calls on real KVM (emulated arm64 host). */
#include "arm_guest.h"

#include <stdlib.h>

static struct guest g;

static void teardown(void)
{
	guest_destroy(&g);
}

TestSuite(arm_vcpu, .fini = teardown, .timeout = 60);

Test(arm_vcpu, ipa_limit_and_vm_types)
{
	g.sys = open_system_or_skip();
	int limit = kvmio_system_host_ipa_limit(g.sys);
	cr_assert_geq(limit, 0);
	if (limit == 0)
		cr_skip_test("no KVM_CAP_ARM_VM_IPA_SIZE");
	cr_assert_geq(limit, 40);
	struct kvmio_vm *vm = NULL;
	cr_assert_eq(kvmio_system_create_vm(g.sys, KVMIO_VM_TYPE_ARM_IPA_SIZE(32), &vm), 0);
	kvmio_vm_destroy(vm);
	cr_assert_eq(kvmio_system_create_vm(g.sys, KVMIO_VM_TYPE_ARM_IPA_SIZE(limit), &vm), 0);
	kvmio_vm_destroy(vm);
	cr_assert_eq(kvmio_system_create_vm(g.sys, KVMIO_VM_TYPE_ARM_IPA_SIZE(limit + 1), &vm),
	             -EINVAL);
}

Test(arm_vcpu, preferred_target_and_init)
{
	arm_guest_vm(&g);
	struct kvm_vcpu_init init;
	cr_assert_eq(kvmio_vm_arm_preferred_target(g.vm, &init), 0);
	cr_assert_eq(init.features[0], 0);
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &g.vcpu), 0);
	/* Registers are not accessible before init. */
	uint64_t v;
	cr_assert_eq(kvmio_vcpu_get_reg(g.vcpu, KVMIO_ARM64_REG_PC, &v), -ENOEXEC);
	/* An unknown feature bit is refused (ENOENT, unlike a bad combination). */
	cr_assert_eq(kvmio_vcpu_arm_init(g.vcpu, 1ull << 40), -ENOENT);
	init.features[0] = 1u << KVM_ARM_VCPU_PSCI_0_2;
	cr_assert_eq(kvmio_vcpu_arm_init_raw(g.vcpu, &init), 0);
	/* Same features again: a reset, as PSCI CPU_ON / wake-up need. */
	cr_assert_eq(kvmio_vcpu_set_reg(g.vcpu, KVMIO_ARM64_REG_X(0), 77), 0);
	cr_assert_eq(kvmio_vcpu_arm_init(g.vcpu, 1u << KVM_ARM_VCPU_PSCI_0_2), 0);
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_X(0)), 0);
	/* Other features than the first init: refused. */
	cr_assert_eq(kvmio_vcpu_arm_init(g.vcpu, 0), -EINVAL);
}

Test(arm_vcpu, power_off_feature_gives_stopped_mp_state)
{
	arm_guest_vm(&g);
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &g.vcpu), 0);
	cr_assert_eq(kvmio_vcpu_arm_init(g.vcpu, (1u << KVM_ARM_VCPU_PSCI_0_2) |
	                                             (1u << KVM_ARM_VCPU_POWER_OFF)),
	             0);
	uint32_t st;
	cr_assert_eq(kvmio_vcpu_get_mp_state(g.vcpu, &st), 0);
	cr_assert_eq(st, KVM_MP_STATE_STOPPED);
}

Test(arm_vcpu, core_and_system_registers)
{
	arm_guest_vm(&g);
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &g.vcpu), 0);
	cr_assert_eq(kvmio_vcpu_arm_init(g.vcpu, 1u << KVM_ARM_VCPU_PSCI_0_2), 0);
	/* Reset state: EL1h with DAIF masked (0x3c5). */
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_PSTATE), 0x3c5);
	for (unsigned n = 0; n <= 30; n++)
		cr_assert_eq(kvmio_vcpu_set_reg(g.vcpu, KVMIO_ARM64_REG_X(n), 0x1000 + n), 0);
	for (unsigned n = 0; n <= 30; n++)
		cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_X(n)), 0x1000 + n);
	const uint64_t ids[] = {KVMIO_ARM64_REG_SP, KVMIO_ARM64_REG_PC, KVMIO_ARM64_REG_SP_EL1,
	                        KVMIO_ARM64_REG_ELR_EL1, KVMIO_ARM64_REG_SPSR_EL1};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		cr_assert_eq(kvmio_vcpu_set_reg(g.vcpu, ids[i], 0x40000000 + 16 * i), 0);
		cr_assert_eq(arm_reg(&g, ids[i]), 0x40000000 + 16 * i);
	}
	cr_assert_eq(kvmio_vcpu_set_reg(g.vcpu, KVMIO_ARM64_REG_PSTATE, 0x3c4), 0); /* EL1t */
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_PSTATE), 0x3c4);
	/* SCTLR_EL1: MMU off at reset; the RES1 bits read back as set. */
	uint64_t sctlr = arm_reg(&g, KVMIO_ARM64_REG_SCTLR_EL1);
	cr_assert_eq(sctlr & 1, 0, "SCTLR_EL1 0x%llx", (unsigned long long)sctlr);
	cr_assert_eq(kvmio_vcpu_set_reg(g.vcpu, KVMIO_ARM64_REG_SCTLR_EL1, sctlr | (1u << 12)), 0);
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_SCTLR_EL1), sctlr | (1u << 12));
	/* MPIDR_EL1 affinity 0 for vCPU 0. */
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_MPIDR_EL1) & 0xff, 0);
	/* Firmware register: KVM offers PSCI 1.x (0x10000 and up). */
	uint64_t psci = arm_reg(&g, KVMIO_ARM64_REG_PSCI_VERSION);
	cr_assert_geq(psci, 0x10000, "PSCI version 0x%llx", (unsigned long long)psci);
	/* A VMM may offer an older PSCI before the first run: 0.2. */
	cr_assert_eq(kvmio_vcpu_set_reg(g.vcpu, KVMIO_ARM64_REG_PSCI_VERSION, 0x2), 0);
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_PSCI_VERSION), 0x2);
	/* Sizes: a 128-bit V register needs the raw call with 16 bytes. */
	uint64_t v0_id = KVM_REG_ARM64 | KVM_REG_SIZE_U128 | KVM_REG_ARM_CORE |
	                 (offsetof(struct kvm_regs, fp_regs.vregs[0]) / sizeof(uint32_t));
	cr_assert_eq(kvmio_reg_size(v0_id), 16);
	cr_assert_eq(kvmio_reg_size(KVMIO_ARM64_REG_PC), 8);
	uint64_t v;
	cr_assert_eq(kvmio_vcpu_get_reg(g.vcpu, v0_id, &v), -EINVAL);
	uint8_t q[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, qb[16] = {0};
	cr_assert_eq(kvmio_vcpu_set_reg_raw(g.vcpu, v0_id, q, 16), 0);
	cr_assert_eq(kvmio_vcpu_get_reg_raw(g.vcpu, v0_id, qb, 8), -EINVAL);
	cr_assert_eq(kvmio_vcpu_get_reg_raw(g.vcpu, v0_id, qb, 16), 0);
	cr_assert_arr_eq(q, qb, 16);
	/* An unknown register. */
	cr_assert_eq(kvmio_vcpu_get_reg(g.vcpu, KVMIO_ARM64_SYS_REG(3, 7, 15, 15, 7), &v), -ENOENT);
}

Test(arm_vcpu, register_list)
{
	arm_guest_vm(&g);
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &g.vcpu), 0);
	cr_assert_eq(kvmio_vcpu_arm_init(g.vcpu, 1u << KVM_ARM_VCPU_PSCI_0_2), 0);
	size_t needed = 0;
	uint64_t one;
	cr_assert_eq(kvmio_vcpu_get_reg_list(g.vcpu, &one, 1, &needed), -E2BIG);
	cr_assert_gt(needed, 31);
	uint64_t *ids = calloc(needed, sizeof(*ids));
	int n = kvmio_vcpu_get_reg_list(g.vcpu, ids, needed, NULL);
	cr_assert_eq(n, (int)needed);
	bool pc = false, sctlr = false, psci = false;
	for (int i = 0; i < n; i++) {
		pc |= ids[i] == KVMIO_ARM64_REG_PC;
		sctlr |= ids[i] == KVMIO_ARM64_REG_SCTLR_EL1;
		psci |= ids[i] == KVMIO_ARM64_REG_PSCI_VERSION;
	}
	cr_assert(pc && sctlr && psci);
	free(ids);
}

Test(arm_vcpu, finalize_sve)
{
	arm_guest_vm(&g);
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &g.vcpu), 0);
	if (kvmio_system_check_extension(g.sys, KVM_CAP_ARM_SVE) > 0) {
		cr_assert_eq(kvmio_vcpu_arm_init(g.vcpu, (1u << KVM_ARM_VCPU_PSCI_0_2) |
		                                             (1u << KVM_ARM_VCPU_SVE)),
		             0);
		/* The vector lengths register (512 bits) may be written until finalisation. */
		uint64_t vls[8] = {0};
		cr_assert_eq(kvmio_reg_size(KVM_REG_ARM64_SVE_VLS), sizeof(vls));
		cr_assert_eq(
		    kvmio_vcpu_get_reg_raw(g.vcpu, KVM_REG_ARM64_SVE_VLS, vls, sizeof(vls)), 0);
		cr_assert_neq(vls[0], 0, "some vector length is supported");
		cr_assert_eq(
		    kvmio_vcpu_set_reg_raw(g.vcpu, KVM_REG_ARM64_SVE_VLS, vls, sizeof(vls)), 0);
		/* Not yet final: the vCPU cannot run. */
		struct kvmio_exit e;
		cr_assert_eq(kvmio_vcpu_run(g.vcpu, &e), -EPERM);
		cr_assert_eq(kvmio_vcpu_arm_finalize(g.vcpu, KVM_ARM_VCPU_SVE), 0);
		cr_assert_eq(kvmio_vcpu_arm_finalize(g.vcpu, KVM_ARM_VCPU_SVE), -EPERM);
		cr_assert_eq(
		    kvmio_vcpu_set_reg_raw(g.vcpu, KVM_REG_ARM64_SVE_VLS, vls, sizeof(vls)),
		    -EPERM);
	} else {
		/* No SVE (e.g. cortex-a57): the feature and its finalisation are refused. */
		cr_assert_eq(kvmio_vcpu_arm_init(g.vcpu, (1u << KVM_ARM_VCPU_PSCI_0_2) |
		                                             (1u << KVM_ARM_VCPU_SVE)),
		             -EINVAL);
		cr_assert_eq(kvmio_vcpu_arm_init(g.vcpu, 1u << KVM_ARM_VCPU_PSCI_0_2), 0);
		cr_assert_eq(kvmio_vcpu_arm_finalize(g.vcpu, KVM_ARM_VCPU_SVE), -EINVAL);
	}
	cr_assert_eq(kvmio_vcpu_arm_finalize(g.vcpu, 12345), -EINVAL);
}

Test(arm_vcpu, system_suspend_cap)
{
	arm_guest_vm(&g);
	cr_assert_eq(kvmio_system_check_extension(g.sys, KVM_CAP_ARM_SYSTEM_SUSPEND), 1);
	cr_assert_eq(kvmio_vm_enable_cap(g.vm, KVM_CAP_ARM_SYSTEM_SUSPEND, 0), 0);
	cr_assert_eq(kvmio_vm_enable_cap(g.vm, 0x7fffffff, 0), -EINVAL);
}

Test(arm_vcpu, timer_attributes_on_vcpu_fd)
{
	arm_guest_vm(&g);
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &g.vcpu), 0);
	cr_assert_eq(kvmio_vcpu_arm_init(g.vcpu, 1u << KVM_ARM_VCPU_PSCI_0_2), 0);
	int fd = kvmio_vcpu_fd(g.vcpu);
	cr_assert_eq(
	    kvmio_device_has_attr(fd, KVM_ARM_VCPU_TIMER_CTRL, KVM_ARM_VCPU_TIMER_IRQ_VTIMER), 1);
	cr_assert_eq(kvmio_device_has_attr(fd, KVM_ARM_VCPU_TIMER_CTRL, 0x777), 0);
	uint32_t irq = 0;
	cr_assert_eq(
	    kvmio_device_get_attr(fd, KVM_ARM_VCPU_TIMER_CTRL, KVM_ARM_VCPU_TIMER_IRQ_VTIMER, &irq),
	    0);
	cr_assert_eq(irq, 27, "virtual timer PPI %u", irq);
	/* Moving a timer's PPI needs an in-kernel vGIC (see kvmio_arm_gicv2). */
	irq = 26;
	cr_assert_eq(
	    kvmio_device_set_attr(fd, KVM_ARM_VCPU_TIMER_CTRL, KVM_ARM_VCPU_TIMER_IRQ_PTIMER, &irq),
	    -EINVAL);
}
