// Lets Criterion run under qemu-user on a build machine without a binfmt_misc entry for
// aarch64 (the aarch64 build's unit tests only, linked in by CMakeLists.txt).
// Weak, so that a shared shim linked into the same program (should the test helpers get
// one) takes precedence instead of clashing.
//
// Criterion runs each test in a worker that it starts with execve() of the test program
// itself. Under qemu-user that execve() goes to the host kernel, which cannot run an
// aarch64 ELF unless binfmt_misc hands it to QEMU: it fails with ENOEXEC and the whole
// program aborts. This execve() replaces libc's (the executable's definition wins over
// the shared libraries'), and when the kernel says ENOEXEC it starts the same program
// under the same emulator instead, so every worker runs under qemu-user like its parent.
// On real aarch64 hardware, or with binfmt_misc, the first execve() succeeds and nothing
// changes.
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef VMEM_TEST_EMULATOR
#error "VMEM_TEST_EMULATOR (absolute path of qemu-aarch64-static) must be defined"
#endif
#ifndef VMEM_TEST_SYSROOT
#error "VMEM_TEST_SYSROOT (the arm64 sysroot) must be defined"
#endif

__attribute__((weak, visibility("default"))) int execve(const char *path, char *const argv[],
                                                  char *const envp[])
{
	syscall(SYS_execve, path, argv, envp);
	if (errno != ENOEXEC)
		return -1;

	size_t argc = 0;
	while (argv[argc])
		argc++;
	// emulator -L sysroot -0 argv0 path argv[1..] NULL
	char **qargv = calloc(argc + 7, sizeof(*qargv));
	if (!qargv) {
		errno = ENOMEM;
		return -1;
	}
	size_t k = 0;
	qargv[k++] = (char *)VMEM_TEST_EMULATOR;
	qargv[k++] = (char *)"-L";
	qargv[k++] = (char *)VMEM_TEST_SYSROOT;
	qargv[k++] = (char *)"-0";
	qargv[k++] = (char *)(argc ? argv[0] : path);
	qargv[k++] = (char *)path;
	for (size_t i = 1; i < argc; i++)
		qargv[k++] = argv[i];
	qargv[k] = NULL;
	syscall(SYS_execve, VMEM_TEST_EMULATOR, qargv, envp);
	int saved = errno;
	free(qargv);
	errno = saved;
	return -1;
}
