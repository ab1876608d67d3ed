/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by linux-loader's tests (and vmm-ref's): guest RAM in a host buffer, and the
   cached real kernels. */
#ifndef LL_TEST_RAM_HELPERS_H
#define LL_TEST_RAM_HELPERS_H

#include <cvmm/linux_loader_file.h>
#include <cvmm/linux_loader_ram.h>

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIB (1024ull * 1024ull)
#define FILL 0xaa

struct test_ram {
	struct ll_ram_buffer buf;
	struct ll_guest_ram ram;
};

/* RAM of size bytes at base, filled with FILL so zeroing and stray writes show. */
static inline void test_ram_init(struct test_ram *t, uint64_t base, uint64_t size)
{
	t->buf.base = base;
	t->buf.size = size;
	t->buf.host = malloc(size);
	cr_assert_not_null(t->buf.host);
	memset(t->buf.host, FILL, size);
	cr_assert_eq(ll_guest_ram_init_buffer(&t->ram, &t->buf), 0);
}

/* A malloc'd initrd of size bytes with a recognisable pattern (freed by ll_file_free). */
static inline void test_make_initrd(struct ll_file_buf *initrd, size_t size)
{
	initrd->data = malloc(size);
	initrd->size = size;
	cr_assert_not_null(initrd->data);
	for (size_t i = 0; i < size; i++)
		initrd->data[i] = (uint8_t)(i * 31 + 5);
}

static inline void test_ram_free(struct test_ram *t)
{
	free(t->buf.host);
	t->buf.host = NULL;
}

static inline uint8_t *test_ram_at(struct test_ram *t, uint64_t gpa)
{
	cr_assert(gpa >= t->buf.base && gpa - t->buf.base < t->buf.size);
	return t->buf.host + (gpa - t->buf.base);
}

static inline bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Reads a cached kernel, or skips the test when the cache does not hold it. */
static inline void read_kernel_or_skip(const char *path, struct ll_file_buf *out)
{
	if (access(path, R_OK) != 0)
		cr_skip_test("%s is absent (scripts/fetch-artefacts.sh fetches it)", path);
	cr_assert_eq(ll_file_read(path, 1ull << 30, out), 0, "reading %s", path);
}

#endif
