/* SPDX-License-Identifier: Apache-2.0 */
#include <cvmm/linux_loader_ram.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	ram->write_from_fd = NULL;
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

/* What no write_from_fd op does: the file read through a reused 64 KiB buffer, written
   with the write callback. */
#define BOUNCE_SIZE (64u * 1024u)

static int write_from_fd_bounced(const struct ll_guest_ram *ram, uint64_t gpa, int fd,
                                 uint64_t offset, uint64_t len)
{
	uint8_t *buf = malloc(BOUNCE_SIZE);
	int ret = buf ? 0 : -ENOMEM;

	while (ret == 0 && len > 0) {
		size_t want = len < BOUNCE_SIZE ? (size_t)len : BOUNCE_SIZE;
		ssize_t n = pread(fd, buf, want, (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		ret = ram->write(ram->opaque, gpa, buf, (size_t)n);
		gpa += (uint64_t)n, offset += (uint64_t)n, len -= (uint64_t)n;
	}
	free(buf);
	return ret;
}

int ll_guest_ram_write_from_fd(const struct ll_guest_ram *ram, uint64_t gpa, int fd,
                               uint64_t offset, uint64_t len)
{
	if (!ll_guest_ram_contains(ram, gpa, len) || len > SIZE_MAX || offset > INT64_MAX ||
	    len > (uint64_t)INT64_MAX - offset)
		return -EFAULT;
	if (len == 0)
		return 0;
	if (fd < 0)
		return -EBADF;
	if (ram->write_from_fd)
		return ram->write_from_fd(ram->opaque, gpa, fd, offset, (size_t)len);
	return write_from_fd_bounced(ram, gpa, fd, offset, len);
}
