#!/bin/sh
# Under vmm-ref --net tap=cvmmtap0 --net tap=cvmmtap1: two virtio-net devices on taps of
# the emulated host (10.0.2.1/24 and 10.0.3.1/24 there; 10.0.2.15 and 10.0.3.15 here).
# Ping both ways on both links, cvmm.mib=N MiB (default 64) each way over eth0 with
# busybox nc (the checksums are compared by the host), then a suspend cycle and the links
# again.
# Markers for the host: "net up", "net g2h md5 X", "net h2g listening",
# "net h2g md5 X", "net resumed".
. /scenarios/lib.sh
MIB=${MIB:-64}
for arg in $(cat /proc/cmdline); do
	case $arg in cvmm.mib=*) MIB=${arg#cvmm.mib=} ;; esac
done
for m in virtio_ring virtio virtio_mmio failover net_failover virtio_net; do
	[ -e /modules/$m.ko ] && insmod /modules/$m.ko
done
i=0
while [ ! -e /sys/class/net/eth1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /sys/class/net/eth1 ] || fail "no eth0 and eth1 ($(ls /sys/class/net | tr '\n' ' '))"
say "net mac $(cat /sys/class/net/eth0/address) $(cat /sys/class/net/eth1/address)"
say "net mtu $(cat /sys/class/net/eth0/mtu) features $(cat /sys/class/net/eth0/device/features 2>/dev/null)"
# How each virtio line is triggered, as the guest's interrupt controller has it: "name:
# type" (arm64 GIC: Edge or Level; x86_64 IOAPIC: fasteoi for a level pin, edge).
say "net irq $(grep -E 'virtio[0-9]' /proc/interrupts | awk '{printf "%s:%s ", $NF, $(NF-1)}')"
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up || fail "cannot configure eth0"
ip addr add 10.0.3.15/24 dev eth1 && ip link set eth1 up || fail "cannot configure eth1"

pings() { # the guest's side of "ping both ways": it pings the host on both links
	for a in 10.0.2.1 10.0.3.1; do
		ping -c 3 -W 5 $a >/tmp/ping.out 2>&1 || { cat /tmp/ping.out; fail "no answer from $a"; }
		say "net ping $a $(grep -o '[0-9]* packets received' /tmp/ping.out)"
	done
}
pings
say "net up"
# cvmm.hold: the links stay up and the guest waits here until the host stops the VM.
if grep -q "cvmm.hold" /proc/cmdline; then
	say "net holding"
	while :; do sleep 1; done
fi

# With cvmm.mib=0 (the snapshot run) there is no transfer.
if [ "$MIB" -gt 0 ]; then
	# Guest to host: the host listens on 10.0.2.1:5001.
	dd if=/dev/urandom of=/tmp/g2h bs=1M count=$MIB 2>/dev/null || fail "cannot make the data"
	say "net g2h md5 $(md5sum </tmp/g2h | cut -d' ' -f1)"
	nc 10.0.2.1 5001 </tmp/g2h || fail "nc to the host failed"
	rm -f /tmp/g2h
	say "net g2h sent"

	# Host to guest: the host connects to 10.0.2.15:5002 once it reads the marker; the data
	# goes to a file through a program nc runs on the connection.
	printf '#!/bin/sh\ncat >/tmp/h2g\n' >/tmp/sink.sh && chmod +x /tmp/sink.sh
	nc -l -p 5002 -e /tmp/sink.sh &
	listener=$!
	sleep 0.5
	say "net h2g listening"
	wait $listener || fail "the listener failed"
	got=$(stat -c %s /tmp/h2g)
	[ "$got" -eq $((MIB * 1048576)) ] || fail "received $got bytes, not $((MIB * 1048576))"
	say "net h2g md5 $(md5sum </tmp/h2g | cut -d' ' -f1)"
	rm -f /tmp/h2g
fi

# Suspend (to RAM, or under --suspend snapshot:DIR to a snapshot that the host restores;
# the driver resets the device on the way down and sets it up again on the way up), then
# the links again.
grep -q deep /sys/power/mem_sleep && echo deep >/sys/power/mem_sleep
suspend_once 2 mem
say "net resumed"
pings
