// SPDX-License-Identifier: Apache-2.0
/*
 * The PVH entry state on real KVM: a vCPU put into it by ll_x86_pvh_vcpu_state(), with a
 * start info built by ll_x86_pvh_info_build() and the PVH GDT in guest RAM, runs a 32-bit
 * payload (pvh_guest_x86_64.S) that reports what it finds through port 0x80.
 */
#include "layout_x86_64.h"
#include <cvmm/linux_loader.h>
#include <cvmm/linux_loader_pvh.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

extern const uint8_t pvh_guest_start[], pvh_guest_end[];

#define RAM_SIZE (4u << 20)
#define ENTRY 0x100000u
#define MARK_ADDR 0x300000u
#define MARK 0x5a17c0deu

static int kvm = -1, vm = -1, vcpu = -1;
static uint8_t *ram = MAP_FAILED;
static struct kvm_run *run = MAP_FAILED;
static size_t run_size;

static void fini(void)
{
	if (run != MAP_FAILED)
		munmap(run, run_size);
	if (ram != MAP_FAILED)
		munmap(ram, RAM_SIZE);
	if (vcpu >= 0)
		close(vcpu);
	if (vm >= 0)
		close(vm);
	if (kvm >= 0)
		close(kvm);
}

TestSuite(pvh_entry, .fini = fini);

/* Runs the vCPU to its next exit and returns the 32-bit value of an `out` to 0x80. */
static uint32_t next_out(const char *what)
{
	cr_assert_eq(ioctl(vcpu, KVM_RUN, 0), 0, "KVM_RUN (%s): %s", what, strerror(errno));
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		cr_assert_fail("%s: KVM internal error, suberror %u", what, run->internal.suberror);
	cr_assert_eq(run->exit_reason, KVM_EXIT_IO, "%s: exit reason %u", what, run->exit_reason);
	cr_assert_eq(run->io.port, 0x80, "%s", what);
	cr_assert_eq(run->io.direction, KVM_EXIT_IO_OUT, "%s", what);
	cr_assert_eq(run->io.size, 4, "%s", what);
	return ll_le32((const uint8_t *)run + run->io.data_offset);
}

Test(pvh_entry, payload_sees_the_protocol_state)
{
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		cr_skip_test("no /dev/kvm: %s", strerror(errno));
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	cr_assert_geq(vm, 0, "KVM_CREATE_VM: %s", strerror(errno));
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(ram, MAP_FAILED);
	struct kvm_userspace_memory_region region = {.slot = 0,
	                                             .guest_phys_addr = 0,
	                                             .memory_size = RAM_SIZE,
	                                             .userspace_addr = (uintptr_t)ram};
	cr_assert_eq(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region), 0, "%s", strerror(errno));

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

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	cr_assert_geq(vcpu, 0, "KVM_CREATE_VCPU: %s", strerror(errno));
	run_size = (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	cr_assert_neq(run, MAP_FAILED);
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	cr_assert_eq(ioctl(vcpu, KVM_GET_SREGS, &sregs), 0);
	cr_assert_eq(
	    ll_x86_pvh_vcpu_state(ENTRY, VMM_X86_PVH_INFO, VMM_X86_PVH_GDT, &regs, &sregs), 0);
	cr_assert_eq(ioctl(vcpu, KVM_SET_SREGS, &sregs), 0, "KVM_SET_SREGS: %s", strerror(errno));
	cr_assert_eq(ioctl(vcpu, KVM_SET_REGS, &regs), 0, "KVM_SET_REGS: %s", strerror(errno));

	cr_assert_eq(next_out("magic"), LL_PVH_MAGIC, "EBX points at the start info");
	uint32_t cr0 = next_out("cr0");
	cr_assert_eq(cr0 & 1, 1, "CR0.PE: %#x", cr0);
	cr_assert_eq(cr0 & 0x80000000u, 0, "paging off: %#x", cr0);
	cr_assert_eq(next_out("mode"), 0xffffffffu, "0x48 ran as dec %%eax: 32-bit mode");
	cr_assert_eq(next_out("cs"), LL_X86_PVH_CS);
	cr_assert_eq(next_out("ds"), LL_X86_PVH_DS);
	cr_assert_eq(next_out("ss"), LL_X86_PVH_DS);
	cr_assert_eq(next_out("flat read"), MARK, "the data segment reaches above 1 MiB");
	cr_assert_eq(ioctl(vcpu, KVM_RUN, 0), 0);
	cr_assert_eq(run->exit_reason, KVM_EXIT_HLT, "exit reason %u", run->exit_reason);
	cr_assert_eq(ioctl(vcpu, KVM_GET_SREGS, &sregs), 0);
	cr_assert_eq(sregs.efer & (1u << 10), 0, "EFER.LMA clear: not long mode");
	cr_assert_eq(sregs.cr4, 0);
}
