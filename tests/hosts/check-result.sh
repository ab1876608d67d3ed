#!/bin/bash
# Reports one program's result from an emulated-host run (see run-host.sh --results):
# prints its output and exits with its exit status (77, a ctest skip, when a Criterion
# program passed only because some of its tests skipped themselves).
set -u
dir=$1 name=$2
if [ ! -e "$dir/$name.rc" ]; then
	echo "no result for $name: the emulated host run did not record one" >&2
	exit 1
fi
out=$(cat "$dir/$name.log")
printf '%s\n' "$out"
. "$(dirname "${BASH_SOURCE[0]}")/../common/criterion-skip.sh"
criterion_exit_status "$(cat "$dir/$name.rc")" "$out"
