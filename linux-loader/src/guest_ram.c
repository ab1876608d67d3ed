/* SPDX-License-Identifier: Apache-2.0 */
#include <cvmm/linux_loader_ram.h>

#include <errno.h>
#include <string.h>

static int buffer_write(void *opaque, uint64_t gpa, const void *src, size_t len)
{
	struct ll_ram_buffer *buf = opaque;

	/* Checked again here: the callback is the last line before host memory. */
	if (gpa < buf->base || gpa - buf->base > buf->size || len > buf->size - (gpa - buf->base))
		return -EFAULT;
	if (src)
		memcpy(buf->host + (gpa - buf->base), src, len);
	else
		memset(buf->host + (gpa - buf->base), 0, len);
	return 0;
}

int ll_guest_ram_init_buffer(struct ll_guest_ram *ram, struct ll_ram_buffer *buf)
{
	if (!ram || !buf || !buf->host || buf->size == 0 || buf->base > UINT64_MAX - buf->size)
		return -EINVAL;
	ram->base = buf->base;
	ram->size = buf->size;
	ram->write = buffer_write;
	ram->opaque = buf;
	return 0;
}

bool ll_guest_ram_contains(const struct ll_guest_ram *ram, uint64_t gpa, uint64_t len)
{
	if (gpa < ram->base)
		return false;
	uint64_t off = gpa - ram->base;
	return off <= ram->size && len <= ram->size - off;
}

int ll_guest_ram_write(const struct ll_guest_ram *ram, uint64_t gpa, const void *src, uint64_t len)
{
	if (!ll_guest_ram_contains(ram, gpa, len) || len > SIZE_MAX)
		return -EFAULT;
	if (len == 0)
		return 0;
	return ram->write(ram->opaque, gpa, src, (size_t)len);
}
