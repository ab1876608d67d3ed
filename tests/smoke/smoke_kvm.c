/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Proves that a test program can reach real KVM: /dev/kvm opens, the API version is 12,
 * a VM with memory and a vCPU can be created, and a tiny guest runs to its end.
 */
#include "smoke.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int open_kvm_or_skip(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENXIO || errno == ENODEV))
		cr_skip_test("no usable /dev/kvm on this machine (%s)", strerror(errno));
	cr_assert_geq(fd, 0, "open /dev/kvm: %s", strerror(errno));
	return fd;
}

Test(smoke, api_version_is_12)
{
	int kvm = open_kvm_or_skip();
	cr_assert_eq(ioctl(kvm, KVM_GET_API_VERSION, 0), KVM_API_VERSION);
	cr_assert_eq(KVM_API_VERSION, 12);
	close(kvm);
}

Test(smoke, tiny_guest_runs_to_its_end)
{
	int kvm = open_kvm_or_skip();
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	cr_assert_geq(vm, 0, "KVM_CREATE_VM: %s", strerror(errno));

	void *ram =
	    mmap(NULL, SMOKE_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(ram, MAP_FAILED);
	size_t len = (size_t)(smoke_guest_end - smoke_guest_start);
	cr_assert_leq(len, SMOKE_RAM_SIZE / 2);
	memcpy(ram, smoke_guest_start, len);

	struct kvm_userspace_memory_region region = {
	    .slot = 0,
	    .guest_phys_addr = smoke_guest_load_gpa,
	    .memory_size = SMOKE_RAM_SIZE,
	    .userspace_addr = (uintptr_t)ram,
	};
	cr_assert_eq(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region), 0,
	             "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));

	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	cr_assert_geq(vcpu, 0, "KVM_CREATE_VCPU: %s", strerror(errno));
	int map_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	cr_assert_geq(map_size, (int)sizeof(struct kvm_run));
	struct kvm_run *run =
	    mmap(NULL, (size_t)map_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	cr_assert_neq(run, MAP_FAILED);

	smoke_arch_setup_vcpu(vm, vcpu);
	smoke_arch_run_and_check(vm, vcpu, run);

	munmap(run, (size_t)map_size);
	close(vcpu);
	close(vm);
	munmap(ram, SMOKE_RAM_SIZE);
	close(kvm);
}
