# Console input wakes a suspended guest: the guest enables wake-up on ttyS0, clears any
# RTC alarm and suspends to RAM. The host sees vmm-ref honour SYSTEM_SUSPEND, checks that
# the guest stays asleep for 3 s (no wake-up logged, no marker, next to no CPU used), then
# writes one byte to vmm-ref's stdin. Only then may the wake-up come; the guest prints its
# marker and reads the byte, and its RTC interrupt count did not move.
. /data/e2e-lib.sh
rm -f in.fifo && mkfifo in.fifo
VMM_STDIN=in.fifo
boot_guest wake.log console-wake -- --log-level info
open_input in.fifo
VMM_STDIN=
wait_for wake.log "CVMM-GUEST suspend with no alarm" 90 || fail "no suspend marker"
wait_for wake.log "SYSTEM_SUSPEND.*honoured" 30 || fail "vmm-ref did not honour a SYSTEM_SUSPEND"
t0=$(cpu_ticks $VMM_PID)
sleep 3
t1=$(cpu_ticks $VMM_PID)
grep -q "woke up from SYSTEM_SUSPEND" wake.log && fail "the guest woke up with no input"
grep -q "CVMM-GUEST resumed" wake.log && fail "the guest resumed with no input"
say "suspended for 3 s with no wake-up, vmm-ref used $((t1 - t0)) clock ticks"
[ $((t1 - t0)) -le 10 ] || fail "vmm-ref used $((t1 - t0)) ticks while the guest slept"
printf w >&3
wait_for wake.log "woke up from SYSTEM_SUSPEND" 20 || fail "no wake-up after console input"
wait_for wake.log "CVMM-GUEST resumed" 20 || fail "no resume marker"
wait_for wake.log "CVMM-GUEST console input 'w'" 20 || fail "the guest did not read the byte"
wait_for wake.log "CVMM-GUEST pass console-wake" 20 || fail "scenario did not pass"
exec 3>&-
expect_exit 20 0
say "$(grep -o 'CVMM-GUEST wakeup [^ ]*' wake.log); $(grep -o "console input.*" wake.log | tr -d '\r')"
