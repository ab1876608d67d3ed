/* SPDX-License-Identifier: Apache-2.0 */
/* Shared set-up for the kvm-ioctls tests: a VM with one RAM slot and a loaded payload. */
#ifndef CVMM_TESTS_KVMIO_HELPERS_H
#define CVMM_TESTS_KVMIO_HELPERS_H

#include <criterion/criterion.h>
#include <cvmm/kvm_ioctls.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Declares the start/end symbols of a payload assembled into .rodata. */
#define PAYLOAD(name) extern const unsigned char name##_start[], name##_end[]
#define PAYLOAD_SIZE(name) ((size_t)(name##_end - name##_start))

struct guest {
	struct kvmio_system *sys;
	struct kvmio_vm *vm;
	struct kvmio_vcpu *vcpu;
	uint8_t *mem;
	size_t mem_size;
	uint64_t mem_gpa;
};

/* Opens /dev/kvm or skips the test (with the reason) when there is none. */
static inline struct kvmio_system *open_system_or_skip(void)
{
	struct kvmio_system *sys = NULL;
	int r = kvmio_system_open(&sys);
	if (r == -ENOENT || r == -ENODEV || r == -EACCES) {
		cr_skip_test("no usable /dev/kvm here (%s)", strerror(-r));
	}
	cr_assert_eq(r, 0, "kvmio_system_open: %s", strerror(-r));
	return sys;
}

/* Creates a VM with mem_size bytes of anonymous RAM in slot 0 at guest address gpa. */
static inline void guest_create_vm_at(struct guest *g, uint64_t gpa, size_t mem_size,
                                      uint32_t slot_flags)
{
	memset(g, 0, sizeof(*g));
	g->sys = open_system_or_skip();
	cr_assert_eq(kvmio_system_create_vm(g->sys, 0, &g->vm), 0);
	g->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(g->mem, MAP_FAILED);
	g->mem_size = mem_size;
	g->mem_gpa = gpa;
	int r = kvmio_vm_set_user_memory_region(g->vm, 0, slot_flags, gpa, mem_size, g->mem);
	cr_assert_eq(r, 0, "set_user_memory_region: %s", strerror(-r));
}

static inline void guest_create_vm(struct guest *g, size_t mem_size, uint32_t slot_flags)
{
	guest_create_vm_at(g, 0, mem_size, slot_flags);
}

static inline void guest_load(struct guest *g, uint64_t gpa, const unsigned char *start,
                              const unsigned char *end)
{
	size_t n = (size_t)(end - start);
	cr_assert(gpa >= g->mem_gpa && gpa - g->mem_gpa + n <= g->mem_size);
	memcpy(g->mem + (gpa - g->mem_gpa), start, n);
}

static inline void guest_destroy(struct guest *g)
{
	kvmio_vcpu_destroy(g->vcpu);
	kvmio_vm_destroy(g->vm);
	kvmio_system_destroy(g->sys);
	if (g->mem)
		munmap(g->mem, g->mem_size);
	memset(g, 0, sizeof(*g));
}

/* Runs until an exit that is not INTR; fails the test on an error. */
static inline void guest_run(struct guest *g, struct kvmio_exit *e)
{
	int r;
	do
		r = kvmio_vcpu_run(g->vcpu, e);
	while (r == 0 && e->kind == KVMIO_EXIT_INTR);
	cr_assert_eq(r, 0, "kvmio_vcpu_run: %s", strerror(-r));
}

/* Names an exit for a failure message: its kind, and a system event's type and data. */
static inline const char *exit_detail(const struct kvmio_exit *e, char *buf, size_t size)
{
	if (e->kind == KVMIO_EXIT_SYSTEM_EVENT)
		snprintf(buf, size, "system_event %s (type %u, ndata %u, data[0] %#llx)",
		         kvmio_system_event_name(e->system_event.type), e->system_event.raw_type,
		         e->system_event.ndata, (unsigned long long)e->system_event.data[0]);
	else
		snprintf(buf, size, "%s", kvmio_exit_kind_name(e->kind));
	return buf;
}

#define assert_exit(e, k)                                                                          \
	do {                                                                                       \
		char detail_[128];                                                                 \
		cr_assert_eq((e)->kind, (k), "exit %s (reason %u), expected %s",                   \
		             exit_detail((e), detail_, sizeof(detail_)), (e)->reason,              \
		             kvmio_exit_kind_name(k));                                             \
	} while (0)

#endif
