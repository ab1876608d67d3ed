/* SPDX-License-Identifier: Apache-2.0 */
/* The vGICv2 through create_device and device attributes, with irq_line, irqfd and GSI
 * routing (emulated arm64 host, GICv2 on cortex-a57; a skip on a GICv3-only host). */
#include "arm_guest.h"

#include <sys/eventfd.h>

#define GICD_BASE 0x08000000ull
#define GICC_BASE 0x08010000ull

static struct guest g;
static int gic = -1;

static void teardown(void)
{
	if (gic >= 0)
		close(gic);
	gic = -1;
	guest_destroy(&g);
}

TestSuite(arm_gicv2, .fini = teardown, .timeout = 60);

static uint32_t gicd_read(uint64_t offset)
{
	uint32_t v = 0;
	int r = kvmio_device_get_attr(gic, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, offset, &v);
	cr_assert_eq(r, 0, "GICD 0x%llx: %s", (unsigned long long)offset, strerror(-r));
	return v;
}

static void gicd_write(uint64_t offset, uint32_t value)
{
	int r = kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, offset, &value);
	cr_assert_eq(r, 0, "GICD 0x%llx: %s", (unsigned long long)offset, strerror(-r));
}

/* A VM with a vGICv2 of 64 interrupts and one initialised vCPU. */
static void gic_vm(void)
{
	arm_guest_vm(&g);
	int r = kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V2, true);
	if (r == -ENODEV)
		cr_skip_test("no vGICv2 on this host (GICv3 without v2 compatibility)");
	cr_assert_eq(r, 0);
	gic = kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V2, false);
	cr_assert_geq(gic, 0, "create vGICv2: %s", strerror(-gic));
	uint64_t dist = GICD_BASE, cpu = GICC_BASE;
	uint32_t nr = 64;
	cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
	                                   KVM_VGIC_V2_ADDR_TYPE_DIST, &dist),
	             0);
	cr_assert_eq(
	    kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_CPU, &cpu),
	    0);
	cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr), 0);
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &g.vcpu), 0);
	cr_assert_eq(kvmio_vcpu_arm_init(g.vcpu, 1u << KVM_ARM_VCPU_PSCI_0_2), 0);
	cr_assert_eq(
	    kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL),
	    0);
}

Test(arm_gicv2, create_and_attributes)
{
	arm_guest_vm(&g);
	gic = kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V2, false);
	if (gic == -ENODEV)
		cr_skip_test("no vGICv2 on this host (GICv3 without v2 compatibility)");
	cr_assert_geq(gic, 0, "create vGICv2: %s", strerror(-gic));
	cr_assert_eq(kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V2, false), -EEXIST);
	cr_assert_eq(kvmio_vm_create_device(g.vm, 0x7777, true), -ENODEV);
	cr_assert_eq(
	    kvmio_device_has_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_DIST), 1);
	cr_assert_eq(
	    kvmio_device_has_attr(gic, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT), 1);
	cr_assert_eq(kvmio_device_has_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR, 99), 0);
	uint64_t dist = GICD_BASE, back = 0;
	cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
	                                   KVM_VGIC_V2_ADDR_TYPE_DIST, &dist),
	             0);
	cr_assert_eq(kvmio_device_get_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
	                                   KVM_VGIC_V2_ADDR_TYPE_DIST, &back),
	             0);
	cr_assert_eq(back, GICD_BASE);
	cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
	                                   KVM_VGIC_V2_ADDR_TYPE_DIST, &dist),
	             -EEXIST);
	uint32_t nr = 96, nr_back = 0;
	cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr), 0);
	cr_assert_eq(kvmio_device_get_attr(gic, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_back), 0);
	cr_assert_eq(nr_back, 96);
	/* Not a multiple of 32. */
	nr = 70;
	cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr), -EINVAL);
}

Test(arm_gicv2, init_order_and_registers)
{
	gic_vm();
	/* After CTRL_INIT: no more vCPUs, no more interrupt count changes. */
	struct kvmio_vcpu *late = NULL;
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 1, &late), -EBUSY);
	uint32_t nr = 128;
	cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr), -EBUSY);
	/* GICD_TYPER.ITLinesNumber = 64 / 32 - 1. */
	cr_assert_eq(gicd_read(0x004) & 0x1f, 1);
	/* GICD_IIDR is ARM's (implementer 0x43b). */
	cr_assert_eq(gicd_read(0x008) & 0xfff, 0x43b);
}

static bool spi_pending(unsigned spi)
{
	unsigned irq = 32 + spi;
	return gicd_read(0x200 + irq / 32 * 4) & (1u << (irq % 32));
}

/* GICD_ICFGRn: two bits per interrupt, the upper one set for edge-triggered. */
static void spi_set_edge(unsigned spi, bool edge)
{
	unsigned irq = 32 + spi;
	uint64_t off = 0xc00 + irq / 16 * 4;
	uint32_t bit = 2u << (2 * (irq % 16));
	uint32_t v = gicd_read(off);
	gicd_write(off, edge ? v | bit : v & ~bit);
}

Test(arm_gicv2, irq_line_sets_pending)
{
	gic_vm();
	/* Level-triggered: pending follows the line. */
	spi_set_edge(3, false);
	cr_assert_not(spi_pending(3));
	cr_assert_eq(kvmio_vm_irq_line(g.vm, KVMIO_ARM_IRQ_SPI(3), 1), 0);
	cr_assert(spi_pending(3), "SPI 3 pending");
	cr_assert_eq(kvmio_vm_irq_line(g.vm, KVMIO_ARM_IRQ_SPI(3), 0), 0);
	cr_assert_not(spi_pending(3), "SPI 3 no longer pending");
	/* Edge-triggered: the rising edge latches. */
	spi_set_edge(6, true);
	cr_assert_eq(kvmio_vm_irq_line(g.vm, KVMIO_ARM_IRQ_SPI(6), 1), 0);
	cr_assert_eq(kvmio_vm_irq_line(g.vm, KVMIO_ARM_IRQ_SPI(6), 0), 0);
	cr_assert(spi_pending(6), "SPI 6 latched");
	/* SPI 32 is interrupt 64: beyond the 64 configured. */
	cr_assert_eq(kvmio_vm_irq_line(g.vm, KVMIO_ARM_IRQ_SPI(32), 1), -EINVAL);
	/* A PPI of vCPU 0 (e.g. 14, the physical timer's) and of a vCPU that does not exist. */
	cr_assert_eq(kvmio_vm_irq_line(g.vm, KVMIO_ARM_IRQ_PPI(0, 14), 1), 0);
	cr_assert_eq(kvmio_vm_irq_line(g.vm, KVMIO_ARM_IRQ_PPI(5, 14), 1), -EINVAL);
}

Test(arm_gicv2, timer_interrupt_attributes_on_vcpu_fd)
{
	gic_vm();
	int fd = kvmio_vcpu_fd(g.vcpu);
	uint32_t irq = 26;
	/* With an in-kernel vGIC, the timers' PPIs can be moved before the first run. */
	int r =
	    kvmio_device_set_attr(fd, KVM_ARM_VCPU_TIMER_CTRL, KVM_ARM_VCPU_TIMER_IRQ_PTIMER, &irq);
	cr_assert_eq(r, 0, "set PTIMER irq: %s", strerror(-r));
	irq = 0;
	cr_assert_eq(
	    kvmio_device_get_attr(fd, KVM_ARM_VCPU_TIMER_CTRL, KVM_ARM_VCPU_TIMER_IRQ_PTIMER, &irq),
	    0);
	cr_assert_eq(irq, 26);
	/* Not a PPI. */
	irq = 40;
	cr_assert_eq(
	    kvmio_device_set_attr(fd, KVM_ARM_VCPU_TIMER_CTRL, KVM_ARM_VCPU_TIMER_IRQ_PTIMER, &irq),
	    -EINVAL);
}

Test(arm_gicv2, irqfd_with_resample_and_routing)
{
	gic_vm();
	int efd = eventfd(0, EFD_NONBLOCK), rfd = eventfd(0, EFD_NONBLOCK);
	/* The default routing maps GSI n to SPI n; a resampling irqfd holds the level. */
	cr_assert_eq(kvmio_vm_irqfd(g.vm, efd, 4, rfd), 0);
	uint64_t one = 1;
	cr_assert_eq(write(efd, &one, sizeof(one)), (ssize_t)sizeof(one));
	unsigned irq = 32 + 4;
	/* The injection runs in a kernel worker: give it a moment. */
	bool pending = false;
	for (int i = 0; i < 100 && !pending; i++) {
		pending = gicd_read(0x200 + irq / 32 * 4) & (1u << (irq % 32));
		if (!pending)
			usleep(1000);
	}
	cr_assert(pending, "SPI 4 pending through the irqfd");
	cr_assert_eq(kvmio_vm_irqfd_remove(g.vm, efd, 4), 0);

	/* Route GSI 10 to SPI 7 and GSI 11 to SPI 8, then raise GSI 10 through an irqfd. */
	struct kvm_irq_routing_entry r[2] = {
	    {.gsi = 10, .type = KVM_IRQ_ROUTING_IRQCHIP, .u.irqchip = {0, 7}},
	    {.gsi = 11, .type = KVM_IRQ_ROUTING_IRQCHIP, .u.irqchip = {0, 8}},
	};
	cr_assert_eq(kvmio_vm_set_gsi_routing(g.vm, r, 2), 0);
	/* A plain irqfd pulses the line: make SPI 7 edge-triggered so that the pulse
	 * leaves it pending. */
	spi_set_edge(7, true);
	cr_assert_eq(kvmio_vm_irqfd(g.vm, efd, 10, -1), 0);
	cr_assert_eq(write(efd, &one, sizeof(one)), (ssize_t)sizeof(one));
	irq = 32 + 7;
	pending = false;
	for (int i = 0; i < 100 && !pending; i++) {
		pending = gicd_read(0x200 + irq / 32 * 4) & (1u << (irq % 32));
		if (!pending)
			usleep(1000);
	}
	cr_assert(pending, "SPI 7 pending through GSI 10");
	cr_assert_eq(kvmio_vm_irqfd_remove(g.vm, efd, 10), 0);
	/* There is one irqchip (0), and no routing type 0xdead. */
	struct kvm_irq_routing_entry bad = {
	    .gsi = 1, .type = KVM_IRQ_ROUTING_IRQCHIP, .u.irqchip = {1, 5}};
	cr_assert_eq(kvmio_vm_set_gsi_routing(g.vm, &bad, 1), -EINVAL);
	bad.type = 0xdead;
	cr_assert_eq(kvmio_vm_set_gsi_routing(g.vm, &bad, 1), -EINVAL);
	cr_assert_eq(kvmio_vm_set_gsi_routing(g.vm, NULL, 4097), -EINVAL);
	close(efd);
	close(rfd);
}

Test(arm_gicv2, gicv3_and_msi_absent)
{
	arm_guest_vm(&g);
	/* On a GICv2 host a vGICv3 (and so an ITS for MSIs) cannot be created. */
	int r = kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V3, true);
	if (r == 0)
		cr_skip_test("this host has a GICv3: see kvmio_arm_gicv3");
	cr_assert_eq(r, -ENODEV);
	struct kvm_msi msi = {.address_lo = 0x08080040, .data = 1};
	int m = kvmio_vm_signal_msi(g.vm, &msi);
	cr_assert_lt(m, 0, "signal_msi without an ITS: %d", m);
	cr_log_info("signal_msi without an ITS: %s", strerror(-m));
}

/* kvmio_vgic_create/init: what the config says, on a GICv2 host. */
Test(arm_gicv2, vgic_helper)
{
	struct kvmio_vgic v;
	arm_guest_vm(&g);
	if (kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V2, true) == -ENODEV)
		cr_skip_test("no vGICv2 on this host");
	struct kvmio_vgic_config c = {
	    .version = 3, .dist_base = GICD_BASE, .cpu_base = GICC_BASE, .nr_irqs = 96};
	if (kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V3, true) == -ENODEV) {
		cr_expect_eq(kvmio_vgic_create(g.vm, &c, &v), -ENODEV, "v3 only, on a v2 host");
		cr_expect_eq(v.fd, -1);
	}
	c.version = 0; /* v3 first: this host has v2 only */
	cr_assert_eq(kvmio_vgic_create(g.vm, &c, &v), 0);
	cr_expect_eq(v.version, 2);
	gic = v.fd;
	struct kvmio_gpa_range d, cpu;
	cr_assert_eq(kvmio_vgic_frames(&v, 1, &d, &cpu), 0);
	cr_expect_eq(d.base, GICD_BASE);
	cr_expect_eq(d.size, 0x10000);
	cr_expect_eq(cpu.base, GICC_BASE);
	cr_expect_eq(cpu.size, 0x2000);
	uint64_t back = 0;
	uint32_t nr = 0;
	cr_assert_eq(
	    kvmio_device_get_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_CPU, &back),
	    0);
	cr_expect_eq(back, GICC_BASE);
	cr_assert_eq(kvmio_device_get_attr(gic, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr), 0);
	cr_expect_eq(nr, 96);
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &g.vcpu), 0);
	cr_assert_eq(kvmio_vcpu_arm_init(g.vcpu, 1u << KVM_ARM_VCPU_PSCI_0_2), 0);
	cr_expect_eq(kvmio_vgic_init(&v), 0);
	cr_expect_eq(gicd_read(0x004) & 0x1f, 96 / 32 - 1, "GICD_TYPER.ITLinesNumber");
	kvmio_vgic_destroy(&v);
	cr_expect_eq(v.fd, -1);
	gic = -1;
	cr_expect_eq(kvmio_vgic_frames(&v, 1, &d, &cpu), -EINVAL, "destroyed");
	cr_expect_eq(kvmio_vgic_create(NULL, &c, &v), -EINVAL);
	c.version = 4;
	cr_expect_eq(kvmio_vgic_create(g.vm, &c, &v), -EINVAL);
}
