# Shared by cvmm's scripts: paths and small helpers. Source it, do not run it.
CVMM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CVMM_CACHE=${CVMM_CACHE:-$CVMM_ROOT/build/cache}
export CVMM_ROOT CVMM_CACHE

log() { printf 'cvmm: %s %s\n' "$(date +%T)" "$*" >&2; }
die() { printf 'cvmm: error: %s\n' "$*" >&2; exit 1; }
