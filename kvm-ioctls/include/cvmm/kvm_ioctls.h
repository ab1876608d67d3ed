/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm kvm-ioctls: thin, typed wrappers of the KVM system, VM and vCPU ioctls, and a
 * decoded vCPU exit.
 *
 * Three opaque handles, each owning its file descriptor:
 *   struct kvmio_system  /dev/kvm
 *   struct kvmio_vm      a VM made by kvmio_system_create_vm()
 *   struct kvmio_vcpu    a vCPU made by kvmio_vm_create_vcpu(); also owns the mmap'd
 *                        struct kvm_run shared with the kernel
 * A handle may be destroyed in any order relative to the others (the kernel keeps the
 * VM alive while a vCPU fd is open), but a handle must not be used after its own
 * destroy. Every destroy function accepts NULL.
 *
 * Errors: every function that can fail returns a negative errno (-EINVAL for bad
 * arguments detected here, otherwise the errno of the failing system call); 0, a count
 * or a file descriptor on success. Nothing prints, exits or aborts.
 *
 * Kernel structures (struct kvm_regs, struct kvm_vcpu_init, ...) are those of the
 * <linux/kvm.h> this header includes, so their sizes always match the kernel ABI.
 *
 * Thread safety:
 *   - kvmio_system_* and kvmio_vm_* functions may be called from any thread, also
 *     concurrently on the same handle (they are plain ioctls, or guarded by a lock
 *     inside the VM handle for the memory slot table).
 *   - kvmio_vcpu_* functions on one vCPU must be called from one thread at a time
 *     (normally the vCPU's own thread), EXCEPT kvmio_vcpu_set_immediate_exit(),
 *     kvmio_vcpu_immediate_exit(), kvmio_vcpu_fd() and kvmio_vcpu_id(), which any
 *     thread may call at any time (this is how another thread kicks a running vCPU:
 *     set immediate_exit, then signal the vCPU's thread).
 *   - Device attribute functions are plain ioctls on the fd given.
 */
#ifndef CVMM_KVM_IOCTLS_H
#define CVMM_KVM_IOCTLS_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kvmio_system;
struct kvmio_vm;
struct kvmio_vcpu;

/* The only KVM API version there has ever been; kvmio_system_open*() require it. */
#define KVMIO_API_VERSION 12

/* ------------------------------------------------------------------------------------
 * System (/dev/kvm)
 * ------------------------------------------------------------------------------------ */

/*
 * Opens /dev/kvm (close-on-exec) and checks that KVM_GET_API_VERSION is 12.
 * out: receives the new handle.
 * Returns 0, or -errno of open(), or -EPROTO when the API version is not 12.
 */
int kvmio_system_open(struct kvmio_system **out);

/* As kvmio_system_open(), with another path (e.g. a KVM device node elsewhere). */
int kvmio_system_open_path(const char *path, struct kvmio_system **out);

/*
 * Adopts an already open KVM system fd (e.g. passed by a parent). On success the handle
 * owns fd and closes it on destroy; on failure fd is left open and untouched.
 * Returns 0, -EBADF for a closed fd, -ENOTTY for a fd that is not KVM, -EPROTO when the
 * API version is not 12.
 */
int kvmio_system_from_fd(int fd, struct kvmio_system **out);

/* Closes the system fd and frees the handle. NULL is allowed. */
void kvmio_system_destroy(struct kvmio_system *sys);

/* The system fd (still owned by the handle). */
int kvmio_system_fd(const struct kvmio_system *sys);

/* KVM_GET_API_VERSION: returns the version (12) or -errno. */
int kvmio_system_api_version(const struct kvmio_system *sys);

/*
 * KVM_CHECK_EXTENSION on the system fd. cap: a KVM_CAP_* number.
 * Returns 0 when unsupported, a positive capability-specific value when supported
 * (usually 1), or -errno.
 */
int kvmio_system_check_extension(const struct kvmio_system *sys, unsigned int cap);

/* KVM_GET_VCPU_MMAP_SIZE: the size in bytes of a vCPU's kvm_run mapping, or -errno. */
int kvmio_system_vcpu_mmap_size(const struct kvmio_system *sys);

/* Recommended number of vCPUs (KVM_CAP_NR_VCPUS; 4 when the kernel does not say). */
int kvmio_system_nr_vcpus(const struct kvmio_system *sys);

/* Maximum number of vCPUs (KVM_CAP_MAX_VCPUS; falls back to the recommended number). */
int kvmio_system_max_vcpus(const struct kvmio_system *sys);

/* Maximum vCPU id + 1 (KVM_CAP_MAX_VCPU_ID; falls back to the maximum vCPUs). */
int kvmio_system_max_vcpu_id(const struct kvmio_system *sys);

/*
 * KVM_CREATE_VM. type: 0 for the default machine type (on arm64 a 40-bit IPA space),
 * or an architecture value such as KVMIO_VM_TYPE_ARM_IPA_SIZE(bits).
 * out: receives the VM handle.
 * Returns 0 or -errno (e.g. -EINVAL for an unsupported type).
 */
int kvmio_system_create_vm(const struct kvmio_system *sys, unsigned long type,
                           struct kvmio_vm **out);

/* ------------------------------------------------------------------------------------
 * VM
 * ------------------------------------------------------------------------------------ */

/* Closes the VM fd and frees the handle. NULL is allowed. */
void kvmio_vm_destroy(struct kvmio_vm *vm);

/* The VM fd (still owned by the handle). */
int kvmio_vm_fd(const struct kvmio_vm *vm);

/* KVM_CHECK_EXTENSION on the VM fd (answers can differ from the system's per VM type). */
int kvmio_vm_check_extension(const struct kvmio_vm *vm, unsigned int cap);

/*
 * KVM_ENABLE_CAP on the VM fd, with cap, flags 0 and args[0] = arg0 (the common form,
 * e.g. kvmio_vm_enable_cap(vm, KVM_CAP_ARM_SYSTEM_SUSPEND, 0)).
 * Returns 0 or -errno (-EINVAL for a capability KVM does not know or cannot enable).
 */
int kvmio_vm_enable_cap(const struct kvmio_vm *vm, uint32_t cap, uint64_t arg0);

/* KVM_ENABLE_CAP on the VM fd with a full struct kvm_enable_cap. Returns 0 or -errno. */
int kvmio_vm_enable_cap_raw(const struct kvmio_vm *vm, const struct kvm_enable_cap *cap);

/*
 * KVM_SET_USER_MEMORY_REGION: maps [host, host + size) at guest physical gpa in slot.
 * flags: 0 or KVM_MEM_LOG_DIRTY_PAGES and/or KVM_MEM_READONLY. host and gpa must be
 * page aligned, size a multiple of the page size, and gpa + size must not overflow.
 * Changing the flags of an existing slot (same gpa and size) is allowed. Returns 0,
 * -EINVAL for bad alignment or overflow, -EEXIST when the range overlaps another slot,
 * or another -errno.
 */
int kvmio_vm_set_user_memory_region(struct kvmio_vm *vm, uint32_t slot, uint32_t flags,
                                    uint64_t gpa, uint64_t size, void *host);

/* Removes the memory slot (KVM_SET_USER_MEMORY_REGION with size 0). Returns 0 or -errno. */
int kvmio_vm_remove_user_memory_region(struct kvmio_vm *vm, uint32_t slot);

/*
 * Bytes of bitmap kvmio_vm_get_dirty_log() needs for a slot of size bytes: one bit per
 * page, rounded up to whole 64-bit words.
 */
size_t kvmio_dirty_log_bitmap_size(uint64_t size);

/*
 * KVM_GET_DIRTY_LOG: bit n of bitmap (little-endian 64-bit words) is set when page n of
 * the slot was written since the last call (or since clear, with manual protection).
 * The slot must have been set with KVM_MEM_LOG_DIRTY_PAGES through this handle.
 * bitmap_size: bytes available at bitmap. Returns 0, -ENOENT for a slot this handle
 * did not set, -ENOBUFS when bitmap_size is below kvmio_dirty_log_bitmap_size() of the
 * slot, or -errno (-ENOENT from KVM when the slot does not log).
 */
int kvmio_vm_get_dirty_log(struct kvmio_vm *vm, uint32_t slot, uint64_t *bitmap,
                           size_t bitmap_size);

/*
 * KVM_CLEAR_DIRTY_LOG (needs KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 enabled): re-protects the
 * pages whose bits are set in bitmap, for num_pages pages starting at first_page of the
 * slot. first_page must be a multiple of 64; num_pages a multiple of 64 unless the range
 * ends at the end of the slot. bitmap holds (num_pages + 63) / 64 words.
 * Returns 0 or -errno.
 */
int kvmio_vm_clear_dirty_log(struct kvmio_vm *vm, uint32_t slot, uint64_t first_page,
                             uint32_t num_pages, const uint64_t *bitmap);

/*
 * KVM_CREATE_VCPU with the given id, then maps its kvm_run. out: receives the handle.
 * Returns 0, -EEXIST for an id already in use, -EINVAL for an id out of range, or -errno.
 */
int kvmio_vm_create_vcpu(struct kvmio_vm *vm, unsigned long id, struct kvmio_vcpu **out);

/*
 * KVM_IRQ_LINE: sets interrupt line irq to level (0 or 1). On x86 irq is a GSI of the
 * in-kernel irqchip; on arm64 use KVMIO_ARM_IRQ_SPI(n) and friends below.
 * Returns 0 or -errno (-EINVAL for a line out of range, -ENXIO without an irqchip).
 */
int kvmio_vm_irq_line(const struct kvmio_vm *vm, uint32_t irq, uint32_t level);

/*
 * KVM_IRQFD: a write to eventfd raises gsi. resample_fd: -1 for an edge-like irqfd, or
 * an eventfd that KVM signals when the guest acknowledges the (level) interrupt, which
 * is then de-asserted. Returns 0 or -errno.
 */
int kvmio_vm_irqfd(const struct kvmio_vm *vm, int eventfd, uint32_t gsi, int resample_fd);

/* KVM_IRQFD with KVM_IRQFD_FLAG_DEASSIGN: detaches eventfd from gsi. Returns 0 or -errno. */
int kvmio_vm_irqfd_remove(const struct kvmio_vm *vm, int eventfd, uint32_t gsi);

/* Address space of an ioeventfd. */
enum kvmio_ioevent_space {
	KVMIO_IOEVENT_MMIO = 0,
	KVMIO_IOEVENT_PIO = 1,
};

/*
 * KVM_IOEVENTFD: a guest write of len bytes (0, 1, 2, 4 or 8; 0 = any length, MMIO only)
 * to addr in space signals eventfd instead of exiting. datamatch: NULL for any value,
 * else only a write of *datamatch signals. Returns 0, -EEXIST for a duplicate, or -errno.
 */
int kvmio_vm_ioeventfd(const struct kvmio_vm *vm, int eventfd, enum kvmio_ioevent_space space,
                       uint64_t addr, uint32_t len, const uint64_t *datamatch);

/* Removes an ioeventfd registered with the same arguments. Returns 0 or -errno. */
int kvmio_vm_ioeventfd_remove(const struct kvmio_vm *vm, int eventfd,
                              enum kvmio_ioevent_space space, uint64_t addr, uint32_t len,
                              const uint64_t *datamatch);

/*
 * KVM_SET_GSI_ROUTING: replaces the whole GSI routing table with n entries (n may be 0).
 * Returns 0, -EINVAL for n above KVM_MAX_IRQ_ROUTES or a bad entry, -ENOMEM, or -errno.
 */
int kvmio_vm_set_gsi_routing(const struct kvmio_vm *vm, const struct kvm_irq_routing_entry *entries,
                             size_t n);

/*
 * KVM_SIGNAL_MSI: injects one MSI. Returns a positive count when delivered, 0 when the
 * guest blocked it, or -errno.
 */
int kvmio_vm_signal_msi(const struct kvmio_vm *vm, const struct kvm_msi *msi);

/*
 * KVM_CREATE_DEVICE: creates an in-kernel device of type (KVM_DEV_TYPE_*, e.g.
 * KVM_DEV_TYPE_ARM_VGIC_V2 or _V3). test_only: only check that it could be created
 * (KVM_CREATE_DEVICE_TEST); nothing is created and 0 is returned.
 * Returns the new device fd (the caller owns it and closes it), 0 for test_only, -ENODEV
 * for an unsupported type, -EEXIST when such a device already exists, or -errno.
 */
int kvmio_vm_create_device(const struct kvmio_vm *vm, uint32_t type, bool test_only);

/*
 * KVM_SET_DEVICE_ATTR on fd (a device fd from kvmio_vm_create_device(), a vCPU fd or a
 * VM fd): group and attr select the attribute; value points at its data (its size is
 * defined by the attribute; NULL for attributes without data). Returns 0 or -errno
 * (-ENXIO for an unknown attribute, -EBUSY when no longer settable).
 */
int kvmio_device_set_attr(int fd, uint32_t group, uint64_t attr, const void *value);

/* KVM_GET_DEVICE_ATTR on fd, the data written to value. Returns 0 or -errno. */
int kvmio_device_get_attr(int fd, uint32_t group, uint64_t attr, void *value);

/*
 * KVM_HAS_DEVICE_ATTR on fd. Returns 1 when the attribute exists, 0 when it does not
 * (the kernel's ENXIO), or another -errno.
 */
int kvmio_device_has_attr(int fd, uint32_t group, uint64_t attr);

/* ------------------------------------------------------------------------------------
 * vCPU: lifecycle, run and the decoded exit
 * ------------------------------------------------------------------------------------ */

/* Unmaps kvm_run, closes the vCPU fd and frees the handle. NULL is allowed. */
void kvmio_vcpu_destroy(struct kvmio_vcpu *vcpu);

/* The vCPU fd (still owned by the handle): for polling, seccomp rules, raw ioctls. */
int kvmio_vcpu_fd(const struct kvmio_vcpu *vcpu);

/* The id the vCPU was created with. */
unsigned long kvmio_vcpu_id(const struct kvmio_vcpu *vcpu);

/* The mmap'd struct kvm_run, for what this API does not wrap. Owned by the handle. */
struct kvm_run *kvmio_vcpu_kvm_run(struct kvmio_vcpu *vcpu);

/* Size in bytes of the kvm_run mapping (KVM_GET_VCPU_MMAP_SIZE at creation). */
size_t kvmio_vcpu_kvm_run_size(const struct kvmio_vcpu *vcpu);

/* What ended a KVM_RUN. */
enum kvmio_exit_kind {
	KVMIO_EXIT_UNKNOWN = 0,     /* unknown.reason: a KVM_EXIT_* this API does not decode */
	KVMIO_EXIT_IO,              /* io: x86 port IO */
	KVMIO_EXIT_MMIO,            /* mmio: access to guest physical memory with no slot */
	KVMIO_EXIT_HLT,             /* x86 hlt without an in-kernel irqchip */
	KVMIO_EXIT_SHUTDOWN,        /* x86 triple fault or similar */
	KVMIO_EXIT_FAIL_ENTRY,      /* fail_entry */
	KVMIO_EXIT_INTERNAL_ERROR,  /* internal */
	KVMIO_EXIT_SYSTEM_EVENT,    /* system_event: PSCI off/reset/suspend, wakeup, crash */
	KVMIO_EXIT_INTR,            /* a signal or immediate_exit interrupted KVM_RUN */
	KVMIO_EXIT_DEBUG,           /* debug: guest debug event (KVM_SET_GUEST_DEBUG) */
	KVMIO_EXIT_HYPERCALL,       /* hypercall: x86 KVM_HC_* forwarded to user space */
	KVMIO_EXIT_EXCEPTION,       /* exception: x86 */
	KVMIO_EXIT_IRQ_WINDOW_OPEN, /* x86: the requested interrupt window opened */
	KVMIO_EXIT_NMI,
	KVMIO_EXIT_SET_TPR,
	KVMIO_EXIT_TPR_ACCESS,
	KVMIO_EXIT_IOAPIC_EOI, /* eoi_vector: x86 split irqchip */
	KVMIO_EXIT_X86_RDMSR,  /* msr: complete by writing *msr.data / *msr.error */
	KVMIO_EXIT_X86_WRMSR,  /* msr */
	KVMIO_EXIT_ARM_NISV,   /* arm_nisv: data abort without valid syndrome */
	KVMIO_EXIT_DIRTY_RING_FULL,
	KVMIO_EXIT_X86_BUS_LOCK,
	KVMIO_EXIT_NOTIFY,
	KVMIO_EXIT_WATCHDOG,
};

/* Direction of a port IO exit. */
enum kvmio_io_direction {
	KVMIO_IO_IN = 0,  /* guest reads: fill data, see kvmio_vcpu_complete_io_in() */
	KVMIO_IO_OUT = 1, /* guest writes: data holds the bytes */
};

/* Type of a SYSTEM_EVENT exit (the kernel's KVM_SYSTEM_EVENT_* values). */
enum kvmio_system_event_type {
	KVMIO_SYSTEM_EVENT_UNKNOWN = 0,  /* a type this API does not name: see raw_type */
	KVMIO_SYSTEM_EVENT_SHUTDOWN = 1, /* PSCI SYSTEM_OFF */
	KVMIO_SYSTEM_EVENT_RESET = 2,    /* PSCI SYSTEM_RESET / SYSTEM_RESET2 */
	KVMIO_SYSTEM_EVENT_CRASH = 3,
	KVMIO_SYSTEM_EVENT_WAKEUP = 4,  /* a suspended vCPU got a wake-up event */
	KVMIO_SYSTEM_EVENT_SUSPEND = 5, /* PSCI SYSTEM_SUSPEND (KVM_CAP_ARM_SYSTEM_SUSPEND) */
	KVMIO_SYSTEM_EVENT_SEV_TERM = 6,
};

/*
 * A decoded exit. reason is always the raw KVM_EXIT_* value; kind says which member of
 * the union is valid. Pointers in it point into the vCPU's kvm_run and stay valid until
 * the next kvmio_vcpu_run() or kvmio_vcpu_destroy(); writing through them (IO in, MMIO
 * read, RDMSR data) is how a read is completed.
 */
struct kvmio_exit {
	enum kvmio_exit_kind kind;
	uint32_t reason;
	union {
		struct {
			enum kvmio_io_direction direction;
			uint16_t port;
			uint8_t size;   /* bytes per access: 1, 2 or 4 */
			uint32_t count; /* accesses (above 1 for rep ins/outs) */
			uint8_t *data;  /* size * count bytes, checked to lie inside kvm_run */
			size_t len;     /* size * count */
		} io;
		struct {
			uint64_t addr;
			uint32_t len; /* 1 to 8, checked */
			bool is_write;
			uint8_t *data; /* len bytes */
		} mmio;
		struct {
			enum kvmio_system_event_type type;
			uint32_t raw_type;
			uint32_t ndata; /* valid words in data, at most 16 */
			uint64_t data[16];
		} system_event;
		struct {
			uint32_t suberror; /* KVM_INTERNAL_ERROR_* */
			uint32_t ndata;    /* at most 16 */
			uint64_t data[16];
		} internal;
		struct {
			uint64_t hardware_entry_failure_reason;
			uint32_t cpu;
		} fail_entry;
		struct {
			uint64_t nr;
			uint64_t args[6];
			uint64_t *ret; /* write the result here */
			uint32_t longmode;
			uint64_t flags; /* arm64 (6.4+): KVMIO_HYPERCALL_EXIT_*, shares longmode's
			                   place */
		} hypercall;
		struct {
			uint32_t exception;
			uint32_t error_code;
		} exception;
		struct kvm_debug_exit_arch debug;
		struct {
			uint32_t index;
			uint32_t reason; /* KVM_MSR_EXIT_REASON_* */
			uint64_t *data;  /* RDMSR: write the value; WRMSR: the value written */
			uint8_t *error;  /* write 1 to inject #GP */
		} msr;
		struct {
			uint64_t rip;
			uint32_t is_write;
		} tpr_access;
		uint8_t eoi_vector;
		struct {
			uint64_t esr_iss;
			uint64_t fault_ipa;
		} arm_nisv;
		struct {
			uint32_t flags;
		} notify;
		struct {
			uint64_t hardware_exit_reason;
		} unknown;
	};
};

/*
 * KVM_RUN, then decodes kvm_run into *exit.
 * A KVM_RUN interrupted by a signal, or refused because immediate_exit was set, is not
 * an error: it returns 0 with exit->kind KVMIO_EXIT_INTR. Returns 0, -EPROTO when the
 * kernel's exit data is inconsistent (an IO buffer outside kvm_run, an MMIO length
 * above 8), or -errno of KVM_RUN (e.g. -ENOEXEC for an uninitialised arm64 vCPU,
 * -EFAULT).
 */
int kvmio_vcpu_run(struct kvmio_vcpu *vcpu, struct kvmio_exit *exit);

/*
 * Decodes the vCPU's current kvm_run without running (e.g. again after a signal).
 * Returns 0 or -EPROTO as kvmio_vcpu_run().
 */
int kvmio_vcpu_decode_exit(struct kvmio_vcpu *vcpu, struct kvmio_exit *exit);

/*
 * Completes an IO IN exit: copies len bytes of data into the IO buffer of kvm_run, read
 * by the guest at the next run. len must equal size * count of the exit.
 * Returns 0, or -EINVAL when the last exit is not IO IN or len differs.
 */
int kvmio_vcpu_complete_io_in(struct kvmio_vcpu *vcpu, const void *data, size_t len);

/*
 * Completes an MMIO read exit: copies len bytes into kvm_run's mmio.data, seen by the
 * guest at the next run. len must equal the exit's length.
 * Returns 0, or -EINVAL when the last exit is not an MMIO read or len differs.
 */
int kvmio_vcpu_complete_mmio_read(struct kvmio_vcpu *vcpu, const void *data, size_t len);

/*
 * Sets kvm_run's immediate_exit: while it is 1, KVM_RUN returns at once (KVMIO_EXIT_INTR)
 * and a vCPU interrupted by a signal does not re-enter the guest. Any thread may call
 * this (an atomic store into the shared mapping). Clear it before running on.
 */
void kvmio_vcpu_set_immediate_exit(struct kvmio_vcpu *vcpu, bool value);

/* Reads kvm_run's immediate_exit (atomic load; any thread). */
bool kvmio_vcpu_immediate_exit(const struct kvmio_vcpu *vcpu);

/* KVM_GET_MP_STATE into *state (KVM_MP_STATE_*). Returns 0 or -errno. */
int kvmio_vcpu_get_mp_state(const struct kvmio_vcpu *vcpu, uint32_t *state);

/*
 * KVM_SET_MP_STATE to state (KVM_MP_STATE_RUNNABLE, _STOPPED, _SUSPENDED on arm64, ...).
 * Returns 0 or -errno (-EINVAL for a state the architecture does not accept).
 */
int kvmio_vcpu_set_mp_state(const struct kvmio_vcpu *vcpu, uint32_t state);

/* KVM_ENABLE_CAP on the vCPU fd, args[0] = arg0. Returns 0 or -errno. */
int kvmio_vcpu_enable_cap(const struct kvmio_vcpu *vcpu, uint32_t cap, uint64_t arg0);

/* KVM_SET_GUEST_DEBUG (single-step, breakpoints). Returns 0 or -errno. */
int kvmio_vcpu_set_guest_debug(const struct kvmio_vcpu *vcpu, const struct kvm_guest_debug *dbg);

/* Short constant name of an exit kind ("io", "mmio", ...; "?" for an invalid value). */
const char *kvmio_exit_kind_name(enum kvmio_exit_kind kind);

/* Short constant name of a system event type ("shutdown", "suspend", ...). */
const char *kvmio_system_event_name(enum kvmio_system_event_type type);

/* ------------------------------------------------------------------------------------
 * x86_64
 * ------------------------------------------------------------------------------------ */
#if defined(__x86_64__)

/*
 * KVM_GET_SUPPORTED_CPUID: copies up to max entries into entries.
 * Returns the number of entries, -E2BIG when max is too small (then *needed, if not
 * NULL, holds a count that is enough, or 0 when the kernel did not say), or -errno.
 */
int kvmio_system_get_supported_cpuid(const struct kvmio_system *sys,
                                     struct kvm_cpuid_entry2 *entries, size_t max, size_t *needed);

/* KVM_GET_EMULATED_CPUID, as kvmio_system_get_supported_cpuid(). */
int kvmio_system_get_emulated_cpuid(const struct kvmio_system *sys,
                                    struct kvm_cpuid_entry2 *entries, size_t max, size_t *needed);

/*
 * KVM_GET_MSR_INDEX_LIST: the MSRs KVM saves and restores, copied into indices.
 * Returns the count, -E2BIG when max is too small (*needed, if not NULL, gets the
 * count the kernel reported), or -errno.
 */
int kvmio_system_get_msr_index_list(const struct kvmio_system *sys, uint32_t *indices, size_t max,
                                    size_t *needed);

/* KVM_GET_MSR_FEATURE_INDEX_LIST (feature MSRs), as kvmio_system_get_msr_index_list(). */
int kvmio_system_get_msr_feature_index_list(const struct kvmio_system *sys, uint32_t *indices,
                                            size_t max, size_t *needed);

/*
 * KVM_GET_MSRS on the system fd: reads feature MSRs; each entries[i].index is input.
 * Returns the number of entries read (stops at the first unsupported one) or -errno.
 */
int kvmio_system_get_feature_msrs(const struct kvmio_system *sys, struct kvm_msr_entry *entries,
                                  size_t n);

/* KVM_CREATE_IRQCHIP: in-kernel PIC, IOAPIC and local APICs. Returns 0 or -errno. */
int kvmio_vm_create_irqchip(const struct kvmio_vm *vm);

/* KVM_CREATE_PIT2 with flags (0 or KVM_PIT_SPEAKER_DUMMY). Returns 0 or -errno. */
int kvmio_vm_create_pit2(const struct kvmio_vm *vm, uint32_t flags);

/* KVM_REINJECT_CONTROL: whether the in-kernel PIT makes up ticks the guest missed
   (reinject, KVM's default) or drops them; KVM's documentation recommends off unless the
   guest keeps time by counting PIT ticks (Linux 2.4). Needs the PIT. Returns 0 or -errno
   (-ENXIO without a PIT). */
int kvmio_vm_set_pit_reinject(const struct kvmio_vm *vm, bool reinject);

/* KVM_SET_TSS_ADDR: three pages of guest physical space KVM may use. Returns 0/-errno. */
int kvmio_vm_set_tss_addr(const struct kvmio_vm *vm, uint64_t addr);

/* KVM_SET_IDENTITY_MAP_ADDR: one page for the identity map. Call before creating vCPUs. */
int kvmio_vm_set_identity_map_addr(const struct kvmio_vm *vm, uint64_t addr);

/* KVM_GET_IRQCHIP / KVM_SET_IRQCHIP (chip->chip_id selects PIC master/slave, IOAPIC). */
int kvmio_vm_get_irqchip(const struct kvmio_vm *vm, struct kvm_irqchip *chip);
int kvmio_vm_set_irqchip(const struct kvmio_vm *vm, const struct kvm_irqchip *chip);

/* KVM_GET_CLOCK / KVM_SET_CLOCK (kvmclock). Returns 0 or -errno. */
int kvmio_vm_get_clock(const struct kvmio_vm *vm, struct kvm_clock_data *clock);
int kvmio_vm_set_clock(const struct kvmio_vm *vm, const struct kvm_clock_data *clock);

/* KVM_GET_PIT2 / KVM_SET_PIT2. Returns 0 or -errno. */
int kvmio_vm_get_pit2(const struct kvmio_vm *vm, struct kvm_pit_state2 *state);
int kvmio_vm_set_pit2(const struct kvmio_vm *vm, const struct kvm_pit_state2 *state);

/* General registers: KVM_GET_REGS / KVM_SET_REGS. Return 0 or -errno. */
int kvmio_vcpu_get_regs(const struct kvmio_vcpu *vcpu, struct kvm_regs *regs);
int kvmio_vcpu_set_regs(const struct kvmio_vcpu *vcpu, const struct kvm_regs *regs);

/* Segment and control registers: KVM_GET_SREGS / KVM_SET_SREGS. */
int kvmio_vcpu_get_sregs(const struct kvmio_vcpu *vcpu, struct kvm_sregs *sregs);
int kvmio_vcpu_set_sregs(const struct kvmio_vcpu *vcpu, const struct kvm_sregs *sregs);

/* FPU state: KVM_GET_FPU / KVM_SET_FPU. The kernel neither reads nor writes the mxcsr
 * field: MXCSR travels in the XSAVE area (kvmio_vcpu_get_xsave / _set_xsave). */
int kvmio_vcpu_get_fpu(const struct kvmio_vcpu *vcpu, struct kvm_fpu *fpu);
int kvmio_vcpu_set_fpu(const struct kvmio_vcpu *vcpu, const struct kvm_fpu *fpu);

/*
 * KVM_GET_MSRS: reads n MSRs; entries[i].index is input, .data output.
 * Returns the number read (stops at the first MSR KVM refuses), or -errno.
 */
int kvmio_vcpu_get_msrs(const struct kvmio_vcpu *vcpu, struct kvm_msr_entry *entries, size_t n);

/* KVM_SET_MSRS: writes n MSRs. Returns the number written (stops at the first refused). */
int kvmio_vcpu_set_msrs(const struct kvmio_vcpu *vcpu, const struct kvm_msr_entry *entries,
                        size_t n);

/* KVM_SET_CPUID2: the CPUID the guest sees, n entries. Returns 0 or -errno. */
int kvmio_vcpu_set_cpuid2(const struct kvmio_vcpu *vcpu, const struct kvm_cpuid_entry2 *entries,
                          size_t n);

/*
 * KVM_GET_CPUID2: the vCPU's CPUID, up to max entries. Returns the vCPU's count of
 * entries (also on kernels such as 6.1 that leave nent unchanged on success: then found
 * with a few more calls), -E2BIG when max is too small (*needed, if not NULL, gets 0:
 * the kernel does not say), or -errno.
 */
int kvmio_vcpu_get_cpuid2(const struct kvmio_vcpu *vcpu, struct kvm_cpuid_entry2 *entries,
                          size_t max, size_t *needed);

/* Local APIC: KVM_GET_LAPIC / KVM_SET_LAPIC (needs an in-kernel irqchip). */
int kvmio_vcpu_get_lapic(const struct kvmio_vcpu *vcpu, struct kvm_lapic_state *lapic);
int kvmio_vcpu_set_lapic(const struct kvmio_vcpu *vcpu, const struct kvm_lapic_state *lapic);

/* Extended control registers: KVM_GET_XCRS / KVM_SET_XCRS. */
int kvmio_vcpu_get_xcrs(const struct kvmio_vcpu *vcpu, struct kvm_xcrs *xcrs);
int kvmio_vcpu_set_xcrs(const struct kvmio_vcpu *vcpu, const struct kvm_xcrs *xcrs);

/* Pending exceptions, interrupts, NMIs: KVM_GET_VCPU_EVENTS / KVM_SET_VCPU_EVENTS. */
int kvmio_vcpu_get_vcpu_events(const struct kvmio_vcpu *vcpu, struct kvm_vcpu_events *events);
int kvmio_vcpu_set_vcpu_events(const struct kvmio_vcpu *vcpu, const struct kvm_vcpu_events *events);

/* Debug registers: KVM_GET_DEBUGREGS / KVM_SET_DEBUGREGS. */
int kvmio_vcpu_get_debugregs(const struct kvmio_vcpu *vcpu, struct kvm_debugregs *regs);
int kvmio_vcpu_set_debugregs(const struct kvmio_vcpu *vcpu, const struct kvm_debugregs *regs);

/* XSAVE area: KVM_GET_XSAVE / KVM_SET_XSAVE (the legacy 4 KiB form). */
int kvmio_vcpu_get_xsave(const struct kvmio_vcpu *vcpu, struct kvm_xsave *xsave);
int kvmio_vcpu_set_xsave(const struct kvmio_vcpu *vcpu, const struct kvm_xsave *xsave);

/* KVM_INTERRUPT: injects an external interrupt vector (no in-kernel irqchip only). */
int kvmio_vcpu_interrupt(const struct kvmio_vcpu *vcpu, uint32_t vector);

/* KVM_NMI: queues an NMI. */
int kvmio_vcpu_nmi(const struct kvmio_vcpu *vcpu);

/* KVM_GET_TSC_KHZ: returns the guest TSC frequency in kHz, or -errno. */
int kvmio_vcpu_get_tsc_khz(const struct kvmio_vcpu *vcpu);

/* KVM_SET_TSC_KHZ. Returns 0 or -errno. */
int kvmio_vcpu_set_tsc_khz(const struct kvmio_vcpu *vcpu, uint32_t khz);

#endif /* __x86_64__ */

/* ------------------------------------------------------------------------------------
 * aarch64
 * ------------------------------------------------------------------------------------ */
#if defined(__aarch64__)

/* VM type for KVM_CREATE_VM with a guest IPA space of bits bits (32 to the host limit). */
#define KVMIO_VM_TYPE_ARM_IPA_SIZE(bits) ((unsigned long)(bits)&0xffUL)

/*
 * The host's IPA limit (KVM_CAP_ARM_VM_IPA_SIZE): the largest bits accepted by
 * KVMIO_VM_TYPE_ARM_IPA_SIZE, or 0 when only the default 40 bits are supported.
 */
int kvmio_system_host_ipa_limit(const struct kvmio_system *sys);

/* KVM_ARM_PREFERRED_TARGET: fills init->target (features cleared). Returns 0 or -errno. */
int kvmio_vm_arm_preferred_target(const struct kvmio_vm *vm, struct kvm_vcpu_init *init);

/*
 * Interrupt numbers for kvmio_vm_irq_line() on arm64 with an in-kernel vGIC:
 * SPI n (the FDT's <0 n flags>) is GIC interrupt 32 + n; a PPI needs the vCPU index.
 */
#define KVMIO_ARM_IRQ_SPI(n)                                                                       \
	(((uint32_t)KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | (32u + (uint32_t)(n)))
#define KVMIO_ARM_IRQ_PPI(vcpu_index, n)                                                           \
	(((uint32_t)KVM_ARM_IRQ_TYPE_PPI << KVM_ARM_IRQ_TYPE_SHIFT) |                              \
	 ((uint32_t)(vcpu_index) << KVM_ARM_IRQ_VCPU_SHIFT) | (16u + (uint32_t)(n)))

/*
 * KVM_ARM_VCPU_INIT with the VM's preferred target and features, a bitmap of
 * KVM_ARM_VCPU_* feature numbers (bit KVM_ARM_VCPU_PSCI_0_2, KVM_ARM_VCPU_POWER_OFF,
 * ...; bits 0-63 go to features[0] and features[1]). Calling it again with the same
 * features resets the vCPU to its initial state (as PSCI CPU_ON and a wake-up from
 * SYSTEM_SUSPEND require). Returns 0 or -errno (-EINVAL for unsupported features).
 */
int kvmio_vcpu_arm_init(const struct kvmio_vcpu *vcpu, uint64_t features);

/* KVM_ARM_VCPU_INIT with a caller-built struct kvm_vcpu_init. Returns 0 or -errno. */
int kvmio_vcpu_arm_init_raw(const struct kvmio_vcpu *vcpu, const struct kvm_vcpu_init *init);

/* KVM_ARM_VCPU_FINALIZE of feature (KVM_ARM_VCPU_SVE). Returns 0 or -errno. */
int kvmio_vcpu_arm_finalize(const struct kvmio_vcpu *vcpu, int feature);

/*
 * KVM_GET_ONE_REG of a register of up to 64 bits, zero-extended into *value.
 * Returns 0, -EINVAL for an id whose size is above 64 bits, or -errno (-ENOENT for an
 * unknown register).
 */
int kvmio_vcpu_get_reg(const struct kvmio_vcpu *vcpu, uint64_t id, uint64_t *value);

/* KVM_SET_ONE_REG of a register of up to 64 bits from value. Returns 0 or -errno. */
int kvmio_vcpu_set_reg(const struct kvmio_vcpu *vcpu, uint64_t id, uint64_t value);

/*
 * KVM_GET_ONE_REG of a register of any size into buf. size: bytes at buf, which must
 * equal the size encoded in id. Returns 0, -EINVAL for a size mismatch, or -errno.
 */
int kvmio_vcpu_get_reg_raw(const struct kvmio_vcpu *vcpu, uint64_t id, void *buf, size_t size);

/* KVM_SET_ONE_REG of a register of any size from buf, as kvmio_vcpu_get_reg_raw(). */
int kvmio_vcpu_set_reg_raw(const struct kvmio_vcpu *vcpu, uint64_t id, const void *buf,
                           size_t size);

/*
 * KVM_GET_REG_LIST: the ids of all the vCPU's registers (after init), up to max.
 * Returns the count, -E2BIG when max is too small (*needed, if not NULL, gets the
 * count), or -errno.
 */
int kvmio_vcpu_get_reg_list(const struct kvmio_vcpu *vcpu, uint64_t *ids, size_t max,
                            size_t *needed);

/* Byte size encoded in a ONE_REG id (KVM_REG_SIZE_*). */
size_t kvmio_reg_size(uint64_t id);

/* ONE_REG ids of the core registers (64 bits wide except PSTATE/SPSR, also read as 64). */
#define KVMIO_ARM64_CORE_REG(field)                                                                \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |                                     \
	 (offsetof(struct kvm_regs, field) / sizeof(uint32_t)))
#define KVMIO_ARM64_REG_X(n) KVMIO_ARM64_CORE_REG(regs.regs[(n)]) /* n in 0..30 */
#define KVMIO_ARM64_REG_SP KVMIO_ARM64_CORE_REG(regs.sp)          /* SP_EL0 */
#define KVMIO_ARM64_REG_PC KVMIO_ARM64_CORE_REG(regs.pc)
#define KVMIO_ARM64_REG_PSTATE KVMIO_ARM64_CORE_REG(regs.pstate)
#define KVMIO_ARM64_REG_SP_EL1 KVMIO_ARM64_CORE_REG(sp_el1)
#define KVMIO_ARM64_REG_ELR_EL1 KVMIO_ARM64_CORE_REG(elr_el1)
#define KVMIO_ARM64_REG_SPSR_EL1 KVMIO_ARM64_CORE_REG(spsr[KVM_SPSR_EL1])

/* ONE_REG id of a system register by its encoding (op0, op1, CRn, CRm, op2). */
#define KVMIO_ARM64_SYS_REG(op0, op1, crn, crm, op2)                                               \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG |                                 \
	 ((uint64_t)(op0) << KVM_REG_ARM64_SYSREG_OP0_SHIFT) |                                     \
	 ((uint64_t)(op1) << KVM_REG_ARM64_SYSREG_OP1_SHIFT) |                                     \
	 ((uint64_t)(crn) << KVM_REG_ARM64_SYSREG_CRN_SHIFT) |                                     \
	 ((uint64_t)(crm) << KVM_REG_ARM64_SYSREG_CRM_SHIFT) |                                     \
	 ((uint64_t)(op2) << KVM_REG_ARM64_SYSREG_OP2_SHIFT))
#define KVMIO_ARM64_REG_SCTLR_EL1 KVMIO_ARM64_SYS_REG(3, 0, 1, 0, 0)
#define KVMIO_ARM64_REG_MPIDR_EL1 KVMIO_ARM64_SYS_REG(3, 0, 0, 0, 5)

/* Firmware pseudo-register: the PSCI version KVM offers the guest (e.g. 0x10001). */
#define KVMIO_ARM64_REG_PSCI_VERSION KVM_REG_ARM_PSCI_VERSION

/*
 * The in-kernel interrupt controller of an arm64 VM, in the two steps KVM requires:
 * kvmio_vgic_create() before any vCPU exists (the device, its addresses and its number of
 * lines), kvmio_vgic_init() once every vCPU exists (KVM_DEV_ARM_VGIC_CTRL_INIT, which a
 * vGICv3 needs before the first KVM_RUN; docs/KVM-FACTS.md).
 *   version      2 or 3 for that one only; 0 for either: v3 first (no 8-vCPU limit),
 *                unless prefer_v2.
 *   dist_base    the distributor (64 KiB).
 *   cpu_base     GICv2: the CPU interface (8 KiB).
 *   redist_base  GICv3: the redistributors (128 KiB per vCPU).
 *   nr_irqs      interrupt lines in all (a multiple of 32, 64..1024); 0 leaves KVM's.
 */
struct kvmio_vgic_config {
	unsigned int version;
	bool prefer_v2;
	uint64_t dist_base;
	uint64_t cpu_base;
	uint64_t redist_base;
	uint32_t nr_irqs;
};

/* The vGIC's register frames in guest physical memory: the distributor, the GICv2 CPU
 * interface, and one GICv3 redistributor (RD_base and SGI_base frames) per vCPU. */
#define KVMIO_VGIC_DIST_SIZE 0x10000ull
#define KVMIO_VGIC_V2_CPU_SIZE 0x2000ull
#define KVMIO_VGIC_V3_REDIST_SIZE 0x20000ull

/* A vGIC: its device fd (owned), version, and where its frames were placed (the
 * distributor; the GICv2 CPU interface or the first GICv3 redistributor). */
struct kvmio_vgic {
	int fd;
	unsigned int version;
	uint64_t dist_base;
	uint64_t cpu_or_redist_base;
};

/* A guest physical range. */
struct kvmio_gpa_range {
	uint64_t base;
	uint64_t size;
};

/*
 * kvmio_vgic_create: creates the vGIC of cfg in vm. Returns 0 and *out; -EINVAL (NULL
 * argument, version not 0, 2 or 3); -ENODEV when KVM offers no version cfg allows; the
 * errno of a failed attribute (out->fd is then closed and -1).
 */
int kvmio_vgic_create(const struct kvmio_vm *vm, const struct kvmio_vgic_config *cfg,
                      struct kvmio_vgic *out);

/* kvmio_vgic_init: KVM_DEV_ARM_VGIC_CTRL_INIT, after every vCPU was created and
 * initialised. Returns 0 or -errno. */
int kvmio_vgic_init(const struct kvmio_vgic *gic);

/*
 * kvmio_vgic_frames: the frames gic was created with, for the guest's description of its
 * machine (device tree, ACPI): *dist the distributor; *cpu_or_redist the GICv2 CPU
 * interface, or the GICv3 redistributors of nr_vcpus vCPUs. Returns 0; -EINVAL (NULL
 * argument, no vGIC created, nr_vcpus 0 on v3).
 */
int kvmio_vgic_frames(const struct kvmio_vgic *gic, unsigned int nr_vcpus,
                      struct kvmio_gpa_range *dist, struct kvmio_gpa_range *cpu_or_redist);

/* kvmio_vgic_destroy: closes the device fd (once; NULL and fd -1 accepted). */
void kvmio_vgic_destroy(struct kvmio_vgic *gic);

/*
 * Saving and restoring the vGIC's state (snapshots: a VM written to disk and restored in a
 * new process). kvmio_vgic_save() reads the state through the device attributes into a
 * list of register records; kvmio_vgic_restore() writes such a list into the vGIC of
 * another VM made the same way (same version, number of interrupts and of vCPUs).
 *
 * One record: group is a KVM_DEV_ARM_VGIC_GRP_* number (DIST_REGS, CPU_REGS for GICv2;
 * DIST_REGS, REDIST_REGS, CPU_SYSREGS, LEVEL_INFO for GICv3); width 32 or 64 (the bits of
 * value that matter); attr is KVM's attribute, EXCEPT that bits 63-32 hold the vCPU index
 * (position in the vcpus array) where KVM expects a GICv2 cpuid or a GICv3 MPIDR: the
 * save maps each index to the vCPU's MPIDR_EL1 (Aff3.Aff2.Aff1.Aff0) when it accesses
 * KVM, and the restore does the same with the new VM's vCPUs. A state therefore does not
 * depend on the MPIDRs, and vCPU i's registers go to vCPU i.
 *
 * What is saved (records in this order, the order the restore writes them in):
 *   GICv3  GICD_IIDR (written back first, as the KVM document asks), GICD_CTLR; per vCPU:
 *          GICR_IGROUPR0, GICR_ICFGR1 (PPIs), GICR_IPRIORITYR0-7, GICR_ISPENDR0,
 *          GICR_ISACTIVER0, GICR_ISENABLER0; for the SPIs (32 to nr_irqs - 1): GICD_IGROUPRn,
 *          GICD_ICFGRn, GICD_IPRIORITYRn, GICD_IROUTERn (64-bit, two 32-bit accesses),
 *          the line levels (LEVEL_INFO, per 32 SPIs), GICD_ISPENDRn, GICD_ISACTIVERn,
 *          GICD_ISENABLERn; per vCPU: ICC_SRE_EL1, ICC_CTLR_EL1, ICC_PMR_EL1, ICC_BPR0_EL1,
 *          ICC_BPR1_EL1, ICC_IGRPEN0_EL1, ICC_IGRPEN1_EL1, ICC_AP0Rn_EL1 and ICC_AP1Rn_EL1
 *          (n below 1, 2 or 4 as ICC_CTLR_EL1.PRIbits says).
 *   GICv2  GICD_IIDR, GICD_CTLR; per vCPU (banked, cpuid = index): GICD_IGROUPR0,
 *          GICD_ICFGR1, GICD_IPRIORITYR0-7, GICD_ISPENDR0, GICD_SPENDSGIR0-3 (the SGIs'
 *          pending state per source), GICD_ISACTIVER0, GICD_ISENABLER0; for the SPIs:
 *          GICD_IGROUPRn, GICD_ICFGRn, GICD_IPRIORITYRn, GICD_ITARGETSRn, GICD_ISPENDRn,
 *          GICD_ISACTIVERn, GICD_ISENABLERn; per vCPU: GICC_CTLR, GICC_PMR, GICC_BPR,
 *          GICC_ABPR, GICC_APR0.
 * Restore order: the identification and GICD_CTLR first (KVM forwards a pending,
 * enabled interrupt only while the distributor is enabled), then the private interrupts,
 * then the SPIs, each as group, configuration (before pending state and line levels, so
 * that level and edge are told apart), priority, target, line level, pending, active,
 * enable; the CPU interfaces last. A set register whose bits can only be set (ISENABLER,
 * ISACTIVER, GICv2's ISPENDR and SPENDSGIR) is preceded by a write of the complement of
 * the saved value to its clear register, so that the result is the saved value whatever
 * the VM held before.
 *
 * Semantics the kernel imposes (Linux 6.1, Documentation/virt/kvm/devices/arm-vgic*.rst):
 *   - GICv3: ISPENDR as read and written here is the pending latch alone; the input levels
 *     of level-triggered SPIs are the separate LEVEL_INFO records, so both are exact.
 *   - GICv2 has no LEVEL_INFO: ISPENDR reads the latch OR the line level, and restoring it
 *     latches a level-triggered interrupt whose line was high; the guest sees it pending
 *     until it acknowledges it, as before the save, after which the line (re-asserted by
 *     the restored device) decides.
 *   - Not saved, deliberately: the PPIs' line levels (the timers and the PMU drive them
 *     from the restored vCPU registers), GICD_STATUSR and GICR_STATUSR (KVM keeps no
 *     error state: read as ones, writes ignored), GICR_WAKER (read as zero, writes
 *     ignored), GICR_CTLR, GICR_PROPBASER and GICR_PENDBASER (LPIs: no ITS support here;
 *     a save where a redistributor has LPIs enabled fails with -EOPNOTSUPP rather than
 *     lose them), SGIs' targets and GICD_SGIR (write-only), the read-only registers
 *     (TYPER, GICR_TYPER, ICFGR0, GICv2's banked ITARGETSR0-7, the ID registers), and
 *     GICC_APR1-3 (KVM's GICv2 implements APR0 only).
 *   - Every register listed is required: KVM refusing one (e.g. -ENXIO on a kernel that
 *     lacks it) fails the save or restore with that errno; nothing is skipped quietly.
 * The vCPUs must not be running (KVM: -EBUSY): a vCPU thread blocked in KVM_RUN, as a
 * suspended vCPU is, must be kicked out of it first. Both calls need the vGIC initialised
 * (kvmio_vgic_init()); a GICv3 refuses register access before.
 */
struct kvmio_vgic_reg {
	uint32_t group; /* KVM_DEV_ARM_VGIC_GRP_* */
	uint32_t width; /* 32 or 64 */
	uint64_t attr;  /* KVM's attr, with the vCPU index in bits 63-32 (see above) */
	uint64_t value;
};

struct kvmio_vgic_state {
	unsigned int version; /* 2 or 3 */
	uint32_t nr_irqs;     /* KVM_DEV_ARM_VGIC_GRP_NR_IRQS */
	uint32_t nr_vcpus;
	size_t count;
	struct kvmio_vgic_reg *regs; /* malloc'ed; kvmio_vgic_state_free() */
};

/*
 * kvmio_vgic_save: reads the state of gic (initialised, none of its VM's vCPUs running)
 * into *out (which the caller frees with kvmio_vgic_state_free()). vcpus: every vCPU of the
 * VM, indexed by vCPU index (nr_vcpus of them); their MPIDR_EL1 is read to address a
 * GICv3's redistributors and CPU interfaces. Returns 0; -EINVAL (NULL argument, no vGIC,
 * nr_vcpus 0 or above 8 on GICv2, 512 on GICv3); -ENOMEM; -EOPNOTSUPP (GICv3 with LPIs
 * enabled); or the errno of the first access KVM refused (*out is then empty).
 */
int kvmio_vgic_save(const struct kvmio_vgic *gic, const struct kvmio_vcpu *const *vcpus,
                    unsigned int nr_vcpus, struct kvmio_vgic_state *out);

/*
 * kvmio_vgic_restore: writes st into gic (initialised, same version and number of
 * interrupts as st, none of its VM's vCPUs running yet), in the order described above.
 * vcpus as for kvmio_vgic_save(): nr_vcpus must equal st->nr_vcpus. st is first checked as
 * kvmio_vgic_state_check() does, so a hostile state is refused before anything is
 * written. Returns 0; -EINVAL (NULL argument, a mismatch, a state the check refuses); or
 * the errno of the first write KVM refused (the vGIC is then partly restored).
 */
int kvmio_vgic_restore(const struct kvmio_vgic *gic, const struct kvmio_vcpu *const *vcpus,
                       unsigned int nr_vcpus, const struct kvmio_vgic_state *st);

/* kvmio_vgic_state_free: frees st's records and empties it (NULL accepted). */
void kvmio_vgic_state_free(struct kvmio_vgic_state *st);

/*
 * kvmio_vgic_state_check: checks a state that came from a file (hostile input), without
 * KVM: st's version, nr_irqs and nr_vcpus equal those given (version 2 or 3; nr_irqs a
 * multiple of 32 from 64 to 1024; nr_vcpus from 1, at most 8 on GICv2, 512 on GICv3); no
 * more records than kvmio_vgic_save() makes for them, and regs not NULL when count is
 * not 0; and every record's group, attr (register, vCPU index) and width is one
 * kvmio_vgic_save() could have produced for them, its value fitting the width.
 * Returns 0, or -EINVAL with a one-line reason in why (why_size bytes, NUL-terminated;
 * why may be NULL).
 */
int kvmio_vgic_state_check(const struct kvmio_vgic_state *st, unsigned int version,
                           uint32_t nr_irqs, uint32_t nr_vcpus, char *why, size_t why_size);

/*
 * The VM's virtual counter (CNTVCT_EL0 as the guest sees it), read from or written to one
 * vCPU as the ONE_REG KVM_REG_ARM_TIMER_CNT. Writing it sets the VM's counter offset: on
 * Linux 6.1 a write on one vCPU updates every vCPU of the VM, but a vCPU created later
 * starts from its own reset offset; write it after every vCPU exists, and on every vCPU to
 * be right on all kernels.
 * kvmio_vcpu_get_counter: *cnt gets the counter. Returns 0, -EINVAL (NULL), or -errno.
 * kvmio_vcpu_set_counter: sets it to cnt. Returns 0 or -errno.
 */
int kvmio_vcpu_get_counter(const struct kvmio_vcpu *vcpu, uint64_t *cnt);
int kvmio_vcpu_set_counter(const struct kvmio_vcpu *vcpu, uint64_t cnt);

/* kvmio_arm_counter_frequency: CNTFRQ_EL0 of this host in Hz (guests see the same). */
uint64_t kvmio_arm_counter_frequency(void);

/* kvmio_arm_host_counter: this host's counter now (CNTVCT_EL0 as Linux lets processes read
   it, which is the physical count): the value KVM_ARM_SET_COUNTER_OFFSET's offset is
   subtracted from, so a VM's counter reads host counter - offset. */
uint64_t kvmio_arm_host_counter(void);

/*
 * KVM_ARM_SET_COUNTER_OFFSET (Linux 6.4, KVM_CAP_COUNTER_OFFSET): one offset for the whole
 * VM, subtracted from the host's counter for both the virtual and the physical counter
 * every vCPU of the VM sees (CNTVCT_EL0 = host counter - offset), vCPUs created later
 * included. Once it is set, KVM ignores ONE_REG writes of the counters
 * (kvmio_vcpu_set_counter() then succeeds and changes nothing).
 * Returns 0, -EOPNOTSUPP when the host's KVM lacks the capability (Linux 6.1), -EBUSY
 * while a vCPU of the VM is running, or -errno.
 */
int kvmio_vm_arm_set_counter_offset(const struct kvmio_vm *vm, uint64_t offset);

/* What KVM does with guest SMCCC calls in a filtered range (KVM_SMCCC_FILTER_*). */
enum kvmio_smccc_action {
	KVMIO_SMCCC_HANDLE = 0,      /* KVM's own handling (the default) */
	KVMIO_SMCCC_DENY = 1,        /* the guest gets NOT_SUPPORTED (-1) in x0 */
	KVMIO_SMCCC_FWD_TO_USER = 2, /* an exit to userspace: KVMIO_EXIT_HYPERCALL */
};

/*
 * KVM_ARM_VM_SMCCC_FILTER (Linux 6.4; a VM attribute, group KVM_ARM_VM_SMCCC_CTRL): the
 * action for the guest's SMCCC calls (HVC and SMC) with function ids base to
 * base + nr - 1. A forwarded call ends KVM_RUN with KVMIO_EXIT_HYPERCALL: hypercall.nr is
 * the function id, hypercall.flags has KVMIO_HYPERCALL_EXIT_SMC for an SMC (and
 * KVMIO_HYPERCALL_EXIT_16BIT for an SMC/HVC immediate that is not 0); the guest's PC is
 * already past the call, and its x0-x3 are the caller's to set (kvmio_vcpu_set_reg) as
 * the call's results. Ranges may not overlap one set before or the range KVM reserves for
 * the Arm architecture calls (-EEXIST), nr must not be 0 (-EINVAL), and no vCPU of the VM
 * may have run (-EBUSY).
 * Returns 0, -EOPNOTSUPP when the host's KVM has no SMCCC filter (Linux 6.1), or -errno.
 */
int kvmio_vm_arm_smccc_filter(const struct kvmio_vm *vm, uint32_t base, uint32_t nr,
                              enum kvmio_smccc_action action);

/* Bits of a forwarded call's hypercall.flags (KVM_HYPERCALL_EXIT_*). */
#define KVMIO_HYPERCALL_EXIT_SMC (1u << 0)
#define KVMIO_HYPERCALL_EXIT_16BIT (1u << 1)

#endif /* __aarch64__ */

#ifdef __cplusplus
}
#endif

#endif /* CVMM_KVM_IOCTLS_H */
