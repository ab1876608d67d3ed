/* SPDX-License-Identifier: Apache-2.0 */
/* x86_64 part of the sandbox's real-guest test: real mode, out 'K' to 0x3f8, hlt. */
#include "sandbox_kvm.h"

#include <sys/ioctl.h>

const uint64_t sandbox_guest_gpa = 0;

int sandbox_arch_setup(int vm_fd, int vcpu_fd)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {.rip = 0, .rflags = 0x2};

	(void)vm_fd;
	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	return 0;
}

int sandbox_arch_run(struct sb_thread *t, int vcpu_fd, struct kvm_run *run)
{
	struct kvm_regs regs;

	sb_check(t, "KVM_RUN 1", sb_rc(ioctl(vcpu_fd, KVM_RUN, 0)), 0);
	sb_check(t, "exit 1 is IO", run->exit_reason, KVM_EXIT_IO);
	sb_check(t, "IO port", run->io.port, 0x3f8);
	sb_check(t, "IO out", run->io.direction, KVM_EXIT_IO_OUT);
	sb_check(t, "IO byte", ((const char *)run)[run->io.data_offset], 'K');
	sb_check(t, "KVM_RUN 2", sb_rc(ioctl(vcpu_fd, KVM_RUN, 0)), 0);
	sb_check(t, "exit 2 is HLT", run->exit_reason, KVM_EXIT_HLT);
	/* Reading the registers (a crash report's one line) is allowed. */
	sb_check(t, "KVM_GET_REGS", sb_rc(ioctl(vcpu_fd, KVM_GET_REGS, &regs)), 0);
	sb_check(t, "rip after hlt", (long)regs.rip,
	         (long)(sandbox_guest_end - sandbox_guest_start));
	return 9;
}
