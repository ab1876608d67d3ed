/* SPDX-License-Identifier: Apache-2.0 */
/* A VM with 64 KiB of RAM at 0x40000000 and one vCPU (PSCI 0.2+) entering there. */
#ifndef CVMM_TESTS_KVMIO_ARM_GUEST_H
#define CVMM_TESTS_KVMIO_ARM_GUEST_H

#include "../helpers.h"

#define ARM_RAM 0x40000000ull
#define ARM_RAM_SIZE 0x10000u
#define ARM_MMIO 0x10000000ull

/* Guest PSCI_FEATURES answers and SYSTEM_SUSPEND arguments used by the payloads. */
#define PSCI_SYSTEM_OFF_ID 0x84000008u
#define PSCI_SYSTEM_SUSPEND64_ID 0xc400000eu
#define SUSPEND_CONTEXT 0xc0ff00eeu

static inline void arm_guest_vm(struct guest *g)
{
	guest_create_vm_at(g, ARM_RAM, ARM_RAM_SIZE, 0);
}

/* Creates vCPU 0 and initialises it with the preferred target and PSCI 0.2. */
static inline void arm_guest_vcpu(struct guest *g, const unsigned char *start,
                                  const unsigned char *end)
{
	guest_load(g, ARM_RAM, start, end);
	cr_assert_eq(kvmio_vm_create_vcpu(g->vm, 0, &g->vcpu), 0);
	int r = kvmio_vcpu_arm_init(g->vcpu, 1u << KVM_ARM_VCPU_PSCI_0_2);
	cr_assert_eq(r, 0, "arm_init: %s", strerror(-r));
	cr_assert_eq(kvmio_vcpu_set_reg(g->vcpu, KVMIO_ARM64_REG_PC, ARM_RAM), 0);
}

#define ARM_GUEST(g, name)                                                                         \
	do {                                                                                       \
		arm_guest_vm(g);                                                                   \
		arm_guest_vcpu((g), name##_start, name##_end);                                     \
	} while (0)

static inline uint64_t arm_reg(struct guest *g, uint64_t id)
{
	uint64_t v = 0;
	int r = kvmio_vcpu_get_reg(g->vcpu, id, &v);
	cr_assert_eq(r, 0, "get_reg 0x%llx: %s", (unsigned long long)id, strerror(-r));
	return v;
}

#endif
