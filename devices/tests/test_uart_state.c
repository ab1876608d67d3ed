/* SPDX-License-Identifier: Apache-2.0 */
/* Saving and restoring the 16550A: a round trip through the register interface, and the
   states a restore refuses. */
#define _GNU_SOURCE
#include "irq_recorder.h"
#include "state_util.h"

#include <fcntl.h>
#include <unistd.h>

enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2 };
enum { LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

struct side {
	struct vdev_uart *uart;
	struct irq_recorder irq;
	int pipe[2];
};

static struct side a, b; /* the saved UART and the one restored in its place */

static void make(struct side *s)
{
	struct vdev_uart_config cfg = {0};
	cr_assert_eq(pipe2(s->pipe, O_NONBLOCK), 0);
	cfg.out_fd = s->pipe[1];
	cfg.irq = irq_rec_init(&s->irq, 4);
	cfg.reg_shift = 2;
	cr_assert_eq(vdev_uart_create(&cfg, &s->uart), 0);
}

static void setup(void)
{
	make(&a);
	make(&b);
}

static void drop(struct side *s)
{
	vdev_uart_destroy(s->uart);
	close(s->pipe[0]);
	close(s->pipe[1]);
}

static void teardown(void)
{
	drop(&a);
	drop(&b);
}

TestSuite(uart_state, .init = setup, .fini = teardown);

static uint8_t rd(struct side *s, int reg)
{
	uint8_t v = 0xaa;
	cr_assert_eq(vdev_uart_read(s->uart, (uint64_t)reg << 2, &v, 1), 0);
	return v;
}

static void wr(struct side *s, int reg, uint8_t v)
{
	cr_assert_eq(vdev_uart_write(s->uart, (uint64_t)reg << 2, &v, 1), 0);
}

static struct st_buf save(struct side *s)
{
	struct vdev_state_writer w;
	vdev_state_writer_init(&w);
	cr_assert_eq(vdev_uart_save(s->uart, &w), 0);
	return st_take(&w);
}

/* A console as Linux leaves it: 115200 8N1, FIFOs with a trigger of 8, interrupts on,
   DTR, RTS and OUT2, a scratch byte, and "hello" received and not yet read. */
static void drive_distinctive(struct side *s)
{
	wr(s, LCR, 0x80);
	wr(s, DLL, 0x01);
	wr(s, DLM, 0x02);
	wr(s, LCR, 0x03);
	wr(s, FCR, 0x87);
	wr(s, MCR, 0x0b);
	wr(s, SCR, 0x5a);
	wr(s, IER, 0x05);
	cr_assert_eq(vdev_uart_push_input(s->uart, (const uint8_t *)"hello", 5), 5);
	cr_assert(irq_rec_level(&s->irq), "received data below the trigger: a timeout interrupt");
}

Test(uart_state, round_trip_keeps_registers_and_input)
{
	drive_distinctive(&a);
	uint8_t msr_a = rd(&a, MSR);
	struct st_buf st = save(&a);
	struct vdev_state_reader r;

	vdev_state_reader_init(&r, st.p, st.len);
	cr_assert_eq(vdev_uart_restore(b.uart, &r), 0, "%s", vdev_state_why(&r));
	cr_expect_eq(vdev_state_remaining(&r), 0);
	cr_expect_eq(b.irq.asserts + b.irq.deasserts, 0, "restore drives no line");
	cr_assert_eq(vdev_uart_irq_replay(b.uart), 0);
	cr_expect(irq_rec_level(&b.irq), "the replay asserts the pending interrupt");

	/* The same state again, byte for byte. */
	struct st_buf again = save(&b);
	cr_assert_eq(again.len, st.len);
	cr_expect_arr_eq(again.p, st.p, st.len);

	cr_expect_eq(rd(&b, LCR), 0x03);
	cr_expect_eq(rd(&b, MCR), 0x0b);
	cr_expect_eq(rd(&b, SCR), 0x5a);
	cr_expect_eq(rd(&b, IER), 0x05);
	cr_expect_eq(rd(&b, MSR), msr_a & 0xf0, "lines kept, deltas read once already");
	wr(&b, LCR, 0x83);
	cr_expect_eq(rd(&b, DLL), 0x01);
	cr_expect_eq(rd(&b, DLM), 0x02);
	wr(&b, LCR, 0x03);
	cr_expect_eq(rd(&b, IIR), 0xcc, "FIFOs on, character timeout");
	cr_expect_eq(vdev_uart_input_space(b.uart), 11);
	char got[6] = {0};
	for (int i = 0; i < 5; i++) {
		cr_expect(rd(&b, LSR) & 0x01, "data ready");
		got[i] = (char)rd(&b, RBR);
	}
	cr_expect_str_eq(got, "hello");
	cr_expect_eq(rd(&b, LSR) & 0x01, 0);
	cr_expect_not(irq_rec_level(&b.irq), "drained: the line drops");
	cr_expect_eq(vdev_uart_input_space(b.uart), 16);

	/* It transmits on its own out_fd. */
	wr(&b, THR, 'Z');
	char c = 0;
	cr_expect_eq(read(b.pipe[0], &c, 1), 1);
	cr_expect_eq(c, 'Z');
	free(st.p);
	free(again.p);
}

Test(uart_state, pending_errors_and_thre_survive)
{
	/* Loopback: transmitted bytes come back, and overrun the FIFO-less holding register. */
	wr(&a, MCR, 0x10);
	wr(&a, THR, 'a');
	wr(&a, THR, 'b');
	wr(&a, IER, 0x02);
	struct st_buf st = save(&a);
	struct vdev_state_reader r;
	vdev_state_reader_init(&r, st.p, st.len);
	cr_assert_eq(vdev_uart_restore(b.uart, &r), 0, "%s", vdev_state_why(&r));
	cr_expect_eq(rd(&b, IIR) & 0x0f, 0x02, "THRE interrupt still pending");
	cr_expect_eq(rd(&b, LSR), 0x63, "overrun, data ready, THRE, TEMT");
	cr_expect_eq(rd(&b, RBR), 'a');
	cr_expect_eq(rd(&b, LSR), 0x60, "the overrun was read once");
	free(st.p);
}

Test(uart_state, refusals)
{
	drive_distinctive(&a);
	struct st_buf st = save(&a);

	ST_REFUSED_COMMON(vdev_uart_restore, b.uart, st);
	ST_REFUSED(vdev_uart_restore, b.uart, st_patch(st, 0, 0x15, 1),
	           "uart: IER 0x15 has reserved bits");
	ST_REFUSED(vdev_uart_restore, b.uart, st_patch(st, 2, 0x2b, 1),
	           "uart: MCR 0x2b has reserved bits");
	ST_REFUSED(vdev_uart_restore, b.uart, st_patch(st, 3, 0x83, 1),
	           "uart: FCR 0x83 has bits that are not state");
	ST_REFUSED(vdev_uart_restore, b.uart, st_patch(st, 7, 0x21, 1),
	           "uart: LSR error bits 0x21 are not error bits");
	ST_REFUSED(vdev_uart_restore, b.uart, st_patch(st, 8, 0x40, 1),
	           "uart: MSR lines 0x40 do not match MCR 0xb");
	ST_REFUSED(vdev_uart_restore, b.uart, st_patch(st, 9, 2, 1),
	           "uart: THRE pending flag 2 is not 0 or 1");
	/* Without FIFOs the holding register takes one byte. */
	ST_REFUSED(vdev_uart_restore, b.uart, st_patch(st, 3, 0x00, 1),
	           "uart: 5 received bytes, more than its FIFO holds (1)");
	/* More bytes than any FIFO: refused, not read past. */
	ST_REFUSED(vdev_uart_restore, b.uart, st_patch(st, 10, 200, 1),
	           "uart: 200 received bytes, more than its FIFO holds (16)");
	ST_REFUSED(vdev_uart_restore, b.uart, st_patch(st, 10, 6, 1), "UART: truncated");
	ST_REFUSED(vdev_uart_restore, b.uart, st_patch(st, 10, 4, 1), "1 bytes left unread");

	/* Nothing of the refused states was applied: b is still as created. */
	cr_expect_eq(b.irq.asserts + b.irq.deasserts, 0);
	cr_expect_eq(rd(&b, IER), 0);
	cr_expect_eq(rd(&b, SCR), 0);
	cr_expect_eq(rd(&b, LSR), 0x60, "no data");
	cr_expect_eq(vdev_uart_input_space(b.uart), 1, "FIFOs still off");
	cr_expect_eq(vdev_uart_save(NULL, NULL), -EINVAL);
	free(st.p);
}
