/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux-vmm: boots an x86_64 Linux bzImage with cvmm's libraries alone, in about as few
 * lines as that takes. linux-loader puts the kernel, the initrd, the command line, the
 * zero page, the page tables, the GDT and the ACPI tables into guest RAM (vm-memory);
 * kvm-ioctls makes the VM with KVM's in-kernel PIC, IOAPIC, LAPIC and PIT; the vcpu
 * library runs the boot vCPU; the devices library's 16550 is the console on COM1 and its
 * ACPI PM1 registers are the ones the FADT names. The guest powers off through them (exit
 * status 0) or resets through the 8042 (exit status 2).
 *
 *   linux-vmm BZIMAGE [INITRD [COMMAND-LINE]]
 *
 * One vCPU, 256 MiB of RAM, no disk: vmm-ref is the full machine.
 */
#include <cvmm/devices.h>
#include <cvmm/kvm_ioctls.h>
#include <cvmm/linux_loader.h>
#include <cvmm/linux_loader_file.h>
#include <cvmm/linux_loader_x86.h>
#include <cvmm/vcpu.h>
#include <cvmm/vm_memory.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* This example's machine: RAM from 0, boot data low, devices on the PC's ports. */
#define RAM_SIZE (256ull << 20)
#define GDT_ADDR 0x500ull
#define ZERO_PAGE_ADDR 0x7000ull
#define PAGE_TABLES_ADDR 0x9000ull
#define CMDLINE_ADDR 0x20000ull
#define CMDLINE_MAX 0x1000ull
#define ACPI_ADDR 0xe0000ull
#define ACPI_MAX 0x1000ull
#define MMIO_GAP_START 0xc0000000ull
#define MMIO_GAP_END 0x100000000ull
#define TSS_ADDR 0xfffbd000ull
#define IDENTITY_MAP_ADDR 0xfffbc000ull
#define COM1_PORT 0x3f8u
#define COM1_IRQ 4u
#define PM1_EVT_PORT 0x600u /* status, enable; the control block follows */
#define PM1_CNT_PORT (PM1_EVT_PORT + VDEV_ACPI_PM1_CNT_OFFSET)
#define SCI_IRQ 9u
#define I8042_COMMAND_PORT 0x64u
#define I8042_RESET 0xfeu

#define DEFAULT_CMDLINE "console=ttyS0 panic=-1"

struct machine {
	struct kvmio_vm *vm;
	struct vdev_uart *uart;
	struct vdev_acpi_pm *pm; /* the PM1 registers the FADT names */
	struct vcpu *boot;
	int end_status; /* 0 powered off, 2 reset */
};

static int line_level(void *ctx, uint32_t line, uint32_t level)
{
	struct machine *m = ctx;
	return kvmio_vm_irq_line(m->vm, line, level);
}

static int line_assert(void *ctx, uint32_t line)
{
	return line_level(ctx, line, 1);
}

static int line_deassert(void *ctx, uint32_t line)
{
	return line_level(ctx, line, 0);
}

static int line_pulse(void *ctx, uint32_t line)
{
	int r = line_level(ctx, line, 1);
	return r < 0 ? r : line_level(ctx, line, 0);
}

/* The guest wrote SLP_EN: the DSDT offers \_S5 only, so any sleep is the power-off. */
static void on_sleep(void *ctx, unsigned int slp_typ)
{
	struct machine *m = ctx;

	(void)slp_typ;
	m->end_status = 0;
	vcpu_stop(m->boot);
}

static int on_pio(void *opaque, struct vcpu *v, uint16_t port, uint8_t *data, uint32_t size,
                  bool is_write)
{
	struct machine *m = opaque;

	if (port >= COM1_PORT && port < COM1_PORT + VDEV_UART_REGS)
		return is_write ? vdev_uart_write(m->uart, port - COM1_PORT, data, size)
		                : vdev_uart_read(m->uart, port - COM1_PORT, data, size);
	if (port >= PM1_EVT_PORT && port < PM1_EVT_PORT + VDEV_ACPI_PM_SIZE)
		return is_write ? vdev_acpi_pm_write(m->pm, port - PM1_EVT_PORT, data, size)
		                : vdev_acpi_pm_read(m->pm, port - PM1_EVT_PORT, data, size);
	if (is_write && port == I8042_COMMAND_PORT && data[0] == I8042_RESET) {
		m->end_status = 2;
		return vcpu_stop(v);
	}
	return 0; /* other ports are absent */
}

/* Everything linux-loader writes: kernel, command line, boot state, ACPI, initrd, zero
   page. Returns 0 or a negative errno with *what naming the step. */
static int load_linux(const struct ll_guest_ram *ram, const struct ll_file_buf *kernel,
                      const struct ll_file_buf *initrd, const char *cmdline,
                      struct ll_kernel_load *kl, const char **what)
{
	static uint8_t page_tables[LL_X86_PAGE_TABLES_SIZE], acpi[ACPI_MAX],
	    zero_page[LL_ZERO_PAGE_SIZE];
	struct ll_bzimage_info bz;
	struct ll_e820_entry e820[LL_E820_MAX];
	uint64_t gdt[LL_X86_GDT_ENTRIES];
	uint8_t gdt_bytes[sizeof(gdt)];
	uint64_t initrd_addr = 0;
	size_t cmdline_len = strlen(cmdline);
	int r, n;

	*what = "load the bzImage";
	if ((r = ll_bzimage_load(ram, kernel->data, kernel->size, &bz, kl)) < 0)
		return r;
	*what = "the command line is too long for this kernel";
	if (cmdline_len > ll_x86_cmdline_max(&bz) || cmdline_len >= CMDLINE_MAX)
		return -E2BIG;
	*what = "write the command line";
	if ((r = ll_guest_ram_write(ram, CMDLINE_ADDR, cmdline, cmdline_len + 1)) < 0)
		return r;

	*what = "write the page tables and the GDT";
	ll_x86_gdt_build(gdt);
	for (size_t i = 0; i < LL_X86_GDT_ENTRIES; i++)
		ll_put_le64(gdt_bytes + 8 * i, gdt[i]);
	if ((r = ll_x86_page_tables_build(page_tables, sizeof(page_tables), PAGE_TABLES_ADDR)) <
	        0 ||
	    (r = ll_guest_ram_write(ram, PAGE_TABLES_ADDR, page_tables, sizeof(page_tables))) < 0 ||
	    (r = ll_guest_ram_write(ram, GDT_ADDR, gdt_bytes, sizeof(gdt_bytes))) < 0)
		return r;

	*what = "write the ACPI tables";
	const struct ll_x86_acpi_params ap = {
	    .pm1_evt_port = PM1_EVT_PORT,
	    .pm1_cnt_port = PM1_CNT_PORT,
	    .sci_irq = SCI_IRQ,
	    .reset_port = I8042_COMMAND_PORT,
	    .reset_value = I8042_RESET,
	    .cpus = 1,
	};
	int acpi_len = ll_x86_acpi_build(acpi, sizeof(acpi), ACPI_ADDR, &ap);
	if (acpi_len < 0)
		return acpi_len;
	if ((r = ll_guest_ram_write(ram, ACPI_ADDR, acpi, (uint64_t)acpi_len)) < 0)
		return r;

	if (initrd && initrd->size) {
		*what = "place the initrd";
		if ((r = ll_x86_place_initrd(RAM_SIZE, kl->end, initrd->size, bz.initrd_addr_max,
		                             &initrd_addr)) < 0 ||
		    (r = ll_guest_ram_write(ram, initrd_addr, initrd->data, initrd->size)) < 0)
			return r;
	}

	*what = "write the zero page";
	if ((n = ll_x86_e820_build(RAM_SIZE, MMIO_GAP_START, MMIO_GAP_END, e820, LL_E820_MAX)) < 0)
		return n;
	size_t hdr_end = bz.header_end < LL_BP_HDR_END ? bz.header_end : LL_BP_HDR_END;
	const struct ll_zero_page_params zp = {
	    .setup_header = kernel->data + LL_BP_HDR,
	    .setup_header_len = hdr_end - LL_BP_HDR,
	    .cmdline_addr = CMDLINE_ADDR,
	    .cmdline_len = (uint32_t)cmdline_len,
	    .initrd_addr = initrd_addr,
	    .initrd_size = initrd && initrd->size ? initrd->size : 0,
	    .e820 = e820,
	    .e820_count = (size_t)n,
	    .acpi_rsdp_addr = ACPI_ADDR,
	};
	if ((r = ll_x86_zero_page_build(zero_page, &zp)) < 0)
		return r;
	return ll_guest_ram_write(ram, ZERO_PAGE_ADDR, zero_page, sizeof(zero_page));
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "linux-vmm: %s: %s\n", what, strerror(-err));
	return 1;
}

int main(int argc, char **argv)
{
	struct machine m = {.end_status = -1};
	struct kvmio_system *sys = NULL;
	struct vmem_map *mem = NULL;
	struct vcpu_set *set = NULL;
	struct ll_file_buf kernel = {0}, initrd = {0};
	struct ll_guest_ram ram;
	struct ll_kernel_load kl;
	struct vmem_region_info ri;
	struct vcpu_end end;
	const char *what;
	int r, status = 1;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: linux-vmm BZIMAGE [INITRD [COMMAND-LINE]]\n");
		return 2;
	}
	if ((r = ll_file_read(argv[1], RAM_SIZE, &kernel)) < 0)
		return fail(argv[1], r);
	if (argc > 2 && (r = ll_file_read(argv[2], RAM_SIZE, &initrd)) < 0) {
		status = fail(argv[2], r);
		goto out;
	}

	/* The VM, with KVM's interrupt controllers and PIT. */
	what = "create the VM";
	if ((r = kvmio_system_open(&sys)) < 0 || (r = kvmio_system_create_vm(sys, 0, &m.vm)) < 0 ||
	    (r = kvmio_vm_set_tss_addr(m.vm, TSS_ADDR)) < 0 ||
	    (r = kvmio_vm_set_identity_map_addr(m.vm, IDENTITY_MAP_ADDR)) < 0 ||
	    (r = kvmio_vm_create_irqchip(m.vm)) < 0 ||
	    (r = kvmio_vm_create_pit2(m.vm, KVM_PIT_SPEAKER_DUMMY)) < 0)
		goto fail;

	/* Guest RAM, registered with KVM, and linux-loader's view of it. */
	what = "set up guest RAM";
	if ((r = vmem_map_create(&mem)) < 0 || (r = vmem_map_add_anon(mem, 0, RAM_SIZE, 0)) < 0)
		goto fail;
	vmem_region_get_info(vmem_map_region_at(mem, 0), &ri);
	if ((r = kvmio_vm_set_user_memory_region(m.vm, ri.slot, 0, ri.gpa, ri.size, ri.host)) < 0 ||
	    (r = ll_guest_ram_init_vmem(&ram, mem, 0, RAM_SIZE)) < 0)
		goto fail;
	if ((r = load_linux(&ram, &kernel, &initrd, argc > 3 ? argv[3] : DEFAULT_CMDLINE, &kl,
	                    &what)) < 0)
		goto fail;

	/* The console: a 16550 on COM1, its interrupt on the in-kernel PIC and IOAPIC. */
	what = "create the UART";
	const struct vdev_uart_config uc = {
	    .out_fd = STDOUT_FILENO,
	    .irq = {line_assert, line_deassert, line_pulse, &m, COM1_IRQ},
	};
	if ((r = vdev_uart_create(&uc, &m.uart)) < 0)
		goto fail;
	/* The ACPI PM1 registers: the guest's power-off; the SCI on IRQ 9. */
	what = "create the ACPI PM registers";
	const struct vdev_acpi_pm_config pc = {
	    .sci = {line_assert, line_deassert, line_pulse, &m, SCI_IRQ},
	    .sleep = on_sleep,
	    .ctx = &m,
	};
	if ((r = vdev_acpi_pm_create(&pc, &m.pm)) < 0)
		goto fail;

	/* The boot vCPU: 64-bit mode at the kernel's entry, rsi = the zero page, the boot
	   protocol's GDT and selectors (__BOOT_CS, __BOOT_DS). */
	what = "run the vCPU";
	struct vcpu_set_config sc = {.handlers = {.opaque = &m, .pio = on_pio}};
	struct vcpu_config vc = {
	    .id = 0,
	    .entry = kl.entry,
	    .args = {0, ZERO_PAGE_ADDR},
	    .mode = VCPU_X86_LONG,
	    .cr3 = PAGE_TABLES_ADDR,
	    .gdt_base = GDT_ADDR,
	    .gdt_limit = LL_X86_GDT_ENTRIES * 8 - 1,
	    .code_selector = LL_X86_BOOT_CS,
	    .data_selector = LL_X86_BOOT_DS,
	};
	if ((r = vcpu_set_create(sys, m.vm, &sc, &set)) < 0 ||
	    (r = vcpu_create(set, &vc, &m.boot)) < 0 || (r = vcpu_start(m.boot)) < 0 ||
	    (r = vcpu_join(m.boot, &end)) < 0)
		goto fail;
	vdev_uart_flush_output(m.uart);
	if (end.reason != VCPU_END_STOPPED || m.end_status < 0) {
		fprintf(stderr, "linux-vmm: the vCPU ended unexpectedly (reason %d, error %d)\n",
		        (int)end.reason, end.error);
		goto out;
	}
	fprintf(stderr, "linux-vmm: the guest %s\n", m.end_status ? "reset" : "powered off");
	status = m.end_status;
	goto out;
fail:
	status = fail(what, r);
out:
	vcpu_set_destroy(set);
	vdev_uart_destroy(m.uart);
	vdev_acpi_pm_destroy(m.pm);
	vmem_map_destroy(mem);
	kvmio_vm_destroy(m.vm);
	kvmio_system_destroy(sys);
	ll_file_free(&initrd);
	ll_file_free(&kernel);
	return status;
}
