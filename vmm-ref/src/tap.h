/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tap devices for --net: attaching to one that exists (created by the user or an
 * orchestrator, as Firecracker expects).
 */
#ifndef VMM_TAP_H
#define VMM_TAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * vmm_tap_open: attaches to the existing tap device name with IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR (what cvmm's virtio-net needs) and returns its descriptor, with the
 * interface's MTU in *mtu (0 when it cannot be read). Never creates a device. On failure
 * returns -1 with one line in err: no such interface, not a tap, in use by another
 * process, no permission, or the system's error.
 */
int vmm_tap_open(const char *name, uint16_t *mtu, char *err, size_t err_size);

#endif
