#!/bin/sh
# Guest side of the suspend/resume benchmark (cvmm.test=bench-suspend; cvmm.cycles=N,
# default 5). Each cycle starts right after the RTC's seconds counter ticks, so that the
# alarm armed with "+1" fires one second later, not 0-1 s: the host times the lines
# "bench start-MODE" and "bench resumed-MODE". Cycles alternate suspend-to-RAM (mem,
# PSCI SYSTEM_SUSPEND) and suspend-to-idle (freeze), the baseline. Then one long cycle of
# each ("bench long-MODE", alarm at +7 s), during which the host measures the VMM's CPU time.
say() { echo "CVMM-GUEST $*"; }
rtc=/sys/class/rtc/rtc0
[ -e $rtc/wakealarm ] || { say "error: no RTC wake alarm"; exit 1; }
cycles=5
for arg in $(cat /proc/cmdline); do
	case $arg in cvmm.cycles=*) cycles=${arg#cvmm.cycles=} ;; esac
done
say "mem_sleep $(cat /sys/power/mem_sleep)"
case $(cat /sys/power/mem_sleep) in *deep*) echo deep >/sys/power/mem_sleep ;;
*) say "error: deep sleep not offered"; exit 1 ;; esac

# Waits for the RTC's next second (builtin read: no fork per poll).
tick() {
	read -r s0 <$rtc/since_epoch
	s=$s0
	while [ "$s" = "$s0" ]; do read -r s <$rtc/since_epoch; done
}
# one TAG MODE SECONDS
one() {
	echo 0 >$rtc/wakealarm
	tick
	say "bench $1-$2"
	echo "+$3" >$rtc/wakealarm
	echo "$2" >/sys/power/state || { say "error: $2 failed"; exit 1; }
	say "bench resumed-$2"
}
i=0
while [ $i -lt "$cycles" ]; do
	one start mem 1
	one start freeze 1
	i=$((i + 1))
done
one long mem 7
one long freeze 7
