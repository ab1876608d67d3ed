#!/bin/sh
# x86_64 virtio-rng scenario (cvmm.test=x86-rng): the virtio core modules Debian's cloud
# amd64 kernel has as modules, then tests/e2e's rng scenario (virtio_mmio finds the device
# in the ACPI DSDT; virtio_rng must become the hardware RNG and give varied bytes).
. /scenarios/lib.sh
insmod /modules/virtio_ring.ko || fail "cannot load virtio_ring"
insmod /modules/virtio.ko || fail "cannot load virtio"
exec /scenarios/rng.sh
