#!/bin/sh
# Boots to this point, reports the CPUs, and lets /init power off.
. /scenarios/lib.sh
say "online cpus $(online_cpus)"
