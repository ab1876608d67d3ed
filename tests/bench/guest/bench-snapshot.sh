#!/bin/sh
# Guest side of the suspend-to-snapshot benchmark (cvmm.test=bench-snapshot): prints
# "bench snapshot-ready" (the host reads the VM's resident memory there), then suspends to
# RAM with the RTC alarm one second ahead; vmm-ref (--suspend snapshot:DIR) writes it out.
# A restore, started after that second, wakes it at once: "bench resumed" is the mark.
say() { echo "CVMM-GUEST $*"; }
rtc=/sys/class/rtc/rtc0
[ -e $rtc/wakealarm ] || { say "error: no RTC wake alarm"; exit 1; }
case $(cat /sys/power/mem_sleep) in *deep*) echo deep >/sys/power/mem_sleep ;;
*) say "error: deep sleep not offered"; exit 1 ;; esac
echo 0 >$rtc/wakealarm
say "bench snapshot-ready"
echo +1 >$rtc/wakealarm
echo mem >/sys/power/state || { say "error: suspend failed"; exit 1; }
say "bench resumed"
