/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the smoke test's architecture-neutral and architecture parts. */
#ifndef CVMM_SMOKE_H
#define CVMM_SMOKE_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#define SMOKE_RAM_SIZE 0x10000u

/* Guest payload bytes, between these symbols in the test binary (guest_<arch>.S). */
extern const uint8_t smoke_guest_start[], smoke_guest_end[];

/* Guest physical address where the payload is loaded and entered. */
extern const uint64_t smoke_guest_load_gpa;

/* Puts a freshly created vCPU in the state to run the payload at smoke_guest_load_gpa. */
void smoke_arch_setup_vcpu(int vm_fd, int vcpu_fd);

/* Runs the payload to its end and checks the exits it produces. */
void smoke_arch_run_and_check(int vm_fd, int vcpu_fd, struct kvm_run *run);

#endif
