/* SPDX-License-Identifier: Apache-2.0 */
/* The PVH start info and entry state (pvh_x86_64.h). */
#include <cvmm/linux_loader_pvh.h>

#include <cvmm/linux_loader.h>

#include <errno.h>
#include <string.h>

#define FOUR_GIB 0x100000000ull

static bool inside(uint64_t addr, uint64_t len, uint64_t limit)
{
	return addr <= limit && len <= limit - addr;
}

/* Both ranges are known not to wrap. */
static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

int ll_x86_pvh_info_build(uint8_t *buf, size_t size, uint64_t gpa, const struct ll_pvh_params *p)
{
	uint64_t limit, used, cmd_len;

	/* Linux takes the map into boot_params' e820 table, which holds LL_E820_MAX. */
	if (!buf || !p || (p->memmap_count && !p->memmap) || p->memmap_count > LL_E820_MAX)
		return -EINVAL;
	used = ll_x86_pvh_info_size(p->memmap_count);
	if (size < used)
		return -ENOSPC;
	limit = p->ram_end < FOUR_GIB ? p->ram_end : FOUR_GIB;
	/* Address 0 means "absent" in every field of the protocol. */
	if (gpa == 0 || (gpa & 7) || !inside(gpa, used, limit))
		return -EINVAL;
	if (p->cmdline_addr == 0 && p->cmdline_len != 0)
		return -EINVAL;
	if (p->cmdline_len > LL_PVH_CMDLINE_MAX)
		return -E2BIG;
	cmd_len = p->cmdline_addr ? (uint64_t)p->cmdline_len + 1 : 0; /* with its NUL */
	if (p->cmdline_addr && (!inside(p->cmdline_addr, cmd_len, limit) ||
	                        overlap(p->cmdline_addr, cmd_len, gpa, used)))
		return -EINVAL;
	if (p->initrd_size &&
	    (p->initrd_addr == 0 || !inside(p->initrd_addr, p->initrd_size, limit) ||
	     overlap(p->initrd_addr, p->initrd_size, gpa, used) ||
	     overlap(p->initrd_addr, p->initrd_size, p->cmdline_addr, cmd_len)))
		return -EINVAL;
	for (size_t i = 0; i < p->memmap_count; i++)
		if (p->memmap[i].size == 0 || p->memmap[i].addr > UINT64_MAX - p->memmap[i].size)
			return -EINVAL;

	memset(buf, 0, used);
	ll_put_le32(buf + LL_PVH_SI_MAGIC, LL_PVH_MAGIC);
	ll_put_le32(buf + LL_PVH_SI_VERSION, LL_PVH_VERSION);
	ll_put_le64(buf + LL_PVH_SI_CMDLINE, p->cmdline_addr);
	ll_put_le64(buf + LL_PVH_SI_RSDP, p->rsdp_addr);
	if (p->initrd_size) {
		uint8_t *m = buf + LL_PVH_OFF_MODLIST;
		ll_put_le32(buf + LL_PVH_SI_NR_MODULES, 1);
		ll_put_le64(buf + LL_PVH_SI_MODLIST, gpa + LL_PVH_OFF_MODLIST);
		ll_put_le64(m, p->initrd_addr);
		ll_put_le64(m + 8, p->initrd_size);
		/* cmdline_paddr (m + 16) stays 0: the module has no command line. */
	}
	if (p->memmap_count) {
		ll_put_le64(buf + LL_PVH_SI_MEMMAP, gpa + LL_PVH_OFF_MEMMAP);
		ll_put_le32(buf + LL_PVH_SI_MEMMAP_ENTRIES, (uint32_t)p->memmap_count);
	}
	for (size_t i = 0; i < p->memmap_count; i++) {
		uint8_t *e = buf + LL_PVH_OFF_MEMMAP + i * LL_PVH_MEMMAP_ENTRY_SIZE;
		ll_put_le64(e, p->memmap[i].addr);
		ll_put_le64(e + 8, p->memmap[i].size);
		ll_put_le32(e + 16, p->memmap[i].type);
	}
	return (int)used;
}

void ll_x86_pvh_gdt_build(uint64_t gdt[LL_X86_PVH_GDT_ENTRIES])
{
	gdt[0] = 0;
	/* base 0, limit 0xfffff in 4 KiB units (G), 32-bit (D/B), present, DPL 0. */
	gdt[LL_X86_PVH_CS / 8] = 0x00cf9b000000ffffull; /* code, execute/read, accessed */
	gdt[LL_X86_PVH_DS / 8] = 0x00cf93000000ffffull; /* data, read/write, accessed */
	/* base 0, limit 0x67 in bytes, present, system type 0xb: a busy 32-bit TSS. */
	gdt[LL_X86_PVH_TSS / 8] = 0x00008b0000000067ull;
}
