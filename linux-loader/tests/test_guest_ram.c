/* SPDX-License-Identifier: Apache-2.0 */
/* The loaders' view of guest RAM: range checks, the host-buffer backing and vm-memory's. */
#include "ram_helpers.h"
#include <cvmm/linux_loader.h>

#include <cvmm/vm_memory.h>
#include <errno.h>

Test(guest_ram, contains_edges_and_overflow)
{
	struct ll_guest_ram r = {.base = 0x1000, .size = 0x1000};

	cr_assert(ll_guest_ram_contains(&r, 0x1000, 0x1000));
	cr_assert(ll_guest_ram_contains(&r, 0x2000, 0), "empty range at the end");
	cr_assert(!ll_guest_ram_contains(&r, 0x1000, 0x1001));
	cr_assert(!ll_guest_ram_contains(&r, 0xfff, 1));
	cr_assert(!ll_guest_ram_contains(&r, 0x2001, 0));
	cr_assert(!ll_guest_ram_contains(&r, 0x1800, UINT64_MAX));
	cr_assert(!ll_guest_ram_contains(&r, UINT64_MAX, 2));
}

Test(guest_ram, buffer_backing)
{
	struct test_ram t;
	struct ll_ram_buffer bad = {.base = UINT64_MAX - 10, .host = (uint8_t *)&bad, .size = 20};
	struct ll_guest_ram r;

	cr_assert_eq(ll_guest_ram_init_buffer(&r, &bad), -EINVAL, "base + size overflows");
	test_ram_init(&t, 0x10000, 0x2000);
	cr_assert_eq(ll_guest_ram_write(&t.ram, 0x10ffe, "abcd", 4), 0);
	cr_assert_eq(memcmp(test_ram_at(&t, 0x10ffe), "abcd", 4), 0);
	cr_assert_eq(ll_guest_ram_write(&t.ram, 0x10ffe, NULL, 2), 0);
	cr_assert_eq(*test_ram_at(&t, 0x10fff), 0);
	cr_assert_eq(*test_ram_at(&t, 0x11000), 'c');
	cr_assert_eq(ll_guest_ram_write(&t.ram, 0x11ffe, "abcd", 4), -EFAULT);
	cr_assert_eq(ll_guest_ram_write(&t.ram, 0xffff, "a", 1), -EFAULT);
	/* The callback checks again, whatever the caller did. */
	cr_assert_eq(t.ram.write(t.ram.opaque, 0x11fff, "ab", 2), -EFAULT);
	test_ram_free(&t);
}

Test(guest_ram, vm_memory_backing)
{
	struct vmem_map *map;
	struct ll_guest_ram r;
	struct ll_kernel_load out;
	uint8_t img[8192] = {0}, back[8192];

	cr_assert_eq(vmem_map_create(&map), 0);
	cr_assert_eq(vmem_map_add_anon(map, 0x80000000, 4 * MIB, 0), 0);
	cr_assert_eq(ll_guest_ram_init_vmem(&r, map, 0x80000000, 8 * MIB), -EFAULT,
	             "more than the map covers");
	cr_assert_eq(vmem_map_add_anon(map, 0x80400000, 4 * MIB, 0), 0);
	cr_assert_eq(ll_guest_ram_init_vmem(&r, map, 0x80000000, 8 * MIB), 0,
	             "two regions that touch");

	for (size_t i = 64; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 3);
	ll_put_le64(img + 0x08, 0x3ff000); /* the Image straddles the two regions */
	ll_put_le64(img + 0x10, 0x4000);
	ll_put_le32(img + 0x38, LL_ARM64_IMAGE_MAGIC);
	cr_assert_eq(vmem_fill(map, 0x80000000, FILL, 8 * MIB), 0);
	cr_assert_eq(ll_arm64_image_load(&r, img, sizeof(img), NULL, &out), 0);
	cr_assert_eq(out.load_addr, 0x803ff000);
	cr_assert_eq(vmem_read(map, out.load_addr, back, sizeof(back)), 0);
	cr_assert_eq(memcmp(back, img, sizeof(img)), 0);
	cr_assert_eq(vmem_read(map, out.load_addr + sizeof(img), back, 0x2000), 0);
	cr_assert(all_bytes(back, 0x2000, 0), "bss zeroed through vmem_fill");
	cr_assert_eq(vmem_read(map, out.end, back, 1), 0);
	cr_assert_eq(back[0], FILL);
	vmem_map_destroy(map);
}

Test(kernel_file, read_whole_files)
{
	char path[] = "/tmp/vmm-ref-test-XXXXXX";
	struct ll_file_buf b = {0};
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(ll_file_read(path, 100, &b), -EINVAL, "an empty file");
	cr_assert_eq(write(fd, "kernel bytes", 12), 12);
	cr_assert_eq(ll_file_read(path, 11, &b), -EFBIG);
	cr_assert_null(b.data);
	cr_assert_eq(ll_file_read(path, 12, &b), 0);
	cr_assert_eq(b.size, 12);
	cr_assert_eq(memcmp(b.data, "kernel bytes", 12), 0);
	ll_file_free(&b);
	cr_assert_null(b.data);
	ll_file_free(NULL);
	close(fd);
	unlink(path);
	cr_assert_eq(ll_file_read(path, 100, &b), -ENOENT);
	cr_assert_eq(ll_file_read("/", 100, &b), -EINVAL, "a directory");
}

/* len bytes of a known pattern in an unlinked temporary file, open for reading. */
static int pattern_file(size_t len)
{
	char path[] = "/tmp/ll-test-input-XXXXXX";
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	unlink(path);
	for (size_t i = 0; i < len; i++) {
		uint8_t b = (uint8_t)(i * 7 + 1);
		cr_assert_eq(write(fd, &b, 1), 1);
	}
	return fd;
}

static bool is_pattern(const uint8_t *p, size_t len, size_t from)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)((from + i) * 7 + 1))
			return false;
	return true;
}

Test(kernel_file, open_then_load)
{
	char path[] = "/tmp/ll-test-open-XXXXXX";
	struct ll_file f;
	struct ll_file_buf b = {0};
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(ll_file_open(path, 100, &f), -EINVAL, "an empty file");
	cr_assert_eq(f.fd, -1);
	cr_assert_eq(write(fd, "kernel bytes", 12), 12);
	cr_assert_eq(ll_file_open(path, 11, &f), -EFBIG);
	cr_assert_eq(ll_file_open(path, 12, &f), 0);
	cr_assert_geq(f.fd, 0);
	cr_assert_eq(f.size, 12);
	cr_assert_eq(ll_file_load(&f, &b), 0);
	cr_assert_eq(memcmp(b.data, "kernel bytes", 12), 0);
	ll_file_free(&b);
	/* It shrank after it was opened: the load fails rather than give fewer bytes. */
	cr_assert_eq(ftruncate(fd, 5), 0);
	cr_assert_eq(ll_file_load(&f, &b), -EIO);
	cr_assert_null(b.data);
	ll_file_close(&f);
	cr_assert_eq(f.fd, -1);
	ll_file_close(&f);
	ll_file_close(NULL);
	close(fd);
	unlink(path);
	cr_assert_eq(ll_file_open(path, 100, &f), -ENOENT);
	cr_assert_eq(ll_file_open("/", 100, &f), -EINVAL, "a directory");
}

/* A file into guest RAM: through the write callback and a bounce buffer (host-buffer
   backing), and straight in with vm-memory's backing; a short file fails with -EIO. */
Test(guest_ram, write_from_fd_both_backings)
{
	const size_t len = 200 * 1024 + 3; /* more than the 64 KiB bounce buffer, not a multiple */
	int fd = pattern_file(len);
	struct test_ram t;
	struct vmem_map *map;
	struct ll_guest_ram r;
	uint8_t *back = malloc(len);

	cr_assert_not_null(back);
	test_ram_init(&t, 0x100000, 1 * MIB);
	cr_assert_eq(ll_guest_ram_write_from_fd(&t.ram, 0x100010, fd, 5, len - 5), 0);
	cr_assert(is_pattern(test_ram_at(&t, 0x100010), len - 5, 5));
	cr_assert_eq(*test_ram_at(&t, 0x10000f), FILL);
	cr_assert_eq(*test_ram_at(&t, 0x100010 + len - 5), FILL, "nothing past the range");
	cr_assert_eq(ll_guest_ram_write_from_fd(&t.ram, 0x100000, fd, 0, len + 1), -EIO,
	             "a file that ends first");
	cr_assert_eq(ll_guest_ram_write_from_fd(&t.ram, 0x100000 + 1 * MIB - 1, fd, 0, 2), -EFAULT);
	cr_assert_eq(ll_guest_ram_write_from_fd(&t.ram, 0x100000, -1, 0, 2), -EBADF);
	cr_assert_eq(ll_guest_ram_write_from_fd(&t.ram, 0x100000, fd, 0, 0), 0);
	test_ram_free(&t);

	cr_assert_eq(vmem_map_create(&map), 0);
	cr_assert_eq(vmem_map_add_anon(map, 0x80000000, 2 * MIB, 0), 0);
	cr_assert_eq(vmem_map_add_anon(map, 0x80200000, 2 * MIB, 0), 0);
	cr_assert_eq(ll_guest_ram_init_vmem(&r, map, 0x80000000, 4 * MIB), 0);
	cr_assert_not_null(r.write_from_fd);
	/* Across the two regions. */
	uint64_t gpa = 0x80200000 - 1000;
	cr_assert_eq(ll_guest_ram_write_from_fd(&r, gpa, fd, 0, len), 0);
	cr_assert_eq(vmem_read(map, gpa, back, len), 0);
	cr_assert(is_pattern(back, len, 0));
	cr_assert_eq(ll_guest_ram_write_from_fd(&r, gpa, fd, 1, len), -EIO);
	vmem_map_destroy(map);
	free(back);
	close(fd);
}
