/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Started in the background by an emulated host's /init (run-host.sh --kvm-hold), before
 * any test: holds one KVM VM with one vCPU without an in-kernel interrupt controller
 * until the host powers off.
 *
 * Why: the first VM of a host enables static keys of the host kernel (the preempt
 * notifiers in __schedule(); on x86, kvm_has_noapic_vcpu for a vCPU without a LAPIC), and
 * the last VM's end disables them again: each time the kernel patches its own text with
 * an int3 in the middle (text_poke_bp). The test programs create and destroy hundreds of
 * VMs, and under QEMU's multi-threaded TCG a CPU of the x86_64 host could go on running
 * a stale translation of that int3 in __schedule() after the patch was done, taking the
 * int3 again and again, for ever (docs/KVM-FACTS.md). With a VM held for the whole boot
 * those keys never go back to zero, and the kernel never patches them while tests run.
 *
 * Prints "kvm_hold: holding a VM" once it does, or why it cannot, and exits 1 then.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm, vcpu;

	if (kvm < 0) {
		printf("kvm_hold: cannot open /dev/kvm: %s\n", strerror(errno));
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		printf("kvm_hold: KVM_CREATE_VM: %s\n", strerror(errno));
		return 1;
	}
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0) {
		printf("kvm_hold: KVM_CREATE_VCPU: %s\n", strerror(errno));
		return 1;
	}
	printf("kvm_hold: holding a VM\n");
	fflush(stdout);
	for (;;)
		pause();
}
