/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmm-ref's lines on stderr: "vmm-ref: " then the text, written with one write() so that
 * lines from several threads never interleave, and ended with \r\n while stderr is a
 * terminal (the console may have put it in raw mode). Thread-safe; callable from the
 * sandboxed threads (write() on stderr alone).
 */
#ifndef VMM_LOG_H
#define VMM_LOG_H

#include "cli.h"

#include <stdarg.h>

/* Finds once whether stderr is a terminal (a sandboxed thread may not ask later). */
void vmm_log_init(void);

/* One line: the prefix (e.g. "warning: ") and the formatted text. */
void vmm_log_vline(const char *prefix, const char *fmt, va_list ap);

/* A line with no level: the one line of an error that ends vmm-ref. */
void vmm_error_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A line at level, shown when it is at or below max (the --log-level). */
void vmm_log_vat(enum vmm_log_level max, enum vmm_log_level level, const char *fmt, va_list ap);
void vmm_log_at(enum vmm_log_level max, enum vmm_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
