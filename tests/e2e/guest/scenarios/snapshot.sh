#!/bin/sh
# Suspend to a snapshot (vmm-ref --suspend snapshot:DIR, then --restore DIR): writes 1 MiB
# of random data to a tmpfs file and to a file on the ext4 disk /dev/vda, then suspends
# to RAM cvmm.cycles=N times (default 3), each with the RTC alarm armed cvmm.wake=S
# seconds ahead (default 3). The host writes the VM to disk at each suspend and restores
# it later; after each resume the scenario checks both files' checksums (the disk's
# read back from the disk), that every CPU is online again and that uptime did not go
# backwards, and prints its wall clock and uptime for the host to check.
. /scenarios/lib.sh
cycles=3 wake=3
for arg in $(cat /proc/cmdline); do
	case $arg in
	cvmm.cycles=*) cycles=${arg#cvmm.cycles=} ;;
	cvmm.wake=*) wake=${arg#cvmm.wake=} ;;
	esac
done
for m in crc16 crc32c_generic mbcache jbd2 ext4 virtio_mmio virtio_blk; do
	insmod /modules/$m.ko 2>/dev/null
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/vda ] || fail "no /dev/vda"
mkdir -p /mnt /run/t
mount -t ext4 /dev/vda /mnt || fail "cannot mount /dev/vda"
mount -t tmpfs tmpfs /run/t || fail "cannot mount a tmpfs"
head -c 1048576 /dev/urandom >/run/t/data
head -c 1048576 /dev/urandom >/mnt/data
sync
sum() { md5sum <"$1" | cut -d' ' -f1; }
tsum=$(sum /run/t/data) dsum=$(sum /mnt/data)
say "checksums tmpfs $tsum disk $dsum"
case $(cat /sys/power/mem_sleep) in *deep*) ;; *) fail "deep sleep not offered" ;; esac
echo deep >/sys/power/mem_sleep
before=$(online_cpus)
i=1
while [ $i -le $cycles ]; do
	up0=$(cut -d' ' -f1 /proc/uptime)
	say "suspend $i uptime $up0"
	tries=1
	until suspend_once "$wake" mem; do
		[ $tries -lt 3 ] || fail "suspend $i failed $tries times"
		say "suspend $i aborted before sleeping, again"
		tries=$((tries + 1))
	done
	up1=$(cut -d' ' -f1 /proc/uptime)
	after=$(online_cpus)
	[ "$after" = "$before" ] || fail "cpus $before before suspend, $after after"
	[ "${up1%.*}" -ge "${up0%.*}" ] || fail "uptime went backwards: $up0 then $up1"
	echo 3 >/proc/sys/vm/drop_caches
	[ "$(sum /run/t/data)" = "$tsum" ] || fail "the tmpfs file changed across suspend $i"
	[ "$(sum /mnt/data)" = "$dsum" ] || fail "the disk file changed across suspend $i"
	say "resumed $i cpus $after wall $(date +%s) uptime $up1 suspends $(cat /sys/power/suspend_stats/success)"
	i=$((i + 1))
done
umount /mnt || fail "umount failed"
