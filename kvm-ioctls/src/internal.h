/* SPDX-License-Identifier: Apache-2.0 */
/* Handle layouts and helpers shared by the kvm-ioctls sources (not installed). */
#ifndef CVMM_KVM_IOCTLS_INTERNAL_H
#define CVMM_KVM_IOCTLS_INTERNAL_H

#include <cvmm/kvm_ioctls.h>
#include <errno.h>
#include <pthread.h>
#include <sys/ioctl.h>

struct kvmio_system {
	int fd;
};

/* A memory slot this handle set, remembered to size dirty-log bitmaps safely. */
struct kvmio_slot {
	uint32_t slot;
	uint32_t flags;
	uint64_t size;
};

struct kvmio_vm {
	int fd;
	size_t run_size;
	pthread_mutex_t lock; /* guards slots */
	struct kvmio_slot *slots;
	size_t nslots;
	size_t slots_cap;
};

struct kvmio_vcpu {
	int fd;
	unsigned long id;
	struct kvm_run *run;
	size_t run_size;
	/* arm64: the VM's preferred target, read at creation so init needs no VM fd. */
	uint32_t arm_target;
	int arm_target_err;
};

/* ioctl() with the result turned into the house convention (value or -errno). */
static inline int kvmio__ioctl(int fd, unsigned long request, const void *arg)
{
	int r = ioctl(fd, request, arg);
	return r < 0 ? -errno : r;
}

static inline int kvmio__ioctl_val(int fd, unsigned long request, unsigned long arg)
{
	int r = ioctl(fd, request, arg);
	return r < 0 ? -errno : r;
}

/* Architecture hook run after a vCPU is created and mapped (kvm_aarch64.c / kvm_x86_64.c). */
int kvmio__arch_vcpu_created(struct kvmio_vm *vm, struct kvmio_vcpu *vcpu);

#endif
