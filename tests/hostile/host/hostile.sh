# The hostile arm64 payload (hostile_aarch64.S) under vmm-ref with a disk and an RNG:
# vmm-ref must survive every attack, the payload's own checks must pass, it must power
# off (exit status 0) within the time limit, the valid write after the attacks must be in
# the image and nothing else of the image may have changed.
. /data/hostile-lib.sh
make_disk disk.img
cp disk.img disk.orig
SHOW="console.log vmm.err"
t0=$(date +%s)
run_payload 300 console.log vmm.err --kernel /data/hostile.img --memory 64 --vcpus 2 \
	--disk disk.img --rng --log-level info
say "vmm-ref ran for $(($(date +%s) - t0)) s"
tr -d '\r' <console.log | grep '^HOSTILE ' | grep -v '^HOSTILE start'
[ "$RC" = 0 ] || fail "vmm-ref exit status $RC, expected 0 (SYSTEM_OFF)"
grep -q "HOSTILE PASS" console.log || fail "the payload's checks did not all pass"
grep -qi "sanitizer\|runtime error" vmm.err && fail "a sanitizer report"
# sector 1 holds the payload's write; every other byte is as it was
dd if=disk.img of=s1.bin bs=512 skip=1 count=1 2>/dev/null
i=0
while [ $i -lt 64 ]; do printf 'H-WRITE!'; i=$((i + 1)); done >want1.bin
cmp want1.bin s1.bin || fail "sector 1 does not hold the payload's write"
dd if=disk.orig of=want.bin bs=512 count=1 2>/dev/null
dd if=disk.img of=got.bin bs=512 count=1 2>/dev/null
cmp want.bin got.bin || fail "sector 0 changed"
dd if=disk.orig of=want.bin bs=512 skip=2 2>/dev/null
dd if=disk.img of=got.bin bs=512 skip=2 2>/dev/null
cmp want.bin got.bin || fail "sectors past 1 changed"
say "vmm-ref refused every attack, stayed up and powered off with status 0"
# hostile_log_ratelimit reads this log rather than running the payload again.
cp vmm.err /tmp/hostile-info.log
say "vmm-ref logged $(wc -l <vmm.err) line(s) at --log-level info:"
sort vmm.err | sed 's/0x[0-9a-f]*/N/g' | uniq -c | sort -rn | head -n 15
