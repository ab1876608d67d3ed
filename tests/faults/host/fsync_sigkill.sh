# Durability: the guest writes a fresh pattern to a raw disk and fsyncs it; as soon as
# its "fsynced" line reaches the console, vmm-ref is killed with SIGKILL (no flush, no
# teardown). The pattern must be in the image.
. /data/faults-lib.sh
dd if=/dev/zero of=raw.img bs=4096 count=64 2>/dev/null
boot fsync.log faults_fsync --disk raw.img
# The whole line, token included: the console shows it byte by byte.
wait_for "$LOG" "CVMM-GUEST fsynced cvmm-fsync [0-9a-f-]\{36\}" 120 || fail "no fsynced marker"
kill -9 "$VMM_PID"
wait "$VMM_PID" 2>/dev/null
say "vmm-ref killed with SIGKILL after the guest's fsync returned"
text=$(tr -d '\r' <fsync.log | sed -n 's/.*CVMM-GUEST fsynced \(cvmm-fsync [0-9a-f-]\{36\}\).*/\1/p' | head -n 1)
[ -n "$text" ] || fail "no pattern text in the log"
yes "$text" | head -c 65536 >want.bin
dd if=raw.img of=got.bin bs=4096 count=16 2>/dev/null
cmp want.bin got.bin || fail "the image does not hold the fsynced data"
say "the image holds all 64 KiB the guest fsynced ('$text')"
