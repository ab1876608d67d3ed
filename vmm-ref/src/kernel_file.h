/*
 * Whole files read into host memory: kernels and initrds, before they are parsed.
 * Thread-safe: no shared state.
 */
#ifndef VMM_KERNEL_FILE_H
#define VMM_KERNEL_FILE_H

#include <stddef.h>
#include <stdint.h>

struct vmm_file_buf {
	uint8_t *data;
	size_t size;
};

/*
 * Reads the regular file at path into a new buffer. Returns 0, -EFBIG (larger than max
 * bytes), -EINVAL (not a regular file or empty), or the errno of open/fstat/read.
 */
int vmm_file_read(const char *path, size_t max, struct vmm_file_buf *out);

/* Frees the buffer and clears it; accepts NULL and an empty buffer. */
void vmm_file_free(struct vmm_file_buf *buf);

#endif
