/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A device-mapper device whose middle fails every I/O, for the fault-injection tests in
 * the emulated host (which has no dmsetup): the table is built with the DM ioctls.
 *
 *   dm_error create NAME BACKING START COUNT   NAME over the block device BACKING (its
 *                                              whole size), sectors [START, START+COUNT)
 *                                              mapped to dm's "error" target, the others
 *                                              "linear" onto the same sectors of BACKING;
 *                                              prints "MAJOR MINOR" of the new device
 *   dm_error remove NAME
 *
 * Exit status 0, or 1 with one line on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define CONTROL "/dev/mapper/control"
#define BUF_SIZE 16384

static union {
	struct dm_ioctl io;
	char raw[BUF_SIZE];
} buf;

static void init_io(const char *name, size_t data_size)
{
	memset(&buf, 0, sizeof(buf));
	buf.io.version[0] = DM_VERSION_MAJOR;
	buf.io.version[1] = 0;
	buf.io.version[2] = 0;
	buf.io.data_size = (uint32_t)data_size;
	buf.io.data_start = sizeof(struct dm_ioctl);
	snprintf(buf.io.name, sizeof(buf.io.name), "%s", name);
}

static int dm(int fd, unsigned long req, const char *what)
{
	if (ioctl(fd, req, &buf) < 0) {
		fprintf(stderr, "dm_error: %s: %s\n", what, strerror(errno));
		return -1;
	}
	return 0;
}

/* Appends a target spec with its parameter string at *off; specs are 8-byte aligned. */
static void add_target(size_t *off, uint64_t start, uint64_t len, const char *type,
                       const char *params)
{
	struct dm_target_spec *t = (struct dm_target_spec *)(buf.raw + *off);
	size_t plen = strlen(params) + 1;
	size_t next = (sizeof(*t) + plen + 7) & ~(size_t)7;

	t->sector_start = start;
	t->length = len;
	t->next = (uint32_t)next;
	snprintf(t->target_type, sizeof(t->target_type), "%s", type);
	memcpy((char *)(t + 1), params, plen);
	*off += next;
	buf.io.target_count++;
}

static int create(int fd, const char *name, const char *backing, uint64_t start, uint64_t count)
{
	struct stat st;
	uint64_t bytes, sectors;
	char dev[32], params[64];
	int bfd = open(backing, O_RDONLY | O_CLOEXEC);

	if (bfd < 0 || fstat(bfd, &st) < 0 || !S_ISBLK(st.st_mode) ||
	    ioctl(bfd, BLKGETSIZE64, &bytes) < 0) {
		fprintf(stderr, "dm_error: %s is not a usable block device\n", backing);
		return -1;
	}
	close(bfd);
	sectors = bytes / 512;
	if (count == 0 || start >= sectors || count > sectors - start) {
		fprintf(stderr, "dm_error: sectors %llu+%llu do not fit in %llu\n",
		        (unsigned long long)start, (unsigned long long)count,
		        (unsigned long long)sectors);
		return -1;
	}
	snprintf(dev, sizeof(dev), "%u:%u", major(st.st_rdev), minor(st.st_rdev));

	init_io(name, sizeof(buf.io));
	if (dm(fd, DM_DEV_CREATE, "DM_DEV_CREATE") < 0)
		return -1;
	uint64_t devnum = buf.io.dev;

	init_io(name, 0);
	size_t off = sizeof(struct dm_ioctl);
	if (start > 0) {
		snprintf(params, sizeof(params), "%s 0", dev);
		add_target(&off, 0, start, "linear", params);
	}
	add_target(&off, start, count, "error", "");
	if (start + count < sectors) {
		snprintf(params, sizeof(params), "%s %llu", dev,
		         (unsigned long long)(start + count));
		add_target(&off, start + count, sectors - start - count, "linear", params);
	}
	buf.io.data_size = (uint32_t)off;
	if (dm(fd, DM_TABLE_LOAD, "DM_TABLE_LOAD") < 0)
		return -1;
	/* A resume makes the loaded table live. */
	init_io(name, sizeof(buf.io));
	if (dm(fd, DM_DEV_SUSPEND, "DM_DEV_SUSPEND (resume)") < 0)
		return -1;
	printf("%u %u\n", major(devnum), minor(devnum));
	return 0;
}

int main(int argc, char **argv)
{
	int fd, ret;

	if (argc < 3 || (strcmp(argv[1], "create") == 0 && argc != 6) ||
	    (strcmp(argv[1], "remove") == 0 && argc != 3)) {
		fprintf(stderr, "usage: dm_error create NAME BACKING START COUNT | remove NAME\n");
		return 1;
	}
	fd = open(CONTROL, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "dm_error: %s: %s\n", CONTROL, strerror(errno));
		return 1;
	}
	if (strcmp(argv[1], "create") == 0) {
		ret = create(fd, argv[2], argv[3], strtoull(argv[4], NULL, 0),
		             strtoull(argv[5], NULL, 0));
	} else if (strcmp(argv[1], "remove") == 0) {
		init_io(argv[2], sizeof(buf.io));
		ret = dm(fd, DM_DEV_REMOVE, "DM_DEV_REMOVE");
	} else {
		fprintf(stderr, "dm_error: unknown command %s\n", argv[1]);
		ret = -1;
	}
	close(fd);
	return ret < 0 ? 1 : 0;
}
