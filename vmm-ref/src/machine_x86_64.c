/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x86_64 machine (layout_x86_64.h): KVM's in-kernel PIC, IOAPIC, LAPIC and PIT, the
 * 16550 on COM1 and the CMOS RTC (machine.c creates them from the description), the
 * i8042 (reset), the ACPI PM1 registers
 * (power-off), and the boot vCPU in the 64-bit boot protocol's state (or, for an ELF with
 * the PVH note, in the PVH entry state). The guest learns of its CPUs and the IOAPIC from
 * the ACPI MADT (boot_x86_64.c) and starts the other vCPUs itself with INIT/SIPI: KVM
 * holds every vCPU but 0 waiting for them.
 */
#include "machine.h"

#include "entry_x86_64.h"
#include "layout_x86_64.h"
#include "state_x86_64.h"
#include <cvmm/linux_loader.h>
#include <cvmm/linux_loader_pvh.h>
#include <cvmm/linux_loader_x86.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* KVM's default addresses for the VMX real-mode TSS and identity page (unused on AMD,
   required before the first vCPU runs on Intel), in the MMIO gap under 4 GiB. */
#define TSS_ADDR 0xfffbd000ull
#define IDENTITY_MAP_ADDR 0xfffbc000ull

struct vmm_arch {
	struct vmm_machine_env *env;
	struct vdev_i8042 *i8042;
	struct vdev_acpi_pm *pm; /* the ACPI PM1 registers; the SCI on VMM_X86_SCI_IRQ */
	/* Lines share IRQs (layout_x86_64.h): an IRQ is high while any of its lines is. */
	pthread_mutex_t irq_lock;
	uint32_t line_levels; /* bit n: line n asserted */
	bool locks_ready;
	/* In ACPI S3: the vCPUs are paused (once by the vCPU that asked, acpi_sleep()) until a
	   wake event (wake_up(), on the loop's thread). */
	atomic_bool asleep;
	/* The sleep goes to disk (--suspend snapshot:DIR): no wake event ends it here. */
	atomic_bool to_disk;
};

void vmm_arch_describe(struct vmm_arch_desc *d)
{
	*d = (struct vmm_arch_desc){
	    .uart_on_pio = true,
	    .uart_base = VMM_X86_COM1_PORT,
	    .uart_shift = 0,
	    .uart_irq = VMM_X86_COM1_IRQ,
	    .snapshots = true,
	    .rtc = VMM_RTC_CMOS,
	    .rtc_base = VMM_X86_CMOS_PORT,
	    .rtc_irq = VDEV_CMOS_ISA_IRQ,
	    .virtio_base = VMM_X86_VIRTIO_BASE,
	    .virtio_stride = VMM_X86_VIRTIO_STRIDE,
	    .virtio_irq = VMM_X86_VIRTIO_LINE,
	    .virtio_slots = VMM_X86_VIRTIO_SLOTS,
	};
}

unsigned long vmm_arch_vm_type(const struct vmm_machine_env *env)
{
	(void)env;
	return 0;
}

int vmm_arch_create(struct vmm_machine_env *env, struct vmm_arch **out, char *err, size_t err_size)
{
	struct vmm_arch *a = calloc(1, sizeof(*a));
	int ret;

	*out = NULL;
	if (!a) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	a->env = env;
	pthread_mutex_init(&a->irq_lock, NULL);
	a->locks_ready = true;

	ret = kvmio_vm_set_tss_addr(env->vm, TSS_ADDR);
	if (ret == 0)
		ret = kvmio_vm_set_identity_map_addr(env->vm, IDENTITY_MAP_ADDR);
	if (ret < 0) {
		snprintf(err, err_size, "cannot set KVM's TSS or identity map address: %s",
		         strerror(-ret));
		goto fail;
	}
	/* PIC, IOAPIC and LAPICs in the kernel: a hlt waits there, and KVM_IRQ_LINE takes
	   the GSI (ISA IRQ) numbers the guest sees. */
	ret = kvmio_vm_create_irqchip(env->vm);
	if (ret < 0) {
		snprintf(err, err_size, "cannot create KVM's in-kernel irqchip: %s",
		         strerror(-ret));
		goto fail;
	}
	/* The PIT drives IRQ 0; port 0x61's speaker bits are a dummy. Ticks the guest
	   missed are not made up: Linux keeps time with the TSC or kvmclock, and
	   reinjection is what KVM's documentation advises against (in a fresh-clone run
	   the emulated host's kvm-pit thread locked up a CPU for 100 s in reinject mode:
	   docs/KVM-FACTS.md). */
	ret = kvmio_vm_create_pit2(env->vm, KVM_PIT_SPEAKER_DUMMY);
	if (ret == 0)
		ret = kvmio_vm_set_pit_reinject(env->vm, false);
	if (ret < 0) {
		snprintf(err, err_size, "cannot create KVM's in-kernel PIT: %s", strerror(-ret));
		goto fail;
	}
	vmm_machine_log(env, VMM_LOG_INFO, "in-kernel PIC, IOAPIC, LAPIC and PIT");
	*out = a;
	return 0;
fail:
	vmm_arch_destroy(a);
	return ret;
}

/* ---- Interrupt lines ---- */

int vmm_arch_set_irq(struct vmm_arch *a, uint32_t line, bool level)
{
	uint32_t irq, high = 0;
	int ret;

	if (line >= VMM_X86_VIRTIO_LINE + VMM_X86_VIRTIO_SLOTS || line >= 32)
		return -EINVAL;
	irq = vmm_x86_line_irq(line);
	pthread_mutex_lock(&a->irq_lock);
	if (level)
		a->line_levels |= 1u << line;
	else
		a->line_levels &= ~(1u << line);
	for (uint32_t l = 0; l < VMM_X86_VIRTIO_LINE + VMM_X86_VIRTIO_SLOTS; l++)
		if ((a->line_levels >> l & 1) && vmm_x86_line_irq(l) == irq)
			high = 1;
	/* Under the lock, so that two lines of one IRQ cannot reorder their updates. */
	ret = kvmio_vm_irq_line(a->env->vm, irq, high);
	pthread_mutex_unlock(&a->irq_lock);
	return ret;
}

int vmm_arch_line_gsi(struct vmm_arch *a, uint32_t line, uint32_t *gsi)
{
	(void)a;
	if (line >= VMM_X86_VIRTIO_LINE + VMM_X86_VIRTIO_SLOTS || line >= 32)
		return -EINVAL;
	*gsi = vmm_x86_line_irq(line); /* KVM's default routing: GSI n is PIC and IOAPIC pin n */
	return 0;
}

static int set_isa_irq(void *ctx, uint32_t line, bool level)
{
	return vmm_arch_set_irq(ctx, line, level);
}

static int isa_assert(void *ctx, uint32_t line)
{
	return set_isa_irq(ctx, line, true);
}

static int isa_deassert(void *ctx, uint32_t line)
{
	return set_isa_irq(ctx, line, false);
}

/* ---- i8042 reset and ACPI power-off ---- */

/* Ends the VM with status, and stops the vCPUs at once: a guest that asked for a reset
   or a power-off goes on running until then (Linux falls back to a triple fault, which
   KVM reports as a shutdown). */
static void end_vm(struct vmm_arch *a, int status, const char *why)
{
	vmm_machine_log(a->env, VMM_LOG_INFO, "%s", why);
	vmm_machine_request_exit(a->env, status, status == VMM_EXIT_RESET ? "RESET" : "SHUTDOWN",
	                         NULL);
	if (a->env->vcpus)
		vcpu_set_stop(a->env->vcpus);
}

static void i8042_reset(void *ctx)
{
	end_vm(ctx, VMM_EXIT_RESET, "i8042 reset");
}

/*
 * The guest's sleep request: \_S5 is the power-off; \_S3 (offered under --suspend
 * honour) is suspend to RAM. For S3 the vCPU that wrote SLP_EN pauses every vCPU (itself
 * once its handler returns: no vCPU runs and none spends host CPU); guest RAM and the
 * devices stay as they are, and the loop waits for a wake event (vmm_arch_wake_source()).
 */
static void acpi_sleep(void *ctx, unsigned int slp_typ)
{
	struct vmm_arch *a = ctx;

	if (slp_typ == LL_X86_ACPI_S5_TYP)
		end_vm(a, VMM_EXIT_POWEROFF, "ACPI power-off (S5)");
	else if (slp_typ == LL_X86_ACPI_S3_TYP && a->env->record.sleep_to_ram) {
		/* A second vCPU writing S3 at the same time is paused by the first. */
		if (atomic_exchange(&a->asleep, true))
			return;
		/* --suspend snapshot:DIR: the VM goes to disk (write_snapshot()) instead of
		   waiting here for a wake event; one pending already wakes the restored VM. */
		bool to_disk = a->env->cfg->suspend == VMM_SUSPEND_SNAPSHOT;
		atomic_store(&a->to_disk, to_disk);
		vcpu_set_pause(a->env->vcpus);
		vmm_machine_slept(a->env, "ACPI S3");
		if (to_disk)
			vmm_machine_request_exit(a->env, VMM_EXIT_SNAPSHOT, NULL, NULL);
	} else
		vmm_machine_log(a->env, VMM_LOG_WARN,
		                "the guest asked for ACPI sleep type %u, which this machine does "
		                "not offer: ignored",
		                slp_typ);
}

/*
 * The firmware's part of an S3 resume, on the loop's thread: the boot vCPU starts in real
 * mode at the FACS's Firmware_Waking_Vector, as after a reset; the others wait for the
 * guest's INIT and SIPI; PM1 WAK_STS is set (the event's own status bit, RTC_STS or
 * PWRBTN_STS, stays set too: the guest reads why it woke). The in-kernel LAPICs, IOAPIC,
 * PIC and PIT keep their state: Linux reprograms them on resume (docs/KVM-FACTS.md).
 */
static void wake_up(struct vmm_arch *a, const char *why)
{
	struct vmm_machine_env *env = a->env;
	uint8_t facs[LL_X86_FACS_X_WAKING_VECTOR + 8];
	uint32_t vector;
	uint64_t x_vector;
	int ret;

	/* Waits until the vCPU that asked for S3 has parked too. */
	vcpu_set_pause(env->vcpus);
	ret = vmem_read(env->mem, VMM_X86_ACPI + LL_X86_ACPI_FACS_OFFSET, facs, sizeof(facs));
	if (ret < 0) {
		vmm_machine_log(env, VMM_LOG_ERROR, "cannot read the FACS: %s", strerror(-ret));
		vmm_machine_request_exit(env, VMM_EXIT_RUNTIME, NULL, NULL);
		vcpu_set_stop(env->vcpus);
		vcpu_set_resume(env->vcpus);
		return;
	}
	vector = ll_le32(facs + LL_X86_FACS_WAKING_VECTOR);
	x_vector = ll_le64(facs + LL_X86_FACS_X_WAKING_VECTOR);
	if (x_vector)
		vmm_machine_log(env, VMM_LOG_WARN,
		                "the guest set X_Firmware_Waking_Vector %#llx, which this machine "
		                "does not use: resuming at Firmware_Waking_Vector %#x",
		                (unsigned long long)x_vector, vector);
	if (vector == 0 || vector >= (1u << 20)) {
		/* Firmware with no usable waking vector boots afresh: a reset. */
		vmm_machine_log(env, VMM_LOG_WARN, "S3 wake-up: waking vector %#x unusable",
		                vector);
		end_vm(a, VMM_EXIT_RESET, "S3 wake-up without a usable waking vector: reset");
		vcpu_set_resume(env->vcpus);
		return;
	}
	for (size_t i = 0; i < vcpu_set_count(env->vcpus); i++) {
		struct vcpu *v = vcpu_set_find(env->vcpus, (uint32_t)i);
		ret = v ? vcpu_x86_sleep_reset(v, i == 0, vector) : -ENOENT;
		if (ret < 0) {
			vmm_machine_log(env, VMM_LOG_ERROR, "S3 wake-up: cannot reset vCPU %zu: %s",
			                i, strerror(-ret));
			vmm_machine_request_exit(env, VMM_EXIT_RUNTIME, NULL, NULL);
			vcpu_set_stop(env->vcpus);
			vcpu_set_resume(env->vcpus);
			return;
		}
	}
	vdev_acpi_pm_woke(a->pm);
	atomic_store(&a->asleep, false);
	vmm_machine_log(env, VMM_LOG_INFO, "S3 wake-up (%s): boot vCPU at %04x:%04x", why,
	                vector >> 4, vector & 0xf);
	vmm_machine_woke(env, why);
	/* This pause, then acpi_sleep()'s. */
	vcpu_set_resume(env->vcpus);
	vcpu_set_resume(env->vcpus);
}

void vmm_arch_wake_source(struct vmm_arch *a, enum vmm_wake_source source)
{
	/* The chipset sets RTC_STS whenever the alarm goes off, asleep or not; with RTC_EN
	   set it raises the SCI, or wakes the machine. The power button always wakes. */
	if (source == VMM_WAKE_RTC_ALARM)
		vdev_acpi_pm_event(a->pm, VDEV_ACPI_PM1_RTC);
	if (!atomic_load(&a->asleep) || atomic_load(&a->to_disk))
		return;
	/* Console input wakes as on arm64 (a UART interrupt there): no PM1 status bit names
	   it, WAK_STS alone is set. */
	if (source == VMM_WAKE_CONSOLE)
		wake_up(a, "console input");
	else if (vdev_acpi_pm_wake_pending(a->pm) == 1)
		wake_up(a, source == VMM_WAKE_RTC_ALARM ? "RTC alarm" : "wake event pending");
}

int vmm_arch_add_devices(struct vmm_arch *a, char *err, size_t err_size)
{
	struct vmm_machine_env *env = a->env;
	const struct vdev_i8042_config ic = {
	    .kbd_irq = {.assert_line = isa_assert,
	                .deassert_line = isa_deassert,
	                .ctx = a,
	                .line = 1},
	    .aux_irq = {.assert_line = isa_assert,
	                .deassert_line = isa_deassert,
	                .ctx = a,
	                .line = 12},
	    .reset = i8042_reset,
	    .reset_ctx = a,
	};
	int ret = vdev_i8042_create(&ic, &a->i8042);

	/* 0x60 and 0x64 alone: 0x61 belongs to KVM's PIT. */
	if (ret == 0)
		ret = vdev_bus_insert(env->pio, VDEV_I8042_BASE, 1, vdev_i8042_ops(), a->i8042);
	if (ret == 0)
		ret = vdev_bus_insert(env->pio, VDEV_I8042_BASE + 4, 1, vdev_i8042_cmd_ops(),
		                      a->i8042);
	/* The PM1 event block and, 4 bytes on, the control block: one register file. */
	const struct vdev_acpi_pm_config pc = {
	    .sci = {.assert_line = isa_assert,
	            .deassert_line = isa_deassert,
	            .ctx = a,
	            .line = VMM_X86_SCI_IRQ},
	    .sleep = acpi_sleep,
	    .ctx = a,
	};
	if (ret == 0)
		ret = vdev_acpi_pm_create(&pc, &a->pm);
	if (ret == 0)
		ret = vdev_bus_insert(env->pio, VMM_X86_PM1_EVT_PORT, VDEV_ACPI_PM_SIZE,
		                      vdev_acpi_pm_ops(), a->pm);
	if (ret < 0)
		snprintf(err, err_size, "cannot add the i8042 or ACPI PM devices: %s",
		         strerror(-ret));
	return ret;
}

int vmm_arch_create_vcpus(struct vmm_arch *a, const struct vmm_boot_info *boot, char *err,
                          size_t err_size)
{
	uint32_t n = a->env->cfg->vcpus;

	if (boot->has_pvh)
		vmm_machine_log(a->env, VMM_LOG_INFO, "PVH entry %#x, start info at %#llx",
		                boot->pvh_entry, (unsigned long long)boot->boot_data_addr);
	for (uint32_t i = 0; i < n; i++) {
		/* boot.rst: 64-bit mode, the kernel's range identity-mapped, rsi = the zero
		   page; or the PVH state. KVM keeps vCPUs other than 0 waiting for INIT/SIPI
		   whatever their registers say. */
		struct vcpu_config vc =
		    boot->has_pvh
			? vmm_x86_pvh_entry_config(i, boot->pvh_entry, boot->boot_data_addr)
			: vmm_x86_long_entry_config(i, boot->kernel.entry, boot->boot_data_addr);
		struct vcpu *v;
		int ret = vcpu_create(a->env->vcpus, &vc, &v);

		if (ret < 0) {
			snprintf(err, err_size, "cannot create vCPU %u: %s", i, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* Both keys are ACPI's fixed-feature power button (the FADT does not set PWR_BUTTON): a
   press sets PWRBTN_STS, which raises the SCI when the guest enabled it, and wakes the
   machine from S3 (enabled or not, as on PC chipsets) (on the loop's thread: the control socket's
   powerdown and wake). The wake-up key presses it only while the guest sleeps, so that
   it never asks a running guest to power off. The release has no register. */
int vmm_arch_key(struct vmm_arch *a, enum vmm_key key, bool down)
{
	int ret;

	if (key != VMM_KEY_POWER && key != VMM_KEY_WAKEUP)
		return -ENOTSUP;
	if (!down)
		return 0;
	if (key == VMM_KEY_WAKEUP && !atomic_load(&a->asleep))
		return -EAGAIN;
	ret = vdev_acpi_pm_event(a->pm, VDEV_ACPI_PM1_PWRBTN);
	if (ret == 0 && atomic_load(&a->asleep) && vdev_acpi_pm_wake_pending(a->pm) == 1)
		wake_up(a, "power button");
	return ret;
}

void vmm_arch_irq_replay(struct vmm_arch *a)
{
	(void)a; /* the replay is for the arm64 vGIC across a guest suspend; x86 has none */
}

void vmm_arch_destroy(struct vmm_arch *a)
{
	if (!a)
		return;
	vdev_i8042_destroy(a->i8042);
	vdev_acpi_pm_destroy(a->pm);
	if (a->locks_ready)
		pthread_mutex_destroy(&a->irq_lock);
	free(a);
}

/* ---- Snapshots: the guest's ACPI S3 written to disk (--suspend snapshot:DIR) ----

   In S3 the CPUs' state is lost by definition: the guest saved what it needs in RAM and
   resumes at the FACS's waking vector in real mode, as wake_up() starts it. So a snapshot
   holds no vCPU registers, only what outlives the sleep on a PC: the guest's clocks (TSC
   and kvmclock, which run on through an in-process S3 too), KVM's PIC, IOAPIC and PIT,
   and the i8042 and PM1 registers. A restored VM is in S3 from its start: its vCPUs wait
   paused for a wake event, which wake_up() serves as after an in-process sleep. */

#define X86_MSR_TSC 0x10u

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The boot vCPU's TSC and its rate, read while the vCPUs are stopped. */
static int read_tsc(struct vcpu *v, uint64_t *tsc, uint32_t *khz)
{
	struct kvm_msr_entry e = {.index = X86_MSR_TSC};
	int ret = kvmio_vcpu_get_tsc_khz(vcpu_kvm(v));

	if (ret <= 0)
		return ret < 0 ? ret : -EIO;
	*khz = (uint32_t)ret;
	ret = kvmio_vcpu_get_msrs(vcpu_kvm(v), &e, 1);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	*tsc = e.data;
	return 0;
}

int vmm_arch_prepare_snapshot(struct vmm_arch *a)
{
	/* The vCPUs are paused already; from now on no wake event ends the sleep. */
	if (!atomic_load(&a->asleep))
		return -EAGAIN;
	atomic_store(&a->to_disk, true);
	return 0;
}

int vmm_arch_save(struct vmm_arch *a, struct vdev_state_writer *w, char *err, size_t err_size)
{
	struct vmm_machine_env *env = a->env;
	struct kvm_irqchip chips[3] = {{.chip_id = KVM_IRQCHIP_PIC_MASTER},
	                               {.chip_id = KVM_IRQCHIP_PIC_SLAVE},
	                               {.chip_id = KVM_IRQCHIP_IOAPIC}};
	struct vmm_x86_machine_state st = {.vcpus = env->cfg->vcpus};
	struct kvm_clock_data clock = {0};
	struct vcpu *boot = vcpu_set_find(env->vcpus, 0);
	int ret = 0;

	if (!atomic_load(&a->asleep)) {
		snprintf(err, err_size, "cannot save the machine: the guest is not in ACPI S3");
		return -EINVAL;
	}
	ret = boot ? read_tsc(boot, &st.tsc, &st.tsc_khz) : -ENOENT;
	if (ret < 0) {
		snprintf(err, err_size, "cannot read the guest's TSC: %s", strerror(-ret));
		return ret;
	}
	for (int i = 0; ret == 0 && i < 3; i++)
		ret = kvmio_vm_get_irqchip(env->vm, &chips[i]);
	if (ret == 0)
		ret = kvmio_vm_get_pit2(env->vm, &st.pit);
	if (ret == 0)
		ret = kvmio_vm_get_clock(env->vm, &clock);
	if (ret < 0) {
		snprintf(err, err_size, "cannot read KVM's PIC, IOAPIC, PIT or clock: %s",
		         strerror(-ret));
		return ret;
	}
	/* The clocks and the wall clock together: a restore adds the time in between. */
	st.kvmclock = clock.clock;
	st.saved_at_ns = realtime_ns();
	st.pic[0] = chips[0].chip.pic;
	st.pic[1] = chips[1].chip.pic;
	st.ioapic = chips[2].chip.ioapic;
	vmm_x86_state_put(w, &st);
	ret = vdev_i8042_save(a->i8042, w);
	if (ret == 0)
		ret = vdev_acpi_pm_save(a->pm, w);
	if (ret == 0 && w->error)
		ret = w->error;
	if (ret < 0)
		snprintf(err, err_size, "cannot save the machine's state: %s", strerror(-ret));
	return ret;
}

int vmm_arch_restore(struct vmm_arch *a, struct vdev_state_reader *r, char *err, size_t err_size)
{
	struct vmm_machine_env *env = a->env;
	struct vmm_x86_machine_state st;
	uint32_t n = env->cfg->vcpus;
	int ret;

	if (vmm_x86_state_get(r, n, &st) < 0)
		goto bad;
	struct kvm_irqchip chips[3] = {{.chip_id = KVM_IRQCHIP_PIC_MASTER, .chip.pic = st.pic[0]},
	                               {.chip_id = KVM_IRQCHIP_PIC_SLAVE, .chip.pic = st.pic[1]},
	                               {.chip_id = KVM_IRQCHIP_IOAPIC, .chip.ioapic = st.ioapic}};

	/* The vCPUs as S3 leaves them: their state is made at the wake-up (wake_up()). */
	for (uint32_t i = 0; i < n; i++) {
		struct vcpu_config vc = {.id = i, .mode = VCPU_X86_REAL};
		struct vcpu *v;
		ret = vcpu_create(env->vcpus, &vc, &v);
		if (ret < 0) {
			snprintf(err, err_size, "cannot create vCPU %u: %s", i, strerror(-ret));
			return ret;
		}
	}
	/* The TSC and kvmclock go on from where they stopped, plus the time the VM spent
	   on disk, as they run on through an in-process S3: the guest's clocks account for
	   the sleep as they do after one, and neither goes backwards. The TSC's rate must be
	   the one the guest calibrated against. */
	int64_t away = realtime_ns() - st.saved_at_ns;
	if (away < 0)
		away = 0;
	struct kvm_msr_entry e = {.index = X86_MSR_TSC,
	                          .data =
	                              st.tsc + (uint64_t)((__int128)away * st.tsc_khz / 1000000)};
	for (uint32_t i = 0; i < n; i++) {
		const struct kvmio_vcpu *kv = vcpu_kvm(vcpu_set_find(env->vcpus, i));
		int here = kvmio_vcpu_get_tsc_khz(kv);
		if (here > 0 && (uint32_t)here != st.tsc_khz &&
		    kvmio_vcpu_set_tsc_khz(kv, st.tsc_khz) < 0) {
			snprintf(
			    err, err_size,
			    "the guest's TSC ran at %u kHz, this host's runs at %d kHz and KVM "
			    "cannot scale it",
			    st.tsc_khz, here);
			return -EINVAL;
		}
		ret = kvmio_vcpu_set_msrs(kv, &e, 1);
		if (ret != 1) {
			snprintf(err, err_size, "cannot set vCPU %u's TSC: %s", i,
			         strerror(ret < 0 ? -ret : EIO));
			return ret < 0 ? ret : -EIO;
		}
	}
	struct kvm_clock_data clock = {.clock = st.kvmclock + (uint64_t)away};
	ret = 0;
	for (int i = 0; ret == 0 && i < 3; i++)
		ret = kvmio_vm_set_irqchip(env->vm, &chips[i]);
	if (ret == 0)
		ret = kvmio_vm_set_pit2(env->vm, &st.pit);
	if (ret == 0)
		ret = kvmio_vm_set_clock(env->vm, &clock);
	if (ret < 0) {
		snprintf(err, err_size, "cannot set KVM's PIC, IOAPIC, PIT or clock: %s",
		         strerror(-ret));
		return ret;
	}
	if (vdev_i8042_restore(a->i8042, r) < 0 || vdev_acpi_pm_restore(a->pm, r) < 0)
		goto bad;
	/* In S3, as acpi_sleep() leaves the machine: the vCPUs park as they start. */
	atomic_store(&a->asleep, true);
	ret = vcpu_set_pause(env->vcpus);
	if (ret < 0) {
		snprintf(err, err_size, "cannot pause the vCPUs: %s", strerror(-ret));
		return ret;
	}
	vmm_machine_log(env, VMM_LOG_INFO,
	                "in ACPI S3; %lld ms on disk, TSC (%u kHz) and kvmclock advanced by it",
	                (long long)(away / 1000000), st.tsc_khz);
	return 0;
bad:
	snprintf(err, err_size, "%s", r->error ? vdev_state_why(r) : "malformed machine state");
	return -EINVAL;
}

int vmm_arch_sandbox_fds(struct vmm_arch *a)
{
	(void)a;
	return 0;
}
