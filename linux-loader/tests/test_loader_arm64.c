/* SPDX-License-Identifier: Apache-2.0 */
/* The arm64 Image loader and boot-data placement, on Debian's Image and crafted headers. */
#include "ram_helpers.h"
#include <cvmm/linux_loader.h>

#include <errno.h>

#define BASE 0x80000000ull /* where RAM starts on the usual arm64 virt machines */

static struct test_ram t;

static void fini(void)
{
	test_ram_free(&t);
}

TestSuite(arm64_image, .fini = fini);

/* A minimal valid header followed by `len - 64` bytes of "code". */
static uint8_t *craft(size_t len, uint64_t text_offset, uint64_t image_size, uint64_t flags)
{
	uint8_t *img = calloc(1, len < 64 ? 64 : len);
	cr_assert_not_null(img);
	for (size_t i = 64; i < len; i++)
		img[i] = (uint8_t)i;
	ll_put_le64(img + 0x08, text_offset);
	ll_put_le64(img + 0x10, image_size);
	ll_put_le64(img + 0x18, flags);
	ll_put_le32(img + 0x38, LL_ARM64_IMAGE_MAGIC);
	return img;
}

Test(arm64_image, debian_kernel_loads_at_ram_base)
{
	struct ll_file_buf k = {0};
	struct ll_arm64_image_info info;
	struct ll_kernel_load out;

	read_kernel_or_skip(VMM_TEST_KERNEL_ARM64, &k);
	test_ram_init(&t, BASE, 256 * MIB);
	cr_assert_eq(ll_arm64_image_load(&t.ram, k.data, k.size, &info, &out), 0);

	/* Debian's 6.1 Image: text_offset 0, little-endian, 4 KiB pages, placed anywhere. */
	cr_assert_eq(info.text_offset, 0);
	cr_assert_eq(info.image_size, ll_le64(k.data + 0x10));
	cr_assert_gt(info.image_size, k.size, "image_size includes the bss");
	cr_assert(!info.big_endian);
	cr_assert_eq(info.page_size_kib, 4);
	cr_assert(info.place_anywhere);

	cr_assert_eq(out.load_addr, BASE);
	cr_assert_eq(out.entry, BASE);
	cr_assert_eq(out.end, BASE + info.image_size);
	cr_assert_eq(memcmp(test_ram_at(&t, BASE), k.data, k.size), 0);
	cr_assert(all_bytes(test_ram_at(&t, BASE + k.size), info.image_size - k.size, 0),
	          "bss is zeroed");
	cr_assert_eq(*test_ram_at(&t, out.end), FILL, "nothing written past image_size");
	ll_file_free(&k);
}

Test(arm64_image, debian_kernel_too_big_for_ram)
{
	struct ll_file_buf k = {0};
	struct ll_kernel_load out;

	read_kernel_or_skip(VMM_TEST_KERNEL_ARM64, &k);
	test_ram_init(&t, BASE, 16 * MIB);
	cr_assert_eq(ll_arm64_image_load(&t.ram, k.data, k.size, NULL, &out), -ENOSPC);
	cr_assert(all_bytes(t.buf.host, t.buf.size, FILL), "nothing written");
	/* Cut short inside the header: not an Image at all. */
	cr_assert_eq(ll_arm64_image_load(&t.ram, k.data, 63, NULL, &out), -ENOEXEC);
	ll_file_free(&k);
}

Test(arm64_image, text_offset_from_2mib_boundary)
{
	struct ll_kernel_load out;
	uint8_t *img = craft(4096, 0x80000, 0x10000, 0x2);

	/* RAM that starts off a 2 MiB boundary: the kernel goes to the next one. */
	test_ram_init(&t, BASE + 0x1000, 8 * MIB);
	cr_assert_eq(ll_arm64_image_load(&t.ram, img, 4096, NULL, &out), 0);
	cr_assert_eq(out.load_addr, BASE + 0x200000 + 0x80000);
	cr_assert_eq(out.end, out.load_addr + 0x10000);
	cr_assert_eq(memcmp(test_ram_at(&t, out.load_addr), img, 4096), 0);
	free(img);
}

Test(arm64_image, legacy_header_without_image_size)
{
	struct ll_arm64_image_info info;
	uint8_t *img = craft(8192, 0x1234000, 0, 0xe);

	cr_assert_eq(ll_arm64_image_parse(img, 8192, &info), 0);
	cr_assert_eq(info.text_offset, 0x80000, "pre-3.17: text_offset is 0x80000");
	cr_assert_eq(info.image_size, 8192);
	cr_assert_eq(info.flags, 0);
	cr_assert_eq(info.page_size_kib, 0);
	free(img);
}

Test(arm64_image, page_sizes)
{
	struct ll_arm64_image_info info;
	static const uint32_t kib[] = {0, 4, 16, 64};

	for (uint64_t f = 0; f < 4; f++) {
		uint8_t *img = craft(64, 0, 4096, f << 1);
		cr_assert_eq(ll_arm64_image_parse(img, 64, &info), 0);
		cr_assert_eq(info.page_size_kib, kib[f]);
		free(img);
	}
}

Test(arm64_image, bad_headers)
{
	struct ll_arm64_image_info info;
	struct ll_kernel_load out;
	uint8_t *img;

	test_ram_init(&t, BASE, 8 * MIB);
	img = craft(4096, 0, 4096, 0);
	cr_assert_eq(ll_arm64_image_parse(img, 63, &info), -ENOEXEC, "truncated header");
	cr_assert_eq(ll_arm64_image_parse(NULL, 4096, &info), -ENOEXEC);
	img[0x3b] = 0x65;
	cr_assert_eq(ll_arm64_image_parse(img, 4096, &info), -ENOEXEC, "wrong magic");
	free(img);

	img = craft(4096, 0x80001, 4096, 0);
	cr_assert_eq(ll_arm64_image_load(&t.ram, img, 4096, NULL, &out), -EINVAL,
	             "text_offset inside a page");
	free(img);

	img = craft(4096, 0, 4096, 1);
	cr_assert_eq(ll_arm64_image_load(&t.ram, img, 4096, NULL, &out), -ENOTSUP, "big-endian");
	free(img);

	img = craft(4096, 0, UINT64_MAX, 0);
	cr_assert_eq(ll_arm64_image_load(&t.ram, img, 4096, NULL, &out), -ENOSPC,
	             "image_size overflows");
	free(img);

	img = craft(4096, 0xfffffffffffff000ull, 4096, 0);
	cr_assert_eq(ll_arm64_image_load(&t.ram, img, 4096, NULL, &out), -ENOSPC,
	             "text_offset overflows");
	free(img);

	img = craft(4096, 0x7ff000, 0x2000, 0);
	cr_assert_eq(ll_arm64_image_load(&t.ram, img, 4096, NULL, &out), -ENOSPC,
	             "crosses the end of RAM");
	free(img);
	cr_assert(all_bytes(t.buf.host, t.buf.size, FILL), "no failed load wrote anything");

	/* RAM whose first 2 MiB boundary would lie past UINT64_MAX. */
	struct ll_guest_ram top = {.base = UINT64_MAX - 0x1000, .size = 0x1000};
	img = craft(64, 0, 64, 0);
	cr_assert_eq(ll_arm64_image_load(&top, img, 64, NULL, &out), -ENOSPC);
	free(img);
}

Test(arm64_image, boot_data_at_top_of_ram)
{
	uint64_t initrd, fdt;
	uint64_t end = BASE + 256 * MIB;

	test_ram_init(&t, BASE, 256 * MIB);
	cr_assert_eq(
	    ll_arm64_place_boot_data(&t.ram, BASE + 40 * MIB, 5 * MIB + 3, 0x10000, &initrd, &fdt),
	    0);
	cr_assert_eq(fdt, end - 0x10000);
	cr_assert_eq(initrd % 0x10000, 0);
	cr_assert_leq(initrd + 5 * MIB + 3, fdt, "initrd below the FDT");
	cr_assert_gt(initrd + 0x10000 + 5 * MIB + 3, fdt, "and as high as alignment allows");
	cr_assert_geq(initrd, BASE + 40 * MIB);

	cr_assert_eq(ll_arm64_place_boot_data(&t.ram, BASE + 40 * MIB, 0, LL_ARM64_FDT_MAX_SIZE,
	                                      &initrd, &fdt),
	             0);
	cr_assert_eq(initrd, 0);
	cr_assert_eq(fdt, end - LL_ARM64_FDT_MAX_SIZE);
	cr_assert_eq(fdt % 8, 0);
}

Test(arm64_image, boot_data_that_does_not_fit)
{
	uint64_t initrd = 1, fdt = 1;

	test_ram_init(&t, BASE, 64 * MIB);
	/* An initrd just too large for the room between kernel and FDT. */
	cr_assert_eq(ll_arm64_place_boot_data(&t.ram, BASE + 32 * MIB, 32 * MIB - 0x10000 + 1,
	                                      0x10000, &initrd, &fdt),
	             -ENOSPC);
	cr_assert_eq(
	    ll_arm64_place_boot_data(&t.ram, BASE + 32 * MIB, UINT64_MAX, 0x10000, &initrd, &fdt),
	    -ENOSPC);
	cr_assert_eq(
	    ll_arm64_place_boot_data(&t.ram, BASE + 64 * MIB - 0x8000, 0, 0x10000, &initrd, &fdt),
	    -ENOSPC, "no room for the FDT");
	cr_assert_eq(ll_arm64_place_boot_data(&t.ram, BASE + 65 * MIB, 0, 0x10000, &initrd, &fdt),
	             -ENOSPC, "kernel end past RAM");
	cr_assert_eq(
	    ll_arm64_place_boot_data(&t.ram, BASE, 0, LL_ARM64_FDT_MAX_SIZE + 1, &initrd, &fdt),
	    -EINVAL);
	cr_assert_eq(ll_arm64_place_boot_data(&t.ram, BASE, 0, 0, &initrd, &fdt), -EINVAL);
	cr_assert_eq(initrd, 1, "outputs untouched on failure");
	cr_assert_eq(fdt, 1);
	/* Exactly fitting: kernel end, initrd and FDT back to back. */
	cr_assert_eq(ll_arm64_place_boot_data(&t.ram, BASE + 32 * MIB, 32 * MIB - 0x10000, 0x10000,
	                                      &initrd, &fdt),
	             0);
	cr_assert_eq(initrd, BASE + 32 * MIB);
}

/* The Image read from its file straight into guest RAM: the same placement, bytes and
   zeroed bss as ll_arm64_image_load(), and the same refusals. */
Test(arm64_image, load_from_file)
{
	const size_t len = 300 * 1024;
	uint8_t *img = craft(len, 0x80000, 0x60000 + len, 0);
	char path[] = "/tmp/ll-test-image-XXXXXX";
	int fd = mkstemp(path);
	struct ll_arm64_image_info info;
	struct ll_kernel_load out;

	cr_assert_geq(fd, 0);
	unlink(path);
	cr_assert_eq(write(fd, img, len), (ssize_t)len);
	test_ram_init(&t, BASE, 16 * MIB);
	cr_assert_eq(ll_arm64_image_load_fd(&t.ram, fd, len, &info, &out), 0);
	cr_assert_eq(out.load_addr, BASE + 0x80000);
	cr_assert_eq(out.end, BASE + 0x80000 + 0x60000 + len);
	cr_assert_eq(info.image_size, 0x60000 + len);
	cr_assert_eq(memcmp(test_ram_at(&t, out.load_addr), img, len), 0);
	cr_assert(all_bytes(test_ram_at(&t, out.load_addr + len), 0x60000, 0), "bss zeroed");
	cr_assert_eq(*test_ram_at(&t, out.end), FILL);

	/* A size larger than the file: it shrank after it was opened. */
	test_ram_free(&t);
	test_ram_init(&t, BASE, 16 * MIB);
	cr_assert_eq(ll_arm64_image_load_fd(&t.ram, fd, len + 4096, &info, &out), -EIO);
	/* Too big for RAM, not an Image, shorter than a header: nothing is written. */
	test_ram_free(&t);
	test_ram_init(&t, BASE, 1 * MIB);
	cr_assert_eq(ll_arm64_image_load_fd(&t.ram, fd, len, &info, &out), -ENOSPC);
	cr_assert(all_bytes(t.buf.host, t.buf.size, FILL));
	img[0x38] ^= 1;
	cr_assert_eq(pwrite(fd, img, 64, 0), 64);
	cr_assert_eq(ll_arm64_image_load_fd(&t.ram, fd, len, &info, &out), -ENOEXEC);
	cr_assert_eq(ll_arm64_image_load_fd(&t.ram, fd, 63, &info, &out), -ENOEXEC);
	cr_assert(all_bytes(t.buf.host, t.buf.size, FILL));
	cr_assert_eq(ll_arm64_image_load_fd(&t.ram, -1, len, &info, &out), -EINVAL);
	close(fd);
	free(img);
}
