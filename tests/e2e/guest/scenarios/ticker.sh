#!/bin/sh
# Prints "tick N" five times a second, for ever: a guest whose progress shows (the
# control socket's pause stops it, resume lets it go on). The host stops the VM. With
# cvmm.disk=1 it first reads 4 KiB of /dev/vda and writes 1 KiB at 1 MiB (O_DIRECT,
# then a flush), so the disk's counters have known work in them.
. /scenarios/lib.sh
if grep -q 'cvmm.disk=1' /proc/cmdline; then
	for m in virtio_mmio virtio_blk; do insmod /modules/$m.ko 2>/dev/null; done
	i=0
	while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -b /dev/vda ] || fail "no /dev/vda"
	dd if=/dev/vda of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null || fail "cannot read /dev/vda"
	dd if=/dev/zero of=/dev/vda bs=1024 count=1 seek=1024 oflag=direct 2>/dev/null ||
		fail "cannot write /dev/vda"
	sync
	say "disk done"
fi
n=0
while :; do
	say "tick $n"
	n=$((n + 1))
	sleep 0.2
done
