/* SPDX-License-Identifier: Apache-2.0 */
/* x86_64 system and VM calls on real KVM: lists, memory flags, dirty log, irqchip, eventfds. */
#include "real_mode.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>

PAYLOAD(x86_dirty);
PAYLOAD(x86_readonly);
PAYLOAD(x86_ioeventfd);

static struct guest g;

static void teardown(void)
{
	guest_destroy(&g);
}

TestSuite(x86_vm, .fini = teardown, .timeout = 60);

Test(x86_vm, supported_and_emulated_cpuid)
{
	g.sys = open_system_or_skip();
	struct kvm_cpuid_entry2 *e = calloc(256, sizeof(*e));
	int n = kvmio_system_get_supported_cpuid(g.sys, e, 256, NULL);
	cr_assert_gt(n, 1, "supported cpuid: %d", n);
	bool leaf0 = false, leaf1 = false;
	for (int i = 0; i < n; i++) {
		leaf0 |= e[i].function == 0;
		leaf1 |= e[i].function == 1;
	}
	cr_assert(leaf0 && leaf1);
	/* Too small a buffer for the list. */
	size_t needed = 99;
	cr_assert_eq(kvmio_system_get_supported_cpuid(g.sys, e, 1, &needed), -E2BIG);
	cr_assert(needed == 0 || needed > 1);
	cr_assert_eq(kvmio_system_get_supported_cpuid(g.sys, NULL, 4, NULL), -EINVAL);
	int m = kvmio_system_get_emulated_cpuid(g.sys, e, 256, NULL);
	cr_assert_geq(m, 0, "emulated cpuid: %d", m);
	free(e);
}

Test(x86_vm, msr_lists)
{
	g.sys = open_system_or_skip();
	uint32_t idx[1024];
	int n = kvmio_system_get_msr_index_list(g.sys, idx, 1024, NULL);
	cr_assert_gt(n, 1);
	bool tsc = false;
	for (int i = 0; i < n; i++)
		tsc |= idx[i] == 0x10; /* IA32_TIME_STAMP_COUNTER */
	cr_assert(tsc);
	size_t needed = 0;
	cr_assert_eq(kvmio_system_get_msr_index_list(g.sys, idx, 1, &needed), -E2BIG);
	cr_assert_eq(needed, (size_t)n, "kernel reported %zu of %d", needed, n);
	int f = kvmio_system_get_msr_feature_index_list(g.sys, idx, 1024, NULL);
	cr_assert_geq(f, 0);
	if (f > 0) {
		struct kvm_msr_entry me = {.index = idx[0]};
		cr_assert_eq(kvmio_system_get_feature_msrs(g.sys, &me, 1), 1);
	}
}

Test(x86_vm, dirty_log)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_dirty, KVM_MEM_LOG_DIRTY_PAGES);
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_HLT);
	uint64_t bitmap[1] = {0};
	cr_assert_eq(kvmio_vm_get_dirty_log(g.vm, 0, bitmap, 4), -ENOBUFS);
	cr_assert_eq(kvmio_vm_get_dirty_log(g.vm, 0, bitmap, sizeof(bitmap)), 0);
	cr_assert(bitmap[0] & (1u << 3), "bitmap 0x%llx", (unsigned long long)bitmap[0]);
	cr_assert(bitmap[0] & (1u << 5), "bitmap 0x%llx", (unsigned long long)bitmap[0]);
	cr_assert_not(bitmap[0] & (1u << 4), "bitmap 0x%llx", (unsigned long long)bitmap[0]);
	/* Reading the log reset it. */
	cr_assert_eq(kvmio_vm_get_dirty_log(g.vm, 0, bitmap, sizeof(bitmap)), 0);
	cr_assert_eq(bitmap[0], 0, "bitmap 0x%llx", (unsigned long long)bitmap[0]);
}

Test(x86_vm, clear_dirty_log_with_manual_protect)
{
	struct kvmio_exit e;
	g.sys = open_system_or_skip();
	cr_assert_eq(kvmio_system_create_vm(g.sys, 0, &g.vm), 0);
	int caps = kvmio_vm_check_extension(g.vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);
	if (caps <= 0)
		cr_skip_test("KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 unsupported");
	cr_assert_eq(kvmio_vm_enable_cap(g.vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
	                                 KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE),
	             0);
	g.mem = mmap(NULL, RM_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	g.mem_size = RM_MEM_SIZE;
	cr_assert_eq(kvmio_vm_set_user_memory_region(g.vm, 0, KVM_MEM_LOG_DIRTY_PAGES, 0,
	                                             RM_MEM_SIZE, g.mem),
	             0);
	guest_load(&g, RM_ENTRY, x86_dirty_start, x86_dirty_end);
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &g.vcpu), 0);
	rm_vcpu_setup(g.vcpu);
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_HLT);
	uint64_t bitmap[1] = {0};
	cr_assert_eq(kvmio_vm_get_dirty_log(g.vm, 0, bitmap, sizeof(bitmap)), 0);
	cr_assert_eq(bitmap[0] & 0x28, 0x28, "bitmap 0x%llx", (unsigned long long)bitmap[0]);
	/* With manual protection, reading does not reset: the bits stay until cleared. */
	cr_assert_eq(kvmio_vm_get_dirty_log(g.vm, 0, bitmap, sizeof(bitmap)), 0);
	cr_assert_eq(bitmap[0] & 0x28, 0x28);
	uint64_t clear = 0x28;
	int pages = (int)(RM_MEM_SIZE / (uint64_t)getpagesize());
	cr_assert_eq(kvmio_vm_clear_dirty_log(g.vm, 0, 0, (uint32_t)pages, &clear), 0);
	cr_assert_eq(kvmio_vm_get_dirty_log(g.vm, 0, bitmap, sizeof(bitmap)), 0);
	cr_assert_eq(bitmap[0] & 0x28, 0, "bitmap 0x%llx", (unsigned long long)bitmap[0]);
	/* first_page must be a multiple of 64. */
	cr_assert_eq(kvmio_vm_clear_dirty_log(g.vm, 0, 1, 1, &clear), -EINVAL);
}

Test(x86_vm, readonly_slot_write_is_mmio)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_readonly, 0);
	if (kvmio_vm_check_extension(g.vm, KVM_CAP_READONLY_MEM) <= 0)
		cr_skip_test("KVM_CAP_READONLY_MEM unsupported");
	uint8_t *ro = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(ro, MAP_FAILED);
	ro[0] = 0x5a;
	cr_assert_eq(
	    kvmio_vm_set_user_memory_region(g.vm, 1, KVM_MEM_READONLY, 0x10000, 0x1000, ro), 0);
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_MMIO);
	cr_assert_eq(e.mmio.addr, 0x10000);
	cr_assert(e.mmio.is_write);
	cr_assert_eq(e.mmio.data[0], 0x77);
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_HLT);
	struct kvm_regs r;
	cr_assert_eq(kvmio_vcpu_get_regs(g.vcpu, &r), 0);
	cr_assert_eq(r.rbx & 0xff, 0x5a, "the read went to the slot");
	cr_assert_eq(ro[0], 0x5a, "the write did not reach memory");
	munmap(ro, 0x1000);
}

static uint64_t eventfd_count(int fd)
{
	uint64_t v = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (poll(&p, 1, 0) == 1)
		cr_assert_eq(read(fd, &v, sizeof(v)), (ssize_t)sizeof(v));
	return v;
}

Test(x86_vm, ioeventfd_pio_mmio_datamatch)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_ioeventfd, 0);
	int match_fd = eventfd(0, EFD_NONBLOCK), pio_fd = eventfd(0, EFD_NONBLOCK),
	    mmio_fd = eventfd(0, EFD_NONBLOCK);
	uint64_t match = 0x42;
	cr_assert_eq(kvmio_vm_ioeventfd(g.vm, match_fd, KVMIO_IOEVENT_PIO, 0x40, 1, &match), 0);
	cr_assert_eq(kvmio_vm_ioeventfd(g.vm, pio_fd, KVMIO_IOEVENT_PIO, 0x44, 1, NULL), 0);
	cr_assert_eq(kvmio_vm_ioeventfd(g.vm, mmio_fd, KVMIO_IOEVENT_MMIO, 0x20000, 4, NULL), 0);
	/* 0x41 does not match: an ordinary exit. */
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_IO);
	cr_assert_eq(e.io.port, 0x40);
	cr_assert_eq(e.io.data[0], 0x41);
	cr_assert_eq(eventfd_count(match_fd), 0);
	/* 0x42 to port 0x40, any value to 0x44, and the MMIO write: no exits until hlt. */
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_HLT);
	cr_assert_eq(eventfd_count(match_fd), 1);
	cr_assert_eq(eventfd_count(pio_fd), 1);
	cr_assert_eq(eventfd_count(mmio_fd), 1);
	cr_assert_eq(kvmio_vm_ioeventfd_remove(g.vm, match_fd, KVMIO_IOEVENT_PIO, 0x40, 1, &match),
	             0);
	cr_assert_eq(kvmio_vm_ioeventfd_remove(g.vm, pio_fd, KVMIO_IOEVENT_PIO, 0x44, 1, NULL), 0);
	cr_assert_eq(kvmio_vm_ioeventfd_remove(g.vm, mmio_fd, KVMIO_IOEVENT_MMIO, 0x20000, 4, NULL),
	             0);
	close(match_fd);
	close(pio_fd);
	close(mmio_fd);
}

Test(x86_vm, irqchip_pit_tss_identity_map)
{
	g.sys = open_system_or_skip();
	cr_assert_eq(kvmio_system_create_vm(g.sys, 0, &g.vm), 0);
	cr_assert_eq(kvmio_vm_set_identity_map_addr(g.vm, 0xfffbc000), 0);
	cr_assert_eq(kvmio_vm_set_tss_addr(g.vm, 0xfffbd000), 0);
	/* No irqchip yet: there is no line to raise. */
	cr_assert_eq(kvmio_vm_irq_line(g.vm, 4, 1), -ENXIO);
	cr_assert_eq(kvmio_vm_create_irqchip(g.vm), 0);
	cr_assert_eq(kvmio_vm_create_irqchip(g.vm), -EEXIST);
	cr_assert_eq(kvmio_vm_set_pit_reinject(g.vm, false), -ENXIO, "no PIT yet");
	cr_assert_eq(kvmio_vm_create_pit2(g.vm, KVM_PIT_SPEAKER_DUMMY), 0);
	cr_assert_eq(kvmio_vm_set_pit_reinject(g.vm, false), 0);
	cr_assert_eq(kvmio_vm_set_pit_reinject(g.vm, true), 0);
	cr_assert_eq(kvmio_vm_set_pit_reinject(g.vm, false), 0);
	cr_assert_eq(kvmio_vm_create_pit2(g.vm, 0), -EEXIST);
	cr_assert_eq(kvmio_vm_irq_line(g.vm, 4, 1), 0);
	cr_assert_eq(kvmio_vm_irq_line(g.vm, 4, 0), 0);

	struct kvm_irqchip chip = {.chip_id = KVM_IRQCHIP_IOAPIC};
	cr_assert_eq(kvmio_vm_get_irqchip(g.vm, &chip), 0);
	chip.chip.ioapic.id = 5; /* the IOAPIC id register round-trips */
	cr_assert_eq(kvmio_vm_set_irqchip(g.vm, &chip), 0);
	struct kvm_irqchip back = {.chip_id = KVM_IRQCHIP_IOAPIC};
	cr_assert_eq(kvmio_vm_get_irqchip(g.vm, &back), 0);
	cr_assert_eq(back.chip.ioapic.id, 5);

	struct kvm_pit_state2 pit;
	cr_assert_eq(kvmio_vm_get_pit2(g.vm, &pit), 0);
	cr_assert_eq(kvmio_vm_set_pit2(g.vm, &pit), 0);

	struct kvm_clock_data clock = {0};
	cr_assert_eq(kvmio_vm_get_clock(g.vm, &clock), 0);
	struct kvm_clock_data set = {.clock = clock.clock + 1000000000ull};
	cr_assert_eq(kvmio_vm_set_clock(g.vm, &set), 0);
	cr_assert_eq(kvmio_vm_get_clock(g.vm, &clock), 0);
	cr_assert_geq(clock.clock, set.clock);
}

Test(x86_vm, irqfd_gsi_routing_msi)
{
	g.sys = open_system_or_skip();
	cr_assert_eq(kvmio_system_create_vm(g.sys, 0, &g.vm), 0);
	int efd = eventfd(0, EFD_NONBLOCK), rfd = eventfd(0, EFD_NONBLOCK);
	/* A resampling irqfd needs the in-kernel irqchip. */
	cr_assert_eq(kvmio_vm_irqfd(g.vm, efd, 5, rfd), -EINVAL);
	cr_assert_eq(kvmio_vm_create_irqchip(g.vm), 0);
	cr_assert_eq(kvmio_vm_irqfd(g.vm, efd, 5, rfd), 0);
	cr_assert_eq(kvmio_vm_irqfd(g.vm, efd, 5, -1), -EBUSY);
	uint64_t one = 1;
	cr_assert_eq(write(efd, &one, sizeof(one)), (ssize_t)sizeof(one));
	cr_assert_eq(kvmio_vm_irqfd_remove(g.vm, efd, 5), 0);
	cr_assert_eq(kvmio_vm_irqfd(g.vm, efd, 6, -1), 0);
	cr_assert_eq(kvmio_vm_irqfd_remove(g.vm, efd, 6), 0);

	struct kvm_irq_routing_entry r[2] = {
	    {.gsi = 4, .type = KVM_IRQ_ROUTING_IRQCHIP, .u.irqchip = {KVM_IRQCHIP_IOAPIC, 4}},
	    {.gsi = 24,
	     .type = KVM_IRQ_ROUTING_MSI,
	     .u.msi = {.address_lo = 0xfee00000, .data = 0x30}},
	};
	cr_assert_eq(kvmio_vm_set_gsi_routing(g.vm, r, 2), 0);
	cr_assert_eq(kvmio_vm_set_gsi_routing(g.vm, r, 4097), -EINVAL);
	struct kvm_irq_routing_entry bad = {.gsi = 1, .type = 0xdead};
	cr_assert_eq(kvmio_vm_set_gsi_routing(g.vm, &bad, 1), -EINVAL);
	cr_assert_eq(kvmio_vm_irq_line(g.vm, 4, 1), 0);

	struct kvmio_vcpu *v = NULL;
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &v), 0);
	struct kvm_msi msi = {.address_lo = 0xfee00000, .data = 0x31};
	int n = kvmio_vm_signal_msi(g.vm, &msi);
	cr_assert_geq(n, 0, "signal_msi: %d", n);
	cr_assert_eq(kvmio_vm_signal_msi(g.vm, NULL), -EINVAL);
	kvmio_vcpu_destroy(v);
	close(efd);
	close(rfd);
}

Test(x86_vm, devices_and_vcpu_attributes)
{
	g.sys = open_system_or_skip();
	cr_assert_eq(kvmio_system_create_vm(g.sys, 0, &g.vm), 0);
	/* A vGIC does not exist on x86. */
	cr_assert_eq(kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V2, true), -ENODEV);
	cr_assert_eq(kvmio_vm_create_device(g.vm, KVM_DEV_TYPE_ARM_VGIC_V2, false), -ENODEV);
	/* Attributes on a vCPU fd: the TSC offset (KVM_VCPU_TSC_CTRL). */
	cr_assert_eq(kvmio_vm_create_vcpu(g.vm, 0, &g.vcpu), 0);
	int fd = kvmio_vcpu_fd(g.vcpu);
	int has = kvmio_device_has_attr(fd, KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET);
	cr_assert_geq(has, 0);
	cr_assert_eq(kvmio_device_has_attr(fd, KVM_VCPU_TSC_CTRL, 0x7777), 0);
	if (has == 0)
		cr_skip_test("no KVM_VCPU_TSC_OFFSET attribute");
	uint64_t off = 1;
	cr_assert_eq(kvmio_device_get_attr(fd, KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET, &off), 0);
	cr_assert_eq(kvmio_device_set_attr(fd, KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET, &off), 0);
	/* That a set value reads back is tested in the emulated host (x86_emulated): this
	 * machine's paravirtual KVM accepts the offset but keeps reporting 0. */
	cr_assert_eq(kvmio_device_get_attr(fd, KVM_VCPU_TSC_CTRL, 0x7777, &off), -ENXIO);
}
