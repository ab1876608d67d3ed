/* SPDX-License-Identifier: Apache-2.0 */
/* vmm_boot_prepare() and vmm_boot_describe() on arm64: Debian's Image, an initrd, and the
   FDT of a machine record in guest RAM. */
#include "boot.h"
#include "helpers.h"
#include "layout_aarch64.h"

#include <errno.h>
#include <libfdt.h>

static struct test_ram t;
static struct ll_file_buf kernel, initrd;
static struct ll_file kernel_file = {.fd = -1}, initrd_file = {.fd = -1};

static void fini(void)
{
	test_ram_free(&t);
	ll_file_free(&kernel);
	ll_file_free(&initrd);
	ll_file_close(&kernel_file);
	ll_file_close(&initrd_file);
}

TestSuite(boot, .fini = fini);

static void setup_ram(uint64_t mem)
{
	test_ram_init_boot(&t, mem);
	cr_assert_eq(t.buf.base, VMM_A64_RAM_BASE);
}

/* A two-vCPU GICv2 machine with the UART and the RTC; vCPU 1's MPIDR is not KVM's
   default for index 1, so the tree shows it came from the record. */
static void two_cpu_record(struct vmm_machine_record *rec)
{
	*rec = (struct vmm_machine_record){.vcpus = 2,
	                                   .mpidr = {0x80000000, 0x80000100},
	                                   .gic_version = 2,
	                                   .gicd_base = VMM_A64_GICD_BASE,
	                                   .gicd_size = VMM_A64_GICD_SIZE,
	                                   .gicc_or_gicr_base = VMM_A64_GICC_BASE,
	                                   .gicc_or_gicr_size = VMM_A64_GICC_SIZE};
	cr_assert_eq(vmm_machine_record_add(rec, VMM_DEVICE_UART, VMM_A64_UART_BASE,
	                                    VMM_A64_UART_SIZE, VMM_A64_UART_SPI),
	             0);
	cr_assert_eq(vmm_machine_record_add(rec, VMM_DEVICE_RTC, VMM_A64_RTC_BASE, VMM_A64_RTC_SIZE,
	                                    VMM_A64_RTC_SPI),
	             0);
}

static uint64_t prop_u64(const void *fdt, const char *path, const char *name)
{
	int len;
	const fdt64_t *p = fdt_getprop(fdt, fdt_path_offset(fdt, path), name, &len);
	cr_assert_not_null(p);
	cr_assert_eq(len, 8);
	return fdt64_to_cpu(*p);
}

Test(boot, debian_image_with_initrd)
{
	struct vmm_boot_info info;
	char err[256] = "";

	read_kernel_or_skip(VMM_TEST_KERNEL_ARM64, &kernel);
	setup_ram(256 * MIB);
	test_make_initrd(&initrd, 3 * MIB + 17);
	kernel_file = test_file_of(kernel.data, kernel.size);
	initrd_file = test_file_of(initrd.data, initrd.size);
	struct vmm_boot_request req = {.ram = &t.ram,
	                               .mem_bytes = 256 * MIB,
	                               .kernel = &kernel_file,
	                               .initrd = &initrd_file,
	                               .cmdline = "console=ttyS0 quiet",
	                               .vcpus = 2};
	struct vmm_machine_record rec;
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), 0, "%s", err);
	two_cpu_record(&rec);
	cr_assert_eq(vmm_boot_describe(&req, &info, &rec, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(info.format, "arm64 Image");
	cr_assert_eq(info.kernel.entry, VMM_A64_RAM_BASE);
	cr_assert_eq(memcmp(test_ram_at(&t, VMM_A64_RAM_BASE), kernel.data, kernel.size), 0);

	cr_assert_geq(info.initrd_addr, info.kernel.end);
	cr_assert_leq(info.initrd_addr + initrd.size, info.boot_data_addr);
	cr_assert_eq(memcmp(test_ram_at(&t, info.initrd_addr), initrd.data, initrd.size), 0);

	const void *fdt = test_ram_at(&t, info.boot_data_addr);
	cr_assert_eq(info.boot_data_addr % 8, 0);
	cr_assert_leq(info.boot_data_addr + info.boot_data_size, VMM_A64_RAM_BASE + 256 * MIB);
	cr_assert_eq(fdt_check_header(fdt), 0);
	cr_assert_eq(fdt_totalsize(fdt), info.boot_data_size);
	cr_assert_str_eq(fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "bootargs", NULL),
	                 "console=ttyS0 quiet");
	cr_assert_eq(prop_u64(fdt, "/chosen", "linux,initrd-start"), info.initrd_addr);
	cr_assert_eq(prop_u64(fdt, "/chosen", "linux,initrd-end"), info.initrd_addr + initrd.size);
	cr_assert_geq(fdt_path_offset(fdt, "/cpus/cpu@100"), 0, "vCPU 1 by its recorded MPIDR");
	cr_assert_geq(fdt_path_offset(fdt, "/uart@9000000"), 0);
	cr_assert_geq(fdt_path_offset(fdt, "/rtc@9010000"), 0);
}

Test(boot, errors)
{
	struct vmm_boot_info info;
	char err[256];

	read_kernel_or_skip(VMM_TEST_KERNEL_ARM64, &kernel);
	setup_ram(256 * MIB);
	kernel_file = test_file_of(kernel.data, kernel.size);
	struct vmm_boot_request req = {.ram = &t.ram,
	                               .mem_bytes = 256 * MIB,
	                               .kernel = &kernel_file,
	                               .cmdline = "",
	                               .vcpus = 0};
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, "vCPUs"), "%s", err);

	/* A machine the device tree cannot describe: 9 vCPUs on a GICv2, a device of no
	   known kind. Nothing is written. */
	req.vcpus = 2;
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), 0, "%s", err);
	struct vmm_machine_record rec;
	two_cpu_record(&rec);
	rec.vcpus = 9;
	cr_assert_eq(vmm_boot_describe(&req, &info, &rec, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, "device tree"), "%s", err);
	two_cpu_record(&rec);
	rec.devices[1].kind = (enum vmm_device_kind)9;
	cr_assert_eq(vmm_boot_describe(&req, &info, &rec, err, sizeof(err)), -EINVAL);
	cr_assert_eq(fdt_check_header(test_ram_at(&t, info.boot_data_addr)), -FDT_ERR_BADMAGIC,
	             "no tree was written");

	req.vcpus = 1;
	test_make_initrd(&initrd, 240 * MIB);
	initrd_file = test_file_of(initrd.data, initrd.size);
	req.initrd = &initrd_file;
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), -ENOSPC);
	cr_assert_not_null(strstr(err, "initrd"), "%s", err);

	/* An initrd that shrank after it was opened: an error, not a shorter initrd. */
	ll_file_free(&initrd);
	test_make_initrd(&initrd, 1 * MIB);
	ll_file_close(&initrd_file);
	initrd_file = test_file_of(initrd.data, initrd.size);
	cr_assert_eq(ftruncate(initrd_file.fd, 4096), 0);
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), -EIO);
	cr_assert_not_null(strstr(err, "initrd"), "%s", err);
	cr_assert_not_null(strstr(err, "shrank"), "%s", err);

	uint8_t junk[4096] = "MZ this is not a kernel";
	struct ll_file j = test_file_of(junk, sizeof(junk));
	req.kernel = &j;
	req.initrd = NULL;
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), -ENOEXEC);
	cr_assert_not_null(strstr(err, "not an arm64 Image"), "%s", err);
	ll_file_close(&j);
}

Test(boot, ram_regions)
{
	struct vmm_ram_region r[VMM_RAM_REGIONS_MAX];

	cr_assert_eq(vmm_boot_ram_regions(5120 * MIB, r), 1);
	cr_assert_eq(r[0].gpa, VMM_A64_RAM_BASE);
	cr_assert_eq(r[0].size, 5120 * MIB);
	cr_assert_eq(vmm_boot_ram_regions(0, r), -EINVAL);
}
