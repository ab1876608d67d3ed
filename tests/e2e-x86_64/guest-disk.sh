#!/bin/sh
# x86_64 virtio-blk scenario (cvmm.test=x86-disk): loads the virtio modules, giving
# virtio_mmio the devices named on the kernel command line (busybox insmod does not read
# it), reads the host's pattern from the start of /dev/vda and writes its own at 64 KiB.
. /scenarios/lib.sh
params=""
for arg in $(cat /proc/cmdline); do
	case $arg in virtio_mmio.device=*) params="$params device=${arg#virtio_mmio.device=}" ;; esac
done
insmod /modules/virtio.ko || fail "cannot load virtio"
insmod /modules/virtio_ring.ko || fail "cannot load virtio_ring"
insmod /modules/virtio_mmio.ko $params || fail "cannot load virtio_mmio"
insmod /modules/virtio_blk.ko || fail "cannot load virtio_blk"
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/vda ] || fail "no /dev/vda"
say "read $(dd if=/dev/vda bs=512 count=1 2>/dev/null | head -n 1)"
echo "cvmm-guest-wrote $(cat /proc/sys/kernel/random/boot_id)" >/tmp/pattern
dd if=/tmp/pattern of=/dev/vda bs=4096 seek=16 conv=fsync,sync 2>/dev/null ||
	fail "cannot write /dev/vda"
say "wrote $(cat /tmp/pattern)"
