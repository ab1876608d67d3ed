#!/bin/sh
# The power and wake-up keys: loads the input drivers, finds the keys' input device (arm64:
# "gpio-keys" on the PL061; x86_64: ACPI's "Power Button"), then waits for the power key
# and powers off, as a guest that acts on its power button would. With cvmm.keys=wake it first suspends to RAM with no wake-up alarm, and
# only the wake-up key can bring it back.
. /scenarios/lib.sh
for m in evdev gpio_keys button; do insmod /modules/$m.ko 2>/dev/null; done
dev=""
i=0
while [ -z "$dev" ] && [ $i -lt 50 ]; do
	for d in /sys/class/input/event*; do
		[ -e "$d/device/name" ] || continue
		case $(cat "$d/device/name") in
		gpio-keys | "Power Button") dev=/dev/input/${d##*/} ;;
		esac
	done
	[ -n "$dev" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$dev" ] || fail "no keys input device"
[ -e "$dev" ] || mknod "$dev" c 13 "$(( ${dev##*event} + 64 ))"
say "keys at $dev"
if grep -q 'cvmm.keys=wake' /proc/cmdline; then
	echo deep >/sys/power/mem_sleep
	echo 0 >/sys/class/rtc/rtc0/wakealarm 2>/dev/null
	say "suspending, no alarm"
	echo mem >/sys/power/state || fail "suspend failed"
	say "woken"
fi
say "waiting for the power key"
# Input events, 24 bytes each on arm64 and x86_64: the time (16), then type, code (16 bits each) and
# value (32). Other events (the wake-up key's, EV_SYN) are passed over until KEY_POWER
# (type 1, code 116) is pressed (value 1).
exec 3<"$dev"
while :; do
	ev=$(dd bs=24 count=1 <&3 2>/dev/null | od -An -tu2 -j16 -N6 | tr -s ' ')
	[ -n "$ev" ] || fail "cannot read $dev"
	set -- $ev
	[ "$1" = 1 ] && [ "$2" = 116 ] && [ "$3" = 1 ] && break
done
say "power key: powering off"
poweroff -f
