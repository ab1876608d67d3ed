/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm devices, virtio part: the virtio-mmio transport (version 2, VIRTIO 1.x), split
 * virtqueues, and three devices: virtio-blk on a raw image file, virtio-rng and
 * virtio-net on a frame backend (a tap device or a datagram socket).
 *
 * Layers
 *   - struct vdev_virtq: one split virtqueue in guest memory. It pops descriptor chains
 *     from the available ring (validating every index, address, length and flag the guest
 *     wrote), copies bytes out of / into a chain, and pushes used elements. All guest
 *     memory is reached through cvmm vm-memory (checked, overflow-safe).
 *   - struct vdev_virtio_device: what a device model offers a transport (id, features,
 *     queues, config space, activate/reset/process callbacks). virtio-blk and virtio-rng
 *     are such devices; an embedder can write its own.
 *   - struct vdev_virtio_mmio: the virtio-mmio register window for one device, to insert
 *     on an MMIO bus (vdev_virtio_mmio_ops()). It negotiates features, sets up queues,
 *     validates the driver's status transitions and raises the interrupt through a
 *     struct vdev_irq from <cvmm/devices.h>.
 *
 * A guest that breaks the rules (a malformed descriptor chain, an avail index running
 * ahead of the ring, a queue placed outside guest RAM) never makes these functions touch
 * memory outside guest RAM or crash: the offending request is refused and the device
 * sets DEVICE_NEEDS_RESET in its status (with a configuration change interrupt when the
 * driver is already running), then processes nothing until the driver resets it.
 *
 * Thread safety
 *   - A transport (vdev_virtio_mmio_*) has its own lock: register accesses from several
 *     vCPU threads and vdev_virtio_mmio_process_queue() from an event loop (ioeventfd) may
 *     run at the same time. A device's callbacks are called with that lock held, so one
 *     device is never entered twice at once; the interrupt callbacks too (they must not
 *     call back into the transport).
 *   - A struct vdev_virtq is not locked: its user (normally the transport) serialises it.
 *   - vdev_virtio_blk_* and vdev_virtio_rng_* objects are used through their transport;
 *     their own accessors (capacity, device) may be called from any thread.
 */
#ifndef CVMM_VIRTIO_H
#define CVMM_VIRTIO_H

#include <cvmm/devices.h>
#include <cvmm/vm_memory.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------
 * Vocabulary (VIRTIO 1.x)
 * ------------------------------------------------------------------------------------- */

/* Device types. */
#define VDEV_VIRTIO_ID_NET 1u
#define VDEV_VIRTIO_ID_BLOCK 2u
#define VDEV_VIRTIO_ID_RNG 4u

/* Transport feature bit numbers. */
#define VDEV_VIRTIO_F_INDIRECT_DESC 28u
#define VDEV_VIRTIO_F_EVENT_IDX 29u
#define VDEV_VIRTIO_F_VERSION_1 32u

/* Device status bits. */
#define VDEV_VIRTIO_STATUS_ACKNOWLEDGE 0x01u
#define VDEV_VIRTIO_STATUS_DRIVER 0x02u
#define VDEV_VIRTIO_STATUS_DRIVER_OK 0x04u
#define VDEV_VIRTIO_STATUS_FEATURES_OK 0x08u
#define VDEV_VIRTIO_STATUS_NEEDS_RESET 0x40u
#define VDEV_VIRTIO_STATUS_FAILED 0x80u

/* InterruptStatus bits. */
#define VDEV_VIRTIO_INT_VRING 0x1u
#define VDEV_VIRTIO_INT_CONFIG 0x2u

/* virtio-mmio register offsets (version 2). */
#define VDEV_VIRTIO_MMIO_MAGIC_VALUE 0x000u /* "virt" = 0x74726976 */
#define VDEV_VIRTIO_MMIO_VERSION 0x004u
#define VDEV_VIRTIO_MMIO_DEVICE_ID 0x008u
#define VDEV_VIRTIO_MMIO_VENDOR_ID 0x00cu
#define VDEV_VIRTIO_MMIO_DEVICE_FEATURES 0x010u
#define VDEV_VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014u
#define VDEV_VIRTIO_MMIO_DRIVER_FEATURES 0x020u
#define VDEV_VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024u
#define VDEV_VIRTIO_MMIO_QUEUE_SEL 0x030u
#define VDEV_VIRTIO_MMIO_QUEUE_NUM_MAX 0x034u
#define VDEV_VIRTIO_MMIO_QUEUE_NUM 0x038u
#define VDEV_VIRTIO_MMIO_QUEUE_READY 0x044u
#define VDEV_VIRTIO_MMIO_QUEUE_NOTIFY 0x050u
#define VDEV_VIRTIO_MMIO_INTERRUPT_STATUS 0x060u
#define VDEV_VIRTIO_MMIO_INTERRUPT_ACK 0x064u
#define VDEV_VIRTIO_MMIO_STATUS 0x070u
#define VDEV_VIRTIO_MMIO_QUEUE_DESC_LOW 0x080u
#define VDEV_VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084u
#define VDEV_VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090u
#define VDEV_VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094u
#define VDEV_VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0u
#define VDEV_VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4u
#define VDEV_VIRTIO_MMIO_SHM_SEL 0x0acu
#define VDEV_VIRTIO_MMIO_SHM_LEN_LOW 0x0b0u
#define VDEV_VIRTIO_MMIO_SHM_LEN_HIGH 0x0b4u
#define VDEV_VIRTIO_MMIO_SHM_BASE_LOW 0x0b8u
#define VDEV_VIRTIO_MMIO_SHM_BASE_HIGH 0x0bcu
#define VDEV_VIRTIO_MMIO_CONFIG_GENERATION 0x0fcu
#define VDEV_VIRTIO_MMIO_CONFIG 0x100u
#define VDEV_VIRTIO_MMIO_MAGIC 0x74726976u
/* Size of the register window to insert on the bus (and to put in the FDT "reg"). */
#define VDEV_VIRTIO_MMIO_SIZE 0x200u
/* Vendor id the transport reports ("CVMM" is not registered: any value is allowed). */
#define VDEV_VIRTIO_MMIO_VENDOR 0x4d4d5643u

/* ---------------------------------------------------------------------------------------
 * Split virtqueue
 * ------------------------------------------------------------------------------------- */

/* Descriptor flags. */
#define VDEV_VIRTQ_DESC_F_NEXT 1u
#define VDEV_VIRTQ_DESC_F_WRITE 2u
#define VDEV_VIRTQ_DESC_F_INDIRECT 4u
/* Available ring flag: the driver asks for no used buffer notifications. */
#define VDEV_VIRTQ_AVAIL_F_NO_INTERRUPT 1u
/* Used ring flag: the device asks for no available buffer notifications (kicks). */
#define VDEV_VIRTQ_USED_F_NO_NOTIFY 1u
/* Largest queue size VIRTIO allows. */
#define VDEV_VIRTQ_MAX_SIZE 32768u
/* A chain (its direct descriptors plus an indirect table) may hold at most
   max(queue size, VDEV_VIRTQ_MIN_CHAIN) descriptors. */
#define VDEV_VIRTQ_MIN_CHAIN 256u

/* Where the driver placed a queue, as written to the transport's registers. */
struct vdev_virtq_layout {
	uint16_t size;  /* number of descriptors: a power of 2, 1..max size */
	uint64_t desc;  /* descriptor table, 16-byte aligned, 16 * size bytes */
	uint64_t avail; /* available ring ("driver area"), 2-byte aligned, 6 + 2 * size */
	uint64_t used;  /* used ring ("device area"), 4-byte aligned, 6 + 8 * size, writable */
};

/* One buffer of a chain: [gpa, gpa + len) of guest memory, already checked to be mapped
   (and writable when write is true). */
struct vdev_virtq_seg {
	uint64_t gpa;
	uint32_t len;
	bool write; /* device-writable */
};

/*
 * A descriptor chain popped from the available ring. Device-readable segments come first
 * (segs[0..nreadable)), then the device-writable ones (segs[nreadable..nsegs)); a chain
 * whose readable descriptors follow a writable one is refused. segs points into the
 * queue and stays valid until the next vdev_virtq_pop() or vdev_virtq_disable().
 */
struct vdev_virtq_chain {
	uint16_t head; /* descriptor index to give back with vdev_virtq_push() */
	uint32_t nsegs;
	uint32_t nreadable;
	uint64_t read_len;  /* total bytes of the readable segments */
	uint64_t write_len; /* total bytes of the writable segments */
	const struct vdev_virtq_seg *segs;
};

struct vdev_virtq;

/*
 * vdev_virtq_create: a disabled virtqueue over guest memory mem that accepts sizes up to
 * max_size. mem must outlive the queue.
 * Returns 0 and *out; -EINVAL (NULL argument, max_size 0 or above VDEV_VIRTQ_MAX_SIZE),
 * -ENOMEM.
 */
int vdev_virtq_create(const struct vmem_map *mem, uint16_t max_size, struct vdev_virtq **out);

/* vdev_virtq_destroy: frees the queue. NULL is accepted. */
void vdev_virtq_destroy(struct vdev_virtq *q);

/*
 * vdev_virtq_check_layout: whether layout is a valid split queue in mem for a queue of at
 * most max_size entries: size a power of 2 in 1..max_size, areas aligned, each area wholly
 * inside guest RAM without address overflow, the used ring writable.
 * Returns 0; -EINVAL (size or alignment), -EFAULT / -EOVERFLOW / -EACCES (placement).
 */
int vdev_virtq_check_layout(const struct vmem_map *mem, uint16_t max_size,
                            const struct vdev_virtq_layout *layout);

/*
 * vdev_virtq_enable: starts using the queue at layout (checked as by
 * vdev_virtq_check_layout) with the negotiated features (bit n = feature n; only
 * VDEV_VIRTIO_F_INDIRECT_DESC and VDEV_VIRTIO_F_EVENT_IDX matter here). The next
 * available and used indexes restart at 0. Returns 0 or the check's error (the queue then
 * stays disabled).
 */
int vdev_virtq_enable(struct vdev_virtq *q, const struct vdev_virtq_layout *layout,
                      uint64_t features);

/* vdev_virtq_disable: stops using the queue (a reset). */
void vdev_virtq_disable(struct vdev_virtq *q);

/* vdev_virtq_enabled: whether the queue is enabled (false for NULL). */
bool vdev_virtq_enabled(const struct vdev_virtq *q);

/* vdev_virtq_size: the enabled queue's size (0 when disabled). */
uint16_t vdev_virtq_size(const struct vdev_virtq *q);

/*
 * vdev_virtq_pop: takes the next chain the driver made available, if any, and checks it:
 * head and next indexes below the queue size, no loop and no chain longer than allowed,
 * indirect descriptors only when negotiated, never chained with NEXT, never nested, a
 * non-empty table of whole descriptors; every buffer wholly inside guest RAM without
 * overflow (and writable for device-writable ones); readable before writable.
 * Returns 1 and *chain; 0 when the ring is empty; -EBADMSG when the driver broke the rules
 * (a bad chain, or an avail index more than the queue size ahead): the queue is then left
 * as it was and the device should be marked DEVICE_NEEDS_RESET; -EFAULT when the rings
 * themselves cannot be read; -EINVAL (NULL argument, queue disabled).
 * Notification suppression comes with it: taking a chain tells the driver not to kick
 * (VDEV_VIRTQ_USED_F_NO_NOTIFY; with VDEV_VIRTIO_F_EVENT_IDX, avail_event left behind),
 * and finding the ring empty asks for kicks again and looks once more (after a full
 * fence), so no chain is missed. The device's side of the bargain: a device that stops
 * taking chains while some are left must have its own reason to come back (a budget
 * spent, see below; a backend that will report room), as no kick will come for them.
 */
int vdev_virtq_pop(struct vdev_virtq *q, struct vdev_virtq_chain *chain);

/*
 * vdev_virtq_chain_read: copies up to len bytes of the chain's readable part, starting
 * at byte offset off of that part, into buf.
 * Returns the bytes copied (less than len when the readable part ends first, 0 when off
 * is at or past its end); -EINVAL (NULL argument); a vm-memory error.
 */
ssize_t vdev_virtq_chain_read(const struct vdev_virtq *q, const struct vdev_virtq_chain *chain,
                              uint64_t off, void *buf, size_t len);

/*
 * vdev_virtq_chain_write: copies up to len bytes of buf into the chain's writable part at
 * byte offset off of that part. Returns the bytes copied (short at the end of the
 * writable part); -EINVAL; a vm-memory error.
 */
ssize_t vdev_virtq_chain_write(const struct vdev_virtq *q, const struct vdev_virtq_chain *chain,
                               uint64_t off, const void *buf, size_t len);

/*
 * vdev_virtq_chain_ranges: describes [off, off + len) of the chain's readable part
 * (write false) or writable part (write true) as guest ranges, for vm-memory's vectored
 * fd transfers. Fills at most max entries of ranges.
 * Returns the number of ranges; -ERANGE when [off, off + len) is not inside that part,
 * -ENOSPC when more than max ranges are needed, -EINVAL.
 */
int vdev_virtq_chain_ranges(const struct vdev_virtq_chain *chain, bool write, uint64_t off,
                            uint64_t len, struct vmem_range *ranges, size_t max);

/*
 * vdev_virtq_push: returns chain head to the driver through the used ring, with len the
 * number of bytes the device wrote into it, and publishes the new used index (with
 * release ordering, after the element).
 * Returns 0; -EINVAL (NULL, disabled, head out of range); a vm-memory error.
 */
int vdev_virtq_push(struct vdev_virtq *q, uint16_t head, uint32_t len);

/*
 * vdev_virtq_should_notify: whether the driver wants a used buffer notification for the
 * elements pushed since the last call (false when none were pushed, or when the driver
 * set VDEV_VIRTQ_AVAIL_F_NO_INTERRUPT; with VDEV_VIRTIO_F_EVENT_IDX, true when its
 * used_event lies among the elements pushed since the last decision, and always for the
 * first decision after enabling or vdev_virtq_set_indexes()). Resets the "pushed" record.
 */
bool vdev_virtq_should_notify(struct vdev_virtq *q);

/*
 * Work budget. A driver can keep adding chains while the device works (another vCPU, or
 * a device write that lands on the queue's own rings), so a loop "pop until empty" may
 * never end. Whoever drives a queue gives each call a budget: after that many chains
 * vdev_virtq_pop() returns 0 as if the ring were empty, and the caller schedules another
 * call for the rest (vdev_virtq_has_available()) after serving its other work.
 *   vdev_virtq_set_budget: the next pops take at most chains chains (VDEV_VIRTQ_UNLIMITED,
 *                          the default of a new queue: no limit).
 *   vdev_virtq_budget:     what is left of it (0 for NULL).
 *   vdev_virtq_has_available: whether the driver has made chains available that the
 *                          device has not taken (false when disabled or unreadable).
 * The virtio-mmio transport gives every process() call a budget of the queue's size.
 */
#define VDEV_VIRTQ_UNLIMITED UINT32_MAX
void vdev_virtq_set_budget(struct vdev_virtq *q, uint32_t chains);
uint32_t vdev_virtq_budget(const struct vdev_virtq *q);
bool vdev_virtq_has_available(const struct vdev_virtq *q);

/* vdev_virtq_mem: the guest memory the queue was created over (NULL for NULL). */
const struct vmem_map *vdev_virtq_mem(const struct vdev_virtq *q);

/*
 * vdev_virtq_unpop: gives the last n chains vdev_virtq_pop() took, and that were not
 * pushed, back to the available side: the next pops return them again (a receive path
 * that took buffers for a frame and found them too few). Gives their budget back.
 * Returns 0; -EINVAL (NULL, disabled, n more than the chains taken and not pushed).
 */
int vdev_virtq_unpop(struct vdev_virtq *q, uint16_t n);

/* One used ring element: a chain head and the bytes the device wrote into it. */
struct vdev_virtq_used_elem {
	uint16_t head;
	uint32_t len;
};

/*
 * vdev_virtq_push_many: vdev_virtq_push() of n elements at once, with the used index
 * published once, after all of them: the driver sees the n chains together (a frame
 * spread over several receive buffers). Returns 0; -EINVAL (NULL, disabled, a head out
 * of range: nothing is published); a vm-memory error.
 */
int vdev_virtq_push_many(struct vdev_virtq *q, const struct vdev_virtq_used_elem *elems,
                         uint16_t n);

/* vdev_virtq_last_avail / vdev_virtq_next_used: the device's ring positions (free-running
   16-bit indexes), for tests and for saving state. */
uint16_t vdev_virtq_last_avail(const struct vdev_virtq *q);
uint16_t vdev_virtq_next_used(const struct vdev_virtq *q);

/*
 * vdev_virtq_set_indexes: sets an enabled queue's ring positions (restoring saved state;
 * vdev_virtq_enable() starts them at 0). The chains taken and not yet returned,
 * last_avail - next_used (mod 2^16), may be at most the queue's size.
 * Returns 0; -EINVAL (q NULL, disabled, too many chains in flight).
 */
int vdev_virtq_set_indexes(struct vdev_virtq *q, uint16_t last_avail, uint16_t next_used);

/*
 * vdev_virtq_error: why the last vdev_virtq_pop() refused the driver's ring (-EBADMSG or
 * -EFAULT), as a short static string ("descriptor loop", "buffer outside guest RAM"...);
 * NULL when it did not (or for NULL). Cleared by the next pop, enable and disable.
 */
const char *vdev_virtq_error(const struct vdev_virtq *q);

/* ---------------------------------------------------------------------------------------
 * Device models
 * ------------------------------------------------------------------------------------- */

/*
 * What a virtio device offers a transport. The transport copies the struct at creation;
 * ctx must outlive the transport. Every callback is called with the transport's lock held.
 *   device_id       VDEV_VIRTIO_ID_*.
 *   features        device feature bits (bit n = feature n). The transport adds
 *                   VERSION_1 and INDIRECT_DESC itself.
 *   num_queues      1..8 queues, each with queue_max_size (1..VDEV_VIRTQ_MAX_SIZE,
 *                   a power of 2) as QueueNumMax.
 *   config_size     bytes of device configuration space (at most 0x100).
 *   config_read     fill data[0..size) from config offset off (off + size <= config_size).
 *   config_write    a driver write into config space (NULL: writes are ignored).
 *   activate        DRIVER_OK was set; features are the negotiated ones. An error marks
 *                   the device DEVICE_NEEDS_RESET. May be NULL.
 *   reset           the driver reset the device (status 0). May be NULL.
 *   process         handle what the driver made available on queue index: pop, handle,
 *                   push, until vdev_virtq_pop() returns 0 (the ring is empty, or this
 *                   call's budget is spent: the transport calls again for the rest), and
 *                   nothing else without bound. Returns >= 0, or -EBADMSG (the driver broke the
 * rules: the transport sets DEVICE_NEEDS_RESET) or another negative errno (a host failure: the
 * transport also sets DEVICE_NEEDS_RESET).
 */
struct vdev_virtio_device {
	uint32_t device_id;
	uint64_t features;
	uint16_t num_queues;
	uint16_t queue_max_size;
	uint32_t config_size;
	void *ctx;
	int (*config_read)(void *ctx, uint32_t off, uint8_t *data, uint32_t size);
	int (*config_write)(void *ctx, uint32_t off, const uint8_t *data, uint32_t size);
	int (*activate)(void *ctx, uint64_t features);
	void (*reset)(void *ctx);
	int (*process)(void *ctx, uint16_t index, struct vdev_virtq *q);
};

#define VDEV_VIRTIO_MAX_QUEUES 8u

/* ---------------------------------------------------------------------------------------
 * virtio-mmio transport
 * ------------------------------------------------------------------------------------- */

struct vdev_virtio_mmio;

/*
 * Configuration of a transport.
 *   mem          guest memory (outlives the transport).
 *   irq          the device's interrupt line: asserted while InterruptStatus is non-zero,
 *                deasserted when the driver acknowledges the last bit (level-triggered,
 *                as the virtio-mmio binding of Linux expects).
 *   device       the device model.
 *   needs_reset  optional: called when the transport sets DEVICE_NEEDS_RESET (VIRTIO 1.2
 *                2.1.2: the device gave up until the driver resets it), once per time it
 *                is set (a reset clears it, a new refusal calls again). queue is the
 *                queue index concerned, or -1 when none (activation failed); reason is
 *                a short static string: "queue refused at QueueReady", a virtqueue
 *                error (vdev_virtq_error(), e.g. "descriptor loop"), "malformed request"
 *                (a chain the device model refused), "device error" (a host failure),
 *                "activation failed". Called with the transport's lock held, on the
 *                thread that caused it (a vCPU thread, or the one calling
 *                vdev_virtio_mmio_process_queue()): it must not call back into the
 *                transport, and should be quick (a guest can cause it at will: rate-limit
 *                any logging).
 *   needs_reset_ctx  passed to needs_reset.
 *   work_left    called when a call that processed queue (a QueueNotify write, or
 *                vdev_virtio_mmio_process_queue()) stopped at its budget, the queue's
 *                size in chains, while the driver still had chains available: the
 *                embedder arranges for vdev_virtio_mmio_process_queue(queue) to run again
 *                after its other pending work (vmm-ref signals the queue's ioeventfd, so
 *                its event loop serves signals, the console and the other devices in
 *                between). Called with the transport's lock held: it must not call back
 *                into the transport. NULL: the rest waits for the next QueueNotify or
 *                vdev_virtio_mmio_process_queue() call (vdev_virtio_mmio_work_left()
 *                says whether there is any).
 *   work_left_ctx    passed to work_left.
 */
struct vdev_virtio_mmio_config {
	const struct vmem_map *mem;
	struct vdev_irq irq;
	struct vdev_virtio_device device;
	void (*needs_reset)(void *ctx, int queue, const char *reason);
	void *needs_reset_ctx;
	void (*work_left)(void *ctx, uint16_t queue);
	void *work_left_ctx;
};

/* vdev_virtio_mmio_create: a transport in its reset state. Returns 0 and *out; -EINVAL
 * (NULL argument, mem NULL, a device field out of range, process or config_read NULL),
 * -ENOMEM. */
int vdev_virtio_mmio_create(const struct vdev_virtio_mmio_config *cfg,
                            struct vdev_virtio_mmio **out);

/* vdev_virtio_mmio_destroy: frees the transport (NULL accepted); not the device. It must
 * not be on a bus any more. */
void vdev_virtio_mmio_destroy(struct vdev_virtio_mmio *t);

/* vdev_virtio_mmio_ops: the bus operations; insert with ctx = the transport and
 * len = VDEV_VIRTIO_MMIO_SIZE. */
const struct vdev_ops *vdev_virtio_mmio_ops(void);

/*
 * vdev_virtio_mmio_read / vdev_virtio_mmio_write: a guest access at offset of size 1, 2,
 * 4 or 8 bytes. Registers below VDEV_VIRTIO_MMIO_CONFIG take aligned 32-bit accesses only
 * (others read 0 and are ignored, as the spec allows); config space takes any size inside
 * it. A write to QueueNotify processes that queue at once (when no ioeventfd took it).
 * Returns 0; -EINVAL (NULL argument, bad size).
 */
int vdev_virtio_mmio_read(struct vdev_virtio_mmio *t, uint64_t offset, uint8_t *data,
                          uint32_t size);
int vdev_virtio_mmio_write(struct vdev_virtio_mmio *t, uint64_t offset, const uint8_t *data,
                           uint32_t size);

/*
 * vdev_virtio_mmio_process_queue: what a QueueNotify write of index does, for an embedder
 * that routes QueueNotify to an ioeventfd (KVM_IOEVENTFD at base + 0x50, datamatch index)
 * and calls this when it fires. Does nothing unless the driver is running (DRIVER_OK,
 * no DEVICE_NEEDS_RESET) and the queue is ready. Processes at most the queue's size in
 * chains (see work_left in struct vdev_virtio_mmio_config for the rest).
 * Returns the device's process result (>= 0), 0 when nothing was done; -EINVAL (t NULL,
 * index out of range); a negative errno when the device failed (it is then marked
 * DEVICE_NEEDS_RESET).
 */
int vdev_virtio_mmio_process_queue(struct vdev_virtio_mmio *t, uint16_t index);

/*
 * vdev_virtio_mmio_work_left: whether the last call that processed queue index stopped
 * at its budget with chains still available (and none has run since). false for NULL or
 * an index out of range.
 */
bool vdev_virtio_mmio_work_left(struct vdev_virtio_mmio *t, uint16_t index);

/*
 * vdev_virtio_mmio_config_changed: the device's configuration changed (e.g. a resized
 * disk): bumps ConfigGeneration and, when the driver is running, raises a configuration
 * change interrupt. Returns 0; -EINVAL.
 */
int vdev_virtio_mmio_config_changed(struct vdev_virtio_mmio *t);

/* vdev_virtio_mmio_status: the device status register (0 for NULL). */
uint32_t vdev_virtio_mmio_status(struct vdev_virtio_mmio *t);

/* vdev_virtio_mmio_driver_features: the features the driver accepted (valid once
 * FEATURES_OK is set; 0 for NULL). */
uint64_t vdev_virtio_mmio_driver_features(struct vdev_virtio_mmio *t);

/* vdev_virtio_mmio_irq_replay: if the line is asserted, deassert and assert it again (for
 * interrupt controllers that lose a pending level across a guest suspend). Returns 0;
 * -EINVAL. */
int vdev_virtio_mmio_irq_replay(struct vdev_virtio_mmio *t);

/*
 * vdev_virtio_mmio_save / vdev_virtio_mmio_restore: the transport's state (section "VMIO",
 * version 1), with the contract of <cvmm/devices.h> (its device state section): what
 * identifies the device (id, queues, QueueNumMax, config size, features offered), the
 * status, the features the driver wrote, the feature, queue and shared memory selectors,
 * InterruptStatus, ConfigGeneration, and for each queue its size, QueueReady, its three
 * areas and the device's ring positions (last_avail, next_used: the indexes continue
 * where they were). The rings themselves are in guest RAM, which the embedder saves and
 * restores: mem must hold the guest's RAM, at the same addresses, before the restore.
 * The device model saves its own state (vdev_virtio_blk_save(), ...).
 *
 * Restore checks everything as the registers would have when the driver wrote them: the
 * device must be the saved one (the same identity and features offered); status bits
 * known and in the initialisation order (DRIVER after ACKNOWLEDGE, FEATURES_OK after
 * DRIVER, DRIVER_OK and DEVICE_NEEDS_RESET after FEATURES_OK); features acked only once
 * DRIVER, and with FEATURES_OK a subset of those offered with VERSION_1; InterruptStatus
 * bits known and only once DRIVER_OK; a ready queue only after FEATURES_OK, with a size a
 * power of two at most QueueNumMax, its rings aligned and in guest RAM (the used ring
 * writable) as vdev_virtq_check_layout() has it, and at most its size in chains taken and
 * not returned; a queue not ready with both ring positions 0 (its other registers are
 * checked when the driver sets QueueReady, as always).
 *
 * Applying it calls the device model's reset callback (whatever it did before is over)
 * and, when the status has DRIVER_OK without DEVICE_NEEDS_RESET, its activate callback
 * with the features acked, as the driver's DRIVER_OK did; if the device refuses, the
 * restore fails and the transport is left reset. No interrupt callback is called: the
 * embedder calls vdev_virtio_mmio_irq_replay() afterwards. Chains the driver made
 * available but whose notification the saved process never served are not lost: after
 * the restore, the embedder calls vdev_virtio_mmio_process_queue() for each queue once.
 * Not saved: the record of a call that stopped at its budget (that extra call serves it).
 */
int vdev_virtio_mmio_save(const struct vdev_virtio_mmio *t, struct vdev_state_writer *w);
int vdev_virtio_mmio_restore(struct vdev_virtio_mmio *t, struct vdev_state_reader *r);

/* ---------------------------------------------------------------------------------------
 * virtio-blk
 * ------------------------------------------------------------------------------------- */

/* Feature bits. */
#define VDEV_VIRTIO_BLK_F_SIZE_MAX 1u
#define VDEV_VIRTIO_BLK_F_SEG_MAX 2u
#define VDEV_VIRTIO_BLK_F_RO 5u
#define VDEV_VIRTIO_BLK_F_BLK_SIZE 6u
#define VDEV_VIRTIO_BLK_F_FLUSH 9u
#define VDEV_VIRTIO_BLK_F_DISCARD 13u
#define VDEV_VIRTIO_BLK_F_WRITE_ZEROES 14u
/* Request types and status values. */
#define VDEV_VIRTIO_BLK_T_IN 0u
#define VDEV_VIRTIO_BLK_T_OUT 1u
#define VDEV_VIRTIO_BLK_T_FLUSH 4u
#define VDEV_VIRTIO_BLK_T_GET_ID 8u
#define VDEV_VIRTIO_BLK_T_DISCARD 11u
#define VDEV_VIRTIO_BLK_T_WRITE_ZEROES 13u
#define VDEV_VIRTIO_BLK_S_OK 0u
#define VDEV_VIRTIO_BLK_S_IOERR 1u
#define VDEV_VIRTIO_BLK_S_UNSUPP 2u
#define VDEV_VIRTIO_BLK_ID_BYTES 20u
#define VDEV_VIRTIO_BLK_SECTOR_SIZE 512u
/* Discard / write-zeroes segment flag. */
#define VDEV_VIRTIO_BLK_WZ_F_UNMAP 1u
/* Configuration space offsets (struct virtio_blk_config). */
#define VDEV_VIRTIO_BLK_CFG_CAPACITY 0u
#define VDEV_VIRTIO_BLK_CFG_SIZE_MAX 8u
#define VDEV_VIRTIO_BLK_CFG_SEG_MAX 12u
#define VDEV_VIRTIO_BLK_CFG_BLK_SIZE 20u
#define VDEV_VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS 36u
#define VDEV_VIRTIO_BLK_CFG_MAX_DISCARD_SEG 40u
#define VDEV_VIRTIO_BLK_CFG_DISCARD_ALIGNMENT 44u
#define VDEV_VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS 48u
#define VDEV_VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG 52u
#define VDEV_VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP 56u
#define VDEV_VIRTIO_BLK_CONFIG_SIZE 60u

struct vdev_virtio_blk;

/*
 * Configuration of a virtio-blk device. Zero-initialise, then set what you need.
 *   path        the raw image (a regular file or a block device), opened O_RDWR, or
 *               O_RDONLY in read-only mode.
 *   fd          used when path is NULL: an already open image (the device keeps its own
 *               dup(); it must be open for writing unless read_only).
 *   read_only   offer VIRTIO_BLK_F_RO; writes, discards and write-zeroes then fail
 *               (IOERR for writes, UNSUPP for the others) and the image is never written.
 *   serial      the GET_ID answer (at most 20 bytes are used); NULL: an empty id (20
 *               zero bytes: the guest sees no serial). Nothing about the image file
 *               (path, device or inode numbers) is ever put in it.
 *   queue_size  QueueNumMax (power of 2); 0: 256.
 *   seg_max     most data segments per request; 0: queue_size - 2.
 *   size_max    most bytes per data segment; 0: 1 MiB.
 * The capacity is the image size in 512-byte sectors (a partial last sector is not
 * exposed). Without VIRTIO_BLK_F_FLUSH negotiated the device syncs (fdatasync) after each
 * write (and write-zeroes, discard) before it completes, so no completed write is lost;
 * with it, the driver's flush request runs fdatasync and completes only after it. An I/O
 * error of the image (including one fdatasync reports) gives VIRTIO_BLK_S_IOERR.
 */
struct vdev_virtio_blk_config {
	const char *path;
	int fd;
	bool read_only;
	const char *serial;
	uint16_t queue_size;
	uint32_t seg_max;
	uint32_t size_max;
};

/* vdev_virtio_blk_create: opens the image and builds the device. Returns 0 and *out;
 * -EINVAL (NULL argument, no path and no fd, bad queue_size, an image smaller than one
 * sector), -ENOMEM, or the errno of open/dup/fstat/ioctl. */
int vdev_virtio_blk_create(const struct vdev_virtio_blk_config *cfg, struct vdev_virtio_blk **out);

/* vdev_virtio_blk_destroy: closes the image and frees the device (NULL accepted). Its
 * transport must be destroyed first. */
void vdev_virtio_blk_destroy(struct vdev_virtio_blk *blk);

/* vdev_virtio_blk_device: the device model to give vdev_virtio_mmio_create(). */
const struct vdev_virtio_device *vdev_virtio_blk_device(const struct vdev_virtio_blk *blk);

/* vdev_virtio_blk_image_fd: the descriptor the device reads and writes the image through
 * (its own: opened from path, or a dup of fd), e.g. for an embedder's seccomp rules; -1
 * for NULL. */
int vdev_virtio_blk_image_fd(const struct vdev_virtio_blk *blk);

/* vdev_virtio_blk_capacity: the capacity in 512-byte sectors (0 for NULL). */
uint64_t vdev_virtio_blk_capacity(const struct vdev_virtio_blk *blk);

/* What a virtio-blk device has done since it was created (the counters only grow). */
struct vdev_virtio_blk_stats {
	uint64_t reads, writes, flushes; /* requests of each type */
	uint64_t others;                 /* GET_ID, discard, write-zeroes, unknown types */
	uint64_t bytes_read;             /* data of the reads that succeeded */
	uint64_t bytes_written;          /* data of the writes that succeeded */
	uint64_t errors;                 /* requests answered VIRTIO_BLK_S_IOERR */
	uint64_t unsupported;            /* requests answered VIRTIO_BLK_S_UNSUPP */
};

/* vdev_virtio_blk_get_stats: the counters now (zeros for NULL). Any thread. */
void vdev_virtio_blk_get_stats(const struct vdev_virtio_blk *blk,
                               struct vdev_virtio_blk_stats *out);

/*
 * vdev_virtio_blk_save / vdev_virtio_blk_restore: virtio-blk's state beyond its image and
 * the transport's (section "VBLK", version 1), with the contract of <cvmm/devices.h>: what
 * identifies the disk, checked on restore (features offered, read-only, the configuration
 * space with the capacity, the serial), and the request counters, which the restored
 * device continues from (vdev_virtio_blk_get_stats() counts over the VM's life, across
 * processes). The image's contents are not state: the embedder gives the restored device
 * the same image (requests complete before the transport returns, so none is in flight
 * while the vCPUs are stopped). The features the driver negotiated come back with the
 * transport (vdev_virtio_mmio_restore() activates the device); the two may be restored
 * in either order. Refused: a disk of another size, mode, serial or features.
 */
int vdev_virtio_blk_save(const struct vdev_virtio_blk *blk, struct vdev_state_writer *w);
int vdev_virtio_blk_restore(struct vdev_virtio_blk *blk, struct vdev_state_reader *r);

/* ---------------------------------------------------------------------------------------
 * virtio-rng
 * ------------------------------------------------------------------------------------- */

struct vdev_virtio_rng;

/* Bytes of entropy given per request at most (a guest asking for more gets this much). */
#define VDEV_VIRTIO_RNG_MAX_REQUEST 65536u

/* vdev_virtio_rng_create: an entropy device fed by getrandom(2), with one queue of
 * queue_size (a power of 2; 0: 64) entries. Returns 0 and *out; -EINVAL, -ENOMEM. */
int vdev_virtio_rng_create(uint16_t queue_size, struct vdev_virtio_rng **out);

/* vdev_virtio_rng_destroy: frees the device (NULL accepted), after its transport. */
void vdev_virtio_rng_destroy(struct vdev_virtio_rng *rng);

/* vdev_virtio_rng_device: the device model to give vdev_virtio_mmio_create(). */
const struct vdev_virtio_device *vdev_virtio_rng_device(const struct vdev_virtio_rng *rng);

/*
 * vdev_virtio_rng_save / vdev_virtio_rng_restore: virtio-rng's state beyond the
 * transport's (section "VRNG", version 1), with the contract of <cvmm/devices.h>: only
 * its queue size, checked on restore (requests are answered whole as they come, so the
 * device holds nothing else).
 */
int vdev_virtio_rng_save(const struct vdev_virtio_rng *rng, struct vdev_state_writer *w);
int vdev_virtio_rng_restore(struct vdev_virtio_rng *rng, struct vdev_state_reader *r);

/* ---------------------------------------------------------------------------------------
 * virtio-net
 * ------------------------------------------------------------------------------------- */

/* Feature bits offered (VIRTIO 1.2 5.1.3). */
#define VDEV_VIRTIO_NET_F_CSUM 0u       /* the driver may send partial checksums */
#define VDEV_VIRTIO_NET_F_GUEST_CSUM 1u /* the driver takes partial checksums */
#define VDEV_VIRTIO_NET_F_MTU 3u
#define VDEV_VIRTIO_NET_F_MAC 5u
#define VDEV_VIRTIO_NET_F_GUEST_TSO4 7u
#define VDEV_VIRTIO_NET_F_GUEST_TSO6 8u
#define VDEV_VIRTIO_NET_F_GUEST_ECN 9u
#define VDEV_VIRTIO_NET_F_HOST_TSO4 11u
#define VDEV_VIRTIO_NET_F_HOST_TSO6 12u
#define VDEV_VIRTIO_NET_F_HOST_ECN 13u
#define VDEV_VIRTIO_NET_F_MRG_RXBUF 15u
#define VDEV_VIRTIO_NET_F_STATUS 16u
/* Configuration space (struct virtio_net_config, without the multiqueue and RSS parts). */
#define VDEV_VIRTIO_NET_CFG_MAC 0u
#define VDEV_VIRTIO_NET_CFG_STATUS 6u
#define VDEV_VIRTIO_NET_CFG_MAX_QUEUE_PAIRS 8u
#define VDEV_VIRTIO_NET_CFG_MTU 10u
#define VDEV_VIRTIO_NET_CONFIG_SIZE 12u
#define VDEV_VIRTIO_NET_S_LINK_UP 1u
/* The header before every frame, both ways (struct virtio_net_hdr_v1, 12 bytes). */
#define VDEV_VIRTIO_NET_HDR_SIZE 12u
#define VDEV_VIRTIO_NET_HDR_F_NEEDS_CSUM 1u
#define VDEV_VIRTIO_NET_HDR_F_DATA_VALID 2u
#define VDEV_VIRTIO_NET_HDR_GSO_NONE 0u
#define VDEV_VIRTIO_NET_HDR_GSO_TCPV4 1u
#define VDEV_VIRTIO_NET_HDR_GSO_UDP 3u
#define VDEV_VIRTIO_NET_HDR_GSO_TCPV6 4u
#define VDEV_VIRTIO_NET_HDR_GSO_ECN 0x80u
/* Largest frame either way, without the header: a 64 KiB segmentation offload frame
   with its Ethernet header (and a VLAN tag). */
#define VDEV_VIRTIO_NET_MAX_FRAME 65550u
/* Queues: receive (index 0) and transmit (index 1). */
#define VDEV_VIRTIO_NET_RXQ 0u
#define VDEV_VIRTIO_NET_TXQ 1u

struct vdev_virtio_net;

/* What the backend descriptor is. */
enum vdev_virtio_net_backend {
	/* A tap device opened with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR. The device sets its
	   header size to 12 (TUNSETVNETHDRSZ) and its offloads (TUNSETOFFLOAD) to what the
	   driver negotiated. */
	VDEV_VIRTIO_NET_BACKEND_TAP,
	/* A datagram or sequenced-packet socket (socketpair(2), AF_UNIX): each message is one
	   frame after its 12-byte header, both ways (what a user-space switch or a test
	   peer speaks). */
	VDEV_VIRTIO_NET_BACKEND_SOCKET,
};

/*
 * Configuration of a virtio-net device. Zero-initialise, then set what you need.
 *   fd           the backend descriptor; the device keeps its own dup() (made
 *                non-blocking) and never asks where the frames go.
 *   backend      what fd is (above).
 *   mac          the MAC address offered (VIRTIO_NET_F_MAC); all zero: none is offered
 *                and the driver picks one.
 *   mtu          offered as VIRTIO_NET_F_MTU when not 0 (68..65535): the tap's own MTU.
 *   no_offloads  offer no checksum or segmentation offload (for a backend whose peer
 *                takes only whole frames with their checksums done).
 *   queue_size   QueueNumMax of both queues (power of 2); 0: 256.
 *   wait         called when what the device waits for on fd changes: read (it wants
 *                frames: call vdev_virtio_mmio_process_queue(t, VDEV_VIRTIO_NET_RXQ) when
 *                fd is readable) and write (a frame is held back because the backend was
 *                full: call vdev_virtio_mmio_process_queue(t, VDEV_VIRTIO_NET_TXQ) when fd
 *                is writable). Neither is wanted at creation; read is from activation
 *                until the driver has no receive buffers left (a frame then waits in the
 *                device and reading stops until the driver adds buffers and notifies).
 *                Called with the transport's lock held: it must not call back into the
 *                transport (epoll_ctl is what it is for). NULL: the embedder polls
 *                vdev_virtio_net_wants().
 *   wait_ctx     passed to wait.
 *
 * Offered: MAC, STATUS (link up), MTU, CSUM, GUEST_CSUM, GUEST and HOST TSO4, TSO6 and
 * ECN, MRG_RXBUF. Left out: GUEST_UFO and HOST_UFO (deprecated; Linux no longer makes UFO
 * frames), HOST_USO and GUEST_USO4/6 (tap takes them only from Linux 6.2), CTRL_VQ and
 * what needs it (receive filtering, VLAN filtering, announce, multiqueue: a tap delivers
 * every frame of its interface, and one queue pair is served by one thread), RSS and
 * hash reports, notification coalescing.
 *
 * Receive: each frame is read from fd into the device's buffer, then copied to the
 * driver's receive buffers (one chain; with MRG_RXBUF as many as it needs, published
 * together, num_buffers set). A frame is never dropped while the driver has buffers for
 * it: with too few, it waits in the device (reading stops) until the driver adds more.
 * Dropped and counted: a frame longer than all of the receive queue can hold, or, without
 * MRG_RXBUF, longer than the next chain (the driver did not size its buffers as the spec
 * asks). Transmit: each chain is copied out of guest RAM (header and frame), checked, and
 * written to fd as one frame; the chain is returned at once. When the backend is full
 * (EAGAIN) the frame is kept and transmitting stops until fd is writable. Dropped and
 * counted, the chain returned: a chain shorter than the header, a frame shorter than an
 * Ethernet header or longer than VDEV_VIRTIO_NET_MAX_FRAME, a header asking for an offload
 * that was not negotiated (partial checksum, a segmentation type, ECN) or describing a
 * checksum or segment outside the frame, and any frame the backend refuses. Each call
 * handles at most the queue's size in chains and in frames.
 */
struct vdev_virtio_net_config {
	int fd;
	enum vdev_virtio_net_backend backend;
	uint8_t mac[6];
	uint16_t mtu;
	bool no_offloads;
	uint16_t queue_size;
	void (*wait)(void *ctx, bool read, bool write);
	void *wait_ctx;
};

/* vdev_virtio_net_create: builds the device over cfg->fd. Returns 0 and *out; -EINVAL
 * (NULL argument, bad fd, queue_size or mtu; a tap without IFF_TAP, IFF_NO_PI and
 * IFF_VNET_HDR; a socket that is not a datagram or sequenced-packet one), -ENOMEM, or the
 * errno of dup/fcntl/ioctl. */
int vdev_virtio_net_create(const struct vdev_virtio_net_config *cfg, struct vdev_virtio_net **out);

/* vdev_virtio_net_destroy: closes the device's descriptor and frees it (NULL accepted),
 * after its transport. */
void vdev_virtio_net_destroy(struct vdev_virtio_net *net);

/* vdev_virtio_net_device: the device model to give vdev_virtio_mmio_create(). */
const struct vdev_virtio_device *vdev_virtio_net_device(const struct vdev_virtio_net *net);

/* vdev_virtio_net_fd: the descriptor the device reads and writes frames through (its
 * dup), for the embedder's poll set and seccomp rules; -1 for NULL. */
int vdev_virtio_net_fd(const struct vdev_virtio_net *net);

/* vdev_virtio_net_wants: what the device waits for on its descriptor now (see wait in
 * struct vdev_virtio_net_config). Any thread. */
void vdev_virtio_net_wants(const struct vdev_virtio_net *net, bool *read, bool *write);

/* vdev_virtio_net_backend_gone: whether the backend is gone for good (a tap whose
 * interface was deleted, a socket whose peer closed its end): the device reads from it
 * no more, and the embedder should stop polling its descriptor, which reports an error
 * or a hang-up for ever. Frames the driver transmits are dropped (tx_dropped). Any
 * thread. */
bool vdev_virtio_net_backend_gone(const struct vdev_virtio_net *net);

/* vdev_virtio_net_backend_hangup: the embedder's poll reported an error or a hang-up on
 * the device's descriptor (which a device not yet activated by its driver never reads):
 * the device checks whether its backend is gone (a tap: TUNGETIFF answers EBADFD; a
 * socket: its peer closed) and returns vdev_virtio_net_backend_gone(). Any thread. */
bool vdev_virtio_net_backend_hangup(struct vdev_virtio_net *net);

/* What a virtio-net device has done since it was created (the counters only grow). */
struct vdev_virtio_net_stats {
	uint64_t rx_frames, rx_bytes; /* frames given to the driver (bytes without header) */
	uint64_t rx_dropped;          /* frames read and not delivered (see above) */
	uint64_t tx_frames, tx_bytes; /* frames written to the backend */
	uint64_t tx_dropped;          /* chains not sent: malformed, or refused by the backend */
	uint64_t backend_errors;      /* reads and writes that failed other than EAGAIN */
};

/* vdev_virtio_net_get_stats: the counters now (zeros for NULL). Any thread. */
void vdev_virtio_net_get_stats(const struct vdev_virtio_net *net,
                               struct vdev_virtio_net_stats *out);

/*
 * vdev_virtio_net_save / vdev_virtio_net_restore: virtio-net's state beyond its backend
 * and the transport's (section "VNET", version 1), with the contract of <cvmm/devices.h>:
 * what identifies the device, checked on restore (features offered, configuration space:
 * MAC, status, MTU), the counters, and a transmit frame held back by a full backend (the
 * driver has its chain back: the frame is the device's to send). A received frame
 * waiting for buffers is not kept (a network may drop a frame; TCP sends it again).
 * Restore the transport first (vdev_virtio_mmio_restore() resets and activates the
 * device), then this.
 */
int vdev_virtio_net_save(const struct vdev_virtio_net *net, struct vdev_state_writer *w);
int vdev_virtio_net_restore(struct vdev_virtio_net *net, struct vdev_state_reader *r);

#ifdef __cplusplus
}
#endif

#endif /* CVMM_VIRTIO_H */
