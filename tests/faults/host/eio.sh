# I/O error: the image of /dev/vda is truncated under the running device (1 MiB to
# 64 KiB). Reads past the new end must reach the guest as I/O errors; reads before it
# still work, and vmm-ref runs on and exits 0 when the guest powers off.
. /data/faults-lib.sh
dd if=/dev/zero of=disk.img bs=4096 count=256 2>/dev/null
printf 'CVMM-FAULTS-DISK' | dd of=disk.img conv=notrunc 2>/dev/null
boot eio.log faults_eio --disk disk.img
wait_for "$LOG" "CVMM-GUEST eio ready" 120 || fail "no ready marker"
truncate -s 65536 disk.img || fail "truncate"
say "image truncated to 64 KiB under the running guest"
wait_exit 120
[ "$RC" = 0 ] || fail "vmm-ref exit status $RC, expected 0"
tr -d '\r' <eio.log | grep "CVMM-GUEST"
grep -q "CVMM-GUEST pass faults_eio" eio.log || fail "the guest scenario did not pass"
say "the I/O error reached the guest; the rest of the disk and vmm-ref were unharmed"
