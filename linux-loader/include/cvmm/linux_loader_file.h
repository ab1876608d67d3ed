/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Input files: kernels and initrds read whole into host memory before they are parsed
 * (ll_file_read), or opened to be read straight into guest RAM (ll_file_open).
 * Thread-safe: no shared state.
 */
#ifndef CVMM_LINUX_LOADER_FILE_H
#define CVMM_LINUX_LOADER_FILE_H

#include <stddef.h>
#include <stdint.h>

struct ll_file_buf {
	uint8_t *data;
	size_t size;
	/* Bytes mapped at data when ll_file_read mapped the buffer (munmap), or 0 when data
	   came from malloc (free): a caller may fill a zeroed buffer with malloc'd data. */
	size_t mapped;
};

/*
 * Reads the regular file at path into a new buffer. A large file goes into anonymous
 * memory aligned to 2 MiB, which the host's transparent huge pages can back: tens of MiB
 * of kernel faulted in 4 KiB at a time cost hundreds of ms in a nested or emulated host. Returns 0,
 * -EFBIG (larger than max bytes), -EINVAL (not a regular file or empty), or the errno of
 * open/fstat/read.
 */
int ll_file_read(const char *path, size_t max, struct ll_file_buf *out);

/* Frees the buffer and clears it; accepts NULL and an empty buffer. */
void ll_file_free(struct ll_file_buf *buf);

/* An open input file, read later straight into guest RAM (ll_guest_ram_write_from_fd(),
   ll_arm64_image_load_fd()): its bytes are copied once, with no buffer in between. */
struct ll_file {
	int fd; /* -1 when closed */
	uint64_t size;
};

/*
 * Opens the regular file at path for reading. Returns 0, -EFBIG (larger than max bytes),
 * -EINVAL (not a regular file or empty), or the errno of open/fstat. A file that shrinks
 * before it is read makes that read fail (-EIO), never a shorter input.
 */
int ll_file_open(const char *path, uint64_t max, struct ll_file *out);

/* Closes the file and marks it closed; accepts NULL and a closed file. */
void ll_file_close(struct ll_file *f);

/* Reads the whole open file into a new buffer, as ll_file_read() does. Returns 0,
   -EINVAL (a closed or empty file), -ENOMEM, -EIO (it shrank), or the errno of the read. */
int ll_file_load(const struct ll_file *f, struct ll_file_buf *out);

#endif
