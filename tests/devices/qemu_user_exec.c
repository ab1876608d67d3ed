// SPDX-License-Identifier: Apache-2.0
/*
 * Criterion starts each test worker with execve() of the test program itself. Under
 * qemu-user without a binfmt_misc entry for aarch64, the host kernel refuses that aarch64
 * ELF with ENOEXEC and the program aborts. Linked only into the cross build's unit tests,
 * this execve() (the executable's definition takes precedence over libc's) retries such an
 * exec under the same emulator and sysroot, so workers run like their parent. Where the
 * first exec works (real aarch64, binfmt_misc) nothing changes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(DEVICES_TEST_EMULATOR) || !defined(DEVICES_TEST_SYSROOT)
#error "DEVICES_TEST_EMULATOR and DEVICES_TEST_SYSROOT must be defined"
#endif

int execve(const char *path, char *const argv[], char *const envp[])
{
	size_t argc = 0, k = 0;
	char **qargv;
	int saved;

	syscall(SYS_execve, path, argv, envp);
	if (errno != ENOEXEC)
		return -1;
	while (argv[argc])
		argc++;
	/* emulator -L sysroot -0 argv0 path argv[1..] NULL */
	qargv = calloc(argc + 7, sizeof(*qargv));
	if (!qargv) {
		errno = ENOMEM;
		return -1;
	}
	qargv[k++] = (char *)DEVICES_TEST_EMULATOR;
	qargv[k++] = (char *)"-L";
	qargv[k++] = (char *)DEVICES_TEST_SYSROOT;
	qargv[k++] = (char *)"-0";
	qargv[k++] = (char *)(argc ? argv[0] : path);
	qargv[k++] = (char *)path;
	for (size_t i = 1; i < argc; i++)
		qargv[k++] = argv[i];
	syscall(SYS_execve, DEVICES_TEST_EMULATOR, qargv, envp);
	saved = errno;
	free(qargv);
	errno = saved;
	return -1;
}
