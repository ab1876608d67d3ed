/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The arch-neutral VM: guest RAM, devices, the vCPU set and the event loop on the main
 * thread (cvmm event-loop: each source registers a callback; machine.h describes the
 * split with machine_<arch>.c).
 */
#define _GNU_SOURCE
#include "machine.h"

#include "api.h"
#include "console.h"
#include "host_kernel.h"
#include "log.h"
#include "log_limit.h"

#include "sandbox.h"
#include "snapshot.h"
#include "tap.h"
#include <cvmm/linux_loader_file.h>

#include <cvmm/event_loop.h>
#include <cvmm/virtio.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024ull * 1024ull)
#define VIRTIO_NOTIFY_OFF 0x50u

struct vmm_machine;

struct vmm_slot {
	struct vmm_machine *m;
	uint32_t index;
	atomic_bool reset_logged; /* its first DEVICE_NEEDS_RESET was logged */
	atomic_uint needs_reset;  /* how many times it set DEVICE_NEEDS_RESET */
	struct vdev_virtio_mmio *t;
	struct vdev_virtio_blk *blk;
	struct vdev_virtio_rng *rng;
	struct vdev_virtio_net *net;
	int disk_fd; /* flushed at the end */
	/* net: signalled when what the device waits for on the tap changes on a vCPU
	   thread (activation, reset): the loop then watches the tap for it. */
	int net_wait_evfd;
	/* net: the device's interrupt through KVM_IRQFD (wire_irqfds(), once the interrupt
	   controller is initialised; until then, or when KVM refuses, -1: through
	   KVM_IRQ_LINE like the others). Edge-triggered lines (arm64,
	   vmm_arch_desc.virtio_irq_edge): each raise is an edge the vGIC latches, and there
	   is no resample eventfd (-1). Level-triggered ones (x86_64) have one: irq_level is
	   the line as the transport drives it; KVM lowers the GSI at the guest's end of
	   interrupt and signals irq_resample_fd, and the loop raises it again while
	   irq_level holds. */
	bool want_irqfd;
	uint32_t line;
	int irq_trigger_fd, irq_resample_fd;
	atomic_bool irq_level;
	uint32_t tap_events; /* net: what the loop watches the tap for now (EVL_*) */
	/* net: the tap's name, and whether its interface is gone (the loop stopped watching
	   it: its descriptor would report an error for ever). */
	const char *tap_name;
	bool tap_gone;
	uint16_t nq;
	int qfd[VDEV_VIRTIO_MAX_QUEUES];
	/* Each queue's context for the event loop: its slot and index. */
	struct vmm_queue {
		struct vmm_slot *slot;
		uint16_t index;
	} queues[VDEV_VIRTIO_MAX_QUEUES];
};

/* vmm-ref's start-up phases, in order (vmm_machine_run()): the profile of its own share of
   a boot, logged at info level as "start-up: ..." once the VM runs. */
enum vmm_phase {
	VMM_PHASE_INPUTS,  /* the kernel and initrd read (or the snapshot checked) */
	VMM_PHASE_RAM,     /* guest RAM mapped, the kernel and initrd placed in it */
	VMM_PHASE_VM,      /* /dev/kvm, the VM, RAM given to KVM, the interrupt controller */
	VMM_PHASE_DEVICES, /* console, event loop, control socket, buses and devices */
	VMM_PHASE_VCPUS,   /* the vCPUs, the device tree or ACPI tables (or the restore) */
	VMM_PHASE_SANDBOX, /* the descriptors the sandbox allows, registered */
	VMM_PHASE_THREADS, /* the vCPU threads started */
	VMM_PHASE_FILTER,  /* the main thread's seccomp filter built and installed */
	VMM_PHASES
};
static const char *const vmm_phase_names[VMM_PHASES] = {
    "inputs",         "guest RAM",    "KVM VM",     "devices", "vCPUs and boot data",
    "sandbox set-up", "vCPU threads", "main filter"};

struct vmm_machine {
	struct vmm_machine_env env;
	struct vmm_arch_desc desc;
	struct vmm_arch *arch;

	struct evl *loop; /* the main thread's event loop: every descriptor below plugs in */
	int sigfd, exit_evfd, rtc_tfd;
	int slept_evfd;         /* vmm_machine_slept(): the loop looks for a pending wake */
	int key_tfd;            /* releases a key pressed by vmm_machine_press_key() */
	int key_pressed;        /* the key held down, or -1 */
	atomic_int exit_status; /* -1 until a status is requested */

	struct vdev_uart *uart;
	struct vdev_rtc *rtc;   /* the arm64 RTC (PL031) */
	struct vdev_cmos *cmos; /* the x86 RTC (MC146818) */
	struct vmm_slot slots[VMM_VIRTIO_SLOTS_MAX];
	uint32_t nslots;

	struct vmm_console console; /* stdio or a file, wired to the UART */

	/* Set when a vCPU resumes from SYSTEM_SUSPEND; the first device access after it
	   re-drives every asserted line (the vGIC loses a pending level across the guest's
	   GIC restore: docs/KVM-FACTS.md). */
	atomic_bool replay_pending;
	/* x86 S3: set on a wake-up until the guest reads the UART's receive buffer; each
	   write to its IER meanwhile re-drives its line (on_pio()). */
	atomic_bool uart_replay_pending;
	atomic_uint suspends, resumes, suspends_refused;
	atomic_uint refused_by_kind[3]; /* DENIED, INVALID_ADDRESS, any other code */
	atomic_uint needs_reset;        /* virtio devices that gave up (DEVICE_NEEDS_RESET) */

	/* What the control socket reports (api.h). */
	uint64_t start_ns; /* when the vCPUs started */
	/* Start-up, phase by phase (logged at info once the VM runs): when vmm_machine_run()
	   began, when each phase ended, and the first vCPU thread's filter installation. */
	uint64_t run_ns, phase_ns[VMM_PHASES];
	_Atomic uint64_t vcpu_filter_ns;
	atomic_bool paused;                  /* by the control socket's pause */
	_Atomic uint64_t suspended_since_ns; /* 0 unless the guest is suspended now */
	_Atomic uint64_t suspended_total_ns; /* completed suspended stretches */
	atomic_bool end_event_sent;          /* SHUTDOWN, RESET, GUEST_CRASH or a failure's STOP */
	atomic_bool loop_ended;
	const char *_Atomic stop_reason; /* why a STOP: "signal", "command"; NULL: console */

	/* --suspend snapshot:DIR: where the VM goes, opened before the sandbox, and the
	   machine's configuration as the snapshot records it. */
	struct vmm_snapshot_target snap;
	struct vmm_snapshot_conf snap_conf;
	/* --restore DIR: the snapshot the VM comes from; NULL on a cold boot. */
	struct vmm_snapshot *restore;

	/* Log lines a guest can cause at will are rate-limited (log_limited()). */
	struct vmm_log_limit unmapped_log;
	struct vmm_log_limit refused_log[3]; /* DENIED, INVALID_ADDRESS, any other code */
	struct vmm_log_limit needs_reset_log;
	struct vmm_log_limit suspend_log, resume_log;
};

/* ---------------------------------------------------------------------------------------
 * Logging and exit requests
 * ------------------------------------------------------------------------------------- */

void vmm_machine_log(const struct vmm_machine_env *env, enum vmm_log_level level, const char *fmt,
                     ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmm_log_vat(env->cfg->log_level, level, fmt, ap);
	va_end(ap);
}

void vmm_machine_request_exit(struct vmm_machine_env *env, int status, const char *event,
                              struct json_object *data)
{
	struct vmm_machine *m = env->priv;
	int none = -1;
	uint64_t one = 1;

	if (atomic_compare_exchange_strong(&m->exit_status, &none, status) && event) {
		atomic_store(&m->end_event_sent, true);
		vmm_api_event(env->api, event, data);
	} else {
		json_object_put(data);
	}
	if (write(m->exit_evfd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow from these few writes */
	}
}

void vmm_machine_stop(struct vmm_machine_env *env, const char *reason)
{
	struct vmm_machine *m = env->priv;
	const char *none = NULL;

	atomic_compare_exchange_strong(&m->stop_reason, &none, reason);
	vmm_machine_request_exit(env, VMM_EXIT_SIGNAL, NULL, NULL);
}

static uint64_t vmm_now_ns(void);

/* A new object for an event's data, or NULL without a control socket: no JSON is made on
   a vCPU thread then (json-c's first hashing asks the kernel for a seed, which the vCPU
   filter refuses; ctl_server_create() has it done at set-up). */
static struct json_object *event_data(const struct vmm_machine *m)
{
	return m->env.api ? json_object_new_object() : NULL;
}

const char *vmm_run_state_name(enum vmm_run_state s)
{
	switch (s) {
	case VMM_STATE_RUNNING:
		return "running";
	case VMM_STATE_PAUSED:
		return "paused";
	case VMM_STATE_SUSPENDED:
		return "suspended";
	case VMM_STATE_STOPPING:
		return "stopping";
	}
	return "?";
}

void vmm_machine_status(const struct vmm_machine_env *env, struct vmm_machine_status *st)
{
	const struct vmm_machine *m = env->priv;
	uint64_t now = vmm_now_ns(), since = atomic_load(&m->suspended_since_ns);

	*st = (struct vmm_machine_status){.state = VMM_STATE_RUNNING};
	if (atomic_load(&m->exit_status) >= 0 || atomic_load(&m->loop_ended))
		st->state = VMM_STATE_STOPPING;
	else if (atomic_load(&m->paused))
		st->state = VMM_STATE_PAUSED;
	else if (since)
		st->state = VMM_STATE_SUSPENDED;
	st->uptime_ns = m->start_ns ? now - m->start_ns : 0;
	st->suspended_ns = atomic_load(&m->suspended_total_ns) + (since ? now - since : 0);
	st->suspends = atomic_load(&m->suspends);
	st->wakeups = atomic_load(&m->resumes);
}

/* What a virtio slot holds, for logs and the control socket. */
static const char *slot_kind(const struct vmm_slot *s)
{
	return s->blk ? "blk" : s->rng ? "rng" : s->net ? "net" : "?";
}

void vmm_machine_metrics(const struct vmm_machine_env *env, struct vmm_machine_metrics *out)
{
	const struct vmm_machine *m = env->priv;

	*out = (struct vmm_machine_metrics){0};
	vmm_machine_status(env, &out->status);
	out->suspends_denied = atomic_load(&m->refused_by_kind[0]);
	out->suspends_bad_entry = atomic_load(&m->refused_by_kind[1]);
	out->suspends_refused_other = atomic_load(&m->refused_by_kind[2]);
	out->console_bytes = vdev_uart_tx_written(m->uart);
	out->console_dropped = vdev_uart_tx_dropped(m->uart);
	for (uint32_t i = 0; i < m->nslots && i < VMM_VIRTIO_SLOTS_MAX; i++) {
		const struct vmm_slot *s = &m->slots[i];
		struct vmm_device_metrics *d = &out->devices[out->ndevices++];
		d->index = s->index;
		d->kind = slot_kind(s);
		d->needs_reset = atomic_load(&s->needs_reset);
		vdev_virtio_blk_get_stats(s->blk, &d->blk);
		vdev_virtio_net_get_stats(s->net, &d->net);
	}
}

int vmm_machine_pause(struct vmm_machine_env *env)
{
	struct vmm_machine *m = env->priv;
	int r;

	if (atomic_load(&m->exit_status) >= 0)
		return -ESHUTDOWN;
	if (atomic_load(&m->paused))
		return 0;
	r = vcpu_set_pause(env->vcpus);
	if (r < 0)
		return r;
	atomic_store(&m->paused, true);
	vmm_machine_log(env, VMM_LOG_INFO, "the vCPUs are paused");
	return 1;
}

int vmm_machine_resume(struct vmm_machine_env *env)
{
	struct vmm_machine *m = env->priv;
	int r;

	if (atomic_load(&m->exit_status) >= 0)
		return -ESHUTDOWN;
	if (!atomic_load(&m->paused))
		return 0;
	r = vcpu_set_resume(env->vcpus);
	if (r < 0)
		return r;
	atomic_store(&m->paused, false);
	vmm_machine_log(env, VMM_LOG_INFO, "the vCPUs are resumed");
	return 1;
}

/* ---------------------------------------------------------------------------------------
 * Interrupt lines and device callbacks
 * ------------------------------------------------------------------------------------- */

static int irq_assert(void *ctx, uint32_t line)
{
	struct vmm_machine *m = ctx;
	return vmm_arch_set_irq(m->arch, line, true);
}

static int irq_deassert(void *ctx, uint32_t line)
{
	struct vmm_machine *m = ctx;
	return vmm_arch_set_irq(m->arch, line, false);
}

static struct vdev_irq make_irq(struct vmm_machine *m, uint32_t line)
{
	return (struct vdev_irq){
	    .assert_line = irq_assert, .deassert_line = irq_deassert, .ctx = m, .line = line};
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* An irqfd slot's line (struct vmm_slot): raising it is an eventfd write (any thread, no
   system call into KVM's ioctl path): an edge, or for a level-triggered line a level
   that KVM lowers at the guest's EOI. */
static void irqfd_raise(struct vmm_slot *s)
{
	uint64_t one = 1;

	if (write(s->irq_trigger_fd, &one, sizeof(one)) < 0) {
		/* The counter is saturated: KVM has a raise pending already. */
	}
}

static int irqfd_assert(void *ctx, uint32_t line)
{
	struct vmm_slot *s = ctx;

	atomic_store(&s->irq_level, true);
	if (s->irq_trigger_fd < 0)
		return vmm_arch_set_irq(s->m->arch, line, true);
	irqfd_raise(s);
	return 0;
}

static int irqfd_deassert(void *ctx, uint32_t line)
{
	struct vmm_slot *s = ctx;

	atomic_store(&s->irq_level, false);
	return s->irq_trigger_fd < 0 ? vmm_arch_set_irq(s->m->arch, line, false) : 0;
}

/* KVM lowered an irqfd slot's GSI (the guest acknowledged the interrupt): raise it again
   while the device still asserts its line. */
static void on_irq_resample(void *ctx, int fd, uint32_t events)
{
	struct vmm_slot *s = ctx;
	uint64_t v;

	(void)events;
	if (read(fd, &v, sizeof(v)) < 0) {
		/* nothing pending: a spurious wake-up */
	}
	if (atomic_load(&s->irq_level))
		irqfd_raise(s);
}

/* Arms a CLOCK_REALTIME timerfd for deadline_ns (absolute), or disarms it (-1). */
static void timer_set(int tfd, int64_t deadline_ns)
{
	struct itimerspec its = {0};

	if (deadline_ns >= 0) {
		its.it_value.tv_sec = deadline_ns / 1000000000;
		its.it_value.tv_nsec = deadline_ns % 1000000000;
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1; /* zero would disarm */
	}
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* The RTC's deadline (CLOCK_REALTIME ns, or -1) to the timerfd. Called with the RTC's
   lock held, from whichever thread touched the RTC. */
static void rtc_timer_changed(void *ctx, int64_t deadline_ns)
{
	struct vmm_machine *m = ctx;

	timer_set(m->rtc_tfd, deadline_ns);
}

static void replay_irqs(struct vmm_machine *m)
{
	vdev_uart_irq_replay(m->uart);
	vdev_rtc_irq_replay(m->rtc);
	vdev_cmos_irq_replay(m->cmos);
	for (uint32_t i = 0; i < m->nslots; i++) {
		struct vmm_slot *s = &m->slots[i];
		if (s->irq_trigger_fd < 0) {
			vdev_virtio_mmio_irq_replay(s->t);
		} else if (atomic_load(&s->irq_level)) {
			/* An irqfd cannot lower its line: KVM_IRQ_LINE does (arm64's vGIC keeps
			   one level per line, whoever set it), and the irqfd raises it again. */
			vmm_arch_set_irq(m->arch, s->line, false);
			irqfd_raise(s);
		}
	}
	vmm_arch_irq_replay(m->arch);
}

int vmm_machine_snapshot(struct vmm_machine_env *env)
{
	struct vmm_machine *m = env->priv;

	if (m->snap.state_fd < 0)
		return -ENOTSUP;
	if (atomic_load(&m->exit_status) >= 0 || atomic_load(&m->loop_ended))
		return -ESHUTDOWN;
	if (!atomic_load(&m->suspended_since_ns))
		return -EAGAIN;
	int ret = vmm_arch_prepare_snapshot(m->arch);
	if (ret < 0)
		return ret;
	vmm_machine_log(env, VMM_LOG_INFO, "control socket: writing the suspended VM to '%s'",
	                m->snap.dir);
	vmm_machine_request_exit(env, VMM_EXIT_SNAPSHOT, NULL, NULL);
	return 0;
}

/* ---------------------------------------------------------------------------------------
 * vCPU handlers (on the vCPU threads)
 * ------------------------------------------------------------------------------------- */

static uint64_t vmm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void phase_end(struct vmm_machine *m, enum vmm_phase p)
{
	m->phase_ns[p] = vmm_now_ns();
}

/* The start-up profile: each phase's milliseconds, from vmm_machine_run()'s start. */
static void log_phases(struct vmm_machine *m)
{
	char line[512];
	size_t n = 0;
	uint64_t prev = m->run_ns;

	if (m->env.cfg->log_level < VMM_LOG_INFO)
		return;
	for (int p = 0; p < VMM_PHASES && n < sizeof(line); p++) {
		uint64_t t = m->phase_ns[p] ? m->phase_ns[p] : prev;
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s %.1f", p ? ", " : "",
		                      vmm_phase_names[p], (double)(t - prev) / 1e6);
		prev = t;
	}
	uint64_t vf = atomic_load(&m->vcpu_filter_ns);
	if (n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n, " ms; %.1f ms in all",
		                      (double)(prev - m->run_ns) / 1e6);
	/* On the vCPU's own thread, between its start and its first KVM_RUN. */
	if (vf && n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, "; the first vCPU thread's filter %.1f ms",
		         (double)vf / 1e6);
	vmm_machine_log(&m->env, VMM_LOG_INFO, "start-up: %s", line);
}

/* Whether a line of the kind l counts may still be logged at level: VMM_LOG_BURST per
   VMM_LOG_WINDOW_S. The first refused one in a window logs that the kind (what) goes
   quiet; the first line of the next window, how many were not logged. Thread-safe (two
   threads at a window's edge may each log one line more). */
static bool log_limited(struct vmm_machine *m, struct vmm_log_limit *l, enum vmm_log_level level,
                        const char *what)
{
	unsigned int dropped;

	if (level > m->env.cfg->log_level)
		return false;
	enum vmm_log_verdict v = vmm_log_limit_check(l, vmm_now_ns(), &dropped);
	if (dropped)
		vmm_machine_log(&m->env, level, "%s: %u not logged in the last %u s or more", what,
		                dropped, VMM_LOG_WINDOW_S);
	if (v == VMM_LOG_NO_FIRST)
		vmm_machine_log(&m->env, level, "%s: %u logged, further ones are not for %u s",
		                what, VMM_LOG_BURST, VMM_LOG_WINDOW_S);
	return v == VMM_LOG_YES;
}

static int on_bus(struct vmm_machine *m, struct vdev_bus *bus, uint64_t addr, uint8_t *data,
                  uint32_t len, bool is_write)
{
	int ret;

	if (atomic_exchange(&m->replay_pending, false))
		replay_irqs(m);
	ret = is_write ? vdev_bus_write(bus, addr, data, len) : vdev_bus_read(bus, addr, data, len);
	/* No device there: reads give 0, writes are dropped, as on hardware. */
	if (ret < 0 && log_limited(m, &m->unmapped_log, VMM_LOG_DEBUG, "accesses with no device"))
		vmm_machine_log(&m->env, VMM_LOG_DEBUG, "%s of %u bytes at %#llx: no device",
		                is_write ? "write" : "read", len, (unsigned long long)addr);
	return 0;
}

static int on_mmio(void *opaque, struct vcpu *v, uint64_t addr, uint8_t *data, uint32_t len,
                   bool is_write)
{
	(void)v;
	struct vmm_machine *m = opaque;
	return on_bus(m, m->env.mmio, addr, data, len, is_write);
}

/*
 * After an x86 S3 wake-up, input that came while the guest slept (the byte that woke it)
 * waits in the UART, its edge-triggered IRQ 4 lost: it was raised while the guest's local
 * APIC was software-disabled for the sleep, which drops it. When the guest's serial driver
 * resumes and writes the IER again, the line is lowered and raised (a new edge, as a
 * 16550 gives when its interrupt is enabled with data waiting), until the guest reads the
 * receive buffer.
 */
static int on_pio(void *opaque, struct vcpu *v, uint16_t port, uint8_t *data, uint32_t size,
                  bool is_write)
{
	(void)v;
	struct vmm_machine *m = opaque;
	int ret = on_bus(m, m->env.pio, port, data, size, is_write);

	if (m->desc.uart_on_pio && atomic_load(&m->uart_replay_pending)) {
		if (is_write && port == m->desc.uart_base + 1)
			vdev_uart_irq_replay(m->uart);
		else if (!is_write && port == m->desc.uart_base)
			atomic_store(&m->uart_replay_pending, false);
	}
	return ret;
}

/* The --suspend policy. The outcome is logged by on_suspended() or on_suspend_refused():
   the vcpu library may still refuse an allowed call (a bad entry point). */
static bool on_suspend_allowed(void *opaque, struct vcpu *v, uint64_t entry, uint64_t ctx_id)
{
	(void)v, (void)entry, (void)ctx_id;
	struct vmm_machine *m = opaque;
	return m->env.cfg->suspend != VMM_SUSPEND_DENY;
}

static void on_suspended(void *opaque, struct vcpu *v, uint64_t entry, uint64_t ctx_id)
{
	struct vmm_machine *m = opaque;
	atomic_fetch_add(&m->suspends, 1);
	atomic_store(&m->suspended_since_ns, vmm_now_ns());
	struct json_object *d = event_data(m);
	if (d) {
		json_object_object_add(d, "vcpu", json_object_new_int((int)vcpu_id(v)));
		json_object_object_add(d, "entry", json_object_new_uint64(entry));
		json_object_object_add(d, "context_id", json_object_new_uint64(ctx_id));
	}
	vmm_api_event(m->env.api, "SUSPEND", d);
	/* A guest that leaves an interrupt pending wakes at once and can suspend again in a
	   loop: these lines are rate-limited like every guest-caused line. */
	if (log_limited(m, &m->suspend_log, VMM_LOG_INFO, "honoured SYSTEM_SUSPEND calls"))
		vmm_machine_log(&m->env, VMM_LOG_INFO,
		                "vCPU %u: SYSTEM_SUSPEND (entry %#llx, context %#llx): honoured",
		                vcpu_id(v), (unsigned long long)entry, (unsigned long long)ctx_id);
	if (m->env.cfg->suspend == VMM_SUSPEND_SNAPSHOT) {
		/* The VM goes to disk: the vCPU parks instead of waiting for a wake-up (an
		   interrupt pending already would run guest code the snapshot must not miss),
		   and the loop ends to write it (write_snapshot()). */
		vcpu_pause(v);
		vmm_machine_request_exit(&m->env, VMM_EXIT_SNAPSHOT, NULL, NULL);
	}
}

static void on_suspend_refused(void *opaque, struct vcpu *v, int32_t psci_ret, uint64_t entry,
                               uint64_t ctx_id)
{
	struct vmm_machine *m = opaque;
	const char *why = psci_ret == CVMM_PSCI_RET_DENIED            ? "denied"
	                  : psci_ret == CVMM_PSCI_RET_INVALID_ADDRESS ? "invalid entry address"
	                                                              : "refused";
	int kind = psci_ret == CVMM_PSCI_RET_DENIED            ? 0
	           : psci_ret == CVMM_PSCI_RET_INVALID_ADDRESS ? 1
	                                                       : 2;
	static const char *const kinds[] = {"denied SYSTEM_SUSPEND calls",
	                                    "SYSTEM_SUSPEND calls with a bad entry",
	                                    "otherwise refused SYSTEM_SUSPEND calls"};
	atomic_fetch_add(&m->suspends_refused, 1);
	atomic_fetch_add(&m->refused_by_kind[kind], 1);
	if (log_limited(m, &m->refused_log[kind], VMM_LOG_INFO, kinds[kind]))
		vmm_machine_log(&m->env, VMM_LOG_INFO,
		                "vCPU %u: SYSTEM_SUSPEND (entry %#llx, context %#llx): %s (%s)%s",
		                vcpu_id(v), (unsigned long long)entry, (unsigned long long)ctx_id,
		                why, psci_ret_name(psci_ret),
		                psci_ret == CVMM_PSCI_RET_DENIED &&
		                        m->env.cfg->suspend == VMM_SUSPEND_DENY
		                    ? ", --suspend deny"
		                    : "");
}

/* A wake-up from any sleep (PSCI SYSTEM_SUSPEND, ACPI S3): counts it and the time slept,
   which it returns in ns. */
static uint64_t account_wakeup(struct vmm_machine *m)
{
	uint64_t since = atomic_exchange(&m->suspended_since_ns, 0), took = 0;

	if (since) {
		took = vmm_now_ns() - since;
		atomic_fetch_add(&m->suspended_total_ns, took);
	}
	atomic_fetch_add(&m->resumes, 1);
	return took;
}

static void on_resumed(void *opaque, struct vcpu *v)
{
	struct vmm_machine *m = opaque;
	uint64_t took = account_wakeup(m);

	atomic_store(&m->replay_pending, true);
	struct json_object *d = event_data(m);
	if (d) {
		json_object_object_add(d, "vcpu", json_object_new_int((int)vcpu_id(v)));
		json_object_object_add(d, "suspended_ms",
		                       json_object_new_int64((int64_t)(took / 1000000)));
	}
	vmm_api_event(m->env.api, "WAKEUP", d);
	if (log_limited(m, &m->resume_log, VMM_LOG_INFO, "wake-ups from SYSTEM_SUSPEND"))
		vmm_machine_log(&m->env, VMM_LOG_INFO, "vCPU %u: woke up from SYSTEM_SUSPEND",
		                vcpu_id(v));
}

void vmm_machine_slept(struct vmm_machine_env *env, const char *how)
{
	struct vmm_machine *m = env->priv;
	uint64_t one = 1;

	atomic_fetch_add(&m->suspends, 1);
	atomic_store(&m->suspended_since_ns, vmm_now_ns());
	struct json_object *d = event_data(m);
	if (d)
		json_object_object_add(d, "how", json_object_new_string(how));
	vmm_api_event(m->env.api, "SUSPEND", d);
	if (log_limited(m, &m->suspend_log, VMM_LOG_INFO, "sleeps"))
		vmm_machine_log(env, VMM_LOG_INFO, "the guest went to sleep (%s)", how);
	if (write(m->slept_evfd, &one, sizeof(one)) < 0) {
		/* The counter is saturated: the loop will look anyway. */
	}
}

void vmm_machine_woke(struct vmm_machine_env *env, const char *why)
{
	struct vmm_machine *m = env->priv;
	uint64_t took = account_wakeup(m);

	atomic_store(&m->uart_replay_pending, true);
	struct json_object *d = event_data(m);
	if (d) {
		json_object_object_add(d, "why", json_object_new_string(why));
		json_object_object_add(d, "suspended_ms",
		                       json_object_new_int64((int64_t)(took / 1000000)));
	}
	vmm_api_event(m->env.api, "WAKEUP", d);
	if (log_limited(m, &m->resume_log, VMM_LOG_INFO, "wake-ups"))
		vmm_machine_log(env, VMM_LOG_INFO, "the guest woke up (%s) after %llu ms", why,
		                (unsigned long long)(took / 1000000));
}

/* A virtio queue's call stopped at its budget with requests left (a driver adding them as
   fast as they are served, or a request that re-posts itself): the rest runs from the
   event loop, through the queue's own ioeventfd, after the loop has served whatever else
   was ready (signals, the console, timers, the other queues). Called with the transport's
   lock held, on a vCPU thread or the main thread: an eventfd write, nothing more. */
static void on_work_left(void *ctx, uint16_t queue)
{
	struct vmm_slot *s = ctx;
	uint64_t one = 1;

	if (queue < s->nq && write(s->qfd[queue], &one, sizeof(one)) < 0) {
		/* The counter is saturated: a wake-up is pending already. */
	}
}

/* A virtio device set DEVICE_NEEDS_RESET (a virtqueue or request it refused). Called with
   the transport's lock held, on a vCPU thread or the main thread. A guest can repeat it
   at will (reset, break the queue again), so each device's first is logged, the others
   counted (the exit summary gives the count). */
static void on_needs_reset(void *ctx, int queue, const char *reason)
{
	struct vmm_slot *s = ctx;
	struct vmm_machine *m = s->m;

	atomic_fetch_add(&m->needs_reset, 1);
	atomic_fetch_add(&s->needs_reset, 1);
	if (atomic_exchange(&s->reset_logged, true))
		return;
	struct json_object *d = event_data(m);
	if (d) {
		json_object_object_add(d, "device", json_object_new_int((int)s->index));
		json_object_object_add(d, "kind", json_object_new_string(slot_kind(s)));
		json_object_object_add(d, "queue", json_object_new_int(queue));
		json_object_object_add(d, "reason", json_object_new_string(reason));
	}
	vmm_api_event(m->env.api, "DEVICE_NEEDS_RESET", d);
	if (!log_limited(m, &m->needs_reset_log, VMM_LOG_INFO, "DEVICE_NEEDS_RESET lines"))
		return;
	char q[24] = "";
	const char *kind = slot_kind(s);
	if (queue >= 0)
		snprintf(q, sizeof(q), " queue %d", queue);
	vmm_machine_log(
	    &m->env, VMM_LOG_INFO,
	    "virtio device %u (%s at %#llx)%s: %s: DEVICE_NEEDS_RESET (logged once "
	    "per device)",
	    s->index, kind,
	    (unsigned long long)(m->desc.virtio_base + s->index * m->desc.virtio_stride), q,
	    reason);
}

static int end_status(struct vmm_machine *m, struct vcpu *v, const struct vcpu_end *e);

/* The end is judged here, from the end the loop hands over: the set records it only
   after this handler returns, too late for the event loop to read it when woken. */
static void on_stopped(void *opaque, struct vcpu *v, const struct vcpu_end *end)
{
	struct vmm_machine *m = opaque;
	int st = end_status(m, v, end);
	struct json_object *d;
	const char *event;

	if (st < 0)
		return;
	d = event_data(m);
	switch (end->reason) {
	case VCPU_END_SHUTDOWN:
		event = "SHUTDOWN";
		break;
	case VCPU_END_RESET:
		event = "RESET";
		if (d)
			json_object_object_add(
			    d, "cause",
			    json_object_new_string(
				end->exit_reason == KVM_EXIT_SHUTDOWN ? "triple-fault" : "guest"));
		break;
	case VCPU_END_CRASH:
		event = "GUEST_CRASH";
		if (d)
			json_object_object_add(d, "vcpu", json_object_new_int((int)vcpu_id(v)));
		break;
	default:
		event = "STOP";
		if (d) {
			json_object_object_add(d, "reason", json_object_new_string("error"));
			json_object_object_add(d, "vcpu", json_object_new_int((int)vcpu_id(v)));
			json_object_object_add(
			    d, "end", json_object_new_string(vcpu_end_reason_name(end->reason)));
		}
		break;
	}
	vmm_machine_request_exit(&m->env, st, event, d);
}

/* Every descriptor the threads use once set-up is over, each with what it is for: the
   filters allow the descriptor calls on these alone (sandbox.h). */
static int sandbox_register_fds(struct vmm_machine *m)
{
	int r = 0;

	vmm_sandbox_clear_fds();
	if (m->console.out_fd >= 0)
		r = vmm_sandbox_add_fd(VMM_FD_CONSOLE_OUT, m->console.out_fd);
	if (r == 0 && m->console.in_fd >= 0)
		r = vmm_sandbox_add_fd(VMM_FD_CONSOLE_IN, m->console.in_fd);
	if (r == 0)
		r = vmm_sandbox_add_fd(VMM_FD_EPOLL, evl_fd(m->loop));
	int events[] = {m->sigfd, m->exit_evfd, m->console.evfd, m->slept_evfd};
	for (size_t i = 0; r == 0 && i < sizeof(events) / sizeof(events[0]); i++)
		r = vmm_sandbox_add_fd(VMM_FD_EVENT, events[i]);
	if (r == 0)
		r = vmm_sandbox_add_fd(VMM_FD_TIMER, m->rtc_tfd);
	if (r == 0)
		r = vmm_sandbox_add_fd(VMM_FD_TIMER, m->key_tfd);
	if (r == 0 && m->env.api) {
		int listen_fd, event_fd;
		vmm_api_fds(m->env.api, &listen_fd, &event_fd);
		r = vmm_sandbox_add_fd(VMM_FD_API_LISTEN, listen_fd);
		if (r == 0)
			r = vmm_sandbox_add_fd(VMM_FD_EVENT, event_fd);
	}
	for (uint32_t i = 0; r == 0 && i < m->nslots; i++) {
		const struct vmm_slot *s = &m->slots[i];
		/* The device's own descriptor of the image (it keeps a dup of disk_fd), and
		   disk_fd, flushed at the end. */
		if (s->blk)
			r = vmm_sandbox_add_fd(VMM_FD_DISK, vdev_virtio_blk_image_fd(s->blk));
		if (r == 0 && s->disk_fd >= 0)
			r = vmm_sandbox_add_fd(VMM_FD_DISK, s->disk_fd);
		for (uint16_t q = 0; r == 0 && q < s->nq; q++)
			r = vmm_sandbox_add_fd(VMM_FD_EVENT, s->qfd[q]);
		if (r == 0 && s->net)
			r = vmm_sandbox_add_fd(VMM_FD_NET, vdev_virtio_net_fd(s->net));
		if (r == 0 && s->net)
			r = vmm_sandbox_add_fd(VMM_FD_EVENT, s->net_wait_evfd);
		if (r == 0 && s->irq_trigger_fd >= 0)
			r = vmm_sandbox_add_fd(VMM_FD_EVENT, s->irq_trigger_fd);
		if (r == 0 && s->irq_resample_fd >= 0)
			r = vmm_sandbox_add_fd(VMM_FD_EVENT, s->irq_resample_fd);
	}
	if (r == 0)
		r = vmm_sandbox_add_fd(VMM_FD_VM, kvmio_vm_fd(m->env.vm));
	for (size_t i = 0; r == 0 && i < vcpu_set_count(m->env.vcpus); i++) {
		struct vcpu *v = vcpu_set_find(m->env.vcpus, (uint32_t)i);
		r = v ? vmm_sandbox_add_fd(VMM_FD_VCPU, kvmio_vcpu_fd(vcpu_kvm(v))) : -ENOENT;
	}
	/* --suspend snapshot:DIR: the slot's files, written at the end; the interrupt
	   controller, read then; and a restored RAM's file, whose holes a new snapshot
	   skips (lseek SEEK_DATA). */
	if (r == 0 && m->snap.state_fd >= 0) {
		r = vmm_sandbox_add_fd(VMM_FD_SNAPSHOT, m->snap.state_fd);
		if (r == 0)
			r = vmm_sandbox_add_fd(VMM_FD_SNAPSHOT, m->snap.mem_fd);
		if (r == 0 && m->snap.pagemap_fd >= 0)
			r = vmm_sandbox_add_fd(VMM_FD_SNAPSHOT_SOURCE, m->snap.pagemap_fd);
		if (r == 0)
			r = vmm_arch_sandbox_fds(m->arch);
		for (size_t i = 0; r == 0 && i < vmem_map_region_count(m->env.mem); i++) {
			int fd = vmem_region_fd(vmem_map_region_at(m->env.mem, i));
			if (fd >= 0)
				r = vmm_sandbox_add_fd(VMM_FD_SNAPSHOT_SOURCE, fd);
		}
	}
	return r;
}

static int on_thread_started(void *opaque, struct vcpu *v)
{
	(void)v;
	struct vmm_machine *m = opaque;

	if (!m->env.cfg->seccomp)
		return 0;
	uint64_t t0 = vmm_now_ns(), none = 0;
	int ret = vmm_sandbox_install(VMM_THREAD_VCPU);
	atomic_compare_exchange_strong(&m->vcpu_filter_ns, &none, vmm_now_ns() - t0);
	return ret;
}

/* ---------------------------------------------------------------------------------------
 * Set-up
 * ------------------------------------------------------------------------------------- */

/* Opens an input for vmm_boot_prepare(), which reads it straight into guest RAM. */
static int open_input(const char *what, const char *path, size_t max, struct ll_file *f)
{
	int ret = ll_file_open(path, max, f);

	if (ret == -EFBIG)
		vmm_error_line("%s '%s' is larger than guest RAM", what, path);
	else if (ret == -EINVAL)
		vmm_error_line("%s '%s' is not a regular, non-empty file", what, path);
	else if (ret < 0)
		vmm_error_line("cannot read %s '%s': %s", what, path, strerror(-ret));
	return ret;
}

/*
 * Refuses a console file that is one of the VM's inputs (the same device and inode as the
 * kernel, the initrd or a disk): opening it for the console would truncate that input.
 * Checked before anything is opened for writing. 0, or -1 after the error line.
 */
static int check_console_file(const struct vmm_config *cfg)
{
	struct stat con, st;
	const char *what[2 + VMM_DISKS_MAX], *path[2 + VMM_DISKS_MAX];
	uint32_t n = 0;

	if (cfg->console != VMM_CONSOLE_FILE || stat(cfg->console_path, &con) < 0)
		return 0; /* no file yet: nothing to lose */
	what[n] = "kernel", path[n++] = cfg->kernel;
	if (cfg->initrd)
		what[n] = "initrd", path[n++] = cfg->initrd;
	for (uint32_t i = 0; i < cfg->num_disks && n < 2 + VMM_DISKS_MAX; i++)
		what[n] = "disk", path[n++] = cfg->disks[i].path;
	for (uint32_t i = 0; i < n; i++) {
		if (path[i] && stat(path[i], &st) == 0 && st.st_dev == con.st_dev &&
		    st.st_ino == con.st_ino) {
			vmm_error_line("--console file:%s is the %s '%s': refusing to overwrite it",
			               cfg->console_path, what[i], path[i]);
			return -1;
		}
	}
	return 0;
}

static int check_disks(const struct vmm_config *cfg)
{
	for (uint32_t i = 0; i < cfg->num_disks; i++) {
		const struct vmm_disk_config *d = &cfg->disks[i];
		int fd = open(d->path, (d->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (fd < 0) {
			vmm_error_line("cannot open disk '%s'%s: %s", d->path,
			               d->read_only ? "" : " for writing", strerror(errno));
			return -1;
		}
		close(fd);
	}
	return 0;
}

static struct vmem_map *create_ram(const struct vmm_config *cfg, uint64_t mem)
{
	struct vmm_ram_region regions[VMM_RAM_REGIONS_MAX];
	struct vmem_map *map = NULL;
	int n = vmm_boot_ram_regions(mem, regions), ret;

	if (n < 0) {
		vmm_error_line("%u MiB of guest RAM is too little", cfg->memory_mib);
		return NULL;
	}
	ret = vmem_map_create(&map);
	/* No VMEM_REGION_THP: with the host's default THP settings (enabled "always", defrag
	   "madvise") the 2 MiB-aligned regions get huge pages whenever free ones exist, and a
	   region that asks for them would also stall in direct compaction on faults once
	   memory is fragmented: asking took the benchmark's guest boot from 0.57x to 0.79x
	   of QEMU's in the emulated arm64 host (runs after the first stalled). */
	for (int i = 0; ret == 0 && i < n; i++)
		ret = vmem_map_add_anon(map, regions[i].gpa, regions[i].size, 0);
	if (ret < 0) {
		vmm_error_line("cannot allocate %u MiB of guest RAM: %s", cfg->memory_mib,
		               strerror(-ret));
		vmem_map_destroy(map);
		return NULL;
	}
	return map;
}

static int register_ram(struct vmm_machine *m)
{
	for (size_t i = 0; i < vmem_map_region_count(m->env.mem); i++) {
		struct vmem_region_info ri;
		vmem_region_get_info(vmem_map_region_at(m->env.mem, i), &ri);
		int ret = kvmio_vm_set_user_memory_region(m->env.vm, ri.slot, 0, ri.gpa, ri.size,
		                                          ri.host);
		if (ret < 0) {
			vmm_error_line("cannot give guest RAM at %#llx to KVM: %s",
			               (unsigned long long)ri.gpa, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static void drain(int fd)
{
	uint64_t v;
	if (read(fd, &v, sizeof(v)) < 0) {
		/* nothing pending: a spurious wake-up */
	}
}

/* Watches a net slot's tap for what its device waits for now: readable while it wants
   frames, writable while a frame waits for room. Main thread. */
static void net_watch(struct vmm_slot *s)
{
	bool r, w;

	if (s->tap_gone)
		return;
	vdev_virtio_net_wants(s->net, &r, &w);
	uint32_t events = (r ? EVL_IN : 0u) | (w ? EVL_OUT : 0u);
	if (events != s->tap_events &&
	    evl_modify(s->m->loop, vdev_virtio_net_fd(s->net), events) == 0)
		s->tap_events = events;
}

/* The device's wait callback: with the transport's lock held, on a vCPU thread or the
   main thread; an eventfd write, and the loop calls net_watch(). */
static void on_net_wait(void *ctx, bool want_read, bool want_write)
{
	struct vmm_slot *s = ctx;
	uint64_t one = 1;

	(void)want_read;
	(void)want_write;
	if (write(s->net_wait_evfd, &one, sizeof(one)) < 0) {
		/* The counter is saturated: the loop has a pending wake-up already. */
	}
}

static void on_net_wait_changed(void *ctx, int fd, uint32_t events)
{
	(void)events;
	drain(fd);
	net_watch(ctx);
}

/* The tap is readable (frames for the guest) or writable (room for a held frame). */
static void on_tap_ready(void *ctx, int fd, uint32_t events)
{
	struct vmm_slot *s = ctx;

	if (events & (EVL_IN | EVL_ERR | EVL_HUP))
		vdev_virtio_mmio_process_queue(s->t, VDEV_VIRTIO_NET_RXQ);
	if (events & EVL_OUT)
		vdev_virtio_mmio_process_queue(s->t, VDEV_VIRTIO_NET_TXQ);
	/* A tap whose interface was deleted under the VM: the device reads no more and the
	   loop stops watching it (it would report an error for ever); the guest's frames
	   to it are dropped from now on. */
	if (!s->tap_gone &&
	    (vdev_virtio_net_backend_gone(s->net) ||
	     ((events & (EVL_ERR | EVL_HUP)) && vdev_virtio_net_backend_hangup(s->net)))) {
		s->tap_gone = true;
		evl_remove(s->m->loop, fd);
		vmm_machine_log(&s->m->env, VMM_LOG_WARN,
		                "virtio-net: tap '%s' is gone: no more frames from it, and the "
		                "guest's to it are dropped",
		                s->tap_name);
		return;
	}
	net_watch(s);
}

/* A virtio queue's QueueNotify (its ioeventfd), or the rest of its work after a budget
   (work_left signals the same eventfd). */
static void on_queue_notify(void *ctx, int fd, uint32_t events)
{
	struct vmm_queue *q = ctx;

	(void)events;
	drain(fd);
	vdev_virtio_mmio_process_queue(q->slot->t, q->index);
	if (q->slot->net)
		net_watch(q->slot);
}

/* Wires slot s's line to KVM_IRQFD, with a resample eventfd for a level-triggered line
   (struct vmm_slot). Returns 0, or a negative errno after which the slot keeps
   KVM_IRQ_LINE. */
static int irqfd_setup(struct vmm_machine *m, struct vmm_slot *s, uint32_t line, uint32_t *gsi)
{
	int ret = vmm_arch_line_gsi(m->arch, line, gsi);

	if (ret < 0)
		return ret;
	s->irq_trigger_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!m->desc.virtio_irq_edge)
		s->irq_resample_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->irq_trigger_fd < 0 || (!m->desc.virtio_irq_edge && s->irq_resample_fd < 0))
		ret = -errno;
	if (ret == 0)
		ret = kvmio_vm_irqfd(m->env.vm, s->irq_trigger_fd, *gsi, s->irq_resample_fd);
	if (ret == 0 && s->irq_resample_fd >= 0)
		ret = evl_add(m->loop, s->irq_resample_fd, EVL_IN, on_irq_resample, s);
	if (ret < 0) {
		if (s->irq_trigger_fd >= 0)
			kvmio_vm_irqfd_remove(m->env.vm, s->irq_trigger_fd, *gsi);
		close_fd(s->irq_trigger_fd);
		close_fd(s->irq_resample_fd);
		s->irq_trigger_fd = s->irq_resample_fd = -1;
	}
	return ret;
}

/* The irqfds of the slots that want one (struct vmm_slot), once the interrupt controller
   is initialised (arm64 KVM refuses an irqfd before: EAGAIN) and before any vCPU runs. A
   line a restore raised meanwhile through KVM_IRQ_LINE moves to its irqfd. */
static void wire_irqfds(struct vmm_machine *m)
{
	for (uint32_t i = 0; i < m->nslots; i++) {
		struct vmm_slot *s = &m->slots[i];
		uint32_t gsi = 0;
		if (!s->want_irqfd)
			continue;
		int ret = irqfd_setup(m, s, s->line, &gsi);
		if (ret == 0 && atomic_load(&s->irq_level)) {
			vmm_arch_set_irq(m->arch, s->line, false);
			irqfd_raise(s);
		}
		if (ret == 0)
			vmm_machine_log(&m->env, VMM_LOG_INFO,
			                "virtio slot %u: interrupt through an irqfd (GSI %u)", i,
			                gsi);
		else
			vmm_machine_log(&m->env, VMM_LOG_WARN,
			                "virtio slot %u: interrupt through KVM_IRQ_LINE: KVM_IRQFD "
			                "for GSI %u refused: %s",
			                i, gsi, strerror(-ret));
	}
}

/* Puts device dev in virtio slot i; with irqfd, its interrupt is to go through KVM_IRQFD
   (wire_irqfds()). */
static int add_slot(struct vmm_machine *m, const struct vdev_virtio_device *dev, uint32_t i,
                    bool irqfd)
{
	struct vmm_slot *s = &m->slots[i];
	uint64_t base = m->desc.virtio_base + i * m->desc.virtio_stride;
	uint32_t line = m->desc.virtio_irq + i;
	struct vdev_virtio_mmio_config tc = {
	    .mem = m->env.mem,
	    .irq = make_irq(m, line),
	    .device = *dev,
	    .needs_reset = on_needs_reset,
	    .needs_reset_ctx = s,
	    .work_left = on_work_left,
	    .work_left_ctx = s,
	};
	int ret;

	s->m = m;
	s->index = i;
	s->line = line;
	s->want_irqfd = irqfd;
	if (irqfd)
		tc.irq = (struct vdev_irq){.assert_line = irqfd_assert,
		                           .deassert_line = irqfd_deassert,
		                           .ctx = s,
		                           .line = line};
	ret = vdev_virtio_mmio_create(&tc, &s->t);

	if (ret == 0)
		ret = vdev_bus_insert(m->env.mmio, base, VDEV_VIRTIO_MMIO_SIZE,
		                      vdev_virtio_mmio_ops(), s->t);
	if (ret == 0)
		ret = vmm_machine_record_add(&m->env.record, VMM_DEVICE_VIRTIO, base,
		                             VDEV_VIRTIO_MMIO_SIZE, m->desc.virtio_irq + i);
	s->nq = dev->num_queues;
	for (uint16_t q = 0; ret == 0 && q < s->nq; q++) {
		uint64_t match = q;
		s->qfd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (s->qfd[q] < 0)
			return -errno;
		/* QueueNotify writes go to the main loop without a vCPU exit. */
		ret = kvmio_vm_ioeventfd(m->env.vm, s->qfd[q], KVMIO_IOEVENT_MMIO,
		                         base + VIRTIO_NOTIFY_OFF, 4, &match);
		s->queues[q] = (struct vmm_queue){.slot = s, .index = q};
		if (ret == 0)
			ret = evl_add(m->loop, s->qfd[q], EVL_IN, on_queue_notify, &s->queues[q]);
	}
	return ret;
}

/* Console input is a wake source (x86 S3; on arm64 the UART's interrupt wakes the vCPU). */
static void on_console_input(void *ctx)
{
	struct vmm_machine *m = ctx;

	vmm_arch_wake_source(m->arch, VMM_WAKE_CONSOLE);
}

static int create_devices(struct vmm_machine *m)
{
	const struct vmm_config *cfg = m->env.cfg;
	struct vdev_uart_config uc = {
	    .irq = make_irq(m, m->desc.uart_irq),
	    .reg_shift = m->desc.uart_shift,
	};
	int ret;

	for (uint32_t i = 0; i < VMM_VIRTIO_SLOTS_MAX; i++) {
		struct vmm_slot *s = &m->slots[i];
		s->net_wait_evfd = s->irq_trigger_fd = s->irq_resample_fd = -1;
	}
	vmm_console_uart_config(&m->console, &uc);
	ret = vdev_uart_create(&uc, &m->uart);
	m->console.input_arrived = on_console_input;
	m->console.input_ctx = m;
	if (ret == 0)
		ret = vmm_console_attach(&m->console, m->loop, m->uart);
	if (ret < 0) {
		vmm_error_line("cannot create the console UART: %s", strerror(-ret));
		return ret;
	}
	ret = vdev_bus_insert(m->desc.uart_on_pio ? m->env.pio : m->env.mmio, m->desc.uart_base,
	                      (uint64_t)VDEV_UART_REGS << m->desc.uart_shift, vdev_uart_ops(),
	                      m->uart);
	if (ret == 0)
		ret = vmm_machine_record_add(&m->env.record, VMM_DEVICE_UART, m->desc.uart_base,
		                             (uint64_t)VDEV_UART_REGS << m->desc.uart_shift,
		                             m->desc.uart_irq);
	if (ret == 0 && m->desc.rtc == VMM_RTC_CMOS) {
		struct vdev_cmos_config cc = {.irq = make_irq(m, m->desc.rtc_irq),
		                              .timer_changed = rtc_timer_changed,
		                              .timer_ctx = m};
		ret = vdev_cmos_create(&cc, &m->cmos);
		if (ret == 0)
			ret = vdev_bus_insert(m->env.pio, m->desc.rtc_base, VDEV_CMOS_SIZE,
			                      vdev_cmos_ops(), m->cmos);
		if (ret == 0)
			ret =
			    vmm_machine_record_add(&m->env.record, VMM_DEVICE_RTC, m->desc.rtc_base,
			                           VDEV_CMOS_SIZE, m->desc.rtc_irq);
	}
	if (ret == 0 && m->desc.rtc == VMM_RTC_PL031) {
		struct vdev_rtc_config rc = {.irq = make_irq(m, m->desc.rtc_irq),
		                             .timer_changed = rtc_timer_changed,
		                             .timer_ctx = m};
		ret = vdev_rtc_create(&rc, &m->rtc);
		if (ret == 0)
			ret = vdev_bus_insert(m->env.mmio, m->desc.rtc_base, VDEV_RTC_SIZE,
			                      vdev_rtc_ops(), m->rtc);
		if (ret == 0)
			ret =
			    vmm_machine_record_add(&m->env.record, VMM_DEVICE_RTC, m->desc.rtc_base,
			                           VDEV_RTC_SIZE, m->desc.rtc_irq);
	}
	if (ret < 0) {
		vmm_error_line("cannot create the console UART or the RTC: %s", strerror(-ret));
		return ret;
	}
	for (uint32_t i = 0; i < cfg->num_disks; i++) {
		struct vmm_slot *s = &m->slots[m->nslots];
		const struct vmm_disk_config *d = &cfg->disks[i];
		s->disk_fd = open(d->path, (d->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (s->disk_fd < 0) {
			vmm_error_line("cannot open disk '%s': %s", d->path, strerror(errno));
			return -errno;
		}
		/* The guest's /sys/block/vdX/serial: which --disk this is, nothing else. */
		char serial[24];
		snprintf(serial, sizeof(serial), "cvmm-disk%u", i);
		struct vdev_virtio_blk_config bc = {
		    .fd = s->disk_fd, .read_only = d->read_only, .serial = serial};
		ret = vdev_virtio_blk_create(&bc, &s->blk);
		if (ret == 0)
			ret = add_slot(m, vdev_virtio_blk_device(s->blk), m->nslots, false);
		if (ret < 0) {
			vmm_error_line("cannot attach disk '%s': %s", d->path, strerror(-ret));
			return ret;
		}
		m->nslots++;
	}
	for (uint32_t i = 0; i < cfg->num_nets; i++) {
		struct vmm_slot *s = &m->slots[m->nslots];
		const struct vmm_net_config *n = &cfg->nets[i];
		char err[VMM_CLI_ERROR_MAX];
		uint16_t mtu;
		s->disk_fd = -1;
		int tap = vmm_tap_open(n->tap, &mtu, err, sizeof(err));
		if (tap < 0) {
			vmm_error_line("%s", err);
			return -ENODEV;
		}
		struct vdev_virtio_net_config nc = {
		    .fd = tap,
		    .backend = VDEV_VIRTIO_NET_BACKEND_TAP,
		    .mtu = mtu,
		    .wait = on_net_wait,
		    .wait_ctx = s,
		};
		memcpy(nc.mac, n->mac, 6);
		s->tap_name = n->tap;
		s->net_wait_evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ret = s->net_wait_evfd < 0 ? -errno : vdev_virtio_net_create(&nc, &s->net);
		close(tap); /* the device keeps its own descriptor of the tap */
		if (ret == 0)
			ret = add_slot(m, vdev_virtio_net_device(s->net), m->nslots, true);
		/* The device's own descriptor is the one polled (the same open file). */
		if (ret == 0)
			ret = evl_add(m->loop, vdev_virtio_net_fd(s->net), EVL_IN, on_tap_ready, s);
		if (ret == 0)
			ret = evl_modify(m->loop, vdev_virtio_net_fd(s->net), 0);
		if (ret == 0)
			ret = evl_add(m->loop, s->net_wait_evfd, EVL_IN, on_net_wait_changed, s);
		if (ret < 0) {
			vmm_error_line("cannot attach tap device '%s': %s", n->tap, strerror(-ret));
			return ret;
		}
		vmm_machine_log(&m->env, VMM_LOG_INFO,
		                "virtio-net %u on tap '%s': MAC %02x:%02x:%02x:%02x:%02x:%02x, "
		                "MTU %u",
		                i, n->tap, nc.mac[0], nc.mac[1], nc.mac[2], nc.mac[3], nc.mac[4],
		                nc.mac[5], mtu);
		m->nslots++;
	}
	if (cfg->rng) {
		struct vmm_slot *s = &m->slots[m->nslots];
		s->disk_fd = -1;
		ret = vdev_virtio_rng_create(0, &s->rng);
		if (ret == 0)
			ret = add_slot(m, vdev_virtio_rng_device(s->rng), m->nslots, false);
		if (ret < 0) {
			vmm_error_line("cannot create the virtio-rng device: %s", strerror(-ret));
			return ret;
		}
		m->nslots++;
	}
	return 0;
}

/* The loop's sources. Each stops the loop with an exit status, or serves its device. */
static void on_signal(void *ctx, int fd, uint32_t events)
{
	struct vmm_machine *m = ctx;
	struct signalfd_siginfo si;

	(void)events;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	vmm_machine_log(&m->env, VMM_LOG_WARN, "%s: stopping the VM", strsignal((int)si.ssi_signo));
	const char *none = NULL;
	atomic_compare_exchange_strong(&m->stop_reason, &none, "signal");
	evl_stop(m->loop, VMM_EXIT_SIGNAL);
}

static void on_exit_request(void *ctx, int fd, uint32_t events)
{
	struct vmm_machine *m = ctx;

	(void)events;
	drain(fd);
	if (atomic_load(&m->exit_status) >= 0)
		evl_stop(m->loop, atomic_load(&m->exit_status));
}

static void on_rtc_timer(void *ctx, int fd, uint32_t events)
{
	struct vmm_machine *m = ctx;

	(void)events;
	drain(fd);
	if (m->rtc)
		vdev_rtc_timer_expired(m->rtc);
	if (m->cmos && vdev_cmos_timer_expired(m->cmos) == 1) {
		vmm_machine_log(&m->env, VMM_LOG_DEBUG, "CMOS alarm");
		vmm_arch_wake_source(m->arch, VMM_WAKE_RTC_ALARM);
	}
}

static void on_slept(void *ctx, int fd, uint32_t events)
{
	struct vmm_machine *m = ctx;

	(void)events;
	drain(fd);
	vmm_arch_wake_source(m->arch, VMM_WAKE_CHECK);
}

static void on_key_timer(void *ctx, int fd, uint32_t events)
{
	struct vmm_machine *m = ctx;

	(void)events;
	drain(fd);
	if (m->key_pressed >= 0)
		vmm_arch_key(m->arch, (enum vmm_key)m->key_pressed, false);
	m->key_pressed = -1;
}

int vmm_machine_press_key(struct vmm_machine_env *env, enum vmm_key key)
{
	struct vmm_machine *m = env->priv;
	const struct itimerspec its = {.it_value = {0, VMM_KEY_PRESS_MS * 1000000L}};
	int r;

	if (m->key_pressed >= 0)
		return -EBUSY;
	r = vmm_arch_key(m->arch, key, true);
	if (r < 0)
		return r;
	m->key_pressed = (int)key;
	/* Held as a finger would: Linux's gpio-keys reads the pin after its debounce time. */
	if (timerfd_settime(m->key_tfd, 0, &its, NULL) < 0) {
		vmm_arch_key(m->arch, key, false);
		m->key_pressed = -1;
		return -errno;
	}
	return 0;
}

static int create_loop(struct vmm_machine *m)
{
	sigset_t sigs;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	/* Blocked before any vCPU thread exists, so that only the signalfd sees them. */
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	m->sigfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	m->exit_evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	m->slept_evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	m->rtc_tfd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	m->key_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	m->key_pressed = -1;
	if (m->sigfd < 0 || m->exit_evfd < 0 || m->slept_evfd < 0 || m->rtc_tfd < 0 ||
	    m->key_tfd < 0)
		return -errno;
	int ret = evl_create(&m->loop);
	if (ret == 0)
		ret = evl_add(m->loop, m->sigfd, EVL_IN, on_signal, m);
	if (ret == 0)
		ret = evl_add(m->loop, m->exit_evfd, EVL_IN, on_exit_request, m);
	if (ret == 0)
		ret = evl_add(m->loop, m->rtc_tfd, EVL_IN, on_rtc_timer, m);
	if (ret == 0)
		ret = evl_add(m->loop, m->key_tfd, EVL_IN, on_key_timer, m);
	if (ret == 0)
		ret = evl_add(m->loop, m->slept_evfd, EVL_IN, on_slept, m);
	return ret;
}

static int create_vcpu_set(struct vmm_machine *m)
{
	struct psci_ram_range ram[VMM_RAM_REGIONS_MAX];
	size_t n = 0;

	for (size_t i = 0; i < vmem_map_region_count(m->env.mem) && n < VMM_RAM_REGIONS_MAX; i++) {
		struct vmem_region *r = vmem_map_region_at(m->env.mem, i);
		ram[n++] = (struct psci_ram_range){vmem_region_gpa(r), vmem_region_size(r)};
	}
	struct vcpu_set_config sc = {
	    .handlers =
		{
		    .opaque = m,
		    .mmio = on_mmio,
		    .pio = on_pio,
		    .suspend_allowed = on_suspend_allowed,
		    .suspended = on_suspended,
		    .suspend_refused = on_suspend_refused,
		    .resumed = on_resumed,
		    .stopped = on_stopped,
		    .thread_started = on_thread_started,
		},
	    .system_suspend = m->desc.system_suspend,
	    .ram = ram,
	    .n_ram = n,
	    /* arm64: a core waking from SYSTEM_SUSPEND gets the state PSCI defines, over
	       the registers as the call left them (UNKNOWN to PSCI): the host kernel's vCPU
	       reset was most of a wake-up's time (README, benchmarks). */
	    .wake = VCPU_WAKE_PSCI_STATE,
	};
	int ret = vcpu_set_create(m->env.sys, m->env.vm, &sc, &m->env.vcpus);
	if (ret < 0)
		vmm_error_line("cannot set up the vCPUs: %s", strerror(-ret));
	return ret;
}

/* ---------------------------------------------------------------------------------------
 * The event loop
 * ------------------------------------------------------------------------------------- */

/* The line for a KVM_EXIT_ARM_NISV end: the vCPU's kvm_run still holds the exit (this
   runs on the vCPU's thread, from its stopped handler). Returns false when it does not. */
/* A vCPU's end as the process's status; -1 when it only stopped because we asked. */
static int end_status(struct vmm_machine *m, struct vcpu *v, const struct vcpu_end *e)
{
	struct vcpu_end end = *e;

	switch (end.reason) {
	case VCPU_END_SHUTDOWN:
		vmm_machine_log(&m->env, VMM_LOG_INFO, "the guest powered off");
		return VMM_EXIT_POWEROFF;
	case VCPU_END_RESET:
		if (end.exit_reason == KVM_EXIT_SHUTDOWN)
			vmm_machine_log(&m->env, VMM_LOG_WARN,
			                "vCPU %u: triple fault: the guest is reset", vcpu_id(v));
		else
			vmm_machine_log(&m->env, VMM_LOG_INFO, "the guest asked for a reset");
		return VMM_EXIT_RESET;
	case VCPU_END_CRASH:
		vmm_error_line("the guest crashed (vCPU %u: system event crash)", vcpu_id(v));
		return VMM_EXIT_RUNTIME;
	case VCPU_END_STOPPED:
	case VCPU_END_NONE:
		return -1;
	case VCPU_END_HANDLER:
		vmm_error_line("vCPU %u stopped: %s", vcpu_id(v), strerror(-end.error));
		return VMM_EXIT_RUNTIME;
	default:
		if (end.exit_reason == KVM_EXIT_ARM_NISV) {
			vmm_error_line(
			    "vCPU %u: the guest accessed IPA %#llx with an instruction KVM "
			    "cannot decode (a data abort outside guest RAM with no valid "
			    "syndrome, ISS %#llx; e.g. a load/store pair or writeback on "
			    "MMIO): stopping the VM",
			    vcpu_id(v), (unsigned long long)end.addr,
			    (unsigned long long)end.detail);
			return VMM_EXIT_RUNTIME;
		}
		if (end.error)
			vmm_error_line("vCPU %u failed (%s): %s", vcpu_id(v),
			               vcpu_end_reason_name(end.reason), strerror(-end.error));
		else
			vmm_error_line("vCPU %u failed: %s, KVM exit reason %u, detail %#llx",
			               vcpu_id(v), vcpu_end_reason_name(end.reason),
			               end.exit_reason, (unsigned long long)end.detail);
		return VMM_EXIT_RUNTIME;
	}
}

/* At the end: the loop serves the console alone, and what the guest printed gets out if
   out_fd takes it within CONSOLE_DRAIN_MS; what a reader that never came back did not
   take is dropped, and counted in the exit summary. */
#define CONSOLE_DRAIN_MS 2000
/* The control socket's last replies and events get as long to go out. */
#define API_DRAIN_MS 1000
static void console_drain(struct vmm_machine *m)
{
	int sources[] = {m->sigfd, m->exit_evfd, m->slept_evfd, m->rtc_tfd, m->key_tfd};
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		evl_remove(m->loop, sources[i]);
	for (uint32_t i = 0; i < m->nslots; i++)
		for (uint16_t q = 0; q < m->slots[i].nq; q++)
			evl_remove(m->loop, m->slots[i].qfd[q]);
	vmm_console_drain(&m->console, CONSOLE_DRAIN_MS);
}

static int event_loop(struct vmm_machine *m)
{
	int ret = evl_run(m->loop);

	if (ret < 0) {
		vmm_error_line("event loop: %s", strerror(-ret));
		return VMM_EXIT_RUNTIME;
	}
	return ret;
}

/* ---------------------------------------------------------------------------------------
 * Snapshots (--suspend snapshot:DIR, --restore DIR; snapshot.h)
 * ------------------------------------------------------------------------------------- */

/* Every device's state, after the arch's sections (vmm_arch_save()): the UART, the RTC,
   then each virtio slot's transport and device, in slot order. */
static int save_devices(struct vmm_machine *m, struct vdev_state_writer *w)
{
	int ret = vdev_uart_save(m->uart, w);

	if (ret == 0 && m->rtc)
		ret = vdev_rtc_save(m->rtc, w);
	if (ret == 0 && m->cmos)
		ret = vdev_cmos_save(m->cmos, w);
	for (uint32_t i = 0; ret == 0 && i < m->nslots; i++) {
		const struct vmm_slot *s = &m->slots[i];
		ret = vdev_virtio_mmio_save(s->t, w);
		if (ret == 0 && s->blk)
			ret = vdev_virtio_blk_save(s->blk, w);
		if (ret == 0 && s->rng)
			ret = vdev_virtio_rng_save(s->rng, w);
		if (ret == 0 && s->net)
			ret = vdev_virtio_net_save(s->net, w);
	}
	return ret;
}

static int restore_devices(struct vmm_machine *m, struct vdev_state_reader *r)
{
	int ret = vdev_uart_restore(m->uart, r);

	if (ret == 0 && m->rtc)
		ret = vdev_rtc_restore(m->rtc, r);
	if (ret == 0 && m->cmos)
		ret = vdev_cmos_restore(m->cmos, r);
	for (uint32_t i = 0; ret == 0 && i < m->nslots; i++) {
		struct vmm_slot *s = &m->slots[i];
		ret = vdev_virtio_mmio_restore(s->t, r);
		if (ret == 0 && s->blk)
			ret = vdev_virtio_blk_restore(s->blk, r);
		if (ret == 0 && s->rng)
			ret = vdev_virtio_rng_restore(s->rng, r);
		/* After the transport, whose restore reset and activated the device. */
		if (ret == 0 && s->net)
			ret = vdev_virtio_net_restore(s->net, r);
	}
	if (ret == 0 && vdev_state_remaining(r))
		vdev_state_fail(r, "%zu bytes after the last device", vdev_state_remaining(r));
	return r->error ? r->error : ret;
}

/*
 * The guest suspended under --suspend snapshot:DIR and every vCPU has stopped: writes the
 * VM to DIR. Returns VMM_EXIT_SNAPSHOT once it is all on disk, else VMM_EXIT_RUNTIME with
 * one line on stderr.
 */
static int write_snapshot(struct vmm_machine *m)
{
	struct vdev_state_writer w;
	struct vmm_snapshot_stats st;
	char err[512];
	int ret = 0;

	/* The vCPUs' threads are gone; their KVM state stays until the set is destroyed. */
	for (size_t i = 0; i < vcpu_set_count(m->env.vcpus); i++)
		vcpu_join(vcpu_set_find(m->env.vcpus, (uint32_t)i), NULL);
	/* What the guest wrote to a disk is on it before the disk's identity is taken. */
	for (uint32_t i = 0, d = 0; ret == 0 && i < m->nslots; i++) {
		const struct vmm_slot *s = &m->slots[i];
		if (s->disk_fd < 0)
			continue;
		if (fdatasync(s->disk_fd) < 0 && errno != EINVAL)
			ret = -errno;
		if (ret == 0)
			ret = vmm_snapshot_disk_refresh(&m->snap_conf.disks[d++], s->disk_fd);
		if (ret < 0)
			snprintf(err, sizeof(err), "cannot flush disk '%s': %s",
			         m->env.cfg->disks[d ? d - 1 : 0].path, strerror(-ret));
	}
	vdev_uart_flush_output(m->uart);
	vdev_state_writer_init(&w);
	if (ret == 0)
		ret = vmm_arch_save(m->arch, &w, err, sizeof(err));
	if (ret == 0) {
		ret = save_devices(m, &w);
		if (ret < 0)
			snprintf(err, sizeof(err), "cannot save the devices' state: %s",
			         strerror(-ret));
	}
	if (ret == 0)
		ret = vmm_snapshot_write(&m->snap, &m->snap_conf, &w, m->env.mem, &st, err,
		                         sizeof(err));
	vdev_state_writer_free(&w);
	if (ret < 0) {
		vmm_error_line("%s", err);
		return VMM_EXIT_RUNTIME;
	}
	vmm_machine_log(&m->env, VMM_LOG_INFO,
	                "snapshot in '%s' (slot %c, generation %llu): %llu MiB of RAM, %llu KiB "
	                "written, state %llu bytes, %llu ms",
	                m->snap.dir, m->snap.slot, (unsigned long long)m->snap.generation,
	                (unsigned long long)(st.ram.ram_bytes >> 20),
	                (unsigned long long)(st.ram.written_bytes >> 10),
	                (unsigned long long)st.state_bytes,
	                (unsigned long long)(st.write_ns / 1000000));
	struct json_object *d = event_data(m);
	if (d) {
		json_object_object_add(d, "dir", json_object_new_string(m->snap.dir));
		json_object_object_add(d, "generation", json_object_new_uint64(m->snap.generation));
		json_object_object_add(d, "ram_written",
		                       json_object_new_uint64(st.ram.written_bytes));
	}
	atomic_store(&m->end_event_sent, true);
	vmm_api_event(m->env.api, "SNAPSHOT", d);
	return VMM_EXIT_SNAPSHOT;
}

/* Guest RAM mapped privately from the snapshot's memory file: nothing is read until the
   guest touches it, and its writes stay in this process. */
static struct vmem_map *restore_ram(const struct vmm_machine *m)
{
	struct vmm_ram_region regions[VMM_RAM_REGIONS_MAX];
	struct vmem_map *map = NULL;
	int n = vmm_boot_ram_regions(m->env.mem_bytes, regions), ret;
	uint64_t off = VMM_SNAPSHOT_MEM_OFFSET;

	ret = n < 0 ? -EINVAL : vmem_map_create(&map);
	for (int i = 0; ret == 0 && i < n; i++) {
		struct vmem_region_options o = {.gpa = regions[i].gpa,
		                                .size = regions[i].size,
		                                .backing = VMEM_BACKING_FD,
		                                .fd = m->restore->mem_fd,
		                                .fd_offset = off};
		ret = vmem_map_add(map, &o, NULL);
		off += regions[i].size;
	}
	if (ret < 0) {
		vmm_error_line("cannot map the snapshot's guest RAM: %s", strerror(-ret));
		vmem_map_destroy(map);
		return NULL;
	}
	return map;
}

/* The snapshot's machine into the machine just made: the vCPUs (created here), the
   interrupt controller and every device. Returns 0, or -1 with one line on stderr. */
static int restore_machine(struct vmm_machine *m)
{
	const struct vmm_snapshot *snap = m->restore;
	struct vdev_state_reader r;
	char err[512];

	vdev_state_reader_init(&r, snap->state + snap->machine_off, snap->machine_len);
	if (vmm_arch_restore(m->arch, &r, err, sizeof(err)) < 0) {
		vmm_error_line("cannot restore '%s': %s", m->env.cfg->restore_dir, err);
		return -1;
	}
	if (restore_devices(m, &r) < 0) {
		vmm_error_line("cannot restore '%s': %s", m->env.cfg->restore_dir,
		               vdev_state_why(&r));
		return -1;
	}
	/* Lines the devices hold asserted reach the new interrupt controller, the RTC's
	   alarm its timer (at once if its time passed while the VM was on disk), and
	   requests the saved process had not served are served. */
	replay_irqs(m);
	if (m->rtc)
		timer_set(m->rtc_tfd, vdev_rtc_next_deadline(m->rtc));
	if (m->cmos)
		timer_set(m->rtc_tfd, vdev_cmos_next_deadline(m->cmos));
	for (uint32_t i = 0; i < m->nslots; i++)
		for (uint16_t q = 0; q < m->slots[i].nq; q++)
			vdev_virtio_mmio_process_queue(m->slots[i].t, q);
	/* A wake event that was pending when the VM went to disk wakes it at once (the
	   loop's vmm_arch_wake_source(VMM_WAKE_CHECK), as after a sleep in this process). */
	uint64_t one = 1;
	if (write(m->slept_evfd, &one, sizeof(one)) < 0) {
		/* The counter is saturated: the loop will look anyway. */
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------
 * vmm_machine_run
 * ------------------------------------------------------------------------------------- */

static void teardown(struct vmm_machine *m)
{
	vcpu_set_destroy(m->env.vcpus);
	m->env.vcpus = NULL;
	for (uint32_t i = 0; i < m->nslots; i++) {
		struct vmm_slot *s = &m->slots[i];
		vdev_bus_remove(m->env.mmio, m->desc.virtio_base + i * m->desc.virtio_stride);
		vdev_virtio_mmio_destroy(s->t);
		vdev_virtio_blk_destroy(s->blk);
		vdev_virtio_rng_destroy(s->rng);
		vdev_virtio_net_destroy(s->net);
		close_fd(s->net_wait_evfd);
		close_fd(s->irq_trigger_fd); /* closing it detaches the irqfd */
		close_fd(s->irq_resample_fd);
		for (uint16_t q = 0; q < s->nq; q++)
			close_fd(s->qfd[q]);
		if (s->disk_fd >= 0) {
			/* What the guest wrote reaches the image before vmm-ref exits. */
			fdatasync(s->disk_fd);
			close(s->disk_fd);
		}
	}
	vdev_bus_destroy(m->env.mmio);
	vdev_bus_destroy(m->env.pio);
	vdev_uart_destroy(m->uart);
	vdev_rtc_destroy(m->rtc);
	vdev_cmos_destroy(m->cmos);
	vmm_arch_destroy(m->arch);
	kvmio_vm_destroy(m->env.vm);
	kvmio_system_destroy(m->env.sys);
	vmem_map_destroy(m->env.mem);
	vmm_console_close(&m->console);
	vmm_api_destroy(m->env.api);
	m->env.api = NULL;
	evl_destroy(m->loop);
	m->loop = NULL;
	close_fd(m->sigfd);
	close_fd(m->exit_evfd);
	close_fd(m->slept_evfd);
	close_fd(m->rtc_tfd);
	close_fd(m->key_tfd);
}

static int setup_and_run(struct vmm_machine *m, struct ll_file *kernel, struct ll_file *initrd)
{
	const struct vmm_config *cfg = m->env.cfg;
	struct ll_guest_ram ram;
	struct vmm_boot_info info;
	uint64_t base, size;
	char err[256];
	int ret;

	if (vmm_boot_ram_range(m->env.mem_bytes, &base, &size) < 0) {
		vmm_error_line("%u MiB of guest RAM is too little", cfg->memory_mib);
		return VMM_EXIT_RUNTIME;
	}
	/* A restored VM's RAM holds its kernel, boot data and everything since. */
	m->env.mem = m->restore ? restore_ram(m) : create_ram(cfg, m->env.mem_bytes);
	if (!m->env.mem)
		return VMM_EXIT_RUNTIME;
	if (ll_guest_ram_init_vmem(&ram, m->env.mem, base, size) < 0) {
		vmm_error_line("internal error: guest RAM is not mapped as planned");
		return VMM_EXIT_RUNTIME;
	}
	struct vmm_boot_request req = {
	    .ram = &ram,
	    .mem_bytes = m->env.mem_bytes,
	    .kernel = kernel,
	    .initrd = cfg->initrd ? initrd : NULL,
	    .cmdline = cfg->cmdline,
	    .vcpus = cfg->vcpus,
	};
	/* Every input is checked before KVM is touched: a bad kernel gets its own line. */
	if (!m->restore && vmm_boot_prepare(&req, &info, err, sizeof(err)) < 0) {
		vmm_error_line("cannot boot '%s': %s", cfg->kernel, err);
		return VMM_EXIT_RUNTIME;
	}
	phase_end(m, VMM_PHASE_RAM);
	if (!cfg->seccomp)
		vmm_error_line(
		    "WARNING: --no-seccomp: the seccomp sandbox is OFF; a compromised VMM "
		    "would have all the rights of this process");

	ret = kvmio_system_open(&m->env.sys);
	if (ret < 0) {
		vmm_error_line("cannot open /dev/kvm: %s", strerror(-ret));
		return VMM_EXIT_RUNTIME;
	}
	/* The capability itself, whatever the release says (host_kernel.h). */
	if (m->desc.system_suspend &&
	    kvmio_system_check_extension(m->env.sys, KVM_CAP_ARM_SYSTEM_SUSPEND) <= 0) {
		struct utsname uts;
		vmm_error_line("this host's KVM lacks KVM_CAP_ARM_SYSTEM_SUSPEND (host kernel %s): "
		               "vmm-ref needs Linux " VMM_MIN_KERNEL " or later",
		               uname(&uts) == 0 ? uts.release : "unknown");
		return VMM_EXIT_RUNTIME;
	}
	ret = kvmio_system_create_vm(m->env.sys, vmm_arch_vm_type(&m->env), &m->env.vm);
	if (ret < 0) {
		vmm_error_line("cannot create a KVM VM: %s", strerror(-ret));
		return VMM_EXIT_RUNTIME;
	}
	/* An MMIO access KVM cannot decode (arm64: a data abort with no valid instruction
	   syndrome) then comes back as an exit with its address, rather than as a bare
	   ENOSYS from KVM_RUN, so the line that ends the VM can name it. KVM offers the
	   capability on arm64 only; elsewhere it answers 0 and nothing changes. */
	if (kvmio_vm_check_extension(m->env.vm, KVM_CAP_ARM_NISV_TO_USER) > 0 &&
	    kvmio_vm_enable_cap(m->env.vm, KVM_CAP_ARM_NISV_TO_USER, 0) < 0)
		vmm_machine_log(&m->env, VMM_LOG_WARN,
		                "cannot enable KVM_CAP_ARM_NISV_TO_USER: an undecodable MMIO "
		                "access will end the VM without its address");
	if (register_ram(m) < 0)
		return VMM_EXIT_RUNTIME;
	ret = vmm_arch_create(&m->env, &m->arch, err, sizeof(err));
	if (ret < 0) {
		vmm_error_line("%s", err);
		return VMM_EXIT_RUNTIME;
	}
	phase_end(m, VMM_PHASE_VM);
	if (m->restore)
		vmm_machine_log(&m->env, VMM_LOG_INFO, "restoring '%s' (slot %c, generation %llu)",
		                cfg->restore_dir, m->restore->slot,
		                (unsigned long long)m->restore->generation);
	else
		vmm_machine_log(&m->env, VMM_LOG_INFO, "%s '%s': %#llx..%#llx, entry %#llx",
		                info.format, cfg->kernel, (unsigned long long)info.kernel.load_addr,
		                (unsigned long long)info.kernel.end,
		                (unsigned long long)info.kernel.entry);

	if (vmm_console_open(&m->console) < 0)
		return VMM_EXIT_RUNTIME;
	ret = create_loop(m);
	if (ret < 0) {
		vmm_error_line("cannot set up the event loop: %s", strerror(-ret));
		return VMM_EXIT_RUNTIME;
	}
	if (cfg->api_socket &&
	    vmm_api_create(&m->env, m->loop, &m->env.api, err, sizeof(err)) < 0) {
		vmm_error_line("%s", err);
		return VMM_EXIT_RUNTIME;
	}
	if (vdev_bus_create(&m->env.mmio) < 0 || vdev_bus_create(&m->env.pio) < 0) {
		vmm_error_line("out of memory");
		return VMM_EXIT_RUNTIME;
	}
	if (create_devices(m) < 0)
		return VMM_EXIT_RUNTIME;
	ret = vmm_arch_add_devices(m->arch, err, sizeof(err));
	if (ret < 0) {
		vmm_error_line("%s", err);
		return VMM_EXIT_RUNTIME;
	}
	phase_end(m, VMM_PHASE_DEVICES);
	if (create_vcpu_set(m) < 0)
		return VMM_EXIT_RUNTIME;
	m->env.record.vcpus = cfg->vcpus;
	/* x86: the ACPI tables offer S3 when the guest may suspend, to RAM or to a
	   snapshot. */
	m->env.record.sleep_to_ram =
	    cfg->suspend == VMM_SUSPEND_HONOUR || cfg->suspend == VMM_SUSPEND_SNAPSHOT;
	if (m->restore) {
		if (restore_machine(m) < 0)
			return VMM_EXIT_RUNTIME;
	} else {
		ret = vmm_arch_create_vcpus(m->arch, &info, err, sizeof(err));
		if (ret < 0) {
			vmm_error_line("%s", err);
			return VMM_EXIT_RUNTIME;
		}
		/* The machine exists: the device tree or the ACPI tables describe it as it
		   is. */
		ret = vmm_boot_describe(&req, &info, &m->env.record, err, sizeof(err));
		if (ret < 0) {
			vmm_error_line("cannot describe the machine to the guest: %s", err);
			return VMM_EXIT_RUNTIME;
		}
		vmm_machine_log(&m->env, VMM_LOG_INFO, "boot data: %#llx, %llu bytes",
		                (unsigned long long)info.boot_data_addr,
		                (unsigned long long)info.boot_data_size);
	}
	wire_irqfds(m);
	/* The snapshot records the interrupt controller the VM was made with. */
	m->snap_conf.irqchip = m->env.record.gic_version;
	/* The kernel and initrd are in guest RAM now. */
	ll_file_close(kernel);
	ll_file_close(initrd);
	vmm_machine_log(&m->env, VMM_LOG_INFO,
	                "%u vCPU(s), %u MiB, %u virtio device(s), suspend %s", cfg->vcpus,
	                cfg->memory_mib, m->nslots, vmm_suspend_policy_name(cfg->suspend));
	phase_end(m, VMM_PHASE_VCPUS);
	if (cfg->seccomp) {
		ret = sandbox_register_fds(m);
		if (ret < 0) {
			vmm_error_line("cannot prepare the seccomp sandbox: %s", strerror(-ret));
			return VMM_EXIT_RUNTIME;
		}
	}
	phase_end(m, VMM_PHASE_SANDBOX);
	m->start_ns = vmm_now_ns();
	/* A restored VM starts suspended: its boot vCPU waits for a wake-up. */
	if (m->restore)
		atomic_store(&m->suspended_since_ns, m->start_ns);
	ret = vcpu_set_start(m->env.vcpus);
	if (ret < 0) {
		vmm_error_line("cannot start the vCPUs: %s", strerror(-ret));
		return VMM_EXIT_RUNTIME;
	}
	phase_end(m, VMM_PHASE_THREADS);
	/* After the vCPU threads exist (they install their own filter, and creating a
	   thread is not allowed once the main thread's filter is on). */
	if (cfg->seccomp) {
		ret = vmm_sandbox_install(VMM_THREAD_MAIN);
		if (ret < 0) {
			vmm_error_line("cannot install the seccomp sandbox: %s", strerror(-ret));
			return VMM_EXIT_RUNTIME;
		}
	}
	phase_end(m, VMM_PHASE_FILTER);
	log_phases(m);
	ret = event_loop(m);
	atomic_store(&m->loop_ended, true);
	vcpu_set_stop(m->env.vcpus);
	if (ret == VMM_EXIT_SNAPSHOT) {
		ret = write_snapshot(m);
		if (ret != VMM_EXIT_SNAPSHOT) {
			const char *none = NULL;
			atomic_compare_exchange_strong(&m->stop_reason, &none, "snapshot failed");
		}
	}
	/* An end without its own event (a signal, the stop command, the console escape). */
	if (!atomic_load(&m->end_event_sent)) {
		const char *why = atomic_load(&m->stop_reason);
		struct json_object *d = event_data(m);
		if (d)
			json_object_object_add(d, "reason",
			                       json_object_new_string(why ? why : "console"));
		vmm_api_event(m->env.api, "STOP", d);
	}
	console_drain(m);
	vmm_api_drain(m->env.api, API_DRAIN_MS);
	vmm_machine_log(&m->env, VMM_LOG_INFO, "%u suspend(s), %u resume(s), %u refused",
	                atomic_load(&m->suspends), atomic_load(&m->resumes),
	                atomic_load(&m->suspends_refused));
	if (vdev_uart_tx_dropped(m->uart) && m->env.cfg->console != VMM_CONSOLE_NONE)
		vmm_machine_log(&m->env, VMM_LOG_INFO,
		                "console: %llu byte(s) of guest output dropped",
		                (unsigned long long)vdev_uart_tx_dropped(m->uart));
	if (atomic_load(&m->needs_reset))
		vmm_machine_log(&m->env, VMM_LOG_INFO, "virtio: DEVICE_NEEDS_RESET set %u time(s)",
		                atomic_load(&m->needs_reset));
	return ret;
}

int vmm_machine_run(const struct vmm_config *cfg)
{
	struct ll_file kernel = {.fd = -1}, initrd = {.fd = -1};
	uint64_t mem = (uint64_t)cfg->memory_mib * MIB;
	struct vmm_machine *m;
	int status = VMM_EXIT_RUNTIME;

	m = calloc(1, sizeof(*m));
	if (!m) {
		vmm_error_line("out of memory");
		return VMM_EXIT_RUNTIME;
	}
	m->env = (struct vmm_machine_env){.cfg = cfg, .mem_bytes = mem, .priv = m};
	m->run_ns = vmm_now_ns();
	m->sigfd = m->exit_evfd = m->slept_evfd = m->rtc_tfd = m->key_tfd = -1;
	m->snap.dir_fd = m->snap.state_fd = m->snap.mem_fd = m->snap.pagemap_fd = -1;
	m->key_pressed = -1;
	vmm_console_init(&m->console, cfg);
	atomic_init(&m->exit_status, -1);
	vmm_log_init();
	vmm_arch_describe(&m->desc);

	/* The oldest host kernel vmm-ref runs on, before anything else (host_kernel.h). */
	struct utsname uts;
	char why[160];
	if (uname(&uts) == 0 && vmm_host_kernel_check(uts.release, why, sizeof(why)) < 0) {
		vmm_error_line("%s", why);
		goto out;
	}
	if (check_console_file(cfg) < 0) {
		status = VMM_EXIT_USAGE;
		goto out;
	}
	if (cfg->snapshot_dir && !m->desc.snapshots) {
		vmm_error_line("--%s: this machine has no suspend to a snapshot",
		               cfg->suspend == VMM_SUSPEND_SNAPSHOT ? "suspend snapshot"
		                                                    : "snapshot-dir");
		status = VMM_EXIT_USAGE;
		goto out;
	}
	if (cfg->restore_dir) {
		/* main() took the machine's configuration from the snapshot; this reads it
		   whole, and it must still be the same one. */
		char err[512];
		m->restore = calloc(1, sizeof(*m->restore));
		if (!m->restore ||
		    vmm_snapshot_load(cfg->restore_dir, m->restore, err, sizeof(err)) < 0) {
			vmm_error_line("%s", m->restore ? err : "out of memory");
			free(m->restore);
			m->restore = NULL;
			goto out;
		}
		if (m->restore->conf.memory_mib != cfg->memory_mib ||
		    m->restore->conf.vcpus != cfg->vcpus ||
		    m->restore->conf.num_disks != cfg->num_disks) {
			vmm_error_line("the snapshot in '%s' changed while vmm-ref started",
			               cfg->restore_dir);
			goto out;
		}
		m->env.irqchip_version = m->restore->conf.irqchip;
	} else {
		if (open_input("kernel", cfg->kernel, mem, &kernel) < 0)
			goto out;
		if (cfg->initrd && open_input("initrd", cfg->initrd, mem, &initrd) < 0)
			goto out;
	}
	if (check_disks(cfg) < 0)
		goto out;
	if (cfg->snapshot_dir) {
		char err[512];
		if (vmm_snapshot_target_open(cfg->snapshot_dir, &m->snap, err, sizeof(err)) < 0 ||
		    vmm_snapshot_make_conf(cfg, &m->snap_conf, err, sizeof(err)) < 0) {
			vmm_error_line("%s", err);
			goto out;
		}
	}
	phase_end(m, VMM_PHASE_INPUTS);
	status = setup_and_run(m, &kernel, &initrd);
out:;
	uint64_t down = vmm_now_ns();
	teardown(m);
	if (m->phase_ns[VMM_PHASE_FILTER])
		vmm_machine_log(&m->env, VMM_LOG_INFO, "tear-down: %.1f ms",
		                (double)(vmm_now_ns() - down) / 1e6);
	vmm_snapshot_target_close(&m->snap);
	vmm_snapshot_conf_release(&m->snap_conf);
	vmm_snapshot_release(m->restore);
	free(m->restore);
	free(m);
	ll_file_close(&initrd);
	ll_file_close(&kernel);
	return status;
}
