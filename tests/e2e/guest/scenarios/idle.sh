#!/bin/sh
# Prints a marker and waits for the host to stop the VM (SIGTERM tests).
. /scenarios/lib.sh
say "idle"
while :; do sleep 1; done
