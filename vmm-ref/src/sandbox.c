/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seccomp allowlists of vmm-ref's threads and their installation (see sandbox.h and
 * SANDBOX.md). Every entry says why it is there; what is not listed ends the process.
 */
#define _GNU_SOURCE
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Whether this is an AddressSanitizer build (gcc defines the macro; clang answers
   __has_feature), whose runtime makes system calls of its own. */
#if defined(__SANITIZE_ADDRESS__)
#define VMM_SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VMM_SANDBOX_ASAN 1
#endif
#endif
#ifndef VMM_SANDBOX_ASAN
#define VMM_SANDBOX_ASAN 0
#endif

/* Which lists an entry belongs to. */
#define SB_MAIN (1u << VMM_THREAD_MAIN)
#define SB_VCPU (1u << VMM_THREAD_VCPU)
#define SB_BOTH (SB_MAIN | SB_VCPU)

/* How an entry's arguments are checked. */
enum sb_args {
	SB_ANY,      /* any arguments */
	SB_IOCTL,    /* descriptor (arg 0) and request number (arg 1) in the kind's ioctl list */
	SB_NO_EXEC,  /* prot (arg 2) without PROT_EXEC: no new executable memory */
	SB_OWN_TGID, /* thread group (arg 0) is this process: signals to its own threads only */
	SB_FD,       /* descriptor (arg 0) registered with one of the entry's fd kinds */
	SB_FD_SETFL, /* SB_FD, and the command (arg 1) is F_SETFL */
	SB_PEERCRED, /* level (arg 1) SOL_SOCKET and option (arg 2) SO_PEERCRED */
};

/* Descriptor kinds as bits (enum vmm_sandbox_fd_kind); stderr is its own. */
#define FD(k) (1u << (k))
#define SB_FD_STDERR (1u << 31)

struct sb_syscall {
	const char *name;
	unsigned int kinds;
	enum sb_args args;
	unsigned int fds; /* SB_FD: the descriptor kinds allowed */
};

/* The descriptors registered with vmm_sandbox_add_fd(). */
#define SB_MAX_FDS 128
static struct {
	int fd;
	enum vmm_sandbox_fd_kind kind;
} sb_fds[SB_MAX_FDS];
static size_t sb_nfds;
static pthread_mutex_t sb_fds_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Names are resolved for the build's architecture by libseccomp; one the architecture
 * does not have (aarch64 has no epoll_wait, only epoll_pwait) is skipped.
 */
static const struct sb_syscall sb_syscalls[] = {
    /* Both kinds. */
    /* KVM_RUN and the other requests of the kind's ioctl list below, each on its own
       kind of descriptor. */
    {"ioctl", SB_BOTH, SB_IOCTL, 0},
    /* pthread mutexes and condition variables: the vCPU set's lock, request waits. */
    {"futex", SB_BOTH, SB_ANY, 0},
    /* Log lines (stderr); the UART's output (the console, on the vCPU thread that
       transmits and from the loop); eventfds: a vCPU's exit request, the UART asking
       for the loop, a virtio queue's left-over work. Never a disk image. */
    {"write", SB_BOTH, SB_FD, SB_FD_STDERR | FD(VMM_FD_CONSOLE_OUT) | FD(VMM_FD_EVENT)},
    /* virtio-net: frames to and from the tap devices (the loop serves both queues). */
    {"write", SB_MAIN, SB_FD, FD(VMM_FD_NET)},
    /* The UART's output buffer goes out in one writev (two pieces of its ring). */
    {"writev", SB_BOTH, SB_FD, FD(VMM_FD_CONSOLE_OUT)},
    /* The PL031's time and the vCPUs' CPU-time clocks (the vDSO answers most calls,
       but not thread CPU clocks, and falls back to the syscall on some clock sources). */
    {"clock_gettime", SB_BOTH, SB_ANY, 0},
    /* The RTC's alarm (PL031 or CMOS): the guest programs it on a vCPU thread, and
       its timerfd is armed there (or from the loop). */
    {"timerfd_settime", SB_BOTH, SB_FD, FD(VMM_FD_TIMER)},
    /* pthread_kill() = tgkill(getpid(), tid, sig): kicking or pausing vCPU threads out
       of KVM_RUN (the main thread; a vCPU pausing the others around SYSTEM_SUSPEND). */
    {"tgkill", SB_BOTH, SB_OWN_TGID, 0},
    {"getpid", SB_BOTH, SB_ANY, 0},
    /* pthread_sigmask(), and glibc blocking signals around thread exit. */
    {"rt_sigprocmask", SB_BOTH, SB_ANY, 0},
    /* Return from a signal handler (the vCPU kick signal's empty handler). */
    {"rt_sigreturn", SB_BOTH, SB_ANY, 0},
    /* The kernel restarts an interrupted nanosleep or futex wait through it. */
    {"restart_syscall", SB_BOTH, SB_ANY, 0},
    /* malloc (a thread's arena is mmap'ed) and free; glibc frees an exiting thread's
       stack pages with madvise. Never executable memory. */
    {"mmap", SB_BOTH, SB_NO_EXEC, 0},
    {"mprotect", SB_BOTH, SB_NO_EXEC, 0},
    {"munmap", SB_BOTH, SB_ANY, 0},
    {"madvise", SB_BOTH, SB_ANY, 0},
    {"brk", SB_BOTH, SB_ANY, 0},
    /* A vCPU thread's end (exit), and the process's end from any thread (exit_group:
       also how the TRAP mode's SIGSYS handler leaves). */
    {"exit", SB_BOTH, SB_ANY, 0},
    {"exit_group", SB_BOTH, SB_ANY, 0},
#if VMM_SANDBOX_ASAN
    /* AddressSanitizer builds only: its runtime sets and clears an alternate signal
       stack on each thread's start and end. */
    {"sigaltstack", SB_BOTH, SB_ANY, 0},
#endif

    /* Main thread only. */
    /* The loop's inputs: signalfd, eventfds (exit requests, the UART, virtio
       QueueNotify), timerfds, console input. */
    {"read", SB_MAIN, SB_FD,
     FD(VMM_FD_EVENT) | FD(VMM_FD_TIMER) | FD(VMM_FD_CONSOLE_IN) | FD(VMM_FD_NET)},
    /* The event loop (aarch64 has only epoll_pwait; glibc's epoll_wait uses it), and
       adding and removing the console's fds (input paused, output waiting for room). */
    {"epoll_wait", SB_MAIN, SB_FD, FD(VMM_FD_EPOLL)},
    {"epoll_pwait", SB_MAIN, SB_FD, FD(VMM_FD_EPOLL)},
    {"epoll_ctl", SB_MAIN, SB_FD, FD(VMM_FD_EPOLL)},
    /* virtio-blk, on the images only: reads and writes (vm-memory's preadv/pwritev into
       guest RAM, pwrite of zeroes), flush (fdatasync; fsync for a final flush), discard
       and write-zeroes (fallocate PUNCH_HOLE / ZERO_RANGE). */
    {"pread64", SB_MAIN, SB_FD, FD(VMM_FD_DISK) | FD(VMM_FD_SNAPSHOT_SOURCE)},
    {"pwrite64", SB_MAIN, SB_FD, FD(VMM_FD_DISK) | FD(VMM_FD_SNAPSHOT)},
    {"preadv", SB_MAIN, SB_FD, FD(VMM_FD_DISK)},
    {"pwritev", SB_MAIN, SB_FD, FD(VMM_FD_DISK)},
    {"fdatasync", SB_MAIN, SB_FD, FD(VMM_FD_DISK)},
    {"fsync", SB_MAIN, SB_FD, FD(VMM_FD_DISK) | FD(VMM_FD_SNAPSHOT)},
    {"fallocate", SB_MAIN, SB_FD, FD(VMM_FD_DISK)},
    /* --suspend snapshot:DIR, once the guest suspended and the vCPUs stopped: the slot's
       files, opened before the sandbox, are emptied and written (snapshot.h); guest
       RAM's pages that were never touched are told apart (pread64 of /proc/self/pagemap,
       above) and, for a restored VM, the holes of the file its RAM maps (lseek
       SEEK_DATA/SEEK_HOLE); each disk's identity is taken from its descriptor (fstat,
       which glibc makes newfstatat with AT_EMPTY_PATH on some architectures). */
    {"ftruncate", SB_MAIN, SB_FD, FD(VMM_FD_SNAPSHOT)},
    {"lseek", SB_MAIN, SB_FD, FD(VMM_FD_SNAPSHOT_SOURCE)},
    {"fstat", SB_MAIN, SB_FD, FD(VMM_FD_DISK)},
    {"newfstatat", SB_MAIN, SB_FD, FD(VMM_FD_DISK)},
    /* virtio-rng: getrandom(2) fills the guest's buffers. */
    {"getrandom", SB_MAIN, SB_ANY, 0},
    /* Waits with a timeout while stopping the vCPUs. */
    {"nanosleep", SB_MAIN, SB_ANY, 0},
    {"clock_nanosleep", SB_MAIN, SB_ANY, 0},
    /* Tear-down: a stdout that could not be reopened was made non-blocking for the
       UART; its file status flags are put back on the way out (F_SETFL only). */
    {"fcntl", SB_MAIN, SB_FD_SETFL, FD(VMM_FD_CONSOLE_OUT)},
    /* The control socket (--api-socket): new clients on the listening socket only; the
       uid of each (SO_PEERCRED, the only option read), to refuse other users. */
    {"accept4", SB_MAIN, SB_FD, FD(VMM_FD_API_LISTEN)},
    {"getsockopt", SB_MAIN, SB_PEERCRED, 0},
    /* The control socket's clients: requests in, replies and events out. Their
       descriptors come and go, so the rule names none: only a socket takes these calls,
       and the API's clients are the only sockets vmm-ref has once set-up is over. */
    {"recvfrom", SB_MAIN, SB_ANY, 0},
    {"sendto", SB_MAIN, SB_ANY, 0},
    /* Tear-down: every descriptor vmm-ref holds is closed on the way out (closing
       gives nothing new: a later call on the number is refused like any other). */
    {"close", SB_MAIN, SB_ANY, 0},
};

/*
 * ioctl request numbers. The kernel reads the request as 32 bits (unsigned int), so only
 * the low 32 bits of the argument are compared: upper garbage cannot make an allowed
 * number look different, nor a forbidden one look allowed.
 */
struct sb_ioctl {
	unsigned long request;
	unsigned int kinds;
	unsigned int fds; /* the descriptor kinds it may be made on */
};

static const struct sb_ioctl sb_ioctls[] = {
    /* Runs the guest: the vCPU thread's whole purpose. */
    {KVM_RUN, SB_VCPU, FD(VMM_FD_VCPU)},
    /* Device interrupts: raised by MMIO/PIO handlers on vCPU threads (the UART's THR
       empty interrupt) and by the loop (console input, virtio completions, RTC alarm). */
    {KVM_IRQ_LINE, SB_BOTH, FD(VMM_FD_VM)},
    /* virtio-net: a tap's offloads follow what the driver negotiated, set when it sets
       DRIVER_OK and cleared when it resets the device (both MMIO writes, on vCPU
       threads; a restore's activation on the main thread). */
    {TUNSETOFFLOAD, SB_BOTH, FD(VMM_FD_NET)},
    /* A tap whose descriptor reports an error: the loop asks whether its interface is
       gone (vdev_virtio_net_backend_hangup()). */
    {TUNGETIFF, SB_MAIN, FD(VMM_FD_NET)},
    /* MP state: SYSTEM_SUSPEND handling reads the other cores' states and sets its own
       (SUSPENDED, then RUNNABLE on wake-up); vcpu_get_mp_state() from the loop. */
    {KVM_GET_MP_STATE, SB_BOTH, FD(VMM_FD_VCPU)},
#if defined(__x86_64__)
    /* x86: the loop wakes the paused vCPUs from ACPI S3 (RUNNABLE, INIT_RECEIVED). */
    {KVM_SET_MP_STATE, SB_BOTH, FD(VMM_FD_VCPU)},
#else
    {KVM_SET_MP_STATE, SB_VCPU, FD(VMM_FD_VCPU)},
#endif
/* No KVM_IOEVENTFD, KVM_IRQFD or any other VM-changing request: vmm-ref registers
   its ioeventfds during set-up, before any filter, and nothing after. */
#if defined(__aarch64__)
    /* Wake-up from SYSTEM_SUSPEND: the core's PC, x0, PSTATE and SCTLR_EL1 are read and
       written (no KVM_ARM_VCPU_INIT: vmm-ref wakes with VCPU_WAKE_PSCI_STATE, so a vCPU
       thread cannot reset a core); PSCI return values go to x0. */
    {KVM_GET_ONE_REG, SB_BOTH, FD(VMM_FD_VCPU)},
    {KVM_SET_ONE_REG, SB_VCPU, FD(VMM_FD_VCPU)},
    /* A snapshot, read by the main thread once the vCPUs stopped: the guest's counter
       and each vCPU's MPIDR (KVM_GET_ONE_REG above), the vGIC's registers. */
    {KVM_GET_DEVICE_ATTR, SB_MAIN, FD(VMM_FD_VGIC)},
#elif defined(__x86_64__)
    /* Register state, read for the one-line reason of a guest crash; read and written
       by the loop on paused vCPUs to wake them from ACPI S3 in real mode
       (vcpu_x86_sleep_reset()). */
    {KVM_GET_REGS, SB_VCPU, FD(VMM_FD_VCPU)},
    {KVM_GET_SREGS, SB_BOTH, FD(VMM_FD_VCPU)},
    {KVM_SET_SREGS, SB_MAIN, FD(VMM_FD_VCPU)},
    {KVM_SET_REGS, SB_MAIN, FD(VMM_FD_VCPU)},
    /* A snapshot of the guest in ACPI S3, read by the main thread once the vCPUs
       stopped: the boot vCPU's TSC and its rate, KVM's PIC, IOAPIC, PIT and kvmclock. */
    {KVM_GET_MSRS, SB_MAIN, FD(VMM_FD_VCPU)},
    {KVM_GET_TSC_KHZ, SB_MAIN, FD(VMM_FD_VCPU)},
    {KVM_GET_IRQCHIP, SB_MAIN, FD(VMM_FD_VM)},
    {KVM_GET_PIT2, SB_MAIN, FD(VMM_FD_VM)},
    {KVM_GET_CLOCK, SB_MAIN, FD(VMM_FD_VM)},
#endif
    /* The console's raw mode, on the console's input only: tcgetattr (also isatty) and
       tcsetattr (each of its three modes), to restore the terminal on the way out. */
    {TCGETS, SB_MAIN, FD(VMM_FD_CONSOLE_IN)},
    {TCSETS, SB_MAIN, FD(VMM_FD_CONSOLE_IN)},
    {TCSETSW, SB_MAIN, FD(VMM_FD_CONSOLE_IN)},
    {TCSETSF, SB_MAIN, FD(VMM_FD_CONSOLE_IN)},
};

/* The size of the name table of the TRAP mode's handler: above every syscall number. */
#define SB_MAX_NR 1024

/*
 * The TRAP mode's state. Process-wide by nature: a signal handler has no argument. The
 * names are resolved once, before any filter, because the handler may run inside malloc
 * (a forbidden mmap), where resolving a name (it allocates) would deadlock.
 */
static char *sb_names[SB_MAX_NR];
static pthread_once_t sb_names_once = PTHREAD_ONCE_INIT;
static _Thread_local int sb_thread_kind = -1;

static void sb_resolve_names(void)
{
	uint32_t arch = seccomp_arch_native();

	for (int nr = 0; nr < SB_MAX_NR; nr++)
		sb_names[nr] = seccomp_syscall_resolve_num_arch(arch, nr);
}

static size_t sb_append(char *buf, size_t at, size_t size, const char *s)
{
	while (*s && at + 1 < size)
		buf[at++] = *s++;
	return at;
}

static size_t sb_append_num(char *buf, size_t at, size_t size, long v)
{
	char tmp[24];
	size_t n = 0;
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u && n < sizeof(tmp));
	if (v < 0 && at + 1 < size)
		buf[at++] = '-';
	while (n && at + 1 < size)
		buf[at++] = tmp[--n];
	return at;
}

/* Async-signal-safe: formats by hand, write(2) and _exit(2) only (both in every list). */
static void sb_sigsys(int sig, siginfo_t *si, void *uctx)
{
	char line[160];
	size_t n = 0;
	int nr = si->si_syscall;
	const char *name = nr >= 0 && nr < SB_MAX_NR && sb_names[nr] ? sb_names[nr] : "?";
	const char *kind = sb_thread_kind < 0
	                       ? "unsandboxed"
	                       : vmm_sandbox_kind_name((enum vmm_thread_kind)sb_thread_kind);

	(void)sig;
	(void)uctx;
	n = sb_append(line, n, sizeof(line), "vmm-ref: seccomp: forbidden system call ");
	n = sb_append(line, n, sizeof(line), name);
	n = sb_append(line, n, sizeof(line), " (");
	n = sb_append_num(line, n, sizeof(line), nr);
	n = sb_append(line, n, sizeof(line), ") on a ");
	n = sb_append(line, n, sizeof(line), kind);
	n = sb_append(line, n, sizeof(line), " thread\n");
	(void)!write(STDERR_FILENO, line, n);
	_exit(VMM_SANDBOX_TRAP_EXIT);
}

/* Whether descriptor entry i belongs to one of the kinds in mask. */
static bool sb_fd_in(size_t i, unsigned int mask)
{
	return mask & FD(sb_fds[i].kind);
}

/* Adds the kind's ioctl rules; returns how many (0: none of its descriptors is
   registered) or a negative errno. */
static int sb_add_ioctls(scmp_filter_ctx ctx, int nr, unsigned int kind_bit)
{
	int added = 0;

	for (size_t i = 0; i < sizeof(sb_ioctls) / sizeof(sb_ioctls[0]); i++) {
		if (!(sb_ioctls[i].kinds & kind_bit))
			continue;
		for (size_t f = 0; f < sb_nfds; f++) {
			if (!sb_fd_in(f, sb_ioctls[i].fds))
				continue;
			int r = seccomp_rule_add(
			    ctx, SCMP_ACT_ALLOW, nr, 2,
			    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)sb_fds[f].fd),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu,
			            (uint32_t)sb_ioctls[i].request));
			if (r < 0 && r != -EEXIST)
				return r;
			added += r == 0;
		}
	}
	return added;
}

/* One rule per registered descriptor of the entry's kinds (and stderr when it says so).
   The kernel reads a descriptor as an int: the comparison is on the low 32 bits. */
static int sb_add_fd_rules(scmp_filter_ctx ctx, int nr, unsigned int mask)
{
	int r = 0;

	if (mask & SB_FD_STDERR)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		                     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, STDERR_FILENO));
	for (size_t f = 0; r == 0 && f < sb_nfds; f++) {
		if (!sb_fd_in(f, mask) || ((mask & SB_FD_STDERR) && sb_fds[f].fd == STDERR_FILENO))
			continue;
		r = seccomp_rule_add(
		    ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)sb_fds[f].fd));
		if (r == -EEXIST)
			r = 0; /* the same descriptor under two kinds */
	}
	return r;
}

int vmm_sandbox_add_fd(enum vmm_sandbox_fd_kind kind, int fd)
{
	int r = 0;

	if (fd < 0 || kind < 0 || kind > VMM_FD_NET)
		return -EINVAL;
	pthread_mutex_lock(&sb_fds_lock);
	if (sb_nfds == SB_MAX_FDS)
		r = -ENOSPC;
	else
		sb_fds[sb_nfds++] = (typeof(sb_fds[0])){.fd = fd, .kind = kind};
	pthread_mutex_unlock(&sb_fds_lock);
	return r;
}

void vmm_sandbox_clear_fds(void)
{
	pthread_mutex_lock(&sb_fds_lock);
	sb_nfds = 0;
	pthread_mutex_unlock(&sb_fds_lock);
}

static bool sb_kind_valid(enum vmm_thread_kind kind)
{
	return kind == VMM_THREAD_MAIN || kind == VMM_THREAD_VCPU;
}

/* Builds the filter of kind with action for forbidden calls. Returns 0 or -errno. */
static int sb_build(enum vmm_thread_kind kind, enum vmm_sandbox_action action, scmp_filter_ctx *out)
{
	uint32_t deny;
	uint32_t arch = seccomp_arch_native();
	unsigned int bit = 1u << kind;
	scmp_filter_ctx ctx;
	int r;

	if (!sb_kind_valid(kind))
		return -EINVAL;
	if (action == VMM_SANDBOX_KILL)
		deny = SCMP_ACT_KILL_PROCESS;
	else if (action == VMM_SANDBOX_TRAP)
		deny = SCMP_ACT_TRAP;
	else
		return -EINVAL;
	ctx = seccomp_init(deny);
	if (ctx)
		pthread_mutex_lock(&sb_fds_lock);
	/* libseccomp refuses KILL_PROCESS when its probe finds the kernel (or an emulator
	   such as qemu-user) without it (API level below 3). */
	if (!ctx)
		return deny == SCMP_ACT_KILL_PROCESS && seccomp_api_get() < 3 ? -EOPNOTSUPP
		                                                              : -ENOMEM;
	/* A call made through another ABI (i386's int 0x80, x32) is refused as a whole. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, deny);
	/* NO_NEW_PRIVS is set by vmm_sandbox_install_action() itself, explicitly. */
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* The kernel's own errno from seccomp_load(), not libseccomp's -ECANCELED. */
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	for (size_t i = 0; r == 0 && i < sizeof(sb_syscalls) / sizeof(sb_syscalls[0]); i++) {
		const struct sb_syscall *s = &sb_syscalls[i];
		int nr;

		if (!(s->kinds & bit))
			continue;
		nr = seccomp_syscall_resolve_name_arch(arch, s->name);
		if (nr < 0)
			continue; /* not a syscall of this architecture */
		switch (s->args) {
		case SB_ANY:
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
			break;
		case SB_NO_EXEC:
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
			                     SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
			break;
		case SB_OWN_TGID:
			/* The process the filter is built in: vmm-ref installs it on its own
			   threads, so a compromised VM process cannot signal another one (such
			   as the --reboot supervisor). */
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
			                     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid(), 0));
			break;
		case SB_FD:
			r = sb_add_fd_rules(ctx, nr, s->fds);
			break;
		case SB_PEERCRED:
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 2,
			                     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, SOL_SOCKET),
			                     SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffu, SO_PEERCRED));
			break;
		case SB_FD_SETFL:
			for (size_t f = 0; r == 0 && f < sb_nfds; f++)
				if (sb_fd_in(f, s->fds))
					r = seccomp_rule_add(
					    ctx, SCMP_ACT_ALLOW, nr, 2,
					    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu,
					            (uint32_t)sb_fds[f].fd),
					    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, F_SETFL));
			break;
		case SB_IOCTL:
			r = sb_add_ioctls(ctx, nr, bit);
			/* KVM_RUN is the hot path: test ioctl first. Only when it has rules:
			   libseccomp 2.5.4 given a priority for a call without any drops the
			   load of the syscall number from its arm64 filter (every call is then
			   compared with the architecture word, and refused). */
			if (r > 0)
				r = seccomp_syscall_priority(ctx, nr, 255);
			break;
		}
	}
	pthread_mutex_unlock(&sb_fds_lock);
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	*out = ctx;
	return 0;
}

const char *vmm_sandbox_kind_name(enum vmm_thread_kind kind)
{
	switch (kind) {
	case VMM_THREAD_MAIN:
		return "main";
	case VMM_THREAD_VCPU:
		return "vcpu";
	}
	return "unknown";
}

int vmm_sandbox_allows(enum vmm_thread_kind kind, const char *syscall)
{
	if (!sb_kind_valid(kind) || !syscall)
		return -EINVAL;
	if (seccomp_syscall_resolve_name_arch(seccomp_arch_native(), syscall) < 0)
		return -ENOENT;
	for (size_t i = 0; i < sizeof(sb_syscalls) / sizeof(sb_syscalls[0]); i++)
		if (strcmp(sb_syscalls[i].name, syscall) == 0)
			return (sb_syscalls[i].kinds & (1u << kind)) ? 1 : 0;
	return 0;
}

int vmm_sandbox_export_bpf(enum vmm_thread_kind kind, enum vmm_sandbox_action action, int fd)
{
	scmp_filter_ctx ctx;
	int r = sb_build(kind, action, &ctx);

	if (r < 0)
		return r;
	r = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	return r;
}

static int sb_trap_handler(void)
{
	struct sigaction sa;
	sigset_t m;

	pthread_once(&sb_names_once, sb_resolve_names);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sb_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return -errno;
	/* The kernel kills with SIGSYS's default action when the thread blocks it (vCPU
	   threads block nearly everything): unblock it on this thread. */
	sigemptyset(&m);
	sigaddset(&m, SIGSYS);
	return -pthread_sigmask(SIG_UNBLOCK, &m, NULL);
}

int vmm_sandbox_install_action(enum vmm_thread_kind kind, enum vmm_sandbox_action action)
{
	scmp_filter_ctx ctx;
	int r = sb_build(kind, action, &ctx);

	if (r < 0)
		return r;
	if (action == VMM_SANDBOX_TRAP)
		r = sb_trap_handler();
	/* Required for an unprivileged filter, and keeps execve from gaining privileges. */
	if (r == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = -errno;
	if (r == 0)
		r = seccomp_load(ctx);
	if (r == 0)
		sb_thread_kind = (int)kind;
	seccomp_release(ctx);
	return r;
}

int vmm_sandbox_install(enum vmm_thread_kind kind)
{
	const char *mode = getenv(VMM_SANDBOX_ENV);
	bool trap = mode && strcmp(mode, "trap") == 0;

	return vmm_sandbox_install_action(kind, trap ? VMM_SANDBOX_TRAP : VMM_SANDBOX_KILL);
}
