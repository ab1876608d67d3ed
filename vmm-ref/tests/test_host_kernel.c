/* SPDX-License-Identifier: Apache-2.0 */
/* The minimum host kernel (host_kernel.h): reading a release, comparing, the message. */
#include "host_kernel.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

Test(host_kernel, parses_debian_and_other_releases)
{
	unsigned a = 0, b = 0;

	cr_assert_eq(vmm_kernel_release_parse("6.1.0-57-arm64", &a, &b), 0);
	cr_assert(a == 6 && b == 1);
	cr_assert_eq(vmm_kernel_release_parse("6.12.118+deb12-cloud-amd64", &a, &b), 0);
	cr_assert(a == 6 && b == 12);
	cr_assert_eq(vmm_kernel_release_parse("5.19", &a, &b), 0);
	cr_assert(a == 5 && b == 19);
	cr_assert_eq(vmm_kernel_release_parse("2.6.78-fc", &a, &b), 0);
	cr_assert(a == 2 && b == 6);
	const char *bad[] = {"", "6", "6.", ".1", "x6.1", "6-1", "6.x", "1234567.1", NULL};
	for (const char **s = bad; *s; s++)
		cr_assert_eq(vmm_kernel_release_parse(*s, &a, &b), -EINVAL, "'%s'", *s);
	cr_assert_eq(vmm_kernel_release_parse(NULL, &a, &b), -EINVAL);
}

Test(host_kernel, compares_numerically_not_as_text)
{
	/* 6.12 is newer than 6.2 and 5.19 than 5.9, though not as strings. */
	cr_assert_eq(vmm_kernel_release_at_least("6.12.0", 6, 2), 1);
	cr_assert_eq(vmm_kernel_release_at_least("6.2.0", 6, 12), 0);
	cr_assert_eq(vmm_kernel_release_at_least("5.9.0", 5, 19), 0);
	cr_assert_eq(vmm_kernel_release_at_least("5.19.0", 5, 19), 1);
	cr_assert_eq(vmm_kernel_release_at_least("5.18.19", 5, 19), 0);
	cr_assert_eq(vmm_kernel_release_at_least("4.20.0", 5, 19), 0);
	cr_assert_eq(vmm_kernel_release_at_least("6.0.0", 5, 19), 1);
	cr_assert_eq(vmm_kernel_release_at_least("garbage", 5, 19), -EINVAL);
}

Test(host_kernel, refuses_older_than_5_19_with_one_line)
{
	char err[160];

	cr_assert_eq(vmm_host_kernel_check("6.1.0-57-arm64", err, sizeof(err)), 0);
	cr_assert_eq(vmm_host_kernel_check("6.12.118+deb12-arm64", err, sizeof(err)), 0);
	cr_assert_eq(vmm_host_kernel_check("5.19.0", err, sizeof(err)), 0);
	/* An unreadable release is let through: on arm64 KVM's capability then decides. */
	cr_assert_eq(vmm_host_kernel_check("custom", err, sizeof(err)), 0);

	cr_assert_eq(vmm_host_kernel_check("5.15.0-91-generic", err, sizeof(err)), -1);
	cr_assert_str_eq(err, "host kernel 5.15.0-91-generic is too old: vmm-ref needs Linux 5.19 "
	                      "or later (KVM_CAP_ARM_SYSTEM_SUSPEND)");
	cr_assert_null(strchr(err, '\n'));
	cr_assert_eq(vmm_host_kernel_check("5.18.19", err, sizeof(err)), -1);
}
