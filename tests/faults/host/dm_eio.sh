# A real device I/O error (not a short read): the disk is a device-mapper device whose
# sectors 1024-1151 are dm's "error" target and the rest a loop device over a 1 MiB file
# (dm_error.c builds the table with the DM ioctls; the host has no dmsetup). The guest
# reads and writes the failing range (an I/O error each time), and the sectors around it
# (which work); vmm-ref stays up and exits 0 when the guest powers off. Needs dax.ko,
# dm-mod.ko and loop.ko of the host kernel in /data.
. /data/faults-lib.sh
for m in dax dm-mod loop; do
	insmod "/data/$m.ko" 2>/dev/null || grep -q "^${m%%-*}" /proc/modules ||
		say "insmod $m.ko failed (built in?)"
done
i=0
while [ ! -e /dev/mapper/control ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /dev/mapper/control ] || fail "no /dev/mapper/control: device-mapper did not load"
[ -e /dev/loop-control ] || [ -e /dev/loop0 ] || fail "no loop devices: loop did not load"

dd if=/dev/zero of=backing.img bs=4096 count=256 2>/dev/null
printf 'CVMM-FAULTS-DISK' | dd of=backing.img conv=notrunc 2>/dev/null
printf 'CVMM-DM-AFTER-ERR' | dd of=backing.img bs=512 seek=1536 conv=notrunc 2>/dev/null
LOOP=$(losetup -f) || fail "no free loop device"
losetup "$LOOP" backing.img || fail "losetup $LOOP backing.img"
out=$(/data/faults-dm-error create cvmm-eio "$LOOP" 1024 128) ||
	{ losetup -d "$LOOP"; fail "cannot create the device-mapper device"; }
set -- $out
DM=/dev/dm-$2
[ -b "$DM" ] || mknod "$DM" b "$1" "$2" || fail "no $DM"
say "$DM ($1:$2): sectors 0-1023 and 1152-2047 on $LOOP, 1024-1151 fail"
cleanup() {
	/data/faults-dm-error remove cvmm-eio
	losetup -d "$LOOP"
}
# The host itself sees the range fail and the rest work, before the guest tries.
if dd if="$DM" of=/dev/null bs=4096 skip=130 count=1 2>/dev/null; then
	cleanup
	fail "the error target does not fail reads"
fi
dd if="$DM" of=/dev/null bs=4096 skip=192 count=1 2>/dev/null || { cleanup; fail "$DM does not read"; }

boot dm.log faults_dm_eio --disk "$DM" --log-level info
wait_exit 180
tr -d '\r' <dm.log | grep "CVMM-GUEST\|vmm-ref\|I/O error, dev vda"
cleanup
[ "$RC" = 0 ] || fail "vmm-ref exit status $RC, expected 0"
grep -q "CVMM-GUEST pass faults_dm_eio" dm.log || fail "the guest scenario did not pass"
got=$(dd if=backing.img bs=4096 skip=200 count=1 2>/dev/null | head -c 19)
[ "$got" = CVMM-DM-GOOD-WRITE ] || fail "the guest's write after the range is not in the image ('$got')"
n=$(dd if=backing.img bs=512 skip=1024 count=128 2>/dev/null | tr -d '\0' | wc -c)
[ "$n" = 0 ] || fail "$n bytes reached the backing file through the failing range"
say "I/O errors from the device reached the guest as IOERR; the rest of the disk and vmm-ref were unharmed"
