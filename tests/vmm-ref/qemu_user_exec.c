/*
 * Cross builds only: Criterion starts every test in a fresh copy of the program through
 * execve(). Under qemu-user without a binfmt_misc entry for aarch64, the host kernel refuses
 * that aarch64 executable (ENOEXEC). This definition of execve() takes precedence over
 * libc's; when the kernel answers ENOEXEC it runs the same program under the emulator the
 * build names, so the copy runs under qemu-user as its parent does. Where the first execve()
 * works (real arm64, binfmt_misc) nothing changes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int execve(const char *path, char *const argv[], char *const envp[])
{
	size_t argc = 0, k = 0;
	char **args;
	int err;

	syscall(SYS_execve, path, argv, envp);
	if (errno != ENOEXEC)
		return -1;
	while (argv[argc])
		argc++;
	args = calloc(argc + 6, sizeof(*args));
	if (!args) {
		errno = ENOMEM;
		return -1;
	}
	args[k++] = (char *)VMM_TEST_EMULATOR;
	args[k++] = (char *)"-L";
	args[k++] = (char *)VMM_TEST_SYSROOT;
	args[k++] = (char *)"-0"; /* keep argv[0] as the program passed it */
	args[k++] = argc ? argv[0] : (char *)path;
	args[k++] = (char *)path;
	for (size_t i = 1; i < argc; i++)
		args[k++] = argv[i];
	syscall(SYS_execve, VMM_TEST_EMULATOR, args, envp);
	err = errno;
	free(args);
	errno = err;
	return -1;
}
