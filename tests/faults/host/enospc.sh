# ENOSPC: the image of /dev/vda is a sparse 1 MiB file on a 128 KiB tmpfs, so the guest's
# writes fill the file system. The guest must see an I/O error, its other disk must keep
# working, and vmm-ref must run on and exit 0 when the guest powers off.
. /data/faults-lib.sh
mkdir -p small && mount -t tmpfs -o size=128k small-fs small || fail "cannot mount a tmpfs"
trap 'umount /tmp/small 2>/dev/null' EXIT
truncate -s 1M small/full.img || fail "truncate"
dd if=/dev/zero of=other.img bs=4096 count=64 2>/dev/null
boot enospc.log faults_enospc --disk small/full.img --disk other.img
wait_exit 150
[ "$RC" = 0 ] || fail "vmm-ref exit status $RC, expected 0"
grep -q "CVMM-GUEST pass faults_enospc" enospc.log || fail "the guest scenario did not pass"
tr -d '\r' <enospc.log | grep "CVMM-GUEST"
df small | tail -n 1
yes cvmm-enospc-other-disk | head -c 65536 >want.bin
dd if=other.img of=got.bin bs=4096 count=16 2>/dev/null
cmp want.bin got.bin || fail "the other disk does not hold the guest's pattern"
say "ENOSPC reached the guest as an I/O error; the other disk and vmm-ref were unharmed"
