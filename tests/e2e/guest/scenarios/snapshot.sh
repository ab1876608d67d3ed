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
read_cycles_and_wake
mount_disk
mkdir -p /run/t
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
