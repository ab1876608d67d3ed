/* SPDX-License-Identifier: Apache-2.0 */
/* Linux arm64 Image loader: the header fields of Documentation/arm64/booting.rst. */
#include <cvmm/linux_loader.h>

#include <errno.h>
#include <unistd.h>

#define HDR_TEXT_OFFSET 0x08
#define HDR_IMAGE_SIZE 0x10
#define HDR_FLAGS 0x18
#define HDR_MAGIC 0x38

#define FLAG_BE (1u << 0)
#define FLAG_PAGE_SHIFT 1
#define FLAG_PAGE_MASK 3u
#define FLAG_ANYWHERE (1u << 3)

/* Before Linux 3.17 image_size was 0 and the kernel always sat 0x80000 past the base. */
#define LEGACY_TEXT_OFFSET 0x80000u

#define INITRD_ALIGN 0x10000u
#define FDT_ALIGN 0x1000u

int ll_arm64_image_parse(const void *img, size_t len, struct ll_arm64_image_info *info)
{
	const uint8_t *p = img;

	if (!img || !info || len < LL_ARM64_IMAGE_HEADER_SIZE ||
	    ll_le32(p + HDR_MAGIC) != LL_ARM64_IMAGE_MAGIC)
		return -ENOEXEC;

	struct ll_arm64_image_info i = {
	    .text_offset = ll_le64(p + HDR_TEXT_OFFSET),
	    .image_size = ll_le64(p + HDR_IMAGE_SIZE),
	    .flags = ll_le64(p + HDR_FLAGS),
	};
	if (i.image_size == 0) {
		i.text_offset = LEGACY_TEXT_OFFSET;
		i.flags = 0;
	}
	/* The kernel maps itself with pages: a text_offset inside a page cannot work. */
	if (i.text_offset % 4096 != 0)
		return -EINVAL;
	if (i.image_size < len)
		i.image_size = len;
	i.big_endian = i.flags & FLAG_BE;
	static const uint32_t page_kib[] = {0, 4, 16, 64};
	i.page_size_kib = page_kib[(i.flags >> FLAG_PAGE_SHIFT) & FLAG_PAGE_MASK];
	i.place_anywhere = i.flags & FLAG_ANYWHERE;
	*info = i;
	return 0;
}

/* Where the Image described by i goes in ram: *load. 0, -ENOTSUP, -ENOSPC. */
static int place_image(const struct ll_guest_ram *ram, const struct ll_arm64_image_info *i,
                       uint64_t *load)
{
	uint64_t base;

	if (i->big_endian)
		return -ENOTSUP;
	/*
	 * The lowest 2 MiB boundary in RAM suits both placement modes: "as close as possible to
	 * the base of DRAM" and "anywhere".
	 */
	if (!ll_align_up(ram->base, LL_ARM64_LOAD_ALIGN, &base) ||
	    base > UINT64_MAX - i->text_offset)
		return -ENOSPC;
	*load = base + i->text_offset;
	if (!ll_guest_ram_contains(ram, *load, i->image_size))
		return -ENOSPC;
	return 0;
}

/*
 * Loads the Image of size bytes whose header is hdr (hdr_len bytes of it): its bytes come
 * from img when set, else from file fd.
 */
static int load_image(const struct ll_guest_ram *ram, const void *hdr, size_t hdr_len,
                      uint64_t size, const void *img, int fd, struct ll_arm64_image_info *info,
                      struct ll_kernel_load *out)
{
	struct ll_arm64_image_info i;
	uint64_t load;
	int ret = ll_arm64_image_parse(hdr, hdr_len, &i);

	if (ret < 0)
		return ret;
	/* As ll_arm64_image_parse() does with the whole file: it occupies at least itself. */
	if (i.image_size < size)
		i.image_size = size;
	if (info)
		*info = i;
	ret = place_image(ram, &i, &load);
	if (ret == 0)
		ret = img ? ll_guest_ram_write(ram, load, img, size)
		          : ll_guest_ram_write_from_fd(ram, load, fd, 0, size);
	if (ret == 0)
		ret = ll_guest_ram_write(ram, load + size, NULL, i.image_size - size);
	if (ret < 0)
		return ret;
	out->load_addr = load;
	out->entry = load;
	out->end = load + i.image_size;
	return 0;
}

int ll_arm64_image_load_fd(const struct ll_guest_ram *ram, int fd, uint64_t size,
                           struct ll_arm64_image_info *info, struct ll_kernel_load *out)
{
	uint8_t hdr[LL_ARM64_IMAGE_HEADER_SIZE];
	ssize_t n;

	if (!ram || !out || fd < 0)
		return -EINVAL;
	if (size < sizeof(hdr))
		return -ENOEXEC;
	do
		n = pread(fd, hdr, sizeof(hdr), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(hdr))
		return -EIO;
	return load_image(ram, hdr, sizeof(hdr), size, NULL, fd, info, out);
}

int ll_arm64_image_load(const struct ll_guest_ram *ram, const void *img, size_t len,
                        struct ll_arm64_image_info *info, struct ll_kernel_load *out)
{
	if (!ram || !out)
		return -EINVAL;
	return load_image(ram, img, len, len, img, -1, info, out);
}

int ll_arm64_place_boot_data(const struct ll_guest_ram *ram, uint64_t kernel_end,
                             uint64_t initrd_size, uint64_t fdt_max_size, uint64_t *initrd_addr,
                             uint64_t *fdt_addr)
{
	uint64_t ram_end, fdt, floor, initrd = 0;

	if (!ram || !initrd_addr || !fdt_addr || fdt_max_size == 0 ||
	    fdt_max_size > LL_ARM64_FDT_MAX_SIZE)
		return -EINVAL;
	ram_end = ram->base + ram->size;
	if (kernel_end < ram->base || kernel_end > ram_end || fdt_max_size > ram_end - kernel_end)
		return -ENOSPC;
	fdt = ll_align_down(ram_end - fdt_max_size, FDT_ALIGN);
	if (fdt < kernel_end)
		return -ENOSPC;

	if (initrd_size > 0) {
		if (!ll_align_up(kernel_end, INITRD_ALIGN, &floor) || floor > fdt ||
		    initrd_size > fdt - floor)
			return -ENOSPC;
		initrd = ll_align_down(fdt - initrd_size, INITRD_ALIGN);
		if (initrd < floor)
			return -ENOSPC;
	}
	*initrd_addr = initrd;
	*fdt_addr = fdt;
	return 0;
}
