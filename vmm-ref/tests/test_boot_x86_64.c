/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmm_boot_prepare() on x86_64: Debian's bzImage, an initrd and the zero page in guest RAM;
 * Debian's vmlinux (taken out of the bzImage) booted through its PVH note, with the PVH
 * start info and entry state; hostile ELF notes.
 */
#include "boot.h"
#include "elf_craft.h"
#include "helpers.h"
#include "layout_x86_64.h"
#include "lz4_legacy.h"
#include <cvmm/linux_loader_pvh.h>
#include <cvmm/linux_loader_x86.h>

#include <elf.h>
#include <errno.h>

static struct test_ram t;
static struct ll_file_buf kernel, initrd;

static void fini(void)
{
	test_ram_free(&t);
	ll_file_free(&kernel);
	ll_file_free(&initrd);
	test_files_close();
}

TestSuite(boot, .fini = fini);

Test(boot, ram_range)
{
	uint64_t base, size;
	cr_assert_eq(vmm_boot_ram_range(256 * MIB, &base, &size), 0);
	cr_assert_eq(base, 0);
	cr_assert_eq(size, 256 * MIB);
	cr_assert_eq(vmm_boot_ram_range(8192 * MIB, &base, &size), 0);
	cr_assert_eq(size, VMM_X86_MMIO_GAP_START, "loaders see the RAM below the gap");
	cr_assert_eq(vmm_boot_ram_range(MIB, &base, &size), -EINVAL);
}

Test(boot, debian_bzimage_with_initrd)
{
	struct vmm_boot_info info;
	char err[256] = "";

	read_kernel_or_skip(VMM_TEST_KERNEL_X86_64, &kernel);
	test_ram_init_boot(&t, 256 * MIB);
	test_make_initrd(&initrd, 3 * MIB + 17);
	struct vmm_boot_request req = {.ram = &t.ram,
	                               .mem_bytes = 256 * MIB,
	                               .kernel = test_as_file(&kernel),
	                               .initrd = test_as_file(&initrd),
	                               .cmdline = "console=ttyS0 quiet",
	                               .vcpus = 2};
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(info.format, "bzImage");
	cr_assert_eq(info.kernel.entry, 0x1000200);
	cr_assert_eq(info.boot_data_addr, VMM_X86_ZERO_PAGE);
	cr_assert_str_eq((const char *)test_ram_at(&t, VMM_X86_CMDLINE), "console=ttyS0 quiet");

	cr_assert_geq(info.initrd_addr, info.kernel.end);
	cr_assert_leq(info.initrd_addr + initrd.size, 256 * MIB);
	cr_assert_eq(info.initrd_addr % 4096, 0);
	cr_assert_eq(memcmp(test_ram_at(&t, info.initrd_addr), initrd.data, initrd.size), 0);

	const uint8_t *zp = test_ram_at(&t, VMM_X86_ZERO_PAGE);
	cr_assert_eq(ll_le32(zp + LL_BP_HEADER), 0x53726448);
	cr_assert_eq(zp[LL_BP_TYPE_OF_LOADER], 0xff);
	cr_assert_eq(ll_le32(zp + LL_BP_CMD_LINE_PTR), VMM_X86_CMDLINE);
	cr_assert_eq(ll_le32(zp + LL_BP_RAMDISK_IMAGE), info.initrd_addr);
	cr_assert_eq(ll_le32(zp + LL_BP_RAMDISK_SIZE), initrd.size);
	cr_assert_eq(zp[LL_BP_E820_ENTRIES], 2);
	cr_assert_eq(ll_le64(zp + LL_BP_E820_TABLE + 20 + 8), 255 * MIB);
	cr_assert_eq(ll_le32(zp + LL_BP_CMDLINE_SIZE), 2047, "the kernel's own header");
}

Test(boot, errors)
{
	struct vmm_boot_info info;
	char err[256];
	static char long_cmdline[2049];

	read_kernel_or_skip(VMM_TEST_KERNEL_X86_64, &kernel);
	test_ram_init_boot(&t, 256 * MIB);
	memset(long_cmdline, 'x', 2048);
	struct vmm_boot_request req = {.ram = &t.ram,
	                               .mem_bytes = 256 * MIB,
	                               .kernel = test_as_file(&kernel),
	                               .cmdline = long_cmdline};
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), -E2BIG);
	cr_assert_not_null(strstr(err, "command line"), "%s", err);

	req.cmdline = "";
	test_make_initrd(&initrd, 240 * MIB);
	req.initrd = test_as_file(&initrd);
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), -ENOSPC);
	cr_assert_not_null(strstr(err, "initrd"), "%s", err);

	/* Not an x86 kernel at all. */
	uint8_t junk[4096] = "MZ this is not a kernel";
	struct ll_file_buf j = {.data = junk, .size = sizeof(junk), .mapped = 0};
	req.kernel = test_as_file(&j);
	req.initrd = NULL;
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), -ENOEXEC);
	cr_assert_str_eq(err, "the kernel is neither a bzImage nor an ELF vmlinux");
	cr_assert_null(strchr(err, '\n'));
}

Test(boot, ram_regions)
{
	struct vmm_ram_region r[VMM_RAM_REGIONS_MAX];

	cr_assert_eq(vmm_boot_ram_regions(256 * MIB, r), 1);
	cr_assert_eq(r[0].gpa, 0);
	cr_assert_eq(r[0].size, 256 * MIB);
	cr_assert_eq(vmm_boot_ram_regions(5120 * MIB, r), 2);
	cr_assert_eq(r[0].size, VMM_X86_MMIO_GAP_START);
	cr_assert_eq(r[1].gpa, VMM_X86_MMIO_GAP_END);
	cr_assert_eq(r[1].size, 2048 * MIB);
	cr_assert_eq(vmm_boot_ram_regions(MIB, r), -EINVAL);
}

/* Debian's vmlinux, or a skip when the cache or its LZ4 payload is not there. */
static uint8_t *debian_vmlinux(size_t *len)
{
	read_kernel_or_skip(VMM_TEST_KERNEL_X86_64, &kernel);
	uint8_t *v = lz4_vmlinux_from_bzimage(kernel.data, kernel.size, len);
	if (!v)
		cr_skip_test("this bzImage's payload is not LZ4-compressed");
	return v;
}

/* The type field of the first XEN_ELFNOTE_PHYS32_ENTRY note of a well-formed ELF. */
static uint8_t *pvh_note_type(uint8_t *v, size_t len)
{
	uint64_t phoff = ll_le64(v + offsetof(Elf64_Ehdr, e_phoff));
	unsigned phnum = ll_le16(v + offsetof(Elf64_Ehdr, e_phnum));

	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = v + phoff + i * sizeof(Elf64_Phdr);
		if (ll_le32(ph) != PT_NOTE)
			continue;
		uint64_t off = ll_le64(ph + offsetof(Elf64_Phdr, p_offset));
		uint64_t end = off + ll_le64(ph + offsetof(Elf64_Phdr, p_filesz));
		cr_assert_leq(end, len);
		while (off + 12 <= end) {
			uint8_t *n = v + off;
			uint32_t namesz = ll_le32(n), descsz = ll_le32(n + 4);
			if (ll_le32(n + 8) == 18 && namesz == 4 && memcmp(n + 12, "Xen", 4) == 0)
				return n + 8;
			off += 12 + ((namesz + 3) & ~3u) + ((descsz + 3) & ~3u);
		}
	}
	return NULL;
}

Test(boot, debian_vmlinux_pvh_with_initrd)
{
	struct vmm_boot_info info;
	char err[256] = "";
	size_t len;
	uint8_t *v = debian_vmlinux(&len);
	struct ll_file_buf elf = {.data = v, .size = len};

	test_ram_init_boot(&t, 1024 * MIB);
	test_make_initrd(&initrd, MIB);
	struct vmm_boot_request req = {.ram = &t.ram,
	                               .mem_bytes = 1024 * MIB,
	                               .kernel = test_as_file(&elf),
	                               .initrd = test_as_file(&initrd),
	                               .cmdline = "console=ttyS0 quiet",
	                               .vcpus = 2};
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), 0, "%s", err);
	const struct vmm_machine_record rec = {.vcpus = 2};
	cr_assert_eq(vmm_boot_describe(&req, &info, &rec, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(info.format, "ELF vmlinux");
	cr_assert(info.has_pvh, "Debian's kernel has CONFIG_PVH=y");
	cr_assert_gt(info.pvh_entry, 0x1000000);
	cr_assert_eq(info.kernel.entry, info.pvh_entry, "the vCPU starts at the PVH entry");
	cr_assert_eq(info.boot_data_addr, VMM_X86_PVH_INFO);
	cr_assert_eq(info.boot_data_size, ll_x86_pvh_info_size(2));
	cr_assert_leq(info.initrd_addr + initrd.size, 0x38000000);
	cr_assert_geq(info.initrd_addr, info.kernel.end);
	cr_assert_eq(memcmp(test_ram_at(&t, info.initrd_addr), initrd.data, initrd.size), 0);

	const uint8_t *si = test_ram_at(&t, VMM_X86_PVH_INFO);
	cr_assert_eq(ll_le32(si + LL_PVH_SI_MAGIC), 0x336ec578);
	cr_assert_eq(ll_le32(si + LL_PVH_SI_VERSION), 1);
	cr_assert_eq(ll_le32(si + LL_PVH_SI_FLAGS), 0);
	uint64_t cmd = ll_le64(si + LL_PVH_SI_CMDLINE);
	cr_assert_str_eq((const char *)test_ram_at(&t, cmd), "console=ttyS0 quiet");
	/* The initrd is the first (only) module. */
	cr_assert_eq(ll_le32(si + LL_PVH_SI_NR_MODULES), 1);
	const uint8_t *mod = test_ram_at(&t, ll_le64(si + LL_PVH_SI_MODLIST));
	cr_assert_eq(ll_le64(mod), info.initrd_addr);
	cr_assert_eq(ll_le64(mod + 8), initrd.size);
	cr_assert_eq(ll_le64(mod + 16), 0, "no module command line");
	/* The RSDP of the ACPI tables vmm-ref built. */
	uint64_t rsdp = ll_le64(si + LL_PVH_SI_RSDP);
	cr_assert_eq(rsdp, VMM_X86_ACPI);
	cr_assert_eq(memcmp(test_ram_at(&t, rsdp), "RSD PTR ", 8), 0);
	/* The memory map: the e820 map, E820 types, low RAM and RAM from 1 MiB. */
	cr_assert_eq(ll_le32(si + LL_PVH_SI_MEMMAP_ENTRIES), 2);
	uint64_t mm = ll_le64(si + LL_PVH_SI_MEMMAP);
	cr_assert_lt(mm, 1024 * MIB);
	const uint8_t *e = test_ram_at(&t, mm);
	cr_assert_eq(ll_le64(e), 0);
	cr_assert_eq(ll_le64(e + 8), VMM_X86_EBDA_START);
	cr_assert_eq(ll_le32(e + 16), LL_E820_RAM);
	cr_assert_eq(ll_le64(e + 24), VMM_X86_HIGH_RAM);
	cr_assert_eq(ll_le64(e + 32), 1024 * MIB - VMM_X86_HIGH_RAM);
	cr_assert_eq(ll_le32(e + 40), LL_E820_RAM);
	/* Everything the guest reads before paging is on lies below 4 GiB, and the zero page
	   is not written: PVH does not use it. */
	cr_assert_lt(VMM_X86_PVH_INFO + info.boot_data_size, 0x100000000ull);
	cr_assert(all_bytes(test_ram_at(&t, VMM_X86_ZERO_PAGE), LL_ZERO_PAGE_SIZE, FILL));
	/* The PVH GDT is in RAM. */
	uint64_t gdt[LL_X86_PVH_GDT_ENTRIES];
	ll_x86_pvh_gdt_build(gdt);
	for (size_t i = 0; i < LL_X86_PVH_GDT_ENTRIES; i++)
		cr_assert_eq(ll_le64(test_ram_at(&t, VMM_X86_PVH_GDT + 8 * i)), gdt[i]);
	free(v);
}

Test(boot, debian_vmlinux_pvh_without_initrd)
{
	struct vmm_boot_info info;
	char err[256] = "";
	size_t len;
	uint8_t *v = debian_vmlinux(&len);
	struct ll_file_buf elf = {.data = v, .size = len};

	test_ram_init_boot(&t, 256 * MIB);
	struct vmm_boot_request req = {.ram = &t.ram,
	                               .mem_bytes = 256 * MIB,
	                               .kernel = test_as_file(&elf),
	                               .cmdline = "",
	                               .vcpus = 1};
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), 0, "%s", err);
	const uint8_t *si = test_ram_at(&t, VMM_X86_PVH_INFO);
	cr_assert_eq(ll_le32(si + LL_PVH_SI_NR_MODULES), 0);
	cr_assert_eq(ll_le64(si + LL_PVH_SI_MODLIST), 0, "0: no module list");
	cr_assert_eq(*test_ram_at(&t, ll_le64(si + LL_PVH_SI_CMDLINE)), '\0');

	/* Linux's COMMAND_LINE_SIZE: 2047 characters fit, 2048 do not. */
	static char line[2049];
	memset(line, 'x', 2047);
	req.cmdline = line;
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), 0, "%s", err);
	line[2047] = 'x';
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), -E2BIG);
	cr_assert_not_null(strstr(err, "2047 bytes"), "%s", err);
	free(v);
}

/* Without the PVH note an ELF keeps the 64-bit boot protocol: startup_64 and the zero
   page. */
Test(boot, vmlinux_without_pvh_note_uses_64bit_entry)
{
	struct vmm_boot_info info;
	char err[256] = "";
	size_t len;
	uint8_t *v = debian_vmlinux(&len);
	struct ll_file_buf elf = {.data = v, .size = len};
	uint8_t *type = pvh_note_type(v, len);

	cr_assert_not_null(type, "Debian's vmlinux has the note");
	ll_put_le32(type, 0x7fff); /* a note type nobody reads */
	test_ram_init_boot(&t, 256 * MIB);
	struct vmm_boot_request req = {.ram = &t.ram,
	                               .mem_bytes = 256 * MIB,
	                               .kernel = test_as_file(&elf),
	                               .cmdline = "quiet",
	                               .vcpus = 1};
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(info.has_pvh);
	cr_assert_eq(info.kernel.entry, 0x1000000, "phys_startup_64");
	cr_assert_eq(info.boot_data_addr, VMM_X86_ZERO_PAGE);
	const uint8_t *zp = test_ram_at(&t, VMM_X86_ZERO_PAGE);
	cr_assert_eq(ll_le16(zp + LL_BP_BOOT_FLAG), 0xaa55);
	cr_assert_eq(ll_le32(zp + LL_BP_HEADER), 0x53726448);
	cr_assert_eq(ll_le32(zp + LL_BP_CMD_LINE_PTR), VMM_X86_CMDLINE);
	cr_assert(all_bytes(test_ram_at(&t, VMM_X86_PVH_INFO), VMM_X86_PVH_INFO_MAX, FILL),
	          "no start info");
	free(v);
}

/* ---- Crafted ELF kernels with hostile notes ---- */

#define CR_LEN 0x3000
#define CR_NOTE 0x2000 /* file offset of the note segment */

/* One PT_LOAD of 4 KiB at 16 MiB (e_entry at its start), then a PT_NOTE holding one Xen
   PHYS32_ENTRY note whose 4-byte desc is pvh_entry. */
static uint8_t *craft(uint32_t pvh_entry)
{
	uint8_t *e = calloc(1, CR_LEN), desc[4];
	size_t note;

	cr_assert_not_null(e);
	elf_craft_header(e, 0x1000000, 2);
	elf_craft_phdr(e, 0, PT_LOAD, 0x1000, 0x1000000, 0x1000, 0x1000);
	ll_put_le32(desc, pvh_entry);
	note = elf_craft_note(e + CR_NOTE, "Xen", LL_XEN_ELFNOTE_PHYS32_ENTRY, desc, sizeof(desc));
	elf_craft_phdr(e, 1, PT_NOTE, CR_NOTE, 0, note, note);
	return e;
}

Test(boot, hostile_pvh_notes_are_refused)
{
	struct vmm_boot_info info;
	char err[256];
	uint8_t *e = craft(0x1000010);
	struct ll_file_buf k = {.data = e, .size = CR_LEN};

	test_ram_init_boot(&t, 64 * MIB);
	struct vmm_boot_request req = {.ram = &t.ram,
	                               .mem_bytes = 64 * MIB,
	                               .kernel = test_as_file(&k),
	                               .cmdline = "",
	                               .vcpus = 1};
	/* The well-formed one boots through its note. */
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), 0, "%s", err);
	cr_assert(info.has_pvh);
	cr_assert_eq(info.kernel.entry, 0x1000010);
	free(e);
	test_ram_free(&t);

	/* Each damage, by index in the switch below. */
	const struct {
		const char *what;
		size_t len; /* file length given to the loader */
	} bad[] = {
	    {"entry outside every segment", CR_LEN},
	    {"desc of 2 bytes", CR_LEN},
	    {"desc past the note segment", CR_LEN},
	    {"note segment shorter than a note header", CR_LEN},
	    {"name size that wraps when aligned", CR_LEN},
	    {"note segment past the end of the file", CR_NOTE + 16},
	    {"8-byte entry beyond 32 bits", CR_LEN},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e = craft(0x1000010);
		uint8_t *n = e + CR_NOTE;
		switch (i) {
		case 0:
			ll_put_le32(n + 16, 0x2000000);
			break;
		case 1:
			ll_put_le32(n + 4, 2);
			break;
		case 2:
			ll_put_le32(n + 4, 64);
			break;
		case 3:
			elf_craft_phdr(e, 1, PT_NOTE, CR_NOTE, 0, 8, 8);
			break;
		case 4:
			ll_put_le32(n, 0xfffffffe);
			break;
		case 5:
			break; /* the file is cut inside the note */
		case 6:
			ll_put_le32(n + 4, 8);
			ll_put_le64(n + 16, 0x100001000ull);
			elf_craft_phdr(e, 1, PT_NOTE, CR_NOTE, 0, 24, 24);
			break;
		}
		k = (struct ll_file_buf){.data = e, .size = bad[i].len};
		req.kernel = test_as_file(&k);
		test_ram_init_boot(&t, 64 * MIB);
		err[0] = '\0';
		int ret = vmm_boot_prepare(&req, &info, err, sizeof(err));
		cr_assert_eq(ret, -EINVAL, "%s: %d", bad[i].what, ret);
		cr_assert_str_eq(
		    err,
		    "the kernel has a malformed ELF header, program headers or notes (or "
		    "a PVH entry outside its segments)",
		    "%s", bad[i].what);
		cr_assert(all_bytes(t.buf.host, t.buf.size, FILL), "%s: nothing written",
		          bad[i].what);
		test_ram_free(&t);
		free(e);
	}
}

/* ---- The PVH start info builder ---- */

static const struct ll_e820_entry map2[] = {{0, 0x9fc00, LL_E820_RAM},
                                            {0x100000, 255 * MIB, LL_E820_RAM}};

static struct ll_pvh_params good_params(void)
{
	return (struct ll_pvh_params){.ram_end = 256 * MIB,
	                              .cmdline_addr = 0x20000,
	                              .cmdline_len = 5,
	                              .initrd_addr = 200 * MIB,
	                              .initrd_size = MIB,
	                              .memmap = map2,
	                              .memmap_count = 2,
	                              .rsdp_addr = 0xe0000};
}

Test(pvh, start_info_layout)
{
	uint8_t buf[4096];
	struct ll_pvh_params p = good_params();

	memset(buf, FILL, sizeof(buf));
	cr_assert_eq(ll_x86_pvh_info_build(buf, sizeof(buf), 0x6000, &p), 0x80 + 2 * 24);
	cr_assert_eq(ll_le32(buf), 0x336ec578);
	cr_assert_eq(ll_le32(buf + 4), 1);
	cr_assert_eq(ll_le32(buf + 8), 0);
	cr_assert_eq(ll_le32(buf + 12), 1);
	cr_assert_eq(ll_le64(buf + 16), 0x6040);
	cr_assert_eq(ll_le64(buf + 24), 0x20000);
	cr_assert_eq(ll_le64(buf + 32), 0xe0000);
	cr_assert_eq(ll_le64(buf + 40), 0x6080);
	cr_assert_eq(ll_le32(buf + 48), 2);
	cr_assert_eq(ll_le32(buf + 52), 0, "reserved");
	cr_assert_eq(ll_le64(buf + 0x40), 200 * MIB);
	cr_assert_eq(ll_le64(buf + 0x48), MIB);
	cr_assert(all_bytes(buf + 0x50, 16, 0), "module cmdline_paddr and reserved");
	cr_assert_eq(ll_le64(buf + 0x80 + 24), 0x100000);
	cr_assert_eq(ll_le64(buf + 0x80 + 32), 255 * MIB);
	cr_assert_eq(ll_le32(buf + 0x80 + 40), 1);
	cr_assert_eq(ll_le32(buf + 0x80 + 44), 0, "reserved");
	cr_assert(all_bytes(buf + 0x80 + 48, sizeof(buf) - 0x80 - 48, FILL), "nothing past");

	/* Absent parts are 0. */
	p.initrd_size = 0;
	p.cmdline_addr = 0;
	p.cmdline_len = 0;
	p.memmap_count = 0;
	p.rsdp_addr = 0;
	cr_assert_eq(ll_x86_pvh_info_build(buf, sizeof(buf), 0x6000, &p), 0x80);
	cr_assert_eq(ll_le32(buf + 12), 0);
	cr_assert(all_bytes(buf + 16, 40, 0));
}

Test(pvh, start_info_bounds)
{
	uint8_t buf[4096];
	struct ll_pvh_params p;
#define EXPECT(err, what, gpa, size, stmt)                                                         \
	do {                                                                                       \
		p = good_params();                                                                 \
		stmt;                                                                              \
		memset(buf, FILL, sizeof(buf));                                                    \
		cr_assert_eq(ll_x86_pvh_info_build(buf, size, gpa, &p), err, what);                \
		cr_assert(all_bytes(buf, sizeof(buf), FILL), "%s: nothing written", what);         \
	} while (0)
	EXPECT(-EINVAL, "gpa 0 reads as absent", 0, sizeof(buf), (void)0);
	EXPECT(-EINVAL, "unaligned", 0x6004, sizeof(buf), (void)0);
	EXPECT(-ENOSPC, "buffer too small for the map", 0x6000, 0x80 + 24, (void)0);
	EXPECT(-EINVAL, "more map entries than Linux's table", 0x6000, sizeof(buf),
	       p.memmap_count = LL_E820_MAX + 1);
	EXPECT(-EINVAL, "map NULL with a count", 0x6000, sizeof(buf), p.memmap = NULL);
	EXPECT(-EINVAL, "start info past RAM", 256 * MIB - 0x80, sizeof(buf), (void)0);
	EXPECT(-EINVAL, "start info above 4 GiB", 0x100000000ull, sizeof(buf),
	       p.ram_end = 8192 * MIB);
	EXPECT(-EINVAL, "command line past RAM", 0x6000, sizeof(buf),
	       p.cmdline_addr = 256 * MIB - 5);
	EXPECT(-EINVAL, "command line across 4 GiB", 0x6000, sizeof(buf), {
		p.ram_end = 8192 * MIB;
		p.cmdline_addr = 0xfffffffc;
	});
	EXPECT(-EINVAL, "command line address wraps", 0x6000, sizeof(buf),
	       p.cmdline_addr = UINT64_MAX - 2);
	EXPECT(-EINVAL, "command line over the start info", 0x6000, sizeof(buf),
	       p.cmdline_addr = 0x6040);
	EXPECT(-EINVAL, "a length without a command line", 0x6000, sizeof(buf), p.cmdline_addr = 0);
	EXPECT(-E2BIG, "command line longer than Linux takes", 0x6000, sizeof(buf),
	       p.cmdline_len = 2048);
	EXPECT(-EINVAL, "initrd past RAM", 0x6000, sizeof(buf), p.initrd_addr = 256 * MIB - 4096);
	EXPECT(-EINVAL, "initrd at 0", 0x6000, sizeof(buf), p.initrd_addr = 0);
	EXPECT(-EINVAL, "initrd size wraps", 0x6000, sizeof(buf), p.initrd_size = UINT64_MAX);
	EXPECT(-EINVAL, "initrd over the command line", 0x6000, sizeof(buf),
	       p.initrd_addr = 0x1f000);
	EXPECT(-EINVAL, "initrd over the start info", 0x6000, sizeof(buf), p.initrd_addr = 0x5000);
	EXPECT(-EINVAL, "initrd across 4 GiB", 0x6000, sizeof(buf), {
		p.ram_end = 8192 * MIB;
		p.initrd_addr = 0xfff00000;
		p.initrd_size = 2 * MIB;
	});
	static struct ll_e820_entry wrap[] = {{UINT64_MAX - 10, 100, LL_E820_RAM}};
	EXPECT(-EINVAL, "map entry wraps", 0x6000, sizeof(buf), p.memmap = wrap;
	       p.memmap_count = 1);
	static struct ll_e820_entry empty[] = {{0x100000, 0, LL_E820_RAM}};
	EXPECT(-EINVAL, "empty map entry", 0x6000, sizeof(buf), p.memmap = empty;
	       p.memmap_count = 1);
#undef EXPECT
	cr_assert_eq(ll_x86_pvh_info_build(NULL, sizeof(buf), 0x6000, &p), -EINVAL);
	cr_assert_eq(ll_x86_pvh_info_build(buf, sizeof(buf), 0x6000, NULL), -EINVAL);
	/* The largest map fits the layout's page. */
	static struct ll_e820_entry big[LL_E820_MAX];
	for (size_t i = 0; i < LL_E820_MAX; i++)
		big[i] = (struct ll_e820_entry){i * 2 * MIB, MIB, LL_E820_RAM};
	p = good_params();
	p.memmap = big;
	p.memmap_count = LL_E820_MAX;
	cr_assert_leq(ll_x86_pvh_info_size(LL_E820_MAX), VMM_X86_PVH_INFO_MAX);
	cr_assert_eq(ll_x86_pvh_info_build(buf, sizeof(buf), 0x6000, &p),
	             (int)ll_x86_pvh_info_size(LL_E820_MAX));
}
