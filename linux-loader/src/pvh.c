// SPDX-License-Identifier: Apache-2.0
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

#if defined(__x86_64__)
static void flat32(struct kvm_segment *s, uint16_t selector, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->selector = selector;
	s->type = type;
	s->present = 1;
	s->s = 1;  /* code or data, not a system segment */
	s->db = 1; /* 32-bit */
	s->g = 1;
}

int ll_x86_pvh_vcpu_state(uint32_t entry, uint32_t start_info, uint64_t gdt_gpa,
                          struct kvm_regs *regs, struct kvm_sregs *sregs)
{
	if (!regs || !sregs)
		return -EINVAL;
	flat32(&sregs->cs, LL_X86_PVH_CS, 0xb);
	flat32(&sregs->ds, LL_X86_PVH_DS, 0x3);
	sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
	memset(&sregs->tr, 0, sizeof(sregs->tr));
	sregs->tr.limit = 0x67;
	sregs->tr.selector = LL_X86_PVH_TSS;
	sregs->tr.type = 0xb;
	sregs->tr.present = 1;
	sregs->gdt.base = gdt_gpa;
	sregs->gdt.limit = LL_X86_PVH_GDT_ENTRIES * 8 - 1;
	/* PE; ET is hard-wired to one. Every other writable bit clear: no paging, no
	   caching control, no long mode. */
	sregs->cr0 = 0x1 | 0x10;
	sregs->cr2 = 0;
	sregs->cr3 = 0;
	sregs->cr4 = 0;
	sregs->efer = 0;
	memset(regs, 0, sizeof(*regs));
	regs->rflags = 0x2; /* bit 1 reads as one; IF, TF and VM clear */
	regs->rip = entry;
	regs->rbx = start_info;
	return 0;
}
#endif
