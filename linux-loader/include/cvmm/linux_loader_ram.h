/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest RAM as the kernel loaders and boot-data builders see it: one contiguous range of
 * guest physical addresses and a write callback. The callback lets the same loaders fill a
 * plain host buffer (tests, fuzzing) or guest memory managed by vm-memory (the VMM).
 *
 * Not thread-safe: a ll_guest_ram is used by one thread at a time.
 */
#ifndef CVMM_LINUX_LOADER_RAM_H
#define CVMM_LINUX_LOADER_RAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ll_guest_ram {
	uint64_t base; /* guest physical address of the first byte */
	uint64_t size; /* bytes; base + size does not overflow */
	/*
	 * Copies len bytes from src to guest physical address gpa, or writes len zero bytes
	 * when src is NULL. Returns 0 or a negative errno. The loaders only call it for
	 * ranges they have checked to lie inside [base, base + size).
	 */
	int (*write)(void *opaque, uint64_t gpa, const void *src, size_t len);
	/*
	 * Optional (NULL: ll_guest_ram_write_from_fd() goes through write with a small
	 * buffer): reads len bytes of file fd at offset straight into guest RAM at gpa, so
	 * that a file's bytes are copied once. Returns 0, -EIO when the file ends first, or a
	 * negative errno. Called only for checked ranges, like write.
	 */
	int (*write_from_fd)(void *opaque, uint64_t gpa, int fd, uint64_t offset, size_t len);
	void *opaque;
};

/* A host buffer that backs guest RAM for ll_guest_ram_init_buffer(). */
struct ll_ram_buffer {
	uint64_t base;
	uint8_t *host;
	uint64_t size;
};

/*
 * Makes ram write into the host buffer described by buf (which must outlive ram).
 * Returns 0, or -EINVAL when a pointer is NULL, the size is 0 or base + size overflows.
 */
int ll_guest_ram_init_buffer(struct ll_guest_ram *ram, struct ll_ram_buffer *buf);

struct vmem_map;

/*
 * Makes ram write into cvmm vm-memory's map (which must outlive ram) over the guest range
 * [base, base + size); writes go through vmem_write()/vmem_fill(), which mark pages dirty,
 * and files are read straight into guest RAM (vmem_read_from_fd()).
 * Returns 0, -EINVAL (NULL map, size 0, base + size overflows), or -EFAULT when the map
 * does not cover the whole range.
 */
int ll_guest_ram_init_vmem(struct ll_guest_ram *ram, struct vmem_map *map, uint64_t base,
                           uint64_t size);

/*
 * True when [gpa, gpa + len) lies inside ram, without overflow. len 0 is inside when gpa
 * is inside or at the end of ram.
 */
bool ll_guest_ram_contains(const struct ll_guest_ram *ram, uint64_t gpa, uint64_t len);

/*
 * Checks the range, then writes through ram->write (src NULL writes zeros).
 * Returns 0, -EFAULT when the range is not inside ram, or the callback's error.
 */
int ll_guest_ram_write(const struct ll_guest_ram *ram, uint64_t gpa, const void *src, uint64_t len);

/*
 * Checks the range, then copies len bytes of file fd from offset into guest RAM at gpa
 * (ram->write_from_fd, or ram->write through a 64 KiB buffer). Returns 0, -EFAULT when
 * the range is not inside ram, -EIO when the file ends first (a file that shrank), or the
 * error of the read or the callback.
 */
int ll_guest_ram_write_from_fd(const struct ll_guest_ram *ram, uint64_t gpa, int fd,
                               uint64_t offset, uint64_t len);

/* Alignment helpers; align must be a power of two. They report overflow with false. */
static inline bool ll_align_up(uint64_t v, uint64_t align, uint64_t *out)
{
	if (v > UINT64_MAX - (align - 1))
		return false;
	*out = (v + align - 1) & ~(align - 1);
	return true;
}

static inline uint64_t ll_align_down(uint64_t v, uint64_t align)
{
	return v & ~(align - 1);
}

static inline bool ll_is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

#endif
