/* SPDX-License-Identifier: Apache-2.0 */
/* The /dev/kvm handle: open, capability queries, VM creation. */
#include "internal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static int check_api(int fd)
{
	int v = kvmio__ioctl_val(fd, KVM_GET_API_VERSION, 0);
	if (v < 0)
		return v;
	return v == KVMIO_API_VERSION ? 0 : -EPROTO;
}

int kvmio_system_from_fd(int fd, struct kvmio_system **out)
{
	if (!out || fd < 0)
		return fd < 0 ? -EBADF : -EINVAL;
	int r = check_api(fd);
	if (r < 0)
		return r;
	struct kvmio_system *sys = calloc(1, sizeof(*sys));
	if (!sys)
		return -ENOMEM;
	sys->fd = fd;
	*out = sys;
	return 0;
}

int kvmio_system_open_path(const char *path, struct kvmio_system **out)
{
	if (!path || !out)
		return -EINVAL;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = kvmio_system_from_fd(fd, out);
	if (r < 0)
		close(fd);
	return r;
}

int kvmio_system_open(struct kvmio_system **out)
{
	return kvmio_system_open_path("/dev/kvm", out);
}

void kvmio_system_destroy(struct kvmio_system *sys)
{
	if (!sys)
		return;
	close(sys->fd);
	free(sys);
}

int kvmio_system_fd(const struct kvmio_system *sys)
{
	return sys->fd;
}

int kvmio_system_api_version(const struct kvmio_system *sys)
{
	return kvmio__ioctl_val(sys->fd, KVM_GET_API_VERSION, 0);
}

int kvmio_system_check_extension(const struct kvmio_system *sys, unsigned int cap)
{
	return kvmio__ioctl_val(sys->fd, KVM_CHECK_EXTENSION, cap);
}

int kvmio_system_vcpu_mmap_size(const struct kvmio_system *sys)
{
	return kvmio__ioctl_val(sys->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
}

int kvmio_system_nr_vcpus(const struct kvmio_system *sys)
{
	int r = kvmio_system_check_extension(sys, KVM_CAP_NR_VCPUS);
	/* api.rst: without the capability, assume 4. */
	return r > 0 ? r : (r < 0 ? r : 4);
}

int kvmio_system_max_vcpus(const struct kvmio_system *sys)
{
	int r = kvmio_system_check_extension(sys, KVM_CAP_MAX_VCPUS);
	return r > 0 ? r : (r < 0 ? r : kvmio_system_nr_vcpus(sys));
}

int kvmio_system_max_vcpu_id(const struct kvmio_system *sys)
{
	int r = kvmio_system_check_extension(sys, KVM_CAP_MAX_VCPU_ID);
	return r > 0 ? r : (r < 0 ? r : kvmio_system_max_vcpus(sys));
}

int kvmio_system_create_vm(const struct kvmio_system *sys, unsigned long type,
                           struct kvmio_vm **out)
{
	if (!sys || !out)
		return -EINVAL;
	int run_size = kvmio_system_vcpu_mmap_size(sys);
	if (run_size < 0)
		return run_size;
	if ((size_t)run_size < sizeof(struct kvm_run))
		return -EPROTO;
	struct kvmio_vm *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	int r;
	/* KVM_CREATE_VM can fail with EINTR while the kernel sets up the VM. */
	do
		r = kvmio__ioctl_val(sys->fd, KVM_CREATE_VM, type);
	while (r == -EINTR);
	if (r < 0) {
		free(vm);
		return r;
	}
	vm->fd = r;
	vm->run_size = (size_t)run_size;
	pthread_mutex_init(&vm->lock, NULL);
	*out = vm;
	return 0;
}
