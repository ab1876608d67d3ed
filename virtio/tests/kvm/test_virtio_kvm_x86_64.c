/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk on real x86 KVM: a real-mode guest driver (guest_virtio_x86_64.S) brings the
 * device up through MMIO exits, reads one sector and writes another of a real image file.
 * Its queue notifications reach the device either as MMIO exits (dispatched through a
 * bus) or, as a VMM would do it, through a KVM ioeventfd that an event loop thread turns
 * into vdev_virtio_mmio_process_queue() while the vCPU spins on the used ring. The
 * device's interrupt goes to KVM_IRQ_LINE of an in-kernel irqchip.
 */
#define _GNU_SOURCE
#include "virtio_kvm.h"
#include "x86_real_mode_vcpu.h"

#include <sys/mman.h>

extern const unsigned char virtio_guest_x86_start[], virtio_guest_x86_end[];

#define ENTRY 0x1000u
#define VIRTIO_BASE 0x10000u
#define DONE_PORT 0x501
#define IRQ_LINE 5

static void run_guest(bool use_ioeventfd)
{
	struct vk_env e;

	vk_setup(&e, 0, ENTRY, virtio_guest_x86_start,
	         (size_t)(virtio_guest_x86_end - virtio_guest_x86_start), VIRTIO_BASE, IRQ_LINE);
	/* The irqchip must exist before the ioeventfd's event loop may raise the line. */
	cr_assert_eq(ioctl(e.vm, KVM_CREATE_IRQCHIP, 0), 0, "KVM_CREATE_IRQCHIP: %s",
	             strerror(errno));
	if (use_ioeventfd)
		vk_start_ioeventfd(&e);

	struct x86_real_mode_vcpu v = x86_real_mode_vcpu_create(e.kvm, e.vm, ENTRY);
	int vcpu = v.fd;
	struct kvm_run *run = v.run;
	size_t run_size = v.run_size;

	for (;;) {
		cr_assert_eq(ioctl(vcpu, KVM_RUN, 0), 0, "KVM_RUN: %s", strerror(errno));
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == DONE_PORT)
			break;
		cr_assert_eq(run->exit_reason, KVM_EXIT_MMIO, "unexpected exit %u",
		             run->exit_reason);
		vk_mmio(&e, run->mmio.phys_addr, run->mmio.data, run->mmio.len, run->mmio.is_write);
	}
	munmap(run, run_size);
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
