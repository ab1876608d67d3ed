/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x86_64 kernels: the bzImage loader on Debian's cloud kernel and crafted headers, the
 * zero page and e820 map, initrd placement, and the ELF loader on crafted files and on the
 * real vmlinux inside the bzImage (decompressed here) with its PVH note.
 */
#include "elf_craft.h"
#include "lz4_legacy.h"
#include "ram_helpers.h"
#include <cvmm/linux_loader.h>
#include <cvmm/linux_loader_x86.h>

/* A PC's MMIO gap below 4 GiB, as the e820 tests lay it out. */
#define PC_GAP_START 0xc0000000ull
#define PC_GAP_END 0x100000000ull

#include <elf.h>
#include <errno.h>
#include <stdio.h>

static struct test_ram t;

static void fini(void)
{
	test_ram_free(&t);
}

TestSuite(bzimage, .fini = fini);
TestSuite(elf, .fini = fini);
TestSuite(zero_page);

/* ---- bzImage ---- */

#define SETUP_SECTS 4
#define KOFF ((SETUP_SECTS + 1) * 512)
#define KSIZE 0x3000
#define CRAFT_LEN (KOFF + KSIZE)

/* A protocol 2.15 bzImage header with a KSIZE-byte "kernel". */
static uint8_t *craft_bz(void)
{
	uint8_t *b = calloc(1, CRAFT_LEN);
	cr_assert_not_null(b);
	b[0x1f1] = SETUP_SECTS;
	ll_put_le32(b + 0x1f4, KSIZE / 16);
	ll_put_le16(b + 0x1fe, 0xaa55);
	b[0x200] = 0xeb;
	b[0x201] = 0x6a; /* header ends at 0x26c */
	ll_put_le32(b + 0x202, 0x53726448);
	ll_put_le16(b + 0x206, 0x020f);
	b[0x211] = 0x01; /* LOADED_HIGH */
	ll_put_le32(b + 0x214, 0x100000);
	ll_put_le32(b + 0x22c, 0x7fffffff);
	ll_put_le32(b + 0x230, 0x200000);
	b[0x234] = 1;
	ll_put_le16(b + 0x236, 0x3); /* XLF_KERNEL_64 | CAN_BE_LOADED_ABOVE_4G */
	ll_put_le32(b + 0x238, 2047);
	ll_put_le64(b + 0x258, 0x1000000);
	ll_put_le32(b + 0x260, 0x10000);
	for (size_t i = KOFF; i < CRAFT_LEN; i++)
		b[i] = (uint8_t)(i * 7);
	return b;
}

Test(bzimage, debian_cloud_kernel)
{
	struct ll_file_buf k = {0};
	struct ll_bzimage_info info;
	struct ll_kernel_load out;

	read_kernel_or_skip(VMM_TEST_KERNEL_X86_64, &k);
	test_ram_init(&t, 0, 256 * MIB);
	cr_assert_eq(ll_bzimage_load(&t.ram, k.data, k.size, &info, &out), 0);

	/* The fields as the file has them. */
	cr_assert_geq(info.version, 0x020c);
	cr_assert_eq(info.version, ll_le16(k.data + 0x206));
	cr_assert_eq(info.setup_sects, k.data[0x1f1]);
	cr_assert_eq(info.kernel_offset, (k.data[0x1f1] + 1u) * 512);
	cr_assert_eq(info.kernel_size, k.size - info.kernel_offset);
	cr_assert(info.loadflags & 1, "LOADED_HIGH");
	cr_assert(info.xloadflags & 1, "XLF_KERNEL_64");
	cr_assert(info.relocatable);
	cr_assert_eq(info.cmdline_size, 2047);
	cr_assert_eq(info.pref_address, 0x1000000, "CONFIG_PHYSICAL_START");
	cr_assert_eq(info.kernel_alignment, 0x200000, "CONFIG_PHYSICAL_ALIGN");
	cr_assert_eq(info.init_size, ll_le32(k.data + 0x260));
	cr_assert_gt(info.init_size, info.kernel_size);
	cr_assert_eq(info.header_end, 0x202u + k.data[0x201]);

	cr_assert_eq(out.load_addr, 0x1000000);
	cr_assert_eq(out.entry, 0x1000200, "64-bit entry");
	cr_assert_eq(out.end, 0x1000000ull + info.init_size);
	cr_assert_eq(
	    memcmp(test_ram_at(&t, 0x1000000), k.data + info.kernel_offset, info.kernel_size), 0);
	cr_assert_eq(*test_ram_at(&t, 0xffffff), FILL, "nothing below the load address");
	cr_assert_eq(*test_ram_at(&t, 0x1000000 + info.kernel_size), FILL,
	             "init_size is reserved, not written");
	ll_file_free(&k);
}

Test(bzimage, debian_cloud_kernel_too_big_for_ram)
{
	struct ll_file_buf k = {0};
	struct ll_kernel_load out;

	read_kernel_or_skip(VMM_TEST_KERNEL_X86_64, &k);
	/* 16 MiB + the file fits in 32 MiB, 16 MiB + init_size does not. */
	test_ram_init(&t, 0, 32 * MIB);
	cr_assert_eq(ll_bzimage_load(&t.ram, k.data, k.size, NULL, &out), -ENOSPC);
	cr_assert(all_bytes(t.buf.host, t.buf.size, FILL));
	cr_assert_eq(ll_bzimage_load(&t.ram, k.data, 0x200, NULL, &out), -ENOEXEC, "truncated");
	ll_file_free(&k);
}

Test(bzimage, crafted_good)
{
	struct ll_bzimage_info info;
	struct ll_kernel_load out;
	uint8_t *b = craft_bz();

	test_ram_init(&t, 0, 32 * MIB);
	cr_assert_eq(ll_bzimage_load(&t.ram, b, CRAFT_LEN, &info, &out), 0);
	cr_assert_eq(out.load_addr, 0x1000000);
	cr_assert_eq(out.end, 0x1010000);
	cr_assert_eq(memcmp(test_ram_at(&t, 0x1000000), b + KOFF, KSIZE), 0);

	/* setup_sects 0 means 4. */
	b[0x1f1] = 0;
	cr_assert_eq(ll_bzimage_parse(b, CRAFT_LEN, &info), 0);
	cr_assert_eq(info.setup_sects, 4);

	/* Protocol 2.06 (no pref_address): 1 MiB, and the file's length as the span. */
	b[0x201] = 0x3a; /* header ends at 0x23c */
	ll_put_le16(b + 0x206, 0x0206);
	cr_assert_eq(ll_bzimage_load(&t.ram, b, CRAFT_LEN, &info, &out), 0);
	cr_assert_eq(out.load_addr, LL_BZIMAGE_LOW_LOAD);
	cr_assert_eq(out.end, LL_BZIMAGE_LOW_LOAD + KSIZE);

	/* A relocatable kernel off its alignment is loaded as asked; it realigns itself. */
	ll_put_le16(b + 0x206, 0x020f);
	b[0x201] = 0x6a;
	ll_put_le64(b + 0x258, 0x1001000);
	cr_assert_eq(ll_bzimage_load(&t.ram, b, CRAFT_LEN, &info, &out), 0);
	cr_assert_eq(out.load_addr, 0x1001000);
	free(b);
}

Test(bzimage, cmdline_limit_is_the_kernels)
{
	struct ll_bzimage_info info;
	uint8_t *b = craft_bz();

	/* A bzImage's own cmdline_size, whatever it is. */
	ll_put_le32(b + 0x238, 255);
	cr_assert_eq(ll_bzimage_parse(b, CRAFT_LEN, &info), 0);
	cr_assert_eq(ll_x86_cmdline_max(&info), 255);
	ll_put_le32(b + 0x238, 4095);
	cr_assert_eq(ll_bzimage_parse(b, CRAFT_LEN, &info), 0);
	cr_assert_eq(ll_x86_cmdline_max(&info), 4095);
	/* An ELF vmlinux states none: COMMAND_LINE_SIZE - 1. */
	cr_assert_eq(ll_x86_cmdline_max(NULL), 2047);
	free(b);
}

Test(bzimage, crafted_bad)
{
	struct ll_bzimage_info info;
	struct ll_kernel_load out;
	uint8_t *b;

	test_ram_init(&t, 0, 32 * MIB);
#define EXPECT(err, what, stmt)                                                                    \
	do {                                                                                       \
		b = craft_bz();                                                                    \
		stmt;                                                                              \
		cr_assert_eq(ll_bzimage_load(&t.ram, b, CRAFT_LEN, &info, &out), err, what);       \
		free(b);                                                                           \
	} while (0)
	EXPECT(-ENOEXEC, "boot flag", ll_put_le16(b + 0x1fe, 0x55aa));
	EXPECT(-ENOEXEC, "HdrS", b[0x205] = 'T');
	EXPECT(-ENOTSUP, "protocol 2.05", ll_put_le16(b + 0x206, 0x0205));
	EXPECT(-ENOTSUP, "zImage", b[0x211] = 0);
	EXPECT(-ENOTSUP, "no 64-bit entry", ll_put_le16(b + 0x236, 0x2));
	EXPECT(-EINVAL, "no short jump", b[0x200] = 0xe9);
	EXPECT(-EINVAL, "header ends before cmdline_size", b[0x201] = 0x30);
	EXPECT(-EINVAL, "setup past the end of the file", b[0x1f1] = 0xff);
	EXPECT(-EINVAL, "syssize larger than the file", ll_put_le32(b + 0x1f4, KSIZE / 16 + 1));
	EXPECT(-EINVAL, "alignment not a power of two", ll_put_le32(b + 0x230, 0x300000));
	EXPECT(-ENOSPC, "init_size past RAM", ll_put_le32(b + 0x260, 0xffffffff));
	EXPECT(-ENOSPC, "pref_address + init_size overflows",
	       ll_put_le64(b + 0x258, 0xffffffffffe00000ull));
	EXPECT(-ENOSPC, "pref_address past RAM", ll_put_le64(b + 0x258, 0x40000000));
#undef EXPECT
	cr_assert(all_bytes(t.buf.host, t.buf.size, FILL), "no failed load wrote anything");

	b = craft_bz();
	/* The header itself cut short: up to the version field, still no bzImage. */
	cr_assert_eq(ll_bzimage_parse(b, 0x207, &info), -ENOEXEC);
	cr_assert_eq(ll_bzimage_parse(b, 0x208, &info), -EINVAL, "header end beyond file");
	cr_assert_eq(ll_bzimage_parse(b, KOFF, &info), -EINVAL, "no kernel after the setup");
	cr_assert_eq(ll_bzimage_parse(b, KOFF + 0x200, &info), -EINVAL, "no room for the entry");
	free(b);
}

/* ---- zero page, e820, initrd ---- */

Test(zero_page, e820_maps)
{
	struct ll_e820_entry e[LL_E820_MAX];

	cr_assert_eq(ll_x86_e820_build(256 * MIB, PC_GAP_START, PC_GAP_END, e, LL_E820_MAX), 2);
	cr_assert_eq(e[0].addr, 0);
	cr_assert_eq(e[0].size, LL_X86_EBDA_START);
	cr_assert_eq(e[0].type, LL_E820_RAM);
	cr_assert_eq(e[1].addr, 0x100000);
	cr_assert_eq(e[1].size, 256 * MIB - 0x100000);

	cr_assert_eq(ll_x86_e820_build(4096 * MIB, PC_GAP_START, PC_GAP_END, e, LL_E820_MAX), 3);
	cr_assert_eq(e[1].addr + e[1].size, PC_GAP_START);
	cr_assert_eq(e[2].addr, 0x100000000ull);
	cr_assert_eq(e[2].size, 1024 * MIB, "the part above the gap moves to 4 GiB");

	cr_assert_eq(ll_x86_e820_build(3072 * MIB, PC_GAP_START, PC_GAP_END, e, LL_E820_MAX), 2,
	             "exactly up to the gap");
	cr_assert_eq(ll_x86_e820_build(4096 * MIB, PC_GAP_START, PC_GAP_END, e, 2), -ENOSPC);
	cr_assert_eq(ll_x86_e820_build(MIB, PC_GAP_START, PC_GAP_END, e, LL_E820_MAX), -EINVAL);
	cr_assert_eq(ll_x86_e820_build(UINT64_MAX, PC_GAP_START, PC_GAP_END, e, LL_E820_MAX),
	             -EINVAL);
}

Test(zero_page, from_debian_bzimage)
{
	struct ll_file_buf k = {0};
	struct ll_bzimage_info info;
	struct ll_e820_entry e[4];
	uint8_t zp[LL_ZERO_PAGE_SIZE];

	read_kernel_or_skip(VMM_TEST_KERNEL_X86_64, &k);
	cr_assert_eq(ll_bzimage_parse(k.data, k.size, &info), 0);
	int n = ll_x86_e820_build(5000 * MIB, PC_GAP_START, PC_GAP_END, e, 4);
	cr_assert_eq(n, 3);
	struct ll_zero_page_params p = {
	    .setup_header = k.data + LL_BP_HDR,
	    .setup_header_len = info.header_end - LL_BP_HDR,
	    .cmdline_addr = 0x20000,
	    .cmdline_len = 2047,
	    .initrd_addr = 0x123456000ull,
	    .initrd_size = 0x654321,
	    .e820 = e,
	    .e820_count = (size_t)n,
	};
	memset(zp, 0x77, sizeof(zp));
	cr_assert_eq(ll_x86_zero_page_build(zp, &p), 0);
	cr_assert_eq(memcmp(zp + LL_BP_HDR, k.data + LL_BP_HDR, 0x210 - LL_BP_HDR), 0,
	             "setup header copied");
	cr_assert_eq(ll_le16(zp + LL_BP_BOOT_FLAG), 0xaa55);
	cr_assert_eq(ll_le32(zp + LL_BP_HEADER), 0x53726448);
	cr_assert_eq(zp[LL_BP_TYPE_OF_LOADER], 0xff);
	cr_assert_eq(ll_le32(zp + LL_BP_CMD_LINE_PTR), 0x20000);
	cr_assert_eq(ll_le32(zp + LL_BP_EXT_CMD_LINE_PTR), 0);
	cr_assert_eq(ll_le32(zp + LL_BP_RAMDISK_IMAGE), 0x23456000);
	cr_assert_eq(ll_le32(zp + LL_BP_EXT_RAMDISK_IMAGE), 1);
	cr_assert_eq(ll_le32(zp + LL_BP_RAMDISK_SIZE), 0x654321);
	cr_assert_eq(zp[LL_BP_E820_ENTRIES], 3);
	const uint8_t *e2 = zp + LL_BP_E820_TABLE + 2 * LL_BP_E820_ENTRY_SIZE;
	cr_assert_eq(ll_le64(e2), 0x100000000ull);
	cr_assert_eq(ll_le64(e2 + 8), (5000 - 3072) * MIB);
	cr_assert_eq(ll_le32(e2 + 16), LL_E820_RAM);
	cr_assert(all_bytes(zp + LL_BP_E820_TABLE + 3 * LL_BP_E820_ENTRY_SIZE,
	                    LL_ZERO_PAGE_SIZE - LL_BP_E820_TABLE - 3 * LL_BP_E820_ENTRY_SIZE, 0),
	          "the rest is zero");

	/* One byte more than the kernel's cmdline_size. */
	p.cmdline_len = 2048;
	cr_assert_eq(ll_x86_zero_page_build(zp, &p), -E2BIG);
	p.cmdline_len = 10;
	p.e820_count = LL_E820_MAX + 1;
	cr_assert_eq(ll_x86_zero_page_build(zp, &p), -EINVAL);
	p.e820_count = 1;
	p.setup_header_len = LL_BP_HDR_END - LL_BP_HDR + 1;
	cr_assert_eq(ll_x86_zero_page_build(zp, &p), -EINVAL);
	ll_file_free(&k);
}

Test(zero_page, minimal_header_for_elf_kernels)
{
	uint8_t zp[LL_ZERO_PAGE_SIZE];
	struct ll_zero_page_params p = {.cmdline_addr = 0x20000, .cmdline_len = 5};

	cr_assert_eq(ll_x86_zero_page_build(zp, &p), 0);
	cr_assert_eq(ll_le16(zp + LL_BP_BOOT_FLAG), 0xaa55);
	cr_assert_eq(ll_le32(zp + LL_BP_HEADER), 0x53726448);
	cr_assert_eq(zp[LL_BP_TYPE_OF_LOADER], 0xff);
	cr_assert_eq(ll_le32(zp + LL_BP_RAMDISK_SIZE), 0);
	cr_assert_eq(zp[LL_BP_E820_ENTRIES], 0);
	p.initrd_size = 0x100000000ull;
	cr_assert_eq(ll_x86_zero_page_build(zp, &p), -EINVAL, "initrd size beyond 32 bits");
}

Test(zero_page, initrd_placement)
{
	uint64_t a = 0;

	cr_assert_eq(ll_x86_place_initrd(256 * MIB, 0x4378000, 10 * MIB + 1, 0x7fffffff, &a), 0);
	cr_assert_eq(a, ll_align_down(256 * MIB - 10 * MIB - 1, 4096));
	/* initrd_addr_max is the last byte the initrd may use. */
	cr_assert_eq(ll_x86_place_initrd(2048 * MIB, 0x4378000, 4096, 0x37ffffff, &a), 0);
	cr_assert_eq(a, 0x38000000 - 4096);
	cr_assert_eq(ll_x86_place_initrd(64 * MIB, 60 * MIB, 4 * MIB + 1, 0x7fffffff, &a), -ENOSPC);
	cr_assert_eq(ll_x86_place_initrd(64 * MIB, 60 * MIB, UINT64_MAX, 0x7fffffff, &a), -ENOSPC);
	cr_assert_eq(ll_x86_place_initrd(64 * MIB, UINT64_MAX, 1, 0x7fffffff, &a), -ENOSPC);
	cr_assert_eq(
	    ll_x86_place_initrd(64 * MIB, 60 * MIB + 1, 4 * MIB - 0x1000 + 1, 0xffffffff, &a),
	    -ENOSPC);
	cr_assert_eq(ll_x86_place_initrd(64 * MIB, 60 * MIB, 4 * MIB, 0xffffffff, &a), 0);
	cr_assert_eq(a, 60 * MIB);
}

/* ---- ELF ---- */

#define ELF_LEN 0x3100

/*
 * An x86_64 executable: PT_LOAD 0x1000 bytes (+0x2000 bss) at 1 MiB, PT_LOAD 0x800 bytes at
 * 2 MiB, and a PT_NOTE with a GNU note and the Xen PVH entry note (8-byte desc).
 */
static uint8_t *craft_elf(void)
{
	const uint8_t build_id[20] = {0};
	uint8_t pvh_entry[8];
	uint8_t *e = calloc(1, ELF_LEN);
	size_t notes;

	cr_assert_not_null(e);
	elf_craft_header(e, 0x100010, 3);
	elf_craft_phdr(e, 0, PT_LOAD, 0x1000, 0x100000, 0x1000, 0x3000);
	elf_craft_phdr(e, 1, PT_LOAD, 0x2000, 0x200000, 0x800, 0x800);
	for (size_t i = 0x1000; i < 0x2800; i++)
		e[i] = (uint8_t)(i * 13 + 1);
	ll_put_le64(pvh_entry, 0x100020);
	notes = elf_craft_note(e + 0x3000, "GNU", 3, build_id, sizeof(build_id));
	notes += elf_craft_note(e + 0x3000 + notes, "Xen", LL_XEN_ELFNOTE_PHYS32_ENTRY, pvh_entry,
	                        sizeof(pvh_entry));
	elf_craft_phdr(e, 2, PT_NOTE, 0x3000, 0, notes, notes);
	return e;
}

Test(elf, crafted_good)
{
	struct ll_elf_info info;
	struct ll_kernel_load out;
	uint8_t *e = craft_elf();

	test_ram_init(&t, 0, 4 * MIB);
	cr_assert_eq(ll_elf_load(&t.ram, e, ELF_LEN, EM_X86_64, &info, &out), 0);
	cr_assert_eq(info.num_load, 2);
	cr_assert_eq(info.low, 0x100000);
	cr_assert_eq(info.end, 0x200800);
	cr_assert(info.has_pvh);
	cr_assert_eq(info.pvh_entry, 0x100020);
	cr_assert_eq(out.entry, 0x100010);
	cr_assert_eq(out.load_addr, 0x100000);
	cr_assert_eq(out.end, 0x200800);
	cr_assert_eq(memcmp(test_ram_at(&t, 0x100000), e + 0x1000, 0x1000), 0);
	cr_assert(all_bytes(test_ram_at(&t, 0x101000), 0x2000, 0), "bss zeroed");
	cr_assert_eq(*test_ram_at(&t, 0x103000), FILL);
	cr_assert_eq(memcmp(test_ram_at(&t, 0x200000), e + 0x2000, 0x800), 0);
	cr_assert_eq(*test_ram_at(&t, 0x200800), FILL);

	/* A 4-byte PVH desc, as other kernels emit it; and no note at all. */
	ll_put_le32(e + 0x3000 + 36 + 4, 4);
	ll_put_le32(e + 0x3000 + 36 + 16, 0x100030);
	elf_craft_phdr(e, 2, PT_NOTE, 0x3000, 0, 36 + 20, 36 + 20);
	cr_assert_eq(ll_elf_parse(e, ELF_LEN, EM_X86_64, &info), 0);
	cr_assert_eq(info.pvh_entry, 0x100030);
	ll_put_le32(e + ELF_CRAFT_PHDR(2), PT_NULL);
	cr_assert_eq(ll_elf_parse(e, ELF_LEN, EM_X86_64, &info), 0);
	cr_assert(!info.has_pvh);
	free(e);
}

Test(elf, crafted_bad)
{
	struct ll_elf_info info;
	struct ll_kernel_load out;
	uint8_t *e;

	test_ram_init(&t, 0, 4 * MIB);
#define EXPECT(err, what, stmt)                                                                    \
	do {                                                                                       \
		e = craft_elf();                                                                   \
		stmt;                                                                              \
		cr_assert_eq(ll_elf_load(&t.ram, e, ELF_LEN, EM_X86_64, &info, &out), err, what);  \
		free(e);                                                                           \
	} while (0)
	EXPECT(-ENOEXEC, "magic", e[1] = 'X');
	EXPECT(-ENOTSUP, "32-bit", e[EI_CLASS] = ELFCLASS32);
	EXPECT(-ENOTSUP, "big-endian", e[EI_DATA] = ELFDATA2MSB);
	EXPECT(-ENOTSUP, "aarch64", ll_put_le16(e + offsetof(Elf64_Ehdr, e_machine), EM_AARCH64));
	EXPECT(-ENOTSUP, "shared object", ll_put_le16(e + offsetof(Elf64_Ehdr, e_type), ET_DYN));
	EXPECT(-EINVAL, "no program headers", ll_put_le16(e + offsetof(Elf64_Ehdr, e_phnum), 0));
	EXPECT(-EINVAL, "phentsize too small",
	       ll_put_le16(e + offsetof(Elf64_Ehdr, e_phentsize), 32));
	EXPECT(-EINVAL, "phdrs past the end",
	       ll_put_le64(e + offsetof(Elf64_Ehdr, e_phoff), ELF_LEN - 100));
	EXPECT(-EINVAL, "phoff overflow",
	       ll_put_le64(e + offsetof(Elf64_Ehdr, e_phoff), UINT64_MAX - 10));
	EXPECT(-EINVAL, "huge phnum * phentsize", {
		ll_put_le16(e + offsetof(Elf64_Ehdr, e_phnum), 0xfffe);
		ll_put_le16(e + offsetof(Elf64_Ehdr, e_phentsize), 0xffff);
	});
	EXPECT(-EINVAL, "segment past the file",
	       elf_craft_phdr(e, 1, PT_LOAD, 0x3000, 0x200000, 0x200, 0x800));
	EXPECT(-EINVAL, "p_offset overflow",
	       elf_craft_phdr(e, 1, PT_LOAD, UINT64_MAX - 0x10, 0x200000, 0x800, 0x800));
	EXPECT(-EINVAL, "filesz > memsz",
	       elf_craft_phdr(e, 1, PT_LOAD, 0x2000, 0x200000, 0x800, 0x700));
	EXPECT(-EINVAL, "paddr + memsz overflow",
	       elf_craft_phdr(e, 1, PT_LOAD, 0x2000, UINT64_MAX - 0x100, 0x800, 0x800));
	EXPECT(-EINVAL, "entry outside the segments",
	       ll_put_le64(e + offsetof(Elf64_Ehdr, e_entry), 0x104000));
	EXPECT(-EINVAL, "no PT_LOAD", {
		ll_put_le32(e + ELF_CRAFT_PHDR(0), PT_NULL);
		ll_put_le32(e + ELF_CRAFT_PHDR(1), PT_NULL);
	});
	EXPECT(-EINVAL, "note name size overflow", ll_put_le32(e + 0x3000, 0xfffffffe));
	EXPECT(-EINVAL, "note desc past the segment", ll_put_le32(e + 0x3004, 0x1000));
	EXPECT(-EINVAL, "note segment past the file",
	       elf_craft_phdr(e, 2, PT_NOTE, 0x3000, 0, 0x200, 0));
	EXPECT(-EINVAL, "PVH desc of 2 bytes", {
		ll_put_le32(e + 0x3000 + 36 + 4, 2);
		elf_craft_phdr(e, 2, PT_NOTE, 0x3000, 0, 36 + 16, 36 + 16);
	});
	EXPECT(-EINVAL, "PVH entry beyond 32 bits", ll_put_le64(e + 0x3000 + 36 + 16, 1ull << 32));
	EXPECT(-ENOSPC, "segment past RAM",
	       elf_craft_phdr(e, 1, PT_LOAD, 0x2000, 0x3ffc00, 0x800, 0x800));
	EXPECT(-ENOSPC, "segment below RAM", {
		t.ram.base = 0x100001; /* RAM starts above the first segment */
	});
	t.ram.base = 0;
#undef EXPECT
	cr_assert(all_bytes(t.buf.host, t.buf.size, FILL), "no failed load wrote anything");

	e = craft_elf();
	cr_assert_eq(ll_elf_parse(e, 40, EM_X86_64, &info), -EINVAL, "truncated header");
	cr_assert_eq(ll_elf_parse(e, 3, EM_X86_64, &info), -ENOEXEC);
	cr_assert_eq(ll_elf_parse(e, 0x2000, EM_X86_64, &info), -EINVAL, "file cut in a segment");
	free(e);
}

/* The real vmlinux, taken out of Debian's bzImage (LZ4 payload, protocol >= 2.08). */
static uint8_t *debian_vmlinux(size_t *len)
{
	struct ll_file_buf k = {0};

	read_kernel_or_skip(VMM_TEST_KERNEL_X86_64, &k);
	uint8_t *v = lz4_vmlinux_from_bzimage(k.data, k.size, len);
	ll_file_free(&k);
	if (!v)
		cr_skip_test("this bzImage's payload is not LZ4-compressed");
	return v;
}

/* pvh_start_xen's address from the System.map next to the kernel, as a physical one. */
static uint64_t system_map_phys(const char *symbol)
{
	char path[512], line[256], name[128];
	unsigned long long addr;
	char type;
	uint64_t found = 0;

	snprintf(path, sizeof(path), "%s", VMM_TEST_KERNEL_X86_64);
	char *slash = strrchr(path, '/');
	cr_assert_not_null(slash);
	snprintf(slash, sizeof(path) - (size_t)(slash - path), "/release");
	FILE *rel = fopen(path, "r");
	if (!rel)
		return 0;
	char release[64] = "";
	cr_assert_not_null(fgets(release, sizeof(release), rel));
	fclose(rel);
	release[strcspn(release, "\n")] = '\0';
	snprintf(slash, sizeof(path) - (size_t)(slash - path), "/root/boot/System.map-%s", release);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %127s", &addr, &type, name) == 3 &&
		    strcmp(name, symbol) == 0)
			found = addr - 0xffffffff80000000ull; /* __START_KERNEL_map */
	fclose(f);
	return found;
}

Test(elf, debian_vmlinux_with_pvh_note)
{
	struct ll_elf_info info;
	struct ll_kernel_load out;
	size_t len;
	uint8_t *v = debian_vmlinux(&len);

	cr_assert_eq(ll_elf_parse(v, len, EM_X86_64, &info), 0);
	cr_assert_eq(info.entry, 0x1000000, "phys_startup_64 at CONFIG_PHYSICAL_START");
	cr_assert_eq(info.low, 0x1000000);
	cr_assert_geq(info.num_load, 2);
	cr_assert(info.has_pvh, "CONFIG_PVH=y kernels carry XEN_ELFNOTE_PHYS32_ENTRY");
	uint64_t pvh = system_map_phys("pvh_start_xen");
	if (pvh)
		cr_assert_eq(info.pvh_entry, pvh, "the note names pvh_start_xen");
	cr_assert_gt(info.pvh_entry, 0x1000000);
	cr_assert_lt(info.pvh_entry, info.end);

	test_ram_init(&t, 0, 256 * MIB);
	cr_assert_eq(ll_elf_load(&t.ram, v, len, EM_X86_64, NULL, &out), 0);
	cr_assert_eq(out.entry, 0x1000000);
	/* The first segment's bytes are where its p_paddr says. */
	uint64_t phoff = ll_le64(v + offsetof(Elf64_Ehdr, e_phoff));
	const uint8_t *ph = v + phoff;
	cr_assert_eq(ll_le32(ph), PT_LOAD);
	uint64_t off = ll_le64(ph + 8), paddr = ll_le64(ph + 24), filesz = ll_le64(ph + 32);
	cr_assert_eq(paddr, 0x1000000);
	cr_assert_eq(memcmp(test_ram_at(&t, paddr), v + off, filesz), 0);

	test_ram_free(&t);
	test_ram_init(&t, 0, 24 * MIB);
	cr_assert_eq(ll_elf_load(&t.ram, v, len, EM_X86_64, NULL, &out), -ENOSPC);
	free(v);
}

/* Debian's bzImage read from its file straight into guest RAM: the same header fields,
   placement and bytes as ll_bzimage_load(), its head as the file begins; an ELF is
   -ENOEXEC here (not a bzImage), a file shorter than its size -EIO. */
Test(bzimage, debian_cloud_kernel_from_its_file)
{
	struct ll_file_buf k = {0};
	struct ll_file f;
	struct ll_bzimage_info info, want;
	struct ll_kernel_load out, want_out;
	uint8_t head[LL_BZIMAGE_HEAD_SIZE];

	read_kernel_or_skip(VMM_TEST_KERNEL_X86_64, &k);
	test_ram_init(&t, 0, 256 * MIB);
	cr_assert_eq(ll_bzimage_load(&t.ram, k.data, k.size, &want, &want_out), 0);
	test_ram_free(&t);
	test_ram_init(&t, 0, 256 * MIB);
	cr_assert_eq(ll_file_open(VMM_TEST_KERNEL_X86_64, 1ull << 30, &f), 0);
	cr_assert_eq(ll_bzimage_load_fd(&t.ram, f.fd, f.size, head, &info, &out), 0);
	cr_assert_eq(info.version, want.version);
	cr_assert_eq(info.setup_sects, want.setup_sects);
	cr_assert_eq(info.header_end, want.header_end);
	cr_assert_eq(info.init_size, want.init_size);
	cr_assert_eq(info.pref_address, want.pref_address);
	cr_assert_eq(info.kernel_offset, want.kernel_offset);
	cr_assert_eq(info.kernel_size, want.kernel_size);
	cr_assert_eq(out.load_addr, want_out.load_addr);
	cr_assert_eq(out.entry, want_out.entry);
	cr_assert_eq(out.end, want_out.end);
	cr_assert_eq(memcmp(head, k.data, LL_BZIMAGE_HEAD_SIZE), 0);
	cr_assert_eq(
	    memcmp(test_ram_at(&t, out.load_addr), k.data + info.kernel_offset, info.kernel_size),
	    0);
	cr_assert_eq(ll_bzimage_load_fd(&t.ram, f.fd, f.size + 4096, head, &info, &out), -EIO);
	cr_assert_eq(ll_bzimage_load_fd(&t.ram, -1, f.size, head, &info, &out), -EINVAL);
	ll_file_close(&f);

	char path[] = "/tmp/ll-test-elf-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	unlink(path);
	cr_assert_eq(write(fd,
	                   "\x7f"
	                   "ELF this is not a bzImage",
	                   26),
	             26);
	cr_assert_eq(ll_bzimage_load_fd(&t.ram, fd, 26, head, &info, &out), -ENOEXEC);
	close(fd);
	ll_file_free(&k);
}
