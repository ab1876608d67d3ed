// SPDX-License-Identifier: Apache-2.0
/*
 * The arm64 machine (layout_aarch64.h): an in-kernel vGIC (v3 or v2, whichever KVM
 * offers), interrupt lines as SPIs through KVM_IRQ_LINE, and the vCPUs' boot state.
 */
#include "machine.h"

#include "fdt_aarch64.h"
#include "layout_aarch64.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct vmm_arch {
	struct vmm_machine_env *env;
	int gic_fd;
	uint32_t gic_version;
};

void vmm_arch_describe(struct vmm_arch_desc *d)
{
	*d = (struct vmm_arch_desc){
	    .system_suspend = true,
	    .uart_base = VMM_A64_UART_BASE,
	    .uart_shift = 0,
	    .uart_irq = VMM_A64_UART_SPI,
	    .has_rtc = true,
	    .rtc_base = VMM_A64_RTC_BASE,
	    .rtc_irq = VMM_A64_RTC_SPI,
	    .virtio_base = VMM_A64_VIRTIO_BASE,
	    .virtio_stride = VMM_A64_VIRTIO_SIZE,
	    .virtio_irq = VMM_A64_VIRTIO_SPI_BASE,
	    .virtio_slots = VMM_A64_VIRTIO_SLOTS,
	};
}

unsigned long vmm_arch_vm_type(const struct vmm_machine_env *env)
{
	(void)env;
	return 0; /* the default 40-bit IPA space covers RAM up to 64 GiB from 2 GiB */
}

static int gic_addr(int fd, uint64_t type, uint64_t addr)
{
	return kvmio_device_set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, type, &addr);
}

int vmm_arch_create(struct vmm_machine_env *env, struct vmm_arch **out, char *err, size_t err_size)
{
	struct vmm_arch *a = calloc(1, sizeof(*a));
	uint32_t nr_irqs = VMM_A64_GIC_NR_IRQS;
	int ret;

	if (!a) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	a->env = env;
	/* GICv3 when KVM has it (no 8-vCPU limit), else GICv2. */
	a->gic_fd = kvmio_vm_create_device(env->vm, KVM_DEV_TYPE_ARM_VGIC_V3, false);
	a->gic_version = 3;
	if (a->gic_fd < 0) {
		a->gic_fd = kvmio_vm_create_device(env->vm, KVM_DEV_TYPE_ARM_VGIC_V2, false);
		a->gic_version = 2;
	}
	if (a->gic_fd < 0) {
		ret = a->gic_fd;
		snprintf(err, err_size, "cannot create an in-kernel vGIC (v3 or v2): %s",
		         strerror(-ret));
		goto fail;
	}
	if (a->gic_version == 2 && env->cfg->vcpus > 8) {
		ret = -EINVAL;
		snprintf(err, err_size, "KVM offers a GICv2 only, which supports at most 8 vCPUs");
		goto fail;
	}
	/* Addresses and line count before any vCPU exists (docs/KVM-FACTS.md, the vGIC). */
	ret =
	    gic_addr(a->gic_fd,
	             a->gic_version == 3 ? KVM_VGIC_V3_ADDR_TYPE_DIST : KVM_VGIC_V2_ADDR_TYPE_DIST,
	             VMM_A64_GICD_BASE);
	if (ret == 0)
		ret = a->gic_version == 3
		          ? gic_addr(a->gic_fd, KVM_VGIC_V3_ADDR_TYPE_REDIST, VMM_A64_GICR_BASE)
		          : gic_addr(a->gic_fd, KVM_VGIC_V2_ADDR_TYPE_CPU, VMM_A64_GICC_BASE);
	if (ret == 0)
		ret = kvmio_device_set_attr(a->gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs);
	if (ret < 0) {
		snprintf(err, err_size, "cannot configure the GICv%u: %s", a->gic_version,
		         strerror(-ret));
		goto fail;
	}
	vmm_machine_log(env, VMM_LOG_INFO, "in-kernel GICv%u, %u interrupt lines", a->gic_version,
	                nr_irqs);
	*out = a;
	return 0;
fail:
	vmm_arch_destroy(a);
	return ret;
}

void vmm_arch_boot_request(struct vmm_arch *a, struct vmm_boot_request *req)
{
	req->gic_version = a->gic_version;
}

int vmm_arch_add_devices(struct vmm_arch *a, char *err, size_t err_size)
{
	(void)a, (void)err, (void)err_size;
	return 0; /* the UART, the PL031 and virtio-mmio are all the machine has */
}

int vmm_arch_create_vcpus(struct vmm_arch *a, const struct vmm_boot_info *boot, char *err,
                          size_t err_size)
{
	uint32_t n = a->env->cfg->vcpus;
	int ret;

	for (uint32_t i = 0; i < n; i++) {
		/* The boot vCPU enters the kernel with x0 = the FDT (arm64 booting.rst); the
		   others wait, powered off, for the guest's PSCI CPU_ON. */
		struct vcpu_config vc = {
		    .id = i,
		    .entry = boot->kernel.entry,
		    .args = {boot->boot_data_addr},
		    .powered_off = i > 0,
		};
		struct vcpu *v;
		ret = vcpu_create(a->env->vcpus, &vc, &v);
		if (ret < 0) {
			snprintf(err, err_size, "cannot create vCPU %u: %s", i, strerror(-ret));
			return ret;
		}
	}
	/* Only once every vCPU exists: a vCPU created after this fails with EBUSY. */
	ret = kvmio_device_set_attr(a->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
	                            KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	if (ret < 0)
		snprintf(err, err_size, "cannot initialise the GICv%u: %s", a->gic_version,
		         strerror(-ret));
	return ret;
}

int vmm_arch_set_irq(struct vmm_arch *a, uint32_t line, bool level)
{
	if (line >= VMM_A64_GIC_NR_IRQS - 32)
		return -EINVAL;
	return kvmio_vm_irq_line(a->env->vm, KVMIO_ARM_IRQ_SPI(line), level ? 1 : 0);
}

void vmm_arch_timer_expired(struct vmm_arch *a)
{
	(void)a; /* never armed: the PL031 has the loop's RTC timer */
}

void vmm_arch_destroy(struct vmm_arch *a)
{
	if (!a)
		return;
	if (a->gic_fd >= 0)
		close(a->gic_fd);
	free(a);
}
