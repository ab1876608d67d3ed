/* SPDX-License-Identifier: Apache-2.0 */
/*
 * For the KVM test programs: whether the running host kernel is at least major.minor,
 * for calls KVM gained in a known release (they check the refusal on older kernels and
 * the call itself on newer ones). Logs the release once per call.
 */
#ifndef CVMM_TESTS_RUNNING_KERNEL_H
#define CVMM_TESTS_RUNNING_KERNEL_H

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/utsname.h>

static inline bool host_kernel_at_least(unsigned int major, unsigned int minor)
{
	struct utsname u;
	unsigned int have_major = 0, have_minor = 0;

	cr_assert_eq(uname(&u), 0);
	cr_assert_eq(sscanf(u.release, "%u.%u", &have_major, &have_minor), 2, "release '%s'",
	             u.release);
	cr_log_info("host kernel %s", u.release);
	return have_major > major || (have_major == major && have_minor >= minor);
}

#endif
