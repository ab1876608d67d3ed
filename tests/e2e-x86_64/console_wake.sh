# Console input wakes a guest in ACPI S3: the guest (console-wake scenario, tests/e2e)
# enables wake-up on ttyS0, clears any RTC alarm and suspends to RAM (deep). The host sees
# vmm-ref put it to sleep, checks that it stays asleep for 3 s (no wake-up, no marker,
# next to no CPU used), then writes one byte to vmm-ref's stdin: only then may the wake-up
# come; the guest resumes with both CPUs, reads the byte, and its RTC interrupt count did
# not move.
. /data/e2e-lib.sh
rm -f in.fifo && mkfifo in.fifo
VMM_STDIN=in.fifo
boot_guest wake.log console-wake -- --vcpus 2 --log-level info
open_input in.fifo
VMM_STDIN=
wait_for wake.log "CVMM-GUEST suspend with no alarm" 120 || fail "no suspend marker"
wait_for wake.log "the guest went to sleep (ACPI S3)" 60 || fail "vmm-ref saw no S3"
t0=$(cpu_ticks $VMM_PID)
sleep 3
t1=$(cpu_ticks $VMM_PID)
grep -q "S3 wake-up" wake.log && fail "the guest woke up with no input"
grep -q "CVMM-GUEST resumed" wake.log && fail "the guest resumed with no input"
say "asleep for 3 s with no wake-up, vmm-ref used $((t1 - t0)) clock ticks"
[ $((t1 - t0)) -le 10 ] || fail "vmm-ref used $((t1 - t0)) ticks while the guest slept"
printf w >&3
wait_for wake.log "S3 wake-up (console input)" 20 || fail "no wake-up after console input"
wait_for wake.log "CVMM-GUEST resumed" 30 || fail "no resume marker"
wait_for wake.log "CVMM-GUEST console input 'w'" 20 || fail "the guest did not read the byte"
wait_for wake.log "CVMM-GUEST pass console-wake" 20 || fail "scenario did not pass"
exec 3>&-
expect_exit 20 0
say "$(grep -o 'CVMM-GUEST wakeup [^ ]*' wake.log); $(grep -o "console input.*" wake.log | tr -d '\r' | tail -1)"
