/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared host side of the virtio-on-KVM tests: guest RAM as a vm-memory map registered
 * with KVM, a virtio-blk device on a real image file behind a virtio-mmio transport on an
 * MMIO bus, an optional KVM ioeventfd for QueueNotify served by an event loop thread, and
 * the checks of what the guest driver (guest_virtio_*.S) did. The architecture's test
 * creates the vCPU and runs it.
 */
#ifndef CVMM_TESTS_VIRTIO_KVM_H
#define CVMM_TESTS_VIRTIO_KVM_H

#include "../virtio_test_util.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define VK_RAM_SIZE 0x10000u
/* Offsets in guest RAM the guest drivers use. */
#define VK_RESULTS 0x3000u
#define VK_READ_BUF 0x6000u

struct vk_irq {
	int vm;
	int calls;
	int failures;
	int level;
};

struct vk_env {
	int kvm, vm;
	uint64_t ram_base;
	struct vmem_map *mem;
	char path[40];
	int img;
	uint8_t sectors[4096];
	struct vdev_virtio_blk *blk;
	struct vdev_virtio_mmio *dev;
	struct vdev_bus *bus;
	uint64_t virtio_base;
	struct vk_irq irq;
	/* ioeventfd event loop */
	bool ioeventfd;
	int efd;
	atomic_bool stop;
	int wakeups;
	int errors;
	pthread_t loop;
	/* counted by the run loop */
	int mmio_exits;
	int notify_exits;
};

static int vk_irq_set(void *ctx, uint32_t line, int level)
{
	struct vk_irq *k = ctx;
	struct kvm_irq_level l = {.irq = line, .level = (uint32_t)level};
	k->calls++;
	if (ioctl(k->vm, KVM_IRQ_LINE, &l) < 0) {
		k->failures++;
		return -errno;
	}
	k->level = level;
	return 0;
}

static int vk_irq_up(void *ctx, uint32_t line)
{
	return vk_irq_set(ctx, line, 1);
}

static int vk_irq_down(void *ctx, uint32_t line)
{
	return vk_irq_set(ctx, line, 0);
}

static void *vk_event_loop(void *arg)
{
	struct vk_env *e = arg;
	while (!atomic_load(&e->stop)) {
		struct pollfd p = {.fd = e->efd, .events = POLLIN};
		if (poll(&p, 1, 20) <= 0)
			continue;
		uint64_t n;
		if (read(e->efd, &n, sizeof(n)) != sizeof(n))
			continue;
		e->wakeups++;
		if (vdev_virtio_mmio_process_queue(e->dev, 0) < 0)
			e->errors++;
	}
	return NULL;
}

/* Opens KVM (skipping the test without it), makes the VM, RAM with the guest code at
   ram_base + code_offset, and the device on the bus at virtio_base. */
static void vk_setup(struct vk_env *e, uint64_t ram_base, uint64_t code_offset,
                     const unsigned char *code, size_t code_len, uint64_t virtio_base,
                     uint32_t irq_line)
{
	memset(e, 0, sizeof(*e));
	e->efd = -1;
	e->ram_base = ram_base;
	e->virtio_base = virtio_base;
	e->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (e->kvm < 0)
		cr_skip_test("no /dev/kvm: %s", strerror(errno));
	e->vm = ioctl(e->kvm, KVM_CREATE_VM, 0);
	cr_assert_geq(e->vm, 0, "KVM_CREATE_VM: %s", strerror(errno));

	struct vmem_region *region;
	cr_assert_eq(vmem_map_create(&e->mem), 0);
	struct vmem_region_options ro = {
	    .gpa = ram_base, .size = VK_RAM_SIZE, .flags = VMEM_REGION_SHARED};
	cr_assert_eq(vmem_map_add(e->mem, &ro, &region), 0);
	struct vmem_region_info ri;
	vmem_region_get_info(region, &ri);
	struct kvm_userspace_memory_region kr = {.slot = ri.slot,
	                                         .guest_phys_addr = ri.gpa,
	                                         .memory_size = ri.size,
	                                         .userspace_addr = (uintptr_t)ri.host};
	cr_assert_eq(ioctl(e->vm, KVM_SET_USER_MEMORY_REGION, &kr), 0);
	cr_assert_eq(vmem_write(e->mem, ram_base + code_offset, code, code_len), 0);

	strcpy(e->path, "/tmp/cvmm-virtio-kvm-XXXXXX");
	e->img = mkstemp(e->path);
	cr_assert_geq(e->img, 0);
	for (unsigned i = 0; i < sizeof(e->sectors); i++)
		e->sectors[i] = (uint8_t)(i * 13 + 1);
	cr_assert_eq(pwrite(e->img, e->sectors, sizeof(e->sectors), 0),
	             (ssize_t)sizeof(e->sectors));
	struct vdev_virtio_blk_config bc = {.path = e->path};
	cr_assert_eq(vdev_virtio_blk_create(&bc, &e->blk), 0);
	e->irq.vm = e->vm;
	struct vdev_virtio_mmio_config mc = {.mem = e->mem,
	                                     .irq = {.assert_line = vk_irq_up,
	                                             .deassert_line = vk_irq_down,
	                                             .ctx = &e->irq,
	                                             .line = irq_line},
	                                     .device = *vdev_virtio_blk_device(e->blk)};
	cr_assert_eq(vdev_virtio_mmio_create(&mc, &e->dev), 0);
	cr_assert_eq(vdev_bus_create(&e->bus), 0);
	cr_assert_eq(vdev_bus_insert(e->bus, virtio_base, VDEV_VIRTIO_MMIO_SIZE,
	                             vdev_virtio_mmio_ops(), e->dev),
	             0);
}

/* Routes QueueNotify writes of queue 0 to an eventfd (KVM_IOEVENTFD) served by an event
   loop thread, as a VMM does; skips the test when KVM refuses. */
static void vk_start_ioeventfd(struct vk_env *e)
{
	e->ioeventfd = true;
	e->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	cr_assert_geq(e->efd, 0);
	struct kvm_ioeventfd io = {.datamatch = 0,
	                           .addr = e->virtio_base + VDEV_VIRTIO_MMIO_QUEUE_NOTIFY,
	                           .len = 4,
	                           .fd = e->efd,
	                           .flags = KVM_IOEVENTFD_FLAG_DATAMATCH};
	if (ioctl(e->vm, KVM_IOEVENTFD, &io) < 0)
		cr_skip_test("KVM_IOEVENTFD: %s", strerror(errno));
	cr_assert_eq(pthread_create(&e->loop, NULL, vk_event_loop, e), 0);
}

/* Handles one MMIO exit on the device's bus. */
static void vk_mmio(struct vk_env *e, uint64_t addr, uint8_t *data, uint32_t len, bool write)
{
	e->mmio_exits++;
	if (addr == e->virtio_base + VDEV_VIRTIO_MMIO_QUEUE_NOTIFY)
		e->notify_exits++;
	int r = write ? vdev_bus_write(e->bus, addr, data, len)
	              : vdev_bus_read(e->bus, addr, data, len);
	cr_assert_eq(r, 0, "mmio 0x%llx: %d", (unsigned long long)addr, r);
}

/* After the guest said it is done: checks everything, then frees it all. */
static void vk_check_and_teardown(struct vk_env *e)
{
	if (e->ioeventfd) {
		atomic_store(&e->stop, true);
		pthread_join(e->loop, NULL);
		cr_expect_eq(e->notify_exits, 0, "notifications went to the eventfd");
		cr_expect_geq(e->wakeups, 1);
		cr_expect_eq(e->errors, 0);
	} else {
		cr_expect_eq(e->notify_exits, 2);
	}

	uint64_t r = e->ram_base + VK_RESULTS;
	uint32_t magic, id, status, isr, isr_after;
	uint8_t st1, st2;
	vmem_read_u32_le(e->mem, r + 0x00, &magic);
	vmem_read_u32_le(e->mem, r + 0x04, &id);
	vmem_read_u32_le(e->mem, r + 0x08, &status);
	vmem_read_u32_le(e->mem, r + 0x0c, &isr);
	vmem_read_u8(e->mem, r + 0x10, &st1);
	vmem_read_u8(e->mem, r + 0x11, &st2);
	vmem_read_u32_le(e->mem, r + 0x14, &isr_after);
	cr_expect_eq(magic, VDEV_VIRTIO_MMIO_MAGIC);
	cr_expect_eq(id, VDEV_VIRTIO_ID_BLOCK);
	cr_expect_eq(status, 0xb, "FEATURES_OK accepted");
	cr_expect_eq(st1, VDEV_VIRTIO_BLK_S_OK, "read request status");
	cr_expect_eq(st2, VDEV_VIRTIO_BLK_S_OK, "write request status");
	cr_expect_eq(isr, VDEV_VIRTIO_INT_VRING);
	cr_expect_eq(isr_after, 0);
	cr_expect_eq(vdev_virtio_mmio_status(e->dev), 0xf);
	cr_expect_gt(e->mmio_exits, 20);

	/* Sector 1 reached guest memory; the guest's sector 2 reached the file. */
	uint8_t got[512], want[512];
	vmem_read(e->mem, e->ram_base + VK_READ_BUF, got, sizeof(got));
	cr_expect_arr_eq(got, e->sectors + 512, sizeof(got));
	memset(want, 0xa5, sizeof(want));
	cr_assert_eq(pread(e->img, got, sizeof(got), 1024), (ssize_t)sizeof(got));
	cr_expect_arr_eq(got, want, sizeof(got));
	cr_assert_eq(pread(e->img, got, sizeof(got), 1536), (ssize_t)sizeof(got));
	cr_expect_arr_eq(got, e->sectors + 1536, sizeof(got), "sector 3 untouched");

	/* The interrupt went to KVM: raised per completion, lowered by the ACK. */
	cr_expect_eq(e->irq.failures, 0);
	cr_expect_geq(e->irq.calls, 2);
	cr_expect_eq(e->irq.level, 0);

	vdev_bus_destroy(e->bus);
	vdev_virtio_mmio_destroy(e->dev);
	vdev_virtio_blk_destroy(e->blk);
	if (e->efd >= 0)
		close(e->efd);
	close(e->vm);
	vmem_map_destroy(e->mem);
	close(e->kvm);
	close(e->img);
	unlink(e->path);
}

#endif
