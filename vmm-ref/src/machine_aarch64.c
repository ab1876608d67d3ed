/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The arm64 machine (layout_aarch64.h): an in-kernel vGIC (v3 or v2, whichever KVM
 * offers), interrupt lines as SPIs through KVM_IRQ_LINE, and the vCPUs' boot state.
 */
#include "machine.h"

#include "layout_aarch64.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct vmm_arch {
	struct vmm_machine_env *env;
	struct kvmio_vgic gic;
	struct vdev_pl061 *gpio; /* the power and wake-up keys' pins */
};

void vmm_arch_describe(struct vmm_arch_desc *d)
{
	*d = (struct vmm_arch_desc){
	    .system_suspend = true,
	    .uart_base = VMM_A64_UART_BASE,
	    .uart_shift = 0,
	    .uart_irq = VMM_A64_UART_SPI,
	    .rtc = VMM_RTC_PL031,
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

int vmm_arch_create(struct vmm_machine_env *env, struct vmm_arch **out, char *err, size_t err_size)
{
	struct vmm_arch *a = calloc(1, sizeof(*a));
	/* GICv3 when KVM has it (no 8-vCPU limit), else GICv2; addresses and line count
	   before any vCPU exists (docs/KVM-FACTS.md, the vGIC). */
	const struct kvmio_vgic_config gc = {.dist_base = VMM_A64_GICD_BASE,
	                                     .cpu_base = VMM_A64_GICC_BASE,
	                                     .redist_base = VMM_A64_GICR_BASE,
	                                     .nr_irqs = VMM_A64_GIC_NR_IRQS};
	int ret;

	if (!a) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	a->env = env;
	a->gic.fd = -1;
	ret = kvmio_vgic_create(env->vm, &gc, &a->gic);
	if (ret < 0) {
		snprintf(err, err_size, "cannot create an in-kernel vGIC (v3 or v2): %s",
		         strerror(-ret));
		goto fail;
	}
	if (a->gic.version == 2 && env->cfg->vcpus > 8) {
		ret = -EINVAL;
		snprintf(err, err_size, "KVM offers a GICv2 only, which supports at most 8 vCPUs");
		goto fail;
	}
	vmm_machine_log(env, VMM_LOG_INFO, "in-kernel GICv%u, %u interrupt lines", a->gic.version,
	                gc.nr_irqs);
	*out = a;
	return 0;
fail:
	vmm_arch_destroy(a);
	return ret;
}

static int gpio_assert(void *ctx, uint32_t line)
{
	return vmm_arch_set_irq(ctx, line, true);
}

static int gpio_deassert(void *ctx, uint32_t line)
{
	return vmm_arch_set_irq(ctx, line, false);
}

/* The PL061 whose pins carry the power and wake-up keys (gpio-keys in the device tree). */
int vmm_arch_add_devices(struct vmm_arch *a, char *err, size_t err_size)
{
	const struct vdev_pl061_config gc = {.irq = {.assert_line = gpio_assert,
	                                             .deassert_line = gpio_deassert,
	                                             .ctx = a,
	                                             .line = VMM_A64_GPIO_SPI}};
	int ret = vdev_pl061_create(&gc, &a->gpio);

	if (ret == 0)
		ret = vdev_bus_insert(a->env->mmio, VMM_A64_GPIO_BASE, VDEV_PL061_SIZE,
		                      vdev_pl061_ops(), a->gpio);
	if (ret == 0)
		ret = vmm_machine_record_add(&a->env->record, VMM_DEVICE_GPIO, VMM_A64_GPIO_BASE,
		                             VMM_A64_GPIO_SIZE, VMM_A64_GPIO_SPI);
	if (ret < 0)
		snprintf(err, err_size, "cannot create the PL061 GPIO: %s", strerror(-ret));
	return ret;
}

int vmm_arch_key(struct vmm_arch *a, enum vmm_key key, bool down)
{
	switch (key) {
	case VMM_KEY_POWER:
		return vdev_pl061_set_input(a->gpio, VMM_A64_KEY_POWER_PIN, down);
	case VMM_KEY_WAKEUP:
		return vdev_pl061_set_input(a->gpio, VMM_A64_KEY_WAKE_PIN, down);
	}
	return -ENOTSUP;
}

void vmm_arch_irq_replay(struct vmm_arch *a)
{
	vdev_pl061_irq_replay(a->gpio);
}

int vmm_arch_create_vcpus(struct vmm_arch *a, const struct vmm_boot_info *boot, char *err,
                          size_t err_size)
{
	struct vmm_machine_record *rec = &a->env->record;
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
		/* The device tree names each CPU by the MPIDR KVM gave it, not a guess. */
		if (ret == 0)
			ret = kvmio_vcpu_get_reg(vcpu_kvm(v), KVMIO_ARM64_REG_MPIDR_EL1,
			                         &rec->mpidr[i]);
		if (ret < 0) {
			snprintf(err, err_size, "cannot create vCPU %u: %s", i, strerror(-ret));
			return ret;
		}
	}
	/* Only once every vCPU exists: a vCPU created after this fails with EBUSY. */
	ret = kvmio_vgic_init(&a->gic);
	if (ret < 0) {
		snprintf(err, err_size, "cannot initialise the GICv%u: %s", a->gic.version,
		         strerror(-ret));
		return ret;
	}
	/* The frames as KVM was given them. */
	struct kvmio_gpa_range dist, cpu_or_redist;
	ret = kvmio_vgic_frames(&a->gic, n, &dist, &cpu_or_redist);
	if (ret < 0) {
		snprintf(err, err_size, "cannot describe the GICv%u: %s", a->gic.version,
		         strerror(-ret));
		return ret;
	}
	rec->gic_version = a->gic.version;
	rec->gicd_base = dist.base;
	rec->gicd_size = dist.size;
	rec->gicc_or_gicr_base = cpu_or_redist.base;
	rec->gicc_or_gicr_size = cpu_or_redist.size;
	return 0;
}

int vmm_arch_set_irq(struct vmm_arch *a, uint32_t line, bool level)
{
	if (line >= VMM_A64_GIC_NR_IRQS - 32)
		return -EINVAL;
	return kvmio_vm_irq_line(a->env->vm, KVMIO_ARM_IRQ_SPI(line), level ? 1 : 0);
}

void vmm_arch_destroy(struct vmm_arch *a)
{
	if (!a)
		return;
	kvmio_vgic_destroy(&a->gic);
	/* The buses are gone already (machine.c), and no vCPU runs: nothing reaches it. */
	vdev_pl061_destroy(a->gpio);
	free(a);
}
