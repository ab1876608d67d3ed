# ACPI S3 with two vCPUs: the guest (x86-suspend scenario) offers `deep` in mem_sleep,
# suspends to RAM $CYCLES times (default 5), each woken by the CMOS RTC alarm through the
# ACPI RTC fixed event, with both CPUs online after each resume and data written to a
# virtio-blk disk intact. While the guest sleeps, vmm-ref's threads spend (almost) no CPU.
. /data/e2e-lib.sh
CYCLES=${CYCLES:-5}
WAKE=3
dd if=/dev/zero of=/tmp/s3-disk.img bs=1M count=4 2>/dev/null
boot_guest suspend.log x86-suspend cvmm.cycles=$CYCLES cvmm.wake=$WAKE cvmm.disk -- \
	--vcpus 2 --disk /tmp/s3-disk.img --log-level info
wait_for suspend.log "CVMM-GUEST init cpus=2 scenario=x86-suspend" 120 || fail "no init marker"
wait_for suspend.log "CVMM-GUEST mem_sleep.*deep" 30 || fail "no deep sleep offered"
# The VMM's CPU time (user + system ticks, all threads) over one second of the first
# sleep: the log says when the guest went to sleep.
wait_for suspend.log "the guest went to sleep" 60 || fail "the guest did not sleep"
t0=$(awk '{ print $14 + $15 }' /proc/$VMM_PID/stat)
sleep 1
t1=$(awk '{ print $14 + $15 }' /proc/$VMM_PID/stat)
asleep=$(grep -c "the guest woke up" suspend.log)
say "vmm-ref CPU while asleep: $((t1 - t0)) ticks in 1 s (woken meanwhile: $asleep)"
[ "$asleep" -eq 0 ] || say "(the guest woke during the measurement: it is not conclusive)"
[ "$asleep" -ne 0 ] || [ $((t1 - t0)) -le 5 ] || fail "vmm-ref spent $((t1 - t0)) ticks asleep"
i=1
while [ $i -le "$CYCLES" ]; do
	wait_for suspend.log "CVMM-GUEST resumed $i cpus 0-1" $((WAKE * 10 + 30)) ||
		fail "resume $i: not with both CPUs"
	wait_for suspend.log "CVMM-GUEST disk data intact $i" 30 || fail "disk data after $i"
	i=$((i + 1))
done
wait_for suspend.log "CVMM-GUEST pass x86-suspend" 60 || fail "scenario did not pass"
n=$(grep -c "S3 wake-up (RTC alarm)" suspend.log)
[ "$n" -ge "$CYCLES" ] || fail "$n RTC wake-ups in the log, $CYCLES expected"
say "$(grep 'CVMM-GUEST resumed' suspend.log | tr -d '\r' | tr '\n' ';')"
expect_exit 30 0
