#!/bin/sh
# Guest side of the suspend-to-snapshot benchmark (cvmm.test=bench-snapshot): prints
# "bench snapshot-ready" (the host reads the VM's resident memory there), then suspends to
# RAM with the RTC alarm two seconds ahead; vmm-ref (--suspend snapshot:DIR) writes it out.
# A restore, started after those two seconds, wakes it at once: "bench resumed" is the mark.
# The alarm is armed right after the RTC's seconds counter ticks: the PL031 counts whole
# seconds, so "+1" at an arbitrary moment can fall due within milliseconds, while the
# kernel is still on its way to SYSTEM_SUSPEND; the kernel then handles the alarm as an
# ordinary interrupt (and disarms it) and suspends with no wake-up armed, on any machine.
say() { echo "CVMM-GUEST $*"; }
rtc=/sys/class/rtc/rtc0
[ -e $rtc/wakealarm ] || { say "error: no RTC wake alarm"; exit 1; }
case $(cat /sys/power/mem_sleep) in *deep*) echo deep >/sys/power/mem_sleep ;;
*) say "error: deep sleep not offered"; exit 1 ;; esac
echo 0 >$rtc/wakealarm
say "bench snapshot-ready"
read -r s0 <$rtc/since_epoch
s=$s0
while [ "$s" = "$s0" ]; do read -r s <$rtc/since_epoch; done
echo +2 >$rtc/wakealarm
echo mem >/sys/power/state || { say "error: suspend failed"; exit 1; }
say "bench resumed"
