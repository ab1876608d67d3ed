#!/bin/bash
# Reports one program's result from an emulated-host run (see run-host.sh --results):
# prints its output and exits with its exit status.
set -u
dir=$1 name=$2
if [ ! -e "$dir/$name.rc" ]; then
	echo "no result for $name: the emulated host run did not record one" >&2
	exit 1
fi
cat "$dir/$name.log"
exit "$(cat "$dir/$name.rc")"
