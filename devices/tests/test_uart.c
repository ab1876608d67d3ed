/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "irq_recorder.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Register offsets and bits, from the PC16550D data sheet. */
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2 };
enum { LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

struct fixture {
	struct vdev_uart *uart;
	struct irq_recorder irq;
	int pipe[2];
	int space_calls;
	unsigned int shift;
};

static struct fixture fx;

static void space_cb(void *ctx)
{
	struct fixture *f = ctx;
	f->space_calls++;
}

static void setup_shift(unsigned int shift)
{
	struct vdev_uart_config cfg = {0};
	memset(&fx, 0, sizeof(fx));
	cr_assert_eq(pipe2(fx.pipe, O_NONBLOCK), 0);
	cfg.out_fd = fx.pipe[1];
	cfg.irq = irq_rec_init(&fx.irq, 4);
	cfg.reg_shift = shift;
	cfg.input_space = space_cb;
	cfg.cb_ctx = &fx;
	fx.shift = shift;
	cr_assert_eq(vdev_uart_create(&cfg, &fx.uart), 0);
}

static void setup(void)
{
	setup_shift(0);
}

static void teardown(void)
{
	vdev_uart_destroy(fx.uart);
	close(fx.pipe[0]);
	close(fx.pipe[1]);
}

static uint8_t rd(int reg)
{
	uint8_t b[8];
	memset(b, 0xaa, sizeof(b));
	cr_assert_eq(vdev_uart_read(fx.uart, (uint64_t)reg << fx.shift, b, 1), 0);
	return b[0];
}

static void wr(int reg, uint8_t v)
{
	cr_assert_eq(vdev_uart_write(fx.uart, (uint64_t)reg << fx.shift, &v, 1), 0);
}

static int push(const char *s, size_t n)
{
	return vdev_uart_push_input(fx.uart, (const uint8_t *)s, n);
}

TestSuite(uart, .init = setup, .fini = teardown);

Test(uart, reset_values)
{
	cr_assert_eq(rd(IER), 0);
	cr_assert_eq(rd(IIR), 0x01);
	cr_assert_eq(rd(LCR), 0);
	cr_assert_eq(rd(MCR), 0);
	cr_assert_eq(rd(LSR), 0x60);
	cr_assert_eq(rd(MSR), 0xb0); /* CTS, DSR, DCD: a host is connected */
	cr_assert_eq(rd(SCR), 0);
	cr_assert_eq(rd(RBR), 0);
	cr_assert_not(fx.irq.level);
	cr_assert_eq(fx.irq.asserts, 0);
}

Test(uart, bad_arguments)
{
	uint8_t b = 0;
	struct vdev_uart *u;
	struct vdev_uart_config cfg = {.out_fd = -1, .reg_shift = 4};
	cr_assert_eq(vdev_uart_read(fx.uart, 0, &b, 3), -EINVAL);
	cr_assert_eq(vdev_uart_read(fx.uart, 0, NULL, 1), -EINVAL);
	cr_assert_eq(vdev_uart_write(NULL, 0, &b, 1), -EINVAL);
	cr_assert_eq(vdev_uart_write(fx.uart, 0, &b, 0), -EINVAL);
	cr_assert_eq(vdev_uart_push_input(NULL, &b, 1), -EINVAL);
	cr_assert_eq(vdev_uart_push_input(fx.uart, NULL, 1), -EINVAL);
	cr_assert_eq(vdev_uart_push_input(fx.uart, NULL, 0), 0);
	cr_assert_eq(vdev_uart_create(&cfg, &u), -EINVAL);
	cr_assert_eq(vdev_uart_create(NULL, &u), -EINVAL);
	cr_assert_eq(vdev_uart_irq_replay(NULL), -EINVAL);
	cr_assert_eq(vdev_uart_input_space(NULL), 0);
	vdev_uart_destroy(NULL);
}

Test(uart, scratch_and_lcr)
{
	wr(SCR, 0x5a);
	cr_assert_eq(rd(SCR), 0x5a);
	wr(LCR, 0x1b); /* 8 data bits, 1 stop, even parity */
	cr_assert_eq(rd(LCR), 0x1b);
}

Test(uart, divisor_latch_behind_dlab)
{
	char out[4];
	wr(IER, 0x05);
	wr(LCR, 0x83);
	cr_assert_eq(rd(DLL), 0x0c, "reset divisor is 9600 baud");
	cr_assert_eq(rd(DLM), 0x00);
	wr(DLL, 0x01);
	wr(DLM, 0x02);
	cr_assert_eq(rd(DLL), 0x01);
	cr_assert_eq(rd(DLM), 0x02);
	wr(LCR, 0x03);
	/* The latch did not touch IER, and a DLL write sent nothing. */
	cr_assert_eq(rd(IER), 0x05);
	cr_assert_eq(read(fx.pipe[0], out, sizeof(out)), -1);
	cr_assert_eq(errno, EAGAIN);
	wr(LCR, 0x80);
	cr_assert_eq(rd(DLL), 0x01);
	cr_assert_eq(rd(DLM), 0x02);
}

Test(uart, ier_keeps_low_nibble)
{
	wr(IER, 0xff);
	cr_assert_eq(rd(IER), 0x0f);
}

Test(uart, transmit_to_fd)
{
	char out[16] = {0};
	const char *msg = "hello";
	for (size_t i = 0; i < strlen(msg); i++) {
		wr(THR, (uint8_t)msg[i]);
		cr_assert_eq(rd(LSR) & 0x60, 0x60, "THRE and TEMT after each byte");
	}
	cr_assert_eq(read(fx.pipe[0], out, sizeof(out)), 5);
	cr_assert_str_eq(out, "hello");
	cr_assert_eq(vdev_uart_tx_dropped(fx.uart), 0);
}

static int blocked_calls;
static void blocked_cb(void *ctx)
{
	(void)ctx;
	blocked_calls++;
}

static uint8_t out_pattern(size_t i)
{
	return (uint8_t)(i % 251);
}

Test(uart, stalled_reader_costs_output_never_a_wait)
{
	/* A reader that stops reading: a 4 KiB pipe, an 8 KiB output buffer, 20000 bytes
	   from the guest. The pipe takes 4096, the buffer 8192, the rest is dropped and
	   counted; no THR write waits, and the embedder is told once. */
	struct vdev_uart *u;
	struct irq_recorder irq;
	int p[2];
	struct vdev_uart_config cfg = {0};
	const size_t total = 20000, cap = 8192;

	cr_assert_eq(pipe2(p, O_NONBLOCK), 0);
	cr_assert_eq(fcntl(p[1], F_SETPIPE_SZ, 4096), 4096);
	cfg.out_fd = p[1];
	cfg.irq = irq_rec_init(&irq, 4);
	cfg.out_buffer = cap;
	cfg.out_blocked = blocked_cb;
	blocked_calls = 0;
	cr_assert_eq(vdev_uart_create(&cfg, &u), 0);
	for (size_t i = 0; i < total; i++) {
		uint8_t b = out_pattern(i), lsr = 0;
		cr_assert_eq(vdev_uart_write(u, THR, &b, 1), 0);
		vdev_uart_read(u, LSR, &lsr, 1);
		cr_assert_eq(lsr & 0x60, 0x60, "the guest still sees an idle transmitter");
	}
	cr_expect_eq(vdev_uart_tx_written(u), 4096);
	cr_expect_eq(vdev_uart_output_pending(u), cap);
	cr_expect_eq(vdev_uart_tx_dropped(u), total - 4096 - cap);
	cr_expect_eq(blocked_calls, 1, "out_blocked once, not per byte");

	/* The reader comes back: each flush moves what the pipe takes, in order. */
	static uint8_t got[4096 + 8192];
	size_t have = 0;
	for (int round = 0; round < 8 && have < sizeof(got); round++) {
		ssize_t n = read(p[0], got + have, sizeof(got) - have);
		if (n > 0)
			have += (size_t)n;
		int left = vdev_uart_flush_output(u);
		cr_assert_geq(left, 0);
	}
	cr_expect_eq(have, sizeof(got));
	cr_expect_eq(vdev_uart_output_pending(u), 0);
	cr_expect_eq(vdev_uart_flush_output(u), 0);
	for (size_t i = 0; i < have; i++)
		cr_assert_eq(got[i], out_pattern(i), "byte %zu", i);
	cr_expect_eq(vdev_uart_tx_written(u), sizeof(got));

	/* Output flows again without the embedder: the next byte goes straight out. */
	uint8_t b = 'z', c = 0;
	vdev_uart_write(u, THR, &b, 1);
	cr_expect_eq(read(p[0], &c, 1), 1);
	cr_expect_eq(c, 'z');

	/* What is buffered when the reader never comes back is dropped on request. */
	char fill[4096];
	memset(fill, 'f', sizeof(fill));
	cr_assert_eq(write(p[1], fill, sizeof(fill)), (ssize_t)sizeof(fill));
	for (int i = 0; i < 10; i++)
		vdev_uart_write(u, THR, &b, 1);
	cr_expect_eq(vdev_uart_output_pending(u), 10);
	uint64_t dropped = vdev_uart_tx_dropped(u);
	cr_expect_eq(vdev_uart_drop_output(u), 0);
	cr_expect_eq(vdev_uart_tx_dropped(u), dropped + 10);
	cr_expect_eq(vdev_uart_output_pending(u), 0);
	vdev_uart_destroy(u);
	close(p[0]);
	close(p[1]);
}

Test(uart, discarded_output_is_counted)
{
	/* No out_fd (a console file that was full before the guest started): every byte the
	   guest sends is counted as dropped, none is lost silently. */
	struct vdev_uart *u;
	struct irq_recorder irq;
	struct vdev_uart_config cfg = {.out_fd = -1};
	cfg.irq = irq_rec_init(&irq, 4);
	cr_assert_eq(vdev_uart_create(&cfg, &u), 0);
	for (int i = 0; i < 7; i++) {
		uint8_t b = 'q';
		vdev_uart_write(u, THR, &b, 1);
	}
	cr_expect_eq(vdev_uart_tx_dropped(u), 7);
	cr_expect_eq(vdev_uart_tx_written(u), 0);
	vdev_uart_destroy(u);
}

Test(uart, thre_interrupt)
{
	wr(IER, 0x02);
	cr_assert(fx.irq.level, "enabling THRI with THR empty raises it");
	cr_assert_eq(fx.irq.last_line, 4);
	cr_assert_eq(rd(IIR), 0x02);
	cr_assert_not(fx.irq.level, "reading IIR acknowledges THRE");
	cr_assert_eq(rd(IIR), 0x01);
	wr(THR, 'z');
	cr_assert(fx.irq.level, "THR empties again after a write");
	cr_assert_eq(rd(IIR), 0x02);
	cr_assert_not(fx.irq.level);
	wr(THR, 'z');
	cr_assert(fx.irq.level);
	wr(IER, 0x00);
	cr_assert_not(fx.irq.level, "disabling THRI lowers the line");
	cr_assert_eq(rd(IIR), 0x01);
	cr_assert_eq(fx.irq.asserts, 3);
	cr_assert_eq(fx.irq.deasserts, 3);
}

Test(uart, receive_without_fifo)
{
	cr_assert_eq(vdev_uart_input_space(fx.uart), 1);
	cr_assert_eq(push("ab", 2), 1, "without FIFO one byte fits");
	cr_assert_eq(vdev_uart_input_space(fx.uart), 0);
	cr_assert_eq(rd(LSR) & 0x01, 0x01);
	cr_assert_not(fx.irq.level, "RDI not enabled");
	wr(IER, 0x01);
	cr_assert(fx.irq.level);
	cr_assert_eq(rd(IIR), 0x04);
	cr_assert(fx.irq.level, "IIR read does not clear received data");
	cr_assert_eq(rd(RBR), 'a');
	cr_assert_not(fx.irq.level);
	cr_assert_eq(rd(LSR) & 0x01, 0);
	cr_assert_eq(fx.space_calls, 1, "the embedder hears that input fits again");
	cr_assert_eq(push("b", 1), 1);
	cr_assert(fx.irq.level);
	cr_assert_eq(rd(RBR), 'b');
	cr_assert_eq(fx.space_calls, 2);
}

Test(uart, fifo_back_pressure)
{
	char in[40];
	for (int i = 0; i < 40; i++)
		in[i] = (char)('A' + i);
	wr(FCR, 0x01);
	cr_assert_eq(rd(IIR) & 0xc0, 0xc0, "FIFOs enabled shows in IIR");
	cr_assert_eq(vdev_uart_input_space(fx.uart), 16);
	cr_assert_eq(push(in, 40), 16, "the push takes only what fits");
	cr_assert_eq(push(in + 16, 24), 0);
	cr_assert_eq(vdev_uart_input_space(fx.uart), 0);
	cr_assert_eq(rd(LSR) & 0x03, 0x01, "data ready and no overrun: nothing was lost");
	cr_assert_eq(rd(RBR), 'A');
	cr_assert_eq(fx.space_calls, 1);
	cr_assert_eq(vdev_uart_input_space(fx.uart), 1);
	cr_assert_eq(push(in + 16, 24), 1);
	/* The guest reads everything, in order, as the embedder feeds the rest. */
	size_t fed = 17;
	for (int i = 1; i < 40; i++) {
		cr_assert_eq(rd(RBR), 'A' + i, "byte %d", i);
		int n = push(in + fed, 40 - fed);
		cr_assert_geq(n, 0);
		fed += (size_t)n;
	}
	cr_assert_eq(fed, 40);
	cr_assert_eq(rd(LSR) & 0x01, 0);
	cr_assert_eq(vdev_uart_input_space(fx.uart), 16);
}

Test(uart, fifo_trigger_levels)
{
	wr(IER, 0x01);
	wr(FCR, 0x81); /* trigger at 8 */
	cr_assert_eq(push("abc", 3), 3);
	cr_assert(fx.irq.level);
	cr_assert_eq(rd(IIR), 0xcc, "below the trigger: character timeout");
	cr_assert_eq(push("defgh", 5), 5);
	cr_assert_eq(rd(IIR), 0xc4, "at the trigger: received data available");
	wr(FCR, 0xc1); /* trigger at 14 */
	cr_assert_eq(rd(IIR), 0xcc);
	wr(FCR, 0x41); /* trigger at 4 */
	cr_assert_eq(rd(IIR), 0xc4);
	for (int i = 0; i < 8; i++)
		rd(RBR);
	cr_assert_eq(rd(IIR), 0xc1);
	cr_assert_not(fx.irq.level);
}

Test(uart, fcr_clears_fifo)
{
	wr(FCR, 0x01);
	cr_assert_eq(push("0123456789", 10), 10);
	wr(FCR, 0x03); /* clear RX, keep enabled */
	cr_assert_eq(rd(LSR) & 0x01, 0);
	cr_assert_eq(fx.space_calls, 0, "space never went to zero");
	cr_assert_eq(push("0123456789abcdefXYZ", 19), 16);
	wr(FCR, 0x00); /* disabling the FIFOs also empties them */
	cr_assert_eq(rd(LSR) & 0x01, 0);
	cr_assert_eq(rd(IIR) & 0xc0, 0);
	cr_assert_eq(fx.space_calls, 1);
	cr_assert_eq(vdev_uart_input_space(fx.uart), 1);
}

Test(uart, loopback)
{
	char out[4];
	wr(FCR, 0x01);
	wr(MCR, 0x10);
	cr_assert_eq(rd(MCR), 0x10);
	cr_assert_eq(vdev_uart_input_space(fx.uart), 0, "host input is cut off in loopback");
	cr_assert_eq(push("x", 1), 0);
	wr(THR, 'L');
	cr_assert_eq(read(fx.pipe[0], out, sizeof(out)), -1, "nothing reaches the fd");
	cr_assert_eq(rd(LSR) & 0x01, 0x01);
	cr_assert_eq(rd(RBR), 'L');
	/* The modem lines follow MCR: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
	rd(MSR); /* clear the deltas of entering loopback */
	wr(MCR, 0x11);
	cr_assert_eq(rd(MSR), 0x22);
	wr(MCR, 0x12);
	cr_assert_eq(rd(MSR), 0x13);
	wr(MCR, 0x14);
	cr_assert_eq(rd(MSR), 0x41);
	wr(MCR, 0x18);
	cr_assert_eq(rd(MSR), 0x8c, "RI falling edge sets TERI");
	cr_assert_eq(rd(MSR), 0x80, "reading MSR clears the deltas");
	wr(MCR, 0x00);
	cr_assert_eq(fx.space_calls, 1, "leaving loopback lets input in again");
	cr_assert_eq(rd(MSR), 0xb0 | 0x03);
	cr_assert_eq(push("x", 1), 1);
}

Test(uart, loopback_overrun_and_line_status_interrupt)
{
	wr(IER, 0x05); /* RLSI and RDI */
	wr(MCR, 0x10);
	wr(THR, '1');
	cr_assert_eq(rd(IIR), 0x04);
	wr(THR, '2'); /* no FIFO: the second byte overruns */
	cr_assert(fx.irq.level);
	cr_assert_eq(rd(IIR), 0x06, "line status has the highest priority");
	cr_assert_eq(rd(LSR), 0x63);
	cr_assert_eq(rd(LSR), 0x61, "reading LSR clears the overrun");
	cr_assert_eq(rd(IIR), 0x04);
	cr_assert_eq(rd(RBR), '1');
	cr_assert_eq(rd(IIR), 0x01);
	cr_assert_not(fx.irq.level);
}

Test(uart, modem_status_interrupt)
{
	wr(IER, 0x08);
	cr_assert_not(fx.irq.level);
	wr(MCR, 0x10); /* loopback drops CTS/DSR/DCD: deltas */
	cr_assert(fx.irq.level);
	cr_assert_eq(rd(IIR), 0x00);
	cr_assert_eq(rd(MSR), 0x0b);
	cr_assert_not(fx.irq.level);
	cr_assert_eq(rd(IIR), 0x01);
}

Test(uart, interrupt_priority)
{
	wr(IER, 0x0f);
	cr_assert_eq(rd(IIR), 0x02);
	cr_assert_eq(push("a", 1), 1);
	wr(THR, 'x');
	cr_assert_eq(rd(IIR), 0x04, "received data before THRE");
	rd(RBR);
	cr_assert_eq(rd(IIR), 0x02);
	cr_assert_eq(rd(IIR), 0x01);
}

Test(uart, offsets_outside_registers)
{
	uint8_t b[4] = {0xff, 0xff, 0xff, 0xff};
	cr_assert_eq(vdev_uart_read(fx.uart, 8, b, 4), 0);
	cr_assert_eq(vdev_le_get(b, 4), 0);
	cr_assert_eq(vdev_uart_write(fx.uart, 0xffffffffffffull, b, 4), 0);
	cr_assert_eq(rd(SCR), 0);
}

Test(uart, irq_replay)
{
	cr_assert_eq(vdev_uart_irq_replay(fx.uart), 0);
	cr_assert_eq(fx.irq.asserts, 0, "nothing to replay when low");
	wr(IER, 0x02);
	cr_assert_eq(fx.irq.asserts, 1);
	cr_assert_eq(vdev_uart_irq_replay(fx.uart), 0);
	cr_assert_eq(fx.irq.deasserts, 1);
	cr_assert_eq(fx.irq.asserts, 2);
	cr_assert(fx.irq.level);
}

/* MMIO with reg-shift 2 (arm64 FDT "reg-shift = <2>"), 32-bit accesses. */
Test(uart, register_shift)
{
	uint8_t b[4];
	teardown();
	setup_shift(2);
	wr(SCR, 0x77);
	cr_assert_eq(rd(SCR), 0x77);
	cr_assert_eq(vdev_uart_read(fx.uart, 5 * 4, b, 4), 0);
	cr_assert_eq(vdev_le_get(b, 4), 0x60, "LSR at 0x14, zero-extended");
	vdev_le_put(b, 4, 0x12345603);
	cr_assert_eq(vdev_uart_write(fx.uart, 3 * 4, b, 4), 0);
	cr_assert_eq(rd(LCR), 0x03, "only the low byte is used");
	/* The bytes between registers are holes. */
	cr_assert_eq(vdev_uart_read(fx.uart, 7 * 4 + 1, b, 1), 0);
	cr_assert_eq(b[0], 0);
	b[0] = 0x11;
	cr_assert_eq(vdev_uart_write(fx.uart, 7 * 4 + 2, b, 1), 0);
	cr_assert_eq(rd(SCR), 0x77);
	cr_assert_eq(vdev_uart_read(fx.uart, 8 * 4, b, 1), 0);
	cr_assert_eq(b[0], 0);
}

/* Through a bus, at the PC's COM1 address. */
Test(uart, on_a_bus)
{
	struct vdev_bus *bus;
	char out[2] = {0};
	uint8_t b = 'Q';
	cr_assert_eq(vdev_bus_create(&bus), 0);
	cr_assert_eq(vdev_bus_insert(bus, 0x3f8, VDEV_UART_REGS, vdev_uart_ops(), fx.uart), 0);
	cr_assert_eq(vdev_bus_write(bus, 0x3f8, &b, 1), 0);
	cr_assert_eq(read(fx.pipe[0], out, 1), 1);
	cr_assert_eq(out[0], 'Q');
	cr_assert_eq(vdev_bus_read(bus, 0x3fd, &b, 1), 0);
	cr_assert_eq(b, 0x60);
	vdev_bus_destroy(bus);
}

/* Host input from a pipe: the UART reads only what fits and the rest waits in the pipe. */
Test(uart, read_input_from_fd)
{
	int in[2];
	char data[40];
	cr_assert_eq(pipe2(in, O_NONBLOCK), 0);
	for (int i = 0; i < 40; i++)
		data[i] = (char)('a' + i % 26);
	cr_assert_eq(vdev_uart_read_input(fx.uart, -1), -EINVAL);
	cr_assert_eq(vdev_uart_read_input(fx.uart, in[0]), -EAGAIN, "empty pipe");
	cr_assert_eq(write(in[1], data, sizeof(data)), 40);
	wr(FCR, 0x01);
	wr(IER, 0x01);
	cr_assert_eq(vdev_uart_read_input(fx.uart, in[0]), 16);
	cr_assert(fx.irq.level);
	cr_assert_eq(vdev_uart_read_input(fx.uart, in[0]), -ENOSPC, "full: nothing read");
	int got = 0, n;
	while (got < 40) {
		while (rd(LSR) & 0x01) {
			cr_assert_eq(rd(RBR), (uint8_t)data[got]);
			got++;
		}
		if (got < 40) {
			n = vdev_uart_read_input(fx.uart, in[0]);
			cr_assert_gt(n, 0);
		}
	}
	close(in[1]);
	cr_assert_eq(vdev_uart_read_input(fx.uart, in[0]), 0, "end of file");
	close(in[0]);
}

/* An event-loop thread feeds input with back-pressure while a "vCPU" thread reads RBR:
 * every byte arrives, in order, and the feeder only ever waits on input_space. */
#define STREAM_LEN 20000

struct feeder {
	struct vdev_uart *uart;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int wakeups;
};

static void feeder_space(void *ctx)
{
	struct feeder *f = ctx;
	pthread_mutex_lock(&f->lock);
	f->wakeups++;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

static void *feeder_main(void *arg)
{
	struct feeder *f = arg;
	size_t sent = 0;
	uint8_t chunk[64];
	while (sent < STREAM_LEN) {
		size_t n = STREAM_LEN - sent < sizeof(chunk) ? STREAM_LEN - sent : sizeof(chunk);
		for (size_t i = 0; i < n; i++)
			chunk[i] = (uint8_t)((sent + i) * 7);
		int took = vdev_uart_push_input(f->uart, chunk, n);
		if (took < 0)
			return (void *)1;
		sent += (size_t)took;
		if (took == 0) {
			/* Full: wait for the UART to say it has room (with a timeout as a guard
			 * against a lost wake-up, which the test then reports). */
			pthread_mutex_lock(&f->lock);
			while (vdev_uart_input_space(f->uart) == 0) {
				struct timespec ts;
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_sec += 5;
				if (pthread_cond_timedwait(&f->cond, &f->lock, &ts) != 0) {
					pthread_mutex_unlock(&f->lock);
					return (void *)2;
				}
			}
			pthread_mutex_unlock(&f->lock);
		}
	}
	return NULL;
}

Test(uart_threads, back_pressure_across_threads, .timeout = 60)
{
	struct feeder f = {0};
	struct vdev_uart_config cfg = {.out_fd = -1, .input_space = feeder_space, .cb_ctx = &f};
	pthread_t th;
	void *ret;
	uint8_t b;
	size_t got = 0;

	pthread_mutex_init(&f.lock, NULL);
	pthread_cond_init(&f.cond, NULL);
	cr_assert_eq(vdev_uart_create(&cfg, &f.uart), 0);
	b = 0x01;
	cr_assert_eq(vdev_uart_write(f.uart, FCR, &b, 1), 0);
	cr_assert_eq(pthread_create(&th, NULL, feeder_main, &f), 0);
	while (got < STREAM_LEN) {
		cr_assert_eq(vdev_uart_read(f.uart, LSR, &b, 1), 0);
		if (!(b & 0x01)) {
			sched_yield();
			continue;
		}
		cr_assert_eq(b & 0x02, 0, "no overrun");
		cr_assert_eq(vdev_uart_read(f.uart, RBR, &b, 1), 0);
		cr_assert_eq(b, (uint8_t)(got * 7), "byte %zu", got);
		got++;
	}
	pthread_join(th, &ret);
	cr_assert_null(ret, "feeder failed: %p", ret);
	cr_assert_gt(f.wakeups, 0);
	vdev_uart_destroy(f.uart);
}

static int limit_calls;

static void limit_cb(void *ctx)
{
	(void)ctx;
	limit_calls++;
}

/* out_limit: the first bytes reach the fd, the rest are dropped and counted, and the
   embedder is told once. */
Test(uart, output_limit)
{
	struct vdev_uart *u;
	struct irq_recorder irq;
	int p[2];
	char out[64] = {0};
	struct vdev_uart_config cfg = {0};

	cr_assert_eq(pipe2(p, O_NONBLOCK), 0);
	cfg.out_fd = p[1];
	cfg.irq = irq_rec_init(&irq, 4);
	cfg.out_limit = 5;
	cfg.out_limit_reached = limit_cb;
	limit_calls = 0;
	cr_assert_eq(vdev_uart_create(&cfg, &u), 0);
	const char *msg = "hello, world";
	for (size_t i = 0; i < strlen(msg); i++) {
		uint8_t b = (uint8_t)msg[i];
		cr_assert_eq(vdev_uart_write(u, THR, &b, 1), 0);
		uint8_t lsr = 0;
		vdev_uart_read(u, LSR, &lsr, 1);
		cr_assert_eq(lsr & 0x60, 0x60, "the guest still sees an idle transmitter");
	}
	cr_expect_eq(read(p[0], out, sizeof(out)), 5);
	cr_expect_str_eq(out, "hello");
	cr_expect_eq(vdev_uart_tx_written(u), 5);
	cr_expect_eq(vdev_uart_tx_dropped(u), strlen(msg) - 5);
	cr_expect_eq(limit_calls, 1, "the limit is reported once");
	/* Loopback still works past the limit: it never reaches the fd. */
	uint8_t b = 0x51;
	uint8_t loop = 0x10;
	vdev_uart_write(u, MCR, &loop, 1);
	vdev_uart_write(u, THR, &b, 1);
	uint8_t got = 0;
	vdev_uart_read(u, RBR, &got, 1);
	cr_expect_eq(got, b);
	cr_expect_eq(limit_calls, 1);
	vdev_uart_destroy(u);
	close(p[0]);
	close(p[1]);
}

Test(uart, no_output_limit_by_default)
{
	for (int i = 0; i < 100; i++)
		wr(THR, 'z');
	cr_expect_eq(vdev_uart_tx_written(fx.uart), 100);
	cr_expect_eq(vdev_uart_tx_dropped(fx.uart), 0);
	cr_expect_eq(vdev_uart_tx_written(NULL), 0);
}
