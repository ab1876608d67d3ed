#!/bin/sh
# x86_64 reboot-twice scenario (cvmm.test=x86-reboot-twice): the virtio core modules
# Debian's cloud amd64 kernel has as modules first, then tests/e2e's reboot-twice
# scenario (first boot: mark the disk and reboot; second boot: find the mark, power off).
. /scenarios/lib.sh
insmod /modules/virtio_ring.ko || fail "cannot load virtio_ring"
insmod /modules/virtio.ko || fail "cannot load virtio"
. /scenarios/reboot-twice.sh
