/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's console on vmm-ref's side: stdout and stdin (a terminal put in raw mode, a
 * pipe, a file) or a console file, wired to the 16550 and to the main thread's event
 * loop. Output never blocks a vCPU: the UART writes to a non-blocking descriptor and keeps
 * what a slow reader does not take (flushed when the descriptor has room); input is read
 * only while the UART has room for it, through a bounded buffer with the Ctrl-A escape
 * (console_input.h).
 *
 *   vmm_console_init() -> vmm_console_open() -> vmm_console_uart_config() and
 *   vdev_uart_create() -> vmm_console_attach() -> (the loop runs) -> vmm_console_drain()
 *   -> vmm_console_close() once the UART is destroyed.
 *
 * Main thread only, except the UART callbacks it installs (any thread).
 */
#ifndef VMM_CONSOLE_H
#define VMM_CONSOLE_H

#include "cli.h"
#include "console_input.h"

#include <cvmm/devices.h>
#include <cvmm/event_loop.h>

#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

struct vmm_console {
	const struct vmm_config *cfg;
	int out_fd, in_fd;   /* -1 when none */
	bool out_owned;      /* out_fd is vmm-ref's own descriptor, closed at the end */
	bool tty_raw;        /* stdin is a terminal put in raw mode (restored at the end) */
	int out_saved_flags; /* stdout's file status flags to restore, or -1 */
	uint64_t room;       /* bytes a console file may still take (VMM_CONSOLE_FILE_MAX) */
	struct termios saved_tty;
	struct vmm_console_in in; /* input on its way to the UART */

	/* From vmm_console_attach(). */
	struct evl *loop;
	struct vdev_uart *uart;
	int evfd; /* the UART's wake-ups (room for input, output waiting): the loop serves */
	bool in_watched, in_eof;
	bool out_watched; /* out_fd is in the loop, for room to write */
	/* Called on the loop's thread when console input arrives (NULL: nothing): a wake
	   source for a sleep the machine manages itself (x86 S3). */
	void (*input_arrived)(void *ctx);
	void *input_ctx;
};

/* Nothing open yet: every descriptor -1. */
void vmm_console_init(struct vmm_console *c, const struct vmm_config *cfg);

/* Opens what cfg->console names (a console file, bounded by VMM_CONSOLE_FILE_MAX counting
   what is in it already; or stdout, re-opened non-blocking, and stdin, a terminal put in
   raw mode). Returns 0, or -1 after the error line. */
int vmm_console_open(struct vmm_console *c);

/* Fills the UART's output descriptor, output limit and callbacks (cb_ctx = c). */
void vmm_console_uart_config(struct vmm_console *c, struct vdev_uart_config *uc);

/* Serves uart from loop: its wake-ups, stdin while the UART has room, out_fd while output
   waits. Returns 0 or a negative errno. */
int vmm_console_attach(struct vmm_console *c, struct evl *loop, struct vdev_uart *uart);

/* At the end, the loop's other sources gone: stops reading stdin and lets what the guest
   printed out while out_fd takes it, for at most ms milliseconds; the rest is dropped (and
   counted by the UART). */
void vmm_console_drain(struct vmm_console *c, int ms);

/* Restores the terminal and stdout's flags, closes the console's descriptors. */
void vmm_console_close(struct vmm_console *c);

#endif
