/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aarch64-only ioctls: IPA limit, vCPU init/finalize, ONE_REG and the register list, the
 * VM-wide counter offset and the SMCCC filter.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int kvmio__arch_vcpu_created(struct kvmio_vm *vm, struct kvmio_vcpu *vcpu)
{
	struct kvm_vcpu_init init;
	/* Kept as an error for kvmio_vcpu_arm_init(), not a creation failure: the raw
	 * init path does not need it. */
	vcpu->arm_target_err = kvmio_vm_arm_preferred_target(vm, &init);
	vcpu->arm_target = init.target;
	return 0;
}

int kvmio_system_host_ipa_limit(const struct kvmio_system *sys)
{
	int r = kvmio_system_check_extension(sys, KVM_CAP_ARM_VM_IPA_SIZE);
	return r;
}

int kvmio_vm_arm_preferred_target(const struct kvmio_vm *vm, struct kvm_vcpu_init *init)
{
	if (!init)
		return -EINVAL;
	memset(init, 0, sizeof(*init));
	return kvmio__ioctl(vm->fd, KVM_ARM_PREFERRED_TARGET, init);
}

int kvmio_vcpu_arm_init_raw(const struct kvmio_vcpu *vcpu, const struct kvm_vcpu_init *init)
{
	if (!init)
		return -EINVAL;
	return kvmio__ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, init);
}

int kvmio_vcpu_arm_init(const struct kvmio_vcpu *vcpu, uint64_t features)
{
	if (vcpu->arm_target_err < 0)
		return vcpu->arm_target_err;
	struct kvm_vcpu_init init = {.target = vcpu->arm_target};
	init.features[0] = (uint32_t)features;
	init.features[1] = (uint32_t)(features >> 32);
	return kvmio_vcpu_arm_init_raw(vcpu, &init);
}

int kvmio_vcpu_arm_finalize(const struct kvmio_vcpu *vcpu, int feature)
{
	return kvmio__ioctl(vcpu->fd, KVM_ARM_VCPU_FINALIZE, &feature);
}

size_t kvmio_reg_size(uint64_t id)
{
	return (size_t)1 << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
}

int kvmio_vcpu_get_reg_raw(const struct kvmio_vcpu *vcpu, uint64_t id, void *buf, size_t size)
{
	if (!buf || size != kvmio_reg_size(id))
		return -EINVAL;
	struct kvm_one_reg r = {.id = id, .addr = (uint64_t)(uintptr_t)buf};
	return kvmio__ioctl(vcpu->fd, KVM_GET_ONE_REG, &r);
}

int kvmio_vcpu_set_reg_raw(const struct kvmio_vcpu *vcpu, uint64_t id, const void *buf, size_t size)
{
	if (!buf || size != kvmio_reg_size(id))
		return -EINVAL;
	struct kvm_one_reg r = {.id = id, .addr = (uint64_t)(uintptr_t)buf};
	return kvmio__ioctl(vcpu->fd, KVM_SET_ONE_REG, &r);
}

int kvmio_vcpu_get_reg(const struct kvmio_vcpu *vcpu, uint64_t id, uint64_t *value)
{
	size_t size = kvmio_reg_size(id);
	if (!value || size > sizeof(*value))
		return -EINVAL;
	uint64_t v = 0;
	/* Little-endian: a narrower register lands in the low bytes, zero-extended. */
	int r = kvmio_vcpu_get_reg_raw(vcpu, id, &v, size);
	if (r == 0)
		*value = v;
	return r;
}

int kvmio_vcpu_set_reg(const struct kvmio_vcpu *vcpu, uint64_t id, uint64_t value)
{
	size_t size = kvmio_reg_size(id);
	if (size > sizeof(value))
		return -EINVAL;
	return kvmio_vcpu_set_reg_raw(vcpu, id, &value, size);
}

int kvmio_vcpu_get_reg_list(const struct kvmio_vcpu *vcpu, uint64_t *ids, size_t max,
                            size_t *needed)
{
	if (needed)
		*needed = 0;
	if ((max && !ids) || max > UINT32_MAX / sizeof(*ids))
		return -EINVAL;
	struct kvm_reg_list *l = calloc(1, sizeof(*l) + max * sizeof(*ids));
	if (!l)
		return -ENOMEM;
	l->n = max;
	int r = kvmio__ioctl(vcpu->fd, KVM_GET_REG_LIST, l);
	if (r == 0) {
		if (l->n > max) {
			r = -EPROTO;
		} else {
			memcpy(ids, l->reg, l->n * sizeof(*ids));
			r = (int)l->n;
		}
	} else if (r == -E2BIG && needed && l->n > max) {
		*needed = (size_t)l->n;
	}
	free(l);
	return r;
}

static int vgic_addr(int fd, uint64_t type, uint64_t addr)
{
	return kvmio_device_set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, type, &addr);
}

int kvmio_vgic_create(const struct kvmio_vm *vm, const struct kvmio_vgic_config *cfg,
                      struct kvmio_vgic *out)
{
	unsigned int order[2];
	int n = 0, fd = -ENODEV, r;

	if (!out)
		return -EINVAL;
	*out = (struct kvmio_vgic){.fd = -1};
	if (!vm || !cfg || (cfg->version != 0 && cfg->version != 2 && cfg->version != 3))
		return -EINVAL;
	out->version = 0;
	if (cfg->version)
		order[n++] = cfg->version;
	else if (cfg->prefer_v2)
		order[n++] = 2, order[n++] = 3;
	else
		order[n++] = 3, order[n++] = 2;
	for (int i = 0; i < n && fd < 0; i++) {
		fd = kvmio_vm_create_device(
		    vm, order[i] == 3 ? KVM_DEV_TYPE_ARM_VGIC_V3 : KVM_DEV_TYPE_ARM_VGIC_V2, false);
		if (fd >= 0)
			out->version = order[i];
		else if (fd != -ENODEV)
			return fd;
	}
	if (fd < 0)
		return fd;
	r = vgic_addr(fd,
	              out->version == 3 ? KVM_VGIC_V3_ADDR_TYPE_DIST : KVM_VGIC_V2_ADDR_TYPE_DIST,
	              cfg->dist_base);
	if (r == 0)
		r = out->version == 3
		        ? vgic_addr(fd, KVM_VGIC_V3_ADDR_TYPE_REDIST, cfg->redist_base)
		        : vgic_addr(fd, KVM_VGIC_V2_ADDR_TYPE_CPU, cfg->cpu_base);
	if (r == 0 && cfg->nr_irqs)
		r = kvmio_device_set_attr(fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &cfg->nr_irqs);
	if (r < 0) {
		close(fd);
		out->version = 0;
		return r;
	}
	out->fd = fd;
	out->dist_base = cfg->dist_base;
	out->cpu_or_redist_base = out->version == 3 ? cfg->redist_base : cfg->cpu_base;
	return 0;
}

int kvmio_vgic_frames(const struct kvmio_vgic *gic, unsigned int nr_vcpus,
                      struct kvmio_gpa_range *dist, struct kvmio_gpa_range *cpu_or_redist)
{
	if (!gic || !dist || !cpu_or_redist || gic->fd < 0 ||
	    (gic->version != 2 && gic->version != 3) || (gic->version == 3 && nr_vcpus == 0))
		return -EINVAL;
	*dist = (struct kvmio_gpa_range){gic->dist_base, KVMIO_VGIC_DIST_SIZE};
	*cpu_or_redist = (struct kvmio_gpa_range){
	    gic->cpu_or_redist_base,
	    gic->version == 3 ? KVMIO_VGIC_V3_REDIST_SIZE * nr_vcpus : KVMIO_VGIC_V2_CPU_SIZE};
	return 0;
}

int kvmio_vgic_init(const struct kvmio_vgic *gic)
{
	if (!gic || gic->fd < 0)
		return -EINVAL;
	return kvmio_device_set_attr(gic->fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT,
	                             NULL);
}

void kvmio_vgic_destroy(struct kvmio_vgic *gic)
{
	if (!gic || gic->fd < 0)
		return;
	close(gic->fd);
	gic->fd = -1;
}

/* Linux 6.4's uapi; the build's headers may be older (Debian 12's are 6.1). */
#ifndef KVM_CAP_COUNTER_OFFSET
#define KVM_CAP_COUNTER_OFFSET 227
#endif
#ifndef KVM_ARM_SET_COUNTER_OFFSET
struct kvm_arm_counter_offset {
	__u64 counter_offset;
	__u64 reserved;
};
#define KVM_ARM_SET_COUNTER_OFFSET _IOW(KVMIO, 0xb5, struct kvm_arm_counter_offset)
#endif
#ifndef KVM_ARM_VM_SMCCC_CTRL
#define KVM_ARM_VM_SMCCC_CTRL 0
#define KVM_ARM_VM_SMCCC_FILTER 0
struct kvm_smccc_filter {
	__u32 base;
	__u32 nr_functions;
	__u8 action;
	__u8 pad[15];
};
#endif

int kvmio_vm_arm_set_counter_offset(const struct kvmio_vm *vm, uint64_t offset)
{
	if (!vm)
		return -EINVAL;
	if (kvmio_vm_check_extension(vm, KVM_CAP_COUNTER_OFFSET) <= 0)
		return -EOPNOTSUPP;
	struct kvm_arm_counter_offset o = {.counter_offset = offset};
	return kvmio__ioctl(vm->fd, KVM_ARM_SET_COUNTER_OFFSET, &o);
}

int kvmio_vm_arm_smccc_filter(const struct kvmio_vm *vm, uint32_t base, uint32_t nr,
                              enum kvmio_smccc_action action)
{
	if (!vm || (unsigned)action > KVMIO_SMCCC_FWD_TO_USER)
		return -EINVAL;
	struct kvm_smccc_filter f = {.base = base, .nr_functions = nr, .action = (__u8)action};
	struct kvm_device_attr attr = {.group = KVM_ARM_VM_SMCCC_CTRL,
	                               .attr = KVM_ARM_VM_SMCCC_FILTER,
	                               .addr = (uint64_t)(uintptr_t)&f};
	/* Before 6.4 arm64's VM fd has no attributes at all: KVM_HAS_DEVICE_ATTR there is an
	   unknown VM ioctl (EINVAL); a kernel with attributes but not this one says ENXIO. */
	int r = kvmio__ioctl(vm->fd, KVM_HAS_DEVICE_ATTR, &attr);
	if (r == -EINVAL || r == -ENXIO || r == -ENOTTY)
		return -EOPNOTSUPP;
	if (r < 0)
		return r;
	return kvmio__ioctl(vm->fd, KVM_SET_DEVICE_ATTR, &attr);
}
