/* SPDX-License-Identifier: Apache-2.0 */
/* The VM handle: capabilities, memory slots, dirty log, vCPUs, interrupts, devices. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The kernel's limit on GSI routing entries (KVM_MAX_IRQ_ROUTES, not in the uapi). */
#define KVMIO_MAX_IRQ_ROUTES 4096u

void kvmio_vm_destroy(struct kvmio_vm *vm)
{
	if (!vm)
		return;
	close(vm->fd);
	pthread_mutex_destroy(&vm->lock);
	free(vm->slots);
	free(vm);
}

int kvmio_vm_fd(const struct kvmio_vm *vm)
{
	return vm->fd;
}

int kvmio_vm_check_extension(const struct kvmio_vm *vm, unsigned int cap)
{
	return kvmio__ioctl_val(vm->fd, KVM_CHECK_EXTENSION, cap);
}

int kvmio_vm_enable_cap_raw(const struct kvmio_vm *vm, const struct kvm_enable_cap *cap)
{
	if (!cap)
		return -EINVAL;
	return kvmio__ioctl(vm->fd, KVM_ENABLE_CAP, cap);
}

int kvmio_vm_enable_cap(const struct kvmio_vm *vm, uint32_t cap, uint64_t arg0)
{
	struct kvm_enable_cap c = {.cap = cap, .args = {arg0}};
	return kvmio_vm_enable_cap_raw(vm, &c);
}

static struct kvmio_slot *find_slot(struct kvmio_vm *vm, uint32_t slot)
{
	for (size_t i = 0; i < vm->nslots; i++)
		if (vm->slots[i].slot == slot)
			return &vm->slots[i];
	return NULL;
}

/* Records (or forgets, when size is 0) a slot after KVM accepted it. */
static int remember_slot(struct kvmio_vm *vm, uint32_t slot, uint32_t flags, uint64_t size)
{
	struct kvmio_slot *s = find_slot(vm, slot);
	if (size == 0) {
		if (s)
			*s = vm->slots[--vm->nslots];
		return 0;
	}
	if (!s) {
		if (vm->nslots == vm->slots_cap) {
			size_t cap = vm->slots_cap ? vm->slots_cap * 2 : 8;
			struct kvmio_slot *n = realloc(vm->slots, cap * sizeof(*n));
			if (!n)
				return -ENOMEM;
			vm->slots = n;
			vm->slots_cap = cap;
		}
		s = &vm->slots[vm->nslots++];
	}
	*s = (struct kvmio_slot){.slot = slot, .flags = flags, .size = size};
	return 0;
}

static int set_region(struct kvmio_vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
                      uint64_t size, void *host)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t end;
	if ((gpa | size | (uint64_t)(uintptr_t)host) & (page - 1))
		return -EINVAL;
	if (__builtin_add_overflow(gpa, size, &end) ||
	    __builtin_add_overflow((uint64_t)(uintptr_t)host, size, &end))
		return -EINVAL;
	struct kvm_userspace_memory_region r = {
	    .slot = slot,
	    .flags = flags,
	    .guest_phys_addr = gpa,
	    .memory_size = size,
	    .userspace_addr = (uint64_t)(uintptr_t)host,
	};
	pthread_mutex_lock(&vm->lock);
	struct kvmio_slot *old = find_slot(vm, slot);
	struct kvmio_slot saved = old ? *old : (struct kvmio_slot){0};
	bool had_old = old != NULL;
	/* Reserve the table entry first so a slot KVM accepted is never left unrecorded. */
	int ret = size ? remember_slot(vm, slot, flags, size) : 0;
	if (ret == 0) {
		ret = kvmio__ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r);
		if (ret < 0 && had_old)
			remember_slot(vm, slot, saved.flags, saved.size);
		else if (ret < 0 || size == 0)
			remember_slot(vm, slot, 0, 0);
	}
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

int kvmio_vm_set_user_memory_region(struct kvmio_vm *vm, uint32_t slot, uint32_t flags,
                                    uint64_t gpa, uint64_t size, void *host)
{
	if (!vm)
		return -EINVAL;
	return set_region(vm, slot, flags, gpa, size, host);
}

int kvmio_vm_remove_user_memory_region(struct kvmio_vm *vm, uint32_t slot)
{
	if (!vm)
		return -EINVAL;
	return set_region(vm, slot, 0, 0, 0, NULL);
}

size_t kvmio_dirty_log_bitmap_size(uint64_t size)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t pages = size / page + (size % page != 0);
	return (size_t)((pages + 63) / 64 * 8);
}

int kvmio_vm_get_dirty_log(struct kvmio_vm *vm, uint32_t slot, uint64_t *bitmap, size_t bitmap_size)
{
	if (!vm || !bitmap)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	struct kvmio_slot *s = find_slot(vm, slot);
	uint64_t size = s ? s->size : 0;
	pthread_mutex_unlock(&vm->lock);
	if (!s)
		return -ENOENT;
	/* KVM writes a bitmap sized by the slot, not by the caller: check it fits. */
	if (bitmap_size < kvmio_dirty_log_bitmap_size(size))
		return -ENOBUFS;
	struct kvm_dirty_log log = {.slot = slot, .dirty_bitmap = bitmap};
	return kvmio__ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log);
}

int kvmio_vm_clear_dirty_log(struct kvmio_vm *vm, uint32_t slot, uint64_t first_page,
                             uint32_t num_pages, const uint64_t *bitmap)
{
	if (!vm || !bitmap)
		return -EINVAL;
	struct kvm_clear_dirty_log c = {
	    .slot = slot,
	    .num_pages = num_pages,
	    .first_page = first_page,
	    /* The kernel only reads this bitmap for CLEAR_DIRTY_LOG. */
	    .dirty_bitmap = (void *)(uintptr_t)bitmap,
	};
	return kvmio__ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, &c);
}

int kvmio_vm_create_vcpu(struct kvmio_vm *vm, unsigned long id, struct kvmio_vcpu **out)
{
	if (!vm || !out)
		return -EINVAL;
	struct kvmio_vcpu *vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu)
		return -ENOMEM;
	int fd = kvmio__ioctl_val(vm->fd, KVM_CREATE_VCPU, id);
	if (fd < 0) {
		free(vcpu);
		return fd;
	}
	void *run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (run == MAP_FAILED) {
		int e = -errno;
		close(fd);
		free(vcpu);
		return e;
	}
	vcpu->fd = fd;
	vcpu->id = id;
	vcpu->run = run;
	vcpu->run_size = vm->run_size;
	int r = kvmio__arch_vcpu_created(vm, vcpu);
	if (r < 0) {
		kvmio_vcpu_destroy(vcpu);
		return r;
	}
	*out = vcpu;
	return 0;
}

int kvmio_vm_irq_line(const struct kvmio_vm *vm, uint32_t irq, uint32_t level)
{
	struct kvm_irq_level l = {.irq = irq, .level = level};
	return kvmio__ioctl(vm->fd, KVM_IRQ_LINE, &l);
}

int kvmio_vm_irqfd(const struct kvmio_vm *vm, int eventfd, uint32_t gsi, int resample_fd)
{
	if (eventfd < 0)
		return -EBADF;
	struct kvm_irqfd f = {.fd = (uint32_t)eventfd, .gsi = gsi};
	if (resample_fd >= 0) {
		f.flags = KVM_IRQFD_FLAG_RESAMPLE;
		f.resamplefd = (uint32_t)resample_fd;
	}
	return kvmio__ioctl(vm->fd, KVM_IRQFD, &f);
}

int kvmio_vm_irqfd_remove(const struct kvmio_vm *vm, int eventfd, uint32_t gsi)
{
	if (eventfd < 0)
		return -EBADF;
	struct kvm_irqfd f = {
	    .fd = (uint32_t)eventfd, .gsi = gsi, .flags = KVM_IRQFD_FLAG_DEASSIGN};
	return kvmio__ioctl(vm->fd, KVM_IRQFD, &f);
}

static int ioeventfd(const struct kvmio_vm *vm, int eventfd, enum kvmio_ioevent_space space,
                     uint64_t addr, uint32_t len, const uint64_t *datamatch, uint32_t extra)
{
	if (eventfd < 0)
		return -EBADF;
	if (space != KVMIO_IOEVENT_MMIO && space != KVMIO_IOEVENT_PIO)
		return -EINVAL;
	struct kvm_ioeventfd e = {.addr = addr, .len = len, .fd = eventfd, .flags = extra};
	if (space == KVMIO_IOEVENT_PIO)
		e.flags |= KVM_IOEVENTFD_FLAG_PIO;
	if (datamatch) {
		e.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
		e.datamatch = *datamatch;
	}
	return kvmio__ioctl(vm->fd, KVM_IOEVENTFD, &e);
}

int kvmio_vm_ioeventfd(const struct kvmio_vm *vm, int eventfd, enum kvmio_ioevent_space space,
                       uint64_t addr, uint32_t len, const uint64_t *datamatch)
{
	return ioeventfd(vm, eventfd, space, addr, len, datamatch, 0);
}

int kvmio_vm_ioeventfd_remove(const struct kvmio_vm *vm, int eventfd,
                              enum kvmio_ioevent_space space, uint64_t addr, uint32_t len,
                              const uint64_t *datamatch)
{
	return ioeventfd(vm, eventfd, space, addr, len, datamatch, KVM_IOEVENTFD_FLAG_DEASSIGN);
}

int kvmio_vm_set_gsi_routing(const struct kvmio_vm *vm, const struct kvm_irq_routing_entry *entries,
                             size_t n)
{
	if (n > KVMIO_MAX_IRQ_ROUTES || (n && !entries))
		return -EINVAL;
	struct kvm_irq_routing *r =
	    calloc(1, sizeof(*r) + n * sizeof(struct kvm_irq_routing_entry));
	if (!r)
		return -ENOMEM;
	r->nr = (uint32_t)n;
	if (n)
		memcpy(r->entries, entries, n * sizeof(*entries));
	int ret = kvmio__ioctl(vm->fd, KVM_SET_GSI_ROUTING, r);
	free(r);
	return ret;
}

int kvmio_vm_signal_msi(const struct kvmio_vm *vm, const struct kvm_msi *msi)
{
	if (!msi)
		return -EINVAL;
	return kvmio__ioctl(vm->fd, KVM_SIGNAL_MSI, msi);
}

int kvmio_vm_create_device(const struct kvmio_vm *vm, uint32_t type, bool test_only)
{
	struct kvm_create_device d = {.type = type,
	                              .flags = test_only ? KVM_CREATE_DEVICE_TEST : 0};
	int r = kvmio__ioctl(vm->fd, KVM_CREATE_DEVICE, &d);
	if (r < 0)
		return r;
	return test_only ? 0 : (int)d.fd;
}

int kvmio_device_set_attr(int fd, uint32_t group, uint64_t attr, const void *value)
{
	struct kvm_device_attr a = {
	    .group = group, .attr = attr, .addr = (uint64_t)(uintptr_t)value};
	return kvmio__ioctl(fd, KVM_SET_DEVICE_ATTR, &a);
}

int kvmio_device_get_attr(int fd, uint32_t group, uint64_t attr, void *value)
{
	struct kvm_device_attr a = {
	    .group = group, .attr = attr, .addr = (uint64_t)(uintptr_t)value};
	return kvmio__ioctl(fd, KVM_GET_DEVICE_ATTR, &a);
}

int kvmio_device_has_attr(int fd, uint32_t group, uint64_t attr)
{
	struct kvm_device_attr a = {.group = group, .attr = attr};
	int r = kvmio__ioctl(fd, KVM_HAS_DEVICE_ATTR, &a);
	if (r == -ENXIO)
		return 0;
	return r < 0 ? r : 1;
}
