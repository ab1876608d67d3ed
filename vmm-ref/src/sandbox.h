/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmm-ref's seccomp sandbox (libseccomp): one allowlist per kind of thread, installed by
 * each thread on itself, without TSYNC.
 *
 * Order the embedder follows (SANDBOX.md explains why):
 *   1. Do all set-up first: open /dev/kvm, disks and the console, create the VM, guest
 *      RAM, devices, ioeventfds/irqfds, the timerfd, signalfd, eventfds and the epoll set.
 *      The filters allow no open, no socket, no clone: nothing can be created later.
 *      Register the descriptors each thread uses (vmm_sandbox_add_fd()).
 *   2. Start the vCPU threads. Each installs VMM_THREAD_VCPU on itself as its first
 *      action, before its first KVM_RUN (the vcpu library's thread_started handler).
 *   3. Once every vCPU thread exists (creating a thread needs clone, which no list
 *      allows), the main thread installs VMM_THREAD_MAIN on itself, then runs its event
 *      loop. Had it installed first, the vCPU threads would inherit its filter too.
 * A thread that installs nothing runs unconfined: every thread of vmm-ref installs one.
 *
 * The default action ends the whole process (SCMP_ACT_KILL_PROCESS: it dies of SIGSYS).
 * With VMM_SANDBOX_TRAP, or with VMM_REF_SECCOMP=trap in the environment for
 * vmm_sandbox_install(), a forbidden call instead raises SIGSYS, whose handler writes
 *   vmm-ref: seccomp: forbidden system call NAME (NR) on a KIND thread
 * on stderr and exits with status VMM_SANDBOX_TRAP_EXIT. A debugging aid.
 *
 * Thread-safety: every function may be called from any thread, at the same time.
 */
#ifndef VMM_SANDBOX_H
#define VMM_SANDBOX_H

/* Which allowlist a thread gets. */
enum vmm_thread_kind {
	VMM_THREAD_MAIN, /* the event loop: devices' back ends, interrupts, disks, console */
	VMM_THREAD_VCPU, /* a vCPU: KVM_RUN and the MMIO/PIO handlers it calls */
};

/*
 * The descriptors the threads may use after set-up. Calls that take a descriptor (read,
 * write, writev, the disk calls, epoll, timerfd_settime, ioctl) are allowed on the
 * descriptors registered with a kind the call's rule names, and on no other: a vCPU
 * thread can write to the console, to stderr and to the loop's eventfds but not to a disk
 * image, the main thread can read and write the images but run no vCPU. Register every
 * descriptor before the filters are built (each vmm_sandbox_install*() builds its filter
 * from what is registered then).
 */
enum vmm_sandbox_fd_kind {
	VMM_FD_CONSOLE_OUT,     /* the UART's output: write, writev */
	VMM_FD_CONSOLE_IN,      /* console input: read; the terminal ioctls (main) */
	VMM_FD_DISK,            /* a disk image: pread64, pwrite64, preadv, pwritev, fdatasync,
	                           fsync, fallocate (main) */
	VMM_FD_EVENT,           /* eventfds and the signalfd: write (both), read (main) */
	VMM_FD_TIMER,           /* timerfds: timerfd_settime (both), read (main) */
	VMM_FD_EPOLL,           /* the event loop's epoll set: epoll_wait, epoll_ctl (main) */
	VMM_FD_VM,              /* the KVM VM: KVM_IRQ_LINE */
	VMM_FD_VCPU,            /* a KVM vCPU: the vCPU requests; KVM_GET_MP_STATE (main) */
	VMM_FD_API_LISTEN,      /* the control socket's listening socket: accept4 (main) */
	VMM_FD_SNAPSHOT,        /* --suspend snapshot:DIR's slot files: ftruncate, pwrite64,
	                           fsync (main) */
	VMM_FD_SNAPSHOT_SOURCE, /* read when writing a snapshot (main): a restored VM's
	                           memory file (lseek, for its holes), /proc/self/pagemap
	                           (pread64) */
	VMM_FD_VGIC,            /* the vGIC device: KVM_GET_DEVICE_ATTR (main, snapshots) */
	VMM_FD_NET,             /* a tap device: read, write (main); TUNSETOFFLOAD (both:
	                           the driver's DRIVER_OK or reset on a vCPU thread) */
};

/* vmm_sandbox_add_fd() - registers fd as a descriptor of kind (a descriptor may have
 * several kinds). Returns 0; -EINVAL (fd < 0, unknown kind), -ENOSPC (more than 128). */
int vmm_sandbox_add_fd(enum vmm_sandbox_fd_kind kind, int fd);

/* vmm_sandbox_clear_fds() - forgets every registered descriptor. */
void vmm_sandbox_clear_fds(void);

/* What a call outside the allowlist gets. */
enum vmm_sandbox_action {
	VMM_SANDBOX_KILL, /* the process is killed by SIGSYS (the default) */
	VMM_SANDBOX_TRAP, /* SIGSYS handler: names the call on stderr, then exits */
};

/* Exit status of the process after a forbidden call in VMM_SANDBOX_TRAP mode. */
#define VMM_SANDBOX_TRAP_EXIT 1

/* Environment variable read by vmm_sandbox_install(): "trap" selects VMM_SANDBOX_TRAP. */
#define VMM_SANDBOX_ENV "VMM_REF_SECCOMP"

/*
 * vmm_sandbox_install() - confines the calling thread to the allowlist of kind.
 * Sets PR_SET_NO_NEW_PRIVS, then loads the filter for this thread only. The action for a
 * forbidden call is VMM_SANDBOX_KILL, or VMM_SANDBOX_TRAP when the environment variable
 * VMM_SANDBOX_ENV is "trap". Cannot be undone; a second call stacks a second filter (a
 * call must then pass both).
 * Returns 0, -EINVAL for an unknown kind, -ENOMEM, -EOPNOTSUPP where the kernel (or an
 * emulator) lacks SECCOMP_RET_KILL_PROCESS, or the -errno of prctl() or seccomp() (e.g.
 * -ENOSYS or -EINVAL where there are no seccomp filters at all).
 */
int vmm_sandbox_install(enum vmm_thread_kind kind);

/* vmm_sandbox_install() with the action given instead of read from the environment. */
int vmm_sandbox_install_action(enum vmm_thread_kind kind, enum vmm_sandbox_action action);

/*
 * vmm_sandbox_export_bpf() - writes the BPF program vmm_sandbox_install_action() would
 * load to fd (for inspection, e.g. with seccomp-tools or scmp_bpf_disasm), without
 * loading it. Returns 0, -EINVAL for an unknown kind or action, -ENOMEM, -EOPNOTSUPP (as
 * for vmm_sandbox_install()), or the -errno of the write.
 */
int vmm_sandbox_export_bpf(enum vmm_thread_kind kind, enum vmm_sandbox_action action, int fd);

/*
 * vmm_sandbox_allows() - whether the allowlist of kind names syscall (its name, e.g.
 * "openat") at all, whatever its argument checks. For the tests and the documentation.
 * Returns 1 when it does, 0 when it does not, -ENOENT for a name this architecture does
 * not have, -EINVAL for an unknown kind or a NULL name.
 */
int vmm_sandbox_allows(enum vmm_thread_kind kind, const char *syscall);

/* "main" or "vcpu"; "unknown" for anything else. */
const char *vmm_sandbox_kind_name(enum vmm_thread_kind kind);

#endif
