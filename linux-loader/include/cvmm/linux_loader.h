/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel image loaders and boot-data helpers. Each loader parses an untrusted image held in
 * host memory (img, len), checks every header field, offset and size (with overflow) against
 * the file and against guest RAM, and only then copies it through a struct ll_guest_ram.
 * They are pure functions of their arguments: they print nothing and allocate nothing, and
 * are safe to call from several threads on different RAM objects.
 *
 * Errors shared by all loaders:
 *   -ENOEXEC  the image is not of this format (too short for the header, wrong magic)
 *   -EINVAL   the format is right but a header field is inconsistent or out of the file
 *   -ENOTSUP  a valid image of a kind this VMM does not boot (big-endian, 32-bit, too old)
 *   -ENOSPC   the kernel (or boot data) does not fit in guest RAM
 *   -EFAULT   or the write callback's error, if writing to guest RAM fails
 */
#ifndef CVMM_LINUX_LOADER_H
#define CVMM_LINUX_LOADER_H

#include <cvmm/linux_loader_ram.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Little-endian fields of untrusted images; the caller has checked the bounds. */
static inline uint16_t ll_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t ll_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ll_le64(const uint8_t *p)
{
	return (uint64_t)ll_le32(p) | (uint64_t)ll_le32(p + 4) << 32;
}

static inline void ll_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void ll_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void ll_put_le64(uint8_t *p, uint64_t v)
{
	ll_put_le32(p, (uint32_t)v);
	ll_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Where a loaded kernel sits and starts. */
struct ll_kernel_load {
	uint64_t load_addr; /* guest physical address of the first byte written */
	uint64_t end;       /* first address after the memory the kernel claims */
	uint64_t entry;     /* guest physical address the boot vCPU starts at */
};

/* ---- arm64 Image (Documentation/arm64/booting.rst) ---- */

#define LL_ARM64_IMAGE_HEADER_SIZE 64u
#define LL_ARM64_IMAGE_MAGIC 0x644d5241u /* "ARM\x64" at offset 0x38 */
#define LL_ARM64_LOAD_ALIGN 0x200000u    /* the Image goes text_offset past a 2 MiB boundary */
#define LL_ARM64_FDT_MAX_SIZE 0x200000u  /* the kernel maps at most 2 MiB of DTB */

struct ll_arm64_image_info {
	uint64_t text_offset; /* from the 2 MiB aligned base to the first byte of the Image */
	uint64_t image_size;  /* bytes the kernel uses from its load address, bss included */
	uint64_t flags;
	uint32_t page_size_kib; /* kernel page size: 4, 16, 64, or 0 when not stated */
	bool big_endian;
	bool place_anywhere; /* flags bit 3: any 2 MiB aligned base, not only near RAM start */
};

/*
 * Parses the 64-byte header of an arm64 Image. For pre-3.17 images (image_size 0) it assumes
 * text_offset 0x80000 and the file length, as booting.rst says. image_size is never less than
 * len. Returns 0, -ENOEXEC (short, no magic), -EINVAL (text_offset not 4 KiB aligned).
 */
int ll_arm64_image_parse(const void *img, size_t len, struct ll_arm64_image_info *info);

/*
 * Loads an arm64 Image at the first 2 MiB boundary of ram plus text_offset, copies the file
 * and zeroes the rest of image_size. out->entry is the load address (the first
 * instruction); out->end is load address + image_size. info may be NULL.
 * Returns 0, the parse errors, -ENOTSUP (big-endian kernel), -ENOSPC, or a write error.
 */
int ll_arm64_image_load(const struct ll_guest_ram *ram, const void *img, size_t len,
                        struct ll_arm64_image_info *info, struct ll_kernel_load *out);

/*
 * ll_arm64_image_load() of an Image read from file fd (size bytes, from offset 0): the
 * header is read and checked first, then the file goes straight into guest RAM
 * (ll_guest_ram_write_from_fd()), with no copy of it in host memory. Returns as
 * ll_arm64_image_load(), and -EIO when the file is shorter than size.
 */
int ll_arm64_image_load_fd(const struct ll_guest_ram *ram, int fd, uint64_t size,
                           struct ll_arm64_image_info *info, struct ll_kernel_load *out);

/*
 * Chooses where the arm64 boot data goes: the FDT at the top of RAM (fdt_max_size bytes,
 * 4 KiB aligned, at most LL_ARM64_FDT_MAX_SIZE), the initrd (if initrd_size > 0) just below
 * it, 64 KiB aligned (the largest arm64 page), both above kernel_end. *initrd_addr is 0 when
 * there is no initrd. Returns 0, -EINVAL (fdt_max_size 0 or too big), -ENOSPC.
 */
int ll_arm64_place_boot_data(const struct ll_guest_ram *ram, uint64_t kernel_end,
                             uint64_t initrd_size, uint64_t fdt_max_size, uint64_t *initrd_addr,
                             uint64_t *fdt_addr);

/* ---- x86_64 bzImage (Documentation/x86/boot.rst) ---- */

#define LL_BZIMAGE_MIN_VERSION 0x0206u
#define LL_BZIMAGE_LOW_LOAD 0x100000u /* where a kernel without pref_address goes */

struct ll_bzimage_info {
	uint16_t version;
	uint8_t setup_sects; /* 0 in the file means 4; stored here as used */
	uint8_t loadflags;
	uint16_t xloadflags;
	uint32_t code32_start;
	uint32_t init_size;
	uint32_t cmdline_size; /* longest command line, without the NUL */
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	bool relocatable;
	uint64_t pref_address;
	size_t header_end;    /* file offset after the setup header (0x202 + the jump's byte) */
	size_t kernel_offset; /* file offset of the protected-mode kernel, (setup_sects+1)*512 */
	size_t kernel_size;   /* its length in the file */
};

/*
 * Parses the setup header of a bzImage: boot flag 0xAA55, "HdrS", protocol >= 2.06,
 * LOADED_HIGH, a 64-bit entry (XLF_KERNEL_64 from protocol 2.12), setup_sects inside the
 * file. Returns 0, -ENOEXEC (not a bzImage), -EINVAL, -ENOTSUP (too old, no 64-bit entry).
 */
int ll_bzimage_parse(const void *img, size_t len, struct ll_bzimage_info *info);

/*
 * Loads the protected-mode kernel of a bzImage at pref_address (protocol >= 2.10, non-zero)
 * or at 1 MiB, checking that init_size bytes fit in ram. out->entry is the 64-bit entry
 * (load address + 0x200); out->end is load address + max(init_size, file part).
 * info may be NULL. Returns 0, the parse errors, -ENOSPC, or a write error.
 */
int ll_bzimage_load(const struct ll_guest_ram *ram, const void *img, size_t len,
                    struct ll_bzimage_info *info, struct ll_kernel_load *out);

/* The bytes of a bzImage's start that ll_bzimage_parse() reads at most (the boot sector
   and the setup header, whose end is at most 0x301). */
#define LL_BZIMAGE_HEAD_SIZE 1024u

/*
 * ll_bzimage_load() of a bzImage in file fd (size bytes): its first LL_BZIMAGE_HEAD_SIZE
 * bytes (or all, when shorter) are read into head (the setup header, which the zero page
 * copies) and checked, then the protected-mode kernel goes from the file straight into
 * guest RAM (ll_guest_ram_write_from_fd()). Returns as ll_bzimage_load(), and -EIO when
 * the file is shorter than size.
 */
int ll_bzimage_load_fd(const struct ll_guest_ram *ram, int fd, uint64_t size,
                       uint8_t head[LL_BZIMAGE_HEAD_SIZE], struct ll_bzimage_info *info,
                       struct ll_kernel_load *out);

/* ---- ELF vmlinux ---- */

#define LL_XEN_ELFNOTE_PHYS32_ENTRY 18u

struct ll_elf_info {
	uint64_t entry;     /* e_entry, inside a PT_LOAD segment's physical range */
	uint64_t low, end;  /* lowest p_paddr and highest p_paddr + p_memsz of PT_LOAD */
	uint32_t num_load;  /* PT_LOAD segments with p_memsz > 0 */
	bool has_pvh;       /* a "Xen" note of type XEN_ELFNOTE_PHYS32_ENTRY was found */
	uint32_t pvh_entry; /* its 32-bit physical entry point */
};

/*
 * Parses a 64-bit little-endian ELF executable for the given e_machine (EM_X86_64 for a
 * vmlinux): program headers and every PT_LOAD inside the file, p_filesz <= p_memsz, no
 * address overflow, e_entry inside a segment, at least one PT_LOAD, and PT_NOTE segments
 * for the PVH entry note (whose entry must also lie inside a PT_LOAD segment). Returns 0, -ENOEXEC
 * (no ELF magic), -ENOTSUP (32-bit, big-endian, other machine, not ET_EXEC), -EINVAL.
 */
int ll_elf_parse(const void *img, size_t len, uint16_t machine, struct ll_elf_info *info);

/*
 * Parses, then checks every PT_LOAD against ram by physical address, then copies each
 * segment and zeroes its p_memsz - p_filesz tail. out->entry is e_entry, out->load_addr and
 * out->end the span of the segments. info may be NULL.
 * Returns 0, the parse errors, -ENOSPC, or a write error.
 */
int ll_elf_load(const struct ll_guest_ram *ram, const void *img, size_t len, uint16_t machine,
                struct ll_elf_info *info, struct ll_kernel_load *out);

#endif
