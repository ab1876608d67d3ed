/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by linux-loader's tests (and vmm-ref's): crafting x86_64 ELF kernels byte by
   byte, so a test can make each header field and note what it wants. */
#ifndef LL_TEST_ELF_CRAFT_H
#define LL_TEST_ELF_CRAFT_H

#include <cvmm/linux_loader.h>

#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Where program header i goes: right after the 64-byte ELF header. */
#define ELF_CRAFT_PHDR(i) (64 + 56 * (i))

/* The ELF header of a little-endian x86_64 executable with phnum program headers. */
static inline void elf_craft_header(uint8_t *e, uint64_t entry, uint16_t phnum)
{
	memcpy(e, ELFMAG, SELFMAG);
	e[EI_CLASS] = ELFCLASS64;
	e[EI_DATA] = ELFDATA2LSB;
	e[EI_VERSION] = EV_CURRENT;
	ll_put_le16(e + offsetof(Elf64_Ehdr, e_type), ET_EXEC);
	ll_put_le16(e + offsetof(Elf64_Ehdr, e_machine), EM_X86_64);
	ll_put_le64(e + offsetof(Elf64_Ehdr, e_entry), entry);
	ll_put_le64(e + offsetof(Elf64_Ehdr, e_phoff), 64);
	ll_put_le16(e + offsetof(Elf64_Ehdr, e_phentsize), 56);
	ll_put_le16(e + offsetof(Elf64_Ehdr, e_phnum), phnum);
}

/* Program header i; the virtual address is the physical one in Linux's kernel map. */
static inline void elf_craft_phdr(uint8_t *e, int i, uint32_t type, uint64_t off, uint64_t paddr,
                                  uint64_t filesz, uint64_t memsz)
{
	uint8_t *p = e + ELF_CRAFT_PHDR(i);
	ll_put_le32(p + offsetof(Elf64_Phdr, p_type), type);
	ll_put_le64(p + offsetof(Elf64_Phdr, p_offset), off);
	ll_put_le64(p + offsetof(Elf64_Phdr, p_vaddr), paddr + 0xffffffff80000000ull);
	ll_put_le64(p + offsetof(Elf64_Phdr, p_paddr), paddr);
	ll_put_le64(p + offsetof(Elf64_Phdr, p_filesz), filesz);
	ll_put_le64(p + offsetof(Elf64_Phdr, p_memsz), memsz);
}

/* A note at n: name (with its NUL, padded to 4 bytes), type, and descsz bytes of desc
   (padded to 4). Returns the bytes it takes. */
static inline size_t elf_craft_note(uint8_t *n, const char *name, uint32_t type, const void *desc,
                                    uint32_t descsz)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	size_t name_room = (namesz + 3u) & ~3u;

	ll_put_le32(n, namesz);
	ll_put_le32(n + 4, descsz);
	ll_put_le32(n + 8, type);
	memcpy(n + 12, name, namesz);
	if (desc)
		memcpy(n + 12 + name_room, desc, descsz);
	return 12 + name_room + ((descsz + 3u) & ~3u);
}

#endif
