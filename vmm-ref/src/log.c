/* SPDX-License-Identifier: Apache-2.0 */
/* vmm-ref's stderr lines (log.h). */
#include "log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Whether stderr is a terminal: -1 until vmm_log_init(). */
static atomic_int stderr_tty = -1;

void vmm_log_init(void)
{
	atomic_store(&stderr_tty, isatty(STDERR_FILENO) ? 1 : 0);
}

void vmm_log_vline(const char *prefix, const char *fmt, va_list ap)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "vmm-ref: %s", prefix);

	if (n < 0)
		return;
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	n = (int)strlen(line);
	line[n++] = '\n';
	/* One write, so lines from vCPU threads do not interleave; \r for a raw terminal. */
	if (atomic_load(&stderr_tty) == 1 && n < (int)sizeof(line)) {
		line[n - 1] = '\r';
		line[n++] = '\n';
	}
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}

void vmm_error_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmm_log_vline("", fmt, ap);
	va_end(ap);
}

void vmm_log_vat(enum vmm_log_level max, enum vmm_log_level level, const char *fmt, va_list ap)
{
	char prefix[32];

	if (level > max)
		return;
	snprintf(prefix, sizeof(prefix), "%s: ", vmm_log_level_name(level));
	vmm_log_vline(prefix, fmt, ap);
}

void vmm_log_at(enum vmm_log_level max, enum vmm_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmm_log_vat(max, level, fmt, ap);
	va_end(ap);
}
