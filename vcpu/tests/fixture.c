/* SPDX-License-Identifier: Apache-2.0 */
#include "fixture.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

void fx_open(struct fx *f, uint64_t ram_gpa, size_t ram_size)
{
	memset(f, 0, sizeof(*f));
	int r = kvmio_system_open(&f->sys);
	if (r == -ENOENT || r == -ENXIO || r == -ENODEV || r == -EACCES)
		cr_skip_test("no usable /dev/kvm here (%s)", strerror(-r));
	cr_assert_eq(r, 0, "kvmio_system_open: %s", strerror(-r));
	r = kvmio_system_create_vm(f->sys, 0, &f->vm);
	cr_assert_eq(r, 0, "create vm: %s", strerror(-r));
	f->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(f->ram, MAP_FAILED);
	f->ram_gpa = ram_gpa;
	f->ram_size = ram_size;
	r = kvmio_vm_set_user_memory_region(f->vm, 0, 0, ram_gpa, ram_size, f->ram);
	cr_assert_eq(r, 0, "memory region: %s", strerror(-r));
}

void fx_load(struct fx *f, uint64_t gpa, const void *start, const void *end)
{
	size_t len = (size_t)((const uint8_t *)end - (const uint8_t *)start);
	cr_assert(gpa >= f->ram_gpa && gpa - f->ram_gpa <= f->ram_size &&
	          len <= f->ram_size - (gpa - f->ram_gpa));
	memcpy(f->ram + (gpa - f->ram_gpa), start, len);
}

void fx_set(struct fx *f, const struct vcpu_handlers *h, bool system_suspend)
{
	int r = fx_set_forwarding(f, h, system_suspend, NULL, 0);
	cr_assert_eq(r, 0, "vcpu_set_create: %s", strerror(-r));
}

int fx_set_forwarding(struct fx *f, const struct vcpu_handlers *h, bool system_suspend,
                      const uint32_t *forward_smccc, size_t n_forward_smccc)
{
	struct psci_ram_range ram = {.base = f->ram_gpa, .size = f->ram_size};
	struct vcpu_set_config cfg = {
	    .handlers = *h,
	    .system_suspend = system_suspend,
	    .ram = &ram,
	    .n_ram = 1,
	    .forward_smccc = forward_smccc,
	    .n_forward_smccc = n_forward_smccc,
	    .wake = f->wake,
	};
	return vcpu_set_create(f->sys, f->vm, &cfg, &f->set);
}

void fx_close(struct fx *f)
{
	vcpu_set_destroy(f->set);
	kvmio_vm_destroy(f->vm);
	kvmio_system_destroy(f->sys);
	if (f->ram)
		munmap(f->ram, f->ram_size);
	memset(f, 0, sizeof(*f));
}

void fx_sleep_ms(unsigned int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

uint64_t fx_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
