/* SPDX-License-Identifier: Apache-2.0 */
/* A VM with 64 KiB of RAM and one vCPU in 16-bit real mode at 0x1000. */
#ifndef CVMM_TESTS_KVMIO_REAL_MODE_H
#define CVMM_TESTS_KVMIO_REAL_MODE_H

#include "../helpers.h"

#define RM_MEM_SIZE 0x10000u
#define RM_ENTRY 0x1000u

static inline void rm_vcpu_setup(struct kvmio_vcpu *vcpu)
{
	struct kvm_sregs s;
	cr_assert_eq(kvmio_vcpu_get_sregs(vcpu, &s), 0);
	struct kvm_segment *segs[] = {&s.cs, &s.ds, &s.es, &s.fs, &s.gs, &s.ss};
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		segs[i]->base = 0;
		segs[i]->selector = 0;
	}
	cr_assert_eq(kvmio_vcpu_set_sregs(vcpu, &s), 0);
	struct kvm_regs r = {.rip = RM_ENTRY, .rflags = 2, .rsp = 0x8000};
	cr_assert_eq(kvmio_vcpu_set_regs(vcpu, &r), 0);
}

/* A real-mode guest running the payload [start, end) with RAM slot flags. */
static inline void rm_guest(struct guest *g, const unsigned char *start, const unsigned char *end,
                            uint32_t slot_flags)
{
	guest_create_vm(g, RM_MEM_SIZE, slot_flags);
	guest_load(g, RM_ENTRY, start, end);
	cr_assert_eq(kvmio_vm_create_vcpu(g->vm, 0, &g->vcpu), 0);
	rm_vcpu_setup(g->vcpu);
}

#define RM_GUEST(g, name, flags) rm_guest((g), name##_start, name##_end, (flags))

#endif
