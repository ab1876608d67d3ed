/* SPDX-License-Identifier: Apache-2.0 */
/* cvmm vm-memory: transfers between guest memory and file descriptors. See
 * include/cvmm/vm_memory.h. */
#define _GNU_SOURCE
#include "internal.h"

/* ------------------------------------------------------------------------------------- */
/* File descriptor transfers                                                              */
/* ------------------------------------------------------------------------------------- */

/* Guest position of each iovec, to mark what a read brought in. */
struct seg {
	uint64_t off; /* offset in the region */
	const struct vmem_region *r;
};

/* Counts the iovecs [gpa, gpa + len) needs, after checking it. */
static int count_segs(const struct vmem_map *m, uint64_t gpa, size_t len, bool write, size_t *count)
{
	if (!len)
		return 0;
	size_t i;
	int rc = vmem_check_range_first(m, gpa, len, write, &i);
	if (rc)
		return rc;
	while (len) {
		const struct vmem_entry *e = &m->ents[i++];
		uint64_t avail_m1 = e->last - gpa;
		size_t chunk = ((uint64_t)len - 1 <= avail_m1) ? len : (size_t)(avail_m1 + 1);
		(*count)++;
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}

/* Fills iovecs for a checked range; returns the number filled. */
static size_t fill_segs(const struct vmem_map *m, uint64_t gpa, size_t len, struct iovec *iov,
                        struct seg *seg)
{
	size_t n = 0;
	if (!len)
		return 0;
	size_t i = (size_t)find_idx(m, gpa);
	while (len) {
		const struct vmem_entry *e = &m->ents[i++];
		uint64_t avail_m1 = e->last - gpa;
		size_t chunk = ((uint64_t)len - 1 <= avail_m1) ? len : (size_t)(avail_m1 + 1);
		iov[n].iov_base = e->host + (gpa - e->start);
		iov[n].iov_len = chunk;
		seg[n].off = gpa - e->start;
		seg[n].r = e->r;
		n++;
		gpa += chunk;
		len -= chunk;
	}
	return n;
}

/* Moves all of iov (n entries, total bytes) between guest memory and fd. */
static ssize_t transfer(struct iovec *iov, struct seg *seg, size_t n, size_t total, int fd,
                        off_t offset, bool to_guest)
{
	size_t done = 0;
	size_t k = 0; /* first iovec not fully moved */
	while (done < total) {
		int cnt = (int)((n - k) > IOV_MAX ? IOV_MAX : (n - k));
		ssize_t rc;
		if (to_guest) {
			if (offset == VMEM_FD_CUR)
				rc = readv(fd, &iov[k], cnt);
			else
				rc = preadv(fd, &iov[k], cnt, offset + (off_t)done);
		} else {
			if (offset == VMEM_FD_CUR)
				rc = writev(fd, &iov[k], cnt);
			else
				rc = pwritev(fd, &iov[k], cnt, offset + (off_t)done);
		}
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			if (done)
				break;
			return -errno;
		}
		if (rc == 0)
			break;
		done += (size_t)rc;
		size_t left = (size_t)rc;
		while (left) {
			size_t take = left < iov[k].iov_len ? left : iov[k].iov_len;
			if (to_guest)
				vmem_mark_dirty(seg[k].r, seg[k].off, take);
			iov[k].iov_base = (uint8_t *)iov[k].iov_base + take;
			iov[k].iov_len -= take;
			seg[k].off += take;
			left -= take;
			if (!iov[k].iov_len)
				k++;
		}
		while (k < n && !iov[k].iov_len)
			k++;
	}
	return (ssize_t)done;
}

static ssize_t fd_xfer(const struct vmem_map *m, const struct vmem_range *ranges, size_t nranges,
                       int fd, off_t offset, bool to_guest)
{
	if (!m || (nranges && !ranges) || fd < 0 || (offset < 0 && offset != VMEM_FD_CUR))
		return -EINVAL;
	size_t count = 0, total = 0;
	for (size_t i = 0; i < nranges; i++) {
		if (__builtin_add_overflow(total, ranges[i].len, &total))
			return -EOVERFLOW;
		int rc = count_segs(m, ranges[i].gpa, ranges[i].len, to_guest, &count);
		if (rc)
			return rc;
	}
	if (total > (size_t)SSIZE_MAX)
		return -EINVAL;
	if (offset != VMEM_FD_CUR && (uint64_t)offset + total > (uint64_t)INT64_MAX)
		return -EINVAL; /* the file offsets would pass 2^63 */
	if (!total)
		return 0;
	struct iovec iov_small[8];
	struct seg seg_small[8];
	struct iovec *iov = iov_small;
	struct seg *seg = seg_small;
	if (count > 8) {
		iov = malloc(count * sizeof(*iov));
		seg = malloc(count * sizeof(*seg));
		if (!iov || !seg) {
			free(iov);
			free(seg);
			return -ENOMEM;
		}
	}
	size_t n = 0;
	for (size_t i = 0; i < nranges; i++)
		n += fill_segs(m, ranges[i].gpa, ranges[i].len, &iov[n], &seg[n]);
	ssize_t rc = transfer(iov, seg, n, total, fd, offset, to_guest);
	if (iov != iov_small) {
		free(iov);
		free(seg);
	}
	return rc;
}

ssize_t vmem_read_from_fd(const struct vmem_map *m, uint64_t gpa, int fd, off_t offset, size_t len)
{
	struct vmem_range r = {.gpa = gpa, .len = len};
	return fd_xfer(m, &r, 1, fd, offset, true);
}

ssize_t vmem_write_to_fd(const struct vmem_map *m, uint64_t gpa, int fd, off_t offset, size_t len)
{
	struct vmem_range r = {.gpa = gpa, .len = len};
	return fd_xfer(m, &r, 1, fd, offset, false);
}

ssize_t vmem_readv_from_fd(const struct vmem_map *m, const struct vmem_range *ranges,
                           size_t nranges, int fd, off_t offset)
{
	return fd_xfer(m, ranges, nranges, fd, offset, true);
}

ssize_t vmem_writev_to_fd(const struct vmem_map *m, const struct vmem_range *ranges, size_t nranges,
                          int fd, off_t offset)
{
	return fd_xfer(m, ranges, nranges, fd, offset, false);
}
