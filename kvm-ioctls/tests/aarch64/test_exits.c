/* SPDX-License-Identifier: Apache-2.0 */
/* Exits produced by aarch64 guests on real KVM (emulated arm64 host), decoded. */
#include "arm_guest.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <time.h>

PAYLOAD(arm_mmio);
PAYLOAD(arm_system_off);
PAYLOAD(arm_system_reset);
PAYLOAD(arm_suspend);
PAYLOAD(arm_dirty);
PAYLOAD(arm_ioeventfd);

static struct guest g;

static void teardown(void)
{
	guest_destroy(&g);
}

TestSuite(arm_exits, .fini = teardown, .timeout = 60);

/* Logs where the guest stands, for an exit that was not the one expected. */
static void log_guest_state(void)
{
	cr_log_error("pc %#llx x0 %#llx x1 %#llx x2 %#llx",
	             (unsigned long long)arm_reg(&g, KVMIO_ARM64_REG_PC),
	             (unsigned long long)arm_reg(&g, KVMIO_ARM64_REG_X(0)),
	             (unsigned long long)arm_reg(&g, KVMIO_ARM64_REG_X(1)),
	             (unsigned long long)arm_reg(&g, KVMIO_ARM64_REG_X(2)));
}

static void expect_mmio(struct kvmio_exit *e, uint64_t off, uint32_t len, bool write)
{
	guest_run(&g, e);
	if (e->kind != KVMIO_EXIT_MMIO)
		log_guest_state();
	assert_exit(e, KVMIO_EXIT_MMIO);
	cr_assert_eq(e->reason, KVM_EXIT_MMIO);
	cr_assert_eq(e->mmio.addr, ARM_MMIO + off, "addr 0x%llx", (unsigned long long)e->mmio.addr);
	cr_assert_eq(e->mmio.len, len);
	cr_assert_eq(e->mmio.is_write, write);
}

static void expect_system_event(struct kvmio_exit *e, enum kvmio_system_event_type type)
{
	guest_run(&g, e);
	assert_exit(e, KVMIO_EXIT_SYSTEM_EVENT);
	cr_assert_eq(e->reason, KVM_EXIT_SYSTEM_EVENT);
	cr_assert_eq(e->system_event.type, type, "type %s (%u)",
	             kvmio_system_event_name(e->system_event.type), e->system_event.raw_type);
	cr_assert_eq(e->system_event.raw_type, (uint32_t)type);
}

Test(arm_exits, mmio_write_and_read_each_size)
{
	struct kvmio_exit e;
	uint64_t v = 0;
	ARM_GUEST(&g, arm_mmio);
	expect_mmio(&e, 0, 1, true);
	cr_assert_eq(e.mmio.data[0], 0xcd);
	expect_mmio(&e, 2, 2, true);
	memcpy(&v, e.mmio.data, 2);
	cr_assert_eq(v, 0xabcd);
	expect_mmio(&e, 4, 4, true);
	memcpy(&v, e.mmio.data, 4);
	cr_assert_eq(v, 0x1234abcd);
	expect_mmio(&e, 8, 8, true);
	memcpy(&v, e.mmio.data, 8);
	cr_assert_eq(v, 0x0123456789abcdefull);

	expect_mmio(&e, 16, 1, false);
	cr_assert_eq(kvmio_vcpu_complete_mmio_read(g.vcpu, "\x81\x00", 2), -EINVAL);
	cr_assert_eq(kvmio_vcpu_complete_mmio_read(g.vcpu, "\x81", 1), 0);
	expect_mmio(&e, 18, 2, false);
	cr_assert_eq(kvmio_vcpu_complete_mmio_read(g.vcpu, "\x02\x80", 2), 0);
	expect_mmio(&e, 20, 4, false);
	cr_assert_eq(kvmio_vcpu_complete_mmio_read(g.vcpu, "\x04\x03\x02\x81", 4), 0);
	expect_mmio(&e, 24, 8, false);
	uint64_t q = 0xfedcba9876543210ull;
	memcpy(e.mmio.data, &q, 8); /* completing through the exit's pointer */
	expect_system_event(&e, KVMIO_SYSTEM_EVENT_SHUTDOWN);
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_X(4)), 0x81);
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_X(5)), 0x8002);
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_X(6)), 0x81020304);
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_X(7)), q);
}

Test(arm_exits, psci_system_off_is_shutdown)
{
	struct kvmio_exit e;
	ARM_GUEST(&g, arm_system_off);
	expect_system_event(&e, KVMIO_SYSTEM_EVENT_SHUTDOWN);
	cr_assert_str_eq(kvmio_system_event_name(e.system_event.type), "shutdown");
	/* ndata is 1 with the PSCI flags word on kernels with KVM_CAP_SYSTEM_EVENT_DATA. */
	cr_assert_leq(e.system_event.ndata, 16);
}

Test(arm_exits, psci_system_reset_is_reset)
{
	struct kvmio_exit e;
	ARM_GUEST(&g, arm_system_reset);
	expect_system_event(&e, KVMIO_SYSTEM_EVENT_RESET);
	cr_assert_str_eq(kvmio_system_event_name(e.system_event.type), "reset");
}

/* Runs the suspend payload to its PSCI_FEATURES answer. A vGIC given (gic >= 0) is
   initialised once the vCPU exists, before it runs: a vGICv3 must be (KVM_RUN: EBUSY). */
static void run_suspend_payload_gic(struct kvmio_exit *e, bool cap, int gic)
{
	if (cap) {
		int r = kvmio_vm_check_extension(g.vm, KVM_CAP_ARM_SYSTEM_SUSPEND);
		cr_assert_eq(r, 1, "KVM_CAP_ARM_SYSTEM_SUSPEND: %d", r);
		cr_assert_eq(kvmio_vm_enable_cap(g.vm, KVM_CAP_ARM_SYSTEM_SUSPEND, 0), 0);
	}
	arm_guest_vcpu(&g, arm_suspend_start, arm_suspend_end);
	cr_assert_eq(kvmio_vcpu_set_reg(g.vcpu, KVMIO_ARM64_REG_X(19), ARM_RAM + 0x800), 0);
	if (gic >= 0)
		cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_CTRL,
		                                   KVM_DEV_ARM_VGIC_CTRL_INIT, NULL),
		             0);
	/* PSCI_FEATURES(SYSTEM_SUSPEND): 0 with the cap, NOT_SUPPORTED (-1) without. */
	expect_mmio(e, 0, 8, true);
	int64_t features;
	memcpy(&features, e->mmio.data, 8);
	cr_assert_eq(features, cap ? 0 : -1);
}

static void run_suspend_payload(struct kvmio_exit *e, bool cap)
{
	run_suspend_payload_gic(e, cap, -1);
}

Test(arm_exits, psci_system_suspend_with_cap)
{
	struct kvmio_exit e;
	arm_guest_vm(&g);
	run_suspend_payload(&e, true);
	expect_system_event(&e, KVMIO_SYSTEM_EVENT_SUSPEND);
	cr_assert_str_eq(kvmio_system_event_name(e.system_event.type), "suspend");
	/* KVM leaves the call to the VMM: registers as the guest set them. */
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_X(0)), PSCI_SYSTEM_SUSPEND64_ID);
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_X(1)), ARM_RAM + 0x800);
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_X(2)), SUSPEND_CONTEXT);
}

Test(arm_exits, psci_system_suspend_without_cap_is_refused_in_kernel)
{
	struct kvmio_exit e;
	arm_guest_vm(&g);
	run_suspend_payload(&e, false);
	/* No exit: the guest gets NOT_SUPPORTED and stores it. */
	expect_mmio(&e, 8, 8, true);
	int64_t ret;
	memcpy(&ret, e.mmio.data, 8);
	cr_assert_eq(ret, -1);
}

/* vGIC layout for the wake-up test: GICv2 CPU interface or GICv3 redistributors. */
#define GICD_BASE 0x08000000ull
#define GICC_BASE 0x08010000ull
#define GICR_BASE 0x080a0000ull
#define WAKE_SPI 5
/* A GICv3 CPU interface register for KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS (vCPU 0). */
#define ICC_SYSREG(op0, op1, crn, crm, op2)                                                        \
	((uint64_t)(((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2)))
#define ICC_PMR_EL1_ATTR ICC_SYSREG(3, 0, 4, 6, 0)
#define ICC_IGRPEN1_EL1_ATTR ICC_SYSREG(3, 0, 12, 12, 7)

static void *raise_spi_later(void *arg)
{
	struct timespec ts = {.tv_nsec = 100 * 1000 * 1000};
	nanosleep(&ts, NULL);
	*(int *)arg = kvmio_vm_irq_line(g.vm, KVMIO_ARM_IRQ_SPI(WAKE_SPI), 1);
	return NULL;
}

static void gicd_write(int gic, uint64_t offset, uint32_t value)
{
	int r = kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, offset, &value);
	cr_assert_eq(r, 0, "GICD 0x%llx: %s", (unsigned long long)offset, strerror(-r));
}

/* Creates the vGIC the host offers (v2, else v3) at the layout above. Returns its fd. */
static int create_wake_gic(int *version)
{
	uint64_t dist = GICD_BASE, cpu = GICC_BASE, redist = GICR_BASE;
	uint32_t nr_irqs = 64;
	int gic = kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V2, false);

	*version = 2;
	if (gic == -ENODEV) {
		*version = 3;
		gic = kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V3, false);
	}
	cr_assert_geq(gic, 0, "create a vGIC: %s", strerror(-gic));
	cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
	                                   *version == 2 ? KVM_VGIC_V2_ADDR_TYPE_DIST
	                                                 : KVM_VGIC_V3_ADDR_TYPE_DIST,
	                                   &dist),
	             0);
	cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
	                                   *version == 2 ? KVM_VGIC_V2_ADDR_TYPE_CPU
	                                                 : KVM_VGIC_V3_ADDR_TYPE_REDIST,
	                                   *version == 2 ? &cpu : &redist),
	             0);
	cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs), 0);
	return gic;
}

/* What a guest would do to accept the SPI: distributor on, the SPI enabled and routed to
   CPU 0, and a priority mask that lets it through. */
static void accept_wake_spi(int gic, int version)
{
	unsigned irq = 32 + WAKE_SPI;

	gicd_write(gic, 0x100 + irq / 32 * 4, 1u << (irq % 32)); /* GICD_ISENABLERn */
	if (version == 2) {
		gicd_write(gic, 0x000, 1);                                   /* GICD_CTLR */
		gicd_write(gic, 0x800 + irq / 4 * 4, 1u << (8 * (irq % 4))); /* GICD_ITARGETSRn */
		uint32_t pmr = 0xf8;
		cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_CPU_REGS, 0x04, &pmr),
		             0);
		return;
	}
	gicd_write(gic, 0x000, 0x12);                            /* GICD_CTLR: ARE, group 1 */
	gicd_write(gic, 0x080 + irq / 32 * 4, 1u << (irq % 32)); /* GICD_IGROUPRn */
	gicd_write(gic, 0x6000 + irq * 8, 0);                    /* GICD_IROUTERn: CPU 0 */
	gicd_write(gic, 0x6000 + irq * 8 + 4, 0);
	uint64_t pmr = 0xf8, grpen1 = 1;
	cr_assert_eq(
	    kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, ICC_PMR_EL1_ATTR, &pmr),
	    0);
	cr_assert_eq(kvmio_device_set_attr(gic, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
	                                   ICC_IGRPEN1_EL1_ATTR, &grpen1),
	             0);
}

Test(arm_exits, wakeup_after_suspend_on_interrupt, .timeout = 30)
{
	struct kvmio_exit e;
	int version;
	arm_guest_vm(&g);
	int gic = create_wake_gic(&version);
	run_suspend_payload_gic(&e, true, gic);
	accept_wake_spi(gic, version);

	expect_system_event(&e, KVMIO_SYSTEM_EVENT_SUSPEND);
	/* The VMM honours the suspend: the vCPU sleeps in KVM_RUN until an interrupt. */
	cr_assert_eq(kvmio_vcpu_set_mp_state(g.vcpu, KVM_MP_STATE_SUSPENDED), 0);
	uint32_t st = 0;
	cr_assert_eq(kvmio_vcpu_get_mp_state(g.vcpu, &st), 0);
	cr_assert_eq(st, KVM_MP_STATE_SUSPENDED);
	int irq_result = 1;
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, raise_spi_later, &irq_result), 0);
	expect_system_event(&e, KVMIO_SYSTEM_EVENT_WAKEUP);
	pthread_join(t, NULL);
	cr_assert_eq(irq_result, 0);
	cr_assert_str_eq(kvmio_system_event_name(e.system_event.type), "wakeup");
	cr_log_info("woken through a vGICv%d", version);
	close(gic);
}

Test(arm_exits, immediate_exit)
{
	struct kvmio_exit e;
	ARM_GUEST(&g, arm_system_off);
	kvmio_vcpu_set_immediate_exit(g.vcpu, true);
	cr_assert(kvmio_vcpu_immediate_exit(g.vcpu));
	cr_assert_eq(kvmio_vcpu_run(g.vcpu, &e), 0);
	assert_exit(&e, KVMIO_EXIT_INTR);
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_PC), ARM_RAM, "the guest did not run");
	kvmio_vcpu_set_immediate_exit(g.vcpu, false);
	expect_system_event(&e, KVMIO_SYSTEM_EVENT_SHUTDOWN);
}

Test(arm_exits, run_before_init_fails)
{
	struct kvmio_exit e;
	arm_guest_vm(&g);
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &g.vcpu), 0);
	cr_assert_eq(kvmio_vcpu_run(g.vcpu, &e), -ENOEXEC);
}

Test(arm_exits, dirty_log)
{
	struct kvmio_exit e;
	guest_create_vm_at(&g, ARM_RAM, ARM_RAM_SIZE, KVM_MEM_LOG_DIRTY_PAGES);
	arm_guest_vcpu(&g, arm_dirty_start, arm_dirty_end);
	expect_system_event(&e, KVMIO_SYSTEM_EVENT_SHUTDOWN);
	uint64_t bitmap[1] = {0};
	size_t page = (size_t)getpagesize();
	cr_assert_eq(kvmio_vm_get_dirty_log(g.vm, 0, bitmap, sizeof(bitmap)), 0);
	cr_assert_neq(bitmap[0] & (1ull << (0x3000 / page)), 0, "bitmap 0x%llx",
	              (unsigned long long)bitmap[0]);
	cr_assert_neq(bitmap[0] & (1ull << (0x5000 / page)), 0, "bitmap 0x%llx",
	              (unsigned long long)bitmap[0]);
	cr_assert_eq(bitmap[0] & (1ull << (0x4000 / page)), 0, "bitmap 0x%llx",
	             (unsigned long long)bitmap[0]);
	cr_assert_eq(g.mem[0x3000], 1);
	cr_assert_eq(kvmio_vm_get_dirty_log(g.vm, 0, bitmap, sizeof(bitmap)), 0);
	cr_assert_eq(bitmap[0], 0, "read and reset: bitmap 0x%llx", (unsigned long long)bitmap[0]);
}

static uint64_t eventfd_count(int fd)
{
	uint64_t v = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (poll(&p, 1, 0) == 1)
		cr_assert_eq(read(fd, &v, sizeof(v)), (ssize_t)sizeof(v));
	return v;
}

Test(arm_exits, ioeventfd_mmio_datamatch)
{
	struct kvmio_exit e;
	ARM_GUEST(&g, arm_ioeventfd);
	int match_fd = eventfd(0, EFD_NONBLOCK), any_fd = eventfd(0, EFD_NONBLOCK);
	uint64_t match = 0x42;
	cr_assert_eq(
	    kvmio_vm_ioeventfd(g.vm, match_fd, KVMIO_IOEVENT_MMIO, ARM_MMIO + 0x100, 4, &match), 0);
	cr_assert_eq(
	    kvmio_vm_ioeventfd(g.vm, any_fd, KVMIO_IOEVENT_MMIO, ARM_MMIO + 0x200, 4, NULL), 0);
	/* 0x41 does not match: an ordinary MMIO exit. */
	expect_mmio(&e, 0x100, 4, true);
	cr_assert_eq(e.mmio.data[0], 0x41);
	cr_assert_eq(eventfd_count(match_fd), 0);
	/* The two others signal their eventfds without exits. */
	expect_system_event(&e, KVMIO_SYSTEM_EVENT_SHUTDOWN);
	cr_assert_eq(eventfd_count(match_fd), 1);
	cr_assert_eq(eventfd_count(any_fd), 1);
	cr_assert_eq(kvmio_vm_ioeventfd_remove(g.vm, match_fd, KVMIO_IOEVENT_MMIO, ARM_MMIO + 0x100,
	                                       4, &match),
	             0);
	close(match_fd);
	close(any_fd);
}

Test(arm_exits, single_step_debug_exit)
{
	struct kvmio_exit e;
	ARM_GUEST(&g, arm_system_off);
	struct kvm_guest_debug dbg = {.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP};
	cr_assert_eq(kvmio_vcpu_set_guest_debug(g.vcpu, &dbg), 0);
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_DEBUG);
	cr_assert_eq(e.reason, KVM_EXIT_DEBUG);
	/* ESR_EL2.EC 0x32: software step from a lower exception level. */
	cr_assert_eq(e.debug.hsr >> 26, 0x32, "hsr 0x%x", e.debug.hsr);
	cr_assert_eq(arm_reg(&g, KVMIO_ARM64_REG_PC), ARM_RAM + 4);
	dbg.control = 0;
	cr_assert_eq(kvmio_vcpu_set_guest_debug(g.vcpu, &dbg), 0);
	expect_system_event(&e, KVMIO_SYSTEM_EVENT_SHUTDOWN);
}
