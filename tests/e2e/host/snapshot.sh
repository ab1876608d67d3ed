# Suspend to a snapshot, three cycles, 2 vCPUs and a virtio-blk disk: at each of the
# guest's suspends vmm-ref writes the VM to $SNAP and exits 4, leaving no process; after
# the alarm's time has passed a new `vmm-ref --restore $SNAP` brings the guest back, the
# alarm (already due) wakes it, and the guest checks its tmpfs and disk files, its CPUs
# and its uptime. The host checks the guest's wall clock against its own, that the
# guest's uptime counts the time on disk, and that the memory files are sparse. Then the
# guest powers off: status 0.
. /data/e2e-lib.sh
SNAP=/tmp/snap
AWAY=6 # seconds each snapshot spends on disk
cp /data/disk-ext4.img disk.img
rm -rf $SNAP
boot_guest snap0.log snapshot cvmm.cycles=3 cvmm.wake=3 -- --vcpus 2 --disk disk.img \
	--suspend snapshot:$SNAP --log-level info
wait_for snap0.log "CVMM-GUEST checksums" 120 || fail "no checksums marker"
for c in 1 2 3; do
	wait_for "$LOG" "CVMM-GUEST suspend $c " 60 || fail "cycle $c: no suspend marker"
	up_before=$(sed -n "s/.*CVMM-GUEST suspend $c uptime \([0-9]*\).*/\1/p" "$LOG")
	expect_exit 60 4
	grep -q "snapshot in '$SNAP'" "$LOG" || fail "cycle $c: no snapshot line"
	[ -z "$(pidof vmm-ref)" ] || fail "cycle $c: a vmm-ref process is left: $(pidof vmm-ref)"
	ls -ls $SNAP
	# The RAM file is sparse: far less is allocated than the guest's 256 MiB.
	for f in $SNAP/*.mem; do
		kib=$(du -k "$f" | cut -f1)
		[ "$kib" -lt 200000 ] || fail "cycle $c: $f allocates $kib KiB"
	done
	sleep $AWAY
	run_vmm snap$c.log --restore $SNAP --suspend snapshot:$SNAP --log-level info
	wait_for "$LOG" "CVMM-GUEST resumed $c cpus 0-1 " 90 ||
		fail "cycle $c: no resume marker with both CPUs online"
	line=$(grep "CVMM-GUEST resumed $c " "$LOG")
	host_now=$(date +%s)
	wall=$(echo "$line" | sed -n 's/.* wall \([0-9]*\).*/\1/p')
	up=$(echo "$line" | sed -n 's/.* uptime \([0-9]*\).*/\1/p')
	skew=$((host_now - wall))
	[ "${skew#-}" -le 5 ] || fail "cycle $c: the guest's wall clock is $skew s off the host's"
	[ $((up - up_before)) -ge $AWAY ] ||
		fail "cycle $c: uptime $up_before before, $up after: the time on disk is not counted"
	say "cycle $c: restored; wall clock $skew s off, uptime $up_before -> $up s"
done
wait_for "$LOG" "CVMM-GUEST pass snapshot" 60 || fail "scenario did not pass"
expect_exit 30 0
say "3 suspends to a snapshot and restores with 2 vCPUs and a disk; $(grep -o "in-kernel GICv[23]" snap0.log)"
