#!/bin/sh
# x86_64 virtio-blk scenario (cvmm.test=x86-disk): loads the virtio modules (virtio_mmio
# finds the device in the ACPI DSDT), reads the host's pattern from the start of /dev/vda
# and writes its own at 64 KiB. It also reports how the kernel was booted.
. /scenarios/lib.sh
# boot_params.hdr.type_of_loader: 0xff from vmm-ref's zero page, another value when the
# kernel built boot_params itself from a PVH start info (pvh.sh checks which).
[ -r /sys/kernel/boot_params/data ] &&
	say "boot loader type 0x$(od -An -tx1 -j 528 -N 1 /sys/kernel/boot_params/data | tr -d ' ')"
insmod /modules/virtio_ring.ko || fail "cannot load virtio_ring"
insmod /modules/virtio.ko || fail "cannot load virtio"
insmod /modules/virtio_mmio.ko || fail "cannot load virtio_mmio"
insmod /modules/virtio_blk.ko || fail "cannot load virtio_blk"
i=0
while [ ! -b /dev/vda ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -b /dev/vda ]; then
	ls /sys/bus/virtio/devices /sys/bus/platform/devices
	dmesg | tail -n 15
	fail "no /dev/vda"
fi
say "read $(dd if=/dev/vda bs=512 count=1 2>/dev/null | head -n 1)"
echo "cvmm-guest-wrote $(cat /proc/sys/kernel/random/boot_id)" >/tmp/pattern
dd if=/tmp/pattern of=/dev/vda bs=4096 seek=16 conv=fsync,sync 2>/dev/null ||
	fail "cannot write /dev/vda"
say "wrote $(cat /tmp/pattern)"
