/* SPDX-License-Identifier: Apache-2.0 */
/* x86 bzImage loader: the setup header of Documentation/x86/boot.rst. */
#include <cvmm/linux_loader.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define OFF_SETUP_SECTS 0x1f1
#define OFF_SYSSIZE 0x1f4
#define OFF_BOOT_FLAG 0x1fe
#define OFF_JUMP 0x200
#define OFF_HEADER 0x202
#define OFF_VERSION 0x206
#define OFF_LOADFLAGS 0x211
#define OFF_CODE32_START 0x214
#define OFF_INITRD_ADDR_MAX 0x22c
#define OFF_KERNEL_ALIGNMENT 0x230
#define OFF_RELOCATABLE 0x234
#define OFF_XLOADFLAGS 0x236
#define OFF_CMDLINE_SIZE 0x238
#define OFF_PREF_ADDRESS 0x258
#define OFF_INIT_SIZE 0x260
/* The 2.06 header ends with cmdline_size; later fields are read only when present. */
#define HEADER_206_END 0x23c

#define BOOT_FLAG 0xaa55u
#define HDRS_MAGIC 0x53726448u /* "HdrS" */
#define LOADED_HIGH 0x01u
#define XLF_KERNEL_64 0x01u
#define ENTRY_64_OFFSET 0x200u

int ll_bzimage_parse(const void *img, size_t len, struct ll_bzimage_info *info)
{
	const uint8_t *p = img;
	struct ll_bzimage_info i = {0};

	if (!img || !info || len < OFF_VERSION + 2 || ll_le16(p + OFF_BOOT_FLAG) != BOOT_FLAG ||
	    ll_le32(p + OFF_HEADER) != HDRS_MAGIC)
		return -ENOEXEC;
	i.version = ll_le16(p + OFF_VERSION);
	if (i.version < LL_BZIMAGE_MIN_VERSION)
		return -ENOTSUP;
	/* The byte after the short jump at 0x200 says where the header ends. */
	i.header_end = OFF_HEADER + (size_t)p[OFF_JUMP + 1];
	if (p[OFF_JUMP] != 0xeb || i.header_end < HEADER_206_END || i.header_end > len)
		return -EINVAL;

	i.setup_sects = p[OFF_SETUP_SECTS] ? p[OFF_SETUP_SECTS] : 4;
	i.loadflags = p[OFF_LOADFLAGS];
	i.code32_start = ll_le32(p + OFF_CODE32_START);
	i.initrd_addr_max = ll_le32(p + OFF_INITRD_ADDR_MAX);
	i.kernel_alignment = ll_le32(p + OFF_KERNEL_ALIGNMENT);
	i.relocatable = i.version >= 0x0205 && p[OFF_RELOCATABLE];
	i.cmdline_size = ll_le32(p + OFF_CMDLINE_SIZE);
	if (i.version >= 0x020a && i.header_end >= OFF_INIT_SIZE + 4) {
		i.pref_address = ll_le64(p + OFF_PREF_ADDRESS);
		i.init_size = ll_le32(p + OFF_INIT_SIZE);
	}
	if (i.version >= 0x020c && i.header_end >= OFF_XLOADFLAGS + 2)
		i.xloadflags = ll_le16(p + OFF_XLOADFLAGS);

	/* A zImage (loaded below 1 MiB) is not a bzImage. */
	if (!(i.loadflags & LOADED_HIGH))
		return -ENOTSUP;
	if (i.version >= 0x020c && !(i.xloadflags & XLF_KERNEL_64))
		return -ENOTSUP;
	i.kernel_offset = ((size_t)i.setup_sects + 1) * 512;
	if (i.kernel_offset < i.header_end || i.kernel_offset >= len)
		return -EINVAL;
	i.kernel_size = len - i.kernel_offset;
	/* syssize counts 16-byte paragraphs of the protected-mode part (from protocol 2.04). */
	if ((uint64_t)ll_le32(p + OFF_SYSSIZE) * 16 > i.kernel_size)
		return -EINVAL;
	if (i.kernel_size <= ENTRY_64_OFFSET)
		return -EINVAL;
	if (i.relocatable && (i.kernel_alignment == 0 || !ll_is_pow2(i.kernel_alignment)))
		return -EINVAL;
	*info = i;
	return 0;
}

/* Where the parsed kernel i goes in ram, checked: *load and *span. 0 or -ENOSPC. */
static int place_kernel(const struct ll_guest_ram *ram, const struct ll_bzimage_info *i,
                        uint64_t *load, uint64_t *span)
{
	/*
	 * pref_address is where the kernel runs without relocating itself; a kernel that is not
	 * relocatable moves itself there anyway, so it is the address to load at.
	 */
	*load = i->pref_address ? i->pref_address : LL_BZIMAGE_LOW_LOAD;
	/*
	 * A relocatable kernel loaded off its kernel_alignment realigns itself; it is not an
	 * error (boot.rst), and init_size covers the move.
	 */
	*span = i->init_size > i->kernel_size ? i->init_size : i->kernel_size;
	return ll_guest_ram_contains(ram, *load, *span) ? 0 : -ENOSPC;
}

/* Loads the bzImage of size bytes whose start is head: its kernel comes from img when set,
   else from file fd. */
static int load_bzimage(const struct ll_guest_ram *ram, const uint8_t *head, uint64_t size,
                        const uint8_t *img, int fd, struct ll_bzimage_info *info,
                        struct ll_kernel_load *out)
{
	struct ll_bzimage_info i;
	uint64_t load, span;
	/* The parser reads no further than the setup header's end, which is inside head and
	   checked against the file's size. */
	int ret = ll_bzimage_parse(head, (size_t)size, &i);

	if (ret < 0)
		return ret;
	if (info)
		*info = i;
	ret = place_kernel(ram, &i, &load, &span);
	if (ret == 0)
		ret =
		    img ? ll_guest_ram_write(ram, load, img + i.kernel_offset, i.kernel_size)
			: ll_guest_ram_write_from_fd(ram, load, fd, i.kernel_offset, i.kernel_size);
	if (ret < 0)
		return ret;
	out->load_addr = load;
	out->end = load + span;
	out->entry = load + ENTRY_64_OFFSET;
	return 0;
}

int ll_bzimage_load(const struct ll_guest_ram *ram, const void *img, size_t len,
                    struct ll_bzimage_info *info, struct ll_kernel_load *out)
{
	if (!ram || !out)
		return -EINVAL;
	return load_bzimage(ram, img, len, img, -1, info, out);
}

int ll_bzimage_load_fd(const struct ll_guest_ram *ram, int fd, uint64_t size,
                       uint8_t head[LL_BZIMAGE_HEAD_SIZE], struct ll_bzimage_info *info,
                       struct ll_kernel_load *out)
{
	size_t want = size < LL_BZIMAGE_HEAD_SIZE ? (size_t)size : LL_BZIMAGE_HEAD_SIZE, got = 0;

	if (!ram || !out || !head || fd < 0 || size > SIZE_MAX)
		return -EINVAL;
	memset(head, 0, LL_BZIMAGE_HEAD_SIZE);
	while (got < want) {
		ssize_t n = pread(fd, head + got, want - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += (size_t)n;
	}
	return load_bzimage(ram, head, size, NULL, fd, info, out);
}
