#!/bin/sh
# x86_64 RTC alarm scenario (cvmm.test=x86-rtc): arms the CMOS RTC's alarm 2 s ahead
# through sysfs, twice, and waits for it each time: the kernel clears wakealarm when the
# alarm's interrupt (IRQ 8) has run, and rtc0's count in /proc/interrupts rises.
. /scenarios/lib.sh
w=/sys/class/rtc/rtc0/wakealarm
[ -e $w ] || fail "no RTC wake alarm (rtc0 missing)"
say "rtc0 is $(cat /sys/class/rtc/rtc0/name)"
irqs() {
	awk '/rtc0/ { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' \
		/proc/interrupts
}
# uptime_cs: the guest's uptime in hundredths of a second (no process started).
uptime_cs() {
	local up rest
	read -r up rest </proc/uptime
	echo $((${up%.*} * 100 + 1${up#*.} - 100))
}
for n in 1 2; do
	before=$(irqs)
	echo 0 >$w
	t0=$(uptime_cs)
	echo +2 >$w || fail "cannot arm the RTC alarm"
	[ -n "$(cat $w)" ] || fail "the alarm does not read back"
	while [ -n "$(cat $w)" ] && [ $(($(uptime_cs) - t0)) -lt 1000 ]; do sleep 0.1; done
	t=$(($(uptime_cs) - t0))
	[ -z "$(cat $w)" ] || fail "alarm $n did not go off within 10 s"
	after=$(irqs)
	[ "${after:-0}" -gt "${before:-0}" ] || fail "no rtc0 interrupt ($before, then $after)"
	# The RTC counts whole seconds: "+2" goes off 1 to 2 s after it was armed.
	[ $t -ge 90 ] || fail "alarm $n went off too early, after ${t}0 ms"
	say "alarm $n went off after ${t}0 ms: rtc0 interrupts ${before:-0} -> $after"
done
