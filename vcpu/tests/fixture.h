/* SPDX-License-Identifier: Apache-2.0 */
/* A VM for the vcpu tests: KVM system, VM, one RAM region and a vcpu set. */
#ifndef CVMM_TESTS_VCPU_FIXTURE_H
#define CVMM_TESTS_VCPU_FIXTURE_H

#include <cvmm/kvm_ioctls.h>
#include <cvmm/vcpu.h>
#include <stddef.h>
#include <stdint.h>

struct fx {
	struct kvmio_system *sys;
	struct kvmio_vm *vm;
	uint8_t *ram;
	uint64_t ram_gpa;
	size_t ram_size;
	struct vcpu_set *set;
	enum vcpu_wake_mode wake; /* given to the set fx_set() creates */
};

/*
 * Opens KVM (skips the test when there is none), creates a VM with ram_size bytes of
 * RAM at ram_gpa. The set is not created (fx_set() does it).
 */
void fx_open(struct fx *f, uint64_t ram_gpa, size_t ram_size);

/* Copies [start, end) into RAM at guest physical gpa. */
void fx_load(struct fx *f, uint64_t gpa, const void *start, const void *end);

/* Creates the set with handlers h (opaque set by the caller) and the RAM as its RAM. */
void fx_set(struct fx *f, const struct vcpu_handlers *h, bool system_suspend);

/* As fx_set(), with the SMCCC function ids to forward (vcpu_set_config.forward_smccc);
   returns vcpu_set_create()'s result instead of asserting it. */
int fx_set_forwarding(struct fx *f, const struct vcpu_handlers *h, bool system_suspend,
                      const uint32_t *forward_smccc, size_t n_forward_smccc);

/* Destroys the set, the VM, the system and the RAM. */
void fx_close(struct fx *f);

/* Sleeps for ms milliseconds. */
void fx_sleep_ms(unsigned int ms);

/* Monotonic time in milliseconds. */
uint64_t fx_now_ms(void);

#endif
