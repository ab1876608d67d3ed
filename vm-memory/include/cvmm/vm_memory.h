/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm vm-memory: guest physical memory for a KVM virtual machine monitor.
 *
 * A guest memory map (struct vmem_map) holds regions (struct vmem_region), each one host
 * mapping of a range of guest physical addresses (GPAs) surrounded by PROT_NONE guard
 * pages, so that a host-side overrun faults instead of corrupting a neighbour. The map
 * translates GPAs to host addresses in O(log n) and offers checked access: byte ranges
 * (which may span regions that touch), typed little-endian loads and stores, volatile
 * copies, aligned atomics, zero-copy slices and transfers to and from file descriptors.
 * Every write path of this API marks the pages it wrote in the region's dirty bitmap
 * (when the region tracks dirty pages).
 *
 * Conventions
 *   - Functions returning int return 0 on success or a negative errno value. Functions
 *     returning ssize_t return a byte count or a negative errno value.
 *   - Errors of the access functions:
 *       -EFAULT     some byte of [gpa, gpa + len) is not inside a region;
 *       -EOVERFLOW  gpa + len wraps past 2^64 (never treated as a wrap-around);
 *       -EINVAL     a bad argument (NULL pointer, misaligned atomic, bad flags);
 *       -EACCES     a write to a read-only region (VMEM_REGION_READONLY).
 *     A failing access touches no guest memory: the whole range is checked first.
 *   - A zero-length access always succeeds and touches nothing, whatever its address.
 *   - Byte ranges may span several regions when each one ends exactly where the next
 *     begins; a range crossing a gap fails with -EFAULT. Slices and atomics never span
 *     regions.
 *   - Guest memory is little-endian; cvmm supports little-endian hosts only (x86_64 and
 *     aarch64), so the typed accessors below are plain loads and stores there.
 *
 * Thread safety
 *   All access functions (read, write, typed, atomic, slice, fd, dirty) may be called
 *   from any number of threads at once. Changing a map (vmem_map_insert, vmem_map_remove,
 *   vmem_map_add...) must not run concurrently with anything else on that map: the
 *   caller serialises it (regions of a running VM are set up before vCPUs start). Host
 *   pointers obtained from a map (slices, vmem_translate) stay valid until their region
 *   is removed from the map or the map is destroyed.
 */
#ifndef CVMM_VM_MEMORY_H
#define CVMM_VM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "cvmm vm-memory supports little-endian hosts only"
#endif

struct vmem_map;
struct vmem_region;

/* ------------------------------------------------------------------------------------- */
/* Regions                                                                                */
/* ------------------------------------------------------------------------------------- */

/* What backs a region's memory. */
enum vmem_backing {
	VMEM_BACKING_ANON = 0, /* anonymous memory (MAP_ANONYMOUS | MAP_NORESERVE) */
	VMEM_BACKING_MEMFD,    /* a new memfd of the region's size, created and owned by it */
	VMEM_BACKING_FD,       /* the caller's file (options.fd at options.fd_offset); the region
	                          keeps its own dup() of the descriptor; a private mapping
	                          gets MAP_NORESERVE, as anonymous memory does */
};

/* Region flags (struct vmem_region_options.flags, vmem_region_flags()). */
enum {
	/* MAP_SHARED instead of MAP_PRIVATE. Anonymous shared memory is shared with child
	   processes; a shared file mapping writes through to the file. Without this flag a
	   file-backed region is copy-on-write (restoring from a snapshot file). */
	VMEM_REGION_SHARED = 1u << 0,
	/* Back the region with huge pages (MAP_HUGETLB, the system's default huge page size;
	   for memfd backing, MFD_HUGETLB). GPA, size and fd_offset must then be multiples of
	   vmem_huge_page_size(). Fails with -ENOMEM when the system has no free huge pages. */
	VMEM_REGION_HUGETLB = 1u << 1,
	/* Ask for transparent huge pages (madvise(MADV_HUGEPAGE)); advisory, never fails. */
	VMEM_REGION_THP = 1u << 2,
	/* The host maps the region read-only (PROT_READ); this API refuses writes to it with
	   -EACCES. The embedder registers it with KVM_MEM_READONLY. */
	VMEM_REGION_READONLY = 1u << 3,
	/* Keep a dirty-page bitmap: every write through this API marks the pages it wrote.
	   The embedder registers the region with KVM_MEM_LOG_DIRTY_PAGES and merges KVM's log
	   with vmem_dirty_merge(). */
	VMEM_REGION_TRACK_DIRTY = 1u << 4,
};

/* How to create a region. Zero-initialise, then set what you need. */
struct vmem_region_options {
	uint64_t gpa;              /* first guest physical address; page-aligned */
	uint64_t size;             /* bytes; > 0, page-aligned, gpa + size <= 2^64 */
	uint32_t flags;            /* VMEM_REGION_* */
	enum vmem_backing backing; /* default VMEM_BACKING_ANON */
	int fd;                    /* VMEM_BACKING_FD: the file (regular files must be at
	                              least fd_offset + size long); else ignored */
	uint64_t fd_offset;        /* VMEM_BACKING_FD: page-aligned offset in the file */
	const char *name;          /* VMEM_BACKING_MEMFD: memfd name (NULL: "cvmm-guest-mem") */
};

/* Everything the embedder needs to register a region as a KVM memory slot. */
struct vmem_region_info {
	uint64_t gpa;       /* guest_phys_addr */
	uint64_t size;      /* memory_size */
	void *host;         /* userspace_addr (first byte of the region, after the guard) */
	uint32_t flags;     /* VMEM_REGION_* */
	uint32_t slot;      /* slot number given by the map (see vmem_map_insert) */
	int fd;             /* backing descriptor, or -1 for anonymous memory */
	uint64_t fd_offset; /* offset of the region in fd */
	size_t guard_size;  /* bytes of PROT_NONE guard on each side of host */
};

/* The host page size: the granularity of region alignment and of dirty bitmaps. */
size_t vmem_page_size(void);
/* The system's default huge page size (from /proc/meminfo; 2 MiB if unknown). */
size_t vmem_huge_page_size(void);

/* Creates a region: maps [guard | size bytes | guard] and records the options. The region
   belongs to the caller until it is inserted into a map. Errors: -EINVAL (alignment,
   zero size, gpa + size past 2^64, unknown flags or backing, file too short), -ENOMEM,
   or the errno of mmap/memfd_create/dup/fstat. */
int vmem_region_create(const struct vmem_region_options *opts, struct vmem_region **out);
/* Unmaps a region that is in no map and closes its descriptor. NULL is a no-op. */
void vmem_region_destroy(struct vmem_region *r);

uint64_t vmem_region_gpa(const struct vmem_region *r);
uint64_t vmem_region_size(const struct vmem_region *r);
/* Host address of the region's first byte. */
void *vmem_region_host(const struct vmem_region *r);
uint32_t vmem_region_flags(const struct vmem_region *r);
/* The map's slot number for this region (VMEM_NO_SLOT while in no map). */
#define VMEM_NO_SLOT UINT32_MAX
uint32_t vmem_region_slot(const struct vmem_region *r);
/* Backing descriptor (memfd or the region's dup of the caller's file), or -1. */
int vmem_region_fd(const struct vmem_region *r);
void vmem_region_get_info(const struct vmem_region *r, struct vmem_region_info *out);

/* ------------------------------------------------------------------------------------- */
/* The memory map                                                                         */
/* ------------------------------------------------------------------------------------- */

/* Creates an empty map. Errors: -ENOMEM, -EINVAL (out NULL). */
int vmem_map_create(struct vmem_map **out);
/* Destroys the map and every region in it. NULL is a no-op. */
void vmem_map_destroy(struct vmem_map *m);

/* Inserts a region; on success the map owns it and gives it the smallest slot number not
   used by another region of the map (0, 1, 2...). Errors: -EEXIST when it overlaps a
   region of the map, -EBUSY when it is already in a map, -ENOMEM. */
int vmem_map_insert(struct vmem_map *m, struct vmem_region *r);
/* Removes the region that starts at gpa. If out is not NULL the region is handed back to
   the caller (to destroy, or insert again), else it is destroyed. Error: -ENOENT. */
int vmem_map_remove(struct vmem_map *m, uint64_t gpa, struct vmem_region **out);
/* vmem_region_create + vmem_map_insert. If out is not NULL it receives the region, which
   the map owns. On failure nothing is left behind. */
int vmem_map_add(struct vmem_map *m, const struct vmem_region_options *opts,
                 struct vmem_region **out);
/* Shorthand: vmem_map_add of anonymous memory with the given flags. */
int vmem_map_add_anon(struct vmem_map *m, uint64_t gpa, uint64_t size, uint32_t flags);

/* Number of regions, and the i-th in ascending GPA order (NULL when i is out of range).
   This is how the embedder registers KVM memory slots:
     for (size_t i = 0; i < vmem_map_region_count(m); i++) {
             struct vmem_region_info ri;
             vmem_region_get_info(vmem_map_region_at(m, i), &ri);
             ... KVM_SET_USER_MEMORY_REGION(ri.slot, ri.gpa, ri.size, ri.host) ...
     } */
size_t vmem_map_region_count(const struct vmem_map *m);
struct vmem_region *vmem_map_region_at(const struct vmem_map *m, size_t i);
/* Calls fn for each region in ascending GPA order; stops at and returns the first
   non-zero value fn returns; 0 when all returned 0. */
int vmem_map_for_each(const struct vmem_map *m, int (*fn)(struct vmem_region *r, void *opaque),
                      void *opaque);
/* The region holding gpa, or NULL. O(log n). */
struct vmem_region *vmem_map_find(const struct vmem_map *m, uint64_t gpa);
/* One past the highest mapped GPA (0 for an empty map; 0 also if a region ends at 2^64,
   check vmem_map_region_count). */
uint64_t vmem_map_end(const struct vmem_map *m);

/* ------------------------------------------------------------------------------------- */
/* Translation and zero-copy slices                                                       */
/* ------------------------------------------------------------------------------------- */

/* Access wanted from a slice. */
enum {
	VMEM_ACCESS_READ = 1u << 0,
	VMEM_ACCESS_WRITE = 1u << 1, /* refused (-EACCES) for read-only regions */
};

/* A host view of [gpa, gpa + len) that lies wholly inside one region. */
struct vmem_slice {
	void *host;                 /* host address of gpa (NULL for an empty slice) */
	size_t len;                 /* bytes */
	uint64_t gpa;               /* guest address of host[0] */
	struct vmem_region *region; /* the region (NULL for an empty slice) */
};

/* Host address of [gpa, gpa + len) if that range lies wholly inside one region, else
   NULL. len 0 is treated as 1. The fastest translation; it does not check writability. */
void *vmem_translate(const struct vmem_map *m, uint64_t gpa, size_t len);

/* Fills out with a slice of [gpa, gpa + len), which must lie wholly inside one region
   (-EFAULT otherwise, even when the range spans two regions that touch). access is a
   mask of VMEM_ACCESS_*. len 0 gives an empty slice (host NULL) and succeeds.
   Writing through slice.host does NOT mark pages dirty: call vmem_slice_mark_dirty()
   after writing, or use vmem_slice_write(). */
int vmem_slice(const struct vmem_map *m, uint64_t gpa, size_t len, unsigned access,
               struct vmem_slice *out);
/* A sub-slice [off, off + len) of s. Errors: -EFAULT when it does not fit in s,
   -EOVERFLOW when off + len wraps. */
int vmem_slice_sub(const struct vmem_slice *s, size_t off, size_t len, struct vmem_slice *out);
/* Copies out of / into a slice at offset off, bounds-checked against the slice;
   vmem_slice_write marks the pages it wrote dirty. */
int vmem_slice_read(const struct vmem_slice *s, size_t off, void *buf, size_t len);
int vmem_slice_write(const struct vmem_slice *s, size_t off, const void *buf, size_t len);
/* Marks [off, off + len) of s dirty, after the caller wrote it through s->host. */
int vmem_slice_mark_dirty(const struct vmem_slice *s, size_t off, size_t len);

/* Little-endian loads and stores through host pointers (for example into a slice);
   unaligned addresses are fine. No bounds checks, no dirty marking. */
static inline uint16_t vmem_ld_le16(const void *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}
static inline uint32_t vmem_ld_le32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}
static inline uint64_t vmem_ld_le64(const void *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}
static inline void vmem_st_le16(void *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}
static inline void vmem_st_le32(void *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}
static inline void vmem_st_le64(void *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* ------------------------------------------------------------------------------------- */
/* Byte ranges                                                                            */
/* ------------------------------------------------------------------------------------- */

/* Copies len bytes at guest address gpa into buf (vmem_read) or buf into guest memory
   (vmem_write, which marks the pages dirty). The range may span regions that touch.
   All or nothing: on error no byte is copied. */
int vmem_read(const struct vmem_map *m, uint64_t gpa, void *buf, size_t len);
int vmem_write(const struct vmem_map *m, uint64_t gpa, const void *buf, size_t len);

/* Like vmem_read/vmem_write, but guest memory is accessed with volatile loads and
   stores: never elided, merged or repeated, and each naturally aligned 2-, 4- or 8-byte
   unit of guest memory is accessed by one load or store of that width (never torn).
   For memory a running guest may be changing under you. */
int vmem_read_volatile(const struct vmem_map *m, uint64_t gpa, void *buf, size_t len);
int vmem_write_volatile(const struct vmem_map *m, uint64_t gpa, const void *buf, size_t len);

/* Fills [gpa, gpa + len) with byte c (marks dirty). */
int vmem_fill(const struct vmem_map *m, uint64_t gpa, int c, size_t len);

/* Checks that [gpa, gpa + len) is wholly mapped (possibly across touching regions):
   0, -EFAULT or -EOVERFLOW. With write true, also -EACCES for read-only regions. */
int vmem_check_range(const struct vmem_map *m, uint64_t gpa, size_t len, bool write);

/* ------------------------------------------------------------------------------------- */
/* Typed little-endian access                                                             */
/* ------------------------------------------------------------------------------------- */

/* Load/store an integer stored little-endian at gpa. Any alignment; the value may span
   touching regions. Stores mark dirty. Errors as vmem_read/vmem_write. */
int vmem_read_u8(const struct vmem_map *m, uint64_t gpa, uint8_t *out);
int vmem_read_u16_le(const struct vmem_map *m, uint64_t gpa, uint16_t *out);
int vmem_read_u32_le(const struct vmem_map *m, uint64_t gpa, uint32_t *out);
int vmem_read_u64_le(const struct vmem_map *m, uint64_t gpa, uint64_t *out);
int vmem_write_u8(const struct vmem_map *m, uint64_t gpa, uint8_t v);
int vmem_write_u16_le(const struct vmem_map *m, uint64_t gpa, uint16_t v);
int vmem_write_u32_le(const struct vmem_map *m, uint64_t gpa, uint32_t v);
int vmem_write_u64_le(const struct vmem_map *m, uint64_t gpa, uint64_t v);

/* ------------------------------------------------------------------------------------- */
/* Atomics (ring indexes shared with running vCPUs)                                        */
/* ------------------------------------------------------------------------------------- */

/* Memory orders, as C11's. */
enum vmem_order {
	VMEM_RELAXED = 0,
	VMEM_ACQUIRE,
	VMEM_RELEASE,
	VMEM_ACQ_REL,
	VMEM_SEQ_CST,
};

/* Atomic access to a naturally aligned 1-, 2-, 4- or 8-byte little-endian integer at gpa
   (-EINVAL when misaligned; it can never span regions). Loads accept RELAXED, ACQUIRE
   and SEQ_CST; stores RELAXED, RELEASE and SEQ_CST; compare-exchange any order (its
   failure order is the strongest valid one not stronger than order). Stores, and
   compare-exchanges that succeed, mark the page dirty. */
int vmem_atomic_load_u8(const struct vmem_map *m, uint64_t gpa, uint8_t *out, enum vmem_order o);
int vmem_atomic_load_u16(const struct vmem_map *m, uint64_t gpa, uint16_t *out, enum vmem_order o);
int vmem_atomic_load_u32(const struct vmem_map *m, uint64_t gpa, uint32_t *out, enum vmem_order o);
int vmem_atomic_load_u64(const struct vmem_map *m, uint64_t gpa, uint64_t *out, enum vmem_order o);
int vmem_atomic_store_u8(const struct vmem_map *m, uint64_t gpa, uint8_t v, enum vmem_order o);
int vmem_atomic_store_u16(const struct vmem_map *m, uint64_t gpa, uint16_t v, enum vmem_order o);
int vmem_atomic_store_u32(const struct vmem_map *m, uint64_t gpa, uint32_t v, enum vmem_order o);
int vmem_atomic_store_u64(const struct vmem_map *m, uint64_t gpa, uint64_t v, enum vmem_order o);
/* If the value at gpa equals *expected, stores desired and returns 1; else writes the
   current value to *expected and returns 0. Negative errno on error. */
int vmem_atomic_cmpxchg_u8(const struct vmem_map *m, uint64_t gpa, uint8_t *expected,
                           uint8_t desired, enum vmem_order o);
int vmem_atomic_cmpxchg_u16(const struct vmem_map *m, uint64_t gpa, uint16_t *expected,
                            uint16_t desired, enum vmem_order o);
int vmem_atomic_cmpxchg_u32(const struct vmem_map *m, uint64_t gpa, uint32_t *expected,
                            uint32_t desired, enum vmem_order o);
int vmem_atomic_cmpxchg_u64(const struct vmem_map *m, uint64_t gpa, uint64_t *expected,
                            uint64_t desired, enum vmem_order o);
/* Atomically adds v to the value at gpa; *old (if not NULL) receives the previous value.
   Marks dirty. */
int vmem_atomic_fetch_add_u16(const struct vmem_map *m, uint64_t gpa, uint16_t v, uint16_t *old,
                              enum vmem_order o);
int vmem_atomic_fetch_add_u32(const struct vmem_map *m, uint64_t gpa, uint32_t v, uint32_t *old,
                              enum vmem_order o);
int vmem_atomic_fetch_add_u64(const struct vmem_map *m, uint64_t gpa, uint64_t v, uint64_t *old,
                              enum vmem_order o);
/* A memory fence of the given order (atomic_thread_fence), e.g. the full barrier a virtio
   device needs between publishing used->idx and reading avail_event. */
void vmem_fence(enum vmem_order o);

/* ------------------------------------------------------------------------------------- */
/* Transfers between guest memory and file descriptors (virtio-blk)                        */
/* ------------------------------------------------------------------------------------- */

/* Pass as offset to use (and advance) the descriptor's file position: read/write/readv/
   writev instead of pread/pwrite/preadv/pwritev. */
#define VMEM_FD_CUR ((off_t)-1)

/* A guest range, for the vectored transfers. */
struct vmem_range {
	uint64_t gpa;
	size_t len;
};

/* fd -> guest: reads up to len bytes from fd into [gpa, gpa + len), marking the bytes
   read dirty. guest -> fd: writes [gpa, gpa + len) to fd. offset is a file offset, or
   VMEM_FD_CUR. The guest range is checked whole before any I/O (it may span touching
   regions; -EFAULT, -EOVERFLOW, and -EACCES when reading into read-only memory). The call retries
   EINTR and short transfers until len bytes moved, end of file (reads), or an error; it returns the
   bytes moved, or -errno when the error came before any byte moved (so 0 only at end of file or for
   len 0). */
ssize_t vmem_read_from_fd(const struct vmem_map *m, uint64_t gpa, int fd, off_t offset, size_t len);
ssize_t vmem_write_to_fd(const struct vmem_map *m, uint64_t gpa, int fd, off_t offset, size_t len);
/* The same over a list of guest ranges, in order, as one vectored transfer (readv/writev
   or preadv/pwritev at offset): a virtio-blk request's data descriptors. All ranges are
   checked before any I/O (-EFAULT, -EOVERFLOW, -EACCES for reads into read-only
   memory). Returns the total bytes moved, or -errno as above. */
ssize_t vmem_readv_from_fd(const struct vmem_map *m, const struct vmem_range *ranges,
                           size_t nranges, int fd, off_t offset);
ssize_t vmem_writev_to_fd(const struct vmem_map *m, const struct vmem_range *ranges, size_t nranges,
                          int fd, off_t offset);

/* ------------------------------------------------------------------------------------- */
/* Guest RAM to a file and back (snapshots)                                               */
/* ------------------------------------------------------------------------------------- */
/*
 * A snapshot's memory file holds the map's regions back to back, in map order (region i
 * at offset + the sizes of the regions before it), as a sparse file: pages that hold only
 * zeros are holes, so they take no space. To restore, map each region from the file
 * privately (VMEM_BACKING_FD without VMEM_REGION_SHARED at its offset): nothing is read
 * until the guest touches a page, so restoring costs the same whatever the size of RAM,
 * and the guest's writes never reach the file.
 */

/* What vmem_map_save() did. */
struct vmem_save_stats {
	uint64_t ram_bytes;     /* bytes of guest RAM saved: the file's length past offset */
	uint64_t written_bytes; /* bytes written: the pages that hold data */
	uint64_t zero_pages;    /* pages read and found all zero: holes in the file */
	uint64_t absent_pages;  /* pages never touched, skipped without being read (needs
	                           pagemap_fd): anonymous pages neither present nor swapped,
	                           and pages of a file-backed private region that are neither
	                           and lie in a hole of its file */
};

/*
 * Writes every region of m to fd as above, starting at offset (page-aligned), and sets
 * the file's length to offset + the regions' sizes. The file must hold no data past
 * offset (for example just truncated to offset): the pages skipped are left as holes and
 * must read as zeros. The guest must not run meanwhile. Does not fsync.
 * pagemap_fd: /proc/self/pagemap, opened by the caller (read with pread), or -1. With
 * it, a page that the process never faulted in nor swapped out (the pagemap's present
 * and swapped bits) is known without reading it: all zeros for anonymous memory, its
 * file's content for a private file mapping. Without it (or where it cannot be read),
 * every page is read, which is right but touches all of guest RAM. (mincore() could not
 * do this: it calls a swapped-out page not resident, like one never touched.)
 * stats may be NULL. Returns 0, -EINVAL (NULL m, negative or unaligned offset), or -errno
 * of a write or ftruncate (for example -ENOSPC), when the file is incomplete.
 */
int vmem_map_save(const struct vmem_map *m, int fd, off_t offset, int pagemap_fd,
                  struct vmem_save_stats *stats);

/* The bytes vmem_map_save() saves after offset: the sum of the regions' sizes. */
uint64_t vmem_map_save_size(const struct vmem_map *m);

/* ------------------------------------------------------------------------------------- */
/* Dirty-page tracking                                                                    */
/* ------------------------------------------------------------------------------------- */
/*
 * A region created with VMEM_REGION_TRACK_DIRTY has one bit per host page
 * (vmem_page_size()): bit (i % 64) of 64-bit word (i / 64) stands for the page at
 * region GPA + i * page size. That is the layout of KVM_GET_DIRTY_LOG's bitmap on 64-bit
 * hosts. Bits are set with atomic operations, safe from many threads. On regions without
 * tracking these functions do nothing and return 0 (vmem_dirty_test returns false).
 */

/* Words of a region's dirty bitmap (0 without tracking): ceil(pages / 64). */
size_t vmem_dirty_bitmap_words(const struct vmem_region *r);
/* Marks [gpa, gpa + len) dirty, after writing through a host pointer. The range may span
   touching regions; errors as vmem_check_range. */
int vmem_dirty_mark(const struct vmem_map *m, uint64_t gpa, size_t len);
/* Whether the page holding gpa is marked dirty. */
bool vmem_dirty_test(const struct vmem_map *m, uint64_t gpa);
/* Atomically takes the region's bitmap: copies it into out (nwords words, at least
   vmem_dirty_bitmap_words(r); words past the bitmap are zeroed; out may be NULL to just
   clear) and clears it. Bits set concurrently are either returned now or kept for the
   next call, never lost. Error: -EINVAL when nwords is too small. */
int vmem_dirty_get_and_reset(struct vmem_region *r, uint64_t *out, size_t nwords);
/* ORs a KVM dirty log bitmap of this region's slot (KVM_GET_DIRTY_LOG, nwords 64-bit words,
   at least vmem_dirty_bitmap_words(r)) into the region's bitmap, so that one
   vmem_dirty_get_and_reset returns pages dirtied by the guest and by the VMM.
   Bits past the region's last page are ignored. Error: -EINVAL when nwords is too small. */
int vmem_dirty_merge(struct vmem_region *r, const uint64_t *kvm_bitmap, size_t nwords);
/* Number of dirty pages in the region. */
size_t vmem_dirty_count(const struct vmem_region *r);
/* Clears the dirty bitmaps of every region in the map. */
void vmem_dirty_reset_all(const struct vmem_map *m);

#ifdef __cplusplus
}
#endif

#endif /* CVMM_VM_MEMORY_H */
