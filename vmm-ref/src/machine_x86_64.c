// SPDX-License-Identifier: Apache-2.0
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

#include "layout_x86_64.h"
#include <cvmm/linux_loader_pvh.h>
#include <cvmm/linux_loader_x86.h>

#include <errno.h>
#include <pthread.h>
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
	/* Lines share IRQs (layout_x86_64.h): an IRQ is high while any of its lines is. */
	pthread_mutex_t irq_lock;
	uint32_t line_levels; /* bit n: line n asserted */
	/* ACPI PM1 status, enable and control registers. */
	pthread_mutex_t pm_lock;
	uint16_t pm1_sts, pm1_en, pm1_cnt;
	bool locks_ready;
};

void vmm_arch_describe(struct vmm_arch_desc *d)
{
	*d = (struct vmm_arch_desc){
	    .uart_on_pio = true,
	    .uart_base = VMM_X86_COM1_PORT,
	    .uart_shift = 0,
	    .uart_irq = VMM_X86_COM1_IRQ,
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
	pthread_mutex_init(&a->pm_lock, NULL);
	a->locks_ready = true;
	a->pm1_cnt = LL_X86_PM1_SCI_EN;

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
	/* The PIT drives IRQ 0; port 0x61's speaker bits are a dummy. */
	ret = kvmio_vm_create_pit2(env->vm, KVM_PIT_SPEAKER_DUMMY);
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

void vmm_arch_boot_request(struct vmm_arch *a, struct vmm_boot_request *req)
{
	(void)a, (void)req; /* nothing beyond the neutral fields */
}

/* ---- Interrupt lines ---- */

static uint32_t line_irq(uint32_t line)
{
	return line < VMM_X86_VIRTIO_LINE ? line : vmm_x86_virtio_irq(line - VMM_X86_VIRTIO_LINE);
}

int vmm_arch_set_irq(struct vmm_arch *a, uint32_t line, bool level)
{
	uint32_t irq, high = 0;
	int ret;

	if (line >= VMM_X86_VIRTIO_LINE + VMM_X86_VIRTIO_SLOTS || line >= 32)
		return -EINVAL;
	irq = line_irq(line);
	pthread_mutex_lock(&a->irq_lock);
	if (level)
		a->line_levels |= 1u << line;
	else
		a->line_levels &= ~(1u << line);
	for (uint32_t l = 0; l < VMM_X86_VIRTIO_LINE + VMM_X86_VIRTIO_SLOTS; l++)
		if ((a->line_levels >> l & 1) && line_irq(l) == irq)
			high = 1;
	/* Under the lock, so that two lines of one IRQ cannot reorder their updates. */
	ret = kvmio_vm_irq_line(a->env->vm, irq, high);
	pthread_mutex_unlock(&a->irq_lock);
	return ret;
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
	vmm_machine_request_exit(a->env, status);
	if (a->env->vcpus)
		vcpu_set_stop(a->env->vcpus);
}

static void i8042_reset(void *ctx)
{
	end_vm(ctx, VMM_EXIT_RESET, "i8042 reset");
}

/* The PM1 event block (status then enable, 2 bytes each) and control block, as one
   register file: offsets 0-3 at VMM_X86_PM1_EVT_PORT, 4-5 at VMM_X86_PM1_CNT_PORT. */
static uint8_t pm_byte(const struct vmm_arch *a, uint64_t off)
{
	uint16_t r = off < 2 ? a->pm1_sts : off < 4 ? a->pm1_en : a->pm1_cnt;
	return (uint8_t)(r >> (8 * (off & 1)));
}

static int pm_read(void *ctx, uint64_t offset, uint8_t *data, uint32_t size)
{
	struct vmm_arch *a = ctx;

	pthread_mutex_lock(&a->pm_lock);
	for (uint32_t i = 0; i < size; i++)
		data[i] = offset + i < 6 ? pm_byte(a, offset + i) : 0;
	pthread_mutex_unlock(&a->pm_lock);
	return 0;
}

static int pm_write(void *ctx, uint64_t offset, const uint8_t *data, uint32_t size)
{
	struct vmm_arch *a = ctx;
	bool off = false;

	pthread_mutex_lock(&a->pm_lock);
	for (uint32_t i = 0; i < size; i++) {
		uint64_t o = offset + i;
		uint16_t v = (uint16_t)(data[i] << (8 * (o & 1))),
			 m = (uint16_t)(0xff << (8 * (o & 1)));
		if (o < 2)
			a->pm1_sts &= (uint16_t)~v; /* write one to clear */
		else if (o < 4)
			a->pm1_en = (uint16_t)((a->pm1_en & ~m) | v);
		else if (o < 6)
			a->pm1_cnt = (uint16_t)((a->pm1_cnt & ~m) | v);
	}
	/* SLP_EN with the \_S5 type from the DSDT: power off. SLP_EN reads back as 0. */
	if (a->pm1_cnt & LL_X86_PM1_SLP_EN) {
		off = ((a->pm1_cnt & LL_X86_PM1_SLP_TYP_MASK) >> LL_X86_PM1_SLP_TYP_SHIFT) ==
		      LL_X86_ACPI_S5_TYP;
		a->pm1_cnt &= (uint16_t)~LL_X86_PM1_SLP_EN;
	}
	a->pm1_cnt |= LL_X86_PM1_SCI_EN; /* always in ACPI mode */
	pthread_mutex_unlock(&a->pm_lock);
	if (off)
		end_vm(a, VMM_EXIT_POWEROFF, "ACPI power-off (S5)");
	return 0;
}

static const struct vdev_ops pm_ops = {.read = pm_read, .write = pm_write};

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
	if (ret == 0)
		ret = vdev_bus_insert(env->pio, VMM_X86_PM1_EVT_PORT, 6, &pm_ops, a);
	if (ret < 0)
		snprintf(err, err_size, "cannot add the i8042 or ACPI PM devices: %s",
		         strerror(-ret));
	return ret;
}

/* The 64-bit boot protocol's segments: the GDT in RAM, CS = __BOOT_CS, the data segments
   __BOOT_DS, interrupts off (the vcpu library set paging and the rest of long mode). */
static int set_boot_segments(struct vcpu *v)
{
	struct kvmio_vcpu *kv = vcpu_kvm(v);
	struct kvm_sregs s;
	struct kvm_segment data;
	int ret = kvmio_vcpu_get_sregs(kv, &s);

	if (ret < 0)
		return ret;
	s.gdt.base = VMM_X86_GDT;
	s.gdt.limit = LL_X86_GDT_ENTRIES * 8 - 1;
	s.cs.selector = LL_X86_BOOT_CS;
	data = s.ds;
	data.selector = LL_X86_BOOT_DS;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	return kvmio_vcpu_set_sregs(kv, &s);
}

/* The PVH entry state (pvh_x86_64.h): 32-bit protected mode, paging off, EBX = the start
   info. The vcpu library knows real and long mode only; this replaces what it set. */
static int set_pvh_state(struct vcpu *v, const struct vmm_boot_info *boot)
{
	struct kvmio_vcpu *kv = vcpu_kvm(v);
	struct kvm_sregs s;
	struct kvm_regs r;
	int ret = kvmio_vcpu_get_sregs(kv, &s);

	if (ret == 0)
		ret = ll_x86_pvh_vcpu_state(boot->pvh_entry, (uint32_t)boot->boot_data_addr,
		                             VMM_X86_PVH_GDT, &r, &s);
	if (ret == 0)
		ret = kvmio_vcpu_set_sregs(kv, &s);
	if (ret == 0)
		ret = kvmio_vcpu_set_regs(kv, &r);
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
		struct vcpu_config vc = {
		    .id = i,
		    .entry = boot->kernel.entry,
		    .args = {0, boot->boot_data_addr},
		    .mode = VCPU_X86_LONG,
		    .cr3 = VMM_X86_PAGE_TABLES,
		};
		struct vcpu *v;
		int ret = vcpu_create(a->env->vcpus, &vc, &v);

		if (ret == 0)
			ret = boot->has_pvh ? set_pvh_state(v, boot) : set_boot_segments(v);
		if (ret < 0) {
			snprintf(err, err_size, "cannot create vCPU %u: %s", i, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void vmm_arch_destroy(struct vmm_arch *a)
{
	if (!a)
		return;
	vdev_i8042_destroy(a->i8042);
	if (a->locks_ready) {
		pthread_mutex_destroy(&a->irq_lock);
		pthread_mutex_destroy(&a->pm_lock);
	}
	free(a);
}
