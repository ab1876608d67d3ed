/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aarch64 part of the smoke test: the host offers KVM_CAP_ARM_SYSTEM_SUSPEND, and a guest
 * that calls PSCI SYSTEM_OFF produces a SYSTEM_EVENT exit of type SHUTDOWN.
 */
#include "smoke.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

const uint64_t smoke_guest_load_gpa = 0x40000000;

Test(smoke, system_suspend_capability_offered)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	cr_assert_geq(kvm, 0, "open /dev/kvm: %s", strerror(errno));
	cr_assert_eq(ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_SYSTEM_SUSPEND), 1);
	cr_assert_eq(KVM_CAP_ARM_SYSTEM_SUSPEND, 216);
	close(kvm);
}

void smoke_arch_setup_vcpu(int vm_fd, int vcpu_fd)
{
	struct kvm_vcpu_init init;
	cr_assert_eq(ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init), 0, "PREFERRED_TARGET: %s",
	             strerror(errno));
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	cr_assert_eq(ioctl(vcpu_fd, KVM_ARM_VCPU_INIT, &init), 0, "VCPU_INIT: %s", strerror(errno));
	uint64_t pc = smoke_guest_load_gpa;
	struct kvm_one_reg reg = {
	    .id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
	          (offsetof(struct kvm_regs, regs.pc) / sizeof(__u32)),
	    .addr = (uintptr_t)&pc,
	};
	cr_assert_eq(ioctl(vcpu_fd, KVM_SET_ONE_REG, &reg), 0, "SET_ONE_REG pc: %s",
	             strerror(errno));
}

void smoke_arch_run_and_check(int vm_fd, int vcpu_fd, struct kvm_run *run)
{
	cr_assert_eq(ioctl(vcpu_fd, KVM_RUN, 0), 0, "KVM_RUN: %s", strerror(errno));
	cr_assert_eq(run->exit_reason, KVM_EXIT_SYSTEM_EVENT, "exit reason %u", run->exit_reason);
	cr_assert_eq(run->system_event.type, KVM_SYSTEM_EVENT_SHUTDOWN, "event type %u",
	             run->system_event.type);
}
