#!/bin/sh
# x86_64 suspend to RAM scenario (cvmm.test=x86-suspend): ACPI S3 through Linux's "deep"
# sleep, cvmm.cycles=N times (default 1), each woken by the CMOS RTC's alarm cvmm.wake=S
# seconds ahead (default 2) through the ACPI RTC fixed event. After each resume: every CPU
# online before is online again, the PM1 wake came from the RTC (the ACPI fixed event's
# count rises), and with cvmm.disk on the command line, data written to /dev/vda before
# the first suspend reads back intact from the device after each resume.
. /scenarios/lib.sh
# The ACPI RTC fixed event's count (the kernel counts each fixed event it handled).
rtc_events() {
	read -r n rest </sys/firmware/acpi/interrupts/ff_rt_clk 2>/dev/null
	echo "${n:-0}"
}
cycles=1 wake=2
read_cycles_and_wake
modes=$(cat /sys/power/mem_sleep)
say "mem_sleep $modes"
case $modes in *deep*) ;; *) fail "deep sleep not offered" ;; esac
echo deep >/sys/power/mem_sleep
# disk_sum: the checksum of the 256 KiB at 1 MiB on /dev/vda, read from the device (the
# page cache dropped first).
disk_sum() {
	echo 3 >/proc/sys/vm/drop_caches
	dd if=/dev/vda bs=4096 skip=256 count=64 2>/dev/null | md5sum
}
disk=""
if grep -q "cvmm.disk" /proc/cmdline; then
	for m in virtio_ring virtio virtio_mmio virtio_blk; do
		insmod /modules/$m.ko || fail "cannot load $m"
	done
	n=0
	while [ ! -b /dev/vda ] && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
	[ -b /dev/vda ] || fail "no /dev/vda"
	dd if=/dev/urandom of=/tmp/data bs=4096 count=64 2>/dev/null
	dd if=/tmp/data of=/dev/vda bs=4096 seek=256 conv=fsync 2>/dev/null ||
		fail "cannot write /dev/vda"
	disk=$(md5sum </tmp/data)
	[ "$(disk_sum)" = "$disk" ] || fail "the data does not read back before suspending"
	say "disk data written: $disk"
fi
before=$(online_cpus)
i=1
while [ $i -le $cycles ]; do
	say "suspend $i"
	ev0=$(rtc_events)
	# Linux aborts a suspend (EBUSY) when the alarm fires before it is done, which a
	# slow emulated host can make happen: that attempt did not sleep; try again.
	tries=1
	until suspend_once "$wake" mem; do
		[ $tries -lt 3 ] || fail "suspend $i failed $tries times"
		say "suspend $i aborted before sleeping, again"
		tries=$((tries + 1))
	done
	after=$(online_cpus)
	say "resumed $i cpus $after rtc-events $ev0 -> $(rtc_events)"
	[ "$after" = "$before" ] || fail "cpus $before before suspend, $after after"
	if [ -n "$disk" ]; then
		[ "$(disk_sum)" = "$disk" ] || fail "the disk data changed across suspend $i"
		say "disk data intact $i"
	fi
	i=$((i + 1))
done
say "suspend_stats success $(cat /sys/power/suspend_stats/success 2>/dev/null)"
