/* vmm_boot_prepare() on x86_64: Debian's bzImage, an initrd and the zero page in guest RAM. */
#include "boot.h"
#include "helpers.h"
#include "layout_x86_64.h"
#include "lz4_legacy.h"
#include "zero_page_x86_64.h"

#include <errno.h>

static struct test_ram t;
static struct vmm_file_buf kernel, initrd;

static void fini(void)
{
	test_ram_free(&t);
	vmm_file_free(&kernel);
	vmm_file_free(&initrd);
}

TestSuite(boot, .fini = fini);

static void setup_ram(uint64_t mem)
{
	uint64_t base, size;
	cr_assert_eq(vmm_boot_ram_range(mem, &base, &size), 0);
	test_ram_init(&t, base, size);
}

static void make_initrd(size_t size)
{
	initrd.data = malloc(size);
	initrd.size = size;
	cr_assert_not_null(initrd.data);
	for (size_t i = 0; i < size; i++)
		initrd.data[i] = (uint8_t)(i * 31 + 5);
}

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
	setup_ram(256 * MIB);
	make_initrd(3 * MIB + 17);
	struct vmm_boot_request req = {.ram = &t.ram,
	                               .mem_bytes = 256 * MIB,
	                               .kernel = &kernel,
	                               .initrd = &initrd,
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
	cr_assert_eq(vmm_le32(zp + VMM_BP_HEADER), 0x53726448);
	cr_assert_eq(zp[VMM_BP_TYPE_OF_LOADER], 0xff);
	cr_assert_eq(vmm_le32(zp + VMM_BP_CMD_LINE_PTR), VMM_X86_CMDLINE);
	cr_assert_eq(vmm_le32(zp + VMM_BP_RAMDISK_IMAGE), info.initrd_addr);
	cr_assert_eq(vmm_le32(zp + VMM_BP_RAMDISK_SIZE), initrd.size);
	cr_assert_eq(zp[VMM_BP_E820_ENTRIES], 2);
	cr_assert_eq(vmm_le64(zp + VMM_BP_E820_TABLE + 20 + 8), 255 * MIB);
	cr_assert_eq(vmm_le32(zp + VMM_BP_CMDLINE_SIZE), 2047, "the kernel's own header");
}

Test(boot, errors)
{
	struct vmm_boot_info info;
	char err[256];
	static char long_cmdline[2049];

	read_kernel_or_skip(VMM_TEST_KERNEL_X86_64, &kernel);
	setup_ram(256 * MIB);
	memset(long_cmdline, 'x', 2048);
	struct vmm_boot_request req = {
	    .ram = &t.ram, .mem_bytes = 256 * MIB, .kernel = &kernel, .cmdline = long_cmdline};
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), -E2BIG);
	cr_assert_not_null(strstr(err, "command line"), "%s", err);

	req.cmdline = "";
	make_initrd(240 * MIB);
	req.initrd = &initrd;
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), -ENOSPC);
	cr_assert_not_null(strstr(err, "initrd"), "%s", err);

	/* Not an x86 kernel at all. */
	uint8_t junk[4096] = "MZ this is not a kernel";
	struct vmm_file_buf j = {junk, sizeof(junk)};
	req.kernel = &j;
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

Test(boot, debian_vmlinux_elf_with_initrd)
{
	struct vmm_boot_info info;
	char err[256] = "";

	read_kernel_or_skip(VMM_TEST_KERNEL_X86_64, &kernel);
	size_t len;
	uint8_t *v = lz4_vmlinux_from_bzimage(kernel.data, kernel.size, &len);
	if (!v)
		cr_skip_test("this bzImage's payload is not LZ4-compressed");
	struct vmm_file_buf elf = {v, len};
	setup_ram(1024 * MIB);
	make_initrd(MIB);
	struct vmm_boot_request req = {.ram = &t.ram,
	                               .mem_bytes = 1024 * MIB,
	                               .kernel = &elf,
	                               .initrd = &initrd,
	                               .cmdline = "console=ttyS0",
	                               .vcpus = 1};
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(info.format, "ELF vmlinux");
	cr_assert_eq(info.kernel.entry, 0x1000000);
	cr_assert(info.has_pvh);
	/* No setup header: the initrd stays below the legacy 0x38000000 limit. */
	cr_assert_leq(info.initrd_addr + initrd.size, 0x38000000);
	cr_assert_geq(info.initrd_addr, info.kernel.end);
	const uint8_t *zp = test_ram_at(&t, VMM_X86_ZERO_PAGE);
	cr_assert_eq(vmm_le16(zp + VMM_BP_BOOT_FLAG), 0xaa55);
	cr_assert_eq(vmm_le32(zp + VMM_BP_HEADER), 0x53726448);
	cr_assert_eq(vmm_le32(zp + VMM_BP_RAMDISK_IMAGE), info.initrd_addr);
	cr_assert_eq(zp[VMM_BP_E820_ENTRIES], 2);
	free(v);
}
