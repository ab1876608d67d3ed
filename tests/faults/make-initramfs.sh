#!/bin/sh
# The fault-injection guest's initramfs: the end-to-end guest's (tests/e2e: busybox, /init,
# its scenarios and modules) followed by a second newc archive with this folder's
# scenarios; the kernel unpacks concatenated archives one after the other.
#   make-initramfs.sh BASE.cpio OUTPUT BUSYBOX(host) SCENARIO...
set -eu
base=$1 out=$2 busybox=$3
shift 3
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/scenarios"
for s in "$@"; do install -m 0755 "$s" "$stage/scenarios/"; done
cp "$base" "$out.tmp"
(cd "$stage" && find scenarios | LC_ALL=C sort | "$busybox" cpio -o -H newc 2>/dev/null) >>"$out.tmp"
mv "$out.tmp" "$out"
