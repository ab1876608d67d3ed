/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the x86_64 machine's snapshot section (state_x86_64.h): the
 * input's first byte is the configuration's vCPU count, the rest the section. The
 * reader must accept it or refuse it with a reason, never crash or read past the input;
 * what it accepts must write back and read again to the same state.
 */
#include "state_x86_64.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmm_x86_machine_state st, again;
	struct vdev_state_reader r;

	if (size < 1)
		return 0;
	vdev_state_reader_init(&r, data + 1, size - 1);
	if (vmm_x86_state_get(&r, data[0], &st) < 0) {
		if (!vdev_state_why(&r)[0])
			abort(); /* a refusal without its reason */
		return 0;
	}
	struct vdev_state_writer w;
	vdev_state_writer_init(&w);
	vmm_x86_state_put(&w, &st);
	if (w.error)
		abort();
	vdev_state_reader_init(&r, w.buf, w.len);
	if (vmm_x86_state_get(&r, data[0], &again) < 0 || memcmp(&st, &again, sizeof(st)) != 0)
		abort();
	vdev_state_writer_free(&w);
	return 0;
}
