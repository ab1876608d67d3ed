/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Console input on its way from the host (a terminal, a pipe) to the guest's UART: a
 * bounded buffer, and on a terminal the escape Ctrl-A x (quit; Ctrl-A Ctrl-A sends one
 * Ctrl-A, Ctrl-A and any other byte sends both). Pure: the caller reads and pushes.
 *
 *   size_t room = vmm_console_in_room(&c);      // 0: stop reading until the guest takes
 *   n = read(fd, raw, room);                     // at most room
 *   if (vmm_console_in_feed(&c, raw, n)) quit;
 *   p = vmm_console_in_pending(&c, &len);        // offer p[0..len) to the UART
 *   vmm_console_in_taken(&c, taken);
 *
 * Every append is bounded, whatever the caller passes: bytes beyond the buffer are not
 * taken (vmm_console_in_feed() says how many it refused), never written past it.
 */
#ifndef VMM_CONSOLE_INPUT_H
#define VMM_CONSOLE_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMM_CONSOLE_IN_BUF 256u
#define VMM_CONSOLE_ESCAPE 0x01 /* Ctrl-A, then x quits (as in QEMU) */

struct vmm_console_in {
	uint8_t buf[VMM_CONSOLE_IN_BUF];
	size_t len, off; /* buf[off..len) waits for the guest */
	bool terminal;   /* the escape applies (a raw terminal) */
	bool escape;     /* the last byte fed was a Ctrl-A, held back */
	size_t refused;  /* bytes fed that did not fit, in all */
};

/* vmm_console_in_init: empty; terminal says whether the escape applies. */
void vmm_console_in_init(struct vmm_console_in *c, bool terminal);

/* vmm_console_in_room: how many bytes the next read may bring (one less than the free
 * space: a Ctrl-A held back may add a byte); 0 when nothing should be read now. */
size_t vmm_console_in_room(const struct vmm_console_in *c);

/* vmm_console_in_feed: takes n bytes read from the host. Returns true when the escape
 * asked to quit (the bytes after it are not taken). */
bool vmm_console_in_feed(struct vmm_console_in *c, const uint8_t *raw, size_t n);

/* vmm_console_in_pending: the bytes waiting for the guest, and their number in *n. */
const uint8_t *vmm_console_in_pending(const struct vmm_console_in *c, size_t *n);

/* vmm_console_in_taken: the guest took n of the pending bytes (at most all of them). */
void vmm_console_in_taken(struct vmm_console_in *c, size_t n);

#endif
