/* SPDX-License-Identifier: Apache-2.0 */
/* ELF64 vmlinux loader: PT_LOAD segments by physical address, and the PVH entry note. */
#include <cvmm/linux_loader.h>

#include <elf.h>
#include <errno.h>

#define XEN_NOTE_NAME "Xen"

static bool span_in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static uint32_t align4(uint32_t v)
{
	return (v + 3u) & ~3u;
}

/* Walks the notes of one PT_NOTE segment; a malformed note list is an error. */
static int scan_notes(const uint8_t *n, uint64_t size, struct ll_elf_info *info)
{
	while (size > 0) {
		if (size < 12)
			return -EINVAL;
		uint32_t namesz = ll_le32(n), descsz = ll_le32(n + 4), type = ll_le32(n + 8);
		if (namesz > UINT32_MAX - 3 || descsz > UINT32_MAX - 3)
			return -EINVAL;
		uint64_t name_span = align4(namesz), desc_span = align4(descsz);
		if (name_span + desc_span > size - 12)
			return -EINVAL;
		const uint8_t *name = n + 12, *desc = name + name_span;
		if (type == LL_XEN_ELFNOTE_PHYS32_ENTRY && namesz == sizeof(XEN_NOTE_NAME) &&
		    memcmp(name, XEN_NOTE_NAME, sizeof(XEN_NOTE_NAME)) == 0) {
			/* Linux emits the entry as a pointer-sized value; it is a 32-bit address.
			 */
			uint64_t entry;
			if (descsz == 4)
				entry = ll_le32(desc);
			else if (descsz == 8)
				entry = ll_le64(desc);
			else
				return -EINVAL;
			if (entry > UINT32_MAX)
				return -EINVAL;
			info->has_pvh = true;
			info->pvh_entry = (uint32_t)entry;
		}
		n += 12 + name_span + desc_span;
		size -= 12 + name_span + desc_span;
	}
	return 0;
}

struct elf_hdr {
	uint16_t type, machine, phentsize, phnum;
	uint64_t entry, phoff;
};

static int read_ehdr(const uint8_t *p, size_t len, uint16_t machine, struct elf_hdr *h)
{
	if (len < SELFMAG || memcmp(p, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	if (len < sizeof(Elf64_Ehdr))
		return -EINVAL;
	if (p[EI_CLASS] != ELFCLASS64 || p[EI_DATA] != ELFDATA2LSB)
		return -ENOTSUP;
	h->type = ll_le16(p + offsetof(Elf64_Ehdr, e_type));
	h->machine = ll_le16(p + offsetof(Elf64_Ehdr, e_machine));
	h->entry = ll_le64(p + offsetof(Elf64_Ehdr, e_entry));
	h->phoff = ll_le64(p + offsetof(Elf64_Ehdr, e_phoff));
	h->phentsize = ll_le16(p + offsetof(Elf64_Ehdr, e_phentsize));
	h->phnum = ll_le16(p + offsetof(Elf64_Ehdr, e_phnum));
	if (h->type != ET_EXEC || h->machine != machine)
		return -ENOTSUP;
	if (h->phnum == 0 || h->phnum == PN_XNUM || h->phentsize < sizeof(Elf64_Phdr) ||
	    !span_in_file(h->phoff, (uint64_t)h->phentsize * h->phnum, len))
		return -EINVAL;
	return 0;
}

struct elf_phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

static void read_phdr(const uint8_t *p, const struct elf_hdr *h, unsigned idx, struct elf_phdr *ph)
{
	const uint8_t *q = p + h->phoff + (uint64_t)idx * h->phentsize;

	ph->type = ll_le32(q + offsetof(Elf64_Phdr, p_type));
	ph->offset = ll_le64(q + offsetof(Elf64_Phdr, p_offset));
	ph->paddr = ll_le64(q + offsetof(Elf64_Phdr, p_paddr));
	ph->filesz = ll_le64(q + offsetof(Elf64_Phdr, p_filesz));
	ph->memsz = ll_le64(q + offsetof(Elf64_Phdr, p_memsz));
}

/* Whether addr lies in the memory of a PT_LOAD segment (already checked not to wrap). */
static bool in_load_segment(const uint8_t *p, const struct elf_hdr *h, uint64_t addr)
{
	for (unsigned n = 0; n < h->phnum; n++) {
		struct elf_phdr ph;
		read_phdr(p, h, n, &ph);
		if (ph.type == PT_LOAD && addr >= ph.paddr && addr - ph.paddr < ph.memsz)
			return true;
	}
	return false;
}

int ll_elf_parse(const void *img, size_t len, uint16_t machine, struct ll_elf_info *info)
{
	const uint8_t *p = img;
	struct ll_elf_info i = {.low = UINT64_MAX};
	struct elf_hdr h;
	bool entry_ok = false;
	int ret;

	if (!img || !info)
		return -EINVAL;
	ret = read_ehdr(p, len, machine, &h);
	if (ret < 0)
		return ret;
	i.entry = h.entry;
	for (unsigned n = 0; n < h.phnum; n++) {
		struct elf_phdr ph;
		read_phdr(p, &h, n, &ph);
		if (ph.type == PT_NOTE) {
			if (!span_in_file(ph.offset, ph.filesz, len))
				return -EINVAL;
			ret = scan_notes(p + ph.offset, ph.filesz, &i);
			if (ret < 0)
				return ret;
			continue;
		}
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (!span_in_file(ph.offset, ph.filesz, len) || ph.filesz > ph.memsz ||
		    ph.paddr > UINT64_MAX - ph.memsz)
			return -EINVAL;
		i.num_load++;
		if (ph.paddr < i.low)
			i.low = ph.paddr;
		if (ph.paddr + ph.memsz > i.end)
			i.end = ph.paddr + ph.memsz;
		if (h.entry >= ph.paddr && h.entry - ph.paddr < ph.memsz)
			entry_ok = true;
	}
	if (i.num_load == 0 || !entry_ok)
		return -EINVAL;
	/* The notes may come before the segments: the PVH entry is checked once all are
	   known, and must be code the loader puts in RAM, as e_entry must. */
	if (i.has_pvh && !in_load_segment(p, &h, i.pvh_entry))
		return -EINVAL;
	*info = i;
	return 0;
}

int ll_elf_load(const struct ll_guest_ram *ram, const void *img, size_t len, uint16_t machine,
                struct ll_elf_info *info, struct ll_kernel_load *out)
{
	const uint8_t *p = img;
	struct ll_elf_info i;
	struct elf_hdr h;
	int ret;

	if (!ram || !out)
		return -EINVAL;
	ret = ll_elf_parse(img, len, machine, &i);
	if (ret < 0)
		return ret;
	if (info)
		*info = i;
	read_ehdr(p, len, machine, &h);
	/* Every segment is checked before the first byte is written. */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned n = 0; n < h.phnum; n++) {
			struct elf_phdr ph;
			read_phdr(p, &h, n, &ph);
			if (ph.type != PT_LOAD || ph.memsz == 0)
				continue;
			if (pass == 0) {
				if (!ll_guest_ram_contains(ram, ph.paddr, ph.memsz))
					return -ENOSPC;
				continue;
			}
			ret = ll_guest_ram_write(ram, ph.paddr, p + ph.offset, ph.filesz);
			if (ret == 0)
				ret = ll_guest_ram_write(ram, ph.paddr + ph.filesz, NULL,
				                         ph.memsz - ph.filesz);
			if (ret < 0)
				return ret;
		}
	}
	out->load_addr = i.low;
	out->end = i.end;
	out->entry = i.entry;
	return 0;
}
