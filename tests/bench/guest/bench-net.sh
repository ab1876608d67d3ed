#!/bin/sh
# Guest side of the network benchmark (cvmm.test=bench-net cvmm.ip=ADDRESS
# cvmm.peer=HOST-ADDRESS cvmm.mib=N): one virtio-net device, eth0, on a tap of the
# emulated host (ADDRESS/24 here, HOST-ADDRESS there; no traffic goes anywhere else).
# The host drives every measurement, so that it can alternate between VMMs:
#   port 5001: each connection gets N MiB of zeros from a file in RAM (dd, 64 KiB
#              writes), the host's receiver timing it (guest to host);
#   port 5000: one command a connection: "h2g" connects to HOST-ADDRESS:5002, reads
#              what the host sends to the end (dd, 64 KiB reads) and answers
#              "h2g NANOSECONDS RECORDS-LINE INTERRUPTS" (host to guest, timed here,
#              by the receiver; INTERRUPTS: how many the virtio device raised during
#              the transfer); "irqs" answers the virtio device's interrupt count so
#              far; "quit" ends the scenario (the guest powers off).
# Busybox nc runs each side's dd on the connection itself (-e), so no 1 KiB copies
# through nc are in the path. Times come from /proc/timer_list's "now at" line
# (CLOCK_MONOTONIC in ns: busybox's date has no %N).
. /scenarios/lib.sh
ip="" peer="" mib=32
for arg in $(cat /proc/cmdline); do
	case $arg in
	cvmm.ip=*) ip=${arg#cvmm.ip=} ;;
	cvmm.peer=*) peer=${arg#cvmm.peer=} ;;
	cvmm.mib=*) mib=${arg#cvmm.mib=} ;;
	esac
done
[ -n "$ip" ] && [ -n "$peer" ] || fail "cvmm.ip= and cvmm.peer= are required"
for m in virtio_ring virtio virtio_mmio failover net_failover virtio_net; do
	[ -e /modules/$m.ko ] && insmod /modules/$m.ko
done
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /sys/class/net/eth0 ] || fail "no eth0 ($(ls /sys/class/net | tr '\n' ' '))"
ip link set lo up
ip addr add "$ip/24" dev eth0 && ip link set eth0 up || fail "cannot configure eth0"
dd if=/dev/zero of=/tmp/data bs=64k count=$((mib * 16)) 2>/dev/null || fail "cannot make the data"

printf '#!/bin/sh\nexec dd if=/tmp/data bs=64k 2>/dev/null\n' >/tmp/send.sh
printf '#!/bin/sh\nexec dd of=/dev/null bs=64k iflag=fullblock 2>/tmp/recv.err\n' >/tmp/recv.sh
cat >/tmp/ctl.sh <<-EOF
	#!/bin/sh
	now() { sed -n '/^now at /{s/^now at \([0-9]*\) nsecs\$/\1/p;q}' /proc/timer_list; }
	irqs() { awk '/virtio/ { for (i = 2; i <= NF && \$i ~ /^[0-9]+\$/; i++) n += \$i } END { print n + 0 }' /proc/interrupts; }
	read -r cmd
	case \$cmd in
	h2g)
		rm -f /tmp/recv.err
		i0=\$(irqs)
		t0=\$(now)
		nc $peer 5002 -e /tmp/recv.sh
		t1=\$(now)
		i1=\$(irqs)
		echo "h2g \$((t1 - t0)) \$(head -n 1 /tmp/recv.err 2>/dev/null) \$((i1 - i0))" ;;
	irqs) irqs ;;
	quit) echo bye; echo >/tmp/quit ;;
	*) echo "unknown command" ;;
	esac
EOF
chmod +x /tmp/send.sh /tmp/recv.sh /tmp/ctl.sh
mkfifo /tmp/quit || fail "cannot make a fifo"
nc -ll -p 5001 -e /tmp/send.sh &
sender=$!
nc -ll -p 5000 -e /tmp/ctl.sh &
control=$!
say "bench-net features $(cat /sys/class/net/eth0/device/features 2>/dev/null)"
say "bench-net ready $ip"
read -r _ </tmp/quit
kill $sender $control 2>/dev/null
exit 0
