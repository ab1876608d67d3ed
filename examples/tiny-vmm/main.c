/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tiny-vmm: the smallest useful VMM built from cvmm's libraries, kvm-ioctls, vm-memory
 * and vcpu, and nothing else. It runs a built-in bare-metal guest that prints a line
 * through a one-register "UART" (port 0x3f8 on x86_64, MMIO 0x09000000 on aarch64) and
 * then stops (hlt on x86_64, PSCI SYSTEM_OFF on aarch64).
 *
 *   tiny-vmm            prints the guest's line, exits 0 when the guest ended as expected
 */
#include <cvmm/kvm_ioctls.h>
#include <cvmm/vcpu.h>
#include <cvmm/vm_memory.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guest.h"

/* The guest's only device: a register that prints each byte written to it. */
static int uart_write(const uint8_t *data, uint32_t len, bool is_write)
{
	if (!is_write)
		return 0; /* reads of the register give 0 */
	return write(STDOUT_FILENO, data, len) == (ssize_t)len ? 0 : -EIO;
}

static int on_mmio(void *opaque, struct vcpu *v, uint64_t addr, uint8_t *data, uint32_t len,
                   bool is_write)
{
	(void)opaque;
	(void)v;
	return addr == GUEST_UART_MMIO ? uart_write(data, len, is_write) : 0;
}

static int on_pio(void *opaque, struct vcpu *v, uint16_t port, uint8_t *data, uint32_t size,
                  bool is_write)
{
	(void)opaque;
	(void)v;
	return port == GUEST_UART_PORT ? uart_write(data, size, is_write) : 0;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "tiny-vmm: %s: %s\n", what, strerror(-err));
	return 1;
}

int main(void)
{
	struct kvmio_system *sys = NULL;
	struct kvmio_vm *vm = NULL;
	struct vmem_map *mem = NULL;
	struct vcpu_set *set = NULL;
	struct vcpu *boot = NULL;
	struct vmem_region_info ri;
	struct vcpu_end end;
	int r, status = 1;

	if ((r = kvmio_system_open(&sys)) < 0)
		return fail("open /dev/kvm", r);
	if ((r = kvmio_system_create_vm(sys, 0, &vm)) < 0) {
		status = fail("create the VM", r);
		goto out;
	}

	/* Guest RAM: one anonymous region, registered with KVM as slot 0. */
	if ((r = vmem_map_create(&mem)) < 0 ||
	    (r = vmem_map_add_anon(mem, GUEST_RAM_BASE, GUEST_RAM_SIZE, 0)) < 0) {
		status = fail("allocate guest memory", r);
		goto out;
	}
	vmem_region_get_info(vmem_map_region_at(mem, 0), &ri);
	if ((r = kvmio_vm_set_user_memory_region(vm, ri.slot, 0, ri.gpa, ri.size, ri.host)) < 0) {
		status = fail("register guest memory", r);
		goto out;
	}
	size_t len = (size_t)(guest_code_end - guest_code_start);
	if ((r = vmem_write(mem, GUEST_RAM_BASE, guest_code_start, len)) < 0) {
		status = fail("load the guest", r);
		goto out;
	}

	/* One vCPU at the guest's first instruction, on its own thread. */
	struct vcpu_set_config cfg = {.handlers = {.mmio = on_mmio, .pio = on_pio}};
	if ((r = vcpu_set_create(sys, vm, &cfg, &set)) < 0) {
		status = fail("create the vCPU set", r);
		goto out;
	}
	struct vcpu_config vc = {.id = 0, .entry = GUEST_RAM_BASE, .mode = GUEST_X86_MODE};
	if ((r = vcpu_create(set, &vc, &boot)) < 0 || (r = vcpu_start(boot)) < 0 ||
	    (r = vcpu_join(boot, &end)) < 0) {
		status = fail("run the vCPU", r);
		goto out;
	}
	if (end.reason != GUEST_END_REASON) {
		fprintf(stderr, "tiny-vmm: the guest ended unexpectedly: %s\n",
		        vcpu_end_reason_name(end.reason));
		goto out;
	}
	status = 0;
out:
	vcpu_set_destroy(set);
	vmem_map_destroy(mem);
	kvmio_vm_destroy(vm);
	kvmio_system_destroy(sys);
	return status;
}
