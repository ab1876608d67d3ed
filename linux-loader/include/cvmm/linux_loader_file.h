/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whole files read into host memory: kernels and initrds, before they are parsed.
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

#endif
