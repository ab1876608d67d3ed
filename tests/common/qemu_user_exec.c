/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lets Criterion test programs of the aarch64 build run under qemu-user on an x86_64
 * build machine that has no binfmt_misc entry for aarch64 (linked into every test
 * program of a cross build by cmake/CvmmTesting.cmake).
 *
 * Criterion runs each test in a worker that it starts by execve() of the test program
 * itself. Under qemu-user that execve() reaches the host kernel, which cannot run an
 * aarch64 ELF without binfmt_misc: it fails with ENOEXEC and the program aborts. This
 * execve() takes precedence over libc's (the executable's definition wins over shared
 * libraries'); when the kernel answers ENOEXEC it starts the program under the same
 * emulator instead. On aarch64 hardware, in the emulated arm64 host, or with binfmt_misc,
 * the first execve() succeeds and nothing changes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(CVMM_TEST_EMULATOR) || !defined(CVMM_TEST_SYSROOT)
#error "CVMM_TEST_EMULATOR and CVMM_TEST_SYSROOT must be defined"
#endif

int execve(const char *path, char *const argv[], char *const envp[]);

__attribute__((weak)) int execve(const char *path, char *const argv[], char *const envp[])
{
	syscall(SYS_execve, path, argv, envp);
	if (errno != ENOEXEC)
		return -1;

	size_t argc = 0;
	while (argv[argc])
		argc++;
	/* emulator -L sysroot -0 argv0 path argv[1..] NULL */
	char **qargv = calloc(argc + 7, sizeof(*qargv));
	if (!qargv) {
		errno = ENOMEM;
		return -1;
	}
	size_t k = 0;
	qargv[k++] = (char *)CVMM_TEST_EMULATOR;
	qargv[k++] = (char *)"-L";
	qargv[k++] = (char *)CVMM_TEST_SYSROOT;
	qargv[k++] = (char *)"-0";
	qargv[k++] = (char *)(argc ? argv[0] : path);
	qargv[k++] = (char *)path;
	for (size_t i = 1; i < argc; i++)
		qargv[k++] = argv[i];
	qargv[k] = NULL;
	syscall(SYS_execve, CVMM_TEST_EMULATOR, qargv, envp);
	int saved = errno;
	free(qargv);
	errno = saved;
	return -1;
}
