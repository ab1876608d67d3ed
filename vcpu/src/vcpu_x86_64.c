/* SPDX-License-Identifier: Apache-2.0 */
/* x86_64: CPUID and the real-mode, long-mode and 32-bit protected-mode entry states. */
#include "vcpu_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define X86_CR0_PE (1ull << 0)
#define X86_CR0_ET (1ull << 4)
#define X86_CR0_NE (1ull << 5)
#define X86_CR0_PG (1ull << 31)
#define X86_CR4_PAE (1ull << 5)
#define X86_EFER_LME (1ull << 8)
#define X86_EFER_LMA (1ull << 10)
#define X86_CPUID_HYPERVISOR (1u << 31) /* CPUID.1:ECX[31] */
#define X86_PTE_PRESENT (1ull << 0)
#define X86_PTE_WRITE (1ull << 1)
#define X86_PTE_HUGE (1ull << 7)

int vcpu_arch_set_init(struct vcpu_set *set)
{
	/* PSCI is arm64's; x86 has no SYSTEM_SUSPEND exit to opt in to. */
	if (set->system_suspend || set->n_forward_smccc)
		return -EOPNOTSUPP;
	return 0;
}

void vcpu_arch_set_fini(struct vcpu_set *set)
{
	free(set->arch.cpuid);
	set->arch.cpuid = NULL;
}

/*
 * The supported CPUID with the hypervisor bit set: without it a Linux guest does not
 * trust its TSC calibration (docs/KVM-FACTS.md). Read once per set.
 */
static int vcpu_x86_cpuid(struct vcpu_set *set, const struct kvm_cpuid_entry2 **e, size_t *n)
{
	size_t max = 128, needed = 0;
	struct kvm_cpuid_entry2 *buf = NULL;
	int r;

	pthread_mutex_lock(&set->lock);
	if (set->arch.cpuid)
		goto done;
	for (int tries = 0; tries < 8; tries++) {
		free(buf);
		buf = calloc(max, sizeof(*buf));
		if (!buf) {
			pthread_mutex_unlock(&set->lock);
			return -ENOMEM;
		}
		r = kvmio_system_get_supported_cpuid(set->sys, buf, max, &needed);
		if (r >= 0)
			break;
		if (r != -E2BIG) {
			free(buf);
			pthread_mutex_unlock(&set->lock);
			return r;
		}
		max = needed > max ? needed : max * 2;
	}
	if (r < 0) {
		free(buf);
		pthread_mutex_unlock(&set->lock);
		return r;
	}
	for (int i = 0; i < r; i++) {
		if (buf[i].function == 1)
			buf[i].ecx |= X86_CPUID_HYPERVISOR;
	}
	set->arch.cpuid = buf;
	set->arch.n_cpuid = (size_t)r;
done:
	*e = set->arch.cpuid;
	*n = set->arch.n_cpuid;
	pthread_mutex_unlock(&set->lock);
	return 0;
}

static void vcpu_x86_flat_segment(struct kvm_segment *s, uint16_t selector, uint8_t type,
                                  bool code64)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = selector;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code64;
	s->db = !code64;
}

int vcpu_arch_check_config(const struct vcpu_config *cfg)
{
	if (cfg->suspended)
		return -EOPNOTSUPP; /* x86 has no SYSTEM_SUSPEND */
	switch (cfg->mode) {
	case VCPU_X86_REAL:
		return cfg->entry < (1u << 20) ? 0 : -EINVAL;
	case VCPU_X86_LONG:
		return 0;
	case VCPU_X86_PROTECTED_32:
		return cfg->entry <= UINT32_MAX ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

/* The GDT register and the selectors cfg names (vcpu_config), or the defaults. */
static void vcpu_x86_gdt(struct kvm_sregs *sregs, const struct vcpu_config *cfg, uint16_t *cs,
                         uint16_t *ds)
{
	*cs = 0x8;
	*ds = 0x10;
	if (cfg->gdt_limit == 0)
		return;
	sregs->gdt.base = cfg->gdt_base;
	sregs->gdt.limit = cfg->gdt_limit;
	*cs = cfg->code_selector;
	*ds = cfg->data_selector;
}

int vcpu_arch_configure(struct vcpu *v, const struct vcpu_config *cfg)
{
	const struct kvm_cpuid_entry2 *cpuid;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint16_t cs, ds;
	size_t n;
	int r;

	r = vcpu_x86_cpuid(v->set, &cpuid, &n);
	if (r < 0)
		return r;
	r = kvmio_vcpu_set_cpuid2(v->kv, cpuid, n);
	if (r < 0)
		return r;
	r = kvmio_vcpu_get_sregs(v->kv, &sregs);
	if (r < 0)
		return r;
	if (cfg->mode == VCPU_X86_REAL) {
		/* CS:IP reaches any address below 1 MiB; data segments stay flat at 0. */
		sregs.cs.selector = (uint16_t)((cfg->entry >> 4) & 0xf000);
		sregs.cs.base = (uint64_t)sregs.cs.selector << 4;
	} else if (cfg->mode == VCPU_X86_LONG) {
		vcpu_x86_gdt(&sregs, cfg, &cs, &ds);
		vcpu_x86_flat_segment(&sregs.cs, cs, 0xb, true);
		vcpu_x86_flat_segment(&sregs.ds, ds, 0x3, false);
		sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
		sregs.cr3 = cfg->cr3;
		sregs.cr4 |= X86_CR4_PAE;
		sregs.cr0 |= X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_PG;
		sregs.efer |= X86_EFER_LME | X86_EFER_LMA;
	} else {
		/* Flat 32-bit protected mode, paging off: CR0.PE (and the hard-wired ET) only,
		   CR3, CR4 and EFER clear, execute/read code and read/write data. */
		vcpu_x86_gdt(&sregs, cfg, &cs, &ds);
		vcpu_x86_flat_segment(&sregs.cs, cs, 0xb, false);
		vcpu_x86_flat_segment(&sregs.ds, ds, 0x3, false);
		sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
		if (cfg->tss_selector) {
			memset(&sregs.tr, 0, sizeof(sregs.tr));
			sregs.tr.selector = cfg->tss_selector;
			sregs.tr.limit = 0x67;
			sregs.tr.type = 0xb; /* 32-bit TSS, busy */
			sregs.tr.present = 1;
		}
		sregs.cr0 = X86_CR0_PE | X86_CR0_ET;
		sregs.cr3 = 0;
		sregs.cr4 = 0;
		sregs.efer = 0;
	}
	r = kvmio_vcpu_set_sregs(v->kv, &sregs);
	if (r < 0)
		return r;
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2; /* bit 1 is reserved as one; interrupts off */
	regs.rip = cfg->mode == VCPU_X86_REAL ? cfg->entry - sregs.cs.base : cfg->entry;
	regs.rsp = cfg->stack;
	regs.rdi = cfg->args[0];
	regs.rsi = cfg->args[1];
	regs.rdx = cfg->args[2];
	regs.rcx = cfg->args[3];
	regs.rbx = cfg->rbx;
	return kvmio_vcpu_set_regs(v->kv, &regs);
}

/* A real-mode segment as after a reset: base = selector << 4, limit 64 KiB, present,
   byte granular, 16-bit; type 0xb (code, execute/read, accessed) or 0x3 (data,
   read/write, accessed). */
static void vcpu_x86_real_segment(struct kvm_segment *s, uint16_t selector, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->selector = selector;
	s->base = (uint64_t)selector << 4;
	s->limit = 0xffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
}

/* CR0 after a reset: CD, NW and ET (Intel SDM vol. 3, 9.1.1). */
#define X86_CR0_AFTER_RESET 0x60000010ull

int vcpu_x86_sleep_reset(struct vcpu *v, bool boot_cpu, uint32_t waking_vector)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	enum vcpu_state state;
	uint16_t cs;
	int r;

	if (!v || waking_vector >= (1u << 20))
		return -EINVAL;
	pthread_mutex_lock(&v->set->lock);
	state = v->state;
	pthread_mutex_unlock(&v->set->lock);
	if (state != VCPU_STATE_PAUSED && state != VCPU_STATE_CREATED)
		return -EBUSY;
	r = kvmio_vcpu_get_sregs(v->kv, &sregs);
	if (r < 0)
		return r;
	/* apic_base is kept (the LAPIC's MSR); no interrupt is left pending for injection. */
	cs = boot_cpu ? (uint16_t)(waking_vector >> 4) : 0;
	vcpu_x86_real_segment(&sregs.cs, cs, 0xb);
	vcpu_x86_real_segment(&sregs.ds, 0, 0x3);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.limit = 0xffff;
	sregs.ldt.type = 0x2; /* LDT */
	sregs.ldt.present = 1;
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.limit = 0xffff;
	sregs.tr.type = 0xb; /* busy TSS */
	sregs.tr.present = 1;
	sregs.gdt.base = sregs.idt.base = 0;
	sregs.gdt.limit = sregs.idt.limit = 0xffff;
	sregs.cr0 = X86_CR0_AFTER_RESET;
	sregs.cr2 = sregs.cr3 = sregs.cr4 = 0;
	sregs.cr8 = 0;
	sregs.efer = 0;
	memset(sregs.interrupt_bitmap, 0, sizeof(sregs.interrupt_bitmap));
	r = kvmio_vcpu_set_sregs(v->kv, &sregs);
	if (r < 0)
		return r;
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = boot_cpu ? waking_vector & 0xf : 0;
	r = kvmio_vcpu_set_regs(v->kv, &regs);
	if (r < 0)
		return r;
	return kvmio_vcpu_set_mp_state(v->kv, boot_cpu ? KVM_MP_STATE_RUNNABLE
	                                               : KVM_MP_STATE_INIT_RECEIVED);
}

int vcpu_arch_suspend_exit(struct vcpu *v)
{
	(void)v;
	return -EOPNOTSUPP;
}

int vcpu_arch_wakeup_exit(struct vcpu *v)
{
	(void)v;
	return -EOPNOTSUPP;
}

int vcpu_arch_hypercall_exit(struct vcpu *v, const struct kvmio_exit *ex, struct vcpu_end *end)
{
	(void)v, (void)ex;
	/* Never enabled here (KVM_CAP_EXIT_HYPERCALL): an exit this loop cannot answer. */
	end->reason = VCPU_END_FAILURE;
	end->error = -ENOSYS;
	return 1;
}

int vcpu_get_suspend_state(const struct vcpu *v, struct vcpu_suspend_state *out)
{
	(void)v;
	(void)out;
	return -EOPNOTSUPP;
}

int vcpu_x86_identity_tables(void *buf, size_t size, uint64_t gpa)
{
	uint64_t *pml4 = buf, *pdpt, *pd;

	if (!buf || size < VCPU_X86_IDENTITY_TABLES_SIZE || (gpa & 0xfff) ||
	    gpa > UINT64_MAX - VCPU_X86_IDENTITY_TABLES_SIZE)
		return -EINVAL;
	memset(buf, 0, VCPU_X86_IDENTITY_TABLES_SIZE);
	pdpt = pml4 + 512;
	pd = pdpt + 512;
	pml4[0] = (gpa + 0x1000) | X86_PTE_PRESENT | X86_PTE_WRITE;
	pdpt[0] = (gpa + 0x2000) | X86_PTE_PRESENT | X86_PTE_WRITE;
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = (i << 21) | X86_PTE_PRESENT | X86_PTE_WRITE | X86_PTE_HUGE;
	return 0;
}
