/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sandbox with the vcpu library, in the order vmm-ref uses: a controlling thread
 * starts the vCPU threads, each of which installs the vCPU filter in the set's
 * thread_started handler (before its first KVM_RUN); the controlling thread then installs
 * the main filter and drives the set (pause, resume, kick, MP state, CPU time, stop,
 * join) while the guest makes exits handled on the vCPU thread. Every call the library
 * makes on both sides must be in the lists: a missing one ends the test with SIGSYS.
 */
#include "sandbox_test.h"

#include <cvmm/kvm_ioctls.h>
#include <cvmm/vcpu.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

extern const char sandbox_loop_start[], sandbox_loop_end[];

#if defined(__x86_64__)
#define GUEST_GPA 0x0ull
#else
#define GUEST_GPA 0x40000000ull
#endif
#define RAM_SIZE (2u << 20)

struct ctx {
	atomic_ulong exits;
	atomic_int install_rc;
	atomic_int vcpu_tid;
	int evfd; /* the handler's notification to the "loop", as machine.c does */
};

static int on_thread_started(void *opaque, struct vcpu *v)
{
	struct ctx *c = opaque;

	(void)v;
	pid_t tid = gettid(); /* asked before the filter, which forbids gettid */
	int r = vmm_sandbox_install(VMM_THREAD_VCPU);
	atomic_store(&c->install_rc, r);
	/* Published last: the test reads the thread's status once this is set. */
	atomic_store(&c->vcpu_tid, tid);
	return r;
}

static int on_exit_access(struct ctx *c)
{
	uint64_t one = 1;

	if (atomic_fetch_add(&c->exits, 1) % 64 == 0 && write(c->evfd, &one, sizeof(one)) < 0)
		return -errno;
	return 0;
}

static int on_pio(void *opaque, struct vcpu *v, uint16_t port, uint8_t *data, uint32_t size,
                  bool is_write)
{
	(void)v, (void)port, (void)data, (void)size, (void)is_write;
	return on_exit_access(opaque);
}

static int on_mmio(void *opaque, struct vcpu *v, uint64_t addr, uint8_t *data, uint32_t len,
                   bool is_write)
{
	(void)v, (void)addr, (void)data, (void)len, (void)is_write;
	return on_exit_access(opaque);
}

struct controller {
	struct sb_thread rec; /* only its checks and fds are used */
	struct vcpu_set *set;
	struct vcpu *vcpu;
	struct ctx *c;
	int start_rc;
	pid_t tid;
};

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static unsigned long wait_exits(struct ctx *c, unsigned long above)
{
	for (int i = 0; i < 2000 && atomic_load(&c->exits) <= above; i++)
		nap_ms(5);
	return atomic_load(&c->exits);
}

static void *controller_main(void *arg)
{
	struct controller *k = arg;
	struct sb_thread *t = &k->rec;
	int r;

	k->tid = gettid();
	k->start_rc = vcpu_set_start(k->set);
	/* After the vCPU threads exist, as vmm-ref's main thread does. */
	t->install_rc = k->start_rc < 0 ? k->start_rc : vmm_sandbox_install(VMM_THREAD_MAIN);
	sem_post(&t->ready);
	while (sem_wait(&t->go) != 0 && errno == EINTR)
		;
	if (t->go_value != 1 || t->install_rc < 0) {
		vcpu_set_stop(k->set);
		return NULL;
	}

	unsigned long n = wait_exits(k->c, 0);
	sb_check(t, "the guest makes exits", n > 0, 1);
	for (int i = 0; i < 10; i++) {
		sb_check(t, "pause", vcpu_set_pause(k->set), 0);
		n = atomic_load(&k->c->exits);
		nap_ms(2);
		if (atomic_load(&k->c->exits) != n)
			sb_check(t, "no exits while paused", 0, 1);
		sb_check(t, "resume", vcpu_set_resume(k->set), 0);
		sb_check(t, "kick", vcpu_kick(k->vcpu), 0);
	}
	uint32_t mp = 99;
	sb_check(t, "vcpu_get_mp_state", vcpu_get_mp_state(k->vcpu, &mp), 0);
	sb_check(t, "runnable", mp, 0 /* KVM_MP_STATE_RUNNABLE */);
	sb_check(t, "vcpu_cpu_time_ns", vcpu_cpu_time_ns(k->vcpu) > 0, 1);
	sb_check(t, "exits after the cycles", wait_exits(k->c, n) > n, 1);
	sb_check(t, "stop", vcpu_set_stop(k->set), 0);
	struct vcpu_end end;
	r = vcpu_join(k->vcpu, &end);
	sb_check(t, "join", r == 0 || r == -EALREADY, 1);
	sb_check(t, "ended by the stop", end.reason, VCPU_END_STOPPED);
	uint64_t got;
	sb_check(t, "the handler's eventfd", read(k->c->evfd, &got, sizeof(got)), sizeof(got));
	return NULL;
}

Test(sandbox_vcpu, library_runs_a_guest_with_both_filters)
{
	struct kvmio_system *sys;
	struct kvmio_vm *vm;
	struct ctx c = {.evfd = eventfd(0, EFD_CLOEXEC)};
	struct controller k = {.c = &c};
	struct sb_thread *t = &k.rec;
	int r = kvmio_system_open(&sys);

	if (r == -ENOENT || r == -ENXIO || r == -ENODEV || r == -EACCES)
		cr_skip_test("no usable /dev/kvm here (%s)", strerror(-r));
	cr_assert_eq(r, 0);
	cr_assert_eq(kvmio_system_create_vm(sys, 0, &vm), 0);
	uint8_t *ram =
	    mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(ram, MAP_FAILED);
	memcpy(ram, sandbox_loop_start, (size_t)(sandbox_loop_end - sandbox_loop_start));
	cr_assert_eq(kvmio_vm_set_user_memory_region(vm, 0, 0, GUEST_GPA, RAM_SIZE, ram), 0);

	struct vcpu_set_config cfg = {
	    .handlers = {
		.opaque = &c, .thread_started = on_thread_started, .pio = on_pio, .mmio = on_mmio}};
	cr_assert_eq(vcpu_set_create(sys, vm, &cfg, &k.set), 0);
	struct vcpu_config vc = {.id = 0, .entry = GUEST_GPA};
	r = vcpu_create(k.set, &vc, &k.vcpu);
	cr_assert_eq(r, 0, "vcpu_create: %s", strerror(-r));

	/* The descriptors each side uses, as vmm-ref registers them (sandbox.h). */
	cr_assert_eq(vmm_sandbox_add_fd(VMM_FD_EVENT, c.evfd), 0);
	cr_assert_eq(vmm_sandbox_add_fd(VMM_FD_VM, kvmio_vm_fd(vm)), 0);
	cr_assert_eq(vmm_sandbox_add_fd(VMM_FD_VCPU, kvmio_vcpu_fd(vcpu_kvm(k.vcpu))), 0);
	cr_assert_eq(sem_init(&t->ready, 0, 0), 0);
	cr_assert_eq(sem_init(&t->go, 0, 0), 0);
	pthread_t th;
	cr_assert_eq(pthread_create(&th, NULL, controller_main, &k), 0);
	sb_wait_ready(t);
	cr_assert_eq(k.start_rc, 0);
	if (t->install_rc == -ENOSYS || t->install_rc == -EINVAL || t->install_rc == -EOPNOTSUPP) {
		t->go_value = 2;
		sem_post(&t->go);
		pthread_join(th, NULL);
		cr_skip_test("seccomp filters are not available here");
	}
	cr_assert_eq(t->install_rc, 0, "main install: %s", strerror(-t->install_rc));
	/* The vCPU thread has installed its filter before its first KVM_RUN. */
	for (int i = 0; i < 10000 && atomic_load(&c.vcpu_tid) == 0; i++)
		usleep(1000);
	cr_assert_neq(atomic_load(&c.vcpu_tid), 0, "the vCPU thread never started");
	cr_assert_eq(atomic_load(&c.install_rc), 0, "vCPU install: %d", atomic_load(&c.install_rc));
	cr_assert_eq(sb_proc_status(atomic_load(&c.vcpu_tid), "Seccomp"), 2);
	cr_assert_eq(sb_proc_status(k.tid, "Seccomp"), 2);
	cr_assert_eq(sb_proc_status(gettid(), "Seccomp"), 0);
	t->go_value = 1;
	sem_post(&t->go);
	cr_assert_eq(pthread_join(th, NULL), 0);
	sb_assert_checks(t, 39);

	vcpu_set_destroy(k.set);
	kvmio_vm_destroy(vm);
	kvmio_system_destroy(sys);
	munmap(ram, RAM_SIZE);
}
