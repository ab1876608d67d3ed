/*
 * The vCPU filter on real KVM: a vCPU thread installs it first, the test sees from
 * outside that it is in place, and only then does the thread enter KVM_RUN; the guest
 * runs to its end with nothing but allowed calls. A vCPU thread that then asks KVM for
 * something outside its list (a memory slot, a new vCPU) ends the process.
 */
#include "sandbox_kvm.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#define RAM_SIZE (2u << 20)

struct guest {
	int kvm, vm, vcpu;
	void *ram;
	struct kvm_run *run;
	size_t run_size;
};

static void guest_create(struct guest *g)
{
	size_t len = (size_t)(sandbox_guest_end - sandbox_guest_start);
	int map_size;

	g->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (g->kvm < 0 && (errno == ENOENT || errno == ENXIO || errno == ENODEV))
		cr_skip_test("no usable /dev/kvm on this machine (%s)", strerror(errno));
	cr_assert_geq(g->kvm, 0, "open /dev/kvm: %s", strerror(errno));
	g->vm = ioctl(g->kvm, KVM_CREATE_VM, 0);
	cr_assert_geq(g->vm, 0, "KVM_CREATE_VM: %s", strerror(errno));
	g->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(g->ram, MAP_FAILED);
	memcpy(g->ram, sandbox_guest_start, len);
	struct kvm_userspace_memory_region region = {
	    .slot = 0,
	    .guest_phys_addr = sandbox_guest_gpa,
	    .memory_size = RAM_SIZE,
	    .userspace_addr = (uintptr_t)g->ram,
	};
	cr_assert_eq(ioctl(g->vm, KVM_SET_USER_MEMORY_REGION, &region), 0);
	g->vcpu = ioctl(g->vm, KVM_CREATE_VCPU, 0);
	cr_assert_geq(g->vcpu, 0, "KVM_CREATE_VCPU: %s", strerror(errno));
	map_size = ioctl(g->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	cr_assert_geq(map_size, (int)sizeof(struct kvm_run));
	g->run_size = (size_t)map_size;
	g->run = mmap(NULL, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, g->vcpu, 0);
	cr_assert_neq(g->run, MAP_FAILED);
	sandbox_arch_setup(g->vm, g->vcpu);
}

static void guest_destroy(struct guest *g)
{
	munmap(g->run, g->run_size);
	close(g->vcpu);
	close(g->vm);
	munmap(g->ram, RAM_SIZE);
	close(g->kvm);
}

static int want_checks;

static void vcpu_body(struct sb_thread *t)
{
	struct guest *g = t->arg;
	want_checks = sandbox_arch_run(t, g->vcpu, g->run);
}

Test(sandbox_kvm, filter_in_place_before_the_first_kvm_run)
{
	struct guest g;
	struct sb_thread t = {
	    .kind = VMM_THREAD_VCPU, .body = vcpu_body, .arg = &g, .block_signals = true};

	guest_create(&g);
	/* Checks Seccomp: 2 for the vCPU thread before it may call KVM_RUN. */
	sb_run_checked(&t);
	cr_assert_gt(want_checks, 0);
	sb_assert_checks(&t, want_checks);
	guest_destroy(&g);
}

static void vcpu_body_then_memslot(struct sb_thread *t)
{
	struct guest *g = t->arg;
	struct kvm_userspace_memory_region region = {.slot = 1};

	vcpu_body(t);
	sb_check(t, "KVM_SET_USER_MEMORY_REGION survived",
	         sb_rc(ioctl(g->vm, KVM_SET_USER_MEMORY_REGION, &region)), 1);
}

Test(sandbox_kvm, vcpu_thread_cannot_change_guest_memory, .signal = SIGSYS, .init = sb_no_core)
{
	struct guest g;
	struct sb_thread t = {.kind = VMM_THREAD_VCPU,
	                      .body = vcpu_body_then_memslot,
	                      .arg = &g,
	                      .block_signals = true};

	guest_create(&g);
	sb_thread_start(&t);
	sb_skip_if_unsupported(&t);
	sb_thread_finish(&t, true);
	cr_assert_fail("the process survived (%d checks)", t.n_checks);
}
