/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by vmm-ref's tests: linux-loader's test RAM helpers, and guest RAM laid out as
   vmm-ref's boot code sees it. */
#ifndef VMM_TEST_HELPERS_H
#define VMM_TEST_HELPERS_H

#include "boot.h"
#include "ram_helpers.h" /* linux-loader/tests */

#include <stdlib.h>
#include <unistd.h>

/* The guest RAM vmm_boot_prepare() sees for mem bytes (vmm_boot_ram_range()). */
static inline void test_ram_init_boot(struct test_ram *t, uint64_t mem)
{
	uint64_t base, size;
	cr_assert_eq(vmm_boot_ram_range(mem, &base, &size), 0);
	test_ram_init(t, base, size);
}

/* size bytes of data as an open input file (unlinked at once) for a vmm_boot_request,
   which reads its inputs from files; ll_file_close() closes it. */
static inline struct ll_file test_file_of(const void *data, size_t size)
{
	char path[] = "/tmp/vmm-test-input-XXXXXX";
	struct ll_file f = {.fd = mkstemp(path), .size = size};
	size_t done = 0;

	cr_assert_geq(f.fd, 0);
	unlink(path);
	while (done < size) {
		ssize_t n = write(f.fd, (const uint8_t *)data + done, size - done);
		cr_assert_gt(n, 0);
		done += (size_t)n;
	}
	return f;
}

/* test_file_of() of a buffer, kept open until test_files_close() (a suite's fini). */
#define TEST_FILES_MAX 16
static struct ll_file test_files[TEST_FILES_MAX];
static unsigned int test_nfiles;

static inline const struct ll_file *test_as_file(const struct ll_file_buf *b)
{
	cr_assert_lt(test_nfiles, TEST_FILES_MAX);
	test_files[test_nfiles] = test_file_of(b->data, b->size);
	return &test_files[test_nfiles++];
}

static inline void test_files_close(void)
{
	while (test_nfiles)
		ll_file_close(&test_files[--test_nfiles]);
}

#endif
