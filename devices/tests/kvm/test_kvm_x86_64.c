/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The devices on real KVM: a real-mode guest's port I/O and MMIO exits dispatched through
 * two buses to the UART, the i8042 and the PL031, and the UART's interrupt wired to
 * KVM_IRQ_LINE of an in-kernel irqchip. Plain ioctls, so this test needs no other library.
 */
#define _GNU_SOURCE
#include "../irq_recorder.h"
#include "x86_real_mode_vcpu.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

extern const unsigned char devices_guest_x86_start[], devices_guest_x86_end[];

#define MEM_SIZE 0x10000u
#define ENTRY 0x1000u
#define RTC_BASE 0x20000u

struct irq_via_kvm {
	int vm;
	int calls;
	int failures;
	int level;
};

static int kvm_line(struct irq_via_kvm *k, uint32_t line, int level)
{
	struct kvm_irq_level irq = {.irq = line, .level = (uint32_t)level};
	k->calls++;
	if (ioctl(k->vm, KVM_IRQ_LINE, &irq) < 0) {
		k->failures++;
		return -errno;
	}
	k->level = level;
	return 0;
}

static int kvm_assert(void *ctx, uint32_t line)
{
	return kvm_line(ctx, line, 1);
}

static int kvm_deassert(void *ctx, uint32_t line)
{
	return kvm_line(ctx, line, 0);
}

static void on_reset(void *ctx)
{
	(*(int *)ctx)++;
}

Test(devices_kvm, x86_real_mode_guest)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		cr_skip_test("no /dev/kvm: %s", strerror(errno));
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	cr_assert_geq(vm, 0, "KVM_CREATE_VM: %s", strerror(errno));

	void *mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(mem, MAP_FAILED);
	memcpy((char *)mem + ENTRY, devices_guest_x86_start,
	       (size_t)(devices_guest_x86_end - devices_guest_x86_start));
	struct kvm_userspace_memory_region region = {.slot = 0,
	                                             .guest_phys_addr = 0,
	                                             .memory_size = MEM_SIZE,
	                                             .userspace_addr = (uintptr_t)mem};
	cr_assert_eq(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region), 0);
	cr_assert_eq(ioctl(vm, KVM_CREATE_IRQCHIP, 0), 0, "KVM_CREATE_IRQCHIP: %s",
	             strerror(errno));

	struct x86_real_mode_vcpu v = x86_real_mode_vcpu_create(kvm, vm, ENTRY);
	int vcpu = v.fd;
	struct kvm_run *run = v.run;
	size_t run_size = v.run_size;

	/* The devices and their buses. */
	int out[2];
	cr_assert_eq(pipe2(out, O_NONBLOCK), 0);
	struct irq_via_kvm uirq = {.vm = vm};
	struct vdev_uart_config ucfg = {
	    .out_fd = out[1],
	    .irq = {
		.assert_line = kvm_assert, .deassert_line = kvm_deassert, .ctx = &uirq, .line = 4}};
	struct vdev_uart *uart;
	cr_assert_eq(vdev_uart_create(&ucfg, &uart), 0);
	int resets = 0;
	struct vdev_i8042_config kcfg = {.reset = on_reset, .reset_ctx = &resets};
	struct vdev_i8042 *kbd;
	cr_assert_eq(vdev_i8042_create(&kcfg, &kbd), 0);
	struct vdev_rtc_config rcfg = {0};
	struct vdev_rtc *rtc;
	cr_assert_eq(vdev_rtc_create(&rcfg, &rtc), 0);

	struct vdev_bus *pio, *mmio;
	cr_assert_eq(vdev_bus_create(&pio), 0);
	cr_assert_eq(vdev_bus_create(&mmio), 0);
	cr_assert_eq(vdev_bus_insert(pio, 0x3f8, VDEV_UART_REGS, vdev_uart_ops(), uart), 0);
	cr_assert_eq(vdev_bus_insert(pio, VDEV_I8042_BASE, VDEV_I8042_SIZE, vdev_i8042_ops(), kbd),
	             0);
	cr_assert_eq(vdev_bus_insert(mmio, RTC_BASE, VDEV_RTC_SIZE, vdev_rtc_ops(), rtc), 0);

	int io_exits = 0, mmio_exits = 0;
	for (;;) {
		cr_assert_eq(ioctl(vcpu, KVM_RUN, 0), 0, "KVM_RUN: %s", strerror(errno));
		if (run->exit_reason == KVM_EXIT_IO) {
			uint8_t *data = (uint8_t *)run + run->io.data_offset;
			io_exits++;
			for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
				int r = run->io.direction == KVM_EXIT_IO_OUT
				            ? vdev_bus_write(pio, run->io.port, data, run->io.size)
				            : vdev_bus_read(pio, run->io.port, data, run->io.size);
				cr_assert_eq(r, 0, "port 0x%x: %d", run->io.port, r);
			}
			/* With an in-kernel irqchip HLT does not exit: the reset ends the run. */
			if (resets)
				break;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_MMIO) {
			int r = run->mmio.is_write ? vdev_bus_write(mmio, run->mmio.phys_addr,
			                                            run->mmio.data, run->mmio.len)
			                           : vdev_bus_read(mmio, run->mmio.phys_addr,
			                                           run->mmio.data, run->mmio.len);
			mmio_exits++;
			cr_assert_eq(r, 0, "mmio 0x%llx: %d",
			             (unsigned long long)run->mmio.phys_addr, r);
			continue;
		}
		cr_assert_fail("unexpected exit %u", run->exit_reason);
	}
	time_t now = time(NULL);

	char text[64] = {0};
	cr_assert_eq(read(out[0], text, sizeof(text) - 1), 21);
	cr_assert_str_eq(text, "hello from the guest\n");
	struct kvm_regs regs;
	cr_assert_eq(ioctl(vcpu, KVM_GET_REGS, &regs), 0);
	cr_assert_eq(regs.rbx & 0xff, 0x60, "LSR: THRE and TEMT");
	cr_assert_eq((regs.rbx >> 8) & 0xff, 0x14, "i8042 status: not inhibited, system flag");
	cr_assert_eq(regs.rcx & 0xffffffff, 0x31, "PL031 PeriphID0");
	/* time() may read the coarse clock, a few ms behind the RTC's: DR may be one ahead. */
	int64_t behind = (int64_t)(uint32_t)now - (int64_t)(uint32_t)regs.rdi;
	cr_assert(behind >= -1 && behind <= 2, "RTCDR %u vs host %u", (uint32_t)regs.rdi,
	          (uint32_t)now);
	cr_assert_eq(resets, 1, "0xFE on port 0x64 reported a reset");
	cr_assert_eq(mmio_exits, 2);
	cr_assert_gt(io_exits, 4);
	cr_assert_eq(uirq.calls, 1, "the THRE interrupt asserted IRQ 4 once");
	cr_assert_eq(uirq.failures, 0, "KVM_IRQ_LINE accepted it");
	cr_assert_eq(uirq.level, 1);

	vdev_bus_destroy(pio);
	vdev_bus_destroy(mmio);
	vdev_uart_destroy(uart);
	vdev_i8042_destroy(kbd);
	vdev_rtc_destroy(rtc);
	close(out[0]);
	close(out[1]);
	munmap(run, run_size);
	munmap(mem, MEM_SIZE);
	close(vcpu);
	close(vm);
	close(kvm);
}
