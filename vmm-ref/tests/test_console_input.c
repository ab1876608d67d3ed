/* SPDX-License-Identifier: Apache-2.0 */
/* vmm-ref's console input (console_input.h) and its log rate limit (log_limit.h). */
#include "console_input.h"
#include "log_limit.h"

#include <criterion/criterion.h>
#include <string.h>

static size_t drain(struct vmm_console_in *c, uint8_t *out, size_t max)
{
	size_t n;
	const uint8_t *p = vmm_console_in_pending(c, &n);
	if (n > max)
		n = max;
	memcpy(out, p, n);
	vmm_console_in_taken(c, n);
	return n;
}

Test(console_input, escape_on_a_terminal)
{
	struct vmm_console_in c;
	uint8_t out[16];

	vmm_console_in_init(&c, true);
	/* Ctrl-A Ctrl-A sends one; Ctrl-A y sends both; a Ctrl-A split across reads waits. */
	cr_assert_not(vmm_console_in_feed(&c,
	                                  (const uint8_t *)"a\x01\x01"
	                                                   "b\x01y\x01",
	                                  7));
	cr_assert_eq(drain(&c, out, sizeof(out)), 5);
	cr_assert_arr_eq(out,
	                 "a\x01"
	                 "b\x01y",
	                 5);
	cr_assert(vmm_console_in_feed(&c, (const uint8_t *)"xzz", 3), "Ctrl-A x quits");
	cr_assert_eq(drain(&c, out, sizeof(out)), 0, "nothing after the escape is taken");
}

Test(console_input, a_pipe_passes_everything)
{
	struct vmm_console_in c;
	uint8_t out[8];

	vmm_console_in_init(&c, false);
	cr_assert_not(vmm_console_in_feed(&c, (const uint8_t *)"\x01x\x01", 3));
	cr_assert_eq(drain(&c, out, sizeof(out)), 3);
	cr_assert_arr_eq(out, "\x01x\x01", 3);
}

Test(console_input, bounded_at_every_append)
{
	struct vmm_console_in c;
	uint8_t big[1000];

	memset(big, 'q', sizeof(big));
	vmm_console_in_init(&c, false);
	cr_assert_eq(vmm_console_in_room(&c), VMM_CONSOLE_IN_BUF - 1);
	/* A caller that ignores the room (a hang-up woke it, say) gets no overflow. */
	vmm_console_in_feed(&c, big, sizeof(big));
	size_t n;
	vmm_console_in_pending(&c, &n);
	cr_assert_eq(n, VMM_CONSOLE_IN_BUF);
	cr_assert_eq(c.refused, sizeof(big) - VMM_CONSOLE_IN_BUF);
	cr_assert_eq(vmm_console_in_room(&c), 0);
	vmm_console_in_taken(&c, 100);
	cr_assert_eq(vmm_console_in_room(&c), 0, "room comes back once the guest took it all");
	vmm_console_in_taken(&c, 1000);
	cr_assert_eq(vmm_console_in_room(&c), VMM_CONSOLE_IN_BUF - 1);
}

Test(log_limit, a_burst_per_window_then_the_count)
{
	struct vmm_log_limit l = {0};
	const uint64_t s = 1000000000ull;
	unsigned int report;
	int yes = 0, first = 0, no = 0;

	for (int i = 0; i < 25; i++) {
		enum vmm_log_verdict v = vmm_log_limit_check(&l, 5 * s + (uint64_t)i, &report);
		cr_assert_eq(report, 0);
		yes += v == VMM_LOG_YES, first += v == VMM_LOG_NO_FIRST, no += v == VMM_LOG_NO;
	}
	cr_expect_eq(yes, VMM_LOG_BURST);
	cr_expect_eq(first, 1);
	cr_expect_eq(no, 25 - VMM_LOG_BURST - 1);
	/* A clock going backwards starts nothing. */
	cr_expect_eq(vmm_log_limit_check(&l, 1, &report), VMM_LOG_NO);
	cr_expect_eq(report, 0);
	/* A window later: logged again, and told how many were dropped. */
	cr_expect_eq(vmm_log_limit_check(&l, (5 + VMM_LOG_WINDOW_S) * s, &report), VMM_LOG_YES);
	cr_expect_eq(report, 25 - VMM_LOG_BURST + 1);
}
