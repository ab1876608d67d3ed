/* SPDX-License-Identifier: Apache-2.0 */
/* x86_64-only ioctls: CPUID and MSR lists, irqchip/PIT/TSS, register state. */
#include "internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

int kvmio__arch_vcpu_created(struct kvmio_vm *vm, struct kvmio_vcpu *vcpu)
{
	(void)vm;
	(void)vcpu;
	return 0;
}

/*
 * KVM's list ioctls take a count followed by a flexible array: allocate it for max
 * entries, call, and copy out. On E2BIG the kernel may or may not write back the count
 * it needs; *needed reports it when it did (count > max), else 0.
 */
static int get_cpuid_list(int fd, unsigned long request, struct kvm_cpuid_entry2 *entries,
                          size_t max, size_t *needed)
{
	if (needed)
		*needed = 0;
	if ((max && !entries) || max > UINT32_MAX / sizeof(*entries))
		return -EINVAL;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + max * sizeof(*entries));
	if (!c)
		return -ENOMEM;
	c->nent = (uint32_t)max;
	int r = kvmio__ioctl(fd, request, c);
	if (r == 0) {
		if (c->nent > max) {
			r = -EPROTO;
		} else {
			memcpy(entries, c->entries, c->nent * sizeof(*entries));
			r = (int)c->nent;
		}
	} else if (r == -E2BIG && needed && c->nent > max) {
		*needed = c->nent;
	}
	free(c);
	return r;
}

int kvmio_system_get_supported_cpuid(const struct kvmio_system *sys,
                                     struct kvm_cpuid_entry2 *entries, size_t max, size_t *needed)
{
	return get_cpuid_list(sys->fd, KVM_GET_SUPPORTED_CPUID, entries, max, needed);
}

int kvmio_system_get_emulated_cpuid(const struct kvmio_system *sys,
                                    struct kvm_cpuid_entry2 *entries, size_t max, size_t *needed)
{
	return get_cpuid_list(sys->fd, KVM_GET_EMULATED_CPUID, entries, max, needed);
}

/* KVM_GET_CPUID2 with room for n entries: 0, -E2BIG (the vCPU has more), or -errno. */
static int try_get_cpuid2(int fd, struct kvm_cpuid2 *c, size_t n)
{
	c->nent = (uint32_t)n;
	return kvmio__ioctl(fd, KVM_GET_CPUID2, c);
}

int kvmio_vcpu_get_cpuid2(const struct kvmio_vcpu *vcpu, struct kvm_cpuid_entry2 *entries,
                          size_t max, size_t *needed)
{
	struct kvm_cpuid2 *c, *probe;
	size_t lo = 0, hi = max;
	int r;

	if (needed)
		*needed = 0;
	if ((max && !entries) || max > UINT32_MAX / sizeof(*entries))
		return -EINVAL;
	c = calloc(1, sizeof(*c) + max * sizeof(*entries));
	probe = calloc(1, sizeof(*probe) + max * sizeof(*entries));
	if (!c || !probe) {
		free(c);
		free(probe);
		return -ENOMEM;
	}
	r = try_get_cpuid2(vcpu->fd, c, max);
	if (r < 0)
		goto out; /* -E2BIG: no kernel copies the count back when the call fails */
	/* Newer kernels set nent to the vCPU's count on success; Linux 6.1 leaves it as
	   given. So when it still reads max, the count is found as the least room that
	   KVM accepts (it answers E2BIG below the count), by bisection. */
	if (c->nent < max) {
		hi = c->nent;
	} else {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int t = try_get_cpuid2(vcpu->fd, probe, mid);
			if (t == 0)
				hi = mid;
			else if (t == -E2BIG)
				lo = mid + 1;
			else {
				r = t;
				goto out;
			}
		}
	}
	memcpy(entries, c->entries, hi * sizeof(*entries));
	r = (int)hi;
out:
	free(c);
	free(probe);
	return r;
}

static int get_msr_list(int fd, unsigned long request, uint32_t *indices, size_t max,
                        size_t *needed)
{
	if (needed)
		*needed = 0;
	if ((max && !indices) || max > UINT32_MAX / sizeof(*indices))
		return -EINVAL;
	struct kvm_msr_list *l = calloc(1, sizeof(*l) + max * sizeof(*indices));
	if (!l)
		return -ENOMEM;
	l->nmsrs = (uint32_t)max;
	int r = kvmio__ioctl(fd, request, l);
	if (r == 0) {
		if (l->nmsrs > max) {
			r = -EPROTO;
		} else {
			memcpy(indices, l->indices, l->nmsrs * sizeof(*indices));
			r = (int)l->nmsrs;
		}
	} else if (r == -E2BIG && needed && l->nmsrs > max) {
		*needed = l->nmsrs;
	}
	free(l);
	return r;
}

int kvmio_system_get_msr_index_list(const struct kvmio_system *sys, uint32_t *indices, size_t max,
                                    size_t *needed)
{
	return get_msr_list(sys->fd, KVM_GET_MSR_INDEX_LIST, indices, max, needed);
}

int kvmio_system_get_msr_feature_index_list(const struct kvmio_system *sys, uint32_t *indices,
                                            size_t max, size_t *needed)
{
	return get_msr_list(sys->fd, KVM_GET_MSR_FEATURE_INDEX_LIST, indices, max, needed);
}

/* KVM_GET_MSRS / KVM_SET_MSRS share one layout; the count returned is how many were done. */
static int msrs_io(int fd, unsigned long request, struct kvm_msr_entry *entries, size_t n,
                   bool copy_back)
{
	if ((n && !entries) || n > UINT32_MAX / sizeof(*entries))
		return -EINVAL;
	struct kvm_msrs *m = calloc(1, sizeof(*m) + n * sizeof(*entries));
	if (!m)
		return -ENOMEM;
	m->nmsrs = (uint32_t)n;
	if (n)
		memcpy(m->entries, entries, n * sizeof(*entries));
	int r = kvmio__ioctl(fd, request, m);
	if (r > 0 && copy_back)
		memcpy(entries, m->entries, (size_t)r * sizeof(*entries));
	free(m);
	return r;
}

int kvmio_system_get_feature_msrs(const struct kvmio_system *sys, struct kvm_msr_entry *entries,
                                  size_t n)
{
	return msrs_io(sys->fd, KVM_GET_MSRS, entries, n, true);
}

int kvmio_vcpu_get_msrs(const struct kvmio_vcpu *vcpu, struct kvm_msr_entry *entries, size_t n)
{
	return msrs_io(vcpu->fd, KVM_GET_MSRS, entries, n, true);
}

int kvmio_vcpu_set_msrs(const struct kvmio_vcpu *vcpu, const struct kvm_msr_entry *entries,
                        size_t n)
{
	/* Not written back, so the cast away from const is never acted upon. */
	return msrs_io(vcpu->fd, KVM_SET_MSRS, (struct kvm_msr_entry *)(uintptr_t)entries, n,
	               false);
}

int kvmio_vcpu_set_cpuid2(const struct kvmio_vcpu *vcpu, const struct kvm_cpuid_entry2 *entries,
                          size_t n)
{
	if ((n && !entries) || n > UINT32_MAX / sizeof(*entries))
		return -EINVAL;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(*entries));
	if (!c)
		return -ENOMEM;
	c->nent = (uint32_t)n;
	if (n)
		memcpy(c->entries, entries, n * sizeof(*entries));
	int r = kvmio__ioctl(vcpu->fd, KVM_SET_CPUID2, c);
	free(c);
	return r;
}

int kvmio_vm_create_irqchip(const struct kvmio_vm *vm)
{
	return kvmio__ioctl_val(vm->fd, KVM_CREATE_IRQCHIP, 0);
}

int kvmio_vm_create_pit2(const struct kvmio_vm *vm, uint32_t flags)
{
	struct kvm_pit_config c = {.flags = flags};
	return kvmio__ioctl(vm->fd, KVM_CREATE_PIT2, &c);
}

int kvmio_vm_set_pit_reinject(const struct kvmio_vm *vm, bool reinject)
{
	struct kvm_reinject_control c = {.pit_reinject = reinject ? 1 : 0};
	return kvmio__ioctl(vm->fd, KVM_REINJECT_CONTROL, &c);
}

int kvmio_vm_set_tss_addr(const struct kvmio_vm *vm, uint64_t addr)
{
	if (addr > ULONG_MAX)
		return -EINVAL;
	return kvmio__ioctl_val(vm->fd, KVM_SET_TSS_ADDR, (unsigned long)addr);
}

int kvmio_vm_set_identity_map_addr(const struct kvmio_vm *vm, uint64_t addr)
{
	return kvmio__ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &addr);
}

/* Plain get/set pairs: one ioctl on a caller-owned kernel structure. */
#define KVMIO_GET_SET(obj_type, obj, name, type, get_req, set_req)                                 \
	int kvmio_##obj##_get_##name(const obj_type *h, type *v)                                   \
	{                                                                                          \
		return v ? kvmio__ioctl(h->fd, get_req, v) : -EINVAL;                              \
	}                                                                                          \
	int kvmio_##obj##_set_##name(const obj_type *h, const type *v)                             \
	{                                                                                          \
		return v ? kvmio__ioctl(h->fd, set_req, v) : -EINVAL;                              \
	}

KVMIO_GET_SET(struct kvmio_vm, vm, irqchip, struct kvm_irqchip, KVM_GET_IRQCHIP, KVM_SET_IRQCHIP)
KVMIO_GET_SET(struct kvmio_vm, vm, clock, struct kvm_clock_data, KVM_GET_CLOCK, KVM_SET_CLOCK)
KVMIO_GET_SET(struct kvmio_vm, vm, pit2, struct kvm_pit_state2, KVM_GET_PIT2, KVM_SET_PIT2)
KVMIO_GET_SET(struct kvmio_vcpu, vcpu, regs, struct kvm_regs, KVM_GET_REGS, KVM_SET_REGS)
KVMIO_GET_SET(struct kvmio_vcpu, vcpu, sregs, struct kvm_sregs, KVM_GET_SREGS, KVM_SET_SREGS)
KVMIO_GET_SET(struct kvmio_vcpu, vcpu, fpu, struct kvm_fpu, KVM_GET_FPU, KVM_SET_FPU)
KVMIO_GET_SET(struct kvmio_vcpu, vcpu, lapic, struct kvm_lapic_state, KVM_GET_LAPIC, KVM_SET_LAPIC)
KVMIO_GET_SET(struct kvmio_vcpu, vcpu, xcrs, struct kvm_xcrs, KVM_GET_XCRS, KVM_SET_XCRS)
KVMIO_GET_SET(struct kvmio_vcpu, vcpu, vcpu_events, struct kvm_vcpu_events, KVM_GET_VCPU_EVENTS,
              KVM_SET_VCPU_EVENTS)
KVMIO_GET_SET(struct kvmio_vcpu, vcpu, debugregs, struct kvm_debugregs, KVM_GET_DEBUGREGS,
              KVM_SET_DEBUGREGS)
KVMIO_GET_SET(struct kvmio_vcpu, vcpu, xsave, struct kvm_xsave, KVM_GET_XSAVE, KVM_SET_XSAVE)

int kvmio_vcpu_interrupt(const struct kvmio_vcpu *vcpu, uint32_t vector)
{
	struct kvm_interrupt i = {.irq = vector};
	return kvmio__ioctl(vcpu->fd, KVM_INTERRUPT, &i);
}

int kvmio_vcpu_nmi(const struct kvmio_vcpu *vcpu)
{
	return kvmio__ioctl_val(vcpu->fd, KVM_NMI, 0);
}

int kvmio_vcpu_get_tsc_khz(const struct kvmio_vcpu *vcpu)
{
	return kvmio__ioctl_val(vcpu->fd, KVM_GET_TSC_KHZ, 0);
}

int kvmio_vcpu_set_tsc_khz(const struct kvmio_vcpu *vcpu, uint32_t khz)
{
	return kvmio__ioctl_val(vcpu->fd, KVM_SET_TSC_KHZ, khz);
}
