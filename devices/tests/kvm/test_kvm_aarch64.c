/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The devices on real arm64 KVM (inside the emulated arm64 host): a guest's MMIO exits
 * dispatched through a bus to a 16550 with reg-shift 2 and a PL031 whose alarm the guest
 * sets and waits for. Plain ioctls, so this test needs no other library.
 */
#define _GNU_SOURCE
#include <cvmm/devices.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

extern const unsigned char devices_guest_a64_start[], devices_guest_a64_end[];

#define RAM_BASE 0x40000000u
#define RAM_SIZE 0x10000u
#define UART_BASE 0x09000000u
#define RTC_BASE 0x09010000u
#define DONE_ADDR 0x0a000000u

#define CORE_REG(name)                                                                             \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |                                     \
	 (offsetof(struct kvm_regs, name) / sizeof(uint32_t)))

static uint64_t get_reg(int vcpu, uint64_t id)
{
	uint64_t v = 0;
	struct kvm_one_reg r = {.id = id, .addr = (uintptr_t)&v};
	cr_assert_eq(ioctl(vcpu, KVM_GET_ONE_REG, &r), 0, "KVM_GET_ONE_REG: %s", strerror(errno));
	return v;
}

struct timer_log {
	int calls;
	int64_t last;
};

static void timer_changed(void *ctx, int64_t deadline)
{
	struct timer_log *t = ctx;
	t->calls++;
	t->last = deadline;
}

Test(devices_kvm, arm64_mmio_guest, .timeout = 60)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		cr_skip_test("no /dev/kvm: %s", strerror(errno));
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	cr_assert_geq(vm, 0, "KVM_CREATE_VM: %s", strerror(errno));
	void *mem = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(mem, MAP_FAILED);
	memcpy(mem, devices_guest_a64_start,
	       (size_t)(devices_guest_a64_end - devices_guest_a64_start));
	struct kvm_userspace_memory_region region = {.slot = 0,
	                                             .guest_phys_addr = RAM_BASE,
	                                             .memory_size = RAM_SIZE,
	                                             .userspace_addr = (uintptr_t)mem};
	cr_assert_eq(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region), 0);

	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	cr_assert_geq(vcpu, 0);
	struct kvm_vcpu_init init;
	cr_assert_eq(ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init), 0);
	cr_assert_eq(ioctl(vcpu, KVM_ARM_VCPU_INIT, &init), 0, "VCPU_INIT: %s", strerror(errno));
	uint64_t pc = RAM_BASE;
	struct kvm_one_reg pcreg = {.id = CORE_REG(regs.pc), .addr = (uintptr_t)&pc};
	cr_assert_eq(ioctl(vcpu, KVM_SET_ONE_REG, &pcreg), 0);
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	cr_assert_gt(run_size, 0);
	struct kvm_run *run =
	    mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	cr_assert_neq(run, MAP_FAILED);

	int out[2];
	cr_assert_eq(pipe2(out, O_NONBLOCK), 0);
	struct vdev_uart_config ucfg = {.out_fd = out[1], .reg_shift = 2};
	struct vdev_uart *uart;
	cr_assert_eq(vdev_uart_create(&ucfg, &uart), 0);
	struct timer_log tl = {0};
	struct vdev_rtc_config rcfg = {.timer_changed = timer_changed, .timer_ctx = &tl};
	struct vdev_rtc *rtc;
	cr_assert_eq(vdev_rtc_create(&rcfg, &rtc), 0);
	struct vdev_bus *mmio;
	cr_assert_eq(vdev_bus_create(&mmio), 0);
	cr_assert_eq(vdev_bus_insert(mmio, UART_BASE, VDEV_UART_REGS << 2, vdev_uart_ops(), uart),
	             0);
	cr_assert_eq(vdev_bus_insert(mmio, RTC_BASE, VDEV_RTC_SIZE, vdev_rtc_ops(), rtc), 0);

	long exits = 0;
	for (;;) {
		cr_assert_eq(ioctl(vcpu, KVM_RUN, 0), 0, "KVM_RUN: %s", strerror(errno));
		cr_assert_eq(run->exit_reason, KVM_EXIT_MMIO, "exit %u", run->exit_reason);
		exits++;
		if (run->mmio.phys_addr == DONE_ADDR)
			break;
		int r =
		    run->mmio.is_write
			? vdev_bus_write(mmio, run->mmio.phys_addr, run->mmio.data, run->mmio.len)
			: vdev_bus_read(mmio, run->mmio.phys_addr, run->mmio.data, run->mmio.len);
		cr_assert_eq(r, 0, "mmio 0x%llx: %d", (unsigned long long)run->mmio.phys_addr, r);
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);

	char text[64] = {0};
	cr_assert_eq(read(out[0], text, sizeof(text) - 1), 17);
	cr_assert_str_eq(text, "hello from arm64\n");
	cr_assert_eq(get_reg(vcpu, CORE_REG(regs.regs[4])) & 0xffffffff, 0x60, "LSR");
	cr_assert_eq(get_reg(vcpu, CORE_REG(regs.regs[6])) & 0xffffffff, 0x31, "PeriphID0");
	uint32_t dr = (uint32_t)get_reg(vcpu, CORE_REG(regs.regs[7]));
	cr_assert((uint32_t)ts.tv_sec - dr <= 2, "RTCDR %u vs host %ld", dr, (long)ts.tv_sec);
	cr_assert_eq(get_reg(vcpu, CORE_REG(regs.regs[10])) & 1, 1, "the alarm was raised");
	cr_assert_eq(get_reg(vcpu, CORE_REG(regs.regs[11])), 0, "and cleared");
	/* The RTC asked for a timer at the whole second the guest named, then for none. */
	cr_assert_eq(tl.calls, 2);
	cr_assert_eq(tl.last, -1);
	cr_assert_geq((int64_t)ts.tv_sec, (int64_t)dr + 1);
	cr_log_info("%ld MMIO exits", exits);

	vdev_bus_destroy(mmio);
	vdev_uart_destroy(uart);
	vdev_rtc_destroy(rtc);
	close(out[0]);
	close(out[1]);
	munmap(run, (size_t)run_size);
	munmap(mem, RAM_SIZE);
	close(vcpu);
	close(vm);
	close(kvm);
}
