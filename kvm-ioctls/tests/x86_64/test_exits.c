/* SPDX-License-Identifier: Apache-2.0 */
/* Exits produced by real-mode guests on real KVM, decoded by kvmio_vcpu_run(). */
#include "real_mode.h"

PAYLOAD(x86_io_out);
PAYLOAD(x86_io_in);
PAYLOAD(x86_io_rep);
PAYLOAD(x86_mmio);
PAYLOAD(x86_hlt);
PAYLOAD(x86_divide_error);
PAYLOAD(x86_jump_to_nowhere);

static struct guest g;

static void teardown(void)
{
	guest_destroy(&g);
}

TestSuite(x86_exits, .fini = teardown, .timeout = 60);

static void expect_io(struct kvmio_exit *e, enum kvmio_io_direction dir, uint16_t port,
                      uint8_t size)
{
	guest_run(&g, e);
	assert_exit(e, KVMIO_EXIT_IO);
	cr_assert_eq(e->reason, KVM_EXIT_IO);
	cr_assert_eq(e->io.direction, dir);
	cr_assert_eq(e->io.port, port, "port 0x%x", e->io.port);
	cr_assert_eq(e->io.size, size);
	cr_assert_eq(e->io.count, 1);
	cr_assert_eq(e->io.len, size);
	cr_assert_not_null(e->io.data);
}

Test(x86_exits, io_out_each_size)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_io_out, 0);
	expect_io(&e, KVMIO_IO_OUT, 0x10, 1);
	cr_assert_eq(e.io.data[0], 0x11);
	expect_io(&e, KVMIO_IO_OUT, 0x12, 2);
	uint16_t w;
	memcpy(&w, e.io.data, 2);
	cr_assert_eq(w, 0x2233);
	expect_io(&e, KVMIO_IO_OUT, 0x14, 4);
	uint32_t d;
	memcpy(&d, e.io.data, 4);
	cr_assert_eq(d, 0x44556677);
	/* An OUT exit cannot be completed as a read. */
	cr_assert_eq(kvmio_vcpu_complete_io_in(g.vcpu, &d, 4), -EINVAL);
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_HLT);
}

Test(x86_exits, io_in_each_size_completed)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_io_in, 0);
	expect_io(&e, KVMIO_IO_IN, 0x20, 1);
	uint8_t b = 0x5c;
	cr_assert_eq(kvmio_vcpu_complete_io_in(g.vcpu, &b, 2), -EINVAL, "wrong length accepted");
	cr_assert_eq(kvmio_vcpu_complete_io_in(g.vcpu, &b, 1), 0);
	expect_io(&e, KVMIO_IO_IN, 0x22, 2);
	uint16_t w = 0xbeef;
	cr_assert_eq(kvmio_vcpu_complete_io_in(g.vcpu, &w, 2), 0);
	expect_io(&e, KVMIO_IO_IN, 0x24, 4);
	/* Writing through the exit's pointer completes a read too. */
	uint32_t d = 0xcafef00d;
	memcpy(e.io.data, &d, 4);
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_HLT);
	struct kvm_regs r;
	cr_assert_eq(kvmio_vcpu_get_regs(g.vcpu, &r), 0);
	cr_assert_eq(r.rbx & 0xff, 0x5c);
	cr_assert_eq(r.rcx & 0xffff, 0xbeef);
	cr_assert_eq(r.rdx & 0xffffffff, 0xcafef00d);
}

Test(x86_exits, io_string_rep)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_io_rep, 0);
	memcpy(g.mem + 0x3000, "\x01\x02\x03\x04", 4);
	/* KVM may batch a rep instruction into one exit (count > 1) or split it. */
	uint8_t out[4];
	size_t n = 0;
	while (n < 4) {
		guest_run(&g, &e);
		assert_exit(&e, KVMIO_EXIT_IO);
		cr_assert_eq(e.io.direction, KVMIO_IO_OUT);
		cr_assert_eq(e.io.port, 0x30);
		cr_assert_eq(e.io.size, 1);
		cr_assert(e.io.count >= 1 && n + e.io.count <= 4, "count %u", e.io.count);
		memcpy(out + n, e.io.data, e.io.len);
		n += e.io.count;
	}
	cr_assert_arr_eq(out, "\x01\x02\x03\x04", 4);
	n = 0;
	while (n < 4) {
		guest_run(&g, &e);
		assert_exit(&e, KVMIO_EXIT_IO);
		cr_assert_eq(e.io.direction, KVMIO_IO_IN);
		cr_assert(e.io.count >= 1 && n + e.io.count <= 4, "count %u", e.io.count);
		uint8_t in[4] = {0xa0, 0xa1, 0xa2, 0xa3};
		cr_assert_eq(kvmio_vcpu_complete_io_in(g.vcpu, in + n, e.io.count), 0);
		n += e.io.count;
	}
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_HLT);
	cr_assert_arr_eq(g.mem + 0x3100, "\xa0\xa1\xa2\xa3", 4);
}

static void expect_mmio(struct kvmio_exit *e, uint64_t addr, uint32_t len, bool write)
{
	guest_run(&g, e);
	assert_exit(e, KVMIO_EXIT_MMIO);
	cr_assert_eq(e->reason, KVM_EXIT_MMIO);
	cr_assert_eq(e->mmio.addr, addr, "addr 0x%llx", (unsigned long long)e->mmio.addr);
	cr_assert_eq(e->mmio.len, len);
	cr_assert_eq(e->mmio.is_write, write);
}

Test(x86_exits, mmio_write_and_read_each_size)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_mmio, 0);
	expect_mmio(&e, 0x20000, 1, true);
	cr_assert_eq(e.mmio.data[0], 0xab);
	cr_assert_eq(kvmio_vcpu_complete_mmio_read(g.vcpu, "x", 1), -EINVAL, "a write completed");
	expect_mmio(&e, 0x20002, 2, true);
	uint16_t w;
	memcpy(&w, e.mmio.data, 2);
	cr_assert_eq(w, 0x1234);
	expect_mmio(&e, 0x20004, 4, true);
	uint32_t d;
	memcpy(&d, e.mmio.data, 4);
	cr_assert_eq(d, 0xdeadbeef);

	expect_mmio(&e, 0x20008, 1, false);
	cr_assert_eq(kvmio_vcpu_complete_mmio_read(g.vcpu, "\x7e\x00", 2), -EINVAL);
	cr_assert_eq(kvmio_vcpu_complete_mmio_read(g.vcpu, "\x7e", 1), 0);
	expect_mmio(&e, 0x20010, 2, false);
	cr_assert_eq(kvmio_vcpu_complete_mmio_read(g.vcpu, "\x34\x12", 2), 0);
	expect_mmio(&e, 0x20020, 4, false);
	cr_assert_eq(kvmio_vcpu_complete_mmio_read(g.vcpu, "\x78\x56\x34\x12", 4), 0);
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_HLT);
	struct kvm_regs r;
	cr_assert_eq(kvmio_vcpu_get_regs(g.vcpu, &r), 0);
	cr_assert_eq(r.rax & 0xff, 0x7e);
	cr_assert_eq(r.rbx & 0xffff, 0x1234);
	cr_assert_eq(r.rcx & 0xffffffff, 0x12345678);
}

Test(x86_exits, hlt)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_hlt, 0);
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_HLT);
	cr_assert_eq(e.reason, KVM_EXIT_HLT);
	cr_assert_str_eq(kvmio_exit_kind_name(e.kind), "hlt");
	struct kvm_regs r;
	cr_assert_eq(kvmio_vcpu_get_regs(g.vcpu, &r), 0);
	cr_assert_eq(r.rip, RM_ENTRY + PAYLOAD_SIZE(x86_hlt));
}

Test(x86_exits, immediate_exit)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_hlt, 0);
	cr_assert_not(kvmio_vcpu_immediate_exit(g.vcpu));
	kvmio_vcpu_set_immediate_exit(g.vcpu, true);
	cr_assert(kvmio_vcpu_immediate_exit(g.vcpu));
	cr_assert_eq(kvmio_vcpu_kvm_run(g.vcpu)->immediate_exit, 1);
	cr_assert_eq(kvmio_vcpu_run(g.vcpu, &e), 0);
	assert_exit(&e, KVMIO_EXIT_INTR);
	/* The guest did not run: rip is unchanged. */
	struct kvm_regs r;
	cr_assert_eq(kvmio_vcpu_get_regs(g.vcpu, &r), 0);
	cr_assert_eq(r.rip, RM_ENTRY);
	kvmio_vcpu_set_immediate_exit(g.vcpu, false);
	guest_run(&g, &e);
	assert_exit(&e, KVMIO_EXIT_HLT);
}

Test(x86_exits, decode_again_without_running)
{
	struct kvmio_exit e, again;
	RM_GUEST(&g, x86_io_out, 0);
	expect_io(&e, KVMIO_IO_OUT, 0x10, 1);
	cr_assert_eq(kvmio_vcpu_decode_exit(g.vcpu, &again), 0);
	cr_assert_eq(again.kind, KVMIO_EXIT_IO);
	cr_assert_eq(again.io.port, 0x10);
	cr_assert_eq(again.io.data, e.io.data);
	cr_assert_geq(kvmio_vcpu_kvm_run_size(g.vcpu), sizeof(struct kvm_run));
}

/* An internal error exit of the emulation-failure kind, decoded. */
static void assert_emulation_failure(const struct kvmio_exit *e)
{
	assert_exit(e, KVMIO_EXIT_INTERNAL_ERROR);
	cr_assert_eq(e->reason, KVM_EXIT_INTERNAL_ERROR);
	cr_assert_eq(e->internal.suberror, KVM_INTERNAL_ERROR_EMULATION);
	cr_assert_leq(e->internal.ndata, 16);
}

Test(x86_exits, fetch_without_memory_is_an_internal_error)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_jump_to_nowhere, 0);
	guest_run(&g, &e);
	/* KVM cannot fetch an instruction where no memory slot is: it gives up emulating. */
	assert_emulation_failure(&e);
}

Test(x86_exits, exception_without_idt_is_shutdown_or_internal_error)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_divide_error, 0);
	guest_run(&g, &e);
	/* A KVM that can deliver the #DE finds an empty IDT: a triple fault, SHUTDOWN. A
	 * paravirtual KVM that runs CPL0 code in its emulator cannot deliver it: an internal
	 * error (emulation failure). Either is decoded. */
	if (e.kind == KVMIO_EXIT_SHUTDOWN) {
		cr_assert_eq(e.reason, KVM_EXIT_SHUTDOWN);
		return;
	}
	assert_emulation_failure(&e);
}
