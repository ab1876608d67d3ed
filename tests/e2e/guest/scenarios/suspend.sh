#!/bin/sh
# Suspends to RAM (PSCI SYSTEM_SUSPEND through Linux's "deep" sleep) CVMM_CYCLES times
# (cvmm.cycles=N on the command line, default 1), each woken by the PL031 alarm after
# cvmm.wake=S seconds (default 2), and checks that every CPU that was online before is online after each resume.
. /scenarios/lib.sh
# The PL031's interrupts handled so far, on every CPU.
rtc_irqs() {
	awk '/rtc-pl031/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i } END { print n + 0 }' \
		/proc/interrupts
}
cycles=1 wake=2
read_cycles_and_wake
modes=$(cat /sys/power/mem_sleep)
say "mem_sleep $modes"
case $modes in *deep*) ;; *) fail "deep sleep not offered" ;; esac
echo deep >/sys/power/mem_sleep
before=$(online_cpus)
i=1
while [ $i -le $cycles ]; do
	say "suspend $i"
	# Linux aborts a suspend (EBUSY) when the alarm fires before it is done, which a
	# slow emulated host can make happen: that attempt did not sleep; try again.
	tries=1
	until suspend_once "$wake" mem; do
		[ $tries -lt 3 ] || fail "suspend $i failed $tries times"
		say "suspend $i aborted before sleeping, again"
		tries=$((tries + 1))
	done
	after=$(online_cpus)
	# The alarm that woke the guest reaches its handler once the guest has resumed (the
	# vGIC may lose the pending level across the GIC restore: docs/KVM-FACTS.md).
	t=0
	while n=$(rtc_irqs); [ "$n" -lt $i ] && [ $t -lt 20 ]; do sleep 0.1; t=$((t + 1)); done
	say "rtc-irqs $i $n"
	say "resumed $i cpus $after"
	[ "$after" = "$before" ] || fail "cpus $before before suspend, $after after"
	i=$((i + 1))
done
