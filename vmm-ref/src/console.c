/* SPDX-License-Identifier: Apache-2.0 */
/* The console between the host's stdio or a file and the guest's 16550 (console.h). */
#define _GNU_SOURCE
#include "console.h"

#include "log.h"
#include "machine.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void vmm_console_init(struct vmm_console *c, const struct vmm_config *cfg)
{
	*c = (struct vmm_console){
	    .cfg = cfg, .out_fd = -1, .in_fd = -1, .out_saved_flags = -1, .evfd = -1};
}

/*
 * The guest's output must never wait for whoever reads stdout (a stalled terminal or
 * pipe would block the vCPU that transmits): the UART writes to a non-blocking fd. A pipe
 * or terminal is opened again through /proc/self/fd/1, giving a description of vmm-ref's
 * own, so O_NONBLOCK does not reach the shell or the other processes that share the
 * original; where that cannot be done (a socket), stdout itself is made non-blocking
 * until the end. A regular file never blocks and stays as it is.
 */
static int console_stdout(struct vmm_console *c)
{
	struct stat st;
	int fd, flags;

	if (fstat(STDOUT_FILENO, &st) < 0 || S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
		return STDOUT_FILENO;
	fd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0) {
		c->out_owned = true;
		return fd;
	}
	flags = fcntl(STDOUT_FILENO, F_GETFL);
	if (flags >= 0 && !(flags & O_NONBLOCK) &&
	    fcntl(STDOUT_FILENO, F_SETFL, flags | O_NONBLOCK) == 0)
		c->out_saved_flags = flags;
	return STDOUT_FILENO;
}

int vmm_console_open(struct vmm_console *c)
{
	const struct vmm_config *cfg = c->cfg;

	if (cfg->console == VMM_CONSOLE_FILE) {
		int mode = cfg->console_append ? O_APPEND : O_TRUNC;
		struct stat st;
		c->out_fd = open(cfg->console_path, O_WRONLY | O_CREAT | mode | O_CLOEXEC, 0644);
		if (c->out_fd < 0 || fstat(c->out_fd, &st) < 0) {
			vmm_error_line("cannot open console file '%s': %s", cfg->console_path,
			               strerror(errno));
			return -1;
		}
		c->out_owned = true;
		/* The bound is the file's: what earlier runs appended counts against it. */
		c->room = (uint64_t)st.st_size < VMM_CONSOLE_FILE_MAX
		              ? VMM_CONSOLE_FILE_MAX - (uint64_t)st.st_size
		              : 0;
	} else if (cfg->console == VMM_CONSOLE_STDIO) {
		c->out_fd = console_stdout(c);
		c->in_fd = STDIN_FILENO;
		if (isatty(c->in_fd) && tcgetattr(c->in_fd, &c->saved_tty) == 0) {
			struct termios raw = c->saved_tty;
			cfmakeraw(&raw);
			if (tcsetattr(c->in_fd, TCSAFLUSH, &raw) == 0)
				c->tty_raw = true;
		}
	}
	/* The escape applies on a raw terminal only: piped input passes through as is. */
	vmm_console_in_init(&c->in, c->tty_raw);
	c->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->evfd < 0) {
		vmm_error_line("cannot create the console's eventfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The UART's input_space and out_blocked callbacks (under or outside its lock, on a vCPU
   thread or the main one): the loop pushes input, or waits for out_fd to take the
   buffered output. */
static void uart_wants_loop(void *ctx)
{
	struct vmm_console *c = ctx;
	uint64_t one = 1;

	if (write(c->evfd, &one, sizeof(one)) < 0) {
		/* a pending wake-up is already there */
	}
}

/* The console file reached VMM_CONSOLE_FILE_MAX (called once, under the UART's lock, on
   the vCPU thread whose THR write was the first dropped). */
static void console_full(void *ctx)
{
	struct vmm_console *c = ctx;

	vmm_log_at(c->cfg->log_level, VMM_LOG_WARN,
	           "console file '%s' reached its limit of %llu bytes: further guest output is "
	           "dropped",
	           c->cfg->console_path, (unsigned long long)VMM_CONSOLE_FILE_MAX);
}

void vmm_console_uart_config(struct vmm_console *c, struct vdev_uart_config *uc)
{
	bool file = c->cfg->console == VMM_CONSOLE_FILE;

	/* A console file already full: the UART discards and counts what the guest prints
	   (out_limit 0 is no limit). */
	uc->out_fd = file && c->room == 0 ? -1 : c->out_fd;
	uc->input_space = uart_wants_loop;
	/* out_fd is non-blocking (console_stdout()) or a file: output a reader does not take
	   yet waits in the UART's buffer for the loop (vmm_console_flush()). */
	uc->out_blocked = uart_wants_loop;
	uc->cb_ctx = c;
	/* A terminal or pipe is the user's to drain; a file would grow without end. */
	uc->out_limit = file ? c->room : 0;
	uc->out_limit_reached = console_full;
}

static void drain_eventfd(int fd)
{
	uint64_t v;
	if (read(fd, &v, sizeof(v)) < 0) {
		/* nothing pending: a spurious wake-up */
	}
}

/*
 * Starts or stops reading stdin. Stopped by taking it out of the epoll set, not by an
 * empty event mask: the kernel reports EPOLLHUP and EPOLLERR whatever the mask says, and
 * a reader woken by them while its buffer is full has nowhere to put what it reads.
 */
static void on_stdin(void *ctx, int fd, uint32_t events);

static void watch_stdin(struct vmm_console *c, bool on)
{
	if (c->in_fd < 0 || c->in_eof || c->in_watched == on)
		return;
	if ((on ? evl_add(c->loop, c->in_fd, EVL_IN, on_stdin, c)
	        : evl_remove(c->loop, c->in_fd)) == 0)
		c->in_watched = on;
}

/* Offers buffered input to the UART; stops reading stdin while some is left. */
static void console_push(struct vmm_console *c)
{
	size_t len;
	const uint8_t *p;

	while ((p = vmm_console_in_pending(&c->in, &len)) && len) {
		int n = vdev_uart_push_input(c->uart, p, len);
		if (n <= 0)
			break;
		vmm_console_in_taken(&c->in, (size_t)n);
	}
	vmm_console_in_pending(&c->in, &len);
	watch_stdin(c, len == 0);
}

/* Reads stdin into the bounded input buffer (console_input.h: on a terminal, Ctrl-A x
   quits). Returns true when the escape asked to quit. */
static bool console_input(struct vmm_console *c)
{
	uint8_t raw[VMM_CONSOLE_IN_BUF];
	size_t room = vmm_console_in_room(&c->in);
	ssize_t n;

	/* With no room, stdin waits until the guest has taken some. */
	if (room == 0) {
		watch_stdin(c, false);
		return false;
	}
	n = read(c->in_fd, raw, room < sizeof(raw) ? room : sizeof(raw));
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		/* end of input: the guest keeps running without it */
		watch_stdin(c, false);
		c->in_eof = true;
		c->in_fd = c->tty_raw ? c->in_fd : -1;
		return false;
	}
	if (n > 0 && vmm_console_in_feed(&c->in, raw, (size_t)n))
		return true;
	console_push(c);
	if (n > 0 && c->input_arrived)
		c->input_arrived(c->input_ctx);
	return false;
}

static void on_stdin(void *ctx, int fd, uint32_t events)
{
	struct vmm_console *c = ctx;

	(void)fd, (void)events;
	if (console_input(c)) {
		vmm_log_at(c->cfg->log_level, VMM_LOG_WARN, "console escape: stopping the VM");
		evl_stop(c->loop, VMM_EXIT_SIGNAL);
	}
}

static void console_flush(struct vmm_console *c);

static void on_console_writable(void *ctx, int fd, uint32_t events)
{
	(void)fd, (void)events;
	console_flush(ctx);
}

/* Writes the UART's buffered output while out_fd takes it; watches out_fd for room while
   some is left, and stops watching once all is out. */
static void console_flush(struct vmm_console *c)
{
	int left = vdev_uart_flush_output(c->uart);
	bool want = left > 0;

	if (want != c->out_watched &&
	    (want ? evl_add(c->loop, c->out_fd, EVL_OUT, on_console_writable, c)
	          : evl_remove(c->loop, c->out_fd)) == 0)
		c->out_watched = want;
}

static void on_uart_wants_loop(void *ctx, int fd, uint32_t events)
{
	struct vmm_console *c = ctx;

	(void)events;
	drain_eventfd(fd);
	console_push(c);
	console_flush(c);
}

int vmm_console_attach(struct vmm_console *c, struct evl *loop, struct vdev_uart *uart)
{
	int ret;

	c->loop = loop;
	c->uart = uart;
	if (c->cfg->console == VMM_CONSOLE_FILE && c->room == 0)
		console_full(c); /* full from the start: the UART drops from the first byte */
	ret = evl_add(loop, c->evfd, EVL_IN, on_uart_wants_loop, c);
	if (ret == 0 && c->in_fd >= 0) {
		ret = evl_add(loop, c->in_fd, EVL_IN, on_stdin, c);
		if (ret == -EPERM) /* a regular file as stdin: no input */
			ret = 0, c->in_fd = -1;
		else
			c->in_watched = ret == 0;
	}
	return ret;
}

void vmm_console_drain(struct vmm_console *c, int ms_max)
{
	struct timespec start, now;

	if (!c->loop || !c->uart)
		return;
	evl_remove(c->loop, c->evfd);
	watch_stdin(c, false);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		console_flush(c);
		if (!c->out_watched)
			return;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms =
		    (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (ms >= ms_max)
			break;
		if (evl_run_once(c->loop, (int)(ms_max - ms)) < 0)
			break;
	}
	vdev_uart_drop_output(c->uart);
}

void vmm_console_close(struct vmm_console *c)
{
	if (c->out_saved_flags >= 0) {
		fcntl(STDOUT_FILENO, F_SETFL, c->out_saved_flags);
		c->out_saved_flags = -1;
	}
	if (c->tty_raw) {
		tcsetattr(c->in_fd, TCSAFLUSH, &c->saved_tty);
		c->tty_raw = false;
	}
	if (c->out_owned && c->out_fd >= 0)
		close(c->out_fd);
	if (c->evfd >= 0)
		close(c->evfd);
	c->out_fd = c->evfd = -1;
	c->out_owned = false;
	c->uart = NULL;
	c->loop = NULL;
}
