/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for reading a snapshot folder (snapshot.h): the input becomes the
 * folder's state file, and vmm_snapshot_load() must either accept it or refuse it with
 * one line, never crash, read past a buffer or leak.
 *
 * Input: byte 0 bit 0 set: the rest is the payload, behind a valid header with its CRC
 * (so that the sections themselves are exercised); clear: the rest is the whole file.
 * Bit 1: the payload's generation is 2, else 1 (beside a second, empty slot).
 */
#include "snapshot.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

/* The folder goes when the fuzzer exits (libFuzzer ends a run with exit()). */
static void remove_dir(void)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/a.state", dir);
	unlink(path);
	rmdir(dir);
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[96], err[512];
	struct vmm_snapshot s;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/cvmm-fuzz-snap-%d", (int)getpid());
		mkdir(dir, 0700);
		atexit(remove_dir);
	}
	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	data++, size--;
	snprintf(path, sizeof(path), "%s/a.state", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	if (flags & 1) {
		uint8_t h[40] = "CVMMSNAP";
		put_le(h + 8, VMM_SNAPSHOT_FORMAT, 4);
#if defined(__aarch64__)
		put_le(h + 12, 183, 4);
#else
		put_le(h + 12, 62, 4);
#endif
		put_le(h + 16, (flags & 2) ? 2 : 1, 8);
		put_le(h + 24, size, 8);
		put_le(h + 32, vmm_crc32(0, data, size), 4);
		if (write(fd, h, sizeof(h)) != (ssize_t)sizeof(h))
			abort();
	}
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);

	err[0] = '\0';
	if (vmm_snapshot_load(dir, &s, err, sizeof(err)) == 0) {
		/* Accepted: what it holds is within its own bounds. */
		if (s.machine_off + s.machine_len > s.state_len || !s.conf.cmdline ||
		    !s.conf.kernel || s.conf.num_disks > VMM_DISKS_MAX)
			abort();
		vmm_snapshot_release(&s);
	} else if (!err[0] || strchr(err, '\n')) {
		abort(); /* a refusal is one line */
	}
	return 0;
}
