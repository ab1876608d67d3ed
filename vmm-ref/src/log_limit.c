/* SPDX-License-Identifier: Apache-2.0 */
/* The rate limit of guest-caused log lines: see log_limit.h. */
#include "log_limit.h"

enum vmm_log_verdict vmm_log_limit_check(struct vmm_log_limit *l, uint64_t now_ns,
                                         unsigned int *report)
{
	uint64_t start = atomic_load(&l->window_start_ns);

	*report = 0;
	/* A new window: the first caller to move its start reports the last one. A clock
	   that went backwards (now before start) is not a new window. */
	if ((start == 0 ||
	     (now_ns >= start && now_ns - start >= VMM_LOG_WINDOW_S * 1000000000ull)) &&
	    atomic_compare_exchange_strong(&l->window_start_ns, &start, now_ns ? now_ns : 1)) {
		*report = atomic_exchange(&l->dropped, 0);
		atomic_store(&l->seen, 0);
	}
	unsigned int n = atomic_fetch_add(&l->seen, 1) + 1;
	if (n <= VMM_LOG_BURST)
		return VMM_LOG_YES;
	atomic_fetch_add(&l->dropped, 1);
	return n == VMM_LOG_BURST + 1 ? VMM_LOG_NO_FIRST : VMM_LOG_NO;
}
