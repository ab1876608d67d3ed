# ACPI S3 with two vCPUs: the guest (x86-suspend scenario) offers `deep` in mem_sleep,
# suspends to RAM $CYCLES times (default 5), each woken by the CMOS RTC alarm through the
# ACPI RTC fixed event, with both CPUs online after each resume and data written to a
# virtio-blk disk intact. While the guest sleeps, vmm-ref spends (almost) no CPU: its
# ticks are read over 0.5 s of each sleep; a window the wake-up fell into does not count,
# and at least one must.
. /data/e2e-lib.sh
CYCLES=${CYCLES:-5}
WAKE=4
# wait_count LOG PATTERN N SECONDS: waits until LOG has N lines matching PATTERN.
wait_count() {
	local t=0
	while [ "$(count "$1" "$2")" -lt "$3" ]; do
		alive || [ "$(count "$1" "$2")" -ge "$3" ] || return 1
		[ $t -lt $(($4 * 10 * WAIT_SCALE)) ] || return 1
		sleep 0.1
		t=$((t + 1))
	done
}
dd if=/dev/zero of=/tmp/s3-disk.img bs=1M count=4 2>/dev/null
boot_guest suspend.log x86-suspend cvmm.cycles=$CYCLES cvmm.wake=$WAKE cvmm.disk -- \
	--vcpus 2 --disk /tmp/s3-disk.img --log-level info
wait_for suspend.log "CVMM-GUEST init cpus=2 scenario=x86-suspend" 120 || fail "no init marker"
wait_for suspend.log "CVMM-GUEST mem_sleep.*deep" 30 || fail "no deep sleep offered"
samples="" worst=0
i=1
while [ $i -le "$CYCLES" ]; do
	wait_count suspend.log "the guest went to sleep" $i 120 || fail "sleep $i did not come"
	woke0=$(count suspend.log "the guest woke up")
	t0=$(cpu_ticks $VMM_PID)
	sleep 0.5
	t1=$(cpu_ticks $VMM_PID)
	if [ "$woke0" -eq $((i - 1)) ] && [ "$(count suspend.log "the guest woke up")" -eq "$woke0" ]; then
		samples="$samples $((t1 - t0))"
		[ $((t1 - t0)) -le $worst ] || worst=$((t1 - t0))
	fi
	wait_for suspend.log "CVMM-GUEST resumed $i cpus 0-1" $((WAKE * 10 + 30)) ||
		fail "resume $i: not with both CPUs"
	wait_for suspend.log "CVMM-GUEST disk data intact $i" 30 || fail "disk data after $i"
	i=$((i + 1))
done
wait_for suspend.log "CVMM-GUEST pass x86-suspend" 60 || fail "scenario did not pass"
n=$(count suspend.log "S3 wake-up (RTC alarm)")
[ "$n" -eq "$CYCLES" ] || fail "$n RTC wake-ups in the log, $CYCLES expected"
[ -n "$samples" ] || fail "no 0.5 s window fell wholly inside a sleep"
say "vmm-ref CPU ticks in 0.5 s windows asleep:$samples"
[ $worst -le 2 ] || fail "vmm-ref spent up to $worst ticks in 0.5 s while the guest slept"
say "$(grep 'CVMM-GUEST resumed' suspend.log | tr -d '\r' | tr '\n' ';')"
expect_exit 30 0
