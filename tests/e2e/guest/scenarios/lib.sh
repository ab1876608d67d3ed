# Helpers for the guest scenarios (sourced).
say() { echo "CVMM-GUEST $*"; }
fail() { say "error: $*"; exit 1; }

online_cpus() { cat /sys/devices/system/cpu/online; }

# suspend_once SECONDS MODE: arms the RTC alarm and writes MODE (mem or freeze) to
# /sys/power/state, which returns after resume. Busybox has no rtcwake applet; this is
# what rtcwake -m MODE -s SECONDS does through sysfs.
suspend_once() {
	[ -e /sys/class/rtc/rtc0/wakealarm ] || fail "no RTC wake alarm (rtc0 missing)"
	echo 0 >/sys/class/rtc/rtc0/wakealarm
	echo "+$1" >/sys/class/rtc/rtc0/wakealarm || fail "cannot arm the RTC alarm"
	echo "$2" >/sys/power/state
}
