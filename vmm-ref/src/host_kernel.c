/* SPDX-License-Identifier: Apache-2.0 */
/* The minimum host kernel (host_kernel.h). */
#include "host_kernel.h"

#include <errno.h>
#include <stdio.h>

/* A decimal number of at most 6 digits at *s; advances s past it. */
static int read_number(const char **s, unsigned *out)
{
	unsigned v = 0;
	int digits = 0;

	while (**s >= '0' && **s <= '9') {
		if (++digits > 6)
			return -EINVAL;
		v = v * 10 + (unsigned)(**s - '0');
		(*s)++;
	}
	if (!digits)
		return -EINVAL;
	*out = v;
	return 0;
}

int vmm_kernel_release_parse(const char *release, unsigned *major, unsigned *minor)
{
	const char *s = release;
	unsigned a, b;

	if (!s || read_number(&s, &a) < 0 || *s++ != '.' || read_number(&s, &b) < 0)
		return -EINVAL;
	*major = a;
	*minor = b;
	return 0;
}

int vmm_kernel_release_at_least(const char *release, unsigned major, unsigned minor)
{
	unsigned a, b;

	if (vmm_kernel_release_parse(release, &a, &b) < 0)
		return -EINVAL;
	return a > major || (a == major && b >= minor);
}

int vmm_host_kernel_check(const char *release, char *err, size_t n)
{
	if (vmm_kernel_release_at_least(release, VMM_MIN_KERNEL_MAJOR, VMM_MIN_KERNEL_MINOR) != 0)
		return 0;
	snprintf(err, n,
	         "host kernel %s is too old: vmm-ref needs Linux " VMM_MIN_KERNEL
	         " or later (KVM_CAP_ARM_SYSTEM_SUSPEND)",
	         release);
	return -1;
}
