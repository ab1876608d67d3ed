# The network benchmark, run by busybox sh inside the emulated arm64 host:
#   sh bench-net.sh RUNS [MIB [GUESTS]]
# Three guests run at once, each with one virtio-net device (virtio-mmio) on its own tap
# of this host, all set up alike: vmm-ref (--net tap=cvmmtap0; 10.0.2.1 here, 10.0.2.15
# in the guest), QEMU with vhost=off (cvmmtap1, 10.0.3.x) and, when the host has
# /dev/vhost-net, QEMU with vhost=on (cvmmtap2, 10.0.4.x). Same guest kernel and
# initramfs (scenario bench-net), 1 vCPU, 256 MiB. No traffic leaves this host.
# GUESTS may name others too: qemu-noevidx is QEMU with vhost=off and without
# VIRTIO_RING_F_EVENT_IDX (event_idx=off), which vmm-ref's transport does not offer
# either (cvmmtap3, 10.0.5.x).
# Each run measures, one guest after the other (alternating, so that the machine's load
# drifts over all alike):
#   g2h: MIB MiB from the guest, timed by this host's receiver, connect to end of data;
#   h2g: MIB MiB to the guest, timed by the guest's receiver likewise;
#   rtt: 20 pings from this host at 0.1 s intervals (the first, which may wait for ARP,
#        left out), their median.
# Prints "BENCH NAME.net_g2h_mbps|net_h2g_mbps|net_rtt_us VALUE" lines, which
# tests/bench/run-bench.sh turns into medians, and NAME.net_DIRECTION_irqs|frames|cpu_ms|
# exits|kicks|mmio_user|wakeups (per MiB; see below).
RUNS=${1:-5}
MIB=${2:-16}
want=${3:-vmm-ref qemu qemu-vhost}
K=/data/guest-kernel
I=/data/guest-initramfs.cpio
cd /tmp || exit 1
err() { echo "BENCH-ERROR net: $*"; }
info() { echo "BENCH-INFO net: $*"; }
now() { sed -n '/^now at /{s/^now at \([0-9]*\) nsecs$/\1/p;q}' /proc/timer_list; }

start=$(now)
if [ ! -x /usr/bin/qemu-system-aarch64 ]; then
	tar -xf /data/qemu-arm64.tar -C / && rm -f /data/qemu-arm64.tar || { err "cannot unpack QEMU"; exit 1; }
fi
[ -e /dev/net/tun ] || { err "no /dev/net/tun"; exit 1; }
guests=""
for g in $want; do
	if [ $g = qemu-vhost ] && [ ! -e /dev/vhost-net ]; then
		info "no /dev/vhost-net in this host: QEMU with vhost=on not measured"
		continue
	fi
	guests="$guests $g"
done
QEMU="/usr/bin/qemu-system-aarch64 -M virt,gic-version=2 -enable-kvm -cpu host -m 256 -smp 1
 -nographic -nodefaults -serial stdio -kernel $K -initrd $I -no-reboot"
# tap number, and the guest's address, of each guest
tapno() { case $1 in vmm-ref) echo 0 ;; qemu) echo 1 ;; qemu-vhost) echo 2 ;; qemu-noevidx) echo 3 ;; esac; }
addr() { echo "10.0.$(($(tapno "$1") + 2)).15"; }

blocks=$((MIB * 16))
dd if=/dev/zero of=/tmp/net-data bs=64k count=$blocks 2>/dev/null || { err "cannot make the data"; exit 1; }
printf '#!/bin/sh\nexec dd if=/tmp/net-data bs=64k 2>/dev/null\n' >/tmp/net-send.sh
printf '#!/bin/sh\nexec dd of=/dev/null bs=64k iflag=fullblock 2>/tmp/net-recv.err\n' >/tmp/net-recv.sh
chmod +x /tmp/net-send.sh /tmp/net-recv.sh
# Host to guest: every guest's "h2g" connects here and gets the data.
nc -ll -p 5002 -e /tmp/net-send.sh &
sender=$!

pids=""
for g in $guests; do
	n=$(tapno $g)
	tunctl -t cvmmtap$n >/dev/null && ip addr add 10.0.$((n + 2)).1/24 dev cvmmtap$n &&
		ip link set cvmmtap$n up || { err "cannot set up tap cvmmtap$n"; exit 1; }
	args="quiet cvmm.test=bench-net cvmm.ip=$(addr $g) cvmm.peer=10.0.$((n + 2)).1 cvmm.mib=$MIB"
	case $g in
	vmm-ref) /data/vmm-ref --kernel $K --initrd $I --memory 256 --vcpus 1 --net tap=cvmmtap$n \
		--cmdline "console=ttyS0 $args" >$g-net.log 2>&1 </dev/null & ;;
	qemu) $QEMU -device virtio-net-device,netdev=n0 \
		-netdev tap,id=n0,ifname=cvmmtap$n,script=no,downscript=no,vhost=off \
		-append "console=ttyAMA0 $args" >$g-net.log 2>&1 </dev/null & ;;
	qemu-vhost) $QEMU -device virtio-net-device,netdev=n0 \
		-netdev tap,id=n0,ifname=cvmmtap$n,script=no,downscript=no,vhost=on \
		-append "console=ttyAMA0 $args" >$g-net.log 2>&1 </dev/null & ;;
	qemu-noevidx) $QEMU -device virtio-net-device,netdev=n0,event_idx=off \
		-netdev tap,id=n0,ifname=cvmmtap$n,script=no,downscript=no,vhost=off \
		-append "console=ttyAMA0 $args" >$g-net.log 2>&1 </dev/null & ;;
	*) err "no guest $g"; continue ;;
	esac
	pids="$pids $!"
	eval "pid$n=$!"
done
ready=""
for g in $guests; do
	i=0
	while ! grep -q "CVMM-GUEST bench-net ready" $g-net.log 2>/dev/null && [ $i -lt 1800 ]; do
		grep -q "CVMM-GUEST \(fail\|error\)" $g-net.log 2>/dev/null && break
		sleep 0.1; i=$((i + 1))
	done
	if grep -q "CVMM-GUEST bench-net ready" $g-net.log; then
		ready="$ready $g"
		info "$g: $(sed -n 's/.*CVMM-GUEST bench-net features /device features /p' $g-net.log | tr -d '\r')"
	else
		err "$g: the guest did not get ready"; tail -n 15 $g-net.log
	fi
done

# What each transfer also reports, per MiB moved: the interrupts the guest took from its
# virtio-net device; the frames through its tap (64 KiB when segmentation offloads work
# end to end); the CPU time of the VMM's main thread, which serves the device's queues in
# both VMMs when vhost is off (with vhost=on, plus the vhost-PID worker thread), and how
# often that thread went to sleep (its voluntary context switches: its wake-ups); and from
# KVM's debugfs statistics of the VM, its exits, the MMIO writes KVM completed in the
# kernel (QueueNotify through an ioeventfd: the guest's kicks) and the MMIO accesses
# that went to the VMM (the interrupt status read and acknowledged, mostly).
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# snap GUEST DIRECTION: "frames cpu-ns exits kicks user-mmio wake-ups" so far (frames:
# g2h the tap's rx, h2g its tx)
snap() {
	local p t v=0 d=tx e=0 k=0 u=0 w
	eval "p=\$pid$(tapno $1)"
	[ $2 = g2h ] && d=rx
	read -r t _ </proc/$p/task/$p/schedstat && v=$t
	# the vhost worker: a kernel thread up to Linux 6.3, a thread of QEMU's after
	for t in $(grep -l "^vhost-$p\$" /proc/[0-9]*/comm /proc/$p/task/*/comm 2>/dev/null); do
		read -r t _ <${t%/comm}/schedstat && v=$((v + t))
	done
	for t in /sys/kernel/debug/kvm/$p-*; do
		[ -e $t/exits ] || continue
		e=$((e + $(cat $t/exits))); k=$((k + $(cat $t/mmio_exit_kernel))); u=$((u + $(cat $t/mmio_exit_user)))
	done
	w=$(sed -n 's/^voluntary_ctxt_switches:[^0-9]*//p' /proc/$p/task/$p/status)
	echo $(cat /sys/class/net/cvmmtap$(tapno $1)/statistics/${d}_packets) $v $e $k $u $w
}
# g2h GUEST: prints "Mbit/s irqs frames cpu-ms exits kicks user-mmio wake-ups" (all but the first
# per MiB), or nothing when the transfer was short
g2h() {
	local t0 t1 i0 i1 s0 s1
	rm -f /tmp/net-recv.err
	i0=$(echo irqs | nc "$(addr $1)" 5000)
	s0=$(snap $1 g2h)
	t0=$(now)
	nc "$(addr $1)" 5001 -e /tmp/net-recv.sh
	t1=$(now)
	s1=$(snap $1 g2h)
	i1=$(echo irqs | nc "$(addr $1)" 5000)
	grep -q "^$blocks+0 records in" /tmp/net-recv.err || return
	echo $((blocks * 65536)) $((t1 - t0)) $((i1 - i0)) $s0 $s1 | per_mib
}
# h2g GUEST: likewise, timed and counted by the guest's receiver
h2g() {
	local s0 s1 out
	s0=$(snap $1 h2g)
	out=$(echo h2g | nc "$(addr $1)" 5000)
	s1=$(snap $1 h2g)
	echo "$out" | awk -v want="$blocks+0" -v b=$((blocks * 65536)) -v s="$s0 $s1" \
		'$1 == "h2g" && $3 == want && $2 > 0 { print b, $2, $6, s }' | per_mib
}
# per_mib < "BYTES NS IRQS SNAP-BEFORE SNAP-AFTER"
per_mib() {
	awk '{ m = $1 / 1048576
		printf "%.1f %.1f %.1f %.2f %.0f %.0f %.0f %.0f\n", $1 * 8 * 1000 / $2, $3 / m,
			($10 - $4) / m, ($11 - $5) / m / 1e6, ($12 - $6) / m, ($13 - $7) / m,
			($14 - $8) / m, ($15 - $9) / m }'
}
# rtt GUEST: the median of 19 pings' round trips, in us
rtt() {
	ping -c 20 -i 0.1 -W 5 "$(addr $1)" 2>/dev/null |
		sed -n 's/.* seq=\([0-9]*\) .* time=\([0-9.]*\) ms$/\1 \2/p' |
		awk '$1 > 0 { print $2 * 1000 }' | sort -g |
		awk '{ v[NR] = $1 } END { if (NR >= 10) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

r=1
while [ $r -le "$RUNS" ]; do
	for g in $ready; do
		for d in g2h h2g; do
			v=$($d $g)
			if [ -n "$v" ]; then
				set -- $v
				echo "BENCH $g.net_${d}_mbps $1"
				echo "BENCH $g.net_${d}_irqs $2"
				echo "BENCH $g.net_${d}_frames $3"
				echo "BENCH $g.net_${d}_cpu_ms $4"
				echo "BENCH $g.net_${d}_exits $5"
				echo "BENCH $g.net_${d}_kicks $6"
				echo "BENCH $g.net_${d}_mmio_user $7"
				echo "BENCH $g.net_${d}_wakeups $8"
			else
				err "$g: $d transfer failed"
			fi
		done
		v=$(rtt $g); [ -n "$v" ] && echo "BENCH $g.net_rtt_us $v" || err "$g: pings lost"
	done
	r=$((r + 1))
done

for g in $ready; do
	echo quit | nc "$(addr $g)" 5000 >/dev/null
done
for p in $pids; do
	i=0
	while kill -0 $p 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 $p 2>/dev/null && { err "a guest (pid $p) did not power off"; kill $p; }
done
kill $sender
info "$RUNS runs of $MIB MiB each way, guests:$guests; $(( ($(now) - start) / 1000000000 )) s"
for g in $guests; do
	grep -q "CVMM-GUEST pass bench-net" $g-net.log || { err "$g: the scenario did not pass"; tail -n 5 $g-net.log; }
done
exit 0
