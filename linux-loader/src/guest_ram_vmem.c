/* SPDX-License-Identifier: Apache-2.0 */
/* Guest RAM for the loaders, backed by cvmm vm-memory. */
#include <cvmm/linux_loader_ram.h>

#include <cvmm/vm_memory.h>
#include <errno.h>

static int vmem_ram_write(void *opaque, uint64_t gpa, const void *src, size_t len)
{
	struct vmem_map *map = opaque;

	return src ? vmem_write(map, gpa, src, len) : vmem_fill(map, gpa, 0, len);
}

/* vmem_read_from_fd() reads what it can in one call: until the whole range is in, or the
   file ends. */
static int vmem_ram_write_from_fd(void *opaque, uint64_t gpa, int fd, uint64_t offset, size_t len)
{
	struct vmem_map *map = opaque;

	while (len > 0) {
		ssize_t n = vmem_read_from_fd(map, gpa, fd, (off_t)offset, len);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? (int)n : -EIO;
		gpa += (uint64_t)n, offset += (uint64_t)n, len -= (size_t)n;
	}
	return 0;
}

int ll_guest_ram_init_vmem(struct ll_guest_ram *ram, struct vmem_map *map, uint64_t base,
                           uint64_t size)
{
	if (!ram || !map || size == 0 || base > UINT64_MAX - size || size > SIZE_MAX)
		return -EINVAL;
	/* The loaders trust ram->size: every byte of it must be mapped. */
	if (vmem_check_range(map, base, (size_t)size, true) < 0)
		return -EFAULT;
	ram->base = base;
	ram->size = size;
	ram->write = vmem_ram_write;
	ram->write_from_fd = vmem_ram_write_from_fd;
	ram->opaque = map;
	return 0;
}
