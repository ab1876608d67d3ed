#!/bin/sh
# I/O error: the host truncates the image of /dev/vda (1 MiB) to 64 KiB while the guest
# runs. Reads past the new end must fail with an I/O error in the guest; the first block
# must still read, with the image's own bytes.
. /scenarios/lib.sh
for m in virtio_mmio virtio_blk; do insmod /modules/$m.ko 2>/dev/null; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/vda ] || fail "no /dev/vda"
dd if=/dev/vda of=/dev/null bs=4096 skip=200 count=1 2>/dev/null || fail "first read failed"
say "eio ready"
i=0
while [ $i -lt 150 ]; do
	echo 3 >/proc/sys/vm/drop_caches
	dd if=/dev/vda of=/dev/null bs=4096 skip=200 count=1 2>/tmp/dd.err || break
	sleep 0.2
	i=$((i + 1))
done
[ $i -lt 150 ] || fail "reads past the truncated end never failed"
say "read error: $(tail -n 1 /tmp/dd.err)"
echo 3 >/proc/sys/vm/drop_caches
head -c 16 /dev/vda >/tmp/head || fail "the first block no longer reads"
[ "$(cat /tmp/head)" = CVMM-FAULTS-DISK ] || fail "the first block reads '$(cat /tmp/head)'"
say "first block still reads"
