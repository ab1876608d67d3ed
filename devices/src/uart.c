/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 16550A UART.
 *
 * Transmission is instantaneous (each THR byte goes into the output buffer at once), so
 * the transmitter FIFO is always empty and THRE/TEMT always read 1. The output buffer is
 * written to out_fd without ever waiting for it: what the fd does not take now stays in
 * the buffer for vdev_uart_flush_output(), and a byte that finds the buffer full is
 * dropped and counted. A reader that stops reading therefore costs guest output, never a
 * vCPU (which holds the lock while it transmits) or the thread that serves input. The receiver FIFO
 * holds what the embedder pushed in; it never overflows from host input because the push only takes
 * what fits (back-pressure). It can overflow in loopback mode, as real hardware does. A
 * received-data interrupt is raised as soon as any byte is waiting: below the FIFO trigger level it
 * is reported as a character timeout, as if the timeout had elapsed.
 */
#include "uart_regs.h"

#include <cvmm/devices.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define FIFO_SIZE 16u

struct vdev_uart {
	pthread_mutex_t lock;
	struct vdev_uart_config cfg;

	uint8_t rx[FIFO_SIZE];
	unsigned int rx_head;
	unsigned int rx_count;

	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	uint8_t lsr_err; /* sticky error bits of LSR, cleared by reading LSR */
	uint8_t msr;     /* lines (bits 4-7) and deltas (bits 0-3) */
	bool thre_pending;
	bool irq_level;
	bool out_limit_hit;
	uint64_t tx_dropped;
	uint64_t tx_written;

	/* Output waiting for out_fd: a ring of out_cap bytes. */
	uint8_t *out;
	size_t out_cap, out_head, out_len;
	bool out_waiting; /* out_fd would block: out_blocked was called, flush awaited */
};

static bool fifo_enabled(const struct vdev_uart *u)
{
	return u->fcr & UART_FCR_ENABLE;
}

static bool loopback(const struct vdev_uart *u)
{
	return u->mcr & UART_MCR_LOOP;
}

static unsigned int rx_capacity(const struct vdev_uart *u)
{
	return fifo_enabled(u) ? FIFO_SIZE : 1;
}

static size_t input_space_locked(const struct vdev_uart *u)
{
	unsigned int cap = rx_capacity(u);

	if (loopback(u) || u->rx_count >= cap)
		return 0;
	return cap - u->rx_count;
}

static unsigned int trigger_level(const struct vdev_uart *u)
{
	static const unsigned int levels[4] = {1, 4, 8, 14};
	return levels[(u->fcr >> 6) & 3];
}

/* The highest-priority pending interrupt, as IIR's low nibble. */
static uint8_t pending_iid(const struct vdev_uart *u)
{
	if ((u->ier & UART_IER_RLSI) && (u->lsr_err & UART_LSR_ERRORS))
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && u->rx_count > 0) {
		if (fifo_enabled(u) && u->rx_count < trigger_level(u))
			return UART_IIR_RX_TIMEOUT;
		return UART_IIR_RDI;
	}
	if ((u->ier & UART_IER_THRI) && u->thre_pending)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_MSI) && (u->msr & UART_MSR_DELTAS))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

static void update_irq(struct vdev_uart *u)
{
	bool level = pending_iid(u) != UART_IIR_NO_INT;

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (level)
		vdev_irq_assert(&u->cfg.irq);
	else
		vdev_irq_deassert(&u->cfg.irq);
}

static void rx_clear(struct vdev_uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* Returns false (and flags an overrun) when the FIFO is full. */
static bool rx_put(struct vdev_uart *u, uint8_t b)
{
	if (u->rx_count >= rx_capacity(u)) {
		u->lsr_err |= UART_LSR_OE;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % FIFO_SIZE] = b;
	u->rx_count++;
	return true;
}

static uint8_t rx_get(struct vdev_uart *u)
{
	uint8_t b;

	if (u->rx_count == 0)
		return 0;
	b = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % FIFO_SIZE;
	u->rx_count--;
	return b;
}

/* Modem input lines: wired to the modem outputs in loopback, else a present host. */
static uint8_t modem_lines(const struct vdev_uart *u)
{
	uint8_t m = u->mcr, lines = 0;

	if (!loopback(u))
		return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	if (m & UART_MCR_RTS)
		lines |= UART_MSR_CTS;
	if (m & UART_MCR_DTR)
		lines |= UART_MSR_DSR;
	if (m & UART_MCR_OUT1)
		lines |= UART_MSR_RI;
	if (m & UART_MCR_OUT2)
		lines |= UART_MSR_DCD;
	return lines;
}

static void update_msr(struct vdev_uart *u)
{
	uint8_t old = u->msr & 0xf0, now = modem_lines(u), changed = old ^ now;
	uint8_t delta = 0;

	if (changed & UART_MSR_CTS)
		delta |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		delta |= UART_MSR_DDSR;
	if ((old & UART_MSR_RI) && !(now & UART_MSR_RI))
		delta |= UART_MSR_TERI;
	if (changed & UART_MSR_DCD)
		delta |= UART_MSR_DDCD;
	u->msr = now | (u->msr & UART_MSR_DELTAS) | delta;
}

/*
 * Writes as much of the output buffer as out_fd takes now. Returns 0 when the buffer is
 * empty, -EAGAIN when out_fd would block (the rest stays), or the write error (the rest is
 * dropped and counted: a failing fd would fail the same way again).
 */
static int flush_locked(struct vdev_uart *u)
{
	while (u->out_len) {
		size_t first = u->out_cap - u->out_head;
		struct iovec iov[2] = {
		    {.iov_base = u->out + u->out_head,
		     .iov_len = first < u->out_len ? first : u->out_len},
		    {.iov_base = u->out, .iov_len = first < u->out_len ? u->out_len - first : 0},
		};
		ssize_t n = writev(u->cfg.out_fd, iov, iov[1].iov_len ? 2 : 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -EAGAIN;
		if (n <= 0) {
			int err = n < 0 ? -errno : -EIO;
			u->tx_dropped += u->out_len;
			u->out_len = 0;
			return err;
		}
		u->tx_written += (uint64_t)n;
		u->out_head = (u->out_head + (size_t)n) % u->out_cap;
		u->out_len -= (size_t)n;
	}
	u->out_head = 0;
	return 0;
}

static void transmit(struct vdev_uart *u, uint8_t b)
{
	if (loopback(u)) {
		rx_put(u, b);
		return;
	}
	if (u->cfg.out_fd < 0) {
		u->tx_dropped++;
		return;
	}
	if (u->cfg.out_limit && u->tx_written + u->out_len >= u->cfg.out_limit) {
		u->tx_dropped++;
		if (!u->out_limit_hit) {
			u->out_limit_hit = true;
			if (u->cfg.out_limit_reached)
				u->cfg.out_limit_reached(u->cfg.cb_ctx);
		}
		return;
	}
	if (u->out_len == u->out_cap) {
		u->tx_dropped++;
		return;
	}
	u->out[(u->out_head + u->out_len) % u->out_cap] = b;
	u->out_len++;
	/* While out_fd is known to be full, the embedder's flush takes it from here: no
	   write per byte into a full pipe. Without a callback, every byte tries again. */
	if (u->out_waiting)
		return;
	if (flush_locked(u) == -EAGAIN && u->cfg.out_blocked) {
		u->out_waiting = true;
		u->cfg.out_blocked(u->cfg.cb_ctx);
	}
}

int vdev_uart_create(const struct vdev_uart_config *cfg, struct vdev_uart **out)
{
	struct vdev_uart *u;
	int ret;

	if (!cfg || !out || cfg->reg_shift > 3)
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	ret = pthread_mutex_init(&u->lock, NULL);
	if (ret) {
		free(u);
		return -ret;
	}
	u->cfg = *cfg;
	u->out_cap = cfg->out_buffer ? cfg->out_buffer : VDEV_UART_OUT_BUFFER_DEFAULT;
	u->out = malloc(u->out_cap);
	if (!u->out) {
		pthread_mutex_destroy(&u->lock);
		free(u);
		return -ENOMEM;
	}
	u->dll = 0x0c; /* 9600 baud from a 1.8432 MHz clock, the customary reset value */
	u->msr = modem_lines(u);
	*out = u;
	return 0;
}

void vdev_uart_destroy(struct vdev_uart *uart)
{
	if (!uart)
		return;
	pthread_mutex_destroy(&uart->lock);
	free(uart->out);
	free(uart);
}

static bool valid_size(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* Maps a bus offset to a register index; -1 for a hole between shifted registers. */
static int reg_index(const struct vdev_uart *u, uint64_t offset)
{
	uint64_t mask = ((uint64_t)1 << u->cfg.reg_shift) - 1;

	if (offset & mask)
		return -1;
	offset >>= u->cfg.reg_shift;
	if (offset >= VDEV_UART_REGS)
		return -1;
	return (int)offset;
}

static uint8_t read_reg(struct vdev_uart *u, int reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t v = 0, iid;

	switch (reg) {
	case UART_RX:
		v = dlab ? u->dll : rx_get(u);
		break;
	case UART_IER:
		v = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR:
		iid = pending_iid(u);
		/* Reading IIR while it names THRE acknowledges that interrupt. */
		if (iid == UART_IIR_THRI)
			u->thre_pending = false;
		v = iid | (fifo_enabled(u) ? UART_IIR_FIFO_ENABLED : 0);
		break;
	case UART_LCR:
		v = u->lcr;
		break;
	case UART_MCR:
		v = u->mcr;
		break;
	case UART_LSR:
		v = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_err;
		if (u->rx_count > 0)
			v |= UART_LSR_DR;
		u->lsr_err = 0;
		break;
	case UART_MSR:
		v = u->msr;
		u->msr &= (uint8_t)~UART_MSR_DELTAS;
		break;
	case UART_SCR:
		v = u->scr;
		break;
	default:
		break;
	}
	return v;
}

static void write_reg(struct vdev_uart *u, int reg, uint8_t v)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t old;

	switch (reg) {
	case UART_TX:
		if (dlab) {
			u->dll = v;
			break;
		}
		transmit(u, v);
		/* The byte left at once: the holding register is empty again. */
		u->thre_pending = true;
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = v;
			break;
		}
		old = u->ier;
		u->ier = v & UART_IER_MASK;
		/* Enabling THRE interrupts while THR is empty raises one at once. */
		if (!(old & UART_IER_THRI) && (u->ier & UART_IER_THRI))
			u->thre_pending = true;
		break;
	case UART_FCR:
		if ((v ^ u->fcr) & UART_FCR_ENABLE)
			rx_clear(u);
		if (v & UART_FCR_CLEAR_RCVR)
			rx_clear(u);
		/* Only the enable and trigger bits are state; the clear bits self-clear. */
		u->fcr = v & (UART_FCR_ENABLE | UART_FCR_TRIGGER_MASK);
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		old = u->mcr;
		u->mcr = v & UART_MCR_MASK;
		if (old != u->mcr)
			update_msr(u);
		break;
	case UART_SCR:
		u->scr = v;
		break;
	default:
		/* LSR and MSR writes are factory-test features: ignored. */
		break;
	}
}

static void notify_space(struct vdev_uart *u, size_t before)
{
	size_t after = input_space_locked(u);

	pthread_mutex_unlock(&u->lock);
	if (before == 0 && after > 0 && u->cfg.input_space)
		u->cfg.input_space(u->cfg.cb_ctx);
}

int vdev_uart_read(struct vdev_uart *uart, uint64_t offset, uint8_t *data, uint32_t size)
{
	size_t before;
	uint8_t v = 0;
	int reg;

	if (!uart || !data || !valid_size(size))
		return -EINVAL;
	pthread_mutex_lock(&uart->lock);
	before = input_space_locked(uart);
	reg = reg_index(uart, offset);
	if (reg >= 0) {
		v = read_reg(uart, reg);
		update_irq(uart);
	}
	notify_space(uart, before);
	vdev_le_put(data, size, v);
	return 0;
}

int vdev_uart_write(struct vdev_uart *uart, uint64_t offset, const uint8_t *data, uint32_t size)
{
	size_t before;
	int reg;

	if (!uart || !data || !valid_size(size))
		return -EINVAL;
	pthread_mutex_lock(&uart->lock);
	before = input_space_locked(uart);
	reg = reg_index(uart, offset);
	if (reg >= 0) {
		write_reg(uart, reg, data[0]);
		update_irq(uart);
	}
	notify_space(uart, before);
	return 0;
}

static int uart_ops_read(void *ctx, uint64_t offset, uint8_t *data, uint32_t size)
{
	return vdev_uart_read(ctx, offset, data, size);
}

static int uart_ops_write(void *ctx, uint64_t offset, const uint8_t *data, uint32_t size)
{
	return vdev_uart_write(ctx, offset, data, size);
}

static const struct vdev_ops uart_ops = {.read = uart_ops_read, .write = uart_ops_write};

const struct vdev_ops *vdev_uart_ops(void)
{
	return &uart_ops;
}

int vdev_uart_push_input(struct vdev_uart *uart, const uint8_t *buf, size_t len)
{
	size_t n, i;

	if (!uart || (!buf && len > 0))
		return -EINVAL;
	pthread_mutex_lock(&uart->lock);
	n = input_space_locked(uart);
	if (n > len)
		n = len;
	for (i = 0; i < n; i++)
		rx_put(uart, buf[i]);
	update_irq(uart);
	pthread_mutex_unlock(&uart->lock);
	/* n <= FIFO_SIZE, so it fits an int. */
	return (int)n;
}

int vdev_uart_read_input(struct vdev_uart *uart, int fd)
{
	uint8_t buf[FIFO_SIZE];
	size_t space;
	ssize_t n;

	if (!uart || fd < 0)
		return -EINVAL;
	/* Held across the read so the space cannot shrink between the read and the push. */
	pthread_mutex_lock(&uart->lock);
	space = input_space_locked(uart);
	if (space == 0) {
		pthread_mutex_unlock(&uart->lock);
		return -ENOSPC;
	}
	do {
		n = read(fd, buf, space);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int err = -errno;
		pthread_mutex_unlock(&uart->lock);
		return err;
	}
	for (ssize_t i = 0; i < n; i++)
		rx_put(uart, buf[i]);
	update_irq(uart);
	pthread_mutex_unlock(&uart->lock);
	return (int)n;
}

size_t vdev_uart_input_space(struct vdev_uart *uart)
{
	size_t n;

	if (!uart)
		return 0;
	pthread_mutex_lock(&uart->lock);
	n = input_space_locked(uart);
	pthread_mutex_unlock(&uart->lock);
	return n;
}

uint64_t vdev_uart_tx_dropped(struct vdev_uart *uart)
{
	uint64_t n;

	if (!uart)
		return 0;
	pthread_mutex_lock(&uart->lock);
	n = uart->tx_dropped;
	pthread_mutex_unlock(&uart->lock);
	return n;
}

int vdev_uart_flush_output(struct vdev_uart *uart)
{
	int ret;

	if (!uart)
		return -EINVAL;
	pthread_mutex_lock(&uart->lock);
	ret = uart->cfg.out_fd < 0 ? 0 : flush_locked(uart);
	/* Still blocked: the caller keeps waiting for out_fd, transmits only buffer. */
	uart->out_waiting = ret == -EAGAIN;
	if (ret == -EAGAIN)
		ret = uart->out_len > INT32_MAX ? INT32_MAX : (int)uart->out_len;
	pthread_mutex_unlock(&uart->lock);
	return ret;
}

size_t vdev_uart_output_pending(struct vdev_uart *uart)
{
	size_t n;

	if (!uart)
		return 0;
	pthread_mutex_lock(&uart->lock);
	n = uart->out_len;
	pthread_mutex_unlock(&uart->lock);
	return n;
}

int vdev_uart_drop_output(struct vdev_uart *uart)
{
	if (!uart)
		return -EINVAL;
	pthread_mutex_lock(&uart->lock);
	uart->tx_dropped += uart->out_len;
	uart->out_len = 0;
	uart->out_head = 0;
	uart->out_waiting = false;
	pthread_mutex_unlock(&uart->lock);
	return 0;
}

uint64_t vdev_uart_tx_written(struct vdev_uart *uart)
{
	uint64_t n;

	if (!uart)
		return 0;
	pthread_mutex_lock(&uart->lock);
	n = uart->tx_written;
	pthread_mutex_unlock(&uart->lock);
	return n;
}

int vdev_uart_irq_replay(struct vdev_uart *uart)
{
	if (!uart)
		return -EINVAL;
	pthread_mutex_lock(&uart->lock);
	if (uart->irq_level) {
		vdev_irq_deassert(&uart->cfg.irq);
		vdev_irq_assert(&uart->cfg.irq);
	}
	pthread_mutex_unlock(&uart->lock);
	return 0;
}

/*
 * Saved state, version 1: IER, LCR, MCR, FCR (enable and trigger bits), SCR, DLL, DLM,
 * the sticky LSR error bits, MSR (lines and deltas), the THRE interrupt's pending flag
 * (each a u8), then the receive FIFO: its byte count (u8) and the bytes, oldest first.
 */
#define UART_STATE_TAG VDEV_STATE_TAG('U', 'A', 'R', 'T')
#define UART_STATE_VERSION 1u

int vdev_uart_save(const struct vdev_uart *uart, struct vdev_state_writer *w)
{
	pthread_mutex_t *lock;
	size_t mark;

	if (!uart || !w)
		return -EINVAL;
	/* Saving changes nothing; the lock only keeps the registers consistent. */
	lock = (pthread_mutex_t *)&uart->lock;
	pthread_mutex_lock(lock);
	mark = vdev_state_begin(w, UART_STATE_TAG, UART_STATE_VERSION);
	vdev_state_put_u8(w, uart->ier);
	vdev_state_put_u8(w, uart->lcr);
	vdev_state_put_u8(w, uart->mcr);
	vdev_state_put_u8(w, uart->fcr);
	vdev_state_put_u8(w, uart->scr);
	vdev_state_put_u8(w, uart->dll);
	vdev_state_put_u8(w, uart->dlm);
	vdev_state_put_u8(w, uart->lsr_err);
	vdev_state_put_u8(w, uart->msr);
	vdev_state_put_u8(w, uart->thre_pending);
	vdev_state_put_u8(w, (uint8_t)uart->rx_count);
	for (unsigned int i = 0; i < uart->rx_count; i++)
		vdev_state_put_u8(w, uart->rx[(uart->rx_head + i) % FIFO_SIZE]);
	vdev_state_end(w, mark);
	pthread_mutex_unlock(lock);
	return w->error;
}

int vdev_uart_restore(struct vdev_uart *uart, struct vdev_state_reader *r)
{
	struct vdev_state_reader s;
	struct vdev_uart n; /* the registers to apply, checked first */
	uint8_t thre;

	if (!uart || !r)
		return -EINVAL;
	memset(&n, 0, sizeof(n));
	if (vdev_state_open(r, UART_STATE_TAG, UART_STATE_VERSION, NULL, &s) < 0)
		return r->error;
	n.ier = vdev_state_get_u8(&s);
	n.lcr = vdev_state_get_u8(&s);
	n.mcr = vdev_state_get_u8(&s);
	n.fcr = vdev_state_get_u8(&s);
	n.scr = vdev_state_get_u8(&s);
	n.dll = vdev_state_get_u8(&s);
	n.dlm = vdev_state_get_u8(&s);
	n.lsr_err = vdev_state_get_u8(&s);
	n.msr = vdev_state_get_u8(&s);
	thre = vdev_state_get_u8(&s);
	n.rx_count = vdev_state_get_u8(&s);
	n.rx_head = 0;
	if (n.rx_count <= FIFO_SIZE)
		vdev_state_get_bytes(&s, n.rx, n.rx_count);
	if (n.ier & ~UART_IER_MASK)
		vdev_state_fail(&s, "uart: IER %#x has reserved bits", n.ier);
	if (n.mcr & ~UART_MCR_MASK)
		vdev_state_fail(&s, "uart: MCR %#x has reserved bits", n.mcr);
	if (n.fcr & ~(UART_FCR_ENABLE | UART_FCR_TRIGGER_MASK))
		vdev_state_fail(&s, "uart: FCR %#x has bits that are not state", n.fcr);
	if (n.lsr_err & ~UART_LSR_ERRORS)
		vdev_state_fail(&s, "uart: LSR error bits %#x are not error bits", n.lsr_err);
	if ((n.msr & 0xf0) != modem_lines(&n))
		vdev_state_fail(&s, "uart: MSR lines %#x do not match MCR %#x (expected %#x)",
		                n.msr & 0xf0, n.mcr, modem_lines(&n));
	if (thre > 1)
		vdev_state_fail(&s, "uart: THRE pending flag %u is not 0 or 1", thre);
	if (n.rx_count > rx_capacity(&n))
		vdev_state_fail(&s, "uart: %u received bytes, more than its FIFO holds (%u)",
		                n.rx_count, rx_capacity(&n));
	if (vdev_state_close(r, &s) < 0)
		return r->error;

	pthread_mutex_lock(&uart->lock);
	uart->ier = n.ier;
	uart->lcr = n.lcr;
	uart->mcr = n.mcr;
	uart->fcr = n.fcr;
	uart->scr = n.scr;
	uart->dll = n.dll;
	uart->dlm = n.dlm;
	uart->lsr_err = n.lsr_err;
	uart->msr = n.msr;
	uart->thre_pending = thre;
	memcpy(uart->rx, n.rx, sizeof(uart->rx));
	uart->rx_head = 0;
	uart->rx_count = n.rx_count;
	/* The line's level as the restored registers have it, without driving it: the
	   embedder replays it (vdev_uart_irq_replay()). */
	uart->irq_level = pending_iid(uart) != UART_IIR_NO_INT;
	pthread_mutex_unlock(&uart->lock);
	return 0;
}
