/* SPDX-License-Identifier: Apache-2.0 */
/* Internal structures of the vcpu library, shared by the common and arch files. */
#ifndef CVMM_VCPU_INTERNAL_H
#define CVMM_VCPU_INTERNAL_H

#include <cvmm/vcpu.h>
#include <pthread.h>
#include <stdatomic.h>

/* Counters written by the vCPU's thread only, read by any thread. */
struct vcpu_counters {
	_Atomic uint64_t runs, exits_mmio, exits_pio, interruptions, kicks, pauses;
	_Atomic uint64_t suspends, suspend_denied, wakeups, suspend_ns, wakeup_ns;
};

/* A single writer bumps a counter: no read-modify-write atomics needed. */
#define VCPU_COUNT(v, field)                                                                       \
	atomic_store_explicit(&(v)->counters.field,                                                \
	                      atomic_load_explicit(&(v)->counters.field, memory_order_relaxed) +   \
	                          1,                                                               \
	                      memory_order_relaxed)
#define VCPU_SET_COUNTER(v, field, value)                                                          \
	atomic_store_explicit(&(v)->counters.field, (value), memory_order_relaxed)

#if defined(__aarch64__)
struct vcpu_arch {
	uint64_t features;           /* KVM_ARM_VCPU_* bits given to KVM_ARM_VCPU_INIT */
	struct psci_wake_state wake; /* of the honoured SYSTEM_SUSPEND */
	uint64_t entry, context_id;  /* of the honoured SYSTEM_SUSPEND */
	bool smc64;                  /* of the honoured SYSTEM_SUSPEND */
};
struct vcpu_set_arch {
	int unused;
};
#else
struct vcpu_arch {
	int unused;
};
struct vcpu_set_arch {
	struct kvm_cpuid_entry2 *cpuid; /* supported CPUID with the hypervisor bit, lazily */
	size_t n_cpuid;
};
#endif

struct vcpu_set {
	struct kvmio_system *sys;
	struct kvmio_vm *vm;
	struct vcpu_handlers h;
	int kick_signal;
	bool system_suspend;
	enum vcpu_wake_mode wake;
	uint32_t *forward_smccc;
	size_t n_forward_smccc;
	struct psci_ram_range *ram;
	size_t n_ram;

	/* Guards every field below and each vCPU's request and state fields. */
	pthread_mutex_t lock;
	/* Broadcast on every change of a vCPU's state or requests. */
	pthread_cond_t cond;
	struct vcpu **vcpus;
	size_t n, cap;
	/* The vCPU that has paused the others to handle a VM-wide exit, or NULL. */
	struct vcpu *exclusive;
	struct vcpu_set_arch arch;
};

struct vcpu {
	struct vcpu_set *set;
	struct kvmio_vcpu *kv;
	uint32_t id;

	/* Under set->lock. */
	enum vcpu_state state;
	unsigned int pause_count;
	bool stop_req;
	bool kick_req;
	bool started;      /* pthread_create() succeeded */
	bool thread_alive; /* the thread has not yet left its loop (it may be signalled) */
	bool joined;       /* pthread_join() called */
	bool in_wait;      /* the thread waits inside this library, outside KVM_RUN */
	bool suspended;    /* honoured SYSTEM_SUSPEND, not woken yet */
	struct vcpu_end end;
	pthread_t thread;

	/* Lock-free hand-shake with the thread (see vcpu_request_locked()). */
	atomic_bool pending; /* a request waits: the thread takes the lock before KVM_RUN */
	atomic_bool in_run;  /* the thread is in, or about to enter, KVM_RUN */

	struct vcpu_counters counters;
	struct vcpu_arch arch;
};

/* Monotonic clock in nanoseconds. */
uint64_t vcpu_now_ns(void);

/* Arch hooks (vcpu_aarch64.c / vcpu_x86_64.c). */
int vcpu_arch_set_init(struct vcpu_set *set);
void vcpu_arch_set_fini(struct vcpu_set *set);
/* Checks cfg before the KVM vCPU exists (KVM never frees a vCPU id). 0 or -EINVAL. */
int vcpu_arch_check_config(const struct vcpu_config *cfg);
int vcpu_arch_configure(struct vcpu *v, const struct vcpu_config *cfg);
/* A SYSTEM_EVENT SUSPEND / WAKEUP exit. 0 to go on, or a negative errno (FAILURE). */
int vcpu_arch_suspend_exit(struct vcpu *v);
int vcpu_arch_wakeup_exit(struct vcpu *v);
/* A HYPERCALL exit (aarch64: a forwarded SMCCC call). 0 to go on, or 1 with end filled. */
int vcpu_arch_hypercall_exit(struct vcpu *v, const struct kvmio_exit *ex, struct vcpu_end *end);

/*
 * Called on v's thread without the lock: returns once v alone handles a VM-wide exit
 * and every other vCPU of the set is parked outside KVM_RUN (paused, stopped, not
 * started, or itself waiting in this library). vcpu_exclusive_leave() resumes them.
 */
void vcpu_exclusive_enter(struct vcpu *v);
void vcpu_exclusive_leave(struct vcpu *v);

/* Marks v suspended (true) or woken (false) and updates its state. */
void vcpu_mark_suspended(struct vcpu *v, bool suspended);

/*
 * Request primitives shared by vcpu.c and set.c ("_locked": set->lock held).
 *   self_locked          the vCPU of the set whose thread is the caller, or NULL
 *   wait_locked          waits on set->cond; a vCPU thread (self) counts as parked then
 *   pause_request_locked adds one pause to v and asks it to park
 *   pause_wait_locked    waits until v is parked (not when v is self)
 *   stop_locked          asks v to stop
 *   stop_and_join        asks v to stop and joins it if started (not from a vCPU thread)
 *   free                 destroys v's KVM vCPU and frees it (already out of the set)
 */
struct vcpu *vcpu__self_locked(struct vcpu_set *set);
void vcpu__wait_locked(struct vcpu_set *set, struct vcpu *self);
void vcpu__pause_request_locked(struct vcpu *v);
void vcpu__pause_wait_locked(struct vcpu *v, struct vcpu *self);
void vcpu__stop_locked(struct vcpu *v);
void vcpu__stop_and_join(struct vcpu *v);
void vcpu__free(struct vcpu *v);

#endif /* CVMM_VCPU_INTERNAL_H */
