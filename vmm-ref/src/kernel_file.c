#include "kernel_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int vmm_file_read(const char *path, size_t max, struct vmm_file_buf *out)
{
	struct stat st;
	uint8_t *data = NULL;
	size_t done = 0;
	int fd, ret = 0;

	if (!path || !out)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		ret = -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		ret = -EFBIG;
		goto out;
	}
	data = malloc((size_t)st.st_size);
	if (!data) {
		ret = -ENOMEM;
		goto out;
	}
	/* A file that shrinks while it is read is an error, not a shorter kernel. */
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, data + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			goto out;
		}
		done += (size_t)n;
	}
	out->data = data;
	out->size = done;
	data = NULL;
out:
	free(data);
	close(fd);
	return ret;
}

void vmm_file_free(struct vmm_file_buf *buf)
{
	if (!buf)
		return;
	free(buf->data);
	buf->data = NULL;
	buf->size = 0;
}
