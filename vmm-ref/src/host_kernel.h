/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The oldest host kernel vmm-ref runs on: Linux 5.19, which brought
 * KVM_CAP_ARM_SYSTEM_SUSPEND (PSCI SYSTEM_SUSPEND left to userspace), the arm64 headline.
 * vmm-ref compares the running kernel's release (uname) with it at start, and on arm64
 * also asks KVM for the capability itself (a kernel may claim a version and lack it).
 * Pure: the release is the caller's.
 */
#ifndef VMM_HOST_KERNEL_H
#define VMM_HOST_KERNEL_H

#include <stddef.h>

#define VMM_MIN_KERNEL_MAJOR 5u
#define VMM_MIN_KERNEL_MINOR 19u
#define VMM_MIN_KERNEL "5.19"

/*
 * Reads MAJOR.MINOR from the start of a kernel release ("6.1.0-57-arm64" gives 6, 1).
 * 0, or -EINVAL when the release does not begin with two dot-separated numbers.
 */
int vmm_kernel_release_parse(const char *release, unsigned *major, unsigned *minor);

/* 1 when release is major.minor or newer, 0 when older, -EINVAL when unreadable. */
int vmm_kernel_release_at_least(const char *release, unsigned major, unsigned minor);

/*
 * Checks a host kernel release against the minimum: 0 when it is as new (or cannot be
 * read: the capability check on arm64 then decides), else -1 with the reason, one line
 * without a prefix, in err (e.g. "host kernel 5.15.0 is too old: vmm-ref needs Linux
 * 5.19 or later (KVM_CAP_ARM_SYSTEM_SUSPEND)").
 */
int vmm_host_kernel_check(const char *release, char *err, size_t n);

#endif
