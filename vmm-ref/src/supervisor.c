/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "supervisor.h"
#include "machine.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* One line on stderr in vmm-ref's format, in one write. */
__attribute__((format(printf, 2, 3))) static void line(const char *prefix, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n = snprintf(buf, sizeof(buf), "vmm-ref: %s", prefix);

	if (n < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	n = (int)strlen(buf);
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}

/* The child: one run of the VM, as vmm-ref without --reboot. Never returns. */
static void child_run(const struct vmm_config *cfg, unsigned int run, pid_t supervisor,
                      const sigset_t *child_mask)
{
	struct vmm_config copy = *cfg;

	/* SIGKILL: the supervisor only dies without forwarding a stop when it is killed
	   itself, and then nothing should be left running the guest. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != supervisor)
		_exit(VMM_EXIT_RUNTIME); /* it died before the request took effect */
	sigprocmask(SIG_SETMASK, child_mask, NULL);
	/* A console file keeps the earlier boots. */
	copy.console_append = run > 1;
	/* A restored VM that resets boots its kernel cold: the snapshot was the first run's. */
	if (run > 1)
		copy.restore_dir = NULL;
	/* exit(), not _exit(): the same way out as vmm-ref's main() (stdio flushed). */
	exit(vmm_machine_run(&copy));
}

/* Takes a stop signal that arrived after the child ended: its number, or 0. */
static int stop_pending(const sigset_t *stop_sigs)
{
	struct timespec zero = {0, 0};
	int sig = sigtimedwait(stop_sigs, NULL, &zero);

	return sig > 0 ? sig : 0;
}

/* Whether another restart fits in the limit; records it if so. */
static bool restart_allowed(struct timespec *ring, unsigned int *count)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	unsigned int slot = *count % VMM_REBOOT_MAX_RESTARTS;
	/* ring[slot] is the restart VMM_REBOOT_MAX_RESTARTS ago, once there were that many. */
	if (*count >= VMM_REBOOT_MAX_RESTARTS &&
	    now.tv_sec - ring[slot].tv_sec < VMM_REBOOT_WINDOW_SEC)
		return false;
	ring[slot] = now;
	(*count)++;
	return true;
}

int vmm_supervise(const struct vmm_config *cfg)
{
	struct timespec ring[VMM_REBOOT_MAX_RESTARTS] = {{0}};
	unsigned int restarts = 0, run = 0;
	sigset_t stop_sigs, waited, old, child_mask;
	struct termios tty;
	bool have_tty;
	int stop = 0;

	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGTERM);
	sigaddset(&stop_sigs, SIGINT);
	sigaddset(&stop_sigs, SIGHUP);
	waited = stop_sigs;
	sigaddset(&waited, SIGCHLD);
	/* Blocked and taken with sigwaitinfo(): no handler runs between fork() and wait. */
	sigprocmask(SIG_BLOCK, &waited, &old);
	child_mask = old;
	sigaddset(&child_mask, SIGTERM);
	sigaddset(&child_mask, SIGINT);
	sigaddset(&child_mask, SIGHUP);
	sigdelset(&child_mask, SIGCHLD);
	/* The child puts the terminal in raw mode and back; if it is killed, this does. */
	have_tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &tty) == 0;

	for (;;) {
		pid_t self = getpid(), pid;
		int wst = 0;

		run++;
		pid = fork();
		if (pid < 0) {
			line("", "cannot start the VM process: %s", strerror(errno));
			return VMM_EXIT_RUNTIME;
		}
		if (pid == 0)
			child_run(cfg, run, self, &child_mask);

		for (;;) {
			siginfo_t si;
			int sig = sigwaitinfo(&waited, &si);

			if (sig < 0)
				continue; /* EINTR: a stop or continue of this process */
			if (sig == SIGCHLD) {
				if (waitpid(pid, &wst, WNOHANG) == pid)
					break;
				continue;
			}
			stop = sig;
			kill(pid, sig);
		}

		if (WIFSIGNALED(wst)) {
			if (have_tty)
				tcsetattr(STDIN_FILENO, TCSADRAIN, &tty);
			line("", "the VM process (pid %d) was killed by signal %d (%s)", (int)pid,
			     WTERMSIG(wst), strsignal(WTERMSIG(wst)));
			return VMM_EXIT_RUNTIME;
		}
		int status = WIFEXITED(wst) ? WEXITSTATUS(wst) : VMM_EXIT_RUNTIME;
		if (status != VMM_EXIT_RESET)
			return status;
		/* A reset that crossed a stop request: the stop wins. */
		if (!stop)
			stop = stop_pending(&stop_sigs);
		if (stop) {
			if (cfg->log_level >= VMM_LOG_WARN)
				line("warn: ", "%s: not starting the VM again", strsignal(stop));
			return VMM_EXIT_SIGNAL;
		}
		if (!restart_allowed(ring, &restarts)) {
			line("",
			     "the guest reset more than %u times within %u s: not starting it "
			     "again",
			     VMM_REBOOT_MAX_RESTARTS, VMM_REBOOT_WINDOW_SEC);
			return VMM_EXIT_RESET;
		}
		if (cfg->log_level >= VMM_LOG_INFO)
			line("info: ", "the guest reset: starting the VM again (restart %u)",
			     restarts);
	}
}
