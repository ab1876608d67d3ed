#!/bin/sh
# virtio-blk: mounts the ext4 disk /dev/vda, writes a file and syncs it, suspends to RAM
# and resumes, then reads the file back. The host checks the image after power-off.
. /scenarios/lib.sh
mount_disk
echo "cvmm-disk-data $(cat /proc/sys/kernel/random/boot_id)" >/mnt/data.txt
sync
want=$(cat /mnt/data.txt)
echo deep >/sys/power/mem_sleep
suspend_once 2 mem || fail "suspend failed"
say "resumed"
echo 3 >/proc/sys/vm/drop_caches
[ "$(cat /mnt/data.txt)" = "$want" ] || fail "data changed across suspend"
say "disk data $want"
umount /mnt || fail "umount failed"
if [ -b /dev/vdb ]; then
	yes cvmm-raw-pattern | head -c 65536 | dd of=/dev/vdb bs=4096 conv=fsync 2>/dev/null ||
		fail "cannot write the raw disk"
	say "raw pattern written"
fi
