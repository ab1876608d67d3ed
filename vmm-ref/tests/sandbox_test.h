/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the sandbox tests: a thread that installs one kind's filter on itself, then
 * waits until the test thread has looked at it from outside (/proc), then runs a body.
 * The filter is per thread, so the test thread itself (and Criterion) stay unconfined.
 */
#ifndef VMM_SANDBOX_TEST_H
#define VMM_SANDBOX_TEST_H

#define _GNU_SOURCE
#include "sandbox.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define SB_MAX_CHECKS 64

struct sb_thread {
	enum vmm_thread_kind kind;
	enum vmm_sandbox_action action;
	bool block_signals; /* as the vcpu library's threads do */
	bool use_env;       /* vmm_sandbox_install() (action from the environment) */
	void (*body)(struct sb_thread *t);
	void *arg;

	pthread_t thread;
	pid_t tid;
	int install_rc;
	/* Hand-offs with the test thread: futexes, in both lists (no descriptor). */
	sem_t ready, go;
	int go_value;

	/* Filled by the body (it may not call Criterion's asserts off the test thread). */
	int n_checks;
	const char *check_what[SB_MAX_CHECKS];
	long check_got[SB_MAX_CHECKS];
	long check_want[SB_MAX_CHECKS];
};

/* Records, on the sandboxed thread, that what gave got where want was expected. */
static inline void sb_check(struct sb_thread *t, const char *what, long got, long want)
{
	if (t->n_checks < SB_MAX_CHECKS) {
		t->check_what[t->n_checks] = what;
		t->check_got[t->n_checks] = got;
		t->check_want[t->n_checks] = want;
		t->n_checks++;
	}
}

/* A syscall's result as the kernel gave it: the value, or -errno. */
static inline long sb_rc(long r)
{
	return r < 0 ? -errno : r;
}

static void *sb_thread_main(void *arg)
{
	struct sb_thread *t = arg;

	t->tid = gettid();
	if (t->block_signals) {
		sigset_t m;
		sigfillset(&m);
		pthread_sigmask(SIG_SETMASK, &m, NULL);
	}
	t->install_rc = t->use_env ? vmm_sandbox_install(t->kind)
	                           : vmm_sandbox_install_action(t->kind, t->action);
	/* From here on only calls of the kind's list: semaphores are futexes, in both. */
	sem_post(&t->ready);
	while (sem_wait(&t->go) != 0 && errno == EINTR)
		;
	if (t->install_rc == 0 && t->go_value == 1 && t->body)
		t->body(t);
	return NULL;
}

static inline void sb_wait_ready(struct sb_thread *t)
{
	while (sem_wait(&t->ready) != 0 && errno == EINTR)
		;
}

/* Starts t's thread and waits until it has installed its filter. */
static inline void sb_thread_start(struct sb_thread *t)
{
	cr_assert_eq(sem_init(&t->ready, 0, 0), 0);
	cr_assert_eq(sem_init(&t->go, 0, 0), 0);
	cr_assert_eq(pthread_create(&t->thread, NULL, sb_thread_main, t), 0);
	sb_wait_ready(t);
}

/* Lets t's body run (go) or not, and reaps the thread. */
static inline void sb_thread_finish(struct sb_thread *t, bool go)
{
	t->go_value = go ? 1 : 2;
	sem_post(&t->go);
	cr_assert_eq(pthread_join(t->thread, NULL), 0);
	sem_destroy(&t->ready);
	sem_destroy(&t->go);
}

/* Skips the test where the kernel (or an emulator such as qemu-user) has no filters. */
static inline void sb_skip_if_unsupported(struct sb_thread *t)
{
	if (t->install_rc == -ENOSYS || t->install_rc == -EINVAL || t->install_rc == -EOPNOTSUPP) {
		int rc = t->install_rc;
		sb_thread_finish(t, false);
		cr_skip_test("seccomp filters are not available here: %s", strerror(-rc));
	}
	cr_assert_eq(t->install_rc, 0, "vmm_sandbox_install: %s", strerror(-t->install_rc));
}

/* Exit statuses of a child of sb_run_in_child() that did not get as far as its body. */
#define SB_CHILD_UNSUPPORTED 77 /* what the test needs is not here: a skip */
#define SB_CHILD_SURVIVED 73    /* the body returned */

/*
 * Runs t in a child process whose stderr is a pipe; returns the child's wait status and
 * what it wrote (a skip reason, or the TRAP handler's line). A test that expects the
 * sandbox to kill must not die itself: a skip decided inside a process that Criterion
 * expects to be killed reads as a failure, so the dying is left to a child. prepare,
 * if given, runs first in the child (it may not use Criterion's asserts there) and
 * returns 0, or SB_CHILD_UNSUPPORTED after writing its reason to stderr. The test is
 * skipped when the child finds seccomp filters or, through prepare, anything else
 * unavailable.
 */
static inline int sb_run_in_child(struct sb_thread *t, bool env_trap,
                                  int (*prepare)(struct sb_thread *t), char *out, size_t out_size)
{
	int p[2], status;
	pid_t pid;
	ssize_t n, got = 0;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int rc;
		dup2(p[1], STDERR_FILENO);
		if (env_trap)
			setenv(VMM_SANDBOX_ENV, "trap", 1);
		if (prepare && (rc = prepare(t)) != 0)
			_exit(rc);
		if (sem_init(&t->ready, 0, 0) != 0 || sem_init(&t->go, 0, 0) != 0)
			_exit(71);
		if (pthread_create(&t->thread, NULL, sb_thread_main, t) != 0)
			_exit(70);
		sb_wait_ready(t);
		if (t->install_rc == -ENOSYS || t->install_rc == -EINVAL ||
		    t->install_rc == -EOPNOTSUPP) {
			fprintf(stderr, "seccomp filters are not available here: %s",
			        strerror(-t->install_rc));
			_exit(SB_CHILD_UNSUPPORTED);
		}
		t->go_value = 1;
		sem_post(&t->go);
		pthread_join(t->thread, NULL);
		_exit(SB_CHILD_SURVIVED);
	}
	close(p[1]);
	while (got + 1 < (ssize_t)out_size && (n = read(p[0], out + got, out_size - 1 - got)) > 0)
		got += n;
	out[got] = 0;
	close(p[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == SB_CHILD_UNSUPPORTED)
		cr_skip_test("%s", out);
	return status;
}

/* Asserts that the child of sb_run_in_child() was killed by the sandbox (SIGSYS). */
static inline void sb_assert_killed(int status, const char *what, const char *child_stderr)
{
	cr_assert(!WIFEXITED(status) || WEXITSTATUS(status) != SB_CHILD_SURVIVED,
	          "%s: the process survived", what);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
	          "%s: wait status %#x, expected death by SIGSYS (stderr: %s)", what, status,
	          child_stderr);
}

/* The value of field (e.g. "Seccomp") in /proc/self/task/<tid>/status, or -1. */
static inline long sb_proc_status(pid_t tid, const char *field)
{
	char path[64], line[256];
	size_t len = strlen(field);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			v = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return v;
}

/*
 * Starts t, checks from outside that its filter is in place (Seccomp: 2, one filter),
 * that the test thread itself is not confined, then runs t's body and reaps it.
 */
static inline void sb_run_checked(struct sb_thread *t)
{
	sb_thread_start(t);
	sb_skip_if_unsupported(t);
	cr_assert_eq(sb_proc_status(t->tid, "Seccomp"), 2, "the thread is not in filter mode");
	cr_assert_eq(sb_proc_status(t->tid, "Seccomp_filters"), 1);
	cr_assert_eq(sb_proc_status(t->tid, "NoNewPrivs"), 1);
	cr_assert_eq(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0, "the filter leaked to the test thread");
	sb_thread_finish(t, true);
}

/* Asserts every check the body recorded. */
static inline void sb_assert_checks(const struct sb_thread *t, int at_least)
{
	cr_assert_geq(t->n_checks, at_least, "the body stopped early (%d checks)", t->n_checks);
	for (int i = 0; i < t->n_checks; i++)
		cr_expect_eq(t->check_got[i], t->check_want[i], "%s: got %ld, want %ld",
		             t->check_what[i], t->check_got[i], t->check_want[i]);
}

/* Death tests end the process with SIGSYS: no core file in the build tree. */
static inline void sb_no_core(void)
{
	struct rlimit r = {0, 0};
	setrlimit(RLIMIT_CORE, &r);
}

#endif
