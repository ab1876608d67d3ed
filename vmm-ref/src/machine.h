/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The running VM, split in two:
 *
 *   machine.c          arch-neutral: opens KVM, creates the VM and guest RAM (vm-memory,
 *                      one KVM memory slot per region), loads the kernel (boot.h), creates
 *                      the console UART, the RTC and the virtio-mmio devices (devices.h,
 *                      virtio.h) on the MMIO or PIO bus, the vCPU set (vcpu.h) with its
 *                      handlers, and runs the epoll event loop on the main thread: console
 *                      input (raw terminal, Ctrl-A x quits), the RTC's timerfd, virtio
 *                      queue notifications through ioeventfds, SIGTERM/SIGINT through a
 *                      signalfd, and the end of the VM (a vCPU whose loop ended asks for
 *                      it through an eventfd: vmm_machine_request_exit()).
 *   machine_<arch>.c   the architecture: where devices sit and which interrupt lines they
 *                      use (struct vmm_arch_desc), the interrupt controller, how a line is
 *                      driven, the vCPUs' boot state, and any extra platform device.
 *
 * Order of calls from machine.c into the arch part:
 *   vmm_arch_describe()          (before anything is created)
 *   vmm_arch_vm_type()           (KVM_CREATE_VM type)
 *   vmm_arch_create()            (VM and guest RAM exist; no vCPU, no device yet:
 *                                 create the interrupt controller here)
 *   vmm_arch_add_devices()       (the neutral devices are on their buses)
 *   vmm_arch_create_vcpus()      (kernel loaded; env->vcpus exists: create every vCPU
 *                                 with vcpu_create(), then finish the interrupt
 *                                 controller)
 *   vmm_arch_set_irq()           (any thread, any time after vmm_arch_create())
 *   vmm_arch_destroy()           (after the vCPU set is destroyed)
 *
 * Process exit statuses of vmm_machine_run() (and so of vmm-ref):
 *   VMM_EXIT_POWEROFF 0   the guest powered off (PSCI SYSTEM_OFF, x86 ACPI S5)
 *   VMM_EXIT_RUNTIME  1   a runtime failure or a guest crash; one line on stderr
 *   VMM_EXIT_USAGE    2   a usage error (command line)
 *   VMM_EXIT_RESET    3   the guest asked for a reset (PSCI SYSTEM_RESET, i8042 reset, ACPI
 *                         reset register) or, on x86, triple-faulted (KVM_EXIT_SHUTDOWN,
 *                         logged as such); with --reboot the supervisor runs the VM again
 *                         instead (supervisor.h), and returns 3 only after a reset loop
 *   VMM_EXIT_SNAPSHOT 4   the guest suspended (PSCI SYSTEM_SUSPEND) under --suspend
 *                         snapshot:DIR, and the VM was written to DIR whole (snapshot.h):
 *                         `vmm-ref --restore DIR` brings it back
 *   VMM_EXIT_SIGNAL   0   SIGTERM or SIGINT, or the console escape: the VM was stopped and
 *                         its disks flushed (a requested, clean end)
 *
 * Not thread-safe unless said otherwise: everything but vmm_arch_set_irq() and
 * vmm_machine_request_exit() runs on the main thread.
 */
#ifndef VMM_MACHINE_H
#define VMM_MACHINE_H

#include "boot.h"
#include "cli.h"

#include <cvmm/devices.h>
#include <cvmm/kvm_ioctls.h>
#include <cvmm/vcpu.h>
#include <cvmm/virtio.h>
#include <cvmm/vm_memory.h>

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* virtio-mmio slots: the disks, the network devices, virtio-rng. */
#define VMM_VIRTIO_SLOTS_MAX (VMM_DISKS_MAX + VMM_NETS_MAX + 1u)

#define VMM_EXIT_POWEROFF 0
#define VMM_EXIT_RUNTIME 1
#define VMM_EXIT_USAGE 2
#define VMM_EXIT_RESET 3
#define VMM_EXIT_SNAPSHOT 4
#define VMM_EXIT_SIGNAL 0

/*
 * --console file:PATH: the most bytes of guest output the file receives. The guest decides
 * how much it prints, so without a bound it could fill the host's file system; output past
 * the bound is dropped, with one warning line on stderr when the first byte is dropped,
 * and the exit summary (--log-level info) counts the dropped bytes. The file is truncated
 * when vmm-ref opens it, so the bound is per run. A build may define a smaller value
 * (tests/hostile builds vmm-ref with 64 KiB to test it quickly).
 */
#ifndef VMM_CONSOLE_FILE_MAX
#define VMM_CONSOLE_FILE_MAX (64ull * 1024 * 1024)
#endif

/*
 * Runs the VM cfg describes until it ends. Prints one line on stderr for a failure.
 * Returns a VMM_EXIT_* status for the process.
 */
int vmm_machine_run(const struct vmm_config *cfg);

/* ------------------------------------------------------------------------------------
 * What machine.c shares with the arch part
 * ------------------------------------------------------------------------------------ */

/*
 * The VM as the arch part sees it. machine.c owns every object here; the arch part uses
 * them and must not destroy them.
 */
struct vmm_machine_env {
	const struct vmm_config *cfg;
	struct kvmio_system *sys;
	struct kvmio_vm *vm;
	struct vmem_map *mem;   /* guest RAM, registered with KVM */
	uint64_t mem_bytes;     /* all guest RAM */
	struct vdev_bus *mmio;  /* MMIO exits are dispatched here */
	struct vdev_bus *pio;   /* port IO exits (x86) are dispatched here */
	struct vcpu_set *vcpus; /* NULL until vmm_arch_create_vcpus() */
	/* What the machine has, recorded as it is made (machine.c: each device as it goes
	   on its bus; vmm_arch_create_vcpus(): arm64 the vCPUs' MPIDRs and the vGIC): the
	   one description the device tree and the ACPI tables are built from. */
	struct vmm_machine_record record;
	struct vmm_api *api; /* the control socket (api.h); NULL without --api-socket */
	/* --restore: the interrupt controller's version the VM was made with (arm64: GIC 2
	   or 3), which vmm_arch_create() must make again; 0: the best KVM offers. */
	unsigned int irqchip_version;
	struct vmm_machine *priv; /* machine.c's own state */
};

/*
 * Asks the event loop to end the VM with a VMM_EXIT_* status (the first request wins),
 * e.g. from an i8042 reset callback, and when this request wins sends the control
 * socket's event for the end (event, with data, which the call takes; NULL data: {}).
 * With event NULL the loop's end sends STOP. Thread-safe; async-signal-unsafe.
 */
void vmm_machine_request_exit(struct vmm_machine_env *env, int status, const char *event,
                              struct json_object *data);

/*
 * Stops the VM as SIGTERM does (disks flushed, status VMM_EXIT_SIGNAL), the STOP event
 * saying why (reason: "signal", "command", "console"). Thread-safe.
 */
void vmm_machine_stop(struct vmm_machine_env *env, const char *reason);

/*
 * The control socket's snapshot: a guest suspended to RAM goes to the folder named at
 * start (--snapshot-dir or --suspend snapshot:DIR) as if it had suspended under
 * --suspend snapshot:DIR: the vCPUs are paused, the loop ends, the VM is written and
 * vmm-ref exits with status 4 (the SNAPSHOT event says when it is on disk). Main thread.
 * Returns 0; -ENOTSUP (no snapshot folder was named at start), -EAGAIN (the guest is not
 * suspended, or woke up meanwhile), -ESHUTDOWN (the VM is stopping).
 */
int vmm_machine_snapshot(struct vmm_machine_env *env);

/*
 * A sleep the arch manages itself (x86: ACPI S3, the vCPUs paused): vmm_machine_slept()
 * when the guest went to sleep (any thread: counts it, sends SUSPEND, and has the loop
 * call vmm_arch_wake_source(VMM_WAKE_CHECK)); vmm_machine_woke() when it wakes (the loop's
 * thread: counts it, sends WAKEUP with why).
 */
void vmm_machine_slept(struct vmm_machine_env *env, const char *how);
void vmm_machine_woke(struct vmm_machine_env *env, const char *why);

/* The keys a machine may have for the guest (the control socket's powerdown and wake). */
enum vmm_key {
	VMM_KEY_POWER,  /* arm64: KEY_POWER on the PL061's gpio-keys; x86: ACPI power button */
	VMM_KEY_WAKEUP, /* wakes a suspended guest (arm64: KEY_WAKEUP, a wake-up source; x86:
	                   the ACPI power button, pressed only while the guest sleeps in S3) */
};

/* The VM's state as the control socket reports it. */
enum vmm_run_state {
	VMM_STATE_RUNNING,
	VMM_STATE_PAUSED,    /* the vCPUs are parked (the control socket's pause) */
	VMM_STATE_SUSPENDED, /* the guest suspended itself (SYSTEM_SUSPEND) */
	VMM_STATE_STOPPING,  /* an end was asked for */
};

struct vmm_machine_status {
	enum vmm_run_state state;
	uint64_t uptime_ns;    /* since the vCPUs started */
	uint64_t suspended_ns; /* spent suspended, the current stretch included */
	unsigned int suspends; /* SYSTEM_SUSPEND calls honoured */
	unsigned int wakeups;  /* wake-ups from them: completed suspend cycles */
};

/* Counters for the control socket's query-metrics, since the VM started. */
struct vmm_machine_metrics {
	struct vmm_machine_status status;
	/* SYSTEM_SUSPEND calls refused: DENIED, INVALID_ADDRESS, any other code. */
	unsigned int suspends_denied, suspends_bad_entry, suspends_refused_other;
	uint64_t console_bytes;   /* guest output written out */
	uint64_t console_dropped; /* guest output dropped (a reader that does not keep up) */
	uint32_t ndevices;        /* virtio devices, in slot order */
	struct vmm_device_metrics {
		uint32_t index;                   /* virtio-mmio slot */
		const char *kind;                 /* "blk", "rng", "net" */
		unsigned int needs_reset;         /* times it set DEVICE_NEEDS_RESET */
		struct vdev_virtio_blk_stats blk; /* blk only */
		struct vdev_virtio_net_stats net; /* net only */
	} devices[VMM_VIRTIO_SLOTS_MAX];
};

/* The counters now. Any thread. */
void vmm_machine_metrics(const struct vmm_machine_env *env, struct vmm_machine_metrics *out);

/* The status now. Any thread. */
void vmm_machine_status(const struct vmm_machine_env *env, struct vmm_machine_status *st);

/* "running", "paused", "suspended", "stopping". */
const char *vmm_run_state_name(enum vmm_run_state s);

/*
 * Pauses every vCPU (they park outside KVM_RUN; a suspended guest stays suspended) or
 * resumes them. Main thread. Returns 1 when the state changed, 0 when it was so already,
 * -ESHUTDOWN when the VM is stopping, or a negative errno.
 */
int vmm_machine_pause(struct vmm_machine_env *env);
int vmm_machine_resume(struct vmm_machine_env *env);

/*
 * Presses key for VMM_KEY_PRESS_MS, then releases it (the loop's timer). Main thread.
 * Returns 0; -ENOTSUP (no such key on this machine), -EBUSY (a press is under way).
 */
#define VMM_KEY_PRESS_MS 100
int vmm_machine_press_key(struct vmm_machine_env *env, enum vmm_key key);

/* A log line on stderr at level (shown when cfg->log_level allows it). Thread-safe. */
void vmm_machine_log(const struct vmm_machine_env *env, enum vmm_log_level level, const char *fmt,
                     ...) __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------------------------
 * The arch part (machine_<arch>.c)
 * ------------------------------------------------------------------------------------ */

struct vmm_arch;

/* Where machine.c puts the devices it creates, and which interrupt lines they get. An
   interrupt line is the arch's own number, given back to vmm_arch_set_irq(). */
struct vmm_arch_desc {
	bool system_suspend; /* the vcpu library handles PSCI SYSTEM_SUSPEND (arm64) */
	bool snapshots;      /* vmm_arch_save() and vmm_arch_restore() exist (the guest's own
	                        suspend: arm64 SYSTEM_SUSPEND, x86 ACPI S3) */

	bool uart_on_pio;        /* the 16550 sits on the PIO bus (x86 0x3f8), else MMIO */
	uint64_t uart_base;      /* bus address */
	unsigned int uart_shift; /* register spacing, 1 << uart_shift bytes */
	uint32_t uart_irq;

	enum vmm_rtc_kind {
		VMM_RTC_NONE,
		VMM_RTC_PL031, /* on MMIO at rtc_base */
		VMM_RTC_CMOS,  /* the MC146818 on PIO at rtc_base (0x70) */
	} rtc;
	uint64_t rtc_base;
	uint32_t rtc_irq;

	/* virtio-mmio slot i: MMIO at virtio_base + i * virtio_stride, line virtio_irq + i */
	uint64_t virtio_base, virtio_stride;
	uint32_t virtio_irq, virtio_slots;
	/* The guest is told the virtio lines are edge-triggered (arm64: the device tree):
	   each notification is an edge the interrupt controller latches, so an irqfd needs
	   no resample eventfd (no wake-up of the loop at every end of interrupt). Else
	   level-triggered (x86_64: the IOAPIC pins the MADT describes). */
	bool virtio_irq_edge;
};

/* Fills desc with the arch's machine. */
void vmm_arch_describe(struct vmm_arch_desc *desc);

/* The KVM_CREATE_VM type for this machine (0 for the default). */
unsigned long vmm_arch_vm_type(const struct vmm_machine_env *env);

/*
 * Creates the arch state: the interrupt controller (arm64: the vGIC, v3 or v2, whichever
 * KVM offers; its addresses and line count are set here, before any vCPU exists).
 * Returns 0, or a negative errno with one line of text in err.
 */
int vmm_arch_create(struct vmm_machine_env *env, struct vmm_arch **out, char *err, size_t err_size);

/*
 * Adds devices only this arch has (x86: i8042, the ACPI PM1 block) to env->mmio / env->pio. Called
 * once the neutral devices are on their buses. Returns 0, or a negative errno with err filled.
 */
int vmm_arch_add_devices(struct vmm_arch *arch, char *err, size_t err_size);

/*
 * Creates every vCPU (cfg->vcpus of them) in env->vcpus, in the boot state for the
 * loaded kernel described by boot (arm64: vCPU 0 at the entry with x0 = the FDT, the
 * others powered off for PSCI CPU_ON), then finishes the interrupt controller (arm64:
 * KVM_DEV_ARM_VGIC_CTRL_INIT) and records what the guest's description needs in
 * env->record (arm64: each vCPU's MPIDR as KVM reports it, the vGIC's version and
 * regions). Returns 0, or a negative errno with err filled.
 */
int vmm_arch_create_vcpus(struct vmm_arch *arch, const struct vmm_boot_info *boot, char *err,
                          size_t err_size);

/*
 * Snapshots (--suspend snapshot:DIR, --restore DIR). vmm_arch_save() writes the arch's
 * sections once every vCPU has stopped, the guest having suspended: the vCPUs (arm64:
 * which one is suspended, where it resumes; the others are off; x86: nothing, S3 loses
 * them), the guest's clocks, the interrupt controller and the arch's own devices.
 * vmm_arch_restore() replaces vmm_arch_create_vcpus() for a restored VM: it creates the
 * vCPUs as the sections say, finishes the interrupt controller, and puts its state and
 * the devices' back; the VM starts in the guest's suspend (machine.c then has the loop
 * look for a wake event pending already: vmm_arch_wake_source(VMM_WAKE_CHECK)). Both
 * return 0, or a negative errno with one line in err (-ENOTSUP: the arch has no
 * snapshots). vmm_arch_sandbox_fds() registers the descriptors vmm_arch_save() uses
 * after the sandbox is in place (sandbox.h).
 */
int vmm_arch_save(struct vmm_arch *arch, struct vdev_state_writer *w, char *err, size_t err_size);
/* The control socket's snapshot of a guest suspended to RAM (on the loop's thread): 0 when
   every vCPU is parked in the guest's suspend and stays so until the VM is written
   (arm64: one vCPU in SYSTEM_SUSPEND, the set paused; x86: in ACPI S3), -EAGAIN when the
   guest is not (or no longer) suspended. */
int vmm_arch_prepare_snapshot(struct vmm_arch *arch);
int vmm_arch_restore(struct vmm_arch *arch, struct vdev_state_reader *r, char *err,
                     size_t err_size);
int vmm_arch_sandbox_fds(struct vmm_arch *arch);

/*
 * Drives interrupt line (a vmm_arch_desc line) to level. Thread-safe. Returns 0 or a
 * negative errno.
 */
int vmm_arch_set_irq(struct vmm_arch *arch, uint32_t line, bool level);

/*
 * The GSI of interrupt line (a vmm_arch_desc line) for KVM_IRQFD, under KVM's default
 * routing: arm64, the SPI's number counted from the first SPI; x86_64, the ISA IRQ the
 * line drives. A line that shares its IRQ with others stays correct: KVM ORs an irqfd's
 * level with the ones KVM_IRQ_LINE gives. Returns 0 and *gsi; -EINVAL.
 */
int vmm_arch_line_gsi(struct vmm_arch *arch, uint32_t line, uint32_t *gsi);

/*
 * Presses (down true) or releases a key. Thread-safe (x86: on the loop's thread, where a
 * press may wake the guest from S3). Returns 0; -ENOTSUP when the machine has no such key;
 * -EAGAIN (x86) for the wake-up key when the guest is not asleep.
 */
int vmm_arch_key(struct vmm_arch *arch, enum vmm_key key, bool down);

/* A wake source reached the machine: what may end a sleep the arch manages itself (x86:
   ACPI S3). Called on the loop's thread only. */
enum vmm_wake_source {
	VMM_WAKE_CHECK,     /* the guest just went to sleep: an event may be pending already */
	VMM_WAKE_RTC_ALARM, /* the RTC's alarm went off */
	VMM_WAKE_CONSOLE,   /* console input arrived (it is in the UART already) */
};
void vmm_arch_wake_source(struct vmm_arch *arch, enum vmm_wake_source source);

/* Lowers and raises again the arch's own devices' asserted lines (machine.c's replay after
   a wake-up, for the vGIC that loses a pending level). */
void vmm_arch_irq_replay(struct vmm_arch *arch);

/* Frees the arch state (NULL accepted); called after the vCPU set is destroyed. */
void vmm_arch_destroy(struct vmm_arch *arch);

#endif
