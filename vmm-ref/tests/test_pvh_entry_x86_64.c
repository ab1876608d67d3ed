/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PVH entry state on real KVM: a vCPU the vcpu library creates in
 * VCPU_X86_PROTECTED_32 with the PVH GDT, its TSS and EBX = the start info (as vmm-ref
 * does), with a start info built by ll_x86_pvh_info_build() and the PVH GDT in guest RAM,
 * runs a 32-bit payload (pvh_guest_x86_64.S) that reports what it finds through port 0x80.
 */
#include "entry_x86_64.h"
#include "layout_x86_64.h"
#include <cvmm/kvm_ioctls.h>
#include <cvmm/linux_loader.h>
#include <cvmm/linux_loader_pvh.h>
#include <cvmm/vcpu.h>
#include <cvmm/vm_memory.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

extern const uint8_t pvh_guest_start[], pvh_guest_end[];

#define RAM_SIZE (4u << 20)
#define ENTRY 0x100000u
#define MARK_ADDR 0x300000u
#define MARK 0x5a17c0deu
#define MAX_OUTS 16

static struct kvmio_system *sys;
static struct kvmio_vm *vm;
static struct vmem_map *mem;
static struct vcpu_set *set;
static uint32_t outs[MAX_OUTS];
static unsigned int n_outs;

static void fini(void)
{
	vcpu_set_destroy(set);
	vmem_map_destroy(mem);
	kvmio_vm_destroy(vm);
	kvmio_system_destroy(sys);
}

TestSuite(pvh_entry, .fini = fini);

/* Each 32-bit `out` to port 0x80 is one value the payload reports. */
static int on_pio(void *opaque, struct vcpu *v, uint16_t port, uint8_t *data, uint32_t size,
                  bool is_write)
{
	(void)opaque, (void)v;
	if (port != 0x80 || size != 4 || !is_write || n_outs == MAX_OUTS)
		return -EPROTO;
	outs[n_outs++] = ll_le32(data);
	return 0;
}

/* The segment cache a descriptor of the GDT loads: what the CPU would hold had the guest
   loaded the selector itself. */
static void check_matches_gdt(const struct kvm_segment *s, uint64_t d, const char *what)
{
	uint64_t base = (d >> 16 & 0xffffff) | (d >> 56 & 0xff) << 24;
	uint64_t limit = (d & 0xffff) | (d >> 48 & 0xf) << 16;
	bool g = d >> 55 & 1;

	if (g)
		limit = limit << 12 | 0xfff;
	cr_assert_eq(s->base, base, "%s base", what);
	cr_assert_eq(s->limit, limit, "%s limit", what);
	cr_assert_eq(s->type, d >> 40 & 0xf, "%s type", what);
	cr_assert_eq(s->s, d >> 44 & 1, "%s S", what);
	cr_assert_eq(s->dpl, d >> 45 & 3, "%s DPL", what);
	cr_assert_eq(s->present, d >> 47 & 1, "%s P", what);
	cr_assert_eq(s->l, d >> 53 & 1, "%s L", what);
	cr_assert_eq(s->db, d >> 54 & 1, "%s D/B", what);
	cr_assert_eq(s->g, g, "%s G", what);
}

Test(pvh_entry, payload_sees_the_protocol_state)
{
	int r = kvmio_system_open(&sys);
	if (r < 0)
		cr_skip_test("no /dev/kvm: %s", strerror(-r));
	cr_assert_eq(kvmio_system_create_vm(sys, 0, &vm), 0);
	cr_assert_eq(vmem_map_create(&mem), 0);
	cr_assert_eq(vmem_map_add_anon(mem, 0, RAM_SIZE, 0), 0);
	struct vmem_region_info ri;
	vmem_region_get_info(vmem_map_region_at(mem, 0), &ri);
	cr_assert_eq(kvmio_vm_set_user_memory_region(vm, ri.slot, 0, ri.gpa, ri.size, ri.host), 0);
	uint8_t *ram = ri.host;

	/* What vmm-ref puts in RAM for a PVH boot: the GDT, the start info, the payload at
	   the entry, and a mark above 1 MiB. */
	uint64_t gdt[LL_X86_PVH_GDT_ENTRIES];
	ll_x86_pvh_gdt_build(gdt);
	for (size_t i = 0; i < LL_X86_PVH_GDT_ENTRIES; i++)
		ll_put_le64(ram + VMM_X86_PVH_GDT + 8 * i, gdt[i]);
	const struct ll_e820_entry map[] = {{0, 0x9fc00, LL_E820_RAM},
	                                    {0x100000, RAM_SIZE - 0x100000, LL_E820_RAM}};
	const struct ll_pvh_params pp = {.ram_end = RAM_SIZE, .memmap = map, .memmap_count = 2};
	cr_assert_gt(ll_x86_pvh_info_build(ram + VMM_X86_PVH_INFO, VMM_X86_PVH_INFO_MAX,
	                                   VMM_X86_PVH_INFO, &pp),
	             0);
	memcpy(ram + ENTRY, pvh_guest_start, (size_t)(pvh_guest_end - pvh_guest_start));
	ll_put_le32(ram + MARK_ADDR, MARK);

	struct vcpu_set_config sc = {.handlers = {.pio = on_pio}};
	const struct vcpu_config vc = vmm_x86_pvh_entry_config(0, ENTRY, VMM_X86_PVH_INFO);
	struct vcpu *v;
	struct vcpu_end end;
	cr_assert_eq(vcpu_set_create(sys, vm, &sc, &set), 0);
	cr_assert_eq(vcpu_create(set, &vc, &v), 0);
	/* The state as KVM holds it: every segment what its GDT descriptor would load. */
	struct kvm_sregs s;
	struct kvm_regs regs;
	cr_assert_eq(kvmio_vcpu_get_sregs(vcpu_kvm(v), &s), 0);
	cr_assert_eq(kvmio_vcpu_get_regs(vcpu_kvm(v), &regs), 0);
	cr_assert_eq(regs.rip, ENTRY);
	cr_assert_eq(regs.rbx, VMM_X86_PVH_INFO, "EBX = the start info");
	cr_assert_eq(regs.rflags, 0x2, "IF, TF and VM clear");
	cr_assert_eq(s.cr0, 0x11, "PE (and the hard-wired ET), nothing else: %#llx",
	             (unsigned long long)s.cr0);
	cr_assert_eq(s.cr3, 0);
	cr_assert_eq(s.cr4, 0);
	cr_assert_eq(s.efer, 0, "no long mode");
	cr_assert_eq(s.gdt.base, VMM_X86_PVH_GDT);
	cr_assert_eq(s.gdt.limit, LL_X86_PVH_GDT_ENTRIES * 8 - 1);
	cr_assert_eq(gdt[0], 0);
	cr_assert_eq(s.cs.selector, LL_X86_PVH_CS);
	check_matches_gdt(&s.cs, gdt[LL_X86_PVH_CS / 8], "CS");
	cr_assert_eq(s.cs.db, 1, "32-bit code");
	const struct kvm_segment *data[] = {&s.ds, &s.es, &s.fs, &s.gs, &s.ss};
	for (size_t i = 0; i < 5; i++) {
		cr_assert_eq(data[i]->selector, LL_X86_PVH_DS);
		check_matches_gdt(data[i], gdt[LL_X86_PVH_DS / 8], "data");
	}
	cr_assert_eq(s.tr.selector, LL_X86_PVH_TSS);
	check_matches_gdt(&s.tr, gdt[LL_X86_PVH_TSS / 8], "TR");
	cr_assert_eq(s.tr.type, 0xb, "busy 32-bit TSS");
	cr_assert_eq(vcpu_start(v), 0);
	cr_assert_eq(vcpu_join(v, &end), 0);
	cr_assert_eq(end.reason, VCPU_END_HLT, "%s, error %d, exit %u",
	             vcpu_end_reason_name(end.reason), end.error, end.exit_reason);

	cr_assert_eq(n_outs, 7, "the payload reported %u values", n_outs);
	cr_assert_eq(outs[0], LL_PVH_MAGIC, "EBX points at the start info");
	cr_assert_eq(outs[1] & 1, 1, "CR0.PE: %#x", outs[1]);
	cr_assert_eq(outs[1] & 0x80000000u, 0, "paging off: %#x", outs[1]);
	cr_assert_eq(outs[2], 0xffffffffu, "0x48 ran as dec %%eax: 32-bit mode");
	cr_assert_eq(outs[3], LL_X86_PVH_CS);
	cr_assert_eq(outs[4], LL_X86_PVH_DS);
	cr_assert_eq(outs[5], LL_X86_PVH_DS);
	cr_assert_eq(outs[6], MARK, "the data segment reaches above 1 MiB");
	cr_assert_eq(kvmio_vcpu_get_sregs(vcpu_kvm(v), &s), 0);
	cr_assert_eq(s.efer & (1u << 10), 0, "EFER.LMA clear: not long mode");
	cr_assert_eq(s.cr4, 0);
}
