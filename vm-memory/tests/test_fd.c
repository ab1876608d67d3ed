/* SPDX-License-Identifier: Apache-2.0 */
/* Transfers between guest memory and file descriptors: pread/pwrite, the file position,
   readv/writev over guest ranges (spanning touching regions), end of file, pipes, and
   the checks made before any I/O. */
#define _GNU_SOURCE
#include "helpers.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define P PG
static struct vmem_map *m;
static int fd;

static int temp_file(void)
{
	char path[] = "/tmp/cvmm-fd-XXXXXX";
	int f = mkstemp(path);
	cr_assert_geq(f, 0);
	unlink(path);
	return f;
}

static void setup(void)
{
	/* [0, 4P) touches [4P, 8P); gap; [16P, 20P) */
	const uint64_t regs[][2] = {{0, 4 * P}, {4 * P, 4 * P}, {16 * P, 4 * P}};
	m = map_with(0, 3, regs);
	fd = temp_file();
	uint8_t *buf = malloc(16 * P);
	for (size_t i = 0; i < 16 * P; i++)
		buf[i] = (uint8_t)(i % 251);
	cr_assert_eq(write(fd, buf, 16 * P), (ssize_t)(16 * P));
	free(buf);
}

static void teardown(void)
{
	close(fd);
	vmem_map_destroy(m);
}

TestSuite(fd, .init = setup, .fini = teardown);

static void expect_pattern(uint64_t gpa, size_t len, size_t file_off)
{
	uint8_t *b = malloc(len);
	cr_assert_eq(vmem_read(m, gpa, b, len), 0);
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(b[i], (uint8_t)((file_off + i) % 251), "byte %zu", i);
	free(b);
}

Test(fd, pread_and_pwrite)
{
	cr_assert_eq(vmem_read_from_fd(m, 100, fd, 1000, 3000), 3000);
	expect_pattern(100, 3000, 1000);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), (off_t)(16 * P), "pread leaves the position");
	/* spanning the touching regions */
	cr_assert_eq(vmem_read_from_fd(m, 3 * P + 7, fd, 5, 2 * P), (ssize_t)(2 * P));
	expect_pattern(3 * P + 7, 2 * P, 5);
	/* and back out to another place in the file */
	cr_assert_eq(vmem_write_to_fd(m, 3 * P + 7, fd, (off_t)(20 * P), 2 * P), (ssize_t)(2 * P));
	uint8_t *b = malloc(2 * P);
	cr_assert_eq(pread(fd, b, 2 * P, (off_t)(20 * P)), (ssize_t)(2 * P));
	for (size_t i = 0; i < 2 * P; i++)
		cr_assert_eq(b[i], (uint8_t)((5 + i) % 251));
	free(b);
}

Test(fd, end_of_file)
{
	cr_assert_eq(vmem_read_from_fd(m, 0, fd, (off_t)(16 * P - 10), 100), 10);
	expect_pattern(0, 10, 16 * P - 10);
	uint8_t z;
	cr_assert_eq(vmem_read_u8(m, 10, &z), 0);
	cr_assert_eq(z, 0, "nothing past the end of file");
	cr_assert_eq(vmem_read_from_fd(m, 0, fd, (off_t)(16 * P), 100), 0);
	cr_assert_eq(vmem_read_from_fd(m, 0, fd, 0, 0), 0);
}

Test(fd, file_position)
{
	cr_assert_eq(lseek(fd, 50, SEEK_SET), 50);
	cr_assert_eq(vmem_read_from_fd(m, 0, fd, VMEM_FD_CUR, 20), 20);
	cr_assert_eq(vmem_read_from_fd(m, 20, fd, VMEM_FD_CUR, 20), 20);
	expect_pattern(0, 40, 50);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), 90);
	cr_assert_eq(vmem_write_to_fd(m, 0, fd, VMEM_FD_CUR, 40), 40);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), 130);
	cr_assert_eq(vmem_read_from_fd(m, 0, fd, -2, 1), -EINVAL);
	cr_assert_eq(vmem_read_from_fd(m, 0, fd, INT64_MAX - 5, 10), -EINVAL, "offset wraps");
}

Test(fd, readv_and_writev_over_guest_ranges)
{
	/* a virtio-blk style request: three data descriptors, one spanning two regions */
	struct vmem_range in[] = {{16 * P + 3, 512}, {4 * P - 100, 1000}, {17 * P, P}};
	size_t total = 512 + 1000 + P;
	cr_assert_eq(vmem_readv_from_fd(m, in, 3, fd, 512), (ssize_t)total);
	expect_pattern(16 * P + 3, 512, 512);
	expect_pattern(4 * P - 100, 1000, 1024);
	expect_pattern(17 * P, P, 2024);
	cr_assert_eq(vmem_writev_to_fd(m, in, 3, fd, (off_t)(32 * P)), (ssize_t)total);
	uint8_t *b = malloc(total);
	cr_assert_eq(pread(fd, b, total, (off_t)(32 * P)), (ssize_t)total);
	for (size_t i = 0; i < total; i++)
		cr_assert_eq(b[i], (uint8_t)((512 + i) % 251));
	free(b);
	/* the vectored forms at the file position */
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	cr_assert_eq(vmem_readv_from_fd(m, in, 2, fd, VMEM_FD_CUR), 1512);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), 1512);
	expect_pattern(4 * P - 100, 1000, 512);
	cr_assert_eq(vmem_writev_to_fd(m, in, 1, fd, VMEM_FD_CUR), 512);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), 2024);
	cr_assert_eq(vmem_readv_from_fd(m, in, 0, fd, 0), 0);
	cr_assert_eq(vmem_readv_from_fd(m, NULL, 1, fd, 0), -EINVAL);
}

Test(fd, many_ranges_beyond_iov_max)
{
	/* 3000 one-byte ranges, more than IOV_MAX iovecs in one call */
	enum { N = 3000 };
	struct vmem_range *r = malloc(N * sizeof(*r));
	for (size_t i = 0; i < N; i++)
		r[i] = (struct vmem_range){.gpa = (N - 1 - i) * 2, .len = 1};
	cr_assert_eq(vmem_readv_from_fd(m, r, N, fd, 0), N);
	for (size_t i = 0; i < N; i++) {
		uint8_t v;
		cr_assert_eq(vmem_read_u8(m, (N - 1 - i) * 2, &v), 0);
		cr_assert_eq(v, (uint8_t)(i % 251));
	}
	free(r);
}

Test(fd, ranges_are_checked_before_any_io)
{
	struct vmem_range bad_gap[] = {{0, 100}, {8 * P - 10, 20}};
	cr_assert_eq(vmem_readv_from_fd(m, bad_gap, 2, fd, 0), -EFAULT);
	cr_assert_eq(vmem_writev_to_fd(m, bad_gap, 2, fd, 0), -EFAULT);
	struct vmem_range bad_end[] = {{0, 100}, {20 * P - 10, 11}};
	cr_assert_eq(vmem_readv_from_fd(m, bad_end, 2, fd, 0), -EFAULT);
	struct vmem_range wraps[] = {{0, 100}, {UINT64_MAX - 1, 3}};
	cr_assert_eq(vmem_readv_from_fd(m, wraps, 2, fd, 0), -EOVERFLOW);
	struct vmem_range huge[] = {{0, 100}, {0, SIZE_MAX}};
	cr_assert_eq(vmem_readv_from_fd(m, huge, 2, fd, 0), -EOVERFLOW, "total length wraps");
	uint8_t z;
	cr_assert_eq(vmem_read_u8(m, 0, &z), 0);
	cr_assert_eq(z, 0, "the first range was not read");
	cr_assert_eq(vmem_read_from_fd(m, 8 * P - 10, fd, 0, 20), -EFAULT);
	cr_assert_eq(vmem_write_to_fd(m, 20 * P, fd, 0, 1), -EFAULT);
	cr_assert_eq(vmem_read_from_fd(m, 0, -1, 0, 1), -EINVAL);
	cr_assert_eq(vmem_read_from_fd(NULL, 0, fd, 0, 1), -EINVAL);
}

Test(fd, errors_of_the_descriptor)
{
	int ro = open("/dev/null", O_RDONLY);
	cr_assert_geq(ro, 0);
	cr_assert_eq(vmem_write_to_fd(m, 0, ro, VMEM_FD_CUR, 10), -EBADF);
	cr_assert_eq(vmem_read_from_fd(m, 0, ro, VMEM_FD_CUR, 10), 0, "end of file");
	close(ro);
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(vmem_read_from_fd(m, 0, fds[0], 0, 10), -ESPIPE, "pread on a pipe");
	close(fds[0]);
	close(fds[1]);
}

Test(fd, pipes_move_partial_reads_to_the_end)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], "abc", 3), 3);
	cr_assert_eq(write(fds[1], "defgh", 5), 5);
	close(fds[1]);
	/* wants 100 bytes: gets all 8 (retrying short reads), then end of file */
	cr_assert_eq(vmem_read_from_fd(m, 16 * P, fds[0], VMEM_FD_CUR, 100), 8);
	char b[8];
	cr_assert_eq(vmem_read(m, 16 * P, b, 8), 0);
	cr_assert_eq(memcmp(b, "abcdefgh", 8), 0);
	close(fds[0]);

	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(vmem_write_to_fd(m, 16 * P, fds[1], VMEM_FD_CUR, 8), 8);
	cr_assert_eq(read(fds[0], b, 8), 8);
	cr_assert_eq(memcmp(b, "abcdefgh", 8), 0);
	/* writing to a pipe whose reader is gone: EPIPE (SIGPIPE ignored) */
	signal(SIGPIPE, SIG_IGN);
	close(fds[0]);
	cr_assert_eq(vmem_write_to_fd(m, 16 * P, fds[1], VMEM_FD_CUR, 8), -EPIPE);
	close(fds[1]);
}
