/* SPDX-License-Identifier: Apache-2.0 */
/* Architecture-neutral calls and their error paths, on real KVM. */
#include "helpers.h"

#include <fcntl.h>
#include <sys/eventfd.h>

static struct kvmio_system *sys;
static struct kvmio_vm *vm;

static void teardown(void)
{
	kvmio_vm_destroy(vm);
	kvmio_system_destroy(sys);
	vm = NULL;
	sys = NULL;
}

TestSuite(common, .fini = teardown, .timeout = 60);

static void make_vm(void)
{
	sys = open_system_or_skip();
	int r = kvmio_system_create_vm(sys, 0, &vm);
	cr_assert_eq(r, 0, "create_vm: %s", strerror(-r));
}

Test(common, system_queries)
{
	sys = open_system_or_skip();
	cr_assert_geq(kvmio_system_fd(sys), 0);
	cr_assert_eq(kvmio_system_api_version(sys), KVMIO_API_VERSION);
	cr_assert_eq(kvmio_system_check_extension(sys, KVM_CAP_USER_MEMORY), 1);
	/* An unknown capability is simply unsupported. */
	cr_assert_eq(kvmio_system_check_extension(sys, 0x7fffffff), 0);
	int size = kvmio_system_vcpu_mmap_size(sys);
	cr_assert_geq(size, (int)sizeof(struct kvm_run));
	cr_assert_eq(size % getpagesize(), 0);
	int nr = kvmio_system_nr_vcpus(sys), max = kvmio_system_max_vcpus(sys);
	cr_assert_gt(nr, 0);
	cr_assert_geq(max, nr);
	cr_assert_geq(kvmio_system_max_vcpu_id(sys), max);
}

Test(common, system_open_path_and_adopt)
{
	struct kvmio_system *s2 = NULL;
	sys = open_system_or_skip();
	cr_assert_eq(kvmio_system_open_path("/nonexistent/kvm", &s2), -ENOENT);
	/* A file that is not KVM: the API version ioctl is refused. */
	cr_assert_eq(kvmio_system_open_path("/dev/null", &s2), -ENOTTY);
	int fd = dup(kvmio_system_fd(sys));
	cr_assert_geq(fd, 0);
	cr_assert_eq(kvmio_system_from_fd(fd, &s2), 0);
	cr_assert_eq(kvmio_system_fd(s2), fd);
	cr_assert_eq(kvmio_system_api_version(s2), KVMIO_API_VERSION);
	kvmio_system_destroy(s2);
	/* destroy closed the adopted fd: adopting it again is an ioctl on a closed fd. */
	cr_assert_eq(fcntl(fd, F_GETFD), -1);
	cr_assert_eq(kvmio_system_from_fd(fd, &s2), -EBADF);
	kvmio_system_destroy(NULL);
	kvmio_vm_destroy(NULL);
	kvmio_vcpu_destroy(NULL);
}

Test(common, vm_check_extension_and_enable_cap)
{
	make_vm();
	cr_assert_geq(kvmio_vm_fd(vm), 0);
	cr_assert_eq(kvmio_vm_check_extension(vm, KVM_CAP_USER_MEMORY), 1);
	cr_assert_eq(kvmio_vm_check_extension(vm, 0x7fffffff), 0);
	cr_assert_eq(kvmio_vm_enable_cap(vm, 0x7fffffff, 0), -EINVAL);
	struct kvm_enable_cap c = {.cap = 0x7ffffffe};
	cr_assert_eq(kvmio_vm_enable_cap_raw(vm, &c), -EINVAL);
}

Test(common, memory_slots)
{
	make_vm();
	size_t page = (size_t)getpagesize(), size = 16 * page;
	uint8_t *mem =
	    mmap(NULL, 2 * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(mem, MAP_FAILED);
	cr_assert_eq(kvmio_vm_set_user_memory_region(vm, 0, 0, 0x100000, size, mem), 0);
	/* Overlapping another slot, from below and from inside. */
	cr_assert_eq(
	    kvmio_vm_set_user_memory_region(vm, 1, 0, 0x100000 - page, 2 * page, mem + size),
	    -EEXIST);
	cr_assert_eq(kvmio_vm_set_user_memory_region(vm, 1, 0, 0x100000 + page, page, mem + size),
	             -EEXIST);
	/* Unaligned or overflowing ranges are refused before KVM sees them. */
	cr_assert_eq(kvmio_vm_set_user_memory_region(vm, 1, 0, 0x200001, page, mem + size),
	             -EINVAL);
	cr_assert_eq(
	    kvmio_vm_set_user_memory_region(vm, 1, 0, UINT64_MAX - page + 1, 2 * page, mem + size),
	    -EINVAL);
	/* Adjacent is fine; then remove and re-add elsewhere. */
	cr_assert_eq(kvmio_vm_set_user_memory_region(vm, 1, 0, 0x100000 + size, size, mem + size),
	             0);
	cr_assert_eq(kvmio_vm_remove_user_memory_region(vm, 1), 0);
	cr_assert_eq(kvmio_vm_set_user_memory_region(vm, 1, 0, 0x100000 - size, size, mem + size),
	             0);
	/* The dirty log of a slot this handle never set, or of a slot that does not log. */
	uint64_t bitmap[4];
	cr_assert_eq(kvmio_vm_get_dirty_log(vm, 7, bitmap, sizeof(bitmap)), -ENOENT);
	cr_assert_eq(kvmio_vm_get_dirty_log(vm, 0, bitmap, sizeof(bitmap)), -ENOENT);
	cr_assert_eq(kvmio_dirty_log_bitmap_size(size), 8);
	cr_assert_eq(kvmio_dirty_log_bitmap_size(65 * page), 16);
	cr_assert_eq(kvmio_dirty_log_bitmap_size(1), 8);
	teardown();
	munmap(mem, 2 * size);
}

Test(common, duplicate_vcpu_id)
{
	make_vm();
	struct kvmio_vcpu *a = NULL, *b = NULL;
	cr_assert_eq(kvmio_vm_create_vcpu(vm, 0, &a), 0);
	cr_assert_eq(kvmio_vcpu_id(a), 0);
	cr_assert_geq(kvmio_vcpu_fd(a), 0);
	cr_assert_not_null(kvmio_vcpu_kvm_run(a));
	cr_assert_eq(kvmio_vm_create_vcpu(vm, 0, &b), -EEXIST);
	cr_assert_null(b);
	cr_assert_eq(kvmio_vm_create_vcpu(vm, 1, &b), 0);
	cr_assert_eq(kvmio_vcpu_id(b), 1);
	kvmio_vcpu_destroy(a);
	kvmio_vcpu_destroy(b);
}

Test(common, ioctl_on_closed_fd)
{
	make_vm();
	struct kvmio_vcpu *v = NULL;
	cr_assert_eq(kvmio_vm_create_vcpu(vm, 0, &v), 0);
	/* A closed fd (here: a closed dup of the vCPU fd) gives EBADF, not a crash. */
	int fd = dup(kvmio_vcpu_fd(v));
	close(fd);
	uint64_t value = 0;
	cr_assert_eq(kvmio_device_get_attr(fd, 0, 0, &value), -EBADF);
	cr_assert_eq(kvmio_device_set_attr(fd, 0, 0, &value), -EBADF);
	cr_assert_eq(kvmio_device_has_attr(fd, 0, 0), -EBADF);
	kvmio_vcpu_destroy(v);
}

Test(common, mp_state)
{
	make_vm();
	struct kvmio_vcpu *v = NULL;
	cr_assert_eq(kvmio_vm_create_vcpu(vm, 0, &v), 0);
#if defined(__aarch64__)
	cr_assert_eq(kvmio_vcpu_arm_init(v, 1u << KVM_ARM_VCPU_PSCI_0_2), 0);
#endif
	uint32_t st = 99;
	cr_assert_eq(kvmio_vcpu_get_mp_state(v, &st), 0);
	cr_assert_eq(st, KVM_MP_STATE_RUNNABLE);
#if defined(__aarch64__)
	cr_assert_eq(kvmio_vcpu_set_mp_state(v, KVM_MP_STATE_STOPPED), 0);
	cr_assert_eq(kvmio_vcpu_get_mp_state(v, &st), 0);
	cr_assert_eq(st, KVM_MP_STATE_STOPPED);
	/* Not an arm64 state. */
	cr_assert_eq(kvmio_vcpu_set_mp_state(v, KVM_MP_STATE_SIPI_RECEIVED), -EINVAL);
#endif
	cr_assert_eq(kvmio_vcpu_set_mp_state(v, KVM_MP_STATE_RUNNABLE), 0);
	cr_assert_eq(kvmio_vcpu_get_mp_state(v, &st), 0);
	cr_assert_eq(st, KVM_MP_STATE_RUNNABLE);
	kvmio_vcpu_destroy(v);
}

Test(common, irqfd_and_ioeventfd_registration)
{
	make_vm();
	int efd = eventfd(0, EFD_CLOEXEC), rfd = eventfd(0, EFD_CLOEXEC);
	cr_assert_geq(efd, 0);
	uint64_t match = 0x42;
	cr_assert_eq(kvmio_vm_ioeventfd(vm, efd, KVMIO_IOEVENT_MMIO, 0x20000000, 4, NULL), 0);
	cr_assert_eq(kvmio_vm_ioeventfd(vm, efd, KVMIO_IOEVENT_MMIO, 0x20000000, 4, NULL), -EEXIST);
	cr_assert_eq(kvmio_vm_ioeventfd(vm, efd, KVMIO_IOEVENT_MMIO, 0x20000008, 4, &match), 0);
	cr_assert_eq(kvmio_vm_ioeventfd_remove(vm, efd, KVMIO_IOEVENT_MMIO, 0x20000000, 4, NULL),
	             0);
	cr_assert_eq(kvmio_vm_ioeventfd_remove(vm, efd, KVMIO_IOEVENT_MMIO, 0x20000000, 4, NULL),
	             -ENOENT);
	cr_assert_eq(kvmio_vm_ioeventfd_remove(vm, efd, KVMIO_IOEVENT_MMIO, 0x20000008, 4, &match),
	             0);
	cr_assert_eq(kvmio_vm_ioeventfd(vm, -1, KVMIO_IOEVENT_MMIO, 0, 4, NULL), -EBADF);
	cr_assert_eq(kvmio_vm_ioeventfd(vm, efd, (enum kvmio_ioevent_space)7, 0, 4, NULL), -EINVAL);
	cr_assert_eq(kvmio_vm_irqfd(vm, -1, 5, rfd), -EBADF);
	close(efd);
	close(rfd);
}

Test(common, names_of_exits_and_events)
{
	for (int k = KVMIO_EXIT_UNKNOWN; k <= KVMIO_EXIT_WATCHDOG; k++)
		cr_assert_str_neq(kvmio_exit_kind_name((enum kvmio_exit_kind)k), "?", "kind %d", k);
	cr_assert_str_eq(kvmio_exit_kind_name((enum kvmio_exit_kind)999), "?");
	cr_assert_str_eq(kvmio_system_event_name(KVMIO_SYSTEM_EVENT_WAKEUP), "wakeup");
	cr_assert_str_eq(kvmio_system_event_name(KVMIO_SYSTEM_EVENT_SUSPEND), "suspend");
	cr_assert_str_eq(kvmio_system_event_name((enum kvmio_system_event_type)999), "?");
	/* The named types are the kernel's numbers. */
	cr_assert_eq(KVMIO_SYSTEM_EVENT_SHUTDOWN, KVM_SYSTEM_EVENT_SHUTDOWN);
	cr_assert_eq(KVMIO_SYSTEM_EVENT_RESET, KVM_SYSTEM_EVENT_RESET);
	cr_assert_eq(KVMIO_SYSTEM_EVENT_CRASH, KVM_SYSTEM_EVENT_CRASH);
	cr_assert_eq(KVMIO_SYSTEM_EVENT_WAKEUP, KVM_SYSTEM_EVENT_WAKEUP);
	cr_assert_eq(KVMIO_SYSTEM_EVENT_SUSPEND, KVM_SYSTEM_EVENT_SUSPEND);
	cr_assert_eq(KVMIO_IO_IN, KVM_EXIT_IO_IN);
	cr_assert_eq(KVMIO_IO_OUT, KVM_EXIT_IO_OUT);
}
