#!/bin/sh
# Under vmm-ref --reboot, with a raw disk (/dev/vda) that starts zeroed: the first boot
# writes a mark to the disk and asks /init to reboot; the boot after the reset finds the
# mark and lets /init power off. The disk is the only thing the two boots share.
. /scenarios/lib.sh
for m in virtio_mmio virtio_blk; do insmod /modules/$m.ko 2>/dev/null; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/vda ] || fail "no /dev/vda"
mark=$(dd if=/dev/vda bs=16 count=1 2>/dev/null | tr -d '\000')
id=$(cat /proc/sys/kernel/random/boot_id)
case $mark in
"")
	echo -n cvmm-boot-mark >/tmp/mark
	dd if=/tmp/mark of=/dev/vda bs=16 count=1 conv=fsync,sync 2>/dev/null ||
		fail "cannot write the mark"
	say "first boot $id: mark written, rebooting"
	touch /tmp/reboot
	;;
cvmm-boot-mark)
	say "second boot $id: mark found"
	;;
*)
	fail "unexpected disk content '$mark'"
	;;
esac
