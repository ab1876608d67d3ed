/* SPDX-License-Identifier: Apache-2.0 */
/*
 * KVM_EXIT_SHUTDOWN from a triple fault. Registered for the emulated x86_64 host: the
 * paravirtual KVM of the development machine cannot deliver real-mode exceptions through
 * its instruction emulator and reports KVM_EXIT_INTERNAL_ERROR instead.
 */
#include "real_mode.h"

PAYLOAD(x86_triple_fault);

static struct guest g;

static void teardown(void)
{
	guest_destroy(&g);
}

TestSuite(x86_shutdown, .fini = teardown, .timeout = 120);

Test(x86_shutdown, triple_fault)
{
	struct kvmio_exit e;
	RM_GUEST(&g, x86_triple_fault, 0);
	guest_run(&g, &e);
	if (e.kind == KVMIO_EXIT_INTERNAL_ERROR)
		cr_log_error("internal error, suberror %u", e.internal.suberror);
	assert_exit(&e, KVMIO_EXIT_SHUTDOWN);
	cr_assert_eq(e.reason, KVM_EXIT_SHUTDOWN);
	cr_assert_str_eq(kvmio_exit_kind_name(e.kind), "shutdown");
}
