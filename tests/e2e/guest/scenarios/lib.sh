# Helpers for the guest scenarios (sourced).
say() { echo "CVMM-GUEST $*"; }
fail() { say "error: $*"; exit 1; }

online_cpus() { cat /sys/devices/system/cpu/online; }

# suspend_once SECONDS MODE: arms the RTC alarm SECONDS ahead and writes MODE (mem or
# freeze) to /sys/power/state, which returns after resume. Busybox has no rtcwake applet;
# this is what rtcwake -m MODE -s SECONDS does through sysfs. The alarm is armed right
# after the RTC's seconds counter ticks: the RTC counts whole seconds, so "+2" at an
# arbitrary moment may fall due in just over one second, and an alarm due while the kernel
# is still on its way down is handled (and disarmed) as an ordinary interrupt, leaving the
# guest suspended with no wake-up armed.
suspend_once() {
	[ -e /sys/class/rtc/rtc0/wakealarm ] || fail "no RTC wake alarm (rtc0 missing)"
	echo 0 >/sys/class/rtc/rtc0/wakealarm
	read -r s0 </sys/class/rtc/rtc0/since_epoch
	s=$s0
	while [ "$s" = "$s0" ]; do read -r s </sys/class/rtc/rtc0/since_epoch; done
	echo "+$1" >/sys/class/rtc/rtc0/wakealarm || fail "cannot arm the RTC alarm"
	echo "$2" >/sys/power/state
}

# read_cycles_and_wake: sets $cycles and $wake from cvmm.cycles=N and cvmm.wake=S on the
# kernel command line (set their defaults first).
read_cycles_and_wake() {
	for arg in $(cat /proc/cmdline); do
		case $arg in
		cvmm.cycles=*) cycles=${arg#cvmm.cycles=} ;;
		cvmm.wake=*) wake=${arg#cvmm.wake=} ;;
		esac
	done
}

# mount_disk: loads the ext4 and virtio modules (those the kernel has as modules), waits for /dev/vda and mounts it on /mnt.
mount_disk() {
	for m in crc16 crc32c_generic mbcache jbd2 ext4 virtio_ring virtio virtio_mmio virtio_blk; do
		insmod /modules/$m.ko 2>/dev/null
	done
	i=0
	while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -b /dev/vda ] || fail "no /dev/vda"
	mkdir -p /mnt && mount -t ext4 /dev/vda /mnt || fail "cannot mount /dev/vda"
}
