# Console input wakes a guest restored from a snapshot: the guest (the console-wake
# scenario) suspends with no RTC alarm under --suspend snapshot:DIR; vmm-ref writes it
# out and exits 4. The restored VM stays asleep for 3 s using next to no CPU, until one
# byte arrives on vmm-ref's stdin: the guest wakes, resumes and reads the byte. On arm64
# the guest suspends with PSCI SYSTEM_SUSPEND; on x86_64 it enters ACPI S3.
. /data/e2e-lib.sh
woke="woke up from SYSTEM_SUSPEND"
[ "$(uname -m)" != x86_64 ] || woke="S3 wake-up (console input)"
SNAP=/tmp/snap-console
rm -rf $SNAP
boot_guest wake0.log console-wake -- --log-level info --suspend snapshot:$SNAP
wait_for wake0.log "CVMM-GUEST suspend with no alarm" 90 || fail "no suspend marker"
expect_exit 60 4
rm -f in.fifo && mkfifo in.fifo
VMM_STDIN=in.fifo
run_vmm wake1.log --restore $SNAP --log-level info
open_input in.fifo
VMM_STDIN=
wait_for wake1.log "restoring '$SNAP'" 30 || fail "no restore line"
sleep 1
t0=$(cpu_ticks $VMM_PID)
sleep 3
t1=$(cpu_ticks $VMM_PID)
grep -q "$woke" wake1.log && fail "the guest woke up with no input"
say "restored and asleep for 3 s, vmm-ref used $((t1 - t0)) clock ticks"
[ $((t1 - t0)) -le 10 ] || fail "vmm-ref used $((t1 - t0)) ticks while the guest slept"
printf w >&3
wait_for wake1.log "$woke" 20 || fail "no wake-up after console input"
wait_for wake1.log "CVMM-GUEST console input 'w'" 30 || fail "the guest did not read the byte"
wait_for wake1.log "CVMM-GUEST pass console-wake" 20 || fail "scenario did not pass"
exec 3>&-
expect_exit 20 0
say "a restored guest woke on console input: $(grep -o "console input.*" wake1.log | tr -d '\r')"
