# Suspend to RAM with 2 vCPUs, 10 cycles: the guest offers deep sleep, Linux offlines
# CPU1 and calls PSCI SYSTEM_SUSPEND, the PL031 alarm wakes it, both CPUs come back and
# the guest prints a marker after each resume. While the guest is suspended vmm-ref uses
# (next to) no host CPU: its ticks in /proc/PID/stat are measured across a suspended
# window in at least two cycles. The alarm's interrupt must reach the guest's handler at
# every resume.
. /data/e2e-lib.sh
CYCLES=10
boot_guest suspend.log suspend cvmm.cycles=$CYCLES cvmm.wake=4 -- --vcpus 2 --log-level info
wait_for suspend.log "CVMM-GUEST init cpus=2" 60 || fail "no init marker"
wait_for suspend.log "CVMM-GUEST mem_sleep .*\[deep\]\|CVMM-GUEST mem_sleep .*deep" 20 ||
	fail "the guest does not offer deep sleep"
measured=0
for c in 1 2 3 4 5 6 7 8 9 10; do
	wait_for suspend.log "CVMM-GUEST suspend $c$EOL" 30 || fail "cycle $c: no suspend marker"
	# The VMM logs the honoured SYSTEM_SUSPEND; the alarm fires 2 s after it was armed.
	i=0
	while [ "$(count suspend.log 'SYSTEM_SUSPEND.*honoured')" -lt $c ] && [ $i -lt 300 ]; do
		sleep 0.05; i=$((i + 1))
	done
	[ "$(count suspend.log 'SYSTEM_SUSPEND.*honoured')" -ge $c ] || fail "cycle $c: no SYSTEM_SUSPEND"
	# A window counts only if the guest slept through it and for a while after it (the
	# alarm is 4 s after it was armed; waking, with the vCPU's re-initialisation, costs
	# CPU that must not fall into the window).
	if [ $c -ge 2 ] && [ $measured -lt 3 ]; then
		woke=$(count suspend.log 'woke up from SYSTEM_SUSPEND')
		# Past the suspend's own work (other vCPUs paused, states read): a second in.
		sleep 1
		thread_ticks >before.txt
		t0=$(cpu_ticks $VMM_PID)
		sleep 0.5
		t1=$(cpu_ticks $VMM_PID)
		thread_ticks >after.txt
		end=$(uptime_cs)
		i=0
		while [ "$(count suspend.log 'woke up from SYSTEM_SUSPEND')" = "$woke" ] && [ $i -lt 100 ]; do
			sleep 0.1; i=$((i + 1))
		done
		gap=$(($(uptime_cs) - end))
		if [ $gap -ge 100 ]; then
			used=$((t1 - t0))
			say "cycle $c: vmm-ref used $used clock ticks in 0.5 s while the guest was suspended (woke ${gap}0 ms later)"
			[ $used -le 2 ] || { echo "threads (tid ticks) before:"; cat before.txt
				echo "after:"; cat after.txt
				fail "cycle $c: vmm-ref used $used ticks while suspended"; }
			measured=$((measured + 1))
		fi
	fi
	wait_for suspend.log "CVMM-GUEST resumed $c cpus 0-1$EOL" 30 ||
		fail "cycle $c: no resume marker with both CPUs online"
done
wait_for suspend.log "CVMM-GUEST pass suspend" 20 || fail "scenario did not pass"
expect_exit 20 0
[ "$(count suspend.log 'woke up from SYSTEM_SUSPEND')" -eq $CYCLES ] || fail "wake-ups != $CYCLES"
grep -q "$CYCLES suspend(s), $CYCLES resume(s)" suspend.log || fail "vmm-ref's counts differ"
[ $measured -ge 2 ] || fail "only $measured suspended windows could be measured"
# Each alarm that woke the guest ran its handler after the resume: without vmm-ref's
# re-pulse of the line, a vGICv2 (Linux 6.1 and 6.12) loses it (docs/KVM-FACTS.md).
for c in 1 2 3 4 5 6 7 8 9 10; do
	n=$(sed -n "s/.*CVMM-GUEST rtc-irqs $c \([0-9]*\).*/\1/p" suspend.log | tail -n1)
	[ "${n:-0}" -ge $c ] ||
		fail "cycle $c: the RTC's interrupt was handled ${n:-0} times in $c wake-ups"
done
say "$CYCLES suspend/resume cycles with 2 vCPUs; CPU time measured in $measured suspended windows; $(grep -o "in-kernel GICv[23]" suspend.log)"
