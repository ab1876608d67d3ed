/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_run: runs one VMM (or any command) and times what its console prints.
 *
 *   bench_run [options] -- COMMAND [ARG]...
 *     --log FILE          copy of everything the command writes (stdout and stderr)
 *     --timeout SECONDS   kill the command's process group after this long (default 120)
 *     --mark TEXT         print "mark MS LINE" for every output line containing TEXT, MS
 *                         being the milliseconds from just before exec to the line's
 *                         first byte (repeatable)
 *     --smaps-at TEXT     at the first line containing TEXT, read /proc/PID/smaps of the
 *                         command and print "smaps rss_kib=R guest_kib=G overhead_kib=R-G
 *                         vmrss_kib=V" (and copy it to LOG.smaps); G sums the Rss of the mappings
 * at least
 *                         --ram-mib large (the guest RAM), R every mapping's Rss
 *     --ram-mib N         guest RAM size for --smaps-at (default 256)
 *     --cpu-window TEXT DELAY_MS LEN_MS
 *                         DELAY_MS after the first line containing TEXT, sum the on-CPU
 *                         time of all the command's threads (each /proc/PID/task/TID/schedstat)
 *                         over LEN_MS and print "cpu_window TEXT cpu_ns=C wall_ns=W lines=L",
 *                         L the lines the command printed during the window (up to
 *                         16 windows; the text is repeated first on the line)
 *     --stop-at TEXT      kill the command's process group (SIGKILL) once a line
 *                         containing TEXT has been seen and handled
 *
 * The command runs in its own process group, stdin /dev/null. Ends with "end MS" (when
 * the command was reaped, from just before exec) and "exit STATUS"
 * (128 + signal when killed, 124 on timeout) and exits 0 when the command ran and every
 * --smaps-at/--cpu-window was taken, 1 otherwise. A program of the benchmarks, not a test.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_MARKS 16
#define MAX_WINDOWS 16

/* A --cpu-window: start and end are CLOCK_MONOTONIC ns (0: not yet). */
struct window {
	const char *at;
	uint64_t delay_ms, len_ms, start, end, lines;
	int64_t cpu0;
	bool cpu0_taken, ok;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_run: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Rss of all mappings, and of those at least ram_kib large, from /proc/PID/smaps. */
static int read_smaps(pid_t pid, uint64_t ram_kib, uint64_t *rss, uint64_t *guest, uint64_t *vmrss)
{
	char path[64], line[512];
	uint64_t size = 0, v;
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	*rss = *guest = *vmrss = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Size: %lu kB", &v) == 1)
			size = v;
		else if (sscanf(line, "Rss: %lu kB", &v) == 1) {
			*rss += v;
			if (size >= ram_kib)
				*guest += v;
		}
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "VmRSS: %lu kB", &v) == 1)
				*vmrss = v;
		fclose(f);
	}
	return 0;
}

/* Keeps a copy of the smaps read at the marker, as LOG.smaps, to see where memory is. */
static void copy_smaps(pid_t pid, const char *log_path)
{
	char src[64], dst[4096], buf[4096];
	size_t n;
	snprintf(src, sizeof(src), "/proc/%d/smaps", (int)pid);
	snprintf(dst, sizeof(dst), "%s.smaps", log_path);
	FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
	while (in && out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
}

/* On-CPU nanoseconds of every thread of pid (first field of each task's schedstat). */
static int64_t cpu_ns(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int64_t sum = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p[300];
		unsigned long long ns;
		snprintf(p, sizeof(p), "/proc/%d/task/%s/schedstat", (int)pid, e->d_name);
		FILE *f = fopen(p, "r");
		if (!f)
			continue; /* the thread ended meanwhile */
		if (fscanf(f, "%llu", &ns) == 1)
			sum += (int64_t)ns;
		fclose(f);
	}
	closedir(d);
	return sum;
}

int main(int argc, char **argv)
{
	const char *log_path = NULL, *marks[MAX_MARKS], *smaps_at = NULL, *stop_at = NULL;
	unsigned nmarks = 0, nwin = 0;
	double timeout = 120;
	uint64_t ram_mib = 256;
	struct window win[MAX_WINDOWS] = {0};
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *a = argv[i];
		bool has1 = i + 1 < argc, has3 = i + 3 < argc;
		if (!strcmp(a, "--log") && has1)
			log_path = argv[++i];
		else if (!strcmp(a, "--timeout") && has1)
			timeout = atof(argv[++i]);
		else if (!strcmp(a, "--mark") && has1 && nmarks < MAX_MARKS)
			marks[nmarks++] = argv[++i];
		else if (!strcmp(a, "--smaps-at") && has1)
			smaps_at = argv[++i];
		else if (!strcmp(a, "--ram-mib") && has1)
			ram_mib = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(a, "--stop-at") && has1)
			stop_at = argv[++i];
		else if (!strcmp(a, "--cpu-window") && has3 && nwin < MAX_WINDOWS) {
			win[nwin].at = argv[++i];
			win[nwin].delay_ms = strtoull(argv[++i], NULL, 0);
			win[nwin++].len_ms = strtoull(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "bench_run: bad option %s (see the source's header)\n", a);
			return 2;
		}
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: bench_run [options] -- COMMAND [ARG]...\n");
		return 2;
	}
	char **cmd = argv + i + 1;
	FILE *logf = NULL;
	if (log_path && !(logf = fopen(log_path, "w")))
		die(log_path);

	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe");
	uint64_t t0 = now_ns();
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		setpgid(0, 0);
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(127);
		execvp(cmd[0], cmd);
		_exit(127);
	}
	setpgid(pid, pid);
	close(p[1]);

	char line[4096];
	size_t len = 0;
	uint64_t line_t = 0, deadline = t0 + (uint64_t)(timeout * 1e9);
	bool smaps_done = !smaps_at, stop = false, timed_out = false;
	int status = 0;

	for (;;) {
		uint64_t now = now_ns();
		/* CPU windows run while output keeps being read, so the pipe never fills. */
		int wait_ms = (int)((deadline - now) / 1000000ull) + 1;
		for (unsigned w = 0; w < nwin; w++) {
			struct window *x = &win[w];
			if (!x->start || x->end)
				continue;
			if (!x->cpu0_taken && now >= x->start) {
				x->cpu0 = cpu_ns(pid);
				x->start = now;
				x->cpu0_taken = true;
			}
			uint64_t next = x->start + (x->cpu0_taken ? x->len_ms * 1000000ull : 0);
			if (x->cpu0_taken && now >= next) {
				int64_t c1 = cpu_ns(pid);
				x->end = now;
				printf("cpu_window %s cpu_ns=%lld wall_ns=%llu lines=%llu\n", x->at,
				       (long long)(c1 - x->cpu0),
				       (unsigned long long)(x->end - x->start),
				       (unsigned long long)x->lines);
				fflush(stdout);
				x->ok = c1 >= 0 && x->cpu0 >= 0;
				continue;
			}
			int ms = next > now ? (int)((next - now) / 1000000ull) + 1 : 0;
			if (ms < wait_ms)
				wait_ms = ms;
		}
		if (now >= deadline) {
			timed_out = true;
			break;
		}
		if (stop)
			break;
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		int r = poll(&pfd, 1, wait_ms);
		if (r < 0 && errno != EINTR)
			die("poll");
		if (r <= 0)
			continue;
		char buf[4096];
		ssize_t n = read(p[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the command (and all that share its output) ended */
		now = now_ns();
		if (logf)
			fwrite(buf, 1, (size_t)n, logf);
		for (ssize_t k = 0; k < n && !stop; k++) {
			if (len == 0)
				line_t = now;
			if (buf[k] != '\n' && len + 1 < sizeof(line)) {
				if (buf[k] != '\r')
					line[len++] = buf[k];
				continue;
			}
			if (buf[k] != '\n')
				continue; /* overlong line: the rest of it is dropped */
			line[len] = '\0';
			len = 0;
			for (unsigned w = 0; w < nwin; w++)
				if (win[w].cpu0_taken && !win[w].end)
					win[w].lines++;
			for (unsigned m = 0; m < nmarks; m++)
				if (strstr(line, marks[m])) {
					printf("mark %.3f %s\n", (double)(line_t - t0) / 1e6, line);
					break;
				}
			if (!smaps_done && strstr(line, smaps_at)) {
				uint64_t rss, guest, vmrss;
				if (read_smaps(pid, ram_mib * 1024, &rss, &guest, &vmrss) == 0) {
					printf(
					    "smaps rss_kib=%llu guest_kib=%llu overhead_kib=%llu "
					    "vmrss_kib=%llu\n",
					    (unsigned long long)rss, (unsigned long long)guest,
					    (unsigned long long)(rss - guest),
					    (unsigned long long)vmrss);
					smaps_done = true;
				}
				if (log_path)
					copy_smaps(pid, log_path);
			}
			for (unsigned w = 0; w < nwin; w++)
				if (!win[w].start && strstr(line, win[w].at))
					win[w].start = line_t + win[w].delay_ms * 1000000ull;
			if (stop_at && strstr(line, stop_at))
				stop = true;
			fflush(stdout);
		}
	}
	if (stop || timed_out)
		kill(-pid, SIGKILL);
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	/* Anything left in its process group (a traced VMM under strace) goes too. */
	kill(-pid, SIGKILL);
	int rc = timed_out ? 124 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("end %.3f\n", (double)(now_ns() - t0) / 1e6);
	printf("exit %d%s\n", rc, timed_out ? " (timeout)" : "");
	if (logf)
		fclose(logf);
	if (!smaps_done)
		fprintf(stderr, "bench_run: no smaps taken (\"%s\" not seen)\n", smaps_at);
	bool win_done = true;
	for (unsigned w = 0; w < nwin; w++)
		if (!win[w].ok) {
			fprintf(stderr, "bench_run: no CPU window at \"%s\"\n", win[w].at);
			win_done = false;
		}
	return smaps_done && win_done && !timed_out ? 0 : 1;
}
