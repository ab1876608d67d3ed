/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x86_64 boot state builders: the boot GDT, the identity page tables, the ACPI tables
 * (checksums, the FADT's power-off and reset registers, the DSDT's \_S5 and virtio-mmio
 * devices, the MADT), and what vmm_boot_prepare() writes into guest RAM for Debian's
 * bzImage.
 */
#include "boot.h"
#include "helpers.h"
#include "layout_x86_64.h"
#include <cvmm/linux_loader.h>
#include <cvmm/linux_loader_x86.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MIB (1024ull * 1024ull)

/* ---- GDT ---- */

static uint64_t seg_base(uint64_t d)
{
	return (d >> 16 & 0xffffff) | (d >> 56 & 0xff) << 24;
}

static uint64_t seg_limit(uint64_t d)
{
	return (d & 0xffff) | (d >> 48 & 0xf) << 16;
}

Test(gdt, flat_boot_segments)
{
	uint64_t g[LL_X86_GDT_ENTRIES];

	memset(g, 0xff, sizeof(g));
	ll_x86_gdt_build(g);
	cr_assert_eq(g[0], 0);
	cr_assert_eq(g[1], 0);
	uint64_t cs = g[LL_X86_BOOT_CS / 8], ds = g[LL_X86_BOOT_DS / 8];
	for (int i = 0; i < 2; i++) {
		uint64_t d = i ? ds : cs;
		cr_assert_eq(seg_base(d), 0);
		cr_assert_eq(seg_limit(d), 0xfffff);
		cr_assert(d >> 55 & 1, "4 KiB granularity");
		cr_assert(d >> 47 & 1, "present");
		cr_assert_eq(d >> 45 & 3, 0, "DPL 0");
		cr_assert(d >> 44 & 1, "code or data, not system");
	}
	cr_assert_eq(cs >> 40 & 0xf, 0xb, "execute/read, accessed");
	cr_assert(cs >> 53 & 1, "L: 64-bit code");
	cr_assert_eq(cs >> 54 & 1, 0, "D must be 0 with L");
	cr_assert_eq(ds >> 40 & 0xf, 0x3, "read/write, accessed");
	cr_assert(ds >> 54 & 1, "B: 32-bit stack");
}

/* ---- Page tables ---- */

Test(page_tables, identity_map_4g)
{
	static uint8_t buf[LL_X86_PAGE_TABLES_SIZE];
	const uint64_t gpa = VMM_X86_PAGE_TABLES;

	memset(buf, 0xee, sizeof(buf));
	cr_assert_eq(ll_x86_page_tables_build(buf, sizeof(buf), gpa), 0);
	cr_assert_eq(ll_le64(buf), (gpa + 0x1000) | 3);
	for (size_t i = 1; i < 512; i++)
		cr_assert_eq(ll_le64(buf + 8 * i), 0, "PML4[%zu]", i);
	for (uint64_t g = 0; g < 512; g++) {
		uint64_t e = ll_le64(buf + 0x1000 + 8 * g);
		if (g < 4)
			cr_assert_eq(e, (gpa + 0x2000 + g * 0x1000) | 3, "PDPT[%llu]",
			             (unsigned long long)g);
		else
			cr_assert_eq(e, 0, "PDPT[%llu]", (unsigned long long)g);
	}
	/* Translate a few addresses by walking the tables. */
	const uint64_t probes[] = {0,          0x7000,     0x1000200, 0x3fffffff,
	                           0x40000000, 0xc0001234, 0xffffffff};
	for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
		uint64_t va = probes[k];
		uint64_t pdpte = ll_le64(buf + 0x1000 + 8 * (va >> 30));
		uint64_t pd_off = (pdpte & ~0xfffull) - gpa;
		cr_assert_lt(pd_off, sizeof(buf));
		uint64_t pde = ll_le64(buf + pd_off + 8 * (va >> 21 & 511));
		cr_assert_eq(pde & 0x83, 0x83, "present, writable, 2 MiB page");
		cr_assert_eq((pde & ~0x1fffffull) | (va & 0x1fffff), va, "identity at %#llx",
		             (unsigned long long)va);
	}
}

Test(page_tables, errors)
{
	static uint8_t buf[LL_X86_PAGE_TABLES_SIZE];

	cr_assert_eq(ll_x86_page_tables_build(NULL, sizeof(buf), 0x9000), -EINVAL);
	cr_assert_eq(ll_x86_page_tables_build(buf, sizeof(buf) - 1, 0x9000), -EINVAL);
	cr_assert_eq(ll_x86_page_tables_build(buf, sizeof(buf), 0x9008), -EINVAL);
	cr_assert_eq(ll_x86_page_tables_build(buf, sizeof(buf), 0x100000000ull), -EINVAL);
	cr_assert_eq(ll_x86_page_tables_build(buf, sizeof(buf), UINT64_MAX & ~0xfffull), -EINVAL);
}

/* ---- ACPI ---- */

static uint8_t acpi[VMM_X86_ACPI_MAX];

/* vmm-ref's slots, as boot_x86_64.c lays them out; LL_X86_ACPI_MAX_VIRTIO of them. */
static const struct ll_x86_acpi_mmio *slots(void)
{
	static struct ll_x86_acpi_mmio s[LL_X86_ACPI_MAX_VIRTIO + 1];
	for (uint32_t i = 0; i <= LL_X86_ACPI_MAX_VIRTIO; i++)
		s[i] = (struct ll_x86_acpi_mmio){
		    .base = (uint32_t)(VMM_X86_VIRTIO_BASE + i * VMM_X86_VIRTIO_STRIDE),
		    .size = (uint32_t)VMM_X86_VIRTIO_STRIDE,
		    .irq = (uint8_t)vmm_x86_virtio_irq(i),
		};
	return s;
}

static struct ll_x86_acpi_params params = {
    .pm1_evt_port = VMM_X86_PM1_EVT_PORT,
    .pm1_cnt_port = VMM_X86_PM1_CNT_PORT,
    .sci_irq = VMM_X86_SCI_IRQ,
    .reset_port = VMM_X86_RESET_PORT,
    .reset_value = VMM_X86_RESET_VALUE,
    .cpus = 2,
    .level_irqs = 1u << 5 | 1u << 6,
    .virtio_count = 2,
};

static void init_params(void)
{
	params.virtio = slots();
}

TestSuite(acpi, .init = init_params);

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* The table at guest address gpa (inside acpi[], which the guest sees at VMM_X86_ACPI),
   checked for its signature, a length inside the buffer and a zero checksum. */
static const uint8_t *table(uint64_t gpa, const char *sig, size_t used)
{
	cr_assert_geq(gpa, VMM_X86_ACPI);
	cr_assert_lt(gpa - VMM_X86_ACPI, used);
	const uint8_t *t = acpi + (gpa - VMM_X86_ACPI);
	cr_assert_eq(memcmp(t, sig, 4), 0, "signature %.4s, expected %s", (const char *)t, sig);
	uint32_t len = ll_le32(t + 4);
	cr_assert_leq(gpa - VMM_X86_ACPI + len, used, "%s runs past the tables", sig);
	cr_assert_eq(sum(t, len), 0, "%s checksum", sig);
	return t;
}

static const uint8_t *find(const uint8_t *hay, size_t len, const void *needle, size_t n,
                           size_t *count)
{
	const uint8_t *first = NULL;
	*count = 0;
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0) {
			if (!first)
				first = hay + i;
			(*count)++;
		}
	return first;
}

Test(acpi, tables_chain_and_checksums)
{
	int used = ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI, &params);
	cr_assert_gt(used, 0);

	cr_assert_eq(memcmp(acpi, "RSD PTR ", 8), 0);
	cr_assert_eq(sum(acpi, 20), 0, "RSDP checksum");
	cr_assert_eq(sum(acpi, 36), 0, "RSDP extended checksum");
	cr_assert_eq(acpi[15], 2, "revision 2: XSDT");
	cr_assert_eq(ll_le32(acpi + 20), 36);

	const uint8_t *xsdt = table(ll_le64(acpi + 24), "XSDT", (size_t)used);
	cr_assert_eq(ll_le32(xsdt + 4), 36 + 16, "two entries");
	const uint8_t *fadt = table(ll_le64(xsdt + 36), "FACP", (size_t)used);
	const uint8_t *madt = table(ll_le64(xsdt + 44), "APIC", (size_t)used);

	/* FADT: FACS and DSDT both ways, PM1 blocks, SCI, reset register, not HW-reduced. */
	cr_assert_eq(ll_le32(fadt + 4), 276);
	cr_assert_eq(ll_le32(fadt + 36), ll_le64(fadt + 132));
	cr_assert_eq(ll_le32(fadt + 40), ll_le64(fadt + 140));
	const uint8_t *facs = acpi + (ll_le64(fadt + 132) - VMM_X86_ACPI);
	cr_assert_eq(memcmp(facs, "FACS", 4), 0);
	cr_assert_eq((ll_le64(fadt + 132)) % 64, 0, "FACS 64-byte aligned");
	cr_assert_eq(ll_le16(fadt + 46), VMM_X86_SCI_IRQ);
	cr_assert_eq(ll_le32(fadt + 48), 0, "no SMI_CMD: always in ACPI mode");
	cr_assert_eq(ll_le32(fadt + 56), VMM_X86_PM1_EVT_PORT);
	cr_assert_eq(ll_le32(fadt + 64), VMM_X86_PM1_CNT_PORT);
	cr_assert_eq(fadt[88], 4);
	cr_assert_eq(fadt[89], 2);
	cr_assert_eq(fadt[148], 1, "X_PM1a_EVT_BLK in IO space");
	cr_assert_eq(ll_le64(fadt + 152), VMM_X86_PM1_EVT_PORT);
	cr_assert_eq(fadt[172], 1, "X_PM1a_CNT_BLK in IO space");
	cr_assert_eq(fadt[173], 16);
	cr_assert_eq(ll_le64(fadt + 176), VMM_X86_PM1_CNT_PORT);
	uint32_t flags = ll_le32(fadt + 112);
	cr_assert(flags & 1u << 10, "RESET_REG_SUP");
	cr_assert_eq(flags & 1u << 20, 0, "not HW_REDUCED_ACPI");
	cr_assert_eq(fadt[116], 1, "reset register in IO space");
	cr_assert_eq(ll_le64(fadt + 120), VMM_X86_RESET_PORT);
	cr_assert_eq(fadt[128], VMM_X86_RESET_VALUE);
	cr_assert(ll_le16(fadt + 109) & 2, "8042 present");

	/* DSDT: \_S5 = {5, 0, 0, 0}; one LNRO0005 device per virtio slot. */
	const uint8_t *dsdt = table(ll_le64(fadt + 140), "DSDT", (size_t)used);
	size_t dlen = ll_le32(dsdt + 4), n;
	const uint8_t s5[] = {0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x04, 0x0a, 5, 0, 0, 0};
	cr_assert_not_null(find(dsdt, dlen, s5, sizeof(s5), &n));
	cr_assert_eq(n, 1);
	cr_assert_not_null(find(dsdt, dlen, "LNRO0005", 8, &n));
	cr_assert_eq(n, 2);
	for (uint32_t i = 0; i < 2; i++) {
		uint8_t mem[12] = {0x86, 9, 0, 1};
		uint8_t irq[9] = {0x89, 6, 0, 0x01, 1};
		ll_put_le32(mem + 4, (uint32_t)(VMM_X86_VIRTIO_BASE + i * VMM_X86_VIRTIO_STRIDE));
		ll_put_le32(mem + 8, (uint32_t)VMM_X86_VIRTIO_STRIDE);
		ll_put_le32(irq + 5, vmm_x86_virtio_irq(i));
		cr_assert_not_null(find(dsdt, dlen, mem, sizeof(mem), &n), "slot %u MMIO", i);
		cr_assert_not_null(find(dsdt, dlen, irq, sizeof(irq), &n), "slot %u IRQ", i);
	}

	/* MADT: LAPIC address, two enabled CPUs, one IOAPIC at GSI 0, level overrides for
	   the SCI and the level IRQs. */
	size_t mlen = ll_le32(madt + 4);
	cr_assert_eq(ll_le32(madt + 36), LL_X86_LAPIC_ADDR);
	unsigned cpus = 0, ioapics = 0;
	uint16_t level = 0;
	for (size_t off = 44; off < mlen;) {
		const uint8_t *e = madt + off;
		cr_assert_geq(e[1], 2);
		cr_assert_leq(off + e[1], mlen);
		if (e[0] == 0) {
			cr_assert_eq(e[3], cpus, "APIC ID = vCPU id");
			cr_assert_eq(ll_le32(e + 4), 1, "enabled");
			cpus++;
		} else if (e[0] == 1) {
			cr_assert_eq(ll_le32(e + 4), LL_X86_IOAPIC_ADDR);
			cr_assert_eq(ll_le32(e + 8), 0);
			ioapics++;
		} else if (e[0] == 2) {
			cr_assert_eq(ll_le32(e + 4), e[3], "same GSI");
			cr_assert_eq(ll_le16(e + 8), 0x000d, "level, active high");
			level |= (uint16_t)(1u << e[3]);
		}
		off += e[1];
	}
	cr_assert_eq(cpus, 2);
	cr_assert_eq(ioapics, 1);
	cr_assert_eq(level, 1u << 5 | 1u << 6 | 1u << VMM_X86_SCI_IRQ);
}

/* \_S3 only when asked for, beside \_S5 and before the devices; the FACS where the OS
   writes its waking vector, which starts at 0. */
Test(acpi, s3_when_offered)
{
	const uint8_t s3[] = {0x08, '_', 'S', '3', '_', 0x12, 0x07, 0x04, 0x0a, LL_X86_ACPI_S3_TYP,
	                      0,    0,   0};
	struct ll_x86_acpi_params p = params;
	size_t n;

	int used = ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI, &p);
	cr_assert_gt(used, 0);
	const uint8_t *xsdt = table(ll_le64(acpi + 24), "XSDT", (size_t)used);
	const uint8_t *fadt = table(ll_le64(xsdt + 36), "FACP", (size_t)used);
	const uint8_t *dsdt = table(ll_le64(fadt + 140), "DSDT", (size_t)used);
	cr_assert_null(find(dsdt, ll_le32(dsdt + 4), s3, sizeof(s3), &n), "no \\_S3 by default");

	p.s3 = true;
	used = ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI, &p);
	cr_assert_gt(used, 0);
	dsdt = table(ll_le64(fadt + 140), "DSDT", (size_t)used);
	cr_assert_not_null(find(dsdt, ll_le32(dsdt + 4), s3, sizeof(s3), &n));
	cr_assert_eq(n, 1);
	cr_assert_not_null(find(dsdt, ll_le32(dsdt + 4), "LNRO0005", 8, &n), "devices still there");
	cr_assert_eq(n, 2);
	cr_assert_eq(ll_le64(fadt + 132), VMM_X86_ACPI + LL_X86_ACPI_FACS_OFFSET);
	const uint8_t *facs = acpi + LL_X86_ACPI_FACS_OFFSET;
	cr_assert_eq(memcmp(facs, "FACS", 4), 0);
	cr_assert_eq(ll_le32(facs + LL_X86_FACS_WAKING_VECTOR), 0);
	cr_assert_eq(ll_le64(facs + LL_X86_FACS_X_WAKING_VECTOR), 0);
	cr_assert_eq(ll_le32(facs + 36) & 2, 0, "no 64BIT_WAKE_SUPPORTED_F");

	p.s3 = true;
	p.cpus = 255;
	p.virtio_count = VMM_X86_VIRTIO_SLOTS;
	p.level_irqs = 0xffff;
	used = ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI, &p);
	cr_assert_gt(used, 0);
	cr_assert_leq(used, (int)VMM_X86_ACPI_MAX, "the most still fits with \\_S3");
}

Test(acpi, most_cpus_and_slots_fit)
{
	struct ll_x86_acpi_params p = params;
	p.cpus = 255;
	p.virtio_count = VMM_X86_VIRTIO_SLOTS; /* vmm-ref's most, in its 4 KiB for ACPI */
	p.level_irqs = 0xffff;
	int used = ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI, &p);
	cr_assert_gt(used, 0);
	cr_assert_leq(used, (int)VMM_X86_ACPI_MAX);
	p.virtio_count = 0;
	cr_assert_gt(ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI, &p), 0);
}

Test(acpi, errors)
{
	struct ll_x86_acpi_params p = params;

	cr_assert_eq(ll_x86_acpi_build(NULL, sizeof(acpi), VMM_X86_ACPI, &p), -EINVAL);
	cr_assert_eq(ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI, NULL), -EINVAL);
	cr_assert_eq(ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI + 8, &p), -EINVAL);
	cr_assert_eq(ll_x86_acpi_build(acpi, sizeof(acpi), 0xfffff000ull, &p), -EINVAL);
	cr_assert_eq(ll_x86_acpi_build(acpi, 100, VMM_X86_ACPI, &p), -ENOSPC);
	p.cpus = 0;
	cr_assert_eq(ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI, &p), -EINVAL);
	p.cpus = 256;
	cr_assert_eq(ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI, &p), -EINVAL);
	p.cpus = 1;
	p.virtio_count = LL_X86_ACPI_MAX_VIRTIO + 1;
	cr_assert_eq(ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI, &p), -EINVAL);
	p.virtio_count = 1;
	p.virtio = NULL;
	cr_assert_eq(ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI, &p), -EINVAL, "no list");
	struct ll_x86_acpi_mmio bad = {.base = 0xfffff000u, .size = 0x2000, .irq = 5};
	p.virtio = &bad;
	cr_assert_eq(ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI, &p), -EINVAL,
	             "past 4 GiB");
	bad = (struct ll_x86_acpi_mmio){.base = 0xd0000000u, .size = 0, .irq = 5};
	cr_assert_eq(ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI, &p), -EINVAL, "empty");
	bad = (struct ll_x86_acpi_mmio){.base = 0xd0000000u, .size = 0x200, .irq = 16};
	cr_assert_eq(ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI, &p), -EINVAL, "IRQ 16");
	p.virtio_count = 0;
	p.sci_irq = 16;
	cr_assert_eq(ll_x86_acpi_build(acpi, sizeof(acpi), VMM_X86_ACPI, &p), -EINVAL);
}

Test(zero_page, acpi_rsdp_addr)
{
	static uint8_t zp[LL_ZERO_PAGE_SIZE];
	const struct ll_zero_page_params p = {.cmdline_addr = VMM_X86_CMDLINE,
	                                      .acpi_rsdp_addr = VMM_X86_ACPI};

	cr_assert_eq(ll_x86_zero_page_build(zp, &p), 0);
	cr_assert_eq(ll_le64(zp + LL_BP_ACPI_RSDP_ADDR), VMM_X86_ACPI);
}

/* ---- vmm_boot_prepare() with Debian's cloud bzImage ---- */

Test(boot_prepare, boot_state_in_guest_ram)
{
	struct ll_file_buf kernel = {0};
	struct ll_ram_buffer rb = {0};
	struct ll_guest_ram ram;
	struct vmm_boot_info info;
	char err[256] = "";
	uint64_t base, size;

	if (ll_file_read(VMM_TEST_KERNEL_X86_64, 256 * MIB, &kernel) < 0)
		cr_skip_test("no cached x86_64 kernel at %s (scripts/fetch-artefacts.sh)",
		             VMM_TEST_KERNEL_X86_64);
	cr_assert_eq(vmm_boot_ram_range(256 * MIB, &base, &size), 0);
	rb.base = base;
	rb.size = size;
	rb.host = calloc(1, size);
	cr_assert_not_null(rb.host);
	cr_assert_eq(ll_guest_ram_init_buffer(&ram, &rb), 0);
	struct vmm_boot_request req = {.ram = &ram,
	                               .mem_bytes = 256 * MIB,
	                               .kernel = test_as_file(&kernel),
	                               .cmdline = "console=ttyS0 quiet",
	                               .vcpus = 2};
	cr_assert_eq(vmm_boot_prepare(&req, &info, err, sizeof(err)), 0, "%s", err);
	/* The machine as machine.c records it: COM1, the CMOS, three virtio-mmio slots. */
	static struct vmm_machine_record rec = {.vcpus = 2};
	cr_assert_eq(
	    vmm_machine_record_add(&rec, VMM_DEVICE_UART, VMM_X86_COM1_PORT, 8, VMM_X86_COM1_IRQ),
	    0);
	cr_assert_eq(vmm_machine_record_add(&rec, VMM_DEVICE_RTC, VMM_X86_CMOS_PORT, 2, 8), 0);
	for (uint32_t i = 0; i < 3; i++)
		cr_assert_eq(vmm_machine_record_add(&rec, VMM_DEVICE_VIRTIO,
		                                    VMM_X86_VIRTIO_BASE + i * VMM_X86_VIRTIO_STRIDE,
		                                    VMM_X86_VIRTIO_STRIDE, VMM_X86_VIRTIO_LINE + i),
		             0);
	cr_assert_eq(vmm_boot_describe(&req, &info, &rec, err, sizeof(err)), 0, "%s", err);

	/* The GDT and page tables as the builders make them. */
	uint64_t gdt[LL_X86_GDT_ENTRIES];
	ll_x86_gdt_build(gdt);
	for (size_t i = 0; i < LL_X86_GDT_ENTRIES; i++)
		cr_assert_eq(ll_le64(rb.host + VMM_X86_GDT + 8 * i), gdt[i]);
	static uint8_t pt[LL_X86_PAGE_TABLES_SIZE];
	cr_assert_eq(ll_x86_page_tables_build(pt, sizeof(pt), VMM_X86_PAGE_TABLES), 0);
	cr_assert_eq(memcmp(rb.host + VMM_X86_PAGE_TABLES, pt, sizeof(pt)), 0);
	/* Nothing the boot data uses overlaps. */
	cr_assert_leq(VMM_X86_GDT + 8 * LL_X86_GDT_ENTRIES, VMM_X86_ZERO_PAGE);
	cr_assert_leq(VMM_X86_ZERO_PAGE + LL_ZERO_PAGE_SIZE, VMM_X86_PAGE_TABLES);
	cr_assert_leq(VMM_X86_PAGE_TABLES + LL_X86_PAGE_TABLES_SIZE, VMM_X86_CMDLINE);
	cr_assert_leq(VMM_X86_CMDLINE + VMM_X86_CMDLINE_MAX, VMM_X86_EBDA_START);

	/* The command line is the user's alone; the RSDP is found through the zero page
	   and at 0xe0000, and the DSDT names the three virtio-mmio slots. */
	cr_assert_str_eq((const char *)rb.host + VMM_X86_CMDLINE, "console=ttyS0 quiet");
	const uint8_t *zp = rb.host + VMM_X86_ZERO_PAGE;
	cr_assert_eq(ll_le64(zp + LL_BP_ACPI_RSDP_ADDR), VMM_X86_ACPI);
	cr_assert_eq(memcmp(rb.host + VMM_X86_ACPI, "RSD PTR ", 8), 0);
	size_t n;
	find(rb.host + VMM_X86_ACPI, VMM_X86_ACPI_MAX, "LNRO0005", 8, &n);
	cr_assert_eq(n, 3);
	/* 64-bit entry at the protected-mode kernel + 0x200. */
	cr_assert_eq(info.kernel.entry, info.kernel.load_addr + 0x200);
	cr_assert_eq(info.boot_data_addr, VMM_X86_ZERO_PAGE);
	free(rb.host);
	ll_file_free(&kernel);
	test_files_close();
}
