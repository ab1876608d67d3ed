/* SPDX-License-Identifier: Apache-2.0 */
/* x86_64 e820 map and zero page for Linux's 64-bit boot protocol. */
#include <cvmm/linux_loader_x86.h>

#include <cvmm/linux_loader.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define TYPE_OF_LOADER_UNKNOWN 0xffu
#define BOOT_FLAG 0xaa55u
#define HDRS_MAGIC 0x53726448u
#define DEFAULT_KERNEL_ALIGNMENT 0x1000000u

static int add(struct ll_e820_entry *e, size_t max, size_t *n, uint64_t addr, uint64_t size,
               uint32_t type)
{
	if (*n == max)
		return -ENOSPC;
	e[*n] = (struct ll_e820_entry){addr, size, type};
	(*n)++;
	return 0;
}

int ll_x86_e820_build(uint64_t mem_size, uint64_t gap_start, uint64_t gap_end,
                      struct ll_e820_entry *e, size_t max)
{
	size_t n = 0;
	uint64_t low_end;
	int ret;

	if (!e || mem_size <= LL_X86_HIGH_RAM || gap_start <= LL_X86_HIGH_RAM ||
	    gap_end < gap_start || mem_size > UINT64_MAX - (gap_end - gap_start))
		return -EINVAL;
	low_end = mem_size < gap_start ? mem_size : gap_start;
	if ((ret = add(e, max, &n, 0, LL_X86_EBDA_START, LL_E820_RAM)) < 0 ||
	    (ret = add(e, max, &n, LL_X86_HIGH_RAM, low_end - LL_X86_HIGH_RAM, LL_E820_RAM)) < 0)
		return ret;
	if (mem_size > gap_start &&
	    (ret = add(e, max, &n, gap_end, mem_size - gap_start, LL_E820_RAM)) < 0)
		return ret;
	return (int)n;
}

uint32_t ll_x86_cmdline_max(const struct ll_bzimage_info *bz)
{
	return bz ? bz->cmdline_size : LL_X86_CMDLINE_DEFAULT_MAX;
}

int ll_x86_zero_page_build(uint8_t *zp, const struct ll_zero_page_params *p)
{
	uint32_t cmdline_size = LL_X86_CMDLINE_DEFAULT_MAX;

	if (!zp || !p || (p->e820_count && !p->e820) || p->e820_count > LL_E820_MAX ||
	    p->setup_header_len > LL_BP_HDR_END - LL_BP_HDR)
		return -EINVAL;
	/* ramdisk_size has no high half worth trusting: ext_ramdisk_size needs protocol 2.12. */
	if (p->initrd_size > UINT32_MAX)
		return -EINVAL;
	memset(zp, 0, LL_ZERO_PAGE_SIZE);

	if (p->setup_header) {
		memcpy(zp + LL_BP_HDR, p->setup_header, p->setup_header_len);
		if (p->setup_header_len >= LL_BP_CMDLINE_SIZE + 4 - LL_BP_HDR)
			cmdline_size = ll_le32(zp + LL_BP_CMDLINE_SIZE);
	} else {
		ll_put_le16(zp + LL_BP_BOOT_FLAG, BOOT_FLAG);
		ll_put_le32(zp + LL_BP_HEADER, HDRS_MAGIC);
		ll_put_le32(zp + LL_BP_KERNEL_ALIGNMENT, DEFAULT_KERNEL_ALIGNMENT);
	}
	if (p->cmdline_len > cmdline_size)
		return -E2BIG;
	zp[LL_BP_TYPE_OF_LOADER] = TYPE_OF_LOADER_UNKNOWN;

	ll_put_le32(zp + LL_BP_CMD_LINE_PTR, (uint32_t)p->cmdline_addr);
	ll_put_le32(zp + LL_BP_EXT_CMD_LINE_PTR, (uint32_t)(p->cmdline_addr >> 32));
	if (p->initrd_size) {
		ll_put_le32(zp + LL_BP_RAMDISK_IMAGE, (uint32_t)p->initrd_addr);
		ll_put_le32(zp + LL_BP_EXT_RAMDISK_IMAGE, (uint32_t)(p->initrd_addr >> 32));
		ll_put_le32(zp + LL_BP_RAMDISK_SIZE, (uint32_t)p->initrd_size);
		ll_put_le32(zp + LL_BP_EXT_RAMDISK_SIZE, 0);
	}
	ll_put_le64(zp + LL_BP_ACPI_RSDP_ADDR, p->acpi_rsdp_addr);
	zp[LL_BP_E820_ENTRIES] = (uint8_t)p->e820_count;
	for (size_t i = 0; i < p->e820_count; i++) {
		uint8_t *e = zp + LL_BP_E820_TABLE + i * LL_BP_E820_ENTRY_SIZE;
		ll_put_le64(e, p->e820[i].addr);
		ll_put_le64(e + 8, p->e820[i].size);
		ll_put_le32(e + 16, p->e820[i].type);
	}
	return 0;
}

int ll_x86_place_initrd(uint64_t ram_end, uint64_t kernel_end, uint64_t initrd_size,
                        uint32_t initrd_addr_max, uint64_t *initrd_addr)
{
	uint64_t top = (uint64_t)initrd_addr_max + 1, floor, addr;

	if (!initrd_addr || initrd_size == 0)
		return -EINVAL;
	if (ram_end < top)
		top = ram_end;
	if (!ll_align_up(kernel_end, 4096, &floor) || floor > top || initrd_size > top - floor)
		return -ENOSPC;
	addr = ll_align_down(top - initrd_size, 4096);
	if (addr < floor)
		return -ENOSPC;
	*initrd_addr = addr;
	return 0;
}

void ll_x86_gdt_build(uint64_t gdt[LL_X86_GDT_ENTRIES])
{
	/* base 0, limit 0xfffff in 4 KiB units (G): code has L (64-bit), data has D/B. */
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[LL_X86_BOOT_CS / 8] = 0x00af9b000000ffffull; /* present, DPL 0, code, exec/read */
	gdt[LL_X86_BOOT_DS / 8] = 0x00cf93000000ffffull; /* present, DPL 0, data, read/write */
}

#define PTE_PRESENT 0x1ull
#define PTE_WRITE 0x2ull
#define PTE_HUGE 0x80ull

int ll_x86_page_tables_build(uint8_t *buf, size_t size, uint64_t gpa)
{
	if (!buf || size < LL_X86_PAGE_TABLES_SIZE || (gpa & 0xfff) ||
	    gpa > 0x100000000ull - LL_X86_PAGE_TABLES_SIZE)
		return -EINVAL;
	memset(buf, 0, LL_X86_PAGE_TABLES_SIZE);
	ll_put_le64(buf, (gpa + 0x1000) | PTE_PRESENT | PTE_WRITE);
	for (uint64_t g = 0; g < 4; g++) {
		/* PDPT entry g points at the page directory for [g GiB, g + 1 GiB). */
		ll_put_le64(buf + 0x1000 + g * 8,
		            (gpa + 0x2000 + g * 0x1000) | PTE_PRESENT | PTE_WRITE);
		for (uint64_t i = 0; i < 512; i++)
			ll_put_le64(buf + 0x2000 + g * 0x1000 + i * 8,
			            (g << 30 | i << 21) | PTE_PRESENT | PTE_WRITE | PTE_HUGE);
	}
	return 0;
}

/* ---- ACPI (ACPI 6.x, chapter 5) ---- */

#define ACPI_HDR_SIZE 36u
#define ACPI_RSDP_SIZE 36u
#define ACPI_FADT_SIZE 276u
#define ACPI_FACS_SIZE 64u
#define ACPI_GAS_IO 1u
/* Where each table goes, from the RSDP; the FACS needs 64-byte alignment. */
#define OFF_XSDT 0x40u
#define OFF_FADT 0x80u
#define OFF_FACS LL_X86_ACPI_FACS_OFFSET
#define OFF_DSDT 0x200u
#define MADT_LAPIC_LEN 8u
#define MADT_IOAPIC_LEN 12u
#define MADT_OVERRIDE_LEN 10u
#define MADT_LEVEL_HIGH 0x000du /* trigger mode level (3 << 2), polarity active high (1) */

/* DefName \_S5_ = Package (4) { 5, 0, 0, 0 }: SLP_TYP 5 for PM1a and PM1b. */
static const uint8_t dsdt_aml[] = {0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x04, 0x0a, 5, 0, 0, 0};
/* DefName \_S3_ = Package (4) { 1, 0, 0, 0 }: SLP_TYP 1 (LL_X86_ACPI_S3_TYP) for PM1a. */
static const uint8_t dsdt_s3_aml[] = {
    0x08, '_', 'S', '3', '_', 0x12, 0x07, 0x04, 0x0a, LL_X86_ACPI_S3_TYP, 0, 0, 0};

/* Scope (\_SB) { Device (Vnnn) { _HID "LNRO0005", _UID, _CRS { Memory32Fixed, Interrupt
   (level, active high) } } ... }: the virtio-mmio binding Linux's virtio_mmio driver
   matches over ACPI. */
#define AML_DEVICE_LEN 61u
#define AML_SCOPE_HEAD 8u /* ScopeOp, 2-byte PkgLength, \_SB_ */

static uint8_t *aml_virtio_device(uint8_t *d, uint32_t i, const struct ll_x86_acpi_mmio *m)
{
	uint8_t *p = d;

	*p++ = 0x5b; /* DeviceOp */
	*p++ = 0x82;
	*p++ = AML_DEVICE_LEN - 2; /* PkgLength: itself and what follows */
	*p++ = 'V';
	*p++ = (uint8_t)('0' + i / 100 % 10);
	*p++ = (uint8_t)('0' + i / 10 % 10);
	*p++ = (uint8_t)('0' + i % 10);
	memcpy(p, "\x08_HID\x0dLNRO0005", 15); /* Name (_HID, "LNRO0005") with its NUL */
	p += 15;
	memcpy(p, "\x08_UID\x0a", 6); /* Name (_UID, byte) */
	p += 6;
	*p++ = (uint8_t)i;
	memcpy(p, "\x08_CRS\x11\x1a\x0a\x17", 9); /* Name (_CRS, Buffer (23) {...}) */
	p += 9;
	*p++ = 0x86; /* Memory32Fixed, read/write */
	ll_put_le16(p, 9);
	p += 2;
	*p++ = 1;
	ll_put_le32(p, m->base);
	ll_put_le32(p + 4, m->size);
	p += 8;
	*p++ = 0x89; /* Extended Interrupt: consumer, level, active high, exclusive */
	ll_put_le16(p, 6);
	p += 2;
	*p++ = 0x01;
	*p++ = 1;
	ll_put_le32(p, m->irq);
	p += 4;
	*p++ = 0x79; /* End Tag, checksum 0 */
	*p++ = 0;
	return p;
}

static uint8_t acpi_sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return (uint8_t)-s;
}

static void acpi_header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	ll_put_le32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "CVMM  ", 6);
	memcpy(t + 16, "VMMREF  ", 8);
	ll_put_le32(t + 24, 1);
	memcpy(t + 28, "CVMM", 4);
	ll_put_le32(t + 32, 1);
}

static void acpi_gas_io(uint8_t *g, uint8_t bits, uint64_t port)
{
	g[0] = ACPI_GAS_IO;
	g[1] = bits;
	g[2] = 0;
	g[3] = bits == 8 ? 1 : bits == 16 ? 2 : 3; /* access size: byte, word, dword */
	ll_put_le64(g + 4, port);
}

int ll_x86_acpi_build(uint8_t *buf, size_t size, uint64_t gpa, const struct ll_x86_acpi_params *p)
{
	uint32_t nv = p ? p->virtio_count : 0;
	uint32_t scope_len = nv ? AML_SCOPE_HEAD + nv * AML_DEVICE_LEN : 0;
	uint32_t s3_len = p && p->s3 ? (uint32_t)sizeof(dsdt_s3_aml) : 0;
	uint32_t dsdt_len = ACPI_HDR_SIZE + (uint32_t)sizeof(dsdt_aml) + s3_len + scope_len;
	uint32_t off_madt = (OFF_DSDT + dsdt_len + 15) & ~15u;
	uint16_t level = p ? (uint16_t)(p->level_irqs | 1u << (p->sci_irq & 15)) : 0;
	uint32_t n_over, madt_len;
	size_t used;

	if (!buf || !p || (gpa & 0x3f) || gpa > UINT32_MAX - 0x1000 || p->cpus == 0 ||
	    p->cpus > 255 || p->sci_irq > 15 || nv > LL_X86_ACPI_MAX_VIRTIO || (nv && !p->virtio))
		return -EINVAL;
	for (uint32_t i = 0; i < nv; i++) {
		const struct ll_x86_acpi_mmio *m = &p->virtio[i];
		if (m->size == 0 || m->base > UINT32_MAX - (m->size - 1) || m->irq > 15)
			return -EINVAL;
		level |= (uint16_t)(1u << m->irq);
	}
	n_over = (uint32_t)__builtin_popcount(level);
	madt_len = ACPI_HDR_SIZE + 8 + p->cpus * MADT_LAPIC_LEN + MADT_IOAPIC_LEN +
	           n_over * MADT_OVERRIDE_LEN;
	used = off_madt + madt_len;
	if (size < used)
		return -ENOSPC;
	/* Only now that buf is known valid and large enough (offsets from NULL are UB). */
	uint8_t *rsdp = buf, *xsdt = buf + OFF_XSDT, *fadt = buf + OFF_FADT, *facs = buf + OFF_FACS,
		*dsdt = buf + OFF_DSDT, *madt = buf + off_madt, *e;
	memset(buf, 0, used);

	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "CVMM  ", 6);
	rsdp[15] = 2; /* ACPI 2.0+: the XSDT is used */
	ll_put_le32(rsdp + 20, ACPI_RSDP_SIZE);
	ll_put_le64(rsdp + 24, gpa + OFF_XSDT);
	rsdp[8] = acpi_sum(rsdp, 20);
	rsdp[32] = acpi_sum(rsdp, ACPI_RSDP_SIZE);

	acpi_header(xsdt, "XSDT", ACPI_HDR_SIZE + 16, 1);
	ll_put_le64(xsdt + ACPI_HDR_SIZE, gpa + OFF_FADT);
	ll_put_le64(xsdt + ACPI_HDR_SIZE + 8, gpa + off_madt);
	xsdt[9] = acpi_sum(xsdt, ACPI_HDR_SIZE + 16);

	acpi_header(fadt, "FACP", ACPI_FADT_SIZE, 6);
	ll_put_le32(fadt + 36, (uint32_t)(gpa + OFF_FACS));
	ll_put_le32(fadt + 40, (uint32_t)(gpa + OFF_DSDT));
	ll_put_le16(fadt + 46, p->sci_irq);
	/* SMI_CMD (48) stays 0: no legacy/ACPI mode switch, always in ACPI mode. */
	ll_put_le32(fadt + 56, p->pm1_evt_port);
	ll_put_le32(fadt + 64, p->pm1_cnt_port);
	fadt[88] = 4;                     /* PM1_EVT_LEN */
	fadt[89] = 2;                     /* PM1_CNT_LEN */
	ll_put_le16(fadt + 96, 101);      /* P_LVL2_LAT > 100: no C2 */
	ll_put_le16(fadt + 98, 1001);     /* P_LVL3_LAT > 1000: no C3 */
	ll_put_le16(fadt + 109, 1u << 1); /* IAPC_BOOT_ARCH: an 8042 is present */
	/* Flags: WBINVD (0), PROC_C1 (2), RESET_REG_SUP (10). */
	ll_put_le32(fadt + 112, 1u << 0 | 1u << 2 | 1u << 10);
	acpi_gas_io(fadt + 116, 8, p->reset_port);
	fadt[128] = p->reset_value;
	fadt[131] = 0; /* FADT minor version */
	ll_put_le64(fadt + 132, gpa + OFF_FACS);
	ll_put_le64(fadt + 140, gpa + OFF_DSDT);
	acpi_gas_io(fadt + 148, 32, p->pm1_evt_port);
	acpi_gas_io(fadt + 172, 16, p->pm1_cnt_port);
	fadt[9] = acpi_sum(fadt, ACPI_FADT_SIZE);

	memcpy(facs, "FACS", 4);
	ll_put_le32(facs + 4, ACPI_FACS_SIZE);
	facs[32] = 2; /* version */

	acpi_header(dsdt, "DSDT", dsdt_len, 2);
	memcpy(dsdt + ACPI_HDR_SIZE, dsdt_aml, sizeof(dsdt_aml));
	if (s3_len)
		memcpy(dsdt + ACPI_HDR_SIZE + sizeof(dsdt_aml), dsdt_s3_aml, s3_len);
	if (nv) {
		uint8_t *a = dsdt + ACPI_HDR_SIZE + sizeof(dsdt_aml) + s3_len;
		uint32_t pkg = scope_len - 1;         /* PkgLength counts itself, not ScopeOp */
		a[0] = 0x10;                          /* ScopeOp */
		a[1] = (uint8_t)(0x40 | (pkg & 0xf)); /* two-byte PkgLength */
		a[2] = (uint8_t)(pkg >> 4);
		memcpy(a + 3, "\\_SB_", 5);
		a += AML_SCOPE_HEAD;
		for (uint32_t i = 0; i < nv; i++)
			a = aml_virtio_device(a, i, &p->virtio[i]);
	}
	dsdt[9] = acpi_sum(dsdt, dsdt_len);

	acpi_header(madt, "APIC", madt_len, 5);
	ll_put_le32(madt + ACPI_HDR_SIZE, LL_X86_LAPIC_ADDR);
	ll_put_le32(madt + ACPI_HDR_SIZE + 4, 1); /* PCAT_COMPAT: there are 8259s to mask */
	e = madt + ACPI_HDR_SIZE + 8;
	for (uint32_t i = 0; i < p->cpus; i++, e += MADT_LAPIC_LEN) {
		e[0] = 0; /* processor local APIC */
		e[1] = MADT_LAPIC_LEN;
		e[2] = (uint8_t)i;     /* processor UID */
		e[3] = (uint8_t)i;     /* APIC ID = KVM vCPU id */
		ll_put_le32(e + 4, 1); /* enabled */
	}
	e[0] = 1; /* I/O APIC */
	e[1] = MADT_IOAPIC_LEN;
	e[2] = 0; /* its ID (the local APICs' and the IOAPIC's ID spaces are apart) */
	ll_put_le32(e + 4, LL_X86_IOAPIC_ADDR);
	ll_put_le32(e + 8, 0); /* GSI base */
	e += MADT_IOAPIC_LEN;
	for (uint32_t irq = 0; irq < 16; irq++) {
		if (!(level >> irq & 1))
			continue;
		e[0] = 2; /* interrupt source override */
		e[1] = MADT_OVERRIDE_LEN;
		e[2] = 0; /* ISA */
		e[3] = (uint8_t)irq;
		ll_put_le32(e + 4, irq); /* same GSI: only the trigger and polarity change */
		ll_put_le16(e + 8, MADT_LEVEL_HIGH);
		e += MADT_OVERRIDE_LEN;
	}
	madt[9] = acpi_sum(madt, madt_len);
	return (int)used;
}
