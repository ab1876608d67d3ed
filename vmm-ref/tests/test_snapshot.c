/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The snapshot folder's files (snapshot.h) on a real file system: a snapshot written and
 * read back, slots taking turns, and every way a folder can be refused (truncated,
 * edited, other format, other architecture, foreign files, a memory file of another
 * snapshot, a disk changed while the VM slept, a writer killed half-way).
 */
#define _GNU_SOURCE
#include "snapshot.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB (1024ull * 1024ull)
#define RAM_MIB 16u
#define RAM_GPA 0x80000000ull

static char dir[64], disk[96];
static struct vmem_map *ram;

static void setup(void)
{
	strcpy(dir, "/var/tmp/cvmm-snap-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(disk, sizeof(disk), "%s.disk", dir);
	int fd = open(disk, O_RDWR | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, 1 * MIB), 0);
	close(fd);
	cr_assert_eq(vmem_map_create(&ram), 0);
	cr_assert_eq(vmem_map_add_anon(ram, RAM_GPA, RAM_MIB * MIB, 0), 0);
	cr_assert_eq(vmem_write(ram, RAM_GPA + 5 * MIB, "guest data", 10), 0);
}

static void teardown(void)
{
	char cmd[256];
	vmem_map_destroy(ram);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, disk);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(snapshot, .init = setup, .fini = teardown);

static struct vmm_config make_cfg(void)
{
	static struct vmm_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.kernel = "/boot/Image";
	cfg.cmdline = "console=ttyS0";
	cfg.memory_mib = RAM_MIB;
	cfg.vcpus = 2;
	cfg.rng = true;
	cfg.num_disks = 1;
	cfg.disks[0].path = disk;
	cfg.num_nets = 2;
	cfg.nets[0] = (struct vmm_net_config){.tap = "tap0", .mac = {2, 0, 0, 0, 0, 0x15}};
	cfg.nets[1] = (struct vmm_net_config){.tap = "vm1-eth1", .mac = {2, 1, 2, 3, 4, 5}};
	return cfg;
}

/* Writes one snapshot into dir; returns the slot it went to. */
static char write_one(const char *machine_bytes)
{
	struct vmm_config cfg = make_cfg();
	struct vmm_snapshot_target t;
	struct vmm_snapshot_conf conf;
	struct vmm_snapshot_stats st;
	struct vdev_state_writer w;
	char err[512];

	cr_assert_eq(vmm_snapshot_target_open(dir, &t, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vmm_snapshot_make_conf(&cfg, &conf, err, sizeof(err)), 0, "%s", err);
	conf.irqchip = 3;
	vdev_state_writer_init(&w);
	vdev_state_put_bytes(&w, machine_bytes, strlen(machine_bytes));
	cr_assert_eq(vmm_snapshot_write(&t, &conf, &w, ram, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(st.ram.ram_bytes, RAM_MIB * MIB);
	cr_assert_eq(st.ram.written_bytes, vmem_page_size(), "one page holds data");
	char slot = t.slot;
	vdev_state_writer_free(&w);
	vmm_snapshot_conf_release(&conf);
	vmm_snapshot_target_close(&t);
	return slot;
}

/* Loads dir, expecting a refusal whose line contains want. */
static void expect_refused(const char *want)
{
	struct vmm_snapshot s;
	char err[512] = "";
	cr_assert_eq(vmm_snapshot_load(dir, &s, err, sizeof(err)), -1, "accepted; wanted '%s'",
	             want);
	cr_assert(strstr(err, want), "refused with '%s', wanted '%s'", err, want);
	cr_assert_null(strchr(err, '\n'), "more than one line: %s", err);
}

static char *path_of(const char *name)
{
	static char p[128];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

/* Overwrites len bytes at off of dir/name. */
static void poke(const char *name, off_t off, const void *bytes, size_t len)
{
	int fd = open(path_of(name), O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, bytes, len, off), (ssize_t)len);
	close(fd);
}

static void truncate_to(const char *name, off_t len)
{
	cr_assert_eq(truncate(path_of(name), len), 0);
}

static off_t size_of(const char *name)
{
	struct stat st;
	cr_assert_eq(stat(path_of(name), &st), 0);
	return st.st_size;
}

Test(snapshot, crc32_is_the_ieee_one)
{
	cr_assert_eq(vmm_crc32(0, "123456789", 9), 0xcbf43926u);
	cr_assert_eq(vmm_crc32(vmm_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
}

Test(snapshot, written_and_read_back)
{
	struct vmm_snapshot s;
	char err[512];

	cr_assert_eq(write_one("MACHINE"), 'a');
	cr_assert_eq(vmm_snapshot_load(dir, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(s.slot, 'a');
	cr_assert_eq(s.generation, 1);
	cr_assert_str_eq(s.conf.kernel, "/boot/Image");
	cr_assert_null(s.conf.initrd);
	cr_assert_str_eq(s.conf.cmdline, "console=ttyS0");
	cr_assert_eq(s.conf.memory_mib, RAM_MIB);
	cr_assert_eq(s.conf.vcpus, 2);
	cr_assert(s.conf.rng);
	cr_assert_eq(s.conf.irqchip, 3);
	cr_assert_eq(s.conf.num_disks, 1);
	cr_assert_str_eq(s.conf.disks[0].path, disk);
	cr_assert_eq(s.conf.num_nets, 2);
	cr_assert_str_eq(s.conf.nets[1].tap, "vm1-eth1");
	const uint8_t mac1[6] = {2, 1, 2, 3, 4, 5};
	cr_assert_arr_eq(s.conf.nets[1].mac, mac1, 6);
	cr_assert_eq(s.machine_len, 7);
	cr_assert_eq(memcmp(s.state + s.machine_off, "MACHINE", 7), 0);
	cr_assert_eq(s.ram_bytes, RAM_MIB * MIB);
	char got[10];
	cr_assert_eq(pread(s.mem_fd, got, 10, VMM_SNAPSHOT_MEM_OFFSET + 5 * MIB), 10);
	cr_assert_eq(memcmp(got, "guest data", 10), 0);
	vmm_snapshot_release(&s);

	/* The memory file is sparse: its one page of data, not 16 MiB. */
	struct stat st;
	cr_assert_eq(stat(path_of("a.mem"), &st), 0);
	cr_assert_eq(st.st_size, (off_t)(VMM_SNAPSHOT_MEM_OFFSET + RAM_MIB * MIB));
	cr_assert_lt((uint64_t)st.st_blocks * 512, 1 * MIB);
}

Test(snapshot, slots_take_turns_and_the_newest_wins)
{
	struct vmm_snapshot s;
	char err[512];

	cr_assert_eq(write_one("ONE"), 'a');
	cr_assert_eq(write_one("TWO"), 'b');
	cr_assert_eq(write_one("THREE"), 'a');
	cr_assert_eq(vmm_snapshot_load(dir, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(s.generation, 3);
	cr_assert_eq(s.slot, 'a');
	cr_assert_eq(memcmp(s.state + s.machine_off, "THREE", 5), 0);
	vmm_snapshot_release(&s);
}

Test(snapshot, a_folder_without_a_snapshot_is_refused)
{
	expect_refused("holds no complete snapshot");
	char missing[128];
	snprintf(missing, sizeof(missing), "%s/nowhere", dir);
	struct vmm_snapshot s;
	char err[512];
	cr_assert_eq(vmm_snapshot_load(missing, &s, err, sizeof(err)), -1);
	cr_assert(strstr(err, "cannot open the snapshot folder"), "%s", err);
}

Test(snapshot, truncated_or_extended_state_is_refused)
{
	write_one("MACHINE");
	off_t n = size_of("a.state");
	truncate_to("a.state", n - 1);
	expect_refused("truncated or extended");
	truncate_to("a.state", 20);
	expect_refused("truncated");
	truncate_to("a.state", n + 100);
	expect_refused("truncated or extended");
}

Test(snapshot, edited_state_is_refused)
{
	write_one("MACHINE");
	off_t n = size_of("a.state");
	poke("a.state", n - 3, "X", 1);
	expect_refused("checksum mismatch");
}

Test(snapshot, other_format_architecture_and_foreign_files_are_refused)
{
	write_one("MACHINE");
	const uint8_t v9[4] = {9, 0, 0, 0};
	poke("a.state", 8, v9, 4);
	expect_refused("snapshot format 9");
	const uint8_t v1[4] = {1, 0, 0, 0};
	poke("a.state", 8, v1, 4);
	const uint8_t riscv[4] = {243, 0, 0, 0};
	poke("a.state", 12, riscv, 4);
	expect_refused("another architecture");
	poke("a.state", 0, "#!/bin/sh\necho hi\n", 18);
	expect_refused("not a cvmm snapshot state file");
}

Test(snapshot, memory_file_checks)
{
	write_one("MACHINE");
	/* Truncated: its size no longer matches the RAM. */
	truncate_to("a.mem", VMM_SNAPSHOT_MEM_OFFSET + 4096);
	expect_refused("truncated");
	/* Another snapshot's: generation 2's memory file beside generation 3's state. */
	write_one("TWO");   /* b, generation 2 */
	write_one("THREE"); /* a, generation 3 */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "cp '%s/b.mem' '%s/a.mem'", dir, dir);
	cr_assert_eq(system(cmd), 0);
	expect_refused("belongs to another snapshot");
	/* Not a memory file at all. */
	poke("a.mem", 0, "garbage!", 8);
	expect_refused("is not a cvmm memory file");
	cr_assert_eq(unlink(path_of("a.mem")), 0);
	expect_refused("cannot open a.mem");
}

Test(snapshot, a_disk_that_changed_while_the_vm_slept_is_refused)
{
	write_one("MACHINE");
	sleep(1); /* a later modification time, on file systems with coarse clocks too */
	int fd = open(disk, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, "x", 1, 0), 1);
	close(fd);
	expect_refused("changed since the snapshot");

	/* Replaced by another file of the same name and size (made while the old one
	   exists, so that it cannot get the old inode number back). */
	char other[128];
	snprintf(other, sizeof(other), "%s.new", disk);
	fd = open(other, O_RDWR | O_CREAT, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, 1 * MIB), 0);
	close(fd);
	cr_assert_eq(rename(other, disk), 0);
	expect_refused("another file");
	cr_assert_eq(unlink(disk), 0);
	expect_refused("cannot stat disk");
}

Test(snapshot, a_writer_killed_half_way_never_leaves_a_whole_looking_snapshot)
{
	struct vmm_snapshot s;
	char err[512];

	write_one("ONE");
	write_one("TWO"); /* b, generation 2 */
	off_t n = size_of("b.state");
	/* Killed after the slot was emptied (step 1), or while writing RAM: the state file
	   is empty, and the older snapshot is the newest whole one. */
	truncate_to("b.state", 0);
	cr_assert_eq(vmm_snapshot_load(dir, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(s.generation, 1);
	vmm_snapshot_release(&s);
	/* Killed while writing the state file itself: refused, not taken for whole. */
	truncate_to("b.state", n / 2);
	expect_refused("b.state");
	/* And no new snapshot overwrites that damaged slot's neighbour blindly. */
	struct vmm_snapshot_target t;
	cr_assert_eq(vmm_snapshot_target_open(dir, &t, err, sizeof(err)), -1);
	cr_assert(strstr(err, "move it away first"), "%s", err);
}

Test(snapshot, apply_conf_fills_the_machine_options)
{
	struct vmm_config cfg = make_cfg(), out;
	struct vmm_snapshot_conf conf;
	char err[512];

	cr_assert_eq(vmm_snapshot_make_conf(&cfg, &conf, err, sizeof(err)), 0, "%s", err);
	memset(&out, 0, sizeof(out));
	cr_assert_eq(vmm_snapshot_apply_conf(&conf, &out), 0);
	cr_assert_str_eq(out.kernel, "/boot/Image");
	cr_assert_eq(out.memory_mib, RAM_MIB);
	cr_assert_eq(out.vcpus, 2);
	cr_assert_eq(out.num_disks, 1);
	cr_assert_str_eq(out.disks[0].path, disk);
	cr_assert_eq(out.num_nets, 2);
	cr_assert_str_eq(out.nets[0].tap, "tap0");
	cr_assert(out.nets[0].mac_given, "the guest knows this MAC: it is kept");
	cr_assert_eq(out.nets[0].mac[5], 0x15);
	vmm_config_release(&out);
	vmm_snapshot_conf_release(&conf);
}
