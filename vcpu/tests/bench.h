/* SPDX-License-Identifier: Apache-2.0 */
/* The vcpu benchmark's shared parts (bench_vcpu.c) and its per-architecture parts. */
#ifndef CVMM_TESTS_VCPU_BENCH_H
#define CVMM_TESTS_VCPU_BENCH_H

#include <cvmm/kvm_ioctls.h>
#include <cvmm/vcpu.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Guest RAM of the benchmark VM: every payload is loaded into it. */
extern const uint64_t bench_ram_gpa;
extern const size_t bench_ram_size;

/*
 * One kind of exit to measure: a payload at load_gpa that loops on one access forever,
 * the exit KVM reports for it (KVM_EXIT_MMIO or KVM_EXIT_IO) and the address it hits
 * (an MMIO address or an I/O port), where the benchmark puts a device on a bus.
 */
struct bench_layout {
	const char *name; /* "MMIO" or "PIO" */
	uint32_t exit_reason;
	uint64_t addr;
	uint64_t load_gpa;
	const uint8_t *start, *end;
};

/* The kinds of exit this architecture measures. */
extern const struct bench_layout bench_layouts[];
extern const size_t bench_nlayouts;

/* Exits per round by default (an exit costs about 10 us on x86 here, 1 ms on emulated arm64). */
extern const unsigned int bench_default_exits;

/* A vCPU configuration entering the payload loaded at l->load_gpa. */
void bench_vcpu_config(const struct bench_layout *l, uint32_t id, struct vcpu_config *cfg);

/* Architecture-only figures (aarch64: SUSPEND and WAKEUP handling). 0 or -1 on failure. */
int bench_arch_extra(struct kvmio_system *sys);

/* Helpers of bench_vcpu.c. */
uint64_t bench_now_ns(void);
int bench_cmp_u64(const void *a, const void *b);
uint64_t bench_median(uint64_t *v, size_t n);
/* Prints a header line for rows of "median / min" figures. */
void bench_header(const char *title);
/* Prints one row: the median and the minimum of v[0..n) (sorts v), in us. */
void bench_row(const char *label, uint64_t *v, size_t n);
/* Prints the ratio of two rows' medians and minima (a over b). */
void bench_ratio(const char *label, uint64_t *a, size_t na, uint64_t *b, size_t nb);
void bench_fail(const char *what, int err);

#endif
