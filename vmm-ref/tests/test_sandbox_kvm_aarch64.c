/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aarch64 part of the sandbox's real-guest test: an MMIO store of 'K', then PSCI
 * SYSTEM_OFF. The sandboxed thread also sets the PC and reads the MP state, as the
 * SYSTEM_SUSPEND wake-up path does.
 */
#include "sandbox_kvm.h"

#include <stddef.h>
#include <sys/ioctl.h>

const uint64_t sandbox_guest_gpa = 0x40000000;

#define REG_PC                                                                                     \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |                                     \
	 (offsetof(struct kvm_regs, regs.pc) / sizeof(__u32)))

int sandbox_arch_setup(int vm_fd, int vcpu_fd)
{
	struct kvm_vcpu_init init;

	if (ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return -errno;
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(vcpu_fd, KVM_ARM_VCPU_INIT, &init) < 0)
		return -errno;
	return 0;
}

int sandbox_arch_run(struct sb_thread *t, int vcpu_fd, struct kvm_run *run)
{
	uint64_t pc = sandbox_guest_gpa;
	struct kvm_one_reg reg = {.id = REG_PC, .addr = (uintptr_t)&pc};
	struct kvm_mp_state mp = {0};
	uint32_t data;

	sb_check(t, "KVM_SET_ONE_REG pc", sb_rc(ioctl(vcpu_fd, KVM_SET_ONE_REG, &reg)), 0);
	sb_check(t, "KVM_GET_MP_STATE", sb_rc(ioctl(vcpu_fd, KVM_GET_MP_STATE, &mp)), 0);
	sb_check(t, "runnable", mp.mp_state, KVM_MP_STATE_RUNNABLE);
	sb_check(t, "KVM_RUN 1", sb_rc(ioctl(vcpu_fd, KVM_RUN, 0)), 0);
	sb_check(t, "exit 1 is MMIO", run->exit_reason, KVM_EXIT_MMIO);
	sb_check(t, "MMIO address", (long)run->mmio.phys_addr, 0x10000000);
	sb_check(t, "MMIO write", run->mmio.is_write, 1);
	sb_check(t, "MMIO length", run->mmio.len, 4);
	memcpy(&data, run->mmio.data, sizeof(data));
	sb_check(t, "MMIO data", data, 'K');
	sb_check(t, "KVM_RUN 2", sb_rc(ioctl(vcpu_fd, KVM_RUN, 0)), 0);
	sb_check(t, "exit 2 is SYSTEM_EVENT", run->exit_reason, KVM_EXIT_SYSTEM_EVENT);
	sb_check(t, "SYSTEM_OFF", run->system_event.type, KVM_SYSTEM_EVENT_SHUTDOWN);
	sb_check(t, "KVM_GET_ONE_REG pc", sb_rc(ioctl(vcpu_fd, KVM_GET_ONE_REG, &reg)), 0);
	return 13;
}
