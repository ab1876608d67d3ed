/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x86_64: a bzImage (or an ELF vmlinux) in high RAM, its boot data and command line low.
 * A bzImage, and an ELF without a PVH note, start at their 64-bit entry with the zero page
 * (the 64-bit boot protocol); an ELF with the PVH note starts at its PVH entry with the
 * PVH start info (pvh_x86_64.h).
 */
#include "boot.h"

#include "layout_x86_64.h"
#include <cvmm/linux_loader_pvh.h>
#include <cvmm/linux_loader_x86.h>

#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* boot.rst: with no initrd_addr_max in the header, an initrd must end below this. */
#define LEGACY_INITRD_ADDR_MAX 0x37ffffffu

int vmm_boot_ram_range(uint64_t mem_bytes, uint64_t *base, uint64_t *size)
{
	if (!base || !size || mem_bytes <= VMM_X86_HIGH_RAM)
		return -EINVAL;
	*base = 0;
	*size = mem_bytes < VMM_X86_MMIO_GAP_START ? mem_bytes : VMM_X86_MMIO_GAP_START;
	return 0;
}

int vmm_boot_ram_regions(uint64_t mem_bytes, struct vmm_ram_region out[VMM_RAM_REGIONS_MAX])
{
	int ret = vmm_boot_ram_range(mem_bytes, &out[0].gpa, &out[0].size);

	if (ret < 0)
		return ret;
	if (mem_bytes <= VMM_X86_MMIO_GAP_START)
		return 1;
	if (mem_bytes - VMM_X86_MMIO_GAP_START > UINT64_MAX - VMM_X86_MMIO_GAP_END)
		return -EINVAL;
	/* What does not fit below the MMIO gap continues at 4 GiB, as the e820 map says. */
	out[1].gpa = VMM_X86_MMIO_GAP_END;
	out[1].size = mem_bytes - VMM_X86_MMIO_GAP_START;
	return 2;
}

static const char *load_error(int err, const char *format)
{
	static const char *const text[] = {
	    "is neither a bzImage nor an ELF vmlinux",
	    "has a malformed bzImage header",
	    "is a bzImage this VMM cannot boot (boot protocol older than 2.06 or no 64-bit entry)",
	    ("has a malformed ELF header, program headers or notes (or a PVH entry outside its "
	     "segments)"),
	    "is an ELF file but not a 64-bit x86_64 executable",
	    "does not fit in guest RAM",
	    "could not be copied into guest RAM",
	    "shrank while being read",
	};
	bool elf = format && strcmp(format, "ELF vmlinux") == 0;

	switch (err) {
	case -ENOEXEC:
		return text[0];
	case -EINVAL:
		return elf ? text[3] : text[1];
	case -ENOTSUP:
		return elf ? text[4] : text[2];
	case -ENOSPC:
		return text[5];
	case -EIO:
		return text[7];
	default:
		return text[6];
	}
}

static int write_gdt(const struct ll_guest_ram *ram, uint64_t gpa, const uint64_t *gdt, size_t n)
{
	uint8_t bytes[8 * 8];

	for (size_t i = 0; i < n; i++)
		ll_put_le64(bytes + 8 * i, gdt[i]);
	return ll_guest_ram_write(ram, gpa, bytes, 8 * n);
}

/* The boot state in RAM: the 64-bit protocol's identity page tables and GDT (__BOOT_CS,
   __BOOT_DS) and the PVH GDT. Both GDTs are written whatever the entry: they are small
   and sit apart. */
static int write_boot_state(const struct ll_guest_ram *ram)
{
	uint8_t tables[LL_X86_PAGE_TABLES_SIZE];
	uint64_t gdt[LL_X86_GDT_ENTRIES];
	uint64_t pvh_gdt[LL_X86_PVH_GDT_ENTRIES];
	int ret;

	ret = ll_x86_page_tables_build(tables, sizeof(tables), VMM_X86_PAGE_TABLES);
	if (ret == 0)
		ret = ll_guest_ram_write(ram, VMM_X86_PAGE_TABLES, tables, sizeof(tables));
	if (ret < 0)
		return ret;
	ll_x86_gdt_build(gdt);
	ll_x86_pvh_gdt_build(pvh_gdt);
	ret = write_gdt(ram, VMM_X86_GDT, gdt, LL_X86_GDT_ENTRIES);
	if (ret == 0)
		ret = write_gdt(ram, VMM_X86_PVH_GDT, pvh_gdt, LL_X86_PVH_GDT_ENTRIES);
	return ret;
}

/* The ACPI tables that let the guest power off and reset and find the virtio-mmio
   devices: from the machine record, at VMM_X86_ACPI (where the zero page and the PVH
   start info point). */
int vmm_boot_describe(const struct vmm_boot_request *req, struct vmm_boot_info *info,
                      const struct vmm_machine_record *rec, char *err, size_t err_size)
{
	uint8_t acpi[VMM_X86_ACPI_MAX];
	struct ll_x86_acpi_mmio virtio[VMM_DEVICES_MAX];
	struct ll_x86_acpi_params ap = {
	    .pm1_evt_port = VMM_X86_PM1_EVT_PORT,
	    .pm1_cnt_port = VMM_X86_PM1_CNT_PORT,
	    .sci_irq = VMM_X86_SCI_IRQ,
	    .reset_port = VMM_X86_RESET_PORT,
	    .reset_value = VMM_X86_RESET_VALUE,
	    .cpus = rec->vcpus,
	    .virtio = virtio,
	    .s3 = rec->sleep_to_ram,
	};
	int len;

	(void)info;
	/* Every slot's IRQ is level, used or not, as the PIC lines they share must be. */
	for (uint32_t i = 0; i < VMM_X86_VIRTIO_SLOTS; i++)
		ap.level_irqs |= (uint16_t)(1u << vmm_x86_virtio_irq(i));
	for (uint32_t i = 0; i < rec->num_devices && i < VMM_DEVICES_MAX; i++) {
		const struct vmm_device_record *d = &rec->devices[i];
		if (d->kind != VMM_DEVICE_VIRTIO)
			continue; /* COM1 and the CMOS are at the PC's fixed ports and IRQs */
		if (d->base > UINT32_MAX || d->size > UINT32_MAX) {
			snprintf(err, err_size, "virtio-mmio at %#llx is above 4 GiB",
			         (unsigned long long)d->base);
			return -EINVAL;
		}
		virtio[ap.virtio_count++] = (struct ll_x86_acpi_mmio){
		    .base = (uint32_t)d->base,
		    .size = (uint32_t)d->size,
		    .irq = (uint8_t)vmm_x86_line_irq(d->line),
		};
	}
	len = ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI, &ap);
	if (len >= 0)
		len = ll_guest_ram_write(req->ram, VMM_X86_ACPI, acpi, (size_t)len);
	if (len < 0) {
		snprintf(err, err_size, "cannot write the ACPI tables (%u CPUs, %u virtio devices)",
		         rec->vcpus, ap.virtio_count);
		return len;
	}
	return 0;
}

/* The PVH start info: the command line, the initrd as the first module, the e820 map and
   the RSDP. */
static int write_pvh_info(const struct vmm_boot_request *req, struct vmm_boot_info *out,
                          const struct ll_e820_entry *e820, size_t n, uint32_t cmdline_len)
{
	uint8_t info[VMM_X86_PVH_INFO_MAX];
	const struct ll_pvh_params pp = {
	    .ram_end = req->ram->base + req->ram->size,
	    .cmdline_addr = VMM_X86_CMDLINE,
	    .cmdline_len = cmdline_len,
	    .initrd_addr = out->initrd_addr,
	    .initrd_size = out->initrd_size,
	    .memmap = e820,
	    .memmap_count = n,
	    .rsdp_addr = VMM_X86_ACPI,
	};
	int used = ll_x86_pvh_info_build(info, sizeof(info), VMM_X86_PVH_INFO, &pp);
	int ret;

	if (used < 0)
		return used;
	ret = ll_guest_ram_write(req->ram, VMM_X86_PVH_INFO, info, (size_t)used);
	if (ret < 0)
		return ret;
	out->boot_data_addr = VMM_X86_PVH_INFO;
	out->boot_data_size = (uint64_t)used;
	return 0;
}

/* The zero page of the 64-bit boot protocol: the bzImage's own setup header (or a
   minimal one for an ELF), the command line, the initrd, the e820 map and the RSDP. */
static int write_zero_page(const struct vmm_boot_request *req, struct vmm_boot_info *out,
                           const uint8_t *kernel, const struct ll_bzimage_info *bz,
                           const struct ll_e820_entry *e820, size_t n, uint32_t cmdline_len)
{
	uint8_t zp[LL_ZERO_PAGE_SIZE];
	struct ll_zero_page_params zpp = {
	    .setup_header = bz ? kernel + LL_BP_HDR : NULL,
	    .setup_header_len = 0,
	    .cmdline_addr = VMM_X86_CMDLINE,
	    .cmdline_len = cmdline_len,
	    .initrd_addr = out->initrd_addr,
	    .initrd_size = out->initrd_size,
	    .e820 = e820,
	    .e820_count = n,
	    .acpi_rsdp_addr = VMM_X86_ACPI,
	};
	int ret;

	if (bz) {
		size_t end = bz->header_end < LL_BP_HDR_END ? bz->header_end : LL_BP_HDR_END;
		zpp.setup_header_len = end - LL_BP_HDR;
	}
	ret = ll_x86_zero_page_build(zp, &zpp);
	if (ret == 0)
		ret = ll_guest_ram_write(req->ram, VMM_X86_ZERO_PAGE, zp, sizeof(zp));
	if (ret < 0)
		return ret;
	out->boot_data_addr = VMM_X86_ZERO_PAGE;
	out->boot_data_size = sizeof(zp);
	return 0;
}

/* vmm_boot_prepare() with the kernel's bytes in host memory (the loaders parse them). */
static int prepare(const struct vmm_boot_request *req, struct vmm_boot_info *out, char *err,
                   size_t err_size)
{
	const struct ll_guest_ram *ram = req->ram;
	/* A bzImage's first bytes (its setup header, for the zero page), or an ELF whole. */
	uint8_t head[LL_BZIMAGE_HEAD_SIZE];
	struct ll_file_buf k = {0};
	struct ll_bzimage_info bz;
	struct ll_elf_info elf;
	struct ll_e820_entry e820[LL_E820_MAX];
	uint64_t initrd_size = req->initrd ? req->initrd->size : 0;
	uint32_t cmdline_max;
	size_t cmdline_len;
	bool is_bz;
	int ret, n;

	*out = (struct vmm_boot_info){.format = "bzImage"};
	/* A bzImage's kernel goes from its file straight into guest RAM. */
	ret = ll_bzimage_load_fd(ram, req->kernel->fd, req->kernel->size, head, &bz, &out->kernel);
	is_bz = ret != -ENOEXEC;
	if (!is_bz) {
		out->format = "ELF vmlinux";
		/* The ELF loader parses program headers anywhere in the file: it reads it all. */
		ret = ll_file_load(req->kernel, &k);
		if (ret == 0)
			ret = ll_elf_load(ram, k.data, k.size, EM_X86_64, &elf, &out->kernel);
		ll_file_free(&k);
		if (ret == 0 && elf.has_pvh) {
			/* PVH is the entry Linux documents for a vmlinux; its 64-bit e_entry
			   (startup_64) works only as long as head_64.S accepts the decompressor's
			   hand-over state, so the PVH entry wins when there is one. */
			out->has_pvh = true;
			out->pvh_entry = elf.pvh_entry;
			out->kernel.entry = elf.pvh_entry;
		}
	}
	if (ret < 0) {
		snprintf(err, err_size, "the kernel %s", load_error(ret, out->format));
		return ret;
	}
	/* Below 1 MiB it would overlap the boot data, the command line and the page tables. */
	if (out->kernel.load_addr < VMM_X86_HIGH_RAM) {
		snprintf(err, err_size, "the kernel wants to load at %#llx, below 1 MiB",
		         (unsigned long long)out->kernel.load_addr);
		return -EINVAL;
	}

	/* The kernel's limit, and the room the layout gives the command line. */
	cmdline_max = ll_x86_cmdline_max(is_bz ? &bz : NULL);
	if (cmdline_max > VMM_X86_CMDLINE_MAX - 1)
		cmdline_max = VMM_X86_CMDLINE_MAX - 1;
	cmdline_len = strlen(req->cmdline);
	if (cmdline_len > cmdline_max) {
		snprintf(err, err_size,
		         "the command line is longer than this kernel accepts (%u bytes)",
		         cmdline_max);
		return -E2BIG;
	}
	out->cmdline_addr = VMM_X86_CMDLINE;
	ret = ll_guest_ram_write(ram, VMM_X86_CMDLINE, req->cmdline, cmdline_len + 1);
	if (ret < 0) {
		snprintf(err, err_size, "cannot copy the command line into guest RAM");
		return ret;
	}

	ret = write_boot_state(ram);
	if (ret < 0) {
		snprintf(err, err_size, "cannot write the boot page tables or GDT");
		return ret;
	}

	if (initrd_size) {
		ret = ll_x86_place_initrd(ram->base + ram->size, out->kernel.end, initrd_size,
		                          is_bz ? bz.initrd_addr_max : LEGACY_INITRD_ADDR_MAX,
		                          &out->initrd_addr);
		if (ret == 0)
			ret = ll_guest_ram_write_from_fd(ram, out->initrd_addr, req->initrd->fd, 0,
			                                 initrd_size);
		if (ret < 0) {
			snprintf(err, err_size, "the initrd does not fit in guest RAM below %#x",
			         is_bz ? bz.initrd_addr_max : LEGACY_INITRD_ADDR_MAX);
			return ret;
		}
		out->initrd_size = initrd_size;
	}

	n = ll_x86_e820_build(req->mem_bytes, VMM_X86_MMIO_GAP_START, VMM_X86_MMIO_GAP_END, e820,
	                      LL_E820_MAX);
	if (n < 0) {
		snprintf(err, err_size, "cannot build the e820 memory map");
		return n;
	}
	if (out->has_pvh) {
		ret = write_pvh_info(req, out, e820, (size_t)n, (uint32_t)cmdline_len);
		if (ret < 0) {
			snprintf(err, err_size, "cannot write the PVH start info");
			return ret;
		}
		return 0;
	}
	ret = write_zero_page(req, out, head, is_bz ? &bz : NULL, e820, (size_t)n,
	                      (uint32_t)cmdline_len);
	if (ret < 0) {
		snprintf(err, err_size, "cannot write the zero page");
		return ret;
	}
	return 0;
}

int vmm_boot_prepare(const struct vmm_boot_request *req, struct vmm_boot_info *out, char *err,
                     size_t err_size)
{
	return prepare(req, out, err, err_size);
}
