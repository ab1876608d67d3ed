/* SPDX-License-Identifier: Apache-2.0 */
/*
 * For x86_64 KVM tests that drive raw ioctls: vCPU 0 of a VM, its kvm_run mapped, in real
 * mode with flat segments (base 0), starting at entry with a stack below 0x8000. Fails
 * the calling Criterion test on any error.
 */
#ifndef CVMM_TESTS_X86_REAL_MODE_VCPU_H
#define CVMM_TESTS_X86_REAL_MODE_VCPU_H

#include <criterion/criterion.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

struct x86_real_mode_vcpu {
	int fd;
	struct kvm_run *run;
	size_t run_size;
};

static inline struct x86_real_mode_vcpu x86_real_mode_vcpu_create(int kvm, int vm, uint64_t entry)
{
	struct x86_real_mode_vcpu v = {.fd = ioctl(vm, KVM_CREATE_VCPU, 0)};
	cr_assert_geq(v.fd, 0, "KVM_CREATE_VCPU");
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	cr_assert_gt(run_size, 0, "KVM_GET_VCPU_MMAP_SIZE");
	v.run_size = (size_t)run_size;
	v.run = mmap(NULL, v.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v.fd, 0);
	cr_assert_neq(v.run, MAP_FAILED, "mmap of kvm_run");

	struct kvm_sregs sregs;
	cr_assert_eq(ioctl(v.fd, KVM_GET_SREGS, &sregs), 0, "KVM_GET_SREGS");
	struct kvm_segment *segs[] = {&sregs.cs, &sregs.ds, &sregs.es,
	                              &sregs.fs, &sregs.gs, &sregs.ss};
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		segs[i]->base = 0;
		segs[i]->selector = 0;
	}
	cr_assert_eq(ioctl(v.fd, KVM_SET_SREGS, &sregs), 0, "KVM_SET_SREGS");
	struct kvm_regs regs = {.rip = entry, .rflags = 2, .rsp = 0x8000};
	cr_assert_eq(ioctl(v.fd, KVM_SET_REGS, &regs), 0, "KVM_SET_REGS");
	return v;
}

#endif
