/* SPDX-License-Identifier: Apache-2.0 */
#include <cvmm/linux_loader_file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HUGE_SIZE (2u << 20)

/* An anonymous mapping of at least size bytes starting on a 2 MiB boundary, where the
   host's transparent huge pages (when enabled) can back it; *mapped gets its length. NULL
   when mmap fails. Not advised with MADV_HUGEPAGE: that would make faults wait for memory
   compaction once host memory is fragmented. */
static uint8_t *map_huge(size_t size, size_t *mapped)
{
	size_t len = (size + HUGE_SIZE - 1) & ~(size_t)(HUGE_SIZE - 1);
	uint8_t *res = mmap(NULL, len + HUGE_SIZE, PROT_READ | PROT_WRITE,
	                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (res == MAP_FAILED)
		return NULL;
	uint8_t *p = (uint8_t *)(((uintptr_t)res + HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1));
	size_t head = (size_t)(p - res), tail = HUGE_SIZE - head;
	if (head)
		munmap(res, head);
	if (tail)
		munmap(p + len, tail);
	*mapped = len;
	return p;
}

int ll_file_load(const struct ll_file *f, struct ll_file_buf *out)
{
	uint8_t *data = NULL;
	size_t done = 0, mapped = 0, size;
	int ret = 0;

	if (!f || !out || f->fd < 0 || f->size == 0 || f->size > SIZE_MAX)
		return -EINVAL;
	size = (size_t)f->size;
	if (size >= HUGE_SIZE)
		data = map_huge(size, &mapped);
	else
		data = malloc(size);
	if (!data)
		return -ENOMEM;
	/* A file that shrinks while it is read is an error, not a shorter kernel. */
	while (done < size) {
		ssize_t n = pread(f->fd, data + done, size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)n;
	}
	if (ret < 0) {
		if (mapped)
			munmap(data, mapped);
		else
			free(data);
		return ret;
	}
	out->data = data;
	out->size = done;
	out->mapped = mapped;
	return 0;
}

int ll_file_read(const char *path, size_t max, struct ll_file_buf *out)
{
	struct ll_file f;
	int ret;

	if (!path || !out)
		return -EINVAL;
	ret = ll_file_open(path, max, &f);
	if (ret == 0)
		ret = ll_file_load(&f, out);
	ll_file_close(&f);
	return ret;
}

void ll_file_free(struct ll_file_buf *buf)
{
	if (!buf)
		return;
	if (buf->mapped)
		munmap(buf->data, buf->mapped);
	else
		free(buf->data);
	buf->data = NULL;
	buf->size = 0;
	buf->mapped = 0;
}

int ll_file_open(const char *path, uint64_t max, struct ll_file *out)
{
	struct stat st;
	int fd, ret;

	if (!path || !out)
		return -EINVAL;
	out->fd = -1;
	out->size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		ret = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_size == 0)
		ret = -EINVAL;
	else if ((uint64_t)st.st_size > max)
		ret = -EFBIG;
	else
		ret = 0;
	if (ret < 0) {
		close(fd);
		return ret;
	}
	out->fd = fd;
	out->size = (uint64_t)st.st_size;
	return 0;
}

void ll_file_close(struct ll_file *f)
{
	if (!f || f->fd < 0)
		return;
	close(f->fd);
	f->fd = -1;
	f->size = 0;
}
