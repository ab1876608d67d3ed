/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The snapshot folder: a VM that suspended itself (--suspend snapshot:DIR), on disk, and
 * brought back by a later process (--restore DIR). docs/SNAPSHOT.md describes the files
 * and the guarantees; in short:
 *
 *   DIR/a.state DIR/a.mem     slot a
 *   DIR/b.state DIR/b.mem     slot b
 *
 * A slot is one snapshot: its state file (a header, then sections: the machine's
 * configuration and the state of the vCPUs, the interrupt controller and every device,
 * under one CRC-32) and its memory file (a 64 KiB header, then guest RAM, sparse). A
 * snapshot is written into the slot that does not hold the newest one, in an order that
 * makes the state file the commit: the slot's state file is emptied (and synced) first,
 * then the memory file is written and synced, then the state file, synced. A process
 * killed on the way leaves the slot's state file empty or incomplete, never whole; the
 * restore takes the valid slot of the highest generation, and refuses a folder whose
 * non-empty state file does not verify. Everything read is checked before any guest code
 * runs: magic, format version, architecture, lengths, checksum, the memory file's header
 * and size, and every section (machine.c and the devices' own checks).
 *
 * The files are opened (and created) before the sandbox is in place; writing them then
 * needs only calls on those descriptors.
 */
#ifndef VMM_SNAPSHOT_H
#define VMM_SNAPSHOT_H

#include "cli.h"

#include <cvmm/devices.h>
#include <cvmm/vm_memory.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Guest RAM starts this far into the memory file (a multiple of any host page size). */
#define VMM_SNAPSHOT_MEM_OFFSET 65536u
/* The largest state file read (the real ones are a few KiB to a few hundred KiB). */
#define VMM_SNAPSHOT_STATE_MAX (16u * 1024u * 1024u)
#define VMM_SNAPSHOT_FORMAT 1u

/* A disk as the snapshot records it: a restore refuses a disk whose identity changed
   (the guest's page cache in the saved RAM would no longer match it). */
struct vmm_snapshot_disk {
	char *path;
	bool read_only;
	uint64_t size, dev, ino;
	int64_t mtime_sec, mtime_nsec;
};

/* A network device as the snapshot records it: the tap it was on (a restore attaches to
   the tap of that name again) and the MAC the guest knows. */
struct vmm_snapshot_net {
	char *tap;
	uint8_t mac[6];
};

/* The machine's configuration, which a restore takes from the snapshot. */
struct vmm_snapshot_conf {
	char *kernel, *initrd, *cmdline; /* for a reset under --reboot: a cold boot */
	uint32_t memory_mib, vcpus;
	bool rng;
	uint32_t irqchip; /* arm64: the GIC's version (2, 3); x86_64: 0 */
	uint32_t num_disks;
	struct vmm_snapshot_disk disks[VMM_DISKS_MAX];
	uint32_t num_nets;
	struct vmm_snapshot_net nets[VMM_NETS_MAX];
};

/* Where a snapshot will be written: opened before the sandbox. */
struct vmm_snapshot_target {
	char *dir;
	int dir_fd, state_fd, mem_fd;
	int pagemap_fd;      /* /proc/self/pagemap, or -1 (vmem_map_save()) */
	char slot;           /* 'a' or 'b' */
	uint64_t generation; /* the one the new snapshot gets */
};

/* A snapshot read back for --restore. */
struct vmm_snapshot {
	char slot;
	uint64_t generation;
	uint8_t *state; /* the state file's payload */
	size_t state_len;
	struct vmm_snapshot_conf conf;
	size_t machine_off, machine_len; /* the machine's sections within state */
	int mem_fd;                      /* the memory file, for a private mapping */
	uint64_t ram_bytes;
};

/* What writing a snapshot did, for the log and the benchmark. */
struct vmm_snapshot_stats {
	struct vmem_save_stats ram;
	uint64_t state_bytes;
	uint64_t write_ns; /* from the first write to the last fsync */
};

/*
 * Opens (creating DIR and the slot's files, mode 0700 and 0600, when missing) the slot a
 * new snapshot goes to: the one that does not hold DIR's newest valid snapshot. Returns
 * 0, or -1 with one line in err.
 */
int vmm_snapshot_target_open(const char *dir, struct vmm_snapshot_target *t, char *err,
                             size_t err_size);
void vmm_snapshot_target_close(struct vmm_snapshot_target *t);

/*
 * Writes a snapshot into t's slot: conf, the machine's sections (machine.c's writer,
 * whole), and guest RAM from mem. Returns 0 once every byte is on disk, or -1 with one
 * line in err (the slot is then left without a valid state file).
 */
int vmm_snapshot_write(struct vmm_snapshot_target *t, const struct vmm_snapshot_conf *conf,
                       const struct vdev_state_writer *machine, const struct vmem_map *mem,
                       struct vmm_snapshot_stats *stats, char *err, size_t err_size);

/*
 * Reads DIR's newest valid snapshot and checks it (the files' headers and checksum, the
 * configuration, every disk's identity, the memory file's size). Returns 0, or -1 with
 * one line in err (nothing is then held).
 */
int vmm_snapshot_load(const char *dir, struct vmm_snapshot *s, char *err, size_t err_size);
void vmm_snapshot_release(struct vmm_snapshot *s);

/* Fills the configuration of the snapshot's machine into cfg (which keeps its own
   options: console, log level, sandbox, reboot, suspend policy, control socket).
   Returns 0 or -ENOMEM. */
int vmm_snapshot_apply_conf(const struct vmm_snapshot_conf *conf, struct vmm_config *cfg);

/* Records cfg's machine and the identity of its disks (stat now) into conf.
   Returns 0, or -1 with one line in err. */
int vmm_snapshot_make_conf(const struct vmm_config *cfg, struct vmm_snapshot_conf *conf, char *err,
                           size_t err_size);
void vmm_snapshot_conf_release(struct vmm_snapshot_conf *conf);

/* Takes disk d's identity again from its open descriptor (fstat), after the guest's last
   writes were flushed. Returns 0 or -errno. */
int vmm_snapshot_disk_refresh(struct vmm_snapshot_disk *d, int fd);

/* CRC-32 (IEEE 802.3, as zlib's crc32()) of len bytes, continuing from crc (0 to start). */
uint32_t vmm_crc32(uint32_t crc, const void *buf, size_t len);

#endif
