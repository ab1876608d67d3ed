/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm devices: an address bus and emulated devices for a KVM-based VMM.
 *
 * Devices know no KVM. A device raises its interrupt through a struct vdev_irq, a small
 * set of callbacks the embedder wires to KVM_IRQ_LINE, an irqfd or anything else. A bus
 * (one for MMIO, one for PIO) maps guest address ranges to struct vdev_ops, the read and
 * write entry points every device offers; the embedder hands its vCPU MMIO/PIO exits to
 * vdev_bus_read()/vdev_bus_write().
 *
 * Data crossing a vdev_ops read or write is a byte buffer in guest (little-endian) order,
 * as KVM's kvm_run mmio.data and io data are; vdev_le_get()/vdev_le_put() convert.
 *
 * Thread safety: every function of this header may be called from any thread. Each device
 * object has its own lock, so several vCPU threads and the embedder's event loop may use one
 * device at the same time. A bus may be read and written (dispatch) from several threads
 * at once while ranges are inserted or removed. Interrupt callbacks and the RTC's
 * timer_changed are called with the device's lock held, so that they see changes in order:
 * they must not call back into the same device. The other callbacks (the UART's
 * input_space, the i8042's reset) are called without the device's lock held.
 */
#ifndef CVMM_DEVICES_H
#define CVMM_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------
 * Interrupt trigger
 * ------------------------------------------------------------------------------------- */

/*
 * One interrupt line as a device sees it. Filled by the embedder and copied into the
 * device when it is created. Each callback receives ctx and line and returns 0 or a
 * negative errno (which the device ignores: an interrupt cannot fail from the guest's
 * point of view). Any callback may be NULL:
 *   assert_line    drive the line high (level-triggered use, e.g. KVM_IRQ_LINE level 1);
 *   deassert_line  drive the line low;
 *   pulse_line     an edge (e.g. a write to an irqfd). When NULL, vdev_irq_pulse() calls
 *                  assert_line then deassert_line.
 * A struct vdev_irq with every callback NULL is a line that is not connected.
 */
struct vdev_irq {
	int (*assert_line)(void *ctx, uint32_t line);
	int (*deassert_line)(void *ctx, uint32_t line);
	int (*pulse_line)(void *ctx, uint32_t line);
	void *ctx;
	uint32_t line;
};

/*
 * vdev_irq_assert / vdev_irq_deassert / vdev_irq_pulse: call the matching callback of irq.
 * irq may be NULL or unconnected (then nothing happens and 0 is returned).
 * Returns: the callback's result, or 0 when there is no callback.
 */
int vdev_irq_assert(const struct vdev_irq *irq);
int vdev_irq_deassert(const struct vdev_irq *irq);
int vdev_irq_pulse(const struct vdev_irq *irq);

/* ---------------------------------------------------------------------------------------
 * Device operations
 * ------------------------------------------------------------------------------------- */

/*
 * What a bus calls for an access inside a device's range.
 *   read   fill data[0..size) for an access of size bytes at offset (from the start of
 *          the device's range); size is 1, 2, 4 or 8.
 *   write  consume data[0..size) written at offset.
 * offset + size never exceeds the length the device was inserted with. Both return 0 or a
 * negative errno. A device answers a guest access it does not implement like hardware
 * does (reads give 0, writes are ignored) and returns 0: an error means the access could
 * not be performed at all (for example an unsupported size). ctx is the pointer given to
 * vdev_bus_insert(). Either callback may be NULL (reads then give 0, writes are ignored).
 */
struct vdev_ops {
	int (*read)(void *ctx, uint64_t offset, uint8_t *data, uint32_t size);
	int (*write)(void *ctx, uint64_t offset, const uint8_t *data, uint32_t size);
};

/* vdev_le_get: the little-endian value of data[0..size), size 1..8 (others give 0). */
static inline uint64_t vdev_le_get(const uint8_t *data, uint32_t size)
{
	uint64_t v = 0;
	if (size > 8)
		return 0;
	for (uint32_t i = 0; i < size; i++)
		v |= (uint64_t)data[i] << (8 * i);
	return v;
}

/* vdev_le_put: store the low size bytes of v into data[0..size) little-endian (size <= 8). */
static inline void vdev_le_put(uint8_t *data, uint32_t size, uint64_t v)
{
	if (size > 8)
		return;
	for (uint32_t i = 0; i < size; i++)
		data[i] = (uint8_t)(v >> (8 * i));
}

/* ---------------------------------------------------------------------------------------
 * Device state: saving and restoring a device across processes
 * ------------------------------------------------------------------------------------- */

/*
 * The encoding every vdev_*_save() writes and vdev_*_restore() reads: little-endian
 * integers, grouped in sections. A section is its tag (four characters,
 * VDEV_STATE_TAG('U','A','R','T'), a u32), its layout version (a u32, from 1), the length
 * of its payload (a u32) and the payload. Each device writes one section; the embedder
 * concatenates the sections of its devices (and anything of its own) in one buffer and
 * reads them back in the same order.
 *
 * Errors are sticky: after the first one, writes do nothing and reads return 0, so a
 * save or restore function checks once, at its end. A writer only fails for memory
 * (-ENOMEM) or a payload over 4 GiB (-EOVERFLOW); a reader fails for anything wrong in
 * what it reads (-EINVAL) and keeps a one-line reason (vdev_state_why()), e.g. "UART:
 * truncated", "expected section UART, found P031", "uart: IER 0xf0 has reserved bits".
 * Snapshot files are untrusted: every restore function checks every field it reads.
 *
 * A writer or reader is not locked: one thread uses it at a time.
 */
#define VDEV_STATE_TAG(a, b, c, d)                                                                 \
	((uint32_t)(uint8_t)(a) | (uint32_t)(uint8_t)(b) << 8 | (uint32_t)(uint8_t)(c) << 16 |     \
	 (uint32_t)(uint8_t)(d) << 24)

/* A growing output buffer: buf[0..len) is what was written. error: 0, or the first
   failure (-ENOMEM, -EOVERFLOW, -EINVAL for a NULL buffer or a bad mark). */
struct vdev_state_writer {
	uint8_t *buf;
	size_t len, cap;
	int error;
};

/* vdev_state_writer_init: an empty writer. vdev_state_writer_free: frees its buffer and
 * empties it again (both accept NULL). */
void vdev_state_writer_init(struct vdev_state_writer *w);
void vdev_state_writer_free(struct vdev_state_writer *w);

/* vdev_state_put_u8 / _u16 / _u32 / _u64: append v, little-endian. vdev_state_put_bytes:
 * append p[0..n). Nothing happens once the writer has an error (or for w NULL). */
void vdev_state_put_u8(struct vdev_state_writer *w, uint8_t v);
void vdev_state_put_u16(struct vdev_state_writer *w, uint16_t v);
void vdev_state_put_u32(struct vdev_state_writer *w, uint32_t v);
void vdev_state_put_u64(struct vdev_state_writer *w, uint64_t v);
void vdev_state_put_bytes(struct vdev_state_writer *w, const void *p, size_t n);

/*
 * vdev_state_begin: starts a section: writes tag, version and a length to be patched.
 * Returns the mark to give vdev_state_end(), which sets the length to the bytes written
 * since. Sections may nest.
 */
size_t vdev_state_begin(struct vdev_state_writer *w, uint32_t tag, uint32_t version);
void vdev_state_end(struct vdev_state_writer *w, size_t mark);

/* A bounded input: buf[pos..len) is what is left to read. error: 0 or -EINVAL, with why
   the reason of the first failure. tag: the section it reads (0 for a whole buffer). */
struct vdev_state_reader {
	const uint8_t *buf;
	size_t len, pos;
	int error;
	char why[128];
	uint32_t tag;
};

/* vdev_state_reader_init: a reader of buf[0..len) (not copied: buf must outlive it). */
void vdev_state_reader_init(struct vdev_state_reader *r, const void *buf, size_t len);

/*
 * vdev_state_get_u8 / _u16 / _u32 / _u64: the next little-endian value. Past the end, or
 * once the reader has an error: 0, and the reader fails with "truncated" (its section's
 * tag in front, e.g. "UART: truncated"). vdev_state_get_bytes: the next n bytes into p
 * (zeros when they are not all there, with the same failure).
 */
uint8_t vdev_state_get_u8(struct vdev_state_reader *r);
uint16_t vdev_state_get_u16(struct vdev_state_reader *r);
uint32_t vdev_state_get_u32(struct vdev_state_reader *r);
uint64_t vdev_state_get_u64(struct vdev_state_reader *r);
void vdev_state_get_bytes(struct vdev_state_reader *r, void *p, size_t n);

/*
 * vdev_state_open: opens the next section of r, which must carry tag and a version in
 * [1, max_version]; *version receives it (version may be NULL) and *sub reads the
 * section's payload only. r moves past the whole section.
 * Returns 0; the reader's error (-EINVAL) when r already failed or the section is
 * missing, truncated, of another tag, version 0 or newer than max_version ("UART: state
 * version 7 is newer than this build's 1").
 */
int vdev_state_open(struct vdev_state_reader *r, uint32_t tag, uint32_t max_version,
                    uint32_t *version, struct vdev_state_reader *sub);

/*
 * vdev_state_close: ends a section opened with vdev_state_open(): sub's failure, if any,
 * becomes r's (first one wins), and a payload not read exactly to its end fails r ("UART:
 * 3 bytes left unread at the end of the section"). Returns r's error (0 when none).
 */
int vdev_state_close(struct vdev_state_reader *r, struct vdev_state_reader *sub);

/* vdev_state_fail: fails r with -EINVAL and the printf-style reason (at most 127 bytes are
 * kept), unless it already failed: the first reason wins. */
void vdev_state_fail(struct vdev_state_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* vdev_state_why: the reason r failed, or "" when it has not (never NULL). */
const char *vdev_state_why(const struct vdev_state_reader *r);

/* vdev_state_remaining: bytes of r not read yet (0 for NULL). */
size_t vdev_state_remaining(const struct vdev_state_reader *r);

/*
 * The save/restore contract of every device (vdev_uart_save() ... and those of
 * <cvmm/virtio.h>):
 *   - vdev_X_save(dev, w) appends the device's section. The device may be in use
 *     (it takes the device's lock), but to save a consistent machine the embedder stops
 *     every vCPU first. Returns 0; -EINVAL (NULL argument); the writer's error.
 *   - vdev_X_restore(dev, r) reads the next section of r into a device the embedder
 *     created with the same configuration as the saved one (same interrupt wiring,
 *     sizes, image...), before any vCPU runs. It replaces the guest-visible state. It
 *     calls no interrupt callback and no timer callback: afterwards the embedder calls
 *     the device's *_irq_replay() to drive the lines the restored state asserts, and for
 *     the timer devices (PL031, CMOS) asks *_next_deadline() again and arms its timer.
 *     Every field is checked before any is applied: on failure the device is unchanged
 *     (for a device fresh from create, its reset state) and the function returns
 *     -EINVAL with the reason in vdev_state_why(r). A reader that already failed is
 *     refused the same way. Returns 0; -EINVAL.
 *   - Sections are versioned (all at version 1 today); a later layout change reads the
 *     old versions or refuses them by name.
 */

/* ---------------------------------------------------------------------------------------
 * Bus: an address space (MMIO or PIO) of non-overlapping ranges
 * ------------------------------------------------------------------------------------- */

struct vdev_bus;

/*
 * vdev_bus_create: an empty address space. Use one for MMIO and one for PIO.
 * Returns 0 and *out, or -EINVAL (out NULL), -ENOMEM.
 */
int vdev_bus_create(struct vdev_bus **out);

/* vdev_bus_destroy: free the bus (not the devices). NULL is accepted. No dispatch may be
 * running or start during or after the call. */
void vdev_bus_destroy(struct vdev_bus *bus);

/*
 * vdev_bus_insert: map [base, base + len) to ops/ctx. ops must stay valid until the range
 * is removed or the bus destroyed.
 * Returns 0; -EINVAL (bus or ops NULL, len 0, base + len overflows 2^64), -EEXIST (the
 * range overlaps one already mapped), -ENOMEM.
 */
int vdev_bus_insert(struct vdev_bus *bus, uint64_t base, uint64_t len, const struct vdev_ops *ops,
                    void *ctx);

/*
 * vdev_bus_remove: unmap the range that starts exactly at base. When it returns, no
 * dispatch to that range is running any more, so its device may be destroyed. Must not be
 * called from inside a device callback of the same bus.
 * Returns 0, -EINVAL (bus NULL), -ENOENT (no range starts at base).
 */
int vdev_bus_remove(struct vdev_bus *bus, uint64_t base);

/*
 * vdev_bus_read / vdev_bus_write: dispatch a guest access of size bytes (1, 2, 4 or 8) at
 * absolute address addr to the device whose range contains it, with the offset from the
 * range's base. O(log n) in the number of ranges. Safe from several threads at once; the
 * device's own lock serialises accesses to one device.
 * Returns the device's result (0 on success); -EINVAL (bus or data NULL, bad size),
 * -ENOENT (no range contains addr), -ERANGE (the access starts inside a range but runs past
 * its end). On an error of the bus itself a read leaves data untouched.
 */
int vdev_bus_read(struct vdev_bus *bus, uint64_t addr, uint8_t *data, uint32_t size);
int vdev_bus_write(struct vdev_bus *bus, uint64_t addr, const uint8_t *data, uint32_t size);

/* vdev_bus_count: the number of ranges mapped (0 for NULL). */
size_t vdev_bus_count(struct vdev_bus *bus);

/* ---------------------------------------------------------------------------------------
 * 16550A UART
 * ------------------------------------------------------------------------------------- */

/* Register window of a 16550: 8 registers, each (1 << reg_shift) bytes apart. */
#define VDEV_UART_REGS 8u

struct vdev_uart;

/*
 * Configuration of a 16550A.
 *   out_fd       transmitted bytes go here through an output buffer: each THR byte is
 *                appended to the buffer and the buffer written with one writev(2) that
 *                must not wait, so out_fd should be non-blocking (O_NONBLOCK) unless it
 *                is a regular file; a blocking pipe or terminal would block the vCPU
 *                that transmits when its reader stalls. What out_fd does not take stays
 *                buffered (see out_blocked); a byte that finds the buffer full, and the
 *                buffer's contents when out_fd fails, are dropped and counted
 *                (vdev_uart_tx_dropped()). -1 discards output (counted as dropped too).
 *   out_buffer   bytes of output buffering (0: VDEV_UART_OUT_BUFFER_DEFAULT).
 *   out_blocked  optional: called when out_fd would block and output waits in the buffer,
 *                with the UART's lock held, on the thread of the guest's THR write (it
 *                must not call back into the UART: wake a loop that waits for out_fd to
 *                be writable and then calls vdev_uart_flush_output()). Until that flush,
 *                transmitted bytes only go into the buffer. Without it, every
 *                transmitted byte tries to write the buffer again.
 *   irq          the UART's interrupt line (level: asserted while an interrupt is pending).
 *   reg_shift    registers are (1 << reg_shift) bytes apart: 0 for PIO (0x3f8), the FDT's
 *                reg-shift for MMIO (e.g. 2). At most 3. Accesses not aligned to a register
 *                read 0 and are ignored.
 *   input_space  optional: called (without the UART's lock) when the UART goes from being
 *                unable to accept input to being able to (the guest drained its receive
 *                FIFO or left loopback), so the embedder can resume reading its input fd.
 *   cb_ctx       passed to input_space, out_blocked and out_limit_reached.
 *   out_limit    most bytes ever written to out_fd, buffered ones included (0: no limit).
 *                A guest decides how much it transmits; with a limit, the bytes past it
 *                are dropped and counted in vdev_uart_tx_dropped() (e.g. to bound a
 *                console file's size).
 *   out_limit_reached  optional: called once, for the first byte dropped for out_limit,
 *                with the UART's lock held (on the thread of the guest's THR write): it
 *                must not call back into the UART.
 */
struct vdev_uart_config {
	int out_fd;
	struct vdev_irq irq;
	unsigned int reg_shift;
	void (*input_space)(void *cb_ctx);
	void *cb_ctx;
	uint64_t out_limit;
	void (*out_limit_reached)(void *cb_ctx);
	size_t out_buffer;
	void (*out_blocked)(void *cb_ctx);
};

#define VDEV_UART_OUT_BUFFER_DEFAULT 65536u

/* vdev_uart_create: a 16550A in its reset state. Returns 0 and *out; -EINVAL (NULL
 * argument, reg_shift > 3), -ENOMEM. */
int vdev_uart_create(const struct vdev_uart_config *cfg, struct vdev_uart **out);

/* vdev_uart_destroy: free the UART (NULL accepted). It must not be on a bus any more. */
void vdev_uart_destroy(struct vdev_uart *uart);

/* vdev_uart_ops: the bus operations; insert with ctx = the UART and len =
 * VDEV_UART_REGS << reg_shift. */
const struct vdev_ops *vdev_uart_ops(void);

/*
 * vdev_uart_read / vdev_uart_write: a guest access at offset (relative to the UART's base)
 * of size 1..8 bytes; only the low byte of a write is used, reads are zero-extended.
 * Returns 0; -EINVAL (NULL argument, size not 1, 2, 4 or 8).
 */
int vdev_uart_read(struct vdev_uart *uart, uint64_t offset, uint8_t *data, uint32_t size);
int vdev_uart_write(struct vdev_uart *uart, uint64_t offset, const uint8_t *data, uint32_t size);

/*
 * vdev_uart_push_input: offer len bytes received from the host (terminal or pipe). The
 * UART takes only what fits in its receive FIFO (16 bytes with FIFOs enabled, 1 without,
 * none in loopback mode) and never drops input: the caller keeps the rest and offers it
 * again once vdev_uart_input_space() is non-zero (see input_space in the configuration).
 * Returns the number of bytes taken (0..len); -EINVAL (uart NULL, or buf NULL with len > 0).
 */
int vdev_uart_push_input(struct vdev_uart *uart, const uint8_t *buf, size_t len);

/*
 * vdev_uart_read_input: read host input from fd (a raw terminal, a pipe, a socket) straight
 * into the receive FIFO, at most as much as fits, with one read(2). Call it when fd is
 * readable and vdev_uart_input_space() is non-zero; the rest stays in fd (back-pressure).
 * Returns the number of bytes taken (> 0); 0 at end of file; -ENOSPC when the UART cannot
 * take input now (nothing was read); -EINVAL (uart NULL, fd < 0); -EAGAIN and other
 * negative errno values from read(2).
 */
int vdev_uart_read_input(struct vdev_uart *uart, int fd);

/* vdev_uart_input_space: how many bytes vdev_uart_push_input() would take now (0 when
 * uart is NULL). "Can accept input" is vdev_uart_input_space() > 0. */
size_t vdev_uart_input_space(struct vdev_uart *uart);

/*
 * vdev_uart_flush_output: writes what the output buffer holds to out_fd, as much as it
 * takes without waiting. Call it when out_fd became writable after out_blocked, and once
 * more before the end (with a bounded wait for writability in between: see vmm-ref).
 * Returns 0 when the buffer is empty; the number of bytes still buffered (> 0) when
 * out_fd would block: keep waiting for out_fd and call again (out_blocked is not called
 * meanwhile, and transmitted bytes only go into the buffer);
 * -EINVAL (uart NULL); a write error (the buffered bytes were dropped and counted).
 */
int vdev_uart_flush_output(struct vdev_uart *uart);

/* vdev_uart_output_pending: bytes in the output buffer not yet written (0 for NULL). */
size_t vdev_uart_output_pending(struct vdev_uart *uart);

/* vdev_uart_drop_output: drops what the output buffer holds, counting it in
 * vdev_uart_tx_dropped() (at the end, when out_fd's reader never came back). Returns 0;
 * -EINVAL. */
int vdev_uart_drop_output(struct vdev_uart *uart);

/* vdev_uart_tx_dropped: how many transmitted bytes did not and will not reach out_fd (no
 * out_fd, a full output buffer, a failing fd, past out_limit, vdev_uart_drop_output()). */
uint64_t vdev_uart_tx_dropped(struct vdev_uart *uart);

/* vdev_uart_tx_written: how many transmitted bytes were written to out_fd (buffered ones
 * not yet). */
uint64_t vdev_uart_tx_written(struct vdev_uart *uart);

/* vdev_uart_irq_replay: if the interrupt line is asserted now, deassert and assert it
 * again, for interrupt controllers that lose a pending level across a guest suspend.
 * Returns 0; -EINVAL (uart NULL). */
int vdev_uart_irq_replay(struct vdev_uart *uart);

/*
 * vdev_uart_save / vdev_uart_restore: the UART's state (section "UART", version 1), with
 * the contract of the device state section above. Saved: every register the guest can
 * set or read back (IER, LCR, MCR, FCR's enable and trigger level, SCR, the divisor
 * latch, LSR's sticky error bits, MSR with its deltas, a pending THRE interrupt) and the
 * received bytes the guest has not read yet, so they stay readable after a restore. Not
 * saved: the output buffer (flush it before saving: vdev_uart_flush_output(); what out_fd
 * did not take belongs to this process's out_fd, and a restored UART starts with an empty
 * buffer), the transmit counters and out_limit's record (they account for this process's
 * out_fd), and input the embedder holds and has not pushed (it stays the embedder's).
 * Refused: reserved bits in IER, MCR or FCR, LSR bits that are not error bits, MSR lines
 * that do not follow MCR, more received bytes than the FIFO (or, without FIFO, the holding
 * register) holds.
 */
int vdev_uart_save(const struct vdev_uart *uart, struct vdev_state_writer *w);
int vdev_uart_restore(struct vdev_uart *uart, struct vdev_state_reader *r);

/* ---------------------------------------------------------------------------------------
 * PL031 real-time clock
 * ------------------------------------------------------------------------------------- */

/* Register window of a PL031 (a 4 KiB AMBA page). */
#define VDEV_RTC_SIZE 0x1000u

struct vdev_rtc;

/*
 * Configuration of a PL031.
 *   irq             the alarm's interrupt line (level: asserted while RTCMIS is set).
 *   clock_ns        optional time source: the current time in nanoseconds since the Unix
 *                   epoch. NULL uses CLOCK_REALTIME. Deadlines are in this clock.
 *   clock_ctx       passed to clock_ns.
 *   timer_changed   optional: called (with the RTC's lock held: it must not call into the
 *                   RTC) whenever the RTC's next deadline changes, and again after an early
 *                   vdev_rtc_timer_expired(), with the deadline (absolute, in clock_ns's
 *                   nanoseconds; with the default clock, a CLOCK_REALTIME time suitable for
 *                   timerfd_settime(TFD_TIMER_ABSTIME)) or -1 for none. The embedder arms
 *                   its one-shot timer for it (or disarms it) and calls
 *                   vdev_rtc_timer_expired() when it fires.
 *   timer_ctx       passed to timer_changed.
 */
struct vdev_rtc_config {
	struct vdev_irq irq;
	int64_t (*clock_ns)(void *clock_ctx);
	void *clock_ctx;
	void (*timer_changed)(void *timer_ctx, int64_t deadline_ns);
	void *timer_ctx;
};

/* vdev_rtc_create: a PL031 running at host time (offset 0), alarm off.
 * Returns 0 and *out; -EINVAL (NULL argument), -ENOMEM. */
int vdev_rtc_create(const struct vdev_rtc_config *cfg, struct vdev_rtc **out);

/* vdev_rtc_destroy: free the RTC (NULL accepted). It must not be on a bus any more. */
void vdev_rtc_destroy(struct vdev_rtc *rtc);

/* vdev_rtc_ops: the bus operations; insert with ctx = the RTC and len = VDEV_RTC_SIZE. */
const struct vdev_ops *vdev_rtc_ops(void);

/*
 * vdev_rtc_read / vdev_rtc_write: a guest access at offset (0..0xFFF) of size 1..8 bytes.
 * Registers are 32-bit at 4-byte aligned offsets; other accesses read 0 / are ignored.
 * Returns 0; -EINVAL (NULL argument, size not 1, 2, 4 or 8).
 */
int vdev_rtc_read(struct vdev_rtc *rtc, uint64_t offset, uint8_t *data, uint32_t size);
int vdev_rtc_write(struct vdev_rtc *rtc, uint64_t offset, const uint8_t *data, uint32_t size);

/*
 * vdev_rtc_next_deadline: the time (clock_ns nanoseconds) at which the RTC needs
 * vdev_rtc_timer_expired() called: when the counter reaches the match register.
 * Returns the deadline, or -1 when none is needed (alarm already raised, or rtc NULL).
 */
int64_t vdev_rtc_next_deadline(struct vdev_rtc *rtc);

/*
 * vdev_rtc_timer_expired: the embedder's timer fired. If the counter has reached the match
 * value, the alarm is raised (RTCRIS, and the interrupt if unmasked). An early call does no
 * harm. Safe while every vCPU is stopped. Returns 1 when the alarm was raised by this call,
 * 0 if not; -EINVAL (rtc NULL).
 */
int vdev_rtc_timer_expired(struct vdev_rtc *rtc);

/* vdev_rtc_irq_replay: like vdev_uart_irq_replay(), for the RTC's line. */
int vdev_rtc_irq_replay(struct vdev_rtc *rtc);

/*
 * vdev_rtc_save / vdev_rtc_restore: the PL031's state (section "P031", version 1), with
 * the contract of the device state section above. The counter is kept as an offset from
 * the clock (clock_ns, the host's wall clock by default) and saved as such: after a
 * restore, in this or a later process, the guest reads the host's time plus its own
 * offset, so the time spent saved has passed for it as for a real machine asleep. An
 * armed match keeps its absolute deadline: the embedder asks vdev_rtc_next_deadline()
 * after the restore and arms its timer for it, and a deadline that passed while the VM
 * was saved is already due, so the alarm fires at once (RTCRIS also shows it at the
 * guest's first register access). Saved too: RTCMR, RTCLR, RTCIMSC, RTCRIS. Refused:
 * reserved bits in RTCIMSC or RTCRIS, a deadline that is not the second at which the
 * counter reaches RTCMR.
 */
int vdev_rtc_save(const struct vdev_rtc *rtc, struct vdev_state_writer *w);
int vdev_rtc_restore(struct vdev_rtc *rtc, struct vdev_state_reader *r);

/* ---------------------------------------------------------------------------------------
 * PL061 GPIO controller
 * ------------------------------------------------------------------------------------- */

/* Register window of a PL061 (a 4 KiB AMBA page), and its pins. */
#define VDEV_PL061_SIZE 0x1000u
#define VDEV_PL061_PINS 8u

struct vdev_pl061;

/* Configuration of a PL061: its interrupt line (level: asserted while a pin's masked
   interrupt status is set). */
struct vdev_pl061_config {
	struct vdev_irq irq;
};

/* vdev_pl061_create: every pin an input at level 0, interrupts off.
 * Returns 0 and *out; -EINVAL (NULL argument), -ENOMEM. */
int vdev_pl061_create(const struct vdev_pl061_config *cfg, struct vdev_pl061 **out);

/* vdev_pl061_destroy: frees it (NULL accepted). It must not be on a bus any more. */
void vdev_pl061_destroy(struct vdev_pl061 *gpio);

/* vdev_pl061_ops: the bus operations; insert with ctx = the PL061 and len =
   VDEV_PL061_SIZE. */
const struct vdev_ops *vdev_pl061_ops(void);

/*
 * vdev_pl061_read / vdev_pl061_write: a guest access at offset (0..0xFFF), size 1..8
 * bytes. GPIODATA's address bits [9:2] mask the access (the PL061's way); the other
 * registers are 8-bit at 4-byte aligned offsets; other accesses read 0 / are ignored.
 * Returns 0; -EINVAL (NULL argument, size not 1, 2, 4 or 8).
 */
int vdev_pl061_read(struct vdev_pl061 *gpio, uint64_t offset, uint8_t *data, uint32_t size);
int vdev_pl061_write(struct vdev_pl061 *gpio, uint64_t offset, const uint8_t *data, uint32_t size);

/*
 * vdev_pl061_set_input: drives input pin (0..7) to level, as a button or key wired to it
 * would: an edge or level the pin's configuration asks for raises its interrupt status
 * (and the line, when unmasked). A pin the guest made an output keeps its own level.
 * Thread-safe. Returns 0; -EINVAL (gpio NULL, pin out of range).
 */
int vdev_pl061_set_input(struct vdev_pl061 *gpio, unsigned int pin, bool level);

/* vdev_pl061_irq_replay: like vdev_uart_irq_replay(), for the PL061's line. */
int vdev_pl061_irq_replay(struct vdev_pl061 *gpio);

/*
 * vdev_pl061_save / vdev_pl061_restore: the PL061's state (section "P061", version 1),
 * with the contract of the device state section above: the direction, interrupt and mode
 * registers, the output levels the guest wrote, the input levels the embedder drives
 * (an embedder that drives inputs sets them again after the restore if they changed
 * meanwhile, with vdev_pl061_set_input()) and the latched edge interrupts.
 */
int vdev_pl061_save(const struct vdev_pl061 *gpio, struct vdev_state_writer *w);
int vdev_pl061_restore(struct vdev_pl061 *gpio, struct vdev_state_reader *r);

/* ---------------------------------------------------------------------------------------
 * MC146818 CMOS RTC (a PC's ports 0x70/0x71)
 * ------------------------------------------------------------------------------------- */

/* Its port window: index at 0, data at 1. */
#define VDEV_CMOS_SIZE 2u
/* The ISA interrupt it raises (edge: each rise of IRQF is one interrupt). */
#define VDEV_CMOS_ISA_IRQ 8u

struct vdev_cmos;

/*
 * Configuration of a CMOS RTC: the same fields and contract as struct vdev_rtc_config
 * (the alarm's line, an optional clock in nanoseconds since the epoch, and the embedder's
 * one-shot timer for the alarm's next deadline, armed through timer_changed, whose
 * expiry the embedder reports with vdev_cmos_timer_expired()).
 *
 * What the guest sees: the time registers read the clock's UTC time in BCD, 24-hour mode
 * (register B's DM and 24/12 bits are fixed; time writes are kept as RAM and never read
 * back: the clock is the host's); registers A and D read a 32.768 kHz time base and a
 * good battery; the alarm (seconds, minutes, hours, each "don't care" at 0xc0 and above)
 * sets AF in register C, and with AIE in register B also IRQF, which drives the line.
 * Reading register C clears the flags and lowers the line. The periodic and update-ended
 * interrupts are not implemented (PIE and UIE are kept, never raise anything). The other
 * bytes of the 128 are battery-backed RAM. Index writes drop bit 7 (the NMI mask).
 */
struct vdev_cmos_config {
	struct vdev_irq irq;
	int64_t (*clock_ns)(void *clock_ctx);
	void *clock_ctx;
	void (*timer_changed)(void *timer_ctx, int64_t deadline_ns);
	void *timer_ctx;
};

/* vdev_cmos_create: a CMOS RTC at power-on (24-hour BCD, no interrupt enabled, alarm
 * registers 0). Returns 0 and *out; -EINVAL (NULL argument), -ENOMEM. */
int vdev_cmos_create(const struct vdev_cmos_config *cfg, struct vdev_cmos **out);

/* vdev_cmos_destroy: free it (NULL accepted). It must not be on a bus any more. */
void vdev_cmos_destroy(struct vdev_cmos *cmos);

/* vdev_cmos_ops: the bus operations; insert with ctx = the CMOS and len = VDEV_CMOS_SIZE
 * at port 0x70. */
const struct vdev_ops *vdev_cmos_ops(void);

/*
 * vdev_cmos_read / vdev_cmos_write: a guest access at offset 0 (index) or 1 (data).
 * Byte registers: accesses wider than 1 byte read 0 and are ignored; a byte read past
 * offset 1 gives 0xff, a write there is ignored. Returns 0; -EINVAL (NULL argument, size
 * not 1, 2, 4 or 8).
 */
int vdev_cmos_read(struct vdev_cmos *cmos, uint64_t offset, uint8_t *data, uint32_t size);
int vdev_cmos_write(struct vdev_cmos *cmos, uint64_t offset, const uint8_t *data, uint32_t size);

/* vdev_cmos_next_deadline: when the alarm next matches (clock nanoseconds, whole
 * seconds), or -1 when AIE is off or no time of day matches (or cmos NULL). */
int64_t vdev_cmos_next_deadline(struct vdev_cmos *cmos);

/*
 * vdev_cmos_timer_expired: the embedder's timer fired. When the armed second has come and
 * the alarm registers still match it (the guest may have moved the alarm meanwhile), AF
 * is set (IRQF and the line with AIE); then the timer is armed for the next match. An
 * early call does no harm. Returns 1 when the alarm went off, 0 if not; -EINVAL.
 */
int vdev_cmos_timer_expired(struct vdev_cmos *cmos);

/* vdev_cmos_irq_replay: like vdev_rtc_irq_replay(), for the CMOS's line. */
int vdev_cmos_irq_replay(struct vdev_cmos *cmos);

/*
 * vdev_cmos_save / vdev_cmos_restore: the CMOS's state (section "CMOS", version 1), with
 * the contract of the device state section above: the index register, the 128 bytes of
 * RAM (the alarm bytes among them), registers B and C, and the alarm's armed second. The
 * time registers are not state (they read the clock), so after a restore the guest reads
 * the wall-clock time. The armed second is absolute: the embedder asks
 * vdev_cmos_next_deadline() after the restore and arms its timer for it; one that passed
 * while the VM was saved is already due, so the alarm goes off at once (and the timer is
 * then armed for the next match). Refused: an index past 127, RAM bytes behind registers
 * A to D that are not 0, register B without 24-hour binary-coded mode or with fixed bits
 * set, flags in register C other than AF and IRQF or an IRQF that is not AF with AIE, an
 * armed second without AIE, that the alarm bytes do not match, or out of range.
 */
int vdev_cmos_save(const struct vdev_cmos *cmos, struct vdev_state_writer *w);
int vdev_cmos_restore(struct vdev_cmos *cmos, struct vdev_state_reader *r);

/* ---------------------------------------------------------------------------------------
 * i8042 keyboard controller (x86)
 * ------------------------------------------------------------------------------------- */

/* The i8042 occupies PIO 0x60..0x64: data at offset 0, status/command at offset 4. */
#define VDEV_I8042_BASE 0x60u
#define VDEV_I8042_SIZE 5u

struct vdev_i8042;

/*
 * Configuration of an i8042.
 *   kbd_irq, aux_irq  IRQ 1 and IRQ 12 (level: asserted while the output buffer holds a
 *                     byte from that port and the command byte enables its interrupt).
 *   reset             called (without the device's lock) when the guest asks for a system
 *                     reset: command 0xFE, or the output port's reset bit cleared (0xD1).
 *   reset_ctx         passed to reset.
 * There is no mouse: AUX commands get "no device" answers.
 */
struct vdev_i8042_config {
	struct vdev_irq kbd_irq;
	struct vdev_irq aux_irq;
	void (*reset)(void *reset_ctx);
	void *reset_ctx;
};

/* vdev_i8042_create: returns 0 and *out; -EINVAL (NULL argument), -ENOMEM. */
int vdev_i8042_create(const struct vdev_i8042_config *cfg, struct vdev_i8042 **out);

/* vdev_i8042_destroy: free it (NULL accepted). It must not be on a bus any more. */
void vdev_i8042_destroy(struct vdev_i8042 *dev);

/*
 * vdev_i8042_ops: the bus operations for the whole window: insert at VDEV_I8042_BASE with
 * len VDEV_I8042_SIZE (ports 0x61-0x63 then read 0 and ignore writes). To leave those ports
 * to other devices (0x61 is the PC speaker / PIT gate port), insert two 1-byte ranges
 * instead: 0x60 with vdev_i8042_ops() and 0x64 with vdev_i8042_cmd_ops(), both with ctx =
 * the i8042.
 */
const struct vdev_ops *vdev_i8042_ops(void);

/* vdev_i8042_cmd_ops: operations for a 1-byte range at port 0x64 alone (its offset 0 is
 * the status/command register). */
const struct vdev_ops *vdev_i8042_cmd_ops(void);

/* vdev_i8042_read / vdev_i8042_write: an access at offset 0 (data) or 4 (status/command)
 * of size 1..8 (only one byte is meaningful). Other offsets read 0 / are ignored.
 * Returns 0; -EINVAL (NULL argument, size not 1, 2, 4 or 8). */
int vdev_i8042_read(struct vdev_i8042 *dev, uint64_t offset, uint8_t *data, uint32_t size);
int vdev_i8042_write(struct vdev_i8042 *dev, uint64_t offset, const uint8_t *data, uint32_t size);

/* vdev_i8042_irq_replay: like vdev_uart_irq_replay(), for each of the i8042's two lines.
 * Returns 0; -EINVAL (dev NULL). */
int vdev_i8042_irq_replay(struct vdev_i8042 *dev);

/*
 * vdev_i8042_save / vdev_i8042_restore: the i8042's state (section "I842", version 1),
 * with the contract of the device state section above: the command byte, the output port,
 * the bytes queued for the guest with their port, the last byte read, the commands waiting
 * for a data byte and the keyboard's scan code set. A reset the guest asked for is not
 * state (the embedder's reset callback was called when the guest asked). Refused: more
 * bytes queued than the queue holds, queued entries that are not a byte and its port, a
 * pending command that takes no data byte, a scan code set other than 1, 2 or 3.
 */
int vdev_i8042_save(const struct vdev_i8042 *dev, struct vdev_state_writer *w);
int vdev_i8042_restore(struct vdev_i8042 *dev, struct vdev_state_reader *r);

/* ---------------------------------------------------------------------------------------
 * ACPI PM1 register block (x86)
 * ------------------------------------------------------------------------------------- */

/*
 * The fixed-hardware PM1a registers of an ACPI machine without SMM: the event block
 * (PM1_STS then PM1_EN, 2 bytes each) at offset 0 and the control block (PM1_CNT, 2
 * bytes) at offset VDEV_ACPI_PM1_CNT_OFFSET: insert one range of VDEV_ACPI_PM_SIZE bytes
 * and give the FADT PM1a_EVT_BLK = base, PM1a_CNT_BLK = base + 4. The machine is always in
 * ACPI mode (SCI_EN reads 1, as with the FADT's SMI_CMD 0).
 *
 * Status bits are set by the embedder (vdev_acpi_pm_event(): the RTC alarm, the power
 * button) and cleared by the guest writing ones. The SCI is level-triggered: asserted while
 * some status bit is set whose enable bit is set, deasserted otherwise. A write that sets
 * SLP_EN calls sleep() with the sleep type the guest wrote (the embedder maps it to the
 * state its DSDT's \_Sx packages name: S5 power-off, S3 suspend); SLP_EN reads back 0.
 */
#define VDEV_ACPI_PM_SIZE 6u
#define VDEV_ACPI_PM1_CNT_OFFSET 4u

/* PM1 status and enable bits (ACPI 6.4, 4.8.3.1). */
#define VDEV_ACPI_PM1_TMR 0x0001u    /* timer carry (no PM timer here: never set) */
#define VDEV_ACPI_PM1_GBL 0x0020u    /* global lock release */
#define VDEV_ACPI_PM1_PWRBTN 0x0100u /* power button */
#define VDEV_ACPI_PM1_RTC 0x0400u    /* RTC alarm */
#define VDEV_ACPI_PM1_WAK 0x8000u    /* status only: the machine woke from a sleep state */

/* PM1 control bits. */
#define VDEV_ACPI_PM1_SCI_EN 0x0001u
#define VDEV_ACPI_PM1_SLP_TYP_SHIFT 10
#define VDEV_ACPI_PM1_SLP_TYP_MASK 0x1c00u
#define VDEV_ACPI_PM1_SLP_EN 0x2000u

struct vdev_acpi_pm;

struct vdev_acpi_pm_config {
	struct vdev_irq sci; /* the SCI (ISA IRQ 9 on a PC); level */
	/* The guest set SLP_EN with sleep type slp_typ (0 to 7). Called without the
	   device's lock, from the vCPU thread that wrote; NULL ignores the request. */
	void (*sleep)(void *ctx, unsigned int slp_typ);
	void *ctx;
};

/* vdev_acpi_pm_create: returns 0 and *out; -EINVAL (NULL argument), -ENOMEM. */
int vdev_acpi_pm_create(const struct vdev_acpi_pm_config *cfg, struct vdev_acpi_pm **out);

/* vdev_acpi_pm_destroy: free it (NULL accepted). It must not be on a bus any more. */
void vdev_acpi_pm_destroy(struct vdev_acpi_pm *pm);

/* vdev_acpi_pm_ops: the bus operations; insert with ctx = the device and len =
 * VDEV_ACPI_PM_SIZE. */
const struct vdev_ops *vdev_acpi_pm_ops(void);

/* vdev_acpi_pm_read / vdev_acpi_pm_write: a guest access at offset of size 1..8; bytes
 * past the registers read 0 and are ignored. Returns 0; -EINVAL (NULL argument, size not
 * 1, 2, 4 or 8). */
int vdev_acpi_pm_read(struct vdev_acpi_pm *pm, uint64_t offset, uint8_t *data, uint32_t size);
int vdev_acpi_pm_write(struct vdev_acpi_pm *pm, uint64_t offset, const uint8_t *data,
                       uint32_t size);

/* vdev_acpi_pm_event: sets the PM1 status bits in status (VDEV_ACPI_PM1_*) and updates the
 * SCI. Returns 0; -EINVAL (NULL). */
int vdev_acpi_pm_event(struct vdev_acpi_pm *pm, uint16_t status);

/*
 * Sleeping (S3): the embedder stops the machine when sleep() asks for it and wakes it when
 * a wake event comes: the RTC alarm when enabled (RTC_STS, which the embedder sets with
 * vdev_acpi_pm_event() whenever the RTC's alarm goes off, as the chipset does, and RTC_EN)
 * and the power button always (PWRBTN_STS: PWRBTN_EN gates only its SCI, as on PC
 * chipsets, so that a guest without a power button driver still wakes by it). The SCI is
 * not what wakes (the vCPUs are stopped): ask vdev_acpi_pm_wake_pending() after each
 * event. On waking, vdev_acpi_pm_woke() sets WAK_STS, which the guest reads (and clears)
 * after resuming; the event's own status bit tells it why it woke.
 *
 * vdev_acpi_pm_wake_pending: 1 when a wake event's status is set, 0 when not; -EINVAL
 * (NULL).
 * vdev_acpi_pm_woke: sets WAK_STS. Returns 0; -EINVAL (NULL).
 */
int vdev_acpi_pm_wake_pending(struct vdev_acpi_pm *pm);
int vdev_acpi_pm_woke(struct vdev_acpi_pm *pm);

/* vdev_acpi_pm_irq_replay: like vdev_uart_irq_replay(), for the SCI. Returns 0; -EINVAL. */
int vdev_acpi_pm_irq_replay(struct vdev_acpi_pm *pm);

/*
 * vdev_acpi_pm_save / vdev_acpi_pm_restore: the PM1 registers (section "APM1", version
 * 1), with the contract of the device state section above. Refused: status or enable bits
 * this block does not have, PM1_CNT without SCI_EN or with SLP_EN (a sleep request is
 * acted on when written, never kept).
 */
int vdev_acpi_pm_save(const struct vdev_acpi_pm *pm, struct vdev_state_writer *w);
int vdev_acpi_pm_restore(struct vdev_acpi_pm *pm, struct vdev_state_reader *r);

#ifdef __cplusplus
}
#endif

#endif /* CVMM_DEVICES_H */
