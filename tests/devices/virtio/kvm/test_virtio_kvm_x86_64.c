// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-blk on real KVM: a real-mode guest driver (guest_virtio_x86_64.S) brings the
 * device up through MMIO exits, reads one sector and writes another of a real image file.
 * Its queue notifications reach the device either as MMIO exits (dispatched through a
 * bus) or, as a VMM would do it, through a KVM ioeventfd that an event loop thread turns
 * into vdev_virtio_mmio_process_queue() while the vCPU spins on the used ring. The
 * device's interrupt goes to KVM_IRQ_LINE of an in-kernel irqchip.
 */
#define _GNU_SOURCE
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
#include <sys/mman.h>
#include <unistd.h>

extern const unsigned char virtio_guest_x86_start[], virtio_guest_x86_end[];

#define MEM_SIZE 0x10000u
#define ENTRY 0x1000u
#define VIRTIO_BASE 0x10000u
#define DONE_PORT 0x501
#define IRQ_LINE 5

struct kvm_irq {
	int vm;
	int calls;
	int failures;
	int level;
};

static int irq_set(void *ctx, uint32_t line, int level)
{
	struct kvm_irq *k = ctx;
	struct kvm_irq_level l = {.irq = line, .level = (uint32_t)level};
	k->calls++;
	if (ioctl(k->vm, KVM_IRQ_LINE, &l) < 0) {
		k->failures++;
		return -errno;
	}
	k->level = level;
	return 0;
}

static int irq_up(void *ctx, uint32_t line)
{
	return irq_set(ctx, line, 1);
}

static int irq_down(void *ctx, uint32_t line)
{
	return irq_set(ctx, line, 0);
}

struct loop {
	struct vdev_virtio_mmio *dev;
	int efd;
	atomic_bool stop;
	int wakeups;
	int errors;
};

static void *event_loop(void *arg)
{
	struct loop *l = arg;
	while (!atomic_load(&l->stop)) {
		struct pollfd p = {.fd = l->efd, .events = POLLIN};
		if (poll(&p, 1, 20) <= 0)
			continue;
		uint64_t n;
		if (read(l->efd, &n, sizeof(n)) != sizeof(n))
			continue;
		l->wakeups++;
		if (vdev_virtio_mmio_process_queue(l->dev, 0) < 0)
			l->errors++;
	}
	return NULL;
}

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 13 + 1);
}

static void run_guest(bool use_ioeventfd)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		cr_skip_test("no /dev/kvm: %s", strerror(errno));
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	cr_assert_geq(vm, 0, "KVM_CREATE_VM: %s", strerror(errno));

	/* Guest RAM is a vm-memory map, registered with KVM region by region. */
	struct vmem_map *mem;
	struct vmem_region *region;
	cr_assert_eq(vmem_map_create(&mem), 0);
	struct vmem_region_options ro = {.gpa = 0, .size = MEM_SIZE, .flags = VMEM_REGION_SHARED};
	cr_assert_eq(vmem_map_add(mem, &ro, &region), 0);
	struct vmem_region_info ri;
	vmem_region_get_info(region, &ri);
	struct kvm_userspace_memory_region kr = {.slot = ri.slot,
						 .guest_phys_addr = ri.gpa,
						 .memory_size = ri.size,
						 .userspace_addr = (uintptr_t)ri.host};
	cr_assert_eq(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &kr), 0);
	cr_assert_eq(vmem_write(mem, ENTRY, virtio_guest_x86_start,
				(size_t)(virtio_guest_x86_end - virtio_guest_x86_start)),
		     0);
	cr_assert_eq(ioctl(vm, KVM_CREATE_IRQCHIP, 0), 0, "KVM_CREATE_IRQCHIP: %s",
		     strerror(errno));

	/* The image: 8 sectors of a known pattern. */
	char path[] = "/tmp/cvmm-virtio-kvm-XXXXXX";
	int img = mkstemp(path);
	cr_assert_geq(img, 0);
	uint8_t sectors[4096];
	for (unsigned i = 0; i < sizeof(sectors); i++)
		sectors[i] = pattern(i);
	cr_assert_eq(pwrite(img, sectors, sizeof(sectors), 0), (ssize_t)sizeof(sectors));

	struct vdev_virtio_blk *blk;
	struct vdev_virtio_blk_config bc = {.path = path};
	cr_assert_eq(vdev_virtio_blk_create(&bc, &blk), 0);
	struct kvm_irq kirq = {.vm = vm};
	struct vdev_virtio_mmio_config mc = {
		.mem = mem,
		.irq = {.assert_line = irq_up, .deassert_line = irq_down, .ctx = &kirq,
			.line = IRQ_LINE},
		.device = *vdev_virtio_blk_device(blk)};
	struct vdev_virtio_mmio *dev;
	cr_assert_eq(vdev_virtio_mmio_create(&mc, &dev), 0);
	struct vdev_bus *bus;
	cr_assert_eq(vdev_bus_create(&bus), 0);
	cr_assert_eq(
		vdev_bus_insert(bus, VIRTIO_BASE, VDEV_VIRTIO_MMIO_SIZE, vdev_virtio_mmio_ops(), dev),
		0);

	struct loop loop = {.dev = dev, .efd = -1};
	pthread_t loop_thread;
	if (use_ioeventfd) {
		loop.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		cr_assert_geq(loop.efd, 0);
		struct kvm_ioeventfd io = {.datamatch = 0,
					   .addr = VIRTIO_BASE + VDEV_VIRTIO_MMIO_QUEUE_NOTIFY,
					   .len = 4,
					   .fd = loop.efd,
					   .flags = KVM_IOEVENTFD_FLAG_DATAMATCH};
		if (ioctl(vm, KVM_IOEVENTFD, &io) < 0)
			cr_skip_test("KVM_IOEVENTFD: %s", strerror(errno));
		cr_assert_eq(pthread_create(&loop_thread, NULL, event_loop, &loop), 0);
	}

	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	cr_assert_geq(vcpu, 0);
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	cr_assert_gt(run_size, 0);
	struct kvm_run *run =
		mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	cr_assert_neq(run, MAP_FAILED);
	struct kvm_sregs sregs;
	cr_assert_eq(ioctl(vcpu, KVM_GET_SREGS, &sregs), 0);
	struct kvm_segment *segs[] = {&sregs.cs, &sregs.ds, &sregs.es,
				      &sregs.fs, &sregs.gs, &sregs.ss};
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		segs[i]->base = 0;
		segs[i]->selector = 0;
	}
	cr_assert_eq(ioctl(vcpu, KVM_SET_SREGS, &sregs), 0);
	struct kvm_regs regs = {.rip = ENTRY, .rflags = 2, .rsp = 0x8000};
	cr_assert_eq(ioctl(vcpu, KVM_SET_REGS, &regs), 0);

	int mmio_exits = 0;
	int notify_exits = 0;
	for (;;) {
		cr_assert_eq(ioctl(vcpu, KVM_RUN, 0), 0, "KVM_RUN: %s", strerror(errno));
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == DONE_PORT)
			break;
		cr_assert_eq(run->exit_reason, KVM_EXIT_MMIO, "unexpected exit %u",
			     run->exit_reason);
		mmio_exits++;
		if (run->mmio.phys_addr == VIRTIO_BASE + VDEV_VIRTIO_MMIO_QUEUE_NOTIFY)
			notify_exits++;
		int r = run->mmio.is_write
				? vdev_bus_write(bus, run->mmio.phys_addr, run->mmio.data,
						 run->mmio.len)
				: vdev_bus_read(bus, run->mmio.phys_addr, run->mmio.data,
						run->mmio.len);
		cr_assert_eq(r, 0, "mmio 0x%llx: %d", (unsigned long long)run->mmio.phys_addr, r);
	}
	if (use_ioeventfd) {
		atomic_store(&loop.stop, true);
		pthread_join(loop_thread, NULL);
		cr_expect_eq(notify_exits, 0, "notifications went to the eventfd");
		cr_expect_geq(loop.wakeups, 1);
		cr_expect_eq(loop.errors, 0);
	} else {
		cr_expect_eq(notify_exits, 2);
	}

	/* What the guest driver saw. */
	uint32_t magic, id, status, isr, isr_after;
	uint8_t st1, st2;
	vmem_read_u32_le(mem, 0x3000, &magic);
	vmem_read_u32_le(mem, 0x3004, &id);
	vmem_read_u32_le(mem, 0x3008, &status);
	vmem_read_u32_le(mem, 0x300c, &isr);
	vmem_read_u32_le(mem, 0x3014, &isr_after);
	vmem_read_u8(mem, 0x3010, &st1);
	vmem_read_u8(mem, 0x3011, &st2);
	cr_expect_eq(magic, VDEV_VIRTIO_MMIO_MAGIC);
	cr_expect_eq(id, VDEV_VIRTIO_ID_BLOCK);
	cr_expect_eq(status, 0xb, "FEATURES_OK accepted");
	cr_expect_eq(st1, VDEV_VIRTIO_BLK_S_OK, "read request status");
	cr_expect_eq(st2, VDEV_VIRTIO_BLK_S_OK, "write request status");
	cr_expect_eq(isr, VDEV_VIRTIO_INT_VRING);
	cr_expect_eq(isr_after, 0);
	cr_expect_eq(vdev_virtio_mmio_status(dev), 0xf);
	cr_expect_gt(mmio_exits, 20);

	/* Sector 1 reached guest memory; the guest's sector 2 reached the file. */
	uint8_t got[512];
	vmem_read(mem, 0x6000, got, sizeof(got));
	cr_expect_arr_eq(got, sectors + 512, sizeof(got));
	uint8_t want[512];
	memset(want, 0xa5, sizeof(want));
	cr_assert_eq(pread(img, got, sizeof(got), 1024), (ssize_t)sizeof(got));
	cr_expect_arr_eq(got, want, sizeof(got));
	cr_assert_eq(pread(img, got, sizeof(got), 1536), (ssize_t)sizeof(got));
	cr_expect_arr_eq(got, sectors + 1536, sizeof(got), "sector 3 untouched");

	/* The interrupt went to the irqchip: raised per completion, lowered by the ACK. */
	cr_expect_eq(kirq.failures, 0);
	cr_expect_geq(kirq.calls, 2);
	cr_expect_eq(kirq.level, 0);

	munmap(run, (size_t)run_size);
	close(vcpu);
	vdev_bus_destroy(bus);
	vdev_virtio_mmio_destroy(dev);
	vdev_virtio_blk_destroy(blk);
	if (loop.efd >= 0)
		close(loop.efd);
	close(vm);
	vmem_map_destroy(mem);
	close(kvm);
	close(img);
	unlink(path);
}

Test(virtio_kvm, blk_driver_notifies_by_mmio_exit, .timeout = 120)
{
	run_guest(false);
}

Test(virtio_kvm, blk_driver_notifies_through_ioeventfd, .timeout = 120)
{
	run_guest(true);
}
