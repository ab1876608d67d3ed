/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seccomp sandbox on a real kernel: each thread kind can make the calls vmm-ref needs
 * once its filter is in place, and a call outside its list ends the whole process with
 * SIGSYS (Criterion death tests), or, in TRAP mode, with a line naming the call.
 */
#include "sandbox_test.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

/* ---- calls both kinds make ---------------------------------------------------------- */

static volatile sig_atomic_t sb_handled;

static void sb_handler(int sig)
{
	(void)sig;
	sb_handled = 1;
}

/*
 * The descriptors of a test, registered as vmm-ref registers its own: fds[0] an eventfd,
 * fds[1] a timerfd, fds[2] the epoll set, fds[3] a disk image (also the "console input",
 * for the terminal ioctls), fds[4] a spare the main body closes, fds[5] an eventfd that
 * stands for the KVM VM and fds[6] one that stands for a vCPU (KVM calls on them reach
 * the kernel, which answers ENOTTY: the filter let them through).
 */
#define SB_TEST_FDS 7
static void register_fds(const int *fds)
{
	vmm_sandbox_clear_fds();
	cr_assert_eq(vmm_sandbox_add_fd(VMM_FD_EVENT, fds[0]), 0);
	cr_assert_eq(vmm_sandbox_add_fd(VMM_FD_TIMER, fds[1]), 0);
	if (fds[2] >= 0)
		cr_assert_eq(vmm_sandbox_add_fd(VMM_FD_EPOLL, fds[2]), 0);
	if (fds[3] >= 0) {
		cr_assert_eq(vmm_sandbox_add_fd(VMM_FD_DISK, fds[3]), 0);
		cr_assert_eq(vmm_sandbox_add_fd(VMM_FD_CONSOLE_IN, fds[3]), 0);
	}
	cr_assert_eq(vmm_sandbox_add_fd(VMM_FD_VM, fds[5]), 0);
	cr_assert_eq(vmm_sandbox_add_fd(VMM_FD_VCPU, fds[6]), 0);
}

static void common_calls(struct sb_thread *t)
{
	int efd = ((int *)t->arg)[0], tfd = ((int *)t->arg)[1], vmfd = ((int *)t->arg)[5];
	uint64_t v = 7;
	struct timespec ts;
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

	sb_check(t, "eventfd write", sb_rc(write(efd, &v, sizeof(v))), sizeof(v));
	sb_check(t, "stderr write", sb_rc(write(STDERR_FILENO, "", 0)), 0);
	/* A thread CPU clock is never answered by the vDSO: this is the real syscall. */
	sb_check(t, "clock_gettime", sb_rc(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)), 0);
	/* A timed condition wait is a futex call that times out. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&mu);
	sb_check(t, "futex", pthread_cond_timedwait(&cv, &mu, &ts), ETIMEDOUT);
	pthread_mutex_unlock(&mu);
	/* A kick as pthread_kill() makes it: tgkill(getpid(), tid, sig) with the tid glibc
	   keeps (gettid is not in the lists), its handler, rt_sigreturn. */
	sb_check(t, "tgkill", sb_rc(syscall(SYS_tgkill, getpid(), t->tid, SIGUSR2)), 0);
	sb_check(t, "handler ran", sb_handled, 1);
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sb_check(t, "rt_sigprocmask", pthread_sigmask(SIG_BLOCK, &m, NULL), 0);
	struct itimerspec its = {.it_value = {.tv_sec = 100}};
	sb_check(t, "timerfd_settime", sb_rc(timerfd_settime(tfd, 0, &its, NULL)), 0);
	/* malloc's mmap and munmap, a plain mapping, madvise. */
	void *big = malloc(4 << 20);
	sb_check(t, "malloc", big != NULL, 1);
	free(big);
	void *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sb_check(t, "mmap rw", p != MAP_FAILED, 1);
	sb_check(t, "madvise", sb_rc(madvise(p, 8192, MADV_DONTNEED)), 0);
	sb_check(t, "mprotect ro", sb_rc(mprotect(p, 4096, PROT_READ)), 0);
	sb_check(t, "munmap", sb_rc(munmap(p, 8192)), 0);
	/* An allowed ioctl on the VM's descriptor reaches the kernel (which says the fd is
	   no VM). Upper bits in the request and the descriptor are ignored by the kernel
	   and by the filter alike. */
	sb_check(t, "ioctl KVM_IRQ_LINE", sb_rc(ioctl(vmfd, KVM_IRQ_LINE, NULL)), -ENOTTY);
	sb_check(t, "ioctl KVM_IRQ_LINE, upper bits",
	         sb_rc(syscall(SYS_ioctl, vmfd, (1ul << 32) | KVM_IRQ_LINE, NULL)), -ENOTTY);
	sb_check(t, "ioctl KVM_IRQ_LINE, fd upper bits",
	         sb_rc(syscall(SYS_ioctl, (1ul << 32) | (unsigned long)vmfd, KVM_IRQ_LINE, NULL)),
	         -ENOTTY);
}

static void sb_init(void)
{
	struct sigaction sa = {.sa_handler = sb_handler};

	sb_no_core();
	sigaction(SIGUSR2, &sa, NULL);
	unsetenv(VMM_SANDBOX_ENV);
}

static void vcpu_calls(struct sb_thread *t)
{
	int vcpufd = ((int *)t->arg)[6];
	common_calls(t);
	sb_check(t, "ioctl KVM_RUN", sb_rc(ioctl(vcpufd, KVM_RUN, 0)), -ENOTTY);
	sb_check(t, "ioctl KVM_SET_MP_STATE", sb_rc(ioctl(vcpufd, KVM_SET_MP_STATE, NULL)),
	         -ENOTTY);
}

Test(sandbox, vcpu_thread_keeps_its_calls, .init = sb_init)
{
	int fds[SB_TEST_FDS] = {eventfd(0, EFD_CLOEXEC),
	                        timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC),
	                        -1,
	                        -1,
	                        -1,
	                        eventfd(0, EFD_CLOEXEC),
	                        eventfd(0, EFD_CLOEXEC)};
	struct sb_thread t = {.kind = VMM_THREAD_VCPU, .body = vcpu_calls, .arg = fds};

	register_fds(fds);
	sb_run_checked(&t);
	sb_assert_checks(&t, 18);
}

static void main_calls(struct sb_thread *t)
{
	int *fds = t->arg;
	int ep = fds[2], disk = fds[3], spare = fds[4];
	char buf[512] = "sector", back[512];
	struct iovec iov = {back, sizeof(back)};
	struct epoll_event ev;
	struct timespec nap = {0, 1000};
	struct termios tio;

	common_calls(t);
	uint64_t v = 0;
	sb_check(t, "eventfd read", sb_rc(read(fds[0], &v, sizeof(v))), sizeof(v));
	sb_check(t, "KVM_GET_MP_STATE", sb_rc(ioctl(fds[6], KVM_GET_MP_STATE, NULL)), -ENOTTY);
#if defined(__x86_64__)
	/* The wake-up from ACPI S3 resets the paused vCPUs from the loop. */
	sb_check(t, "KVM_SET_MP_STATE", sb_rc(ioctl(fds[6], KVM_SET_MP_STATE, NULL)), -ENOTTY);
	sb_check(t, "KVM_GET_SREGS", sb_rc(ioctl(fds[6], KVM_GET_SREGS, NULL)), -ENOTTY);
	sb_check(t, "KVM_SET_SREGS", sb_rc(ioctl(fds[6], KVM_SET_SREGS, NULL)), -ENOTTY);
	sb_check(t, "KVM_SET_REGS", sb_rc(ioctl(fds[6], KVM_SET_REGS, NULL)), -ENOTTY);
	/* A snapshot of the guest in S3: the TSC, KVM's interrupt controllers, PIT, clock. */
	sb_check(t, "KVM_GET_MSRS", sb_rc(ioctl(fds[6], KVM_GET_MSRS, NULL)), -ENOTTY);
	sb_check(t, "KVM_GET_TSC_KHZ", sb_rc(ioctl(fds[6], KVM_GET_TSC_KHZ, NULL)), -ENOTTY);
	sb_check(t, "KVM_GET_IRQCHIP", sb_rc(ioctl(fds[5], KVM_GET_IRQCHIP, NULL)), -ENOTTY);
	sb_check(t, "KVM_GET_PIT2", sb_rc(ioctl(fds[5], KVM_GET_PIT2, NULL)), -ENOTTY);
	sb_check(t, "KVM_GET_CLOCK", sb_rc(ioctl(fds[5], KVM_GET_CLOCK, NULL)), -ENOTTY);
#define MAIN_ARCH_CHECKS 9
#else
#define MAIN_ARCH_CHECKS 0
#endif
	sb_check(t, "epoll_wait", sb_rc(epoll_wait(ep, &ev, 1, 0)), 0);
	ev.events = EPOLLIN;
	ev.data.fd = fds[0];
	sb_check(t, "epoll_ctl", sb_rc(epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev)), 0);
	sb_check(t, "pwrite", sb_rc(pwrite(disk, buf, sizeof(buf), 4096)), sizeof(buf));
	sb_check(t, "pread", sb_rc(pread(disk, back, sizeof(back), 4096)), sizeof(back));
	sb_check(t, "pwritev", sb_rc(pwritev(disk, &iov, 1, 0)), sizeof(back));
	sb_check(t, "preadv", sb_rc(preadv(disk, &iov, 1, 0)), sizeof(back));
	sb_check(t, "fdatasync", sb_rc(fdatasync(disk)), 0);
	sb_check(t, "fsync", sb_rc(fsync(disk)), 0);
	sb_check(t, "fallocate",
	         sb_rc(fallocate(disk, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096)), 0);
	sb_check(t, "getrandom", sb_rc(getrandom(buf, 16, 0)), 16);
	sb_check(t, "nanosleep", sb_rc(nanosleep(&nap, NULL)), 0);
	sb_check(t, "tcgetattr", sb_rc(ioctl(disk, TCGETS, &tio)), -ENOTTY);
	sb_check(t, "close", sb_rc(close(spare)), 0);
}

Test(sandbox, main_thread_keeps_its_calls, .init = sb_init)
{
	char path[] = "/tmp/vmm-sandbox-XXXXXX";
	int fds[SB_TEST_FDS] = {
	    eventfd(0, EFD_CLOEXEC),      timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC),
	    epoll_create1(EPOLL_CLOEXEC), mkstemp(path),
	    eventfd(0, EFD_CLOEXEC),      eventfd(0, EFD_CLOEXEC),
	    eventfd(0, EFD_CLOEXEC)};
	struct sb_thread t = {.kind = VMM_THREAD_MAIN, .body = main_calls, .arg = fds};

	register_fds(fds);
	unlink(path);
	sb_run_checked(&t);
	sb_assert_checks(&t, 31 + MAIN_ARCH_CHECKS);
}

/* The control socket's calls: accept4 on the listening socket, the peer's uid, a request
   in and a reply out, the client closed. */
static void api_calls(struct sb_thread *t)
{
	int *fds = t->arg;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	char buf[8];
	int c = accept4(fds[0], NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	sb_check(t, "accept4", c >= 0, 1);
	sb_check(t, "getsockopt SO_PEERCRED",
	         sb_rc(getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl)), 0);
	sb_check(t, "recv", sb_rc(recv(c, buf, sizeof(buf), MSG_DONTWAIT)), 4);
	sb_check(t, "send", sb_rc(send(c, "pong", 4, MSG_NOSIGNAL | MSG_DONTWAIT)), 4);
	sb_check(t, "close", sb_rc(close(c)), 0);
}

Test(sandbox, main_thread_serves_the_control_socket, .init = sb_init)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fds[2];
	struct sb_thread t = {.kind = VMM_THREAD_MAIN, .body = api_calls, .arg = fds};

	/* An abstract address: no file to clean up. */
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "cvmm-sandbox-test-%d", (int)getpid());
	fds[0] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	fds[1] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(bind(fds[0], (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(fds[0], 1), 0);
	cr_assert_eq(connect(fds[1], (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(send(fds[1], "ping", 4, 0), 4);
	vmm_sandbox_clear_fds();
	cr_assert_eq(vmm_sandbox_add_fd(VMM_FD_API_LISTEN, fds[0]), 0);
	sb_run_checked(&t);
	sb_assert_checks(&t, 5);
}

/* ---- calls outside the lists end the process ---------------------------------------- */

static void do_openat(struct sb_thread *t)
{
	sb_check(t, "openat survived",
	         sb_rc(syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY)), 1);
}

static void do_execve(struct sb_thread *t)
{
	char *argv[] = {"/bin/true", NULL}, *envp[] = {NULL};
	sb_check(t, "execve survived", sb_rc(syscall(SYS_execve, argv[0], argv, envp)), 1);
}

static void do_socket(struct sb_thread *t)
{
	sb_check(t, "socket survived", sb_rc(syscall(SYS_socket, AF_INET, SOCK_STREAM, 0)), 1);
}

static void do_getsockopt_type(struct sb_thread *t)
{
	int type;
	socklen_t len = sizeof(type);
	sb_check(t, "getsockopt SO_TYPE survived",
	         sb_rc(syscall(SYS_getsockopt, 0, SOL_SOCKET, SO_TYPE, &type, &len)), 1);
}

static void do_accept_unregistered(struct sb_thread *t)
{
	sb_check(t, "accept4 survived", sb_rc(syscall(SYS_accept4, 0, NULL, NULL, 0)), 1);
}

static void do_recvfrom(struct sb_thread *t)
{
	char b;
	sb_check(t, "recvfrom survived",
	         sb_rc(syscall(SYS_recvfrom, 0, &b, 1, MSG_DONTWAIT, NULL, NULL)), 1);
}

static void do_tcgets(struct sb_thread *t)
{
	struct termios tio;
	sb_check(t, "TCGETS survived", sb_rc(syscall(SYS_ioctl, 0, TCGETS, &tio)), 1);
}

static void do_kvm_run(struct sb_thread *t)
{
	sb_check(t, "KVM_RUN survived", sb_rc(syscall(SYS_ioctl, -1, KVM_RUN, 0)), 1);
}

static void do_kvm_create_vcpu(struct sb_thread *t)
{
	sb_check(t, "KVM_CREATE_VCPU survived", sb_rc(syscall(SYS_ioctl, -1, KVM_CREATE_VCPU, 1)),
	         1);
}

static void do_mmap_exec(struct sb_thread *t)
{
	sb_check(t, "mmap PROT_EXEC survived",
	         sb_rc(syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC,
	                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)),
	         1);
}

static void do_mprotect_exec(struct sb_thread *t)
{
	sb_check(t, "mprotect PROT_EXEC survived",
	         sb_rc(syscall(SYS_mprotect, t->arg, 4096, PROT_READ | PROT_EXEC)), 1);
}

static void do_epoll_pwait(struct sb_thread *t)
{
	struct epoll_event ev;
	sb_check(t, "epoll_pwait survived", sb_rc(syscall(SYS_epoll_pwait, -1, &ev, 1, 0, NULL, 8)),
	         1);
}

static void do_pwrite(struct sb_thread *t)
{
	sb_check(t, "pwrite64 survived", sb_rc(syscall(SYS_pwrite64, -1, "x", 1, 0)), 1);
}

static void do_tgkill_other_process(struct sb_thread *t)
{
	/* Process 1 (never this one); signal 0 only checks, harmless if it got through. */
	sb_check(t, "tgkill to another process survived", sb_rc(syscall(SYS_tgkill, 1, 1, 0)), 1);
}

/* Descriptor checks: t->arg is a registered fds[] (register_fds()). */
static void do_write_disk(struct sb_thread *t)
{
	int disk = ((int *)t->arg)[3];
	sb_check(t, "write to a disk image survived", sb_rc(write(disk, "x", 1)), 1);
}

static void do_read_event(struct sb_thread *t)
{
	uint64_t v;
	sb_check(t, "read on a vcpu thread survived", sb_rc(read(((int *)t->arg)[0], &v, 8)), 1);
}

static void do_pwrite_event(struct sb_thread *t)
{
	sb_check(t, "pwrite64 to an eventfd survived",
	         sb_rc(syscall(SYS_pwrite64, ((int *)t->arg)[0], "x", 1, 0)), 1);
}

static void do_ioeventfd(struct sb_thread *t)
{
	sb_check(t, "KVM_IOEVENTFD survived",
	         sb_rc(syscall(SYS_ioctl, ((int *)t->arg)[5], KVM_IOEVENTFD, NULL)), 1);
}

static void do_irqfd(struct sb_thread *t)
{
	sb_check(t, "KVM_IRQFD survived",
	         sb_rc(syscall(SYS_ioctl, ((int *)t->arg)[5], KVM_IRQFD, NULL)), 1);
}

static void do_run_on_vm(struct sb_thread *t)
{
	sb_check(t, "KVM_RUN on the VM fd survived",
	         sb_rc(syscall(SYS_ioctl, ((int *)t->arg)[5], KVM_RUN, 0)), 1);
}

/* Registers a full descriptor set, then runs body on a thread of kind in a child: the
   child must be killed. */
static void expect_death_fds(enum vmm_thread_kind kind, void (*body)(struct sb_thread *))
{
	char path[] = "/tmp/vmm-sandbox-XXXXXX";
	int fds[SB_TEST_FDS] = {
	    eventfd(0, EFD_CLOEXEC),      timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC),
	    epoll_create1(EPOLL_CLOEXEC), mkstemp(path),
	    eventfd(0, EFD_CLOEXEC),      eventfd(0, EFD_CLOEXEC),
	    eventfd(0, EFD_CLOEXEC)};
	struct sb_thread t = {.kind = kind, .body = body, .arg = fds, .block_signals = true};
	char out[512];

	unlink(path);
	register_fds(fds);
	int status = sb_run_in_child(&t, false, NULL, out, sizeof(out));
	sb_assert_killed(status, vmm_sandbox_kind_name(kind), out);
}

#define DEATH_FDS(name, kind, body)                                                                \
	Test(sandbox_death, name, .init = sb_init)                                                 \
	{                                                                                          \
		expect_death_fds(kind, body);                                                      \
	}

DEATH_FDS(vcpu_write_to_a_disk_image, VMM_THREAD_VCPU, do_write_disk)
DEATH_FDS(vcpu_read, VMM_THREAD_VCPU, do_read_event)
DEATH_FDS(main_disk_call_on_another_descriptor, VMM_THREAD_MAIN, do_pwrite_event)
DEATH_FDS(vcpu_ioeventfd_after_set_up, VMM_THREAD_VCPU, do_ioeventfd)
DEATH_FDS(main_ioeventfd_after_set_up, VMM_THREAD_MAIN, do_ioeventfd)
DEATH_FDS(main_irqfd_after_set_up, VMM_THREAD_MAIN, do_irqfd)
DEATH_FDS(vcpu_kvm_run_on_the_vm, VMM_THREAD_VCPU, do_run_on_vm)

/* Runs body on a thread with kind's filter in a child process: the child must be killed. */
static void expect_death(enum vmm_thread_kind kind, void (*body)(struct sb_thread *))
{
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct sb_thread t = {.kind = kind, .body = body, .arg = page, .block_signals = true};
	char out[512];
	int status = sb_run_in_child(&t, false, NULL, out, sizeof(out));

	sb_assert_killed(status, vmm_sandbox_kind_name(kind), out);
}

#define DEATH(name, kind, body)                                                                    \
	Test(sandbox_death, name, .init = sb_init)                                                 \
	{                                                                                          \
		expect_death(kind, body);                                                          \
	}

DEATH(vcpu_openat, VMM_THREAD_VCPU, do_openat)
DEATH(vcpu_execve, VMM_THREAD_VCPU, do_execve)
DEATH(vcpu_socket, VMM_THREAD_VCPU, do_socket)
DEATH(vcpu_terminal_ioctl, VMM_THREAD_VCPU, do_tcgets)
DEATH(vcpu_kvm_create_vcpu, VMM_THREAD_VCPU, do_kvm_create_vcpu)
DEATH(vcpu_mmap_exec, VMM_THREAD_VCPU, do_mmap_exec)
DEATH(vcpu_mprotect_exec, VMM_THREAD_VCPU, do_mprotect_exec)
DEATH(vcpu_epoll_pwait, VMM_THREAD_VCPU, do_epoll_pwait)
DEATH(vcpu_disk_write, VMM_THREAD_VCPU, do_pwrite)
DEATH(vcpu_tgkill_other_process, VMM_THREAD_VCPU, do_tgkill_other_process)
DEATH(main_tgkill_other_process, VMM_THREAD_MAIN, do_tgkill_other_process)
DEATH(main_execve, VMM_THREAD_MAIN, do_execve)
DEATH(main_openat, VMM_THREAD_MAIN, do_openat)
DEATH(main_socket, VMM_THREAD_MAIN, do_socket)
DEATH(main_kvm_run, VMM_THREAD_MAIN, do_kvm_run)
DEATH(main_mprotect_exec, VMM_THREAD_MAIN, do_mprotect_exec)
DEATH(main_getsockopt_other_option, VMM_THREAD_MAIN, do_getsockopt_type)
DEATH(main_accept_unregistered, VMM_THREAD_MAIN, do_accept_unregistered)
DEATH(vcpu_recvfrom, VMM_THREAD_VCPU, do_recvfrom)
DEATH(vcpu_accept, VMM_THREAD_VCPU, do_accept_unregistered)

/* vmm_sandbox_install() without VMM_REF_SECCOMP set kills as well. */
Test(sandbox_death, default_action_is_kill, .init = sb_init)
{
	struct sb_thread t = {.kind = VMM_THREAD_VCPU, .body = do_openat, .use_env = true};
	char out[512];
	int status = sb_run_in_child(&t, false, NULL, out, sizeof(out));

	sb_assert_killed(status, "without " VMM_SANDBOX_ENV, out);
}

/* ---- TRAP mode: the call is named, then the process exits ------------------------------ */

Test(sandbox_trap, names_the_call_on_a_vcpu_thread_that_blocks_signals, .init = sb_init)
{
	struct sb_thread t = {.kind = VMM_THREAD_VCPU,
	                      .action = VMM_SANDBOX_TRAP,
	                      .body = do_openat,
	                      .block_signals = true};
	char out[512], want[128];
	int status = sb_run_in_child(&t, false, NULL, out, sizeof(out));

	cr_assert(WIFEXITED(status), "wait status %#x (a signal: the handler did not run)", status);
	cr_assert_eq(WEXITSTATUS(status), VMM_SANDBOX_TRAP_EXIT, "exit %d, stderr: %s",
	             WEXITSTATUS(status), out);
	snprintf(want, sizeof(want),
	         "vmm-ref: seccomp: forbidden system call openat (%d) on a vcpu thread\n",
	         (int)SYS_openat);
	cr_assert_str_eq(out, want);
}

Test(sandbox_trap, chosen_by_the_environment, .init = sb_init)
{
	struct sb_thread t = {.kind = VMM_THREAD_MAIN, .body = do_socket, .use_env = true};
	char out[512], want[128];
	int status = sb_run_in_child(&t, true, NULL, out, sizeof(out));

	cr_assert(WIFEXITED(status), "wait status %#x", status);
	cr_assert_eq(WEXITSTATUS(status), VMM_SANDBOX_TRAP_EXIT, "exit %d, stderr: %s",
	             WEXITSTATUS(status), out);
	snprintf(want, sizeof(want),
	         "vmm-ref: seccomp: forbidden system call socket (%d) on a main thread\n",
	         (int)SYS_socket);
	cr_assert_str_eq(out, want);
}

Test(sandbox_trap, kill_mode_dies_silently, .init = sb_init)
{
	struct sb_thread t = {.kind = VMM_THREAD_VCPU, .body = do_execve};
	char out[512];
	int status = sb_run_in_child(&t, false, NULL, out, sizeof(out));

	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "wait status %#x", status);
	cr_assert_str_eq(out, "");
}

/*
 * The death tests above only see SIGSYS; here each of their forbidden calls runs in TRAP
 * mode, and the line names it: the process dies of that call, not of an earlier one.
 */
Test(sandbox_trap, each_death_test_dies_of_its_own_call, .init = sb_init)
{
	static const struct {
		enum vmm_thread_kind kind;
		void (*body)(struct sb_thread *);
		const char *name;
	} cases[] = {
	    {VMM_THREAD_VCPU, do_openat, "openat"},
	    {VMM_THREAD_VCPU, do_execve, "execve"},
	    {VMM_THREAD_VCPU, do_socket, "socket"},
	    {VMM_THREAD_VCPU, do_tcgets, "ioctl"},
	    {VMM_THREAD_VCPU, do_kvm_create_vcpu, "ioctl"},
	    {VMM_THREAD_VCPU, do_mmap_exec, "mmap"},
	    {VMM_THREAD_VCPU, do_mprotect_exec, "mprotect"},
	    {VMM_THREAD_VCPU, do_epoll_pwait, "epoll_pwait"},
	    {VMM_THREAD_VCPU, do_pwrite, "pwrite64"},
	    {VMM_THREAD_VCPU, do_tgkill_other_process, "tgkill"},
	    {VMM_THREAD_MAIN, do_tgkill_other_process, "tgkill"},
	    {VMM_THREAD_MAIN, do_execve, "execve"},
	    {VMM_THREAD_MAIN, do_openat, "openat"},
	    {VMM_THREAD_MAIN, do_socket, "socket"},
	    {VMM_THREAD_MAIN, do_kvm_run, "ioctl"},
	    {VMM_THREAD_MAIN, do_mprotect_exec, "mprotect"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		void *page =
		    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct sb_thread t = {.kind = cases[i].kind,
		                      .action = VMM_SANDBOX_TRAP,
		                      .body = cases[i].body,
		                      .arg = page,
		                      .block_signals = true};
		char out[512], want[128];
		int status = sb_run_in_child(&t, false, NULL, out, sizeof(out));

		snprintf(want, sizeof(want), "forbidden system call %s (", cases[i].name);
		cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == VMM_SANDBOX_TRAP_EXIT,
		          "case %zu: wait status %#x", i, status);
		cr_expect(strstr(out, want) != NULL, "case %zu (%s on a %s thread): %s", i,
		          cases[i].name, vmm_sandbox_kind_name(cases[i].kind), out);
		munmap(page, 4096);
	}
}
