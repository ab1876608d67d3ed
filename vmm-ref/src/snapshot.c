/* SPDX-License-Identifier: Apache-2.0 */
/* The snapshot folder's files (snapshot.h, docs/SNAPSHOT.md). */
#define _GNU_SOURCE
#include "snapshot.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if defined(__aarch64__)
#define SNAP_ARCH EM_AARCH64
#elif defined(__x86_64__)
#define SNAP_ARCH EM_X86_64
#endif

/*
 * The state file:
 *   0   "CVMMSNAP"
 *   8   u32 format version (VMM_SNAPSHOT_FORMAT)
 *   12  u32 architecture (ELF e_machine: 183 aarch64, 62 x86_64)
 *   16  u64 generation (1, 2, ...: the newest valid slot wins)
 *   24  u64 payload length
 *   32  u32 CRC-32 of the payload
 *   36  u32 0
 *   40  payload: section CONF (the machine's configuration), section MACH (machine.c's
 *       sections: vCPUs, interrupt controller, devices)
 * The memory file:
 *   0   "CVMMMEM\0", u32 format version, u32 architecture, u64 generation, u64 RAM bytes
 *   VMM_SNAPSHOT_MEM_OFFSET: guest RAM, its regions back to back (vmem_map_save())
 * Every integer is little-endian.
 */
#define STATE_MAGIC "CVMMSNAP"
#define MEM_MAGIC "CVMMMEM"
#define STATE_HEADER 40u
#define MEM_HEADER 32u
#define TAG_CONF VDEV_STATE_TAG('C', 'O', 'N', 'F')
/* CONF version 2 added the network devices (tap name and MAC each); version 1 is read. */
#define CONF_VERSION 2u
#define TAG_MACH VDEV_STATE_TAG('M', 'A', 'C', 'H')
/* Longest string of the configuration (paths; the kernel command line is shorter). */
#define CONF_STRING_MAX 4096u

static int fail(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
	return -1;
}

uint32_t vmm_crc32(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t table[256];
	static _Atomic int ready;
	const uint8_t *p = buf;

	if (!ready) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		ready = 1;
	}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* ---------------------------------------------------------------------------------------
 * The configuration
 * ------------------------------------------------------------------------------------- */

void vmm_snapshot_conf_release(struct vmm_snapshot_conf *conf)
{
	if (!conf)
		return;
	free(conf->kernel);
	free(conf->initrd);
	free(conf->cmdline);
	for (uint32_t i = 0; i < conf->num_disks && i < VMM_DISKS_MAX; i++)
		free(conf->disks[i].path);
	for (uint32_t i = 0; i < conf->num_nets && i < VMM_NETS_MAX; i++)
		free(conf->nets[i].tap);
	memset(conf, 0, sizeof(*conf));
}

static int disk_identity(const char *path, struct vmm_snapshot_disk *d, char *err, size_t err_size)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return fail(err, err_size, "cannot stat disk '%s': %s", path, strerror(errno));
	d->size = (uint64_t)st.st_size;
	d->dev = (uint64_t)st.st_dev;
	d->ino = (uint64_t)st.st_ino;
	d->mtime_sec = (int64_t)st.st_mtim.tv_sec;
	d->mtime_nsec = (int64_t)st.st_mtim.tv_nsec;
	return 0;
}

int vmm_snapshot_disk_refresh(struct vmm_snapshot_disk *d, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	d->size = (uint64_t)st.st_size;
	d->dev = (uint64_t)st.st_dev;
	d->ino = (uint64_t)st.st_ino;
	d->mtime_sec = (int64_t)st.st_mtim.tv_sec;
	d->mtime_nsec = (int64_t)st.st_mtim.tv_nsec;
	return 0;
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*oom = true;
	return d;
}

int vmm_snapshot_make_conf(const struct vmm_config *cfg, struct vmm_snapshot_conf *conf, char *err,
                           size_t err_size)
{
	bool oom = false;

	memset(conf, 0, sizeof(*conf));
	conf->kernel = dup_or_null(cfg->kernel, &oom);
	conf->initrd = dup_or_null(cfg->initrd, &oom);
	conf->cmdline = dup_or_null(cfg->cmdline ? cfg->cmdline : "", &oom);
	conf->memory_mib = cfg->memory_mib;
	conf->vcpus = cfg->vcpus;
	conf->rng = cfg->rng;
	for (uint32_t i = 0; i < cfg->num_disks && !oom; i++) {
		struct vmm_snapshot_disk *d = &conf->disks[i];
		d->path = dup_or_null(cfg->disks[i].path, &oom);
		d->read_only = cfg->disks[i].read_only;
		conf->num_disks = i + 1;
		if (!oom && disk_identity(d->path, d, err, err_size) < 0) {
			vmm_snapshot_conf_release(conf);
			return -1;
		}
	}
	for (uint32_t i = 0; i < cfg->num_nets && !oom; i++) {
		conf->nets[i].tap = dup_or_null(cfg->nets[i].tap, &oom);
		memcpy(conf->nets[i].mac, cfg->nets[i].mac, 6);
		conf->num_nets = i + 1;
	}
	if (oom) {
		vmm_snapshot_conf_release(conf);
		return fail(err, err_size, "out of memory");
	}
	return 0;
}

int vmm_snapshot_apply_conf(const struct vmm_snapshot_conf *conf, struct vmm_config *cfg)
{
	bool oom = false;

	cfg->kernel = dup_or_null(conf->kernel, &oom);
	cfg->initrd = dup_or_null(conf->initrd, &oom);
	cfg->cmdline = dup_or_null(conf->cmdline, &oom);
	cfg->memory_mib = conf->memory_mib;
	cfg->vcpus = conf->vcpus;
	cfg->rng = conf->rng;
	for (uint32_t i = 0; i < conf->num_disks; i++) {
		cfg->disks[i].path = dup_or_null(conf->disks[i].path, &oom);
		cfg->disks[i].read_only = conf->disks[i].read_only;
		cfg->num_disks = i + 1;
	}
	for (uint32_t i = 0; i < conf->num_nets; i++) {
		cfg->nets[i].tap = dup_or_null(conf->nets[i].tap, &oom);
		memcpy(cfg->nets[i].mac, conf->nets[i].mac, 6);
		cfg->nets[i].mac_given = true; /* the guest knows this one */
		cfg->num_nets = i + 1;
	}
	return oom ? -ENOMEM : 0;
}

static void put_string(struct vdev_state_writer *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	/* 0xffffffff: no string (NULL), as opposed to an empty one. */
	vdev_state_put_u32(w, s ? (uint32_t)n : UINT32_MAX);
	vdev_state_put_bytes(w, s, n);
}

static char *get_string(struct vdev_state_reader *r, const char *what, bool may_be_null)
{
	uint32_t n = vdev_state_get_u32(r);
	char *s;

	if (r->error)
		return NULL;
	if (n == UINT32_MAX) {
		if (!may_be_null)
			vdev_state_fail(r, "configuration: no %s", what);
		return NULL;
	}
	if (n > CONF_STRING_MAX || n > vdev_state_remaining(r)) {
		vdev_state_fail(r, "configuration: the %s is %u bytes long", what, n);
		return NULL;
	}
	s = malloc(n + 1);
	if (!s) {
		vdev_state_fail(r, "out of memory");
		return NULL;
	}
	vdev_state_get_bytes(r, s, n);
	s[n] = '\0';
	if (strlen(s) != n) {
		vdev_state_fail(r, "configuration: the %s holds a NUL byte", what);
		free(s);
		return NULL;
	}
	return s;
}

static void put_conf(struct vdev_state_writer *w, const struct vmm_snapshot_conf *c)
{
	size_t mark = vdev_state_begin(w, TAG_CONF, CONF_VERSION);

	put_string(w, c->kernel);
	put_string(w, c->initrd);
	put_string(w, c->cmdline);
	vdev_state_put_u32(w, c->memory_mib);
	vdev_state_put_u32(w, c->vcpus);
	vdev_state_put_u8(w, c->rng);
	vdev_state_put_u32(w, c->irqchip);
	vdev_state_put_u32(w, c->num_disks);
	for (uint32_t i = 0; i < c->num_disks; i++) {
		const struct vmm_snapshot_disk *d = &c->disks[i];
		put_string(w, d->path);
		vdev_state_put_u8(w, d->read_only);
		vdev_state_put_u64(w, d->size);
		vdev_state_put_u64(w, d->dev);
		vdev_state_put_u64(w, d->ino);
		vdev_state_put_u64(w, (uint64_t)d->mtime_sec);
		vdev_state_put_u64(w, (uint64_t)d->mtime_nsec);
	}
	vdev_state_put_u32(w, c->num_nets);
	for (uint32_t i = 0; i < c->num_nets; i++) {
		put_string(w, c->nets[i].tap);
		vdev_state_put_bytes(w, c->nets[i].mac, 6);
	}
	vdev_state_end(w, mark);
}

static int get_conf(struct vdev_state_reader *r, struct vmm_snapshot_conf *c)
{
	struct vdev_state_reader sub;
	uint32_t version;
	uint8_t flag;

	memset(c, 0, sizeof(*c));
	if (vdev_state_open(r, TAG_CONF, CONF_VERSION, &version, &sub) < 0)
		return -EINVAL;
	c->kernel = get_string(&sub, "kernel path", false);
	c->initrd = get_string(&sub, "initrd path", true);
	c->cmdline = get_string(&sub, "kernel command line", false);
	c->memory_mib = vdev_state_get_u32(&sub);
	c->vcpus = vdev_state_get_u32(&sub);
	flag = vdev_state_get_u8(&sub);
	c->rng = flag == 1;
	c->irqchip = vdev_state_get_u32(&sub);
	uint32_t n = vdev_state_get_u32(&sub);
	if (!sub.error &&
	    (c->memory_mib < VMM_MEMORY_MIN_MIB || c->memory_mib > VMM_MEMORY_MAX_MIB))
		vdev_state_fail(&sub, "configuration: %u MiB of RAM is outside %u..%u",
		                c->memory_mib, VMM_MEMORY_MIN_MIB, VMM_MEMORY_MAX_MIB);
	if (!sub.error && (c->vcpus < 1 || c->vcpus > VMM_VCPUS_MAX))
		vdev_state_fail(&sub, "configuration: %u vCPUs is outside 1..%u", c->vcpus,
		                VMM_VCPUS_MAX);
	if (!sub.error && flag > 1)
		vdev_state_fail(&sub, "configuration: rng flag %u", flag);
	if (!sub.error && c->irqchip > 4)
		vdev_state_fail(&sub, "configuration: interrupt controller version %u", c->irqchip);
	if (!sub.error && n > VMM_DISKS_MAX)
		vdev_state_fail(&sub, "configuration: %u disks (at most %u)", n, VMM_DISKS_MAX);
	for (uint32_t i = 0; i < n && !sub.error; i++) {
		struct vmm_snapshot_disk *d = &c->disks[i];
		c->num_disks = i + 1;
		d->path = get_string(&sub, "disk path", false);
		flag = vdev_state_get_u8(&sub);
		d->read_only = flag == 1;
		d->size = vdev_state_get_u64(&sub);
		d->dev = vdev_state_get_u64(&sub);
		d->ino = vdev_state_get_u64(&sub);
		d->mtime_sec = (int64_t)vdev_state_get_u64(&sub);
		d->mtime_nsec = (int64_t)vdev_state_get_u64(&sub);
		if (!sub.error && (flag > 1 || d->path[0] == '\0'))
			vdev_state_fail(&sub, "configuration: disk %u is malformed", i);
	}
	/* Version 2 added the network devices. */
	n = version >= 2 ? vdev_state_get_u32(&sub) : 0;
	if (!sub.error && n > VMM_NETS_MAX)
		vdev_state_fail(&sub, "configuration: %u network devices (at most %u)", n,
		                VMM_NETS_MAX);
	for (uint32_t i = 0; i < n && !sub.error; i++) {
		struct vmm_snapshot_net *t = &c->nets[i];
		c->num_nets = i + 1;
		t->tap = get_string(&sub, "tap device name", false);
		vdev_state_get_bytes(&sub, t->mac, 6);
		if (!sub.error && (strlen(t->tap) == 0 || strlen(t->tap) > VMM_TAP_NAME_MAX ||
		                   strchr(t->tap, '/') || (t->mac[0] & 1)))
			vdev_state_fail(&sub, "configuration: network device %u is malformed", i);
	}
	if (vdev_state_close(r, &sub) < 0) {
		vmm_snapshot_conf_release(c);
		return -EINVAL;
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------
 * Reading a slot
 * ------------------------------------------------------------------------------------- */

/* A state file as found: empty (no snapshot), or verified, or refused with a reason. */
struct slot_read {
	bool present; /* a non-empty state file */
	uint64_t generation;
	uint8_t *payload;
	size_t payload_len;
};

/* len bytes at off, read (write false) into buf or written (write true) from it; EINTR
   and short transfers retried. Returns 0, -errno, or -EIO at end of file. */
static int transfer_full(int fd, uint8_t *buf, size_t len, off_t off, bool write)
{
	while (len) {
		ssize_t n = write ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

static int read_full(int fd, uint8_t *buf, size_t len, off_t off)
{
	return transfer_full(fd, buf, len, off, false);
}

/* Reads and verifies DIR's slot state file (fd). Returns 0, or -1 with err. */
static int read_slot(int fd, const char *name, struct slot_read *s, bool keep_payload, char *err,
                     size_t err_size)
{
	struct stat st;
	uint8_t h[STATE_HEADER];

	memset(s, 0, sizeof(*s));
	if (fstat(fd, &st) < 0)
		return fail(err, err_size, "%s: %s", name, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(err, err_size, "%s is not a regular file", name);
	if (st.st_size == 0)
		return 0;
	s->present = true;
	if (st.st_size < (off_t)STATE_HEADER || read_full(fd, h, STATE_HEADER, 0) < 0)
		return fail(err, err_size, "%s: truncated (%lld bytes)", name,
		            (long long)st.st_size);
	if (memcmp(h, STATE_MAGIC, 8) != 0)
		return fail(err, err_size, "%s is not a cvmm snapshot state file", name);
	uint32_t format = get_le32(h + 8), arch = get_le32(h + 12);
	if (format != VMM_SNAPSHOT_FORMAT)
		return fail(err, err_size, "%s: snapshot format %u, this vmm-ref reads format %u",
		            name, format, VMM_SNAPSHOT_FORMAT);
	if (arch != SNAP_ARCH)
		return fail(err, err_size,
		            "%s: a snapshot of another architecture (ELF machine %u)", name, arch);
	uint64_t len = get_le64(h + 24);
	if (len > VMM_SNAPSHOT_STATE_MAX || (uint64_t)st.st_size != STATE_HEADER + len)
		return fail(err, err_size,
		            "%s: %lld bytes where the header says %llu: truncated or extended",
		            name, (long long)st.st_size, (unsigned long long)(STATE_HEADER + len));
	s->generation = get_le64(h + 16);
	s->payload_len = (size_t)len;
	s->payload = malloc(len ? len : 1);
	if (!s->payload)
		return fail(err, err_size, "out of memory");
	if (read_full(fd, s->payload, len, STATE_HEADER) < 0) {
		free(s->payload);
		s->payload = NULL;
		return fail(err, err_size, "%s: cannot read: %s", name, strerror(errno));
	}
	if (vmm_crc32(0, s->payload, len) != get_le32(h + 32)) {
		free(s->payload);
		s->payload = NULL;
		return fail(err, err_size,
		            "%s: checksum mismatch: the file was changed or is incomplete", name);
	}
	if (!keep_payload) {
		free(s->payload);
		s->payload = NULL;
	}
	return 0;
}

static const char *const slot_names[2][2] = {{"a.state", "a.mem"}, {"b.state", "b.mem"}};

/* Reads both slots of dir_fd. Returns the index of the newest valid one, -2 when neither
   holds a snapshot, or -1 with err when a non-empty state file does not verify. */
static int newest_slot(int dir_fd, struct slot_read s[2], bool keep_payload, char *err,
                       size_t err_size)
{
	for (int i = 0; i < 2; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		int fd = openat(dir_fd, slot_names[i][0], O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0)
			return fail(err, err_size, "cannot open %s: %s", slot_names[i][0],
			            strerror(errno));
		int r = read_slot(fd, slot_names[i][0], &s[i], keep_payload, err, err_size);
		close(fd);
		if (r < 0) {
			free(s[0].payload);
			s[0].payload = NULL;
			return -1;
		}
	}
	if (!s[0].present && !s[1].present)
		return -2;
	int pick = !s[0].present                       ? 1
	           : !s[1].present                     ? 0
	           : s[1].generation > s[0].generation ? 1
	                                               : 0;
	free(s[!pick].payload);
	s[!pick].payload = NULL;
	return pick;
}

/* ---------------------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------------------- */

int vmm_snapshot_target_open(const char *dir, struct vmm_snapshot_target *t, char *err,
                             size_t err_size)
{
	struct slot_read s[2];
	int pick;

	memset(t, 0, sizeof(*t));
	t->dir_fd = t->state_fd = t->mem_fd = t->pagemap_fd = -1;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return fail(err, err_size, "cannot create the snapshot folder '%s': %s", dir,
		            strerror(errno));
	t->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dir_fd < 0)
		return fail(err, err_size, "cannot open the snapshot folder '%s': %s", dir,
		            strerror(errno));
	char why[256];
	pick = newest_slot(t->dir_fd, s, false, why, sizeof(why));
	if (pick == -1) {
		/* An unreadable or damaged slot is not overwritten silently: it may be the
		   only copy of a VM. */
		fail(err, err_size, "snapshot folder '%s': %s (move it away first)", dir, why);
		goto fail;
	}
	int slot = pick < 0 ? 0 : !pick;
	t->generation = pick < 0 ? 1 : s[pick].generation + 1;
	t->slot = (char)('a' + slot);
	t->state_fd =
	    openat(t->dir_fd, slot_names[slot][0], O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (t->state_fd >= 0)
		t->mem_fd = openat(t->dir_fd, slot_names[slot][1],
		                   O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (t->state_fd < 0 || t->mem_fd < 0) {
		fail(err, err_size, "cannot create the snapshot files in '%s': %s", dir,
		     strerror(errno));
		goto fail;
	}
	/* The new names are durable before any snapshot relies on them. */
	if (fsync(t->dir_fd) < 0) {
		fail(err, err_size, "cannot sync the snapshot folder '%s': %s", dir,
		     strerror(errno));
		goto fail;
	}
	/* Which pages of guest RAM were ever touched, read at the end (vmem_map_save());
	   without it every page is read. */
	t->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	t->dir = strdup(dir);
	if (!t->dir) {
		fail(err, err_size, "out of memory");
		goto fail;
	}
	return 0;
fail:
	vmm_snapshot_target_close(t);
	return -1;
}

void vmm_snapshot_target_close(struct vmm_snapshot_target *t)
{
	if (!t)
		return;
	if (t->state_fd >= 0)
		close(t->state_fd);
	if (t->mem_fd >= 0)
		close(t->mem_fd);
	if (t->dir_fd >= 0)
		close(t->dir_fd);
	if (t->pagemap_fd >= 0)
		close(t->pagemap_fd);
	free(t->dir);
	memset(t, 0, sizeof(*t));
	t->dir_fd = t->state_fd = t->mem_fd = t->pagemap_fd = -1;
}

static int write_full(int fd, const uint8_t *buf, size_t len, off_t off)
{
	return transfer_full(fd, (uint8_t *)buf, len, off, true);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int vmm_snapshot_write(struct vmm_snapshot_target *t, const struct vmm_snapshot_conf *conf,
                       const struct vdev_state_writer *machine, const struct vmem_map *mem,
                       struct vmm_snapshot_stats *stats, char *err, size_t err_size)
{
	struct vdev_state_writer w;
	uint8_t mh[MEM_HEADER] = {0};
	uint64_t t0 = now_ns();
	const char *step = "empty the slot";
	int r;

	memset(stats, 0, sizeof(*stats));
	if (machine->error)
		return fail(err, err_size, "cannot encode the machine's state: %s",
		            strerror(-machine->error));
	vdev_state_writer_init(&w);
	vdev_state_put_bytes(&w, STATE_MAGIC, 8);
	vdev_state_put_u32(&w, VMM_SNAPSHOT_FORMAT);
	vdev_state_put_u32(&w, SNAP_ARCH);
	vdev_state_put_u64(&w, t->generation);
	vdev_state_put_u64(&w, 0); /* payload length, patched below */
	vdev_state_put_u32(&w, 0); /* CRC, patched below */
	vdev_state_put_u32(&w, 0);
	put_conf(&w, conf);
	size_t mark = vdev_state_begin(&w, TAG_MACH, 1);
	vdev_state_put_bytes(&w, machine->buf, machine->len);
	vdev_state_end(&w, mark);
	if (w.error) {
		vdev_state_writer_free(&w);
		return fail(err, err_size, "cannot encode the snapshot: %s", strerror(-w.error));
	}
	put_le64(w.buf + 24, w.len - STATE_HEADER);
	put_le32(w.buf + 32, vmm_crc32(0, w.buf + STATE_HEADER, w.len - STATE_HEADER));

	/* 1. The slot stops being a snapshot before any of its bytes change. */
	r = ftruncate(t->state_fd, 0) < 0 || fsync(t->state_fd) < 0 ? -errno : 0;
	/* 2. Guest RAM, behind its header. */
	if (r == 0) {
		step = "write guest RAM";
		memcpy(mh, MEM_MAGIC, 8);
		put_le32(mh + 8, VMM_SNAPSHOT_FORMAT);
		put_le32(mh + 12, SNAP_ARCH);
		put_le64(mh + 16, t->generation);
		put_le64(mh + 24, vmem_map_save_size(mem));
		r = ftruncate(t->mem_fd, 0) < 0 ? -errno : 0;
		if (r == 0)
			r = write_full(t->mem_fd, mh, sizeof(mh), 0);
		if (r == 0)
			r = vmem_map_save(mem, t->mem_fd, VMM_SNAPSHOT_MEM_OFFSET, t->pagemap_fd,
			                  &stats->ram);
		if (r == 0 && fsync(t->mem_fd) < 0)
			r = -errno;
	}
	/* 3. The state file, last: the commit. */
	if (r == 0) {
		step = "write the state file";
		r = write_full(t->state_fd, w.buf, w.len, 0);
		if (r == 0 && fsync(t->state_fd) < 0)
			r = -errno;
	}
	stats->state_bytes = w.len;
	stats->write_ns = now_ns() - t0;
	vdev_state_writer_free(&w);
	if (r < 0) {
		/* Best effort: leave no state file that could pass for whole. */
		if (ftruncate(t->state_fd, 0) == 0)
			fsync(t->state_fd);
		return fail(err, err_size, "cannot write the snapshot to '%s' (%s): %s", t->dir,
		            step, strerror(-r));
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------------------- */

void vmm_snapshot_release(struct vmm_snapshot *s)
{
	if (!s)
		return;
	free(s->state);
	vmm_snapshot_conf_release(&s->conf);
	if (s->mem_fd >= 0)
		close(s->mem_fd);
	memset(s, 0, sizeof(*s));
	s->mem_fd = -1;
}

static int check_disks(const struct vmm_snapshot_conf *c, char *err, size_t err_size)
{
	for (uint32_t i = 0; i < c->num_disks; i++) {
		const struct vmm_snapshot_disk *d = &c->disks[i];
		struct vmm_snapshot_disk now = {0};
		if (disk_identity(d->path, &now, err, err_size) < 0)
			return -1;
		if (now.dev != d->dev || now.ino != d->ino)
			return fail(err, err_size,
			            "disk '%s' is another file than the one the snapshot used",
			            d->path);
		if (now.size != d->size || now.mtime_sec != d->mtime_sec ||
		    now.mtime_nsec != d->mtime_nsec)
			return fail(err, err_size,
			            "disk '%s' changed since the snapshot (size or modification "
			            "time): the guest's cached view of it would no longer match",
			            d->path);
	}
	return 0;
}

int vmm_snapshot_load(const char *dir, struct vmm_snapshot *s, char *err, size_t err_size)
{
	struct slot_read slots[2];
	char why[256];
	int dir_fd, pick;

	memset(s, 0, sizeof(*s));
	s->mem_fd = -1;
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return fail(err, err_size, "cannot open the snapshot folder '%s': %s", dir,
		            strerror(errno));
	pick = newest_slot(dir_fd, slots, true, why, sizeof(why));
	if (pick < 0) {
		close(dir_fd);
		if (pick == -2)
			return fail(err, err_size, "'%s' holds no complete snapshot", dir);
		return fail(err, err_size, "snapshot '%s': %s", dir, why);
	}
	s->slot = (char)('a' + pick);
	s->generation = slots[pick].generation;
	s->state = slots[pick].payload;
	s->state_len = slots[pick].payload_len;

	struct vdev_state_reader r, mach;
	uint32_t version;
	vdev_state_reader_init(&r, s->state, s->state_len);
	if (get_conf(&r, &s->conf) < 0 || vdev_state_open(&r, TAG_MACH, 1, &version, &mach) < 0) {
		fail(err, err_size, "snapshot '%s': %s", dir, vdev_state_why(&r));
		goto fail;
	}
	if (vdev_state_remaining(&r) != 0) {
		fail(err, err_size, "snapshot '%s': data after the last section", dir);
		goto fail;
	}
	/* The machine's sections, read by machine.c once the machine exists. */
	s->machine_off = (size_t)(mach.buf - s->state);
	s->machine_len = mach.len;

	/* The memory file: this snapshot's, whole. */
	s->mem_fd = openat(dir_fd, slot_names[pick][1], O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (s->mem_fd < 0) {
		fail(err, err_size, "snapshot '%s': cannot open %s: %s", dir, slot_names[pick][1],
		     strerror(errno));
		goto fail;
	}
	uint8_t mh[MEM_HEADER];
	struct stat st;
	s->ram_bytes = (uint64_t)s->conf.memory_mib << 20;
	if (fstat(s->mem_fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    read_full(s->mem_fd, mh, sizeof(mh), 0) < 0 || memcmp(mh, MEM_MAGIC, 8) != 0 ||
	    get_le32(mh + 8) != VMM_SNAPSHOT_FORMAT || get_le32(mh + 12) != SNAP_ARCH) {
		fail(err, err_size, "snapshot '%s': %s is not a cvmm memory file of this format",
		     dir, slot_names[pick][1]);
		goto fail;
	}
	if (get_le64(mh + 16) != s->generation) {
		fail(err, err_size,
		     "snapshot '%s': %s belongs to another snapshot (generation %llu, "
		     "the state file's is %llu)",
		     dir, slot_names[pick][1], (unsigned long long)get_le64(mh + 16),
		     (unsigned long long)s->generation);
		goto fail;
	}
	if (get_le64(mh + 24) != s->ram_bytes ||
	    (uint64_t)st.st_size != VMM_SNAPSHOT_MEM_OFFSET + s->ram_bytes) {
		fail(err, err_size, "snapshot '%s': %s holds %lld bytes, %llu expected: truncated",
		     dir, slot_names[pick][1], (long long)st.st_size,
		     (unsigned long long)(VMM_SNAPSHOT_MEM_OFFSET + s->ram_bytes));
		goto fail;
	}
	if (check_disks(&s->conf, why, sizeof(why)) < 0) {
		fail(err, err_size, "snapshot '%s': %s", dir, why);
		goto fail;
	}
	close(dir_fd);
	return 0;
fail:
	close(dir_fd);
	vmm_snapshot_release(s);
	return -1;
}
