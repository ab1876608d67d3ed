/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pty-run: runs a program on a new pseudo-terminal and checks that the terminal's mode
 * is restored when it ends, however it is stopped. For vmm-ref, which puts its console
 * terminal in raw mode.
 *
 *   pty-run WHOM SIGNAL PROGRAM [ARG]...
 *
 * Starts PROGRAM with the pty's slave as its stdin, stdout and stderr (and controlling
 * terminal), waits until the terminal is in raw mode (ICANON and ECHO off; at most 20 s),
 * then sends SIGNAL (a number) to PROGRAM itself (WHOM = self) or to its only child
 * process (WHOM = child); SIGNAL "escape" types vmm-ref's Ctrl-A x instead, and 0 does
 * nothing (the program is to end by itself). Then it waits for PROGRAM to end (at most
 * 30 s). Prints "status N" (N = PROGRAM's exit status, or 128 + the signal that killed
 * it), whether the terminal went raw, and the mode after the end, then the program's
 * output. Exit status: 0 when the terminal is back in its first mode and was seen raw
 * (not required with SIGNAL 0: a program that ends by itself may be too quick to be
 * seen), 1 when not, 2 for a failure of pty-run itself.
 *
 * The emulated host's /init mounts no devpts: pty-run mounts an instance of its own on
 * /dev/pts when /dev/pts/ptmx is missing.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define CHECK_MS 50

static void die(const char *what)
{
	fprintf(stderr, "pty-run: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

static int open_master(void)
{
	if (access("/dev/pts/ptmx", F_OK) != 0) {
		mkdir("/dev/pts", 0755);
		if (mount("devpts", "/dev/pts", "devpts", 0, "newinstance,ptmxmode=0666") != 0)
			die("mount devpts");
	}
	int fd = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		die("open /dev/pts/ptmx");
	if (unlockpt(fd) != 0)
		die("unlockpt");
	return fd;
}

/* The mode bits a raw terminal clears. */
static tcflag_t lmode(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) != 0)
		die("tcgetattr");
	return t.c_lflag & (ICANON | ECHO | ISIG);
}

/* The child process of pid (the first one found), or -1. */
static pid_t child_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	FILE *f = fopen(path, "r");
	int c = -1;

	if (f) {
		if (fscanf(f, "%d", &c) != 1)
			c = -1;
		fclose(f);
	}
	if (c > 0)
		return c;
	/* Without CONFIG_PROC_CHILDREN: look through /proc for a process whose parent is pid. */
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		int p = atoi(e->d_name), pp = -1;
		char comm[64];
		if (p <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", p);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* vmm-ref's comm holds no space or parenthesis. */
		if (fscanf(f, "%*d (%63[^)]) %*c %d", comm, &pp) == 2 && pp == pid)
			c = p;
		fclose(f);
		if (c > 0)
			break;
	}
	if (d)
		closedir(d);
	return c;
}

/* Reads whatever the program wrote, so it never blocks on a full pty. */
static void drain(int fd, char *buf, size_t size, size_t *len)
{
	for (;;) {
		ssize_t n = read(fd, buf + *len, size - 1 - *len);
		if (n <= 0)
			break;
		*len += (size_t)n;
		if (*len >= size - 1)
			*len = 0; /* keep the last part only; good enough for a log */
	}
	buf[*len] = '\0';
}

int main(int argc, char **argv)
{
	static char out[65536];
	size_t out_len = 0;

	if (argc < 4 || (strcmp(argv[1], "self") != 0 && strcmp(argv[1], "child") != 0)) {
		fprintf(stderr, "usage: pty-run self|child SIGNAL PROGRAM [ARG]...\n");
		return 2;
	}
	bool to_child = strcmp(argv[1], "child") == 0;
	bool escape = strcmp(argv[2], "escape") == 0;
	int sig = atoi(argv[2]);
	int master = open_master();
	char *slave_name = ptsname(master);
	if (!slave_name)
		die("ptsname");
	/* Poll the master without blocking. */
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	tcflag_t first = lmode(master);

	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		setsid();
		int s = open(slave_name, O_RDWR);
		if (s < 0)
			die("open the pty slave");
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		if (s > 2)
			close(s);
		execv(argv[3], argv + 3);
		die("execv");
	}

	bool went_raw = false;
	int wst = 0;
	for (int i = 0; i < 20000 / CHECK_MS; i++) {
		drain(master, out, sizeof(out), &out_len);
		if ((lmode(master) & (ICANON | ECHO)) == 0) {
			went_raw = true;
			break;
		}
		if (waitpid(pid, &wst, WNOHANG) == pid)
			goto ended;
		sleep_ms(CHECK_MS);
	}
	/* Past set-up: the console is raw; give the guest a moment to start. */
	sleep_ms(200);
	if (escape) {
		printf("typing Ctrl-A x\n");
		if (write(master, "\001x", 2) != 2)
			die("write to the pty");
	} else if (sig > 0) {
		pid_t target = to_child ? child_of(pid) : pid;
		if (target <= 0) {
			fprintf(stderr, "pty-run: %d has no child process\n", pid);
			kill(pid, SIGKILL);
			return 2;
		}
		printf("signal %d to %s %d\n", sig, to_child ? "child" : "self", target);
		kill(target, sig);
	}
	for (int i = 0;; i++) {
		drain(master, out, sizeof(out), &out_len);
		if (waitpid(pid, &wst, WNOHANG) == pid)
			break;
		if (i == 30000 / CHECK_MS) {
			fprintf(stderr, "pty-run: the program did not end\n");
			kill(pid, SIGKILL);
			waitpid(pid, &wst, 0);
			break;
		}
		sleep_ms(CHECK_MS);
	}
ended:
	drain(master, out, sizeof(out), &out_len);
	tcflag_t last = lmode(master);
	printf("status %d\n", WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst));
	printf("raw %s; mode after: %s (icanon %d echo %d isig %d)\n", went_raw ? "yes" : "no",
	       last == first ? "restored" : "NOT restored", !!(last & ICANON), !!(last & ECHO),
	       !!(last & ISIG));
	printf("--- output\n%s\n---\n", out);
	return (went_raw || (sig == 0 && !escape)) && last == first ? 0 : 1;
}
