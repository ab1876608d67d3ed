/* SPDX-License-Identifier: Apache-2.0 */
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

/*
 * Creates the VM with the payload and its vCPU. 0; SB_CHILD_UNSUPPORTED when this
 * machine has no usable /dev/kvm; 1 on any other failure. why says which.
 */
static int guest_try_create(struct guest *g, char *why, size_t why_size)
{
	size_t len = (size_t)(sandbox_guest_end - sandbox_guest_start);
	int map_size, r;

#define GUEST_FAIL(rc, ...)                                                                        \
	do {                                                                                       \
		snprintf(why, why_size, __VA_ARGS__);                                              \
		return (rc);                                                                       \
	} while (0)
	g->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (g->kvm < 0 && (errno == ENOENT || errno == ENXIO || errno == ENODEV))
		GUEST_FAIL(SB_CHILD_UNSUPPORTED, "no usable /dev/kvm on this machine (%s)",
		           strerror(errno));
	if (g->kvm < 0)
		GUEST_FAIL(1, "open /dev/kvm: %s", strerror(errno));
	g->vm = ioctl(g->kvm, KVM_CREATE_VM, 0);
	if (g->vm < 0)
		GUEST_FAIL(1, "KVM_CREATE_VM: %s", strerror(errno));
	g->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->ram == MAP_FAILED)
		GUEST_FAIL(1, "mmap: %s", strerror(errno));
	memcpy(g->ram, sandbox_guest_start, len);
	struct kvm_userspace_memory_region region = {
	    .slot = 0,
	    .guest_phys_addr = sandbox_guest_gpa,
	    .memory_size = RAM_SIZE,
	    .userspace_addr = (uintptr_t)g->ram,
	};
	if (ioctl(g->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		GUEST_FAIL(1, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
	g->vcpu = ioctl(g->vm, KVM_CREATE_VCPU, 0);
	if (g->vcpu < 0)
		GUEST_FAIL(1, "KVM_CREATE_VCPU: %s", strerror(errno));
	map_size = ioctl(g->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (map_size < (int)sizeof(struct kvm_run))
		GUEST_FAIL(1, "KVM_GET_VCPU_MMAP_SIZE: %d", map_size);
	g->run_size = (size_t)map_size;
	g->run = mmap(NULL, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, g->vcpu, 0);
	if (g->run == MAP_FAILED)
		GUEST_FAIL(1, "mmap kvm_run: %s", strerror(errno));
	r = sandbox_arch_setup(g->vm, g->vcpu);
	if (r < 0)
		GUEST_FAIL(1, "vCPU set-up: %s", strerror(-r));
	/* As vmm-ref registers them: the filters allow KVM calls on these descriptors. */
	vmm_sandbox_clear_fds();
	if (vmm_sandbox_add_fd(VMM_FD_VM, g->vm) < 0 ||
	    vmm_sandbox_add_fd(VMM_FD_VCPU, g->vcpu) < 0)
		GUEST_FAIL(1, "vmm_sandbox_add_fd failed");
	return 0;
#undef GUEST_FAIL
}

static void guest_create(struct guest *g)
{
	char why[128];
	int r = guest_try_create(g, why, sizeof(why));

	if (r == SB_CHILD_UNSUPPORTED)
		cr_skip_test("%s", why);
	cr_assert_eq(r, 0, "%s", why);
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

/* In the child of sb_run_in_child(): KVM file descriptors serve only their creator's
   process, so the guest is made there. */
static int guest_create_in_child(struct sb_thread *t)
{
	char why[128];
	int r = guest_try_create(t->arg, why, sizeof(why));

	if (r != 0)
		fprintf(stderr, "%s", why);
	return r;
}

Test(sandbox_kvm, vcpu_thread_cannot_change_guest_memory, .init = sb_no_core)
{
	struct guest g;
	struct sb_thread t = {.kind = VMM_THREAD_VCPU,
	                      .body = vcpu_body_then_memslot,
	                      .arg = &g,
	                      .block_signals = true};
	char out[256];
	int status = sb_run_in_child(&t, false, guest_create_in_child, out, sizeof(out));

	sb_assert_killed(status, "KVM_SET_USER_MEMORY_REGION on a vcpu thread", out);
}

static void vcpu_body_then_run_on_the_vm(struct sb_thread *t)
{
	struct guest *g = t->arg;

	vcpu_body(t);
	/* KVM_RUN is a vCPU request: on the VM's descriptor it is refused. */
	sb_check(t, "KVM_RUN on the VM fd survived", sb_rc(ioctl(g->vm, KVM_RUN, 0)), 1);
}

Test(sandbox_kvm, vcpu_requests_only_on_vcpu_descriptors, .init = sb_no_core)
{
	struct guest g;
	struct sb_thread t = {.kind = VMM_THREAD_VCPU,
	                      .body = vcpu_body_then_run_on_the_vm,
	                      .arg = &g,
	                      .block_signals = true};
	char out[256];
	int status = sb_run_in_child(&t, false, guest_create_in_child, out, sizeof(out));

	sb_assert_killed(status, "KVM_RUN on the VM fd", out);
}
