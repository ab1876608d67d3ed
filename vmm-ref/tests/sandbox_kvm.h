/* SPDX-License-Identifier: Apache-2.0 */
/* The sandbox's real-guest test: what its architecture parts provide. */
#ifndef VMM_SANDBOX_KVM_H
#define VMM_SANDBOX_KVM_H

#include "sandbox_test.h"

#include <linux/kvm.h>
#include <stdint.h>

extern const char sandbox_guest_start[], sandbox_guest_end[];

/* Guest physical address of the payload and of the RAM slot holding it. */
extern const uint64_t sandbox_guest_gpa;

/* Configures the vCPU to start at the payload (before any filter). 0 or -errno. */
int sandbox_arch_setup(int vm_fd, int vcpu_fd);

/*
 * Runs the payload to its end on the sandboxed vCPU thread, recording each check with
 * sb_check() (Criterion's asserts cannot be used there). Returns the number of checks
 * it meant to record.
 */
int sandbox_arch_run(struct sb_thread *t, int vcpu_fd, struct kvm_run *run);

#endif
