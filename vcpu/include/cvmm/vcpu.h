/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm vcpu: the life of a VM's vCPUs and their exit loop.
 *
 * Two opaque objects:
 *   struct vcpu_set  the vCPUs of one VM, with the handlers the embedder registers and
 *                    the VM-wide settings (the kick signal, the SYSTEM_SUSPEND opt-in);
 *   struct vcpu      one vCPU: its KVM vCPU, its thread, its state and requests.
 *
 * A vCPU is created and configured (vcpu_create()), started on its own thread
 * (vcpu_start()), and runs an exit loop: MMIO and port IO exits go to the embedder's
 * handlers; SHUTDOWN, RESET, CRASH, HLT and failures end the loop with a reason the
 * embedder reads with vcpu_join() (and is told through the stopped handler). Another
 * thread may pause and resume it (one vCPU or all of them), kick it out of KVM_RUN,
 * stop it, and read its state.
 *
 * How a running vCPU is reached: a request sets kvm_run's immediate_exit and sends the
 * set's kick signal to the vCPU's thread (a handler without SA_RESTART is installed by
 * vcpu_set_create()), so a request made at any moment, even just before the thread
 * enters KVM_RUN, is seen: no wake-up is lost.
 *
 * aarch64: PSCI SYSTEM_SUSPEND. Only when the embedder opts in
 * (vcpu_set_config.system_suspend) is KVM_CAP_ARM_SYSTEM_SUSPEND enabled; then a
 * guest's SYSTEM_SUSPEND exit is handled here across the set: the other vCPUs are
 * paused and their MP states read; the call is denied (the PSCI code in x0) when
 * another core is not OFF, when the policy handler refuses, or when the entry point is
 * not in guest RAM (INVALID_ADDRESS); otherwise it is honoured: the vCPU's MP state
 * becomes SUSPENDED and KVM_RUN blocks in the kernel, spending no host CPU, until an
 * interrupt wakes it; the WAKEUP exit re-initialises the vCPU and resumes it at the
 * entry point with x0 = context id, MMU off and DAIF masked. Pause and stop requests
 * still work while a vCPU is suspended.
 *
 * aarch64: forwarded SMCCC calls. KVM answers the guest's PSCI calls (CPU_ON, CPU_OFF,
 * AFFINITY_INFO, SYSTEM_OFF, ...) itself, unseen by the VMM. With
 * vcpu_set_config.forward_smccc (Linux 6.4's SMCCC filter) the calls listed there come
 * to the smccc handler instead, which answers them: a policy KVM cannot express, such as
 * refusing CPU_ON beyond the cores a tenant pays for, or seeing a SYSTEM_OFF before the
 * VM ends (the handler may end the loop, or answer DENIED).
 *
 * Thread safety: vcpu_set_create(), vcpu_set_destroy() and vcpu_destroy() must not
 * race with other calls on the same objects. Every other function may be called from
 * any thread, including from the handlers (on a vCPU thread), except where its comment
 * says otherwise. Handlers run on the vCPU's own thread; they must not wait for
 * something that needs that vCPU paused or stopped (that would wait for itself).
 *
 * Errors: functions return 0 (or a count) on success and a negative errno on failure.
 * Nothing prints, exits or aborts.
 */
#ifndef CVMM_VCPU_H
#define CVMM_VCPU_H

#include <cvmm/kvm_ioctls.h>
#include <cvmm/psci.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vcpu;
struct vcpu_set;

/* Where a vCPU is in its life. */
enum vcpu_state {
	VCPU_STATE_CREATED = 0, /* configured; its thread not started */
	VCPU_STATE_RUNNING,     /* its thread runs the guest or handles an exit */
	VCPU_STATE_PAUSED,      /* parked by a pause request, outside KVM_RUN */
	VCPU_STATE_SUSPENDED,   /* honoured SYSTEM_SUSPEND: waits in KVM_RUN for a wake-up */
	VCPU_STATE_STOPPED,     /* its loop has ended (see struct vcpu_end) */
};

/* Why a vCPU's exit loop ended. */
enum vcpu_end_reason {
	VCPU_END_NONE = 0, /* it has not ended */
	VCPU_END_STOPPED,  /* vcpu_stop() or vcpu_set_stop() */
	VCPU_END_SHUTDOWN, /* PSCI SYSTEM_OFF */
	VCPU_END_RESET,    /* PSCI SYSTEM_RESET / SYSTEM_RESET2; x86 KVM_EXIT_SHUTDOWN, a
	                      triple fault (exit_reason KVM_EXIT_SHUTDOWN) */
	VCPU_END_CRASH,    /* a SYSTEM_EVENT crash */
	VCPU_END_HLT,      /* x86 hlt with no in-kernel irqchip to wake it */
	VCPU_END_HANDLER,  /* a handler returned an error (vcpu_end.error) */
	VCPU_END_FAILURE,  /* KVM_RUN or a register access failed (error), or an exit the
	                      loop cannot continue from (exit_reason: KVM_EXIT_*) */
};

/* How a vCPU's loop ended. */
struct vcpu_end {
	enum vcpu_end_reason reason;
	int error;            /* HANDLER / FAILURE: a negative errno, else 0 */
	uint32_t exit_reason; /* the KVM_EXIT_* of the last exit (0 if none) */
	uint64_t detail;      /* FAILURE: internal error suberror, fail-entry reason or
	                         unknown hardware exit reason, or (KVM_EXIT_ARM_NISV) the
	                         ESR_EL2 ISS bits of the access; SYSTEM_EVENT ends: the
	                         event's type */
	uint64_t addr;        /* FAILURE with KVM_EXIT_ARM_NISV: the guest physical address
	                         of the MMIO access KVM could not decode; else 0 */
};

/* Short constant name of a state ("running", ...) or end reason ("shutdown", ...). */
const char *vcpu_state_name(enum vcpu_state state);
const char *vcpu_end_reason_name(enum vcpu_end_reason reason);

/* aarch64: one forwarded SMCCC call (vcpu_handlers.smccc). */
struct vcpu_smccc_call {
	uint32_t function_id; /* w0: the call's function id */
	bool smc;             /* made with SMC (else HVC) */
	uint64_t args[3];     /* x1..x3 as the guest left them */
	uint64_t results[4];  /* x0..x3 the guest gets back */
};

/*
 * The embedder's handlers, shared by every vCPU of a set. Each is optional (NULL).
 * opaque is passed back to each. They run on the vCPU's thread.
 */
struct vcpu_handlers {
	void *opaque;

	/*
	 * An MMIO access at guest physical addr of len bytes (1 to 8). A write: data holds
	 * the bytes. A read: data is zeroed, fill it. Return 0 to go on, or a negative
	 * errno to end the loop (VCPU_END_HANDLER). Without this handler reads give zeros
	 * and writes are dropped.
	 */
	int (*mmio)(void *opaque, struct vcpu *vcpu, uint64_t addr, uint8_t *data, uint32_t len,
	            bool is_write);

	/*
	 * One port IO access (x86) of size bytes (1, 2 or 4); a rep ins/outs gives one call
	 * per element. Same contract as mmio.
	 */
	int (*pio)(void *opaque, struct vcpu *vcpu, uint16_t port, uint8_t *data, uint32_t size,
	           bool is_write);

	/*
	 * aarch64 SYSTEM_SUSPEND policy, asked (with the other vCPUs paused) only when every
	 * other core is OFF. Return true to allow; false denies the call with DENIED (even
	 * one whose entry point is bad). NULL allows.
	 */
	bool (*suspend_allowed)(void *opaque, struct vcpu *vcpu, uint64_t entry,
	                        uint64_t context_id);

	/*
	 * aarch64: a SYSTEM_SUSPEND was refused; psci_ret is the code the guest gets in x0
	 * (DENIED, INVALID_ADDRESS, NOT_SUPPORTED or INTERNAL_FAILURE), entry and
	 * context_id the call's arguments as decoded (x1 and x2 as the guest left them
	 * when the call could not be decoded). A guest can repeat refused calls at will:
	 * an embedder that logs them should rate-limit.
	 */
	void (*suspend_refused)(void *opaque, struct vcpu *vcpu, int32_t psci_ret, uint64_t entry,
	                        uint64_t context_id);

	/* A SYSTEM_SUSPEND was honoured: the vCPU is about to wait for a wake-up. */
	void (*suspended)(void *opaque, struct vcpu *vcpu, uint64_t entry, uint64_t context_id);

	/* The vCPU woke up and resumes at the entry point of its SYSTEM_SUSPEND. */
	void (*resumed)(void *opaque, struct vcpu *vcpu);

	/*
	 * aarch64: a guest SMCCC call of a function id in vcpu_set_config.forward_smccc.
	 * call->results (x0..x3 for the guest) come preset to NOT_SUPPORTED (-1) in x0 and
	 * the guest's own x1..x3; set them and return 0 to resume the guest past its call,
	 * or return a negative errno to end the loop (VCPU_END_HANDLER). Without this
	 * handler every forwarded call gets NOT_SUPPORTED. Any guest may call at will.
	 */
	int (*smccc)(void *opaque, struct vcpu *vcpu, struct vcpu_smccc_call *call);

	/* The vCPU's loop has ended (called once, on its thread, just before it exits).
	   vcpu_get_end() already reports this end, to this handler and to any thread it
	   wakes. */
	void (*stopped)(void *opaque, struct vcpu *vcpu, const struct vcpu_end *end);

	/*
	 * Called once on the vCPU's new thread, before its first KVM_RUN: the place for
	 * per-thread set-up such as installing the thread's seccomp filter. Return 0 to go
	 * on, or a negative errno to end the loop at once (VCPU_END_HANDLER, no guest code
	 * run).
	 */
	int (*thread_started)(void *opaque, struct vcpu *vcpu);
};

/*
 * aarch64: how a core that wakes from SYSTEM_SUSPEND is brought back. PSCI (DEN0022D.b)
 * defines its state at the entry point: pc the entry, x0 the context id, exceptions
 * masked at the caller's EL, SCTLR_EL1's MMU and caches off (M, C, I clear) and EE the
 * caller's; every other register is UNKNOWN.
 *   VCPU_WAKE_RESET       KVM_ARM_VCPU_INIT again with the vCPU's features (every other
 *                         register at its reset value, the timers stopped), then that
 *                         state. The host kernel's vCPU reset is most of a wake-up's
 *                         time (README, benchmarks).
 *   VCPU_WAKE_PSCI_STATE  that state only: every other register keeps the value it had
 *                         at the call, one of the values UNKNOWN allows. A guest that
 *                         sets up its core at the entry point, as Linux's resume does,
 *                         cannot tell the difference.
 */
enum vcpu_wake_mode {
	VCPU_WAKE_RESET = 0,
	VCPU_WAKE_PSCI_STATE,
};

/* VM-wide settings. Zero-initialise, then set what you need. */
struct vcpu_set_config {
	struct vcpu_handlers handlers;
	/* Signal used to kick vCPU threads out of KVM_RUN; 0 means SIGRTMIN. Its
	   disposition becomes a do-nothing handler without SA_RESTART. */
	int kick_signal;
	/* aarch64: handle PSCI SYSTEM_SUSPEND (enables KVM_CAP_ARM_SYSTEM_SUSPEND). Without
	   it KVM answers the guest NOT_SUPPORTED itself. -EOPNOTSUPP on x86_64. */
	bool system_suspend;
	/* Guest RAM, where a SYSTEM_SUSPEND entry point must lie (copied). Without it
	   every SYSTEM_SUSPEND gets INVALID_ADDRESS. */
	const struct psci_ram_range *ram;
	size_t n_ram;
	/* aarch64: SMCCC function ids (the PSCI ones are CVMM_PSCI_FN_*) that KVM passes to
	   the smccc handler instead of answering them itself (KVM_ARM_VM_SMCCC_FILTER, set
	   at vcpu_set_create(), before any vCPU runs; copied). vcpu_set_create() fails with
	   -EOPNOTSUPP where KVM lacks the filter (Linux 6.1) and on x86_64, -EINVAL for
	   SYSTEM_SUSPEND (system_suspend handles it) or a repeated id, -EEXIST for the Arm
	   architecture range (0x80000000-0x8000ffff), which KVM keeps. */
	const uint32_t *forward_smccc;
	size_t n_forward_smccc;
	/* aarch64: the state a core wakes from SYSTEM_SUSPEND in (above); the default
	   VCPU_WAKE_RESET. -EINVAL for another value. */
	enum vcpu_wake_mode wake;
};

/* x86_64 entry modes. */
enum vcpu_x86_mode {
	VCPU_X86_REAL = 0,     /* 16-bit real mode: CS:IP from entry (below 1 MiB), flat data */
	VCPU_X86_LONG,         /* 64-bit long mode, paging with cr3, flat 64-bit code segment */
	VCPU_X86_PROTECTED_32, /* 32-bit protected mode, paging off, flat 4 GiB code and
	                          data segments (the PVH entry; entry below 4 GiB) */
};

/*
 * aarch64: the SYSTEM_SUSPEND a suspended vCPU waits in, which is all a later process
 * needs to bring it back (PSCI resumes the core at the entry point with the context id,
 * its MMU and caches off): what a snapshot of a suspended VM keeps of its boot vCPU.
 */
struct vcpu_suspend_state {
	uint64_t entry;      /* the entry point (guest physical: the MMU is off on wake) */
	uint64_t context_id; /* given back in x0 (r0 for AArch32) */
	bool smc64;          /* the SMC64 form (else entry and context id are 32-bit) */
	bool aarch32;        /* the caller ran in AArch32: it resumes in AArch32 SVC mode */
	bool big_endian;     /* the caller's SCTLR_EL1.EE: it resumes big-endian */
};

/* One vCPU's configuration. Zero-initialise, then set what you need. */
struct vcpu_config {
	uint32_t id;      /* KVM vCPU id (aarch64: MPIDR Aff0 = id & 0xf, Aff1 = id >> 4) */
	uint64_t entry;   /* first instruction: PC / guest physical address of CS:IP / RIP */
	uint64_t stack;   /* aarch64 SP_EL1, x86 RSP (0 leaves the reset value) */
	uint64_t args[4]; /* aarch64 x0..x3; x86_64 rdi, rsi, rdx, rcx */
	/* aarch64 */
	bool powered_off;  /* start OFF (a secondary that PSCI CPU_ON brings up); entry,
	                      stack and args are then ignored */
	uint64_t features; /* extra KVM_ARM_VCPU_* feature bits (PSCI_0_2 is always set) */
	/* Start inside an honoured SYSTEM_SUSPEND instead of at entry (a VM restored from a
	   snapshot: the state vcpu_get_suspend_state() gave in the process that saved it).
	   The vCPU's MP state is SUSPENDED: once started it waits in KVM_RUN, spending no
	   host CPU, until an interrupt wakes it, then resumes at the state's entry point
	   with its context id, exactly as after a suspend it honoured itself (the resumed
	   handler runs). Needs the set's system_suspend, and an entry point in the set's
	   RAM; entry, stack and args are ignored, powered_off must be false. The state is
	   input (it may come from a file): it is checked, never trusted. NULL: start
	   normally. */
	const struct vcpu_suspend_state *suspended;
	/* x86_64 */
	enum vcpu_x86_mode mode;
	uint64_t cr3; /* LONG: guest physical address of the PML4 */
	/* LONG and PROTECTED_32: the GDT in guest RAM whose descriptors match the segments
	   set here (a boot protocol may ask for one: Linux's 64-bit protocol, PVH), and the
	   selectors of the code and data segments. gdt_limit 0: no GDT is named (the GDT
	   register keeps its reset value) and the selectors are 0x08 (code) and 0x10
	   (data). */
	uint64_t gdt_base;
	uint16_t gdt_limit; /* bytes - 1 */
	uint16_t code_selector, data_selector;
	/* PROTECTED_32: the selector of a 32-bit TSS of base 0 and limit 0x67 in that GDT,
	   loaded busy in TR (the PVH entry asks for one); 0 leaves TR at its reset value. */
	uint16_t tss_selector;
	uint64_t rbx; /* initial RBX (the PVH entry's start info address) */
};

/* Counters of one vCPU (monotonic from its creation). */
struct vcpu_stats {
	uint64_t runs;           /* KVM_RUN calls */
	uint64_t exits_mmio;     /* MMIO exits */
	uint64_t exits_pio;      /* port IO exits */
	uint64_t interruptions;  /* KVM_RUN returns due to a signal or immediate_exit */
	uint64_t kicks;          /* kick requests seen by the loop */
	uint64_t pauses;         /* times the vCPU parked for a pause */
	uint64_t suspends;       /* SYSTEM_SUSPEND calls honoured */
	uint64_t suspend_denied; /* SYSTEM_SUSPEND calls denied (any code) */
	uint64_t wakeups;        /* WAKEUP exits handled (resumed at the entry point) */
	uint64_t suspend_ns;     /* time spent handling the last SUSPEND exit */
	uint64_t wakeup_ns;      /* time spent handling the last WAKEUP exit */
};

/* ------------------------------------------------------------------------------------
 * The set
 * ------------------------------------------------------------------------------------ */

/*
 * vcpu_set_create() - a set for the vCPUs of one VM.
 * @sys: the KVM system handle (x86_64 reads the supported CPUID from it); kept, not
 *       owned.
 * @vm: the VM; kept, not owned (destroy the set before the VM).
 * @cfg: settings (copied; may be NULL for defaults).
 * @out: receives the set.
 * Installs the kick signal's handler and, with cfg->system_suspend on aarch64, enables
 * KVM_CAP_ARM_SYSTEM_SUSPEND on the VM.
 * Returns 0, -EINVAL for NULL @sys, @vm or @out, or an invalid signal, -EOPNOTSUPP for
 * system_suspend on x86_64, -ENOMEM, or the -errno of KVM_ENABLE_CAP.
 */
int vcpu_set_create(struct kvmio_system *sys, struct kvmio_vm *vm,
                    const struct vcpu_set_config *cfg, struct vcpu_set **out);

/*
 * vcpu_set_destroy() - stops and joins every vCPU of the set, destroys them and the set.
 * NULL is allowed. Must not be called from a vCPU thread.
 */
void vcpu_set_destroy(struct vcpu_set *set);

/* Number of vCPUs created in the set. */
size_t vcpu_set_count(const struct vcpu_set *set);

/* The vCPU created with KVM id @id, or NULL. */
struct vcpu *vcpu_set_find(struct vcpu_set *set, uint32_t id);

/* Starts every vCPU not started yet. Returns 0 or the first error (see vcpu_start()). */
int vcpu_set_start(struct vcpu_set *set);

/*
 * vcpu_set_pause() - pauses every vCPU and waits until each one is parked outside
 * KVM_RUN (or stopped). Pauses nest: each needs one vcpu_set_resume(). From a vCPU
 * thread, that vCPU itself is only marked (it parks when its handler returns).
 * Returns 0 or -EINVAL.
 */
int vcpu_set_pause(struct vcpu_set *set);

/* Undoes one vcpu_set_pause(). Returns 0, or -EINVAL when a vCPU was not paused. */
int vcpu_set_resume(struct vcpu_set *set);

/* Asks every vCPU to stop (does not wait). Returns 0 or -EINVAL. */
int vcpu_set_stop(struct vcpu_set *set);

/*
 * vcpu_set_wait_any() - waits until some vCPU's loop has ended, or until
 * @timeout_ms milliseconds have passed (-1: no limit).
 * @who: if not NULL, receives the first vCPU (lowest index) that has ended.
 * Returns 0, -ETIMEDOUT, or -EINVAL (NULL @set, or no vCPU started).
 */
int vcpu_set_wait_any(struct vcpu_set *set, int timeout_ms, struct vcpu **who);

/* ------------------------------------------------------------------------------------
 * One vCPU
 * ------------------------------------------------------------------------------------ */

/*
 * vcpu_create() - creates a KVM vCPU in the set's VM and configures it.
 * aarch64: KVM_ARM_VCPU_INIT with the preferred target, PSCI 0.2 and cfg->features
 * (plus POWER_OFF when cfg->powered_off), then PC, SP_EL1 and x0..x3.
 * x86_64: the supported CPUID with the hypervisor bit set, then the entry state of
 * cfg->mode (REAL: entry below 1 MiB; LONG: CR0.PG|PE, CR4.PAE, EFER.LME|LMA, cr3).
 * @out: receives the vCPU (owned by the set; vcpu_destroy() or the set's destroy
 *       frees it).
 * On arm64 an in-kernel vGIC must be initialised after every vCPU is created, before
 * the first one starts.
 * Returns 0, -EINVAL for NULL arguments, a real-mode entry at or above 1 MiB, or (arm64)
 * a suspended state the set cannot honour (no system_suspend, powered_off, an entry point
 * outside the set's RAM or misaligned for its instruction set), -EOPNOTSUPP for a suspended
 * state on x86_64,
 * -EEXIST for an id in use, -ENOMEM, or the -errno of a KVM call.
 */
int vcpu_create(struct vcpu_set *set, const struct vcpu_config *cfg, struct vcpu **out);

/*
 * vcpu_destroy() - stops and joins the vCPU, removes it from its set and frees it
 * (the KVM vCPU fd is closed). NULL is allowed. Not from a vCPU thread.
 */
void vcpu_destroy(struct vcpu *vcpu);

/*
 * vcpu_start() - starts the vCPU's thread, which runs the exit loop. A vCPU paused
 * before its start parks at once.
 * Returns 0, -EALREADY when it was started before, or the -errno of pthread_create().
 */
int vcpu_start(struct vcpu *vcpu);

/*
 * vcpu_pause() - asks the vCPU to park outside KVM_RUN and waits until it has (or its
 * loop has ended). Pauses nest: each needs one vcpu_resume(). A suspended vCPU is
 * paused too (it leaves the kernel's wait, and goes back to it on resume). From the
 * vCPU's own thread it only marks the request (the vCPU parks when its handler
 * returns). Not started yet: it parks as soon as it starts.
 * Returns 0 or -EINVAL.
 */
int vcpu_pause(struct vcpu *vcpu);

/* Undoes one vcpu_pause(). Returns 0, or -EINVAL when it was not paused. */
int vcpu_resume(struct vcpu *vcpu);

/*
 * vcpu_kick() - makes the vCPU leave KVM_RUN once (it goes back in unless paused or
 * stopped). A kick made while another request is pending merges with it. Does not
 * wait. Returns 0 or -EINVAL.
 */
int vcpu_kick(struct vcpu *vcpu);

/*
 * vcpu_stop() - asks the vCPU's loop to end (VCPU_END_STOPPED unless it ends for
 * another reason first). Works while paused or suspended. Does not wait.
 * Returns 0 or -EINVAL.
 */
int vcpu_stop(struct vcpu *vcpu);

/*
 * vcpu_join() - waits for the vCPU's thread to end and reaps it.
 * @end: if not NULL, receives how its loop ended.
 * Returns 0, -EINVAL when it was never started or on its own thread, or -EALREADY
 * when another call joined it (@end is still filled).
 */
int vcpu_join(struct vcpu *vcpu, struct vcpu_end *end);

/* The vCPU's state now (it may change right after); STOPPED for NULL. */
enum vcpu_state vcpu_get_state(const struct vcpu *vcpu);

/* How its loop ended (reason VCPU_END_NONE while it runs, or for NULL). */
struct vcpu_end vcpu_get_end(const struct vcpu *vcpu);

/*
 * vcpu_get_mp_state() - the vCPU's KVM MP state (KVM_MP_STATE_*). A running vCPU is
 * paused for the read and resumed after it (KVM_GET_MP_STATE would otherwise block
 * until it leaves KVM_RUN); a suspended one stays suspended. From its own handlers it
 * reads directly.
 * Returns 0 or -errno.
 */
int vcpu_get_mp_state(struct vcpu *vcpu, uint32_t *mp_state);

/*
 * vcpu_get_suspend_state() - aarch64: the SYSTEM_SUSPEND the vCPU waits in (honoured, or
 * given at creation with vcpu_config.suspended), for a snapshot of the VM. Call it while
 * the vCPU is paused or stopped, or from its own handlers (the suspended handler).
 * Returns 0; -EINVAL for NULL arguments or a vCPU that is not suspended (it has woken,
 * or never suspended); -EOPNOTSUPP on x86_64.
 */
int vcpu_get_suspend_state(const struct vcpu *vcpu, struct vcpu_suspend_state *out);
/* A copy of the vCPU's counters (zeros for a NULL vCPU). */
void vcpu_get_stats(const struct vcpu *vcpu, struct vcpu_stats *stats);

/*
 * vcpu_cpu_time_ns() - CPU time the vCPU's thread has used (its thread CPU clock), in
 * nanoseconds. Returns it, or a negative errno (-ESRCH when its thread is not running,
 * -EINVAL for NULL).
 */
int64_t vcpu_cpu_time_ns(const struct vcpu *vcpu);

/* The vCPU's KVM id (0 for NULL). */
uint32_t vcpu_id(const struct vcpu *vcpu);

/* The vCPU's set (NULL for NULL). */
struct vcpu_set *vcpu_get_set(const struct vcpu *vcpu);

/*
 * vcpu_kvm() - the underlying kvm-ioctls vCPU, for registers and what this API does not
 * wrap. Use it only from the vCPU's handlers, or while it is CREATED, PAUSED or
 * STOPPED.
 */
struct kvmio_vcpu *vcpu_kvm(struct vcpu *vcpu);

#if defined(__x86_64__)
/*
 * vcpu_x86_identity_tables() - writes 4-level page tables that identity-map the first
 * 1 GiB with 2 MiB pages: PML4 at @gpa, PDPT at @gpa + 4 KiB, PD at @gpa + 8 KiB.
 * @buf: host memory that the guest sees at @gpa; @size: bytes at @buf (at least
 * VCPU_X86_IDENTITY_TABLES_SIZE). @gpa: 4 KiB aligned. Use @gpa as vcpu_config.cr3.
 * Returns 0, or -EINVAL for a NULL buf, too small a size or an unaligned gpa.
 */
#define VCPU_X86_IDENTITY_TABLES_SIZE (3u * 4096u)
int vcpu_x86_identity_tables(void *buf, size_t size, uint64_t gpa);

/*
 * vcpu_x86_sleep_reset() - the firmware's part of an ACPI S3 resume (a sleep state that
 * loses the CPUs' context): puts a PAUSED (or not yet started) vCPU in the state after a
 * reset: real mode (CR0 0x60000010, CR3, CR4 and EFER 0, 64 KiB segments, GDT and IDT at 0
 * with limit 0xffff, RFLAGS 2, general registers 0), no interrupt pending for injection.
 * The boot CPU (@boot_cpu) is made runnable at @waking_vector, the FACS's
 * Firmware_Waking_Vector: CS = vector >> 4, IP = vector & 0xf. Any other vCPU waits for
 * INIT and SIPI (KVM_MP_STATE_INIT_RECEIVED), as an application processor after a reset;
 * its INIT resets it fully in the kernel (the local APIC too). The boot CPU's local APIC,
 * the VM's in-kernel IOAPIC, PIC and PIT are left as they are (the guest reprograms them
 * on resume). Resume the vCPU afterwards.
 * Returns 0; -EINVAL (NULL, a vector at or above 1 MiB); -EBUSY (the vCPU is not paused
 * or created); or the -errno of a KVM call.
 */
int vcpu_x86_sleep_reset(struct vcpu *vcpu, bool boot_cpu, uint32_t waking_vector);
#endif

#ifdef __cplusplus
}
#endif

#endif /* CVMM_VCPU_H */
