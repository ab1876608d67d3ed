/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for vmm-ref's console input (console_input.h): host bytes in any
 * chunking, a guest that takes any number of them at any time, hang-ups (reads that stop
 * early), and callers that ignore vmm_console_in_room(). Checks that no append goes past
 * the buffer, and, while every read respected the room, that what the guest received is
 * exactly the input with the Ctrl-A escape applied (a separate model of it here).
 *
 * Input: byte 0 bit 0 = a terminal (the escape applies); then operations, one byte each:
 *   0x00-0x7f  read: the next (op & 63) + 1 input bytes, at most the room (bit 6: ignore
 *              the room and feed them all, as a careless caller would)
 *   0x80-0xbf  the guest takes (op & 63) pending bytes
 *   0xc0-0xff  hang-up: the rest of the input is never read
 */
#include "console_input.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The escape as a reference: what the guest should get from a stream, and whether the
   stream asked to quit (the bytes after that are ignored). */
struct model {
	bool terminal, held, quit;
	uint8_t out[8192];
	size_t n;
};

static void model_feed(struct model *md, uint8_t b)
{
	if (md->quit)
		return;
	if (md->terminal && md->held) {
		md->held = false;
		if (b == 'x' || b == 'X') {
			md->quit = true;
			return;
		}
		/* Ctrl-A then b: b, preceded by the held Ctrl-A unless b is Ctrl-A itself. */
		if (b != VMM_CONSOLE_ESCAPE && md->n < sizeof(md->out))
			md->out[md->n++] = VMM_CONSOLE_ESCAPE;
		if (md->n < sizeof(md->out))
			md->out[md->n++] = b;
		return;
	}
	if (md->terminal && b == VMM_CONSOLE_ESCAPE) {
		md->held = true;
		return;
	}
	if (md->n < sizeof(md->out))
		md->out[md->n++] = b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmm_console_in c;
	static struct model md;
	static uint8_t got[8192];
	size_t ngot = 0;
	bool careless = false, quit = false;

	if (size < 1)
		return 0;
	memset(&md, 0, sizeof(md));
	md.terminal = data[0] & 1;
	vmm_console_in_init(&c, md.terminal);
	/* The operations take input bytes from the end; chunks come from the front. */
	size_t in = 1, end = size;
	while (end > in && !quit) {
		uint8_t op = data[--end];
		if (op < 0x80) {
			size_t want = (size_t)(op & 63) + 1, room = vmm_console_in_room(&c);
			if (!(op & 0x40) && want > room)
				want = room;
			if (want > end - in)
				want = end - in;
			if (op & 0x40)
				careless = true;
			quit = vmm_console_in_feed(&c, data + in, want);
			for (size_t k = 0; k < want; k++)
				model_feed(&md, data[in + k]);
			in += want;
		} else if (op < 0xc0) {
			size_t n;
			const uint8_t *p = vmm_console_in_pending(&c, &n);
			size_t take = op & 63;
			if (take > n)
				take = n;
			if (ngot + take <= sizeof(got))
				memcpy(got + ngot, p, take);
			ngot += take;
			vmm_console_in_taken(&c, take);
		} else {
			break; /* hang-up */
		}
		if (c.len > sizeof(c.buf) || c.off > c.len)
			abort();
		if (vmm_console_in_room(&c) > sizeof(c.buf) - c.len)
			abort();
	}
	/* The guest drains what is left. */
	size_t n;
	const uint8_t *p = vmm_console_in_pending(&c, &n);
	if (ngot + n <= sizeof(got))
		memcpy(got + ngot, p, n);
	ngot += n;
	vmm_console_in_taken(&c, n);
	if (c.len != 0 || c.off != 0)
		abort();
	/* A read that respected the room never loses a byte: the guest got the model's. */
	if (!careless && c.refused != 0)
		abort();
	if (quit != md.quit)
		abort();
	if (!careless && ngot <= sizeof(got) && (ngot != md.n || memcmp(got, md.out, ngot) != 0))
		abort();
	return 0;
}
