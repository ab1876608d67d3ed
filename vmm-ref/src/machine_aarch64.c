/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The arm64 machine (layout_aarch64.h): an in-kernel vGIC (v3 or v2, whichever KVM
 * offers), interrupt lines as SPIs through KVM_IRQ_LINE, and the vCPUs' boot state.
 */
#include "machine.h"

#include "layout_aarch64.h"
#include "sandbox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
	    .snapshots = true,
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
	    .virtio_irq_edge = true,
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
	const struct kvmio_vgic_config gc = {.version = env->irqchip_version,
	                                     .dist_base = VMM_A64_GICD_BASE,
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
	if (ret < 0 && env->irqchip_version) {
		snprintf(err, err_size,
		         "the snapshot's VM has a GICv%u, which this host's KVM cannot create: %s",
		         env->irqchip_version, strerror(-ret));
		goto fail;
	}
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

void vmm_arch_wake_source(struct vmm_arch *a, enum vmm_wake_source source)
{
	/* PSCI SYSTEM_SUSPEND wakes in the kernel on any interrupt (the vcpu library). */
	(void)a, (void)source;
}

void vmm_arch_irq_replay(struct vmm_arch *a)
{
	vdev_pl061_irq_replay(a->gpio);
}

static int finish_gic(struct vmm_arch *a, char *err, size_t err_size);

/* Creates a vCPU and records its MPIDR: the device tree names each CPU by the MPIDR KVM
   gave it, not a guess. */
static int create_vcpu(struct vmm_arch *a, const struct vcpu_config *vc)
{
	struct vcpu *v;
	int ret = vcpu_create(a->env->vcpus, vc, &v);

	if (ret == 0)
		ret = kvmio_vcpu_get_reg(vcpu_kvm(v), KVMIO_ARM64_REG_MPIDR_EL1,
		                         &a->env->record.mpidr[vc->id]);
	return ret;
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
		ret = create_vcpu(a, &vc);
		if (ret < 0) {
			snprintf(err, err_size, "cannot create vCPU %u: %s", i, strerror(-ret));
			return ret;
		}
	}
	return finish_gic(a, err, err_size);
}

/* Once every vCPU exists: the vGIC's initialisation, and its frames in the record. */
static int finish_gic(struct vmm_arch *a, char *err, size_t err_size)
{
	struct vmm_machine_record *rec = &a->env->record;
	uint32_t n = a->env->cfg->vcpus;
	int ret;

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

/* ---------------------------------------------------------------------------------------
 * Snapshots
 *
 * Section CPUS (version 1): u32 vCPUs; for each, u8 1 when it is the one suspended in
 * SYSTEM_SUSPEND (then u64 entry, u64 context id, u8 flags: bit 0 SMC64, bit 1 AArch32,
 * bit 2 big-endian), 0 when it is off; then the guest's virtual counter, u64 value, u64
 * frequency (Hz), u64 CLOCK_REALTIME (ns) when it was read.
 * Section VGIC (version 1): u32 version, u32 interrupt lines, u32 vCPUs, u32 records,
 * then each record as u32 group, u32 width, u64 attr, u64 value (kvmio_vgic_save()).
 * Then the PL061's own section (vdev_pl061_save()).
 * ------------------------------------------------------------------------------------- */
#define TAG_CPUS VDEV_STATE_TAG('C', 'P', 'U', 'S')
#define TAG_VGIC VDEV_STATE_TAG('V', 'G', 'I', 'C')
#define CPU_SMC64 1u
#define CPU_AARCH32 2u
#define CPU_BIG_ENDIAN 4u
/* More records than any vGIC of VMM_VCPUS_MAX vCPUs and 1024 lines has. */
#define VGIC_RECORDS_MAX 65536u

static int64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* The vCPUs' KVM handles, by index. */
static int vcpu_handles(struct vmm_arch *a, const struct kvmio_vcpu **out, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct vcpu *v = vcpu_set_find(a->env->vcpus, i);
		if (!v)
			return -ENOENT;
		out[i] = vcpu_kvm(v);
	}
	return 0;
}

int vmm_arch_prepare_snapshot(struct vmm_arch *a)
{
	struct vcpu_set *set = a->env->vcpus;
	int suspended = 0;

	/* Every vCPU parks (the suspended one leaves the kernel's wait); if the guest woke
	   up on the way, it runs on. */
	int ret = vcpu_set_pause(set);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < vcpu_set_count(set); i++) {
		struct vcpu_suspend_state st;
		if (vcpu_get_suspend_state(vcpu_set_find(set, (uint32_t)i), &st) == 0)
			suspended++;
	}
	if (suspended != 1) {
		vcpu_set_resume(set);
		return -EAGAIN;
	}
	return 0;
}

int vmm_arch_save(struct vmm_arch *a, struct vdev_state_writer *w, char *err, size_t err_size)
{
	const struct kvmio_vcpu *kv[VMM_VCPUS_MAX];
	uint32_t n = a->env->cfg->vcpus, suspended = 0;
	struct kvmio_vgic_state gs = {0};
	uint64_t cnt = 0;
	int ret = vcpu_handles(a, kv, n);

	size_t mark = vdev_state_begin(w, TAG_CPUS, 1);
	vdev_state_put_u32(w, n);
	for (uint32_t i = 0; ret == 0 && i < n; i++) {
		struct vcpu_suspend_state st;
		if (vcpu_get_suspend_state(vcpu_set_find(a->env->vcpus, i), &st) < 0) {
			vdev_state_put_u8(w, 0);
			continue;
		}
		suspended++;
		vdev_state_put_u8(w, 1);
		vdev_state_put_u64(w, st.entry);
		vdev_state_put_u64(w, st.context_id);
		vdev_state_put_u8(w, (uint8_t)((st.smc64 ? CPU_SMC64 : 0) |
		                               (st.aarch32 ? CPU_AARCH32 : 0) |
		                               (st.big_endian ? CPU_BIG_ENDIAN : 0)));
	}
	if (ret == 0 && suspended != 1) {
		snprintf(err, err_size, "cannot save the vCPUs: %u of them are suspended, not 1",
		         suspended);
		return -EINVAL;
	}
	/* The counter and the wall clock together: a restore adds the time in between. */
	if (ret == 0)
		ret = kvmio_vcpu_get_counter(kv[0], &cnt);
	vdev_state_put_u64(w, cnt);
	vdev_state_put_u64(w, kvmio_arm_counter_frequency());
	vdev_state_put_u64(w, (uint64_t)realtime_ns());
	vdev_state_end(w, mark);
	if (ret < 0) {
		snprintf(err, err_size, "cannot read the vCPUs' state: %s", strerror(-ret));
		return ret;
	}

	ret = kvmio_vgic_save(&a->gic, kv, n, &gs);
	if (ret < 0) {
		snprintf(err, err_size, "cannot read the GICv%u's state: %s", a->gic.version,
		         strerror(-ret));
		return ret;
	}
	mark = vdev_state_begin(w, TAG_VGIC, 1);
	vdev_state_put_u32(w, gs.version);
	vdev_state_put_u32(w, gs.nr_irqs);
	vdev_state_put_u32(w, gs.nr_vcpus);
	vdev_state_put_u32(w, (uint32_t)gs.count);
	for (size_t i = 0; i < gs.count; i++) {
		vdev_state_put_u32(w, gs.regs[i].group);
		vdev_state_put_u32(w, gs.regs[i].width);
		vdev_state_put_u64(w, gs.regs[i].attr);
		vdev_state_put_u64(w, gs.regs[i].value);
	}
	vdev_state_end(w, mark);
	kvmio_vgic_state_free(&gs);

	ret = vdev_pl061_save(a->gpio, w);
	if (ret == 0 && w->error)
		ret = w->error;
	if (ret < 0)
		snprintf(err, err_size, "cannot save the machine's state: %s", strerror(-ret));
	return ret;
}

/* Reads the VGIC section into *gs (hostile input: checked before KVM sees it). */
static int read_vgic(struct vdev_state_reader *r, struct kvmio_vgic_state *gs)
{
	struct vdev_state_reader sub;
	uint32_t version;

	memset(gs, 0, sizeof(*gs));
	if (vdev_state_open(r, TAG_VGIC, 1, &version, &sub) < 0)
		return -EINVAL;
	gs->version = vdev_state_get_u32(&sub);
	gs->nr_irqs = vdev_state_get_u32(&sub);
	gs->nr_vcpus = vdev_state_get_u32(&sub);
	uint32_t count = vdev_state_get_u32(&sub);
	/* Each record takes 24 bytes: a count the section cannot hold is refused before
	   anything is allocated for it. */
	if (!sub.error &&
	    (count > VGIC_RECORDS_MAX || (size_t)count * 24 != vdev_state_remaining(&sub)))
		vdev_state_fail(&sub, "VGIC: %u records in %zu bytes", count,
		                vdev_state_remaining(&sub));
	if (!sub.error && count) {
		gs->regs = calloc(count, sizeof(*gs->regs));
		if (!gs->regs)
			vdev_state_fail(&sub, "VGIC: out of memory");
	}
	for (uint32_t i = 0; !sub.error && i < count; i++) {
		gs->regs[i].group = vdev_state_get_u32(&sub);
		gs->regs[i].width = vdev_state_get_u32(&sub);
		gs->regs[i].attr = vdev_state_get_u64(&sub);
		gs->regs[i].value = vdev_state_get_u64(&sub);
		gs->count = i + 1;
	}
	return vdev_state_close(r, &sub);
}

int vmm_arch_restore(struct vmm_arch *a, struct vdev_state_reader *r, char *err, size_t err_size)
{
	const struct kvmio_vcpu *kv[VMM_VCPUS_MAX];
	uint32_t n = a->env->cfg->vcpus, version;
	struct vdev_state_reader sub;
	struct vcpu_suspend_state susp = {0};
	uint32_t suspended_index = UINT32_MAX;
	int ret;

	/* Which vCPU is suspended, and where it resumes. */
	if (vdev_state_open(r, TAG_CPUS, 1, &version, &sub) < 0)
		goto bad;
	if (vdev_state_get_u32(&sub) != n && !sub.error)
		vdev_state_fail(&sub, "CPUS: the vCPU count differs from the configuration's");
	for (uint32_t i = 0; i < n && !sub.error; i++) {
		uint8_t on = vdev_state_get_u8(&sub);
		if (on == 0)
			continue;
		if (on != 1 || suspended_index != UINT32_MAX) {
			vdev_state_fail(&sub,
			                "CPUS: vCPU %u: state %u (one vCPU is suspended, the "
			                "others are off)",
			                i, on);
			break;
		}
		suspended_index = i;
		susp.entry = vdev_state_get_u64(&sub);
		susp.context_id = vdev_state_get_u64(&sub);
		uint8_t flags = vdev_state_get_u8(&sub);
		if (flags & ~(CPU_SMC64 | CPU_AARCH32 | CPU_BIG_ENDIAN))
			vdev_state_fail(&sub, "CPUS: vCPU %u: flags %#x", i, flags);
		susp.smc64 = flags & CPU_SMC64;
		susp.aarch32 = flags & CPU_AARCH32;
		susp.big_endian = flags & CPU_BIG_ENDIAN;
	}
	if (!sub.error && suspended_index == UINT32_MAX)
		vdev_state_fail(&sub, "CPUS: no vCPU is suspended");
	uint64_t cnt = vdev_state_get_u64(&sub), freq = vdev_state_get_u64(&sub);
	int64_t saved_at = (int64_t)vdev_state_get_u64(&sub);
	if (!sub.error && freq != kvmio_arm_counter_frequency())
		vdev_state_fail(&sub,
		                "CPUS: the guest's counter ran at %llu Hz, this host's runs at "
		                "%llu Hz",
		                (unsigned long long)freq,
		                (unsigned long long)kvmio_arm_counter_frequency());
	if (vdev_state_close(r, &sub) < 0)
		goto bad;

	/* The vCPUs as the snapshot left them: one inside its SYSTEM_SUSPEND (the vcpu
	   library checks its entry point as it checks a guest's call), the others off. */
	for (uint32_t i = 0; i < n; i++) {
		struct vcpu_config vc = {
		    .id = i,
		    .powered_off = i != suspended_index,
		    .suspended = i == suspended_index ? &susp : NULL,
		};
		ret = create_vcpu(a, &vc);
		if (ret < 0) {
			snprintf(err, err_size, "cannot create vCPU %u%s: %s", i,
			         i == suspended_index ? " inside its SYSTEM_SUSPEND" : "",
			         strerror(-ret));
			return ret;
		}
	}
	ret = finish_gic(a, err, err_size);
	if (ret < 0)
		return ret;

	/* The interrupt controller, as it was. */
	struct kvmio_vgic_state gs;
	char why[160];
	if (read_vgic(r, &gs) < 0) {
		kvmio_vgic_state_free(&gs);
		goto bad;
	}
	ret = kvmio_vgic_state_check(&gs, a->gic.version, VMM_A64_GIC_NR_IRQS, n, why, sizeof(why));
	if (ret == 0)
		ret = vcpu_handles(a, kv, n);
	if (ret == 0)
		ret = kvmio_vgic_restore(&a->gic, kv, n, &gs);
	kvmio_vgic_state_free(&gs);
	if (ret < 0) {
		snprintf(err, err_size, "VGIC: %s", ret == -EINVAL ? why : strerror(-ret));
		return ret;
	}

	/* The counter goes on from where it stopped, plus the time the VM spent on disk,
	   as the system counter runs on through a real suspend: the guest's clocks account
	   for the sleep as they do after one, and it never goes backwards. */
	int64_t away = realtime_ns() - saved_at;
	if (away < 0)
		away = 0;
	uint64_t ticks = (uint64_t)((__int128)away * freq / 1000000000);
	const char *how = "VM counter offset";
	/* Where the host has it (Linux 6.4), one VM-wide offset from the host's counter sets
	   every vCPU's counter at once; else each vCPU's counter register (Linux 6.1). */
	ret = kvmio_vm_arm_set_counter_offset(a->env->vm, kvmio_arm_host_counter() - (cnt + ticks));
	if (ret == -EOPNOTSUPP) {
		how = "vCPU counter registers";
		ret = 0;
		for (uint32_t i = 0; i < n && ret == 0; i++)
			ret = kvmio_vcpu_set_counter(kv[i], cnt + ticks);
	}
	if (ret < 0) {
		snprintf(err, err_size, "cannot set the guest's counter: %s", strerror(-ret));
		return ret;
	}
	vmm_machine_log(a->env, VMM_LOG_INFO,
	                "vCPU %u suspended (entry %#llx, context %#llx); %lld ms on disk, "
	                "counter set through the %s",
	                suspended_index, (unsigned long long)susp.entry,
	                (unsigned long long)susp.context_id, (long long)(away / 1000000), how);

	if (vdev_pl061_restore(a->gpio, r) < 0)
		goto bad;
	return 0;
bad:
	snprintf(err, err_size, "%s", r->error ? vdev_state_why(r) : "malformed machine state");
	return -EINVAL;
}

int vmm_arch_sandbox_fds(struct vmm_arch *a)
{
	return vmm_sandbox_add_fd(VMM_FD_VGIC, a->gic.fd);
}

int vmm_arch_set_irq(struct vmm_arch *a, uint32_t line, bool level)
{
	if (line >= VMM_A64_GIC_NR_IRQS - 32)
		return -EINVAL;
	return kvmio_vm_irq_line(a->env->vm, KVMIO_ARM_IRQ_SPI(line), level ? 1 : 0);
}

int vmm_arch_line_gsi(struct vmm_arch *a, uint32_t line, uint32_t *gsi)
{
	(void)a;
	if (line >= VMM_A64_GIC_NR_IRQS - 32)
		return -EINVAL;
	*gsi = line; /* KVM's default routing: GSI n is SPI n (interrupt ID 32 + n) */
	return 0;
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
