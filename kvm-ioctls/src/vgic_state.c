/* SPDX-License-Identifier: Apache-2.0 */
/* aarch64: the vGIC's state saved and restored through its device attributes, and the
 * VM's virtual counter. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VGIC_V2_MAX_VCPUS 8u
#define VGIC_V3_MAX_VCPUS 512u
#define FIRST_SPI 32u

#define DIST KVM_DEV_ARM_VGIC_GRP_DIST_REGS
#define CPU KVM_DEV_ARM_VGIC_GRP_CPU_REGS
#define REDIST KVM_DEV_ARM_VGIC_GRP_REDIST_REGS
#define SYSREG KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS
#define LEVEL KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO

/* The instr field of a KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS attr: a GICv3 CPU interface
 * register by its encoding. */
#define ICC(op0, op1, crn, crm, op2)                                                               \
	(((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))
#define ICC_PMR_EL1 ICC(3, 0, 4, 6, 0)
#define ICC_BPR0_EL1 ICC(3, 0, 12, 8, 3)
#define ICC_AP0R0_EL1 ICC(3, 0, 12, 8, 4)
#define ICC_AP1R0_EL1 ICC(3, 0, 12, 9, 0)
#define ICC_BPR1_EL1 ICC(3, 0, 12, 12, 3)
#define ICC_CTLR_EL1 ICC(3, 0, 12, 12, 4)
#define ICC_SRE_EL1 ICC(3, 0, 12, 12, 5)
#define ICC_IGRPEN0_EL1 ICC(3, 0, 12, 12, 6)
#define ICC_IGRPEN1_EL1 ICC(3, 0, 12, 12, 7)
/* ICC_CTLR_EL1.PRIbits: priority bits - 1; 5, 6 or 7 bits need 1, 2 or 4 APnR registers. */
#define ICC_CTLR_PRIBITS(v) ((unsigned int)((v) >> 8) & 7u)

/* The redistributor's SGI_base frame follows its RD_base frame. */
#define GICR_SGI 0x10000u
#define GICR_CTLR_ENABLE_LPIS 1u
/* KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO: the line levels of 32 interrupts. */
#define LINE_LEVEL ((uint32_t)VGIC_LEVEL_INFO_LINE_LEVEL << KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT)

enum span {
	FIXED, /* count registers */
	SPIS,  /* the registers that cover interrupts 32 to nr_irqs - 1 */
	APR,   /* up to count, as the vCPU's ICC_CTLR_EL1.PRIbits says */
};

/*
 * A kind of register: its group, width and attributes. The low 32 bits of the attr of
 * register j are first + j * stride, where first is base for FIXED and APR, and the
 * register of interrupt 32 for SPIS (each register covering irqs_per_reg interrupts).
 * Tables list the kinds in the order the restore writes them; the save emits its records
 * in the same order.
 */
struct kind {
	uint32_t group;
	uint32_t width;
	bool per_vcpu;
	enum span span;
	uint32_t base;
	uint32_t count;
	uint32_t irqs_per_reg;
	uint32_t stride;
	int32_t clear; /* attr of the clear register written first, relative; 0: none */
	const char *name;
};

#define ONE(g, pv, b, c, n)                                                                        \
	{                                                                                          \
		g, 32, pv, FIXED, b, 1, 0, 4, c, n                                                 \
	}
#define BITMAP(b, c, n)                                                                            \
	{                                                                                          \
		DIST, 32, false, SPIS, b, 0, 32, 4, c, n                                           \
	}
#define SYSREG64(instr, n)                                                                         \
	{                                                                                          \
		SYSREG, 64, true, FIXED, instr, 1, 0, 1, 0, n                                      \
	}

static const struct kind v3_kinds[] = {
    ONE(DIST, false, 0x008, 0, "GICD_IIDR"),
    ONE(DIST, false, 0x000, 0, "GICD_CTLR"),
    ONE(REDIST, true, GICR_SGI + 0x080, 0, "GICR_IGROUPR0"),
    ONE(REDIST, true, GICR_SGI + 0xc04, 0, "GICR_ICFGR1"),
    {REDIST, 32, true, FIXED, GICR_SGI + 0x400, 8, 0, 4, 0, "GICR_IPRIORITYR"},
    /* Written from userspace, a GICv3 ISPENDR sets the whole latch (ICPENDR is WI). */
    ONE(REDIST, true, GICR_SGI + 0x200, 0, "GICR_ISPENDR0"),
    ONE(REDIST, true, GICR_SGI + 0x300, 0x80, "GICR_ISACTIVER0"),
    ONE(REDIST, true, GICR_SGI + 0x100, 0x80, "GICR_ISENABLER0"),
    BITMAP(0x080, 0, "GICD_IGROUPR"),
    {DIST, 32, false, SPIS, 0xc00, 0, 16, 4, 0, "GICD_ICFGR"},
    {DIST, 32, false, SPIS, 0x400, 0, 4, 4, 0, "GICD_IPRIORITYR"},
    {DIST, 64, false, SPIS, 0x6000, 0, 1, 8, 0, "GICD_IROUTER"},
    {LEVEL, 32, false, SPIS, LINE_LEVEL, 0, 32, 32, 0, "line level"},
    BITMAP(0x200, 0, "GICD_ISPENDR"),
    BITMAP(0x300, 0x80, "GICD_ISACTIVER"),
    BITMAP(0x100, 0x80, "GICD_ISENABLER"),
    SYSREG64(ICC_SRE_EL1, "ICC_SRE_EL1"),
    SYSREG64(ICC_CTLR_EL1, "ICC_CTLR_EL1"),
    SYSREG64(ICC_PMR_EL1, "ICC_PMR_EL1"),
    SYSREG64(ICC_BPR0_EL1, "ICC_BPR0_EL1"),
    SYSREG64(ICC_BPR1_EL1, "ICC_BPR1_EL1"),
    SYSREG64(ICC_IGRPEN0_EL1, "ICC_IGRPEN0_EL1"),
    SYSREG64(ICC_IGRPEN1_EL1, "ICC_IGRPEN1_EL1"),
    {SYSREG, 64, true, APR, ICC_AP0R0_EL1, 4, 0, 1, 0, "ICC_AP0R_EL1"},
    {SYSREG, 64, true, APR, ICC_AP1R0_EL1, 4, 0, 1, 0, "ICC_AP1R_EL1"},
};

static const struct kind v2_kinds[] = {
    ONE(DIST, false, 0x008, 0, "GICD_IIDR"),
    ONE(DIST, false, 0x000, 0, "GICD_CTLR"),
    ONE(DIST, true, 0x080, 0, "GICD_IGROUPR0"),
    ONE(DIST, true, 0xc04, 0, "GICD_ICFGR1"),
    {DIST, 32, true, FIXED, 0x400, 8, 0, 4, 0, "GICD_IPRIORITYR0-7"},
    ONE(DIST, true, 0x200, 0x80, "GICD_ISPENDR0"),
    /* After ISPENDR0: the SGIs' sources (GICD_CPENDSGIRn first). */
    {DIST, 32, true, FIXED, 0xf20, 4, 0, 4, -0x10, "GICD_SPENDSGIR"},
    ONE(DIST, true, 0x300, 0x80, "GICD_ISACTIVER0"),
    ONE(DIST, true, 0x100, 0x80, "GICD_ISENABLER0"),
    BITMAP(0x080, 0, "GICD_IGROUPR"),
    {DIST, 32, false, SPIS, 0xc00, 0, 16, 4, 0, "GICD_ICFGR"},
    {DIST, 32, false, SPIS, 0x400, 0, 4, 4, 0, "GICD_IPRIORITYR"},
    {DIST, 32, false, SPIS, 0x800, 0, 4, 4, 0, "GICD_ITARGETSR"},
    BITMAP(0x200, 0x80, "GICD_ISPENDR"),
    BITMAP(0x300, 0x80, "GICD_ISACTIVER"),
    BITMAP(0x100, 0x80, "GICD_ISENABLER"),
    ONE(CPU, true, 0x00, 0, "GICC_CTLR"),
    ONE(CPU, true, 0x04, 0, "GICC_PMR"),
    ONE(CPU, true, 0x08, 0, "GICC_BPR"),
    ONE(CPU, true, 0x1c, 0, "GICC_ABPR"),
    ONE(CPU, true, 0xd0, 0, "GICC_APR0"),
};

static const struct kind *kinds_of(unsigned int version, size_t *n)
{
	if (version == 3) {
		*n = sizeof(v3_kinds) / sizeof(v3_kinds[0]);
		return v3_kinds;
	}
	*n = sizeof(v2_kinds) / sizeof(v2_kinds[0]);
	return v2_kinds;
}

/* Registers of kind k (per vCPU for a per-vCPU kind; APR: at most). */
static uint32_t kind_regs(const struct kind *k, uint32_t nr_irqs)
{
	return k->span == SPIS ? (nr_irqs - FIRST_SPI) / k->irqs_per_reg : k->count;
}

static uint32_t kind_first(const struct kind *k)
{
	return k->span == SPIS ? k->base + FIRST_SPI / k->irqs_per_reg * k->stride : k->base;
}

static void say(char *why, size_t size, const char *fmt, ...)
{
	if (!why || size == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
}

static const char *group_name(uint32_t group)
{
	switch (group) {
	case DIST:
		return "DIST_REGS";
	case CPU:
		return "CPU_REGS";
	case REDIST:
		return "REDIST_REGS";
	case SYSREG:
		return "CPU_SYSREGS";
	case LEVEL:
		return "LEVEL_INFO";
	default:
		return "unknown group";
	}
}

/* The configuration limits the check enforces. */
static int check_config(unsigned int version, uint32_t nr_irqs, uint32_t nr_vcpus, char *why,
                        size_t why_size)
{
	if (version != 2 && version != 3) {
		say(why, why_size, "vGIC version %u is not 2 or 3", version);
		return -EINVAL;
	}
	if (nr_irqs < 64 || nr_irqs > 1024 || nr_irqs % 32) {
		say(why, why_size, "%u interrupts: not a multiple of 32 from 64 to 1024", nr_irqs);
		return -EINVAL;
	}
	uint32_t max = version == 2 ? VGIC_V2_MAX_VCPUS : VGIC_V3_MAX_VCPUS;
	if (nr_vcpus == 0 || nr_vcpus > max) {
		say(why, why_size, "%u vCPUs: a vGICv%u has 1 to %u", nr_vcpus, version, max);
		return -EINVAL;
	}
	return 0;
}

/* The most records kvmio_vgic_save() makes for this configuration. */
static size_t max_records(unsigned int version, uint32_t nr_irqs, uint32_t nr_vcpus)
{
	size_t nk, total = 0;
	const struct kind *kinds = kinds_of(version, &nk);
	for (size_t i = 0; i < nk; i++)
		total += (size_t)kind_regs(&kinds[i], nr_irqs) * (kinds[i].per_vcpu ? nr_vcpus : 1);
	return total;
}

/*
 * The kind (index in the version's table) of record r, or -1 with the reason in why when
 * kvmio_vgic_save() could not have produced it.
 */
static int classify(unsigned int version, uint32_t nr_irqs, uint32_t nr_vcpus,
                    const struct kvmio_vgic_reg *r, char *why, size_t why_size)
{
	size_t nk;
	const struct kind *kinds = kinds_of(version, &nk);
	uint32_t low = (uint32_t)r->attr, index = (uint32_t)(r->attr >> 32);
	bool group_known = false;

	for (size_t i = 0; i < nk; i++) {
		const struct kind *k = &kinds[i];
		if (k->group != r->group)
			continue;
		group_known = true;
		uint32_t first = kind_first(k), n = kind_regs(k, nr_irqs);
		if (low < first || (low - first) % k->stride || (low - first) / k->stride >= n)
			continue;
		if (r->width != k->width) {
			say(why, why_size, "%s attr %#x (%s): width %u, not %u",
			    group_name(r->group), low, k->name, r->width, k->width);
			return -1;
		}
		if (k->per_vcpu ? index >= nr_vcpus : index != 0) {
			say(why, why_size, "%s attr %#x (%s): vCPU index %u %s",
			    group_name(r->group), low, k->name, index,
			    k->per_vcpu ? "beyond the vCPUs"
			                : "on a register that is not per vCPU");
			return -1;
		}
		if (k->width == 32 && r->value > UINT32_MAX) {
			say(why, why_size, "%s attr %#x (%s): value %#llx wider than 32 bits",
			    group_name(r->group), low, k->name, (unsigned long long)r->value);
			return -1;
		}
		return (int)i;
	}
	if (!group_known)
		say(why, why_size, "group %u is not one a vGICv%u state has", r->group, version);
	else
		say(why, why_size,
		    "%s attr %#x is not a register a vGICv%u state of %u interrupts has",
		    group_name(r->group), low, version, nr_irqs);
	return -1;
}

int kvmio_vgic_state_check(const struct kvmio_vgic_state *st, unsigned int version,
                           uint32_t nr_irqs, uint32_t nr_vcpus, char *why, size_t why_size)
{
	char reason[160];

	say(why, why_size, "ok");
	if (!st) {
		say(why, why_size, "no state");
		return -EINVAL;
	}
	if (check_config(version, nr_irqs, nr_vcpus, why, why_size) < 0)
		return -EINVAL;
	if (st->version != version || st->nr_irqs != nr_irqs || st->nr_vcpus != nr_vcpus) {
		say(why, why_size,
		    "state of a vGICv%u with %u interrupts and %u vCPUs, not v%u, %u, %u",
		    st->version, st->nr_irqs, st->nr_vcpus, version, nr_irqs, nr_vcpus);
		return -EINVAL;
	}
	if (st->count && !st->regs) {
		say(why, why_size, "%zu records but no array", st->count);
		return -EINVAL;
	}
	size_t max = max_records(version, nr_irqs, nr_vcpus);
	if (st->count > max) {
		say(why, why_size, "%zu records, more than the %zu a save makes", st->count, max);
		return -EINVAL;
	}
	for (size_t i = 0; i < st->count; i++) {
		if (classify(version, nr_irqs, nr_vcpus, &st->regs[i], reason, sizeof(reason)) <
		    0) {
			say(why, why_size, "record %zu: %s", i, reason);
			return -EINVAL;
		}
	}
	return 0;
}

void kvmio_vgic_state_free(struct kvmio_vgic_state *st)
{
	if (!st)
		return;
	free(st->regs);
	memset(st, 0, sizeof(*st));
}

/* What a save or restore works with: the device, and each vCPU's attr prefix. */
struct vgic_io {
	int fd;
	unsigned int version;
	uint32_t nr_vcpus;
	uint64_t *prefix; /* bits 63-32 of KVM's attr for vCPU i: cpuid i, or its MPIDR */
};

static int io_open(struct vgic_io *io, const struct kvmio_vgic *gic,
                   const struct kvmio_vcpu *const *vcpus, unsigned int nr_vcpus)
{
	io->fd = gic->fd;
	io->version = gic->version;
	io->nr_vcpus = nr_vcpus;
	io->prefix = calloc(nr_vcpus, sizeof(*io->prefix));
	if (!io->prefix)
		return -ENOMEM;
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		if (!vcpus[i])
			return -EINVAL;
		if (gic->version == 2) {
			io->prefix[i] = (uint64_t)i << KVM_DEV_ARM_VGIC_CPUID_SHIFT;
			continue;
		}
		uint64_t m;
		int r = kvmio_vcpu_get_reg(vcpus[i], KVMIO_ARM64_REG_MPIDR_EL1, &m);
		if (r < 0)
			return r;
		/* Aff3.Aff2.Aff1.Aff0, as arm-vgic-v3.rst packs them. */
		uint64_t aff = ((m >> 32 & 0xff) << 24) | ((m >> 16 & 0xff) << 16) |
		               ((m >> 8 & 0xff) << 8) | (m & 0xff);
		io->prefix[i] = aff << KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT;
	}
	return 0;
}

static void io_close(struct vgic_io *io)
{
	free(io->prefix);
	io->prefix = NULL;
}

/* KVM's attr for register low of vCPU index (a GICv3 distributor ignores the vCPU). */
static uint64_t io_attr(const struct vgic_io *io, uint32_t group, uint32_t index, uint32_t low)
{
	if (io->version == 3 && group == DIST)
		return low;
	return io->prefix[index] | low;
}

static int io_get(const struct vgic_io *io, const struct kvmio_vgic_reg *r, uint64_t *value)
{
	uint32_t index = (uint32_t)(r->attr >> 32), low = (uint32_t)r->attr;
	uint64_t attr = io_attr(io, r->group, index, low);
	if (r->group == SYSREG)
		return kvmio_device_get_attr(io->fd, r->group, attr, value);
	uint32_t lo = 0, hi = 0;
	int ret = kvmio_device_get_attr(io->fd, r->group, attr, &lo);
	/* A 64-bit distributor register (GICD_IROUTERn) is two 32-bit halves. */
	if (ret == 0 && r->width == 64)
		ret = kvmio_device_get_attr(io->fd, r->group, attr + 4, &hi);
	if (ret == 0)
		*value = (uint64_t)hi << 32 | lo;
	return ret;
}

static int io_set(const struct vgic_io *io, const struct kind *k, const struct kvmio_vgic_reg *r)
{
	uint32_t index = (uint32_t)(r->attr >> 32), low = (uint32_t)r->attr;
	uint64_t attr = io_attr(io, r->group, index, low);
	int ret;

	if (r->group == SYSREG)
		return kvmio_device_set_attr(io->fd, r->group, attr, &r->value);
	if (k->clear) {
		uint32_t clear = ~(uint32_t)r->value;
		ret = kvmio_device_set_attr(io->fd, r->group, (uint64_t)((int64_t)attr + k->clear),
		                            &clear);
		if (ret < 0)
			return ret;
	}
	uint32_t lo = (uint32_t)r->value, hi = (uint32_t)(r->value >> 32);
	ret = kvmio_device_set_attr(io->fd, r->group, attr, &lo);
	if (ret == 0 && r->width == 64)
		ret = kvmio_device_set_attr(io->fd, r->group, attr + 4, &hi);
	return ret;
}

/* The vGIC's number of interrupts, as KVM has it. */
static int vgic_nr_irqs(const struct kvmio_vgic *gic, uint32_t *nr_irqs)
{
	return kvmio_device_get_attr(gic->fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, nr_irqs);
}

static bool gic_usable(const struct kvmio_vgic *gic)
{
	return gic && gic->fd >= 0 && (gic->version == 2 || gic->version == 3);
}

/* GICv3: refuses a vGIC where a redistributor has LPIs enabled (not saved here). */
static int refuse_lpis(const struct vgic_io *io)
{
	for (uint32_t i = 0; i < io->nr_vcpus; i++) {
		uint32_t ctlr = 0;
		int r = kvmio_device_get_attr(io->fd, REDIST, io_attr(io, REDIST, i, 0x0), &ctlr);
		if (r < 0)
			return r;
		if (ctlr & GICR_CTLR_ENABLE_LPIS)
			return -EOPNOTSUPP;
	}
	return 0;
}

int kvmio_vgic_save(const struct kvmio_vgic *gic, const struct kvmio_vcpu *const *vcpus,
                    unsigned int nr_vcpus, struct kvmio_vgic_state *out)
{
	struct vgic_io io = {0};
	uint32_t nr_irqs = 0;
	size_t nk, n = 0;
	int r;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!gic_usable(gic) || !vcpus || check_config(gic->version, 64, nr_vcpus, NULL, 0) < 0)
		return -EINVAL;
	r = vgic_nr_irqs(gic, &nr_irqs);
	if (r < 0)
		return r;
	if (check_config(gic->version, nr_irqs, nr_vcpus, NULL, 0) < 0)
		return -EINVAL;
	const struct kind *kinds = kinds_of(gic->version, &nk);
	struct kvmio_vgic_reg *regs =
	    calloc(max_records(gic->version, nr_irqs, nr_vcpus), sizeof(*regs));
	if (!regs)
		return -ENOMEM;
	r = io_open(&io, gic, vcpus, nr_vcpus);
	if (r == 0 && gic->version == 3)
		r = refuse_lpis(&io);
	for (size_t i = 0; i < nk && r == 0; i++) {
		const struct kind *k = &kinds[i];
		uint32_t first = kind_first(k);
		for (uint32_t v = 0; v < (k->per_vcpu ? nr_vcpus : 1) && r == 0; v++) {
			uint32_t count = kind_regs(k, nr_irqs);
			if (k->span == APR) {
				uint64_t ctlr = 0;
				r = kvmio_device_get_attr(
				    io.fd, SYSREG, io_attr(&io, SYSREG, v, ICC_CTLR_EL1), &ctlr);
				unsigned int bits = ICC_CTLR_PRIBITS(ctlr) + 1;
				count = bits >= 7 ? 4 : bits == 6 ? 2 : 1;
			}
			for (uint32_t j = 0; j < count && r == 0; j++) {
				struct kvmio_vgic_reg *reg = &regs[n];
				reg->group = k->group;
				reg->width = k->width;
				reg->attr = (uint64_t)v << 32 | (first + j * k->stride);
				r = io_get(&io, reg, &reg->value);
				n++;
			}
		}
	}
	io_close(&io);
	if (r < 0) {
		free(regs);
		return r;
	}
	*out = (struct kvmio_vgic_state){.version = gic->version,
	                                 .nr_irqs = nr_irqs,
	                                 .nr_vcpus = nr_vcpus,
	                                 .count = n,
	                                 .regs = regs};
	return 0;
}

int kvmio_vgic_restore(const struct kvmio_vgic *gic, const struct kvmio_vcpu *const *vcpus,
                       unsigned int nr_vcpus, const struct kvmio_vgic_state *st)
{
	struct vgic_io io = {0};
	uint32_t nr_irqs = 0;
	size_t nk;
	int r;

	if (!gic_usable(gic) || !vcpus || !st || st->version != gic->version ||
	    st->nr_vcpus != nr_vcpus)
		return -EINVAL;
	r = vgic_nr_irqs(gic, &nr_irqs);
	if (r < 0)
		return r;
	if (kvmio_vgic_state_check(st, gic->version, nr_irqs, nr_vcpus, NULL, 0) < 0)
		return -EINVAL;
	const struct kind *kinds = kinds_of(gic->version, &nk);
	unsigned char *kind_of = malloc(st->count ? st->count : 1);
	if (!kind_of)
		return -ENOMEM;
	for (size_t i = 0; i < st->count; i++)
		kind_of[i] =
		    (unsigned char)classify(gic->version, nr_irqs, nr_vcpus, &st->regs[i], NULL, 0);
	r = io_open(&io, gic, vcpus, nr_vcpus);
	/* Kind by kind, in the table's order; records of one kind in the state's order. */
	for (size_t k = 0; k < nk && r == 0; k++)
		for (size_t i = 0; i < st->count && r == 0; i++)
			if (kind_of[i] == k)
				r = io_set(&io, &kinds[k], &st->regs[i]);
	io_close(&io);
	free(kind_of);
	return r;
}

int kvmio_vcpu_get_counter(const struct kvmio_vcpu *vcpu, uint64_t *cnt)
{
	if (!vcpu || !cnt)
		return -EINVAL;
	return kvmio_vcpu_get_reg(vcpu, KVM_REG_ARM_TIMER_CNT, cnt);
}

int kvmio_vcpu_set_counter(const struct kvmio_vcpu *vcpu, uint64_t cnt)
{
	if (!vcpu)
		return -EINVAL;
	return kvmio_vcpu_set_reg(vcpu, KVM_REG_ARM_TIMER_CNT, cnt);
}

uint64_t kvmio_arm_counter_frequency(void)
{
	uint64_t f;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	return f;
}

uint64_t kvmio_arm_host_counter(void)
{
	uint64_t c;
	/* The isb keeps the read from being taken before earlier instructions. */
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(c)::"memory");
	return c;
}
