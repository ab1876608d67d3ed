/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk on real arm64 KVM (inside the emulated arm64 host): a guest driver
 * (guest_virtio_aarch64.S, MMU off) brings the device up through MMIO exits, reads one
 * sector and writes another of a real image file. Notifications arrive as MMIO exits or
 * through a KVM ioeventfd served by an event loop thread. Without an in-kernel GIC the
 * device's interrupt drives the vCPU's IRQ input through KVM_IRQ_LINE (KVM_ARM_IRQ_TYPE_CPU);
 * the guest runs with interrupts masked and reads InterruptStatus instead.
 */
#define _GNU_SOURCE
#include "virtio_kvm.h"

#include <stddef.h>
#include <sys/mman.h>

extern const unsigned char virtio_guest_a64_start[], virtio_guest_a64_end[];

#define RAM_BASE 0x40000000u
#define VIRTIO_BASE 0x0a000000u
#define DONE_ADDR 0x0b000000u
#define IRQ_LINE                                                                                   \
	((KVM_ARM_IRQ_TYPE_CPU << KVM_ARM_IRQ_TYPE_SHIFT) | (0 << KVM_ARM_IRQ_VCPU_SHIFT) |        \
	 KVM_ARM_IRQ_CPU_IRQ)
#define CORE_REG(name)                                                                             \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |                                     \
	 (offsetof(struct kvm_regs, name) / sizeof(uint32_t)))

static void run_guest(bool use_ioeventfd)
{
	struct vk_env e;

	vk_setup(&e, RAM_BASE, 0, virtio_guest_a64_start,
	         (size_t)(virtio_guest_a64_end - virtio_guest_a64_start), VIRTIO_BASE, IRQ_LINE);
	int vcpu = ioctl(e.vm, KVM_CREATE_VCPU, 0);
	cr_assert_geq(vcpu, 0);
	struct kvm_vcpu_init init;
	cr_assert_eq(ioctl(e.vm, KVM_ARM_PREFERRED_TARGET, &init), 0);
	cr_assert_eq(ioctl(vcpu, KVM_ARM_VCPU_INIT, &init), 0, "VCPU_INIT: %s", strerror(errno));
	uint64_t pc = RAM_BASE;
	struct kvm_one_reg pcreg = {.id = CORE_REG(regs.pc), .addr = (uintptr_t)&pc};
	cr_assert_eq(ioctl(vcpu, KVM_SET_ONE_REG, &pcreg), 0);
	int run_size = ioctl(e.kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	cr_assert_gt(run_size, 0);
	struct kvm_run *run =
	    mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	cr_assert_neq(run, MAP_FAILED);
	if (use_ioeventfd)
		vk_start_ioeventfd(&e);

	for (;;) {
		cr_assert_eq(ioctl(vcpu, KVM_RUN, 0), 0, "KVM_RUN: %s", strerror(errno));
		cr_assert_eq(run->exit_reason, KVM_EXIT_MMIO, "unexpected exit %u",
		             run->exit_reason);
		if (run->mmio.phys_addr == DONE_ADDR)
			break;
		vk_mmio(&e, run->mmio.phys_addr, run->mmio.data, run->mmio.len, run->mmio.is_write);
	}
	munmap(run, (size_t)run_size);
	close(vcpu);
	vk_check_and_teardown(&e);
}

Test(virtio_kvm, blk_driver_notifies_by_mmio_exit, .timeout = 120)
{
	run_guest(false);
}

Test(virtio_kvm, blk_driver_notifies_through_ioeventfd, .timeout = 120)
{
	run_guest(true);
}
