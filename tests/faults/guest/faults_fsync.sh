#!/bin/sh
# Durability: writes 64 KiB of a fresh pattern to the raw disk /dev/vda, fsyncs it and
# says so; the host kills vmm-ref with SIGKILL on that line and looks for the pattern in
# the image.
. /scenarios/lib.sh
for m in virtio_mmio virtio_blk; do insmod /modules/$m.ko 2>/dev/null; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/vda ] || fail "no /dev/vda"
token=$(cat /proc/sys/kernel/random/uuid)
yes "cvmm-fsync $token" | head -c 65536 >/tmp/data
dd if=/tmp/data of=/dev/vda bs=4096 conv=fsync 2>/dev/null || fail "write or fsync failed"
say "fsynced cvmm-fsync $token"
# From here on the host may kill vmm-ref at any moment; nothing else is written.
sleep 60
fail "vmm-ref was not killed"
