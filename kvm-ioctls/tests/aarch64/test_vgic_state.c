/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kvmio_vgic_save/restore on real KVM, for the vGIC version VGIC_VERSION (2 or 3; the
 * program is built once for each and runs in the arm64 host with that vGIC): distinctive
 * state set in one VM through the device attributes, saved, restored into a second VM and
 * read back; a pending interrupt restored into the second VM wakes its suspended vCPU.
 * Also the virtual counter, set far ahead on a VM's vCPUs.
 */
#include "arm_guest.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

PAYLOAD(arm_system_off);

#ifndef VGIC_VERSION
#error "VGIC_VERSION (2 or 3) is set by the build"
#endif

#define GICD_BASE 0x08000000ull
#define GICC_BASE 0x08010000ull
#define GICR_BASE 0x080a0000ull
#define NR_IRQS 128u
#define NR_VCPUS 2u

/* A VM with a vGIC of NR_IRQS interrupts and NR_VCPUS vCPUs (vCPU 1 powered off, as a
   VM suspended with its secondary CPUs off has it). */
struct vm {
	struct guest g;
	struct kvmio_vcpu *vcpus[NR_VCPUS];
	struct kvmio_vgic gic;
};

static struct vm a, b;
static struct kvmio_vgic_state st, st2;

static void vm_destroy(struct vm *m)
{
	kvmio_vgic_destroy(&m->gic);
	for (unsigned int i = 1; i < NR_VCPUS; i++)
		kvmio_vcpu_destroy(m->vcpus[i]);
	guest_destroy(&m->g); /* vCPU 0 */
	memset(m, 0, sizeof(*m));
	m->gic.fd = -1;
}

static void teardown(void)
{
	kvmio_vgic_state_free(&st);
	kvmio_vgic_state_free(&st2);
	vm_destroy(&a);
	vm_destroy(&b);
}

TestSuite(vgic_state, .fini = teardown, .timeout = 120);

static void vm_create(struct vm *m)
{
	memset(m, 0, sizeof(*m));
	m->gic.fd = -1;
	arm_guest_vm(&m->g);
	guest_load(&m->g, ARM_RAM, arm_system_off_start, arm_system_off_end);
	int r = kvmio_vm_create_device(
	    m->g.vm, VGIC_VERSION == 3 ? KVM_DEV_TYPE_ARM_VGIC_V3 : KVM_DEV_TYPE_ARM_VGIC_V2, true);
	if (r == -ENODEV)
		cr_skip_test("no vGICv%d on this host", VGIC_VERSION);
	const struct kvmio_vgic_config c = {.version = VGIC_VERSION,
	                                    .dist_base = GICD_BASE,
	                                    .cpu_base = GICC_BASE,
	                                    .redist_base = GICR_BASE,
	                                    .nr_irqs = NR_IRQS};
	r = kvmio_vgic_create(m->g.vm, &c, &m->gic);
	cr_assert_eq(r, 0, "vGIC: %s", strerror(-r));
	for (unsigned int i = 0; i < NR_VCPUS; i++) {
		cr_assert_eq(kvmio_vm_create_vcpu(m->g.vm, i, &m->vcpus[i]), 0);
		uint64_t f = 1u << KVM_ARM_VCPU_PSCI_0_2;
		if (i)
			f |= 1u << KVM_ARM_VCPU_POWER_OFF;
		cr_assert_eq(kvmio_vcpu_arm_init(m->vcpus[i], f), 0);
	}
	m->g.vcpu = m->vcpus[0];
	cr_assert_eq(kvmio_vcpu_set_reg(m->vcpus[0], KVMIO_ARM64_REG_PC, ARM_RAM), 0);
	r = kvmio_vgic_init(&m->gic);
	cr_assert_eq(r, 0, "vGIC init: %s", strerror(-r));
}

static const struct kvmio_vcpu *const *vcpus_of(struct vm *m)
{
	return (const struct kvmio_vcpu *const *)m->vcpus;
}

/* KVM's attr prefix of vCPU i: the GICv2 cpuid, or the GICv3 MPIDR affinity. */
static uint64_t cpu_attr(struct vm *m, unsigned int i)
{
	if (VGIC_VERSION == 2)
		return (uint64_t)i << 32;
	uint64_t mpidr = 0;
	cr_assert_eq(kvmio_vcpu_get_reg(m->vcpus[i], KVMIO_ARM64_REG_MPIDR_EL1, &mpidr), 0);
	uint64_t aff = ((mpidr >> 32 & 0xff) << 24) | (mpidr & 0xffffff);
	return aff << 32;
}

static uint32_t get32(struct vm *m, uint32_t group, uint64_t attr)
{
	uint32_t v = 0;
	int r = kvmio_device_get_attr(m->gic.fd, group, attr, &v);
	cr_assert_eq(r, 0, "get group %u attr %#llx: %s", group, (unsigned long long)attr,
	             strerror(-r));
	return v;
}

static void set32(struct vm *m, uint32_t group, uint64_t attr, uint32_t v)
{
	int r = kvmio_device_set_attr(m->gic.fd, group, attr, &v);
	cr_assert_eq(r, 0, "set group %u attr %#llx: %s", group, (unsigned long long)attr,
	             strerror(-r));
}

static uint32_t gicd(struct vm *m, uint32_t off)
{
	return get32(m, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, off);
}

static void gicd_set(struct vm *m, uint32_t off, uint32_t v)
{
	set32(m, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, off, v);
}

/* GICv3 SGI_base frame register of vCPU i; GICv2: the banked distributor register. */
static uint32_t private_reg(struct vm *m, unsigned int i, uint32_t off)
{
	if (VGIC_VERSION == 3)
		return get32(m, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, cpu_attr(m, i) | (0x10000 + off));
	return get32(m, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, cpu_attr(m, i) | off);
}

static void private_set(struct vm *m, unsigned int i, uint32_t off, uint32_t v)
{
	if (VGIC_VERSION == 3)
		set32(m, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, cpu_attr(m, i) | (0x10000 + off), v);
	else
		set32(m, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, cpu_attr(m, i) | off, v);
}

#define ICC(op0, op1, crn, crm, op2)                                                               \
	((uint64_t)(((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2)))
#define ICC_PMR_EL1 ICC(3, 0, 4, 6, 0)
#define ICC_BPR0_EL1 ICC(3, 0, 12, 8, 3)
#define ICC_AP1R0_EL1 ICC(3, 0, 12, 9, 0)
#define ICC_IGRPEN1_EL1 ICC(3, 0, 12, 12, 7)

/* The priority mask of vCPU i: ICC_PMR_EL1 or GICC_PMR. */
static uint64_t cpu_get(struct vm *m, unsigned int i, uint64_t reg)
{
	uint64_t v = 0;
	int r;
	if (VGIC_VERSION == 3) {
		r = kvmio_device_get_attr(m->gic.fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
		                          cpu_attr(m, i) | reg, &v);
	} else {
		uint32_t v32 = 0;
		r = kvmio_device_get_attr(m->gic.fd, KVM_DEV_ARM_VGIC_GRP_CPU_REGS,
		                          cpu_attr(m, i) | reg, &v32);
		v = v32;
	}
	cr_assert_eq(r, 0, "CPU interface %u reg %#llx: %s", i, (unsigned long long)reg,
	             strerror(-r));
	return v;
}

static void cpu_set(struct vm *m, unsigned int i, uint64_t reg, uint64_t v)
{
	int r;
	if (VGIC_VERSION == 3) {
		r = kvmio_device_set_attr(m->gic.fd, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
		                          cpu_attr(m, i) | reg, &v);
	} else {
		uint32_t v32 = (uint32_t)v;
		r = kvmio_device_set_attr(m->gic.fd, KVM_DEV_ARM_VGIC_GRP_CPU_REGS,
		                          cpu_attr(m, i) | reg, &v32);
	}
	cr_assert_eq(r, 0, "CPU interface %u reg %#llx: %s", i, (unsigned long long)reg,
	             strerror(-r));
}

#define PMR (VGIC_VERSION == 3 ? ICC_PMR_EL1 : 0x04)
/* Priority masks: KVM's GICv2 GICC_PMR attribute holds the mask's top 5 bits as a number
   (0x1f: 0xf8), ICC_PMR_EL1 the mask itself. */
#define PMR_0 (VGIC_VERSION == 3 ? 0xf0 : 0x1e)
#define PMR_1 (VGIC_VERSION == 3 ? 0xe8 : 0x1d)
#define PMR_OPEN (VGIC_VERSION == 3 ? 0xf8 : 0x1f)

static uint32_t bit(unsigned int irq)
{
	return 1u << (irq % 32);
}

/* GICD_ICFGRn: level (false) or edge (true) for interrupt irq. */
static void set_edge(struct vm *m, unsigned int irq, bool edge)
{
	uint32_t off = 0xc00 + irq / 16 * 4, mask = 2u << (2 * (irq % 16));
	uint32_t v = gicd(m, off);
	gicd_set(m, off, edge ? v | mask : v & ~mask);
}

/* Routes SPI irq to vCPU cpu: GICD_IROUTERn (v3) or GICD_ITARGETSRn (v2). */
static void route(struct vm *m, unsigned int irq, unsigned int cpu)
{
	if (VGIC_VERSION == 3) {
		uint64_t aff = cpu_attr(m, cpu) >> 32;
		gicd_set(m, 0x6000 + irq * 8, (uint32_t)(aff & 0xffffff));
		gicd_set(m, 0x6000 + irq * 8 + 4, (uint32_t)(aff >> 24));
		return;
	}
	uint32_t off = 0x800 + irq / 4 * 4, shift = 8 * (irq % 4);
	uint32_t v = gicd(m, off) & ~(0xffu << shift);
	gicd_set(m, off, v | (1u << cpu) << shift);
}

static bool spi_pending(struct vm *m, unsigned int irq)
{
	return gicd(m, 0x200 + irq / 32 * 4) & bit(irq);
}

/* Whether SPI irq is pending as the guest would see it: GICv2's ISPENDR; GICv3's latch
   (ISPENDR from userspace) or its line level. */
static bool spi_asserted(struct vm *m, unsigned int irq)
{
	if (spi_pending(m, irq))
		return true;
	if (VGIC_VERSION == 2)
		return false;
	uint64_t level = (uint64_t)VGIC_LEVEL_INFO_LINE_LEVEL
	                     << KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT |
	                 irq / 32 * 32;
	return get32(m, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, cpu_attr(m, 0) | level) & bit(irq);
}

/* Interrupts of the distinctive state. */
#define IRQ_ENABLED 37 /* enabled, priority 0xa0, routed to vCPU 1 */
#define IRQ_LEVEL 40   /* level-triggered, line held high */
#define IRQ_EDGE 41    /* edge-triggered, latched by a pulse */
#define IRQ_SPEND 80   /* pending through ISPENDR */
#define IRQ_ACTIVE 90  /* active */
#define IRQ_GROUP 100  /* group 1, priority 0x40, enabled */
#define SGI_PEND 2     /* vCPU 1: pending (GICv2: from vCPU 0) */
#define PPI_ENABLED 20 /* vCPU 1: enabled, priority 0x80 */

/* Sets the distinctive state in m through the device attributes and irq_line. */
static void set_distinctive_state(struct vm *m)
{
	/* The identification written back: on GICv2 this makes the groups writable. */
	gicd_set(m, 0x008, gicd(m, 0x008));
	gicd_set(m, 0x000, VGIC_VERSION == 3 ? 0x12 : 0x1); /* ARE, group 1 / enable */
	gicd_set(m, 0x080 + IRQ_GROUP / 32 * 4, bit(IRQ_GROUP) | bit(IRQ_GROUP + 1));
	gicd_set(m, 0x100 + IRQ_ENABLED / 32 * 4, bit(IRQ_ENABLED));
	gicd_set(m, 0x100 + IRQ_GROUP / 32 * 4, bit(IRQ_GROUP));
	gicd_set(m, 0x400 + IRQ_ENABLED / 4 * 4, 0xa0u << 8 * (IRQ_ENABLED % 4));
	gicd_set(m, 0x400 + IRQ_GROUP / 4 * 4, 0x40u << 8 * (IRQ_GROUP % 4));
	route(m, IRQ_ENABLED, 1);
	route(m, IRQ_LEVEL, 0);
	set_edge(m, IRQ_LEVEL, false);
	set_edge(m, IRQ_EDGE, true);
	cr_assert_eq(kvmio_vm_irq_line(m->g.vm, KVMIO_ARM_IRQ_SPI(IRQ_LEVEL - 32), 1), 0);
	cr_assert_eq(kvmio_vm_irq_line(m->g.vm, KVMIO_ARM_IRQ_SPI(IRQ_EDGE - 32), 1), 0);
	cr_assert_eq(kvmio_vm_irq_line(m->g.vm, KVMIO_ARM_IRQ_SPI(IRQ_EDGE - 32), 0), 0);
	gicd_set(m, 0x200 + IRQ_SPEND / 32 * 4, bit(IRQ_SPEND));
	gicd_set(m, 0x300 + IRQ_ACTIVE / 32 * 4, bit(IRQ_ACTIVE));
	/* vCPU 1's private interrupts. */
	private_set(m, 1, 0x100, bit(PPI_ENABLED) | bit(SGI_PEND));
	private_set(m, 1, 0x400 + PPI_ENABLED / 4 * 4, 0x80u << 8 * (PPI_ENABLED % 4));
	if (VGIC_VERSION == 3)
		private_set(m, 1, 0x200, bit(SGI_PEND));
	else /* GICD_SPENDSGIRn: one byte per SGI, a bit per source vCPU */
		private_set(m, 1, 0xf20 + SGI_PEND / 4 * 4, 1u << 8 * (SGI_PEND % 4));
	/* The CPU interfaces. */
	cpu_set(m, 0, PMR, PMR_0);
	cpu_set(m, 1, PMR, PMR_1);
	if (VGIC_VERSION == 3) {
		cpu_set(m, 0, ICC_IGRPEN1_EL1, 1);
		cpu_set(m, 1, ICC_BPR0_EL1, 4);
		cpu_set(m, 0, ICC_AP1R0_EL1, 1);
	} else {
		cpu_set(m, 0, 0x00, 1); /* GICC_CTLR: group 0 enabled */
		cpu_set(m, 1, 0x08, 4); /* GICC_BPR */
	}
}

/* The record of group and attr in s, or NULL. */
static const struct kvmio_vgic_reg *find(const struct kvmio_vgic_state *s, uint32_t group,
                                         uint64_t attr)
{
	for (size_t i = 0; i < s->count; i++)
		if (s->regs[i].group == group && s->regs[i].attr == attr)
			return &s->regs[i];
	return NULL;
}

static uint64_t saved(const struct kvmio_vgic_state *s, uint32_t group, uint64_t attr)
{
	const struct kvmio_vgic_reg *r = find(s, group, attr);
	cr_assert_not_null(r, "no record of group %u attr %#llx", group, (unsigned long long)attr);
	return r->value;
}

/* The distinctive state is in the save: each record as the device attributes read it. */
static void assert_state_saved(const struct kvmio_vgic_state *s)
{
	const uint32_t D = KVM_DEV_ARM_VGIC_GRP_DIST_REGS;
	cr_assert_neq(saved(s, D, 0x100 + IRQ_ENABLED / 32 * 4) & bit(IRQ_ENABLED), 0);
	cr_assert_neq(saved(s, D, 0x200 + IRQ_SPEND / 32 * 4) & bit(IRQ_SPEND), 0);
	cr_assert_neq(saved(s, D, 0x200 + IRQ_EDGE / 32 * 4) & bit(IRQ_EDGE), 0);
	cr_assert_neq(saved(s, D, 0x300 + IRQ_ACTIVE / 32 * 4) & bit(IRQ_ACTIVE), 0);
	cr_assert_neq(saved(s, D, 0x080 + IRQ_GROUP / 32 * 4) & bit(IRQ_GROUP), 0);
	cr_assert_eq(saved(s, D, 0x400 + IRQ_ENABLED / 4 * 4) >> 8 * (IRQ_ENABLED % 4) & 0xff,
	             0xa0);
	if (VGIC_VERSION == 3) {
		/* The line of the level-triggered SPI, apart from the latch. */
		uint64_t level = (uint64_t)VGIC_LEVEL_INFO_LINE_LEVEL
		                     << KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT |
		                 IRQ_LEVEL / 32 * 32;
		cr_assert_neq(saved(s, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, level) & bit(IRQ_LEVEL), 0);
		cr_assert_eq(saved(s, D, 0x200 + IRQ_LEVEL / 32 * 4) & bit(IRQ_LEVEL), 0,
		             "GICv3: ISPENDR is the latch alone");
		cr_assert_eq(saved(s, D, 0x6000 + IRQ_ENABLED * 8), 1, "IROUTER: vCPU 1 (Aff0 1)");
		const uint32_t R = KVM_DEV_ARM_VGIC_GRP_REDIST_REGS;
		/* (KVM enables the SGIs at reset.) */
		cr_assert_eq(saved(s, R, 1ull << 32 | 0x10100), 0xffffu | bit(PPI_ENABLED));
		cr_assert_eq(saved(s, R, 1ull << 32 | 0x10200), bit(SGI_PEND));
		cr_assert_eq(saved(s, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, 1ull << 32 | ICC_PMR_EL1),
		             PMR_1);
		cr_assert_eq(saved(s, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, ICC_AP1R0_EL1), 1);
	} else {
		cr_assert_neq(saved(s, D, 0x200 + IRQ_LEVEL / 32 * 4) & bit(IRQ_LEVEL), 0,
		              "GICv2: ISPENDR is the latch or the line");
		cr_assert_eq(saved(s, D, 0x800 + IRQ_ENABLED / 4 * 4) >> 8 * (IRQ_ENABLED % 4) &
		                 0xff,
		             2, "ITARGETSR: vCPU 1");
		cr_assert_eq(saved(s, D, 1ull << 32 | 0x100) & (bit(PPI_ENABLED) | bit(SGI_PEND)),
		             bit(PPI_ENABLED) | bit(SGI_PEND));
		cr_assert_eq(saved(s, D, 1ull << 32 | (0xf20 + SGI_PEND / 4 * 4)),
		             1u << 8 * (SGI_PEND % 4), "SGI 2 of vCPU 1 pending from vCPU 0");
		cr_assert_eq(saved(s, KVM_DEV_ARM_VGIC_GRP_CPU_REGS, 1ull << 32 | 0x04), PMR_1);
	}
}

Test(vgic_state, save_restore_round_trip)
{
	vm_create(&a);
	set_distinctive_state(&a);
	int r = kvmio_vgic_save(&a.gic, vcpus_of(&a), NR_VCPUS, &st);
	cr_assert_eq(r, 0, "save: %s", strerror(-r));
	cr_assert_eq(st.version, VGIC_VERSION);
	cr_assert_eq(st.nr_irqs, NR_IRQS);
	cr_assert_eq(st.nr_vcpus, NR_VCPUS);
	cr_log_info("vGICv%d: %zu records", VGIC_VERSION, st.count);
	/* The registers listed in kvm_ioctls.h, for 128 interrupts (96 SPIs) and 2 vCPUs. */
	size_t spis = NR_IRQS - 32, expect;
	if (VGIC_VERSION == 3) {
		unsigned int bits =
		    (unsigned int)(cpu_get(&a, 0, ICC(3, 0, 12, 12, 4)) >> 8 & 7) + 1;
		size_t apr = bits == 7 ? 4 : bits == 6 ? 2 : 1;
		expect = 2 + NR_VCPUS * 13 + spis / 32 * 5 + spis / 16 + spis / 4 + spis +
		         NR_VCPUS * (7 + 2 * apr);
	} else {
		expect =
		    2 + NR_VCPUS * 17 + spis / 32 * 4 + spis / 16 + spis / 4 * 2 + NR_VCPUS * 5;
	}
	cr_assert_eq(st.count, expect, "%zu records, %zu expected", st.count, expect);
	char why[160];
	r = kvmio_vgic_state_check(&st, VGIC_VERSION, NR_IRQS, NR_VCPUS, why, sizeof(why));
	cr_assert_eq(r, 0, "check of a save: %s", why);
	assert_state_saved(&st);

	/* A second VM, made the same way: at reset it differs, after the restore it reads
	   back as the first. */
	vm_create(&b);
	cr_assert_not(spi_pending(&b, IRQ_SPEND));
	cr_assert_neq(cpu_get(&b, 1, PMR), PMR_1);
	r = kvmio_vgic_restore(&b.gic, vcpus_of(&b), NR_VCPUS, &st);
	cr_assert_eq(r, 0, "restore: %s", strerror(-r));
	r = kvmio_vgic_save(&b.gic, vcpus_of(&b), NR_VCPUS, &st2);
	cr_assert_eq(r, 0, "save of the restored VM: %s", strerror(-r));
	cr_assert_eq(st2.count, st.count);
	for (size_t i = 0; i < st.count; i++) {
		const struct kvmio_vgic_reg *x = &st.regs[i], *y = &st2.regs[i];
		cr_assert_eq(y->group, x->group, "record %zu", i);
		cr_assert_eq(y->attr, x->attr, "record %zu", i);
		cr_assert_eq(y->width, x->width, "record %zu", i);
		cr_expect_eq(y->value, x->value,
		             "record %zu (group %u attr %#llx): %#llx, saved %#llx", i, x->group,
		             (unsigned long long)x->attr, (unsigned long long)y->value,
		             (unsigned long long)x->value);
	}
	/* And through plain attribute reads of the second VM. */
	cr_assert(spi_pending(&b, IRQ_SPEND));
	cr_assert(spi_pending(&b, IRQ_EDGE));
	cr_assert(spi_asserted(&b, IRQ_LEVEL));
	cr_assert_eq(cpu_get(&b, 0, PMR), PMR_0);
	cr_assert_eq(cpu_get(&b, 1, PMR), PMR_1);
	cr_assert_neq(private_reg(&b, 1, 0x100) & bit(PPI_ENABLED), 0);
	cr_assert_eq(private_reg(&b, 0, 0x100) & bit(PPI_ENABLED), 0, "vCPU 0's stays off");
	if (VGIC_VERSION == 3) {
		uint64_t level = (uint64_t)VGIC_LEVEL_INFO_LINE_LEVEL
		                     << KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT |
		                 IRQ_LEVEL / 32 * 32;
		cr_assert_neq(get32(&b, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, cpu_attr(&b, 0) | level) &
		                  bit(IRQ_LEVEL),
		              0, "line level restored");
		/* The line is the device's: lowering it leaves the SPI not pending (no latch). */
		cr_assert_eq(kvmio_vm_irq_line(b.g.vm, KVMIO_ARM_IRQ_SPI(IRQ_LEVEL - 32), 0), 0);
		cr_assert_not(spi_pending(&b, IRQ_LEVEL));
	}
}

/* A restore over a VM whose state differs: bits the state does not have are cleared. */
Test(vgic_state, restore_clears_what_the_state_lacks)
{
	vm_create(&a);
	int r = kvmio_vgic_save(&a.gic, vcpus_of(&a), NR_VCPUS, &st);
	cr_assert_eq(r, 0, "save of a VM at reset: %s", strerror(-r));
	vm_create(&b);
	set_distinctive_state(&b);
	cr_assert(spi_pending(&b, IRQ_SPEND));
	r = kvmio_vgic_restore(&b.gic, vcpus_of(&b), NR_VCPUS, &st);
	cr_assert_eq(r, 0, "restore: %s", strerror(-r));
	cr_assert_not(spi_pending(&b, IRQ_SPEND));
	cr_assert_not(spi_pending(&b, IRQ_EDGE));
	cr_assert_eq(gicd(&b, 0x100 + IRQ_ENABLED / 32 * 4) & bit(IRQ_ENABLED), 0);
	cr_assert_eq(gicd(&b, 0x300 + IRQ_ACTIVE / 32 * 4) & bit(IRQ_ACTIVE), 0);
	cr_assert_eq(private_reg(&b, 1, 0x100) & bit(PPI_ENABLED), 0);
	cr_assert_eq(private_reg(&b, 1, 0x200) & bit(SGI_PEND), 0, "SGI no longer pending");
	cr_assert_eq(cpu_get(&b, 1, PMR), cpu_get(&a, 1, PMR));
}

/* What the restore refuses before writing anything. */
Test(vgic_state, restore_refuses_mismatches)
{
	vm_create(&a);
	cr_assert_eq(kvmio_vgic_save(&a.gic, vcpus_of(&a), NR_VCPUS, &st), 0);
	vm_create(&b);
	cr_assert_eq(kvmio_vgic_restore(&b.gic, vcpus_of(&b), 1, &st), -EINVAL, "1 vCPU");
	cr_assert_eq(kvmio_vgic_restore(&b.gic, NULL, NR_VCPUS, &st), -EINVAL);
	cr_assert_eq(kvmio_vgic_restore(NULL, vcpus_of(&b), NR_VCPUS, &st), -EINVAL);
	st.nr_irqs = NR_IRQS + 32;
	cr_assert_eq(kvmio_vgic_restore(&b.gic, vcpus_of(&b), NR_VCPUS, &st), -EINVAL,
	             "other number of interrupts");
	st.nr_irqs = NR_IRQS;
	/* A record of vCPU 2, which does not exist. */
	uint64_t attr = st.regs[st.count - 1].attr;
	st.regs[st.count - 1].attr = 2ull << 32 | (uint32_t)attr;
	cr_assert_eq(kvmio_vgic_restore(&b.gic, vcpus_of(&b), NR_VCPUS, &st), -EINVAL);
	st.regs[st.count - 1].attr = attr;
	cr_assert_eq(kvmio_vgic_restore(&b.gic, vcpus_of(&b), NR_VCPUS, &st), 0);
	cr_assert_eq(kvmio_vgic_save(&a.gic, vcpus_of(&a), 0, &st2), -EINVAL, "no vCPUs");
	cr_assert_eq(st2.count, 0);
	cr_assert_null(st2.regs);
}

/* A pending, enabled SPI restored into a second VM wakes its suspended vCPU 0 (the
   snapshot of a VM in SYSTEM_SUSPEND restored, and woken by what was pending). */
static void on_signal(int sig)
{
	(void)sig;
}

/* Signals the test's thread after 300 ms: a vCPU still asleep then leaves KVM_RUN. */
static void *signal_later(void *arg)
{
	struct timespec ts = {.tv_nsec = 300 * 1000 * 1000};
	nanosleep(&ts, NULL);
	pthread_kill(*(pthread_t *)arg, SIGUSR1);
	return NULL;
}

/* pending: the SPI pending when saved (else enabled and routed, but not pending). */
static void wake_after_restore(bool level, bool pending)
{
	unsigned int irq = level ? IRQ_LEVEL : IRQ_EDGE;
	vm_create(&a);
	gicd_set(&a, 0x008, gicd(&a, 0x008));
	gicd_set(&a, 0x000, VGIC_VERSION == 3 ? 0x12 : 0x1);
	gicd_set(&a, 0x080 + irq / 32 * 4, bit(irq)); /* group 1 */
	route(&a, irq, 0);
	set_edge(&a, irq, !level);
	cpu_set(&a, 0, PMR, PMR_OPEN);
	if (VGIC_VERSION == 3)
		cpu_set(&a, 0, ICC_IGRPEN1_EL1, 1);
	else
		cpu_set(&a, 0, 0x00, 3); /* GICC_CTLR: both groups */
	gicd_set(&a, 0x100 + irq / 32 * 4, bit(irq));
	if (pending) {
		cr_assert_eq(kvmio_vm_irq_line(a.g.vm, KVMIO_ARM_IRQ_SPI(irq - 32), 1), 0);
		if (!level)
			cr_assert_eq(kvmio_vm_irq_line(a.g.vm, KVMIO_ARM_IRQ_SPI(irq - 32), 0), 0);
	}
	cr_assert_eq(spi_asserted(&a, irq), pending);
	cr_assert_eq(kvmio_vgic_save(&a.gic, vcpus_of(&a), NR_VCPUS, &st), 0);

	vm_create(&b);
	cr_assert_not(spi_asserted(&b, irq));
	int r = kvmio_vgic_restore(&b.gic, vcpus_of(&b), NR_VCPUS, &st);
	cr_assert_eq(r, 0, "restore: %s", strerror(-r));
	cr_assert_eq(spi_asserted(&b, irq), pending);
	/* The restored vCPU sleeps as PSCI SYSTEM_SUSPEND left it: a pending interrupt wakes
	   it at once; without one it sleeps on, until the signal. */
	struct sigaction sa = {.sa_handler = on_signal};
	cr_assert_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	pthread_t self = pthread_self(), t;
	cr_assert_eq(pthread_create(&t, NULL, signal_later, &self), 0);
	cr_assert_eq(kvmio_vcpu_set_mp_state(b.vcpus[0], KVM_MP_STATE_SUSPENDED), 0);
	struct kvmio_exit e;
	r = kvmio_vcpu_run(b.vcpus[0], &e);
	pthread_join(t, NULL);
	cr_assert_eq(r, 0, "run: %s", strerror(-r));
	if (!pending) {
		assert_exit(&e, KVMIO_EXIT_INTR);
		return;
	}
	assert_exit(&e, KVMIO_EXIT_SYSTEM_EVENT);
	cr_assert_eq(e.system_event.type, KVMIO_SYSTEM_EVENT_WAKEUP, "%s",
	             kvmio_system_event_name(e.system_event.type));
}

Test(vgic_state, pending_edge_spi_restored_wakes_vcpu)
{
	wake_after_restore(false, true);
}

Test(vgic_state, level_spi_restored_wakes_vcpu)
{
	wake_after_restore(true, true);
}

/* The control: the same state without the interrupt pending does not wake the vCPU. */
Test(vgic_state, nothing_pending_restored_vcpu_sleeps_on)
{
	wake_after_restore(false, false);
}

/* The virtual counter set far ahead on one vCPU, then on both. */
Test(vgic_state, counter_set_ahead)
{
	vm_create(&a);
	uint64_t freq = kvmio_arm_counter_frequency(), c0 = 0, c1 = 0, c2 = 0;
	cr_assert_gt(freq, 0);
	cr_log_info("CNTFRQ_EL0 %llu Hz", (unsigned long long)freq);
	cr_assert_eq(kvmio_vcpu_get_counter(a.vcpus[0], &c0), 0);
	const uint64_t ahead = 100000 * freq; /* about 28 hours */
	uint64_t target = c0 + ahead;
	cr_assert_eq(kvmio_vcpu_set_counter(a.vcpus[0], target), 0);
	cr_assert_eq(kvmio_vcpu_get_counter(a.vcpus[0], &c1), 0);
	cr_assert_geq(c1, target);
	cr_assert_lt(c1 - target, 2 * freq, "read back %llu, set %llu", (unsigned long long)c1,
	             (unsigned long long)target);
	/* Linux 6.1: the offset is the VM's, so vCPU 1 follows. */
	cr_assert_eq(kvmio_vcpu_get_counter(a.vcpus[1], &c2), 0);
	cr_assert_geq(c2, target);
	cr_assert_lt(c2 - target, 2 * freq, "vCPU 1: %llu", (unsigned long long)c2);
	/* And it keeps counting. */
	usleep(20000);
	uint64_t c3 = 0;
	cr_assert_eq(kvmio_vcpu_get_counter(a.vcpus[0], &c3), 0);
	cr_assert_gt(c3, c1);
	cr_assert_geq(c3 - c1, freq / 100, "20 ms: %llu ticks", (unsigned long long)(c3 - c1));
	/* On every vCPU, as the header advises. */
	target = c3 + freq;
	for (unsigned int i = 0; i < NR_VCPUS; i++)
		cr_assert_eq(kvmio_vcpu_set_counter(a.vcpus[i], target), 0);
	for (unsigned int i = 0; i < NR_VCPUS; i++) {
		uint64_t c = 0;
		cr_assert_eq(kvmio_vcpu_get_counter(a.vcpus[i], &c), 0);
		cr_assert_geq(c, target);
		cr_assert_lt(c - target, 2 * freq, "vCPU %u: %llu", i, (unsigned long long)c);
	}
	cr_assert_eq(kvmio_vcpu_get_counter(a.vcpus[0], NULL), -EINVAL);
	cr_assert_eq(kvmio_vcpu_get_counter(NULL, &c0), -EINVAL);
	cr_assert_eq(kvmio_vcpu_set_counter(NULL, 0), -EINVAL);
}
