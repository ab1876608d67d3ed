/* SPDX-License-Identifier: Apache-2.0 */
/* The vCPU handle: run, the decoded exit, completing reads, immediate_exit, MP state. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void kvmio_vcpu_destroy(struct kvmio_vcpu *vcpu)
{
	if (!vcpu)
		return;
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	close(vcpu->fd);
	free(vcpu);
}

int kvmio_vcpu_fd(const struct kvmio_vcpu *vcpu)
{
	return vcpu->fd;
}

unsigned long kvmio_vcpu_id(const struct kvmio_vcpu *vcpu)
{
	return vcpu->id;
}

struct kvm_run *kvmio_vcpu_kvm_run(struct kvmio_vcpu *vcpu)
{
	return vcpu->run;
}

size_t kvmio_vcpu_kvm_run_size(const struct kvmio_vcpu *vcpu)
{
	return vcpu->run_size;
}

static enum kvmio_system_event_type event_type(uint32_t raw)
{
	switch (raw) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
	case KVM_SYSTEM_EVENT_RESET:
	case KVM_SYSTEM_EVENT_CRASH:
	case KVM_SYSTEM_EVENT_WAKEUP:
	case KVM_SYSTEM_EVENT_SUSPEND:
	case KVM_SYSTEM_EVENT_SEV_TERM:
		return (enum kvmio_system_event_type)raw;
	default:
		return KVMIO_SYSTEM_EVENT_UNKNOWN;
	}
}

/* Exits whose payload is nothing more than their reason. */
static enum kvmio_exit_kind simple_kind(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_HLT:
		return KVMIO_EXIT_HLT;
	case KVM_EXIT_SHUTDOWN:
		return KVMIO_EXIT_SHUTDOWN;
	case KVM_EXIT_INTR:
		return KVMIO_EXIT_INTR;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return KVMIO_EXIT_IRQ_WINDOW_OPEN;
	case KVM_EXIT_NMI:
		return KVMIO_EXIT_NMI;
	case KVM_EXIT_SET_TPR:
		return KVMIO_EXIT_SET_TPR;
	case KVM_EXIT_DIRTY_RING_FULL:
		return KVMIO_EXIT_DIRTY_RING_FULL;
	case KVM_EXIT_X86_BUS_LOCK:
		return KVMIO_EXIT_X86_BUS_LOCK;
	case KVM_EXIT_WATCHDOG:
		return KVMIO_EXIT_WATCHDOG;
	default:
		return KVMIO_EXIT_UNKNOWN;
	}
}

int kvmio_vcpu_decode_exit(struct kvmio_vcpu *vcpu, struct kvmio_exit *exit)
{
	if (!vcpu || !exit)
		return -EINVAL;
	struct kvm_run *run = vcpu->run;
	memset(exit, 0, sizeof(*exit));
	exit->reason = run->exit_reason;
	switch (run->exit_reason) {
	case KVM_EXIT_IO: {
		uint64_t len = (uint64_t)run->io.size * run->io.count, end;
		/* The buffer lies in the shared mapping; never trust an offset to stay inside. */
		if (run->io.size == 0 || run->io.count == 0 ||
		    __builtin_add_overflow(run->io.data_offset, len, &end) || end > vcpu->run_size)
			return -EPROTO;
		exit->kind = KVMIO_EXIT_IO;
		exit->io.direction =
		    run->io.direction == KVM_EXIT_IO_OUT ? KVMIO_IO_OUT : KVMIO_IO_IN;
		exit->io.port = run->io.port;
		exit->io.size = run->io.size;
		exit->io.count = run->io.count;
		exit->io.data = (uint8_t *)run + run->io.data_offset;
		exit->io.len = (size_t)len;
		return 0;
	}
	case KVM_EXIT_MMIO:
		if (run->mmio.len == 0 || run->mmio.len > sizeof(run->mmio.data))
			return -EPROTO;
		exit->kind = KVMIO_EXIT_MMIO;
		exit->mmio.addr = run->mmio.phys_addr;
		exit->mmio.len = run->mmio.len;
		exit->mmio.is_write = run->mmio.is_write != 0;
		exit->mmio.data = run->mmio.data;
		return 0;
	case KVM_EXIT_SYSTEM_EVENT: {
		exit->kind = KVMIO_EXIT_SYSTEM_EVENT;
		exit->system_event.raw_type = run->system_event.type;
		exit->system_event.type = event_type(run->system_event.type);
		uint32_t n = run->system_event.ndata;
		/* Kernels before KVM_CAP_SYSTEM_EVENT_DATA left ndata 0 and filled only flags
		 * (the same storage as data[0]); report that word either way. */
		if (n > 16)
			n = 16;
		exit->system_event.ndata = n;
		memcpy(exit->system_event.data, run->system_event.data,
		       sizeof(exit->system_event.data));
		return 0;
	}
	case KVM_EXIT_INTERNAL_ERROR: {
		exit->kind = KVMIO_EXIT_INTERNAL_ERROR;
		exit->internal.suberror = run->internal.suberror;
		uint32_t n = run->internal.ndata;
		exit->internal.ndata = n > 16 ? 16 : n;
		memcpy(exit->internal.data, run->internal.data, sizeof(exit->internal.data));
		return 0;
	}
	case KVM_EXIT_FAIL_ENTRY:
		exit->kind = KVMIO_EXIT_FAIL_ENTRY;
		exit->fail_entry.hardware_entry_failure_reason =
		    run->fail_entry.hardware_entry_failure_reason;
		exit->fail_entry.cpu = run->fail_entry.cpu;
		return 0;
	case KVM_EXIT_HYPERCALL:
		exit->kind = KVMIO_EXIT_HYPERCALL;
		exit->hypercall.nr = run->hypercall.nr;
		memcpy(exit->hypercall.args, run->hypercall.args, sizeof(exit->hypercall.args));
		exit->hypercall.ret = (uint64_t *)&run->hypercall.ret;
		exit->hypercall.longmode = run->hypercall.longmode;
		/* Linux 6.4 made longmode and its padding the u64 flags (arm64's SMCCC
		   forwarding); read as such, it is 0 from older kernels. */
		memcpy(&exit->hypercall.flags, &run->hypercall.longmode,
		       sizeof(exit->hypercall.flags));
		return 0;
	case KVM_EXIT_DEBUG:
		exit->kind = KVMIO_EXIT_DEBUG;
		exit->debug = run->debug.arch;
		return 0;
	case KVM_EXIT_EXCEPTION:
		exit->kind = KVMIO_EXIT_EXCEPTION;
		exit->exception.exception = run->ex.exception;
		exit->exception.error_code = run->ex.error_code;
		return 0;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		exit->kind = run->exit_reason == KVM_EXIT_X86_RDMSR ? KVMIO_EXIT_X86_RDMSR
		                                                    : KVMIO_EXIT_X86_WRMSR;
		exit->msr.index = run->msr.index;
		exit->msr.reason = run->msr.reason;
		exit->msr.data = (uint64_t *)&run->msr.data;
		exit->msr.error = &run->msr.error;
		return 0;
	case KVM_EXIT_TPR_ACCESS:
		exit->kind = KVMIO_EXIT_TPR_ACCESS;
		exit->tpr_access.rip = run->tpr_access.rip;
		exit->tpr_access.is_write = run->tpr_access.is_write;
		return 0;
	case KVM_EXIT_IOAPIC_EOI:
		exit->kind = KVMIO_EXIT_IOAPIC_EOI;
		exit->eoi_vector = run->eoi.vector;
		return 0;
	case KVM_EXIT_ARM_NISV:
		exit->kind = KVMIO_EXIT_ARM_NISV;
		exit->arm_nisv.esr_iss = run->arm_nisv.esr_iss;
		exit->arm_nisv.fault_ipa = run->arm_nisv.fault_ipa;
		return 0;
	case KVM_EXIT_NOTIFY:
		exit->kind = KVMIO_EXIT_NOTIFY;
		exit->notify.flags = run->notify.flags;
		return 0;
	default:
		exit->kind = simple_kind(run->exit_reason);
		if (exit->kind == KVMIO_EXIT_UNKNOWN)
			exit->unknown.hardware_exit_reason = run->hw.hardware_exit_reason;
		return 0;
	}
}

int kvmio_vcpu_run(struct kvmio_vcpu *vcpu, struct kvmio_exit *exit)
{
	if (!vcpu || !exit)
		return -EINVAL;
	int r = kvmio__ioctl_val(vcpu->fd, KVM_RUN, 0);
	if (r == -EINTR) {
		/* A signal or immediate_exit: a normal way for another thread to stop us. */
		memset(exit, 0, sizeof(*exit));
		exit->kind = KVMIO_EXIT_INTR;
		exit->reason = KVM_EXIT_INTR;
		return 0;
	}
	if (r < 0)
		return r;
	return kvmio_vcpu_decode_exit(vcpu, exit);
}

int kvmio_vcpu_complete_io_in(struct kvmio_vcpu *vcpu, const void *data, size_t len)
{
	struct kvmio_exit e;
	if (!vcpu || (!data && len))
		return -EINVAL;
	if (vcpu->run->exit_reason != KVM_EXIT_IO || kvmio_vcpu_decode_exit(vcpu, &e) < 0 ||
	    e.io.direction != KVMIO_IO_IN || e.io.len != len)
		return -EINVAL;
	memcpy(e.io.data, data, len);
	return 0;
}

int kvmio_vcpu_complete_mmio_read(struct kvmio_vcpu *vcpu, const void *data, size_t len)
{
	struct kvmio_exit e;
	if (!vcpu || (!data && len))
		return -EINVAL;
	if (vcpu->run->exit_reason != KVM_EXIT_MMIO || kvmio_vcpu_decode_exit(vcpu, &e) < 0 ||
	    e.mmio.is_write || e.mmio.len != len)
		return -EINVAL;
	memcpy(e.mmio.data, data, len);
	return 0;
}

void kvmio_vcpu_set_immediate_exit(struct kvmio_vcpu *vcpu, bool value)
{
	__atomic_store_n(&vcpu->run->immediate_exit, value ? 1 : 0, __ATOMIC_SEQ_CST);
}

bool kvmio_vcpu_immediate_exit(const struct kvmio_vcpu *vcpu)
{
	return __atomic_load_n(&vcpu->run->immediate_exit, __ATOMIC_SEQ_CST) != 0;
}

int kvmio_vcpu_get_mp_state(const struct kvmio_vcpu *vcpu, uint32_t *state)
{
	struct kvm_mp_state s = {0};
	if (!state)
		return -EINVAL;
	int r = kvmio__ioctl(vcpu->fd, KVM_GET_MP_STATE, &s);
	if (r == 0)
		*state = s.mp_state;
	return r;
}

int kvmio_vcpu_set_mp_state(const struct kvmio_vcpu *vcpu, uint32_t state)
{
	struct kvm_mp_state s = {.mp_state = state};
	return kvmio__ioctl(vcpu->fd, KVM_SET_MP_STATE, &s);
}

int kvmio_vcpu_enable_cap(const struct kvmio_vcpu *vcpu, uint32_t cap, uint64_t arg0)
{
	struct kvm_enable_cap c = {.cap = cap, .args = {arg0}};
	return kvmio__ioctl(vcpu->fd, KVM_ENABLE_CAP, &c);
}

int kvmio_vcpu_set_guest_debug(const struct kvmio_vcpu *vcpu, const struct kvm_guest_debug *dbg)
{
	if (!dbg)
		return -EINVAL;
	return kvmio__ioctl(vcpu->fd, KVM_SET_GUEST_DEBUG, dbg);
}

const char *kvmio_exit_kind_name(enum kvmio_exit_kind kind)
{
	static const char *const names[] = {
	    [KVMIO_EXIT_UNKNOWN] = "unknown",
	    [KVMIO_EXIT_IO] = "io",
	    [KVMIO_EXIT_MMIO] = "mmio",
	    [KVMIO_EXIT_HLT] = "hlt",
	    [KVMIO_EXIT_SHUTDOWN] = "shutdown",
	    [KVMIO_EXIT_FAIL_ENTRY] = "fail_entry",
	    [KVMIO_EXIT_INTERNAL_ERROR] = "internal_error",
	    [KVMIO_EXIT_SYSTEM_EVENT] = "system_event",
	    [KVMIO_EXIT_INTR] = "intr",
	    [KVMIO_EXIT_DEBUG] = "debug",
	    [KVMIO_EXIT_HYPERCALL] = "hypercall",
	    [KVMIO_EXIT_EXCEPTION] = "exception",
	    [KVMIO_EXIT_IRQ_WINDOW_OPEN] = "irq_window_open",
	    [KVMIO_EXIT_NMI] = "nmi",
	    [KVMIO_EXIT_SET_TPR] = "set_tpr",
	    [KVMIO_EXIT_TPR_ACCESS] = "tpr_access",
	    [KVMIO_EXIT_IOAPIC_EOI] = "ioapic_eoi",
	    [KVMIO_EXIT_X86_RDMSR] = "x86_rdmsr",
	    [KVMIO_EXIT_X86_WRMSR] = "x86_wrmsr",
	    [KVMIO_EXIT_ARM_NISV] = "arm_nisv",
	    [KVMIO_EXIT_DIRTY_RING_FULL] = "dirty_ring_full",
	    [KVMIO_EXIT_X86_BUS_LOCK] = "x86_bus_lock",
	    [KVMIO_EXIT_NOTIFY] = "notify",
	    [KVMIO_EXIT_WATCHDOG] = "watchdog",
	};
	if ((unsigned)kind >= sizeof(names) / sizeof(names[0]) || !names[kind])
		return "?";
	return names[kind];
}

const char *kvmio_system_event_name(enum kvmio_system_event_type type)
{
	static const char *const names[] = {
	    [KVMIO_SYSTEM_EVENT_UNKNOWN] = "unknown",   [KVMIO_SYSTEM_EVENT_SHUTDOWN] = "shutdown",
	    [KVMIO_SYSTEM_EVENT_RESET] = "reset",       [KVMIO_SYSTEM_EVENT_CRASH] = "crash",
	    [KVMIO_SYSTEM_EVENT_WAKEUP] = "wakeup",     [KVMIO_SYSTEM_EVENT_SUSPEND] = "suspend",
	    [KVMIO_SYSTEM_EVENT_SEV_TERM] = "sev_term",
	};
	if ((unsigned)type >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[type];
}
