#!/bin/sh
# Asks /init to reboot instead of powering off (vmm-ref reports a guest reset).
. /scenarios/lib.sh
touch /tmp/reboot
