/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rate limit of log lines a guest can cause at will: at most VMM_LOG_BURST lines of
 * one kind per window of VMM_LOG_WINDOW_S seconds, then one line saying the rest are not
 * logged; the first line of a later window says how many were dropped in the last. The
 * guest must not decide how long vmm-ref's log grows. Lock-free: any thread may ask.
 */
#ifndef VMM_LOG_LIMIT_H
#define VMM_LOG_LIMIT_H

#include <stdatomic.h>
#include <stdint.h>

#define VMM_LOG_BURST 10
#define VMM_LOG_WINDOW_S 60

/* One kind of line. Zero-initialise. */
struct vmm_log_limit {
	atomic_uint seen;                 /* in this window */
	atomic_uint dropped;              /* in this window, not logged */
	_Atomic uint64_t window_start_ns; /* 0: no window yet */
};

enum vmm_log_verdict {
	VMM_LOG_YES,      /* log the line */
	VMM_LOG_NO,       /* drop it (counted) */
	VMM_LOG_NO_FIRST, /* drop it, and log that this kind is not logged for a while */
};

/*
 * vmm_log_limit_check: whether a line of kind l may be logged at now_ns (a monotonic
 * clock; any value, even one going backwards, is safe). When a new window starts, *report
 * is the number dropped in the last one (to log before the line), else 0.
 */
enum vmm_log_verdict vmm_log_limit_check(struct vmm_log_limit *l, uint64_t now_ns,
                                         unsigned int *report);

#endif
