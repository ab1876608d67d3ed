#!/bin/sh
# Prints "tick N" five times a second, for ever: a guest whose progress shows (the
# control socket's pause stops it, resume lets it go on). The host stops the VM.
. /scenarios/lib.sh
n=0
while :; do
	say "tick $n"
	n=$((n + 1))
	sleep 0.2
done
