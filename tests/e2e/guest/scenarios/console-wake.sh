#!/bin/sh
# Suspend to RAM woken by console input: the guest enables wake-up on its serial port,
# makes sure no RTC alarm is set, and suspends (deep: PSCI SYSTEM_SUSPEND) with nothing
# else that could wake it. The host sends one byte to vmm-ref's console input while the
# guest sleeps; the guest must resume, print a marker, and read that byte. The RTC's
# interrupt count must not move across the suspend.
. /scenarios/lib.sh
case $(cat /sys/power/mem_sleep) in *deep*) ;; *) fail "deep sleep not offered" ;; esac
echo deep >/sys/power/mem_sleep
w=/sys/class/tty/ttyS0/power/wakeup
[ -e $w ] || w=/sys/class/tty/ttyS0/device/power/wakeup
[ -e $w ] || fail "no power/wakeup for ttyS0"
echo enabled >$w || fail "cannot enable wake-up in $w"
say "wakeup $w $(cat $w)"
alarm=/sys/class/rtc/rtc0/wakealarm
[ -e $alarm ] && echo 0 >$alarm
[ -z "$(cat $alarm 2>/dev/null)" ] || fail "an RTC alarm is set: $(cat $alarm)"
grep -q rtc /proc/interrupts || fail "no RTC line in /proc/interrupts"
rtc_irqs() { awk '/rtc/ { n += $2 } END { print n + 0 }' /proc/interrupts; }
# Not line by line: the host sends one byte and no newline.
stty -icanon min 1 time 0 || fail "stty failed"
rtc0=$(rtc_irqs)
say "suspend with no alarm"
# A wake-up event while Linux is still on its way down (its own console output, say)
# aborts the attempt with EBUSY before anything slept: try again.
tries=1
until echo mem >/sys/power/state; do
	[ $tries -lt 3 ] || fail "suspend failed $tries times"
	say "suspend aborted before sleeping, again"
	tries=$((tries + 1))
	sleep 1
done
rtc1=$(rtc_irqs)
say "resumed"
[ "$rtc1" -eq "$rtc0" ] || fail "the RTC interrupted during the suspend ($rtc0, then $rtc1)"
read -n 1 -t 10 c || fail "no console input after the resume"
stty icanon
say "console input '$c', rtc interrupts $rtc0 before and after"
