/* SPDX-License-Identifier: Apache-2.0 */
/* The vGICv3 through create_device and attributes. Needs a GICv3 host (run-host.sh
 * --gic 3, or CVMM_HOST_GIC=3); on a GICv2 host it reports a skip. */
#include "arm_guest.h"

#define GICD_BASE 0x08000000ull
#define GICR_BASE 0x080a0000ull

static struct guest g;
static int gic = -1;

static void teardown(void)
{
	if (gic >= 0)
		close(gic);
	gic = -1;
	guest_destroy(&g);
}

TestSuite(arm_gicv3, .fini = teardown, .timeout = 60);

Test(arm_gicv3, create_attributes_irq_line)
{
	arm_guest_vm(&g);
	int r = kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V3, true);
	if (r == -ENODEV)
		cr_skip_test("no vGICv3 on this host (GICv2)");
	cr_assert_eq(r, 0);
	gic = kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V3, false);
	cr_assert_geq(gic, 0, "create vGICv3: %s", strerror(-gic));
	/* One vGIC per VM, whichever version. */
	cr_assert_eq(kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V3, false), -EEXIST);
	uint64_t dist = GICD_BASE, redist = GICR_BASE, back = 0;
	uint32_t nr = 64;
	cr_assert_eq(
	    kvmio_device_has_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST), 1);
	cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
	                                   KVM_VGIC_V3_ADDR_TYPE_DIST, &dist),
	             0);
	cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
	                                   KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist),
	             0);
	cr_assert_eq(kvmio_device_get_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
	                                   KVM_VGIC_V3_ADDR_TYPE_REDIST, &back),
	             0);
	cr_assert_eq(back, GICR_BASE);
	cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr), 0);
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &g.vcpu), 0);
	cr_assert_eq(kvmio_vcpu_arm_init(g.vcpu, 1u << KVM_ARM_VCPU_PSCI_0_2), 0);
	cr_assert_eq(
	    kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL),
	    0);
	/* GICD_TYPER.ITLinesNumber = 64 / 32 - 1. */
	uint32_t typer = 0;
	cr_assert_eq(kvmio_device_get_attr(gic, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x004, &typer), 0);
	cr_assert_eq(typer & 0x1f, 1);
	/* Raise SPI 2 and see it pending in GICD_ISPENDR1. */
	cr_assert_eq(kvmio_vm_irq_line(g.vm, KVMIO_ARM_IRQ_SPI(2), 1), 0);
	uint32_t pend = 0;
	cr_assert_eq(kvmio_device_get_attr(gic, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x204, &pend), 0);
	cr_assert_neq(pend & (1u << 2), 0, "ISPENDR1 0x%x", pend);
}

Test(arm_gicv3, its_device_and_msi)
{
	arm_guest_vm(&g);
	int r = kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V3, true);
	if (r == -ENODEV)
		cr_skip_test("no vGICv3 on this host (GICv2)");
	gic = kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V3, false);
	cr_assert_geq(gic, 0);
	uint64_t dist = GICD_BASE, redist = GICR_BASE, its_base = 0x08080000, back = 0;
	cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
	                                   KVM_VGIC_V3_ADDR_TYPE_DIST, &dist),
	             0);
	cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
	                                   KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist),
	             0);
	int its = kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_ITS, false);
	cr_assert_geq(its, 0, "create ITS: %s", strerror(-its));
	cr_assert_eq(kvmio_device_has_attr(its, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE),
	             1);
	cr_assert_eq(kvmio_device_set_attr(its, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE,
	                                   &its_base),
	             0);
	cr_assert_eq(
	    kvmio_device_get_attr(its, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE, &back),
	    0);
	cr_assert_eq(back, its_base);
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &g.vcpu), 0);
	cr_assert_eq(kvmio_vcpu_arm_init(g.vcpu, 1u << KVM_ARM_VCPU_PSCI_0_2), 0);
	cr_assert_eq(
	    kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL),
	    0);
	cr_assert_eq(
	    kvmio_device_set_attr(its, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL),
	    0);
	/* The guest has not enabled the ITS (nor mapped device 0): KVM refuses the MSI. */
	struct kvm_msi msi = {.address_lo = (uint32_t)its_base + 0x10040,
	                      .data = 0,
	                      .flags = KVM_MSI_VALID_DEVID,
	                      .devid = 0};
	int m = kvmio_vm_signal_msi(g.vm, &msi);
	cr_assert_eq(m, -EBUSY, "signal_msi: %d", m);
	close(its);
}

/* kvmio_vgic_create/init: what the config says, on a GICv3 host. */
Test(arm_gicv3, vgic_helper)
{
	struct kvmio_vgic v;
	arm_guest_vm(&g);
	if (kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V3, true) == -ENODEV)
		cr_skip_test("no vGICv3 on this host (GICv2)");
	const struct kvmio_vgic_config c = {
	    .dist_base = GICD_BASE, .redist_base = GICR_BASE, .nr_irqs = 128};
	cr_assert_eq(kvmio_vgic_create(g.vm, &c, &v), 0);
	cr_expect_eq(v.version, 3, "v3 first when the config leaves the choice");
	gic = v.fd;
	struct kvmio_gpa_range d, r;
	cr_assert_eq(kvmio_vgic_frames(&v, 2, &d, &r), 0);
	cr_expect_eq(d.base, GICD_BASE);
	cr_expect_eq(d.size, 0x10000);
	cr_expect_eq(r.base, GICR_BASE);
	cr_expect_eq(r.size, 2 * 0x20000, "one 128 KiB redistributor per vCPU");
	cr_expect_eq(kvmio_vgic_frames(&v, 0, &d, &r), -EINVAL, "no vCPUs: no redistributors");
	uint64_t back = 0;
	cr_assert_eq(kvmio_device_get_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
	                                   KVM_VGIC_V3_ADDR_TYPE_REDIST, &back),
	             0);
	cr_expect_eq(back, GICR_BASE);
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &g.vcpu), 0);
	cr_assert_eq(kvmio_vcpu_arm_init(g.vcpu, 1u << KVM_ARM_VCPU_PSCI_0_2), 0);
	cr_expect_eq(kvmio_vgic_init(&v), 0);
	uint32_t typer = 0;
	cr_assert_eq(kvmio_device_get_attr(gic, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x004, &typer), 0);
	cr_expect_eq(typer & 0x1f, 128 / 32 - 1, "GICD_TYPER.ITLinesNumber");
	kvmio_vgic_destroy(&v);
	gic = -1;
}
