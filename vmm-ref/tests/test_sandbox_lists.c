/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sandbox's allowlists as data: what each kind names, and that both filters compile
 * to BPF for the build's architecture. Needs no seccomp in the kernel (runs under
 * qemu-user too).
 */
#define _GNU_SOURCE
#include "sandbox.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

Test(sandbox_lists, vcpu_list)
{
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "ioctl"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "futex"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "write"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "writev"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "read"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "rt_sigreturn"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "exit"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "openat"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "execve"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "socket"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "clone"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "epoll_pwait"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "pwrite64"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "close"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "accept4"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "recvfrom"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "sendto"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_VCPU, "getsockopt"), 0);
}

Test(sandbox_lists, main_list)
{
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "epoll_pwait"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "epoll_ctl"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "preadv"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "fdatasync"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "fallocate"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "tgkill"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "execve"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "openat"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "socket"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "clone"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "ptrace"), 0);
	/* The control socket: clients accepted and served, no new socket or connection. */
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "accept4"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "recvfrom"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "sendto"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "getsockopt"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "connect"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "bind"), 0);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "unlinkat"), 0);
}

Test(sandbox_lists, names_of_other_architectures)
{
#if defined(__aarch64__)
	/* arm64 has no open, epoll_wait or poll: such names are skipped, not errors. */
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "epoll_wait"), -ENOENT);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "open"), -ENOENT);
#else
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "epoll_wait"), 1);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "open"), 0);
#endif
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, "no_such_call"), -ENOENT);
}

Test(sandbox_lists, bad_arguments)
{
	cr_expect_eq(vmm_sandbox_allows((enum vmm_thread_kind)7, "read"), -EINVAL);
	cr_expect_eq(vmm_sandbox_allows(VMM_THREAD_MAIN, NULL), -EINVAL);
	cr_expect_eq(vmm_sandbox_export_bpf((enum vmm_thread_kind)7, VMM_SANDBOX_KILL, 1), -EINVAL);
	cr_expect_eq(vmm_sandbox_export_bpf(VMM_THREAD_MAIN, (enum vmm_sandbox_action)9, 1),
	             -EINVAL);
	cr_expect_eq(vmm_sandbox_install((enum vmm_thread_kind)7), -EINVAL);
	cr_expect_str_eq(vmm_sandbox_kind_name(VMM_THREAD_MAIN), "main");
	cr_expect_str_eq(vmm_sandbox_kind_name(VMM_THREAD_VCPU), "vcpu");
	cr_expect_str_eq(vmm_sandbox_kind_name((enum vmm_thread_kind)7), "unknown");
}

/* Size in bytes of the BPF program of kind and action (each instruction is 8 bytes). */
static long bpf_size(enum vmm_thread_kind kind, enum vmm_sandbox_action action)
{
	FILE *f = tmpfile();
	struct stat st;
	int r;

	cr_assert_not_null(f);
	r = vmm_sandbox_export_bpf(kind, action, fileno(f));
	cr_assert_eq(r, 0, "export: %d", r);
	cr_assert_eq(fstat(fileno(f), &st), 0);
	fclose(f);
	return (long)st.st_size;
}

Test(sandbox_lists, both_filters_compile)
{
	/* Under qemu-user libseccomp's kernel probes fail and it would refuse KILL_PROCESS;
	   the BPF it writes does not depend on the probe, so tell it the level directly. */
	if (seccomp_api_get() < 3)
		cr_assert_eq(seccomp_api_set(3), 0);
	long vcpu = bpf_size(VMM_THREAD_VCPU, VMM_SANDBOX_KILL);
	long main = bpf_size(VMM_THREAD_MAIN, VMM_SANDBOX_KILL);

	cr_assert_gt(vcpu, 0);
	cr_assert_eq(vcpu % 8, 0);
	cr_assert_eq(main % 8, 0);
	/* The main list is the longer one (disk, epoll, terminal). */
	cr_assert_gt(main, vcpu);
	cr_assert_eq(bpf_size(VMM_THREAD_VCPU, VMM_SANDBOX_TRAP), vcpu);
	/* The filter stays far below the kernel's limit of 4096 instructions. */
	cr_assert_lt(main / 8, 4096);
}

/* The first instructions of kind's filter: the architecture check, then the load of the
   syscall number (seccomp_data.nr at offset 0) that every comparison after it needs. */
static void expect_nr_loaded(enum vmm_thread_kind kind, const char *what)
{
	FILE *f = tmpfile();
	uint8_t ins[3][8];

	cr_assert_not_null(f);
	cr_assert_eq(vmm_sandbox_export_bpf(kind, VMM_SANDBOX_KILL, fileno(f)), 0);
	rewind(f);
	cr_assert_eq(fread(ins, 8, 3, f), 3);
	fclose(f);
	/* struct sock_filter: u16 code, u8 jt, u8 jf, u32 k (host byte order). */
	uint16_t code[3];
	uint32_t k[3];
	for (int i = 0; i < 3; i++) {
		memcpy(&code[i], ins[i], 2);
		memcpy(&k[i], ins[i] + 4, 4);
	}
	cr_expect(code[0] == 0x20 && k[0] == 4, "%s: first load is not of the arch", what);
	cr_expect_eq(code[1], 0x15, "%s: no architecture check", what);
	cr_expect(code[2] == 0x20 && k[2] == 0, "%s %s: the syscall number is never loaded", what,
	          vmm_sandbox_kind_name(kind));
}

Test(sandbox_lists, every_filter_loads_the_syscall_number)
{
	/* libseccomp 2.5.4 dropped that load from an arm64 filter whose ioctl had a priority
	   but no rule (no descriptor registered for it): every call was then refused. */
	if (seccomp_api_get() < 3)
		cr_assert_eq(seccomp_api_set(3), 0);
	vmm_sandbox_clear_fds();
	expect_nr_loaded(VMM_THREAD_VCPU, "no descriptors");
	expect_nr_loaded(VMM_THREAD_MAIN, "no descriptors");
	cr_assert_eq(vmm_sandbox_add_fd(VMM_FD_VCPU, 5), 0);
	cr_assert_eq(vmm_sandbox_add_fd(VMM_FD_VM, 6), 0);
	cr_assert_eq(vmm_sandbox_add_fd(VMM_FD_CONSOLE_IN, 0), 0);
	expect_nr_loaded(VMM_THREAD_VCPU, "vCPU and VM descriptors");
	expect_nr_loaded(VMM_THREAD_MAIN, "vCPU and VM descriptors");
	vmm_sandbox_clear_fds();
}
