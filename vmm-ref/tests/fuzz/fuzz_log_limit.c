/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the rate limit of guest-caused log lines (log_limit.h): events
 * at any times, the clock jumping forward by any amount or going backwards. Checks the
 * promise line by line: at most VMM_LOG_BURST lines per window, one "not logged" notice
 * when a window first drops, and the next window's report equal to what the last one
 * dropped, so every event is either logged or counted.
 *
 * Input: 3 bytes per event: a 16-bit step and a unit (0: ms, 1: s, 2: backwards by the
 * step in ms, 3: s * 1000, otherwise none).
 */
#include "log_limit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmm_log_limit l;
	uint64_t now = 1000000000ull; /* the monotonic clock is never 0 in practice */
	unsigned long events = 0, logged = 0, dropped = 0, reported = 0;
	unsigned int win_logged = 0, win_dropped = 0;
	const uint64_t window = VMM_LOG_WINDOW_S * 1000000000ull;

	memset(&l, 0, sizeof(l));
	for (size_t i = 0; i + 3 <= size; i += 3) {
		uint64_t step = (uint64_t)data[i] | (uint64_t)data[i + 1] << 8;
		switch (data[i + 2] % 5) {
		case 0:
			now += step * 1000000ull;
			break;
		case 1:
			now += step * 1000000000ull;
			break;
		case 2:
			now = now > step * 1000000ull ? now - step * 1000000ull : 1;
			break;
		case 3:
			now += step * 1000000000000ull;
			break;
		default:
			break;
		}
		uint64_t ws = atomic_load(&l.window_start_ns);
		bool want_new = ws == 0 || (now >= ws && now - ws >= window);
		unsigned int report;
		enum vmm_log_verdict v = vmm_log_limit_check(&l, now, &report);
		bool is_new = atomic_load(&l.window_start_ns) != ws;
		events++;
		if (is_new != want_new)
			abort(); /* a window began early, late, or on a clock going backwards */
		if (is_new) {
			if (report != win_dropped)
				abort(); /* the report must count exactly what the last window
				            dropped */
			reported += report;
			win_logged = win_dropped = 0;
		} else if (report) {
			abort();
		}
		switch (v) {
		case VMM_LOG_YES:
			if (++win_logged > VMM_LOG_BURST || win_dropped)
				abort();
			logged++;
			break;
		case VMM_LOG_NO_FIRST:
			if (win_dropped != 0 || win_logged != VMM_LOG_BURST)
				abort(); /* the notice comes once, right after the burst */
			win_dropped++, dropped++;
			break;
		case VMM_LOG_NO:
			if (win_dropped == 0)
				abort();
			win_dropped++, dropped++;
			break;
		default:
			abort();
		}
	}
	/* Every event is logged or counted, and every count is reported or still pending. */
	if (logged + dropped != events || reported + win_dropped != dropped)
		abort();
	return 0;
}
