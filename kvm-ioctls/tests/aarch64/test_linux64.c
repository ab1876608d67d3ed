/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Linux 6.4's VM-wide calls: the counter offset (KVM_ARM_SET_COUNTER_OFFSET) and the SMCCC
 * filter (KVM_ARM_VM_SMCCC_FILTER). On a host kernel that has them (6.12 in the GICv3
 * host) the guest must see their effect; on one that has not (6.1 in the GICv2 host)
 * the wrappers must say -EOPNOTSUPP and change nothing.
 */
#include "arm_guest.h"
#include "running_kernel.h"

#include <stdio.h>

#define PAYLOAD(name) extern const unsigned char name##_start[], name##_end[]
PAYLOAD(arm_read_counter);
PAYLOAD(arm_system_off);

static struct guest g;

static void teardown(void)
{
	guest_destroy(&g);
}

TestSuite(arm_linux64, .fini = teardown, .timeout = 60);

/* Both calls came in Linux 6.4. */
static bool kernel_has_6_4(void)
{
	return host_kernel_at_least(6, 4);
}

/* Runs the guest until its SYSTEM_OFF; returns what it read into x4. */
static uint64_t guest_counter(void)
{
	struct kvmio_exit e;
	guest_run(&g, &e);
	cr_assert_eq(e.kind, KVMIO_EXIT_SYSTEM_EVENT);
	cr_assert_eq(e.system_event.type, KVMIO_SYSTEM_EVENT_SHUTDOWN);
	return arm_reg(&g, KVMIO_ARM64_REG_X(4));
}

/* Far from any counter a host reaches: a guest counter near it can only be the offset's. */
#define COUNTER_BASE (1ull << 60)

Test(arm_linux64, counter_offset_is_what_the_guest_reads)
{
	uint64_t freq = kvmio_arm_counter_frequency();
	bool want = kernel_has_6_4();

	arm_guest_vm(&g);
	int cap = kvmio_vm_check_extension(g.vm, 227 /* KVM_CAP_COUNTER_OFFSET */);
	/* Set before the vCPU exists: it applies to vCPUs created later too. */
	uint64_t offset = kvmio_arm_host_counter() - COUNTER_BASE;
	int r = kvmio_vm_arm_set_counter_offset(g.vm, offset);
	if (!want) {
		cr_assert_eq(cap, 0);
		cr_assert_eq(r, -EOPNOTSUPP, "set_counter_offset: %d", r);
		arm_guest_vcpu(&g, arm_read_counter_start, arm_read_counter_end);
		uint64_t c = guest_counter();
		cr_assert_lt(c, COUNTER_BASE / 2, "without the call the offset is KVM's own");
		return;
	}
	cr_assert_gt(cap, 0);
	cr_assert_eq(r, 0, "set_counter_offset: %s", strerror(-r));
	arm_guest_vcpu(&g, arm_read_counter_start, arm_read_counter_end);

	uint64_t reg = 0;
	cr_assert_eq(kvmio_vcpu_get_counter(g.vcpu, &reg), 0);
	cr_assert_geq(reg, COUNTER_BASE, "ONE_REG counter %#llx", (unsigned long long)reg);
	cr_assert_lt(reg - COUNTER_BASE, 60 * freq);
	/* With the VM offset set, ONE_REG writes of the counter are accepted and ignored. */
	cr_assert_eq(kvmio_vcpu_set_counter(g.vcpu, 5), 0);
	cr_assert_eq(kvmio_vcpu_get_counter(g.vcpu, &reg), 0);
	cr_assert_geq(reg, COUNTER_BASE, "the write of 5 took: %#llx", (unsigned long long)reg);

	uint64_t c = guest_counter();
	cr_log_info("guest counter %#llx, ONE_REG %#llx", (unsigned long long)c,
	            (unsigned long long)reg);
	cr_assert_geq(c, COUNTER_BASE, "guest counter %#llx", (unsigned long long)c);
	cr_assert_lt(c - COUNTER_BASE, 60 * freq, "guest counter %#llx", (unsigned long long)c);
	cr_assert_geq(c, reg, "the guest read the counter after ONE_REG did");
}

/*
 * Without an offset set by the VMM, KVM starts the guest's counter at about 0 when the VM
 * (6.4 and later) or the vCPU (6.1) is created: it counts from there, not the host's.
 */
Test(arm_linux64, counter_without_offset_starts_near_0)
{
	uint64_t before = kvmio_arm_host_counter();
	arm_guest_vm(&g);
	arm_guest_vcpu(&g, arm_read_counter_start, arm_read_counter_end);
	uint64_t c = guest_counter();
	uint64_t after = kvmio_arm_host_counter();
	cr_log_info("host %#llx, guest %#llx, host %#llx", (unsigned long long)before,
	            (unsigned long long)c, (unsigned long long)after);
	cr_assert(c > 0 && c <= after - before, "guest counter %#llx", (unsigned long long)c);
}

Test(arm_linux64, counter_offset_refuses_bad_arguments)
{
	cr_assert_eq(kvmio_vm_arm_set_counter_offset(NULL, 0), -EINVAL);
}

/* The PSCI SYSTEM_OFF the guest makes, forwarded to userspace instead of KVM's own. */
Test(arm_linux64, smccc_filter_forwards_system_off)
{
	bool want = kernel_has_6_4();
	struct kvmio_exit e;

	arm_guest_vm(&g);
	int r = kvmio_vm_arm_smccc_filter(g.vm, PSCI_SYSTEM_OFF_ID, 1, KVMIO_SMCCC_FWD_TO_USER);
	if (!want) {
		cr_assert_eq(r, -EOPNOTSUPP, "smccc_filter: %d", r);
		/* Nothing changed: KVM handles SYSTEM_OFF itself. */
		arm_guest_vcpu(&g, arm_system_off_start, arm_system_off_end);
		guest_run(&g, &e);
		cr_assert_eq(e.kind, KVMIO_EXIT_SYSTEM_EVENT);
		cr_assert_eq(e.system_event.type, KVMIO_SYSTEM_EVENT_SHUTDOWN);
		return;
	}
	cr_assert_eq(r, 0, "smccc_filter: %s", strerror(-r));
	/* Overlapping an earlier range, and the Arm architecture calls' range KVM keeps. */
	cr_assert_eq(kvmio_vm_arm_smccc_filter(g.vm, PSCI_SYSTEM_OFF_ID, 1, KVMIO_SMCCC_DENY),
	             -EEXIST);
	cr_assert_eq(kvmio_vm_arm_smccc_filter(g.vm, 0x80000000u, 1, KVMIO_SMCCC_DENY), -EEXIST);
	cr_assert_eq(kvmio_vm_arm_smccc_filter(g.vm, 0x84000001u, 0, KVMIO_SMCCC_DENY), -EINVAL);
	cr_assert_eq(kvmio_vm_arm_smccc_filter(g.vm, 0x84000001u, 1, (enum kvmio_smccc_action)3),
	             -EINVAL);
	arm_guest_vcpu(&g, arm_system_off_start, arm_system_off_end);

	guest_run(&g, &e);
	cr_assert_eq(e.kind, KVMIO_EXIT_HYPERCALL, "exit reason %u", e.reason);
	cr_assert_eq(e.hypercall.nr, PSCI_SYSTEM_OFF_ID);
	cr_assert_eq(e.hypercall.flags, 0, "an HVC #0: flags %#llx",
	             (unsigned long long)e.hypercall.flags);
	/* Past the HVC (movz, movk, hvc), the call's results left to userspace. */
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_PC), ARM_RAM + 12);
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_X(0)), PSCI_SYSTEM_OFF_ID);
	/* The filter is fixed once a vCPU has run. */
	cr_assert_eq(kvmio_vm_arm_smccc_filter(g.vm, 0x84000001u, 1, KVMIO_SMCCC_DENY), -EBUSY);
}
