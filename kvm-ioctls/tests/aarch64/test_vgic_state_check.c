/* SPDX-License-Identifier: Apache-2.0 */
/* kvmio_vgic_state_check on hand-made states (no KVM): what a save could have produced
 * passes, anything else is refused with a reason. */
#include <criterion/criterion.h>
#include <cvmm/kvm_ioctls.h>
#include <errno.h>
#include <string.h>

#define D KVM_DEV_ARM_VGIC_GRP_DIST_REGS
#define C KVM_DEV_ARM_VGIC_GRP_CPU_REGS
#define R KVM_DEV_ARM_VGIC_GRP_REDIST_REGS
#define S KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS
#define L KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO
#define VCPU(i) ((uint64_t)(i) << 32)

#define ICC(op0, op1, crn, crm, op2)                                                               \
	((uint64_t)(((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2)))

/* A GICv3 state of 128 interrupts and 2 vCPUs: one record of each sort, at the ends of
   the ranges. */
static struct kvmio_vgic_reg v3_regs[] = {
    {D, 32, 0x008, 0x43b},                     /* GICD_IIDR */
    {D, 32, 0x000, 0x52},                      /* GICD_CTLR */
    {R, 32, VCPU(1) | 0x10100, 0xffff},        /* GICR_ISENABLER0 */
    {R, 32, VCPU(1) | 0x1041c, 0xa0a0a0a0},    /* GICR_IPRIORITYR7 */
    {D, 32, 0x084, 1},                         /* GICD_IGROUPR1 */
    {D, 32, 0x08c, 1},                         /* GICD_IGROUPR3: interrupts 96-127 */
    {D, 32, 0xc1c, 0},                         /* GICD_ICFGR7 */
    {D, 32, 0x47c, 0},                         /* GICD_IPRIORITYR31 */
    {D, 64, 0x6000 + 127 * 8, 0x100},          /* GICD_IROUTER127 */
    {L, 32, 96, 1},                            /* line levels of 96-127 */
    {S, 64, VCPU(1) | ICC(3, 0, 12, 9, 3), 0}, /* ICC_AP1R3_EL1 */
    {S, 64, ICC(3, 0, 4, 6, 0), 0xf0},         /* ICC_PMR_EL1 */
};

static struct kvmio_vgic_reg v2_regs[] = {
    {D, 32, 0x008, 0x0200043b},
    {D, 32, VCPU(1) | 0x080, 0}, /* GICD_IGROUPR0 of vCPU 1 */
    {D, 32, VCPU(1) | 0xf2c, 1}, /* GICD_SPENDSGIR3 of vCPU 1 */
    {D, 32, 0x87c, 0x01010101},  /* GICD_ITARGETSR31 */
    {D, 32, 0x10c, 0x80000000},  /* GICD_ISENABLER3 */
    {C, 32, VCPU(1) | 0xd0, 0},  /* GICC_APR0 of vCPU 1 */
    {C, 32, 0x1c, 3},            /* GICC_ABPR of vCPU 0 */
};

static struct kvmio_vgic_state v3 = {3, 128, 2, sizeof(v3_regs) / sizeof(v3_regs[0]), v3_regs};
static struct kvmio_vgic_state v2 = {2, 128, 2, sizeof(v2_regs) / sizeof(v2_regs[0]), v2_regs};
static char why[200];

/* st with record i replaced by rec: refused, with a reason naming want. */
static void refused_with(struct kvmio_vgic_state *st, size_t i, struct kvmio_vgic_reg rec,
                         const char *want)
{
	struct kvmio_vgic_reg saved = st->regs[i];
	st->regs[i] = rec;
	int r = kvmio_vgic_state_check(st, st->version, 128, 2, why, sizeof(why));
	st->regs[i] = saved;
	cr_assert_eq(r, -EINVAL, "group %u attr %#llx width %u accepted", rec.group,
	             (unsigned long long)rec.attr, rec.width);
	cr_assert_not_null(strstr(why, want), "reason \"%s\" lacks \"%s\"", why, want);
	cr_log_info("%s", why);
}

Test(vgic_state_check, what_a_save_makes_passes)
{
	cr_assert_eq(kvmio_vgic_state_check(&v3, 3, 128, 2, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(kvmio_vgic_state_check(&v2, 2, 128, 2, why, sizeof(why)), 0, "%s", why);
	struct kvmio_vgic_state empty = {3, 64, 1, 0, NULL};
	cr_assert_eq(kvmio_vgic_state_check(&empty, 3, 64, 1, NULL, 0), 0, "no records");
	/* The GICv2 ceiling: 8 vCPUs. */
	struct kvmio_vgic_reg r = {C, 32, VCPU(7) | 0x04, 0xf0};
	struct kvmio_vgic_state eight = {2, 64, 8, 1, &r};
	cr_assert_eq(kvmio_vgic_state_check(&eight, 2, 64, 8, why, sizeof(why)), 0, "%s", why);
}

Test(vgic_state_check, wrong_version)
{
	cr_assert_eq(kvmio_vgic_state_check(&v3, 2, 128, 2, why, sizeof(why)), -EINVAL);
	cr_assert_not_null(strstr(why, "vGICv3"), "%s", why);
	cr_assert_eq(kvmio_vgic_state_check(&v2, 3, 128, 2, why, sizeof(why)), -EINVAL);
	v3.version = 4;
	int r = kvmio_vgic_state_check(&v3, 4, 128, 2, why, sizeof(why));
	v3.version = 3;
	cr_assert_eq(r, -EINVAL);
	cr_assert_not_null(strstr(why, "not 2 or 3"), "%s", why);
}

Test(vgic_state_check, wrong_counts)
{
	cr_assert_eq(kvmio_vgic_state_check(&v3, 3, 160, 2, why, sizeof(why)), -EINVAL);
	cr_assert_not_null(strstr(why, "128 interrupts"), "%s", why);
	cr_assert_eq(kvmio_vgic_state_check(&v3, 3, 128, 3, why, sizeof(why)), -EINVAL);
	cr_assert_eq(kvmio_vgic_state_check(&v3, 3, 128, 1, why, sizeof(why)), -EINVAL);
	/* Counts outside what a vGIC can have, even when the state agrees. */
	struct kvmio_vgic_state s = {3, 100, 2, 0, NULL};
	cr_assert_eq(kvmio_vgic_state_check(&s, 3, 100, 2, why, sizeof(why)), -EINVAL);
	cr_assert_not_null(strstr(why, "multiple of 32"), "%s", why);
	s = (struct kvmio_vgic_state){3, 2048, 2, 0, NULL};
	cr_assert_eq(kvmio_vgic_state_check(&s, 3, 2048, 2, why, sizeof(why)), -EINVAL);
	s = (struct kvmio_vgic_state){2, 64, 9, 0, NULL};
	cr_assert_eq(kvmio_vgic_state_check(&s, 2, 64, 9, why, sizeof(why)), -EINVAL);
	cr_assert_not_null(strstr(why, "9 vCPUs"), "%s", why);
	s = (struct kvmio_vgic_state){3, 64, 0, 0, NULL};
	cr_assert_eq(kvmio_vgic_state_check(&s, 3, 64, 0, why, sizeof(why)), -EINVAL);
	/* More records than a save makes. */
	struct kvmio_vgic_reg many[600];
	for (size_t i = 0; i < 600; i++)
		many[i] = (struct kvmio_vgic_reg){D, 32, 0x000, 0};
	s = (struct kvmio_vgic_state){3, 64, 1, 600, many};
	cr_assert_eq(kvmio_vgic_state_check(&s, 3, 64, 1, why, sizeof(why)), -EINVAL);
	cr_assert_not_null(strstr(why, "more than"), "%s", why);
}

Test(vgic_state_check, count_without_records)
{
	struct kvmio_vgic_state s = {3, 128, 2, 3, NULL};
	cr_assert_eq(kvmio_vgic_state_check(&s, 3, 128, 2, why, sizeof(why)), -EINVAL);
	cr_assert_not_null(strstr(why, "no array"), "%s", why);
	cr_assert_eq(kvmio_vgic_state_check(NULL, 3, 128, 2, why, sizeof(why)), -EINVAL);
}

Test(vgic_state_check, attr_outside_the_ranges)
{
	/* GICv3: interrupt 128 of 128; a distributor register of private interrupts; a
	   misaligned offset; an unsaved register; an unknown CPU interface register. */
	refused_with(&v3, 0, (struct kvmio_vgic_reg){D, 64, 0x6000 + 128 * 8, 0}, "not a register");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){D, 32, 0x100, 0}, "not a register");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){D, 32, 0x102, 0}, "not a register");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){D, 32, 0x004, 0}, "not a register");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){D, 32, 0x090, 0}, "not a register");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){R, 32, 0x10420, 0}, "not a register");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){R, 32, 0x14, 0}, "not a register");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){S, 64, ICC(3, 0, 12, 12, 0), 0},
	             "not a register");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){S, 64, ICC(3, 0, 12, 9, 4), 0},
	             "not a register");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){L, 32, 128, 0}, "not a register");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){L, 32, 0, 0}, "not a register");
	/* vCPU indexes: beyond the vCPUs; on a register that is not per vCPU. */
	refused_with(&v3, 0, (struct kvmio_vgic_reg){R, 32, VCPU(2) | 0x10100, 0}, "beyond");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){S, 64, VCPU(0x100) | ICC(3, 0, 4, 6, 0), 0},
	             "beyond");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){D, 32, VCPU(1) | 0x000, 0}, "not per vCPU");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){L, 32, VCPU(1) | 32, 0}, "not per vCPU");
	/* Groups a version does not have. */
	refused_with(&v3, 0, (struct kvmio_vgic_reg){C, 32, 0x04, 0}, "group 2");
	refused_with(&v2, 0, (struct kvmio_vgic_reg){R, 32, 0x10100, 0}, "group 5");
	refused_with(&v2, 0, (struct kvmio_vgic_reg){L, 32, 32, 0}, "group 7");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){99, 32, 0, 0}, "group 99");
	/* GICv2: ranges of its own. */
	refused_with(&v2, 0, (struct kvmio_vgic_reg){D, 32, 0x6100, 0}, "not a register");
	refused_with(&v2, 0, (struct kvmio_vgic_reg){D, 32, 0x890, 0}, "not a register");
	refused_with(&v2, 0, (struct kvmio_vgic_reg){D, 32, 0x800, 0}, "not a register");
	refused_with(&v2, 0, (struct kvmio_vgic_reg){D, 32, 0xf00, 0}, "not a register");
	refused_with(&v2, 0, (struct kvmio_vgic_reg){D, 32, 0xf10, 0}, "not a register");
	refused_with(&v2, 0, (struct kvmio_vgic_reg){C, 32, 0xd4, 0}, "not a register");
	refused_with(&v2, 0, (struct kvmio_vgic_reg){D, 32, VCPU(2) | 0xf20, 0}, "beyond");
	refused_with(&v2, 0, (struct kvmio_vgic_reg){D, 32, VCPU(1) | 0x084, 0}, "not per vCPU");
}

Test(vgic_state_check, bad_width_or_value)
{
	refused_with(&v3, 0, (struct kvmio_vgic_reg){D, 64, 0x000, 0}, "width 64, not 32");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){D, 32, 0x6000 + 40 * 8, 0},
	             "width 32, not 64");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){S, 32, ICC(3, 0, 4, 6, 0), 0}, "width 32");
	refused_with(&v3, 0, (struct kvmio_vgic_reg){R, 0, 0x10100, 0}, "width 0");
	refused_with(&v2, 0, (struct kvmio_vgic_reg){C, 7, 0x04, 0}, "width 7");
	refused_with(&v2, 0, (struct kvmio_vgic_reg){D, 32, 0x10c, 0x100000000ull},
	             "wider than 32 bits");
	/* A 64-bit register may use all its bits. */
	struct kvmio_vgic_reg r = {D, 64, 0x6000 + 40 * 8, 0xff00000000ull};
	struct kvmio_vgic_state s = {3, 128, 2, 1, &r};
	cr_assert_eq(kvmio_vgic_state_check(&s, 3, 128, 2, why, sizeof(why)), 0, "%s", why);
}

Test(vgic_state_check, reason_buffer)
{
	char small[8];
	cr_assert_eq(kvmio_vgic_state_check(&v3, 2, 128, 2, small, sizeof(small)), -EINVAL);
	cr_assert_eq(strlen(small), sizeof(small) - 1, "truncated, terminated");
	cr_assert_eq(kvmio_vgic_state_check(&v3, 2, 128, 2, NULL, 0), -EINVAL);
	cr_assert_eq(kvmio_vgic_state_check(&v3, 2, 128, 2, small, 0), -EINVAL);
}
