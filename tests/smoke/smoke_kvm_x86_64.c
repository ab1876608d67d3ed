/* SPDX-License-Identifier: Apache-2.0 */
/* x86_64 part of the smoke test: a real-mode guest that writes 'K' to port 0x3f8, halts. */
#include "smoke.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

const uint64_t smoke_guest_load_gpa = 0x0;

void smoke_arch_setup_vcpu(int vm_fd, int vcpu_fd)
{
	struct kvm_sregs sregs;
	cr_assert_eq(ioctl(vcpu_fd, KVM_GET_SREGS, &sregs), 0);
	/* Real mode, CS base 0: the payload's first byte is at GPA 0. */
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	cr_assert_eq(ioctl(vcpu_fd, KVM_SET_SREGS, &sregs), 0);
	struct kvm_regs regs = {.rip = 0, .rflags = 0x2};
	cr_assert_eq(ioctl(vcpu_fd, KVM_SET_REGS, &regs), 0);
}

void smoke_arch_run_and_check(int vm_fd, int vcpu_fd, struct kvm_run *run)
{
	cr_assert_eq(ioctl(vcpu_fd, KVM_RUN, 0), 0, "KVM_RUN: %s", strerror(errno));
	cr_assert_eq(run->exit_reason, KVM_EXIT_IO, "exit reason %u", run->exit_reason);
	cr_assert_eq(run->io.direction, KVM_EXIT_IO_OUT);
	cr_assert_eq(run->io.port, 0x3f8);
	cr_assert_eq(run->io.size, 1);
	cr_assert_eq(run->io.count, 1);
	cr_assert_eq(((const char *)run)[run->io.data_offset], 'K');

	cr_assert_eq(ioctl(vcpu_fd, KVM_RUN, 0), 0, "KVM_RUN: %s", strerror(errno));
	cr_assert_eq(run->exit_reason, KVM_EXIT_HLT, "exit reason %u", run->exit_reason);
}
